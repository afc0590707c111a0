/*
 * link_fault.h: one fault on the host <-> device link, at frame N, decided
 * in one place for every carrier that tests use: the in-process loop
 * transport (tests/support/loop_transport.h) and the simulator's socket
 * (candor-sim --link-fault KIND@N[:ARG]).
 *
 * Frames are counted in BOTH directions on one counter, from 1, in the
 * order they are offered to the link: with the lock-step protocol frame 1
 * is the first request, frame 2 its reply, frame 3 the next request, and
 * so on (odd = host to device, even = device to host, as long as no fault
 * has fired). Counting continues across reconnections; the fault fires
 * once, on frame N, and every other frame passes untouched.
 *
 * Kinds, and what happens to frame N:
 *   drop       it never arrives
 *   truncate   only its first ARG bytes arrive (default: half of it)
 *   corrupt    one bit flips, in byte ARG (default: the middle byte)
 *   duplicate  it arrives twice
 *   delay      it arrives ARG ms late (default 1000 ms); the carrier waits
 *   disconnect it never arrives and the link goes down
 *
 * Owns: parsing and printing fault specs, counting frames, the decision
 * for each frame, and a splitter that finds frame boundaries in a byte
 * stream (a socket delivers any split) without checking CRCs, so a frame
 * the peer garbled is still counted as one frame.
 *
 * Never: sleeps, reads a clock or touches a socket (the carrier acts on
 * the decision, in virtual or real time); used by firmware on a board.
 * RAM: sizeof(cnd_link_fault_t), about 4.2 KB (two buffers per direction).
 */
#ifndef CND_LINK_FAULT_H
#define CND_LINK_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

typedef enum {
    CND_LF_NONE = 0,
    CND_LF_DROP,
    CND_LF_TRUNCATE,
    CND_LF_CORRUPT,
    CND_LF_DUPLICATE,
    CND_LF_DELAY,
    CND_LF_DISCONNECT,
    CND_LF_KIND_COUNT
} cnd_lf_kind_t;

/* Direction of a frame. */
#define CND_LF_TO_DEVICE 0
#define CND_LF_TO_HOST 1

#define CND_LF_DELAY_DEFAULT_MS 1000u

typedef struct {
    cnd_lf_kind_t kind;
    uint32_t at;  /* frame number, from 1 */
    uint32_t arg; /* truncate: bytes kept; corrupt: byte index; delay: ms;
                     0 = the default above */
    int has_arg;
} cnd_lf_spec_t;

/* What the carrier does with one frame (after cnd_link_fault_frame). */
typedef struct {
    size_t len;        /* bytes of the (possibly altered) frame to deliver */
    unsigned copies;   /* 0 = none, 1, or 2 (duplicate) */
    uint32_t delay_ms; /* deliver only after this long */
    int disconnect;    /* bring the link down instead of delivering */
    int fired;         /* this frame is the faulted one */
} cnd_lf_action_t;

/* Finds frame boundaries in one direction's byte stream. */
typedef struct {
    uint8_t buf[CND_FRAME_MAX_SIZE];  /* bytes of the unit being collected */
    uint8_t unit[CND_FRAME_MAX_SIZE]; /* the last unit handed out */
    size_t have;
} cnd_lf_splitter_t;

typedef struct {
    cnd_lf_spec_t spec;
    uint32_t frames;  /* frames offered so far, both directions */
    int fired;        /* the fault has happened */
    uint8_t fired_dir;
    uint8_t fired_type; /* message type byte of the faulted frame */
    cnd_lf_splitter_t split[2];
} cnd_link_fault_t;

/* "drop", "truncate", ... (NULL for an unknown kind). */
const char *cnd_lf_kind_name(cnd_lf_kind_t kind);

/*
 * Parses "KIND@N" or "KIND@N:ARG" (N >= 1; ARG a decimal count, for
 * truncate >= 1 byte, for delay <= 600000 ms; disconnect takes none).
 * Returns 0, or -1 with a one-line reason in err.
 */
int cnd_lf_parse(const char *text, cnd_lf_spec_t *out, char *err, size_t errcap);

/* Writes the spec back in the form cnd_lf_parse reads. */
void cnd_lf_format(const cnd_lf_spec_t *spec, char *buf, size_t cap);

void cnd_link_fault_init(cnd_link_fault_t *lf, const cnd_lf_spec_t *spec);

/* The link went down: half-split frames are forgotten; the count goes on. */
void cnd_link_fault_link_down(cnd_link_fault_t *lf);

/*
 * Counts one whole frame travelling in direction dir and decides its fate.
 * frame[0..len) may be modified in place (corrupt); act->len says how many
 * bytes to deliver. Bytes that are not a frame (see the splitter) must not
 * be passed here.
 */
void cnd_link_fault_frame(cnd_link_fault_t *lf, int dir, uint8_t *frame, size_t len,
                          cnd_lf_action_t *act);

/*
 * Feeds stream bytes of direction dir. Returns how many bytes of in it
 * consumed. When a unit is complete, sets *unit and *unit_len (valid until
 * the next call) and *is_frame: 1 for a whole frame (header length within
 * bounds, CRC not checked), 0 for bytes that cannot start a frame, which
 * the carrier passes on untouched and uncounted. Call again with the rest
 * (n may be 0 to drain what is buffered).
 */
size_t cnd_lf_split(cnd_link_fault_t *lf, int dir, const uint8_t *in, size_t n,
                    const uint8_t **unit, size_t *unit_len, int *is_frame);

/*
 * What a carrier does with one unit of a stream: deliver act->len bytes
 * act->copies times, after act->delay_ms, or bring the link down when
 * act->disconnect. Bytes that are not a frame come with a pass-through
 * action. A non-zero return stops the stream (the link is gone).
 */
typedef int (*cnd_lf_carry_fn)(void *ctx, int dir, const uint8_t *bytes,
                               const cnd_lf_action_t *act);

/*
 * Everything a carrier needs in one call: splits in[0..n) of direction dir
 * into units, decides each frame's fate and hands every unit to carry, in
 * order. Returns 0, or carry's first non-zero value.
 */
int cnd_link_fault_stream(cnd_link_fault_t *lf, int dir, const uint8_t *in, size_t n,
                          cnd_lf_carry_fn carry, void *ctx);

#endif
