/*
 * life.h: a scripted device life for power-loss testing, resumable after
 * any power cut (tests/powerloss).
 *
 * Owns: the script (survey pushes through the sync protocol, interviews
 * keyed into the REAL engine, syncs by the REAL host client over an
 * in-process link into a REAL host store in a temporary directory), the
 * device "reboot" (power back, remount the store, re-init engine and sync
 * on the same flash image), resuming the script from what the people
 * involved were told, and the invariants checked at every reboot and at
 * the end:
 * - every response the interviewer was told was saved is synced exactly
 *   once (lost / duplicated otherwise);
 * - a response in progress at the cut is wholly present or wholly absent;
 *   the interviewer learns which from the home screen's pending count and
 *   asks again only when it is absent, so each interview ends as exactly
 *   one response;
 * - no acknowledged response comes back, no unacknowledged one disappears;
 * - no garbage record reaches the host (every stored response matches the
 *   answers keyed in, compared with an uncut reference run);
 * - the device boots, shows the last survey it was told to install, and
 *   finishes the script every time (unbootable otherwise).
 *
 * How "told" is decided: an interview is saved when SAVED was shown, or
 * when after the cut the home screen's pending count is one more than
 * before the interview (the interviewer checks it); a push or sync is done
 * when the host command returned success. Anything else is done again.
 *
 * Response ids come from the test's RNG and encode (interview, attempt),
 * so every stored or pending response can be traced to a keyed interview.
 *
 * Never: peeks at flash to decide what the script does next; the oracle
 * reads the device only through the store API, as a port would.
 * RAM: host test code; about 300 KB of heap per life (flash image, host
 * state, bookkeeping).
 */
#ifndef PL_LIFE_H
#define PL_LIFE_H

#include <stddef.h>
#include <stdint.h>

#include "flash_fault.h"

typedef struct pl_life pl_life_t;

typedef struct {
    uint32_t block_size;  /* erase block of the emulated chip */
    uint32_t log_blocks;  /* blocks for the response log (the rest: superblock, state, slots) */
    unsigned rounds;      /* 1 = the standard life; more repeat its middle (soak) */
} pl_config_t;

typedef struct {
    uint32_t ops;        /* write ops (progs + erases) of the run, reboots included */
    uint32_t cuts;       /* power cuts that happened */
    uint32_t lost, duplicated, corrupt, unbootable;
    uint32_t wear_min, wear_max; /* erase cycles over the log blocks */
    uint32_t log_blocks;
    uint32_t responses;  /* responses the host store holds at the end */
    uint32_t interviews; /* interviews in the script */
    char problem[512];   /* the first problem found, "" if none */
} pl_result_t;

/* Compiles the two surveys and builds the script. NULL with err filled on failure. */
pl_life_t *pl_life_new(const pl_config_t *cfg, char *err, size_t cap);
void pl_life_free(pl_life_t *L);

/*
 * Runs the life once on a fresh (blank) chip. Power fails at each write-op
 * index in cuts[0..n_cuts) (ascending; indices count every prog and erase
 * since the chip was new, across reboots); the cut op is torn as `torn`
 * says, with randomness from `seed`. The first run must have no cuts: it
 * records the reference answers later runs are compared with.
 * Returns 0 when every invariant held.
 */
int pl_life_run(pl_life_t *L, const uint32_t *cuts, unsigned n_cuts, cnd_torn_mode_t torn,
                uint32_t seed, pl_result_t *res);

#endif
