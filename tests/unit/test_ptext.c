/*
 * test_ptext: pre-rendered text (formats/ptext.h) as the handheld meets it:
 * what the shaper writes opens and draws; every truncation and every
 * flipped bit of an atlas or a block is either refused by the open or, when
 * it still describes a valid block (a moved glyph, another glyph index in
 * range), drawn without a byte read or written outside the buffers (ASan
 * and valgrind watch); a right-to-left block is drawn right-aligned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pscreen.h"
#include "ptext.h"
#include "ptext_draw.h"
#include "shape.h"

static uint16_t fb[CND_PTEXT_SCREEN_W * 40];

static void shape(const char *lang, const char *text, cnd_shape_bytes_t *blk,
                  cnd_shape_bytes_t *atl)
{
    cnd_err_t err;
    cnd_shaper_t *sh = cnd_shaper_new(lang, NULL, "t", &err);
    assert_non_null(sh);
    assert_true(cnd_shape_text(sh, text, 200, 8, "t", blk, &err));
    assert_true(cnd_shape_atlas(sh, atl, &err));
    cnd_shaper_free(sh);
}

static long ink(void)
{
    long n = 0;
    size_t i;
    for (i = 0; i < sizeof fb / sizeof fb[0]; i++)
        n += fb[i] != 0xFFFF;
    return n;
}

/* Opens and, when it opens, draws (the draw must stay in bounds). */
static void try_draw(const uint8_t *a_buf, uint32_t a_len, const uint8_t *t_buf, uint32_t t_len)
{
    cnd_patlas_t a;
    cnd_ptext_t t;
    cnd_band_t band = {fb, 0, 40};
    if (cnd_patlas_open(&a, a_buf, a_len) != CND_OK)
        return;
    if (cnd_ptext_open(&t, t_buf, t_len, &a) != CND_OK)
        return;
    cnd_ptext_draw(&a, &t, 0, t.n_lines, 0, CND_PTEXT_SCREEN_W, 0, 0, 0xFFFF, &band);
}

static void every_truncation_and_bit_flip(void **state)
{
    cnd_shape_bytes_t blk, atl;
    uint8_t *a, *t;
    size_t i, b;
    (void)state;
    shape("hi", "क्षत्रिय हिन्दी", &blk, &atl);
    for (i = 0; i < atl.len; i++) {
        a = malloc(i ? i : 1); /* exact size: ASan sees one byte too far */
        memcpy(a, atl.buf, i);
        /* the bitmaps are packed to the atlas's end: any cut is noticed */
        assert_int_not_equal(cnd_patlas_open(&(cnd_patlas_t){0}, a, (uint32_t)i), CND_OK);
        try_draw(a, (uint32_t)i, blk.buf, (uint32_t)blk.len);
        free(a);
    }
    for (i = 0; i < blk.len; i++) {
        cnd_patlas_t pa;
        t = malloc(i ? i : 1);
        memcpy(t, blk.buf, i);
        assert_int_equal(cnd_patlas_open(&pa, atl.buf, (uint32_t)atl.len), CND_OK);
        assert_int_not_equal(cnd_ptext_open(&(cnd_ptext_t){0}, t, (uint32_t)i, &pa), CND_OK);
        free(t);
    }
    for (i = 0; i < blk.len; i++)
        for (b = 0; b < 8; b++) {
            t = malloc(blk.len);
            memcpy(t, blk.buf, blk.len);
            t[i] ^= (uint8_t)(1u << b);
            try_draw(atl.buf, (uint32_t)atl.len, t, (uint32_t)blk.len);
            free(t);
        }
    for (i = 0; i < atl.len && i < 2 + 4 * 64; i++)
        for (b = 0; b < 8; b++) {
            a = malloc(atl.len);
            memcpy(a, atl.buf, atl.len);
            a[i] ^= (uint8_t)(1u << b);
            try_draw(a, (uint32_t)atl.len, blk.buf, (uint32_t)blk.len);
            free(a);
        }
    free(blk.buf);
    free(atl.buf);
}

static void right_to_left_is_right_aligned(void **state)
{
    cnd_shape_bytes_t blk, atl;
    cnd_patlas_t a;
    cnd_ptext_t t;
    cnd_band_t band = {fb, 0, 40};
    int x, y, min_x = CND_PTEXT_SCREEN_W, max_x = -1;
    (void)state;
    shape("ar", "نعم", &blk, &atl);
    assert_int_equal(cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len), CND_OK);
    assert_int_equal(cnd_ptext_open(&t, blk.buf, (uint32_t)blk.len, &a), CND_OK);
    assert_int_equal(t.flags & CND_PTEXT_F_RTL, CND_PTEXT_F_RTL);
    for (x = 0; x < (int)(sizeof fb / sizeof fb[0]); x++)
        fb[x] = 0xFFFF;
    cnd_ptext_draw(&a, &t, 0, t.n_lines, 0, CND_PTEXT_SCREEN_W, 0, 0, 0xFFFF, &band);
    assert_true(ink() > 20);
    for (y = 0; y < 40; y++)
        for (x = 0; x < CND_PTEXT_SCREEN_W; x++)
            if (fb[y * CND_PTEXT_SCREEN_W + x] != 0xFFFF) {
                min_x = x < min_x ? x : min_x;
                max_x = x > max_x ? x : max_x;
            }
    assert_true(max_x >= CND_PTEXT_SCREEN_W - 4); /* ends at the right edge */
    assert_true(min_x > CND_PTEXT_SCREEN_W / 2);
    free(blk.buf);
    free(atl.buf);
}

static void reserved_bits_and_bad_indices_are_refused(void **state)
{
    static const uint8_t atlas[] = {1, 0, 2, 2, 0, 0, 0xFF};
    cnd_patlas_t a;
    cnd_ptext_t t;
    uint8_t ok[] = {1, 10, 0, 0, 2, 1, 0, 0, 0, 0};
    uint8_t bad_idx[] = {1, 10, 0, 0, 2, 1, 1, 0, 0, 0};
    uint8_t bad_flag[] = {1, 10, 2, 0, 2, 1, 0, 0, 0, 0};
    uint8_t wide[] = {1, 10, 0, 0, 241, 1, 0, 0, 0, 0};
    uint8_t extra[] = {1, 10, 0, 0, 2, 1, 0, 0, 0, 0, 0};
    (void)state;
    assert_int_equal(cnd_patlas_open(&a, atlas, sizeof atlas), CND_OK);
    assert_int_equal(cnd_patlas_open(&(cnd_patlas_t){0}, atlas, 6), CND_E_RANGE);
    assert_int_equal(cnd_ptext_open(&t, ok, sizeof ok, &a), CND_OK);
    assert_int_equal(cnd_ptext_open(&t, bad_idx, sizeof bad_idx, &a), CND_E_RANGE);
    assert_int_equal(cnd_ptext_open(&t, bad_flag, sizeof bad_flag, &a), CND_E_INVALID);
    assert_int_equal(cnd_ptext_open(&t, wide, sizeof wide, &a), CND_E_RANGE);
    assert_int_equal(cnd_ptext_open(&t, extra, sizeof extra, &a), CND_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_truncation_and_bit_flip),
        cmocka_unit_test(right_to_left_is_right_aligned),
        cmocka_unit_test(reserved_bits_and_bad_indices_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
