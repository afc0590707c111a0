/*
 * text.h: the text layout of the handheld's 240x320 display: 30 columns x
 * 20 rows of 8x16 glyphs (font.h).
 *
 * Owns: turning the engine's screen (engine.h cnd_screen_t) into a grid of
 * glyphs, the same layout the simulator draws as text
 * (firmware/ports/posix/sim_screen.h): row 0 a status bar (language,
 * progress or pending count), the title word-wrapped (at most 5 rows, a cut
 * ends in an ellipsis), the body (consent/referral text, hint, HOME's
 * storage line, the review answers) scrolled from a line offset with arrows
 * where text is hidden, and the options at the bottom with a "> " cursor,
 * "[x] " tick boxes on multi-choice items, scrolled so the cursor's option
 * is always whole on screen. The cursor's option rows and the status bar
 * are marked for inverted drawing.
 * Word wrap is UTF-8 aware: it breaks at spaces, never inside a multibyte
 * character, and hard-splits a word longer than a line at a character
 * boundary. Bytes that are not valid UTF-8 and code points the font lacks
 * are drawn as the replacement glyph; control characters as spaces.
 *
 * NEUTRAL (after quick exit) is only a clock face: HH:MM of
 * screen.clock_min in 3x5 block digits mid-screen, no status bar.
 *
 * Never: decides anything about the interview; draws anything but the
 * clock on the NEUTRAL screen; allocates; copies the texts
 * (lines are spans into the pack's strings).
 * RAM: sizeof(cnd_text_frame_t) = 622 bytes, owned by the caller; about
 * 1.2 KB of stack in cnd_text_render on Cortex-M (-fstack-usage: 848 bytes
 * for its 64 body lines of 8 bytes, plus 288 while wrapping 64 spans).
 */
#ifndef CND_TEXT_H
#define CND_TEXT_H

#include <stdint.h>

#include "engine.h"

#define CND_TEXT_COLS 30
#define CND_TEXT_ROWS 20

typedef struct {
    uint8_t glyph[CND_TEXT_ROWS][CND_TEXT_COLS]; /* font.h glyph per cell */
    uint8_t invert[CND_TEXT_ROWS];               /* 1: status bar or cursor option */
    uint8_t body_offset, body_max; /* body scroll: first line shown / last possible */
} cnd_text_frame_t;

/* A line of wrapped text: bytes [off, off + len) of the source. */
typedef struct {
    uint16_t off, len;
} cnd_text_span_t;

/* Decodes the code point at s[*i] (i < len) and advances *i past it. An
 * invalid sequence (stray continuation byte, overlong form, surrogate,
 * truncated) gives 0xFFFD and advances one byte. */
uint32_t cnd_utf8_next(const char *s, uint32_t len, uint32_t *i);

/* Word-wraps s[0..len) into lines of at most width code points (breaking
 * at spaces, hard-breaking longer words between characters, honouring
 * '\n'); stores up to max spans and returns how many lines the whole text
 * needs (may exceed max). len is at most 65535. */
int cnd_text_wrap(const char *s, uint32_t len, int width, cnd_text_span_t *lines, int max);

/* The decimal digits of v (a '-' first when negative) into buf, which has
 * room for 11; returns how many, no NUL. The one number formatter of the
 * drawing code (the grid, pscreen's number slots, screen_draw). */
uint32_t cnd_text_int(int32_t v, char *buf);

/* Lays out screen s; body_offset scrolls a body text longer than its rows
 * (clamped to 0..out->body_max). Always fills the whole frame. */
void cnd_text_render(const cnd_screen_t *s, int body_offset, cnd_text_frame_t *out);

/* Row r as UTF-8, trailing blanks dropped, NUL-terminated, cut to cap
 * (logs, the QEMU console, tests). Returns the bytes written. */
uint32_t cnd_text_row_utf8(const cnd_text_frame_t *f, int r, char *buf, uint32_t cap);

#endif
