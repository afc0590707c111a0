/*
 * sim_screen.h: draws the engine's screen (engine.h cnd_screen_t) the way
 * the reference handheld would show it, as text.
 *
 * Owns: the text form of a screen: the handheld's own layout
 * (firmware/drivers/text.c: the 30 x 20 grid of 8x16 cells, status bar,
 * wrapped title and body, options with the cursor, scrolling) turned back
 * into UTF-8 rows (a code point the handheld's font lacks shows as U+FFFD,
 * as on the glass), the cursor's rows highlighted; the terminal view of
 * them; and the machine-readable summary line the screen log starts each
 * screen with, so tests can assert on screens without parsing the drawing.
 * The engine has six keys and no text scrolling of its own, so the port
 * scrolls a long consent or referral text when UP/DOWN change nothing in
 * the engine (the cursor is already on the first/last option), the same
 * edge rule the engine uses for its review list.
 *
 * Never: decides anything about the interview (the engine does); shows a
 * survey detail on the NEUTRAL screen; writes escape sequences anywhere but
 * a terminal.
 * RAM: sizeof(cnd_sim_frame_t), about 3 KB, owned by the caller.
 */
#ifndef CND_SIM_SCREEN_H
#define CND_SIM_SCREEN_H

#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "pack.h"

#define CND_SIM_COLS 30
#define CND_SIM_ROWS 20
/* A row holds at most CND_SIM_COLS code points of up to 4 bytes each. */
#define CND_SIM_ROW_BYTES (CND_SIM_COLS * 4 + 1)

typedef struct {
    char meta[256];                          /* "SCREEN ITEM item=3 name=origin ..." */
    char rows[CND_SIM_ROWS][CND_SIM_ROW_BYTES]; /* UTF-8, NUL-terminated */
    uint8_t cols[CND_SIM_ROWS];              /* code points used in each row */
    uint8_t highlight[CND_SIM_ROWS];         /* 1 = part of the cursor's option */
    uint8_t body_offset, body_max;           /* body text scroll: shown / last line offset */
} cnd_sim_frame_t;

/* Short upper-case name of a screen kind, e.g. "SAVED"; "UNKNOWN" if bad. */
const char *cnd_sim_kind_name(uint8_t kind);
/* Kind for a name as written in key scripts (case-insensitive), or 0. */
uint8_t cnd_sim_kind_from_name(const char *name);

/* Lays out screen s. pack may be NULL (it is only used for item names).
 * A body text (consent, referral, hint) longer than its rows scrolls: it is
 * shown from line body_offset (clamped to 0..out->body_max). Always fills
 * the whole frame. */
void cnd_sim_render(const cnd_screen_t *s, const cnd_pack_t *pack, int body_offset,
                    cnd_sim_frame_t *out);

int cnd_sim_frame_equal(const cnd_sim_frame_t *a, const cnd_sim_frame_t *b);

/* Appends the frame as plain text: the meta line, the rows, a blank line. */
void cnd_sim_frame_log(FILE *f, const cnd_sim_frame_t *fr);

/* Redraws the frame on a terminal (ANSI), boxed, with footer lines under it. */
void cnd_sim_frame_draw_tty(FILE *f, const cnd_sim_frame_t *fr, const char *footer);

#endif
