/*
 * ram_flash.h: a NOR flash in RAM for tests, with counters and fault hooks.
 *
 * Owns: NOR semantics exactly as hal.h states them (prog only clears bits
 * and must be prog_size-aligned inside one block; erase sets a block to
 * 0xFF). Counting and faults live in one shared layer: the chip is wrapped
 * in the shared fault layer (firmware/ports/posix/flash_fault.h, the same
 * one `candor-sim --flash-fault` uses), reachable as rf->ff for the full
 * set (power cuts torn as a prefix or a random bit subset, prog/erase/read
 * errors at chosen indices, per-block erase cycles). The fields below
 * mirror its counters after every op, and cnd_ram_flash_arm() keeps the
 * simple one-fault interface older tests use:
 * - power cut at operation N (N counts progs and erases from the moment the
 *   hook is armed): that operation is torn (a prefix of `torn_bytes` bytes
 *   is programmed or erased, the rest untouched) and every later operation,
 *   reads included, fails with CND_E_IO until cnd_ram_flash_power_on();
 * - a single failing operation (CND_E_IO, nothing written);
 * - a program that writes wrong bits (one bit of the first byte stays set),
 *   as a worn cell does, so read-back verification can be tested.
 * The exhaustive power-cut tests loop N over every operation of a scenario.
 *
 * Never: used by firmware; allocates only in init (tests may).
 * RAM: block_size * block_count bytes plus the fault layer's (one block of
 * scratch and 4 bytes per block of erase counters).
 */
#ifndef CND_RAM_FLASH_H
#define CND_RAM_FLASH_H

#include <stdint.h>

#include "flash_fault.h"
#include "hal.h"

typedef enum {
    CND_RAM_FAULT_NONE = 0,
    CND_RAM_FAULT_POWER_CUT, /* torn op, then everything fails until power_on */
    CND_RAM_FAULT_IO_ERROR,  /* the op returns CND_E_IO and changes nothing */
    CND_RAM_FAULT_BAD_BITS   /* a prog that silently leaves one bit set */
} cnd_ram_fault_t;

typedef struct {
    cnd_flash_t flash; /* hand this to the code under test; ctx points here */
    uint8_t *mem;
    uint32_t *block_erases; /* per block (the fault layer's array) */
    /* Mirrors of the fault layer's counters (attempted ops). */
    uint32_t prog_count;
    uint32_t erase_count;
    uint32_t read_count;
    uint32_t prog_bytes;
    /* cnd_ram_flash_arm()'s fault, as armed. */
    cnd_ram_fault_t fault;
    uint32_t ops_until_fault;
    uint32_t torn_bytes; /* POWER_CUT: bytes of the torn op that take effect */
    int powered_off;     /* 1 after a cut: every op fails */
    int fault_fired;     /* 1 once an armed fault has happened */
    /* The plain chip and the fault layer over it. */
    cnd_flash_t raw;
    cnd_flash_fault_t ff;
} cnd_ram_flash_t;

/* Allocates an all-0xFF device. Returns CND_E_INVALID on a geometry hal.h
 * forbids (prog_size 0 or not dividing block_size), CND_E_NOSPACE if out of
 * memory. The torn-op randomness of the fault layer is seeded with 1
 * (rf->ff.seed may be changed at any time). */
cnd_status_t cnd_ram_flash_init(cnd_ram_flash_t *rf, uint32_t block_size, uint32_t block_count,
                                uint32_t prog_size);

/* Blocks of 4 KiB for a chip that takes the default survey
 * (surveys/domestic-work.json, about 55 KB since pack v4): 1 MiB, as
 * candor-sim has, gets 64 KiB pack slots (a slot is 1/16 of the chip,
 * SPEC 4.1); a smaller chip refuses that pack with CND_E_NOSPACE. */
#define CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS 256u
void cnd_ram_flash_free(cnd_ram_flash_t *rf);

/* Arms a fault on the (after+1)-th prog or erase from now on (replacing
 * any armed one). */
void cnd_ram_flash_arm(cnd_ram_flash_t *rf, cnd_ram_fault_t fault, uint32_t after,
                       uint32_t torn_bytes);
/* "Reboot": power is back, every fault is disarmed, the contents stay. */
void cnd_ram_flash_power_on(cnd_ram_flash_t *rf);
/* Resets the counters (not the contents). */
void cnd_ram_flash_reset_counters(cnd_ram_flash_t *rf);

#endif
