/*
 * iflash.h: consecutive equal sectors of the STM32F407's internal flash
 * (the 128 KiB sectors 5-7) as a pack_mirror.h cnd_iflash_t (RM0090 section 3, "Embedded Flash memory
 * interface"): sector erase and 32-bit programming (x32 parallelism,
 * 2.7-3.6 V), errors read from FLASH_SR, the ART data cache reset after
 * every change so reads through the memory map see the new bytes.
 *
 * The core stalls (does not fault) on flash fetches while an erase or
 * program is in progress: a 128 KiB sector erase takes 1-2 s (DS8626
 * t_ERASE128KB), during which no interrupt runs. The watchdog is kicked
 * before each sector's erase and its period covers the datasheet maximum
 * for one sector; the USB
 * controller keeps NAKing the host on its own meanwhile.
 *
 * Never: touches a sector other than the ones it was given, or the option
 * bytes; leaves the flash controller unlocked after a call.
 * RAM: sizeof(cnd_stm32_iflash_t) = 40 bytes (the ops struct and 3 words).
 */
#ifndef CND_IFLASH_H
#define CND_IFLASH_H

#include <stdint.h>

#include "pack_mirror.h"

typedef struct {
    cnd_iflash_t ops;   /* hand &ops to cnd_pack_mirror_init() */
    uint32_t first_sector; /* RM0090 sector number (SNB) of the one at base */
    uint32_t n_sectors;    /* all of one size: size / n_sectors each */
    void (*kick)(void); /* watchdog refresh before a long erase; may be NULL */
} cnd_stm32_iflash_t;

/* base/size: the sectors' address and total size (from board.ld). */
void cnd_stm32_iflash_init(cnd_stm32_iflash_t *f, uint32_t first_sector, uint32_t n_sectors,
                           uint32_t base, uint32_t size, void (*kick)(void));

#endif
