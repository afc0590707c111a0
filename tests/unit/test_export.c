/* test_export.c: what an analyst gets from `candor export`: exact values for
 * every answer kind, only weeks or months, no device id, no collection
 * order, a codebook that explains it all, and no file at all on error. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "export.h"
#include "hoststore.h"
#include "officekey.h"
#include "open_sealed.h"
#include "recjson.h"
#include "test_key.h"
#include "tmp_tree.h"
#include "test_key.h"

#define DEFAULT_SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

/* Every answer kind, a relevance rule, an info screen, PNA switched off on
 * one item, two languages. */
static const char test_source[] =
    "{\"id\": \"export-test\", \"version\": 3,"
    " \"languages\": [{\"code\": \"en\", \"name\": \"English\"},"
    "                 {\"code\": \"es\", \"name\": \"Espanol\"}],"
    " \"title\": {\"en\": \"Export test\", \"es\": \"Prueba\"},"
    " \"consent\": {\"en\": \"Consent\", \"es\": \"Consentimiento\"},"
    " \"referral\": {\"en\": \"Help\", \"es\": \"Ayuda\"},"
    " \"items\": ["
    "  {\"name\": \"intro\", \"kind\": \"info\", \"label\": {\"en\": \"Hello\", \"es\": \"Hola\"}},"
    "  {\"name\": \"lives_in\", \"kind\": \"single\", \"tags\": [\"QI\", \"C189:Art.9\"],"
    "   \"label\": {\"en\": \"Where do you live?\", \"es\": \"Donde vive?\"},"
    "   \"choices\": [{\"name\": \"employer\", \"label\": {\"en\": \"At work\", \"es\": \"En el trabajo\"}},"
    "                 {\"name\": \"elsewhere\", \"label\": {\"en\": \"Elsewhere\", \"es\": \"Fuera\"}}]},"
    "  {\"name\": \"paid\", \"kind\": \"yesno\", \"label\": {\"en\": \"Paid?\", \"es\": \"Pagado?\"}},"
    "  {\"name\": \"threats\", \"kind\": \"multiple\", \"tags\": [\"COE\"],"
    "   \"label\": {\"en\": \"Threats\", \"es\": \"Amenazas\"},"
    "   \"choices\": [{\"name\": \"police\", \"label\": {\"en\": \"Police\", \"es\": \"Policia\"}},"
    "                 {\"name\": \"dismissal\", \"label\": {\"en\": \"Dismissal\", \"es\": \"Despido\"}},"
    "                 {\"name\": \"family\", \"label\": {\"en\": \"Family\", \"es\": \"Familia\"}},"
    "                 {\"name\": \"none\", \"label\": {\"en\": \"None\", \"es\": \"Ninguna\"}}]},"
    "  {\"name\": \"rest_days\", \"kind\": \"integer\", \"min\": 0, \"max\": 7,"
    "   \"label\": {\"en\": \"Days off\", \"es\": \"Dias libres\"}},"
    "  {\"name\": \"sleeping_place\", \"kind\": \"single\", \"prefer_not\": false,"
    "   \"relevant\": \"lives_in = 'employer'\","
    "   \"hint\": {\"en\": \"Only if living in\", \"es\": \"Solo si vive alli\"},"
    "   \"label\": {\"en\": \"Where do you sleep?\", \"es\": \"Donde duerme?\"},"
    "   \"choices\": [{\"name\": \"own_lock\", \"label\": {\"en\": \"Own room, lock\", \"es\": \"Cuarto con llave\"}},"
    "                 {\"name\": \"own_nolock\", \"label\": {\"en\": \"Own room\", \"es\": \"Cuarto\"}},"
    "                 {\"name\": \"shared\", \"label\": {\"en\": \"Shared\", \"es\": \"Compartido\"}}]}"
    " ]}";

enum { I_INTRO, I_LIVES_IN, I_PAID, I_THREATS, I_REST, I_SLEEP, N_ITEMS };

typedef struct {
    char root[64];
    char store[96];
    char out[128];
    char key[128]; /* the test office key as a key file, for --key */
    uint8_t pack[CND_MAX_PACK_SIZE];
    size_t pack_len;
    cnd_pack_t pk;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    cnd_err_t err;
    assert_non_null(f);
    strcpy(f->root, "/tmp/cnd-export-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->store, sizeof f->store, "%s/store", f->root);
    snprintf(f->out, sizeof f->out, "%s/out", f->root);
    snprintf(f->key, sizeof f->key, "%s/office.key", f->root);
    assert_int_equal(mkdir(f->out, 0700), 0);
    if (cnd_key_write(f->key, cnd_test_office_key(), NULL, 0, 0, &err) != 0)
        fail_msg("test key: %s", err.msg);
    if (cnd_compile_json(test_source, strlen(test_source), cnd_test_office_key(), f->pack,
                         sizeof f->pack, &f->pack_len, &err) != CND_OK)
        fail_msg("test survey does not compile: %s", err.msg);
    assert_int_equal(cnd_pack_open(&f->pk, f->pack, (uint32_t)f->pack_len), CND_OK);
    assert_int_equal(cnd_pack_item_count(&f->pk), N_ITEMS);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    cnd_test_remove_tree(f->root);
    free(f);
    return 0;
}

static void base_response(const fixture_t *f, uint32_t seed, cnd_response_t *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++)
        r->id[i] = (uint8_t)((seed * 0x9E3779B1u) >> (i % 4 * 8)) ^ (uint8_t)(i * 37);
    r->id[6] = (uint8_t)(seed >> 8);
    r->id[7] = (uint8_t)seed;
    r->pack_fp = f->pk.fingerprint;
    r->n_answers = N_ITEMS;
    r->day = 2521; /* 2026-11-26, a Thursday in ISO week 48 */
}

static void set(cnd_response_t *r, int item, uint8_t state, int32_t value)
{
    r->answers[item].state = state;
    r->answers[item].value = value;
}

/* Seals rs as one device would (one epoch, records in order) and stores
 * them, so export has to open them with the office key. The ciphertexts of
 * responses tamper[0..n_tamper) get one bit flipped after sealing. */
static void store_sealed(fixture_t *f, const uint8_t *pack, size_t pack_len,
                         const cnd_response_t *rs, size_t n, const uint8_t dev[8],
                         const size_t *tamper, size_t n_tamper)
{
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    cnd_pack_t pk;
    cnd_seal_chain_t chain;
    cnd_epoch_t epoch;
    cnd_sealed_t *sealed = calloc(n ? n : 1, sizeof *sealed);
    size_t added = 0;
    assert_non_null(sealed);
    memset(&chain, 0, sizeof chain);
    assert_int_equal(cnd_pack_open(&pk, pack, (uint32_t)pack_len), CND_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cnd_test_seal(&rs[i], &pk, (uint32_t)i + 1, dev, &chain, &epoch,
                                       &sealed[i]),
                         CND_OK);
    cnd_seal_wipe(&chain);
    for (size_t t = 0; t < n_tamper; t++)
        sealed[tamper[t]].ct[3] ^= 0x10;
    if (cnd_hoststore_open(f->store, 1, &hs, &err) != CND_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(cnd_hoststore_put_pack(hs, pack, (uint32_t)pack_len, &err), CND_OK);
    for (size_t i = 0; i < n; i += CND_BATCH_MAX_RESPONSES) {
        size_t k = n - i < CND_BATCH_MAX_RESPONSES ? n - i : CND_BATCH_MAX_RESPONSES, a = 0;
        if (cnd_hoststore_put_responses(hs, sealed + i, k, &a, &err) != CND_OK)
            fail_msg("put: %s", err.msg);
        added += a;
    }
    assert_int_equal(added, n);
    cnd_hoststore_close(hs);
    free(sealed);
}

static void store_responses_from(fixture_t *f, const uint8_t *pack, size_t pack_len,
                                 const cnd_response_t *rs, size_t n, const uint8_t dev[8])
{
    store_sealed(f, pack, pack_len, rs, n, dev, NULL, 0);
}

static void store_responses(fixture_t *f, const uint8_t *pack, size_t pack_len,
                            const cnd_response_t *rs, size_t n)
{
    static const uint8_t dev[8] = {9, 8, 7, 6, 5, 4, 3, 2};
    store_responses_from(f, pack, pack_len, rs, n, dev);
}

/* Runs `candor export` with the given extra arguments after DIR -o OUT and
 * returns its exit code; stdout goes to a file so the summary can be read. */
static int run_export(fixture_t *f, const char *out, char *summary, size_t cap, ...)
{
    char *argv[24];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"export";
    argv[argc++] = f->store;
    argv[argc++] = (char *)"-o";
    argv[argc++] = (char *)out;
    argv[argc++] = (char *)"--key";
    argv[argc++] = f->key;
    /* These tests check exact values and ids of a few responses: no
     * suppression, the responses' own ids, and weeks (the old default; a
     * later --period wins). Disclosure and per-export ids have their own
     * tests below. */
    argv[argc++] = (char *)"--no-disclosure-check";
    argv[argc++] = (char *)"--stable-ids";
    argv[argc++] = (char *)"--period";
    argv[argc++] = (char *)"week";
    va_start(ap, cap);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;

    char cap_path[160];
    snprintf(cap_path, sizeof cap_path, "%s/stdout.txt", f->root);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(cap_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    int rc = cnd_cmd_export(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    if (summary != NULL) {
        FILE *fp = fopen(cap_path, "r");
        assert_non_null(fp);
        summary[0] = '\0';
        if (fgets(summary, (int)cap, fp) == NULL)
            summary[0] = '\0';
        fclose(fp);
    }
    unlink(cap_path);
    return rc;
}

static cJSON *read_json(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    cJSON *j = cJSON_Parse(buf);
    if (j == NULL)
        fail_msg("%s is not JSON", path);
    return j;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static size_t entries_in(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static const cJSON *record_by_id(const cJSON *arr, const uint8_t id[CND_RESPONSE_ID_LEN])
{
    char hex[17];
    const cJSON *e;
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    cJSON_ArrayForEach(e, arr)
    {
        if (strcmp(cJSON_GetObjectItem(e, "id")->valuestring, hex) == 0)
            return e;
    }
    fail_msg("record %s not exported", hex);
    return NULL;
}

/* Compares a JSON value with the JSON text it must equal. */
static void assert_json(const cJSON *got, const char *want_text)
{
    cJSON *want = cJSON_Parse(want_text);
    assert_non_null(want);
    if (!cJSON_Compare(got, want, 1)) {
        char *g = cJSON_PrintUnformatted(got);
        fail_msg("got %s, want %s", g, want_text);
    }
    cJSON_Delete(want);
}

static void every_answer_kind_is_exported_with_its_exact_value(void **state)
{
    fixture_t *f = *state;
    cnd_response_t rs[3];
    char path[192];

    base_response(f, 1, &rs[0]);
    rs[0].lang = 1;
    set(&rs[0], I_LIVES_IN, CND_ANS_VALUE, 0);
    set(&rs[0], I_PAID, CND_ANS_VALUE, 1);
    set(&rs[0], I_THREATS, CND_ANS_VALUE, 0x5); /* police + family */
    set(&rs[0], I_REST, CND_ANS_VALUE, 6);
    set(&rs[0], I_SLEEP, CND_ANS_VALUE, 1);

    base_response(f, 2, &rs[1]);
    set(&rs[1], I_LIVES_IN, CND_ANS_PNA, 0);
    set(&rs[1], I_PAID, CND_ANS_VALUE, 0);
    set(&rs[1], I_THREATS, CND_ANS_PNA, 0);
    set(&rs[1], I_REST, CND_ANS_PNA, 0);
    /* sleeping_place not asked: lives_in was not 'employer'. */

    base_response(f, 3, &rs[2]);
    set(&rs[2], I_LIVES_IN, CND_ANS_VALUE, 1);
    set(&rs[2], I_PAID, CND_ANS_PNA, 0);
    set(&rs[2], I_THREATS, CND_ANS_VALUE, 0x8); /* none */
    set(&rs[2], I_REST, CND_ANS_VALUE, 0);

    store_responses(f, f->pack, f->pack_len, rs, 3);
    snprintf(path, sizeof path, "%s/responses.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, NULL), 0);
    cJSON *arr = read_json(path);
    assert_true(cJSON_IsArray(arr));
    assert_int_equal(cJSON_GetArraySize(arr), 3);

    const cJSON *r = record_by_id(arr, rs[0].id);
    assert_json(cJSON_GetObjectItem(r, "answers"),
                "{\"lives_in\": \"employer\", \"paid\": \"yes\", \"threats\": [\"police\", "
                "\"family\"], \"rest_days\": 6, \"sleeping_place\": \"own_nolock\"}");
    assert_string_equal(cJSON_GetObjectItem(r, "language")->valuestring, "es");
    assert_string_equal(cJSON_GetObjectItem(r, "survey")->valuestring, "export-test");
    assert_int_equal(cJSON_GetObjectItem(r, "survey_version")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(r, "period")->valuestring, "2026-W48");

    r = record_by_id(arr, rs[1].id);
    assert_json(cJSON_GetObjectItem(r, "answers"),
                "{\"lives_in\": \"prefer_not_to_answer\", \"paid\": \"no\", \"threats\": "
                "\"prefer_not_to_answer\", \"rest_days\": \"prefer_not_to_answer\", "
                "\"sleeping_place\": null}");
    assert_string_equal(cJSON_GetObjectItem(r, "language")->valuestring, "en");

    r = record_by_id(arr, rs[2].id);
    assert_json(cJSON_GetObjectItem(r, "answers"),
                "{\"lives_in\": \"elsewhere\", \"paid\": \"prefer_not_to_answer\", \"threats\": "
                "[\"none\"], \"rest_days\": 0, \"sleeping_place\": null}");
    cJSON_Delete(arr);
}

static void periods_are_iso_weeks_or_months_never_days(void **state)
{
    static const struct {
        uint16_t day;
        const char *week, *month;
    } cases[] = {
        {0, "2020-W01", "2020-01"},   /* Wed 2020-01-01 */
        {365, "2020-W53", "2020-12"}, /* Thu 2020-12-31 */
        {368, "2020-W53", "2021-01"}, /* Sun 2021-01-03 belongs to 2020's last week */
        {369, "2021-W01", "2021-01"}, /* Mon 2021-01-04 */
        {2521, "2026-W48", "2026-11"},
        {3650, "2029-W52", "2029-12"}, /* Sat 2029-12-29 */
        {3653, "2030-W01", "2030-01"}, /* Tue 2030-01-01 */
    };
    char buf[16];
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cnd_export_period(cases[i].day, CND_PERIOD_WEEK, buf, sizeof buf);
        assert_string_equal(buf, cases[i].week);
        cnd_export_period(cases[i].day, CND_PERIOD_MONTH, buf, sizeof buf);
        assert_string_equal(buf, cases[i].month);
    }
}

static void month_period_is_used_when_asked_and_named_in_the_codebook(void **state)
{
    fixture_t *f = *state;
    cnd_response_t r;
    char path[192], cb[192];
    base_response(f, 9, &r);
    store_responses(f, f->pack, f->pack_len, &r, 1);
    snprintf(path, sizeof path, "%s/m.json", f->out);
    snprintf(cb, sizeof cb, "%s/m.codebook.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, "--period", "month", NULL), 0);
    cJSON *arr = read_json(path);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "period")->valuestring,
                        "2026-11");
    cJSON_Delete(arr);
    cJSON *book = read_json(cb);
    assert_string_equal(cJSON_GetObjectItem(book, "period")->valuestring, "month");
    cJSON_Delete(book);
}

static int id_cmp(const void *a, const void *b)
{
    return memcmp(a, b, CND_RESPONSE_ID_LEN);
}

/* The id hex strings of an export, in file order. */
static void export_order(const cJSON *arr, char (*ids)[17], size_t n)
{
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, arr)
    {
        assert_true(i < n);
        strcpy(ids[i++], cJSON_GetObjectItem(e, "id")->valuestring);
    }
    assert_int_equal(i, n);
}

static void records_hold_no_device_id_and_no_collection_order(void **state)
{
    fixture_t *f = *state;
    enum { N = 300 };
    static cnd_response_t rs[N];
    static char first[N][17], second[N][17], stored[N][17];
    char path[192];
    for (uint32_t i = 0; i < N; i++) {
        base_response(f, i + 100, &rs[i]);
        rs[i].day = (uint16_t)(2400 + i); /* collection order = day order */
        set(&rs[i], I_PAID, CND_ANS_VALUE, (int32_t)(i % 2));
    }
    store_responses(f, f->pack, f->pack_len, rs, N);
    snprintf(path, sizeof path, "%s/r.json", f->out);

    assert_int_equal(run_export(f, path, NULL, 0, NULL), 0);
    cJSON *arr = read_json(path);
    export_order(arr, first, N);
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        /* Exactly the documented members: nothing that could name a device,
         * a sequence or a day. */
        const char *allowed[] = {"id", "survey", "survey_version", "language", "period",
                                 "answers"};
        int members = 0;
        for (const cJSON *m = e->child; m != NULL; m = m->next, members++) {
            int ok = 0;
            for (size_t k = 0; k < 6; k++)
                ok |= strcmp(m->string, allowed[k]) == 0;
            assert_true(ok);
        }
        assert_int_equal(members, 6);
        const char *per = cJSON_GetObjectItem(e, "period")->valuestring;
        assert_int_equal(strlen(per), 8);
        assert_int_equal(per[5], 'W');
    }
    cJSON_Delete(arr);

    assert_int_equal(run_export(f, path, NULL, 0, NULL), 0);
    arr = read_json(path);
    export_order(arr, second, N);
    cJSON_Delete(arr);

    /* Insertion order, and the store's own order (files sort by id). */
    for (size_t i = 0; i < N; i++)
        for (int k = 0; k < CND_RESPONSE_ID_LEN; k++)
            snprintf(stored[i] + 2 * k, 3, "%02x", rs[i].id[k]);
    size_t same_as_insertion = 0, same_as_sorted = 0, same_as_before = 0;
    qsort(rs, N, sizeof rs[0], id_cmp);
    for (size_t i = 0; i < N; i++) {
        char hex[17];
        for (int k = 0; k < CND_RESPONSE_ID_LEN; k++)
            snprintf(hex + 2 * k, 3, "%02x", rs[i].id[k]);
        same_as_insertion += strcmp(first[i], stored[i]) == 0;
        same_as_sorted += strcmp(first[i], hex) == 0;
        same_as_before += strcmp(first[i], second[i]) == 0;
    }
    /* A uniform shuffle of 300 keeps about 1 element in place; 30 would be
     * astronomically unlikely. */
    assert_true(same_as_insertion < 30);
    assert_true(same_as_sorted < 30);
    assert_true(same_as_before < 30);
    /* And every record is there once. */
    qsort(first, N, sizeof first[0], (int (*)(const void *, const void *))strcmp);
    qsort(stored, N, sizeof stored[0], (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < N; i++)
        assert_string_equal(first[i], stored[i]);
}

static void ndjson_has_one_record_per_line(void **state)
{
    fixture_t *f = *state;
    cnd_response_t rs[5];
    char path[192], line[4096], summary[512], want[512];
    for (uint32_t i = 0; i < 5; i++)
        base_response(f, i + 40, &rs[i]);
    store_responses(f, f->pack, f->pack_len, rs, 5);
    snprintf(path, sizeof path, "%s/r.ndjson", f->out);
    assert_int_equal(run_export(f, path, summary, sizeof summary, "--format", "ndjson", NULL), 0);
    snprintf(want, sizeof want,
             "exported 5 responses (1 survey) to %s; codebook %s/r.codebook.json\n", path,
             f->out);
    assert_string_equal(summary, want);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    int lines = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        assert_true(cJSON_IsObject(o));
        assert_non_null(cJSON_GetObjectItem(o, "answers"));
        cJSON_Delete(o);
        lines++;
    }
    fclose(fp);
    assert_int_equal(lines, 5);
}

static const cJSON *item_named(const cJSON *items, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, items)
    {
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, name) == 0)
            return e;
    }
    fail_msg("codebook has no item %s", name);
    return NULL;
}

static void codebook_explains_every_item_choice_and_sentinel(void **state)
{
    fixture_t *f = *state;
    char path[192], cb[192];
    store_responses(f, f->pack, f->pack_len, NULL, 0);
    snprintf(path, sizeof path, "%s/responses.json", f->out);
    snprintf(cb, sizeof cb, "%s/responses.codebook.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, NULL), 0);
    cJSON *arr = read_json(path);
    assert_int_equal(cJSON_GetArraySize(arr), 0);
    cJSON_Delete(arr);

    cJSON *book = read_json(cb);
    assert_json(cJSON_GetObjectItem(book, "sentinels"),
                "{\"prefer_not_to_answer\": \"prefer_not_to_answer\", \"not_asked\": null, "
                "\"suppressed\": \"suppressed\"}");
    assert_string_equal(cJSON_GetObjectItem(book, "records_file")->valuestring,
                        "responses.json");
    assert_string_equal(cJSON_GetObjectItem(book, "period")->valuestring, "week");
    const cJSON *surveys = cJSON_GetObjectItem(book, "surveys");
    assert_int_equal(cJSON_GetArraySize(surveys), 1);
    const cJSON *s = cJSON_GetArrayItem(surveys, 0);
    assert_string_equal(cJSON_GetObjectItem(s, "survey")->valuestring, "export-test");
    assert_int_equal(cJSON_GetObjectItem(s, "survey_version")->valueint, 3);
    assert_json(cJSON_GetObjectItem(s, "languages"),
                "[{\"code\": \"en\", \"name\": \"English\"}, {\"code\": \"es\", \"name\": "
                "\"Espanol\"}]");
    assert_json(cJSON_GetObjectItem(s, "title"), "{\"en\": \"Export test\", \"es\": \"Prueba\"}");

    const cJSON *items = cJSON_GetObjectItem(s, "items");
    assert_int_equal(cJSON_GetArraySize(items), N_ITEMS);
    const char *order[] = {"intro", "lives_in", "paid", "threats", "rest_days",
                           "sleeping_place"};
    for (int i = 0; i < N_ITEMS; i++)
        assert_string_equal(
            cJSON_GetObjectItem(cJSON_GetArrayItem(items, i), "name")->valuestring, order[i]);

    const cJSON *it = item_named(items, "intro");
    assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "info");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(it, "exported")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(it, "prefer_not_to_answer")));

    it = item_named(items, "lives_in");
    assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "single");
    assert_json(cJSON_GetObjectItem(it, "labels"),
                "{\"en\": \"Where do you live?\", \"es\": \"Donde vive?\"}");
    assert_json(cJSON_GetObjectItem(it, "choices"),
                "[{\"name\": \"employer\", \"labels\": {\"en\": \"At work\", \"es\": \"En el "
                "trabajo\"}}, {\"name\": \"elsewhere\", \"labels\": {\"en\": \"Elsewhere\", "
                "\"es\": \"Fuera\"}}]");
    assert_json(cJSON_GetObjectItem(it, "tags"), "[\"QI\", \"C189:Art.9\"]");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(it, "relevance")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(it, "prefer_not_to_answer")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(it, "exported")));

    it = item_named(items, "paid");
    assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "yesno");
    const cJSON *ch = cJSON_GetObjectItem(it, "choices");
    assert_int_equal(cJSON_GetArraySize(ch), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 0), "name")->valuestring,
                        "no");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 1), "name")->valuestring,
                        "yes");
    const cJSON *yes_labels = cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 1), "labels");
    assert_true(strlen(cJSON_GetObjectItem(yes_labels, "en")->valuestring) > 0);
    assert_true(strlen(cJSON_GetObjectItem(yes_labels, "es")->valuestring) > 0);

    it = item_named(items, "threats");
    assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "multiple");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(it, "choices")), 4);

    it = item_named(items, "rest_days");
    assert_string_equal(cJSON_GetObjectItem(it, "kind")->valuestring, "integer");
    assert_int_equal(cJSON_GetObjectItem(it, "min")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(it, "max")->valueint, 7);
    assert_null(cJSON_GetObjectItem(it, "choices"));

    it = item_named(items, "sleeping_place");
    assert_string_equal(cJSON_GetObjectItem(it, "relevance")->valuestring,
                        "lives_in = 'employer'");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(it, "prefer_not_to_answer")));
    assert_json(cJSON_GetObjectItem(it, "hints"),
                "{\"en\": \"Only if living in\", \"es\": \"Solo si vive alli\"}");
    cJSON_Delete(book);
}

static void default_survey_codebook_lists_every_item(void **state)
{
    fixture_t *f = *state;
    static uint8_t pack[CND_MAX_PACK_SIZE];
    size_t len = 0;
    cnd_pack_t pk;
    cnd_err_t err;
    char path[192], cb[192];
    if (cnd_compile_file(DEFAULT_SURVEY, cnd_test_office_key(), pack, sizeof pack, &len, &err) !=
        CND_OK)
        fail_msg("default survey: %s", err.msg);
    assert_int_equal(cnd_pack_open(&pk, pack, (uint32_t)len), CND_OK);
    store_responses(f, pack, len, NULL, 0);
    snprintf(path, sizeof path, "%s/d.json", f->out);
    snprintf(cb, sizeof cb, "%s/book.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, "--codebook", cb, NULL), 0);
    cJSON *book = read_json(cb);
    const cJSON *s = cJSON_GetArrayItem(cJSON_GetObjectItem(book, "surveys"), 0);
    const cJSON *items = cJSON_GetObjectItem(s, "items");
    assert_int_equal(cJSON_GetArraySize(items), cnd_pack_item_count(&pk));
    for (uint16_t i = 0; i < cnd_pack_item_count(&pk); i++) {
        cnd_item_t it;
        assert_int_equal(cnd_pack_item(&pk, i, &it), CND_OK);
        const cJSON *e = cJSON_GetArrayItem(items, i);
        assert_int_equal(strlen(cJSON_GetObjectItem(e, "name")->valuestring), it.name.len);
        assert_memory_equal(cJSON_GetObjectItem(e, "name")->valuestring, it.name.ptr,
                            it.name.len);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(e, "labels")),
                         cnd_pack_lang_count(&pk));
        /* coding tags (sig:) are shown as "coding", not as tags */
        int plain_tags = 0;
        for (uint8_t t = 0; t < it.n_tags; t++)
            plain_tags += cnd_pack_item_tag(&pk, i, t).len < 4 ||
                          memcmp(cnd_pack_item_tag(&pk, i, t).ptr, "sig:", 4) != 0;
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(e, "tags")), plain_tags);
    }
    cJSON_Delete(book);
}

static void export_to_an_unwritable_place_leaves_nothing(void **state)
{
    fixture_t *f = *state;
    cnd_response_t r;
    char path[320], blocker[192], cb[192];
    base_response(f, 5, &r);
    store_responses(f, f->pack, f->pack_len, &r, 1);

    /* A regular file where a directory should be: fails even for root. */
    snprintf(blocker, sizeof blocker, "%s/not-a-dir", f->out);
    FILE *fp = fopen(blocker, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/responses.json", blocker);
    assert_int_equal(run_export(f, path, NULL, 0, NULL), 1);
    assert_int_equal(entries_in(f->out), 1);

    /* Records writable, codebook not: neither file may appear. */
    snprintf(path, sizeof path, "%s/responses.json", f->out);
    snprintf(cb, sizeof cb, "%s/nowhere/book.json", f->root);
    assert_int_equal(run_export(f, path, NULL, 0, "--codebook", cb, NULL), 1);
    assert_false(file_exists(path));
    assert_int_equal(entries_in(f->out), 1);
}

static void corrupt_or_missing_store_exports_nothing(void **state)
{
    fixture_t *f = *state;
    cnd_response_t r;
    char path[192], cnb[256];
    snprintf(path, sizeof path, "%s/responses.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, NULL), 3);
    assert_int_equal(entries_in(f->out), 0);

    base_response(f, 5, &r);
    store_responses(f, f->pack, f->pack_len, &r, 1);
    snprintf(cnb, sizeof cnb, "%s/responses/%08x", f->store, (unsigned)f->pk.fingerprint);
    DIR *d = opendir(cnb);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".cnb") != NULL)
            break;
    assert_non_null(e);
    strcat(cnb, "/");
    strcat(cnb, e->d_name);
    closedir(d);
    assert_int_equal(truncate(cnb, 24), 0);
    assert_int_equal(run_export(f, path, NULL, 0, NULL), 3);
    assert_int_equal(entries_in(f->out), 0);
}

static void bad_command_lines_are_usage_errors(void **state)
{
    fixture_t *f = *state;
    char path[192];
    store_responses(f, f->pack, f->pack_len, NULL, 0);
    snprintf(path, sizeof path, "%s/x.json", f->out);
    assert_int_equal(run_export(f, path, NULL, 0, "--format", "xlsx", NULL), 2);
    assert_int_equal(run_export(f, path, NULL, 0, "--k", "1", NULL), 2);
    assert_int_equal(run_export(f, path, NULL, 0, "--format", "csv", "--labels", "xx", NULL), 3);
    assert_int_equal(run_export(f, path, NULL, 0, "--period", "day", NULL), 2);
    assert_int_equal(run_export(f, path, NULL, 0, "--codebook", path, NULL), 2);
    assert_int_equal(run_export(f, path, NULL, 0, "extra-dir", NULL), 2);
    assert_int_equal(entries_in(f->out), 0);
}

/* The device id never appears; on request a per-export pseudonym groups a
 * device's records within one export and links nothing across exports. */
static void device_pseudonyms_group_within_one_export_only(void **state)
{
    fixture_t *f = *state;
    static const uint8_t dev_a[8] = {0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8};
    static const uint8_t dev_b[8] = {0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8};
    cnd_response_t a[3], b[2];
    char out1[256], out2[256], plain[256];
    char pa[2][32] = {{0}}, pb[2][32] = {{0}};
    for (int i = 0; i < 3; i++)
        base_response(f, 500 + (uint32_t)i, &a[i]);
    for (int i = 0; i < 2; i++)
        base_response(f, 600 + (uint32_t)i, &b[i]);
    store_responses_from(f, f->pack, f->pack_len, a, 3, dev_a);
    store_responses_from(f, f->pack, f->pack_len, b, 2, dev_b);
    snprintf(out1, sizeof out1, "%s/p1.json", f->out);
    snprintf(out2, sizeof out2, "%s/p2.json", f->out);
    snprintf(plain, sizeof plain, "%s/plain.json", f->out);
    assert_int_equal(run_export(f, out1, NULL, 0, "--device-pseudonyms", NULL), 0);
    assert_int_equal(run_export(f, out2, NULL, 0, "--device-pseudonyms", NULL), 0);
    assert_int_equal(run_export(f, plain, NULL, 0, NULL), 0);
    const char *outs[2] = {out1, out2};
    for (int e = 0; e < 2; e++) {
        cJSON *arr = read_json(outs[e]), *rec;
        assert_int_equal(cJSON_GetArraySize(arr), 5);
        cJSON_ArrayForEach(rec, arr)
        {
            const char *id = cJSON_GetObjectItem(rec, "id")->valuestring;
            const cJSON *d = cJSON_GetObjectItem(rec, "device");
            assert_non_null(d);
            assert_int_equal(strlen(d->valuestring), 14);
            assert_memory_equal(d->valuestring, "d-", 2);
            /* ids of device A end in 01f4..01f6 (seeds 500..502) */
            int is_a = strtoul(id + 12, NULL, 16) < 600;
            char(*slot)[32] = is_a ? &pa[e] : &pb[e];
            if ((*slot)[0] == '\0')
                snprintf(*slot, sizeof *slot, "%s", d->valuestring);
            assert_string_equal(*slot, d->valuestring);
            /* nothing of the device id, in hex */
            assert_null(strstr(d->valuestring, is_a ? "a1a2" : "b1b2"));
        }
        cJSON_Delete(arr);
        assert_string_not_equal(pa[e], pb[e]);
    }
    /* Two exports: unrelated pseudonyms. */
    assert_string_not_equal(pa[0], pa[1]);
    assert_string_not_equal(pb[0], pb[1]);
    /* Without the option there is no device field at all. */
    cJSON *arr = read_json(plain), *rec;
    cJSON_ArrayForEach(rec, arr)
        assert_null(cJSON_GetObjectItem(rec, "device"));
    cJSON_Delete(arr);
}

/* The records are printed without cJSON (host/store/recjson.c) but must stay the
 * bytes cJSON printed before: parsing and re-printing one changes nothing. */
static void records_are_printed_exactly_as_cjson_prints_them(void **state)
{
    fixture_t *f = *state;
    cnd_recjson_t *rj = cnd_recjson_new(&f->pk);
    cnd_buf_t b = {NULL, 0, 0};
    assert_non_null(rj);
    for (uint32_t seed = 0; seed < 64; seed++) {
        cnd_response_t r;
        base_response(f, seed, &r);
        r.lang = (uint8_t)(seed % 2);
        set(&r, I_LIVES_IN, (uint8_t)(seed % 3), (int32_t)(seed / 3 % 2));
        set(&r, I_PAID, (uint8_t)(seed / 2 % 3), (int32_t)(seed % 2));
        set(&r, I_THREATS, (uint8_t)(seed / 4 % 3), (int32_t)(seed % 16));
        set(&r, I_REST, (uint8_t)(seed / 8 % 3), (int32_t)(seed % 8));
        set(&r, I_SLEEP, (uint8_t)(seed / 16 % 3), (int32_t)(seed % 3));
        b.len = 0;
        assert_int_equal(cnd_recjson_write(rj, &r, seed % 2 ? "2026-W48" : "2026-11",
                                           seed % 4 < 2 ? "d-0123456789ab" : NULL, &b),
                         0);
        assert_int_equal(cnd_buf_put(&b, "", 1), 0);
        cJSON *o = cJSON_Parse(b.p);
        assert_non_null(o);
        char *again = cJSON_PrintUnformatted(o);
        assert_string_equal(again, b.p);
        cJSON_free(again);
        cJSON_Delete(o);
    }
    /* Strings are escaped as cJSON escapes them: every byte but NUL. */
    char all[255];
    for (int i = 0; i < 255; i++)
        all[i] = (char)(i + 1);
    char copy[256];
    memcpy(copy, all, 255);
    copy[255] = '\0';
    cJSON *str = cJSON_CreateString(copy);
    assert_non_null(str);
    char *want = cJSON_PrintUnformatted(str);
    assert_non_null(want);
    b.len = 0;
    assert_int_equal(cnd_buf_put_json_str(&b, all, sizeof all), 0);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    cJSON_free(want);
    cJSON_Delete(str);
    cnd_buf_free(&b);
    cnd_recjson_free(rj);
}

/*
 * A store big enough to be opened by several threads, most of it one epoch
 * (which export then cuts in two): every response is exported exactly once
 * with its own answers and its device's pseudonym, and changed ones,
 * before and after the cut, are named and left out.
 */
static void a_big_store_exports_every_response_once_and_names_changed_ones(void **state)
{
    fixture_t *f = *state;
    enum { NA = 9000, NB = 300 };
    static const uint8_t dev_a[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    static const uint8_t dev_b[8] = {2, 2, 2, 2, 2, 2, 2, 2};
    static const size_t tamper[] = {17, 7001};
    cnd_response_t *rs = calloc(NA + NB, sizeof *rs);
    unsigned char *seen = calloc(NA + NB, 1);
    char out[256], line[1024], errs[160];
    assert_non_null(rs);
    assert_non_null(seen);
    for (uint32_t i = 0; i < NA + NB; i++) {
        base_response(f, 1000 + i, &rs[i]);
        set(&rs[i], I_REST, CND_ANS_VALUE, (int32_t)(i % 8));
    }
    store_sealed(f, f->pack, f->pack_len, rs, NA, dev_a, tamper, 2);
    store_sealed(f, f->pack, f->pack_len, rs + NA, NB, dev_b, NULL, 0);
    snprintf(out, sizeof out, "%s/big.ndjson", f->out);
    snprintf(errs, sizeof errs, "%s/stderr.txt", f->root);
    fflush(stderr);
    int saved = dup(2), fd = open(errs, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    int rc = run_export(f, out, NULL, 0, "--format", "ndjson", "--device-pseudonyms", NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 3);

    FILE *fp = fopen(out, "r");
    char dev_of[2][16] = {{0}};
    size_t lines = 0;
    assert_non_null(fp);
    while (fgets(line, sizeof line, fp) != NULL) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const char *id = cJSON_GetObjectItem(o, "id")->valuestring;
        uint32_t seed = (uint32_t)strtoul(id + 12, NULL, 16), i = seed - 1000;
        assert_true(i < NA + NB);
        assert_int_equal(seen[i], 0);
        seen[i] = 1;
        char want_id[17];
        for (int k = 0; k < 8; k++)
            snprintf(want_id + 2 * k, 3, "%02x", rs[i].id[k]);
        assert_string_equal(id, want_id);
        const cJSON *rest = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "answers"), "rest_days");
        assert_int_equal(rest->valueint, (int)(i % 8));
        char *slot = dev_of[i >= NA];
        const char *d = cJSON_GetObjectItem(o, "device")->valuestring;
        if (slot[0] == '\0')
            snprintf(slot, 16, "%s", d);
        assert_string_equal(slot, d);
        cJSON_Delete(o);
        lines++;
    }
    fclose(fp);
    assert_int_equal(lines, NA + NB - 2);
    assert_string_not_equal(dev_of[0], dev_of[1]);
    for (size_t t = 0; t < 2; t++)
        assert_int_equal(seen[tamper[t]], 0);

    /* stderr names exactly the two changed responses. */
    size_t named = 0;
    fp = fopen(errs, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof line, fp) != NULL) {
        if (strstr(line, "not exported") == NULL)
            continue;
        int hit = 0;
        for (size_t t = 0; t < 2; t++) {
            char want_id[17];
            for (int k = 0; k < 8; k++)
                snprintf(want_id + 2 * k, 3, "%02x", rs[tamper[t]].id[k]);
            hit |= strstr(line, want_id) != NULL;
        }
        assert_true(hit);
        named++;
    }
    fclose(fp);
    assert_int_equal(named, 2);
    free(seen);
    free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_answer_kind_is_exported_with_its_exact_value,
                                        setup, teardown),
        cmocka_unit_test(periods_are_iso_weeks_or_months_never_days),
        cmocka_unit_test_setup_teardown(device_pseudonyms_group_within_one_export_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            month_period_is_used_when_asked_and_named_in_the_codebook, setup, teardown),
        cmocka_unit_test_setup_teardown(records_hold_no_device_id_and_no_collection_order,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(ndjson_has_one_record_per_line, setup, teardown),
        cmocka_unit_test_setup_teardown(codebook_explains_every_item_choice_and_sentinel, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(default_survey_codebook_lists_every_item, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(export_to_an_unwritable_place_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(corrupt_or_missing_store_exports_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_command_lines_are_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(records_are_printed_exactly_as_cjson_prints_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_big_store_exports_every_response_once_and_names_changed_ones, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
