/*
 * test_linebreak: lines fall only where ICU allows (issue 14): never inside
 * a grapheme cluster, between words in Thai (dictionary breaks), at spaces
 * elsewhere, and every line fits the width it was wrapped to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

#include "ptext.h"
#include "shape.h"

#define MAXL 64

/* Is UTF-8 byte offset off a boundary of kind k for text? */
static int is_boundary(UBreakIteratorType k, const char *lang, const char *text, size_t off)
{
    UChar u[2048];
    int32_t ulen = 0, u_off = 0;
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *bi;
    int r;
    u_strFromUTF8(u, 2048, &ulen, text, -1, &e);
    e = U_ZERO_ERROR;
    u_strFromUTF8(NULL, 0, &u_off, text, (int32_t)off, &e);
    e = U_ZERO_ERROR;
    bi = ubrk_open(k, lang, u, ulen, &e);
    assert_true(U_SUCCESS(e));
    r = ubrk_isBoundary(bi, u_off);
    ubrk_close(bi);
    return r;
}

/* Wraps text at width; checks every line fits; returns the line count. */
static int wrap(const char *lang, const char *text, int width, size_t *starts)
{
    cnd_err_t err;
    cnd_shaper_t *sh = cnd_shaper_new(lang, NULL, "t", &err);
    cnd_shape_bytes_t blk, atl;
    cnd_patlas_t a;
    cnd_ptext_t t;
    int i, n;
    assert_non_null(sh);
    assert_true(cnd_shape_text_lines(sh, text, width, MAXL, "t", &blk, starts, MAXL, &err));
    assert_true(cnd_shape_atlas(sh, &atl, &err));
    assert_int_equal(cnd_patlas_open(&a, atl.buf, (uint32_t)atl.len), CND_OK);
    assert_int_equal(cnd_ptext_open(&t, blk.buf, (uint32_t)blk.len, &a), CND_OK);
    for (i = 0; i < t.n_lines; i++)
        assert_true(cnd_ptext_line(&t, i).width <= width);
    n = t.n_lines;
    free(blk.buf);
    free(atl.buf);
    cnd_shaper_free(sh);
    return n;
}

static void thai_breaks_between_words(void **state)
{
    /* no spaces: only the dictionary knows where words end */
    const char *text = "ภาษาไทยเป็นภาษาที่มีระบบการเขียนของตัวเองผู้หญิงทำงานบ้าน";
    size_t starts[MAXL];
    int n = wrap("th", text, 80, starts), i;
    (void)state;
    assert_true(n >= 3);
    for (i = 1; i < n; i++) {
        assert_true(is_boundary(UBRK_LINE, "th", text, starts[i]));
        assert_true(is_boundary(UBRK_WORD, "th", text, starts[i]));
        assert_true(is_boundary(UBRK_CHARACTER, "th", text, starts[i]));
    }
}

static void long_word_breaks_between_clusters(void **state)
{
    /* one Devanagari and one Khmer "word" far wider than the line: forced
     * breaks, each between grapheme clusters */
    const char *texts[][2] = {
        {"hi", "क्षत्रियक्षत्रियक्षत्रियक्षत्रियक्षत्रियक्षत्रियक्षत्रियक्षत्रिय"},
        {"km", "ខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរខ្មែរ"},
        {"si", "ශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රීශ්‍රී"}};
    size_t k;
    (void)state;
    for (k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        size_t starts[MAXL];
        int n = wrap(texts[k][0], texts[k][1], 60, starts), i;
        assert_true(n >= 2);
        for (i = 1; i < n; i++)
            assert_true(is_boundary(UBRK_CHARACTER, texts[k][0], texts[k][1], starts[i]));
    }
}

static void spaces_and_newlines(void **state)
{
    const char *text = "Do you keep your own passport?\nYes or no.";
    size_t starts[MAXL];
    int n = wrap("en", text, 120, starts), i;
    (void)state;
    assert_true(n >= 3);
    for (i = 1; i < n; i++)
        assert_true(starts[i] > 0 && (text[starts[i] - 1] == ' ' || text[starts[i] - 1] == '\n'));
    /* the hard break starts a line of its own */
    for (i = 1; i < n && strncmp(text + starts[i], "Yes", 3) != 0; i++)
        ;
    assert_true(i < n);
}

static void arabic_wraps_right_to_left(void **state)
{
    const char *text = "هل تحتفظ بجواز سفرك الخاص؟ نعم أو لا";
    cnd_err_t err;
    cnd_shaper_t *sh = cnd_shaper_new("ar", NULL, "t", &err);
    cnd_shape_bytes_t blk;
    size_t starts[MAXL];
    (void)state;
    assert_non_null(sh);
    assert_true(cnd_shaper_rtl(sh));
    assert_true(cnd_shape_text_lines(sh, text, 100, MAXL, "t", &blk, starts, MAXL, &err));
    assert_true(blk.buf[0] >= 2);
    assert_int_equal(blk.buf[2] & CND_PTEXT_F_RTL, CND_PTEXT_F_RTL);
    /* the first line holds the first words (logical order), not the last */
    assert_int_equal(starts[0], 0);
    free(blk.buf);
    cnd_shaper_free(sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thai_breaks_between_words),
        cmocka_unit_test(long_word_breaks_between_clusters),
        cmocka_unit_test(spaces_and_newlines),
        cmocka_unit_test(arabic_wraps_right_to_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
