/* test_usb_desc.c: the bytes a host reads at enumeration, checked field by
 * field against the USB 2.0 chapter 9 tables and the Microsoft OS 2.0
 * descriptor specification. What a coordinator would notice if these were
 * wrong: the handheld not showing up, or Windows asking for a driver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "usb/usb_desc.h"

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

static unsigned long le32(const uint8_t *p)
{
    return (unsigned long)le16(p) | ((unsigned long)le16(p + 2) << 16);
}

/* 1 when the UTF-16LE text at p (n code units) is exactly the ASCII s. */
static int utf16_is(const uint8_t *p, size_t n, const char *s)
{
    size_t i;
    if (strlen(s) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (le16(p + 2 * i) != (unsigned char)s[i])
            return 0;
    return 1;
}

static unsigned hexval(char c)
{
    return (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

/* A GUID as text to its 16 wire bytes: the first three groups are
 * little-endian integers, the last two are bytes in order. */
static void guid_bytes(const char *t, uint8_t out[16])
{
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t raw[16];
    int i, k = 0;
    for (i = 0; t[i] && k < 16; i++) {
        if (t[i] == '-')
            continue;
        raw[k++] = (uint8_t)(hexval(t[i]) << 4 | hexval(t[i + 1]));
        i++;
    }
    assert_int_equal(k, 16);
    for (i = 0; i < 16; i++)
        out[i] = raw[order[i]];
}

static void device_descriptor_names_candor_on_pid_codes_with_usb_2_10(void **state)
{
    size_t n;
    const uint8_t *d = cnd_usb_device_desc(&n);
    (void)state;
    assert_int_equal(n, 18);
    assert_int_equal(d[0], 18);     /* bLength */
    assert_int_equal(d[1], 1);      /* DEVICE */
    assert_int_equal(le16(d + 2), 0x0210); /* bcdUSB: BOS is read from 2.01 up */
    assert_int_equal(d[4], 0);      /* class defined by the interface */
    assert_int_equal(d[5], 0);
    assert_int_equal(d[6], 0);
    assert_int_equal(d[7], 64);     /* bMaxPacketSize0 */
    assert_int_equal(le16(d + 8), 0x1209);
    assert_int_equal(le16(d + 10), CND_USB_PID);
    assert_int_equal(le16(d + 12), CND_USB_BCD_DEVICE);
    assert_int_equal(d[14], CND_USB_STR_MANUFACTURER);
    assert_int_equal(d[15], CND_USB_STR_PRODUCT);
    assert_int_equal(d[16], CND_USB_STR_SERIAL);
    assert_int_equal(d[17], 1);     /* bNumConfigurations */
}

static void configuration_is_one_vendor_interface_with_a_bulk_pair(void **state)
{
    size_t n, off;
    const uint8_t *c = cnd_usb_config_desc(&n);
    unsigned interfaces = 0, endpoints = 0, saw_in = 0, saw_out = 0;
    (void)state;
    assert_int_equal(c[0], 9);
    assert_int_equal(c[1], 2);
    assert_int_equal(le16(c + 2), n); /* wTotalLength covers everything */
    assert_int_equal(n, 32);
    assert_int_equal(c[4], 1);        /* bNumInterfaces */
    assert_int_equal(c[5], CND_USB_CONFIG_VALUE);
    assert_true(c[7] & 0x80);         /* reserved bit, always set */
    assert_int_equal(c[8] * 2, CND_USB_MAX_POWER_MA);
    /* walking by bLength lands exactly on the end */
    for (off = c[0]; off < n; off += c[off]) {
        const uint8_t *d = c + off;
        assert_true(d[0] >= 2 && off + d[0] <= n);
        if (d[1] == 4) {
            assert_int_equal(d[0], 9);
            assert_int_equal(d[2], CND_USB_INTERFACE);
            assert_int_equal(d[3], 0);    /* alternate setting */
            assert_int_equal(d[4], 2);    /* bNumEndpoints */
            assert_int_equal(d[5], 0xFF); /* vendor specific */
            interfaces++;
        } else if (d[1] == 5) {
            assert_int_equal(d[0], 7);
            assert_int_equal(d[3], 0x02); /* bulk */
            assert_int_equal(le16(d + 4), 64);
            saw_in += d[2] == 0x81;
            saw_out += d[2] == 0x01;
            endpoints++;
        } else {
            fail_msg("unexpected descriptor type %u at %zu", d[1], off);
        }
    }
    assert_int_equal(off, n);
    assert_int_equal(interfaces, 1);
    assert_int_equal(endpoints, 2);
    assert_int_equal(saw_in, 1);
    assert_int_equal(saw_out, 1);
}

static void bos_announces_ms_os_20_with_the_platform_uuid_in_guid_byte_order(void **state)
{
    size_t n;
    const uint8_t *b = cnd_usb_bos_desc(&n);
    const uint8_t *cap = b + 5;
    uint8_t uuid[16], set[CND_USB_CTRL_MAX];
    (void)state;
    assert_int_equal(b[0], 5);
    assert_int_equal(b[1], 0x0F);
    assert_int_equal(le16(b + 2), n);
    assert_int_equal(b[4], 1); /* bNumDeviceCaps */
    assert_int_equal(5 + cap[0], n);
    assert_int_equal(cap[0], 28);
    assert_int_equal(cap[1], 0x10); /* DEVICE CAPABILITY */
    assert_int_equal(cap[2], 0x05); /* PLATFORM */
    assert_int_equal(cap[3], 0);
    guid_bytes("D8DD60DF-4589-4CC7-9CD2-659D9E648A9F", uuid);
    assert_int_equal(uuid[0], 0xDF); /* the helper itself swaps the first group */
    assert_int_equal(uuid[15], 0x9F);
    assert_memory_equal(cap + 4, uuid, 16);
    assert_int_equal(le32(cap + 20), 0x06030000ul); /* Windows 8.1 */
    /* the length Windows will ask for is the set's real length */
    assert_int_equal(le16(cap + 24), cnd_usb_msos20_set(set, sizeof set));
    assert_int_equal(cap[26], CND_USB_MS_VENDOR_CODE);
    assert_int_equal(cap[27], 0); /* no alternate enumeration */
}

static void ms_os_20_set_binds_winusb_with_no_subset_headers(void **state)
{
    uint8_t s[CND_USB_CTRL_MAX];
    size_t n = cnd_usb_msos20_set(s, sizeof s), off;
    unsigned compat = 0, regs = 0;
    (void)state;
    assert_int_equal(n, CND_USB_MSOS20_SET_LEN);
    assert_int_equal(n, 162);
    /* set header */
    assert_int_equal(le16(s), 10);
    assert_int_equal(le16(s + 2), 0x0000);
    assert_int_equal(le32(s + 4), 0x06030000ul);
    assert_int_equal(le16(s + 8), n);
    for (off = 10; off < n; off += le16(s + off)) {
        const uint8_t *d = s + off;
        unsigned type = le16(d + 2);
        assert_true(le16(d) >= 4 && off + le16(d) <= n);
        /* 1 and 2 are configuration/function subset headers: only for
         * composite devices, and Candor is not one */
        assert_true(type == 3 || type == 4);
        if (type == 3) {
            static const uint8_t winusb[16] = {'W', 'I', 'N', 'U', 'S', 'B'};
            assert_int_equal(le16(d), 20);
            assert_memory_equal(d + 4, winusb, 16); /* + NUL padding, empty sub-ID */
            compat++;
        } else {
            unsigned name_len = le16(d + 6), data_len;
            assert_int_equal(le16(d + 4), 7); /* REG_MULTI_SZ */
            assert_int_equal(name_len, 2 * 21);
            assert_true(utf16_is(d + 8, 20, "DeviceInterfaceGUIDs"));
            assert_int_equal(le16(d + 8 + 40), 0); /* name's NUL */
            data_len = le16(d + 8 + name_len);
            assert_int_equal(le16(d), 10 + name_len + data_len);
            /* one GUID, its NUL, and the NUL that ends the list */
            assert_int_equal(data_len, 2 * (38 + 2));
            assert_true(utf16_is(d + 10 + name_len, 38, CND_USB_INTERFACE_GUID));
            assert_int_equal(le16(d + 10 + name_len + 76), 0);
            assert_int_equal(le16(d + 10 + name_len + 78), 0);
            regs++;
        }
    }
    assert_int_equal(off, n); /* wLength of each adds up to wTotalLength */
    assert_int_equal(compat, 1);
    assert_int_equal(regs, 1);
}

static void interface_guid_is_a_braced_guid(void **state)
{
    const char *g = CND_USB_INTERFACE_GUID;
    size_t i;
    (void)state;
    assert_int_equal(strlen(g), 38);
    assert_int_equal(g[0], '{');
    assert_int_equal(g[37], '}');
    for (i = 1; i < 37; i++) {
        if (i == 9 || i == 14 || i == 19 || i == 24)
            assert_int_equal(g[i], '-');
        else
            assert_non_null(strchr("0123456789ABCDEF", g[i]));
    }
}

static void ms_os_20_set_is_not_written_into_a_short_buffer(void **state)
{
    uint8_t s[CND_USB_MSOS20_SET_LEN];
    (void)state;
    memset(s, 0xAA, sizeof s);
    assert_int_equal(cnd_usb_msos20_set(s, sizeof s - 1), 0);
    assert_int_equal(s[0], 0xAA);
    assert_int_equal(cnd_usb_msos20_set(s, sizeof s), sizeof s);
}

static void strings_name_candor_and_the_serial_is_the_random_id_in_hex(void **state)
{
    static const uint8_t id[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF};
    uint8_t s[CND_USB_CTRL_MAX];
    char serial[CND_USB_SERIAL_LEN + 1];
    size_t n;
    (void)state;
    n = cnd_usb_string_desc(0, id, s, sizeof s);
    assert_int_equal(n, 4);
    assert_int_equal(s[0], 4);
    assert_int_equal(s[1], 3);
    assert_int_equal(le16(s + 2), 0x0409);

    n = cnd_usb_string_desc(CND_USB_STR_MANUFACTURER, id, s, sizeof s);
    assert_int_equal(n, s[0]);
    assert_int_equal(s[1], 3);
    assert_true(utf16_is(s + 2, (n - 2) / 2, "Candor"));

    n = cnd_usb_string_desc(CND_USB_STR_PRODUCT, id, s, sizeof s);
    assert_int_equal(n, s[0]);
    assert_true(utf16_is(s + 2, (n - 2) / 2, "Candor handheld"));

    n = cnd_usb_string_desc(CND_USB_STR_SERIAL, id, s, sizeof s);
    assert_int_equal(n, 2 + 2 * 16);
    assert_true(utf16_is(s + 2, 16, "0123456789abcdef"));
    cnd_usb_serial(id, serial);
    assert_string_equal(serial, "0123456789abcdef");

    assert_int_equal(cnd_usb_string_desc(4, id, s, sizeof s), 0);
    assert_int_equal(cnd_usb_string_desc(0xEE, id, s, sizeof s), 0); /* no MS OS 1.0 string */
    assert_int_equal(cnd_usb_string_desc(CND_USB_STR_SERIAL, id, s, 33), 0); /* too small */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_descriptor_names_candor_on_pid_codes_with_usb_2_10),
        cmocka_unit_test(configuration_is_one_vendor_interface_with_a_bulk_pair),
        cmocka_unit_test(bos_announces_ms_os_20_with_the_platform_uuid_in_guid_byte_order),
        cmocka_unit_test(ms_os_20_set_binds_winusb_with_no_subset_headers),
        cmocka_unit_test(interface_guid_is_a_braced_guid),
        cmocka_unit_test(ms_os_20_set_is_not_written_into_a_short_buffer),
        cmocka_unit_test(strings_name_candor_and_the_serial_is_the_random_id_in_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
