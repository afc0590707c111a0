/* link.c: lock-step request/reply over a transport (see link.h). */
#include "link.h"

#include "crashpoint.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long link_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cnd_link_init(cnd_link_t *l, cnd_transport_t *t)
{
    memset(l, 0, sizeof *l);
    l->t = t;
    l->timeout_ms = CND_LINK_TIMEOUT_MS;
    cnd_frame_parser_init(&l->rx);
    /* Test hook: the link-fault tests wait for this timeout after every
     * dropped or damaged frame; CANDOR_TEST_LINK_TIMEOUT_MS (100..60000)
     * shortens it so they fit the test budget. Users never need it. */
    {
        const char *v = getenv("CANDOR_TEST_LINK_TIMEOUT_MS");
        char *end;
        long ms = v != NULL ? strtol(v, &end, 10) : 0;
        if (v != NULL && *end == '\0' && ms >= 100 && ms <= 60000)
            l->timeout_ms = (int)ms;
    }
}

cnd_status_t cnd_link_open(cnd_link_t *l, const char *spec, cnd_err_t *err)
{
    cnd_transport_t *t = NULL;
    cnd_status_t st = cnd_transport_open_default(spec, &t, err);
    memset(l, 0, sizeof *l);
    if (st != CND_OK)
        return st;
    cnd_link_init(l, t);
    return CND_OK;
}

void cnd_link_close(cnd_link_t *l)
{
    if (l->t != NULL)
        l->t->close(l->t);
    l->t = NULL;
}

int cnd_link_exit_code(const cnd_link_t *l)
{
    return l->refused ? CND_EXIT_FAIL : CND_EXIT_DEVICE;
}

const char *cnd_link_name(const cnd_link_t *l)
{
    return l->t != NULL ? l->t->name : "(no device)";
}

/* One line for a carrier failure, naming the device, the request and what
 * to do. Sync callers add that nothing unacknowledged is lost. */
static void carrier_error(cnd_link_t *l, cnd_status_t st, uint8_t type, cnd_err_t *err)
{
    const char *req = cnd_msg_name(type);
    if (st == CND_E_TIMEOUT)
        cnd_err_set(err,
                    "no reply from %s to %s within %d s; check that the device is on and "
                    "connected, then run the command again",
                    cnd_link_name(l), req, l->timeout_ms / 1000);
    else if (st == CND_E_DISCONNECTED)
        cnd_err_set(err, "%s disconnected during %s; reconnect it and run the command again",
                    cnd_link_name(l), req);
    else
        cnd_err_set(err, "I/O error talking to %s during %s: %s", cnd_link_name(l), req,
                    cnd_status_str(st));
}

static void version_error(cnd_link_t *l, uint8_t theirs, cnd_err_t *err)
{
    cnd_err_set(err,
                "device %s speaks protocol v%u, this candor speaks v%u; update %s so both "
                "speak the same version",
                cnd_link_name(l), theirs, CND_PROTOCOL_VERSION,
                theirs < CND_PROTOCOL_VERSION ? "the device firmware" : "candor");
}

static cnd_status_t error_reply(cnd_link_t *l, uint8_t type, const cnd_frame_t *f,
                                cnd_err_t *err)
{
    cnd_msg_error_t e;
    cnd_status_t st;
    if (cnd_msg_decode_error(f->payload, f->len, &e) != CND_OK) {
        cnd_err_set(err, "%s sent a malformed ERROR reply to %s", cnd_link_name(l),
                    cnd_msg_name(type));
        return CND_E_PROTOCOL;
    }
    st = (cnd_status_t)e.status;
    if (e.status > CND_E_UNTRUSTED || e.status == CND_OK)
        st = CND_E_PROTOCOL; /* a status we do not know: still a refusal */
    cnd_err_set(err, "device refused %s (%s): %s", cnd_msg_name(type),
                cnd_status_str((cnd_status_t)e.status), e.text[0] ? e.text : "no reason given");
    return st;
}

/* Reads until one complete valid frame or the deadline. */
static cnd_status_t read_frame(cnd_link_t *l, uint8_t type, cnd_frame_t *reply, cnd_err_t *err)
{
    long long deadline = link_now_ms() + l->timeout_ms;
    for (;;) {
        int ready = 0;
        size_t used;
        if (l->in_pos == l->in_len) {
            long long left = deadline - link_now_ms();
            size_t got = 0;
            cnd_status_t st;
            if (left <= 0) {
                carrier_error(l, CND_E_TIMEOUT, type, err);
                return CND_E_TIMEOUT;
            }
            st = l->t->recv(l->t, l->in, sizeof l->in, &got, (int)left);
            if (st != CND_OK) {
                carrier_error(l, st, type, err);
                return st;
            }
            l->in_pos = 0;
            l->in_len = got;
        }
        used = cnd_frame_parser_feed(&l->rx, l->in + l->in_pos, l->in_len - l->in_pos, &ready,
                                     reply);
        l->in_pos += used;
        if (ready)
            return CND_OK;
    }
}

cnd_status_t cnd_link_request(cnd_link_t *l, uint8_t type, const uint8_t *payload, size_t len,
                              uint8_t expect, cnd_frame_t *reply, cnd_err_t *err)
{
    size_t n = 0;
    cnd_status_t st;

    memset(reply, 0, sizeof *reply);
    l->refused = 0;
    if (l->t == NULL) {
        cnd_err_set(err, "no device open");
        return CND_E_NOT_FOUND;
    }
    st = cnd_frame_encode(l->tx, sizeof l->tx, CND_PROTOCOL_VERSION, type, payload, len, &n);
    if (st != CND_OK) {
        cnd_err_set(err, "internal: %s request does not fit in a frame", cnd_msg_name(type));
        return st;
    }
    st = l->t->send(l->t, l->tx, n, l->timeout_ms);
    if (st != CND_OK) {
        carrier_error(l, st, type, err);
        return st;
    }
    /* test hook (crashpoint.h): die with the ACK sent, its reply unread */
    if (type == CND_MSG_ACK)
        cnd_crashpoint("ack-sent");
    st = read_frame(l, type, reply, err);
    if (st != CND_OK)
        return st;
    if (reply->version != CND_PROTOCOL_VERSION) {
        version_error(l, reply->version, err);
        return CND_E_VERSION;
    }
    if (reply->type == CND_MSG_ERROR) {
        l->refused = 1;
        return error_reply(l, type, reply, err);
    }
    if (reply->type != expect) {
        cnd_err_set(err, "%s answered %s with %s instead of %s; is it a Candor device?",
                    cnd_link_name(l), cnd_msg_name(type), cnd_msg_name(reply->type),
                    cnd_msg_name(expect));
        return CND_E_PROTOCOL;
    }
    return CND_OK;
}

cnd_status_t cnd_link_hello(cnd_link_t *l, cnd_msg_hello_t *hello, cnd_err_t *err)
{
    cnd_frame_t f;
    cnd_status_t st = cnd_link_request(l, CND_MSG_HELLO, NULL, 0, CND_MSG_HELLO_REPLY, &f, err);
    if (st != CND_OK)
        return st;
    st = cnd_msg_decode_hello(f.payload, f.len, hello);
    if (st != CND_OK) {
        cnd_err_set(err, "%s sent a malformed HELLO reply (%s)", cnd_link_name(l),
                    cnd_status_str(st));
        return CND_E_PROTOCOL;
    }
    return CND_OK;
}

cnd_status_t cnd_link_push_pack(cnd_link_t *l, const uint8_t *pack, uint32_t len,
                                uint32_t fingerprint, cnd_err_t *err)
{
    uint8_t payload[CND_FRAME_MAX_PAYLOAD];
    cnd_msg_push_begin_t b;
    cnd_frame_t f;
    uint32_t off = 0;
    size_t n = 0;
    int slow_ms, saved_ms;
    cnd_status_t st;

    b.len = len;
    b.fingerprint = fingerprint;
    cnd_msg_encode_push_begin(&b, payload, sizeof payload, &n);
    /* BEGIN erases a NOR block per 4 KiB of pack (W25Q64JV: up to 400 ms
     * each) and COMMIT copies the pack into the handheld's internal flash
     * (up to 2 s per 128 KiB sector erased, 100 us per word): a 256 KiB
     * pack may take 26 s and 13 s. Those two replies get one more timeout
     * per 40 KiB of pack; a pack under 40 KiB waits as long as before. */
    slow_ms = l->timeout_ms * (1 + (int)(len / 40960u));
    saved_ms = l->timeout_ms;
    l->timeout_ms = slow_ms;
    st = cnd_link_request(l, CND_MSG_PUSH_BEGIN, payload, n, CND_MSG_OK, &f, err);
    l->timeout_ms = saved_ms;
    while (st == CND_OK && off < len) {
        cnd_msg_push_data_t d;
        d.offset = off;
        d.data = pack + off;
        d.len = (uint16_t)(len - off < CND_MSG_PUSH_DATA_MAX ? len - off : CND_MSG_PUSH_DATA_MAX);
        cnd_msg_encode_push_data(&d, payload, sizeof payload, &n);
        st = cnd_link_request(l, CND_MSG_PUSH_DATA, payload, n, CND_MSG_OK, &f, err);
        off += d.len;
    }
    if (st == CND_OK) {
        l->timeout_ms = slow_ms;
        st = cnd_link_request(l, CND_MSG_PUSH_COMMIT, NULL, 0, CND_MSG_OK, &f, err);
        l->timeout_ms = saved_ms;
    }
    return st;
}
