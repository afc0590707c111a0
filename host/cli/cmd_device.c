/*
 * cmd_device.c: `candor status` and `candor push`, the two commands that
 * talk to one device without a store.
 *
 * Owns: showing HELLO to a person (or as JSON for scripts), and installing
 * a survey pack: validated locally first so a wrong or damaged file is
 * refused before the device is touched, then PUSH_BEGIN/DATA/COMMIT, then a
 * HELLO to confirm the pack is installed and active.
 * Never: pushes a pack that cnd_pack_open() refuses; prints more than one
 * error line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "commands.h"
#include "fill.h"
#include "hosterr.h"
#include "link.h"
#include "pack.h"
#include "proto.h"

/* ---- status ---- */

static void print_bytes(FILE *f, uint32_t n)
{
    if (n < 10240)
        fprintf(f, "%u B", (unsigned)n);
    else if (n < 10u * 1024u * 1024u)
        fprintf(f, "%.1f KiB", n / 1024.0);
    else
        fprintf(f, "%.1f MiB", n / (1024.0 * 1024.0));
}

/* The device's own rule (formats/fill.h), applied to HELLO's counts: the
 * level its home screen shows, with what to do about it. HELLO does not
 * carry the chip's program unit, so the host takes the largest reserve: it
 * may call a device full up to 480 bytes before the device itself does,
 * never after. */
static void print_fill(const cnd_msg_hello_t *h)
{
    cnd_fill_level_t lv = cnd_fill_level(h->bytes_used, h->bytes_free, CND_FILL_RESERVE);
    unsigned pct = cnd_fill_percent(h->bytes_used, h->bytes_free);
    switch (lv) {
    case CND_FILL_FULL:
        printf("fill      %u%% full: no room for another interview; sync to free space\n", pct);
        break;
    case CND_FILL_URGENT:
    case CND_FILL_WARN:
        printf("fill      %u%% full: above the %u%% warning; sync soon\n", pct,
               lv == CND_FILL_URGENT ? CND_FILL_URGENT_PERCENT : CND_FILL_WARN_PERCENT);
        break;
    default:
        printf("fill      %u%% full\n", pct);
        break;
    }
}

static void print_status(const char *name, const cnd_msg_hello_t *h)
{
    uint8_t i;
    printf("device    %s\n", name);
    printf("id        ");
    for (i = 0; i < CND_DEVICE_ID_LEN; i++)
        printf("%02x", h->device_id[i]);
    printf("\nfirmware  %s (protocol v%u)\n", h->firmware, h->protocol);
    printf("storage   ");
    print_bytes(stdout, h->bytes_used);
    printf(" used, ");
    print_bytes(stdout, h->bytes_free);
    printf(" free\n");
    print_fill(h);
    printf("pending   %u response%s not yet synced\n", (unsigned)h->pending,
           h->pending == 1 ? "" : "s");
    printf("damaged   %u flash region%s%s\n", (unsigned)h->damaged, h->damaged == 1 ? "" : "s",
           h->damaged ? " could not be read; sync to keep their raw bytes in STORE/quarantine"
                      : "");
    if (h->n_surveys == 0) {
        printf("surveys   none installed; install one with: candor push NAME.pack\n");
        return;
    }
    printf("surveys   %u installed\n", h->n_surveys);
    for (i = 0; i < h->n_surveys; i++) {
        const cnd_msg_survey_t *s = &h->surveys[i];
        printf("  %s %s v%u  fingerprint %08x  %u pending%s\n",
               (s->flags & CND_MSG_SURVEY_ACTIVE) ? "*" : " ",
               s->survey_id[0] ? s->survey_id : "(unreadable)", s->survey_version,
               (unsigned)s->fingerprint, (unsigned)s->pending,
               (s->flags & CND_MSG_SURVEY_ACTIVE) ? "  (active)" : "");
    }
}

static int print_status_json(const char *name, const cnd_msg_hello_t *h)
{
    cJSON *o = cJSON_CreateObject(), *arr;
    char hex[2 * CND_DEVICE_ID_LEN + 1];
    char *text;
    uint8_t i;
    if (o == NULL)
        return -1;
    for (i = 0; i < CND_DEVICE_ID_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", h->device_id[i]);
    cJSON_AddStringToObject(o, "device", name);
    cJSON_AddStringToObject(o, "device_id", hex);
    cJSON_AddStringToObject(o, "firmware", h->firmware);
    cJSON_AddNumberToObject(o, "protocol", h->protocol);
    cJSON_AddNumberToObject(o, "bytes_used", h->bytes_used);
    cJSON_AddNumberToObject(o, "bytes_free", h->bytes_free);
    cJSON_AddNumberToObject(o, "fill_percent", cnd_fill_percent(h->bytes_used, h->bytes_free));
    cJSON_AddStringToObject(o, "fill_level",
                            cnd_fill_level_name(cnd_fill_level(h->bytes_used, h->bytes_free, CND_FILL_RESERVE)));
    cJSON_AddNumberToObject(o, "pending", h->pending);
    cJSON_AddNumberToObject(o, "damaged", h->damaged);
    arr = cJSON_AddArrayToObject(o, "surveys");
    for (i = 0; arr != NULL && i < h->n_surveys; i++) {
        const cnd_msg_survey_t *s = &h->surveys[i];
        cJSON *e = cJSON_CreateObject();
        char fp[9];
        if (e == NULL)
            break;
        snprintf(fp, sizeof fp, "%08x", (unsigned)s->fingerprint);
        cJSON_AddStringToObject(e, "survey_id", s->survey_id);
        cJSON_AddNumberToObject(e, "survey_version", s->survey_version);
        cJSON_AddStringToObject(e, "fingerprint", fp);
        cJSON_AddNumberToObject(e, "pending", s->pending);
        cJSON_AddBoolToObject(e, "active", (s->flags & CND_MSG_SURVEY_ACTIVE) != 0);
        cJSON_AddItemToArray(arr, e);
    }
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (text == NULL)
        return -1;
    printf("%s\n", text);
    free(text);
    return 0;
}

int cnd_cmd_status(int argc, char **argv)
{
    static const struct option longs[] = {{"device", required_argument, NULL, 'd'},
                                          {"json", no_argument, NULL, 'j'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *spec = NULL;
    int json = 0, c, rc;
    cnd_link_t link;
    cnd_msg_hello_t h;
    cnd_err_t err = {{0}};

    optind = 0; /* glibc: full reset, so commands can run twice in one process */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:jh", longs, NULL)) != -1) {
        switch (c) {
        case 'd': spec = optarg; break;
        case 'j': json = 1; break;
        case 'h':
            printf("usage: candor status [--device SPEC] [--json]\n\n"
                   "Shows the device's firmware, storage, pending responses and installed\n"
                   "surveys (* = active). --json prints one JSON object instead.\n");
            return CND_EXIT_OK;
        default:
            fprintf(stderr, "candor status: unknown option '%s'; see candor status --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "candor status: unexpected argument '%s'; see candor status --help\n",
                argv[optind]);
        return CND_EXIT_USAGE;
    }
    if (cnd_link_open(&link, spec, &err) != CND_OK) {
        fprintf(stderr, "candor status: %s\n", err.msg);
        return CND_EXIT_DEVICE;
    }
    if (cnd_link_hello(&link, &h, &err) != CND_OK) {
        rc = cnd_link_exit_code(&link);
        fprintf(stderr, "candor status: %s\n", err.msg);
        cnd_link_close(&link);
        return rc;
    }
    rc = CND_EXIT_OK;
    if (json) {
        if (print_status_json(cnd_link_name(&link), &h) != 0) {
            fprintf(stderr, "candor status: out of memory building JSON\n");
            rc = CND_EXIT_FAIL;
        }
    } else {
        print_status(cnd_link_name(&link), &h);
    }
    cnd_link_close(&link);
    return rc;
}

/* ---- push ---- */

/* Reads a whole pack file; refuses anything bigger than a device accepts. */
static int read_pack_file(const char *path, uint8_t **out, uint32_t *len, cnd_err_t *err)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    uint8_t *buf;
    *out = NULL;
    if (f == NULL) {
        cnd_err_set(err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        cnd_err_set(err, "%s is not a regular file", path);
        fclose(f);
        return -1;
    }
    if (sb.st_size > CND_MAX_PACK_SIZE) {
        cnd_err_set(err,
                    "%s is %lld bytes, larger than any survey pack (%d max); is it a pack "
                    "built by candor compile?",
                    path, (long long)sb.st_size, CND_MAX_PACK_SIZE);
        fclose(f);
        return -1;
    }
    buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
    if (buf == NULL || fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
        cnd_err_set(err, "cannot read %s: %s", path, buf == NULL ? "out of memory" : "short read");
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *out = buf;
    *len = (uint32_t)sb.st_size;
    return 0;
}

static void pack_refusal(const char *path, const uint8_t *buf, uint32_t len, cnd_status_t st,
                         cnd_err_t *err)
{
    if (st != CND_E_MAGIC && st != CND_E_TRUNCATED && len > CND_PACK_HDR_VERSION &&
        buf[CND_PACK_HDR_VERSION] != CND_PACK_VERSION && st != CND_E_VERSION)
        /* an older format that does not even open: the version is the news */
        cnd_err_set(err,
                    "%s is survey pack format v%u and does not open (%s); handhelds take v%u "
                    "only: compile the survey again with this candor",
                    path, buf[CND_PACK_HDR_VERSION], cnd_status_str(st), CND_PACK_VERSION);
    else if (st == CND_E_VERSION && len > CND_PACK_HDR_VERSION)
        cnd_err_set(err,
                    "%s is survey pack format v%u, this candor reads v%u; rebuild it with "
                    "this candor (candor compile) or use a matching candor",
                    path, buf[CND_PACK_HDR_VERSION], CND_PACK_VERSION);
    else if (st == CND_E_MAGIC)
        cnd_err_set(err, "%s is not a Candor survey pack; build one with candor compile", path);
    else
        cnd_err_set(err, "%s is a damaged survey pack (%s); rebuild it with candor compile",
                    path, cnd_status_str(st));
}

static int push_usage(FILE *f)
{
    fprintf(f, "usage: candor push NAME.pack [--device SPEC]\n\n"
               "Installs a compiled survey pack on the device and makes it active. The\n"
               "device refuses while an interview is in progress.\n");
    return f == stdout ? CND_EXIT_OK : CND_EXIT_USAGE;
}

int cnd_cmd_push(int argc, char **argv)
{
    static const struct option longs[] = {{"device", required_argument, NULL, 'd'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *spec = NULL, *path;
    int c, rc = CND_EXIT_OK;
    uint8_t *buf = NULL;
    uint32_t len = 0;
    uint8_t i;
    cnd_pack_t pk;
    cnd_status_t st;
    cnd_link_t link;
    cnd_msg_hello_t h;
    cnd_err_t err = {{0}};
    char id[CND_MAX_NAME_LEN + 1];

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:h", longs, NULL)) != -1) {
        switch (c) {
        case 'd': spec = optarg; break;
        case 'h': return push_usage(stdout);
        default:
            fprintf(stderr, "candor push: unknown option '%s'; see candor push --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "candor push: %s; usage: candor push NAME.pack [--device SPEC]\n",
                optind >= argc ? "no pack file given" : "more than one pack file given");
        return CND_EXIT_USAGE;
    }
    path = argv[optind];
    if (read_pack_file(path, &buf, &len, &err) != 0) {
        fprintf(stderr, "candor push: %s\n", err.msg);
        return CND_EXIT_INPUT;
    }
    st = cnd_pack_open(&pk, buf, len);
    if (st != CND_OK) {
        pack_refusal(path, buf, len, st, &err);
        fprintf(stderr, "candor push: %s\n", err.msg);
        free(buf);
        return CND_EXIT_INPUT;
    }
    /* The host still reads version 3 (a store keeps the packs of the
     * responses it holds), but a handheld draws only pre-rendered text and
     * would refuse it: said here, before a device is touched. */
    if (!cnd_pack_has_ptext(&pk)) {
        fprintf(stderr,
                "candor push: %s is survey pack format v%u, which carries no pre-rendered "
                "text; handhelds take v%u only: compile the survey again with this candor\n",
                path, (unsigned)pk.version, CND_PACK_VERSION);
        free(buf);
        return CND_EXIT_INPUT;
    }
    {
        cnd_str_t sid = cnd_pack_survey_id(&pk);
        snprintf(id, sizeof id, "%.*s", (int)sid.len, sid.ptr);
    }
    if (cnd_link_open(&link, spec, &err) != CND_OK) {
        fprintf(stderr, "candor push: %s\n", err.msg);
        free(buf);
        return CND_EXIT_DEVICE;
    }
    st = cnd_link_push_pack(&link, pk.buf, pk.len, pk.fingerprint, &err);
    if (st == CND_OK)
        st = cnd_link_hello(&link, &h, &err);
    if (st != CND_OK) {
        rc = cnd_link_exit_code(&link);
        fprintf(stderr, "candor push: %s\n", err.msg);
    } else {
        int active = 0;
        for (i = 0; i < h.n_surveys; i++)
            if (h.surveys[i].fingerprint == pk.fingerprint)
                active = (h.surveys[i].flags & CND_MSG_SURVEY_ACTIVE) != 0;
        if (!active) {
            fprintf(stderr,
                    "candor push: %s accepted %s but does not report it active; run candor "
                    "status and push again\n",
                    cnd_link_name(&link), path);
            rc = CND_EXIT_FAIL;
        } else {
            printf("installed %s v%u (fingerprint %08x); active\n", id,
                   cnd_pack_survey_version(&pk), (unsigned)pk.fingerprint);
        }
    }
    cnd_link_close(&link);
    free(buf);
    return rc;
}
