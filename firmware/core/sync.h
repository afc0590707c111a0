/*
 * sync.h: the device end of the sync protocol (formats/SPEC.md sections
 * "Frames" and "Messages").
 *
 * Owns: parsing request frames from the host, answering each with exactly
 * one reply frame (lock-step), pack installation through the store, and
 * producing batches of pending sealed responses (SPEC 7). Carrier-agnostic:
 * the port moves bytes (Unix socket, USB bulk, UART).
 *
 * Never: deletes or reclaims anything before an ACK; activates a pack that
 * failed verification or is not signed by the office of the active pack
 * (formats/SPEC.md 1.9; docs/DESIGN.md "Signed packs"); installs a pack
 * while an interview is in progress;
 * sends a device serial inside a response.
 *
 * RAM: sizeof(cnd_sync_t), about 2.2 KB (rx frame buffer, batch encoder);
 * broken down next to the struct. No heap.
 */
#ifndef CND_SYNC_H
#define CND_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "frame.h"
#include "packsig.h"
#include "store.h"

typedef struct {
    cnd_store_t *store;
    void *ctx;
    /* 1 while an interview is in progress: PUSH is refused with CND_E_BUSY. */
    int (*busy)(void *ctx);
    /* Called after a PUSH_COMMIT activated a new pack; the port reloads its
     * active-pack buffer and calls cnd_engine_set_pack(). */
    void (*pack_activated)(void *ctx);
    /* Most responses per batch, 1..CND_BATCH_MAX_RESPONSES; 0 = that maximum.
     * Fewer means less to send again after a lost link, and more ACKs
     * (flash writes) per response; tests use it to get many batches. */
    uint16_t batch_max;
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

/*
 * RAM: sizeof(cnd_sync_t) = 2,448 bytes on x86-64, 2,396 on the handheld: rx
 * frame parser 1052, batch encoder 664 (caches one response and the
 * previous row's epoch), bookkeeping under 100 bytes; plus the push's
 * signature check: pack tail 242, SHA-256 state 116 and the office keys
 * it may be signed by, taken at PUSH_BEGIN (4 x 65). No compressor: the
 * batch rows are ciphertext (SPEC 7), and the batch is measured row by row
 * in the encoder itself. Verifying at PUSH_COMMIT also borrows Mbed TLS's heap
 * (packsig.h).
 */
struct cnd_sync {
    cnd_sync_config_t cfg;
    cnd_frame_parser_t rx;

    /* pack installation in progress (PUSH_BEGIN .. PUSH_COMMIT) */
    uint8_t push_open;
    /* last 242 bytes of the pack: signature block, then the CRC trailer
     * (the fingerprint), kept as they pass (SPEC.md 1.9) */
    uint8_t push_tail[CND_PACK_SIG_TAIL];
    uint32_t push_len, push_fp, push_next, push_crc;
    uint8_t push_version; /* the pack's version byte, once it has arrived */
    cnd_pack_sig_stream_t push_sig; /* SHA-256 of the signed bytes as they arrive */
    /* office keys the signer may have, fixed at PUSH_BEGIN (sync.c
     * push_collect_trust); push_tofu: any signer (a never-trusting device) */
    uint8_t push_keys[CND_MAX_SURVEYS][CND_P256_PUB_LEN];
    uint8_t push_n_keys, push_tofu;

    /* batch in progress (PULL_BEGIN .. ACK) */
    uint8_t batch_state; /* none, streaming, sent */
    uint32_t first_seq, last_seq, batch_fp;
    uint16_t count, batch_max;
    uint32_t ulen, sent; /* batch length (BATCH_INFO) and bytes handed out */
    uint32_t cursor;  /* store cursor just after response `at` */
    int32_t at;       /* index of the last response read from the store, -1 none */
    cnd_batch_encoder_t enc;

    /* the damaged region whose last piece this link sent (DAMAGE_ACK may
     * name only that one) */
    uint8_t dmg_sent;
    uint32_t dmg_seg, dmg_off;
};

#endif
