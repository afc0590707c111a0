/* transport_usb.c: libusb carrier to the handheld (see transport_usb.h). */
#include "transport_usb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "usb_id.h"

/* A multiple of every legal bulk wMaxPacketSize (8..512), and larger than
 * any reply frame, so one IN transfer holds a whole reply. */
#define USB_RX_BUF 16384
#define MAX_LISTED 32

typedef struct {
    cnd_transport_t base; /* first, so a cnd_transport_t * is a usb_transport_t * */
    libusb_device_handle *h;
    uint8_t iface, ep_in, ep_out;
    uint16_t mps_in, mps_out;
    size_t rx_pos, rx_len;
    uint8_t rx[USB_RX_BUF];
} usb_transport_t;

/* Where the vendor interface is, read from the configuration descriptor. */
typedef struct {
    uint8_t iface, ep_in, ep_out;
    uint16_t mps_in, mps_out;
} usb_iface_t;

static libusb_context *g_ctx;
static int g_init_error; /* libusb_init's error, kept for messages */

libusb_context *cnd_transport_usb_context(cnd_err_t *err)
{
    if (g_ctx != NULL)
        return g_ctx;
    g_init_error = libusb_init(&g_ctx);
    if (g_init_error != 0) {
        g_ctx = NULL;
        if (err != NULL)
            cnd_err_set(err, "cannot start libusb: %s",
                        libusb_strerror((enum libusb_error)g_init_error));
        return NULL;
    }
    return g_ctx;
}

const char *cnd_transport_usb_state(void)
{
    if (cnd_transport_usb_context(NULL) == NULL)
        return g_init_error != 0 ? libusb_strerror((enum libusb_error)g_init_error)
                                 : "libusb did not start";
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The timeout of one libusb transfer: what is left of the caller's, at most
 * CND_USB_TRANSFER_TIMEOUT_MS, never 0 (libusb's "forever"). */
static unsigned int left_ms(long long deadline)
{
    long long left = deadline - now_ms();
    if (left > CND_USB_TRANSFER_TIMEOUT_MS)
        left = CND_USB_TRANSFER_TIMEOUT_MS;
    return left < 1 ? 1u : (unsigned int)left;
}

/* Finds the first interface of class CND_USB_IF_CLASS with one bulk IN and one bulk OUT
 * endpoint. Returns 1 when found. */
static int find_iface(libusb_device *dev, usb_iface_t *out)
{
    struct libusb_config_descriptor *cfg = NULL;
    int found = 0, i, a, e;
    if (libusb_get_active_config_descriptor(dev, &cfg) != 0 &&
        libusb_get_config_descriptor(dev, 0, &cfg) != 0)
        return 0;
    for (i = 0; i < cfg->bNumInterfaces && !found; i++) {
        const struct libusb_interface *it = &cfg->interface[i];
        for (a = 0; a < it->num_altsetting && !found; a++) {
            const struct libusb_interface_descriptor *d = &it->altsetting[a];
            usb_iface_t f;
            memset(&f, 0, sizeof f);
            if (d->bInterfaceClass != CND_USB_IF_CLASS)
                continue;
            for (e = 0; e < d->bNumEndpoints; e++) {
                const struct libusb_endpoint_descriptor *ep = &d->endpoint[e];
                if ((ep->bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_BULK)
                    continue;
                if (ep->bEndpointAddress & LIBUSB_ENDPOINT_IN) {
                    f.ep_in = ep->bEndpointAddress;
                    f.mps_in = ep->wMaxPacketSize;
                } else {
                    f.ep_out = ep->bEndpointAddress;
                    f.mps_out = ep->wMaxPacketSize;
                }
            }
            if (f.ep_in != 0 && f.ep_out != 0 && f.mps_in > 0 && f.mps_out > 0) {
                f.iface = d->bInterfaceNumber;
                *out = f;
                found = 1;
            }
        }
    }
    libusb_free_config_descriptor(cfg);
    return found;
}

int cnd_transport_usb_is_candor(libusb_device *dev)
{
    struct libusb_device_descriptor dd;
    usb_iface_t f;
    if (libusb_get_device_descriptor(dev, &dd) != 0)
        return 0;
    return dd.idVendor == CND_USB_VID && dd.idProduct == CND_USB_PID && find_iface(dev, &f);
}

/* Reads the serial string of an open device into buf ("" if it has none). */
static int read_serial(libusb_device *dev, libusb_device_handle *h, char *buf, size_t cap)
{
    struct libusb_device_descriptor dd;
    int n;
    buf[0] = '\0';
    if (libusb_get_device_descriptor(dev, &dd) != 0 || dd.iSerialNumber == 0)
        return LIBUSB_ERROR_NOT_FOUND;
    n = libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, (unsigned char *)buf, (int)cap - 1);
    if (n < 0)
        return n;
    buf[n] = '\0';
    return 0;
}

static void describe(libusb_device *dev, cnd_usb_found_t *f)
{
    libusb_device_handle *h = NULL;
    memset(f, 0, sizeof *f);
    f->bus = libusb_get_bus_number(dev);
    f->address = libusb_get_device_address(dev);
    f->open_error = libusb_open(dev, &h);
    if (f->open_error == 0) {
        if (read_serial(dev, h, f->serial, sizeof f->serial) != 0)
            f->serial[0] = '\0';
        libusb_close(h);
    }
    if (f->serial[0] != '\0')
        snprintf(f->spec, sizeof f->spec, "usb:%s", f->serial);
    else
        snprintf(f->spec, sizeof f->spec, "usb:%03u/%03u", (unsigned)f->bus, (unsigned)f->address);
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const cnd_usb_found_t *)a)->spec, ((const cnd_usb_found_t *)b)->spec);
}

size_t cnd_transport_usb_list(cnd_usb_found_t *found, size_t max)
{
    libusb_context *ctx = cnd_transport_usb_context(NULL);
    libusb_device **list = NULL;
    ssize_t n, i;
    size_t k = 0;
    if (ctx == NULL)
        return 0;
    n = libusb_get_device_list(ctx, &list);
    for (i = 0; i < n && k < max; i++) {
        if (!cnd_transport_usb_is_candor(list[i]))
            continue;
        describe(list[i], &found[k]);
        k++;
    }
    if (n >= 0)
        libusb_free_device_list(list, 1);
    qsort(found, k, sizeof *found, cmp_found);
    return k;
}

size_t cnd_transport_usb_discover(char specs[][256], size_t max)
{
    static cnd_usb_found_t found[MAX_LISTED];
    size_t n = cnd_transport_usb_list(found, max < MAX_LISTED ? max : MAX_LISTED), i;
    for (i = 0; i < n; i++)
        memcpy(specs[i], found[i].spec, sizeof found[i].spec); /* both 256, NUL-terminated */
    return n;
}

/* "BUS/ADDR" with decimal numbers; returns 1 when address has that form. */
static int parse_bus_addr(const char *address, unsigned *bus, unsigned *addr)
{
    char tail;
    return sscanf(address, "%u/%u%c", bus, addr, &tail) == 2 && *bus <= 255 && *addr <= 255;
}

int cnd_transport_usb_lookup(const char *spec, cnd_usb_found_t *out)
{
    static cnd_usb_found_t found[MAX_LISTED];
    size_t n, i;
    unsigned bus = 0, addr = 0;
    int by_bus;
    if (strncmp(spec, "usb:", 4) == 0)
        spec += 4;
    by_bus = parse_bus_addr(spec, &bus, &addr);
    n = cnd_transport_usb_list(found, MAX_LISTED);
    for (i = 0; i < n; i++) {
        if (by_bus ? (found[i].bus == bus && found[i].address == addr)
                   : (found[i].serial[0] != '\0' && strcasecmp(found[i].serial, spec) == 0)) {
            *out = found[i];
            return 1;
        }
    }
    return 0;
}

/* ---- bytes ---- */

static cnd_status_t usb_status(int r)
{
    switch (r) {
    case LIBUSB_ERROR_TIMEOUT:
        return CND_E_TIMEOUT;
    case LIBUSB_ERROR_NO_DEVICE:
        return CND_E_DISCONNECTED;
    default:
        return CND_E_IO;
    }
}

static cnd_status_t usb_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    usb_transport_t *u = (usb_transport_t *)t;
    long long deadline = now_ms() + timeout_ms;
    size_t done = 0;
    while (done < n) {
        int moved = 0;
        size_t chunk = n - done > USB_RX_BUF ? USB_RX_BUF : n - done;
        int r = libusb_bulk_transfer(u->h, u->ep_out, (unsigned char *)buf + done, (int)chunk,
                                     &moved, left_ms(deadline));
        /* A timeout may still have moved some packets: they reached the
         * device and must not be sent twice. */
        if (moved > 0)
            done += (size_t)moved;
        if (r == LIBUSB_ERROR_PIPE)
            libusb_clear_halt(u->h, u->ep_out);
        if (r != 0 && (r != LIBUSB_ERROR_TIMEOUT || now_ms() >= deadline))
            return usb_status(r);
    }
    /* A transfer that fills its last packet exactly is ended by a zero-length
     * packet, so a device that waits for the end of a transfer gets it now. */
    if (n > 0 && n % u->mps_out == 0) {
        int moved = 0;
        int r = libusb_bulk_transfer(u->h, u->ep_out, (unsigned char *)buf, 0, &moved,
                                     left_ms(deadline));
        if (r != 0)
            return usb_status(r);
    }
    return CND_OK;
}

static cnd_status_t usb_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                             int timeout_ms)
{
    usb_transport_t *u = (usb_transport_t *)t;
    long long deadline = now_ms() + timeout_ms;
    /* The request size is a multiple of the packet size: a device packet can
     * never overflow it (LIBUSB_ERROR_OVERFLOW). */
    int want = (int)(USB_RX_BUF - USB_RX_BUF % u->mps_in);
    *got = 0;
    while (u->rx_pos == u->rx_len) {
        int moved = 0;
        int r = libusb_bulk_transfer(u->h, u->ep_in, u->rx, want, &moved, left_ms(deadline));
        u->rx_pos = 0;
        u->rx_len = moved > 0 ? (size_t)moved : 0;
        if (u->rx_len > 0)
            break; /* data, even if the transfer then timed out */
        if (r == LIBUSB_ERROR_PIPE)
            libusb_clear_halt(u->h, u->ep_in);
        if (r == 0 && now_ms() < deadline)
            continue; /* a zero-length packet: the end of a previous reply */
        if (r == 0)
            return CND_E_TIMEOUT;
        if (r != LIBUSB_ERROR_TIMEOUT || now_ms() >= deadline)
            return usb_status(r);
    }
    *got = u->rx_len - u->rx_pos < cap ? u->rx_len - u->rx_pos : cap;
    memcpy(buf, u->rx + u->rx_pos, *got);
    u->rx_pos += *got;
    return CND_OK;
}

static void usb_close(cnd_transport_t *t)
{
    usb_transport_t *u = (usb_transport_t *)t;
    if (u == NULL)
        return;
    if (u->h != NULL) {
        libusb_release_interface(u->h, u->iface);
        libusb_close(u->h);
    }
    free(u);
}

/* ---- opening ---- */

static void open_error(const char *what, const cnd_usb_found_t *f, int r, cnd_err_t *err)
{
    if (r == LIBUSB_ERROR_ACCESS)
        cnd_err_set(err,
                    "cannot open USB device %s (bus %03u address %03u): permission denied; "
                    "install the udev rule: sudo cmake --install build, or see README",
                    what, (unsigned)f->bus, (unsigned)f->address);
    else if (r == LIBUSB_ERROR_BUSY)
        cnd_err_set(err,
                    "USB device %s is in use by another program (another candor sync or "
                    "watch?); stop it and run the command again",
                    what);
    else if (r == LIBUSB_ERROR_NO_DEVICE)
        cnd_err_set(err, "USB device %s was unplugged; plug it in and run the command again", what);
    else
        cnd_err_set(err, "cannot open USB device %s (bus %03u address %03u): %s", what,
                    (unsigned)f->bus, (unsigned)f->address, libusb_strerror((enum libusb_error)r));
}

/* Finds the libusb_device for a listed device (bus and address). */
static libusb_device *device_at(libusb_context *ctx, const cnd_usb_found_t *f,
                                libusb_device ***list)
{
    ssize_t n = libusb_get_device_list(ctx, list), i;
    for (i = 0; i < n; i++)
        if (libusb_get_bus_number((*list)[i]) == f->bus &&
            libusb_get_device_address((*list)[i]) == f->address)
            return (*list)[i];
    return NULL;
}

/*
 * A host that died mid-request can leave a half-received request in the
 * device, or a reply in its IN endpoint that we would take as the answer to
 * our first request. SET_INTERFACE makes the device start a fresh link
 * (usb_bulk.h); if the platform refuses it, read any stale reply away.
 */
static void start_fresh_link(usb_transport_t *u)
{
    int rounds;
    if (libusb_set_interface_alt_setting(u->h, u->iface, 0) == 0)
        return;
    for (rounds = 0; rounds < 8; rounds++) {
        int moved = 0;
        int r =
            libusb_bulk_transfer(u->h, u->ep_in, u->rx, (int)(USB_RX_BUF - USB_RX_BUF % u->mps_in),
                                 &moved, CND_USB_DRAIN_MS);
        if (moved == 0 && r != 0)
            break;
    }
    u->rx_pos = u->rx_len = 0;
}

static cnd_status_t claim(usb_transport_t *u, libusb_device *dev, const usb_iface_t *f,
                          const char *what, const cnd_usb_found_t *found, cnd_err_t *err)
{
    int r = libusb_open(dev, &u->h);
    if (r != 0) {
        u->h = NULL;
        open_error(what, found, r, err);
        return r == LIBUSB_ERROR_NO_DEVICE ? CND_E_NOT_FOUND : CND_E_IO;
    }
    /* Only ever our own vendor interface; on Linux no driver binds to it,
     * elsewhere the call is unsupported and harmless. */
    libusb_set_auto_detach_kernel_driver(u->h, 1);
    r = libusb_claim_interface(u->h, f->iface);
    if (r != 0) {
        open_error(what, found, r, err);
        libusb_close(u->h);
        u->h = NULL;
        return r == LIBUSB_ERROR_BUSY ? CND_E_BUSY : CND_E_IO;
    }
    u->iface = f->iface;
    u->ep_in = f->ep_in;
    u->ep_out = f->ep_out;
    u->mps_in = f->mps_in;
    u->mps_out = f->mps_out;
    start_fresh_link(u);
    return CND_OK;
}

cnd_status_t cnd_transport_usb_open(const char *address, cnd_transport_t **out, cnd_err_t *err)
{
    libusb_context *ctx = cnd_transport_usb_context(err);
    libusb_device **list = NULL;
    libusb_device *dev;
    cnd_usb_found_t found;
    usb_iface_t f;
    usb_transport_t *u;
    cnd_status_t st;
    char what[128];

    *out = NULL;
    if (ctx == NULL)
        return CND_E_IO;
    if (address[0] == '\0') {
        cnd_err_set(err, "device spec 'usb:' needs a serial, e.g. usb:SERIAL as listed by "
                         "candor devices");
        return CND_E_INVALID;
    }
    if (!cnd_transport_usb_lookup(address, &found)) {
        cnd_err_set(err,
                    "no Candor USB device %.100s is connected; plug it in, or run candor "
                    "devices to see what is",
                    address);
        return CND_E_NOT_FOUND;
    }
    snprintf(what, sizeof what, "%.100s", found.spec);
    if (found.open_error != 0 && found.open_error != LIBUSB_ERROR_BUSY) {
        open_error(what, &found, found.open_error, err);
        return CND_E_IO;
    }
    u = calloc(1, sizeof *u);
    if (u == NULL) {
        cnd_err_set(err, "out of memory opening usb:%.100s", address);
        return CND_E_NOSPACE;
    }
    dev = device_at(ctx, &found, &list);
    if (dev == NULL || !find_iface(dev, &f)) {
        open_error(what, &found, LIBUSB_ERROR_NO_DEVICE, err);
        st = CND_E_NOT_FOUND;
    } else {
        st = claim(u, dev, &f, what, &found, err);
    }
    if (list != NULL)
        libusb_free_device_list(list, 1);
    if (st != CND_OK) {
        free(u);
        return st;
    }
    snprintf(u->base.name, sizeof u->base.name, "%s", found.spec);
    u->base.send = usb_send;
    u->base.recv = usb_recv;
    u->base.close = usb_close;
    *out = &u->base;
    return CND_OK;
}
