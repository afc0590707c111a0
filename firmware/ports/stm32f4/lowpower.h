/*
 * lowpower.h: idle between key presses on the STM32F4: the core sleeps
 * (WFI, Sleep mode, RM0090 5.3.3) until the next interrupt; SysTick (key
 * sampling, 1 kHz), USB and the other peripherals keep running, so a key,
 * a USB packet or the next debounce tick wakes it within a millisecond.
 *
 * Owns: the sleep decision's race: work is checked with interrupts masked,
 * and WFI still wakes on an interrupt that became pending after the check,
 * so no key or packet waits a whole tick unseen.
 * Never: enters Stop or Standby (USB and the RAM-only interview must stay
 * alive); changes clocks. RAM: none.
 */
#ifndef CND_STM32F4_LOWPOWER_H
#define CND_STM32F4_LOWPOWER_H

/* Sleeps until an interrupt unless has_work(ctx) says there is work; run
 * once per main-loop pass after all work is done. */
void cnd_stm32_idle(int (*has_work)(void *ctx), void *ctx);

#endif
