# The real candor talks to an emulated handheld through the real libusb
# (umockdev): survey pushed over USB, `candor devices` / `status` / `sync`
# by serial or by discovery, every response stored exactly once, a second
# sync adds nothing; with two handhelds a command refuses to guess; a
# handheld held by another program and one without permission each give one
# clear line.
. "$CND_SOURCE_DIR/tests/usb/usb_lib.sh"

start_bus
setup_device a 200 11
A=$SERIAL

# candor devices: spec, serial, bus and address, pending, survey.
ucandor devices >"$T/devices.txt" 2>"$T/err" || fail "devices: $(cat "$T/err")"
expect_eq "$(wc -l <"$T/devices.txt" | tr -d ' ')" 1 "lines of candor devices"
grep -Eq "^usb:$A  serial $A  bus 001 address 002  firmware [^ ]+  200 pending  survey dw-conditions v1$" \
    "$T/devices.txt" || fail "device not listed right: $(cat "$T/devices.txt")"
ucandor devices --json >"$T/devices.json" 2>"$T/err" || fail "devices --json: $(cat "$T/err")"
python3 -c '
import json, sys
[d] = json.load(open(sys.argv[1]))
assert d["device"] == "usb:" + sys.argv[2] and d["transport"] == "usb", d
assert d["serial"] == sys.argv[2] and d["bus"] == 1 and d["address"] == 2, d
assert d["pending"] == 200 and d["survey_id"] == "dw-conditions", d
' "$T/devices.json" "$A" || fail "devices --json is wrong: $(cat "$T/devices.json")"

# A bare serial selects it, like usb:SERIAL.
ucandor status --device "$A" --json >"$T/status.json" 2>"$T/err" || fail "status by serial: $(cat "$T/err")"
expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pending"])' "$T/status.json")" \
    200 "pending by bare serial"

# Sync the one device found, then again: exactly once.
ucandor sync --store "$T/store" >"$T/sync.out" 2>"$T/err" || fail "sync: $(cat "$T/err")"
grep -q "^synced 200 responses (0 already stored)" "$T/sync.out" || fail "first sync: $(cat "$T/sync.out")"
expect_eq "$(export_ids "$T/store")" "200 200" "responses and distinct ids after the first sync"
ucandor sync --device "usb:$A" --store "$T/store" >"$T/sync.out" 2>"$T/err" || fail "second sync: $(cat "$T/err")"
grep -q "^synced 0 responses" "$T/sync.out" || fail "second sync: $(cat "$T/sync.out")"

# More interviews later: only the new ones arrive.
bus fill a 30 12
ucandor sync --device "$A" --store "$T/store" >"$T/sync.out" 2>"$T/err" || fail "third sync: $(cat "$T/err")"
grep -q "^synced 30 responses (0 already stored)" "$T/sync.out" || fail "third sync: $(cat "$T/sync.out")"
expect_eq "$(export_ids "$T/store")" "230 230" "responses and distinct ids after the third sync"

# Two handhelds: a command that needs one refuses and lists both.
plug b
B=$SERIAL
if ucandor status >"$T/out" 2>"$T/err"; then
    fail "status with two handhelds and no --device exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "2 devices found" "$T/err" && grep -q "usb:$A" "$T/err" && grep -q "usb:$B" "$T/err" &&
    grep -q -- "--device" "$T/err" || fail "refusal does not list both: $(cat "$T/err")"
bus unplug b

# Held by another program: busy, one line.
bus hold a on
if ucandor status --device "$A" >"$T/out" 2>"$T/err"; then
    fail "status on a held handheld exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "in use by another program" "$T/err" || fail "busy message: $(cat "$T/err")"
bus hold a off

# No permission on the device node: one line that points at the udev rule.
bus deny a on
if as_user "$UMOCKDEV_WRAPPER" "$(user_candor)" status >"$T/out" 2>"$T/err"; then
    fail "status without permission exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "permission denied" "$T/err" && grep -q "udev rule" "$T/err" && grep -q "README" "$T/err" ||
    fail "permission message: $(cat "$T/err")"
grep -q "bus 001 address 002" "$T/err" || fail "permission message does not say where: $(cat "$T/err")"
as_user "$UMOCKDEV_WRAPPER" "$(user_candor)" devices >"$T/out" 2>"$T/err" && fail "devices without permission exited 0"
grep -q "^usb:001/002  bus 001 address 002  not answering: .*permission denied" "$T/out" ||
    fail "devices without permission: $(cat "$T/out")"
bus deny a off
ucandor status --device "$A" >/dev/null 2>"$T/err" || fail "status after permission is back: $(cat "$T/err")"

echo "ok: sync through libusb stores every response once; devices, serials, busy and permission are clear"
