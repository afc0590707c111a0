#!/bin/sh
# Checks that must be able to fail (issue 12, point 8):
# - `candor sync` that finds no device leaves no store behind;
# - tools/firmware-size.py fails when the call graph (*.ci) is missing, and
#   finds it when the build tree lives below a dot-folder.
# Env: CANDOR, CND_SOURCE_DIR, CND_BINARY_DIR.
set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CND_SOURCE_DIR:?}" "${CND_BINARY_DIR:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candor-honest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

"$CANDOR" sync --store "$WORK/new-store" --device "sim:$WORK/nobody.sock" >/dev/null 2>"$WORK/err"
rc=$?
[ "$rc" -eq 4 ] || fail "sync without a device: exit $rc, expected 4"
[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "sync without a device: stderr '$(cat "$WORK/err")'"
[ ! -e "$WORK/new-store" ] || fail "sync without a device created the store directory"

ARM="$CND_BINARY_DIR/firmware/arm"
if ls "$ARM"/candor-*.elf >/dev/null 2>&1 && command -v arm-none-eabi-size >/dev/null; then
    mkdir -p "$WORK/.hidden"
    cp -r "$ARM" "$WORK/.hidden/arm"
    python3 "$CND_SOURCE_DIR/tools/firmware-size.py" "$WORK/.hidden/arm" --check >"$WORK/out" 2>&1 ||
        fail "firmware-size below a dot-folder: $(tail -3 "$WORK/out")"
    grep -q "deepest path: main > " "$WORK/out" || fail "firmware-size found no call graph below a dot-folder"
    find "$WORK/.hidden/arm" -name '*.ci' -delete
    python3 "$CND_SOURCE_DIR/tools/firmware-size.py" "$WORK/.hidden/arm" --check >"$WORK/out" 2>"$WORK/err"
    [ $? -ne 0 ] || fail "firmware-size passed without call-graph files"
    grep -q "no call-graph files" "$WORK/err" || fail "firmware-size: stderr '$(cat "$WORK/err")'"
else
    echo "firmware-size part not run: no ARM images in $ARM (arm-none-eabi-gcc missing)"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "small honest fixes: all checks passed"
