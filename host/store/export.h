/*
 * export.h: `candor export`, the analyst's files (formats/SPEC.md section 9,
 * formats/schema/export.schema.json and codebook.schema.json).
 *
 * Owns: turning the host store into one JSON array, NDJSON lines or a flat
 * file (flat.h) of responses plus a codebook that explains every item,
 * choice, coding and sentinel; the k-anonymity check before writing
 * (disclose.h) and the per-export record ids.
 *
 * Never: exports a device id, a sequence number, an exact day (only the
 * month, quarter or ISO week), the collection order (records are shuffled
 * with randomness from getrandom()) or anything that links two exports
 * (unless --stable-ids); writes a quasi-identifier combination shared by
 * fewer than k records unless told --no-disclosure-check; leaves a partial
 * output file (both files are written to temp names, fsynced, renamed).
 * RAM: host only; the opened responses (dataset.h, about 540 bytes each),
 * 33 bytes per record of plan (order, suppression marks, id), the
 * k-anonymity working copies (4 bytes per quasi-identifier value, three
 * copies) and a 1 MiB write buffer.
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
