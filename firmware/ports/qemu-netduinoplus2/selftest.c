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

/* ---- batch + deflate ---- */

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

typedef struct {
    uint8_t *base;
    uint32_t cap, used;
} arena_t;

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
    arena_t *a = opaque;
    uint32_t n = ((uint32_t)items * size + 7u) & ~7u;
    void *p;
    if (size != 0 && items > 0xFFFFFFFFu / size)
        return Z_NULL;
    if (n > a->cap - a->used)
        return Z_NULL;
    p = a->base + a->used;
    a->used += n;
    return p;
}

static void arena_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    (void)p; /* the whole arena is dropped at once */
}

static cnd_batch_encoder_t g_enc;
static cnd_sealed_t g_out[N_BATCH], g_want;

static int batch_deflate_check(uint8_t *scratch, uint32_t cap)
{
    /* scratch: [plain batch 1 KB][deflated 1 KB][zlib arena] */
    uint8_t *plain = scratch, *z = scratch + 1024;
    size_t plen = 0, got = 0;
    uint16_t n = 0, i;
    arena_t arena;
    z_stream zs;
    uint32_t zlen, adler;
    if (cap < 2048 + 12 * 1024 || cnd_batch_encoder_init(&g_enc, N_BATCH, get_sample, NULL) != CND_OK)
        return 0;
    do {
        if (cnd_batch_encoder_read(&g_enc, plain + plen, 1024 - plen, &got) != CND_OK)
            return 0;
        plen += got;
    } while (got > 0 && plen < 1024);
    if (cnd_batch_decode(plain, plen, g_out, N_BATCH, &n) != CND_OK || n != N_BATCH)
        return 0;
    for (i = 0; i < N_BATCH; i++) {
        sample_sealed(&g_want, (uint8_t)i);
        if (!same_sealed(&g_want, &g_out[i]))
            return 0;
    }
    arena.base = scratch + 2048;
    arena.cap = cap - 2048;
    arena.used = 0;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = arena_alloc;
    zs.zfree = arena_free;
    zs.opaque = &arena;
    if (deflateInit2(&zs, 9, Z_DEFLATED, 10, 1, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    zs.next_in = plain;
    zs.avail_in = (uInt)plen;
    zs.next_out = z;
    zs.avail_out = 1024;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        (void)deflateEnd(&zs);
        return 0;
    }
    zlen = (uint32_t)zs.total_out;
    (void)deflateEnd(&zs);
    /* RFC 1950: CMF 0x?8 with window 2^(CINFO+8) = 1 KiB (CINFO 2), FCHECK,
     * and the Adler-32 of the input, big-endian, at the end. */
    adler = (uint32_t)adler32(adler32(0L, Z_NULL, 0), plain, (uInt)plen);
    return zlen > 6 && z[0] == 0x28 && ((uint32_t)z[0] * 256u + z[1]) % 31u == 0 &&
           ((uint32_t)z[zlen - 4] << 24 | (uint32_t)z[zlen - 3] << 16 |
            (uint32_t)z[zlen - 2] << 8 | z[zlen - 1]) == adler;
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
    CHECK("batch-deflate", batch_deflate_check(scratch, cap));
#undef CHECK
    return NULL;
}
