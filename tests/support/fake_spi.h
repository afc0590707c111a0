/*
 * fake_spi.h: a W25Q64-like SPI NOR chip behind a cnd_spi_bus_t, for host
 * tests of the flash driver (and anything above it, e.g. the store).
 *
 * Owns: the chip's behaviour as its datasheet states it, so a driver that
 * skips a step misbehaves here as it would on the board:
 * - commands are latched when chip select goes high; bytes before that are
 *   collected into one command frame;
 * - WREN sets WEL; PAGE PROGRAM / SECTOR ERASE without WEL are ignored;
 *   both clear WEL when they run and make the chip busy (WIP) for a number
 *   of millis ticks; any command but RDSR while busy is ignored (counted as
 *   a violation);
 * - PAGE PROGRAM ANDs into the array and wraps inside its 256-byte page
 *   (as the real chip does), erase sets 4 KiB to 0xFF;
 * - deep power-down (0xB9) ignores everything but release (0xAB) and
 *   answers 0xFF;
 * - fault knobs: a JEDEC id, write protection (program/erase ignored, WEL
 *   left set), stuck busy, a bus error at command N.
 * Every command frame is logged (opcode, address, data length) so tests
 * assert the exact command sequences. The bus clock is a fake millisecond
 * counter that advances by one on every millis() call.
 *
 * Never: used by firmware. RAM: the array (malloc'ed in init; tests may)
 * plus the log.
 */
#ifndef CND_FAKE_SPI_H
#define CND_FAKE_SPI_H

#include <stdint.h>

#include "spi_bus.h"

#define CND_FAKE_SPI_LOG 64 /* first commands kept in the log */

typedef struct {
    uint8_t opcode;
    uint32_t addr; /* for commands with an address */
    uint32_t len;  /* data bytes after opcode (and address) */
} cnd_fake_spi_cmd_t;

typedef struct {
    cnd_spi_bus_t bus; /* hand &bus to the driver; ctx points here */
    uint8_t *mem;
    uint32_t size;
    uint8_t jedec[3];
    /* chip state */
    int selected;
    uint8_t wel, asleep;
    uint32_t busy_until; /* WIP while now < busy_until */
    uint32_t now;        /* fake milliseconds, +1 per millis() call */
    uint32_t prog_ms, erase_ms; /* busy time per operation */
    /* knobs */
    int write_protected; /* program/erase ignored, WEL stays set */
    int stuck_busy;      /* WIP never clears */
    uint32_t fail_at_cmd; /* 1-based command frame whose xfer fails; 0 = never */
    /* the frame being clocked in */
    uint8_t cur_op;
    uint32_t cur_pos, cur_addr, cur_len;
    uint8_t page[256];
    /* log and counters */
    cnd_fake_spi_cmd_t log[CND_FAKE_SPI_LOG];
    uint32_t n_cmds;      /* command frames seen (log keeps the first 64) */
    uint32_t violations;  /* commands a real chip would have ignored */
    uint32_t programs, erases; /* operations the chip actually executed */
} cnd_fake_spi_t;

/* A blank (all 0xFF) W25Q64JV: 8 MiB, JEDEC EF 40 17. */
void cnd_fake_spi_init(cnd_fake_spi_t *f);
void cnd_fake_spi_free(cnd_fake_spi_t *f);
/* Forgets the command log and counters (the array stays). */
void cnd_fake_spi_clear_log(cnd_fake_spi_t *f);
/* Commands in the log with this opcode. */
uint32_t cnd_fake_spi_count(const cnd_fake_spi_t *f, uint8_t opcode);

#endif
