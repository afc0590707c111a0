/*
 * compile.c: survey source (JSON) -> survey pack (formats/SPEC.md section 1).
 *
 * Three passes over one heap model: read the JSON into the model, checking
 * every field (errors name the JSON path); compile each item's relevance
 * expression now that every item name is known; write the pack and open it
 * with cnd_pack_open() so the compiler can never ship what a device refuses.
 * RAM: host only (one cnd_compile_src_t on the heap, about 150 KB).
 */
#include "compile.h"
#include "preview.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildcaps.h"
#include "fileio.h"
#include "coding.h"
#include "commands.h"
#include "identifying.h"
#include "pack.h"
#include "osfile.h"
#include "packadmin.h"
#include "packsign.h"
#include "relevance.h"
#include "render.h"
#include "xlsform.h"

#define SOURCE_MAX_BYTES (1024 * 1024) /* a survey source is a few tens of KB */
#define INTEGER_MAX_SPAN 10000         /* see read_integer_range() */
#define RELEVANCE_MAX_DEPTH 32         /* parenthesis / not nesting in the parser */

/* ---------------------------------------------------------------- model */

typedef const char *texts_t[CND_MAX_LANGS]; /* one text per declared language */

typedef struct {
    const char *name;
    texts_t label;
    int exclusive; /* "exclusive": true: ticked alone (SPEC 1.4) */
} src_choice_t;

typedef struct {
    const char *name;
    uint8_t kind;
    uint8_t flags;
    int32_t min, max;
    uint8_t n_choices;
    uint32_t exclusive; /* MULTI: bit i = choices[i].exclusive */
    src_choice_t choices[CND_MAX_CHOICES];
    uint8_t n_tags;
    const char *tags[CND_MAX_TAGS];
    char coded[CND_MAX_TAGS][CND_MAX_NAME_LEN + 1]; /* coding tags (coding.h) */
    texts_t label, hint;
    const char *relevant; /* source text or NULL */
    uint8_t code[CND_MAX_RELEVANCE_LEN];
    uint16_t code_len;
} src_item_t;

typedef struct {
    const char *id;
    uint16_t version;
    uint8_t n_langs;
    const char *lang_code[CND_MAX_LANGS];
    const char *lang_name[CND_MAX_LANGS];
    const char *lang_font[CND_MAX_LANGS]; /* NULL: the script's Noto face */
    texts_t title, consent, referral;
    const char *ui[CND_MAX_LANGS][CND_UI_COUNT];
    uint16_t n_items;
    src_item_t items[CND_MAX_ITEMS];
    const char *eligibility; /* source rule or NULL (SPEC 1.2) */
    uint8_t elig_code[CND_MAX_RELEVANCE_LEN];
    uint16_t elig_len, elig_after;
    uint16_t flags; /* CND_PACK_F_* */
    const cnd_compile_opts_t *opts;
} src_t;

/* -------------------------------------------------------- fixed tables */

/* Source keys of the ui block, in cnd_ui_string_t order (NULL-terminated
 * so check_keys() can use it too). */
static const char *const ui_keys[CND_UI_COUNT + 1] = {
    "prefer_not",     "yes",           "no",            "agree",          "decline",
    "next",           "review_title",  "save",          "change",         "withdraw",
    "saved",          "not_saved",     "start",         "referral_title", "done",
    "skipped",        "handover_title", "handover_body", "handback_title", "handback_body",
    "pending_one",    "pending_other", "more_one",      "more_other",     "storage_warn",
    "storage_urgent", "storage_full",  "confirm_withdraw", "keep",        "delete",
    "ineligible",     "draft",         "choose_language", NULL};

typedef struct {
    const char *lang;
    const char *text[CND_UI_COUNT];
} ui_defaults_t;

static const ui_defaults_t ui_builtin[] = {
    {"en",
     {"Prefer not to answer", "Yes", "No", "I agree", "I do not agree", "Next",
      "Review your answers", "Save", "Change answers", "Withdraw and delete", "Saved. Thank you.",
      "Not saved. Your answers are kept; press OK to try again.", "Start", "Where to find help",
      "Done", "Not asked", "Private questions",
      "Please pass the device to the respondent. They answer the next questions alone; their "
      "answers are not shown again, not even in the review.",
      "Thank you", "Please pass the device back to the interviewer.", "{n} to sync",
      "{n} to sync", "{n} more", "{n} more", "Storage {n}% full: sync soon",
      "Storage {n}% full: sync soon, before the next interviews",
      "Storage full: sync with the office before the next interview",
      "Delete all your answers? Nothing of this interview will be kept.", "Keep my answers",
      "Yes, delete them",
      "Thank you for your time. This survey is only for adults, so it ends here. Nothing you "
      "said has been stored.",
      "DRAFT: not for fieldwork", "Choose a language"}},
    {"es",
     {"Prefiero no responder", "S\xc3\xad", "No", "Acepto", "No acepto", "Siguiente",
      "Revise sus respuestas", "Guardar", "Cambiar respuestas", "Retirarme y borrar",
      "Guardado. Gracias.",
      "No se guard\xc3\xb3. Sus respuestas se conservan; pulse OK para reintentar.", "Comenzar",
      "D\xc3\xb3nde encontrar ayuda", "Terminar", "No preguntado", "Preguntas privadas",
      "Por favor, pase el aparato a la persona entrevistada. Responde sola las preguntas "
      "siguientes; sus respuestas no se vuelven a mostrar, ni siquiera en la revisi\xc3\xb3n.",
      "Gracias", "Por favor, devuelva el aparato a la persona que entrevista.",
      "{n} por sincronizar", "{n} por sincronizar", "{n} m\xc3\xa1s", "{n} m\xc3\xa1s",
      "Memoria al {n}%: sincronice pronto",
      "Memoria al {n}%: sincronice pronto, antes de las pr\xc3\xb3ximas entrevistas",
      "Memoria llena: sincronice con la oficina antes de la pr\xc3\xb3xima entrevista",
      "\xc2\xbf" "Borrar todas sus respuestas? No se guardar\xc3\xa1 nada de esta entrevista.",
      "Conservar mis respuestas", "S\xc3\xad, borrarlas",
      "Gracias por su tiempo. Esta encuesta es solo para personas adultas, as\xc3\xad que "
      "termina aqu\xc3\xad. No se ha guardado nada de lo que dijo.",
      "BORRADOR: no usar en el campo", "Elija un idioma"}},
};

const char *cnd_compile_ui_key(int u)
{
    return u >= 0 && u < CND_UI_COUNT ? ui_keys[u] : NULL;
}

const char *cnd_compile_ui_default(const char *lang, int u)
{
    size_t d;
    for (d = 0; u >= 0 && u < CND_UI_COUNT && d < sizeof ui_builtin / sizeof ui_builtin[0]; d++)
        if (strcmp(ui_builtin[d].lang, lang) == 0)
            return ui_builtin[d].text[u];
    return NULL;
}

static const char *const kind_names[] = {"single", "multiple", "yesno", "integer", "info"};

/* Names that clash with the relevance keywords or the export's own fields. */
static const char *const reserved_item_names[] = {
    "and",     "or",   "not",     "in",        "id",        "day",
    "lang",    "pack", "pack_fp", "survey",    "survey_id", "survey_version",
    "version", "seq",  "device",  "device_id", "response",  "answers",
    "meta"};

/* Item names that announce identifying data: refused outright (DOMAIN.md:
 * no names, contacts, addresses, employer details, photos or locations). */
static const char *const identifying_names[] = {"name",
                                                "full_name",
                                                "first_name",
                                                "last_name",
                                                "surname",
                                                "phone",
                                                "phone_number",
                                                "mobile",
                                                "email",
                                                "address",
                                                "street",
                                                "employer_name",
                                                "employer_address",
                                                "passport_number",
                                                "id_number",
                                                "national_id",
                                                "gps",
                                                "latitude",
                                                "longitude",
                                                "location",
                                                "photo",
                                                "birth_date",
                                                "date_of_birth",
                                                "dob"};

/* Choice names the export uses for non-answers. */
static const char *const reserved_choice_names[] = {"pna", "prefer_not", "prefer_not_to_answer",
                                                    "not_asked", "suppressed"};

static int in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

#define IN_LIST(s, arr) in_list((s), (arr), sizeof(arr) / sizeof((arr)[0]))

/* ------------------------------------------------------ JSON field access */

/* Checks that obj is an object whose keys are all in allowed[] (NULL
 * terminated) and none repeated: a typo must not be silently ignored. */
static int check_keys(const cJSON *obj, const char *path, const char *const *allowed,
                      cnd_err_t *err)
{
    const cJSON *a, *b;
    if (!cJSON_IsObject(obj)) {
        cnd_err_set(err, "%s: must be an object", path);
        return 0;
    }
    for (a = obj->child; a != NULL; a = a->next) {
        const char *const *k;
        int known = 0;
        for (k = allowed; *k != NULL; k++)
            known = known || strcmp(*k, a->string) == 0;
        if (!known) {
            cnd_err_set(err, "%s: unknown field '%s'", path, a->string);
            return 0;
        }
        for (b = obj->child; b != a; b = b->next)
            if (strcmp(a->string, b->string) == 0) {
                cnd_err_set(err, "%s: field '%s' appears twice", path, a->string);
                return 0;
            }
    }
    return 1;
}

static const cJSON *get_field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* "path.key", or just "key" at the top level (path ""). */
static const char *join(char *buf, size_t n, const char *path, const char *key)
{
    snprintf(buf, n, "%s%s%s", path, path[0] ? "." : "", key);
    return buf;
}

/* Where a missing field is reported: its parent object. */
static const char *parent(const char *path)
{
    return path[0] ? path : "(top level)";
}

/* Required (or optional, *out left NULL) non-empty string field. */
static int get_string(const cJSON *obj, const char *path, const char *key, int required,
                      const char **out, cnd_err_t *err)
{
    const cJSON *v = get_field(obj, key);
    char p[128];
    *out = NULL;
    if (v == NULL) {
        if (required)
            cnd_err_set(err, "%s: missing '%s'", parent(path), key);
        return !required;
    }
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0') {
        cnd_err_set(err, "%s: must be a non-empty string", join(p, sizeof p, path, key));
        return 0;
    }
    *out = v->valuestring;
    return 1;
}

/* A required array of 1..max entries ("unit" names one entry in messages);
 * NULL after an error. */
static const cJSON *get_array(const cJSON *obj, const char *path, const char *key, int max,
                              const char *unit, cnd_err_t *err)
{
    const cJSON *arr = get_field(obj, key);
    char p[96];
    join(p, sizeof p, path, key);
    if (arr == NULL) {
        cnd_err_set(err, "%s: missing '%s'", parent(path), key);
        return NULL;
    }
    if (!cJSON_IsArray(arr)) {
        cnd_err_set(err, "%s: must be an array", p);
        return NULL;
    }
    if (cJSON_GetArraySize(arr) == 0) {
        cnd_err_set(err, "%s: empty %s list", p, unit);
        return NULL;
    }
    if (cJSON_GetArraySize(arr) > max) {
        cnd_err_set(err, "%s: %d %ss, more than the limit of %d", p, cJSON_GetArraySize(arr), unit,
                    max);
        return NULL;
    }
    return arr;
}

/* Integer field within [lo, hi]; JSON numbers are doubles, so fractions and
 * huge values are refused explicitly. */
static int get_int(const cJSON *obj, const char *path, const char *key, long lo, long hi, long *out,
                   cnd_err_t *err)
{
    const cJSON *v = get_field(obj, key);
    char p[128];
    join(p, sizeof p, path, key);
    if (v == NULL) {
        cnd_err_set(err, "%s: missing '%s'", parent(path), key);
        return 0;
    }
    /* Range first: converting a huge double (1e400) to long is undefined. */
    if (cJSON_IsNumber(v) && !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi)) {
        cnd_err_set(err, "%s: %g is outside %ld..%ld", p, v->valuedouble, lo, hi);
        return 0;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble) {
        cnd_err_set(err, "%s: must be a whole number", p);
        return 0;
    }
    *out = (long)v->valuedouble;
    return 1;
}

static int text_ok(const char *s, const char *path, cnd_err_t *err)
{
    size_t n = strlen(s);
    if (n > CND_MAX_TEXT_LEN) {
        cnd_err_set(err, "%s: text is %zu bytes, more than the limit of %d", path, n,
                    CND_MAX_TEXT_LEN);
        return 0;
    }
    if (!cnd_pack_text_ok(s, n)) {
        cnd_err_set(err, "%s: text must be UTF-8 without control characters (newline is allowed)",
                    path);
        return 0;
    }
    return 1;
}

/* A per-language text map {"en": "...", "es": "..."}: exactly the declared
 * languages, each a non-empty valid text. */
static int get_texts(const src_t *src, const cJSON *obj, const char *path, const char *key,
                     int required, texts_t out, cnd_err_t *err)
{
    const cJSON *v = get_field(obj, key), *e;
    char p[128], q[160];
    uint8_t l;

    memset(out, 0, sizeof(texts_t));
    join(p, sizeof p, path, key);
    if (v == NULL) {
        if (required)
            cnd_err_set(err, "%s: missing '%s'", parent(path), key);
        return !required;
    }
    if (!cJSON_IsObject(v)) {
        cnd_err_set(err, "%s: must be an object mapping language codes to text", p);
        return 0;
    }
    for (e = v->child; e != NULL; e = e->next) {
        int declared = 0;
        for (l = 0; l < src->n_langs; l++)
            declared = declared || strcmp(e->string, src->lang_code[l]) == 0;
        if (!declared) {
            cnd_err_set(err, "%s: '%s' is not a declared language", p, e->string);
            return 0;
        }
    }
    for (l = 0; l < src->n_langs; l++) {
        const cJSON *t = get_field(v, src->lang_code[l]);
        snprintf(q, sizeof q, "%s.%s", p, src->lang_code[l]);
        if (t == NULL) {
            cnd_err_set(err, "%s: missing '%s'", p, src->lang_code[l]);
            return 0;
        }
        if (!cJSON_IsString(t) || t->valuestring[0] == '\0') {
            cnd_err_set(err, "%s: must be a non-empty string", q);
            return 0;
        }
        if (!text_ok(t->valuestring, q, err))
            return 0;
        out[l] = t->valuestring;
    }
    return 1;
}

/* --------------------------------------------------------- top level */

static int read_languages(src_t *src, const cJSON *root, cnd_err_t *err)
{
    /* "font": shape.h's face for the language instead of its script's */
    static const char *const keys[] = {"code", "name", "font", NULL};
    const cJSON *arr = get_array(root, "", "languages", CND_MAX_LANGS, "language", err), *e;
    char p[64];
    uint8_t n = 0, l;

    if (arr == NULL)
        return 0;
    for (e = arr->child; e != NULL; e = e->next, n++) {
        const char *code, *name;
        snprintf(p, sizeof p, "languages[%u]", n);
        if (!check_keys(e, p, keys, err) || !get_string(e, p, "code", 1, &code, err) ||
            !get_string(e, p, "name", 1, &name, err))
            return 0;
        if (!cnd_pack_name_ok(CND_NAME_LANG, code, strlen(code))) {
            cnd_err_set(err,
                        "%s.code: '%s' is not a language code like 'en' or 'pt-BR' "
                        "(at most %d characters)",
                        p, code, CND_LANG_CODE_LEN - 1);
            return 0;
        }
        for (l = 0; l < n; l++)
            if (strcmp(src->lang_code[l], code) == 0) {
                cnd_err_set(err, "%s.code: duplicate language '%s'", p, code);
                return 0;
            }
        snprintf(p, sizeof p, "languages[%u].name", n);
        if (!text_ok(name, p, err))
            return 0;
        src->lang_code[n] = code;
        src->lang_name[n] = name;
        {
            const cJSON *font = cJSON_GetObjectItemCaseSensitive(e, "font");
            src->lang_font[n] = cJSON_IsString(font) ? font->valuestring : NULL;
        }
    }
    src->n_langs = n;
    return 1;
}

/* Built-in defaults, then the source's "ui" overrides. A language without
 * built-in defaults must supply every string. */
static int read_ui(src_t *src, const cJSON *root, cnd_err_t *err)
{
    const cJSON *ui = get_field(root, "ui"), *e;
    char p[96];
    uint8_t l;
    size_t d;
    int u;

    if (ui != NULL && !cJSON_IsObject(ui)) {
        cnd_err_set(err, "ui: must be an object mapping language codes to strings");
        return 0;
    }
    for (e = ui ? ui->child : NULL; e != NULL; e = e->next) {
        int declared = 0;
        for (l = 0; l < src->n_langs; l++)
            declared = declared || strcmp(e->string, src->lang_code[l]) == 0;
        if (!declared) {
            cnd_err_set(err, "ui: '%s' is not a declared language", e->string);
            return 0;
        }
    }
    for (l = 0; l < src->n_langs; l++) {
        const cJSON *block = ui ? get_field(ui, src->lang_code[l]) : NULL;
        for (d = 0; d < sizeof ui_builtin / sizeof ui_builtin[0]; d++)
            if (strcmp(ui_builtin[d].lang, src->lang_code[l]) == 0)
                for (u = 0; u < CND_UI_COUNT; u++)
                    src->ui[l][u] = ui_builtin[d].text[u];
        snprintf(p, sizeof p, "ui.%s", src->lang_code[l]);
        if (block != NULL && !check_keys(block, p, ui_keys, err))
            return 0;
        for (u = 0; u < CND_UI_COUNT; u++) {
            const char *s = NULL;
            if (block != NULL && !get_string(block, p, ui_keys[u], 0, &s, err))
                return 0;
            if (s != NULL) {
                char q[128];
                snprintf(q, sizeof q, "%s.%s", p, ui_keys[u]);
                if (!text_ok(s, q, err))
                    return 0;
                src->ui[l][u] = s;
            }
            if (src->ui[l][u] == NULL) {
                cnd_err_set(err,
                            "%s: missing '%s' (no built-in text for language '%s'; "
                            "give every ui string)",
                            block ? p : "ui", ui_keys[u], src->lang_code[l]);
                return 0;
            }
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- items */

static int kind_from_name(const char *s)
{
    size_t k;
    for (k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return (int)k + CND_ITEM_SINGLE;
    return 0;
}

static const char *kind_name(uint8_t kind)
{
    return kind_names[kind - CND_ITEM_SINGLE];
}

static int check_ident(const char *name, const char *path, cnd_err_t *err)
{
    if (!cnd_pack_name_ok(CND_NAME_IDENT, name, strlen(name))) {
        cnd_err_set(err,
                    "%s: '%s' must match ^[a-z][a-z0-9_]{0,31}$ "
                    "(lower case, digits, underscore; at most %d characters)",
                    path, name, CND_MAX_NAME_LEN);
        return 0;
    }
    return 1;
}

static int read_choices(const src_t *src, src_item_t *it, const cJSON *item, const char *path,
                        cnd_err_t *err)
{
    static const char *const keys[] = {"name", "label", "exclusive", NULL};
    const cJSON *arr = get_array(item, path, "choices", CND_MAX_CHOICES, "choice", err), *e;
    const cJSON *x;
    char p[96], q[128];
    uint8_t c, d;

    if (arr == NULL)
        return 0;
    for (c = 0, e = arr->child; e != NULL; e = e->next, c++) {
        src_choice_t *ch = &it->choices[c];
        snprintf(p, sizeof p, "%s.choices[%u]", path, c);
        snprintf(q, sizeof q, "%s.name", p);
        if (!check_keys(e, p, keys, err) || !get_string(e, p, "name", 1, &ch->name, err) ||
            !check_ident(ch->name, q, err))
            return 0;
        if (IN_LIST(ch->name, reserved_choice_names)) {
            cnd_err_set(err, "%s: '%s' is reserved (exports use it for non-answers)", q, ch->name);
            return 0;
        }
        for (d = 0; d < c; d++)
            if (strcmp(it->choices[d].name, ch->name) == 0) {
                cnd_err_set(err, "%s: duplicate choice name '%s' (also choices[%u])", q, ch->name,
                            d);
                return 0;
            }
        if (!get_texts(src, e, p, "label", 1, ch->label, err))
            return 0;
        if ((x = get_field(e, "exclusive")) != NULL) {
            if (!cJSON_IsBool(x)) {
                cnd_err_set(err, "%s.exclusive: must be true or false", p);
                return 0;
            }
            if (cJSON_IsTrue(x) && it->kind != CND_ITEM_MULTI) {
                cnd_err_set(err,
                            "%s.exclusive: only a choice of a multiple item can be exclusive "
                            "(a single item's choices already are)",
                            p);
                return 0;
            }
            ch->exclusive = cJSON_IsTrue(x);
            if (ch->exclusive)
                it->exclusive |= (uint32_t)1 << c;
        }
    }
    it->n_choices = c;
    return 1;
}

static int read_tags(src_item_t *it, const cJSON *arr, const char *path, cnd_err_t *err)
{
    const cJSON *e;
    uint8_t t, d;
    if (arr == NULL)
        return 1;
    if (!cJSON_IsArray(arr)) {
        cnd_err_set(err, "%s.tags: must be an array of strings", path);
        return 0;
    }
    if (cJSON_GetArraySize(arr) > CND_MAX_TAGS) {
        cnd_err_set(err, "%s.tags: %d tags, more than the limit of %d", path,
                    cJSON_GetArraySize(arr), CND_MAX_TAGS);
        return 0;
    }
    for (t = 0, e = arr->child; e != NULL; e = e->next, t++) {
        if (!cJSON_IsString(e) ||
            !cnd_pack_name_ok(CND_NAME_TAG, e->valuestring, strlen(e->valuestring))) {
            cnd_err_set(err,
                        "%s.tags[%u]: must be a tag like \"COE\" or \"C189:Art.10\" "
                        "(letters, digits, _ . : -; at most %d characters)",
                        path, t, CND_MAX_NAME_LEN);
            return 0;
        }
        /* Plain tags are free labels; only "coding" codes answers. */
        if (cnd_coding_is_tag(e->valuestring, strlen(e->valuestring))) {
            cnd_err_set(err,
                        "%s.tags[%u]: '%s': tags starting with sig: are reserved; say which "
                        "answers signal an ILO indicator or INV/COE in the item's \"coding\" "
                        "(SPEC 1.11)",
                        path, t, e->valuestring);
            return 0;
        }
        for (d = 0; d < t; d++)
            if (strcmp(it->tags[d], e->valuestring) == 0) {
                cnd_err_set(err, "%s.tags[%u]: duplicate tag '%s'", path, t, e->valuestring);
                return 0;
            }
        it->tags[t] = e->valuestring;
    }
    it->n_tags = t;
    return 1;
}

/* Integer items are for small counts (hours, days, people). A wide range
 * could carry a phone or ID number, which Candor must never collect. */
static int read_integer_range(src_item_t *it, const cJSON *e, const char *path, cnd_err_t *err)
{
    long lo, hi;
    if (!get_int(e, path, "min", INT32_MIN, INT32_MAX, &lo, err) ||
        !get_int(e, path, "max", INT32_MIN, INT32_MAX, &hi, err))
        return 0;
    if (lo > hi) {
        cnd_err_set(err, "%s: min %ld is greater than max %ld", path, lo, hi);
        return 0;
    }
    if (hi - lo > INTEGER_MAX_SPAN) {
        cnd_err_set(err,
                    "%s: range %ld..%ld spans more than %d values; a number that wide "
                    "could identify someone (phone, ID), so use choices or a smaller range",
                    path, lo, hi, INTEGER_MAX_SPAN);
        return 0;
    }
    it->min = (int32_t)lo;
    it->max = (int32_t)hi;
    return 1;
}

/* Fields a kind must not carry: an error, so the author learns that e.g.
 * yesno choices are fixed rather than having them silently dropped. */
static int refuse_field(const cJSON *e, const char *path, const char *key, const char *kind,
                        cnd_err_t *err)
{
    if (get_field(e, key) != NULL) {
        cnd_err_set(err, "%s.%s: not allowed on a %s item", path, key, kind);
        return 0;
    }
    return 1;
}

static int read_kind_fields(const src_t *src, src_item_t *it, const cJSON *e, const char *path,
                            cnd_err_t *err)
{
    const char *k = kind_name(it->kind);
    const cJSON *pna = get_field(e, "prefer_not");
    const cJSON *priv = get_field(e, "private");
    int has_choices = it->kind == CND_ITEM_SINGLE || it->kind == CND_ITEM_MULTI;

    if (pna != NULL && !cJSON_IsBool(pna)) {
        cnd_err_set(err, "%s.prefer_not: must be true or false", path);
        return 0;
    }
    if (it->kind == CND_ITEM_INFO && pna != NULL) {
        cnd_err_set(err, "%s.prefer_not: not allowed on an info item (it has no answer)", path);
        return 0;
    }
    if (priv != NULL && !cJSON_IsBool(priv)) {
        cnd_err_set(err, "%s.private: must be true or false", path);
        return 0;
    }
    it->flags =
        (it->kind != CND_ITEM_INFO && (pna == NULL || cJSON_IsTrue(pna))) ? CND_ITEM_F_PNA : 0;
    if (cJSON_IsTrue(priv))
        it->flags |= CND_ITEM_F_PRIVATE; /* hand-over mode (SPEC 1.4) */
    if (it->kind != CND_ITEM_INTEGER &&
        (!refuse_field(e, path, "min", k, err) || !refuse_field(e, path, "max", k, err)))
        return 0;
    if (!has_choices && !refuse_field(e, path, "choices", k, err))
        return 0;
    if (has_choices)
        return read_choices(src, it, e, path, err);
    if (it->kind == CND_ITEM_INTEGER)
        return read_integer_range(it, e, path, err);
    if (it->kind == CND_ITEM_YESNO)
        it->n_choices = 2; /* implicit "no" (0) and "yes" (1) */
    return 1;
}

/* Which answer is this coding key: a choice index, or an integer range. */
static int coding_key(const src_item_t *it, const char *key, cnd_coding_rule_t *r)
{
    memset(r, 0, sizeof *r);
    if (it->kind == CND_ITEM_INTEGER) {
        long lo, hi;
        char extra;
        r->is_range = 1;
        if (sscanf(key, "%ld..%ld%c", &lo, &hi, &extra) != 2 || lo > hi || lo < it->min ||
            hi > it->max)
            return 0;
        r->lo = (int32_t)lo;
        r->hi = (int32_t)hi;
        return 1;
    }
    for (uint8_t c = 0; c < it->n_choices; c++) {
        const char *name = it->kind == CND_ITEM_YESNO ? (c ? "yes" : "no") : it->choices[c].name;
        if (strcmp(name, key) == 0) {
            r->mask = 1u << c;
            return 1;
        }
    }
    return 0;
}

/* "coding": {ANSWER: [NAME, ...]} (SPEC 1.11): stored as coding tags, one
 * per code (choices merged into one mask) or per code and range. */
static int read_coding(src_item_t *it, const cJSON *obj, const char *path, cnd_err_t *err)
{
    cnd_coding_rule_t rules[CND_MAX_TAGS];
    uint8_t n = 0;
    const cJSON *ans, *v;
    if (obj == NULL)
        return 1;
    if (it->kind == CND_ITEM_INFO || !cJSON_IsObject(obj)) {
        cnd_err_set(err, "%s.coding: %s", path,
                    it->kind == CND_ITEM_INFO
                        ? "not allowed on an info item (it has no answer)"
                        : "must map an answer to the indicators it signals, like "
                          "{\"no_or_locked_in\": [\"restriction_of_movement\", \"COE\"]}");
        return 0;
    }
    for (ans = obj->child; ans != NULL; ans = ans->next) {
        cnd_coding_rule_t key;
        if (!coding_key(it, ans->string, &key)) {
            cnd_err_set(err, "%s.coding.%s: %s", path, ans->string,
                        it->kind == CND_ITEM_INTEGER
                            ? "not a range LO..HI inside the item's min..max"
                            : "not one of the item's choices");
            return 0;
        }
        if (!cJSON_IsArray(ans) || cJSON_GetArraySize(ans) == 0) {
            cnd_err_set(err, "%s.coding.%s: must be a non-empty array of indicator names", path,
                        ans->string);
            return 0;
        }
        int i = 0;
        for (v = ans->child; v != NULL; v = v->next, i++) {
            int code = cJSON_IsString(v) ? cnd_code_from_name(v->valuestring) : -1;
            if (code < 0) {
                cnd_err_set(err,
                            "%s.coding.%s[%d]: unknown indicator '%s'; use one of the ILO's 11 "
                            "(abuse_of_vulnerability, deception, restriction_of_movement, "
                            "isolation, physical_and_sexual_violence, intimidation_and_threats, "
                            "retention_of_identity_documents, withholding_of_wages, "
                            "debt_bondage, abusive_working_and_living_conditions, "
                            "excessive_overtime) or INV, COE",
                            path, ans->string, i, cJSON_IsString(v) ? v->valuestring : "?");
                return 0;
            }
            uint8_t k;
            for (k = 0; k < n; k++)
                if (rules[k].code == code && !key.is_range)
                    break;
            if (k < n && (rules[k].mask & key.mask)) {
                cnd_err_set(err, "%s.coding.%s: '%s' given twice", path, ans->string,
                            v->valuestring);
                return 0;
            }
            if (k == n) {
                if (n + it->n_tags >= CND_MAX_TAGS) {
                    cnd_err_set(err,
                                "%s.coding: tags and coding need more than %d tags; drop "
                                "some tags",
                                path, CND_MAX_TAGS);
                    return 0;
                }
                rules[n] = key;
                rules[n++].code = (uint8_t)code;
            } else {
                rules[k].mask |= key.mask;
            }
        }
    }
    for (uint8_t k = 0; k < n; k++) {
        char *t = it->coded[k];
        if (cnd_coding_tag_write(&rules[k], t, sizeof it->coded[k]) != 0) {
            cnd_err_set(err, "%s.coding: a range too long to store", path);
            return 0;
        }
        it->tags[it->n_tags++] = t;
    }
    return 1;
}

static int read_item(src_t *src, uint16_t i, const cJSON *e, cnd_err_t *err)
{
    static const char *const keys[] = {"name",     "kind",       "label",   "hint",
                                       "choices",  "min",        "max",     "tags",
                                       "relevant", "prefer_not", "private", "coding",
                                       NULL};
    src_item_t *it = &src->items[i];
    const char *kind;
    char p[32], q[48], r[48];
    uint16_t j;

    snprintf(p, sizeof p, "items[%u]", i);
    snprintf(q, sizeof q, "%s.name", p);
    if (!check_keys(e, p, keys, err) || !get_string(e, p, "name", 1, &it->name, err) ||
        !check_ident(it->name, q, err))
        return 0;
    if (IN_LIST(it->name, identifying_names)) {
        cnd_err_set(err,
                    "%s: '%s' would collect identifying data; Candor never asks for "
                    "names, contacts, addresses, employers' details or locations",
                    q, it->name);
        return 0;
    }
    if (IN_LIST(it->name, reserved_item_names)) {
        cnd_err_set(err, "%s: '%s' is a reserved name (relevance keyword or export field)", q,
                    it->name);
        return 0;
    }
    for (j = 0; j < i; j++)
        if (strcmp(src->items[j].name, it->name) == 0) {
            cnd_err_set(err, "%s: duplicate item name '%s' (also items[%u])", q, it->name, j);
            return 0;
        }
    if (!get_string(e, p, "kind", 1, &kind, err))
        return 0;
    it->kind = (uint8_t)kind_from_name(kind);
    if (it->kind == 0) {
        cnd_err_set(err,
                    "%s.kind: unknown kind '%s' (use single, multiple, yesno, integer "
                    "or info)",
                    p, kind);
        return 0;
    }
    if (!get_texts(src, e, p, "label", 1, it->label, err) ||
        !get_texts(src, e, p, "hint", 0, it->hint, err) ||
        !read_tags(it, get_field(e, "tags"), p, err) || !read_kind_fields(src, it, e, p, err) ||
        !read_coding(it, get_field(e, "coding"), p, err))
        return 0;
    snprintf(r, sizeof r, "%s.relevant", p);
    return get_string(e, p, "relevant", 0, &it->relevant, err) &&
           (it->relevant == NULL || text_ok(it->relevant, r, err));
}

static int read_items(src_t *src, const cJSON *root, cnd_err_t *err)
{
    const cJSON *arr = get_array(root, "", "items", CND_MAX_ITEMS, "item", err), *e;
    uint16_t i = 0;
    if (arr == NULL)
        return 0;
    for (e = arr->child; e != NULL; e = e->next, i++)
        if (!read_item(src, i, e, err))
            return 0;
    src->n_items = i;
    return 1;
}

static int read_source(src_t *src, const cJSON *root, cnd_err_t *err)
{
    /* "$schema" and "notes" are for editors and authors; never compiled. */
    static const char *const keys[] = {"$schema", "notes",    "id", "version",     "languages",
                                       "title",   "consent",  "ui", "referral",    "items",
                                       "eligibility", NULL};
    long version;
    if (!check_keys(root, "(top level)", keys, err) ||
        !get_string(root, "", "id", 1, &src->id, err))
        return 0;
    if (!cnd_pack_name_ok(CND_NAME_SURVEY_ID, src->id, strlen(src->id))) {
        cnd_err_set(err, "id: '%s' must match ^[a-z][a-z0-9_-]{0,31}$", src->id);
        return 0;
    }
    if (!get_int(root, "", "version", 1, 65535, &version, err))
        return 0;
    src->version = (uint16_t)version;
    return read_languages(src, root, err) &&
           get_texts(src, root, "", "title", 1, src->title, err) &&
           get_texts(src, root, "", "consent", 1, src->consent, err) &&
           get_texts(src, root, "", "referral", 1, src->referral, err) && read_ui(src, root, err) &&
           read_items(src, root, err) &&
           get_string(root, "", "eligibility", 0, &src->eligibility, err) &&
           (src->eligibility == NULL || text_ok(src->eligibility, "eligibility", err));
}

/* ------------------------------------------------------------ relevance */

enum {
    TK_END,
    TK_IDENT,
    TK_STRING,
    TK_NUMBER,
    TK_LPAREN,
    TK_RPAREN,
    TK_COMMA,
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_GT,
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_IN
};

typedef struct {
    const src_t *src;
    uint16_t self;
    const char *path; /* "items[3].relevant" or "eligibility", for messages */
    int max_item;     /* the last item the expression reads, -1 = none */
    const char *text;
    size_t pos;     /* next unread byte */
    int tok;        /* current token */
    size_t tok_pos; /* its start, for column numbers */
    size_t tok_len;
    long number;
    uint8_t *code;
    uint16_t len;
    int depth;
    cnd_err_t *err;
    int failed;
} rel_parser_t;

static void rel_fail(rel_parser_t *ps, const char *what)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    cnd_err_set(ps->err, "%s: column %zu: %s", ps->path, ps->tok_pos + 1, what);
}

static int is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int tok_is(const rel_parser_t *ps, const char *word)
{
    return strlen(word) == ps->tok_len && memcmp(ps->text + ps->tok_pos, word, ps->tok_len) == 0;
}

static void rel_next(rel_parser_t *ps)
{
    const char *t = ps->text;
    size_t p = ps->pos;
    while (t[p] == ' ' || t[p] == '\t' || t[p] == '\n')
        p++;
    ps->tok_pos = p;
    ps->tok_len = 1;
    switch (t[p]) {
    case '\0':
        ps->tok = TK_END;
        ps->tok_len = 0;
        break;
    case '(':
        ps->tok = TK_LPAREN;
        break;
    case ')':
        ps->tok = TK_RPAREN;
        break;
    case ',':
        ps->tok = TK_COMMA;
        break;
    case '=':
        ps->tok = TK_EQ;
        break;
    case '<':
        ps->tok = TK_LT;
        break;
    case '>':
        ps->tok = TK_GT;
        break;
    case '!':
        if (t[p + 1] != '=') {
            rel_fail(ps, "'!' must be followed by '=' (use 'not' for negation)");
            ps->tok = TK_END;
            return;
        }
        ps->tok = TK_NE;
        ps->tok_len = 2;
        break;
    case '\'': {
        size_t q = p + 1;
        while (t[q] != '\0' && t[q] != '\'')
            q++;
        if (t[q] != '\'') {
            rel_fail(ps, "unterminated quoted choice name");
            ps->tok = TK_END;
            return;
        }
        ps->tok = TK_STRING;
        ps->tok_pos = p + 1; /* the name inside the quotes */
        ps->tok_len = q - p - 1;
        ps->pos = q + 1;
        return;
    }
    default:
        if (t[p] == '-' || (t[p] >= '0' && t[p] <= '9')) {
            char *end;
            errno = 0;
            ps->number = strtol(t + p, &end, 10);
            if (end == t + p || errno != 0 || ps->number < INT32_MIN || ps->number > INT32_MAX ||
                is_ident_char(*end)) {
                rel_fail(ps, "malformed number");
                ps->tok = TK_END;
                return;
            }
            ps->tok = TK_NUMBER;
            ps->tok_len = (size_t)(end - (t + p));
        } else if (is_ident_char(t[p])) {
            size_t q = p;
            while (is_ident_char(t[q]))
                q++;
            ps->tok_len = q - p;
            ps->tok = TK_IDENT;
            if (tok_is(ps, "and"))
                ps->tok = TK_AND;
            else if (tok_is(ps, "or"))
                ps->tok = TK_OR;
            else if (tok_is(ps, "not"))
                ps->tok = TK_NOT;
            else if (tok_is(ps, "in"))
                ps->tok = TK_IN;
        } else {
            char what[64];
            snprintf(what, sizeof what, "unexpected character '%c'", t[p]);
            rel_fail(ps, what);
            ps->tok = TK_END;
            return;
        }
    }
    ps->pos = p + ps->tok_len;
}

static void emit(rel_parser_t *ps, const uint8_t *bytes, uint16_t n)
{
    if (ps->failed)
        return;
    if (ps->len + n > CND_MAX_RELEVANCE_LEN) {
        cnd_err_set(ps->err,
                    "items[%u].relevant: expression too long (compiles to more than "
                    "%d bytes); split the condition or simplify it",
                    ps->self, CND_MAX_RELEVANCE_LEN);
        ps->failed = 1;
        return;
    }
    memcpy(ps->code + ps->len, bytes, n);
    ps->len = (uint16_t)(ps->len + n);
}

static void emit_op(rel_parser_t *ps, uint8_t op)
{
    emit(ps, &op, 1);
}

static void emit_u32(rel_parser_t *ps, uint8_t op, uint32_t v)
{
    uint8_t b[5] = {op, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    emit(ps, b, 5);
}

/* Resolves the identifier token to an earlier item; -1 after an error. */
static int rel_item(rel_parser_t *ps)
{
    const src_t *src = ps->src;
    char what[160];
    uint16_t i;
    int found = -1;
    for (i = 0; i < src->n_items; i++)
        if (tok_is(ps, src->items[i].name))
            found = i;
    if (found < 0)
        snprintf(what, sizeof what, "'%.*s' is not an item", (int)ps->tok_len,
                 ps->text + ps->tok_pos);
    else if (found == ps->self)
        snprintf(what, sizeof what, "'%s' refers to the item itself", src->items[found].name);
    else if (found > ps->self)
        snprintf(what, sizeof what,
                 "'%s' is not an earlier item (an item may only depend on "
                 "items before it)",
                 src->items[found].name);
    else if (src->items[found].kind == CND_ITEM_INFO)
        snprintf(what, sizeof what, "'%s' is an info screen and has no answer",
                 src->items[found].name);
    else {
        if (found > ps->max_item)
            ps->max_item = found;
        return found;
    }
    rel_fail(ps, what);
    return -1;
}

/* The current token as a choice of item it: its bit, or 0 after an error. */
static uint32_t rel_choice_bit(rel_parser_t *ps, const src_item_t *it)
{
    char what[160];
    uint8_t c;
    if (ps->tok != TK_STRING) {
        snprintf(what, sizeof what, "expected a choice of '%s' in quotes, e.g. '%s'", it->name,
                 it->kind == CND_ITEM_YESNO ? "yes" : it->choices[0].name);
        rel_fail(ps, what);
        return 0;
    }
    if (it->kind == CND_ITEM_YESNO) {
        if (tok_is(ps, "no"))
            return 1u;
        if (tok_is(ps, "yes"))
            return 2u;
    } else {
        for (c = 0; c < it->n_choices; c++)
            if (tok_is(ps, it->choices[c].name))
                return (uint32_t)1 << c;
    }
    snprintf(what, sizeof what, "'%.*s' is not a choice of '%s'%s", (int)ps->tok_len,
             ps->text + ps->tok_pos, it->name,
             it->kind == CND_ITEM_YESNO ? " (use 'yes' or 'no')" : "");
    rel_fail(ps, what);
    return 0;
}

/* comparison := IDENT ('=' | '!=' | '<' | '>') value | IDENT 'in' '(' value {',' value} ')' */
static void rel_comparison(rel_parser_t *ps)
{
    const src_item_t *it;
    int item, op;
    char what[192];
    uint8_t ans[2];

    if (ps->tok != TK_IDENT) {
        rel_fail(ps, "expected an item name");
        return;
    }
    if ((item = rel_item(ps)) < 0)
        return;
    it = &ps->src->items[item];
    ans[0] = it->kind == CND_ITEM_MULTI ? CND_REL_OP_ANS_MULTI : CND_REL_OP_ANS;
    ans[1] = (uint8_t)item;
    emit(ps, ans, 2);
    rel_next(ps);
    op = ps->tok;
    if (op != TK_EQ && op != TK_NE && op != TK_LT && op != TK_GT && op != TK_IN) {
        rel_fail(ps, "expected =, !=, <, > or in after the item name");
        return;
    }
    if (it->kind != CND_ITEM_INTEGER && (op == TK_LT || op == TK_GT)) {
        snprintf(what, sizeof what, "'%c' needs an integer item; '%s' is %s",
                 op == TK_LT ? '<' : '>', it->name, kind_name(it->kind));
        rel_fail(ps, what);
        return;
    }
    if (it->kind == CND_ITEM_INTEGER && op == TK_IN) {
        snprintf(what, sizeof what,
                 "'in' needs an item with choices; '%s' is integer (use < and >)", it->name);
        rel_fail(ps, what);
        return;
    }
    rel_next(ps);
    if (it->kind == CND_ITEM_INTEGER) {
        if (ps->tok != TK_NUMBER) {
            snprintf(what, sizeof what, "expected a whole number to compare '%s' with", it->name);
            rel_fail(ps, what);
            return;
        }
        emit_u32(ps, CND_REL_OP_INT, (uint32_t)(int32_t)ps->number);
    } else if (op == TK_IN) {
        uint32_t set = 0;
        if (ps->tok != TK_LPAREN) {
            rel_fail(ps, "expected '(' after 'in'");
            return;
        }
        do {
            rel_next(ps);
            set |= rel_choice_bit(ps, it);
            if (ps->failed)
                return;
            rel_next(ps);
        } while (ps->tok == TK_COMMA);
        if (ps->tok != TK_RPAREN) {
            rel_fail(ps, "expected ',' or ')' in the choice list");
            return;
        }
        emit_u32(ps, CND_REL_OP_SET, set);
    } else {
        emit_u32(ps, CND_REL_OP_SET, rel_choice_bit(ps, it));
    }
    emit_op(ps, op == TK_EQ   ? CND_REL_OP_EQ
                : op == TK_NE ? CND_REL_OP_NE
                : op == TK_LT ? CND_REL_OP_LT
                : op == TK_GT ? CND_REL_OP_GT
                              : CND_REL_OP_IN);
    rel_next(ps);
}

static void rel_or(rel_parser_t *ps);

/* unary := 'not' unary | '(' or ')' | comparison. Recursion is bounded by
 * RELEVANCE_MAX_DEPTH (host code; the device never parses). */
static void rel_unary(rel_parser_t *ps)
{
    if (ps->failed)
        return;
    if (++ps->depth > RELEVANCE_MAX_DEPTH) {
        rel_fail(ps, "expression nests too deeply");
        return;
    }
    if (ps->tok == TK_NOT) {
        rel_next(ps);
        rel_unary(ps);
        emit_op(ps, CND_REL_OP_NOT);
    } else if (ps->tok == TK_LPAREN) {
        rel_next(ps);
        rel_or(ps);
        if (!ps->failed && ps->tok != TK_RPAREN)
            rel_fail(ps, "expected ')'");
        rel_next(ps);
    } else {
        rel_comparison(ps);
    }
    ps->depth--;
}

static void rel_and(rel_parser_t *ps)
{
    rel_unary(ps);
    while (!ps->failed && ps->tok == TK_AND) {
        rel_next(ps);
        rel_unary(ps);
        emit_op(ps, CND_REL_OP_AND);
    }
}

static void rel_or(rel_parser_t *ps)
{
    rel_and(ps);
    while (!ps->failed && ps->tok == TK_OR) {
        rel_next(ps);
        rel_and(ps);
        emit_op(ps, CND_REL_OP_OR);
    }
}

/* Parses text into code (items before `self` only); *len its length and
 * *max_item the last item it reads. 0 after one error naming path. */
static int compile_expr(const src_t *src, const char *text, uint16_t self, const char *path,
                        uint8_t *code, uint16_t *len, int *max_item, cnd_err_t *err)
{
    uint8_t counts[CND_MAX_ITEMS];
    rel_parser_t ps;
    uint16_t i;

    memset(&ps, 0, sizeof ps);
    ps.src = src;
    ps.self = self;
    ps.path = path;
    ps.max_item = -1;
    ps.text = text;
    ps.code = code;
    ps.err = err;
    rel_next(&ps);
    rel_or(&ps);
    if (!ps.failed && ps.tok != TK_END)
        rel_fail(&ps, "expected 'and', 'or' or the end of the expression");
    if (ps.failed)
        return 0;
    for (i = 0; i < src->n_items; i++)
        counts[i] = src->items[i].n_choices;
    if (cnd_relevance_validate(ps.code, ps.len, self, counts, src->n_items) != CND_OK) {
        /* Well-typed by construction, so only the stack depth can fail. */
        cnd_err_set(err, "%s: expression nests too deeply for the device (evaluation stack of %d)",
                    path, CND_RELEVANCE_STACK_MAX);
        return 0;
    }
    *len = ps.len;
    *max_item = ps.max_item;
    return 1;
}

static int compile_relevance(src_t *src, uint16_t self, cnd_err_t *err)
{
    src_item_t *it = &src->items[self];
    char path[48];
    int max_item;

    if (it->relevant == NULL)
        return 1;
    snprintf(path, sizeof path, "items[%u].relevant", self);
    return compile_expr(src, it->relevant, self, path, it->code, &it->code_len, &max_item, err);
}

/* The eligibility rule reads any items; it is checked as soon as the
 * interview moves past the last of them (SPEC 1.2). */
static int compile_eligibility(src_t *src, cnd_err_t *err)
{
    int max_item;
    if (src->eligibility == NULL)
        return 1;
    if (!compile_expr(src, src->eligibility, src->n_items, "eligibility", src->elig_code,
                      &src->elig_len, &max_item, err))
        return 0;
    if (max_item < 0) {
        cnd_err_set(err, "eligibility: the rule must read at least one item");
        return 0;
    }
    src->elig_after = (uint16_t)max_item;
    return 1;
}

/* ------------------------------------------------ placeholders, warnings */

/* Placeholder text an office forgot to replace: a bracketed span ("[local
 * hotline number]", "<contact>", "{phone}") or a marker word (TODO, TBD,
 * XXX). Returns where it starts and its length, or NULL. */
static const char *find_placeholder(const char *s, size_t *n)
{
    static const char *const words[] = {"TODO", "TBD", "XXX", "FIXME"};
    static const char open[] = "[<{", close[] = "]>}";
    const char *p;
    size_t k;
    for (p = s; *p != '\0'; p++) {
        const char *o = strchr(open, *p), *q;
        if (o != NULL && *p != '\0' && (q = strchr(p + 1, close[o - open])) != NULL &&
            q > p + 1 && memchr(p, '\n', (size_t)(q - p)) == NULL) {
            *n = (size_t)(q - p) + 1;
            return p;
        }
        for (k = 0; k < sizeof words / sizeof words[0]; k++) {
            size_t w = strlen(words[k]);
            if (strncmp(p, words[k], w) == 0 &&
                (p == s || !((p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= 'a' && p[-1] <= 'z'))) &&
                !((p[w] >= 'A' && p[w] <= 'Z') || (p[w] >= 'a' && p[w] <= 'z'))) {
                *n = w;
                return p;
            }
        }
    }
    return NULL;
}

/* Consent and referral reach every respondent: placeholder text in them
 * is refused unless the pack is a declared draft (--draft), which the
 * device and the codebook then mark as such. */
static int check_placeholders(src_t *src, cnd_err_t *err)
{
    static const char *const fields[] = {"consent", "referral"};
    cnd_draft_mode_t mode = src->opts->draft;
    uint8_t l;
    size_t f, n;
    if (mode == CND_DRAFT_YES)
        src->flags |= CND_PACK_F_DRAFT;
    for (f = 0; f < 2; f++)
        for (l = 0; l < src->n_langs; l++) {
            const char *t = f == 0 ? src->consent[l] : src->referral[l];
            const char *hit = find_placeholder(t, &n);
            if (hit == NULL)
                continue;
            if (mode == CND_DRAFT_REFUSE) {
                cnd_err_set(err,
                            "%s.%s: '%.*s' is placeholder text that would reach respondents; "
                            "write the real contacts, or compile with --draft for a test pack",
                            fields[f], src->lang_code[l], (int)(n > 60 ? 60 : n), hit);
                return 0;
            }
            src->flags |= CND_PACK_F_DRAFT;
        }
    return 1;
}

static void warn(const src_t *src, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const src_t *src, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (src->opts->warn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    src->opts->warn(src->opts->warn_ctx, line);
}

/* Words that say "none of these" in a choice's name or label. */
static int none_like(const char *s)
{
    static const char *const words[] = {
        "none", "nothing", "nobody", "no one", "no_one", "neither", "none of these",
        "none_of_these", "none of the above", "ninguno", "ninguna", "nada", "nadie",
        "ninguna de estas", "ninguno de estos"};
    char low[64];
    size_t i;
    for (i = 0; s[i] != '\0' && i + 1 < sizeof low; i++)
        low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    low[i] = '\0';
    while (i > 0 && (low[i - 1] == '.' || low[i - 1] == ' '))
        low[--i] = '\0';
    return IN_LIST(low, words);
}

/* A multiple item whose "none" choice is not exclusive lets a record say
 * "more hours" and "nothing" at once: warn, the author decides. */
static void warn_none_like(const src_t *src)
{
    uint16_t i;
    uint8_t c, l;
    for (i = 0; i < src->n_items; i++) {
        const src_item_t *it = &src->items[i];
        if (it->kind != CND_ITEM_MULTI)
            continue;
        for (c = 0; c < it->n_choices; c++) {
            int like = none_like(it->choices[c].name);
            for (l = 0; l < src->n_langs; l++)
                like = like || none_like(it->choices[c].label[l]);
            if (like && !it->choices[c].exclusive)
                warn(src,
                     "items[%u].choices[%u]: '%s' reads like \"none\" but is not exclusive; add "
                     "\"exclusive\": true so it cannot be ticked with another choice",
                     i, c, it->choices[c].name);
        }
    }
}

/* ------------------------------------------------------------ pack writer */

/* A string pool: the common strings (names, tags, rule sources) or one
 * language's texts (SPEC 1.3: each language has its own range, so its
 * references are 16-bit offsets from the range's start). The texts a
 * screen shows are listed for the pre-rendered section (render.h). */
typedef struct {
    uint8_t *buf;
    uint32_t len, cap;
    cnd_render_text_t *shown;
    size_t n_shown, cap_shown;
} pool_t;

#define POOL_COMMON CND_MAX_LANGS

typedef struct {
    uint8_t *buf; /* whole pack being written */
    pool_t pool[CND_MAX_LANGS + 1];
    uint32_t render_at; /* where the tables end: the pre-rendered text goes there */
    int overflow, oom;
} writer_t;

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

/* Interns s into pool `p` (identical strings share bytes) and writes its
 * reference at dst. NULL or "" is the empty reference. digits >= 0: a
 * screen shows the text (digits > 0: with a number of that many digits in
 * place of "{n}"). */
static void put_sref_in(writer_t *w, int p, uint8_t *dst, const char *s, int digits)
{
    pool_t *pl = &w->pool[p];
    size_t n = s ? strlen(s) : 0;
    uint32_t off;
    const uint8_t *hit = NULL;

    put32(dst, 0);
    if (n == 0)
        return;
    if (pl->len >= n) {
        /* Dedupe by search: O(pool) per string, and a pool is at most
         * 64 KB, so the compile stays instant. A match inside a longer
         * string is reused too: a reference is just offset + length. */
        hit = memmem(pl->buf, pl->len, s, n);
    }
    if (hit != NULL) {
        off = (uint32_t)(hit - pl->buf);
    } else {
        if (n > pl->cap - pl->len || pl->len + n > 0xFFFFu) {
            w->overflow = p + 1; /* which pool */
            return;
        }
        off = pl->len;
        memcpy(pl->buf + off, s, n);
        pl->len += (uint32_t)n;
    }
    put16(dst, off);
    put16(dst + 2, (uint32_t)n);
    if (digits >= 0) {
        if (pl->n_shown == pl->cap_shown) {
            size_t cap = pl->cap_shown ? 2 * pl->cap_shown : 256;
            cnd_render_text_t *g = realloc(pl->shown, cap * sizeof *g);
            if (g == NULL) {
                w->oom = 1;
                return;
            }
            pl->shown = g;
            pl->cap_shown = cap;
        }
        pl->shown[pl->n_shown].off = off;
        pl->shown[pl->n_shown].len = (uint16_t)n;
        pl->shown[pl->n_shown].digits = (uint8_t)digits;
        pl->n_shown++;
    }
}

static void put_sref(writer_t *w, uint8_t *dst, const char *s)
{
    put_sref_in(w, POOL_COMMON, dst, s, -1);
}

static void put_texts(writer_t *w, uint8_t *dst, const src_t *src, const texts_t t)
{
    uint8_t l;
    for (l = 0; l < src->n_langs; l++)
        put_sref_in(w, l, dst + CND_PACK_SREF_SIZE * l, t[l], 0);
}

/* Digits the device may put in a ui string's "{n}": the pending count
 * (up to the responses a chip holds), rows hidden in review, a percentage. */
static int ui_digits(int u)
{
    switch (u) {
    case CND_UI_PENDING_ONE:
    case CND_UI_PENDING_OTHER:
        return 6;
    case CND_UI_MORE_ONE:
    case CND_UI_MORE_OTHER:
        return 2;
    case CND_UI_STORAGE_WARN:
    case CND_UI_STORAGE_URGENT:
    case CND_UI_STORAGE_FULL:
        return 3;
    default:
        return 0;
    }
}

static void write_langs(writer_t *w, const src_t *src, uint32_t at)
{
    uint8_t l;
    int u;
    for (l = 0; l < src->n_langs; l++) {
        uint8_t *e = w->buf + at + (uint32_t)l * CND_PACK_LANG_SIZE;
        put_sref_in(w, l, e + CND_PACK_LANG_CODE, src->lang_code[l], -1);
        put_sref_in(w, l, e + CND_PACK_LANG_NAME, src->lang_name[l], 0);
        put_sref_in(w, l, e + CND_PACK_LANG_TITLE, src->title[l], 0);
        put_sref_in(w, l, e + CND_PACK_LANG_CONSENT, src->consent[l], 0);
        put_sref_in(w, l, e + CND_PACK_LANG_REFERRAL, src->referral[l], 0);
        for (u = 0; u < CND_UI_COUNT; u++)
            put_sref_in(w, l, e + CND_PACK_LANG_UI + CND_PACK_SREF_SIZE * u, src->ui[l][u],
                        ui_digits(u));
    }
}

typedef struct {
    uint32_t items, choices, tags, code; /* section offsets */
} layout_t;

static void write_items(writer_t *w, const src_t *src, const layout_t *lay)
{
    uint32_t choice = 0, tag = 0, code = 0;
    uint16_t i;
    uint8_t c, l;
    for (i = 0; i < src->n_items; i++) {
        const src_item_t *it = &src->items[i];
        uint8_t *e = w->buf + lay->items + (uint32_t)i * CND_PACK_ITEM_SIZE(src->n_langs);
        put_sref(w, e + CND_PACK_ITEM_NAME, it->name);
        e[CND_PACK_ITEM_KIND] = it->kind;
        e[CND_PACK_ITEM_FLAGS] = it->flags;
        e[CND_PACK_ITEM_N_CHOICES] = it->n_choices;
        e[CND_PACK_ITEM_N_TAGS] = it->n_tags;
        put32(e + CND_PACK_ITEM_MIN, (uint32_t)it->min);
        put32(e + CND_PACK_ITEM_MAX, (uint32_t)it->max);
        put16(e + CND_PACK_ITEM_FIRST_CHOICE, choice);
        put16(e + CND_PACK_ITEM_FIRST_TAG, tag);
        put16(e + CND_PACK_ITEM_CODE_OFF, it->code_len ? code : 0);
        put16(e + CND_PACK_ITEM_CODE_LEN, it->code_len);
        put_sref(w, e + CND_PACK_ITEM_REL_SRC, it->relevant);
        put32(e + CND_PACK_ITEM_EXCLUSIVE, it->exclusive);
        put_texts(w, e + CND_PACK_ITEM_LABELS, src, it->label);
        put_texts(w, e + CND_PACK_ITEM_LABELS + CND_PACK_SREF_SIZE * src->n_langs, src, it->hint);

        for (c = 0; c < it->n_choices; c++, choice++) {
            uint8_t *ce = w->buf + lay->choices + choice * CND_PACK_CHOICE_SIZE(src->n_langs);
            if (it->kind == CND_ITEM_YESNO) {
                /* Implicit choices: "no" = 0, "yes" = 1, labelled with the
                 * ui strings so exports and the device agree. */
                put_sref(w, ce, c ? "yes" : "no");
                for (l = 0; l < src->n_langs; l++)
                    put_sref_in(w, l, ce + CND_PACK_SREF_SIZE * (1u + l),
                                src->ui[l][c ? CND_UI_YES : CND_UI_NO], 0);
            } else {
                put_sref(w, ce, it->choices[c].name);
                put_texts(w, ce + CND_PACK_SREF_SIZE, src, it->choices[c].label);
            }
        }
        for (c = 0; c < it->n_tags; c++, tag++)
            put_sref(w, w->buf + lay->tags + tag * CND_PACK_TAG_SIZE, it->tags[c]);
        memcpy(w->buf + lay->code + code, it->code, it->code_len);
        code += it->code_len;
    }
}

static void writer_free(writer_t *w)
{
    int p;
    for (p = 0; p <= POOL_COMMON; p++) {
        free(w->pool[p].buf);
        free(w->pool[p].shown);
    }
}

/* The pre-rendered section, then the strings: the common pool first (so
 * the survey id stays where a device reading only the header finds it),
 * then each language's range. */
static cnd_status_t write_render_and_strings(const src_t *src, writer_t *w, uint32_t *end,
                                             cnd_err_t *err)
{
    uint32_t at = w->render_at;
    cnd_render_lang_t langs[CND_MAX_LANGS];
    char paths[CND_MAX_LANGS][32];
    uint32_t total = w->pool[POOL_COMMON].len, len_render = 0, base;
    uint8_t l;
    for (l = 0; l < src->n_langs; l++)
        total += w->pool[l].len;
    if (at + total + CND_PACK_SIG_TAIL > CND_MAX_PACK_SIZE) {
        cnd_err_set(err,
                    "(top level): the compiled pack would exceed the limit of %d bytes; "
                    "shorten texts, remove items or languages",
                    CND_MAX_PACK_SIZE);
        return CND_E_RANGE;
    }
    for (l = 0; l < src->n_langs; l++) {
        snprintf(paths[l], sizeof paths[l], "languages[%u]", l);
        langs[l].code = src->lang_code[l];
        langs[l].font = src->lang_font[l];
        langs[l].path = paths[l];
        langs[l].strings = w->pool[l].buf;
        langs[l].len = w->pool[l].len;
        langs[l].texts = w->pool[l].shown;
        langs[l].n_texts = w->pool[l].n_shown;
    }
    if (!cnd_render_build(langs, src->n_langs, w->buf + at,
                          CND_MAX_PACK_SIZE - CND_PACK_SIG_TAIL - at - total, &len_render, err))
        return CND_E_RANGE;
    put32(w->buf + CND_PACK_HDR_OFF_RENDER, at);
    put32(w->buf + CND_PACK_HDR_LEN_RENDER, len_render);
    at += len_render;
    put32(w->buf + CND_PACK_HDR_OFF_STRINGS, at);
    put32(w->buf + CND_PACK_HDR_LEN_STRINGS, total);
    memcpy(w->buf + at, w->pool[POOL_COMMON].buf, w->pool[POOL_COMMON].len);
    base = w->pool[POOL_COMMON].len;
    for (l = 0; l < src->n_langs; l++) {
        uint8_t *e = w->buf + CND_PACK_HEADER_SIZE + (uint32_t)l * CND_PACK_LANG_SIZE;
        memcpy(w->buf + at + base, w->pool[l].buf, w->pool[l].len);
        put32(e + CND_PACK_LANG_STR_OFF, base);
        put32(e + CND_PACK_LANG_STR_LEN, w->pool[l].len);
        base += w->pool[l].len;
    }
    *end = at + total;
    return CND_OK;
}

/* Lays out and writes the pack's tables into a heap buffer of
 * CND_MAX_PACK_SIZE and gathers its strings into w's pools;
 * write_render_and_strings() then adds the rest (the signature block and
 * trailer are host/survey/packsign.c's). On failure w is freed. */
static cnd_status_t write_pack(const src_t *src, uint8_t *pack, writer_t *w, cnd_err_t *err)
{
    uint32_t n_choices = 0, n_tags = 0, code_len = 0;
    layout_t lay;
    uint16_t i;
    int p;

    for (i = 0; i < src->n_items; i++) {
        n_choices += src->items[i].n_choices;
        n_tags += src->items[i].n_tags;
        code_len += src->items[i].code_len;
    }
    code_len += src->elig_len; /* the eligibility program follows the items' */
    lay.items = CND_PACK_HEADER_SIZE + (uint32_t)src->n_langs * CND_PACK_LANG_SIZE;
    lay.choices = lay.items + (uint32_t)src->n_items * CND_PACK_ITEM_SIZE(src->n_langs);
    lay.tags = lay.choices + n_choices * CND_PACK_CHOICE_SIZE(src->n_langs);
    lay.code = lay.tags + n_tags * CND_PACK_TAG_SIZE;
    memset(w, 0, sizeof *w);
    w->buf = pack;
    w->render_at = lay.code + code_len;
    if (lay.code + code_len + CND_PACK_SIG_TAIL > CND_MAX_PACK_SIZE) {
        cnd_err_set(err,
                    "items: the survey's tables alone exceed the pack limit of %d bytes; "
                    "remove items or choices",
                    CND_MAX_PACK_SIZE);
        return CND_E_RANGE;
    }
    for (p = 0; p <= POOL_COMMON; p++) {
        w->pool[p].cap = 0xFFFFu;
        if ((w->pool[p].buf = malloc(w->pool[p].cap)) == NULL) {
            writer_free(w);
            cnd_err_set(err, "(top level): out of memory");
            return CND_E_NOSPACE;
        }
    }
    memset(pack, 0, CND_MAX_PACK_SIZE);

    memcpy(pack, CND_PACK_MAGIC, 4);
    pack[CND_PACK_HDR_VERSION] = CND_PACK_VERSION;
    pack[CND_PACK_HDR_N_LANGS] = src->n_langs;
    put16(pack + CND_PACK_HDR_N_ITEMS, src->n_items);
    put16(pack + CND_PACK_HDR_SURVEY_VERSION, src->version);
    put16(pack + CND_PACK_HDR_N_CHOICES, n_choices);
    put16(pack + CND_PACK_HDR_N_TAGS, n_tags);
    put_sref(w, pack + CND_PACK_HDR_SURVEY_ID, src->id);
    put32(pack + CND_PACK_HDR_OFF_LANGS, CND_PACK_HEADER_SIZE);
    put32(pack + CND_PACK_HDR_OFF_ITEMS, lay.items);
    put32(pack + CND_PACK_HDR_OFF_CHOICES, lay.choices);
    put32(pack + CND_PACK_HDR_OFF_TAGS, lay.tags);
    put32(pack + CND_PACK_HDR_OFF_CODE, lay.code);
    put32(pack + CND_PACK_HDR_LEN_CODE, code_len);
    put16(pack + CND_PACK_HDR_FLAGS, src->flags);
    write_langs(w, src, CND_PACK_HEADER_SIZE);
    write_items(w, src, &lay);
    if (src->elig_len) {
        put16(pack + CND_PACK_HDR_ELIG_ITEM, src->elig_after);
        put16(pack + CND_PACK_HDR_ELIG_CODE_OFF, code_len - src->elig_len);
        put16(pack + CND_PACK_HDR_ELIG_CODE_LEN, src->elig_len);
        put_sref(w, pack + CND_PACK_HDR_ELIG_SRC, src->eligibility);
        memcpy(pack + lay.code + code_len - src->elig_len, src->elig_code, src->elig_len);
    }
    if (w->oom) {
        writer_free(w);
        cnd_err_set(err, "(top level): out of memory");
        return CND_E_NOSPACE;
    }
    if (w->overflow) {
        p = w->overflow - 1;
        if (p < src->n_langs)
            cnd_err_set(err,
                        "languages[%d]: the texts of language '%s' exceed %u bytes, the most "
                        "one language may have; shorten them",
                        p, src->lang_code[p], 0xFFFFu);
        else
            cnd_err_set(err, "items: the names, tags and rules exceed %u bytes; shorten them",
                        0xFFFFu);
        writer_free(w);
        return CND_E_RANGE;
    }
    return CND_OK;
}

/* ---------------------------------------------------------------- API */

static void json_error(const char *json, size_t len, const char *at, const char *why,
                       cnd_err_t *err)
{
    size_t line = 1, col = 1, i, stop = (at && at >= json) ? (size_t)(at - json) : len;
    if (stop > len)
        stop = len;
    for (i = 0; i < stop; i++) {
        if (json[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (why == NULL && stop >= len)
        why = " (unexpected end of input)";
    cnd_err_set(err, "line %zu, column %zu: malformed JSON%s", line, col, why ? why : "");
}

/*
 * NUL characters. cJSON hands strings out as C strings, so a NUL inside a
 * string or a key (raw, or the escape \u0000) would silently end it: a
 * label or an item name would be cut short, two keys could become one. The
 * source is scanned for them (only when it holds a raw NUL or "u0000" at
 * all) after cJSON accepted its syntax, tracking the JSON path so the error
 * names it like every other one ("items[2].label.en").
 */
typedef struct {
    const char *s;
    size_t len, i;
    char path[256];
    const char *found; /* where the NUL is, once found */
} nul_scan_t;

/* Scans the string at s[i] == '"'; returns 1 if it holds a NUL. Copies
 * up to cap-1 of its (undecoded) bytes into name when name != NULL. */
static int nul_in_string(nul_scan_t *sc, char *name, size_t cap)
{
    int nul = 0;
    size_t n = 0;
    sc->i++; /* opening quote */
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        const char *c = sc->s + sc->i;
        size_t k = 1, shown = 1; /* source bytes of this character, bytes shown */
        if (*c == '\0') {
            nul = 1;
            c = "\\u0000"; /* shown as the escape in a key's name */
            shown = 6;
        } else if (*c == '\\' && sc->i + 1 < sc->len) {
            if (c[1] == 'u' && sc->i + 5 < sc->len && memcmp(c + 2, "0000", 4) == 0)
                nul = 1;
            k = shown = 2; /* the escaped character: \" and \\ do not end or start anything */
        }
        for (size_t j = 0; name != NULL && j < shown; j++)
            if (n + 1 < cap)
                name[n++] = c[j];
        sc->i += k;
    }
    sc->i++; /* closing quote */
    if (name != NULL && cap > 0)
        name[n] = '\0';
    return nul;
}

static void nul_ws(nul_scan_t *sc)
{
    /* cJSON skips every byte <= 32 between tokens, NUL included. */
    while (sc->i < sc->len && (unsigned char)sc->s[sc->i] <= 32) {
        if (sc->s[sc->i] == '\0' && sc->found == NULL)
            sc->found = sc->s + sc->i;
        sc->i++;
    }
}

/* Returns 1 when a NUL was found; sc->path then names where. Depth is
 * bounded by cJSON's nesting limit, which the source already passed. */
static int nul_value(nul_scan_t *sc)
{
    size_t base = strlen(sc->path);
    nul_ws(sc);
    if (sc->found != NULL)
        return 1;
    if (sc->i >= sc->len)
        return 0;
    char c = sc->s[sc->i];
    if (c == '"')
        return nul_in_string(sc, NULL, 0);
    if (c == '{' || c == '[') {
        unsigned idx = 0;
        sc->i++;
        for (;;) {
            nul_ws(sc);
            if (sc->found != NULL)
                return 1;
            if (sc->i >= sc->len || sc->s[sc->i] == '}' || sc->s[sc->i] == ']') {
                sc->i++;
                break;
            }
            if (sc->s[sc->i] == ',') {
                sc->i++;
                continue;
            }
            sc->path[base] = '\0';
            if (c == '{') {
                char key[64];
                int bad = nul_in_string(sc, key, sizeof key);
                snprintf(sc->path + base, sizeof sc->path - base, "%s%s", base ? "." : "", key);
                if (bad)
                    return 1;
                nul_ws(sc);
                sc->i++; /* ':' */
            } else {
                snprintf(sc->path + base, sizeof sc->path - base, "[%u]", idx++);
            }
            if (nul_value(sc))
                return 1;
        }
        sc->path[base] = '\0';
        return 0;
    }
    while (sc->i < sc->len && strchr(",]}", sc->s[sc->i]) == NULL &&
           (unsigned char)sc->s[sc->i] > 32)
        sc->i++; /* number, true, false, null */
    return 0;
}

/* 1 (err set) when json holds a NUL anywhere; 0 otherwise. */
static int refuse_nul(const char *json, size_t len, cnd_err_t *err)
{
    static const char esc[] = "\\u0000";
    int maybe = memchr(json, '\0', len) != NULL;
    for (size_t i = 0; !maybe && i + sizeof esc - 1 <= len; i++)
        maybe = memcmp(json + i, esc, sizeof esc - 1) == 0;
    if (!maybe)
        return 0;
    nul_scan_t *sc = calloc(1, sizeof *sc);
    if (sc == NULL) {
        cnd_err_set(err, "out of memory");
        return 1;
    }
    sc->s = json;
    sc->len = len;
    int bad = nul_value(sc);
    nul_ws(sc);
    if (!bad && sc->found != NULL)
        bad = 1; /* after the top-level value */
    if (bad)
        cnd_err_set(err, "%s: contains a NUL character (a raw zero byte or \\u0000), which "
                         "would cut the text short; remove it",
                    sc->path[0] ? sc->path : "(top level)");
    free(sc);
    return bad;
}

cnd_status_t cnd_compile_json(const char *json, size_t len, const cnd_office_key_t *key,
                              uint8_t *out, size_t cap, size_t *out_len, cnd_err_t *err)
{
    return cnd_compile_json_opts(json, len, key, NULL, out, cap, out_len, err);
}

cnd_status_t cnd_compile_json_opts(const char *json, size_t len, const cnd_office_key_t *key,
                                   const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                   size_t *out_len, cnd_err_t *err)
{
    const char *end = NULL;
    cJSON *root;
    cnd_status_t st = CND_E_INVALID;

    if (out_len != NULL)
        *out_len = 0;
    if (json == NULL || out == NULL || out_len == NULL) {
        cnd_err_set(err, "internal: missing argument to the compiler");
        return CND_E_INVALID;
    }
    if (key == NULL) {
        cnd_err_set(err, "no signing key; run candor keygen and pass --key FILE");
        return CND_E_INVALID;
    }
    /* Before cJSON: it would keep a string only up to its first NUL. (The
     * workbook front end cannot carry one: XML has no NUL character.) */
    if (refuse_nul(json, len, err))
        return CND_E_INVALID;
    root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (root == NULL) {
        json_error(json, len, end, NULL, err);
        return CND_E_INVALID;
    }
    while (end != NULL && (size_t)(end - json) < len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != NULL && (size_t)(end - json) < len)
        json_error(json, len, end, " (text after the end of the survey object)", err);
    else
        st = cnd_compile_tree(root, key, opts, out, cap, out_len, err);
    cJSON_Delete(root);
    return st;
}

cnd_status_t cnd_compile_tree(cJSON *root, const cnd_office_key_t *key,
                              const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                              size_t *out_len, cnd_err_t *err)
{
    static const cnd_compile_opts_t defaults = {CND_DRAFT_AUTO, NULL, NULL};
    src_t *src = NULL;
    uint8_t *pack = NULL;
    uint32_t body_len = 0, pack_len = 0;
    cnd_pack_t pk;
    cnd_status_t st = CND_E_INVALID;
    writer_t w;
    uint16_t i;

    if (out_len != NULL)
        *out_len = 0;
    if (root == NULL || out == NULL || out_len == NULL || key == NULL) {
        cnd_err_set(err, "internal: missing argument to the compiler");
        return CND_E_INVALID;
    }
    src = calloc(1, sizeof *src);
    pack = malloc(CND_MAX_PACK_SIZE);
    if (src == NULL || pack == NULL) {
        cnd_err_set(err, "out of memory");
        st = CND_E_NOSPACE;
        goto done;
    }
    /* Identifying items, free-text kinds and location presets first
     * (identifying.h): an item that must not exist is refused as such. */
    src->opts = opts ? opts : &defaults;
    if (!cnd_ident_check_source(root, err) || !read_source(src, root, err))
        goto done;
    for (i = 0; i < src->n_items; i++)
        if (!compile_relevance(src, i, err))
            goto done;
    if (!compile_eligibility(src, err) || !check_placeholders(src, err))
        goto done;
    warn_none_like(src);
    if ((st = write_pack(src, pack, &w, err)) != CND_OK)
        goto done;
    /* every text must fit the handheld's screen in its language's font
     * (shape.h), after the pack's own limits have spoken; the check names
     * the JSON path of a text that does not */
    if (!cnd_preview_check(root, err)) {
        writer_free(&w);
        st = CND_E_INVALID;
        goto done;
    }
    st = write_render_and_strings(src, &w, &body_len, err);
    writer_free(&w);
    if (st != CND_OK)
        goto done;
    /* The office the pack names is the key's own: a rotation re-signs
     * (host/survey/packsign.h cnd_pack_resign_key). */
    if ((st = cnd_pack_sign(pack, body_len, CND_MAX_PACK_SIZE, key->pub, key->p256_secret,
                            &pack_len, err)) != CND_OK)
        goto done;
    st = cnd_pack_open(&pk, pack, pack_len);
    if (st != CND_OK) {
        /* A compiler bug, never a source problem: say so plainly. */
        cnd_err_set(err, "internal: the compiled pack fails validation (%s); please report",
                    cnd_status_str(st));
        st = CND_E_INVALID;
        goto done;
    }
    if (cap < pack_len) {
        cnd_err_set(err, "output buffer of %zu bytes is too small for the %u-byte pack", cap,
                    pack_len);
        st = CND_E_NOSPACE;
        goto done;
    }
    memcpy(out, pack, pack_len);
    *out_len = pack_len;
    st = CND_OK;
done:
    free(pack);
    free(src);
    return st;
}

cnd_status_t cnd_compile_file(const char *path, const cnd_office_key_t *key, uint8_t *out,
                              size_t cap, size_t *out_len, cnd_err_t *err)
{
    return cnd_compile_file_opts(path, key, NULL, out, cap, out_len, err);
}

cnd_status_t cnd_compile_file_opts(const char *path, const cnd_office_key_t *key,
                                   const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                   size_t *out_len, cnd_err_t *err)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    cnd_status_t st;

    if (f == NULL) {
        cnd_err_set(err, "cannot read %s: %s", path, strerror(errno));
        return CND_E_IO;
    }
    buf = malloc(SOURCE_MAX_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        cnd_err_set(err, "out of memory reading %s", path);
        return CND_E_NOSPACE;
    }
    n = fread(buf, 1, SOURCE_MAX_BYTES + 1, f);
    if (ferror(f)) {
        cnd_err_set(err, "cannot read %s: %s", path, strerror(errno));
        st = CND_E_IO;
    } else if (n > SOURCE_MAX_BYTES) {
        cnd_err_set(err, "%s is larger than %d bytes; is it really a survey source?", path,
                    SOURCE_MAX_BYTES);
        st = CND_E_RANGE;
    } else if (cnd_xlsform_is_workbook((const uint8_t *)buf, n)) {
        /* The second front end (xlsform.h): same tree, same checks. */
        st = cnd_xlsform_compile((const uint8_t *)buf, n, key, opts, out, cap, out_len, err);
    } else {
        st = cnd_compile_json_opts(buf, n, key, opts, out, cap, out_len, err);
    }
    free(buf);
    fclose(f);
    return st;
}

/* ------------------------------------------------------------- output */

cnd_status_t cnd_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                                   cnd_err_t *err)
{
    char tmp[PATH_MAX], dir[PATH_MAX];
    int fd, saved;

    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp ||
        snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
        cnd_err_set(err, "output path too long: %s", path);
        return CND_E_INVALID;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        cnd_err_set(err,
                    "cannot create a file next to %s: %s; check the directory exists and "
                    "is writable",
                    path, strerror(errno));
        return CND_E_IO;
    }
    /* mkstemp makes 0600; a pack is not secret and other tools read it. */
    if (fchmod(fd, 0644) != 0 || cnd_write_all(fd, data, len) != 0 || cnd_os_fsync(fd) != 0) {
        saved = errno;
        close(fd);
        unlink(tmp);
        cnd_err_set(err, "cannot write %s: %s", path, strerror(saved));
        return CND_E_IO;
    }
    if (close(fd) != 0) {
        saved = errno;
        unlink(tmp);
        cnd_err_set(err, "cannot write %s: %s", path, strerror(saved));
        return CND_E_IO;
    }
    if (cnd_os_replace(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        cnd_err_set(err, "cannot write %s: %s", path, strerror(saved));
        return CND_E_IO;
    }
    /* The rename is durable only once the directory entry is on disk. */
    if (cnd_os_fsync_dir(dirname(dir)) != 0) {
        saved = errno;
        cnd_err_set(err, "wrote %s but could not sync its directory: %s", path, strerror(saved));
        return CND_E_IO;
    }
    return CND_OK;
}

/* ---------------------------------------------------------------- CLI */

static void compile_usage(FILE *to)
{
    fprintf(to, "usage: candor compile SOURCE.json|SOURCE.xlsx -o OUTPUT.pack --key KEYFILE [--draft]\n"
                "                      [--passphrase-file FILE]\n"
                "\n"
                "Checks a survey source and compiles it into a survey pack for the handheld,\n"
                "signed with the office's key (candor keygen). A handheld installs only packs\n"
                "signed by the office named in the survey it already has; the pack names\n"
                "this key's office, whose public key responses will be sealed to.\n"
                "Any problem stops the compile with one line naming the JSON path (for a\n"
                "workbook: the sheet, cell and column) and the problem; no output file is\n"
                "written then. The source format is described in\n"
                "formats/schema/survey.schema.json; an XLSForm workbook (.xlsx) is read as\n"
                "the same source (candor(1), XLSFORM; candor xlsform writes one).\n"
                "\n"
                "options:\n"
                "  -o, --output FILE          where to write the pack (required)\n"
                "  -k, --key FILE             the office's private key file (default:\n"
                "                             $CANDOR_KEY)\n"
                "  --passphrase-file FILE     the key's passphrase is the first line of FILE\n"
                "                             (default: asked on the terminal)\n"
                "  --office PUBFILE           name this office (a FILE.pub from candor keygen)\n"
                "                             instead of the key's own: key rotation, the old\n"
                "                             key signs a pack that hands devices to the new\n"
                "                             office\n"
                "  --admin-pin-file F         the handheld's admin PIN (device settings, wipe):\n"
                "                             the first line of F, 4 to 8 digits; the pack\n"
                "                             keeps only a salted PBKDF2-HMAC-SHA256 hash\n"
                "  --draft                    a test pack: placeholder text such as\n"
                "                             \"[local hotline number]\" in the consent or\n"
                "                             referral is allowed; the home screen says\n"
                "                             \"DRAFT: not for fieldwork\" and the codebook\n"
                "                             marks its responses (without --draft such\n"
                "                             text is refused)\n"
                "  -h, --help                 show this help\n");
}

/* The signing key: --key, else $CANDOR_KEY. 0, or -1 after one error line. */
static int load_signing_key(const char *key_path, const char *passphrase_file,
                            cnd_office_key_t *key)
{
    char msg[512];
    if (key_path == NULL || key_path[0] == '\0')
        key_path = getenv("CANDOR_KEY");
    if (key_path == NULL || key_path[0] == '\0') {
        fprintf(stderr, "candor compile: no signing key; run candor keygen and pass --key FILE\n");
        return -1;
    }
    if (cnd_key_load(key_path, passphrase_file, key, msg, sizeof msg) != 0) {
        cnd_key_wipe(key);
        fprintf(stderr, "candor compile: %s\n", msg);
        return -1;
    }
    return 0;
}

/*
 * The output may replace only an earlier pack. Compiling "-o" onto the
 * source, a key file or any other file would destroy it for good (rename
 * replaces without asking), and writing into a FIFO or device would hang
 * or do worse. 0 when output is free to write; else -1 after one line.
 */
static int refuse_output(const char *output, const char *source)
{
    struct stat so, ss;
    const char *why = NULL;
    if (stat(output, &so) != 0)
        return 0; /* not there yet (a bad directory fails at the write) */
    if (stat(source, &ss) == 0 && so.st_dev == ss.st_dev && so.st_ino == ss.st_ino) {
        why = "is the survey source";
    } else if (!S_ISREG(so.st_mode)) {
        why = "exists and is not a regular file";
    } else {
        /* A pack starts with its magic and is longer than a 105-byte
         * public key file, which shares that magic (SPEC 11.2). */
        uint8_t head[4] = {0};
        int fd = open(output, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
        if (fd >= 0)
            close(fd);
        if (n != (ssize_t)sizeof head || memcmp(head, CND_PACK_MAGIC, 4) != 0 ||
            so.st_size <= CND_OFFICE_PUB_LEN || so.st_size > CND_MAX_PACK_SIZE)
            why = "exists and is not a survey pack";
    }
    if (why == NULL)
        return 0;
    fprintf(stderr, "candor compile: output %s %s; refusing to overwrite it, choose another "
                    "-o path\n", output, why);
    return -1;
}

/* A warning names the source file like an error does, and does not stop
 * the compile. */
static void print_warning(void *ctx, const char *line)
{
    fprintf(stderr, "candor compile: %s: warning: %s\n", (const char *)ctx, line);
}

int cnd_cmd_compile(int argc, char **argv)
{
    enum { OPT_PASSPHRASE_FILE = 1000, OPT_OFFICE };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},
        {"office", required_argument, NULL, OPT_OFFICE},
        {"admin-pin-file", required_argument, NULL, 'P'},
        {"draft", no_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output = NULL, *source, *key_path = NULL, *passphrase_file = NULL;
    const char *office_path = NULL, *pin_file = NULL;
    uint8_t pin[CND_ADMIN_PIN_MAX_DIGITS], pin_n = 0;
    uint8_t office[CND_KEY_PUB_LEN];
    char msg[512];
    cnd_office_key_t key;
    uint8_t *pack;
    size_t pack_len = 0;
    cnd_err_t err;
    cnd_pack_t pk;
    cnd_status_t st;
    cnd_compile_opts_t copts = {CND_DRAFT_REFUSE, NULL, NULL};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:k:h", opts, NULL)) != -1) {
        if (c == 'h') {
            compile_usage(stdout);
            return CND_EXIT_OK;
        }
        if (c == 'o') {
            output = optarg;
            continue;
        }
        if (c == 'D') {
            copts.draft = CND_DRAFT_YES;
            continue;
        }
        if (c == 'P') {
            pin_file = optarg;
            continue;
        }
        if (c == 'k') {
            key_path = optarg;
            continue;
        }
        if (c == OPT_PASSPHRASE_FILE) {
            passphrase_file = optarg;
            continue;
        }
        if (c == OPT_OFFICE) {
            office_path = optarg;
            continue;
        }
        fprintf(stderr,
                "candor compile: unknown option or missing value '%s'; see candor "
                "compile --help\n",
                argv[optind - 1]);
        return CND_EXIT_USAGE;
    }
    if (optind != argc - 1 || output == NULL) {
        fprintf(stderr, "candor compile: expected one SOURCE.json (or .xlsx) and -o OUTPUT.pack; see "
                        "candor compile --help\n");
        return CND_EXIT_USAGE;
    }
    source = argv[optind];
    if (refuse_output(output, source) != 0)
        return CND_EXIT_USAGE;
    /* A pack carries every text pre-rendered (SPEC 1.12): a build without
     * the shaper cannot make one. Said before a key or passphrase is read. */
    if (cnd_feature_missing(CND_FEATURE_SHAPING) != NULL) {
        size_t n = strlen(source);
        int xlsx = n >= 5 && strcasecmp(source + n - 5, ".xlsx") == 0;
        return cnd_feature_refuse("compile", xlsx && cnd_feature_missing(CND_FEATURE_XLSFORM)
                                                 ? CND_FEATURE_XLSFORM
                                                 : CND_FEATURE_SHAPING);
    }
    copts.warn_ctx = (void *)(uintptr_t)source;
    if (office_path != NULL && cnd_pub_load(office_path, office, msg, sizeof msg) != 0) {
        fprintf(stderr, "candor compile: %s\n", msg);
        return CND_EXIT_INPUT;
    }
    if (load_signing_key(key_path, passphrase_file, &key) != 0)
        return CND_EXIT_INPUT;
    pack = malloc(CND_MAX_PACK_SIZE);
    if (pack == NULL) {
        cnd_key_wipe(&key);
        fprintf(stderr, "candor compile: out of memory\n");
        return CND_EXIT_FAIL;
    }
    memset(&err, 0, sizeof err);
    copts.warn = print_warning;
    st = cnd_compile_file_opts(source, &key, &copts, pack, CND_MAX_PACK_SIZE, &pack_len, &err);
    if (st != CND_OK) {
        cnd_key_wipe(&key);
        if (st == CND_E_IO)
            fprintf(stderr, "candor compile: %s\n", err.msg);
        else
            fprintf(stderr, "candor compile: %s: %s\n", source, err.msg);
        free(pack);
        return st == CND_E_IO ? CND_EXIT_FAIL : CND_EXIT_INPUT;
    }
    if (pin_file != NULL) { /* SPEC 1.10: inside what the signature covers */
        st = cnd_admin_pin_read_file(pin_file, pin, &pin_n, &err);
        if (st == CND_OK)
            st = cnd_pack_add_admin(pack, &pack_len, CND_MAX_PACK_SIZE, pin, pin_n,
                                    CND_ADMIN_ITER_DEFAULT, &err);
        memset(pin, 0, sizeof pin);
    }
    /* Signed again after an admin block went in, or to name another office
     * (key rotation, SPEC 1.9). */
    if (st == CND_OK && (pin_file != NULL || office_path != NULL))
        st = cnd_pack_resign_key(pack, (uint32_t)pack_len, office_path ? office : key.pub, &key,
                                 &err);
    cnd_key_wipe(&key);
    if (st != CND_OK) {
        fprintf(stderr, "candor compile: %s\n", err.msg);
        free(pack);
        return st == CND_E_IO ? CND_EXIT_FAIL : CND_EXIT_INPUT;
    }
    st = cnd_write_file_atomic(output, pack, pack_len, &err);
    if (st != CND_OK) {
        fprintf(stderr, "candor compile: %s\n", err.msg);
        free(pack);
        return CND_EXIT_FAIL;
    }
    cnd_pack_open(&pk, pack, (uint32_t)pack_len);
    printf("wrote %s: %u item%s, %u language%s, %zu bytes, fingerprint %08x%s\n", output,
           (unsigned)pk.n_items, pk.n_items == 1 ? "" : "s", (unsigned)pk.n_langs,
           pk.n_langs == 1 ? "" : "s", pack_len, (unsigned)pk.fingerprint,
           cnd_pack_is_draft(&pk) ? " (DRAFT: not for fieldwork)" : "");
    free(pack);
    return CND_EXIT_OK;
}
