/* ram_flash.c: see ram_flash.h. */
#include "ram_flash.h"

#include <stdlib.h>
#include <string.h>

/* ---- the plain chip: NOR rules, no counting, no faults ---- */

static int range_ok(const cnd_ram_flash_t *rf, uint32_t addr, uint32_t len)
{
    uint32_t size = rf->raw.block_size * rf->raw.block_count;
    return addr <= size && len <= size - addr;
}

static cnd_status_t raw_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    if (!range_ok(rf, addr, len))
        return CND_E_IO;
    memcpy(buf, rf->mem + addr, len);
    return CND_OK;
}

static cnd_status_t raw_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    const uint8_t *src = buf;
    uint32_t bs = rf->raw.block_size, ps = rf->raw.prog_size, i;

    if (!range_ok(rf, addr, len) || len == 0)
        return CND_E_IO;
    /* hal.h: aligned to prog_size and inside one erase block. */
    if (addr % ps != 0 || len % ps != 0 || addr / bs != (addr + len - 1) / bs)
        return CND_E_IO;
    for (i = 0; i < len; i++)
        rf->mem[addr + i] &= src[i]; /* NOR: programming only clears bits */
    return CND_OK;
}

static cnd_status_t raw_erase(void *ctx, uint32_t block)
{
    cnd_ram_flash_t *rf = ctx;
    if (block >= rf->raw.block_count)
        return CND_E_IO;
    memset(rf->mem + (size_t)block * rf->raw.block_size, 0xFF, rf->raw.block_size);
    return CND_OK;
}

/* ---- what tests see: the fault layer, with its counters mirrored ---- */

static cnd_status_t mirror(cnd_ram_flash_t *rf, cnd_status_t st)
{
    rf->prog_count = rf->ff.progs;
    rf->erase_count = rf->ff.erases;
    rf->read_count = rf->ff.reads;
    rf->prog_bytes = (uint32_t)rf->ff.prog_bytes;
    rf->powered_off = rf->ff.powered_off;
    rf->fault_fired = rf->ff.fired;
    return st;
}

static cnd_status_t rf_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    return mirror(rf, rf->ff.flash.read(&rf->ff, addr, buf, len));
}

static cnd_status_t rf_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    return mirror(rf, rf->ff.flash.prog(&rf->ff, addr, buf, len));
}

static cnd_status_t rf_erase(void *ctx, uint32_t block)
{
    cnd_ram_flash_t *rf = ctx;
    return mirror(rf, rf->ff.flash.erase(&rf->ff, block));
}

cnd_status_t cnd_ram_flash_init(cnd_ram_flash_t *rf, uint32_t block_size, uint32_t block_count,
                                uint32_t prog_size)
{
    size_t size = (size_t)block_size * block_count;
    cnd_status_t st;
    memset(rf, 0, sizeof(*rf));
    if (prog_size == 0 || block_size == 0 || block_count == 0 || block_size % prog_size != 0)
        return CND_E_INVALID;
    rf->mem = malloc(size);
    if (!rf->mem)
        return CND_E_NOSPACE;
    memset(rf->mem, 0xFF, size);
    rf->raw.block_size = block_size;
    rf->raw.block_count = block_count;
    rf->raw.prog_size = prog_size;
    rf->raw.ctx = rf;
    rf->raw.read = raw_read;
    rf->raw.prog = raw_prog;
    rf->raw.erase = raw_erase;
    st = cnd_flash_fault_init(&rf->ff, &rf->raw, 1);
    if (st != CND_OK) {
        cnd_ram_flash_free(rf);
        return st;
    }
    rf->block_erases = rf->ff.block_erases;
    rf->flash = rf->raw;
    rf->flash.read = rf_read;
    rf->flash.prog = rf_prog;
    rf->flash.erase = rf_erase;
    return CND_OK;
}

void cnd_ram_flash_free(cnd_ram_flash_t *rf)
{
    free(rf->mem);
    cnd_flash_fault_free(&rf->ff);
    rf->mem = NULL;
    rf->block_erases = NULL;
}

void cnd_ram_flash_arm(cnd_ram_flash_t *rf, cnd_ram_fault_t fault, uint32_t after,
                       uint32_t torn_bytes)
{
    static const cnd_fault_kind_t kinds[] = {CND_FAULT_CUT, CND_FAULT_CUT, CND_FAULT_IO,
                                             CND_FAULT_BAD_BITS};
    rf->fault = fault;
    rf->ops_until_fault = after;
    rf->torn_bytes = torn_bytes;
    cnd_flash_fault_clear(&rf->ff);
    rf->ff.fired = 0;
    if (fault != CND_RAM_FAULT_NONE)
        (void)cnd_flash_fault_add(&rf->ff, kinds[fault], rf->ff.writes + after, CND_TORN_FIXED,
                                  torn_bytes);
    (void)mirror(rf, CND_OK);
}

void cnd_ram_flash_power_on(cnd_ram_flash_t *rf)
{
    cnd_flash_fault_power_on(&rf->ff);
    rf->fault = CND_RAM_FAULT_NONE;
    (void)mirror(rf, CND_OK);
}

void cnd_ram_flash_reset_counters(cnd_ram_flash_t *rf)
{
    cnd_flash_fault_reset_counters(&rf->ff);
    (void)mirror(rf, CND_OK);
}
