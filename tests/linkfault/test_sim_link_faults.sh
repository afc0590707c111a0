# candor-sim --link-fault KIND@N (firmware/ports/posix/link_fault.c, the
# same fault code as the in-process test) against a real `candor sync` of
# 300 responses over the simulator's socket: the kinds take turns over the
# frames (kind k at frames k+1, k+7, k+13, ...), so every frame of the sync
# is hit by one kind and every kind hits frames all through it: HELLO, the
# pack chunks, every batch's PULL_BEGIN, PULL_DATA and ACK, and the replies.
# After each fault nothing is lost, duplicated, garbage or misplaced, and
# one more sync stores everything exactly once. A frame late by more than
# the host's reply timeout is a timeout; for the faulty sync the timeout is
# shortened to 500 ms (CANDOR_TEST_LINK_TIMEOUT_MS) so the run fits the test
# budget (the recovery sync keeps the real 5 s: a busy machine may need
# more than 500 ms to open a batch of 128 from the file-backed flash).
# Prints "linkfault[sim]: N fault points, L lost, D duplicated".
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/linkfault/lf_lib.sh"
# A spec the simulator cannot parse is a usage error, one line, exit 2.
for bad in bogus@1 drop@0 drop@3:9 truncate@2:0 delay@1:700000 disconnect; do
    "$CANDOR_SIM" --flash "$T/unused.flash" --link-fault "$bad" >/dev/null 2>"$T/bad.err"
    rc=$?
    [ $rc -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] &&
        grep -q "^candor-sim: --link-fault: " "$T/bad.err" ||
        fail "--link-fault $bad: exit $rc, $(cat "$T/bad.err")"
done

KINDS="drop truncate corrupt duplicate delay:800 disconnect"
STRIDE=6
k=0
for kind in $KINDS; do
    at=$((k + 1))
    while :; do
        [ $at -gt 400 ] && fail "a sync needed more than 400 frames"
        case $kind in
        *:*) spec="${kind%%:*}@$at:${kind#*:}" ;;
        *) spec="$kind@$at" ;;
        esac
        fresh_run
        start_dev --link-fault "$spec"
        CANDOR_TEST_LINK_TIMEOUT_MS=500 "$CANDOR" sync --device "$DEV" --store "$T/store" \
            >"$T/sync.out" 2>"$T/sync.err"
        rc=$?
        stop_sim dev
        if ! grep -q "link fault $spec hit" "$T/dev.err"; then
            # past the last frame: the sync never saw the fault
            [ $rc -eq 0 ] || problem "$spec: no fault, but sync failed: $(cat "$T/sync.err")"
            check_device "$spec (never hit)" --recovered
            break
        fi
        points=$((points + 1))
        if [ $rc -ne 0 ]; then
            expect_one_line_error "$T/sync.err" sync
        fi
        check_device "$spec"
        recover "$spec"
        at=$((at + STRIDE))
    done
    k=$((k + 1))
done
finish sim 40
