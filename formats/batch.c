/* batch.c: see batch.h; formats/SPEC.md section 7. */
#include "batch.h"

#include <string.h>
#include <zlib.h> /* crc32, crc32_combine */

#include "frame.h"

enum { PH_START, PH_HEADER, PH_HEAD, PH_CT, PH_DONE };

/* What a row may leave out is what the previous row implies: the same
 * epoch, the next sequence number, the next chain index (0 in a new epoch).
 * prev_seq == UINT32_MAX implies nothing (the next seq would wrap). */
static int seq_implied(int first, uint32_t prev_seq, uint32_t seq)
{
    return !first && prev_seq != UINT32_MAX && seq == prev_seq + 1u;
}

static uint32_t ctr_implied(int new_epoch, uint32_t prev_ctr)
{
    return new_epoch ? 0u : prev_ctr + 1u;
}

/* Lays out the head of the row for s into enc->head; returns its length. */
static uint16_t row_head(cnd_batch_encoder_t *enc, const cnd_sealed_t *s, int first)
{
    uint8_t *b = enc->head;
    size_t n = 1;
    uint8_t flags = 0;
    int new_epoch = first || memcmp(&s->epoch, &enc->prev_epoch, sizeof s->epoch) != 0;
    if (new_epoch) {
        flags |= CND_BATCH_ROW_EPOCH;
        cnd_epoch_encode(b + n, &s->epoch);
        n += CND_EPOCH_BODY_LEN;
    }
    if (!seq_implied(first, enc->prev_seq, s->seq)) {
        flags |= CND_BATCH_ROW_SEQ;
        n += cnd_varint_put(b + n, s->seq);
    }
    if (s->ctr != ctr_implied(new_epoch, enc->prev_ctr)) {
        flags |= CND_BATCH_ROW_CTR;
        n += cnd_varint_put(b + n, s->ctr);
    }
    memcpy(b + n, s->id, CND_RESPONSE_ID_LEN);
    n += CND_RESPONSE_ID_LEN;
    n += cnd_varint_put(b + n, s->ct_len);
    b[0] = flags;
    enc->prev_epoch = s->epoch;
    enc->prev_seq = s->seq;
    enc->prev_ctr = s->ctr;
    return (uint16_t)n;
}

cnd_status_t cnd_batch_encoder_init(cnd_batch_encoder_t *enc, uint16_t n, cnd_batch_get_fn get,
                                    void *ctx)
{
    memset(enc, 0, sizeof(*enc));
    if (n == 0 || n > CND_BATCH_MAX_RESPONSES || get == NULL)
        return CND_E_INVALID;
    enc->get = get;
    enc->ctx = ctx;
    enc->n = n;
    enc->phase = PH_START;
    return CND_OK;
}

static void start_unit(cnd_batch_encoder_t *enc, uint8_t phase, const uint8_t *p, uint16_t len)
{
    enc->phase = phase;
    enc->unit = p;
    enc->unit_len = len;
    enc->unit_pos = 0;
}

/* Checks that s may be row enc->index of this batch and lays out its head. */
static cnd_status_t accept_row(cnd_batch_encoder_t *enc, const cnd_sealed_t *s, uint16_t *head_len)
{
    int first = enc->index == 0;
    if (s->ct_len <= CND_SEAL_TAG_LEN || s->ct_len > CND_SEALED_CT_MAX ||
        s->ctr >= CND_SEAL_MAX_CTR)
        return CND_E_INVALID;
    if (first)
        enc->pack_fp = s->pack_fp;
    else if (s->pack_fp != enc->pack_fp)
        return CND_E_INVALID; /* one pack per batch */
    enc->index++;
    *head_len = row_head(enc, s, first);
    return CND_OK;
}

/* Pulls the next response and lays out its row head as the next unit. */
static cnd_status_t next_row(cnd_batch_encoder_t *enc)
{
    uint16_t hl = 0;
    cnd_status_t st = enc->get(enc->ctx, enc->index, &enc->cur);
    if (st == CND_OK)
        st = accept_row(enc, &enc->cur, &hl);
    if (st == CND_OK)
        start_unit(enc, PH_HEAD, enc->head, hl);
    return st;
}

static void put_header(cnd_batch_encoder_t *enc, uint16_t n)
{
    enc->hdr[0] = CND_BATCH_VERSION;
    cnd_wire_put_u16(enc->hdr + 1, n);
    cnd_wire_put_u32(enc->hdr + 3, enc->pack_fp);
}

void cnd_batch_measure_init(cnd_batch_encoder_t *enc)
{
    memset(enc, 0, sizeof(*enc));
    enc->rows_crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

cnd_status_t cnd_batch_measure_add(cnd_batch_encoder_t *enc, const cnd_sealed_t *s)
{
    uint16_t hl = 0;
    cnd_status_t st;
    if (enc->index >= CND_BATCH_MAX_RESPONSES)
        return CND_E_RANGE;
    st = accept_row(enc, s, &hl);
    if (st != CND_OK)
        return st;
    enc->rows_crc = (uint32_t)crc32(enc->rows_crc, enc->head, hl);
    enc->rows_crc = (uint32_t)crc32(enc->rows_crc, s->ct, s->ct_len);
    enc->rows_len += (uint32_t)hl + s->ct_len;
    return CND_OK;
}

cnd_status_t cnd_batch_measure_end(cnd_batch_encoder_t *enc, uint32_t *len, uint32_t *crc)
{
    uint32_t hcrc;
    if (enc->index == 0)
        return CND_E_INVALID;
    put_header(enc, enc->index);
    /* CRC(header || rows) from the two parts: the rows were measured
     * before their count, which the header holds, was known. */
    hcrc = (uint32_t)crc32(0L, enc->hdr, CND_BATCH_HEADER_LEN);
    *crc = (uint32_t)crc32_combine(hcrc, enc->rows_crc, (z_off_t)enc->rows_len);
    *len = CND_BATCH_HEADER_LEN + enc->rows_len;
    return CND_OK;
}

cnd_status_t cnd_batch_encoder_read(cnd_batch_encoder_t *enc, uint8_t *out, size_t cap,
                                    size_t *produced)
{
    size_t done = 0;
    cnd_status_t st = CND_OK;
    *produced = 0;
    if (enc->error != CND_OK)
        return enc->error;
    if (enc->phase == PH_START) {
        /* The header names the pack of response 0: pull it first. */
        st = next_row(enc);
        if (st != CND_OK)
            return enc->error = st;
        put_header(enc, enc->n);
        enc->phase = PH_HEADER;
    }
    while (done < cap && enc->phase != PH_DONE) {
        size_t k;
        if (enc->phase == PH_HEADER) {
            /* The header goes out whole before the first row's head. */
            k = CND_BATCH_HEADER_LEN - enc->unit_pos;
            if (k > cap - done)
                k = cap - done;
            memcpy(out + done, enc->hdr + enc->unit_pos, k);
            done += k;
            enc->unit_pos = (uint16_t)(enc->unit_pos + k);
            if (enc->unit_pos == CND_BATCH_HEADER_LEN) {
                enc->unit_pos = 0; /* row 0's head, laid out by next_row() */
                enc->phase = PH_HEAD;
            }
            continue;
        }
        k = (size_t)(enc->unit_len - enc->unit_pos);
        if (k > cap - done)
            k = cap - done;
        memcpy(out + done, enc->unit + enc->unit_pos, k);
        done += k;
        enc->unit_pos = (uint16_t)(enc->unit_pos + k);
        if (enc->unit_pos < enc->unit_len)
            continue;
        if (enc->phase == PH_HEAD) {
            start_unit(enc, PH_CT, enc->cur.ct, enc->cur.ct_len);
        } else if (enc->index == enc->n) {
            enc->phase = PH_DONE;
        } else {
            st = next_row(enc);
            if (st != CND_OK) {
                enc->error = st; /* reported now; the bytes made so far are dropped */
                return st;
            }
        }
    }
    *produced = done;
    return CND_OK;
}

/* Reads a canonical varint and requires it to fit `max` (inclusive). */
static cnd_status_t get_varint_max(const uint8_t *buf, size_t len, size_t *pos, uint32_t max,
                                   uint32_t *v)
{
    cnd_status_t st = cnd_varint_get(buf, len, pos, v);
    if (st == CND_OK && *v > max)
        st = CND_E_RANGE;
    return st;
}

/* Decodes one row at buf[*pos..len) into s; prev is the row before (NULL
 * for the first). Every omission must be what the rules imply and every
 * explicit field must differ from it: one encoding per batch. */
static cnd_status_t decode_row(const uint8_t *buf, size_t len, size_t *pos, const cnd_sealed_t *prev,
                               cnd_sealed_t *s)
{
    uint8_t flags;
    uint32_t v;
    int new_epoch;
    cnd_status_t st;
    if (*pos >= len)
        return CND_E_TRUNCATED;
    flags = buf[(*pos)++];
    if (flags & ~(CND_BATCH_ROW_EPOCH | CND_BATCH_ROW_SEQ | CND_BATCH_ROW_CTR))
        return CND_E_INVALID;
    if (prev == NULL && (flags & (CND_BATCH_ROW_EPOCH | CND_BATCH_ROW_SEQ)) !=
                            (CND_BATCH_ROW_EPOCH | CND_BATCH_ROW_SEQ))
        return CND_E_INVALID; /* the first row names its epoch and seq */
    new_epoch = (flags & CND_BATCH_ROW_EPOCH) != 0;
    if (new_epoch) {
        if (len - *pos < CND_EPOCH_BODY_LEN)
            return CND_E_TRUNCATED;
        (void)cnd_epoch_decode(buf + *pos, CND_EPOCH_BODY_LEN, &s->epoch);
        *pos += CND_EPOCH_BODY_LEN;
        if (prev != NULL && memcmp(&s->epoch, &prev->epoch, sizeof s->epoch) == 0)
            return CND_E_INVALID; /* the same epoch again: it should have been left out */
    } else {
        s->epoch = prev->epoch;
    }
    if (flags & CND_BATCH_ROW_SEQ) {
        st = cnd_varint_get(buf, len, pos, &s->seq);
        if (st != CND_OK)
            return st;
        if (prev != NULL && seq_implied(0, prev->seq, s->seq))
            return CND_E_INVALID;
    } else {
        if (prev->seq == UINT32_MAX)
            return CND_E_RANGE;
        s->seq = prev->seq + 1u;
    }
    v = ctr_implied(new_epoch, prev != NULL ? prev->ctr : 0u);
    if (flags & CND_BATCH_ROW_CTR) {
        uint32_t implied = v;
        st = get_varint_max(buf, len, pos, CND_SEAL_MAX_CTR - 1u, &v);
        if (st != CND_OK)
            return st;
        if (v == implied)
            return CND_E_INVALID;
    } else if (v >= CND_SEAL_MAX_CTR) {
        return CND_E_RANGE;
    }
    s->ctr = v;
    if (len - *pos < CND_RESPONSE_ID_LEN)
        return CND_E_TRUNCATED;
    memcpy(s->id, buf + *pos, CND_RESPONSE_ID_LEN);
    *pos += CND_RESPONSE_ID_LEN;
    st = get_varint_max(buf, len, pos, CND_SEALED_CT_MAX, &v);
    if (st != CND_OK)
        return st;
    if (v <= CND_SEAL_TAG_LEN)
        return CND_E_RANGE;
    s->ct_len = (uint16_t)v;
    if (len - *pos < s->ct_len)
        return CND_E_TRUNCATED;
    memcpy(s->ct, buf + *pos, s->ct_len);
    *pos += s->ct_len;
    return CND_OK;
}

cnd_status_t cnd_batch_decode(const uint8_t *buf, size_t len, cnd_sealed_t *out, uint16_t cap,
                              uint16_t *n)
{
    size_t pos = CND_BATCH_HEADER_LEN;
    uint16_t count, i;
    uint32_t fp;
    *n = 0;
    if (len < 1)
        return CND_E_TRUNCATED;
    if (buf[0] != CND_BATCH_VERSION)
        return CND_E_VERSION;
    if (len < CND_BATCH_HEADER_LEN)
        return CND_E_TRUNCATED;
    count = cnd_wire_get_u16(buf + 1);
    fp = cnd_wire_get_u32(buf + 3);
    if (count == 0 || count > CND_BATCH_MAX_RESPONSES)
        return CND_E_RANGE;
    if (count > cap)
        return CND_E_NOSPACE;
    for (i = 0; i < count; i++) {
        cnd_sealed_t *s = &out[i];
        cnd_status_t st;
        memset(s, 0, sizeof(*s));
        st = decode_row(buf, len, &pos, i > 0 ? &out[i - 1] : NULL, s);
        if (st != CND_OK)
            return st;
        s->pack_fp = fp;
    }
    if (pos != len)
        return CND_E_INVALID;
    *n = count;
    return CND_OK;
}
