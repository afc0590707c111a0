# A device that cannot be reached gives one error line that says what to do,
# and a non-zero exit: nobody listening on the socket, a socket left behind
# by a killed simulator, no device at all, an unknown device spec.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# Nobody at that path.
if "$CANDOR" status --device "sim:$T/nobody.sock" >"$T/out" 2>"$T/err"; then
    fail "status on a missing simulator exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "no simulator listening" "$T/err" || fail "message does not say why: $(cat "$T/err")"
grep -q "candor-sim" "$T/err" || fail "message does not say what to start: $(cat "$T/err")"
[ -s "$T/out" ] && fail "status printed output although it failed"

# A simulator killed hard leaves its socket file: still one clear line.
start_sim dev
stop_sim dev KILL
[ -S "$CANDOR_SIM_DIR/dev.sock" ] || fail "expected the killed simulator's socket file to remain"
if "$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/out" 2>"$T/err"; then
    fail "sync on a dead simulator exited 0"
fi
expect_one_line_error "$T/err" sync
grep -q "no simulator listening" "$T/err" || fail "message does not say why: $(cat "$T/err")"

# No device given and none discovered (the stale socket is not a device).
"$CANDOR" push "$CND_SOURCE_DIR/surveys/domestic-work.json" >/dev/null 2>&1 # (any input)
if "$CANDOR" status >"$T/out" 2>"$T/err"; then
    fail "status without any device exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "no device found" "$T/err" || fail "message does not say no device was found: $(cat "$T/err")"

# An unknown spec names the supported ones.
if "$CANDOR" status --device "nosuch:1234" >"$T/out" 2>"$T/err"; then
    fail "status on an unsupported spec exited 0"
fi
expect_one_line_error "$T/err" status
grep -q "sim:PATH" "$T/err" || fail "message does not name the supported specs: $(cat "$T/err")"

# The simulator restarted on the same path serves again (stale socket replaced).
start_sim dev
"$CANDOR" status --device "$DEV" >/dev/null 2>"$T/err" || fail "restarted simulator unreachable: $(cat "$T/err")"
echo "ok: unreachable devices give one clear line and a non-zero exit"
