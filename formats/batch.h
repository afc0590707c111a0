/*
 * batch.h: the columnar layout of a batch of responses (before deflate).
 *
 * Owns: turning n responses of ONE pack into the column-major byte stream of
 * formats/SPEC.md section "Response batch", and back. Answers to the same
 * item sit together so deflate sees runs of similar bytes; on skewed answers
 * this roughly halves the compressed size versus row layout (DESIGN.md).
 *
 * The encoder is pull-based and streaming: it asks the caller for response i
 * whenever it needs a value, so a device can re-read records from flash one
 * column at a time instead of holding the batch in RAM. The same encoder
 * serves the host store, which pulls from an array. deflate/inflate wrap it
 * on each side (firmware/core/sync.c, host/).
 *
 * Never: allocates; trusts a decoded count or value before checking it.
 * RAM: sizeof(cnd_batch_encoder_t) (< 600 bytes, it caches one response).
 */
#ifndef CND_BATCH_H
#define CND_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "response.h"

#define CND_BATCH_VERSION 1

/* Fetch response `index` (0-based within the batch) into *out. */
typedef cnd_status_t (*cnd_batch_get_fn)(void *ctx, uint16_t index, cnd_response_t *out);

typedef struct cnd_batch_encoder cnd_batch_encoder_t;

/* n in 1..CND_BATCH_MAX_RESPONSES; every response must have the same
 * pack_fp and n_answers (checked as they are pulled: CND_E_INVALID). */
cnd_status_t cnd_batch_encoder_init(cnd_batch_encoder_t *enc, uint16_t n, cnd_batch_get_fn get,
                                    void *ctx);
/* Writes the next bytes of the stream into out (up to cap), *produced = how
 * many; *produced == 0 with CND_OK means the stream is complete. */
cnd_status_t cnd_batch_encoder_read(cnd_batch_encoder_t *enc, uint8_t *out, size_t cap,
                                    size_t *produced);

/* Decodes a whole uncompressed batch into out[0..cap); *n = responses.
 * Rejects anything malformed with a status (never a partial result). */
cnd_status_t cnd_batch_decode(const uint8_t *buf, size_t len, cnd_response_t *out, uint16_t cap,
                              uint16_t *n);

/* ---- private to batch.c; here only so callers can allocate it ---- */
struct cnd_batch_encoder {
    cnd_batch_get_fn get;
    void *ctx;
    uint16_t n;
    int placeholder_defined_by_batch_c; /* batch.c's author replaces this */
};

#endif
