/*
 * test_screen_draw: the engine's screens drawn from pre-rendered text
 * (firmware/drivers/screen_draw.c over pscreen.c), with blocks the office
 * tool really shaped (host/survey/shape.c) for English, Arabic (right to
 * left) and Burmese, handed over by a lookup callback as a pack would.
 * Per screen kind: ink where text must be, the option marker and tick
 * boxes on the right for Arabic, digits in a "{n}" text's number slot, a
 * sensible scroll range, the grid when a block is missing, and NEUTRAL's
 * clock exactly as the grid drew it before pre-rendered screens existed.
 * Then a whole interview through the real engine on a compiled pack
 * (tests/script/screens.json), every string of which the office tool
 * shaped as a version 4 pack would carry it: every screen a respondent
 * sees is drawn pre-rendered, the consent scrolls by the pixel layout's
 * lines until "I agree" is offered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile.h"
#include "engine.h"
#include "fb_png.h"
#include "ram_flash.h"
#include "store.h"
#include "test_hal.h"
#include "test_key.h"
#include "pscreen.h"
#include "ptext.h"
#include "ptext_draw.h"
#include "screen_draw.h"
#include "shape.h"
#include "text.h"

#define W CND_PTEXT_SCREEN_W
#define H CND_PTEXT_SCREEN_H
#define FG 0x0000
#define BG 0xFFFF

enum { EN, AR, MY, N_LANGS };
static const char *const codes[N_LANGS] = {"en", "ar", "my"};

/* What the shaper made: per language an atlas and the texts' blocks. A
 * text whose number slot is set was shaped with spaces where "{n}" was. */
#define MAX_TEXTS 24
typedef struct {
    const char *text;
    cnd_shape_bytes_t blk;
    cnd_pnum_slot_t num;
} shaped_t;

typedef struct {
    cnd_shape_bytes_t atl;
    cnd_patlas_t atlas;
    shaped_t t[MAX_TEXTS];
    int n;
} lang_t;

static lang_t g_lang[N_LANGS];
static uint16_t fb[W * H];
static const char *g_missing; /* a text the lookup pretends the pack lacks */

#ifndef NEUTRAL_HASH
#define NEUTRAL_HASH 0x41dd8fc5u
#endif

#define NUM_GAP "    " /* four spaces: the gap the digits go into */

static const char *const texts[N_LANGS][MAX_TEXTS] = {
    {"Domestic work survey", "Start", NUM_GAP "to sync", "Storage " NUM_GAP "% full: sync soon",
     "Choose a language", "English", "Do you have a written contract?", "Yes", "No",
     "Prefer not to answer", "Next", "Which days do you work?", "Monday", "Tuesday", "Sunday",
     "How many hours a day?", "Review your answers", "Save", "Change answers", "Withdraw",
     NUM_GAP "more",
     "We are asking about your work. Your answers are kept private and never shown to your "
     "employer. You can stop at any time. Nothing is stored unless you agree at the end. The "
     "survey takes about ten minutes. You can skip any question you do not want to answer. We "
     "will not record your name or where you live. If you need help, ask the interviewer. "
     "Thank you for your time and for sharing your experience with us today.",
     "I agree", "I do not agree"},
    {"استطلاع العمل المنزلي", "ابدأ", "اختر اللغة", "العربية", "هل لديك عقد مكتوب؟", "نعم", "لا",
     "أفضل عدم الإجابة", "التالي", "أيام العمل", "الاثنين", "الثلاثاء", NULL},
    {"မြန်မာဘာသာ", "ဘာသာစကားရွေးပါ", "စတင်ပါ", NULL},
};

static void shape_all(void)
{
    int l, k;
    for (l = 0; l < N_LANGS; l++) {
        cnd_err_t err;
        cnd_shaper_t *sh = cnd_shaper_new(codes[l], NULL, "t", &err);
        assert_non_null(sh);
        for (k = 0; k < MAX_TEXTS && texts[l][k] != NULL; k++) {
            shaped_t *s = &g_lang[l].t[k];
            s->text = texts[l][k];
            assert_true(cnd_shape_text(sh, s->text, CND_PSCREEN_TEXT_W, 64, "t", &s->blk, &err));
            if (strncmp(s->text, NUM_GAP, 4) == 0)
                s->num = (cnd_pnum_slot_t){0, 0, 28};
            else if (strstr(s->text, NUM_GAP) != NULL)
                s->num = (cnd_pnum_slot_t){0, 8 * 7, 28}; /* after "Storage " (about) */
        }
        g_lang[l].n = k;
        assert_true(cnd_shape_atlas(sh, &g_lang[l].atl, &err));
        assert_int_equal(cnd_patlas_open(&g_lang[l].atlas, g_lang[l].atl.buf,
                                         (uint32_t)g_lang[l].atl.len),
                         CND_OK);
        cnd_shaper_free(sh);
    }
}

/* The test's stand-in for cnd_pack_ptext: the block shaped for the text. */
static int lookup(void *ctx, uint8_t lang, cnd_str_t s, cnd_ptext_t *out, cnd_pnum_slot_t *num)
{
    int k;
    (void)ctx;
    if (lang >= N_LANGS)
        return 0;
    for (k = 0; k < g_lang[lang].n; k++) {
        const shaped_t *t = &g_lang[lang].t[k];
        if (strlen(t->text) != s.len || memcmp(t->text, s.ptr, s.len) != 0 ||
            (g_missing != NULL && strcmp(g_missing, t->text) == 0))
            continue;
        assert_int_equal(cnd_ptext_open(out, t->blk.buf, (uint32_t)t->blk.len,
                                        &g_lang[lang].atlas),
                         CND_OK);
        *num = t->num;
        return 1;
    }
    return 0;
}

static cnd_str_t S(const char *z)
{
    cnd_str_t s = {z, (uint16_t)strlen(z)};
    return s;
}

/* Draws s; with CND_SCREEN_DRAW_PNG=DIR set, each drawing is also a PNG
 * there, to look at. */
static void dump(int kind)
{
    static int n;
    const char *dir = getenv("CND_SCREEN_DRAW_PNG");
    char path[512];
    if (dir == NULL)
        return;
    snprintf(path, sizeof path, "%s/%02d-kind%d.png", dir, ++n, kind);
    assert_int_equal(cnd_fb_write_png(path, fb, W, H), 0);
}

static int draw(const cnd_screen_t *s, int offset, cnd_screen_draw_t *d)
{
    cnd_band_t band = {fb, 0, H};
    int ok = cnd_screen_draw_prepare(d, s, lookup, NULL, offset, FG, BG);
    if (ok) {
        cnd_screen_draw_band(d, &band);
        dump(s->kind);
    }
    return ok;
}

/* Pixels in [x0, x1) x [y0, y1) that are not background. */
static long ink(int x0, int y0, int x1, int y1)
{
    long n = 0;
    int x, y;
    for (y = y0; y < y1; y++)
        for (x = x0; x < x1; x++)
            n += fb[y * W + x] != BG;
    return n;
}

/* The rows of the options: the last option's top is found from the bottom. */
static int setup(void **state)
{
    (void)state;
    shape_all();
    return 0;
}

static int teardown(void **state)
{
    int l, k;
    (void)state;
    for (l = 0; l < N_LANGS; l++) {
        for (k = 0; k < g_lang[l].n; k++)
            free(g_lang[l].t[k].blk.buf);
        free(g_lang[l].atl.buf);
    }
    return 0;
}

static void base(cnd_screen_t *s, int kind, int lang)
{
    memset(s, 0, sizeof *s);
    s->kind = (uint8_t)kind;
    s->lang = (uint8_t)lang;
    s->lang_code = S(codes[lang]);
    s->cursor = CND_CURSOR_NONE;
}

static void home_numbers_in_their_slots(void **state)
{
    static cnd_screen_draw_t d;
    static uint16_t with_37[W * H];
    cnd_screen_t s;
    int y;
    (void)state;
    base(&s, CND_SCREEN_HOME, EN);
    s.title = S("Domestic work survey");
    s.src_pending = S(NUM_GAP "to sync");
    s.pending = 37;
    s.src_storage = S("Storage " NUM_GAP "% full: sync soon");
    s.storage_percent = 82;
    s.options[0] = S("Start");
    s.n_options = 1;
    s.cursor = 0;
    assert_true(draw(&s, 0, &d));
    assert_int_equal(d.body_max, 0);
    assert_true(ink(0, CND_PSCREEN_BAR_H + 4, W, CND_PSCREEN_BAR_H + 20) > 100); /* title */
    memcpy(with_37, fb, sizeof fb);
    s.pending = 0;
    assert_true(draw(&s, 0, &d));
    /* the pending line is the body's second part: only that line changed,
     * and the gap the digits do not use is closed up, so the words after
     * "0" end one digit (8 px) left of where they end after "37" */
    {
        int y0 = H, y1 = -1, r37 = -1, r0 = -1;
        for (y = 0; y < H; y++) {
            int x;
            for (x = 0; x < W; x++)
                if (fb[y * W + x] != with_37[y * W + x]) {
                    y0 = y < y0 ? y : y0;
                    y1 = y > y1 ? y : y1;
                }
        }
        assert_true(y1 >= y0 && y1 - y0 < 30);
        for (y = y0; y <= y1; y++) {
            int x;
            for (x = 0; x < W; x++) {
                if (with_37[y * W + x] != BG && x > r37)
                    r37 = x;
                if (fb[y * W + x] != BG && x > r0)
                    r0 = x;
            }
        }
        assert_int_equal(r37 - r0, 8);
    }
    /* the status bar: the code in ASCII on the inverted bar */
    assert_true(ink(0, 0, W, CND_PSCREEN_BAR_H) > W * CND_PSCREEN_BAR_H / 2);
}

/* A multi-choice item: tick boxes on the start edge, the cursor's marker too. */
static void item_screen(cnd_screen_t *s, int lang)
{
    base(s, CND_SCREEN_ITEM, lang);
    s->item_kind = CND_ITEM_MULTI;
    s->position = 3;
    s->total = 12;
    if (lang == EN) {
        s->title = S("Which days do you work?");
        s->options[0] = S("Monday");
        s->options[1] = S("Tuesday");
        s->options[2] = S("Prefer not to answer");
        s->options[3] = S("Next");
    } else {
        s->title = S("أيام العمل");
        s->options[0] = S("الاثنين");
        s->options[1] = S("الثلاثاء");
        s->options[2] = S("أفضل عدم الإجابة");
        s->options[3] = S("التالي");
    }
    s->n_options = 4;
    s->checked = 1u; /* the first ticked */
}

static void rtl_marks_on_the_right(void **state)
{
    static cnd_screen_draw_t d;
    cnd_screen_t s;
    long left, right;
    const int strip = CND_PSCREEN_MARGIN + CND_PSCREEN_MARKER_W;
    (void)state;
    item_screen(&s, EN);
    assert_true(draw(&s, 0, &d));
    assert_false(d.ps.rtl);
    left = ink(0, 200, strip - 2, H);
    right = ink(W - strip + 2, 200, W, H);
    assert_true(left > 30); /* four boxes' frames */
    assert_int_equal(right, 0);

    item_screen(&s, AR);
    assert_true(draw(&s, 0, &d));
    assert_true(d.ps.rtl);
    left = ink(0, 200, strip - 2, H);
    right = ink(W - strip + 2, 200, W, H);
    assert_true(right > 30);
    assert_int_equal(left, 0);
    /* the cursor on the last option: its row inverted, the marker on the right */
    s.cursor = 3;
    assert_true(draw(&s, 0, &d));
    assert_true(fb[(H - 8) * W + W / 2] == FG || ink(0, H - 40, W, H) > W * 10);
}

static void language_names_from_their_own_atlases(void **state)
{
    static cnd_screen_draw_t d;
    cnd_screen_t s;
    int k;
    (void)state;
    base(&s, CND_SCREEN_LANGUAGE, MY);
    s.src_title = S("ဘာသာစကားရွေးပါ");
    s.title = S("Choose a language / اختر اللغة / ဘာသာစကားရွေးပါ"); /* composed: no block */
    s.options[0] = S("English");
    s.options[1] = S("العربية");
    s.options[2] = S("မြန်မာဘာသာ");
    s.n_options = 3;
    assert_true(draw(&s, 0, &d));
    for (k = 0; k < 3; k++) {
        assert_non_null(d.ps.opt[k]);
        assert_ptr_equal(d.ps.opt[k]->atlas, &g_lang[k].atlas);
    }
    assert_ptr_equal(d.ps.title->atlas, &g_lang[MY].atlas);
    assert_true(ink(0, CND_PSCREEN_BAR_H + 4, W, CND_PSCREEN_BAR_H + 30) > 100);
    {
        /* Arabic's name is right-aligned in its row; English's left */
        int top_ar = H - 1 - (d.ps.opt[1]->n_lines * d.ps.opt[1]->line_h + 2) -
                     (d.ps.opt[2]->n_lines * d.ps.opt[2]->line_h + 2);
        int h_ar = d.ps.opt[1]->n_lines * d.ps.opt[1]->line_h;
        int top_en = top_ar - (d.ps.opt[0]->n_lines * d.ps.opt[0]->line_h + 2);
        int h_en = d.ps.opt[0]->n_lines * d.ps.opt[0]->line_h;
        assert_true(ink(W / 2, top_ar, W, top_ar + h_ar) > 20);
        assert_int_equal(ink(CND_PSCREEN_MARGIN + CND_PSCREEN_MARKER_W, top_ar, W / 2,
                             top_ar + h_ar),
                         0);
        assert_true(ink(0, top_en, W / 2, top_en + h_en) > 20);
        assert_int_equal(ink(W / 2, top_en, W, top_en + h_en), 0);
    }
}

static void consent_scrolls_to_its_last_line(void **state)
{
    static cnd_screen_draw_t d;
    cnd_screen_t s;
    const cnd_ptext_t *b;
    int max, lines_shown;
    (void)state;
    base(&s, CND_SCREEN_CONSENT, EN);
    s.title = S("Domestic work survey");
    s.body = S(texts[EN][21]);
    s.options[0] = S("I agree");
    s.options[1] = S("I do not agree");
    s.n_options = 2;
    assert_true(draw(&s, 0, &d));
    b = d.ps.parts[0].text;
    assert_non_null(b);
    max = d.body_max;
    lines_shown = b->n_lines - max;
    assert_true(max > 0 && max < b->n_lines);
    /* the lines shown fill the space between the title and the options */
    assert_true(lines_shown * b->line_h <= H - 100 && lines_shown >= 4);
    /* an offset beyond the end is the end; the last page has no down arrow */
    assert_true(draw(&s, 1000, &d));
    assert_int_equal(cnd_screen_draw_offset(&d), max);
    assert_true(draw(&s, -5, &d));
    assert_int_equal(cnd_screen_draw_offset(&d), 0);
    {
        /* arrows in the right column: at 0 only the down arrow (at the
         * body's foot), at max only the up arrow (at its head) */
        int ax = W - CND_PSCREEN_MARGIN - 10, top = CND_PSCREEN_BAR_H + CND_PSCREEN_MARGIN +
                                                      d.ps.title->n_lines * d.ps.title->line_h + 6;
        int foot = top + lines_shown * b->line_h;
        assert_true(draw(&s, 0, &d));
        assert_int_equal(ink(ax, top, W, top + 12), 0);
        assert_true(ink(ax, foot - 12, W, foot) > 0);
        assert_true(draw(&s, max, &d));
        assert_true(ink(ax, top, W, top + 12) > 0);
        assert_int_equal(ink(ax, foot - 12, W, foot), 0);
    }
}

static void review_rows_and_composed_answers(void **state)
{
    static cnd_screen_draw_t d;
    static uint16_t with_plus[W * H];
    cnd_screen_t s;
    cnd_review_row_t *r;
    int k;
    (void)state;
    base(&s, CND_SCREEN_REVIEW, EN);
    s.title = S("Review your answers");
    s.options[0] = S("Save");
    s.options[1] = S("Change answers");
    s.options[2] = S("Withdraw");
    s.n_options = 3;
    s.cursor = 0;
    s.n_rows = 6;
    s.n_visible = 3;
    s.row_first = 1;
    s.src_more_above = S(NUM_GAP "more");
    s.src_more_below = S(NUM_GAP "more");
    r = &s.rows[0];
    r->label = S("Do you have a written contract?");
    r->answer = S("Yes");
    r = &s.rows[1];
    r->label = S("Which days do you work?");
    strcpy(r->text, "Monday, Tuesday, Sunday");
    r->answer.ptr = r->text;
    r->answer.len = (uint16_t)strlen(r->text);
    r->first = S("Monday");
    r->others = 2;
    r = &s.rows[2];
    r->label = S("How many hours a day?");
    strcpy(r->text, "10");
    r->answer.ptr = r->text;
    r->answer.len = 2;
    assert_true(draw(&s, 0, &d));
    /* more above, 3 x (label, answer), more below */
    assert_int_equal(d.ps.n_parts, 8);
    assert_ptr_equal(d.part[4].ascii, d.plus[1]);
    assert_string_equal(d.plus[1], "+2");
    assert_null(d.part[6].text);
    assert_memory_equal(d.part[6].ascii, "10", 2);
    for (k = 2; k <= 6; k += 2)
        assert_int_equal(d.part[k].indent, 8);
    assert_true(d.body_max >= 0 && d.body_max < 10);
    memcpy(with_plus, fb, sizeof fb);
    s.rows[1].others = 3;
    assert_true(draw(&s, 0, &d));
    assert_memory_not_equal(fb, with_plus, sizeof fb);
    /* scrolling to the end shows the last part */
    assert_true(draw(&s, 1000, &d));
    assert_int_equal(cnd_screen_draw_offset(&d), d.body_max);
}

static void integer_number_in_the_font(void **state)
{
    static cnd_screen_draw_t d;
    cnd_screen_t s;
    (void)state;
    base(&s, CND_SCREEN_ITEM, EN);
    s.item_kind = CND_ITEM_INTEGER;
    s.title = S("How many hours a day?");
    s.has_number = 1;
    s.number = 10;
    s.options[0] = S("");
    s.options[1] = S("Next");
    s.options[2] = S("Prefer not to answer");
    s.n_options = 3;
    s.cursor = 1;
    assert_true(draw(&s, 0, &d));
    assert_string_equal(d.ps.num_text, "[ 10 ]");
    assert_int_equal(d.ps.num_opt, 1);
    s.editing = 1;
    assert_true(draw(&s, 0, &d));
    assert_string_equal(d.ps.num_text, "\xE2\x96\xB2 10 \xE2\x96\xBC");
}

static void a_missing_block_means_the_grid(void **state)
{
    static cnd_screen_draw_t d;
    cnd_screen_t s;
    (void)state;
    item_screen(&s, EN);
    g_missing = "Tuesday";
    assert_false(draw(&s, 0, &d));
    assert_false(d.prerendered);
    g_missing = NULL;
    assert_true(draw(&s, 0, &d));
    /* composed text the pack has no block for */
    s.options[1] = S("Tuesday, Sunday");
    assert_false(draw(&s, 0, &d));
    /* the interviewer's settings and the empty device: always the grid */
    base(&s, CND_SCREEN_ADMIN, EN);
    s.title = S("Start");
    assert_false(draw(&s, 0, &d));
    base(&s, CND_SCREEN_NO_SURVEY, EN);
    assert_false(draw(&s, 0, &d));
    /* a pack without pre-rendered text (NULL: none at all) */
    {
        cnd_pack_lookup_t pl;
        item_screen(&s, EN);
        cnd_pack_lookup_init(&pl, NULL);
        assert_false(cnd_screen_draw_prepare(&d, &s, cnd_pack_lookup, &pl, 0, FG, BG));
    }
}

/* NEUTRAL stays the grid's clock, pixel for pixel as before (the FNV-1a
 * hash of the framebuffer the grid drew for 12:34 before screen_draw). */
static void neutral_is_the_clock_as_before(void **state)
{
    static cnd_screen_draw_t d;
    static cnd_text_frame_t tf;
    cnd_screen_t s;
    cnd_band_t band = {fb, 0, H};
    uint32_t h = 2166136261u;
    size_t i;
    (void)state;
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_NEUTRAL;
    s.clock_min = 12 * 60 + 34;
    assert_false(cnd_screen_draw_prepare(&d, &s, lookup, NULL, 0, FG, BG));
    memset(fb, 0x5A, sizeof fb);
    cnd_text_render(&s, 0, &tf);
    cnd_text_frame_draw(&tf, FG, BG, &band);
    for (i = 0; i < sizeof fb; i++) {
        h ^= ((const uint8_t *)fb)[i];
        h *= 16777619u;
    }
    assert_int_equal(h, NEUTRAL_HASH);
}

/* ---- a whole interview through the engine ---- */

/* Every string the pack hands out, shaped per language as the office
 * computer does for a version 4 pack; found by the view's address, as
 * cnd_pack_ptext finds a block. A "{n}" is shaped as a gap of spaces. */
#define PK_MAX 256
typedef struct {
    const char *ptr;
    uint16_t len;
    uint8_t lang;
    cnd_shape_bytes_t blk;
    cnd_pnum_slot_t num;
} pk_text_t;

typedef struct {
    cnd_ram_flash_t rf;
    cnd_test_hal_t th;
    cnd_store_t store;
    uint8_t packbuf[CND_MAX_PACK_SIZE];
    cnd_pack_t pack;
    cnd_engine_t eng;
    pk_text_t t[PK_MAX];
    int n;
    cnd_shape_bytes_t atl[CND_MAX_LANGS];
    cnd_patlas_t atlas[CND_MAX_LANGS];
    cnd_shaper_t *sh[CND_MAX_LANGS];
} pk_t;

static void pk_add(pk_t *f, uint8_t lang, cnd_str_t s)
{
    char text[2048];
    const char *gap;
    pk_text_t *t;
    cnd_err_t err;
    int k;
    if (s.ptr == NULL || s.len == 0)
        return;
    for (k = 0; k < f->n; k++)
        if (f->t[k].ptr == s.ptr && f->t[k].len == s.len && f->t[k].lang == lang)
            return;
    assert_true(f->n < PK_MAX && s.len < sizeof text);
    t = &f->t[f->n++];
    t->ptr = s.ptr;
    t->len = s.len;
    t->lang = lang;
    memcpy(text, s.ptr, s.len);
    text[s.len] = '\0';
    gap = strstr(text, "{n}");
    if (gap != NULL) {
        cnd_shape_bytes_t pre;
        cnd_patlas_t a;
        cnd_ptext_t b;
        size_t at = (size_t)(gap - text);
        /* the prefix's width is where the gap starts (left to right) */
        t->num.w = 28;
        if (at > 0) {
            char head[2048];
            cnd_shape_bytes_t atl;
            memcpy(head, text, at);
            head[at] = '\0';
            assert_true(cnd_shape_text(f->sh[lang], head, CND_PSCREEN_TEXT_W, 64, "t", &pre, &err));
            assert_true(cnd_shape_atlas(f->sh[lang], &atl, &err));
            assert_int_equal(cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len), CND_OK);
            assert_int_equal(cnd_ptext_open(&b, pre.buf, (uint32_t)pre.len, &a), CND_OK);
            t->num.x = cnd_ptext_line(&b, 0).width;
            free(pre.buf);
            free(atl.buf);
        }
        memmove(text + at + 4, text + at + 3, strlen(text + at + 3) + 1);
        memcpy(text + at, "    ", 4);
    }
    assert_true(cnd_shape_text(f->sh[lang], text, CND_PSCREEN_TEXT_W, 64, "t", &t->blk, &err));
    if (gap != NULL && (t->blk.buf[2] & CND_PTEXT_F_RTL) != 0) {
        /* right to left: the prefix runs leftwards from the line's right end */
        int width = t->blk.buf[CND_PTEXT_HDR], x = width - t->num.x - t->num.w;
        t->num.x = (uint8_t)(x < 0 ? 0 : x);
    }
}

static pk_t *pk_new(void)
{
    static const char *const lang_codes[] = {"en", "ar", "my"};
    pk_t *f = calloc(1, sizeof *f);
    cnd_err_t err;
    size_t plen = 0;
    uint8_t l, c, ui;
    uint16_t i;
    assert_non_null(f);
    assert_int_equal(cnd_ram_flash_init(&f->rf, 4096, 48, 16), CND_OK);
    cnd_test_hal_init(&f->th, &f->rf.flash, 7, 1234);
    assert_int_equal(cnd_store_mount(&f->store, &f->th.hal), CND_OK);
    memset(&err, 0, sizeof err);
    if (cnd_compile_file(CND_SOURCE_DIR "/tests/script/screens.json", cnd_test_office_key(),
                         f->packbuf, sizeof f->packbuf, &plen, &err) != CND_OK)
        fail_msg("compile: %s", err.msg);
    assert_int_equal(cnd_store_pack_begin(&f->store, (uint32_t)plen), CND_OK);
    assert_int_equal(cnd_store_pack_write(&f->store, 0, f->packbuf, (uint32_t)plen), CND_OK);
    assert_int_equal(cnd_store_pack_commit(&f->store), CND_OK);
    assert_int_equal(cnd_pack_open(&f->pack, f->packbuf, (uint32_t)plen), CND_OK);
    assert_int_equal(cnd_pack_lang_count(&f->pack), 3);
    for (l = 0; l < 3; l++) {
        f->sh[l] = cnd_shaper_new(lang_codes[l], NULL, "t", &err);
        assert_non_null(f->sh[l]);
        pk_add(f, l, cnd_pack_title(&f->pack, l));
        pk_add(f, l, cnd_pack_consent(&f->pack, l));
        pk_add(f, l, cnd_pack_referral(&f->pack, l));
        pk_add(f, l, cnd_pack_lang_name(&f->pack, l));
        for (ui = 0; ui < CND_UI_COUNT; ui++)
            pk_add(f, l, cnd_pack_ui(&f->pack, l, (cnd_ui_string_t)ui));
        for (i = 0; i < cnd_pack_item_count(&f->pack); i++) {
            cnd_item_t it;
            assert_int_equal(cnd_pack_item(&f->pack, i, &it), CND_OK);
            pk_add(f, l, cnd_pack_item_label(&f->pack, i, l));
            pk_add(f, l, cnd_pack_item_hint(&f->pack, i, l));
            for (c = 0; c < it.n_choices; c++)
                pk_add(f, l, cnd_pack_choice_label(&f->pack, i, c, l));
        }
        assert_true(cnd_shape_atlas(f->sh[l], &f->atl[l], &err));
        assert_int_equal(cnd_patlas_open(&f->atlas[l], f->atl[l].buf, (uint32_t)f->atl[l].len),
                         CND_OK);
    }
    cnd_engine_init(&f->eng, &f->store, &f->th.hal, &f->pack);
    return f;
}

static void pk_free(pk_t *f)
{
    int k;
    for (k = 0; k < f->n; k++)
        free(f->t[k].blk.buf);
    for (k = 0; k < 3; k++) {
        free(f->atl[k].buf);
        cnd_shaper_free(f->sh[k]);
    }
    cnd_ram_flash_free(&f->rf);
    free(f);
}

static int pk_lookup(void *ctx, uint8_t lang, cnd_str_t s, cnd_ptext_t *out, cnd_pnum_slot_t *num)
{
    pk_t *f = ctx;
    int k;
    for (k = 0; k < f->n; k++) {
        if (f->t[k].ptr != s.ptr || f->t[k].len != s.len || f->t[k].lang != lang)
            continue;
        assert_int_equal(cnd_ptext_open(out, f->t[k].blk.buf, (uint32_t)f->t[k].blk.len,
                                        &f->atlas[lang]),
                         CND_OK);
        *num = f->t[k].num;
        return 1;
    }
    return 0;
}

/* The port's part: draw the engine's screen, scroll it, tell the engine
 * when the consent's last line has been shown (as the ports do). */
static int pk_show(pk_t *f, cnd_screen_draw_t *d, int *offset)
{
    const cnd_screen_t *s = cnd_engine_screen(&f->eng);
    cnd_band_t band = {fb, 0, H};
    int pre = cnd_screen_draw_prepare(d, s, pk_lookup, f, *offset, FG, BG);
    if (!pre)
        return 0;
    *offset = cnd_screen_draw_offset(d);
    if (s->kind == CND_SCREEN_CONSENT && *offset >= d->body_max && !f->eng.consent_seen) {
        cnd_engine_consent_seen(&f->eng);
        pre = cnd_screen_draw_prepare(d, cnd_engine_screen(&f->eng), pk_lookup, f, *offset, FG, BG);
    }
    cnd_screen_draw_band(d, &band);
    dump(s->kind);
    assert_true(ink(0, CND_PSCREEN_BAR_H, W, H) > 50); /* never blank */
    return pre;
}

static void key(pk_t *f, cnd_key_t k, cnd_screen_draw_t *d, int *offset)
{
    cnd_engine_key(&f->eng, k);
    *offset = 0;
    (void)d;
}

static void an_interview_is_drawn_pre_rendered(void **state)
{
    static cnd_screen_draw_t d;
    pk_t *f = pk_new();
    const cnd_screen_t *s;
    int off = 0, presses = 0, items = 0, saw_integer = 0, saw_multi = 0, saw_hand = 0;
    (void)state;
    s = cnd_engine_screen(&f->eng);
    assert_int_equal(s->kind, CND_SCREEN_HOME);
    assert_true(pk_show(f, &d, &off));
    assert_true(d.ps.n_parts >= 1); /* the pending words, "0" in their slot */
    key(f, CND_KEY_OK, &d, &off);
    assert_int_equal(s->kind, CND_SCREEN_LANGUAGE);
    assert_true(pk_show(f, &d, &off));
    assert_ptr_equal(d.ps.opt[1]->atlas, &f->atlas[1]);
    assert_true(d.ps.opt[1]->flags & CND_PTEXT_F_RTL);
    /* Arabic, then the consent: right to left, scrolled by pixel lines */
    key(f, CND_KEY_DOWN, &d, &off);
    key(f, CND_KEY_DOWN, &d, &off);
    key(f, CND_KEY_OK, &d, &off);
    assert_int_equal(s->kind, CND_SCREEN_CONSENT);
    assert_int_equal(s->lang, 1);
    assert_true(pk_show(f, &d, &off));
    assert_true(d.ps.rtl);
    assert_true(d.body_max > 0);
    assert_int_equal(s->n_options, 1); /* Decline only until the end was shown */
    while (!f->eng.consent_seen) {
        assert_true(presses++ < 64);
        off++; /* DOWN that the engine does not use scrolls the body */
        assert_true(pk_show(f, &d, &off));
    }
    /* seen at the last offset of the layout without Agree; with it the
     * options take more room, so the layout may now scroll one more line */
    assert_true(off > 0 && off <= d.body_max);
    assert_int_equal(s->n_options, 2);
    key(f, CND_KEY_DOWN, &d, &off);
    key(f, CND_KEY_OK, &d, &off);
    /* every item: pre-rendered; answer the first option (multi: tick, Next) */
    while (s->kind == CND_SCREEN_ITEM || s->kind == CND_SCREEN_HANDOVER ||
           s->kind == CND_SCREEN_HANDBACK) {
        assert_true(items++ < 16);
        assert_true(pk_show(f, &d, &off));
        if (s->kind != CND_SCREEN_ITEM) {
            saw_hand = 1;
            key(f, CND_KEY_OK, &d, &off);
        } else if (s->item_kind == CND_ITEM_INTEGER) {
            saw_integer = 1;
            key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off); /* edit */
            key(f, CND_KEY_UP, &d, &off);
            key(f, CND_KEY_UP, &d, &off);
            assert_true(pk_show(f, &d, &off));
            assert_int_equal(d.ps.num_opt, 1);
            key(f, CND_KEY_OK, &d, &off); /* leave editing */
            key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off); /* Next */
        } else if (s->item_kind == CND_ITEM_MULTI) {
            saw_multi = 1;
            key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off);
            key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off);
            assert_true(pk_show(f, &d, &off));
            assert_true(d.ps.checked_box);
            while (s->cursor + 1 < s->n_options)
                key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off);
        } else {
            key(f, CND_KEY_DOWN, &d, &off);
            key(f, CND_KEY_OK, &d, &off);
        }
    }
    if (!(saw_integer && saw_multi && saw_hand))
        fail_msg("left the items at screen %d after %d items", s->kind, items);
    assert_int_equal(s->kind, CND_SCREEN_REVIEW);
    assert_true(pk_show(f, &d, &off));
    {
        /* the multi answer is composed: its first label's block and "+1" */
        int k, plus = 0, number = 0;
        for (k = 0; k < d.ps.n_parts; k++) {
            plus += d.part[k].ascii != NULL && d.part[k].ascii[0] == '+';
            number += d.part[k].text == NULL && d.part[k].ascii_len > 0;
        }
        for (k = 0; k < s->n_visible; k++)
            if (s->rows[k].first.len > 0)
                assert_int_equal(s->rows[k].others, 1);
        assert_true(plus + number >= 1 || s->n_rows > s->n_visible);
    }
    key(f, CND_KEY_OK, &d, &off); /* Save */
    assert_int_equal(s->kind, CND_SCREEN_SAVED);
    assert_true(pk_show(f, &d, &off));
    key(f, CND_KEY_OK, &d, &off);
    assert_int_equal(s->kind, CND_SCREEN_REFERRAL);
    assert_true(pk_show(f, &d, &off));
    key(f, CND_KEY_OK, &d, &off);
    assert_int_equal(s->kind, CND_SCREEN_HOME);
    assert_true(pk_show(f, &d, &off));
    assert_int_equal(s->pending, 1);
    /* quick exit: the clock, drawn by the grid */
    key(f, CND_KEY_EXIT, &d, &off);
    assert_int_equal(s->kind, CND_SCREEN_NEUTRAL);
    assert_false(pk_show(f, &d, &off));
    pk_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(home_numbers_in_their_slots),
        cmocka_unit_test(rtl_marks_on_the_right),
        cmocka_unit_test(language_names_from_their_own_atlases),
        cmocka_unit_test(consent_scrolls_to_its_last_line),
        cmocka_unit_test(review_rows_and_composed_answers),
        cmocka_unit_test(integer_number_in_the_font),
        cmocka_unit_test(a_missing_block_means_the_grid),
        cmocka_unit_test(neutral_is_the_clock_as_before),
        cmocka_unit_test(an_interview_is_drawn_pre_rendered),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
