/* test_hal.c: deterministic HAL for tests (see test_hal.h). */
#include "test_hal.h"

#include <string.h>

void cnd_test_xorshift_fill(uint32_t *state, uint8_t *buf, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        buf[i] = (uint8_t)*state;
    }
}

static cnd_status_t test_random(void *ctx, uint8_t *buf, uint32_t n)
{
    cnd_test_xorshift_fill(&((cnd_test_hal_t *)ctx)->rng, buf, n);
    return CND_OK;
}

static uint16_t test_today(void *ctx)
{
    return ((cnd_test_hal_t *)ctx)->day;
}

void cnd_test_hal_init(cnd_test_hal_t *t, const cnd_flash_t *flash, uint32_t seed, uint16_t day)
{
    memset(t, 0, sizeof *t);
    t->hal.flash = *flash;
    t->hal.ctx = t;
    t->hal.random = test_random;
    t->hal.today = test_today;
    t->rng = seed != 0 ? seed : 1u; /* xorshift never leaves 0 */
    t->day = day;
}
