/*
 * relevance.c: validation and evaluation of relevance bytecode
 * (formats/SPEC.md section 2). No allocation, no recursion: one pass over
 * the code with a fixed stack. RAM: see relevance.h.
 */
#include "relevance.h"

#include <stddef.h>

#include "pack.h"

/* Abstract types tracked by the validator. */
enum {
    T_ANS_CHOICE = 1, /* answer of an item with choices (SINGLE/YESNO/MULTI) */
    T_ANS_INT,        /* answer of an item without choices (INTEGER) */
    T_INT,            /* integer constant */
    T_SET,            /* choice-set constant */
    T_BOOL
};

/* Runtime tags used by the evaluator. */
enum { V_MISSING = 1, V_SCALAR, V_MASK, V_INT, V_SET, V_BOOL };

static uint32_t read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Bytes of operand after the opcode, or -1 for an unknown opcode. */
static int operand_size(uint8_t op)
{
    switch (op) {
    case CND_REL_OP_ANS:
    case CND_REL_OP_ANS_MULTI:
        return 1;
    case CND_REL_OP_INT:
    case CND_REL_OP_SET:
        return 4;
    case CND_REL_OP_EQ:
    case CND_REL_OP_NE:
    case CND_REL_OP_LT:
    case CND_REL_OP_GT:
    case CND_REL_OP_IN:
    case CND_REL_OP_AND:
    case CND_REL_OP_OR:
    case CND_REL_OP_NOT:
        return 0;
    default:
        return -1;
    }
}

/* Mask of the valid choice bits for an item with n choices. */
static uint32_t choice_mask(uint8_t n)
{
    return n >= 32 ? 0xFFFFFFFFu : (((uint32_t)1 << n) - 1u);
}

/* Type rule for a comparison: left must be an answer, right a constant of
 * the matching sort. Returns CND_OK if (l, r) is allowed for op. */
static cnd_status_t check_compare(uint8_t op, uint8_t lt, uint8_t litem, uint8_t rt, uint32_t rset,
                                  const uint8_t *n_choices)
{
    if (lt == T_ANS_CHOICE && rt == T_SET) {
        if (op != CND_REL_OP_EQ && op != CND_REL_OP_NE && op != CND_REL_OP_IN)
            return CND_E_INVALID;
        /* A set must name at least one real choice of that item. */
        if (rset == 0 || (rset & ~choice_mask(n_choices[litem])) != 0)
            return CND_E_RANGE;
        return CND_OK;
    }
    if (lt == T_ANS_INT && rt == T_INT) {
        if (op == CND_REL_OP_IN)
            return CND_E_INVALID;
        return CND_OK;
    }
    return CND_E_INVALID;
}

cnd_status_t cnd_relevance_validate(const uint8_t *code, uint16_t len, uint16_t self_index,
                                    const uint8_t *n_choices, uint16_t n_items)
{
    uint8_t type[CND_RELEVANCE_STACK_MAX];
    uint8_t item[CND_RELEVANCE_STACK_MAX]; /* answers: the item; sets: unused */
    uint32_t set[CND_RELEVANCE_STACK_MAX]; /* only for T_SET entries */
    unsigned sp = 0;
    uint16_t pc = 0;

    if (len == 0)
        return CND_OK;
    if (code == NULL || len > CND_MAX_RELEVANCE_LEN || (n_items > 0 && n_choices == NULL))
        return CND_E_INVALID;
    while (pc < len) {
        uint8_t op = code[pc];
        int osz = operand_size(op);
        if (osz < 0)
            return CND_E_INVALID;
        if ((uint32_t)pc + 1u + (uint32_t)osz > len)
            return CND_E_TRUNCATED;
        switch (op) {
        case CND_REL_OP_ANS:
        case CND_REL_OP_ANS_MULTI: {
            uint8_t it = code[pc + 1];
            if (it >= self_index || it >= n_items)
                return CND_E_RANGE;
            if (sp >= CND_RELEVANCE_STACK_MAX)
                return CND_E_INVALID;
            if (op == CND_REL_OP_ANS_MULTI && n_choices[it] == 0)
                return CND_E_INVALID;
            type[sp] = n_choices[it] > 0 ? T_ANS_CHOICE : T_ANS_INT;
            item[sp] = it;
            sp++;
            break;
        }
        case CND_REL_OP_INT:
        case CND_REL_OP_SET:
            if (sp >= CND_RELEVANCE_STACK_MAX)
                return CND_E_INVALID;
            type[sp] = op == CND_REL_OP_INT ? T_INT : T_SET;
            set[sp] = read_u32(code + pc + 1);
            item[sp] = 0;
            sp++;
            break;
        case CND_REL_OP_EQ:
        case CND_REL_OP_NE:
        case CND_REL_OP_LT:
        case CND_REL_OP_GT:
        case CND_REL_OP_IN: {
            cnd_status_t st;
            if (sp < 2)
                return CND_E_INVALID;
            st =
                check_compare(op, type[sp - 2], item[sp - 2], type[sp - 1], set[sp - 1], n_choices);
            if (st != CND_OK)
                return st;
            sp--;
            type[sp - 1] = T_BOOL;
            break;
        }
        case CND_REL_OP_AND:
        case CND_REL_OP_OR:
            if (sp < 2 || type[sp - 1] != T_BOOL || type[sp - 2] != T_BOOL)
                return CND_E_INVALID;
            sp--;
            break;
        default: /* CND_REL_OP_NOT: operand_size() admitted nothing else */
            if (sp < 1 || type[sp - 1] != T_BOOL)
                return CND_E_INVALID;
            break;
        }
        pc = (uint16_t)(pc + 1u + (uint16_t)osz);
    }
    return (sp == 1 && type[0] == T_BOOL) ? CND_OK : CND_E_INVALID;
}

cnd_status_t cnd_relevance_check_kinds(const uint8_t *code, uint16_t len, const uint8_t *kinds,
                                       uint16_t n_items)
{
    uint16_t pc = 0;
    while (pc < len) {
        uint8_t op = code[pc];
        int osz = operand_size(op);
        if (osz < 0 || (uint32_t)pc + 1u + (uint32_t)osz > len)
            return CND_E_INVALID;
        if (op == CND_REL_OP_ANS || op == CND_REL_OP_ANS_MULTI) {
            uint8_t it = code[pc + 1];
            uint8_t k;
            if (it >= n_items)
                return CND_E_RANGE;
            k = kinds[it];
            if (op == CND_REL_OP_ANS_MULTI
                    ? k != CND_ITEM_MULTI
                    : (k != CND_ITEM_SINGLE && k != CND_ITEM_YESNO && k != CND_ITEM_INTEGER))
                return CND_E_INVALID;
        }
        pc = (uint16_t)(pc + 1u + (uint16_t)osz);
    }
    return CND_OK;
}

/* One comparison at run time. A missing answer is always false, whatever
 * the operator: skip logic fails closed (relevance.h). */
static int compare(uint8_t op, uint8_t ltag, int32_t lv, uint8_t rtag, int32_t rv)
{
    int r;
    if (ltag == V_MISSING)
        return 0;
    if (rtag == V_SET) {
        uint32_t set = (uint32_t)rv;
        if (ltag == V_MASK)
            r = ((uint32_t)lv & set) != 0;
        else
            r = lv >= 0 && lv < 32 && ((set >> lv) & 1u) != 0;
        return op == CND_REL_OP_NE ? !r : r;
    }
    switch (op) {
    case CND_REL_OP_EQ:
        return lv == rv;
    case CND_REL_OP_NE:
        return lv != rv;
    case CND_REL_OP_LT:
        return lv < rv;
    case CND_REL_OP_GT:
        return lv > rv;
    default:
        return 0;
    }
}

int cnd_relevance_eval(const uint8_t *code, uint16_t len, const cnd_answer_t *answers,
                       uint16_t n_answers)
{
    int32_t val[CND_RELEVANCE_STACK_MAX];
    uint8_t tag[CND_RELEVANCE_STACK_MAX];
    unsigned sp = 0;
    uint16_t pc = 0;

    if (len == 0)
        return 1;
    /* Validated code cannot fail these checks; they keep a corrupt program
     * from reading outside its buffers, and then the item is skipped. */
    while (pc < len) {
        uint8_t op = code[pc];
        int osz = operand_size(op);
        if (osz < 0 || (uint32_t)pc + 1u + (uint32_t)osz > len)
            return 0;
        switch (op) {
        case CND_REL_OP_ANS:
        case CND_REL_OP_ANS_MULTI: {
            uint8_t it = code[pc + 1];
            if (sp >= CND_RELEVANCE_STACK_MAX)
                return 0;
            if (it < n_answers && answers != NULL && answers[it].state == CND_ANS_VALUE) {
                tag[sp] = op == CND_REL_OP_ANS_MULTI ? V_MASK : V_SCALAR;
                val[sp] = answers[it].value;
            } else {
                tag[sp] = V_MISSING;
                val[sp] = 0;
            }
            sp++;
            break;
        }
        case CND_REL_OP_INT:
        case CND_REL_OP_SET:
            if (sp >= CND_RELEVANCE_STACK_MAX)
                return 0;
            tag[sp] = op == CND_REL_OP_INT ? V_INT : V_SET;
            val[sp] = (int32_t)read_u32(code + pc + 1);
            sp++;
            break;
        case CND_REL_OP_AND:
        case CND_REL_OP_OR:
            if (sp < 2)
                return 0;
            sp--;
            val[sp - 1] =
                op == CND_REL_OP_AND ? (val[sp - 1] && val[sp]) : (val[sp - 1] || val[sp]);
            tag[sp - 1] = V_BOOL;
            break;
        case CND_REL_OP_NOT:
            if (sp < 1)
                return 0;
            val[sp - 1] = !val[sp - 1];
            break;
        default: /* the comparisons */
            if (sp < 2)
                return 0;
            sp--;
            val[sp - 1] = compare(op, tag[sp - 1], val[sp - 1], tag[sp], val[sp]);
            tag[sp - 1] = V_BOOL;
            break;
        }
        pc = (uint16_t)(pc + 1u + (uint16_t)osz);
    }
    return sp == 1 && val[0] != 0;
}
