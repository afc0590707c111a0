/*
 * gen_seeds.c: writes the seed corpora of tests/fuzz/corpus/<harness>/
 * from real outputs of the real code: the compiled default survey, frames
 * of a real sync and push between the host client and a device, the
 * batches that sync carried, flash images of devices in several states
 * (responses sealed by the real store), a .cnb file the host store wrote,
 * and sealed responses made as a device makes them (fz_seal_responses,
 * to the test office key). Run by `tools/fuzz.sh seeds DIR`; the output is
 * committed, so a change to a format is visible in review. Everything is
 * deterministic (fixed test keys, seeded RNGs), so regenerating without a
 * format change rewrites the same bytes.
 *
 * Every seed is laid out exactly as its harness reads its input (see the
 * comment at the top of each fuzz_*.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "proto.h"
#include "record.h"
#include "sealed.h"
#include "store.h"
#include "sync.h"

static const char *out_root;
static const uint8_t seed_dev[CND_DEVICE_ID_LEN] = {0x5E, 0xED, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05};

/* ---- output ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 64;
        uint8_t *q = realloc(b->p, cap);
        FZ_CHECK(q != NULL);
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_u8(buf_t *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_u16(buf_t *b, uint16_t v)
{
    uint8_t x[2];
    cnd_wire_put_u16(x, v);
    put(b, x, 2);
}

static void put_u32(buf_t *b, uint32_t v)
{
    uint8_t x[4];
    cnd_wire_put_u32(x, v);
    put(b, x, 4);
}

static void seed(const char *harness, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_root, harness);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_root, harness, name);
    FZ_CHECK(fz_write_file(path, p, n) == 0);
}

static void seed_buf(const char *harness, const char *name, buf_t *b)
{
    seed(harness, name, b->p, b->len);
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- a device behind a transport that records every frame ---- */

#define MAX_LOG 4096

typedef struct {
    uint8_t type, version;
    uint16_t len;
    uint8_t payload[CND_FRAME_MAX_PAYLOAD];
} logged_t;

typedef struct {
    cnd_transport_t base;
    cnd_sync_t *dev;
    uint8_t q[CND_SYNC_REPLY_MAX * 2];
    size_t q_pos, q_len;
    logged_t *req, *rep;
    size_t n_req, n_rep;
    buf_t wire; /* both directions, in order, as a capture shows them */
} tap_t;

static void log_frame(logged_t *to, size_t *n, const uint8_t *buf, size_t len)
{
    cnd_frame_t f;
    FZ_CHECK(cnd_frame_decode(buf, len, &f) == CND_OK);
    FZ_CHECK(*n < MAX_LOG);
    to[*n].type = f.type;
    to[*n].version = f.version;
    to[*n].len = f.len;
    memcpy(to[*n].payload, f.payload, f.len);
    (*n)++;
}

static cnd_status_t tap_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    tap_t *tp = (tap_t *)t;
    size_t used = 0;
    (void)timeout_ms;
    log_frame(tp->req, &tp->n_req, buf, n);
    put(&tp->wire, buf, n);
    while (used < n) {
        uint8_t reply[CND_SYNC_REPLY_MAX];
        size_t rlen = 0;
        used += cnd_sync_input(tp->dev, buf + used, n - used, reply, sizeof reply, &rlen);
        if (rlen > 0) {
            log_frame(tp->rep, &tp->n_rep, reply, rlen);
            put(&tp->wire, reply, rlen);
            if (tp->q_pos == tp->q_len)
                tp->q_pos = tp->q_len = 0;
            memcpy(tp->q + tp->q_len, reply, rlen);
            tp->q_len += rlen;
        }
    }
    return CND_OK;
}

static cnd_status_t tap_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                             int timeout_ms)
{
    tap_t *tp = (tap_t *)t;
    size_t n = tp->q_len - tp->q_pos;
    (void)timeout_ms;
    *got = 0;
    if (n == 0)
        return CND_E_TIMEOUT;
    if (n > cap)
        n = cap;
    memcpy(buf, tp->q + tp->q_pos, n);
    tp->q_pos += n;
    *got = n;
    return CND_OK;
}

static void tap_close(cnd_transport_t *t)
{
    (void)t; /* the tap outlives the link; freed by its owner */
}

static tap_t *tap_new(cnd_sync_t *dev)
{
    tap_t *tp = calloc(1, sizeof *tp);
    FZ_CHECK(tp != NULL);
    tp->req = calloc(MAX_LOG, sizeof *tp->req);
    tp->rep = calloc(MAX_LOG, sizeof *tp->rep);
    FZ_CHECK(tp->req != NULL && tp->rep != NULL);
    strcpy(tp->base.name, "seed:tap");
    tp->base.send = tap_send;
    tp->base.recv = tap_recv;
    tp->base.close = tap_close;
    tp->dev = dev;
    return tp;
}

static void tap_free(tap_t *tp)
{
    free(tp->req);
    free(tp->rep);
    free(tp->wire.p);
    free(tp);
}

static void put_logged(buf_t *b, const logged_t *l)
{
    put_u8(b, l->type);
    put_u16(b, l->len);
    put(b, l->payload, l->len);
}

/* ---- device seeds and the sync they produce ---- */

static fz_device_t dev;
static cnd_sync_t sync_dev;

static void device_like_device_sync_harness(uint16_t batch_max)
{
    cnd_sync_config_t cfg;
    fz_device_init(&dev, 21);
    fz_device_populate_sync(&dev);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &dev.store;
    cfg.batch_max = batch_max;
    cnd_sync_init(&sync_dev, &cfg);
}

/* device_sync and host_sync seeds of a sync whose device sends batches of
 * at most batch_max (fuzz_device_sync flags bits 1-3): several batches,
 * each acknowledged, per pack. */
static void small_batch_seeds(const tap_t *tp, uint16_t batch_max, size_t push_at)
{
    buf_t b = {0};
    size_t i;
    put_u8(&b, (uint8_t)(batch_max << 1));
    for (i = 0; i < push_at; i++)
        put_logged(&b, &tp->req[i]);
    seed_buf("device_sync", "real_sync_batches_of_3", &b);
    put_u8(&b, 0);
    for (i = 0; i < push_at; i++)
        put_logged(&b, &tp->rep[i]);
    seed_buf("host_sync", "real_replies_batches_of_3", &b);
}

static char *temp_store(void)
{
    char *d = fz_make_temp_dir("seeds");
    return d;
}

/* A real sync, then a push; batch_max as the device is configured (0 for
 * the largest batches: every seed; 3: small_batch_seeds only). */
static void sync_seeds(uint16_t batch_max)
{
    tap_t *tp;
    cnd_link_t *link = calloc(1, sizeof *link);
    cnd_hoststore_t *hs = NULL;
    cnd_hostsync_report_t rep;
    cnd_err_t err;
    char *dir = temp_store();
    buf_t b = {0};
    size_t i;
    uint32_t len;

    FZ_CHECK(link != NULL);
    device_like_device_sync_harness(batch_max);
    tp = tap_new(&sync_dev);
    cnd_link_init(link, &tp->base);
    FZ_CHECK(cnd_hoststore_open(dir, 1, &hs, &err) == CND_OK);
    FZ_CHECK(cnd_hostsync_run(link, hs, NULL, NULL, &rep, &err) == CND_OK);
    FZ_CHECK(rep.added == FZ_SYNC_FIRST + FZ_SYNC_SECOND - FZ_SYNC_ACKED &&
             rep.packs_fetched == 2);
    /* Then a push of the default pack (it is installed: switches back). */
    {
        const uint8_t *p = fz_default_pack(&len);
        FZ_CHECK(cnd_link_push_pack(link, p, len, fz_default_pk()->fingerprint, &err) == CND_OK);
    }
    printf("gen_seeds: a real sync (batch_max %u): %zu requests, %zu replies, %zu wire bytes\n",
           (unsigned)batch_max, tp->n_req, tp->n_rep, tp->wire.len);
    if (batch_max != 0) {
        for (i = 0; i < tp->n_req && tp->req[i].type != CND_MSG_PUSH_BEGIN; i++)
            ;
        small_batch_seeds(tp, batch_max, i);
        goto done;
    }

    /* frame: the raw capture, and the same frames sealed. Captures are
     * split in two seeds to keep each small. */
    put_u8(&b, 0x11);
    put_u8(&b, 0);
    put(&b, tp->wire.p, tp->wire.len < 8192 ? tp->wire.len : 8192);
    seed_buf("frame", "capture_raw_start", &b);
    put_u8(&b, 0x5A);
    put_u8(&b, 1);
    for (i = 0; i < tp->n_rep && i < 24; i++) {
        put_u8(&b, tp->rep[i].version);
        put_logged(&b, &tp->rep[i]);
    }
    seed_buf("frame", "replies_sealed", &b);
    put_u8(&b, 0x3C);
    put_u8(&b, 1);
    for (i = 0; i < tp->n_req && i < 24; i++) {
        put_u8(&b, tp->req[i].version);
        put_logged(&b, &tp->req[i]);
    }
    seed_buf("frame", "requests_sealed", &b);

    /* device_sync: the host's requests, as the device got them; the sync
     * part and the push part separately. */
    {
        size_t push_at = tp->n_req;
        for (i = 0; i < tp->n_req; i++)
            if (tp->req[i].type == CND_MSG_PUSH_BEGIN) {
                push_at = i;
                break;
            }
        put_u8(&b, 0);
        for (i = 0; i < push_at; i++)
            put_logged(&b, &tp->req[i]);
        seed_buf("device_sync", "real_sync", &b);
        put_u8(&b, 0);
        for (i = push_at; i < tp->n_req; i++)
            put_logged(&b, &tp->req[i]);
        seed_buf("device_sync", "real_push", &b);
        put_u8(&b, 1); /* busy: the push is refused */
        for (i = push_at; i < tp->n_req && i < push_at + 3; i++)
            put_logged(&b, &tp->req[i]);
        seed_buf("device_sync", "push_while_busy", &b);
        /* a batch interrupted by the cable and by a reboot, then resumed */
        put_u8(&b, 0);
        for (i = 0; i < push_at && tp->req[i].type != CND_MSG_PULL_DATA; i++)
            put_logged(&b, &tp->req[i]);
        put_logged(&b, &tp->req[i]);
        put_u8(&b, 0xF0);
        put_u8(&b, 0xF2);
        put_u8(&b, 5);
        put(&b, "CN\x01\x06\x00", 5);
        put_u8(&b, 0xF1);
        for (i = 0; i < push_at; i++)
            put_logged(&b, &tp->req[i]);
        seed_buf("device_sync", "interrupted_then_resumed", &b);
    }

    /* host_sync: the device's replies, one per request, as scripted. */
    put_u8(&b, 0);
    for (i = 0; i < tp->n_rep; i++) {
        if (tp->req[i].type == CND_MSG_PUSH_BEGIN)
            break;
        put_logged(&b, &tp->rep[i]);
    }
    seed_buf("host_sync", "real_replies", &b);

done:
    cnd_link_close(link);
    cnd_hoststore_close(hs);
    fz_remove_tree(dir);
    free(dir);
    free(link);
    tap_free(tp);
    fz_device_free(&dev);
}

/* A record body (mode 2) whose multi answer ticks "nothing" with "more
 * hours": the encoder cannot write it, so it is made from two bodies that
 * differ only in that item's code (LSB-first bit stream, code = mask - 1),
 * then checked: refused by the decoder (SPEC 1.7 "Exclusive choices"). */
static void record_exclusive_seed(const cnd_response_t *base)
{
    const cnd_pack_t *pk = fz_default_pk();
    uint8_t a[1 + CND_RECORD_BODY_MAX], b[CND_RECORD_BODY_MAX];
    size_t al = 0, bl = 0, i, at = 0;
    int item = cnd_pack_find_item(pk, "terms_differ", 12), found = 0;
    cnd_response_t r = *base, back;
    cnd_item_t it;
    uint8_t nothing = 0, c;
    FZ_CHECK(item >= 0 && cnd_pack_item(pk, (uint16_t)item, &it) == CND_OK);
    for (c = 0; c < it.n_choices; c++)
        if ((it.exclusive >> c) & 1u)
            nothing = c;
    FZ_CHECK(it.exclusive != 0 && nothing > 0);
    r.answers[item].state = CND_ANS_VALUE;
    r.answers[item].value = 1; /* more hours alone: code 0 */
    FZ_CHECK(cnd_record_encode(&r, pk, a + 1, CND_RECORD_BODY_MAX, &al) == CND_OK);
    r.answers[item].value = 2; /* code 1: the code's lowest bit */
    FZ_CHECK(cnd_record_encode(&r, pk, b, sizeof b, &bl) == CND_OK && bl == al);
    for (i = 0; i < al * 8 && !found; i++)
        if (((a[1 + i / 8] ^ b[i / 8]) >> (i % 8)) & 1u) {
            at = i;
            found = 1;
        }
    FZ_CHECK(found);
    /* code (1 | 1 << nothing) - 1 = 1 << nothing, set on top of code 0 */
    at += nothing;
    a[1 + at / 8] = (uint8_t)(a[1 + at / 8] | (1u << (at % 8)));
    FZ_CHECK(cnd_record_decode(a + 1, al, pk, &back) == CND_E_INVALID);
    r.answers[item].value = (int32_t)(1u | (1u << nothing));
    FZ_CHECK(cnd_record_encode(&r, pk, b, sizeof b, &bl) == CND_E_INVALID);
    a[0] = 2;
    seed("batch", "record_not_exclusive", a, al + 1);
}

/* fuzz_batch seeds for the flash codecs (modes 2..5), from one response
 * (seed 40 of the default pack) and its sealed form s. */
static void codec_seeds(const cnd_sealed_t *s)
{
    uint8_t body[1 + CND_RECORD_BODY_MAX];
    uint8_t sealed[1 + CND_SEALED_BODY_MAX], ep[1 + CND_EPOCH_BODY_LEN];
    uint8_t ent[1 + CND_ENTRY_HEADER_LEN + CND_ENTRY_BODY_MAX];
    size_t bl = 0, sl = CND_SEALED_HEADER_LEN + s->ct_len;
    cnd_response_t r;
    fz_make_response(fz_default_pk(), 40, &r);
    FZ_CHECK(memcmp(r.id, s->id, CND_RESPONSE_ID_LEN) == 0);
    /* mode 2: the plaintext record body */
    FZ_CHECK(cnd_record_encode(&r, fz_default_pk(), body + 1, CND_RECORD_BODY_MAX, &bl) == CND_OK);
    body[0] = 2;
    seed("batch", "record", body, bl + 1);
    record_exclusive_seed(&r);
    /* mode 4: the RESPONSE entry body as the store writes it (its EPOCH
     * entry at offset 16 of the block, after the segment header) */
    sealed[0] = 4;
    cnd_sealed_header_encode(sealed + 1, s->id, s->pack_fp, s->ctr, 16);
    memcpy(sealed + 1 + CND_SEALED_HEADER_LEN, s->ct, s->ct_len);
    seed("batch", "sealed_body", sealed, 1 + sl);
    /* mode 4 again, with the plaintext where the ciphertext goes: reaches
     * cnd_sealed_join as if it had opened */
    memcpy(sealed + 1 + CND_SEALED_HEADER_LEN, body + 1 + CND_SEALED_CLEAR_OF_RECORD,
           bl - CND_SEALED_CLEAR_OF_RECORD);
    memset(sealed + 1 + CND_SEALED_HEADER_LEN + bl - CND_SEALED_CLEAR_OF_RECORD, 0,
           CND_SEAL_TAG_LEN);
    seed("batch", "sealed_body_plain", sealed, 1 + sl);
    /* mode 5: its EPOCH entry body */
    ep[0] = 5;
    cnd_epoch_encode(ep + 1, &s->epoch);
    seed("batch", "epoch", ep, sizeof ep);
    /* mode 3: both as log entries */
    ent[0] = 3;
    cnd_sealed_header_encode(sealed, s->id, s->pack_fp, s->ctr, 16);
    memcpy(sealed + CND_SEALED_HEADER_LEN, s->ct, s->ct_len);
    cnd_entry_header_encode(ent + 1, CND_ENTRY_RESPONSE, 7, sealed, (uint16_t)sl);
    memcpy(ent + 1 + CND_ENTRY_HEADER_LEN, sealed, sl);
    seed("batch", "entry", ent, 1 + CND_ENTRY_HEADER_LEN + sl);
    cnd_entry_header_encode(ent + 1, CND_ENTRY_EPOCH, 0, ep + 1, CND_EPOCH_BODY_LEN);
    memcpy(ent + 1 + CND_ENTRY_HEADER_LEN, ep + 1, CND_EPOCH_BODY_LEN);
    seed("batch", "entry_epoch", ent, 1 + CND_ENTRY_HEADER_LEN + CND_EPOCH_BODY_LEN);
}

/* host_sync seeds that use the harness-made replies: a device with one
 * pack and one batch, a store that lacks the pack (fetched with 0xF6). */
static void host_script_seeds(void)
{
    static uint8_t raw[CND_BATCH_MAX_LEN];
    static cnd_sealed_t rs[5];
    uint8_t pl[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_hello_t h;
    size_t n = 0, rlen;
    uint32_t len, k;
    buf_t b = {0};
    const cnd_pack_t *pk = fz_default_pk();

    memset(&h, 0, sizeof h);
    memcpy(h.device_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    strcpy(h.firmware, "0.1.0");
    h.protocol = CND_PROTOCOL_VERSION;
    h.pending = 5;
    h.n_surveys = 1;
    h.surveys[0].fingerprint = pk->fingerprint;
    h.surveys[0].flags = CND_MSG_SURVEY_ACTIVE;
    h.surveys[0].pending = 5;
    strcpy(h.surveys[0].survey_id, "domestic-work");
    FZ_CHECK(cnd_msg_encode_hello(&h, pl, sizeof pl, &n) == CND_OK);

    /* seqs 17..21: the BATCH_INFO below announces first 17 */
    fz_seal_responses(pk, 40, 5, 17, seed_dev, rs);
    rlen = fz_encode_batch(rs, 5, raw, sizeof raw);
    (void)fz_default_pack(&len);
    /* HELLO_REPLY, pack chunks (0xF6) until the whole pack is there,
     * BATCH_INFO (0xF4), BATCH_DATA (0xF5), OK to the ACK, BATCH_INFO
     * with count 0, final HELLO_REPLY. */
    put_u8(&b, 0);
    put_u8(&b, CND_MSG_HELLO_REPLY);
    put_u16(&b, (uint16_t)n);
    put(&b, pl, n);
    for (k = 0; k < (len + CND_MSG_PACK_CHUNK_MAX - 1) / CND_MSG_PACK_CHUNK_MAX; k++)
        put_u8(&b, 0xF6);
    put_u8(&b, 0xF4);
    put_u32(&b, 17);
    put_u16(&b, (uint16_t)rlen);
    put(&b, raw, rlen);
    put_u8(&b, 0xF5);
    put_u8(&b, CND_MSG_OK);
    put_u16(&b, 0);
    {
        cnd_msg_batch_info_t none;
        size_t m = 0;
        uint8_t q[64];
        memset(&none, 0, sizeof none);
        FZ_CHECK(cnd_msg_encode_batch_info(&none, q, sizeof q, &m) == CND_OK);
        put_u8(&b, CND_MSG_BATCH_INFO);
        put_u16(&b, (uint16_t)m);
        put(&b, q, m);
    }
    h.pending = 0;
    h.surveys[0].pending = 0;
    FZ_CHECK(cnd_msg_encode_hello(&h, pl, sizeof pl, &n) == CND_OK);
    put_u8(&b, CND_MSG_HELLO_REPLY);
    put_u16(&b, (uint16_t)n);
    put(&b, pl, n);
    seed_buf("host_sync", "scripted_fetch_and_batch", &b);

    /* The same with the pack already stored, and a refusal. */
    put_u8(&b, 1);
    put_u8(&b, CND_MSG_HELLO_REPLY);
    put_u16(&b, (uint16_t)n);
    put(&b, pl, n);
    {
        size_t m = 0;
        uint8_t q[128];
        FZ_CHECK(cnd_msg_encode_error(CND_E_BUSY, "busy", q, sizeof q, &m) == CND_OK);
        put_u8(&b, CND_MSG_ERROR);
        put_u16(&b, (uint16_t)m);
        put(&b, q, m);
    }
    seed_buf("host_sync", "stored_pack_then_refusal", &b);

    /* The pack stored, the batch in chunks of 100 bytes (0xF7), acked;
     * then the device goes silent. */
    h.pending = 5;
    h.surveys[0].pending = 5;
    FZ_CHECK(cnd_msg_encode_hello(&h, pl, sizeof pl, &n) == CND_OK);
    put_u8(&b, 1);
    put_u8(&b, CND_MSG_HELLO_REPLY);
    put_u16(&b, (uint16_t)n);
    put(&b, pl, n);
    put_u8(&b, 0xF4);
    put_u32(&b, 17);
    put_u16(&b, (uint16_t)rlen);
    put(&b, raw, rlen);
    for (k = 0; k < rlen; k += 100) {
        put_u8(&b, 0xF7);
        put_u16(&b, 100);
    }
    put_u8(&b, CND_MSG_OK);
    put_u16(&b, 0);
    seed_buf("host_sync", "stored_pack_batch_in_small_chunks", &b);

    /* batch seeds from the same 5 responses */
    put_u8(&b, 0);
    put(&b, raw, rlen);
    seed_buf("batch", "raw_5", &b);
    codec_seeds(&rs[0]);
}

static void batch_seed(const char *name, const cnd_sealed_t *rs, uint16_t n)
{
    static uint8_t raw[CND_BATCH_MAX_LEN];
    size_t rlen = fz_encode_batch(rs, n, raw, sizeof raw);
    buf_t b = {0};
    put_u8(&b, 0);
    put(&b, raw, rlen);
    seed_buf("batch", name, &b);
}

/* Mode 1 of fuzz_batch (rows for the encoder): one row as its ctl byte
 * and fields describe it. */
static void put_row_ctl(buf_t *b, uint8_t ctl, uint32_t seq, uint32_t ctr, uint8_t id0,
                        uint16_t ct_len)
{
    uint8_t id[CND_RESPONSE_ID_LEN], ct[CND_SEALED_CT_MAX];
    size_t i;
    put_u8(b, ctl);
    if (ctl & 8)
        put_u32(b, seq);
    if (ctl & 0x10)
        put_u32(b, ctr);
    for (i = 0; i < sizeof id; i++)
        id[i] = (uint8_t)(id0 + i);
    put(b, id, sizeof id);
    if (ctl & 0x40)
        put_u16(b, ct_len);
    else
        ct_len = (uint16_t)(CND_SEAL_TAG_LEN + 1u + (ctl & 7u));
    for (i = 0; i < ct_len && i < sizeof ct; i++)
        ct[i] = (uint8_t)(i * 37u + id0);
    put(b, ct, i);
}

/*
 * Batches as sync and the host store carry them: of 1, 5 (host_script_seeds)
 * and 128 responses of one epoch; one whose rows span three epochs with
 * gaps in seq and chain index (what a device sends after responses of
 * another pack were interleaved and after reboots started new epochs), so
 * every row flag occurs; and rows for the encoder (mode 1) that walk the
 * edges: seq wrapping past 2^32 - 1, the last chain index, a ciphertext
 * of the largest length, a repeated epoch, a foreign pack.
 */
static void batch_seeds(void)
{
    static cnd_sealed_t rs[128], mixed[13];
    buf_t b = {0};
    uint16_t i;
    fz_seal_responses(fz_default_pk(), 0, 128, 1, seed_dev, rs);
    batch_seed("raw_128", rs, 128);
    batch_seed("raw_1", rs, 1);
    /* epoch A: seqs 1..4; epoch B: seqs 9..12 of which 10 went to another
     * pack; epoch C: seqs 20.., first record of the epoch missing */
    fz_seal_responses(fz_default_pk(), 200, 4, 1, seed_dev, mixed);
    fz_seal_responses(fz_default_pk(), 210, 4, 9, seed_dev, mixed + 4);
    fz_seal_responses(fz_default_pk(), 220, 5, 20, seed_dev, mixed + 8);
    mixed[5] = mixed[6];
    mixed[6] = mixed[7];
    for (i = 7; i < 11; i++)
        mixed[i] = mixed[i + 2]; /* epoch C from its second record */
    mixed[11] = mixed[10];
    mixed[11].seq = 40; /* a gap inside the epoch */
    mixed[11].ctr = 9;
    memset(mixed[11].id, 0x77, CND_RESPONSE_ID_LEN);
    batch_seed("raw_three_epochs", mixed, 12);

    put_u8(&b, 1);
    put_u8(&b, 0x11);
    put_row_ctl(&b, 0x08, 0xFFFFFFFEu, 0, 1, 0); /* seq 2^32 - 2, then implied */
    put_row_ctl(&b, 0x00, 0, 0, 2, 0);
    put_row_ctl(&b, 0x00, 0, 0, 3, 0);           /* seq wraps to 0: explicit */
    put_row_ctl(&b, 0x03, 0, 0, 4, 0);           /* epoch 1: ctr back to 0 */
    put_row_ctl(&b, 0x10, 0, 7, 5, 0);           /* ctr gap */
    put_row_ctl(&b, 0x01, 0, 0, 6, 0);           /* epoch 0 again */
    put_row_ctl(&b, 0x41, 0, 0, 7, CND_SEALED_CT_MAX); /* same epoch named again */
    put_row_ctl(&b, 0x80, 0, 0, 8, 0);           /* the last chain index */
    seed_buf("batch", "rows_edges", &b);
    put_u8(&b, 1);
    put_u8(&b, 0x2);
    put_row_ctl(&b, 0x18, 5, 3, 1, 0);
    put_row_ctl(&b, 0x00, 0, 0, 2, 0);
    put_row_ctl(&b, 0x80, 0, 0, 3, 0);
    put_row_ctl(&b, 0x00, 0, 0, 4, 0);           /* implied ctr 65536: refused */
    seed_buf("batch", "rows_ctr_overflow", &b);
    put_u8(&b, 1);
    put_u8(&b, 0x3);
    put_row_ctl(&b, 0x08, 1, 0, 1, 0);
    put_row_ctl(&b, 0x20, 0, 0, 2, 0);           /* another pack: refused */
    seed_buf("batch", "rows_foreign_pack", &b);
}

/* A .cnb the host store wrote for 3 responses. */
static void cnb_seeds(void)
{
    char *dir = temp_store();
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    static cnd_sealed_t rs[3];
    size_t added = 0;
    uint32_t len;
    const uint8_t *p = fz_default_pack(&len);
    char fdir[700];
    DIR *d;
    struct dirent *e;
    FZ_CHECK(cnd_hoststore_open(dir, 1, &hs, &err) == CND_OK);
    FZ_CHECK(cnd_hoststore_put_pack(hs, p, len, &err) == CND_OK);
    fz_seal_responses(fz_default_pk(), 70, 3, 1, seed_dev, rs);
    FZ_CHECK(cnd_hoststore_put_responses(hs, rs, 3, &added, &err) == CND_OK && added == 3);
    cnd_hoststore_close(hs);
    snprintf(fdir, sizeof fdir, "%s/responses/%08x", dir, (unsigned)fz_default_pk()->fingerprint);
    d = opendir(fdir);
    FZ_CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        FILE *f;
        uint8_t buf[1 + 65536];
        size_t n;
        if (strstr(e->d_name, ".cnb") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", fdir, e->d_name);
        f = fopen(path, "rb");
        FZ_CHECK(f != NULL);
        n = fread(buf + 1, 1, sizeof buf - 1, f);
        fclose(f);
        buf[0] = 0;
        seed("cnb", "store_wrote_3", buf, n + 1);
        buf[0] = 1;
        seed("cnb", "store_wrote_3_truth", buf, n + 1);
        seed("cnb", "truncated_header", buf, 12);
    }
    closedir(d);
    fz_remove_tree(dir);
    free(dir);
}

/* ---- flash images, laid out as fuzz_store_mount reads them ---- */

static void image_seed(const char *name, fz_device_t *d, uint8_t flags)
{
    buf_t b = {0};
    size_t log_len = (size_t)FZ_LOG_BLOCKS * FZ_BLOCK, meta = 3u * FZ_BLOCK;
    const uint8_t *mem = d->rf.mem;
    /* Trailing erased bytes read erased anyway: leave them out. */
    while (log_len > 0 && mem[(size_t)FZ_LOG_FIRST * FZ_BLOCK + log_len - 1] == 0xFF)
        log_len--;
    put_u8(&b, flags);
    if (log_len == 0) {
        while (meta > 0 && mem[meta - 1] == 0xFF)
            meta--;
        put(&b, mem, meta);
    } else {
        put(&b, mem, meta);
        put(&b, mem + (size_t)FZ_LOG_FIRST * FZ_BLOCK, log_len);
    }
    seed_buf("store_mount", name, &b);
}

static void store_seeds(void)
{
    fz_device_t d;
    cnd_response_t r;
    static cnd_sealed_t s;
    uint32_t i, cursor = 0, seq = 0, wraps, head;
    uint8_t flags0 = 0;

    seed("store_mount", "blank", &flags0, 1);
    fz_device_init(&d, 3);
    FZ_CHECK(fz_device_mount(&d) == CND_OK);
    image_seed("formatted", &d, 0);
    fz_device_free(&d);

    fz_device_init(&d, 3);
    fz_device_populate(&d, 12, 0);
    image_seed("twelve_pending", &d, 1 | 4); /* 4: open the saved response */
    fz_device_free(&d);

    fz_device_init(&d, 4);
    fz_device_populate(&d, 20, 9);
    image_seed("some_acked", &d, 3);
    fz_device_free(&d);

    /* The log wrapped twice: saves and acks until segments came back, and
     * on until the head is early in the blocks an image covers. */
    fz_device_init(&d, 5);
    fz_device_populate(&d, 0, 0);
    for (i = 0, wraps = 0, head = 0; wraps < 2 || d.store.head + 2 >= FZ_LOG_BLOCKS; i++) {
        if (d.store.head < head)
            wraps++;
        head = d.store.head;
        fz_make_response(fz_default_pk(), i, &r);
        FZ_CHECK(cnd_store_append_response(&d.store, &r, fz_default_pk()) == CND_OK);
        if (i % 10 == 9) {
            cursor = 0;
            while (cnd_store_next_pending(&d.store, &cursor, &seq, &s) == CND_OK)
                ;
            FZ_CHECK(cnd_store_ack(&d.store, seq) == CND_OK);
        }
    }
    for (i = 0; i < 5; i++) {
        fz_make_response(fz_default_pk(), 1000000u + i, &r);
        FZ_CHECK(cnd_store_append_response(&d.store, &r, fz_default_pk()) == CND_OK);
    }
    image_seed("wrapped", &d, 1);

    /* A power cut tore the next save. */
    cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, 0, 20);
    fz_make_response(fz_default_pk(), 999, &r);
    FZ_CHECK(cnd_store_append_response(&d.store, &r, fz_default_pk()) != CND_OK);
    image_seed("torn_last_save", &d, 1 | 4);
    fz_device_free(&d);
}

/* ---- packs and sources ---- */

static void pack_seeds(void)
{
    uint32_t len;
    const uint8_t *p = fz_default_pack(&len);
    buf_t b = {0};
    static const uint8_t keys[] = {2, 2, 0, 2, 2, 1, 2, 2, 2, 5, 2, 3, 2, 1, 1, 2, 2, 2, 2,
                                   2, 2, 2, 2, 0, 0, 2, 2, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    put_u8(&b, 0);
    put_u8(&b, sizeof keys);
    put(&b, keys, sizeof keys);
    put(&b, p, len);
    seed_buf("pack", "default_with_interview", &b);
    p = fz_second_pack(&len);
    put_u8(&b, 1);
    put_u8(&b, 0);
    put(&b, p, len);
    seed_buf("pack", "second_resealed", &b);
    put_u8(&b, 0);
    put_u8(&b, 0);
    put(&b, p, 60);
    seed_buf("pack", "truncated", &b);
}

static void copy_file_seed(const char *harness, const char *name, const char *path)
{
    FILE *f = fopen(path, "rb");
    static uint8_t buf[256 * 1024];
    size_t n;
    FZ_CHECK(f != NULL);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    seed(harness, name, buf, n);
}

static void compile_seeds(void)
{
    static const char *fixtures[] = {"good",          "duplicate_item", "forward_reference",
                                     "relevance_syntax", "min_greater_than_max",
                                     "identifying_item", "unknown_choice"};
    size_t i;
    copy_file_seed("compile", "domestic-work.json", CND_SOURCE_DIR "/surveys/domestic-work.json");
    /* The XLSForm front end; tests/cli/xlsform_check.py SEED_DIR writes
     * the peers' and refused workbooks next to it. */
    copy_file_seed("compile", "domestic-work.xlsx", CND_SOURCE_DIR "/surveys/domestic-work.xlsx");
    for (i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        char path[1024], name[128];
        snprintf(path, sizeof path, "%s/tests/cli/fixtures/compile/%s.json", CND_SOURCE_DIR,
                 fixtures[i]);
        snprintf(name, sizeof name, "%s.json", fixtures[i]);
        copy_file_seed("compile", name, path);
    }
}

/* fuzz_usb: a host enumerating the handheld, reading its descriptors and
 * the MS OS 2.0 set, then HELLO and PULL_BEGIN over the bulk pair. */
static void put_control(buf_t *b, uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                        uint16_t length)
{
    put_u8(b, 6);
    put_u8(b, type);
    put_u8(b, req);
    put_u16(b, value);
    put_u16(b, index);
    put_u16(b, length);
}

static void put_bulk_frame(buf_t *b, uint8_t type)
{
    uint8_t f[CND_FRAME_OVERHEAD];
    size_t n = 0;
    FZ_CHECK(cnd_frame_encode(f, sizeof f, CND_PROTOCOL_VERSION, type, NULL, 0, &n) == CND_OK);
    put_u8(b, 7);
    put_u8(b, (uint8_t)n);
    put(b, f, n);
}

static void usb_seeds(void)
{
    buf_t b = {0};
    put_u8(&b, 5); /* enumerate: reset, device descriptor, address, configuration */
    put_control(&b, 0x80, 6, 0x0200, 0, 255); /* configuration descriptor */
    put_control(&b, 0x80, 6, 0x0300, 0, 255); /* string 0 */
    put_control(&b, 0x80, 6, 0x0303, 0x0409, 255); /* serial */
    put_control(&b, 0x80, 6, 0x0F00, 0, 255); /* BOS */
    put_control(&b, 0xC0, 0x43, 0, 7, 512); /* MS OS 2.0 descriptor set */
    put_control(&b, 0x80, 0, 0, 0, 2); /* GET_STATUS */
    put_bulk_frame(&b, CND_MSG_HELLO);
    put_bulk_frame(&b, CND_MSG_PULL_BEGIN);
    seed_buf("usb", "enumerate_descriptors_hello", &b);
    put_u8(&b, 5);
    put_control(&b, 0x02, 1, 0, 0x81, 0); /* CLEAR_FEATURE halt on bulk IN */
    put_control(&b, 0x01, 11, 0, 0, 0);   /* SET_INTERFACE */
    put_u8(&b, 3);                        /* half a frame by packet, then reset */
    put_u8(&b, 1);
    put_u8(&b, 4);
    put(&b, "CN\x01\x01", 4);
    put_u8(&b, 0);
    put_u8(&b, 5);
    put_bulk_frame(&b, CND_MSG_HELLO);
    seed_buf("usb", "halt_interface_reset", &b);
}

/* ---- fuzz_unseal: rows, and plaintexts for it to seal ---- */

/* One row as a batch carries it (formats/SPEC.md 7), without the header. */
static size_t row_bytes(const cnd_sealed_t *s, uint8_t *out, size_t cap)
{
    static uint8_t raw[CND_BATCH_HEADER_LEN + CND_BATCH_ROW_HEAD_MAX + CND_SEALED_CT_MAX];
    size_t n = fz_encode_batch(s, 1, raw, sizeof raw) - CND_BATCH_HEADER_LEN;
    FZ_CHECK(n <= cap);
    memcpy(out, raw + CND_BATCH_HEADER_LEN, n);
    return n;
}

/* Seal mode (fuzz_unseal.c): the plaintext of response seed_no of pk. */
static void unseal_seal_seed(const char *name, uint8_t flags, const cnd_pack_t *pk,
                             uint32_t seed_no, uint16_t tweak)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    cnd_response_t r;
    size_t bl = 0;
    buf_t b = {0};
    fz_make_response(pk, seed_no, &r);
    FZ_CHECK(cnd_record_encode(&r, pk, body, sizeof body, &bl) == CND_OK);
    put_u8(&b, flags);
    put_u32(&b, 1000u + seed_no);
    put(&b, r.id, CND_RESPONSE_ID_LEN);
    put_u8(&b, (uint8_t)seed_no);
    put_u16(&b, tweak);
    put(&b, body + CND_SEALED_CLEAR_OF_RECORD, bl - CND_SEALED_CLEAR_OF_RECORD);
    seed_buf("unseal", name, &b);
}

static void unseal_seeds(void)
{
    static cnd_sealed_t rs[4];
    uint8_t row[CND_BATCH_ROW_HEAD_MAX + CND_SEALED_CT_MAX];
    size_t n;
    buf_t b = {0};
    /* row mode: rows a device sealed, of each pack (record 3 of its epoch) */
    fz_seal_responses(fz_default_pk(), 80, 4, 31, seed_dev, rs);
    n = row_bytes(&rs[3], row, sizeof row);
    put_u8(&b, 0);
    put(&b, row, n);
    seed_buf("unseal", "row_default", &b);
    fz_seal_responses(fz_second_pk(), 90, 4, 41, seed_dev, rs);
    n = row_bytes(&rs[3], row, sizeof row);
    put_u8(&b, 1);
    put(&b, row, n);
    seed_buf("unseal", "row_second", &b);
    put_u8(&b, 0); /* a row of the second pack offered as the default's */
    put(&b, row, n);
    seed_buf("unseal", "row_wrong_pack", &b);
    /* seal mode: valid plaintexts, one flipped bit, another office */
    unseal_seal_seed("seal_default", 2, fz_default_pk(), 3, 0);
    unseal_seal_seed("seal_second", 3, fz_second_pk(), 5, 0);
    unseal_seal_seed("seal_flipped_seq", 2, fz_default_pk(), 6, 1);
    unseal_seal_seed("seal_flipped_ciphertext", 2, fz_default_pk(), 7,
                     (uint16_t)(8u * (CND_BATCH_ROW_HEAD_MAX + 3u) + 1u));
    unseal_seal_seed("seal_other_office", 6, fz_default_pk(), 1, 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds OUTDIR (tests/fuzz/corpus)\n");
        return 2;
    }
    out_root = argv[1];
    mkdir(out_root, 0755);
    sync_seeds(0);
    sync_seeds(3);
    host_script_seeds();
    batch_seeds();
    cnb_seeds();
    store_seeds();
    unseal_seeds();
    pack_seeds();
    compile_seeds();
    usb_seeds();
    printf("gen_seeds: seeds written to %s\n", out_root);
    return 0;
}
