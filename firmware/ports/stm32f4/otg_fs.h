/*
 * otg_fs.h: the STM32F40x/41x USB OTG full-speed controller in device mode
 * as the stack's DCD (firmware/core/usb/usb_dcd.h), RM0090 section 34,
 * slave (non-DMA) mode.
 *
 * Owns: the OTG FS core: reset and forced device mode, the FIFO RAM
 * (receive FIFO 128 words; transmit FIFO 0: 16 words, 1: 32, 2 and 3: 16),
 * endpoint 0 and up to three more endpoint pairs (the stack uses ep0 and
 * one bulk pair), the D+ pull-up (soft disconnect), PA11/PA12 (alternate
 * function 10) and optional VBUS sensing on PA9.
 * DCD contract, as tests/support/fake_dcd.c implements it on the PC:
 * - the interrupt handler only moves received bytes out of the receive
 *   FIFO into the endpoint's packet buffer and REPORTS events with
 *   cnd_usb_isr_event() (RESET, SETUP, OUT, IN_DONE, DETACH);
 * - an OUT endpoint is armed for exactly one packet; after it arrives the
 *   endpoint NAKs until ep_read() copies it out and re-arms it;
 * - ep_write() arms one IN packet (programs the size, enables the
 *   endpoint, pushes the bytes into its transmit FIFO); IN_DONE follows
 *   when the host has taken it;
 * - a SETUP drops whatever ep0 had armed or held; ep0 stalls are cleared
 *   by the core itself at the next SETUP.
 *
 * Never: parses requests or knows descriptors (the stack does); blocks in
 * the interrupt handler beyond bounded register polls.
 * RAM: sizeof(cnd_stm32_otg_fs_t) = 324 bytes on Cortex-M4 (one 64-byte
 * packet buffer per OUT endpoint, 4 endpoints, plus state).
 */
#ifndef CND_STM32F4_OTG_FS_H
#define CND_STM32F4_OTG_FS_H

#include <stdint.h>

#include "usb_dcd.h"
#include "usb_dev.h"

#define CND_OTG_FS_EPS 4 /* endpoints per direction in the OTG FS core */
#define CND_OTG_FS_MPS 64

typedef struct {
    cnd_usb_dcd_t dcd; /* hand &o->dcd to cnd_usb_init() */
    cnd_usb_t *usb;    /* set by cnd_stm32_otg_fs_start(); events go here */
    uint8_t setup[8];
    volatile uint8_t out_held[CND_OTG_FS_EPS]; /* packet waiting for ep_read */
    uint8_t out_got[CND_OTG_FS_EPS];           /* packet bytes arrived (ISR) */
    uint16_t out_len[CND_OTG_FS_EPS];
    uint16_t out_mps[CND_OTG_FS_EPS];
    uint8_t out_buf[CND_OTG_FS_EPS][CND_OTG_FS_MPS];
} cnd_stm32_otg_fs_t;

/*
 * Powers and resets the core into device mode, sets up the FIFOs and
 * endpoint 0, pins PA11/PA12, and stays disconnected (no D+ pull-up).
 * millis: SysTick milliseconds, already running (the core needs 25 ms to
 * settle in forced device mode). vbus_sense: 1 if PA9 is wired to VBUS
 * (then unplugging reports DETACH), 0 to treat VBUS as always present.
 * Needs the 48 MHz clock from an HSE-driven PLL (rcc.h).
 */
void cnd_stm32_otg_fs_init(cnd_stm32_otg_fs_t *o, uint32_t (*millis)(void), int vbus_sense);
/* After cnd_usb_init(usb, &o->dcd, ...): enables the interrupt (OTG_FS,
 * IRQ 67) that feeds usb. Then cnd_usb_connect(usb, 1) attaches. */
void cnd_stm32_otg_fs_start(cnd_stm32_otg_fs_t *o, cnd_usb_t *usb);
/* The board's interrupt handler for IRQ CND_STM32_IRQ_OTG_FS calls this. */
void cnd_stm32_otg_fs_irq(cnd_stm32_otg_fs_t *o);

#endif
