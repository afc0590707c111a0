# candor.exe, the Windows build, under Wine against a Linux candor-sim on
# TCP loopback (issue 16): keygen with a passphrase file, a pack compiled
# and signed with that key (by the Linux build: candor.exe has no shaper),
# push, interviews on the device, sync into a store, export. The export
# must equal, record for record (sorted: each export shuffles), what the
# Linux candor exports from the same store with the same key.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/windows/win_lib.sh"

win_init
t0=$(date +%s)
printf 'correct horse battery\n' >"$T/pass"
wcandor keygen -o "$T/office.key" --passphrase-file "$T/pass" >"$T/keygen.out" 2>"$T/keygen.err" ||
    fail "keygen: $(cat "$T/keygen.err")"
[ -s "$T/office.key" ] && [ -s "$T/office.key.pub" ] || fail "keygen wrote no key pair"
# the Linux build reads the key candor.exe wrote (same bytes on disk)
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" -o "$T/linux.pack" \
    --key "$T/office.key" --passphrase-file "$T/pass" >"$T/lcompile.out" 2>"$T/lcompile.err" ||
    fail "Linux compile with the key candor.exe made: $(cat "$T/lcompile.err")"

# candor.exe cannot compile (a pack carries pre-rendered text, and this
# build has no shaper: test_unsupported.sh): the office compiles on Linux
# with the key candor.exe made and pushes from Windows.
cp "$T/linux.pack" "$T/survey.pack"

start_tcp_sim dev --keys "$(keys en-complete es-complete withdrawn en-complete)" \
    --screen-log "$T/dev.screens"
wcandor push --device "$DEV" "$T/survey.pack" >"$T/push.out" 2>"$T/push.err" ||
    fail "push over $DEV: $(cat "$T/push.err")"
wait_script dev
wcandor status --device "$DEV" --json >"$T/status.json" 2>"$T/status.err" ||
    fail "status: $(cat "$T/status.err")"
pending=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pending"])' "$T/status.json")
[ "$pending" = 3 ] || fail "device holds $pending responses, expected 3 (withdrawn stores nothing)"

wcandor sync --device "$DEV" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err" ||
    fail "sync: $(cat "$T/sync.err")"
grep -q '^synced 3 responses' "$T/sync.out" || fail "sync said: $(cat "$T/sync.out")"
wcandor sync --device "$DEV" --store "$T/store" >"$T/sync2.out" 2>"$T/sync2.err" ||
    fail "second sync: $(cat "$T/sync2.err")"
grep -q '^synced 0 responses' "$T/sync2.out" || fail "second sync said: $(cat "$T/sync2.out")"
stop_sim dev

# --stable-ids: the responses' own ids (without it each export draws new
# ones, so no two exports could be compared record for record)
for fmt in json ndjson; do
    wcandor export "$T/store" -o "$T/win.$fmt" --format "$fmt" --key "$T/office.key" \
        --stable-ids --passphrase-file "$T/pass" >"$T/wexport.out" 2>"$T/wexport.err" ||
        fail "export ($fmt): $(cat "$T/wexport.err")"
    "$CANDOR" export "$T/store" -o "$T/linux.$fmt" --format "$fmt" --key "$T/office.key" \
        --stable-ids --passphrase-file "$T/pass" >"$T/lexport.out" 2>"$T/lexport.err" ||
        fail "Linux export ($fmt) of the store candor.exe wrote: $(cat "$T/lexport.err")"
done
# NDJSON: one record per line, so sorted lines are the records, byte for byte
sort "$T/win.ndjson" >"$T/win.sorted"
sort "$T/linux.ndjson" >"$T/linux.sorted"
cmp -s "$T/win.sorted" "$T/linux.sorted" || fail "candor.exe's export differs from Linux's (sorted): $(diff "$T/win.sorted" "$T/linux.sorted" | head -n 4)"
[ "$(wc -l <"$T/win.sorted")" -eq 3 ] || fail "export holds $(wc -l <"$T/win.sorted") records, expected 3"
python3 -c '
import json, sys
a, b = (sorted(json.dumps(r, sort_keys=True) for r in json.load(open(p))) for p in sys.argv[1:3])
assert a == b and len(a) == 3, (len(a), len(b))
' "$T/win.json" "$T/linux.json" || fail "JSON exports differ"
python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("records_file"), b.pop("records_file")  # win.ndjson, linux.ndjson: differ by design
assert a == b
' "$T/win.codebook.json" "$T/linux.codebook.json" || fail "codebooks of candor.exe and Linux differ"
# CSV (the flat writer without ReadStat) and the HTML report (built in
# memory: posix_win.h's open_memstream) equal Linux's too
for fmt in csv; do
    wcandor export "$T/store" -o "$T/win.$fmt" --format "$fmt" --key "$T/office.key" \
        --stable-ids --passphrase-file "$T/pass" >"$T/wexport.out" 2>"$T/wexport.err" ||
        fail "export ($fmt): $(cat "$T/wexport.err")"
    "$CANDOR" export "$T/store" -o "$T/linux.$fmt" --format "$fmt" --key "$T/office.key" \
        --stable-ids --passphrase-file "$T/pass" >"$T/lexport.out" 2>"$T/lexport.err" ||
        fail "Linux export ($fmt): $(cat "$T/lexport.err")"
    head -n 1 "$T/win.$fmt" >"$T/win.head"
    head -n 1 "$T/linux.$fmt" >"$T/linux.head"
    cmp -s "$T/win.head" "$T/linux.head" || fail "CSV headers of candor.exe and Linux differ"
    [ "$(sort "$T/win.$fmt" | md5sum)" = "$(sort "$T/linux.$fmt" | md5sum)" ] ||
        fail "candor.exe's CSV export differs from Linux's (sorted)"
    [ "$(wc -l <"$T/win.$fmt")" -eq 4 ] || fail "CSV holds $(wc -l <"$T/win.$fmt") lines, expected 4"
done
wcandor report "$T/store" -o "$T/win.html" --key "$T/office.key" --passphrase-file "$T/pass" \
    >"$T/wreport.out" 2>"$T/wreport.err" || fail "report: $(cat "$T/wreport.err")"
"$CANDOR" report "$T/store" -o "$T/linux.html" --key "$T/office.key" --passphrase-file "$T/pass" \
    >/dev/null 2>"$T/lreport.err" || fail "Linux report: $(cat "$T/lreport.err")"
cmp -s "$T/win.html" "$T/linux.html" || fail "candor.exe's report differs from Linux's: $(diff "$T/win.html" "$T/linux.html" | head -n 4)"
grep -q "$(printf '\r')" "$T/win.ndjson" "$T/win.json" "$T/win.html" && fail "candor.exe wrote CR bytes into an export"
echo "ok: candor.exe keygen, push of a Linux-compiled pack, sync over TCP, export = Linux export (sorted), in $(($(date +%s) - t0)) s after the prefix"
