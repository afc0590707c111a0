/* iflash.c: STM32F4 internal flash sector ops (see iflash.h). */
#include "iflash.h"

#include "cm4.h"

#define FLASH_BASE 0x40023C00u
#define FLASH_ACR CND_REG32(FLASH_BASE + 0x00u)
#define FLASH_KEYR CND_REG32(FLASH_BASE + 0x04u)
#define FLASH_SR CND_REG32(FLASH_BASE + 0x0Cu)
#define FLASH_CR CND_REG32(FLASH_BASE + 0x10u)

#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu

#define SR_BSY (1u << 16)
/* EOP, OPERR, WRPERR, PGAERR, PGPERR, PGSERR: cleared by writing 1. */
#define SR_ERRORS 0xF2u
#define SR_CLEAR 0xF3u

#define CR_PG (1u << 0)
#define CR_SER (1u << 1)
#define CR_SNB(n) ((uint32_t)(n) << 3)
#define CR_PSIZE_X32 (2u << 8)
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)

#define ACR_DCEN (1u << 10)
#define ACR_DCRST (1u << 12)

static void wait_idle(void)
{
    while (FLASH_SR & SR_BSY) {
    }
}

static void unlock(void)
{
    wait_idle();
    if (FLASH_CR & CR_LOCK) {
        FLASH_KEYR = KEY1;
        FLASH_KEYR = KEY2;
    }
    FLASH_SR = SR_CLEAR;
}

/* Clears the operation bits, locks, and resets the data cache (it may hold
 * the sector's old bytes; DCRST works only while the cache is off). */
static cnd_status_t finish(void)
{
    uint32_t sr = FLASH_SR;
    FLASH_CR = CR_LOCK;
    if (FLASH_ACR & ACR_DCEN) {
        FLASH_ACR &= ~ACR_DCEN;
        FLASH_ACR |= ACR_DCRST;
        FLASH_ACR &= ~ACR_DCRST;
        FLASH_ACR |= ACR_DCEN;
    }
    return (sr & SR_ERRORS) ? CND_E_IO : CND_OK;
}

static cnd_status_t iflash_erase(void *ctx, uint32_t sector)
{
    cnd_stm32_iflash_t *f = ctx;
    if (sector >= f->n_sectors)
        return CND_E_IO; /* never a sector it was not given */
    if (f->kick)
        f->kick(); /* one kick per sector: each erase may take 2 s */
    unlock();
    FLASH_CR = CR_SER | CR_SNB(f->first_sector + sector) | CR_PSIZE_X32;
    FLASH_CR |= CR_STRT;
    wait_idle();
    return finish();
}

static cnd_status_t iflash_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    cnd_stm32_iflash_t *f = ctx;
    const uint8_t *b = buf;
    uint32_t i;
    if (off % 4u != 0 || len % 4u != 0 || off > f->ops.size || len > f->ops.size - off)
        return CND_E_IO;
    /* A 256 KiB mirror is 65,536 words of up to 100 us each (DS8626
     * t_PROG): 6.5 s in all, longer than the watchdog; one chunk is not. */
    if (f->kick)
        f->kick();
    unlock();
    FLASH_CR = CR_PG | CR_PSIZE_X32;
    for (i = 0; i < len; i += 4u) {
        /* buf may be unaligned: assemble the little-endian word. */
        uint32_t w = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 |
                     (uint32_t)b[i + 3] << 24;
        *(volatile uint32_t *)(uintptr_t)((uintptr_t)f->ops.base + off + i) = w;
        wait_idle();
        if (FLASH_SR & SR_ERRORS)
            break;
    }
    return finish();
}

void cnd_stm32_iflash_init(cnd_stm32_iflash_t *f, uint32_t first_sector, uint32_t n_sectors,
                           uint32_t base, uint32_t size, void (*kick)(void))
{
    f->ops.base = (const uint8_t *)(uintptr_t)base;
    f->ops.size = size;
    f->ops.sector_size = n_sectors ? size / n_sectors : 0;
    f->ops.prog_size = 4;
    f->ops.ctx = f;
    f->ops.erase = iflash_erase;
    f->ops.prog = iflash_prog;
    f->first_sector = first_sector;
    f->n_sectors = n_sectors;
    f->kick = kick;
}
