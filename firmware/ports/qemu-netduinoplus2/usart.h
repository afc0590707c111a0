/*
 * usart.h: STM32F4 USART, polled transmit, interrupt-driven receive.
 *
 * Owns: one USART's registers and a receive ring. The interrupt only moves
 * received bytes into the ring (all work happens in the main loop); when the
 * ring is full it stops taking bytes (RXNE interrupt off) so the sender is
 * held back instead of bytes being lost; QEMU's USART then stops reading its
 * socket. Reference: RM0090 section 30.6 (USART registers).
 *
 * Never: interprets the bytes. RAM: sizeof(cnd_usart_t) = 264 bytes each.
 */
#ifndef CND_USART_H
#define CND_USART_H

#include <stddef.h>
#include <stdint.h>

#define CND_USART_RX_RING 256u /* power of two */

typedef struct {
    uint32_t base;
    volatile uint8_t rx[CND_USART_RX_RING];
    volatile uint16_t head; /* written by the interrupt */
    volatile uint16_t tail; /* written by the main loop */
} cnd_usart_t;

#define CND_USART1_BASE 0x40011000u
#define CND_USART2_BASE 0x40004400u
#define CND_USART1_IRQ 37u
#define CND_USART2_IRQ 38u

/* Clocks the USART (RCC), sets 8N1 at baud from pclk_hz, enables the
 * receiver and its interrupt (the caller enables the NVIC line). */
void cnd_usart_init(cnd_usart_t *u, uint32_t base, uint32_t pclk_hz, uint32_t baud);
/* The interrupt handler body. */
void cnd_usart_irq(cnd_usart_t *u);
void cnd_usart_write(cnd_usart_t *u, const void *buf, size_t n);
void cnd_usart_puts(cnd_usart_t *u, const char *s);
/* Copies up to cap received bytes into buf; returns how many. */
size_t cnd_usart_read(cnd_usart_t *u, uint8_t *buf, size_t cap);
int cnd_usart_rx_pending(const cnd_usart_t *u);

#endif
