/* batch.c: see batch.h and formats/SPEC.md section "Response batch". */
#include "batch.h"

#include <string.h>

#include "frame.h"

enum { PH_HEADER, PH_IDS, PH_DAYS, PH_LANGS, PH_ITEMS, PH_DONE };

/* Cell codes: one byte for the common cases, an escape for the rest. */
#define CELL_NONE 0x00
#define CELL_PNA 0x01
#define CELL_SMALL_BASE 0x02 /* value v in [0, CELL_SMALL_MAX] is byte v + 2 */
#define CELL_SMALL_MAX 252
#define CELL_ESCAPE 0xFF /* followed by varint(zigzag(value)) */

static uint32_t zigzag(int32_t v)
{
    uint32_t u = (uint32_t)v;
    return (u << 1) ^ (0u - (u >> 31));
}

static int32_t unzigzag(uint32_t z)
{
    /* Written without a signed overflow or an implementation-defined cast. */
    if (z & 1u)
        return -(int32_t)(z >> 1) - 1;
    return (int32_t)(z >> 1);
}

static uint8_t put_varint(uint8_t *p, uint32_t v)
{
    uint8_t n = 0;
    while (v >= 0x80u) {
        p[n++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Canonical LEB128 u32: at most 5 bytes, no overlong form. */
static cnd_status_t get_varint(const uint8_t *buf, size_t len, size_t *pos, uint32_t *v)
{
    uint32_t out = 0;
    unsigned i;
    for (i = 0; i < 5; i++) {
        uint8_t b;
        if (*pos >= len)
            return CND_E_TRUNCATED;
        b = buf[(*pos)++];
        if (i == 4 && b > 0x0F)
            return CND_E_RANGE;
        out |= (uint32_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            if (i > 0 && b == 0)
                return CND_E_INVALID;
            *v = out;
            return CND_OK;
        }
    }
    return CND_E_RANGE;
}

static uint8_t encode_cell(uint8_t *p, const cnd_answer_t *a)
{
    if (a->state == CND_ANS_NONE) {
        p[0] = CELL_NONE;
        return 1;
    }
    if (a->state == CND_ANS_PNA) {
        p[0] = CELL_PNA;
        return 1;
    }
    if (a->value >= 0 && a->value <= CELL_SMALL_MAX) {
        p[0] = (uint8_t)(a->value + CELL_SMALL_BASE);
        return 1;
    }
    p[0] = CELL_ESCAPE;
    return (uint8_t)(1 + put_varint(p + 1, zigzag(a->value)));
}

/* Brings response `index` into enc->cur and checks it belongs to the batch. */
static cnd_status_t fetch(cnd_batch_encoder_t *enc, uint16_t index)
{
    cnd_status_t st;
    uint8_t i;
    if (enc->cached == (int32_t)index)
        return CND_OK;
    enc->cached = -1;
    st = enc->get(enc->ctx, index, &enc->cur);
    if (st != CND_OK)
        return st;
    if (enc->cur.n_answers > CND_MAX_ITEMS)
        return CND_E_INVALID;
    if (index > 0 && (enc->cur.pack_fp != enc->pack_fp || enc->cur.n_answers != enc->n_items))
        return CND_E_INVALID;
    for (i = 0; i < enc->cur.n_answers; i++)
        if (enc->cur.answers[i].state > CND_ANS_VALUE)
            return CND_E_INVALID;
    enc->cached = index;
    return CND_OK;
}

cnd_status_t cnd_batch_encoder_init(cnd_batch_encoder_t *enc, uint16_t n, cnd_batch_get_fn get,
                                    void *ctx)
{
    cnd_status_t st;
    memset(enc, 0, sizeof *enc);
    enc->cached = -1;
    enc->error = CND_E_INVALID;
    if (get == NULL || n == 0 || n > CND_BATCH_MAX_RESPONSES)
        return CND_E_INVALID;
    enc->get = get;
    enc->ctx = ctx;
    enc->n = n;
    st = fetch(enc, 0);
    if (st != CND_OK) {
        enc->error = st;
        return st;
    }
    enc->pack_fp = enc->cur.pack_fp;
    enc->n_items = enc->cur.n_answers;
    enc->phase = PH_HEADER;
    enc->error = CND_OK;
    return CND_OK;
}

/* Moves to the next column when the current one has all n cells. */
static void advance(cnd_batch_encoder_t *enc)
{
    if (++enc->index < enc->n)
        return;
    enc->index = 0;
    if (enc->phase == PH_ITEMS && ++enc->item < enc->n_items)
        return;
    enc->phase++;
    if (enc->phase == PH_ITEMS && enc->n_items == 0)
        enc->phase = PH_DONE;
}

/* Produces the next unit into enc->unit. Returns CND_OK with unit_len 0 at
 * the end of the stream. */
static cnd_status_t next_unit(cnd_batch_encoder_t *enc)
{
    cnd_status_t st;
    uint8_t *u = enc->unit;
    enc->unit_pos = 0;
    enc->unit_len = 0;
    if (enc->phase == PH_DONE)
        return CND_OK;
    if (enc->phase == PH_HEADER) {
        u[0] = CND_BATCH_VERSION;
        cnd_wire_put_u16(u + 1, enc->n);
        u[3] = enc->n_items;
        cnd_wire_put_u32(u + 4, enc->pack_fp);
        enc->unit_len = CND_BATCH_HEADER_LEN;
        enc->phase = PH_IDS;
        return CND_OK;
    }
    st = fetch(enc, enc->index);
    if (st != CND_OK)
        return st;
    switch (enc->phase) {
    case PH_IDS:
        memcpy(u, enc->cur.id, CND_RESPONSE_ID_LEN);
        enc->unit_len = CND_RESPONSE_ID_LEN;
        break;
    case PH_DAYS:
        /* First day absolute, then signed deltas: a batch spans few days. */
        if (enc->index == 0)
            enc->unit_len = put_varint(u, enc->cur.day);
        else
            enc->unit_len =
                put_varint(u, zigzag((int32_t)enc->cur.day - (int32_t)enc->prev_day));
        enc->prev_day = enc->cur.day;
        break;
    case PH_LANGS:
        u[0] = enc->cur.lang;
        enc->unit_len = 1;
        break;
    default: /* PH_ITEMS */
        enc->unit_len = encode_cell(u, &enc->cur.answers[enc->item]);
        break;
    }
    advance(enc);
    return CND_OK;
}

cnd_status_t cnd_batch_encoder_read(cnd_batch_encoder_t *enc, uint8_t *out, size_t cap,
                                    size_t *produced)
{
    size_t done = 0;
    *produced = 0;
    if (enc->error != CND_OK)
        return enc->error;
    while (done < cap) {
        size_t k;
        if (enc->unit_pos == enc->unit_len) {
            cnd_status_t st = next_unit(enc);
            if (st != CND_OK) {
                enc->error = st;
                return st;
            }
            if (enc->unit_len == 0)
                break;
        }
        k = (size_t)(enc->unit_len - enc->unit_pos);
        if (k > cap - done)
            k = cap - done;
        memcpy(out + done, enc->unit + enc->unit_pos, k);
        enc->unit_pos = (uint8_t)(enc->unit_pos + k);
        done += k;
    }
    *produced = done;
    return CND_OK;
}

/* ---- decoder ---- */

static cnd_status_t decode_days(const uint8_t *buf, size_t len, size_t *pos, cnd_response_t *out,
                                uint16_t n)
{
    int32_t day = 0;
    uint16_t i;
    for (i = 0; i < n; i++) {
        uint32_t v;
        cnd_status_t st = get_varint(buf, len, pos, &v);
        if (st != CND_OK)
            return st;
        if (i == 0) {
            if (v > 0xFFFFu)
                return CND_E_RANGE;
            day = (int32_t)v;
        } else {
            if (v > 2u * 0xFFFFu)
                return CND_E_RANGE;
            day += unzigzag(v);
            if (day < 0 || day > 0xFFFF)
                return CND_E_RANGE;
        }
        out[i].day = (uint16_t)day;
    }
    return CND_OK;
}

static cnd_status_t decode_cell(const uint8_t *buf, size_t len, size_t *pos, cnd_answer_t *a)
{
    uint8_t c;
    uint32_t z;
    cnd_status_t st;
    if (*pos >= len)
        return CND_E_TRUNCATED;
    c = buf[(*pos)++];
    a->value = 0;
    if (c == CELL_NONE) {
        a->state = CND_ANS_NONE;
        return CND_OK;
    }
    if (c == CELL_PNA) {
        a->state = CND_ANS_PNA;
        return CND_OK;
    }
    a->state = CND_ANS_VALUE;
    if (c != CELL_ESCAPE) {
        a->value = c - CELL_SMALL_BASE;
        return CND_OK;
    }
    st = get_varint(buf, len, pos, &z);
    if (st != CND_OK)
        return st;
    a->value = unzigzag(z);
    /* One encoding per value: a small value behind the escape is malformed. */
    if (a->value >= 0 && a->value <= CELL_SMALL_MAX)
        return CND_E_INVALID;
    return CND_OK;
}

static cnd_status_t decode_body(const uint8_t *buf, size_t len, cnd_response_t *out, uint16_t n,
                                uint8_t n_items, uint32_t fp)
{
    size_t pos = CND_BATCH_HEADER_LEN;
    cnd_status_t st;
    uint16_t i;
    uint8_t it;

    if (len - pos < (size_t)n * CND_RESPONSE_ID_LEN)
        return CND_E_TRUNCATED;
    for (i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        memcpy(out[i].id, buf + pos, CND_RESPONSE_ID_LEN);
        pos += CND_RESPONSE_ID_LEN;
        out[i].pack_fp = fp;
        out[i].n_answers = n_items;
    }
    st = decode_days(buf, len, &pos, out, n);
    if (st != CND_OK)
        return st;
    if (len - pos < n)
        return CND_E_TRUNCATED;
    for (i = 0; i < n; i++)
        out[i].lang = buf[pos++];
    for (it = 0; it < n_items; it++) {
        for (i = 0; i < n; i++) {
            st = decode_cell(buf, len, &pos, &out[i].answers[it]);
            if (st != CND_OK)
                return st;
        }
    }
    return pos == len ? CND_OK : CND_E_INVALID;
}

cnd_status_t cnd_batch_decode(const uint8_t *buf, size_t len, cnd_response_t *out, uint16_t cap,
                              uint16_t *n)
{
    uint16_t count;
    uint8_t n_items;
    cnd_status_t st;

    *n = 0;
    if (len < CND_BATCH_HEADER_LEN)
        return CND_E_TRUNCATED;
    if (buf[0] != CND_BATCH_VERSION)
        return CND_E_VERSION;
    count = cnd_wire_get_u16(buf + 1);
    n_items = buf[3];
    if (count == 0 || count > CND_BATCH_MAX_RESPONSES || n_items > CND_MAX_ITEMS)
        return CND_E_RANGE;
    if (count > cap)
        return CND_E_NOSPACE;
    st = decode_body(buf, len, out, count, n_items, cnd_wire_get_u32(buf + 4));
    if (st != CND_OK)
        return st;
    *n = count;
    return CND_OK;
}
