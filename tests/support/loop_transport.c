/* loop_transport.c: see loop_transport.h. */
#include "loop_transport.h"

#include <stdlib.h>
#include <string.h>

#include "frame.h"

static void queue_bytes(cnd_loop_transport_t *lt, const uint8_t *b, size_t n)
{
    if (lt->q_pos == lt->q_len)
        lt->q_pos = lt->q_len = 0;
    if (n > sizeof lt->queue - lt->q_len)
        n = sizeof lt->queue - lt->q_len; /* lock-step: never more than one reply queued */
    memcpy(lt->queue + lt->q_len, b, n);
    lt->q_len += n;
}

/* Re-frames a reply as another protocol version would send it. */
static void reframe(cnd_loop_transport_t *lt, uint8_t *reply, size_t *len)
{
    cnd_frame_t f;
    uint8_t copy[CND_SYNC_REPLY_MAX];
    if (cnd_frame_decode(reply, *len, &f) != CND_OK)
        return;
    memcpy(copy, f.payload, f.len);
    (void)cnd_frame_encode(reply, CND_SYNC_REPLY_MAX, lt->version, f.type, copy, f.len, len);
}

static int fault_fires(cnd_loop_transport_t *lt, const uint8_t *buf, size_t n)
{
    if (lt->fault == CND_LOOP_FAULT_NONE || lt->fault == CND_LOOP_FOREIGN_VERSION)
        return 0;
    if (lt->fault_type != 0 && (n < 4 || buf[3] != lt->fault_type))
        return 0;
    return ++lt->seen == lt->fault_nth;
}

/* ---- shared link faults (link_fault.h) ---- */

static void lf_unplug(cnd_loop_transport_t *lt)
{
    lt->unplugged = 1;
    lt->q_pos = lt->q_len = 0;
    lt->held_len = 0;
    cnd_link_fault_link_down(lt->lf);
    cnd_sync_reset(lt->dev); /* the port tells the device the link went */
}

static void lf_hold(cnd_loop_transport_t *lt, int dir, const uint8_t *b, size_t n,
                    uint32_t delay_ms)
{
    memcpy(lt->held, b, n);
    lt->held_len = n;
    lt->held_dir = dir;
    lt->held_due = lt->now_ms + delay_ms;
}

static void lf_to_device(cnd_loop_transport_t *lt, const uint8_t *b, size_t n);

/* cnd_lf_carry_fn: a unit of either direction, as the fault decided. */
static int lf_carry(void *ctx, int dir, const uint8_t *bytes, const cnd_lf_action_t *act)
{
    cnd_loop_transport_t *lt = ctx;
    unsigned k;
    if (act->disconnect) {
        lf_unplug(lt);
        return -1;
    }
    if (act->delay_ms > 0) {
        lf_hold(lt, dir, bytes, act->len, act->delay_ms);
        return 0;
    }
    for (k = 0; k < act->copies; k++) {
        if (dir == CND_LF_TO_HOST)
            queue_bytes(lt, bytes, act->len);
        else
            lf_to_device(lt, bytes, act->len);
    }
    return 0;
}

/* Bytes that reached the device: every reply goes back through the fault. */
static void lf_to_device(cnd_loop_transport_t *lt, const uint8_t *b, size_t n)
{
    size_t used = 0;
    while (used < n && !lt->unplugged) {
        uint8_t reply[CND_SYNC_REPLY_MAX];
        size_t reply_len = 0;
        size_t k = cnd_sync_input(lt->dev, b + used, n - used, reply, sizeof reply, &reply_len);
        used += k;
        if (reply_len > 0)
            (void)cnd_link_fault_stream(lt->lf, CND_LF_TO_HOST, reply, reply_len, lf_carry, lt);
        if (k == 0)
            break;
    }
}

static cnd_status_t lf_send(cnd_loop_transport_t *lt, const uint8_t *buf, size_t n)
{
    lt->requests++;
    if (cnd_link_fault_stream(lt->lf, CND_LF_TO_DEVICE, buf, n, lf_carry, lt) != 0)
        return CND_E_DISCONNECTED;
    return CND_OK;
}

/* recv() found nothing queued: a late frame arrives if the wait covers it. */
static void lf_wait(cnd_loop_transport_t *lt, int timeout_ms)
{
    if (lt->held_len == 0 || lt->held_due > lt->now_ms + timeout_ms) {
        lt->now_ms += timeout_ms;
        return;
    }
    if (lt->held_due > lt->now_ms)
        lt->now_ms = lt->held_due;
    if (lt->held_dir == CND_LF_TO_HOST) {
        queue_bytes(lt, lt->held, lt->held_len);
        lt->held_len = 0;
    } else {
        uint8_t b[CND_FRAME_MAX_SIZE];
        size_t n = lt->held_len;
        memcpy(b, lt->held, n);
        lt->held_len = 0;
        lf_to_device(lt, b, n);
    }
}

static cnd_status_t loop_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    cnd_loop_transport_t *lt = (cnd_loop_transport_t *)t;
    size_t used = 0;
    int fire;
    (void)timeout_ms;
    if (lt->unplugged)
        return CND_E_DISCONNECTED;
    if (lt->lf != NULL)
        return lf_send(lt, buf, n);
    fire = fault_fires(lt, buf, n);
    if (fire && lt->fault == CND_LOOP_UNPLUG_BEFORE) {
        /* The cable comes out: the device sees the link go, as a port tells it. */
        lt->unplugged = 1;
        cnd_sync_reset(lt->dev);
        return CND_E_DISCONNECTED;
    }
    lt->requests++;
    while (used < n) {
        uint8_t reply[CND_SYNC_REPLY_MAX];
        size_t reply_len = 0;
        size_t k = cnd_sync_input(lt->dev, buf + used, n - used, reply, sizeof reply, &reply_len);
        used += k;
        if (reply_len > 0) {
            if (lt->fault == CND_LOOP_FOREIGN_VERSION)
                reframe(lt, reply, &reply_len);
            if (fire && lt->fault == CND_LOOP_CORRUPT_REPLY)
                reply[reply_len / 2] ^= 0x10;
            queue_bytes(lt, reply, reply_len);
        }
        if (k == 0)
            break; /* the real parser always consumes; never spin */
    }
    if (fire && lt->fault == CND_LOOP_UNPLUG_AFTER) {
        lt->unplugged = 1;
        lt->q_pos = lt->q_len = 0;
        cnd_sync_reset(lt->dev);
    }
    return CND_OK;
}

static cnd_status_t loop_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                              int timeout_ms)
{
    cnd_loop_transport_t *lt = (cnd_loop_transport_t *)t;
    size_t n = lt->q_len - lt->q_pos;
    *got = 0;
    if (n == 0 && lt->lf != NULL && !lt->unplugged) {
        lf_wait(lt, timeout_ms);
        n = lt->q_len - lt->q_pos;
    }
    if (n == 0)
        return lt->unplugged ? CND_E_DISCONNECTED : CND_E_TIMEOUT;
    if (n > cap)
        n = cap;
    if (lt->trickle && n > 1)
        n = 1;
    memcpy(buf, lt->queue + lt->q_pos, n);
    lt->q_pos += n;
    *got = n;
    return CND_OK;
}

static void loop_close(cnd_transport_t *t)
{
    free(t);
}

cnd_loop_transport_t *cnd_loop_transport_new(cnd_sync_t *dev)
{
    cnd_loop_transport_t *lt = calloc(1, sizeof *lt);
    if (lt == NULL)
        return NULL;
    lt->dev = dev;
    strcpy(lt->base.name, "loop:test-device");
    lt->base.send = loop_send;
    lt->base.recv = loop_recv;
    lt->base.close = loop_close;
    return lt;
}
