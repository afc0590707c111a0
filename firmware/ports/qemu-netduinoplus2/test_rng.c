/* test_rng.c: seeded xoshiro128**, TEST ONLY (see test_rng.h). */
#include "test_rng.h"

static uint32_t g_s[4];
static int g_seeded;

static uint32_t rotl(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32u - k));
}

static uint32_t next(void)
{
    uint32_t result = rotl(g_s[1] * 5u, 7) * 9u, t = g_s[1] << 9;
    g_s[2] ^= g_s[0];
    g_s[3] ^= g_s[1];
    g_s[1] ^= g_s[2];
    g_s[0] ^= g_s[3];
    g_s[2] ^= t;
    g_s[3] = rotl(g_s[3], 11);
    return result;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cnd_test_rng_seed(const char *hex, uint32_t len)
{
    uint32_t s[4] = {0, 0, 0, 0}, i;
    if (len != 32)
        return -1;
    for (i = 0; i < 32; i++) {
        int v = hex_val(hex[i]);
        if (v < 0)
            return -1;
        s[i / 8] = (s[i / 8] << 4) | (uint32_t)v;
    }
    if ((s[0] | s[1] | s[2] | s[3]) == 0)
        return -1; /* the all-zero state never leaves zero */
    for (i = 0; i < 4; i++)
        g_s[i] = s[i];
    g_seeded = 1;
    return 0;
}

cnd_status_t cnd_test_rng_random(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t i, w = 0;
    (void)ctx;
    if (!g_seeded)
        return CND_E_IO;
    for (i = 0; i < n; i++) {
        if (i % 4 == 0)
            w = next();
        buf[i] = (uint8_t)(w >> (8 * (i % 4)));
    }
    return CND_OK;
}
