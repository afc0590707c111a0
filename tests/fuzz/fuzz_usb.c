/*
 * fuzz_usb.c: the device's USB function (firmware/core/usb: control pipe
 * requests, ep0 stages, bulk packetisation into sync frames) on whatever a
 * USB host sends, packet by packet: a buggy driver, a hostile computer.
 * It runs the real stack on the fake controller of tests/support, with the
 * real sync state machine and store behind it (usb_fixture.h).
 *
 * Input: a list of operations, until the input ends:
 *   op % 8 = 0  bus reset                 4  detach (cable out)
 *            1  SETUP [8 bytes]           5  enumerate (as a host does)
 *            2  IN token [ep u8]          6  control transfer [8-byte setup]
 *            3  OUT packet [ep u8][len u8 % 65][bytes]
 *            7  bulk transfer: [len u8][bytes] out, then read the reply
 * Checks: the stack never breaks the controller contract of usb_dcd.h (the
 * fake counts violations: an IN endpoint armed twice, a packet over its
 * maximum, reading into a short buffer, using an endpoint not open), and
 * nothing the host does makes it read or write outside its buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dcd.h"
#include "fuzz_common.h"
#include "usb_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[65536]; /* any wLength */
    static cnd_usb_fixture_t *fx;
    static uint8_t *formatted; /* the flash right after the first boot */
    size_t flash_size;
    fz_in_t in;

    if (fx == NULL) {
        fx = cnd_usb_fixture_new(7);
        FZ_CHECK(fx != NULL);
    }
    /* Every run starts from the same formatted flash and a fresh stack
     * (a full fixture per run formats 256 KiB and runs 20 times slower). */
    flash_size = (size_t)fx->rf.flash.block_size * fx->rf.flash.block_count;
    if (formatted == NULL) {
        formatted = malloc(flash_size);
        FZ_CHECK(formatted != NULL);
        memcpy(formatted, fx->rf.mem, flash_size);
    }
    memcpy(fx->rf.mem, formatted, flash_size);
    fx->busy = 0;
    fx->activated = 0;
    FZ_CHECK(cnd_usb_fixture_reboot(fx) == CND_OK);
    fz_in_init(&in, data, size);
    while (fz_left(&in) > 0) {
        uint8_t op = fz_u8(&in);
        const uint8_t *p;
        size_t n, got = 0;
        uint16_t len = 0;
        switch (op % 8) {
        case 0: cnd_fake_dcd_bus_reset(&fx->fake); break;
        case 1: {
            uint8_t setup[8] = {0};
            n = fz_take(&in, 8, &p);
            memcpy(setup, p, n);
            cnd_fake_dcd_setup(&fx->fake, setup);
            break;
        }
        case 2:
            (void)cnd_fake_dcd_in(&fx->fake, (uint8_t)(0x80u | (fz_u8(&in) & 0x0Fu)), buf, &len);
            FZ_CHECK(len <= 64);
            break;
        case 3: {
            uint8_t ep = (uint8_t)(fz_u8(&in) & 0x0Fu);
            n = fz_take(&in, fz_u8(&in) % 65u, &p);
            (void)cnd_fake_dcd_out(&fx->fake, ep, p, (uint16_t)n);
            break;
        }
        case 4: cnd_fake_dcd_detach(&fx->fake); break;
        case 5: (void)cnd_fake_dcd_enumerate(&fx->fake); break;
        case 6: {
            uint8_t s[8] = {0};
            n = fz_take(&in, 8, &p);
            memcpy(s, p, n);
            /* Candor has no OUT data stage: a host-to-device request
             * carries none here either (the fake host refuses that). */
            (void)cnd_fake_dcd_control(&fx->fake, s[0], s[1], (uint16_t)(s[2] | (s[3] << 8)),
                                       (uint16_t)(s[4] | (s[5] << 8)),
                                       buf, (s[0] & 0x80u) ? (uint16_t)(s[6] | (s[7] << 8)) : 0,
                                       &got);
            FZ_CHECK(got <= sizeof buf);
            break;
        }
        default:
            n = fz_take(&in, fz_u8(&in), &p);
            (void)cnd_fake_dcd_bulk_out(&fx->fake, p, n, (op & 0x80u) != 0);
            (void)cnd_fake_dcd_bulk_in(&fx->fake, buf, sizeof buf, &got);
            FZ_CHECK(got <= sizeof buf);
            if (getenv("FUZZ_VERBOSE") != NULL) /* to check what a seed reaches */
                fprintf(stderr, "usb: bulk reply of %zu bytes, type 0x%02x\n", got,
                        got > 3 ? buf[3] : 0);
            break;
        }
        FZ_CHECK(fx->fake.violations == 0);
    }
    return 0;
}
