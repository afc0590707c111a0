/* suppress.c: see suppress.h. */
#include "suppress.h"

#include <stdlib.h>
#include <string.h>

int cnd_table_init(cnd_table_t *t, size_t rows, size_t cols, int row_totals, int col_totals,
                   unsigned threshold)
{
    size_t n = rows * cols + rows + cols + 1;
    t->rows = rows;
    t->cols = cols;
    t->row_totals = row_totals;
    t->col_totals = col_totals;
    t->threshold = threshold;
    t->v = calloc(n, sizeof *t->v);
    t->hidden = calloc(n, 1);
    return t->v && t->hidden ? 0 : -1;
}

void cnd_table_free(cnd_table_t *t)
{
    free(t->v);
    free(t->hidden);
    t->v = NULL;
    t->hidden = NULL;
}

long *cnd_table_cell(cnd_table_t *t, size_t r, size_t c)
{
    return &t->v[r * t->cols + c];
}

size_t cnd_table_row_total(const cnd_table_t *t, size_t r)
{
    return t->rows * t->cols + r;
}

size_t cnd_table_col_total(const cnd_table_t *t, size_t c)
{
    return t->rows * t->cols + t->rows + c;
}

size_t cnd_table_grand(const cnd_table_t *t)
{
    return t->rows * t->cols + t->rows + t->cols;
}

/* Hides one more member of a line that has exactly one hidden: the
 * smallest visible inner cell with a count, else the smallest visible one
 * at all (a total included). */
static void hide_another(cnd_table_t *t, const size_t *line, size_t n, size_t n_inner)
{
    size_t best = (size_t)-1;
    for (int pass = 0; pass < 3 && best == (size_t)-1; pass++)
        for (size_t i = 0; i < n; i++) {
            size_t m = line[i];
            int inner = i < n_inner;
            if (t->hidden[m] || (pass == 0 && !(inner && t->v[m] > 0)) || (pass == 1 && !inner))
                continue;
            if (best == (size_t)-1 || t->v[m] < t->v[best])
                best = m;
        }
    if (best != (size_t)-1)
        t->hidden[best] = 1;
}

int cnd_table_suppress(cnd_table_t *t)
{
    size_t R = t->rows, C = t->cols;
    size_t cap = (R > C ? R : C) + 1;
    size_t *line = malloc(cap * sizeof *line);
    if (line == NULL)
        return -1;
    long grand = 0;
    for (size_t r = 0; r < R; r++) {
        long s = 0;
        for (size_t c = 0; c < C; c++)
            s += t->v[r * C + c];
        t->v[cnd_table_row_total(t, r)] = s;
        grand += s;
    }
    for (size_t c = 0; c < C; c++) {
        long s = 0;
        for (size_t r = 0; r < R; r++)
            s += t->v[r * C + c];
        t->v[cnd_table_col_total(t, c)] = s;
    }
    t->v[cnd_table_grand(t)] = grand;
    /* A one-row table's total is its row total; a one-column table's, its
     * column total: the grand total is the same member shown once. */
    size_t n_all = cnd_table_grand(t) + 1;
    for (size_t m = 0; m < n_all; m++)
        t->hidden[m] = t->v[m] > 0 && t->v[m] < (long)t->threshold;
    for (int changed = 1; changed;) {
        changed = 0;
        /* rows with their totals */
        for (size_t r = 0; t->row_totals && r < R; r++) {
            size_t n = 0, h = 0;
            for (size_t c = 0; c < C; c++)
                line[n++] = r * C + c;
            line[n++] = cnd_table_row_total(t, r);
            for (size_t i = 0; i < n; i++)
                h += t->hidden[line[i]];
            if (h == 1) {
                hide_another(t, line, n, C);
                changed = 1;
            }
        }
        for (size_t c = 0; t->col_totals && c < C; c++) {
            size_t n = 0, h = 0;
            for (size_t r = 0; r < R; r++)
                line[n++] = r * C + c;
            line[n++] = cnd_table_col_total(t, c);
            for (size_t i = 0; i < n; i++)
                h += t->hidden[line[i]];
            if (h == 1) {
                hide_another(t, line, n, R);
                changed = 1;
            }
        }
        if (t->row_totals && t->col_totals) {
            /* the row totals with the grand total, and the column totals */
            for (int side = 0; side < 2; side++) {
                size_t n = 0, h = 0, k = side ? C : R;
                for (size_t i = 0; i < k; i++)
                    line[n++] = side ? cnd_table_col_total(t, i) : cnd_table_row_total(t, i);
                line[n++] = cnd_table_grand(t);
                for (size_t i = 0; i < n; i++)
                    h += t->hidden[line[i]];
                if (h == 1) {
                    hide_another(t, line, n, k);
                    changed = 1;
                }
            }
        }
    }
    free(line);
    return 0;
}
