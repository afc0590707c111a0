/*
 * gen.h: the reference workload generator for the benchmarks (issue 7).
 *
 * Owns: reading tools/workload/probabilities.tsv against a compiled pack,
 * drawing responses from it in a fixed, seeded order, and the Shannon
 * entropy of that distribution (the "entropy bound" every encoding is
 * compared with).
 *
 * Model (stated so the entropy is exact for it): the random id is 8 uniform
 * bytes; the language is drawn from @lang; the day starts at @day start and
 * moves one day forward with probability p = span / N per response; every
 * item is drawn independently from its own outcome table when the survey's
 * relevance (cnd_relevance_eval on the answers drawn so far) says it is
 * asked, and is NONE otherwise. So H(response) = 64 bits + H(lang) +
 * H_b(p) + sum over items of P(asked) * H(item table); P(asked) is estimated
 * by Monte Carlo over a separate stream (1 for items without relevance).
 *
 * Never: used by the firmware or the host tool; it is a bench tool (it
 * allocates, prints). RAM: host only, a few KB.
 */
#ifndef CND_WORKLOAD_GEN_H
#define CND_WORKLOAD_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "response.h"

#define GEN_MAX_OUTCOMES 64

typedef struct {
    uint8_t state;  /* cnd_answer_state_t: PNA or VALUE */
    int32_t value;
    double weight;  /* normalised to a probability after loading */
} gen_outcome_t;

typedef struct {
    uint16_t n;
    gen_outcome_t out[GEN_MAX_OUTCOMES];
    double entropy_bits; /* of the table */
    double p_asked;      /* probability the item is relevant */
} gen_item_t;

typedef struct {
    const cnd_pack_t *pk;
    uint16_t n_items;
    gen_item_t items[CND_MAX_ITEMS];
    double lang_p[CND_MAX_LANGS];
    uint16_t day_start;
    uint32_t day_span;
    double p_next_day;
    /* stream state */
    uint64_t rng;
    uint16_t day;
    uint64_t drawn;
} gen_t;

/* Loads the table for pack pk (every item must be listed, every outcome
 * must name a real choice). On failure writes one line into err. */
int gen_load(gen_t *g, const cnd_pack_t *pk, const char *tsv_path, char *err, size_t err_cap);

/* Starts the stream of n responses (n sets p = span / n) from seed, and
 * estimates P(asked) per item. */
void gen_start(gen_t *g, uint64_t seed, uint64_t n);

/* Draws the next response of the stream; r is checked against the pack. */
void gen_next(gen_t *g, cnd_response_t *r);

/* Entropy per response, bits, split for the report. */
typedef struct {
    double id_bits, lang_bits, day_bits, answer_bits, total_bits;
} gen_entropy_t;
void gen_entropy(const gen_t *g, gen_entropy_t *e);

/* splitmix64: the generator's only random source (not for anything secret). */
uint64_t gen_rand64(uint64_t *state);

#endif
