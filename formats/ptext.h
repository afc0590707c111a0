/*
 * ptext.h: pre-rendered text, the form in which the office computer hands
 * the handheld text it has already shaped (formats/SPEC.md 1.12).
 *
 * Owns: the byte layout of a glyph atlas (the bitmaps of the glyphs one
 * language uses, 2 bits of coverage per pixel) and of a text block (lines
 * of glyphs positioned in pixels, in visual order), their validation, and
 * read access to them. The writer is host/survey/shape.c; the drawing is
 * firmware/drivers/ptext_draw.c. A device never shapes: every ligature,
 * conjunct, joining form, reordering and line break was decided on the
 * office computer, so what the device draws is exactly what was checked.
 *
 * Never: allocates, copies bitmaps, or reads a byte cnd_patlas_open() /
 * cnd_ptext_open() has not bounds-checked. After a successful open every
 * accessor is total.
 * RAM: sizeof(cnd_patlas_t) + sizeof(cnd_ptext_t), 20 bytes; no stack
 * beyond a few locals.
 */
#ifndef CND_PTEXT_H
#define CND_PTEXT_H

#include <stdint.h>

#include "cnd_status.h"

/* The handheld's panel (ILI9341, portrait). Lines are wrapped to at most
 * this many pixels; x positions are bytes. */
#define CND_PTEXT_SCREEN_W 240
#define CND_PTEXT_SCREEN_H 320

/* Atlas: u16 n_glyphs, then n_glyphs entries {u8 w, u8 h, u16 off}, then
 * the bitmap area. Glyph g's w*h pixels start at byte off of the bitmap
 * area, row-major, 2 bits each, most significant pair first, rows not
 * padded: pixel (x, y) is pair (y * w + x) of the glyph. */
#define CND_PATLAS_HDR 2
#define CND_PATLAS_ENTRY 4
#define CND_PATLAS_MAX_GLYPHS 4096

/* Text block: u8 n_lines, u8 line_h (pixels per line), u8 flags, u8 0;
 * then per line {u8 width, u8 n_glyphs} and n_glyphs placements
 * {u16 glyph, u8 x, u8 y}: the glyph's bitmap has its top-left corner x
 * pixels right of the line's left edge and y pixels below the line's top.
 * width is the line's advance width: a right-to-left block is drawn
 * right-aligned in its box, a left-to-right one left-aligned. */
#define CND_PTEXT_HDR 4
#define CND_PTEXT_LINE_HDR 2
#define CND_PTEXT_PLACE 4
#define CND_PTEXT_F_RTL 0x01
#define CND_PTEXT_MAX_LINES 64

typedef struct {
    const uint8_t *buf;
    uint32_t len;
    uint16_t n_glyphs;
} cnd_patlas_t;

typedef struct {
    const uint8_t *buf;
    uint32_t len;
    uint8_t n_lines, line_h, flags;
    const cnd_patlas_t *atlas; /* the atlas it was opened against */
} cnd_ptext_t;

/* Where a text's number goes (a pack's ui strings with "{n}": SPEC 1.12):
 * the office computer shaped the text with a gap of w pixels at x (pixels
 * right of the line's left edge, like a glyph's x) on line `line`; the
 * device draws the decimal digits there. w = 0: the text has no number. */
typedef struct {
    uint8_t line, x, w;
} cnd_pnum_slot_t;

typedef struct {
    const uint8_t *place; /* n_glyphs x CND_PTEXT_PLACE bytes */
    uint8_t width, n_glyphs;
} cnd_pline_t;

typedef struct {
    const uint8_t *bits; /* first byte of the glyph's 2-bit pixels */
    uint8_t w, h;
} cnd_pglyph_t;

/* Checks the header, every entry's bitmap lies inside buf. */
cnd_status_t cnd_patlas_open(cnd_patlas_t *a, const uint8_t *buf, uint32_t len);
/* Glyph g (g < a->n_glyphs after open; otherwise an empty 0x0 glyph). */
cnd_pglyph_t cnd_patlas_glyph(const cnd_patlas_t *a, uint16_t g);
/* Coverage 0..3 of pixel (x, y) of glyph gl (x < w, y < h). */
static inline unsigned cnd_pglyph_px(const cnd_pglyph_t *gl, unsigned x, unsigned y)
{
    uint32_t i = (uint32_t)y * gl->w + x;
    return (gl->bits[i >> 2] >> (6u - 2u * (i & 3u))) & 3u;
}

/* Checks the block: its lines fill exactly len bytes, widths within the
 * screen, every glyph index inside atlas a, line_h > 0, n_lines at most
 * CND_PTEXT_MAX_LINES. t->atlas = a. */
cnd_status_t cnd_ptext_open(cnd_ptext_t *t, const uint8_t *buf, uint32_t len,
                            const cnd_patlas_t *a);
/* Line i of an opened block (an empty line for i out of range). Walks the
 * lines before it: a block has at most 64. */
cnd_pline_t cnd_ptext_line(const cnd_ptext_t *t, int i);
/* Placement k of line l: glyph index, x, y. */
static inline void cnd_pline_place(const cnd_pline_t *l, int k, uint16_t *g, uint8_t *x, uint8_t *y)
{
    const uint8_t *p = l->place + (uint32_t)k * CND_PTEXT_PLACE;
    *g = (uint16_t)(p[0] | (p[1] << 8));
    *x = p[2];
    *y = p[3];
}

#endif
