#!/bin/sh
# demo.sh: a field day with the simulated handheld, end to end, checked.
#
#   tools/demo.sh [BUILD_DIR]        (make demo runs it with BUILD_DIR=build)
#
# Starts candor-sim on a fresh flash image in demo-out/, makes the office's
# key pair, compiles (signs) and pushes the default survey, shows that a pack
# signed by anyone else is refused, lets three key scripts (tools/keys/) answer it: one
# complete interview in English with some "prefer not to answer", one in
# Spanish, one withdrawn midway by the quick-exit key. Then syncs, exports,
# and verifies the export holds exactly the two completed responses with
# the scripted answers. Exits non-zero if anything differs.
# Env overrides: CANDOR, CANDOR_SIM (binaries), DEMO_OUT (output dir).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CANDOR=${CANDOR:-$BUILD/host/candor}
CANDOR_SIM=${CANDOR_SIM:-$BUILD/firmware/candor-sim}
OUT=${DEMO_OUT:-demo-out}
KEYS=$ROOT/tools/keys

say() { echo "demo: $*"; }
die() {
    echo "demo: FAILED: $*" >&2
    [ -s "$OUT/sim.log" ] && sed 's/^/demo:   sim: /' "$OUT/sim.log" >&2
    exit 1
}

for b in "$CANDOR" "$CANDOR_SIM"; do
    [ -x "$b" ] || die "$b is not built; run 'make demo' (or make build first)"
done
command -v python3 >/dev/null || die "python3 is needed to check the export"

rm -rf "$OUT"
mkdir -p "$OUT"
# Sockets live in a short private directory: a Unix socket path must stay
# under 108 bytes, whatever the checkout path is.
CANDOR_SIM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/candor-demo.XXXXXX")
export CANDOR_SIM_DIR
SOCK=$CANDOR_SIM_DIR/handheld.sock
DEV=sim:$SOCK
SIM_PID=""
cleanup() {
    if [ -n "$SIM_PID" ]; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$CANDOR_SIM_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Waits stretch with CND_E2E_TIME_SCALE (set by tools/valgrind-e2e.sh: the
# demo runs 10-30x slower under valgrind, and now draws a PNG per screen).
SCALE=${CND_E2E_TIME_SCALE:-1}

# 1. The handheld: fresh flash, the three interviews queued as one key script.
cat "$KEYS/en-complete.keys" "$KEYS/es-complete.keys" "$KEYS/withdrawn.keys" \
    >"$OUT/interviews.keys"
say "starting the simulated handheld (flash $OUT/handheld.flash, device $DEV)"
rm -rf "$OUT/screens"
mkdir -p "$OUT/screens"
"$CANDOR_SIM" --flash "$OUT/handheld.flash" --socket "$SOCK" --keys "$OUT/interviews.keys" \
    --screen-log "$OUT/screens.log" --screenshot "$OUT/screens" </dev/null >/dev/null 2>"$OUT/sim.log" &
SIM_PID=$!
i=0
while [ ! -S "$SOCK" ]; do
    kill -0 "$SIM_PID" 2>/dev/null || die "the simulator did not start"
    i=$((i + 1))
    [ $i -gt $((200 * SCALE)) ] && die "the simulator did not open $SOCK within $((10 * SCALE)) s"
    sleep 0.05
done

# 2. The office: its key pair, then the survey compiled, signed and installed.
# (A real office protects the key with a passphrase: candor keygen asks for
# one unless told --no-passphrase.)
KEY=$OUT/office.key
say "making the office's key pair: $KEY (private, 0600) and $KEY.pub"
"$CANDOR" keygen --no-passphrase -o "$KEY" >/dev/null || die "candor keygen failed"
say "compiling surveys/domestic-work.json, signed with the office key"
"$CANDOR" compile --draft "$ROOT/surveys/domestic-work.json" -o "$OUT/domestic-work.pack" --key "$KEY" ||
    die "candor compile failed"
say "installing it on the handheld (a blank handheld takes its office from its first pack)"
"$CANDOR" push --device "$DEV" "$OUT/domestic-work.pack" || die "candor push failed"
say "a survey signed with anybody else's key is refused, and the office's survey stays:"
"$CANDOR" keygen --no-passphrase -o "$OUT/stranger.key" >/dev/null || die "candor keygen failed"
"$CANDOR" compile --draft "$ROOT/surveys/domestic-work.json" -o "$OUT/stranger.pack" \
    --key "$OUT/stranger.key" >/dev/null || die "candor compile failed"
if "$CANDOR" push --device "$DEV" "$OUT/stranger.pack" 2>"$OUT/stranger.err"; then
    die "the handheld installed a pack signed by another key"
fi
sed 's/^/    /' "$OUT/stranger.err"

# 3. The field: the key scripts were waiting for the survey (wait-survey).
say "three interviews: English with 'prefer not to answer', Spanish, one withdrawn"
i=0
while ! grep -q '^SCRIPT DONE' "$OUT/screens.log" 2>/dev/null; do
    grep -q '^SCRIPT FAILED' "$OUT/screens.log" 2>/dev/null && die "a key script did not match the screens"
    kill -0 "$SIM_PID" 2>/dev/null || die "the simulator stopped during the interviews"
    i=$((i + 1))
    [ $i -gt $((600 * SCALE)) ] && die "the interviews did not finish within $((30 * SCALE)) s"
    sleep 0.05
done
say "$(grep -c '^SCREEN SAVED' "$OUT/screens.log") saved, every screen in $OUT/screens.log; one in Spanish:"
awk '/^SCREEN ITEM .*name=terms_differ lang=es/ { n = 20; next } n > 0 { print "    | " $0; n--; if (n == 0) exit }' \
    "$OUT/screens.log"

# 4. Back at the office: sync (durable, exactly once) and export.
"$CANDOR" status --device "$DEV" | sed 's/^/    /'
"$CANDOR" sync --device "$DEV" --store "$OUT/store" || die "candor sync failed"
# The store holds the responses sealed as the handheld sealed them; only
# the office's private key opens them.
# Two interviews cannot be k-anonymous (k = 5 by default): the demo checks
# exact answers, so it skips the disclosure check, which a real export must
# not (the codebook then says so).
"$CANDOR" export "$OUT/store" -o "$OUT/responses.json" --key "$KEY" --no-disclosure-check ||
    die "candor export failed"

# 5. Check what the analysts get against what the key scripts answered.
summary=$(python3 - "$OUT/responses.json" <<'PYEOF'
import json, sys

PNA = "prefer_not_to_answer"
en = {
    "age_group": "age_25_34", "lives_in": "employer", "origin": "other_country",
    "terms_told": "only_spoken", "terms_differ": ["more_hours", "other_tasks"],
    "recruit_fee": PNA, "owe_work_off": "no", "hours_day": "at_least_14",
    "weekly_rest": "never", "refuse_extra": "no", "night_work": "often",
    "paid_how": "directly", "paid_often": "monthly_or_more",
    "pay_withheld": "until_contract_end", "deductions": PNA, "pay_vs_min": "below",
    "documents": "employer_keeps", "leave_house": "with_permission",
    "contact_family": "restricted", "outside_help": "no",
    "threats": ["dismissal_without_pay"], "violence": PNA, "sexual_harm": PNA,
    "sleeping_place": "shared_space", "food_care": "sometimes_not",
    "could_leave": "lose_wages_or_documents", "status_keeps": "yes",
}
es = {
    "age_group": "age_18_24", "lives_in": "elsewhere", "origin": "other_region",
    "terms_told": "in_writing", "terms_differ": ["nothing"], "recruit_fee": "no",
    "owe_work_off": "no", "hours_day": "from_8_to_10", "weekly_rest": "every_week",
    "refuse_extra": "yes", "night_work": "rarely", "paid_how": "directly",
    "paid_often": "monthly_or_more", "pay_withheld": "no", "deductions": "no",
    "pay_vs_min": "about_same", "documents": "i_do", "leave_house": "freely",
    "contact_family": "yes", "outside_help": "yes", "threats": ["none"],
    "violence": "no", "sexual_harm": "no", "sleeping_place": None,
    "food_care": "yes", "could_leave": "freely", "status_keeps": "no",
}
records = json.load(open(sys.argv[1], encoding="utf-8"))
errors = []
if len(records) != 2:
    errors.append("expected 2 responses, found %d" % len(records))
by_lang = {}
for r in records:
    by_lang.setdefault(r.get("language"), []).append(r)
for lang, want in (("en", en), ("es", es)):
    got = by_lang.get(lang, [])
    if len(got) != 1:
        errors.append("expected one %s response, found %d" % (lang, len(got)))
        continue
    for name, value in want.items():
        if got[0]["answers"].get(name, "<missing>") != value:
            errors.append("%s response: %s is %r, scripted %r"
                          % (lang, name, got[0]["answers"].get(name, "<missing>"), value))
    extra = set(got[0]["answers"]) - set(want)
    if extra:
        errors.append("%s response has unexpected items %s" % (lang, sorted(extra)))
for r in records:
    # the withdrawn interview answered "not told" (no kept one did): it must be nowhere
    if r["answers"].get("terms_told") == "not_told":
        errors.append("the withdrawn interview was stored")
    for forbidden in ("device", "device_id", "seq", "day", "time"):
        if forbidden in r:
            errors.append("a record carries %r" % forbidden)
if errors:
    print("; ".join(errors))
    sys.exit(1)
print("%d responses exported to %%s (%d es, %d en; 1 withdrawn, not stored)"
      % (len(records), len(by_lang.get("es", [])), len(by_lang.get("en", []))))
PYEOF
) || die "the export does not match the interviews: $summary"

kill -TERM "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
SIM_PID=""
# shellcheck disable=SC2059
say "$(printf "$summary" "$OUT/responses.json")"
say "screens of the interviews as the handheld draws them: $OUT/screens/ ($(ls "$OUT/screens" | wc -l) PNG)"

# 6. A non-Latin interview on a handheld: the script demonstration survey
# (13 languages, texts not reviewed) on a second handheld with the
# reference 8 MiB chip, one interview in Amharic. The simulator draws every
# screen from the pack's pre-rendered text, as the handheld does, and saves
# each as PNG. candor preview writes the translators' contact sheet.
SOCK2=$CANDOR_SIM_DIR/amharic.sock
say "a second handheld (8 MiB chip) and the script demonstration survey, interviewed in Amharic"
"$CANDOR" compile --draft "$ROOT/surveys/examples/scripts.json" -o "$OUT/scripts.pack" --key "$KEY" \
    >"$OUT/scripts.log" 2>&1 || die "candor compile of scripts.json failed: $(cat "$OUT/scripts.log")"
rm -rf "$OUT/amharic-screens" "$OUT/amharic.flash"
mkdir -p "$OUT/amharic-screens"
"$CANDOR_SIM" --flash "$OUT/amharic.flash" --flash-size 8M --socket "$SOCK2" \
    --keys "$KEYS/am-scripts.keys" --screen-log "$OUT/amharic-screens.log" \
    --screenshot "$OUT/amharic-screens" </dev/null >/dev/null 2>"$OUT/amharic-sim.log" &
SIM_PID=$!
i=0
while [ ! -S "$SOCK2" ]; do
    kill -0 "$SIM_PID" 2>/dev/null || die "the second simulator did not start: $(cat "$OUT/amharic-sim.log")"
    i=$((i + 1))
    [ $i -gt $((200 * SCALE)) ] && die "the second simulator did not open $SOCK2"
    sleep 0.05
done
"$CANDOR" push --device "sim:$SOCK2" "$OUT/scripts.pack" >/dev/null || die "candor push of scripts.pack failed"
i=0
while ! grep -q '^SCRIPT DONE' "$OUT/amharic-screens.log" 2>/dev/null; do
    grep -q '^SCRIPT FAILED' "$OUT/amharic-screens.log" 2>/dev/null &&
        die "the Amharic key script did not match the screens: $(cat "$OUT/amharic-sim.log")"
    kill -0 "$SIM_PID" 2>/dev/null || die "the second simulator stopped during the interview"
    i=$((i + 1))
    [ $i -gt $((600 * SCALE)) ] && die "the Amharic interview did not finish within $((30 * SCALE)) s"
    sleep 0.05
done
kill -TERM "$SIM_PID" 2>/dev/null || true
wait "$SIM_PID" 2>/dev/null || true
SIM_PID=""
say "the Amharic interview, saved: $(grep -c '^SCREEN' "$OUT/amharic-screens.log") screens as the handheld draws them: $OUT/amharic-screens/"
"$CANDOR" preview "$ROOT/surveys/examples/scripts.json" -o "$OUT/amharic" --lang am \
    >"$OUT/amharic.log" 2>&1 || die "candor preview failed: $(cat "$OUT/amharic.log")"
say "every Amharic screen for translators: $OUT/amharic/index.html"
