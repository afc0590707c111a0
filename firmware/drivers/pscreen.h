/*
 * pscreen.h: the pixel layout of a screen of pre-rendered text on the
 * 240x320 panel: the one layout the handheld, the simulator's screenshots
 * and `candor preview` draw with.
 *
 * Owns: where things go: an inverted status bar (ASCII only: the language
 * code and progress, in the 8x16 font), the title (at most
 * CND_PSCREEN_TITLE_MAX lines), the body (hint, consent or referral text)
 * scrolled from a line offset with arrows where lines are hidden, and the
 * options at the bottom, each with a cursor marker, the cursor's option
 * inverted, scrolled so that it is whole on screen. A right-to-left screen
 * mirrors the layout: lines right-aligned, the cursor marker and tick
 * boxes on the right edge, the scroll arrows on the left.
 *
 * The body is either one block (`body`: what `candor preview` draws) or a
 * list of parts one under the other (`parts`: HOME's lines, the review
 * rows; screen_draw.c builds them), scrolled by lines across the parts.
 * A part is a block, optionally with a number drawn in its number slot
 * (cnd_pnum_slot_t) and a short text in the 8x16 font after it ("+2"), or
 * only such a text (a number answer). Each block is drawn from its own
 * atlas (t->atlas), so one screen can mix languages (LANGUAGE).
 *
 * Never: shapes or wraps (the office computer did), draws the quick-exit
 * clock (text.c keeps that, unchanged), or reads a block it was not handed
 * opened (formats/ptext.c). RAM: sizeof(cnd_pscreen_t) (228 bytes on
 * Cortex-M4), the caller's; a few locals.
 */
#ifndef CND_PSCREEN_H
#define CND_PSCREEN_H

#include <stdint.h>

#include "engine.h"
#include "ptext.h"
#include "ptext_draw.h"

#define CND_PSCREEN_BAR_H 18  /* status bar: 16-pixel font plus a pixel each side */
#define CND_PSCREEN_MARGIN 4
#define CND_PSCREEN_MARKER_W 14 /* cursor marker / arrow column */
#define CND_PSCREEN_TITLE_MAX 5
/* Widths the office computer wraps at (host/survey/shape.c is handed them). */
#define CND_PSCREEN_TEXT_W (CND_PTEXT_SCREEN_W - 2 * CND_PSCREEN_MARGIN - CND_PSCREEN_MARKER_W)
#define CND_PSCREEN_OPTION_W CND_PSCREEN_TEXT_W

/* One part of a body made of parts. */
typedef struct {
    const cnd_ptext_t *text; /* NULL: only `ascii` (one line of the 8x16 font) */
    const char *ascii;       /* UTF-8 in the 8x16 font after the block's last line; may be NULL */
    uint8_t ascii_len;
    uint8_t max_lines;       /* 0: every line of the block */
    uint8_t gap;             /* blank pixels above the part */
    uint8_t indent;          /* pixels in from the text's start edge (review answers) */
    cnd_pnum_slot_t num;     /* num.w > 0: `number` is drawn in the slot */
    uint32_t number;
} cnd_pscreen_part_t;

typedef struct {
    const cnd_patlas_t *atlas;       /* blocks with no atlas of their own use this */
    const cnd_ptext_t *title, *body; /* NULL: none */
    const cnd_ptext_t *opt[CND_SCREEN_MAX_OPTIONS];
    uint8_t n_opt, cursor, rtl;      /* cursor CND_CURSOR_NONE: none highlighted */
    uint8_t checked_box;  /* 1: options are tick boxes (multi-choice) */
    uint32_t checked;     /* bit k: option k ticked */
    int body_offset;      /* first body line shown (clamped) */
    char status[32];      /* ASCII, drawn left (or right when rtl) */
    uint16_t fg, bg;
    /* A body of parts (used when n_parts > 0, instead of body). */
    const cnd_pscreen_part_t *parts;
    uint8_t n_parts;
    /* num_opt > 0: option num_opt - 1 also shows num_text (UTF-8, 8x16
     * font, centred): INTEGER's number being edited. */
    uint8_t num_opt;
    char num_text[24];
} cnd_pscreen_t;

/* Draws the whole screen s into the band (which may be any slice of the
 * panel: the handheld passes one pixel line at a time; a band of height 0
 * draws nothing and only measures). Returns the largest useful
 * body_offset (0 when the body fits): body_offset counts lines across
 * the parts. */
int cnd_pscreen_draw(const cnd_pscreen_t *s, const cnd_band_t *band);

#endif
