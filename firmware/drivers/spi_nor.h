/*
 * spi_nor.h: a serial NOR flash (W25Q64JV and pin-compatible 8 MiB parts)
 * over cnd_spi_bus_t, exposed to the core as a hal.h cnd_flash_t.
 *
 * Owns: the chip's command sequences. Probe: release from deep power-down
 * (0xAB), JEDEC id (0x9F) checked against a table of parts whose command
 * set and geometry this driver is known to fit. Read 0x03. Program: WREN
 * 0x06, RDSR 0x05 must show WEL, PAGE PROGRAM 0x02 never crossing a
 * 256-byte page (the chip would wrap inside the page and corrupt it), busy
 * poll on WIP with a timeout, and WEL must be clear afterwards (a chip that
 * silently ignored the command, e.g. write-protected, leaves it set). Erase:
 * the same around SECTOR ERASE 0x20 (4 KiB). Deep power-down 0xB9 between
 * key presses; any flash operation wakes the chip first.
 *
 * Never: retries or hides a failure (every one is CND_E_IO, the store
 * decides); programs or erases outside the chip; knows what is stored.
 * Never issues a chip erase or touches the status-register protection bits.
 *
 * RAM: sizeof(cnd_spi_nor_t) = 20 bytes on Cortex-M4; at most 8 bytes of
 * stack buffers per call. Data is clocked straight from/to the caller's
 * buffer.
 */
#ifndef CND_SPI_NOR_H
#define CND_SPI_NOR_H

#include <stdint.h>

#include "cnd_status.h"
#include "hal.h"
#include "spi_bus.h"

#define CND_SPI_NOR_PAGE 256u    /* PAGE PROGRAM wraps inside this */
#define CND_SPI_NOR_SECTOR 4096u /* SECTOR ERASE unit, the store's block */

/* Datasheet maxima with margin (W25Q64JV: tPP 3 ms, tSE 400 ms; the other
 * parts in the table are no slower). */
#define CND_SPI_NOR_PROG_TIMEOUT_MS 10u
#define CND_SPI_NOR_ERASE_TIMEOUT_MS 1000u

/* Status register 1 bits (RDSR 0x05). */
#define CND_SPI_NOR_SR_WIP 0x01u /* write in progress (BUSY) */
#define CND_SPI_NOR_SR_WEL 0x02u /* write enable latch */

typedef struct {
    const cnd_spi_bus_t *bus;
    const char *part;  /* e.g. "W25Q64JV"; NULL until probed */
    const char *why;   /* why the last probe refused; "" when it did not */
    uint32_t size;     /* bytes */
    uint8_t jedec[3];  /* manufacturer, memory type, capacity as read */
    uint8_t asleep;    /* 1 after cnd_spi_nor_sleep: wake before any command */
} cnd_spi_nor_t;

/*
 * Wakes the chip, reads its JEDEC id and accepts it only if it is in the
 * table of supported parts. CND_E_IO when nothing answers (id all 0x00 or
 * all 0xFF: no chip, wiring, or chip select) or the bus fails;
 * CND_E_NOT_FOUND for a chip that answers but is not a supported part.
 * nor->why says which, for the boot screen / self-test.
 */
cnd_status_t cnd_spi_nor_probe(cnd_spi_nor_t *nor, const cnd_spi_bus_t *bus);

/* Flash operations on a probed chip; each returns CND_OK or CND_E_IO
 * (CND_E_RANGE / CND_E_INVALID for arguments outside the chip). */
cnd_status_t cnd_spi_nor_read(cnd_spi_nor_t *nor, uint32_t addr, void *buf, uint32_t len);
/* Programs any byte range (bits only go 1 -> 0), split at page boundaries. */
cnd_status_t cnd_spi_nor_program(cnd_spi_nor_t *nor, uint32_t addr, const void *buf,
                                 uint32_t len);
/* Erases the 4 KiB sector at index `sector` to 0xFF. */
cnd_status_t cnd_spi_nor_erase_sector(cnd_spi_nor_t *nor, uint32_t sector);

/* Deep power-down (0xB9; about 1 uA instead of 10+ uA standby) and release
 * (0xAB, then tRES1 before the next command). Sleep waits for a program or
 * erase in flight to finish first. */
cnd_status_t cnd_spi_nor_sleep(cnd_spi_nor_t *nor);
cnd_status_t cnd_spi_nor_wake(cnd_spi_nor_t *nor);

/*
 * Fills *out as the store's block device over the whole probed chip:
 * block_size 4096 (one sector), block_count = size / 4096 (2048 for 8 MiB),
 * prog_size as given: 16 (the store pads entries to it; 16 wastes least) or
 * any power of two up to 256 (formats/SPEC.md section 4). A board that
 * wants only part of the chip lowers out->block_count afterwards.
 * CND_E_INVALID for a bad prog_size or an unprobed chip.
 */
cnd_status_t cnd_spi_nor_flash(cnd_spi_nor_t *nor, uint32_t prog_size, cnd_flash_t *out);

#endif
