/* pack_mirror.c: see pack_mirror.h. */
#include "pack_mirror.h"

#include <string.h>
#include <zlib.h>

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t round_up(uint32_t n, uint32_t unit)
{
    return (n + unit - 1u) / unit * unit;
}

/* Bytes the header takes: 16 rounded up to the program unit. */
static uint32_t hdr_len(const cnd_iflash_t *f)
{
    return round_up(CND_PACK_MIRROR_HDR, f->prog_size);
}

void cnd_pack_mirror_init(cnd_pack_mirror_t *m, const cnd_iflash_t *iflash,
                          const cnd_flash_t *nor)
{
    m->iflash = iflash;
    m->nor = nor;
    m->copies = 0;
}

uint32_t cnd_pack_mirror_capacity(const cnd_pack_mirror_t *m)
{
    const cnd_iflash_t *f = m->iflash;
    uint32_t p = f->prog_size;
    /* A power of two that divides a chunk, so chunks stay program-aligned. */
    if (p == 0 || (p & (p - 1u)) != 0 || p > CND_PACK_MIRROR_CHUNK || f->size <= hdr_len(f))
        return 0;
    /* Whole sectors, each of whole program units, the header in the first. */
    if (f->sector_size < hdr_len(f) || f->sector_size % p != 0 || f->size % f->sector_size != 0)
        return 0;
    return (f->size - hdr_len(f)) / p * p;
}

/* 1 when the sector holds a complete header for len bytes whose CRC matches. */
static int sector_valid(const cnd_iflash_t *f, uint32_t len)
{
    const uint8_t *h = f->base;
    if (rd32(h) != CND_PACK_MIRROR_MAGIC || rd32(h + 4) != len || rd32(h + 12) != ~len)
        return 0;
    return (uint32_t)crc32(0L, f->base + hdr_len(f), len) == rd32(h + 8);
}

/* Compares the sector's pack bytes with the NOR source: 1 same, 0 not, -1 NOR failed. */
static int same_as_nor(const cnd_pack_mirror_t *m, uint32_t addr, uint32_t len, uint8_t *chunk)
{
    const uint8_t *mirror = m->iflash->base + hdr_len(m->iflash);
    uint32_t off;
    for (off = 0; off < len; off += CND_PACK_MIRROR_CHUNK) {
        uint32_t n = len - off < CND_PACK_MIRROR_CHUNK ? len - off : CND_PACK_MIRROR_CHUNK;
        if (m->nor->read(m->nor->ctx, addr + off, chunk, n) != CND_OK)
            return -1;
        if (memcmp(chunk, mirror + off, n) != 0)
            return 0;
    }
    return 1;
}

/* Programs buf[0..n) at off (n padded with 0xFF to the program unit inside
 * chunk's capacity) and reads it back. */
static cnd_status_t prog_verified(const cnd_iflash_t *f, uint32_t off, uint8_t *buf, uint32_t n)
{
    uint32_t padded = round_up(n, f->prog_size);
    memset(buf + n, 0xFF, padded - n);
    if (f->prog(f->ctx, off, buf, padded) != CND_OK)
        return CND_E_IO;
    return memcmp(f->base + off, buf, padded) == 0 ? CND_OK : CND_E_VERIFY;
}

/* Erase, pack bytes chunk by chunk, then the header: the commit point.
 * Sector 0 is erased first: it holds the old header, which must be gone
 * before any byte it vouches for changes. Only the sectors the pack
 * reaches are erased (a small pack costs one 1-2 s erase, not three). */
static cnd_status_t copy_from_nor(cnd_pack_mirror_t *m, uint32_t addr, uint32_t len,
                                  uint8_t *chunk)
{
    const cnd_iflash_t *f = m->iflash;
    uint32_t off, crc = (uint32_t)crc32(0L, Z_NULL, 0), h = hdr_len(f), sector;
    uint32_t sectors = (h + round_up(len, f->prog_size) + f->sector_size - 1u) / f->sector_size;
    cnd_status_t rs;

    m->copies++;
    for (sector = 0; sector < sectors; sector++)
        if (f->erase(f->ctx, sector) != CND_OK)
            return CND_E_IO;
    for (off = 0; off < len; off += CND_PACK_MIRROR_CHUNK) {
        uint32_t n = len - off < CND_PACK_MIRROR_CHUNK ? len - off : CND_PACK_MIRROR_CHUNK;
        if (m->nor->read(m->nor->ctx, addr + off, chunk, n) != CND_OK)
            return CND_E_IO;
        crc = (uint32_t)crc32(crc, chunk, n);
        if ((rs = prog_verified(f, h + off, chunk, n)) != CND_OK)
            return rs;
    }
    wr32(chunk, CND_PACK_MIRROR_MAGIC);
    wr32(chunk + 4, len);
    wr32(chunk + 8, crc);
    wr32(chunk + 12, ~len);
    if ((rs = prog_verified(f, 0, chunk, CND_PACK_MIRROR_HDR)) != CND_OK)
        return rs;
    /* The source could have changed under the copy only through a bug;
     * the CRC over what the sector now holds closes that door too. */
    return sector_valid(f, len) ? CND_OK : CND_E_VERIFY;
}

cnd_status_t cnd_pack_mirror_window(void *ctx, uint32_t addr, uint32_t len, const uint8_t **out)
{
    cnd_pack_mirror_t *m = (cnd_pack_mirror_t *)ctx;
    uint8_t chunk[CND_PACK_MIRROR_CHUNK];
    cnd_status_t rs = CND_OK;
    int same;

    *out = NULL;
    if (len == 0 || len > cnd_pack_mirror_capacity(m))
        return CND_E_NOSPACE;
    same = sector_valid(m->iflash, len) ? same_as_nor(m, addr, len, chunk) : 0;
    if (same < 0)
        return CND_E_IO;
    if (same == 0)
        rs = copy_from_nor(m, addr, len, chunk);
    if (rs == CND_OK)
        *out = m->iflash->base + hdr_len(m->iflash);
    return rs;
}
