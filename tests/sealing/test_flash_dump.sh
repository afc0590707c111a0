# Issue 6 acceptance: scripted interviews with known answers on the
# simulator; the flash image, dumped before any sync, gives no answer away
# without the office key (decoded with the pack or searched for the answer
# encodings: tests/sealing/flash_scan.c); with the key, candor export
# recovers every one; with another office key, nothing is exported.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
: "${FLASH_SCAN:?set FLASH_SCAN to the flash_scan binary}"

"$CANDOR" keygen --no-passphrase -o "$T/office.key" >/dev/null 2>"$T/keygen.err" ||
    fail "keygen failed: $(cat "$T/keygen.err")"
"$CANDOR" keygen --no-passphrase -o "$T/other.key" >/dev/null 2>>"$T/keygen.err" ||
    fail "keygen failed: $(cat "$T/keygen.err")"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/s.pack" \
    --key "$T/office.key" 2>"$T/compile.err" || fail "compile failed: $(cat "$T/compile.err")"

cat "$KEYS/en-complete.keys" "$KEYS/es-complete.keys" "$KEYS/withdrawn.keys" >"$T/all.keys"
start_sim h --keys "$T/all.keys"
"$CANDOR" push --device "$DEV" "$T/s.pack" >/dev/null 2>"$T/push.err" ||
    fail "push failed: $(cat "$T/push.err")"
i=0
while ! grep -q '^SCRIPT DONE' "$T/h.screens" 2>/dev/null; do
    grep -q '^SCRIPT FAILED' "$T/h.screens" && fail "a key script did not match the screens"
    i=$((i + 1))
    [ $i -gt $((600 * E2E_SCALE)) ] && fail "the interviews did not finish"
    sleep 0.05
done
[ "$(grep -c '^SCREEN SAVED' "$T/h.screens")" = 2 ] || fail "expected 2 saved interviews"
# The dump, as someone who takes the handheld would get it: before any sync.
cp "$T/h.flash" "$T/dump.flash"

"$CANDOR" sync --device "$DEV" --store "$T/store" >/dev/null 2>"$T/sync.err" ||
    fail "sync failed: $(cat "$T/sync.err")"

# Another office's key opens nothing, names each response, exits 3.
"$CANDOR" export "$T/store" -o "$T/other.json" --key "$T/other.key" >/dev/null 2>"$T/other.err"
rc=$?
[ $rc = 3 ] || fail "export with another key exited $rc, expected 3"
[ "$(grep -c 'is sealed to another office key' "$T/other.err")" = 2 ] ||
    fail "export with another key did not name both responses: $(cat "$T/other.err")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$T/other.json" ||
    fail "export with another key exported something"

# The office key recovers both, with the scripted answers.
"$CANDOR" export "$T/store" -o "$T/r.json" --key "$T/office.key" >/dev/null 2>"$T/export.err" ||
    fail "export with the office key failed: $(cat "$T/export.err")"
python3 -c '
import json, sys
recs = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(recs) == 2, len(recs)
by = {r["language"]: r["answers"] for r in recs}
assert by["en"]["sleeping_place"] == "shared_space" and by["en"]["violence"] == "prefer_not_to_answer"
assert by["es"]["status_keeps"] == "no" and by["es"]["threats"] == ["none"]
' "$T/r.json" || fail "the office key did not recover the scripted answers"

# Several keys (a rotation): each epoch opens with the key it names.
"$CANDOR" export "$T/store" -o "$T/both.json" --key "$T/other.key" --key "$T/office.key" \
    >/dev/null 2>"$T/both.err" || fail "export with both keys failed: $(cat "$T/both.err")"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 2' "$T/both.json" ||
    fail "export with both keys did not recover both"

"$FLASH_SCAN" "$T/dump.flash" "$T/store" "$T/office.key" 2 >"$T/scan.out" 2>&1 ||
    { cat "$T/scan.out" >&2; fail "the flash dump gives answers away"; }
cat "$T/scan.out"
echo "ok: the dumped flash holds no recoverable answer; the office key recovers both"
