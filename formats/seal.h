/*
 * seal.h: sealing finished responses to the office's key, and opening them.
 *
 * Owns: the cryptographic construction of formats/SPEC.md section "Sealed
 * responses" (the primitives are Mbed TLS's; nothing here is home-made
 * cryptography, only the way standard parts are put together):
 * - an EPOCH starts with a fresh ephemeral X25519 key pair (RFC 7748). Its
 *   shared secret with the office's X25519 public key goes through
 *   HKDF-SHA256 (RFC 5869) into a chain key; the ephemeral private key is
 *   wiped at once, so from then on only the office can recompute the chain;
 * - record i of the epoch is sealed with ChaCha20-Poly1305 (RFC 8439) under
 *   K_i = HKDF-Expand(chain_i, "record"); then chain_{i+1} =
 *   HKDF-Expand(chain_i, "chain") replaces chain_i, which is wiped. This is
 *   a one-way KDF chain (the symmetric ratchet of the Signal protocol): the
 *   device holds only the NEXT chain key, from which no earlier K_i can be
 *   computed. A sealed record cannot be read back by the device, nor by
 *   anyone who takes it, powered or not, even with the firmware's RAM;
 * - each epoch also seals a small box (the device id, so that an export can
 *   replace it with a per-export pseudonym) under HKDF-Expand(chain_0, "box").
 * Associated data (survey id, version, sequence number, response id ...) is
 * the caller's: it is authenticated, not encrypted.
 *
 * Never: keeps an ephemeral private key or a used chain or record key in
 * memory after the call that needed it; reuses a record key (every call of
 * cnd_seal_record consumes one index, failed flash write or not).
 *
 * RAM: sizeof(cnd_seal_chain_t) = 72 bytes per open epoch. Mbed TLS
 * allocates its X25519 big numbers through its platform allocator during
 * cnd_seal_begin/cnd_unseal_open only (a static arena on the device; see
 * docs/DESIGN.md "Cryptography: Mbed TLS"); record sealing allocates nothing.
 * Stack: about 0.6 KB (HKDF and ChaCha20-Poly1305 contexts).
 */
#ifndef CND_SEAL_H
#define CND_SEAL_H

#include <stdint.h>

#include "cnd_status.h"

#define CND_X25519_LEN 32
#define CND_SEAL_KEY_LEN 32
#define CND_SEAL_TAG_LEN 16
/* Records per epoch. Bounds the chain the office walks to open any one
 * record (a row naming index 2^32 - 1 would otherwise cost hours: found by
 * fuzz_unseal); the device starts a new epoch when it is reached. */
#define CND_SEAL_MAX_CTR 65536u

/* A source of cryptographically secure random bytes (the device's TRNG via
 * hal.h, or the host's CTR-DRBG). CND_OK or CND_E_IO. */
typedef cnd_status_t (*cnd_seal_rng_fn)(void *ctx, uint8_t *buf, uint32_t n);

typedef struct {
    uint8_t epoch_pub[CND_X25519_LEN]; /* public; it travels with the records */
    uint8_t chain[CND_SEAL_KEY_LEN];   /* chain key for index ctr; secret */
    uint32_t ctr;                      /* index the next record key will have */
    uint8_t live;                      /* 1 between begin/open and wipe */
} cnd_seal_chain_t;

/*
 * Device: starts an epoch sealed to office_pub (the office's X25519 public
 * key from the survey pack). Seals box_pt[0..box_len) into box_out
 * (box_len + CND_SEAL_TAG_LEN bytes). CND_E_IO when the RNG fails,
 * CND_E_INVALID for a key that gives an all-zero shared secret (a
 * low-order point, RFC 7748 section 6.1); the chain is then not live.
 */
cnd_status_t cnd_seal_begin(cnd_seal_chain_t *c, const uint8_t office_pub[CND_X25519_LEN],
                            cnd_seal_rng_fn rng, void *rng_ctx, const uint8_t *box_pt,
                            uint32_t box_len, uint8_t *box_out);

/*
 * Device: seals pt[0..len) as record *ctr_used (the chain's next index)
 * into out (len + CND_SEAL_TAG_LEN bytes: ciphertext then tag), binding
 * ad[0..ad_len). The chain advances whatever happens next: the caller
 * writes ctr_used next to the ciphertext so the office can find the key.
 * CND_E_RANGE once CND_SEAL_MAX_CTR records were sealed: begin a new epoch.
 */
cnd_status_t cnd_seal_record(cnd_seal_chain_t *c, const uint8_t *ad, uint32_t ad_len,
                             const uint8_t *pt, uint32_t len, uint8_t *out, uint32_t *ctr_used);

/*
 * Office: recomputes chain_0 of the epoch whose public key is epoch_pub
 * from the office's X25519 private key (32 bytes, RFC 7748 scalar) and
 * opens its box into box_pt (box_len - CND_SEAL_TAG_LEN bytes).
 * CND_E_VERIFY when the box does not authenticate: the epoch was not
 * sealed to this key, or its bytes were changed.
 */
cnd_status_t cnd_unseal_open(cnd_seal_chain_t *c, const uint8_t office_priv[CND_X25519_LEN],
                             const uint8_t epoch_pub[CND_X25519_LEN], const uint8_t *box,
                             uint32_t box_len, uint8_t *box_pt);

/*
 * Office: opens record ctr (ct = ciphertext then tag, len bytes in all)
 * into pt (len - CND_SEAL_TAG_LEN bytes). The chain only moves forward:
 * records of one epoch must be opened in increasing ctr order
 * (CND_E_RANGE otherwise, and for ctr >= CND_SEAL_MAX_CTR). CND_E_VERIFY
 * when the record does not
 * authenticate (changed bytes, wrong associated data); pt is then zeroed.
 */
cnd_status_t cnd_unseal_record(cnd_seal_chain_t *c, uint32_t ctr, const uint8_t *ad,
                               uint32_t ad_len, const uint8_t *ct, uint32_t len, uint8_t *pt);

/* Office: moves an opened chain one index forward without opening
 * anything (callers that keep chain states at intervals use it). */
cnd_status_t cnd_unseal_skip(cnd_seal_chain_t *c);

/* The X25519 public key of an office private key (for checks and tests). */
cnd_status_t cnd_seal_public_key(const uint8_t office_priv[CND_X25519_LEN],
                                 uint8_t office_pub[CND_X25519_LEN]);

/* Wipes every secret in c; c is no longer live. */
void cnd_seal_wipe(cnd_seal_chain_t *c);

#endif
