/*
 * batch.h: a batch of sealed responses as it travels from device to host
 * and rests in the host store (formats/SPEC.md section 7).
 *
 * Owns: turning n sealed responses of ONE pack (sealed.h cnd_sealed_t) into
 * the compact row stream of section 7, and back. The answers are ciphertext
 * and nothing in them compresses, so the batch is not deflated: the
 * encoding itself removes the repetition around them. An epoch's 88 bytes
 * travel once, on the first row of that epoch; a sequence number or chain
 * index that is one more than the previous row's costs nothing; lengths
 * are varints. (Batch version 2 deflated full rows: about 78,000 device
 * instructions per response to remove what this layout never writes.)
 *
 * The encoder is pull-based and streaming: it asks the caller for response
 * i when it reaches it, so the device re-reads one record at a time from
 * flash instead of holding the batch in RAM. The same encoder serves the
 * host store, which pulls from an array.
 *
 * Never: allocates; trusts a decoded count or length before checking it;
 * accepts two encodings of the same batch (the decoder refuses every
 * non-canonical form, so a batch has exactly one byte string); opens a
 * sealed record (only the office's export does, seal.h).
 * RAM: sizeof(cnd_batch_encoder_t), 664 bytes on x86-64 (one cnd_sealed_t, the
 * previous row's epoch, and the head of one row).
 */
#ifndef CND_BATCH_H
#define CND_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "sealed.h"

#define CND_BATCH_VERSION 3

/* Fetch sealed response `index` (0-based within the batch) into *out. */
typedef cnd_status_t (*cnd_batch_get_fn)(void *ctx, uint16_t index, cnd_sealed_t *out);

typedef struct cnd_batch_encoder cnd_batch_encoder_t;

/* n in 1..CND_BATCH_MAX_RESPONSES; every response must have the same
 * pack_fp (checked as they are pulled: CND_E_INVALID). */
cnd_status_t cnd_batch_encoder_init(cnd_batch_encoder_t *enc, uint16_t n, cnd_batch_get_fn get,
                                    void *ctx);

/* Writes the next bytes of the stream into out (up to cap), *produced = how
 * many; *produced == 0 with CND_OK means the stream is complete, so cap
 * must be at least 1 (a zero cap would look like the end). */
cnd_status_t cnd_batch_encoder_read(cnd_batch_encoder_t *enc, uint8_t *out, size_t cap,
                                    size_t *produced);

/*
 * Measuring without pulling: the device learns a batch's length and CRC-32
 * (for BATCH_INFO) in the same walk that finds which responses form it, so
 * each record is read from flash once to measure and once to send.
 * measure_add() takes responses in row order (the same checks as the
 * encoder); measure_end() gives the length and CRC-32 of the batch the
 * encoder will then produce for those n = (number added) responses.
 */
void cnd_batch_measure_init(cnd_batch_encoder_t *enc);
cnd_status_t cnd_batch_measure_add(cnd_batch_encoder_t *enc, const cnd_sealed_t *s);
cnd_status_t cnd_batch_measure_end(cnd_batch_encoder_t *enc, uint32_t *len, uint32_t *crc);

/* Decodes a whole batch into out[0..cap); *n = responses.
 * Rejects anything malformed with a status (never a partial result). */
cnd_status_t cnd_batch_decode(const uint8_t *buf, size_t len, cnd_sealed_t *out, uint16_t cap,
                              uint16_t *n);

/* Header: version u8, n u16, pack_fp u32. */
#define CND_BATCH_HEADER_LEN 7
/* Row flags (SPEC 7). */
#define CND_BATCH_ROW_EPOCH 0x01u /* the row's epoch (88 bytes) follows */
#define CND_BATCH_ROW_SEQ 0x02u   /* a sequence gap follows */
#define CND_BATCH_ROW_CTR 0x04u   /* an explicit chain index follows */
/* Longest row head: flags, epoch, seq varint (5), chain index varint (3:
 * below CND_SEAL_MAX_CTR = 2^16), id, ciphertext length varint (2). */
#define CND_BATCH_ROW_HEAD_MAX (1 + CND_EPOCH_BODY_LEN + 5 + 3 + CND_RESPONSE_ID_LEN + 2)
#define CND_BATCH_MAX_LEN                                                                    \
    (CND_BATCH_HEADER_LEN +                                                                  \
     (uint32_t)CND_BATCH_MAX_RESPONSES * (CND_BATCH_ROW_HEAD_MAX + CND_SEALED_CT_MAX))

/* ---- private to batch.c; here only so callers can allocate it ---- */
struct cnd_batch_encoder {
    cnd_batch_get_fn get;
    void *ctx;
    uint16_t n;
    uint16_t index;     /* next response to pull */
    uint32_t pack_fp;   /* of response 0; every other must match */
    uint32_t prev_seq, prev_ctr; /* of the previous row: what a row may omit */
    uint32_t rows_len, rows_crc; /* measuring: bytes and CRC-32 of the rows so far */
    uint16_t unit_len;  /* bytes of the current unit (header, row head, ciphertext) */
    uint16_t unit_pos;  /* how many of them are already handed out */
    const uint8_t *unit;
    uint8_t phase;      /* header, row fixed part, row ciphertext, done */
    cnd_status_t error; /* sticky: once a pull failed, the stream is dead */
    uint8_t hdr[CND_BATCH_HEADER_LEN];
    uint8_t head[CND_BATCH_ROW_HEAD_MAX];
    cnd_epoch_t prev_epoch;
    cnd_sealed_t cur;   /* the one response the encoder holds */
};

#endif
