# The demo scenario (tools/demo.sh): English with "prefer not to answer",
# Spanish, and a withdrawn interview. The exported JSON holds exactly the
# two completed responses with the scripted answers; the withdrawal left
# nothing. Checked here independently of the demo's own check.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

DEMO_OUT="$T/demo-out" CANDOR="$CANDOR" CANDOR_SIM="$CANDOR_SIM" \
    sh "$CND_SOURCE_DIR/tools/demo.sh" >"$T/demo.out" 2>&1 || fail "demo failed: $(cat "$T/demo.out")"
grep -q '^demo: 2 responses exported to .* (1 es, 1 en; 1 withdrawn, not stored)$' "$T/demo.out" ||
    fail "demo summary line missing: $(tail -n 3 "$T/demo.out")"

python3 -c '
import json, sys
recs = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(recs) == 2, "expected 2 responses, got %d" % len(recs)
by = {r["language"]: r["answers"] for r in recs}
assert sorted(by) == ["en", "es"], sorted(by)
en, es = by["en"], by["es"]
PNA = "prefer_not_to_answer"
for item in ("recruit_fee", "deductions", "violence", "sexual_harm"):
    assert en[item] == PNA, (item, en[item])
assert en["terms_differ"] == ["more_hours", "other_tasks"], en["terms_differ"]
assert en["sleeping_place"] == "shared_space", en["sleeping_place"]
assert es["sleeping_place"] is None, "not asked (lives elsewhere) must be null"
assert es["status_keeps"] == "no", "the answer changed on review must be the one stored"
assert es["threats"] == ["none"], es["threats"]
assert PNA not in es.values()
assert all(r["answers"]["age_group"] != "under_18" for r in recs), "withdrawn interview stored"
for r in recs:
    assert set(r) == {"id", "survey", "survey_version", "language", "period", "answers"}, sorted(r)
' "$T/demo-out/responses.json" || fail "exported JSON does not match the demo interviews"
# Every screen the handheld showed fits its 30x20 display: 20 rows of at most
# 30 code points (UTF-8 is counted by code points, not bytes).
python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
starts = [i for i, l in enumerate(lines) if l.startswith("SCREEN ")]
assert len(starts) > 50, len(starts)
for i in starts:
    rows = lines[i + 1:i + 21]
    assert len(rows) == 20 and lines[i + 21] == "", (lines[i], "not 20 rows")
    for row in rows:
        assert len(row) <= 30, (lines[i], row, len(row))
' "$T/demo-out/screens.log" || fail "a screen does not fit the 30x20 display"
grep -q "^¿" "$T/demo-out/screens.log" || fail "no Spanish text was shown"
echo "ok: demo export holds exactly the two completed responses"
