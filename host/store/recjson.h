/*
 * recjson.h: one exported record (formats/SPEC.md section 9.1) as JSON
 * text, written straight into a byte buffer.
 *
 * Owns: the record's bytes. They are exactly what cJSON_PrintUnformatted
 * gives for the same object (same member order, cJSON's string escapes,
 * integers as %d), so the analyst's files did not change when export
 * stopped building a cJSON tree per response. Everything that depends only
 * on the pack (escaped survey id, language codes, "name": keys, quoted
 * choice names) is escaped once per pack, so a record is mostly memcpy.
 *
 * Never: writes a day, a device id or anything not named in section 9.1
 * (export.c decides the period text and the pseudonym and passes them in).
 * RAM: host only; per pack about 40 bytes per item plus its quoted choice
 * names (a few KiB); the buffer grows with what is written to it.
 */
#ifndef CND_RECJSON_H
#define CND_RECJSON_H

#include <stddef.h>

#include "pack.h"
#include "response.h"

/* A growable byte buffer. len bytes are used; p may be NULL when empty. */
typedef struct {
    char *p;
    size_t len, cap;
} cnd_buf_t;

/* Appends n bytes; -1 when out of memory (b is then unchanged). */
int cnd_buf_put(cnd_buf_t *b, const void *s, size_t n);
void cnd_buf_free(cnd_buf_t *b);

/* Appends s[0..n) as a JSON string with cJSON's escapes, quotes included.
 * Stops at a NUL byte as a C string would. -1 when out of memory. */
int cnd_buf_put_json_str(cnd_buf_t *b, const char *s, size_t n);

/* The per-pack fragments. */
typedef struct cnd_recjson cnd_recjson_t;

/* NULL when out of memory. pk must outlive the result. */
cnd_recjson_t *cnd_recjson_new(const cnd_pack_t *pk);
void cnd_recjson_free(cnd_recjson_t *rj);
const cnd_pack_t *cnd_recjson_pack(const cnd_recjson_t *rj);

/*
 * Appends r (a response of rj's pack, already checked against it) as one
 * JSON object, no newline. period is the coarsened day ("2024-W19"),
 * device the pseudonym or NULL for none. -1 when out of memory.
 */
int cnd_recjson_write(const cnd_recjson_t *rj, const cnd_response_t *r, const char *period,
                      const char *device, cnd_buf_t *out);

#endif
