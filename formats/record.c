/* record.c: see record.h and formats/SPEC.md sections 3 and 4. */
#include "record.h"

#include <string.h>
#include <zlib.h>

#include "frame.h"

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

cnd_status_t cnd_record_encode(const cnd_response_t *r, uint8_t *out, size_t cap, size_t *len)
{
    uint8_t tmp[5];
    size_t pos = 0;
    unsigned i;

    *len = 0;
    if (r->n_answers > CND_MAX_ITEMS)
        return CND_E_RANGE;
    if (cap < CND_RECORD_FIXED_LEN)
        return CND_E_NOSPACE;
    out[pos++] = CND_RECORD_VERSION;
    memcpy(out + pos, r->id, CND_RESPONSE_ID_LEN);
    pos += CND_RESPONSE_ID_LEN;
    cnd_wire_put_u32(out + pos, r->pack_fp);
    pos += 4;
    cnd_wire_put_u16(out + pos, r->day);
    pos += 2;
    out[pos++] = r->lang;
    out[pos++] = r->n_answers;
    for (i = 0; i < r->n_answers; i++) {
        const cnd_answer_t *a = &r->answers[i];
        size_t n = 0;
        if (a->state > CND_ANS_VALUE)
            return CND_E_RANGE;
        if (a->state == CND_ANS_VALUE)
            n = cnd_varint_put(tmp, cnd_zigzag_encode(a->value));
        if (cap - pos < 1 + n)
            return CND_E_NOSPACE;
        out[pos++] = a->state;
        memcpy(out + pos, tmp, n);
        pos += n;
    }
    *len = pos;
    return CND_OK;
}

static cnd_status_t decode_answers(const uint8_t *buf, size_t len, size_t pos, cnd_response_t *out)
{
    unsigned i;
    for (i = 0; i < out->n_answers; i++) {
        cnd_answer_t *a = &out->answers[i];
        if (pos >= len)
            return CND_E_TRUNCATED;
        a->state = buf[pos++];
        if (a->state > CND_ANS_VALUE)
            return CND_E_RANGE;
        if (a->state == CND_ANS_VALUE) {
            uint32_t z = 0;
            cnd_status_t st = cnd_varint_get(buf, len, &pos, &z);
            if (st != CND_OK)
                return st;
            a->value = cnd_zigzag_decode(z);
        }
    }
    return pos == len ? CND_OK : CND_E_INVALID; /* nothing may trail the answers */
}

cnd_status_t cnd_record_decode(const uint8_t *buf, size_t len, cnd_response_t *out)
{
    cnd_status_t st;
    memset(out, 0, sizeof(*out));
    if (len < 1)
        return CND_E_TRUNCATED;
    if (buf[0] != CND_RECORD_VERSION)
        return CND_E_VERSION;
    if (len < CND_RECORD_FIXED_LEN)
        return CND_E_TRUNCATED;
    memcpy(out->id, buf + 1, CND_RESPONSE_ID_LEN);
    out->pack_fp = cnd_wire_get_u32(buf + 1 + CND_RESPONSE_ID_LEN);
    out->day = cnd_wire_get_u16(buf + 5 + CND_RESPONSE_ID_LEN);
    out->lang = buf[7 + CND_RESPONSE_ID_LEN];
    out->n_answers = buf[8 + CND_RESPONSE_ID_LEN];
    if (out->n_answers > CND_MAX_ITEMS)
        st = CND_E_RANGE;
    else
        st = decode_answers(buf, len, CND_RECORD_FIXED_LEN, out);
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
        return CND_OK;
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
