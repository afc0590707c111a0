/*
 * adminpin.h: the admin PIN of a survey pack (formats/SPEC.md 1.10), shared
 * by the office (which writes the block) and the device (which checks an
 * entered PIN against it).
 *
 * Owns: the block's bytes (magic, digits, iterations, salt, hash) and the
 * one derivation both sides use: PBKDF2-HMAC-SHA256 over the PIN's ASCII
 * digits, from Mbed TLS (no home-made crypto), compared in constant time.
 * Never: keeps a PIN or a derived key after returning (both are wiped), or
 * accepts a PIN of another length than the block says.
 * RAM: about 80 bytes of stack, plus Mbed TLS's HMAC context (about 240
 * bytes from its allocator: the device's static arena, libc on the host).
 * Time: `iterations` HMAC-SHA256 pairs; the office chooses them.
 */
#ifndef CND_ADMINPIN_H
#define CND_ADMINPIN_H

#include <stdint.h>

#include "cnd_status.h"
#include "pack.h"

/* The PBKDF2 output for the PIN digits[0..n) (each 0..9, not ASCII). */
cnd_status_t cnd_admin_pin_derive(const uint8_t *digits, uint8_t n, const uint8_t *salt,
                                  uint32_t iterations, uint8_t out[CND_ADMIN_HASH_LEN]);

/* Fills a whole admin block (CND_PACK_ADMIN_LEN bytes) for the PIN. */
cnd_status_t cnd_admin_block_make(const uint8_t *digits, uint8_t n,
                                  const uint8_t salt[CND_ADMIN_SALT_LEN], uint32_t iterations,
                                  uint8_t block[CND_PACK_ADMIN_LEN]);

/* CND_OK when digits[0..n) is the pack's PIN, CND_E_VERIFY when it is not
 * (also for a wrong length), CND_E_IO when the derivation failed. */
cnd_status_t cnd_admin_pin_check(const cnd_pack_admin_t *admin, const uint8_t *digits,
                                 uint8_t n);

#endif
