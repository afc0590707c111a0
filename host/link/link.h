/*
 * link.h: request/reply over any transport, the host end of the lock-step
 * protocol (formats/SPEC.md sections "Frames" and "Messages").
 *
 * Owns: framing a request, reading until exactly one complete, CRC-checked
 * reply frame arrives or the reply timeout passes, and turning every failure
 * (timeout, disconnect, ERROR reply, other protocol version, unexpected
 * reply) into a status plus a one-line cnd_err_t that names the device,
 * the request and the next step.
 *
 * Timeouts: CND_LINK_TIMEOUT_MS (5 s) for each reply and for each send. A
 * device answers every request at once (lock-step, no queueing), so 5 s is
 * far beyond a healthy reply even for PULL_BEGIN of a full batch, except
 * the flash work of installing a big pack: PUSH_BEGIN and PUSH_COMMIT wait
 * one more timeout per 40 KiB of pack (cnd_link_push_pack). (Tests
 * shorten it with CANDOR_TEST_LINK_TIMEOUT_MS, see cnd_link_init.)
 *
 * Never: retries on its own (a repeated request could be applied twice,
 * e.g. PUSH_DATA); interprets message payloads beyond ERROR and HELLO.
 * RAM: host only; sizeof(cnd_link_t) is about 6 KB, no heap beyond the
 * transport.
 */
#ifndef CND_LINK_H
#define CND_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_status.h"
#include "frame.h"
#include "hosterr.h"
#include "proto.h"
#include "transport.h"

#define CND_LINK_TIMEOUT_MS 5000

typedef struct {
    cnd_transport_t *t;
    int timeout_ms;
    cnd_frame_parser_t rx;
    uint8_t tx[CND_FRAME_MAX_SIZE];
    uint8_t in[4096]; /* bytes received but not yet fed to the parser */
    size_t in_pos, in_len;
    int refused; /* the last failure was an ERROR reply (a refusal), not the link */
} cnd_link_t;

/* Wraps an open transport; the link takes it over (cnd_link_close closes it). */
void cnd_link_init(cnd_link_t *l, cnd_transport_t *t);

/* Opens the device the user means (spec from --device, else $CANDOR_DEVICE,
 * else the single one discovered), see cnd_transport_open_default(). */
cnd_status_t cnd_link_open(cnd_link_t *l, const char *spec, cnd_err_t *err);

void cnd_link_close(cnd_link_t *l);

/*
 * Sends request `type` with payload[0..len) and waits for its reply. On
 * CND_OK, *reply is a frame of this candor's protocol version whose type is
 * `expect`; its payload stays valid until the next request. An ERROR reply
 * returns the device's status (and says what it refused and why); any other
 * reply type is CND_E_PROTOCOL.
 */
cnd_status_t cnd_link_request(cnd_link_t *l, uint8_t type, const uint8_t *payload, size_t len,
                              uint8_t expect, cnd_frame_t *reply, cnd_err_t *err);

/* HELLO, decoded. */
cnd_status_t cnd_link_hello(cnd_link_t *l, cnd_msg_hello_t *hello, cnd_err_t *err);

/* Installs a pack: PUSH_BEGIN(len, fp), PUSH_DATA in order, PUSH_COMMIT.
 * The caller has validated it with cnd_pack_open(). */
cnd_status_t cnd_link_push_pack(cnd_link_t *l, const uint8_t *pack, uint32_t len,
                                uint32_t fingerprint, cnd_err_t *err);

/* Exit code for a failed request: CND_EXIT_FAIL when the device refused
 * (it is reachable and said why), CND_EXIT_DEVICE when the device could not
 * be reached, went away, or speaks another protocol. */
int cnd_link_exit_code(const cnd_link_t *l);

/* The name of the device for messages ("sim:/tmp/candor-sim/1.sock"). */
const char *cnd_link_name(const cnd_link_t *l);

#endif
