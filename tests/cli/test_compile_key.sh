#!/bin/sh
# `candor compile` signs every pack with the office key (formats/SPEC.md
# 1.9): without a key it refuses with one line and writes nothing; --key
# wins over $CANDOR_KEY; a passphrase-protected key works with
# --passphrase-file and a wrong passphrase is one line; the pack names the
# key's office (its .pub block) and the same source and key give the same
# bytes.
# Env: CANDOR (the binary), CND_SOURCE_DIR (the source tree).
set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CND_SOURCE_DIR:?set CND_SOURCE_DIR to the source tree}"
SRC="$CND_SOURCE_DIR/surveys/domestic-work.json"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-compile-key.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
mkdir -p "$WORK/out"

# No --key and no $CANDOR_KEY.
env -u CANDOR_KEY "$CANDOR" compile --draft "$SRC" -o "$WORK/out/x.pack" >"$WORK/stdout" 2>"$WORK/stderr"
rc=$?
[ "$rc" -ne 0 ] || fail "no key: exit code 0"
[ "$(cat "$WORK/stderr")" = "candor compile: no signing key; run candor keygen and pass --key FILE" ] ||
    fail "no key: stderr '$(cat "$WORK/stderr")'"
[ -z "$(ls -A "$WORK/out")" ] || fail "no key: files left behind"

"$CANDOR" keygen --no-passphrase -o "$WORK/a.key" >/dev/null 2>&1 || fail "keygen a"
"$CANDOR" keygen --no-passphrase -o "$WORK/b.key" >/dev/null 2>&1 || fail "keygen b"
printf 'correct horse battery staple\n' >"$WORK/pass"
printf 'wrong\n' >"$WORK/wrong"
"$CANDOR" keygen --passphrase-file "$WORK/pass" -o "$WORK/c.key" >/dev/null 2>&1 || fail "keygen c"

# The office block in the pack is the key's public block (the 105 bytes
# right after "CNDG", 242 bytes before the end).
office_of() {
    python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
blk = b[-242:-4]
assert blk[:4] == b"CNDG", blk[:4]
sys.stdout.write(blk[4:109].hex())
' "$1"
}
hex_of() { python3 -c 'import sys; sys.stdout.write(open(sys.argv[1], "rb").read().hex())' "$1"; }

CANDOR_KEY="$WORK/b.key" "$CANDOR" compile --draft "$SRC" -o "$WORK/out/a.pack" --key "$WORK/a.key" \
    >/dev/null 2>"$WORK/stderr" || fail "--key a: $(cat "$WORK/stderr")"
[ "$(office_of "$WORK/out/a.pack")" = "$(hex_of "$WORK/a.key.pub")" ] ||
    fail "--key did not win over \$CANDOR_KEY: the pack names another office"
CANDOR_KEY="$WORK/b.key" "$CANDOR" compile --draft "$SRC" -o "$WORK/out/b.pack" >/dev/null 2>&1 ||
    fail "\$CANDOR_KEY b"
[ "$(office_of "$WORK/out/b.pack")" = "$(hex_of "$WORK/b.key.pub")" ] ||
    fail "\$CANDOR_KEY: the pack does not name its office"
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/a2.pack" -k "$WORK/a.key" >/dev/null 2>&1 || fail "-k a"
cmp -s "$WORK/out/a.pack" "$WORK/out/a2.pack" || fail "same source and key gave different packs"

# Key rotation: signed by a, naming office b.
signer_of() {
    python3 -c '
import sys
sys.stdout.write(open(sys.argv[1], "rb").read()[-242:-4][109:174].hex())
' "$1"
}
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/ab.pack" --key "$WORK/a.key" --office "$WORK/b.key.pub" \
    >/dev/null 2>"$WORK/stderr" || fail "--office: $(cat "$WORK/stderr")"
[ "$(office_of "$WORK/out/ab.pack")" = "$(hex_of "$WORK/b.key.pub")" ] ||
    fail "--office: the pack does not name the new office"
[ "$(signer_of "$WORK/out/ab.pack")" = "$(hex_of "$WORK/a.key.pub" | cut -c81-)" ] ||
    fail "--office: the pack is not signed by the old key"
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/bad.pack" --key "$WORK/a.key" --office "$WORK/pass" \
    >/dev/null 2>"$WORK/stderr"
[ $? -ne 0 ] && [ "$(wc -l <"$WORK/stderr")" -eq 1 ] && [ ! -e "$WORK/out/bad.pack" ] ||
    fail "--office with a file that is no public block: '$(cat "$WORK/stderr")'"

# A passphrase-protected key.
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/c.pack" --key "$WORK/c.key" \
    --passphrase-file "$WORK/pass" >/dev/null 2>"$WORK/stderr" ||
    fail "passphrase key: $(cat "$WORK/stderr")"
[ "$(office_of "$WORK/out/c.pack")" = "$(hex_of "$WORK/c.key.pub")" ] ||
    fail "passphrase key: the pack does not name its office"
rm -f "$WORK/out/c.pack"
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/c.pack" --key "$WORK/c.key" \
    --passphrase-file "$WORK/wrong" >/dev/null 2>"$WORK/stderr" </dev/null
[ $? -ne 0 ] || fail "wrong passphrase: exit code 0"
[ "$(wc -l <"$WORK/stderr")" -eq 1 ] && grep -q '^candor compile: .*passphrase' "$WORK/stderr" ||
    fail "wrong passphrase: stderr '$(cat "$WORK/stderr")'"
[ ! -e "$WORK/out/c.pack" ] || fail "wrong passphrase: a pack was written"

# A key file that does not exist.
"$CANDOR" compile --draft "$SRC" -o "$WORK/out/d.pack" --key "$WORK/nope.key" >/dev/null 2>"$WORK/stderr"
[ $? -ne 0 ] || fail "missing key: exit code 0"
[ "$(wc -l <"$WORK/stderr")" -eq 1 ] && grep -q "nope.key" "$WORK/stderr" ||
    fail "missing key: stderr '$(cat "$WORK/stderr")'"

[ "$failures" -eq 0 ] || exit 1
echo "ok: compile signs with --key or \$CANDOR_KEY, refuses without"
