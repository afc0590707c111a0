/* fake_spi.c: an emulated SPI NOR chip for driver tests (see fake_spi.h). */
#include "fake_spi.h"

#include <stdlib.h>
#include <string.h>

static int has_addr(uint8_t op)
{
    return op == 0x03 || op == 0x02 || op == 0x20;
}

static int busy(const cnd_fake_spi_t *f)
{
    return f->stuck_busy || f->now < f->busy_until;
}

static uint8_t status(const cnd_fake_spi_t *f)
{
    return (uint8_t)((busy(f) ? 0x01 : 0) | (f->wel ? 0x02 : 0));
}

/* One byte clocked in (MOSI), the byte clocked out (MISO). */
static uint8_t clock_byte(cnd_fake_spi_t *f, uint8_t in)
{
    uint32_t pos = f->cur_pos++;
    if (pos == 0) {
        f->cur_op = in;
        f->cur_addr = 0;
        f->cur_len = 0;
        memset(f->page, 0xFF, sizeof f->page);
        return 0xFF;
    }
    if (f->asleep)
        return 0xFF; /* deep power-down: only release is decoded */
    if (has_addr(f->cur_op) && pos <= 3) {
        f->cur_addr = (f->cur_addr << 8) | in;
        return 0xFF;
    }
    f->cur_len++;
    switch (f->cur_op) {
    case 0x9F:
        return pos <= 3 ? f->jedec[pos - 1] : 0xFF;
    case 0x05:
        return status(f);
    case 0x03:
        return f->mem[(f->cur_addr + (pos - 4)) % f->size];
    case 0x02:
        /* the page latch: the address wraps inside the 256-byte page */
        f->page[(f->cur_addr + (pos - 4)) & 0xFFu] = in;
        return 0xFF;
    default:
        return 0xFF;
    }
}

static void execute(cnd_fake_spi_t *f)
{
    uint8_t op = f->cur_op;
    uint32_t i;
    if (f->cur_pos == 0)
        return;
    if (f->n_cmds <= CND_FAKE_SPI_LOG) {
        cnd_fake_spi_cmd_t *c = &f->log[f->n_cmds - 1];
        c->opcode = op;
        c->addr = f->cur_addr;
        c->len = f->cur_len;
    }
    if (f->asleep) {
        if (op == 0xAB)
            f->asleep = 0;
        else
            f->violations++;
        return;
    }
    if (busy(f) && op != 0x05) {
        f->violations++;
        return;
    }
    switch (op) {
    case 0x06:
        f->wel = 1;
        break;
    case 0x04:
        f->wel = 0;
        break;
    case 0xB9:
        f->asleep = 1;
        break;
    case 0x02:
    case 0x20:
        if (!f->wel || (f->cur_pos < 4)) {
            f->violations++;
            break;
        }
        if (f->write_protected)
            break; /* ignored; WEL stays set */
        if (op == 0x02) {
            uint32_t base = (f->cur_addr % f->size) & ~0xFFu;
            for (i = 0; i < 256; i++)
                f->mem[base + i] &= f->page[i];
            f->programs++;
            f->busy_until = f->now + f->prog_ms;
        } else {
            memset(f->mem + ((f->cur_addr % f->size) & ~0xFFFu), 0xFF, 4096);
            f->erases++;
            f->busy_until = f->now + f->erase_ms;
        }
        f->wel = 0;
        break;
    default:
        break;
    }
}

static void fake_select(void *ctx, int on)
{
    cnd_fake_spi_t *f = ctx;
    if (on && !f->selected) {
        f->cur_pos = 0;
        f->n_cmds++;
    } else if (!on && f->selected) {
        execute(f);
    }
    f->selected = on;
}

static cnd_status_t fake_xfer(void *ctx, const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    cnd_fake_spi_t *f = ctx;
    uint32_t i;
    if (!f->selected)
        f->violations++; /* bytes with chip select high go nowhere */
    if (f->fail_at_cmd != 0 && f->n_cmds == f->fail_at_cmd)
        return CND_E_IO;
    for (i = 0; i < len; i++) {
        uint8_t out = clock_byte(f, tx != NULL ? tx[i] : 0xFF);
        if (rx != NULL)
            rx[i] = out;
    }
    return CND_OK;
}

static uint32_t fake_millis(void *ctx)
{
    cnd_fake_spi_t *f = ctx;
    return f->now++;
}

void cnd_fake_spi_init(cnd_fake_spi_t *f)
{
    memset(f, 0, sizeof *f);
    f->size = 8u << 20;
    f->mem = malloc(f->size);
    if (f->mem != NULL)
        memset(f->mem, 0xFF, f->size);
    f->jedec[0] = 0xEF;
    f->jedec[1] = 0x40;
    f->jedec[2] = 0x17;
    f->prog_ms = 2;
    f->erase_ms = 5;
    f->bus.ctx = f;
    f->bus.select = fake_select;
    f->bus.xfer = fake_xfer;
    f->bus.millis = fake_millis;
}

void cnd_fake_spi_free(cnd_fake_spi_t *f)
{
    free(f->mem);
    f->mem = NULL;
}

void cnd_fake_spi_clear_log(cnd_fake_spi_t *f)
{
    memset(f->log, 0, sizeof f->log);
    f->n_cmds = 0;
    f->violations = 0;
    f->programs = 0;
    f->erases = 0;
}

uint32_t cnd_fake_spi_count(const cnd_fake_spi_t *f, uint8_t opcode)
{
    uint32_t i, n = 0, kept = f->n_cmds < CND_FAKE_SPI_LOG ? f->n_cmds : CND_FAKE_SPI_LOG;
    for (i = 0; i < kept; i++)
        n += f->log[i].opcode == opcode;
    return n;
}
