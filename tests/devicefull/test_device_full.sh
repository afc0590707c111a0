# A handheld whose storage fills up: from 80 % HOME warns and `candor
# status` shows the fill level; when one more interview could not be
# guaranteed room, HOME offers no Start and OK starts nothing (nobody is
# interviewed whose answers could not be kept), status says full; a sync
# takes every response (none dropped) and HOME offers Start again.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
: "${CND_FILL_IMAGE:?set CND_FILL_IMAGE to cnd-fill-image}"

compile_survey
n1=$("$CND_FILL_IMAGE" "$T/dev.flash" "$T/survey.pack" 85) || fail "fill to 85%"

# 85 %: a warning on HOME, Start still there.
start_sim dev
wait_screen dev '^SCREEN HOME .*options=1 .*storage=85% level=warn'
grep -q '^Storage 85% full: sync soon$' "$T/dev.screens" || fail "no storage warning drawn: $(tail -n 21 "$T/dev.screens")"
"$CANDOR" status --device "$DEV" >"$T/status.txt" 2>"$T/status.err" || fail "status: $(cat "$T/status.err")"
grep -q '^fill      85% full: above the 80% warning; sync soon$' "$T/status.txt" ||
    fail "status does not show the fill level: $(cat "$T/status.txt")"
"$CANDOR" status --device "$DEV" --json >"$T/status.json" 2>"$T/status.err" || fail "status --json"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["fill_percent"] == 85 and s["fill_level"] == "warn", s
assert s["fill_percent"] == s["bytes_used"] * 100 // (s["bytes_used"] + s["bytes_free"]), s
' "$T/status.json" || fail "status --json fill fields: $(cat "$T/status.json")"
stop_sim dev

# Full: no Start, and OK on HOME starts nothing.
n2=$("$CND_FILL_IMAGE" "$T/dev.flash" "$T/survey.pack" full) || fail "fill to full"
printf 'expect HOME\nok\nexpect HOME\nok\n' >"$T/try-start.keys"
start_sim dev --keys "$T/try-start.keys"
wait_script dev
last_screen dev | grep -Eq '^SCREEN HOME .*options=0 .*level=full' ||
    fail "full device: $(last_screen dev)"
grep -q '^SCREEN CONSENT' "$T/dev.screens" && fail "an interview started on a full device"
grep -q '^Storage full: sync with the$' "$T/dev.screens" || fail "no 'storage full' message drawn"
"$CANDOR" status --device "$DEV" --json >"$T/status.json" 2>"$T/status.err" || fail "status --json"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["fill_level"] == "full" and s["fill_percent"] >= 95, s
' "$T/status.json" || fail "full device status: $(cat "$T/status.json")"
"$CANDOR" status --device "$DEV" | grep -q '^fill      .*full: no room for another interview; sync to free space$' ||
    fail "status text for a full device"

# A sync takes every response; HOME shows the freed room without a key.
sync_to "$DEV" "$T/store"
expect_eq "$(export_count "$T/store")" $((n1 + n2)) "responses synced from the full device"
wait_screen dev '^SCREEN HOME .*options=1 .*pending=0 storage=[0-9]% level=ok'
stop_sim dev

# And the next interview can start and is saved.
start_sim dev --keys "$(keys en-complete)"
wait_script dev
expect_eq "$(pending "$DEV")" 1 "pending after an interview on the synced device"
echo "ok: warned at 85%, no interview started when full ($((n1 + n2)) responses), all synced, Start again"
