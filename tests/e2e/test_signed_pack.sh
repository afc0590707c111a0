# Packs only from the office (issue 6, item 3), with the real binaries: a
# pack compiled with another office's key, and a pack altered after signing
# (checksum fixed so only the signature is wrong), are refused by the
# device with one line and a non-zero exit; the installed survey stays
# active and interviews still save.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

: "${CANDOR_KEY:?set CANDOR_KEY to the test office key (CTest does)}"

start_sim dev
push_survey "$DEV"
"$CANDOR" status --device "$DEV" --json >"$T/before.json" || fail "status failed"

# Another office: its own key pair, the same survey.
"$CANDOR" keygen --no-passphrase -o "$T/other.key" >/dev/null 2>"$T/keygen.err" ||
    fail "keygen: $(cat "$T/keygen.err")"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/other.pack" \
    --key "$T/other.key" >/dev/null 2>"$T/compile.err" || fail "compile: $(cat "$T/compile.err")"
push_refused "$T/other.pack" "a pack signed by another office's key" "another office"

# The office's own pack with one string byte changed after signing; the
# CRC is recomputed so that only the signature can notice.
pack_edit "$T/survey.pack" "$T/altered.pack" "
off_strings, len_strings = struct.unpack_from('<II', b, 48)
b[off_strings + len_strings // 2] ^= 0x01"
push_refused "$T/altered.pack" "a pack altered after signing" "signature"

"$CANDOR" status --device "$DEV" --json >"$T/after.json" || fail "status failed"
python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["surveys"] == b["surveys"], (a["surveys"], b["surveys"])
assert b["surveys"][0]["active"], b["surveys"]
' "$T/before.json" "$T/after.json" || fail "refused pushes changed the installed surveys"

# The office's own packs are still welcome, also one that carries an admin
# PIN block (added after compiling, so signed again).
"$CANDOR" push --device "$DEV" "$T/survey.pack" >/dev/null 2>"$T/err" ||
    fail "push of the office's own pack failed: $(cat "$T/err")"
printf '4711\n' >"$T/pin"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/pin.pack" \
    --admin-pin-file "$T/pin" >/dev/null 2>"$T/compile.err" || fail "compile: $(cat "$T/compile.err")"
"$CANDOR" push --device "$DEV" "$T/pin.pack" >/dev/null 2>"$T/err" ||
    fail "push of the office's pack with an admin PIN failed: $(cat "$T/err")"
echo "ok: packs signed by another key or altered after signing are refused; the survey stays"
