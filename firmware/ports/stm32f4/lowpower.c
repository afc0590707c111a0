/* lowpower.c: WFI idle (see lowpower.h). */
#include "lowpower.h"

#include <stddef.h>

#include "cm4.h"

#define SCB_SCR_SLEEPDEEP (1u << 2)

void cnd_stm32_idle(int (*has_work)(void *ctx), void *ctx)
{
    /* Sleep, not deep sleep: deep sleep would stop the clocks USB needs. */
    CND_SCB_SCR &= ~SCB_SCR_SLEEPDEEP;
    cnd_irq_disable();
    if (has_work == NULL || !has_work(ctx))
        cnd_wait_for_interrupt(); /* a pending interrupt wakes it even masked */
    cnd_irq_enable();
}
