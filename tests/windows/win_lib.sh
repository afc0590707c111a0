# win_lib.sh: helpers of the Windows tests (sourced after
# tests/e2e/e2e_lib.sh): candor.exe under Wine, in a Wine prefix made in
# this run's temp dir (so no test sees another's, or the user's ~/.wine),
# and candor-sim listening on TCP loopback, the carrier candor.exe has.
# Env: CANDOR_EXE (the cross-built candor.exe), and e2e_lib's.
: "${CANDOR_EXE:?set CANDOR_EXE to candor.exe (CTest does)}"
[ -f "$CANDOR_EXE" ] || fail "no $CANDOR_EXE: the windows.build test builds it"
command -v wine >/dev/null 2>&1 || fail "wine is missing (package wine64; tools/deps/windows.txt)"

WINEPREFIX="$T/wineprefix"
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES

# The prefix's wineserver outlives candor.exe; stop it with the test (only
# this prefix's: WINEPREFIX names it).
win_cleanup() {
    wineserver -k 2>/dev/null
    e2e_cleanup
}
trap win_cleanup EXIT

# wcandor ARGS...: candor.exe under Wine. Wine maps / to drive Z: and starts
# in the current directory, so absolute Unix paths reach candor.exe as
# paths on the current drive.
wcandor() {
    wine "$CANDOR_EXE" "$@"
}

# win_init: makes the prefix (the first start of Wine; later ones reuse
# its wineserver).
win_init() {
    _t0=$(date +%s)
    wineboot -i >/dev/null 2>"$T/wineboot.err" || fail "wineboot: $(cat "$T/wineboot.err")"
    echo "wine prefix made in $(($(date +%s) - _t0)) s"
}

# start_tcp_sim NAME [candor-sim options]: candor-sim on $T/NAME.flash,
# listening on 127.0.0.1 at a free port; sets PID_NAME and DEV
# (tcp:127.0.0.1:PORT) from its "serving" line.
start_tcp_sim() {
    _name=$1
    shift
    : >"$T/$_name.out"
    "$CANDOR_SIM" --flash "$T/$_name.flash" --listen tcp:127.0.0.1:0 "$@" \
        >"$T/$_name.out" 2>>"$T/$_name.err" </dev/null 3>&- &
    eval "PID_$_name=$!"
    SIM_PIDS="$SIM_PIDS $!"
    _i=0
    DEV=""
    while [ -z "$DEV" ]; do
        DEV=$(sed -n 's/^candor-sim: serving \(tcp:127\.0\.0\.1:[0-9]*\) .*/\1/p' "$T/$_name.out")
        [ -n "$DEV" ] && break
        kill -0 "$(sim_pid "$_name")" 2>/dev/null || fail "candor-sim $_name exited at start: $(cat "$T/$_name.err")"
        _i=$((_i + 1))
        [ $_i -gt $((1000 * E2E_SCALE)) ] && fail "candor-sim $_name did not listen within 10 s"
        sleep 0.01
    done
}
