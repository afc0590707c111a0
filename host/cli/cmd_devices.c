/*
 * cmd_devices.c: `candor devices`, the list of handhelds and simulators
 * this computer can reach.
 *
 * Owns: asking every discovered device (transport.h) for HELLO and showing
 * its spec (what --device takes), serial, USB bus and address ("-" for a
 * simulator), firmware, pending responses and active survey, one line each
 * in the same format for every carrier, or a JSON array for scripts.
 * Never: changes anything on a device; stops at the first device that does
 * not answer (the others are still listed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "hosterr.h"
#include "link.h"
#include "proto.h"
#include "transport.h"
#include "transport_sim.h"
#include "transport_usb.h"

#define MAX_DEVICES 32

typedef struct {
    char spec[256];
    int ok;
    int on_usb; /* bus and address below are known */
    unsigned bus, address;
    cnd_msg_hello_t hello;
    cnd_err_t err;
} device_info_t;

static void hex_id(const uint8_t *id, char *out)
{
    int i;
    for (i = 0; i < CND_DEVICE_ID_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static const cnd_msg_survey_t *active_survey(const cnd_msg_hello_t *h)
{
    uint8_t i;
    for (i = 0; i < h->n_surveys && i < CND_MAX_SURVEYS; i++)
        if (h->surveys[i].flags & CND_MSG_SURVEY_ACTIVE)
            return &h->surveys[i];
    return NULL;
}

static void ask(device_info_t *d)
{
    cnd_transport_t *t = NULL;
    static cnd_link_t link; /* about 6 KB: kept off the stack */
    d->ok = 0;
    if (cnd_transport_open(d->spec, &t, &d->err) != CND_OK)
        return;
    cnd_link_init(&link, t);
    d->ok = cnd_link_hello(&link, &d->hello, &d->err) == CND_OK;
    cnd_link_close(&link);
}

/* Bus and address of the USB devices among the specs (one listing). */
static void locate_usb(device_info_t *devs, size_t n)
{
    static cnd_usb_found_t found[MAX_DEVICES];
    size_t k = cnd_transport_usb_list(found, MAX_DEVICES), i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
            if (strcmp(devs[i].spec, found[j].spec) == 0) {
                devs[i].on_usb = 1;
                devs[i].bus = found[j].bus;
                devs[i].address = found[j].address;
            }
}

static void print_where(const device_info_t *d)
{
    if (d->on_usb)
        printf("bus %03u address %03u", d->bus, d->address);
    else
        printf("bus -  address -");
}

static void print_text(const device_info_t *d)
{
    char id[2 * CND_DEVICE_ID_LEN + 1];
    const cnd_msg_survey_t *s;
    printf("%s  ", d->spec);
    if (!d->ok) {
        print_where(d);
        printf("  not answering: %s\n", d->err.msg);
        return;
    }
    /* The USB serial number is the device id in hex (usb_desc.h), so a
     * simulator's serial is shown the same way. */
    hex_id(d->hello.device_id, id);
    s = active_survey(&d->hello);
    printf("serial %s  ", id);
    print_where(d);
    printf("  firmware %s  %u pending  survey %s", d->hello.firmware,
           (unsigned)d->hello.pending, s != NULL && s->survey_id[0] ? s->survey_id : "none");
    if (s != NULL)
        printf(" v%u", (unsigned)s->survey_version);
    printf("\n");
}

/* "sim" for "sim:/path", the carrier's scheme. */
static const char *spec_scheme(const char *spec)
{
    static char scheme[16];
    size_t n = strcspn(spec, ":");
    if (n >= sizeof scheme)
        n = sizeof scheme - 1;
    memcpy(scheme, spec, n);
    scheme[n] = '\0';
    return scheme;
}

static cJSON *to_json(const device_info_t *d)
{
    cJSON *o = cJSON_CreateObject();
    char id[2 * CND_DEVICE_ID_LEN + 1];
    const cnd_msg_survey_t *s;
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "device", d->spec);
    cJSON_AddStringToObject(o, "transport", d->on_usb ? "usb" : spec_scheme(d->spec));
    if (d->on_usb) {
        cJSON_AddNumberToObject(o, "bus", d->bus);
        cJSON_AddNumberToObject(o, "address", d->address);
    } else {
        cJSON_AddNullToObject(o, "bus");
        cJSON_AddNullToObject(o, "address");
    }
    if (!d->ok) {
        cJSON_AddStringToObject(o, "error", d->err.msg);
        return o;
    }
    hex_id(d->hello.device_id, id);
    cJSON_AddStringToObject(o, "device_id", id);
    cJSON_AddStringToObject(o, "serial", id);
    cJSON_AddStringToObject(o, "firmware", d->hello.firmware);
    cJSON_AddNumberToObject(o, "pending", d->hello.pending);
    s = active_survey(&d->hello);
    if (s != NULL) {
        cJSON_AddStringToObject(o, "survey_id", s->survey_id);
        cJSON_AddNumberToObject(o, "survey_version", s->survey_version);
    } else {
        cJSON_AddNullToObject(o, "survey_id");
    }
    return o;
}

static int print_json(const device_info_t *devs, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    char *text;
    size_t i;
    if (arr == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        cJSON *o = to_json(&devs[i]);
        if (o == NULL) {
            cJSON_Delete(arr);
            return -1;
        }
        cJSON_AddItemToArray(arr, o);
    }
    text = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    if (text == NULL)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

static int usage(FILE *f)
{
    fprintf(f, "usage: candor devices [--json]\n\n"
               "Lists every device this computer can reach, one per line: the spec to pass\n"
               "as --device, its serial (the random device id), USB bus and address ('-'\n"
               "for a simulator), firmware, pending responses and active survey. Handhelds\n"
               "are found on USB; simulators as sockets in $CANDOR_SIM_DIR (default\n"
               "/tmp/candor-sim). --json prints a JSON array instead.\n");
    return f == stdout ? CND_EXIT_OK : CND_EXIT_USAGE;
}

int cnd_cmd_devices(int argc, char **argv)
{
    static const struct option longs[] = {{"json", no_argument, NULL, 'j'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    static char specs[MAX_DEVICES][256];
    static device_info_t devs[MAX_DEVICES];
    int json = 0, c, rc = CND_EXIT_OK;
    size_t n, i;

    optind = 0; /* glibc: full reset, so commands can run twice in one process */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "jh", longs, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': return usage(stdout);
        default:
            fprintf(stderr, "candor devices: unknown option '%s'; see candor devices --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "candor devices: unexpected argument '%s'; see candor devices --help\n",
                argv[optind]);
        return CND_EXIT_USAGE;
    }
    n = cnd_transport_discover(specs, MAX_DEVICES);
    for (i = 0; i < n; i++) {
        memset(&devs[i], 0, sizeof devs[i]);
        snprintf(devs[i].spec, sizeof devs[i].spec, "%s", specs[i]);
        ask(&devs[i]);
        if (!devs[i].ok)
            rc = CND_EXIT_DEVICE;
    }
    locate_usb(devs, n);
    if (json) {
        if (print_json(devs, n) != 0) {
            fprintf(stderr, "candor devices: out of memory building JSON\n");
            return CND_EXIT_FAIL;
        }
    } else {
        for (i = 0; i < n; i++)
            print_text(&devs[i]);
    }
    if (n == 0) {
        fprintf(stderr,
                "candor devices: no device found (no Candor handheld on USB, no simulator "
                "listening in %s); plug in a handheld, or start candor-sim\n",
                cnd_transport_sim_dir());
        return CND_EXIT_DEVICE;
    }
    return rc;
}
