/*
 * host_flash.h: the QEMU board's NOR flash chip, kept in a host file that
 * the firmware reads and writes through semihosting.
 *
 * Why not RAM: the store's layout needs at least 4 pack slots of 32 KiB
 * (64 KiB on this 1 MiB chip, to hold the default survey) plus superblock,
 * state and log blocks (about 150 KiB at the least); the STM32F405 has
 * 128 KiB SRAM (+64 KiB CCM) and the firmware itself needs ~60 KiB of it.
 * QEMU models the internal flash as ROM (writes are dropped), so it cannot
 * be used either. A host file also survives a QEMU restart, like a chip.
 *
 * Owns: NOR semantics on top of the file, exactly as hal.h states them:
 * program only clears bits (read, AND, write back), erase sets a block to
 * 0xFF, every range is checked against the geometry first. A missing or
 * short file is created blank (all 0xFF).
 *
 * Never: used on the handheld (semihosting stops a core with no debugger).
 * RAM: sizeof(cnd_host_flash_t) = 16 bytes, plus a 256-byte stack buffer.
 */
#ifndef CND_HOST_FLASH_H
#define CND_HOST_FLASH_H

#include <stdint.h>

#include "hal.h"

#define CND_HOST_FLASH_BLOCK_SIZE 4096u
#define CND_HOST_FLASH_BLOCK_COUNT 256u /* 1 MiB, like the simulator's flash file */
#define CND_HOST_FLASH_PROG_SIZE 16u

typedef struct {
    int32_t fd;
    uint32_t size, block_size, prog_size;
} cnd_host_flash_t;

/* Opens (or creates blank) the file at path and fills *out. CND_E_IO when
 * the host refuses the file. */
cnd_status_t cnd_host_flash_open(cnd_host_flash_t *hf, const char *path, uint32_t block_size,
                                 uint32_t block_count, uint32_t prog_size, cnd_flash_t *out);
void cnd_host_flash_close(cnd_host_flash_t *hf);

#endif
