/* crypto_kat.c: see crypto_kat.h. Vectors checked against the RFCs and
 * against Python's cryptography package when written. */
#include "crypto_kat.h"

#include <stdint.h>
#include <string.h>

#include "mbedtls/chachapoly.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/hkdf.h"
#include "mbedtls/md.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/pkcs5.h"

/* RFC 7748 section 6.1: Alice's scalar and public key, Bob's public key,
 * their shared secret (all little-endian byte strings). */
static const unsigned char x_alice_priv[32] = {
    0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72,
    0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
    0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};
static const unsigned char x_alice_pub[32] = {
    0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
    0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
    0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};
static const unsigned char x_bob_pub[32] = {
    0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2,
    0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d,
    0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f,
};
static const unsigned char x_shared[32] = {
    0x4a, 0x5d, 0x9d, 0x5b, 0xa4, 0xce, 0x2d, 0xe1, 0x72, 0x8e, 0x3b, 0xf4,
    0x80, 0x35, 0x0f, 0x25, 0xe0, 0x7e, 0x21, 0xc9, 0x47, 0xd1, 0x9e, 0x33,
    0x76, 0xf0, 0x9b, 0x3c, 0x1e, 0x16, 0x17, 0x42,
};

/* RFC 6979 A.2.5: the P-256 public key (uncompressed), r || s of the
 * SHA-256 signature of "sample", and that hash. */
static const unsigned char p256_pub[65] = {
    0x04, 0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31, 0xc9, 0x61, 0xeb,
    0x74, 0xc6, 0x35, 0x6d, 0x68, 0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61, 0xfa,
    0x6c, 0xe6, 0x69, 0x62, 0x2e, 0x60, 0xf2, 0x9f, 0xb6, 0x79, 0x03, 0xfe,
    0x10, 0x08, 0xb8, 0xbc, 0x99, 0xa4, 0x1a, 0xe9, 0xe9, 0x56, 0x28, 0xbc,
    0x64, 0xf2, 0xf1, 0xb2, 0x0c, 0x2d, 0x7e, 0x9f, 0x51, 0x77, 0xa3, 0xc2,
    0x94, 0xd4, 0x46, 0x22, 0x99,
};
static const unsigned char p256_sig[64] = {
    0xef, 0xd4, 0x8b, 0x2a, 0xac, 0xb6, 0xa8, 0xfd, 0x11, 0x40, 0xdd, 0x9c,
    0xd4, 0x5e, 0x81, 0xd6, 0x9d, 0x2c, 0x87, 0x7b, 0x56, 0xaa, 0xf9, 0x91,
    0xc3, 0x4d, 0x0e, 0xa8, 0x4e, 0xaf, 0x37, 0x16, 0xf7, 0xcb, 0x1c, 0x94,
    0x2d, 0x65, 0x7c, 0x41, 0xd4, 0x36, 0xc7, 0xa1, 0xb6, 0xe2, 0x9f, 0x65,
    0xf3, 0xe9, 0x00, 0xdb, 0xb9, 0xaf, 0xf4, 0x06, 0x4d, 0xc4, 0xab, 0x2f,
    0x84, 0x3a, 0xcd, 0xa8,
};
static const unsigned char p256_hash[32] = {
    0xaf, 0x2b, 0xdb, 0xe1, 0xaa, 0x9b, 0x6e, 0xc1, 0xe2, 0xad, 0xe1, 0xd6,
    0x94, 0xf4, 0x1f, 0xc7, 0x1a, 0x83, 0x1d, 0x02, 0x68, 0xe9, 0x89, 0x15,
    0x62, 0x11, 0x3d, 0x8a, 0x62, 0xad, 0xd1, 0xbf,
};

/* RFC 8439 section 2.8.2 (key 0x80..0x9f): nonce, AAD, ciphertext || tag. */
static const unsigned char cp_nonce[12] = {
    0x07, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
};
static const unsigned char cp_aad[12] = {
    0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
};
static const unsigned char cp_ct_tag[130] = {
    0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb, 0x7b, 0x86, 0xaf, 0xbc,
    0x53, 0xef, 0x7e, 0xc2, 0xa4, 0xad, 0xed, 0x51, 0x29, 0x6e, 0x08, 0xfe,
    0xa9, 0xe2, 0xb5, 0xa7, 0x36, 0xee, 0x62, 0xd6, 0x3d, 0xbe, 0xa4, 0x5e,
    0x8c, 0xa9, 0x67, 0x12, 0x82, 0xfa, 0xfb, 0x69, 0xda, 0x92, 0x72, 0x8b,
    0x1a, 0x71, 0xde, 0x0a, 0x9e, 0x06, 0x0b, 0x29, 0x05, 0xd6, 0xa5, 0xb6,
    0x7e, 0xcd, 0x3b, 0x36, 0x92, 0xdd, 0xbd, 0x7f, 0x2d, 0x77, 0x8b, 0x8c,
    0x98, 0x03, 0xae, 0xe3, 0x28, 0x09, 0x1b, 0x58, 0xfa, 0xb3, 0x24, 0xe4,
    0xfa, 0xd6, 0x75, 0x94, 0x55, 0x85, 0x80, 0x8b, 0x48, 0x31, 0xd7, 0xbc,
    0x3f, 0xf4, 0xde, 0xf0, 0x8e, 0x4b, 0x7a, 0x9d, 0xe5, 0x76, 0xd2, 0x65,
    0x86, 0xce, 0xc6, 0x4b, 0x61, 0x16, 0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09,
    0xe2, 0x6a, 0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91,
};
static const char cp_plain[] = "Ladies and Gentlemen of the class of '99: If I could offer you only "
                               "one tip for the future, sunscreen would be it.";

/* RFC 5869 A.1: IKM 22 x 0x0b, salt 0x00..0x0c, info 0xf0..0xf9, L = 42. */
static const unsigned char hkdf_okm[42] = {
    0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64,
    0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a, 0x5a, 0x4c,
    0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08,
    0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65,
};

/* RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64). */
static const unsigned char pbkdf2_dk[64] = {
    0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2,
    0x25, 0x44, 0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65,
    0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc, 0x49, 0xca, 0x9c, 0xcc,
    0xf1, 0x79, 0xb6, 0x45, 0x99, 0x16, 0x64, 0xb3, 0x9d, 0x77, 0xef, 0x31,
    0x7c, 0x71, 0xb8, 0x45, 0xb1, 0xe3, 0x0b, 0xd5, 0x09, 0x11, 0x20, 0x41,
    0xd3, 0xa1, 0x97, 0x83,
};

int cnd_kat_rng(void *ctx, unsigned char *out, size_t len)
{
    static uint32_t state = 0x9e3779b9u;
    size_t i;
    (void)ctx;
    for (i = 0; i < len; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out[i] = (unsigned char)state;
    }
    return 0;
}

static const char *kat_x25519(void)
{
    mbedtls_ecp_keypair alice;
    mbedtls_ecp_point bob;
    mbedtls_mpi z;
    unsigned char buf[32];
    size_t olen = 0;
    const char *fail = NULL;

    mbedtls_ecp_keypair_init(&alice);
    mbedtls_ecp_point_init(&bob);
    mbedtls_mpi_init(&z);
    if (mbedtls_ecp_read_key(MBEDTLS_ECP_DP_CURVE25519, &alice, x_alice_priv, 32) != 0 ||
        mbedtls_ecp_mul(&alice.grp, &alice.Q, &alice.d, &alice.grp.G, cnd_kat_rng, NULL) != 0 ||
        mbedtls_ecp_point_write_binary(&alice.grp, &alice.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
                                       buf, sizeof buf) != 0 ||
        olen != 32 || memcmp(buf, x_alice_pub, 32) != 0)
        fail = "x25519 public key (RFC 7748)";
    else if (mbedtls_ecp_point_read_binary(&alice.grp, &bob, x_bob_pub, 32) != 0 ||
             mbedtls_ecdh_compute_shared(&alice.grp, &z, &bob, &alice.d, cnd_kat_rng, NULL) != 0 ||
             mbedtls_mpi_write_binary_le(&z, buf, 32) != 0 || memcmp(buf, x_shared, 32) != 0)
        fail = "x25519 shared secret (RFC 7748)";
    mbedtls_mpi_free(&z);
    mbedtls_ecp_point_free(&bob);
    mbedtls_ecp_keypair_free(&alice);
    return fail;
}

static const char *kat_chachapoly(void)
{
    mbedtls_chachapoly_context ctx;
    unsigned char key[32], out[sizeof cp_plain - 1], ct[sizeof cp_plain - 1], tag[16];
    unsigned i;
    const char *fail = NULL;

    for (i = 0; i < 32; i++)
        key[i] = (unsigned char)(0x80u + i);
    mbedtls_chachapoly_init(&ctx);
    if (mbedtls_chachapoly_setkey(&ctx, key) != 0 ||
        mbedtls_chachapoly_encrypt_and_tag(&ctx, sizeof out, cp_nonce, cp_aad, sizeof cp_aad,
                                           (const unsigned char *)cp_plain, out, tag) != 0 ||
        memcmp(out, cp_ct_tag, sizeof out) != 0 || memcmp(tag, cp_ct_tag + sizeof out, 16) != 0)
        fail = "chacha20-poly1305 encrypt (RFC 8439)";
    else if (mbedtls_chachapoly_auth_decrypt(&ctx, sizeof out, cp_nonce, cp_aad, sizeof cp_aad,
                                             cp_ct_tag + sizeof out, cp_ct_tag, out) != 0 ||
             memcmp(out, cp_plain, sizeof out) != 0)
        fail = "chacha20-poly1305 decrypt (RFC 8439)";
    else {
        memcpy(ct, cp_ct_tag, sizeof ct);
        ct[0] ^= 1u; /* a flipped ciphertext bit must fail authentication */
        if (mbedtls_chachapoly_auth_decrypt(&ctx, sizeof out, cp_nonce, cp_aad, sizeof cp_aad,
                                            cp_ct_tag + sizeof out, ct, out) !=
            MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED)
            fail = "chacha20-poly1305 accepted a forged tag";
    }
    mbedtls_chachapoly_free(&ctx);
    return fail;
}

static const char *kat_kdfs(void)
{
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t md;
    unsigned char ikm[22], salt[13], info[10], okm[64];
    unsigned i;
    int rc;

    for (i = 0; i < sizeof ikm; i++)
        ikm[i] = 0x0b;
    for (i = 0; i < sizeof salt; i++)
        salt[i] = (unsigned char)i;
    for (i = 0; i < sizeof info; i++)
        info[i] = (unsigned char)(0xf0u + i);
    if (sha256 == NULL)
        return "sha-256 missing from the md table";
    if (mbedtls_hkdf(sha256, salt, sizeof salt, ikm, sizeof ikm, info, sizeof info, okm, 42) != 0 ||
        memcmp(okm, hkdf_okm, 42) != 0)
        return "hkdf-sha256 (RFC 5869)";
    mbedtls_md_init(&md);
    rc = mbedtls_md_setup(&md, sha256, 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)"passwd", 6,
                                       (const unsigned char *)"salt", 4, 1, 64, okm);
    mbedtls_md_free(&md);
    if (rc != 0 || memcmp(okm, pbkdf2_dk, 64) != 0)
        return "pbkdf2-hmac-sha256 (RFC 7914)";
    return NULL;
}

/* flip < 0: the published signature; else that bit of r||s flipped. */
static int p256_verify(int flip)
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    unsigned char sig[64];
    int rc;

    memcpy(sig, p256_sig, sizeof sig);
    if (flip >= 0)
        sig[flip / 8] ^= (unsigned char)(1u << (flip % 8));
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&grp, &q, p256_pub, sizeof p256_pub);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&r, sig, 32);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary(&s, sig + 32, 32);
    if (rc == 0)
        rc = mbedtls_ecdsa_verify(&grp, p256_hash, sizeof p256_hash, &q, &r, &s);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

int cnd_kat_p256_verify(void)
{
    return p256_verify(-1);
}

const char *cnd_kat_run_all(void)
{
    const char *fail;
    if ((fail = kat_x25519()) != NULL || (fail = kat_chachapoly()) != NULL ||
        (fail = kat_kdfs()) != NULL)
        return fail;
    if (cnd_kat_p256_verify() != 0)
        return "p-256 ecdsa verify (RFC 6979 A.2.5)";
    if (p256_verify(0) != MBEDTLS_ERR_ECP_VERIFY_FAILED ||
        p256_verify(64 * 8 - 1) != MBEDTLS_ERR_ECP_VERIFY_FAILED)
        return "p-256 ecdsa accepted an altered signature";
    if (cnd_kat_x25519_seal_step() != 0)
        return "x25519 ephemeral key and shared secret";
    return NULL;
}

int cnd_kat_x25519_seal_step(void)
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d, z;
    mbedtls_ecp_point q, office;
    unsigned char eph_pub[32];
    size_t olen;
    int rc;

    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    mbedtls_ecp_point_init(&q);
    mbedtls_ecp_point_init(&office);
    rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&grp, &office, x_bob_pub, sizeof x_bob_pub);
    if (rc == 0)
        rc = mbedtls_ecdh_gen_public(&grp, &d, &q, cnd_kat_rng, NULL);
    if (rc == 0)
        rc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, eph_pub,
                                            sizeof eph_pub);
    if (rc == 0)
        rc = mbedtls_ecdh_compute_shared(&grp, &z, &office, &d, cnd_kat_rng, NULL);
    mbedtls_ecp_point_free(&office);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&z);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

size_t cnd_kat_min_arena(int (*op)(void), unsigned char *buf, size_t cap)
{
    /* Below this, init ignores the buffer (no room for one block header). */
    size_t lo = 128, hi = cap;
    mbedtls_memory_buffer_alloc_init(buf, cap);
    if (op() != 0)
        return 0;
    while (lo < hi) { /* invariant: op succeeds with hi bytes */
        size_t mid = lo + (hi - lo) / 2;
        mbedtls_memory_buffer_alloc_init(buf, mid);
        if (op() == 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    mbedtls_memory_buffer_alloc_init(buf, cap);
    return hi;
}
