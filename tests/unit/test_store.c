/* test_store.c: what an interviewer and a coordinator would notice of the
 * device's storage: saved responses survive reboots and power cuts, nothing
 * unsynced is ever lost or overwritten, synced space comes back, a damaged
 * chip is refused rather than wiped, and survey packs install safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "frame.h"

#include "answers.h"
#include "big_pack.h"
#include "compile.h"
#include "open_sealed.h"
#include "flash_file.h"
#include "pack.h"
#include "first_language.h"
#include "ram_flash.h"
#include "record.h"
#include "store.h"
#include "test_key.h"

#define BLOCK 4096u
#define PROG 16u

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    uint32_t rng;
    cnd_store_t st;
} device_t;

/* Deterministic stand-in for the RNG so failures reproduce. */
static cnd_status_t test_random(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t *x = ctx, i;
    for (i = 0; i < n; i++) {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        buf[i] = (uint8_t)*x;
    }
    return CND_OK;
}

static uint16_t test_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

static void device_init(device_t *d, uint32_t blocks, uint32_t seed)
{
    memset(d, 0, sizeof(*d));
    assert_int_equal(cnd_ram_flash_init(&d->rf, BLOCK, blocks, PROG), CND_OK);
    d->rng = seed;
    d->hal.flash = d->rf.flash;
    d->hal.ctx = &d->rng;
    d->hal.random = test_random;
    d->hal.today = test_today;
}

/* Power comes back and the device boots on whatever the flash holds. */
static cnd_status_t reboot(device_t *d)
{
    cnd_ram_flash_power_on(&d->rf);
    return cnd_store_mount(&d->st, &d->hal);
}

/* ---- survey packs: the default survey, and variants with other prints ---- */

static uint8_t packs[6][CND_MAX_PACK_SIZE];
static uint32_t pack_len[6];
static uint32_t pack_fp[6];

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
    for (k = 0; k < 6; k++) {
        cnd_pack_t pk;
        size_t len = 0;
        cnd_err_t err;
        ver[11] = (char)('1' + k); /* version 1..6: six distinct packs */
        memset(&err, 0, sizeof err);
        /* The default survey in its first language: it fits the 32 KiB
         * slots of the small chips whose logs these tests fill and wrap. */
        if (cnd_test_compile_first_language(json, n, packs[k], CND_MAX_PACK_SIZE, &len, &err) !=
            CND_OK)
            return -1;
        if (cnd_pack_open(&pk, packs[k], (uint32_t)len) != CND_OK)
            return -1;
        pack_len[k] = (uint32_t)len;
        pack_fp[k] = pk.fingerprint;
    }
    return 0;
}

static cnd_pack_t opened_packs[6];

static const cnd_pack_t *pack_of(void *ctx, uint32_t fp)
{
    int k;
    (void)ctx;
    for (k = 0; k < 6; k++) {
        if (pack_fp[k] == fp) {
            if (cnd_pack_open(&opened_packs[k], packs[k], pack_len[k]) != CND_OK)
                return NULL;
            return &opened_packs[k];
        }
    }
    return NULL;
}

/* The next pending response, opened with the office key (the store itself
 * can no longer read what it sealed). The responses here are synthetic, so
 * they are not checked against the survey. */
static cnd_status_t next_pending(device_t *d, uint32_t *cursor, uint32_t *seq, cnd_response_t *r)
{
    return cnd_test_next_open(&d->st, cursor, seq, pack_of, NULL, 0, r);
}

/* Pushes pack k in uneven chunks, as frames would carry it. */
static cnd_status_t push_pack(device_t *d, const uint8_t *bytes, uint32_t len)
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

static void install(device_t *d, int k)
{
    assert_int_equal(push_pack(d, packs[k], pack_len[k]), CND_OK);
}

static const cnd_pack_t *pack_of(void *ctx, uint32_t fp);

/* Response i to survey k: answers drawn from i (some relevant items left
 * unanswered, so both forms of the record body are stored), ids distinct. */
static void make_response(cnd_response_t *r, uint32_t i, int k)
{
    uint8_t j;
    cnd_test_random_response(pack_of(NULL, pack_fp[k]), i * 7919u + (uint32_t)k, 24, r);
    for (j = 0; j < CND_RESPONSE_ID_LEN; j++)
        r->id[j] = (uint8_t)((i >> (8 * (j % 4))) + j * 17u);
    r->day = (uint16_t)(2000 + i % 5);
    r->lang = (uint8_t)(i % cnd_pack_lang_count(pack_of(NULL, pack_fp[k])));
}

static cnd_status_t append(device_t *d, const cnd_response_t *r)
{
    return cnd_store_append_response(&d->st, r, pack_of(NULL, r->pack_fp));
}

static void assert_same_response(const cnd_response_t *a, const cnd_response_t *b)
{
    uint8_t j;
    assert_memory_equal(a->id, b->id, CND_RESPONSE_ID_LEN);
    assert_int_equal(a->pack_fp, b->pack_fp);
    assert_int_equal(a->day, b->day);
    assert_int_equal(a->lang, b->lang);
    assert_int_equal(a->n_answers, b->n_answers);
    for (j = 0; j < a->n_answers; j++) {
        assert_int_equal(a->answers[j].state, b->answers[j].state);
        if (a->answers[j].state == CND_ANS_VALUE)
            assert_int_equal(a->answers[j].value, b->answers[j].value);
    }
}

static cnd_status_t save(device_t *d, uint32_t i)
{
    cnd_response_t r;
    make_response(&r, i, 0);
    return append(d, &r);
}

/*
 * Reads every pending response and checks they are exactly the responses
 * numbered want[0..n) in that order. Returns the seq of the last one.
 */
static uint32_t expect_pending(device_t *d, const uint32_t *want, uint32_t n)
{
    uint32_t cursor = 0, seq = 0, prev = 0, i;
    cnd_response_t got, exp;
    for (i = 0; i < n; i++) {
        assert_int_equal(next_pending(d, &cursor, &seq, &got), CND_OK);
        make_response(&exp, want[i], 0);
        assert_same_response(&exp, &got);
        assert_true(seq > prev);
        prev = seq;
    }
    if (next_pending(d, &cursor, &seq, &got) != CND_E_NOT_FOUND) {
        print_message("extra seq %u id %02x%02x after %u\n", seq, got.id[0], got.id[1], n);
        fail();
    }
    assert_int_equal(cnd_store_pending_count(&d->st), n);
    return prev;
}

static void expect_range(device_t *d, uint32_t first, uint32_t n)
{
    uint32_t *want = malloc(sizeof(uint32_t) * (n ? n : 1)), i;
    for (i = 0; i < n; i++)
        want[i] = first + i;
    expect_pending(d, want, n);
    free(want);
}

/* The seq of the k-th (0-based) pending response. */
static uint32_t seq_of_pending(device_t *d, uint32_t k)
{
    uint32_t cursor = 0, seq = 0, i;
    cnd_response_t r;
    for (i = 0; i <= k; i++)
        assert_int_equal(next_pending(d, &cursor, &seq, &r), CND_OK);
    return seq;
}

static void fresh_device_with_pack(device_t *d, uint32_t blocks)
{
    device_init(d, blocks, 12345);
    assert_int_equal(cnd_store_mount(&d->st, &d->hal), CND_OK);
    install(d, 0);
}

/* ---- formatting and refusing ---- */

static void blank_flash_is_formatted_with_a_random_device_id(void **state)
{
    device_t a, b;
    uint8_t id[CND_DEVICE_ID_LEN], blank[CND_DEVICE_ID_LEN];
    (void)state;
    device_init(&a, 256, 1);
    device_init(&b, 256, 2);
    assert_int_equal(cnd_store_mount(&a.st, &a.hal), CND_OK);
    assert_int_equal(cnd_store_mount(&b.st, &b.hal), CND_OK);
    memcpy(id, cnd_store_device_id(&a.st), sizeof id);
    memset(blank, 0xFF, sizeof blank);
    assert_memory_not_equal(id, blank, sizeof id);
    assert_memory_not_equal(id, cnd_store_device_id(&b.st), sizeof id);
    assert_memory_equal(a.rf.mem, "CNDF", 4);
    assert_int_equal(cnd_store_pending_count(&a.st), 0);
    assert_int_equal(cnd_store_bytes_used(&a.st), 0);
    /* All of the log is free but one block's worth of headers and reserve. */
    assert_int_equal(a.st.log_blocks, 256 - a.st.log_first);
    assert_true(cnd_store_bytes_free(&a.st) > (a.st.log_blocks - 1) * BLOCK);
    assert_true(cnd_store_bytes_free(&a.st) <= a.st.log_blocks * BLOCK);
    /* The id is kept: a reboot neither reformats nor draws a new one. */
    a.rng = 99;
    assert_int_equal(reboot(&a), CND_OK);
    assert_memory_equal(cnd_store_device_id(&a.st), id, sizeof id);
    assert_int_equal(a.rf.erase_count, 0);
    cnd_ram_flash_free(&a.rf);
    cnd_ram_flash_free(&b.rf);
}

static void garbage_flash_is_refused_and_left_untouched(void **state)
{
    device_t d;
    uint8_t *copy, one[1];
    uint32_t size = BLOCK * 256, i, len;
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    (void)state;
    device_init(&d, 256, 7);
    for (i = 0; i < size; i++)
        d.rf.mem[i] = (uint8_t)(i * 2654435761u >> 24);
    copy = malloc(size);
    memcpy(copy, d.rf.mem, size);
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_E_CORRUPT);
    /* Even a blank-looking superblock does not license wiping the rest. */
    memset(d.rf.mem, 0xFF, BLOCK);
    memset(copy, 0xFF, BLOCK);
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_E_CORRUPT);
    assert_memory_equal(d.rf.mem, copy, size);
    assert_int_equal(d.rf.prog_count + d.rf.erase_count, 0);
    /* A refused store answers as empty and writes nothing. */
    assert_int_equal(cnd_store_pending_count(&d.st), 0);
    assert_int_equal(cnd_store_packs(&d.st, info), 0);
    assert_int_equal(cnd_store_active_pack(&d.st, one, sizeof one, &len), CND_E_NO_SURVEY);
    assert_int_equal(save(&d, 1), CND_E_INVALID);
    assert_int_equal(cnd_store_pack_begin(&d.st, 100), CND_E_RANGE);
    assert_memory_equal(d.rf.mem, copy, size);
    free(copy);
    cnd_ram_flash_free(&d.rf);
}

/* Both superblock copies (SPEC 4.3), with their CRCs, as a firmware
 * speaking format v would write them. */
static void set_format_version(device_t *d, uint8_t v)
{
    uint32_t copy, p = d->hal.flash.prog_size, len = (48 + p - 1) / p * p;
    for (copy = 0; copy < 2; copy++) {
        uint8_t *b = d->rf.mem + copy * len;
        b[4] = v;
        cnd_wire_put_u32(b + 44, (uint32_t)crc32(0L, b, 44));
    }
}

static void device_of_a_newer_format_is_refused_not_reformatted(void **state)
{
    device_t d;
    (void)state;
    fresh_device_with_pack(&d, 64);
    assert_int_equal(save(&d, 1), CND_OK);
    set_format_version(&d, 3); /* as a later firmware would write */
    cnd_ram_flash_reset_counters(&d.rf);
    assert_int_equal(reboot(&d), CND_E_VERSION);
    assert_int_equal(d.rf.prog_count + d.rf.erase_count, 0);
    set_format_version(&d, 2);
    assert_int_equal(reboot(&d), CND_OK);
    expect_range(&d, 1, 1);
    cnd_ram_flash_free(&d.rf);
}

static void image_from_a_flash_of_another_geometry_is_refused(void **state)
{
    device_t d;
    (void)state;
    fresh_device_with_pack(&d, 64);
    d.hal.flash.block_count = 60; /* same bytes, but the port now claims less flash */
    assert_int_equal(reboot(&d), CND_E_CORRUPT);
    d.hal.flash.block_count = 64;
    assert_int_equal(reboot(&d), CND_OK);
    cnd_ram_flash_free(&d.rf);
}

static void assert_active_pack(device_t *d, int k);

/* SPEC 4.1: slots of chip/16 bytes, 32 KiB at least and CND_MAX_PACK_SIZE
 * at most, in whole blocks. */
static void pack_slot_size_is_chosen_by_chip_size_at_format(void **state)
{
    static const struct {
        uint32_t blocks, slot_blocks;
    } cases[] = {{64, 8},
                   {256, 16},
                   {512, 32},
                   {2048, CND_MAX_PACK_SIZE / BLOCK},
                   {4096, CND_MAX_PACK_SIZE / BLOCK}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        device_t d;
        device_init(&d, cases[i].blocks, 9);
        assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
        assert_int_equal(d.st.slot_blocks, cases[i].slot_blocks);
        assert_int_equal(d.st.log_first, 3 + 4 * cases[i].slot_blocks);
        assert_int_equal(cnd_store_pack_capacity(&d.st), cases[i].slot_blocks * BLOCK);
        assert_int_equal(reboot(&d), CND_OK); /* the recorded layout mounts again */
        assert_int_equal(d.st.slot_blocks, cases[i].slot_blocks);
        cnd_ram_flash_free(&d.rf);
    }
}

/* Rewrites both superblock copies with another slot size, as a format by
 * an older firmware (32 KiB slots on every chip) left it. */
static void rewrite_superblock_slots(device_t *d, uint32_t slot_blocks)
{
    uint8_t sb[48];
    uint32_t copy, log_first = 3 + 4 * slot_blocks;
    memcpy(sb, d->rf.mem, sizeof sb);
    memset(d->rf.mem, 0xFF, BLOCK);
    sb[32] = (uint8_t)slot_blocks;
    sb[33] = (uint8_t)(slot_blocks >> 8);
    sb[34] = sb[35] = 0;
    sb[36] = (uint8_t)log_first;
    sb[37] = (uint8_t)(log_first >> 8);
    sb[38] = sb[39] = 0;
    sb[40] = (uint8_t)(d->rf.flash.block_count - log_first);
    sb[41] = (uint8_t)((d->rf.flash.block_count - log_first) >> 8);
    sb[42] = sb[43] = 0;
    {
        uint32_t crc = (uint32_t)crc32(0L, sb, 44);
        sb[44] = (uint8_t)crc;
        sb[45] = (uint8_t)(crc >> 8);
        sb[46] = (uint8_t)(crc >> 16);
        sb[47] = (uint8_t)(crc >> 24);
    }
    for (copy = 0; copy < 2; copy++)
        memcpy(d->rf.mem + copy * 48, sb, sizeof sb);
}

static void chip_formatted_with_small_slots_keeps_them_and_refuses_big_packs(void **state)
{
    static uint8_t big[CND_MAX_PACK_SIZE];
    uint32_t big_len = 0, i;
    device_t d;
    (void)state;
    assert_int_equal(cnd_test_big_pack(0, big, sizeof big, &big_len), 0);
    assert_true(big_len > 32768u);
    device_init(&d, 2048, 4); /* the reference 8 MiB chip */
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    rewrite_superblock_slots(&d, 8); /* formatted by the firmware before packs grew */
    assert_int_equal(reboot(&d), CND_OK);
    assert_int_equal(d.st.slot_blocks, 8);
    assert_int_equal(d.st.log_first, 35);
    assert_int_equal(cnd_store_pack_capacity(&d.st), 32768);
    install(&d, 0);
    for (i = 0; i < 50; i++)
        assert_int_equal(save(&d, i), CND_OK);
    /* Too big for this chip's slots: refused before anything is erased. */
    cnd_ram_flash_reset_counters(&d.rf);
    assert_int_equal(cnd_store_pack_begin(&d.st, big_len), CND_E_NOSPACE);
    assert_int_equal(d.rf.prog_count + d.rf.erase_count, 0);
    assert_int_equal(reboot(&d), CND_OK);
    assert_active_pack(&d, 0);
    expect_range(&d, 0, 50);
    /* A layout that does not add up is refused, never reformatted. */
    rewrite_superblock_slots(&d, 600);
    assert_int_equal(reboot(&d), CND_E_CORRUPT);
    rewrite_superblock_slots(&d, 0);
    assert_int_equal(reboot(&d), CND_E_CORRUPT);
    rewrite_superblock_slots(&d, 8);
    assert_int_equal(reboot(&d), CND_OK);
    expect_range(&d, 0, 50);
    cnd_ram_flash_free(&d.rf);
}

static void big_pack_installs_on_the_big_chip_and_its_log_starts_after_the_slots(void **state)
{
    static uint8_t big[CND_MAX_PACK_SIZE];
    uint32_t big_len = 0;
    device_t d;
    (void)state;
    assert_int_equal(cnd_test_big_pack(1, big, sizeof big, &big_len), 0);
    device_init(&d, 2048, 4);
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    assert_int_equal(cnd_store_pack_capacity(&d.st), CND_MAX_PACK_SIZE);
    assert_int_equal(push_pack(&d, big, big_len), CND_OK);
    assert_int_equal(cnd_store_pack_begin(&d.st, CND_MAX_PACK_SIZE), CND_OK);
    assert_int_equal(cnd_store_pack_begin(&d.st, CND_MAX_PACK_SIZE + 1), CND_E_RANGE);
    assert_int_equal(reboot(&d), CND_OK);
    {
        cnd_pack_t pk;
        assert_int_equal(cnd_store_open_active_pack(&d.st, big, sizeof big, &pk), CND_OK);
        assert_int_equal(pk.len, big_len);
    }
    /* A lent buffer shorter than the slot caps what a push may install. */
    cnd_store_set_pack_buffer(&d.st, big, 32768);
    assert_int_equal(cnd_store_pack_capacity(&d.st), 32768);
    assert_int_equal(cnd_store_pack_begin(&d.st, big_len), CND_E_NOSPACE);
    assert_int_equal(d.st.log_first, 3 + 4 * (CND_MAX_PACK_SIZE / BLOCK));
    cnd_ram_flash_free(&d.rf);
}

static void power_cut_during_format_formats_again_at_next_boot(void **state)
{
    device_t d;
    uint32_t torn;
    (void)state;
    for (torn = 0; torn < 48; torn += 5) {
        device_init(&d, 64, 3);
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, 0, torn);
        assert_int_not_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
        assert_int_equal(reboot(&d), CND_OK);
        assert_memory_equal(d.rf.mem, "CNDF", 4);
        cnd_ram_flash_free(&d.rf);
    }
}

/* ---- the response log ---- */

static void saved_responses_survive_reboot_in_order(void **state)
{
    device_t d;
    uint32_t i, used;
    (void)state;
    fresh_device_with_pack(&d, 256);
    for (i = 0; i < 200; i++)
        assert_int_equal(save(&d, i), CND_OK);
    used = cnd_store_bytes_used(&d.st);
    assert_true(used > 200 * 20);
    expect_range(&d, 0, 200);
    assert_int_equal(reboot(&d), CND_OK);
    assert_int_equal(cnd_store_bytes_used(&d.st), used);
    expect_range(&d, 0, 200);
    /* The sync end of the contract: a held cursor picks up later saves. */
    cnd_ram_flash_free(&d.rf);
}

static void iteration_cursor_picks_up_responses_saved_later(void **state)
{
    device_t d;
    cnd_response_t r, exp;
    uint32_t cursor = 0, seq, saved;
    (void)state;
    fresh_device_with_pack(&d, 64);
    assert_int_equal(save(&d, 1), CND_OK);
    assert_int_equal(next_pending(&d, &cursor, &seq, &r), CND_OK);
    assert_int_equal(next_pending(&d, &cursor, &seq, &r), CND_E_NOT_FOUND);
    saved = cursor;
    assert_int_equal(save(&d, 2), CND_OK);
    assert_int_equal(next_pending(&d, &cursor, &seq, &r), CND_OK);
    make_response(&exp, 2, 0);
    assert_same_response(&exp, &r);
    /* A saved cursor re-reads from the same point. */
    assert_int_equal(next_pending(&d, &saved, &seq, &r), CND_OK);
    assert_same_response(&exp, &r);
    cnd_ram_flash_free(&d.rf);
}

static void response_for_a_survey_not_installed_is_not_saved(void **state)
{
    device_t d;
    cnd_response_t r;
    (void)state;
    fresh_device_with_pack(&d, 64);
    make_response(&r, 1, 1); /* pack 1 was never pushed */
    assert_int_equal(append(&d, &r), CND_E_NO_SURVEY);
    r.n_answers = CND_MAX_ITEMS + 1;
    r.pack_fp = pack_fp[0];
    assert_int_equal(append(&d, &r), CND_E_RANGE);
    assert_int_equal(cnd_store_pending_count(&d.st), 0);
    cnd_ram_flash_free(&d.rf);
}

static void torn_last_record_is_skipped_at_boot_and_next_save_works(void **state)
{
    uint32_t torn, entry = 0;
    (void)state;
    /* Every tear that leaves the record incomplete: from nothing written
     * to all but its last byte (the 0xFF padding after it is a no-op). */
    for (torn = 0; entry == 0 || torn < entry; torn++) {
        device_t d;
        static const uint32_t want[] = {0, 1, 2, 3, 4, 6, 7};
        uint32_t i, used;
        fresh_device_with_pack(&d, 64);
        for (i = 0; i < 5; i++)
            assert_int_equal(save(&d, i), CND_OK);
        used = cnd_store_bytes_used(&d.st);
        if (entry == 0) { /* measure response 5's entry without its padding */
            uint32_t start = d.st.log_first * BLOCK + used;
            assert_int_equal(save(&d, 5), CND_OK);
            entry = cnd_store_bytes_used(&d.st) - used;
            while (d.rf.mem[start + entry - 1] == 0xFF)
                entry--;
            assert_true(entry > CND_ENTRY_HEADER_LEN + CND_SEALED_HEADER_LEN + CND_SEAL_TAG_LEN);
            cnd_ram_flash_free(&d.rf);
            continue;
        }
        /* The battery dies while response 5 is being programmed. */
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, 0, torn - 1);
        assert_int_not_equal(save(&d, 5), CND_OK);
        assert_int_equal(reboot(&d), CND_OK);
        expect_pending(&d, want, 5);
        assert_int_equal(save(&d, 6), CND_OK);
        assert_int_equal(save(&d, 7), CND_OK);
        expect_pending(&d, want, 7);
        assert_int_equal(reboot(&d), CND_OK);
        expect_pending(&d, want, 7);
        cnd_ram_flash_free(&d.rf);
    }
}

/* Clears the lowest set bit of the first non-zero byte from addr on, the
 * way a NOR cell decays. */
static void decay_one_bit(device_t *d, uint32_t addr)
{
    while (d->rf.mem[addr] == 0)
        addr++;
    d->rf.mem[addr] &= (uint8_t)(d->rf.mem[addr] - 1);
}

static void corrupted_crc_record_is_reported_and_the_rest_of_its_segment_kept(void **state)
{
    device_t d;
    uint32_t before, addr, cursor = 0;
    cnd_store_damage_t dmg;
    static const uint32_t want[] = {0, 2, 3};
    (void)state;
    fresh_device_with_pack(&d, 64);
    assert_int_equal(save(&d, 0), CND_OK);
    before = cnd_store_bytes_used(&d.st); /* the first segment starts the log */
    assert_int_equal(save(&d, 1), CND_OK);
    assert_int_equal(save(&d, 2), CND_OK);
    /* A bit in the (sealed) answers of response 1 decays. */
    addr = d.st.log_first * BLOCK + before + CND_ENTRY_HEADER_LEN + CND_SEALED_HEADER_LEN + 2;
    decay_one_bit(&d, addr);
    assert_int_equal(reboot(&d), CND_OK);
    /* The bad record is damage, not the end of the segment: replay
     * resynchronises on the next valid entry, and the damage is counted
     * and listed with the id it still shows. */
    expect_pending(&d, want, 2);
    assert_int_equal(cnd_store_damaged_count(&d.st), 1);
    assert_int_equal(cnd_store_next_damage(&d.st, &cursor, &dmg), CND_OK);
    assert_int_equal(dmg.offset, before);
    assert_int_equal(dmg.id_state, CND_STORE_ID_UNVERIFIED);
    assert_int_equal(cnd_store_next_damage(&d.st, &cursor, &dmg), CND_E_NOT_FOUND);
    assert_int_equal(save(&d, 3), CND_OK);
    expect_pending(&d, want, 3);
    assert_int_equal(reboot(&d), CND_OK);
    expect_pending(&d, want, 3);
    assert_int_equal(cnd_store_damaged_count(&d.st), 1);
    cnd_ram_flash_free(&d.rf);
}

/* A bit that decays after boot, in a segment an ACK then frees: the PULL
 * that led to the ACK met the damage on its walk, so the store keeps the
 * segment (its raw bytes are the only trace of that response) and the next
 * boot counts it for the office; on healthy flash the same ACK erases the
 * segment without a second walk (docs/DESIGN.md, flash damage). */
static void damage_after_boot_met_by_the_pull_keeps_its_segment(void **state)
{
    int decay;
    (void)state;
    for (decay = 0; decay <= 1; decay++) {
        device_t d;
        uint32_t before, addr, i, cursor = 0, seq = 0, last = 0, read = 0;
        cnd_response_t r;
        fresh_device_with_pack(&d, 64);
        assert_int_equal(save(&d, 0), CND_OK);
        before = cnd_store_bytes_used(&d.st);
        for (i = 1; i < 300; i++) /* some 20 KiB: the log's first segments fill */
            assert_int_equal(save(&d, i), CND_OK);
        assert_true(d.st.n_live >= 3);
        if (decay) {
            addr = d.st.log_first * BLOCK + before + CND_ENTRY_HEADER_LEN + CND_SEALED_HEADER_LEN + 2;
            decay_one_bit(&d, addr);
        }
        /* the PULL's walk, then its ACK */
        while (next_pending(&d, &cursor, &seq, &r) == CND_OK) {
            last = seq;
            read++;
        }
        assert_int_equal(read, 300u - (uint32_t)decay);
        cnd_ram_flash_reset_counters(&d.rf);
        assert_int_equal(cnd_store_ack(&d.st, last), CND_OK);
        if (decay) {
            assert_int_equal(d.rf.block_erases[d.st.log_first], 0); /* kept */
            assert_int_equal(reboot(&d), CND_OK);
            assert_int_equal(cnd_store_damaged_count(&d.st), 1);
        } else {
            assert_true(d.rf.block_erases[d.st.log_first] > 0); /* freed */
        }
        cnd_ram_flash_free(&d.rf);
    }
}

static void failed_verify_is_reported_and_the_retry_is_saved(void **state)
{
    device_t d;
    static const uint32_t want[] = {0, 1};
    (void)state;
    fresh_device_with_pack(&d, 64);
    assert_int_equal(save(&d, 0), CND_OK);
    cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_BAD_BITS, 0, 0);
    assert_int_equal(save(&d, 1), CND_E_VERIFY);
    assert_int_equal(cnd_store_pending_count(&d.st), 1);
    assert_int_equal(save(&d, 1), CND_OK); /* the engine retries with the same answers */
    expect_pending(&d, want, 2);
    assert_int_equal(reboot(&d), CND_OK);
    expect_pending(&d, want, 2);
    /* A flash that reports an error is not trusted either. */
    cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_IO_ERROR, 0, 0);
    assert_int_equal(save(&d, 2), CND_E_IO);
    expect_pending(&d, want, 2);
    cnd_ram_flash_free(&d.rf);
}

/* ---- acknowledgement and reclaiming ---- */

static void ack_persists_across_reboot_and_acked_responses_are_not_pending(void **state)
{
    device_t d;
    uint32_t i, last;
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    (void)state;
    fresh_device_with_pack(&d, 64);
    for (i = 0; i < 10; i++)
        assert_int_equal(save(&d, i), CND_OK);
    last = expect_pending(&d, (const uint32_t[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10);
    assert_int_equal(cnd_store_ack(&d.st, last + 1), CND_E_RANGE);
    assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 5)), CND_OK);
    expect_range(&d, 6, 4);
    assert_int_equal(cnd_store_packs(&d.st, info), 1);
    assert_int_equal(info[0].pending, 4);
    assert_int_equal(reboot(&d), CND_OK);
    expect_range(&d, 6, 4);
    assert_int_equal(cnd_store_packs(&d.st, info), 1);
    assert_int_equal(info[0].pending, 4);
    /* Repeated or older ACKs change nothing. */
    assert_int_equal(cnd_store_ack(&d.st, 2), CND_OK);
    expect_range(&d, 6, 4);
    assert_int_equal(cnd_store_ack(&d.st, last), CND_OK);
    assert_int_equal(cnd_store_pending_count(&d.st), 0);
    assert_int_equal(cnd_store_ack(&d.st, last), CND_OK);
    assert_int_equal(reboot(&d), CND_OK);
    assert_int_equal(cnd_store_pending_count(&d.st), 0);
    /* New saves after a full ack get new, higher numbers. */
    assert_int_equal(save(&d, 10), CND_OK);
    assert_true(seq_of_pending(&d, 0) > last);
    cnd_ram_flash_free(&d.rf);
}

static void interrupted_ack_keeps_the_previous_watermark(void **state)
{
    uint32_t torn;
    (void)state;
    /* A state entry is 12 + 40 bytes (then 0xFF padding): every tear short
     * of that leaves it incomplete. */
    for (torn = 0; torn < 52; torn += 3) {
        device_t d;
        uint32_t i;
        fresh_device_with_pack(&d, 64);
        for (i = 0; i < 10; i++)
            assert_int_equal(save(&d, i), CND_OK);
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 2)), CND_OK);
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, 0, torn);
        assert_int_not_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 5)), CND_OK);
        assert_int_equal(reboot(&d), CND_OK);
        expect_range(&d, 3, 7);
        /* The host re-sends its ACK after reconnecting; now it lands. */
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 2)), CND_OK);
        expect_range(&d, 6, 4);
        assert_int_equal(reboot(&d), CND_OK);
        expect_range(&d, 6, 4);
        cnd_ram_flash_free(&d.rf);
    }
}

/* Power fails at every single flash operation of a run of ACKs that goes
 * through several switches of the state double buffer: after each reboot
 * the watermark is the old or the new one, never anything else. */
static void power_cut_at_any_point_of_acks_keeps_a_valid_watermark(void **state)
{
    device_t d;
    uint32_t cut, i;
    (void)state;
    fresh_device_with_pack(&d, 64);
    for (i = 0; i < 300; i++)
        assert_int_equal(save(&d, i), CND_OK);
    for (cut = 0; cut < 300; cut++) {
        uint32_t before = cnd_store_pending_count(&d.st), after, seq = 0, cursor;
        cnd_response_t r;
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, cut % 3, (cut * 7) % 64);
        /* ACK one response at a time until the armed cut stops the run. */
        for (;;) {
            cursor = 0;
            if (next_pending(&d, &cursor, &seq, &r) != CND_OK)
                break;
            if (cnd_store_ack(&d.st, seq) != CND_OK)
                break;
            before--;
        }
        assert_int_equal(reboot(&d), CND_OK);
        after = cnd_store_pending_count(&d.st);
        assert_true(after == before || after == before - 1);
        expect_range(&d, 300 - after, after);
        if (after == 0)
            break;
    }
    assert_true(cut > 100);
    cnd_ram_flash_free(&d.rf);
}

/* Index of the first pending response (responses are numbered by id). */
static uint32_t first_pending_index(device_t *d)
{
    uint32_t cursor = 0, seq;
    cnd_response_t r;
    if (next_pending(d, &cursor, &seq, &r) != CND_OK)
        return UINT32_MAX;
    return (uint32_t)r.id[0] | (uint32_t)((uint8_t)(r.id[1] - 17u)) << 8;
}

/*
 * Power fails at every flash operation of a field routine (save, save, ...,
 * sync every 40) that crosses segment boundaries and wraps the log. After
 * each reboot: every save that was confirmed is there, every sync that was
 * confirmed holds, the one interrupted operation either happened or not,
 * and the device keeps working.
 */
static void power_cut_at_any_point_loses_no_confirmed_save_or_sync(void **state)
{
    uint32_t cut;
    (void)state;
    for (cut = 0;; cut++) {
        device_t d;
        uint32_t saved = 0, acked = 0, new_acked = 0, first, n;
        int inflight_save = 0, inflight_ack = 0, finished = 0;
        fresh_device_with_pack(&d, 40);
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, cut, (cut * 13) % 80);
        while (saved < 600) {
            if (saved % 40 == 39 && acked < saved) {
                new_acked = saved;
                inflight_ack = 1;
                if (cnd_store_ack(&d.st, seq_of_pending(&d, saved - acked - 1)) != CND_OK)
                    break;
                inflight_ack = 0;
                acked = saved;
            }
            inflight_save = 1;
            if (save(&d, saved) != CND_OK)
                break;
            inflight_save = 0;
            saved++;
        }
        finished = saved == 600;
        assert_int_equal(reboot(&d), CND_OK);
        first = first_pending_index(&d);
        n = cnd_store_pending_count(&d.st);
        if (n == 0) {
            assert_true(saved == acked || (inflight_ack && saved == new_acked));
        } else {
            assert_true(first == acked || (inflight_ack && first == new_acked));
            assert_true(n == saved - first || (inflight_save && n == saved - first + 1));
            expect_range(&d, first, n);
        }
        /* Whatever the cut hit, saving and syncing go on. */
        assert_int_equal(save(&d, 1000), CND_OK);
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, n)), CND_OK);
        assert_int_equal(cnd_store_pending_count(&d.st), 0);
        cnd_ram_flash_free(&d.rf);
        if (finished)
            break; /* the cut point lies beyond the whole routine */
    }
    assert_true(cut > 600);
}

static void log_wraps_and_reclaims_space_after_acks_over_many_cycles(void **state)
{
    device_t d;
    uint32_t i = 0, k, acked = 0, lo = UINT32_MAX, hi = 0, used_max = 0;
    uint32_t log_first, log_blocks, capacity = 0;
    (void)state;
    fresh_device_with_pack(&d, 64);
    log_first = d.st.log_first;
    log_blocks = d.st.log_blocks;
    cnd_ram_flash_reset_counters(&d.rf);
    /* Sync every 150 saves, as a coordinator would every few days. */
    while (i < 9000) {
        for (k = 0; k < 150; k++, i++)
            assert_int_equal(save(&d, i), CND_OK);
        if (cnd_store_bytes_used(&d.st) > used_max)
            used_max = cnd_store_bytes_used(&d.st);
        if (i % 1500 == 0)
            assert_int_equal(reboot(&d), CND_OK);
        expect_range(&d, acked, i - acked);
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, i - acked - 1)), CND_OK);
        acked = i;
        assert_int_equal(cnd_store_pending_count(&d.st), 0);
    }
    /* Space really came back: far more was written than the log holds. */
    capacity = log_blocks * BLOCK;
    assert_true(used_max < capacity / 2);
    assert_true(d.rf.prog_bytes > 4 * capacity);
    for (k = log_first; k < log_first + log_blocks; k++) {
        if (d.rf.block_erases[k] < lo)
            lo = d.rf.block_erases[k];
        if (d.rf.block_erases[k] > hi)
            hi = d.rf.block_erases[k];
    }
    assert_true(lo >= 4);      /* several full cycles around the log */
    assert_true(hi - lo <= 1); /* and every block worn the same */
    cnd_ram_flash_free(&d.rf);
}

static void an_ack_erases_a_few_blocks_and_leaves_the_rest_for_idle_steps(void **state)
{
    device_t d;
    uint32_t n = 0, free_after_ack, erases, steps = 0;
    int more = 1;
    cnd_status_t st;
    (void)state;
    fresh_device_with_pack(&d, 80); /* a log of about 45 blocks */
    while ((st = save(&d, n)) == CND_OK)
        n++;
    assert_int_equal(st, CND_E_NOSPACE);
    /* A full log acknowledged at once: many blocks become free. */
    cnd_ram_flash_reset_counters(&d.rf);
    assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, n - 1)), CND_OK);
    /* The ACK itself stalls for at most a few sector erases... */
    assert_true(d.rf.erase_count <= CND_STORE_ERASES_PER_CALL);
    assert_true(d.rf.erase_count > 0);
    /* ...yet all of the space counts as free at once: a coordinator sees
     * an empty device, and the next interview may start. */
    free_after_ack = cnd_store_bytes_free(&d.st);
    assert_true(cnd_store_bytes_used(&d.st) < 2 * BLOCK);
    assert_true(cnd_store_has_room(&d.st));
    /* Looking for pending responses skips the blocks waiting for their
     * erase: a sync does not re-read what it already delivered. */
    {
        uint32_t cursor = 0, seq = 0, reads = d.rf.read_count;
        static cnd_sealed_t r;
        assert_int_equal(cnd_store_next_pending(&d.st, &cursor, &seq, &r), CND_E_NOT_FOUND);
        /* only the head block, which is never erased, is read through
         * (two reads per record there), not the n records before it */
        assert_true(d.rf.read_count - reads < n / 8);
    }
    /* Idle steps erase the rest, one block each, without changing it. */
    erases = d.rf.erase_count;
    while (more) {
        assert_int_equal(cnd_store_reclaim_step(&d.st, &more), CND_OK);
        assert_int_equal(d.rf.erase_count, erases + 1);
        erases = d.rf.erase_count;
        assert_int_equal(cnd_store_bytes_free(&d.st), free_after_ack);
        steps++;
    }
    assert_true(steps > 10);
    assert_int_equal(cnd_store_reclaim_step(&d.st, &more), CND_OK); /* nothing left */
    assert_int_equal(more, 0);
    assert_int_equal(d.rf.erase_count, erases);
    /* The log fills again to the same capacity: nothing was lost to it. */
    {
        uint32_t m = 0;
        while (save(&d, n + m) == CND_OK)
            m++;
        assert_int_equal(m, n);
    }
    cnd_ram_flash_free(&d.rf);
}

static void without_idle_steps_saves_erase_one_block_when_they_need_it(void **state)
{
    device_t d;
    uint32_t n = 0, m = 0;
    (void)state;
    fresh_device_with_pack(&d, 80); /* a log of about 45 blocks */
    while (save(&d, n) == CND_OK)
        n++;
    assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, n - 1)), CND_OK);
    /* No idle step ever runs: each save that opens a segment erases one
     * block, and a reboot in the middle keeps the count right. */
    while (save(&d, n + m) == CND_OK) {
        m++;
        if (m == n / 2)
            assert_int_equal(reboot(&d), CND_OK);
    }
    /* The whole log again, less the room of the reboot's new EPOCH entry
     * and its twin (224 bytes: about four records). */
    assert_true(m <= n && m + 5 >= n);
    assert_int_equal(cnd_store_pending_count(&d.st), m);
    cnd_ram_flash_free(&d.rf);
}

static void full_log_of_unsynced_responses_refuses_new_saves_and_loses_nothing(void **state)
{
    device_t d;
    uint32_t n = 0;
    cnd_status_t st;
    (void)state;
    fresh_device_with_pack(&d, 40);
    while ((st = save(&d, n)) == CND_OK)
        n++;
    assert_int_equal(st, CND_E_NOSPACE);
    assert_true(n > 100);
    assert_int_equal(save(&d, n), CND_E_NOSPACE); /* stays refused, nothing overwritten */
    expect_range(&d, 0, n);
    assert_int_equal(reboot(&d), CND_OK);
    expect_range(&d, 0, n);
    assert_int_equal(save(&d, n), CND_E_NOSPACE);
    /* After a sync the device saves again. */
    assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, n / 2)), CND_OK);
    assert_int_equal(save(&d, n), CND_OK);
    expect_range(&d, n / 2 + 1, n - n / 2);
    cnd_ram_flash_free(&d.rf);
}

/* Writes response i as a log entry with sequence number seq after the last
 * entry of the head segment, as a device that had saved that many would. */
static void plant_response_with_seq(device_t *d, uint32_t i, uint32_t seq)
{
    static const uint8_t dev[CND_DEVICE_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t e[CND_STORE_BUF_LEN], body[CND_SEALED_BODY_MAX];
    cnd_response_t r;
    static cnd_sealed_t s;
    cnd_seal_chain_t chain;
    cnd_epoch_t ep;
    uint32_t at = (d->st.log_first + d->st.head) * BLOCK + d->st.head_off, total;
    uint16_t blen;
    memset(&chain, 0, sizeof chain);
    make_response(&r, i, 0);
    /* Sealed as a device would (its own epoch), with the seq wanted. */
    assert_int_equal(cnd_test_seal(&r, pack_of(NULL, r.pack_fp), seq, dev, &chain, &ep, &s),
                     CND_OK);
    cnd_seal_wipe(&chain);
    memset(e, 0xFF, sizeof e);
    cnd_epoch_encode(e + CND_ENTRY_HEADER_LEN, &ep);
    cnd_entry_header_encode(e, CND_ENTRY_EPOCH, 0, e + CND_ENTRY_HEADER_LEN, CND_EPOCH_BODY_LEN);
    total = (CND_ENTRY_HEADER_LEN + CND_EPOCH_BODY_LEN + PROG - 1) / PROG * PROG;
    assert_int_equal(d->rf.flash.prog(d->rf.flash.ctx, at, e, total), CND_OK);
    cnd_sealed_header_encode(body, s.id, s.pack_fp, s.ctr, (uint16_t)d->st.head_off);
    memcpy(body + CND_SEALED_HEADER_LEN, s.ct, s.ct_len);
    blen = (uint16_t)(CND_SEALED_HEADER_LEN + s.ct_len);
    memset(e, 0xFF, sizeof e);
    memcpy(e + CND_ENTRY_HEADER_LEN, body, blen);
    cnd_entry_header_encode(e, CND_ENTRY_RESPONSE, seq, e + CND_ENTRY_HEADER_LEN, blen);
    assert_int_equal(d->rf.flash.prog(d->rf.flash.ctx, at + total, e,
                                      (CND_ENTRY_HEADER_LEN + blen + PROG - 1) / PROG * PROG),
                     CND_OK);
}

/* Found by fuzz_store_mount (tests/fuzz/corpus/store_mount/regress_seq_wrap):
 * a log whose last sequence number is the largest a u32 holds made the
 * next save take seq 0, at or below the watermark (acked at once, lost),
 * and every later ACK was refused as out of range. Sequence numbers never
 * wrap: the device refuses to save, says it is full, and still syncs. */
static void exhausted_sequence_numbers_refuse_saves_and_still_sync(void **state)
{
    static const uint32_t last_seqs[] = {0xFFFFFFFEu, 0xFFFFFFFFu};
    size_t k;
    (void)state;
    for (k = 0; k < 2; k++) {
        device_t d;
        static const uint32_t want[] = {0, 1, 2};
        fresh_device_with_pack(&d, 40);
        assert_int_equal(save(&d, 0), CND_OK);
        assert_int_equal(save(&d, 1), CND_OK);
        plant_response_with_seq(&d, 2, last_seqs[k]);
        assert_int_equal(reboot(&d), CND_OK);
        expect_pending(&d, want, 3);
        assert_int_equal(save(&d, 3), CND_E_NOSPACE);
        expect_pending(&d, want, 3);
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 2)), CND_OK);
        expect_pending(&d, want, 0);
        assert_int_equal(reboot(&d), CND_OK);
        expect_pending(&d, want, 0);
        assert_int_equal(save(&d, 3), CND_E_NOSPACE);
        cnd_ram_flash_free(&d.rf);
    }
}

/* ---- device full (formats/fill.h) ---- */

/* The largest record body the installed survey can produce: every item
 * relevant (lives_in = employer) and one left unanswered, so every item
 * takes its widest code. (CND_RECORD_BODY_MAX, which the reserve is
 * computed from, needs 64 items of 33-bit codes, more than a pack holds;
 * test_record checks that bound.) */
static cnd_status_t save_largest(device_t *d, uint32_t i)
{
    const cnd_pack_t *pk = pack_of(NULL, pack_fp[0]);
    cnd_response_t r;
    uint8_t body[CND_RECORD_BODY_MAX];
    size_t len = 0;
    uint16_t j;
    make_response(&r, i, 0);
    for (j = 0; j < r.n_answers; j++) {
        r.answers[j].state = CND_ANS_PNA;
        r.answers[j].value = 0;
    }
    r.answers[0].state = CND_ANS_NONE;
    r.answers[1].state = CND_ANS_VALUE; /* lives_in = employer: every item asked */
    r.answers[1].value = cnd_pack_find_item(pk, "lives_in", 8) == 1 ? 0 : -1;
    assert_int_equal(cnd_record_encode(&r, pk, body, sizeof body, &len), CND_OK);
    assert_true(len <= CND_RECORD_BODY_MAX);
    return append(d, &r);
}

static void fill_matches_the_byte_counts(device_t *d)
{
    uint64_t used = cnd_store_bytes_used(&d->st), free_b = cnd_store_bytes_free(&d->st);
    assert_int_equal(used + free_b, (uint64_t)d->st.log_blocks * d->st.block_size);
    assert_int_equal(cnd_store_fill_percent(&d->st), used * 100 / (used + free_b));
    assert_int_equal(cnd_store_has_room(&d->st), free_b >= cnd_fill_reserve(d->st.prog_size));
}

/*
 * Fills a small log with a mix of ordinary and largest-possible responses,
 * on chips programmed in 16- and 256-byte units: every save made while the
 * store said there was room succeeds (largest ones included), the levels
 * rise OK -> WARN (from 80 %) -> URGENT (from 95 %) -> FULL in order, and
 * FULL is exactly "no guaranteed room". Reboot gives the same answers;
 * an ack of everything brings the room back.
 */
static void room_is_guaranteed_for_the_largest_response_until_the_log_is_full(void **state)
{
    static const uint32_t progs[] = {16, 256};
    unsigned p;
    (void)state;
    for (p = 0; p < 2; p++) {
        device_t d;
        uint32_t n = 0, warn_at = 0, urgent_at = 0;
        cnd_fill_level_t prev = CND_FILL_OK;
        memset(&d, 0, sizeof d);
        assert_int_equal(cnd_ram_flash_init(&d.rf, BLOCK, 40, progs[p]), CND_OK);
        d.rng = 777;
        d.hal.flash = d.rf.flash;
        d.hal.ctx = &d.rng;
        d.hal.random = test_random;
        d.hal.today = test_today;
        assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
        install(&d, 0);
        assert_int_equal(cnd_store_fill_level(&d.st), CND_FILL_OK);
        assert_int_equal(cnd_store_fill_percent(&d.st), 0);
        assert_true(cnd_store_has_room(&d.st));

        while (cnd_store_has_room(&d.st)) {
            cnd_fill_level_t lv;
            /* every third save is the largest a response can be */
            assert_int_equal(n % 3 == 2 ? save_largest(&d, n) : save(&d, n), CND_OK);
            n++;
            fill_matches_the_byte_counts(&d);
            lv = cnd_store_fill_level(&d.st);
            assert_true(lv >= prev); /* only saves happen: it never goes down */
            if (lv == CND_FILL_WARN && prev < CND_FILL_WARN)
                warn_at = cnd_store_fill_percent(&d.st);
            if (lv == CND_FILL_URGENT && prev < CND_FILL_URGENT)
                urgent_at = cnd_store_fill_percent(&d.st);
            if (lv != CND_FILL_FULL)
                assert_true(cnd_store_has_room(&d.st));
            prev = lv;
        }
        assert_int_equal(cnd_store_fill_level(&d.st), CND_FILL_FULL);
        assert_true(cnd_store_bytes_free(&d.st) < cnd_fill_reserve(d.st.prog_size));
        assert_true(warn_at >= CND_FILL_WARN_PERCENT && warn_at < CND_FILL_URGENT_PERCENT);
        assert_true(urgent_at >= CND_FILL_URGENT_PERCENT);
        assert_true(cnd_store_fill_percent(&d.st) >= CND_FILL_URGENT_PERCENT);

        /* Nothing was lost on the way, and a reboot sees the same level. */
        assert_int_equal(cnd_store_pending_count(&d.st), n);
        assert_int_equal(reboot(&d), CND_OK);
        assert_int_equal(cnd_store_pending_count(&d.st), n);
        assert_false(cnd_store_has_room(&d.st));
        assert_int_equal(cnd_store_fill_level(&d.st), CND_FILL_FULL);
        fill_matches_the_byte_counts(&d);

        /* After a sync and its ack, room comes back. */
        assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, n - 1)), CND_OK);
        assert_int_equal(cnd_store_pending_count(&d.st), 0);
        assert_true(cnd_store_has_room(&d.st));
        assert_int_equal(cnd_store_fill_level(&d.st), CND_FILL_OK);
        assert_true(cnd_store_fill_percent(&d.st) < CND_FILL_WARN_PERCENT);
        assert_int_equal(save_largest(&d, n), CND_OK);
        cnd_ram_flash_free(&d.rf);
    }
}

/* A device whose flash was refused at boot can never save: it reports no
 * room at all, rather than a fill level of an empty log. */
static void refused_device_reports_no_room(void **state)
{
    device_t d;
    uint8_t junk[64];
    (void)state;
    device_init(&d, 40, 5);
    memset(junk, 0x5A, sizeof junk);
    assert_int_equal(d.hal.flash.prog(d.hal.flash.ctx, 3 * BLOCK, junk, sizeof junk), CND_OK);
    assert_int_not_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    assert_false(cnd_store_has_room(&d.st));
    assert_int_equal(cnd_store_fill_level(&d.st), CND_FILL_FULL);
    cnd_ram_flash_free(&d.rf);
}

/* ---- survey packs ---- */

static void assert_active_pack(device_t *d, int k)
{
    static uint8_t buf[CND_MAX_PACK_SIZE];
    uint32_t len = 0;
    assert_int_equal(cnd_store_active_pack(&d->st, buf, sizeof buf, &len), CND_OK);
    assert_int_equal(len, pack_len[k]);
    assert_memory_equal(buf, packs[k], len);
}

static void pack_is_active_only_after_a_verified_commit(void **state)
{
    device_t d;
    static uint8_t bad[CND_MAX_PACK_SIZE];
    uint8_t buf[16];
    uint32_t len;
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    (void)state;
    device_init(&d, 64, 5);
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    assert_int_equal(cnd_store_active_pack(&d.st, buf, sizeof buf, &len), CND_E_NO_SURVEY);
    assert_int_equal(cnd_store_packs(&d.st, info), 0);

    /* Half a push (link lost) activates nothing. */
    assert_int_equal(cnd_store_pack_begin(&d.st, pack_len[0]), CND_OK);
    assert_int_equal(cnd_store_pack_write(&d.st, 0, packs[0], 100), CND_OK);
    assert_int_equal(cnd_store_pack_commit(&d.st), CND_E_TRUNCATED);
    assert_int_equal(cnd_store_packs(&d.st, info), 0);
    /* Out-of-order chunks are refused. */
    assert_int_equal(cnd_store_pack_begin(&d.st, pack_len[0]), CND_OK);
    assert_int_equal(cnd_store_pack_write(&d.st, 10, packs[0], 100), CND_E_PROTOCOL);
    assert_int_equal(cnd_store_pack_begin(&d.st, CND_MAX_PACK_SIZE + 1), CND_E_RANGE);

    install(&d, 0);
    assert_active_pack(&d, 0);
    assert_int_equal(cnd_store_packs(&d.st, info), 1);
    assert_int_equal(info[0].fingerprint, pack_fp[0]);
    assert_int_equal(info[0].len, pack_len[0]);
    assert_int_equal(cnd_store_pack_read(&d.st, pack_fp[0], 8, buf, 8), CND_OK);
    assert_memory_equal(buf, packs[0] + 8, 8);
    assert_int_equal(cnd_store_pack_read(&d.st, pack_fp[0], pack_len[0] - 4, buf, 8), CND_E_RANGE);
    assert_int_equal(cnd_store_pack_read(&d.st, pack_fp[1], 0, buf, 8), CND_E_NOT_FOUND);

    /* A damaged push (one byte off) is refused; the old survey stays. */
    memcpy(bad, packs[1], pack_len[1]);
    bad[pack_len[1] / 2] ^= 0x20;
    assert_int_not_equal(push_pack(&d, bad, pack_len[1]), CND_OK);
    assert_active_pack(&d, 0);
    assert_int_equal(cnd_store_packs(&d.st, info), 1);

    assert_int_equal(reboot(&d), CND_OK);
    assert_active_pack(&d, 0);
    cnd_ram_flash_free(&d.rf);
}

static void pushing_the_active_pack_again_changes_nothing(void **state)
{
    device_t d;
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    (void)state;
    fresh_device_with_pack(&d, 64);
    install(&d, 1);
    install(&d, 1);
    assert_int_equal(cnd_store_packs(&d.st, info), 2);
    assert_int_equal(info[0].fingerprint, pack_fp[1]);
    assert_active_pack(&d, 1);
    /* Pushing an installed but inactive pack switches back to it. */
    install(&d, 0);
    assert_int_equal(cnd_store_packs(&d.st, info), 2);
    assert_int_equal(info[0].fingerprint, pack_fp[0]);
    assert_active_pack(&d, 0);
    assert_int_equal(reboot(&d), CND_OK);
    assert_int_equal(cnd_store_packs(&d.st, info), 2);
    assert_int_equal(info[0].fingerprint, pack_fp[0]);
    cnd_ram_flash_free(&d.rf);
}

static int listed(device_t *d, int k)
{
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    uint8_t n = cnd_store_packs(&d->st, info), i;
    for (i = 0; i < n; i++)
        if (info[i].fingerprint == pack_fp[k])
            return 1;
    return 0;
}

static void pack_slot_is_reused_only_when_no_unsynced_response_needs_it(void **state)
{
    device_t d;
    cnd_response_t r;
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    int k;
    (void)state;
    fresh_device_with_pack(&d, 64);
    for (k = 1; k < 4; k++)
        install(&d, k);
    for (k = 0; k < 3; k++) { /* responses of surveys 0, 1, 2 wait for sync */
        make_response(&r, (uint32_t)k, k);
        assert_int_equal(append(&d, &r), CND_OK);
    }
    /* Every slot is needed: 0..2 by pending responses, 3 is active. */
    assert_int_equal(cnd_store_pack_begin(&d.st, pack_len[4]), CND_E_NOSPACE);
    assert_int_equal(cnd_store_packs(&d.st, info), 4);
    assert_int_equal(info[0].pending, 0);
    assert_int_equal(info[1].pending, 1);
    /* Survey 0's response is synced: its slot may go. */
    assert_int_equal(cnd_store_ack(&d.st, seq_of_pending(&d, 0)), CND_OK);
    install(&d, 4);
    assert_false(listed(&d, 0));
    assert_true(listed(&d, 1) && listed(&d, 2) && listed(&d, 3) && listed(&d, 4));
    assert_active_pack(&d, 4);
    make_response(&r, 9, 4);
    assert_int_equal(append(&d, &r), CND_OK);
    /* Survey 3 is neither active nor needed by a pending response. */
    install(&d, 5);
    assert_false(listed(&d, 3));
    assert_true(listed(&d, 1) && listed(&d, 2) && listed(&d, 4) && listed(&d, 5));
    assert_int_equal(cnd_store_pack_begin(&d.st, pack_len[0]), CND_E_NOSPACE);
    assert_int_equal(reboot(&d), CND_OK);
    assert_active_pack(&d, 5);
    assert_int_equal(cnd_store_packs(&d.st, info), 4);
    assert_int_equal(cnd_store_pending_count(&d.st), 3);
    assert_int_equal(cnd_store_pack_begin(&d.st, pack_len[0]), CND_E_NOSPACE);
    cnd_ram_flash_free(&d.rf);
}

static void power_cut_during_pack_install_keeps_the_previous_survey(void **state)
{
    uint32_t cut;
    (void)state;
    /* Cut at every prog/erase of an install; afterwards the device runs the
     * old survey or, only if the commit completed, the new one. */
    for (cut = 0; cut < 200; cut++) {
        device_t d;
        cnd_status_t st;
        uint8_t buf[4];
        uint32_t len;
        fresh_device_with_pack(&d, 64);
        cnd_ram_flash_arm(&d.rf, CND_RAM_FAULT_POWER_CUT, cut, 5);
        st = push_pack(&d, packs[1], pack_len[1]);
        assert_int_equal(reboot(&d), CND_OK);
        if (st == CND_OK) {
            assert_active_pack(&d, 1);
            cnd_ram_flash_free(&d.rf);
            break;
        }
        assert_int_equal(cnd_store_active_pack(&d.st, buf, sizeof buf, &len), CND_E_NOSPACE);
        assert_true(cnd_store_packs(&d.st, (cnd_store_pack_info_t[CND_MAX_SURVEYS]){{0}}) >= 1);
        if (listed(&d, 1))
            assert_active_pack(&d, 1); /* the commit landed just before the cut */
        else
            assert_active_pack(&d, 0);
        install(&d, 1); /* and the push can simply be repeated */
        assert_active_pack(&d, 1);
        cnd_ram_flash_free(&d.rf);
    }
    assert_true(cut > 10);
}

static void lent_buffer_holds_the_active_pack_after_a_refused_commit(void **state)
{
    device_t d;
    static uint8_t lent[CND_MAX_PACK_SIZE], bad[CND_MAX_PACK_SIZE];
    (void)state;
    fresh_device_with_pack(&d, 64);
    cnd_store_set_pack_buffer(&d.st, lent, sizeof lent);
    memcpy(lent, packs[0], pack_len[0]);
    memcpy(bad, packs[1], pack_len[1]);
    bad[100] ^= 1;
    assert_int_not_equal(push_pack(&d, bad, pack_len[1]), CND_OK);
    assert_memory_equal(lent, packs[0], pack_len[0]);
    install(&d, 1);
    assert_memory_equal(lent, packs[1], pack_len[1]);
    cnd_ram_flash_free(&d.rf);
}

/* ---- the simulator's file-backed flash ---- */

static void simulator_flash_file_keeps_responses_across_restarts(void **state)
{
    char path[] = "/tmp/candor-test-flash-XXXXXX";
    cnd_flash_file_t ff;
    device_t d;
    uint8_t b[32];
    int fd = mkstemp(path);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* the store must create the blank image itself */
    memset(&d, 0, sizeof d);
    d.rng = 77;
    d.hal.ctx = &d.rng;
    d.hal.random = test_random;
    assert_int_equal(cnd_flash_file_open(&ff, path, CND_FLASH_FILE_BLOCK_SIZE,
                                         CND_FLASH_FILE_BLOCK_COUNT, CND_FLASH_FILE_PROG_SIZE,
                                         &d.hal.flash),
                     CND_OK);
    /* A new image is a blank chip, and NOR rules hold. */
    assert_int_equal(d.hal.flash.read(d.hal.flash.ctx, 12345, b, sizeof b), CND_OK);
    assert_true(cnd_bytes_erased(b, sizeof b));
    memset(b, 0x0F, 16);
    assert_int_equal(d.hal.flash.prog(d.hal.flash.ctx, 8, b, 16), CND_E_IO);         /* unaligned */
    assert_int_equal(d.hal.flash.prog(d.hal.flash.ctx, 4096 - 16, b, 32), CND_E_IO); /* 2 blocks */
    assert_int_equal(d.hal.flash.prog(d.hal.flash.ctx, 8192, b, 16), CND_OK);
    memset(b, 0xF3, 16);
    assert_int_equal(d.hal.flash.prog(d.hal.flash.ctx, 8192, b, 16), CND_OK);
    assert_int_equal(d.hal.flash.read(d.hal.flash.ctx, 8192, b + 16, 16), CND_OK);
    assert_int_equal(b[16], 0x03); /* programming ANDs */
    assert_int_equal(d.hal.flash.erase(d.hal.flash.ctx, 2), CND_OK);
    assert_int_equal(d.hal.flash.read(d.hal.flash.ctx, 8192, b, 16), CND_OK);
    assert_true(cnd_bytes_erased(b, 16));

    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    install(&d, 0);
    assert_int_equal(save(&d, 41), CND_OK);
    assert_int_equal(save(&d, 42), CND_OK);
    cnd_flash_file_close(&ff);

    assert_int_equal(cnd_flash_file_open(&ff, path, CND_FLASH_FILE_BLOCK_SIZE,
                                         CND_FLASH_FILE_BLOCK_COUNT, CND_FLASH_FILE_PROG_SIZE,
                                         &d.hal.flash),
                     CND_OK);
    assert_int_equal(cnd_store_mount(&d.st, &d.hal), CND_OK);
    expect_pending(&d, (const uint32_t[]){41, 42}, 2);
    assert_active_pack(&d, 0);
    cnd_flash_file_close(&ff);
    /* An image of another size is refused, not resized. */
    assert_int_equal(cnd_flash_file_open(&ff, path, 4096, 128, 16, &d.hal.flash), CND_E_INVALID);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blank_flash_is_formatted_with_a_random_device_id),
        cmocka_unit_test(garbage_flash_is_refused_and_left_untouched),
        cmocka_unit_test(device_of_a_newer_format_is_refused_not_reformatted),
        cmocka_unit_test(image_from_a_flash_of_another_geometry_is_refused),
        cmocka_unit_test(power_cut_during_format_formats_again_at_next_boot),
        cmocka_unit_test(pack_slot_size_is_chosen_by_chip_size_at_format),
        cmocka_unit_test(chip_formatted_with_small_slots_keeps_them_and_refuses_big_packs),
        cmocka_unit_test(big_pack_installs_on_the_big_chip_and_its_log_starts_after_the_slots),
        cmocka_unit_test(saved_responses_survive_reboot_in_order),
        cmocka_unit_test(iteration_cursor_picks_up_responses_saved_later),
        cmocka_unit_test(response_for_a_survey_not_installed_is_not_saved),
        cmocka_unit_test(torn_last_record_is_skipped_at_boot_and_next_save_works),
        cmocka_unit_test(corrupted_crc_record_is_reported_and_the_rest_of_its_segment_kept),
        cmocka_unit_test(failed_verify_is_reported_and_the_retry_is_saved),
        cmocka_unit_test(ack_persists_across_reboot_and_acked_responses_are_not_pending),
        cmocka_unit_test(interrupted_ack_keeps_the_previous_watermark),
        cmocka_unit_test(power_cut_at_any_point_of_acks_keeps_a_valid_watermark),
        cmocka_unit_test(power_cut_at_any_point_loses_no_confirmed_save_or_sync),
        cmocka_unit_test(damage_after_boot_met_by_the_pull_keeps_its_segment),
        cmocka_unit_test(log_wraps_and_reclaims_space_after_acks_over_many_cycles),
        cmocka_unit_test(an_ack_erases_a_few_blocks_and_leaves_the_rest_for_idle_steps),
        cmocka_unit_test(without_idle_steps_saves_erase_one_block_when_they_need_it),
        cmocka_unit_test(full_log_of_unsynced_responses_refuses_new_saves_and_loses_nothing),
        cmocka_unit_test(exhausted_sequence_numbers_refuse_saves_and_still_sync),
        cmocka_unit_test(room_is_guaranteed_for_the_largest_response_until_the_log_is_full),
        cmocka_unit_test(refused_device_reports_no_room),
        cmocka_unit_test(pack_is_active_only_after_a_verified_commit),
        cmocka_unit_test(pushing_the_active_pack_again_changes_nothing),
        cmocka_unit_test(pack_slot_is_reused_only_when_no_unsynced_response_needs_it),
        cmocka_unit_test(power_cut_during_pack_install_keeps_the_previous_survey),
        cmocka_unit_test(lent_buffer_holds_the_active_pack_after_a_refused_commit),
        cmocka_unit_test(simulator_flash_file_keeps_responses_across_restarts),
    };
    return cmocka_run_group_tests(tests, compile_packs, NULL);
}
