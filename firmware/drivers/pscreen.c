/* pscreen.c: pixel layout of a pre-rendered screen (see pscreen.h). */
#include "pscreen.h"

#include <string.h>

#include "font.h"
#include "text.h"

#define ASCII_LINE_H (CND_FONT_H + 4) /* a part or option row of the 8x16 font only */

static int lines_of(const cnd_ptext_t *t)
{
    return t != NULL ? t->n_lines : 0;
}

static const cnd_patlas_t *atlas_of(const cnd_pscreen_t *s, const cnd_ptext_t *t)
{
    return t->atlas != NULL ? t->atlas : s->atlas;
}

/* Height of option k: its block, or the number row's one font line. */
static int opt_height(const cnd_pscreen_t *s, int k)
{
    const cnd_ptext_t *t = s->opt[k];
    if (t != NULL)
        return t->n_lines * t->line_h;
    return k + 1 == s->num_opt ? ASCII_LINE_H : 0;
}

/* UTF-8 z[0..len) in the 8x16 font from x, y; only columns [clip_l, clip_r). */
static void draw_font(const char *z, uint32_t len, int x, int y, uint16_t fg, int clip_l,
                      int clip_r, const cnd_band_t *band)
{
    uint32_t i = 0;
    if (z == NULL || y >= band->y0 + band->h || y + CND_FONT_H <= band->y0)
        return; /* the handheld's one-line bands mostly miss it */
    while (i < len) {
        const uint8_t *bm = cnd_font_bitmap(cnd_font_glyph(cnd_utf8_next(z, len, &i)));
        int r, c;
        for (r = 0; r < CND_FONT_H; r++)
            for (c = 0; c < CND_FONT_W; c++)
                if (((bm[r] >> (7 - c)) & 1u) && x + c >= clip_l && x + c < clip_r)
                    cnd_band_fill(band, x + c, y + r, 1, 1, fg);
        x += CND_FONT_W;
    }
}

/* Code points in z[0..len): the font's cells it takes. */
static int font_cells(const char *z, uint32_t len)
{
    uint32_t i = 0;
    int n = 0;
    while (z != NULL && i < len) {
        (void)cnd_utf8_next(z, len, &i);
        n++;
    }
    return n;
}

/* An 8x16 ASCII string (status bar) at x, y. */
static void draw_ascii(const char *z, int x, int y, uint16_t fg, const cnd_band_t *band)
{
    uint32_t n = 0;
    while (z[n] != '\0')
        n++;
    draw_font(z, n, x, y, fg, 0, CND_PTEXT_SCREEN_W, band);
}

static void draw_triangle(int x, int y, int dir, uint16_t c, const cnd_band_t *band);

/* ---- a body of parts, scrolled by lines across them ---- */

static int part_lines(const cnd_pscreen_part_t *p)
{
    int n;
    if (p->text == NULL)
        return p->ascii_len > 0 ? 1 : 0;
    n = p->text->n_lines;
    return p->max_lines > 0 && p->max_lines < n ? p->max_lines : n;
}

/* Height of line i of part p, the part's gap included on its first line. */
static int part_line_h(const cnd_pscreen_part_t *p, int i)
{
    return (p->text != NULL ? p->text->line_h : ASCII_LINE_H) + (i == 0 ? p->gap : 0);
}

/* Finds global line g: *pi the part, return the line in it (-1: none). */
static int locate(const cnd_pscreen_part_t *parts, int n_parts, int g, int *pi)
{
    int k;
    for (k = 0; k < n_parts; k++) {
        int n = part_lines(&parts[k]);
        if (g < n) {
            *pi = k;
            return g;
        }
        g -= n;
    }
    return -1;
}

/* Line i of part p with its top at panel line top. */
static void draw_part_line(const cnd_pscreen_t *s, const cnd_pscreen_part_t *p, int i, int top,
                           int text_x, const cnd_band_t *band)
{
    int left = text_x + (s->rtl ? -(int)p->indent : (int)p->indent), box = CND_PSCREEN_TEXT_W;
    int origin = left, end = left, lh = part_line_h(p, i) - (i == 0 ? p->gap : 0), tw;
    top += i == 0 ? p->gap : 0;
    if (p->text != NULL) {
        cnd_pline_t l = cnd_ptext_line(p->text, i);
        if ((p->text->flags & CND_PTEXT_F_RTL) != 0 && l.width < box)
            origin = left + box - l.width;
        end = origin + l.width;
        if (p->num.w > 0 && p->num.line == i) {
            /* the office computer left a gap of num.w pixels for the
             * digits; what they do not use is closed up */
            char d[11];
            int n = (int)cnd_text_int(p->number > 0x7FFFFFFFu ? 0x7FFFFFFF : (int32_t)p->number, d),
                keep = n * CND_FONT_W + 1;
            origin = cnd_ptext_draw_line_gap(atlas_of(s, p->text), p->text, &l, left, box, top,
                                             s->fg, s->bg, band, p->num.x, p->num.w, keep);
            if (keep < p->num.w)
                end = origin + l.width - (p->num.w - keep);
            draw_font(d, (uint32_t)n, origin + p->num.x + ((p->text->flags & CND_PTEXT_F_RTL) ? 1 : 0),
                      top + (lh - CND_FONT_H) / 2, s->fg, origin + p->num.x,
                      origin + p->num.x + (keep < p->num.w ? keep : p->num.w), band);
        } else {
            cnd_ptext_draw_line(atlas_of(s, p->text), p->text, &l, left, box, top, s->fg, s->bg,
                                band);
        }
    } else if (s->rtl) {
        origin = end = left + box;
    }
    if (p->ascii_len > 0 && i == part_lines(p) - 1) {
        tw = font_cells(p->ascii, p->ascii_len) * CND_FONT_W;
        /* after the line in its reading direction: right of it, or left */
        draw_font(p->ascii, p->ascii_len,
                  s->rtl ? origin - tw - (p->text != NULL ? 4 : 0) : end + (p->text != NULL ? 4 : 0),
                  top + (lh - CND_FONT_H) / 2, s->fg, 0, CND_PTEXT_SCREEN_W, band);
    }
}

/* Draws the body from line off into [y, y + area) (the lines that fit
 * whole); returns the largest useful offset. */
static int draw_parts(const cnd_pscreen_t *s, const cnd_pscreen_part_t *parts, int n_parts,
                      int y, int area, int text_x, int arrow_x, const cnd_band_t *band)
{
    int total = 0, k, g, pi = 0, acc = 0, b_max, off, yy = y, last;
    for (k = 0; k < n_parts; k++)
        total += part_lines(&parts[k]);
    if (total == 0)
        return 0;
    b_max = total; /* the smallest offset from which the rest fits */
    for (g = total - 1; g >= 0; g--) {
        acc += part_line_h(&parts[pi], locate(parts, n_parts, g, &pi));
        if (acc > area)
            break;
        b_max = g;
    }
    off = s->body_offset < 0 ? 0 : s->body_offset > b_max ? b_max : s->body_offset;
    for (g = off, last = off; g < total; g++) {
        int i = locate(parts, n_parts, g, &pi), h = part_line_h(&parts[pi], i);
        if (yy + h > y + area)
            break;
        draw_part_line(s, &parts[pi], i, yy, text_x, band);
        yy += h;
        last = g + 1;
    }
    if (off > 0)
        draw_triangle(arrow_x, y + 2, 0, s->fg, band);
    if (last < total)
        draw_triangle(arrow_x, yy - 8, 1, s->fg, band);
    return b_max;
}

/* A solid triangle, 9 pixels wide: dir 0 up, 1 down, 2 pointing right, 3 left. */
static void draw_triangle(int x, int y, int dir, uint16_t c, const cnd_band_t *band)
{
    int i;
    for (i = 0; i < 5; i++) {
        if (dir == 0)
            cnd_band_fill(band, x + 4 - i, y + i, 2 * i + 1, 1, c);
        else if (dir == 1)
            cnd_band_fill(band, x + 4 - i, y + 4 - i, 2 * i + 1, 1, c);
        else if (dir == 2)
            cnd_band_fill(band, x + i, y + i, 1, 9 - 2 * i, c);
        else
            cnd_band_fill(band, x + 4 - i, y + i, 1, 9 - 2 * i, c);
    }
}

static void draw_box(int x, int y, int ticked, uint16_t c, const cnd_band_t *band)
{
    cnd_band_fill(band, x, y, 9, 1, c);
    cnd_band_fill(band, x, y + 8, 9, 1, c);
    cnd_band_fill(band, x, y, 1, 9, c);
    cnd_band_fill(band, x + 8, y, 1, 9, c);
    if (ticked)
        cnd_band_fill(band, x + 2, y + 2, 5, 5, c);
}

int cnd_pscreen_draw(const cnd_pscreen_t *s, const cnd_band_t *band)
{
    const int W = CND_PTEXT_SCREEN_W, H = CND_PTEXT_SCREEN_H;
    /* left to right: text from the left margin, scroll arrows in the right
     * column, option markers in the left one; right to left: mirrored */
    int text_x = s->rtl ? CND_PSCREEN_MARGIN + CND_PSCREEN_MARKER_W : CND_PSCREEN_MARGIN;
    int opt_x = s->rtl ? CND_PSCREEN_MARGIN : CND_PSCREEN_MARGIN + CND_PSCREEN_MARKER_W;
    int mark_x = s->rtl ? W - CND_PSCREEN_MARGIN - CND_PSCREEN_MARKER_W + 2 : CND_PSCREEN_MARGIN;
    int arrow_x = s->rtl ? CND_PSCREEN_MARGIN : W - CND_PSCREEN_MARGIN - 10;
    int y = CND_PSCREEN_BAR_H + CND_PSCREEN_MARGIN, k, opt_h = 0, first = 0, t_lines, b_max = 0,
        top, win, need, body_keep = 0, sl = 0, bottom = H - 1, n_parts = s->n_parts;
    /* the cursor's option is kept on screen; none highlighted: the first */
    int cur = s->cursor == CND_CURSOR_NONE ? 0 : s->cursor;
    const cnd_pscreen_part_t *parts = s->parts;
    cnd_pscreen_part_t one; /* a single body block is a body of one part */
    const char *z;
    if (n_parts == 0 && s->body != NULL) {
        memset(&one, 0, sizeof one);
        one.text = s->body;
        parts = &one;
        n_parts = 1;
    }
    cnd_band_fill(band, 0, 0, W, H, s->bg);
    /* status bar */
    cnd_band_fill(band, 0, 0, W, CND_PSCREEN_BAR_H, s->fg);
    for (z = s->status; *z != '\0' && sl < 28; z++)
        sl++;
    draw_ascii(s->status, s->rtl ? W - CND_PSCREEN_MARGIN - sl * CND_FONT_W : CND_PSCREEN_MARGIN,
               1, s->bg, band);
    /* title */
    t_lines = lines_of(s->title) < CND_PSCREEN_TITLE_MAX ? lines_of(s->title)
                                                         : CND_PSCREEN_TITLE_MAX;
    if (t_lines > 0) {
        cnd_ptext_draw(atlas_of(s, s->title), s->title, 0, t_lines, text_x, CND_PSCREEN_TEXT_W, y,
                       s->fg, s->bg, band);
        y += t_lines * s->title->line_h + 6;
    }
    /* the options' window at the bottom: all of them if they fit above a
     * body of at least 2 lines, else scrolled so the cursor's is whole */
    for (k = 0; k < s->n_opt; k++)
        opt_h += opt_height(s, k) + 2;
    if (n_parts > 0) {
        int l0 = part_lines(&parts[0]);
        if (l0 > 0)
            body_keep = (l0 < 2 ? part_line_h(&parts[0], 0)
                                : part_line_h(&parts[0], 0) + part_line_h(&parts[0], 1)) + 4;
    }
    win = bottom - y - body_keep;
    if (win > opt_h)
        win = opt_h;
    if (win < 0)
        win = 0;
    for (;;) {
        need = first > 0 ? 10 : 0;
        for (k = first; k <= cur && k < s->n_opt; k++)
            need += opt_height(s, k) + 2;
        if (cur + 1 < s->n_opt)
            need += 10;
        if (opt_h <= win || need <= win || first >= cur)
            break;
        first++;
    }
    top = bottom - win;
    /* body between title and options, scrolled with arrows */
    if (n_parts > 0)
        b_max = draw_parts(s, parts, n_parts, y, top - y - 4, text_x, arrow_x, band);
    /* options */
    if (first > 0) {
        draw_triangle(arrow_x, top + 2, 0, s->fg, band);
        top += 10;
    }
    for (k = first; k < s->n_opt; k++) {
        const cnd_ptext_t *o = s->opt[k];
        int h = opt_height(s, k) + 2, is_cur = k == s->cursor,
            mid = top + (o != NULL ? o->line_h : CND_FONT_H) / 2 - 4;
        uint16_t fg = is_cur ? s->bg : s->fg, bg = is_cur ? s->fg : s->bg;
        if (top + h > bottom + 1 || (k > cur && k + 1 < s->n_opt && top + h + 10 > bottom + 1)) {
            draw_triangle(arrow_x, bottom - 6, 1, s->fg, band);
            break;
        }
        if (is_cur)
            cnd_band_fill(band, 0, top, W, h, bg);
        if (s->checked_box && k + 1 < s->n_opt)
            draw_box(mark_x + 1, mid, (int)((s->checked >> k) & 1u), fg, band);
        else if (is_cur)
            draw_triangle(mark_x + 2, mid, s->rtl ? 3 : 2, fg, band);
        if (o != NULL)
            cnd_ptext_draw(atlas_of(s, o), o, 0, o->n_lines, opt_x, CND_PSCREEN_OPTION_W, top + 1,
                           fg, bg, band);
        if (k + 1 == s->num_opt) {
            uint32_t n = 0;
            int tw;
            while (n < sizeof s->num_text && s->num_text[n] != '\0')
                n++;
            tw = font_cells(s->num_text, n) * CND_FONT_W;
            /* the number being edited, in its row's reading edge */
            draw_font(s->num_text, n, s->rtl ? opt_x + CND_PSCREEN_OPTION_W - tw : opt_x,
                      top + 1 + (opt_height(s, k) - CND_FONT_H) / 2, fg, 0, W, band);
        }
        top += h;
    }
    return b_max;
}
