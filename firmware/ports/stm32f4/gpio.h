/*
 * gpio.h: STM32F4 GPIO pins (RM0090 section 8): mode, output type, speed,
 * pull, alternate function; atomic set/reset through BSRR; input reads.
 *
 * Owns: the GPIO port registers and their AHB1 clock enables. A pin is
 * named by port (0 = A .. 8 = I) and number (0..15).
 * Never: knows what a pin is wired to (the board does). RAM: none.
 */
#ifndef CND_STM32F4_GPIO_H
#define CND_STM32F4_GPIO_H

#include <stdint.h>

enum { CND_GPIO_A, CND_GPIO_B, CND_GPIO_C, CND_GPIO_D, CND_GPIO_E };

typedef enum {
    CND_GPIO_INPUT = 0,
    CND_GPIO_OUTPUT = 1,
    CND_GPIO_ALT = 2,
    CND_GPIO_ANALOG = 3
} cnd_gpio_mode_t;

typedef enum { CND_GPIO_NOPULL = 0, CND_GPIO_PULLUP = 1, CND_GPIO_PULLDOWN = 2 } cnd_gpio_pull_t;

/* Configures one pin (and enables its port's clock). speed 0..3 (low ..
 * very high); af 0..15, used in CND_GPIO_ALT mode; open_drain for outputs. */
void cnd_gpio_config(unsigned port, unsigned pin, cnd_gpio_mode_t mode, cnd_gpio_pull_t pull,
                     unsigned speed, unsigned af, int open_drain);
/* Drives an output pin high (1) or low (0) in one store (no read-modify-
 * write, so an interrupt changing another pin of the port is never undone). */
void cnd_gpio_write(unsigned port, unsigned pin, int high);
/* The port's 16 input levels. */
uint16_t cnd_gpio_read(unsigned port);

#endif
