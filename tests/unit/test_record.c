/* test_record.c: a saved response reads back exactly, damaged bytes are
 * refused whole, and answers that the survey could not produce are caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "compile.h"
#include "pack.h"
#include "record.h"
#include "test_key.h"

static void fill_response(cnd_response_t *r, uint8_t n, uint32_t seed)
{
    uint8_t i;
    static const int32_t values[] = {0,         1,         2,           63,  64,  -1,
                                     -64,       -65,       127,         128, 300, 100000,
                                     INT32_MAX, INT32_MIN, -2147483647, 8191};
    memset(r, 0, sizeof(*r));
    for (i = 0; i < CND_RESPONSE_ID_LEN; i++)
        r->id[i] = (uint8_t)(seed * 31u + i * 7u);
    r->pack_fp = 0xDEADBEEFu ^ seed;
    r->day = (uint16_t)(2100 + seed);
    r->lang = (uint8_t)(seed % 3);
    r->n_answers = n;
    for (i = 0; i < n; i++) {
        r->answers[i].state = (uint8_t)((i + seed) % 3);
        if (r->answers[i].state == CND_ANS_VALUE)
            r->answers[i].value = values[(i + seed) % 16];
    }
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

static void saved_response_reads_back_exactly(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t in, out;
    size_t len;
    uint32_t seed;
    (void)state;
    for (seed = 0; seed < 40; seed++) {
        uint8_t n = (uint8_t)(seed == 0 ? 0 : (seed == 1 ? CND_MAX_ITEMS : seed % CND_MAX_ITEMS));
        fill_response(&in, n, seed);
        assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_OK);
        assert_true(len <= CND_RECORD_BODY_MAX);
        assert_int_equal(cnd_record_decode(buf, len, &out), CND_OK);
        assert_same_response(&in, &out);
    }
}

static void worst_case_response_fits_the_stated_maximum(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t in, out;
    size_t len;
    int i;
    (void)state;
    fill_response(&in, CND_MAX_ITEMS, 0);
    for (i = 0; i < CND_MAX_ITEMS; i++) {
        in.answers[i].state = CND_ANS_VALUE;
        in.answers[i].value = (i & 1) ? INT32_MIN : INT32_MAX;
    }
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_RECORD_BODY_MAX);
    assert_int_equal(cnd_record_decode(buf, len, &out), CND_OK);
    assert_same_response(&in, &out);
    /* One byte short of room is refused, not truncated. */
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf - 1, &len), CND_E_NOSPACE);
    assert_int_equal(len, 0);
}

static void every_truncation_of_a_record_is_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t in, out;
    size_t len, cut;
    (void)state;
    fill_response(&in, 30, 5);
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_OK);
    for (cut = 0; cut < len; cut++) {
        memset(&out, 0xAA, sizeof out);
        assert_int_not_equal(cnd_record_decode(buf, cut, &out), CND_OK);
        assert_true(is_zeroed(&out)); /* no partial result */
    }
    /* One byte too many is refused as well. */
    buf[len] = 0;
    assert_int_equal(cnd_record_decode(buf, len + 1, &out), CND_E_INVALID);
}

static void record_of_another_version_is_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX];
    cnd_response_t in, out;
    size_t len;
    (void)state;
    fill_response(&in, 10, 2);
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_OK);
    buf[0] = CND_RECORD_VERSION + 1;
    assert_int_equal(cnd_record_decode(buf, len, &out), CND_E_VERSION);
}

static void impossible_counts_states_and_varints_are_refused(void **state)
{
    uint8_t buf[CND_RECORD_BODY_MAX + 8];
    cnd_response_t in, out;
    size_t len;
    (void)state;
    fill_response(&in, 1, 0);
    in.answers[0].state = CND_ANS_VALUE;
    in.answers[0].value = 1;
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_RECORD_FIXED_LEN + 2);

    buf[len - 2] = 3; /* unknown answer state */
    assert_int_equal(cnd_record_decode(buf, len, &out), CND_E_RANGE);
    buf[len - 2] = CND_ANS_VALUE;

    buf[CND_RECORD_FIXED_LEN - 1] = CND_MAX_ITEMS + 1; /* more answers than items allowed */
    assert_int_equal(cnd_record_decode(buf, len, &out), CND_E_RANGE);
    buf[CND_RECORD_FIXED_LEN - 1] = 1;

    /* 2 written overlong as 0x82 0x00 */
    buf[len - 1] = 0x82;
    buf[len] = 0x00;
    assert_int_equal(cnd_record_decode(buf, len + 1, &out), CND_E_INVALID);
    /* six varint bytes, or a fifth byte carrying more than 32 bits */
    memcpy(buf + len - 1, "\x80\x80\x80\x80\x80\x01", 6);
    assert_int_equal(cnd_record_decode(buf, len + 5, &out), CND_E_INVALID);
    memcpy(buf + len - 1, "\xff\xff\xff\xff\x1f", 5);
    assert_int_equal(cnd_record_decode(buf, len + 4, &out), CND_E_INVALID);

    in.n_answers = CND_MAX_ITEMS + 1;
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_E_RANGE);
    in.n_answers = 1;
    in.answers[0].state = 7;
    assert_int_equal(cnd_record_encode(&in, buf, sizeof buf, &len), CND_E_RANGE);
}

static void varint_and_zigzag_cover_the_whole_int32_range(void **state)
{
    static const int32_t v[] = {0, -1, 1, -2, 63, -64, 64, 1000000, INT32_MAX, INT32_MIN};
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

static void flash_entry_header_detects_any_damage(void **state)
{
    uint8_t hdr[CND_ENTRY_HEADER_LEN], body[20], erased[CND_ENTRY_HEADER_LEN];
    cnd_entry_header_t h;
    unsigned i, bit;
    (void)state;
    for (i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 13);
    cnd_entry_header_encode(hdr, CND_ENTRY_RESPONSE, 77, body, sizeof body);
    assert_int_equal(cnd_entry_header_decode(hdr, &h), CND_OK);
    assert_int_equal(h.type, CND_ENTRY_RESPONSE);
    assert_int_equal(h.len, sizeof body);
    assert_int_equal(h.seq, 77);
    assert_int_equal(cnd_entry_check_crc(hdr, body, sizeof body), CND_OK);
    /* A bit cleared anywhere (what NOR damage looks like) is caught. */
    for (i = 0; i < sizeof body; i++) {
        for (bit = 0; bit < 8; bit++) {
            uint8_t saved = body[i];
            if (!(saved & (1u << bit)))
                continue;
            body[i] = (uint8_t)(saved & ~(1u << bit));
            assert_int_equal(cnd_entry_check_crc(hdr, body, sizeof body), CND_E_CRC);
            body[i] = saved;
        }
    }
    hdr[4] ^= 1; /* the sequence number is covered too */
    assert_int_equal(cnd_entry_check_crc(hdr, body, sizeof body), CND_E_CRC);

    memset(erased, 0xFF, sizeof erased);
    assert_true(cnd_bytes_erased(erased, sizeof erased));
    assert_int_equal(cnd_entry_header_decode(erased, &h), CND_E_MAGIC);
    hdr[1] = 9;
    assert_int_equal(cnd_entry_header_decode(hdr, &h), CND_E_INVALID);
    hdr[1] = CND_ENTRY_RESPONSE;
    hdr[2] = 0xFF;
    hdr[3] = 0xFF;
    assert_int_equal(cnd_entry_header_decode(hdr, &h), CND_E_RANGE);
}

/* ---- answers checked against a survey with one item of every kind ---- */

static const char survey_json[] =
    "{\"id\": \"record-test\", \"version\": 1,"
    " \"languages\": [{\"code\": \"en\", \"name\": \"English\"}],"
    " \"title\": {\"en\": \"T\"}, \"consent\": {\"en\": \"C\"},"
    " \"referral\": {\"en\": \"R\"}, \"items\": ["
    "  {\"name\": \"where\", \"kind\": \"single\", \"label\": {\"en\": \"W\"},"
    "   \"choices\": [{\"name\": \"a\", \"label\": {\"en\": \"A\"}},"
    "               {\"name\": \"b\", \"label\": {\"en\": \"B\"}}]},"
    "  {\"name\": \"which\", \"kind\": \"multiple\", \"label\": {\"en\": \"M\"},"
    "   \"choices\": [{\"name\": \"x\", \"label\": {\"en\": \"X\"}},"
    "               {\"name\": \"y\", \"label\": {\"en\": \"Y\"}},"
    "               {\"name\": \"z\", \"label\": {\"en\": \"Z\"}}]},"
    "  {\"name\": \"ok\", \"kind\": \"yesno\", \"label\": {\"en\": \"O\"}},"
    "  {\"name\": \"days\", \"kind\": \"integer\", \"label\": {\"en\": \"D\"},"
    "   \"min\": 1, \"max\": 7, \"prefer_not\": false},"
    "  {\"name\": \"note\", \"kind\": \"info\", \"label\": {\"en\": \"N\"}}]}";

static uint8_t pack_buf[CND_MAX_PACK_SIZE];
static cnd_pack_t pack;

static int load_test_pack(void **state)
{
    size_t len = 0;
    cnd_err_t err;
    (void)state;
    memset(&err, 0, sizeof err);
    if (cnd_compile_json(survey_json, sizeof survey_json - 1, cnd_test_office_key(), pack_buf,
                         sizeof pack_buf, &len, &err) != CND_OK) {
        print_error("compile: %s\n", err.msg);
        return -1;
    }
    return cnd_pack_open(&pack, pack_buf, (uint32_t)len) == CND_OK ? 0 : -1;
}

/* Index of the first item of this kind. */
static int find_kind(uint8_t kind)
{
    uint16_t i;
    for (i = 0; i < cnd_pack_item_count(&pack); i++) {
        cnd_item_t it;
        assert_int_equal(cnd_pack_item(&pack, i, &it), CND_OK);
        if (it.kind == kind)
            return i;
    }
    return -1;
}

static void blank_answers(cnd_response_t *r)
{
    memset(r, 0, sizeof(*r));
    r->pack_fp = pack.fingerprint;
    r->n_answers = (uint8_t)cnd_pack_item_count(&pack);
}

static cnd_status_t check_one(int item, uint8_t st, int32_t value)
{
    cnd_response_t r;
    blank_answers(&r);
    r.answers[item].state = st;
    r.answers[item].value = value;
    return cnd_response_check(&r, &pack);
}

static void answers_the_survey_allows_pass_the_check(void **state)
{
    cnd_response_t r;
    uint16_t i;
    (void)state;
    blank_answers(&r);
    assert_int_equal(cnd_response_check(&r, &pack), CND_OK);
    /* Every item answered with its smallest legal value, or PNA. */
    for (i = 0; i < r.n_answers; i++) {
        cnd_item_t it;
        assert_int_equal(cnd_pack_item(&pack, i, &it), CND_OK);
        if (it.kind == CND_ITEM_INFO)
            continue;
        r.answers[i].state = CND_ANS_VALUE;
        r.answers[i].value = it.kind == CND_ITEM_INTEGER ? it.min : (it.kind == CND_ITEM_MULTI);
        if (it.flags & CND_ITEM_F_PNA && i % 3 == 0)
            r.answers[i].state = CND_ANS_PNA;
    }
    assert_int_equal(cnd_response_check(&r, &pack), CND_OK);
}

static void answers_the_survey_cannot_produce_are_caught(void **state)
{
    cnd_response_t r;
    int single = find_kind(CND_ITEM_SINGLE), multi = find_kind(CND_ITEM_MULTI);
    int yesno = find_kind(CND_ITEM_YESNO), integer = find_kind(CND_ITEM_INTEGER);
    int info = find_kind(CND_ITEM_INFO);
    cnd_item_t it;
    (void)state;
    assert_true(single >= 0 && multi >= 0 && yesno >= 0 && integer >= 0 && info >= 0);

    assert_int_equal(cnd_pack_item(&pack, (uint16_t)single, &it), CND_OK);
    assert_int_equal(check_one(single, CND_ANS_VALUE, it.n_choices - 1), CND_OK);
    assert_int_equal(check_one(single, CND_ANS_VALUE, it.n_choices), CND_E_RANGE);
    assert_int_equal(check_one(single, CND_ANS_VALUE, -1), CND_E_RANGE);

    assert_int_equal(cnd_pack_item(&pack, (uint16_t)multi, &it), CND_OK);
    assert_int_equal(check_one(multi, CND_ANS_VALUE, 0), CND_E_RANGE); /* empty tick set */
    assert_int_equal(check_one(multi, CND_ANS_VALUE, (int32_t)(1u << it.n_choices)), CND_E_RANGE);

    assert_int_equal(check_one(yesno, CND_ANS_VALUE, 1), CND_OK);
    assert_int_equal(check_one(yesno, CND_ANS_VALUE, 2), CND_E_RANGE);

    assert_int_equal(cnd_pack_item(&pack, (uint16_t)integer, &it), CND_OK);
    assert_int_equal(check_one(integer, CND_ANS_VALUE, it.max), CND_OK);
    assert_int_equal(check_one(integer, CND_ANS_VALUE, it.max + 1), CND_E_RANGE);
    assert_int_equal(check_one(integer, CND_ANS_VALUE, it.min - 1), CND_E_RANGE);

    assert_int_equal(check_one(integer, CND_ANS_PNA, 0), CND_E_INVALID); /* PNA not offered */
    assert_int_equal(check_one(info, CND_ANS_VALUE, 0), CND_E_INVALID);
    assert_int_equal(check_one(info, CND_ANS_PNA, 0), CND_E_INVALID);
    assert_int_equal(check_one(single, 3, 0), CND_E_RANGE);

    blank_answers(&r);
    r.pack_fp ^= 1; /* another survey */
    assert_int_equal(cnd_response_check(&r, &pack), CND_E_NOT_FOUND);
    blank_answers(&r);
    r.n_answers--;
    assert_int_equal(cnd_response_check(&r, &pack), CND_E_RANGE);
    blank_answers(&r);
    r.lang = cnd_pack_lang_count(&pack);
    assert_int_equal(cnd_response_check(&r, &pack), CND_E_RANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(saved_response_reads_back_exactly),
        cmocka_unit_test(worst_case_response_fits_the_stated_maximum),
        cmocka_unit_test(every_truncation_of_a_record_is_refused),
        cmocka_unit_test(record_of_another_version_is_refused),
        cmocka_unit_test(impossible_counts_states_and_varints_are_refused),
        cmocka_unit_test(varint_and_zigzag_cover_the_whole_int32_range),
        cmocka_unit_test(flash_entry_header_detects_any_damage),
        cmocka_unit_test_setup(answers_the_survey_allows_pass_the_check, load_test_pack),
        cmocka_unit_test_setup(answers_the_survey_cannot_produce_are_caught, load_test_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
