/*
 * fake_device.c: a device that lies, for the malicious-device test
 * (issue 12, point 5). It speaks the real sync protocol (formats/frame.h,
 * formats/proto.h, sealed batches of formats/batch.h) over a real Unix
 * stream socket, the carrier candor-sim uses ("sim:PATH"), so `candor
 * sync` meets it exactly as it would a handheld.
 *
 *   fake_device SOCKET LIE PACK [OTHER_PACK] [BATCH_FILE]
 *
 * PACK is the survey pack it claims (a real one, from the store), OTHER_PACK
 * a second one (another office's, or a forged one), BATCH_FILE a store .cnb
 * whose real sealed rows it may replay or mix in. LIE is one of:
 *   junk         HELLO says 20 pending; one batch of 20 well-formed rows
 *                sealed to the office key, with ciphertext that is noise
 *   dup_ids      as junk, but all 20 rows carry one id
 *   mixed        one batch: the real rows of BATCH_FILE and 20 junk rows
 *   forged       real rows of BATCH_FILE, and beside each a junk row with
 *                its epoch and chain index, plus rows naming a real epoch
 *                key with a forged box: attacks on opening the real ones
 *   endless      HELLO says 2 pending; a new batch of fresh junk after
 *                every ACK, forever
 *   replay       HELLO says 2 pending; BATCH_FILE's rows again after every
 *                ACK (all already stored), forever
 *   other_pack   HELLO lists OTHER_PACK (1 pending) and serves it
 *   short_batch  BATCH_INFO announces more bytes than the batch has
 *   count_lie    BATCH_INFO's count differs from the rows in the batch
 *   unannounced  a batch of a pack its HELLO did not list
 *   seq_lie      rows whose sequence numbers lie outside BATCH_INFO's range
 *   pack_lie     PACK_CHUNK's total changes between chunks (OTHER_PACK)
 *   hello_lie    HELLO says 0 pending, then offers 1,500 rows in batches
 * It serves connections one after another until killed.
 * Never: writes anything but to its socket.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include "batch.h"
#include "frame.h"
#include "pack.h"
#include "proto.h"
#include "sealed.h"

#define MAX_ROWS CND_BATCH_MAX_RESPONSES

static const char *g_lie;
static uint8_t g_pack[CND_MAX_PACK_SIZE], g_other[CND_MAX_PACK_SIZE];
static uint32_t g_pack_len, g_other_len;
static cnd_pack_t g_pk, g_opk;
static cnd_sealed_t g_real[MAX_ROWS];
static uint16_t g_n_real;
static cnd_sealed_t g_rows[MAX_ROWS];
static uint16_t g_n_rows;
static uint8_t g_batch[CND_BATCH_MAX_LEN];
static uint32_t g_batch_len, g_sent, g_next_seq = 1, g_fresh = 1;
static int g_acked_once;

static int is(const char *lie)
{
    return strcmp(g_lie, lie) == 0;
}

static uint32_t rnd(void)
{
    static uint32_t s = 0x9E3779B9u;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
}

static void noise(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static int load(const char *path, uint8_t *buf, size_t cap, uint32_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, cap, f) : 0;
    if (f)
        fclose(f);
    *len = (uint32_t)n;
    return n > 0 ? 0 : -1;
}

/* A row well-formed in every clear field, sealed to the office, whose
 * ciphertext is noise: only the office key can tell. */
static void junk_row(cnd_sealed_t *r)
{
    memset(r, 0, sizeof *r);
    uint32_t k = g_fresh++;
    memcpy(r->id, "JUNK", 4);
    r->id[4] = (uint8_t)(k >> 24);
    r->id[5] = (uint8_t)(k >> 16);
    r->id[6] = (uint8_t)(k >> 8);
    r->id[7] = (uint8_t)k;
    r->pack_fp = g_pk.fingerprint;
    r->ctr = k % 1000;
    noise(r->epoch.epoch_pub, sizeof r->epoch.epoch_pub);
    memcpy(r->epoch.office_pub, cnd_pack_office_x25519(&g_pk), CND_X25519_LEN);
    noise(r->epoch.box, sizeof r->epoch.box);
    r->ct_len = 80;
    noise(r->ct, r->ct_len);
}

static cnd_status_t get_row(void *ctx, uint16_t i, cnd_sealed_t *out)
{
    (void)ctx;
    *out = g_rows[i];
    return CND_OK;
}

static int by_seq(const void *a, const void *b)
{
    const cnd_sealed_t *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The rows of the next batch, by lie; 0 rows = nothing pending. */
static void next_rows(void)
{
    g_n_rows = 0;
    int endless = is("endless") || is("replay") || is("hello_lie");
    if (g_acked_once && !endless)
        return;
    if (is("hello_lie") && g_fresh > 1500)
        return;
    if (is("replay") || is("mixed") || is("forged")) {
        for (uint16_t i = 0; i < g_n_real; i++)
            g_rows[g_n_rows++] = g_real[i];
    }
    if (is("forged")) {
        uint16_t n = g_n_rows;
        for (uint16_t i = 0; i < n && g_n_rows + 2 <= MAX_ROWS; i++) {
            cnd_sealed_t *j = &g_rows[g_n_rows++];
            junk_row(j);
            j->epoch = g_real[i].epoch; /* the real epoch and index */
            j->ctr = g_real[i].ctr;
            j->id[0] = 0; /* sorts before the real row */
            cnd_sealed_t *b = &g_rows[g_n_rows++];
            junk_row(b);
            b->epoch = g_real[i].epoch;
            b->epoch.box[0] ^= 1; /* the real epoch key, a forged box */
            b->ctr = 0;
            b->id[0] = 0;
        }
    }
    if (!is("replay") && !is("forged") && !is("other_pack")) {
        uint16_t want = is("endless") ? 100 : is("hello_lie") ? 300 : 20;
        while (want-- > 0 && g_n_rows < MAX_ROWS)
            junk_row(&g_rows[g_n_rows++]);
    }
    if (is("other_pack")) {
        junk_row(&g_rows[0]);
        g_rows[0].pack_fp = g_opk.fingerprint;
        memcpy(g_rows[0].epoch.office_pub, cnd_pack_office_x25519(&g_opk), CND_X25519_LEN);
        g_n_rows = 1;
    }
    /* Real rows keep their sequence numbers (bound into what was sealed),
     * in order; the rest follow them. A replay renumbers: its rows are
     * all stored already, only the count matters. */
    uint16_t keep = is("mixed") || is("forged") ? g_n_real : 0;
    qsort(g_rows, keep, sizeof *g_rows, by_seq);
    if (keep > 0 && g_rows[keep - 1].seq >= g_next_seq)
        g_next_seq = g_rows[keep - 1].seq + 1;
    for (uint16_t i = keep; i < g_n_rows; i++) {
        if (is("dup_ids"))
            memcpy(g_rows[i].id, g_rows[0].id, CND_RESPONSE_ID_LEN);
        g_rows[i].seq = g_next_seq++;
        if (is("unannounced"))
            g_rows[i].pack_fp = 0x12345678u;
    }
    if (is("seq_lie") && g_n_rows > 0)
        g_rows[g_n_rows - 1].seq += 1000;
}

static size_t reply_batch_info(uint8_t *p, size_t cap)
{
    cnd_msg_batch_info_t bi;
    size_t n = 0;
    memset(&bi, 0, sizeof bi);
    next_rows();
    g_sent = 0;
    g_batch_len = 0;
    if (g_n_rows > 0) {
        cnd_batch_encoder_t enc;
        size_t got;
        if (cnd_batch_encoder_init(&enc, g_n_rows, get_row, NULL) != CND_OK)
            return 0;
        do {
            if (cnd_batch_encoder_read(&enc, g_batch + g_batch_len,
                                       sizeof g_batch - g_batch_len, &got) != CND_OK)
                return 0;
            g_batch_len += (uint32_t)got;
        } while (got > 0);
        bi.fingerprint = g_rows[0].pack_fp;
        bi.first_seq = g_rows[0].seq;
        bi.last_seq = g_rows[g_n_rows - 1].seq;
        if (is("seq_lie"))
            bi.last_seq -= 1000;
        bi.count = is("count_lie") ? (uint16_t)(g_n_rows + 1) : g_n_rows;
        bi.ulen = is("short_batch") ? g_batch_len + 50 : g_batch_len;
        bi.ucrc = (uint32_t)crc32(0L, g_batch, g_batch_len);
    }
    cnd_msg_encode_batch_info(&bi, p, cap, &n);
    return n;
}

static size_t reply_hello(uint8_t *p, size_t cap)
{
    cnd_msg_hello_t h;
    const cnd_pack_t *pk = is("other_pack") || is("pack_lie") ? &g_opk : &g_pk;
    size_t n = 0;
    memset(&h, 0, sizeof h);
    memcpy(h.device_id, "FAKEDEV!", CND_DEVICE_ID_LEN);
    snprintf(h.firmware, sizeof h.firmware, "fake-0");
    h.protocol = CND_PROTOCOL_VERSION;
    h.bytes_free = 1u << 20;
    h.pending = is("hello_lie") ? 0 : is("endless") || is("replay") ? 2 : is("other_pack") ? 1 : 20;
    h.n_surveys = 1;
    h.surveys[0].fingerprint = pk->fingerprint;
    h.surveys[0].flags = CND_MSG_SURVEY_ACTIVE;
    h.surveys[0].survey_version = cnd_pack_survey_version(pk);
    h.surveys[0].pending = h.pending;
    cnd_str_t id = cnd_pack_survey_id(pk);
    memcpy(h.surveys[0].survey_id, id.ptr, id.len);
    cnd_msg_encode_hello(&h, p, cap, &n);
    return n;
}

static size_t reply_pack_chunk(const uint8_t *q, size_t qlen, uint8_t *p, size_t cap)
{
    cnd_msg_get_pack_t g;
    cnd_msg_pack_chunk_t ch;
    size_t n = 0;
    if (cnd_msg_decode_get_pack(q, qlen, &g) != CND_OK)
        return 0;
    int other = g.fingerprint == g_opk.fingerprint && g_other_len > 0;
    const uint8_t *buf = other ? g_other : g_pack;
    uint32_t len = other ? g_other_len : g_pack_len;
    if (g.offset > len)
        return 0;
    ch.fingerprint = g.fingerprint;
    ch.offset = g.offset;
    ch.total = is("pack_lie") && g.offset > 0 ? len + 7 : len;
    ch.len = (uint16_t)(len - g.offset < 500 ? len - g.offset : 500);
    ch.data = buf + g.offset;
    cnd_msg_encode_pack_chunk(&ch, p, cap, &n);
    return n;
}

static size_t reply_batch_data(uint8_t *p, size_t cap)
{
    cnd_msg_batch_data_t d;
    size_t n = 0;
    uint32_t left = g_batch_len - g_sent;
    d.offset = g_sent;
    d.len = (uint16_t)(left < CND_MSG_BATCH_DATA_MAX ? left : CND_MSG_BATCH_DATA_MAX);
    d.flags = d.len == left ? CND_MSG_BATCH_LAST : 0;
    d.data = g_batch + g_sent;
    g_sent += d.len;
    cnd_msg_encode_batch_data(&d, p, cap, &n);
    return n;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int answer(int fd, const cnd_frame_t *f)
{
    static uint8_t payload[CND_FRAME_MAX_PAYLOAD], out[CND_FRAME_MAX_SIZE];
    size_t n = 0, len;
    uint8_t type;
    switch (f->type) {
    case CND_MSG_HELLO: n = reply_hello(payload, sizeof payload); type = CND_MSG_HELLO_REPLY; break;
    case CND_MSG_GET_PACK:
        n = reply_pack_chunk(f->payload, f->len, payload, sizeof payload);
        type = CND_MSG_PACK_CHUNK;
        break;
    case CND_MSG_PULL_BEGIN:
        n = reply_batch_info(payload, sizeof payload);
        type = CND_MSG_BATCH_INFO;
        break;
    case CND_MSG_PULL_DATA: n = reply_batch_data(payload, sizeof payload); type = CND_MSG_BATCH_DATA; break;
    case CND_MSG_ACK:
        g_acked_once = 1;
        type = CND_MSG_OK;
        break;
    case CND_MSG_DAMAGE_NEXT: {
        /* Protocol 3 asks for damaged flash after the batches: this device
         * reports none (len 0), so every lie stays in the batches. */
        cnd_msg_damage_t none;
        memset(&none, 0, sizeof none);
        if (cnd_msg_encode_damage(&none, payload, sizeof payload, &n) != CND_OK)
            return -1;
        type = CND_MSG_DAMAGE;
        break;
    }
    default:
        cnd_msg_encode_error(CND_E_PROTOCOL, "fake device: not served", payload, sizeof payload,
                             &n);
        type = CND_MSG_ERROR;
    }
    if (cnd_frame_encode(out, sizeof out, CND_PROTOCOL_VERSION, type, payload, n, &len) != CND_OK)
        return -1;
    return send_all(fd, out, len);
}

static void serve(int fd)
{
    cnd_frame_parser_t parser;
    uint8_t in[4096];
    cnd_frame_parser_init(&parser);
    for (;;) {
        ssize_t r = recv(fd, in, sizeof in, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            return;
        }
        size_t off = 0;
        while (off < (size_t)r || r == 0) {
            int ready = 0;
            cnd_frame_t f;
            off += cnd_frame_parser_feed(&parser, in + off, (size_t)r - off, &ready, &f);
            if (!ready)
                break;
            if (answer(fd, &f) != 0)
                return;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: fake_device SOCKET LIE PACK [OTHER_PACK] [BATCH_FILE]\n");
        return 2;
    }
    g_lie = argv[2];
    if (load(argv[3], g_pack, sizeof g_pack, &g_pack_len) != 0 ||
        cnd_pack_open(&g_pk, g_pack, g_pack_len) != CND_OK) {
        fprintf(stderr, "fake_device: %s is not a pack\n", argv[3]);
        return 2;
    }
    if (argc > 4 && strcmp(argv[4], "-") != 0 &&
        (load(argv[4], g_other, sizeof g_other, &g_other_len) != 0 ||
         cnd_pack_open(&g_opk, g_other, g_other_len) != CND_OK)) {
        fprintf(stderr, "fake_device: %s is not a pack\n", argv[4]);
        return 2;
    }
    if (argc > 5) {
        static uint8_t cnb[20 + CND_BATCH_MAX_LEN];
        uint32_t len;
        if (load(argv[5], cnb, sizeof cnb, &len) != 0 || len < 20 ||
            cnd_batch_decode(cnb + 20, len - 20, g_real, MAX_ROWS, &g_n_real) != CND_OK) {
            fprintf(stderr, "fake_device: %s is not a batch file\n", argv[5]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s.tmp", argv[1]);
    unlink(a.sun_path);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0 ||
        rename(a.sun_path, argv[1]) != 0) {
        fprintf(stderr, "fake_device: cannot listen on %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        serve(c);
        close(c);
    }
}
