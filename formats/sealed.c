/* sealed.c: see sealed.h; formats/SPEC.md section 3. */
#include "sealed.h"

#include <string.h>

#include "frame.h"

void cnd_sealed_header_encode(uint8_t out[CND_SEALED_HEADER_LEN], const uint8_t id[CND_RESPONSE_ID_LEN],
                              uint32_t pack_fp, uint32_t ctr, uint16_t epoch_off)
{
    out[0] = CND_SEALED_VERSION;
    memcpy(out + 1, id, CND_RESPONSE_ID_LEN);
    cnd_wire_put_u32(out + 9, pack_fp);
    cnd_wire_put_u32(out + 13, ctr);
    cnd_wire_put_u16(out + 17, epoch_off);
}

cnd_status_t cnd_sealed_body_decode(const uint8_t *body, size_t len, cnd_sealed_t *out,
                                    uint16_t *epoch_off)
{
    size_t ct;
    memset(out, 0, sizeof(*out));
    if (len < 1)
        return CND_E_TRUNCATED;
    if (body[0] != CND_SEALED_VERSION)
        return CND_E_VERSION;
    if (len < CND_SEALED_HEADER_LEN + CND_SEAL_TAG_LEN + 1)
        return CND_E_TRUNCATED;
    ct = len - CND_SEALED_HEADER_LEN;
    if (ct > CND_SEALED_CT_MAX)
        return CND_E_RANGE;
    memcpy(out->id, body + 1, CND_RESPONSE_ID_LEN);
    out->pack_fp = cnd_wire_get_u32(body + 9);
    out->ctr = cnd_wire_get_u32(body + 13);
    *epoch_off = cnd_wire_get_u16(body + 17);
    out->ct_len = (uint16_t)ct;
    memcpy(out->ct, body + CND_SEALED_HEADER_LEN, ct);
    return CND_OK;
}

void cnd_epoch_encode(uint8_t out[CND_EPOCH_BODY_LEN], const cnd_epoch_t *e)
{
    memcpy(out, e->epoch_pub, CND_X25519_LEN);
    memcpy(out + CND_X25519_LEN, e->office_pub, CND_X25519_LEN);
    memcpy(out + 2 * CND_X25519_LEN, e->box, CND_DEVICE_BOX_LEN);
}

cnd_status_t cnd_epoch_decode(const uint8_t *body, size_t len, cnd_epoch_t *e)
{
    memset(e, 0, sizeof(*e));
    if (len != CND_EPOCH_BODY_LEN)
        return len < CND_EPOCH_BODY_LEN ? CND_E_TRUNCATED : CND_E_INVALID;
    memcpy(e->epoch_pub, body, CND_X25519_LEN);
    memcpy(e->office_pub, body + CND_X25519_LEN, CND_X25519_LEN);
    memcpy(e->box, body + 2 * CND_X25519_LEN, CND_DEVICE_BOX_LEN);
    return CND_OK;
}

uint32_t cnd_sealed_ad(uint8_t *out, const uint8_t id[CND_RESPONSE_ID_LEN], uint32_t pack_fp,
                       uint32_t seq, uint32_t ctr, uint16_t survey_version,
                       const uint8_t *survey_id, uint8_t survey_id_len)
{
    uint32_t n = 0;
    if (survey_id_len > CND_MAX_NAME_LEN)
        survey_id_len = CND_MAX_NAME_LEN; /* pack_open never lets a longer one through */
    out[n++] = CND_SEALED_VERSION;
    memcpy(out + n, id, CND_RESPONSE_ID_LEN);
    n += CND_RESPONSE_ID_LEN;
    cnd_wire_put_u32(out + n, pack_fp);
    n += 4;
    cnd_wire_put_u32(out + n, seq);
    n += 4;
    cnd_wire_put_u32(out + n, ctr);
    n += 4;
    cnd_wire_put_u16(out + n, survey_version);
    n += 2;
    out[n++] = survey_id_len;
    memcpy(out + n, survey_id, survey_id_len);
    return n + survey_id_len;
}

cnd_status_t cnd_sealed_join(const cnd_sealed_t *s, const cnd_pack_t *pk, const uint8_t *pt,
                             size_t len, cnd_response_t *out)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    if (len > CND_SEALED_PT_MAX) {
        memset(out, 0, sizeof(*out));
        return CND_E_RANGE;
    }
    body[0] = CND_RECORD_VERSION;
    memcpy(body + 1, s->id, CND_RESPONSE_ID_LEN);
    cnd_wire_put_u32(body + 1 + CND_RESPONSE_ID_LEN, s->pack_fp);
    memcpy(body + CND_SEALED_CLEAR_OF_RECORD, pt, len);
    return cnd_record_decode(body, CND_SEALED_CLEAR_OF_RECORD + len, pk, out);
}
