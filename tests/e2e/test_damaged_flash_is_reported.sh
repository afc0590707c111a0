# A flipped bit in a saved response (issue 12): the device still boots, the
# other responses of its segment arrive, the damage is counted in
# `candor status`, and `candor sync` keeps the raw bytes in
# STORE/quarantine/, says so in one line and exits 5 (CND_EXIT_DAMAGED).
# The next sync is clean: the device was told, and may reclaim the space.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

# three responses, one per power-on (each in a new sealing epoch)
start_sim dev --keys "$(keys en-complete)"
push_survey "$DEV"
wait_script dev
stop_sim dev
for _i in 2 3; do
    start_sim dev --keys "$(keys en-complete)"
    wait_script dev
    stop_sim dev
done

# flip one bit inside the ciphertext of the first RESPONSE entry of the log
# (formats/SPEC.md 4.1 and 4.3: the superblock records where the log
# starts, in blocks of 4 KiB: u32 log_first at offset 36)
python3 - "$T/dev.flash" <<'PY' || fail "no response entry found to damage"
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
base = int.from_bytes(data[36:40], "little") * 4096
for off in range(base + 32, base + 4096, 16):
    if data[off] == 0xC5 and data[off + 1] == 1:
        data[off + 12 + 25] ^= 0x04
        open(path, "wb").write(data)
        sys.exit(0)
sys.exit(1)
PY

start_sim dev
"$CANDOR" status --device "$DEV" >"$T/status.out" 2>"$T/status.err" || fail "status: $(cat "$T/status.err")"
grep -q '^damaged   1 flash region could not be read' "$T/status.out" ||
    fail "status does not show the damage: $(cat "$T/status.out")"

"$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err"
rc=$?
expect_eq "$rc" 5 "sync exit status with damaged flash"
expect_eq "$(grep -c '^damaged: 1 flash region on the device could not be read' "$T/sync.out")" 1 \
    "damage line of sync"
expect_eq "$(ls "$T/store/quarantine" | grep -c '^damage-s[0-9]*-o[0-9]*-[0-9a-f]*$')" 1 \
    "raw damaged region in quarantine"
expect_eq "$(ls "$T/store/quarantine" | grep -c '^damage-.*\.why$')" 1 "its .why line"
expect_eq "$(export_count "$T/store")" 2 "responses that survived the flip"

# the device was told: the next sync is clean
"$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/sync2.out" 2>"$T/sync2.err" ||
    fail "second sync: $(cat "$T/sync2.err")"
"$CANDOR" status --device "$DEV" >"$T/status.out" 2>&1
grep -q '^damaged   0 flash regions$' "$T/status.out" || fail "damage still counted: $(cat "$T/status.out")"
echo "ok: a flipped bit costs one response, is reported, kept raw, and sync exits 5"
