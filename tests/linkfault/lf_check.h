/*
 * lf_check.h: what the link-fault tests know and check, shared by the
 * in-process test (test_link_faults.c) and the helper the process-level
 * scripts use (lf_tool.c).
 *
 * Owns: a deterministic set of saved responses (the same seed gives the
 * same ids and answers in every process), putting them on a device store,
 * and the invariants after a fault:
 *   lost        a saved response neither in the host store nor pending
 *               on the device
 *   duplicated  a stored copy beyond the first of one response id
 *   garbage     a stored response nobody saved, one whose answers differ
 *               from what was saved, an unreadable .cnb, or a response
 *               directory without its pack
 *   misplaced   the device's pending responses are not exactly the saved
 *               ones after the last acknowledged one ("the unacked rest")
 *
 * The host store is read here with an independent reader written from
 * formats/SPEC.md section 8.2, not with host/store/hoststore.c: the code under
 * test must not grade itself, and hoststore refuses a store with a repeated
 * id, which would hide how many duplicates there are.
 *
 * Never: used outside tests. RAM: heap, a few hundred KB per tally.
 */
#ifndef LF_CHECK_H
#define LF_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "response.h"
#include "store.h"

#define LF_MAX_SAVED 600

typedef struct {
    size_t stored;     /* distinct saved responses found in the host store */
    size_t pending;    /* responses pending on the device */
    size_t lost, duplicated, garbage, misplaced;
    char first[256];   /* the first problem, in words */
} lf_tally_t;

/* Compiles surveys/domestic-work.json; survey_version != 1 gives another
 * pack (another fingerprint) of the same survey. 0 or -1 (message on stderr). */
int lf_compile_survey(uint16_t survey_version, uint8_t *out, size_t cap, size_t *len);

/* Response number i (from 0) of the deterministic set for seed: a random
 * id and a valid answer to every item of pk. */
void lf_make_response(const cnd_pack_t *pk, uint32_t seed, uint32_t i, cnd_response_t *r);

/* Installs pack[0..len) on a mounted store and makes it active. */
cnd_status_t lf_install_pack(cnd_store_t *st, const uint8_t *pack, size_t len);

/* Compares saved[0..n) with the host store in dir and the device's
 * pending responses (dev may be NULL: then nothing is pending). A missing
 * store directory holds nothing. Returns 0 when nothing is lost,
 * duplicated, garbage or misplaced. */
int lf_check(const cnd_response_t *saved, size_t n, cnd_store_t *dev, const char *dir,
             lf_tally_t *t);

/* rm -rf path (tests only); 0 or -1. */
int lf_remove_tree(const char *path);

#endif
