/* spi_nor.c: SPI NOR flash command sequences (see spi_nor.h). */
#include "spi_nor.h"

#include <stddef.h>

#define OP_WRDI 0x04u /* WRDI: clears WEL */
#define OP_WREN 0x06u
#define OP_RDSR 0x05u
#define OP_READ 0x03u
#define OP_PP 0x02u
#define OP_SE 0x20u
#define OP_JEDEC 0x9Fu
#define OP_DPD 0xB9u
#define OP_RELEASE 0xABu

/* Parts with the same 8 MiB geometry and the same commands (0x03 read,
 * 0x02 256-byte page program, 0x20 4 KiB erase, 0xB9/0xAB, WEL/WIP in SR1),
 * so any of them can be fitted to the board in place of the W25Q64JV. */
static const struct {
    uint8_t id[3];
    const char *name;
} parts[] = {
    {{0xEF, 0x40, 0x17}, "W25Q64JV"},   /* Winbond, SPI (-IQ/-JQ) */
    {{0xEF, 0x70, 0x17}, "W25Q64JV-M"}, /* Winbond, DTR variant (-IM/-JM) */
    {{0xC8, 0x40, 0x17}, "GD25Q64C"},   /* GigaDevice */
    {{0xC2, 0x20, 0x17}, "MX25L6433F"}, /* Macronix */
    {{0x9D, 0x60, 0x17}, "IS25LP064A"}, /* ISSI */
};

/* One command frame: header bytes (opcode, address), then an optional data
 * phase clocked straight from tx / into rx. */
static cnd_status_t frame(cnd_spi_nor_t *nor, const uint8_t *hdr, uint32_t n_hdr,
                          const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    const cnd_spi_bus_t *b = nor->bus;
    cnd_status_t st;
    b->select(b->ctx, 1);
    st = b->xfer(b->ctx, hdr, NULL, n_hdr);
    if (st == CND_OK && len > 0)
        st = b->xfer(b->ctx, tx, rx, len);
    b->select(b->ctx, 0);
    return st == CND_OK ? CND_OK : CND_E_IO;
}

static cnd_status_t op(cnd_spi_nor_t *nor, uint8_t opcode)
{
    return frame(nor, &opcode, 1, NULL, NULL, 0);
}

static cnd_status_t op_addr(cnd_spi_nor_t *nor, uint8_t opcode, uint32_t addr,
                            const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    uint8_t hdr[4];
    hdr[0] = opcode;
    hdr[1] = (uint8_t)(addr >> 16);
    hdr[2] = (uint8_t)(addr >> 8);
    hdr[3] = (uint8_t)addr;
    return frame(nor, hdr, 4, tx, rx, len);
}

static cnd_status_t read_status(cnd_spi_nor_t *nor, uint8_t *sr)
{
    uint8_t opcode = OP_RDSR;
    return frame(nor, &opcode, 1, NULL, sr, 1);
}

/* Polls WIP until clear. The status is read once more after the deadline,
 * so a poll delayed by an interrupt cannot report a false timeout. */
static cnd_status_t wait_ready(cnd_spi_nor_t *nor, uint32_t timeout_ms, uint8_t *sr_out)
{
    const cnd_spi_bus_t *b = nor->bus;
    uint32_t t0 = b->millis(b->ctx);
    for (;;) {
        int expired = b->millis(b->ctx) - t0 > timeout_ms;
        uint8_t sr;
        if (read_status(nor, &sr) != CND_OK)
            return CND_E_IO;
        if ((sr & CND_SPI_NOR_SR_WIP) == 0) {
            if (sr_out != NULL)
                *sr_out = sr;
            return CND_OK;
        }
        if (expired)
            return CND_E_IO;
    }
}

/* tRES1 (3 us on the W25Q64JV) after a release: wait for the millisecond
 * counter to tick twice, which is at least 1 ms whatever its phase. */
static void wait_wake(cnd_spi_nor_t *nor)
{
    const cnd_spi_bus_t *b = nor->bus;
    uint32_t t0 = b->millis(b->ctx);
    while (b->millis(b->ctx) - t0 < 2u) {
    }
}

cnd_status_t cnd_spi_nor_wake(cnd_spi_nor_t *nor)
{
    if (op(nor, OP_RELEASE) != CND_OK)
        return CND_E_IO;
    wait_wake(nor);
    nor->asleep = 0;
    return CND_OK;
}

cnd_status_t cnd_spi_nor_sleep(cnd_spi_nor_t *nor)
{
    if (nor->asleep)
        return CND_OK;
    /* A chip in deep power-down ignores RDSR, so never sleep mid-write. */
    if (wait_ready(nor, CND_SPI_NOR_ERASE_TIMEOUT_MS, NULL) != CND_OK)
        return CND_E_IO;
    if (op(nor, OP_DPD) != CND_OK)
        return CND_E_IO;
    nor->asleep = 1;
    return CND_OK;
}

cnd_status_t cnd_spi_nor_probe(cnd_spi_nor_t *nor, const cnd_spi_bus_t *bus)
{
    uint8_t opcode = OP_JEDEC;
    size_t i;
    nor->bus = bus;
    nor->part = NULL;
    nor->size = 0;
    nor->jedec[0] = nor->jedec[1] = nor->jedec[2] = 0;
    nor->why = "no answer on the SPI bus";
    /* The chip may still be in deep power-down from before an MCU reset,
     * where it answers nothing but the release command. */
    if (cnd_spi_nor_wake(nor) != CND_OK)
        return CND_E_IO;
    if (frame(nor, &opcode, 1, NULL, nor->jedec, 3) != CND_OK)
        return CND_E_IO;
    if ((nor->jedec[0] == 0x00 && nor->jedec[1] == 0x00 && nor->jedec[2] == 0x00) ||
        (nor->jedec[0] == 0xFF && nor->jedec[1] == 0xFF && nor->jedec[2] == 0xFF)) {
        nor->why = "no flash chip answers (JEDEC id all 0x00 or 0xFF): check wiring and CS";
        return CND_E_IO;
    }
    for (i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i].id[0] == nor->jedec[0] && parts[i].id[1] == nor->jedec[1] &&
            parts[i].id[2] == nor->jedec[2]) {
            nor->part = parts[i].name;
            nor->size = 1ul << nor->jedec[2]; /* capacity code 0x17 = 2^23 bytes */
            nor->why = "";
            return CND_OK;
        }
    }
    nor->why = "unsupported flash chip (JEDEC id not in the table of 8 MiB parts)";
    return CND_E_NOT_FOUND;
}

/* Checks that [addr, addr+len) lies in the chip, without overflow. */
static cnd_status_t check_range(const cnd_spi_nor_t *nor, uint32_t addr, uint32_t len)
{
    if (nor->part == NULL)
        return CND_E_INVALID;
    if (addr > nor->size || len > nor->size - addr)
        return CND_E_RANGE;
    return CND_OK;
}

static cnd_status_t awake(cnd_spi_nor_t *nor)
{
    return nor->asleep ? cnd_spi_nor_wake(nor) : CND_OK;
}

cnd_status_t cnd_spi_nor_read(cnd_spi_nor_t *nor, uint32_t addr, void *buf, uint32_t len)
{
    cnd_status_t st = check_range(nor, addr, len);
    if (st != CND_OK)
        return st;
    if (len == 0)
        return CND_OK;
    if (awake(nor) != CND_OK)
        return CND_E_IO;
    return op_addr(nor, OP_READ, addr, NULL, (uint8_t *)buf, len);
}

/* WREN, then proof that the latch is set (and no write is running): a chip
 * that is absent, write-protected by its WP pin or still busy fails here
 * instead of silently dropping the following command. */
static cnd_status_t write_enable(cnd_spi_nor_t *nor)
{
    uint8_t sr;
    if (op(nor, OP_WREN) != CND_OK || read_status(nor, &sr) != CND_OK)
        return CND_E_IO;
    if ((sr & (CND_SPI_NOR_SR_WEL | CND_SPI_NOR_SR_WIP)) != CND_SPI_NOR_SR_WEL)
        return CND_E_IO;
    return CND_OK;
}

/* After a program or erase: not busy within the timeout, and WEL cleared by
 * the chip (it clears WEL only when it executed the command; a protected
 * address leaves it set). A left-over WEL is cleared so no later stray
 * command can write. */
static cnd_status_t finish_write(cnd_spi_nor_t *nor, uint32_t timeout_ms)
{
    uint8_t sr;
    if (wait_ready(nor, timeout_ms, &sr) != CND_OK)
        return CND_E_IO;
    if (sr & CND_SPI_NOR_SR_WEL) {
        (void)op(nor, OP_WRDI);
        return CND_E_IO;
    }
    return CND_OK;
}

cnd_status_t cnd_spi_nor_program(cnd_spi_nor_t *nor, uint32_t addr, const void *buf,
                                 uint32_t len)
{
    const uint8_t *p = (const uint8_t *)buf;
    cnd_status_t st = check_range(nor, addr, len);
    if (st != CND_OK)
        return st;
    if (len > 0 && awake(nor) != CND_OK)
        return CND_E_IO;
    while (len > 0) {
        /* A page program wraps at the page end: never let it get there. */
        uint32_t n = CND_SPI_NOR_PAGE - (addr % CND_SPI_NOR_PAGE);
        if (n > len)
            n = len;
        if (write_enable(nor) != CND_OK || op_addr(nor, OP_PP, addr, p, NULL, n) != CND_OK ||
            finish_write(nor, CND_SPI_NOR_PROG_TIMEOUT_MS) != CND_OK)
            return CND_E_IO;
        addr += n;
        p += n;
        len -= n;
    }
    return CND_OK;
}

cnd_status_t cnd_spi_nor_erase_sector(cnd_spi_nor_t *nor, uint32_t sector)
{
    if (nor->part == NULL)
        return CND_E_INVALID;
    if (sector >= nor->size / CND_SPI_NOR_SECTOR)
        return CND_E_RANGE;
    if (awake(nor) != CND_OK || write_enable(nor) != CND_OK ||
        op_addr(nor, OP_SE, sector * CND_SPI_NOR_SECTOR, NULL, NULL, 0) != CND_OK)
        return CND_E_IO;
    return finish_write(nor, CND_SPI_NOR_ERASE_TIMEOUT_MS);
}

/* hal.h callbacks: every failure is CND_E_IO to the store. */
static cnd_status_t flash_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    return cnd_spi_nor_read((cnd_spi_nor_t *)ctx, addr, buf, len) == CND_OK ? CND_OK : CND_E_IO;
}

static cnd_status_t flash_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    return cnd_spi_nor_program((cnd_spi_nor_t *)ctx, addr, buf, len) == CND_OK ? CND_OK
                                                                              : CND_E_IO;
}

static cnd_status_t flash_erase(void *ctx, uint32_t block)
{
    return cnd_spi_nor_erase_sector((cnd_spi_nor_t *)ctx, block) == CND_OK ? CND_OK : CND_E_IO;
}

cnd_status_t cnd_spi_nor_flash(cnd_spi_nor_t *nor, uint32_t prog_size, cnd_flash_t *out)
{
    if (nor->part == NULL || prog_size == 0 || prog_size > CND_SPI_NOR_PAGE ||
        (prog_size & (prog_size - 1u)) != 0)
        return CND_E_INVALID;
    out->block_size = CND_SPI_NOR_SECTOR;
    out->block_count = nor->size / CND_SPI_NOR_SECTOR;
    out->prog_size = prog_size;
    out->ctx = nor;
    out->read = flash_read;
    out->prog = flash_prog;
    out->erase = flash_erase;
    return CND_OK;
}
