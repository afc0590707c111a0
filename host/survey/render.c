/* render.c: the pack's pre-rendered text section (see render.h). */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "pack.h"
#include "pscreen.h"
#include "shape.h"

typedef struct {
    uint8_t *out;
    uint32_t cap, len;
} sec_t;

/* Appends n bytes; identical blocks share one copy (labels such as "Yes"
 * recur in every yes/no item). Returns the offset, or UINT32_MAX when
 * the section is full. */
static uint32_t sec_add(sec_t *s, uint32_t from, const uint8_t *p, uint32_t n, int dedupe)
{
    uint32_t at;
    if (dedupe && n > 0 && s->len - from >= n) {
        const uint8_t *hit = memmem(s->out + from, s->len - from, p, n);
        if (hit != NULL)
            return (uint32_t)(hit - s->out);
    }
    if (n > s->cap - s->len)
        return UINT32_MAX;
    at = s->len;
    memcpy(s->out + at, p, n);
    s->len += n;
    return at;
}

static int cmp_text(const void *a, const void *b)
{
    const cnd_render_text_t *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The text to shape: "{n}" becomes enough figure spaces (U+2007, as wide
 * as a digit in every Noto face) for the number's digits in the 8x16 font
 * the device draws them with. */
static char *shape_source(const uint8_t *p, uint16_t len, int digits)
{
    size_t cap = (size_t)len + 1 + (digits > 0 ? (size_t)digits * 3 * 2 : 0), o = 0, i;
    char *t = malloc(cap);
    if (t == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        if (digits > 0 && i + 3 <= len && memcmp(p + i, "{n}", 3) == 0) {
            int k, n = digits; /* a figure space (about 9 px) holds an 8-px digit */
            for (k = 0; k < n && o + 3 < cap; k++) {
                t[o++] = (char)0xE2;
                t[o++] = (char)0x80;
                t[o++] = (char)0x87;
            }
            i += 2;
            continue;
        }
        if (o + 1 < cap)
            t[o++] = (char)p[i];
    }
    t[o] = '\0';
    return t;
}

static int build_lang(const cnd_render_lang_t *L, sec_t *s, uint8_t *dir, cnd_err_t *err)
{
    cnd_shaper_t *sh = cnd_shaper_new(L->code, L->font, L->path, err);
    cnd_render_text_t *t = NULL;
    uint8_t *idx = NULL;
    size_t n = 0, i;
    uint32_t blocks_from, at, idx_at;
    int ok = sh != NULL;
    cnd_shape_bytes_t atlas = {0};

    if (ok && (t = malloc((L->n_texts + 1) * sizeof *t)) == NULL) {
        cnd_err_set(err, "%s: out of memory", L->path);
        ok = 0;
    }
    if (ok) {
        /* one block per distinct text: the index is keyed by where the
         * text lies in the language's range */
        memcpy(t, L->texts, L->n_texts * sizeof *t);
        qsort(t, L->n_texts, sizeof *t, cmp_text);
        for (i = 0; i < L->n_texts; i++) {
            if (n > 0 && t[n - 1].off == t[i].off && t[n - 1].len == t[i].len) {
                if (t[i].digits > t[n - 1].digits)
                    t[n - 1].digits = t[i].digits;
                continue;
            }
            t[n++] = t[i];
        }
        idx = calloc(n + 1, CND_PACK_RIDX_SIZE);
        if (idx == NULL) {
            cnd_err_set(err, "%s: out of memory", L->path);
            ok = 0;
        }
    }
    blocks_from = s->len;
    for (i = 0; ok && i < n; i++) {
        cnd_shape_bytes_t b = {0};
        char where[96], *src;
        uint8_t *e = idx + i * CND_PACK_RIDX_SIZE;
        int line, x, w;
        if (t[i].off + t[i].len > L->len) {
            cnd_err_set(err, "%s: internal: a text outside the language's strings", L->path);
            ok = 0;
            break;
        }
        src = shape_source(L->strings + t[i].off, t[i].len, t[i].digits);
        snprintf(where, sizeof where, "%s (\"%.40s\")", L->path, src != NULL ? src : "");
        if (src == NULL || !cnd_shape_text(sh, src, CND_PSCREEN_TEXT_W, CND_PTEXT_MAX_LINES,
                                           where, &b, err)) {
            if (src == NULL)
                cnd_err_set(err, "%s: out of memory", L->path);
            free(src);
            ok = 0;
            break;
        }
        free(src);
        cnd_shape_slot(sh, &line, &x, &w);
        if (t[i].digits == 0 || w > 255)
            line = x = w = 0;
        at = b.len <= 0xFFFFu ? sec_add(s, blocks_from, b.buf, (uint32_t)b.len, 1) : UINT32_MAX;
        free(b.buf);
        if (at == UINT32_MAX) {
            cnd_err_set(err, "%s: the pre-rendered text exceeds the pack limit of %d bytes",
                        L->path, CND_MAX_PACK_SIZE);
            ok = 0;
            break;
        }
        cnd_wire_put_u16(e + CND_PACK_RIDX_S_OFF, (uint16_t)t[i].off);
        cnd_wire_put_u16(e + CND_PACK_RIDX_S_LEN, t[i].len);
        cnd_wire_put_u32(e + CND_PACK_RIDX_B_OFF, at);
        cnd_wire_put_u16(e + CND_PACK_RIDX_B_LEN, (uint16_t)b.len);
        e[CND_PACK_RIDX_NUM] = (uint8_t)line;
        e[CND_PACK_RIDX_NUM + 1] = (uint8_t)x;
        e[CND_PACK_RIDX_NUM + 2] = (uint8_t)w;
    }
    if (ok && !cnd_shape_atlas(sh, &atlas, err))
        ok = 0;
    if (ok) {
        uint32_t a_at = sec_add(s, 0, atlas.buf, (uint32_t)atlas.len, 0);
        idx_at = sec_add(s, 0, idx, (uint32_t)(n * CND_PACK_RIDX_SIZE), 0);
        if (a_at == UINT32_MAX || idx_at == UINT32_MAX) {
            cnd_err_set(err, "%s: the pre-rendered text exceeds the pack limit of %d bytes",
                        L->path, CND_MAX_PACK_SIZE);
            ok = 0;
        } else {
            cnd_wire_put_u32(dir + CND_PACK_RDIR_ATLAS_OFF, a_at);
            cnd_wire_put_u32(dir + CND_PACK_RDIR_ATLAS_LEN, (uint32_t)atlas.len);
            cnd_wire_put_u32(dir + CND_PACK_RDIR_INDEX_OFF, idx_at);
            cnd_wire_put_u32(dir + CND_PACK_RDIR_INDEX_N, (uint32_t)n);
        }
    }
    free(atlas.buf);
    free(idx);
    free(t);
    if (sh != NULL)
        cnd_shaper_free(sh);
    return ok;
}

int cnd_render_build(const cnd_render_lang_t *langs, int n_langs, uint8_t *out, uint32_t cap,
                     uint32_t *out_len, cnd_err_t *err)
{
    sec_t s;
    int l;
    s.out = out;
    s.cap = cap;
    s.len = (uint32_t)n_langs * CND_PACK_RDIR_SIZE;
    if (s.len > cap) {
        cnd_err_set(err, "(top level): the pre-rendered text exceeds the pack limit of %d bytes",
                    CND_MAX_PACK_SIZE);
        return 0;
    }
    memset(out, 0, s.len);
    for (l = 0; l < n_langs; l++)
        if (!build_lang(&langs[l], &s, out + (uint32_t)l * CND_PACK_RDIR_SIZE, err))
            return 0;
    *out_len = s.len;
    return 1;
}
