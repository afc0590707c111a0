/*
 * sealed.h: the bytes of a sealed response and of an epoch, as the device
 * writes them to flash and as they travel to and rest in the office's store
 * (formats/SPEC.md sections 3 "Sealed responses" and 4.2 entry types).
 *
 * Owns:
 * - cnd_sealed_t, a sealed response with everything needed to open it
 *   later: its clear header (random id, pack fingerprint, chain index), its
 *   epoch (ephemeral public key, the office key it was sealed to, the
 *   sealed device-id box), the log sequence number, and the ciphertext;
 * - the clear-header codec of a RESPONSE log entry body (version 3) and of
 *   an EPOCH entry body;
 * - the associated data that binds a ciphertext to its survey, version,
 *   sequence number, id and chain index (cnd_sealed_ad);
 * - how a response record body (section 3.1, the plaintext) is split into
 *   the clear part and the part that is encrypted, and joined back.
 *
 * Never: encrypts or decrypts (seal.h does), allocates, or trusts a length
 * before checking it. RAM: none; a cnd_sealed_t is 396 bytes.
 */
#ifndef CND_SEALED_H
#define CND_SEALED_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "record.h"
#include "seal.h"

/* 3 since record body version 2 (issue 7): the record version is never
 * stored (cnd_sealed_join rebuilds it), so this byte is what names the
 * plaintext layout; a version-2 record opened by this code would be read
 * as garbage, so it is refused instead (CND_E_VERSION). */
#define CND_SEALED_VERSION 3
/* Record body bytes that stay in clear (version, id, pack_fp): the rest,
 * from the day on, is the plaintext that gets sealed. */
#define CND_SEALED_CLEAR_OF_RECORD CND_RECORD_HEAD_LEN
#define CND_SEALED_PT_MAX (CND_RECORD_BODY_MAX - CND_SEALED_CLEAR_OF_RECORD)
#define CND_SEALED_CT_MAX (CND_SEALED_PT_MAX + CND_SEAL_TAG_LEN)
/* RESPONSE entry body: version u8, id, pack_fp u32, ctr u32, epoch_off u16. */
#define CND_SEALED_HEADER_LEN (1 + CND_RESPONSE_ID_LEN + 4 + 4 + 2)
#define CND_SEALED_BODY_MAX (CND_SEALED_HEADER_LEN + CND_SEALED_CT_MAX)
#define CND_DEVICE_BOX_LEN (CND_DEVICE_ID_LEN + CND_SEAL_TAG_LEN)
/* EPOCH entry body: epoch public key, office public key, device-id box. */
#define CND_EPOCH_BODY_LEN (2 * CND_X25519_LEN + CND_DEVICE_BOX_LEN)
/* Associated data: version, id, pack_fp, seq, ctr, survey version, id length, id. */
#define CND_SEALED_AD_MAX (1 + CND_RESPONSE_ID_LEN + 4 + 4 + 4 + 2 + 1 + CND_MAX_NAME_LEN)

typedef struct {
    uint8_t epoch_pub[CND_X25519_LEN];
    uint8_t office_pub[CND_X25519_LEN];
    uint8_t box[CND_DEVICE_BOX_LEN];
} cnd_epoch_t;

typedef struct {
    uint8_t id[CND_RESPONSE_ID_LEN];
    uint32_t pack_fp;
    uint32_t seq; /* log sequence number: part of the associated data */
    uint32_t ctr; /* index of the record key in its epoch's chain */
    cnd_epoch_t epoch;
    uint16_t ct_len; /* ciphertext + tag, CND_SEAL_TAG_LEN+1 .. CND_SEALED_CT_MAX */
    uint8_t ct[CND_SEALED_CT_MAX];
} cnd_sealed_t;

/* RESPONSE entry body <-> clear header. decode checks the version
 * (CND_E_VERSION), lengths (CND_E_TRUNCATED / CND_E_RANGE) and copies the
 * ciphertext into out; epoch_off is where its EPOCH entry starts in the same
 * flash block. */
void cnd_sealed_header_encode(uint8_t out[CND_SEALED_HEADER_LEN], const uint8_t id[CND_RESPONSE_ID_LEN],
                              uint32_t pack_fp, uint32_t ctr, uint16_t epoch_off);
cnd_status_t cnd_sealed_body_decode(const uint8_t *body, size_t len, cnd_sealed_t *out,
                                    uint16_t *epoch_off);

void cnd_epoch_encode(uint8_t out[CND_EPOCH_BODY_LEN], const cnd_epoch_t *e);
cnd_status_t cnd_epoch_decode(const uint8_t *body, size_t len, cnd_epoch_t *e);

/* Writes the associated data of a sealed response into out
 * (CND_SEALED_AD_MAX bytes suffice); returns its length. */
uint32_t cnd_sealed_ad(uint8_t *out, const uint8_t id[CND_RESPONSE_ID_LEN], uint32_t pack_fp,
                       uint32_t seq, uint32_t ctr, uint16_t survey_version,
                       const uint8_t *survey_id, uint8_t survey_id_len);

/* Rebuilds the response from its opened plaintext pt[0..len): the clear
 * fields come from s. Then decodes it with pk, the pack s names, as
 * cnd_record_decode does (CND_E_NOT_FOUND if pk is another pack). */
cnd_status_t cnd_sealed_join(const cnd_sealed_t *s, const cnd_pack_t *pk, const uint8_t *pt,
                             size_t len, cnd_response_t *out);

#endif
