/*
 * spi_bus.h: the seam between the chip-agnostic drivers (SPI NOR flash,
 * ILI9341 display) and whatever moves bytes on an SPI bus.
 *
 * Owns: the contract only. A chip port (firmware/ports/stm32f4/spi.c) fills
 * one of these per device (one chip-select line each); a host test fills one
 * with a fake chip (tests/support/fake_spi.h). Same shape as hal.h: function
 * pointers plus a context, so several devices and fault-injecting fakes fit
 * in one process.
 *
 * Contract:
 * - select(ctx, 1) drives the device's chip select active (low on the wire),
 *   select(ctx, 0) releases it. Every command is one select .. deselect
 *   frame: NOR and ILI9341 latch a command when chip select goes high.
 * - xfer() clocks len bytes, full duplex, mode 0, MSB first. tx NULL sends
 *   0xFF filler bytes; rx NULL discards what came in. It returns CND_OK or
 *   CND_E_IO (the peripheral never finished: a wiring or clock fault). It
 *   returns only once the last bit is on the wire, so a pin changed right
 *   after it (chip select, the display's data/command line) never cuts a
 *   byte short.
 * - millis() is a free-running millisecond counter (wraps; callers compare
 *   differences), used for busy-poll timeouts and reset delays.
 *
 * Never: interprets the bytes; retries; sleeps. RAM: none (the port owns
 * the context).
 */
#ifndef CND_SPI_BUS_H
#define CND_SPI_BUS_H

#include <stdint.h>

#include "cnd_status.h"

typedef struct cnd_spi_bus {
    void *ctx;
    void (*select)(void *ctx, int on);
    cnd_status_t (*xfer)(void *ctx, const uint8_t *tx, uint8_t *rx, uint32_t len);
    uint32_t (*millis)(void *ctx);
} cnd_spi_bus_t;

#endif
