/*
 * fuzz_frame.c: the frame parser (formats/frame.c) and every message
 * payload codec (formats/proto.c), on bytes as any peer could send them.
 *
 * Input: byte 0 seeds the sizes of the pieces the carrier delivers; byte 1
 * bit 0 chooses the mode:
 *   0  raw: the rest is the byte stream, garbage and all;
 *   1  sealed: the rest is a list of [version u8][type u8][len u16][payload]
 *      that the harness frames with a correct CRC, so the mutator reaches
 *      the payload decoders instead of dying on the CRC.
 * Checks, beyond the sanitizers:
 * - the parser consumes every byte unless a frame is ready, and hands out
 *   only frames that cnd_frame_decode() accepts on their own;
 * - in sealed mode every frame comes out, in order, intact;
 * - every decoder accepts only payloads its encoder reproduces byte for
 *   byte (the layouts are canonical, so a decoder that accepts anything
 *   else lets two peers disagree about what was said).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fuzz_common.h"
#include "proto.h"

#define MAX_SEALED 64

typedef struct {
    uint8_t version, type;
    uint16_t len;
    const uint8_t *payload;
} sealed_t;

static void same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    FZ_CHECK(alen == blen);
    FZ_CHECK(alen == 0 || memcmp(a, b, alen) == 0);
}

/* Every decoder on one payload; whatever decodes must re-encode to it. */
static void exercise_payload(const uint8_t *p, size_t len)
{
    static uint8_t out[CND_FRAME_MAX_PAYLOAD + 64];
    size_t n = 0;
    cnd_msg_hello_t hello;
    cnd_msg_get_pack_t gp;
    cnd_msg_pack_chunk_t pc;
    cnd_msg_push_begin_t pb;
    cnd_msg_push_data_t pd;
    cnd_msg_batch_info_t bi;
    cnd_msg_batch_data_t bd;
    cnd_msg_error_t er;
    uint32_t upto;

    if (cnd_msg_decode_hello(p, len, &hello) == CND_OK) {
        FZ_CHECK(hello.n_surveys <= CND_MAX_SURVEYS);
        FZ_CHECK(cnd_msg_encode_hello(&hello, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_get_pack(p, len, &gp) == CND_OK) {
        FZ_CHECK(cnd_msg_encode_get_pack(&gp, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_pack_chunk(p, len, &pc) == CND_OK) {
        FZ_CHECK(pc.data >= p && pc.data + pc.len <= p + len);
        FZ_CHECK(cnd_msg_encode_pack_chunk(&pc, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_push_begin(p, len, &pb) == CND_OK) {
        FZ_CHECK(cnd_msg_encode_push_begin(&pb, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_push_data(p, len, &pd) == CND_OK) {
        FZ_CHECK(pd.data >= p && pd.data + pd.len <= p + len);
        FZ_CHECK(cnd_msg_encode_push_data(&pd, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_batch_info(p, len, &bi) == CND_OK) {
        FZ_CHECK(cnd_msg_encode_batch_info(&bi, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_batch_data(p, len, &bd) == CND_OK) {
        FZ_CHECK(bd.data >= p && bd.data + bd.len <= p + len);
        FZ_CHECK(cnd_msg_encode_batch_data(&bd, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_ack(p, len, &upto) == CND_OK) {
        FZ_CHECK(cnd_msg_encode_ack(upto, out, sizeof out, &n) == CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_error(p, len, &er) == CND_OK) {
        FZ_CHECK(strlen(er.text) <= CND_MSG_ERROR_TEXT_MAX);
        FZ_CHECK(cnd_msg_encode_error((cnd_status_t)er.status, er.text, out, sizeof out, &n) ==
                 CND_OK);
        same_bytes(out, n, p, len);
    }
    if (cnd_msg_decode_empty(p, len) == CND_OK)
        FZ_CHECK(len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cnd_frame_parser_t parser;
    static sealed_t sealed[MAX_SEALED];
    uint8_t *stream;
    size_t stream_len = 0, pos = 0, n_sealed = 0, n_out = 0;
    uint32_t rng;
    int seal;
    fz_in_t in;

    fz_in_init(&in, data, size);
    rng = fz_u8(&in) * 2654435761u + 7u;
    seal = fz_u8(&in) & 1;
    stream = malloc(size * 2 + 16 + MAX_SEALED * CND_FRAME_OVERHEAD);
    FZ_CHECK(stream != NULL);
    if (!seal) {
        const uint8_t *raw;
        stream_len = fz_take(&in, fz_left(&in), &raw);
        memcpy(stream, raw, stream_len);
    } else {
        while (fz_left(&in) >= 4 && n_sealed < MAX_SEALED) {
            sealed_t *s = &sealed[n_sealed];
            size_t got;
            s->version = fz_u8(&in);
            s->type = fz_u8(&in);
            s->len = (uint16_t)(fz_u16(&in) % (CND_FRAME_MAX_PAYLOAD + 1));
            s->len = (uint16_t)fz_take(&in, s->len, &s->payload);
            FZ_CHECK(cnd_frame_encode(stream + stream_len, CND_FRAME_MAX_SIZE, s->version,
                                      s->type, s->payload, s->len, &got) == CND_OK);
            stream_len += got;
            n_sealed++;
        }
    }

    cnd_frame_parser_init(&parser);
    while (pos < stream_len) {
        size_t piece, used;
        int ready = 0;
        cnd_frame_t f;
        rng = rng * 1103515245u + 12345u;
        piece = 1 + (rng >> 8) % 300;
        if (piece > stream_len - pos)
            piece = stream_len - pos;
        used = cnd_frame_parser_feed(&parser, stream + pos, piece, &ready, &f);
        FZ_CHECK(used <= piece);
        pos += used;
        if (!ready) {
            FZ_CHECK(used == piece);
            continue;
        }
        {
            /* A ready frame is whole and checked: it decodes on its own. */
            uint8_t again[CND_FRAME_MAX_SIZE];
            cnd_frame_t g;
            size_t glen = 0;
            FZ_CHECK(f.len <= CND_FRAME_MAX_PAYLOAD);
            FZ_CHECK(cnd_frame_encode(again, sizeof again, f.version, f.type, f.payload, f.len,
                                      &glen) == CND_OK);
            FZ_CHECK(cnd_frame_decode(again, glen, &g) == CND_OK);
            FZ_CHECK(g.version == f.version && g.type == f.type && g.len == f.len);
        }
        if (seal) {
            const sealed_t *s = &sealed[n_out];
            FZ_CHECK(n_out < n_sealed);
            FZ_CHECK(f.version == s->version && f.type == s->type && f.len == s->len);
            FZ_CHECK(f.len == 0 || memcmp(f.payload, s->payload, f.len) == 0);
        }
        n_out++;
        exercise_payload(f.payload, f.len);
    }
    {
        /* Whatever is still buffered is drained by an empty feed. */
        int ready = 0;
        cnd_frame_t f;
        while (cnd_frame_parser_feed(&parser, NULL, 0, &ready, &f) == 0 && ready) {
            if (seal) {
                FZ_CHECK(n_out < n_sealed);
                FZ_CHECK(f.type == sealed[n_out].type && f.len == sealed[n_out].len);
            }
            n_out++;
            exercise_payload(f.payload, f.len);
        }
    }
    if (seal)
        FZ_CHECK(n_out == n_sealed);
    /* The whole stream as one frame, as cnd_frame_decode() sees a capture. */
    {
        cnd_frame_t f;
        if (cnd_frame_decode(stream, stream_len, &f) == CND_OK)
            exercise_payload(f.payload, f.len);
    }
    free(stream);
    return 0;
}
