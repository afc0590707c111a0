/*
 * export.c: `candor export` (formats/SPEC.md section 9). See export.h.
 *
 * Owns: the codebook JSON, the plan of an export (which records, in which
 * shuffled order, with which ids and pseudonyms, which quasi-identifier
 * values suppressed), the JSON records, and the all-or-nothing write of
 * both output files. Opening the responses is dataset.c's, the flat files
 * flat.c's, the choice of suppressions disclose.c's.
 * Never: writes a device id, an exact day or the stored order; exports a
 * response that failed authentication; leaves a partial file behind on any
 * error.
 * RAM: host only; see export.h. JSON records are printed by recjson.c into
 * one reused buffer per record (no JSON tree per response).
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
#include <unistd.h>

#include "coding.h"
#include "commands.h"
#include "dataset.h"
#include "disclose.h"
#include "buildcaps.h"
#include "flat.h"
#include "hosterr.h"
#include "hoststore.h"
#include "officekey.h"
#include "osfile.h"
#include "recjson.h"
#include "unseal.h"

#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

/* ----------------------------------------------------------- json help -- */

static cJSON *json_str(cnd_str_t s)
{
    char buf[CND_MAX_TEXT_LEN + 1];
    return cJSON_CreateString(cnd_cstr(s, buf, sizeof buf));
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

/* A per-export pseudonym: HMAC-SHA256 under a key drawn for this export
 * only. Device pseudonyms (48 bits) and record ids (64 bits) are equal
 * within one export and unrelated to the device id, the response id and
 * every other export. */
static void keyed_hash(const uint8_t key[32], const uint8_t *in, size_t len, uint8_t *out,
                       size_t out_len)
{
    uint8_t mac[32];
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, 32, in, len, mac) != 0)
        memset(mac, 0, sizeof mac);
    memcpy(out, mac, out_len);
    mbedtls_platform_zeroize(mac, sizeof mac);
}

static void pseudonym(const uint8_t key[32], const uint8_t id[CND_DEVICE_ID_LEN], char out[16])
{
    uint8_t mac[6];
    keyed_hash(key, id, CND_DEVICE_ID_LEN, mac, sizeof mac);
    out[0] = 'd';
    out[1] = '-';
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 + 2 * i, 3, "%02x", mac[i]);
}

/* Uniform Fisher-Yates. Every index comes straight from the OS's random
 * source (cnd_os_random: getrandom, BCryptGenRandom) with
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
                if (cnd_os_random(pool, sizeof pool) != 0)
                    return -1;
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

static cJSON *labels_json(const cnd_pack_t *pk,
                          cnd_str_t (*get)(const cnd_pack_t *, uint16_t, uint8_t), uint16_t item,
                          int *ok)
{
    char code[CND_LANG_CODE_LEN + 1];
    cJSON *o = cJSON_CreateObject();
    for (uint8_t l = 0; l < cnd_pack_lang_count(pk); l++)
        add(o, cnd_cstr(cnd_pack_lang_code(pk, l), code, sizeof code), json_str(get(pk, item, l)),
            ok);
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
        cnd_cstr(cnd_pack_choice_name(pk, item, c), name, sizeof name);
        if (strcmp(name, CND_EXPORT_PNA) == 0) {
            char item_name[CND_MAX_NAME_LEN + 1];
            cnd_err_set(err,
                        "item %s has a choice named %s, which export reserves for \"prefer not "
                        "to answer\"; rename the choice in the survey source",
                        cnd_cstr(it->name, item_name, sizeof item_name), CND_EXPORT_PNA);
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
            add(labels, cnd_cstr(cnd_pack_lang_code(pk, l), code, sizeof code), json_str(lab), ok);
        }
        add(ch, "labels", labels, ok);
        if (it->kind == CND_ITEM_MULTI) /* ticked alone (SPEC 1.4) */
            add(ch, "exclusive", cJSON_CreateBool((it->exclusive >> c) & 1u), ok);
        push(arr, ch, ok);
    }
    return arr;
}

/* [{"answer": NAME | "min"/"max", "signals": [fixed names]}], one entry
 * per coded answer (docs/CODING.md). */
static cJSON *coding_json(const cnd_pack_t *pk, uint16_t i, const cnd_item_t *it, int *ok)
{
    static cnd_coding_t cd; /* host only; single-threaded command */
    char name[CND_MAX_TEXT_LEN + 1];
    cnd_coding_of_pack(pk, &cd);
    cJSON *arr = cJSON_CreateArray();
    if (it->kind == CND_ITEM_INTEGER) {
        for (uint8_t k = 0; k < cd.n[i]; k++) {
            cJSON *e = cJSON_CreateObject(), *sig = cJSON_CreateArray();
            add(e, "min", cJSON_CreateNumber(cd.rule[i][k].lo), ok);
            add(e, "max", cJSON_CreateNumber(cd.rule[i][k].hi), ok);
            push(sig, cJSON_CreateString(cnd_code_name(cd.rule[i][k].code)), ok);
            add(e, "signals", sig, ok);
            push(arr, e, ok);
        }
        return arr;
    }
    for (uint8_t c = 0; c < it->n_choices && c < 32; c++) {
        cnd_answer_t a = {CND_ANS_VALUE, it->kind == CND_ITEM_MULTI ? (int32_t)(1u << c) : c};
        uint16_t s = cnd_coding_signals(&cd, pk, i, &a);
        if (s == 0)
            continue;
        cJSON *e = cJSON_CreateObject(), *sig = cJSON_CreateArray();
        add(e, "answer",
            cJSON_CreateString(cnd_cstr(cnd_pack_choice_name(pk, i, c), name, sizeof name)), ok);
        for (int code = 0; code < CND_CODE_COUNT; code++)
            if (s >> code & 1)
                push(sig, cJSON_CreateString(cnd_code_name(code)), ok);
        add(e, "signals", sig, ok);
        push(arr, e, ok);
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
    add(o, "name", cJSON_CreateString(cnd_cstr(it.name, buf, sizeof buf)), ok);
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
    int qi = 0;
    for (uint8_t t = 0; t < it.n_tags; t++) {
        cnd_str_t tag = cnd_pack_item_tag(pk, i, t);
        qi |= tag.len == 2 && memcmp(tag.ptr, "QI", 2) == 0;
        if (!cnd_coding_is_tag(tag.ptr, tag.len)) /* shown as "coding" below */
            push(tags, json_str(tag), ok);
    }
    add(o, "tags", tags, ok);
    add(o, "coding", coding_json(pk, i, &it, ok), ok);
    add(o, "private", cJSON_CreateBool((it.flags & CND_ITEM_F_PRIVATE) != 0), ok);
    add(o, "quasi_identifier", cJSON_CreateBool(qi), ok);
    cnd_str_t rel = cnd_pack_item_relevance_src(pk, i);
    add(o, "relevance", rel.len ? json_str(rel) : cJSON_CreateNull(), ok);
    add(o, "prefer_not_to_answer",
        cJSON_CreateBool(it.kind != CND_ITEM_INFO && (it.flags & CND_ITEM_F_PNA) != 0), ok);
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
        add(lo, "code", cJSON_CreateString(cnd_cstr(cnd_pack_lang_code(pk, l), buf, sizeof buf)),
            ok);
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
    add(o, "suppressed", cJSON_CreateString(CND_EXPORT_SUPPRESSED), ok);
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
    add(cb, "period", cJSON_CreateString(cnd_period_name(period)), &ok);
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
                        cnd_cstr(cnd_pack_survey_id(pk), id, sizeof id),
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
    int bad = ferror(o->f) || fflush(o->f) != 0 || cnd_os_fsync(fileno(o->f)) != 0;
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
    int rc = dir != NULL ? cnd_os_fsync_dir(dir) : -1;
    free(dir);
    return rc;
}

/* Both temps are complete and fsynced; now publish both, or neither. */
static int publish(outfile_t *cb, outfile_t *recs, cnd_err_t *err)
{
    if (cnd_os_replace(cb->tmp, cb->final) != 0) {
        cnd_err_set(err, "cannot write %s: %s", cb->final, strerror(errno));
        return -1;
    }
    cb->renamed = 1;
    if (cnd_os_replace(recs->tmp, recs->final) != 0) {
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

/* Records in the shuffled order, suppressed values as "suppressed". */
static int write_json_records(FILE *f, const cnd_export_plan_t *p, int ndjson)
{
    cnd_buf_t b = {0};
    cnd_recjson_t **rj = NULL;
    const cnd_pack_t **seen = NULL;
    size_t n_rj = 0;
    int rc = 0;
    char period[16];
    if (!ndjson)
        fputs(p->n == 0 ? "[]\n" : "[\n", f);
    for (size_t k = 0; k < p->n && rc == 0; k++) {
        size_t i = p->sel[k];
        const cnd_pack_t *pk = p->ds->pk[i];
        size_t j = 0;
        while (j < n_rj && seen[j] != pk)
            j++;
        if (j == n_rj) {
            cnd_recjson_t **t = realloc(rj, (n_rj + 1) * sizeof *t);
            const cnd_pack_t **u = t ? realloc(seen, (n_rj + 1) * sizeof *u) : NULL;
            if (t)
                rj = t;
            if (u)
                seen = u;
            if (!t || !u || (rj[n_rj] = cnd_recjson_new(pk)) == NULL) {
                rc = -1;
                break;
            }
            seen[n_rj++] = pk;
        }
        cnd_response_t r = p->ds->r[i];
        memcpy(r.id, p->oid[k], CND_RESPONSE_ID_LEN);
        for (uint16_t it = 0; it < r.n_answers && it < 64; it++)
            if (p->supp[k] >> it & 1)
                r.answers[it].state = CND_ANS_SUPPRESSED;
        if (p->supp_meta[k] & CND_EXPORT_META_LANG)
            r.lang = CND_EXPORT_LANG_SUPPRESSED;
        if (p->supp_meta[k] & CND_EXPORT_META_PERIOD)
            snprintf(period, sizeof period, "%s", CND_EXPORT_SUPPRESSED);
        else
            cnd_export_period(r.day, p->period, period, sizeof period);
        b.len = 0;
        if (cnd_recjson_write(rj[j], &r, period, p->dev ? p->dev[k] : NULL, &b) != 0) {
            rc = -1;
            break;
        }
        mbedtls_platform_zeroize(&r, sizeof r);
        fwrite(b.p, 1, b.len, f);
        fputs(ndjson || k + 1 == p->n ? "\n" : ",\n", f);
    }
    if (!ndjson && p->n > 0)
        fputs("]\n", f);
    for (size_t j = 0; j < n_rj; j++)
        cnd_recjson_free(rj[j]);
    free(rj);
    free(seen);
    cnd_buf_free(&b);
    return rc;
}

/* -------------------------------------------------------------- command -- */

enum { FMT_JSON, FMT_NDJSON, FMT_CSV, FMT_SAV, FMT_DTA };
static const char *const format_names[] = {"json", "ndjson", "csv", "sav", "dta", NULL};

typedef struct {
    cnd_dataset_args_t d; /* STORE, -o, --key, --passphrase-file, --period, --survey */
    const char *codebook;
    int format;
    int pseudonyms;     /* --device-pseudonyms */
    unsigned k;         /* --k */
    int no_check;       /* --no-disclosure-check */
    int stable_ids;     /* --stable-ids */
    const char *labels; /* --labels LANG */
} export_opts_t;

static void usage(FILE *f)
{
    fputs("usage: candor export DIR -o FILE --key KEYFILE... [--passphrase-file F]\n"
          "                     [--format json|ndjson|csv|sav|dta] [--codebook PATH]\n"
          "                     [--period month|quarter|week] [--k N] [--no-disclosure-check]\n"
          "                     [--labels LANG] [--survey ID[:VERSION]] [--device-pseudonyms]\n"
          "                     [--stable-ids]\n"
          "Opens every sealed response in the store DIR with the office key (default\n"
          "$CANDOR_KEY; repeat --key for keys rotated out) and writes them to FILE in\n"
          "random order, with the month (default), quarter or ISO week instead of the\n"
          "day, and a codebook (default: FILE without its extension plus .codebook.json)\n"
          "describing every item, its indicator coding and the columns.\n"
          "json/ndjson: one object per response. csv/sav/dta: one row per response, one\n"
          "numeric column per item (0/1 per choice of a multiple item), labels in LANG\n"
          "(default the survey's first language); sav and dta are written by ReadStat.\n"
          "Before writing, every combination of the quasi-identifiers (items tagged QI,\n"
          "language, period) must be shared by at least k responses (default 5): the\n"
          "fewest values found are replaced by 'suppressed', and their number is\n"
          "printed. --no-disclosure-check skips that and says so in the codebook.\n"
          "Record ids and --device-pseudonyms are new in every export, so two exports\n"
          "cannot be joined; --stable-ids writes the responses' own ids instead (for\n"
          "merging incremental exports; it links every export made with it).\n"
          "A response that fails authentication is named on stderr and left out, and\n"
          "the exit status is then 3. See formats/SPEC.md section 9.\n",
          f);
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "candor export: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return CND_EXIT_USAGE;
}

/* Returns -1 to continue, else the exit code. */
static int parse_args(int argc, char **argv, export_opts_t *o)
{
    static const struct option longs[] = {CND_DATASET_LONG_OPTS,
                                          {"format", required_argument, NULL, 'f'},
                                          {"codebook", required_argument, NULL, 'c'},
                                          {"device-pseudonyms", no_argument, NULL, 'D'},
                                          {"k", required_argument, NULL, 'K'},
                                          {"no-disclosure-check", no_argument, NULL, 'N'},
                                          {"stable-ids", no_argument, NULL, 'S'},
                                          {"labels", required_argument, NULL, 'L'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    cnd_dataset_args_init(&o->d);
    o->k = 5;
    optind = 0; /* glibc: full reset, so the command can run twice in one process */
    opterr = 0;
    int c, f, taken;
    char *end;
    long kv;
    while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
        if ((taken = cnd_dataset_args_opt(&o->d, "export", c, optarg)) != 0) {
            if (taken < 0)
                return CND_EXIT_USAGE;
            continue;
        }
        switch (c) {
        case 'c':
            o->codebook = optarg;
            break;
        case 'f':
            for (f = 0; format_names[f] != NULL && strcmp(format_names[f], optarg) != 0; f++)
                ;
            if (format_names[f] == NULL)
                return bad("unknown --format '%s'; use json, ndjson, csv, sav or dta", optarg);
            o->format = f;
            break;
        case 'D':
            o->pseudonyms = 1;
            break;
        case 'K':
            errno = 0;
            kv = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno != 0 || kv < 2 || kv > 1000000)
                return bad("--k '%s' must be a whole number from 2 (k = 1 protects nobody; "
                           "use --no-disclosure-check to skip the check)",
                           optarg);
            o->k = (unsigned)kv;
            break;
        case 'N':
            o->no_check = 1;
            break;
        case 'S':
            o->stable_ids = 1;
            break;
        case 'L':
            o->labels = optarg;
            break;
        case 'h':
            usage(stdout);
            return CND_EXIT_OK;
        default:
            return bad("bad option '%s'; see candor export --help", argv[optind - 1]);
        }
    }
    if (cnd_dataset_args_operands(&o->d, "export", argc, argv, "store DIR",
                                  "candor export DIR -o FILE") != 0)
        return CND_EXIT_USAGE;
    /* before any file is opened: a build without ReadStat (buildcaps.h) */
    if (o->format >= FMT_SAV && cnd_feature_refuse("export", CND_FEATURE_READSTAT) != 0)
        return CND_EXIT_FAIL;
    if (o->labels != NULL && o->format < FMT_CSV)
        return bad("--labels %s is for --format csv, sav or dta (JSON carries every language)",
                   o->labels);
    if (cnd_dataset_args_keys(&o->d, "export", " (the private key from candor keygen)") != 0)
        return CND_EXIT_USAGE;
    return -1;
}

static char *default_codebook_path(const char *out)
{
    static const char *const exts[] = {".ndjson", ".json", ".csv", ".sav", ".dta", NULL};
    size_t n = strlen(out);
    for (int e = 0; exts[e] != NULL; e++) {
        size_t l = strlen(exts[e]);
        if (n > l && strcmp(out + n - l, exts[e]) == 0) {
            n -= l;
            break;
        }
    }
    char *p = malloc(n + sizeof ".codebook.json");
    if (p != NULL) {
        memcpy(p, out, n);
        memcpy(p + n, ".codebook.json", sizeof ".codebook.json");
    }
    return p;
}

#define EXPORT_IOBUF ((size_t)1 << 20)

static int write_outputs(const export_opts_t *o, const char *cb_path, cJSON *cb,
                         const cnd_export_plan_t *p, cnd_err_t *err)
{
    outfile_t fr, fc;
    memset(&fr, 0, sizeof fr);
    memset(&fc, 0, sizeof fc);
    char *iobuf = malloc(EXPORT_IOBUF); /* must outlive fr.f */
    char *cb_text = NULL;
    int rc = -1;
    if (out_open(&fr, o->d.out, err) == 0 && out_open(&fc, cb_path, err) == 0) {
        /* Tens of MB: big writes, not stdio's default 4 KiB ones (glibc
         * ignores the size unless it is given the buffer). */
        if (iobuf != NULL)
            setvbuf(fr.f, iobuf, _IOFBF, EXPORT_IOBUF);
        int w;
        if (o->format >= FMT_CSV) {
            cJSON *cols = NULL;
            w = cnd_flat_write(fr.f, (cnd_flat_format_t)(o->format - FMT_CSV), p, &cols, err);
            if (w == 0 && !cJSON_AddItemToObject(cb, "flat", cols)) {
                cJSON_Delete(cols);
                w = -1;
            }
        } else {
            w = write_json_records(fr.f, p, o->format == FMT_NDJSON);
        }
        if (w == 0 && (cb_text = cJSON_Print(cb)) != NULL) {
            fprintf(fc.f, "%s\n", cb_text);
            if (out_finish(&fr, err) == 0 && out_finish(&fc, err) == 0 &&
                publish(&fc, &fr, err) == 0)
                rc = 0;
        } else if (err->msg[0] == '\0') {
            cnd_err_set(err, "out of memory writing %s", o->d.out);
        }
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

/* ---------------------------------------------------------- the plan -- */

typedef struct {
    size_t *sel;
    uint64_t *supp;
    uint8_t *supp_meta;
    uint8_t (*oid)[8];
    char (*dev)[16];
    long suppressed;
    size_t smallest;
} plan_mem_t;

static void plan_free(plan_mem_t *m)
{
    free(m->sel);
    free(m->supp);
    free(m->supp_meta);
    if (m->oid)
        mbedtls_platform_zeroize(m->oid, sizeof *m->oid);
    free(m->oid);
    free(m->dev);
}

static int is_qi(const cnd_pack_t *pk, uint16_t item)
{
    cnd_item_t it;
    if (cnd_pack_item(pk, item, &it) != CND_OK || it.kind == CND_ITEM_INFO)
        return 0;
    for (uint8_t t = 0; t < it.n_tags; t++) {
        cnd_str_t tag = cnd_pack_item_tag(pk, item, t);
        if (tag.len == 2 && memcmp(tag.ptr, "QI", 2) == 0)
            return 1;
    }
    return 0;
}

/* k-anonymity over (QI items, language, period), one survey at a time. */
static int disclosure(const cnd_dataset_t *ds, const export_opts_t *o, plan_mem_t *m, size_t n,
                      cnd_err_t *err)
{
    m->suppressed = 0;
    m->smallest = n;
    uint8_t *done = calloc(n + 1, 1);
    size_t *rows = malloc((n + 1) * sizeof *rows);
    uint32_t *v = NULL;
    int rc = -1;
    if (done == NULL || rows == NULL)
        goto oom;
    for (size_t a = 0; a < n; a++) {
        if (done[a])
            continue;
        const cnd_pack_t *pk = ds->pk[m->sel[a]];
        uint16_t qi[CND_MAX_ITEMS];
        size_t nq = 0, nr = 0;
        for (uint16_t i = 0; i < cnd_pack_item_count(pk) && i < 64; i++)
            if (is_qi(pk, i))
                qi[nq++] = i;
        for (size_t b = a; b < n; b++)
            if (!done[b] && cnd_same_survey(ds->pk[m->sel[b]], pk)) {
                done[b] = 1;
                rows[nr++] = b;
            }
        size_t mc = nq + 2;
        free(v);
        if ((v = malloc(nr * mc * sizeof *v)) == NULL)
            goto oom;
        for (size_t r = 0; r < nr; r++) {
            const cnd_response_t *re = &ds->r[m->sel[rows[r]]];
            uint32_t *row = v + r * mc;
            for (size_t q = 0; q < nq; q++) {
                const cnd_answer_t *an = &re->answers[qi[q]];
                /* not asked and PNA are values of their own, apart from
                 * every answer */
                row[q] = an->state == CND_ANS_VALUE ? (uint32_t)an->value & 0x7fffffffu
                                                    : 0x80000000u + an->state;
            }
            row[nq] = re->lang;
            row[nq + 1] = (uint32_t)cnd_export_period_code(re->day, o->d.period);
        }
        int oom = 0;
        long s = cnd_disclose_suppress(v, nr, mc, o->k, &oom);
        if (oom)
            goto oom;
        if (nr < o->k) {
            char id[CND_MAX_NAME_LEN + 1];
            fprintf(stderr,
                    "candor export: warning: survey '%s' has %zu responses, fewer than k = %u: "
                    "every quasi-identifier value of them is suppressed\n",
                    cnd_cstr(cnd_pack_survey_id(pk), id, sizeof id), nr, o->k);
        }
        m->suppressed += s;
        for (size_t r = 0; r < nr; r++) {
            const uint32_t *row = v + r * mc;
            for (size_t q = 0; q < nq; q++)
                if (row[q] == CND_QI_SUPPRESSED)
                    m->supp[rows[r]] |= (uint64_t)1 << qi[q];
            if (row[nq] == CND_QI_SUPPRESSED)
                m->supp_meta[rows[r]] |= CND_EXPORT_META_LANG;
            if (row[nq + 1] == CND_QI_SUPPRESSED)
                m->supp_meta[rows[r]] |= CND_EXPORT_META_PERIOD;
        }
        size_t small = cnd_disclose_smallest_group(v, nr, mc, &oom);
        if (oom)
            goto oom;
        if (small < m->smallest)
            m->smallest = small;
    }
    rc = 0;
    goto out;
oom:
    cnd_err_set(err, "out of memory checking k-anonymity");
out:
    free(v);
    free(done);
    free(rows);
    return rc;
}

static int make_plan(const cnd_dataset_t *ds, const export_opts_t *o, cnd_export_plan_t *p,
                     plan_mem_t *m, cnd_err_t *err)
{
    memset(p, 0, sizeof *p);
    p->ds = ds;
    p->period = o->d.period;
    p->stable_ids = o->stable_ids;
    if (o->format >= FMT_CSV || o->d.survey != NULL) {
        if (cnd_dataset_pick_survey(ds, o->d.survey, &p->pk, err) != 0)
            return 1;
    }
    size_t n = 0;
    m->sel = malloc((ds->n + 1) * sizeof *m->sel);
    if (m->sel == NULL)
        goto oom;
    for (size_t i = 0; i < ds->n; i++)
        if (p->pk == NULL || cnd_same_survey(ds->pk[i], p->pk))
            m->sel[n++] = i;
    if (p->pk != NULL) {
        /* Flat: labels in the asked language, which the survey must have. */
        p->label_lang = 0;
        if (o->labels != NULL) {
            int found = -1;
            for (uint8_t l = 0; l < cnd_pack_lang_count(p->pk); l++) {
                cnd_str_t c = cnd_pack_lang_code(p->pk, l);
                if (c.len == strlen(o->labels) && memcmp(c.ptr, o->labels, c.len) == 0)
                    found = l;
            }
            if (found < 0) {
                char id[CND_MAX_NAME_LEN + 1], langs[64] = "";
                for (uint8_t l = 0; l < cnd_pack_lang_count(p->pk); l++) {
                    char code[CND_LANG_CODE_LEN + 1];
                    size_t len = strlen(langs);
                    snprintf(langs + len, sizeof langs - len, "%s%s", l ? ", " : "",
                             cnd_cstr(cnd_pack_lang_code(p->pk, l), code, sizeof code));
                }
                cnd_err_set(err, "--labels %s: survey '%s' has no such language (it has %s)",
                            o->labels, cnd_cstr(cnd_pack_survey_id(p->pk), id, sizeof id), langs);
                return 1;
            }
            p->label_lang = (uint8_t)found;
        }
    }
    if (shuffle(m->sel, n) != 0) {
        cnd_err_set(err, "cannot get random numbers to shuffle the records: %s", strerror(errno));
        return -1;
    }
    m->supp = calloc(n + 1, sizeof *m->supp);
    m->supp_meta = calloc(n + 1, 1);
    m->oid = malloc((n + 1) * sizeof *m->oid);
    if (!m->supp || !m->supp_meta || !m->oid)
        goto oom;
    uint8_t key[32];
    if (cnd_os_random(key, sizeof key) != 0) {
        cnd_err_set(err, "cannot get random bytes for this export's ids: %s", strerror(errno));
        return -1;
    }
    /* One HMAC context keyed once: each id then costs two SHA-256 blocks. */
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    int mdok = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) == 0 &&
               mbedtls_md_hmac_starts(&md, key, sizeof key) == 0;
    for (size_t k = 0; mdok && k < n; k++) {
        const cnd_response_t *r = &ds->r[m->sel[k]];
        uint8_t mac[32];
        if (o->stable_ids) {
            memcpy(m->oid[k], r->id, 8);
            continue;
        }
        mdok = mbedtls_md_hmac_reset(&md) == 0 &&
               mbedtls_md_hmac_update(&md, r->id, CND_RESPONSE_ID_LEN) == 0 &&
               mbedtls_md_hmac_finish(&md, mac) == 0;
        memcpy(m->oid[k], mac, 8);
        mbedtls_platform_zeroize(mac, sizeof mac);
    }
    mbedtls_md_free(&md);
    if (!mdok) {
        mbedtls_platform_zeroize(key, sizeof key);
        cnd_err_set(err, "cannot compute this export's record ids (HMAC-SHA256)");
        return -1;
    }
    if (o->pseudonyms) {
        if ((m->dev = malloc((n + 1) * sizeof *m->dev)) == NULL)
            goto oom;
        /* Another key: record ids and pseudonyms must not share one. */
        if (cnd_os_random(key, sizeof key) != 0) {
            cnd_err_set(err, "cannot get random bytes for device pseudonyms: %s", strerror(errno));
            return -1;
        }
        for (size_t k = 0; k < n; k++)
            pseudonym(key, ds->dev[m->sel[k]], m->dev[k]);
    }
    mbedtls_platform_zeroize(key, sizeof key);
    p->n = n;
    p->sel = m->sel;
    p->supp = m->supp;
    p->supp_meta = m->supp_meta;
    p->oid = (const uint8_t(*)[8])m->oid;
    p->dev = (const char(*)[16])m->dev;
    m->smallest = n;
    if (!o->no_check) {
        int rc = disclosure(ds, o, m, n, err);
        if (rc != 0)
            return rc;
    }
    return 0;
oom:
    cnd_err_set(err, "out of memory planning the export of %zu records", ds->n);
    return -1;
}

static int add_export_facts(cJSON *cb, const export_opts_t *o, const plan_mem_t *m)
{
    int ok = 1;
    cJSON *d = cJSON_CreateObject();
    add(d, "checked", cJSON_CreateBool(!o->no_check), &ok);
    if (o->no_check) {
        add(d, "warning",
            cJSON_CreateString("written with --no-disclosure-check: quasi-identifier "
                               "combinations may be unique; do not publish or share"),
            &ok);
    } else {
        add(d, "k", cJSON_CreateNumber(o->k), &ok);
        add(d, "smallest_group", cJSON_CreateNumber((double)m->smallest), &ok);
        add(d, "k_reached", cJSON_CreateBool(m->smallest >= o->k), &ok);
        add(d, "suppressed_values", cJSON_CreateNumber((double)m->suppressed), &ok);
    }
    cJSON *q = cJSON_CreateArray();
    push(q, cJSON_CreateString("language"), &ok);
    push(q, cJSON_CreateString("period"), &ok);
    push(q, cJSON_CreateString("items marked quasi_identifier"), &ok);
    add(d, "quasi_identifiers", q, &ok);
    add(cb, "disclosure", d, &ok);
    add(cb, "ids",
        cJSON_CreateString(o->stable_ids ? "stable: the responses' own ids; every export made "
                                           "with --stable-ids can be joined on them"
                                         : "per_export: new in every export; they link nothing"),
        &ok);
    return ok ? 0 : -1;
}

int cnd_cmd_export(int argc, char **argv)
{
    export_opts_t o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    char *cb_path = o.codebook ? strdup(o.codebook) : default_codebook_path(o.d.out);
    if (cb_path == NULL || strcmp(cb_path, o.d.out) == 0) {
        fprintf(stderr, "candor export: %s\n",
                cb_path ? "the codebook path equals the output path; choose another --codebook"
                        : "out of memory");
        free(cb_path);
        return CND_EXIT_USAGE;
    }
    cnd_err_t err = {{0}};
    cnd_dataset_t ds;
    cnd_export_plan_t plan;
    plan_mem_t mem;
    memset(&mem, 0, sizeof mem);
    cJSON *cb = NULL;
    size_t n_surveys = 0;
    rc = cnd_dataset_load(&ds, "export", o.d.store, o.d.keys, o.d.n_keys, o.d.passfile,
                          o.pseudonyms, &err);
    if (rc != CND_EXIT_OK)
        goto out;
    rc = CND_EXIT_INPUT;
    if ((cb = codebook_json(ds.hs, o.d.period, o.d.out, &n_surveys, &err)) == NULL)
        goto out;
    int pr = make_plan(&ds, &o, &plan, &mem, &err);
    if (pr != 0) {
        rc = pr < 0 ? CND_EXIT_FAIL : CND_EXIT_INPUT;
        goto out;
    }
    if (add_export_facts(cb, &o, &mem) != 0) {
        cnd_err_set(&err, "out of memory building the codebook");
        rc = CND_EXIT_FAIL;
        goto out;
    }
    if (write_outputs(&o, cb_path, cb, &plan, &err) != 0) {
        rc = CND_EXIT_FAIL;
        goto out;
    }
    printf("exported %zu %s (%zu %s) to %s; codebook %s\n", plan.n,
           cnd_plural(plan.n, "response", "responses"), n_surveys,
           cnd_plural(n_surveys, "survey", "surveys"), o.d.out, cb_path);
    if (o.no_check)
        printf("disclosure check skipped (--no-disclosure-check): do not publish this file\n");
    else
        printf("k-anonymity k=%u: %ld quasi-identifier %s suppressed, smallest group %zu\n", o.k,
               mem.suppressed, cnd_plural((size_t)mem.suppressed, "value", "values"), mem.smallest);
    size_t quarantined = cnd_hoststore_quarantine_count(ds.hs);
    if (quarantined > 0)
        printf("left out %zu %s in %s/quarantine/ (each .why file says why; see candor "
               "check)\n",
               quarantined, cnd_plural(quarantined, "entry", "entries"), o.d.store);
    rc = cnd_dataset_refused_status(&ds, &err);
out:
    if (rc != CND_EXIT_OK)
        fprintf(stderr, "candor export: %s\n", err.msg);
    plan_free(&mem);
    cJSON_Delete(cb);
    cnd_dataset_free(&ds);
    free(cb_path);
    return rc;
}
