/*
 * systick.h: a millisecond tick from the Cortex-M SysTick timer.
 *
 * Owns: SysTick and its interrupt; the running millisecond count that key
 * debounce, idle and link timeouts measure against. The interrupt only
 * counts (work happens in the main loop) and wakes the core from WFI.
 *
 * Never: wall-clock time (the day comes from the board's clock source).
 * RAM: 4 bytes.
 */
#ifndef CND_SYSTICK_H
#define CND_SYSTICK_H

#include <stdint.h>

/* cpu_hz: the core clock SysTick counts (processor clock source). */
void cnd_systick_start(uint32_t cpu_hz);
/* Milliseconds since cnd_systick_start (wraps after 49 days). */
uint32_t cnd_systick_ms(void);

#endif
