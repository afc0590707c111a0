/* usb_desc.c: Candor's USB descriptors as tables. Layouts: USB 2.0 chapter
 * 9, the BOS/device-capability descriptors of the USB 2.0 LPM ECN, and
 * Microsoft's "Microsoft OS 2.0 Descriptors Specification". Byte tables are
 * checked field by field in tests/unit/test_usb_desc.c and tabulated in
 * formats/SPEC.md section 10. */
#include "usb_desc.h"

#include <string.h>

#define LE16(v) (uint8_t)((v)&0xFFu), (uint8_t)(((v) >> 8) & 0xFFu)
#define LE32(v) LE16((v)&0xFFFFu), LE16(((v) >> 16) & 0xFFFFu)

#define DESC_DEVICE 0x01u
#define DESC_CONFIG 0x02u
#define DESC_STRING 0x03u
#define DESC_INTERFACE 0x04u
#define DESC_ENDPOINT 0x05u
#define DESC_BOS 0x0Fu
#define DESC_DEVICE_CAPABILITY 0x10u
#define CAP_PLATFORM 0x05u
#define EP_BULK 0x02u
/* bmAttributes: bit 7 must be 1 (USB 1.0 bus-powered bit); bit 6: the
 * handheld runs on its battery, so it reports itself self-powered. */
#define CONFIG_SELF_POWERED 0xC0u

/* MS OS 2.0 wDescriptorType values and the registry type we use. */
#define MSOS20_SET_HEADER 0x0000u
#define MSOS20_FEATURE_COMPATIBLE_ID 0x0003u
#define MSOS20_FEATURE_REG_PROPERTY 0x0004u
#define REG_MULTI_SZ 0x0007u

static const uint8_t device_desc[CND_USB_DEVICE_DESC_LEN] = {
    CND_USB_DEVICE_DESC_LEN, DESC_DEVICE, LE16(CND_USB_BCD_USB),
    0x00, 0x00, 0x00, /* class, subclass, protocol: given per interface */
    CND_USB_EP0_SIZE, LE16(CND_USB_VID), LE16(CND_USB_PID), LE16(CND_USB_BCD_DEVICE),
    CND_USB_STR_MANUFACTURER, CND_USB_STR_PRODUCT, CND_USB_STR_SERIAL,
    1 /* bNumConfigurations */
};

static const uint8_t config_desc[CND_USB_CONFIG_DESC_LEN] = {
    /* configuration */
    9, DESC_CONFIG, LE16(CND_USB_CONFIG_DESC_LEN), 1 /* bNumInterfaces */, CND_USB_CONFIG_VALUE,
    0 /* iConfiguration */, CONFIG_SELF_POWERED, CND_USB_MAX_POWER_MA / 2u,
    /* the one vendor interface */
    9, DESC_INTERFACE, CND_USB_INTERFACE, 0 /* bAlternateSetting */, 2 /* bNumEndpoints */,
    CND_USB_IF_CLASS, CND_USB_IF_SUBCLASS, CND_USB_IF_PROTOCOL, 0 /* iInterface */,
    /* bulk OUT, bulk IN (bInterval is ignored for full-speed bulk) */
    7, DESC_ENDPOINT, CND_USB_EP_OUT, EP_BULK, LE16(CND_USB_BULK_SIZE), 0,
    7, DESC_ENDPOINT, CND_USB_EP_IN, EP_BULK, LE16(CND_USB_BULK_SIZE), 0};

static const uint8_t bos_desc[CND_USB_BOS_DESC_LEN] = {
    5, DESC_BOS, LE16(CND_USB_BOS_DESC_LEN), 1 /* bNumDeviceCaps */,
    /* Microsoft OS 2.0 platform capability */
    28, DESC_DEVICE_CAPABILITY, CAP_PLATFORM, 0 /* bReserved */,
    /* PlatformCapabilityUUID D8DD60DF-4589-4CC7-9CD2-659D9E648A9F in the
     * mixed-endian GUID byte order: the first three groups little-endian,
     * the last two as written. */
    0xDF, 0x60, 0xDD, 0xD8, 0x89, 0x45, 0xC7, 0x4C, 0x9C, 0xD2, 0x65, 0x9D, 0x9E, 0x64, 0x8A, 0x9F,
    /* descriptor set information: the one set this device has */
    LE32(CND_USB_MS_WINDOWS_VERSION), LE16(CND_USB_MSOS20_SET_LEN), CND_USB_MS_VENDOR_CODE,
    0 /* bAltEnumCode: no alternate enumeration */};

const uint8_t *cnd_usb_device_desc(size_t *len)
{
    *len = sizeof device_desc;
    return device_desc;
}

const uint8_t *cnd_usb_config_desc(size_t *len)
{
    *len = sizeof config_desc;
    return config_desc;
}

const uint8_t *cnd_usb_bos_desc(size_t *len)
{
    *len = sizeof bos_desc;
    return bos_desc;
}

static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    return p + 2;
}

/* ASCII text (with its NUL when nul is set) as UTF-16LE. */
static uint8_t *put_utf16(uint8_t *p, const char *s, int nul)
{
    size_t i, n = strlen(s) + (nul ? 1u : 0u);
    for (i = 0; i < n; i++)
        p = put16(p, (unsigned char)s[i]);
    return p;
}

size_t cnd_usb_msos20_set(uint8_t *out, size_t cap)
{
    uint8_t *p = out;
    if (cap < CND_USB_MSOS20_SET_LEN)
        return 0;
    /* set header (table 10): applies to the whole device, no subsets,
     * because Candor is not a composite device */
    p = put16(p, 10);
    p = put16(p, MSOS20_SET_HEADER);
    p = put16(p, (unsigned)(CND_USB_MS_WINDOWS_VERSION & 0xFFFFu));
    p = put16(p, (unsigned)(CND_USB_MS_WINDOWS_VERSION >> 16));
    p = put16(p, CND_USB_MSOS20_SET_LEN);
    /* compatible ID (table 13): "WINUSB" makes Windows load WinUSB */
    p = put16(p, 20);
    p = put16(p, MSOS20_FEATURE_COMPATIBLE_ID);
    memset(p, 0, 16); /* CompatibleID and SubCompatibleID, NUL padded */
    memcpy(p, "WINUSB", 6);
    p += 16;
    /* registry property (table 14): DeviceInterfaceGUIDs, REG_MULTI_SZ */
    p = put16(p, CND_USB_MSOS20_REG_LEN);
    p = put16(p, MSOS20_FEATURE_REG_PROPERTY);
    p = put16(p, REG_MULTI_SZ);
    p = put16(p, 2u * sizeof(CND_USB_MSOS20_REG_NAME));
    p = put_utf16(p, CND_USB_MSOS20_REG_NAME, 1);
    p = put16(p, 2u * (sizeof(CND_USB_INTERFACE_GUID) + 1u));
    p = put_utf16(p, CND_USB_INTERFACE_GUID, 1);
    p = put16(p, 0); /* the empty string that ends a REG_MULTI_SZ list */
    return (size_t)(p - out);
}

void cnd_usb_serial(const uint8_t device_id[CND_DEVICE_ID_LEN], char out[CND_USB_SERIAL_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned i;
    for (i = 0; i < CND_DEVICE_ID_LEN; i++) {
        out[2 * i] = hex[device_id[i] >> 4];
        out[2 * i + 1] = hex[device_id[i] & 0x0Fu];
    }
    out[CND_USB_SERIAL_LEN] = '\0';
}

size_t cnd_usb_string_desc(uint8_t index, const uint8_t device_id[CND_DEVICE_ID_LEN], uint8_t *out,
                           size_t cap)
{
    char serial[CND_USB_SERIAL_LEN + 1];
    const char *text;
    size_t len;
    if (index == 0) {
        if (cap < 4)
            return 0;
        out[0] = 4;
        out[1] = DESC_STRING;
        put16(out + 2, CND_USB_LANGID_EN_US);
        return 4;
    }
    if (index == CND_USB_STR_MANUFACTURER) {
        text = CND_USB_MANUFACTURER;
    } else if (index == CND_USB_STR_PRODUCT) {
        text = CND_USB_PRODUCT;
    } else if (index == CND_USB_STR_SERIAL) {
        cnd_usb_serial(device_id, serial);
        text = serial;
    } else {
        return 0;
    }
    len = 2u + 2u * strlen(text); /* no NUL in a string descriptor */
    if (len > cap || len > 255u)
        return 0;
    out[0] = (uint8_t)len;
    out[1] = DESC_STRING;
    put_utf16(out + 2, text, 0);
    return len;
}
