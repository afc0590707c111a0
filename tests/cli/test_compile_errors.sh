#!/bin/sh
# `candor compile` as a survey author meets it: every defective source is
# refused with a non-zero exit, exactly one line on stderr naming the JSON
# path and the problem, and no output file (not even a temp file); a good
# source gives a pack.
# Env: CANDOR (the binary), CND_SOURCE_DIR (the source tree).
set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CND_SOURCE_DIR:?set CND_SOURCE_DIR to the source tree}"
FIX="$CND_SOURCE_DIR/tests/cli/fixtures/compile"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-compile-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect_refusal FIXTURE EXIT_CODE EXPECTED_TEXT
expect_refusal() {
    fixture=$1 code=$2 expect=$3
    out="$WORK/out/$fixture.pack"
    mkdir -p "$WORK/out"
    "$CANDOR" compile "$FIX/$fixture.json" -o "$out" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    [ "$rc" -eq "$code" ] || fail "$fixture: exit code $rc, expected $code"
    lines=$(wc -l <"$WORK/stderr")
    [ "$lines" -eq 1 ] || fail "$fixture: $lines lines on stderr, expected 1: $(cat "$WORK/stderr")"
    grep -qF -- "$expect" "$WORK/stderr" ||
        fail "$fixture: stderr '$(cat "$WORK/stderr")' lacks '$expect'"
    grep -q '^candor compile: ' "$WORK/stderr" ||
        fail "$fixture: message does not start with 'candor compile: '"
    [ -e "$out" ] && fail "$fixture: output file exists after an error"
    leftovers=$(ls -A "$WORK/out")
    [ -z "$leftovers" ] || fail "$fixture: files left behind: $leftovers"
    rm -rf "$WORK/out"
}

expect_refusal malformed 3 "line 3, column 13: malformed JSON"
expect_refusal missing_title 3 "(top level): missing 'title'"
expect_refusal wrong_type 3 "version: must be a whole number"
expect_refusal unknown_kind 3 "items[0].kind: 'text' would collect identifying data (free text)"
expect_refusal duplicate_item 3 "items[1].name: duplicate item name 'lives_in'"
expect_refusal duplicate_choice 3 "items[0].choices[1].name: duplicate choice name 'a'"
expect_refusal missing_label_es 3 "items[0].label: missing 'es'"
expect_refusal relevance_syntax 3 "items[1].relevant: column 12: expected a choice of 'lives_in' in quotes"
expect_refusal forward_reference 3 "items[0].relevant: column 1: 'hurt' is not an earlier item"
expect_refusal self_reference 3 "items[1].relevant: column 1: 'x' refers to the item itself"
expect_refusal unknown_item 3 "items[1].relevant: column 1: 'nobody' is not an item"
expect_refusal unknown_choice 3 "items[1].relevant: column 13: 'boss' is not a choice of 'lives_in'"
expect_refusal less_than_on_choice 3 "items[1].relevant: column 10: '<' needs an integer item"
expect_refusal empty_choices 3 "items[0].choices: empty choice list"
expect_refusal too_many_items 3 "items: 65 items, more than the limit of 64"
expect_refusal too_many_choices 3 "items[0].choices: 33 choices, more than the limit of 32"
expect_refusal min_greater_than_max 3 "items[0]: min 5 is greater than max 1"
expect_refusal reserved_name 3 "items[0].name: 'day' is a reserved name"
expect_refusal bad_name 3 "items[0].name: 'Lives-In' must match ^[a-z][a-z0-9_]{0,31}\$"
expect_refusal identifying_item 3 "items[0].name: 'phone' would collect identifying data"
# Identifying data, one fixture per category (host/survey/identifying.c): the
# second item is refused, the first ("Who keeps your passport?") is not.
expect_refusal identifying_names 3 "items[1].label.es: 'como se llama' would collect identifying data (a person's name)"
expect_refusal identifying_contact 3 "items[1].label.en: 'whatsapp' would collect identifying data (a phone number or other contact)"
expect_refusal identifying_address 3 "items[1].label.en: 'your house number' would collect identifying data (an address)"
expect_refusal identifying_employer 3 "items[1].label.es: 'que agencia' would collect identifying data (an employer, agency or recruiter's name)"
expect_refusal identifying_document 3 "items[1].label.en: 'digits of your id card' would collect identifying data (a document number)"
expect_refusal identifying_birth 3 "items[1].label.en: 'what year were you born' would collect identifying data (an exact date of birth)"
expect_refusal identifying_location 3 "items[1].label.en: 'which neighbourhood' would collect identifying data (a place finer than a preset list of regions)"
expect_refusal free_text_kind 3 "items[1].kind: 'string' would collect identifying data (free text)"
expect_refusal preset_on_multiple 3 "items[1].preset: a preset list needs \"kind\": \"single\""
expect_refusal too_large 3 "exceed the limit of 262144 bytes"
expect_refusal language_without_ui 3 "ui: missing 'prefer_not' (no built-in text for language 'fr'"
# Identifying items in disguise (issue 13), each class in several phrasings in
# English and Spanish: lists of names, streets or employer families as
# choices, digit runs and birth years as integers (host/survey/identifying.c
# check_choice_list, check_range and the keyword lists); and placeholder
# text in the referral (refused without --draft).
expect_refusal disguised_birth_year_en_1 3 "items[1].max: range 1940..2010 would collect identifying data (a year"
expect_refusal disguised_birth_year_en_2 3 "items[1].max: range 1950..2008 would collect identifying data (a year"
expect_refusal disguised_birth_year_en_3 3 "items[1].label.en: 'digits' would collect identifying data (a document number)"
expect_refusal disguised_birth_year_es_1 3 "items[1].max: range 1940..2010 would collect identifying data (a year"
expect_refusal disguised_birth_year_es_2 3 "items[1].max: range 1930..2010 would collect identifying data (a year"
expect_refusal disguised_digits_en_1 3 "items[1].label.en: 'ring' would collect identifying data (a phone number or other contact)"
expect_refusal disguised_digits_en_2 3 "items[1].label.en: 'dial' would collect identifying data (a phone number or other contact)"
expect_refusal disguised_digits_en_3 3 "items[1].max: range 0..999 would collect identifying data (a run"
expect_refusal disguised_digits_es_1 3 "items[1].label.es: 'llama' would collect identifying data (a phone number or other contact)"
expect_refusal disguised_digits_es_2 3 "items[1].label.es: 'marca' would collect identifying data (a phone number or other contact)"
expect_refusal disguised_digits_es_3 3 "items[1].max: range 0..999 would collect identifying data (a run"
expect_refusal disguised_families_en_1 3 "items[1].choices[1].label.en: 'The Brown family' would collect identifying data (a list of employer families or households)"
expect_refusal disguised_families_en_2 3 "items[1].choices[1].label.en: 'Mrs Patel' would collect identifying data (a list of employer families or households)"
expect_refusal disguised_families_es_1 3 "items[1].choices[1].label.es: 'Familia López' would collect identifying data (a list of employer families or households)"
expect_refusal disguised_families_es_2 3 "items[1].choices[1].label.es: 'Los Rodríguez' would collect identifying data (a list of employer families or households)"
expect_refusal disguised_names_en_1 3 "items[1].choices[1].label.en: 'Ana' would collect identifying data (a list of people's names)"
expect_refusal disguised_names_en_2 3 "items[1].choices[1].label.en: 'John Brown' would collect identifying data (a list of people's names)"
expect_refusal disguised_names_es_1 3 "items[1].choices[1].label.es: 'José' would collect identifying data (a list of people's names)"
expect_refusal disguised_names_es_2 3 "items[1].choices[1].label.es: 'Lucía Pérez' would collect identifying data (a list of people's names)"
expect_refusal disguised_streets_en_1 3 "items[1].choices[1].label.en: 'Oak Avenue' would collect identifying data (a list of streets)"
expect_refusal disguised_streets_en_2 3 "items[1].choices[1].label.en: 'Kings Road' would collect identifying data (a list of streets)"
expect_refusal disguised_streets_es_1 3 "items[1].choices[1].label.es: 'Avenida Bolívar' would collect identifying data (a list of streets)"
expect_refusal disguised_streets_es_2 3 "items[1].choices[1].label.es: 'Carrera 7' would collect identifying data (a list of streets)"
expect_refusal placeholder_referral_en 3 "referral.en: '[local hotline number]' is placeholder text"
expect_refusal placeholder_referral_es 3 "referral.es: '<número de la línea>' is placeholder text"

# With --draft the placeholder referral compiles, as a draft pack.
mkdir -p "$WORK/out"
"$CANDOR" compile --draft "$FIX/placeholder_referral_en.json" -o "$WORK/out/draft.pack" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "--draft: $(cat "$WORK/stderr")"
grep -q "(DRAFT: not for fieldwork)" "$WORK/stdout" || fail "--draft: the pack is not said to be a draft: $(cat "$WORK/stdout")"
rm -rf "$WORK/out"
# A "none" choice that is not exclusive: a warning, and the pack is written.
mkdir -p "$WORK/out"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))
for it in s["items"]:
    for c in it.get("choices", []):
        c.pop("exclusive", None)
json.dump(s, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
' "$CND_SOURCE_DIR/surveys/domestic-work.json" "$WORK/noexcl.json"
"$CANDOR" compile --draft "$WORK/noexcl.json" -o "$WORK/out/noexcl.pack" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "a non-exclusive none refused: $(cat "$WORK/stderr")"
[ "$(grep -c 'warning: items\[[0-9]*\]\.choices\[[0-9]*\]: .* reads like "none" but is not exclusive' "$WORK/stderr")" = 2 ] ||
    fail "expected 2 warnings about none-like choices: $(cat "$WORK/stderr")"
rm -rf "$WORK/out"

# A source that cannot be read, and a command line without -o.
mkdir -p "$WORK/out"
"$CANDOR" compile "$WORK/no-such.json" -o "$WORK/out/x.pack" 2>"$WORK/stderr"
rc=$?
[ "$rc" -ne 0 ] || fail "missing source: exit code 0"
[ "$(wc -l <"$WORK/stderr")" -eq 1 ] && grep -qF "no-such.json" "$WORK/stderr" ||
    fail "missing source: stderr '$(cat "$WORK/stderr")'"
[ -z "$(ls -A "$WORK/out")" ] || fail "missing source: files left behind"
"$CANDOR" compile "$FIX/good.json" 2>"$WORK/stderr"
[ $? -eq 2 ] || fail "no -o: expected usage exit code 2"
[ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "no -o: stderr '$(cat "$WORK/stderr")'"

# An output directory that does not exist: one line, nothing written.
"$CANDOR" compile "$FIX/good.json" -o "$WORK/out/missing/x.pack" 2>"$WORK/stderr"
rc=$?
[ "$rc" -ne 0 ] || fail "missing output dir: exit code 0"
[ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "missing output dir: stderr '$(cat "$WORK/stderr")'"
[ -z "$(ls -A "$WORK/out")" ] || fail "missing output dir: files left behind"

# The good source and the default survey compile; only the pack is left.
"$CANDOR" compile "$FIX/good.json" -o "$WORK/out/good.pack" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "good source refused: $(cat "$WORK/stderr")"
[ -s "$WORK/out/good.pack" ] || fail "good source: no pack written"
[ "$(head -c 4 "$WORK/out/good.pack")" = "CNDP" ] || fail "good source: pack lacks the CNDP magic"
[ ! -s "$WORK/stderr" ] || fail "good source: stderr not empty"
"$CANDOR" compile "$FIX/good_preset.json" -o "$WORK/out/preset.pack" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "a region from a preset list refused: $(cat "$WORK/stderr")"
grep -q "2 items, 2 languages" "$WORK/stdout" || fail "preset source: stdout '$(cat "$WORK/stdout")'"
rm -f "$WORK/out/preset.pack"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$WORK/out/dw.pack" >"$WORK/stdout" ||
    fail "default survey refused"
grep -q "27 items, 2 languages" "$WORK/stdout" || fail "default survey: stdout '$(cat "$WORK/stdout")'"
[ "$(ls -A "$WORK/out" | sort | tr '\n' ' ')" = "dw.pack good.pack " ] ||
    fail "unexpected files: $(ls -A "$WORK/out")"
"$CANDOR" compile --help | grep -q "usage: candor compile" || fail "--help shows no usage"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "compile CLI: all checks passed"
