/*
 * test_disclose.c: k-anonymity by local suppression (host/store/disclose.c)
 * and cell suppression (host/store/suppress.c) on many random tables: the
 * promises hold for the class of input, not one example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "disclose.h"
#include "suppress.h"

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void every_group_reaches_k_and_only_values_become_suppressed(void **state)
{
    (void)state;
    for (int round = 0; round < 60; round++) {
        size_t n = 5 + next() % 400, m = 1 + next() % 5;
        unsigned k = 2 + next() % 6;
        uint32_t *v = malloc(n * m * sizeof *v), *orig = malloc(n * m * sizeof *v);
        assert_non_null(v);
        assert_non_null(orig);
        for (size_t i = 0; i < n * m; i++)
            v[i] = next() % (2 + (uint32_t)(i % m) * 3); /* columns of 2, 5, 8, ... values */
        memcpy(orig, v, n * m * sizeof *v);
        int oom = 0;
        long s = cnd_disclose_suppress(v, n, m, k, &oom);
        assert_false(oom);
        long changed = 0;
        for (size_t i = 0; i < n * m; i++) {
            if (v[i] != orig[i]) {
                assert_int_equal(v[i], CND_QI_SUPPRESSED);
                changed++;
            }
        }
        assert_int_equal(changed, s);
        size_t smallest = cnd_disclose_smallest_group(v, n, m, &oom);
        if (n >= k)
            assert_true(smallest >= k);
        else
            assert_int_equal(changed, (long)(n * m));
        free(v);
        free(orig);
    }
}

static void already_anonymous_data_is_left_alone(void **state)
{
    (void)state;
    uint32_t v[20];
    for (int i = 0; i < 20; i++)
        v[i] = (uint32_t)(i % 2); /* two groups of 10, one column */
    int oom = 0;
    assert_int_equal(cnd_disclose_suppress(v, 20, 1, 5, &oom), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(v[i], (uint32_t)(i % 2));
}

/* Every line (row + total, column + total, totals + grand) has zero or at
 * least two hidden members, and no count from 1 to threshold - 1 shows. */
static void no_line_gives_back_a_hidden_cell(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        cnd_table_t t;
        size_t R = 1 + next() % 6, C = 1 + next() % 6;
        int rt = 1, ct = R > 1 ? (int)(next() % 2) : 0;
        unsigned thr = next() % 2 ? 5 : 10;
        assert_int_equal(cnd_table_init(&t, R, C, rt, ct, thr), 0);
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++)
                *cnd_table_cell(&t, r, c) = next() % 4 == 0 ? (long)(next() % 5) : (long)(next() % 40);
        assert_int_equal(cnd_table_suppress(&t), 0);
        size_t all = cnd_table_grand(&t) + (rt && ct ? 1 : 0);
        for (size_t i = 0; i < all; i++)
            if (t.v[i] > 0 && t.v[i] < (long)thr)
                assert_true(t.hidden[i]);
        for (size_t r = 0; r < R; r++) {
            int h = t.hidden[cnd_table_row_total(&t, r)];
            for (size_t c = 0; c < C; c++)
                h += t.hidden[r * C + c];
            assert_int_not_equal(h, 1);
        }
        for (size_t c = 0; ct && c < C; c++) {
            int h = t.hidden[cnd_table_col_total(&t, c)];
            for (size_t r = 0; r < R; r++)
                h += t.hidden[r * C + c];
            assert_int_not_equal(h, 1);
        }
        if (rt && ct) {
            int h = t.hidden[cnd_table_grand(&t)], g = h;
            for (size_t r = 0; r < R; r++)
                h += t.hidden[cnd_table_row_total(&t, r)];
            for (size_t c = 0; c < C; c++)
                g += t.hidden[cnd_table_col_total(&t, c)];
            assert_int_not_equal(h, 1);
            assert_int_not_equal(g, 1);
        }
        cnd_table_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_group_reaches_k_and_only_values_become_suppressed),
        cmocka_unit_test(already_anonymous_data_is_left_alone),
        cmocka_unit_test(no_line_gives_back_a_hidden_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
