/* test_pack_mirror.c: the handheld keeps its active survey pack in sectors
 * of internal flash instead of RAM (three 128 KiB sectors: a 256 KiB pack). What a user would notice: the survey is
 * there after every boot, a power cut while the sector is rewritten never
 * leaves a broken survey on screen (the next boot copies again from the
 * NOR slot), a pushed pack is verified without a RAM buffer, and a failed
 * push leaves the old survey usable. Internal flash is a RAM fake with NOR
 * semantics and power cuts; the store runs on tests/support/ram_flash.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "big_pack.h"
#include "compile.h"
#include "pack.h"
#include "pack_mirror.h"
#include "ram_flash.h"
#include "store.h"
#include "test_hal.h"
#include "test_key.h"

#define BLOCK 4096u
#define BLOCKS CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS
#define SECTOR (128u * 1024u) /* one STM32F407 128 KiB sector */
#define SECTORS 3u            /* the handheld's mirror: sectors 5-7 */
#define MIRROR (SECTORS * SECTOR)
#define SMALL_SECTOR (16u * 1024u) /* so that the big test pack spans four */

/* ---- internal flash fake: erase sets 0xFF, prog ANDs, power cuts tear ---- */

typedef struct {
    uint8_t mem[MIRROR];
    cnd_iflash_t f;
    uint32_t ops;      /* erases + progs since power-on */
    uint32_t erases;
    uint32_t erased[32]; /* sectors erased since power-on, in order */
    uint32_t n_erased;
    uint32_t cut_at;   /* 0 = no cut; else the op with this number is torn */
    int dead;          /* after a cut every op fails until power_on */
    int fail_prog;     /* 1: every prog returns CND_E_IO */
    int stuck_bit;     /* 1: every prog leaves bit 0 of its first byte set */
} iflash_fake_t;

static int torn(iflash_fake_t *x)
{
    if (x->dead)
        return -1;
    x->ops++;
    if (x->cut_at != 0 && x->ops == x->cut_at) {
        x->dead = 1;
        return 1;
    }
    return 0;
}

static cnd_status_t fake_erase(void *ctx, uint32_t sector)
{
    iflash_fake_t *x = ctx;
    uint32_t sz = x->f.sector_size;
    int t;
    assert_true(sector < x->f.size / sz);
    t = torn(x);
    if (t < 0)
        return CND_E_IO;
    x->erases++;
    if (x->n_erased < 32)
        x->erased[x->n_erased++] = sector;
    memset(x->mem + sector * sz, 0xFF, t ? sz / 3u : sz); /* a cut erases a prefix */
    return t ? CND_E_IO : CND_OK;
}

static cnd_status_t fake_prog(void *ctx, uint32_t off, const void *buf, uint32_t len)
{
    iflash_fake_t *x = ctx;
    const uint8_t *b = buf;
    uint32_t i, n;
    int t;
    assert_true(off % x->f.prog_size == 0 && len % x->f.prog_size == 0);
    assert_true(off <= x->f.size && len <= x->f.size - off);
    if (x->fail_prog)
        return CND_E_IO;
    t = torn(x);
    if (t < 0)
        return CND_E_IO;
    n = t ? len / 2u : len; /* a cut programs the first half */
    for (i = 0; i < n; i++)
        x->mem[off + i] &= b[i];
    if (x->stuck_bit && n > 0)
        x->mem[off] |= 1u;
    return t ? CND_E_IO : CND_OK;
}

static void iflash_init(iflash_fake_t *x, uint32_t prog_size, uint32_t size, uint32_t sector_size)
{
    memset(x, 0, sizeof *x);
    memset(x->mem, 0xFF, sizeof x->mem);
    x->f.base = x->mem;
    x->f.size = size;
    x->f.sector_size = sector_size;
    x->f.prog_size = prog_size;
    x->f.ctx = x;
    x->f.erase = fake_erase;
    x->f.prog = fake_prog;
}

static void iflash_power_on(iflash_fake_t *x)
{
    x->dead = 0;
    x->cut_at = 0;
    x->ops = 0;
    x->n_erased = 0;
}

/* ---- the device: store on RAM NOR, mirror on the fake ---- */

typedef struct {
    cnd_ram_flash_t rf;
    cnd_test_hal_t th; /* flash = rf, deterministic random, fixed day */
    cnd_store_t st;
    iflash_fake_t in;
    cnd_pack_mirror_t mirror;
} device_t;

/* What the handheld's main.c does at boot: mount, lend the mirror as the
 * store's pack window (no RAM buffer), open the active pack through it. */
static cnd_status_t boot(device_t *d, cnd_pack_t *pk)
{
    cnd_status_t rs;
    cnd_ram_flash_power_on(&d->rf);
    iflash_power_on(&d->in);
    cnd_pack_mirror_init(&d->mirror, &d->in.f, &d->th.hal.flash);
    rs = cnd_store_mount(&d->st, &d->th.hal);
    if (rs != CND_OK)
        return rs;
    cnd_store_set_pack_window(&d->st, cnd_pack_mirror_window, &d->mirror);
    return cnd_store_open_active_pack(&d->st, NULL, 0, pk);
}

/* NOR of `blocks` 4 KiB blocks; a mirror of three 128 KiB sectors, or of
 * MIRROR / sector_size smaller ones. */
static device_t *device_new_on(uint32_t prog_size, uint32_t blocks, uint32_t sector_size)
{
    device_t *d = calloc(1, sizeof *d);
    assert_non_null(d);
    assert_int_equal(cnd_ram_flash_init(&d->rf, BLOCK, blocks, 16), CND_OK);
    cnd_test_hal_init(&d->th, &d->rf.flash, 7, 2200);
    iflash_init(&d->in, prog_size, MIRROR, sector_size);
    return d;
}

static device_t *device_new(uint32_t prog_size)
{
    return device_new_on(prog_size, BLOCKS, SECTOR);
}

static void device_free(device_t *d)
{
    cnd_ram_flash_free(&d->rf);
    free(d);
}

/* ---- packs: the default survey as versions 1 and 2, and a big one ---- */

#define BIG 2 /* packs[BIG]: about 230 KB (tests/support/big_pack.h) */
static uint8_t packs[3][CND_MAX_PACK_SIZE];
static uint32_t pack_len[3], pack_fp[3];

static int compile_packs(void **state)
{
    static char json[65536];
    FILE *f = fopen(CND_SOURCE_DIR "/surveys/domestic-work.json", "rb");
    size_t n, k;
    char *ver;
    (void)state;
    if (!f)
        return -1;
    n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    ver = strstr(json, "\"version\": 1");
    if (!ver)
        return -1;
    for (k = 0; k < 2; k++) {
        cnd_pack_t pk;
        size_t len = 0;
        cnd_err_t err;
        ver[11] = (char)('1' + k);
        memset(&err, 0, sizeof err);
        if (cnd_compile_json(json, n, cnd_test_office_key(), packs[k], CND_MAX_PACK_SIZE, &len,
                             &err) != CND_OK)
            return -1;
        if (cnd_pack_open(&pk, packs[k], (uint32_t)len) != CND_OK)
            return -1;
        pack_len[k] = (uint32_t)len;
        pack_fp[k] = pk.fingerprint;
    }
    {
        cnd_pack_t pk;
        if (cnd_test_big_pack(0, packs[BIG], sizeof packs[BIG], &pack_len[BIG]) != 0 ||
            cnd_pack_open(&pk, packs[BIG], pack_len[BIG]) != CND_OK)
            return -1;
        pack_fp[BIG] = pk.fingerprint;
    }
    return 0;
}

static cnd_status_t push(device_t *d, const uint8_t *bytes, uint32_t len)
{
    uint32_t off = 0;
    cnd_status_t st = cnd_store_pack_begin(&d->st, len);
    while (st == CND_OK && off < len) {
        uint32_t n = len - off < 1000 ? len - off : 1000;
        st = cnd_store_pack_write(&d->st, off, bytes + off, n);
        off += n;
    }
    return st == CND_OK ? cnd_store_pack_commit(&d->st) : st;
}

/* A device with pack k installed (through the mirror) and booted once. */
static device_t *device_with_pack(int k, uint32_t prog_size)
{
    device_t *d = device_new(prog_size);
    cnd_pack_t pk;
    assert_int_equal(boot(d, &pk), CND_E_NO_SURVEY);
    assert_int_equal(push(d, packs[k], pack_len[k]), CND_OK);
    return d;
}

static void assert_opened_from_mirror(device_t *d, const cnd_pack_t *pk, int k)
{
    assert_int_equal(pk->fingerprint, pack_fp[k]);
    assert_int_equal(pk->len, pack_len[k]);
    /* The pack is read where internal flash is mapped, not from a RAM copy. */
    assert_true(pk->buf >= d->in.mem && pk->buf + pk->len <= d->in.mem + MIRROR);
    assert_memory_equal(pk->buf, packs[k], pack_len[k]);
}

/* Boots and checks that pack k opened from the mirror after `copies`
 * rewrites of the sector during this boot. */
static void boot_shows(device_t *d, int k, uint32_t copies)
{
    cnd_pack_t pk;
    assert_int_equal(boot(d, &pk), CND_OK);
    assert_int_equal(d->mirror.copies, copies);
    assert_opened_from_mirror(d, &pk, k);
}

/* ---- tests ---- */

static void device_without_a_survey_boots_to_no_survey_and_never_writes_internal_flash(
    void **state)
{
    device_t *d = device_new(4);
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(boot(d, &pk), CND_E_NO_SURVEY);
    assert_int_equal(d->in.erases, 0);
    assert_int_equal(d->mirror.copies, 0);
    device_free(d);
}

static void pushed_survey_is_verified_in_internal_flash_and_shown_after_reboot(void **state)
{
    device_t *d = device_with_pack(0, 4);
    cnd_pack_t pk;
    (void)state;
    /* The push copied the pack into the sector once, to verify it there. */
    assert_int_equal(d->mirror.copies, 1);
    assert_int_equal(boot(d, &pk), CND_OK);
    assert_opened_from_mirror(d, &pk, 0);
    device_free(d);
}

static void boot_with_an_intact_mirror_does_not_wear_internal_flash(void **state)
{
    device_t *d = device_with_pack(0, 4);
    int i;
    (void)state;
    for (i = 0; i < 5; i++) {
        boot_shows(d, 0, 0); /* checked against NOR, not rewritten */
    }
    assert_int_equal(d->in.erases, 1); /* only the push's copy */
    device_free(d);
}

/* Pack k on d: a power cut at every operation of a boot's copy (the
 * erases, sector 0 first, the chunks, the header last) leaves a mirror the
 * next boot copies again. Returns the operations of one full copy. */
static uint32_t cut_every_step_of_the_copy(device_t *d, int k, uint32_t sectors)
{
    cnd_pack_t pk;
    uint32_t total, n, i;
    /* Count the operations of one full copy: erases, chunks, header. */
    memset(d->in.mem, 0xFF, MIRROR);
    assert_int_equal(boot(d, &pk), CND_OK);
    total = d->in.ops;
    assert_int_equal(d->in.n_erased, sectors);
    for (i = 0; i < sectors; i++)
        assert_int_equal(d->in.erased[i], i); /* the header's sector first */
    assert_true(total >= sectors + 1u + pack_len[k] / CND_PACK_MIRROR_CHUNK);
    for (n = 1; n <= total; n++) {
        memset(d->in.mem, 0x00, MIRROR); /* garbage from an older life */
        assert_int_equal(boot(d, &pk), CND_OK);
        d->in.cut_at = d->in.ops + n;
        memset(d->in.mem, 0xFF, 4); /* break the header: this boot must copy */
        /* Power fails during this boot's copy: nothing is opened. */
        assert_int_not_equal(cnd_store_open_active_pack(&d->st, NULL, 0, &pk), CND_OK);
        /* Next boot: the mirror fails its check, is copied again, opens. */
        boot_shows(d, k, 1);
    }
    return total;
}

static void power_cut_at_any_step_of_the_copy_is_repaired_at_next_boot(void **state)
{
    device_t *d = device_with_pack(0, 4);
    (void)state;
    cut_every_step_of_the_copy(d, 0, 1); /* about 55 KB: one 128 KiB sector */
    device_free(d);
}

static void big_pack_spans_sectors_and_a_cut_in_the_middle_of_the_copy_is_repaired(void **state)
{
    /* The smallest NOR whose slots (1/16 of it, SPEC 4.1) hold the big pack. */
    device_t *d = device_new_on(4, 16u * ((pack_len[BIG] + BLOCK - 1u) / BLOCK), SMALL_SECTOR);
    cnd_pack_t pk;
    uint32_t sectors = (16u + pack_len[BIG] + SMALL_SECTOR - 1u) / SMALL_SECTOR;
    (void)state;
    assert_true(sectors >= 4);
    assert_int_equal(boot(d, &pk), CND_E_NO_SURVEY);
    assert_int_equal(push(d, packs[BIG], pack_len[BIG]), CND_OK);
    assert_int_equal(d->in.n_erased, sectors);
    boot_shows(d, BIG, 0);
    cut_every_step_of_the_copy(d, BIG, sectors);
    /* Back to a small pack: one sector is rewritten, the header's. */
    iflash_power_on(&d->in);
    assert_int_equal(push(d, packs[0], pack_len[0]), CND_OK);
    assert_int_equal(d->in.n_erased, (16u + pack_len[0] + SMALL_SECTOR - 1u) / SMALL_SECTOR);
    boot_shows(d, 0, 0);
    device_free(d);
}

/* The handheld's geometry at the largest pack: 256 KiB of NOR bytes (the
 * mirror copies bytes; whether they are a pack is the store's business)
 * through three 128 KiB sectors, cut at every operation of the copy. */
static void largest_pack_fills_three_sectors_and_survives_a_cut_anywhere(void **state)
{
    cnd_ram_flash_t *nor = calloc(1, sizeof *nor);
    iflash_fake_t *x = calloc(1, sizeof *x);
    cnd_pack_mirror_t m;
    const uint8_t *view;
    uint32_t rng = 99, total, n;
    const uint32_t at = 3u * BLOCK, len = CND_MAX_PACK_SIZE;
    (void)state;
    assert_non_null(nor);
    assert_non_null(x);
    assert_int_equal(cnd_ram_flash_init(nor, BLOCK, 128, 16), CND_OK);
    cnd_test_xorshift_fill(&rng, nor->mem + at, len);
    iflash_init(x, 4, MIRROR, SECTOR);
    cnd_pack_mirror_init(&m, &x->f, &nor->flash);
    assert_true(cnd_pack_mirror_capacity(&m) >= CND_MAX_PACK_SIZE);
    assert_true(2u * SECTOR - 16u < CND_MAX_PACK_SIZE); /* two sectors would not do */
    assert_int_equal(cnd_pack_mirror_window(&m, at, len, &view), CND_OK);
    assert_ptr_equal(view, x->mem + 16);
    assert_memory_equal(view, nor->mem + at, len);
    assert_int_equal(x->n_erased, 3);
    total = x->ops;
    for (n = 1; n <= total; n++) {
        iflash_power_on(x);
        memset(x->mem, 0xFF, 4); /* the next window must copy */
        x->cut_at = n;
        assert_int_not_equal(cnd_pack_mirror_window(&m, at, len, &view), CND_OK);
        assert_null(view);
        iflash_power_on(x);
        m.copies = 0;
        assert_int_equal(cnd_pack_mirror_window(&m, at, len, &view), CND_OK);
        assert_int_equal(m.copies, 1);
        assert_memory_equal(view, nor->mem + at, len);
    }
    /* Intact now: the next window only compares. */
    iflash_power_on(x);
    assert_int_equal(cnd_pack_mirror_window(&m, at, len, &view), CND_OK);
    assert_int_equal(x->ops, 0);
    print_message("256 KiB through three sectors: %u operations per copy, each cut\n", total);
    cnd_ram_flash_free(nor);
    free(nor);
    free(x);
}

static void mirror_of_another_survey_is_replaced_by_the_active_one(void **state)
{
    device_t *d = device_with_pack(0, 4);
    uint8_t hdr[16];
    uint32_t len = pack_len[1], crc = (uint32_t)crc32(0L, packs[1], len), nlen = ~len;
    (void)state;
    /* A complete, self-consistent mirror of version 2, as a power cut after
     * a push's copy but before the store switched packs would leave. */
    memset(d->in.mem, 0xFF, SECTOR);
    memcpy(d->in.mem + 16, packs[1], len);
    memcpy(hdr, "CNDM", 4);
    memcpy(hdr + 4, &len, 4); /* the test host is little-endian like the MCU */
    memcpy(hdr + 8, &crc, 4);
    memcpy(hdr + 12, &nlen, 4);
    memcpy(d->in.mem, hdr, 16);
    boot_shows(d, 0, 1);
    device_free(d);
}

static void mirror_differing_from_nor_in_one_byte_is_recopied(void **state)
{
    device_t *d = device_with_pack(0, 4);
    uint32_t len = pack_len[0], crc;
    (void)state;
    /* Same length, a byte changed and the header CRC made to match: only
     * the comparison with the NOR slot can notice. */
    d->in.mem[16 + len / 2] ^= 0x20;
    crc = (uint32_t)crc32(0L, d->in.mem + 16, len);
    memcpy(d->in.mem + 8, &crc, 4);
    boot_shows(d, 0, 1);
    device_free(d);
}

static void second_survey_push_switches_the_mirror_and_survives_reboot(void **state)
{
    device_t *d = device_with_pack(0, 4);
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(boot(d, &pk), CND_OK);
    assert_int_equal(push(d, packs[1], pack_len[1]), CND_OK);
    assert_int_equal(d->mirror.copies, 1);
    /* What the port does after a push: reopen; the mirror already matches. */
    assert_int_equal(cnd_store_open_active_pack(&d->st, NULL, 0, &pk), CND_OK);
    assert_int_equal(d->mirror.copies, 1);
    assert_opened_from_mirror(d, &pk, 1);
    boot_shows(d, 1, 0);
    device_free(d);
}

static void corrupt_push_is_refused_and_the_old_survey_stays_on_the_mirror(void **state)
{
    static uint8_t bad[CND_MAX_PACK_SIZE];
    device_t *d = device_with_pack(0, 4);
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(boot(d, &pk), CND_OK);
    memcpy(bad, packs[1], pack_len[1]);
    bad[pack_len[1] / 2] ^= 0x01; /* the pack's own CRC no longer matches */
    assert_int_not_equal(push(d, bad, pack_len[1]), CND_OK);
    /* The commit checked the bad pack in the sector, then copied the active
     * one back: the pack the engine holds is readable again at once. */
    assert_int_equal(d->mirror.copies, 2);
    assert_memory_equal(d->in.mem + 16, packs[0], pack_len[0]);
    assert_int_equal(cnd_store_open_active_pack(&d->st, NULL, 0, &pk), CND_OK);
    assert_int_equal(d->mirror.copies, 2);
    assert_opened_from_mirror(d, &pk, 0);
    device_free(d);
}

static void internal_flash_that_will_not_program_is_reported_not_opened(void **state)
{
    device_t *d = device_with_pack(0, 4);
    cnd_pack_t pk;
    const uint8_t *view = (const uint8_t *)1;
    (void)state;
    memset(d->in.mem, 0xFF, SECTOR);
    cnd_ram_flash_power_on(&d->rf);
    cnd_pack_mirror_init(&d->mirror, &d->in.f, &d->th.hal.flash);
    assert_int_equal(cnd_store_mount(&d->st, &d->th.hal), CND_OK);
    cnd_store_set_pack_window(&d->st, cnd_pack_mirror_window, &d->mirror);
    d->in.fail_prog = 1;
    assert_int_equal(cnd_store_open_active_pack(&d->st, NULL, 0, &pk), CND_E_IO);
    assert_int_equal(cnd_pack_mirror_window(&d->mirror, 0, pack_len[0], &view), CND_E_IO);
    assert_null(view);
    d->in.fail_prog = 0;
    d->in.stuck_bit = 1; /* a worn cell: programs, reads back wrong */
    assert_int_equal(cnd_store_open_active_pack(&d->st, NULL, 0, &pk), CND_E_VERIFY);
    d->in.stuck_bit = 0;
    assert_int_equal(boot(d, &pk), CND_OK);
    assert_opened_from_mirror(d, &pk, 0);
    device_free(d);
}

static cnd_status_t failing_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    (void)ctx;
    (void)addr;
    (void)buf;
    (void)len;
    return CND_E_IO;
}

static void nor_read_failure_opens_nothing(void **state)
{
    device_t *d = device_with_pack(0, 4);
    cnd_pack_t pk;
    const uint8_t *view = (const uint8_t *)1;
    (void)state;
    assert_int_equal(boot(d, &pk), CND_OK);
    /* The NOR stops answering: even an intact mirror is not trusted. */
    d->th.hal.flash.read = failing_read;
    assert_int_equal(cnd_pack_mirror_window(&d->mirror, 0, pack_len[0], &view), CND_E_IO);
    assert_null(view);
    device_free(d);
}

static void pack_larger_than_the_sector_is_refused(void **state)
{
    iflash_fake_t *x = calloc(1, sizeof *x);
    cnd_pack_mirror_t m;
    const uint8_t *view = (const uint8_t *)1;
    cnd_flash_t nor;
    (void)state;
    assert_non_null(x);
    memset(&nor, 0, sizeof nor);
    iflash_init(x, 16, 4096, 4096);
    cnd_pack_mirror_init(&m, &x->f, &nor);
    assert_int_equal(cnd_pack_mirror_capacity(&m), 4096 - 16);
    assert_int_equal(cnd_pack_mirror_window(&m, 0, 4096, &view), CND_E_NOSPACE);
    assert_null(view);
    assert_int_equal(cnd_pack_mirror_window(&m, 0, 0, &view), CND_E_NOSPACE);
    x->f.sector_size = 3000; /* sectors that do not tile the mirror: refused */
    assert_int_equal(cnd_pack_mirror_capacity(&m), 0);
    x->f.sector_size = 8; /* the header would not fit the first sector */
    assert_int_equal(cnd_pack_mirror_capacity(&m), 0);
    x->f.sector_size = 4096;
    x->f.prog_size = 3; /* not a power of two: refused, never misaligned */
    assert_int_equal(cnd_pack_mirror_capacity(&m), 0);
    assert_int_equal(x->erases, 0);
    free(x);
}

static void wide_program_unit_keeps_header_and_pack_aligned(void **state)
{
    device_t *d = device_with_pack(1, 32); /* e.g. a 256-bit flash word */
    cnd_pack_t pk;
    (void)state;
    assert_int_equal(boot(d, &pk), CND_OK);
    assert_int_equal(pk.buf - d->in.mem, 32);
    assert_opened_from_mirror(d, &pk, 1);
    device_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            device_without_a_survey_boots_to_no_survey_and_never_writes_internal_flash),
        cmocka_unit_test(pushed_survey_is_verified_in_internal_flash_and_shown_after_reboot),
        cmocka_unit_test(boot_with_an_intact_mirror_does_not_wear_internal_flash),
        cmocka_unit_test(power_cut_at_any_step_of_the_copy_is_repaired_at_next_boot),
        cmocka_unit_test(big_pack_spans_sectors_and_a_cut_in_the_middle_of_the_copy_is_repaired),
        cmocka_unit_test(largest_pack_fills_three_sectors_and_survives_a_cut_anywhere),
        cmocka_unit_test(mirror_of_another_survey_is_replaced_by_the_active_one),
        cmocka_unit_test(mirror_differing_from_nor_in_one_byte_is_recopied),
        cmocka_unit_test(second_survey_push_switches_the_mirror_and_survives_reboot),
        cmocka_unit_test(corrupt_push_is_refused_and_the_old_survey_stays_on_the_mirror),
        cmocka_unit_test(internal_flash_that_will_not_program_is_reported_not_opened),
        cmocka_unit_test(nor_read_failure_opens_nothing),
        cmocka_unit_test(pack_larger_than_the_sector_is_refused),
        cmocka_unit_test(wide_program_unit_keeps_header_and_pack_aligned),
    };
    return cmocka_run_group_tests(tests, compile_packs, NULL);
}
