#!/bin/sh
# `candor compile` refuses a NUL in any string or key (escaped \u0000 or a
# raw zero byte), naming its JSON path, since a C string would silently end
# there; and refuses an output path that is the source or any existing file
# that is not a survey pack. Each case: one line, non-zero exit, the target
# byte-identical afterwards, nothing else written.
# Env: CANDOR (the binary), CND_SOURCE_DIR (the source tree).
set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CND_SOURCE_DIR:?set CND_SOURCE_DIR to the source tree}"
GOOD="$CND_SOURCE_DIR/tests/cli/fixtures/compile/good.json"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-compile-nul.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# refused NAME SOURCE OUTPUT CODE TEXT: the command fails with one line
# holding TEXT; OUTPUT (if it existed) is unchanged; no stray files.
refused() {
    name=$1 src=$2 out=$3 code=$4 text=$5
    before=$(ls -A "$WORK/out")
    sum=$( [ -f "$out" ] && cksum <"$out")
    "$CANDOR" compile "$src" -o "$out" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
    [ "$rc" -eq "$code" ] || fail "$name: exit $rc, expected $code"
    [ "$(wc -l <"$WORK/stderr")" -eq 1 ] || fail "$name: stderr '$(cat "$WORK/stderr")'"
    grep -qF -- "$text" "$WORK/stderr" || fail "$name: stderr '$(cat "$WORK/stderr")' lacks '$text'"
    [ "$(ls -A "$WORK/out")" = "$before" ] || fail "$name: files changed: $(ls -A "$WORK/out")"
    [ "$( [ -f "$out" ] && cksum <"$out")" = "$sum" ] || fail "$name: $out was changed"
}

mkdir -p "$WORK/out"
# Escaped NUL in a label, in an item name, in a key, and a raw NUL byte in
# a choice label: each names its path.
sed 's/"Where do you live?"/"Where do\\u0000 you live?"/' "$GOOD" >"$WORK/esc_label.json"
refused escaped_label "$WORK/esc_label.json" "$WORK/out/x.pack" 3 \
    "items[0].label.en: contains a NUL character"
sed 's/"lives_in"/"lives\\u0000_in"/' "$GOOD" >"$WORK/esc_name.json"
refused escaped_name "$WORK/esc_name.json" "$WORK/out/x.pack" 3 \
    "items[0].name: contains a NUL character"
sed 's/"title"/"ti\\u0000tle"/' "$GOOD" >"$WORK/esc_key.json"
refused escaped_key "$WORK/esc_key.json" "$WORK/out/x.pack" 3 \
    "ti\\u0000tle: contains a NUL character"
sed 's/"Employer"/"Empl@oyer"/' "$GOOD" | tr '@' '\000' >"$WORK/raw.json"
refused raw_nul "$WORK/raw.json" "$WORK/out/x.pack" 3 \
    "items[0].choices[0].label.en: contains a NUL character"
# A backslash before "u0000" that is itself escaped is text, not a NUL.
sed 's/"Employer"/"Employer \\\\u0000"/' "$GOOD" >"$WORK/not_nul.json"
"$CANDOR" compile "$WORK/not_nul.json" -o "$WORK/out/ok.pack" >/dev/null 2>"$WORK/stderr" ||
    fail "escaped backslash refused: $(cat "$WORK/stderr")"
rm -f "$WORK/out/ok.pack"

# Output paths: the source itself (also through a symlink), a key file, a
# text file, a directory and a FIFO are refused; an earlier pack is replaced.
cp "$GOOD" "$WORK/out/s.json"
refused onto_source "$WORK/out/s.json" "$WORK/out/s.json" 2 "is the survey source"
ln -s s.json "$WORK/out/link.json"
refused onto_source_link "$WORK/out/s.json" "$WORK/out/link.json" 2 "is the survey source"
"$CANDOR" keygen -o "$WORK/out/office.key" --no-passphrase >/dev/null 2>&1 || fail "keygen failed"
refused onto_pub "$GOOD" "$WORK/out/office.key.pub" 2 "is not a survey pack"
refused onto_key "$GOOD" "$WORK/out/office.key" 2 "is not a survey pack"
echo notes >"$WORK/out/notes.txt"
refused onto_text "$GOOD" "$WORK/out/notes.txt" 2 "is not a survey pack"
mkdir "$WORK/out/d"
refused onto_dir "$GOOD" "$WORK/out/d" 2 "is not a regular file"
mkfifo "$WORK/out/fifo"
refused onto_fifo "$GOOD" "$WORK/out/fifo" 2 "is not a regular file"
"$CANDOR" compile "$GOOD" -o "$WORK/out/p.pack" >/dev/null 2>&1 || fail "first pack failed"
"$CANDOR" compile "$GOOD" -o "$WORK/out/p.pack" >/dev/null 2>"$WORK/stderr" ||
    fail "an earlier pack was not replaced: $(cat "$WORK/stderr")"

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "compile NUL and output checks: all passed"
