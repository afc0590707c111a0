# Syncing the same device twice stores every response exactly once: the
# second sync finds nothing new, the export still holds each response once.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim dev --keys "$(keys en-complete es-complete)"
push_survey "$DEV"
wait_script dev
expect_eq "$(pending "$DEV")" 2 "pending before sync"

sync_to "$DEV" "$T/store"
expect_eq "$(export_count "$T/store")" 2 "responses after the first sync"
expect_eq "$(pending "$DEV")" 0 "pending after sync"
python3 -c '
import json, sys
ids = [r["id"] for r in json.load(open(sys.argv[1]))]
assert len(ids) == len(set(ids)), "duplicate ids %r" % ids
' "$T/export.json" || fail "export holds a response twice"

sync_to "$DEV" "$T/store"
expect_eq "$(export_count "$T/store")" 2 "responses after the second sync"

# A second store synced from the same (now empty) device gets nothing, and
# the first store is unaffected by it.
sync_to "$DEV" "$T/store2"
expect_eq "$(export_count "$T/store")" 2 "responses in the first store"
echo "ok: two syncs, each response stored once"
