/*
 * usb_bulk.h: the device end of the Candor protocol on the bulk endpoints
 * (formats/SPEC.md sections 5, 6 and 10.6).
 *
 * Owns: moving request bytes from bulk OUT packets into cnd_sync_input()
 * (sync.h) and sending each reply frame as 64-byte bulk IN packets, ending
 * with a zero-length packet when the reply length is an exact multiple of
 * 64, so that the host's read (a multiple of 64 bytes) completes; and the
 * IN packetiser (cnd_usb_in_*) that ep0 uses too. A short or
 * zero-length OUT packet is just fewer bytes (frames carry their own length).
 * Flow control: while a reply is being sent, the next OUT packet is left in
 * the controller (which NAKs) until the reply is out: the protocol is
 * lock-step, so one reply buffer is enough.
 *
 * Never: interprets frames (sync.c does) or queues a second reply. A bus
 * reset, detach or deconfigure drops the half-received frame and the unsent
 * reply and resets the sync state (cnd_sync_reset: nothing stored is lost;
 * the host starts again from the device's durable watermark).
 * RAM: sizeof(cnd_usb_bulk_t) = 1132 bytes on Cortex-M4: the reply frame
 * buffer (CND_SYNC_REPLY_MAX = 1040) and one OUT packet; no heap.
 */
#ifndef CND_USB_BULK_H
#define CND_USB_BULK_H

#include <stdint.h>

#include "sync.h"
#include "usb_dcd.h"
#include "usb_desc.h"

/*
 * One IN transfer cut into packets of 64 bytes, the same on ep0 and bulk
 * IN: the caller says whether it must end with a zero-length packet (when
 * the host's read would otherwise not end: data that fills its last packet
 * but is shorter than what the host asked for).
 */
typedef struct {
    const uint8_t *data;
    uint16_t len, pos, pkt; /* pkt: size of the packet armed now */
    uint8_t zlp_owed;
    uint8_t ep;
} cnd_usb_in_xfer_t;

/* Arms the first packet (a ZLP when len is 0). */
void cnd_usb_in_start(cnd_usb_in_xfer_t *x, const cnd_usb_dcd_t *dcd, uint8_t ep,
                      const uint8_t *data, uint16_t len, int zlp);
/* After IN_DONE: arms the next packet and returns 1, or returns 0 when the
 * host has taken the whole transfer. */
int cnd_usb_in_next(cnd_usb_in_xfer_t *x, const cnd_usb_dcd_t *dcd);

typedef struct {
    const cnd_usb_dcd_t *dcd;
    cnd_sync_t *sync;
    uint8_t open;        /* configured: endpoints open, packets flow */
    uint8_t out_waiting; /* an OUT packet was reported and not read yet */
    uint8_t sending;     /* a reply is in flight on bulk IN */
    uint16_t rx_len, rx_pos; /* the current OUT packet and how much sync took */
    cnd_usb_in_xfer_t in;    /* the reply going out */
    uint8_t rx[CND_USB_BULK_SIZE];
    uint8_t tx[CND_SYNC_REPLY_MAX];
} cnd_usb_bulk_t;

void cnd_usb_bulk_init(cnd_usb_bulk_t *b, const cnd_usb_dcd_t *dcd, cnd_sync_t *sync);
/* SET_CONFIGURATION 1 or SET_INTERFACE 0/0: (re)open both endpoints and
 * start a fresh link (sync reset). */
void cnd_usb_bulk_open(cnd_usb_bulk_t *b);
/* Bus reset, detach or SET_CONFIGURATION 0: the link is gone (sync reset). */
void cnd_usb_bulk_close(cnd_usb_bulk_t *b);
/* Event handlers, called by the device task. */
void cnd_usb_bulk_out_ready(cnd_usb_bulk_t *b); /* OUT on CND_USB_EP_OUT */
void cnd_usb_bulk_in_done(cnd_usb_bulk_t *b);   /* IN_DONE on CND_USB_EP_IN */

#endif
