/* iwdg.c: STM32F4 independent watchdog (see iwdg.h). */
#include "iwdg.h"

#include "regs.h"

#define LSI_HZ 32000u
#define POLL_LIMIT 1000000u

void cnd_iwdg_start(uint32_t timeout_ms)
{
    uint32_t pr = 0, ticks, i;
    if (timeout_ms < 1u)
        timeout_ms = 1u;
    if (timeout_ms > 32000u)
        timeout_ms = 32000u;
    /* smallest prescaler 4 << pr whose 12-bit reload covers the timeout */
    for (;;) {
        ticks = timeout_ms * (LSI_HZ / 1000u) / (4u << pr);
        if (ticks <= 0xFFFu || pr == 6u)
            break;
        pr++;
    }
    if (ticks < 1u)
        ticks = 1u;
    if (ticks > 0xFFFu)
        ticks = 0xFFFu;
    DBGMCU_APB1_FZ |= DBGMCU_APB1_FZ_IWDG;
    RCC_CSR |= RCC_CSR_LSION; /* started by hardware with the IWDG anyway */
    for (i = 0; i < POLL_LIMIT && !(RCC_CSR & RCC_CSR_LSIRDY); i++) {
    }
    /* the reference order: start (LSI on), unlock PR/RLR (19.3.2), program,
     * wait for the update, reload */
    IWDG_KR = IWDG_KEY_START;
    IWDG_KR = IWDG_KEY_UNLOCK;
    IWDG_PR = pr;
    IWDG_RLR = ticks - 1u;
    /* PVU/RVU: the new values reach the LSI domain a few LSI cycles later */
    for (i = 0; i < POLL_LIMIT && (IWDG_SR & 3u) != 0; i++) {
    }
    IWDG_KR = IWDG_KEY_KICK;
}

void cnd_iwdg_kick(void)
{
    IWDG_KR = IWDG_KEY_KICK;
}
