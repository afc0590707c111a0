/*
 * fuzz_host_sync.c: the host end of sync (host/link/link.c, host/link/sync.c,
 * formats/frame.c and the proto.c reply decoders, the reassembly of
 * BATCH_DATA chunks, cnd_batch_decode of sealed rows and the clear-part checks, host/
 * hoststore.c), then an export's opening of what was stored (host/
 * unseal.c with the test office key), against a "device" whose every
 * reply comes from the fuzz input: a broken or hostile handheld, or
 * anything else on the USB port.
 *
 * Input: [flags u8] then one reply script entry per request the host
 * sends (lock-step), until the input ends (then the device goes silent):
 *   0xF0                       the device disconnects
 *   0xF1 [n u8][n bytes]       raw bytes, not a frame (garbage, halves)
 *   0xF2                       no reply (the link times out at once)
 *   0xF4 [first u32][n u16][n bytes]
 *                              a batch: the bytes are the batch of sealed
 *                              rows (formats/SPEC.md 7); the harness
 *                              replies BATCH_INFO with their true length
 *                              and CRC, seqs first .. first + count - 1
 *   0xF5                       the next BATCH_DATA chunk of that batch
 *                              (as many bytes as a frame holds)
 *   0xF7 [k u16]               the next BATCH_DATA chunk, of k % (max + 1)
 *                              bytes (0: a chunk that moves nothing)
 *   0xF6                       a true PACK_CHUNK for the GET_PACK received
 *   other [len u16][payload]   reply frame of that type, correct CRC;
 *                              len bit 15 sends the previous protocol
 *                              version (CND_PROTOCOL_VERSION - 1)
 * flags bit 0: the store already holds the default pack.
 * The harness-made replies let mutations get past CRCs and fingerprints
 * into batch decoding, response checks and the store.
 *
 * Checks: the host never ACKs a batch it has not stored (at the ACK, every
 * response of a batch the harness streamed is already in the store); a
 * failure is one non-empty line; afterwards the store opens again, every
 * sealed response in it names its pack and is sealed to that pack's
 * office key (the host refuses rows nobody could open), and opening the
 * store as an export does gives every response exactly one outcome, and
 * every one that opens fits its pack (fz_store_check_all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32 */

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "proto.h"
#include "record.h"
#include "sealed.h"

typedef struct {
    cnd_transport_t base; /* first: the link calls through it */
    fz_in_t *in;
    cnd_hoststore_t *hs;
    uint8_t q[2 * CND_FRAME_MAX_SIZE + 512]; /* reply bytes not yet received */
    size_t q_pos, q_len;
    int gone;
    uint32_t rng;
    /* last request, for 0xF6 */
    uint8_t req_type;
    cnd_msg_get_pack_t req_get;
    /* the batch the harness prepared (0xF4) */
    uint8_t *raw;
    uint32_t raw_len, off;
    int batch_ok; /* its bytes decode: the ids below are its responses */
    uint32_t last_seq;
    cnd_sealed_t rs[CND_BATCH_MAX_RESPONSES];
    uint16_t n_rs;
    int streamed; /* every chunk of it went out */
} fake_t;

static void emit(fake_t *d, uint8_t version, uint8_t type, const uint8_t *p, size_t len)
{
    size_t n = 0;
    if (d->q_pos == d->q_len)
        d->q_pos = d->q_len = 0;
    if (sizeof d->q - d->q_len < CND_FRAME_MAX_SIZE)
        return;
    FZ_CHECK(cnd_frame_encode(d->q + d->q_len, CND_FRAME_MAX_SIZE, version, type, p, len, &n) ==
             CND_OK);
    d->q_len += n;
}

static void emit_raw(fake_t *d, const uint8_t *p, size_t len)
{
    if (d->q_pos == d->q_len)
        d->q_pos = d->q_len = 0;
    if (len > sizeof d->q - d->q_len)
        len = sizeof d->q - d->q_len;
    memcpy(d->q + d->q_len, p, len);
    d->q_len += len;
}

static void prepare_batch(fake_t *d)
{
    uint8_t pl[CND_FRAME_MAX_PAYLOAD];
    uint32_t first = fz_u32(d->in);
    const uint8_t *raw;
    size_t rlen = fz_take(d->in, fz_u16(d->in), &raw), n = 0;
    cnd_msg_batch_info_t info;

    free(d->raw);
    d->raw = malloc(rlen ? rlen : 1);
    FZ_CHECK(d->raw != NULL);
    memcpy(d->raw, raw, rlen);
    d->raw_len = (uint32_t)rlen;
    d->off = 0;
    d->streamed = 0;
    d->n_rs = 0;
    d->batch_ok = cnd_batch_decode(raw, rlen, d->rs, CND_BATCH_MAX_RESPONSES, &d->n_rs) == CND_OK;
    memset(&info, 0, sizeof info);
    /* batch header (formats/SPEC.md 7): version u8, n u16, pack_fp u32 */
    info.fingerprint = rlen >= CND_BATCH_HEADER_LEN ? cnd_wire_get_u32(raw + 3) : 0;
    info.count = rlen >= 3 ? cnd_wire_get_u16(raw + 1) : 0;
    info.first_seq = first;
    info.last_seq = first + (info.count ? info.count - 1u : 0u);
    info.ulen = (uint32_t)rlen;
    info.ucrc = (uint32_t)crc32(0L, raw, (uInt)rlen);
    d->last_seq = info.last_seq;
    FZ_CHECK(cnd_msg_encode_batch_info(&info, pl, sizeof pl, &n) == CND_OK);
    emit(d, CND_PROTOCOL_VERSION, CND_MSG_BATCH_INFO, pl, n);
}

/* The next chunk of the prepared batch, of at most max bytes. */
static void next_chunk(fake_t *d, uint32_t max)
{
    uint8_t pl[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_batch_data_t c;
    size_t n = 0;
    if (d->raw == NULL)
        return;
    c.offset = d->off;
    c.len = (uint16_t)(d->raw_len - d->off < max ? d->raw_len - d->off : max);
    c.data = d->raw + d->off;
    c.flags = d->off + c.len == d->raw_len ? CND_MSG_BATCH_LAST : 0;
    FZ_CHECK(cnd_msg_encode_batch_data(&c, pl, sizeof pl, &n) == CND_OK);
    d->off += c.len;
    if (c.flags & CND_MSG_BATCH_LAST)
        d->streamed = 1;
    emit(d, CND_PROTOCOL_VERSION, CND_MSG_BATCH_DATA, pl, n);
}

static void pack_chunk(fake_t *d)
{
    uint8_t pl[CND_FRAME_MAX_PAYLOAD];
    uint32_t len1, len2;
    const uint8_t *p1 = fz_default_pack(&len1), *p2 = fz_second_pack(&len2), *p = p1;
    uint32_t len = len1;
    cnd_msg_pack_chunk_t c;
    size_t n = 0;
    if (d->req_type != CND_MSG_GET_PACK)
        return;
    if (d->req_get.fingerprint == cnd_wire_get_u32(p2 + len2 - 4)) {
        p = p2;
        len = len2;
    }
    c.fingerprint = d->req_get.fingerprint;
    c.offset = d->req_get.offset > len ? len : d->req_get.offset;
    c.total = len;
    c.len = (uint16_t)(len - c.offset < CND_MSG_PACK_CHUNK_MAX ? len - c.offset
                                                               : CND_MSG_PACK_CHUNK_MAX);
    c.data = p + c.offset;
    FZ_CHECK(cnd_msg_encode_pack_chunk(&c, pl, sizeof pl, &n) == CND_OK);
    emit(d, CND_PROTOCOL_VERSION, CND_MSG_PACK_CHUNK, pl, n);
}

/* The host must have stored a batch durably before it says ACK. */
static void check_ack(fake_t *d, const cnd_frame_t *f)
{
    uint32_t upto;
    uint16_t i;
    if (cnd_msg_decode_ack(f->payload, f->len, &upto) != CND_OK)
        return;
    if (!d->batch_ok || !d->streamed || upto != d->last_seq)
        return;
    for (i = 0; i < d->n_rs; i++)
        FZ_CHECK(cnd_hoststore_has_response(d->hs, d->rs[i].id));
}

static cnd_status_t fake_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    fake_t *d = (fake_t *)t;
    cnd_frame_t f;
    uint8_t op;
    (void)timeout_ms;
    if (d->gone)
        return CND_E_DISCONNECTED;
    FZ_CHECK(cnd_frame_decode(buf, n, &f) == CND_OK); /* the host sends whole frames */
    FZ_CHECK(f.version == CND_PROTOCOL_VERSION);
    d->req_type = f.type;
    if (f.type == CND_MSG_GET_PACK)
        FZ_CHECK(cnd_msg_decode_get_pack(f.payload, f.len, &d->req_get) == CND_OK);
    if (f.type == CND_MSG_ACK)
        check_ack(d, &f);
    if (fz_left(d->in) == 0)
        return CND_OK; /* silence from now on */
    op = fz_u8(d->in);
    switch (op) {
    case 0xF0: d->gone = 1; break;
    case 0xF1: {
        const uint8_t *b;
        size_t k = fz_take(d->in, fz_u8(d->in), &b);
        emit_raw(d, b, k);
        break;
    }
    case 0xF2: break;
    case 0xF4: prepare_batch(d); break;
    case 0xF5: next_chunk(d, CND_MSG_BATCH_DATA_MAX); break;
    case 0xF7: next_chunk(d, fz_u16(d->in) % (CND_MSG_BATCH_DATA_MAX + 1u)); break;
    case 0xF6: pack_chunk(d); break;
    default: {
        uint16_t lv = fz_u16(d->in);
        const uint8_t *p;
        size_t k = fz_take(d->in, (lv & 0x7FFF) % (CND_FRAME_MAX_PAYLOAD + 1), &p);
        emit(d, (lv & 0x8000) ? (uint8_t)(CND_PROTOCOL_VERSION - 1) : CND_PROTOCOL_VERSION, op,
             p, k);
        break;
    }
    }
    return CND_OK;
}

static cnd_status_t fake_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                              int timeout_ms)
{
    fake_t *d = (fake_t *)t;
    size_t n;
    (void)timeout_ms;
    *got = 0;
    if (d->q_pos == d->q_len)
        return d->gone ? CND_E_DISCONNECTED : CND_E_TIMEOUT;
    d->rng = d->rng * 1103515245u + 12345u;
    n = 1 + (d->rng >> 8) % 700; /* the carrier splits as it likes */
    if (n > d->q_len - d->q_pos)
        n = d->q_len - d->q_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, d->q + d->q_pos, n);
    d->q_pos += n;
    *got = n;
    return CND_OK;
}

static void fake_close(cnd_transport_t *t)
{
    fake_t *d = (fake_t *)t;
    free(d->raw);
    free(d);
}

/* The host stores a row only if the office of its pack can open it. */
static int sealed_to_office(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r)
{
    (void)ctx;
    FZ_CHECK(memcmp(r->epoch.office_pub, cnd_pack_office_x25519(pack), CND_X25519_LEN) == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cnd_link_t link;
    char *dir = fz_make_temp_dir("host");
    cnd_hoststore_t *hs = NULL;
    cnd_hostsync_report_t rep;
    cnd_err_t err;
    cnd_status_t st;
    fake_t *d = calloc(1, sizeof *d);
    fz_in_t in;
    uint8_t flags;

    FZ_CHECK(d != NULL);
    fz_in_init(&in, data, size);
    flags = fz_u8(&in);
    FZ_CHECK(cnd_hoststore_open(dir, 1, &hs, &err) == CND_OK);
    if (flags & 1) {
        uint32_t len;
        const uint8_t *p = fz_default_pack(&len);
        FZ_CHECK(cnd_hoststore_put_pack(hs, p, len, &err) == CND_OK);
    }
    strcpy(d->base.name, "fuzz:device");
    d->base.send = fake_send;
    d->base.recv = fake_recv;
    d->base.close = fake_close;
    d->in = &in;
    d->hs = hs;
    d->rng = 99;
    cnd_link_init(&link, &d->base);
    memset(&err, 0, sizeof err);
    st = cnd_hostsync_run(&link, hs, NULL, NULL, &rep, &err);
    if (getenv("FUZZ_VERBOSE") != NULL) /* to check what a seed reaches */
        fprintf(stderr, "host_sync: %s, added %zu, batches %zu, packs %zu: %s\n",
                cnd_status_str(st), rep.added, rep.batches, rep.packs_fetched,
                st == CND_OK ? "" : err.msg);
    if (st != CND_OK) {
        FZ_CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof err.msg) != NULL);
        FZ_CHECK(strchr(err.msg, '\n') == NULL);
    }
    cnd_link_close(&link);
    cnd_hoststore_close(hs);

    /* Whatever happened, the store opens and holds only rows of its packs,
     * sealed to their office, and an export opens it without surprises. */
    hs = NULL;
    FZ_CHECK(cnd_hoststore_open(dir, 0, &hs, &err) == CND_OK);
    FZ_CHECK(cnd_hoststore_each(hs, sealed_to_office, NULL, &err) == 0);
    (void)fz_store_check_all(hs, NULL);
    cnd_hoststore_close(hs);
    FZ_CHECK(fz_remove_tree(dir) == 0);
    free(dir);
    return 0;
}
