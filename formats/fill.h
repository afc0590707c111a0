/*
 * fill.h: how full a device's response log is, and whether one more
 * response is sure to fit: the one rule the device (engine HOME screen,
 * store) and the host (`candor status`, from HELLO's bytes_used and
 * bytes_free) both apply, so they can never disagree.
 *
 * Owns: the warning thresholds, the guaranteed-room reserve and the level
 * names. Levels, for capacity = used + free (the log's bytes):
 *   OK      below CND_FILL_WARN_PERCENT;
 *   WARN    from CND_FILL_WARN_PERCENT (80 %): "sync soon";
 *   URGENT  from CND_FILL_URGENT_PERCENT (95 %): "sync soon";
 *   FULL    fewer than CND_FILL_RESERVE bytes free: a whole response of the
 *           largest encodable size could not be guaranteed room, so no new
 *           interview may start (whatever the percentage says).
 * Never: rounds a level down: percent is rounded down, FULL is decided on
 * bytes, not on the rounded percent.
 * RAM: none.
 */
#ifndef CND_FILL_H
#define CND_FILL_H

#include <stdint.h>

#include "record.h"

#define CND_FILL_WARN_PERCENT 80
#define CND_FILL_URGENT_PERCENT 95

/*
 * Log bytes that always hold one more response: the largest sealed
 * response entry plus the two copies of the EPOCH entry that may have to
 * precede it in a new segment (formats/SPEC.md sections 3 and 4.2), each padded to the largest
 * program unit a device may have (256 bytes, store.h CND_STORE_MAX_PROG; a
 * smaller power-of-two unit never pads more). The store counts the unusable
 * tail of a full segment as used (an entry never spans segments), so
 * "bytes free >= this" means the next append fits.
 */
#define CND_FILL_MAX_PROG 256u
#define CND_FILL_PAD(n) (((n) + CND_FILL_MAX_PROG - 1u) / CND_FILL_MAX_PROG * CND_FILL_MAX_PROG)
#define CND_FILL_RESERVE                                                                       \
    (CND_FILL_PAD(CND_ENTRY_HEADER_LEN + CND_ENTRY_BODY_MAX) +                                 \
     2u * CND_FILL_PAD(CND_ENTRY_HEADER_LEN + 88u /* sealed.h CND_EPOCH_BODY_LEN */))
/* The same for a device programmed in prog-byte units (a power of two <=
 * CND_FILL_MAX_PROG): what a store uses, since smaller units pad less. */
uint32_t cnd_fill_reserve(uint32_t prog);

typedef enum {
    CND_FILL_OK = 0,
    CND_FILL_WARN = 1,
    CND_FILL_URGENT = 2,
    CND_FILL_FULL = 3
} cnd_fill_level_t;

/* used * 100 / (used + free), rounded down; 0 for an empty capacity. */
uint8_t cnd_fill_percent(uint32_t used, uint32_t free_bytes);

/* The level for these counts (see above). No capacity at all is FULL. */
cnd_fill_level_t cnd_fill_level(uint32_t used, uint32_t free_bytes, uint32_t reserve);

/* "ok", "warn", "urgent", "full" (JSON, screen log); "unknown" otherwise. */
const char *cnd_fill_level_name(cnd_fill_level_t level);

#endif
