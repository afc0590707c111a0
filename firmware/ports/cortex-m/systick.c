/* systick.c: millisecond SysTick (see systick.h). */
#include "systick.h"

#include "cm4.h"
#include "startup.h"

static volatile uint32_t g_ms;

void cnd_systick_handler(void)
{
    g_ms++;
}

void cnd_systick_start(uint32_t cpu_hz)
{
    CND_SYST_CSR = 0;
    CND_SYST_RVR = cpu_hz / 1000u - 1u;
    CND_SYST_CVR = 0;
    /* bit 2: processor clock; bit 1: interrupt; bit 0: enable */
    CND_SYST_CSR = (1u << 2) | (1u << 1) | 1u;
}

uint32_t cnd_systick_ms(void)
{
    return g_ms;
}
