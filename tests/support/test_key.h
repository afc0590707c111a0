/*
 * test_key.h: TEST-ONLY office keys, for tests that compile packs in
 * process (every pack is signed, formats/SPEC.md 1.9).
 *
 * Owns: two fixed key pairs built from fixed scalars written in
 * test_key.c, so every test run signs the same bytes (deterministic packs)
 * without touching a key file. THEY ARE PUBLIC: never use them for a real
 * survey; anyone could sign packs for, and open responses sealed to, them.
 * Script tests use a key made by `candor keygen` at build time instead
 * ($CANDOR_KEY, tests/CMakeLists.txt).
 * Never: used outside tests/ and tools/workload.
 * RAM: two cnd_office_key_t, built on first use.
 */
#ifndef CND_TEST_KEY_H
#define CND_TEST_KEY_H

#include "packsign.h" /* cnd_office_key_t (host/keys/officekey.h) */

/* "Office A": the office of every in-process test pack. */
const cnd_office_key_t *cnd_test_office_key(void);
/* "Office B": another office, for packs a device must refuse. */
const cnd_office_key_t *cnd_test_other_key(void);

/* Recomputes the CRC-32 trailer of pack[0..len) after a test changed bytes
 * on purpose, so that only the signature can notice the change. */
void cnd_test_pack_reseal_crc(uint8_t *pack, uint32_t len);

#endif
