# The Windows store keeps its promise (issue 16): the link-fault suite's
# kill test (tests/linkfault/test_kill_during_sync.sh: a sync killed at
# every step of its store-then-ack sequence, then checked for lost and
# duplicated responses, exported and synced again) run with candor.exe
# under Wine as the candor, against candor-sim on TCP loopback. The kill is
# TerminateProcess (osfile_win.c cnd_os_kill_self), exit code 137 as SIGKILL.
set -u
: "${CANDOR_EXE:?}" "${CND_SOURCE_DIR:?}"
[ -f "$CANDOR_EXE" ] || { echo "FAIL: no $CANDOR_EXE: the windows.build test builds it" >&2; exit 1; }
P=$(mktemp -d "${TMPDIR:-/tmp}/candor-wine.XXXXXX")
WINEPREFIX="$P/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES
trap 'wineserver -k 2>/dev/null; rm -rf "$P"' EXIT
t0=$(date +%s)
wineboot -i >/dev/null 2>&1 || { echo "FAIL: wineboot could not make a prefix in $P" >&2; exit 1; }
echo "wine prefix made in $(($(date +%s) - t0)) s"
CANDOR="$CND_SOURCE_DIR/tests/windows/wine_candor.sh" LF_SIM_TCP=1 LF_RESULTS="$P/result" \
    sh "$CND_SOURCE_DIR/tests/linkfault/test_kill_during_sync.sh"
rc=$?
echo "windows kill test: $(($(date +%s) - t0)) s"
exit $rc
