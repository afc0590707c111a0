/*
 * packsig.h: verification of a survey pack's signature (formats/SPEC.md
 * section 1.9), on the device and the host alike.
 *
 * Owns: the rule that a pack is the office's: an ECDSA P-256 signature
 * (Mbed TLS) over SHA-256 of every pack byte before the signature itself
 * verifies under the signer key in the pack's signature block, and that key
 * is the one the caller trusts. Both a one-shot check of a whole pack in
 * RAM and a streaming one for the device, which hashes a pushed pack as its
 * chunks arrive and so needs no second copy of it.
 * Never: allocates on its own (Mbed TLS's bignums use Mbed TLS's calloc: on
 * the device a static arena, firmware/crypto/mbedtls_arena.h); decides whom
 * to trust (the caller passes the trusted key, or NULL); checks anything
 * else about the pack (cnd_pack_open() does that); signs (host/survey/packsign.h).
 *
 * RAM: cnd_pack_sig_stream_t, 116 bytes on x86-64 (a SHA-256 context and two
 * counters). A verify holds an ECP group, a point and two bignums on the
 * stack (about 450 bytes on Cortex-M4) and its limbs, about 3 KB at peak,
 * on Mbed TLS's heap; it returns it all before returning.
 */
#ifndef CND_PACKSIG_H
#define CND_PACKSIG_H

#include <stdint.h>

#include <mbedtls/sha256.h>

#include "cnd_status.h"
#include "pack.h"

#define CND_PACK_SIG_DIGEST_LEN 32

/*
 * Checks the signature of pack[0..len) (a version 2 pack with its signature
 * block and trailer). CND_OK when it verifies under the signer key in the
 * block and, if trusted_signer65 is not NULL, that key equals it.
 * CND_E_SIGNATURE: the signature does not verify (bytes altered after
 * signing) or the signer key is no P-256 point; CND_E_UNTRUSTED: it
 * verifies, but under another key; CND_E_TRUNCATED / CND_E_INVALID /
 * CND_E_VERSION: no well-formed signature block; CND_E_NOSPACE: Mbed TLS
 * ran out of memory. Does not check the CRC or the sections.
 */
cnd_status_t cnd_pack_sig_verify(const uint8_t *pack, uint32_t len,
                                 const uint8_t *trusted_signer65);

/* SHA-256 of the signed bytes of pack[0..len): pack[0 .. len - 68). The
 * signer (host/survey/packsign.c) uses this too, so the two cannot drift. */
cnd_status_t cnd_pack_sig_digest(const uint8_t *pack, uint32_t len,
                                 uint8_t digest[CND_PACK_SIG_DIGEST_LEN]);

/* Streaming: init with the announced pack length, feed every byte of the
 * pack in order in chunks of any size, then final with the 238 bytes of
 * the signature block (the caller keeps them as they pass; the stream
 * hashes but does not store). */
typedef struct {
    mbedtls_sha256_context sha;
    uint32_t total_len; /* announced length of the whole pack */
    uint32_t fed;       /* bytes seen so far */
} cnd_pack_sig_stream_t;

void cnd_pack_sig_init(cnd_pack_sig_stream_t *s, uint32_t total_len);
void cnd_pack_sig_update(cnd_pack_sig_stream_t *s, const uint8_t *chunk, uint32_t len);
/* As cnd_pack_sig_verify(); CND_E_TRUNCATED unless exactly total_len bytes
 * were fed. The stream is finished either way (init it again to reuse). */
cnd_status_t cnd_pack_sig_final(cnd_pack_sig_stream_t *s,
                                const uint8_t block[CND_PACK_SIG_BLOCK_LEN],
                                const uint8_t *trusted_signer65);

#endif
