/* record.c: see record.h and formats/SPEC.md sections 3 and 4. */
#include "record.h"

#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "relevance.h"

uint32_t cnd_zigzag_encode(int32_t v)
{
    uint32_t u = (uint32_t)v;
    return (u << 1) ^ (0u - (u >> 31));
}

int32_t cnd_zigzag_decode(uint32_t z)
{
    /* Odd codes are negative: -(z/2) - 1, computed without overflow. */
    int32_t half = (int32_t)(z >> 1);
    return (z & 1u) ? (-half - 1) : half;
}

size_t cnd_varint_put(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t group = (uint8_t)(v & 0x7Fu);
        v >>= 7;
        p[n++] = (uint8_t)(v ? (group | 0x80u) : group);
    } while (v);
    return n;
}

cnd_status_t cnd_varint_get(const uint8_t *buf, size_t len, size_t *pos, uint32_t *v)
{
    uint32_t acc = 0;
    unsigned shift;
    for (shift = 0; shift < 35; shift += 7) {
        uint8_t b;
        if (*pos >= len)
            return CND_E_TRUNCATED;
        b = buf[*pos];
        *pos += 1;
        /* The fifth byte may only carry the top 4 bits of a u32. */
        if (shift == 28 && b > 0x0Fu)
            return CND_E_INVALID;
        acc |= (uint32_t)(b & 0x7Fu) << shift;
        if (!(b & 0x80u)) {
            /* A trailing zero group means an overlong (non-canonical) form. */
            if (shift > 0 && b == 0)
                return CND_E_INVALID;
            *v = acc;
            return CND_OK;
        }
    }
    return CND_E_INVALID;
}

/* ---- record body, version 2 (SPEC.md 3.3) ---- */

/* One item's code space: values first (SINGLE/YESNO choice index, MULTI
 * mask - 1, INTEGER value - min), then PNA if offered, then NONE if the
 * response is not complete. 64 bits because an INTEGER over all of int32
 * has 2^32 values. */
typedef struct {
    uint64_t n_values;
    uint8_t pna, none, width;
} item_code_t;

static uint8_t bits_for(uint64_t domain)
{
    uint8_t w = 0;
    while (w < 64 && (((uint64_t)1 << w) < domain))
        w++;
    return w; /* domain 1 needs no bit at all */
}

static item_code_t item_code(const cnd_item_t *it, int complete)
{
    item_code_t c;
    switch (it->kind) {
    case CND_ITEM_SINGLE:
        c.n_values = it->n_choices;
        break;
    case CND_ITEM_YESNO:
        c.n_values = 2;
        break;
    case CND_ITEM_MULTI:
        c.n_values = ((uint64_t)1 << it->n_choices) - 1u; /* every non-empty mask */
        break;
    case CND_ITEM_INTEGER:
        c.n_values = (uint64_t)((int64_t)it->max - (int64_t)it->min) + 1u;
        break;
    default:
        c.n_values = 0; /* INFO: no code at all */
        break;
    }
    c.pna = (uint8_t)((it->flags & CND_ITEM_F_PNA) != 0);
    c.none = (uint8_t)!complete;
    c.width = bits_for(c.n_values + c.pna + c.none);
    return c;
}

/* The code of an answer the encoder has already checked. */
static uint64_t answer_to_code(const cnd_item_t *it, const item_code_t *c, const cnd_answer_t *a)
{
    if (a->state == CND_ANS_NONE)
        return c->n_values + c->pna;
    if (a->state == CND_ANS_PNA)
        return c->n_values;
    if (it->kind == CND_ITEM_MULTI)
        return (uint64_t)(uint32_t)a->value - 1u;
    if (it->kind == CND_ITEM_INTEGER)
        return (uint64_t)((int64_t)a->value - (int64_t)it->min);
    return (uint64_t)(uint32_t)a->value;
}

/* The answer of a code; CND_E_RANGE for a code outside the domain. */
static cnd_status_t code_to_answer(const cnd_item_t *it, const item_code_t *c, uint64_t code,
                                   cnd_answer_t *a)
{
    if (code < c->n_values) {
        a->state = CND_ANS_VALUE;
        if (it->kind == CND_ITEM_MULTI)
            a->value = (int32_t)(uint32_t)(code + 1u);
        else if (it->kind == CND_ITEM_INTEGER)
            a->value = (int32_t)((int64_t)it->min + (int64_t)code); /* <= max by the domain */
        else
            a->value = (int32_t)code;
        return CND_OK;
    }
    a->value = 0;
    if (c->pna && code == c->n_values) {
        a->state = CND_ANS_PNA;
        return CND_OK;
    }
    if (c->none && code == c->n_values + c->pna) {
        a->state = CND_ANS_NONE;
        return CND_OK;
    }
    return CND_E_RANGE;
}

/* The rules one answer must meet to be encodable (cnd_response_check's,
 * plus relevance): CND_OK, CND_E_RANGE or CND_E_INVALID. */
static cnd_status_t check_value(const cnd_item_t *it, int32_t v);

static cnd_status_t check_answer(const cnd_item_t *it, int relevant, const cnd_answer_t *a)
{
    if (a->state > CND_ANS_VALUE)
        return CND_E_RANGE;
    if (a->state == CND_ANS_NONE)
        return CND_OK;
    if (it->kind == CND_ITEM_INFO || !relevant)
        return CND_E_INVALID; /* the engine clears what it did not ask */
    if (a->state == CND_ANS_PNA)
        return (it->flags & CND_ITEM_F_PNA) ? CND_OK : CND_E_INVALID;
    return check_value(it, a->value);
}

/* LSB-first bit stream: bit k of the stream is bit k % 8 of byte k / 8. */
typedef struct {
    uint8_t *p;     /* writer: zeroed before the first put */
    const uint8_t *q; /* reader */
    size_t bits;    /* bits available (reader) */
    size_t pos;     /* next bit */
} bits_t;

static void bits_put(bits_t *b, uint64_t v, uint8_t n)
{
    uint8_t i;
    for (i = 0; i < n; i++, b->pos++)
        if ((v >> i) & 1u)
            b->p[b->pos >> 3] = (uint8_t)(b->p[b->pos >> 3] | (1u << (b->pos & 7u)));
}

static cnd_status_t bits_get(bits_t *b, uint8_t n, uint64_t *v)
{
    uint8_t i;
    *v = 0;
    if (b->bits - b->pos < n)
        return CND_E_TRUNCATED;
    for (i = 0; i < n; i++, b->pos++)
        *v |= (uint64_t)((b->q[b->pos >> 3] >> (b->pos & 7u)) & 1u) << i;
    return CND_OK;
}

/* Pass 1 of the encoder: checks every answer and finds which items are
 * relevant (bit i of *rel) and whether the response is complete. */
static cnd_status_t scan_answers(const cnd_response_t *r, const cnd_pack_t *pk, uint64_t *rel,
                                 int *complete)
{
    uint16_t i, n = cnd_pack_item_count(pk);
    *rel = 0;
    *complete = 1;
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        cnd_status_t st = cnd_pack_item(pk, i, &it);
        int relevant;
        if (st != CND_OK)
            return st;
        relevant = cnd_relevance_eval(it.relevance, it.relevance_len, r->answers, n);
        st = check_answer(&it, relevant, &r->answers[i]);
        if (st != CND_OK)
            return st;
        if (relevant && it.kind != CND_ITEM_INFO) {
            *rel |= (uint64_t)1 << i;
            if (r->answers[i].state == CND_ANS_NONE)
                *complete = 0;
        }
    }
    return CND_OK;
}

cnd_status_t cnd_record_encode(const cnd_response_t *r, const cnd_pack_t *pk, uint8_t *out,
                               size_t cap, size_t *len)
{
    uint16_t i, n = cnd_pack_item_count(pk);
    uint8_t lang_bits = bits_for(cnd_pack_lang_count(pk));
    uint64_t rel = 0;
    size_t total = 16u + lang_bits + 1u, need;
    int complete = 1;
    bits_t b;
    cnd_status_t st;

    *len = 0;
    if (r->pack_fp != pk->fingerprint)
        return CND_E_NOT_FOUND;
    if (r->n_answers != n || n > CND_MAX_ITEMS || r->lang >= cnd_pack_lang_count(pk))
        return CND_E_RANGE;
    st = scan_answers(r, pk, &rel, &complete);
    if (st != CND_OK)
        return st;
    /* Pass 2a: the exact size, so the room is checked once, up front. */
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        if ((rel >> i) & 1u) {
            (void)cnd_pack_item(pk, i, &it); /* succeeded in pass 1 */
            total += item_code(&it, complete).width;
        }
    }
    need = CND_RECORD_HEAD_LEN + (total + 7u) / 8u;
    if (cap < need)
        return CND_E_NOSPACE;
    memset(out, 0, need); /* padding bits are zero */
    out[0] = CND_RECORD_VERSION;
    memcpy(out + 1, r->id, CND_RESPONSE_ID_LEN);
    cnd_wire_put_u32(out + 1 + CND_RESPONSE_ID_LEN, r->pack_fp);
    b.p = out + CND_RECORD_HEAD_LEN;
    b.q = NULL;
    b.bits = 0;
    b.pos = 0;
    bits_put(&b, r->day, 16);
    bits_put(&b, r->lang, lang_bits);
    bits_put(&b, (uint64_t)complete, 1);
    /* Pass 2b: the item codes. */
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        item_code_t c;
        if (!((rel >> i) & 1u))
            continue;
        (void)cnd_pack_item(pk, i, &it);
        c = item_code(&it, complete);
        bits_put(&b, answer_to_code(&it, &c, &r->answers[i]), c.width);
    }
    *len = need;
    return CND_OK;
}

/* Decodes the item codes into out->answers, which are all NONE on entry
 * (relevance reads only earlier items, so it sees exactly what the encoder
 * saw). *any_none = some relevant item came out NONE. */
static cnd_status_t decode_items(bits_t *b, const cnd_pack_t *pk, int complete,
                                 cnd_response_t *out, int *any_none)
{
    uint16_t i, n = out->n_answers;
    *any_none = 0;
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        item_code_t c;
        uint64_t code = 0;
        cnd_status_t st = cnd_pack_item(pk, i, &it);
        if (st != CND_OK)
            return st;
        if (it.kind == CND_ITEM_INFO ||
            !cnd_relevance_eval(it.relevance, it.relevance_len, out->answers, n))
            continue;
        c = item_code(&it, complete);
        if ((st = bits_get(b, c.width, &code)) != CND_OK ||
            (st = code_to_answer(&it, &c, code, &out->answers[i])) != CND_OK)
            return st;
        if (out->answers[i].state == CND_ANS_VALUE &&
            cnd_pack_breaks_exclusive(&it, (uint32_t)out->answers[i].value))
            return CND_E_INVALID;
        if (out->answers[i].state == CND_ANS_NONE)
            *any_none = 1;
    }
    return CND_OK;
}

static cnd_status_t decode_body(const uint8_t *buf, size_t len, const cnd_pack_t *pk,
                                cnd_response_t *out)
{
    uint16_t n = cnd_pack_item_count(pk);
    uint8_t lang_bits = bits_for(cnd_pack_lang_count(pk));
    uint64_t v = 0;
    int complete, any_none = 0;
    bits_t b;
    cnd_status_t st;

    if (len < 1)
        return CND_E_TRUNCATED;
    if (buf[0] != CND_RECORD_VERSION)
        return CND_E_VERSION;
    if (len < CND_RECORD_HEAD_LEN)
        return CND_E_TRUNCATED;
    memcpy(out->id, buf + 1, CND_RESPONSE_ID_LEN);
    out->pack_fp = cnd_wire_get_u32(buf + 1 + CND_RESPONSE_ID_LEN);
    if (out->pack_fp != pk->fingerprint)
        return CND_E_NOT_FOUND; /* only its own pack can read the bits */
    if (n > CND_MAX_ITEMS)
        return CND_E_RANGE;
    out->n_answers = (uint8_t)n;
    b.p = NULL;
    b.q = buf + CND_RECORD_HEAD_LEN;
    b.bits = (len - CND_RECORD_HEAD_LEN) * 8u;
    b.pos = 0;
    if ((st = bits_get(&b, 16, &v)) != CND_OK)
        return st;
    out->day = (uint16_t)v;
    if ((st = bits_get(&b, lang_bits, &v)) != CND_OK)
        return st;
    if (v >= cnd_pack_lang_count(pk))
        return CND_E_RANGE;
    out->lang = (uint8_t)v;
    if ((st = bits_get(&b, 1, &v)) != CND_OK)
        return st;
    complete = (int)v;
    if ((st = decode_items(&b, pk, complete, out, &any_none)) != CND_OK)
        return st;
    if (!complete && !any_none)
        return CND_E_INVALID; /* the flag had to be 1: not the one encoding */
    /* Canonical end: fewer than 8 bits left, all of them zero. */
    if (b.bits - b.pos >= 8)
        return CND_E_INVALID;
    if ((st = bits_get(&b, (uint8_t)(b.bits - b.pos), &v)) != CND_OK)
        return st;
    return v == 0 ? CND_OK : CND_E_INVALID;
}

cnd_status_t cnd_record_decode(const uint8_t *buf, size_t len, const cnd_pack_t *pk,
                               cnd_response_t *out)
{
    cnd_status_t st;
    memset(out, 0, sizeof(*out));
    st = decode_body(buf, len, pk, out);
    if (st != CND_OK)
        memset(out, 0, sizeof(*out));
    return st;
}

/* The value rules of one answered item (state VALUE). */
static cnd_status_t check_value(const cnd_item_t *it, int32_t v)
{
    uint32_t all;
    switch (it->kind) {
    case CND_ITEM_SINGLE:
        return (v >= 0 && v < (int32_t)it->n_choices) ? CND_OK : CND_E_RANGE;
    case CND_ITEM_MULTI:
        all = it->n_choices >= 32 ? 0xFFFFFFFFu : ((1u << it->n_choices) - 1u);
        if ((uint32_t)v == 0 || ((uint32_t)v & ~all) != 0)
            return CND_E_RANGE;
        /* "nothing" with "more hours" is a contradiction no engine makes
         * (SPEC 1.7 "Exclusive choices"): refused on every path. */
        return cnd_pack_breaks_exclusive(it, (uint32_t)v) ? CND_E_INVALID : CND_OK;
    case CND_ITEM_YESNO:
        return (v == 0 || v == 1) ? CND_OK : CND_E_RANGE;
    case CND_ITEM_INTEGER:
        return (v >= it->min && v <= it->max) ? CND_OK : CND_E_RANGE;
    default:
        return CND_E_INVALID; /* INFO screens and unknown kinds take no value */
    }
}

cnd_status_t cnd_response_check(const cnd_response_t *r, const cnd_pack_t *pk)
{
    uint16_t i;
    if (r->pack_fp != pk->fingerprint)
        return CND_E_NOT_FOUND;
    if (r->n_answers != cnd_pack_item_count(pk) || r->n_answers > CND_MAX_ITEMS)
        return CND_E_RANGE;
    if (r->lang >= cnd_pack_lang_count(pk))
        return CND_E_RANGE;
    for (i = 0; i < r->n_answers; i++) {
        const cnd_answer_t *a = &r->answers[i];
        cnd_item_t it;
        cnd_status_t st = cnd_pack_item(pk, i, &it);
        if (st != CND_OK)
            return st;
        if (a->state == CND_ANS_NONE)
            continue;
        if (it.kind == CND_ITEM_INFO)
            return CND_E_INVALID;
        if (a->state == CND_ANS_PNA) {
            if (!(it.flags & CND_ITEM_F_PNA))
                return CND_E_INVALID;
            continue;
        }
        if (a->state != CND_ANS_VALUE)
            return CND_E_RANGE;
        st = check_value(&it, a->value);
        if (st != CND_OK)
            return st;
    }
    return CND_OK;
}

/* ---- log entry header ---- */

static uint32_t entry_crc(const uint8_t hdr[CND_ENTRY_HEADER_LEN], const uint8_t *body,
                          uint16_t len)
{
    uLong crc = crc32(0L, hdr, 8);
    if (len > 0)
        crc = crc32(crc, body, len);
    return (uint32_t)crc;
}

void cnd_entry_header_encode(uint8_t out[CND_ENTRY_HEADER_LEN], uint8_t type, uint32_t seq,
                             const uint8_t *body, uint16_t len)
{
    out[0] = CND_ENTRY_MAGIC;
    out[1] = type;
    cnd_wire_put_u16(out + 2, len);
    cnd_wire_put_u32(out + 4, seq);
    cnd_wire_put_u32(out + 8, entry_crc(out, body, len));
}

cnd_status_t cnd_entry_header_decode(const uint8_t in[CND_ENTRY_HEADER_LEN], cnd_entry_header_t *h)
{
    memset(h, 0, sizeof(*h));
    if (in[0] != CND_ENTRY_MAGIC)
        return CND_E_MAGIC;
    if (in[1] < CND_ENTRY_RESPONSE || in[1] > CND_ENTRY_EPOCH)
        return CND_E_INVALID;
    h->type = in[1];
    h->len = cnd_wire_get_u16(in + 2);
    h->seq = cnd_wire_get_u32(in + 4);
    h->crc = cnd_wire_get_u32(in + 8);
    return h->len > CND_ENTRY_BODY_MAX ? CND_E_RANGE : CND_OK;
}

cnd_status_t cnd_entry_check_crc(const uint8_t hdr[CND_ENTRY_HEADER_LEN], const uint8_t *body,
                                 uint16_t len)
{
    return entry_crc(hdr, body, len) == cnd_wire_get_u32(hdr + 8) ? CND_OK : CND_E_CRC;
}

int cnd_bytes_erased(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != 0xFF)
            return 0;
    return 1;
}
