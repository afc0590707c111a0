/* ram_flash.c: see ram_flash.h. */
#include "ram_flash.h"

#include <stdlib.h>
#include <string.h>

static int range_ok(const cnd_ram_flash_t *rf, uint32_t addr, uint32_t len)
{
    uint32_t size = rf->flash.block_size * rf->flash.block_count;
    return addr <= size && len <= size - addr;
}

/* Decides whether the armed fault hits this prog/erase. */
static cnd_ram_fault_t take_fault(cnd_ram_flash_t *rf)
{
    if (rf->fault == CND_RAM_FAULT_NONE || rf->fault_fired)
        return CND_RAM_FAULT_NONE;
    if (rf->ops_until_fault > 0) {
        rf->ops_until_fault--;
        return CND_RAM_FAULT_NONE;
    }
    rf->fault_fired = 1;
    return rf->fault;
}

static cnd_status_t ram_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    if (rf->powered_off || !range_ok(rf, addr, len))
        return CND_E_IO;
    memcpy(buf, rf->mem + addr, len);
    rf->read_count++;
    return CND_OK;
}

static cnd_status_t ram_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_ram_flash_t *rf = ctx;
    const uint8_t *src = buf;
    uint32_t bs = rf->flash.block_size, ps = rf->flash.prog_size, n = len, i;
    cnd_ram_fault_t fault;

    if (rf->powered_off || !range_ok(rf, addr, len) || len == 0)
        return CND_E_IO;
    /* hal.h: aligned to prog_size and inside one erase block. */
    if (addr % ps != 0 || len % ps != 0 || addr / bs != (addr + len - 1) / bs)
        return CND_E_IO;
    fault = take_fault(rf);
    if (fault == CND_RAM_FAULT_IO_ERROR)
        return CND_E_IO;
    if (fault == CND_RAM_FAULT_POWER_CUT)
        n = rf->torn_bytes < len ? rf->torn_bytes : len;
    for (i = 0; i < n; i++)
        rf->mem[addr + i] &= src[i]; /* NOR: programming only clears bits */
    if (fault == CND_RAM_FAULT_BAD_BITS) {
        for (i = 0; i < len; i++) {
            uint8_t lost = (uint8_t)(~src[i] & 0xFFu);
            if (lost) { /* one bit that should have been cleared stays set */
                rf->mem[addr + i] |= (uint8_t)(lost & (uint8_t)-lost);
                break;
            }
        }
    }
    rf->prog_count++;
    rf->prog_bytes += n;
    if (fault == CND_RAM_FAULT_POWER_CUT) {
        rf->powered_off = 1;
        return CND_E_IO;
    }
    return CND_OK;
}

static cnd_status_t ram_erase(void *ctx, uint32_t block)
{
    cnd_ram_flash_t *rf = ctx;
    uint32_t bs = rf->flash.block_size, n = bs;
    cnd_ram_fault_t fault;

    if (rf->powered_off || block >= rf->flash.block_count)
        return CND_E_IO;
    fault = take_fault(rf);
    if (fault == CND_RAM_FAULT_IO_ERROR)
        return CND_E_IO;
    if (fault == CND_RAM_FAULT_POWER_CUT)
        n = rf->torn_bytes < bs ? rf->torn_bytes : bs;
    memset(rf->mem + (size_t)block * bs, 0xFF, n);
    rf->erase_count++;
    rf->block_erases[block]++;
    if (fault == CND_RAM_FAULT_POWER_CUT) {
        rf->powered_off = 1;
        return CND_E_IO;
    }
    return CND_OK;
}

cnd_status_t cnd_ram_flash_init(cnd_ram_flash_t *rf, uint32_t block_size, uint32_t block_count,
                                uint32_t prog_size)
{
    size_t size = (size_t)block_size * block_count;
    memset(rf, 0, sizeof(*rf));
    if (prog_size == 0 || block_size == 0 || block_count == 0 || block_size % prog_size != 0)
        return CND_E_INVALID;
    rf->mem = malloc(size);
    rf->block_erases = calloc(block_count, sizeof(uint32_t));
    if (!rf->mem || !rf->block_erases) {
        cnd_ram_flash_free(rf);
        return CND_E_NOSPACE;
    }
    memset(rf->mem, 0xFF, size);
    rf->flash.block_size = block_size;
    rf->flash.block_count = block_count;
    rf->flash.prog_size = prog_size;
    rf->flash.ctx = rf;
    rf->flash.read = ram_read;
    rf->flash.prog = ram_prog;
    rf->flash.erase = ram_erase;
    return CND_OK;
}

void cnd_ram_flash_free(cnd_ram_flash_t *rf)
{
    free(rf->mem);
    free(rf->block_erases);
    rf->mem = NULL;
    rf->block_erases = NULL;
}

void cnd_ram_flash_arm(cnd_ram_flash_t *rf, cnd_ram_fault_t fault, uint32_t after,
                       uint32_t torn_bytes)
{
    rf->fault = fault;
    rf->ops_until_fault = after;
    rf->torn_bytes = torn_bytes;
    rf->fault_fired = 0;
}

void cnd_ram_flash_power_on(cnd_ram_flash_t *rf)
{
    rf->powered_off = 0;
    rf->fault = CND_RAM_FAULT_NONE;
    rf->fault_fired = 0;
}

void cnd_ram_flash_reset_counters(cnd_ram_flash_t *rf)
{
    rf->prog_count = 0;
    rf->erase_count = 0;
    rf->read_count = 0;
    rf->prog_bytes = 0;
    memset(rf->block_erases, 0, sizeof(uint32_t) * rf->flash.block_count);
}
