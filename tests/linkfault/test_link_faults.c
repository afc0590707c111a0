/*
 * test_link_faults.c: every link fault at every frame of a multi-batch
 * sync and of a survey push, with the REAL host sync client and link
 * against the REAL device sync core and flash store, joined in process by
 * the loop transport, whose faults come from link_fault.h (the same code
 * as candor-sim --link-fault).
 *
 * For each fault kind and each frame index N (frames counted in both
 * directions, odd = requests) one run: the device starts from the same
 * flash image, the fault hits frame N, then the coordinator's recovery
 * (sync again, or push again if the push failed, then sync). After the
 * faulty run and after recovery, lf_check() must find nothing lost,
 * duplicated, garbage or misplaced; after recovery the store holds every
 * saved response exactly once and the device none.
 *
 * Prints "linkfault[in-process]: N fault points, L lost, D duplicated" and,
 * when $LF_RESULTS is set, writes "N L D" there for the family summary.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hoststore.h"
#include "hostsync.h"
#include "lf_check.h"
#include "link.h"
#include "link_fault.h"
#include "loop_transport.h"
#include "ram_flash.h"
#include "store.h"
#include "sync.h"

#define BLOCK_SIZE 4096u
#define BLOCK_COUNT CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS /* the default survey is pushed */
#define SEED 20240611u
#define N_SYNC 300 /* 128 + 128 + 44: three batches and the empty fourth */
#define BATCH_MAX 128 /* the device's batch limit here (cnd_sync_config_t) */
#define N_PUSH 40  /* pending while the push runs */

typedef struct {
    cnd_ram_flash_t rf;
    uint8_t *image; /* the device's flash at the start of every run */
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_sync_t dev;
    uint32_t rng;
    uint8_t pack_a[CND_MAX_PACK_SIZE], pack_b[CND_MAX_PACK_SIZE];
    size_t len_a, len_b;
    cnd_pack_t pk_a, pk_b;
    cnd_response_t saved[LF_MAX_SAVED];
    size_t n_saved;
    char base[128], dir[160];
} fx_t;

typedef struct {
    cnd_lf_kind_t kind;
    uint32_t arg; /* 0 = default */
} variant_t;

/* Every kind; delay twice: well within the host's reply timeout (must not
 * matter at all) and beyond it (the reply is late: a timeout). */
static const variant_t variants[] = {
    {CND_LF_DROP, 0},      {CND_LF_TRUNCATE, 0}, {CND_LF_CORRUPT, 0},
    {CND_LF_DUPLICATE, 0}, {CND_LF_DELAY, 1000}, {CND_LF_DELAY, CND_LINK_TIMEOUT_MS + 2000},
    {CND_LF_DISCONNECT, 0},
};

static struct {
    unsigned points, lost, duplicated, garbage, misplaced, failures;
    char first_failure[512];
} g_total;

/* ---- the device ---- */

static cnd_status_t dev_random(void *ctx, uint8_t *buf, uint32_t n)
{
    fx_t *f = ctx;
    uint32_t i;
    for (i = 0; i < n; i++) {
        f->rng = f->rng * 1103515245u + 12345u;
        buf[i] = (uint8_t)(f->rng >> 16);
    }
    return CND_OK;
}

static uint16_t dev_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

static void boot(fx_t *f)
{
    cnd_sync_config_t cfg;
    f->hal.flash = f->rf.flash;
    f->hal.ctx = f;
    f->hal.random = dev_random;
    f->hal.today = dev_today;
    assert_int_equal(cnd_store_mount(&f->store, &f->hal), CND_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &f->store;
    cfg.ctx = f;
    cfg.batch_max = BATCH_MAX;
    cnd_sync_init(&f->dev, &cfg);
}

/* Back to the image: the same device, as if nothing had happened since. */
static void restore_device(fx_t *f)
{
    memcpy(f->rf.mem, f->image, (size_t)BLOCK_SIZE * BLOCK_COUNT);
    boot(f);
}

static void fresh_host_store(fx_t *f)
{
    assert_int_equal(lf_remove_tree(f->dir), 0);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    assert_non_null(f);
    f->rng = 7;
    assert_int_equal(lf_compile_survey(1, f->pack_a, sizeof f->pack_a, &f->len_a), 0);
    assert_int_equal(lf_compile_survey(2, f->pack_b, sizeof f->pack_b, &f->len_b), 0);
    assert_int_equal(cnd_pack_open(&f->pk_a, f->pack_a, (uint32_t)f->len_a), CND_OK);
    assert_int_equal(cnd_pack_open(&f->pk_b, f->pack_b, (uint32_t)f->len_b), CND_OK);
    assert_int_not_equal(f->pk_a.fingerprint, f->pk_b.fingerprint);
    assert_int_equal(cnd_ram_flash_init(&f->rf, BLOCK_SIZE, BLOCK_COUNT, 16), CND_OK);
    f->image = malloc((size_t)BLOCK_SIZE * BLOCK_COUNT);
    assert_non_null(f->image);
    /* The host store lives in RAM when it can: this test is about the
     * protocol's order, fsync on a real disk is test_sync_durability_order's. */
    snprintf(f->base, sizeof f->base, "%s/cnd-linkfault-XXXXXX", tmp);
    assert_non_null(mkdtemp(f->base));
    snprintf(f->dir, sizeof f->dir, "%s/store", f->base);
    boot(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    lf_remove_tree(f->base);
    cnd_ram_flash_free(&f->rf);
    free(f->image);
    free(f);
    return 0;
}

/* A device with pack A and n saved responses, kept as the image. */
static void make_image(fx_t *f, size_t n)
{
    size_t i;
    assert_int_equal(lf_install_pack(&f->store, f->pack_a, f->len_a), CND_OK);
    assert_true(n <= LF_MAX_SAVED);
    for (i = 0; i < n; i++) {
        lf_make_response(&f->pk_a, SEED, (uint32_t)i, &f->saved[i]);
        assert_int_equal(cnd_store_append_response(&f->store, &f->saved[i], &f->pk_a), CND_OK);
    }
    f->n_saved = n;
    memcpy(f->image, f->rf.mem, (size_t)BLOCK_SIZE * BLOCK_COUNT);
}

/* ---- host side: one candor process is one open store and one link ---- */

static cnd_status_t sync_once(fx_t *f, cnd_link_fault_t *lf, cnd_err_t *err)
{
    cnd_hoststore_t *hs = NULL;
    cnd_hostsync_report_t rep;
    cnd_loop_transport_t *lt;
    cnd_link_t l;
    cnd_status_t st = cnd_hoststore_open(f->dir, 1, &hs, err);
    if (st != CND_OK)
        return st;
    lt = cnd_loop_transport_new(&f->dev);
    assert_non_null(lt);
    lt->lf = lf;
    cnd_link_init(&l, &lt->base);
    st = cnd_hostsync_run(&l, hs, NULL, NULL, &rep, err);
    cnd_link_close(&l);
    cnd_sync_reset(&f->dev); /* the port sees the host go */
    cnd_hoststore_close(hs);
    return st;
}

static cnd_status_t push_once(fx_t *f, cnd_link_fault_t *lf, cnd_err_t *err)
{
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&f->dev);
    cnd_link_t l;
    cnd_status_t st;
    assert_non_null(lt);
    lt->lf = lf;
    cnd_link_init(&l, &lt->base);
    st = cnd_link_push_pack(&l, f->pack_b, (uint32_t)f->len_b, f->pk_b.fingerprint, err);
    cnd_link_close(&l);
    cnd_sync_reset(&f->dev);
    return st;
}

static int hello(fx_t *f, cnd_msg_hello_t *h)
{
    cnd_err_t err;
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&f->dev);
    cnd_link_t l;
    cnd_status_t st;
    assert_non_null(lt);
    cnd_link_init(&l, &lt->base);
    st = cnd_link_hello(&l, h, &err);
    cnd_link_close(&l);
    cnd_sync_reset(&f->dev);
    return st == CND_OK ? 0 : -1;
}

/* ---- bookkeeping ---- */

/* Records a problem; the first one of each test is the one reported. */
static unsigned g_reported;

static void failure(const char *where, const char *fmt, ...)
{
    va_list ap;
    char msg[400];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g_total.failures++ == g_reported)
        snprintf(g_total.first_failure, sizeof g_total.first_failure, "%s: %s", where, msg);
}

static void add_tally(const char *where, const lf_tally_t *t)
{
    g_total.lost += (unsigned)t->lost;
    g_total.duplicated += (unsigned)t->duplicated;
    g_total.garbage += (unsigned)t->garbage;
    g_total.misplaced += (unsigned)t->misplaced;
    if (t->first[0] != '\0')
        failure(where, "%s", t->first);
}

static void check_state(fx_t *f, const char *where, int recovered)
{
    lf_tally_t t;
    lf_check(f->saved, f->n_saved, &f->store, f->dir, &t);
    add_tally(where, &t);
    if (recovered && (t.stored != f->n_saved || t.pending != 0))
        failure(where, "after recovery the store holds %zu of %zu and the device %zu pending",
                t.stored, f->n_saved, t.pending);
}

static cnd_lf_spec_t spec_of(const variant_t *v, uint32_t at)
{
    cnd_lf_spec_t s;
    memset(&s, 0, sizeof s);
    s.kind = v->kind;
    s.at = at;
    s.arg = v->arg;
    s.has_arg = v->arg != 0;
    return s;
}

static void spec_name(const variant_t *v, uint32_t at, char *buf, size_t cap)
{
    cnd_lf_spec_t s = spec_of(v, at);
    cnd_lf_format(&s, buf, cap);
}

static void arm(cnd_link_fault_t *lf, const variant_t *v, uint32_t at)
{
    cnd_lf_spec_t s = spec_of(v, at);
    cnd_link_fault_init(lf, &s);
}

/* ---- one fault point of each scenario; returns 0 once N is past the end ---- */

/* A fault point starts from the device as imaged, no host store, and the
 * fault armed. */
static void begin_point(fx_t *f, cnd_link_fault_t *lf, const variant_t *v, uint32_t at)
{
    restore_device(f);
    fresh_host_store(f);
    arm(lf, v, at);
}

/* Counts a fault that hit; a frame late by less than the reply timeout
 * must change nothing. */
static void count_point(const char *where, const variant_t *v, cnd_status_t st,
                        const cnd_err_t *err)
{
    g_total.points++;
    if (v->kind == CND_LF_DELAY && v->arg < CND_LINK_TIMEOUT_MS && st != CND_OK)
        failure(where, "a frame late by less than the reply timeout made it fail: %s", err->msg);
}

static int sync_point(fx_t *f, const variant_t *v, uint32_t at)
{
    cnd_link_fault_t lf;
    cnd_err_t err = {{0}};
    char where[96];
    cnd_status_t st;

    spec_name(v, at, where, sizeof where);
    begin_point(f, &lf, v, at);
    st = sync_once(f, &lf, &err);
    if (!lf.fired)
        return 0;
    count_point(where, v, st, &err);
    check_state(f, where, st == CND_OK);
    /* Recovery: the coordinator runs candor sync again. */
    st = sync_once(f, NULL, &err);
    if (st != CND_OK)
        failure(where, "the sync after the fault failed: %s", err.msg);
    check_state(f, where, 1);
    return 1;
}

/* HELLO as the coordinator sees it: is b the active pack, and is any pack
 * listed twice or has one gone? */
static void check_packs(fx_t *f, const char *where, int want_b_active)
{
    cnd_msg_hello_t h;
    uint8_t i, n_a = 0, n_b = 0;
    if (hello(f, &h) != 0) {
        failure(where, "HELLO failed after the push");
        return;
    }
    for (i = 0; i < h.n_surveys; i++) {
        n_a += h.surveys[i].fingerprint == f->pk_a.fingerprint;
        n_b += h.surveys[i].fingerprint == f->pk_b.fingerprint;
    }
    if (n_a != 1 || n_b > 1 || h.n_surveys != n_a + n_b) {
        g_total.duplicated += n_b > 1 ? n_b - 1u : 0u;
        g_total.lost += n_a == 0;
        failure(where, "device lists %u surveys (A %u times, B %u times)", h.n_surveys, n_a,
                n_b);
    }
    if (want_b_active &&
        (n_b != 1 || h.surveys[0].fingerprint != f->pk_b.fingerprint ||
         !(h.surveys[0].flags & CND_MSG_SURVEY_ACTIVE))) {
        g_total.lost++;
        failure(where, "the pushed survey is not the active one although push said it was");
    }
}

static int push_point(fx_t *f, const variant_t *v, uint32_t at)
{
    cnd_link_fault_t lf;
    cnd_err_t err = {{0}};
    char where[96];
    cnd_status_t st;

    snprintf(where, sizeof where, "push ");
    spec_name(v, at, where + 5, sizeof where - 5);
    begin_point(f, &lf, v, at);
    st = push_once(f, &lf, &err);
    if (!lf.fired)
        return 0;
    count_point(where, v, st, &err);
    check_packs(f, where, st == CND_OK);
    check_state(f, where, 0); /* the pending responses are all still there */
    /* Recovery: push again if it failed, then sync. */
    if (st != CND_OK && (st = push_once(f, NULL, &err)) != CND_OK)
        failure(where, "pushing again after the fault failed: %s", err.msg);
    check_packs(f, where, 1);
    if (sync_once(f, NULL, &err) != CND_OK)
        failure(where, "the sync after the push failed: %s", err.msg);
    check_state(f, where, 1);
    return 1;
}

/* Runs every variant at every frame; returns the frame count of a clean run. */
static unsigned every_point(fx_t *f, int (*point)(fx_t *, const variant_t *, uint32_t))
{
    size_t k;
    unsigned frames = 0;
    for (k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        uint32_t at = 1;
        while (point(f, &variants[k], at))
            at++;
        if (k == 0)
            frames = at - 1;
        else if (at - 1 != frames)
            failure("every point", "%s hit %u frames, drop hit %u",
                    cnd_lf_kind_name(variants[k].kind), at - 1, frames);
    }
    return frames;
}

/* ---- tests ---- */

static void every_link_fault_at_every_frame_of_a_three_batch_sync_loses_and_duplicates_nothing(
    void **state)
{
    fx_t *f = *state;
    unsigned before = g_total.points, failures = g_total.failures, frames;
    make_image(f, N_SYNC);
    frames = every_point(f, sync_point);
    print_message("sync of %d responses: %u frames x %zu faults = %u points\n", N_SYNC, frames,
                  sizeof variants / sizeof variants[0], g_total.points - before);
    /* HELLO, pack chunks, then 3 batches of at least PULL_BEGIN, PULL_DATA, ACK */
    assert_true(frames >= 2 * (1 + 1 + 3 * 3 + 2));
    g_reported = g_total.failures;
    if (g_total.failures > failures)
        fail_msg("%u problems; first: %s", g_total.failures - failures, g_total.first_failure);
}

static void every_link_fault_at_every_frame_of_a_push_keeps_every_pending_response(void **state)
{
    fx_t *f = *state;
    unsigned before = g_total.points, failures = g_total.failures, frames;
    make_image(f, N_PUSH);
    frames = every_point(f, push_point);
    print_message("push of a %zu-byte pack with %d pending: %u frames x %zu faults = %u points\n",
                  f->len_b, N_PUSH, frames, sizeof variants / sizeof variants[0],
                  g_total.points - before);
    assert_true(frames >= 2 * 3); /* PUSH_BEGIN, PUSH_DATA, PUSH_COMMIT */
    g_reported = g_total.failures;
    if (g_total.failures > failures)
        fail_msg("%u problems; first: %s", g_total.failures - failures, g_total.first_failure);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            every_link_fault_at_every_frame_of_a_three_batch_sync_loses_and_duplicates_nothing,
            setup, teardown),
        cmocka_unit_test_setup_teardown(
            every_link_fault_at_every_frame_of_a_push_keeps_every_pending_response, setup,
            teardown),
    };
    const char *out = getenv("LF_RESULTS");
    int rc;
    if (out != NULL)
        remove(out); /* a stale result must never stand in for this run */
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("linkfault[in-process]: %u fault points, %u lost, %u duplicated (%u garbage, %u "
           "misplaced)\n",
           g_total.points, g_total.lost, g_total.duplicated, g_total.garbage, g_total.misplaced);
    if (out != NULL) {
        FILE *fp = fopen(out, "w");
        if (fp != NULL) {
            /* points lost duplicated failed(0/1): tests/linkfault/summary.sh */
            fprintf(fp, "%u %u %u %d\n", g_total.points, g_total.lost, g_total.duplicated,
                    rc != 0 || g_total.garbage + g_total.misplaced > 0);
            fclose(fp);
        }
    }
    return rc;
}
