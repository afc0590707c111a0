/* test_relevance.c: skip logic as the respondent meets it, and the
 * validator that keeps a corrupt program from ever running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "pack.h"
#include "relevance.h"

/* Items of the little survey these programs run against:
 * 0 lives_in (single, 2 choices), 1 threats (multi, 4), 2 age (integer),
 * 3 violence (yesno), 4 info screen, 5 the item being evaluated. */
static const uint8_t n_choices[6] = {2, 4, 0, 2, 0, 0};
static const uint8_t kinds[6] = {CND_ITEM_SINGLE, CND_ITEM_MULTI, CND_ITEM_INTEGER,
                                 CND_ITEM_YESNO,  CND_ITEM_INFO,  CND_ITEM_SINGLE};

#define ANS(i) CND_REL_OP_ANS, (i)
#define ANS_MULTI(i) CND_REL_OP_ANS_MULTI, (i)
#define U32(v)                                                                                     \
    (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((uint32_t)(v) >> 24)
#define SET(m) CND_REL_OP_SET, U32(m)
#define INT(v) CND_REL_OP_INT, U32((uint32_t)(int32_t)(v))

static cnd_answer_t answers[6];

static void reset_answers(void)
{
    memset(answers, 0, sizeof answers);
}

static void answer(int item, int32_t value)
{
    answers[item].state = CND_ANS_VALUE;
    answers[item].value = value;
}

static int eval(const uint8_t *code, uint16_t len)
{
    assert_int_equal(cnd_relevance_validate(code, len, 5, n_choices, 6), CND_OK);
    assert_int_equal(cnd_relevance_check_kinds(code, len, kinds, 6), CND_OK);
    return cnd_relevance_eval(code, len, answers, 6);
}

static void item_without_condition_is_always_asked(void **state)
{
    (void)state;
    reset_answers();
    assert_int_equal(cnd_relevance_validate(NULL, 0, 0, NULL, 0), CND_OK);
    assert_int_equal(cnd_relevance_eval(NULL, 0, answers, 6), 1);
}

static void equals_choice_asks_only_when_that_choice_was_given(void **state)
{
    static const uint8_t code[] = {ANS(0), SET(1u << 0), CND_REL_OP_EQ};
    (void)state;
    reset_answers();
    answer(0, 0);
    assert_int_equal(eval(code, sizeof code), 1);
    answer(0, 1);
    assert_int_equal(eval(code, sizeof code), 0);
}

static void unanswered_or_prefer_not_makes_every_comparison_false(void **state)
{
    static const uint8_t eq[] = {ANS(0), SET(1u), CND_REL_OP_EQ};
    static const uint8_t ne[] = {ANS(0), SET(1u), CND_REL_OP_NE};
    static const uint8_t lt[] = {ANS(2), INT(18), CND_REL_OP_LT};
    static const uint8_t not_eq [] = {ANS(0), SET(1u), CND_REL_OP_EQ, CND_REL_OP_NOT};
    (void)state;
    reset_answers();
    assert_int_equal(eval(eq, sizeof eq), 0);
    assert_int_equal(eval(ne, sizeof ne), 0);
    assert_int_equal(eval(lt, sizeof lt), 0);
    /* `not` still inverts: "not (lives_in = employer)" asks the unanswered. */
    assert_int_equal(eval(not_eq, sizeof not_eq), 1);
    answers[0].state = CND_ANS_PNA;
    answers[2].state = CND_ANS_PNA;
    assert_int_equal(eval(eq, sizeof eq), 0);
    assert_int_equal(eval(ne, sizeof ne), 0);
    assert_int_equal(eval(lt, sizeof lt), 0);
}

static void in_on_multi_is_true_when_any_listed_choice_was_ticked(void **state)
{
    static const uint8_t code[] = {ANS_MULTI(1), SET((1u << 0) | (1u << 2)), CND_REL_OP_IN};
    (void)state;
    reset_answers();
    answer(1, 1 << 2);
    assert_int_equal(eval(code, sizeof code), 1);
    answer(1, (1 << 1) | (1 << 3));
    assert_int_equal(eval(code, sizeof code), 0);
}

static void equals_on_multi_means_that_choice_was_ticked(void **state)
{
    static const uint8_t eq[] = {ANS_MULTI(1), SET(1u << 3), CND_REL_OP_EQ};
    static const uint8_t ne[] = {ANS_MULTI(1), SET(1u << 3), CND_REL_OP_NE};
    (void)state;
    reset_answers();
    answer(1, (1 << 3) | (1 << 0));
    assert_int_equal(eval(eq, sizeof eq), 1);
    assert_int_equal(eval(ne, sizeof ne), 0);
    answer(1, 1 << 0);
    assert_int_equal(eval(eq, sizeof eq), 0);
    assert_int_equal(eval(ne, sizeof ne), 1);
}

static void in_on_single_and_yesno_tests_the_answer_value(void **state)
{
    static const uint8_t single[] = {ANS(0), SET(3u), CND_REL_OP_IN};
    static const uint8_t yes[] = {ANS(3), SET(1u << 1), CND_REL_OP_EQ};
    (void)state;
    reset_answers();
    answer(0, 1);
    assert_int_equal(eval(single, sizeof single), 1);
    answer(3, 1);
    assert_int_equal(eval(yes, sizeof yes), 1);
    answer(3, 0);
    assert_int_equal(eval(yes, sizeof yes), 0);
}

static void integer_comparisons_follow_the_number(void **state)
{
    static const uint8_t lt[] = {ANS(2), INT(18), CND_REL_OP_LT};
    static const uint8_t gt[] = {ANS(2), INT(-1), CND_REL_OP_GT};
    static const uint8_t eq[] = {ANS(2), INT(17), CND_REL_OP_EQ};
    static const uint8_t ne[] = {ANS(2), INT(17), CND_REL_OP_NE};
    (void)state;
    reset_answers();
    answer(2, 17);
    assert_int_equal(eval(lt, sizeof lt), 1);
    assert_int_equal(eval(gt, sizeof gt), 1);
    assert_int_equal(eval(eq, sizeof eq), 1);
    assert_int_equal(eval(ne, sizeof ne), 0);
    answer(2, 18);
    assert_int_equal(eval(lt, sizeof lt), 0);
    assert_int_equal(eval(ne, sizeof ne), 1);
}

static void and_or_not_combine_as_written(void **state)
{
    /* lives_in = 0 and not (threats in {3}) */
    static const uint8_t code[] = {ANS(0),       SET(1u),       CND_REL_OP_EQ,  ANS_MULTI(1),
                                   SET(1u << 3), CND_REL_OP_IN, CND_REL_OP_NOT, CND_REL_OP_AND};
    /* age < 18 or violence = yes */
    static const uint8_t either[] = {ANS(2),  INT(18),       CND_REL_OP_LT, ANS(3),
                                     SET(2u), CND_REL_OP_EQ, CND_REL_OP_OR};
    (void)state;
    reset_answers();
    answer(0, 0);
    answer(1, 1 << 0);
    assert_int_equal(eval(code, sizeof code), 1);
    answer(1, 1 << 3);
    assert_int_equal(eval(code, sizeof code), 0);
    answer(0, 1);
    answer(1, 1 << 0);
    assert_int_equal(eval(code, sizeof code), 0);

    answer(2, 30);
    answer(3, 0);
    assert_int_equal(eval(either, sizeof either), 0);
    answer(3, 1);
    assert_int_equal(eval(either, sizeof either), 1);
}

static void validator_refuses_malformed_programs(void **state)
{
    static const struct {
        const char *why;
        uint8_t code[24];
        uint16_t len;
        uint16_t self;
        cnd_status_t expect;
    } bad[] = {
        {"reads a later item", {ANS(5), SET(1u), CND_REL_OP_EQ}, 8, 5, CND_E_RANGE},
        {"reads itself", {ANS(0), SET(1u), CND_REL_OP_EQ}, 8, 0, CND_E_RANGE},
        {"unknown opcode", {0x7E}, 1, 5, CND_E_INVALID},
        {"operand cut off", {ANS(0), CND_REL_OP_SET, 1, 0}, 4, 5, CND_E_TRUNCATED},
        {"stack underflow", {CND_REL_OP_AND}, 1, 5, CND_E_INVALID},
        {"two results left",
         {ANS(0), SET(1u), CND_REL_OP_EQ, ANS(0), SET(1u), CND_REL_OP_EQ},
         16,
         5,
         CND_E_INVALID},
        {"result is not a boolean", {ANS(0)}, 2, 5, CND_E_INVALID},
        {"choice beyond the item's choices",
         {ANS(0), SET(1u << 2), CND_REL_OP_EQ},
         8,
         5,
         CND_E_RANGE},
        {"empty choice set", {ANS(0), SET(0u), CND_REL_OP_IN}, 8, 5, CND_E_RANGE},
        {"< on a choice item", {ANS(0), INT(1), CND_REL_OP_LT}, 8, 5, CND_E_INVALID},
        {"in on an integer item", {ANS(2), INT(1), CND_REL_OP_IN}, 8, 5, CND_E_INVALID},
        {"integer compared with a choice set",
         {ANS(2), SET(1u), CND_REL_OP_EQ},
         8,
         5,
         CND_E_INVALID},
        {"constant on the left", {SET(1u), ANS(0), CND_REL_OP_EQ}, 8, 5, CND_E_INVALID},
        {"multi read of an item without choices",
         {ANS_MULTI(2), INT(1), CND_REL_OP_EQ},
         8,
         5,
         CND_E_INVALID},
        {"and of non-booleans", {ANS(0), SET(1u), CND_REL_OP_AND}, 8, 5, CND_E_INVALID},
        {"not of a value", {ANS(0), CND_REL_OP_NOT}, 3, 5, CND_E_INVALID},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cnd_status_t st =
            cnd_relevance_validate(bad[i].code, bad[i].len, bad[i].self, n_choices, 6);
        if (st != bad[i].expect)
            fail_msg("program that %s: got %s, expected %s", bad[i].why, cnd_status_str(st),
                     cnd_status_str(bad[i].expect));
    }
}

static void validator_refuses_programs_deeper_or_longer_than_the_device_allows(void **state)
{
    uint8_t code[CND_MAX_RELEVANCE_LEN + 8];
    uint16_t len = 0;
    int i;
    (void)state;
    /* One push more than the stack holds: refused, and nothing is written
     * past the validator's stack (ASan builds would see it). */
    for (i = 0; i < CND_RELEVANCE_STACK_MAX + 1; i++) {
        code[len++] = CND_REL_OP_ANS;
        code[len++] = 0;
    }
    assert_int_not_equal(cnd_relevance_validate(code, len, 5, n_choices, 6), CND_OK);
    assert_int_equal(cnd_relevance_eval(code, len, answers, 6), 0);
    /* A well-formed program one byte over the length limit. */
    memset(code, CND_REL_OP_NOT, sizeof code);
    memcpy(code, (const uint8_t[]){ANS(0), SET(1u), CND_REL_OP_EQ}, 8);
    assert_int_equal(cnd_relevance_validate(code, CND_MAX_RELEVANCE_LEN, 5, n_choices, 6), CND_OK);
    assert_int_not_equal(cnd_relevance_validate(code, CND_MAX_RELEVANCE_LEN + 1, 5, n_choices, 6),
                         CND_OK);
}

static void kind_check_refuses_answers_read_the_wrong_way(void **state)
{
    static const uint8_t single_on_multi[] = {ANS(1), SET(1u), CND_REL_OP_EQ};
    static const uint8_t multi_on_single[] = {ANS_MULTI(0), SET(1u), CND_REL_OP_EQ};
    static const uint8_t info[] = {ANS(4), INT(0), CND_REL_OP_EQ};
    (void)state;
    assert_int_not_equal(
        cnd_relevance_check_kinds(single_on_multi, sizeof single_on_multi, kinds, 6), CND_OK);
    assert_int_not_equal(
        cnd_relevance_check_kinds(multi_on_single, sizeof multi_on_single, kinds, 6), CND_OK);
    assert_int_not_equal(cnd_relevance_check_kinds(info, sizeof info, kinds, 6), CND_OK);
}

static void evaluation_of_garbage_skips_the_item_instead_of_crashing(void **state)
{
    static const uint8_t garbage[] = {CND_REL_OP_AND, 0xFF, CND_REL_OP_SET, 1};
    static const uint8_t beyond[] = {ANS(40), SET(1u), CND_REL_OP_EQ};
    (void)state;
    reset_answers();
    assert_int_equal(cnd_relevance_eval(garbage, sizeof garbage, answers, 6), 0);
    /* An item index past the answers reads as unanswered. */
    assert_int_equal(cnd_relevance_eval(beyond, sizeof beyond, answers, 6), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(item_without_condition_is_always_asked),
        cmocka_unit_test(equals_choice_asks_only_when_that_choice_was_given),
        cmocka_unit_test(unanswered_or_prefer_not_makes_every_comparison_false),
        cmocka_unit_test(in_on_multi_is_true_when_any_listed_choice_was_ticked),
        cmocka_unit_test(equals_on_multi_means_that_choice_was_ticked),
        cmocka_unit_test(in_on_single_and_yesno_tests_the_answer_value),
        cmocka_unit_test(integer_comparisons_follow_the_number),
        cmocka_unit_test(and_or_not_combine_as_written),
        cmocka_unit_test(validator_refuses_malformed_programs),
        cmocka_unit_test(validator_refuses_programs_deeper_or_longer_than_the_device_allows),
        cmocka_unit_test(kind_check_refuses_answers_read_the_wrong_way),
        cmocka_unit_test(evaluation_of_garbage_skips_the_item_instead_of_crashing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
