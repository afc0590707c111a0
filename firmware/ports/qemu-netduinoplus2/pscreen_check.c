/* pscreen_check.c: a pre-rendered screen drawn on target (pscreen_check.h).
 * The input: u32 atlas length, the atlas, then six blocks (title, body,
 * four options) each as u32 length + bytes, then u8 rtl, u8 cursor. */
#include "pscreen_check.h"

#include <string.h>

#include "pscreen.h"
#include "ptext_draw.h"
#include "semihost.h"

#define N_BLOCKS 6

static uint16_t g_line[CND_PTEXT_SCREEN_W];

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int cnd_pscreen_check(uint8_t *scratch, uint32_t cap)
{
    int32_t fd = cnd_semihost_open("pscreen.in", 1 /* rb */), len, out;
    uint32_t at = 0, n, k;
    cnd_patlas_t a;
    cnd_ptext_t t[N_BLOCKS];
    cnd_pscreen_t ps;
    int y;
    if (fd < 0)
        return 0;
    len = cnd_semihost_length(fd);
    if (len <= 0 || (uint32_t)len > cap || cnd_semihost_read(fd, scratch, (uint32_t)len) != 0) {
        cnd_semihost_close(fd);
        return -1;
    }
    cnd_semihost_close(fd);
    if ((uint32_t)len < 4 || (n = rd32(scratch)) > (uint32_t)len - 4 ||
        cnd_patlas_open(&a, scratch + 4, n) != CND_OK)
        return -1;
    at = 4 + n;
    memset(&ps, 0, sizeof ps);
    for (k = 0; k < N_BLOCKS; k++) {
        if ((uint32_t)len - at < 4 || (n = rd32(scratch + at)) > (uint32_t)len - at - 4 ||
            cnd_ptext_open(&t[k], scratch + at + 4, n, &a) != CND_OK)
            return -1;
        at += 4 + n;
    }
    if ((uint32_t)len - at != 2)
        return -1;
    ps.atlas = &a;
    ps.title = &t[0];
    ps.body = &t[1];
    for (k = 0; k < 4; k++)
        ps.opt[k] = &t[2 + k];
    ps.n_opt = 4;
    ps.rtl = scratch[at];
    ps.cursor = scratch[at + 1];
    memcpy(ps.status, "test", 5);
    ps.fg = 0x0000;
    ps.bg = 0xFFFF;
    out = cnd_semihost_open("pscreen.out", 5 /* wb */);
    if (out < 0)
        return -1;
    for (y = 0; y < CND_PTEXT_SCREEN_H; y++) {
        cnd_band_t band = {g_line, y, 1};
        cnd_pscreen_draw(&ps, &band);
        /* Cortex-M4 is little-endian: the line's bytes are RGB565 LE */
        if (cnd_semihost_write(out, g_line, sizeof g_line) != 0) {
            cnd_semihost_close(out);
            return -1;
        }
    }
    cnd_semihost_close(out);
    return 1;
}
