/*
 * hal.h: the only seam between the portable core and a board.
 *
 * Owns: the contract a port must fulfil. Everything here is a function
 * pointer plus a context so that tests can run many devices (and inject
 * faults) inside one process, as littlefs does with its block device config.
 *
 * Not here on purpose: display and keys. The engine produces a screen as
 * data (engine.h) and consumes key events; the port draws and scans. The
 * link is also not a HAL call: the port hands received bytes to sync.h and
 * writes out the reply bytes it gets back.
 *
 * Never: anything survey-specific. RAM: none (the port owns its contexts).
 */
#ifndef CND_HAL_H
#define CND_HAL_H

#include <stdint.h>

#include "cnd_status.h"

/*
 * A NOR flash block device.
 * - read: any address/length inside the device.
 * - prog: only clears bits (1 -> 0). addr and len are multiples of
 *   prog_size and the range lies inside one erase block. Programming a
 *   byte that is not erased ANDs into it, like real NOR.
 * - erase: sets one whole block to 0xFF.
 * Each returns CND_OK or CND_E_IO. A power cut may happen during any prog or
 * erase; the core must survive it (see the store's header).
 */
typedef struct cnd_flash {
    uint32_t block_size;  /* erase unit, bytes (e.g. 4096) */
    uint32_t block_count;
    uint32_t prog_size;   /* program unit, bytes (1..256) */
    void *ctx;
    cnd_status_t (*read)(void *ctx, uint32_t addr, void *buf, uint32_t len);
    cnd_status_t (*prog)(void *ctx, uint32_t addr, const void *buf, uint32_t len);
    cnd_status_t (*erase)(void *ctx, uint32_t block);
} cnd_flash_t;

typedef struct cnd_hal {
    cnd_flash_t flash;
    void *ctx; /* for the callbacks below */
    /* Fills buf with n bytes from a cryptographically secure source.
     * Returns CND_OK or CND_E_IO (the core then refuses to save). */
    cnd_status_t (*random)(void *ctx, uint8_t *buf, uint32_t n);
    /* Today as days since 2020-01-01 UTC. Day resolution is all the core
     * ever asks for, so finer time cannot leak into records. */
    uint16_t (*today)(void *ctx);
    /* Optional (NULL = none). Milliseconds since boot, monotonic, wrapping
     * at 2^32. The engine times deliberate key sequences (quick-exit
     * return, admin entry) and the admin PIN backoff with it; never stored.
     * Without it sequences are checked for order only, and a PIN backoff,
     * once due, never ends: a port with an admin PIN must provide it. */
    uint32_t (*uptime_ms)(void *ctx);
    /* Optional (NULL = none). Local time of day, seconds 0..86399, for the
     * clock face of the neutral screen only; never stored. Without it the
     * clock runs from 00:00 at boot (uptime_ms). */
    uint32_t (*clock_s)(void *ctx);
    /* Optional (NULL = the port cannot set its date). Sets what today()
     * returns from now on, from the admin settings (days since 2020-01-01). */
    cnd_status_t (*set_today)(void *ctx, uint16_t day);
} cnd_hal_t;

#endif
