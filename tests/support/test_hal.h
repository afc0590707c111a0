/*
 * test_hal.h: a deterministic cnd_hal_t for tests: a given flash, an
 * xorshift "random" source from a seed (so a failure reproduces) and a
 * fixed day.
 *
 * Never: used by firmware (the device's random must be a real TRNG).
 * RAM: sizeof(cnd_test_hal_t), a few words, owned by the test.
 */
#ifndef CND_TEST_HAL_H
#define CND_TEST_HAL_H

#include <stdint.h>

#include "hal.h"

typedef struct {
    cnd_hal_t hal; /* hand &t->hal to the code under test; hal.ctx points here */
    uint32_t rng;
    uint16_t day;
} cnd_test_hal_t;

void cnd_test_hal_init(cnd_test_hal_t *t, const cnd_flash_t *flash, uint32_t seed, uint16_t day);

/* n deterministic bytes from a xorshift32 state (never 0): the random
 * source of every test device, so runs repeat exactly. */
void cnd_test_xorshift_fill(uint32_t *state, uint8_t *buf, uint32_t n);

#endif
