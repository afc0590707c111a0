/*
 * pscreen_check.h: the QEMU board draws a screen of pre-rendered text on
 * the real ARM code, for tests/qemu to compare with the simulator's bytes.
 *
 * Owns: reading a test screen ("pscreen.in" in QEMU's working directory,
 * over semihosting; written by tests/script/draw_bench --dump), drawing it
 * with firmware/drivers/pscreen.c one pixel line at a time as the
 * handheld feeds its panel, and writing the 320 lines (RGB565,
 * little-endian) to "pscreen.out". No file, nothing done.
 *
 * Never: touches the device's flash file or its survey. RAM: a 480-byte
 * line buffer; the screen's bytes in the caller's scratch (the active-pack
 * buffer, unused before the pack loads).
 */
#ifndef CND_PSCREEN_CHECK_H
#define CND_PSCREEN_CHECK_H

#include <stdint.h>

/* 0: no test screen; 1: drawn and written; -1: a test screen that does not
 * open (its bytes are refused) or cannot be written. */
int cnd_pscreen_check(uint8_t *scratch, uint32_t cap);

#endif
