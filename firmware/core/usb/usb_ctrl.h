/*
 * usb_ctrl.h: the control pipe (endpoint 0): USB 2.0 chapter 9 standard
 * requests and Candor's one vendor request, as a table (usb_ctrl.c), and the
 * ep0 transfer stages (setup, data IN in 64-byte packets, status).
 *
 * Supported (anything else, or a request in the wrong device state or with
 * bad fields, is answered with STALL, USB 2.0 9.2.7 "request error"):
 * GET_DESCRIPTOR device / configuration / string / BOS; SET_ADDRESS;
 * SET_CONFIGURATION / GET_CONFIGURATION; GET_STATUS device / interface /
 * endpoint; CLEAR_FEATURE / SET_FEATURE ENDPOINT_HALT (clearing a bulk
 * endpoint's halt restarts the link like SET_INTERFACE); SET_INTERFACE /
 * GET_INTERFACE (interface 0, alternate setting 0); vendor request
 * bRequest = CND_USB_MS_VENDOR_CODE, wIndex = 7: the MS OS 2.0 descriptor
 * set. A descriptor longer than wLength is truncated to wLength; one shorter
 * than wLength that ends on a packet boundary is followed by a zero-length
 * packet (USB 2.0 8.5.3.2, 9.4.3).
 *
 * Never: accepts an OUT data stage (no supported request has one), touches
 * the bulk data path except through usb_bulk.h open/close.
 * RAM: cnd_usb_ep0_t, CND_USB_CTRL_MAX + 8 bytes, inside cnd_usb_t.
 */
#ifndef CND_USB_CTRL_H
#define CND_USB_CTRL_H

#include <stddef.h>
#include <stdint.h>

#include "usb_bulk.h"
#include "usb_desc.h"

struct cnd_usb;

/* A decoded SETUP packet (USB 2.0 table 9-2; the wire is little-endian). */
typedef struct {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint16_t wValue;
    uint16_t wIndex;
    uint16_t wLength;
} cnd_usb_setup_t;

void cnd_usb_setup_parse(const uint8_t raw[8], cnd_usb_setup_t *s);

typedef enum { CND_USB_CTRL_ACK = 0, CND_USB_CTRL_STALL = 1 } cnd_usb_ctrl_result_t;

/*
 * Answers one request at once: on ACK, a device-to-host request's data
 * (already truncated to wLength) is in data[0..*len), and *len is 0 for a
 * no-data request. Side effects (address, configuration, halts, opening the
 * bulk endpoints) are applied through u's DCD. cap >= CND_USB_CTRL_MAX.
 * Used by the ep0 stages below and directly by tests.
 */
cnd_usb_ctrl_result_t cnd_usb_ctrl_request(struct cnd_usb *u, const cnd_usb_setup_t *s,
                                           uint8_t *data, size_t cap, size_t *len);

/* ep0 stages, driven by the device task (usb_dev.c). */
void cnd_usb_ctrl_setup(struct cnd_usb *u, const uint8_t raw[8]);
void cnd_usb_ctrl_in_done(struct cnd_usb *u); /* IN_DONE on 0x80 */
void cnd_usb_ctrl_out(struct cnd_usb *u);     /* OUT on 0x00 */

/* ---- private to usb_ctrl.c; here so cnd_usb_t can hold it ---- */
typedef struct {
    uint8_t stage; /* idle, data IN, status OUT, status IN */
    cnd_usb_in_xfer_t in;
    uint8_t buf[CND_USB_CTRL_MAX];
} cnd_usb_ep0_t;

#endif
