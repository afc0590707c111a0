/* test_frame.c: framing survives any split, garbage, corruption and
 * oversize lengths, and never hands out an unchecked frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

static size_t make_frame(uint8_t *out, uint8_t type, const char *text)
{
    size_t n = 0;
    assert_int_equal(cnd_frame_encode(out, CND_FRAME_MAX_SIZE, 1, type, (const uint8_t *)text,
                                      strlen(text), &n),
                     CND_OK);
    return n;
}

/* Feeds everything (in chunks of `step`) and collects the payloads of the
 * frames that came out, separated by '|'. */
static int feed_all(cnd_frame_parser_t *p, const uint8_t *in, size_t n, size_t step, char *got,
                    size_t cap)
{
    size_t pos = 0;
    int frames = 0;
    got[0] = '\0';
    while (pos < n) {
        size_t chunk = n - pos < step ? n - pos : step;
        size_t off = 0;
        while (off < chunk) {
            cnd_frame_t f;
            int ready = 0;
            off += cnd_frame_parser_feed(p, in + pos + off, chunk - off, &ready, &f);
            if (ready) {
                size_t len = strlen(got);
                assert_true(len + f.len + 2 < cap);
                memcpy(got + len, f.payload, f.len);
                got[len + f.len] = '|';
                got[len + f.len + 1] = '\0';
                frames++;
            }
        }
        pos += chunk;
    }
    return frames;
}

static void frames_split_anywhere_are_reassembled(void **state)
{
    uint8_t buf[3 * CND_FRAME_MAX_SIZE];
    size_t n = 0;
    size_t step;
    (void)state;
    n += make_frame(buf + n, 1, "first");
    n += make_frame(buf + n, 2, "");
    n += make_frame(buf + n, 3, "third one");
    for (step = 1; step <= n; step++) {
        cnd_frame_parser_t p;
        char got[128];
        cnd_frame_parser_init(&p);
        assert_int_equal(feed_all(&p, buf, n, step, got, sizeof got), 3);
        assert_string_equal(got, "first||third one|");
        assert_int_equal(p.dropped, 0);
    }
}

static void garbage_before_a_frame_is_skipped(void **state)
{
    uint8_t buf[64 + CND_FRAME_MAX_SIZE];
    const char *junk = "xxCCNN\x43zz";
    size_t n = strlen(junk);
    cnd_frame_parser_t p;
    char got[64];
    (void)state;
    memcpy(buf, junk, n);
    n += make_frame(buf + n, 7, "hello");
    cnd_frame_parser_init(&p);
    assert_int_equal(feed_all(&p, buf, n, 3, got, sizeof got), 1);
    assert_string_equal(got, "hello|");
    assert_true(p.skipped > 0);
}

static void corrupt_frame_is_dropped_and_next_frame_still_arrives(void **state)
{
    uint8_t buf[2 * CND_FRAME_MAX_SIZE];
    size_t a, n;
    cnd_frame_parser_t p;
    char got[64];
    (void)state;
    a = make_frame(buf, 1, "damaged");
    n = a + make_frame(buf + a, 1, "intact");
    buf[8] ^= 0x01; /* one flipped payload bit */
    cnd_frame_parser_init(&p);
    assert_int_equal(feed_all(&p, buf, n, n, got, sizeof got), 1);
    assert_string_equal(got, "intact|");
    assert_int_equal(p.dropped, 1);
    assert_int_equal(p.last_drop, CND_E_CRC);
}

static void truncated_frame_followed_by_a_whole_one_resyncs(void **state)
{
    uint8_t whole[CND_FRAME_MAX_SIZE];
    uint8_t buf[2 * CND_FRAME_MAX_SIZE];
    size_t w, n;
    cnd_frame_parser_t p;
    char got[64];
    (void)state;
    w = make_frame(whole, 1, "a frame that was cut off half way");
    memcpy(buf, whole, 12); /* the sender died after 12 bytes */
    n = 12 + make_frame(buf + 12, 1, "next");
    /* pad so the cut frame's claimed length is reached and its CRC fails */
    memset(buf + n, 0, w);
    n += w;
    cnd_frame_parser_init(&p);
    assert_int_equal(feed_all(&p, buf, n, 5, got, sizeof got), 1);
    assert_string_equal(got, "next|");
    assert_true(p.dropped >= 1);
}

static void oversize_length_is_rejected_without_overflow(void **state)
{
    uint8_t buf[16 + CND_FRAME_MAX_SIZE];
    size_t n;
    cnd_frame_parser_t p;
    char got[64];
    (void)state;
    buf[0] = CND_FRAME_MAGIC0;
    buf[1] = CND_FRAME_MAGIC1;
    buf[2] = 1;
    buf[3] = 1;
    cnd_wire_put_u16(buf + 4, CND_FRAME_MAX_PAYLOAD + 1);
    n = 6 + make_frame(buf + 6, 1, "ok");
    cnd_frame_parser_init(&p);
    assert_int_equal(feed_all(&p, buf, n, n, got, sizeof got), 1);
    assert_string_equal(got, "ok|");
    assert_int_equal(p.last_drop, CND_E_RANGE);
}

static void largest_payload_round_trips_and_one_more_is_refused(void **state)
{
    static uint8_t payload[CND_FRAME_MAX_PAYLOAD + 1];
    uint8_t out[CND_FRAME_MAX_SIZE];
    size_t n;
    cnd_frame_t f;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7);
    assert_int_equal(cnd_frame_encode(out, sizeof out, 1, 9, payload, CND_FRAME_MAX_PAYLOAD, &n),
                     CND_OK);
    assert_int_equal(n, CND_FRAME_MAX_SIZE);
    assert_int_equal(cnd_frame_decode(out, n, &f), CND_OK);
    assert_int_equal(f.len, CND_FRAME_MAX_PAYLOAD);
    assert_memory_equal(f.payload, payload, CND_FRAME_MAX_PAYLOAD);
    assert_int_equal(cnd_frame_encode(out, sizeof out, 1, 9, payload, sizeof payload, &n),
                     CND_E_RANGE);
    assert_int_equal(cnd_frame_encode(out, 20, 1, 9, payload, 11, &n), CND_E_NOSPACE);
}

static void decode_names_each_defect(void **state)
{
    uint8_t out[64];
    size_t n;
    cnd_frame_t f;
    (void)state;
    n = make_frame(out, 4, "abc");
    assert_int_equal(cnd_frame_decode(out, n - 1, &f), CND_E_TRUNCATED);
    assert_int_equal(cnd_frame_decode(out, 5, &f), CND_E_TRUNCATED);
    out[n] = 0;
    assert_int_equal(cnd_frame_decode(out, n + 1, &f), CND_E_INVALID);
    out[0] = 'X';
    assert_int_equal(cnd_frame_decode(out, n, &f), CND_E_MAGIC);
    out[0] = CND_FRAME_MAGIC0;
    out[7] ^= 0x40;
    assert_int_equal(cnd_frame_decode(out, n, &f), CND_E_CRC);
}

static void payload_built_in_place_is_kept(void **state)
{
    uint8_t out[64];
    size_t n;
    cnd_frame_t f;
    (void)state;
    memcpy(out + CND_FRAME_HEADER_LEN, "inplace", 7);
    assert_int_equal(
        cnd_frame_encode(out, sizeof out, 3, 0x81, out + CND_FRAME_HEADER_LEN, 7, &n), CND_OK);
    assert_int_equal(cnd_frame_decode(out, n, &f), CND_OK);
    assert_int_equal(f.version, 3);
    assert_int_equal(f.type, 0x81);
    assert_memory_equal(f.payload, "inplace", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_split_anywhere_are_reassembled),
        cmocka_unit_test(garbage_before_a_frame_is_skipped),
        cmocka_unit_test(corrupt_frame_is_dropped_and_next_frame_still_arrives),
        cmocka_unit_test(truncated_frame_followed_by_a_whole_one_resyncs),
        cmocka_unit_test(oversize_length_is_rejected_without_overflow),
        cmocka_unit_test(largest_payload_round_trips_and_one_more_is_refused),
        cmocka_unit_test(decode_names_each_defect),
        cmocka_unit_test(payload_built_in_place_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
