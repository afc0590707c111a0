/*
 * transport.c: device specs to transports (see transport.h).
 *
 * A spec is "<scheme>:<address>". Each carrier registers an open and a
 * discover function in the table below; "tcp:" (QEMU UART) slots in as a
 * new row without touching the callers. A spec without a known scheme is a
 * USB serial number ("--device SERIAL" = "--device usb:SERIAL").
 */
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_sim.h"
#include "transport_usb.h"
#include "transport_tcp.h"

#define MAX_DISCOVERED 32

typedef struct {
    const char *scheme;
    const char *example; /* for messages */
    cnd_status_t (*open)(const char *address, cnd_transport_t **out, cnd_err_t *err);
    size_t (*discover)(char specs[][256], size_t max);
} carrier_t;

static const carrier_t carriers[] = {
    {"usb", "usb:SERIAL", cnd_transport_usb_open, cnd_transport_usb_discover},
    {"sim", "sim:PATH", cnd_transport_sim_open, cnd_transport_sim_discover},
    {"tcp", "tcp:HOST:PORT", cnd_transport_tcp_open, cnd_transport_tcp_discover},
};
#define N_CARRIERS (sizeof carriers / sizeof carriers[0])

static void supported_list(char *buf, size_t cap)
{
    size_t i, o = 0;
    buf[0] = '\0';
    for (i = 0; i < N_CARRIERS && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i > 0 ? ", " : "", carriers[i].example);
}

cnd_status_t cnd_transport_open(const char *spec, cnd_transport_t **out, cnd_err_t *err)
{
    const char *colon = spec != NULL ? strchr(spec, ':') : NULL;
    char supported[128];
    size_t i;
    *out = NULL;
    if (colon != NULL) {
        for (i = 0; i < N_CARRIERS; i++) {
            size_t len = strlen(carriers[i].scheme);
            if ((size_t)(colon - spec) == len && strncmp(spec, carriers[i].scheme, len) == 0)
                return carriers[i].open(colon + 1, out, err);
        }
    }
    /* No scheme: a USB serial number, as `candor devices` lists it. */
    if (spec != NULL && spec[0] != '\0' && colon == NULL)
        return cnd_transport_usb_open(spec, out, err);
    supported_list(supported, sizeof supported);
    cnd_err_set(err, "unknown device spec '%.200s': supported are %s, or a bare USB serial",
                spec != NULL ? spec : "", supported);
    return CND_E_INVALID;
}

size_t cnd_transport_discover(char specs[][256], size_t max)
{
    size_t i, n = 0;
    for (i = 0; i < N_CARRIERS && n < max; i++)
        n += carriers[i].discover(specs + n, max - n);
    return n;
}

cnd_status_t cnd_transport_open_default(const char *spec, cnd_transport_t **out,
                                        cnd_err_t *err)
{
    static char found[MAX_DISCOVERED][256];
    char list[400];
    size_t n, i, o = 0;
    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        spec = getenv("CANDOR_DEVICE");
    if (spec != NULL && spec[0] != '\0')
        return cnd_transport_open(spec, out, err);
    n = cnd_transport_discover(found, MAX_DISCOVERED);
    if (n == 1)
        return cnd_transport_open(found[0], out, err);
    if (n == 0) {
        const char *usb = cnd_transport_usb_state();
        cnd_err_set(err,
                    "no device found (%s%s, no simulator listening in %s); plug in a "
                    "handheld, or start candor-sim",
                    usb != NULL ? "USB unavailable: " : "no Candor handheld on USB",
                    usb != NULL ? usb : "", cnd_transport_sim_dir());
        return CND_E_NOT_FOUND;
    }
    list[0] = '\0';
    for (i = 0; i < n && o < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i > 0 ? ", " : "", found[i]);
    cnd_err_set(err, "%zu devices found (%s); choose one with --device SPEC", n, list);
    return CND_E_INVALID;
}
