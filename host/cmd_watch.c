/*
 * cmd_watch.c: `candor watch --store DIR`, the sync station. A coordinator
 * leaves it running; every handheld plugged in (and every simulator that
 * starts) is synced into DIR, one after the other, with one line each.
 *
 * Owns: noticing devices arrive and leave (libusb hotplug where the
 * platform has it, otherwise polling the USB device list; simulators by
 * polling their socket directory), syncing each arrival once with
 * cnd_hostsync_run() (host/sync.c: lossless and idempotent), the store lock
 * taken per sync (so `candor export` can run between two handhelds), and a
 * clean stop on Ctrl-C (the device being synced is finished first; a second
 * Ctrl-C stops at once, which loses nothing either: nothing is acknowledged
 * before it is durable).
 *
 * A device is synced again only after it left and came back: a replugged
 * handheld has a new USB address, so it is a new arrival. One that cannot
 * be opened at arrival (busy, permissions not applied yet) is tried again,
 * OPEN_ATTEMPTS times in all, before its line says why; one waiting for the
 * store (another candor holds it) is tried again until it gets it.
 * Never: syncs two devices at once into the store, or prints a line for a
 * device it did not touch.
 * RAM: host only; a table of MAX_WATCHED devices and one link.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "hosterr.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "transport_sim.h"
#include "transport_usb.h"
#include "usb_desc.h"

#define MAX_WATCHED 64
#define DEFAULT_INTERVAL_MS 1000
#define TICK_MS 200
#define BAR_WIDTH 24
/* Right after a hotplug arrival a device may not be openable yet (udev is
 * still applying the permission rule): opening it is tried this many times,
 * one interval apart, before its line says why it was not synced. */
#define OPEN_ATTEMPTS 3

enum { SYNC_DONE = 0, SYNC_RETRY = 1 };

typedef struct {
    char key[300]; /* spec, plus "@BUS.ADDR" for USB: a replug is a new key */
    char spec[256];
    char label[400]; /* "SERIAL (spec)" as its lines begin */
    int seen;        /* found by the current scan */
    int done;        /* synced, or given up on, for this arrival */
    int attempts;
    long long next_try;
} watched_t;

typedef struct {
    const char *store_dir;
    int tty;
    int force_poll;
    int interval_ms;
    watched_t dev[MAX_WATCHED];
    size_t n_dev;
    size_t synced_devices, stored_responses;
    int retry_usb;       /* a USB device waits for a retry: rescan at the next poll */
    char last_wait[600]; /* the last "waiting" line, printed once */
    cnd_link_t link;
} watch_t;

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_usb_changed = 1; /* scan at start */

static void on_sigint(int sig)
{
    static const char msg[] =
        "\nstopping after the current device (Ctrl-C again stops at once; nothing is lost "
        "either way)\n";
    if (g_stop) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    g_stop = 1;
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing to do: the flag is what matters */
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int on_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev, void *user)
{
    (void)ctx;
    (void)dev;
    (void)ev;
    (void)user;
    g_usb_changed = 1; /* the main loop rescans: no libusb calls in here */
    return 0;
}

/* ---- one device ---- */

typedef struct {
    watch_t *w;
    const char *label;
    size_t shown;
} progress_t;

static void draw_bar(void *ctx, size_t done, uint32_t expected)
{
    progress_t *p = ctx;
    char bar[BAR_WIDTH + 1];
    size_t fill, i;
    if (!p->w->tty || done == p->shown)
        return;
    p->shown = done;
    fill = expected > 0 ? (done >= expected ? BAR_WIDTH : done * BAR_WIDTH / expected) : 0;
    for (i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '-';
    bar[BAR_WIDTH] = '\0';
    printf("\r%s  [%s] %zu of %u", p->label, bar, done, (unsigned)expected);
    fflush(stdout);
}

static void end_line(const progress_t *p)
{
    if (p->w->tty)
        printf("\r\033[K");
}

/* The serial: for USB the spec's, else the HELLO's device id in hex (the
 * same text as the USB serial, usb_desc.h). */
static void label_of(const char *spec, const cnd_msg_hello_t *h, char *out, size_t cap)
{
    char id[2 * CND_DEVICE_ID_LEN + 1];
    int i;
    if (h == NULL) {
        snprintf(out, cap, "%s", spec);
        return;
    }
    for (i = 0; i < CND_DEVICE_ID_LEN; i++)
        snprintf(id + 2 * i, 3, "%02x", h->device_id[i]);
    snprintf(out, cap, "%s (%s)", id, spec);
}

/* SYNC_DONE when the device was handled (synced, or failed for good),
 * SYNC_RETRY when it should be tried again later: the store was busy, or it
 * could not be opened or did not answer HELLO and this is not last_try. Its
 * line label goes into label_out. */
static int sync_device(watch_t *w, const char *spec, char *label_out, size_t label_cap,
                       int last_try)
{
    cnd_transport_t *t = NULL;
    cnd_hoststore_t *hs = NULL;
    cnd_hostsync_report_t rep;
    cnd_msg_hello_t hello;
    cnd_err_t err = {{0}};
    progress_t prog;
    char label[400];
    cnd_status_t st;

    if (cnd_transport_open(spec, &t, &err) != CND_OK) {
        if (!last_try)
            return SYNC_RETRY;
        printf("%s  not synced: %s\n", label_out, err.msg);
        return SYNC_DONE;
    }
    cnd_link_init(&w->link, t);
    st = cnd_link_hello(&w->link, &hello, &err);
    label_of(spec, st == CND_OK ? &hello : NULL, label, sizeof label);
    snprintf(label_out, label_cap, "%s", label);
    if (st != CND_OK) {
        cnd_link_close(&w->link);
        if (!last_try)
            return SYNC_RETRY;
        printf("%s  not synced: %s\n", label, err.msg);
        return SYNC_DONE;
    }
    /* The store is locked only while this device syncs. */
    if (cnd_hoststore_open(w->store_dir, 1, &hs, &err) != CND_OK) {
        char line[sizeof w->last_wait];
        snprintf(line, sizeof line, "%.300s  waiting: %.280s", label, err.msg);
        if (strcmp(line, w->last_wait) != 0)
            printf("%s\n", line);
        snprintf(w->last_wait, sizeof w->last_wait, "%s", line);
        cnd_link_close(&w->link);
        return SYNC_RETRY;
    }
    w->last_wait[0] = '\0';
    prog.w = w;
    prog.label = label;
    prog.shown = (size_t)-1;
    st = cnd_hostsync_run(&w->link, hs, draw_bar, &prog, &rep, &err);
    end_line(&prog);
    cnd_hoststore_close(hs);
    cnd_link_close(&w->link);
    w->stored_responses += rep.added;
    if (st == CND_OK) {
        w->synced_devices++;
        printf("%s  synced %zu responses (%zu already stored), %u pending; %s\n", label, rep.added,
               rep.already, (unsigned)rep.pending_after,
               rep.pending_after == 0 ? "safe to unplug" : "plug in again for the rest");
    } else if (st == CND_E_DISCONNECTED || st == CND_E_TIMEOUT) {
        printf("%s  unplugged during sync after %zu new responses; nothing lost, plug it in "
               "again to finish\n",
               label, rep.added);
    } else {
        printf("%s  not synced (%zu new responses stored first): %s\n", label, rep.added, err.msg);
    }
    return SYNC_DONE;
}

/* ---- arrivals and departures ---- */

static watched_t *find(watch_t *w, const char *key)
{
    size_t i;
    for (i = 0; i < w->n_dev; i++)
        if (strcmp(w->dev[i].key, key) == 0)
            return &w->dev[i];
    return NULL;
}

/* A device is present now: sync it if it just arrived, or if it is due for
 * another try. */
static void present(watch_t *w, const char *key, const char *spec)
{
    watched_t *d = find(w, key);
    if (d == NULL) {
        if (w->n_dev == MAX_WATCHED)
            return;
        d = &w->dev[w->n_dev++];
        memset(d, 0, sizeof *d);
        snprintf(d->key, sizeof d->key, "%s", key);
        snprintf(d->spec, sizeof d->spec, "%s", spec);
        snprintf(d->label, sizeof d->label, "%s", spec);
    }
    d->seen = 1;
    if (d->done || g_stop)
        return;
    if (now_ms() >= d->next_try) {
        d->attempts++;
        if (sync_device(w, spec, d->label, sizeof d->label, d->attempts >= OPEN_ATTEMPTS) ==
            SYNC_DONE) {
            d->done = 1;
            return;
        }
        d->next_try = now_ms() + w->interval_ms;
    }
    /* Still to do: with hotplug no event will bring it back, so ask for a
     * USB rescan at the next poll. */
    if (strncmp(spec, "usb:", 4) == 0)
        w->retry_usb = 1;
}

/* Forgets the devices of one carrier that the scan did not find. */
static void forget_missing(watch_t *w, const char *scheme)
{
    size_t i = 0, len = strlen(scheme);
    while (i < w->n_dev) {
        watched_t *d = &w->dev[i];
        if (strncmp(d->spec, scheme, len) == 0 && !d->seen) {
            if (d->done) /* it has a line: say it left */
                printf("%s  unplugged\n", d->label);
            w->dev[i] = w->dev[--w->n_dev];
            continue;
        }
        i++;
    }
}

static void mark_unseen(watch_t *w, const char *scheme)
{
    size_t i, len = strlen(scheme);
    for (i = 0; i < w->n_dev; i++)
        if (strncmp(w->dev[i].spec, scheme, len) == 0)
            w->dev[i].seen = 0;
}

static void scan_usb(watch_t *w)
{
    static cnd_usb_found_t found[MAX_WATCHED];
    size_t n = cnd_transport_usb_list(found, MAX_WATCHED), i;
    mark_unseen(w, "usb:");
    for (i = 0; i < n && !g_stop; i++) {
        char key[300];
        snprintf(key, sizeof key, "%.256s@%u.%u", found[i].spec, (unsigned)found[i].bus,
                 (unsigned)found[i].address);
        present(w, key, found[i].spec);
    }
    if (!g_stop)
        forget_missing(w, "usb:");
}

static void scan_sims(watch_t *w)
{
    static char specs[MAX_WATCHED][256];
    size_t n = cnd_transport_sim_discover(specs, MAX_WATCHED), i;
    mark_unseen(w, "sim:");
    for (i = 0; i < n && !g_stop; i++)
        present(w, specs[i], specs[i]);
    if (!g_stop)
        forget_missing(w, "sim:");
}

/* ---- the command ---- */

static int watch_usage(FILE *f)
{
    fprintf(f,
            "usage: candor watch --store DIR [--poll] [--interval MS]\n\n"
            "Sync station: syncs every handheld plugged in over USB, and every simulator\n"
            "that starts in $CANDOR_SIM_DIR, into the store DIR (created if missing), one\n"
            "device after the other, with one line each ending in 'safe to unplug'. A\n"
            "device is synced again when it is plugged in again. Arrivals are noticed\n"
            "through USB hotplug where the system has it, else by polling every MS\n"
            "milliseconds (default %d; --poll forces polling). The store is locked only\n"
            "while a device syncs. Ctrl-C stops after the current device.\n",
            DEFAULT_INTERVAL_MS);
    return f == stdout ? CND_EXIT_OK : CND_EXIT_USAGE;
}

static int parse(watch_t *w, int argc, char **argv)
{
    static const struct option longs[] = {{"store", required_argument, NULL, 's'},
                                          {"poll", no_argument, NULL, 'p'},
                                          {"interval", required_argument, NULL, 'i'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    optind = 0; /* glibc: full reset, so commands can run twice in one process */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "s:pi:h", longs, NULL)) != -1) {
        switch (opt) {
        case 's':
            w->store_dir = optarg;
            break;
        case 'p':
            w->force_poll = 1;
            break;
        case 'i':
            errno = 0;
            w->interval_ms = (int)strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || w->interval_ms < 50 || w->interval_ms > 60000) {
                fprintf(stderr,
                        "candor watch: --interval needs milliseconds from 50 to 60000, "
                        "not '%s'\n",
                        optarg);
                return CND_EXIT_USAGE;
            }
            break;
        case 'h':
            return watch_usage(stdout) == CND_EXIT_OK ? -1 : CND_EXIT_USAGE;
        default:
            fprintf(stderr, "candor watch: unknown option '%s'; see candor watch --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (w->store_dir == NULL || optind != argc) {
        fprintf(stderr, "candor watch: %s; usage: candor watch --store DIR\n",
                w->store_dir == NULL ? "no --store DIR given" : "unexpected argument");
        return CND_EXIT_USAGE;
    }
    return 0;
}

/* Waits one tick, handling USB events (the hotplug callback) meanwhile. */
static void wait_tick(libusb_context *ctx, int hotplug)
{
    if (hotplug) {
        struct timeval tv = {0, TICK_MS * 1000};
        libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    } else {
        poll(NULL, 0, TICK_MS);
    }
}

static int run(watch_t *w)
{
    cnd_err_t err = {{0}};
    cnd_hoststore_t *hs = NULL;
    libusb_context *ctx;
    libusb_hotplug_callback_handle cb;
    int hotplug = 0;
    long long next_poll = 0;

    /* Fail now, not at the first handheld, if the store cannot be used. */
    if (cnd_hoststore_open(w->store_dir, 1, &hs, &err) != CND_OK) {
        fprintf(stderr, "candor watch: %s\n", err.msg);
        return CND_EXIT_INPUT;
    }
    cnd_hoststore_close(hs);
    ctx = cnd_transport_usb_context(&err);
    if (ctx != NULL && !w->force_poll && libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
        libusb_hotplug_register_callback(
            ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0,
            (int)CND_USB_VID, (int)CND_USB_PID, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, w,
            &cb) == LIBUSB_SUCCESS)
        hotplug = 1;
    printf("watching for handhelds on USB (%s) and simulators in %s; storing into %s; "
           "Ctrl-C to stop\n",
           ctx == NULL ? "unavailable"
           : hotplug   ? "hotplug"
                       : "polling",
           cnd_transport_sim_dir(), w->store_dir);
    while (!g_stop) {
        long long now = now_ms();
        if (ctx != NULL && (g_usb_changed || ((!hotplug || w->retry_usb) && now >= next_poll))) {
            g_usb_changed = 0;
            w->retry_usb = 0;
            scan_usb(w);
        }
        if (now >= next_poll) {
            scan_sims(w);
            next_poll = now_ms() + w->interval_ms;
        }
        if (!g_stop)
            wait_tick(ctx, hotplug);
    }
    if (hotplug)
        libusb_hotplug_deregister_callback(ctx, cb);
    printf("stopped: %zu devices synced, %zu new responses stored in %s\n", w->synced_devices,
           w->stored_responses, w->store_dir);
    return CND_EXIT_OK;
}

int cnd_cmd_watch(int argc, char **argv)
{
    watch_t *w = calloc(1, sizeof *w);
    struct sigaction sa;
    int rc;
    if (w == NULL) {
        fprintf(stderr, "candor watch: out of memory\n");
        return CND_EXIT_FAIL;
    }
    w->interval_ms = DEFAULT_INTERVAL_MS;
    rc = parse(w, argc, argv);
    if (rc != 0) {
        free(w);
        return rc < 0 ? CND_EXIT_OK : rc;
    }
    w->tty = isatty(STDOUT_FILENO);
    setvbuf(stdout, NULL, _IOLBF, 0); /* a line per device, also into a log file */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    g_stop = 0;
    g_usb_changed = 1;
    rc = run(w);
    free(w);
    return rc;
}
