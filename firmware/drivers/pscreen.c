/* pscreen.c: pixel layout of a pre-rendered screen (see pscreen.h). */
#include "pscreen.h"

#include "font.h"

static int lines_of(const cnd_ptext_t *t)
{
    return t != NULL ? t->n_lines : 0;
}

static int height_of(const cnd_ptext_t *t)
{
    return t != NULL ? t->n_lines * t->line_h : 0;
}

/* An 8x16 ASCII string (status bar) at x, y. */
static void draw_ascii(const char *z, int x, int y, uint16_t fg, const cnd_band_t *band)
{
    for (; *z != '\0'; z++, x += CND_FONT_W) {
        const uint8_t *bm = cnd_font_bitmap(cnd_font_glyph((uint8_t)*z));
        int r, c;
        for (r = 0; r < CND_FONT_H; r++)
            for (c = 0; c < CND_FONT_W; c++)
                if ((bm[r] >> (7 - c)) & 1u)
                    cnd_band_fill(band, x + c, y + r, 1, 1, fg);
    }
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
    int y = CND_PSCREEN_BAR_H + CND_PSCREEN_MARGIN, k, opt_h = 0, first = 0, t_lines, b_rows = 0,
        b_max = 0, off, top, win, need, body_keep = 0, sl = 0, bottom = H - 1;
    const char *z;
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
        cnd_ptext_draw(s->atlas, s->title, 0, t_lines, text_x, CND_PSCREEN_TEXT_W, y, s->fg,
                       s->bg, band);
        y += t_lines * s->title->line_h + 6;
    }
    /* the options' window at the bottom: all of them if they fit above a
     * body of at least 2 lines, else scrolled so the cursor's is whole */
    for (k = 0; k < s->n_opt; k++)
        opt_h += height_of(s->opt[k]) + 2;
    if (s->body != NULL && s->body->n_lines > 0)
        body_keep = (s->body->n_lines < 2 ? s->body->n_lines : 2) * s->body->line_h + 4;
    win = bottom - y - body_keep;
    if (win > opt_h)
        win = opt_h;
    if (win < 0)
        win = 0;
    for (;;) {
        need = first > 0 ? 10 : 0;
        for (k = first; k <= s->cursor && k < s->n_opt; k++)
            need += height_of(s->opt[k]) + 2;
        if (s->cursor + 1 < s->n_opt)
            need += 10;
        if (opt_h <= win || need <= win || first >= s->cursor)
            break;
        first++;
    }
    top = bottom - win;
    /* body between title and options, scrolled with arrows */
    if (s->body != NULL && s->body->n_lines > 0) {
        int lh = s->body->line_h;
        b_rows = (top - y - 4) / lh;
        if (b_rows < 0)
            b_rows = 0;
        if (b_rows < s->body->n_lines)
            b_max = s->body->n_lines - b_rows;
        off = s->body_offset < 0 ? 0 : s->body_offset > b_max ? b_max : s->body_offset;
        cnd_ptext_draw(s->atlas, s->body, off, b_rows, text_x, CND_PSCREEN_TEXT_W, y, s->fg,
                       s->bg, band);
        if (off > 0)
            draw_triangle(arrow_x, y + 2, 0, s->fg, band);
        if (off < b_max)
            draw_triangle(arrow_x, y + b_rows * lh - 8, 1, s->fg, band);
    }
    /* options */
    if (first > 0) {
        draw_triangle(arrow_x, top + 2, 0, s->fg, band);
        top += 10;
    }
    for (k = first; k < s->n_opt; k++) {
        const cnd_ptext_t *o = s->opt[k];
        int h = height_of(o) + 2, cur = k == s->cursor, mid = top + (o != NULL ? o->line_h : 16) / 2 - 4;
        uint16_t fg = cur ? s->bg : s->fg, bg = cur ? s->fg : s->bg;
        if (top + h > bottom + 1 || (k > s->cursor && k + 1 < s->n_opt && top + h + 10 > bottom + 1)) {
            draw_triangle(arrow_x, bottom - 6, 1, s->fg, band);
            break;
        }
        if (cur)
            cnd_band_fill(band, 0, top, W, h, bg);
        if (s->checked_box && k + 1 < s->n_opt)
            draw_box(mark_x + 1, mid, (int)((s->checked >> k) & 1u), fg, band);
        else if (cur)
            draw_triangle(mark_x + 2, mid, s->rtl ? 3 : 2, fg, band);
        if (o != NULL)
            cnd_ptext_draw(s->atlas, o, 0, o->n_lines, opt_x, CND_PSCREEN_OPTION_W, top + 1, fg,
                           bg, band);
        top += h;
    }
    return b_max;
}
