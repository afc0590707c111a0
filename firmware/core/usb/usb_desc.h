/*
 * usb_desc.h: the Candor handheld's USB identity, as byte tables
 * (formats/SPEC.md section 10 "USB descriptors").
 *
 * Owns: the endpoint addresses, packet sizes and the MS OS 2.0 vendor code,
 * defined here once (the VID, PID, interface class and WinUSB GUID the
 * host matches on are the contract's: formats/usb_id.h), and the descriptors built from them:
 * device, configuration (one vendor interface, one bulk IN/OUT pair), string,
 * BOS (Microsoft OS 2.0 platform capability) and the MS OS 2.0 descriptor set
 * (compatible ID "WINUSB" + DeviceInterfaceGUIDs), which let Windows 8.1+
 * bind WinUSB with no driver install.
 *
 * This header depends on nothing but <stddef.h>, <stdint.h>, cnd_limits.h
 * and usb_id.h, so the host (libusb transport, umockdev harness) can include
 * it and match exactly what the firmware sends.
 *
 * Never: uses a hardware serial. The serial number string is the device's
 * random id (store.h) in hex, created at format time; it tells handhelds
 * apart at the office and never appears in stored responses or exports.
 * RAM: none (tables are const; builders write into the caller's buffer).
 */
#ifndef CND_USB_DESC_H
#define CND_USB_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "usb_id.h"

/* VID, PID, interface class and WinUSB GUID: formats/usb_id.h (the contract). */
#define CND_USB_BCD_DEVICE 0x0100u /* device release 1.00 */
/* 2.10, not 2.00: hosts only ask for the BOS descriptor from 2.01 up. */
#define CND_USB_BCD_USB 0x0210u

#define CND_USB_EP0_SIZE 64u  /* bMaxPacketSize0 */
#define CND_USB_BULK_SIZE 64u /* wMaxPacketSize of both bulk endpoints (full speed) */
#define CND_USB_EP_OUT 0x01u  /* bulk OUT: request frames from the host */
#define CND_USB_EP_IN 0x81u   /* bulk IN: reply frames to the host */
#define CND_USB_CONFIG_VALUE 1u
#define CND_USB_INTERFACE 0u
#define CND_USB_MAX_POWER_MA 100u /* battery device; USB may charge it */

/* String descriptor indices (0 is the LANGID list). */
#define CND_USB_STR_MANUFACTURER 1u
#define CND_USB_STR_PRODUCT 2u
#define CND_USB_STR_SERIAL 3u
#define CND_USB_LANGID_EN_US 0x0409u
#define CND_USB_MANUFACTURER "Candor"
#define CND_USB_PRODUCT "Candor handheld"
/* Serial: the 8-byte random device id as 16 lower-case hex digits, the same
 * text `candor devices` prints as the device id. */
#define CND_USB_SERIAL_LEN (2u * CND_DEVICE_ID_LEN)

/* Microsoft OS 2.0 (MS OS 2.0 descriptors specification). */
#define CND_USB_MS_VENDOR_CODE 0x43u /* bRequest of the vendor request ('C') */
#define CND_USB_MS_OS_20_INDEX 0x0007u /* wIndex: MS_OS_20_DESCRIPTOR_INDEX */
#define CND_USB_MS_WINDOWS_VERSION 0x06030000ul /* Windows 8.1, the first with MS OS 2.0 */

/* Descriptor lengths (USB 2.0 tables 9-8, 9-10, 9-12, 9-13; the BOS of the
 * USB 2.0 LPM ECN; MS OS 2.0 tables 4, 10, 13, 14). */
#define CND_USB_DEVICE_DESC_LEN 18u
#define CND_USB_CONFIG_DESC_LEN (9u + 9u + 7u + 7u) /* config + interface + 2 endpoints */
#define CND_USB_BOS_DESC_LEN (5u + 28u)             /* BOS + MS OS 2.0 platform capability */
#define CND_USB_MSOS20_REG_NAME "DeviceInterfaceGUIDs"
/* registry property: 10 fixed bytes, UTF-16LE name with NUL, REG_MULTI_SZ
 * data = the GUID, its NUL and the list's closing NUL */
#define CND_USB_MSOS20_REG_LEN \
    (10u + 2u * sizeof(CND_USB_MSOS20_REG_NAME) + 2u * (sizeof(CND_USB_INTERFACE_GUID) + 1u))
#define CND_USB_MSOS20_SET_LEN (10u + 20u + CND_USB_MSOS20_REG_LEN) /* = 162 */

/* The largest descriptor or response any control request returns. */
#define CND_USB_CTRL_MAX 256u

/* Const tables; *len receives their length. */
const uint8_t *cnd_usb_device_desc(size_t *len);
const uint8_t *cnd_usb_config_desc(size_t *len); /* the whole configuration */
const uint8_t *cnd_usb_bos_desc(size_t *len);

/* Writes the MS OS 2.0 descriptor set; returns CND_USB_MSOS20_SET_LEN, or 0
 * if cap is too small (nothing written). */
size_t cnd_usb_msos20_set(uint8_t *out, size_t cap);

/* Writes string descriptor `index` (0 = LANGID list, then the indices
 * above); returns its length, or 0 if there is no such string or cap is too
 * small. device_id is only read for the serial. */
size_t cnd_usb_string_desc(uint8_t index, const uint8_t device_id[CND_DEVICE_ID_LEN], uint8_t *out,
                           size_t cap);

/* The serial number text: 16 lower-case hex digits and a NUL. */
void cnd_usb_serial(const uint8_t device_id[CND_DEVICE_ID_LEN], char out[CND_USB_SERIAL_LEN + 1]);

#endif
