/* fill.c: log fill level and guaranteed room (see fill.h). */
#include "fill.h"

uint8_t cnd_fill_percent(uint32_t used, uint32_t free_bytes)
{
    /* 64-bit: used * 100 overflows 32 bits above 42 MB of log. */
    uint64_t cap = (uint64_t)used + free_bytes;
    if (cap == 0)
        return 0;
    return (uint8_t)((uint64_t)used * 100u / cap);
}

static uint32_t pad_to(uint32_t n, uint32_t prog)
{
    return (n + prog - 1u) / prog * prog;
}

uint32_t cnd_fill_reserve(uint32_t prog)
{
    if (prog == 0 || prog > CND_FILL_MAX_PROG)
        return CND_FILL_RESERVE;
    return pad_to(CND_ENTRY_HEADER_LEN + CND_ENTRY_BODY_MAX, prog) +
           2u * pad_to(CND_ENTRY_HEADER_LEN + 88u, prog); /* EPOCH is written twice */
}

cnd_fill_level_t cnd_fill_level(uint32_t used, uint32_t free_bytes, uint32_t reserve)
{
    uint8_t pct = cnd_fill_percent(used, free_bytes);
    if (free_bytes < reserve)
        return CND_FILL_FULL;
    if (pct >= CND_FILL_URGENT_PERCENT)
        return CND_FILL_URGENT;
    if (pct >= CND_FILL_WARN_PERCENT)
        return CND_FILL_WARN;
    return CND_FILL_OK;
}

const char *cnd_fill_level_name(cnd_fill_level_t level)
{
    switch (level) {
    case CND_FILL_OK:
        return "ok";
    case CND_FILL_WARN:
        return "warn";
    case CND_FILL_URGENT:
        return "urgent";
    case CND_FILL_FULL:
        return "full";
    default:
        return "unknown";
    }
}
