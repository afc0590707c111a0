/* usb_dev.c: the event mailbox and the task. The ISR side only sets bits;
 * the task takes all of them at once (with the USB interrupt masked, if the
 * port gives a hook) and handles them in the order the bus implies: detach,
 * reset, SETUP, then endpoint events. */
#include "usb_dev.h"

#include <string.h>

#define F_RESET 0x01u
#define F_SETUP 0x02u
#define F_DETACH 0x04u

#define EP_BIT(ep) ((uint16_t)(1u << ((ep)&0x0Fu)))

void cnd_usb_init(cnd_usb_t *u, const cnd_usb_dcd_t *dcd, cnd_sync_t *sync,
                  const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    memset(u, 0, sizeof *u);
    u->dcd = dcd;
    memcpy(u->device_id, device_id, CND_DEVICE_ID_LEN);
    u->state = CND_USB_STATE_DEFAULT;
    cnd_usb_bulk_init(&u->bulk, dcd, sync);
}

void cnd_usb_connect(cnd_usb_t *u, int on)
{
    u->dcd->connect(u->dcd->ctx, on);
}

void cnd_usb_isr_event(cnd_usb_t *u, const cnd_usb_event_t *ev)
{
    switch (ev->kind) {
    case CND_USB_EV_RESET:
    case CND_USB_EV_DETACH:
        /* everything before a reset or detach is void */
        u->ev_flags = (uint8_t)(ev->kind == CND_USB_EV_RESET ? F_RESET : F_DETACH);
        u->ev_out = 0;
        u->ev_in = 0;
        break;
    case CND_USB_EV_SETUP:
        /* a new SETUP supersedes the control transfer in progress */
        memcpy(u->ev_setup, ev->setup, sizeof u->ev_setup);
        u->ev_flags = (uint8_t)(u->ev_flags | F_SETUP);
        u->ev_out = (uint16_t)(u->ev_out & ~EP_BIT(0));
        u->ev_in = (uint16_t)(u->ev_in & ~EP_BIT(0));
        break;
    case CND_USB_EV_OUT:
        u->ev_out = (uint16_t)(u->ev_out | EP_BIT(ev->ep));
        break;
    case CND_USB_EV_IN_DONE:
        u->ev_in = (uint16_t)(u->ev_in | EP_BIT(ev->ep));
        break;
    default:
        break;
    }
}

/* Back to the default state (bus reset) or off the bus (detach): no
 * address, no configuration, the sync link gone. */
static void bus_reset(cnd_usb_t *u)
{
    u->state = CND_USB_STATE_DEFAULT;
    u->address = 0;
    u->config = 0;
    u->halted = 0;
    u->ep0.stage = 0;
    cnd_usb_bulk_close(&u->bulk);
}

void cnd_usb_task(cnd_usb_t *u)
{
    const cnd_usb_dcd_t *d = u->dcd;
    for (;;) {
        uint8_t flags, setup[8];
        uint16_t out, in;
        if (d->irq_mask)
            d->irq_mask(d->ctx, 1);
        flags = u->ev_flags;
        out = u->ev_out;
        in = u->ev_in;
        memcpy(setup, u->ev_setup, sizeof setup);
        u->ev_flags = 0;
        u->ev_out = 0;
        u->ev_in = 0;
        if (d->irq_mask)
            d->irq_mask(d->ctx, 0);
        if (flags == 0 && out == 0 && in == 0)
            return;

        if (flags & (F_DETACH | F_RESET))
            bus_reset(u);
        if (flags & F_SETUP)
            cnd_usb_ctrl_setup(u, setup);
        if (out & EP_BIT(0))
            cnd_usb_ctrl_out(u);
        if (in & EP_BIT(0))
            cnd_usb_ctrl_in_done(u);
        if (out & EP_BIT(CND_USB_EP_OUT))
            cnd_usb_bulk_out_ready(&u->bulk);
        if (in & EP_BIT(CND_USB_EP_IN))
            cnd_usb_bulk_in_done(&u->bulk);
    }
}

int cnd_usb_configured(const cnd_usb_t *u)
{
    return u->state == CND_USB_STATE_CONFIGURED;
}
