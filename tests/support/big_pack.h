/*
 * big_pack.h: TEST-ONLY survey packs larger than the 32 KiB every pack slot
 * had before packs grew (docs/DESIGN.md "Large packs: slot size by chip"),
 * for tests of pack installation on big slots.
 *
 * Owns: a generated survey of single-choice items whose labels are distinct
 * everyday words (nothing the identifying-data guard refuses), sized to
 * fill most of a pack's 64 KiB string table, compiled with the test office
 * key (test_key.h). `variant` changes the survey id and every label, so
 * variants are distinct packs (distinct fingerprints).
 * Never: used outside tests/.
 * RAM: the JSON text on the heap while compiling.
 */
#ifndef CND_BIG_PACK_H
#define CND_BIG_PACK_H

#include <stddef.h>
#include <stdint.h>

/* Compiles the variant into pack (cap >= CND_MAX_PACK_SIZE); its length in
 * *len. 0 on success, -1 when it does not compile (the message on stderr). */
int cnd_test_big_pack(unsigned variant, uint8_t *pack, size_t cap, uint32_t *len);

#endif
