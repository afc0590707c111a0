/*
 * pack_mirror.h: the active survey pack mirrored into consecutive sectors
 * of the MCU's memory-mapped internal flash, so cnd_pack_open() works on a
 * const pointer and the active pack costs no RAM (the reference handheld's
 * RAM budget is 32 KiB in all; CND_MAX_PACK_SIZE alone is 380 KiB). On the
 * handheld the mirror is three 128 KiB sectors: a 380 KiB pack plus the
 * header does not fit in two.
 *
 * Owns: the mirror's layout (formats/SPEC.md has none: it never leaves the
 * device and is rebuilt from NOR whenever in doubt):
 *
 *   offset 0        header, CND_PACK_MIRROR_HDR bytes (rounded up to the
 *                   internal flash's program unit):
 *                     0  u32 LE  magic 0x4D444E43 ("CNDM")
 *                     4  u32 LE  len: pack bytes mirrored
 *                     8  u32 LE  CRC-32 (zlib) of the len pack bytes
 *                    12  u32 LE  ~len
 *   offset HDR      the pack bytes, then 0xFF to the next program unit.
 *
 * Power safety: the store's NOR pack slot stays the source of truth. A
 * load first checks the mirror (header, CRC, and byte for byte against the
 * NOR slot); only if anything differs does it erase the sectors the pack
 * needs, the header's sector FIRST (so the old header is gone before any
 * other byte changes), program the pack in chunks, verify each chunk by
 * reading it back, and program the header LAST. A power cut anywhere
 * before the header is complete leaves a mirror that fails the check, so
 * the next boot copies again; a cut after it leaves a complete, verified
 * mirror. Sectors past the pack's end are left as they are: the header's
 * length and CRC never reach them.
 *
 * Use: lend cnd_pack_mirror_window to the store (cnd_store_set_pack_window)
 * and open the active pack with cnd_store_open_active_pack(st, NULL, 0, &pk)
 * at boot and after a push. The commit of a pushed pack verifies it through
 * the mirror, and a failed commit copies the active pack back.
 *
 * Never: writes outside its sectors, trusts them without checking them
 * against NOR, or returns a pointer to bytes it has not verified.
 * RAM: sizeof(cnd_pack_mirror_t) = 12 bytes on Cortex-M4, plus 256 bytes of
 * stack per load (one chunk).
 */
#ifndef CND_PACK_MIRROR_H
#define CND_PACK_MIRROR_H

#include <stdint.h>

#include "cnd_status.h"
#include "hal.h"

#define CND_PACK_MIRROR_MAGIC 0x4D444E43u /* "CNDM" little-endian */
#define CND_PACK_MIRROR_HDR 16u           /* before rounding to the program unit */
#define CND_PACK_MIRROR_CHUNK 256u        /* bytes copied per step (stack) */

/*
 * Consecutive erasable sectors of memory-mapped internal flash, all of one
 * size (STM32F407: three 128 KiB sectors; the host tests: RAM).
 * - base: where the first sector reads, memory-mapped; size bytes in all,
 *   a whole number of sector_size sectors.
 * - erase: sets sector `sector` (0 = the one at base) to 0xFF.
 * - prog: programs len bytes at off (both multiples of prog_size, which is
 *   a power of two <= CND_PACK_MIRROR_CHUNK); only clears bits.
 * Each returns CND_OK or CND_E_IO. A power cut may interrupt either.
 */
typedef struct {
    const uint8_t *base;
    uint32_t size;
    uint32_t sector_size;
    uint32_t prog_size;
    void *ctx;
    cnd_status_t (*erase)(void *ctx, uint32_t sector);
    cnd_status_t (*prog)(void *ctx, uint32_t off, const void *buf, uint32_t len);
} cnd_iflash_t;

typedef struct {
    const cnd_iflash_t *iflash;
    const cnd_flash_t *nor; /* the store's flash, the source of truth */
    uint32_t copies;        /* sector rewrites since init (diagnostics, tests) */
} cnd_pack_mirror_t;

void cnd_pack_mirror_init(cnd_pack_mirror_t *m, const cnd_iflash_t *iflash,
                          const cnd_flash_t *nor);

/* Largest pack the sectors can mirror (0 for a geometry this module refuses). */
uint32_t cnd_pack_mirror_capacity(const cnd_pack_mirror_t *m);

/*
 * A cnd_store_window_fn (ctx = the mirror): makes the len bytes at addr on
 * the NOR flash readable at *out, copying them into the sectors only if
 * they do not already hold exactly them. CND_E_NOSPACE if len does not fit
 * the sectors, CND_E_IO if NOR or internal flash fails, CND_E_VERIFY if a
 * programmed chunk does not read back as written. On failure *out is NULL
 * and the mirror is left without a valid header.
 */
cnd_status_t cnd_pack_mirror_window(void *ctx, uint32_t addr, uint32_t len, const uint8_t **out);

#endif
