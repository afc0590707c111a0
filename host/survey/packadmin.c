/* packadmin.c: the admin PIN block in a compiled pack (see packadmin.h). */
#include "packadmin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "adminpin.h"
#include "frame.h"
#include "osfile.h"
#include "pack.h"

cnd_status_t cnd_admin_pin_read_file(const char *path, uint8_t digits[8], uint8_t *n,
                                     cnd_err_t *err)
{
    char line[64];
    FILE *f = fopen(path, "r");
    size_t i, len;

    *n = 0;
    if (f == NULL) {
        cnd_err_set(err, "cannot read admin PIN file %s: %s", path, strerror(errno));
        return CND_E_IO;
    }
    if (fgets(line, sizeof line, f) == NULL)
        line[0] = '\0';
    fclose(f);
    len = strcspn(line, "\r\n");
    for (i = 0; i < len; i++)
        if (line[i] < '0' || line[i] > '9')
            break;
    if (i != len || len < CND_ADMIN_PIN_MIN_DIGITS || len > CND_ADMIN_PIN_MAX_DIGITS) {
        memset(line, 0, sizeof line);
        cnd_err_set(err,
                    "admin PIN file %s: the first line must be %d to %d digits (the handheld "
                    "enters digits only)",
                    path, CND_ADMIN_PIN_MIN_DIGITS, CND_ADMIN_PIN_MAX_DIGITS);
        return CND_E_INVALID;
    }
    for (i = 0; i < len; i++)
        digits[i] = (uint8_t)(line[i] - '0');
    *n = (uint8_t)len;
    memset(line, 0, sizeof line);
    return CND_OK;
}

cnd_status_t cnd_pack_add_admin(uint8_t *pack, size_t *len, size_t cap, const uint8_t *digits,
                                uint8_t n, uint32_t iterations, cnd_err_t *err)
{
    uint8_t salt[CND_ADMIN_SALT_LEN], block[CND_PACK_ADMIN_LEN];
    cnd_pack_t pk;
    cnd_status_t st;
    size_t at, new_len = *len + CND_PACK_ADMIN_LEN;

    if (cnd_pack_open(&pk, pack, (uint32_t)*len) != CND_OK ||
        pack[CND_PACK_HDR_ADMIN_LEN] != 0 || pack[CND_PACK_HDR_ADMIN_LEN + 1] != 0) {
        cnd_err_set(err, "internal: the pack to get an admin PIN is not valid or has one; "
                         "please report");
        return CND_E_INVALID;
    }
    if (new_len > cap || new_len > CND_MAX_PACK_SIZE) {
        cnd_err_set(err, "the pack with its admin PIN would be %zu bytes, over the %u-byte limit",
                    new_len, (unsigned)CND_MAX_PACK_SIZE);
        return CND_E_NOSPACE;
    }
    if (cnd_os_random(salt, sizeof salt) != 0) {
        cnd_err_set(err, "cannot draw a random salt for the admin PIN: %s", strerror(errno));
        return CND_E_IO;
    }
    st = cnd_admin_block_make(digits, n, salt, iterations, block);
    if (st != CND_OK) {
        cnd_err_set(err, "cannot derive the admin PIN hash (PBKDF2-HMAC-SHA256)");
        return st;
    }
    at = pk.off_strings + pk.len_strings;
    memmove(pack + at + CND_PACK_ADMIN_LEN, pack + at, *len - at);
    memcpy(pack + at, block, CND_PACK_ADMIN_LEN);
    pack[CND_PACK_HDR_ADMIN_LEN] = CND_PACK_ADMIN_LEN;
    pack[CND_PACK_HDR_ADMIN_LEN + 1] = 0;
    cnd_wire_put_u32(pack + CND_PACK_HDR_TOTAL_LEN, (uint32_t)new_len);
    cnd_wire_put_u32(pack + new_len - CND_PACK_TRAILER_SIZE,
          (uint32_t)crc32(0L, pack, (uInt)(new_len - CND_PACK_TRAILER_SIZE)));
    if (cnd_pack_open(&pk, pack, (uint32_t)new_len) != CND_OK) {
        /* put the pack back as it was */
        memmove(pack + at, pack + at + CND_PACK_ADMIN_LEN, *len - at);
        pack[CND_PACK_HDR_ADMIN_LEN] = 0;
        cnd_wire_put_u32(pack + CND_PACK_HDR_TOTAL_LEN, (uint32_t)*len);
        cnd_wire_put_u32(pack + *len - CND_PACK_TRAILER_SIZE,
              (uint32_t)crc32(0L, pack, (uInt)(*len - CND_PACK_TRAILER_SIZE)));
        cnd_err_set(err, "internal: the pack with an admin PIN fails validation; please report");
        return CND_E_INVALID;
    }
    memset(block, 0, sizeof block);
    *len = new_len;
    return CND_OK;
}
