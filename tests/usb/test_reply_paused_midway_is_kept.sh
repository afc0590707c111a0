# A handheld that stops sending in the middle of a reply for longer than
# one bulk transfer's timeout (1 s) makes libusb time out with part of the
# reply transferred. candor keeps those bytes and reads on, so the sync
# completes with every response once; nothing is read twice or dropped.
. "$CND_SOURCE_DIR/tests/usb/usb_lib.sh"

start_bus
setup_device a 150 41
A=$SERIAL
bus pause-in a 3 1600
ucandor sync --device "$A" --store "$T/store" >"$T/sync.out" 2>"$T/err" ||
    fail "sync with a paused reply: $(cat "$T/err")"
grep -q "^synced 150 responses (0 already stored)" "$T/sync.out" || fail "sync: $(cat "$T/sync.out")"
bus stats a
partial=$(echo "$BUS_REPLY" | sed -n 's/.*partial_discards=\([0-9]*\).*/\1/p')
[ "${partial:-0}" -ge 1 ] || fail "no transfer timed out with part of a reply: $BUS_REPLY"
expect_eq "$(export_ids "$T/store")" "150 150" "responses and distinct ids"
echo "ok: a reply paused past a transfer timeout is read whole ($partial partial transfers kept)"
