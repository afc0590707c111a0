/* test_flash_fault.c: the fault-injecting flash layer every power-loss test
 * and `candor-sim --flash-fault` rely on. What a tester would notice: a
 * cut tears exactly the chosen operation (a prefix, or a subset of the
 * bits, reproducibly), the chip then stays off until power comes back,
 * injected errors hit exactly the chosen operation and change nothing,
 * every operation and erase cycle is counted, and the simulator's file
 * chip gets the same faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "flash_fault.h"
#include "flash_file.h"
#include "ram_flash.h"

#define BS 1024u
#define PS 16u
#define BLOCKS 8u

static uint8_t data[BS];

static void fill_data(void)
{
    uint32_t i;
    for (i = 0; i < BS; i++)
        data[i] = (uint8_t)(i * 37u + 11u) & 0x7Fu; /* every byte clears some bits */
}

static void chip(cnd_ram_flash_t *rf)
{
    fill_data();
    assert_int_equal(cnd_ram_flash_init(rf, BS, BLOCKS, PS), CND_OK);
}

static cnd_status_t prog(cnd_ram_flash_t *rf, uint32_t addr, const uint8_t *buf, uint32_t len)
{
    return rf->flash.prog(rf->flash.ctx, addr, buf, len);
}

static cnd_status_t erase(cnd_ram_flash_t *rf, uint32_t block)
{
    return rf->flash.erase(rf->flash.ctx, block);
}

static cnd_status_t rd(cnd_ram_flash_t *rf, uint32_t addr, uint8_t *buf, uint32_t len)
{
    return rf->flash.read(rf->flash.ctx, addr, buf, len);
}

static int all_ff(const uint8_t *b, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        if (b[i] != 0xFF)
            return 0;
    return 1;
}

static void counts_every_operation_and_the_erase_cycles_of_each_block(void **state)
{
    cnd_ram_flash_t rf;
    uint8_t b[64];
    (void)state;
    chip(&rf);
    assert_int_equal(prog(&rf, 0, data, 64), CND_OK);
    assert_int_equal(prog(&rf, BS, data, 32), CND_OK);
    assert_int_equal(erase(&rf, 1), CND_OK);
    assert_int_equal(erase(&rf, 1), CND_OK);
    assert_int_equal(erase(&rf, 3), CND_OK);
    assert_int_equal(rd(&rf, 0, b, 64), CND_OK);
    assert_int_equal(rf.ff.writes, 5);
    assert_int_equal(rf.ff.progs, 2);
    assert_int_equal(rf.ff.erases, 3);
    assert_int_equal(rf.ff.reads, 1);
    assert_int_equal(rf.ff.prog_bytes, 96);
    assert_int_equal(rf.prog_count, 2); /* the older test fields follow */
    assert_int_equal(rf.block_erases[1], 2);
    assert_int_equal(rf.block_erases[3], 1);
    assert_int_equal(rf.block_erases[0], 0);
    {
        uint32_t lo, hi;
        cnd_flash_fault_wear(&rf.ff, 1, 3, &lo, &hi);
        assert_int_equal(lo, 0);
        assert_int_equal(hi, 2);
    }
    cnd_ram_flash_reset_counters(&rf);
    assert_int_equal(rf.ff.writes, 0);
    assert_int_equal(rf.block_erases[1], 0);
    cnd_ram_flash_free(&rf);
}

static void cut_tears_a_program_to_a_prefix_then_the_chip_is_off_until_power_returns(void **state)
{
    uint8_t first[BS], b[BS];
    int run;
    (void)state;
    for (run = 0; run < 2; run++) {
        cnd_ram_flash_t rf;
        uint32_t k = 0;
        chip(&rf);
        rf.ff.seed = 42;
        assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_CUT, 1, CND_TORN_PREFIX, 0), CND_OK);
        assert_int_equal(prog(&rf, 0, data, 16), CND_OK); /* op 0 */
        assert_int_equal(prog(&rf, BS, data, BS), CND_E_IO); /* op 1: torn */
        assert_true(rf.powered_off);
        assert_int_equal(rf.ff.cut_op, 1);
        assert_int_equal(rd(&rf, 0, b, 16), CND_E_IO);  /* off: even reads fail */
        assert_int_equal(prog(&rf, 2 * BS, data, 16), CND_E_IO);
        assert_int_equal(erase(&rf, 2), CND_E_IO);
        cnd_ram_flash_power_on(&rf);
        assert_int_equal(rd(&rf, BS, b, BS), CND_OK);
        while (k < BS && b[k] == data[k])
            k++;
        assert_true(k < BS);            /* a prefix, never the whole */
        assert_true(all_ff(b + k, BS - k)); /* the rest untouched */
        if (run == 0)
            memcpy(first, b, BS);
        else
            assert_memory_equal(first, b, BS); /* same seed and op: same tear */
        assert_true(all_ff(rf.mem + 2 * BS, BS)); /* nothing after the cut happened */
        assert_int_equal(prog(&rf, 2 * BS, data, 16), CND_OK); /* powered again */
        cnd_ram_flash_free(&rf);
    }
}

static void cut_in_bit_mode_clears_only_a_random_subset_of_the_bits(void **state)
{
    cnd_ram_flash_t rf;
    uint8_t b[BS];
    uint32_t i, missing = 0, cleared = 0;
    (void)state;
    chip(&rf);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_CUT, 0, CND_TORN_BITS, 0), CND_OK);
    assert_int_equal(prog(&rf, 0, data, BS), CND_E_IO);
    cnd_ram_flash_power_on(&rf);
    assert_int_equal(rd(&rf, 0, b, BS), CND_OK);
    for (i = 0; i < BS; i++) {
        assert_int_equal(~b[i] & data[i] & 0xFF, 0); /* no bit the prog keeps was cleared */
        missing += (uint32_t)__builtin_popcount((unsigned)(b[i] & (uint8_t)~data[i]));
        cleared += (uint32_t)__builtin_popcount((unsigned)(uint8_t)~b[i]);
    }
    assert_true(missing > 0); /* some bits never cleared */
    assert_true(cleared > 0); /* and some were */
    cnd_ram_flash_free(&rf);
}

static void cut_during_an_erase_leaves_the_block_partly_erased(void **state)
{
    cnd_torn_mode_t modes[2] = {CND_TORN_PREFIX, CND_TORN_BITS};
    int m;
    (void)state;
    for (m = 0; m < 2; m++) {
        cnd_ram_flash_t rf;
        uint8_t old[BS], b[BS];
        uint32_t i, erased = 0, kept = 0;
        chip(&rf);
        assert_int_equal(prog(&rf, 0, data, BS), CND_OK);
        memcpy(old, rf.mem, BS);
        assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_CUT, 1, modes[m], 0), CND_OK);
        assert_int_equal(erase(&rf, 0), CND_E_IO);
        assert_int_equal(rf.block_erases[0], 1); /* a torn erase still wears the block */
        cnd_ram_flash_power_on(&rf);
        assert_int_equal(rd(&rf, 0, b, BS), CND_OK);
        for (i = 0; i < BS; i++) {
            assert_int_equal(b[i] & old[i], old[i]); /* erasing only sets bits */
            erased += b[i] == 0xFF;
            kept += b[i] == old[i];
        }
        assert_true(erased > 0 && erased < BS);
        assert_true(kept > 0 || m == 1);
        cnd_ram_flash_free(&rf);
    }
}

static void injected_errors_hit_exactly_the_chosen_operation_and_change_nothing(void **state)
{
    cnd_ram_flash_t rf;
    uint8_t b[16];
    (void)state;
    chip(&rf);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_PROG_ERROR, 1, CND_TORN_PREFIX, 0),
                     CND_OK);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_ERASE_ERROR, 0, CND_TORN_PREFIX, 0),
                     CND_OK);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_READ_ERROR, 2, CND_TORN_PREFIX, 0),
                     CND_OK);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_IO, 5, CND_TORN_PREFIX, 0), CND_OK);
    assert_int_equal(prog(&rf, 0, data, 16), CND_OK);        /* write 0, prog 0 */
    assert_int_equal(prog(&rf, 16, data, 16), CND_E_IO);     /* write 1, prog 1 */
    assert_true(all_ff(rf.mem + 16, 16));
    assert_int_equal(prog(&rf, 32, data, 16), CND_OK);       /* write 2, prog 2 */
    assert_int_equal(erase(&rf, 0), CND_E_IO);               /* write 3, erase 0 */
    assert_memory_equal(rf.mem, data, 16);                   /* nothing erased */
    assert_int_equal(erase(&rf, 1), CND_OK);                 /* write 4 */
    assert_int_equal(erase(&rf, 1), CND_E_IO);               /* write 5: io-error */
    assert_int_equal(prog(&rf, 48, data, 16), CND_OK);
    assert_int_equal(rd(&rf, 0, b, 16), CND_OK);
    assert_int_equal(rd(&rf, 0, b, 16), CND_OK);
    assert_int_equal(rd(&rf, 0, b, 16), CND_E_IO);           /* read 2 */
    assert_int_equal(rd(&rf, 0, b, 16), CND_OK);
    assert_false(rf.powered_off); /* errors are not power cuts */
    cnd_ram_flash_free(&rf);
}

static void worn_cell_program_reports_success_but_leaves_a_bit_set(void **state)
{
    cnd_ram_flash_t rf;
    (void)state;
    chip(&rf);
    assert_int_equal(cnd_flash_fault_add(&rf.ff, CND_FAULT_BAD_BITS, 0, CND_TORN_PREFIX, 0),
                     CND_OK);
    assert_int_equal(prog(&rf, 0, data, 16), CND_OK);
    assert_memory_not_equal(rf.mem, data, 16);
    assert_int_equal(rf.mem[0] & data[0], data[0]);
    cnd_ram_flash_free(&rf);
}

static void fault_spec_text_arms_faults_and_names_what_is_wrong(void **state)
{
    cnd_ram_flash_t rf;
    char err[200];
    (void)state;
    chip(&rf);
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "cut@7:bits,read-error@3,seed=9,io-error@2,"
                                                    "cut@9:bytes=5,prog-error@1,erase-error@0,"
                                                    "bad-bits@4",
                                           err, sizeof err),
                     CND_OK);
    assert_int_equal(rf.ff.n_faults, 7);
    assert_int_equal(rf.ff.seed, 9);
    assert_int_equal(rf.ff.faults[0].kind, CND_FAULT_CUT);
    assert_int_equal(rf.ff.faults[0].at, 7);
    assert_int_equal(rf.ff.faults[0].torn, CND_TORN_BITS);
    assert_int_equal(rf.ff.faults[3].torn, CND_TORN_FIXED);
    assert_int_equal(rf.ff.faults[3].torn_bytes, 5);
    cnd_flash_fault_clear(&rf.ff);
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "cut@", err, sizeof err), CND_E_INVALID);
    assert_non_null(strstr(err, "whole number"));
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "melt@3", err, sizeof err), CND_E_INVALID);
    assert_non_null(strstr(err, "melt"));
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "io-error@3:bits", err, sizeof err),
                     CND_E_INVALID);
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "cut@3:halfway", err, sizeof err),
                     CND_E_INVALID);
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "", err, sizeof err), CND_E_INVALID);
    assert_int_equal(cnd_flash_fault_parse(&rf.ff, "cut@99999999999", err, sizeof err),
                     CND_E_INVALID);
    cnd_ram_flash_free(&rf);
}

static void simulator_file_chip_gets_the_same_torn_cut(void **state)
{
    char path[] = "/tmp/cnd-flash-fault-XXXXXX";
    cnd_flash_file_t file;
    cnd_flash_t f;
    cnd_flash_fault_t ff;
    uint8_t b[64];
    int fd = mkstemp(path);
    (void)state;
    fill_data();
    assert_true(fd >= 0);
    close(fd);
    unlink(path); /* flash_file creates the blank chip itself */
    assert_int_equal(cnd_flash_file_open(&file, path, 4096, 4, 16, &f), CND_OK);
    assert_int_equal(cnd_flash_fault_init(&ff, &f, 1), CND_OK);
    assert_int_equal(cnd_flash_fault_parse(&ff, "cut@0:bytes=20", (char[64]){0}, 64), CND_OK);
    assert_int_equal(ff.flash.prog(ff.flash.ctx, 0, data, 64), CND_E_IO);
    assert_int_equal(ff.flash.read(ff.flash.ctx, 0, b, 64), CND_E_IO);
    cnd_flash_fault_free(&ff);
    cnd_flash_file_close(&file);
    /* "Reboot": the image on disk holds exactly the torn prefix. */
    assert_int_equal(cnd_flash_file_open(&file, path, 4096, 4, 16, &f), CND_OK);
    assert_int_equal(f.read(f.ctx, 0, b, 64), CND_OK);
    assert_memory_equal(b, data, 20);
    assert_true(all_ff(b + 20, 44));
    cnd_flash_file_close(&file);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_every_operation_and_the_erase_cycles_of_each_block),
        cmocka_unit_test(cut_tears_a_program_to_a_prefix_then_the_chip_is_off_until_power_returns),
        cmocka_unit_test(cut_in_bit_mode_clears_only_a_random_subset_of_the_bits),
        cmocka_unit_test(cut_during_an_erase_leaves_the_block_partly_erased),
        cmocka_unit_test(injected_errors_hit_exactly_the_chosen_operation_and_change_nothing),
        cmocka_unit_test(worn_cell_program_reports_success_but_leaves_a_bit_set),
        cmocka_unit_test(fault_spec_text_arms_faults_and_names_what_is_wrong),
        cmocka_unit_test(simulator_file_chip_gets_the_same_torn_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
