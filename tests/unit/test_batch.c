/* test_batch.c: the columnar batch codec round-trips every answer shape,
 * streams identically whatever the output size, and refuses malformed
 * input whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"

typedef struct {
    const cnd_response_t *r;
    unsigned calls;
    int fail_at; /* index whose fetch fails with CND_E_IO, -1 none */
} src_t;

static cnd_status_t get_from_array(void *ctx, uint16_t index, cnd_response_t *out)
{
    src_t *s = ctx;
    s->calls++;
    if ((int)index == s->fail_at)
        return CND_E_IO;
    *out = s->r[index];
    return CND_OK;
}

static void make_responses(cnd_response_t *r, uint16_t n, uint8_t items)
{
    uint16_t i;
    uint8_t k;
    memset(r, 0, sizeof *r * n);
    for (i = 0; i < n; i++) {
        r[i].id[0] = (uint8_t)i;
        r[i].id[1] = (uint8_t)(i >> 8);
        r[i].id[7] = 0xA5;
        r[i].pack_fp = 0x1234ABCD;
        r[i].day = (uint16_t)(2100 + (i % 5) * 3 - (i % 2)); /* days go back and forth */
        r[i].lang = (uint8_t)(i % 2);
        r[i].n_answers = items;
        for (k = 0; k < items; k++) {
            cnd_answer_t *a = &r[i].answers[k];
            switch ((i + k) % 7) {
            case 0: a->state = CND_ANS_NONE; break;
            case 1: a->state = CND_ANS_PNA; break;
            case 2: a->state = CND_ANS_VALUE; a->value = k % 5; break;
            case 3: a->state = CND_ANS_VALUE; a->value = 252; break;
            case 4: a->state = CND_ANS_VALUE; a->value = 253; break;
            case 5: a->state = CND_ANS_VALUE; a->value = -40; break;
            default: a->state = CND_ANS_VALUE; a->value = (int32_t)0x80000001u; break;
            }
        }
    }
}

/* Encodes all of r into buf with reads of at most `step` bytes. */
static size_t encode(const cnd_response_t *r, uint16_t n, uint8_t *buf, size_t cap, size_t step)
{
    cnd_batch_encoder_t enc;
    src_t s = {r, 0, -1};
    size_t total = 0, got;
    assert_int_equal(cnd_batch_encoder_init(&enc, n, get_from_array, &s), CND_OK);
    do {
        size_t want = cap - total < step ? cap - total : step;
        assert_int_equal(cnd_batch_encoder_read(&enc, buf + total, want, &got), CND_OK);
        total += got;
        assert_true(total <= cap);
    } while (got > 0);
    return total;
}

static void every_answer_shape_round_trips(void **state)
{
    static cnd_response_t in[CND_BATCH_MAX_RESPONSES], out[CND_BATCH_MAX_RESPONSES];
    static uint8_t buf[CND_BATCH_MAX_LEN];
    size_t len;
    uint16_t n = 0;
    (void)state;
    make_responses(in, CND_BATCH_MAX_RESPONSES, CND_MAX_ITEMS);
    len = encode(in, CND_BATCH_MAX_RESPONSES, buf, sizeof buf, sizeof buf);
    assert_true(len <= CND_BATCH_MAX_LEN);
    assert_int_equal(cnd_batch_decode(buf, len, out, CND_BATCH_MAX_RESPONSES, &n), CND_OK);
    assert_int_equal(n, CND_BATCH_MAX_RESPONSES);
    assert_memory_equal(in, out, sizeof in);
}

static void stream_is_the_same_whatever_the_read_size(void **state)
{
    static cnd_response_t in[40];
    static uint8_t a[8192], b[8192];
    size_t la, lb;
    (void)state;
    make_responses(in, 40, 30);
    la = encode(in, 40, a, sizeof a, sizeof a);
    lb = encode(in, 40, b, sizeof b, 1);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
}

static void answers_to_one_item_are_stored_together(void **state)
{
    static cnd_response_t in[3];
    uint8_t buf[256];
    size_t len, col;
    (void)state;
    make_responses(in, 3, 2);
    in[0].answers[0].state = CND_ANS_VALUE;
    in[0].answers[0].value = 0;
    in[1].answers[0].state = CND_ANS_PNA;
    in[2].answers[0].state = CND_ANS_VALUE;
    in[2].answers[0].value = 4;
    in[0].day = in[1].day = in[2].day = 2000;
    len = encode(in, 3, buf, sizeof buf, sizeof buf);
    assert_int_equal(buf[0], CND_BATCH_VERSION);
    assert_int_equal(buf[1] | (buf[2] << 8), 3);
    assert_int_equal(buf[3], 2);
    /* header, 3 ids, days (2 bytes + two zero deltas), 3 langs, then item 0 */
    col = CND_BATCH_HEADER_LEN + 3 * CND_RESPONSE_ID_LEN + 4 + 3;
    assert_true(len > col + 3);
    assert_int_equal(buf[col], 0x02);     /* choice 0 */
    assert_int_equal(buf[col + 1], 0x01); /* prefer not to answer */
    assert_int_equal(buf[col + 2], 0x06); /* choice 4 */
}

static void every_truncation_and_trailing_byte_is_refused(void **state)
{
    static cnd_response_t in[20], out[20];
    static uint8_t buf[4096];
    size_t len, cut;
    uint16_t n;
    (void)state;
    make_responses(in, 20, 12);
    len = encode(in, 20, buf, sizeof buf, sizeof buf);
    for (cut = 0; cut < len; cut++) {
        assert_int_not_equal(cnd_batch_decode(buf, cut, out, 20, &n), CND_OK);
        assert_int_equal(n, 0);
    }
    buf[len] = 0;
    assert_int_equal(cnd_batch_decode(buf, len + 1, out, 20, &n), CND_E_INVALID);
    assert_int_equal(n, 0);
    assert_int_equal(cnd_batch_decode(buf, len, out, 19, &n), CND_E_NOSPACE);
}

static void unknown_version_and_bad_counts_are_refused(void **state)
{
    static cnd_response_t in[2], out[2];
    uint8_t buf[512];
    size_t len;
    uint16_t n;
    (void)state;
    make_responses(in, 2, 3);
    len = encode(in, 2, buf, sizeof buf, sizeof buf);
    buf[0] = CND_BATCH_VERSION + 1;
    assert_int_equal(cnd_batch_decode(buf, len, out, 2, &n), CND_E_VERSION);
    buf[0] = CND_BATCH_VERSION;
    buf[3] = CND_MAX_ITEMS + 1;
    assert_int_equal(cnd_batch_decode(buf, len, out, 2, &n), CND_E_RANGE);
    buf[3] = 3;
    buf[1] = 0;
    buf[2] = 0;
    assert_int_equal(cnd_batch_decode(buf, len, out, 2, &n), CND_E_RANGE);
}

static void non_canonical_escape_is_refused(void **state)
{
    static cnd_response_t in[1], out[1];
    uint8_t buf[64];
    size_t len;
    uint16_t n;
    (void)state;
    make_responses(in, 1, 1);
    in[0].answers[0].state = CND_ANS_VALUE;
    in[0].answers[0].value = 300;
    len = encode(in, 1, buf, sizeof buf, sizeof buf);
    assert_int_equal(cnd_batch_decode(buf, len, out, 1, &n), CND_OK);
    assert_int_equal(out[0].answers[0].value, 300);
    /* rewrite the cell as escape + zigzag(5) = 10: a small value in long form */
    assert_int_equal(buf[len - 3], 0xFF);
    buf[len - 2] = 10;
    assert_int_equal(cnd_batch_decode(buf, len - 1, out, 1, &n), CND_E_INVALID);
}

static void mixed_packs_and_failed_reads_stop_the_stream(void **state)
{
    static cnd_response_t in[4];
    uint8_t buf[1024];
    cnd_batch_encoder_t enc;
    src_t s = {in, 0, -1};
    size_t got;
    (void)state;
    make_responses(in, 4, 5);
    in[2].pack_fp ^= 1;
    assert_int_equal(cnd_batch_encoder_init(&enc, 4, get_from_array, &s), CND_OK);
    assert_int_equal(cnd_batch_encoder_read(&enc, buf, sizeof buf, &got), CND_E_INVALID);
    assert_int_equal(got, 0);
    /* sticky: the stream stays dead */
    assert_int_equal(cnd_batch_encoder_read(&enc, buf, sizeof buf, &got), CND_E_INVALID);

    make_responses(in, 4, 5);
    s.fail_at = 3;
    assert_int_equal(cnd_batch_encoder_init(&enc, 4, get_from_array, &s), CND_OK);
    assert_int_equal(cnd_batch_encoder_read(&enc, buf, sizeof buf, &got), CND_E_IO);

    assert_int_equal(cnd_batch_encoder_init(&enc, 0, get_from_array, &s), CND_E_INVALID);
    assert_int_equal(cnd_batch_encoder_init(&enc, CND_BATCH_MAX_RESPONSES + 1, get_from_array,
                                            &s),
                     CND_E_INVALID);
}

static void encoder_ram_is_bounded(void **state)
{
    (void)state;
    assert_true(sizeof(cnd_batch_encoder_t) < 600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_answer_shape_round_trips),
        cmocka_unit_test(stream_is_the_same_whatever_the_read_size),
        cmocka_unit_test(answers_to_one_item_are_stored_together),
        cmocka_unit_test(every_truncation_and_trailing_byte_is_refused),
        cmocka_unit_test(unknown_version_and_bad_counts_are_refused),
        cmocka_unit_test(non_canonical_escape_is_refused),
        cmocka_unit_test(mixed_packs_and_failed_reads_stop_the_stream),
        cmocka_unit_test(encoder_ram_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
