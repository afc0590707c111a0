/*
 * sim_hal.h: the simulator's random source and clock for hal.h.
 *
 * Owns: filling a cnd_hal_t's random (getrandom(2), the kernel CSPRNG) and
 * today (the current UTC day since 2020-01-01) callbacks, and the optional
 * ones: uptime (CLOCK_MONOTONIC), the local time of day for the neutral
 * screen's clock, and setting the date from the admin settings (an offset
 * in whole days over the PC's clock, like a handheld's RTC being set; it
 * lasts until the simulator exits). The flash part of the HAL comes from
 * flash_file.h.
 *
 * Never: gives the core a date finer than a day, or falls back to a weak
 * random source: if the kernel cannot give random bytes the core refuses to
 * save. RAM: one int (the day offset).
 */
#ifndef CND_SIM_HAL_H
#define CND_SIM_HAL_H

#include <stdint.h>

#include "hal.h"

cnd_status_t cnd_sim_random(void *ctx, uint8_t *buf, uint32_t n);
uint16_t cnd_sim_today(void *ctx);
uint32_t cnd_sim_uptime_ms(void *ctx);
uint32_t cnd_sim_clock_s(void *ctx);
cnd_status_t cnd_sim_set_today(void *ctx, uint16_t day);

/* Days since 2020-01-01 UTC for a Unix time (clamped to 0..65535). */
uint16_t cnd_sim_day_of(long long unix_seconds);

#endif
