/*
 * version.h: the firmware's own version, reported in HELLO and on screen.
 *
 * Owns: CND_FIRMWARE_VERSION (semantic version, ASCII, at most
 * CND_MSG_FIRMWARE_MAX = 16 bytes). The protocol version is separate
 * (CND_PROTOCOL_VERSION in formats/proto.h): firmware can change without
 * changing what it says on the wire. RAM: none.
 */
#ifndef CND_VERSION_H
#define CND_VERSION_H

#define CND_FIRMWARE_VERSION "0.1.0"

#endif
