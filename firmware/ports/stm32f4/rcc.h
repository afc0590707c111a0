/*
 * rcc.h: clocks of the STM32F40x/41x (RM0090 section 7): an 8 MHz crystal
 * (HSE) through the main PLL to 168 MHz SYSCLK and the 48 MHz clock USB
 * OTG FS and the TRNG need; bus prescalers; flash wait states; peripheral
 * clock enables.
 *
 * Owns: RCC, the flash access control register, the PWR voltage scale.
 * Never: touches a peripheral beyond its clock enable; guesses a crystal.
 * RAM: none.
 */
#ifndef CND_STM32F4_RCC_H
#define CND_STM32F4_RCC_H

#include <stdint.h>

#include "cnd_status.h"

#define CND_STM32_SYSCLK_HZ 168000000u
#define CND_STM32_APB1_HZ 42000000u /* SPI2, IWDG registers, PWR */
#define CND_STM32_APB2_HZ 84000000u /* SPI1 */

/*
 * PLL: VCO in = HSE / M = 1 MHz, VCO = 336 MHz (N = 336), SYSCLK = VCO / 2,
 * 48 MHz = VCO / 7. AHB /1, APB1 /4, APB2 /2; 5 flash wait states with
 * prefetch and caches (RM0090 Table 10, 2.7-3.6 V). hse_hz must be a whole
 * number of MHz from 4 to 26 (8 on the reference board).
 * CND_OK on the crystal. CND_E_TIMEOUT when it does not start: the chip
 * then runs the same PLL from the internal 16 MHz RC, whose 1 % error is
 * outside what USB full speed tolerates (the port should not connect USB).
 * CND_E_INVALID for an unusable hse_hz (nothing changed).
 */
cnd_status_t cnd_stm32_clock_init(uint32_t hse_hz);

/* Peripheral clock enables (bit masks of RCC_AHB1ENR etc., RM0090 7.3.10-7.3.14);
 * each reads the register back so the clock runs before the next access. */
void cnd_stm32_clock_ahb1(uint32_t mask);
void cnd_stm32_clock_ahb2(uint32_t mask);
void cnd_stm32_clock_apb1(uint32_t mask);
void cnd_stm32_clock_apb2(uint32_t mask);

#endif
