/* adminpin.c: admin PIN block and check (see adminpin.h). */
#include "adminpin.h"

#include <string.h>

#include "mbedtls/md.h"
#include "mbedtls/pkcs5.h"

cnd_status_t cnd_admin_pin_derive(const uint8_t *digits, uint8_t n, const uint8_t *salt,
                                  uint32_t iterations, uint8_t out[CND_ADMIN_HASH_LEN])
{
    unsigned char pin[CND_ADMIN_PIN_MAX_DIGITS];
    mbedtls_md_context_t md;
    uint8_t i;
    int rc;

    if (n < CND_ADMIN_PIN_MIN_DIGITS || n > CND_ADMIN_PIN_MAX_DIGITS ||
        iterations < CND_ADMIN_ITER_MIN || iterations > CND_ADMIN_ITER_MAX)
        return CND_E_INVALID;
    for (i = 0; i < n; i++) {
        if (digits[i] > 9)
            return CND_E_INVALID;
        pin[i] = (unsigned char)('0' + digits[i]);
    }
    mbedtls_md_init(&md);
    rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&md, pin, n, salt, CND_ADMIN_SALT_LEN, iterations,
                                       CND_ADMIN_HASH_LEN, out);
    mbedtls_md_free(&md);
    memset(pin, 0, sizeof pin);
    return rc == 0 ? CND_OK : CND_E_IO;
}

cnd_status_t cnd_admin_block_make(const uint8_t *digits, uint8_t n,
                                  const uint8_t salt[CND_ADMIN_SALT_LEN], uint32_t iterations,
                                  uint8_t block[CND_PACK_ADMIN_LEN])
{
    cnd_status_t st;
    unsigned i;
    memset(block, 0, CND_PACK_ADMIN_LEN);
    memcpy(block, CND_PACK_ADMIN_MAGIC, 4);
    block[CND_PACK_ADMIN_DIGITS] = n;
    for (i = 0; i < 4; i++) /* u32, little-endian like every pack integer */
        block[CND_PACK_ADMIN_ITER + i] = (uint8_t)(iterations >> (8 * i));
    memcpy(block + CND_PACK_ADMIN_SALT, salt, CND_ADMIN_SALT_LEN);
    st = cnd_admin_pin_derive(digits, n, salt, iterations, block + CND_PACK_ADMIN_HASH);
    if (st != CND_OK)
        memset(block, 0, CND_PACK_ADMIN_LEN);
    return st;
}

cnd_status_t cnd_admin_pin_check(const cnd_pack_admin_t *admin, const uint8_t *digits,
                                 uint8_t n)
{
    uint8_t got[CND_ADMIN_HASH_LEN], diff = 0;
    unsigned i;
    cnd_status_t st;

    if (n != admin->digits)
        return CND_E_VERIFY;
    st = cnd_admin_pin_derive(digits, n, admin->salt, admin->iterations, got);
    if (st != CND_OK)
        return st == CND_E_INVALID ? CND_E_VERIFY : st;
    for (i = 0; i < CND_ADMIN_HASH_LEN; i++) /* constant time: no early exit */
        diff |= (uint8_t)(got[i] ^ admin->hash[i]);
    memset(got, 0, sizeof got);
    return diff == 0 ? CND_OK : CND_E_VERIFY;
}
