/*
 * draw_bench: one full-screen draw of pre-rendered text, as the handheld
 * does it (tools/workload/bench.py counts its instructions with callgrind,
 * `--toggle-collect=draw_full_screen`).
 *
 *   draw_bench LANG [--dump IN REF]
 *
 * --dump writes the screen's pre-rendered bytes as the QEMU board reads
 * them (firmware/ports/qemu-netduinoplus2/pscreen_check.c: u32 atlas
 * length + atlas, six blocks as u32 length + bytes, u8 rtl, u8 cursor) to
 * IN, and the simulator's drawing of it (the same 320 one-line bands,
 * RGB565 little-endian) to REF, for tests/qemu to compare byte for byte.
 *
 * Lays out an item screen (a two-line question, a hint, four options) in
 * LANG with the office tool's shaper, then draws it the way the handheld
 * feeds its ILI9341: 320 bands of one pixel line (cnd_pscreen_draw per
 * line into a 480-byte line buffer). Prints the screen's pre-rendered
 * bytes as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pscreen.h"
#include "ptext.h"
#include "ptext_draw.h"
#include "shape.h"

static const char *const texts[][7] = {
    {"en", "How many hours do you usually work in a day, counting all tasks?",
     "Count the time you are on call too.", "8 hours or less", "9 to 11 hours",
     "12 to 14 hours", "15 hours or more"},
    {"am", "ዛሬ እንዴት ነዎት? በቀን ስንት ሰዓት ይሰራሉ?", "ሁሉንም ሥራዎች ይቁጠሩ።", "ደህና", "መካከለኛ",
     "ጥሩ አይደለሁም", "መመለስ አልፈልግም"},
    {"my", "ဒီနေ့ နေကောင်းလား? တစ်ရက်ကို ဘယ်နှစ်နာရီ အလုပ်လုပ်သလဲ?", "အလုပ်အားလုံးကို ရေတွက်ပါ။",
     "ကောင်းပါတယ်", "သင့်တင့်ပါတယ်", "မကောင်းပါ", "မဖြေလိုပါ"},
    {"ar", "كيف حالك اليوم؟ كم ساعة تعمل في اليوم عادة؟", "احسب كل المهام.", "بخير", "لا بأس",
     "لست بخير", "أفضل عدم الإجابة"},
};

static uint16_t line_buf[CND_PTEXT_SCREEN_W];
static uint16_t fb[CND_PTEXT_SCREEN_W * CND_PTEXT_SCREEN_H];

static void put32(FILE *f, size_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static int dump(const char *in, const char *ref, const cnd_shape_bytes_t *atl,
                const cnd_shape_bytes_t *blk, const cnd_pscreen_t *ps)
{
    FILE *f = fopen(in, "wb");
    int k, y, x;
    uint8_t tail[2];
    if (f == NULL)
        return 0;
    put32(f, atl->len);
    fwrite(atl->buf, 1, atl->len, f);
    for (k = 0; k < 6; k++) {
        put32(f, blk[k].len);
        fwrite(blk[k].buf, 1, blk[k].len, f);
    }
    tail[0] = ps->rtl;
    tail[1] = ps->cursor;
    fwrite(tail, 1, 2, f);
    if (fclose(f) != 0)
        return 0;
    for (y = 0; y < CND_PTEXT_SCREEN_H; y++) {
        cnd_band_t band = {line_buf, y, 1};
        cnd_pscreen_draw(ps, &band);
        memcpy(fb + y * CND_PTEXT_SCREEN_W, line_buf, sizeof line_buf);
    }
    f = fopen(ref, "wb");
    if (f == NULL)
        return 0;
    for (x = 0; x < CND_PTEXT_SCREEN_W * CND_PTEXT_SCREEN_H; x++) {
        uint8_t b[2] = {(uint8_t)fb[x], (uint8_t)(fb[x] >> 8)};
        fwrite(b, 1, 2, f);
    }
    return fclose(f) == 0;
}
static volatile uint32_t sink;

/* The measured function: every pixel line of the panel, one at a time. */
__attribute__((noinline)) void draw_full_screen(const cnd_pscreen_t *ps);
__attribute__((noinline)) void draw_full_screen(const cnd_pscreen_t *ps)
{
    int y;
    for (y = 0; y < CND_PTEXT_SCREEN_H; y++) {
        cnd_band_t band = {line_buf, y, 1};
        cnd_pscreen_draw(ps, &band);
        sink += line_buf[y % CND_PTEXT_SCREEN_W]; /* the SPI transfer would go here */
    }
}

int main(int argc, char **argv)
{
    size_t t, k, bytes = 0;
    cnd_err_t err;
    cnd_shaper_t *sh;
    cnd_shape_bytes_t blk[6], atl;
    cnd_patlas_t a;
    cnd_ptext_t pt[6];
    cnd_pscreen_t ps;
    for (t = 0; t < sizeof texts / sizeof texts[0]; t++)
        if (argc > 1 && strcmp(argv[1], texts[t][0]) == 0)
            break;
    if ((argc != 2 && !(argc == 5 && strcmp(argv[2], "--dump") == 0)) ||
        t == sizeof texts / sizeof texts[0]) {
        fprintf(stderr, "usage: draw_bench en|am|my|ar [--dump IN REF]\n");
        return 2;
    }
    sh = cnd_shaper_new(texts[t][0], NULL, "bench", &err);
    if (sh == NULL) {
        fprintf(stderr, "draw_bench: %s\n", err.msg);
        return 1;
    }
    for (k = 0; k < 6; k++)
        if (!cnd_shape_text(sh, texts[t][k + 1], CND_PSCREEN_TEXT_W, 64, "bench",
                            &blk[k], &err)) {
            fprintf(stderr, "draw_bench: %s\n", err.msg);
            return 1;
        }
    if (!cnd_shape_atlas(sh, &atl, &err) ||
        cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len) != CND_OK)
        return 1;
    for (k = 0; k < 6; k++) {
        if (cnd_ptext_open(&pt[k], blk[k].buf, (uint32_t)blk[k].len, &a) != CND_OK)
            return 1;
        bytes += blk[k].len;
    }
    memset(&ps, 0, sizeof ps);
    ps.atlas = &a;
    ps.title = &pt[0];
    ps.body = &pt[1];
    for (k = 0; k < 4; k++)
        ps.opt[k] = &pt[2 + k];
    ps.n_opt = 4;
    ps.cursor = 1;
    ps.rtl = (uint8_t)cnd_shaper_rtl(sh);
    snprintf(ps.status, sizeof ps.status, "%s 3/12", texts[t][0]);
    ps.fg = 0x0000;
    ps.bg = 0xFFFF;
    if (argc == 5) {
        memcpy(ps.status, "test", 5); /* as the QEMU board labels it */
        if (!dump(argv[3], argv[4], &atl, blk, &ps)) {
            fprintf(stderr, "draw_bench: cannot write %s or %s\n", argv[3], argv[4]);
            return 1;
        }
    }
    draw_full_screen(&ps);
    printf("{\"lang\": \"%s\", \"atlas_bytes\": %zu, \"block_bytes\": %zu, "
           "\"pscreen_t_bytes\": %zu}\n",
           texts[t][0], atl.len, bytes, sizeof(cnd_pscreen_t));
    for (k = 0; k < 6; k++)
        free(blk[k].buf);
    free(atl.buf);
    cnd_shaper_free(sh);
    return 0;
}
