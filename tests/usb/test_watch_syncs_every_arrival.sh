# `candor watch` as a sync station: two handhelds already plugged in and a
# simulator are each synced with a line ending "safe to unplug"; a third
# handheld plugged in later (a hotplug "add" uevent) is synced on arrival;
# one pulled out (a "remove" uevent) is reported; one busy at arrival is
# synced once free, one that stays busy gets one line; Ctrl-C stops it.
# A second station forced to poll (no hotplug) does the same for a handheld
# replugged with new interviews. Every response is stored exactly once.
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
wait_line "$T/watch.out" "^[0-9a-f]{16} \($SIM\)  synced 1 responses .*safe to unplug$" "station (simulator)"

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
echo "ok: the station syncs every arrival once, hotplugged or polled, and stops cleanly"
