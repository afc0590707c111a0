/*
 * xlsform_read.c: an XLSForm workbook -> the JSON source tree compile.c
 * checks (see xlsform.h for the contract and the bounds).
 *
 * Two steps. The container: libzip opens the bytes in memory, Expat parses
 * the few parts that matter (workbook, its relationships, shared strings,
 * the survey/choices/settings/ui sheets) into a list of non-empty cells;
 * every part is inflated in steps and counted, so a zip header that lies
 * about sizes changes nothing. The form: each sheet's first used row is
 * its header; each other row becomes an item, a choice or the settings.
 * Columns map generically onto JSON fields: "X" is the field X, "X::Name
 * (code)" is X's text in that language, so a field compile.c learns later
 * needs no change here. Only XLSForm's own notions are translated: type,
 * relevant (XPath subset), constraint (an integer range), required, groups.
 * Every value's JSON path is recorded with its cell, and every empty cell
 * of a known column too, so a compiler error about a missing text names
 * the empty cell.
 * RAM: host only; see xlsform.h.
 */
#include "xlsform.h"

#include <cJSON.h>
#include <ctype.h>
#include <expat.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "cnd_limits.h"
#include "compile.h"

#define MAX_SHEETS 64
#define MAX_RELS 256
#define READ_STEP 65536

/* ------------------------------------------------------------ the book */

typedef struct {
    uint32_t row, col;
    char type; /* 's' text, 'n' number, 'b' boolean */
    char *text;
} xcell_t;

typedef struct {
    char *name;   /* as the user named the tab */
    char *target; /* zip entry */
    int load;     /* one of the sheets the form uses */
    xcell_t *cells;
    size_t n, cap;
    char merge[40]; /* first merged range, "" if none */
} xsheet_t;

typedef struct {
    zip_t *zip;
    uint64_t total;
    char **strings;
    size_t n_strings, cap_strings;
    xsheet_t sheets[MAX_SHEETS];
    size_t n_sheets;
    char *rel_id[MAX_RELS], *rel_target[MAX_RELS];
    size_t n_rels;
    cnd_err_t *err;
    int failed;
} book_t;

enum { PART_WORKBOOK, PART_RELS, PART_STRINGS, PART_SHEET };

typedef struct {
    book_t *bk;
    XML_Parser xp;
    const char *part;
    int kind;
    xsheet_t *sheet;
    char *buf;
    size_t len;
    int collect;
    int in_si, in_rph, in_is, in_c;
    uint32_t row, col, next_col;
    char ctype;
    int have_value;
} pctx_t;

static void bk_fail(book_t *bk, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bk_fail(book_t *bk, const char *fmt, ...)
{
    va_list ap;
    char msg[sizeof bk->err->msg];
    if (bk->failed)
        return;
    bk->failed = 1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cnd_err_set(bk->err, "%s", msg);
}

/* "AB" for column 28. */
static void col_letters(uint32_t col, char out[8])
{
    char tmp[8];
    int n = 0, i;
    while (col > 0 && n < 7) {
        tmp[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* "B14" -> col 2, row 14; 0 if malformed. */
static int parse_ref(const char *s, uint32_t *row, uint32_t *col)
{
    uint32_t c = 0, r = 0;
    if (!isalpha((unsigned char)*s))
        return 0;
    while (isalpha((unsigned char)*s)) {
        c = c * 26 + (uint32_t)(toupper((unsigned char)*s) - 'A' + 1);
        if (c > 16384)
            return 0;
        s++;
    }
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s)) {
        r = r * 10 + (uint32_t)(*s - '0');
        if (r > 1048576)
            return 0;
        s++;
    }
    if (*s != '\0' || r == 0)
        return 0;
    *row = r;
    *col = c;
    return 1;
}

static const char *local_name(const char *name)
{
    const char *p = strrchr(name, '\x01');
    return p ? p + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (; atts[0] != NULL; atts += 2)
        if (strcmp(local_name(atts[0]), name) == 0)
            return atts[1];
    return NULL;
}

static char *dupstr(book_t *bk, const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) {
        bk_fail(bk, "out of memory reading the workbook");
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void px_fail(pctx_t *pc, const char *what)
{
    bk_fail(pc->bk, "%s: %s", pc->part, what);
    XML_StopParser(pc->xp, XML_FALSE);
}

static void px_start_text(pctx_t *pc)
{
    pc->collect = 1;
    pc->len = 0;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int n)
{
    pctx_t *pc = ud;
    if (!pc->collect || pc->bk->failed)
        return;
    if (pc->len + (size_t)n > XLSX_MAX_CELL_BYTES) {
        char what[96];
        snprintf(what, sizeof what, "a value longer than %d bytes", XLSX_MAX_CELL_BYTES);
        px_fail(pc, what);
        return;
    }
    memcpy(pc->buf + pc->len, s, (size_t)n);
    pc->len += (size_t)n;
}

/* Workbook XML never has a DTD; refusing one before its first declaration
 * means no entity is ever defined, let alone expanded (billion laughs). */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sys,
                               const XML_Char *pub, int internal)
{
    (void)name;
    (void)sys;
    (void)pub;
    (void)internal;
    px_fail(ud, "contains a DTD (<!DOCTYPE>), which no workbook has; refused so that no "
                "entity is expanded");
}

static void add_shared_string(pctx_t *pc)
{
    book_t *bk = pc->bk;
    if (bk->n_strings == XLSX_MAX_STRINGS) {
        char what[96];
        snprintf(what, sizeof what, "more than %d shared strings", XLSX_MAX_STRINGS);
        px_fail(pc, what);
        return;
    }
    if (bk->n_strings == bk->cap_strings) {
        size_t cap = bk->cap_strings ? bk->cap_strings * 2 : 256;
        char **s = realloc(bk->strings, cap * sizeof *s);
        if (s == NULL) {
            px_fail(pc, "out of memory");
            return;
        }
        bk->strings = s;
        bk->cap_strings = cap;
    }
    if ((bk->strings[bk->n_strings] = dupstr(bk, pc->buf, pc->len)) != NULL)
        bk->n_strings++;
}

static void add_cell(pctx_t *pc)
{
    xsheet_t *sh = pc->sheet;
    book_t *bk = pc->bk;
    const char *text = pc->buf;
    size_t n = pc->len, k;
    char type = pc->ctype, where[64], letters[8];

    pc->buf[n] = '\0';
    col_letters(pc->col, letters);
    snprintf(where, sizeof where, "%s!%s%u", sh->name, letters, pc->row);
    if (type == 'S') { /* index into the shared strings */
        char *end;
        unsigned long i = strtoul(text, &end, 10);
        if (n == 0 || *end != '\0' || i >= bk->n_strings) {
            bk_fail(bk, "%s: refers to shared string '%.20s', which does not exist (damaged "
                        "workbook)",
                    where, text);
            XML_StopParser(pc->xp, XML_FALSE);
            return;
        }
        text = bk->strings[i];
        n = strlen(text);
        type = 's';
    }
    if (type == 'e') {
        bk_fail(bk, "%s: holds a spreadsheet error (%.20s); fix the formula or type the value",
                where, text);
        XML_StopParser(pc->xp, XML_FALSE);
        return;
    }
    for (k = 0; k < n && isspace((unsigned char)text[k]); k++)
        ;
    if (k == n)
        return; /* empty cells are no cells */
    if (pc->row > XLSX_MAX_ROWS || pc->col > XLSX_MAX_COLS) {
        bk_fail(bk,
                "%s: the sheet goes beyond row %d or column %d; a Candor survey has at most "
                "%d questions, so this is not a survey",
                where, XLSX_MAX_ROWS, XLSX_MAX_COLS, CND_MAX_ITEMS);
        XML_StopParser(pc->xp, XML_FALSE);
        return;
    }
    if (sh->n == XLSX_MAX_CELLS) {
        bk_fail(bk, "%s: more than %d filled cells in one sheet", where, XLSX_MAX_CELLS);
        XML_StopParser(pc->xp, XML_FALSE);
        return;
    }
    if (sh->n == sh->cap) {
        size_t cap = sh->cap ? sh->cap * 2 : 256;
        xcell_t *c = realloc(sh->cells, cap * sizeof *c);
        if (c == NULL) {
            px_fail(pc, "out of memory");
            return;
        }
        sh->cells = c;
        sh->cap = cap;
    }
    sh->cells[sh->n].row = pc->row;
    sh->cells[sh->n].col = pc->col;
    sh->cells[sh->n].type = type;
    if ((sh->cells[sh->n].text = dupstr(bk, text, n)) != NULL)
        sh->n++;
    else
        XML_StopParser(pc->xp, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name_ns, const XML_Char **atts)
{
    pctx_t *pc = ud;
    book_t *bk = pc->bk;
    const char *name = local_name(name_ns), *a;

    if (bk->failed)
        return;
    switch (pc->kind) {
    case PART_WORKBOOK:
        if (strcmp(name, "sheet") == 0) {
            const char *sn = attr(atts, "name"), *id = attr(atts, "id");
            xsheet_t *sh;
            if (sn == NULL || id == NULL)
                return;
            if (bk->n_sheets == MAX_SHEETS) {
                px_fail(pc, "more than 64 sheets");
                return;
            }
            sh = &bk->sheets[bk->n_sheets];
            sh->name = dupstr(bk, sn, strlen(sn));
            sh->target = dupstr(bk, id, strlen(id)); /* the r:id until resolved */
            if (sh->name != NULL && sh->target != NULL)
                bk->n_sheets++;
        }
        break;
    case PART_RELS:
        if (strcmp(name, "Relationship") == 0) {
            const char *id = attr(atts, "Id"), *t = attr(atts, "Target");
            if (id == NULL || t == NULL || bk->n_rels == MAX_RELS)
                return;
            bk->rel_id[bk->n_rels] = dupstr(bk, id, strlen(id));
            bk->rel_target[bk->n_rels] = dupstr(bk, t, strlen(t));
            if (bk->rel_id[bk->n_rels] && bk->rel_target[bk->n_rels])
                bk->n_rels++;
        }
        break;
    case PART_STRINGS:
        if (strcmp(name, "si") == 0) {
            pc->in_si = 1;
            px_start_text(pc);
            pc->collect = 0;
        } else if (strcmp(name, "rPh") == 0) {
            pc->in_rph = 1; /* phonetic guide: not part of the text */
        } else if (strcmp(name, "t") == 0 && pc->in_si && !pc->in_rph) {
            pc->collect = 1;
        }
        break;
    case PART_SHEET:
        if (strcmp(name, "row") == 0) {
            uint32_t r = pc->row + 1, c;
            if ((a = attr(atts, "r")) != NULL) {
                char ref[24];
                snprintf(ref, sizeof ref, "A%s", a);
                if (!parse_ref(ref, &r, &c)) {
                    px_fail(pc, "a row with a malformed number");
                    return;
                }
            }
            pc->row = r;
            pc->next_col = 1;
        } else if (strcmp(name, "c") == 0) {
            uint32_t r = pc->row, c = pc->next_col;
            if ((a = attr(atts, "r")) != NULL && !parse_ref(a, &r, &c)) {
                px_fail(pc, "a cell with a malformed reference");
                return;
            }
            if (r == 0)
                r = 1;
            pc->row = r;
            pc->col = c;
            pc->next_col = c + 1;
            a = attr(atts, "t");
            pc->ctype = a == NULL                      ? 'n'
                        : strcmp(a, "s") == 0          ? 'S'
                        : strcmp(a, "b") == 0          ? 'b'
                        : strcmp(a, "e") == 0          ? 'e'
                        : strcmp(a, "n") == 0          ? 'n'
                                                       : 's'; /* str, inlineStr, d */
            pc->in_c = 1;
            pc->have_value = 0;
            pc->len = 0;
        } else if (pc->in_c && strcmp(name, "v") == 0) {
            px_start_text(pc);
            pc->have_value = 1;
        } else if (pc->in_c && strcmp(name, "is") == 0) {
            pc->in_is = 1;
            pc->len = 0;
            pc->have_value = 1;
        } else if (pc->in_is && strcmp(name, "rPh") == 0) {
            pc->in_rph = 1;
        } else if (pc->in_is && !pc->in_rph && strcmp(name, "t") == 0) {
            pc->collect = 1;
        } else if (strcmp(name, "mergeCell") == 0 && pc->sheet->merge[0] == '\0' &&
                   (a = attr(atts, "ref")) != NULL) {
            snprintf(pc->sheet->merge, sizeof pc->sheet->merge, "%s", a);
        }
        break;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name_ns)
{
    pctx_t *pc = ud;
    const char *name = local_name(name_ns);
    if (pc->bk->failed)
        return;
    if (pc->kind == PART_STRINGS) {
        if (strcmp(name, "t") == 0)
            pc->collect = 0;
        else if (strcmp(name, "rPh") == 0)
            pc->in_rph = 0;
        else if (strcmp(name, "si") == 0) {
            pc->in_si = 0;
            add_shared_string(pc);
        }
    } else if (pc->kind == PART_SHEET) {
        if (strcmp(name, "v") == 0 || strcmp(name, "t") == 0)
            pc->collect = 0;
        else if (strcmp(name, "rPh") == 0)
            pc->in_rph = 0;
        else if (strcmp(name, "is") == 0)
            pc->in_is = 0;
        else if (strcmp(name, "c") == 0) {
            pc->in_c = 0;
            if (pc->have_value)
                add_cell(pc);
        }
    }
}

/* Inflates and parses one zip entry; 1 if absent and optional. */
static int read_part(book_t *bk, const char *entry, int optional, pctx_t *pc)
{
    zip_int64_t idx = zip_name_locate(bk->zip, entry, 0);
    zip_file_t *f;
    XML_Parser xp;
    uint64_t part = 0;
    char *chunk;
    int done = 0;

    if (idx < 0)
        idx = zip_name_locate(bk->zip, entry, ZIP_FL_NOCASE);
    if (idx < 0) {
        if (!optional)
            bk_fail(bk, "the workbook has no %s: is it really an .xlsx workbook?", entry);
        return optional;
    }
    if ((f = zip_fopen_index(bk->zip, (zip_uint64_t)idx, 0)) == NULL) {
        bk_fail(bk, "%s: cannot be read (%s); the workbook is damaged or encrypted", entry,
                zip_strerror(bk->zip));
        return 0;
    }
    xp = XML_ParserCreateNS(NULL, '\x01');
    chunk = malloc(READ_STEP);
    pc->buf = malloc(XLSX_MAX_CELL_BYTES + 1);
    if (xp == NULL || chunk == NULL || pc->buf == NULL) {
        bk_fail(bk, "out of memory reading %s", entry);
        goto out;
    }
    pc->bk = bk;
    pc->xp = xp;
    pc->part = entry;
    XML_SetUserData(xp, pc);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    XML_SetStartDoctypeDeclHandler(xp, on_doctype);
    while (!done && !bk->failed) {
        zip_int64_t n = zip_fread(f, chunk, READ_STEP);
        if (n < 0) {
            bk_fail(bk, "%s: cannot be inflated (%s); the workbook is damaged", entry,
                    zip_file_strerror(f));
            break;
        }
        part += (uint64_t)n;
        bk->total += (uint64_t)n;
        if (part > XLSX_MAX_PART_BYTES || bk->total > XLSX_MAX_TOTAL_BYTES) {
            bk_fail(bk,
                    "%s: inflates to more than %u bytes (%u for the whole workbook); a survey "
                    "is a few tens of KB, so this is refused as a zip bomb",
                    entry, XLSX_MAX_PART_BYTES, XLSX_MAX_TOTAL_BYTES);
            break;
        }
        done = n == 0;
        if (XML_Parse(xp, chunk, (int)n, done) == XML_STATUS_ERROR && !bk->failed)
            bk_fail(bk, "%s: malformed XML at line %lu (%s)", entry,
                    (unsigned long)XML_GetCurrentLineNumber(xp),
                    XML_ErrorString(XML_GetErrorCode(xp)));
    }
out:
    if (xp != NULL)
        XML_ParserFree(xp);
    free(chunk);
    free(pc->buf);
    pc->buf = NULL;
    zip_fclose(f);
    return !bk->failed;
}

static const char *const used_sheets[] = {"survey", "choices", "settings", "ui"};

static xsheet_t *find_sheet(book_t *bk, const char *name)
{
    size_t i;
    for (i = 0; i < bk->n_sheets; i++)
        if (strcasecmp(bk->sheets[i].name, name) == 0)
            return &bk->sheets[i];
    return NULL;
}

static int cell_cmp(const void *a, const void *b)
{
    const xcell_t *x = a, *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static int load_book(book_t *bk, const uint8_t *data, size_t len)
{
    zip_error_t ze;
    zip_source_t *zs;
    pctx_t pc;
    size_t i, r;

    zip_error_init(&ze);
    zs = zip_source_buffer_create(data, len, 0, &ze);
    if (zs == NULL || (bk->zip = zip_open_from_source(zs, ZIP_RDONLY, &ze)) == NULL) {
        bk_fail(bk, "not a readable .xlsx workbook (%s)", zip_error_strerror(&ze));
        if (zs != NULL)
            zip_source_free(zs);
        zip_error_fini(&ze);
        return 0;
    }
    zip_error_fini(&ze);
    if (zip_get_num_entries(bk->zip, 0) > XLSX_MAX_ENTRIES) {
        bk_fail(bk, "the workbook has more than %d parts; refused", XLSX_MAX_ENTRIES);
        return 0;
    }
    memset(&pc, 0, sizeof pc);
    pc.kind = PART_WORKBOOK;
    if (!read_part(bk, "xl/workbook.xml", 0, &pc))
        return 0;
    memset(&pc, 0, sizeof pc);
    pc.kind = PART_RELS;
    if (!read_part(bk, "xl/_rels/workbook.xml.rels", 0, &pc))
        return 0;
    memset(&pc, 0, sizeof pc);
    pc.kind = PART_STRINGS;
    if (!read_part(bk, "xl/sharedStrings.xml", 1, &pc))
        return 0;
    for (i = 0; i < bk->n_sheets; i++) {
        xsheet_t *sh = &bk->sheets[i];
        const char *t = NULL;
        char path[512];
        size_t u;
        for (u = 0; u < sizeof used_sheets / sizeof used_sheets[0]; u++)
            sh->load = sh->load || strcasecmp(sh->name, used_sheets[u]) == 0;
        for (r = 0; r < bk->n_rels; r++)
            if (strcmp(bk->rel_id[r], sh->target) == 0)
                t = bk->rel_target[r];
        if (!sh->load)
            continue;
        if (t == NULL) {
            bk_fail(bk, "sheet '%s' has no part in the workbook (damaged workbook)", sh->name);
            return 0;
        }
        /* Targets are relative to xl/, or absolute from the zip root. */
        snprintf(path, sizeof path, "%s%s", t[0] == '/' ? "" : "xl/", t[0] == '/' ? t + 1 : t);
        free(sh->target);
        if ((sh->target = dupstr(bk, path, strlen(path))) == NULL)
            return 0;
        memset(&pc, 0, sizeof pc);
        pc.kind = PART_SHEET;
        pc.sheet = sh;
        if (!read_part(bk, sh->target, 0, &pc))
            return 0;
        if (sh->n > 1)
            qsort(sh->cells, sh->n, sizeof *sh->cells, cell_cmp);
        for (u = 1; u < sh->n; u++)
            if (cell_cmp(&sh->cells[u - 1], &sh->cells[u]) == 0) {
                char letters[8];
                col_letters(sh->cells[u].col, letters);
                bk_fail(bk, "%s!%s%u: the cell appears twice (damaged workbook)", sh->name,
                        letters, sh->cells[u].row);
                return 0;
            }
    }
    return 1;
}

static void free_book(book_t *bk)
{
    size_t i, c;
    for (i = 0; i < bk->n_strings; i++)
        free(bk->strings[i]);
    free(bk->strings);
    for (i = 0; i < bk->n_sheets; i++) {
        for (c = 0; c < bk->sheets[i].n; c++)
            free(bk->sheets[i].cells[c].text);
        free(bk->sheets[i].cells);
        free(bk->sheets[i].name);
        free(bk->sheets[i].target);
    }
    for (i = 0; i < bk->n_rels; i++) {
        free(bk->rel_id[i]);
        free(bk->rel_target[i]);
    }
    if (bk->zip != NULL)
        zip_discard(bk->zip);
}

/* --------------------------------------------------- the path-to-cell map */

typedef struct {
    char *path;
    char *where;
    uint16_t *pos; /* relevant: translated column -> cell column */
    size_t n_pos;
} map_entry_t;

struct cnd_xlsform_map {
    map_entry_t *e;
    size_t n, cap;
};

void cnd_xlsform_map_free(cnd_xlsform_map_t *map)
{
    size_t i;
    if (map == NULL)
        return;
    for (i = 0; i < map->n; i++) {
        free(map->e[i].path);
        free(map->e[i].where);
        free(map->e[i].pos);
    }
    free(map->e);
    free(map);
}

static map_entry_t *map_add(book_t *bk, cnd_xlsform_map_t *map, const char *path,
                            const char *where)
{
    map_entry_t *e;
    if (bk->failed)
        return NULL;
    if (map->n == map->cap) {
        size_t cap = map->cap ? map->cap * 2 : 512;
        map_entry_t *m = realloc(map->e, cap * sizeof *m);
        if (m == NULL) {
            bk_fail(bk, "out of memory");
            return NULL;
        }
        map->e = m;
        map->cap = cap;
    }
    e = &map->e[map->n];
    memset(e, 0, sizeof *e);
    e->path = dupstr(bk, path, strlen(path));
    e->where = dupstr(bk, where, strlen(where));
    if (e->path == NULL || e->where == NULL) {
        free(e->path);
        free(e->where);
        return NULL;
    }
    map->n++;
    return e;
}

static const map_entry_t *map_find(const cnd_xlsform_map_t *map, const char *path, size_t n)
{
    size_t i;
    /* Last registration wins: a later, more specific cell overrides. */
    for (i = map->n; i-- > 0;)
        if (strlen(map->e[i].path) == n && strncmp(map->e[i].path, path, n) == 0)
            return &map->e[i];
    return NULL;
}

/* The quoted word after prefix at the start of s ("missing 'am'" -> am). */
static int quoted_after(const char *s, const char *prefix, char *out, size_t cap)
{
    size_t n = strlen(prefix), k;
    if (strncmp(s, prefix, n) != 0)
        return 0;
    for (k = 0; s[n + k] != '\0' && s[n + k] != '\'' && k + 1 < cap; k++)
        out[k] = s[n + k];
    out[k] = '\0';
    return s[n + k] == '\'';
}

void cnd_xlsform_locate(const cnd_xlsform_map_t *map, cnd_err_t *err)
{
    char msg[sizeof err->msg], path[200], key[64];
    const char *colon = strstr(err->msg, ": "), *rest;
    const map_entry_t *e = NULL;
    size_t n;
    int empty = 0;

    if (map == NULL || colon == NULL || (size_t)(colon - err->msg) >= sizeof path - 70)
        return;
    n = (size_t)(colon - err->msg);
    memcpy(path, err->msg, n);
    path[n] = '\0';
    rest = colon + 2;
    if (strcmp(path, "(top level)") == 0)
        path[0] = '\0', n = 0;
    /* A field the compiler names after the path: its own (maybe empty) cell. */
    if (quoted_after(rest, "missing '", key, sizeof key) ||
        quoted_after(rest, "unknown field '", key, sizeof key)) {
        char full[280];
        snprintf(full, sizeof full, "%s%s%s", path, n ? "." : "", key);
        e = map_find(map, full, strlen(full));
        empty = e != NULL && rest[0] == 'm';
    } else if (strncmp(rest, "min ", 4) == 0 || strncmp(rest, "range ", 6) == 0) {
        char full[280];
        snprintf(full, sizeof full, "%s.max", path);
        e = map_find(map, full, strlen(full));
    }
    while (e == NULL) {
        e = map_find(map, path, n);
        if (e != NULL || n == 0)
            break;
        while (n > 0 && path[n - 1] != '.' && path[n - 1] != '[')
            n--;
        if (n > 0)
            n--;
    }
    if (e == NULL)
        return;
    if (empty) {
        snprintf(msg, sizeof msg, "%s: empty, but it is needed", e->where);
    } else if (e->pos != NULL && strncmp(rest, "column ", 7) == 0) {
        unsigned long c = strtoul(rest + 7, (char **)&rest, 10);
        size_t cell_col = c >= 1 && c <= e->n_pos ? e->pos[c - 1] + 1u
                          : e->n_pos            ? e->pos[e->n_pos - 1] + 2u
                                                : 1u;
        snprintf(msg, sizeof msg, "%s: column %zu%s", e->where, cell_col, rest);
    } else {
        snprintf(msg, sizeof msg, "%s: %s", e->where, rest);
    }
    cnd_err_set(err, "%s", msg);
}

/* ------------------------------------------------------------- the form */

typedef struct {
    uint32_t col;
    const char *raw;  /* the header as written */
    char base[64];    /* lower case, before "::" */
    char code[16];    /* language code, "" if none */
    char lang[128];   /* language name */
    int has_lang;
} xcol_t;

typedef struct {
    xsheet_t *sh;
    uint32_t header_row;
    xcol_t cols[XLSX_MAX_COLS];
    size_t n_cols;
    size_t first_data; /* index of the first cell after the header row */
} form_sheet_t;

typedef struct {
    book_t *bk;
    cnd_xlsform_map_t *map;
    cJSON *root;
    form_sheet_t survey, choices, settings, ui;
    int have_choices, have_settings, have_ui;
    char codes[CND_MAX_LANGS + 8][16];
    char names[CND_MAX_LANGS + 8][128];
    char lang_where[CND_MAX_LANGS + 8][240];
    size_t n_langs;
} form_t;

static void cell_where(const form_sheet_t *fs, uint32_t row, const xcol_t *c, char *out,
                       size_t cap)
{
    char letters[8];
    col_letters(c->col, letters);
    snprintf(out, cap, "%s!%s%u (%s)", fs->sh->name, letters, row, c->raw);
}

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Header "label::Español (es)" -> base label, lang Español, code es. */
static int parse_header(form_t *f, form_sheet_t *fs, xcell_t *cell, xcol_t *c)
{
    char buf[256], *h, *sep, *open, *close;
    char where[200];
    size_t k;

    c->col = cell->col;
    c->raw = cell->text;
    snprintf(buf, sizeof buf, "%s", cell->text);
    h = trim(buf);
    sep = strstr(h, "::");
    if (sep != NULL)
        *sep = '\0';
    snprintf(c->base, sizeof c->base, "%s", trim(h));
    for (k = 0; c->base[k]; k++)
        c->base[k] = (char)tolower((unsigned char)c->base[k]);
    if (sep == NULL)
        return 1;
    h = trim(sep + 2);
    c->has_lang = 1;
    cell_where(fs, fs->header_row, c, where, sizeof where);
    open = strrchr(h, '(');
    close = strrchr(h, ')');
    if (open == NULL || close == NULL || close < open || trim(close + 1)[0] != '\0') {
        bk_fail(f->bk,
                "%s: give the language as its name and code, e.g. %s::English (en) or "
                "%s::Español (es)",
                where, c->base, c->base);
        return 0;
    }
    *close = '\0';
    *open = '\0';
    snprintf(c->code, sizeof c->code, "%s", trim(open + 1));
    snprintf(c->lang, sizeof c->lang, "%s", trim(h));
    if (c->code[0] == '\0' || c->lang[0] == '\0') {
        bk_fail(f->bk, "%s: give the language as its name and code, e.g. %s::English (en)", where,
                c->base);
        return 0;
    }
    return 1;
}

static int setup_sheet(form_t *f, xsheet_t *sh, form_sheet_t *fs)
{
    size_t i, j;
    char where[240];
    fs->sh = sh;
    if (sh->merge[0] != '\0') {
        bk_fail(f->bk,
                "%s!%s: merged cells; XLSForm needs one header and one value per cell, so "
                "unmerge them",
                sh->name, sh->merge);
        return 0;
    }
    if (sh->n == 0)
        return 1;
    fs->header_row = sh->cells[0].row;
    for (i = 0; i < sh->n && sh->cells[i].row == fs->header_row; i++) {
        xcol_t *c = &fs->cols[fs->n_cols++];
        if (!parse_header(f, fs, &sh->cells[i], c))
            return 0;
        for (j = 0; j + 1 < fs->n_cols; j++)
            if (strcmp(fs->cols[j].base, c->base) == 0 &&
                strcmp(fs->cols[j].code, c->code) == 0 && c->base[0] != '\0') {
                char letters[8];
                col_letters(fs->cols[j].col, letters);
                cell_where(fs, fs->header_row, c, where, sizeof where);
                bk_fail(f->bk, "%s: the same column as %s!%s%u; keep one", where, sh->name,
                        letters, fs->header_row);
                return 0;
            }
    }
    fs->first_data = i;
    return 1;
}

static const xcol_t *col_of(const form_sheet_t *fs, uint32_t col)
{
    size_t i;
    for (i = 0; i < fs->n_cols; i++)
        if (fs->cols[i].col == col)
            return &fs->cols[i];
    return NULL;
}

static const xcol_t *col_named(const form_sheet_t *fs, const char *base)
{
    size_t i;
    for (i = 0; i < fs->n_cols; i++)
        if (strcmp(fs->cols[i].base, base) == 0 && !fs->cols[i].has_lang)
            return &fs->cols[i];
    return NULL;
}

/* The cell at (row, col) among cells[from..to), or NULL. */
static const xcell_t *cell_at(const xsheet_t *sh, size_t from, size_t to, uint32_t col)
{
    size_t i;
    for (i = from; i < to; i++)
        if (sh->cells[i].col == col)
            return &sh->cells[i];
    return NULL;
}

/* Every value must sit under a header; one that does not is refused
 * rather than dropped (a merged header, a stray note). */
static int check_row_columns(form_t *f, const form_sheet_t *fs, size_t from, size_t to)
{
    size_t i;
    for (i = from; i < to; i++)
        if (col_of(fs, fs->sh->cells[i].col) == NULL) {
            char letters[8], h[8];
            col_letters(fs->sh->cells[i].col, letters);
            memcpy(h, letters, sizeof h);
            bk_fail(f->bk,
                    "%s!%s%u: a value in a column without a header (%s!%s%u is empty); name "
                    "the column or clear it",
                    fs->sh->name, letters, fs->sh->cells[i].row, fs->sh->name, h,
                    fs->header_row);
            return 0;
        }
    return 1;
}

static int text_is(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcasecmp(s, *words) == 0)
            return 1;
    return 0;
}

/* Columns XLSForm tools use for display only; Candor's device has its own
 * layout and messages, so they are read past. */
static const char *const display_columns[] = {"appearance", "constraint_message",
                                              "required_message", "guidance_hint", NULL};

/* Pictures and sound beside a question (media::image::English (en),
 * image::English (en)): the handheld shows text only. */
static const char *const media_columns[] = {"media", "image", "big-image", "audio", "video",
                                            NULL};

static int add_language(form_t *f, const form_sheet_t *fs, const xcol_t *c)
{
    size_t l;
    char where[240];
    /* Display-only columns (guidance_hint::French (fr)) declare nothing. */
    if (!c->has_lang || text_is(c->base, display_columns) || text_is(c->base, media_columns))
        return 1;
    cell_where(fs, fs->header_row, c, where, sizeof where);
    for (l = 0; l < f->n_langs; l++)
        if (strcmp(f->codes[l], c->code) == 0) {
            if (strcmp(f->names[l], c->lang) != 0) {
                bk_fail(f->bk, "%s: language '%s' is called '%s' in %s; use one name", where,
                        c->code, f->names[l], f->lang_where[l]);
                return 0;
            }
            return 1;
        }
    if (f->n_langs == sizeof f->codes / sizeof f->codes[0]) {
        bk_fail(f->bk, "%s: more than %d languages", where, CND_MAX_LANGS);
        return 0;
    }
    snprintf(f->codes[f->n_langs], sizeof f->codes[0], "%s", c->code);
    snprintf(f->names[f->n_langs], sizeof f->names[0], "%s", c->lang);
    snprintf(f->lang_where[f->n_langs], sizeof f->lang_where[0], "%s", where);
    f->n_langs++;
    return 1;
}


static const char *const true_words[] = {"yes", "true", "true()", "1", NULL};
static const char *const false_words[] = {"no", "false", "false()", "0", NULL};

/* A yes/no cell: 1 or 0, -1 if it is neither. */
static int cell_bool(const xcell_t *c)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s", c->text);
    if (text_is(trim(buf), true_words))
        return 1;
    if (text_is(trim(buf), false_words))
        return 0;
    return -1;
}

/* A column named after a JSON field with no XLSForm meaning: typed by the
 * cell (numbers, booleans), or JSON text for arrays and objects. */
static cJSON *generic_value(const xcell_t *c)
{
    if (c->type == 'b')
        return cJSON_CreateBool(strcmp(c->text, "0") != 0);
    if (c->type == 'n') {
        char *end;
        double d = strtod(c->text, &end);
        if (*end == '\0' && isfinite(d))
            return cJSON_CreateNumber(d);
    }
    if (c->text[0] == '[' || c->text[0] == '{') {
        cJSON *j = cJSON_Parse(c->text);
        if (j != NULL)
            return j;
    }
    return cJSON_CreateString(c->text);
}

static int set_field(form_t *f, cJSON *obj, const char *key, cJSON *v, const char *where)
{
    if (v == NULL) {
        bk_fail(f->bk, "out of memory");
        return 0;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL) {
        cJSON_Delete(v);
        bk_fail(f->bk, "%s: '%s' is given twice for this row", where, key);
        return 0;
    }
    cJSON_AddItemToObject(obj, key, v);
    return 1;
}

/* A texts map obj[key][code] = text. */
static int set_text(form_t *f, cJSON *obj, const char *key, const char *code, const char *text,
                    const char *where)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (m == NULL) {
        m = cJSON_AddObjectToObject(obj, key);
        if (m == NULL) {
            bk_fail(f->bk, "out of memory");
            return 0;
        }
    } else if (!cJSON_IsObject(m)) {
        bk_fail(f->bk, "%s: '%s' is given twice for this row", where, key);
        return 0;
    }
    return set_field(f, m, code, cJSON_CreateString(text), where);
}

/* Tags cell "QI COE" -> ["QI", "COE"]. */
static cJSON *tags_value(const char *s)
{
    cJSON *arr = cJSON_CreateArray();
    char buf[XLSX_MAX_CELL_BYTES + 1], *tok, *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, " ,;\t\n", &save); arr != NULL && tok != NULL;
         tok = strtok_r(NULL, " ,;\t\n", &save))
        cJSON_AddItemToArray(arr, cJSON_CreateString(tok));
    return arr;
}


/* A coding cell, "yes: debt_bondage INV; 1..5: excessive_overtime", as the
 * source's object {"yes": ["debt_bondage", "INV"], "1..5": [...]}: one
 * answer per line or between semicolons, its indicators after a colon.
 * Which answers and indicators are allowed is compile.c's to judge; JSON
 * text ({...}) is taken as it is. NULL, with the cell named, if malformed. */
static cJSON *coding_value(form_t *f, const xcell_t *c, const char *where)
{
    char buf[XLSX_MAX_CELL_BYTES + 1], *entry, *save = NULL;
    cJSON *obj;
    snprintf(buf, sizeof buf, "%s", c->text);
    if (trim(buf)[0] == '{')
        return generic_value(c);
    if ((obj = cJSON_CreateObject()) == NULL) {
        bk_fail(f->bk, "out of memory");
        return NULL;
    }
    for (entry = strtok_r(buf, ";\n", &save); entry != NULL; entry = strtok_r(NULL, ";\n", &save)) {
        char *colon = strchr(entry, ':'), *key;
        cJSON *tags;
        if (trim(entry)[0] == '\0')
            continue;
        if (colon == NULL || trim((*colon = '\0', entry))[0] == '\0') {
            bk_fail(f->bk,
                    "%s: '%.40s' is not ANSWER: INDICATORS; write e.g. yes: debt_bondage INV; "
                    "1..5: excessive_overtime",
                    where, trim(entry));
            cJSON_Delete(obj);
            return NULL;
        }
        key = trim(entry);
        if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL) {
            bk_fail(f->bk, "%s: the answer '%s' is coded twice; keep one", where, key);
            cJSON_Delete(obj);
            return NULL;
        }
        if ((tags = tags_value(colon + 1)) == NULL) {
            bk_fail(f->bk, "out of memory");
            cJSON_Delete(obj);
            return NULL;
        }
        cJSON_AddItemToObject(obj, key, tags);
    }
    return obj;
}

/*
 * One row's cells [from, to) into obj under path. Every column of the
 * header is registered for the row, filled or not. skip lists columns the
 * caller handles. Known Candor fields get their JSON type; the rest are
 * typed generically.
 */
static int fill_row(form_t *f, const form_sheet_t *fs, uint32_t row, size_t from, size_t to,
                    cJSON *obj, const char *path, const char *const *skip)
{
    size_t i;
    char where[240], p[300];
    const char *dot = path[0] ? "." : "";
    for (i = 0; i < fs->n_cols; i++) {
        const xcol_t *c = &fs->cols[i];
        const xcell_t *cell = cell_at(fs->sh, from, to, c->col);
        cJSON *v;
        cell_where(fs, row, c, where, sizeof where);
        if (c->base[0] == '\0' || text_is(c->base, skip) || text_is(c->base, display_columns))
            continue;
        if (text_is(c->base, media_columns)) {
            if (cell != NULL) {
                bk_fail(f->bk, "%s: media are not supported: the handheld shows text only", where);
                return 0;
            }
            continue;
        }
        if (c->has_lang) {
            snprintf(p, sizeof p, "%s%s%s", path, dot, c->base);
            if (map_find(f->map, p, strlen(p)) == NULL)
                map_add(f->bk, f->map, p, where);
            snprintf(p, sizeof p, "%s%s%s.%s", path, dot, c->base, c->code);
            map_add(f->bk, f->map, p, where);
            if (cell != NULL && !set_text(f, obj, c->base, c->code, cell->text, where))
                return 0;
            continue;
        }
        snprintf(p, sizeof p, "%s%s%s", path, dot, c->base);
        map_add(f->bk, f->map, p, where);
        if (cell == NULL)
            continue;
        if (strcmp(c->base, "label") == 0 || strcmp(c->base, "hint") == 0 ||
            strcmp(c->base, "font") == 0) {
            bk_fail(f->bk, "%s: give the language in the header, e.g. %s::English (en)", where,
                    c->base);
            return 0;
        }
        if (strcmp(c->base, "private") == 0 || strcmp(c->base, "prefer_not") == 0 ||
            strcmp(c->base, "exclusive") == 0) {
            int b = cell_bool(cell);
            v = b < 0 ? cJSON_CreateString(cell->text) : cJSON_CreateBool(b);
        } else if (strcmp(c->base, "tags") == 0) {
            v = tags_value(cell->text);
        } else if (strcmp(c->base, "coding") == 0) {
            const cJSON *ans;
            if ((v = coding_value(f, cell, where)) == NULL)
                return 0;
            /* a compiler error about one answer names it beside the cell */
            cJSON_ArrayForEach(ans, v)
            {
                char w[400];
                snprintf(p, sizeof p, "%s%scoding.%s", path, dot, ans->string);
                snprintf(w, sizeof w, "%s, answer '%s'", where, ans->string);
                map_add(f->bk, f->map, p, w);
            }
        } else if (strcmp(c->base, "name") == 0 || strcmp(c->base, "preset") == 0) {
            char buf[XLSX_MAX_CELL_BYTES + 1];
            snprintf(buf, sizeof buf, "%s", cell->text);
            v = cJSON_CreateString(trim(buf));
        } else {
            v = generic_value(cell);
        }
        if (!set_field(f, obj, c->base, v, where))
            return 0;
    }
    return !f->bk->failed;
}

/* Rows of a sheet: [*from, *to) of the next data row after *next. */
static int next_row(const form_sheet_t *fs, size_t *next, size_t *from, size_t *to)
{
    size_t i = *next;
    if (i >= fs->sh->n)
        return 0;
    *from = i;
    while (i < fs->sh->n && fs->sh->cells[i].row == fs->sh->cells[*from].row)
        i++;
    *to = i;
    *next = i;
    return 1;
}

/* ".>= 0 and . <= 100" (either order, > and < too) -> [lo, hi]. */
static int parse_constraint(const char *s, long *lo, long *hi)
{
    int have_lo = 0, have_hi = 0, first = 1;
    while (*s) {
        char op[3] = {0};
        char *end;
        long v;
        while (isspace((unsigned char)*s))
            s++;
        if (!first) {
            if (strncasecmp(s, "and", 3) != 0 || !isspace((unsigned char)s[3]))
                return 0;
            s += 3;
            while (isspace((unsigned char)*s))
                s++;
        }
        first = 0;
        if (*s++ != '.')
            return 0;
        while (isspace((unsigned char)*s))
            s++;
        if (*s != '<' && *s != '>')
            return 0;
        op[0] = *s++;
        if (*s == '=')
            op[1] = *s++;
        while (isspace((unsigned char)*s))
            s++;
        v = strtol(s, &end, 10);
        if (end == s || v <= LONG_MIN / 2 || v >= LONG_MAX / 2)
            return 0;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        if (op[0] == '>') {
            if (have_lo++)
                return 0;
            *lo = op[1] ? v : v + 1;
        } else {
            if (have_hi++)
                return 0;
            *hi = op[1] ? v : v - 1;
        }
    }
    return have_lo && have_hi;
}

/* XLSForm types with no Candor counterpart, and why. Identifying answer
 * types (text, geopoint, image, date, ...) are not here: they pass to
 * compile.c as the item's kind, where identifying.c refuses them with the
 * same reasons a JSON source gets. */
typedef struct {
    const char *type;
    const char *why;
} refusal_t;

static const char *const metadata_why =
    "metadata that identifies: it records who, which device or which SIM collected the "
    "interview, or exactly when, and with those one respondent can be found; Candor records "
    "none of it";

static const refusal_t metadata_types[] = {
    {"deviceid", NULL},      {"phonenumber", NULL},  {"start", NULL},
    {"end", NULL},           {"today", NULL},        {"username", NULL},
    {"email", NULL},         {"simserial", NULL},    {"subscriberid", NULL},
    {"imei", NULL},          {"audit", NULL},        {"start-geopoint", NULL},
    {"background-audio", NULL}, {"uri:deviceid", NULL}, {"uri:username", NULL},
    {"uri:email", NULL},     {"uri:phonenumber", NULL}, {"uri:simserial", NULL},
    {"uri:subscriberid", NULL}};

static const refusal_t unsupported_types[] = {
    {"calculate", "a calculation keeps a hidden value derived from the answers, which nobody "
                  "reviews before it is stored; Candor records only what the respondent "
                  "chose"},
    {"hidden", "a hidden value is recorded without the respondent seeing it; Candor records "
               "only what the respondent chose"},
    {"decimal", "use integer with a small range (a precise number can identify)"},
    {"range", "use integer with a constraint like . >= 0 and . <= 10"},
    {"rank", "use select_one or select_multiple"},
    {"acknowledge", "use note, or select_one with one choice"},
    {"trigger", "use note, or select_one with one choice"},
    {"xml-external", "Candor surveys are self-contained"},
    {"csv-external", "Candor surveys are self-contained"},
    {"select_one_from_file", "put the list on the choices sheet"},
    {"select_multiple_from_file", "put the list on the choices sheet"},
    {"osm", "a map answer locates the respondent"},
    {"begin repeat", "a Candor interview asks each question once"},
    {"end repeat", "a Candor interview asks each question once"}};

static void norm_type(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    int space = 0;
    for (; *in && o + 1 < cap; in++) {
        char ch = (char)tolower((unsigned char)*in);
        if (isspace((unsigned char)ch)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap)
            out[o++] = ' ';
        space = 0;
        out[o++] = ch;
    }
    out[o] = '\0';
    if (strcmp(out, "begin_group") == 0 || strcmp(out, "end_group") == 0 ||
        strcmp(out, "begin_repeat") == 0 || strcmp(out, "end_repeat") == 0)
        out[strcspn(out, "_")] = ' ';
}

/* The choices of list_name as a new JSON array, registered under path. */
static cJSON *choice_list(form_t *f, const char *list, const char *path)
{
    static const char *const skip[] = {"list_name", "list name", NULL};
    const form_sheet_t *fs = &f->choices;
    const xcol_t *lc = col_named(fs, "list_name");
    cJSON *arr = cJSON_CreateArray();
    size_t next = fs->first_data, from, to;
    int n = 0;
    char p[300], where[240];

    if (lc == NULL)
        lc = col_named(fs, "list name");
    if (arr == NULL || lc == NULL)
        return arr;
    while (next_row(fs, &next, &from, &to)) {
        const xcell_t *lcell = cell_at(fs->sh, from, to, lc->col);
        char buf[256];
        cJSON *ch;
        if (lcell == NULL)
            continue;
        snprintf(buf, sizeof buf, "%s", lcell->text);
        if (strcmp(trim(buf), list) != 0)
            continue;
        ch = cJSON_CreateObject();
        if (ch == NULL)
            break;
        cJSON_AddItemToArray(arr, ch);
        snprintf(p, sizeof p, "%s[%d]", path, n++);
        {
            const xcol_t *nc = col_named(fs, "name");
            cell_where(fs, fs->sh->cells[from].row, nc ? nc : lc, where, sizeof where);
        }
        map_add(f->bk, f->map, p, where);
        if (!fill_row(f, fs, fs->sh->cells[from].row, from, to, ch, p, skip))
            break;
    }
    if (f->bk->failed) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

/* An XPath condition (relevant, the settings' eligibility) as Candor's
 * grammar in obj[key]; the cell's column of each translated character is
 * kept so a compiler error's "column N" points into the cell as written. */
static int set_relevance(form_t *f, cJSON *obj, const char *key, const char *text,
                         const char *path, const char *where)
{
    char out[CND_MAX_TEXT_LEN * 2 + 64];
    uint16_t pos[sizeof out];
    map_entry_t *e;
    cnd_err_t rerr;
    if (strlen(text) > CND_MAX_TEXT_LEN) {
        bk_fail(f->bk, "%s: text is %zu bytes, more than the limit of %d", where, strlen(text),
                CND_MAX_TEXT_LEN);
        return 0;
    }
    if (!cnd_xlsform_relevant_in(text, out, sizeof out, pos, &rerr)) {
        bk_fail(f->bk, "%s: %s", where, rerr.msg);
        return 0;
    }
    if ((e = map_add(f->bk, f->map, path, where)) != NULL) {
        e->n_pos = strlen(out);
        e->pos = malloc((e->n_pos + 1) * sizeof *e->pos);
        if (e->pos == NULL)
            e->n_pos = 0;
        else
            memcpy(e->pos, pos, e->n_pos * sizeof *e->pos);
    }
    return set_field(f, obj, key, cJSON_CreateString(out), where);
}

static const char *const survey_skip[] = {"type", "relevant", "constraint", "required", NULL};

static int read_item(form_t *f, cJSON *items, int *n_items, const char *type, size_t from,
                     size_t to, uint32_t row, const char *type_where, int *depth,
                     char *group_where)
{
    const form_sheet_t *fs = &f->survey;
    char t[128], list[128] = "", extra[64] = "", kind[128], path[32], p[64], where[240];
    const xcol_t *rc = col_named(fs, "relevant"), *cc = col_named(fs, "constraint");
    const xcol_t *qc = col_named(fs, "required"), *nc = col_named(fs, "name");
    const xcell_t *rel = rc ? cell_at(fs->sh, from, to, rc->col) : NULL;
    const xcell_t *con = cc ? cell_at(fs->sh, from, to, cc->col) : NULL;
    const xcell_t *req = qc ? cell_at(fs->sh, from, to, qc->col) : NULL;
    cJSON *item;
    size_t k;

    norm_type(type, t, sizeof t);
    if (strcmp(t, "begin group") == 0) {
        if (rel != NULL) {
            cell_where(fs, row, rc, where, sizeof where);
            bk_fail(f->bk,
                    "%s: a group's relevant is not supported (groups only flatten); put the "
                    "condition on each question in the group",
                    where);
            return 0;
        }
        if ((*depth)++ == 0)
            snprintf(group_where, 240, "%s", type_where);
        return 1;
    }
    if (strcmp(t, "end group") == 0) {
        if (*depth == 0) {
            bk_fail(f->bk, "%s: 'end group' without a 'begin group' before it", type_where);
            return 0;
        }
        (*depth)--;
        return 1;
    }
    for (k = 0; k < sizeof metadata_types / sizeof metadata_types[0]; k++)
        if (strcmp(t, metadata_types[k].type) == 0) {
            bk_fail(f->bk, "%s: '%s' is %s", type_where, t, metadata_why);
            return 0;
        }
    for (k = 0; k < sizeof unsupported_types / sizeof unsupported_types[0]; k++)
        if (strcmp(t, unsupported_types[k].type) == 0) {
            bk_fail(f->bk, "%s: type '%s' is not supported: %s", type_where, t,
                    unsupported_types[k].why);
            return 0;
        }
    if (sscanf(t, "%127s %127s %63s", kind, list, extra) < 1)
        return 1;
    if (strcmp(list, "or_other") == 0 || strcmp(extra, "or_other") == 0) {
        bk_fail(f->bk,
                "%s: 'or_other' adds a typed 'other' answer, and a typed answer can hold a "
                "name, phone number or address; Candor has only fixed choices",
                type_where);
        return 0;
    }
    if (extra[0] != '\0') {
        bk_fail(f->bk, "%s: unexpected '%s' after the list name", type_where, extra);
        return 0;
    }
    if (strcmp(kind, "select_one") == 0)
        snprintf(kind, sizeof kind, "single");
    else if (strcmp(kind, "select_multiple") == 0)
        snprintf(kind, sizeof kind, "multiple");
    else if (strcmp(kind, "note") == 0 && list[0] == '\0')
        snprintf(kind, sizeof kind, "info");
    else if ((strcmp(kind, "integer") == 0 || strcmp(kind, "yesno") == 0) && list[0] == '\0')
        ;
    else
        /* Anything else is the item's kind for compile.c to judge: the
         * identifying ones are refused there with the reason. */
        snprintf(kind, sizeof kind, "%s", t);

    snprintf(path, sizeof path, "items[%d]", *n_items);
    if ((item = cJSON_CreateObject()) == NULL) {
        bk_fail(f->bk, "out of memory");
        return 0;
    }
    cJSON_AddItemToArray(items, item);
    (*n_items)++;
    if (nc != NULL)
        cell_where(fs, row, nc, where, sizeof where);
    map_add(f->bk, f->map, path, nc ? where : type_where);
    snprintf(p, sizeof p, "%s.kind", path);
    map_add(f->bk, f->map, p, type_where);
    snprintf(p, sizeof p, "%s.choices", path);
    map_add(f->bk, f->map, p, type_where);
    if (!set_field(f, item, "kind", cJSON_CreateString(kind), type_where) ||
        !fill_row(f, fs, row, from, to, item, path, survey_skip))
        return 0;
    if (list[0] != '\0' && (strcmp(kind, "single") == 0 || strcmp(kind, "multiple") == 0)) {
        cJSON *arr;
        if (!f->have_choices || (col_named(&f->choices, "list_name") == NULL &&
                                 col_named(&f->choices, "list name") == NULL)) {
            bk_fail(f->bk, "%s: needs the choice list '%s', but there is no choices sheet with "
                           "a list_name column",
                    type_where, list);
            return 0;
        }
        if ((arr = choice_list(f, list, p)) == NULL)
            return 0;
        if (cJSON_GetArraySize(arr) == 0) {
            cJSON_Delete(arr);
            bk_fail(f->bk, "%s: the choice list '%s' is not on the choices sheet", type_where,
                    list);
            return 0;
        }
        if (!set_field(f, item, "choices", arr, type_where))
            return 0;
    }
    if (req != NULL && cell_bool(req) < 0) {
        cell_where(fs, row, qc, where, sizeof where);
        bk_fail(f->bk,
                "%s: required must be yes or no (every question already needs an answer, "
                "'prefer not to answer' included)",
                where);
        return 0;
    }
    if (con != NULL) {
        long lo = 0, hi = 0;
        cell_where(fs, row, cc, where, sizeof where);
        if (strcmp(kind, "integer") != 0) {
            bk_fail(f->bk, "%s: a constraint is only supported on integer questions (a range)",
                    where);
            return 0;
        }
        if (!parse_constraint(con->text, &lo, &hi)) {
            bk_fail(f->bk,
                    "%s: only a range like '. >= 0 and . <= 100' is supported as a "
                    "constraint",
                    where);
            return 0;
        }
        snprintf(p, sizeof p, "%s.min", path);
        map_add(f->bk, f->map, p, where);
        snprintf(p, sizeof p, "%s.max", path);
        map_add(f->bk, f->map, p, where);
        if (!set_field(f, item, "min", cJSON_CreateNumber((double)lo), where) ||
            !set_field(f, item, "max", cJSON_CreateNumber((double)hi), where))
            return 0;
    }
    if (rel != NULL) {
        cell_where(fs, row, rc, where, sizeof where);
        snprintf(p, sizeof p, "%s.relevant", path);
        if (!set_relevance(f, item, "relevant", rel->text, p, where))
            return 0;
    }
    return !f->bk->failed;
}

static int read_survey(form_t *f)
{
    const form_sheet_t *fs = &f->survey;
    const xcol_t *tc = col_named(fs, "type");
    cJSON *items = cJSON_AddArrayToObject(f->root, "items");
    size_t next = fs->first_data, from, to;
    int n_items = 0, depth = 0;
    char where[240], group_where[240] = "";

    map_add(f->bk, f->map, "items", fs->sh->name);
    if (tc == NULL || items == NULL) {
        bk_fail(f->bk, "%s!A1: the survey sheet has no 'type' column", fs->sh->name);
        return 0;
    }
    while (next_row(fs, &next, &from, &to)) {
        uint32_t row = fs->sh->cells[from].row;
        const xcell_t *type = cell_at(fs->sh, from, to, tc->col);
        if (!check_row_columns(f, fs, from, to))
            return 0;
        cell_where(fs, row, tc, where, sizeof where);
        if (type == NULL) {
            bk_fail(f->bk, "%s: empty, but the row has other values; every row needs a type",
                    where);
            return 0;
        }
        if (n_items > CND_MAX_ITEMS) /* compile.c names the limit; stop reading */
            break;
        if (!read_item(f, items, &n_items, type->text, from, to, row, where, &depth,
                       group_where))
            return 0;
    }
    if (depth > 0) {
        bk_fail(f->bk, "%s: 'begin group' without an 'end group' after it", group_where);
        return 0;
    }
    return 1;
}

/* settings: form_id, version, default_language, form_title, and any
 * top-level field by name (title::, consent::, referral::, notes). */
static int read_settings(form_t *f, const char **default_lang, char *dl_where)
{
    static const char *const skip[] = {"form_id", "version", "default_language", "form_title",
                                       "eligibility", NULL};
    const form_sheet_t *fs = &f->settings;
    size_t next = fs->first_data, from, to, i, l;
    char where[240];
    uint32_t row;

    *default_lang = NULL;
    if (!f->have_settings || !next_row(fs, &next, &from, &to))
        return 1;
    row = fs->sh->cells[from].row;
    if (!check_row_columns(f, fs, from, to) ||
        !fill_row(f, fs, row, from, to, f->root, "", skip))
        return 0;
    for (i = 0; i < fs->n_cols; i++) {
        const xcol_t *c = &fs->cols[i];
        const xcell_t *cell = cell_at(fs->sh, from, to, c->col);
        cell_where(fs, row, c, where, sizeof where);
        if (c->has_lang)
            continue;
        if (strcmp(c->base, "form_id") == 0) {
            map_add(f->bk, f->map, "id", where);
            if (cell != NULL && !set_field(f, f->root, "id", cJSON_CreateString(cell->text), where))
                return 0;
        } else if (strcmp(c->base, "version") == 0) {
            char *end;
            double d = cell ? strtod(cell->text, &end) : 0;
            map_add(f->bk, f->map, "version", where);
            if (cell != NULL &&
                !set_field(f, f->root, "version",
                           *end == '\0' && isfinite(d) ? cJSON_CreateNumber(d)
                                                       : cJSON_CreateString(cell->text),
                           where))
                return 0;
        } else if (strcmp(c->base, "eligibility") == 0) {
            map_add(f->bk, f->map, "eligibility", where);
            if (cell != NULL &&
                !set_relevance(f, f->root, "eligibility", cell->text, "eligibility", where))
                return 0;
        } else if (strcmp(c->base, "default_language") == 0 && cell != NULL) {
            *default_lang = cell->text;
            snprintf(dl_where, 240, "%s", where);
        } else if (strcmp(c->base, "form_title") == 0 && cell != NULL &&
                   cJSON_GetObjectItemCaseSensitive(f->root, "title") == NULL) {
            /* One title for every language, unless title:: columns give each. */
            for (l = 0; l < f->n_langs; l++) {
                char p[64];
                snprintf(p, sizeof p, "title.%s", f->codes[l]);
                map_add(f->bk, f->map, p, where);
                if (!set_text(f, f->root, "title", f->codes[l], cell->text, where))
                    return 0;
            }
        }
    }
    return 1;
}

static int read_ui(form_t *f)
{
    const form_sheet_t *fs = &f->ui;
    const xcol_t *nc = col_named(fs, "name");
    size_t next = fs->first_data, from, to, i;
    cJSON *ui;
    char where[240], p[300], key[128];

    if (!f->have_ui || fs->sh->n == 0)
        return 1;
    if (nc == NULL) {
        bk_fail(f->bk, "%s!A1: the ui sheet needs a 'name' column (the ui string's key)",
                fs->sh->name);
        return 0;
    }
    if ((ui = cJSON_AddObjectToObject(f->root, "ui")) == NULL)
        return 0;
    map_add(f->bk, f->map, "ui", fs->sh->name);
    for (i = 0; i < fs->n_cols; i++)
        if (fs->cols[i].has_lang) {
            cell_where(fs, fs->header_row, &fs->cols[i], where, sizeof where);
            snprintf(p, sizeof p, "ui.%s", fs->cols[i].code);
            map_add(f->bk, f->map, p, where);
        }
    while (next_row(fs, &next, &from, &to)) {
        uint32_t row = fs->sh->cells[from].row;
        const xcell_t *kc = cell_at(fs->sh, from, to, nc->col);
        if (!check_row_columns(f, fs, from, to))
            return 0;
        cell_where(fs, row, nc, where, sizeof where);
        if (kc == NULL) {
            bk_fail(f->bk, "%s: empty; name the ui string this row gives", where);
            return 0;
        }
        snprintf(key, sizeof key, "%s", kc->text);
        for (i = 0; i < fs->n_cols; i++) {
            const xcol_t *c = &fs->cols[i];
            const xcell_t *cell = cell_at(fs->sh, from, to, c->col);
            cJSON *block;
            if (!c->has_lang) {
                /* built_in: the English default beside it, for reference */
                if (c != nc && cell != NULL && strcmp(c->base, "built_in") != 0) {
                    cell_where(fs, row, c, where, sizeof where);
                    bk_fail(f->bk, "%s: the ui sheet takes only name, built_in and text "
                                   "columns (label::Language (code))",
                            where);
                    return 0;
                }
                continue;
            }
            cell_where(fs, row, c, where, sizeof where);
            snprintf(p, sizeof p, "ui.%s.%s", c->code, trim(key));
            map_add(f->bk, f->map, p, where);
            if (cell == NULL)
                continue;
            block = cJSON_GetObjectItemCaseSensitive(ui, c->code);
            if (block == NULL && (block = cJSON_AddObjectToObject(ui, c->code)) == NULL)
                return 0;
            if (!set_field(f, block, trim(key), cJSON_CreateString(cell->text), where))
                return 0;
        }
    }
    return !f->bk->failed;
}

/* A language's font is a settings column, font::Amharic (am), beside the
 * title and consent of that language; the source keeps it on the language
 * (languages[i].font), so it moves there with its cell. */
static int move_font(form_t *f, cJSON *lang, size_t i)
{
    const cJSON *fonts = cJSON_GetObjectItemCaseSensitive(f->root, "font");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(fonts, f->codes[i]);
    const map_entry_t *e;
    char from[64], to[64];
    if (v == NULL)
        return 1;
    snprintf(from, sizeof from, "font.%s", f->codes[i]);
    snprintf(to, sizeof to, "languages[%zu].font", i);
    e = map_find(f->map, from, strlen(from));
    map_add(f->bk, f->map, to, e != NULL ? e->where : f->lang_where[i]);
    if (cJSON_AddItemToObject(lang, "font", cJSON_Duplicate(v, 1)) == 0) {
        bk_fail(f->bk, "out of memory");
        return 0;
    }
    return !f->bk->failed;
}

static int build_form(form_t *f)
{
    xsheet_t *sv = find_sheet(f->bk, "survey"), *sh;
    const char *dl = NULL;
    char dl_where[240] = "", names[256] = "";
    cJSON *langs;
    size_t i, n = 0;

    if (sv == NULL) {
        for (i = 0; i < f->bk->n_sheets && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, "%s'%s'", i ? ", " : "",
                                  f->bk->sheets[i].name);
        bk_fail(f->bk, "the workbook has no 'survey' sheet (its sheets: %s); an XLSForm keeps "
                       "its questions there",
                f->bk->n_sheets ? names : "none");
        return 0;
    }
    if (!setup_sheet(f, sv, &f->survey))
        return 0;
    if ((sh = find_sheet(f->bk, "choices")) != NULL) {
        f->have_choices = 1;
        if (!setup_sheet(f, sh, &f->choices))
            return 0;
    }
    if ((sh = find_sheet(f->bk, "settings")) != NULL) {
        f->have_settings = 1;
        if (!setup_sheet(f, sh, &f->settings))
            return 0;
    }
    if ((sh = find_sheet(f->bk, "ui")) != NULL) {
        f->have_ui = 1;
        if (!setup_sheet(f, sh, &f->ui))
            return 0;
    }
    /* Languages in the order their columns first appear, the default first. */
    {
        const form_sheet_t *order[4] = {&f->survey, &f->choices, &f->settings, &f->ui};
        const int have[4] = {1, f->have_choices, f->have_settings, f->have_ui};
        size_t s;
        for (s = 0; s < 4; s++)
            for (i = 0; have[s] && i < order[s]->n_cols; i++)
                if (!add_language(f, order[s], &order[s]->cols[i]))
                    return 0;
    }
    if ((f->root = cJSON_CreateObject()) == NULL) {
        bk_fail(f->bk, "out of memory");
        return 0;
    }
    map_add(f->bk, f->map, "", f->have_settings ? f->settings.sh->name : "workbook");
    if (!read_settings(f, &dl, dl_where))
        return 0;
    if (dl != NULL) {
        char buf[256];
        size_t l, hit = f->n_langs;
        snprintf(buf, sizeof buf, "%s", dl);
        for (l = 0; l < f->n_langs; l++) {
            char full[300];
            snprintf(full, sizeof full, "%s (%s)", f->names[l], f->codes[l]);
            if (strcmp(trim(buf), f->codes[l]) == 0 || strcmp(trim(buf), f->names[l]) == 0 ||
                strcmp(trim(buf), full) == 0)
                hit = l;
        }
        if (hit == f->n_langs) {
            bk_fail(f->bk, "%s: '%s' is not one of the languages of the label columns", dl_where,
                    trim(buf));
            return 0;
        }
        for (l = hit; l > 0; l--) { /* move to the front, keep the others' order */
            char c[16], nm[128], w[240];
            memcpy(c, f->codes[l], sizeof c);
            memcpy(nm, f->names[l], sizeof nm);
            memcpy(w, f->lang_where[l], sizeof w);
            memcpy(f->codes[l], f->codes[l - 1], sizeof c);
            memcpy(f->names[l], f->names[l - 1], sizeof nm);
            memcpy(f->lang_where[l], f->lang_where[l - 1], sizeof w);
            memcpy(f->codes[l - 1], c, sizeof c);
            memcpy(f->names[l - 1], nm, sizeof nm);
            memcpy(f->lang_where[l - 1], w, sizeof w);
        }
    }
    if ((langs = cJSON_AddArrayToObject(f->root, "languages")) == NULL)
        return 0;
    map_add(f->bk, f->map, "languages", f->survey.sh->name);
    for (i = 0; i < f->n_langs; i++) {
        cJSON *l = cJSON_CreateObject();
        char p[64];
        if (l == NULL)
            return 0;
        cJSON_AddItemToArray(langs, l);
        cJSON_AddStringToObject(l, "code", f->codes[i]);
        cJSON_AddStringToObject(l, "name", f->names[i]);
        snprintf(p, sizeof p, "languages[%zu]", i);
        map_add(f->bk, f->map, p, f->lang_where[i]);
        if (!move_font(f, l, i))
            return 0;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(f->root, "font");
    if (f->n_langs == 0) {
        bk_fail(f->bk, "%s!A1: no label::Language (code) columns, e.g. label::English (en)",
                f->survey.sh->name);
        return 0;
    }
    return read_ui(f) && read_survey(f);
}

int cnd_xlsform_is_workbook(const uint8_t *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

cnd_status_t cnd_xlsform_read(const uint8_t *data, size_t len, cJSON **root,
                              cnd_xlsform_map_t **map, cnd_err_t *err)
{
    book_t *bk = calloc(1, sizeof *bk);
    form_t *f = calloc(1, sizeof *f);
    cnd_status_t st = CND_E_INVALID;

    *root = NULL;
    *map = NULL;
    if (bk == NULL || f == NULL || (f->map = calloc(1, sizeof *f->map)) == NULL) {
        cnd_err_set(err, "out of memory reading the workbook");
        free(bk);
        free(f);
        return CND_E_NOSPACE;
    }
    bk->err = err;
    f->bk = bk;
    if (load_book(bk, data, len) && build_form(f) && !bk->failed) {
        *root = f->root;
        *map = f->map;
        f->root = NULL;
        f->map = NULL;
        st = CND_OK;
    }
    cJSON_Delete(f->root);
    cnd_xlsform_map_free(f->map);
    free_book(bk);
    free(bk);
    free(f);
    return st;
}

cnd_status_t cnd_xlsform_compile(const uint8_t *data, size_t len, const cnd_office_key_t *key,
                                 const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                 size_t *out_len, cnd_err_t *err)
{
    cJSON *root;
    cnd_xlsform_map_t *map;
    cnd_status_t st;

    if (out_len != NULL)
        *out_len = 0;
    if (key == NULL) {
        cnd_err_set(err, "no signing key; run candor keygen and pass --key FILE");
        return CND_E_INVALID;
    }
    if ((st = cnd_xlsform_read(data, len, &root, &map, err)) != CND_OK)
        return st;
    st = cnd_compile_tree(root, key, opts, out, cap, out_len, err);
    if (st != CND_OK)
        cnd_xlsform_locate(map, err);
    cJSON_Delete(root);
    cnd_xlsform_map_free(map);
    return st;
}

/* ------------------------------------------------------------ relevance */

static int xp_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* XPath function names may have '-', '.' and ':' (count-selected, jr:...). */
static int xp_word(char c)
{
    return xp_ident(c) || c == '-' || c == '.' || c == ':';
}

int cnd_xlsform_relevant_in(const char *x, char *out, size_t cap, uint16_t *pos, cnd_err_t *err)
{
    size_t i = 0, o = 0, j;
    char what[200];

#define PUT(ch, at)                                                                                \
    do {                                                                                           \
        if (o + 1 >= cap)                                                                          \
            goto too_long;                                                                         \
        out[o] = (ch);                                                                             \
        pos[o++] = (uint16_t)(at);                                                                 \
    } while (0)
#define FAIL(at, ...)                                                                              \
    do {                                                                                           \
        snprintf(what, sizeof what, __VA_ARGS__);                                                  \
        cnd_err_set(err, "column %zu: %s", (size_t)(at) + 1, what);                                \
        return 0;                                                                                  \
    } while (0)

    while (x[i] != '\0') {
        char c = x[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            PUT(c == '\n' ? '\n' : ' ', i);
            i++;
        } else if (c == '$') {
            if (x[i + 1] != '{')
                FAIL(i, "expected ${name}");
            for (j = i + 2; xp_ident(x[j]); j++)
                ;
            if (x[j] != '}' || j == i + 2)
                FAIL(i, "expected ${name} with a question's name");
            for (i += 2; i < j; i++)
                PUT(x[i], i);
            i = j + 1;
        } else if (c == '\'' || c == '"') {
            for (j = i + 1; x[j] != '\0' && x[j] != c; j++)
                if (x[j] == '\'')
                    FAIL(j, "a choice name cannot contain a quote");
            if (x[j] != c)
                FAIL(i, "unterminated quoted choice name");
            PUT('\'', i);
            for (i++; i < j; i++)
                PUT(x[i], i);
            PUT('\'', j);
            i = j + 1;
        } else if ((c == '<' || c == '>') && x[i + 1] == '=') {
            FAIL(i, "'%c=' is not supported; use '%c' with the next number (%s)", c, c,
                 c == '>' ? "${x} > 4 for 5 or more" : "${x} < 6 for 5 or fewer");
        } else if (c == '!' && x[i + 1] == '=') {
            PUT('!', i);
            PUT('=', i + 1);
            i += 2;
        } else if (c == '=' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',') {
            PUT(c, i);
            i++;
        } else if (isdigit((unsigned char)c) || (c == '-' && isdigit((unsigned char)x[i + 1]))) {
            PUT(c, i);
            for (i++; isalnum((unsigned char)x[i]) || x[i] == '.'; i++)
                PUT(x[i], i);
        } else if (isalpha((unsigned char)c) || c == '_') {
            size_t start = i, k;
            for (j = i; xp_word(x[j]); j++)
                ;
            for (k = j; x[k] == ' ' || x[k] == '\t'; k++)
                ;
            int kw = (j - i == 3 && (strncmp(x + i, "not", 3) == 0 ||
                                     strncmp(x + i, "and", 3) == 0)) ||
                     (j - i == 2 && (strncmp(x + i, "or", 2) == 0 || strncmp(x + i, "in", 2) == 0));
            if (x[k] == '(' && !kw) {
                size_t a, b, q, r;
                if (j - i != 8 || strncmp(x + i, "selected", 8) != 0)
                    FAIL(start,
                         "XPath function '%.*s()' is not supported; Candor understands =, !=, <, "
                         ">, selected(), and, or, not() and parentheses",
                         (int)(j - i > 40 ? 40 : j - i), x + i);
                /* selected(${x}, 'a') -> x = 'a' */
                for (a = k + 1; x[a] == ' '; a++)
                    ;
                if (x[a] != '$' || x[a + 1] != '{')
                    FAIL(a, "selected() takes ${name}, 'choice'");
                for (b = a + 2; xp_ident(x[b]); b++)
                    ;
                if (x[b] != '}' || b == a + 2)
                    FAIL(a, "selected() takes ${name}, 'choice'");
                for (q = b + 1; x[q] == ' '; q++)
                    ;
                if (x[q] != ',')
                    FAIL(q, "selected() takes ${name}, 'choice'");
                for (q++; x[q] == ' '; q++)
                    ;
                if (x[q] != '\'' && x[q] != '"')
                    FAIL(q, "selected() takes ${name}, 'choice' (the choice in quotes)");
                for (r = q + 1; x[r] != '\0' && x[r] != x[q]; r++)
                    if (x[r] == '\'')
                        FAIL(r, "a choice name cannot contain a quote");
                if (x[r] != x[q])
                    FAIL(q, "unterminated quoted choice name");
                for (k = a + 2; k < b; k++)
                    PUT(x[k], k);
                PUT(' ', b);
                PUT('=', k + 1);
                PUT(' ', q);
                PUT('\'', q);
                for (k = q + 1; k < r; k++)
                    PUT(x[k], k);
                PUT('\'', r);
                for (k = r + 1; x[k] == ' '; k++)
                    ;
                if (x[k] != ')')
                    FAIL(k, "expected ')' to close selected()");
                i = k + 1;
                continue;
            }
            for (k = i; k < j; k++)
                if (!xp_ident(x[k]))
                    FAIL(k, "unexpected '%c' in '%.*s'", x[k], (int)(j - i > 40 ? 40 : j - i),
                         x + i);
            for (; i < j; i++)
                PUT(x[i], i);
        } else {
            FAIL(i,
                 "'%c' is not supported; Candor understands ${name}, =, !=, <, >, "
                 "selected(), and, or, not() and parentheses",
                 c);
        }
    }
    out[o] = '\0';
    return 1;
too_long:
    cnd_err_set(err, "relevant is too long");
    return 0;
#undef PUT
#undef FAIL
}

int cnd_xlsform_relevant_out(const char *s, char *out, size_t cap)
{
    size_t i = 0, o = 0, j;
    while (s[i] != '\0') {
        if (s[i] == '\'') {
            for (j = i + 1; s[j] != '\0' && s[j] != '\''; j++)
                ;
            if (s[j] == '\'')
                j++;
        } else if (isalpha((unsigned char)s[i]) || s[i] == '_') {
            int kw;
            for (j = i; xp_ident(s[j]); j++)
                ;
            kw = (j - i == 3 && (strncmp(s + i, "and", 3) == 0 || strncmp(s + i, "not", 3) == 0)) ||
                 (j - i == 2 && (strncmp(s + i, "or", 2) == 0 || strncmp(s + i, "in", 2) == 0));
            if (!kw) {
                if (o + (j - i) + 3 >= cap)
                    return 0;
                out[o++] = '$';
                out[o++] = '{';
                memcpy(out + o, s + i, j - i);
                o += j - i;
                out[o++] = '}';
                i = j;
                continue;
            }
        } else if (isdigit((unsigned char)s[i])) {
            for (j = i; xp_ident(s[j]); j++)
                ;
        } else {
            j = i + 1;
        }
        if (o + (j - i) >= cap)
            return 0;
        memcpy(out + o, s + i, j - i);
        o += j - i;
        i = j;
    }
    out[o] = '\0';
    return 1;
}
