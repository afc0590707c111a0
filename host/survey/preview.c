/*
 * preview.c: `candor preview SURVEY.json -o DIR [--lang CODE]`: every
 * screen of a survey, in every language, as the handheld draws it, for
 * translators and coordinators to check before a device is touched.
 *
 * Owns: the list of a survey's screens (home, consent, each item with its
 * options, the hand-over before and the hand-back after a run of private
 * items, review, the withdraw confirmation, saved, referral) and their texts per language, the PNG
 * files and the index.html contact sheet. Shaping is shape.c's, the layout
 * and drawing are the handheld's own (firmware/drivers/pscreen.c,
 * ptext_draw.c), so a preview is what a respondent will see.
 * Never: writes anything unless every text of every language shaped (bad
 * input: one line naming the JSON path, exit 3, DIR untouched); reads a
 * survey's answers (there are none here). RAM: host only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "compile.h"
#include "fb_png.h"
#include "hosterr.h"
#include "pack.h"
#include "preview.h"
#include "pscreen.h"
#include "ptext.h"
#include "shape.h"

#define MAX_SCREENS 256
#define MAX_OPTS CND_SCREEN_MAX_OPTIONS
#define SOURCE_MAX (4 * 1024 * 1024)
#define BODY_MAX_LINES CND_PTEXT_MAX_LINES
#define OPTION_MAX_LINES 6

typedef struct {
    char name[64];
    cnd_shape_bytes_t title, body, opt[MAX_OPTS];
    int n_opt, multi;
} screen_t;

typedef struct {
    const char *code;
    cnd_shaper_t *sh;
    cnd_shape_bytes_t atlas;
    screen_t *screens;
    int n_screens;
} lang_t;

static void screens_free(lang_t *l)
{
    int i, k;
    for (i = 0; l->screens != NULL && i < l->n_screens; i++) {
        free(l->screens[i].title.buf);
        free(l->screens[i].body.buf);
        for (k = 0; k < l->screens[i].n_opt; k++)
            free(l->screens[i].opt[k].buf);
    }
    free(l->screens);
    free(l->atlas.buf);
    cnd_shaper_free(l->sh);
}

/* The text of field `key` of obj in lang: a per-language map or, for the
 * interface strings, the built-in default. path names obj. */
static const char *text_in(const cJSON *obj, const char *key, const char *lang, const char *path,
                           char *where, size_t cap, cnd_err_t *err)
{
    const cJSON *v = obj != NULL ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL, *t;
    snprintf(where, cap, "%s%s%s.%s", path, path[0] != '\0' ? "." : "", key, lang);
    if (v == NULL)
        return NULL;
    t = cJSON_GetObjectItemCaseSensitive(v, lang);
    if (!cJSON_IsString(t) || t->valuestring[0] == '\0') {
        cnd_err_set(err, "%s: missing text", where);
        return "";
    }
    return t->valuestring;
}

typedef struct {
    lang_t *l;
    const cJSON *ui;
    cnd_err_t *err;
    int failed;
} build_t;

static int shape_into(build_t *b, const char *text, const char *where, int max_lines,
                      cnd_shape_bytes_t *out)
{
    if (b->failed)
        return 0;
    if (!cnd_shape_text(b->l->sh, text, CND_PSCREEN_TEXT_W, max_lines, where, out, b->err))
        b->failed = 1;
    return !b->failed;
}

/* Interface string u in the language: the survey's "ui" block, else the
 * built-in text. */
static const char *ui_text(build_t *b, int u, char *where, size_t cap)
{
    const char *key = cnd_compile_ui_key(u), *t = NULL, *d;
    const cJSON *blk = b->ui != NULL ? cJSON_GetObjectItemCaseSensitive(b->ui, b->l->code) : NULL;
    const cJSON *v = blk != NULL ? cJSON_GetObjectItemCaseSensitive(blk, key) : NULL;
    snprintf(where, cap, "ui.%s.%s", b->l->code, key);
    if (cJSON_IsString(v))
        t = v->valuestring;
    d = cnd_compile_ui_default(b->l->code, u);
    if (t == NULL && d == NULL) {
        cnd_err_set(b->err, "%s: missing (no built-in text for language '%s')", where,
                    b->l->code);
        b->failed = 1;
        return NULL;
    }
    return t != NULL ? t : d;
}

static screen_t *new_screen(build_t *b, const char *name)
{
    screen_t *s;
    if (b->failed || b->l->n_screens >= MAX_SCREENS) {
        if (!b->failed)
            cnd_err_set(b->err, "items: more than %d screens", MAX_SCREENS);
        b->failed = 1;
        return NULL;
    }
    s = &b->l->screens[b->l->n_screens++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static void add_ui_option(build_t *b, screen_t *s, int u)
{
    char where[256];
    const char *t = ui_text(b, u, where, sizeof where);
    if (t != NULL && s->n_opt < MAX_OPTS)
        shape_into(b, t, where, OPTION_MAX_LINES, &s->opt[s->n_opt++]);
}

static void add_title_ui(build_t *b, screen_t *s, int u)
{
    char where[256];
    const char *t = ui_text(b, u, where, sizeof where);
    if (t != NULL)
        shape_into(b, t, where, CND_PSCREEN_TITLE_MAX, &s->title);
}

static void add_body_ui(build_t *b, screen_t *s, int u)
{
    char where[256];
    const char *t = ui_text(b, u, where, sizeof where);
    if (t != NULL)
        shape_into(b, t, where, BODY_MAX_LINES, &s->body);
}

/* A text field of obj at path into *out (nothing when the field is absent). */
static void add_text(build_t *b, const cJSON *obj, const char *key, const char *path,
                     int max_lines, cnd_shape_bytes_t *out)
{
    char where[256];
    const char *t;
    if (b->failed)
        return;
    t = text_in(obj, key, b->l->code, path, where, sizeof where, b->err);
    if (t != NULL && t[0] == '\0')
        b->failed = 1;
    else if (t != NULL)
        shape_into(b, t, where, max_lines, out);
}

static void build_language(build_t *b, const cJSON *root)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items"), *it;
    screen_t *s;
    int i = 0, in_private = 0;
    if ((s = new_screen(b, "home")) != NULL) {
        add_text(b, root, "title", "", CND_PSCREEN_TITLE_MAX, &s->title);
        add_ui_option(b, s, CND_UI_START);
    }
    if ((s = new_screen(b, "consent")) != NULL) {
        add_text(b, root, "title", "", CND_PSCREEN_TITLE_MAX, &s->title);
        add_text(b, root, "consent", "", BODY_MAX_LINES, &s->body);
        add_ui_option(b, s, CND_UI_AGREE);
        add_ui_option(b, s, CND_UI_DECLINE);
    }
    cJSON_ArrayForEach(it, items)
    {
        char path[64], name[64];
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(it, "kind");
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *pna = cJSON_GetObjectItemCaseSensitive(it, "prefer_not");
        const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
        snprintf(path, sizeof path, "items[%d]", i);
        snprintf(name, sizeof name, "%02d-%s", i + 1, cJSON_IsString(nm) ? nm->valuestring : "item");
        i++;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "private")) != in_private) {
            /* a run of private items starts with the hand-over, ends with
             * the hand-back (the engine's screens around it) */
            in_private = !in_private;
            if ((s = new_screen(b, in_private ? "handover" : "handback")) == NULL)
                break;
            snprintf(s->name, sizeof s->name, "%02d-%s", i, in_private ? "handover" : "handback");
            add_title_ui(b, s, in_private ? CND_UI_HANDOVER_TITLE : CND_UI_HANDBACK_TITLE);
            add_body_ui(b, s, in_private ? CND_UI_HANDOVER_BODY : CND_UI_HANDBACK_BODY);
            add_ui_option(b, s, CND_UI_NEXT);
        }
        if ((s = new_screen(b, name)) == NULL)
            break;
        add_text(b, it, "label", path, CND_PSCREEN_TITLE_MAX, &s->title);
        add_text(b, it, "hint", path, BODY_MAX_LINES, &s->body);
        if (strcmp(k, "single") == 0 || strcmp(k, "multiple") == 0) {
            const cJSON *ch = cJSON_GetObjectItemCaseSensitive(it, "choices"), *c;
            int j = 0;
            cJSON_ArrayForEach(c, ch)
            {
                char cp[96];
                snprintf(cp, sizeof cp, "%s.choices[%d]", path, j++);
                if (s->n_opt < MAX_OPTS - 2)
                    add_text(b, c, "label", cp, OPTION_MAX_LINES, &s->opt[s->n_opt++]);
            }
            s->multi = strcmp(k, "multiple") == 0;
        } else if (strcmp(k, "yesno") == 0) {
            add_ui_option(b, s, CND_UI_YES);
            add_ui_option(b, s, CND_UI_NO);
        } else if (strcmp(k, "integer") == 0) {
            const cJSON *lo = cJSON_GetObjectItemCaseSensitive(it, "min");
            char num[32];
            snprintf(num, sizeof num, "[ %d ]", cJSON_IsNumber(lo) ? lo->valueint : 0);
            if (s->n_opt < MAX_OPTS)
                shape_into(b, num, path, 1, &s->opt[s->n_opt++]);
        }
        if (strcmp(k, "info") != 0 && !cJSON_IsFalse(pna))
            add_ui_option(b, s, CND_UI_PREFER_NOT);
        if (strcmp(k, "multiple") == 0 || strcmp(k, "integer") == 0 || strcmp(k, "info") == 0)
            add_ui_option(b, s, CND_UI_NEXT);
    }
    if (in_private && (s = new_screen(b, "handback")) != NULL) {
        add_title_ui(b, s, CND_UI_HANDBACK_TITLE);
        add_body_ui(b, s, CND_UI_HANDBACK_BODY);
        add_ui_option(b, s, CND_UI_NEXT);
    }
    if ((s = new_screen(b, "review")) != NULL) {
        add_title_ui(b, s, CND_UI_REVIEW_TITLE);
        add_ui_option(b, s, CND_UI_SAVE);
        add_ui_option(b, s, CND_UI_CHANGE);
        add_ui_option(b, s, CND_UI_WITHDRAW);
    }
    if ((s = new_screen(b, "withdraw")) != NULL) {
        add_title_ui(b, s, CND_UI_CONFIRM_WITHDRAW);
        add_ui_option(b, s, CND_UI_KEEP);
        add_ui_option(b, s, CND_UI_DELETE);
    }
    if ((s = new_screen(b, "saved")) != NULL)
        add_title_ui(b, s, CND_UI_SAVED);
    if ((s = new_screen(b, "referral")) != NULL) {
        add_title_ui(b, s, CND_UI_REFERRAL_TITLE);
        add_text(b, root, "referral", "", BODY_MAX_LINES, &s->body);
        add_ui_option(b, s, CND_UI_DONE);
    }
}

/* Draws screen s of language l into fb. */
static int draw_screen(const lang_t *l, const screen_t *s, uint16_t *fb, cnd_err_t *err)
{
    cnd_patlas_t a;
    cnd_ptext_t title, body, opt[MAX_OPTS];
    cnd_pscreen_t ps;
    cnd_band_t band = {fb, 0, CND_PTEXT_SCREEN_H};
    int k;
    memset(&ps, 0, sizeof ps);
    if (cnd_patlas_open(&a, l->atlas.buf, (uint32_t)l->atlas.len) != CND_OK) {
        cnd_err_set(err, "language '%s': its glyph atlas does not open", l->code);
        return 0;
    }
    ps.atlas = &a;
    if (s->title.buf != NULL) {
        if (cnd_ptext_open(&title, s->title.buf, (uint32_t)s->title.len, &a) != CND_OK)
            goto bad;
        ps.title = &title;
    }
    if (s->body.buf != NULL) {
        if (cnd_ptext_open(&body, s->body.buf, (uint32_t)s->body.len, &a) != CND_OK)
            goto bad;
        ps.body = &body;
    }
    for (k = 0; k < s->n_opt; k++) {
        if (cnd_ptext_open(&opt[k], s->opt[k].buf, (uint32_t)s->opt[k].len, &a) != CND_OK)
            goto bad;
        ps.opt[k] = &opt[k];
    }
    ps.n_opt = (uint8_t)s->n_opt;
    ps.cursor = 0;
    ps.checked_box = (uint8_t)s->multi;
    ps.rtl = (uint8_t)cnd_shaper_rtl(l->sh);
    snprintf(ps.status, sizeof ps.status, "%s", l->code);
    ps.fg = 0x0000;
    ps.bg = 0xFFFF;
    cnd_pscreen_draw(&ps, &band);
    return 1;
bad:
    cnd_err_set(err, "language '%s', screen %s: a text block does not open", l->code, s->name);
    return 0;
}

/* Shapes every language of root (only `only`, when not NULL) into langs. */
static int shape_all(const cJSON *root, const char *only, lang_t *langs, int max, int *n_out,
                     cnd_err_t *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "languages"), *e;
    int idx = 0, n = 0, ok = 1;
    cJSON_ArrayForEach(e, arr)
    {
        char path[64];
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
        const cJSON *font = cJSON_GetObjectItemCaseSensitive(e, "font");
        build_t b;
        snprintf(path, sizeof path, "languages[%d]", idx++);
        if (!cJSON_IsString(code) || (font != NULL && !cJSON_IsString(font))) {
            cnd_err_set(err, "%s: needs a \"code\" string (and \"font\", if any, a string)",
                        path);
            ok = 0;
            break;
        }
        if (only != NULL && strcmp(only, code->valuestring) != 0)
            continue;
        if (n >= max)
            break;
        langs[n].code = code->valuestring;
        langs[n].sh = cnd_shaper_new(code->valuestring, font != NULL ? font->valuestring : NULL,
                                     path, err);
        if (langs[n].sh == NULL) {
            ok = 0;
            break;
        }
        langs[n].screens = calloc(MAX_SCREENS, sizeof *langs[n].screens);
        b.l = &langs[n++];
        b.ui = cJSON_GetObjectItemCaseSensitive(root, "ui");
        b.err = err;
        b.failed = b.l->screens == NULL;
        if (b.failed)
            cnd_err_set(err, "out of memory");
        else
            build_language(&b, root);
        if (b.failed || !cnd_shape_atlas(b.l->sh, &b.l->atlas, err)) {
            ok = 0;
            break;
        }
    }
    *n_out = n;
    return ok;
}

int cnd_preview_check(const cJSON *root, cnd_err_t *err)
{
    lang_t langs[CND_MAX_LANGS];
    int n = 0, i, ok;
    memset(langs, 0, sizeof langs);
    ok = shape_all(root, NULL, langs, CND_MAX_LANGS, &n, err);
    for (i = 0; i < n; i++)
        screens_free(&langs[i]);
    return ok;
}

static char *read_source(const char *path, cnd_err_t *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (f == NULL) {
        cnd_err_set(err, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    buf = malloc(SOURCE_MAX + 1);
    n = buf != NULL ? fread(buf, 1, SOURCE_MAX + 1, f) : 0;
    fclose(f);
    if (buf == NULL || n > SOURCE_MAX) {
        free(buf);
        cnd_err_set(err, "%s is not a survey source (too large)", path);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static int write_index(const char *dir, const lang_t *langs, int n, cnd_err_t *err)
{
    char path[4096], tmp[4200];
    FILE *f;
    int i, k;
    snprintf(path, sizeof path, "%s/index.html", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL) {
        cnd_err_set(err, "cannot write %s: %s", path, strerror(errno));
        return 0;
    }
    fprintf(f, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Candor preview"
               "</title>\n<style>body{font-family:sans-serif;background:#eee}"
               "figure{display:inline-block;margin:6px;text-align:center}"
               "img{border:1px solid #888;background:#fff}</style></head><body>\n"
               "<h1>Every screen as the handheld draws it</h1>\n");
    for (i = 0; i < n; i++) {
        const cnd_shape_stats_t *st = cnd_shaper_stats(langs[i].sh);
        fprintf(f, "<h2 id=\"%s\">%s (font %s; pack text %zu bytes: atlas %zu + runs %zu)</h2>\n",
                langs[i].code, langs[i].code, cnd_shaper_font(langs[i].sh),
                langs[i].atlas.len + st->block_bytes, langs[i].atlas.len, st->block_bytes);
        for (k = 0; k < langs[i].n_screens; k++)
            fprintf(f, "<figure><img src=\"%s-%s.png\" width=\"240\" height=\"320\" alt=\"%s %s\">"
                       "<figcaption>%s</figcaption></figure>\n",
                    langs[i].code, langs[i].screens[k].name, langs[i].code,
                    langs[i].screens[k].name, langs[i].screens[k].name);
    }
    fprintf(f, "</body></html>\n");
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        cnd_err_set(err, "cannot write %s", path);
        return 0;
    }
    return 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: candor preview SURVEY.json -o DIR [--lang CODE]\n"
               "  writes DIR/LANG-SCREEN.png for every screen in every language (or only\n"
               "  CODE) and DIR/index.html, a contact sheet of them all\n");
}

int cnd_cmd_preview(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = NULL, *only = NULL, *src;
    char *text;
    cJSON *root;
    const cJSON *arr;
    lang_t langs[CND_PTEXT_MAX_LINES];
    int n = 0, c, i, k, rc = CND_EXIT_OK;
    cnd_err_t err;
    static uint16_t fb[CND_PTEXT_SCREEN_W * CND_PTEXT_SCREEN_H];
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:l:h", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'l')
            only = optarg;
        else if (c == 'h') {
            usage(stdout);
            return CND_EXIT_OK;
        } else {
            usage(stderr);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || out == NULL) {
        fprintf(stderr, "candor preview: need SURVEY.json and -o DIR (see --help)\n");
        return CND_EXIT_USAGE;
    }
    src = argv[optind];
    if ((text = read_source(src, &err)) == NULL) {
        fprintf(stderr, "candor preview: %s\n", err.msg);
        return CND_EXIT_INPUT;
    }
    root = cJSON_Parse(text);
    free(text);
    arr = root != NULL ? cJSON_GetObjectItemCaseSensitive(root, "languages") : NULL;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
        fprintf(stderr, "candor preview: %s: %s\n", src,
                root == NULL ? "not valid JSON" : "languages: must be a non-empty array");
        cJSON_Delete(root);
        return CND_EXIT_INPUT;
    }
    memset(langs, 0, sizeof langs);
    /* shape everything first: a bad text stops before any file is written */
    if (!shape_all(root, only, langs, (int)(sizeof langs / sizeof langs[0]), &n, &err))
        rc = CND_EXIT_INPUT;
    if (rc == CND_EXIT_OK && n == 0) {
        cnd_err_set(&err, "languages: no language '%s' in %s", only != NULL ? only : "", src);
        rc = CND_EXIT_INPUT;
    }
    if (rc == CND_EXIT_OK && mkdir(out, 0755) != 0 && errno != EEXIST) {
        cnd_err_set(&err, "cannot create %s: %s", out, strerror(errno));
        rc = CND_EXIT_FAIL;
    }
    for (i = 0; rc == CND_EXIT_OK && i < n; i++) {
        const cnd_shape_stats_t *st = cnd_shaper_stats(langs[i].sh);
        for (k = 0; rc == CND_EXIT_OK && k < langs[i].n_screens; k++) {
            char png[4096];
            snprintf(png, sizeof png, "%s/%s-%s.png", out, langs[i].code, langs[i].screens[k].name);
            if (!draw_screen(&langs[i], &langs[i].screens[k], fb, &err))
                rc = CND_EXIT_FAIL;
            else if (cnd_fb_write_png(png, fb, CND_PTEXT_SCREEN_W, CND_PTEXT_SCREEN_H) != 0) {
                cnd_err_set(&err, "cannot write %s", png);
                rc = CND_EXIT_FAIL;
            }
        }
        if (rc == CND_EXIT_OK)
            printf("%s: %d screens, font %s, %zu texts, %zu lines, %zu glyphs placed; "
                   "atlas %zu bytes, glyph runs %zu bytes, total %zu; as per-line bitmaps "
                   "%zu bytes\n",
                   langs[i].code, langs[i].n_screens, cnd_shaper_font(langs[i].sh), st->texts,
                   st->lines, st->glyphs, langs[i].atlas.len, st->block_bytes,
                   langs[i].atlas.len + st->block_bytes, st->line_bitmap_bytes);
    }
    if (rc == CND_EXIT_OK && !write_index(out, langs, n, &err))
        rc = CND_EXIT_FAIL;
    if (rc != CND_EXIT_OK)
        fprintf(stderr, "candor preview: %s\n", err.msg);
    for (i = 0; i < n; i++)
        screens_free(&langs[i]);
    cJSON_Delete(root);
    return rc;
}
