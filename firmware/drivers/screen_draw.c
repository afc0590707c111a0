/* screen_draw.c: the engine's screen as pre-rendered pixels (see screen_draw.h). */
#include "screen_draw.h"

#include <string.h>

#define LABEL_LINES 2  /* a review row's label: at most this many lines */
#define ROW_GAP 4      /* pixels above each review row */
#define ANSWER_INDENT 8 /* a review answer stands in from its label */

void cnd_pack_lookup_init(cnd_pack_lookup_t *pl, const cnd_pack_t *pack)
{
    memset(pl, 0, sizeof *pl);
    pl->pack = pack;
}

int cnd_pack_lookup(void *ctx, uint8_t lang, cnd_str_t s, cnd_ptext_t *out, cnd_pnum_slot_t *num)
{
    cnd_pack_lookup_t *pl = (cnd_pack_lookup_t *)ctx;
    if (pl->pack == NULL || lang >= CND_MAX_LANGS || !cnd_pack_has_ptext(pl->pack))
        return 0;
    if (pl->state[lang] == 0) /* opened once: a lookup per block would re-check the atlas */
        pl->state[lang] = cnd_pack_atlas(pl->pack, lang, &pl->atlas[lang]) == CND_OK ? 1 : 2;
    if (pl->state[lang] != 1)
        return 0;
    return cnd_pack_ptext(pl->pack, lang, s, &pl->atlas[lang], out, num) == CND_OK;
}

/* Where the blocks come from. */
typedef struct {
    cnd_ptext_lookup_fn fn;
    void *ctx;
    uint8_t lang;
} src_t;

/* Block of s into *t; an empty string needs none (*t NULL, 1). 0: missing. */
static int find(const src_t *src, uint8_t lang, cnd_str_t s, cnd_ptext_t *t,
                const cnd_ptext_t **out, cnd_pnum_slot_t *num)
{
    cnd_pnum_slot_t none = {0, 0, 0};
    *out = NULL;
    if (num == NULL)
        num = &none;
    memset(num, 0, sizeof *num);
    if (s.ptr == NULL || s.len == 0)
        return 1;
    if (!src->fn(src->ctx, lang, s, t, num) || t->n_lines == 0)
        return 0;
    *out = t;
    return 1;
}

/* The next part of the body; s (possibly empty: no part) looked up. 0: missing. */
static int add_part(cnd_screen_draw_t *d, const src_t *src, cnd_str_t s, uint32_t number)
{
    cnd_pscreen_part_t *p = &d->part[d->ps.n_parts];
    if (s.ptr == NULL || s.len == 0)
        return 1;
    if (d->ps.n_parts >= CND_SDRAW_PARTS)
        return 0;
    memset(p, 0, sizeof *p);
    if (!find(src, src->lang, s, &d->text[d->ps.n_parts], &p->text, &p->num))
        return 0;
    p->number = number;
    d->ps.n_parts++;
    return 1;
}

/* Decimal v after buf[n] within cap; returns the new length. */
static uint32_t put_int(char *buf, uint32_t n, uint32_t cap, int32_t v)
{
    char t[11];
    uint32_t k, len = cnd_text_int(v, t);
    for (k = 0; k < len && n + 1 < cap; k++)
        buf[n++] = t[k];
    buf[n] = '\0';
    return n;
}

static uint32_t put_z(char *buf, uint32_t n, uint32_t cap, const char *z)
{
    while (*z != '\0' && n + 1 < cap)
        buf[n++] = *z++;
    buf[n] = '\0';
    return n;
}

/* A review row: label (at most 2 lines) and answer, indented under it. */
static int add_review_row(cnd_screen_draw_t *d, const src_t *src, const cnd_review_row_t *r, int k)
{
    cnd_pscreen_part_t *p;
    uint8_t first = d->ps.n_parts;
    if (!add_part(d, src, r->label, 0))
        return 0;
    if (d->ps.n_parts > first) {
        d->part[first].max_lines = LABEL_LINES;
        d->part[first].gap = ROW_GAP;
    }
    if (r->answer.len == 0)
        return 1; /* not answered: the label alone, as the grid shows */
    if (r->answer.ptr != r->text) {
        if (!add_part(d, src, r->answer, 0))
            return 0;
    } else if (r->first.len > 0) {
        /* several ticked labels: the first one's block, then "+N" */
        if (!add_part(d, src, r->first, 0))
            return 0;
        d->plus[k][0] = '+';
        (void)put_int(d->plus[k], 1, sizeof d->plus[k], r->others);
        d->part[d->ps.n_parts - 1].ascii = d->plus[k];
        d->part[d->ps.n_parts - 1].ascii_len = (uint8_t)strlen(d->plus[k]);
    } else {
        /* a number: digits in the 8x16 font (the engine's text, ASCII) */
        if (d->ps.n_parts >= CND_SDRAW_PARTS)
            return 0;
        p = &d->part[d->ps.n_parts++];
        memset(p, 0, sizeof *p);
        p->ascii = r->answer.ptr;
        p->ascii_len = (uint8_t)(r->answer.len < 24 ? r->answer.len : 24);
    }
    d->part[d->ps.n_parts - 1].indent = ANSWER_INDENT;
    return 1;
}

/* The body of screen s as parts; 0 when a block is missing. */
static int body_parts(cnd_screen_draw_t *d, const cnd_screen_t *s, const src_t *src)
{
    int k;
    switch (s->kind) {
    case CND_SCREEN_HOME:
        return add_part(d, src, s->src_draft, 0) &&
               add_part(d, src, s->src_storage, s->storage_percent) &&
               add_part(d, src, s->src_pending, s->pending);
    case CND_SCREEN_REVIEW:
        if (!add_part(d, src, s->src_more_above, s->row_first))
            return 0;
        for (k = 0; k < s->n_visible && k < CND_SCREEN_REVIEW_ROWS; k++)
            if (!add_review_row(d, src, &s->rows[k], k))
                return 0;
        return add_part(d, src, s->src_more_below,
                        (uint32_t)(s->n_rows - s->row_first - s->n_visible));
    case CND_SCREEN_LANGUAGE:
        return 1; /* s->body is empty */
    default:
        return add_part(d, src, s->body, 0);
    }
}

static int blocks(cnd_screen_draw_t *d, const cnd_screen_t *s, const src_t *src)
{
    cnd_pscreen_t *ps = &d->ps;
    int k;
    /* LANGUAGE's title is composed from every language's words: the
     * current language's own block stands for it */
    if (!find(src, s->lang, s->kind == CND_SCREEN_LANGUAGE ? s->src_title : s->title, &d->title,
              &ps->title, NULL) ||
        !body_parts(d, s, src))
        return 0;
    ps->parts = d->part;
    for (k = 0; k < s->n_options && k < CND_SCREEN_MAX_OPTIONS; k++) {
        /* each language's name in its own script, from its own atlas */
        uint8_t lang = s->kind == CND_SCREEN_LANGUAGE ? (uint8_t)k : s->lang;
        if (s->has_number && k == 0) {
            uint32_t n = put_z(ps->num_text, 0, sizeof ps->num_text, s->editing ? "\xE2\x96\xB2 " : "[ ");
            n = put_int(ps->num_text, n, sizeof ps->num_text, s->number);
            (void)put_z(ps->num_text, n, sizeof ps->num_text, s->editing ? " \xE2\x96\xBC" : " ]");
            ps->num_opt = 1;
            continue;
        }
        if (!find(src, lang, s->options[k], &d->opt[k], &ps->opt[k], NULL) || ps->opt[k] == NULL)
            return 0;
    }
    ps->n_opt = (uint8_t)k;
    return 1;
}

/* The status bar: the language code and, on an item, position/total. */
static void status(cnd_pscreen_t *ps, const cnd_screen_t *s)
{
    uint32_t n = 0, i;
    for (i = 0; s->lang_code.ptr != NULL && i < s->lang_code.len && i < CND_LANG_CODE_LEN; i++)
        if (s->lang_code.ptr[i] > 0x20 && s->lang_code.ptr[i] < 0x7F) /* ASCII only */
            ps->status[n++] = s->lang_code.ptr[i];
    ps->status[n] = '\0';
    if (s->kind == CND_SCREEN_ITEM && s->total > 0) {
        n = put_z(ps->status, n, sizeof ps->status, "  ");
        n = put_int(ps->status, n, sizeof ps->status, s->position);
        n = put_z(ps->status, n, sizeof ps->status, "/");
        (void)put_int(ps->status, n, sizeof ps->status, s->total);
    }
}

int cnd_screen_draw_prepare(cnd_screen_draw_t *d, const cnd_screen_t *s, cnd_ptext_lookup_fn fn,
                            void *ctx, int body_offset, uint16_t fg, uint16_t bg)
{
    src_t src;
    cnd_band_t none = {NULL, 0, 0};
    memset(d, 0, sizeof *d);
    src.fn = fn;
    src.ctx = ctx;
    src.lang = s->lang;
    if (fn == NULL || s->kind == CND_SCREEN_NEUTRAL || s->kind == CND_SCREEN_NO_SURVEY ||
        (s->kind >= CND_SCREEN_ADMIN_PIN && s->kind <= CND_SCREEN_ADMIN_WIPE))
        return 0; /* the grid's screens (screen_draw.h) */
    if (!blocks(d, s, &src)) {
        memset(d, 0, sizeof *d);
        return 0;
    }
    d->ps.cursor = s->cursor;
    d->ps.checked_box = s->kind == CND_SCREEN_ITEM && s->item_kind == CND_ITEM_MULTI;
    d->ps.checked = s->checked;
    /* the screen's direction is its language's: the title's, else an option's */
    d->ps.rtl = (uint8_t)((d->ps.title != NULL ? d->ps.title->flags
                           : d->ps.n_opt > 0 && d->ps.opt[0] != NULL ? d->ps.opt[0]->flags
                                                                     : 0) &
                          CND_PTEXT_F_RTL);
    status(&d->ps, s);
    d->ps.fg = fg;
    d->ps.bg = bg;
    /* measure: a band of no lines draws nothing */
    d->ps.body_offset = 0;
    d->body_max = cnd_pscreen_draw(&d->ps, &none);
    d->ps.body_offset = body_offset < 0 ? 0 : body_offset > d->body_max ? d->body_max : body_offset;
    d->prerendered = 1;
    return 1;
}

int cnd_screen_draw_offset(const cnd_screen_draw_t *d)
{
    return d->ps.body_offset;
}

void cnd_screen_draw_band(const cnd_screen_draw_t *d, const cnd_band_t *band)
{
    if (d->prerendered)
        (void)cnd_pscreen_draw(&d->ps, band);
}
