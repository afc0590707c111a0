/* test_sealed_store.c: what the store writes is sealed: no power cut at any
 * write of a save leaves a plaintext answer on flash, the device cannot open
 * what it saved, and only the office key of the survey opens it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "compile.h"
#include "open_sealed.h"
#include "ram_flash.h"
#include "record.h"
#include "store.h"
#include "test_hal.h"
#include "test_key.h"
#include "unseal.h"

#define BLOCK 4096
#define BLOCKS CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS /* the default survey is installed */
#define PROG 16

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    uint32_t rng;
    int rng_fail;
    cnd_store_t st;
} device_t;

static uint8_t g_pack[CND_MAX_PACK_SIZE];
static uint32_t g_pack_len;
static cnd_pack_t g_pk;

static cnd_status_t test_random(void *ctx, uint8_t *buf, uint32_t n)
{
    device_t *d = ctx;
    if (d->rng_fail)
        return CND_E_IO;
    cnd_test_xorshift_fill(&d->rng, buf, n);
    return CND_OK;
}

static uint16_t test_today(void *ctx)
{
    (void)ctx;
    return 2300;
}

static int compile_pack(void **state)
{
    size_t len = 0;
    cnd_err_t err;
    (void)state;
    if (cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json", cnd_test_office_key(),
                         g_pack, sizeof g_pack, &len, &err) != CND_OK)
        return -1;
    g_pack_len = (uint32_t)len;
    return cnd_pack_open(&g_pk, g_pack, g_pack_len) == CND_OK ? 0 : -1;
}

static void device_up(device_t *d, uint32_t seed)
{
    uint32_t off = 0;
    memset(d, 0, sizeof(*d));
    assert_int_equal(cnd_ram_flash_init(&d->rf, BLOCK, BLOCKS, PROG), CND_OK);
    d->rng = seed;
    d->hal.flash = d->rf.flash;
    d->hal.ctx = d;
    d->hal.random = test_random;
    d->hal.today = test_today;
    assert_int_equal(cnd_store_mount(&d->st, &d->hal), CND_OK);
    assert_int_equal(cnd_store_pack_begin(&d->st, g_pack_len), CND_OK);
    while (off < g_pack_len) {
        uint32_t n = g_pack_len - off < 1000 ? g_pack_len - off : 1000;
        assert_int_equal(cnd_store_pack_write(&d->st, off, g_pack + off, n), CND_OK);
        off += n;
    }
    assert_int_equal(cnd_store_pack_commit(&d->st), CND_OK);
}

/* A response that fits the survey, with answers in every state. */
static void make_response(cnd_response_t *r, uint32_t seed)
{
    uint16_t i;
    memset(r, 0, sizeof(*r));
    for (i = 0; i < CND_RESPONSE_ID_LEN; i++)
        r->id[i] = (uint8_t)(seed * 29u + i * 101u + 7u);
    r->pack_fp = g_pk.fingerprint;
    r->day = (uint16_t)(2290 + seed % 9);
    r->lang = (uint8_t)(seed % cnd_pack_lang_count(&g_pk));
    r->n_answers = (uint8_t)g_pk.n_items;
    for (i = 0; i < g_pk.n_items; i++) {
        cnd_item_t it;
        uint32_t v = seed * 7u + i * 13u;
        assert_int_equal(cnd_pack_item(&g_pk, i, &it), CND_OK);
        if (it.kind == CND_ITEM_INFO || v % 5 == 0)
            continue;
        if ((it.flags & CND_ITEM_F_PNA) && v % 5 == 1) {
            r->answers[i].state = CND_ANS_PNA;
            continue;
        }
        r->answers[i].state = CND_ANS_VALUE;
        switch (it.kind) {
        case CND_ITEM_SINGLE: r->answers[i].value = (int32_t)(v % it.n_choices); break;
        case CND_ITEM_MULTI: r->answers[i].value = (int32_t)(1u << (v % it.n_choices)); break;
        case CND_ITEM_YESNO: r->answers[i].value = (int32_t)(v % 2); break;
        default: r->answers[i].value = it.min + (int32_t)(v % (uint32_t)(it.max - it.min + 1)); break;
        }
    }
    cnd_test_clear_irrelevant(&g_pk, r); /* as the engine would */
    assert_int_equal(cnd_response_check(r, &g_pk), CND_OK);
}

static int contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
    size_t i;
    for (i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Fails the test if any encoding of r's answers is in mem[0..len): its
 * stored plaintext (the record body from the day on), its answer bits
 * (after the day), or any 8-byte window of them with 3 or more non-zero
 * bytes (a version 2 body of this survey is about 11 bytes). */
static void assert_no_plaintext(const uint8_t *mem, size_t len, const cnd_response_t *r,
                                const char *where)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    size_t blen = 0, w, ans = CND_RECORD_HEAD_LEN + 2;
    assert_int_equal(cnd_record_encode(r, &g_pk, body, sizeof body, &blen), CND_OK);
    if (contains(mem, len, body + CND_SEALED_CLEAR_OF_RECORD, blen - CND_SEALED_CLEAR_OF_RECORD))
        fail_msg("%s: the plaintext record is readable", where);
    if (contains(mem, len, body + ans, blen - ans))
        fail_msg("%s: the answer bits are readable", where);
    for (w = ans; w + 8 <= blen; w++) {
        int nz = 0, i;
        for (i = 0; i < 8; i++)
            nz += body[w + i] != 0;
        if (nz >= 3 && contains(mem, len, body + w, 8))
            fail_msg("%s: 8 bytes of answers at %zu are readable", where, w);
    }
}

static const cnd_pack_t *the_pack(void *ctx, uint32_t fp)
{
    (void)ctx;
    return fp == g_pk.fingerprint ? &g_pk : NULL;
}

static void a_power_cut_at_any_write_of_a_save_leaves_no_plaintext(void **state)
{
    /* The first save of a boot (EPOCH entry, then the record) and saves
     * around a segment edge (erase, SEGMENT, EPOCH, record): cut at every
     * prog or erase, torn after 0, 37 or 74 bytes. */
    static const uint32_t fills[] = {0, 40, 41, 42, 43, 44};
    cnd_response_t r, got;
    uint32_t f, after, torn, runs = 0, saved_runs = 0;
    (void)state;
    make_response(&r, 1);
    for (f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        for (after = 0; after < 5; after++) {
            for (torn = 0; torn < 3; torn++) {
                device_t d;
                uint32_t cursor = 0, seq = 0, k, opened = 0;
                char where[64];
                cnd_status_t st, rs;
                device_up(&d, 100 + runs);
                for (k = 0; k < fills[f]; k++) {
                    cnd_response_t other;
                    make_response(&other, 1000 + k);
                    assert_int_equal(cnd_store_append_response(&d.st, &other, &g_pk), CND_OK);
                }
                cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, after, torn * 37u);
                st = cnd_store_append_response(&d.st, &r, &g_pk);
                snprintf(where, sizeof where, "fill %u, cut after %u, torn %u",
                         (unsigned)fills[f], (unsigned)after, (unsigned)torn);
                assert_no_plaintext(d.rf.mem, (size_t)BLOCK * BLOCKS, &r, where);
                cnd_ram_flash_power_on(&d.rf);
                assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
                /* Whatever survived opens with the office key and fits. */
                while ((rs = cnd_test_next_open(&d.st, &cursor, &seq, the_pack, NULL, 1, &got)) ==
                       CND_OK)
                    opened++;
                assert_int_equal(rs, CND_E_NOT_FOUND);
                assert_int_equal(opened, cnd_store_pending_count(&d.st));
                assert_true(opened == fills[f] || opened == fills[f] + 1);
                saved_runs += st == CND_OK;
                runs++;
                cnd_ram_flash_free(&d.rf);
            }
        }
    }
    assert_true(saved_runs < runs); /* the cuts did hit saves */
    print_message("%u cut saves, %u of them completed before the cut\n", (unsigned)runs,
                  (unsigned)saved_runs);
}

static void what_was_saved_opens_with_the_office_key_after_reboots(void **state)
{
    device_t d;
    cnd_response_t r[3], got;
    uint32_t cursor = 0, seq = 0, i;
    static cnd_sealed_t s[3];
    (void)state;
    device_up(&d, 7);
    for (i = 0; i < 3; i++) {
        make_response(&r[i], 50 + i);
        assert_int_equal(cnd_store_append_response(&d.st, &r[i], &g_pk), CND_OK);
        if (i == 1) /* a reboot between saves: a new epoch */
            assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    }
    for (i = 0; i < 3; i++) {
        assert_int_equal(cnd_store_next_pending(&d.st, &cursor, &seq, &s[i]), CND_OK);
        assert_null(cnd_test_open(&s[i], &g_pk, 1, &got));
        assert_memory_equal(got.answers, r[i].answers, sizeof r[i].answers);
        assert_int_equal(got.day, r[i].day);
        assert_memory_equal(s[i].epoch.office_pub, cnd_pack_office_x25519(&g_pk), CND_X25519_LEN);
    }
    assert_memory_equal(s[0].epoch.epoch_pub, s[1].epoch.epoch_pub, CND_X25519_LEN);
    assert_memory_not_equal(s[1].epoch.epoch_pub, s[2].epoch.epoch_pub, CND_X25519_LEN);
    cnd_ram_flash_free(&d.rf);
}

static void the_device_cannot_open_what_it_saved(void **state)
{
    device_t d;
    cnd_response_t r;
    static cnd_sealed_t s;
    cnd_seal_chain_t held;
    uint8_t pt[CND_SEALED_CT_MAX], ad[CND_SEALED_AD_MAX];
    uint32_t cursor = 0, seq = 0, adlen;
    cnd_str_t sid = cnd_pack_survey_id(&g_pk);
    (void)state;
    device_up(&d, 11);
    make_response(&r, 3);
    assert_int_equal(cnd_store_append_response(&d.st, &r, &g_pk), CND_OK);
    /* Nothing in the store's RAM holds the answers any more. */
    assert_no_plaintext((const uint8_t *)&d.st, sizeof d.st, &r, "store RAM");
    assert_int_equal(cnd_store_next_pending(&d.st, &cursor, &seq, &s), CND_OK);
    /* The key chain the device still holds is one step past the record. */
    held = d.st.chain;
    assert_true(held.ctr > s.ctr);
    adlen = cnd_sealed_ad(ad, s.id, s.pack_fp, s.seq, s.ctr, cnd_pack_survey_version(&g_pk),
                          (const uint8_t *)sid.ptr, (uint8_t)sid.len);
    held.ctr = s.ctr; /* even pretending it were the record's own step */
    assert_int_equal(cnd_unseal_record(&held, s.ctr, ad, adlen, s.ct, s.ct_len, pt), CND_E_VERIFY);
    cnd_ram_flash_free(&d.rf);
}

static void another_office_key_opens_nothing(void **state)
{
    device_t d;
    cnd_response_t r, got;
    static cnd_sealed_t s;
    uint8_t dev[CND_DEVICE_ID_LEN];
    uint32_t cursor = 0, seq = 0;
    (void)state;
    device_up(&d, 13);
    make_response(&r, 4);
    assert_int_equal(cnd_store_append_response(&d.st, &r, &g_pk), CND_OK);
    assert_int_equal(cnd_store_next_pending(&d.st, &cursor, &seq, &s), CND_OK);
    assert_non_null(cnd_unseal_one(&s, &g_pk, 1, cnd_key_x25519_secret(cnd_test_other_key()),
                                   &got, dev));
    cnd_ram_flash_free(&d.rf);
}

static void a_failing_rng_refuses_the_save(void **state)
{
    device_t d;
    cnd_response_t r;
    (void)state;
    device_up(&d, 17);
    make_response(&r, 5);
    d.rng_fail = 1;
    assert_int_equal(cnd_store_append_response(&d.st, &r, &g_pk), CND_E_IO);
    assert_int_equal(cnd_store_pending_count(&d.st), 0);
    d.rng_fail = 0;
    assert_int_equal(cnd_store_append_response(&d.st, &r, &g_pk), CND_OK);
    assert_int_equal(cnd_store_pending_count(&d.st), 1);
    cnd_ram_flash_free(&d.rf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_power_cut_at_any_write_of_a_save_leaves_no_plaintext),
        cmocka_unit_test(what_was_saved_opens_with_the_office_key_after_reboots),
        cmocka_unit_test(the_device_cannot_open_what_it_saved),
        cmocka_unit_test(another_office_key_opens_nothing),
        cmocka_unit_test(a_failing_rng_refuses_the_save),
    };
    return cmocka_run_group_tests(tests, compile_pack, NULL);
}
