# usb_lib.sh: helpers for the USB tests (sourced, POSIX sh), on top of
# tests/e2e/e2e_lib.sh (temp dir $T, simulators, fail/expect helpers).
#
# start_bus runs cnd-usb-bus (tests/usb/usb_bus.c), an emulated USB bus of
# Candor handhelds, under umockdev-wrapper; `bus CMD...` sends it one command
# and waits for its one-line answer. `ucandor ARGS...` runs the REAL candor
# binary under umockdev-wrapper in the same testbed, so its libusb sees
# exactly the emulated devices (and no real ones).
# Env: CND_USB_BUS, UMOCKDEV_WRAPPER, plus e2e_lib.sh's.

. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
: "${CND_USB_BUS:?set CND_USB_BUS to the cnd-usb-bus binary}"
: "${UMOCKDEV_WRAPPER:=umockdev-wrapper}"
BUS_PID=""
BUS_LINES=0
WATCH_PID=""

usb_cleanup() {
    [ -n "$WATCH_PID" ] && { kill -KILL "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; }
    if [ -n "$BUS_PID" ]; then
        exec 7>&- # end of input: the bus removes its testbed and exits
        kill -TERM "$BUS_PID" 2>/dev/null
        wait "$BUS_PID" 2>/dev/null
    fi
    e2e_cleanup
}
trap usb_cleanup EXIT

# start_bus: starts the bus and exports its UMOCKDEV_DIR.
start_bus() {
    mkfifo "$T/bus.in"
    : >"$T/bus.out" # exists before the bus starts: bus_wait_line counts its lines
    # The testbed goes inside $T, so it is removed even if the bus is killed;
    # $T only searchable by others, for the permission test's other user.
    chmod 711 "$T"
    TMPDIR="$T" "$UMOCKDEV_WRAPPER" "$CND_USB_BUS" <"$T/bus.in" >"$T/bus.out" 2>"$T/bus.err" &
    BUS_PID=$!
    exec 7>"$T/bus.in"
    bus_wait_line 1
    UMOCKDEV_DIR=$(sed -n '1s/^ready UMOCKDEV_DIR=//p' "$T/bus.out")
    [ -d "$UMOCKDEV_DIR" ] || fail "cnd-usb-bus did not start: $(cat "$T/bus.out" "$T/bus.err")"
    export UMOCKDEV_DIR
}

bus_wait_line() {
    _i=0
    while [ "$(wc -l <"$T/bus.out")" -lt "$1" ]; do
        kill -0 "$BUS_PID" 2>/dev/null || fail "cnd-usb-bus died: $(cat "$T/bus.err")"
        _i=$((_i + 1))
        [ $_i -gt $((600 * E2E_SCALE)) ] && fail "cnd-usb-bus did not answer within $((30 * E2E_SCALE)) s"
        sleep 0.05
    done
    BUS_LINES=$1
}

# bus CMD...: one command; its answer line is in $BUS_REPLY; fails on error.
bus() {
    echo "$*" >&7
    bus_wait_line $((BUS_LINES + 1))
    BUS_REPLY=$(sed -n "${BUS_LINES}p" "$T/bus.out")
    case "$BUS_REPLY" in
    ok*) ;;
    *) fail "bus $*: $BUS_REPLY" ;;
    esac
}

# plug NAME: plugs handheld NAME (flash $T/NAME.usbflash); sets SERIAL.
plug() {
    bus plug "$1" "$T/$1.usbflash"
    SERIAL=$(echo "$BUS_REPLY" | sed -n 's/.* serial=\([0-9a-f]*\) .*/\1/p')
    [ -n "$SERIAL" ] || fail "no serial in: $BUS_REPLY"
    eval "SERIAL_$1=$SERIAL"
}

serial_of() { eval "echo \$SERIAL_$1"; }

# ucandor ARGS...: the real candor, its libusb inside the testbed.
ucandor() {
    "$UMOCKDEV_WRAPPER" "$CANDOR" "$@"
}

# setup_device NAME N SEED: plugs NAME, installs the default survey over USB
# and lets the handheld collect N responses.
setup_device() {
    plug "$1"
    compile_survey
    ucandor push --device "usb:$SERIAL" "$T/survey.pack" >/dev/null 2>"$T/push.err" ||
        fail "push over USB: $(cat "$T/push.err")"
    bus fill "$1" "$2" "$3"
}

# export_ids STORE: prints the number of responses and of distinct ids.
export_ids() {
    "$CANDOR" export "$1" -o "$T/export.json" --no-disclosure-check >/dev/null 2>"$T/export.err" ||
        fail "export: $(cat "$T/export.err")"
    python3 -c '
import json, sys
rs = json.load(open(sys.argv[1]))
print(len(rs), len({r["id"] for r in rs}))' "$T/export.json"
}

# as_user CMD...: runs CMD as an unprivileged user when we are root (root
# opens any file whatever its mode, so a permission test needs another uid).
as_user() {
    # Exited root clients leave their uevent sockets in the testbed; the
    # other user could not replace them (sticky dir), and its libusb would
    # fail to start its hotplug monitor.
    rm -f "$UMOCKDEV_DIR"/event*
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
    else
        "$@"
    fi
}

# user_candor: path of a copy of candor the other user of as_user can run.
# The build tree may sit where that user cannot enter (CI clones into a
# private mktemp -d), while $T is searchable (start_bus makes it 711).
user_candor() {
    cp "$CANDOR" "$T/candor-user"
    chmod 755 "$T/candor-user"
    echo "$T/candor-user"
}

# wait_line FILE PATTERN [WHAT]: waits until a line of FILE matches (grep -E).
wait_line() {
    _i=0
    while ! grep -Eq "$2" "$1" 2>/dev/null; do
        _i=$((_i + 1))
        [ $_i -gt $((600 * E2E_SCALE)) ] && fail "${3:-$1} never showed '$2': $(cat "$1")"
        sleep 0.05
    done
}

# start_watch OUT [OPTIONS...]: `candor watch` in the background (WATCH_PID
# is candor itself, so signals reach it), output in $T/OUT.
start_watch() {
    _out=$1
    shift
    "$UMOCKDEV_WRAPPER" "$CANDOR" watch "$@" >"$T/$_out" 2>"$T/$_out.err" &
    WATCH_PID=$!
    wait_line "$T/$_out" "^watching" "candor watch"
}

# stop_watch: Ctrl-C, then the exit code must be 0.
stop_watch() {
    kill -INT "$WATCH_PID"
    wait "$WATCH_PID"
    _rc=$?
    WATCH_PID=""
    [ "$_rc" -eq 0 ] || fail "candor watch exited $_rc after Ctrl-C"
}
