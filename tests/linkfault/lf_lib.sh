# lf_lib.sh: helpers of the process-level linkfault scripts (sourced after
# tests/e2e/e2e_lib.sh). A device image with N responses, a fast simulator
# start, lf_tool checks that add up lost and duplicated responses, and the
# family's result file.
: "${LF_TOOL:?set LF_TOOL to the lf_tool binary}"
RESULT=${LF_RESULTS:-/dev/null}
[ "$RESULT" = /dev/null ] || rm -f "$RESULT" # a stale result must never stand in for this run

N=300 # three batches: the simulator sends at most LF_BATCH = 128 per batch
LF_BATCH=128
"$LF_TOOL" mkimage "$T/image.flash" $N 2>"$T/mkimage.err" || fail "mkimage: $(cat "$T/mkimage.err")"

points=0 lost=0 dup=0 problems=0 first=""

problem() {
    problems=$((problems + 1))
    [ -n "$first" ] || first="$*"
    echo "PROBLEM: $*" >&2
}

# start_dev [candor-sim options]: e2e_lib's start_sim on $T/dev.flash,
# minus its Python connect probe (about 0.5 s a start on a busy machine,
# and these scripts start the simulator twice per fault point). The
# simulator binds its socket under a temporary name and renames it into
# place once it listens, and removes it when stopped, so the socket's
# existence is the signal.
start_dev() {
    if [ "${LF_SIM_TCP:-0}" = 1 ]; then
        start_dev_tcp "$@"
        return
    fi
    rm -f "$CANDOR_SIM_DIR/dev.sock"
    : >"$T/dev.err"
    "$CANDOR_SIM" --flash "$T/dev.flash" --socket "$CANDOR_SIM_DIR/dev.sock" \
        --batch-max "$LF_BATCH" "$@" \
        >/dev/null 2>>"$T/dev.err" </dev/null 3>&- &
    PID_dev=$!
    SIM_PIDS="$SIM_PIDS $PID_dev"
    DEV="sim:$CANDOR_SIM_DIR/dev.sock"
    _i=0
    while [ ! -S "$CANDOR_SIM_DIR/dev.sock" ]; do
        kill -0 "$PID_dev" 2>/dev/null || fail "candor-sim exited at start: $(cat "$T/dev.err")"
        _i=$((_i + 1))
        [ $_i -gt $((1000 * E2E_SCALE)) ] && fail "candor-sim did not listen within 10 s"
        sleep 0.01
    done
}

# start_dev_tcp: the same on TCP loopback (LF_SIM_TCP=1: the Windows build
# under Wine, tests/windows, has no Unix sockets); DEV from the simulator's
# "serving tcp:127.0.0.1:PORT" line.
start_dev_tcp() {
    : >"$T/dev.err"
    : >"$T/dev.out"
    "$CANDOR_SIM" --flash "$T/dev.flash" --listen tcp:127.0.0.1:0 \
        --batch-max "$LF_BATCH" "$@" \
        >"$T/dev.out" 2>>"$T/dev.err" </dev/null 3>&- &
    PID_dev=$!
    SIM_PIDS="$SIM_PIDS $PID_dev"
    DEV=""
    _i=0
    while [ -z "$DEV" ]; do
        DEV=$(sed -n 's/^candor-sim: serving \(tcp:127\.0\.0\.1:[0-9]*\) .*/\1/p' "$T/dev.out")
        [ -n "$DEV" ] && break
        kill -0 "$PID_dev" 2>/dev/null || fail "candor-sim exited at start: $(cat "$T/dev.err")"
        _i=$((_i + 1))
        [ $_i -gt $((1000 * E2E_SCALE)) ] && fail "candor-sim did not listen within 10 s"
        sleep 0.01
    done
}

# fresh_run: the device as imaged, no host store yet.
fresh_run() {
    cp "$T/image.flash" "$T/dev.flash"
    rm -rf "$T/store"
}

# check_device WHERE [--recovered]: lf_tool check of $T/store against the
# (stopped) device; adds up lost and duplicated; sets STORED.
check_device() {
    _where=$1
    shift
    _out=$("$LF_TOOL" check "$T/dev.flash" "$T/store" $N "$@")
    _rc=$?
    _l=$(echo "$_out" | sed -n 's/.*lost=\([0-9]*\).*/\1/p')
    _d=$(echo "$_out" | sed -n 's/.*duplicated=\([0-9]*\).*/\1/p')
    lost=$((lost + ${_l:-0})) dup=$((dup + ${_d:-0}))
    [ "$_rc" -eq 0 ] || problem "$_where: $_out"
    STORED=$(echo "$_out" | sed -n 's/^stored=\([0-9]*\).*/\1/p')
}

# recover WHERE: what a coordinator does after a failure: sync again.
recover() {
    start_dev
    "$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err" ||
        problem "$1: the next sync failed: $(cat "$T/sync.err")"
    stop_sim dev
    check_device "$1, then sync" --recovered
}

# finish WHAT MIN: prints the part's line, writes its result, fails on any
# problem or when fewer than MIN points were reached.
finish() {
    echo "linkfault[$1]: $points fault points, $lost lost, $dup duplicated"
    echo "$points $lost $dup $([ $problems -eq 0 ] && echo 0 || echo 1)" >"$RESULT"
    [ $problems -eq 0 ] || fail "$problems problems; first: $first"
    [ $points -ge "$2" ] || fail "only $points fault points were reached"
}
