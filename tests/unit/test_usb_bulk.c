/* test_usb_bulk.c: the sync protocol carried over USB bulk packets by the
 * REAL device stack (usb_dev, usb_bulk, sync, store) on the fake
 * controller, with the REAL host link and sync client on the other end.
 * What a coordinator would notice: every response arrives once through
 * USB, a reply whose length is a multiple of 64 does not hang the host
 * (zero-length packet), and a cable pulled mid-reply leaves the device
 * ready for the next sync. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>

#include "compile.h"
#include "fake_dcd.h"
#include "frame.h"
#include "hoststore.h"
#include "open_sealed.h"
#include "hostsync.h"
#include "link.h"
#include "proto.h"
#include "usb_fixture.h"
#include "tmp_tree.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"
#define N_RESPONSES 40

typedef struct {
    cnd_usb_fixture_t *fx;
    uint8_t pack[CND_MAX_PACK_SIZE];
    size_t pack_len;
    cnd_pack_t pk;
    char dir[64];
    cnd_hoststore_t *hs;
    uint8_t ids[N_RESPONSES][CND_RESPONSE_ID_LEN];
} tx_t;

/* ---- a host transport whose wire is the fake controller's bulk pair ---- */

typedef struct {
    cnd_transport_t base; /* first */
    cnd_fake_dcd_t *fake;
    uint8_t in[2048]; /* one bulk IN transfer: a multiple of 64, above any reply */
    size_t pos, len;
    unsigned zlps;    /* transfers that ended in a zero-length packet */
} usb_transport_t;

static cnd_status_t ut_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    usb_transport_t *u = (usb_transport_t *)t;
    (void)timeout_ms;
    return cnd_fake_dcd_bulk_out(u->fake, buf, n, 0);
}

static cnd_status_t ut_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                            int timeout_ms)
{
    usb_transport_t *u = (usb_transport_t *)t;
    size_t n;
    (void)timeout_ms;
    while (u->pos == u->len) {
        cnd_status_t st = cnd_fake_dcd_bulk_in(u->fake, u->in, sizeof u->in, &u->len);
        if (st != CND_OK)
            return st; /* nothing armed: the device has answered all it will */
        u->pos = 0;
        if (u->len % 64 == 0)
            u->zlps++; /* bulk_in only stops early at a short packet: here a ZLP */
    }
    n = u->len - u->pos;
    if (n > cap)
        n = cap;
    memcpy(buf, u->in + u->pos, n);
    u->pos += n;
    *got = n;
    return CND_OK;
}

static void ut_close(cnd_transport_t *t)
{
    free(t);
}

static usb_transport_t *usb_link(tx_t *x, cnd_link_t *l)
{
    usb_transport_t *u = calloc(1, sizeof *u);
    assert_non_null(u);
    snprintf(u->base.name, sizeof u->base.name, "usb:fake");
    u->base.send = ut_send;
    u->base.recv = ut_recv;
    u->base.close = ut_close;
    u->fake = &x->fx->fake;
    cnd_link_init(l, &u->base);
    return u;
}

/* ---- fixture ---- */

static int setup(void **state)
{
    tx_t *x = calloc(1, sizeof *x);
    cnd_err_t err;
    assert_non_null(x);
    x->fx = cnd_usb_fixture_new(42);
    assert_non_null(x->fx);
    if (cnd_compile_file(SURVEY, cnd_test_office_key(), x->pack, sizeof x->pack, &x->pack_len,
                         &err) != CND_OK)
        fail_msg("cannot compile %s: %s", SURVEY, err.msg);
    assert_int_equal(cnd_pack_open(&x->pk, x->pack, (uint32_t)x->pack_len), CND_OK);
    strcpy(x->dir, "/tmp/cnd-usb-XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    strcat(x->dir, "/store");
    assert_int_equal(cnd_hoststore_open(x->dir, 1, &x->hs, &err), CND_OK);
    assert_int_equal(cnd_fake_dcd_enumerate(&x->fx->fake), CND_OK);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    tx_t *x = *state;
    char *slash = strrchr(x->dir, '/');
    assert_int_equal(x->fx->fake.violations, 0);
    cnd_hoststore_close(x->hs);
    *slash = '\0';
    cnd_test_remove_tree(x->dir);
    cnd_usb_fixture_free(x->fx);
    free(x);
    return 0;
}

/* ---- helpers ---- */

static size_t encode(uint8_t type, const uint8_t *payload, size_t len, uint8_t *frame)
{
    size_t n = 0;
    assert_int_equal(cnd_frame_encode(frame, CND_FRAME_MAX_SIZE, CND_PROTOCOL_VERSION, type,
                                      payload, len, &n),
                     CND_OK);
    return n;
}

/* One whole bulk IN transfer, decoded as exactly one frame. */
static void read_reply(tx_t *x, uint8_t *buf, size_t cap, cnd_frame_t *f)
{
    size_t got = 0;
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, buf, cap, &got), CND_OK);
    assert_int_equal(cnd_frame_decode(buf, got, f), CND_OK);
    assert_int_equal(CND_FRAME_OVERHEAD + f->len, got);
}

/* A HELLO as one transfer; its reply comes back as one transfer. */
static void expect_hello_reply(tx_t *x)
{
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame);
    cnd_frame_t f;
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
}

static void push_pack(tx_t *x)
{
    cnd_link_t l;
    cnd_err_t err = {{0}};
    usb_link(x, &l);
    if (cnd_link_push_pack(&l, x->pack, (uint32_t)x->pack_len, x->pk.fingerprint, &err) != CND_OK)
        fail_msg("push over USB: %s", err.msg);
    cnd_link_close(&l);
}

static void save_responses(tx_t *x)
{
    size_t i;
    uint16_t k;
    for (i = 0; i < N_RESPONSES; i++) {
        cnd_response_t r;
        memset(&r, 0, sizeof r);
        x->fx->hal.random(x->fx, r.id, CND_RESPONSE_ID_LEN);
        memcpy(x->ids[i], r.id, CND_RESPONSE_ID_LEN);
        r.pack_fp = x->pk.fingerprint;
        r.day = (uint16_t)(2190 + i % 7);
        r.n_answers = (uint8_t)cnd_pack_item_count(&x->pk);
        for (k = 0; k < r.n_answers; k++) {
            cnd_item_t it;
            assert_int_equal(cnd_pack_item(&x->pk, k, &it), CND_OK);
            if (it.kind == CND_ITEM_YESNO) {
                r.answers[k].state = CND_ANS_VALUE;
                r.answers[k].value = (int32_t)((i + k) % 2);
            }
        }
        assert_int_equal(cnd_response_check(&r, &x->pk), CND_OK);
        assert_int_equal(cnd_store_append_response(&x->fx->store, &r, &x->pk), CND_OK);
    }
}

typedef struct {
    tx_t *x;
    size_t n, known;
} walk_t;

static int count_known(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r)
{
    walk_t *w = ctx;
    size_t i;
    cnd_response_t opened;
    w->n++;
    if (cnd_test_open(r, pack, 1, &opened) != NULL)
        return 1; /* stored, but the office key does not open it */
    for (i = 0; i < N_RESPONSES; i++)
        if (memcmp(w->x->ids[i], r->id, CND_RESPONSE_ID_LEN) == 0)
            w->known++;
    return 0;
}

/* ---- tests ---- */

static void hello_over_usb_names_the_device_by_the_serial_the_host_sees(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048], s[64];
    char serial[CND_USB_SERIAL_LEN + 1], want[CND_USB_SERIAL_LEN + 1];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), got, i;
    cnd_frame_t f;
    cnd_msg_hello_t h;
    /* the serial a host reads at enumeration ... */
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x80, 6, 0x0303, 0x0409, s, 255, &got),
                     CND_OK);
    for (i = 0; i < CND_USB_SERIAL_LEN; i++)
        serial[i] = (char)s[2 + 2 * i];
    serial[CND_USB_SERIAL_LEN] = '\0';
    /* ... is the device id HELLO reports over bulk */
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
    assert_int_equal(cnd_msg_decode_hello(f.payload, f.len, &h), CND_OK);
    cnd_usb_serial(h.device_id, want);
    assert_string_equal(serial, want);
    assert_memory_equal(h.device_id, cnd_store_device_id(&x->fx->store), CND_DEVICE_ID_LEN);
}

static void sync_through_usb_packets_stores_every_response_once(void **state)
{
    tx_t *x = *state;
    cnd_link_t l;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;
    walk_t w = {x, 0, 0};
    push_pack(x);
    assert_int_equal(x->fx->activated, 1);
    save_responses(x);
    assert_int_equal(cnd_store_pending_count(&x->fx->store), N_RESPONSES);

    usb_link(x, &l);
    memset(&rep, 0, sizeof rep);
    if (cnd_hostsync_run(&l, x->hs, NULL, NULL, &rep, &err) != CND_OK)
        fail_msg("sync over USB: %s", err.msg);
    cnd_link_close(&l);
    assert_int_equal(rep.added, N_RESPONSES);
    assert_int_equal(cnd_store_pending_count(&x->fx->store), 0);
    assert_int_equal(cnd_hoststore_each(x->hs, count_known, &w, &err), 0);
    assert_int_equal(w.n, N_RESPONSES);
    assert_int_equal(w.known, N_RESPONSES);

    /* again: nothing new, nothing doubled */
    usb_link(x, &l);
    memset(&rep, 0, sizeof rep);
    assert_int_equal(cnd_hostsync_run(&l, x->hs, NULL, NULL, &rep, &err), CND_OK);
    cnd_link_close(&l);
    assert_int_equal(rep.added, 0);
    assert_int_equal(cnd_hoststore_response_count(x->hs), N_RESPONSES);
}

/* GET_PACK at total - k answers a frame of 10 + 12 + k bytes. */
static void get_pack_tail(tx_t *x, uint32_t k)
{
    uint8_t pl[8], frame[CND_FRAME_MAX_SIZE];
    uint32_t fp = x->pk.fingerprint, off = (uint32_t)x->pack_len - k;
    size_t n;
    memcpy(pl, (uint8_t[4]){(uint8_t)fp, (uint8_t)(fp >> 8), (uint8_t)(fp >> 16),
                            (uint8_t)(fp >> 24)},
           4);
    memcpy(pl + 4, (uint8_t[4]){(uint8_t)off, (uint8_t)(off >> 8), (uint8_t)(off >> 16),
                                (uint8_t)(off >> 24)},
           4);
    n = encode(CND_MSG_GET_PACK, pl, 8, frame);
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
}

static void reply_filling_its_last_packet_ends_with_a_zero_length_packet(void **state)
{
    tx_t *x = *state;
    uint8_t reply[2048];
    cnd_frame_t f;
    const cnd_fake_packet_t *log = x->fx->fake.log;
    push_pack(x);

    x->fx->fake.n_log = 0;
    get_pack_tail(x, 42); /* 64-byte reply: one full packet, then a ZLP */
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_PACK_CHUNK);
    assert_int_equal(x->fx->fake.n_log, 2);
    assert_int_equal(log[0].len, 64);
    assert_int_equal(log[1].len, 0);

    x->fx->fake.n_log = 0;
    get_pack_tail(x, 106); /* 128 bytes: 64, 64, ZLP */
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(x->fx->fake.n_log, 3);
    assert_int_equal(log[0].len, 64);
    assert_int_equal(log[1].len, 64);
    assert_int_equal(log[2].len, 0);

    x->fx->fake.n_log = 0;
    get_pack_tail(x, 41); /* 63 bytes: one short packet, nothing more */
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(x->fx->fake.n_log, 1);
    assert_int_equal(log[0].len, 63);

    x->fx->fake.n_log = 0;
    get_pack_tail(x, 1012); /* the largest frame, 1034 bytes: 16 full + 10 */
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(x->fx->fake.n_log, 17);
    assert_int_equal(log[16].len, 1034 - 16 * 64);
}

static void requests_in_odd_packets_and_a_trailing_zlp_get_one_reply_each(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048], pl[CND_FRAME_MAX_PAYLOAD];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), i, got;
    cnd_frame_t f;
    /* a HELLO one byte per packet: a short packet is just fewer bytes */
    for (i = 0; i < n; i++)
        assert_int_equal(cnd_fake_dcd_out(&x->fx->fake, CND_USB_EP_OUT, frame + i, 1), CND_OK);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
    /* a 128-byte request (PUSH_DATA of 114 bytes, refused as out of order)
     * followed by the ZLP some hosts add: one reply, and the ZLP is harmless */
    memset(pl, 0, sizeof pl);
    n = encode(CND_MSG_PUSH_DATA, pl, 128 - CND_FRAME_OVERHEAD, frame);
    assert_int_equal(n, 128);
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 1), CND_OK);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_ERROR);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT); /* no second reply */
    /* and the link still works */
    expect_hello_reply(x);
}

static void next_request_waits_in_the_controller_until_the_reply_is_read(void **state)
{
    tx_t *x = *state;
    uint8_t frame[2 * CND_FRAME_MAX_SIZE], reply[2048];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), got;
    cnd_frame_t f;
    /* a host that does not wait: two HELLOs back to back in one packet,
     * then a third in the next packet */
    memcpy(frame + n, frame, n);
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, 2 * n, 0), CND_OK);
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    /* the controller holds the third request (NAKing anything more) */
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_E_TIMEOUT);
    assert_int_equal(x->fx->fake.out_sent, 0);
    /* each reply comes whole, one per transfer */
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
    read_reply(x, reply, sizeof reply, &f);
    assert_int_equal(f.type, CND_MSG_HELLO_REPLY);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
}

static void cable_pulled_mid_reply_leaves_the_device_ready_for_the_next_sync(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], pkt[64], reply[2048];
    uint16_t len;
    size_t got;
    encode(CND_MSG_HELLO, NULL, 0, frame);
    push_pack(x);
    get_pack_tail(x, 1012);
    assert_int_equal(cnd_fake_dcd_in(&x->fx->fake, CND_USB_EP_IN, pkt, &len), CND_OK);
    assert_int_equal(len, 64);
    /* half of the next request is in too when the cable comes out */
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, 5, 0), CND_OK);
    cnd_fake_dcd_detach(&x->fx->fake);
    assert_false(cnd_usb_configured(&x->fx->usb));
    /* plugged in again: no stale bytes of the old reply, a clean HELLO */
    assert_int_equal(cnd_fake_dcd_enumerate(&x->fx->fake), CND_OK);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
    expect_hello_reply(x);
    /* a host port reset drops a half-received request the same way */
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, 5, 0), CND_OK);
    cnd_fake_dcd_bus_reset(&x->fx->fake);
    assert_int_equal(cnd_fake_dcd_enumerate(&x->fx->fake), CND_OK);
    expect_hello_reply(x);
}

static void set_interface_drops_an_unread_reply(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), got;
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    /* a host that timed out starts over with SET_INTERFACE 0 */
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x01, 11, 0, 0, NULL, 0, &got), CND_OK);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
    expect_hello_reply(x);
}

static void clearing_a_halt_drops_an_unread_reply_and_the_link_goes_on(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), got;
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    /* libusb_clear_halt() after a failed transfer */
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x02, 1, 0, CND_USB_EP_IN, NULL, 0, &got),
                     CND_OK);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
    expect_hello_reply(x);
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x02, 1, 0, CND_USB_EP_OUT, NULL, 0, &got),
                     CND_OK);
    expect_hello_reply(x);
}

static void deconfigured_device_drops_bulk_data_unanswered(void **state)
{
    tx_t *x = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], reply[2048];
    size_t n = encode(CND_MSG_HELLO, NULL, 0, frame), got;
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x00, 9, 0, 0, NULL, 0, &got), CND_OK);
    /* whatever a confused host still sends is read and thrown away */
    assert_int_equal(cnd_fake_dcd_bulk_out(&x->fx->fake, frame, n, 0), CND_OK);
    assert_int_equal(x->fx->fake.out_full[1], 0);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
    /* configured again, the link starts clean */
    assert_int_equal(cnd_fake_dcd_control(&x->fx->fake, 0x00, 9, 1, 0, NULL, 0, &got), CND_OK);
    expect_hello_reply(x);
    assert_int_equal(cnd_fake_dcd_bulk_in(&x->fx->fake, reply, sizeof reply, &got),
                     CND_E_TIMEOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hello_over_usb_names_the_device_by_the_serial_the_host_sees,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(sync_through_usb_packets_stores_every_response_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reply_filling_its_last_packet_ends_with_a_zero_length_packet,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(requests_in_odd_packets_and_a_trailing_zlp_get_one_reply_each,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(next_request_waits_in_the_controller_until_the_reply_is_read,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            cable_pulled_mid_reply_leaves_the_device_ready_for_the_next_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(set_interface_drops_an_unread_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(
            clearing_a_halt_drops_an_unread_reply_and_the_link_goes_on, setup, teardown),
        cmocka_unit_test_setup_teardown(deconfigured_device_drops_bulk_data_unanswered, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
