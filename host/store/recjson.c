/* recjson.c: see recjson.h. */
#include "recjson.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

/* ------------------------------------------------------------ buffer -- */

static int reserve(cnd_buf_t *b, size_t n)
{
    if (b->cap - b->len >= n)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

int cnd_buf_put(cnd_buf_t *b, const void *s, size_t n)
{
    if (reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

void cnd_buf_free(cnd_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* The most a string of n bytes can grow to: every byte as \u00XX, plus
 * the quotes. */
#define ESCAPED_MAX(n) (6 * (n) + 2)

/* cJSON 1.7's print_string_ptr, byte for byte: '"' and '\\' and the
 * control bytes below 0x20 are escaped (the usual five by letter, the rest
 * as lower-case \u00xx); everything else, UTF-8 included, is copied.
 * Capacity for ESCAPED_MAX(n) must be reserved. */
static void put_json_str_raw(cnd_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

int cnd_buf_put_json_str(cnd_buf_t *b, const char *s, size_t n)
{
    if (n > (SIZE_MAX - 2) / 6 || reserve(b, ESCAPED_MAX(n)) != 0)
        return -1;
    put_json_str_raw(b, s, n);
    return 0;
}

/* Capacity must be reserved. */
static void put_raw(cnd_buf_t *b, const char *s, size_t n)
{
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* cJSON prints every integer-valued number that fits an int with "%d". */
static void put_int_raw(cnd_buf_t *b, int32_t v)
{
    char tmp[12];
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[n++] = '-';
    while (n > 0)
        b->p[b->len++] = tmp[--n];
}

/* --------------------------------------------------------- fragments -- */

/* A fragment is a span of rj->text. Offsets, not pointers: text grows by
 * realloc while the fragments are being made. */
typedef struct {
    uint32_t off, len;
} span_t;

typedef struct {
    uint16_t index;    /* item index in the pack */
    uint8_t kind;      /* CND_ITEM_* */
    uint8_t n_choices; /* choices quoted in choice[] (at most 32) */
    span_t key;        /* "name": */
    uint32_t choice0;  /* first of this item's entries in rj->choices */
} item_frag_t;

struct cnd_recjson {
    const cnd_pack_t *pk;
    cnd_buf_t text;
    span_t mid;                     /* ,"survey":"..","survey_version":N,"language": */
    span_t lang[CND_MAX_LANGS];     /* "en" */
    uint8_t n_langs;
    item_frag_t item[CND_MAX_ITEMS]; /* exported (non-info) items, in survey order */
    uint16_t n_items;
    span_t *choices;                /* "choice_name", per item in choice order */
    size_t most;                    /* bytes a record can take, period and device aside */
};

static int frag_str(cnd_recjson_t *rj, cnd_str_t s, const char *suffix, span_t *out)
{
    size_t start = rj->text.len;
    if (cnd_buf_put_json_str(&rj->text, s.ptr, s.len) != 0 ||
        cnd_buf_put(&rj->text, suffix, strlen(suffix)) != 0 || rj->text.len > UINT32_MAX)
        return -1;
    out->off = (uint32_t)start;
    out->len = (uint32_t)(rj->text.len - start);
    return 0;
}

const cnd_pack_t *cnd_recjson_pack(const cnd_recjson_t *rj)
{
    return rj->pk;
}

void cnd_recjson_free(cnd_recjson_t *rj)
{
    if (rj == NULL)
        return;
    cnd_buf_free(&rj->text);
    free(rj->choices);
    free(rj);
}

cnd_recjson_t *cnd_recjson_new(const cnd_pack_t *pk)
{
    cnd_recjson_t *rj = calloc(1, sizeof *rj);
    if (rj == NULL)
        return NULL;
    rj->pk = pk;
    rj->choices = calloc((size_t)CND_MAX_ITEMS * CND_MAX_CHOICES, sizeof *rj->choices);
    int ok = rj->choices != NULL;
    /* ,"survey":<id>,"survey_version":<v>,"language": */
    char version[48];
    cnd_str_t sid = cnd_pack_survey_id(pk);
    snprintf(version, sizeof version, ",\"survey_version\":%d,\"language\":",
             (int)cnd_pack_survey_version(pk));
    ok = ok && cnd_buf_put(&rj->text, ",\"survey\":", 10) == 0 &&
         cnd_buf_put_json_str(&rj->text, sid.ptr, sid.len) == 0 &&
         cnd_buf_put(&rj->text, version, strlen(version)) == 0 && rj->text.len < UINT32_MAX;
    rj->mid.off = 0;
    rj->mid.len = (uint32_t)rj->text.len;
    /* {"id":"<16 hex>" and the fixed ,"period": ,"answers":{ }} */
    rj->most = 6 + ESCAPED_MAX(16) + rj->mid.len + 10 + 12 + 2;
    rj->n_langs = cnd_pack_lang_count(pk);
    if (rj->n_langs > CND_MAX_LANGS)
        rj->n_langs = CND_MAX_LANGS;
    size_t longest = ESCAPED_MAX(CND_LANG_CODE_LEN); /* an index past the pack's */
    for (uint8_t l = 0; ok && l < rj->n_langs; l++) {
        ok = frag_str(rj, cnd_pack_lang_code(pk, l), "", &rj->lang[l]) == 0;
        if (ok && rj->lang[l].len > longest)
            longest = rj->lang[l].len;
    }
    rj->most += longest;
    size_t n_choices = 0;
    for (uint16_t i = 0; ok && i < cnd_pack_item_count(pk) && rj->n_items < CND_MAX_ITEMS; i++) {
        cnd_item_t it;
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        item_frag_t *f = &rj->item[rj->n_items++];
        f->index = i;
        f->kind = it.kind;
        f->n_choices = it.n_choices < CND_MAX_CHOICES ? it.n_choices : CND_MAX_CHOICES;
        f->choice0 = (uint32_t)n_choices;
        ok = frag_str(rj, it.name, ":", &f->key) == 0;
        /* The longest value: null, the PNA string, a number, or (multiple)
         * every choice; a single choice is never longer than that. */
        size_t value = sizeof "\"" CND_EXPORT_PNA "\"" + 12, all = 2;
        for (uint8_t c = 0; ok && c < f->n_choices; c++) {
            span_t *s = &rj->choices[n_choices++];
            ok = frag_str(rj, cnd_pack_choice_name(pk, i, c), "", s) == 0;
            all += s->len + 1;
        }
        rj->most += 1 + f->key.len + (all > value ? all : value);
    }
    if (!ok) {
        cnd_recjson_free(rj);
        return NULL;
    }
    return rj;
}

/* ------------------------------------------------------------ records -- */

static void put_span(cnd_buf_t *b, const cnd_recjson_t *rj, span_t s)
{
    put_raw(b, rj->text.p + s.off, s.len);
}

/* A value the fragments do not cover (a choice index past the pack's,
 * which cnd_response_check already refuses): the pack's own answer. */
static int put_choice(cnd_buf_t *out, const cnd_recjson_t *rj, const item_frag_t *f, int32_t v)
{
    if (v >= 0 && v < f->n_choices) {
        put_span(out, rj, rj->choices[f->choice0 + (uint32_t)v]);
        return 0;
    }
    cnd_str_t s = cnd_pack_choice_name(rj->pk, f->index, (uint8_t)v);
    /* Its length is the pack's, not planned for: reserve again after it. */
    return cnd_buf_put_json_str(out, s.ptr, s.len) == 0 ? reserve(out, rj->most) : -1;
}

int cnd_recjson_write(const cnd_recjson_t *rj, const cnd_response_t *r, const char *period,
                      const char *device, cnd_buf_t *out)
{
    static const char hexd[] = "0123456789abcdef";
    size_t per_len = strlen(period), dev_len = device ? strlen(device) : 0;
    if (per_len > 64 || dev_len > 64 ||
        reserve(out, rj->most + ESCAPED_MAX(per_len) + ESCAPED_MAX(dev_len) + 24) != 0)
        return -1;
    char hex[2 * CND_RESPONSE_ID_LEN];
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++) {
        hex[2 * i] = hexd[r->id[i] >> 4];
        hex[2 * i + 1] = hexd[r->id[i] & 15];
    }
    put_raw(out, "{\"id\":", 6);
    put_json_str_raw(out, hex, sizeof hex);
    put_span(out, rj, rj->mid);
    if (r->lang == CND_EXPORT_LANG_SUPPRESSED) {
        put_raw(out, "\"" CND_EXPORT_SUPPRESSED "\"", sizeof CND_EXPORT_SUPPRESSED + 1);
    } else if (r->lang < rj->n_langs) {
        put_span(out, rj, rj->lang[r->lang]);
    } else {
        cnd_str_t code = cnd_pack_lang_code(rj->pk, r->lang);
        if (cnd_buf_put_json_str(out, code.ptr, code.len) != 0 ||
            reserve(out, rj->most + ESCAPED_MAX(per_len) + ESCAPED_MAX(dev_len) + 24) != 0)
            return -1;
    }
    put_raw(out, ",\"period\":", 10);
    put_json_str_raw(out, period, per_len);
    if (device != NULL) {
        put_raw(out, ",\"device\":", 10);
        put_json_str_raw(out, device, dev_len);
    }
    put_raw(out, ",\"answers\":{", 12);
    for (uint16_t k = 0; k < rj->n_items; k++) {
        const item_frag_t *f = &rj->item[k];
        const cnd_answer_t *a = &r->answers[f->index];
        if (k > 0)
            out->p[out->len++] = ',';
        put_span(out, rj, f->key);
        if (a->state == CND_ANS_NONE) {
            put_raw(out, "null", 4);
        } else if (a->state == CND_ANS_SUPPRESSED) {
            put_raw(out, "\"" CND_EXPORT_SUPPRESSED "\"", sizeof CND_EXPORT_SUPPRESSED + 1);
        } else if (a->state == CND_ANS_PNA) {
            put_raw(out, "\"" CND_EXPORT_PNA "\"", sizeof CND_EXPORT_PNA + 1);
        } else if (f->kind == CND_ITEM_SINGLE || f->kind == CND_ITEM_YESNO) {
            if (put_choice(out, rj, f, a->value) != 0)
                return -1;
        } else if (f->kind == CND_ITEM_MULTI) {
            int first = 1;
            out->p[out->len++] = '[';
            for (uint8_t c = 0; c < f->n_choices; c++) {
                if (!((uint32_t)a->value & (1u << c)))
                    continue;
                if (!first)
                    out->p[out->len++] = ',';
                first = 0;
                put_span(out, rj, rj->choices[f->choice0 + c]);
            }
            out->p[out->len++] = ']';
        } else {
            put_int_raw(out, a->value);
        }
    }
    put_raw(out, "}}", 2);
    return 0;
}
