#!/bin/sh
# valgrind-e2e.sh SCRIPT: runs one end-to-end test script (tests/e2e/*.sh)
# with every candor and candor-sim it starts running under valgrind memcheck
# (tools/valgrind-wrap.sh). Passes only if the script passes AND every
# process it ran reported no memory error and no definite/indirect leak.
# Env: CANDOR, CANDOR_SIM (the real binaries), CND_SOURCE_DIR, as for the
# e2e scripts. CND_E2E_TIME_SCALE (default 10) stretches the scripts' waits,
# since everything runs 10-30x slower under valgrind; no check is weakened.
set -u
: "${CANDOR:?}" "${CANDOR_SIM:?}" "${CND_SOURCE_DIR:?}"
[ $# -eq 1 ] || { echo "usage: $0 tests/e2e/test_NAME.sh" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind-e2e: valgrind is not installed (tools/setup-deps.sh)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/candor-vg.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir "$W/logs" "$W/bin"
# The scripts call "$CANDOR" as one word: one tiny wrapper per binary.
for pair in "candor:$CANDOR" "candor-sim:$CANDOR_SIM"; do
    name=${pair%%:*}
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$CND_SOURCE_DIR/tools/valgrind-wrap.sh" "${pair#*:}" >"$W/bin/$name"
    chmod +x "$W/bin/$name"
done
# The link's 5 s reply timeout is a wait too: a simulator under valgrind
# that is drawing a screen or checking a signature answers late, not never.
# (A script that sets CANDOR_TEST_LINK_TIMEOUT_MS itself keeps its own.)
SCALE=${CND_E2E_TIME_SCALE:-10}
LINK_MS=$((5000 * SCALE))
[ "$LINK_MS" -le 60000 ] || LINK_MS=60000
CANDOR=$W/bin/candor CANDOR_SIM=$W/bin/candor-sim CND_VALGRIND_LOGS=$W/logs \
    CND_E2E_TIME_SCALE=$SCALE CANDOR_TEST_LINK_TIMEOUT_MS=${CANDOR_TEST_LINK_TIMEOUT_MS:-$LINK_MS} \
    sh "$1"
rc=$?

# Every process must have finished under valgrind, which then writes its
# summary (a process killed by SIGKILL is never leak-checked: that counts
# as a failure here, the chosen scripts stop everything cleanly), with no
# error; definite/indirect leaks count as errors (--errors-for-leak-kinds).
n=0
bad=0
for log in "$W"/logs/*.log; do
    [ -e "$log" ] || continue
    n=$((n + 1))
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
        bad=$((bad + 1))
        grep -q 'ERROR SUMMARY' "$log" || echo "=== $(basename "$log"): the process never finished under valgrind" >&2
        echo "=== valgrind report $(basename "$log")" >&2
        cat "$log" >&2
    fi
done
[ $n -gt 0 ] || { echo "valgrind-e2e: no process ran under valgrind" >&2; exit 1; }
if [ $bad -gt 0 ]; then
    echo "valgrind-e2e: $bad of $n processes had memory errors or leaks (above)" >&2
    exit 1
fi
[ $rc -eq 0 ] || { echo "valgrind-e2e: $1 failed under valgrind (exit $rc)" >&2; exit $rc; }
echo "valgrind-e2e: $(basename "$1"): $n processes, no memory errors, no leaks"
