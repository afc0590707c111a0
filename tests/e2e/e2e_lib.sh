# e2e_lib.sh: shared helpers for the end-to-end tests (sourced, POSIX sh).
#
# Every test runs real processes: candor-sim serving a Unix socket, and the
# candor command talking to it. Each test gets its own temporary directory
# (also the simulators' discovery dir, so tests never see each other's
# devices) and a trap that stops every simulator it started.
# Env: CANDOR, CANDOR_SIM, CND_SOURCE_DIR (set by CTest).
# CND_E2E_TIME_SCALE (integer, default 1) multiplies every wait below, for
# runs where the binaries are slow (valgrind: tools/valgrind-e2e.sh); the
# checks themselves never change.

set -u
: "${CANDOR:?set CANDOR to the candor binary}"
: "${CANDOR_SIM:?set CANDOR_SIM to the candor-sim binary}"
: "${CND_SOURCE_DIR:?set CND_SOURCE_DIR to the source tree}"

T=$(mktemp -d "${TMPDIR:-/tmp}/candor-e2e.XXXXXX")
CANDOR_SIM_DIR="$T/sims"
export CANDOR_SIM_DIR
mkdir -p "$CANDOR_SIM_DIR"
unset CANDOR_DEVICE
KEYS="$CND_SOURCE_DIR/tools/keys"
E2E_SCALE=${CND_E2E_TIME_SCALE:-1}
SIM_PIDS=""

e2e_cleanup() {
    for _p in $SIM_PIDS; do
        kill -TERM "$_p" 2>/dev/null
    done
    for _p in $SIM_PIDS; do
        wait "$_p" 2>/dev/null
    done
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        echo "kept $T" >&2
    else
        rm -rf "$T"
    fi
}
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    for _f in "$T"/*.err; do
        [ -s "$_f" ] && { echo "--- $_f" >&2; tail -n 5 "$_f" >&2; }
    done
    exit 1
}

# start_sim NAME [candor-sim options...]: starts a simulator whose flash is
# $T/NAME.flash, socket $CANDOR_SIM_DIR/NAME.sock, screen log $T/NAME.screens;
# waits until it accepts connections. Sets SIM_PID and DEV (the device spec).
start_sim() {
    _name=$1
    shift
    _sock="$CANDOR_SIM_DIR/$_name.sock"
    "$CANDOR_SIM" --flash "$T/$_name.flash" --socket "$_sock" \
        --screen-log "$T/$_name.screens" "$@" <"${SIM_STDIN:-/dev/null}" >/dev/null 2>>"$T/$_name.err" 3>&- &
    SIM_PID=$!
    SIM_PIDS="$SIM_PIDS $SIM_PID"
    eval "PID_$_name=$SIM_PID"
    DEV="sim:$_sock"
    # Wait until it accepts connections: a socket file may be a stale one
    # left by a simulator that was killed, which the new one replaces.
    _i=0
    while ! can_connect "$_sock"; do
        kill -0 "$SIM_PID" 2>/dev/null || fail "candor-sim $_name exited at start: $(cat "$T/$_name.err")"
        _i=$((_i + 1))
        [ $_i -gt $((200 * E2E_SCALE)) ] && fail "candor-sim $_name did not listen on $_sock within $((10 * E2E_SCALE)) s"
        sleep 0.05
    done
}

can_connect() {
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(1)
' "$1" 2>/dev/null
}

sim_pid() { eval "echo \$PID_$1"; }

# stop_sim NAME [SIGNAL]: stops it (default TERM, a clean shutdown) and waits.
stop_sim() {
    _p=$(sim_pid "$1")
    kill "-${2:-TERM}" "$_p" 2>/dev/null
    wait "$_p" 2>/dev/null
    SIM_PIDS=$(echo "$SIM_PIDS" | tr ' ' '\n' | grep -vx "$_p" | tr '\n' ' ')
}

# last_screen NAME: the machine line of the screen the simulator shows now.
last_screen() {
    grep '^SCREEN' "$T/$1.screens" 2>/dev/null | tail -n 1
}

# wait_screen NAME PATTERN: waits until the current screen matches (grep -E).
wait_screen() {
    _i=0
    while ! last_screen "$1" | grep -Eq "$2"; do
        kill -0 "$(sim_pid "$1")" 2>/dev/null || fail "candor-sim $1 died: $(cat "$T/$1.err")"
        _i=$((_i + 1))
        [ $_i -gt $((600 * E2E_SCALE)) ] && fail "$1 never showed a screen like '$2' (now: $(last_screen "$1"))"
        sleep 0.05
    done
}

# wait_script NAME: waits until the simulator's key script has run
# ("SCRIPT DONE" in its screen log); fails if it failed or the sim died.
wait_script() {
    _i=0
    while ! grep -q '^SCRIPT DONE' "$T/$1.screens" 2>/dev/null; do
        grep -q '^SCRIPT FAILED' "$T/$1.screens" 2>/dev/null &&
            fail "key script of $1 failed: $(cat "$T/$1.err")"
        kill -0 "$(sim_pid "$1")" 2>/dev/null || fail "candor-sim $1 died: $(cat "$T/$1.err")"
        _i=$((_i + 1))
        [ $_i -gt $((600 * E2E_SCALE)) ] && fail "key script of $1 did not finish within $((30 * E2E_SCALE)) s"
        sleep 0.05
    done
}

# The default survey, compiled once per test into $T/survey.pack.
compile_survey() {
    [ -f "$T/survey.pack" ] && return 0
    "$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/survey.pack" \
        >/dev/null 2>"$T/compile.err" || fail "compile: $(cat "$T/compile.err")"
}

# push_survey DEV: compiles and installs the default survey.
push_survey() {
    compile_survey
    "$CANDOR" push --device "$1" "$T/survey.pack" >/dev/null 2>"$T/push.err" ||
        fail "push: $(cat "$T/push.err")"
}

# keys FILE...: concatenates key scripts from tools/keys into $T/<joined>.keys
# and prints its path.
keys() {
    _out="$T/$(echo "$*" | tr ' /' '__').keys"
    : >"$_out"
    for _k in "$@"; do
        cat "$KEYS/$_k.keys" >>"$_out" || fail "no key script $KEYS/$_k.keys"
    done
    echo "$_out"
}

# sync_to DEV STORE: one sync that must succeed.
sync_to() {
    "$CANDOR" sync --device "$1" --store "$2" >"$T/sync.out" 2>"$T/sync.err" ||
        fail "sync: $(cat "$T/sync.err")"
}

# export_count STORE: prints how many responses an export of STORE holds.
export_count() {
    "$CANDOR" export "$1" -o "$T/export.json" --no-disclosure-check >/dev/null 2>"$T/export.err" ||
        fail "export: $(cat "$T/export.err")"
    python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/export.json"
}

# pending DEV: the device's pending response count (candor status --json).
pending() {
    "$CANDOR" status --device "$1" --json >"$T/status.json" 2>"$T/status.err" ||
        fail "status: $(cat "$T/status.err")"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pending"])' "$T/status.json"
}

# expect_one_line_error FILE CMD: FILE holds exactly one line "candor CMD: ...".
expect_one_line_error() {
    _n=$(wc -l <"$1")
    [ "$_n" -eq 1 ] || fail "expected one error line from candor $2, got $_n: $(cat "$1")"
    grep -q "^candor $2: ." "$1" || fail "error line does not start with 'candor $2: ': $(cat "$1")"
}

# push_refused PACK WHAT [PATTERN]: candor push of PACK to $DEV must fail
# with one line (matching the extended regex PATTERN, case-insensitive).
push_refused() {
    if "$CANDOR" push --device "$DEV" "$1" >"$T/out" 2>"$T/err"; then
        fail "push of $2 exited 0"
    fi
    expect_one_line_error "$T/err" push
    [ -z "${3:-}" ] || grep -Eqi "$3" "$T/err" || fail "the refusal of $2 does not say '$3': $(cat "$T/err")"
}

# pack_edit IN OUT PYTHON: OUT is pack IN changed by the python statements
# (on bytearray b, struct imported), its CRC-32 trailer made right again, so
# only the change is wrong.
pack_edit() {
    python3 -c '
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
exec(sys.argv[3])
b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(b)
' "$1" "$2" "$3" || fail "could not edit $1"
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
    [ "$1" = "$2" ] || fail "$3: expected $2, got $1"
}
