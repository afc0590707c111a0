/* test_compile.c: what a survey author sees from the compiler: good sources
 * become packs that behave as written, and every defect is one line naming
 * the JSON path and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile.h"
#include "pack.h"
#include "relevance.h"
#include "test_key.h"

/* Test sources are written with ` for " so they stay readable in C. */
static char *dq(const char *s)
{
    char *d = strdup(s), *p;
    for (p = d; *p; p++)
        if (*p == '`')
            *p = '"';
    return d;
}

#define HEAD_EN                                                                                    \
    "{`id`:`t`,`version`:1,`languages`:[{`code`:`en`,`name`:`English`}],"                          \
    "`title`:{`en`:`T`},`consent`:{`en`:`C`},`referral`:{`en`:`R`},"

#define LIVES_IN                                                                                   \
    "{`name`:`lives_in`,`kind`:`single`,`label`:{`en`:`Where?`},`choices`:["                       \
    "{`name`:`employer`,`label`:{`en`:`Employer`}},{`name`:`elsewhere`,`label`:{`en`:`Else`}}]}"
#define THREATS                                                                                    \
    "{`name`:`threats`,`kind`:`multiple`,`label`:{`en`:`Threats?`},`choices`:["                    \
    "{`name`:`police`,`label`:{`en`:`Police`}},{`name`:`none`,`label`:{`en`:`None`}}]}"
#define AGE "{`name`:`age`,`kind`:`integer`,`label`:{`en`:`Age`},`min`:0,`max`:120}"
#define HURT "{`name`:`hurt`,`kind`:`yesno`,`label`:{`en`:`Hurt?`}}"
#define INFO "{`name`:`intro`,`kind`:`info`,`label`:{`en`:`Hello`}}"
#define ASKED(rel) "{`name`:`x`,`kind`:`yesno`,`label`:{`en`:`X`},`relevant`:`" rel "`}"

static uint8_t out[CND_MAX_PACK_SIZE];
static size_t out_len;
static cnd_err_t err;

static cnd_status_t compile_text(const char *backticked)
{
    char *json = dq(backticked);
    cnd_status_t st;
    memset(&err, 0, sizeof err);
    st = cnd_compile_json(json, strlen(json), cnd_test_office_key(), out, sizeof out, &out_len,
                          &err);
    free(json);
    return st;
}

/* Compiles HEAD_EN + items; returns the status. */
static cnd_status_t compile_items(const char *items)
{
    static char doc[1 << 20];
    snprintf(doc, sizeof doc, "%s`items`:[%s]}", HEAD_EN, items);
    return compile_text(doc);
}

static void assert_error(cnd_status_t st, const char *expect)
{
    if (st == CND_OK)
        fail_msg("compiled, but expected an error containing \"%s\"", expect);
    if (strstr(err.msg, expect) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, expect);
    if (strchr(err.msg, '\n') != NULL)
        fail_msg("error is more than one line: \"%s\"", err.msg);
    assert_int_equal(out_len, 0);
}

/* Evaluates the relevance of the last item of the compiled pack. */
static int last_item_asked(const cnd_answer_t *answers, uint16_t n)
{
    cnd_pack_t pk;
    cnd_item_t it;
    assert_int_equal(cnd_pack_open(&pk, out, (uint32_t)out_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, (uint16_t)(pk.n_items - 1), &it), CND_OK);
    return cnd_relevance_eval(it.relevance, it.relevance_len, answers, n);
}

static void set_answer(cnd_answer_t *a, int32_t value)
{
    a->state = CND_ANS_VALUE;
    a->value = value;
}

static void default_survey_compiles_to_the_same_bytes_every_time(void **state)
{
    static uint8_t again[CND_MAX_PACK_SIZE];
    size_t n1 = 0, n2 = 0;
    (void)state;
    memset(&err, 0, sizeof err);
    assert_int_equal(cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json",
                                      cnd_test_office_key(), out, sizeof out, &n1, &err),
                     CND_OK);
    assert_int_equal(cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json",
                                      cnd_test_office_key(), again, sizeof again, &n2, &err),
                     CND_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(out, again, n1);
    assert_true(n1 <= CND_MAX_PACK_SIZE);
}

static void compound_relevance_asks_exactly_when_written(void **state)
{
    cnd_answer_t a[3];
    (void)state;
    assert_int_equal(compile_items(LIVES_IN "," THREATS "," ASKED(
                         "lives_in = 'employer' and not (threats in ('none'))")),
                     CND_OK);
    memset(a, 0, sizeof a);
    set_answer(&a[0], 0);
    set_answer(&a[1], 1 << 0); /* police */
    assert_int_equal(last_item_asked(a, 3), 1);
    set_answer(&a[1], 1 << 1); /* none */
    assert_int_equal(last_item_asked(a, 3), 0);
    a[1].state = CND_ANS_PNA; /* unanswered: `in` false, `not` true */
    assert_int_equal(last_item_asked(a, 3), 1);
    set_answer(&a[0], 1);
    assert_int_equal(last_item_asked(a, 3), 0);
}

static void and_binds_tighter_than_or(void **state)
{
    cnd_answer_t a[4];
    (void)state;
    assert_int_equal(compile_items(LIVES_IN "," HURT "," AGE "," ASKED(
                         "lives_in = 'employer' or hurt = 'yes' and age > 17")),
                     CND_OK);
    memset(a, 0, sizeof a);
    set_answer(&a[0], 0);  /* employer */
    set_answer(&a[1], 0);  /* no */
    set_answer(&a[2], 10); /* (a or b) and c would be false */
    assert_int_equal(last_item_asked(a, 4), 1);
    set_answer(&a[0], 1);
    set_answer(&a[1], 1);
    set_answer(&a[2], 18);
    assert_int_equal(last_item_asked(a, 4), 1);
    set_answer(&a[2], 17);
    assert_int_equal(last_item_asked(a, 4), 0);
}

static void not_binds_tighter_than_and(void **state)
{
    cnd_answer_t a[3];
    (void)state;
    assert_int_equal(
        compile_items(LIVES_IN "," HURT "," ASKED("not lives_in = 'employer' and hurt = 'yes'")),
        CND_OK);
    memset(a, 0, sizeof a);
    set_answer(&a[0], 1); /* elsewhere: not (a) is true */
    set_answer(&a[1], 0); /* not (a and b) would be true */
    assert_int_equal(last_item_asked(a, 3), 0);
    set_answer(&a[1], 1);
    assert_int_equal(last_item_asked(a, 3), 1);
}

static void integer_and_not_equal_conditions_compile(void **state)
{
    cnd_answer_t a[2];
    (void)state;
    assert_int_equal(compile_items(AGE "," ASKED("age < 18")), CND_OK);
    memset(a, 0, sizeof a);
    set_answer(&a[0], 17);
    assert_int_equal(last_item_asked(a, 2), 1);
    set_answer(&a[0], 18);
    assert_int_equal(last_item_asked(a, 2), 0);
    assert_int_equal(compile_items(LIVES_IN "," ASKED("lives_in != 'employer'")), CND_OK);
    set_answer(&a[0], 1);
    assert_int_equal(last_item_asked(a, 2), 1);
    a[0].state = CND_ANS_PNA;
    assert_int_equal(last_item_asked(a, 2), 0);
}

static void ui_overrides_replace_only_what_they_name(void **state)
{
    cnd_pack_t pk;
    cnd_str_t s;
    (void)state;
    assert_int_equal(
        compile_text(HEAD_EN "`ui`:{`en`:{`prefer_not`:`Skip this`}},`items`:[" HURT "]}"), CND_OK);
    assert_int_equal(cnd_pack_open(&pk, out, (uint32_t)out_len), CND_OK);
    s = cnd_pack_ui(&pk, 0, CND_UI_PREFER_NOT);
    assert_int_equal(s.len, 9);
    assert_memory_equal(s.ptr, "Skip this", 9);
    s = cnd_pack_ui(&pk, 0, CND_UI_SAVE);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.ptr, "Save", 4);
}

static void a_language_without_builtin_ui_needs_every_ui_string(void **state)
{
    static const char *const keys[] = {
        "prefer_not",     "yes",            "no",            "agree",          "decline",
        "next",           "review_title",   "save",          "change",         "withdraw",
        "saved",          "not_saved",      "start",         "referral_title", "handover_title",
        "handover_body",  "handback_title", "handback_body", "pending_one",    "pending_other",
        "more_one",       "more_other",     "storage_warn",  "storage_urgent", "storage_full",
        "confirm_withdraw", "keep",         "delete",        "ineligible",     "draft",
        "choose_language", "done",          "skipped"};
    char doc[8192], ui[4096] = "";
    size_t k;
    cnd_pack_t pk;
    (void)state;
    for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t n = strlen(ui);
        snprintf(ui + n, sizeof ui - n, "%s`%s`:`fr %s`", k ? "," : "", keys[k], keys[k]);
    }
    snprintf(doc, sizeof doc,
             "{`id`:`t`,`version`:2,`languages`:[{`code`:`fr`,`name`:`Fran\xc3\xa7"
             "ais`}],"
             "`title`:{`fr`:`T`},`consent`:{`fr`:`C`},`referral`:{`fr`:`R`},"
             "`ui`:{`fr`:{%s}},`items`:[{`name`:`q`,`kind`:`yesno`,`label`:{`fr`:`Q`}}]}",
             ui);
    assert_int_equal(compile_text(doc), CND_OK);
    assert_int_equal(cnd_pack_open(&pk, out, (uint32_t)out_len), CND_OK);
    assert_int_equal(cnd_pack_survey_version(&pk), 2);
    assert_int_equal(cnd_pack_ui(&pk, 0, CND_UI_SKIPPED).len, strlen("fr skipped"));

    /* Drop the last string: refused, naming what is missing. */
    strcpy(strstr(ui, ",`skipped`"), "");
    snprintf(doc, sizeof doc,
             "{`id`:`t`,`version`:2,`languages`:[{`code`:`fr`,`name`:`Fr`}],"
             "`title`:{`fr`:`T`},`consent`:{`fr`:`C`},`referral`:{`fr`:`R`},"
             "`ui`:{`fr`:{%s}},`items`:[{`name`:`q`,`kind`:`yesno`,`label`:{`fr`:`Q`}}]}",
             ui);
    assert_error(compile_text(doc), "ui.fr: missing 'skipped'");
}

static void prefer_not_can_be_turned_off_per_item(void **state)
{
    cnd_pack_t pk;
    cnd_item_t it;
    (void)state;
    assert_int_equal(compile_items("{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},"
                                   "`prefer_not`:false}," INFO "," HURT),
                     CND_OK);
    assert_int_equal(cnd_pack_open(&pk, out, (uint32_t)out_len), CND_OK);
    assert_int_equal(cnd_pack_item(&pk, 0, &it), CND_OK);
    assert_int_equal(it.flags & CND_ITEM_F_PNA, 0);
    assert_int_equal(cnd_pack_item(&pk, 1, &it), CND_OK);
    assert_int_equal(it.kind, CND_ITEM_INFO);
    assert_int_equal(it.flags, 0);
    assert_int_equal(cnd_pack_item(&pk, 2, &it), CND_OK);
    assert_int_equal(it.flags & CND_ITEM_F_PNA, CND_ITEM_F_PNA);
}

static void source_defects_give_one_line_with_path_and_problem(void **state)
{
    static const struct {
        const char *items;
        const char *expect;
    } cases[] = {
        {"{`name`:`q`,`kind`:`slider`,`label`:{`en`:`Q`}}", "items[0].kind: unknown kind 'slider'"},
        {"{`name`:`q`,`kind`:`text`,`label`:{`en`:`Q`}}",
         "items[0].kind: 'text' would collect identifying data (free text)"},
        {LIVES_IN "," LIVES_IN, "items[1].name: duplicate item name 'lives_in'"},
        {"{`name`:`q`,`kind`:`single`,`label`:{`en`:`Q`},`choices`:[{`name`:`a`,`label`:{`en`:`A`}}"
         ","
         "{`name`:`a`,`label`:{`en`:`B`}}]}",
         "items[0].choices[1].name: duplicate choice name 'a'"},
        {"{`name`:`q`,`kind`:`single`,`label`:{`en`:`Q`},`choices`:[]}",
         "items[0].choices: empty choice list"},
        {"{`name`:`q`,`kind`:`single`,`label`:{`en`:`Q`}}", "items[0]: missing 'choices'"},
        {"{`name`:`q`,`kind`:`integer`,`label`:{`en`:`Q`},`min`:5,`max`:1}",
         "items[0]: min 5 is greater than max 1"},
        {"{`name`:`q`,`kind`:`integer`,`label`:{`en`:`Q`},`min`:0,`max`:99999999}",
         "items[0].max: range 0..99999999 would collect identifying data (a run of digits"},
        {"{`name`:`q`,`kind`:`integer`,`label`:{`en`:`Q`},`min`:0.5,`max`:3}",
         "items[0].min: must be a whole number"},
        {"{`name`:`day`,`kind`:`yesno`,`label`:{`en`:`Q`}}",
         "items[0].name: 'day' is a reserved name"},
        {"{`name`:`phone`,`kind`:`integer`,`label`:{`en`:`Q`},`min`:0,`max`:9}",
         "items[0].name: 'phone' would collect identifying data"},
        {"{`name`:`Lives-In`,`kind`:`yesno`,`label`:{`en`:`Q`}}",
         "items[0].name: 'Lives-In' must match ^[a-z][a-z0-9_]{0,31}$"},
        {"{`name`:`a_name_that_is_far_too_long_for_a_device`,`kind`:`yesno`,`label`:{`en`:`Q`}}",
         "must match"},
        {"{`name`:`q`,`kind`:`yesno`,`lable`:{`en`:`Q`}}", "items[0]: unknown field 'lable'"},
        {"{`name`:`q`,`kind`:`yesno`}", "items[0]: missing 'label'"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:`Q`}", "items[0].label: must be an object"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`,`es`:`P`}}",
         "items[0].label: 'es' is not a declared language"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:``}}",
         "items[0].label.en: must be a non-empty string"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`hint`:{`fr`:`x`}}",
         "items[0].hint: 'fr' is not a declared language"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`choices`:[]}",
         "items[0].choices: not allowed on a yesno item"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`prefer_not`:1}",
         "items[0].prefer_not: must be true or false"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`tags`:[`a`,`b`,`c`,`d`,`e`,`f`,`g`,`h`,`i`"
         "]}",
         "items[0].tags: 9 tags, more than the limit of 8"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`tags`:[`has space`]}",
         "items[0].tags[0]:"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`tags`:[`COE`,`COE`]}",
         "items[0].tags[1]: duplicate tag 'COE'"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`tags`:[`sig:I03:2`]}",
         "items[0].tags[0]: 'sig:I03:2': tags starting with sig: are reserved"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`coding`:{`yes`:[`locked_in`]}}",
         "items[0].coding.yes[0]: unknown indicator 'locked_in'; use one of the ILO's 11"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`coding`:{`maybe`:[`COE`]}}",
         "items[0].coding.maybe: not one of the item's choices"},
        {"{`name`:`q`,`kind`:`integer`,`min`:0,`max`:24,`label`:{`en`:`Q`},"
         "`coding`:{`14..30`:[`excessive_overtime`]}}",
         "items[0].coding.14..30: not a range LO..HI inside the item's min..max"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`coding`:{`yes`:[]}}",
         "items[0].coding.yes: must be a non-empty array of indicator names"},
        {LIVES_IN "," ASKED("lives_in = "),
         "items[1].relevant: column 12: expected a choice of 'lives_in' in quotes"},
        {LIVES_IN "," ASKED("lives_in = 'employer' and"),
         "items[1].relevant: column 26: expected an item name"},
        {LIVES_IN "," ASKED("lives_in == 'employer'"), "items[1].relevant: column 11:"},
        {LIVES_IN "," ASKED("(lives_in = 'employer'"),
         "items[1].relevant: column 23: expected ')'"},
        {LIVES_IN "," ASKED("lives_in = 'employer"), "unterminated quoted choice name"},
        {LIVES_IN "," ASKED("lives_in ! 'employer'"), "'!' must be followed by '='"},
        {LIVES_IN "," ASKED("lives_in = 'employer' hurt"), "expected 'and', 'or' or the end"},
        {LIVES_IN "," ASKED("nobody = 'x'"),
         "items[1].relevant: column 1: 'nobody' is not an item"},
        {ASKED("hurt = 'yes'") "," HURT,
         "items[0].relevant: column 1: 'hurt' is not an earlier item"},
        {LIVES_IN "," ASKED("x = 'yes'"),
         "items[1].relevant: column 1: 'x' refers to the item itself"},
        {LIVES_IN "," ASKED("lives_in = 'boss'"),
         "items[1].relevant: column 13: 'boss' is not a choice of 'lives_in'"},
        {HURT "," ASKED("hurt = 'maybe'"), "'maybe' is not a choice of 'hurt' (use 'yes' or 'no')"},
        {LIVES_IN "," ASKED("lives_in < 3"),
         "items[1].relevant: column 10: '<' needs an integer item; 'lives_in' is single"},
        {AGE "," ASKED("age in ('x')"), "'in' needs an item with choices; 'age' is integer"},
        {AGE "," ASKED("age = 'x'"), "expected a whole number to compare 'age' with"},
        {AGE "," ASKED("age > -x"), "items[1].relevant: column 7: malformed number"},
        {AGE "," ASKED("age > 99999999999"), "malformed number"},
        {INFO "," ASKED("intro = 'x'"), "'intro' is an info screen and has no answer"},
        {LIVES_IN "," ASKED("lives_in in 'employer'"), "expected '(' after 'in'"},
        {"{`name`:`q`,`kind`:`single`,`label`:{`en`:`Q`},`choices`:[{`name`:`pna`,`label`:{`en`:`A`"
         "}}]}",
         "items[0].choices[0].name: 'pna' is reserved"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`relevant`:``}",
         "items[0].relevant: must be a non-empty string"},
        {"{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q\\u0007`}}",
         "items[0].label.en: text must be UTF-8 without control characters"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cnd_status_t st = compile_items(cases[i].items);
        if (st == CND_OK || strstr(err.msg, cases[i].expect) == NULL)
            fail_msg("case %zu: got \"%s\", expected \"%s\"", i, st == CND_OK ? "success" : err.msg,
                     cases[i].expect);
        assert_error(st, cases[i].expect);
    }
}

static void document_level_defects_name_their_place(void **state)
{
    (void)state;
    assert_error(compile_text("{\n  `id`: `t`,\n  `version` 1\n}"),
                 "line 3, column 13: malformed JSON");
    assert_error(compile_text("{`id`:`t`"), "line 1, column 9: malformed JSON");
    assert_error(compile_text(HEAD_EN "`items`:[" HURT "]} x"), "text after the end of the survey");
    assert_error(compile_text("[]"), "(top level): must be an object");
    assert_error(compile_text("{`id`:`t`,`version`:1,`languages`:[{`code`:`en`,`name`:`English`}],"
                              "`consent`:{`en`:`C`},`referral`:{`en`:`R`},`items`:[" HURT "]}"),
                 "(top level): missing 'title'");
    assert_error(compile_text("{`id`:`t`,`version`:`1`}"), "version: must be a whole number");
    assert_error(compile_text("{`id`:`t`,`version`:1e400}"), "version: inf is outside 1..65535");
    assert_error(compile_text("{`id`:`t`,`version`:1.5}"), "version: must be a whole number");
    assert_int_equal(strncmp(err.msg, "version:", 8), 0);
    assert_error(compile_text("{`id`:`Bad Id`,`version`:1}"), "id: 'Bad Id' must match");
    assert_error(compile_text("{`id`:`t`,`version`:1,`languages`:[{`code`:`english`,`name`:`E`}]}"),
                 "languages[0].code: 'english' is not a language code");
    assert_error(compile_text("{`id`:`t`,`version`:1,`languages`:[{`code`:`en`,`name`:`E`},"
                              "{`code`:`en`,`name`:`E`}]}"),
                 "languages[1].code: duplicate language 'en'");
    assert_error(
        compile_text("{`id`:`t`,`version`:1,`languages`:[{`code`:`a1`,`name`:`1`},"
                     "{`code`:`b`,`name`:`2`},{`code`:`c`,`name`:`3`},{`code`:`d`,`name`:`4`},"
                     "{`code`:`e`,`name`:`5`}]}"),
        "languages: 5 languages, more than the limit of 4");
    assert_error(compile_text("{`id`:`t`,`version`:1,`version`:2}"),
                 "field 'version' appears twice");
    assert_error(compile_text(HEAD_EN "`items`:[]}"), "items: empty item list");
    assert_error(compile_text("{`id`:`t`,`version`:1,`languages`:[{`code`:`en`,`name`:`English`},"
                              "{`code`:`es`,`name`:`Espa\xc3\xb1ol`}],`title`:{`en`:`T`,`es`:`T`},"
                              "`consent`:{`en`:`C`,`es`:`C`},`referral`:{`en`:`R`,`es`:`R`},"
                              "`items`:[{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`}}]}"),
                 "items[0].label: missing 'es'");
    assert_error(compile_text(HEAD_EN "`ui`:{`en`:{`prefer_nto`:`x`}},`items`:[" HURT "]}"),
                 "ui.en: unknown field 'prefer_nto'");
}

/* n single-choice items, every label distinct words that fit the screen. */
static void too_much_text(char *items, int n)
{
    char *p = items;
    int i, c;
    for (i = 0; i < n; i++) {
        p += sprintf(p, "%s{`name`:`q%d`,`kind`:`single`,`label`:{`en`:`Question %d`},`choices`:[",
                     i ? "," : "", i, i);
        for (c = 0; c < CND_MAX_CHOICES; c++)
            p += sprintf(p, "%s{`name`:`c%d`,`label`:{`en`:`%d.%d %s`}}", c ? "," : "", c, i, c,
                         "often rarely always never sometimes mostly seldom usually weekly daily "
                         "monthly yearly often rarely always never sometimes mostly seldom "
                         "usually weekly daily monthly");
        p += sprintf(p, "]}");
    }
}

static void limits_are_enforced_with_the_limit_named(void **state)
{
    static char items[1 << 19];
    char *p;
    int i;
    (void)state;

    p = items;
    for (i = 0; i < CND_MAX_ITEMS + 1; i++)
        p += sprintf(p, "%s{`name`:`q%d`,`kind`:`yesno`,`label`:{`en`:`Q`}}", i ? "," : "", i);
    assert_error(compile_items(items), "items: 65 items, more than the limit of 64");

    p = items;
    p += sprintf(p, "{`name`:`q`,`kind`:`single`,`label`:{`en`:`Q`},`choices`:[");
    for (i = 0; i < CND_MAX_CHOICES + 1; i++)
        p += sprintf(p, "%s{`name`:`c%d`,`label`:{`en`:`C`}}", i ? "," : "", i);
    strcpy(p, "]}");
    assert_error(compile_items(items), "items[0].choices: 33 choices, more than the limit of 32");

    p = items;
    p += sprintf(p, "{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`");
    memset(p, 'a', CND_MAX_TEXT_LEN + 1);
    strcpy(p + CND_MAX_TEXT_LEN + 1, "`}}");
    assert_error(compile_items(items),
                 "items[0].label.en: text is 1025 bytes, more than the limit of 1024");

    /* 64 items of 32 choices with distinct 150-byte labels cannot fit in
     * 256 KiB; 8 items of them fit in size but not in a string table. */
    too_much_text(items, CND_MAX_ITEMS);
    assert_error(compile_items(items), "exceed the limit of 262144 bytes");
    too_much_text(items, 16);
    assert_error(compile_items(items), "texts exceed the 65536 bytes a pack's string table");
}

/* Found by fuzz_compile (tests/fuzz/corpus/compile/regress_newline_in_key):
 * a field name with a newline in it was echoed into the message, which
 * then spanned two lines on the coordinator's terminal and in scripts. */
static void a_newline_in_a_field_name_still_gives_one_line(void **state)
{
    (void)state;
    assert_error(compile_items("{`name`:`q`,`kind`:`yesno`,`label`:{`en`:`Q`},`la\nbel`:1}"),
                 "items[0]: unknown field 'la?bel'");
    assert_error(compile_items("{`name`:`q\tx`,`kind`:`yesno`,`label`:{`en`:`Q`}}"),
                 "items[0].name");
}

static void a_too_small_output_buffer_is_reported_not_overrun(void **state)
{
    char *json = dq(HEAD_EN "`items`:[" HURT "]}");
    uint8_t small[64];
    size_t n = 99;
    (void)state;
    memset(&err, 0, sizeof err);
    assert_int_equal(
        cnd_compile_json(json, strlen(json), cnd_test_office_key(), small, sizeof small, &n, &err),
        CND_E_NOSPACE);
    assert_int_equal(n, 0);
    free(json);
}

static void atomic_write_leaves_the_file_or_nothing(void **state)
{
    char dir[] = "/tmp/candor-compile-XXXXXX", path[256];
    static const uint8_t data[] = "pack bytes";
    struct stat sb;
    uint8_t back[32];
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.pack", dir);
    assert_int_equal(cnd_write_file_atomic(path, data, sizeof data, &err), CND_OK);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, sizeof back, f), sizeof data);
    fclose(f);
    assert_memory_equal(back, data, sizeof data);
    unlink(path);

    snprintf(path, sizeof path, "%s/missing/out.pack", dir);
    assert_int_equal(cnd_write_file_atomic(path, data, sizeof data, &err), CND_E_IO);
    assert_non_null(strstr(err.msg, "out.pack"));
    assert_int_not_equal(stat(path, &sb), 0);
    assert_int_equal(rmdir(dir), 0); /* empty: no temp file was left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_survey_compiles_to_the_same_bytes_every_time),
        cmocka_unit_test(compound_relevance_asks_exactly_when_written),
        cmocka_unit_test(and_binds_tighter_than_or),
        cmocka_unit_test(not_binds_tighter_than_and),
        cmocka_unit_test(integer_and_not_equal_conditions_compile),
        cmocka_unit_test(ui_overrides_replace_only_what_they_name),
        cmocka_unit_test(a_language_without_builtin_ui_needs_every_ui_string),
        cmocka_unit_test(prefer_not_can_be_turned_off_per_item),
        cmocka_unit_test(source_defects_give_one_line_with_path_and_problem),
        cmocka_unit_test(document_level_defects_name_their_place),
        cmocka_unit_test(limits_are_enforced_with_the_limit_named),
        cmocka_unit_test(a_newline_in_a_field_name_still_gives_one_line),
        cmocka_unit_test(a_too_small_output_buffer_is_reported_not_overrun),
        cmocka_unit_test(atomic_write_leaves_the_file_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
