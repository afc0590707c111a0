/* test_key.c: the fixed TEST-ONLY office keys of test_key.h. The scalars
 * below are published in this repository: nothing real may ever be signed
 * with them or sealed to them. */
#include "test_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <zlib.h>

/* Arbitrary fixed scalars (P-256: big-endian, below the group order;
 * X25519: RFC 7748 bytes, clamped below). */
static const uint8_t office_a_p256[32] = {
    0x3a, 0x5c, 0x11, 0x7e, 0x90, 0x24, 0x6b, 0xd2, 0x0f, 0x81, 0x43, 0xc6, 0x5d, 0x9e, 0x27, 0x18,
    0xa4, 0x6f, 0x33, 0x0c, 0x72, 0xe9, 0x15, 0xb8, 0x4d, 0x06, 0xc1, 0x5a, 0x98, 0x2b, 0x7f, 0x31};
static const uint8_t office_a_x25519[32] = {
    0x58, 0x0e, 0x2a, 0x91, 0x6d, 0x43, 0xbc, 0x07, 0xf2, 0x19, 0x8e, 0x65, 0x30, 0xd7, 0x4a, 0x1c,
    0x9b, 0x26, 0xe0, 0x73, 0x0d, 0xa8, 0x5f, 0x34, 0xc2, 0x17, 0x6e, 0x89, 0x03, 0xfb, 0x41, 0x6a};
static const uint8_t office_b_p256[32] = {
    0x6e, 0x21, 0x98, 0x0b, 0x4f, 0xd3, 0x37, 0xa5, 0x12, 0x8c, 0x60, 0xe4, 0x2d, 0x79, 0xb1, 0x05,
    0xc8, 0x3e, 0x56, 0x9a, 0x14, 0x7b, 0xe2, 0x40, 0x0f, 0x95, 0x6c, 0x23, 0xd8, 0x41, 0xaa, 0x17};
static const uint8_t office_b_x25519[32] = {
    0x20, 0x74, 0xc9, 0x35, 0x8a, 0x0e, 0x61, 0xf4, 0x1b, 0x97, 0x2c, 0x50, 0xe3, 0x08, 0xbd, 0x46,
    0x7a, 0x13, 0x9f, 0x62, 0x05, 0xce, 0x38, 0x81, 0x5b, 0xe6, 0x24, 0x99, 0x0d, 0x72, 0x3f, 0x5e};

static void die(const char *what, const char *why)
{
    fprintf(stderr, "test_key: %s: %s\n", what, why);
    abort();
}

/* RFC 7748 X25519 public key of a clamped scalar, with Mbed TLS. */
static void x25519_public(const uint8_t secret[32], uint8_t pub[32])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d;
    mbedtls_ecp_point q;
    size_t n = 0;
    int rc;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_ecp_point_init(&q);
    rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_CURVE25519);
    if (rc == 0)
        rc = mbedtls_mpi_read_binary_le(&d, secret, 32);
    if (rc == 0)
        rc = mbedtls_ecp_mul(&grp, &q, &d, &grp.G, NULL, NULL);
    if (rc == 0)
        rc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_COMPRESSED, &n, pub, 32);
    mbedtls_ecp_point_free(&q);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    if (rc != 0 || n != 32)
        die("X25519 public key", "Mbed TLS refused the fixed scalar");
}

static void build(cnd_office_key_t *k, const uint8_t p256[32], const uint8_t x25519[32])
{
    cnd_err_t err;
    memset(k, 0, sizeof *k);
    memcpy(k->p256_secret, p256, 32);
    memcpy(k->x25519_secret, x25519, 32);
    k->x25519_secret[0] &= 248; /* RFC 7748 clamping */
    k->x25519_secret[31] &= 127;
    k->x25519_secret[31] |= 64;
    memcpy(k->pub, CND_OFFICE_PUB_MAGIC, 4);
    k->pub[4] = CND_OFFICE_PUB_VERSION;
    x25519_public(k->x25519_secret, k->pub + CND_OFFICE_PUB_X25519);
    if (cnd_p256_public_of(k->p256_secret, k->pub + CND_OFFICE_PUB_P256, &err) != CND_OK)
        die("P-256 public key", err.msg);
}

static const cnd_office_key_t *get(int which)
{
    static cnd_office_key_t keys[2];
    static int built[2];
    if (!built[which]) {
        build(&keys[which], which ? office_b_p256 : office_a_p256,
              which ? office_b_x25519 : office_a_x25519);
        built[which] = 1;
    }
    return &keys[which];
}

const cnd_office_key_t *cnd_test_office_key(void)
{
    return get(0);
}

const cnd_office_key_t *cnd_test_other_key(void)
{
    return get(1);
}

void cnd_test_pack_reseal_crc(uint8_t *pack, uint32_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, pack, (uInt)(len - CND_PACK_TRAILER_SIZE));
    uint8_t *t = pack + len - CND_PACK_TRAILER_SIZE;
    t[0] = (uint8_t)crc;
    t[1] = (uint8_t)(crc >> 8);
    t[2] = (uint8_t)(crc >> 16);
    t[3] = (uint8_t)(crc >> 24);
}
