/*
 * sim_hal.h: the simulator's random source and clock for hal.h.
 *
 * Owns: filling a cnd_hal_t's random (getrandom(2), the kernel CSPRNG) and
 * today (the current UTC day since 2020-01-01) callbacks. The flash part of
 * the HAL comes from flash_file.h.
 *
 * Never: returns time finer than a day, or falls back to a weak random
 * source: if the kernel cannot give random bytes the core refuses to save.
 * RAM: none.
 */
#ifndef CND_SIM_HAL_H
#define CND_SIM_HAL_H

#include <stdint.h>

#include "hal.h"

cnd_status_t cnd_sim_random(void *ctx, uint8_t *buf, uint32_t n);
uint16_t cnd_sim_today(void *ctx);

/* Days since 2020-01-01 UTC for a Unix time (clamped to 0..65535). */
uint16_t cnd_sim_day_of(long long unix_seconds);

#endif
