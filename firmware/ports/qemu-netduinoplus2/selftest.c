/* selftest.c: power-on self-test on the target (see selftest.h). */
#include "selftest.h"

#include <string.h>
#include <zlib.h>

#include "batch.h"
#include "frame.h"
#include "host_flash.h"
#include "record.h"
#include "systick.h"

#define SCRATCH_FLASH "candor-selftest.bin"
#define N_BATCH 3

/* ---- NOR semantics of the flash driver ---- */

static int flash_check(void)
{
    cnd_host_flash_t hf;
    cnd_flash_t f;
    uint8_t a[32], b[32], i;
    int ok;
    if (cnd_host_flash_open(&hf, SCRATCH_FLASH, 4096, 2, 16, &f) != CND_OK)
        return 0;
    memset(a, 0xF0, sizeof a);
    memset(b, 0x3C, sizeof b);
    ok = f.erase(f.ctx, 0) == CND_OK && f.erase(f.ctx, 1) == CND_OK &&
         f.read(f.ctx, 4064, a, 32) == CND_OK && a[0] == 0xFF && a[31] == 0xFF;
    memset(a, 0xF0, sizeof a);
    /* programming ANDs into what is there: 0xF0 then 0x3C reads 0x30 */
    ok = ok && f.prog(f.ctx, 64, a, 32) == CND_OK && f.prog(f.ctx, 64, b, 32) == CND_OK &&
         f.read(f.ctx, 64, b, 32) == CND_OK;
    for (i = 0; ok && i < 32; i++)
        ok = b[i] == 0x30;
    /* refusals: across a block edge, misaligned, outside the chip */
    ok = ok && f.prog(f.ctx, 4080, a, 32) != CND_OK && f.prog(f.ctx, 65, a, 16) != CND_OK &&
         f.prog(f.ctx, 64, a, 8) != CND_OK && f.read(f.ctx, 8190, a, 4) != CND_OK &&
         f.erase(f.ctx, 2) != CND_OK;
    /* erase brings the bits back */
    ok = ok && f.erase(f.ctx, 0) == CND_OK && f.read(f.ctx, 64, b, 32) == CND_OK &&
         cnd_bytes_erased(b, 32);
    cnd_host_flash_close(&hf);
    return ok;
}

/* ---- codecs ---- */

/* The frame of every flash record. The record BODY codec needs a survey
 * pack (record.h), which is not loaded yet at power-on; the QEMU scenario
 * (tests/qemu) covers it on the target, interview to export. */
static int record_check(void)
{
    static const uint8_t body[5] = {0x10, 0x20, 0x30, 0x40, 0x50};
    uint8_t hdr[CND_ENTRY_HEADER_LEN];
    cnd_entry_header_t h;
    cnd_entry_header_encode(hdr, CND_ENTRY_RESPONSE, 77, body, sizeof body);
    if (cnd_entry_header_decode(hdr, &h) != CND_OK || h.type != CND_ENTRY_RESPONSE ||
        h.len != sizeof body || h.seq != 77 || cnd_entry_check_crc(hdr, body, h.len) != CND_OK)
        return 0;
    hdr[5] ^= 0x01; /* a flipped bit in the sequence number */
    if (cnd_entry_check_crc(hdr, body, h.len) != CND_E_CRC)
        return 0;
    memset(hdr, 0xFF, sizeof hdr); /* erased NOR is no entry */
    return cnd_entry_header_decode(hdr, &h) == CND_E_MAGIC;
}

static int frame_check(void)
{
    static const uint8_t payload[5] = {1, 2, 3, 4, 5};
    uint8_t buf[32];
    size_t len = 0;
    cnd_frame_t f;
    if (cnd_frame_encode(buf, sizeof buf, 1, 7, payload, sizeof payload, &len) != CND_OK ||
        cnd_frame_decode(buf, len, &f) != CND_OK)
        return 0;
    if (f.type != 7 || f.len != sizeof payload || memcmp(f.payload, payload, sizeof payload) != 0)
        return 0;
    buf[len - 1] ^= 1u; /* a flipped bit is refused */
    return cnd_frame_decode(buf, len, &f) != CND_OK;
}

/* ---- batch ---- */

/* A sealed response with recognisable bytes (the codec never opens it). */
static void sample_sealed(cnd_sealed_t *s, uint8_t k)
{
    uint16_t i;
    memset(s, 0, sizeof *s);
    for (i = 0; i < CND_RESPONSE_ID_LEN; i++)
        s->id[i] = (uint8_t)(0xA0 + i + k);
    s->pack_fp = 0x12345678u;
    s->seq = 100u + k;
    s->ctr = k;
    memset(s->epoch.epoch_pub, 0x11, sizeof s->epoch.epoch_pub);
    memset(s->epoch.office_pub, 0x22, sizeof s->epoch.office_pub);
    memset(s->epoch.box, 0x33, sizeof s->epoch.box);
    s->ct_len = (uint16_t)(CND_SEAL_TAG_LEN + 20 + k);
    for (i = 0; i < s->ct_len; i++)
        s->ct[i] = (uint8_t)(i * 7u + k);
}

static int same_sealed(const cnd_sealed_t *a, const cnd_sealed_t *b)
{
    return memcmp(a->id, b->id, sizeof a->id) == 0 && a->pack_fp == b->pack_fp &&
           a->seq == b->seq && a->ctr == b->ctr &&
           memcmp(&a->epoch, &b->epoch, sizeof a->epoch) == 0 && a->ct_len == b->ct_len &&
           memcmp(a->ct, b->ct, a->ct_len) == 0;
}

static cnd_status_t get_sample(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    (void)ctx;
    sample_sealed(out, (uint8_t)index);
    return CND_OK;
}

static cnd_batch_encoder_t g_enc;
static cnd_sealed_t g_out[N_BATCH], g_want;

static int batch_check(uint8_t *scratch, uint32_t cap)
{
    /* scratch: the batch bytes, streamed in pieces as PULL_DATA reads them */
    size_t plen = 0, got = 0, want = CND_BATCH_HEADER_LEN + CND_EPOCH_BODY_LEN + 1;
    uint16_t n = 0, i;
    if (cap < 2048 || cnd_batch_encoder_init(&g_enc, N_BATCH, get_sample, NULL) != CND_OK)
        return 0;
    do {
        size_t step = 2048 - plen < 100 ? 2048 - plen : 100;
        if (cnd_batch_encoder_read(&g_enc, scratch + plen, step, &got) != CND_OK)
            return 0;
        plen += got;
    } while (got > 0 && plen < 2048);
    if (cnd_batch_decode(scratch, plen, g_out, N_BATCH, &n) != CND_OK || n != N_BATCH)
        return 0;
    for (i = 0; i < N_BATCH; i++) {
        sample_sealed(&g_want, (uint8_t)i);
        if (!same_sealed(&g_want, &g_out[i]))
            return 0;
        want += 1u + CND_RESPONSE_ID_LEN + 1u + g_want.ct_len; /* flags, id, length, ct */
    }
    /* One epoch, consecutive seqs and chain indexes: the epoch and the
     * first seq (one varint byte) are written once, nothing else repeats. */
    return plen == want && cnd_batch_decode(scratch, plen - 1, g_out, N_BATCH, &n) != CND_OK;
}

static int crc_check(void)
{
    return crc32(0L, (const Bytef *)"123456789", 9) == 0xCBF43926u;
}

static int systick_check(void)
{
    uint32_t start = cnd_systick_ms(), spin;
    for (spin = 0; spin < 50000000u; spin++)
        if (cnd_systick_ms() != start)
            return 1;
    return 0;
}

const char *cnd_selftest_run(uint8_t *scratch, uint32_t cap, uint32_t *checks)
{
    *checks = 0;
#define CHECK(name, expr)  \
    do {                   \
        ++*checks;         \
        if (!(expr))       \
            return name;   \
    } while (0)
    CHECK("crc32", crc_check());
    CHECK("systick", systick_check());
    CHECK("flash-nor", flash_check());
    CHECK("record", record_check());
    CHECK("frame", frame_check());
    CHECK("batch", batch_check(scratch, cap));
#undef CHECK
    return NULL;
}
