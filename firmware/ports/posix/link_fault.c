/* link_fault.c: one fault on the link at frame N (see link_fault.h). */
#include "link_fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[CND_LF_KIND_COUNT] = {
    "none", "drop", "truncate", "corrupt", "duplicate", "delay", "disconnect",
};

const char *cnd_lf_kind_name(cnd_lf_kind_t kind)
{
    return (unsigned)kind < CND_LF_KIND_COUNT ? kind_names[kind] : NULL;
}

/* Decimal without sign or junk; -1 if not one. */
static int parse_u32(const char *s, size_t len, uint32_t *out)
{
    char buf[16];
    char *end;
    unsigned long v;
    if (len == 0 || len >= sizeof buf || s[0] < '0' || s[0] > '9')
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v = strtoul(buf, &end, 10);
    if (errno != 0 || *end != '\0' || v > 0xFFFFFFFFul)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cnd_lf_parse(const char *text, cnd_lf_spec_t *out, char *err, size_t errcap)
{
    const char *at = strchr(text, '@');
    const char *colon;
    size_t klen;
    int k;

    memset(out, 0, sizeof *out);
    if (at == NULL) {
        snprintf(err, errcap, "link fault '%s' is not KIND@N[:ARG] (KIND one of drop, "
                              "truncate, corrupt, duplicate, delay, disconnect)", text);
        return -1;
    }
    klen = (size_t)(at - text);
    for (k = 1; k < CND_LF_KIND_COUNT; k++)
        if (strlen(kind_names[k]) == klen && memcmp(kind_names[k], text, klen) == 0)
            break;
    if (k == CND_LF_KIND_COUNT) {
        snprintf(err, errcap, "unknown link fault kind '%.*s' (drop, truncate, corrupt, "
                              "duplicate, delay or disconnect)", (int)klen, text);
        return -1;
    }
    out->kind = (cnd_lf_kind_t)k;
    colon = strchr(at + 1, ':');
    if (parse_u32(at + 1, colon ? (size_t)(colon - at - 1) : strlen(at + 1), &out->at) != 0 ||
        out->at == 0) {
        snprintf(err, errcap, "link fault '%s': the frame number after '@' must be >= 1", text);
        return -1;
    }
    if (colon != NULL) {
        if (out->kind == CND_LF_DROP || out->kind == CND_LF_DUPLICATE ||
            out->kind == CND_LF_DISCONNECT) {
            snprintf(err, errcap, "link fault '%s': %s takes no ':ARG'", text,
                     kind_names[out->kind]);
            return -1;
        }
        if (parse_u32(colon + 1, strlen(colon + 1), &out->arg) != 0 ||
            (out->kind == CND_LF_TRUNCATE && out->arg == 0) ||
            (out->kind == CND_LF_DELAY && out->arg > 600000u)) {
            snprintf(err, errcap, "link fault '%s': ':ARG' must be %s", text,
                     out->kind == CND_LF_TRUNCATE  ? "a byte count >= 1"
                     : out->kind == CND_LF_CORRUPT ? "a byte index"
                                                   : "a delay of at most 600000 ms");
            return -1;
        }
        out->has_arg = 1;
    }
    return 0;
}

void cnd_lf_format(const cnd_lf_spec_t *spec, char *buf, size_t cap)
{
    const char *name = cnd_lf_kind_name(spec->kind);
    if (spec->has_arg)
        snprintf(buf, cap, "%s@%lu:%lu", name ? name : "?", (unsigned long)spec->at,
                 (unsigned long)spec->arg);
    else
        snprintf(buf, cap, "%s@%lu", name ? name : "?", (unsigned long)spec->at);
}

void cnd_link_fault_init(cnd_link_fault_t *lf, const cnd_lf_spec_t *spec)
{
    memset(lf, 0, sizeof *lf);
    if (spec != NULL)
        lf->spec = *spec;
}

void cnd_link_fault_link_down(cnd_link_fault_t *lf)
{
    lf->split[0].have = lf->split[1].have = 0;
}

void cnd_link_fault_frame(cnd_link_fault_t *lf, int dir, uint8_t *frame, size_t len,
                          cnd_lf_action_t *act)
{
    size_t i;
    memset(act, 0, sizeof *act);
    act->len = len;
    act->copies = 1;
    lf->frames++;
    if (lf->fired || lf->spec.kind == CND_LF_NONE || lf->frames != lf->spec.at || len == 0)
        return;
    lf->fired = 1;
    lf->fired_dir = (uint8_t)dir;
    lf->fired_type = len > 3 ? frame[3] : 0;
    act->fired = 1;
    switch (lf->spec.kind) {
    case CND_LF_DROP: act->copies = 0; break;
    case CND_LF_TRUNCATE:
        act->len = lf->spec.has_arg ? lf->spec.arg : len / 2;
        if (act->len >= len)
            act->len = len - 1; /* a truncation always loses something */
        break;
    case CND_LF_CORRUPT:
        i = lf->spec.has_arg ? lf->spec.arg : len / 2;
        if (i >= len)
            i = len - 1;
        frame[i] ^= 0x10; /* one bit: the weakest damage a CRC must catch */
        break;
    case CND_LF_DUPLICATE: act->copies = 2; break;
    case CND_LF_DELAY:
        act->delay_ms = lf->spec.has_arg ? lf->spec.arg : CND_LF_DELAY_DEFAULT_MS;
        break;
    case CND_LF_DISCONNECT:
        act->copies = 0;
        act->disconnect = 1;
        break;
    default: break;
    }
}

/* Length of a complete unit at the start of the buffer, or 0 if more bytes
 * are needed; *is_frame tells which kind of unit it is. */
static size_t unit_ready(const cnd_lf_splitter_t *sp, int *is_frame)
{
    size_t i, total;
    *is_frame = 0;
    if (sp->have == 0)
        return 0;
    if (sp->buf[0] != CND_FRAME_MAGIC0 || (sp->have >= 2 && sp->buf[1] != CND_FRAME_MAGIC1)) {
        /* garbage: up to the next possible start of a frame */
        for (i = 1; i < sp->have && sp->buf[i] != CND_FRAME_MAGIC0; i++)
            ;
        return i;
    }
    if (sp->have < CND_FRAME_HEADER_LEN)
        return 0;
    total = (size_t)cnd_wire_get_u16(sp->buf + 4);
    if (total > CND_FRAME_MAX_PAYLOAD)
        return 1; /* a magic that cannot start a frame: one garbage byte */
    total += CND_FRAME_OVERHEAD;
    if (sp->have < total)
        return 0;
    *is_frame = 1;
    return total;
}

/* Bytes the buffer needs before unit_ready() can decide. */
static size_t bytes_wanted(const cnd_lf_splitter_t *sp)
{
    if (sp->have < CND_FRAME_HEADER_LEN)
        return CND_FRAME_HEADER_LEN - sp->have;
    return (size_t)cnd_wire_get_u16(sp->buf + 4) + CND_FRAME_OVERHEAD - sp->have;
}

size_t cnd_lf_split(cnd_link_fault_t *lf, int dir, const uint8_t *in, size_t n,
                    const uint8_t **unit, size_t *unit_len, int *is_frame)
{
    cnd_lf_splitter_t *sp = &lf->split[dir ? 1 : 0];
    size_t used = 0;

    *unit = NULL;
    *unit_len = 0;
    *is_frame = 0;
    for (;;) {
        size_t len = unit_ready(sp, is_frame), want;
        if (len > 0) {
            /* hand out a copy, so the buffer can move on */
            memcpy(sp->unit, sp->buf, len);
            memmove(sp->buf, sp->buf + len, sp->have - len);
            sp->have -= len;
            *unit = sp->unit;
            *unit_len = len;
            return used;
        }
        if (used == n)
            return used;
        want = bytes_wanted(sp);
        if (want > n - used)
            want = n - used;
        memcpy(sp->buf + sp->have, in + used, want);
        sp->have += want;
        used += want;
    }
}

int cnd_link_fault_stream(cnd_link_fault_t *lf, int dir, const uint8_t *in, size_t n,
                          cnd_lf_carry_fn carry, void *ctx)
{
    size_t off = 0;
    for (;;) {
        const uint8_t *unit;
        size_t unit_len;
        int is_frame, rc;
        cnd_lf_action_t act;
        off += cnd_lf_split(lf, dir, in + off, n - off, &unit, &unit_len, &is_frame);
        if (unit_len == 0)
            return 0; /* the rest of a frame comes with later bytes */
        if (is_frame) {
            cnd_link_fault_frame(lf, dir, (uint8_t *)unit, unit_len, &act);
        } else {
            memset(&act, 0, sizeof act);
            act.len = unit_len;
            act.copies = 1;
        }
        rc = carry(ctx, dir, unit, &act);
        if (rc != 0)
            return rc;
    }
}
