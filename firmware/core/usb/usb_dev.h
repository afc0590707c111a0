/*
 * usb_dev.h: the Candor USB device stack: the event mailbox the port's
 * interrupt fills, the task that does the work, and the device state of
 * USB 2.0 chapter 9 (default, address, configured).
 *
 * A port does (TinyUSB style: interrupts only queue events):
 *     static cnd_usb_t usb;                      // static RAM
 *     cnd_usb_init(&usb, &my_dcd, &sync, cnd_store_device_id(&store));
 *     cnd_usb_connect(&usb, 1);
 *     ISR:        cnd_usb_isr_event(&usb, &ev);
 *     main loop:  cnd_usb_task(&usb);
 *
 * The mailbox cannot overflow: it has one slot per event kind and endpoint
 * (a newer SETUP replaces an older one, which the host has abandoned; each
 * endpoint has at most one packet in flight by the DCD contract).
 *
 * Never: blocks, allocates, or does work in interrupt context.
 * RAM: sizeof(cnd_usb_t) = 1436 bytes on Cortex-M4, 1464 on x86-64 (ep0
 * buffer 256, bulk reply 1040, one OUT packet 64, state); the sync state is
 * the caller's. Flash: about 2.5 KB at -Os (arm-none-eabi-gcc 12).
 */
#ifndef CND_USB_DEV_H
#define CND_USB_DEV_H

#include <stdint.h>

#include "cnd_limits.h"
#include "sync.h"
#include "usb_bulk.h"
#include "usb_ctrl.h"
#include "usb_dcd.h"
#include "usb_desc.h"

/* Device states (USB 2.0 9.1.1); powered/attached are the port's business. */
#define CND_USB_STATE_DEFAULT 0u
#define CND_USB_STATE_ADDRESS 1u
#define CND_USB_STATE_CONFIGURED 2u

typedef struct cnd_usb {
    const cnd_usb_dcd_t *dcd;
    uint8_t device_id[CND_DEVICE_ID_LEN];

    /* mailbox, written by the ISR */
    volatile uint8_t ev_flags; /* reset, setup, detach bits */
    volatile uint16_t ev_out;  /* bit n: OUT packet waiting on endpoint n */
    volatile uint16_t ev_in;   /* bit n: IN packet sent on endpoint 0x80|n */
    uint8_t ev_setup[8];

    /* chapter 9 state */
    uint8_t state;   /* CND_USB_STATE_* */
    uint8_t address;
    uint8_t config;  /* 0 or CND_USB_CONFIG_VALUE */
    uint8_t halted;  /* bit 0: bulk OUT halted, bit 1: bulk IN halted */

    cnd_usb_ep0_t ep0;
    cnd_usb_bulk_t bulk;
} cnd_usb_t;

/* Nothing is sent until cnd_usb_connect(). device_id is copied (serial). */
void cnd_usb_init(cnd_usb_t *u, const cnd_usb_dcd_t *dcd, cnd_sync_t *sync,
                  const uint8_t device_id[CND_DEVICE_ID_LEN]);
void cnd_usb_connect(cnd_usb_t *u, int on);

/* Interrupt context: record one event. Nothing else. */
void cnd_usb_isr_event(cnd_usb_t *u, const cnd_usb_event_t *ev);

/* Main loop: handle every recorded event (reset, setup, endpoint events). */
void cnd_usb_task(cnd_usb_t *u);

/* 1 once the host has set the configuration (the sync link is up). */
int cnd_usb_configured(const cnd_usb_t *u);

#endif
