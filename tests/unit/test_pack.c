/* test_pack.c: the default survey pack as the device reads it, and a pack
 * reader that refuses every kind of damage without crashing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "compile.h"
#include "pack.h"
#include "relevance.h"
#include "test_key.h"

#define ITEM_LIVES_IN 1
#define ITEM_OUTSIDE_HELP 19
#define ITEM_SLEEPING_PLACE 23

static uint8_t pack[CND_MAX_PACK_SIZE];
static uint32_t pack_len;

static int compile_default(void **state)
{
    cnd_err_t err;
    size_t n = 0;
    (void)state;
    memset(&err, 0, sizeof err);
    if (cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json", cnd_test_office_key(), pack,
                         sizeof pack, &n, &err) != CND_OK) {
        print_error("default survey does not compile: %s\n", err.msg);
        return -1;
    }
    pack_len = (uint32_t)n;
    return 0;
}

static int str_is(cnd_str_t s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

#define assert_str(s, want)                                                                        \
    do {                                                                                           \
        cnd_str_t s_ = (s);                                                                        \
        if (!str_is(s_, want))                                                                     \
            fail_msg("got '%.*s', expected '%s'", (int)s_.len, s_.ptr, want);                      \
    } while (0)

static void default_pack_opens_with_27_items_in_english_and_spanish(void **state)
{
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    assert_int_equal(cnd_pack_item_count(&pk), 27);
    assert_int_equal(cnd_pack_lang_count(&pk), 2);
    assert_str(cnd_pack_survey_id(&pk), "dw-conditions");
    assert_int_equal(cnd_pack_survey_version(&pk), 1);
    assert_str(cnd_pack_lang_code(&pk, 0), "en");
    assert_str(cnd_pack_lang_code(&pk, 1), "es");
    assert_str(cnd_pack_lang_name(&pk, 1), "Espa\xc3\xb1ol");
    assert_true(cnd_pack_title(&pk, 0).len > 0);
    assert_true(cnd_pack_consent(&pk, 1).len > 200);
    assert_true(cnd_pack_referral(&pk, 0).len > 50);
    /* The fingerprint is the CRC trailer, so it names these exact bytes. */
    assert_int_equal(pk.fingerprint, crc32(0L, pack, pack_len - 4));
    assert_true(pack_len <= CND_MAX_PACK_SIZE);
}

static void items_come_in_the_domain_order_with_their_choices(void **state)
{
    static const char *const names[27] = {
        "age_group",   "lives_in",     "origin",      "terms_told",     "terms_differ",
        "recruit_fee", "owe_work_off", "hours_day",   "weekly_rest",    "refuse_extra",
        "night_work",  "paid_how",     "paid_often",  "pay_withheld",   "deductions",
        "pay_vs_min",  "documents",    "leave_house", "contact_family", "outside_help",
        "threats",     "violence",     "sexual_harm", "sleeping_place", "food_care",
        "could_leave", "status_keeps"};
    cnd_pack_t pk;
    cnd_item_t it;
    uint16_t i;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    for (i = 0; i < 27; i++) {
        assert_int_equal(cnd_pack_item(&pk, i, &it), CND_OK);
        assert_str(it.name, names[i]);
        assert_int_equal(cnd_pack_find_item(&pk, names[i], strlen(names[i])), i);
        /* Every item offers "Prefer not to answer" (DOMAIN.md). */
        assert_true(it.flags & CND_ITEM_F_PNA);
        assert_true(cnd_pack_item_label(&pk, i, 0).len > 0);
        assert_true(cnd_pack_item_label(&pk, i, 1).len > 0);
    }
    assert_int_equal(cnd_pack_item(&pk, 0, &it), CND_OK);
    assert_int_equal(it.kind, CND_ITEM_SINGLE);
    assert_int_equal(it.n_choices, 5);
    assert_str(cnd_pack_choice_name(&pk, 0, 0), "under_18");
    assert_str(cnd_pack_choice_label(&pk, 0, 4, 0), "50 or over");
    assert_str(cnd_pack_item_tag(&pk, 0, 0), "QI");
    assert_int_equal(cnd_pack_item(&pk, 20, &it), CND_OK);
    assert_int_equal(it.kind, CND_ITEM_MULTI);
    assert_str(cnd_pack_choice_name(&pk, 20, 3), "none");
    assert_int_equal(cnd_pack_find_item(&pk, "nope", 4), -1);
}

static void sleeping_place_is_asked_only_of_live_in_workers(void **state)
{
    cnd_answer_t answers[CND_MAX_ITEMS];
    cnd_pack_t pk;
    cnd_item_t it;
    int employer;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, ITEM_SLEEPING_PLACE, &it), CND_OK);
    assert_non_null(it.relevance);
    assert_str(cnd_pack_item_relevance_src(&pk, ITEM_SLEEPING_PLACE), "lives_in = 'employer'");
    assert_true(cnd_pack_item_hint(&pk, ITEM_SLEEPING_PLACE, 0).len > 0);
    memset(answers, 0, sizeof answers);
    employer = -1;
    for (int c = 0; c < 2; c++)
        if (str_is(cnd_pack_choice_name(&pk, ITEM_LIVES_IN, (uint8_t)c), "employer"))
            employer = c;
    assert_int_not_equal(employer, -1);

    answers[ITEM_LIVES_IN].state = CND_ANS_VALUE;
    answers[ITEM_LIVES_IN].value = employer;
    assert_int_equal(cnd_relevance_eval(it.relevance, it.relevance_len, answers, 27), 1);
    answers[ITEM_LIVES_IN].value = 1 - employer;
    assert_int_equal(cnd_relevance_eval(it.relevance, it.relevance_len, answers, 27), 0);
    answers[ITEM_LIVES_IN].state = CND_ANS_PNA;
    assert_int_equal(cnd_relevance_eval(it.relevance, it.relevance_len, answers, 27), 0);

    /* Every other item is always asked. */
    for (uint16_t i = 0; i < 27; i++) {
        assert_int_equal(cnd_pack_item(&pk, i, &it), CND_OK);
        if (i != ITEM_SLEEPING_PLACE) {
            assert_null(it.relevance);
            assert_int_equal(cnd_pack_item_relevance_src(&pk, i).len, 0);
        }
    }
}

static void yesno_items_show_the_ui_yes_and_no_in_each_language(void **state)
{
    cnd_pack_t pk;
    cnd_item_t it;
    uint8_t l;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, ITEM_OUTSIDE_HELP, &it), CND_OK);
    assert_int_equal(it.kind, CND_ITEM_YESNO);
    assert_int_equal(it.n_choices, 2);
    assert_str(cnd_pack_choice_name(&pk, ITEM_OUTSIDE_HELP, 0), "no");
    assert_str(cnd_pack_choice_name(&pk, ITEM_OUTSIDE_HELP, 1), "yes");
    for (l = 0; l < 2; l++) {
        cnd_str_t yes = cnd_pack_choice_label(&pk, ITEM_OUTSIDE_HELP, 1, l);
        cnd_str_t ui = cnd_pack_ui(&pk, l, CND_UI_YES);
        assert_int_equal(yes.len, ui.len);
        assert_memory_equal(yes.ptr, ui.ptr, ui.len);
    }
    assert_str(cnd_pack_ui(&pk, 1, CND_UI_YES), "S\xc3\xad");
}

static void every_interface_string_exists_in_every_language(void **state)
{
    cnd_pack_t pk;
    uint8_t l;
    int u;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    for (l = 0; l < 2; l++)
        for (u = 0; u < CND_UI_COUNT; u++)
            assert_true(cnd_pack_ui(&pk, l, (cnd_ui_string_t)u).len > 0);
    assert_str(cnd_pack_ui(&pk, 0, CND_UI_PREFER_NOT), "Prefer not to answer");
    assert_str(cnd_pack_ui(&pk, 1, CND_UI_PREFER_NOT), "Prefiero no responder");
}

static void out_of_range_lookups_give_empty_strings_not_crashes(void **state)
{
    cnd_pack_t pk;
    cnd_item_t it;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, 27, &it), CND_E_RANGE);
    assert_int_equal(cnd_pack_item_label(&pk, 27, 0).len, 0);
    assert_non_null(cnd_pack_item_label(&pk, 27, 0).ptr);
    assert_int_equal(cnd_pack_item_label(&pk, 0, 2).len, 0);
    assert_int_equal(cnd_pack_lang_code(&pk, 2).len, 0);
    assert_int_equal(cnd_pack_ui(&pk, 0, CND_UI_COUNT).len, 0);
    assert_int_equal(cnd_pack_choice_name(&pk, 0, 5).len, 0);
    assert_int_equal(cnd_pack_choice_label(&pk, 0, 0, 9).len, 0);
    assert_int_equal(cnd_pack_item_tag(&pk, 0, 8).len, 0);
    assert_int_equal(cnd_pack_item_hint(&pk, 99, 0).len, 0);
    assert_int_equal(cnd_pack_item_relevance_src(&pk, 99).len, 0);
}

static void identical_texts_are_stored_once(void **state)
{
    cnd_pack_t pk;
    cnd_str_t a, b;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, pack, pack_len), CND_OK);
    /* "No" is a choice label in several items and the ui "no" string. */
    a = cnd_pack_choice_label(&pk, 5, 0, 0);  /* recruit_fee: no */
    b = cnd_pack_choice_label(&pk, 14, 0, 0); /* deductions: no */
    assert_str(a, "No");
    assert_ptr_equal(a.ptr, b.ptr);
    assert_ptr_equal(a.ptr, cnd_pack_ui(&pk, 0, CND_UI_NO).ptr);
}

static void every_flipped_byte_is_refused(void **state)
{
    static uint8_t copy[CND_MAX_PACK_SIZE];
    cnd_pack_t pk;
    uint32_t i;
    int flip;
    (void)state;
    for (flip = 0; flip < 2; flip++) {
        for (i = 0; i < pack_len; i++) {
            memcpy(copy, pack, pack_len);
            copy[i] ^= flip ? 0xFF : 0x01;
            if (cnd_pack_open(&pk, copy, pack_len) == CND_OK)
                fail_msg("pack with byte %u flipped was accepted", i);
            assert_null(pk.buf); /* the view is zeroed on failure */
        }
    }
}

static void truncated_or_padded_packs_are_refused(void **state)
{
    static uint8_t copy[CND_MAX_PACK_SIZE];
    cnd_pack_t pk;
    uint32_t n;
    (void)state;
    for (n = 0; n < pack_len; n++)
        assert_int_not_equal(cnd_pack_open(&pk, pack, n), CND_OK);
    memcpy(copy, pack, pack_len);
    copy[pack_len] = 0;
    assert_int_not_equal(cnd_pack_open(&pk, copy, pack_len + 1), CND_OK);
    assert_int_equal(cnd_pack_open(&pk, NULL, 100), CND_E_TRUNCATED);
}

static void reseal(uint8_t *b, uint32_t len)
{
    uint32_t crc = (uint32_t)crc32(0L, b, len - 4);
    b[len - 4] = (uint8_t)crc;
    b[len - 3] = (uint8_t)(crc >> 8);
    b[len - 2] = (uint8_t)(crc >> 16);
    b[len - 1] = (uint8_t)(crc >> 24);
}

static void wrong_magic_and_other_versions_are_named_as_such(void **state)
{
    static uint8_t copy[CND_MAX_PACK_SIZE];
    cnd_pack_t pk;
    (void)state;
    memcpy(copy, pack, pack_len);
    copy[0] = 'X';
    reseal(copy, pack_len);
    assert_int_equal(cnd_pack_open(&pk, copy, pack_len), CND_E_MAGIC);
    memcpy(copy, pack, pack_len);
    copy[CND_PACK_HDR_VERSION] = CND_PACK_VERSION + 1;
    reseal(copy, pack_len);
    assert_int_equal(cnd_pack_open(&pk, copy, pack_len), CND_E_VERSION);
    memcpy(copy, pack, pack_len);
    copy[pack_len - 1] ^= 0x80;
    assert_int_equal(cnd_pack_open(&pk, copy, pack_len), CND_E_CRC);
}

/* ---- structural damage behind a valid CRC ---- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

typedef struct {
    const char *what;
    cnd_status_t expect;
} damage_t;

static const damage_t damages[] = {
    {"zero items", CND_E_RANGE},
    {"more items than the limit", CND_E_RANGE},
    {"zero languages", CND_E_RANGE},
    {"more languages than the limit", CND_E_RANGE},
    {"reserved header field set", CND_E_RANGE},
    {"item section moved", CND_E_RANGE},
    {"string section longer than the pack", CND_E_RANGE},
    {"total length disagrees", CND_E_INVALID},
    {"survey id points outside the strings", CND_E_RANGE},
    {"unknown item kind", CND_E_INVALID},
    {"single item without choices", CND_E_RANGE},
    {"yesno item with three choices", CND_E_RANGE},
    {"unknown item flag", CND_E_INVALID},
    {"more tags than the limit", CND_E_INVALID},
    {"choice run out of order", CND_E_RANGE},
    {"relevance reads the item itself", CND_E_RANGE},
    {"relevance with an unknown opcode", CND_E_INVALID},
    {"relevance longer than the limit", CND_E_RANGE},
    {"relevance names a choice the item lacks", CND_E_RANGE},
    {"two items with one name", CND_E_INVALID},
    {"two languages with one code", CND_E_INVALID},
    {"control character in the consent text", CND_E_INVALID},
    {"invalid UTF-8 in a label", CND_E_INVALID},
    {"missing label", CND_E_INVALID},
    {"relevance without its source text", CND_E_INVALID},
    {"single item read as a multi in relevance", CND_E_INVALID},
    {"min/max on a non-integer item", CND_E_INVALID},
    {"label reaching past the strings", CND_E_RANGE},
    {"upper-case item name", CND_E_INVALID},
};

/* Applies damage number d to b (a copy of the default pack). */
static void apply_damage(int d, uint8_t *b, const cnd_pack_t *pk)
{
    uint32_t isz = CND_PACK_ITEM_SIZE(pk->n_langs);
    uint8_t *item0 = b + pk->off_items;
    uint8_t *sleeping = b + pk->off_items + ITEM_SLEEPING_PLACE * isz;
    uint8_t *code = b + pk->off_code + get16(sleeping + CND_PACK_ITEM_CODE_OFF);
    uint8_t *lang0 = b + pk->off_langs, *lang1 = lang0 + CND_PACK_LANG_SIZE;
    uint8_t *strings = b + pk->off_strings;

    switch (d) {
    case 0:
        put16(b + CND_PACK_HDR_N_ITEMS, 0);
        break;
    case 1:
        put16(b + CND_PACK_HDR_N_ITEMS, CND_MAX_ITEMS + 1);
        break;
    case 2:
        b[CND_PACK_HDR_N_LANGS] = 0;
        break;
    case 3:
        b[CND_PACK_HDR_N_LANGS] = CND_MAX_LANGS + 1;
        break;
    case 4:
        put16(b + CND_PACK_HDR_RESERVED, 1);
        break;
    case 5:
        put32(b + CND_PACK_HDR_OFF_ITEMS, pk->off_items + 4);
        break;
    case 6:
        put32(b + CND_PACK_HDR_LEN_STRINGS, pk->len_strings + 1);
        break;
    case 7:
        put32(b + CND_PACK_HDR_TOTAL_LEN, pk->len - 1);
        break;
    case 8:
        put16(b + CND_PACK_HDR_SURVEY_ID, 0xFFF0);
        break;
    case 9:
        item0[CND_PACK_ITEM_KIND] = 9;
        break;
    case 10:
        item0[CND_PACK_ITEM_N_CHOICES] = 0;
        break;
    case 11:
        b[pk->off_items + ITEM_OUTSIDE_HELP * isz + CND_PACK_ITEM_N_CHOICES] = 3;
        break;
    case 12:
        item0[CND_PACK_ITEM_FLAGS] |= 0x80;
        break;
    case 13:
        item0[CND_PACK_ITEM_N_TAGS] = CND_MAX_TAGS + 1;
        break;
    case 14:
        put16(item0 + isz + CND_PACK_ITEM_FIRST_CHOICE, 1);
        break;
    case 15:
        code[1] = ITEM_SLEEPING_PLACE;
        break;
    case 16:
        code[0] = 0x7E;
        break;
    case 17:
        put16(sleeping + CND_PACK_ITEM_CODE_LEN, CND_MAX_RELEVANCE_LEN + 1);
        break;
    case 18:
        put32(code + 3, 1u << 5);
        break;
    case 19:
        memcpy(item0 + isz + CND_PACK_ITEM_NAME, item0 + CND_PACK_ITEM_NAME, 4);
        break;
    case 20:
        /* each language's references count from its own string range
         * (SPEC 1.3): write the first code's bytes over the second's */
        assert_int_equal(get16(lang0 + CND_PACK_LANG_CODE + 2), get16(lang1 + CND_PACK_LANG_CODE + 2));
        memcpy(strings + get32(lang1 + CND_PACK_LANG_STR_OFF) + get16(lang1 + CND_PACK_LANG_CODE),
               strings + get32(lang0 + CND_PACK_LANG_STR_OFF) + get16(lang0 + CND_PACK_LANG_CODE),
               get16(lang0 + CND_PACK_LANG_CODE + 2));
        break;
    case 21:
        strings[get16(lang0 + CND_PACK_LANG_CONSENT)] = 0x01;
        break;
    case 22:
        strings[get16(item0 + CND_PACK_ITEM_LABELS)] = 0xFF;
        break;
    case 23:
        put16(item0 + CND_PACK_ITEM_LABELS + 2, 0);
        break;
    case 24:
        put16(sleeping + CND_PACK_ITEM_REL_SRC + 2, 0);
        break;
    case 25:
        code[0] = CND_REL_OP_ANS_MULTI;
        break;
    case 26:
        put32(item0 + CND_PACK_ITEM_MIN, 1);
        break;
    case 27:
        put16(item0 + CND_PACK_ITEM_LABELS, (uint16_t)(pk->len_strings - 1));
        break;
    case 28:
        strings[get16(item0 + CND_PACK_ITEM_NAME)] = 'A';
        break;
    default:
        fail_msg("no damage %d", d);
    }
}

static void structural_damage_behind_a_valid_crc_is_refused(void **state)
{
    static uint8_t copy[CND_MAX_PACK_SIZE];
    cnd_pack_t good, pk;
    size_t d;
    (void)state;
    assert_int_equal(cnd_pack_open(&good, pack, pack_len), CND_OK);
    for (d = 0; d < sizeof damages / sizeof damages[0]; d++) {
        cnd_status_t st;
        memcpy(copy, pack, pack_len);
        apply_damage((int)d, copy, &good);
        reseal(copy, pack_len);
        st = cnd_pack_open(&pk, copy, pack_len);
        if (st != damages[d].expect)
            fail_msg("%s: got '%s', expected '%s'", damages[d].what, cnd_status_str(st),
                     cnd_status_str(damages[d].expect));
        assert_null(pk.buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_pack_opens_with_27_items_in_english_and_spanish),
        cmocka_unit_test(items_come_in_the_domain_order_with_their_choices),
        cmocka_unit_test(sleeping_place_is_asked_only_of_live_in_workers),
        cmocka_unit_test(yesno_items_show_the_ui_yes_and_no_in_each_language),
        cmocka_unit_test(every_interface_string_exists_in_every_language),
        cmocka_unit_test(out_of_range_lookups_give_empty_strings_not_crashes),
        cmocka_unit_test(identical_texts_are_stored_once),
        cmocka_unit_test(every_flipped_byte_is_refused),
        cmocka_unit_test(truncated_or_padded_packs_are_refused),
        cmocka_unit_test(wrong_magic_and_other_versions_are_named_as_such),
        cmocka_unit_test(structural_damage_behind_a_valid_crc_is_refused),
    };
    return cmocka_run_group_tests(tests, compile_default, NULL);
}
