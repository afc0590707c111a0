/*
 * spi.h: STM32F4 SPI1/SPI2 as cnd_spi_bus_t (firmware/drivers/spi_bus.h)
 * for the SPI NOR flash and the ILI9341 display (RM0090 section 28).
 *
 * Owns: the SPI peripheral in master mode 0, 8-bit, MSB first, software
 * chip select on a GPIO per device, so several devices share one SPI, each
 * at its own clock (the prescaler is set when its chip select goes low).
 * Transfers are polled: the main loop is the only user and a display row
 * or a flash page is a few hundred bytes.
 *
 * Never: configures SCK/MISO/MOSI pins (the board knows which of the
 * chip's pin options it wired; alternate function 5 on both SPIs); uses
 * interrupts or DMA.
 * RAM: sizeof(cnd_stm32_spi_dev_t) = 12 bytes per device.
 */
#ifndef CND_STM32F4_SPI_H
#define CND_STM32F4_SPI_H

#include <stdint.h>

#include "spi_bus.h"

#define CND_STM32_SPI_AF 5u /* SPI1/SPI2 alternate function number (datasheet Table 9) */

typedef struct {
    uint32_t base;
    uint32_t (*millis)(void);
    uint8_t cs_port, cs_pin;
    uint8_t br; /* CR1.BR: SCK = PCLK / 2^(br + 1) */
} cnd_stm32_spi_dev_t;

/* Enables SPI n (1 or 2) as master. CND_E_INVALID for another n. */
cnd_status_t cnd_stm32_spi_init(unsigned n);

/*
 * A device on SPI n with its chip select on (cs_port, cs_pin), clocked at
 * most max_hz (the next lower power-of-two division of the bus clock; SPI1
 * reaches 42 MHz, SPI2 21 MHz). millis: the board's millisecond clock
 * (SysTick). Fills *bus with the device's cnd_spi_bus_t (ctx = d).
 */
void cnd_stm32_spi_device(cnd_stm32_spi_dev_t *d, unsigned n, unsigned cs_port, unsigned cs_pin,
                          uint32_t max_hz, uint32_t (*millis)(void), cnd_spi_bus_t *bus);

#endif
