/*
 * xlsform.h: XLSForm workbooks (.xlsx), the survey format of ODK,
 * KoboToolbox, SurveyCTO and Ona, in and out of Candor.
 *
 * Owns: reading a workbook into the JSON source tree that compile.c checks
 * (xlsform_read.c: libzip for the container, Expat for the sheets), the
 * side table from JSON paths to the cells each value came from, and
 * rewriting a compiler error's JSON path into the cell a spreadsheet user
 * sees ("survey!C14 (label::Amharic (am)): ..."); writing a JSON source out
 * as a workbook (xlsform_write.c, libxlsxwriter).
 * Never: checks a survey itself. Every check (identifying data, relevance,
 * limits) stays in compile.c and identifying.c; this front end only refuses
 * what has no JSON counterpart (XLSForm types, metadata, XPath functions,
 * groups and merged cells) and what is hostile (see the bounds below).
 * RAM: host only; a workbook is held as its cells (at most XLSX_MAX_CELLS
 * strings of at most XLSX_MAX_CELL_BYTES) plus the source tree.
 *
 * Bounds on hostile workbooks (each refused with one line):
 *  - the workbook file: at most 1 MiB (compile.c SOURCE_MAX_BYTES);
 *  - at most XLSX_MAX_ENTRIES zip entries; each part read is inflated in
 *    64 KiB steps and refused past XLSX_MAX_PART_BYTES, whatever the zip
 *    header claims (zip bombs); at most XLSX_MAX_TOTAL_BYTES inflated in all;
 *  - any DTD (<!DOCTYPE>) is refused before Expat expands an entity (billion
 *    laughs, external entities): workbook XML never has one;
 *  - a sheet may use rows 1..XLSX_MAX_ROWS and columns A..XLSX_MAX_COLS;
 *    parsing stops at the first value beyond them (a million-row sheet);
 *  - at most XLSX_MAX_CELLS non-empty cells and XLSX_MAX_STRINGS shared
 *    strings, each value at most XLSX_MAX_CELL_BYTES.
 */
#ifndef CND_XLSFORM_H
#define CND_XLSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "compile.h"
#include "hosterr.h"
#include "officekey.h"

#define XLSX_MAX_ENTRIES 1000
#define XLSX_MAX_PART_BYTES (8u * 1024 * 1024)
#define XLSX_MAX_TOTAL_BYTES (24u * 1024 * 1024)
#define XLSX_MAX_ROWS 4096
#define XLSX_MAX_COLS 256
#define XLSX_MAX_CELLS 65536
#define XLSX_MAX_STRINGS 65536
#define XLSX_MAX_CELL_BYTES 16384

struct cJSON;
typedef struct cnd_xlsform_map cnd_xlsform_map_t;

/* A zip file ("PK\3\4"): what compile.c hands to this front end. */
int cnd_xlsform_is_workbook(const uint8_t *data, size_t len);

/*
 * Reads the workbook data[0..len) into a new source tree (*root) and its
 * path-to-cell table (*map); both are the caller's (cJSON_Delete,
 * cnd_xlsform_map_free). On failure nothing is returned and err is one line
 * naming the sheet and cell (or the part of the zip) and the problem.
 */
cnd_status_t cnd_xlsform_read(const uint8_t *data, size_t len, struct cJSON **root,
                              cnd_xlsform_map_t **map, cnd_err_t *err);
void cnd_xlsform_map_free(cnd_xlsform_map_t *map);

/* Rewrites a compiler message "<JSON path>: <problem>" in place into
 * "<sheet>!<cell> (<header>): <problem>" using map. */
void cnd_xlsform_locate(const cnd_xlsform_map_t *map, cnd_err_t *err);

/* cnd_compile_json's contract for a workbook: read, compile the tree,
 * locate any error. opts as cnd_compile_json_opts (NULL = defaults). */
cnd_status_t cnd_xlsform_compile(const uint8_t *data, size_t len, const cnd_office_key_t *key,
                                 const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                 size_t *out_len, cnd_err_t *err);

/*
 * Writes the JSON source json[0..len) as an XLSForm workbook at path
 * (atomically: temp file, fsync, rename). Every field of the source goes
 * into the workbook, so compiling the workbook gives the same pack bytes
 * as compiling the JSON. Errors: one line in err.
 */
cnd_status_t cnd_xlsform_write(const char *json, size_t len, const char *path, cnd_err_t *err);

/* XLSForm relevant (XPath subset) <-> Candor relevance. The reader turns
 * ${x} into x and selected(${x}, 'a') into x = 'a' (pos[i] = the input
 * byte that output byte i came from); the writer turns every item name x
 * into ${x}, so writing then reading gives back the same text. 0 and one
 * line in err ("column C: ...") when the XPath uses what Candor lacks. */
int cnd_xlsform_relevant_in(const char *xpath, char *out, size_t cap, uint16_t *pos,
                            cnd_err_t *err);
int cnd_xlsform_relevant_out(const char *candor, char *out, size_t cap);

#endif
