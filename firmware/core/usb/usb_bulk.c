/* usb_bulk.c: sync frames over the bulk pair. One OUT packet is held in rx
 * until sync has consumed it; while a reply is in flight nothing more is
 * read (the controller NAKs), which is all the buffering a lock-step
 * protocol needs. No recursion: pump() loops. */
#include "usb_bulk.h"

#include <string.h>

void cnd_usb_bulk_init(cnd_usb_bulk_t *b, const cnd_usb_dcd_t *dcd, cnd_sync_t *sync)
{
    memset(b, 0, sizeof *b);
    b->dcd = dcd;
    b->sync = sync;
}

/* Drop everything in flight both ways and the sync's half-done state. */
static void reset_link(cnd_usb_bulk_t *b)
{
    b->out_waiting = 0;
    b->sending = 0;
    b->rx_len = b->rx_pos = 0;
    memset(&b->in, 0, sizeof b->in);
    cnd_sync_reset(b->sync);
}

void cnd_usb_bulk_open(cnd_usb_bulk_t *b)
{
    reset_link(b);
    b->dcd->ep_open(b->dcd->ctx, CND_USB_EP_OUT, CND_USB_EPTYPE_BULK, CND_USB_BULK_SIZE);
    b->dcd->ep_open(b->dcd->ctx, CND_USB_EP_IN, CND_USB_EPTYPE_BULK, CND_USB_BULK_SIZE);
    b->open = 1;
}

void cnd_usb_bulk_close(cnd_usb_bulk_t *b)
{
    reset_link(b);
    b->open = 0;
}

static void in_arm(cnd_usb_in_xfer_t *x, const cnd_usb_dcd_t *dcd)
{
    uint16_t n = (uint16_t)(x->len - x->pos);
    if (n > CND_USB_BULK_SIZE)
        n = CND_USB_BULK_SIZE;
    if (n == 0)
        x->zlp_owed = 0; /* this is the zero-length packet */
    x->pkt = n;
    dcd->ep_write(dcd->ctx, x->ep, x->data + x->pos, n);
}

void cnd_usb_in_start(cnd_usb_in_xfer_t *x, const cnd_usb_dcd_t *dcd, uint8_t ep,
                      const uint8_t *data, uint16_t len, int zlp)
{
    x->data = data;
    x->len = len;
    x->pos = 0;
    x->ep = ep;
    x->zlp_owed = (uint8_t)(zlp ? 1 : 0);
    in_arm(x, dcd);
}

int cnd_usb_in_next(cnd_usb_in_xfer_t *x, const cnd_usb_dcd_t *dcd)
{
    x->pos = (uint16_t)(x->pos + x->pkt);
    if (x->pos >= x->len && !x->zlp_owed)
        return 0; /* the host has all of it */
    in_arm(x, dcd);
    return 1;
}

static void start_reply(cnd_usb_bulk_t *b, size_t len)
{
    b->sending = 1;
    /* The host reads with a buffer larger than any reply; its read ends at
     * a short packet, so a reply that fills its last packet gets a ZLP. */
    cnd_usb_in_start(&b->in, b->dcd, CND_USB_EP_IN, b->tx, (uint16_t)len,
                     len % CND_USB_BULK_SIZE == 0);
}

/* Feed held bytes to sync until a reply is in flight or nothing is left;
 * then fetch the next waiting OUT packet, if any, and go on. */
static void pump(cnd_usb_bulk_t *b)
{
    for (;;) {
        while (!b->sending && b->rx_pos < b->rx_len) {
            size_t reply_len = 0;
            size_t used = cnd_sync_input(b->sync, b->rx + b->rx_pos, (size_t)(b->rx_len - b->rx_pos),
                                         b->tx, sizeof b->tx, &reply_len);
            if (used == 0 && reply_len == 0) { /* cannot happen per sync.h; never spin */
                b->rx_pos = b->rx_len;
                break;
            }
            b->rx_pos = (uint16_t)(b->rx_pos + used);
            if (reply_len > 0)
                start_reply(b, reply_len);
        }
        if (b->sending || !b->out_waiting)
            return;
        b->out_waiting = 0;
        b->rx_len = b->dcd->ep_read(b->dcd->ctx, CND_USB_EP_OUT, b->rx, sizeof b->rx);
        b->rx_pos = 0;
    }
}

void cnd_usb_bulk_out_ready(cnd_usb_bulk_t *b)
{
    if (!b->open) { /* not configured: nothing may flow; free the endpoint */
        uint8_t scratch[CND_USB_BULK_SIZE];
        (void)b->dcd->ep_read(b->dcd->ctx, CND_USB_EP_OUT, scratch, sizeof scratch);
        return;
    }
    b->out_waiting = 1;
    pump(b);
}

void cnd_usb_bulk_in_done(cnd_usb_bulk_t *b)
{
    if (!b->open || !b->sending)
        return;
    if (cnd_usb_in_next(&b->in, b->dcd))
        return;
    b->sending = 0; /* the whole reply is out: take the next request bytes */
    pump(b);
}
