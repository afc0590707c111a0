/*
 * fuzz_device_sync.c: the device end of the protocol (firmware/core/sync.c
 * cnd_sync_input) over a real store on a RAM NOR flash, with two packs
 * installed and responses of both pending, answering whatever a host (or
 * anything plugged into the USB port) sends.
 *
 * Input: [flags u8] then operations until the input ends:
 *   [type u8][len u16][payload]  one request frame with a correct CRC (so
 *                                the mutator reaches the handlers); len bit
 *                                15 sends it as the previous protocol
 *                                version (CND_PROTOCOL_VERSION - 1)
 *   0xF0                         the link goes away (cnd_sync_reset)
 *   0xF1                         power cycle: remount the store, new sync
 *   0xF2 [n u8][n bytes]         raw bytes, unframed (garbage, split frames)
 *   0xF3                         an interview starts / ends (busy toggles)
 * flags bit 0: start busy; bits 1-3: cnd_sync_config_t.batch_max (0: the
 * largest batch; 1..7 split the pending responses into several batches,
 * each with its own ACK). Bytes reach cnd_sync_input in pieces of varying
 * size, as a carrier delivers them.
 *
 * Checks (sync.h and store.h promises):
 * - every reply is one well-formed frame of this protocol version, and in
 *   lock-step there is exactly one per request frame;
 * - a batch the device streams (BATCH_INFO then BATCH_DATA from offset 0
 *   to the LAST flag) is, reassembled as the host does it, never longer
 *   than announced, exactly the announced length and CRC at the LAST flag,
 *   at most batch_max responses, and decodes into the announced count of
 *   sealed responses, in increasing sequence
 *   order within the announced [first, last], each exactly as the device
 *   sealed and stored it (every one of those opens with the test office
 *   key, checked once at setup, into the response that was saved): no
 *   garbage ever reaches a host, whatever requests came in between;
 * - afterwards the device boots, and every response that was pending and
 *   is above the acknowledged watermark is still pending.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32 */

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "open_sealed.h"
#include "proto.h"
#include "record.h"
#include "store.h"
#include "sync.h"

#define MAX_PENDING 256

typedef struct {
    uint32_t seq;
    uint8_t id[CND_RESPONSE_ID_LEN];
} seen_t;

static fz_device_t dev;
static uint8_t *snapshot;
static cnd_sync_t sync_state;
static int busy;
static uint16_t batch_max;
static unsigned batches_checked; /* this run; FUZZ_VERBOSE prints it */
static seen_t initial[MAX_PENDING];
static size_t n_initial;
/* Every pending response of the snapshot, sealed as the store keeps it:
 * the only rows a batch may ever carry. */
static cnd_sealed_t stored[MAX_PENDING];

/* The host's view of the batch being streamed. */
static struct {
    int open;
    cnd_msg_batch_info_t info;
    uint8_t raw[CND_BATCH_MAX_LEN];
    uint32_t got;
} host;

static int is_busy(void *ctx)
{
    (void)ctx;
    return busy;
}

/* Pending responses in log order; their sealed rows too when rows. */
static size_t list_pending(cnd_store_t *st, seen_t *out, size_t max, cnd_sealed_t *rows)
{
    static cnd_sealed_t r;
    uint32_t cursor = 0, seq = 0;
    size_t n = 0;
    while (cnd_store_next_pending(st, &cursor, &seq, &r) == CND_OK) {
        FZ_CHECK(n < max);
        FZ_CHECK(r.seq == seq);
        out[n].seq = seq;
        memcpy(out[n].id, r.id, CND_RESPONSE_ID_LEN);
        if (rows != NULL)
            rows[n] = r;
        n++;
    }
    return n;
}

static void boot(void)
{
    cnd_sync_config_t cfg;
    FZ_CHECK(fz_device_mount(&dev) == CND_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &dev.store;
    cfg.busy = is_busy;
    cfg.batch_max = batch_max;
    cnd_sync_init(&sync_state, &cfg);
}

static const cnd_pack_t *pack_for(uint32_t fp)
{
    if (fp == fz_default_pk()->fingerprint)
        return fz_default_pk();
    if (fp == fz_second_pk()->fingerprint)
        return fz_second_pk();
    return NULL;
}

static void setup_once(void)
{
    size_t i;
    if (snapshot != NULL)
        return;
    fz_device_init(&dev, 21);
    fz_device_populate_sync(&dev);
    n_initial = list_pending(&dev.store, initial, MAX_PENDING, stored);
    FZ_CHECK(n_initial == FZ_SYNC_FIRST + FZ_SYNC_SECOND - FZ_SYNC_ACKED);
    /* What the device stored opens at the office into what was saved
     * (fz_device_populate_sync: seeds FZ_SYNC_ACKED.., then 500..). */
    for (i = 0; i < n_initial; i++) {
        cnd_response_t got, want;
        uint32_t seed = i < FZ_SYNC_FIRST - FZ_SYNC_ACKED ? (uint32_t)i + FZ_SYNC_ACKED
                                                         : 500u + (uint32_t)i -
                                                               (FZ_SYNC_FIRST - FZ_SYNC_ACKED);
        const cnd_pack_t *pk = pack_for(stored[i].pack_fp);
        FZ_CHECK(pk != NULL);
        FZ_CHECK(cnd_test_open(&stored[i], pk, 1, &got) == NULL);
        fz_make_response(pk, seed, &want);
        FZ_CHECK(fz_same_response(&got, &want));
    }
    snapshot = malloc(FZ_FLASH_SIZE);
    FZ_CHECK(snapshot != NULL);
    memcpy(snapshot, dev.rf.mem, FZ_FLASH_SIZE);
}

/* The stored row with this seq, or NULL. */
static const cnd_sealed_t *stored_row(uint32_t seq)
{
    size_t i;
    for (i = 0; i < n_initial; i++)
        if (stored[i].seq == seq)
            return &stored[i];
    return NULL;
}

/* The whole batch as a host would check it before storing anything. */
static void host_checks_batch(void)
{
    static cnd_sealed_t rs[CND_BATCH_MAX_RESPONSES];
    uint16_t n = 0, i;
    const cnd_pack_t *pk = pack_for(host.info.fingerprint);
    FZ_CHECK(host.got == host.info.ulen);
    FZ_CHECK((uint32_t)crc32(0L, host.raw, host.got) == host.info.ucrc);
    FZ_CHECK(cnd_batch_decode(host.raw, host.got, rs, CND_BATCH_MAX_RESPONSES, &n) == CND_OK);
    FZ_CHECK(n == host.info.count);
    /* The run saves nothing: every row is one the snapshot's store holds,
     * byte for byte (so it opens, setup_once), of the announced pack and
     * range, in log order, sealed to that pack's office. */
    for (i = 0; i < n; i++) {
        const cnd_sealed_t *want = stored_row(rs[i].seq);
        FZ_CHECK(rs[i].pack_fp == host.info.fingerprint);
        FZ_CHECK(rs[i].seq >= host.info.first_seq && rs[i].seq <= host.info.last_seq);
        FZ_CHECK(i == 0 || rs[i].seq > rs[i - 1].seq);
        FZ_CHECK(want != NULL && fz_same_sealed(&rs[i], want));
        FZ_CHECK(pk != NULL && memcmp(rs[i].epoch.office_pub, cnd_pack_office_x25519(pk),
                                      CND_X25519_LEN) == 0);
    }
    batches_checked++;
}

static void on_reply(const uint8_t *reply, size_t len)
{
    cnd_frame_t f;
    FZ_CHECK(len <= CND_SYNC_REPLY_MAX);
    FZ_CHECK(cnd_frame_decode(reply, len, &f) == CND_OK);
    FZ_CHECK(f.version == CND_PROTOCOL_VERSION);
    if (f.type == CND_MSG_BATCH_INFO) {
        FZ_CHECK(cnd_msg_decode_batch_info(f.payload, f.len, &host.info) == CND_OK);
        host.open = host.info.count > 0;
        host.got = 0;
        if (host.open)
            FZ_CHECK(host.info.count <= (batch_max ? batch_max : CND_BATCH_MAX_RESPONSES) &&
                     host.info.first_seq <= host.info.last_seq &&
                     host.info.ulen >= CND_BATCH_HEADER_LEN &&
                     host.info.ulen <= CND_BATCH_MAX_LEN);
    } else if (f.type == CND_MSG_BATCH_DATA) {
        cnd_msg_batch_data_t d;
        FZ_CHECK(cnd_msg_decode_batch_data(f.payload, f.len, &d) == CND_OK);
        if (!host.open || d.offset != host.got)
            return; /* a host that asked out of turn; not a stream it follows */
        /* As host/link/sync.c pull_stream(): the chunks fill exactly the
         * announced length, each moves something until the last. */
        FZ_CHECK(d.len <= host.info.ulen - host.got);
        FZ_CHECK(d.len > 0 || (d.flags & CND_MSG_BATCH_LAST));
        memcpy(host.raw + host.got, d.data, d.len);
        host.got += d.len;
        if (d.flags & CND_MSG_BATCH_LAST) {
            host_checks_batch();
            host.open = 0;
        }
    } else if (f.type == CND_MSG_ERROR) {
        cnd_msg_error_t e;
        FZ_CHECK(cnd_msg_decode_error(f.payload, f.len, &e) == CND_OK);
        FZ_CHECK(e.status != CND_OK);
    }
}

/* Feeds bytes in carrier-sized pieces; returns the replies produced. */
static size_t deliver(const uint8_t *b, size_t n, uint32_t *rng)
{
    static uint8_t reply[CND_SYNC_REPLY_MAX];
    size_t pos = 0, replies = 0;
    while (pos < n) {
        size_t piece, used, rlen = 0;
        *rng = *rng * 1103515245u + 12345u;
        piece = 1 + (*rng >> 8) % 600;
        if (piece > n - pos)
            piece = n - pos;
        used = cnd_sync_input(&sync_state, b + pos, piece, reply, sizeof reply, &rlen);
        FZ_CHECK(used <= piece);
        FZ_CHECK(used > 0 || rlen > 0); /* always progress */
        pos += used;
        if (rlen > 0) {
            on_reply(reply, rlen);
            replies++;
        }
    }
    return replies;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[CND_FRAME_MAX_SIZE];
    seen_t now[MAX_PENDING];
    size_t frames = 0, replies = 0, n_now, i;
    int raw_used = 0;
    uint32_t rng = 12345u, ack;
    uint8_t flags;
    fz_in_t in;

    setup_once();
    memcpy(dev.rf.mem, snapshot, FZ_FLASH_SIZE);
    fz_in_init(&in, data, size);
    flags = fz_u8(&in);
    busy = flags & 1;
    batch_max = (uint16_t)((flags >> 1) & 7u);
    memset(&host, 0, sizeof host);
    batches_checked = 0;
    boot();
    while (fz_left(&in) > 0) {
        uint8_t op = fz_u8(&in);
        if (op == 0xF0) {
            cnd_sync_reset(&sync_state);
            host.open = 0;
        } else if (op == 0xF1) {
            boot();
            host.open = 0;
        } else if (op == 0xF2) {
            const uint8_t *b;
            size_t n = fz_take(&in, fz_u8(&in), &b);
            replies += deliver(b, n, &rng);
            raw_used = 1;
        } else if (op == 0xF3) {
            busy = !busy;
        } else {
            uint16_t lv = fz_u16(&in);
            uint8_t version = (lv & 0x8000) ? (uint8_t)(CND_PROTOCOL_VERSION - 1) : CND_PROTOCOL_VERSION;
            const uint8_t *payload;
            size_t len = fz_take(&in, (lv & 0x7FFF) % (CND_FRAME_MAX_PAYLOAD + 1), &payload), n;
            FZ_CHECK(cnd_frame_encode(frame, sizeof frame, version, op, payload, len, &n) ==
                     CND_OK);
            replies += deliver(frame, n, &rng);
            frames++;
        }
    }
    if (!raw_used)
        FZ_CHECK(replies == frames);
    if (getenv("FUZZ_VERBOSE") != NULL) /* to check what a seed reaches */
        fprintf(stderr, "device_sync: %zu frames, %u batches checked\n", frames,
                batches_checked);

    /* Power cycle: the device boots, and nothing unacknowledged is gone. */
    boot();
    ack = dev.store.ack;
    n_now = list_pending(&dev.store, now, MAX_PENDING, NULL);
    FZ_CHECK(n_now == cnd_store_pending_count(&dev.store));
    for (i = 0; i < n_now; i++)
        FZ_CHECK(now[i].seq > ack);
    for (i = 0; i < n_initial; i++) {
        size_t k;
        int found = 0;
        if (initial[i].seq <= ack)
            continue;
        for (k = 0; k < n_now && !found; k++)
            found = memcmp(now[k].id, initial[i].id, CND_RESPONSE_ID_LEN) == 0;
        FZ_CHECK(found);
    }
    return 0;
}
