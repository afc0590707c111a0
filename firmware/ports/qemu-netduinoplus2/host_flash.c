/* host_flash.c: NOR flash in a host file over semihosting (see host_flash.h). */
#include "host_flash.h"

#include <string.h>

#include "semihost.h"

#define CHUNK 256u
#define MODE_RB_PLUS 3u /* "r+b" */
#define MODE_WB_PLUS 7u /* "w+b" */

static cnd_status_t file_read(cnd_host_flash_t *hf, uint32_t addr, void *buf, uint32_t len)
{
    if (cnd_semihost_seek(hf->fd, addr) != 0 || cnd_semihost_read(hf->fd, buf, len) != 0)
        return CND_E_IO;
    return CND_OK;
}

static cnd_status_t file_write(cnd_host_flash_t *hf, uint32_t addr, const void *buf, uint32_t len)
{
    if (cnd_semihost_seek(hf->fd, addr) != 0 || cnd_semihost_write(hf->fd, buf, len) != 0)
        return CND_E_IO;
    return CND_OK;
}

static cnd_status_t hf_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_host_flash_t *hf = ctx;
    if (addr > hf->size || len > hf->size - addr)
        return CND_E_IO;
    return file_read(hf, addr, buf, len);
}

/* Fills [addr, addr+len) with 0xFF. */
static cnd_status_t fill_erased(cnd_host_flash_t *hf, uint32_t addr, uint32_t len)
{
    uint8_t ff[CHUNK];
    cnd_status_t st = CND_OK;
    memset(ff, 0xFF, sizeof ff);
    while (st == CND_OK && len > 0) {
        uint32_t n = len < CHUNK ? len : CHUNK;
        st = file_write(hf, addr, ff, n);
        addr += n;
        len -= n;
    }
    return st;
}

/* hal.h: whole program units, inside one erase block, inside the chip. */
static int prog_range_ok(const cnd_host_flash_t *hf, uint32_t addr, uint32_t len)
{
    uint64_t end = (uint64_t)addr + len;
    if (len == 0 || addr % hf->prog_size != 0 || len % hf->prog_size != 0 || end > hf->size)
        return 0;
    return addr / hf->block_size == (uint32_t)((end - 1u) / hf->block_size);
}

static cnd_status_t hf_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_host_flash_t *hf = ctx;
    const uint8_t *src = buf;
    uint8_t cur[CHUNK];
    if (!prog_range_ok(hf, addr, len))
        return CND_E_IO;
    while (len > 0) {
        uint32_t n = len < CHUNK ? len : CHUNK, i;
        cnd_status_t st = file_read(hf, addr, cur, n);
        if (st != CND_OK)
            return st;
        for (i = 0; i < n; i++)
            cur[i] &= src[i]; /* NOR: programming only clears bits */
        st = file_write(hf, addr, cur, n);
        if (st != CND_OK)
            return st;
        addr += n;
        src += n;
        len -= n;
    }
    return CND_OK;
}

static cnd_status_t hf_erase(void *ctx, uint32_t block)
{
    cnd_host_flash_t *hf = ctx;
    if (block >= hf->size / hf->block_size)
        return CND_E_IO;
    return fill_erased(hf, block * hf->block_size, hf->block_size);
}

cnd_status_t cnd_host_flash_open(cnd_host_flash_t *hf, const char *path, uint32_t block_size,
                                 uint32_t block_count, uint32_t prog_size, cnd_flash_t *out)
{
    int32_t have;
    if (block_size == 0 || block_count == 0 || prog_size == 0 || block_size % prog_size != 0 ||
        (uint64_t)block_size * block_count > 0x7FFFFFFFu)
        return CND_E_INVALID;
    hf->size = block_size * block_count;
    hf->block_size = block_size;
    hf->prog_size = prog_size;
    hf->fd = cnd_semihost_open(path, MODE_RB_PLUS);
    if (hf->fd < 0)
        hf->fd = cnd_semihost_open(path, MODE_WB_PLUS); /* first boot: a new chip */
    if (hf->fd < 0)
        return CND_E_IO;
    have = cnd_semihost_length(hf->fd);
    if (have < 0) {
        cnd_host_flash_close(hf);
        return CND_E_IO;
    }
    if ((uint32_t)have < hf->size &&
        fill_erased(hf, (uint32_t)have, hf->size - (uint32_t)have) != CND_OK) {
        cnd_host_flash_close(hf);
        return CND_E_IO;
    }
    memset(out, 0, sizeof *out);
    out->block_size = block_size;
    out->block_count = block_count;
    out->prog_size = prog_size;
    out->ctx = hf;
    out->read = hf_read;
    out->prog = hf_prog;
    out->erase = hf_erase;
    return CND_OK;
}

void cnd_host_flash_close(cnd_host_flash_t *hf)
{
    if (hf->fd >= 0)
        (void)cnd_semihost_close(hf->fd);
    hf->fd = -1;
}
