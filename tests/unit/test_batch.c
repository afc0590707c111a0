/* test_batch.c: the batch codec carries sealed responses byte for byte,
 * leaves out what the previous row implies, streams identically whatever
 * the output size, and refuses malformed or non-canonical input whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "open_sealed.h"
#include "frame.h"

typedef struct {
    const cnd_sealed_t *r;
    unsigned calls;
    int fail_at; /* index whose fetch fails with CND_E_IO, -1 none */
} src_t;

static cnd_status_t get_from_array(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    src_t *s = ctx;
    s->calls++;
    if ((int)index == s->fail_at)
        return CND_E_IO;
    *out = s->r[index];
    return CND_OK;
}

/* Two epochs, ciphertexts of every length from the shortest to the longest;
 * sequence numbers mostly consecutive with a gap every fifth row, chain
 * indexes consecutive within each epoch. */
static void make_sealed(cnd_sealed_t *r, uint16_t n)
{
    uint16_t i, k;
    memset(r, 0, sizeof *r * n);
    for (i = 0; i < n; i++) {
        r[i].id[0] = (uint8_t)i;
        r[i].id[1] = (uint8_t)(i >> 8);
        r[i].id[7] = 0xA5;
        r[i].pack_fp = 0x1234ABCD;
        r[i].seq = 1000u + i + i / 5u;
        r[i].ctr = i < n / 2 ? i : (uint32_t)(i - n / 2);
        memset(r[i].epoch.epoch_pub, i < n / 2 ? 0x11 : 0x77, CND_X25519_LEN);
        memset(r[i].epoch.office_pub, 0x22, CND_X25519_LEN);
        memset(r[i].epoch.box, i < n / 2 ? 0x33 : 0x99, CND_DEVICE_BOX_LEN);
        r[i].ct_len = (uint16_t)(CND_SEAL_TAG_LEN + 1 + (i * 37u) % CND_SEALED_PT_MAX);
        for (k = 0; k < r[i].ct_len; k++)
            r[i].ct[k] = (uint8_t)(k * 131u + i);
    }
}

static size_t encode(const cnd_sealed_t *r, uint16_t n, uint8_t *buf, size_t cap, size_t step)
{
    src_t s = {r, 0, -1};
    cnd_batch_encoder_t enc;
    size_t total = 0, got;
    assert_int_equal(cnd_batch_encoder_init(&enc, n, get_from_array, &s), CND_OK);
    do {
        size_t want = cap - total < step ? cap - total : step;
        assert_int_equal(cnd_batch_encoder_read(&enc, buf + total, want, &got), CND_OK);
        total += got;
    } while (got > 0);
    assert_int_equal(s.calls, n); /* each response pulled once */
    return total;
}


static void sealed_responses_round_trip_byte_for_byte(void **state)
{
    static cnd_sealed_t in[CND_BATCH_MAX_RESPONSES], out[CND_BATCH_MAX_RESPONSES];
    static uint8_t buf[CND_BATCH_MAX_LEN];
    uint16_t n = 0, i;
    size_t len;
    (void)state;
    make_sealed(in, CND_BATCH_MAX_RESPONSES);
    len = encode(in, CND_BATCH_MAX_RESPONSES, buf, sizeof buf, sizeof buf);
    assert_true(len <= CND_BATCH_MAX_LEN);
    assert_int_equal(cnd_batch_decode(buf, len, out, CND_BATCH_MAX_RESPONSES, &n), CND_OK);
    assert_int_equal(n, CND_BATCH_MAX_RESPONSES);
    for (i = 0; i < n; i++)
        cnd_test_assert_same_sealed(&in[i], &out[i]);
}

static void the_largest_batch_fits_the_stated_bound(void **state)
{
    static cnd_sealed_t in[CND_BATCH_MAX_RESPONSES], out[CND_BATCH_MAX_RESPONSES];
    static uint8_t buf[CND_BATCH_MAX_LEN + 1];
    uint16_t i, n;
    (void)state;
    /* Nothing a row can omit is omissible: every row a new epoch, a far
     * seq and a far chain index, and the longest ciphertext. */
    make_sealed(in, CND_BATCH_MAX_RESPONSES);
    for (i = 0; i < CND_BATCH_MAX_RESPONSES; i++) {
        in[i].ct_len = CND_SEALED_CT_MAX;
        in[i].seq = 0xF0000000u + 2u * i;
        in[i].ctr = CND_SEAL_MAX_CTR - 1u - i;
        in[i].epoch.epoch_pub[0] = (uint8_t)(i & 1);
    }
    assert_int_equal(encode(in, CND_BATCH_MAX_RESPONSES, buf, sizeof buf, 4096),
                     CND_BATCH_MAX_LEN);
    assert_int_equal(cnd_batch_decode(buf, CND_BATCH_MAX_LEN, out, CND_BATCH_MAX_RESPONSES, &n),
                     CND_OK);
    cnd_test_assert_same_sealed(&in[CND_BATCH_MAX_RESPONSES - 1],
                                &out[CND_BATCH_MAX_RESPONSES - 1]);
}

static void a_run_of_one_epoch_costs_ten_bytes_per_row_besides_ciphertext(void **state)
{
    static cnd_sealed_t in[100], out[100];
    static uint8_t buf[CND_BATCH_MAX_LEN];
    uint16_t i, n;
    size_t len, ct = 0;
    (void)state;
    make_sealed(in, 100);
    for (i = 0; i < 100; i++) {
        in[i].seq = 7u + i;
        in[i].ctr = 40u + i;
        in[i].epoch = in[0].epoch;
        in[i].ct_len = 30;
        ct += in[i].ct_len;
    }
    len = encode(in, 100, buf, sizeof buf, sizeof buf);
    /* header; row 0: flags, epoch, seq, ctr; every row: flags, id, length */
    assert_int_equal(len, CND_BATCH_HEADER_LEN + CND_EPOCH_BODY_LEN + 1 + 1 + ct +
                              100 * (1 + CND_RESPONSE_ID_LEN + 1));
    assert_int_equal(cnd_batch_decode(buf, len, out, 100, &n), CND_OK);
    for (i = 0; i < n; i++)
        cnd_test_assert_same_sealed(&in[i], &out[i]);
}

static void stream_is_the_same_whatever_the_read_size(void **state)
{
    static cnd_sealed_t in[20];
    static uint8_t a[CND_BATCH_MAX_LEN], b[CND_BATCH_MAX_LEN];
    static const size_t steps[] = {1, 2, 3, 7, 64, 105, 106, 107, 1000};
    size_t la, lb, i;
    (void)state;
    make_sealed(in, 20);
    la = encode(in, 20, a, sizeof a, sizeof a);
    for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        lb = encode(in, 20, b, sizeof b, steps[i]);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
    }
    /* Layout spot check: header, then row 0 names its epoch and seq (its
     * chain index is 0, the implied start of an epoch). */
    assert_int_equal(a[0], CND_BATCH_VERSION);
    assert_int_equal(cnd_wire_get_u16(a + 1), 20);
    assert_int_equal(cnd_wire_get_u32(a + 3), 0x1234ABCD);
    assert_int_equal(a[CND_BATCH_HEADER_LEN], CND_BATCH_ROW_EPOCH | CND_BATCH_ROW_SEQ);
    assert_memory_equal(a + CND_BATCH_HEADER_LEN + 1, in[0].epoch.epoch_pub, CND_X25519_LEN);
}

static void every_truncation_and_trailing_byte_is_refused(void **state)
{
    static cnd_sealed_t in[3], out[20];
    static uint8_t buf[4096];
    uint16_t n = 7;
    size_t len, cut;
    (void)state;
    make_sealed(in, 3);
    len = encode(in, 3, buf, sizeof buf - 1, sizeof buf);
    for (cut = 0; cut < len; cut++) {
        assert_int_not_equal(cnd_batch_decode(buf, cut, out, 20, &n), CND_OK);
        assert_int_equal(n, 0);
    }
    buf[len] = 0;
    assert_int_equal(cnd_batch_decode(buf, len + 1, out, 20, &n), CND_E_INVALID);
    assert_int_equal(cnd_batch_decode(buf, len, out, 2, &n), CND_E_NOSPACE);
}

/* A hand-made batch of one pack: header, then rows built by row(). */
typedef struct {
    uint8_t b[2048];
    size_t len;
} hand_t;

static void hand_header(hand_t *h, uint16_t n)
{
    h->b[0] = CND_BATCH_VERSION;
    cnd_wire_put_u16(h->b + 1, n);
    cnd_wire_put_u32(h->b + 3, 0x1234ABCD);
    h->len = CND_BATCH_HEADER_LEN;
}

/* One row; seq/ctr < 0 leave the field out, epoch_byte < 0 the epoch. */
static void hand_row(hand_t *h, uint8_t extra_flags, int epoch_byte, long seq, long ctr,
                     uint32_t ct_len)
{
    uint8_t *flags = &h->b[h->len++];
    *flags = extra_flags;
    if (epoch_byte >= 0) {
        *flags |= CND_BATCH_ROW_EPOCH;
        memset(h->b + h->len, epoch_byte, CND_EPOCH_BODY_LEN);
        h->len += CND_EPOCH_BODY_LEN;
    }
    if (seq >= 0) {
        *flags |= CND_BATCH_ROW_SEQ;
        h->len += cnd_varint_put(h->b + h->len, (uint32_t)seq);
    }
    if (ctr >= 0) {
        *flags |= CND_BATCH_ROW_CTR;
        h->len += cnd_varint_put(h->b + h->len, (uint32_t)ctr);
    }
    memset(h->b + h->len, 0xA5, CND_RESPONSE_ID_LEN);
    h->len += CND_RESPONSE_ID_LEN;
    h->len += cnd_varint_put(h->b + h->len, ct_len);
    memset(h->b + h->len, 0x5A, ct_len < 600 ? ct_len : 0);
    h->len += ct_len < 600 ? ct_len : 0;
}

static cnd_status_t hand_decode(const hand_t *h)
{
    static cnd_sealed_t out[4];
    uint16_t n = 9;
    cnd_status_t st = cnd_batch_decode(h->b, h->len, out, 4, &n);
    if (st != CND_OK)
        assert_int_equal(n, 0);
    return st;
}

static void unknown_version_bad_counts_and_lengths_are_refused(void **state)
{
    hand_t h;
    (void)state;
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 5, -1, 30);
    hand_row(&h, 0, -1, -1, -1, 30);
    assert_int_equal(hand_decode(&h), CND_OK);
    h.b[0] = 2; /* the deflated rows of batch version 2 */
    assert_int_equal(hand_decode(&h), CND_E_VERSION);
    h.b[0] = CND_BATCH_VERSION;
    cnd_wire_put_u16(h.b + 1, 0);
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    cnd_wire_put_u16(h.b + 1, CND_BATCH_MAX_RESPONSES + 1);
    assert_int_equal(hand_decode(&h), CND_E_RANGE);

    hand_header(&h, 1);
    hand_row(&h, 0, 0x11, 5, -1, CND_SEAL_TAG_LEN); /* no ciphertext at all */
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    hand_header(&h, 1);
    hand_row(&h, 0, 0x11, 5, -1, CND_SEALED_CT_MAX + 1);
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    hand_header(&h, 1);
    hand_row(&h, 0, 0x11, 5, CND_SEAL_MAX_CTR, 30); /* beyond the chain's end */
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    hand_header(&h, 1);
    hand_row(&h, 0x08, 0x11, 5, -1, 30); /* an undefined flag bit */
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
}

static void every_other_encoding_of_a_batch_is_refused(void **state)
{
    hand_t h;
    (void)state;
    /* the first row must name its epoch and its seq */
    hand_header(&h, 1);
    hand_row(&h, 0, -1, 5, -1, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    hand_header(&h, 1);
    hand_row(&h, 0, 0x11, -1, -1, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    /* an explicit chain index equal to the implied one (0 in a new epoch) */
    hand_header(&h, 1);
    hand_row(&h, 0, 0x11, 5, 0, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    /* an explicit seq equal to the previous + 1 */
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 5, -1, 30);
    hand_row(&h, 0, -1, 6, -1, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    /* an explicit chain index equal to the previous + 1 */
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 5, 3, 30);
    hand_row(&h, 0, -1, -1, 4, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    /* the same epoch written out again */
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 5, -1, 30);
    hand_row(&h, 0, 0x11, -1, 1, 30);
    assert_int_equal(hand_decode(&h), CND_E_INVALID);
    /* an implied seq past the end of the u32 range */
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 0xFFFFFFFFL, -1, 30);
    hand_row(&h, 0, -1, -1, -1, 30);
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    /* an implied chain index past the chain's end */
    hand_header(&h, 2);
    hand_row(&h, 0, 0x11, 5, CND_SEAL_MAX_CTR - 1, 30);
    hand_row(&h, 0, -1, -1, -1, 30);
    assert_int_equal(hand_decode(&h), CND_E_RANGE);
    /* and the canonical forms of the same rows decode */
    hand_header(&h, 3);
    hand_row(&h, 0, 0x11, 5, CND_SEAL_MAX_CTR - 2, 30);
    hand_row(&h, 0, -1, -1, -1, 30);
    hand_row(&h, 0, 0x12, 9, 7, 30);
    assert_int_equal(hand_decode(&h), CND_OK);
}

static void mixed_packs_and_failed_reads_stop_the_stream(void **state)
{
    static cnd_sealed_t in[4];
    static uint8_t buf[8192];
    cnd_batch_encoder_t enc;
    src_t s = {in, 0, -1};
    size_t got;
    (void)state;
    make_sealed(in, 4);
    in[2].pack_fp ^= 1;
    assert_int_equal(cnd_batch_encoder_init(&enc, 4, get_from_array, &s), CND_OK);
    assert_int_equal(cnd_batch_encoder_read(&enc, buf, sizeof buf, &got), CND_E_INVALID);
    /* sticky */
    assert_int_equal(cnd_batch_encoder_read(&enc, buf, sizeof buf, &got), CND_E_INVALID);
    make_sealed(in, 4);
    s.fail_at = 1;
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
    /* One sealed response, the previous epoch and one row head: what
     * batch.h states. */
    assert_true(sizeof(cnd_batch_encoder_t) < 800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sealed_responses_round_trip_byte_for_byte),
        cmocka_unit_test(the_largest_batch_fits_the_stated_bound),
        cmocka_unit_test(a_run_of_one_epoch_costs_ten_bytes_per_row_besides_ciphertext),
        cmocka_unit_test(stream_is_the_same_whatever_the_read_size),
        cmocka_unit_test(every_truncation_and_trailing_byte_is_refused),
        cmocka_unit_test(unknown_version_bad_counts_and_lengths_are_refused),
        cmocka_unit_test(every_other_encoding_of_a_batch_is_refused),
        cmocka_unit_test(mixed_packs_and_failed_reads_stop_the_stream),
        cmocka_unit_test(encoder_ram_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
