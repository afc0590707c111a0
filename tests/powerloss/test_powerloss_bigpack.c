/* test_powerloss_bigpack.c: installing and activating a pack bigger than
 * 32 KiB (it spans many blocks) on the reference 8 MiB chip, whose 256 KiB
 * pack slots the format chose (SPEC 4.1), with power cut at every flash
 * write operation of the install, torn as a prefix and as random bits:
 * the device always boots with the old active pack or the new one, never
 * neither, and a push after the reboot installs the new pack.
 *
 * The device starts with four big packs installed (every slot taken, the
 * fourth active, responses pending for two of them), so the install also
 * forgets a slot's pack durably before it erases the slot (SPEC 4.6). A
 * second phase cuts the push of a pack that is still installed (the
 * switch back to it). Every cut point is tried: one install is a few
 * hundred write ops, so this takes about a second.
 *
 * Prints one summary line:
 *   powerloss-bigpack: N cut points, 0 neither, 0 unbootable
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "big_pack.h"
#include "cnd_limits.h"
#include "pack.h"
#include "ram_flash.h"
#include "store.h"
#include "test_hal.h"

#define BLOCK 4096u
#define BLOCKS 2048u /* W25Q64JV: 8 MiB */
#define PROG 16u
#define CHUNK 1024u  /* PUSH_DATA-sized writes */
#define N_PACKS 5    /* four installed, the fifth pushed */

static uint8_t packs[N_PACKS][CND_MAX_PACK_SIZE];
static uint32_t pack_len[N_PACKS], pack_fp[N_PACKS];
static uint8_t pack_buf[CND_MAX_PACK_SIZE]; /* the store's lent buffer, as a port's */

typedef struct {
    cnd_ram_flash_t rf;
    cnd_test_hal_t th;
    cnd_store_t st;
    uint8_t *start; /* the image every cut run starts from */
} bp_device_t;

static int setup(void **state)
{
    unsigned k;
    (void)state;
    for (k = 0; k < N_PACKS; k++) {
        cnd_pack_t pk;
        if (cnd_test_big_pack(k, packs[k], sizeof packs[k], &pack_len[k]) != 0 ||
            cnd_pack_open(&pk, packs[k], pack_len[k]) != CND_OK)
            return -1;
        pack_fp[k] = pk.fingerprint;
    }
    return 0;
}

static cnd_status_t mount(bp_device_t *d)
{
    cnd_status_t rs = cnd_store_mount(&d->st, &d->th.hal);
    if (rs == CND_OK)
        cnd_store_set_pack_buffer(&d->st, pack_buf, sizeof pack_buf);
    return rs;
}

static cnd_status_t install(bp_device_t *d, unsigned k)
{
    uint32_t off;
    cnd_status_t rs = cnd_store_pack_begin(&d->st, pack_len[k]);
    for (off = 0; rs == CND_OK && off < pack_len[k]; off += CHUNK) {
        uint32_t n = pack_len[k] - off < CHUNK ? pack_len[k] - off : CHUNK;
        rs = cnd_store_pack_write(&d->st, off, packs[k] + off, n);
    }
    return rs == CND_OK ? cnd_store_pack_commit(&d->st) : rs;
}

/* The fingerprint of the active pack once it opens from flash, else 0. */
static uint32_t active_fp(bp_device_t *d)
{
    cnd_pack_t pk;
    return cnd_store_open_active_pack(&d->st, pack_buf, sizeof pack_buf, &pk) == CND_OK
               ? pk.fingerprint
               : 0;
}

static void save_one(bp_device_t *d, unsigned k)
{
    cnd_response_t r;
    cnd_pack_t pk;
    assert_int_equal(cnd_pack_open(&pk, packs[k], pack_len[k]), CND_OK);
    cnd_test_random_response(&pk, k, 24, &r);
    memset(r.id, (int)k + 1, CND_RESPONSE_ID_LEN);
    r.day = 2200;
    assert_int_equal(cnd_store_append_response(&d->st, &r, &pk), CND_OK);
}

typedef struct {
    uint32_t cuts, neither, unbootable, not_again;
} tally_t;

/*
 * From d->start, runs `step` (install pack k) with power cut at write op
 * `cut` torn as `torn`, reboots and checks the active pack is old_fp or
 * new_fp and opens; then the same push again must leave new_fp active.
 */
static void cut_run(bp_device_t *d, unsigned k, uint32_t cut, cnd_torn_mode_t torn, uint32_t old_fp,
                    tally_t *t)
{
    uint32_t fp;
    memcpy(d->rf.mem, d->start, (size_t)BLOCK * BLOCKS);
    cnd_flash_fault_clear(&d->rf.ff);
    cnd_flash_fault_power_on(&d->rf.ff);
    assert_int_equal(mount(d), CND_OK);
    cnd_flash_fault_reset_counters(&d->rf.ff);
    d->rf.ff.seed = cut + 1u;
    assert_int_equal(cnd_flash_fault_add(&d->rf.ff, CND_FAULT_CUT, cut, torn, 0), CND_OK);
    (void)install(d, k);
    cnd_flash_fault_clear(&d->rf.ff);
    cnd_flash_fault_power_on(&d->rf.ff);
    t->cuts++;
    if (mount(d) != CND_OK) {
        if (t->unbootable++ < 5)
            printf("cut at op %u (%s): the device does not boot\n", cut,
                   torn == CND_TORN_BITS ? "bits" : "prefix");
        return;
    }
    fp = active_fp(d);
    if (fp != old_fp && fp != pack_fp[k]) {
        if (t->neither++ < 5)
            printf("cut at op %u (%s): active pack %08x is neither the old nor the new one\n",
                   cut, torn == CND_TORN_BITS ? "bits" : "prefix", fp);
        return;
    }
    if (install(d, k) != CND_OK || active_fp(d) != pack_fp[k]) {
        if (t->not_again++ < 5)
            printf("cut at op %u: pushing the pack again after the reboot fails\n", cut);
    }
}

/* Every write op of installing pack k from d->start, both torn modes. */
static uint32_t cut_everywhere(bp_device_t *d, unsigned k, uint32_t old_fp, tally_t *t)
{
    uint32_t ops, i;
    memcpy(d->rf.mem, d->start, (size_t)BLOCK * BLOCKS);
    assert_int_equal(mount(d), CND_OK);
    cnd_flash_fault_reset_counters(&d->rf.ff);
    assert_int_equal(install(d, k), CND_OK);
    assert_int_equal(active_fp(d), pack_fp[k]);
    ops = d->rf.ff.writes;
    for (i = 0; i < ops; i++) {
        cut_run(d, k, i, CND_TORN_PREFIX, old_fp, t);
        cut_run(d, k, i, CND_TORN_BITS, old_fp, t);
    }
    return ops;
}

static void big_pack_install_survives_a_cut_at_every_flash_op(void **state)
{
    bp_device_t *d = calloc(1, sizeof *d);
    tally_t t = {0, 0, 0, 0};
    uint32_t ops_new, ops_back;
    unsigned k;
    (void)state;
    assert_non_null(d);
    assert_int_equal(cnd_ram_flash_init(&d->rf, BLOCK, BLOCKS, PROG), CND_OK);
    cnd_test_hal_init(&d->th, &d->rf.flash, 7, 2200);
    d->start = malloc((size_t)BLOCK * BLOCKS);
    assert_non_null(d->start);

    assert_int_equal(mount(d), CND_OK); /* formats: 256 KiB slots */
    assert_int_equal(d->st.slot_blocks * BLOCK, CND_MAX_PACK_SIZE);
    for (k = 0; k < 4; k++) {
        assert_true(pack_len[k] > 32768u);
        assert_int_equal(install(d, k), CND_OK);
        save_one(d, k); /* one pending response for each pack: seq k + 1 */
    }
    assert_int_equal(cnd_store_ack(&d->st, 2), CND_OK); /* packs 0 and 1 have none left */
    assert_int_equal(active_fp(d), pack_fp[3]);
    memcpy(d->start, d->rf.mem, (size_t)BLOCK * BLOCKS);

    /* A fifth pack: a slot whose pack nobody needs is forgotten, erased, written. */
    ops_new = cut_everywhere(d, 4, pack_fp[3], &t);
    printf("install of a %u-byte pack over four installed: %u write ops\n", pack_len[4], ops_new);

    /* Pack 2 again, still installed: its bytes go to a free slot and are
     * checked there, then the state entry switches to its old slot. */
    ops_back = cut_everywhere(d, 2, pack_fp[3], &t);
    printf("switch back to an installed pack: %u write ops\n", ops_back);

    printf("powerloss-bigpack: %u cut points, %u neither, %u unbootable, %u not installable "
           "again\n",
           ops_new + ops_back, t.neither, t.unbootable, t.not_again);
    assert_int_equal(t.neither + t.unbootable + t.not_again, 0);
    assert_int_equal(t.cuts, 2 * (ops_new + ops_back));
    free(d->start);
    cnd_ram_flash_free(&d->rf);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_pack_install_survives_a_cut_at_every_flash_op),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
