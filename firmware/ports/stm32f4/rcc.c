/* rcc.c: STM32F4 clock tree (see rcc.h). */
#include "rcc.h"

#include "regs.h"

/* Iterations of a status poll before giving up; at the 16 MHz reset clock
 * this is a few tens of milliseconds, far beyond HSE start-up (2 ms typ.)
 * and PLL lock (< 1 ms). SysTick is not running yet. */
#define POLL_LIMIT 400000u

#define PLL_N 336u
#define PLL_Q 7u

static int wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t want)
{
    uint32_t i;
    for (i = 0; i < POLL_LIMIT; i++)
        if ((*reg & mask) == want)
            return 1;
    return 0;
}

cnd_status_t cnd_stm32_clock_init(uint32_t hse_hz)
{
    uint32_t m, src;
    cnd_status_t st = CND_OK;
    if (hse_hz < 4000000u || hse_hz > 26000000u || hse_hz % 1000000u != 0)
        return CND_E_INVALID;
    m = hse_hz / 1000000u; /* VCO input 1 MHz: least PLL jitter (RM0090 7.3.2) */
    src = RCC_PLLCFGR_SRC_HSE;

    RCC_CR |= RCC_CR_HSEON;
    if (!wait_set(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY)) {
        /* No crystal: same PLL from the 16 MHz HSI, USB not trustworthy. */
        RCC_CR &= ~RCC_CR_HSEON;
        m = 16u;
        src = 0;
        st = CND_E_TIMEOUT;
    }

    /* 168 MHz needs voltage scale 1 (RM0090 5.1.4); reset default, but a
     * bootloader may have changed it. */
    cnd_stm32_clock_apb1(RCC_APB1ENR_PWREN);
    PWR_CR |= PWR_CR_VOS;

    /* Wait states before the clock goes up, and checked (RM0090 3.5.1). */
    FLASH_ACR = 5u | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    if ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 5u)
        return CND_E_IO;

    RCC_CFGR = (RCC_CFGR & ~((0xFu << 4) | (0x7u << 10) | (0x7u << 13))) | RCC_CFGR_PPRE1_DIV4 |
               RCC_CFGR_PPRE2_DIV2;
    RCC_CR &= ~RCC_CR_PLLON;
    (void)wait_set(&RCC_CR, RCC_CR_PLLRDY, 0);
    /* PLLP field 0 = divide by 2 */
    RCC_PLLCFGR = m | (PLL_N << 6) | src | (PLL_Q << 24);
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY))
        return CND_E_IO; /* still on HSI 16 MHz: slow but alive */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    if (!wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL))
        return CND_E_IO;
    return st;
}

void cnd_stm32_clock_ahb1(uint32_t mask)
{
    RCC_AHB1ENR |= mask;
    (void)RCC_AHB1ENR;
}

void cnd_stm32_clock_ahb2(uint32_t mask)
{
    RCC_AHB2ENR |= mask;
    (void)RCC_AHB2ENR;
}

void cnd_stm32_clock_apb1(uint32_t mask)
{
    RCC_APB1ENR |= mask;
    (void)RCC_APB1ENR;
}

void cnd_stm32_clock_apb2(uint32_t mask)
{
    RCC_APB2ENR |= mask;
    (void)RCC_APB2ENR;
}
