/* fake_dcd.c: see fake_dcd.h. The "hardware" is a few arrays; the "host"
 * functions put a token on the bus, report the event the way an ISR would
 * and run the device task the way the main loop would. */
#include "fake_dcd.h"

#include <string.h>

#define FAKE(ctx) ((cnd_fake_dcd_t *)(ctx))
#define EPN(ep) ((ep)&0x0Fu)
#define EPDIR(ep) (((ep)&0x80u) ? 1 : 0)

static void op_connect(void *ctx, int on)
{
    FAKE(ctx)->connected = on;
}

static void op_set_address(void *ctx, uint8_t addr)
{
    FAKE(ctx)->address = addr;
    FAKE(ctx)->set_address_calls++;
}

static void op_ep_open(void *ctx, uint8_t ep, uint8_t type, uint16_t max_packet)
{
    cnd_fake_dcd_t *f = FAKE(ctx);
    unsigned n = EPN(ep), d = EPDIR(ep);
    if (max_packet > 64) {
        f->violations++;
        return;
    }
    f->ep_type[d][n] = type;
    f->ep_mps[d][n] = max_packet;
    f->stalled[d][n] = 0;
    if (d)
        f->in_armed[n] = 0;
    else
        f->out_full[n] = 0;
}

static void op_ep_write(void *ctx, uint8_t ep, const uint8_t *data, uint16_t len)
{
    cnd_fake_dcd_t *f = FAKE(ctx);
    unsigned n = EPN(ep);
    if (!(ep & 0x80u) || f->ep_type[1][n] == 0xFF || len > f->ep_mps[1][n] || f->in_armed[n]) {
        f->violations++;
        return;
    }
    if (len > 0)
        memcpy(f->in_data[n], data, len);
    f->in_len[n] = len;
    f->in_armed[n] = 1;
}

static uint16_t op_ep_read(void *ctx, uint8_t ep, uint8_t *buf, uint16_t cap)
{
    cnd_fake_dcd_t *f = FAKE(ctx);
    unsigned n = EPN(ep);
    uint16_t len;
    if ((ep & 0x80u) || f->ep_type[0][n] == 0xFF) {
        f->violations++;
        return 0;
    }
    if (!f->out_full[n])
        return 0;
    len = f->out_len[n];
    if (len > cap) {
        f->violations++;
        len = cap;
    }
    memcpy(buf, f->out_data[n], len);
    f->out_full[n] = 0;
    return len;
}

static void op_ep_stall(void *ctx, uint8_t ep, int on)
{
    cnd_fake_dcd_t *f = FAKE(ctx);
    f->stalled[EPDIR(ep)][EPN(ep)] = (uint8_t)(on ? 1 : 0);
}

/* Endpoints as after a bus reset: only ep0 open, nothing armed. */
static void reset_endpoints(cnd_fake_dcd_t *f)
{
    memset(f->ep_type, 0xFF, sizeof f->ep_type);
    memset(f->ep_mps, 0, sizeof f->ep_mps);
    memset(f->stalled, 0, sizeof f->stalled);
    memset(f->in_armed, 0, sizeof f->in_armed);
    memset(f->out_full, 0, sizeof f->out_full);
    f->ep_type[0][0] = f->ep_type[1][0] = CND_USB_EPTYPE_CONTROL;
    f->ep_mps[0][0] = f->ep_mps[1][0] = CND_USB_EP0_SIZE;
}

void cnd_fake_dcd_init(cnd_fake_dcd_t *f)
{
    memset(f, 0, sizeof *f);
    f->dcd.ctx = f;
    f->dcd.connect = op_connect;
    f->dcd.set_address = op_set_address;
    f->dcd.ep_open = op_ep_open;
    f->dcd.ep_write = op_ep_write;
    f->dcd.ep_read = op_ep_read;
    f->dcd.ep_stall = op_ep_stall;
    f->dcd.irq_mask = NULL;
    reset_endpoints(f);
}

void cnd_fake_dcd_attach(cnd_fake_dcd_t *f, cnd_usb_t *usb)
{
    f->usb = usb;
}

static void raise_event(cnd_fake_dcd_t *f, uint8_t kind, uint8_t ep, const uint8_t *setup)
{
    cnd_usb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.ep = ep;
    if (setup)
        memcpy(ev.setup, setup, sizeof ev.setup);
    cnd_usb_isr_event(f->usb, &ev);
    cnd_usb_task(f->usb);
}

void cnd_fake_dcd_bus_reset(cnd_fake_dcd_t *f)
{
    reset_endpoints(f);
    f->address = 0;
    raise_event(f, CND_USB_EV_RESET, 0, NULL);
}

void cnd_fake_dcd_detach(cnd_fake_dcd_t *f)
{
    reset_endpoints(f);
    f->address = 0;
    raise_event(f, CND_USB_EV_DETACH, 0, NULL);
}

void cnd_fake_dcd_setup(cnd_fake_dcd_t *f, const uint8_t setup[8])
{
    /* a SETUP clears an ep0 protocol stall and anything still armed */
    f->stalled[0][0] = f->stalled[1][0] = 0;
    f->in_armed[0] = 0;
    f->out_full[0] = 0;
    raise_event(f, CND_USB_EV_SETUP, 0, setup);
}

cnd_status_t cnd_fake_dcd_in(cnd_fake_dcd_t *f, uint8_t ep, uint8_t *buf, uint16_t *len)
{
    unsigned n = EPN(ep);
    cnd_fake_packet_t *log;
    if (f->stalled[1][n])
        return CND_E_PROTOCOL;
    if (!f->in_armed[n])
        return CND_E_TIMEOUT;
    *len = f->in_len[n];
    memcpy(buf, f->in_data[n], *len);
    f->in_armed[n] = 0;
    log = &f->log[f->n_log % CND_FAKE_LOG];
    log->ep = (uint8_t)(0x80u | n);
    log->len = *len;
    memcpy(log->data, buf, *len);
    f->n_log++;
    raise_event(f, CND_USB_EV_IN_DONE, (uint8_t)(0x80u | n), NULL);
    return CND_OK;
}

cnd_status_t cnd_fake_dcd_out(cnd_fake_dcd_t *f, uint8_t ep, const uint8_t *data, uint16_t len)
{
    unsigned n = EPN(ep);
    if (len > 64)
        return CND_E_INVALID;
    if (f->stalled[0][n])
        return CND_E_PROTOCOL;
    if (f->ep_type[0][n] == 0xFF || f->out_full[n])
        return CND_E_TIMEOUT; /* not open, or the last packet is unread: NAK */
    if (len > 0)
        memcpy(f->out_data[n], data, len);
    f->out_len[n] = len;
    f->out_full[n] = 1;
    raise_event(f, CND_USB_EV_OUT, (uint8_t)n, NULL);
    return CND_OK;
}

cnd_status_t cnd_fake_dcd_control(cnd_fake_dcd_t *f, uint8_t bmRequestType, uint8_t bRequest,
                                  uint16_t wValue, uint16_t wIndex, uint8_t *data,
                                  uint16_t wLength, size_t *actual)
{
    uint8_t setup[8], pkt[64];
    uint16_t n = 0;
    size_t got = 0;
    cnd_status_t st;
    *actual = 0;
    if (!(bmRequestType & 0x80u) && wLength != 0)
        return CND_E_INVALID;
    setup[0] = bmRequestType;
    setup[1] = bRequest;
    setup[2] = (uint8_t)(wValue & 0xFFu);
    setup[3] = (uint8_t)(wValue >> 8);
    setup[4] = (uint8_t)(wIndex & 0xFFu);
    setup[5] = (uint8_t)(wIndex >> 8);
    setup[6] = (uint8_t)(wLength & 0xFFu);
    setup[7] = (uint8_t)(wLength >> 8);
    cnd_fake_dcd_setup(f, setup);
    if (wLength == 0) { /* status stage: a zero-length IN packet */
        st = cnd_fake_dcd_in(f, 0x80, pkt, &n);
        if (st == CND_OK && n != 0)
            return CND_E_PROTOCOL;
        return st;
    }
    for (;;) { /* data stage until wLength bytes or a short packet */
        st = cnd_fake_dcd_in(f, 0x80, pkt, &n);
        if (st != CND_OK)
            return st;
        if (got + n > wLength)
            return CND_E_NOSPACE;
        memcpy(data + got, pkt, n);
        got += n;
        *actual = got;
        if (n < CND_USB_EP0_SIZE || got == wLength)
            break;
    }
    return cnd_fake_dcd_out(f, 0x00, NULL, 0); /* status stage */
}

cnd_status_t cnd_fake_dcd_bulk_out(cnd_fake_dcd_t *f, const uint8_t *data, size_t len, int zlp)
{
    cnd_status_t st;
    f->out_sent = 0;
    while (f->out_sent < len) {
        size_t n = len - f->out_sent;
        if (n > CND_USB_BULK_SIZE)
            n = CND_USB_BULK_SIZE;
        st = cnd_fake_dcd_out(f, CND_USB_EP_OUT, data + f->out_sent, (uint16_t)n);
        if (st != CND_OK)
            return st;
        f->out_sent += n;
    }
    if (zlp && len % CND_USB_BULK_SIZE == 0)
        return cnd_fake_dcd_out(f, CND_USB_EP_OUT, NULL, 0);
    return CND_OK;
}

cnd_status_t cnd_fake_dcd_bulk_in(cnd_fake_dcd_t *f, uint8_t *buf, size_t cap, size_t *got)
{
    unsigned n = EPN(CND_USB_EP_IN);
    uint8_t pkt[64];
    uint16_t len = 0;
    cnd_status_t st;
    *got = 0;
    while (*got < cap) {
        /* a packet that does not fit is left armed: babble on a real bus */
        if (f->in_armed[n] && !f->stalled[1][n] && *got + f->in_len[n] > cap)
            return CND_E_NOSPACE;
        st = cnd_fake_dcd_in(f, CND_USB_EP_IN, pkt, &len);
        if (st != CND_OK)
            return st;
        memcpy(buf + *got, pkt, len);
        *got += len;
        if (len < CND_USB_BULK_SIZE)
            break; /* a short packet (or ZLP) ends the transfer */
    }
    return CND_OK;
}

cnd_status_t cnd_fake_dcd_enumerate(cnd_fake_dcd_t *f)
{
    uint8_t buf[CND_USB_CTRL_MAX];
    size_t got = 0;
    cnd_status_t st;
    cnd_fake_dcd_bus_reset(f);
    st = cnd_fake_dcd_control(f, 0x80, 6, 0x0100, 0, buf, 64, &got); /* device, as Windows asks */
    if (st == CND_OK)
        st = cnd_fake_dcd_control(f, 0x00, 5, 5, 0, NULL, 0, &got); /* SET_ADDRESS 5 */
    if (st == CND_OK)
        st = cnd_fake_dcd_control(f, 0x80, 6, 0x0200, 0, buf, sizeof buf, &got); /* config */
    if (st == CND_OK)
        st = cnd_fake_dcd_control(f, 0x00, 9, CND_USB_CONFIG_VALUE, 0, NULL, 0, &got);
    return st;
}
