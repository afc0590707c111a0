/*
 * startup.h: what the Cortex-M startup code (startup.c) expects of a board.
 *
 * Owns: the reset path. The vector table, the reset handler that copies
 * .data from flash and zeroes .bss before main() runs, and fault catching
 * are in startup.c; sections.ld lays out the image. Every peripheral
 * interrupt goes to cnd_board_irq(n) so that this file knows no chip.
 *
 * Never: touches a peripheral. RAM: none of its own (the stack is sized in
 * the board's linker script).
 */
#ifndef CND_STARTUP_H
#define CND_STARTUP_H

#include <stdint.h>

/* Provided by the board. */
int main(void);
/* Peripheral interrupt n (0 = the chip's first IRQ, as in its reference manual). */
void cnd_board_irq(unsigned n);
/* A hard fault or other fatal exception: report if possible, then reset or stop. */
void cnd_board_fault(uint32_t exception, uint32_t pc);

/* Provided by systick.c. */
void cnd_systick_handler(void);

/* Bytes of stack never touched since reset (the stack is painted at boot),
 * for the measured worst case next to the -fstack-usage estimate. */
uint32_t cnd_stack_unused(void);

#endif
