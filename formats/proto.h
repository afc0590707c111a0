/*
 * proto.h: the messages of the sync protocol and their payload codecs
 * (formats/SPEC.md section "Messages").
 *
 * Owns: CND_PROTOCOL_VERSION, the message type codes, and encode/decode of
 * every payload. The protocol is lock-step: each request frame from the host
 * gets exactly one reply frame from the device, either the reply named in
 * the table below or ERROR.
 *
 *   request                      reply
 *   HELLO                        HELLO_REPLY
 *   GET_PACK(fp, offset)         PACK_CHUNK(fp, offset, total, bytes)
 *   PUSH_BEGIN(len, fp)          OK
 *   PUSH_DATA(offset, bytes)     OK
 *   PUSH_COMMIT                  OK
 *   PULL_BEGIN                   BATCH_INFO(fp, first, last, count, ulen, ucrc)
 *   PULL_DATA                    BATCH_DATA(offset, last flag, bytes)
 *   ACK(upto)                    OK
 *   DAMAGE_NEXT(cursor, piece)   DAMAGE(next, segment, offset, len, piece, id, bytes)
 *   DAMAGE_ACK(segment, offset)  OK
 *
 * Never: allocates, or accepts a payload whose length is not exactly what
 * its fields say (a decoder returns CND_E_TRUNCATED / CND_E_INVALID /
 * CND_E_RANGE and leaves no half-filled result the caller could trust).
 *
 * RAM: none of its own; sizeof(cnd_msg_hello_t) is about 230 bytes.
 */
#ifndef CND_PROTO_H
#define CND_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"

/* Bump on any change to frames or messages; peers refuse other versions. */
/* 2: batches are sealed rows, not deflated (SPEC 7); 3: HELLO counts
 * damaged flash regions, DAMAGE_NEXT / DAMAGE_ACK hand them to the office. */
#define CND_PROTOCOL_VERSION 3

typedef enum {
    CND_MSG_HELLO = 0x01,
    CND_MSG_GET_PACK = 0x02,
    CND_MSG_PUSH_BEGIN = 0x03,
    CND_MSG_PUSH_DATA = 0x04,
    CND_MSG_PUSH_COMMIT = 0x05,
    CND_MSG_PULL_BEGIN = 0x06,
    CND_MSG_PULL_DATA = 0x07,
    CND_MSG_ACK = 0x08,
    CND_MSG_DAMAGE_NEXT = 0x09,
    CND_MSG_DAMAGE_ACK = 0x0A,
    CND_MSG_OK = 0x80,
    CND_MSG_HELLO_REPLY = 0x81,
    CND_MSG_PACK_CHUNK = 0x82,
    CND_MSG_BATCH_INFO = 0x86,
    CND_MSG_BATCH_DATA = 0x87,
    CND_MSG_DAMAGE = 0x89,
    CND_MSG_ERROR = 0xFF
} cnd_msg_type_t;

#define CND_MSG_FIRMWARE_MAX 16   /* firmware version string, ASCII */
#define CND_MSG_ERROR_TEXT_MAX 80 /* ERROR text, printable ASCII */

/* Fixed part of the chunk-carrying messages; the rest of the payload is data. */
#define CND_MSG_PACK_CHUNK_HEAD 12
#define CND_MSG_PUSH_DATA_HEAD 4
#define CND_MSG_BATCH_DATA_HEAD 5
#define CND_MSG_DAMAGE_HEAD (21 + CND_RESPONSE_ID_LEN)
#define CND_MSG_DAMAGE_MAX (CND_FRAME_MAX_PAYLOAD - CND_MSG_DAMAGE_HEAD)
#define CND_MSG_PACK_CHUNK_MAX (CND_FRAME_MAX_PAYLOAD - CND_MSG_PACK_CHUNK_HEAD)
#define CND_MSG_PUSH_DATA_MAX (CND_FRAME_MAX_PAYLOAD - CND_MSG_PUSH_DATA_HEAD)
#define CND_MSG_BATCH_DATA_MAX (CND_FRAME_MAX_PAYLOAD - CND_MSG_BATCH_DATA_HEAD)

#define CND_MSG_SURVEY_ACTIVE 0x01 /* cnd_msg_survey_t.flags */
#define CND_MSG_BATCH_LAST 0x01    /* cnd_msg_batch_data_t.flags */

typedef struct {
    uint32_t fingerprint;
    uint8_t flags; /* CND_MSG_SURVEY_* */
    uint16_t survey_version;
    uint32_t pending;
    char survey_id[CND_MAX_NAME_LEN + 1]; /* NUL-terminated; "" if the device
                                             could not read it */
} cnd_msg_survey_t;

typedef struct {
    uint8_t device_id[CND_DEVICE_ID_LEN];
    char firmware[CND_MSG_FIRMWARE_MAX + 1]; /* NUL-terminated */
    uint8_t protocol;
    uint32_t bytes_used;
    uint32_t bytes_free;
    uint32_t pending;
    uint32_t damaged; /* damaged flash regions the office has not stored */
    uint8_t n_surveys;
    cnd_msg_survey_t surveys[CND_MAX_SURVEYS];
} cnd_msg_hello_t;

typedef struct {
    uint32_t fingerprint;
    uint32_t offset;
} cnd_msg_get_pack_t;

typedef struct {
    uint32_t fingerprint;
    uint32_t offset;
    uint32_t total; /* whole pack length */
    const uint8_t *data;
    uint16_t len;
} cnd_msg_pack_chunk_t;

typedef struct {
    uint32_t len;
    uint32_t fingerprint;
} cnd_msg_push_begin_t;

typedef struct {
    uint32_t offset;
    const uint8_t *data;
    uint16_t len;
} cnd_msg_push_data_t;

typedef struct {
    uint32_t fingerprint;
    uint32_t first_seq;
    uint32_t last_seq;
    uint16_t count; /* 0 = nothing pending; the other fields are then 0 */
    uint32_t ulen;  /* length of the uncompressed batch */
    uint32_t ucrc;  /* CRC-32 of the uncompressed batch */
} cnd_msg_batch_info_t;

typedef struct {
    uint32_t offset; /* of this chunk within the batch (SPEC 7) */
    uint8_t flags;   /* CND_MSG_BATCH_LAST on the final chunk */
    const uint8_t *data;
    uint16_t len;
} cnd_msg_batch_data_t;

/* One piece of one damaged flash region (SPEC 6 "DAMAGE"). len == 0: no
 * damage left (every other field 0, no data). */
typedef struct {
    uint32_t next;    /* cursor for the next region's DAMAGE_NEXT */
    uint32_t segment; /* segment number and offset in its block */
    uint32_t offset;
    uint32_t len;     /* of the whole region */
    uint32_t piece;   /* offset of data within the region */
    uint8_t id_state; /* 0 no id, 1 id as read (unverified), 2 id verified */
    uint8_t id[CND_RESPONSE_ID_LEN];
    const uint8_t *data;
    uint16_t n;
} cnd_msg_damage_t;

typedef struct {
    uint8_t status; /* cnd_status_t */
    char text[CND_MSG_ERROR_TEXT_MAX + 1]; /* NUL-terminated */
} cnd_msg_error_t;

/* "HELLO", "PUSH_DATA", ...; "unknown" for other codes. Never NULL. */
const char *cnd_msg_name(uint8_t type);

/*
 * Encoders write the payload into out (cap bytes) and set *len. For the
 * chunk messages, data may already sit at its final place inside out (it is
 * moved, not copied), so a device can produce data in place.
 */
cnd_status_t cnd_msg_encode_hello(const cnd_msg_hello_t *m, uint8_t *out, size_t cap,
                                  size_t *len);
cnd_status_t cnd_msg_encode_get_pack(const cnd_msg_get_pack_t *m, uint8_t *out, size_t cap,
                                     size_t *len);
cnd_status_t cnd_msg_encode_pack_chunk(const cnd_msg_pack_chunk_t *m, uint8_t *out, size_t cap,
                                       size_t *len);
cnd_status_t cnd_msg_encode_push_begin(const cnd_msg_push_begin_t *m, uint8_t *out, size_t cap,
                                       size_t *len);
cnd_status_t cnd_msg_encode_push_data(const cnd_msg_push_data_t *m, uint8_t *out, size_t cap,
                                      size_t *len);
cnd_status_t cnd_msg_encode_batch_info(const cnd_msg_batch_info_t *m, uint8_t *out, size_t cap,
                                       size_t *len);
cnd_status_t cnd_msg_encode_batch_data(const cnd_msg_batch_data_t *m, uint8_t *out, size_t cap,
                                       size_t *len);
cnd_status_t cnd_msg_encode_ack(uint32_t upto, uint8_t *out, size_t cap, size_t *len);
/* DAMAGE_NEXT (cursor, piece) and DAMAGE_ACK (segment, offset): two u32. */
cnd_status_t cnd_msg_encode_u32_pair(uint32_t a, uint32_t b, uint8_t *out, size_t cap,
                                     size_t *len);
cnd_status_t cnd_msg_decode_u32_pair(const uint8_t *p, size_t len, uint32_t *a, uint32_t *b);
cnd_status_t cnd_msg_encode_damage(const cnd_msg_damage_t *m, uint8_t *out, size_t cap,
                                   size_t *len);
cnd_status_t cnd_msg_decode_damage(const uint8_t *p, size_t len, cnd_msg_damage_t *m);
/* text is truncated to CND_MSG_ERROR_TEXT_MAX; non-printable bytes become '?'. */
cnd_status_t cnd_msg_encode_error(cnd_status_t status, const char *text, uint8_t *out,
                                  size_t cap, size_t *len);

/* Decoders: p/len is a frame payload. Data pointers point into p. */
cnd_status_t cnd_msg_decode_hello(const uint8_t *p, size_t len, cnd_msg_hello_t *m);
cnd_status_t cnd_msg_decode_get_pack(const uint8_t *p, size_t len, cnd_msg_get_pack_t *m);
cnd_status_t cnd_msg_decode_pack_chunk(const uint8_t *p, size_t len, cnd_msg_pack_chunk_t *m);
cnd_status_t cnd_msg_decode_push_begin(const uint8_t *p, size_t len, cnd_msg_push_begin_t *m);
cnd_status_t cnd_msg_decode_push_data(const uint8_t *p, size_t len, cnd_msg_push_data_t *m);
cnd_status_t cnd_msg_decode_batch_info(const uint8_t *p, size_t len, cnd_msg_batch_info_t *m);
cnd_status_t cnd_msg_decode_batch_data(const uint8_t *p, size_t len, cnd_msg_batch_data_t *m);
cnd_status_t cnd_msg_decode_ack(const uint8_t *p, size_t len, uint32_t *upto);
cnd_status_t cnd_msg_decode_error(const uint8_t *p, size_t len, cnd_msg_error_t *m);
/* For the messages without payload (HELLO, PUSH_COMMIT, PULL_*, OK). */
cnd_status_t cnd_msg_decode_empty(const uint8_t *p, size_t len);

#endif
