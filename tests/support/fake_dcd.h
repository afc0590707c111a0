/*
 * fake_dcd.h: a USB device controller in RAM (implements usb_dcd.h) plus a
 * tiny USB host that drives it, so the REAL device stack (usb_dev.h,
 * usb_ctrl.h, usb_bulk.h, sync.h) runs on the PC without hardware.
 *
 * Owns: per-endpoint packet buffers with the DCD contract's semantics (one
 * IN packet armed per endpoint; one OUT packet held, NAKing, until the stack
 * reads it), halt bits, the address and every packet the device sent, in
 * order (for tests that check packet boundaries and ZLPs). Each host-side
 * call raises the matching event through cnd_usb_isr_event() and then runs
 * cnd_usb_task(), as the main loop would.
 *
 * Whole transfers, as usbdevfs hands them to a umockdev ioctl handler:
 *   cnd_fake_dcd_control()  one control transfer (SETUP, IN data, status)
 *   cnd_fake_dcd_bulk_out() bytes as 64-byte packets on bulk OUT
 *   cnd_fake_dcd_bulk_in()  packets from bulk IN until a short one or cap
 * Results: CND_OK; CND_E_PROTOCOL = the device STALLed (usbfs -EPIPE);
 * CND_E_TIMEOUT = the device NAKs (nothing to send / cannot take more);
 * CND_E_NOSPACE = a packet did not fit the IN buffer (usbfs -EOVERFLOW).
 *
 * Never: used by firmware. RAM: sizeof(cnd_fake_dcd_t), about 10 KB; no heap.
 */
#ifndef CND_FAKE_DCD_H
#define CND_FAKE_DCD_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "usb/usb_dev.h"

#define CND_FAKE_EPS 16
#define CND_FAKE_LOG 128

typedef struct {
    uint8_t ep; /* endpoint address, bit 7 = IN */
    uint16_t len;
    uint8_t data[64];
} cnd_fake_packet_t;

typedef struct {
    cnd_usb_dcd_t dcd; /* hand &f->dcd to cnd_usb_init() */
    cnd_usb_t *usb;    /* set by cnd_fake_dcd_attach() */

    int connected;
    uint8_t address;
    unsigned set_address_calls;
    uint8_t ep_type[2][CND_FAKE_EPS]; /* [in?][n], 0xFF = not open */
    uint16_t ep_mps[2][CND_FAKE_EPS];
    uint8_t stalled[2][CND_FAKE_EPS];

    int in_armed[CND_FAKE_EPS];
    uint16_t in_len[CND_FAKE_EPS];
    uint8_t in_data[CND_FAKE_EPS][64];

    int out_full[CND_FAKE_EPS];
    uint16_t out_len[CND_FAKE_EPS];
    uint8_t out_data[CND_FAKE_EPS][64];

    /* every IN packet the host took, oldest first (wraps at CND_FAKE_LOG) */
    cnd_fake_packet_t log[CND_FAKE_LOG];
    size_t n_log;

    /* bytes the last cnd_fake_dcd_bulk_out() got accepted (all of them on
     * CND_OK; fewer on CND_E_TIMEOUT, when the device stopped reading
     * because a reply is waiting to be read: lock-step) */
    size_t out_sent;
    /* times the stack broke the DCD contract (armed an IN endpoint twice,
     * a packet over 64 bytes, a read buffer smaller than the packet, an
     * endpoint that is not open); tests expect 0 */
    unsigned violations;
} cnd_fake_dcd_t;

/* Sets up the ops; then cnd_usb_init(usb, &f->dcd, ...) and attach. */
void cnd_fake_dcd_init(cnd_fake_dcd_t *f);
void cnd_fake_dcd_attach(cnd_fake_dcd_t *f, cnd_usb_t *usb);

/* ---- packet level: one token each, then the device task runs ---- */
void cnd_fake_dcd_bus_reset(cnd_fake_dcd_t *f);
void cnd_fake_dcd_detach(cnd_fake_dcd_t *f);
void cnd_fake_dcd_setup(cnd_fake_dcd_t *f, const uint8_t setup[8]);
/* IN token: CND_OK with the packet (len 0 = ZLP), CND_E_TIMEOUT (NAK) or
 * CND_E_PROTOCOL (STALL). */
cnd_status_t cnd_fake_dcd_in(cnd_fake_dcd_t *f, uint8_t ep, uint8_t *buf, uint16_t *len);
/* OUT packet (len <= 64): CND_OK accepted, CND_E_TIMEOUT (NAK: the previous
 * packet was not read yet) or CND_E_PROTOCOL (STALL). */
cnd_status_t cnd_fake_dcd_out(cnd_fake_dcd_t *f, uint8_t ep, const uint8_t *data, uint16_t len);

/* ---- transfer level ---- */
/* One control transfer. Device-to-host (bmRequestType bit 7): up to wLength
 * bytes into data, *actual = bytes received. Host-to-device: wLength must be
 * 0 (Candor has no OUT data stage). */
cnd_status_t cnd_fake_dcd_control(cnd_fake_dcd_t *f, uint8_t bmRequestType, uint8_t bRequest,
                                  uint16_t wValue, uint16_t wIndex, uint8_t *data,
                                  uint16_t wLength, size_t *actual);
/* Sends len bytes on CND_USB_EP_OUT as 64-byte packets (a final short one),
 * plus a zero-length packet when zlp is set and len is a multiple of 64. */
cnd_status_t cnd_fake_dcd_bulk_out(cnd_fake_dcd_t *f, const uint8_t *data, size_t len, int zlp);
/* Reads CND_USB_EP_IN packets into buf until a short packet (a ZLP counts)
 * or cap bytes; *got = bytes. CND_E_TIMEOUT if the first token is NAKed. */
cnd_status_t cnd_fake_dcd_bulk_in(cnd_fake_dcd_t *f, uint8_t *buf, size_t cap, size_t *got);

/* The standard enumeration a host does: reset, device descriptor, address
 * 5, configuration 1. */
cnd_status_t cnd_fake_dcd_enumerate(cnd_fake_dcd_t *f);

#endif
