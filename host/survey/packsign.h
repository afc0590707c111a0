/*
 * packsign.h: signing a survey pack with the office's key (formats/SPEC.md
 * section 1.9). Host only: the device only verifies (formats/packsig.h).
 *
 * Owns: writing a pack's signature block (the office public block the pack
 * names, the signer's P-256 public key, and a deterministic ECDSA P-256
 * signature, RFC 6979, over SHA-256 of every byte before the signature,
 * with Mbed TLS) and the CRC-32 trailer after it. Deterministic signing
 * keeps the compiler's promise that the same source and key always give
 * the same pack bytes.
 * Never: writes the private scalar anywhere but Mbed TLS's bignums (freed,
 * and zeroed by Mbed TLS, before returning); produces a pack whose
 * signature does not verify (it checks its own work).
 * RAM: host only; Mbed TLS's heap during one signature (a few KB).
 */
#ifndef CND_PACKSIGN_H
#define CND_PACKSIGN_H

#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"
#include "officekey.h"
#include "pack.h"

#define CND_P256_SECRET_LEN 32 /* big-endian private scalar */

/*
 * pack[0..body_len) holds a version 2 pack's header through its string
 * section. Sets the header's total_len, appends the signature block naming
 * office_pub (CND_OFFICE_PUB_LEN bytes: the keys responses will be sealed to
 * and whose P-256 key must sign the next pack) signed with signer_secret,
 * and the CRC trailer; *out_len = body_len + CND_PACK_SIG_TAIL.
 * CND_E_NOSPACE when cap (or CND_MAX_PACK_SIZE) is too small, CND_E_INVALID
 * for a malformed office block or a scalar that is no P-256 private key.
 */
cnd_status_t cnd_pack_sign(uint8_t *pack, uint32_t body_len, uint32_t cap,
                           const uint8_t *office_pub, const uint8_t *signer_secret,
                           uint32_t *out_len, cnd_err_t *err);

/* Signs a finished pack pack[0..len) again, in place: new office block and
 * signer, same survey (key rotation: the old key signs a pack that names the
 * new office; tests: a pack signed by another key). The fingerprint changes. */
cnd_status_t cnd_pack_resign(uint8_t *pack, uint32_t len, const uint8_t *office_pub,
                             const uint8_t *signer_secret, cnd_err_t *err);

/* cnd_pack_resign() with the signer's office key (officekey.h). */
cnd_status_t cnd_pack_resign_key(uint8_t *pack, uint32_t len, const uint8_t *office_pub,
                                 const cnd_office_key_t *signer, cnd_err_t *err);

/* The uncompressed P-256 public key (65 bytes) of a private scalar. */
cnd_status_t cnd_p256_public_of(const uint8_t *secret, uint8_t *pub65, cnd_err_t *err);

#endif
