/*
 * transport_usb.h: the "usb:" carrier, the Candor handheld's vendor bulk
 * interface through libusb. Used through transport.h; `candor devices` and
 * `candor watch` also use the listing and the shared libusb context here.
 *
 * Owns: finding Candor devices (VID/PID from formats/usb_id.h and an
 * interface of class 0xFF with one bulk IN/OUT pair), opening one by serial
 * ("usb:SERIAL") or by bus and address ("usb:BUS/ADDR", for a device whose
 * serial cannot be read, e.g. without permission), claiming its interface,
 * and moving bytes with bulk transfers:
 *  - IN transfers ask for a multiple of wMaxPacketSize, so a device packet
 *    can never overflow the host buffer; a zero-length packet (the end of a
 *    reply whose length is a multiple of the packet size) is skipped;
 *  - every transfer has a timeout, and after a timeout the bytes libusb did
 *    transfer are kept (IN) or not sent again (OUT): a partial transfer is
 *    data, not an error.
 * Errors carry the next step: permission (the udev rule), busy (another
 * program holds the interface), unplugged (nothing lost; sync again).
 *
 * Never: interprets frames or retries a request; detaches a kernel driver
 * from anything but our own vendor interface.
 * RAM: host only; one libusb context per process, about 16 KB per open
 * device (the IN buffer).
 */
#ifndef CND_TRANSPORT_USB_H
#define CND_TRANSPORT_USB_H

#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "transport.h"

/* Each bulk transfer waits at most this long (the caller's timeout, 5 s per
 * request in link.h, is made of several): a device that pauses in the middle
 * of a reply makes a transfer time out with part of the reply, which is
 * kept, and the next transfer reads on. */
#define CND_USB_TRANSFER_TIMEOUT_MS 1000
/* Timeout of the short reads that drain a stale reply at open, where the
 * platform refuses SET_INTERFACE. */
#define CND_USB_DRAIN_MS 20

/* One Candor device on the bus, as listed without claiming it. */
typedef struct {
    char spec[256];  /* what --device takes: "usb:SERIAL" or "usb:BUS/ADDR" */
    char serial[64]; /* "" when the device could not be opened to read it */
    uint8_t bus, address;
    int open_error; /* 0, or the libusb error of opening it (e.g. ACCESS) */
} cnd_usb_found_t;

/* address is the part after "usb:". */
cnd_status_t cnd_transport_usb_open(const char *address, cnd_transport_t **out, cnd_err_t *err);
/* Appends "usb:..." specs of connected Candor devices; returns how many. */
size_t cnd_transport_usb_discover(char specs[][256], size_t max);
/* The same devices with bus, address and serial; returns how many. */
size_t cnd_transport_usb_list(cnd_usb_found_t *found, size_t max);
/* Finds the listed device a spec names ("usb:..."); 0 if none. */
int cnd_transport_usb_lookup(const char *spec, cnd_usb_found_t *out);

/* The process's libusb context, created on first use; NULL (with err set)
 * if libusb cannot start. Never exited: the OS reclaims it. */
libusb_context *cnd_transport_usb_context(cnd_err_t *err);

/* NULL when USB can be searched, else why not (libusb did not start), for
 * "no device found" messages. */
const char *cnd_transport_usb_state(void);

/* 1 when dev has Candor's VID/PID and vendor bulk interface. */
int cnd_transport_usb_is_candor(libusb_device *dev);

#endif
