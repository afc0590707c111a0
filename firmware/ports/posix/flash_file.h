/*
 * flash_file.h: the simulator's NOR flash, backed by one file.
 *
 * Owns: a cnd_flash_t whose bytes live in a regular file, with the NOR
 * rules of hal.h enforced (prog only clears bits, is prog_size-aligned and
 * stays inside one block; erase sets a block to 0xFF). Every prog and erase
 * is fdatasync'ed before it returns, so the image survives the simulator
 * being SIGKILLed at any moment, like a real chip survives a pulled battery.
 * A missing file is created all 0xFF (a blank chip) through a temporary
 * file, fsync and rename. The file is locked (fcntl) so two simulators
 * cannot share one chip.
 *
 * Never: knows anything about what is stored; resizes an existing image
 * (a size that does not match the geometry is refused).
 * Reads come from a shared read-only mapping of the file (the page cache
 * that every pwrite updates), so a read is a memcpy, not a system call.
 * RAM: sizeof(cnd_flash_file_t) (a few words) plus a block-sized stack
 * buffer only while creating the file; the mapping is the file's size.
 */
#ifndef CND_FLASH_FILE_H
#define CND_FLASH_FILE_H

#include <stdint.h>

#include "hal.h"

/* Default geometry: a 1 MiB SPI NOR with 4 KiB sectors and 16-byte program
 * units (many parts program 1..256 bytes; 16 keeps alignment honest). */
#define CND_FLASH_FILE_BLOCK_SIZE 4096u
#define CND_FLASH_FILE_BLOCK_COUNT 256u
#define CND_FLASH_FILE_PROG_SIZE 16u

typedef struct {
    int fd;
    const uint8_t *map; /* the file mapped read-only (reads), NULL = pread */
    uint32_t block_size, block_count, prog_size;
} cnd_flash_file_t;

/*
 * Opens (or creates blank) the image at path and fills *out with a flash
 * backed by it. CND_E_INVALID for a bad geometry or an existing file of the
 * wrong size, CND_E_BUSY if another process holds the image, CND_E_IO for
 * any OS error.
 */
cnd_status_t cnd_flash_file_open(cnd_flash_file_t *ff, const char *path, uint32_t block_size,
                                 uint32_t block_count, uint32_t prog_size, cnd_flash_t *out);
void cnd_flash_file_close(cnd_flash_file_t *ff);

#endif
