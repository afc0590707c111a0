# `candor watch` as a sync station: two handhelds already plugged in and a
# simulator are each synced with a line ending "safe to unplug"; a third
# handheld plugged in later (a hotplug "add" uevent) is synced on arrival;
# one pulled out (a "remove" uevent) is reported; one busy at arrival is
# synced once free, one that stays busy gets one line; Ctrl-C stops it.
# A second station forced to poll (no hotplug) does the same for a handheld
# replugged with new interviews. Every response is stored exactly once.
# Two handhelds whose replies pause for seconds are synced at the same time
# (each one's bulk traffic starts before the other's line is printed), and
# the same interviews on both (same ids) are stored once.
. "$CND_SOURCE_DIR/tests/usb/usb_lib.sh"

start_bus
setup_device a 150 31
A=$SERIAL
setup_device b 40 32
B=$SERIAL
setup_device c 25 33 # prepared, then unplugged until the station runs
C=$SERIAL
bus unplug c
start_sim s --keys "$(keys en-complete)"
push_survey "$DEV"
wait_script s
SIM=$DEV

start_watch watch.out --store "$T/store"
grep -q "^watching for handhelds on USB (hotplug)" "$T/watch.out" ||
    fail "station does not use hotplug: $(head -n 1 "$T/watch.out")"
wait_line "$T/watch.out" "^$A \(usb:$A\)  synced 150 responses \(0 already stored\), 0 pending; safe to unplug$" "station (a)"
wait_line "$T/watch.out" "^$B \(usb:$B\)  synced 40 responses \(0 already stored\), 0 pending; safe to unplug$" "station (b)"
wait_line "$T/watch.out" "^[0-9a-f]{16} \($SIM\)  synced 1 response .*safe to unplug$" "station (simulator)"

# Plugged in while the station runs.
plug c
wait_line "$T/watch.out" "^$C \(usb:$C\)  synced 25 responses \(0 already stored\), 0 pending; safe to unplug$" "station (c, hotplugged)"
# Busy when it arrives (another program has it): tried again, synced once
# free; one that stays busy gets one line saying so.
bus plug d "$T/d.usbflash" held
D=$(echo "$BUS_REPLY" | sed -n 's/.* serial=\([0-9a-f]*\) .*/\1/p')
sleep 0.3
bus hold d off
wait_line "$T/watch.out" "^$D \(usb:$D\)  synced 0 responses \(0 already stored\), 0 pending; safe to unplug$" "station (d, busy at first)"
bus plug e "$T/e.usbflash" held
E=$(echo "$BUS_REPLY" | sed -n 's/.* serial=\([0-9a-f]*\) .*/\1/p')
wait_line "$T/watch.out" "^usb:$E  not synced: USB device usb:$E is in use by another program" "station (e, busy)"
# Pulled out.
bus unplug a
wait_line "$T/watch.out" "^$A \(usb:$A\)  unplugged$" "station (a, removed)"
stop_watch
wait_line "$T/watch.out" "^stopped: 5 devices synced, 216 new responses stored" "station (stop)"
expect_eq "$(grep -c "safe to unplug" "$T/watch.out")" 5 "lines saying safe to unplug"
expect_eq "$(export_ids "$T/store")" "216 216" "responses and distinct ids after the station"

# Polling fallback: a was interviewed again and comes back.
plug a
bus fill a 12 34
start_watch poll.out --store "$T/store" --poll --interval 200
grep -q "^watching for handhelds on USB (polling)" "$T/poll.out" || fail "not polling: $(head -n 1 "$T/poll.out")"
wait_line "$T/poll.out" "^$A \(usb:$A\)  synced 12 responses \(0 already stored\), 0 pending; safe to unplug$" "polling station (a)"
wait_line "$T/poll.out" "^$B \(usb:$B\)  synced 0 responses" "polling station (b)"
bus unplug b
wait_line "$T/poll.out" "^$B \(usb:$B\)  unplugged$" "polling station (b, removed)"
stop_watch
expect_eq "$(export_ids "$T/store")" "228 228" "responses and distinct ids after the polling station"

# Concurrency: x and y hold the same 60 interviews (same seed, so the same
# ids) and each pauses its replies for 3 s early in the sync. Synced one
# after the other, y would have no bulk traffic until x's line is printed.
setup_device x 60 51
X=$SERIAL
setup_device y 60 51
Y=$SERIAL
# in_transfers NAME: bulk IN transfers since plug into $IN (`bus` runs here,
# not in a subshell, so its count of answer lines stays right).
in_transfers() {
    bus stats "$1"
    IN=$(echo "$BUS_REPLY" | sed -n 's/.* in_transfers=\([0-9]*\).*/\1/p')
}
in_transfers x
x0=$IN
in_transfers y
y0=$IN
bus pause-in x 3 3000
bus pause-in y 3 3000
start_watch both.out --store "$T/store2"
_i=0
while :; do
    in_transfers x
    xs=$IN
    in_transfers y
    ys=$IN
    [ "$xs" -gt "$x0" ] && [ "$ys" -gt "$y0" ] && break
    _i=$((_i + 1))
    [ $_i -gt $((200 * E2E_SCALE)) ] && fail "x and y never both had bulk traffic (x $x0->$xs, y $y0->$ys): $(cat "$T/both.out")"
    sleep 0.05
done
# Both syncs were seen under way above; neither has finished since.
if grep -Eq "^($X|$Y) .*  (synced|not synced|unplugged)" "$T/both.out"; then
    fail "x and y were not synced at the same time: $(cat "$T/both.out")"
fi
wait_line "$T/both.out" "^$X \(usb:$X\)  synced [0-9]+ responses \([0-9]+ already stored\), 0 pending; safe to unplug$" "station (x, concurrent)"
wait_line "$T/both.out" "^$Y \(usb:$Y\)  synced [0-9]+ responses \([0-9]+ already stored\), 0 pending; safe to unplug$" "station (y, concurrent)"
stop_watch
added=$(sed -n 's/.*  synced \([0-9]*\) responses .*/\1/p' "$T/both.out" | awk '{s += $1} END {print s}')
already=$(sed -n 's/.*responses (\([0-9]*\) already stored).*/\1/p' "$T/both.out" | awk '{s += $1} END {print s}')
expect_eq "$added $already" "60 60" "new and already stored responses of x and y together"
# (the handhelds still plugged in from above add nothing new)
grep -Eq "^stopped: [0-9]+ devices synced, 60 new responses stored" "$T/both.out" ||
    fail "concurrent station summary: $(tail -n 1 "$T/both.out")"
expect_eq "$(export_ids "$T/store2")" "60 60" "responses and distinct ids after the concurrent syncs"
echo "ok: the station syncs every arrival once, several at once, hotplugged or polled, and stops cleanly"
