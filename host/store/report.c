/* report.c: see report.h. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coding.h"
#include "commands.h"
#include "dataset.h"
#include "fileio.h"
#include "osfile.h"
#include "suppress.h"

#define SMALL_CELL 5
#define SMALL_CELL_VIOLENCE 10

/* ------------------------------------------------------------- helpers -- */

/* HTML text: & < > " escaped. */
static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void esc_str(FILE *f, cnd_str_t s)
{
    char buf[CND_MAX_TEXT_LEN + 1];
    esc(f, cnd_cstr(s, buf, sizeof buf));
}

/* 95 % Wilson score interval of x successes in n. */
static void wilson(long x, long n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    if (n <= 0) {
        *lo = *hi = 0;
        return;
    }
    double p = (double)x / (double)n, nn = (double)n;
    double d = 1 + z * z / nn;
    double c = (p + z * z / (2 * nn)) / d;
    double h = z * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / d;
    *lo = c - h < 0 ? 0 : c - h;
    *hi = c + h > 1 ? 1 : c + h;
}

/* One number cell; data-k names it for the tests that recompute it. */
static void num(FILE *f, const char *key, const cnd_table_t *t, size_t m)
{
    /* One mark for every hidden cell: telling primary (1..threshold-1) from
     * secondary apart would narrow the hidden values down. */
    if (t->hidden[m])
        fprintf(f, "<td class=\"sup\" data-k=\"%s\" data-sup=\"1\">[c]</td>", key);
    else
        fprintf(f, "<td data-k=\"%s\">%ld</td>", key, t->v[m]);
}

/* Share of member m in denominator member d, with its interval. */
static void share(FILE *f, const char *key, const cnd_table_t *t, size_t m, size_t d)
{
    if (t->hidden[m] || t->hidden[d] || t->v[d] == 0) {
        fprintf(f, "<td class=\"sup\">&ndash;</td><td class=\"sup\">&ndash;</td>");
        return;
    }
    double lo, hi;
    wilson(t->v[m], t->v[d], &lo, &hi);
    fprintf(f,
            "<td data-k=\"%s:pct\">%.1f</td><td>[<span data-k=\"%s:lo\">%.1f</span>, "
            "<span data-k=\"%s:hi\">%.1f</span>]</td>",
            key, 100.0 * (double)t->v[m] / (double)t->v[d], key, 100 * lo, key, 100 * hi);
}

/* A horizontal bar chart of shares (0..100), hidden ones left out. */
static void bars(FILE *f, const char *const *labels, const double *pct, const int *shown, size_t n)
{
    int h = 22 * (int)n + 8;
    fprintf(f,
            "<svg class=\"chart\" width=\"560\" height=\"%d\" viewBox=\"0 0 560 %d\" "
            "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">",
            h, h);
    for (size_t i = 0; i < n; i++) {
        int y = 4 + 22 * (int)i;
        fprintf(f, "<text x=\"0\" y=\"%d\" font-size=\"12\">", y + 14);
        esc(f, labels[i]);
        fputs("</text>", f);
        if (shown[i]) {
            fprintf(f,
                    "<rect x=\"220\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#2b6cb0\"/>"
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%.1f %%</text>",
                    y, 3.0 * pct[i] + 1, 226 + 3.0 * pct[i], y + 13, pct[i]);
        } else {
            fprintf(f, "<text x=\"222\" y=\"%d\" font-size=\"11\" fill=\"#888\">suppressed</text>",
                    y + 13);
        }
    }
    fputs("</svg>\n", f);
}

/* --------------------------------------------------------------- model -- */

typedef struct {
    const cnd_dataset_t *ds;
    const cnd_pack_t *pk;
    size_t *rows; /* dataset indices of the survey's responses */
    size_t n;
    cnd_coding_t cd;
    uint16_t (*sig)[CND_MAX_ITEMS]; /* per response, per item: coding signals */
    cnd_period_t period;
} model_t;

static int is_tagged(const cnd_pack_t *pk, uint16_t item, const char *tag)
{
    cnd_item_t it;
    if (cnd_pack_item(pk, item, &it) != CND_OK)
        return 0;
    for (uint8_t t = 0; t < it.n_tags; t++) {
        cnd_str_t s = cnd_pack_item_tag(pk, item, t);
        if (s.len == strlen(tag) && memcmp(s.ptr, tag, s.len) == 0)
            return 1;
    }
    return 0;
}

/* The stricter threshold for items coded with physical or sexual violence. */
static unsigned item_threshold(const model_t *m, uint16_t item)
{
    for (uint8_t k = 0; k < m->cd.n[item]; k++)
        if (m->cd.rule[item][k].code == CND_CODE_VIOLENCE)
            return SMALL_CELL_VIOLENCE;
    return SMALL_CELL;
}

static const cnd_answer_t *ans(const model_t *m, size_t k, uint16_t item)
{
    return &m->ds->r[m->rows[k]].answers[item];
}

/* -------------------------------------------------------------- tables -- */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Distinct period codes of the responses, sorted. */
static size_t periods(const model_t *m, cnd_period_t p, int32_t *out)
{
    size_t n = 0;
    for (size_t k = 0; k < m->n; k++) {
        int32_t c = cnd_export_period_code(m->ds->r[m->rows[k]].day, p);
        size_t j = 0;
        while (j < n && out[j] != c)
            j++;
        if (j == n)
            out[n++] = c;
    }
    qsort(out, n, sizeof *out, cmp_i32);
    return n;
}

static void period_text(int32_t code, cnd_period_t p, char *out, size_t cap)
{
    if (p == CND_PERIOD_QUARTER)
        snprintf(out, cap, "%04d-Q%d", (int)(code / 10), (int)(code % 10));
    else
        snprintf(out, cap, p == CND_PERIOD_WEEK ? "%04d-W%02d" : "%04d-%02d", (int)(code / 100),
                 (int)(code % 100));
}

static int table_counts(FILE *f, const model_t *m)
{
    int32_t *per = malloc((m->n + 1) * sizeof *per);
    uint8_t L = cnd_pack_lang_count(m->pk);
    cnd_table_t t;
    char key[96], ptxt[16], code[CND_LANG_CODE_LEN + 1];
    if (per == NULL)
        return -1;
    size_t P = periods(m, m->period, per);
    if (cnd_table_init(&t, P, L, 1, 1, SMALL_CELL) != 0) {
        free(per);
        return -1;
    }
    for (size_t k = 0; k < m->n; k++) {
        const cnd_response_t *r = &m->ds->r[m->rows[k]];
        int32_t c = cnd_export_period_code(r->day, m->period);
        size_t i = 0;
        while (per[i] != c)
            i++;
        if (r->lang < L)
            (*cnd_table_cell(&t, i, r->lang))++;
    }
    cnd_table_suppress(&t);
    fprintf(f, "<h2 id=\"counts\">Responses by %s and language</h2>\n<table><tr><th>%s</th>",
            cnd_period_name(m->period), cnd_period_name(m->period));
    for (uint8_t l = 0; l < L; l++) {
        fputs("<th>", f);
        esc_str(f, cnd_pack_lang_name(m->pk, l));
        fputs("</th>", f);
    }
    fputs("<th>Total</th></tr>\n", f);
    for (size_t i = 0; i < P; i++) {
        period_text(per[i], m->period, ptxt, sizeof ptxt);
        fprintf(f, "<tr><th>%s</th>", ptxt);
        for (uint8_t l = 0; l < L; l++) {
            snprintf(key, sizeof key, "pl:%s:%s", ptxt,
                     cnd_cstr(cnd_pack_lang_code(m->pk, l), code, sizeof code));
            num(f, key, &t, i * L + l);
        }
        snprintf(key, sizeof key, "pl:%s:*", ptxt);
        num(f, key, &t, cnd_table_row_total(&t, i));
        fputs("</tr>\n", f);
    }
    fputs("<tr><th>Total</th>", f);
    for (uint8_t l = 0; l < L; l++) {
        snprintf(key, sizeof key, "pl:*:%s",
                 cnd_cstr(cnd_pack_lang_code(m->pk, l), code, sizeof code));
        num(f, key, &t, cnd_table_col_total(&t, l));
    }
    num(f, "pl:*:*", &t, cnd_table_grand(&t));
    fputs("</tr></table>\n", f);
    cnd_table_free(&t);
    free(per);
    return 0;
}

/* A one-line table: n cells and their total, with shares and a chart. */
static int line_table(FILE *f, const char *prefix, const char *const *names,
                      const char *const *labels, const long *counts, size_t n, unsigned thr,
                      const char *head)
{
    cnd_table_t t;
    char key[160];
    if (cnd_table_init(&t, 1, n, 1, 0, thr) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        *cnd_table_cell(&t, 0, i) = counts[i];
    cnd_table_suppress(&t);
    size_t tot = cnd_table_row_total(&t, 0);
    fprintf(f, "<table><tr><th>%s</th><th>n</th><th>%%</th><th>95 %% CI (Wilson)</th></tr>\n",
            head);
    double *pct = calloc(n + 1, sizeof *pct);
    int *shown = calloc(n + 1, sizeof *shown);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", f);
        esc(f, labels[i]);
        fputs("</td>", f);
        snprintf(key, sizeof key, "%s:%s", prefix, names[i]);
        num(f, key, &t, i);
        share(f, key, &t, i, tot);
        fputs("</tr>\n", f);
        if (pct && shown && !t.hidden[i] && !t.hidden[tot] && t.v[tot] > 0) {
            pct[i] = 100.0 * (double)t.v[i] / (double)t.v[tot];
            shown[i] = 1;
        }
    }
    snprintf(key, sizeof key, "%s:*", prefix);
    fputs("<tr><th>Total</th>", f);
    num(f, key, &t, tot);
    fputs("<td></td><td></td></tr></table>\n", f);
    if (pct && shown)
        bars(f, labels, pct, shown, n);
    free(pct);
    free(shown);
    cnd_table_free(&t);
    return 0;
}

/* Yes / no of one property over a denominator, as a 2-cell line. */
static int yes_no_table(FILE *f, const char *prefix, const char *label, const char *extra, long yes,
                        long total, unsigned thr)
{
    cnd_table_t t;
    char key[160];
    if (cnd_table_init(&t, 1, 2, 1, 0, thr) != 0)
        return -1;
    *cnd_table_cell(&t, 0, 0) = yes;
    *cnd_table_cell(&t, 0, 1) = total - yes;
    cnd_table_suppress(&t);
    size_t tot = cnd_table_row_total(&t, 0);
    fputs("<tr><td>", f);
    esc(f, label);
    fputs("</td>", f);
    if (extra != NULL) {
        fputs("<td>", f);
        esc(f, extra);
        fputs("</td>", f);
    }
    num(f, prefix, &t, 0);
    snprintf(key, sizeof key, "%s:not", prefix);
    num(f, key, &t, 1);
    snprintf(key, sizeof key, "%s:*", prefix);
    num(f, key, &t, tot);
    share(f, prefix, &t, 0, tot);
    fputs("</tr>\n", f);
    int shown = !t.hidden[0] && !t.hidden[tot] && t.v[tot] > 0;
    double pct = shown ? 100.0 * (double)t.v[0] / (double)t.v[tot] : 0;
    cnd_table_free(&t);
    return shown ? (int)(pct * 10 + 0.5) : -1; /* tenths of a percent, for the chart */
}

static int items_section(FILE *f, const model_t *m)
{
    char name[CND_MAX_NAME_LEN + 1], cname[CND_MAX_CHOICES][CND_MAX_NAME_LEN + 1];
    char clab[CND_MAX_CHOICES][CND_MAX_TEXT_LEN + 1], prefix[64];
    const char *names[CND_MAX_CHOICES], *labels[CND_MAX_CHOICES];
    long counts[CND_MAX_CHOICES];
    fputs("<h2 id=\"items\">Answers, item by item</h2>\n<p>Shares are of the respondents who "
          "answered the item (not of those who chose &ldquo;prefer not to answer&rdquo; or "
          "were not asked). 95 % confidence intervals are Wilson score intervals.</p>\n",
          f);
    for (uint16_t i = 0; i < cnd_pack_item_count(m->pk); i++) {
        cnd_item_t it;
        if (cnd_pack_item(m->pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        cnd_cstr(it.name, name, sizeof name);
        unsigned thr = item_threshold(m, i);
        fprintf(f, "<h3 id=\"item-%s\">", name);
        esc_str(f, cnd_pack_item_label(m->pk, i, 0));
        fprintf(f, " <small>(%s%s)</small></h3>\n", name,
                thr == SMALL_CELL_VIOLENCE ? "; cells below 10 suppressed" : "");
        snprintf(prefix, sizeof prefix, "item:%s", name);
        if (it.kind == CND_ITEM_INTEGER) {
            /* the values present, in order */
            long answered = 0;
            fputs("<table><tr><th>value</th><th>n</th></tr>", f);
            int32_t *vals = malloc((m->n + 1) * sizeof *vals);
            size_t nv = 0;
            for (size_t k = 0; vals && k < m->n; k++)
                if (ans(m, k, i)->state == CND_ANS_VALUE)
                    vals[nv++] = ans(m, k, i)->value;
            if (vals)
                qsort(vals, nv, sizeof *vals, cmp_i32);
            cnd_table_t t;
            size_t distinct = 0;
            for (size_t a = 0; a < nv; a++)
                distinct += a == 0 || vals[a] != vals[a - 1];
            if (vals == NULL || cnd_table_init(&t, 1, distinct, 1, 0, thr) != 0) {
                free(vals);
                return -1;
            }
            for (size_t a = 0, c = 0; a < nv; a++) {
                if (a > 0 && vals[a] != vals[a - 1])
                    c++;
                (*cnd_table_cell(&t, 0, c))++;
                answered++;
            }
            cnd_table_suppress(&t);
            for (size_t a = 0, c = 0; a < nv; a++) {
                if (a > 0 && vals[a] == vals[a - 1])
                    continue;
                char key[96];
                snprintf(key, sizeof key, "%s:%ld", prefix, (long)vals[a]);
                fprintf(f, "<tr><td>%ld</td>", (long)vals[a]);
                num(f, key, &t, c++);
                fputs("</tr>", f);
            }
            char key[96];
            snprintf(key, sizeof key, "%s:*", prefix);
            fputs("<tr><th>Total</th>", f);
            num(f, key, &t, cnd_table_row_total(&t, 0));
            fputs("</tr></table>\n", f);
            cnd_table_free(&t);
            free(vals);
            continue;
        }
        for (uint8_t c = 0; c < it.n_choices && c < CND_MAX_CHOICES; c++) {
            cnd_cstr(cnd_pack_choice_name(m->pk, i, c), cname[c], sizeof cname[c]);
            cnd_str_t l = cnd_pack_choice_label(m->pk, i, c, 0);
            if (l.len == 0 && it.kind == CND_ITEM_YESNO)
                l = cnd_pack_ui(m->pk, 0, c ? CND_UI_YES : CND_UI_NO);
            cnd_cstr(l, clab[c], sizeof clab[c]);
            names[c] = cname[c];
            labels[c] = clab[c];
            counts[c] = 0;
        }
        if (it.kind != CND_ITEM_MULTI) {
            for (size_t k = 0; k < m->n; k++) {
                const cnd_answer_t *a = ans(m, k, i);
                if (a->state == CND_ANS_VALUE && a->value >= 0 && a->value < it.n_choices)
                    counts[a->value]++;
            }
            if (line_table(f, prefix, names, labels, counts, it.n_choices, thr, "answer") != 0)
                return -1;
            continue;
        }
        /* Multiple: each choice is ticked or not by those who answered. */
        long answered = 0;
        for (size_t k = 0; k < m->n; k++) {
            const cnd_answer_t *a = ans(m, k, i);
            if (a->state != CND_ANS_VALUE)
                continue;
            answered++;
            for (uint8_t c = 0; c < it.n_choices; c++)
                counts[c] += ((uint32_t)a->value >> c) & 1u;
        }
        fputs("<table><tr><th>ticked</th><th>n</th><th>not ticked</th><th>answered</th>"
              "<th>%</th><th>95 % CI (Wilson)</th></tr>\n",
              f);
        double pct[CND_MAX_CHOICES];
        int shown[CND_MAX_CHOICES];
        for (uint8_t c = 0; c < it.n_choices; c++) {
            char key[128];
            snprintf(key, sizeof key, "%s:%s", prefix, cname[c]);
            int p = yes_no_table(f, key, clab[c], NULL, counts[c], answered, thr);
            shown[c] = p >= 0;
            pct[c] = p >= 0 ? p / 10.0 : 0;
        }
        fputs("</table>\n", f);
        bars(f, labels, pct, shown, it.n_choices);
    }
    return 0;
}

static int indicators_section(FILE *f, const model_t *m)
{
    const char *labels[CND_CODE_INDICATORS];
    double pct[CND_CODE_INDICATORS];
    int shown[CND_CODE_INDICATORS];
    fputs("<h2 id=\"indicators\">The ILO's 11 indicators of forced labour</h2>\n<p>A "
          "respondent shows an indicator when at least one answer is coded with it (the "
          "coding of each answer is in the codebook and docs/CODING.md). Shares are of all "
          "respondents.</p>\n<table><tr><th>indicator</th><th>n</th><th>not</th>"
          "<th>respondents</th><th>%</th><th>95 % CI (Wilson)</th></tr>\n",
          f);
    for (int c = 0; c < CND_CODE_INDICATORS; c++) {
        long yes = 0;
        for (size_t k = 0; k < m->n; k++) {
            int any = 0;
            for (uint16_t i = 0; i < cnd_pack_item_count(m->pk) && !any; i++)
                any = m->sig[k][i] >> c & 1;
            yes += any;
        }
        char key[64];
        snprintf(key, sizeof key, "ind:%s", cnd_code_name(c));
        int p = yes_no_table(f, key, cnd_code_title(c), NULL, yes, (long)m->n,
                             c == CND_CODE_VIOLENCE ? SMALL_CELL_VIOLENCE : SMALL_CELL);
        labels[c] = cnd_code_title(c);
        shown[c] = p >= 0;
        pct[c] = p >= 0 ? p / 10.0 : 0;
    }
    fputs("</table>\n", f);
    bars(f, labels, pct, shown, CND_CODE_INDICATORS);
    return 0;
}

static int forced_labour(const model_t *m, size_t k)
{
    return cnd_coding_forced_labour(m->sig[k], cnd_pack_item_count(m->pk));
}

static int icls_section(FILE *f, const model_t *m)
{
    long inv = 0, coe = 0, fl = 0;
    for (size_t k = 0; k < m->n; k++) {
        int v = 0, c = 0;
        for (uint16_t i = 0; i < cnd_pack_item_count(m->pk); i++) {
            v |= m->sig[k][i] >> CND_CODE_INV & 1;
            c |= m->sig[k][i] >> CND_CODE_COE & 1;
        }
        inv += v;
        coe += c;
        fl += forced_labour(m, k);
    }
    fputs("<h2 id=\"icls\">Forced labour (ICLS 2018)</h2>\n<p class=\"rule\"><strong>The "
          "rule.</strong> Following the ICLS 2018 Guidelines concerning the measurement of "
          "forced labour, work counts as forced labour when it is <em>involuntary</em> (INV) "
          "<em>and</em> done under <em>threat or menace of a penalty</em> (coercion, COE). A "
          "respondent is counted when at least one answer is coded INV and at least one answer "
          "to <em>another</em> item is coded COE, both about the current or most recent job. "
          "An answer coded with both counts as either, never as both: one answer alone never "
          "makes a respondent count. The share is of all respondents; the reference period is "
          "that job.</p>\n<table><tr><th></th><th>n</th><th>not</th><th>respondents</th>"
          "<th>%</th><th>95 % CI (Wilson)</th></tr>\n",
          f);
    yes_no_table(f, "icls:inv", "Involuntary work (an answer coded INV)", NULL, inv, (long)m->n,
                 SMALL_CELL);
    yes_no_table(f, "icls:coe", "Threat or menace of penalty (an answer coded COE)", NULL, coe,
                 (long)m->n, SMALL_CELL);
    yes_no_table(f, "icls:fl", "Forced labour: INV and COE", NULL, fl, (long)m->n, SMALL_CELL);
    fputs("</table>\n", f);
    /* Breakdowns: only by items the survey declares as grouping ("group"). */
    for (uint16_t i = 0; i < cnd_pack_item_count(m->pk); i++) {
        cnd_item_t it;
        char name[CND_MAX_NAME_LEN + 1], cn[CND_MAX_NAME_LEN + 1], key[128];
        if (!is_tagged(m->pk, i, "group") || cnd_pack_item(m->pk, i, &it) != CND_OK ||
            (it.kind != CND_ITEM_SINGLE && it.kind != CND_ITEM_YESNO))
            continue;
        cnd_cstr(it.name, name, sizeof name);
        size_t R = (size_t)it.n_choices + 2; /* choices, prefer not, not asked */
        cnd_table_t t;
        if (cnd_table_init(&t, R, 2, 1, 1, SMALL_CELL) != 0)
            return -1;
        for (size_t k = 0; k < m->n; k++) {
            const cnd_answer_t *a = ans(m, k, i);
            size_t r = a->state == CND_ANS_VALUE ? (size_t)a->value
                       : a->state == CND_ANS_PNA ? it.n_choices
                                                 : (size_t)it.n_choices + 1;
            if (r < R)
                (*cnd_table_cell(&t, r, forced_labour(m, k) ? 0 : 1))++;
        }
        cnd_table_suppress(&t);
        fprintf(f, "<h3>Forced labour by <em>");
        esc_str(f, cnd_pack_item_label(m->pk, i, 0));
        fprintf(f,
                "</em> (%s)</h3>\n<table><tr><th></th><th>forced labour</th><th>not</th>"
                "<th>Total</th></tr>\n",
                name);
        for (size_t r = 0; r < R; r++) {
            const char *rn = r < it.n_choices ? cnd_cstr(cnd_pack_choice_name(m->pk, i, (uint8_t)r),
                                                         cn, sizeof cn)
                             : r == it.n_choices ? "prefer_not_to_answer"
                                                 : "not_asked";
            fputs("<tr><td>", f);
            if (r < it.n_choices) {
                cnd_str_t l = cnd_pack_choice_label(m->pk, i, (uint8_t)r, 0);
                if (l.len == 0 && it.kind == CND_ITEM_YESNO)
                    l = cnd_pack_ui(m->pk, 0, r ? CND_UI_YES : CND_UI_NO);
                esc_str(f, l);
            } else {
                esc(f, rn);
            }
            fputs("</td>", f);
            snprintf(key, sizeof key, "grp:%s:%s:fl", name, rn);
            num(f, key, &t, r * 2);
            snprintf(key, sizeof key, "grp:%s:%s:not", name, rn);
            num(f, key, &t, r * 2 + 1);
            snprintf(key, sizeof key, "grp:%s:%s:*", name, rn);
            num(f, key, &t, cnd_table_row_total(&t, r));
            fputs("</tr>\n", f);
        }
        fputs("<tr><th>Total</th>", f);
        snprintf(key, sizeof key, "grp:%s:*:fl", name);
        num(f, key, &t, cnd_table_col_total(&t, 0));
        snprintf(key, sizeof key, "grp:%s:*:not", name);
        num(f, key, &t, cnd_table_col_total(&t, 1));
        snprintf(key, sizeof key, "grp:%s:*:*", name);
        num(f, key, &t, cnd_table_grand(&t));
        fputs("</tr></table>\n", f);
        cnd_table_free(&t);
    }
    return 0;
}

/* C189 articles measured, with the right each protects (shared DOMAIN.md). */
static const struct {
    const char *tag, *right;
} c189[] = {
    {"C189:Art.4", "Minimum age"},
    {"C189:Art.5", "Protection from abuse, harassment and violence"},
    {"C189:Art.6", "Decent living conditions that respect privacy (live-in workers)"},
    {"C189:Art.7", "Told the terms of work in an understandable way, preferably in writing"},
    {"C189:Art.8", "Migrants get a written offer before crossing the border"},
    {"C189:Art.9", "Free to choose whether to live in; free during rest; keeps own documents"},
    {"C189:Art.10", "Weekly rest of at least 24 consecutive hours; on-call time is working time"},
    {"C189:Art.11", "Covered by the minimum wage"},
    {"C189:Art.12", "Paid directly, in cash, at least monthly; payment in kind limited"},
};

static int c189_section(FILE *f, const model_t *m)
{
    fputs("<h2 id=\"c189\">Rights under the Domestic Workers Convention, 2011 (C189)</h2>\n"
          "<p>For each article, the respondents who answered at least one item tagged with it, "
          "and of them those with at least one answer coded with an ILO indicator or a "
          "dimension (INV, COE): a sign that the right is not met. Articles whose items "
          "code no answer are listed without numbers.</p>\n<table><tr><th>article</th><th>items"
          "</th><th>answers coded</th><th>not</th><th>answered</th><th>%</th>"
          "<th>95 % CI (Wilson)</th></tr>\n",
          f);
    for (size_t a = 0; a < sizeof c189 / sizeof c189[0]; a++) {
        uint16_t items[CND_MAX_ITEMS];
        size_t ni = 0;
        for (uint16_t i = 0; i < cnd_pack_item_count(m->pk); i++)
            if (is_tagged(m->pk, i, c189[a].tag))
                items[ni++] = i;
        size_t rules = 0;
        for (size_t j = 0; j < ni; j++)
            rules += m->cd.n[items[j]];
        if (ni == 0)
            continue;
        if (rules == 0) {
            /* Nothing to count: a 0 % here would read as "right met". */
            fputs("<tr><td>", f);
            esc(f, c189[a].tag + 5);
            fputs(": ", f);
            esc(f, c189[a].right);
            fputs("</td><td>", f);
            for (size_t j = 0; j < ni; j++) {
                cnd_item_t it;
                char nm[CND_MAX_NAME_LEN + 1];
                if (cnd_pack_item(m->pk, items[j], &it) == CND_OK)
                    fprintf(f, "%s%s", j ? ", " : "", cnd_cstr(it.name, nm, sizeof nm));
            }
            fputs("</td><td colspan=\"5\">no answer of these items is coded; see their "
                  "distributions below</td></tr>\n",
                  f);
            continue;
        }
        long answered = 0, coded = 0;
        for (size_t k = 0; k < m->n; k++) {
            int any = 0, sig = 0;
            for (size_t j = 0; j < ni; j++) {
                any |= ans(m, k, items[j])->state == CND_ANS_VALUE;
                sig |= m->sig[k][items[j]] != 0;
            }
            answered += any;
            coded += sig;
        }
        char label[160], key[64], nm[CND_MAX_NAME_LEN + 1];
        snprintf(label, sizeof label, "%s: %s", c189[a].tag + 5, c189[a].right);
        snprintf(key, sizeof key, "c189:%s", c189[a].tag + 5);
        char items_text[CND_MAX_ITEMS * (CND_MAX_NAME_LEN + 2) + 1] = "";
        for (size_t j = 0; j < ni; j++) {
            cnd_item_t it;
            size_t used = strlen(items_text);
            if (cnd_pack_item(m->pk, items[j], &it) == CND_OK)
                snprintf(items_text + used, sizeof items_text - used, "%s%s", j ? ", " : "",
                         cnd_cstr(it.name, nm, sizeof nm));
        }
        yes_no_table(f, key, label, items_text, coded, answered, SMALL_CELL);
    }
    fputs("</table>\n", f);
    return 0;
}

static int quality_section(FILE *f, const model_t *m)
{
    fputs("<h2 id=\"quality\">Data quality</h2>\n<h3>&ldquo;Prefer not to answer&rdquo; by "
          "item</h3>\n<table><tr><th>item</th><th>prefer not to answer</th><th>answered</th>"
          "<th>asked</th><th>%</th><th>95 % CI (Wilson)</th></tr>\n",
          f);
    for (uint16_t i = 0; i < cnd_pack_item_count(m->pk); i++) {
        cnd_item_t it;
        char name[CND_MAX_NAME_LEN + 1], key[96], label[CND_MAX_TEXT_LEN + 1];
        if (cnd_pack_item(m->pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        long pna = 0, asked = 0;
        for (size_t k = 0; k < m->n; k++) {
            uint8_t s = ans(m, k, i)->state;
            pna += s == CND_ANS_PNA;
            asked += s != CND_ANS_NONE;
        }
        snprintf(key, sizeof key, "dq:%s", cnd_cstr(it.name, name, sizeof name));
        snprintf(label, sizeof label, "%s", name);
        yes_no_table(f, key, label, NULL, pna, asked, item_threshold(m, i));
    }
    fputs("</table>\n<h3>Interviews per ISO week</h3>\n", f);
    int32_t *wk = malloc((m->n + 1) * sizeof *wk);
    if (wk == NULL)
        return -1;
    size_t W = periods(m, CND_PERIOD_WEEK, wk);
    long *counts = calloc(W + 1, sizeof *counts);
    char(*names)[16] = calloc(W + 1, sizeof *names);
    const char **np = calloc(W + 1, sizeof *np);
    if (!counts || !names || !np) {
        free(wk);
        free(counts);
        free(names);
        free(np);
        return -1;
    }
    for (size_t k = 0; k < m->n; k++) {
        int32_t c = cnd_export_period_code(m->ds->r[m->rows[k]].day, CND_PERIOD_WEEK);
        size_t j = 0;
        while (wk[j] != c)
            j++;
        counts[j]++;
    }
    for (size_t j = 0; j < W; j++) {
        period_text(wk[j], CND_PERIOD_WEEK, names[j], sizeof names[j]);
        np[j] = names[j];
    }
    int rc = line_table(f, "wk", np, np, counts, W, SMALL_CELL, "ISO week");
    free(wk);
    free(counts);
    free(names);
    free(np);
    return rc;
}

/* -------------------------------------------------------------- command -- */

typedef cnd_dataset_args_t report_opts_t; /* report has no options of its own */

static void usage(FILE *f)
{
    fputs("usage: candor report STORE --key KEYFILE... -o report.html [--passphrase-file F]\n"
          "                     [--period month|quarter|week] [--survey ID[:VERSION]]\n"
          "Writes one self-contained HTML page (inline SVG charts, no scripts, nothing\n"
          "loaded from the network) about one survey of STORE: responses by period and\n"
          "language, each item's distribution with 95% Wilson intervals, the prevalence of\n"
          "the ILO's 11 indicators, the ICLS 2018 forced-labour statistic with its rule and\n"
          "its breakdown by items tagged \"group\", the C189 rights table and data quality.\n"
          "Counts below 5 (10 for items coded with physical_and_sexual_violence) are\n"
          "suppressed, and so are other cells where totals would give them back.\n",
          f);
}

static int parse(int argc, char **argv, report_opts_t *o)
{
    static const struct option longs[] = {
        CND_DATASET_LONG_OPTS, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, taken;
    cnd_dataset_args_init(o);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        if ((taken = cnd_dataset_args_opt(o, "report", c, optarg)) != 0) {
            if (taken < 0)
                return CND_EXIT_USAGE;
            continue;
        }
        if (c == 'h') {
            usage(stdout);
            return CND_EXIT_OK;
        }
        fprintf(stderr, "candor report: bad option '%s'; see candor report --help\n",
                argv[optind - 1]);
        return CND_EXIT_USAGE;
    }
    if (cnd_dataset_args_operands(o, "report", argc, argv, "store",
                                  "candor report STORE --key KEY -o report.html") != 0 ||
        cnd_dataset_args_keys(o, "report", "") != 0)
        return CND_EXIT_USAGE;
    return -1;
}

static const char style[] =
    "body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:"
    "2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}"
    ".sup{color:#888}.rule{background:#f4f4f4;padding:.5em}svg.chart{display:block;margin:"
    ".5em 0 1.5em}";

static int write_page(FILE *f, const model_t *m)
{
    char title[CND_MAX_TEXT_LEN + 1], id[CND_MAX_NAME_LEN + 1];
    cnd_cstr(cnd_pack_title(m->pk, 0), title, sizeof title);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\"><title>",
          f);
    esc(f, title);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>", style);
    esc(f, title);
    fprintf(f,
            "</h1>\n<p>Survey <code>%s</code> version %u: <span data-k=\"n\">%zu</span> "
            "responses. Counts from 1 to %d (to %d for violence and sexual harm) are "
            "suppressed, shown as [c], and so are the other cells from which totals "
            "would give them back. Every respondent answered anonymously; nothing here "
            "identifies anyone.</p>\n",
            cnd_cstr(cnd_pack_survey_id(m->pk), id, sizeof id),
            (unsigned)cnd_pack_survey_version(m->pk), m->n, SMALL_CELL - 1,
            SMALL_CELL_VIOLENCE - 1);
    if (table_counts(f, m) != 0 || indicators_section(f, m) != 0 || icls_section(f, m) != 0 ||
        c189_section(f, m) != 0 || items_section(f, m) != 0 || quality_section(f, m) != 0)
        return -1;
    fputs("</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}

/* The page goes to a temp file beside the target, fsynced, then renamed. */
static int publish(const char *path, const char *text, size_t len, cnd_err_t *err)
{
    char *copy = strdup(path), *copy2 = strdup(path), tmp[4096] = "";
    int fd = -1, rc = -1;
    if (copy && copy2 &&
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp-XXXXXX", dirname(copy), basename(copy2)) <
            sizeof tmp)
        fd = mkstemp(tmp);
    if (fd < 0) {
        cnd_err_set(err, "cannot write %s: %s; choose a writable place", path, strerror(errno));
    } else if (cnd_write_all(fd, text, len) != 0 || cnd_os_fsync(fd) != 0) {
        cnd_err_set(err, "cannot write %s: %s; check free space", path, strerror(errno));
    } else if (close(fd) != 0 || cnd_os_replace(tmp, path) != 0) {
        fd = -1;
        cnd_err_set(err, "cannot write %s: %s", path, strerror(errno));
    } else {
        fd = -1;
        rc = 0;
        free(copy);
        copy = strdup(path);
        if (copy == NULL || cnd_os_fsync_dir(dirname(copy)) != 0) {
            cnd_err_set(err, "cannot fsync the directory of %s", path);
            unlink(path);
            rc = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    if (rc != 0 && tmp[0] != '\0')
        unlink(tmp);
    free(copy);
    free(copy2);
    return rc;
}

int cnd_cmd_report(int argc, char **argv)
{
    report_opts_t o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    cnd_err_t err = {{0}};
    cnd_dataset_t ds;
    model_t m;
    memset(&m, 0, sizeof m);
    char *page = NULL;
    size_t page_len = 0;
    FILE *f = NULL;
    rc = cnd_dataset_load(&ds, "report", o.store, o.keys, o.n_keys, o.passfile, 0, &err);
    if (rc != CND_EXIT_OK)
        goto out;
    rc = CND_EXIT_INPUT;
    if (cnd_dataset_pick_survey(&ds, o.survey, &m.pk, &err) != 0)
        goto out;
    if (m.pk == NULL) {
        cnd_err_set(&err, "the store holds no survey to report on");
        goto out;
    }
    rc = CND_EXIT_FAIL;
    m.ds = &ds;
    m.period = o.period;
    m.rows = malloc((ds.n + 1) * sizeof *m.rows);
    m.sig = calloc(ds.n + 1, sizeof *m.sig);
    if (m.rows == NULL || m.sig == NULL) {
        cnd_err_set(&err, "out of memory");
        goto out;
    }
    cnd_coding_of_pack(m.pk, &m.cd);
    for (size_t i = 0; i < ds.n; i++)
        if (cnd_same_survey(ds.pk[i], m.pk)) {
            for (uint16_t it = 0; it < cnd_pack_item_count(m.pk) && it < CND_MAX_ITEMS; it++)
                m.sig[m.n][it] = cnd_coding_signals(&m.cd, m.pk, it, &ds.r[i].answers[it]);
            m.rows[m.n++] = i;
        }
    if ((f = open_memstream(&page, &page_len)) == NULL || write_page(f, &m) != 0) {
        cnd_err_set(&err, "out of memory writing the report");
        goto out;
    }
    fclose(f);
    f = NULL;
    if (publish(o.out, page, page_len, &err) != 0)
        goto out;
    printf("report on %zu %s written to %s\n", m.n, cnd_plural(m.n, "response", "responses"),
           o.out);
    rc = cnd_dataset_refused_status(&ds, &err);
out:
    if (rc != CND_EXIT_OK)
        fprintf(stderr, "candor report: %s\n", err.msg);
    if (f)
        fclose(f);
    free(page);
    free(m.rows);
    free(m.sig);
    cnd_dataset_free(&ds);
    return rc;
}
