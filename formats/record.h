/*
 * record.h: the bytes of one stored response and of one flash log entry
 * (formats/SPEC.md sections 3.3 "Record body" and 4 "Flash layout").
 *
 * Owns:
 * - the response record BODY codec (version 2): cnd_response_t <-> compact
 *   bytes. Bytes 0..12 (version, id, pack_fp) are whole bytes, because the
 *   sealed form keeps them in clear; the rest is a bit stream that only the
 *   survey pack can read: day (16 bits), language (just enough bits for the
 *   pack's languages), a "complete" flag, then per item, in interview
 *   order, the fewest bits that tell its state and value apart. Info
 *   screens and items that the earlier answers make irrelevant take 0 bits
 *   (the decoder evaluates the pack's relevance bytecode as it goes).
 *   Why so tight: the body is sealed, ciphertext does not compress, and
 *   every byte of it goes to flash and over the wire (issue 7).
 * - the log entry header codec (magic, type, body length, sequence number,
 *   CRC-32 over header and body) that frames every record the device keeps
 *   on flash, so the store and a host-side image inspector share one reader;
 * - cnd_response_check(): is a decoded response valid for its survey pack.
 *
 * Why a "complete" flag rather than a NONE code in every item: the engine
 * (firmware/core/engine.c) only moves past a relevant item by answering it
 * (OK on a SINGLE/YESNO choice or on PNA, Next on a number, Next on a MULTI
 * only with a tick), so a saved response never leaves a relevant item
 * NONE. Giving every relevant item a NONE code anyway would cost 16 bits
 * (2 bytes) on the default 27-item survey; one flag bit keeps such a
 * response encodable (tests, tools, a future engine) at the price of one
 * bit: flag 1 = no relevant item is NONE and no item has a NONE code; flag
 * 0 = every relevant item has one. The encoder sets it exactly when it can
 * be 1, and the decoder refuses a 0 that could have been 1, so a response
 * has exactly one encoding.
 *
 * Never: allocates, or returns a decoded response from bytes that broke any
 * rule (every bit read is bounds-checked; decoders are total; no partial
 * result). The encoder never writes an answer the pack could not produce.
 * RAM: none (callers own the buffers); stack: a few words plus one
 * relevance evaluation (relevance.h, about 80 bytes).
 */
#ifndef CND_RECORD_H
#define CND_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "pack.h"
#include "response.h"

#define CND_RECORD_VERSION 2

/* Whole-byte head: version u8, id, pack_fp u32. */
#define CND_RECORD_HEAD_LEN (1 + CND_RESPONSE_ID_LEN + 4)
/* Bit stream after the head, worst case: day 16, language 2 (4 languages),
 * flag 1, and 33 bits per item (an INTEGER spanning all of int32 with PNA
 * and NONE codes, or a 32-choice MULTI likewise), rounded up to bytes. */
#define CND_RECORD_ITEM_BITS_MAX 33
#define CND_RECORD_BITS_MAX (16 + 2 + 1 + CND_RECORD_ITEM_BITS_MAX * CND_MAX_ITEMS)
#define CND_RECORD_BODY_MAX (CND_RECORD_HEAD_LEN + (CND_RECORD_BITS_MAX + 7) / 8)

/* Encodes r, an answer set of the survey pk, into out[0..cap); *len = bytes
 * written. CND_E_NOT_FOUND if r->pack_fp is not pk's fingerprint;
 * CND_E_RANGE if n_answers is not pk's item count, the language or a
 * value is out of its item's range, or a state is unknown; CND_E_INVALID if
 * an info screen or an irrelevant item (given the earlier answers) holds
 * an answer, PNA is given where the item does not offer it, or a MULTI
 * answer ticks an exclusive choice with another (cnd_pack_breaks_exclusive);
 * CND_E_NOSPACE if cap is too small (CND_RECORD_BODY_MAX always
 * suffices). Nothing useful is left in out on failure. */
cnd_status_t cnd_record_encode(const cnd_response_t *r, const cnd_pack_t *pk, uint8_t *out,
                               size_t cap, size_t *len);

/* Decodes exactly buf[0..len) with the pack the body names. Rejects an
 * unknown version (CND_E_VERSION), another pack's body (CND_E_NOT_FOUND),
 * a bit stream that ends early (CND_E_TRUNCATED), a language or item code
 * outside its domain (CND_E_RANGE), non-zero padding, trailing bytes, a
 * non-canonical flag or a MULTI answer breaking exclusivity (CND_E_INVALID). On failure *out is zeroed: no
 * partial result. A decoded response always passes cnd_response_check. */
cnd_status_t cnd_record_decode(const uint8_t *buf, size_t len, const cnd_pack_t *pk,
                               cnd_response_t *out);

/*
 * Checks a decoded response against the pack it names: fingerprint, item
 * count, language index, and every answer against its item (INFO never
 * answered; PNA only where offered; SINGLE index < n_choices; MULTI a
 * non-empty mask of existing choices, an exclusive one alone; YESNO 0/1;
 * INTEGER inside [min,max]).
 * CND_E_NOT_FOUND on a fingerprint mismatch, CND_E_RANGE/CND_E_INVALID on
 * anything else. Used by the host on every response it receives.
 */
cnd_status_t cnd_response_check(const cnd_response_t *r, const cnd_pack_t *pk);

/* ---- log entry: the frame of everything the store writes to flash ---- */

#define CND_ENTRY_MAGIC 0xC5 /* neither 0xFF (erased NOR) nor 0x00 */
#define CND_ENTRY_HEADER_LEN 12
/* The largest body is a sealed response (sealed.h CND_SEALED_BODY_MAX):
 * its 19-byte clear header, the record body past its 13 clear bytes, and
 * the 16-byte tag (= 302 bytes with record version 2). */
#define CND_ENTRY_BODY_MAX (CND_RECORD_BODY_MAX - CND_RECORD_HEAD_LEN + 19 + 16)

typedef enum {
    CND_ENTRY_RESPONSE = 1, /* body = a sealed response (sealed.h, section 3) */
    CND_ENTRY_SEGMENT = 2,  /* first entry of a log segment; seq = segment number */
    CND_ENTRY_STATE = 3,    /* watermark and pack-slot table; seq = state number */
    CND_ENTRY_EPOCH = 4     /* a sealing epoch (sealed.h cnd_epoch_t); seq = 0 */
} cnd_entry_type_t;

typedef struct {
    uint8_t type; /* cnd_entry_type_t */
    uint16_t len; /* body bytes following the header */
    uint32_t seq;
    uint32_t crc; /* CRC-32 of header bytes 0..7 then the body */
} cnd_entry_header_t;

/* Writes the 12-byte header for body[0..len) into out, CRC included. */
void cnd_entry_header_encode(uint8_t out[CND_ENTRY_HEADER_LEN], uint8_t type, uint32_t seq,
                             const uint8_t *body, uint16_t len);

/* Parses a header without its body: CND_E_MAGIC if it is not an entry
 * (e.g. erased flash), CND_E_INVALID for an unknown type, CND_E_RANGE if
 * len > CND_ENTRY_BODY_MAX. The CRC is not checked yet. */
cnd_status_t cnd_entry_header_decode(const uint8_t in[CND_ENTRY_HEADER_LEN], cnd_entry_header_t *h);

/* Checks the CRC of a decoded header against its body: CND_OK or CND_E_CRC. */
cnd_status_t cnd_entry_check_crc(const uint8_t hdr[CND_ENTRY_HEADER_LEN], const uint8_t *body,
                                 uint16_t len);

/* 1 when all n bytes are 0xFF (erased NOR), else 0. */
int cnd_bytes_erased(const uint8_t *p, size_t n);

/* ---- integer helpers of the record body, shared with other codecs ---- */

/* zigzag: signed -> unsigned so small magnitudes stay small. */
uint32_t cnd_zigzag_encode(int32_t v);
int32_t cnd_zigzag_decode(uint32_t z);
/* Unsigned LEB128 of a u32: writes 1..5 bytes at p (room for 5 required). */
size_t cnd_varint_put(uint8_t *p, uint32_t v);
/* Reads a canonical varint at buf[*pos..len), advancing *pos: CND_E_TRUNCATED,
 * CND_E_INVALID (overlong, or more than 32 bits). */
cnd_status_t cnd_varint_get(const uint8_t *buf, size_t len, size_t *pos, uint32_t *v);

#endif
