/* ptext_draw.c: pre-rendered text into RGB565 pixels (see ptext_draw.h). */
#include "ptext_draw.h"

#include "font.h"

/* Mixes two RGB565 colours: k/3 of fg over bg. */
static uint16_t mix(uint16_t fg, uint16_t bg, unsigned k)
{
    unsigned r = ((fg >> 11) * k + (bg >> 11) * (3u - k)) / 3u;
    unsigned g = (((fg >> 5) & 63u) * k + ((bg >> 5) & 63u) * (3u - k)) / 3u;
    unsigned b = ((fg & 31u) * k + (bg & 31u) * (3u - k)) / 3u;
    return (uint16_t)((r << 11) | (g << 5) | b);
}

void cnd_band_fill(const cnd_band_t *band, int x, int y, int w, int h, uint16_t color)
{
    int yy, xx, y1 = y + h, x1 = x + w;
    if (y < band->y0)
        y = band->y0;
    if (y1 > band->y0 + band->h)
        y1 = band->y0 + band->h;
    if (x < 0)
        x = 0;
    if (x1 > CND_PTEXT_SCREEN_W)
        x1 = CND_PTEXT_SCREEN_W;
    for (yy = y; yy < y1; yy++)
        for (xx = x; xx < x1; xx++)
            band->px[(yy - band->y0) * CND_PTEXT_SCREEN_W + xx] = color;
}

/* Draws line l; glyphs placed at or right of `split` move left by `cut`
 * pixels (a number's gap closed up: cnd_ptext_draw_line_gap). */
static void draw_line(const cnd_patlas_t *a, const cnd_ptext_t *t, const cnd_pline_t *l, int left,
                      int box_w, int top, uint16_t fg, uint16_t bg, const cnd_band_t *band,
                      int split, int cut)
{
    uint16_t shade[4];
    int k, clip_l = left < 0 ? 0 : left, clip_r = left + box_w, origin = left;
    if (clip_r > CND_PTEXT_SCREEN_W)
        clip_r = CND_PTEXT_SCREEN_W;
    if (top >= band->y0 + band->h || top + t->line_h <= band->y0)
        return; /* the line does not touch this band */
    if ((t->flags & CND_PTEXT_F_RTL) != 0 && l->width - cut < box_w)
        origin = left + box_w - (l->width - cut);
    for (k = 0; k < 4; k++)
        shade[k] = mix(fg, bg, (unsigned)k);
    for (k = 0; k < l->n_glyphs; k++) {
        uint16_t gi;
        uint8_t gx, gy;
        cnd_pglyph_t gl;
        int y, x, y_from, y_to, shift;
        cnd_pline_place(l, k, &gi, &gx, &gy);
        gl = cnd_patlas_glyph(a, gi);
        shift = gx >= split ? cut : 0;
        y_from = top + gy;
        y_to = y_from + gl.h;
        if (y_from < band->y0)
            y_from = band->y0;
        if (y_to > band->y0 + band->h)
            y_to = band->y0 + band->h;
        for (y = y_from; y < y_to; y++) {
            uint16_t *row = band->px + (y - band->y0) * CND_PTEXT_SCREEN_W;
            for (x = 0; x < gl.w; x++) {
                int sx = origin + gx - shift + x;
                unsigned c;
                if (sx < clip_l || sx >= clip_r)
                    continue;
                c = cnd_pglyph_px(&gl, (unsigned)x, (unsigned)(y - top - gy));
                if (c != 0)
                    row[sx] = shade[c]; /* overlapping marks: the later glyph wins where it inks */
            }
        }
    }
}

void cnd_ptext_draw_line(const cnd_patlas_t *a, const cnd_ptext_t *t, const cnd_pline_t *l,
                         int left, int box_w, int top, uint16_t fg, uint16_t bg,
                         const cnd_band_t *band)
{
    draw_line(a, t, l, left, box_w, top, fg, bg, band, 0x7FFF, 0);
}

int cnd_ptext_draw_line_gap(const cnd_patlas_t *a, const cnd_ptext_t *t, const cnd_pline_t *l,
                            int left, int box_w, int top, uint16_t fg, uint16_t bg,
                            const cnd_band_t *band, int gap_x, int gap_w, int keep)
{
    int cut = gap_w > keep ? gap_w - keep : 0, origin = left;
    draw_line(a, t, l, left, box_w, top, fg, bg, band, gap_x + gap_w / 2, cut);
    if ((t->flags & CND_PTEXT_F_RTL) != 0 && l->width - cut < box_w)
        origin = left + box_w - (l->width - cut);
    return origin;
}

void cnd_ptext_draw(const cnd_patlas_t *a, const cnd_ptext_t *t, int first, int n, int left,
                    int box_w, int top, uint16_t fg, uint16_t bg, const cnd_band_t *band)
{
    int i;
    for (i = 0; i < n && first + i < t->n_lines; i++) {
        cnd_pline_t l = cnd_ptext_line(t, first + i);
        cnd_ptext_draw_line(a, t, &l, left, box_w, top + i * t->line_h, fg, bg, band);
    }
}

void cnd_text_frame_draw(const cnd_text_frame_t *f, uint16_t fg, uint16_t bg,
                         const cnd_band_t *band)
{
    int y, c, bit;
    for (y = band->y0; y < band->y0 + band->h && y < CND_TEXT_ROWS * CND_FONT_H; y++) {
        int r = y / CND_FONT_H;
        uint16_t on = f->invert[r] ? bg : fg, off = f->invert[r] ? fg : bg;
        uint16_t *row = band->px + (y - band->y0) * CND_PTEXT_SCREEN_W;
        for (c = 0; c < CND_TEXT_COLS; c++) {
            uint8_t bits = cnd_font_bitmap(f->glyph[r][c])[y % CND_FONT_H];
            for (bit = 0; bit < CND_FONT_W; bit++)
                row[c * CND_FONT_W + bit] = (bits & (0x80u >> bit)) ? on : off;
        }
    }
}
