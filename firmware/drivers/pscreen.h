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
 * Never: shapes or wraps (the office computer did), draws the quick-exit
 * clock (text.c keeps that, unchanged), or reads a block it was not handed
 * opened (formats/ptext.c). RAM: sizeof(cnd_pscreen_t) (196 bytes on Cortex-M4),
 * the caller's; a few locals.
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

typedef struct {
    const cnd_patlas_t *atlas;
    const cnd_ptext_t *title, *body; /* NULL: none */
    const cnd_ptext_t *opt[CND_SCREEN_MAX_OPTIONS];
    uint8_t n_opt, cursor, rtl;
    uint8_t checked_box;  /* 1: options are tick boxes (multi-choice) */
    uint32_t checked;     /* bit k: option k ticked */
    int body_offset;      /* first body line shown (clamped) */
    char status[32];      /* ASCII, drawn left (or right when rtl) */
    uint16_t fg, bg;
} cnd_pscreen_t;

/* Draws the whole screen s into the band (which may be any slice of the
 * panel: the handheld passes one pixel line at a time). Returns the
 * largest useful body_offset (0 when the body fits). */
int cnd_pscreen_draw(const cnd_pscreen_t *s, const cnd_band_t *band);

#endif
