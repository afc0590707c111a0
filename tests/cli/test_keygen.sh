#!/bin/sh
# test_keygen.sh: `candor keygen` on the real binary: with a passphrase
# file it writes FILE (mode 0600, passphrase-protected, 600,000 PBKDF2
# iterations) and FILE.pub (the 105-byte public block, 0644) and says so
# in one line; a second keygen to the same path is refused with one stderr
# line, a non-zero exit and both files unchanged; bad command lines fail
# in one line and leave nothing behind. Needs CANDOR = the candor binary.
set -u
: "${CANDOR:?set CANDOR to the candor binary}"

T=$(mktemp -d /tmp/cnd-cli-keygen-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fails=$((fails + 1)); }
mode() { stat -c %a "$1"; }
size() { stat -c %s "$1"; }

# expect_error NAME PATTERN -- ARGS...: candor keygen ARGS fails (exit != 0)
# with exactly one stderr line "candor keygen: ...PATTERN..." and nothing
# new in $T/k.
expect_error() {
    name=$1 pattern=$2
    shift 3
    before=$(ls -A "$T/k")
    # setsid: no controlling terminal, so keygen can never stop to ask
    setsid -w "$CANDOR" keygen "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
    rc=$?
    lines=$(wc -l <"$T/stderr")
    if [ "$rc" -eq 0 ]; then
        bad "$name: exit 0"
    elif [ "$lines" -ne 1 ]; then
        bad "$name: $lines stderr lines, want 1: $(cat "$T/stderr")"
    elif ! grep -q "^candor keygen: .*$pattern" "$T/stderr"; then
        bad "$name: stderr '$(cat "$T/stderr")' does not match '$pattern'"
    elif [ "$(ls -A "$T/k")" != "$before" ]; then
        bad "$name: files changed: $(ls -A "$T/k")"
    else
        say "ok: $name"
    fi
}

mkdir "$T/k"
printf 'a long office passphrase\nignored second line\n' >"$T/pass"

umask 022
if setsid -w "$CANDOR" keygen -o "$T/k/office.key" --passphrase-file "$T/pass" >"$T/stdout" 2>"$T/stderr"; then
    say "ok: keygen with --passphrase-file"
else
    bad "keygen failed: $(cat "$T/stderr")"
fi
[ -s "$T/stderr" ] && bad "keygen wrote to stderr: $(cat "$T/stderr")"
[ "$(wc -l <"$T/stdout")" -eq 1 ] && grep -q "^candor keygen: wrote $T/k/office.key" "$T/stdout" ||
    bad "summary line: $(cat "$T/stdout")"
[ "$(mode "$T/k/office.key")" = 600 ] || bad "private key mode $(mode "$T/k/office.key"), want 600"
[ "$(mode "$T/k/office.key.pub")" = 644 ] || bad "public key mode $(mode "$T/k/office.key.pub"), want 644"
[ "$(size "$T/k/office.key")" = 229 ] || bad "private key is $(size "$T/k/office.key") bytes, want 229"
[ "$(size "$T/k/office.key.pub")" = 105 ] || bad "public key is $(size "$T/k/office.key.pub") bytes, want 105"
[ "$(head -c 8 "$T/k/office.key")" = "CNDKEY1" ] || bad "private key magic"
# kind 2 (passphrase), iterations 600000 = 0x000927c0 little-endian
hdr=$(od -An -tx1 -j8 -N8 "$T/k/office.key" | tr -d ' \n')
[ "$hdr" = "02000000c0270900" ] || bad "kind/iterations bytes $hdr, want 02000000c0270900"
# the private file ends with the public block in clear
tail -c 105 "$T/k/office.key" | cmp -s - "$T/k/office.key.pub" || bad "public block differs"
[ "$(ls -A "$T/k" | wc -l)" -eq 2 ] || bad "left other files: $(ls -A "$T/k")"
cp "$T/k/office.key" "$T/before.key"
cp "$T/k/office.key.pub" "$T/before.pub"

expect_error "second keygen to the same path" "already exists" -- \
    -o "$T/k/office.key" --passphrase-file "$T/pass"
cmp -s "$T/k/office.key" "$T/before.key" || bad "private key changed by the refused keygen"
cmp -s "$T/k/office.key.pub" "$T/before.pub" || bad "public key changed by the refused keygen"
expect_error "no passphrase source without a terminal" "no terminal" -- \
    -o "$T/k/other.key"
expect_error "missing -o" "no output file" --
expect_error "both passphrase options" "exclude each other" -- \
    -o "$T/k/other.key" --no-passphrase --passphrase-file "$T/pass"
expect_error "missing passphrase file" "passphrase file" -- \
    -o "$T/k/other.key" --passphrase-file "$T/nope"
: >"$T/empty"
expect_error "empty passphrase file" "empty" -- \
    -o "$T/k/other.key" --passphrase-file "$T/empty"
expect_error "directory that does not exist" "cannot create" -- \
    -o "$T/k/missing/other.key" --no-passphrase

if setsid -w "$CANDOR" keygen -o "$T/k/plain.key" --no-passphrase >/dev/null 2>"$T/stderr" &&
    [ "$(size "$T/k/plain.key")" = 213 ] && [ "$(od -An -tx1 -j8 -N1 "$T/k/plain.key" | tr -d ' ')" = 01 ]; then
    say "ok: keygen --no-passphrase writes a plain (kind 1) key"
else
    bad "keygen --no-passphrase: $(cat "$T/stderr")"
fi
"$CANDOR" keygen --help | grep -q "usage: candor keygen" || bad "keygen --help"

[ "$fails" -eq 0 ] || { say "$fails failure(s)"; exit 1; }
say "all keygen checks passed"
