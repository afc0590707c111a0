/*
 * flat.h: the flat exports, one row per response (issue 15; formats/SPEC.md
 * 9.5): CSV written here, SPSS .sav and Stata .dta written by ReadStat
 * (libreadstat), never by hand.
 *
 * Owns: the column layout (id, optional device, language, period, then one
 * numeric column per single/yes-no/integer item and one 0/1 column per
 * choice of a multiple item), the numeric codes, and how each missing
 * reason is told apart: CSV empty cells with a `<var>_missing` column
 * (1 not asked, 2 prefer not to answer, 3 suppressed), SPSS user-missing
 * values, Stata extended missing .a/.b/.c.
 * Never: writes a device id, a response id (unless the plan says stable
 * ids), a day or the stored order; decides what to suppress (export.c).
 * RAM: host only; one row of values.
 */
#ifndef CND_FLAT_H
#define CND_FLAT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "hosterr.h"

/* What `candor export` decided: which records in which order, what is
 * suppressed, which ids. Shared by the JSON and the flat writers. */
#define CND_EXPORT_META_LANG 1u
#define CND_EXPORT_META_PERIOD 2u
typedef struct {
    const cnd_dataset_t *ds;
    size_t n;
    const size_t *sel;          /* output row -> dataset index */
    const uint64_t *supp;       /* per output row: bit i = item i suppressed */
    const uint8_t *supp_meta;   /* per output row: CND_EXPORT_META_* */
    const uint8_t (*oid)[8];    /* per output row: the id written */
    int stable_ids;
    const char (*dev)[16];      /* per output row: pseudonym, or NULL */
    cnd_period_t period;
    const cnd_pack_t *pk;       /* flat formats: the one survey */
    uint8_t label_lang;         /* --labels */
} cnd_export_plan_t;

typedef enum { CND_FLAT_CSV = 0, CND_FLAT_SAV, CND_FLAT_DTA } cnd_flat_format_t;

/* Missing codes of a numeric column whose values are >= lo: SPSS user-
 * missing (and the codebook's), below every real value. */
int32_t cnd_flat_missing_code(int32_t lo, int reason); /* reason 1..3 */

/* Writes the rows to f; a JSON description of the columns into *columns
 * (for the codebook). -1 with err set on failure. */
int cnd_flat_write(FILE *f, cnd_flat_format_t fmt, const cnd_export_plan_t *p, cJSON **columns,
                   cnd_err_t *err);

#endif
