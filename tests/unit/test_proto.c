/* test_proto.c: every message round-trips, and every decoder refuses
 * truncated, padded or out-of-range payloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "proto.h"

static void fill_hello(cnd_msg_hello_t *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->device_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    strcpy(h->firmware, "0.1.0");
    h->protocol = CND_PROTOCOL_VERSION;
    h->bytes_used = 12345;
    h->bytes_free = 987654;
    h->pending = 300;
    h->n_surveys = 2;
    h->surveys[0].fingerprint = 0xDEADBEEF;
    h->surveys[0].flags = CND_MSG_SURVEY_ACTIVE;
    h->surveys[0].survey_version = 3;
    h->surveys[0].pending = 200;
    strcpy(h->surveys[0].survey_id, "dw-conditions");
    h->surveys[1].fingerprint = 0x01020304;
    h->surveys[1].pending = 100;
}

static void hello_round_trips_with_every_field(void **state)
{
    cnd_msg_hello_t h, back;
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    size_t len;
    (void)state;
    fill_hello(&h);
    assert_int_equal(cnd_msg_encode_hello(&h, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_hello(buf, len, &back), CND_OK);
    assert_memory_equal(&h, &back, sizeof h);
}

static void hello_decoder_refuses_every_truncation_and_padding(void **state)
{
    cnd_msg_hello_t h, back;
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    size_t len, cut;
    (void)state;
    fill_hello(&h);
    assert_int_equal(cnd_msg_encode_hello(&h, buf, sizeof buf, &len), CND_OK);
    for (cut = 0; cut < len; cut++)
        assert_int_not_equal(cnd_msg_decode_hello(buf, cut, &back), CND_OK);
    buf[len] = 0;
    assert_int_equal(cnd_msg_decode_hello(buf, len + 1, &back), CND_E_INVALID);
    /* encoder refuses a buffer too small rather than writing past it */
    assert_int_equal(cnd_msg_encode_hello(&h, buf, len - 1, &len), CND_E_NOSPACE);
}

static void hello_with_too_many_surveys_or_control_chars_is_refused(void **state)
{
    cnd_msg_hello_t h, back;
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    size_t len;
    (void)state;
    fill_hello(&h);
    assert_int_equal(cnd_msg_encode_hello(&h, buf, sizeof buf, &len), CND_OK);
    buf[8 + 1 + 5 + 1 + 16] = CND_MAX_SURVEYS + 1; /* n_surveys */
    assert_int_equal(cnd_msg_decode_hello(buf, len, &back), CND_E_RANGE);
    fill_hello(&h);
    h.firmware[1] = '\n';
    assert_int_equal(cnd_msg_encode_hello(&h, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_hello(buf, len, &back), CND_E_INVALID);
}

static void pack_chunk_in_place_and_bounds(void **state)
{
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_pack_chunk_t c, back;
    size_t len;
    (void)state;
    memset(buf + CND_MSG_PACK_CHUNK_HEAD, 0xAB, 100);
    c.fingerprint = 7;
    c.offset = 1000;
    c.total = 1100;
    c.data = buf + CND_MSG_PACK_CHUNK_HEAD; /* produced in place */
    c.len = 100;
    assert_int_equal(cnd_msg_encode_pack_chunk(&c, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, 112);
    assert_int_equal(cnd_msg_decode_pack_chunk(buf, len, &back), CND_OK);
    assert_int_equal(back.fingerprint, 7);
    assert_int_equal(back.offset, 1000);
    assert_int_equal(back.total, 1100);
    assert_int_equal(back.len, 100);
    assert_int_equal(back.data[99], 0xAB);
    /* a chunk reaching past the pack's end is refused */
    cnd_wire_put_u32(buf + 8, 1099);
    assert_int_equal(cnd_msg_decode_pack_chunk(buf, len, &back), CND_E_RANGE);
    assert_int_equal(cnd_msg_decode_pack_chunk(buf, 11, &back), CND_E_TRUNCATED);
    c.len = CND_MSG_PACK_CHUNK_MAX + 1;
    assert_int_equal(cnd_msg_encode_pack_chunk(&c, buf, sizeof buf, &len), CND_E_RANGE);
}

static void push_messages_round_trip(void **state)
{
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_push_begin_t b = {4096, 0xCAFEF00D}, bb;
    cnd_msg_push_data_t d, db;
    size_t len;
    (void)state;
    assert_int_equal(cnd_msg_encode_push_begin(&b, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, 8);
    assert_int_equal(cnd_msg_decode_push_begin(buf, len, &bb), CND_OK);
    assert_int_equal(bb.len, 4096);
    assert_int_equal(bb.fingerprint, 0xCAFEF00D);
    assert_int_equal(cnd_msg_decode_push_begin(buf, 7, &bb), CND_E_TRUNCATED);
    d.offset = 2040;
    d.data = (const uint8_t *)"packbytes";
    d.len = 9;
    assert_int_equal(cnd_msg_encode_push_data(&d, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_push_data(buf, len, &db), CND_OK);
    assert_int_equal(db.offset, 2040);
    assert_int_equal(db.len, 9);
    assert_memory_equal(db.data, "packbytes", 9);
    assert_int_equal(cnd_msg_decode_push_data(buf, 3, &db), CND_E_TRUNCATED);
}

static void batch_info_refuses_impossible_ranges(void **state)
{
    uint8_t buf[64];
    cnd_msg_batch_info_t i = {0x11223344, 10, 137, 128, 5000, 0xABCDEF01}, back;
    size_t len;
    (void)state;
    assert_int_equal(cnd_msg_encode_batch_info(&i, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, 22);
    assert_int_equal(cnd_msg_decode_batch_info(buf, len, &back), CND_OK);
    /* Field by field: the struct has padding, which memcmp would compare. */
    assert_int_equal(back.fingerprint, i.fingerprint);
    assert_int_equal(back.first_seq, i.first_seq);
    assert_int_equal(back.last_seq, i.last_seq);
    assert_int_equal(back.count, i.count);
    assert_int_equal(back.ulen, i.ulen);
    assert_int_equal(back.ucrc, i.ucrc);
    i.count = CND_BATCH_MAX_RESPONSES + 1;
    assert_int_equal(cnd_msg_encode_batch_info(&i, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_batch_info(buf, len, &back), CND_E_RANGE);
    i.count = 5;
    i.first_seq = 10;
    i.last_seq = 12; /* 3 seqs cannot hold 5 responses */
    assert_int_equal(cnd_msg_encode_batch_info(&i, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_batch_info(buf, len, &back), CND_E_RANGE);
}

static void batch_data_carries_last_flag_and_offset(void **state)
{
    uint8_t buf[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_batch_data_t d, back;
    size_t len;
    (void)state;
    memset(buf, 0x5A, sizeof buf);
    d.offset = 3057;
    d.flags = CND_MSG_BATCH_LAST;
    d.data = buf + CND_MSG_BATCH_DATA_HEAD;
    d.len = CND_MSG_BATCH_DATA_MAX;
    assert_int_equal(cnd_msg_encode_batch_data(&d, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, CND_FRAME_MAX_PAYLOAD);
    assert_int_equal(cnd_msg_decode_batch_data(buf, len, &back), CND_OK);
    assert_int_equal(back.offset, 3057);
    assert_int_equal(back.flags, CND_MSG_BATCH_LAST);
    assert_int_equal(back.len, CND_MSG_BATCH_DATA_MAX);
    buf[4] = 0x02; /* unknown flag */
    assert_int_equal(cnd_msg_decode_batch_data(buf, len, &back), CND_E_INVALID);
}

static void error_text_is_bounded_and_printable(void **state)
{
    uint8_t buf[256];
    char longtext[200];
    cnd_msg_error_t e;
    size_t len;
    (void)state;
    assert_int_equal(cnd_msg_encode_error(CND_E_BUSY, "interview in\tprogress", buf, sizeof buf,
                                          &len),
                     CND_OK);
    assert_int_equal(cnd_msg_decode_error(buf, len, &e), CND_OK);
    assert_int_equal(e.status, CND_E_BUSY);
    assert_string_equal(e.text, "interview in?progress");
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    assert_int_equal(cnd_msg_encode_error(CND_E_IO, longtext, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, 2 + CND_MSG_ERROR_TEXT_MAX);
    assert_int_equal(cnd_msg_decode_error(buf, len, &e), CND_OK);
    assert_int_equal(strlen(e.text), CND_MSG_ERROR_TEXT_MAX);
    assert_int_equal(cnd_msg_decode_error(buf, len - 1, &e), CND_E_TRUNCATED);
}

static void ack_and_empty_messages_are_exact(void **state)
{
    uint8_t buf[8];
    size_t len;
    uint32_t upto = 0;
    (void)state;
    assert_int_equal(cnd_msg_encode_ack(4242, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(cnd_msg_decode_ack(buf, len, &upto), CND_OK);
    assert_int_equal(upto, 4242);
    assert_int_equal(cnd_msg_decode_ack(buf, 5, &upto), CND_E_INVALID);
    assert_int_equal(cnd_msg_decode_empty(buf, 0), CND_OK);
    assert_int_equal(cnd_msg_decode_empty(buf, 1), CND_E_INVALID);
    assert_string_equal(cnd_msg_name(CND_MSG_PULL_DATA), "PULL_DATA");
    assert_string_equal(cnd_msg_name(0x55), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_round_trips_with_every_field),
        cmocka_unit_test(hello_decoder_refuses_every_truncation_and_padding),
        cmocka_unit_test(hello_with_too_many_surveys_or_control_chars_is_refused),
        cmocka_unit_test(pack_chunk_in_place_and_bounds),
        cmocka_unit_test(push_messages_round_trip),
        cmocka_unit_test(batch_info_refuses_impossible_ranges),
        cmocka_unit_test(batch_data_carries_last_flag_and_offset),
        cmocka_unit_test(error_text_is_bounded_and_printable),
        cmocka_unit_test(ack_and_empty_messages_are_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
