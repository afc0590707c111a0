/* rng.c: STM32F4 TRNG with the reference manual's checks (see rng.h). */
#include "rng.h"

#include "rcc.h"
#include "regs.h"

/* A word takes 40 periods of the 48 MHz RNG clock (~1 us); this limit is
 * about a millisecond at 168 MHz: only a stopped RNG clock reaches it. */
#define POLL_LIMIT 100000u

void cnd_stm32_rng_init(cnd_stm32_rng_t *r)
{
    cnd_stm32_clock_ahb2(RCC_AHB2ENR_RNGEN);
    RNG_CR |= RNG_CR_RNGEN;
    r->last = 0;
    r->primed = 0;
}

/* Restart after a seed error, RM0090 24.3.2: clear SEIS, disable and
 * re-enable; the first word after it is discarded again. */
static void restart(cnd_stm32_rng_t *r)
{
    RNG_SR &= ~RNG_SR_SEIS;
    RNG_CR &= ~RNG_CR_RNGEN;
    RNG_CR |= RNG_CR_RNGEN;
    r->primed = 0;
}

/* One checked word: CND_OK and *out, or CND_E_IO. */
static cnd_status_t next_word(cnd_stm32_rng_t *r, uint32_t *out)
{
    for (;;) {
        uint32_t i, sr = 0, w;
        for (i = 0; i < POLL_LIMIT; i++) {
            sr = RNG_SR;
            if (sr & (RNG_SR_DRDY | RNG_SR_SECS | RNG_SR_CECS))
                break;
        }
        if (sr & RNG_SR_SECS) {
            restart(r);
            return CND_E_IO;
        }
        if (sr & RNG_SR_CECS) {
            RNG_SR &= ~RNG_SR_CEIS; /* clock too slow: the PLL48 is not right */
            return CND_E_IO;
        }
        if (!(sr & RNG_SR_DRDY))
            return CND_E_IO; /* no word at all: RNG clock off */
        w = RNG_DR;
        if (!r->primed) { /* the first word after enabling is never used */
            r->last = w;
            r->primed = 1;
            continue;
        }
        if (w == r->last) { /* continuous test failed (24.3.1) */
            restart(r);
            return CND_E_IO;
        }
        r->last = w;
        *out = w;
        return CND_OK;
    }
}

cnd_status_t cnd_stm32_rng_read(void *ctx, uint8_t *buf, uint32_t n)
{
    cnd_stm32_rng_t *r = ctx;
    uint32_t w = 0;
    while (n > 0) {
        uint32_t k;
        if (next_word(r, &w) != CND_OK)
            return CND_E_IO;
        for (k = 0; k < 4u && n > 0; k++, n--) {
            *buf++ = (uint8_t)w;
            w >>= 8;
        }
    }
    return CND_OK;
}
