# Pushing a pack the device must not take: a pack of an unknown format
# version and a corrupt pack give one error line and a non-zero exit; the
# installed survey is unchanged.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim dev
push_survey "$DEV"
"$CANDOR" status --device "$DEV" --json >"$T/before.json" || fail "status failed"

# Version 5 (not known to this candor), with a correct checksum, so that the
# version is the only thing wrong.
pack_edit "$T/survey.pack" "$T/v5.pack" "b[4] = 5"
push_refused "$T/v5.pack" "a version 5 pack" "version| v5"

# Version 3 (no pre-rendered text): the host reads it, the handheld cannot
# draw it. A version 3 pack made from the version 4 one: the header and
# language entries of version 3, the pre-rendered section dropped, the
# language ranges folded back into one string section (so every reference
# counts from its start), signed block kept; the checksum is correct.
python3 - "$T/survey.pack" "$T/v3.pack" <<'PYEOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
n_langs, n_items = b[5], struct.unpack_from("<H", b, 6)[0]
n_choices = struct.unpack_from("<H", b, 10)[0]
off_strings, len_strings = struct.unpack_from("<II", b, 48)
strings = b[off_strings:off_strings + len_strings]
tail = b[off_strings + len_strings:-4]          # admin block, signature block
langs = []
bases = []
for l in range(n_langs):
    e = bytearray(b[76 + 160 * l:76 + 160 * (l + 1)])
    base = struct.unpack_from("<I", e, 152)[0]
    bases.append(base)
    for k in range(0, 152, 4):
        off, ln = struct.unpack_from("<HH", e, k)
        if ln:
            struct.pack_into("<H", e, k, off + base)
    langs.append(bytes(e[:152]))
isz = 32 + 8 * n_langs
off_items = 76 + 160 * n_langs
items = bytearray(b[off_items:off_items + n_items * isz])
for i in range(n_items):
    for k in range(2 * n_langs):
        at = i * isz + 32 + 4 * k
        off, ln = struct.unpack_from("<HH", items, at)
        if ln:
            struct.pack_into("<H", items, at, off + bases[k % n_langs])
csz = 4 + 4 * n_langs
choices = bytearray(b[off_items + n_items * isz:off_items + n_items * isz + n_choices * csz])
for c in range(n_choices):
    for l in range(n_langs):
        at = c * csz + 4 + 4 * l
        off, ln = struct.unpack_from("<HH", choices, at)
        if ln:
            struct.pack_into("<H", choices, at, off + bases[l])
off_tags = off_items + n_items * isz + n_choices * csz
off_render = struct.unpack_from("<I", b, 68)[0]
rest = b[off_tags:off_render]                   # tags, code
hdr = bytearray(b[:68])
hdr[4] = 3
v = 68
struct.pack_into("<I", hdr, 24, v); v += 152 * n_langs
struct.pack_into("<I", hdr, 28, v); v += n_items * isz
struct.pack_into("<I", hdr, 32, v); v += n_choices * csz
struct.pack_into("<I", hdr, 36, v); v += len(rest) - struct.unpack_from("<I", b, 44)[0]
struct.pack_into("<I", hdr, 40, v); v += struct.unpack_from("<I", b, 44)[0]
struct.pack_into("<I", hdr, 48, v)
out = bytes(hdr) + b"".join(langs) + bytes(items) + bytes(choices) + rest + strings + tail
out = bytearray(out) + b"\0\0\0\0"
struct.pack_into("<I", out, 16, len(out))
struct.pack_into("<I", out, len(out) - 4, zlib.crc32(bytes(out[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(out)
PYEOF
[ -s "$T/v3.pack" ] || fail "could not make a version 3 pack"
push_refused "$T/v3.pack" "a version 3 pack" "v3, which carries no pre-rendered text; handhelds take v4 only"
# a version 4 pack with only its version byte set to 3 (checksum fixed)
# does not open as version 3: still named by its version
pack_edit "$T/survey.pack" "$T/v3byte.pack" "b[4] = 3"
push_refused "$T/v3byte.pack" "a pack marked version 3" "format v3 and does not open \(.*\); handhelds take v4 only"

# One flipped byte in the middle: the checksum no longer matches.
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0x40
open(sys.argv[2], "wb").write(b)
' "$T/survey.pack" "$T/corrupt.pack"
push_refused "$T/corrupt.pack" "a corrupt pack"
# Not a pack at all.
push_refused "$CND_SOURCE_DIR/surveys/domestic-work.json" "a JSON source"

"$CANDOR" status --device "$DEV" --json >"$T/after.json" || fail "status failed"
python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["surveys"] == b["surveys"], (a["surveys"], b["surveys"])
' "$T/before.json" "$T/after.json" || fail "refused pushes changed the installed surveys"
echo "ok: unknown-version and corrupt packs are refused with one line"
