/*
 * cm4.h: the few Cortex-M4 core registers the ports touch (SysTick, SCB,
 * NVIC) and the interrupt/idle intrinsics. ARMv7-M Architecture Reference
 * Manual, B3. Chip peripherals (USART, RCC, SPI, GPIO) live in the board
 * folders, never here.
 *
 * Never: anything chip- or survey-specific. RAM: none.
 */
#ifndef CND_CM4_H
#define CND_CM4_H

#include <stdint.h>

#define CND_REG32(addr) (*(volatile uint32_t *)(addr))

#define CND_SYST_CSR CND_REG32(0xE000E010u)
#define CND_SYST_RVR CND_REG32(0xE000E014u)
#define CND_SYST_CVR CND_REG32(0xE000E018u)
#define CND_SCB_VTOR CND_REG32(0xE000ED08u)
#define CND_SCB_AIRCR CND_REG32(0xE000ED0Cu)
#define CND_SCB_SCR CND_REG32(0xE000ED10u)
#define CND_NVIC_ISER(n) CND_REG32(0xE000E100u + 4u * (n))
#define CND_NVIC_ICER(n) CND_REG32(0xE000E180u + 4u * (n))

static inline void cnd_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void cnd_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
/* Sleeps until an interrupt is pending. Called with interrupts disabled
 * (PRIMASK set), a pending interrupt still wakes the core, so "check for
 * work, then sleep" cannot miss one that arrives in between. */
static inline void cnd_wait_for_interrupt(void) { __asm__ volatile("dsb\n\twfi" ::: "memory"); }

static inline void cnd_nvic_enable(unsigned irq) { CND_NVIC_ISER(irq / 32u) = 1u << (irq % 32u); }

#endif
