/* packsig.c: pack signature verification (formats/SPEC.md 1.9); see
 * packsig.h. RAM and rules there. */
#include "packsig.h"

#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

/* Bytes of a pack covered by its signature: everything before r || s. */
static uint32_t signed_len(uint32_t total_len)
{
    return total_len - CND_PACK_TRAILER_SIZE - CND_P256_SIG_LEN;
}

static cnd_status_t status_of_mbedtls(int rc)
{
    /* Only memory can make a well-formed check fail other than "no". */
    if (rc == MBEDTLS_ERR_MPI_ALLOC_FAILED || rc == MBEDTLS_ERR_ECP_ALLOC_FAILED)
        return CND_E_NOSPACE;
    return CND_E_SIGNATURE;
}

/* The signature in block over digest, under the block's signer key; then
 * whether that key is the trusted one. Signature first: a pack altered
 * after signing says "altered", whoever signed it. */
static cnd_status_t verify_block(const uint8_t digest[CND_PACK_SIG_DIGEST_LEN],
                                 const uint8_t *block, const uint8_t *trusted_signer65)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    const uint8_t *sig = block + CND_PACK_SIG_SIGNATURE;
    cnd_status_t st;
    int rc;

    if ((st = cnd_pack_sig_block_check(block)) != CND_OK)
        return st;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&grp, &q, block + CND_PACK_SIG_SIGNER,
                                           CND_P256_PUB_LEN);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&grp, &q); /* a point off the curve leaks the key */
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&r, sig, CND_P256_SIG_LEN / 2);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&s, sig + CND_P256_SIG_LEN / 2, CND_P256_SIG_LEN / 2);
    if (rc == 0)
        rc = mbedtls_ecdsa_verify(&grp, digest, CND_PACK_SIG_DIGEST_LEN, &q, &r, &s);
    st = rc == 0 ? CND_OK : status_of_mbedtls(rc);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    if (st == CND_OK && trusted_signer65 != NULL &&
        memcmp(trusted_signer65, block + CND_PACK_SIG_SIGNER, CND_P256_PUB_LEN) != 0)
        st = CND_E_UNTRUSTED;
    return st;
}

/* Smallest length that can hold a header, a signature block and a trailer. */
static int len_ok(uint32_t len)
{
    return len >= CND_PACK_HEADER_SIZE + CND_PACK_SIG_TAIL && len <= CND_MAX_PACK_SIZE;
}

cnd_status_t cnd_pack_sig_digest(const uint8_t *pack, uint32_t len,
                                 uint8_t digest[CND_PACK_SIG_DIGEST_LEN])
{
    if (pack == NULL || digest == NULL)
        return CND_E_INVALID;
    if (!len_ok(len))
        return len > CND_MAX_PACK_SIZE ? CND_E_RANGE : CND_E_TRUNCATED;
    if (mbedtls_sha256_ret(pack, signed_len(len), digest, 0) != 0)
        return CND_E_INVALID;
    return CND_OK;
}

cnd_status_t cnd_pack_sig_verify(const uint8_t *pack, uint32_t len,
                                 const uint8_t *trusted_signer65)
{
    uint8_t digest[CND_PACK_SIG_DIGEST_LEN];
    cnd_status_t st = cnd_pack_sig_digest(pack, len, digest);
    if (st != CND_OK)
        return st;
    return verify_block(digest, pack + len - CND_PACK_SIG_TAIL, trusted_signer65);
}

void cnd_pack_sig_init(cnd_pack_sig_stream_t *s, uint32_t total_len)
{
    mbedtls_sha256_init(&s->sha);
    (void)mbedtls_sha256_starts_ret(&s->sha, 0); /* cannot fail in software */
    s->total_len = total_len;
    s->fed = 0;
}

void cnd_pack_sig_update(cnd_pack_sig_stream_t *s, const uint8_t *chunk, uint32_t len)
{
    uint32_t end = len_ok(s->total_len) ? signed_len(s->total_len) : 0, take = 0;
    if (chunk == NULL || len > s->total_len - s->fed) {
        s->fed = s->total_len + 1; /* more than announced: final refuses */
        return;
    }
    if (s->fed < end)
        take = end - s->fed < len ? end - s->fed : len;
    if (take > 0)
        (void)mbedtls_sha256_update_ret(&s->sha, chunk, take);
    s->fed += len;
}

cnd_status_t cnd_pack_sig_final(cnd_pack_sig_stream_t *s,
                                const uint8_t block[CND_PACK_SIG_BLOCK_LEN],
                                const uint8_t *trusted_signer65)
{
    uint8_t digest[CND_PACK_SIG_DIGEST_LEN];
    int rc = mbedtls_sha256_finish_ret(&s->sha, digest);
    mbedtls_sha256_free(&s->sha);
    if (!len_ok(s->total_len) || s->fed != s->total_len || block == NULL)
        return CND_E_TRUNCATED;
    if (rc != 0)
        return CND_E_INVALID;
    return verify_block(digest, block, trusted_signer65);
}
