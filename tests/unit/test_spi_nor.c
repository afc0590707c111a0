/* test_spi_nor.c: the handheld's SPI NOR flash driver against an emulated
 * W25Q64 (tests/support/fake_spi.h): what would go wrong on the board if a
 * command sequence were off (wrong chip accepted, a page program wrapping
 * onto itself, a write the chip silently ignored, a hung chip), and the
 * store running on top of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answers.h"
#include "compile.h"
#include "open_sealed.h"
#include "fake_spi.h"
#include "pack.h"
#include "spi_nor.h"
#include "store.h"
#include "test_hal.h"
#include "test_key.h"

static cnd_fake_spi_t chip;
static cnd_spi_nor_t nor;

static int setup(void **state)
{
    (void)state;
    cnd_fake_spi_init(&chip);
    memset(&nor, 0, sizeof nor);
    return chip.mem != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cnd_fake_spi_free(&chip);
    return 0;
}

static void probe_ok(void)
{
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_OK);
    cnd_fake_spi_clear_log(&chip);
}

static void the_w25q64jv_is_recognised_as_8_mib(void **state)
{
    (void)state;
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_OK);
    assert_string_equal(nor.part, "W25Q64JV");
    assert_int_equal(nor.size, 8u << 20);
    /* release from deep power-down first, then the id */
    assert_int_equal(chip.log[0].opcode, 0xAB);
    assert_int_equal(chip.log[1].opcode, 0x9F);
    assert_int_equal(chip.log[1].len, 3);
    assert_int_equal(chip.violations, 0);
}

static void a_compatible_gigadevice_part_is_accepted(void **state)
{
    (void)state;
    chip.jedec[0] = 0xC8;
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_OK);
    assert_string_equal(nor.part, "GD25Q64C");
}

static void unknown_jedec_id_is_refused(void **state)
{
    cnd_flash_t fl;
    (void)state;
    chip.jedec[2] = 0x18; /* a 16 MiB W25Q128: other geometry, not in the table */
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_E_NOT_FOUND);
    assert_non_null(strstr(nor.why, "unsupported"));
    assert_int_equal(nor.jedec[2], 0x18);
    /* and nothing can be done with it */
    assert_int_equal(cnd_spi_nor_flash(&nor, 16, &fl), CND_E_INVALID);
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 0), CND_E_INVALID);
    assert_int_equal(chip.erases, 0);
}

static void a_missing_chip_is_reported_as_wiring_fault(void **state)
{
    (void)state;
    chip.jedec[0] = chip.jedec[1] = chip.jedec[2] = 0xFF; /* MISO pulled up, no chip */
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_E_IO);
    assert_non_null(strstr(nor.why, "wiring"));
    chip.jedec[0] = chip.jedec[1] = chip.jedec[2] = 0x00;
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_E_IO);
}

static void a_chip_left_asleep_by_a_reset_is_woken_by_probe(void **state)
{
    (void)state;
    chip.asleep = 1; /* MCU reset while the flash was in deep power-down */
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_OK);
    assert_int_equal(chip.asleep, 0);
}

static void written_bytes_read_back(void **state)
{
    uint8_t data[100], back[100];
    size_t i;
    (void)state;
    probe_ok();
    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37u + 1u);
    assert_int_equal(cnd_spi_nor_program(&nor, 0x12340, data, sizeof data), CND_OK);
    assert_int_equal(cnd_spi_nor_read(&nor, 0x12340, back, sizeof back), CND_OK);
    assert_memory_equal(back, data, sizeof data);
    assert_memory_equal(chip.mem + 0x12340, data, sizeof data);
    /* WREN, RDSR (WEL check), PP, RDSR polls; then READ */
    assert_int_equal(chip.log[0].opcode, 0x06);
    assert_int_equal(chip.log[1].opcode, 0x05);
    assert_int_equal(chip.log[2].opcode, 0x02);
    assert_int_equal(chip.log[2].addr, 0x12340);
    assert_int_equal(chip.log[2].len, 100);
    assert_int_equal(chip.programs, 1);
    assert_int_equal(chip.violations, 0);
}

static void program_across_a_page_boundary_is_split_in_two_commands(void **state)
{
    uint8_t data[64];
    uint32_t i, n = 0;
    (void)state;
    probe_ok();
    memset(data, 0x5A, sizeof data);
    /* 0x1F0..0x230 spans the pages at 0x100 and 0x200 */
    assert_int_equal(cnd_spi_nor_program(&nor, 0x1F0, data, sizeof data), CND_OK);
    for (i = 0; i < chip.n_cmds; i++) {
        if (chip.log[i].opcode != 0x02)
            continue;
        assert_int_equal(chip.log[i].addr, n == 0 ? 0x1F0 : 0x200);
        assert_int_equal(chip.log[i].len, n == 0 ? 16 : 48);
        n++;
    }
    assert_int_equal(n, 2);
    /* had it wrapped, page 0x100 would have been overwritten from its start */
    assert_int_equal(chip.mem[0x100], 0xFF);
    assert_int_equal(chip.mem[0x1EF], 0xFF);
    assert_memory_equal(chip.mem + 0x1F0, data, sizeof data);
    assert_int_equal(chip.mem[0x230], 0xFF);
    assert_int_equal(chip.violations, 0);
}

static void a_whole_sector_programs_as_sixteen_pages(void **state)
{
    static uint8_t data[4096], back[4096];
    uint32_t i;
    (void)state;
    probe_ok();
    for (i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    assert_int_equal(cnd_spi_nor_program(&nor, 0x7FF000, data, sizeof data), CND_OK);
    assert_int_equal(chip.programs, 16);
    assert_int_equal(cnd_spi_nor_read(&nor, 0x7FF000, back, sizeof back), CND_OK);
    assert_memory_equal(back, data, sizeof data);
}

static void programming_only_clears_bits_like_real_nor(void **state)
{
    uint8_t a = 0xF0, b = 0x3C, got;
    (void)state;
    probe_ok();
    assert_int_equal(cnd_spi_nor_program(&nor, 10, &a, 1), CND_OK);
    assert_int_equal(cnd_spi_nor_program(&nor, 10, &b, 1), CND_OK);
    assert_int_equal(cnd_spi_nor_read(&nor, 10, &got, 1), CND_OK);
    assert_int_equal(got, 0x30);
}

static void erase_sets_one_4k_sector_to_ff(void **state)
{
    uint8_t zeros[32];
    (void)state;
    probe_ok();
    memset(zeros, 0, sizeof zeros);
    assert_int_equal(cnd_spi_nor_program(&nor, 0x2000 - 16, zeros, sizeof zeros), CND_OK);
    cnd_fake_spi_clear_log(&chip);
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 2), CND_OK);
    assert_int_equal(chip.log[0].opcode, 0x06);
    assert_int_equal(chip.log[2].opcode, 0x20);
    assert_int_equal(chip.log[2].addr, 0x2000);
    assert_int_equal(chip.mem[0x2000], 0xFF);
    assert_int_equal(chip.mem[0x200F], 0xFF);
    assert_int_equal(chip.mem[0x1FFF], 0x00); /* the sector before is untouched */
    assert_int_equal(chip.erases, 1);
    /* the driver waited for the erase: no command reached a busy chip */
    assert_int_equal(chip.violations, 0);
    assert_true(cnd_fake_spi_count(&chip, 0x05) >= 2);
}

static void a_write_protected_chip_makes_program_fail_not_pass(void **state)
{
    uint8_t data[16];
    (void)state;
    probe_ok();
    memset(data, 0, sizeof data);
    chip.write_protected = 1; /* the chip ignores the program, WEL stays set */
    assert_int_equal(cnd_spi_nor_program(&nor, 0, data, sizeof data), CND_E_IO);
    assert_int_equal(chip.mem[0], 0xFF);
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 0), CND_E_IO);
    /* the left-over latch was cleared (WRDI) so no stray write can land */
    assert_int_equal(chip.wel, 0);
    assert_int_equal(cnd_fake_spi_count(&chip, 0x04), 2);
}

static void a_chip_that_stays_busy_times_out_with_an_io_error(void **state)
{
    uint8_t data[16];
    (void)state;
    probe_ok();
    memset(data, 0, sizeof data);
    assert_int_equal(cnd_spi_nor_program(&nor, 0, data, sizeof data), CND_OK);
    chip.erase_ms = 5000; /* beyond the 1 s erase timeout */
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 0), CND_E_IO);
    assert_true(chip.now >= CND_SPI_NOR_ERASE_TIMEOUT_MS);
    assert_true(chip.now < 2 * CND_SPI_NOR_ERASE_TIMEOUT_MS);
    chip.stuck_busy = 1;
    assert_int_equal(cnd_spi_nor_program(&nor, 16, data, sizeof data), CND_E_IO);
}

static void a_bus_failure_mid_command_is_an_io_error(void **state)
{
    uint8_t buf[8];
    cnd_flash_t fl;
    (void)state;
    probe_ok();
    assert_int_equal(cnd_spi_nor_flash(&nor, 16, &fl), CND_OK);
    chip.fail_at_cmd = 1;
    assert_int_equal(fl.read(fl.ctx, 0, buf, sizeof buf), CND_E_IO);
    cnd_fake_spi_clear_log(&chip);
    chip.fail_at_cmd = 3; /* the PAGE PROGRAM itself */
    assert_int_equal(fl.prog(fl.ctx, 0, buf, sizeof buf), CND_E_IO);
    assert_int_equal(chip.programs, 0);
}

static void out_of_range_access_is_refused_before_the_bus(void **state)
{
    uint8_t buf[16];
    (void)state;
    probe_ok();
    assert_int_equal(cnd_spi_nor_read(&nor, (8u << 20) - 8, buf, 16), CND_E_RANGE);
    assert_int_equal(cnd_spi_nor_read(&nor, 0xFFFFFFF8u, buf, 16), CND_E_RANGE);
    assert_int_equal(cnd_spi_nor_program(&nor, 8u << 20, buf, 1), CND_E_RANGE);
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 2048), CND_E_RANGE);
    assert_int_equal(chip.n_cmds, 0);
}

static void a_sleeping_chip_is_woken_before_the_next_read(void **state)
{
    uint8_t b = 0x42, got = 0;
    (void)state;
    probe_ok();
    assert_int_equal(cnd_spi_nor_program(&nor, 5, &b, 1), CND_OK);
    cnd_fake_spi_clear_log(&chip);
    assert_int_equal(cnd_spi_nor_sleep(&nor), CND_OK);
    assert_int_equal(chip.asleep, 1);
    assert_int_equal(chip.log[chip.n_cmds - 1].opcode, 0xB9);
    assert_int_equal(cnd_spi_nor_read(&nor, 5, &got, 1), CND_OK);
    assert_int_equal(got, 0x42);
    assert_int_equal(chip.violations, 0); /* nothing was sent to the sleeping chip */
    /* sleeping waits for an erase in flight: sleep right after one */
    assert_int_equal(cnd_spi_nor_erase_sector(&nor, 0), CND_OK);
    assert_int_equal(cnd_spi_nor_sleep(&nor), CND_OK);
    assert_int_equal(chip.violations, 0);
}

static void the_flash_device_has_the_geometry_the_store_needs(void **state)
{
    cnd_flash_t fl;
    (void)state;
    probe_ok();
    assert_int_equal(cnd_spi_nor_flash(&nor, 16, &fl), CND_OK);
    assert_int_equal(fl.block_size, 4096);
    assert_int_equal(fl.block_count, 2048);
    assert_int_equal(fl.prog_size, 16);
    assert_int_equal(cnd_spi_nor_flash(&nor, 256, &fl), CND_OK);
    assert_int_equal(cnd_spi_nor_flash(&nor, 24, &fl), CND_E_INVALID);
    assert_int_equal(cnd_spi_nor_flash(&nor, 512, &fl), CND_E_INVALID);
}

/* ---- the store on the driver: the adapter is what the device boots on ---- */

static void responses_survive_a_reboot_on_the_spi_flash(void **state)
{
    static uint8_t pack[CND_MAX_PACK_SIZE], active[CND_MAX_PACK_SIZE];
    static cnd_store_t st;
    cnd_test_hal_t th;
    cnd_flash_t fl;
    cnd_err_t err;
    cnd_pack_t pk;
    cnd_response_t r, got;
    static cnd_sealed_t sealed;
    size_t len = 0;
    uint32_t cursor = 0, seq = 0, off;
    uint8_t j;
    (void)state;
    assert_int_equal(cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json",
                                      cnd_test_office_key(), pack, sizeof pack, &len, &err),
                     CND_OK);
    assert_int_equal(cnd_pack_open(&pk, pack, (uint32_t)len), CND_OK);

    probe_ok();
    assert_int_equal(cnd_spi_nor_flash(&nor, 16, &fl), CND_OK);
    cnd_test_hal_init(&th, &fl, 12345, 2200);

    /* blank chip: formatted at first mount */
    assert_int_equal(cnd_store_mount(&st, &th.hal), CND_OK);
    cnd_store_set_pack_buffer(&st, active, sizeof active);
    assert_int_equal(cnd_store_pack_begin(&st, (uint32_t)len), CND_OK);
    for (off = 0; off < len; off += 700) {
        uint32_t n = (uint32_t)len - off < 700 ? (uint32_t)len - off : 700;
        assert_int_equal(cnd_store_pack_write(&st, off, pack + off, n), CND_OK);
    }
    assert_int_equal(cnd_store_pack_commit(&st), CND_OK);

    memset(&r, 0, sizeof r);
    memcpy(r.id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    r.pack_fp = pk.fingerprint;
    r.day = 2201;
    r.lang = 1;
    r.n_answers = (uint8_t)pk.n_items;
    for (j = 0; j < r.n_answers; j++) {
        r.answers[j].state = (uint8_t)(j % 3);
        if (r.answers[j].state == CND_ANS_VALUE)
            r.answers[j].value = j % 2 + 1; /* 1 is a choice, a yes and a mask */
    }
    cnd_test_clear_irrelevant(&pk, &r);
    assert_int_equal(cnd_store_append_response(&st, &r, &pk), CND_OK);

    /* power cycle: the chip keeps its array, the driver starts over */
    memset(&st, 0, sizeof st);
    memset(&nor, 0, sizeof nor);
    chip.asleep = 1;
    assert_int_equal(cnd_spi_nor_probe(&nor, &chip.bus), CND_OK);
    assert_int_equal(cnd_spi_nor_flash(&nor, 16, &th.hal.flash), CND_OK);
    assert_int_equal(cnd_store_mount(&st, &th.hal), CND_OK);
    assert_int_equal(cnd_store_pending_count(&st), 1);
    assert_int_equal(cnd_store_next_pending(&st, &cursor, &seq, &sealed), CND_OK);
    /* Sealed on the NOR chip: the office key opens it, answers intact. */
    assert_null(cnd_test_open(&sealed, &pk, 0, &got));
    assert_memory_equal(got.id, r.id, sizeof r.id);
    assert_int_equal(got.day, 2201);
    assert_int_equal(got.n_answers, r.n_answers);
    for (j = 0; j < r.n_answers; j++)
        assert_int_equal(got.answers[j].state, r.answers[j].state);
    assert_int_equal(cnd_store_open_active_pack(&st, active, sizeof active, &pk), CND_OK);
    assert_int_equal(chip.violations, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_w25q64jv_is_recognised_as_8_mib, setup, teardown),
        cmocka_unit_test_setup_teardown(a_compatible_gigadevice_part_is_accepted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_jedec_id_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_missing_chip_is_reported_as_wiring_fault, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_chip_left_asleep_by_a_reset_is_woken_by_probe, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(written_bytes_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(program_across_a_page_boundary_is_split_in_two_commands,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_whole_sector_programs_as_sixteen_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(programming_only_clears_bits_like_real_nor, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(erase_sets_one_4k_sector_to_ff, setup, teardown),
        cmocka_unit_test_setup_teardown(a_write_protected_chip_makes_program_fail_not_pass,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_chip_that_stays_busy_times_out_with_an_io_error,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_bus_failure_mid_command_is_an_io_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(out_of_range_access_is_refused_before_the_bus, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_sleeping_chip_is_woken_before_the_next_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_flash_device_has_the_geometry_the_store_needs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(responses_survive_a_reboot_on_the_spi_flash, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
