/*
 * screen_draw.h: the engine's screen (engine.h cnd_screen_t) as pixels of
 * pre-rendered text, through pscreen.c: what the handheld and the
 * simulator's window and screenshots show.
 *
 * Owns: which block each part of a screen is (formats/ptext.h blocks the
 * office computer shaped: docs/DESIGN.md "Every script"), found through a
 * lookup callback so that tests feed blocks without a pack, and the
 * decision, screen by screen, between pre-rendered text and text.c's 8x16
 * grid:
 *   HOME: the survey title; body: the draft line, the storage line and the
 *     pending count (both "{n}" texts, their numbers in their slots);
 *     options: Start.
 *   LANGUAGE: choose_lang in the current language; options every
 *     language's name from that language's own atlas (a right-to-left
 *     name right-aligned in its row).
 *   CONSENT, REFERRAL, HANDOVER, HANDBACK, SAVED, SAVE_FAILED,
 *     CONFIRM_WITHDRAW, INELIGIBLE: title, body, options.
 *   ITEM: label, hint, options (tick boxes on multi choice); INTEGER's
 *     number row in the 8x16 font.
 *   REVIEW: per row the item's label (at most 2 lines) and its answer,
 *     indented: the answer's block when it is the pack's text, a number in
 *     the 8x16 font, several ticked labels as the first one's block and
 *     "+N"; the "{n} more" words above and below with their numbers.
 * NO_SURVEY and ADMIN_* (the device's own English: no blocks exist) and
 * NEUTRAL (the quick-exit clock, which must not change) are always the
 * grid, and so is any screen one of whose blocks is missing (a version 3
 * pack, composed text no block covers): never half a screen, never blank.
 *
 * Never: shapes, allocates, or touches the pack but through the lookup.
 * RAM: sizeof(cnd_screen_draw_t) = 1,188 bytes on Cortex-M4 (the opened
 * blocks of 34 options, the title and 10 body parts, and the pscreen),
 * the caller's, static on the handheld; sizeof(cnd_pack_lookup_t) = 56
 * bytes with 4 languages (4 + 13 per language: 134 at 10); stack about
 * 90 bytes to prepare (plus cnd_pack_ptext's) and about 400 to draw a band
 * (-fstack-usage: cnd_pscreen_draw 184). Measured on the reference board
 * (`make firmware-size`, against the image before screen_draw): RAM
 * +1,440 bytes (this, the lookup, 96 more in the engine's screen and 96
 * in the port's copy of it), flash +5,184 bytes (screen_draw.o 1,479,
 * pscreen.o 2,162 now linked with ptext_draw.o 732 and ptext.o's
 * accessors, the engine +340, ili9341 +122, main +276): within the issue's
 * 4 KB and 12 KB.
 */
#ifndef CND_SCREEN_DRAW_H
#define CND_SCREEN_DRAW_H

#include <stdint.h>

#include "engine.h"
#include "pack.h"
#include "pscreen.h"
#include "ptext_draw.h"

/* Finds the block of text s of language lang (a view the pack handed
 * out); *num says where its number goes (w = 0: none). 1: found, 0: none. */
typedef int (*cnd_ptext_lookup_fn)(void *ctx, uint8_t lang, cnd_str_t s, cnd_ptext_t *out,
                                   cnd_pnum_slot_t *num);

/* The lookup over a pack: cnd_pack_atlas opened once per language. */
typedef struct {
    const cnd_pack_t *pack;
    cnd_patlas_t atlas[CND_MAX_LANGS];
    uint8_t state[CND_MAX_LANGS]; /* 0 not tried, 1 opened, 2 none */
} cnd_pack_lookup_t;

/* pack may be NULL (nothing is ever found). Call again when the pack changes. */
void cnd_pack_lookup_init(cnd_pack_lookup_t *pl, const cnd_pack_t *pack);
/* A cnd_ptext_lookup_fn; ctx is a cnd_pack_lookup_t. */
int cnd_pack_lookup(void *ctx, uint8_t lang, cnd_str_t s, cnd_ptext_t *out, cnd_pnum_slot_t *num);

/* Review parts: "more above", a label and an answer per row, "more below". */
#define CND_SDRAW_PARTS (2 + 2 * CND_SCREEN_REVIEW_ROWS)

typedef struct {
    cnd_pscreen_t ps;
    cnd_ptext_t title, opt[CND_SCREEN_MAX_OPTIONS], text[CND_SDRAW_PARTS];
    cnd_pscreen_part_t part[CND_SDRAW_PARTS];
    char plus[CND_SCREEN_REVIEW_ROWS][8]; /* "+N" of composed review answers */
    uint8_t prerendered; /* 1: drawn from blocks; 0: the port draws text.c's grid */
    int body_max;        /* the largest body offset of the pixel layout */
} cnd_screen_draw_t;

/* Finds every block screen s needs. Returns 1 when all were found (the
 * screen is drawn from them), 0 when the screen is the grid's. fg/bg are
 * the panel's colours. body_offset is clamped to 0..d->body_max, which is
 * the pixel layout's: a port scrolls with it and reports the consent seen
 * when the offset reaches it. */
int cnd_screen_draw_prepare(cnd_screen_draw_t *d, const cnd_screen_t *s, cnd_ptext_lookup_fn fn,
                            void *ctx, int body_offset, uint16_t fg, uint16_t bg);
/* The body offset prepare clamped. */
int cnd_screen_draw_offset(const cnd_screen_draw_t *d);
/* Draws a prepared (pre-rendered) screen into the band: any slice of the
 * panel, one pixel line on the handheld. */
void cnd_screen_draw_band(const cnd_screen_draw_t *d, const cnd_band_t *band);

#endif
