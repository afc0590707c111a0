/*
 * cmd_watch.c: `candor watch --store DIR`, the sync station. A coordinator
 * leaves it running; every handheld plugged in (and every simulator that
 * starts) is synced into DIR, several at once, with one line each.
 *
 * Owns: noticing devices arrive and leave (libusb hotplug where the
 * platform has it, otherwise polling the USB device list; simulators by
 * polling their socket directory), syncing each arrival once with
 * cnd_hostsync_run() (host/link/sync.c: lossless and idempotent) in a thread of
 * its own, at most MAX_SYNCS at a time, into ONE open store shared by those
 * threads (hoststore.h: each call is atomic, so an id two devices deliver
 * at the same time is stored once, and each batch is durable before its
 * ACK), the output (one line per device: on a terminal a live progress line
 * per device being synced, then its final line; elsewhere only the final
 * lines, never interleaved), and a clean stop on Ctrl-C (no new device is
 * started; the devices being synced are finished first; a second Ctrl-C
 * stops at once, which loses nothing either: nothing is acknowledged before
 * it is durable).
 *
 * Threads: the main thread alone scans, keeps the device table and starts
 * and joins sync threads; hotplug callbacks only raise a flag. A sync
 * thread touches only its own job_t, the store (locked by hoststore) and,
 * under w->mu, the shared counters, the store handle and the screen.
 * Transports are opened one at a time (w->open_mu): the USB lookup keeps
 * its device list in a static buffer.
 *
 * The store is opened when the first of a group of overlapping syncs needs
 * it and closed when the last ends, so `candor export` can run while the
 * station is idle. A device is synced again only after it left and came
 * back: a replugged handheld has a new USB address, so it is a new arrival.
 * One that cannot be opened at arrival (busy, permissions not applied yet)
 * is tried again, OPEN_ATTEMPTS times in all, before its line says why; one
 * waiting for the store (another candor holds it) is tried again until it
 * gets it.
 * Never: syncs one device in two threads, prints a line for a device it did
 * not touch, or lets a signal land in a sync thread (they block SIGINT and
 * SIGTERM; the main thread handles them).
 * RAM: host only; a table of MAX_WATCHED devices, and per running sync one
 * link plus hostsync's ~70 KB.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "hosterr.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "transport_sim.h"
#include "transport_usb.h"
#include "usb_id.h"

#define MAX_WATCHED 64
/* Syncs at once: a desk hub rarely holds more, and each costs a thread
 * and ~70 KB; further arrivals wait for a free slot. */
#define MAX_SYNCS 8
#define DEFAULT_INTERVAL_MS 1000
#define TICK_MS 100
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
    int running;     /* a sync thread has it */
    int left_said;   /* its final line already said it was unplugged */
    int attempts;
    long long next_try;
} watched_t;

struct watch;

/* One sync thread's own state; the fields marked (mu) are shared. */
typedef struct {
    struct watch *w;
    pthread_t thread;
    int busy; /* a thread was started and is not joined yet (main thread only) */
    char key[300], spec[256];
    char label[400]; /* (mu) */
    int last_try;
    int live;        /* (mu) has a progress line on the terminal */
    int finished;    /* (mu) the thread is about to end */
    int result;      /* (mu) SYNC_DONE or SYNC_RETRY */
    int left;        /* (mu) its final line says it was unplugged */
    size_t progress; /* (mu) responses received so far */
    uint32_t expected;
    cnd_link_t link;
} job_t;

typedef struct watch {
    const char *store_dir;
    int tty;
    int force_poll;
    int interval_ms;
    watched_t dev[MAX_WATCHED];
    size_t n_dev;
    int retry_usb; /* a USB device waits for a retry: rescan at the next poll */
    job_t job[MAX_SYNCS];
    pthread_mutex_t open_mu; /* one transport open at a time */
    pthread_mutex_t mu;      /* everything below, and stdout */
    cnd_hoststore_t *hs;     /* open while users > 0 */
    int hs_users;
    size_t synced_devices, stored_responses;
    char last_wait[600]; /* the last "waiting" line, printed once */
    int live_lines;      /* progress lines now below the final lines */
} watch_t;

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_usb_changed = 1; /* scan at start */

static void on_sigint(int sig)
{
    static const char msg[] =
        "\nstopping after the devices being synced (Ctrl-C again stops at once; nothing is "
        "lost either way)\n";
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

/* ---- the screen (every function here is called with w->mu held) ---- */

static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

/*
 * Prints line (if any) as a final line, then, on a terminal, the progress
 * lines of the devices being synced below it, each cut to the terminal's
 * width so that moving up live_lines rows finds them again.
 */
static void show_locked(watch_t *w, const char *line)
{
    size_t i;
    int cols;
    if (!w->tty) {
        if (line != NULL)
            printf("%s\n", line);
        fflush(stdout);
        return;
    }
    if (w->live_lines > 0)
        printf("\033[%dA\r\033[J", w->live_lines); /* up, and clear what was drawn */
    w->live_lines = 0;
    if (line != NULL)
        printf("%s\n", line);
    cols = term_cols() - 1;
    for (i = 0; i < MAX_SYNCS; i++) {
        const job_t *j = &w->job[i];
        char bar[BAR_WIDTH + 1], text[600];
        size_t fill, k;
        if (!j->live)
            continue;
        if (j->expected == 0) {
            snprintf(text, sizeof text, "%s  syncing...", j->label);
        } else {
            fill = j->progress >= j->expected ? BAR_WIDTH : j->progress * BAR_WIDTH / j->expected;
            for (k = 0; k < BAR_WIDTH; k++)
                bar[k] = k < fill ? '#' : '-';
            bar[BAR_WIDTH] = '\0';
            snprintf(text, sizeof text, "%s  [%s] %zu of %u", j->label, bar, j->progress,
                     (unsigned)j->expected);
        }
        printf("%.*s\n", cols, text);
        w->live_lines++;
    }
    fflush(stdout);
}

/* A final line for job j (which then has no progress line any more). */
static void say(job_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(job_t *j, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&j->w->mu);
    j->live = 0;
    show_locked(j->w, line);
    pthread_mutex_unlock(&j->w->mu);
}

static void draw_bar(void *ctx, size_t done, uint32_t expected)
{
    job_t *j = ctx;
    pthread_mutex_lock(&j->w->mu);
    j->progress = done;
    j->expected = expected;
    if (j->w->tty)
        show_locked(j->w, NULL);
    pthread_mutex_unlock(&j->w->mu);
}

/* ---- one device, in its own thread ---- */

/* The serial: for USB the spec's, else the HELLO's device id in hex (the
 * same text as the USB serial, firmware usb_desc.h). */
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

/* The shared store, opened by the first sync that needs it; NULL (and a
 * "waiting" line, once) when another process holds it. */
static cnd_hoststore_t *store_get(job_t *j)
{
    watch_t *w = j->w;
    cnd_hoststore_t *hs;
    cnd_err_t err = {{0}};
    pthread_mutex_lock(&w->mu);
    if (w->hs == NULL && cnd_hoststore_open(w->store_dir, 1, &w->hs, &err) != CND_OK) {
        char line[sizeof w->last_wait];
        w->hs = NULL;
        snprintf(line, sizeof line, "%.300s  waiting: %.280s", j->label, err.msg);
        j->live = 0;
        if (strcmp(line, w->last_wait) != 0)
            show_locked(w, line);
        snprintf(w->last_wait, sizeof w->last_wait, "%s", line);
        pthread_mutex_unlock(&w->mu);
        return NULL;
    }
    w->last_wait[0] = '\0';
    w->hs_users++;
    hs = w->hs;
    pthread_mutex_unlock(&w->mu);
    return hs;
}

/* Ends one sync's use of the store: the last one out closes it (unlocks). */
static void store_put(watch_t *w, const cnd_hostsync_report_t *rep, int synced)
{
    pthread_mutex_lock(&w->mu);
    w->stored_responses += rep->added;
    w->synced_devices += (size_t)synced;
    if (--w->hs_users == 0) {
        cnd_hoststore_close(w->hs);
        w->hs = NULL;
    }
    pthread_mutex_unlock(&w->mu);
}

/* SYNC_DONE when the device was handled (synced, or failed for good),
 * SYNC_RETRY when it should be tried again later: the store was busy, or it
 * could not be opened or did not answer HELLO and this is not its last try. */
static int sync_device(job_t *j)
{
    watch_t *w = j->w;
    cnd_transport_t *t = NULL;
    cnd_hoststore_t *hs;
    cnd_hostsync_report_t rep;
    cnd_msg_hello_t hello;
    cnd_err_t err = {{0}};
    cnd_status_t st;

    pthread_mutex_lock(&w->open_mu);
    st = cnd_transport_open(j->spec, &t, &err);
    pthread_mutex_unlock(&w->open_mu);
    if (st != CND_OK) {
        if (!j->last_try)
            return SYNC_RETRY;
        say(j, "%s  not synced: %s", j->label, err.msg);
        return SYNC_DONE;
    }
    cnd_link_init(&j->link, t);
    st = cnd_link_hello(&j->link, &hello, &err);
    pthread_mutex_lock(&w->mu);
    label_of(j->spec, st == CND_OK ? &hello : NULL, j->label, sizeof j->label);
    j->live = st == CND_OK;
    if (j->live && w->tty)
        show_locked(w, NULL);
    pthread_mutex_unlock(&w->mu);
    if (st != CND_OK) {
        cnd_link_close(&j->link);
        if (!j->last_try)
            return SYNC_RETRY;
        say(j, "%s  not synced: %s", j->label, err.msg);
        return SYNC_DONE;
    }
    hs = store_get(j);
    if (hs == NULL) {
        cnd_link_close(&j->link);
        return SYNC_RETRY;
    }
    st = cnd_hostsync_run(&j->link, hs, draw_bar, j, &rep, &err);
    cnd_link_close(&j->link);
    char learned[256];
    if (cnd_hoststore_take_learned(hs, learned, sizeof learned))
        say(j, "%s", learned); /* once per store: the first pack it ever received */
    store_put(w, &rep, st == CND_OK);
    if (st == CND_OK) {
        say(j, "%s  synced %zu %s (%zu already stored), %u pending; %s", j->label, rep.added,
            cnd_plural(rep.added, "response", "responses"),
            rep.already, (unsigned)rep.pending_after,
            rep.pending_after == 0 ? "safe to unplug" : "plug in again for the rest");
    } else if (st == CND_E_DISCONNECTED || st == CND_E_TIMEOUT) {
        j->left = 1;
        say(j,
            "%s  unplugged during sync after %zu new %s; nothing lost, plug it in "
            "again to finish",
            j->label, rep.added, cnd_plural(rep.added, "response", "responses"));
    } else {
        say(j, "%s  not synced (%zu new %s stored first): %s", j->label, rep.added,
            cnd_plural(rep.added, "response", "responses"), err.msg);
    }
    return SYNC_DONE;
}

static void *job_main(void *arg)
{
    job_t *j = arg;
    int r = sync_device(j);
    pthread_mutex_lock(&j->w->mu);
    j->result = r;
    j->live = 0;
    j->finished = 1;
    pthread_mutex_unlock(&j->w->mu);
    return NULL;
}

/* ---- arrivals and departures (main thread) ---- */

static watched_t *find(watch_t *w, const char *key)
{
    size_t i;
    for (i = 0; i < w->n_dev; i++)
        if (strcmp(w->dev[i].key, key) == 0)
            return &w->dev[i];
    return NULL;
}

/* A device is present now: add it to the table if it just arrived. */
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
}

/* Forgets the devices of one carrier that the last scan did not find; one
 * being synced is kept until its thread has ended. */
static void forget_missing(watch_t *w, const char *scheme)
{
    size_t i = 0, len = strlen(scheme);
    while (i < w->n_dev) {
        watched_t *d = &w->dev[i];
        if (strncmp(d->spec, scheme, len) == 0 && !d->seen && !d->running) {
            if (d->done && !d->left_said) { /* it has a line: say it left */
                pthread_mutex_lock(&w->mu);
                char line[450];
                snprintf(line, sizeof line, "%s  unplugged", d->label);
                show_locked(w, line);
                pthread_mutex_unlock(&w->mu);
            }
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
    for (i = 0; i < n; i++) {
        char key[300];
        snprintf(key, sizeof key, "%.256s@%u.%u", found[i].spec, (unsigned)found[i].bus,
                 (unsigned)found[i].address);
        present(w, key, found[i].spec);
    }
    forget_missing(w, "usb:");
}

static void scan_sims(watch_t *w)
{
    static char specs[MAX_WATCHED][256];
    size_t n = cnd_transport_sim_discover(specs, MAX_WATCHED), i;
    mark_unseen(w, "sim:");
    for (i = 0; i < n; i++)
        present(w, specs[i], specs[i]);
    forget_missing(w, "sim:");
}

/* Starts a sync thread for d in a free slot; 0 when none is free. The
 * thread blocks SIGINT and SIGTERM so that they reach the main thread. */
static int start_job(watch_t *w, watched_t *d)
{
    sigset_t block, old;
    job_t *j = NULL;
    size_t i;
    for (i = 0; i < MAX_SYNCS && j == NULL; i++)
        if (!w->job[i].busy)
            j = &w->job[i];
    if (j == NULL)
        return 0;
    memset(j, 0, sizeof *j);
    j->w = w;
    snprintf(j->key, sizeof j->key, "%s", d->key);
    snprintf(j->spec, sizeof j->spec, "%s", d->spec);
    snprintf(j->label, sizeof j->label, "%s", d->label);
    d->attempts++;
    j->last_try = d->attempts >= OPEN_ATTEMPTS;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        d->next_try = now_ms() + w->interval_ms; /* no thread now: try later */
        return 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    j->busy = 1;
    d->running = 1;
    return 1;
}

/* Starts every device due for a sync, while slots are free. */
static void start_due(watch_t *w)
{
    long long now = now_ms();
    size_t i;
    for (i = 0; i < w->n_dev && !g_stop; i++) {
        watched_t *d = &w->dev[i];
        if (d->done || d->running)
            continue;
        if (now < d->next_try || !start_job(w, d)) {
            /* Still to do: with hotplug no event will bring it back, so
             * ask for a USB rescan at the next poll. */
            if (strncmp(d->spec, "usb:", 4) == 0)
                w->retry_usb = 1;
        }
    }
}

/* Joins the sync threads that ended; returns how many are still running. */
static size_t reap(watch_t *w)
{
    size_t i, running = 0;
    for (i = 0; i < MAX_SYNCS; i++) {
        job_t *j = &w->job[i];
        watched_t *d;
        int finished;
        if (!j->busy)
            continue;
        pthread_mutex_lock(&w->mu);
        finished = j->finished;
        pthread_mutex_unlock(&w->mu);
        if (!finished) {
            running++;
            continue;
        }
        pthread_join(j->thread, NULL);
        j->busy = 0;
        d = find(w, j->key);
        if (d == NULL)
            continue;
        d->running = 0;
        snprintf(d->label, sizeof d->label, "%s", j->label);
        d->left_said = j->left;
        if (j->result == SYNC_DONE) {
            d->done = 1;
        } else {
            d->next_try = now_ms() + w->interval_ms;
            if (strncmp(d->spec, "usb:", 4) == 0)
                w->retry_usb = 1;
        }
    }
    if (!g_stop) { /* those that left meanwhile can go now */
        forget_missing(w, "usb:");
        forget_missing(w, "sim:");
    }
    return running;
}

/* ---- the command ---- */

static int watch_usage(FILE *f)
{
    fprintf(f,
            "usage: candor watch --store DIR [--poll] [--interval MS]\n\n"
            "Sync station: syncs every handheld plugged in over USB, and every simulator\n"
            "that starts in $CANDOR_SIM_DIR, into the store DIR (created if missing),\n"
            "up to %d devices at once, with one line each ending in 'safe to unplug'\n"
            "(on a terminal, a progress bar per device while it syncs). A device is\n"
            "synced again when it is plugged in again. Arrivals are noticed through\n"
            "USB hotplug where the system has it, else by polling every MS milliseconds\n"
            "(default %d; --poll forces polling). The store is locked only while\n"
            "devices sync. Ctrl-C starts no new device and stops once the devices being\n"
            "synced are done; a second Ctrl-C stops at once (nothing is lost: a device\n"
            "forgets only what the store holds durably).\n",
            MAX_SYNCS, DEFAULT_INTERVAL_MS);
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
    /* After Ctrl-C: no more scans or starts, only waiting for the syncs
     * already running. */
    while (reap(w) > 0 || !g_stop) {
        long long now = now_ms();
        if (!g_stop && ctx != NULL &&
            (g_usb_changed || ((!hotplug || w->retry_usb) && now >= next_poll))) {
            g_usb_changed = 0;
            w->retry_usb = 0;
            scan_usb(w);
        }
        if (!g_stop && now >= next_poll) {
            scan_sims(w);
            next_poll = now_ms() + w->interval_ms;
        }
        start_due(w);
        wait_tick(ctx, hotplug);
    }
    if (hotplug)
        libusb_hotplug_deregister_callback(ctx, cb);
    show_locked(w, NULL); /* every sync thread has ended: no lock needed */
    printf("stopped: %zu %s synced, %zu new %s stored in %s\n", w->synced_devices,
           cnd_plural(w->synced_devices, "device", "devices"), w->stored_responses,
           cnd_plural(w->stored_responses, "response", "responses"), w->store_dir);
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
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->open_mu, NULL);
    rc = parse(w, argc, argv);
    if (rc != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_mutex_destroy(&w->open_mu);
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
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->open_mu);
    free(w);
    return rc;
}
