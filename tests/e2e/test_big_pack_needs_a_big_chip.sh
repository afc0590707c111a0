# A pack bigger than 64 KiB (docs/DESIGN.md "Large packs: slot size by
# chip"): the default 1 MiB simulator chip has 64 KiB pack slots and
# refuses it with one line naming both sizes, leaving its survey as it was;
# a simulator on the reference 8 MiB chip (--flash-size 8M: 380 KiB slots)
# installs it, and keeps it after a restart that no longer names the size.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# 40 single-choice items of 16 distinct choices: about 230 KB compiled
# (every label pre-rendered).
python3 -c '
import json, sys
w = "often rarely always never sometimes mostly seldom usually weekly daily monthly yearly".split()
items = [{"name": "q%d" % i, "kind": "single", "label": {"en": "Question %d" % i},
          "choices": [{"name": "c%d" % c,
                       "label": {"en": "%d.%d %s" % (i, c, " ".join(w[(i + c + k) % 12] for k in range(9)))}}
                      for c in range(16)]} for i in range(40)]
json.dump({"id": "big", "version": 1, "languages": [{"code": "en", "name": "English"}],
           "title": {"en": "Big"}, "consent": {"en": "C"}, "referral": {"en": "R"},
           "items": items}, open(sys.argv[1], "w"))
' "$T/big.json"
"$CANDOR" compile --draft "$T/big.json" -o "$T/big.pack" >/dev/null 2>"$T/compile.err" ||
    fail "compile: $(cat "$T/compile.err")"
size=$(wc -c <"$T/big.pack")
[ "$size" -gt 65536 ] || fail "the big pack is only $size bytes"

start_sim small
push_survey "$DEV"
"$CANDOR" status --device "$DEV" --json >"$T/before.json" || fail "status failed"
if "$CANDOR" push --device "$DEV" "$T/big.pack" >"$T/out" 2>"$T/err"; then
    fail "a 1 MiB chip took a $size-byte pack"
fi
expect_one_line_error "$T/err" push
grep -q "pack is $size bytes; this device takes packs of at most 65536 bytes" "$T/err" ||
    fail "the refusal does not name both sizes: $(cat "$T/err")"
"$CANDOR" status --device "$DEV" --json >"$T/after.json" || fail "status failed"
cmp -s "$T/before.json" "$T/after.json" || fail "the refused push changed the device"
stop_sim small

start_sim big --flash-size 8M
[ "$(wc -c <"$T/big.flash")" -eq 8388608 ] || fail "--flash-size 8M did not make an 8 MiB chip"
"$CANDOR" push --device "$DEV" "$T/big.pack" >"$T/out" 2>"$T/err" ||
    fail "the 8 MiB chip refused the pack: $(cat "$T/err")"
stop_sim big
start_sim big
"$CANDOR" status --device "$DEV" --json >"$T/status.json" || fail "status failed"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["surveys"]
assert len(s) == 1 and s[0]["active"] and s[0]["survey_id"] == "big", s
' "$T/status.json" || fail "the big pack is not active after a restart: $(cat "$T/status.json")"
echo "ok: a $size-byte pack is refused by 64 KiB slots with one line and installed on 380 KiB slots"
