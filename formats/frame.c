/* frame.c: see frame.h and formats/SPEC.md section "Frames". */
#include "frame.h"

#include <string.h>

#include <zlib.h>

void cnd_wire_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

void cnd_wire_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
    p[2] = (uint8_t)((v >> 16) & 0xFFu);
    p[3] = (uint8_t)(v >> 24);
}

uint16_t cnd_wire_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t cnd_wire_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint32_t frame_crc(const uint8_t *buf, size_t len)
{
    return (uint32_t)crc32(0L, buf, (uInt)len);
}

void cnd_frame_parser_init(cnd_frame_parser_t *p)
{
    memset(p, 0, sizeof *p);
}

/* Drops the first k buffered bytes. */
static void parser_shift(cnd_frame_parser_t *p, size_t k)
{
    if (k >= p->have) {
        p->have = 0;
        return;
    }
    memmove(p->buf, p->buf + k, p->have - k);
    p->have = (uint16_t)(p->have - k);
}

/* Discards buffered bytes until buf starts with (a prefix of) the magic. */
static void parser_resync(cnd_frame_parser_t *p)
{
    size_t i = 0;
    while (i < p->have) {
        if (p->buf[i] == CND_FRAME_MAGIC0 &&
            (i + 1 >= p->have || p->buf[i + 1] == CND_FRAME_MAGIC1))
            break;
        i++;
    }
    p->skipped += (uint32_t)i;
    parser_shift(p, i);
}

static void parser_reject(cnd_frame_parser_t *p, cnd_status_t why)
{
    p->dropped++;
    p->last_drop = (uint8_t)why;
    parser_shift(p, 1); /* the rest may hold the next real frame: rescan it */
}

size_t cnd_frame_parser_feed(cnd_frame_parser_t *p, const uint8_t *in, size_t n, int *ready,
                             cnd_frame_t *frame)
{
    size_t used = 0;

    *ready = 0;
    if (p->release > 0) {
        parser_shift(p, p->release);
        p->release = 0;
    }
    for (;;) {
        size_t need = CND_FRAME_HEADER_LEN;
        parser_resync(p);
        if (p->have >= CND_FRAME_HEADER_LEN) {
            uint16_t len = cnd_wire_get_u16(p->buf + 4);
            if (len > CND_FRAME_MAX_PAYLOAD) {
                parser_reject(p, CND_E_RANGE);
                continue;
            }
            need = (size_t)len + CND_FRAME_OVERHEAD;
            if (p->have >= need) {
                size_t body = need - CND_FRAME_CRC_LEN;
                if (frame_crc(p->buf, body) != cnd_wire_get_u32(p->buf + body)) {
                    parser_reject(p, CND_E_CRC);
                    continue;
                }
                frame->version = p->buf[2];
                frame->type = p->buf[3];
                frame->len = len;
                frame->payload = p->buf + CND_FRAME_HEADER_LEN;
                p->release = (uint16_t)need;
                *ready = 1;
                return used;
            }
        }
        if (used == n)
            return used;
        {
            /* Copy no more than this candidate needs, so the buffer never
             * overflows and bytes after a frame stay with the caller. */
            size_t take = need - p->have;
            if (take > n - used)
                take = n - used;
            memcpy(p->buf + p->have, in + used, take);
            p->have = (uint16_t)(p->have + take);
            used += take;
        }
    }
}

cnd_status_t cnd_frame_encode(uint8_t *out, size_t cap, uint8_t version, uint8_t type,
                              const uint8_t *payload, size_t len, size_t *out_len)
{
    size_t body = CND_FRAME_HEADER_LEN + len;
    *out_len = 0;
    if (len > CND_FRAME_MAX_PAYLOAD)
        return CND_E_RANGE;
    if (cap < body + CND_FRAME_CRC_LEN)
        return CND_E_NOSPACE;
    if (len > 0 && payload != out + CND_FRAME_HEADER_LEN)
        memmove(out + CND_FRAME_HEADER_LEN, payload, len);
    out[0] = CND_FRAME_MAGIC0;
    out[1] = CND_FRAME_MAGIC1;
    out[2] = version;
    out[3] = type;
    cnd_wire_put_u16(out + 4, (uint16_t)len);
    cnd_wire_put_u32(out + body, frame_crc(out, body));
    *out_len = body + CND_FRAME_CRC_LEN;
    return CND_OK;
}

cnd_status_t cnd_frame_decode(const uint8_t *buf, size_t len, cnd_frame_t *frame)
{
    uint16_t plen;
    memset(frame, 0, sizeof *frame);
    if (len < CND_FRAME_OVERHEAD)
        return CND_E_TRUNCATED;
    if (buf[0] != CND_FRAME_MAGIC0 || buf[1] != CND_FRAME_MAGIC1)
        return CND_E_MAGIC;
    plen = cnd_wire_get_u16(buf + 4);
    if (plen > CND_FRAME_MAX_PAYLOAD)
        return CND_E_RANGE;
    if (len < (size_t)plen + CND_FRAME_OVERHEAD)
        return CND_E_TRUNCATED;
    if (len > (size_t)plen + CND_FRAME_OVERHEAD)
        return CND_E_INVALID;
    if (frame_crc(buf, CND_FRAME_HEADER_LEN + (size_t)plen) !=
        cnd_wire_get_u32(buf + CND_FRAME_HEADER_LEN + plen))
        return CND_E_CRC;
    frame->version = buf[2];
    frame->type = buf[3];
    frame->len = plen;
    frame->payload = buf + CND_FRAME_HEADER_LEN;
    return CND_OK;
}
