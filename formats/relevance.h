/*
 * relevance.h: the small stack bytecode for item relevance ("skip logic").
 *
 * Owns: the opcode set, its validation and its evaluation. The compiler
 * (host/compile.c) emits it from source expressions such as
 *   lives_in = 'employer'   and   not (threats in ('none'))
 * The exact opcodes are in formats/SPEC.md section "Relevance bytecode".
 *
 * Semantics, chosen to fail closed for the respondent: a comparison whose
 * item was not answered (not asked, or "prefer not to answer") is false;
 * `not` then inverts it as usual. `in` on a MULTI item is true when any of
 * the listed choices was selected; on SINGLE/YESNO when the value is one of
 * the listed choices.
 *
 * Never: recurses, allocates, or reads an answer at or after the item being
 * evaluated (cnd_relevance_validate() proves this before any evaluation).
 * RAM: a fixed evaluation stack of 16 bytes on the C stack.
 */
#ifndef CND_RELEVANCE_H
#define CND_RELEVANCE_H

#include <stdint.h>

#include "cnd_status.h"
#include "response.h"

struct cnd_pack_s_fwd;

/*
 * Checks that code[0..len) is well formed: known opcodes, operands within
 * len, stack never under/overflows and ends with exactly one boolean, every
 * item operand is < self_index, every choice operand < that item's
 * n_choices (n_choices[] indexed by item; 0 for INTEGER/INFO).
 */
cnd_status_t cnd_relevance_validate(const uint8_t *code, uint16_t len, uint16_t self_index,
                                    const uint8_t *n_choices, uint16_t n_items);

/* Evaluates validated code over the answers so far: 1 = ask, 0 = skip.
 * len == 0 means "always relevant". */
int cnd_relevance_eval(const uint8_t *code, uint16_t len, const cnd_answer_t *answers,
                       uint16_t n_answers);

#endif
