# A device that lies (issue 12, point 5). A real store is filled from a real
# simulated handheld; then fake_device, speaking the real protocol over a
# real Unix socket, tells one lie per run. Each lie is refused with one
# line and a non-zero exit, or (where only the office key can tell, junk
# ciphertext) stored and then moved to quarantine/ by `candor check --key`.
# After every run the store exports exactly the records it exported before.
# Env: CANDOR, CANDOR_SIM, LF_TOOL, FAKE_DEVICE, CANDOR_KEY, CND_SOURCE_DIR.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
: "${LF_TOOL:?}" "${FAKE_DEVICE:?}" "${CANDOR_KEY:?}"
N=40

"$LF_TOOL" mkimage "$T/image.flash" $N 2>"$T/mkimage.err" || fail "mkimage: $(cat "$T/mkimage.err")"
cp "$T/image.flash" "$T/dev.flash"
start_sim dev
"$CANDOR" sync --device "$DEV" --store "$T/base" >"$T/sync.out" 2>"$T/sync.err" ||
    fail "sync: $(cat "$T/sync.err")"
stop_sim dev
grep -q "now trusts office key" "$T/sync.out" ||
    fail "a new store did not say which office it learned: $(cat "$T/sync.out")"
[ "$(ls "$T/base/trusted" | wc -l)" -eq 1 ] || fail "the new store trusts $(ls "$T/base/trusted")"
FP=$(ls "$T/base/responses")
PACK="$T/base/packs/$FP.pack"
CNB=$(ls "$T/base/responses/$FP"/*.cnb | head -n 1)

# records STORE OUT: the exported records, sorted (export shuffles them).
records() {
    "$CANDOR" export "$1" -o "$T/x.ndjson" --format ndjson --no-disclosure-check --stable-ids \
        >"$T/x.out" 2>"$T/x.err"
    _rc=$?
    sort "$T/x.ndjson" >"$2"
    return $_rc
}
records "$T/base" "$T/base.rec" || fail "baseline export: $(cat "$T/x.err")"
[ "$(wc -l <"$T/base.rec")" -eq $N ] || fail "baseline holds $(wc -l <"$T/base.rec") records, want $N"

# A second office, and the same survey (same id and version) signed by it.
"$CANDOR" keygen -o "$T/other.key" --no-passphrase >/dev/null || fail "keygen"
"$CANDOR" compile --draft "$CND_SOURCE_DIR/surveys/domestic-work.json" --key "$T/other.key" \
    -o "$T/other.pack" >/dev/null 2>"$T/compile.err" || fail "compile: $(cat "$T/compile.err")"

# tell LIE [STORE]: a sync of STORE (default: a fresh copy of the base
# store, $T/s) from a fake device telling LIE; sets RC, OUT, ERR.
tell() {
    if [ $# -lt 2 ]; then
        rm -rf "$T/s" && cp -r "$T/base" "$T/s"
    fi
    _sock="$CANDOR_SIM_DIR/fake.sock"
    rm -f "$_sock"
    "$FAKE_DEVICE" "$_sock" "$1" "$PACK" "$T/other.pack" "$CNB" 2>"$T/fake.err" &
    _fake=$!
    SIM_PIDS="$SIM_PIDS $_fake"
    _i=0
    while [ ! -S "$_sock" ]; do
        _i=$((_i + 1))
        [ $_i -gt 500 ] && fail "fake_device did not listen: $(cat "$T/fake.err")"
        sleep 0.01
    done
    files_before=$(find "${2:-$T/s}" -type f | wc -l)
    timeout 120 "$CANDOR" sync --device "sim:$_sock" --store "${2:-$T/s}" >"$T/out" 2>"$T/err"
    RC=$?
    kill "$_fake" 2>/dev/null
    wait "$_fake" 2>/dev/null
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
    [ "$RC" -ne 124 ] || fail "$1: sync did not end within 120 s"
}

# refused LIE CODE TEXT: sync fails with CODE and one line holding TEXT,
# the store's files are as before, and it exports the same records.
refused() {
    tell "$1"
    [ "$RC" -eq "$2" ] || fail "$1: sync exit $RC, want $2: $ERR"
    expect_one_line_error "$T/err" sync
    echo "$ERR" | grep -qF -- "$3" || fail "$1: '$ERR' lacks '$3'"
    diff -r "$T/base" "$T/s" >/dev/null || fail "$1: the store changed: $(diff -r "$T/base" "$T/s" | head -3)"
    same_records "$1" "$T/s"
    echo "ok: $1 -> $ERR"
}

same_records() {
    records "$2" "$T/now.rec" || fail "$1: export failed: $(cat "$T/x.err")"
    cmp -s "$T/now.rec" "$T/base.rec" || fail "$1: the store no longer exports what it did"
}

# Lies the sync sees for itself: refused whole, nothing stored.
refused other_pack 3 "does not trust"
refused short_batch 4 "damaged batch chunk"
refused count_lie 4 "described a batch that cannot be valid"
refused unannounced 4 "which its HELLO did not list"
refused seq_lie 4 "is not valid for survey pack"
refused pack_lie 4 "bad chunk of survey pack"

# The same survey id and version signed by another office the store was
# told to trust: still refused (export could not tell them apart).
cp "$T/other.key.pub" "$T/base/trusted/"
refused other_pack 3 "already holds as pack $FP signed by another key"
rm "$T/base/trusted/other.key.pub"

# Endless batches (fresh junk, or rows already stored) and a HELLO that
# announced nothing: cut off with one line once past HELLO's pending plus
# one batch; then check --key moves what got in to quarantine/.
for lie in endless replay hello_lie; do
    tell $lie
    [ "$RC" -eq 4 ] || fail "$lie: sync exit $RC, want 4: $ERR"
    expect_one_line_error "$T/err" sync
    echo "$ERR" | grep -q "offered more than its HELLO announced" || fail "$lie: $ERR"
    files=$(find "$T/s" -type f | wc -l)
    [ "$files" -le $((files_before + 12)) ] || fail "$lie: $files files after the sync (was $files_before)"
    "$CANDOR" check "$T/s" --key "$CANDOR_KEY" >"$T/check.out" 2>"$T/check.err"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "$lie: check exit $rc: $(cat "$T/check.err")"
    same_records "$lie" "$T/s"
    echo "ok: $lie -> $ERR"
done

# Junk ciphertext: well-formed rows, sealed to the office key, that only
# the key can tell from real ones. Sync stores them; export names them
# and leaves them out; check --key moves them (and nothing else) out.
for lie in junk dup_ids mixed forged; do
    if [ $lie = mixed ]; then
        # A store that never had the real rows: they arrive in one batch
        # file with the junk, and check must keep them while moving the junk.
        rm -rf "$T/s" && mkdir "$T/s"
        tell $lie "$T/s/new"
        store="$T/s/new"
    else
        tell $lie
        store="$T/s"
    fi
    [ "$RC" -eq 0 ] || fail "$lie: sync exit $RC: $ERR"
    [ $lie != dup_ids ] || echo "$OUT" | grep -q "^synced 1 response (19 already stored)" ||
        fail "dup_ids: one id twenty times was not stored once: $OUT"
    "$CANDOR" export "$store" -o "$T/j.json" >/dev/null 2>"$T/j.err"
    [ $? -eq 3 ] || fail "$lie: export with junk stored did not exit 3"
    if [ $lie = mixed ]; then
        # Killed after the junk rows are safe in quarantine/ and before
        # their batch file is replaced: the store still opens, holds every
        # row once, and the next check finishes without a second copy.
        CANDOR_TEST_CRASH_AT=rows-quarantined:1 "$CANDOR" check "$store" --key "$CANDOR_KEY" \
            >/dev/null 2>&1
        [ $? -eq 137 ] || fail "mixed: check was not killed at rows-quarantined"
        "$CANDOR" export "$store" -o "$T/j.ndjson" --format ndjson --no-disclosure-check \
            --stable-ids >/dev/null 2>"$T/j.err"
        [ $? -eq 3 ] || fail "mixed: export after the crash: $(tail -n 1 "$T/j.err")"
        sort "$T/j.ndjson" | cmp -s - "$T/base.rec" || fail "mixed: a crash in check lost a real row"
        [ "$(ls "$store/quarantine" | wc -l)" -eq 2 ] || fail "mixed: quarantine/ after the crash: $(ls "$store/quarantine")"
    fi
    "$CANDOR" check "$store" --key "$CANDOR_KEY" >"$T/check.out" 2>"$T/check.err"
    rc=$?
    [ $rc -eq 3 ] || fail "$lie: check exit $rc, want 3: $(cat "$T/check.err")"
    [ $lie != mixed ] || [ "$(ls "$store/quarantine" | wc -l)" -eq 2 ] ||
        fail "mixed: quarantine/ after the second check: $(ls "$store/quarantine")"
    grep -q "^moved responses/$FP/.*to quarantine/: .*fail authentication" "$T/check.out" ||
        fail "$lie: check output: $(cat "$T/check.out")"
    ls "$store/quarantine/"*.why >/dev/null 2>&1 || fail "$lie: no .why file in quarantine/"
    if [ $lie = mixed ]; then
        records "$store" "$T/now.rec" || fail "mixed: export after check: $(cat "$T/x.err")"
        # The real rows all stayed; the junk rows of their file all left.
        cmp -s "$T/now.rec" "$T/base.rec" || fail "mixed: the new store does not export the real rows"
        grep -q "20 of its 60 responses" "$T/check.out" || fail "mixed: $(cat "$T/check.out")"
    else
        same_records "$lie" "$store"
    fi
    grep -q "left out .* in .*quarantine/" "$T/x.out" || fail "$lie: export did not mention quarantine/: $(cat "$T/x.out")"
    "$CANDOR" check "$store" --key "$CANDOR_KEY" >"$T/check2.out" 2>&1 ||
        fail "$lie: a second check found more: $(cat "$T/check2.out")"
    echo "ok: $lie -> $(tail -n 1 "$T/check.out")"
done

# A hand-damaged store: check moves the bad file and the survey pack that
# does not verify, reports each, deletes nothing, and exports the rest.
rm -rf "$T/s" && cp -r "$T/base" "$T/s"
cp "$CNB" "$T/s/responses/$FP/00000000.cnb"
"$CANDOR" check "$T/s" >"$T/check.out" 2>"$T/check.err"
[ $? -eq 3 ] || fail "duplicate file: check exit not 3: $(cat "$T/check.out" "$T/check.err")"
grep -q "repeat responses stored in another file" "$T/check.out" || fail "duplicate file: $(cat "$T/check.out")"
same_records "check of a copied batch file" "$T/s"
echo "ok: copied batch file -> $(head -n 1 "$T/check.out")"
rm -rf "$T/s" && cp -r "$T/base" "$T/s"
S_CNB="$T/s/responses/$FP/$(basename "$CNB")"
printf 'X' | dd of="$S_CNB" bs=1 seek=100 conv=notrunc 2>/dev/null
mkfifo "$T/s/responses/$FP/fifo.cnb"
before=$(find "$T/s" | wc -l)
"$CANDOR" check "$T/s" >"$T/check.out" 2>"$T/check.err"
[ $? -eq 3 ] || fail "damaged file: check exit not 3: $(cat "$T/check.out" "$T/check.err")"
[ "$(grep -c '^moved ' "$T/check.out")" -eq 2 ] || fail "damaged file: $(cat "$T/check.out")"
[ -e "$T/s/quarantine/responses_${FP}_$(basename "$CNB")" ] || fail "damaged file not in quarantine/"
[ "$(find "$T/s" | wc -l)" -eq $((before + 3)) ] || fail "check deleted something"
"$CANDOR" export "$T/s" -o "$T/x.json" >"$T/x.out" 2>"$T/x.err" || fail "export after check: $(cat "$T/x.err")"
grep -q "left out 2 entries" "$T/x.out" || fail "export did not say what it left out: $(cat "$T/x.out")"
echo "ok: damaged file and FIFO -> $(tail -n 1 "$T/check.out")"
# A pack planted in the store by hand, signed by an office it does not
# trust, and responses under it: check moves both, export is as before.
rm -rf "$T/s" && cp -r "$T/base" "$T/s"
OFP=$(python3 -c 'import sys,struct; b=open(sys.argv[1],"rb").read(); print("%08x" % struct.unpack("<I", b[-4:])[0])' "$T/other.pack")
cp "$T/other.pack" "$T/s/packs/$OFP.pack"
mkdir "$T/s/responses/$OFP" && cp "$CNB" "$T/s/responses/$OFP/"
"$CANDOR" check "$T/s" >"$T/check.out" 2>"$T/check.err"
[ $? -eq 3 ] || fail "planted pack: check exit not 3: $(cat "$T/check.out" "$T/check.err")"
grep -q "^moved packs/$OFP.pack to quarantine/: .*does not trust" "$T/check.out" &&
    grep -q "^moved responses/$OFP to quarantine/" "$T/check.out" || fail "planted pack: $(cat "$T/check.out")"
same_records "planted pack" "$T/s"
echo "ok: planted pack -> $(head -n 1 "$T/check.out" | cut -c1-120)"
echo "malicious device: every lie refused or contained; the store exports what it did before"
