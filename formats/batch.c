/* batch.c: see batch.h; formats/SPEC.md section 7. */
#include "batch.h"

#include <string.h>

#include "frame.h"

enum { PH_START, PH_HEADER, PH_FIXED, PH_CT, PH_DONE };

static void row_fixed(uint8_t *b, const cnd_sealed_t *s)
{
    cnd_wire_put_u32(b, s->seq);
    memcpy(b + 4, s->id, CND_RESPONSE_ID_LEN);
    cnd_wire_put_u32(b + 4 + CND_RESPONSE_ID_LEN, s->ctr);
    cnd_epoch_encode(b + 8 + CND_RESPONSE_ID_LEN, &s->epoch);
    cnd_wire_put_u16(b + CND_BATCH_ROW_FIXED - 2, s->ct_len);
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

/* Pulls the next response and lays out its row's fixed part. */
static cnd_status_t next_row(cnd_batch_encoder_t *enc)
{
    cnd_status_t st = enc->get(enc->ctx, enc->index, &enc->cur);
    if (st != CND_OK)
        return st;
    if (enc->cur.ct_len <= CND_SEAL_TAG_LEN || enc->cur.ct_len > CND_SEALED_CT_MAX)
        return CND_E_INVALID;
    if (enc->index == 0)
        enc->pack_fp = enc->cur.pack_fp;
    else if (enc->cur.pack_fp != enc->pack_fp)
        return CND_E_INVALID; /* one pack per batch */
    enc->index++;
    row_fixed(enc->fixed, &enc->cur);
    return CND_OK;
}

static void start_unit(cnd_batch_encoder_t *enc, uint8_t phase, const uint8_t *p, uint16_t len)
{
    enc->phase = phase;
    enc->unit = p;
    enc->unit_len = len;
    enc->unit_pos = 0;
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
        enc->hdr[0] = CND_BATCH_VERSION;
        cnd_wire_put_u16(enc->hdr + 1, enc->n);
        cnd_wire_put_u32(enc->hdr + 3, enc->pack_fp);
        start_unit(enc, PH_HEADER, enc->hdr, CND_BATCH_HEADER_LEN);
    }
    while (done < cap && enc->phase != PH_DONE) {
        size_t k = (size_t)(enc->unit_len - enc->unit_pos);
        if (k > cap - done)
            k = cap - done;
        memcpy(out + done, enc->unit + enc->unit_pos, k);
        done += k;
        enc->unit_pos = (uint16_t)(enc->unit_pos + k);
        if (enc->unit_pos < enc->unit_len)
            continue;
        if (enc->phase == PH_HEADER) {
            start_unit(enc, PH_FIXED, enc->fixed, CND_BATCH_ROW_FIXED);
        } else if (enc->phase == PH_FIXED) {
            start_unit(enc, PH_CT, enc->cur.ct, enc->cur.ct_len);
        } else if (enc->index == enc->n) {
            enc->phase = PH_DONE;
        } else {
            st = next_row(enc);
            if (st != CND_OK) {
                enc->error = st; /* reported now; the bytes made so far are dropped */
                return st;
            }
            start_unit(enc, PH_FIXED, enc->fixed, CND_BATCH_ROW_FIXED);
        }
    }
    *produced = done;
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
        const uint8_t *b = buf + pos;
        memset(s, 0, sizeof(*s));
        if (len - pos < CND_BATCH_ROW_FIXED)
            return CND_E_TRUNCATED;
        s->seq = cnd_wire_get_u32(b);
        memcpy(s->id, b + 4, CND_RESPONSE_ID_LEN);
        s->ctr = cnd_wire_get_u32(b + 4 + CND_RESPONSE_ID_LEN);
        (void)cnd_epoch_decode(b + 8 + CND_RESPONSE_ID_LEN, CND_EPOCH_BODY_LEN, &s->epoch);
        s->ct_len = cnd_wire_get_u16(b + CND_BATCH_ROW_FIXED - 2);
        s->pack_fp = fp;
        pos += CND_BATCH_ROW_FIXED;
        if (s->ct_len <= CND_SEAL_TAG_LEN || s->ct_len > CND_SEALED_CT_MAX)
            return CND_E_RANGE;
        if (len - pos < s->ct_len)
            return CND_E_TRUNCATED;
        memcpy(s->ct, buf + pos, s->ct_len);
        pos += s->ct_len;
    }
    if (pos != len)
        return CND_E_INVALID;
    *n = count;
    return CND_OK;
}
