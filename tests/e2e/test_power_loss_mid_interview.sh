# The handheld loses power (SIGKILL) while an interview is in progress: the
# in-progress answers lived only in RAM, so after restart and sync only the
# completed response exists, and the handheld starts on its home screen.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim dev --keys "$(keys en-complete in-progress)"
push_survey "$DEV"
wait_script dev
grep '^SCREEN' "$T/dev.screens" | tail -n 1 | grep -q '^SCREEN ITEM .*name=origin' ||
    fail "the interview is not in progress before the power cut"
stop_sim dev KILL

start_sim dev
expect_eq "$(pending "$DEV")" 1 "pending after the power cut"
grep '^SCREEN' "$T/dev.screens" | tail -n 1 | grep -q '^SCREEN HOME' ||
    fail "after the power cut the handheld did not start on its home screen"
sync_to "$DEV" "$T/store"
expect_eq "$(export_count "$T/store")" 1 "responses after the power cut"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r[0]["answers"]["age_group"] == "age_25_34", r[0]["answers"]["age_group"]
assert all(x["answers"]["age_group"] != "age_50_plus" for x in r), "in-progress answers stored"
' "$T/export.json" || fail "the export holds answers of the interrupted interview"
echo "ok: an interview cut by power loss leaves no record"
