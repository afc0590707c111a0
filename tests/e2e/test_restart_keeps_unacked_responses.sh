# Restarting the simulator (a power cycle of the handheld): responses the
# host acknowledged stay gone from the pending count, the unacknowledged
# ones survive every restart and arrive at the next sync.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"

start_sim dev --keys "$(keys en-complete)"
push_survey "$DEV"
wait_script dev
sync_to "$DEV" "$T/store"
expect_eq "$(pending "$DEV")" 0 "pending after the acknowledged sync"
stop_sim dev

# Second power-on: the acked response is still not pending; a new interview.
start_sim dev --keys "$(keys es-complete)"
wait_script dev
expect_eq "$(pending "$DEV")" 1 "pending after a new interview"
stop_sim dev

# Third power-on, no interview: the unacked response survived.
start_sim dev
expect_eq "$(pending "$DEV")" 1 "pending after restart"
sync_to "$DEV" "$T/store"
expect_eq "$(export_count "$T/store")" 2 "responses in the store"
expect_eq "$(pending "$DEV")" 0 "pending after the final sync"
echo "ok: acked responses stay acked, unacked ones survive restarts"
