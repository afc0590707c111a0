/*
 * loop_transport.h: a cnd_transport_t whose far end is a real device sync
 * state machine (firmware/core/sync.h) in the same process. Tests drive the
 * REAL host link and sync client against the REAL device code with it.
 *
 * Owns: moving request bytes into cnd_sync_input() and queueing the reply
 * bytes for recv(), plus the faults a cable or a foreign device could
 * cause, aimed at the nth request of one message type. A recv with nothing
 * queued returns CND_E_TIMEOUT at once (the device has already answered
 * everything it ever will), so tests never sleep.
 *
 * Link faults at frame N (drop, truncate, corrupt, duplicate, delay,
 * disconnect) come from link_fault.h, the same code candor-sim uses for
 * --link-fault: set `lf` and every frame in both directions goes through
 * it. Time is then virtual: a delayed frame arrives within a recv() whose
 * timeout covers the delay, otherwise that recv() times out as a real one
 * would (and the frame stays late).
 *
 * Never: used outside tests. RAM: heap, about 70 KB per transport.
 */
#ifndef CND_LOOP_TRANSPORT_H
#define CND_LOOP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "link_fault.h"
#include "sync.h"
#include "transport.h"

typedef enum {
    CND_LOOP_FAULT_NONE = 0,
    CND_LOOP_UNPLUG_BEFORE, /* the request never arrives; the link is gone */
    CND_LOOP_UNPLUG_AFTER,  /* the device acts on the request, then the link dies */
    CND_LOOP_CORRUPT_REPLY, /* one bit of the reply flips on the way */
    CND_LOOP_FOREIGN_VERSION /* replies come in protocol version `version` */
} cnd_loop_fault_t;

typedef struct {
    cnd_transport_t base; /* first: a cnd_transport_t * is a cnd_loop_transport_t * */
    cnd_sync_t *dev;
    uint8_t queue[65536]; /* reply bytes not yet received by the host */
    size_t q_pos, q_len;
    unsigned requests;    /* send() calls that reached the device */
    /* The fault fires on the nth (from 1) request whose type is fault_type
     * (0 = any type). FOREIGN_VERSION applies to every reply. */
    cnd_loop_fault_t fault;
    uint8_t fault_type;
    unsigned fault_nth;
    unsigned seen;        /* requests of fault_type so far */
    uint8_t version;      /* for CND_LOOP_FOREIGN_VERSION */
    int trickle;          /* recv returns one byte at a time */
    int unplugged;
    /* Shared link faults (see above); NULL = none. Not owned. */
    cnd_link_fault_t *lf;
    long long now_ms;                 /* virtual clock, advanced by recv() waits */
    uint8_t held[CND_FRAME_MAX_SIZE]; /* a delayed frame */
    size_t held_len;
    int held_dir;                     /* CND_LF_TO_DEVICE or CND_LF_TO_HOST */
    long long held_due;               /* virtual time it arrives */
} cnd_loop_transport_t;

/* A new transport talking to dev (already cnd_sync_init'ed). close() frees it. */
cnd_loop_transport_t *cnd_loop_transport_new(cnd_sync_t *dev);

#endif
