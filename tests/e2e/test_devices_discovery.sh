# candor finds simulators by their sockets: `candor devices` lists each with
# its spec, device id and pending responses; a command without --device uses
# the only device, and refuses to guess when there are several.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim one --keys "$(keys en-complete)"
DEV_ONE=$DEV
push_survey "$DEV_ONE"
wait_script one

# With one device, --device is optional.
expect_eq "$("$CANDOR" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending"])')" \
    1 "pending via discovery"

start_sim two
DEV_TWO=$DEV
"$CANDOR" devices >"$T/devices.txt" 2>"$T/err" || fail "devices: $(cat "$T/err")"
expect_eq "$(wc -l <"$T/devices.txt" | tr -d ' ')" 2 "lines of candor devices"
grep -q "^$DEV_ONE .*1 pending.*survey dw-conditions" "$T/devices.txt" ||
    fail "device one not listed right: $(cat "$T/devices.txt")"
grep -q "^$DEV_TWO .*0 pending.*survey none" "$T/devices.txt" ||
    fail "device two not listed right: $(cat "$T/devices.txt")"

"$CANDOR" devices --json >"$T/devices.json" 2>"$T/err" || fail "devices --json: $(cat "$T/err")"
python3 -c '
import json, sys
d = {x["device"]: x for x in json.load(open(sys.argv[1]))}
one, two = d[sys.argv[2]], d[sys.argv[3]]
assert one["pending"] == 1 and one["survey_id"] == "dw-conditions", one
assert two["pending"] == 0 and two["survey_id"] is None, two
assert len(one["device_id"]) == 16 and one["device_id"] != two["device_id"]
' "$T/devices.json" "$DEV_ONE" "$DEV_TWO" || fail "devices --json is wrong: $(cat "$T/devices.json")"

# Two devices and no --device: refuse, naming both.
if "$CANDOR" sync --store "$T/store" >"$T/out" 2>"$T/err"; then
    fail "sync with two devices and no --device exited 0"
fi
expect_one_line_error "$T/err" sync
grep -q "2 devices found" "$T/err" || fail "message does not say two were found: $(cat "$T/err")"
grep -q -- "--device" "$T/err" || fail "message does not say how to choose: $(cat "$T/err")"
[ -d "$T/store" ] && [ -n "$(ls -A "$T/store/responses" 2>/dev/null)" ] && fail "refused sync stored responses"

# $CANDOR_DEVICE picks one.
CANDOR_DEVICE=$DEV_ONE "$CANDOR" sync --store "$T/store" >/dev/null 2>"$T/err" ||
    fail "sync with CANDOR_DEVICE: $(cat "$T/err")"
expect_eq "$(export_count "$T/store")" 1 "responses synced via CANDOR_DEVICE"

# No devices at all.
stop_sim one
stop_sim two
if "$CANDOR" devices >"$T/out" 2>"$T/err"; then
    fail "devices with none running exited 0"
fi
expect_one_line_error "$T/err" devices
echo "ok: devices are discovered, listed, and chosen explicitly when several"
