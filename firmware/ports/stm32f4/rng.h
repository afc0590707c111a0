/*
 * rng.h: the STM32F4 true random number generator (RM0090 section 24) as
 * the core's hal->random (response ids, device id).
 *
 * Owns: the RNG peripheral and its checks. RM0090 24.3.1/24.3.2: the
 * first word after enabling is never used, every word is compared with
 * the previous one (equal = failed continuous test), and a seed error
 * (SECS) or clock error (CECS) refuses the request: CND_E_IO, so the core
 * refuses to save instead of writing a guessable id. After a seed error the
 * generator is restarted for the next request.
 *
 * Never: falls back to a pseudo-random source; returns partial output as
 * good. RAM: sizeof(cnd_stm32_rng_t) = 8 bytes.
 * Needs the 48 MHz PLL clock (rcc.h) running.
 */
#ifndef CND_STM32F4_RNG_H
#define CND_STM32F4_RNG_H

#include <stdint.h>

#include "cnd_status.h"

typedef struct {
    uint32_t last;   /* previous word, for the continuous test */
    uint8_t primed;  /* 1 once the first word was discarded into last */
} cnd_stm32_rng_t;

/* Clocks and enables the generator. */
void cnd_stm32_rng_init(cnd_stm32_rng_t *r);
/* hal.h random(): fills buf with n bytes; ctx is a cnd_stm32_rng_t. */
cnd_status_t cnd_stm32_rng_read(void *ctx, uint8_t *buf, uint32_t n);

#endif
