/*
 * render_check: one language's rendering test (tests/script/CMakeLists.txt).
 *
 *   render_check LANG TEXT WORKDIR [--break=unshaped|reversed]
 *
 * Shapes TEXT with the office tool's shaper (host/survey/shape.c), draws
 * the pre-rendered block with the handheld's drawing code
 * (firmware/drivers/ptext_draw.c) into a framebuffer, and compares it with
 * an independent reference: hb-view (libharfbuzz-bin, cairo's rasteriser)
 * drawing TEXT in the same font file at the same pixel size.
 *
 * Alignment: both images are reduced to ink (255 - grey) and cropped to the
 * bounding box of ink above 1/4; the boxes must agree within 3 pixels in
 * width and height; then the crops are compared at every offset of up to
 * 2 pixels either way and the best offset counts. Tolerance: both crops are
 * blurred by a 3x3 box first (anti-aliasing, hinting and sub-pixel
 * placement move edges by a pixel), and the score is
 *   sum |a - b| / sum max(a, b)
 * over the crop, which must stay under 0.18 (correct renderings score
 * 0.05-0.10, the broken ones 0.24-0.74). A missing conjunct, ligature
 * or joining form changes the glyph shapes (and usually the width), glyphs
 * in the wrong order or a reversed right-to-left line move whole glyphs:
 * each moves much more ink than that (the --break modes show it).
 *
 * Exit status: 0 when the renderings match; with a --break mode, 0 only
 * when the comparison REJECTS the broken rendering (so a comparison too
 * lenient to notice fails the test, and so does any other error).
 *
 * --break=unshaped: shape with HarfBuzz's fallback shaper (no OpenType
 * substitutions or positioning); --break=reversed: mirror each line's
 * glyph placements (logical order drawn left to right for an RTL line,
 * right to left for an LTR one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fb_png.h"
#include "ptext.h"
#include "ptext_draw.h"
#include "shape.h"

#define FB_H 64
#define THRESHOLD 0.18

typedef struct {
    int *ink; /* blurred ink, w x h */
    int w, h;
} crop_t;

/* Crops grey g (w x h) to its ink bounding box and blurs it. */
static int crop(const uint8_t *g, int w, int h, crop_t *c)
{
    int x0 = w, y0 = h, x1 = -1, y1 = -1, x, y;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            if (255 - g[y * w + x] > 64) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
    if (x1 < 0)
        return 0;
    c->w = x1 - x0 + 1;
    c->h = y1 - y0 + 1;
    c->ink = calloc((size_t)c->w * c->h, sizeof *c->ink);
    for (y = 0; y < c->h; y++)
        for (x = 0; x < c->w; x++) {
            int s = 0, dx, dy;
            for (dy = -1; dy <= 1; dy++)
                for (dx = -1; dx <= 1; dx++) {
                    int sx = x0 + x + dx, sy = y0 + y + dy;
                    if (sx >= 0 && sy >= 0 && sx < w && sy < h)
                        s += 255 - g[sy * w + sx];
                }
            c->ink[y * c->w + x] = s / 9;
        }
    return 1;
}

static double score_at(const crop_t *a, const crop_t *b, int ox, int oy)
{
    long diff = 0, tot = 0;
    int w = a->w > b->w + ox ? a->w : b->w + ox, h = a->h > b->h + oy ? a->h : b->h + oy;
    int x, y, x_from = ox < 0 ? ox : 0, y_from = oy < 0 ? oy : 0;
    for (y = y_from; y < h; y++)
        for (x = x_from; x < w; x++) {
            int va = x >= 0 && y >= 0 && x < a->w && y < a->h ? a->ink[y * a->w + x] : 0;
            int bx = x - ox, by = y - oy;
            int vb = bx >= 0 && by >= 0 && bx < b->w && by < b->h ? b->ink[by * b->w + bx] : 0;
            diff += va > vb ? va - vb : vb - va;
            tot += va > vb ? va : vb;
        }
    return tot > 0 ? (double)diff / (double)tot : 1.0;
}

int main(int argc, char **argv)
{
    static uint16_t fb[FB_H * CND_PTEXT_SCREEN_W];
    static const char *const fallback[] = {"fallback", NULL};
    cnd_err_t err;
    cnd_shaper_t *sh;
    cnd_shape_bytes_t blk, atl;
    cnd_patlas_t a;
    cnd_ptext_t t;
    cnd_band_t band = {fb, 0, FB_H};
    char sim_png[1024], ref_png[1024], fsize[32];
    uint8_t *gs = NULL, *gr = NULL;
    int ws, hs, wr, hr, i, ox, oy, brk_unshaped = 0, brk_reversed = 0;
    crop_t cs, cr;
    double best = 1.0;
    pid_t pid;
    int status;
    if (argc < 4) {
        fprintf(stderr, "usage: render_check LANG TEXT WORKDIR [--break=unshaped|reversed]\n");
        return 2;
    }
    for (i = 4; i < argc; i++) {
        brk_unshaped |= strcmp(argv[i], "--break=unshaped") == 0;
        brk_reversed |= strcmp(argv[i], "--break=reversed") == 0;
    }
    sh = cnd_shaper_new(argv[1], NULL, "lang", &err);
    if (sh == NULL) {
        fprintf(stderr, "render_check: %s\n", err.msg);
        return 1;
    }
    if (brk_unshaped)
        cnd_shaper_set_shapers(sh, fallback);
    if (!cnd_shape_text(sh, argv[2], CND_PTEXT_SCREEN_W, 1, "text", &blk, &err) ||
        !cnd_shape_atlas(sh, &atl, &err)) {
        fprintf(stderr, "render_check: %s\n", err.msg);
        return 1;
    }
    if (brk_reversed) {
        /* mirror each placement within the line: the glyphs in reverse */
        cnd_ptext_t tt;
        cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len);
        cnd_ptext_open(&tt, blk.buf, (uint32_t)blk.len, &a);
        for (i = 0; i < tt.n_lines; i++) {
            cnd_pline_t l = cnd_ptext_line(&tt, i);
            int k;
            for (k = 0; k < l.n_glyphs; k++) {
                uint8_t *p = (uint8_t *)l.place + k * CND_PTEXT_PLACE;
                cnd_pglyph_t gl = cnd_patlas_glyph(&a, (uint16_t)(p[0] | (p[1] << 8)));
                int x = l.width - p[2] - gl.w;
                p[2] = (uint8_t)(x < 0 ? 0 : x);
            }
        }
    }
    if (cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len) != CND_OK ||
        cnd_ptext_open(&t, blk.buf, (uint32_t)blk.len, &a) != CND_OK) {
        fprintf(stderr, "render_check: the shaper wrote a block its reader refuses\n");
        return 1;
    }
    for (i = 0; i < FB_H * CND_PTEXT_SCREEN_W; i++)
        fb[i] = 0xFFFF;
    cnd_ptext_draw(&a, &t, 0, t.n_lines, 0, CND_PTEXT_SCREEN_W, 8, 0x0000, 0xFFFF, &band);
    snprintf(sim_png, sizeof sim_png, "%s/%s-sim.png", argv[3], argv[1]);
    snprintf(ref_png, sizeof ref_png, "%s/%s-ref.png", argv[3], argv[1]);
    if (cnd_fb_write_png(sim_png, fb, CND_PTEXT_SCREEN_W, FB_H) != 0) {
        fprintf(stderr, "render_check: cannot write %s\n", sim_png);
        return 1;
    }
    snprintf(fsize, sizeof fsize, "--font-size=%d", CND_SHAPE_PX);
    pid = fork();
    if (pid == 0) {
        char ff[1100], of[1100], tx[4096], lg[64];
        snprintf(ff, sizeof ff, "--font-file=%s", cnd_shaper_font_file(sh));
        snprintf(of, sizeof of, "--output-file=%s", ref_png);
        snprintf(tx, sizeof tx, "--text=%s", argv[2]);
        snprintf(lg, sizeof lg, "--language=%s", argv[1]);
        execlp("hb-view", "hb-view", ff, fsize, "--margin=8", "--output-format=png", of, tx, lg,
               (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "render_check: hb-view failed (is libharfbuzz-bin installed?)\n");
        return 1;
    }
    if (cnd_png_read_grey(sim_png, &gs, &ws, &hs) != 0 ||
        cnd_png_read_grey(ref_png, &gr, &wr, &hr) != 0) {
        fprintf(stderr, "render_check: cannot read the renderings back\n");
        return 1;
    }
    if (!crop(gs, ws, hs, &cs) || !crop(gr, wr, hr, &cr)) {
        fprintf(stderr, "render_check: %s: a rendering is blank\n", argv[1]);
        return 1;
    }
    for (oy = -2; oy <= 2; oy++)
        for (ox = -2; ox <= 2; ox++) {
            double s = score_at(&cs, &cr, ox, oy);
            best = s < best ? s : best;
        }
    printf("%s: simulator %dx%d ink, hb-view %dx%d ink, difference %.3f (limit %.2f) font %s\n",
           argv[1], cs.w, cs.h, cr.w, cr.h, best, THRESHOLD, cnd_shaper_font(sh));
    free(gs);
    free(gr);
    free(cs.ink);
    free(cr.ink);
    free(blk.buf);
    free(atl.buf);
    cnd_shaper_free(sh);
    if (abs(cs.w - cr.w) > 3 || abs(cs.h - cr.h) > 3 || best >= THRESHOLD) {
        printf("%s: %s: the renderings differ%s\n", argv[1],
               brk_unshaped || brk_reversed ? "broken rendering rejected, as it must be" : "FAIL",
               abs(cs.w - cr.w) > 3 || abs(cs.h - cr.h) > 3 ? " (ink boxes)" : "");
        return brk_unshaped || brk_reversed ? 0 : 1;
    }
    if (brk_unshaped || brk_reversed) {
        printf("%s: FAIL: the broken rendering passed the comparison\n", argv[1]);
        return 1;
    }
    return 0;
}
