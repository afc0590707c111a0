/*
 * coding.h: answer-level indicator coding (issue 15; formats/SPEC.md 1.11).
 *
 * Owns: the fixed vocabulary an answer may signal (the ILO's 11 indicators
 * of forced labour, and the ICLS 2018 dimensions INV and COE), the coding
 * tags that carry it inside a pack's ordinary tag section, and the ICLS
 * 2018 rule that combines it per respondent.
 * Never: invents a name outside the two fixed lists; runs on the device
 * (the device never computes, shows or stores a forced-labour flag).
 * RAM: host only; a few bytes per coded item.
 */
#ifndef CND_CODING_H
#define CND_CODING_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "response.h"

/* Codes 0..10 are the ILO indicators in the ILO's order; then the two
 * ICLS 2018 dimensions. */
#define CND_CODE_INDICATORS 11
#define CND_CODE_INV 11
#define CND_CODE_COE 12
#define CND_CODE_COUNT 13
#define CND_CODE_VIOLENCE 4 /* physical_and_sexual_violence: stricter cell rule */

/* The fixed name of a code ("restriction_of_movement", "INV"), its short
 * form in a pack tag ("I03", "INV") and its English title. */
const char *cnd_code_name(int code);
const char *cnd_code_short(int code);
const char *cnd_code_title(int code);
/* Code of a fixed name, or -1. */
int cnd_code_from_name(const char *name);

/* A pack tag that codes answers: "sig:<short>:<hex mask of choices>" or
 * "sig:<short>:<lo>..<hi>" (integer range). */
#define CND_CODING_TAG_PREFIX "sig:"
int cnd_coding_is_tag(const char *s, size_t len);

typedef struct {
    uint8_t code;
    uint8_t is_range;
    uint32_t mask;      /* choices (bit i = choice i; yes/no: bit 1 = yes) */
    int32_t lo, hi;     /* integer items */
} cnd_coding_rule_t;

/* Writes the tag of one rule; -1 if it does not fit cap. */
int cnd_coding_tag_write(const cnd_coding_rule_t *r, char *out, size_t cap);
/* Parses a coding tag; -1 if s is not a well-formed one. */
int cnd_coding_tag_parse(const char *s, size_t len, cnd_coding_rule_t *out);

/* Every item's rules, read from a pack's tags. */
#define CND_CODING_MAX_RULES CND_MAX_TAGS
typedef struct {
    uint8_t n[CND_MAX_ITEMS];
    cnd_coding_rule_t rule[CND_MAX_ITEMS][CND_CODING_MAX_RULES];
} cnd_coding_t;

void cnd_coding_of_pack(const cnd_pack_t *pk, cnd_coding_t *out);
/* Bit c set when the answer signals code c (an answer, not PNA or not
 * asked, signals nothing otherwise). */
uint16_t cnd_coding_signals(const cnd_coding_t *cd, const cnd_pack_t *pk, uint16_t item,
                            const cnd_answer_t *a);

/*
 * The ICLS 2018 statistic for one respondent: 1 when at least one answer
 * signals INV and at least one answer to ANOTHER item signals COE. An
 * answer coded with both counts as either, never as both: it takes a
 * second item to complete the pair (docs/CODING.md).
 * sig[i] is cnd_coding_signals() of item i.
 */
int cnd_coding_forced_labour(const uint16_t *sig, size_t n_items);

#endif
