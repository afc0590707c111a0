# A real `candor sync` against a real candor-sim is killed with SIGKILL at
# every step of its store-then-ack sequence, each time that step is reached
# (CANDOR_TEST_CRASH_AT=STEP:N, the test hook of host/platform/crashpoint.h), on a
# device holding 300 responses (three batches). After each kill:
# - nothing is lost, duplicated or garbage, and the device still holds
#   exactly what was not acknowledged (lf_tool check);
# - `candor export` of the store as the kill left it succeeds and holds
#   exactly the responses of the complete batch files: never a partial one;
# - one more `candor sync` leaves every response stored exactly once and
#   none pending on the device.
# Prints "linkfault[kill]: N fault points, L lost, D duplicated".
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/linkfault/lf_lib.sh"

STEPS="batch-received temp-written temp-fsynced linked temp-removed dir-fsynced batch-stored ack-sent acked"

for step in $STEPS; do
    n=1
    while :; do
        [ $n -gt 20 ] && fail "step $step was reached more than 20 times in one sync"
        fresh_run
        start_dev
        CANDOR_TEST_CRASH_AT="$step:$n" "$CANDOR" sync --device "$DEV" --store "$T/store" \
            >"$T/sync.out" 2>"$T/sync.err"
        rc=$?
        stop_sim dev
        if [ $rc -ne 137 ]; then
            # the step was reached fewer than n times: the sync ran to its end
            [ $rc -eq 0 ] || problem "$step:$n: sync was not killed and failed ($rc): $(cat "$T/sync.err")"
            [ $n -gt 1 ] || problem "step $step was never reached"
            check_device "$step:$n (not killed)" --recovered
            break
        fi
        points=$((points + 1))
        where="SIGKILL at $step:$n"
        check_device "$where"
        # What the kill left is what an analyst might export right now
        # ("exported N responses ..."; no Python: it takes a second to start
        # on a busy machine, and this runs at every kill point).
        if "$CANDOR" export "$T/store" -o "$T/now.json" >"$T/export.out" 2>"$T/export.err"; then
            got=$(sed -n 's/^exported \([0-9]*\) responses.*/\1/p' "$T/export.out")
            [ "$got" = "$STORED" ] || problem "$where: export holds '$got' responses, complete batch files $STORED"
        else
            problem "$where: export of the store left by the kill failed: $(cat "$T/export.err")"
        fi
        recover "$where"
        n=$((n + 1))
    done
done
finish kill 25
