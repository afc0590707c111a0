/*
 * selftest.h: the QEMU board's power-on self-test, on the real ARM code.
 *
 * Owns: checks that the unchanged formats/ codecs, Debian's zlib built for
 * the MCU, the flash driver's NOR semantics and SysTick behave on the
 * target: CRC-32 known answer; NOR program/erase/range refusals on a
 * scratch flash file; log entry header and frame round trips (the
 * record body needs a pack, not loaded yet: tests/qemu covers it); a batch
 * of sealed rows streamed in pieces, decoded, and checked to carry its
 * epoch once; SysTick advancing.
 *
 * Never: touches the device's own flash file. RAM: borrows the caller's
 * scratch (the active-pack buffer, unused before the pack loads) for the
 * batch bytes; a few hundred bytes of stack.
 */
#ifndef CND_SELFTEST_H
#define CND_SELFTEST_H

#include <stdint.h>

/* Returns NULL when every check passed, else the name of the first failed
 * check. *checks counts the checks run. */
const char *cnd_selftest_run(uint8_t *scratch, uint32_t cap, uint32_t *checks);

#endif
