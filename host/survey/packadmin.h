/*
 * packadmin.h: putting the office's admin PIN into a compiled survey pack
 * (`candor compile --admin-pin-file FILE`; formats/SPEC.md 1.10).
 *
 * Owns: reading the PIN file (its first line: 4 to 8 decimal digits),
 * drawing the salt from the kernel (getrandom), and inserting the admin
 * block after the pack's string section (header length field, total_len
 * and CRC updated; whatever follows the strings moves up).
 * Never: writes the PIN anywhere (it is wiped after hashing) or leaves a
 * half-changed pack: on failure the buffer is as it was. A signed pack must
 * be signed again afterwards (the block is inside what a signature covers).
 * RAM: host only, a few hundred bytes.
 */
#ifndef CND_PACKADMIN_H
#define CND_PACKADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"

/* PBKDF2 iterations for a new PIN: about 1.5 s on the 168 MHz handheld. */
#define CND_ADMIN_ITER_DEFAULT 10000u

/* The PIN in path's first line as digit values (0..9) into digits[0..8);
 * *n = how many. CND_E_INVALID (not 4..8 digits) or CND_E_IO, with err. */
cnd_status_t cnd_admin_pin_read_file(const char *path, uint8_t digits[8], uint8_t *n,
                                     cnd_err_t *err);

/* Adds an admin block for the PIN to pack[0..*len) in place (cap bytes of
 * room), with a fresh random salt. CND_E_NOSPACE when it does not fit,
 * CND_E_INVALID for a pack that is not valid or already has one. */
cnd_status_t cnd_pack_add_admin(uint8_t *pack, size_t *len, size_t cap, const uint8_t *digits,
                                uint8_t n, uint32_t iterations, cnd_err_t *err);

#endif
