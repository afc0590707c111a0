# The default survey in ten scripts (issue 14): English, Amharic, Nepali,
# Bengali, Sinhala, Tamil, Arabic, Burmese, Thai and Khmer in one pack
# (tests/fixtures/domestic-work-10.json, unreviewed texts). The pack fits a
# device with the reference 8 MiB chip and works: interviews in Burmese,
# Arabic (right to left) and Tamil are saved, synced and exported under
# their language codes, and the handheld draws their screens from the
# pack's pre-rendered text: the screenshots hold the blended edges of
# anti-aliased glyphs, which the 8x16 grid (two colours) never has, and an
# Arabic option's marker sits at the right edge.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

"$CANDOR" compile --draft "$CND_SOURCE_DIR/tests/fixtures/domestic-work-10.json" -o "$T/ten.pack" \
    >"$T/compile.out" 2>"$T/compile.err" || fail "compile: $(cat "$T/compile.err")"
grep -q "10 languages" "$T/compile.out" || fail "compile said: $(cat "$T/compile.out")"
size=$(wc -c <"$T/ten.pack")
[ "$size" -gt 100000 ] || fail "a ten-language pack of $size bytes cannot carry pre-rendered text"

# one interview per language: en-complete.keys with the language chosen
# by its place in the list (en am ne bn si ta ar my th km)
: >"$T/ten.keys"
for pair in my:8 ar:7 ta:6; do
    sed "s/^down ok  *# English.*/down*${pair#*:} ok   # language ${pair%%:*}/" "$KEYS/en-complete.keys" >>"$T/ten.keys"
done
[ "$(grep -c '# language [a-z]*$' "$T/ten.keys")" = 3 ] || fail "the language lines of the key script"

mkdir -p "$T/shots"
start_sim dev --flash-size 8M --keys "$T/ten.keys" --screen-log "$T/dev.screens" --screenshot "$T/shots"
"$CANDOR" push --device "$DEV" "$T/ten.pack" >"$T/push.out" 2>"$T/push.err" ||
    fail "push of the $size-byte pack: $(cat "$T/push.err")"
wait_script dev
sync_to "$DEV" "$T/store"
"$CANDOR" export "$T/store" -o "$T/export.json" --no-disclosure-check >/dev/null 2>"$T/export.err" ||
    fail "export: $(cat "$T/export.err")"
langs=$(python3 -c '
import json, sys
print(" ".join(sorted(r["language"] for r in json.load(open(sys.argv[1])))))' "$T/export.json")
expect_eq "$langs" "ar my ta" "languages of the exported responses"

# the pictures: every screen of the three interviews
python3 - "$T/shots" <<'PYEOF' || fail "the screenshots are not drawn from pre-rendered text"
import os, sys
sys.path.insert(0, os.path.join(os.environ["CND_SOURCE_DIR"], "tests", "support"))
from pngread import png_pixels

shots = sorted(f for f in os.listdir(sys.argv[1]) if f.endswith(".png"))
items = [f for f in shots if "ITEM" in f.upper()]
assert len(items) >= 60, "%d item screenshots of %d" % (len(items), len(shots))
for f in items:
    w, h, bpp, rows = png_pixels(os.path.join(sys.argv[1], f))
    colours = set()
    for r in rows[20:]:
        colours.update(r[i:i + bpp] for i in range(0, len(r), bpp))
    assert len(colours) > 2, "%s has only %d colours: drawn by the 8x16 grid" % (f, len(colours))
print("%d screenshots, %d item screens, all anti-aliased" % (len(shots), len(items)))
PYEOF
echo "ok: a $size-byte pack of ten scripts installed on an 8 MiB device; my, ar, ta interviews saved, synced, exported and drawn pre-rendered"
