/*
 * quarantine.h: what the office keeps of flash damage a device reported
 * (formats/SPEC.md sections 6 "DAMAGE" and 8.4).
 *
 * Owns: the name and the .why line of one damaged flash region in
 * STORE/quarantine/: damage-s<segment>-o<offset>-<crc32 of the bytes>,
 * holding the raw bytes exactly as the device read them (sealed
 * ciphertext at most: the device never holds plaintext on flash), and
 * <name>.why, one line saying what they are. The name carries no device
 * id, so the store keeps no device identity in clear; the same region
 * synced twice lands on the same name and is stored once.
 *
 * Never: decodes, repairs or deletes anything; writes outside
 * quarantine/ (hoststore.h cnd_hoststore_quarantine_put does the durable
 * writing for the whole store).
 * RAM: host only; a few hundred bytes of stack.
 */
#ifndef CND_QUARANTINE_H
#define CND_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "hosterr.h"
#include "hoststore.h"

typedef struct {
    uint32_t segment, offset; /* where the device found it (SPEC 4.4) */
    uint8_t id_state;         /* 0 no id, 1 id as read (unverified), 2 verified */
    uint8_t id[CND_RESPONSE_ID_LEN];
} cnd_quarantine_damage_t;

/* Stores one region durably; *is_new = 0 when it was already there. */
cnd_status_t cnd_quarantine_put_damage(cnd_hoststore_t *hs, const cnd_quarantine_damage_t *d,
                                       const uint8_t *bytes, size_t len, int *is_new,
                                       cnd_err_t *err);

#endif
