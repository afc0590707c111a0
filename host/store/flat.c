/* flat.c: see flat.h. */
#include "flat.h"

#include <stdlib.h>
#include <string.h>

#include "export.h"

enum { COL_ID, COL_DEV, COL_LANG, COL_PERIOD, COL_ITEM, COL_CHOICE };

typedef struct {
    char name[64];
    char label[256];
    int kind;
    uint16_t item;
    uint8_t item_kind, choice;
    int32_t lo; /* smallest real value: missing codes go below it */
    int has_reason; /* CSV: a reason column follows */
    char reason[64];  /* its name: <item>_missing */
    char item_name[CND_MAX_NAME_LEN + 1];
} col_t;

/* Reason 0 = a value in *v, 1 not asked, 2 prefer not to answer, 3
 * suppressed. */
#define R_VALUE 0
#define R_NOT_ASKED 1
#define R_PNA 2
#define R_SUPPRESSED 3

static const char *const reason_names[] = {"", "not_asked", "prefer_not_to_answer", "suppressed"};

int32_t cnd_flat_missing_code(int32_t lo, int reason)
{
    int32_t base = lo < 0 ? lo : 0;
    return base - reason;
}

static void copy_str(char *out, size_t cap, cnd_str_t s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    /* never cut a UTF-8 sequence in two */
    while (n > 0 && n < s.len && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s.ptr, n);
    out[n] = '\0';
}

typedef struct {
    col_t *c;
    size_t n;
    int32_t *periods; /* distinct period codes */
    size_t n_periods;
    size_t *dev_no;   /* per row: device number (1..), by first appearance */
} layout_t;

static int add_col(layout_t *L, const col_t *c)
{
    col_t *t = realloc(L->c, (L->n + 1) * sizeof *t);
    if (t == NULL)
        return -1;
    L->c = t;
    L->c[L->n++] = *c;
    return 0;
}

static int layout(const cnd_export_plan_t *p, layout_t *L)
{
    const cnd_pack_t *pk = p->pk;
    uint8_t ll = p->label_lang;
    col_t c;
    memset(L, 0, sizeof *L);
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "id");
    snprintf(c.label, sizeof c.label, "%s",
             p->stable_ids ? "response id (stable across exports)" : "row id (this export only)");
    c.kind = COL_ID;
    c.lo = 1;
    if (add_col(L, &c) != 0)
        return -1;
    if (p->dev != NULL) {
        memset(&c, 0, sizeof c);
        snprintf(c.name, sizeof c.name, "device");
        snprintf(c.label, sizeof c.label, "handheld (numbered in this export only)");
        c.kind = COL_DEV;
        c.lo = 1;
        if (add_col(L, &c) != 0)
            return -1;
        if ((L->dev_no = calloc(p->n + 1, sizeof *L->dev_no)) == NULL)
            return -1;
        /* Devices are few: number them through a short list of the
         * pseudonyms seen, in order of first appearance. */
        size_t n_seen = 0;
        size_t *first = malloc((p->n + 1) * sizeof *first);
        if (first == NULL)
            return -1;
        for (size_t k = 0; k < p->n; k++) {
            size_t j = 0;
            while (j < n_seen && strcmp(p->dev[first[j]], p->dev[k]) != 0)
                j++;
            if (j == n_seen)
                first[n_seen++] = k;
            L->dev_no[k] = j + 1;
        }
        free(first);
    }
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "language");
    snprintf(c.label, sizeof c.label, "interview language");
    c.kind = COL_LANG;
    c.lo = 1;
    c.has_reason = 1;
    snprintf(c.reason, sizeof c.reason, "language_missing");
    if (add_col(L, &c) != 0)
        return -1;
    snprintf(c.name, sizeof c.name, "period");
    snprintf(c.label, sizeof c.label, "%s saved (%s)", cnd_period_name(p->period),
             p->period == CND_PERIOD_WEEK ? "YYYYWW, ISO week"
             : p->period == CND_PERIOD_MONTH ? "YYYYMM"
                                             : "YYYYQ");
    c.kind = COL_PERIOD;
    snprintf(c.reason, sizeof c.reason, "period_missing");
    if (add_col(L, &c) != 0)
        return -1;
    L->periods = malloc((p->n + 1) * sizeof *L->periods);
    if (L->periods == NULL)
        return -1;
    for (size_t k = 0; k < p->n; k++) {
        int32_t code = cnd_export_period_code(p->ds->r[p->sel[k]].day, p->period);
        size_t j = 0;
        while (j < L->n_periods && L->periods[j] != code)
            j++;
        if (j == L->n_periods)
            L->periods[L->n_periods++] = code;
    }
    L->c[L->n - 1].lo = 1;
    for (uint16_t i = 0; i < cnd_pack_item_count(pk); i++) {
        cnd_item_t it;
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        memset(&c, 0, sizeof c);
        copy_str(c.name, 33, it.name);
        copy_str(c.item_name, sizeof c.item_name, it.name);
        snprintf(c.reason, sizeof c.reason, "%s_missing", c.item_name);
        copy_str(c.label, sizeof c.label, cnd_pack_item_label(pk, i, ll));
        c.item = i;
        c.item_kind = it.kind;
        c.has_reason = 1;
        if (it.kind != CND_ITEM_MULTI) {
            c.kind = COL_ITEM;
            c.lo = it.kind == CND_ITEM_SINGLE ? 1 : it.kind == CND_ITEM_YESNO ? 0 : it.min;
            if (add_col(L, &c) != 0)
                return -1;
            continue;
        }
        for (uint8_t ch = 0; ch < it.n_choices; ch++) {
            col_t m = c;
            char cn[CND_MAX_NAME_LEN + 1], item[CND_MAX_NAME_LEN + 1], cl[160];
            copy_str(cn, sizeof cn, cnd_pack_choice_name(pk, i, ch));
            copy_str(item, sizeof item, it.name);
            if (strlen(item) + 1 + strlen(cn) <= 32)
                snprintf(m.name, sizeof m.name, "%s_%s", item, cn);
            else
                snprintf(m.name, sizeof m.name, "%.*s_%u", 28, item, (unsigned)ch + 1);
            copy_str(cl, sizeof cl, cnd_pack_choice_label(pk, i, ch, ll));
            snprintf(m.label, sizeof m.label, "%.90s: %.150s", c.label, cl);
            m.kind = COL_CHOICE;
            m.choice = ch;
            m.lo = 0;
            /* One reason column per item: after its last choice. */
            m.has_reason = ch + 1 == it.n_choices;
            if (add_col(L, &m) != 0)
                return -1;
        }
    }
    return 0;
}

static void layout_free(layout_t *L)
{
    free(L->c);
    free(L->periods);
    free(L->dev_no);
}

/* The value of column c in output row k. */
static int cell(const cnd_export_plan_t *p, const layout_t *L, const col_t *c, size_t k,
                int32_t *v)
{
    const cnd_response_t *r = &p->ds->r[p->sel[k]];
    switch (c->kind) {
    case COL_ID:
        *v = (int32_t)(k + 1);
        return R_VALUE;
    case COL_DEV:
        *v = (int32_t)L->dev_no[k];
        return R_VALUE;
    case COL_LANG:
        if (p->supp_meta[k] & CND_EXPORT_META_LANG)
            return R_SUPPRESSED;
        *v = r->lang + 1;
        return R_VALUE;
    case COL_PERIOD:
        if (p->supp_meta[k] & CND_EXPORT_META_PERIOD)
            return R_SUPPRESSED;
        *v = cnd_export_period_code(r->day, p->period);
        return R_VALUE;
    default:
        break;
    }
    const cnd_answer_t *a = &r->answers[c->item];
    if (c->item < 64 && (p->supp[k] >> c->item & 1))
        return R_SUPPRESSED;
    if (a->state == CND_ANS_NONE)
        return R_NOT_ASKED;
    if (a->state == CND_ANS_PNA)
        return R_PNA;
    if (c->kind == COL_CHOICE)
        *v = (int32_t)((uint32_t)a->value >> c->choice & 1u);
    else
        *v = c->item_kind == CND_ITEM_SINGLE ? a->value + 1 : a->value;
    return R_VALUE;
}

/* Value labels of a column, in the label language: fn(ctx, value, label). */
typedef void (*label_fn)(void *ctx, int32_t v, const char *label);

static void value_labels(const cnd_export_plan_t *p, const layout_t *L, const col_t *c,
                         label_fn fn, void *ctx)
{
    const cnd_pack_t *pk = p->pk;
    char buf[CND_MAX_TEXT_LEN + 1];
    cnd_item_t it;
    switch (c->kind) {
    case COL_LANG:
        for (uint8_t l = 0; l < cnd_pack_lang_count(pk); l++) {
            copy_str(buf, sizeof buf, cnd_pack_lang_name(pk, l));
            fn(ctx, l + 1, buf);
        }
        return;
    case COL_PERIOD:
        for (size_t j = 0; j < L->n_periods; j++) {
            int32_t code = L->periods[j];
            if (p->period == CND_PERIOD_QUARTER)
                snprintf(buf, sizeof buf, "%04d-Q%d", (int)(code / 10), (int)(code % 10));
            else
                snprintf(buf, sizeof buf, p->period == CND_PERIOD_WEEK ? "%04d-W%02d" : "%04d-%02d",
                         (int)(code / 100), (int)(code % 100));
            fn(ctx, code, buf);
        }
        return;
    case COL_CHOICE:
        copy_str(buf, sizeof buf, cnd_pack_ui(pk, p->label_lang, CND_UI_NO));
        fn(ctx, 0, buf);
        copy_str(buf, sizeof buf, cnd_pack_ui(pk, p->label_lang, CND_UI_YES));
        fn(ctx, 1, buf);
        return;
    case COL_ITEM:
        if (cnd_pack_item(pk, c->item, &it) != CND_OK || it.kind == CND_ITEM_INTEGER)
            return;
        for (uint8_t ch = 0; ch < it.n_choices; ch++) {
            cnd_str_t s = cnd_pack_choice_label(pk, c->item, ch, p->label_lang);
            if (s.len == 0 && it.kind == CND_ITEM_YESNO)
                s = cnd_pack_ui(pk, p->label_lang, ch ? CND_UI_YES : CND_UI_NO);
            copy_str(buf, sizeof buf, s);
            fn(ctx, it.kind == CND_ITEM_SINGLE ? ch + 1 : ch, buf);
        }
        return;
    default:
        return;
    }
}

/* ---------------------------------------------------------- codebook -- */

static void json_label(void *ctx, int32_t v, const char *label)
{
    char key[16];
    snprintf(key, sizeof key, "%ld", (long)v);
    cJSON_AddStringToObject(ctx, key, label);
}

static cJSON *columns_json(const cnd_export_plan_t *p, const layout_t *L, cnd_flat_format_t fmt)
{
    static const char *const fmt_names[] = {"csv", "sav", "dta"};
    char buf[256];
    cJSON *o = cJSON_CreateObject(), *cols = cJSON_CreateArray(), *miss = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", fmt_names[fmt]);
    copy_str(buf, sizeof buf, cnd_pack_lang_code(p->pk, p->label_lang));
    cJSON_AddStringToObject(o, "labels_language", buf);
    cJSON_AddStringToObject(
        miss, "csv",
        "empty cell; the column <item>_missing (or language_missing, period_missing) says why: "
        "0 answered, 1 not asked, 2 prefer not to answer, 3 suppressed");
    cJSON_AddStringToObject(miss, "sav",
                            "user-missing values, below every real value of the column: -1 not "
                            "asked, -2 prefer not to answer, -3 suppressed (an integer item "
                            "with a negative minimum uses min-1, min-2, min-3)");
    cJSON_AddStringToObject(miss, "dta",
                            "extended missing values: .a not asked, .b prefer not to answer, .c "
                            "suppressed");
    cJSON_AddItemToObject(o, "missing", miss);
    for (size_t j = 0; j < L->n; j++) {
        const col_t *c = &L->c[j];
        cJSON *e = cJSON_CreateObject(), *vl = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", c->name);
        cJSON_AddStringToObject(e, "label", c->label);
        if (c->kind == COL_ITEM || c->kind == COL_CHOICE)
            cJSON_AddStringToObject(e, "item", c->item_name);
        if (c->kind == COL_CHOICE) {
            copy_str(buf, sizeof buf, cnd_pack_choice_name(p->pk, c->item, c->choice));
            cJSON_AddStringToObject(e, "choice", buf);
        }
        if (c->has_reason)
            cJSON_AddStringToObject(e, "csv_reason_column", c->reason);
        value_labels(p, L, c, json_label, vl);
        cJSON_AddItemToObject(e, "value_labels", vl);
        if (c->kind != COL_ID && c->kind != COL_DEV) {
            cJSON *codes = cJSON_CreateObject();
            for (int r = 1; r <= 3; r++)
                cJSON_AddNumberToObject(codes, reason_names[r], cnd_flat_missing_code(c->lo, r));
            cJSON_AddItemToObject(e, "sav_missing", codes);
        }
        cJSON_AddItemToArray(cols, e);
    }
    cJSON_AddItemToObject(o, "columns", cols);
    return o;
}

/* ---------------------------------------------------------------- csv -- */

/* RFC 4180 quoting only where needed (a stable id never needs it). */
static int write_csv(FILE *f, const cnd_export_plan_t *p, const layout_t *L)
{
    for (size_t j = 0; j < L->n; j++) {
        fprintf(f, "%s%s", j ? "," : "", L->c[j].name);
        if (L->c[j].has_reason)
            fprintf(f, ",%s", L->c[j].reason);
    }
    fputc('\n', f);
    for (size_t k = 0; k < p->n; k++) {
        int why = R_VALUE;
        for (size_t j = 0; j < L->n; j++) {
            const col_t *c = &L->c[j];
            int32_t v = 0;
            int r = cell(p, L, c, k, &v);
            if (j)
                fputc(',', f);
            if (c->kind == COL_ID && p->stable_ids) {
                for (int b = 0; b < 8; b++)
                    fprintf(f, "%02x", p->oid[k][b]);
            } else if (r == R_VALUE) {
                fprintf(f, "%ld", (long)v);
            }
            /* A multiple item's choices share one reason: its last. */
            why = c->kind == COL_CHOICE && c->choice > 0 ? why : r;
            if (c->has_reason)
                fprintf(f, ",%d", why);
        }
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------- sav and dta -- */

/* The Windows build has no ReadStat (host/platform/buildcaps.h: export
 * refuses sav and dta before it opens a file); the one place that knows. */
#ifdef CND_NO_READSTAT
static int write_readstat(FILE *f, cnd_flat_format_t fmt, const cnd_export_plan_t *p,
                          const layout_t *L, cnd_err_t *err)
{
    (void)f;
    (void)fmt;
    (void)p;
    (void)L;
    cnd_err_set(err, "SPSS and Stata export is not in this build (it needs ReadStat)");
    return -1;
}
#else
#include <readstat.h>

/* The label of a missing reason in the label language. */
static void reason_label(const cnd_export_plan_t *p, int reason, char *out, size_t cap)
{
    if (reason == R_PNA)
        copy_str(out, cap, cnd_pack_ui(p->pk, p->label_lang, CND_UI_PREFER_NOT));
    else if (reason == R_NOT_ASKED)
        copy_str(out, cap, cnd_pack_ui(p->pk, p->label_lang, CND_UI_SKIPPED));
    else
        snprintf(out, cap, "suppressed (k-anonymity)");
}

static ssize_t rs_write(const void *data, size_t len, void *ctx)
{
    return fwrite(data, 1, len, ctx) == len ? (ssize_t)len : -1;
}

typedef struct {
    readstat_label_set_t *set;
} rs_ctx_t;

static void rs_label(void *ctx, int32_t v, const char *label)
{
    readstat_label_int32_value(((rs_ctx_t *)ctx)->set, v, label);
}

static const char missing_tag[] = {0, 'a', 'b', 'c'};

static int write_readstat(FILE *f, cnd_flat_format_t fmt, const cnd_export_plan_t *p,
                          const layout_t *L, cnd_err_t *err)
{
    readstat_writer_t *w = readstat_writer_init();
    readstat_variable_t **var = calloc(L->n + 1, sizeof *var);
    readstat_error_t e = READSTAT_OK;
    char title[81], lab[CND_MAX_TEXT_LEN + 1];
    int dta = fmt == CND_FLAT_DTA;
    if (w == NULL || var == NULL) {
        free(var);
        if (w)
            readstat_writer_free(w);
        cnd_err_set(err, "out of memory starting ReadStat");
        return -1;
    }
    readstat_set_data_writer(w, rs_write);
    copy_str(title, sizeof title, cnd_pack_title(p->pk, p->label_lang));
    readstat_writer_set_file_label(w, title);
    /* The file's own time stamp would date the export: fix it. */
    readstat_writer_set_file_timestamp(w, 0);
    for (size_t j = 0; j < L->n; j++) {
        const col_t *c = &L->c[j];
        int str = c->kind == COL_ID && p->stable_ids;
        var[j] = readstat_add_variable(w, c->name, str ? READSTAT_TYPE_STRING : READSTAT_TYPE_INT32,
                                       str ? 16 : 0);
        /* Stata variable labels hold 80 bytes. */
        copy_str(lab, dta ? 81 : sizeof lab, (cnd_str_t){c->label, (uint16_t)strlen(c->label)});
        readstat_variable_set_label(var[j], lab);
        if (str || c->kind == COL_ID || c->kind == COL_DEV) {
            readstat_variable_set_measure(var[j], READSTAT_MEASURE_SCALE);
            continue;
        }
        char setname[24];
        snprintf(setname, sizeof setname, "L%zu", j);
        rs_ctx_t ctx = {readstat_add_label_set(w, READSTAT_TYPE_INT32, setname)};
        value_labels(p, L, c, rs_label, &ctx);
        for (int r = 1; r <= 3; r++) {
            reason_label(p, r, lab, sizeof lab);
            if (dta) {
                readstat_label_tagged_value(ctx.set, missing_tag[r], lab);
            } else {
                int32_t code = cnd_flat_missing_code(c->lo, r);
                readstat_label_int32_value(ctx.set, code, lab);
                readstat_variable_add_missing_double_value(var[j], code);
            }
        }
        readstat_variable_set_label_set(var[j], ctx.set);
        int integer = c->kind == COL_ITEM && c->item_kind == CND_ITEM_INTEGER;
        readstat_variable_set_measure(var[j], integer || c->kind == COL_PERIOD
                                                   ? READSTAT_MEASURE_SCALE
                                                   : READSTAT_MEASURE_NOMINAL);
    }
    e = dta ? readstat_begin_writing_dta(w, f, (long)p->n)
            : readstat_begin_writing_sav(w, f, (long)p->n);
    for (size_t k = 0; e == READSTAT_OK && k < p->n; k++) {
        e = readstat_begin_row(w);
        for (size_t j = 0; e == READSTAT_OK && j < L->n; j++) {
            const col_t *c = &L->c[j];
            int32_t v = 0;
            int r = cell(p, L, c, k, &v);
            if (c->kind == COL_ID && p->stable_ids) {
                char hex[17];
                for (int b = 0; b < 8; b++)
                    snprintf(hex + 2 * b, 3, "%02x", p->oid[k][b]);
                e = readstat_insert_string_value(w, var[j], hex);
            } else if (r == R_VALUE) {
                e = readstat_insert_int32_value(w, var[j], v);
            } else if (dta) {
                e = readstat_insert_tagged_missing_value(w, var[j], missing_tag[r]);
            } else {
                e = readstat_insert_int32_value(w, var[j], cnd_flat_missing_code(c->lo, r));
            }
        }
        if (e == READSTAT_OK)
            e = readstat_end_row(w);
    }
    if (e == READSTAT_OK)
        e = readstat_end_writing(w);
    readstat_writer_free(w);
    free(var);
    if (e != READSTAT_OK) {
        cnd_err_set(err, "ReadStat could not write the %s file: %s", dta ? "Stata" : "SPSS",
                    readstat_error_message(e));
        return -1;
    }
    return 0;
}
#endif

int cnd_flat_write(FILE *f, cnd_flat_format_t fmt, const cnd_export_plan_t *p, cJSON **columns,
                   cnd_err_t *err)
{
    layout_t L;
    int rc = -1;
    *columns = NULL;
    if (p->pk == NULL) {
        cnd_err_set(err, "the store holds no responses to write as a flat file");
        return -1;
    }
    if (layout(p, &L) != 0) {
        cnd_err_set(err, "out of memory laying out the columns");
    } else if ((*columns = columns_json(p, &L, fmt)) == NULL) {
        cnd_err_set(err, "out of memory describing the columns");
    } else {
        rc = fmt == CND_FLAT_CSV ? write_csv(f, p, &L) : write_readstat(f, fmt, p, &L, err);
        if (rc != 0 && err->msg[0] == '\0')
            cnd_err_set(err, "cannot write the flat file");
    }
    if (rc != 0) {
        cJSON_Delete(*columns);
        *columns = NULL;
    }
    layout_free(&L);
    return rc;
}
