/*
 * test_engine.c: the interview as an interviewer and a respondent see it.
 *
 * Each test drives the real engine with key presses, on a real store over a
 * RAM NOR flash, with packs compiled in-process by the real compiler: the
 * default survey (surveys/domestic-work.json) or a small inline one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile.h"
#include "packadmin.h"
#include "open_sealed.h"
#include "engine.h"
#include "pack.h"
#include "ram_flash.h"
#include "store.h"
#include "test_key.h"

/* ------------------------------------------------------------ fixture */

/* A small survey for focused tests: an info screen, a skip, a multi, an
 * integer with a range, a yes/no, and one item without "prefer not". */
static const char mini_json[] =
    "{\"id\": \"mini\", \"version\": 1,"
    " \"languages\": [{\"code\": \"en\", \"name\": \"English\"},"
    "                 {\"code\": \"es\", \"name\": \"Espanol\"}],"
    " \"title\": {\"en\": \"Mini survey\", \"es\": \"Encuesta mini\"},"
    " \"consent\": {\"en\": \"Do you agree?\", \"es\": \"Acepta?\"},"
    " \"referral\": {\"en\": \"Call 100 for help\", \"es\": \"Llame al 100\"},"
    " \"items\": ["
    "  {\"name\": \"intro\", \"kind\": \"info\","
    "   \"label\": {\"en\": \"About work\", \"es\": \"Sobre el trabajo\"}},"
    "  {\"name\": \"lives\", \"kind\": \"single\","
    "   \"label\": {\"en\": \"Where do you live?\", \"es\": \"Donde vive?\"},"
    "   \"choices\": ["
    "    {\"name\": \"employer\", \"label\": {\"en\": \"With employer\", \"es\": \"Con empleador\"}},"
    "    {\"name\": \"elsewhere\", \"label\": {\"en\": \"Elsewhere\", \"es\": \"En otro lugar\"}}]},"
    "  {\"name\": \"room\", \"kind\": \"single\", \"relevant\": \"lives = 'employer'\","
    "   \"label\": {\"en\": \"Where do you sleep?\", \"es\": \"Donde duerme?\"},"
    "   \"choices\": ["
    "    {\"name\": \"lock\", \"label\": {\"en\": \"Own room, lock\", \"es\": \"Cuarto con llave\"}},"
    "    {\"name\": \"shared\", \"label\": {\"en\": \"Shared\", \"es\": \"Compartido\"}}]},"
    "  {\"name\": \"threats\", \"kind\": \"multiple\","
    "   \"label\": {\"en\": \"Threatened with?\", \"es\": \"Amenazado con?\"},"
    "   \"choices\": ["
    "    {\"name\": \"police\", \"label\": {\"en\": \"Police\", \"es\": \"Policia\"}},"
    "    {\"name\": \"dismissal\", \"label\": {\"en\": \"Dismissal\", \"es\": \"Despido\"}},"
    "    {\"name\": \"family\", \"label\": {\"en\": \"Harm to family\", \"es\": \"Familia\"}},"
    "    {\"name\": \"none\", \"label\": {\"en\": \"None\", \"es\": \"Ninguna\"}}]},"
    "  {\"name\": \"years\", \"kind\": \"integer\", \"min\": 2, \"max\": 5,"
    "   \"label\": {\"en\": \"Years in this job\", \"es\": \"Anos en este trabajo\"}},"
    "  {\"name\": \"hurt\", \"kind\": \"yesno\","
    "   \"label\": {\"en\": \"Were you hurt?\", \"es\": \"Le hicieron dano?\"}},"
    "  {\"name\": \"help\", \"kind\": \"yesno\", \"prefer_not\": false,"
    "   \"label\": {\"en\": \"Want the help card?\", \"es\": \"Quiere la tarjeta?\"}}"
    " ]}";

/* Hand-over mode: a private run in the middle (threats, hurt, days), and
 * `help`, asked only when work = 'paid', after it. */
static const char private_json[] =
    "{\"id\": \"priv\", \"version\": 1,"
    " \"languages\": [{\"code\": \"en\", \"name\": \"English\"}],"
    " \"title\": {\"en\": \"Private survey\"},"
    " \"consent\": {\"en\": \"Do you agree?\"},"
    " \"referral\": {\"en\": \"Call 100 for help\"},"
    " \"items\": ["
    "  {\"name\": \"work\", \"kind\": \"single\", \"label\": {\"en\": \"Work\"},"
    "   \"choices\": [{\"name\": \"paid\", \"label\": {\"en\": \"Paid\"}},"
    "               {\"name\": \"unpaid\", \"label\": {\"en\": \"Unpaid\"}}]},"
    "  {\"name\": \"threats\", \"kind\": \"multiple\", \"private\": true,"
    "   \"label\": {\"en\": \"Threatened with?\"},"
    "   \"choices\": [{\"name\": \"police\", \"label\": {\"en\": \"Police\"}},"
    "               {\"name\": \"dismissal\", \"label\": {\"en\": \"Dismissal\"}},"
    "               {\"name\": \"family\", \"label\": {\"en\": \"Harm to family\"}},"
    "               {\"name\": \"none\", \"label\": {\"en\": \"None\"}}]},"
    "  {\"name\": \"hurt\", \"kind\": \"yesno\", \"private\": true,"
    "   \"label\": {\"en\": \"Were you hurt?\"}},"
    "  {\"name\": \"days\", \"kind\": \"integer\", \"min\": 0, \"max\": 7, \"private\": true,"
    "   \"label\": {\"en\": \"Days off a month\"}},"
    "  {\"name\": \"help\", \"kind\": \"single\", \"relevant\": \"work = 'paid'\","
    "   \"label\": {\"en\": \"Want help?\"},"
    "   \"choices\": [{\"name\": \"yes\", \"label\": {\"en\": \"Yes please\"}},"
    "               {\"name\": \"no\", \"label\": {\"en\": \"No thanks\"}}]}"
    " ]}";

enum { PRIV_WORK, PRIV_THREATS, PRIV_HURT, PRIV_DAYS, PRIV_HELP, PRIV_N };

enum { MINI_INTRO, MINI_LIVES, MINI_ROOM, MINI_THREATS, MINI_YEARS, MINI_HURT, MINI_HELP,
       MINI_N };

#define TEST_DAY 1234

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    uint8_t packbuf[CND_MAX_PACK_SIZE];
    cnd_pack_t pack;
    cnd_engine_t eng;
    uint8_t rng_next;
    int rng_fail;
    uint32_t now_ms;  /* the port's uptime clock, moved by the tests */
    uint32_t clock_s; /* time of day for the neutral screen, when hal.clock_s is set */
} fx_t;

static cnd_status_t fx_random(void *ctx, uint8_t *buf, uint32_t n)
{
    fx_t *f = ctx;
    uint32_t i;
    if (f->rng_fail)
        return CND_E_IO;
    for (i = 0; i < n; i++)
        buf[i] = (uint8_t)(f->rng_next++ * 37u + 11u);
    return CND_OK;
}

static uint16_t fx_today(void *ctx)
{
    (void)ctx;
    return TEST_DAY;
}

static uint32_t fx_uptime(void *ctx)
{
    return ((fx_t *)ctx)->now_ms;
}

static uint32_t fx_clock(void *ctx)
{
    return ((fx_t *)ctx)->clock_s;
}

/* Installs the pack on the device as a push would (the store refuses a
 * response whose pack is not installed) and opens the RAM copy. */
static void fx_install(fx_t *f, size_t plen)
{
    assert_int_equal(cnd_store_pack_begin(&f->store, (uint32_t)plen), CND_OK);
    assert_int_equal(cnd_store_pack_write(&f->store, 0, f->packbuf, (uint32_t)plen), CND_OK);
    assert_int_equal(cnd_store_pack_commit(&f->store), CND_OK);
    assert_int_equal(cnd_pack_open(&f->pack, f->packbuf, (uint32_t)plen), CND_OK);
}

static void fx_compile(fx_t *f, const char *json, size_t len)
{
    cnd_err_t err;
    size_t plen = 0;
    memset(&err, 0, sizeof err);
    if (cnd_compile_json(json, len, cnd_test_office_key(), f->packbuf, sizeof f->packbuf, &plen,
                         &err) != CND_OK)
        fail_msg("compile failed: %s", err.msg);
    fx_install(f, plen);
}

static void fx_compile_default(fx_t *f)
{
    cnd_err_t err;
    size_t plen = 0;
    memset(&err, 0, sizeof err);
    if (cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json", cnd_test_office_key(),
                         f->packbuf, sizeof f->packbuf, &plen, &err) != CND_OK)
        fail_msg("compile of the default survey failed: %s", err.msg);
    fx_install(f, plen);
}

enum { FX_MINI, FX_DEFAULT, FX_PRIVATE };
#define FX_BLOCKS 48u /* 4 KiB blocks: 32 KiB slots, enough for the small packs */

/* A blank device with the fixture's HAL, its store mounted (formatted). */
static fx_t *fx_alloc(uint32_t blocks)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(cnd_ram_flash_init(&f->rf, 4096, blocks, 16), CND_OK);
    f->hal.flash = f->rf.flash;
    f->hal.ctx = f;
    f->hal.random = fx_random;
    f->hal.today = fx_today;
    f->hal.uptime_ms = fx_uptime;
    f->now_ms = 1000;
    f->rng_next = 1;
    assert_int_equal(cnd_store_mount(&f->store, &f->hal), CND_OK);
    return f;
}

static fx_t *fx_new(int which)
{
    /* The small packs keep the small chip (its log fills fast); the default
     * survey needs the chip whose slots hold it. */
    fx_t *f = fx_alloc(which == FX_DEFAULT ? CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS : FX_BLOCKS);
    if (which == FX_DEFAULT)
        fx_compile_default(f);
    else if (which == FX_PRIVATE)
        fx_compile(f, private_json, sizeof private_json - 1);
    else
        fx_compile(f, mini_json, sizeof mini_json - 1);
    cnd_engine_init(&f->eng, &f->store, &f->hal, &f->pack);
    return f;
}

static int setup_mini(void **state)
{
    *state = fx_new(FX_MINI);
    return 0;
}

static int setup_default(void **state)
{
    *state = fx_new(FX_DEFAULT);
    return 0;
}

static int setup_private(void **state)
{
    *state = fx_new(FX_PRIVATE);
    return 0;
}

static void fx_free(fx_t *f)
{
    cnd_ram_flash_free(&f->rf);
    free(f);
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* ------------------------------------------------------------- helpers */

static const cnd_screen_t *scr(fx_t *f)
{
    return cnd_engine_screen(&f->eng);
}

/* Keys as a script: u d o b l x (up down ok back lang exit). */
static void keys(fx_t *f, const char *script)
{
    for (; *script; script++) {
        cnd_key_t k;
        switch (*script) {
        case 'u': k = CND_KEY_UP; break;
        case 'd': k = CND_KEY_DOWN; break;
        case 'o': k = CND_KEY_OK; break;
        case 'b': k = CND_KEY_BACK; break;
        case 'l': k = CND_KEY_LANG; break;
        case 'x': k = CND_KEY_EXIT; break;
        default: continue;
        }
        cnd_engine_key(&f->eng, k);
    }
}

static int str_is(cnd_str_t s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static int str_same(cnd_str_t a, cnd_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

#define assert_str(s, want)                                                              \
    do {                                                                                 \
        cnd_str_t s_ = (s);                                                              \
        if (!str_is(s_, want))                                                           \
            fail_msg("expected \"%s\", got \"%.*s\"", want, (int)s_.len, s_.ptr);       \
    } while (0)

static cnd_str_t ui(fx_t *f, cnd_ui_string_t u)
{
    return cnd_pack_ui(&f->pack, scr(f)->lang, u);
}

/* Moves the cursor to option `row` with UP/DOWN, as a person would, and
 * presses OK. */
static void pick(fx_t *f, uint8_t row)
{
    assert_true(row < scr(f)->n_options);
    if (scr(f)->cursor == CND_CURSOR_NONE) {
        keys(f, "d"); /* nothing is highlighted until the first key */
        assert_int_equal(scr(f)->cursor, 0);
    }
    while (scr(f)->cursor < row && scr(f)->cursor + 1 < scr(f)->n_options)
        keys(f, "d");
    while (scr(f)->cursor > row && scr(f)->cursor > 0)
        keys(f, "u");
    assert_int_equal(scr(f)->cursor, row);
    keys(f, "o");
}

/* Index of the option whose text is `want`, or fail. */
static uint8_t option_of(fx_t *f, cnd_str_t want)
{
    uint8_t i;
    for (i = 0; i < scr(f)->n_options; i++)
        if (str_same(scr(f)->options[i], want))
            return i;
    fail_msg("option \"%.*s\" not on screen", (int)want.len, want.ptr);
    return 0;
}

/* HOME -> LANGUAGE (when the pack has several) -> CONSENT, read to its
 * end as the port reports, then "I agree". */
static void start_in(fx_t *f, uint8_t lang)
{
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    keys(f, "o");
    if (cnd_pack_lang_count(&f->pack) > 1) {
        assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE);
        assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
        pick(f, lang);
    }
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    assert_int_equal(scr(f)->n_options, 1); /* Decline only, until read */
    cnd_engine_consent_seen(&f->eng);
    assert_int_equal(scr(f)->n_options, 2);
    pick(f, 0); /* Agree */
}

static void start(fx_t *f)
{
    start_in(f, 0);
}

/* Passes the hand-over screens around private items (OK on each), as the
 * interviewer and the respondent would; 1 if an item is on screen then. */
static int next_item(fx_t *f)
{
    int guard = 0;
    while ((scr(f)->kind == CND_SCREEN_HANDOVER || scr(f)->kind == CND_SCREEN_HANDBACK) &&
           guard++ < 4)
        keys(f, "o");
    return scr(f)->kind == CND_SCREEN_ITEM;
}

static void expect_item(fx_t *f, uint16_t item)
{
    assert_int_equal(scr(f)->kind, CND_SCREEN_ITEM);
    assert_int_equal(scr(f)->item, item);
}

static uint32_t pending(fx_t *f)
{
    return cnd_store_pending_count(&f->store);
}

static const cnd_pack_t *the_pack(void *ctx, uint32_t fp)
{
    fx_t *f = ctx;
    return fp == f->pack.fingerprint ? &f->pack : NULL;
}

/* Reads back the only stored response, opened with the office key (the
 * device itself cannot: it is sealed) and checked against the survey. */
static void read_only_response(fx_t *f, cnd_response_t *out)
{
    uint32_t cursor = 0, seq = 0;
    cnd_sealed_t extra;
    assert_int_equal(cnd_test_next_open(&f->store, &cursor, &seq, the_pack, f, 1, out), CND_OK);
    assert_int_equal(cnd_store_next_pending(&f->store, &cursor, &seq, &extra), CND_E_NOT_FOUND);
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static uint16_t item_named(fx_t *f, const char *name)
{
    int i = cnd_pack_find_item(&f->pack, name, strlen(name));
    if (i < 0)
        fail_msg("the pack has no item '%s'", name);
    return (uint16_t)i;
}

static uint8_t choice_named(fx_t *f, uint16_t item, const char *name)
{
    cnd_item_t it;
    uint8_t c;
    assert_int_equal(cnd_pack_item(&f->pack, item, &it), CND_OK);
    for (c = 0; c < it.n_choices; c++)
        if (str_is(cnd_pack_choice_name(&f->pack, item, c), name))
            return c;
    fail_msg("item %u has no choice '%s'", item, name);
    return 0;
}

/* Answers the current item of the default survey with a deterministic
 * choice that varies by item, or with the given single choice for
 * `force_item`; records the expected answer. Info screens: Next. */
static void answer_current(fx_t *f, cnd_answer_t *expect, int force_item, uint8_t force_choice)
{
    const cnd_screen_t *s = scr(f);
    uint16_t i = s->item;
    cnd_item_t it;

    assert_int_equal(cnd_pack_item(&f->pack, i, &it), CND_OK);
    switch (it.kind) {
    case CND_ITEM_SINGLE: {
        uint8_t c = (int)i == force_item ? force_choice : (uint8_t)(i % it.n_choices);
        if ((int)i != force_item && str_is(cnd_pack_choice_name(&f->pack, i, c), "under_18"))
            c = (uint8_t)(c + 1); /* not eligible: the interview would end */
        pick(f, c);
        expect[i].state = CND_ANS_VALUE;
        expect[i].value = c;
        break;
    }
    case CND_ITEM_YESNO:
        pick(f, (uint8_t)(i % 2)); /* row = value: No 0, Yes 1 (the codebook's order) */
        expect[i].state = CND_ANS_VALUE;
        expect[i].value = i % 2;
        break;
    case CND_ITEM_MULTI: {
        uint8_t c = (uint8_t)(i % it.n_choices);
        pick(f, c);
        pick(f, (uint8_t)(s->n_options - 1)); /* Next */
        expect[i].state = CND_ANS_VALUE;
        expect[i].value = (int32_t)(1u << c);
        break;
    }
    case CND_ITEM_INTEGER:
        pick(f, 1); /* Next with the starting value */
        expect[i].state = CND_ANS_VALUE;
        expect[i].value = it.min > 0 ? it.min : (it.max < 0 ? it.max : 0);
        break;
    default:
        pick(f, 0);
        break;
    }
}

/* Walks the whole default survey; returns the expected answers. */
static void walk_default(fx_t *f, cnd_answer_t *expect, int force_item, uint8_t force_choice)
{
    int guard = 0;
    memset(expect, 0, sizeof(cnd_answer_t) * CND_MAX_ITEMS);
    while (next_item(f) && guard++ < 200)
        answer_current(f, expect, force_item, force_choice);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
}

/* Mini survey up to the review, living in: lives=employer, room=shared,
 * threats={police, family}, years=4, hurt=No, help=Yes. */
static void walk_mini(fx_t *f)
{
    start(f);
    expect_item(f, MINI_INTRO);
    keys(f, "o");
    expect_item(f, MINI_LIVES);
    pick(f, 0);
    expect_item(f, MINI_ROOM);
    pick(f, 1);
    expect_item(f, MINI_THREATS);
    pick(f, 0);
    pick(f, 2);
    pick(f, 5); /* Next */
    expect_item(f, MINI_YEARS);
    keys(f, "do" "uu" "o"); /* edit: 2 -> 4 */
    pick(f, 1);
    expect_item(f, MINI_HURT);
    pick(f, 0); /* No */
    expect_item(f, MINI_HELP);
    pick(f, 1); /* Yes */
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
}

/* --------------------------------------------------------------- tests */

static void consent_decline_stores_nothing_and_shows_referral(void **state)
{
    fx_t *f = *state;
    uint32_t progs;

    cnd_ram_flash_reset_counters(&f->rf);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    assert_str(scr(f)->body, "Do you agree?");
    assert_int_equal(scr(f)->n_options, 1); /* "I agree" only once read */
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    keys(f, "o"); /* nothing highlighted: nothing happens */
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    cnd_engine_consent_seen(&f->eng);
    assert_int_equal(scr(f)->n_options, 2);
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_AGREE)));
    assert_true(str_same(scr(f)->options[1], ui(f, CND_UI_DECLINE)));
    pick(f, 1);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_str(scr(f)->body, "Call 100 for help");
    assert_true(str_same(scr(f)->title, ui(f, CND_UI_REFERRAL_TITLE)));
    progs = f->rf.prog_count + f->rf.erase_count;
    assert_int_equal(progs, 0);
    assert_int_equal(pending(f), 0);
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->pending, 0);
}

static void full_interview_saves_exactly_one_record_with_the_chosen_answers(void **state)
{
    fx_t *f = *state;
    cnd_answer_t expect[CND_MAX_ITEMS];
    cnd_response_t got;
    uint16_t n = cnd_pack_item_count(&f->pack), i;

    start(f);
    walk_default(f, expect, -1, 0);
    pick(f, 0); /* Save */
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    assert_true(str_same(scr(f)->title, ui(f, CND_UI_SAVED)));
    assert_int_equal(pending(f), 1);
    read_only_response(f, &got);
    assert_int_equal(got.n_answers, n);
    assert_int_equal(got.pack_fp, f->pack.fingerprint);
    assert_int_equal(got.day, TEST_DAY);
    assert_int_equal(got.lang, 0);
    assert_false(all_zero(got.id, sizeof got.id));
    for (i = 0; i < n; i++) {
        assert_int_equal(got.answers[i].state, expect[i].state);
        if (expect[i].state == CND_ANS_VALUE)
            assert_int_equal(got.answers[i].value, expect[i].value);
    }
    /* The RAM copy is gone once it is on flash. */
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->pending, 1);
}

static void sleeping_place_is_skipped_when_living_elsewhere_and_asked_otherwise(void **state)
{
    fx_t *f = *state;
    cnd_answer_t expect[CND_MAX_ITEMS];
    cnd_response_t got;
    uint16_t lives = item_named(f, "lives_in"), sleep = item_named(f, "sleeping_place"), i;
    uint8_t employer = choice_named(f, lives, "employer");
    uint8_t elsewhere = choice_named(f, lives, "elsewhere");
    int seen;

    assert_true(cnd_pack_item_relevance_src(&f->pack, sleep).len > 0);

    /* Living elsewhere: never asked, stored as not asked. */
    start(f);
    seen = 0;
    memset(expect, 0, sizeof expect);
    while (next_item(f)) {
        seen |= scr(f)->item == sleep;
        answer_current(f, expect, lives, elsewhere);
    }
    assert_false(seen);
    for (i = 0; i < scr(f)->n_visible; i++)
        assert_int_not_equal(scr(f)->rows[i].item, sleep);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got);
    assert_int_equal(got.answers[lives].value, elsewhere);
    assert_int_equal(got.answers[sleep].state, CND_ANS_NONE);
    keys(f, "oo");

    /* Living in: asked. */
    start(f);
    seen = 0;
    while (next_item(f)) {
        seen |= scr(f)->item == sleep;
        answer_current(f, expect, lives, employer);
    }
    assert_true(seen);
}

static void back_navigation_keeps_earlier_answers_and_clears_irrelevant_ones(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;
    uint16_t i;

    start(f);
    keys(f, "o");
    pick(f, 0); /* lives: with employer */
    expect_item(f, MINI_ROOM);
    pick(f, 1); /* room: shared */
    expect_item(f, MINI_THREATS);
    assert_int_equal(scr(f)->position, 4);

    keys(f, "b");
    expect_item(f, MINI_ROOM);
    assert_int_equal(scr(f)->cursor, 1); /* the earlier answer is kept */
    keys(f, "b");
    expect_item(f, MINI_LIVES);
    assert_int_equal(scr(f)->cursor, 0);
    pick(f, 1); /* change to elsewhere: room no longer applies */
    expect_item(f, MINI_THREATS);
    assert_int_equal(f->eng.resp.answers[MINI_ROOM].state, CND_ANS_NONE);
    assert_int_equal(scr(f)->position, 3);
    keys(f, "b");
    expect_item(f, MINI_LIVES); /* back skips the item that was not asked */
    keys(f, "bb");
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    pick(f, 0);
    expect_item(f, MINI_INTRO);
    keys(f, "o");
    assert_int_equal(scr(f)->cursor, 1); /* elsewhere still chosen */
    keys(f, "o");
    expect_item(f, MINI_THREATS);
    pick(f, 3);
    pick(f, 5);
    pick(f, 1);
    pick(f, 0);
    pick(f, 1);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    for (i = 0; i < scr(f)->n_visible; i++)
        assert_int_not_equal(scr(f)->rows[i].item, MINI_ROOM);
    /* Change answers goes to the last asked item, keeping its answer. */
    pick(f, 1);
    expect_item(f, MINI_HELP);
    assert_int_equal(scr(f)->cursor, 1);
    pick(f, 1);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got);
    assert_int_equal(got.answers[MINI_LIVES].value, 1);
    assert_int_equal(got.answers[MINI_ROOM].state, CND_ANS_NONE);
    assert_int_equal(got.answers[MINI_THREATS].value, 1 << 3);
    assert_int_equal(got.answers[MINI_INTRO].state, CND_ANS_NONE);
}

static void language_switch_mid_interview_changes_every_label_and_the_saved_lang(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;
    uint8_t i;

    start(f);
    keys(f, "o");
    expect_item(f, MINI_LIVES);
    assert_str(scr(f)->title, "Where do you live?");
    assert_str(scr(f)->lang_code, "en");
    keys(f, "dd"); /* the cursor survives the switch */
    keys(f, "l");
    expect_item(f, MINI_LIVES);
    assert_int_equal(scr(f)->lang, 1);
    assert_str(scr(f)->lang_code, "es");
    assert_int_equal(scr(f)->cursor, 1);
    assert_str(scr(f)->title, "Donde vive?");
    assert_str(scr(f)->options[0], "Con empleador");
    assert_str(scr(f)->options[1], "En otro lugar");
    assert_true(str_same(scr(f)->options[2], cnd_pack_ui(&f->pack, 1, CND_UI_PREFER_NOT)));
    assert_false(str_same(scr(f)->options[2], cnd_pack_ui(&f->pack, 0, CND_UI_PREFER_NOT)));
    pick(f, 1);
    expect_item(f, MINI_THREATS);
    for (i = 0; i < 4; i++)
        assert_true(str_same(scr(f)->options[i], cnd_pack_choice_label(&f->pack, MINI_THREATS, i, 1)));
    assert_true(str_same(scr(f)->options[5], cnd_pack_ui(&f->pack, 1, CND_UI_NEXT)));
    pick(f, 4); /* PNA */
    pick(f, 1);
    pick(f, 0);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_true(str_same(scr(f)->title, cnd_pack_ui(&f->pack, 1, CND_UI_REVIEW_TITLE)));
    assert_str(scr(f)->rows[0].label, "Donde vive?");
    assert_str(scr(f)->rows[0].answer, "En otro lugar");
    /* Switch twice more: wraps to en and back to es before saving. */
    keys(f, "l");
    assert_str(scr(f)->rows[0].answer, "Elsewhere");
    assert_true(str_same(scr(f)->options[0], cnd_pack_ui(&f->pack, 0, CND_UI_SAVE)));
    keys(f, "l");
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    assert_true(str_same(scr(f)->title, cnd_pack_ui(&f->pack, 1, CND_UI_SAVED)));
    read_only_response(f, &got);
    assert_int_equal(got.lang, 1);
}

static void prefer_not_to_answer_is_offered_on_every_item_and_recorded_as_pna(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;
    uint16_t n = cnd_pack_item_count(&f->pack), i, asked = 0, shown = 0, rows;
    uint8_t asked_mask[CND_MAX_ITEMS] = {0};

    start(f);
    while (next_item(f)) {
        cnd_item_t it;
        uint8_t row;
        assert_int_equal(cnd_pack_item(&f->pack, scr(f)->item, &it), CND_OK);
        if (it.kind == CND_ITEM_INFO) {
            pick(f, 0);
            continue;
        }
        row = option_of(f, ui(f, CND_UI_PREFER_NOT));
        asked_mask[scr(f)->item] = 1;
        asked++;
        shown += (it.flags & CND_ITEM_F_PRIVATE) == 0; /* review lists only these */
        pick(f, row);
    }
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_true(asked > 10);
    assert_true(shown < asked); /* the default survey has private items */
    rows = scr(f)->n_rows;
    assert_int_equal(rows, shown);
    for (i = 0; i < scr(f)->n_visible; i++)
        assert_true(str_same(scr(f)->rows[i].answer, ui(f, CND_UI_PREFER_NOT)));
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got);
    for (i = 0; i < n; i++)
        assert_int_equal(got.answers[i].state, asked_mask[i] ? CND_ANS_PNA : CND_ANS_NONE);
}

static void quick_exit_wipes_the_answers_from_ram_and_stores_nothing(void **state)
{
    fx_t *f = *state;

    walk_mini(f);
    assert_false(all_zero(&f->eng.resp, sizeof f->eng.resp));
    cnd_ram_flash_reset_counters(&f->rf);
    keys(f, "x");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    assert_int_equal(f->eng.asked, 0);
    assert_int_equal(scr(f)->title.len + scr(f)->body.len + scr(f)->n_options +
                         scr(f)->n_rows + scr(f)->lang_code.len,
                     0);
    assert_int_equal(cnd_engine_busy(&f->eng), 0);
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
    assert_int_equal(pending(f), 0);
    keys(f, "o"); /* a single OK does not bring the survey back */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "udblxo"); /* nor does any other key */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "uuddo"); /* the deliberate sequence does: the cut interview ends */
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL); /* on the referral */
    assert_str(scr(f)->body, "Call 100 for help");
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);

    /* Mid-item, with a multi answer half ticked. */
    start(f);
    keys(f, "o");
    pick(f, 1);
    pick(f, 0);
    expect_item(f, MINI_THREATS);
    assert_int_equal(scr(f)->checked, 1);
    keys(f, "x");
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "uuddo" "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(pending(f), 0);
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
}

static void quick_exit_returns_only_after_up_up_down_down_ok_within_five_seconds(void **state)
{
    fx_t *f = *state;

    keys(f, "x"); /* from HOME: nothing was cut, the return goes to HOME */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "uudd" "u" "o"); /* a wrong key restarts the sequence */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "uuddd" "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "uudd" "x" "o"); /* EXIT on the clock is just a wrong key */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "uud");
    f->now_ms += CND_ENGINE_SEQ_WINDOW_MS + 1; /* too slow: a nudge in a pocket */
    keys(f, "do");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "l"); /* LANG changes nothing behind the clock */
    keys(f, "uu");
    f->now_ms += CND_ENGINE_SEQ_WINDOW_MS - 10; /* slow but in time */
    keys(f, "ddo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->lang, 0);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE); /* no sequence left over */

    /* The clock's uptime wraps: still measured right. */
    f->now_ms = 0xFFFFFFFFu - 1000u;
    keys(f, "xuu");
    f->now_ms += 2000u;
    keys(f, "ddo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL); /* consent was cut */
}

static void neutral_screen_is_a_clock_and_shows_nothing_of_the_survey(void **state)
{
    fx_t *f = *state;

    start(f);
    f->now_ms = (13u * 60u + 7u) * 60000u + 59000u; /* no time of day: since boot */
    keys(f, "x");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    assert_int_equal(scr(f)->clock_min, 13 * 60 + 7);
    assert_int_equal(scr(f)->lang, 0);
    assert_int_equal(scr(f)->title.len + scr(f)->body.len + scr(f)->n_options +
                         scr(f)->n_rows + scr(f)->lang_code.len + scr(f)->pending,
                     0);
    f->hal.clock_s = fx_clock; /* the port's time of day wins */
    f->clock_s = 23u * 3600u + 59u * 60u + 30u;
    cnd_engine_refresh(&f->eng);
    assert_int_equal(scr(f)->clock_min, 23 * 60 + 59);
    f->clock_s = 24u * 3600u; /* wraps at midnight */
    keys(f, "d");
    assert_int_equal(scr(f)->clock_min, 0);

    /* A pack pushed meanwhile does not uncover anything. */
    cnd_engine_set_pack(&f->eng, &f->pack);
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    assert_int_equal(scr(f)->title.len + scr(f)->n_options, 0);
    keys(f, "uuddo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
}

static void withdraw_on_review_stores_nothing_and_shows_referral(void **state)
{
    fx_t *f = *state;

    walk_mini(f);
    cnd_ram_flash_reset_counters(&f->rf);
    assert_true(str_same(scr(f)->options[2], ui(f, CND_UI_WITHDRAW)));
    pick(f, 2);
    /* Asked once more, "Keep my answers" highlighted: OK keeps them. */
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONFIRM_WITHDRAW);
    assert_true(str_same(scr(f)->title, ui(f, CND_UI_CONFIRM_WITHDRAW)));
    assert_int_equal(scr(f)->n_options, 2);
    assert_int_equal(scr(f)->cursor, 0);
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_KEEP)));
    assert_true(str_same(scr(f)->options[1], ui(f, CND_UI_DELETE)));
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_int_equal(scr(f)->cursor, 2);
    assert_int_equal(f->eng.resp.answers[MINI_LIVES].state, CND_ANS_VALUE);
    pick(f, 2);
    keys(f, "b"); /* BACK keeps them too */
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    pick(f, 2);
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
    pick(f, 1); /* Yes, delete them */
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_str(scr(f)->body, "Call 100 for help");
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
    assert_int_equal(pending(f), 0);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
}

static void saved_is_shown_only_after_verified_commit(void **state)
{
    fx_t *f = *state;
    cnd_response_t got, kept;
    cnd_answer_t before[CND_MAX_ITEMS];

    walk_mini(f);
    memcpy(before, f->eng.resp.answers, sizeof before);
    /* The first program silently leaves a bit set: read-back must catch it. */
    cnd_ram_flash_arm(&f->rf, CND_RAM_FAULT_BAD_BITS, 0, 0);
    pick(f, 0);
    assert_true(f->rf.fault_fired);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVE_FAILED);
    assert_true(str_same(scr(f)->title, ui(f, CND_UI_NOT_SAVED)));
    assert_false(str_same(scr(f)->title, ui(f, CND_UI_SAVED)));
    assert_int_not_equal(scr(f)->save_status, CND_OK);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    assert_int_equal(pending(f), 0);
    kept = f->eng.resp; /* id drawn at the first attempt */
    assert_false(all_zero(kept.id, sizeof kept.id));
    /* The answers are still in RAM, and review still shows them. */
    assert_memory_equal(f->eng.resp.answers, before, sizeof before);
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_str(scr(f)->rows[0].answer, "With employer");
    pick(f, 0);
    /* The retry writes a fresh copy past the bad cell; SAVED appears only
     * with exactly one readable record behind it. */
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got);
    assert_memory_equal(got.answers, kept.answers, sizeof(cnd_answer_t) * MINI_N);
    assert_memory_equal(got.id, kept.id, sizeof got.id);
}

static void save_failed_keeps_answers_and_ok_retries(void **state)
{
    fx_t *f = *state;
    cnd_response_t got, kept;

    walk_mini(f);
    kept = f->eng.resp;
    cnd_ram_flash_arm(&f->rf, CND_RAM_FAULT_IO_ERROR, 0, 0);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVE_FAILED);
    assert_int_equal(pending(f), 0);
    assert_memory_equal(f->eng.resp.answers, kept.answers, sizeof kept.answers);
    keys(f, "o"); /* retry */
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got);
    assert_memory_equal(got.answers, kept.answers, sizeof(cnd_answer_t) * MINI_N);
    assert_int_equal(got.answers[MINI_YEARS].value, 4);
}

static void no_random_id_means_not_saved(void **state)
{
    fx_t *f = *state;

    walk_mini(f);
    f->rng_fail = 1;
    cnd_ram_flash_reset_counters(&f->rf);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVE_FAILED);
    assert_int_equal(f->rf.prog_count, 0);
    assert_int_equal(pending(f), 0);
    f->rng_fail = 0;
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    assert_int_equal(pending(f), 1);
}

static void multi_choice_toggles_ticks_and_next_needs_one(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;

    start(f);
    keys(f, "o");
    pick(f, 1);
    expect_item(f, MINI_THREATS);
    assert_int_equal(scr(f)->n_options, 6); /* 4 choices, PNA, Next */
    assert_true(str_same(scr(f)->options[4], ui(f, CND_UI_PREFER_NOT)));
    assert_true(str_same(scr(f)->options[5], ui(f, CND_UI_NEXT)));
    pick(f, 5); /* Next with nothing ticked: stays */
    expect_item(f, MINI_THREATS);
    pick(f, 0);
    pick(f, 2);
    assert_int_equal(scr(f)->checked, 0x5);
    pick(f, 0); /* untick */
    assert_int_equal(scr(f)->checked, 0x4);
    expect_item(f, MINI_THREATS);
    pick(f, 4); /* PNA answers and advances */
    expect_item(f, MINI_YEARS);
    keys(f, "b");
    expect_item(f, MINI_THREATS);
    assert_int_equal(scr(f)->cursor, 4);
    assert_int_equal(scr(f)->checked, 1u << 4);
    pick(f, 1); /* ticking a choice clears PNA */
    assert_int_equal(scr(f)->checked, 0x2);
    assert_int_equal(f->eng.resp.answers[MINI_THREATS].state, CND_ANS_VALUE);
    pick(f, 3);
    pick(f, 5);
    expect_item(f, MINI_YEARS);
    pick(f, 1);
    pick(f, 0);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    /* Review shows the ticked labels joined. */
    assert_str(scr(f)->rows[1].answer, "Dismissal, None");
    pick(f, 0);
    read_only_response(f, &got);
    assert_int_equal(got.answers[MINI_THREATS].state, CND_ANS_VALUE);
    assert_int_equal(got.answers[MINI_THREATS].value, 0xA);
}

static void integer_entry_stays_within_min_and_max(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;

    start(f);
    keys(f, "o");
    pick(f, 1);
    pick(f, 3);
    pick(f, 5);
    expect_item(f, MINI_YEARS);
    assert_true(scr(f)->has_number);
    assert_int_equal(scr(f)->n_options, 3); /* number, Next, PNA */
    assert_true(str_same(scr(f)->options[1], ui(f, CND_UI_NEXT)));
    assert_true(str_same(scr(f)->options[2], ui(f, CND_UI_PREFER_NOT)));
    assert_int_equal(scr(f)->number, 2); /* starts at min */
    assert_int_equal(scr(f)->number_min, 2);
    assert_int_equal(scr(f)->number_max, 5);
    keys(f, "o");
    assert_false(scr(f)->editing); /* nothing highlighted yet */
    keys(f, "do");
    assert_true(scr(f)->editing);
    keys(f, "ddd");
    assert_int_equal(scr(f)->number, 2);
    keys(f, "uuuuuuuuuu");
    assert_int_equal(scr(f)->number, 5);
    keys(f, "d");
    assert_int_equal(scr(f)->number, 4);
    expect_item(f, MINI_YEARS); /* editing never moves to another item */
    keys(f, "o");
    assert_false(scr(f)->editing);
    keys(f, "d");
    assert_int_equal(scr(f)->cursor, 1);
    assert_int_equal(scr(f)->number, 4);
    keys(f, "o");
    expect_item(f, MINI_HURT);
    keys(f, "b");
    expect_item(f, MINI_YEARS);
    assert_int_equal(scr(f)->number, 4); /* coming back shows the answer */
    pick(f, 2); /* now PNA */
    pick(f, 0);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    pick(f, 0);
    read_only_response(f, &got);
    assert_int_equal(got.answers[MINI_YEARS].state, CND_ANS_PNA);
}

static void yes_no_without_prefer_not_offers_only_yes_and_no(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;

    start(f);
    keys(f, "o");
    pick(f, 1);
    pick(f, 3);
    pick(f, 5);
    pick(f, 1);
    expect_item(f, MINI_HURT);
    assert_int_equal(scr(f)->n_options, 3);
    /* The author's (and the codebook's) order: no, then yes. */
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_NO)));
    assert_true(str_same(scr(f)->options[1], ui(f, CND_UI_YES)));
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    pick(f, 1);
    expect_item(f, MINI_HELP);
    assert_int_equal(scr(f)->n_options, 2);
    keys(f, "dddd");
    assert_int_equal(scr(f)->cursor, 1); /* clamped */
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    pick(f, 0);
    read_only_response(f, &got);
    assert_int_equal(got.answers[MINI_HURT].value, 1);
    assert_int_equal(got.answers[MINI_HELP].value, 1);
}

static void referral_is_shown_to_everyone_in_the_current_language(void **state)
{
    fx_t *f = *state;
    uint32_t before;

    /* Declined, in Spanish. */
    keys(f, "o");
    pick(f, 1); /* Espanol */
    pick(f, 0); /* the only option before the consent was read: decline */
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_str(scr(f)->body, "Llame al 100");
    assert_true(str_same(scr(f)->title, cnd_pack_ui(&f->pack, 1, CND_UI_REFERRAL_TITLE)));
    keys(f, "l");
    assert_str(scr(f)->body, "Call 100 for help");
    keys(f, "o");

    /* Withdrawn. */
    walk_mini(f);
    pick(f, 2);
    pick(f, 1); /* Yes, delete them */
    assert_str(scr(f)->body, "Call 100 for help");
    keys(f, "o");

    /* Saved: the referral comes after "Saved" and adds no record. */
    walk_mini(f);
    keys(f, "l");
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    before = pending(f);
    cnd_ram_flash_reset_counters(&f->rf);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_str(scr(f)->body, "Llame al 100");
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(pending(f), before);
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
}

static void review_lists_every_asked_item_with_its_answer(void **state)
{
    fx_t *f = *state;
    const cnd_screen_t *s;
    char buf[8];
    cnd_str_t t;

    walk_mini(f);
    s = scr(f);
    assert_int_equal(s->n_options, 3);
    assert_int_equal(s->cursor, 0);
    assert_true(str_same(s->options[1], ui(f, CND_UI_CHANGE)));
    /* lives, room, threats, years, hurt, help: info is not a question. */
    assert_int_equal(s->n_rows, 6);
    assert_int_equal(s->n_visible, CND_SCREEN_REVIEW_ROWS);
    assert_int_equal(s->rows[0].item, MINI_LIVES);
    assert_str(s->rows[0].label, "Where do you live?");
    assert_str(s->rows[0].answer, "With employer");
    assert_str(s->rows[1].answer, "Shared");
    assert_str(s->rows[2].answer, "Police, Harm to family");
    assert_str(s->rows[3].answer, "4");
    /* DOWN past Withdraw scrolls the rows; the cursor stays. */
    keys(f, "dddddd");
    assert_int_equal(s->cursor, 2);
    assert_int_equal(s->row_first, 2);
    assert_int_equal(s->rows[0].item, MINI_THREATS);
    assert_str(s->rows[2].answer, "No");
    assert_str(s->rows[3].answer, "Yes");
    keys(f, "uuuuuu");
    assert_int_equal(s->cursor, 0);
    assert_int_equal(s->row_first, 0);
    /* A small buffer: labels that do not fit are counted. */
    t = cnd_engine_answer_text(&f->eng, MINI_THREATS, buf, sizeof buf);
    assert_str(t, "+2");
    t = cnd_engine_answer_text(&f->eng, MINI_INTRO, buf, sizeof buf);
    assert_int_equal(t.len, 0);
}

static void busy_from_consent_until_the_interview_ends(void **state)
{
    fx_t *f = *state;

    assert_int_equal(cnd_engine_busy(&f->eng), 0);
    keys(f, "o");
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(cnd_engine_busy(&f->eng), 0);
    walk_mini(f);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    assert_int_equal(cnd_engine_busy(&f->eng), 0);
    keys(f, "o");
    assert_int_equal(cnd_engine_busy(&f->eng), 0);
}

static void new_pack_returns_to_home_and_no_pack_shows_no_survey(void **state)
{
    fx_t *f = *state;

    start_in(f, 1);
    keys(f, "o");
    pick(f, 0);
    cnd_engine_set_pack(&f->eng, &f->pack);
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    assert_str(scr(f)->title, "Mini survey"); /* the next respondent chooses again */
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_START)));

    cnd_engine_set_pack(&f->eng, NULL);
    assert_int_equal(scr(f)->kind, CND_SCREEN_NO_SURVEY);
    keys(f, "oludb");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NO_SURVEY);
    keys(f, "x");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    keys(f, "uuddo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NO_SURVEY);
}

static void home_shows_the_pending_count(void **state)
{
    fx_t *f = *state;

    assert_int_equal(scr(f)->pending, 0);
    walk_mini(f);
    keys(f, "ooo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->pending, 1);
    walk_mini(f);
    keys(f, "ooo");
    assert_int_equal(scr(f)->pending, 2);
}

/* ---------------------------------------------------------- device full */

/* Saves filler responses of the installed pack straight into the store, as
 * earlier interviews would have, until the log is at least pct full. */
static uint32_t fill_to(fx_t *f, uint8_t pct)
{
    static uint32_t serial;
    uint32_t n = 0;
    while (cnd_store_fill_percent(&f->store) < pct) {
        cnd_response_t r;
        memset(&r, 0, sizeof r);
        serial++;
        memcpy(r.id, &serial, sizeof serial); /* distinct ids */
        r.id[7] = 0xF1;
        r.pack_fp = f->pack.fingerprint;
        r.day = TEST_DAY;
        r.n_answers = MINI_N;
        r.answers[MINI_LIVES].state = CND_ANS_VALUE;
        r.answers[MINI_LIVES].value = 1;
        assert_int_equal(cnd_store_append_response(&f->store, &r, &f->pack), CND_OK);
        n++;
    }
    return n;
}

/* The host stored everything and acknowledged it (a sync). */
static void ack_all(fx_t *f)
{
    uint32_t cursor = 0, seq = 0, last = 0;
    cnd_sealed_t r;
    while (cnd_store_next_pending(&f->store, &cursor, &seq, &r) == CND_OK)
        last = seq;
    assert_int_equal(cnd_store_ack(&f->store, last), CND_OK);
    assert_int_equal(pending(f), 0);
}

static void home_warns_from_80_and_95_percent_full_and_start_still_works(void **state)
{
    fx_t *f = *state;

    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->storage, CND_FILL_OK);
    assert_true(scr(f)->storage_percent < 5);

    fill_to(f, CND_FILL_WARN_PERCENT);
    assert_int_equal(scr(f)->storage, CND_FILL_OK); /* not rebuilt yet */
    cnd_engine_refresh(&f->eng);
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->storage, CND_FILL_WARN);
    assert_true(scr(f)->storage_percent >= 80 && scr(f)->storage_percent < 95);
    assert_int_equal(scr(f)->pending, pending(f));
    /* A warning changes nothing about starting: HOME [Start], OK -> LANGUAGE. */
    assert_int_equal(scr(f)->n_options, 1);
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_START)));
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE);
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->storage, CND_FILL_WARN);

    fill_to(f, CND_FILL_URGENT_PERCENT);
    keys(f, "l"); /* any key rebuilds the screen too */
    assert_int_equal(scr(f)->storage, CND_FILL_URGENT);
    assert_true(scr(f)->storage_percent >= 95);
    assert_int_equal(scr(f)->n_options, 1);
    start(f);
    expect_item(f, MINI_INTRO);
}

static void start_is_refused_when_a_response_could_not_be_kept_until_a_sync(void **state)
{
    fx_t *f = *state;
    uint32_t n = 0, before;

    fill_to(f, CND_FILL_URGENT_PERCENT);
    cnd_engine_refresh(&f->eng);
    /* Interviews while room is guaranteed: each one is kept, the last
     * guaranteed one included. */
    while (cnd_store_has_room(&f->store)) {
        assert_int_equal(scr(f)->n_options, 1);
        walk_mini(f);
        keys(f, "o"); /* Save */
        assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
        keys(f, "oo");
        assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
        n++;
    }
    assert_true(n >= 1);

    /* Full: HOME offers no Start, and OK starts nothing and writes nothing. */
    before = pending(f);
    assert_int_equal(scr(f)->storage, CND_FILL_FULL);
    assert_int_equal(scr(f)->n_options, 0);
    assert_int_equal(scr(f)->pending, before);
    cnd_ram_flash_reset_counters(&f->rf);
    keys(f, "do" "do" "uo" "l" "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->storage, CND_FILL_FULL);
    assert_false(cnd_engine_busy(&f->eng));
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
    assert_int_equal(pending(f), before);

    /* A sync frees the space. The screen drawn before it offered no Start,
     * so the first OK only shows the new state; the next one starts. */
    ack_all(f);
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->storage, CND_FILL_OK);
    assert_int_equal(scr(f)->n_options, 1);
    assert_int_equal(scr(f)->pending, 0);
    start(f);
    expect_item(f, MINI_INTRO);
}

/* ------------------------------------------------------- hand-over mode */

/* No review line, and no composed answer text, gives a private answer away. */
static void assert_review_hides_private_answers(fx_t *f)
{
    uint16_t i, r;
    char buf[CND_SCREEN_ANSWER_TEXT_MAX];
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    for (i = 0; i < PRIV_N; i++) {
        cnd_item_t it;
        assert_int_equal(cnd_pack_item(&f->pack, i, &it), CND_OK);
        if (!(it.flags & CND_ITEM_F_PRIVATE))
            continue;
        assert_int_equal(cnd_engine_answer_text(&f->eng, i, buf, sizeof buf).len, 0);
        for (r = 0; r < scr(f)->n_visible; r++)
            assert_int_not_equal(scr(f)->rows[r].item, i);
    }
}

static void hand_over_screens_come_before_and_after_a_run_of_private_items(void **state)
{
    fx_t *f = *state;
    cnd_response_t got;

    start(f);
    expect_item(f, PRIV_WORK);
    assert_false(scr(f)->hand_private);
    pick(f, 0); /* paid: help will be asked */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HANDOVER);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    assert_true(scr(f)->title.len > 0 && scr(f)->body.len > 0);
    assert_int_equal(scr(f)->n_options, 1);
    assert_true(str_same(scr(f)->options[0], ui(f, CND_UI_NEXT)));
    keys(f, "b"); /* the interviewer is not done yet */
    expect_item(f, PRIV_WORK);
    assert_int_equal(scr(f)->cursor, 0);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_HANDOVER);
    keys(f, "o");
    expect_item(f, PRIV_THREATS);
    assert_true(scr(f)->hand_private);
    pick(f, 1);
    pick(f, 2);
    assert_int_equal(scr(f)->checked, 0x6); /* ticks show while answering */
    pick(f, 5); /* Next: no hand-over between private items */
    expect_item(f, PRIV_HURT);
    pick(f, 0); /* No */
    expect_item(f, PRIV_DAYS);
    keys(f, "do" "uuu" "o"); /* 3 */
    assert_int_equal(scr(f)->number, 3);
    pick(f, 1);
    assert_int_equal(scr(f)->kind, CND_SCREEN_HANDBACK);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    keys(f, "o");
    expect_item(f, PRIV_HELP);
    assert_false(scr(f)->hand_private);
    pick(f, 1);
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_int_equal(scr(f)->n_rows, 2); /* work and help only */
    assert_int_equal(scr(f)->rows[0].item, PRIV_WORK);
    assert_int_equal(scr(f)->rows[1].item, PRIV_HELP);
    assert_review_hides_private_answers(f);
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_SAVED);
    read_only_response(f, &got); /* hidden is not lost: all of it is stored */
    assert_int_equal(got.answers[PRIV_THREATS].value, 0x6);
    assert_int_equal(got.answers[PRIV_HURT].value, 0);
    assert_int_equal(got.answers[PRIV_DAYS].value, 3);
    assert_int_equal(got.answers[PRIV_HELP].value, 1);
    keys(f, "oo");

    /* A private run at the end: hand back, then the review. */
    start(f);
    pick(f, 1); /* unpaid: no help item */
    keys(f, "o");
    pick(f, 4); /* PNA */
    pick(f, 0);
    pick(f, 2); /* PNA */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HANDBACK);
    keys(f, "b"); /* back to the last private item, its answer hidden */
    expect_item(f, PRIV_DAYS);
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    pick(f, 1); /* answered again: 0 */
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_int_equal(scr(f)->n_rows, 1);
    assert_review_hides_private_answers(f);
}

static void back_on_a_confirmed_private_item_shows_no_answer_and_keeps_it(void **state)
{
    fx_t *f = *state;
    cnd_answer_t before[PRIV_N];
    cnd_response_t got;

    start(f);
    pick(f, 0);
    keys(f, "o");
    pick(f, 0);
    pick(f, 2);
    pick(f, 5); /* threats = police, family */
    pick(f, 0); /* hurt = No (row 0: no, yes) */
    keys(f, "do" "uuuu" "o");
    pick(f, 1); /* days = 4 */
    keys(f, "o");
    expect_item(f, PRIV_HELP);
    memcpy(before, f->eng.resp.answers, sizeof before);

    keys(f, "b");
    expect_item(f, PRIV_DAYS);
    assert_int_equal(scr(f)->number, 0); /* not the 4 answered */
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    assert_int_equal(scr(f)->editing, 0);
    keys(f, "b");
    expect_item(f, PRIV_HURT);
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE); /* not on "No" */
    keys(f, "b");
    expect_item(f, PRIV_THREATS);
    assert_int_equal(scr(f)->checked, 0); /* no ticks */
    assert_int_equal(scr(f)->cursor, CND_CURSOR_NONE);
    /* Going back changed nothing. */
    assert_memory_equal(f->eng.resp.answers, before, sizeof before);
    pick(f, 5); /* Next with nothing ticked on screen: stays */
    expect_item(f, PRIV_THREATS);
    assert_memory_equal(f->eng.resp.answers, before, sizeof before);
    keys(f, "b"); /* back to the interviewer's item: no hand screens */
    expect_item(f, PRIV_WORK);
    assert_int_equal(scr(f)->cursor, 0); /* a normal answer still shows */
    assert_memory_equal(f->eng.resp.answers, before, sizeof before);

    /* Answering again replaces the hidden answer; ticks start empty. */
    pick(f, 0);
    keys(f, "o");
    expect_item(f, PRIV_THREATS);
    pick(f, 3);
    assert_int_equal(scr(f)->checked, 0x8);
    assert_int_equal(f->eng.resp.answers[PRIV_THREATS].value, 0x8);
    pick(f, 5);
    expect_item(f, PRIV_HURT);
    pick(f, 0); /* Yes */
    keys(f, "b"); /* just answered: hidden too */
    expect_item(f, PRIV_HURT);
    keys(f, "b");
    expect_item(f, PRIV_THREATS);
    assert_int_equal(scr(f)->checked, 0);
    keys(f, "x"); /* and quick exit wipes every private answer too */
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    assert_int_equal(f->eng.confirmed, 0);
    keys(f, "uuddo" "o");

    /* The walk again, saved: the stored answers are the last given. */
    start(f);
    pick(f, 0);
    keys(f, "o");
    pick(f, 1);
    pick(f, 5);
    pick(f, 1); /* hurt = yes */
    pick(f, 1);
    keys(f, "o");
    pick(f, 1);
    keys(f, "b"); /* from the review: back to the last asked item */
    expect_item(f, PRIV_HELP);
    pick(f, 1);
    pick(f, 1); /* Change answers */
    expect_item(f, PRIV_HELP);
    keys(f, "b");
    expect_item(f, PRIV_DAYS);
    assert_int_equal(scr(f)->number, 0);
    keys(f, "do" "uu" "o");
    pick(f, 1); /* days = 2 */
    keys(f, "o");
    pick(f, 0); /* help = yes */
    pick(f, 0); /* Save */
    read_only_response(f, &got);
    assert_int_equal(got.answers[PRIV_THREATS].value, 0x2);
    assert_int_equal(got.answers[PRIV_HURT].value, 1);
    assert_int_equal(got.answers[PRIV_DAYS].value, 2);
    assert_int_equal(got.answers[PRIV_HELP].value, 0);
}

static void the_default_survey_hands_the_coercion_questions_to_the_respondent(void **state)
{
    fx_t *f = *state;
    cnd_item_t it;
    cnd_answer_t expect[CND_MAX_ITEMS];
    const char *private_items[] = {"threats", "violence", "sexual_harm"};
    int i, handovers = 0, handbacks = 0, guard = 0;

    for (i = 0; i < 3; i++) {
        assert_int_equal(cnd_pack_item(&f->pack, item_named(f, private_items[i]), &it), CND_OK);
        assert_true(it.flags & CND_ITEM_F_PRIVATE);
    }
    start(f);
    memset(expect, 0, sizeof expect);
    while (guard++ < 200) {
        if (scr(f)->kind == CND_SCREEN_HANDOVER) {
            handovers++;
            keys(f, "o");
            expect_item(f, item_named(f, "threats"));
        } else if (scr(f)->kind == CND_SCREEN_HANDBACK) {
            handbacks++;
            keys(f, "o");
        } else if (scr(f)->kind == CND_SCREEN_ITEM) {
            answer_current(f, expect, -1, 0);
        } else {
            break;
        }
    }
    assert_int_equal(scr(f)->kind, CND_SCREEN_REVIEW);
    assert_int_equal(handovers, 1);
    assert_int_equal(handbacks, 1);
}

/* ------------------------------------------------- consent, PNA, referral */

static void prefer_not_is_on_every_item_unless_the_source_turns_it_off(void **state)
{
    fx_t *f = *state;
    cnd_item_t it;
    uint16_t i;
    fx_t *d = fx_new(FX_DEFAULT);

    /* mini: only `help` says "prefer_not": false; the others say nothing */
    for (i = 0; i < MINI_N; i++) {
        assert_int_equal(cnd_pack_item(&f->pack, i, &it), CND_OK);
        if (it.kind == CND_ITEM_INFO || i == MINI_HELP)
            assert_false(it.flags & CND_ITEM_F_PNA);
        else
            assert_true(it.flags & CND_ITEM_F_PNA);
    }
    for (i = 0; i < cnd_pack_item_count(&d->pack); i++) {
        assert_int_equal(cnd_pack_item(&d->pack, i, &it), CND_OK);
        assert_true(it.kind == CND_ITEM_INFO || (it.flags & CND_ITEM_F_PNA));
    }
    fx_free(d);
}

static void consent_comes_before_any_question(void **state)
{
    fx_t *f = *state;

    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    keys(f, "do");
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    assert_int_equal(cnd_engine_busy(&f->eng), 1);
    keys(f, "uuu" "l" "l"); /* nothing but Agree goes on */
    assert_int_equal(scr(f)->kind, CND_SCREEN_CONSENT);
    cnd_engine_consent_seen(&f->eng);
    keys(f, "l"); /* another language: its consent must be read too */
    assert_int_equal(scr(f)->n_options, 1);
    keys(f, "l");
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_LANGUAGE);
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    keys(f, "o" "do" "do");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL); /* declined */
    keys(f, "o" "o" "do");
    cnd_engine_consent_seen(&f->eng);
    keys(f, "do");
    expect_item(f, MINI_INTRO); /* agreed */
}

/* Runs one interview to the referral by `path` on a fresh device and
 * returns the device: saved then read, saved then quick exit before the
 * referral, or withdrawn / declined / cut (nothing saved). */
static fx_t *interview_to_referral(const char *path)
{
    fx_t *f = fx_new(FX_MINI);
    if (strcmp(path, "decline") == 0) {
        keys(f, "o" "do" "do");
    } else {
        walk_mini(f);
        if (strcmp(path, "withdraw") == 0) {
            pick(f, 2);
            pick(f, 1); /* Yes, delete them */
        }
        else if (strcmp(path, "cut") == 0)
            keys(f, "x" "uuddo");
        else
            pick(f, 0);
        if (strcmp(path, "save") == 0)
            keys(f, "o");
        else if (strcmp(path, "save+exit") == 0)
            keys(f, "x" "uuddo"); /* the referral is not skipped by a quick exit */
    }
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_str(scr(f)->body, "Call 100 for help");
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    return f;
}

static void referral_is_shown_after_every_ending_and_leaves_no_trace(void **state)
{
    fx_t *a = interview_to_referral("save"), *b = interview_to_referral("save+exit");
    const char *unsaved[] = {"withdraw", "decline", "cut"};
    fx_t *blank = fx_new(FX_MINI);
    uint32_t size = 4096u * 48u;
    int i;
    (void)state;

    /* The same answers with the same id, whichever way the referral was
     * reached: byte-identical flash. */
    assert_int_equal(cnd_store_pending_count(&a->store), 1);
    assert_memory_equal(a->rf.mem, b->rf.mem, size);
    /* Nothing saved: the flash is as it was before the interview. */
    for (i = 0; i < 3; i++) {
        fx_t *n = interview_to_referral(unsaved[i]);
        assert_int_equal(cnd_store_pending_count(&n->store), 0);
        assert_memory_equal(n->rf.mem, blank->rf.mem, size);
        fx_free(n);
    }
    fx_free(a);
    fx_free(b);
    fx_free(blank);
}

/* ------------------------------------------------------------------ admin */

#define TEST_PIN_ITER 1000u

/* Enters the digits of pin ("2468") on the PIN screen: UP/DOWN the
 * shorter way round from 0, then OK. */
static void enter_pin(fx_t *f, const char *pin)
{
    for (; *pin; pin++) {
        int d = *pin - '0', i;
        for (i = 0; i < (d <= 5 ? d : 10 - d); i++)
            keys(f, d <= 5 ? "u" : "d");
        assert_int_equal(scr(f)->pin_digit, d);
        keys(f, "o");
    }
}

static int note_has(fx_t *f, const char *text)
{
    return strstr(scr(f)->note, text) != NULL &&
           scr(f)->body.ptr == scr(f)->note && scr(f)->body.len == strlen(scr(f)->note);
}

static int setup_admin(void **state)
{
    fx_t *f = fx_alloc(FX_BLOCKS);
    static const uint8_t pin[] = {2, 4, 6, 8};
    cnd_err_t err;
    size_t plen = 0;

    memset(&err, 0, sizeof err);
    assert_int_equal(cnd_compile_json(mini_json, sizeof mini_json - 1, cnd_test_office_key(),
                                      f->packbuf, sizeof f->packbuf, &plen, &err),
                     CND_OK);
    if (cnd_pack_add_admin(f->packbuf, &plen, sizeof f->packbuf, pin, 4, TEST_PIN_ITER, &err) !=
        CND_OK)
        fail_msg("admin PIN: %s", err.msg);
    fx_install(f, plen);
    cnd_engine_init(&f->eng, &f->store, &f->hal, &f->pack);
    *state = f;
    return 0;
}

/* The device restarts on the same flash: store and engine from scratch. */
static void reboot(fx_t *f)
{
    memset(&f->store, 0, sizeof f->store);
    assert_int_equal(cnd_store_mount(&f->store, &f->hal), CND_OK);
    assert_int_equal(cnd_store_open_active_pack(&f->store, f->packbuf, sizeof f->packbuf,
                                                &f->pack),
                     CND_OK);
    cnd_engine_init(&f->eng, &f->store, &f->hal, &f->pack);
}

static void admin_settings_open_with_five_backs_on_home_and_the_pin(void **state)
{
    fx_t *f = *state;
    fx_t *m = fx_new(FX_MINI);
    cnd_pack_admin_t a;

    assert_int_equal(cnd_pack_admin(&f->pack, &a), CND_OK);
    assert_int_equal(a.digits, 4);
    assert_int_equal(a.iterations, TEST_PIN_ITER);
    assert_int_equal(cnd_pack_admin(&m->pack, &a), CND_E_NOT_FOUND);
    keys(m, "bbbbb"); /* a pack without an admin PIN has no settings */
    assert_int_equal(scr(m)->kind, CND_SCREEN_HOME);
    fx_free(m);

    keys(f, "bbbb");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    f->now_ms += CND_ENGINE_SEQ_WINDOW_MS + 1;
    keys(f, "b"); /* too slow */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    keys(f, "bbb" "d" "bbbb"); /* a stray key restarts it */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    keys(f, "b");
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_PIN);
    assert_int_equal(cnd_engine_busy(&f->eng), 1); /* no pack swap meanwhile */
    assert_int_equal(scr(f)->pin_len, 4);
    assert_int_equal(scr(f)->pin_entered, 0);
    assert_true(note_has(f, "[0] _ _ _"));
    keys(f, "dd"); /* digits wrap: 0 -> 9 -> 8 */
    assert_int_equal(scr(f)->pin_digit, 8);
    keys(f, "o");
    assert_int_equal(scr(f)->pin_entered, 1);
    assert_true(note_has(f, "* [0] _ _"));
    keys(f, "b"); /* deletes the digit */
    assert_int_equal(scr(f)->pin_entered, 0);
    assert_true(all_zero(f->eng.pin, sizeof f->eng.pin));
    keys(f, "b"); /* and with none left, leaves */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);

    keys(f, "bbbbb");
    enter_pin(f, "2468");
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    assert_true(all_zero(f->eng.pin, sizeof f->eng.pin)); /* the PIN is gone from RAM */
    assert_int_equal(scr(f)->n_options, 3);
    assert_str(scr(f)->options[1], "Wipe device");
    assert_true(note_has(f, "Not synced: 0 responses"));
    assert_true(note_has(f, "Today: 2023-05-19")); /* day 1234 */
    pick(f, 2); /* Leave */
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);

    /* Quick exit works in the settings too, and returns to HOME. */
    keys(f, "bbbbb" "uuo");
    keys(f, "x");
    assert_int_equal(scr(f)->kind, CND_SCREEN_NEUTRAL);
    assert_true(all_zero(f->eng.pin, sizeof f->eng.pin));
    keys(f, "uuddo");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
}

static void wrong_pins_back_off_doubling_and_the_count_survives_a_reboot(void **state)
{
    fx_t *f = *state;
    int i;

    keys(f, "bbbbb");
    for (i = 1; i <= 3; i++) {
        enter_pin(f, "1234");
        assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_PIN);
        assert_true(note_has(f, "Wrong PIN"));
        assert_int_equal(scr(f)->pin_failures, i);
        assert_int_equal(cnd_store_pin_failures(&f->store), i);
    }
    assert_int_equal(scr(f)->wait_s, 30); /* three free tries, then 30 s */
    assert_true(note_has(f, "try again in 30 s"));
    keys(f, "uuo" "o" "o" "o"); /* nothing is entered meanwhile, not even the right PIN */
    assert_int_equal(scr(f)->pin_entered, 0);
    assert_int_equal(scr(f)->pin_failures, 3);
    f->now_ms += 29000;
    keys(f, "u");
    assert_int_equal(scr(f)->wait_s, 1);
    f->now_ms += 1000;
    keys(f, "d");
    assert_int_equal(scr(f)->wait_s, 0);
    keys(f, "u"); /* back to 0 */
    enter_pin(f, "8642");
    assert_int_equal(scr(f)->pin_failures, 4);
    assert_int_equal(scr(f)->wait_s, 60); /* doubled */

    /* Power off and on: the count is on flash, the wait starts again. */
    f->now_ms = 500;
    reboot(f);
    assert_int_equal(cnd_store_pin_failures(&f->store), 4);
    keys(f, "bbbbb");
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_PIN);
    assert_int_equal(scr(f)->wait_s, 60);
    f->now_ms += 60000;
    keys(f, "u");
    assert_int_equal(scr(f)->wait_s, 0);
    keys(f, "d");
    enter_pin(f, "2468");
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    assert_int_equal(cnd_store_pin_failures(&f->store), 0);
    reboot(f);
    assert_int_equal(cnd_store_pin_failures(&f->store), 0);

    /* The wait is capped at an hour. */
    assert_int_equal(cnd_store_set_pin_failures(&f->store, 40), CND_OK);
    keys(f, "bbbbb");
    assert_int_equal(scr(f)->wait_s, CND_ENGINE_PIN_WAIT_MAX_MS / 1000u);
}

static int set_day;
static cnd_status_t fx_set_today(void *ctx, uint16_t day)
{
    (void)ctx;
    set_day = day;
    return CND_OK;
}

static void the_date_is_set_field_by_field_after_the_pin(void **state)
{
    fx_t *f = *state;

    keys(f, "bbbbb");
    enter_pin(f, "2468");
    pick(f, 0); /* Set date: this port cannot */
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    assert_true(note_has(f, "cannot set its date"));

    f->hal.set_today = fx_set_today;
    set_day = -1;
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_DATE);
    assert_int_equal(scr(f)->date_year, 2023);
    assert_int_equal(scr(f)->date_month, 5);
    assert_int_equal(scr(f)->date_day, 19);
    assert_true(note_has(f, "[2023]-05-19"));
    keys(f, "u" "o"); /* 2024 */
    keys(f, "uuuuuuuuuu" "o"); /* March */
    assert_true(note_has(f, "2024-03-[19]"));
    keys(f, "uuuuuuuuuuuu"); /* 31 */
    assert_int_equal(scr(f)->date_day, 31);
    keys(f, "b" "d"); /* back to the month: February, the day follows */
    assert_int_equal(scr(f)->date_month, 2);
    assert_int_equal(scr(f)->date_day, 29);
    keys(f, "o" "o");
    assert_int_equal(set_day, 1461 + 31 + 28); /* 2024-02-29 */
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    assert_true(note_has(f, "Date set."));
    assert_int_equal(f->rf.mem[0] == 0xFF, 0); /* formatted, not wiped */
}

static void wipe_after_the_pin_asks_twice_and_erases_every_response(void **state)
{
    fx_t *f = *state;
    uint32_t b, i, dirty = 0;

    walk_mini(f);
    pick(f, 0);
    keys(f, "oo");
    assert_int_equal(pending(f), 1);
    keys(f, "bbbbb");
    enter_pin(f, "2468");
    assert_true(note_has(f, "Not synced: 1 response\n"));
    pick(f, 1);
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_WIPE);
    assert_int_equal(scr(f)->admin_step, 1);
    assert_int_equal(scr(f)->pending, 1);
    assert_true(note_has(f, "1 response not synced yet will be lost"));
    assert_int_equal(scr(f)->cursor, 0); /* Cancel first */
    pick(f, 0);
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    pick(f, 1);
    pick(f, 1); /* Wipe: asked again */
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN_WIPE);
    assert_int_equal(scr(f)->admin_step, 2);
    assert_int_equal(scr(f)->cursor, 0);
    keys(f, "b"); /* backing out is always possible */
    assert_int_equal(scr(f)->kind, CND_SCREEN_ADMIN);
    assert_int_equal(pending(f), 1);
    pick(f, 1);
    pick(f, 1);
    pick(f, 1); /* Erase now */
    assert_int_equal(scr(f)->kind, CND_SCREEN_NO_SURVEY);
    assert_int_equal(cnd_engine_busy(&f->eng), 0);
    assert_int_equal(pending(f), 0);
    /* Only the new format remains: every block past the first three
     * (superblock, state) is erased. */
    for (b = 3; b < 48; b++)
        for (i = 0; i < 4096; i++)
            dirty += f->rf.mem[b * 4096 + i] != 0xFF;
    assert_int_equal(dirty, 0);
    memset(&f->store, 0, sizeof f->store);
    assert_int_equal(cnd_store_mount(&f->store, &f->hal), CND_OK);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
    assert_int_equal(cnd_store_open_active_pack(&f->store, f->packbuf, sizeof f->packbuf,
                                                &f->pack),
                     CND_E_NO_SURVEY);
}

/* Issue 13 on the default survey: exclusive ticks, the eligibility
 * ending (nothing stored, referral), the language not carried over, and
 * the home screen's words from the pack. */
static void exclusive_choices_eligibility_and_language_reset(void **state)
{
    fx_t *f = *state;
    uint16_t terms = item_named(f, "terms_differ"), age = item_named(f, "age_group");
    uint8_t nothing = choice_named(f, terms, "nothing"), more = choice_named(f, terms, "more_hours");
    uint8_t other = choice_named(f, terms, "other_tasks");
    uint8_t under = choice_named(f, age, "under_18");

    assert_true(scr(f)->draft); /* the default survey is a draft */
    assert_true(str_same(scr(f)->body, ui(f, CND_UI_DRAFT)));
    assert_string_equal(scr(f)->pending_text, "0 to sync");

    /* Under 18: a kind ending, the referral, nothing stored. */
    start_in(f, 1); /* Espanol */
    expect_item(f, age);
    cnd_ram_flash_reset_counters(&f->rf);
    pick(f, under);
    assert_int_equal(scr(f)->kind, CND_SCREEN_INELIGIBLE);
    assert_true(str_same(scr(f)->title, cnd_pack_ui(&f->pack, 1, CND_UI_INELIGIBLE)));
    assert_true(all_zero(&f->eng.resp, sizeof f->eng.resp));
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_REFERRAL);
    assert_int_equal(scr(f)->lang, 1); /* in the respondent's language */
    keys(f, "o");
    assert_int_equal(scr(f)->kind, CND_SCREEN_HOME);
    assert_int_equal(scr(f)->lang, 0); /* the next respondent chooses again */
    assert_int_equal(f->rf.prog_count + f->rf.erase_count, 0);
    assert_int_equal(pending(f), 0);

    /* Exclusive: ticking "nothing" clears the others and the reverse. */
    start(f);
    pick(f, 2);
    while (next_item(f) && scr(f)->item != terms)
        pick(f, 0);
    expect_item(f, terms);
    pick(f, more);
    pick(f, other);
    assert_int_equal(scr(f)->checked, (1u << more) | (1u << other));
    pick(f, nothing);
    assert_int_equal(scr(f)->checked, 1u << nothing);
    pick(f, more);
    assert_int_equal(scr(f)->checked, 1u << more);
    assert_int_equal(f->eng.resp.answers[terms].value, 1 << more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(consent_decline_stores_nothing_and_shows_referral,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(exclusive_choices_eligibility_and_language_reset,
                                        setup_default, teardown),
        cmocka_unit_test_setup_teardown(
            full_interview_saves_exactly_one_record_with_the_chosen_answers, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(
            sleeping_place_is_skipped_when_living_elsewhere_and_asked_otherwise, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(
            back_navigation_keeps_earlier_answers_and_clears_irrelevant_ones, setup_mini,
            teardown),
        cmocka_unit_test_setup_teardown(
            language_switch_mid_interview_changes_every_label_and_the_saved_lang, setup_mini,
            teardown),
        cmocka_unit_test_setup_teardown(
            prefer_not_to_answer_is_offered_on_every_item_and_recorded_as_pna, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(
            quick_exit_returns_only_after_up_up_down_down_ok_within_five_seconds, setup_mini,
            teardown),
        cmocka_unit_test_setup_teardown(
            hand_over_screens_come_before_and_after_a_run_of_private_items, setup_private,
            teardown),
        cmocka_unit_test_setup_teardown(
            back_on_a_confirmed_private_item_shows_no_answer_and_keeps_it, setup_private,
            teardown),
        cmocka_unit_test_setup_teardown(
            the_default_survey_hands_the_coercion_questions_to_the_respondent, setup_default,
            teardown),
        cmocka_unit_test_setup_teardown(prefer_not_is_on_every_item_unless_the_source_turns_it_off,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(consent_comes_before_any_question, setup_mini, teardown),
        cmocka_unit_test(referral_is_shown_after_every_ending_and_leaves_no_trace),
        cmocka_unit_test_setup_teardown(admin_settings_open_with_five_backs_on_home_and_the_pin,
                                        setup_admin, teardown),
        cmocka_unit_test_setup_teardown(
            wrong_pins_back_off_doubling_and_the_count_survives_a_reboot, setup_admin, teardown),
        cmocka_unit_test_setup_teardown(the_date_is_set_field_by_field_after_the_pin,
                                        setup_admin, teardown),
        cmocka_unit_test_setup_teardown(
            wipe_after_the_pin_asks_twice_and_erases_every_response, setup_admin, teardown),
        cmocka_unit_test_setup_teardown(neutral_screen_is_a_clock_and_shows_nothing_of_the_survey,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(quick_exit_wipes_the_answers_from_ram_and_stores_nothing,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(withdraw_on_review_stores_nothing_and_shows_referral,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(saved_is_shown_only_after_verified_commit, setup_mini,
                                        teardown),
        cmocka_unit_test_setup_teardown(save_failed_keeps_answers_and_ok_retries, setup_mini,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_random_id_means_not_saved, setup_mini, teardown),
        cmocka_unit_test_setup_teardown(multi_choice_toggles_ticks_and_next_needs_one,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(integer_entry_stays_within_min_and_max, setup_mini,
                                        teardown),
        cmocka_unit_test_setup_teardown(yes_no_without_prefer_not_offers_only_yes_and_no,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(referral_is_shown_to_everyone_in_the_current_language,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(review_lists_every_asked_item_with_its_answer,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(busy_from_consent_until_the_interview_ends, setup_mini,
                                        teardown),
        cmocka_unit_test_setup_teardown(new_pack_returns_to_home_and_no_pack_shows_no_survey,
                                        setup_mini, teardown),
        cmocka_unit_test_setup_teardown(home_shows_the_pending_count, setup_mini, teardown),
        cmocka_unit_test_setup_teardown(
            home_warns_from_80_and_95_percent_full_and_start_still_works, setup_mini, teardown),
        cmocka_unit_test_setup_teardown(
            start_is_refused_when_a_response_could_not_be_kept_until_a_sync, setup_mini,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
