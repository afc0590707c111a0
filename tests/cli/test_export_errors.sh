#!/bin/sh
# test_export_errors.sh: `candor export` fails with exactly one stderr line,
# a non-zero exit code and no output file (not even a partial or temp one)
# whenever the store or the output place is wrong; and succeeds cleanly on
# an empty store. Needs CANDOR = path of the candor binary.
set -u
: "${CANDOR:?set CANDOR to the candor binary}"

T=$(mktemp -d /tmp/cnd-cli-export-XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fails=$((fails + 1)); }

# expect_error NAME WANT_EXIT PATTERN -- ARGS...: runs candor export ARGS with
# output into $T/out, then checks exit code, a single stderr line matching
# PATTERN, and that $T/out is still empty.
expect_error() {
    name=$1 want=$2 pattern=$3
    shift 4
    rm -rf "$T/out" && mkdir "$T/out"
    "$CANDOR" export "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    lines=$(wc -l <"$T/stderr")
    if [ "$rc" -ne "$want" ]; then
        bad "$name: exit $rc, want $want ($(cat "$T/stderr"))"
    elif [ "$lines" -ne 1 ]; then
        bad "$name: $lines stderr lines, want 1: $(cat "$T/stderr")"
    elif ! grep -q "^candor export: .*$pattern" "$T/stderr"; then
        bad "$name: stderr '$(cat "$T/stderr")' does not match '$pattern'"
    elif [ -n "$(ls -A "$T/out")" ]; then
        bad "$name: left files behind: $(ls -A "$T/out")"
    elif [ -s "$T/stdout" ]; then
        bad "$name: printed a summary on failure"
    else
        say "ok: $name"
    fi
}

# A store as candor sync leaves it before its first pack: valid and empty.
mkdir -p "$T/store/packs" "$T/store/responses"

expect_error "missing store" 3 "$T/nostore" -- "$T/nostore" -o "$T/out/r.json"
mkdir "$T/plain"
expect_error "directory that is not a store" 3 "not a candor store" -- \
    "$T/plain" -o "$T/out/r.json"
: >"$T/afile"
expect_error "output under a regular file" 1 "$T/afile/r.json" -- \
    "$T/store" -o "$T/afile/r.json"
expect_error "codebook in a missing directory" 1 "$T/missing/cb.json" -- \
    "$T/store" -o "$T/out/r.json" --codebook "$T/missing/cb.json"
expect_error "no output given" 2 "-o" -- "$T/store"
expect_error "unknown format" 2 "xlsx" -- "$T/store" -o "$T/out/r.json" --format xlsx
expect_error "k below 2" 2 "--k .1. must be a whole number from 2" -- "$T/store" -o "$T/out/r.json" --k 1
expect_error "unknown period" 2 "day" -- "$T/store" -o "$T/out/r.json" --period day

# A damaged pack file: the message names it.
mkdir -p "$T/bad/packs" "$T/bad/responses"
printf 'not a pack at all' >"$T/bad/packs/deadbeef.pack"
expect_error "corrupt store file" 3 "$T/bad/packs/deadbeef.pack" -- \
    "$T/bad" -o "$T/out/r.json"

# Responses whose pack is gone are refused, never dropped silently.
mkdir -p "$T/orphan/packs" "$T/orphan/responses/0badf00d"
printf 'CNDB' >"$T/orphan/responses/0badf00d/00000000.cnb"
expect_error "responses without their pack" 3 "0badf00d" -- \
    "$T/orphan" -o "$T/out/r.json"

# Another candor process holding the store.
if command -v flock >/dev/null 2>&1; then
    # exec keeps one process (same pid) holding the lock, so killing it
    # releases the lock.
    sh -c 'exec 9>"$1"; flock 9; exec sleep 30' sh "$T/store/.lock" &
    holder=$!
    sleep 1
    expect_error "store in use" 1 "is in use by another candor process" -- \
        "$T/store" -o "$T/out/r.json"
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
else
    say "skip: store in use (no flock command)"
fi

# The empty store exports cleanly: one summary line, two JSON files.
rm -rf "$T/out" && mkdir "$T/out"
if "$CANDOR" export "$T/store" -o "$T/out/r.json" >"$T/stdout" 2>"$T/stderr"; then
    want="exported 0 responses (0 surveys) to $T/out/r.json; codebook $T/out/r.codebook.json"
    if [ "$(head -n 1 "$T/stdout")" != "$want" ]; then
        bad "empty store: summary '$(cat "$T/stdout")'"
    elif [ -s "$T/stderr" ]; then
        bad "empty store: stderr '$(cat "$T/stderr")'"
    elif [ "$(cat "$T/out/r.json")" != "[]" ]; then
        bad "empty store: records '$(cat "$T/out/r.json")'"
    elif ! grep -q '"candor-codebook"' "$T/out/r.codebook.json"; then
        bad "empty store: codebook missing"
    elif [ "$(ls -A "$T/out" | wc -l)" -ne 2 ]; then
        bad "empty store: extra files $(ls -A "$T/out")"
    else
        say "ok: empty store exports cleanly"
    fi
else
    bad "empty store: exit $? ($(cat "$T/stderr"))"
fi

[ "$fails" -eq 0 ] || { say "$fails failure(s)"; exit 1; }
say "all export error cases pass"
