/* startup.c: vector table, reset handler, fault catching (see startup.h). */
#include "startup.h"

#include <string.h>

/* Symbols from sections.ld. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[], _sstack[];

#define STACK_PAINT 0xC5C5C5C5u
#define N_IRQ 96u /* covers the STM32F405 (82) and F411 (86) */

void cnd_reset_handler(void);
void cnd_irq_entry(void);
void cnd_fault_entry(void);
void cnd_systick_entry(void);

void cnd_reset_handler(void)
{
    uint32_t *p;
    uint32_t here;
    size_t data_len = (size_t)((uint8_t *)_edata - (uint8_t *)_sdata);
    memcpy(_sdata, _sidata, data_len);
    memset(_sbss, 0, (size_t)((uint8_t *)_ebss - (uint8_t *)_sbss));
    /* Paint the stack below the current frame so cnd_stack_unused() can
     * measure the real high-water mark. */
    p = _sstack;
    here = (uint32_t)(uintptr_t)&here;
    while ((uint32_t)(uintptr_t)p < here - 64u)
        *p++ = STACK_PAINT;
    (void)main();
    for (;;)
        cnd_board_fault(0, 0);
}

uint32_t cnd_stack_unused(void)
{
    const uint32_t *p = _sstack;
    while (p < _estack && *p == STACK_PAINT)
        p++;
    return (uint32_t)((const uint8_t *)p - (const uint8_t *)_sstack);
}

void cnd_irq_entry(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    cnd_board_irq((unsigned)(ipsr & 0x1FFu) - 16u);
}

void cnd_systick_entry(void)
{
    cnd_systick_handler();
}

void cnd_fault_entry(void)
{
    uint32_t ipsr, *sp;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    __asm__ volatile("mrs %0, msp" : "=r"(sp));
    /* The exception frame's stacked PC is the 7th word (r0-r3, r12, lr, pc). */
    for (;;)
        cnd_board_fault(ipsr & 0x1FFu, sp[6]);
}

typedef void (*vector_t)(void);

#define IRQ16 cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, \
    cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, \
    cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry, cnd_irq_entry

__attribute__((section(".vectors"), used)) static const vector_t g_vectors[16 + N_IRQ] = {
    (vector_t)(uintptr_t)_estack, /* initial stack pointer */
    cnd_reset_handler,
    cnd_fault_entry, /* NMI */
    cnd_fault_entry, /* HardFault */
    cnd_fault_entry, /* MemManage */
    cnd_fault_entry, /* BusFault */
    cnd_fault_entry, /* UsageFault */
    0, 0, 0, 0,
    cnd_fault_entry, /* SVCall: never used */
    cnd_fault_entry, /* DebugMon */
    0,
    cnd_fault_entry, /* PendSV: never used */
    cnd_systick_entry,
    IRQ16, IRQ16, IRQ16, IRQ16, IRQ16, IRQ16,
};
