/*
 * check.c: `candor check STORE [--key KEY]...`, the coordinator's store
 * audit (formats/SPEC.md section 8.4).
 *
 * Owns: the order of the audit and its report: open the store checked
 * (hoststore.c verifies every pack, signature, trusted key, batch file and
 * directory and moves what fails to quarantine/), then, with the office
 * key, open every response (unseal.c) and move the ones that do not
 * authenticate or decode out of their batch files; one line per entry
 * moved, one summary line.
 * Never: deletes anything (what fails is moved, with a .why line); writes
 * a response's contents anywhere; keeps a key or an opened answer after
 * it returns.
 * RAM: host only; the unseal of the whole store (unseal.h) plus 72 bytes
 * per response that fails.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hosterr.h"
#include "hoststore.h"
#include "officekey.h"
#include "unseal.h"

#include "mbedtls/platform_util.h"

#define CHECK_MAX_KEYS 8

typedef struct {
    uint8_t id[CND_RESPONSE_ID_LEN];
    char why[64];
} failed_t;

typedef struct {
    size_t moved_entries; /* files and directories moved to quarantine/ */
    size_t opened;
    failed_t *failed;     /* responses that did not open, sorted by id */
    size_t n_failed, cap_failed;
    int oom;
} check_t;

static void report_fn(void *ctx, const char *entry, const char *why)
{
    check_t *c = ctx;
    c->moved_entries++;
    printf("moved %s to quarantine/: %s\n", entry, why);
}

static int opened_fn(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                     const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    check_t *c = ctx;
    (void)pk;
    (void)r;
    (void)device_id;
    c->opened++;
    return 0;
}

static void refused_fn(void *ctx, const cnd_sealed_t *s, const char *why)
{
    check_t *c = ctx;
    if (c->n_failed == c->cap_failed) {
        size_t cap = c->cap_failed ? 2 * c->cap_failed : 64;
        failed_t *t = realloc(c->failed, cap * sizeof *t);
        if (t == NULL) {
            c->oom = 1;
            return;
        }
        c->failed = t;
        c->cap_failed = cap;
    }
    failed_t *f = &c->failed[c->n_failed++];
    memcpy(f->id, s->id, CND_RESPONSE_ID_LEN);
    snprintf(f->why, sizeof f->why, "%s", why);
}

static int by_id(const void *a, const void *b)
{
    return memcmp(a, b, CND_RESPONSE_ID_LEN); /* id is failed_t's first member */
}

static const char *bad_row(void *ctx, const cnd_sealed_t *r)
{
    check_t *c = ctx;
    const failed_t *f = c->n_failed == 0 ? NULL
                        : bsearch(r->id, c->failed, c->n_failed, sizeof *c->failed, by_id);
    return f != NULL ? f->why : NULL;
}

static int check_usage(FILE *f)
{
    fprintf(f, "usage: candor check STORE [--key KEYFILE]... [--passphrase-file F]\n\n"
               "Verifies every file of the store: each survey pack (and its signature, by\n"
               "a key the store trusts), each batch file, each trusted key. With --key\n"
               "(repeat it for keys rotated out) it also opens every response with the\n"
               "office key. Whatever fails is moved to STORE/quarantine/ with a .why\n"
               "file saying what and why; nothing is deleted, and export leaves\n"
               "quarantine/ out. Exit 0: all good; 3: something was moved (named above).\n");
    return f == stdout ? CND_EXIT_OK : CND_EXIT_USAGE;
}

int cnd_cmd_check(int argc, char **argv)
{
    static const struct option longs[] = {{"key", required_argument, NULL, 'k'},
                                          {"passphrase-file", required_argument, NULL, 'P'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *key_paths[CHECK_MAX_KEYS];
    const char *passfile = NULL;
    int n_keys = 0, have_keys = 0, opt, rc = CND_EXIT_FAIL;
    cnd_office_key_t keys[CHECK_MAX_KEYS];
    uint8_t privs[CHECK_MAX_KEYS][CND_X25519_LEN];
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err = {{0}};
    check_t c;
    memset(&c, 0, sizeof c);

    optind = 0; /* glibc: full reset, so commands can run twice in one process */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (n_keys == CHECK_MAX_KEYS) {
                fprintf(stderr, "candor check: more than %d --key options\n", CHECK_MAX_KEYS);
                return CND_EXIT_USAGE;
            }
            key_paths[n_keys++] = optarg;
            break;
        case 'P': passfile = optarg; break;
        case 'h': return check_usage(stdout);
        default:
            fprintf(stderr, "candor check: unknown option '%s'; see candor check --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "candor check: %s; usage: candor check STORE [--key KEYFILE]\n",
                optind >= argc ? "no STORE given" : "more than one STORE given");
        return CND_EXIT_USAGE;
    }
    const char *dir = argv[optind];
    /* Keys first: a wrong passphrase must not leave a half-done check. */
    for (; have_keys < n_keys; have_keys++) {
        if (cnd_key_load(key_paths[have_keys], passfile, &keys[have_keys], err.msg,
                         sizeof err.msg) != 0) {
            rc = CND_EXIT_INPUT;
            goto out;
        }
        memcpy(privs[have_keys], cnd_key_x25519_secret(&keys[have_keys]), CND_X25519_LEN);
    }
    cnd_status_t st = cnd_hoststore_open_checked(dir, report_fn, &c, &hs, &err);
    if (st != CND_OK) {
        rc = st == CND_E_BUSY || st == CND_E_IO ? CND_EXIT_FAIL : CND_EXIT_INPUT;
        goto out;
    }
    size_t moved_rows = 0;
    if (n_keys > 0) {
        int r = cnd_unseal_store_keys(hs, (const uint8_t(*)[CND_X25519_LEN])privs,
                                      (size_t)n_keys, opened_fn, refused_fn, &c, &err);
        if (r != 0 || c.oom) {
            if (r <= 0)
                cnd_err_set(&err, "out of memory opening the responses of %s", dir);
            goto out;
        }
        if (c.n_failed > 0) {
            qsort(c.failed, c.n_failed, sizeof *c.failed, by_id);
            if (cnd_hoststore_quarantine_rows(hs, bad_row, &c, &moved_rows, &err) != CND_OK)
                goto out;
        }
    }
    size_t n_packs = cnd_hoststore_pack_count(hs), n_resp = cnd_hoststore_response_count(hs);
    printf("checked %s: %zu survey %s, %zu %s (%s); %zu %s moved to quarantine/%s\n", dir,
           n_packs, cnd_plural(n_packs, "pack", "packs"), n_resp,
           cnd_plural(n_resp, "response", "responses"),
           n_keys == 0 ? "not opened: no --key" : "each opened with the office key",
           c.moved_entries, cnd_plural(c.moved_entries, "entry", "entries"),
           moved_rows > 0 ? " (including responses that failed to open)" : "");
    rc = c.moved_entries > 0 ? CND_EXIT_INPUT : CND_EXIT_OK;
    err.msg[0] = '\0'; /* each defect's message went to its .why and its line */
out:
    if (err.msg[0] != '\0')
        fprintf(stderr, "candor check: %s\n", err.msg);
    for (int k = 0; k < have_keys; k++)
        cnd_key_wipe(&keys[k]);
    mbedtls_platform_zeroize(privs, sizeof privs);
    free(c.failed);
    cnd_hoststore_close(hs);
    return rc;
}
