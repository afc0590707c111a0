/*
 * ptext_draw.h: draws pre-rendered text (formats/ptext.h) into RGB565
 * pixels, a band of whole panel lines at a time.
 *
 * Owns: blending a glyph's 2-bit coverage between a background and a
 * foreground colour, clipping to the band and to the text's box, and
 * aligning a line in its box (left for left-to-right text, right for
 * right-to-left). The handheld calls it with a band of one pixel line (its
 * ILI9341 line buffer); the simulator with the whole 240x320 framebuffer;
 * both get the same pixels because this is the only code that draws them.
 *
 * Never: shapes, reorders or breaks text (the office computer did), reads
 * outside the atlas or block (both opened by formats/ptext.c), or writes
 * outside the band. RAM: none but a few locals (4 blended colours).
 */
#ifndef CND_PTEXT_DRAW_H
#define CND_PTEXT_DRAW_H

#include <stdint.h>

#include "ptext.h"
#include "text.h"

/* A band: panel lines [y0, y0 + h) of CND_PTEXT_SCREEN_W pixels each. */
typedef struct {
    uint16_t *px;
    int y0, h;
} cnd_band_t;

/* Draws line l of block t with its top at panel line `top` in the box of
 * columns [left, left + box_w): right-aligned when t is right-to-left.
 * Pixels of the glyphs are blended from bg to fg; the rest of the band is
 * left as it is. */
void cnd_ptext_draw_line(const cnd_patlas_t *a, const cnd_ptext_t *t, const cnd_pline_t *l,
                         int left, int box_w, int top, uint16_t fg, uint16_t bg,
                         const cnd_band_t *band);

/* The same, for a line with a number's gap of gap_w pixels at gap_x (line
 * coordinates, formats/ptext.h cnd_pnum_slot_t) of which the digits need
 * only `keep`: the rest is closed up (glyphs after the gap move toward it;
 * a right-to-left line stays right-aligned), so "1 to sync" does not read
 * "1      to sync". Returns the line's origin: the digits go at origin +
 * gap_x. */
int cnd_ptext_draw_line_gap(const cnd_patlas_t *a, const cnd_ptext_t *t, const cnd_pline_t *l,
                            int left, int box_w, int top, uint16_t fg, uint16_t bg,
                            const cnd_band_t *band, int gap_x, int gap_w, int keep);

/* Draws lines [first, first + n) of t one under the other from `top`. */
void cnd_ptext_draw(const cnd_patlas_t *a, const cnd_ptext_t *t, int first, int n, int left,
                    int box_w, int top, uint16_t fg, uint16_t bg, const cnd_band_t *band);

/* Draws text.h's 8x16 glyph grid (the screens of a pack without
 * pre-rendered text, and the quick-exit clock) into the band: the pixels
 * the ILI9341 driver sends for the same frame (inverted rows swap fg/bg). */
void cnd_text_frame_draw(const cnd_text_frame_t *f, uint16_t fg, uint16_t bg,
                         const cnd_band_t *band);

/* Fills panel rows [y, y + h) x columns [x, x + w) of the band (clipped). */
void cnd_band_fill(const cnd_band_t *band, int x, int y, int w, int h, uint16_t color);

#endif
