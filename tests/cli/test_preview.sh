#!/bin/sh
# `candor preview` (issue 14): every screen of a survey in every language as
# PNG plus an index.html contact sheet that opens in headless Chromium (its
# screenshot is not blank); --lang keeps one language; and the texts that
# cannot be shown are refused by preview AND compile with one line naming
# the JSON path, a non-zero exit and no file written: a glyph the font
# lacks (U+XXXX and the font's name), a font not found, a text too long
# even scrolled, a language with no known script, a malformed code.
# Env: CANDOR, CND_SOURCE_DIR, CND_BINARY_DIR.
set -u
: "${CANDOR:?}" "${CND_SOURCE_DIR:?}" "${CND_BINARY_DIR:?}"
PNG_INK="$CND_BINARY_DIR/tests/script/png_ink"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-preview-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

SCRIPTS="$CND_SOURCE_DIR/surveys/examples/scripts.json"
DEFAULT="$CND_SOURCE_DIR/surveys/domestic-work.json"

# --- every screen, every language ---
"$CANDOR" preview "$SCRIPTS" -o "$WORK/all" >"$WORK/stdout" 2>"$WORK/stderr" ||
    fail "preview of scripts.json: $(cat "$WORK/stderr")"
n=$(ls "$WORK/all"/*.png 2>/dev/null | wc -l)
[ "$n" -eq 143 ] || fail "scripts.json: $n PNGs, expected 13 languages x 11 screens = 143"
for l in am ne hi bn si ta ar my th km tl id; do
    [ -s "$WORK/all/$l-02-mood.png" ] || fail "no $l-02-mood.png"
    grep -q "src=\"$l-02-mood.png\"" "$WORK/all/index.html" || fail "index.html lacks $l"
done
ink=$("$PNG_INK" "$WORK/all/am-02-mood.png" | cut -d' ' -f1)
[ "${ink:-0}" -gt 2000 ] || fail "am-02-mood.png has only ${ink:-0} ink pixels"

# --- one language ---
"$CANDOR" preview "$DEFAULT" -o "$WORK/es" --lang es >/dev/null 2>"$WORK/stderr" ||
    fail "--lang es: $(cat "$WORK/stderr")"
[ -z "$(ls "$WORK/es" | grep -v '^es-' | grep -v '^index.html$')" ] ||
    fail "--lang es wrote other languages: $(ls "$WORK/es" | grep -v '^es-' | head -3)"
[ -s "$WORK/es/es-consent.png" ] || fail "--lang es: no es-consent.png"

# --- the contact sheet in headless Chromium ---
if command -v chromium >/dev/null 2>&1; then
    HOME="$WORK/home" timeout 120 chromium --headless --no-sandbox --disable-gpu \
        --disable-dev-shm-usage --user-data-dir="$WORK/chrome" --window-size=1000,800 \
        --screenshot="$WORK/shot.png" "file://$WORK/all/index.html" >/dev/null 2>&1
    [ -s "$WORK/shot.png" ] || fail "chromium wrote no screenshot"
    set -- $("$PNG_INK" "$WORK/shot.png")
    # a blank page is one grey level; the sheet has text, borders and screens
    [ "${1:-0}" -gt 20000 ] && [ "${2:-0}" -gt 16 ] ||
        fail "chromium's screenshot looks blank: ${1:-0} ink pixels, ${2:-0} grey levels"
else
    fail "chromium is not installed (tools/deps/script.txt)"
fi

# --- bad input: one line, non-zero, nothing written ---
python3 - "$DEFAULT" "$SCRIPTS" "$WORK" <<'PY'
import json, sys, copy
default, scripts, work = sys.argv[1:4]
d = json.load(open(default, encoding="utf-8"))
s = json.load(open(scripts, encoding="utf-8"))
def save(name, doc):
    json.dump(doc, open(f"{work}/{name}.json", "w", encoding="utf-8"), ensure_ascii=False)
x = copy.deepcopy(d); x["items"][2]["choices"][1]["label"]["es"] += " \u4e2d"; save("glyph", x)
x = copy.deepcopy(d); x["languages"][1]["font"] = "NoSuchFont-Bold"; save("font", x)
# an option far taller than the screen (an option does not scroll: at most 6 lines)
x = copy.deepcopy(d); x["items"][0]["choices"][0]["label"] = {"en": "word " * 150, "es": "palabra " * 100}; save("long", x)
# a language ICU knows no script for: every text and the ui block in place
x = copy.deepcopy(d); x["languages"][1]["code"] = "qaa"
def relabel(o):
    if isinstance(o, dict):
        if "es" in o and isinstance(o["es"], str):
            o["qaa"] = o.pop("es")
        for v in o.values(): relabel(v)
    elif isinstance(o, list):
        for v in o: relabel(v)
relabel(x); x["ui"] = {"qaa": {}}
# every interface string the compiler asks for (it names the first missing)
import re, subprocess, os
for _ in range(100):
    save("script", x)
    r = subprocess.run([os.environ["CANDOR"], "compile", f"{work}/script.json", "-o",
                        f"{work}/script.pack", "--draft"], capture_output=True, text=True)
    m = re.search(r"ui\.qaa: missing '(\w+)'", r.stderr)
    if not m:
        break
    x["ui"]["qaa"][m.group(1)] = "Text {n}" if re.search("pending|more|storage", m.group(1)) else "Text"
if os.path.exists(f"{work}/script.pack"):
    os.remove(f"{work}/script.pack")
x = copy.deepcopy(s); x["languages"][3]["code"] = "h_i!"; save("code", x)
PY
# expect CMD FIXTURE TEXT
expect() {
    cmd=$1 fx=$2 want=$3
    rm -rf "$WORK/out"
    mkdir -p "$WORK/out"
    if [ "$cmd" = compile ]; then
        # --draft: the default survey's referral still holds placeholders
        "$CANDOR" compile "$WORK/$fx.json" -o "$WORK/out/p.pack" --draft >/dev/null \
            2>"$WORK/stderr"
    else
        "$CANDOR" preview "$WORK/$fx.json" -o "$WORK/out/dir" >/dev/null 2>"$WORK/stderr"
    fi
    rc=$?
    [ "$rc" -ne 0 ] || fail "$cmd $fx: exit 0"
    [ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "$cmd $fx: not one line: $(cat "$WORK/stderr")"
    grep -qF -- "$want" "$WORK/stderr" || fail "$cmd $fx: '$(cat "$WORK/stderr")' lacks '$want'"
    [ -z "$(ls -A "$WORK/out")" ] || fail "$cmd $fx: wrote $(ls -A "$WORK/out")"
}
for cmd in compile preview; do
    expect $cmd glyph "items[2].choices[1].label.es: U+4E2D is not in font NotoSans-Regular.ttf"
    expect $cmd font "languages[1].font: font 'NoSuchFont-Bold' not found"
    expect $cmd long "items[0].choices[0].label.en: text too long for the screen"
    expect $cmd script "languages[1].code: no script is known for language 'qaa'"
done
# compile has its own check of the code's form (and holds fewer languages)
expect preview code "languages[3].code: 'h_i!' is not a language code"
expect compile code "languages"

[ "$failures" -eq 0 ] || exit 1
echo "preview: all checks passed"
