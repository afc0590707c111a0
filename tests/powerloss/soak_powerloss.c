/* soak_powerloss.c: `make soak`. A longer device life (the standard one
 * with its middle repeated) cut by several power failures at random flash
 * operations per run, torn at random, for a stated time. Same invariants
 * as test_powerloss; also keeps the log's erase counts within 2x.
 *
 *   soak_powerloss [SECONDS [SEED]]     (default 300 s, seed from the clock)
 *
 * Prints the seed first so any failure can be replayed, and one summary:
 *   powerloss soak: R runs, C cuts, 0 lost, 0 duplicated, 0 corrupt, 0 unbootable
 * Exit 0 only if every count but R and C is zero. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "life.h"

static uint32_t next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const pl_config_t cfg = {1024, 8, 4};
    long seconds = argc > 1 ? atol(argv[1]) : 300;
    uint32_t seed = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : (uint32_t)time(NULL);
    uint32_t rng = seed ? seed : 1, runs = 0, cuts = 0, lost = 0, dup = 0, corrupt = 0, unboot = 0;
    uint32_t wear_bad = 0;
    char err[256];
    pl_result_t r;
    pl_life_t *L = pl_life_new(&cfg, err, sizeof err);
    time_t end = time(NULL) + seconds;

    printf("powerloss soak: seed %u, %ld s\n", seed, seconds);
    if (L == NULL) {
        fprintf(stderr, "soak_powerloss: %s\n", err);
        return 1;
    }
    if (pl_life_run(L, NULL, 0, CND_TORN_PREFIX, 0, &r) != 0) {
        fprintf(stderr, "soak_powerloss: the uncut life fails: %s\n", r.problem);
        return 1;
    }
    printf("powerloss soak: uncut life: %u interviews, %u flash write ops, log blocks erased "
           "%u..%u times\n",
           r.interviews, r.ops, r.wear_min, r.wear_max);
    if (r.wear_max > 2 * r.wear_min)
        wear_bad++;
    while (time(NULL) < end) {
        uint32_t cut[6], n = 1 + next(&rng) % 6, i, span = r.ops + r.ops / 8;
        cnd_torn_mode_t torn = (cnd_torn_mode_t)(next(&rng) % 2);
        pl_result_t c;
        for (i = 0; i < n; i++)
            cut[i] = next(&rng) % span;
        qsort(cut, n, sizeof cut[0], cmp_u32);
        pl_life_run(L, cut, n, torn, next(&rng), &c);
        runs++;
        cuts += c.cuts;
        lost += c.lost;
        dup += c.duplicated;
        corrupt += c.corrupt;
        unboot += c.unbootable;
        if (c.wear_max > 2 * c.wear_min + 1) /* a cut can cost one extra erase */
            wear_bad++;
        if (c.problem[0] != '\0')
            printf("powerloss soak: run %u (%u cuts from op %u, %s): %s\n", runs, n, cut[0],
                   torn == CND_TORN_BITS ? "bits" : "prefix", c.problem);
    }
    printf("powerloss soak: wear over the log within 2x: %s\n", wear_bad ? "NO" : "yes");
    printf("powerloss soak: %u runs, %u cuts, %u lost, %u duplicated, %u corrupt, %u unbootable\n",
           runs, cuts, lost, dup, corrupt, unboot);
    pl_life_free(L);
    return lost || dup || corrupt || unboot || wear_bad ? 1 : 0;
}
