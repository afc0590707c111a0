#!/bin/sh
# XLSForm workbooks in and out (host/survey/xlsform_*.c):
#  - round trip: for the default survey, every compile fixture that
#    compiles and the fixtures of every field the workbook maps
#    (tests/cli/fixtures/xlsform: exclusive, eligibility, coding, ui strings
#    of a third language, fonts), JSON -> candor xlsform -> candor compile
#    gives the same pack bytes as JSON -> candor compile, with the same
#    options (--draft for a draft);
#  - surveys/domestic-work.xlsx is what `candor xlsform` makes of
#    surveys/domestic-work.json today, byte for byte (refresh it with
#    `make survey-xlsx`), and compiles to the JSON's pack;
#  - peers' workbooks, refused types, metadata, XPath and hostile workbooks
#    made by another tool (tests/cli/xlsform_check.py, python3-openpyxl);
#  - candor xlsform's own errors: one line, no output file.
# Env: CANDOR, CANDOR_KEY, CND_SOURCE_DIR, CND_BINARY_DIR.
set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CND_SOURCE_DIR:?set CND_SOURCE_DIR to the source tree}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-xlsform-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# Each source is compiled with the options it needs (--draft where it is a
# draft, as the default survey is), and its workbook with the same ones.
n=0
for src in "$CND_SOURCE_DIR"/surveys/*.json "$CND_SOURCE_DIR"/surveys/examples/*.json \
    "$CND_SOURCE_DIR"/tests/fixtures/*.json "$CND_SOURCE_DIR"/tests/cli/fixtures/compile/*.json \
    "$CND_SOURCE_DIR"/tests/cli/fixtures/xlsform/*.json "$CND_SOURCE_DIR"/tests/powerloss/*.json; do
    [ -f "$src" ] || continue
    b=$(basename "$src" .json)
    opt=
    if ! "$CANDOR" compile "$src" -o "$WORK/$b.pack" >/dev/null 2>&1; then
        opt=--draft
        "$CANDOR" compile $opt "$src" -o "$WORK/$b.pack" >/dev/null 2>&1 || continue
    fi
    n=$((n + 1))
    "$CANDOR" xlsform "$src" -o "$WORK/$b.xlsx" >/dev/null 2>"$WORK/err" ||
        { fail "$b: candor xlsform: $(cat "$WORK/err")"; continue; }
    "$CANDOR" compile $opt "$WORK/$b.xlsx" -o "$WORK/$b.x.pack" >/dev/null 2>"$WORK/err" ||
        { fail "$b: the workbook does not compile${opt:+ with $opt}: $(cat "$WORK/err")"; continue; }
    cmp -s "$WORK/$b.pack" "$WORK/$b.x.pack" || fail "$b: JSON -> xlsx -> pack differs from JSON -> pack"
done
# the default survey, good, good_preset, two placeholder referrals, rest-days
# and the four fixtures of fields the workbook maps (tests/cli/fixtures/xlsform)
[ "$n" -ge 10 ] || fail "only $n valid sources found for the round trip"
for b in domestic-work roundtrip_exclusive roundtrip_eligibility roundtrip_coding \
    roundtrip_languages scripts domestic-work-10; do
    [ -f "$WORK/$b.x.pack" ] || fail "$b: not part of the round trip"
done

# The shipped workbook is in sync with the shipped JSON.
"$CANDOR" xlsform "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$WORK/dw.xlsx" >/dev/null ||
    fail "candor xlsform surveys/domestic-work.json"
cmp -s "$WORK/dw.xlsx" "$CND_SOURCE_DIR/surveys/domestic-work.xlsx" ||
    fail "surveys/domestic-work.xlsx is out of date; run make survey-xlsx"
if [ -n "${CND_BINARY_DIR:-}" ] && [ -f "$CND_BINARY_DIR/surveys/domestic-work.xlsx" ]; then
    cmp -s "$WORK/dw.xlsx" "$CND_BINARY_DIR/surveys/domestic-work.xlsx" ||
        fail "the build step's surveys/domestic-work.xlsx differs from candor xlsform's"
fi
# A draft (placeholder contacts): refused without --draft, naming the cell;
# with --draft, the JSON's pack.
"$CANDOR" compile "$CND_SOURCE_DIR/surveys/domestic-work.xlsx" -o "$WORK/dw.x.pack" \
    >/dev/null 2>"$WORK/err" && fail "surveys/domestic-work.xlsx compiles without --draft"
grep -q "^candor compile: .*settings!H2 (referral::English (en)): .*placeholder" "$WORK/err" ||
    fail "domestic-work.xlsx without --draft: $(cat "$WORK/err")"
[ -e "$WORK/dw.x.pack" ] && fail "domestic-work.xlsx without --draft wrote a pack"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.xlsx" -o "$WORK/dw.x.pack" \
    >/dev/null && cmp -s "$WORK/dw.x.pack" "$WORK/domestic-work.pack" ||
    fail "surveys/domestic-work.xlsx does not compile (--draft) to the JSON's pack"

# candor xlsform refuses what is not a survey source, in one line, no file.
printf '{"id": ' >"$WORK/broken.json"
printf '[1, 2]' >"$WORK/array.json"
for b in broken array; do
    "$CANDOR" xlsform "$WORK/$b.json" -o "$WORK/$b.xlsx" >/dev/null 2>"$WORK/err"
    rc=$?
    [ "$rc" -eq 3 ] || fail "xlsform $b: exit $rc, expected 3"
    [ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "xlsform $b: not one line: $(cat "$WORK/err")"
    [ -e "$WORK/$b.xlsx" ] && fail "xlsform $b: wrote a workbook"
done
"$CANDOR" xlsform "$WORK/none.json" -o "$WORK/none.xlsx" >/dev/null 2>"$WORK/err" &&
    fail "xlsform of a missing file succeeded"
grep -q "cannot read" "$WORK/err" || fail "xlsform missing file: $(cat "$WORK/err")"
"$CANDOR" xlsform "$CND_SOURCE_DIR/surveys/domestic-work.json" >/dev/null 2>"$WORK/err"
[ $? -eq 2 ] || fail "xlsform without -o: not a usage error"

# Workbooks from another tool. /usr/bin/python3: Debian's, with openpyxl.
mkdir -p "$WORK/peers"
/usr/bin/python3 "$CND_SOURCE_DIR/tests/cli/xlsform_check.py" "$CANDOR" "$WORK/peers" ||
    fail "xlsform_check.py (see FAIL lines above)"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "xlsform: round trip of $n sources, peers' and hostile workbooks: ok"
