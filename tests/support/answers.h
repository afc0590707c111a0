/*
 * answers.h: test helpers that build answer sets a survey pack could
 * produce, for tests that save responses without typing keys.
 *
 * Owns: the test-side copy of the engine's rule that an item the earlier
 * answers make irrelevant holds no answer (engine.c advance_from), which
 * the record codec (formats/record.h) enforces, and a seeded generator of
 * valid responses for round trips.
 * Never: used by firmware or by `candor`. RAM: none (callers' buffers).
 */
#ifndef CND_TEST_ANSWERS_H
#define CND_TEST_ANSWERS_H

#include <stdint.h>

#include "pack.h"
#include "response.h"

/* Clears (to NONE) every answer of an info screen or of an item that is
 * not relevant given the answers before it, in item order, as the engine
 * does when it moves forward. */
void cnd_test_clear_irrelevant(const cnd_pack_t *pk, cnd_response_t *r);

/* mask made to keep the item's exclusive choices (SPEC 1.4) as the
 * engine does: the other ticks win over an exclusive one ticked with
 * them. Any other kind or a mask that keeps exclusivity is unchanged. */
uint32_t cnd_test_keep_exclusive(const cnd_item_t *it, uint32_t mask);

/* A response to pk drawn from seed: id, day (any u16), language, and for
 * every relevant item a value of its whole range or PNA where offered.
 * With none_per_256 > 0, a relevant item is left NONE with that chance
 * (the engine never does; other producers might). Passes
 * cnd_response_check. */
void cnd_test_random_response(const cnd_pack_t *pk, uint64_t seed, unsigned none_per_256,
                              cnd_response_t *r);

#endif
