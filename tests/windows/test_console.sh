# candor.exe's OS seams under Wine (issue 16), beyond the e2e flow, and
# candor-sim's --listen refusals:
# - the store lock (LockFileEx): a second candor.exe syncing into a store
#   that a first one is syncing into is refused with one line, and the
#   first sync completes;
# - candor watch: USB by polling (libusb has no hotplug on Windows), and
#   Ctrl-C (Wine turns SIGINT into the console's CTRL_C_EVENT, the C
#   runtime into SIGINT) stops it cleanly with its summary line, exit 0;
# - UTF-8 paths: a pack and a store under non-ASCII names.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/windows/win_lib.sh"

# candor-sim --listen refuses what is not a loopback tcp:HOST:PORT, with
# one line and a non-zero exit.
for bad in tcp:8.8.8.8:4322 tcp:127.0.0.1 tcp:127.0.0.1:99999999 unix:/tmp/x; do
    if "$CANDOR_SIM" --flash "$T/bad.flash" --listen "$bad" --exit-when-done >/dev/null 2>"$T/bad.err"; then
        fail "candor-sim --listen $bad was accepted"
    fi
    [ "$(wc -l <"$T/bad.err")" -eq 1 ] && grep -q '^candor-sim: .*--listen' "$T/bad.err" ||
        fail "candor-sim --listen $bad: not one line naming --listen: $(cat "$T/bad.err")"
done

win_init
STORE="$T/almacén ñandú €"

# Two devices with a survey and an interview each; the first one, restarted
# after its interview, stalls 4 s on the link at the start of the sync (a
# delayed frame) while its sync holds the store's lock.
start_tcp_sim a --keys "$(keys en-complete)" --screen-log "$T/a.screens"
DEV_A=$DEV
start_tcp_sim b --keys "$(keys es-complete)" --screen-log "$T/b.screens"
DEV_B=$DEV
compile_survey
wcandor push --device "$DEV_B" "$T/survey.pack" >/dev/null 2>"$T/push.err" || fail "push b: $(cat "$T/push.err")"
wait_script b
"$CANDOR" push --device "$DEV_A" "$T/survey.pack" >/dev/null 2>"$T/push.err" || fail "push a: $(cat "$T/push.err")"
wait_script a
stop_sim a
start_tcp_sim a --link-fault delay@2:4000
DEV_A=$DEV

wcandor sync --device "$DEV_A" --store "$STORE" >"$T/sync_a.out" 2>"$T/sync_a.err" &
SYNC_A=$!
_i=0
while [ ! -f "$STORE/.lock" ]; do
    _i=$((_i + 1))
    [ $_i -gt 1000 ] && fail "the first sync never created $STORE/.lock"
    sleep 0.01
done
sleep 0.5
if wcandor sync --device "$DEV_B" --store "$STORE" >"$T/sync_b.out" 2>"$T/sync_b.err"; then
    fail "a second candor.exe synced into a store in use: $(cat "$T/sync_b.out")"
fi
expect_one_line_error "$T/sync_b.err" sync
grep -q "in use by another candor process" "$T/sync_b.err" || fail "lock message: $(cat "$T/sync_b.err")"
wait $SYNC_A || fail "the first sync failed: $(cat "$T/sync_a.err")"
grep -q '^synced 1 response ' "$T/sync_a.out" || fail "first sync said: $(cat "$T/sync_a.out")"
wcandor sync --device "$DEV_B" --store "$STORE" >"$T/sync_b.out" 2>"$T/sync_b.err" ||
    fail "sync b after the lock was released: $(cat "$T/sync_b.err")"
grep -q '^synced 1 response ' "$T/sync_b.out" || fail "sync b said: $(cat "$T/sync_b.out")"
n=$("$CANDOR" export "$STORE" -o "$T/all.json" 2>"$T/export.err" | sed -n 's/^exported \([0-9]*\) responses.*/\1/p')
[ "$n" = 2 ] || fail "the non-ASCII store holds '$n' responses, expected 2: $(cat "$T/export.err")"
wcandor export "$STORE" -o "$T/exportación ñ €.json" >/dev/null 2>"$T/c.err" ||
    fail "export to a non-ASCII name: $(cat "$T/c.err")"
[ -s "$T/exportación ñ €.json" ] || fail "no export under the non-ASCII name"

# candor watch and Ctrl-C
# wine itself, not the wcandor function: $! must be the process Ctrl-C goes to
wine "$CANDOR_EXE" watch --store "$T/watch-store" --interval 200 >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
_i=0
until grep -q '^watching for handhelds' "$T/watch.out" 2>/dev/null; do
    kill -0 $WPID 2>/dev/null || fail "watch exited at start: $(cat "$T/watch.err")"
    _i=$((_i + 1))
    [ $_i -gt 1500 ] && fail "watch did not start within 15 s"
    sleep 0.01
done
grep -q 'on USB (polling)' "$T/watch.out" || fail "watch does not poll USB: $(head -n 1 "$T/watch.out")"
kill -INT $WPID
_i=0
while kill -0 $WPID 2>/dev/null; do
    _i=$((_i + 1))
    [ $_i -gt 1500 ] && { kill -KILL $WPID; fail "watch did not stop within 15 s of Ctrl-C"; }
    sleep 0.01
done
wait $WPID
rc=$?
[ $rc -eq 0 ] || fail "watch exited $rc after Ctrl-C: $(cat "$T/watch.err")"
grep -q '^stopped: 0 devices synced' "$T/watch.out" || fail "watch did not say it stopped: $(cat "$T/watch.out")"
grep -q 'stopping after the devices being synced' "$T/watch.err" || fail "no Ctrl-C message: $(cat "$T/watch.err")"
echo "ok: store lock refuses a second candor.exe, watch polls USB and stops on Ctrl-C, UTF-8 paths"
