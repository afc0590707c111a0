/* test_signed_push.c: packs only from the office (issue 6, item 3). The REAL
 * device end of the protocol (cnd_sync_t over a store on a RAM NOR flash)
 * against the REAL host link, joined in process. What a coordinator would
 * notice: a pack signed by another key, or altered after signing, is refused
 * with a clear message and the survey already installed stays active and
 * keeps saving; a blank device takes the first pack it is given; a pack
 * signed by the old key that names a new office hands the device over. */
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
#include "link.h"
#include "loop_transport.h"
#include "packsign.h"
#include "proto.h"
#include "ram_flash.h"
#include "store.h"
#include "sync.h"
#include "test_hal.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

typedef struct {
    uint8_t b[CND_MAX_PACK_SIZE];
    size_t len;
    uint32_t fp;
} pack_t;

typedef struct {
    cnd_ram_flash_t rf;
    cnd_test_hal_t th;
    cnd_store_t store;
    cnd_sync_t dev;
    int activated;
    pack_t a;      /* the survey, signed by office A, naming A */
    pack_t b;      /* the same survey, signed by office B, naming B */
    pack_t a_to_b; /* signed by A, naming B: a key rotation */
} fx_t;

static void test_activated(void *ctx)
{
    ((fx_t *)ctx)->activated++;
}

static void boot_device(fx_t *f)
{
    cnd_sync_config_t cfg;
    assert_int_equal(cnd_store_mount(&f->store, &f->th.hal), CND_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &f->store;
    cfg.ctx = f;
    cfg.pack_activated = test_activated;
    cnd_sync_init(&f->dev, &cfg);
}

static void compile_with(const cnd_office_key_t *key, pack_t *p)
{
    cnd_err_t err;
    cnd_pack_t pk;
    if (cnd_compile_file(SURVEY, key, p->b, sizeof p->b, &p->len, &err) != CND_OK)
        fail_msg("cannot compile %s: %s", SURVEY, err.msg);
    assert_int_equal(cnd_pack_open(&pk, p->b, (uint32_t)p->len), CND_OK);
    p->fp = pk.fingerprint;
}

/* Fixes the fingerprint after a test changed bytes on purpose, so that only
 * the signature can notice. */
static void reopen(pack_t *p)
{
    cnd_pack_t pk;
    assert_int_equal(cnd_pack_open(&pk, p->b, (uint32_t)p->len), CND_OK);
    p->fp = pk.fingerprint;
}

static void fix_crc(pack_t *p)
{
    cnd_test_pack_reseal_crc(p->b, p->len);
    reopen(p);
}

/* The same for a pack whose parts no longer parse (another version's
 * layout): the fingerprint is the trailer's CRC, read without opening. */
static void fix_crc_unopened(pack_t *p)
{
    const uint8_t *t = p->b + p->len - CND_PACK_TRAILER_SIZE;
    cnd_test_pack_reseal_crc(p->b, p->len);
    p->fp = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    cnd_err_t err;
    assert_non_null(f);
    assert_int_equal(cnd_ram_flash_init(&f->rf, 4096, CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS, 16), CND_OK);
    cnd_test_hal_init(&f->th, &f->rf.flash, 7, 2200);
    boot_device(f);
    compile_with(cnd_test_office_key(), &f->a);
    compile_with(cnd_test_other_key(), &f->b);
    /* Rotation: B's pack, signed again by A; it still names office B. */
    f->a_to_b = f->b;
    if (cnd_pack_resign_key(f->a_to_b.b, (uint32_t)f->a_to_b.len,
                            f->b.b + f->b.len - CND_PACK_SIG_TAIL + CND_PACK_SIG_OFFICE,
                            cnd_test_office_key(), &err) != CND_OK)
        fail_msg("cannot re-sign: %s", err.msg);
    reopen(&f->a_to_b);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    cnd_ram_flash_free(&f->rf);
    free(f);
    return 0;
}

static cnd_status_t push(fx_t *f, const pack_t *p, cnd_err_t *err)
{
    cnd_link_t l;
    cnd_status_t st;
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&f->dev);
    assert_non_null(lt);
    cnd_link_init(&l, &lt->base);
    memset(err, 0, sizeof *err);
    st = cnd_link_push_pack(&l, p->b, (uint32_t)p->len, p->fp, err);
    cnd_link_close(&l);
    return st;
}

static void push_ok(fx_t *f, const pack_t *p)
{
    cnd_err_t err;
    if (push(f, p, &err) != CND_OK)
        fail_msg("push refused: %s", err.msg);
}

static uint32_t active_fp(fx_t *f)
{
    cnd_store_pack_info_t packs[CND_MAX_SURVEYS];
    if (cnd_store_packs(&f->store, packs) == 0)
        return 0;
    return packs[0].fingerprint;
}

/* A finished interview for the active pack still saves. */
static void interview_saves(fx_t *f)
{
    static uint8_t buf[CND_MAX_PACK_SIZE]; /* the engine's active-pack buffer */
    cnd_pack_t pk;
    cnd_response_t r;
    uint32_t before = cnd_store_pending_count(&f->store);
    assert_int_equal(cnd_store_open_active_pack(&f->store, buf, sizeof buf, &pk), CND_OK);
    assert_int_equal(pk.fingerprint, active_fp(f));
    cnd_test_random_response(&pk, before, 0, &r);
    f->th.hal.random(f->th.hal.ctx, r.id, CND_RESPONSE_ID_LEN);
    r.day = 2200;
    assert_int_equal(cnd_store_append_response(&f->store, &r, &pk), CND_OK);
    assert_int_equal(cnd_store_pending_count(&f->store), before + 1);
}

/* The refusal reaches the coordinator as one line naming the cause. */
static void expect_refused(fx_t *f, const pack_t *p, cnd_status_t want, const char *words)
{
    cnd_err_t err;
    uint32_t before = active_fp(f);
    int activated = f->activated;
    assert_int_equal(push(f, p, &err), want);
    assert_null(strchr(err.msg, '\n'));
    if (strstr(err.msg, words) == NULL)
        fail_msg("refusal does not say \"%s\": %s", words, err.msg);
    assert_int_equal(active_fp(f), before);
    assert_int_equal(f->activated, activated);
}

static void first_pack_on_a_blank_device_is_taken(void **state)
{
    fx_t *f = *state;
    assert_int_equal(active_fp(f), 0);
    push_ok(f, &f->b); /* any office: trust on first use */
    assert_int_equal(active_fp(f), f->b.fp);
    assert_int_equal(f->activated, 1);
}

static void pack_signed_by_another_key_is_refused_and_the_survey_stays(void **state)
{
    fx_t *f = *state;
    push_ok(f, &f->a);
    interview_saves(f);
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
    assert_int_equal(active_fp(f), f->a.fp);
    interview_saves(f);
    /* and after a reboot too: nothing of the refused pack became active */
    boot_device(f);
    assert_int_equal(active_fp(f), f->a.fp);
    interview_saves(f);
}

static void pack_altered_after_signing_is_refused_and_the_survey_stays(void **state)
{
    fx_t *f = *state;
    pack_t *bad = malloc(sizeof *bad);
    cnd_pack_t pk;
    assert_non_null(bad);
    push_ok(f, &f->a);
    /* one byte of a label, with a correct checksum */
    *bad = f->a;
    assert_int_equal(cnd_pack_open(&pk, bad->b, (uint32_t)bad->len), CND_OK);
    bad->b[pk.off_strings + pk.len_strings / 2] ^= 0x01;
    fix_crc(bad);
    expect_refused(f, bad, CND_E_SIGNATURE, "signature does not verify");
    interview_saves(f);
    free(bad);
}

static void pack_of_a_version_it_cannot_draw_is_refused_and_the_survey_stays(void **state)
{
    fx_t *f = *state;
    pack_t *bad = malloc(sizeof *bad);
    uint8_t v;
    assert_non_null(bad);
    push_ok(f, &f->a);
    /* Version 3 carries no pre-rendered text; a newer version than the
     * device knows may draw differently: both are refused as soon as the
     * version byte arrives, whatever the rest, and A stays active. */
    for (v = 3; v <= 5; v += 2) {
        *bad = f->a;
        bad->b[CND_PACK_HDR_VERSION] = v;
        fix_crc_unopened(bad); /* v4 bytes read as v3 do not open */
        expect_refused(f, bad, CND_E_VERSION, v == 3 ? "version 3 has no pre-rendered text"
                                                     : "version 5 is newer than this device");
        assert_int_equal(active_fp(f), f->a.fp);
    }
    interview_saves(f);
    free(bad);
}

static void altered_office_block_cannot_take_over_the_device(void **state)
{
    fx_t *f = *state;
    pack_t *bad = malloc(sizeof *bad);
    assert_non_null(bad);
    push_ok(f, &f->a);
    /* A's pack, its office block swapped for B's: were it accepted, B
     * could sign the next pack and responses would be sealed to B. */
    *bad = f->a;
    memcpy(bad->b + bad->len - CND_PACK_SIG_TAIL + CND_PACK_SIG_OFFICE,
           f->b.b + f->b.len - CND_PACK_SIG_TAIL + CND_PACK_SIG_OFFICE, CND_OFFICE_PUB_LEN);
    fix_crc(bad);
    expect_refused(f, bad, CND_E_SIGNATURE, "signature does not verify");
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
    free(bad);
}

static void rotation_signed_by_the_old_key_hands_over_to_the_new_one(void **state)
{
    fx_t *f = *state;
    push_ok(f, &f->a);
    push_ok(f, &f->a_to_b); /* signed by A, names B */
    assert_int_equal(active_fp(f), f->a_to_b.fp);
    /* from now on only B signs */
    expect_refused(f, &f->a, CND_E_UNTRUSTED, "another office");
    push_ok(f, &f->b);
    assert_int_equal(active_fp(f), f->b.fp);
    interview_saves(f);
}

static void wiped_device_trusts_the_next_first_pack(void **state)
{
    fx_t *f = *state;
    push_ok(f, &f->a);
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
    /* A wipe (erased flash) forgets the office with everything else. */
    memset(f->rf.mem, 0xFF, (size_t)f->rf.flash.block_size * f->rf.flash.block_count);
    boot_device(f);
    assert_int_equal(active_fp(f), 0);
    push_ok(f, &f->b);
    assert_int_equal(active_fp(f), f->b.fp);
}

static void same_pack_pushed_again_is_accepted(void **state)
{
    fx_t *f = *state;
    push_ok(f, &f->a);
    push_ok(f, &f->a);
    assert_int_equal(active_fp(f), f->a.fp);
}

/* Issue 12: a state that no longer reads back is not a blank device. */
static void lost_state_keeps_the_office_and_its_own_pack_restores_it(void **state)
{
    fx_t *f = *state;
    uint32_t b, off, bs = f->rf.flash.block_size;
    push_ok(f, &f->a);
    interview_saves(f);
    /* every state entry (both copies of each) damaged: blocks 1 and 2 */
    for (b = 1; b <= 2; b++)
        for (off = 0; off < bs; off += 16)
            if (f->rf.mem[b * bs + off] == 0xC5)
                f->rf.mem[b * bs + off + 13] ^= 0x10;
    boot_device(f);
    assert_int_equal(active_fp(f), 0);
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
    push_ok(f, &f->a); /* the office's pack still on flash vouches for it */
    assert_int_equal(active_fp(f), f->a.fp);
    interview_saves(f);
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
}

/* Issue 12: a flipped bit in the stored pack; pushing it again repairs. */
static void damaged_active_pack_is_rewritten_by_pushing_it_again(void **state)
{
    fx_t *f = *state;
    static uint8_t buf[CND_MAX_PACK_SIZE];
    cnd_pack_t pk;
    uint32_t slot0 = 3 * f->rf.flash.block_size;
    push_ok(f, &f->a);
    f->rf.mem[slot0 + f->a.len / 2] ^= 0x08;
    boot_device(f);
    assert_int_not_equal(cnd_store_open_active_pack(&f->store, buf, sizeof buf, &pk), CND_OK);
    expect_refused(f, &f->b, CND_E_UNTRUSTED, "another office");
    push_ok(f, &f->a);
    assert_int_equal(active_fp(f), f->a.fp);
    assert_int_equal(cnd_store_open_active_pack(&f->store, buf, sizeof buf, &pk), CND_OK);
    boot_device(f);
    assert_int_equal(cnd_store_open_active_pack(&f->store, buf, sizeof buf, &pk), CND_OK);
    interview_saves(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_pack_on_a_blank_device_is_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(pack_signed_by_another_key_is_refused_and_the_survey_stays,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(pack_of_a_version_it_cannot_draw_is_refused_and_the_survey_stays,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(pack_altered_after_signing_is_refused_and_the_survey_stays,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(altered_office_block_cannot_take_over_the_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rotation_signed_by_the_old_key_hands_over_to_the_new_one,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(wiped_device_trusts_the_next_first_pack, setup, teardown),
        cmocka_unit_test_setup_teardown(same_pack_pushed_again_is_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_state_keeps_the_office_and_its_own_pack_restores_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(damaged_active_pack_is_rewritten_by_pushing_it_again,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
