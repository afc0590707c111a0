/* proto.c: see proto.h and formats/SPEC.md section "Messages". */
#include "proto.h"

#include <string.h>

#include "frame.h"

/* Bounded little-endian writer/reader: every access is checked first, so a
 * codec cannot run past a buffer whatever the fields say. */
typedef struct {
    uint8_t *p;
    size_t cap, pos;
    int overflow;
} wr_t;

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int short_read;
} rd_t;

static uint8_t *wr_take(wr_t *w, size_t n)
{
    uint8_t *at;
    if (w->overflow || n > w->cap - w->pos) {
        w->overflow = 1;
        return NULL;
    }
    at = w->p + w->pos;
    w->pos += n;
    return at;
}

static void wr_u8(wr_t *w, uint8_t v)
{
    uint8_t *at = wr_take(w, 1);
    if (at)
        *at = v;
}

static void wr_u16(wr_t *w, uint16_t v)
{
    uint8_t *at = wr_take(w, 2);
    if (at)
        cnd_wire_put_u16(at, v);
}

static void wr_u32(wr_t *w, uint32_t v)
{
    uint8_t *at = wr_take(w, 4);
    if (at)
        cnd_wire_put_u32(at, v);
}

/* memmove: the data may already lie inside the output (in-place chunks). */
static void wr_bytes(wr_t *w, const uint8_t *src, size_t n)
{
    uint8_t *at = wr_take(w, n);
    if (at && n > 0 && at != src)
        memmove(at, src, n);
}

static cnd_status_t wr_done(const wr_t *w, size_t *len)
{
    *len = w->overflow ? 0 : w->pos;
    return w->overflow ? CND_E_NOSPACE : CND_OK;
}

static const uint8_t *rd_take(rd_t *r, size_t n)
{
    const uint8_t *at;
    if (r->short_read || n > r->len - r->pos) {
        r->short_read = 1;
        return NULL;
    }
    at = r->p + r->pos;
    r->pos += n;
    return at;
}

static uint8_t rd_u8(rd_t *r)
{
    const uint8_t *at = rd_take(r, 1);
    return at ? *at : 0;
}

static uint16_t rd_u16(rd_t *r)
{
    const uint8_t *at = rd_take(r, 2);
    return at ? cnd_wire_get_u16(at) : 0;
}

static uint32_t rd_u32(rd_t *r)
{
    const uint8_t *at = rd_take(r, 4);
    return at ? cnd_wire_get_u32(at) : 0;
}

/* The whole payload must be consumed exactly: trailing bytes mean the peer
 * and we disagree on the layout, which is never safe to ignore. */
static cnd_status_t rd_done(const rd_t *r)
{
    if (r->short_read)
        return CND_E_TRUNCATED;
    return r->pos == r->len ? CND_OK : CND_E_INVALID;
}

static void wr_init(wr_t *w, uint8_t *out, size_t cap)
{
    w->p = out;
    w->cap = cap;
    w->pos = 0;
    w->overflow = 0;
}

static void rd_init(rd_t *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->short_read = 0;
}

static int is_printable_ascii(uint8_t c)
{
    return c >= 0x20 && c < 0x7F;
}

/* Length-prefixed printable ASCII string into a NUL-terminated buffer. */
static cnd_status_t rd_string(rd_t *r, char *dst, size_t max)
{
    uint8_t n = rd_u8(r);
    const uint8_t *s;
    size_t i;
    if (n > max)
        return CND_E_RANGE;
    s = rd_take(r, n);
    if (s == NULL)
        return CND_E_TRUNCATED;
    for (i = 0; i < n; i++) {
        if (!is_printable_ascii(s[i]))
            return CND_E_INVALID;
        dst[i] = (char)s[i];
    }
    dst[n] = '\0';
    return CND_OK;
}

static void wr_string(wr_t *w, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        n = max;
    wr_u8(w, (uint8_t)n);
    wr_bytes(w, (const uint8_t *)s, n);
}

const char *cnd_msg_name(uint8_t type)
{
    switch (type) {
    case CND_MSG_HELLO: return "HELLO";
    case CND_MSG_GET_PACK: return "GET_PACK";
    case CND_MSG_PUSH_BEGIN: return "PUSH_BEGIN";
    case CND_MSG_PUSH_DATA: return "PUSH_DATA";
    case CND_MSG_PUSH_COMMIT: return "PUSH_COMMIT";
    case CND_MSG_PULL_BEGIN: return "PULL_BEGIN";
    case CND_MSG_PULL_DATA: return "PULL_DATA";
    case CND_MSG_ACK: return "ACK";
    case CND_MSG_DAMAGE_NEXT: return "DAMAGE_NEXT";
    case CND_MSG_DAMAGE_ACK: return "DAMAGE_ACK";
    case CND_MSG_DAMAGE: return "DAMAGE";
    case CND_MSG_OK: return "OK";
    case CND_MSG_HELLO_REPLY: return "HELLO_REPLY";
    case CND_MSG_PACK_CHUNK: return "PACK_CHUNK";
    case CND_MSG_BATCH_INFO: return "BATCH_INFO";
    case CND_MSG_BATCH_DATA: return "BATCH_DATA";
    case CND_MSG_ERROR: return "ERROR";
    default: return "unknown";
    }
}

/* ---- HELLO_REPLY ---- */

cnd_status_t cnd_msg_encode_hello(const cnd_msg_hello_t *m, uint8_t *out, size_t cap,
                                  size_t *len)
{
    wr_t w;
    uint8_t i;
    if (m->n_surveys > CND_MAX_SURVEYS) {
        *len = 0;
        return CND_E_RANGE;
    }
    wr_init(&w, out, cap);
    wr_bytes(&w, m->device_id, CND_DEVICE_ID_LEN);
    wr_string(&w, m->firmware, CND_MSG_FIRMWARE_MAX);
    wr_u8(&w, m->protocol);
    wr_u32(&w, m->bytes_used);
    wr_u32(&w, m->bytes_free);
    wr_u32(&w, m->pending);
    wr_u32(&w, m->damaged);
    wr_u8(&w, m->n_surveys);
    for (i = 0; i < m->n_surveys; i++) {
        const cnd_msg_survey_t *s = &m->surveys[i];
        wr_u32(&w, s->fingerprint);
        wr_u8(&w, s->flags);
        wr_u16(&w, s->survey_version);
        wr_u32(&w, s->pending);
        wr_string(&w, s->survey_id, CND_MAX_NAME_LEN);
    }
    return wr_done(&w, len);
}

cnd_status_t cnd_msg_decode_hello(const uint8_t *p, size_t len, cnd_msg_hello_t *m)
{
    rd_t r;
    const uint8_t *id;
    cnd_status_t st;
    uint8_t i;
    memset(m, 0, sizeof *m);
    rd_init(&r, p, len);
    id = rd_take(&r, CND_DEVICE_ID_LEN);
    if (id == NULL)
        return CND_E_TRUNCATED;
    memcpy(m->device_id, id, CND_DEVICE_ID_LEN);
    st = rd_string(&r, m->firmware, CND_MSG_FIRMWARE_MAX);
    if (st != CND_OK)
        return st;
    m->protocol = rd_u8(&r);
    m->bytes_used = rd_u32(&r);
    m->bytes_free = rd_u32(&r);
    m->pending = rd_u32(&r);
    m->damaged = rd_u32(&r);
    m->n_surveys = rd_u8(&r);
    if (r.short_read)
        return CND_E_TRUNCATED;
    if (m->n_surveys > CND_MAX_SURVEYS)
        return CND_E_RANGE;
    for (i = 0; i < m->n_surveys; i++) {
        cnd_msg_survey_t *s = &m->surveys[i];
        s->fingerprint = rd_u32(&r);
        s->flags = rd_u8(&r);
        s->survey_version = rd_u16(&r);
        s->pending = rd_u32(&r);
        if (r.short_read)
            return CND_E_TRUNCATED;
        st = rd_string(&r, s->survey_id, CND_MAX_NAME_LEN);
        if (st != CND_OK)
            return st;
    }
    return rd_done(&r);
}

/* ---- chunk messages: a fixed head, then data filling the rest ---- */

/* Places data after `head` bytes (moving it if it was produced in place)
 * and leaves the head for the caller to fill once nothing can fail. */
static cnd_status_t chunk_encode(uint8_t *out, size_t cap, size_t head, size_t max,
                                 const uint8_t *data, uint16_t n, size_t *len)
{
    wr_t w;
    *len = 0;
    if (n > max)
        return CND_E_RANGE;
    wr_init(&w, out, cap);
    wr_take(&w, head);
    wr_bytes(&w, data, n);
    return wr_done(&w, len);
}

/* Splits a payload into its head and data; the head is read by the caller. */
static cnd_status_t chunk_decode(const uint8_t *p, size_t len, size_t head, size_t max,
                                 const uint8_t **data, uint16_t *n)
{
    if (len < head)
        return CND_E_TRUNCATED;
    if (len - head > max)
        return CND_E_RANGE;
    *data = p + head;
    *n = (uint16_t)(len - head);
    return CND_OK;
}

/* GET_PACK and PUSH_BEGIN are both exactly two u32. */
static cnd_status_t pair_encode(uint32_t a, uint32_t b, uint8_t *out, size_t cap, size_t *len)
{
    wr_t w;
    wr_init(&w, out, cap);
    wr_u32(&w, a);
    wr_u32(&w, b);
    return wr_done(&w, len);
}

static cnd_status_t pair_decode(const uint8_t *p, size_t len, uint32_t *a, uint32_t *b)
{
    rd_t r;
    rd_init(&r, p, len);
    *a = rd_u32(&r);
    *b = rd_u32(&r);
    return rd_done(&r);
}

/* ---- GET_PACK / PACK_CHUNK ---- */

cnd_status_t cnd_msg_encode_get_pack(const cnd_msg_get_pack_t *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    return pair_encode(m->fingerprint, m->offset, out, cap, len);
}

cnd_status_t cnd_msg_decode_get_pack(const uint8_t *p, size_t len, cnd_msg_get_pack_t *m)
{
    return pair_decode(p, len, &m->fingerprint, &m->offset);
}

cnd_status_t cnd_msg_encode_pack_chunk(const cnd_msg_pack_chunk_t *m, uint8_t *out, size_t cap,
                                       size_t *len)
{
    cnd_status_t st = chunk_encode(out, cap, CND_MSG_PACK_CHUNK_HEAD, CND_MSG_PACK_CHUNK_MAX,
                                   m->data, m->len, len);
    if (st != CND_OK)
        return st;
    cnd_wire_put_u32(out, m->fingerprint);
    cnd_wire_put_u32(out + 4, m->offset);
    cnd_wire_put_u32(out + 8, m->total);
    return CND_OK;
}

cnd_status_t cnd_msg_decode_pack_chunk(const uint8_t *p, size_t len, cnd_msg_pack_chunk_t *m)
{
    cnd_status_t st;
    memset(m, 0, sizeof *m);
    st = chunk_decode(p, len, CND_MSG_PACK_CHUNK_HEAD, CND_MSG_PACK_CHUNK_MAX, &m->data, &m->len);
    if (st != CND_OK)
        return st;
    m->fingerprint = cnd_wire_get_u32(p);
    m->offset = cnd_wire_get_u32(p + 4);
    m->total = cnd_wire_get_u32(p + 8);
    /* A chunk must lie inside the pack it claims to be part of. */
    if (m->offset > m->total || m->len > m->total - m->offset)
        return CND_E_RANGE;
    return CND_OK;
}

/* ---- PUSH ---- */

cnd_status_t cnd_msg_encode_push_begin(const cnd_msg_push_begin_t *m, uint8_t *out, size_t cap,
                                       size_t *len)
{
    return pair_encode(m->len, m->fingerprint, out, cap, len);
}

cnd_status_t cnd_msg_decode_push_begin(const uint8_t *p, size_t len, cnd_msg_push_begin_t *m)
{
    return pair_decode(p, len, &m->len, &m->fingerprint);
}

cnd_status_t cnd_msg_encode_push_data(const cnd_msg_push_data_t *m, uint8_t *out, size_t cap,
                                      size_t *len)
{
    cnd_status_t st = chunk_encode(out, cap, CND_MSG_PUSH_DATA_HEAD, CND_MSG_PUSH_DATA_MAX,
                                   m->data, m->len, len);
    if (st != CND_OK)
        return st;
    cnd_wire_put_u32(out, m->offset);
    return CND_OK;
}

cnd_status_t cnd_msg_decode_push_data(const uint8_t *p, size_t len, cnd_msg_push_data_t *m)
{
    cnd_status_t st;
    memset(m, 0, sizeof *m);
    st = chunk_decode(p, len, CND_MSG_PUSH_DATA_HEAD, CND_MSG_PUSH_DATA_MAX, &m->data, &m->len);
    if (st != CND_OK)
        return st;
    m->offset = cnd_wire_get_u32(p);
    return CND_OK;
}

/* ---- PULL ---- */

cnd_status_t cnd_msg_encode_batch_info(const cnd_msg_batch_info_t *m, uint8_t *out, size_t cap,
                                       size_t *len)
{
    wr_t w;
    wr_init(&w, out, cap);
    wr_u32(&w, m->fingerprint);
    wr_u32(&w, m->first_seq);
    wr_u32(&w, m->last_seq);
    wr_u16(&w, m->count);
    wr_u32(&w, m->ulen);
    wr_u32(&w, m->ucrc);
    return wr_done(&w, len);
}

cnd_status_t cnd_msg_decode_batch_info(const uint8_t *p, size_t len, cnd_msg_batch_info_t *m)
{
    rd_t r;
    cnd_status_t st;
    rd_init(&r, p, len);
    m->fingerprint = rd_u32(&r);
    m->first_seq = rd_u32(&r);
    m->last_seq = rd_u32(&r);
    m->count = rd_u16(&r);
    m->ulen = rd_u32(&r);
    m->ucrc = rd_u32(&r);
    st = rd_done(&r);
    if (st != CND_OK)
        return st;
    if (m->count > CND_BATCH_MAX_RESPONSES)
        return CND_E_RANGE;
    /* A batch covers count consecutive pending records: last >= first, and
     * the range holds at least count of them (acked holes may sit between). */
    if (m->count > 0 && (m->last_seq < m->first_seq || m->last_seq - m->first_seq + 1 < m->count))
        return CND_E_RANGE;
    return CND_OK;
}

cnd_status_t cnd_msg_encode_batch_data(const cnd_msg_batch_data_t *m, uint8_t *out, size_t cap,
                                       size_t *len)
{
    cnd_status_t st = chunk_encode(out, cap, CND_MSG_BATCH_DATA_HEAD, CND_MSG_BATCH_DATA_MAX,
                                   m->data, m->len, len);
    if (st != CND_OK)
        return st;
    cnd_wire_put_u32(out, m->offset);
    out[4] = m->flags;
    return CND_OK;
}

cnd_status_t cnd_msg_decode_batch_data(const uint8_t *p, size_t len, cnd_msg_batch_data_t *m)
{
    cnd_status_t st;
    memset(m, 0, sizeof *m);
    st = chunk_decode(p, len, CND_MSG_BATCH_DATA_HEAD, CND_MSG_BATCH_DATA_MAX, &m->data, &m->len);
    if (st != CND_OK)
        return st;
    m->offset = cnd_wire_get_u32(p);
    m->flags = p[4];
    if (m->flags & (uint8_t)~CND_MSG_BATCH_LAST)
        return CND_E_INVALID;
    return CND_OK;
}

/* ---- ACK, ERROR, empty ---- */

cnd_status_t cnd_msg_encode_ack(uint32_t upto, uint8_t *out, size_t cap, size_t *len)
{
    wr_t w;
    wr_init(&w, out, cap);
    wr_u32(&w, upto);
    return wr_done(&w, len);
}

cnd_status_t cnd_msg_decode_ack(const uint8_t *p, size_t len, uint32_t *upto)
{
    rd_t r;
    rd_init(&r, p, len);
    *upto = rd_u32(&r);
    return rd_done(&r);
}

cnd_status_t cnd_msg_encode_u32_pair(uint32_t a, uint32_t b, uint8_t *out, size_t cap,
                                     size_t *len)
{
    return pair_encode(a, b, out, cap, len);
}

cnd_status_t cnd_msg_decode_u32_pair(const uint8_t *p, size_t len, uint32_t *a, uint32_t *b)
{
    return pair_decode(p, len, a, b);
}

cnd_status_t cnd_msg_encode_damage(const cnd_msg_damage_t *m, uint8_t *out, size_t cap,
                                   size_t *len)
{
    cnd_status_t st = chunk_encode(out, cap, CND_MSG_DAMAGE_HEAD, CND_MSG_DAMAGE_MAX, m->data,
                                   m->n, len);
    if (st != CND_OK)
        return st;
    cnd_wire_put_u32(out, m->next);
    cnd_wire_put_u32(out + 4, m->segment);
    cnd_wire_put_u32(out + 8, m->offset);
    cnd_wire_put_u32(out + 12, m->len);
    cnd_wire_put_u32(out + 16, m->piece);
    out[20] = m->id_state;
    memcpy(out + 21, m->id, CND_RESPONSE_ID_LEN);
    return CND_OK;
}

cnd_status_t cnd_msg_decode_damage(const uint8_t *p, size_t len, cnd_msg_damage_t *m)
{
    cnd_status_t st;
    memset(m, 0, sizeof *m);
    st = chunk_decode(p, len, CND_MSG_DAMAGE_HEAD, CND_MSG_DAMAGE_MAX, &m->data, &m->n);
    if (st != CND_OK)
        return st;
    m->next = cnd_wire_get_u32(p);
    m->segment = cnd_wire_get_u32(p + 4);
    m->offset = cnd_wire_get_u32(p + 8);
    m->len = cnd_wire_get_u32(p + 12);
    m->piece = cnd_wire_get_u32(p + 16);
    m->id_state = p[20];
    memcpy(m->id, p + 21, CND_RESPONSE_ID_LEN);
    if (m->id_state > 2)
        return CND_E_INVALID;
    if (m->len == 0) {
        /* the end: nothing else may be set */
        static const uint8_t zero[CND_MSG_DAMAGE_HEAD] = {0};
        return m->n == 0 && memcmp(p, zero, CND_MSG_DAMAGE_HEAD) == 0 ? CND_OK : CND_E_INVALID;
    }
    /* a piece lies inside its region, and moves something unless it ends it */
    if (m->piece > m->len || m->n > m->len - m->piece || (m->n == 0 && m->piece != m->len))
        return CND_E_RANGE;
    return CND_OK;
}

cnd_status_t cnd_msg_encode_error(cnd_status_t status, const char *text, uint8_t *out,
                                  size_t cap, size_t *len)
{
    wr_t w;
    uint8_t *dst;
    size_t n = text ? strlen(text) : 0;
    size_t i;
    if (n > CND_MSG_ERROR_TEXT_MAX)
        n = CND_MSG_ERROR_TEXT_MAX;
    wr_init(&w, out, cap);
    wr_u8(&w, (uint8_t)status);
    wr_u8(&w, (uint8_t)n);
    dst = wr_take(&w, n);
    for (i = 0; dst != NULL && i < n; i++)
        dst[i] = is_printable_ascii((uint8_t)text[i]) ? (uint8_t)text[i] : (uint8_t)'?';
    return wr_done(&w, len);
}

cnd_status_t cnd_msg_decode_error(const uint8_t *p, size_t len, cnd_msg_error_t *m)
{
    rd_t r;
    cnd_status_t st;
    memset(m, 0, sizeof *m);
    rd_init(&r, p, len);
    m->status = rd_u8(&r);
    st = rd_string(&r, m->text, CND_MSG_ERROR_TEXT_MAX);
    if (st != CND_OK)
        return st;
    return rd_done(&r);
}

cnd_status_t cnd_msg_decode_empty(const uint8_t *p, size_t len)
{
    (void)p;
    return len == 0 ? CND_OK : CND_E_INVALID;
}
