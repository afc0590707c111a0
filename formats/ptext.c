/*
 * ptext.c: validation of and access to pre-rendered text (ptext.h,
 * formats/SPEC.md 1.12). Reader half only; host/survey/shape.c writes.
 * Never: allocates or writes to the buffers. RAM: none beyond locals.
 */
#include "ptext.h"

#include <stddef.h>

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

cnd_status_t cnd_patlas_open(cnd_patlas_t *a, const uint8_t *buf, uint32_t len)
{
    uint32_t n, bits_at, bits_len, g;
    a->buf = NULL;
    a->len = 0;
    a->n_glyphs = 0;
    if (buf == NULL || len < CND_PATLAS_HDR)
        return CND_E_TRUNCATED;
    n = rd16(buf);
    if (n > CND_PATLAS_MAX_GLYPHS)
        return CND_E_RANGE;
    bits_at = CND_PATLAS_HDR + n * CND_PATLAS_ENTRY;
    if (bits_at > len)
        return CND_E_TRUNCATED;
    bits_len = len - bits_at;
    for (g = 0; g < n; g++) {
        const uint8_t *e = buf + CND_PATLAS_HDR + g * CND_PATLAS_ENTRY;
        uint32_t px = (uint32_t)e[0] * e[1], need = (px * 2u + 7u) / 8u;
        if (rd16(e + 2) > bits_len || need > bits_len - rd16(e + 2))
            return CND_E_RANGE;
    }
    a->buf = buf;
    a->len = len;
    a->n_glyphs = (uint16_t)n;
    return CND_OK;
}

cnd_pglyph_t cnd_patlas_glyph(const cnd_patlas_t *a, uint16_t g)
{
    cnd_pglyph_t gl;
    gl.bits = NULL;
    gl.w = gl.h = 0;
    if (a->buf != NULL && g < a->n_glyphs) {
        const uint8_t *e = a->buf + CND_PATLAS_HDR + (uint32_t)g * CND_PATLAS_ENTRY;
        gl.w = e[0];
        gl.h = e[1];
        gl.bits = a->buf + CND_PATLAS_HDR + (uint32_t)a->n_glyphs * CND_PATLAS_ENTRY + rd16(e + 2);
    }
    return gl;
}

cnd_status_t cnd_ptext_open(cnd_ptext_t *t, const uint8_t *buf, uint32_t len,
                            const cnd_patlas_t *a)
{
    uint32_t at = CND_PTEXT_HDR, l, k;
    t->buf = NULL;
    t->len = 0;
    t->n_lines = t->line_h = t->flags = 0;
    t->atlas = NULL;
    if (buf == NULL || len < CND_PTEXT_HDR)
        return CND_E_TRUNCATED;
    if (buf[0] > CND_PTEXT_MAX_LINES || buf[1] == 0 || (buf[2] & ~CND_PTEXT_F_RTL) != 0 ||
        buf[3] != 0)
        return CND_E_INVALID;
    for (l = 0; l < buf[0]; l++) {
        uint32_t n;
        if (len - at < CND_PTEXT_LINE_HDR)
            return CND_E_TRUNCATED;
        if (buf[at] > CND_PTEXT_SCREEN_W)
            return CND_E_RANGE;
        n = buf[at + 1];
        at += CND_PTEXT_LINE_HDR;
        if (len - at < n * CND_PTEXT_PLACE)
            return CND_E_TRUNCATED;
        for (k = 0; k < n; k++, at += CND_PTEXT_PLACE)
            if (rd16(buf + at) >= a->n_glyphs)
                return CND_E_RANGE;
    }
    if (at != len)
        return CND_E_INVALID;
    t->buf = buf;
    t->len = len;
    t->atlas = a;
    t->n_lines = buf[0];
    t->line_h = buf[1];
    t->flags = buf[2];
    return CND_OK;
}

cnd_pline_t cnd_ptext_line(const cnd_ptext_t *t, int i)
{
    cnd_pline_t l;
    uint32_t at = CND_PTEXT_HDR;
    int k;
    l.place = NULL;
    l.width = l.n_glyphs = 0;
    if (t->buf == NULL || i < 0 || i >= t->n_lines)
        return l;
    for (k = 0; k < i; k++)
        at += CND_PTEXT_LINE_HDR + (uint32_t)t->buf[at + 1] * CND_PTEXT_PLACE;
    l.width = t->buf[at];
    l.n_glyphs = t->buf[at + 1];
    l.place = t->buf + at + CND_PTEXT_LINE_HDR;
    return l;
}
