/* gen.c: see gen.h. */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "relevance.h"

uint64_t gen_rand64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rand01(uint64_t *state)
{
    return (double)(gen_rand64(state) >> 11) * (1.0 / 9007199254740992.0);
}

static double entropy_of(const double *p, size_t n)
{
    double h = 0;
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] > 0)
            h -= p[i] * log2(p[i]);
    return h;
}

/* Days since 2020-01-01 of a proleptic Gregorian date (civil-from-days inverse). */
static long days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 - 18262; /* 18262 = 2020-01-01 from 1970 */
}

static int choice_index(const cnd_pack_t *pk, uint16_t item, const cnd_item_t *it,
                        const char *name, size_t len)
{
    uint8_t c;
    for (c = 0; c < it->n_choices; c++) {
        cnd_str_t s = cnd_pack_choice_name(pk, item, c);
        if (s.len == len && memcmp(s.ptr, name, len) == 0)
            return c;
    }
    return -1;
}

/* Parses one outcome of item `item` into o; 0 on success. */
static int parse_outcome(const cnd_pack_t *pk, uint16_t item, const char *text, gen_outcome_t *o)
{
    cnd_item_t it;
    if (cnd_pack_item(pk, item, &it) != CND_OK)
        return -1;
    if (strcmp(text, "PNA") == 0) {
        if (!(it.flags & CND_ITEM_F_PNA))
            return -1;
        o->state = CND_ANS_PNA;
        o->value = 0;
        return 0;
    }
    o->state = CND_ANS_VALUE;
    if (it.kind == CND_ITEM_INTEGER) {
        char *end;
        long v = strtol(text, &end, 10);
        if (*end != '\0' || v < it.min || v > it.max)
            return -1;
        o->value = (int32_t)v;
        return 0;
    }
    if (it.kind == CND_ITEM_MULTI) {
        uint32_t mask = 0;
        const char *p = text;
        while (*p) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            int c = choice_index(pk, item, &it, p, len);
            if (c < 0)
                return -1;
            mask |= 1u << c;
            p += len + (plus ? 1 : 0);
        }
        o->value = (int32_t)mask;
        return mask && !cnd_pack_breaks_exclusive(&it, mask) ? 0 : -1;
    }
    {
        int c = choice_index(pk, item, &it, text, strlen(text));
        if (c < 0)
            return -1;
        o->value = c;
    }
    return 0;
}

int gen_load(gen_t *g, const cnd_pack_t *pk, const char *tsv_path, char *err, size_t err_cap)
{
    FILE *f = fopen(tsv_path, "r");
    char line[512];
    unsigned lineno = 0;
    uint16_t i;
    double lang_w[CND_MAX_LANGS] = {0}, sum;

    memset(g, 0, sizeof *g);
    g->pk = pk;
    g->n_items = cnd_pack_item_count(pk);
    if (f == NULL) {
        snprintf(err, err_cap, "cannot open %s", tsv_path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *a, *b, *c, *save = NULL;
        double w;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        a = strtok_r(line, "\t", &save);
        b = strtok_r(NULL, "\t", &save);
        c = strtok_r(NULL, "\t", &save);
        if (a == NULL || b == NULL || c == NULL) {
            snprintf(err, err_cap, "%s:%u: need three tab-separated fields", tsv_path, lineno);
            goto fail;
        }
        if (strcmp(a, "@day") == 0) {
            int y, m, d;
            if (strcmp(b, "start") == 0 && sscanf(c, "%d-%d-%d", &y, &m, &d) == 3)
                g->day_start = (uint16_t)days_from_civil(y, m, d);
            else if (strcmp(b, "span") == 0)
                g->day_span = (uint32_t)strtoul(c, NULL, 10);
            else {
                snprintf(err, err_cap, "%s:%u: unknown @day line", tsv_path, lineno);
                goto fail;
            }
            continue;
        }
        w = strtod(c, NULL);
        if (!(w > 0)) {
            snprintf(err, err_cap, "%s:%u: weight must be > 0", tsv_path, lineno);
            goto fail;
        }
        if (strcmp(a, "@lang") == 0) {
            uint8_t l;
            for (l = 0; l < cnd_pack_lang_count(pk); l++) {
                cnd_str_t code = cnd_pack_lang_code(pk, l);
                if (code.len == strlen(b) && memcmp(code.ptr, b, code.len) == 0)
                    break;
            }
            if (l == cnd_pack_lang_count(pk)) {
                snprintf(err, err_cap, "%s:%u: the pack has no language '%s'", tsv_path, lineno,
                         b);
                goto fail;
            }
            lang_w[l] += w;
            continue;
        }
        {
            int item = cnd_pack_find_item(pk, a, strlen(a));
            gen_item_t *gi;
            if (item < 0) {
                snprintf(err, err_cap, "%s:%u: the pack has no item '%s'", tsv_path, lineno, a);
                goto fail;
            }
            gi = &g->items[item];
            if (gi->n >= GEN_MAX_OUTCOMES) {
                snprintf(err, err_cap, "%s:%u: too many outcomes for '%s'", tsv_path, lineno, a);
                goto fail;
            }
            if (parse_outcome(pk, (uint16_t)item, b, &gi->out[gi->n]) != 0) {
                snprintf(err, err_cap, "%s:%u: '%s' is not an answer of item '%s'", tsv_path,
                         lineno, b, a);
                goto fail;
            }
            gi->out[gi->n++].weight = w;
        }
    }
    fclose(f);
    for (i = 0; i < g->n_items; i++) {
        cnd_item_t it;
        gen_item_t *gi = &g->items[i];
        double p[GEN_MAX_OUTCOMES];
        uint16_t k;
        (void)cnd_pack_item(pk, i, &it);
        if (it.kind == CND_ITEM_INFO)
            continue;
        if (gi->n == 0) {
            cnd_str_t s = it.name;
            snprintf(err, err_cap, "%s: item '%.*s' has no outcomes", tsv_path, (int)s.len, s.ptr);
            return -1;
        }
        for (sum = 0, k = 0; k < gi->n; k++)
            sum += gi->out[k].weight;
        for (k = 0; k < gi->n; k++)
            p[k] = gi->out[k].weight /= sum;
        gi->entropy_bits = entropy_of(p, gi->n);
    }
    for (sum = 0, i = 0; i < CND_MAX_LANGS; i++)
        sum += lang_w[i];
    if (!(sum > 0) || g->day_span == 0 || g->day_start == 0) {
        snprintf(err, err_cap, "%s: needs @lang, @day start and @day span lines", tsv_path);
        return -1;
    }
    for (i = 0; i < CND_MAX_LANGS; i++)
        g->lang_p[i] = lang_w[i] / sum;
    return 0;
fail:
    fclose(f);
    return -1;
}

static void draw_answers(gen_t *g, uint64_t *rng, cnd_response_t *r)
{
    uint16_t i;
    for (i = 0; i < g->n_items; i++) {
        cnd_item_t it;
        const gen_item_t *gi = &g->items[i];
        double u, acc = 0;
        uint16_t k;
        cnd_answer_t *a = &r->answers[i];
        a->state = CND_ANS_NONE;
        a->value = 0;
        (void)cnd_pack_item(g->pk, i, &it);
        if (gi->n == 0)
            continue;
        if (it.relevance_len > 0 && !cnd_relevance_eval(it.relevance, it.relevance_len,
                                                        r->answers, g->n_items))
            continue;
        u = rand01(rng);
        for (k = 0; k + 1 < gi->n; k++) {
            acc += gi->out[k].weight;
            if (u < acc)
                break;
        }
        a->state = gi->out[k].state;
        a->value = gi->out[k].value;
    }
}

void gen_start(gen_t *g, uint64_t seed, uint64_t n)
{
    uint64_t mc = seed ^ 0x5DEECE66Dull;
    uint32_t asked[CND_MAX_ITEMS] = {0};
    const uint32_t trials = 100000;
    cnd_response_t r;
    uint32_t t;
    uint16_t i;

    g->rng = seed;
    g->day = g->day_start;
    g->drawn = 0;
    g->p_next_day = n > g->day_span ? (double)g->day_span / (double)n : 1.0;
    memset(&r, 0, sizeof r);
    r.n_answers = (uint8_t)g->n_items;
    for (t = 0; t < trials; t++) {
        draw_answers(g, &mc, &r);
        for (i = 0; i < g->n_items; i++)
            asked[i] += r.answers[i].state != CND_ANS_NONE;
    }
    for (i = 0; i < g->n_items; i++) {
        cnd_item_t it;
        (void)cnd_pack_item(g->pk, i, &it);
        g->items[i].p_asked = it.relevance_len == 0 ? 1.0 : (double)asked[i] / trials;
    }
}

void gen_next(gen_t *g, cnd_response_t *r)
{
    uint64_t v;
    double u;
    uint8_t l, n_langs = cnd_pack_lang_count(g->pk);
    memset(r, 0, sizeof *r);
    v = gen_rand64(&g->rng);
    memcpy(r->id, &v, sizeof v);
    if (g->drawn > 0 && rand01(&g->rng) < g->p_next_day)
        g->day++;
    r->day = g->day;
    u = rand01(&g->rng);
    for (l = 0; l + 1 < n_langs; l++) {
        u -= g->lang_p[l];
        if (u < 0)
            break;
    }
    r->lang = l;
    r->pack_fp = g->pk->fingerprint;
    r->n_answers = (uint8_t)g->n_items;
    draw_answers(g, &g->rng, r);
    g->drawn++;
    if (cnd_response_check(r, g->pk) != CND_OK) {
        fprintf(stderr, "candor-workload: generated an invalid response (bug)\n");
        abort();
    }
}

void gen_entropy(const gen_t *g, gen_entropy_t *e)
{
    double p = g->p_next_day, pb[2] = {p, 1 - p};
    uint16_t i;
    memset(e, 0, sizeof *e);
    e->id_bits = 8.0 * CND_RESPONSE_ID_LEN;
    e->lang_bits = entropy_of(g->lang_p, CND_MAX_LANGS);
    e->day_bits = p < 1.0 ? entropy_of(pb, 2) : 0.0;
    for (i = 0; i < g->n_items; i++)
        e->answer_bits += g->items[i].p_asked * g->items[i].entropy_bits;
    e->total_bits = e->id_bits + e->lang_bits + e->day_bits + e->answer_bits;
}
