/* test_record.c: a saved response reads back exactly in the fewest bits its
 * survey allows, damaged bytes are refused whole, and answers that the
 * survey could not produce are never encoded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "compile.h"
#include "pack.h"
#include "record.h"
#include "test_key.h"

static uint8_t g_default_buf[CND_MAX_PACK_SIZE], g_small_buf[CND_MAX_PACK_SIZE];
static cnd_pack_t g_default, g_small;

/*
 * A small survey whose bit layout is worked out by hand below: three
 * languages (2 bits), an info screen (0 bits), a single-choice item with
 * one choice and no "prefer not" (0 bits, 1 with a NONE code), an integer
 * -5..1000 with PNA (1007 codes: 10 bits), a yes/no asked only when the
 * integer is above 10 (3 codes: 2 bits), a 3-choice multi with PNA
 * (7 masks + PNA = 8 codes: 3 bits; 9 with NONE: 4 bits).
 */
static const char SMALL[] =
    "{\"id\": \"bits\", \"version\": 1,"
    " \"languages\": [{\"code\": \"en\", \"name\": \"English\"}, {\"code\": \"es\", \"name\": \"Espanol\"},"
    "                 {\"code\": \"fr\", \"name\": \"Francais\"}],"
    " \"title\": {\"en\": \"T\", \"es\": \"T\", \"fr\": \"T\"},"
    " \"consent\": {\"en\": \"C\", \"es\": \"C\", \"fr\": \"C\"},"
    " \"referral\": {\"en\": \"R\", \"es\": \"R\", \"fr\": \"R\"},"
    " \"ui\": {\"fr\": {"
    "\"prefer_not\": \"x\", \"yes\": \"x\", \"no\": \"x\", "
    "\"agree\": \"x\", \"decline\": \"x\", \"next\": \"x\", "
    "\"review_title\": \"x\", \"save\": \"x\", \"change\": \"x\", "
    "\"withdraw\": \"x\", \"saved\": \"x\", \"not_saved\": \"x\", "
    "\"start\": \"x\", \"referral_title\": \"x\", \"done\": \"x\", "
    "\"skipped\": \"x\", "
    "\"handover_title\": \"x\", \"handover_body\": \"x\", \"handback_title\": \"x\", "
    "\"handback_body\": \"x\", \"pending_one\": \"x\", \"pending_other\": \"x\", "
    "\"more_one\": \"x\", \"more_other\": \"x\", \"storage_warn\": \"x\", "
    "\"storage_urgent\": \"x\", \"storage_full\": \"x\", \"confirm_withdraw\": \"x\", "
    "\"keep\": \"x\", \"delete\": \"x\", \"ineligible\": \"x\", "
    "\"draft\": \"x\", \"choose_language\": \"x\""
    "}},"
    " \"items\": ["
    "  {\"name\": \"intro\", \"kind\": \"info\", \"label\": {\"en\": \"I\", \"es\": \"I\", \"fr\": \"I\"}},"
    "  {\"name\": \"only\", \"kind\": \"single\", \"prefer_not\": false,"
    "   \"label\": {\"en\": \"O\", \"es\": \"O\", \"fr\": \"O\"},"
    "   \"choices\": [{\"name\": \"ok\", \"label\": {\"en\": \"k\", \"es\": \"k\", \"fr\": \"k\"}}]},"
    "  {\"name\": \"hours\", \"kind\": \"integer\", \"min\": -5, \"max\": 1000,"
    "   \"label\": {\"en\": \"H\", \"es\": \"H\", \"fr\": \"H\"}},"
    "  {\"name\": \"paid\", \"kind\": \"yesno\", \"relevant\": \"hours > 10\","
    "   \"label\": {\"en\": \"P\", \"es\": \"P\", \"fr\": \"P\"}},"
    "  {\"name\": \"tasks\", \"kind\": \"multiple\", \"label\": {\"en\": \"M\", \"es\": \"M\", \"fr\": \"M\"},"
    "   \"choices\": [{\"name\": \"a\", \"label\": {\"en\": \"a\", \"es\": \"a\", \"fr\": \"a\"}},"
    "               {\"name\": \"b\", \"label\": {\"en\": \"b\", \"es\": \"b\", \"fr\": \"b\"}},"
    "               {\"name\": \"c\", \"label\": {\"en\": \"c\", \"es\": \"c\", \"fr\": \"c\"}}]}"
    " ]}";

enum { S_INTRO, S_ONLY, S_HOURS, S_PAID, S_TASKS, S_N };

static int compile_packs(void **state)
{
    static char json[65536];
    FILE *f = fopen(CND_SOURCE_DIR "/surveys/domestic-work.json", "rb");
    size_t n, len = 0;
    cnd_err_t err;
    (void)state;
    if (!f)
        return -1;
    n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    memset(&err, 0, sizeof err);
    if (cnd_compile_json(json, n, cnd_test_office_key(), g_default_buf, sizeof g_default_buf, &len,
                         &err) != CND_OK ||
        cnd_pack_open(&g_default, g_default_buf, (uint32_t)len) != CND_OK)
        return -1;
    if (cnd_compile_json(SMALL, sizeof SMALL - 1, cnd_test_office_key(), g_small_buf,
                         sizeof g_small_buf, &len, &err) != CND_OK) {
        print_error("small survey: %s\n", err.msg);
        return -1;
    }
    return cnd_pack_open(&g_small, g_small_buf, (uint32_t)len) == CND_OK ? 0 : -1;
}

static void assert_same_response(const cnd_response_t *a, const cnd_response_t *b)
{
    uint8_t i;
    assert_memory_equal(a->id, b->id, CND_RESPONSE_ID_LEN);
    assert_int_equal(a->pack_fp, b->pack_fp);
    assert_int_equal(a->day, b->day);
    assert_int_equal(a->lang, b->lang);
    assert_int_equal(a->n_answers, b->n_answers);
    for (i = 0; i < a->n_answers; i++) {
        assert_int_equal(a->answers[i].state, b->answers[i].state);
        if (a->answers[i].state == CND_ANS_VALUE)
            assert_int_equal(a->answers[i].value, b->answers[i].value);
    }
}

static int is_zeroed(const cnd_response_t *r)
{
    static const cnd_response_t zero;
    return memcmp(r, &zero, sizeof(zero)) == 0;
}

/* Encodes, checks the bound, decodes, compares, re-encodes identically. */
static size_t round_trip(const cnd_response_t *in, const cnd_pack_t *pk, uint8_t *buf)
{
    uint8_t again[CND_RECORD_BODY_MAX];
    cnd_response_t out;
    size_t len = 0, len2 = 0;
    assert_int_equal(cnd_record_encode(in, pk, buf, CND_RECORD_BODY_MAX, &len), CND_OK);
    assert_true(len > CND_RECORD_HEAD_LEN && len <= CND_RECORD_BODY_MAX);
    assert_int_equal(buf[0], CND_RECORD_VERSION);
    assert_int_equal(cnd_record_decode(buf, len, pk, &out), CND_OK);
    assert_same_response(in, &out);
    assert_int_equal(cnd_response_check(&out, pk), CND_OK);
    assert_int_equal(cnd_record_encode(&out, pk, again, sizeof again, &len2), CND_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(again, buf, len);
    return len;
}

static void random_answers_of_the_default_survey_read_back_exactly(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    int sleeping = cnd_pack_find_item(&g_default, "sleeping_place", 14);
    unsigned asked = 0, skipped = 0, complete_len = 0, seed;
    (void)state;
    assert_true(sleeping > 0);
    for (seed = 0; seed < 4000; seed++) {
        cnd_response_t r;
        size_t len;
        /* Every fourth response leaves some relevant items unanswered. */
        cnd_test_random_response(&g_default, seed, seed % 4 == 3 ? 40 : 0, &r);
        len = round_trip(&r, &g_default, buf);
        if (seed % 4 != 3) {
            /* Every answered default response is 13 clear bytes plus 11:
             * 16 day + 1 language + 1 flag + 63 or 65 bits of answers. */
            assert_int_equal(len, CND_RECORD_HEAD_LEN + 11);
            complete_len++;
        }
        if (r.answers[sleeping].state != CND_ANS_NONE)
            asked++;
        else
            skipped++;
    }
    /* Both sides of the skip were exercised. */
    assert_true(asked > 500 && skipped > 500 && complete_len == 3000);
}

static void random_answers_of_a_survey_with_every_kind_read_back_exactly(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    unsigned seed, paid_asked = 0;
    (void)state;
    for (seed = 0; seed < 4000; seed++) {
        cnd_response_t r;
        cnd_test_random_response(&g_small, seed, seed % 3 == 0 ? 64 : 0, &r);
        round_trip(&r, &g_small, buf);
        paid_asked += r.answers[S_PAID].state != CND_ANS_NONE;
    }
    assert_true(paid_asked > 500 && paid_asked < 3500);
}

/* A bit writer for hand-made bodies (LSB first, as SPEC 3.3 says). */
typedef struct {
    uint8_t b[32];
    size_t pos;
} bits_t;

static void put(bits_t *w, uint64_t v, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++, w->pos++)
        if ((v >> i) & 1u)
            w->b[w->pos / 8] |= (uint8_t)(1u << (w->pos % 8));
}

static void small_response(cnd_response_t *r)
{
    memset(r, 0, sizeof *r);
    memcpy(r->id, "\x11\x22\x33\x44\x55\x66\x77\x88", CND_RESPONSE_ID_LEN);
    r->pack_fp = g_small.fingerprint;
    r->day = 0xBEEF;
    r->lang = 2;
    r->n_answers = S_N;
    r->answers[S_ONLY] = (cnd_answer_t){CND_ANS_VALUE, 0};
    r->answers[S_HOURS] = (cnd_answer_t){CND_ANS_VALUE, 20};
    r->answers[S_PAID] = (cnd_answer_t){CND_ANS_VALUE, 1};
    r->answers[S_TASKS] = (cnd_answer_t){CND_ANS_VALUE, 5};
}

/* Head of a hand-made body: version, id, fingerprint; then the writer. */
static void start(bits_t *w, const cnd_response_t *r)
{
    memset(w, 0, sizeof *w);
    w->b[0] = CND_RECORD_VERSION;
    memcpy(w->b + 1, r->id, CND_RESPONSE_ID_LEN);
    w->b[9] = (uint8_t)r->pack_fp;
    w->b[10] = (uint8_t)(r->pack_fp >> 8);
    w->b[11] = (uint8_t)(r->pack_fp >> 16);
    w->b[12] = (uint8_t)(r->pack_fp >> 24);
    w->pos = CND_RECORD_HEAD_LEN * 8;
}

static void the_bits_are_laid_out_as_the_spec_says(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t r, out;
    bits_t w;
    size_t len = 0;
    (void)state;
    small_response(&r);
    start(&w, &r);
    put(&w, 0xBEEF, 16); /* day */
    put(&w, 2, 2);       /* language 2 of 3 */
    put(&w, 1, 1);       /* complete */
    /* intro: 0 bits; only: 1 code, 0 bits */
    put(&w, 25, 10); /* hours 20 = min + 25 */
    put(&w, 1, 2);   /* paid: yes (value 1) */
    put(&w, 4, 3);   /* tasks: mask 5 - 1 */
    assert_int_equal(w.pos, CND_RECORD_HEAD_LEN * 8 + 34);
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_RECORD_HEAD_LEN + 5);
    assert_memory_equal(buf, w.b, len);

    /* hours 5: paid is not relevant and costs nothing; tasks PNA = code 7. */
    r.answers[S_HOURS].value = 5;
    r.answers[S_PAID] = (cnd_answer_t){CND_ANS_NONE, 0};
    r.answers[S_TASKS] = (cnd_answer_t){CND_ANS_PNA, 0};
    start(&w, &r);
    put(&w, 0xBEEF, 16);
    put(&w, 2, 2);
    put(&w, 1, 1);
    put(&w, 10, 10);
    put(&w, 7, 3);
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_RECORD_HEAD_LEN + 4);
    assert_memory_equal(buf, w.b, len);

    /* Tasks unanswered: flag 0, and every relevant item gets a NONE code
     * after its values and PNA (only: 1 bit; tasks: 4 bits, NONE = 8). */
    r.answers[S_TASKS] = (cnd_answer_t){CND_ANS_NONE, 0};
    start(&w, &r);
    put(&w, 0xBEEF, 16);
    put(&w, 2, 2);
    put(&w, 0, 1);
    put(&w, 0, 1);   /* only: choice 0 */
    put(&w, 10, 10); /* hours 5 */
    put(&w, 8, 4);   /* tasks: NONE */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_RECORD_HEAD_LEN + 5);
    assert_memory_equal(buf, w.b, len);
    assert_int_equal(cnd_record_decode(w.b, len, &g_small, &out), CND_OK);
    assert_same_response(&r, &out);
}

static void a_complete_response_written_as_incomplete_is_refused(void **state)
{
    cnd_response_t r, out;
    bits_t w;
    (void)state;
    small_response(&r);
    /* The same answers as in the first layout, but with flag 0 and NONE
     * codes: a second encoding of one response, so it is refused. */
    start(&w, &r);
    put(&w, 0xBEEF, 16);
    put(&w, 2, 2);
    put(&w, 0, 1);
    put(&w, 0, 1);
    put(&w, 25, 10);
    put(&w, 1, 2);
    put(&w, 4, 4);
    assert_int_equal(cnd_record_decode(w.b, (w.pos + 7) / 8, &g_small, &out), CND_E_INVALID);
    assert_true(is_zeroed(&out));
}

static void every_truncation_and_any_trailing_byte_is_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX + 1];
    unsigned seed;
    (void)state;
    for (seed = 0; seed < 50; seed++) {
        cnd_response_t in, out;
        size_t len = 0, cut;
        cnd_test_random_response(seed % 2 ? &g_small : &g_default, seed, seed % 5 ? 0 : 50, &in);
        assert_int_equal(cnd_record_encode(&in, seed % 2 ? &g_small : &g_default, buf,
                                           sizeof buf, &len),
                         CND_OK);
        for (cut = 0; cut < len; cut++) {
            memset(&out, 0xA5, sizeof out);
            assert_int_not_equal(cnd_record_decode(buf, cut, seed % 2 ? &g_small : &g_default,
                                                   &out),
                                 CND_OK);
            assert_true(is_zeroed(&out)); /* no partial result */
        }
        buf[len] = 0;
        assert_int_equal(cnd_record_decode(buf, len + 1, seed % 2 ? &g_small : &g_default, &out),
                         CND_E_INVALID);
        assert_true(is_zeroed(&out));
    }
}

static void a_set_padding_bit_is_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t r, out;
    size_t len = 0;
    unsigned bit;
    (void)state;
    small_response(&r); /* 34 bits: the last byte has 6 padding bits */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_record_decode(buf, len, &g_small, &out), CND_OK);
    for (bit = 2; bit < 8; bit++) {
        buf[len - 1] ^= (uint8_t)(1u << bit);
        assert_int_equal(cnd_record_decode(buf, len, &g_small, &out), CND_E_INVALID);
        assert_true(is_zeroed(&out));
        buf[len - 1] ^= (uint8_t)(1u << bit);
    }
    /* A whole zero byte of padding is a trailing byte. */
    buf[len] = 0;
    assert_int_equal(cnd_record_decode(buf, len + 1, &g_small, &out), CND_E_INVALID);
}

static void codes_outside_their_item_are_refused(void **state)
{
    cnd_response_t r, out;
    bits_t w;
    (void)state;
    small_response(&r);
    /* language 3 of 3 */
    start(&w, &r);
    put(&w, 1, 16);
    put(&w, 3, 2);
    put(&w, 1, 1);
    put(&w, 25, 10);
    put(&w, 1, 2);
    put(&w, 4, 3);
    assert_int_equal(cnd_record_decode(w.b, (w.pos + 7) / 8, &g_small, &out), CND_E_RANGE);
    /* hours code 1007 (past PNA = 1006) */
    start(&w, &r);
    put(&w, 1, 16);
    put(&w, 0, 2);
    put(&w, 1, 1);
    put(&w, 1007, 10);
    put(&w, 7, 3);
    assert_int_equal(cnd_record_decode(w.b, (w.pos + 7) / 8, &g_small, &out), CND_E_RANGE);
    /* paid code 3 (after no, yes, PNA) */
    start(&w, &r);
    put(&w, 1, 16);
    put(&w, 0, 2);
    put(&w, 1, 1);
    put(&w, 25, 10);
    put(&w, 3, 2);
    put(&w, 0, 3);
    assert_int_equal(cnd_record_decode(w.b, (w.pos + 7) / 8, &g_small, &out), CND_E_RANGE);
    assert_true(is_zeroed(&out));
}

static void every_flipped_bit_is_refused_or_reads_as_another_valid_response(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX], again[CND_RECORD_BODY_MAX];
    unsigned seed, refused = 0, other = 0;
    (void)state;
    for (seed = 0; seed < 40; seed++) {
        cnd_response_t in, out;
        const cnd_pack_t *pk = seed % 2 ? &g_small : &g_default;
        size_t len = 0, bit, n = 0;
        cnd_test_random_response(pk, 1000 + seed, seed % 4 ? 0 : 60, &in);
        assert_int_equal(cnd_record_encode(&in, pk, buf, sizeof buf, &len), CND_OK);
        for (bit = CND_RECORD_HEAD_LEN * 8; bit < len * 8; bit++) {
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (cnd_record_decode(buf, len, pk, &out) == CND_OK) {
                /* Canonical: what decodes is exactly what encodes. */
                assert_int_equal(cnd_response_check(&out, pk), CND_OK);
                assert_int_equal(cnd_record_encode(&out, pk, again, sizeof again, &n), CND_OK);
                assert_int_equal(n, len);
                assert_memory_equal(again, buf, len);
                other++;
            } else {
                assert_true(is_zeroed(&out));
                refused++;
            }
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
    assert_true(refused > 0 && other > 0);
}

static void answers_the_survey_could_not_produce_are_not_encoded(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    int lives = cnd_pack_find_item(&g_default, "lives_in", 8);
    int sleeping = cnd_pack_find_item(&g_default, "sleeping_place", 14);
    cnd_response_t r;
    size_t len = 99;
    (void)state;
    /* Not relevant (lives elsewhere) but answered: the engine clears it. */
    cnd_test_random_response(&g_default, 7, 0, &r);
    r.answers[lives] = (cnd_answer_t){CND_ANS_VALUE, 1};
    r.answers[sleeping] = (cnd_answer_t){CND_ANS_VALUE, 0};
    assert_int_equal(cnd_record_encode(&r, &g_default, buf, sizeof buf, &len), CND_E_INVALID);
    assert_int_equal(len, 0);
    r.answers[sleeping] = (cnd_answer_t){CND_ANS_PNA, 0};
    assert_int_equal(cnd_record_encode(&r, &g_default, buf, sizeof buf, &len), CND_E_INVALID);
    r.answers[lives] = (cnd_answer_t){CND_ANS_VALUE, 0}; /* lives in: now it is asked */
    assert_int_equal(cnd_record_encode(&r, &g_default, buf, sizeof buf, &len), CND_OK);

    small_response(&r);
    r.answers[S_INTRO] = (cnd_answer_t){CND_ANS_PNA, 0}; /* an info screen has no answer */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_INVALID);
    small_response(&r);
    r.answers[S_ONLY] = (cnd_answer_t){CND_ANS_PNA, 0}; /* not offered there */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_INVALID);
    small_response(&r);
    r.answers[S_ONLY].value = 1; /* one choice only */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    r.answers[S_HOURS].value = 1001;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    r.answers[S_HOURS].value = -6;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    r.answers[S_HOURS].value = -5; /* the ends are fine; paid is then skipped */
    r.answers[S_PAID].state = CND_ANS_NONE;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    small_response(&r);
    r.answers[S_PAID].value = 2;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    r.answers[S_TASKS].value = 0; /* an empty mask is no answer */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    r.answers[S_TASKS].value = 8; /* a fourth choice */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    r.answers[S_TASKS].state = 3; /* no such state */
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    r.lang = 3;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    r.n_answers = S_N + 1;
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_E_RANGE);
    small_response(&r);
    assert_int_equal(cnd_record_encode(&r, &g_default, buf, sizeof buf, &len), CND_E_NOT_FOUND);
    /* Too little room: refused, nothing claimed written. */
    small_response(&r);
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, CND_RECORD_HEAD_LEN + 4, &len),
                     CND_E_NOSPACE);
    assert_int_equal(len, 0);
}

static void another_version_or_another_survey_is_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t r, out;
    size_t len = 0;
    (void)state;
    small_response(&r);
    assert_int_equal(cnd_record_encode(&r, &g_small, buf, sizeof buf, &len), CND_OK);
    /* The bits mean nothing without their own pack. */
    assert_int_equal(cnd_record_decode(buf, len, &g_default, &out), CND_E_NOT_FOUND);
    assert_true(is_zeroed(&out));
    buf[0] = 1; /* version 1 bodies were byte-coded */
    assert_int_equal(cnd_record_decode(buf, len, &g_small, &out), CND_E_VERSION);
    assert_int_equal(cnd_record_decode(buf, 0, &g_small, &out), CND_E_TRUNCATED);
}

static void the_worst_case_bound_covers_the_widest_codes(void **state)
{
    (void)state;
    /* 13 clear bytes, then 16 + 2 + 1 + 64 x 33 bits rounded up. */
    assert_int_equal(CND_RECORD_BODY_MAX, 13 + (16 + 2 + 1 + 64 * 33 + 7) / 8);
    assert_int_equal(CND_ENTRY_BODY_MAX, CND_RECORD_BODY_MAX - 13 + 19 + 16);
}

static void varint_and_zigzag_cover_the_whole_int32_range(void **state)
{
    static const int32_t v[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN};
    uint8_t b[5];
    size_t i;
    (void)state;
    assert_int_equal(cnd_zigzag_encode(0), 0);
    assert_int_equal(cnd_zigzag_encode(-1), 1);
    assert_int_equal(cnd_zigzag_encode(1), 2);
    assert_int_equal(cnd_zigzag_encode(INT32_MIN), 0xFFFFFFFFu);
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint32_t z = cnd_zigzag_encode(v[i]), back = 0;
        size_t pos = 0, n = cnd_varint_put(b, z);
        assert_true(n >= 1 && n <= 5);
        assert_int_equal(cnd_varint_get(b, n, &pos, &back), CND_OK);
        assert_int_equal(pos, n);
        assert_int_equal(back, z);
        assert_int_equal(cnd_zigzag_decode(back), v[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_answers_of_the_default_survey_read_back_exactly),
        cmocka_unit_test(random_answers_of_a_survey_with_every_kind_read_back_exactly),
        cmocka_unit_test(the_bits_are_laid_out_as_the_spec_says),
        cmocka_unit_test(a_complete_response_written_as_incomplete_is_refused),
        cmocka_unit_test(every_truncation_and_any_trailing_byte_is_refused),
        cmocka_unit_test(a_set_padding_bit_is_refused),
        cmocka_unit_test(codes_outside_their_item_are_refused),
        cmocka_unit_test(every_flipped_bit_is_refused_or_reads_as_another_valid_response),
        cmocka_unit_test(answers_the_survey_could_not_produce_are_not_encoded),
        cmocka_unit_test(another_version_or_another_survey_is_refused),
        cmocka_unit_test(the_worst_case_bound_covers_the_widest_codes),
        cmocka_unit_test(varint_and_zigzag_cover_the_whole_int32_range),
    };
    return cmocka_run_group_tests(tests, compile_packs, NULL);
}
