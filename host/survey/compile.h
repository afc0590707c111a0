/*
 * compile.h: the survey compiler, JSON source -> binary survey pack.
 *
 * Owns: the source format (formats/schema/survey.schema.json), its checks,
 * the relevance expression language, and writing packs exactly as
 * formats/SPEC.md section 1 says. Every pack it produces passes
 * cnd_pack_open() (it checks this before returning).
 *
 * Never: produces a pack from a source with any defect (one error naming
 * the JSON path and the problem; warnings, e.g. a "none" choice not marked
 * exclusive, go to the caller's warn callback and do not stop it), accepts
 * items that would collect identifying data, or leaves a partial output
 * file behind (cnd_cmd_compile writes temp + fsync + rename + fsync dir).
 * RAM: host only; about 150 KB of heap during one compile.
 */
#ifndef CND_COMPILE_H
#define CND_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "hosterr.h"
#include "officekey.h"

/* How placeholder text ("[local hotline number]") in consent and referral
 * texts is treated (SPEC 1.8). */
typedef enum {
    CND_DRAFT_AUTO = 0, /* library default: placeholders make a draft pack */
    CND_DRAFT_REFUSE,   /* candor compile: placeholders are an error */
    CND_DRAFT_YES       /* candor compile --draft: always a draft pack */
} cnd_draft_mode_t;

typedef struct {
    cnd_draft_mode_t draft;
    /* One line per warning ("<JSON path>: <problem>"); NULL = dropped. */
    void (*warn)(void *ctx, const char *line);
    void *warn_ctx;
} cnd_compile_opts_t;

/* As cnd_compile_json with options (NULL = all defaults). */
cnd_status_t cnd_compile_json_opts(const char *json, size_t len, const cnd_office_key_t *key,
                                   const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                   size_t *out_len, cnd_err_t *err);
cnd_status_t cnd_compile_file_opts(const char *path, const cnd_office_key_t *key,
                                   const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                   size_t *out_len, cnd_err_t *err);

/*
 * Compiles the JSON source json[0..len) into out[0..cap), signed with key
 * (required: a device installs only signed packs, formats/SPEC.md 1.9); the
 * pack names key's office (its public block), so responses are sealed to
 * it and the next pack must be signed by it. On CND_OK, *out_len is the
 * pack size. On failure err->msg is one line "<JSON path>: <problem>" (or
 * "line L, column C: ..." for malformed JSON) and the status is
 * CND_E_INVALID (bad source, or no key), CND_E_RANGE (a limit exceeded) or
 * CND_E_NOSPACE (cap smaller than the pack).
 * cap >= CND_MAX_PACK_SIZE always suffices.
 */
cnd_status_t cnd_compile_json(const char *json, size_t len, const cnd_office_key_t *key,
                              uint8_t *out, size_t cap, size_t *out_len, cnd_err_t *err);

/*
 * The checks and the pack writer behind cnd_compile_json, on a source tree
 * already parsed (formats/schema/survey.schema.json). The XLSForm front end
 * (xlsform.h) builds such a tree and calls this, so both front ends share
 * every check. The tree may be modified (presets are expanded in place);
 * the caller still owns it. Errors and statuses as cnd_compile_json.
 */
struct cJSON;
cnd_status_t cnd_compile_tree(struct cJSON *root, const cnd_office_key_t *key,
                              const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                              size_t *out_len, cnd_err_t *err);

/* Reads path and compiles it (a JSON source, or an XLSForm workbook when the
 * file is a zip: xlsform.h, whose errors name the sheet and cell); read failures give CND_E_IO and a message
 * naming the file. Compile errors are as above (without the file name). */
cnd_status_t cnd_compile_file(const char *path, const cnd_office_key_t *key, uint8_t *out,
                              size_t cap, size_t *out_len, cnd_err_t *err);

/*
 * Writes data to path durably and atomically: a temp file in the same
 * directory, fsync, rename over path, fsync of the directory. On failure
 * the temp file is removed and path is untouched.
 */
cnd_status_t cnd_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                                   cnd_err_t *err);

/* The "ui" block's key of interface string u (cnd_ui_string_t) and the
 * compiler's built-in text of it in lang (en, es; NULL otherwise): what
 * `candor preview` shows where a survey has no "ui" block. */
const char *cnd_compile_ui_key(int u);
const char *cnd_compile_ui_default(const char *lang, int u);

#endif
