/* seal.c: see seal.h. The construction is specified in formats/SPEC.md
 * section "Sealed responses"; every primitive is Mbed TLS's. */
#include "seal.h"

#include <string.h>

#include "mbedtls/chachapoly.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

/* HKDF info strings: each derived key has its own purpose label, so no two
 * derivations can ever yield the same key (RFC 5869 section 3.2). */
static const char INFO_CHAIN0[] = "candor/v1/chain0";
static const char INFO_RECORD[] = "candor/v1/record";
static const char INFO_NEXT[] = "candor/v1/chain";
static const char INFO_BOX[] = "candor/v1/box";
static const char AD_BOX[] = "candor/v1/epoch";

typedef struct {
    cnd_seal_rng_fn fn;
    void *ctx;
} rng_adapter_t;

static int rng_bridge(void *p, unsigned char *buf, size_t n)
{
    const rng_adapter_t *a = (const rng_adapter_t *)p;
    if (n > UINT32_MAX || a->fn(a->ctx, buf, (uint32_t)n) != CND_OK)
        return -1;
    return 0;
}

static const mbedtls_md_info_t *sha256(void)
{
    return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
}

static cnd_status_t expand(const uint8_t prk[CND_SEAL_KEY_LEN], const char *info,
                           uint8_t out[CND_SEAL_KEY_LEN])
{
    if (mbedtls_hkdf_expand(sha256(), prk, CND_SEAL_KEY_LEN, (const unsigned char *)info,
                            strlen(info), out, CND_SEAL_KEY_LEN) != 0)
        return CND_E_INVALID;
    return CND_OK;
}

/* One-time key, so the nonce could be constant; carrying the index too
 * costs nothing and keeps (key, nonce) unique even if a key were reused. */
static void nonce_of(uint32_t ctr, uint8_t nonce[12])
{
    memset(nonce, 0, 12);
    nonce[0] = (uint8_t)ctr;
    nonce[1] = (uint8_t)(ctr >> 8);
    nonce[2] = (uint8_t)(ctr >> 16);
    nonce[3] = (uint8_t)(ctr >> 24);
}

static cnd_status_t aead(int encrypt, const uint8_t key[CND_SEAL_KEY_LEN], uint32_t ctr,
                         const uint8_t *ad, uint32_t ad_len, const uint8_t *in, uint32_t len,
                         uint8_t *out, uint8_t *tag)
{
    mbedtls_chachapoly_context cp;
    uint8_t nonce[12];
    int rc;
    nonce_of(ctr, nonce);
    mbedtls_chachapoly_init(&cp);
    rc = mbedtls_chachapoly_setkey(&cp, key);
    if (rc == 0 && encrypt)
        rc = mbedtls_chachapoly_encrypt_and_tag(&cp, len, nonce, ad, ad_len, in, out, tag);
    else if (rc == 0)
        rc = mbedtls_chachapoly_auth_decrypt(&cp, len, nonce, ad, ad_len, tag, in, out);
    mbedtls_chachapoly_free(&cp);
    if (rc == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED)
        return CND_E_VERIFY;
    return rc == 0 ? CND_OK : CND_E_INVALID;
}

/* RFC 7748 decodeScalar25519, so a key file holding unclamped bytes still
 * means the same key as everywhere else. */
static int load_scalar(mbedtls_mpi *d, const uint8_t priv[CND_X25519_LEN])
{
    uint8_t k[CND_X25519_LEN];
    int rc;
    memcpy(k, priv, sizeof k);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    rc = mbedtls_mpi_read_binary_le(d, k, sizeof k);
    mbedtls_platform_zeroize(k, sizeof k);
    return rc;
}

static int all_zero(const uint8_t *b, uint32_t n)
{
    uint8_t acc = 0;
    uint32_t i;
    for (i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/*
 * shared = X25519(d, peer); chain_0 = HKDF(salt = epoch_pub || office_pub,
 * ikm = shared, info = "candor/v1/chain0"). Binding both public keys in the
 * salt ties the chain to this exact pair of keys.
 */
static cnd_status_t derive_chain0(mbedtls_ecp_group *grp, const mbedtls_mpi *d,
                                  const uint8_t peer[CND_X25519_LEN],
                                  const uint8_t epoch_pub[CND_X25519_LEN],
                                  const uint8_t office_pub[CND_X25519_LEN], rng_adapter_t *rng,
                                  uint8_t chain[CND_SEAL_KEY_LEN])
{
    mbedtls_ecp_point q;
    mbedtls_mpi z;
    uint8_t shared[CND_X25519_LEN], salt[2 * CND_X25519_LEN];
    cnd_status_t st = CND_E_INVALID;
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&z);
    if (mbedtls_ecp_point_read_binary(grp, &q, peer, CND_X25519_LEN) == 0 &&
        mbedtls_ecdh_compute_shared(grp, &z, &q, d, rng ? rng_bridge : NULL, rng) == 0 &&
        mbedtls_mpi_write_binary_le(&z, shared, sizeof shared) == 0 &&
        !all_zero(shared, sizeof shared)) {
        memcpy(salt, epoch_pub, CND_X25519_LEN);
        memcpy(salt + CND_X25519_LEN, office_pub, CND_X25519_LEN);
        if (mbedtls_hkdf(sha256(), salt, sizeof salt, shared, sizeof shared,
                         (const unsigned char *)INFO_CHAIN0, strlen(INFO_CHAIN0), chain,
                         CND_SEAL_KEY_LEN) == 0)
            st = CND_OK;
    }
    mbedtls_platform_zeroize(shared, sizeof shared);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&q);
    return st;
}

cnd_status_t cnd_seal_begin(cnd_seal_chain_t *c, const uint8_t office_pub[CND_X25519_LEN],
                            cnd_seal_rng_fn rng, void *rng_ctx, const uint8_t *box_pt,
                            uint32_t box_len, uint8_t *box_out)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    rng_adapter_t a;
    uint8_t boxkey[CND_SEAL_KEY_LEN];
    cnd_status_t st = CND_E_INVALID;

    memset(c, 0, sizeof(*c));
    a.fn = rng;
    a.ctx = rng_ctx;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519) != 0)
        goto out;
    if (mbedtls_ecdh_gen_public(&grp, &d, &q, rng_bridge, &a) != 0) {
        st = CND_E_IO; /* the only way key generation fails is the RNG */
        goto out;
    }
    if (mbedtls_mpi_write_binary_le(&q.X, c->epoch_pub, CND_X25519_LEN) != 0)
        goto out;
    st = derive_chain0(&grp, &d, office_pub, c->epoch_pub, office_pub, &a, c->chain);
    if (st != CND_OK)
        goto out;
    st = expand(c->chain, INFO_BOX, boxkey);
    if (st == CND_OK)
        st = aead(1, boxkey, 0, (const uint8_t *)AD_BOX, (uint32_t)strlen(AD_BOX), box_pt,
                  box_len, box_out, box_out + box_len);
    if (st == CND_OK)
        c->live = 1;
out:
    mbedtls_platform_zeroize(boxkey, sizeof boxkey);
    mbedtls_mpi_free(&d); /* zeroizes: the ephemeral private key is gone */
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    if (st != CND_OK)
        cnd_seal_wipe(c);
    return st;
}

/* Moves the chain one step: out = K_ctr (if out), chain = chain_{ctr+1}. */
static cnd_status_t step(cnd_seal_chain_t *c, uint8_t *out)
{
    uint8_t next[CND_SEAL_KEY_LEN];
    cnd_status_t st = CND_OK;
    if (out)
        st = expand(c->chain, INFO_RECORD, out);
    if (st == CND_OK)
        st = expand(c->chain, INFO_NEXT, next);
    if (st != CND_OK) {
        mbedtls_platform_zeroize(next, sizeof next);
        cnd_seal_wipe(c);
        return st;
    }
    memcpy(c->chain, next, sizeof next);
    mbedtls_platform_zeroize(next, sizeof next);
    c->ctr++;
    return CND_OK;
}

cnd_status_t cnd_seal_record(cnd_seal_chain_t *c, const uint8_t *ad, uint32_t ad_len,
                             const uint8_t *pt, uint32_t len, uint8_t *out, uint32_t *ctr_used)
{
    uint8_t key[CND_SEAL_KEY_LEN];
    uint32_t ctr;
    cnd_status_t st;
    if (!c->live)
        return CND_E_INVALID;
    if (c->ctr >= CND_SEAL_MAX_CTR)
        return CND_E_RANGE;
    ctr = c->ctr;
    st = step(c, key);
    if (st == CND_OK)
        st = aead(1, key, ctr, ad, ad_len, pt, len, out, out + len);
    mbedtls_platform_zeroize(key, sizeof key);
    if (st == CND_OK)
        *ctr_used = ctr;
    return st;
}

cnd_status_t cnd_unseal_open(cnd_seal_chain_t *c, const uint8_t office_priv[CND_X25519_LEN],
                             const uint8_t epoch_pub[CND_X25519_LEN], const uint8_t *box,
                             uint32_t box_len, uint8_t *box_pt)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    uint8_t office_pub[CND_X25519_LEN], boxkey[CND_SEAL_KEY_LEN];
    cnd_status_t st = CND_E_INVALID;

    memset(c, 0, sizeof(*c));
    if (box_len < CND_SEAL_TAG_LEN)
        return CND_E_TRUNCATED;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    if (cnd_seal_public_key(office_priv, office_pub) != CND_OK ||
        mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519) != 0 ||
        load_scalar(&d, office_priv) != 0)
        goto out;
    memcpy(c->epoch_pub, epoch_pub, CND_X25519_LEN);
    st = derive_chain0(&grp, &d, epoch_pub, epoch_pub, office_pub, NULL, c->chain);
    if (st == CND_OK)
        st = expand(c->chain, INFO_BOX, boxkey);
    if (st == CND_OK)
        st = aead(0, boxkey, 0, (const uint8_t *)AD_BOX, (uint32_t)strlen(AD_BOX), box,
                  box_len - CND_SEAL_TAG_LEN, box_pt, (uint8_t *)box + box_len - CND_SEAL_TAG_LEN);
    if (st == CND_OK)
        c->live = 1;
out:
    mbedtls_platform_zeroize(boxkey, sizeof boxkey);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    if (st != CND_OK)
        cnd_seal_wipe(c);
    return st;
}

cnd_status_t cnd_unseal_record(cnd_seal_chain_t *c, uint32_t ctr, const uint8_t *ad,
                               uint32_t ad_len, const uint8_t *ct, uint32_t len, uint8_t *pt)
{
    uint8_t key[CND_SEAL_KEY_LEN];
    cnd_status_t st = CND_OK;
    if (!c->live)
        return CND_E_INVALID;
    if (len < CND_SEAL_TAG_LEN)
        return CND_E_TRUNCATED;
    if (ctr < c->ctr || ctr >= CND_SEAL_MAX_CTR)
        return CND_E_RANGE;
    while (st == CND_OK && c->ctr < ctr)
        st = step(c, NULL);
    if (st == CND_OK)
        st = step(c, key);
    if (st == CND_OK)
        st = aead(0, key, ctr, ad, ad_len, ct, len - CND_SEAL_TAG_LEN, pt,
                  (uint8_t *)ct + len - CND_SEAL_TAG_LEN);
    mbedtls_platform_zeroize(key, sizeof key);
    if (st != CND_OK)
        memset(pt, 0, len - CND_SEAL_TAG_LEN);
    return st;
}

cnd_status_t cnd_unseal_skip(cnd_seal_chain_t *c)
{
    if (!c->live || c->ctr >= CND_SEAL_MAX_CTR)
        return CND_E_INVALID;
    return step(c, NULL);
}

cnd_status_t cnd_seal_public_key(const uint8_t office_priv[CND_X25519_LEN],
                                 uint8_t office_pub[CND_X25519_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    cnd_status_t st = CND_E_INVALID;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519) == 0 &&
        load_scalar(&d, office_priv) == 0 &&
        mbedtls_ecp_mul(&grp, &q, &d, &grp.G, NULL, NULL) == 0 &&
        mbedtls_mpi_write_binary_le(&q.X, office_pub, CND_X25519_LEN) == 0)
        st = CND_OK;
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return st;
}

void cnd_seal_wipe(cnd_seal_chain_t *c)
{
    mbedtls_platform_zeroize(c, sizeof(*c));
}
