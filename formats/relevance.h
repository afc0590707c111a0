/*
 * relevance.h: the small stack bytecode for item relevance ("skip logic").
 *
 * Owns: the opcode set, its validation and its evaluation. The compiler
 * (host/survey/compile.c) emits it from source expressions such as
 *   lives_in = 'employer'   and   not (threats in ('none'))
 * The exact opcodes are in formats/SPEC.md section "Relevance bytecode".
 *
 * Semantics, chosen to fail closed for the respondent: a comparison whose
 * item was not answered (not asked, or "prefer not to answer") is false;
 * `not` then inverts it as usual. `in` on a MULTI item is true when any of
 * the listed choices was selected; on SINGLE/YESNO when the value is one of
 * the listed choices. `=` on a MULTI item is true when that choice was
 * selected, `!=` when the item was answered without it.
 *
 * Never: recurses, allocates, or reads an answer at or after the item being
 * evaluated (cnd_relevance_validate() proves this before any evaluation).
 * RAM: a fixed evaluation stack of CND_RELEVANCE_STACK_MAX entries
 * (16 x 5 bytes = 80 bytes) on the C stack; validation uses 16 x 6 bytes.
 */
#ifndef CND_RELEVANCE_H
#define CND_RELEVANCE_H

#include <stdint.h>

#include "cnd_status.h"
#include "response.h"

struct cnd_pack_s_fwd;

/* Opcodes (formats/SPEC.md section 2). Operands follow the opcode byte. */
enum {
    CND_REL_OP_ANS = 0x01,       /* u8 item: answer of a SINGLE/YESNO/INTEGER item */
    CND_REL_OP_ANS_MULTI = 0x02, /* u8 item: answer (bit mask) of a MULTI item */
    CND_REL_OP_INT = 0x03,       /* i32 LE: integer constant */
    CND_REL_OP_SET = 0x04,       /* u32 LE: set of choice indices, bit i = choice i */
    CND_REL_OP_EQ = 0x10,        /* answer = constant */
    CND_REL_OP_NE = 0x11,        /* answer != constant */
    CND_REL_OP_LT = 0x12,        /* integer answer < constant */
    CND_REL_OP_GT = 0x13,        /* integer answer > constant */
    CND_REL_OP_IN = 0x14,        /* answer in choice set */
    CND_REL_OP_AND = 0x20,
    CND_REL_OP_OR = 0x21,
    CND_REL_OP_NOT = 0x22
};

/* Deepest evaluation stack a program may need; validation refuses deeper. */
#define CND_RELEVANCE_STACK_MAX 16

/*
 * Checks that code[0..len) is well formed: known opcodes, operands within
 * len, stack never under/overflows and ends with exactly one boolean, every
 * item operand is < self_index, every choice operand < that item's
 * n_choices (n_choices[] indexed by item; 0 for INTEGER/INFO).
 */
cnd_status_t cnd_relevance_validate(const uint8_t *code, uint16_t len, uint16_t self_index,
                                    const uint8_t *n_choices, uint16_t n_items);

/*
 * Second check, run by cnd_pack_open() after cnd_relevance_validate(): every
 * ANS operand is a SINGLE/YESNO/INTEGER item and every ANS_MULTI operand a
 * MULTI item (kinds[] = cnd_item_kind_t indexed by item). Without it a
 * corrupt pack could make `in` read a choice index as a bit mask.
 */
cnd_status_t cnd_relevance_check_kinds(const uint8_t *code, uint16_t len, const uint8_t *kinds,
                                       uint16_t n_items);

/* Evaluates validated code over the answers so far: 1 = ask, 0 = skip.
 * len == 0 means "always relevant". */
int cnd_relevance_eval(const uint8_t *code, uint16_t len, const cnd_answer_t *answers,
                       uint16_t n_answers);

#endif
