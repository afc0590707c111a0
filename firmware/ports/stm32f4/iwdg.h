/*
 * iwdg.h: the STM32F4 independent watchdog (RM0090 section 19), clocked
 * by the internal ~32 kHz LSI, so a hung main loop (a stuck flash poll, a
 * wedged peripheral) resets the handheld instead of freezing it mid-
 * interview. Once started it cannot be stopped; it stops while a debugger
 * halts the core.
 *
 * Owns: IWDG and the LSI oscillator. Never: kicks from an interrupt (only
 * the main loop proves the firmware is alive). RAM: none.
 */
#ifndef CND_STM32F4_IWDG_H
#define CND_STM32F4_IWDG_H

#include <stdint.h>

/* Starts the watchdog with a timeout of about timeout_ms (the LSI is
 * 17-47 kHz over temperature and parts, RM0090 datasheet: choose a timeout
 * well above the longest blocking step, e.g. 4000 ms against a 1 s sector
 * erase). Clamped to 1..32000 ms (prescaler /256 x 4095 at 32 kHz). */
void cnd_iwdg_start(uint32_t timeout_ms);
/* Reloads the counter. */
void cnd_iwdg_kick(void);

#endif
