/*
 * export.h: `candor export`, the analyst's JSON (formats/SPEC.md section 9,
 * formats/schema/export.schema.json and codebook.schema.json).
 *
 * Owns: turning the host store into one JSON array (or NDJSON lines) of
 * responses plus a codebook that explains every item, choice and sentinel.
 *
 * Never: exports a device id, a sequence number, an exact day (only the ISO
 * week or the month) or the collection order (records are shuffled with
 * randomness from getrandom()); leaves a partial output file (both files are
 * written to temp names, fsynced, then renamed).
 * RAM: host only; every printed record (about 750 bytes for the default
 * survey) is held in one buffer until the shuffled output is written, plus
 * 16 bytes per record (its offset and its place in the order), 1 MiB of
 * period texts (one per possible day) and a 1 MiB write buffer.
 */
#ifndef CND_EXPORT_H
#define CND_EXPORT_H

#include <stddef.h>
#include <stdint.h>

/* `candor export DIR -o responses.json [--format json|ndjson]
 *  [--codebook PATH] [--period week|month]`; returns a CND_EXIT_* code. */
int cnd_cmd_export(int argc, char **argv);

typedef enum { CND_PERIOD_WEEK = 0, CND_PERIOD_MONTH = 1 } cnd_period_t;

/* day (days since 2020-01-01 UTC) as "YYYY-Www" (ISO 8601 week, the ISO
 * year may differ from the calendar year near 1 January) or "YYYY-MM".
 * out needs at least 9 bytes. */
void cnd_export_period(uint16_t day, cnd_period_t period, char *out, size_t cap);

/* The string that stands for "Prefer not to answer" in exported answers. */
#define CND_EXPORT_PNA "prefer_not_to_answer"

#endif
