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
 * RAM: sizeof(cnd_batch_encoder_t) = 576 bytes on x86-64, 568 on 32-bit
 * (it caches one 528-byte response).
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

/* Fixed header: version u8, n u16, n_items u8, pack_fp u32. */
#define CND_BATCH_HEADER_LEN 8
/* Worst case of one cell (escape byte + 5-byte varint) and of a whole batch;
 * a reader refuses to inflate more than CND_BATCH_MAX_LEN bytes. */
#define CND_BATCH_CELL_MAX 6
#define CND_BATCH_MAX_LEN                                                                    \
    (CND_BATCH_HEADER_LEN +                                                                  \
     CND_BATCH_MAX_RESPONSES * (CND_RESPONSE_ID_LEN + 3 + 1 + CND_MAX_ITEMS * CND_BATCH_CELL_MAX))

/* ---- private to batch.c; here only so callers can allocate it ---- */
struct cnd_batch_encoder {
    cnd_batch_get_fn get;
    void *ctx;
    uint16_t n;
    uint16_t index;     /* response within the current column */
    int32_t cached;     /* index held in cur, -1 = none */
    uint32_t pack_fp;   /* of response 0; every other must match */
    uint16_t prev_day;  /* day column is delta-coded */
    uint8_t n_items;    /* of response 0; every other must match */
    uint8_t phase;      /* header, ids, days, langs, items, done */
    uint8_t item;       /* current item column */
    uint8_t unit_len;   /* bytes of the current unit (a cell, an id, ...) */
    uint8_t unit_pos;   /* how many of them are already handed out */
    uint8_t unit[CND_RESPONSE_ID_LEN];
    cnd_status_t error; /* sticky: once a pull failed, the stream is dead */
    cnd_response_t cur; /* the one response the encoder holds */
};

#endif
