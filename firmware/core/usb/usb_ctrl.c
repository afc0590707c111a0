/* usb_ctrl.c: endpoint 0. Requests are rows of one table (bmRequestType,
 * bRequest, device states in which the request is valid, handler); a request
 * that matches no row, or whose handler refuses its fields, is STALLed
 * (USB 2.0 9.2.7). The transfer stages follow USB 2.0 8.5.3. */
#include "usb_ctrl.h"

#include <string.h>

#include "usb_dev.h"

/* USB 2.0 table 9-4 (bRequest), 9-5 (descriptor types), 9-6 (features) */
#define REQ_GET_STATUS 0u
#define REQ_CLEAR_FEATURE 1u
#define REQ_SET_FEATURE 3u
#define REQ_SET_ADDRESS 5u
#define REQ_GET_DESCRIPTOR 6u
#define REQ_GET_CONFIGURATION 8u
#define REQ_SET_CONFIGURATION 9u
#define REQ_GET_INTERFACE 10u
#define REQ_SET_INTERFACE 11u
#define DESC_DEVICE 1u
#define DESC_CONFIG 2u
#define DESC_STRING 3u
#define DESC_BOS 15u
#define FEATURE_ENDPOINT_HALT 0u

#define DIR_IN 0x80u /* bmRequestType bit 7: device-to-host */

/* bit per CND_USB_STATE_* in which a request is valid */
#define S_DEF (1u << CND_USB_STATE_DEFAULT)
#define S_ADR (1u << CND_USB_STATE_ADDRESS)
#define S_CFG (1u << CND_USB_STATE_CONFIGURED)

#define HALT_OUT 0x01u
#define HALT_IN 0x02u

enum { EP0_IDLE = 0, EP0_DATA_IN, EP0_STATUS_OUT, EP0_STATUS_IN };

typedef cnd_usb_ctrl_result_t (*handler_t)(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                           size_t cap, size_t *len);

void cnd_usb_setup_parse(const uint8_t raw[8], cnd_usb_setup_t *s)
{
    s->bmRequestType = raw[0];
    s->bRequest = raw[1];
    s->wValue = (uint16_t)(raw[2] | (raw[3] << 8));
    s->wIndex = (uint16_t)(raw[4] | (raw[5] << 8));
    s->wLength = (uint16_t)(raw[6] | (raw[7] << 8));
}

static cnd_usb_ctrl_result_t reply(uint8_t *data, size_t cap, size_t *len, const uint8_t *src,
                                   size_t n)
{
    if (n > cap)
        return CND_USB_CTRL_STALL;
    memcpy(data, src, n);
    *len = n;
    return CND_USB_CTRL_ACK;
}

static cnd_usb_ctrl_result_t reply2(uint8_t *data, size_t cap, size_t *len, unsigned v)
{
    uint8_t b[2];
    b[0] = (uint8_t)(v & 0xFFu);
    b[1] = (uint8_t)(v >> 8);
    return reply(data, cap, len, b, 2);
}

/* The halt bit of a bulk endpoint address, 0 if ep is not one of ours. */
static uint8_t halt_bit(uint8_t ep)
{
    if (ep == CND_USB_EP_OUT)
        return HALT_OUT;
    if (ep == CND_USB_EP_IN)
        return HALT_IN;
    return 0;
}

static int is_ep0(uint16_t wIndex)
{
    return wIndex == 0x00u || wIndex == 0x80u;
}

static cnd_usb_ctrl_result_t get_status_device(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                               uint8_t *data, size_t cap, size_t *len)
{
    (void)u;
    if (s->wValue != 0 || s->wIndex != 0)
        return CND_USB_CTRL_STALL;
    return reply2(data, cap, len, 0x0001u); /* self-powered, no remote wakeup */
}

static cnd_usb_ctrl_result_t get_status_interface(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                                  uint8_t *data, size_t cap, size_t *len)
{
    (void)u;
    if (s->wValue != 0 || s->wIndex != CND_USB_INTERFACE)
        return CND_USB_CTRL_STALL;
    return reply2(data, cap, len, 0);
}

static cnd_usb_ctrl_result_t get_status_endpoint(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                                 uint8_t *data, size_t cap, size_t *len)
{
    uint8_t bit = halt_bit((uint8_t)s->wIndex);
    if (s->wValue != 0 || s->wIndex > 0xFFu)
        return CND_USB_CTRL_STALL;
    if (is_ep0(s->wIndex))
        return reply2(data, cap, len, 0);
    /* the bulk endpoints exist only in the configured state (9.4.5) */
    if (bit == 0 || u->state != CND_USB_STATE_CONFIGURED)
        return CND_USB_CTRL_STALL;
    return reply2(data, cap, len, (u->halted & bit) ? 1u : 0u);
}

static cnd_usb_ctrl_result_t endpoint_halt(cnd_usb_t *u, const cnd_usb_setup_t *s, int on)
{
    uint8_t bit = halt_bit((uint8_t)s->wIndex);
    if (s->wValue != FEATURE_ENDPOINT_HALT || s->wIndex > 0xFFu)
        return CND_USB_CTRL_STALL;
    if (is_ep0(s->wIndex)) /* halting the default pipe is not recommended (9.4.5) */
        return on ? CND_USB_CTRL_STALL : CND_USB_CTRL_ACK;
    if (bit == 0 || u->state != CND_USB_STATE_CONFIGURED)
        return CND_USB_CTRL_STALL;
    if (on) {
        u->dcd->ep_stall(u->dcd->ctx, (uint8_t)s->wIndex, 1);
        u->halted = (uint8_t)(u->halted | bit);
        return CND_USB_CTRL_ACK;
    }
    /* A host clears a halt after a failed transfer: it has lost its place
     * in the byte stream. Clearing resets the data toggle (9.4.5); we also
     * re-open both endpoints, dropping any reply or half request in flight
     * (an armed packet would otherwise arrive stale), exactly as
     * SET_INTERFACE does. The lock-step host then starts with a new request. */
    u->halted = 0;
    cnd_usb_bulk_open(&u->bulk);
    return CND_USB_CTRL_ACK;
}

/* CLEAR_FEATURE and SET_FEATURE to an endpoint: ENDPOINT_HALT only. */
static cnd_usb_ctrl_result_t endpoint_feature(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                              uint8_t *data, size_t cap, size_t *len)
{
    (void)data;
    (void)cap;
    (void)len;
    return endpoint_halt(u, s, s->bRequest == REQ_SET_FEATURE);
}

static cnd_usb_ctrl_result_t set_address(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                         size_t cap, size_t *len)
{
    (void)data;
    (void)cap;
    (void)len;
    if (s->wValue > 127u || s->wIndex != 0)
        return CND_USB_CTRL_STALL;
    u->address = (uint8_t)s->wValue;
    u->state = u->address ? CND_USB_STATE_ADDRESS : CND_USB_STATE_DEFAULT;
    u->dcd->set_address(u->dcd->ctx, u->address);
    return CND_USB_CTRL_ACK;
}

static cnd_usb_ctrl_result_t get_descriptor(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                            uint8_t *data, size_t cap, size_t *len)
{
    uint8_t type = (uint8_t)(s->wValue >> 8), index = (uint8_t)(s->wValue & 0xFFu);
    const uint8_t *d;
    size_t n;
    if (type == DESC_STRING) {
        /* any LANGID gets the one (English) set of strings */
        n = cnd_usb_string_desc(index, u->device_id, data, cap);
        if (n == 0)
            return CND_USB_CTRL_STALL;
        *len = n;
        return CND_USB_CTRL_ACK;
    }
    if (index != 0 || s->wIndex != 0)
        return CND_USB_CTRL_STALL;
    if (type == DESC_DEVICE)
        d = cnd_usb_device_desc(&n);
    else if (type == DESC_CONFIG)
        d = cnd_usb_config_desc(&n);
    else if (type == DESC_BOS)
        d = cnd_usb_bos_desc(&n);
    else /* DEVICE_QUALIFIER included: a full-speed-only device STALLs it (9.6.2) */
        return CND_USB_CTRL_STALL;
    return reply(data, cap, len, d, n);
}

static cnd_usb_ctrl_result_t get_configuration(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                               uint8_t *data, size_t cap, size_t *len)
{
    if (s->wValue != 0 || s->wIndex != 0)
        return CND_USB_CTRL_STALL;
    return reply(data, cap, len, &u->config, 1);
}

static cnd_usb_ctrl_result_t set_configuration(cnd_usb_t *u, const cnd_usb_setup_t *s,
                                               uint8_t *data, size_t cap, size_t *len)
{
    (void)data;
    (void)cap;
    (void)len;
    if (s->wIndex != 0 || (s->wValue != 0 && s->wValue != CND_USB_CONFIG_VALUE))
        return CND_USB_CTRL_STALL;
    u->halted = 0;
    if (s->wValue == 0) {
        u->config = 0;
        u->state = CND_USB_STATE_ADDRESS;
        cnd_usb_bulk_close(&u->bulk);
    } else {
        /* also when already configured: endpoints back to DATA0, fresh link */
        u->config = CND_USB_CONFIG_VALUE;
        u->state = CND_USB_STATE_CONFIGURED;
        cnd_usb_bulk_open(&u->bulk);
    }
    return CND_USB_CTRL_ACK;
}

static cnd_usb_ctrl_result_t get_interface(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                           size_t cap, size_t *len)
{
    static const uint8_t alt0 = 0;
    (void)u;
    if (s->wValue != 0 || s->wIndex != CND_USB_INTERFACE)
        return CND_USB_CTRL_STALL;
    return reply(data, cap, len, &alt0, 1);
}

static cnd_usb_ctrl_result_t set_interface(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                           size_t cap, size_t *len)
{
    (void)data;
    (void)cap;
    (void)len;
    if (s->wValue != 0 || s->wIndex != CND_USB_INTERFACE)
        return CND_USB_CTRL_STALL;
    /* Selecting alternate setting 0 again resets the endpoints (9.4.10);
     * the host may use it to drop a half-sent request or unread reply. */
    u->halted = 0;
    cnd_usb_bulk_open(&u->bulk);
    return CND_USB_CTRL_ACK;
}

/* Vendor request: the MS OS 2.0 descriptor set (MS OS 2.0 spec, "Retrieving
 * MS OS 2.0 descriptors"): bRequest = the vendor code in the BOS, wIndex 7. */
static cnd_usb_ctrl_result_t get_msos20(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                        size_t cap, size_t *len)
{
    size_t n;
    (void)u;
    if (s->wValue != 0 || s->wIndex != CND_USB_MS_OS_20_INDEX)
        return CND_USB_CTRL_STALL;
    n = cnd_usb_msos20_set(data, cap);
    if (n == 0)
        return CND_USB_CTRL_STALL;
    *len = n;
    return CND_USB_CTRL_ACK;
}

static const struct request {
    uint8_t bmRequestType;
    uint8_t bRequest;
    uint8_t states;
    handler_t handler;
} requests[] = {
    {0x80, REQ_GET_STATUS, S_ADR | S_CFG, get_status_device},
    {0x81, REQ_GET_STATUS, S_CFG, get_status_interface},
    {0x82, REQ_GET_STATUS, S_ADR | S_CFG, get_status_endpoint},
    {0x02, REQ_CLEAR_FEATURE, S_ADR | S_CFG, endpoint_feature},
    {0x02, REQ_SET_FEATURE, S_ADR | S_CFG, endpoint_feature},
    {0x00, REQ_SET_ADDRESS, S_DEF | S_ADR, set_address},
    {0x80, REQ_GET_DESCRIPTOR, S_DEF | S_ADR | S_CFG, get_descriptor},
    {0x80, REQ_GET_CONFIGURATION, S_ADR | S_CFG, get_configuration},
    {0x00, REQ_SET_CONFIGURATION, S_ADR | S_CFG, set_configuration},
    {0x81, REQ_GET_INTERFACE, S_CFG, get_interface},
    {0x01, REQ_SET_INTERFACE, S_CFG, set_interface},
    {0xC0, CND_USB_MS_VENDOR_CODE, S_DEF | S_ADR | S_CFG, get_msos20},
};

cnd_usb_ctrl_result_t cnd_usb_ctrl_request(cnd_usb_t *u, const cnd_usb_setup_t *s, uint8_t *data,
                                           size_t cap, size_t *len)
{
    size_t i, n = 0;
    *len = 0;
    /* no supported request has an OUT data stage */
    if (!(s->bmRequestType & DIR_IN) && s->wLength != 0)
        return CND_USB_CTRL_STALL;
    for (i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        const struct request *r = &requests[i];
        if (r->bmRequestType != s->bmRequestType || r->bRequest != s->bRequest)
            continue;
        if (!(r->states & (1u << u->state)))
            return CND_USB_CTRL_STALL;
        if (r->handler(u, s, data, cap, &n) != CND_USB_CTRL_ACK)
            return CND_USB_CTRL_STALL;
        /* the host asked for at most wLength bytes (9.3.5) */
        *len = n < s->wLength ? n : s->wLength;
        return CND_USB_CTRL_ACK;
    }
    return CND_USB_CTRL_STALL;
}

static void ep0_stall(cnd_usb_t *u)
{
    u->ep0.stage = EP0_IDLE;
    u->dcd->ep_stall(u->dcd->ctx, 0x80, 1);
    u->dcd->ep_stall(u->dcd->ctx, 0x00, 1);
}

void cnd_usb_ctrl_setup(cnd_usb_t *u, const uint8_t raw[8])
{
    cnd_usb_ep0_t *e = &u->ep0;
    cnd_usb_setup_t s;
    size_t len = 0;
    cnd_usb_setup_parse(raw, &s);
    e->stage = EP0_IDLE; /* a SETUP ends whatever transfer was going on */
    if (cnd_usb_ctrl_request(u, &s, e->buf, sizeof e->buf, &len) != CND_USB_CTRL_ACK) {
        ep0_stall(u);
        return;
    }
    if (s.wLength == 0) { /* no data stage: status is a ZLP from us */
        e->stage = EP0_STATUS_IN;
        cnd_usb_in_start(&e->in, u->dcd, 0x80, e->buf, 0, 0);
        return;
    }
    /* Data IN: the host stops at wLength bytes or at a short packet, so
     * data shorter than wLength that ends on a packet boundary needs a
     * zero-length packet (8.5.3.2). */
    e->stage = EP0_DATA_IN;
    cnd_usb_in_start(&e->in, u->dcd, 0x80, e->buf, (uint16_t)len,
                     len < s.wLength && len % CND_USB_EP0_SIZE == 0);
}

void cnd_usb_ctrl_in_done(cnd_usb_t *u)
{
    cnd_usb_ep0_t *e = &u->ep0;
    if (e->stage == EP0_STATUS_IN) {
        e->stage = EP0_IDLE;
    } else if (e->stage == EP0_DATA_IN && !cnd_usb_in_next(&e->in, u->dcd)) {
        e->stage = EP0_STATUS_OUT; /* wait for the host's zero-length OUT */
    }
}

void cnd_usb_ctrl_out(cnd_usb_t *u)
{
    cnd_usb_ep0_t *e = &u->ep0;
    uint8_t pkt[CND_USB_EP0_SIZE];
    uint16_t n = u->dcd->ep_read(u->dcd->ctx, 0x00, pkt, sizeof pkt);
    /* The status stage of an IN transfer; a host may also end the data
     * stage early with it. Anything else is data we never asked for. */
    if (n == 0 && (e->stage == EP0_STATUS_OUT || e->stage == EP0_DATA_IN))
        e->stage = EP0_IDLE;
    else if (e->stage != EP0_IDLE || n != 0)
        ep0_stall(u);
}
