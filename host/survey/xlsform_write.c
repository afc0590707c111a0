/*
 * xlsform_write.c: a JSON survey source -> an XLSForm workbook
 * (libxlsxwriter), for translators who work in spreadsheets.
 *
 * The layout is what xlsform_read.c reads back into the same source tree:
 *   survey   type, name, label::Name (code)..., hint::..., relevant (XPath:
 *            ${x}), constraint (". >= MIN and . <= MAX"), then one column
 *            per other item field, named after it (texts as FIELD::Name
 *            (code), booleans and numbers as such, lists of tags space
 *            separated, coding as "yes: debt_bondage INV; 1..5: ...",
 *            anything else as JSON text);
 *   choices  list_name (the item's name), name, label::..., other fields
 *            (exclusive);
 *   settings form_id, version, default_language (the first language),
 *            title::..., consent::..., referral::..., other top-level fields
 *            (eligibility in XPath like relevant, notes), font::Name (code)
 *            for each language that names a font;
 *   ui       name, label::... per language, built_in: every interface
 *            string, empty where the built-in text is used.
 * Every field is exported, so a field compile.c learns later round-trips
 * without a change here. The file is reproducible: a fixed creation date,
 * so surveys/domestic-work.xlsx can be compared byte for byte.
 * Never: writes a partial file (temp file, then cnd_write_file_atomic).
 * RAM: host only; the parsed JSON plus libxlsxwriter's workbook.
 */
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "cnd_limits.h"
#include "pack.h"
#include "commands.h"
#include "compile.h"
#include "xlsform.h"

#define MAX_COLS 128
#define XLSFORM_SOURCE_MAX (1024 * 1024) /* as compile.c SOURCE_MAX_BYTES */
#define REPRODUCIBLE_DATE 946684800 /* 2000-01-01: a fixed date, no build's time */

typedef struct {
    char base[64];
    int lang; /* a texts map: one column per language */
} wcol_t;

typedef struct {
    lxw_workbook *wb;
    const cJSON *langs;
    int n_langs;
    cnd_err_t *err;
    int failed;
} wctx_t;

static const char *lang_code(const wctx_t *w, int l)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(w->langs, l), "code");
    return cJSON_IsString(c) ? c->valuestring : "";
}

static const char *lang_name(const wctx_t *w, int l)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(w->langs, l), "name");
    return cJSON_IsString(c) ? c->valuestring : "";
}

/* A per-language text map: an object whose keys are all declared codes. */
static int is_texts(const wctx_t *w, const cJSON *v)
{
    const cJSON *e;
    int l, known;
    if (!cJSON_IsObject(v) || v->child == NULL)
        return 0;
    for (e = v->child; e != NULL; e = e->next) {
        if (!cJSON_IsString(e))
            return 0;
        for (known = 0, l = 0; l < w->n_langs; l++)
            known = known || strcmp(e->string, lang_code(w, l)) == 0;
        if (!known)
            return 0;
    }
    return 1;
}

static void add_col(wcol_t *cols, int *n, const char *base, int lang)
{
    int i;
    for (i = 0; i < *n; i++)
        if (strcmp(cols[i].base, base) == 0)
            return;
    if (*n == MAX_COLS)
        return;
    snprintf(cols[*n].base, sizeof cols[*n].base, "%s", base);
    cols[*n].lang = lang;
    (*n)++;
}

/* Columns for every field of objs[] not in skip, in order of appearance. */
static void collect_cols(const wctx_t *w, const cJSON *arr, const char *const *skip,
                         wcol_t *cols, int *n)
{
    const cJSON *o, *f;
    const char *const *s;
    cJSON_ArrayForEach(o, arr)
    {
        for (f = cJSON_IsObject(o) ? o->child : NULL; f != NULL; f = f->next) {
            int skipped = 0;
            for (s = skip; *s != NULL; s++)
                skipped = skipped || strcmp(*s, f->string) == 0;
            if (!skipped)
                add_col(cols, n, f->string, is_texts(w, f));
        }
    }
}

static void check(wctx_t *w, lxw_error e)
{
    if (e != LXW_NO_ERROR && !w->failed) {
        w->failed = 1;
        cnd_err_set(w->err, "cannot write the workbook: %s", lxw_strerror(e));
    }
}

/* Header row: fixed columns, then the collected ones (texts expanded). */
static int write_header(wctx_t *w, lxw_worksheet *ws, const char *const *fixed, const wcol_t *cols,
                        int n)
{
    char h[256];
    int c = 0, i, l;
    for (; *fixed != NULL; fixed++)
        check(w, worksheet_write_string(ws, 0, (lxw_col_t)c++, *fixed, NULL));
    for (i = 0; i < n; i++) {
        if (!cols[i].lang) {
            check(w, worksheet_write_string(ws, 0, (lxw_col_t)c++, cols[i].base, NULL));
            continue;
        }
        for (l = 0; l < w->n_langs; l++) {
            snprintf(h, sizeof h, "%s::%s (%s)", cols[i].base, lang_name(w, l), lang_code(w, l));
            check(w, worksheet_write_string(ws, 0, (lxw_col_t)c++, h, NULL));
        }
    }
    return c;
}

/* A coding object as its cell, "yes: debt_bondage INV; 1..5: excessive_overtime"
 * (xlsform_read.c reads it back); 0 when it has no such form (then JSON). */
static int coding_text(const cJSON *v, char *buf, size_t cap)
{
    const cJSON *ans, *t;
    size_t n = 0;
    buf[0] = '\0';
    if (!cJSON_IsObject(v) || v->child == NULL)
        return 0;
    cJSON_ArrayForEach(ans, v)
    {
        if (!cJSON_IsArray(ans) || ans->child == NULL || ans->string[0] == '\0' ||
            strpbrk(ans->string, ":;\n") != NULL || strchr(" \t{", ans->string[0]) != NULL ||
            strchr(" \t", ans->string[strlen(ans->string) - 1]) != NULL)
            return 0;
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s:", n ? "; " : "",
                              ans->string);
        cJSON_ArrayForEach(t, ans)
        {
            if (!cJSON_IsString(t) || t->valuestring[0] == '\0' ||
                strpbrk(t->valuestring, " ,;:\t\n") != NULL)
                return 0;
            n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, " %s", t->valuestring);
        }
        if (n >= cap)
            return 0;
    }
    return 1;
}

static void write_value(wctx_t *w, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *key,
                        const cJSON *v)
{
    char text[4096];
    if (v == NULL || cJSON_IsNull(v))
        return;
    if (cJSON_IsString(v)) {
        check(w, worksheet_write_string(ws, r, c, v->valuestring, NULL));
    } else if (cJSON_IsBool(v)) {
        check(w, worksheet_write_boolean(ws, r, c, cJSON_IsTrue(v), NULL));
    } else if (cJSON_IsNumber(v)) {
        check(w, worksheet_write_number(ws, r, c, v->valuedouble, NULL));
    } else if (strcmp(key, "tags") == 0 && cJSON_IsArray(v)) {
        char buf[512] = "";
        const cJSON *t;
        size_t n = 0;
        cJSON_ArrayForEach(t, v) if (cJSON_IsString(t) && n < sizeof buf) n +=
            (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", n ? " " : "", t->valuestring);
        check(w, worksheet_write_string(ws, r, c, buf, NULL));
    } else if (strcmp(key, "coding") == 0 && coding_text(v, text, sizeof text)) {
        check(w, worksheet_write_string(ws, r, c, text, NULL));
    } else {
        char *s = cJSON_PrintUnformatted(v);
        if (s != NULL)
            check(w, worksheet_write_string(ws, r, c, s, NULL));
        free(s);
    }
}

/* The collected columns of one object, from column c on. */
static void write_fields(wctx_t *w, lxw_worksheet *ws, lxw_row_t r, int c, const cJSON *obj,
                         const wcol_t *cols, int n)
{
    int i, l;
    for (i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, cols[i].base);
        if (!cols[i].lang) {
            write_value(w, ws, r, (lxw_col_t)c++, cols[i].base, v);
            continue;
        }
        for (l = 0; l < w->n_langs; l++, c++)
            if (is_texts(w, v))
                write_value(w, ws, r, (lxw_col_t)c, "",
                            cJSON_GetObjectItemCaseSensitive(v, lang_code(w, l)));
    }
}

static int whole(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble == (double)(long)v->valuedouble &&
           v->valuedouble >= -2147483648.0 && v->valuedouble <= 2147483647.0;
}

/* An item as its survey row: relevant in XPath, a whole-number range as a
 * constraint; every other field as it is. NULL when out of memory. */
static cJSON *item_row(const cJSON *it)
{
    const cJSON *rel = cJSON_GetObjectItemCaseSensitive(it, "relevant");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(it, "kind");
    const cJSON *min = cJSON_GetObjectItemCaseSensitive(it, "min");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(it, "max");
    cJSON *row = cJSON_Duplicate(it, 1);
    char buf[CND_MAX_TEXT_LEN * 3 + 64];

    if (row == NULL)
        return NULL;
    if (cJSON_IsString(rel) && cnd_xlsform_relevant_out(rel->valuestring, buf, sizeof buf))
        cJSON_ReplaceItemInObjectCaseSensitive(row, "relevant", cJSON_CreateString(buf));
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "integer") == 0 && whole(min) &&
        whole(max)) {
        snprintf(buf, sizeof buf, ". >= %ld and . <= %ld", (long)min->valuedouble,
                 (long)max->valuedouble);
        cJSON_DeleteItemFromObjectCaseSensitive(row, "min");
        cJSON_DeleteItemFromObjectCaseSensitive(row, "max");
        cJSON_AddStringToObject(row, "constraint", buf);
    }
    return row;
}

static void write_survey(wctx_t *w, const cJSON *items)
{
    static const char *const head[] = {"type", "name", NULL};
    static const char *const skip[] = {"kind", "name", "choices", NULL};
    static const char *const choice_head[] = {"list_name", "name", NULL};
    static const char *const choice_skip[] = {"name", NULL};
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, "survey");
    lxw_worksheet *cs = workbook_add_worksheet(w->wb, "choices");
    wcol_t cols[MAX_COLS], ccols[MAX_COLS];
    cJSON *rows = cJSON_CreateArray();
    const cJSON *it;
    int n = 0, nc = 0;
    lxw_row_t r = 0, crow = 0;

    if (rows == NULL) {
        check(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    /* label and hint always, so translators see where each text goes. */
    add_col(cols, &n, "label", 1);
    add_col(cols, &n, "hint", 1);
    add_col(cols, &n, "relevant", 0);
    add_col(cols, &n, "constraint", 0);
    add_col(ccols, &nc, "label", 1);
    cJSON_ArrayForEach(it, items)
    {
        cJSON *row = item_row(it);
        const cJSON *chs = cJSON_GetObjectItemCaseSensitive(it, "choices");
        if (row == NULL) {
            check(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
            break;
        }
        cJSON_AddItemToArray(rows, row);
        if (cJSON_IsArray(chs))
            collect_cols(w, chs, choice_skip, ccols, &nc);
    }
    collect_cols(w, rows, skip, cols, &n);
    write_header(w, ws, head, cols, n);
    write_header(w, cs, choice_head, ccols, nc);
    cJSON_ArrayForEach(it, rows)
    {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *choices = cJSON_GetObjectItemCaseSensitive(it, "choices"), *ch;
        const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
        char type[128];
        /* The list is named after its item (item names are unique; a
         * duplicate, which compile refuses anyway, gets its row number). */
        char list[96];
        const cJSON *prev;
        int dup = 0;
        cJSON_ArrayForEach(prev, rows)
        {
            if (prev == it)
                break;
            dup = dup || cJSON_Compare(cJSON_GetObjectItemCaseSensitive(prev, "name"), name, 1);
        }
        snprintf(list, sizeof list, "%.64s", cJSON_IsString(name) ? name->valuestring : "list");
        if (dup || !cJSON_IsString(name))
            snprintf(list + strlen(list), sizeof list - strlen(list), "_%u", (unsigned)r + 1);

        r++;
        if (strcmp(k, "single") == 0 || strcmp(k, "multiple") == 0)
            snprintf(type, sizeof type, "%s%s%.64s",
                     k[0] == 's' ? "select_one" : "select_multiple",
                     cJSON_IsArray(choices) ? " " : "", cJSON_IsArray(choices) ? list : "");
        else if (strcmp(k, "info") == 0)
            snprintf(type, sizeof type, "note");
        else
            snprintf(type, sizeof type, "%.100s", k);
        check(w, worksheet_write_string(ws, r, 0, type, NULL));
        write_value(w, ws, r, 1, "name", name);
        write_fields(w, ws, r, 2, it, cols, n);
        if (!cJSON_IsArray(choices))
            continue;
        cJSON_ArrayForEach(ch, choices)
        {
            crow++;
            check(w, worksheet_write_string(cs, crow, 0, list, NULL));
            write_value(w, cs, crow, 1, "name", cJSON_GetObjectItemCaseSensitive(ch, "name"));
            write_fields(w, cs, crow, 2, ch, ccols, nc);
        }
    }
    cJSON_Delete(rows);
}

/* The settings row: the top-level fields, eligibility in XPath like
 * relevant, and each language's font as font::Name (code) beside its title
 * (the source keeps it on the language). NULL when out of memory. */
static cJSON *settings_row(const wctx_t *w, const cJSON *root)
{
    const cJSON *elig = cJSON_GetObjectItemCaseSensitive(root, "eligibility");
    cJSON *row = cJSON_Duplicate(root, 1), *fonts = NULL;
    char buf[CND_MAX_TEXT_LEN * 3 + 64];
    int l;

    if (row == NULL)
        return NULL;
    if (cJSON_IsString(elig) && cnd_xlsform_relevant_out(elig->valuestring, buf, sizeof buf))
        cJSON_ReplaceItemInObjectCaseSensitive(row, "eligibility", cJSON_CreateString(buf));
    for (l = 0; l < w->n_langs; l++) {
        const cJSON *font =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(w->langs, l), "font");
        if (font == NULL)
            continue;
        if (fonts == NULL && (fonts = cJSON_AddObjectToObject(row, "font")) == NULL)
            break;
        cJSON_AddItemToObject(fonts, lang_code(w, l), cJSON_Duplicate(font, 1));
    }
    return row;
}

static void write_settings(wctx_t *w, const cJSON *root)
{
    static const char *const head[] = {"form_id", "version", "default_language", NULL};
    static const char *const skip[] = {"$schema", "id", "version", "languages", "ui", "items",
                                       NULL};
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, "settings");
    wcol_t cols[MAX_COLS];
    cJSON *arr = cJSON_CreateArray(), *row = settings_row(w, root);
    char dl[256];
    int n = 0;

    if (arr == NULL || row == NULL) {
        check(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        cJSON_Delete(arr);
        cJSON_Delete(row);
        return;
    }
    add_col(cols, &n, "title", 1);
    add_col(cols, &n, "consent", 1);
    add_col(cols, &n, "referral", 1);
    cJSON_AddItemToArray(arr, row);
    collect_cols(w, arr, skip, cols, &n);
    write_header(w, ws, head, cols, n);
    write_value(w, ws, 1, 0, "id", cJSON_GetObjectItemCaseSensitive(root, "id"));
    write_value(w, ws, 1, 1, "version", cJSON_GetObjectItemCaseSensitive(root, "version"));
    if (w->n_langs > 0) {
        snprintf(dl, sizeof dl, "%s (%s)", lang_name(w, 0), lang_code(w, 0));
        check(w, worksheet_write_string(ws, 1, 2, dl, NULL));
    }
    write_fields(w, ws, 1, 3, row, cols, n);
    cJSON_Delete(arr);
}

/* The ui sheet: one row per interface string, every one of them, so a
 * translator sees what there is to translate; one label column per
 * language, empty where the built-in text is used (en, es), and the
 * built-in English beside it for reference (read past by candor compile).
 * Keys the compiler does not know, if the source has any, follow, so that
 * compile refuses them naming their row. */
static void write_ui(wctx_t *w, const cJSON *ui)
{
    static const char *const head[] = {"name", NULL};
    lxw_worksheet *ws = workbook_add_worksheet(w->wb, "ui");
    wcol_t cols[1];
    const cJSON *block, *s;
    char keys[64][64];
    int n_keys = 0, i, l, n = 0, c;

    for (i = 0; i < CND_UI_COUNT; i++)
        snprintf(keys[n_keys++], sizeof keys[0], "%s", cnd_compile_ui_key(i));
    cJSON_ArrayForEach(block, ui) for (s = cJSON_IsObject(block) ? block->child : NULL; s != NULL;
                                       s = s->next)
    {
        for (i = 0; i < n_keys && strcmp(keys[i], s->string) != 0; i++)
            ;
        if (i == n_keys && n_keys < 64)
            snprintf(keys[n_keys++], sizeof keys[0], "%s", s->string);
    }
    add_col(cols, &n, "label", 1);
    c = write_header(w, ws, head, cols, n);
    check(w, worksheet_write_string(ws, 0, (lxw_col_t)c, "built_in", NULL));
    for (i = 0; i < n_keys; i++) {
        const char *def = i < CND_UI_COUNT ? cnd_compile_ui_default("en", i) : NULL;
        check(w, worksheet_write_string(ws, (lxw_row_t)i + 1, 0, keys[i], NULL));
        for (l = 0; l < w->n_langs; l++)
            write_value(w, ws, (lxw_row_t)i + 1, (lxw_col_t)(1 + l), "",
                        cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(ui, lang_code(w, l)), keys[i]));
        if (def != NULL)
            check(w, worksheet_write_string(ws, (lxw_row_t)i + 1, (lxw_col_t)c, def, NULL));
    }
}

static cnd_status_t read_back(const char *tmp, uint8_t **buf, size_t *len, cnd_err_t *err)
{
    FILE *f = fopen(tmp, "rb");
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        cnd_err_set(err, "cannot read back the workbook %s: %s", tmp, strerror(errno));
        if (f)
            fclose(f);
        return CND_E_IO;
    }
    *buf = malloc((size_t)n + 1);
    if (*buf == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        cnd_err_set(err, "cannot read back the workbook %s", tmp);
        fclose(f);
        return CND_E_IO;
    }
    fclose(f);
    *len = (size_t)n;
    return CND_OK;
}

cnd_status_t cnd_xlsform_write(const char *json, size_t len, const char *path, cnd_err_t *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    const char *dir = getenv("TMPDIR");
    lxw_workbook_options opts = {0};
    lxw_doc_properties props = {0};
    wctx_t w;
    char tmp[512];
    uint8_t *bytes = NULL;
    size_t n_bytes = 0;
    cnd_status_t st = CND_E_INVALID;
    int fd;

    if (root == NULL || !cJSON_IsObject(root)) {
        size_t line = 1, i, stop = end && end >= json ? (size_t)(end - json) : len;
        for (i = 0; i < stop && i < len; i++)
            line += json[i] == '\n';
        cnd_err_set(err, "line %zu: malformed JSON (candor compile names the column)", line);
        cJSON_Delete(root);
        return CND_E_INVALID;
    }
    memset(&w, 0, sizeof w);
    w.err = err;
    w.langs = cJSON_GetObjectItemCaseSensitive(root, "languages");
    if (!cJSON_IsArray(w.langs) || cJSON_GetArraySize(w.langs) == 0 ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "items"))) {
        cnd_err_set(err, "not a survey source: it needs 'languages' and 'items' arrays "
                         "(formats/schema/survey.schema.json)");
        cJSON_Delete(root);
        return CND_E_INVALID;
    }
    w.n_langs = cJSON_GetArraySize(w.langs);
    snprintf(tmp, sizeof tmp, "%s/candor-xlsform-XXXXXX", dir && dir[0] ? dir : "/tmp");
    if ((fd = mkstemp(tmp)) < 0) {
        cnd_err_set(err, "cannot create a temporary file in %s: %s", dir && dir[0] ? dir : "/tmp",
                    strerror(errno));
        cJSON_Delete(root);
        return CND_E_IO;
    }
    close(fd);
    opts.tmpdir = (char *)(dir && dir[0] ? dir : "/tmp");
    w.wb = workbook_new_opt(tmp, &opts);
    if (w.wb == NULL) {
        cnd_err_set(err, "cannot start a workbook (libxlsxwriter)");
        unlink(tmp);
        cJSON_Delete(root);
        return CND_E_IO;
    }
    props.created = REPRODUCIBLE_DATE;
    check(&w, workbook_set_properties(w.wb, &props));
    write_survey(&w, cJSON_GetObjectItemCaseSensitive(root, "items"));
    write_settings(&w, root);
    write_ui(&w, cJSON_GetObjectItemCaseSensitive(root, "ui"));
    check(&w, workbook_close(w.wb));
    if (!w.failed && (st = read_back(tmp, &bytes, &n_bytes, err)) == CND_OK)
        st = cnd_write_file_atomic(path, bytes, n_bytes, err);
    else if (w.failed)
        st = CND_E_IO;
    free(bytes);
    unlink(tmp);
    cJSON_Delete(root);
    return st;
}

/* ---------------------------------------------------------------- CLI */

static void xlsform_usage(FILE *to)
{
    fprintf(to, "usage: candor xlsform SURVEY.json -o SURVEY.xlsx\n"
                "\n"
                "Writes a survey source out as an XLSForm workbook (survey, choices,\n"
                "settings and ui sheets), for translators and survey authors who work in\n"
                "spreadsheets. candor compile reads the workbook back: compiling it gives\n"
                "the same pack, byte for byte, as compiling the JSON. Candor's own fields\n"
                "are columns named after them (private, prefer_not, tags, preset, ...).\n"
                "\n"
                "options:\n"
                "  -o, --output FILE   where to write the workbook (required)\n"
                "  -h, --help          show this help\n");
}

int cnd_cmd_xlsform(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL, *source;
    cnd_err_t err;
    char *buf;
    size_t n;
    FILE *f;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == 'h') {
            xlsform_usage(stdout);
            return CND_EXIT_OK;
        }
        if (c == 'o') {
            output = optarg;
            continue;
        }
        fprintf(stderr, "candor xlsform: unknown option or missing value '%s'; see candor "
                        "xlsform --help\n",
                argv[optind - 1]);
        return CND_EXIT_USAGE;
    }
    if (optind != argc - 1 || output == NULL) {
        fprintf(stderr, "candor xlsform: expected one SURVEY.json and -o SURVEY.xlsx; see "
                        "candor xlsform --help\n");
        return CND_EXIT_USAGE;
    }
    source = argv[optind];
    if ((f = fopen(source, "rb")) == NULL) {
        fprintf(stderr, "candor xlsform: cannot read %s: %s\n", source, strerror(errno));
        return CND_EXIT_FAIL;
    }
    buf = malloc(XLSFORM_SOURCE_MAX + 1);
    n = buf ? fread(buf, 1, XLSFORM_SOURCE_MAX + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > XLSFORM_SOURCE_MAX) {
        fprintf(stderr, "candor xlsform: %s is larger than %d bytes; is it really a survey "
                        "source?\n",
                source, XLSFORM_SOURCE_MAX);
        free(buf);
        return CND_EXIT_INPUT;
    }
    memset(&err, 0, sizeof err);
    if (cnd_xlsform_write(buf, n, output, &err) != CND_OK) {
        fprintf(stderr, "candor xlsform: %s: %s\n", source, err.msg);
        free(buf);
        return CND_EXIT_INPUT;
    }
    free(buf);
    printf("wrote %s\n", output);
    return CND_EXIT_OK;
}
