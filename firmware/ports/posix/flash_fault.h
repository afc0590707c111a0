/*
 * flash_fault.h: a fault-injecting layer over any NOR flash (hal.h
 * cnd_flash_t), shared by the tests (over a RAM chip, tests/support/
 * ram_flash.h) and the simulator (over its file chip, `candor-sim
 * --flash-fault SPEC`), so both see exactly the same faults.
 *
 * Owns: counting operations (progs, erases, reads, and erase cycles per
 * block) and injecting faults at chosen operation indices:
 * - power cut at write op N (a write op is a prog or an erase; indices
 *   count from 0 since the last counter reset). The cut op is torn:
 *     PREFIX: a prog leaves a prefix of its bytes (random length in
 *             [0, len)); an erase leaves a random prefix or suffix of the
 *             block erased (0xFF) and the rest old;
 *     BITS:   a prog clears a random subset of the bits it would have
 *             cleared; an erase sets a random subset of the old 0 bits;
 *     FIXED:  the first `torn_bytes` bytes take effect (prog or erase).
 *   The randomness is seeded by (seed, op index): reproducible. After the
 *   cut every op, reads included, fails with CND_E_IO (the device is off)
 *   until cnd_flash_fault_power_on() ("reboot"). An optional callback
 *   runs right after the torn op (the simulator exits there, as a CPU
 *   without power stops).
 * - CND_E_IO on the Nth prog, the Nth erase, the Nth read, or the Nth
 *   write op of either kind; nothing is written.
 * - a prog that silently leaves one bit set (a worn cell), so read-back
 *   verification can be tested.
 * Torn ops are built from the inner device's own prog and erase (a torn
 * erase is erase + reprogramming the old bytes that "survived"), so any
 * inner chip works and keeps its NOR rules.
 *
 * Never: changes the inner device except through its own ops; counts its
 * own internal ops (one call from the code under test is one op).
 * RAM: sizeof(cnd_flash_fault_t) (about 200 bytes) plus a heap block of
 * block_size bytes (torn-op scratch) and 4 bytes per block (erase cycles).
 * Posix port only: tests and simulator.
 */
#ifndef CND_FLASH_FAULT_H
#define CND_FLASH_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

typedef enum {
    CND_FAULT_CUT = 1,     /* power cut: torn write op `at`, then everything fails */
    CND_FAULT_IO,          /* write op `at` (prog or erase) returns CND_E_IO */
    CND_FAULT_PROG_ERROR,  /* prog number `at` returns CND_E_IO */
    CND_FAULT_ERASE_ERROR, /* erase number `at` returns CND_E_IO */
    CND_FAULT_READ_ERROR,  /* read number `at` returns CND_E_IO */
    CND_FAULT_BAD_BITS     /* write op `at`, if a prog, leaves one bit set and returns OK */
} cnd_fault_kind_t;

typedef enum {
    CND_TORN_PREFIX = 0, /* a prefix of the prog's bytes; a prefix or suffix of the erase */
    CND_TORN_BITS,       /* a random subset of the bits */
    CND_TORN_FIXED       /* exactly torn_bytes bytes from the start */
} cnd_torn_mode_t;

#define CND_FLASH_FAULT_MAX 8

typedef struct {
    uint8_t kind;  /* cnd_fault_kind_t */
    uint8_t torn;  /* cnd_torn_mode_t, for CND_FAULT_CUT */
    uint8_t fired;
    uint32_t at;   /* index in the counter the kind refers to */
    uint32_t torn_bytes;
} cnd_flash_fault_entry_t;

typedef struct cnd_flash_fault cnd_flash_fault_t;
typedef void (*cnd_flash_cut_fn)(void *ctx, const cnd_flash_fault_t *ff);

struct cnd_flash_fault {
    cnd_flash_t flash; /* hand this to the code under test; ctx points here */
    cnd_flash_t inner;
    uint32_t seed;
    /* Counters since init or the last reset (attempted ops, failed ones too). */
    uint32_t writes; /* progs + erases: the index space of cuts */
    uint32_t progs, erases, reads;
    uint64_t prog_bytes;       /* bytes that took effect */
    uint32_t *block_erases;    /* erase cycles per block (torn erases count) */
    int powered_off;           /* 1 after a cut, until power_on */
    int fired;                 /* any armed fault has happened since power_on */
    uint32_t cut_op;           /* write index of the last cut */
    cnd_flash_fault_entry_t faults[CND_FLASH_FAULT_MAX];
    unsigned n_faults;
    cnd_flash_cut_fn on_cut;
    void *on_cut_ctx;
    uint8_t *scratch; /* block_size bytes */
};

/* Wraps inner (copied). CND_E_NOSPACE if out of memory, CND_E_INVALID for
 * a geometry hal.h forbids. */
cnd_status_t cnd_flash_fault_init(cnd_flash_fault_t *ff, const cnd_flash_t *inner, uint32_t seed);
void cnd_flash_fault_free(cnd_flash_fault_t *ff);

/* Arms one fault; `at` is an absolute index of the counter its kind uses
 * (write ops for CUT/IO/BAD_BITS). CND_E_NOSPACE when the table is full. */
cnd_status_t cnd_flash_fault_add(cnd_flash_fault_t *ff, cnd_fault_kind_t kind, uint32_t at,
                                 cnd_torn_mode_t torn, uint32_t torn_bytes);
/* Disarms every fault (counters and power state unchanged). */
void cnd_flash_fault_clear(cnd_flash_fault_t *ff);
/* "Reboot": power is back and every armed fault is disarmed; the contents
 * and the counters stay, so op indices keep counting across reboots. */
void cnd_flash_fault_power_on(cnd_flash_fault_t *ff);
void cnd_flash_fault_reset_counters(cnd_flash_fault_t *ff);

/* Min and max erase cycles over blocks [first, first + n). */
void cnd_flash_fault_wear(const cnd_flash_fault_t *ff, uint32_t first, uint32_t n, uint32_t *min,
                          uint32_t *max);

/*
 * Arms faults from a text spec (the simulator's --flash-fault), comma
 * separated:
 *   cut@N[:prefix|:bits|:bytes=K]   power cut at write op N (default prefix)
 *   io-error@N                      write op N fails
 *   prog-error@N  erase-error@N  read-error@N
 *   bad-bits@N                      write op N, if a prog, leaves a bit set
 *   seed=S                          seed of the torn-op randomness
 * On a bad spec returns CND_E_INVALID and writes a one-line reason to err.
 */
cnd_status_t cnd_flash_fault_parse(cnd_flash_fault_t *ff, const char *spec, char *err,
                                   size_t cap);

#endif
