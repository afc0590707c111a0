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

static cnd_status_t iflash_erase(void *ctx)
{
    cnd_stm32_iflash_t *f = ctx;
    if (f->kick)
        f->kick();
    unlock();
    FLASH_CR = CR_SER | CR_SNB(f->sector) | CR_PSIZE_X32;
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

void cnd_stm32_iflash_init(cnd_stm32_iflash_t *f, uint32_t sector, uint32_t base, uint32_t size,
                           void (*kick)(void))
{
    f->ops.base = (const uint8_t *)(uintptr_t)base;
    f->ops.size = size;
    f->ops.prog_size = 4;
    f->ops.ctx = f;
    f->ops.erase = iflash_erase;
    f->ops.prog = iflash_prog;
    f->sector = sector;
    f->kick = kick;
}
