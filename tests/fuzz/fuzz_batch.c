/*
 * fuzz_batch.c: the host's batch path (formats/batch.c cnd_batch_decode of
 * a version 3 batch of sealed rows, as host/link/sync.c decodes the bytes
 * BATCH_DATA chunks brought, and host/store/hoststore.c those of a .cnb), the
 * streaming encoder the device and the host store write batches with, and
 * the codecs the device and an image inspector read flash with: the log
 * entry header (cnd_entry_header_decode / cnd_entry_check_crc), the sealed
 * RESPONSE and EPOCH entry bodies (formats/sealed.h cnd_sealed_body_decode,
 * cnd_epoch_decode), and the plaintext record body (cnd_record_decode,
 * cnd_response_check; cnd_sealed_join, which rebuilds a response from an
 * opened ciphertext and the clear header).
 *
 * Input: [mode u8][bytes]. mode % 6:
 *   0  bytes are a batch (formats/SPEC.md 7);
 *   1  bytes describe rows for the ENCODER (see rows() below): each row's
 *      epoch (one of four), seq and chain index (implied or explicit, so
 *      every omission rule and its edges: seq wrap, the last chain index,
 *      a new epoch restarting at 0), id, ciphertext length and bytes, and
 *      sometimes a foreign pack; the encoder is read in pieces of varying
 *      size, as the device fills BATCH_DATA frames;
 *   2  bytes are a response record body (the plaintext, SPEC 3.3), read
 *      with the test pack it names (the default one otherwise);
 *   3  bytes are a log entry: 12-byte header, then its body (a RESPONSE
 *      body goes on as in mode 4, an EPOCH body as in mode 5);
 *   4  bytes are a RESPONSE entry body (SPEC 3.2); its ciphertext is also
 *      taken as an opened plaintext and joined with the clear header;
 *   5  bytes are an EPOCH entry body.
 * Checks: whatever decodes re-encodes to exactly the same bytes (the
 * formats are canonical: one encoding per value); whatever the encoder
 * accepts decodes back to exactly the rows it was given (so the two are
 * inverse both ways) and measures (cnd_batch_measure_*, what BATCH_INFO
 * announces) to exactly its length and CRC-32; encoder and measure refuse
 * the same rows, those a batch cannot carry (a second pack, a ciphertext
 * of illegal length, a chain index past CND_SEAL_MAX_CTR), instead of
 * writing them; a caller with too little room is refused; every decoded
 * row carries the batch's pack and a ciphertext of legal length; and a
 * response cnd_response_check() accepts for the default pack has its
 * fingerprint, language and answer count in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32 */

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "proto.h"
#include "record.h"
#include "sealed.h"

static cnd_sealed_t rs[CND_BATCH_MAX_RESPONSES];
static cnd_sealed_t rs2[CND_BATCH_MAX_RESPONSES];

static void check_responses(const cnd_response_t *r, uint16_t n)
{
    const cnd_pack_t *pk = fz_default_pk();
    uint16_t i;
    for (i = 0; i < n; i++) {
        FZ_CHECK(r[i].n_answers <= CND_MAX_ITEMS);
        if (cnd_response_check(&r[i], pk) == CND_OK) {
            uint8_t k;
            FZ_CHECK(r[i].pack_fp == pk->fingerprint);
            FZ_CHECK(r[i].lang < cnd_pack_lang_count(pk));
            FZ_CHECK(r[i].n_answers == cnd_pack_item_count(pk));
            for (k = 0; k < r[i].n_answers; k++)
                FZ_CHECK(r[i].answers[k].state <= CND_ANS_VALUE);
        }
    }
}

static cnd_status_t from_rows(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    const cnd_sealed_t *r = ctx;
    *out = r[index];
    return CND_OK;
}

static void batch(const uint8_t *buf, size_t len)
{
    static uint8_t again[CND_BATCH_MAX_LEN + 64];
    uint16_t n = 0, n2 = 0, i;
    size_t total;
    cnd_status_t st = cnd_batch_decode(buf, len, rs, CND_BATCH_MAX_RESPONSES, &n);
    if (st != CND_OK) {
        FZ_CHECK(n == 0);
        return;
    }
    FZ_CHECK(n >= 1 && n <= CND_BATCH_MAX_RESPONSES && len <= CND_BATCH_MAX_LEN);
    FZ_CHECK(n == cnd_wire_get_u16(buf + 1));
    for (i = 0; i < n; i++) {
        /* One pack per batch, named once in the header; ciphertexts have
         * room for the tag and never more than a record can seal to. */
        FZ_CHECK(rs[i].pack_fp == cnd_wire_get_u32(buf + 3));
        FZ_CHECK(rs[i].ct_len > CND_SEAL_TAG_LEN && rs[i].ct_len <= CND_SEALED_CT_MAX);
    }
    /* Canonical: the encoder writes back exactly the bytes that decoded. */
    total = fz_encode_batch(rs, n, again, sizeof again);
    FZ_CHECK(total == len && memcmp(again, buf, len) == 0);
    FZ_CHECK(cnd_batch_decode(again, total, rs2, CND_BATCH_MAX_RESPONSES, &n2) == CND_OK);
    FZ_CHECK(n2 == n);
    for (i = 0; i < n; i++)
        FZ_CHECK(fz_same_sealed(&rs[i], &rs2[i]));
    /* A caller with less room is refused, never overrun. */
    if (n > 1)
        FZ_CHECK(cnd_batch_decode(buf, len, rs2, (uint16_t)(n - 1), &n2) == CND_E_NOSPACE);
}

/*
 * Mode 1: rows for the encoder. The first byte picks the read sizes; then
 * per row, until the input ends (at most CND_BATCH_MAX_RESPONSES rows):
 *   [ctl u8]  bit 0: epoch (ctl >> 1) & 3 of a palette of four (else the
 *             previous row's; row 0 always takes one); bit 3: explicit seq
 *             [u32] (else the previous + 1, wrapping; row 0 always reads
 *             one); bit 4: explicit chain index [u32] % (MAX_CTR + 2) (else
 *             the implied one: 0 in a new epoch, else the previous + 1);
 *             bit 5: a foreign pack fingerprint; bit 6: explicit
 *             ciphertext length [u16] % (CT_MAX + 2) (else tag + 1 + (ctl
 *             & 7)); bit 7: chain index MAX_CTR - 1, the last one
 *   [id 8][ciphertext: as many bytes as the input has, then zeros]
 * The rows are legal when every one has the pack of row 0, a ciphertext
 * longer than the tag and at most CND_SEALED_CT_MAX, and a chain index
 * below CND_SEAL_MAX_CTR: exactly what the encoder must accept.
 */
static void rows(const uint8_t *buf, size_t len)
{
    static uint8_t out[CND_BATCH_MAX_LEN + 64];
    static cnd_batch_encoder_t enc, meas;
    cnd_epoch_t palette[4];
    uint32_t mlen = 0, mcrc = 0;
    fz_in_t in;
    uint32_t x;
    uint16_t n = 0, n2 = 0, i;
    size_t total = 0, got = 0;
    cnd_status_t st = CND_OK;
    int legal = 1, ended = 0;

    /* Four distinct epochs; 0 and 1 differ in one byte of the box only. */
    for (i = 0; i < 4; i++) {
        memset(&palette[i], 0x30 + (i >> 1), sizeof palette[i]);
        palette[i].box[CND_DEVICE_BOX_LEN - 1] = (uint8_t)i;
    }
    fz_in_init(&in, buf, len);
    x = fz_u8(&in) * 2654435761u + 1u;
    while (fz_left(&in) > 0 && n < CND_BATCH_MAX_RESPONSES) {
        cnd_sealed_t *s = &rs[n];
        uint8_t ctl = fz_u8(&in);
        const uint8_t *p;
        size_t k;
        int new_epoch;
        memset(s, 0, sizeof *s);
        s->pack_fp = (ctl & 0x20) ? 0xF0F0F0F0u : 0x12345678u;
        s->epoch = (n == 0 || (ctl & 1)) ? palette[(ctl >> 1) & 3] : rs[n - 1].epoch;
        new_epoch = n == 0 || memcmp(&s->epoch, &rs[n - 1].epoch, sizeof s->epoch) != 0;
        s->seq = (n == 0 || (ctl & 8)) ? fz_u32(&in) : rs[n - 1].seq + 1u;
        s->ctr = new_epoch ? 0u : rs[n - 1].ctr + 1u;
        if (ctl & 0x10)
            s->ctr = fz_u32(&in) % (CND_SEAL_MAX_CTR + 2u);
        if (ctl & 0x80)
            s->ctr = CND_SEAL_MAX_CTR - 1u;
        k = fz_take(&in, CND_RESPONSE_ID_LEN, &p);
        memcpy(s->id, p, k);
        s->ct_len = (ctl & 0x40) ? (uint16_t)(fz_u16(&in) % (CND_SEALED_CT_MAX + 2u))
                                 : (uint16_t)(CND_SEAL_TAG_LEN + 1u + (ctl & 7u));
        k = fz_take(&in, s->ct_len < CND_SEALED_CT_MAX ? s->ct_len : CND_SEALED_CT_MAX, &p);
        memcpy(s->ct, p, k);
        if (s->pack_fp != rs[0].pack_fp || s->ct_len <= CND_SEAL_TAG_LEN ||
            s->ct_len > CND_SEALED_CT_MAX || s->ctr >= CND_SEAL_MAX_CTR)
            legal = 0;
        n++;
        if (!legal)
            break; /* the encoder stops at the first bad row */
    }
    if (n == 0)
        return;
    /* The device measures a batch (BATCH_INFO) before it streams it: the
     * measure refuses exactly the row the encoder will refuse. */
    cnd_batch_measure_init(&meas);
    for (i = 0; i < n; i++)
        if ((st = cnd_batch_measure_add(&meas, &rs[i])) != CND_OK)
            break;
    FZ_CHECK(legal ? i == n : (i == n - 1 && st != CND_OK));
    FZ_CHECK(cnd_batch_encoder_init(&enc, n, from_rows, rs) == CND_OK);
    do {
        size_t cap;
        x = x * 1103515245u + 12345u;
        cap = 1 + (x >> 8) % (x & 0x100 ? 7u : CND_MSG_BATCH_DATA_MAX);
        if (cap > sizeof out - total)
            cap = sizeof out - total;
        FZ_CHECK(cap > 0); /* a legal batch fits CND_BATCH_MAX_LEN */
        st = cnd_batch_encoder_read(&enc, out + total, cap, &got);
        if (st != CND_OK) {
            FZ_CHECK(!legal);
            /* the error is sticky: the stream stays dead */
            FZ_CHECK(cnd_batch_encoder_read(&enc, out, 1, &got) == st && got == 0);
            return;
        }
        FZ_CHECK(got <= cap);
        total += got;
        ended = got == 0;
    } while (!ended);
    FZ_CHECK(legal);
    FZ_CHECK(total <= CND_BATCH_MAX_LEN);
    /* ...and announces exactly the length and CRC-32 it then sends. */
    FZ_CHECK(cnd_batch_measure_end(&meas, &mlen, &mcrc) == CND_OK);
    FZ_CHECK(mlen == total && mcrc == (uint32_t)crc32(0L, out, (uInt)total));
    FZ_CHECK(cnd_batch_decode(out, total, rs2, CND_BATCH_MAX_RESPONSES, &n2) == CND_OK);
    FZ_CHECK(n2 == n);
    for (i = 0; i < n; i++)
        FZ_CHECK(fz_same_sealed(&rs[i], &rs2[i]));
    /* and back: the same bytes, through the byte-level checks of mode 0 */
    batch(out, total);
}

/* The pack a record body is read with: the second test pack when the
 * body names it, else the default one (which then refuses a stranger). */
static const cnd_pack_t *pack_of(uint32_t fp)
{
    return fp == fz_second_pk()->fingerprint ? fz_second_pk() : fz_default_pk();
}

static void record(const uint8_t *buf, size_t len)
{
    uint8_t again[CND_RECORD_BODY_MAX];
    cnd_response_t r, r2;
    const cnd_pack_t *pk =
        pack_of(len >= CND_RECORD_HEAD_LEN ? cnd_wire_get_u32(buf + 1 + CND_RESPONSE_ID_LEN) : 0);
    size_t n = 0;
    if (cnd_record_decode(buf, len, pk, &r) != CND_OK)
        return;
    FZ_CHECK(len <= CND_RECORD_BODY_MAX);
    /* The codec only lets through what the survey could have produced. */
    FZ_CHECK(cnd_response_check(&r, pk) == CND_OK);
    check_responses(&r, 1);
    FZ_CHECK(cnd_record_encode(&r, pk, again, sizeof again, &n) == CND_OK);
    FZ_CHECK(n == len && memcmp(again, buf, len) == 0);
    FZ_CHECK(cnd_record_decode(again, n, pk, &r2) == CND_OK && fz_same_response(&r, &r2));
    /* Too little room is refused, never a short body. */
    FZ_CHECK(cnd_record_encode(&r, pk, again, n - 1, &n) == CND_E_NOSPACE && n == 0);
}

static void epoch(const uint8_t *buf, size_t len)
{
    uint8_t again[CND_EPOCH_BODY_LEN];
    cnd_epoch_t e;
    cnd_status_t st = cnd_epoch_decode(buf, len, &e);
    if (st != CND_OK) {
        FZ_CHECK(len != CND_EPOCH_BODY_LEN);
        return;
    }
    FZ_CHECK(len == CND_EPOCH_BODY_LEN);
    cnd_epoch_encode(again, &e);
    FZ_CHECK(memcmp(again, buf, len) == 0);
}

/* The ciphertext's bytes, as if opened, joined with the clear header: what
 * host/store/unseal.c does after a record authenticates. */
static void joined(const cnd_sealed_t *s)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    size_t ptlen = (size_t)s->ct_len - CND_SEAL_TAG_LEN, n = 0;
    cnd_response_t r;
    const cnd_pack_t *pk = pack_of(s->pack_fp);
    if (cnd_sealed_join(s, pk, s->ct, ptlen, &r) != CND_OK)
        return;
    FZ_CHECK(cnd_response_check(&r, pk) == CND_OK);
    FZ_CHECK(memcmp(r.id, s->id, CND_RESPONSE_ID_LEN) == 0 && r.pack_fp == s->pack_fp);
    check_responses(&r, 1);
    /* The record it came from is exactly the clear fields then the plaintext. */
    FZ_CHECK(cnd_record_encode(&r, pk, body, sizeof body, &n) == CND_OK);
    FZ_CHECK(n == CND_SEALED_CLEAR_OF_RECORD + ptlen);
    FZ_CHECK(body[0] == CND_RECORD_VERSION);
    FZ_CHECK(memcmp(body + 1, s->id, CND_RESPONSE_ID_LEN) == 0);
    FZ_CHECK(cnd_wire_get_u32(body + 1 + CND_RESPONSE_ID_LEN) == s->pack_fp);
    FZ_CHECK(memcmp(body + CND_SEALED_CLEAR_OF_RECORD, s->ct, ptlen) == 0);
}

static void sealed_body(const uint8_t *buf, size_t len)
{
    static cnd_sealed_t s;
    uint8_t again[CND_SEALED_BODY_MAX];
    uint16_t epoch_off = 0;
    if (cnd_sealed_body_decode(buf, len, &s, &epoch_off) != CND_OK)
        return;
    FZ_CHECK(len <= CND_SEALED_BODY_MAX && len <= CND_ENTRY_BODY_MAX);
    FZ_CHECK(s.ct_len == len - CND_SEALED_HEADER_LEN);
    FZ_CHECK(s.ct_len > CND_SEAL_TAG_LEN && s.ct_len <= CND_SEALED_CT_MAX);
    /* Canonical: the clear header the store writes, then the ciphertext. */
    cnd_sealed_header_encode(again, s.id, s.pack_fp, s.ctr, epoch_off);
    memcpy(again + CND_SEALED_HEADER_LEN, s.ct, s.ct_len);
    FZ_CHECK(memcmp(again, buf, len) == 0);
    joined(&s);
}

static void entry(const uint8_t *buf, size_t len)
{
    uint8_t hdr[CND_ENTRY_HEADER_LEN];
    cnd_entry_header_t h;
    if (len < CND_ENTRY_HEADER_LEN || cnd_entry_header_decode(buf, &h) != CND_OK)
        return;
    FZ_CHECK(h.len <= CND_ENTRY_BODY_MAX);
    if (h.len > len - CND_ENTRY_HEADER_LEN)
        return;
    if (cnd_entry_check_crc(buf, buf + CND_ENTRY_HEADER_LEN, h.len) != CND_OK)
        return;
    /* A header that checks is exactly what the encoder writes for it. */
    cnd_entry_header_encode(hdr, h.type, h.seq, buf + CND_ENTRY_HEADER_LEN, h.len);
    FZ_CHECK(memcmp(hdr, buf, CND_ENTRY_HEADER_LEN) == 0);
    if (h.type == CND_ENTRY_RESPONSE)
        sealed_body(buf + CND_ENTRY_HEADER_LEN, h.len);
    else if (h.type == CND_ENTRY_EPOCH)
        epoch(buf + CND_ENTRY_HEADER_LEN, h.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode;
    uint8_t *buf;
    size_t len;
    if (size < 1)
        return 0;
    mode = data[0];
    len = size - 1;
    buf = malloc(len ? len : 1); /* exact size: a read past the end is an ASan report */
    FZ_CHECK(buf != NULL);
    memcpy(buf, data + 1, len);
    switch (mode % 6) {
    case 0: batch(buf, len); break;
    case 1: rows(buf, len); break;
    case 2: record(buf, len); break;
    case 3: entry(buf, len); break;
    case 4: sealed_body(buf, len); break;
    default: epoch(buf, len); break;
    }
    free(buf);
    return 0;
}
