# A handheld pulled out in the middle of a sync loses nothing: candor says
# so in one line, and after plugging it back in the next sync resumes. The
# cable is pulled after K bulk transfers (a request reaching the device, or
# a reply reaching the host) for every K over a whole three-batch sync,
# including just after a batch was stored but before its ACK got through;
# at the end every response is in the store exactly once and the device has
# nothing pending.
. "$CND_SOURCE_DIR/tests/usb/usb_lib.sh"

start_bus
setup_device a 300 21
A=$SERIAL

k=1
cuts=0
after_store=0
in_pack=0 # the last cut came while the host fetched the survey pack
while :; do
    bus unplug-after a $k
    if ucandor sync --device "$A" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err"; then
        break # the sync needed fewer than k transfers: done
    else
        rc=$?
    fi
    cuts=$((cuts + 1))
    expect_eq "$rc" 4 "exit code of a sync cut after $k transfers"
    expect_one_line_error "$T/sync.err" sync
    grep -q "disconnected\|unplugged" "$T/sync.err" && grep -q "nothing is lost" "$T/sync.err" ||
        fail "cut after $k transfers: $(cat "$T/sync.err")"
    grep -q "new responses were stored before this" "$T/sync.err" && after_store=$((after_store + 1))
    # It is gone: the next command says so instead of hanging.
    if ucandor status --device "$A" >/dev/null 2>"$T/err"; then
        fail "status on an unplugged handheld exited 0"
    fi
    plug a
    expect_eq "$SERIAL" "$A" "serial after replug"
    # Once the pack is fetched the store keeps it and later syncs skip
    # GET_PACK (a big pack takes many transfers): cut those syncs again
    # from their first transfer, so every transfer of the batches is hit.
    if grep -q "during GET_PACK" "$T/sync.err"; then
        in_pack=1
    elif [ "$in_pack" -eq 1 ]; then
        in_pack=0
        k=0
    fi
    k=$((k + 1))
done
[ "$cuts" -ge 10 ] || fail "only $cuts cuts happened; the sync is shorter than expected"
[ "$after_store" -ge 1 ] || fail "no cut came after a batch was stored"
grep -q "^synced" "$T/sync.out" || fail "final sync: $(cat "$T/sync.out")"
expect_eq "$(export_ids "$T/store")" "300 300" "responses and distinct ids after $cuts cuts"
ucandor status --device "$A" --json >"$T/status.json" 2>"$T/err" || fail "status: $(cat "$T/err")"
expect_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pending"])' "$T/status.json")" \
    0 "pending after the final sync"
echo "ok: $cuts unplugs mid-sync, each replugged; every response stored exactly once"
