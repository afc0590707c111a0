/* test_packsig.c: the pack signature (formats/SPEC.md 1.9) as the office
 * and a device would notice it: a pack from `candor compile` verifies under
 * the office key; one changed byte anywhere in what is signed breaks it; a
 * pack signed by another office is told apart from an altered one; the
 * device's chunk-by-chunk check agrees with the one-shot check; a malformed
 * signature block, or an unsigned version 1 pack, does not even open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "compile.h"
#include "pack.h"
#include "packsig.h"
#include "packsign.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

typedef struct {
    uint8_t b[CND_MAX_PACK_SIZE];
    uint32_t len;
} pack_t;

static pack_t *compiled(const cnd_office_key_t *key)
{
    pack_t *p = calloc(1, sizeof *p);
    cnd_err_t err;
    size_t n = 0;
    assert_non_null(p);
    if (cnd_compile_file(SURVEY, key, p->b, sizeof p->b, &n, &err) != CND_OK)
        fail_msg("cannot compile %s: %s", SURVEY, err.msg);
    p->len = (uint32_t)n;
    return p;
}

static const uint8_t *p256_of(const cnd_office_key_t *k)
{
    return k->pub + CND_OFFICE_PUB_P256;
}

static uint8_t *block_of(pack_t *p)
{
    return p->b + p->len - CND_PACK_SIG_TAIL;
}

/* The device's way: fed in uneven chunks, block handed over at the end. */
static cnd_status_t verify_streaming(const pack_t *p, uint32_t chunk, const uint8_t *trusted)
{
    cnd_pack_sig_stream_t s;
    uint32_t at = 0;
    cnd_pack_sig_init(&s, p->len);
    while (at < p->len) {
        uint32_t n = p->len - at < chunk ? p->len - at : chunk;
        cnd_pack_sig_update(&s, p->b + at, n);
        at += n;
        chunk = chunk * 3 % 1021 + 1; /* vary the cut points */
    }
    return cnd_pack_sig_final(&s, p->b + p->len - CND_PACK_SIG_TAIL, trusted);
}

static void compiled_pack_names_the_office_and_verifies_under_its_key(void **state)
{
    const cnd_office_key_t *a = cnd_test_office_key();
    pack_t *p = compiled(a);
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(cnd_pack_open(&pk, p->b, p->len), CND_OK);
    assert_memory_equal(cnd_pack_office_pub(&pk), a->pub, CND_OFFICE_PUB_LEN);
    assert_memory_equal(cnd_pack_office_x25519(&pk), a->pub + CND_OFFICE_PUB_X25519, 32);
    assert_memory_equal(p->b + p->len - CND_PACK_OFFICE_X25519_FROM_END,
                        a->pub + CND_OFFICE_PUB_X25519, 32);
    assert_memory_equal(cnd_pack_office_p256(&pk), p256_of(a), CND_P256_PUB_LEN);
    assert_memory_equal(cnd_pack_signer_pub(&pk), p256_of(a), CND_P256_PUB_LEN);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, NULL), CND_OK);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, p256_of(a)), CND_OK);
    assert_int_equal(verify_streaming(p, 1, p256_of(a)), CND_OK);
    assert_int_equal(verify_streaming(p, 64, NULL), CND_OK);
    assert_int_equal(verify_streaming(p, p->len, p256_of(a)), CND_OK);
    free(p);
}

static void one_changed_byte_anywhere_in_the_signed_part_breaks_the_signature(void **state)
{
    pack_t *p = compiled(cnd_test_office_key());
    uint32_t body = p->len - CND_PACK_SIG_TAIL, at;
    unsigned checked = 0;
    (void)state;
    /* Every byte of the header, every 61st byte of the rest of the body,
     * and every byte of the block before the signature. */
    for (at = 0; at < p->len - CND_PACK_TRAILER_SIZE - CND_P256_SIG_LEN; at++) {
        cnd_status_t st;
        if (at >= CND_PACK_HEADER_SIZE && at < body && at % 61 != 0)
            continue;
        p->b[at] ^= 0x20;
        st = cnd_pack_sig_verify(p->b, p->len, NULL);
        if (at < body)
            assert_int_equal(st, CND_E_SIGNATURE);
        else if (st == CND_OK) /* in the block: bad structure or bad signature */
            fail_msg("byte %u of the signature block changed, still verifies", at - body);
        p->b[at] ^= 0x20;
        checked++;
    }
    assert_true(checked > 400);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, NULL), CND_OK);
    free(p);
}

static void changed_signature_or_swapped_signer_does_not_verify(void **state)
{
    pack_t *p = compiled(cnd_test_office_key());
    uint8_t *sig = block_of(p) + CND_PACK_SIG_SIGNATURE;
    (void)state;
    sig[5] ^= 0x01; /* r */
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, NULL), CND_E_SIGNATURE);
    assert_int_equal(verify_streaming(p, 100, NULL), CND_E_SIGNATURE);
    sig[5] ^= 0x01;
    sig[40] ^= 0x80; /* s */
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, NULL), CND_E_SIGNATURE);
    sig[40] ^= 0x80;
    /* B's (valid) key in the signer field, A's signature: an impostor
     * claiming someone else signed. */
    memcpy(block_of(p) + CND_PACK_SIG_SIGNER, p256_of(cnd_test_other_key()), CND_P256_PUB_LEN);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, NULL), CND_E_SIGNATURE);
    free(p);
}

static void pack_signed_by_another_office_is_untrusted_not_altered(void **state)
{
    const cnd_office_key_t *a = cnd_test_office_key(), *b = cnd_test_other_key();
    pack_t *pa = compiled(a), *pb = compiled(b);
    (void)state;
    assert_int_equal(cnd_pack_sig_verify(pb->b, pb->len, NULL), CND_OK);
    assert_int_equal(cnd_pack_sig_verify(pb->b, pb->len, p256_of(a)), CND_E_UNTRUSTED);
    assert_int_equal(verify_streaming(pb, 300, p256_of(a)), CND_E_UNTRUSTED);
    assert_int_equal(cnd_pack_sig_verify(pb->b, pb->len, p256_of(b)), CND_OK);
    /* the same survey from two offices is two packs */
    assert_int_equal(pa->len, pb->len);
    assert_memory_not_equal(pa->b + pa->len - 4, pb->b + pb->len - 4, 4);
    assert_memory_equal(pa->b, pb->b, pa->len - CND_PACK_SIG_TAIL);
    free(pa);
    free(pb);
}

static void resigned_pack_names_the_new_office_and_verifies_under_the_old_key(void **state)
{
    const cnd_office_key_t *a = cnd_test_office_key(), *b = cnd_test_other_key();
    pack_t *p = compiled(b);
    cnd_pack_t pk;
    cnd_err_t err;
    (void)state;
    assert_int_equal(cnd_pack_resign_key(p->b, p->len, b->pub, a, &err), CND_OK);
    assert_int_equal(cnd_pack_open(&pk, p->b, p->len), CND_OK);
    assert_memory_equal(cnd_pack_office_pub(&pk), b->pub, CND_OFFICE_PUB_LEN);
    assert_memory_equal(cnd_pack_signer_pub(&pk), p256_of(a), CND_P256_PUB_LEN);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, p256_of(a)), CND_OK);
    assert_int_equal(cnd_pack_sig_verify(p->b, p->len, p256_of(b)), CND_E_UNTRUSTED);
    free(p);
}

static void streaming_check_refuses_a_short_or_long_feed(void **state)
{
    pack_t *p = compiled(cnd_test_office_key());
    cnd_pack_sig_stream_t s;
    (void)state;
    cnd_pack_sig_init(&s, p->len);
    cnd_pack_sig_update(&s, p->b, p->len - 1);
    assert_int_equal(cnd_pack_sig_final(&s, block_of(p), NULL), CND_E_TRUNCATED);
    cnd_pack_sig_init(&s, p->len);
    cnd_pack_sig_update(&s, p->b, p->len);
    cnd_pack_sig_update(&s, p->b, 1);
    assert_int_equal(cnd_pack_sig_final(&s, block_of(p), NULL), CND_E_TRUNCATED);
    cnd_pack_sig_init(&s, 10); /* shorter than any pack */
    cnd_pack_sig_update(&s, p->b, 10);
    assert_int_equal(cnd_pack_sig_final(&s, block_of(p), NULL), CND_E_TRUNCATED);
    free(p);
}

/* Changes one thing in the block, re-seals the CRC, expects open to say st. */
static void expect_open(pack_t *p, cnd_status_t st)
{
    cnd_pack_t pk;
    cnd_test_pack_reseal_crc(p->b, p->len);
    assert_int_equal(cnd_pack_open(&pk, p->b, p->len), st);
    assert_int_equal(pk.len, st == CND_OK ? p->len : 0); /* zeroed on failure */
}

static void malformed_signature_block_does_not_open(void **state)
{
    pack_t *good = compiled(cnd_test_office_key()), *p = malloc(sizeof *p);
    uint8_t *blk, *office;
    (void)state;
    assert_non_null(p);
#define FRESH() (*p = *good, blk = block_of(p), office = blk + CND_PACK_SIG_OFFICE)
    FRESH();
    blk[0] = 'X'; /* block magic */
    expect_open(p, CND_E_INVALID);
    FRESH();
    office[1] = 'X'; /* office block magic */
    expect_open(p, CND_E_INVALID);
    FRESH();
    office[4] = 2; /* office block of a later version */
    expect_open(p, CND_E_VERSION);
    FRESH();
    office[6] = 1; /* reserved */
    expect_open(p, CND_E_INVALID);
    FRESH();
    memset(office + CND_OFFICE_PUB_X25519, 0, 32); /* no sealing key */
    expect_open(p, CND_E_INVALID);
    FRESH();
    office[CND_OFFICE_PUB_P256] = 0x02; /* compressed point */
    expect_open(p, CND_E_INVALID);
    FRESH();
    memset(blk + CND_PACK_SIG_SIGNER + 1, 0, 64); /* no signer */
    expect_open(p, CND_E_INVALID);
    FRESH();
    memset(blk + CND_PACK_SIG_SIGNATURE, 0, 64); /* no signature */
    expect_open(p, CND_E_INVALID);
    FRESH();
    expect_open(p, CND_OK);
#undef FRESH
    free(p);
    free(good);
}

static void unsigned_version_1_pack_is_refused_as_a_version(void **state)
{
    pack_t *p = compiled(cnd_test_office_key());
    (void)state;
    p->b[CND_PACK_HDR_VERSION] = 1;
    expect_open(p, CND_E_VERSION);
    free(p);
}

static void strings_running_into_the_signature_block_do_not_open(void **state)
{
    pack_t *p = compiled(cnd_test_office_key());
    uint32_t ls = (uint32_t)p->b[CND_PACK_HDR_LEN_STRINGS] |
                  (uint32_t)p->b[CND_PACK_HDR_LEN_STRINGS + 1] << 8;
    (void)state;
    ls += 1;
    p->b[CND_PACK_HDR_LEN_STRINGS] = (uint8_t)ls;
    p->b[CND_PACK_HDR_LEN_STRINGS + 1] = (uint8_t)(ls >> 8);
    expect_open(p, CND_E_RANGE);
    free(p);
}

static void compiling_without_a_key_writes_nothing(void **state)
{
    uint8_t out[64];
    size_t n = 7;
    cnd_err_t err;
    (void)state;
    assert_int_equal(cnd_compile_file(SURVEY, NULL, out, sizeof out, &n, &err), CND_E_INVALID);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "no signing key"));
}

/* The fixed test key is a real key as keys.c sees it: written and loaded
 * back (which re-derives and checks the public block), it signs the same. */
static void test_key_survives_a_key_file_round_trip(void **state)
{
    char dir[] = "/tmp/cnd-packsig-XXXXXX", path[64], pub[80], msg[512];
    cnd_office_key_t back;
    cnd_err_t err;
    pack_t *p1 = compiled(cnd_test_office_key()), *p2;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/office.key", dir);
    snprintf(pub, sizeof pub, "%s.pub", path);
    if (cnd_key_write(path, cnd_test_office_key(), NULL, 0, 0, &err) != 0)
        fail_msg("cannot write the test key: %s", err.msg);
    if (cnd_key_load(path, NULL, &back, msg, sizeof msg) != 0)
        fail_msg("keys.c refuses the test key: %s", msg);
    assert_memory_equal(back.pub, cnd_test_office_key()->pub, CND_OFFICE_PUB_LEN);
    p2 = compiled(&back);
    assert_int_equal(p1->len, p2->len);
    assert_memory_equal(p1->b, p2->b, p1->len);
    unlink(path);
    unlink(pub);
    rmdir(dir);
    free(p1);
    free(p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiled_pack_names_the_office_and_verifies_under_its_key),
        cmocka_unit_test(one_changed_byte_anywhere_in_the_signed_part_breaks_the_signature),
        cmocka_unit_test(changed_signature_or_swapped_signer_does_not_verify),
        cmocka_unit_test(pack_signed_by_another_office_is_untrusted_not_altered),
        cmocka_unit_test(resigned_pack_names_the_new_office_and_verifies_under_the_old_key),
        cmocka_unit_test(streaming_check_refuses_a_short_or_long_feed),
        cmocka_unit_test(malformed_signature_block_does_not_open),
        cmocka_unit_test(unsigned_version_1_pack_is_refused_as_a_version),
        cmocka_unit_test(strings_running_into_the_signature_block_do_not_open),
        cmocka_unit_test(compiling_without_a_key_writes_nothing),
        cmocka_unit_test(test_key_survives_a_key_file_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
