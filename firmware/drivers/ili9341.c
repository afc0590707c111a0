/* ili9341.c: ILI9341 panel commands and text drawing (see ili9341.h). */
#include "ili9341.h"

#include <string.h>

#include "font.h"

#define CMD_SWRESET 0x01u
#define CMD_SLPIN 0x10u
#define CMD_SLPOUT 0x11u
#define CMD_DISPOFF 0x28u
#define CMD_DISPON 0x29u
#define CMD_CASET 0x2Au
#define CMD_PASET 0x2Bu
#define CMD_RAMWR 0x2Cu
#define CMD_MADCTL 0x36u
#define CMD_COLMOD 0x3Au

#define MADCTL_MX 0x40u  /* column order mirrored: portrait with the connector at the top */
#define MADCTL_BGR 0x08u /* the common modules' panels are BGR */
#define COLMOD_16BIT 0x55u

/* Datasheet waits (ILI9341 V1.11, 8.2.2 / 8.2.12 / 8.2.13). */
#define RESET_PULSE_MS 1u     /* RESX low >= 10 us */
#define RESET_WAIT_MS 120u    /* after a reset before sleep out */
#define SLEEP_OUT_WAIT_MS 120u
#define SLEEP_IN_WAIT_MS 5u

static void wait_ms(cnd_ili9341_t *d, uint32_t ms)
{
    const cnd_spi_bus_t *b = d->bus;
    uint32_t t0 = b->millis(b->ctx);
    /* +1: the first tick may come at once, whatever the phase */
    while (b->millis(b->ctx) - t0 < ms + 1u) {
    }
}

/* One command frame; with keep_open the data phase may go on (RAMWR). */
static cnd_status_t command(cnd_ili9341_t *d, uint8_t cmd, const uint8_t *data, uint32_t n,
                            int keep_open)
{
    const cnd_spi_bus_t *b = d->bus;
    cnd_status_t st;
    d->dc(d->pin_ctx, 0);
    b->select(b->ctx, 1);
    st = b->xfer(b->ctx, &cmd, NULL, 1);
    d->dc(d->pin_ctx, 1);
    if (st == CND_OK && n > 0)
        st = b->xfer(b->ctx, data, NULL, n);
    if (st != CND_OK || !keep_open)
        b->select(b->ctx, 0);
    return st == CND_OK ? CND_OK : CND_E_IO;
}

static cnd_status_t command1(cnd_ili9341_t *d, uint8_t cmd, uint8_t arg)
{
    return command(d, cmd, &arg, 1, 0);
}

/* CASET / PASET: the inclusive range [lo, hi] of columns or pages. */
static cnd_status_t set_range(cnd_ili9341_t *d, uint8_t cmd, uint16_t lo, uint16_t hi)
{
    uint8_t a[4];
    a[0] = (uint8_t)(lo >> 8);
    a[1] = (uint8_t)lo;
    a[2] = (uint8_t)(hi >> 8);
    a[3] = (uint8_t)hi;
    return command(d, cmd, a, 4, 0);
}

/* Opens a RAMWR frame for the window [x0, x1] x [y0, y1]; the caller sends
 * the pixels and releases chip select. */
static cnd_status_t window(cnd_ili9341_t *d, uint16_t x0, uint16_t y0, uint16_t x1, uint16_t y1)
{
    if (set_range(d, CMD_CASET, x0, x1) != CND_OK || set_range(d, CMD_PASET, y0, y1) != CND_OK)
        return CND_E_IO;
    return command(d, CMD_RAMWR, NULL, 0, 1);
}

static void put_pixel(uint8_t *p, uint16_t c)
{
    p[0] = (uint8_t)(c >> 8); /* RGB565 goes out high byte first */
    p[1] = (uint8_t)c;
}

void cnd_ili9341_backlight(cnd_ili9341_t *d, int on)
{
    if (d->backlight != NULL)
        d->backlight(d->pin_ctx, on);
}

cnd_status_t cnd_ili9341_fill(cnd_ili9341_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                              uint16_t color)
{
    const cnd_spi_bus_t *b = d->bus;
    cnd_status_t st = CND_OK;
    uint32_t i;
    if (x >= CND_ILI9341_W || y >= CND_ILI9341_H || w == 0 || h == 0)
        return CND_OK;
    if (w > CND_ILI9341_W - x)
        w = (uint16_t)(CND_ILI9341_W - x);
    if (h > CND_ILI9341_H - y)
        h = (uint16_t)(CND_ILI9341_H - y);
    for (i = 0; i < w; i++)
        put_pixel((uint8_t *)d->line + 2u * i, color);
    if (window(d, x, y, (uint16_t)(x + w - 1u), (uint16_t)(y + h - 1u)) != CND_OK)
        return CND_E_IO;
    for (i = 0; i < h && st == CND_OK; i++)
        st = b->xfer(b->ctx, (const uint8_t *)d->line, NULL, 2u * w);
    b->select(b->ctx, 0);
    return st == CND_OK ? CND_OK : CND_E_IO;
}

cnd_status_t cnd_ili9341_draw_row(cnd_ili9341_t *d, const cnd_text_frame_t *f, int r)
{
    const cnd_spi_bus_t *b = d->bus;
    uint16_t fg = d->fg, bg = d->bg, y0;
    cnd_status_t st = CND_OK;
    int py, c, bit;
    if (r < 0 || r >= CND_TEXT_ROWS)
        return CND_E_RANGE;
    if (f->invert[r]) {
        fg = d->bg;
        bg = d->fg;
    }
    y0 = (uint16_t)(r * CND_FONT_H);
    if (window(d, 0, y0, CND_ILI9341_W - 1u, (uint16_t)(y0 + CND_FONT_H - 1u)) != CND_OK)
        return CND_E_IO;
    for (py = 0; py < CND_FONT_H && st == CND_OK; py++) {
        uint8_t *p = (uint8_t *)d->line;
        for (c = 0; c < CND_TEXT_COLS; c++) {
            uint8_t bits = cnd_font_bitmap(f->glyph[r][c])[py];
            for (bit = 0; bit < CND_FONT_W; bit++, p += 2)
                put_pixel(p, (bits & (0x80u >> bit)) ? fg : bg);
        }
        st = b->xfer(b->ctx, (const uint8_t *)d->line, NULL, sizeof d->line);
    }
    b->select(b->ctx, 0);
    return st == CND_OK ? CND_OK : CND_E_IO;
}

cnd_status_t cnd_ili9341_draw_lines(cnd_ili9341_t *d, void (*fill)(void *ctx, uint16_t *px, int y),
                                    void *ctx)
{
    const cnd_spi_bus_t *b = d->bus;
    cnd_status_t st = CND_OK;
    int y, i;
    if (window(d, 0, 0, CND_ILI9341_W - 1u, CND_ILI9341_H - 1u) != CND_OK)
        return CND_E_IO;
    for (y = 0; y < CND_ILI9341_H && st == CND_OK; y++) {
        uint8_t *p = (uint8_t *)d->line;
        fill(ctx, d->line, y);
        /* in place: each pixel is read before its own two bytes are written */
        for (i = 0; i < CND_ILI9341_W; i++)
            put_pixel(p + 2 * i, d->line[i]);
        st = b->xfer(b->ctx, (const uint8_t *)d->line, NULL, sizeof d->line);
    }
    b->select(b->ctx, 0);
    return st == CND_OK ? CND_OK : CND_E_IO;
}

cnd_status_t cnd_ili9341_draw_frame(cnd_ili9341_t *d, const cnd_text_frame_t *f,
                                    cnd_text_frame_t *shown)
{
    int r;
    for (r = 0; r < CND_TEXT_ROWS; r++) {
        if (shown != NULL && shown->invert[r] == f->invert[r] &&
            memcmp(shown->glyph[r], f->glyph[r], CND_TEXT_COLS) == 0)
            continue;
        if (cnd_ili9341_draw_row(d, f, r) != CND_OK)
            return CND_E_IO;
        if (shown != NULL) {
            memcpy(shown->glyph[r], f->glyph[r], CND_TEXT_COLS);
            shown->invert[r] = f->invert[r];
        }
    }
    if (shown != NULL) {
        shown->body_offset = f->body_offset;
        shown->body_max = f->body_max;
    }
    return CND_OK;
}

cnd_status_t cnd_ili9341_init(cnd_ili9341_t *d)
{
    if (d->fg == 0 && d->bg == 0)
        d->bg = 0xFFFFu; /* black on white: readable in daylight */
    d->bus->select(d->bus->ctx, 0);
    if (d->reset != NULL) {
        d->reset(d->pin_ctx, 1);
        wait_ms(d, RESET_PULSE_MS);
        d->reset(d->pin_ctx, 0);
        wait_ms(d, RESET_WAIT_MS);
    }
    /* A software reset as well: the RESX line may be tied high on a module. */
    if (command(d, CMD_SWRESET, NULL, 0, 0) != CND_OK)
        return CND_E_IO;
    wait_ms(d, RESET_WAIT_MS);
    if (command(d, CMD_SLPOUT, NULL, 0, 0) != CND_OK)
        return CND_E_IO;
    wait_ms(d, SLEEP_OUT_WAIT_MS);
    if (command1(d, CMD_COLMOD, COLMOD_16BIT) != CND_OK ||
        command1(d, CMD_MADCTL, MADCTL_MX | MADCTL_BGR) != CND_OK ||
        cnd_ili9341_fill(d, 0, 0, CND_ILI9341_W, CND_ILI9341_H, d->bg) != CND_OK ||
        command(d, CMD_DISPON, NULL, 0, 0) != CND_OK)
        return CND_E_IO;
    d->asleep = 0;
    cnd_ili9341_backlight(d, 1);
    return CND_OK;
}

cnd_status_t cnd_ili9341_sleep(cnd_ili9341_t *d, int on)
{
    if ((on != 0) == (d->asleep != 0))
        return CND_OK;
    if (on) {
        cnd_ili9341_backlight(d, 0);
        if (command(d, CMD_DISPOFF, NULL, 0, 0) != CND_OK ||
            command(d, CMD_SLPIN, NULL, 0, 0) != CND_OK)
            return CND_E_IO;
        wait_ms(d, SLEEP_IN_WAIT_MS);
        d->asleep = 1;
        return CND_OK;
    }
    if (command(d, CMD_SLPOUT, NULL, 0, 0) != CND_OK)
        return CND_E_IO;
    wait_ms(d, SLEEP_OUT_WAIT_MS);
    if (command(d, CMD_DISPON, NULL, 0, 0) != CND_OK)
        return CND_E_IO;
    d->asleep = 0;
    cnd_ili9341_backlight(d, 1);
    return CND_OK;
}
