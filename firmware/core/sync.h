/*
 * sync.h: the device end of the sync protocol (formats/SPEC.md sections
 * "Frames" and "Messages").
 *
 * Owns: parsing request frames from the host, answering each with exactly
 * one reply frame (lock-step), pack installation through the store, and
 * producing batches of pending responses as a zlib stream. Carrier-agnostic:
 * the port moves bytes (Unix socket, USB bulk, UART).
 *
 * Never: deletes or reclaims anything before an ACK; activates a pack that
 * failed verification; installs a pack while an interview is in progress;
 * sends a device serial inside a response.
 *
 * RAM: sizeof(cnd_sync_t) (rx frame buffer, batch encoder, deflate state in
 * a static arena); stated next to the struct by sync.c's author.
 */
#ifndef CND_SYNC_H
#define CND_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct {
    cnd_store_t *store;
    void *ctx;
    /* 1 while an interview is in progress: PUSH is refused with CND_E_BUSY. */
    int (*busy)(void *ctx);
    /* Called after a PUSH_COMMIT activated a new pack; the port reloads its
     * active-pack buffer and calls cnd_engine_set_pack(). */
    void (*pack_activated)(void *ctx);
} cnd_sync_config_t;

typedef struct cnd_sync cnd_sync_t;

void cnd_sync_init(cnd_sync_t *s, const cnd_sync_config_t *cfg);

/*
 * Feeds received bytes. Consumes bytes up to and including the end of at
 * most one complete frame and returns how many it consumed (the port calls
 * again with the rest). When that frame needs a reply, writes the reply
 * frame into out (cap >= CND_SYNC_REPLY_MAX) and sets *reply_len, else 0.
 * Garbage before a frame is skipped (resynchronisation on the magic).
 */
size_t cnd_sync_input(cnd_sync_t *s, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                      size_t *reply_len);

/* The link went away (cable out, socket closed): drop any half-received
 * frame and any open batch or push. Nothing stored is affected. */
void cnd_sync_reset(cnd_sync_t *s);

/* ---- private to sync.c; here only so callers can allocate it ---- */
#define CND_SYNC_REPLY_MAX (CND_FRAME_MAX_PAYLOAD + 16)
struct cnd_sync {
    cnd_sync_config_t cfg;
    int placeholder_defined_by_sync_c; /* sync.c's author replaces this */
};

#endif
