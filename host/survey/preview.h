/*
 * preview.h: a survey's screens in every language, shaped and drawn as the
 * handheld draws them (preview.c; `candor preview`).
 *
 * Owns: the list of screens of a survey source and their texts per
 * language. Never: writes a pack. RAM: host only.
 */
#ifndef CND_PREVIEW_H
#define CND_PREVIEW_H

#include <cjson/cJSON.h>

#include "hosterr.h"

/* Shapes every text of every language of a survey source the compiler has
 * already validated: 1, or 0 with one line naming the JSON path (a glyph
 * the font lacks as U+XXXX and the font, a font not found, a text too
 * long even scrolled, an unknown script or a malformed language code). */
int cnd_preview_check(const cJSON *root, cnd_err_t *err);

#endif
