/*
 * render.h: the pre-rendered text section of a survey pack (formats/
 * SPEC.md 1.12), built from a language's texts by the shaper.
 *
 * Owns: turning each language's shown texts into one glyph atlas and one
 * text block per distinct text, wrapped at the handheld's text column
 * (firmware/drivers/pscreen.h), with the gap of a "{n}" number measured
 * (figure spaces stand in for the digits while shaping), and laying out
 * the section: directory, atlases, sorted index, blocks (identical blocks
 * stored once).
 * Never: decides which texts a screen shows (the compiler lists them),
 * touches the rest of the pack, or writes files. The Windows build has no
 * shaper: its stand-in (host/platform/win/buildcaps_win.c) refuses.
 * RAM: host only; the section is built in the caller's buffer.
 */
#ifndef CND_RENDER_H
#define CND_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "hosterr.h"

/* One shown text: bytes [off, off + len) of its language's string range;
 * digits > 0: it holds "{n}", a number of up to that many digits. */
typedef struct {
    uint32_t off;
    uint16_t len;
    uint8_t digits;
} cnd_render_text_t;

typedef struct {
    const char *code, *font; /* font NULL: the script's Noto face */
    const char *path;        /* "languages[2]", for messages */
    const uint8_t *strings;  /* the language's string range */
    uint32_t len;
    const cnd_render_text_t *texts;
    size_t n_texts;
} cnd_render_lang_t;

/* Writes the section into out[0..cap) and its length to *out_len. 0 with
 * one line in err (naming the language and text) when a text cannot be
 * laid out or the section does not fit. */
int cnd_render_build(const cnd_render_lang_t *langs, int n_langs, uint8_t *out, uint32_t cap,
                     uint32_t *out_len, cnd_err_t *err);

#endif
