/*
 * usb_id.h: the Candor handheld's USB identity, the part of the contract
 * both ends match on (formats/SPEC.md section 10 "USB descriptors").
 *
 * Owns: the vendor and product id, the interface class triple and the
 * WinUSB interface GUID, defined here ONCE. The firmware builds its
 * descriptors from them (firmware/core/usb/usb_desc.h), the host matches
 * devices on them (host/link/transport_usb.c, candor watch's hotplug
 * filter), and the udev rule's VID/PID are read from this file at build
 * time (host/CMakeLists.txt). Endpoint numbers and packet sizes stay with
 * the firmware: the host reads them from the configuration descriptor.
 * Never: includes anything, or holds a per-device number (the serial is
 * the random device id, made at format time).
 * RAM: none.
 */
#ifndef CND_USB_ID_H
#define CND_USB_ID_H

/*
 * VID 0x1209 is pid.codes' open-hardware vendor ID. PID 0x000C is one of
 * pid.codes' TEST PIDs (pidcodes/pidcodes.github.com, 1209/000C/index.md:
 * "reserved for use in private testing ... MUST NOT be used on any device
 * that will be redistributed, sold, or manufactured"). It is NOT unique:
 * request a real PID from pid.codes before shipping devices, and change it
 * here only.
 */
#define CND_USB_VID 0x1209u
#define CND_USB_PID 0x000Cu

#define CND_USB_IF_CLASS 0xFFu /* vendor specific: our own framed protocol */
#define CND_USB_IF_SUBCLASS 0x00u
#define CND_USB_IF_PROTOCOL 0x00u

/* DeviceInterfaceGUIDs value: how Windows programs find Candor's WinUSB
 * interface. Fixed for every Candor device; generated once, never reused. */
#define CND_USB_INTERFACE_GUID "{562768EA-B894-4C69-9DE4-CCFE9B53401B}"

#endif
