/* quarantine.c: see quarantine.h. */
#include "quarantine.h"

#include <stdio.h>

#include <zlib.h>

cnd_status_t cnd_quarantine_put_damage(cnd_hoststore_t *hs, const cnd_quarantine_damage_t *d,
                                       const uint8_t *bytes, size_t len, int *is_new,
                                       cnd_err_t *err)
{
    char name[64], why[256], id[2 * CND_RESPONSE_ID_LEN + 1];
    uint32_t crc = (uint32_t)crc32(0L, bytes, (uInt)len);
    int rc;
    unsigned i;

    for (i = 0; i < CND_RESPONSE_ID_LEN; i++)
        snprintf(id + 2 * i, 3, "%02x", d->id[i]);
    snprintf(name, sizeof name, "damage-s%u-o%u-%08x", (unsigned)d->segment,
             (unsigned)d->offset, (unsigned)crc);
    snprintf(why, sizeof why,
             "damaged flash region reported by a device at sync: %zu raw bytes from log "
             "segment %u offset %u; %s%s%s; kept as read, nothing decoded",
             len, (unsigned)d->segment, (unsigned)d->offset,
             d->id_state == 0   ? "no response id readable"
             : d->id_state == 1 ? "response id as read (unverified) "
                                : "response id (verified, its record cannot be opened) ",
             d->id_state ? id : "", "");
    rc = cnd_hoststore_quarantine_put(hs, name, bytes, len, why, err);
    if (rc < 0)
        return CND_E_IO;
    *is_new = rc == 0;
    return CND_OK;
}
