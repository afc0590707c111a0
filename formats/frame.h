/*
 * frame.h: the framing of every message on the host <-> device link
 * (formats/SPEC.md section "Frames").
 *
 *   "CN" | version u8 | type u8 | length u16 | payload | CRC-32 u32
 *
 * Owns: the frame layout, an encoder, and an incremental parser that takes
 * bytes as the carrier delivers them (any split), skips garbage until the
 * magic, and drops frames whose length is out of bounds or whose CRC fails,
 * resynchronising on the next magic inside what it already buffered.
 *
 * The layout of the 6-byte header and the trailing CRC is the same for every
 * protocol version, forever: that is what lets a peer recognise a frame of
 * another version and answer "I speak vX" instead of silence.
 *
 * Never: allocates, or hands out a frame whose CRC it has not checked. The
 * parser does not look at version or type; proto.h/sync.c decide on those.
 *
 * RAM: sizeof(cnd_frame_parser_t) = CND_FRAME_MAX_SIZE + 18 = 1052 bytes.
 */
#ifndef CND_FRAME_H
#define CND_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"

#define CND_FRAME_MAGIC0 0x43 /* 'C' */
#define CND_FRAME_MAGIC1 0x4E /* 'N' */
#define CND_FRAME_HEADER_LEN 6
#define CND_FRAME_CRC_LEN 4
#define CND_FRAME_OVERHEAD (CND_FRAME_HEADER_LEN + CND_FRAME_CRC_LEN)
#define CND_FRAME_MAX_SIZE (CND_FRAME_MAX_PAYLOAD + CND_FRAME_OVERHEAD)

/* A checked frame. payload points into the parser's buffer (or the caller's
 * bytes for cnd_frame_decode) and is valid until the next feed. */
typedef struct {
    uint8_t version;
    uint8_t type;
    uint16_t len;
    const uint8_t *payload;
} cnd_frame_t;

typedef struct {
    uint8_t buf[CND_FRAME_MAX_SIZE];
    uint16_t have;      /* bytes in buf */
    uint16_t release;   /* bytes of the last READY frame, dropped on the next feed */
    uint32_t dropped;   /* candidates rejected since init (bad CRC or length) */
    uint8_t last_drop;  /* cnd_status_t of the last rejection: CND_E_CRC or CND_E_RANGE */
    uint32_t skipped;   /* garbage bytes skipped while looking for the magic */
} cnd_frame_parser_t;

void cnd_frame_parser_init(cnd_frame_parser_t *p);

/*
 * Feeds up to n bytes (n may be 0 to process what is already buffered).
 * Returns how many bytes of in it consumed. Returns as soon as one complete
 * frame with a good CRC is available: *ready = 1 and *frame is filled (valid
 * until the next feed or init); the caller handles it and calls again with
 * the rest. Otherwise *ready = 0 and every byte was consumed.
 *
 * Rejected candidates (CRC mismatch, length above CND_FRAME_MAX_PAYLOAD) are
 * not events: the parser drops their first byte, rescans what it holds for
 * the next magic and counts them in `dropped`. A lock-step peer that sent a
 * corrupt frame therefore gets no answer and runs into its reply timeout,
 * which is the one signal that cannot be confused with a reply.
 */
size_t cnd_frame_parser_feed(cnd_frame_parser_t *p, const uint8_t *in, size_t n, int *ready,
                             cnd_frame_t *frame);

/*
 * Writes a whole frame into out. payload may lie inside out (it is moved,
 * not copied, so building the payload at out + CND_FRAME_HEADER_LEN is fine).
 * CND_E_RANGE if len > CND_FRAME_MAX_PAYLOAD, CND_E_NOSPACE if cap is short.
 */
cnd_status_t cnd_frame_encode(uint8_t *out, size_t cap, uint8_t version, uint8_t type,
                              const uint8_t *payload, size_t len, size_t *out_len);

/* Checks exactly one whole frame in buf[0..len) (no garbage around it). */
cnd_status_t cnd_frame_decode(const uint8_t *buf, size_t len, cnd_frame_t *frame);

/* Little-endian helpers shared by the protocol codecs (proto.c, batch.c). */
void cnd_wire_put_u16(uint8_t *p, uint16_t v);
void cnd_wire_put_u32(uint8_t *p, uint32_t v);
uint16_t cnd_wire_get_u16(const uint8_t *p);
uint32_t cnd_wire_get_u32(const uint8_t *p);

#endif
