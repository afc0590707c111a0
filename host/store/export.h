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

#include "dataset.h"

/* `candor export DIR -o responses.json [--format json|ndjson]
 *  [--codebook PATH] [--period ...] ...` (see usage()); returns a CND_EXIT_* code. */
int cnd_cmd_export(int argc, char **argv);

/* The string that stands for "Prefer not to answer" in exported answers. */
#define CND_EXPORT_PNA "prefer_not_to_answer"
/* A quasi-identifier value replaced for k-anonymity (SPEC 9.4): the answer,
 * language or period text in JSON. Host only: the answer state and
 * language index that stand for it in a response copy being printed. */
#define CND_EXPORT_SUPPRESSED "suppressed"
#define CND_ANS_SUPPRESSED 3
#define CND_EXPORT_LANG_SUPPRESSED 0xFF

#endif
