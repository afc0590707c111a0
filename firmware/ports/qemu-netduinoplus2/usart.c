/* usart.c: STM32F4 USART driver (see usart.h). */
#include "usart.h"

#include <string.h>

#include "cm4.h"

#define SR 0x00u
#define DR 0x04u
#define BRR 0x08u
#define CR1 0x0Cu
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_UE (1u << 13)
#define CR1_RXNEIE (1u << 5)
#define CR1_TE (1u << 3)
#define CR1_RE (1u << 2)

#define RCC_APB1ENR CND_REG32(0x40023840u)
#define RCC_APB2ENR CND_REG32(0x40023844u)

void cnd_usart_init(cnd_usart_t *u, uint32_t base, uint32_t pclk_hz, uint32_t baud)
{
    memset((void *)u, 0, sizeof *u);
    u->base = base;
    if (base == CND_USART1_BASE)
        RCC_APB2ENR |= 1u << 4;
    else if (base == CND_USART2_BASE)
        RCC_APB1ENR |= 1u << 17;
    CND_REG32(base + BRR) = (pclk_hz + baud / 2u) / baud;
    CND_REG32(base + CR1) = CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
}

void cnd_usart_irq(cnd_usart_t *u)
{
    while (CND_REG32(u->base + SR) & SR_RXNE) {
        uint16_t next = (uint16_t)((u->head + 1u) & (CND_USART_RX_RING - 1u));
        if (next == u->tail) {
            /* Ring full: leave the byte in DR and stop listening until the
             * main loop has drained some (hold the sender back). */
            CND_REG32(u->base + CR1) &= ~CR1_RXNEIE;
            return;
        }
        u->rx[u->head] = (uint8_t)CND_REG32(u->base + DR);
        u->head = next;
    }
}

void cnd_usart_write(cnd_usart_t *u, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    size_t i;
    for (i = 0; i < n; i++) {
        while ((CND_REG32(u->base + SR) & SR_TXE) == 0)
            ;
        CND_REG32(u->base + DR) = p[i];
    }
}

void cnd_usart_puts(cnd_usart_t *u, const char *s)
{
    cnd_usart_write(u, s, strlen(s));
}

size_t cnd_usart_read(cnd_usart_t *u, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap && u->tail != u->head) {
        buf[n++] = u->rx[u->tail];
        u->tail = (uint16_t)((u->tail + 1u) & (CND_USART_RX_RING - 1u));
    }
    if (n > 0)
        CND_REG32(u->base + CR1) |= CR1_RXNEIE; /* room again */
    return n;
}

int cnd_usart_rx_pending(const cnd_usart_t *u)
{
    return u->tail != u->head;
}
