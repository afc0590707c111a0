# The device disconnects in the middle of a sync, at every possible point
# (candor-sim --disconnect-after-frames N for N = 1, 2, ... until a sync
# completes before the cut): the sync fails with one error line and a
# non-zero exit, and a second sync gets every response exactly once.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# A handheld with a survey and two responses, powered off.
start_sim dev --keys "$(keys en-complete es-complete)"
push_survey "$DEV"
wait_script dev
stop_sim dev
cp "$T/dev.flash" "$T/two-responses.flash"

n=1
cuts=0
while :; do
    [ $n -gt 200 ] && fail "a sync needed more than 200 reply frames"
    cp "$T/two-responses.flash" "$T/dev.flash"
    rm -rf "$T/store"
    start_sim dev --disconnect-after-frames "$n"
    if "$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err"; then
        stop_sim dev
        break # the sync needs fewer than n reply frames: every cut point was tried
    else
        rc=$?
    fi
    cuts=$((cuts + 1))
    [ "$rc" -ne 0 ] || fail "cut after $n frames: sync exited 0"
    expect_one_line_error "$T/sync.err" sync
    grep -qi "disconnect" "$T/sync.err" || fail "cut after $n frames: message does not say the device disconnected: $(cat "$T/sync.err")"
    [ -s "$T/sync.out" ] && grep -q "synced" "$T/sync.out" && fail "cut after $n frames: sync claimed success: $(cat "$T/sync.out")"

    sync_to "$DEV" "$T/store"
    expect_eq "$(export_count "$T/store")" 2 "responses after a cut at frame $n and a second sync"
    python3 -c '
import json, sys
recs = json.load(open(sys.argv[1]))
assert sorted(r["language"] for r in recs) == ["en", "es"], recs
' "$T/export.json" || fail "cut after $n frames: wrong responses after the second sync"
    expect_eq "$(pending "$DEV")" 0 "pending after the second sync (cut at frame $n)"
    stop_sim dev
    n=$((n + 1))
done
[ $cuts -ge 3 ] || fail "only $cuts cut points were exercised"
expect_eq "$(export_count "$T/store")" 2 "responses after an uncut sync"
echo "ok: $cuts disconnect points, each recovered by one more sync, nothing duplicated"
