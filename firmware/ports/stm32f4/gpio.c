/* gpio.c: STM32F4 GPIO (see gpio.h). */
#include "gpio.h"

#include "rcc.h"
#include "regs.h"

void cnd_gpio_config(unsigned port, unsigned pin, cnd_gpio_mode_t mode, cnd_gpio_pull_t pull,
                     unsigned speed, unsigned af, int open_drain)
{
    uint32_t two = 2u * pin, four = 4u * (pin & 7u);
    if (port > 8u || pin > 15u)
        return;
    cnd_stm32_clock_ahb1(1u << port); /* GPIOxEN, RM0090 7.3.10 */
    /* alternate function first, so the pin never drives a wrong function */
    GPIO_AFR(port, pin >> 3) = (GPIO_AFR(port, pin >> 3) & ~(0xFu << four)) | ((af & 0xFu) << four);
    GPIO_OSPEEDR(port) = (GPIO_OSPEEDR(port) & ~(3u << two)) | ((speed & 3u) << two);
    GPIO_OTYPER(port) = (GPIO_OTYPER(port) & ~(1u << pin)) | ((open_drain ? 1u : 0u) << pin);
    GPIO_PUPDR(port) = (GPIO_PUPDR(port) & ~(3u << two)) | (((uint32_t)pull & 3u) << two);
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << two)) | (((uint32_t)mode & 3u) << two);
}

void cnd_gpio_write(unsigned port, unsigned pin, int high)
{
    /* BSRR: bits 0-15 set, bits 16-31 reset (RM0090 8.4.7) */
    GPIO_BSRR(port) = high ? (1u << pin) : (1u << (pin + 16u));
}

uint16_t cnd_gpio_read(unsigned port)
{
    return (uint16_t)GPIO_IDR(port);
}
