/*
 * suppress.h: primary and secondary cell suppression of one table with its
 * margins (issue 15; docs/REPORT.md "Cell suppression").
 *
 * Owns: which cells and totals of a table are hidden. Primary: every count
 * from 1 to threshold - 1 (zeros are shown: they are structural, and
 * hiding them would not hide a respondent). Secondary: no line (a row with
 * its total, a column with its total, the totals with the grand total) may
 * have exactly one hidden member, or subtraction gives it back; the
 * smallest visible member of such a line, preferring an inner cell with a
 * count, is hidden too, until no line has exactly one.
 * Never: shows a hidden value; changes a count.
 * RAM: host only; a few bytes per cell.
 */
#ifndef CND_SUPPRESS_H
#define CND_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t rows, cols;
    int row_totals, col_totals; /* which margins the table shows */
    unsigned threshold;
    /* members: rows*cols cells (row-major), then rows row totals, then cols
     * column totals, then the grand total */
    long *v;
    uint8_t *hidden;
} cnd_table_t;

/* Allocates v and hidden for the shape; -1 when out of memory. */
int cnd_table_init(cnd_table_t *t, size_t rows, size_t cols, int row_totals, int col_totals,
                   unsigned threshold);
void cnd_table_free(cnd_table_t *t);
long *cnd_table_cell(cnd_table_t *t, size_t r, size_t c);
size_t cnd_table_row_total(const cnd_table_t *t, size_t r); /* member index */
size_t cnd_table_col_total(const cnd_table_t *t, size_t c);
size_t cnd_table_grand(const cnd_table_t *t);
/* Fills the margins from the cells, then hides. -1 when out of memory. */
int cnd_table_suppress(cnd_table_t *t);

#endif
