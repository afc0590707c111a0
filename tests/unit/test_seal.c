/* test_seal.c: what the device seals only the office key opens, the device
 * cannot open what it sealed, and any change is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "seal.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* Test-only RNG: a counter, so runs repeat. Never a device source. */
static cnd_status_t counter_rng(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t *state = (uint32_t *)ctx, i;
    for (i = 0; i < n; i++)
        buf[i] = (uint8_t)((*state)++ * 2654435761u >> 24);
    return CND_OK;
}

static cnd_status_t broken_rng(void *ctx, uint8_t *buf, uint32_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return CND_E_IO;
}

/* RFC 7748 section 6.1 keys. */
static const char *ALICE_PRIV = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char *ALICE_PUB = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
static const char *BOB_PRIV = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
static const char *BOB_PUB = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";

static void office_public_key_matches_rfc7748(void **state)
{
    uint8_t priv[32], want[32], got[32];
    (void)state;
    hex(ALICE_PRIV, priv, 32);
    hex(ALICE_PUB, want, 32);
    assert_int_equal(cnd_seal_public_key(priv, got), CND_OK);
    assert_memory_equal(got, want, 32);
    hex(BOB_PRIV, priv, 32);
    hex(BOB_PUB, want, 32);
    assert_int_equal(cnd_seal_public_key(priv, got), CND_OK);
    assert_memory_equal(got, want, 32);
}

static const uint8_t DEVICE_ID[8] = {1, 2, 3, 4, 5, 6, 7, 8};

typedef struct {
    uint8_t ct[3][40 + CND_SEAL_TAG_LEN];
    uint8_t pt[3][40];
    uint8_t ad[3][12];
    uint32_t ctr[3];
    uint8_t box[8 + CND_SEAL_TAG_LEN];
    cnd_seal_chain_t device;
} sealed3_t;

static void seal_three(sealed3_t *s, const char *office_pub_hex)
{
    uint8_t office_pub[32];
    uint32_t rng = 7;
    int i;
    hex(office_pub_hex, office_pub, 32);
    assert_int_equal(cnd_seal_begin(&s->device, office_pub, counter_rng, &rng, DEVICE_ID, 8, s->box),
                     CND_OK);
    for (i = 0; i < 3; i++) {
        memset(s->pt[i], 'a' + i, sizeof s->pt[i]);
        memset(s->ad[i], i, sizeof s->ad[i]);
        assert_int_equal(cnd_seal_record(&s->device, s->ad[i], sizeof s->ad[i], s->pt[i],
                                         sizeof s->pt[i], s->ct[i], &s->ctr[i]),
                         CND_OK);
        assert_int_equal(s->ctr[i], (uint32_t)i);
        /* The plaintext does not appear in what goes to flash. */
        assert_memory_not_equal(s->ct[i], s->pt[i], sizeof s->pt[i]);
    }
}

static void records_sealed_on_the_device_open_with_the_office_key(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t office;
    uint8_t priv[32], dev[8], pt[40];
    int i;
    (void)state;
    seal_three(&s, ALICE_PUB);
    hex(ALICE_PRIV, priv, 32);
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_OK);
    assert_memory_equal(dev, DEVICE_ID, 8);
    for (i = 0; i < 3; i++) {
        assert_int_equal(cnd_unseal_record(&office, s.ctr[i], s.ad[i], sizeof s.ad[i], s.ct[i],
                                           sizeof s.ct[i], pt),
                         CND_OK);
        assert_memory_equal(pt, s.pt[i], sizeof pt);
    }
    cnd_seal_wipe(&office);
    assert_int_equal(office.live, 0);
}

static void skipped_records_still_open_in_order(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t office;
    uint8_t priv[32], dev[8], pt[40];
    (void)state;
    seal_three(&s, ALICE_PUB);
    hex(ALICE_PRIV, priv, 32);
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_OK);
    /* Record 1 lost (a failed save): 2 still opens; going back is refused. */
    assert_int_equal(cnd_unseal_record(&office, 2, s.ad[2], 12, s.ct[2], sizeof s.ct[2], pt), CND_OK);
    assert_memory_equal(pt, s.pt[2], 40);
    assert_int_equal(cnd_unseal_record(&office, 0, s.ad[0], 12, s.ct[0], sizeof s.ct[0], pt),
                     CND_E_RANGE);
}

static void the_device_cannot_open_what_it_sealed(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t stolen;
    uint8_t pt[40];
    int i;
    (void)state;
    seal_three(&s, ALICE_PUB);
    /* Everything the device still holds after sealing: its chain state. */
    stolen = s.device;
    assert_int_equal(stolen.ctr, 3u);
    assert_int_equal(cnd_unseal_record(&stolen, 0, s.ad[0], 12, s.ct[0], sizeof s.ct[0], pt),
                     CND_E_RANGE);
    /* Pretending the chain it holds were an earlier one does not help: the
     * keys it derives are not the ones that sealed the records. */
    for (i = 0; i < 3; i++) {
        stolen = s.device;
        stolen.ctr = s.ctr[i];
        assert_int_equal(cnd_unseal_record(&stolen, s.ctr[i], s.ad[i], 12, s.ct[i],
                                           sizeof s.ct[i], pt),
                         CND_E_VERIFY);
        assert_memory_not_equal(pt, s.pt[i], 40);
    }
}

static void another_office_key_opens_nothing(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t office;
    uint8_t priv[32], dev[8];
    (void)state;
    seal_three(&s, ALICE_PUB);
    hex(BOB_PRIV, priv, 32);
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_E_VERIFY);
    assert_int_equal(office.live, 0);
}

static void a_changed_byte_or_other_associated_data_is_refused(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t office;
    uint8_t priv[32], dev[8], pt[40], ad[12];
    size_t i;
    (void)state;
    seal_three(&s, ALICE_PUB);
    hex(ALICE_PRIV, priv, 32);
    for (i = 0; i < sizeof s.ct[0]; i++) {
        s.ct[0][i] ^= 0x01;
        assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                         CND_OK);
        assert_int_equal(cnd_unseal_record(&office, 0, s.ad[0], 12, s.ct[0], sizeof s.ct[0], pt),
                         CND_E_VERIFY);
        s.ct[0][i] ^= 0x01;
    }
    memcpy(ad, s.ad[0], 12);
    ad[11] ^= 0x80; /* e.g. another sequence number */
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_OK);
    assert_int_equal(cnd_unseal_record(&office, 0, ad, 12, s.ct[0], sizeof s.ct[0], pt), CND_E_VERIFY);
    /* A record moved to another index does not open either. */
    assert_int_equal(cnd_unseal_record(&office, 1, s.ad[0], 12, s.ct[0], sizeof s.ct[0], pt),
                     CND_E_VERIFY);
    s.box[3] ^= 1;
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_E_VERIFY);
}

static void a_failing_rng_starts_no_epoch(void **state)
{
    cnd_seal_chain_t c;
    uint8_t pub[32], box[8 + CND_SEAL_TAG_LEN], ct[4 + CND_SEAL_TAG_LEN];
    uint32_t ctr;
    (void)state;
    hex(ALICE_PUB, pub, 32);
    assert_int_equal(cnd_seal_begin(&c, pub, broken_rng, NULL, DEVICE_ID, 8, box), CND_E_IO);
    assert_int_equal(c.live, 0);
    assert_int_equal(cnd_seal_record(&c, NULL, 0, (const uint8_t *)"abcd", 4, ct, &ctr),
                     CND_E_INVALID);
}

static void a_low_order_office_key_is_refused(void **state)
{
    cnd_seal_chain_t c;
    uint8_t pub[32] = {0}, box[8 + CND_SEAL_TAG_LEN];
    uint32_t rng = 1;
    (void)state;
    /* u = 0 is a point of small order: the shared secret is all zero. */
    assert_int_not_equal(cnd_seal_begin(&c, pub, counter_rng, &rng, DEVICE_ID, 8, box), CND_OK);
    assert_int_equal(c.live, 0);
}

static void a_chain_index_past_the_bound_is_refused_both_ways(void **state)
{
    sealed3_t s;
    cnd_seal_chain_t c, office;
    uint8_t priv[32], dev[8], ct[4 + CND_SEAL_TAG_LEN], pt[40];
    uint32_t ctr;
    (void)state;
    seal_three(&s, ALICE_PUB);
    /* The device seals at most CND_SEAL_MAX_CTR records per epoch. */
    c = s.device;
    c.ctr = CND_SEAL_MAX_CTR;
    assert_int_equal(cnd_seal_record(&c, NULL, 0, (const uint8_t *)"abcd", 4, ct, &ctr),
                     CND_E_RANGE);
    /* The office never walks further than that for any row. */
    hex(ALICE_PRIV, priv, 32);
    assert_int_equal(cnd_unseal_open(&office, priv, s.device.epoch_pub, s.box, sizeof s.box, dev),
                     CND_OK);
    assert_int_equal(cnd_unseal_record(&office, CND_SEAL_MAX_CTR, s.ad[0], 12, s.ct[0],
                                       sizeof s.ct[0], pt),
                     CND_E_RANGE);
    assert_int_equal(cnd_unseal_record(&office, 0xFFFFFFFFu, s.ad[0], 12, s.ct[0], sizeof s.ct[0],
                                       pt),
                     CND_E_RANGE);
    assert_int_equal(office.ctr, 0u); /* nothing was walked */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(office_public_key_matches_rfc7748),
        cmocka_unit_test(records_sealed_on_the_device_open_with_the_office_key),
        cmocka_unit_test(skipped_records_still_open_in_order),
        cmocka_unit_test(the_device_cannot_open_what_it_sealed),
        cmocka_unit_test(another_office_key_opens_nothing),
        cmocka_unit_test(a_changed_byte_or_other_associated_data_is_refused),
        cmocka_unit_test(a_failing_rng_starts_no_epoch),
        cmocka_unit_test(a_low_order_office_key_is_refused),
        cmocka_unit_test(a_chain_index_past_the_bound_is_refused_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
