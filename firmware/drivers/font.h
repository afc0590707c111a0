/*
 * font.h: the handheld's built-in 8x16 bitmap font.
 *
 * Owns: code point -> glyph lookup and the bitmaps. The tables are not in
 * the repository: the build generates them (cnd_font_data.c) with
 * tools/psf2c.py from Debian's console font Lat15-Fixed16 (package
 * console-setup-linux; public domain), keeping ASCII, Latin-1, the Latin
 * Extended-A letters the font has, and the few symbols the layout draws.
 * Anything else is drawn as the replacement glyph (U+FFFD).
 *
 * Never: allocates or decodes UTF-8 (text.h does). RAM: none; flash about
 * 4.2 KB (233 glyphs x 16 bytes plus their 2-byte code points; one glyph
 * per code point, so a glyph maps back to exactly one code point).
 */
#ifndef CND_DRIVERS_FONT_H
#define CND_DRIVERS_FONT_H

#include <stdint.h>

#define CND_FONT_W 8
#define CND_FONT_H 16

/* Generated tables (tools/psf2c.py). */
extern const uint8_t cnd_font_bitmaps[][CND_FONT_H]; /* row bytes, MSB leftmost */
extern const uint16_t cnd_font_map_cp[];             /* code point of each glyph, sorted */
extern const uint16_t cnd_font_glyph_count;
extern const uint8_t cnd_font_replacement;

/* The glyph for code point cp, or cnd_font_replacement. */
uint8_t cnd_font_glyph(uint32_t cp);
/* 16 row bytes of glyph g (the replacement glyph for a bad index). */
const uint8_t *cnd_font_bitmap(uint8_t g);
/* The code point glyph g draws, 0xFFFD for a bad index (tests, logs). */
uint32_t cnd_font_codepoint(uint8_t g);

#endif
