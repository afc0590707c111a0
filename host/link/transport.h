/*
 * transport.h: one interface for every byte pipe between host and device.
 *
 * Owns: opening a device by spec and moving raw bytes with timeouts. The
 * framed protocol (host/link/link.h) is written once above this, whatever the
 * carrier: "sim:PATH" (Unix socket of candor-sim), later "usb:SERIAL"
 * (libusb) and "tcp:HOST:PORT" (QEMU UART). Like libdivecomputer's iostream.
 *
 * Never: interprets frames, or retries on its own (the caller decides).
 */
#ifndef CND_TRANSPORT_H
#define CND_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"

typedef struct cnd_transport cnd_transport_t;

struct cnd_transport {
    char name[256]; /* the spec it was opened with, for messages */
    /* Writes all n bytes or fails: CND_E_TIMEOUT, CND_E_DISCONNECTED, CND_E_IO. */
    cnd_status_t (*send)(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms);
    /* Reads 1..cap bytes into buf (*got set), waiting up to timeout_ms for the
     * first byte: CND_E_TIMEOUT, CND_E_DISCONNECTED (peer closed), CND_E_IO. */
    cnd_status_t (*recv)(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                         int timeout_ms);
    void (*close)(cnd_transport_t *t); /* frees t */
};

/* Opens a transport from an explicit spec ("sim:/path/to.sock"). */
cnd_status_t cnd_transport_open(const char *spec, cnd_transport_t **out, cnd_err_t *err);

/*
 * Opens the one device the user means: spec if given (--device), otherwise
 * the single device discovered. With none found, or several found, fails
 * with a message that lists what was found and how to pick one.
 */
cnd_status_t cnd_transport_open_default(const char *spec, cnd_transport_t **out,
                                        cnd_err_t *err);

/* Discovered device specs, e.g. {"sim:/tmp/candor-sim/1234.sock"}; returns
 * the count (<= max). */
size_t cnd_transport_discover(char specs[][256], size_t max);

#endif
