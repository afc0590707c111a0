/*
 * usb_bus.c: cnd-usb-bus, an emulated USB bus of Candor handhelds for
 * running the REAL, unmodified `candor` binary through the REAL libusb.
 *
 * How: a umockdev testbed (its $UMOCKDEV_DIR is printed first) holds each
 * handheld as a sysfs usb_device with a /dev/bus/usb node; the descriptors
 * in sysfs are read from the device stack with GET_DESCRIPTOR, as the kernel
 * does at enumeration. A umockdev handle-ioctl handler per device answers
 * libusb's usbdevfs ioctls (capabilities, claim/release, set interface,
 * control URBs, bulk SUBMITURB / REAPURBNDELAY / DISCARDURB) by driving the
 * device's USB function packet by packet through the fake controller
 * (tests/support/fake_dcd.h): firmware/core/usb on top of the same device
 * core the simulator runs (store on a flash file, engine, sync). Clients
 * run under `umockdev-wrapper` with the same $UMOCKDEV_DIR; this program
 * must run under it too, so that its uevents reach them.
 *
 * Commands, one per line on stdin; each answers one line on stdout,
 * "ok ..." or "error ...":
 *   plug NAME FLASH [held]  a handheld with flash image FLASH (created blank
 *                         if missing) arrives: new address, uevent "add";
 *                         answers "ok plug NAME serial=S bus=B address=A";
 *                         "held": another program holds it from the start
 *   unplug NAME           it leaves: pending URBs end with ENODEV, uevent
 *                         "remove"; its flash file is closed
 *   unplug-after NAME K   it leaves by itself right after the K-th bulk
 *                         transfer from now (requests and replies both count)
 *   deny NAME on|off      device node mode 000 (open fails with EACCES for
 *                         anyone but root) / back to 0666
 *   hold NAME on|off      another program holds the interface (claim EBUSY)
 *   pause-in NAME K MS    after K more bulk IN packets, NAK IN for MS ms
 *                         (once): a reply that stops half-way for a while
 *   fill NAME N|all SEED  N responses of the reference workload
 *                         (tools/workload) committed by the device's store;
 *                         "all" until the store refuses with CND_E_NOSPACE
 *   stats NAME            bulk and control traffic since plug
 *   quit                  (also at end of input)
 * Never: used by candor or the firmware; test-only (allocates, uses glib).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include <glib.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include "engine.h"
#include "fake_dcd.h"
#include "flash_file.h"
#include "gen.h"
#include "pack.h"
#include "sim_hal.h"
#include "store.h"
#include "sync.h"
#include "usb/usb_dev.h"

#define BUS_NUMBER 1u
#define MAX_NAME 32

/* One URB in flight or done, owned by the client (fd) that submitted it. */
typedef struct {
    UMockdevIoctlClient *client;
    UMockdevIoctlData *data; /* the usbdevfs_urb */
    UMockdevIoctlData *buf;  /* its buffer, resolved (local memory); NULL if empty */
    size_t done;             /* bytes moved so far */
    int zlp_sent;
} urb_t;

typedef struct {
    unsigned long long out_bytes, in_bytes;     /* bulk payload */
    unsigned long long out_packets, in_packets; /* bulk packets, ZLPs included */
    unsigned long long in_zlps, out_zlps;
    unsigned long long out_transfers, in_transfers, control_transfers;
    unsigned long long partial_discards; /* URBs cancelled with part of their data */
} traffic_t;

typedef struct {
    char name[MAX_NAME];
    unsigned address;
    char syspath[96], devnode[64], nodefile[512];
    int gone; /* unplugged: every ioctl fails with ENODEV */
    int held; /* another program holds the interface */
    UMockdevIoctlClient *claimer;
    UMockdevIoctlBase *handler;
    GQueue in_flight;  /* urb_t *, in submission order */
    GQueue done;       /* urb_t *, to reap */
    long unplug_after; /* bulk transfers left before leaving; 0 = off */
    long pause_after;  /* IN packets left before a pause; -1 = none armed */
    long pause_ms;
    gint64 pause_until; /* NAK every IN token until then (monotonic us) */
    traffic_t traffic;
    char serial[CND_USB_SERIAL_LEN + 1];

    /* the handheld: the same static core state as the simulator */
    cnd_flash_file_t ff;
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_engine_t engine;
    cnd_sync_t sync;
    cnd_pack_t pack;
    int have_pack;
    uint8_t pack_buf[CND_MAX_PACK_SIZE];
    cnd_fake_dcd_t dcd;
    cnd_usb_t usb;
} emu_t;

static UMockdevTestbed *g_tb;
static GMutex g_lock;     /* every emu_t; ioctls arrive on umockdev's thread */
static GPtrArray *g_devs; /* emu_t *, never freed: a gone device's handler
                           * may still be asked by a stale client */
static unsigned g_next_address = 2;
static int g_wake[2];                /* ioctl thread -> main loop: a device left */
static GAsyncQueue *g_leaving;       /* emu_t * that left by themselves */
static volatile sig_atomic_t g_quit; /* SIGTERM/SIGINT: remove the testbed, exit */

static void on_quit(int sig)
{
    (void)sig;
    g_quit = 1;
}

/* ------------------------------------------------------------ replies */

static void reply(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static emu_t *find_dev(const char *name)
{
    guint i;
    for (i = g_devs->len; i > 0; i--) {
        emu_t *e = g_ptr_array_index(g_devs, i - 1);
        if (strcmp(e->name, name) == 0 && !e->gone)
            return e;
    }
    return NULL;
}

/* ------------------------------------------------------------ the handheld */

static int device_sync_busy(void *ctx)
{
    return cnd_engine_busy(&((emu_t *)ctx)->engine);
}

static void load_active_pack(emu_t *e)
{
    uint32_t len = 0;
    e->have_pack =
        cnd_store_active_pack(&e->store, e->pack_buf, sizeof e->pack_buf, &len) == CND_OK &&
        cnd_pack_open(&e->pack, e->pack_buf, len) == CND_OK;
}

static void device_pack_activated(void *ctx)
{
    emu_t *e = ctx;
    load_active_pack(e);
    cnd_engine_set_pack(&e->engine, e->have_pack ? &e->pack : NULL);
}

/* Boots the device core on its flash file, as candor-sim's open_device(). */
static const char *boot(emu_t *e, const char *flash)
{
    cnd_sync_config_t cfg;
    cnd_status_t st =
        cnd_flash_file_open(&e->ff, flash, CND_FLASH_FILE_BLOCK_SIZE, CND_FLASH_FILE_BLOCK_COUNT,
                            CND_FLASH_FILE_PROG_SIZE, &e->hal.flash);
    if (st != CND_OK)
        return "cannot open the flash file";
    e->hal.ctx = NULL;
    e->hal.random = cnd_sim_random;
    e->hal.today = cnd_sim_today;
    if (cnd_store_mount(&e->store, &e->hal) != CND_OK) {
        cnd_flash_file_close(&e->ff);
        return "the store refuses the flash file";
    }
    cnd_store_set_pack_buffer(&e->store, e->pack_buf, sizeof e->pack_buf);
    load_active_pack(e);
    cnd_engine_init(&e->engine, &e->store, &e->hal, e->have_pack ? &e->pack : NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &e->store;
    cfg.ctx = e;
    cfg.busy = device_sync_busy;
    cfg.pack_activated = device_pack_activated;
    cnd_sync_init(&e->sync, &cfg);

    cnd_fake_dcd_init(&e->dcd);
    cnd_usb_init(&e->usb, &e->dcd.dcd, &e->sync, cnd_store_device_id(&e->store));
    cnd_fake_dcd_attach(&e->dcd, &e->usb);
    cnd_usb_connect(&e->usb, 1);
    if (cnd_fake_dcd_enumerate(&e->dcd) != CND_OK) {
        cnd_flash_file_close(&e->ff);
        return "the device does not enumerate";
    }
    cnd_usb_serial(cnd_store_device_id(&e->store), e->serial);
    return NULL;
}

/* ------------------------------------------------------------ URBs */

static struct usbdevfs_urb *urb_of(urb_t *u)
{
    return (struct usbdevfs_urb *)u->data->data;
}

static uint8_t *urb_buf(urb_t *u)
{
    static uint8_t none[1];
    return u->buf != NULL ? u->buf->data : none;
}

static void urb_free(urb_t *u)
{
    if (u->buf != NULL)
        g_object_unref(u->buf);
    g_object_unref(u->data);
    g_object_unref(u->client);
    g_free(u);
}

static void finish(emu_t *e, urb_t *u, int status)
{
    struct usbdevfs_urb *urb = urb_of(u);
    urb->status = status;
    urb->actual_length = (int)u->done;
    g_queue_remove(&e->in_flight, u);
    g_queue_push_tail(&e->done, u);
}

/* The device left: every URB in flight ends like the kernel ends them. */
static void leave(emu_t *e)
{
    if (e->gone)
        return;
    e->gone = 1;
    while (!g_queue_is_empty(&e->in_flight))
        finish(e, g_queue_peek_head(&e->in_flight), -ENODEV);
    cnd_fake_dcd_detach(&e->dcd);
}

/* Fault injection: count one finished bulk transfer; leave at the K-th. */
static void count_transfer(emu_t *e)
{
    if (e->unplug_after > 0 && --e->unplug_after == 0) {
        char one = 1;
        leave(e);
        g_async_queue_push(g_leaving, e);
        if (write(g_wake[1], &one, 1) != 1)
            fprintf(stderr, "cnd-usb-bus: cannot wake the main loop\n");
    }
}

/* Moves OUT packets until the URB is done or the device NAKs. */
static int serve_out(emu_t *e, urb_t *u)
{
    struct usbdevfs_urb *urb = urb_of(u);
    const uint8_t *buf = urb_buf(u);
    size_t len = (size_t)urb->buffer_length;
    int zlp = len == 0 || ((urb->flags & USBDEVFS_URB_ZERO_PACKET) && len % CND_USB_BULK_SIZE == 0);
    for (;;) {
        size_t n = len - u->done > CND_USB_BULK_SIZE ? CND_USB_BULK_SIZE : len - u->done;
        cnd_status_t st;
        if (n == 0 && (!zlp || u->zlp_sent)) {
            e->traffic.out_transfers++;
            finish(e, u, 0);
            if (len > 0)
                count_transfer(e);
            return 1;
        }
        st = cnd_fake_dcd_out(&e->dcd, CND_USB_EP_OUT, buf + u->done, (uint16_t)n);
        if (st == CND_E_TIMEOUT)
            return 0; /* NAK: the device is still sending a reply */
        if (st != CND_OK) {
            finish(e, u, -EPIPE);
            return 1;
        }
        e->traffic.out_packets++;
        e->traffic.out_bytes += n;
        if (n == 0) {
            u->zlp_sent = 1;
            e->traffic.out_zlps++;
        }
        u->done += n;
    }
}

/* Takes IN packets until a short one (a ZLP too), a full buffer, or a NAK. */
static int serve_in(emu_t *e, urb_t *u)
{
    struct usbdevfs_urb *urb = urb_of(u);
    uint8_t *buf = urb_buf(u);
    size_t cap = (size_t)urb->buffer_length;
    for (;;) {
        uint8_t pkt[64];
        uint16_t n = 0;
        cnd_status_t st;
        if (e->pause_after == 0) {
            e->pause_after = -1;
            e->pause_until = g_get_monotonic_time() + e->pause_ms * 1000;
        }
        if (g_get_monotonic_time() < e->pause_until)
            return 0; /* NAK: the device pauses mid-reply */
        if (u->done == cap && cap > 0) {
            e->traffic.in_transfers++;
            finish(e, u, 0);
            count_transfer(e);
            return 1;
        }
        st = cnd_fake_dcd_in(&e->dcd, CND_USB_EP_IN, pkt, &n);
        if (st == CND_E_TIMEOUT)
            return 0; /* NAK: nothing to send yet */
        if (st != CND_OK) {
            finish(e, u, -EPIPE);
            return 1;
        }
        e->traffic.in_packets++;
        e->traffic.in_bytes += n;
        if (e->pause_after > 0)
            e->pause_after--;
        if (n == 0)
            e->traffic.in_zlps++;
        if (u->done + n > cap) {
            finish(e, u, -EOVERFLOW); /* what usbfs reports; libusb: OVERFLOW */
            return 1;
        }
        memcpy(buf + u->done, pkt, n);
        u->done += n;
        if (n < CND_USB_BULK_SIZE) {
            e->traffic.in_transfers++;
            finish(e, u, 0);
            count_transfer(e);
            return 1;
        }
    }
}

/* Runs every bulk URB in flight as far as the device lets it. URBs of a
 * client that went away (a killed candor) are dropped, as the kernel does
 * when the fd closes, so they cannot swallow the next client's replies. */
static void serve_bulk(emu_t *e)
{
    int progress = 1;
    while (progress && !e->gone) {
        GList *l;
        progress = 0;
        for (l = e->in_flight.head; l != NULL && !e->gone;) {
            urb_t *u = l->data;
            GList *next = l->next;
            if (!umockdev_ioctl_client_get_connected(u->client)) {
                g_queue_delete_link(&e->in_flight, l);
                urb_free(u);
                progress = 1;
                break;
            }
            if ((urb_of(u)->endpoint & 0x80) ? serve_in(e, u) : serve_out(e, u)) {
                progress = 1;
                break; /* the queue changed: start over */
            }
            l = next;
        }
    }
}

static void control_urb(emu_t *e, urb_t *u)
{
    struct usbdevfs_urb *urb = urb_of(u);
    uint8_t *setup = urb_buf(u);
    size_t actual = 0;
    cnd_status_t st;
    uint16_t wlength;
    if (urb->buffer_length < 8) {
        g_queue_push_tail(&e->in_flight, u);
        finish(e, u, -EINVAL);
        return;
    }
    wlength = (uint16_t)(setup[6] | setup[7] << 8);
    if (wlength > urb->buffer_length - 8)
        wlength = (uint16_t)(urb->buffer_length - 8);
    st = cnd_fake_dcd_control(&e->dcd, setup[0], setup[1], (uint16_t)(setup[2] | setup[3] << 8),
                              (uint16_t)(setup[4] | setup[5] << 8), setup + 8, wlength, &actual);
    e->traffic.control_transfers++;
    u->done = actual; /* usbfs counts the data stage only */
    g_queue_push_tail(&e->in_flight, u);
    finish(e, u, st == CND_OK ? 0 : -EPIPE);
}

static void submit(emu_t *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), NULL);
    struct usbdevfs_urb *urb;
    UMockdevIoctlData *buf;
    urb_t *u;
    if (d == NULL) {
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    urb = (struct usbdevfs_urb *)d->data;
    buf = urb->buffer_length > 0
              ? umockdev_ioctl_data_resolve(d, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
                                            (gsize)urb->buffer_length, NULL)
              : NULL;
    if (urb->buffer_length < 0 || (urb->buffer_length > 0 && buf == NULL)) {
        g_object_unref(d);
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        return;
    }
    u = g_new0(urb_t, 1);
    u->client = g_object_ref(client);
    u->data = d;
    u->buf = buf;
    urb->actual_length = 0;
    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        control_urb(e, u);
    } else if (urb->type == USBDEVFS_URB_TYPE_BULK &&
               (urb->endpoint == CND_USB_EP_IN || urb->endpoint == CND_USB_EP_OUT)) {
        g_queue_push_tail(&e->in_flight, u);
        serve_bulk(e);
    } else {
        urb_free(u);
        umockdev_ioctl_client_complete(client, -1, EINVAL);
        return;
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

static void reap(emu_t *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    GList *l;
    serve_bulk(e); /* a paused reply goes on when its time is up */
    for (l = e->done.head; l != NULL; l = l->next) {
        urb_t *u = l->data;
        UMockdevIoctlData *ptr;
        if (u->client != client)
            continue;
        ptr = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
        g_queue_delete_link(&e->done, l);
        if (ptr == NULL) {
            urb_free(u);
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return;
        }
        umockdev_ioctl_data_set_ptr(ptr, 0, u->data);
        umockdev_ioctl_client_complete(client, 0, 0);
        g_object_unref(ptr);
        urb_free(u);
        return;
    }
    umockdev_ioctl_client_complete(client, -1, e->gone ? ENODEV : EAGAIN);
}

static void discard(emu_t *e, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = *(gulong *)arg->data;
    GList *l;
    for (l = e->in_flight.head; l != NULL; l = l->next) {
        urb_t *u = l->data;
        if (u->client == client && u->data->client_addr == addr) {
            if (u->done > 0)
                e->traffic.partial_discards++;
            finish(e, u, -ENOENT);
            umockdev_ioctl_client_complete(client, 0, 0);
            return;
        }
    }
    umockdev_ioctl_client_complete(client, -1, EINVAL);
}

/* A standard request the kernel sends on the client's behalf. */
static void std_request(emu_t *e, UMockdevIoctlClient *client, uint8_t type, uint8_t req,
                        uint16_t value, uint16_t index)
{
    size_t actual = 0;
    cnd_status_t st = cnd_fake_dcd_control(&e->dcd, type, req, value, index, NULL, 0, &actual);
    e->traffic.control_transfers++;
    umockdev_ioctl_client_complete(client, st == CND_OK ? 0 : -1, st == CND_OK ? 0 : EPIPE);
}

static void claim(emu_t *e, UMockdevIoctlClient *client)
{
    if (e->held || (e->claimer != NULL && e->claimer != client &&
                    umockdev_ioctl_client_get_connected(e->claimer))) {
        umockdev_ioctl_client_complete(client, -1, EBUSY);
        return;
    }
    if (e->claimer != client) {
        if (e->claimer != NULL)
            g_object_unref(e->claimer);
        e->claimer = g_object_ref(client);
    }
    umockdev_ioctl_client_complete(client, 0, 0);
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer ctx)
{
    emu_t *e = ctx;
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    (void)handler;
    g_mutex_lock(&g_lock);
    /* Gone: like the kernel with USBDEVFS_CAP_REAP_AFTER_DISCONNECT, URBs
     * that ended can still be reaped; everything else fails with ENODEV. */
    if (e->gone && request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY &&
        request != USBDEVFS_DISCARDURB) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        g_mutex_unlock(&g_lock);
        return TRUE;
    }
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), NULL);
        *(guint32 *)d->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                              USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        umockdev_ioctl_client_complete(client, 0, 0);
        g_object_unref(d);
        break;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_DISCONNECT_CLAIM:
        claim(e, client);
        break;
    case USBDEVFS_RELEASEINTERFACE:
        if (e->claimer == client) {
            g_object_unref(e->claimer);
            e->claimer = NULL;
        }
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_SETINTERFACE: {
        struct usbdevfs_setinterface *si;
        UMockdevIoctlData *d =
            umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_setinterface), NULL);
        si = (struct usbdevfs_setinterface *)d->data;
        std_request(e, client, 0x01, 11 /* SET_INTERFACE */, (uint16_t)si->altsetting,
                    (uint16_t)si->interface);
        g_object_unref(d);
        break;
    }
    case USBDEVFS_SETCONFIGURATION: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned int), NULL);
        std_request(e, client, 0x00, 9 /* SET_CONFIGURATION */, (uint16_t) * (unsigned *)d->data,
                    0);
        g_object_unref(d);
        break;
    }
    case USBDEVFS_CLEAR_HALT: {
        UMockdevIoctlData *d = umockdev_ioctl_data_resolve(arg, 0, sizeof(unsigned int), NULL);
        std_request(e, client, 0x02, 1 /* CLEAR_FEATURE */, 0 /* ENDPOINT_HALT */,
                    (uint16_t) * (unsigned *)d->data);
        g_object_unref(d);
        break;
    }
    case USBDEVFS_SUBMITURB:
        submit(e, client, arg);
        break;
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY:
        reap(e, client, arg);
        break;
    case USBDEVFS_DISCARDURB:
        discard(e, client, arg);
        break;
    case USBDEVFS_RESET:
        umockdev_ioctl_client_complete(client, 0, 0);
        break;
    case USBDEVFS_GETDRIVER:
    case USBDEVFS_IOCTL: /* driver disconnect/connect: no kernel driver is bound */
        umockdev_ioctl_client_complete(client, -1, ENODATA);
        break;
    default:
        fprintf(stderr, "cnd-usb-bus: %s: unsupported ioctl 0x%lx\n", e->name, request);
        umockdev_ioctl_client_complete(client, -1, ENOTTY);
        break;
    }
    g_mutex_unlock(&g_lock);
    return TRUE;
}

/* ------------------------------------------------------------ commands */

/* The descriptors the kernel would cache in sysfs, read from the device. */
static int read_descriptors(emu_t *e, GString *hex)
{
    uint8_t buf[512];
    size_t dev_len = 0, cfg_len = 0, total, i;
    if (cnd_fake_dcd_control(&e->dcd, 0x80, 6, 0x0100, 0, buf, 18, &dev_len) != CND_OK ||
        dev_len != 18)
        return -1;
    if (cnd_fake_dcd_control(&e->dcd, 0x80, 6, 0x0200, 0, buf + 18, 9, &cfg_len) != CND_OK ||
        cfg_len != 9)
        return -1;
    total = (size_t)(buf[18 + 2] | buf[18 + 3] << 8);
    if (total < 9 || total > sizeof buf - 18 ||
        cnd_fake_dcd_control(&e->dcd, 0x80, 6, 0x0200, 0, buf + 18, (uint16_t)total, &cfg_len) !=
            CND_OK ||
        cfg_len != total)
        return -1;
    for (i = 0; i < 18 + total; i++)
        g_string_append_printf(hex, "%02x", buf[i]);
    return 0;
}

static void cmd_plug(const char *name, const char *flash, int held)
{
    emu_t *e;
    GString *hex, *rec;
    GError *gerr = NULL;
    const char *why;
    if (find_dev(name) != NULL) {
        reply("error plug %s: already plugged", name);
        return;
    }
    e = g_new0(emu_t, 1);
    g_strlcpy(e->name, name, sizeof e->name);
    e->pause_after = -1;
    e->held = held;
    g_queue_init(&e->in_flight);
    g_queue_init(&e->done);
    if ((why = boot(e, flash)) != NULL) {
        reply("error plug %s: %s", name, why);
        g_free(e);
        return;
    }
    hex = g_string_new(NULL);
    if (read_descriptors(e, hex) != 0) {
        reply("error plug %s: GET_DESCRIPTOR failed", name);
        cnd_flash_file_close(&e->ff);
        g_string_free(hex, TRUE);
        g_free(e);
        return;
    }
    e->address = g_next_address++;
    snprintf(e->syspath, sizeof e->syspath, "/sys/devices/pci0000:00/usb%u/%u-%u", BUS_NUMBER,
             BUS_NUMBER, e->address);
    snprintf(e->devnode, sizeof e->devnode, "/dev/bus/usb/%03u/%03u", BUS_NUMBER, e->address);
    snprintf(e->nodefile, sizeof e->nodefile, "%s%s", umockdev_testbed_get_root_dir(g_tb),
             e->devnode);
    e->handler = umockdev_ioctl_base_new();
    g_signal_connect(e->handler, "handle-ioctl", G_CALLBACK(on_ioctl), e);

    g_mutex_lock(&g_lock);
    g_ptr_array_add(g_devs, e);
    g_mutex_unlock(&g_lock);
    /* The handler first, so an open right after the uevent works. */
    if (!umockdev_testbed_attach_ioctl(g_tb, e->devnode, e->handler, &gerr)) {
        reply("error plug %s: attach_ioctl: %s", name, gerr != NULL ? gerr->message : "?");
        g_clear_error(&gerr);
        e->gone = 1;
        g_string_free(hex, TRUE);
        return;
    }
    {
        /* Its socket, so that a client of another uid (the permission test)
         * gets as far as the kernel's permission check on the node. */
        gchar *sock =
            g_strdup_printf("%s/ioctl%s", umockdev_testbed_get_root_dir(g_tb), e->devnode);
        chmod(sock, 0777);
        g_free(sock);
    }
    rec = g_string_new(NULL);
    g_string_append_printf(rec,
                           "P: %s\n"
                           "N: bus/usb/%03u/%03u\n"
                           "E: SUBSYSTEM=usb\n"
                           "E: DEVTYPE=usb_device\n"
                           "E: DRIVER=usb\n"
                           "E: BUSNUM=%03u\n"
                           "E: DEVNUM=%03u\n"
                           "E: DEVNAME=%s\n"
                           "E: PRODUCT=%x/%x/%x\n"
                           "A: busnum=%u\\n\n"
                           "A: devnum=%u\\n\n"
                           "A: bConfigurationValue=%u\\n\n"
                           "A: speed=12\\n\n"
                           "A: idVendor=%04x\\n\n"
                           "A: idProduct=%04x\\n\n"
                           "A: serial=%s\\n\n"
                           "H: descriptors=%s\n",
                           e->syspath + 4, BUS_NUMBER, e->address, BUS_NUMBER, e->address,
                           e->devnode, CND_USB_VID, CND_USB_PID, CND_USB_BCD_DEVICE, BUS_NUMBER,
                           e->address, CND_USB_CONFIG_VALUE, CND_USB_VID, CND_USB_PID, e->serial,
                           hex->str);
    g_string_free(hex, TRUE);
    if (!umockdev_testbed_add_from_string(g_tb, rec->str, &gerr)) {
        reply("error plug %s: %s", name, gerr != NULL ? gerr->message : "?");
        g_clear_error(&gerr);
        g_string_free(rec, TRUE);
        return;
    }
    g_string_free(rec, TRUE);
    chmod(e->nodefile, 0666);
    umockdev_testbed_uevent(g_tb, e->syspath, "add");
    reply("ok plug %s serial=%s bus=%u address=%u", name, e->serial, BUS_NUMBER, e->address);
}

/* What the kernel does when a device leaves: remove uevent, sysfs gone. */
static void remove_from_bus(emu_t *e)
{
    umockdev_testbed_uevent(g_tb, e->syspath, "remove");
    umockdev_testbed_remove_device(g_tb, e->syspath);
    cnd_flash_file_close(&e->ff);
}

static void cmd_unplug(const char *name)
{
    emu_t *e = find_dev(name);
    if (e == NULL) {
        reply("error unplug %s: not plugged", name);
        return;
    }
    g_mutex_lock(&g_lock);
    leave(e);
    g_mutex_unlock(&g_lock);
    remove_from_bus(e);
    reply("ok unplug %s", name);
}

/* Devices that left by themselves (unplug-after): finish on this thread. */
static void reap_leavers(void)
{
    emu_t *e;
    char sink[64];
    while (read(g_wake[0], sink, sizeof sink) > 0) {
    }
    while ((e = g_async_queue_try_pop(g_leaving)) != NULL)
        remove_from_bus(e);
}

static void cmd_unplug_after(const char *name, const char *k)
{
    emu_t *e = find_dev(name);
    long n = k != NULL ? strtol(k, NULL, 10) : 0;
    if (e == NULL || n < 1) {
        reply("error unplug-after %s: %s", name, e == NULL ? "not plugged" : "need K >= 1");
        return;
    }
    g_mutex_lock(&g_lock);
    e->unplug_after = n;
    g_mutex_unlock(&g_lock);
    reply("ok unplug-after %s %ld", name, n);
}

static int on_off(const char *s)
{
    return s != NULL && strcmp(s, "on") == 0;
}

static void cmd_deny(const char *name, const char *how)
{
    emu_t *e = find_dev(name);
    if (e == NULL || chmod(e->nodefile, on_off(how) ? 0000 : 0666) != 0) {
        reply("error deny %s: %s", name, e == NULL ? "not plugged" : strerror(errno));
        return;
    }
    reply("ok deny %s %s", name, how);
}

static void cmd_pause_in(const char *name, const char *k, const char *ms)
{
    emu_t *e = find_dev(name);
    long n = k != NULL ? strtol(k, NULL, 10) : -1, t = ms != NULL ? strtol(ms, NULL, 10) : 0;
    if (e == NULL || n < 1 || t < 1) {
        reply("error pause-in %s: %s", name,
              e == NULL ? "not plugged" : "usage: pause-in NAME K MS");
        return;
    }
    g_mutex_lock(&g_lock);
    e->pause_after = n;
    e->pause_ms = t;
    g_mutex_unlock(&g_lock);
    reply("ok pause-in %s %ld %ld", name, n, t);
}

static void cmd_hold(const char *name, const char *how)
{
    emu_t *e = find_dev(name);
    if (e == NULL) {
        reply("error hold %s: not plugged", name);
        return;
    }
    g_mutex_lock(&g_lock);
    e->held = on_off(how);
    g_mutex_unlock(&g_lock);
    reply("ok hold %s %s", name, how);
}

/* Interviews done on the handheld while it sits on the bus. */
static void cmd_fill(const char *name, const char *count, const char *seed)
{
    emu_t *e = find_dev(name);
    static gen_t g;
    char msg[256];
    /* "all": until the store is full (the day drift assumes ~10,000) */
    int all = count != NULL && strcmp(count, "all") == 0;
    long n = all ? 10000 : count != NULL ? strtol(count, NULL, 10) : 0, i;
    cnd_status_t st = CND_OK;
    if (e == NULL || n < 1 || seed == NULL) {
        reply("error fill %s: %s", name, e == NULL ? "not plugged" : "usage: fill NAME N SEED");
        return;
    }
    g_mutex_lock(&g_lock);
    if (!e->have_pack) {
        g_mutex_unlock(&g_lock);
        reply("error fill %s: no survey installed (push one first)", name);
        return;
    }
    if (gen_load(&g, &e->pack, CND_SOURCE_DIR "/tools/workload/probabilities.tsv", msg,
                 sizeof msg) != 0) {
        g_mutex_unlock(&g_lock);
        reply("error fill %s: %s", name, msg);
        return;
    }
    gen_start(&g, strtoull(seed, NULL, 10), (uint64_t)n);
    for (i = 0; (all || i < n) && st == CND_OK; i++) {
        cnd_response_t r;
        gen_next(&g, &r);
        st = cnd_store_append_response(&e->store, &r, &e->pack);
    }
    if (all && st == CND_E_NOSPACE) {
        n = i - 1; /* the last one was refused: the device is full */
        st = CND_OK;
    }
    if (st != CND_OK)
        reply("error fill %s: the store refused response %ld (%s)", name, i, cnd_status_str(st));
    else
        reply("ok fill %s %ld pending=%u used=%u free=%u", name, n,
              (unsigned)cnd_store_pending_count(&e->store),
              (unsigned)cnd_store_bytes_used(&e->store), (unsigned)cnd_store_bytes_free(&e->store));
    g_mutex_unlock(&g_lock);
}

static void cmd_stats(const char *name)
{
    emu_t *e = find_dev(name);
    traffic_t t;
    if (e == NULL) {
        reply("error stats %s: not plugged", name);
        return;
    }
    g_mutex_lock(&g_lock);
    t = e->traffic;
    g_mutex_unlock(&g_lock);
    reply("ok stats %s out_bytes=%llu in_bytes=%llu out_packets=%llu in_packets=%llu "
          "out_zlps=%llu in_zlps=%llu out_transfers=%llu in_transfers=%llu control=%llu "
          "partial_discards=%llu",
          name, t.out_bytes, t.in_bytes, t.out_packets, t.in_packets, t.out_zlps, t.in_zlps,
          t.out_transfers, t.in_transfers, t.control_transfers, t.partial_discards);
}

/* Returns 0 to stop. */
static int run_command(char *line)
{
    char *argv[5] = {NULL, NULL, NULL, NULL, NULL};
    int argc = 0;
    char *save = NULL, *tok;
    for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL && argc < 5;
         tok = strtok_r(NULL, " \t\r\n", &save))
        argv[argc++] = tok;
    if (argc == 0)
        return 1;
    if (strcmp(argv[0], "quit") == 0)
        return 0;
    if (argc < 2) {
        reply("error %s: needs a device name", argv[0]);
        return 1;
    }
    if (strcmp(argv[0], "plug") == 0 && (argc == 3 || argc == 4))
        cmd_plug(argv[1], argv[2], argc == 4 && strcmp(argv[3], "held") == 0);
    else if (strcmp(argv[0], "unplug") == 0)
        cmd_unplug(argv[1]);
    else if (strcmp(argv[0], "unplug-after") == 0)
        cmd_unplug_after(argv[1], argv[2]);
    else if (strcmp(argv[0], "deny") == 0)
        cmd_deny(argv[1], argv[2]);
    else if (strcmp(argv[0], "hold") == 0)
        cmd_hold(argv[1], argv[2]);
    else if (strcmp(argv[0], "pause-in") == 0)
        cmd_pause_in(argv[1], argv[2], argv[3]);
    else if (strcmp(argv[0], "fill") == 0)
        cmd_fill(argv[1], argv[2], argv[3]);
    else if (strcmp(argv[0], "stats") == 0)
        cmd_stats(argv[1]);
    else
        reply("error %s: unknown command", argv[0]);
    return 1;
}

int main(void)
{
    char line[1024];
    size_t len = 0;
    int running = 1;
    gchar *root;
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit; /* no SA_RESTART: poll() returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (pipe(g_wake) != 0) {
        perror("cnd-usb-bus: pipe");
        return 1;
    }
    fcntl(g_wake[0], F_SETFL, O_NONBLOCK);
    g_leaving = g_async_queue_new();
    g_devs = g_ptr_array_new();
    g_tb = umockdev_testbed_new();
    root = umockdev_testbed_get_root_dir(g_tb);
    /* mkdtemp made it 0700: a client run as another user (the permission
     * test) must still see the bus, and create its uevent socket there. */
    chmod(root, 01777);
    reply("ready UMOCKDEV_DIR=%s", root);
    g_free(root);

    while (running && !g_quit) {
        struct pollfd p[2] = {{0, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents & POLLIN)
            reap_leavers();
        if (p[0].revents & (POLLIN | POLLHUP)) {
            ssize_t r = read(0, line + len, sizeof line - 1 - len);
            char *nl;
            if (r <= 0)
                break;
            len += (size_t)r;
            line[len] = '\0';
            while (running && (nl = strchr(line, '\n')) != NULL) {
                *nl = '\0';
                running = run_command(line);
                len -= (size_t)(nl + 1 - line);
                memmove(line, nl + 1, len + 1);
            }
            if (len == sizeof line - 1)
                len = 0; /* an over-long line: drop it */
        }
    }
    g_object_unref(g_tb); /* removes the testbed directory */
    return 0;
}
