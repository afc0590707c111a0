/*
 * hostsync.h: the host end of pulling responses, without the command line
 * (host/link/sync.c implements it and `candor sync` on top of it), so tests can
 * drive it over any transport, including an in-process device.
 *
 * Owns: the order that makes sync lossless and idempotent (see host/link/sync.c).
 * Never: ACKs a batch before the store has it durably.
 * RAM: host only; about 70 KB of heap per run (one batch decoded and raw).
 */
#ifndef CND_HOSTSYNC_H
#define CND_HOSTSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"
#include "hoststore.h"
#include "link.h"

typedef struct {
    size_t added;            /* responses newly stored */
    size_t already;          /* responses received that the store already had */
    size_t batches;          /* batches stored and acknowledged */
    size_t packs_fetched;    /* survey packs copied from the device */
    uint32_t pending_before; /* device's pending count at the first HELLO */
    uint32_t pending_after;  /* ... and at the final one */
    int store_failed;        /* the failure was the host store's, not the device's */
    int pack_refused;        /* the store refused a pack (untrusted signer, or a
                                second pack for a stored survey id and version) */
    size_t damaged;          /* damaged flash regions the device reported this run */
    size_t damaged_new;      /* ... of which quarantine/ did not hold yet */
    size_t damaged_ids;      /* ... of which a response id could be read */
} cnd_hostsync_report_t;

/* Called after each stored batch: done = responses received so far. */
typedef void (*cnd_hostsync_progress_fn)(void *ctx, size_t done, uint32_t expected);

/*
 * HELLO, fetch missing packs, then batches until the device has none
 * pending. On failure the report still counts what was stored before it.
 */
cnd_status_t cnd_hostsync_run(cnd_link_t *l, cnd_hoststore_t *hs,
                              cnd_hostsync_progress_fn progress, void *progress_ctx,
                              cnd_hostsync_report_t *rep, cnd_err_t *err);

#endif
