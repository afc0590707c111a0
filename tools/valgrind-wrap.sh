#!/bin/sh
# valgrind-wrap.sh BINARY [ARGS...]: runs BINARY under valgrind memcheck so
# that any memory error, and any definite or indirect leak, is an error:
# exit status 99, and a report in the log.
#
# The report goes to $CND_VALGRIND_LOGS/<pid>.log when that is set (else to
# stderr). Logs matter because the e2e scripts stop candor-sim with SIGTERM
# and never look at its exit status; tools/valgrind-e2e.sh reads every log.
# Example, by hand:
#   CANDOR="tools/valgrind-wrap.sh build/host/candor"  (not one word: use
#   tools/valgrind-e2e.sh to run e2e scripts, it makes one-word wrappers)
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BINARY [ARGS...]" >&2; exit 2; }
if [ -n "${CND_VALGRIND_LOGS:-}" ]; then
    set -- --log-file="$CND_VALGRIND_LOGS/%p.log" "$@"
fi
# exec: the wrapper's pid is valgrind's, so a signal sent to it (SIGTERM to
# stop a simulator) reaches the program, which then exits cleanly and is
# leak-checked.
exec valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --track-origins=yes --num-callers=30 "$@"
