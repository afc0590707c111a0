/*
 * ili9341.h: the 240x320 ILI9341 TFT controller over cnd_spi_bus_t (4-wire
 * SPI: the extra data/command line through a pin callback), drawing the
 * text layout's glyph grid (text.h) or lines of pixels the caller draws
 * (pre-rendered text, screen_draw.h) in RGB565.
 *
 * Owns: the panel's command sequences: hardware and software reset, sleep
 * out, 16-bit pixel format, memory access control (portrait, BGR panel),
 * display on; column/page address windows (CASET 0x2A / PASET 0x2B) and
 * memory write (RAMWR 0x2C); sleep in/out for low power with the backlight
 * hook. A text row (16 pixel lines) is sent as one window, one pixel line
 * at a time from a line buffer; rows that did not change since the last
 * frame are not sent at all (less SPI time, less power).
 *
 * Never: lays out text (text.h does); reads the panel back; blocks longer
 * than the datasheet waits (120 ms after reset and sleep out, measured on
 * the bus's millis()).
 * RAM: sizeof(cnd_ili9341_t) = 508 bytes on Cortex-M4, of which the line
 * buffer is 480 (240 pixels x 2 bytes); the caller may keep a second
 * cnd_text_frame_t (622 bytes) of what is on the glass to skip unchanged
 * rows.
 */
#ifndef CND_DRIVERS_ILI9341_H
#define CND_DRIVERS_ILI9341_H

#include <stdint.h>

#include "cnd_status.h"
#include "spi_bus.h"
#include "text.h"

#define CND_ILI9341_W 240
#define CND_ILI9341_H 320

/* RGB565 */
#define CND_RGB565(r, g, b) ((uint16_t)((((r) & 0xF8u) << 8) | (((g) & 0xFCu) << 3) | ((b) >> 3)))

typedef struct {
    /* filled by the port before cnd_ili9341_init */
    const cnd_spi_bus_t *bus;
    void *pin_ctx;
    void (*dc)(void *pin_ctx, int data);     /* D/C line: 0 = command, 1 = data */
    void (*reset)(void *pin_ctx, int active); /* RESX held low while active; NULL = none */
    void (*backlight)(void *pin_ctx, int on); /* NULL = always on */
    uint16_t fg, bg; /* text and background colours; inverted rows swap them */
    /* driver state */
    uint8_t asleep;
    /* one pixel line: drawn as RGB565 values (cnd_ili9341_draw_lines),
     * sent as bytes, high byte first */
    uint16_t line[CND_ILI9341_W];
} cnd_ili9341_t;

/* Resets and wakes the panel, sets 16-bit colour and portrait orientation,
 * clears it to bg, switches the display and the backlight on. fg/bg of 0/0
 * become black on white. */
cnd_status_t cnd_ili9341_init(cnd_ili9341_t *d);
/* Fills a rectangle with one colour (clipped to the panel). */
cnd_status_t cnd_ili9341_fill(cnd_ili9341_t *d, uint16_t x, uint16_t y, uint16_t w, uint16_t h,
                              uint16_t color);
/* Draws text row r of frame f (pixel lines 16r .. 16r+15). */
cnd_status_t cnd_ili9341_draw_row(cnd_ili9341_t *d, const cnd_text_frame_t *f, int r);
/* Draws the rows of f that differ from *shown (all rows if shown is NULL)
 * and updates *shown to f. */
cnd_status_t cnd_ili9341_draw_frame(cnd_ili9341_t *d, const cnd_text_frame_t *f,
                                    cnd_text_frame_t *shown);
/* Draws the whole panel one pixel line at a time: fill(ctx, px, y) writes
 * the 240 RGB565 pixels of line y into px (the driver's line buffer),
 * which then go out in one window (pre-rendered screens: screen_draw.h). */
cnd_status_t cnd_ili9341_draw_lines(cnd_ili9341_t *d, void (*fill)(void *ctx, uint16_t *px, int y),
                                    void *ctx);
/* Sleep (on = 1): backlight off, display off, sleep in: the panel keeps its
 * picture memory at a few uA. Wake (on = 0): sleep out, 120 ms, display on,
 * backlight on. */
cnd_status_t cnd_ili9341_sleep(cnd_ili9341_t *d, int on);
void cnd_ili9341_backlight(cnd_ili9341_t *d, int on);

#endif
