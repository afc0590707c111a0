/* packsign.c: signs survey packs with the office's P-256 key; see
 * packsign.h and formats/SPEC.md 1.9. */
#include "packsign.h"

#include <string.h>
#include <zlib.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>

#include "packsig.h"

/* Everything one signature needs from Mbed TLS, set up and torn down
 * together so no early return can leak a bignum holding the secret. */
typedef struct {
    mbedtls_ecp_group grp;
    mbedtls_mpi d, r, s;
    mbedtls_ecp_point q;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg; /* blinding only: the signature is RFC 6979 */
} signer_t;

static const char pers[] = "candor pack signature";

static int signer_open(signer_t *k, const uint8_t *secret)
{
    int rc;
    mbedtls_ecp_group_init(&k->grp);
    mbedtls_mpi_init(&k->d);
    mbedtls_mpi_init(&k->r);
    mbedtls_mpi_init(&k->s);
    mbedtls_ecp_point_init(&k->q);
    mbedtls_entropy_init(&k->entropy);
    mbedtls_ctr_drbg_init(&k->drbg);
    rc = mbedtls_ctr_drbg_seed(&k->drbg, mbedtls_entropy_func, &k->entropy,
                               (const unsigned char *)pers, sizeof pers - 1);
    if (rc == 0)
        rc = mbedtls_ecp_group_load(&k->grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&k->d, secret, CND_P256_SECRET_LEN);
    if (rc == 0)
        rc = mbedtls_ecp_check_privkey(&k->grp, &k->d);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&k->grp, &k->q, &k->d, &k->grp.G, mbedtls_ctr_drbg_random,
                             &k->drbg);
    return rc;
}

static void signer_close(signer_t *k)
{
    mbedtls_ctr_drbg_free(&k->drbg);
    mbedtls_entropy_free(&k->entropy);
    mbedtls_ecp_point_free(&k->q);
    mbedtls_mpi_free(&k->s);
    mbedtls_mpi_free(&k->r);
    mbedtls_mpi_free(&k->d); /* Mbed TLS zeroes limbs before freeing them */
    mbedtls_ecp_group_free(&k->grp);
}

static int write_pub(signer_t *k, uint8_t *pub65)
{
    size_t n = 0;
    int rc = mbedtls_ecp_point_write_binary(&k->grp, &k->q, MBEDTLS_ECP_PF_UNCOMPRESSED, &n,
                                            pub65, CND_P256_PUB_LEN);
    return rc == 0 && n != CND_P256_PUB_LEN ? -1 : rc;
}

cnd_status_t cnd_p256_public_of(const uint8_t *secret, uint8_t *pub65, cnd_err_t *err)
{
    signer_t k;
    int rc;
    if (secret == NULL || pub65 == NULL) {
        cnd_err_set(err, "internal: missing key for the P-256 public key");
        return CND_E_INVALID;
    }
    rc = signer_open(&k, secret);
    if (rc == 0)
        rc = write_pub(&k, pub65);
    signer_close(&k);
    if (rc != 0) {
        cnd_err_set(err, "the signing key is not a valid P-256 private key (Mbed TLS -0x%04x)",
                    (unsigned)-rc);
        return CND_E_INVALID;
    }
    return CND_OK;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Fills block[0 .. CND_PACK_SIG_SIGNATURE) and signs pack[0..len) into
 * block + CND_PACK_SIG_SIGNATURE; block lies inside pack. */
static int sign_into(signer_t *k, uint8_t *pack, uint32_t len, const uint8_t *office_pub)
{
    uint8_t *block = pack + len - CND_PACK_SIG_TAIL;
    uint8_t digest[CND_PACK_SIG_DIGEST_LEN];
    int rc;

    memcpy(block, CND_PACK_SIG_MAGIC, 4);
    memcpy(block + CND_PACK_SIG_OFFICE, office_pub, CND_OFFICE_PUB_LEN);
    rc = write_pub(k, block + CND_PACK_SIG_SIGNER);
    if (rc == 0 && cnd_pack_sig_digest(pack, len, digest) != CND_OK)
        rc = -1;
    if (rc == 0)
        rc = mbedtls_ecdsa_sign_det_ext(&k->grp, &k->r, &k->s, &k->d, digest, sizeof digest,
                                        MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, &k->drbg);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&k->r, block + CND_PACK_SIG_SIGNATURE,
                                      CND_P256_SIG_LEN / 2);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&k->s, block + CND_PACK_SIG_SIGNATURE + CND_P256_SIG_LEN / 2,
                                      CND_P256_SIG_LEN / 2);
    return rc;
}

static cnd_status_t sign_pack(uint8_t *pack, uint32_t len, const uint8_t *office_pub,
                              const uint8_t *signer_secret, cnd_err_t *err)
{
    signer_t k;
    cnd_status_t st;
    int rc;

    rc = signer_open(&k, signer_secret);
    if (rc != 0) {
        signer_close(&k);
        cnd_err_set(err, "the signing key is not a valid P-256 private key (Mbed TLS -0x%04x)",
                    (unsigned)-rc);
        return CND_E_INVALID;
    }
    rc = sign_into(&k, pack, len, office_pub);
    signer_close(&k);
    if (rc != 0) {
        cnd_err_set(err, "signing the pack failed (Mbed TLS -0x%04x)", (unsigned)-rc);
        return CND_E_INVALID;
    }
    put32(pack + len - CND_PACK_TRAILER_SIZE,
          (uint32_t)crc32(0L, pack, (uInt)(len - CND_PACK_TRAILER_SIZE)));
    /* Checks its own work: a pack that left here unverifiable would only
     * be refused later, on a handheld in the field. */
    st = cnd_pack_sig_verify(pack, len, pack + len - CND_PACK_SIG_TAIL + CND_PACK_SIG_SIGNER);
    if (st != CND_OK) {
        cnd_err_set(err, "internal: the signed pack does not verify (%s); please report",
                    cnd_status_str(st));
        return CND_E_INVALID;
    }
    return CND_OK;
}

static int office_pub_ok(const uint8_t *office_pub)
{
    uint8_t block[CND_PACK_SIG_BLOCK_LEN];
    /* Checked as the reader will check it, with a placeholder signer and
     * signature (both only need to be non-zero and well-formed here). */
    memset(block, 1, sizeof block);
    memcpy(block, CND_PACK_SIG_MAGIC, 4);
    memcpy(block + CND_PACK_SIG_OFFICE, office_pub, CND_OFFICE_PUB_LEN);
    block[CND_PACK_SIG_SIGNER] = 0x04;
    return cnd_pack_sig_block_check(block) == CND_OK;
}

static cnd_status_t check_args(const uint8_t *pack, const uint8_t *office_pub,
                               const uint8_t *signer_secret, cnd_err_t *err)
{
    if (pack == NULL || office_pub == NULL || signer_secret == NULL) {
        cnd_err_set(err, "internal: missing argument to the pack signer");
        return CND_E_INVALID;
    }
    if (!office_pub_ok(office_pub)) {
        cnd_err_set(err, "the office public key block is malformed (expected %d bytes starting "
                         "\"CNDP\", version %d); make it again with candor keygen",
                    CND_OFFICE_PUB_LEN, CND_OFFICE_PUB_VERSION);
        return CND_E_INVALID;
    }
    return CND_OK;
}

cnd_status_t cnd_pack_sign(uint8_t *pack, uint32_t body_len, uint32_t cap,
                           const uint8_t *office_pub, const uint8_t *signer_secret,
                           uint32_t *out_len, cnd_err_t *err)
{
    uint32_t len = body_len + CND_PACK_SIG_TAIL;
    cnd_status_t st;

    if (out_len != NULL)
        *out_len = 0;
    if ((st = check_args(pack, office_pub, signer_secret, err)) != CND_OK)
        return st;
    if (out_len == NULL || body_len < CND_PACK_HEADER_SIZE) {
        cnd_err_set(err, "internal: no pack body to sign");
        return CND_E_INVALID;
    }
    if (body_len > CND_MAX_PACK_SIZE - CND_PACK_SIG_TAIL || len > cap) {
        cnd_err_set(err, "the signed pack would need %u bytes; the limit is %u",
                    (unsigned)len, (unsigned)(cap < CND_MAX_PACK_SIZE ? cap : CND_MAX_PACK_SIZE));
        return CND_E_NOSPACE;
    }
    put32(pack + CND_PACK_HDR_TOTAL_LEN, len);
    if ((st = sign_pack(pack, len, office_pub, signer_secret, err)) != CND_OK)
        return st;
    *out_len = len;
    return CND_OK;
}

cnd_status_t cnd_pack_resign(uint8_t *pack, uint32_t len, const uint8_t *office_pub,
                             const uint8_t *signer_secret, cnd_err_t *err)
{
    cnd_status_t st;
    if ((st = check_args(pack, office_pub, signer_secret, err)) != CND_OK)
        return st;
    if (len < CND_PACK_HEADER_SIZE + CND_PACK_SIG_TAIL || len > CND_MAX_PACK_SIZE) {
        cnd_err_set(err, "not a signed pack: %u bytes", (unsigned)len);
        return CND_E_INVALID;
    }
    return sign_pack(pack, len, office_pub, signer_secret, err);
}

cnd_status_t cnd_pack_resign_key(uint8_t *pack, uint32_t len, const uint8_t *office_pub,
                                 const cnd_office_key_t *signer, cnd_err_t *err)
{
    if (signer == NULL) {
        cnd_err_set(err, "internal: no signing key");
        return CND_E_INVALID;
    }
    return cnd_pack_resign(pack, len, office_pub, signer->p256_secret, err);
}
