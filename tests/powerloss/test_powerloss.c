/* test_powerloss.c: power fails at every flash operation of a device's
 * life (two surveys, 320 interviews, syncs, pushes, the log wrapped and
 * reclaimed several times), and nothing a person was told is ever lost,
 * doubled or garbled; the device always boots and carries on. Also: wear
 * stays even over a long life.
 *
 * Prints one summary line:
 *   powerloss: N cut points, 0 lost, 0 duplicated, 0 corrupt, 0 unbootable
 * where N is the number of flash write operations (progs and erases) of the
 * uncut life. Each cut point runs twice: the cut program torn as a prefix
 * of its bytes, and as a random subset of its bits (erases likewise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "life.h"

/* 1 KiB blocks and an 8-block log: 320 interviews wrap it several times
 * (8, not 6: a sealed record plus the EPOCH entry each block needs leave
 * a 6 KiB log too little slack for the longest run between syncs). */
static const pl_config_t life_cfg = {1024, 8, 1};

typedef struct {
    uint32_t runs, lost, duplicated, corrupt, unbootable, wear_min, wear_max;
    unsigned shown;
} tally_t;

static void add(tally_t *t, const pl_result_t *r, uint32_t cut, const char *torn)
{
    t->runs++;
    t->lost += r->lost;
    t->duplicated += r->duplicated;
    t->corrupt += r->corrupt;
    t->unbootable += r->unbootable;
    if (r->wear_min < t->wear_min)
        t->wear_min = r->wear_min;
    if (r->wear_max > t->wear_max)
        t->wear_max = r->wear_max;
    if (r->problem[0] != '\0' && t->shown++ < 10)
        printf("cut at op %u (%s): %s\n", cut, torn, r->problem);
}

static void every_power_cut_in_a_device_life_loses_nothing(void **state)
{
    char err[256];
    pl_life_t *L = pl_life_new(&life_cfg, err, sizeof err);
    pl_result_t ref, r;
    tally_t t = {0, 0, 0, 0, 0, UINT32_MAX, 0, 0};
    uint32_t n, i, stride = 1;
    const char *env = getenv("CND_POWERLOSS_STRIDE"); /* development only: a quick look */
    time_t t0 = time(NULL);
    (void)state;
    if (L == NULL)
        fail_msg("%s", err);
    if (pl_life_run(L, NULL, 0, CND_TORN_PREFIX, 0, &ref) != 0)
        fail_msg("the uncut life fails: %s", ref.problem);
    n = ref.ops;
    printf("life: %u interviews, %u responses synced, %u flash write ops, "
           "log blocks erased %u..%u times (uncut)\n",
           ref.interviews, ref.responses, n, ref.wear_min, ref.wear_max);
    assert_int_equal(ref.responses, ref.interviews);
    assert_true(ref.interviews >= 300);
    assert_true(ref.wear_min >= 2); /* every log block reclaimed at least twice */
    if (env != NULL && atoi(env) > 1)
        stride = (uint32_t)atoi(env);
    for (i = 0; i < n; i += stride) {
        pl_life_run(L, &i, 1, CND_TORN_PREFIX, i, &r);
        add(&t, &r, i, "prefix");
        pl_life_run(L, &i, 1, CND_TORN_BITS, i, &r);
        add(&t, &r, i, "bits");
    }
    printf("runs: %u (torn prefix and torn bits at each cut point) in %lds; log blocks "
           "erased %u..%u times (min..max over all runs)\n",
           t.runs, (long)(time(NULL) - t0), t.wear_min, t.wear_max);
    printf("powerloss: %u cut points, %u lost, %u duplicated, %u corrupt, %u unbootable\n",
           stride == 1 ? n : t.runs / 2, t.lost, t.duplicated, t.corrupt, t.unbootable);
    pl_life_free(L);
    assert_int_equal(t.lost + t.duplicated + t.corrupt + t.unbootable, 0);
    assert_int_equal(stride, 1);
}

static void long_life_keeps_erase_counts_within_twice(void **state)
{
    static const pl_config_t long_cfg = {1024, 8, 8};
    char err[256];
    pl_life_t *L = pl_life_new(&long_cfg, err, sizeof err);
    pl_result_t r;
    (void)state;
    if (L == NULL)
        fail_msg("%s", err);
    if (pl_life_run(L, NULL, 0, CND_TORN_PREFIX, 0, &r) != 0)
        fail_msg("the long life fails: %s", r.problem);
    printf("wear: %u interviews, log blocks erased %u..%u times\n", r.interviews, r.wear_min,
           r.wear_max);
    assert_true(r.wear_min >= 10);
    assert_true(r.wear_max <= 2 * r.wear_min);
    pl_life_free(L);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_power_cut_in_a_device_life_loses_nothing),
        cmocka_unit_test(long_life_keeps_erase_counts_within_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
