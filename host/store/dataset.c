/* dataset.c: see dataset.h. */
#include "dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <getopt.h>
#include <string.h>

#include "commands.h"
#include "officekey.h"
#include "unseal.h"

#include "mbedtls/platform_util.h"

#define EXPORT_EPOCH_DAYS 18262 /* 2020-01-01 as days since 1970-01-01 */

/* Proleptic Gregorian date of days since 1970-01-01 (H. Hinnant's
 * civil_from_days, the standard era-based formula). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* year and the week, month or quarter number of day. */
static void period_parts(uint16_t day, cnd_period_t period, int *y, int *n)
{
    long z = EXPORT_EPOCH_DAYS + (long)day;
    int m, d;
    if (period != CND_PERIOD_WEEK) {
        civil_from_days(z, y, &m, &d);
        *n = period == CND_PERIOD_MONTH ? m : (m + 2) / 3;
        return;
    }
    /* ISO 8601: a week belongs to the year of its Thursday. 1970-01-01 was
     * a Thursday, so (z + 3) mod 7 is 0 on Mondays. */
    long wd = ((z + 3) % 7 + 7) % 7;
    long thursday = z - wd + 3;
    civil_from_days(thursday, y, &m, &d);
    *n = (int)((thursday - days_from_civil(*y, 1, 1)) / 7 + 1);
}

void cnd_export_period(uint16_t day, cnd_period_t period, char *out, size_t cap)
{
    int y, n;
    period_parts(day, period, &y, &n);
    snprintf(out, cap,
             period == CND_PERIOD_WEEK    ? "%04d-W%02d"
             : period == CND_PERIOD_MONTH ? "%04d-%02d"
                                          : "%04d-Q%d",
             y, n);
}

int32_t cnd_export_period_code(uint16_t day, cnd_period_t period)
{
    int y, n;
    period_parts(day, period, &y, &n);
    return period == CND_PERIOD_QUARTER ? y * 10 + n : y * 100 + n;
}

const char *cnd_period_name(cnd_period_t p)
{
    return p == CND_PERIOD_WEEK ? "week" : p == CND_PERIOD_MONTH ? "month" : "quarter";
}

int cnd_period_parse(const char *s)
{
    return strcmp(s, "week") == 0      ? CND_PERIOD_WEEK
           : strcmp(s, "month") == 0   ? CND_PERIOD_MONTH
           : strcmp(s, "quarter") == 0 ? CND_PERIOD_QUARTER
                                       : -1;
}

void cnd_dataset_args_init(cnd_dataset_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->period = CND_PERIOD_MONTH;
}

int cnd_dataset_args_opt(cnd_dataset_args_t *a, const char *cmd, int c, const char *arg)
{
    int p;
    switch (c) {
    case 'o':
        a->out = arg;
        return 1;
    case 'k':
        if (a->n_keys == CND_DATASET_MAX_KEYS) {
            fprintf(stderr, "candor %s: more than %d --key options\n", cmd, CND_DATASET_MAX_KEYS);
            return -1;
        }
        a->keys[a->n_keys++] = arg;
        return 1;
    case 'P':
        a->passfile = arg;
        return 1;
    case 'p':
        if ((p = cnd_period_parse(arg)) < 0) {
            fprintf(stderr, "candor %s: unknown --period '%s'; use month, quarter or week\n", cmd,
                    arg);
            return -1;
        }
        a->period = (cnd_period_t)p;
        return 1;
    case 'V':
        a->survey = arg;
        return 1;
    default:
        return 0;
    }
}

int cnd_dataset_args_operands(cnd_dataset_args_t *a, const char *cmd, int argc, char **argv,
                              const char *noun, const char *usage)
{
    if (optind != argc - 1 || a->out == NULL) {
        fprintf(stderr, "candor %s: ", cmd);
        if (optind >= argc)
            fprintf(stderr, "no %s given", noun);
        else if (optind < argc - 1)
            fprintf(stderr, "more than one %s given", noun);
        else
            fprintf(stderr, "no output file given (-o FILE)");
        fprintf(stderr, "; usage: %s\n", usage);
        return -1;
    }
    a->store = argv[optind];
    return 0;
}

int cnd_dataset_args_keys(cnd_dataset_args_t *a, const char *cmd, const char *hint)
{
    const char *env = getenv("CANDOR_KEY");
    if (a->n_keys == 0 && env != NULL && env[0] != '\0')
        a->keys[a->n_keys++] = env;
    if (a->n_keys == 0) {
        fprintf(stderr, "candor %s: no office key; pass --key FILE%s or set CANDOR_KEY\n", cmd,
                hint);
        return -1;
    }
    return 0;
}

static int opened_fn(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                     const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    cnd_dataset_t *d = ctx;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        cnd_response_t *nr = realloc(d->r, cap * sizeof *nr);
        if (nr == NULL)
            return -1;
        d->r = nr;
        const cnd_pack_t **np = realloc(d->pk, cap * sizeof *np);
        if (np == NULL)
            return -1;
        d->pk = np;
        if (d->want_dev) {
            uint8_t(*nd)[CND_DEVICE_ID_LEN] = realloc(d->dev, cap * sizeof *nd);
            if (nd == NULL)
                return -1;
            d->dev = nd;
        }
        d->cap = cap;
    }
    d->r[d->n] = *r;
    d->pk[d->n] = pk;
    if (d->want_dev)
        memcpy(d->dev[d->n], device_id, CND_DEVICE_ID_LEN);
    d->n++;
    return 0;
}

/* Responses left out are named by id (the first CND_DATASET_NAMED_MAX of
 * them) after the walk: the analyst must know, and candor check --key
 * moves them away. When none opened the key is wrong, not the data, and
 * one line says so instead of a line per response. */
static void refused_fn(void *ctx, const cnd_sealed_t *s, const char *why)
{
    cnd_dataset_t *d = ctx;
    char hex[2 * CND_RESPONSE_ID_LEN + 1];
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", s->id[i]);
    if (d->refused == 0)
        snprintf(d->first_why, sizeof d->first_why, "%s", why);
    if (d->refused < CND_DATASET_NAMED_MAX)
        snprintf(d->named[d->refused], sizeof d->named[0],
                 "candor %s: response %s %s; not exported", d->cmd, hex, why);
    d->refused++;
}

int cnd_dataset_load(cnd_dataset_t *d, const char *cmd, const char *store, const char *const *keys,
                     int n_keys, const char *passfile, int want_dev, cnd_err_t *err)
{
    cnd_office_key_t k[CND_DATASET_MAX_KEYS];
    uint8_t privs[CND_DATASET_MAX_KEYS][CND_X25519_LEN];
    int have = 0, rc = CND_EXIT_FAIL;
    memset(d, 0, sizeof *d);
    d->cmd = cmd;
    d->want_dev = want_dev;
    cnd_status_t st = cnd_hoststore_open(store, 0, &d->hs, err);
    if (st != CND_OK)
        return st == CND_E_BUSY || st == CND_E_IO ? CND_EXIT_FAIL : CND_EXIT_INPUT;
    if (n_keys > CND_DATASET_MAX_KEYS)
        n_keys = CND_DATASET_MAX_KEYS;
    for (; have < n_keys; have++) {
        if (cnd_key_load(keys[have], passfile, &k[have], err->msg, sizeof err->msg) != 0) {
            rc = CND_EXIT_INPUT;
            goto out;
        }
        memcpy(privs[have], cnd_key_x25519_secret(&k[have]), CND_X25519_LEN);
    }
    int r = cnd_unseal_store_keys(d->hs, (const uint8_t(*)[CND_X25519_LEN])privs, (size_t)n_keys,
                                  opened_fn, refused_fn, d, err);
    if (r != 0) {
        if (r < 0)
            cnd_err_set(err, "out of memory collecting responses from %s", store);
        rc = r < 0 ? CND_EXIT_FAIL : CND_EXIT_INPUT;
        goto out;
    }
    if (d->n == 0 && d->refused > 0) {
        /* Nothing opened: a wrong key, not damage. An empty output would
         * replace a good earlier one, so the caller writes nothing. */
        cnd_err_set(err,
                    "the key%s given open%s none of the %zu stored responses (%s); check --key; "
                    "nothing written, any earlier output left as it was",
                    n_keys > 1 ? "s" : "", n_keys > 1 ? "" : "s", d->refused, d->first_why);
        rc = CND_EXIT_INPUT;
        goto out;
    }
    rc = CND_EXIT_OK;
out:
    for (int i = 0; i < have; i++)
        cnd_key_wipe(&k[i]);
    mbedtls_platform_zeroize(privs, sizeof privs);
    return rc;
}

void cnd_dataset_free(cnd_dataset_t *d)
{
    if (d->dev != NULL)
        mbedtls_platform_zeroize(d->dev, d->cap * sizeof *d->dev);
    if (d->r != NULL)
        mbedtls_platform_zeroize(d->r, d->cap * sizeof *d->r);
    free(d->r);
    free(d->pk);
    free(d->dev);
    cnd_hoststore_close(d->hs);
    memset(d, 0, sizeof *d);
}

const char *cnd_cstr(cnd_str_t s, char *buf, size_t cap)
{
    size_t n = s.len < cap ? s.len : cap - 1;
    if (n > 0)
        memcpy(buf, s.ptr, n);
    buf[n] = '\0';
    return buf;
}

static int survey_matches(const cnd_pack_t *pk, const char *want)
{
    char id[CND_MAX_NAME_LEN + 1];
    cnd_cstr(cnd_pack_survey_id(pk), id, sizeof id);
    const char *colon = strchr(want, ':');
    size_t idlen = colon ? (size_t)(colon - want) : strlen(want);
    if (strlen(id) != idlen || memcmp(id, want, idlen) != 0)
        return 0;
    return colon == NULL || strtol(colon + 1, NULL, 10) == (long)cnd_pack_survey_version(pk);
}

int cnd_same_survey(const cnd_pack_t *a, const cnd_pack_t *b)
{
    cnd_str_t x = cnd_pack_survey_id(a), y = cnd_pack_survey_id(b);
    return a == b || (cnd_pack_survey_version(a) == cnd_pack_survey_version(b) && x.len == y.len &&
                      memcmp(x.ptr, y.ptr, x.len) == 0);
}

/* Flat formats hold one survey: the one asked for, or the only one. */
int cnd_dataset_pick_survey(const cnd_dataset_t *ds, const char *want, const cnd_pack_t **out,
                            cnd_err_t *err)
{
    const cnd_pack_t *one = NULL;
    char id[CND_MAX_NAME_LEN + 1], list[512] = "";
    for (size_t i = 0; i < ds->n; i++) {
        const cnd_pack_t *pk = ds->pk[i];
        if (want != NULL && !survey_matches(pk, want))
            continue;
        if (one != NULL && !cnd_same_survey(pk, one)) {
            for (size_t j = 0; j < cnd_hoststore_pack_count(ds->hs); j++) {
                const cnd_pack_t *q = cnd_hoststore_pack_at(ds->hs, j);
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s:%u", l ? ", " : "",
                         cnd_cstr(cnd_pack_survey_id(q), id, sizeof id),
                         (unsigned)cnd_pack_survey_version(q));
            }
            cnd_err_set(err,
                        "the store holds responses of several surveys (%s); a flat file holds "
                        "one: pass --survey ID:VERSION",
                        list);
            return -1;
        }
        if (one == NULL)
            one = pk;
    }
    /* No responses yet: the columns still come from the stored survey. */
    for (size_t j = 0; one == NULL && j < cnd_hoststore_pack_count(ds->hs); j++) {
        const cnd_pack_t *q = cnd_hoststore_pack_at(ds->hs, j);
        if (want == NULL ? cnd_hoststore_pack_count(ds->hs) == 1 : survey_matches(q, want))
            one = q;
    }
    if (one == NULL && want != NULL) {
        cnd_err_set(err, "no survey '%s' in the store", want);
        return -1;
    }
    *out = one;
    return 0;
}

int cnd_dataset_refused_status(const cnd_dataset_t *d, cnd_err_t *err)
{
    if (d->refused == 0)
        return CND_EXIT_OK;
    for (size_t k = 0; k < d->refused && k < CND_DATASET_NAMED_MAX; k++)
        fprintf(stderr, "%s\n", d->named[k]);
    cnd_err_set(err,
                "%zu %s failed authentication and %s left out (%s named above); "
                "candor check STORE --key KEY moves %s to quarantine/",
                d->refused, cnd_plural(d->refused, "response", "responses"),
                d->refused == 1 ? "was" : "were",
                d->refused > CND_DATASET_NAMED_MAX ? "the first 20"
                : d->refused == 1                  ? "it is"
                                                   : "each",
                d->refused == 1 ? "it" : "them");
    return CND_EXIT_INPUT;
}
