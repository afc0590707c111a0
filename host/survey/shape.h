/*
 * shape.h: lays out a survey's texts for the handheld on the office
 * computer: the one host module that shapes.
 *
 * Owns: choosing a face per language (by the language's script, from
 * fonts-noto-core, unless the survey names another installed font or a
 * font file), shaping with HarfBuzz, rasterising with FreeType at the
 * handheld's pixel size, line breaking with ICU (dictionary breaks for
 * Thai, Lao, Khmer and Burmese; never inside a grapheme cluster), the
 * Unicode bidirectional algorithm (ICU) for right-to-left lines, and
 * writing the result as pre-rendered text (formats/ptext.h): one glyph
 * atlas per language and a block of positioned glyph lines per text.
 * The compiler hands it a string, a width and a JSON path; it gets bytes
 * back, or one line naming the path and what is wrong.
 *
 * Never: writes files, decides what a text says or where a screen puts it
 * (the compiler and firmware/drivers do), or draws (firmware/drivers/
 * ptext_draw.c does, for the simulator, the preview and the handheld).
 * RAM: host only; a shaper holds its faces and the atlas it grows.
 */
#ifndef CND_SHAPE_H
#define CND_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "hosterr.h"

/* Pixel size of the em: Latin then fills about 30 characters a line, as
 * the old 8x16 font did, and Burmese or Sinhala stacks stay legible. */
#define CND_SHAPE_PX 16

typedef struct cnd_shaper cnd_shaper_t;

/* Bytes handed back: malloc'd, freed by the caller. */
typedef struct {
    uint8_t *buf;
    size_t len;
} cnd_shape_bytes_t;

/* What the measurement of the two candidate pack forms needs. */
typedef struct {
    size_t texts, lines, glyphs;
    size_t block_bytes;      /* positioned glyph runs (ptext blocks) */
    size_t line_bitmap_bytes; /* the same lines as 2-bit bitmaps, line by line */
} cnd_shape_stats_t;

/* A shaper for language `lang` (BCP 47: "am", "pt-BR", "sr-Latn"). font is
 * NULL (the Noto face of the language's script), an installed font's file
 * name ("NotoSerifEthiopic-Regular", with or without .ttf/.otf) or a path
 * to a font file. `path` names the language's JSON object for messages
 * ("languages[3]"; they name its .code or .font).
 * NULL with err set on a malformed code, an unknown script, a font not
 * found or not loadable. */
cnd_shaper_t *cnd_shaper_new(const char *lang, const char *font, const char *path,
                             cnd_err_t *err);
void cnd_shaper_free(cnd_shaper_t *sh);

/* Lays out UTF-8 `text` wrapped at width pixels ('\n' forces a break) into
 * at most max_lines lines (at most CND_PTEXT_MAX_LINES). On success *out
 * holds a ptext block and the glyphs it uses are in the atlas. Fails with
 * one line naming `path` on invalid UTF-8, a code point the face and its
 * fallback lack ("U+1234 is not in font X"), a text longer than max_lines.
 */
int cnd_shape_text(cnd_shaper_t *sh, const char *text, int width, int max_lines,
                   const char *path, cnd_shape_bytes_t *out, cnd_err_t *err);

/* cnd_shape_text, also giving the UTF-8 byte offset where each line
 * starts (up to max_starts of them): the line-break tests check them. */
int cnd_shape_text_lines(cnd_shaper_t *sh, const char *text, int width, int max_lines,
                         const char *path, cnd_shape_bytes_t *out, size_t *starts,
                         int max_starts, cnd_err_t *err);

/* Where the last text shaped had its run of figure spaces (U+2007): the
 * gap the compiler leaves for a "{n}" number (formats/ptext.h
 * cnd_pnum_slot_t): line index, x and width in pixels; w 0 when none. */
void cnd_shape_slot(const cnd_shaper_t *sh, int *line, int *x, int *w);

/* The atlas of every glyph shaped so far (formats/ptext.h). */
int cnd_shape_atlas(const cnd_shaper_t *sh, cnd_shape_bytes_t *out, cnd_err_t *err);

/* The primary face's file name ("NotoSansEthiopic-Regular.ttf"), the line
 * height of its blocks in pixels, whether the language runs right to left. */
const char *cnd_shaper_font(const cnd_shaper_t *sh);
/* The font file the primary face was loaded from (a reference renderer
 * must use the same file). */
const char *cnd_shaper_font_file(const cnd_shaper_t *sh);
/* HarfBuzz shapers to use (NULL-terminated, NULL = HarfBuzz's default).
 * Only the rendering tests set it, to {"fallback", NULL}: shaping without
 * OpenType tables, the deliberately broken rendering (no conjuncts,
 * ligatures or joining forms) their comparison must reject. */
void cnd_shaper_set_shapers(cnd_shaper_t *sh, const char *const *shapers);
int cnd_shaper_rtl(const cnd_shaper_t *sh);
const cnd_shape_stats_t *cnd_shaper_stats(const cnd_shaper_t *sh);

#endif
