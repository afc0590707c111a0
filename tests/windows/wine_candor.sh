#!/bin/sh
# wine_candor.sh ARGS...: candor.exe under Wine, for scripts written for the
# Linux candor ($CANDOR). WINEPREFIX and WINEDEBUG come from the caller.
#
# On a busy machine Wine now and then fails to start a process at all right
# after another one was killed with TerminateProcess: exit 1, nothing
# printed, candor.exe never ran (seen once in ~35 kill points of
# windows.kill_during_sync). candor itself never fails without its one line
# on stderr, so exit 1 with an empty stderr is Wine's, and that start alone
# is tried again (twice at most); every other outcome is passed on as is.
: "${CANDOR_EXE:?set CANDOR_EXE}"
err=$(mktemp "${TMPDIR:-/tmp}/wine-candor.XXXXXX") || exit 1
tries=0
while :; do
    wine "$CANDOR_EXE" "$@" 2>"$err"
    rc=$?
    tries=$((tries + 1))
    if [ "$rc" -eq 1 ] && [ ! -s "$err" ] && [ "$tries" -lt 3 ]; then
        echo "wine_candor: wine exited 1 without candor saying anything; starting it again" >>"${WINE_CANDOR_LOG:-/dev/null}"
        sleep 1
        continue
    fi
    break
done
cat "$err" >&2
rm -f "$err"
exit "$rc"
