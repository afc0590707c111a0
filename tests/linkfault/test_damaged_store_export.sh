# A store damaged by hand, or by a disk, after a real sync of 300 responses
# (three batch files): `candor export` names the damaged file or directory
# and refuses (exit 3, one line, no output file), never drops or invents a
# response; what a crash legitimately leaves (a stray .tmp- file) is
# ignored and the export is whole.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/linkfault/lf_lib.sh"
rm -f "$RESULT" # not a fault-point count: this part has no result line

fresh_run
start_dev
sync_to "$DEV" "$T/store"
stop_sim dev
cp -r "$T/store" "$T/good"
fp=$(ls "$T/good/responses")
set -- "$T/good/responses/$fp"/*.cnb
[ $# -eq 3 ] || fail "expected 3 batch files after syncing 300 responses, found $#"
CNB=$(basename "$1")

# damaged NAME PATTERN: export of $T/bad fails naming PATTERN, exit 3,
# exactly one line, and leaves no output file.
damaged() {
    rm -rf "$T/out" && mkdir "$T/out"
    "$CANDOR" export "$T/bad" -o "$T/out/r.json" >"$T/export.out" 2>"$T/export.err"
    rc=$?
    [ $rc -eq 3 ] || fail "$1: export exit $rc, want 3: $(cat "$T/export.err")"
    expect_one_line_error "$T/export.err" export
    grep -qF "$2" "$T/export.err" || fail "$1: message does not name $2: $(cat "$T/export.err")"
    [ -z "$(ls -A "$T/out")" ] || fail "$1: export left $(ls -A "$T/out")"
    echo "ok: $1 -> $(cat "$T/export.err")"
}
fresh_bad() { rm -rf "$T/bad" && cp -r "$T/good" "$T/bad"; }
BADCNB="$T/bad/responses/$fp/$CNB"

fresh_bad
size=$(wc -c <"$BADCNB")
head -c $((size / 2)) "$BADCNB" >"$T/half" && cat "$T/half" >"$BADCNB"
damaged "batch file cut in half" "$BADCNB"

fresh_bad
: >"$BADCNB"
damaged "empty batch file" "$BADCNB"

fresh_bad
python3 - "$BADCNB" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0x10
open(p, 'wb').write(b)
PY
damaged "one bit flipped in a batch file" "$BADCNB"

fresh_bad
cp "$BADCNB" "$T/bad/responses/$fp/00000000.cnb"
damaged "batch file copied under another name (would double-count)" ".cnb"

fresh_bad
rm "$T/bad/packs/$fp.pack"
damaged "survey pack deleted" "$fp"

fresh_bad
echo "not a pack" >"$T/bad/packs/$fp.pack"
damaged "survey pack overwritten" "$T/bad/packs/$fp.pack"

# Entries that are not what the store expects where it expects a directory
# (responses/<fp>) or a file (<name>.cnb): each is one error naming it,
# never a hang and never a silent "exported 0 responses".
fresh_bad
mv "$T/bad/responses/$fp" "$T/moved"
ln -s "$T/not-mounted/$fp" "$T/bad/responses/$fp"
damaged "responses/<fp> a dangling symlink (a disk not mounted)" "$T/bad/responses/$fp"
fresh_bad
mv "$T/bad/responses/$fp" "$T/moved2"
ln -s "$fp" "$T/bad/responses/$fp"
damaged "responses/<fp> a symlink loop" "$T/bad/responses/$fp"
fresh_bad
rm -r "$T/bad/responses/$fp" && echo plain >"$T/bad/responses/$fp"
damaged "responses/<fp> a plain file" "$T/bad/responses/$fp"
fresh_bad
rm -r "$T/bad/responses/$fp" && mkfifo "$T/bad/responses/$fp"
damaged "responses/<fp> a FIFO" "$T/bad/responses/$fp"
fresh_bad
rm -r "$T/bad/responses/$fp"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/bad/responses/$fp"
damaged "responses/<fp> a socket" "$T/bad/responses/$fp"
fresh_bad
rm "$BADCNB" && mkfifo "$BADCNB"
damaged "a batch file that is a FIFO (no hang)" "$BADCNB"
fresh_bad
rm "$BADCNB" && ln -s "$T/nowhere.cnb" "$BADCNB"
damaged "a batch file that is a dangling symlink" "$BADCNB"
fresh_bad
rm "$BADCNB" && mkdir "$BADCNB"
damaged "a batch file that is a directory" "$BADCNB"
fresh_bad
rm -r "$T/bad/responses" && ln -s "$T/nowhere" "$T/bad/responses"
damaged "responses/ a dangling symlink" "$T/bad/responses"
fresh_bad
rm -r "$T/bad/packs" && mkfifo "$T/bad/packs"
damaged "packs/ a FIFO" "$T/bad/packs"

# Wrong key: the key opens none of the responses. One summary line (not
# one per response), exit 3, and the earlier export and codebook stay.
"$CANDOR" keygen -o "$T/stranger.key" --no-passphrase >/dev/null || fail "keygen"
"$CANDOR" export "$T/good" -o "$T/keep.json" >/dev/null 2>"$T/export.err" ||
    fail "export: $(cat "$T/export.err")"
cp "$T/keep.json" "$T/keep.before" && cp "$T/keep.codebook.json" "$T/keep.cb.before"
"$CANDOR" export "$T/good" -o "$T/keep.json" --key "$T/stranger.key" >"$T/export.out" 2>"$T/export.err"
rc=$?
[ $rc -eq 3 ] || fail "wrong key: export exit $rc, want 3"
expect_one_line_error "$T/export.err" export
grep -q "opens none of the $N stored responses" "$T/export.err" ||
    fail "wrong key: $(cat "$T/export.err")"
cmp -s "$T/keep.json" "$T/keep.before" && cmp -s "$T/keep.codebook.json" "$T/keep.cb.before" ||
    fail "wrong key: the earlier export was replaced"
[ -z "$(ls -A "$T" | grep '^\.keep')" ] || fail "wrong key: temp files left: $(ls -A "$T")"
echo "ok: wrong key -> $(cat "$T/export.err")"

# What a crash between write and link leaves: a temp file, never a
# committed response. Export ignores it and is whole.
fresh_bad
head -c 100 "$BADCNB" >"$T/bad/responses/$fp/.tmp-$CNB-AbCdEf"
echo junk >"$T/bad/packs/.tmp-$fp.pack-XyZ123"
# Both exports keep the responses' own ids and every value (ids are new in
# every export by default, and k-anonymity may suppress differently), so
# the two can be compared record by record.
"$CANDOR" export "$T/bad" -o "$T/stray.ndjson" --format ndjson --stable-ids --no-disclosure-check \
    >"$T/export.out" 2>"$T/export.err" ||
    fail "a stray temp file made export fail: $(cat "$T/export.err")"
grep -q "^exported $N responses" "$T/export.out" || fail "stray temp file: $(cat "$T/export.out")"
[ ! -s "$T/export.err" ] || fail "stray temp file: stderr $(cat "$T/export.err")"
"$CANDOR" export "$T/good" -o "$T/good.ndjson" --format ndjson --stable-ids --no-disclosure-check \
    >/dev/null 2>"$T/export.err" ||
    fail "export: $(cat "$T/export.err")"
# export shuffles the records (no collection order leaks): compare sorted
sort "$T/stray.ndjson" >"$T/a" && sort "$T/good.ndjson" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "a stray temp file changed the exported records"
echo "ok: stray temp files are ignored; the export is whole and unchanged"
