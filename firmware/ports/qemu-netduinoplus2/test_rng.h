/*
 * test_rng.h: the QEMU board's random source. TEST ONLY, NOT SECURE.
 *
 * QEMU's STM32F405 has no TRNG model, so the test harness sends a seed
 * over the console ("seed <32 hex digits>", from the host's /dev/urandom)
 * and this module stretches it with xoshiro128** (a statistical PRNG, not
 * a cryptographic one). That is enough for the test's purpose (distinct
 * response ids) and nothing more: the handheld's port uses the MCU's
 * hardware RNG. Until seeded, every request fails with CND_E_IO, so the
 * core refuses to format or save rather than use predictable ids.
 *
 * Never: linked into a field image. RAM: 20 bytes.
 */
#ifndef CND_TEST_RNG_H
#define CND_TEST_RNG_H

#include <stdint.h>

#include "cnd_status.h"

/* hex: exactly 32 hex digits. Returns 0 when accepted. */
int cnd_test_rng_seed(const char *hex, uint32_t len);
/* hal.h random callback. */
cnd_status_t cnd_test_rng_random(void *ctx, uint8_t *buf, uint32_t n);

#endif
