/*
 * export.c: `candor export` (formats/SPEC.md section 9). See export.h.
 *
 * Owns: the record and codebook JSON shapes, the week/month coarsening of
 * days, the shuffle, the per-export device pseudonyms, the report of
 * responses that fail authentication, and the all-or-nothing write of both
 * output files. Opening the sealed responses is unseal.c's.
 * Never: writes a device id, an exact day or the stored order; exports a
 * response that failed authentication; leaves a partial file behind on any
 * error.
 * RAM: host only; see export.h. Records are printed by recjson.c straight
 * into one buffer (no JSON tree per response: building and freeing one
 * cost more than opening the seal).
 */
#include "export.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "commands.h"
#include "hosterr.h"
#include "hoststore.h"
#include "officekey.h"
#include "recjson.h"
#include "unseal.h"

#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

#define EXPORT_EPOCH_DAYS 18262 /* 2020-01-01 as days since 1970-01-01 */

/* ------------------------------------------------------------ periods -- */

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

void cnd_export_period(uint16_t day, cnd_period_t period, char *out, size_t cap)
{
    long z = EXPORT_EPOCH_DAYS + (long)day;
    int y, m, d;
    if (period == CND_PERIOD_MONTH) {
        civil_from_days(z, &y, &m, &d);
        snprintf(out, cap, "%04d-%02d", y, m);
        return;
    }
    /* ISO 8601: a week belongs to the year of its Thursday. 1970-01-01 was
     * a Thursday, so (z + 3) mod 7 is 0 on Mondays. */
    long wd = ((z + 3) % 7 + 7) % 7;
    long thursday = z - wd + 3;
    civil_from_days(thursday, &y, &m, &d);
    long week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
    snprintf(out, cap, "%04d-W%02ld", y, week);
}

/* ----------------------------------------------------------- json help -- */

/* Pack strings are not NUL-terminated; cJSON wants C strings. */
static const char *cstr(cnd_str_t s, char *buf, size_t cap)
{
    size_t n = s.len < cap ? s.len : cap - 1;
    if (n > 0)
        memcpy(buf, s.ptr, n);
    buf[n] = '\0';
    return buf;
}

static cJSON *json_str(cnd_str_t s)
{
    char buf[CND_MAX_TEXT_LEN + 1];
    return cJSON_CreateString(cstr(s, buf, sizeof buf));
}

/* Adds item under key; on any failure frees item and clears *ok, so the
 * builders can chain adds and check once. */
static void add(cJSON *obj, const char *key, cJSON *item, int *ok)
{
    if (item == NULL || obj == NULL || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        *ok = 0;
    }
}

static void push(cJSON *arr, cJSON *item, int *ok)
{
    if (item == NULL || arr == NULL || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *ok = 0;
    }
}

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case CND_ITEM_SINGLE:
        return "single";
    case CND_ITEM_MULTI:
        return "multiple";
    case CND_ITEM_YESNO:
        return "yesno";
    case CND_ITEM_INTEGER:
        return "integer";
    default:
        return "info";
    }
}

/* ------------------------------------------------------------ records -- */

/* Records are printed by recjson.c straight into one arena, in the order
 * they are opened; only their start offsets are shuffled. */
typedef struct {
    cnd_period_t period;
    int pseudonyms;
    uint8_t pseudo_key[32]; /* random per export: pseudonyms never link two exports */
    cnd_buf_t text;         /* every record, back to back */
    size_t *start;          /* record i is text[start[i] .. start[i + 1]) */
    size_t n, cap;
    size_t refused;
    cnd_recjson_t **packs;  /* fragments of each pack seen, made once */
    size_t n_packs;
    /* Responses of one epoch come one after another and share a device:
     * its pseudonym is computed once per run of them. */
    uint8_t last_dev[CND_DEVICE_ID_LEN];
    char dev[16];
    int have_dev;
    char (*periods)[16];    /* day -> period text, filled on first use */
} collect_t;

/* A per-export device pseudonym: HMAC-SHA256 under a key drawn for this
 * export only, truncated to 48 bits. Records of one device share it within
 * this export; nothing links it to the device id or to another export. */
static void pseudonym(const collect_t *c, const uint8_t id[CND_DEVICE_ID_LEN], char out[16])
{
    uint8_t mac[32];
    out[0] = 'd';
    out[1] = '-';
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), c->pseudo_key,
                        sizeof c->pseudo_key, id, CND_DEVICE_ID_LEN, mac) != 0)
        memset(mac, 0, sizeof mac);
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", mac[i]);
    mbedtls_platform_zeroize(mac, sizeof mac);
}

static const cnd_recjson_t *fragments_of(collect_t *c, const cnd_pack_t *pk)
{
    for (size_t i = 0; i < c->n_packs; i++)
        if (cnd_recjson_pack(c->packs[i]) == pk)
            return c->packs[i];
    cnd_recjson_t **t = realloc(c->packs, (c->n_packs + 1) * sizeof *t);
    if (t == NULL)
        return NULL;
    c->packs = t;
    if ((t[c->n_packs] = cnd_recjson_new(pk)) == NULL)
        return NULL;
    return t[c->n_packs++];
}

static int collect_fn(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                      const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    collect_t *c = ctx;
    if (c->n + 1 >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        size_t *t = realloc(c->start, cap * sizeof *t);
        if (t == NULL)
            return -1;
        c->start = t;
        c->cap = cap;
        if (c->n == 0)
            c->start[0] = 0;
    }
    if (c->periods == NULL && (c->periods = calloc(65536, sizeof *c->periods)) == NULL)
        return -1;
    if (c->periods[r->day][0] == '\0')
        cnd_export_period(r->day, c->period, c->periods[r->day], sizeof c->periods[r->day]);
    if (c->pseudonyms && (!c->have_dev || memcmp(c->last_dev, device_id, CND_DEVICE_ID_LEN))) {
        pseudonym(c, device_id, c->dev);
        memcpy(c->last_dev, device_id, CND_DEVICE_ID_LEN);
        c->have_dev = 1;
    }
    const cnd_recjson_t *rj = fragments_of(c, pk);
    if (rj == NULL || cnd_recjson_write(rj, r, c->periods[r->day], c->pseudonyms ? c->dev : NULL,
                                        &c->text) != 0)
        return -1;
    c->start[++c->n] = c->text.len;
    return 0;
}

/* One line per response left out, by id: the analyst must know. */
static void refused_fn(void *ctx, const cnd_sealed_t *s, const char *why)
{
    collect_t *c = ctx;
    char hex[2 * CND_RESPONSE_ID_LEN + 1];
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", s->id[i]);
    fprintf(stderr, "candor export: response %s %s; not exported\n", hex, why);
    c->refused++;
}

static void collect_free(collect_t *c)
{
    mbedtls_platform_zeroize(c->pseudo_key, sizeof c->pseudo_key);
    mbedtls_platform_zeroize(c->last_dev, sizeof c->last_dev);
    for (size_t i = 0; i < c->n_packs; i++)
        cnd_recjson_free(c->packs[i]);
    free(c->packs);
    free(c->periods);
    free(c->start);
    cnd_buf_free(&c->text);
}

/* Uniform Fisher-Yates. Every index comes straight from getrandom() with
 * rejection sampling (no modulo bias, no home-made generator), so the
 * output order carries nothing of the stored or collected order. */
static int shuffle(size_t *a, size_t n)
{
    uint64_t pool[256];
    size_t left = 0;
    for (size_t i = n; i > 1; i--) {
        uint64_t bound = i, x;
        uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
        do {
            if (left == 0) {
                size_t got = 0;
                while (got < sizeof pool) {
                    ssize_t g = getrandom((uint8_t *)pool + got, sizeof pool - got, 0);
                    if (g < 0 && errno != EINTR)
                        return -1;
                    if (g > 0)
                        got += (size_t)g;
                }
                left = sizeof pool / sizeof pool[0];
            }
            x = pool[--left];
        } while (x < threshold);
        size_t j = (size_t)(x % bound);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
    return 0;
}

/* ----------------------------------------------------------- codebook -- */

static cJSON *labels_json(const cnd_pack_t *pk, cnd_str_t (*get)(const cnd_pack_t *, uint16_t,
                                                                   uint8_t),
                          uint16_t item, int *ok)
{
    char code[CND_LANG_CODE_LEN + 1];
    cJSON *o = cJSON_CreateObject();
    for (uint8_t l = 0; l < cnd_pack_lang_count(pk); l++)
        add(o, cstr(cnd_pack_lang_code(pk, l), code, sizeof code), json_str(get(pk, item, l)), ok);
    return o;
}

static cnd_str_t title_of(const cnd_pack_t *pk, uint16_t item, uint8_t lang)
{
    (void)item;
    return cnd_pack_title(pk, lang);
}

static cJSON *choices_json(const cnd_pack_t *pk, uint16_t item, const cnd_item_t *it, int *ok,
                           cnd_err_t *err)
{
    char code[CND_LANG_CODE_LEN + 1];
    char name[CND_MAX_TEXT_LEN + 1];
    cJSON *arr = cJSON_CreateArray();
    for (uint8_t c = 0; c < it->n_choices; c++) {
        cstr(cnd_pack_choice_name(pk, item, c), name, sizeof name);
        if (strcmp(name, CND_EXPORT_PNA) == 0) {
            char item_name[CND_MAX_NAME_LEN + 1];
            cnd_err_set(err,
                        "item %s has a choice named %s, which export reserves for \"prefer not "
                        "to answer\"; rename the choice in the survey source",
                        cstr(it->name, item_name, sizeof item_name), CND_EXPORT_PNA);
            *ok = 0;
            break;
        }
        cJSON *ch = cJSON_CreateObject();
        cJSON *labels = cJSON_CreateObject();
        add(ch, "name", cJSON_CreateString(name), ok);
        for (uint8_t l = 0; l < cnd_pack_lang_count(pk); l++) {
            cnd_str_t lab = cnd_pack_choice_label(pk, item, c, l);
            /* Yes/no labels may live only in the pack's interface strings. */
            if (lab.len == 0 && it->kind == CND_ITEM_YESNO)
                lab = cnd_pack_ui(pk, l, c ? CND_UI_YES : CND_UI_NO);
            add(labels, cstr(cnd_pack_lang_code(pk, l), code, sizeof code), json_str(lab), ok);
        }
        add(ch, "labels", labels, ok);
        if (it->kind == CND_ITEM_MULTI) /* ticked alone (SPEC 1.4) */
            add(ch, "exclusive", cJSON_CreateBool((it->exclusive >> c) & 1u), ok);
        push(arr, ch, ok);
    }
    return arr;
}

static cJSON *item_json(const cnd_pack_t *pk, uint16_t i, int *ok, cnd_err_t *err)
{
    char buf[CND_MAX_TEXT_LEN + 1];
    cnd_item_t it;
    if (cnd_pack_item(pk, i, &it) != CND_OK) {
        *ok = 0;
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    add(o, "name", cJSON_CreateString(cstr(it.name, buf, sizeof buf)), ok);
    add(o, "kind", cJSON_CreateString(kind_name(it.kind)), ok);
    add(o, "exported", cJSON_CreateBool(it.kind != CND_ITEM_INFO), ok);
    add(o, "labels", labels_json(pk, cnd_pack_item_label, i, ok), ok);
    add(o, "hints", labels_json(pk, cnd_pack_item_hint, i, ok), ok);
    if (it.kind == CND_ITEM_SINGLE || it.kind == CND_ITEM_MULTI || it.kind == CND_ITEM_YESNO)
        add(o, "choices", choices_json(pk, i, &it, ok, err), ok);
    if (it.kind == CND_ITEM_INTEGER) {
        add(o, "min", cJSON_CreateNumber(it.min), ok);
        add(o, "max", cJSON_CreateNumber(it.max), ok);
    }
    cJSON *tags = cJSON_CreateArray();
    for (uint8_t t = 0; t < it.n_tags; t++)
        push(tags, json_str(cnd_pack_item_tag(pk, i, t)), ok);
    add(o, "tags", tags, ok);
    cnd_str_t rel = cnd_pack_item_relevance_src(pk, i);
    add(o, "relevance", rel.len ? json_str(rel) : cJSON_CreateNull(), ok);
    add(o, "prefer_not_to_answer", cJSON_CreateBool(it.kind != CND_ITEM_INFO &&
                                                    (it.flags & CND_ITEM_F_PNA) != 0),
        ok);
    return o;
}

static cJSON *survey_json(const cnd_pack_t *pk, int *ok, cnd_err_t *err)
{
    char buf[CND_MAX_TEXT_LEN + 1];
    cJSON *o = cJSON_CreateObject();
    add(o, "survey", json_str(cnd_pack_survey_id(pk)), ok);
    add(o, "survey_version", cJSON_CreateNumber(cnd_pack_survey_version(pk)), ok);
    cJSON *langs = cJSON_CreateArray();
    for (uint8_t l = 0; l < cnd_pack_lang_count(pk); l++) {
        cJSON *lo = cJSON_CreateObject();
        add(lo, "code", cJSON_CreateString(cstr(cnd_pack_lang_code(pk, l), buf, sizeof buf)), ok);
        add(lo, "name", json_str(cnd_pack_lang_name(pk, l)), ok);
        push(langs, lo, ok);
    }
    add(o, "languages", langs, ok);
    add(o, "title", labels_json(pk, title_of, 0, ok), ok);
    /* A draft pack (candor compile --draft) is for testing: every record of
     * this survey version is marked by it. */
    add(o, "draft", cJSON_CreateBool(cnd_pack_is_draft(pk)), ok);
    if (cnd_pack_is_draft(pk))
        add(o, "draft_note",
            cJSON_CreateString("DRAFT: not for fieldwork. The pack was compiled with --draft "
                               "(placeholder consent or referral text); its responses are test "
                               "data, not survey results."),
            ok);
    /* Who took part: respondents for whom the rule was false ended the
     * interview with nothing stored, so no record is from outside it. */
    cnd_str_t elig = cnd_pack_eligibility_src(pk);
    add(o, "eligibility", elig.len ? json_str(elig) : cJSON_CreateNull(), ok);
    if (elig.len)
        add(o, "eligibility_note",
            cJSON_CreateString("Only respondents for whom this rule held took part; when it "
                               "failed the interview ended on a kind screen and the referral, "
                               "and nothing was stored."),
            ok);
    cJSON *items = cJSON_CreateArray();
    for (uint16_t i = 0; *ok && i < cnd_pack_item_count(pk); i++)
        push(items, item_json(pk, i, ok, err), ok);
    add(o, "items", items, ok);
    return o;
}

static cJSON *sentinels_json(int *ok)
{
    cJSON *o = cJSON_CreateObject();
    add(o, "prefer_not_to_answer", cJSON_CreateString(CND_EXPORT_PNA), ok);
    add(o, "not_asked", cJSON_CreateNull(), ok);
    return o;
}

/*
 * One entry per survey id + version. Two stored packs may share both (for
 * example when only interface wording changed); they merge when their
 * codebook entries are identical, and are refused otherwise, since records
 * name only survey and version and an analyst could not tell them apart.
 */
static cJSON *codebook_json(cnd_hoststore_t *hs, cnd_period_t period, const char *records_path,
                            size_t *n_surveys, cnd_err_t *err)
{
    int ok = 1;
    char *copy = strdup(records_path);
    cJSON *cb = cJSON_CreateObject();
    add(cb, "format", cJSON_CreateString("candor-codebook"), &ok);
    add(cb, "format_version", cJSON_CreateNumber(1), &ok);
    add(cb, "records_file", copy ? cJSON_CreateString(basename(copy)) : NULL, &ok);
    add(cb, "period", cJSON_CreateString(period == CND_PERIOD_MONTH ? "month" : "week"), &ok);
    add(cb, "sentinels", sentinels_json(&ok), &ok);
    free(copy);
    cJSON *surveys = cJSON_CreateArray();
    add(cb, "surveys", surveys, &ok);
    err->msg[0] = '\0';
    for (size_t i = 0; ok && i < cnd_hoststore_pack_count(hs); i++) {
        const cnd_pack_t *pk = cnd_hoststore_pack_at(hs, i);
        cJSON *entry = survey_json(pk, &ok, err);
        cJSON *same = NULL, *e;
        cJSON_ArrayForEach(e, surveys)
        {
            if (cJSON_Compare(cJSON_GetObjectItem(e, "survey"),
                              cJSON_GetObjectItem(entry, "survey"), 1) &&
                cJSON_Compare(cJSON_GetObjectItem(e, "survey_version"),
                              cJSON_GetObjectItem(entry, "survey_version"), 1))
                same = e;
        }
        if (ok && same != NULL && !cJSON_Compare(same, entry, 1)) {
            char id[CND_MAX_NAME_LEN + 1];
            cnd_err_set(err,
                        "two different survey packs in the store are both '%s' version %u; "
                        "give the changed survey a new version and push it again",
                        cstr(cnd_pack_survey_id(pk), id, sizeof id),
                        (unsigned)cnd_pack_survey_version(pk));
            ok = 0;
        }
        if (same != NULL || !ok)
            cJSON_Delete(entry);
        else
            push(surveys, entry, &ok);
    }
    if (!ok) {
        if (err->msg[0] == '\0')
            cnd_err_set(err, "out of memory building the codebook");
        cJSON_Delete(cb);
        return NULL;
    }
    *n_surveys = (size_t)cJSON_GetArraySize(surveys);
    return cb;
}

/* ------------------------------------------------------ atomic output -- */

typedef struct {
    const char *final;
    char tmp[4096];
    FILE *f;
    int renamed;
} outfile_t;

static char *dir_of(const char *path)
{
    char *copy = strdup(path);
    char *d = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    return d;
}

/* A temp file beside the target, so the final rename stays in one
 * filesystem and is atomic. */
static int out_open(outfile_t *o, const char *path, cnd_err_t *err)
{
    o->final = path;
    o->f = NULL;
    o->renamed = 0;
    o->tmp[0] = '\0';
    char *dir = dir_of(path);
    char *copy = strdup(path);
    int fd = -1;
    if (dir && copy &&
        (size_t)snprintf(o->tmp, sizeof o->tmp, "%s/.%s.tmp-XXXXXX", dir, basename(copy)) <
            sizeof o->tmp)
        fd = mkstemp(o->tmp);
    int e = errno;
    free(dir);
    free(copy);
    if (fd < 0) {
        o->tmp[0] = '\0';
        cnd_err_set(err, "cannot write %s: %s; choose a writable place", path, strerror(e));
        return -1;
    }
    if ((o->f = fdopen(fd, "w")) == NULL) {
        close(fd);
        unlink(o->tmp);
        o->tmp[0] = '\0';
        cnd_err_set(err, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int out_finish(outfile_t *o, cnd_err_t *err)
{
    int bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    int e = errno;
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (bad) {
        cnd_err_set(err, "cannot write %s: %s; check free space", o->final, strerror(e));
        return -1;
    }
    return 0;
}

static void out_discard(outfile_t *o)
{
    if (o->f != NULL)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0] != '\0' && !o->renamed)
        unlink(o->tmp);
    o->tmp[0] = '\0';
}

static int fsync_parent(const char *path)
{
    char *dir = dir_of(path);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

/* Both temps are complete and fsynced; now publish both, or neither. */
static int publish(outfile_t *cb, outfile_t *recs, cnd_err_t *err)
{
    if (rename(cb->tmp, cb->final) != 0) {
        cnd_err_set(err, "cannot write %s: %s", cb->final, strerror(errno));
        return -1;
    }
    cb->renamed = 1;
    if (rename(recs->tmp, recs->final) != 0) {
        cnd_err_set(err, "cannot write %s: %s", recs->final, strerror(errno));
        unlink(cb->final);
        return -1;
    }
    recs->renamed = 1;
    if (fsync_parent(cb->final) != 0 || fsync_parent(recs->final) != 0) {
        cnd_err_set(err, "cannot fsync the directory of %s: %s", recs->final, strerror(errno));
        return -1;
    }
    return 0;
}

/* Records in the shuffled order: order[k] is the k-th record written. */
static void write_records(FILE *f, const collect_t *c, const size_t *order, int ndjson)
{
    if (!ndjson)
        fputs(c->n == 0 ? "[]\n" : "[\n", f);
    for (size_t k = 0; k < c->n; k++) {
        size_t i = order[k];
        fwrite(c->text.p + c->start[i], 1, c->start[i + 1] - c->start[i], f);
        fputs(ndjson || k + 1 == c->n ? "\n" : ",\n", f);
    }
    if (!ndjson && c->n > 0)
        fputs("]\n", f);
}

/* -------------------------------------------------------------- command -- */

typedef struct {
    const char *store;
    const char *out;
    const char *codebook;
    int ndjson;
    cnd_period_t period;
#define EXPORT_MAX_KEYS 8
    const char *keys[EXPORT_MAX_KEYS]; /* --key (repeatable: rotated keys), else $CANDOR_KEY */
    int n_keys;
    const char *passfile;  /* --passphrase-file */
    int pseudonyms;        /* --device-pseudonyms */
} export_opts_t;

static void usage(FILE *f)
{
    fputs("usage: candor export DIR -o FILE --key KEYFILE... [--passphrase-file F]\n"
          "                     [--format json|ndjson] [--codebook PATH] [--period week|month]\n"
          "                     [--device-pseudonyms]\n"
          "Opens every sealed response in the store DIR with the office key (default\n"
          "$CANDOR_KEY; repeat --key for keys rotated out, each epoch opens with the\n"
          "key it names) and writes them to FILE (a JSON array, or one object per line with\n"
          "--format ndjson) in random order, with the ISO week (default) or month instead\n"
          "of the day, and a codebook (default: FILE without .json/.ndjson plus\n"
          ".codebook.json) describing every item. --device-pseudonyms adds a \"device\"\n"
          "field valid within this export only. A response that fails authentication is\n"
          "named on stderr and left out, and the exit status is then 3.\n"
          "See formats/SPEC.md section 9.\n",
          f);
}

/* Returns -1 to continue, else the exit code. */
static int parse_args(int argc, char **argv, export_opts_t *o)
{
    static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"codebook", required_argument, NULL, 'c'},
                                          {"period", required_argument, NULL, 'p'},
                                          {"key", required_argument, NULL, 'k'},
                                          {"passphrase-file", required_argument, NULL, 'P'},
                                          {"device-pseudonyms", no_argument, NULL, 'D'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    optind = 0; /* glibc: full reset, so the command can run twice in one process */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 'c':
            o->codebook = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "ndjson") != 0) {
                fprintf(stderr, "candor export: unknown --format '%s'; use json or ndjson\n",
                        optarg);
                return CND_EXIT_USAGE;
            }
            o->ndjson = strcmp(optarg, "ndjson") == 0;
            break;
        case 'p':
            if (strcmp(optarg, "week") != 0 && strcmp(optarg, "month") != 0) {
                fprintf(stderr, "candor export: unknown --period '%s'; use week or month\n",
                        optarg);
                return CND_EXIT_USAGE;
            }
            o->period = strcmp(optarg, "month") == 0 ? CND_PERIOD_MONTH : CND_PERIOD_WEEK;
            break;
        case 'k':
            if (o->n_keys == EXPORT_MAX_KEYS) {
                fprintf(stderr, "candor export: more than %d --key options\n", EXPORT_MAX_KEYS);
                return CND_EXIT_USAGE;
            }
            o->keys[o->n_keys++] = optarg;
            break;
        case 'P':
            o->passfile = optarg;
            break;
        case 'D':
            o->pseudonyms = 1;
            break;
        case 'h':
            usage(stdout);
            return CND_EXIT_OK;
        default:
            fprintf(stderr, "candor export: bad option '%s'; see candor export --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || o->out == NULL) {
        fprintf(stderr, "candor export: %s; usage: candor export DIR -o FILE\n",
                optind >= argc ? "no store DIR given"
                : optind < argc - 1 ? "more than one store DIR given"
                                    : "no output file given (-o FILE)");
        return CND_EXIT_USAGE;
    }
    o->store = argv[optind];
    if (o->n_keys == 0 && getenv("CANDOR_KEY") != NULL && getenv("CANDOR_KEY")[0] != '\0')
        o->keys[o->n_keys++] = getenv("CANDOR_KEY");
    if (o->n_keys == 0) {
        fprintf(stderr, "candor export: no office key; pass --key FILE (the private key from "
                        "candor keygen) or set CANDOR_KEY\n");
        return CND_EXIT_USAGE;
    }
    return -1;
}

static char *default_codebook_path(const char *out)
{
    size_t n = strlen(out);
    if (n > 7 && strcmp(out + n - 7, ".ndjson") == 0)
        n -= 7;
    else if (n > 5 && strcmp(out + n - 5, ".json") == 0)
        n -= 5;
    char *p = malloc(n + sizeof ".codebook.json");
    if (p != NULL) {
        memcpy(p, out, n);
        memcpy(p + n, ".codebook.json", sizeof ".codebook.json");
    }
    return p;
}

#define EXPORT_IOBUF ((size_t)1 << 20)

static int write_outputs(const export_opts_t *o, const char *cb_path, cJSON *cb,
                         const collect_t *c, const size_t *order, cnd_err_t *err)
{
    outfile_t fr, fc;
    memset(&fr, 0, sizeof fr);
    memset(&fc, 0, sizeof fc);
    char *cb_text = cJSON_Print(cb);
    char *iobuf = malloc(EXPORT_IOBUF); /* must outlive fr.f */
    int rc = -1;
    if (cb_text == NULL) {
        cnd_err_set(err, "out of memory printing the codebook");
    } else if (out_open(&fr, o->out, err) == 0 && out_open(&fc, cb_path, err) == 0) {
        /* Tens of MB: big writes, not stdio's default 4 KiB ones (glibc
         * ignores the size unless it is given the buffer). */
        if (iobuf != NULL)
            setvbuf(fr.f, iobuf, _IOFBF, EXPORT_IOBUF);
        write_records(fr.f, c, order, o->ndjson);
        fprintf(fc.f, "%s\n", cb_text);
        if (out_finish(&fr, err) == 0 && out_finish(&fc, err) == 0 && publish(&fc, &fr, err) == 0)
            rc = 0;
    }
    if (rc != 0 && fr.renamed) {
        /* Published but the directory fsync failed: take both back, so an
         * error never leaves a file that may not survive a crash. */
        unlink(fr.final);
        unlink(fc.final);
    }
    out_discard(&fr);
    out_discard(&fc);
    free(iobuf);
    free(cb_text);
    return rc;
}

int cnd_cmd_export(int argc, char **argv)
{
    export_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char *cb_path = o.codebook ? strdup(o.codebook) : default_codebook_path(o.out);
    if (cb_path == NULL || strcmp(cb_path, o.out) == 0) {
        fprintf(stderr, "candor export: %s\n",
                cb_path ? "the codebook path equals the output path; choose another --codebook"
                        : "out of memory");
        free(cb_path);
        return CND_EXIT_USAGE;
    }
    cnd_err_t err = {{0}};
    cnd_hoststore_t *hs = NULL;
    collect_t c;
    memset(&c, 0, sizeof c);
    c.period = o.period;
    c.pseudonyms = o.pseudonyms;
    cnd_office_key_t keys[EXPORT_MAX_KEYS];
    uint8_t privs[EXPORT_MAX_KEYS][CND_X25519_LEN];
    int have_keys = 0;
    cJSON *cb = NULL;
    size_t n_surveys = 0;
    size_t *order = NULL;
    cnd_status_t st = cnd_hoststore_open(o.store, 0, &hs, &err);
    rc = CND_EXIT_FAIL;
    if (st != CND_OK) {
        rc = st == CND_E_BUSY || st == CND_E_IO ? CND_EXIT_FAIL : CND_EXIT_INPUT;
        goto out;
    }
    for (; have_keys < o.n_keys; have_keys++) {
        if (cnd_key_load(o.keys[have_keys], o.passfile, &keys[have_keys], err.msg,
                         sizeof err.msg) != 0) {
            rc = CND_EXIT_INPUT;
            goto out;
        }
        memcpy(privs[have_keys], cnd_key_x25519_secret(&keys[have_keys]), CND_X25519_LEN);
    }
    if (o.pseudonyms && getrandom(c.pseudo_key, sizeof c.pseudo_key, 0) != (ssize_t)sizeof c.pseudo_key) {
        cnd_err_set(&err, "cannot get random bytes for device pseudonyms: %s", strerror(errno));
        goto out;
    }
    int r = cnd_unseal_store_keys(hs, (const uint8_t(*)[CND_X25519_LEN])privs, (size_t)o.n_keys,
                                  collect_fn, refused_fn, &c, &err);
    if (r != 0) {
        if (r < 0)
            cnd_err_set(&err, "out of memory collecting responses from %s", o.store);
        rc = r < 0 ? CND_EXIT_FAIL : CND_EXIT_INPUT;
        goto out;
    }
    if ((cb = codebook_json(hs, o.period, o.out, &n_surveys, &err)) == NULL) {
        rc = CND_EXIT_INPUT;
        goto out;
    }
    if (c.n > 0 && (order = malloc(c.n * sizeof *order)) == NULL) {
        cnd_err_set(&err, "out of memory shuffling %zu records", c.n);
        goto out;
    }
    for (size_t k = 0; k < c.n; k++)
        order[k] = k;
    if (shuffle(order, c.n) != 0) {
        cnd_err_set(&err, "cannot get random numbers to shuffle the records: %s",
                    strerror(errno));
        goto out;
    }
    if (write_outputs(&o, cb_path, cb, &c, order, &err) != 0)
        goto out;
    printf("exported %zu %s (%zu %s) to %s; codebook %s\n", c.n,
           cnd_plural(c.n, "response", "responses"), n_surveys,
           cnd_plural(n_surveys, "survey", "surveys"), o.out, cb_path);
    rc = CND_EXIT_OK;
    if (c.refused > 0) {
        cnd_err_set(&err, "%zu %s failed authentication and %s left out (named above)",
                    c.refused, cnd_plural(c.refused, "response", "responses"),
                    c.refused == 1 ? "was" : "were");
        rc = CND_EXIT_INPUT;
    }
out:
    if (rc != CND_EXIT_OK)
        fprintf(stderr, "candor export: %s\n", err.msg);
    for (int k = 0; k < have_keys; k++)
        cnd_key_wipe(&keys[k]);
    mbedtls_platform_zeroize(privs, sizeof privs);
    collect_free(&c);
    free(order);
    cJSON_Delete(cb);
    cnd_hoststore_close(hs);
    free(cb_path);
    return rc;
}
