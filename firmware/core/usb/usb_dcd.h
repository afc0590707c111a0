/*
 * usb_dcd.h: the device controller driver (DCD) seam, the only
 * chip-specific part of the USB function (TinyUSB's layering: class driver
 * usb_bulk -> device stack usb_dev/usb_ctrl -> one small port file per
 * controller). The STM32 OTG FS port and the host-test fake
 * (tests/support/fake_dcd.h) implement it.
 *
 * Contract, both directions:
 * - The port's interrupt handler only REPORTS events with cnd_usb_isr_event()
 *   (usb_dev.h); all work happens in cnd_usb_task() from the main loop.
 * - The stack calls the ops below from cnd_usb_task() only, never from an
 *   interrupt.
 * - Every endpoint moves ONE packet at a time (at most its max packet size):
 *   ep_write arms one IN packet and the port reports IN_DONE when the host
 *   has taken it; an OUT packet is reported with OUT and stays in the port's
 *   buffer, the endpoint NAKing further packets, until the stack fetches it
 *   with ep_read (that is the flow control: lock-step sync never needs more).
 *
 * Never: anything survey- or protocol-specific. RAM: none (the port owns its
 * context and one packet buffer per OUT endpoint).
 */
#ifndef CND_USB_DCD_H
#define CND_USB_DCD_H

#include <stdint.h>

#define CND_USB_EPTYPE_CONTROL 0u
#define CND_USB_EPTYPE_BULK 2u

typedef struct cnd_usb_dcd {
    void *ctx;
    /* D+ pull-up on (1) or off (0): the host sees the device arrive/leave. */
    void (*connect)(void *ctx, int on);
    /* SET_ADDRESS arrived (called before its status stage is queued). A
     * controller that must keep answering on address 0 until the status
     * stage is done defers the switch itself (TinyUSB convention). */
    void (*set_address)(void *ctx, uint8_t addr);
    /* (Re)initialises endpoint ep (bit 7 = IN): type, max packet size, data
     * toggle DATA0, not halted, any armed or held packet dropped. ep0 is
     * open from bus reset on without a call. */
    void (*ep_open)(void *ctx, uint8_t ep, uint8_t type, uint16_t max_packet);
    /* Arms one IN packet of len bytes (0 = zero-length packet) on IN
     * endpoint ep. data stays valid until IN_DONE for ep is reported. */
    void (*ep_write)(void *ctx, uint8_t ep, const uint8_t *data, uint16_t len);
    /* Copies the OUT packet last reported on OUT endpoint ep into buf
     * (at most cap bytes), re-arms the endpoint, returns the packet length
     * (0 for a zero-length packet, and when no packet is held). */
    uint16_t (*ep_read)(void *ctx, uint8_t ep, uint8_t *buf, uint16_t cap);
    /* Halts (on=1) or un-halts (on=0, data toggle back to DATA0) ep. A halt
     * on ep0 (0x00 or 0x80) is a protocol STALL that the controller clears by
     * itself at the next SETUP. */
    void (*ep_stall)(void *ctx, uint8_t ep, int on);
    /* Optional (may be NULL): mask (1) / unmask (0) the USB interrupt while
     * the task takes events out of the mailbox. */
    void (*irq_mask)(void *ctx, int masked);
} cnd_usb_dcd_t;

/* Events a port reports from its interrupt handler. */
typedef enum {
    CND_USB_EV_RESET = 1, /* bus reset: address 0, unconfigured, ep0 open */
    CND_USB_EV_SETUP,     /* a SETUP packet on ep0: setup[] holds its 8 bytes;
                           * the port has dropped any ep0 packet still armed */
    CND_USB_EV_OUT,       /* a packet is waiting on OUT endpoint ep (ep_read) */
    CND_USB_EV_IN_DONE,   /* the packet armed on IN endpoint ep was sent */
    CND_USB_EV_DETACH     /* VBUS lost / cable out */
} cnd_usb_event_kind_t;

typedef struct {
    uint8_t kind; /* cnd_usb_event_kind_t */
    uint8_t ep;   /* endpoint address for OUT / IN_DONE (bit 7 = IN) */
    uint8_t setup[8];
} cnd_usb_event_t;

#endif
