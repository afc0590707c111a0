# Pushing a pack the device must not take: a pack of an unknown format
# version and a corrupt pack give one error line and a non-zero exit; the
# installed survey is unchanged.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim dev
push_survey "$DEV"
"$CANDOR" status --device "$DEV" --json >"$T/before.json" || fail "status failed"

# Version 4 (not known to this candor), with a correct checksum, so that the
# version is the only thing wrong.
python3 -c '
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
b[4] = 4
b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(b)
' "$T/survey.pack" "$T/v2.pack"
if "$CANDOR" push --device "$DEV" "$T/v2.pack" >"$T/out" 2>"$T/err"; then
    fail "push of a version 4 pack exited 0"
fi
expect_one_line_error "$T/err" push
grep -Eqi "version| v4" "$T/err" || fail "message does not mention the version: $(cat "$T/err")"

# One flipped byte in the middle: the checksum no longer matches.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x40
open(sys.argv[2], "wb").write(b)
' "$T/survey.pack" "$T/corrupt.pack"
if "$CANDOR" push --device "$DEV" "$T/corrupt.pack" >"$T/out" 2>"$T/err"; then
    fail "push of a corrupt pack exited 0"
fi
expect_one_line_error "$T/err" push

# Not a pack at all.
if "$CANDOR" push --device "$DEV" "$CND_SOURCE_DIR/surveys/domestic-work.json" >"$T/out" 2>"$T/err"; then
    fail "push of a JSON source exited 0"
fi
expect_one_line_error "$T/err" push

"$CANDOR" status --device "$DEV" --json >"$T/after.json" || fail "status failed"
python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["surveys"] == b["surveys"], (a["surveys"], b["surveys"])
' "$T/before.json" "$T/after.json" || fail "refused pushes changed the installed surveys"
echo "ok: unknown-version and corrupt packs are refused with one line"
