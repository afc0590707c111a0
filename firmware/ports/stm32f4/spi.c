/* spi.c: STM32F4 SPI master, polled (see spi.h). */
#include "spi.h"

#include <stddef.h>

#include "gpio.h"
#include "rcc.h"
#include "regs.h"

/* Status polls before a transfer is declared stuck (a byte at the slowest
 * clock takes ~50 us; this is several milliseconds at 168 MHz). */
#define SPI_POLL_LIMIT 200000u

cnd_status_t cnd_stm32_spi_init(unsigned n)
{
    uint32_t base;
    if (n == 1) {
        cnd_stm32_clock_apb2(RCC_APB2ENR_SPI1EN);
        base = SPI1_BASE;
    } else if (n == 2) {
        cnd_stm32_clock_apb1(RCC_APB1ENR_SPI2EN);
        base = SPI2_BASE;
    } else {
        return CND_E_INVALID;
    }
    /* Master, mode 0, 8-bit, MSB first; NSS in software and held high so
     * the peripheral never drops out of master mode (MODF, RM0090 28.3.10). */
    SPI_CR1(base) = 0;
    SPI_CR2(base) = 0;
    SPI_CR1(base) = SPI_CR1_MSTR | SPI_CR1_SSM | SPI_CR1_SSI | (7u << SPI_CR1_BR_SHIFT);
    SPI_CR1(base) |= SPI_CR1_SPE;
    return CND_OK;
}

static int wait_flag(uint32_t base, uint32_t flag, uint32_t want)
{
    uint32_t i;
    for (i = 0; i < SPI_POLL_LIMIT; i++)
        if ((SPI_SR(base) & flag) == want)
            return 1;
    return 0;
}

static void spi_select(void *ctx, int on)
{
    cnd_stm32_spi_dev_t *d = ctx;
    if (on) {
        uint32_t cr1 = SPI_CR1(d->base);
        if (((cr1 & SPI_CR1_BR_MASK) >> SPI_CR1_BR_SHIFT) != d->br)
            SPI_CR1(d->base) = (cr1 & ~SPI_CR1_BR_MASK) | ((uint32_t)d->br << SPI_CR1_BR_SHIFT);
        cnd_gpio_write(d->cs_port, d->cs_pin, 0);
    } else {
        (void)wait_flag(d->base, SPI_SR_BSY, 0); /* the last bit leaves before CS rises */
        cnd_gpio_write(d->cs_port, d->cs_pin, 1);
    }
}

static cnd_status_t spi_xfer(void *ctx, const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    cnd_stm32_spi_dev_t *d = ctx;
    uint32_t i;
    (void)SPI_DR(d->base); /* drop a stale byte so RXNE pairs with our writes */
    for (i = 0; i < len; i++) {
        uint8_t b;
        if (!wait_flag(d->base, SPI_SR_TXE, SPI_SR_TXE))
            return CND_E_IO;
        SPI_DR(d->base) = tx != NULL ? tx[i] : 0xFFu;
        if (!wait_flag(d->base, SPI_SR_RXNE, SPI_SR_RXNE))
            return CND_E_IO;
        b = (uint8_t)SPI_DR(d->base);
        if (rx != NULL)
            rx[i] = b;
    }
    /* spi_bus.h: return only once the last bit is on the wire */
    return wait_flag(d->base, SPI_SR_BSY, 0) ? CND_OK : CND_E_IO;
}

static uint32_t spi_millis(void *ctx)
{
    return ((cnd_stm32_spi_dev_t *)ctx)->millis();
}

void cnd_stm32_spi_device(cnd_stm32_spi_dev_t *d, unsigned n, unsigned cs_port, unsigned cs_pin,
                          uint32_t max_hz, uint32_t (*millis)(void), cnd_spi_bus_t *bus)
{
    uint32_t pclk = n == 1 ? CND_STM32_APB2_HZ : CND_STM32_APB1_HZ;
    uint8_t br = 0;
    while (br < 7u && (pclk >> (br + 1u)) > max_hz)
        br++;
    d->base = n == 1 ? SPI1_BASE : SPI2_BASE;
    d->millis = millis;
    d->cs_port = (uint8_t)cs_port;
    d->cs_pin = (uint8_t)cs_pin;
    d->br = br;
    /* chip select idles high: drive it before making the pin an output
     * (port clock first, or the write would be lost) */
    cnd_stm32_clock_ahb1(1u << cs_port);
    cnd_gpio_write(cs_port, cs_pin, 1);
    cnd_gpio_config(cs_port, cs_pin, CND_GPIO_OUTPUT, CND_GPIO_NOPULL, 2u, 0u, 0);
    bus->ctx = d;
    bus->select = spi_select;
    bus->xfer = spi_xfer;
    bus->millis = spi_millis;
}
