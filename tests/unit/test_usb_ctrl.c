/* test_usb_ctrl.c: endpoint 0 of the REAL device stack (usb_dev, usb_ctrl)
 * on the fake controller, played by a host the way Linux and Windows
 * enumerate. What a coordinator would notice if it broke: the handheld not
 * enumerating, Windows not binding WinUSB, or a confused host hanging
 * instead of getting a clean STALL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_dcd.h"
#include "usb_fixture.h"

#define GET_STATUS 0
#define CLEAR_FEATURE 1
#define SET_FEATURE 3
#define SET_ADDRESS 5
#define GET_DESCRIPTOR 6
#define SET_DESCRIPTOR 7
#define GET_CONFIGURATION 8
#define SET_CONFIGURATION 9
#define GET_INTERFACE 10
#define SET_INTERFACE 11
#define SYNCH_FRAME 12

static int setup(void **state)
{
    cnd_usb_fixture_t *fx = cnd_usb_fixture_new(7);
    assert_non_null(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    assert_int_equal(fx->fake.violations, 0); /* the stack kept the DCD contract */
    cnd_usb_fixture_free(fx);
    return 0;
}

static cnd_status_t ctl(cnd_usb_fixture_t *fx, uint8_t type, uint8_t req, uint16_t value,
                        uint16_t index, uint8_t *data, uint16_t len, size_t *got)
{
    size_t dummy;
    return cnd_fake_dcd_control(&fx->fake, type, req, value, index, data, len, got ? got : &dummy);
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

static void enumeration_addresses_and_configures_the_device(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[8];
    size_t got;
    assert_true(fx->fake.connected);
    assert_false(cnd_usb_configured(&fx->usb));
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(fx->fake.address, 5);
    assert_int_equal(fx->fake.set_address_calls, 1);
    assert_true(cnd_usb_configured(&fx->usb));
    assert_int_equal(ctl(fx, 0x80, GET_CONFIGURATION, 0, 0, b, 1, &got), CND_OK);
    assert_int_equal(got, 1);
    assert_int_equal(b[0], 1);
    /* the bulk pair is open, as bulk, with 64-byte packets */
    assert_int_equal(fx->fake.ep_type[0][1], CND_USB_EPTYPE_BULK);
    assert_int_equal(fx->fake.ep_type[1][1], CND_USB_EPTYPE_BULK);
    assert_int_equal(fx->fake.ep_mps[0][1], 64);
    assert_int_equal(fx->fake.ep_mps[1][1], 64);
}

static void descriptors_are_cut_to_wlength_and_sent_in_64_byte_packets(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[512];
    size_t got, n;
    const uint8_t *dev = cnd_usb_device_desc(&n);
    cnd_fake_dcd_bus_reset(&fx->fake);
    /* Linux's first read at address 0 asks for 64 and gets the 18 */
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, b, 64, &got), CND_OK);
    assert_int_equal(got, 18);
    assert_memory_equal(b, dev, 18);
    /* Windows-style 8-byte read */
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, b, 8, &got), CND_OK);
    assert_int_equal(got, 8);
    /* configuration header first, then the whole thing */
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0200, 0, b, 9, &got), CND_OK);
    assert_int_equal(got, 9);
    assert_int_equal(le16(b + 2), 32);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0200, 0, b, 255, &got), CND_OK);
    assert_int_equal(got, 32);
    /* a 162-byte answer to wLength 255 is 64 + 64 + 34: the short packet
     * ends it, no zero-length packet */
    fx->fake.n_log = 0;
    assert_int_equal(ctl(fx, 0xC0, CND_USB_MS_VENDOR_CODE, 0, 7, b, 255, &got), CND_OK);
    assert_int_equal(got, 162);
    assert_int_equal(fx->fake.n_log, 3);
    assert_int_equal(fx->fake.log[0].len, 64);
    assert_int_equal(fx->fake.log[1].len, 64);
    assert_int_equal(fx->fake.log[2].len, 34);
    /* wLength 128 ends on a packet boundary exactly at wLength: no ZLP */
    fx->fake.n_log = 0;
    assert_int_equal(ctl(fx, 0xC0, CND_USB_MS_VENDOR_CODE, 0, 7, b, 128, &got), CND_OK);
    assert_int_equal(got, 128);
    assert_int_equal(fx->fake.n_log, 2);
}

static void windows_reads_the_ms_os_20_set_the_bos_points_to(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t bos[64], set[256], want[256];
    size_t got, total;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    /* BOS header first (5 bytes), then all of it, as Windows does */
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0F00, 0, bos, 5, &got), CND_OK);
    assert_int_equal(got, 5);
    total = le16(bos + 2);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0F00, 0, bos, (uint16_t)total, &got), CND_OK);
    assert_int_equal(got, total);
    /* vendor request with the BOS's vendor code and announced length */
    assert_int_equal(ctl(fx, 0xC0, bos[5 + 26], 0, 7, set, le16(bos + 5 + 24), &got), CND_OK);
    assert_int_equal(got, le16(bos + 5 + 24));
    assert_int_equal(cnd_usb_msos20_set(want, sizeof want), got);
    assert_memory_equal(set, want, got);
    /* other wIndex values of the same vendor code are not ours */
    assert_int_equal(ctl(fx, 0xC0, bos[5 + 26], 0, 8, set, 255, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0xC0, bos[5 + 26], 0, 4, set, 255, &got), CND_E_PROTOCOL);
}

static void serial_string_is_the_device_id_from_the_store(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[64];
    char want[CND_USB_SERIAL_LEN + 1];
    size_t got, i;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    cnd_usb_serial(cnd_store_device_id(&fx->store), want);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0303, 0x0409, b, 255, &got), CND_OK);
    assert_int_equal(got, 34);
    for (i = 0; i < 16; i++)
        assert_int_equal(le16(b + 2 + 2 * i), (unsigned char)want[i]);
}

static void unknown_requests_stall_and_the_next_request_still_works(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[64];
    size_t got;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    /* class request (no class here), other vendor code, device qualifier
     * (full-speed only), other-speed configuration, unknown string,
     * remote wakeup, test mode, SET_DESCRIPTOR, SYNCH_FRAME, a device
     * request sent to an interface, an OUT data stage */
    assert_int_equal(ctl(fx, 0xA1, 0x01, 0, 0, b, 8, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0xC0, CND_USB_MS_VENDOR_CODE + 1, 0, 7, b, 64, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0600, 0, b, 10, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0700, 0, b, 9, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0304, 0x0409, b, 64, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0201, 0, b, 64, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_FEATURE, 1, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_FEATURE, 2, 0x0100, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_DESCRIPTOR, 0x0100, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x82, SYNCH_FRAME, 0, 0x81, b, 2, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x81, GET_DESCRIPTOR, 0x0100, 0, b, 18, &got), CND_E_PROTOCOL);
    /* a request with an OUT data stage is refused at SETUP */
    cnd_fake_dcd_setup(&fx->fake, (const uint8_t[8]){0x40, 0x01, 0, 0, 0, 0, 4, 0});
    assert_int_equal(cnd_fake_dcd_out(&fx->fake, 0x00, b, 4), CND_E_PROTOCOL);
    /* the STALL is per request: the device answers the next one */
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, b, 18, &got), CND_OK);
    assert_int_equal(got, 18);
}

static void requests_outside_their_device_state_stall(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[8];
    size_t got;
    cnd_fake_dcd_bus_reset(&fx->fake);
    /* default state: no configuration to ask about or set */
    assert_int_equal(ctl(fx, 0x80, GET_CONFIGURATION, 0, 0, b, 1, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_CONFIGURATION, 1, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_ADDRESS, 128, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x00, SET_ADDRESS, 9, 0, NULL, 0, NULL), CND_OK);
    /* address state: the interface and the bulk endpoints do not exist yet */
    assert_int_equal(ctl(fx, 0x81, GET_INTERFACE, 0, 0, b, 1, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x81, GET_STATUS, 0, 0, b, 2, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x81, b, 2, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x00, b, 2, &got), CND_OK);
    assert_int_equal(ctl(fx, 0x00, SET_CONFIGURATION, 2, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x80, GET_CONFIGURATION, 0, 0, b, 1, &got), CND_OK);
    assert_int_equal(b[0], 0);
    assert_int_equal(ctl(fx, 0x00, SET_CONFIGURATION, 1, 0, NULL, 0, NULL), CND_OK);
    /* configured: the address is fixed until a reset */
    assert_int_equal(ctl(fx, 0x00, SET_ADDRESS, 10, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(fx->fake.address, 9);
    assert_int_equal(ctl(fx, 0x81, GET_STATUS, 0, 1, b, 2, &got), CND_E_PROTOCOL); /* no interface 1 */
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x82, b, 2, &got), CND_E_PROTOCOL); /* no such ep */
}

static void status_requests_report_self_powered_and_halts(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[2];
    size_t got;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(ctl(fx, 0x80, GET_STATUS, 0, 0, b, 2, &got), CND_OK);
    assert_int_equal(got, 2);
    assert_int_equal(le16(b), 1); /* self-powered, no remote wakeup */
    assert_int_equal(ctl(fx, 0x81, GET_STATUS, 0, 0, b, 2, &got), CND_OK);
    assert_int_equal(le16(b), 0);
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x81, b, 2, &got), CND_OK);
    assert_int_equal(le16(b), 0);
}

static void halted_bulk_endpoint_stalls_until_the_host_clears_it(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[64];
    size_t got;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(ctl(fx, 0x02, SET_FEATURE, 0, 0x81, NULL, 0, NULL), CND_OK);
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x81, b, 2, &got), CND_OK);
    assert_int_equal(le16(b), 1);
    assert_int_equal(cnd_fake_dcd_bulk_in(&fx->fake, b, sizeof b, &got), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x02, SET_FEATURE, 0, 0x01, NULL, 0, NULL), CND_OK);
    assert_int_equal(cnd_fake_dcd_bulk_out(&fx->fake, b, 4, 0), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x02, CLEAR_FEATURE, 0, 0x81, NULL, 0, NULL), CND_OK);
    assert_int_equal(ctl(fx, 0x02, CLEAR_FEATURE, 0, 0x01, NULL, 0, NULL), CND_OK);
    assert_int_equal(ctl(fx, 0x82, GET_STATUS, 0, 0x81, b, 2, &got), CND_OK);
    assert_int_equal(le16(b), 0);
    assert_int_equal(fx->fake.stalled[1][1], 0);
    assert_int_equal(fx->fake.stalled[0][1], 0);
    /* halting the default pipe is refused; clearing it is harmless */
    assert_int_equal(ctl(fx, 0x02, SET_FEATURE, 0, 0x00, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x02, CLEAR_FEATURE, 0, 0x80, NULL, 0, NULL), CND_OK);
    /* a feature other than ENDPOINT_HALT */
    assert_int_equal(ctl(fx, 0x02, SET_FEATURE, 1, 0x81, NULL, 0, NULL), CND_E_PROTOCOL);
}

static void only_alternate_setting_zero_exists(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[1];
    size_t got;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(ctl(fx, 0x81, GET_INTERFACE, 0, 0, b, 1, &got), CND_OK);
    assert_int_equal(got, 1);
    assert_int_equal(b[0], 0);
    assert_int_equal(ctl(fx, 0x01, SET_INTERFACE, 0, 0, NULL, 0, NULL), CND_OK);
    assert_int_equal(ctl(fx, 0x01, SET_INTERFACE, 1, 0, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x01, SET_INTERFACE, 0, 1, NULL, 0, NULL), CND_E_PROTOCOL);
    assert_int_equal(ctl(fx, 0x81, GET_INTERFACE, 0, 1, b, 1, &got), CND_E_PROTOCOL);
}

static void bus_reset_and_deconfigure_take_the_device_back(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t b[1];
    size_t got;
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(ctl(fx, 0x00, SET_CONFIGURATION, 0, 0, NULL, 0, NULL), CND_OK);
    assert_false(cnd_usb_configured(&fx->usb));
    assert_int_equal(ctl(fx, 0x80, GET_CONFIGURATION, 0, 0, b, 1, &got), CND_OK);
    assert_int_equal(b[0], 0);
    assert_int_equal(ctl(fx, 0x00, SET_CONFIGURATION, 1, 0, NULL, 0, NULL), CND_OK);
    assert_true(cnd_usb_configured(&fx->usb));
    cnd_fake_dcd_bus_reset(&fx->fake);
    assert_false(cnd_usb_configured(&fx->usb));
    assert_int_equal(fx->usb.address, 0);
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_true(cnd_usb_configured(&fx->usb));
    cnd_fake_dcd_detach(&fx->fake);
    assert_false(cnd_usb_configured(&fx->usb));
}

static void a_new_setup_abandons_an_unfinished_transfer(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint8_t pkt[64], b[64];
    uint16_t n;
    size_t got, len;
    const uint8_t *dev = cnd_usb_device_desc(&len);
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    /* the host takes one packet of the 162-byte set, then gives up */
    cnd_fake_dcd_setup(&fx->fake,
                       (const uint8_t[8]){0xC0, CND_USB_MS_VENDOR_CODE, 0, 0, 7, 0, 255, 0});
    assert_int_equal(cnd_fake_dcd_in(&fx->fake, 0x80, pkt, &n), CND_OK);
    assert_int_equal(n, 64);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, b, 64, &got), CND_OK);
    assert_int_equal(got, len);
    assert_memory_equal(b, dev, len);
    /* the host ends a data stage early with its status packet */
    cnd_fake_dcd_setup(&fx->fake,
                       (const uint8_t[8]){0xC0, CND_USB_MS_VENDOR_CODE, 0, 0, 7, 0, 255, 0});
    assert_int_equal(cnd_fake_dcd_in(&fx->fake, 0x80, pkt, &n), CND_OK);
    assert_int_equal(cnd_fake_dcd_out(&fx->fake, 0x00, NULL, 0), CND_OK);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, b, 64, &got), CND_OK);
    assert_int_equal(got, len);
}

static void request_handler_answers_whole_requests_directly(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    cnd_usb_setup_t s;
    uint8_t b[CND_USB_CTRL_MAX];
    size_t len = 99;
    static const uint8_t raw[8] = {0x80, GET_DESCRIPTOR, 0x00, 0x02, 0x00, 0x00, 0x10, 0x00};
    cnd_usb_setup_parse(raw, &s);
    assert_int_equal(s.bmRequestType, 0x80);
    assert_int_equal(s.wValue, 0x0200);
    assert_int_equal(s.wLength, 16);
    assert_int_equal(cnd_usb_ctrl_request(&fx->usb, &s, b, sizeof b, &len), CND_USB_CTRL_ACK);
    assert_int_equal(len, 16);
    s.wValue = 0x0600;
    assert_int_equal(cnd_usb_ctrl_request(&fx->usb, &s, b, sizeof b, &len), CND_USB_CTRL_STALL);
    assert_int_equal(len, 0);
}

/* A host (or a fuzzing tool) sending random SETUPs, stray ep0 packets,
 * resets and bulk packets in any order never makes the stack break the
 * controller contract, and the device still enumerates and answers. */
static void random_bus_traffic_never_wedges_the_device(void **state)
{
    cnd_usb_fixture_t *fx = *state;
    uint32_t rng = 12345;
    uint8_t setup_pkt[8], buf[64];
    uint16_t n;
    size_t got, len;
    int i, k, configured = 0;
    const uint8_t *dev = cnd_usb_device_desc(&len);
    static const uint8_t types[] = {0x00, 0x01, 0x02, 0x80, 0x81, 0x82, 0xC0, 0x40, 0x21, 0xA1};
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    for (i = 0; i < 20000; i++) {
        uint32_t r;
        rng = rng * 1103515245u + 12345u;
        r = rng >> 8;
        switch (r % 8) {
        case 0:
        case 1:
        case 2:
            for (k = 0; k < 8; k++) {
                rng = rng * 1103515245u + 12345u;
                setup_pkt[k] = (uint8_t)(rng >> 16);
            }
            setup_pkt[0] = types[setup_pkt[0] % sizeof types];
            setup_pkt[1] = (uint8_t)(setup_pkt[1] % 13u);
            if (r & 0x100)
                setup_pkt[1] = CND_USB_MS_VENDOR_CODE;
            if (r & 0x400) { /* plausible fields, so deeper states are reached */
                static const uint8_t idx[] = {0, 1, 0x81, 7};
                setup_pkt[2] &= 3u;
                setup_pkt[3] &= 0x0Fu;
                setup_pkt[4] = idx[(r >> 12) % 4];
                setup_pkt[5] = 0;
                setup_pkt[6] = (r & 0x800) ? 0 : setup_pkt[6];
                setup_pkt[7] = 0;
            }
            cnd_fake_dcd_setup(&fx->fake, setup_pkt);
            break;
        case 3:
            (void)cnd_fake_dcd_in(&fx->fake, (r & 0x200) ? 0x81 : 0x80, buf, &n);
            break;
        case 4:
            (void)cnd_fake_dcd_out(&fx->fake, (r & 0x200) ? 0x01 : 0x00, buf, (uint16_t)(r % 65));
            break;
        case 5:
            if (r % 97 == 0)
                cnd_fake_dcd_bus_reset(&fx->fake);
            else if (!cnd_usb_configured(&fx->usb) && r % 7 == 0)
                (void)cnd_fake_dcd_enumerate(&fx->fake); /* the host starts over */
            break;
        default:
            (void)cnd_fake_dcd_in(&fx->fake, 0x80, buf, &n);
            break;
        }
        assert_int_equal(fx->fake.violations, 0);
        configured += cnd_usb_configured(&fx->usb);
    }
    assert_true(configured > 5000); /* much of the traffic met the bulk pair */
    assert_int_equal(cnd_fake_dcd_enumerate(&fx->fake), CND_OK);
    assert_int_equal(ctl(fx, 0x80, GET_DESCRIPTOR, 0x0100, 0, buf, 64, &got), CND_OK);
    assert_int_equal(got, len);
    assert_memory_equal(buf, dev, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(enumeration_addresses_and_configures_the_device, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(descriptors_are_cut_to_wlength_and_sent_in_64_byte_packets,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(windows_reads_the_ms_os_20_set_the_bos_points_to, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(serial_string_is_the_device_id_from_the_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_requests_stall_and_the_next_request_still_works,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(requests_outside_their_device_state_stall, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(status_requests_report_self_powered_and_halts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(halted_bulk_endpoint_stalls_until_the_host_clears_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(only_alternate_setting_zero_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(bus_reset_and_deconfigure_take_the_device_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_new_setup_abandons_an_unfinished_transfer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(request_handler_answers_whole_requests_directly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(random_bus_traffic_never_wedges_the_device, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
