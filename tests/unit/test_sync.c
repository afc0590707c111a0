/* test_sync.c: the REAL device end of the protocol (cnd_sync_t over a store
 * on a RAM NOR flash) against the REAL host link and sync client, joined by
 * an in-process transport. What a coordinator would notice: every answer
 * arrives exactly once, nothing is lost when the cable comes out, a busy
 * device refuses a push, and a device of another protocol version says so. */
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
#include <zlib.h>
#include <ftw.h>
#include <sys/stat.h>

#include "answers.h"
#include "compile.h"
#include "frame.h"
#include "hoststore.h"
#include "open_sealed.h"
#include "hostsync.h"
#include "link.h"
#include "loop_transport.h"
#include "proto.h"
#include "ram_flash.h"
#include "record.h"
#include "store.h"
#include "sync.h"
#include "tmp_tree.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"
#define N_MANY 1100 /* more than one batch of CND_BATCH_MAX_RESPONSES */

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_sync_t dev;
    uint32_t rng;
    int busy;
    int activated;
    char dir[64];
    cnd_hoststore_t *hs;
    uint8_t pack[CND_MAX_PACK_SIZE];
    size_t pack_len;
    cnd_pack_t pk;
    cnd_response_t sent[N_MANY];
    size_t n_sent;
} fx_t;

/* ---- device side ---- */

static cnd_status_t test_random(void *ctx, uint8_t *buf, uint32_t n)
{
    fx_t *f = ctx;
    uint32_t i;
    for (i = 0; i < n; i++) {
        f->rng = f->rng * 1103515245u + 12345u;
        buf[i] = (uint8_t)(f->rng >> 16);
    }
    return CND_OK;
}

static uint16_t test_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

static int test_busy(void *ctx)
{
    return ((fx_t *)ctx)->busy;
}

static void test_activated(void *ctx)
{
    ((fx_t *)ctx)->activated++;
}

static void boot_device(fx_t *f)
{
    cnd_sync_config_t cfg;
    f->hal.flash = f->rf.flash;
    f->hal.ctx = f;
    f->hal.random = test_random;
    f->hal.today = test_today;
    assert_int_equal(cnd_store_mount(&f->store, &f->hal), CND_OK);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &f->store;
    cfg.ctx = f;
    cfg.busy = test_busy;
    cfg.pack_activated = test_activated;
    cnd_sync_init(&f->dev, &cfg);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    cnd_err_t err;
    assert_non_null(f);
    f->rng = 99;
    assert_int_equal(cnd_ram_flash_init(&f->rf, 4096, CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS, 16), CND_OK);
    boot_device(f);
    if (cnd_compile_file(SURVEY, cnd_test_office_key(), f->pack, sizeof f->pack, &f->pack_len,
                         &err) != CND_OK)
        fail_msg("cannot compile %s: %s", SURVEY, err.msg);
    assert_int_equal(cnd_pack_open(&f->pk, f->pack, (uint32_t)f->pack_len), CND_OK);
    strcpy(f->dir, "/tmp/cnd-sync-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    strcat(f->dir, "/store");
    assert_int_equal(cnd_hoststore_open(f->dir, 1, &f->hs, &err), CND_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char *slash = strrchr(f->dir, '/');
    cnd_hoststore_close(f->hs);
    *slash = '\0';
    cnd_test_remove_tree(f->dir);
    cnd_ram_flash_free(&f->rf);
    free(f);
    return 0;
}

/* A valid answer for every item, varied by seed over every state. */
static void make_response(fx_t *f, uint32_t seed, cnd_response_t *r)
{
    uint16_t i;
    memset(r, 0, sizeof *r);
    test_random(f, r->id, CND_RESPONSE_ID_LEN);
    r->pack_fp = f->pk.fingerprint;
    r->day = (uint16_t)(2190 + seed % 11);
    r->lang = (uint8_t)(seed % cnd_pack_lang_count(&f->pk));
    r->n_answers = (uint8_t)cnd_pack_item_count(&f->pk);
    for (i = 0; i < r->n_answers; i++) {
        cnd_item_t it;
        cnd_answer_t *a = &r->answers[i];
        uint32_t v = seed * 31u + i * 7u;
        assert_int_equal(cnd_pack_item(&f->pk, i, &it), CND_OK);
        if (it.kind == CND_ITEM_INFO || v % 9 == 0)
            continue; /* NONE */
        if ((it.flags & CND_ITEM_F_PNA) && v % 9 == 1) {
            a->state = CND_ANS_PNA;
            continue;
        }
        a->state = CND_ANS_VALUE;
        switch (it.kind) {
        case CND_ITEM_SINGLE: a->value = (int32_t)(v % it.n_choices); break;
        case CND_ITEM_MULTI: a->value = (int32_t)cnd_test_keep_exclusive(&it, (1u << (v % it.n_choices)) | 1u); break;
        case CND_ITEM_YESNO: a->value = (int32_t)(v % 2); break;
        default:
            a->value = it.min + (int32_t)(v % (uint32_t)(it.max - it.min + 1));
            break;
        }
    }
    cnd_test_clear_irrelevant(&f->pk, r); /* as the engine would */
    assert_int_equal(cnd_response_check(r, &f->pk), CND_OK);
}

static void save_responses(fx_t *f, size_t n)
{
    size_t i;
    assert_true(f->n_sent + n <= N_MANY);
    for (i = 0; i < n; i++) {
        cnd_response_t *r = &f->sent[f->n_sent];
        make_response(f, (uint32_t)f->n_sent, r);
        assert_int_equal(cnd_store_append_response(&f->store, r, &f->pk), CND_OK);
        f->n_sent++;
    }
}

/* ---- host side ---- */

static cnd_loop_transport_t *connect_link(fx_t *f, cnd_link_t *l)
{
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&f->dev);
    assert_non_null(lt);
    cnd_link_init(l, &lt->base);
    return lt;
}

static cnd_status_t push(fx_t *f, cnd_err_t *err)
{
    cnd_link_t l;
    cnd_status_t st;
    connect_link(f, &l);
    st = cnd_link_push_pack(&l, f->pack, (uint32_t)f->pack_len, f->pk.fingerprint, err);
    cnd_link_close(&l);
    return st;
}

static cnd_status_t run_sync(fx_t *f, cnd_loop_fault_t fault, uint8_t type, unsigned nth,
                             cnd_hostsync_report_t *rep, cnd_err_t *err)
{
    cnd_link_t l;
    cnd_loop_transport_t *lt = connect_link(f, &l);
    cnd_status_t st;
    lt->fault = fault;
    lt->fault_type = type;
    lt->fault_nth = nth;
    st = cnd_hostsync_run(&l, f->hs, NULL, NULL, rep, err);
    cnd_link_close(&l);
    if (fault != CND_LOOP_FAULT_NONE)
        cnd_sync_reset(&f->dev); /* the port notices the link went away */
    return st;
}

typedef struct {
    const fx_t *f;
    size_t n, matched;
} walk_t;

static int check_stored(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *sealed)
{
    walk_t *w = ctx;
    size_t i;
    cnd_response_t opened, *r = &opened;
    w->n++;
    if (pack->fingerprint != w->f->pk.fingerprint)
        return 1;
    /* Stored sealed; the office key opens it, and it fits the survey. */
    if (cnd_test_open(sealed, pack, 1, &opened) != NULL)
        return 5;
    for (i = 0; i < w->f->n_sent; i++) {
        if (memcmp(w->f->sent[i].id, r->id, CND_RESPONSE_ID_LEN) == 0) {
            const cnd_response_t *s = &w->f->sent[i];
            uint8_t k;
            if (s->day != r->day || s->lang != r->lang || s->n_answers != r->n_answers)
                return 2;
            for (k = 0; k < s->n_answers; k++)
                if (s->answers[k].state != r->answers[k].state ||
                    (s->answers[k].state == CND_ANS_VALUE &&
                     s->answers[k].value != r->answers[k].value))
                    return 3;
            w->matched++;
            return 0;
        }
    }
    return 4; /* a response nobody saved */
}

/* Every stored response is one that was saved, with every answer intact;
 * returns how many are stored. */
static size_t stored_count_all_intact(fx_t *f)
{
    walk_t w = {f, 0, 0};
    cnd_err_t err;
    assert_int_equal(cnd_hoststore_each(f->hs, check_stored, &w, &err), 0);
    assert_int_equal(w.matched, w.n);
    return w.n;
}

/* ---- raw frames straight into the device ---- */

static size_t raw_request(fx_t *f, uint8_t version, uint8_t type, const uint8_t *payload,
                          size_t len, uint8_t *frame)
{
    size_t n = 0;
    assert_int_equal(cnd_frame_encode(frame, CND_FRAME_MAX_SIZE, version, type, payload, len, &n),
                     CND_OK);
    (void)f;
    return n;
}

/* Feeds bytes; returns the reply frame decoded into *reply (type 0 = none). */
static void device_answer(fx_t *f, const uint8_t *in, size_t n, uint8_t *out, cnd_frame_t *reply)
{
    size_t used = 0, reply_len = 0;
    memset(reply, 0, sizeof *reply);
    while (used < n) {
        size_t rl = 0;
        size_t k = cnd_sync_input(&f->dev, in + used, n - used, out, CND_SYNC_REPLY_MAX, &rl);
        used += k;
        if (rl > 0) {
            assert_int_equal(reply_len, 0); /* lock-step: at most one reply */
            reply_len = rl;
        }
    }
    if (reply_len > 0)
        assert_int_equal(cnd_frame_decode(out, reply_len, reply), CND_OK);
}

/* ---- tests ---- */

static void push_then_hello_lists_the_pack_as_active(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    cnd_msg_hello_t h;
    cnd_str_t id = cnd_pack_survey_id(&f->pk);

    assert_int_equal(push(f, &err), CND_OK);
    assert_int_equal(f->activated, 1);
    connect_link(f, &l);
    assert_int_equal(cnd_link_hello(&l, &h, &err), CND_OK);
    cnd_link_close(&l);
    assert_string_equal(h.firmware, "0.1.0");
    assert_int_equal(h.protocol, CND_PROTOCOL_VERSION);
    assert_int_equal(h.n_surveys, 1);
    assert_int_equal(h.surveys[0].fingerprint, f->pk.fingerprint);
    assert_true(h.surveys[0].flags & CND_MSG_SURVEY_ACTIVE);
    assert_int_equal(strlen(h.surveys[0].survey_id), id.len);
    assert_memory_equal(h.surveys[0].survey_id, id.ptr, id.len);
    assert_int_equal(h.surveys[0].survey_version, cnd_pack_survey_version(&f->pk));
    assert_int_equal(h.pending, 0);
    assert_true(h.bytes_free > 0);
}

static void sync_of_1100_responses_in_two_batches_round_trips_every_answer(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, N_MANY);
    assert_int_equal(cnd_store_pending_count(&f->store), N_MANY);
    if (run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err) != CND_OK)
        fail_msg("sync failed: %s", err.msg);
    assert_int_equal(rep.added, N_MANY);
    assert_int_equal(rep.already, 0);
    assert_int_equal(rep.batches, 2); /* 1024 + 76 */
    assert_int_equal(rep.packs_fetched, 1);
    assert_int_equal(rep.pending_before, N_MANY);
    assert_int_equal(rep.pending_after, 0);
    assert_true(cnd_hoststore_has_pack(f->hs, f->pk.fingerprint));
    assert_int_equal(stored_count_all_intact(f), N_MANY);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
    print_message("sizeof(cnd_sync_t) = %zu\n", sizeof(cnd_sync_t));
}

static void second_sync_gets_nothing_after_ack(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 40);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(rep.added, 40);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(rep.added, 0);
    assert_int_equal(rep.already, 0);
    assert_int_equal(rep.batches, 0);
    assert_int_equal(rep.packs_fetched, 0);
    /* new interviews after a sync come in the next one, and only they */
    save_responses(f, 5);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(rep.added, 5);
    assert_int_equal(stored_count_all_intact(f), 45);
}

static void without_ack_the_same_responses_come_again_and_are_stored_once(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 1100);
    /* The host stores batch 1 durably, then the cable comes out just
     * before its ACK reaches the device. */
    assert_int_equal(run_sync(f, CND_LOOP_UNPLUG_BEFORE, CND_MSG_ACK, 1, &rep, &err),
                     CND_E_DISCONNECTED);
    assert_non_null(strstr(err.msg, "disconnected during ACK"));
    assert_int_equal(rep.added, CND_BATCH_MAX_RESPONSES);
    assert_int_equal(cnd_store_pending_count(&f->store), 1100);
    /* Next sync: the device sends batch 1 again; the store keeps one copy. */
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(rep.added, 1100 - CND_BATCH_MAX_RESPONSES);
    assert_int_equal(rep.already, CND_BATCH_MAX_RESPONSES);
    assert_int_equal(stored_count_all_intact(f), 1100);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
}

static void disconnect_mid_batch_loses_nothing(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 260);
    /* the link dies during the batch's stream: nothing stored, nothing acked */
    assert_int_equal(run_sync(f, CND_LOOP_UNPLUG_AFTER, CND_MSG_PULL_DATA, 3, &rep, &err),
                     CND_E_DISCONNECTED);
    assert_int_equal(rep.added, 0);
    assert_int_equal(cnd_store_pending_count(&f->store), 260 - rep.added);
    assert_int_equal(stored_count_all_intact(f), rep.added);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(stored_count_all_intact(f), 260);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
}

static void lost_ack_reply_is_harmless(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 10);
    /* the device applies the ACK but its OK never arrives */
    assert_int_equal(run_sync(f, CND_LOOP_UNPLUG_AFTER, CND_MSG_ACK, 1, &rep, &err),
                     CND_E_DISCONNECTED);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(rep.added + rep.already, 0);
    assert_int_equal(stored_count_all_intact(f), 10);
}

static void corrupt_reply_is_rejected_and_nothing_is_acked(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 30);
    assert_int_equal(run_sync(f, CND_LOOP_CORRUPT_REPLY, CND_MSG_PULL_DATA, 1, &rep, &err),
                     CND_E_TIMEOUT);
    assert_non_null(strstr(err.msg, "no reply"));
    assert_int_equal(rep.added, 0);
    assert_int_equal(cnd_store_pending_count(&f->store), 30);
    assert_int_equal(stored_count_all_intact(f), 0);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(stored_count_all_intact(f), 30);
}

static void replies_split_into_single_bytes_still_sync(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_hostsync_report_t rep;
    cnd_link_t l;
    cnd_loop_transport_t *lt;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 20);
    lt = connect_link(f, &l);
    lt->trickle = 1;
    assert_int_equal(cnd_hostsync_run(&l, f->hs, NULL, NULL, &rep, &err), CND_OK);
    cnd_link_close(&l);
    assert_int_equal(rep.added, 20);
}

static void corrupt_and_truncated_requests_get_no_answer(void **state)
{
    fx_t *f = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], out[CND_SYNC_REPLY_MAX];
    cnd_frame_t reply;
    size_t n = raw_request(f, CND_PROTOCOL_VERSION, CND_MSG_HELLO, NULL, 0, frame);

    frame[3] ^= 0x04; /* bit flip in the header: CRC mismatch */
    device_answer(f, frame, n, out, &reply);
    assert_int_equal(reply.type, 0);
    frame[3] ^= 0x04;
    device_answer(f, frame, n - 1, out, &reply); /* last byte missing */
    assert_int_equal(reply.type, 0);
    /* the link resynchronises: the next whole request is answered */
    cnd_sync_reset(&f->dev);
    device_answer(f, frame, n, out, &reply);
    assert_int_equal(reply.type, CND_MSG_HELLO_REPLY);
}

static void frame_of_another_protocol_version_gets_an_error_naming_both(void **state)
{
    fx_t *f = *state;
    uint8_t frame[CND_FRAME_MAX_SIZE], out[CND_SYNC_REPLY_MAX];
    cnd_frame_t reply;
    cnd_msg_error_t e;
    size_t n = raw_request(f, CND_PROTOCOL_VERSION + 1, CND_MSG_HELLO, NULL, 0, frame);

    device_answer(f, frame, n, out, &reply);
    assert_int_equal(reply.type, CND_MSG_ERROR);
    assert_int_equal(reply.version, CND_PROTOCOL_VERSION);
    assert_int_equal(cnd_msg_decode_error(reply.payload, reply.len, &e), CND_OK);
    assert_int_equal(e.status, CND_E_VERSION);
    assert_non_null(strstr(e.text, "v3"));
    assert_non_null(strstr(e.text, "v4"));
}

static void host_names_both_versions_when_the_device_speaks_another(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    cnd_msg_hello_t h;
    cnd_loop_transport_t *lt = connect_link(f, &l);

    lt->fault = CND_LOOP_FOREIGN_VERSION;
    lt->version = CND_PROTOCOL_VERSION + 1;
    assert_int_equal(cnd_link_hello(&l, &h, &err), CND_E_VERSION);
    assert_non_null(strstr(err.msg, "speaks protocol v4, this candor speaks v3; update candor"));
    assert_int_equal(cnd_link_exit_code(&l), CND_EXIT_DEVICE);
    cnd_link_close(&l);
}

static void push_while_an_interview_is_in_progress_is_refused(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    cnd_msg_hello_t h;

    f->busy = 1;
    assert_int_equal(push(f, &err), CND_E_BUSY);
    assert_non_null(strstr(err.msg, "interview is in progress"));
    assert_int_equal(f->activated, 0);
    connect_link(f, &l);
    assert_int_equal(cnd_link_hello(&l, &h, &err), CND_OK);
    cnd_link_close(&l);
    assert_int_equal(h.n_surveys, 0);
    f->busy = 0;
    assert_int_equal(push(f, &err), CND_OK);
    assert_int_equal(f->activated, 1);
}

static void pack_that_does_not_match_its_fingerprint_is_not_installed(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    connect_link(f, &l);
    assert_int_equal(cnd_link_push_pack(&l, f->pack, (uint32_t)f->pack_len,
                                        f->pk.fingerprint ^ 1u, &err),
                     CND_E_CRC);
    assert_int_equal(cnd_link_exit_code(&l), CND_EXIT_FAIL);
    cnd_link_close(&l);
    assert_int_equal(f->activated, 0);
}

static void out_of_order_requests_are_refused_without_harm(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    cnd_frame_t reply;
    uint8_t p[8];
    size_t n;
    cnd_msg_get_pack_t q = {0x12345678, 0};

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 3);
    connect_link(f, &l);
    assert_int_equal(
        cnd_link_request(&l, CND_MSG_PULL_DATA, NULL, 0, CND_MSG_BATCH_DATA, &reply, &err),
        CND_E_PROTOCOL);
    cnd_msg_encode_ack(3, p, sizeof p, &n);
    assert_int_equal(cnd_link_request(&l, CND_MSG_ACK, p, n, CND_MSG_OK, &reply, &err),
                     CND_E_PROTOCOL);
    assert_int_equal(cnd_store_pending_count(&f->store), 3); /* an unearned ACK frees nothing */
    assert_int_equal(
        cnd_link_request(&l, CND_MSG_PUSH_COMMIT, NULL, 0, CND_MSG_OK, &reply, &err),
        CND_E_PROTOCOL);
    cnd_msg_encode_get_pack(&q, p, sizeof p, &n);
    assert_int_equal(
        cnd_link_request(&l, CND_MSG_GET_PACK, p, n, CND_MSG_PACK_CHUNK, &reply, &err),
        CND_E_NOT_FOUND);
    assert_non_null(strstr(err.msg, "12345678"));
    assert_int_equal(cnd_link_request(&l, 0x42, NULL, 0, CND_MSG_OK, &reply, &err),
                     CND_E_PROTOCOL);
    /* still healthy afterwards */
    assert_int_equal(cnd_link_request(&l, CND_MSG_HELLO, NULL, 0, CND_MSG_HELLO_REPLY, &reply,
                                      &err),
                     CND_OK);
    cnd_link_close(&l);
}

static void batch_stream_is_the_batch_with_announced_length_and_crc(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    cnd_link_t l;
    cnd_frame_t reply;
    cnd_msg_batch_info_t info;
    cnd_msg_batch_data_t d;
    static uint8_t raw[CND_BATCH_MAX_LEN];
    static cnd_sealed_t got[CND_BATCH_MAX_RESPONSES];
    size_t raw_len = 0;
    uint16_t n = 0;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 50);
    connect_link(f, &l);
    assert_int_equal(
        cnd_link_request(&l, CND_MSG_PULL_BEGIN, NULL, 0, CND_MSG_BATCH_INFO, &reply, &err),
        CND_OK);
    assert_int_equal(cnd_msg_decode_batch_info(reply.payload, reply.len, &info), CND_OK);
    assert_int_equal(info.count, 50);
    assert_int_equal(info.fingerprint, f->pk.fingerprint);
    do {
        assert_int_equal(cnd_link_request(&l, CND_MSG_PULL_DATA, NULL, 0, CND_MSG_BATCH_DATA,
                                          &reply, &err),
                         CND_OK);
        assert_int_equal(cnd_msg_decode_batch_data(reply.payload, reply.len, &d), CND_OK);
        assert_int_equal(d.offset, raw_len);
        /* every chunk but the last is full */
        if (!(d.flags & CND_MSG_BATCH_LAST))
            assert_int_equal(d.len, CND_MSG_BATCH_DATA_MAX);
        assert_true(raw_len + d.len <= sizeof raw);
        memcpy(raw + raw_len, d.data, d.len);
        raw_len += d.len;
    } while (!(d.flags & CND_MSG_BATCH_LAST));
    cnd_link_close(&l);
    assert_int_equal(raw_len, info.ulen);
    assert_int_equal(crc32(0L, raw, (uInt)raw_len), info.ucrc);
    assert_int_equal(cnd_batch_decode(raw, raw_len, got, CND_BATCH_MAX_RESPONSES, &n), CND_OK);
    assert_int_equal(n, 50);
    assert_memory_equal(got[49].id, f->sent[49].id, CND_RESPONSE_ID_LEN);
    /* one epoch: its 88 bytes travel once, not once per row */
    assert_true(raw_len < CND_BATCH_HEADER_LEN + CND_EPOCH_BODY_LEN + 50u * (11u + CND_SEALED_CT_MAX));
    print_message("50 responses: %u batch bytes\n", (unsigned)info.ulen);
}

static void random_requests_never_crash_the_device_or_lose_data(void **state)
{
    fx_t *f = *state;
    cnd_err_t err = {{0}};
    uint8_t frame[CND_FRAME_MAX_SIZE], out[CND_SYNC_REPLY_MAX], payload[64];
    static const uint8_t types[] = {CND_MSG_HELLO,      CND_MSG_GET_PACK,   CND_MSG_PUSH_BEGIN,
                                    CND_MSG_PUSH_DATA,  CND_MSG_PUSH_COMMIT, CND_MSG_PULL_BEGIN,
                                    CND_MSG_PULL_DATA,  CND_MSG_ACK,        0x00, 0x81, 0xFF};
    cnd_frame_t reply;
    cnd_hostsync_report_t rep;
    unsigned i, k, acked = 0;

    assert_int_equal(push(f, &err), CND_OK);
    save_responses(f, 20);
    f->activated = 0;
    for (i = 0; i < 3000; i++) {
        size_t len, n;
        test_random(f, payload, sizeof payload);
        len = payload[0] % 24u;
        if (i % 5 == 0)
            for (k = 1; k <= 4; k++)
                payload[k] = 0; /* small offsets and seqs reach deeper */
        n = raw_request(f, CND_PROTOCOL_VERSION, types[payload[1] % sizeof types], payload + 1,
                        len, frame);
        device_answer(f, frame, n, out, &reply);
        assert_int_not_equal(reply.type, 0); /* every valid frame is answered */
        if (frame[3] == CND_MSG_ACK && reply.type == CND_MSG_OK)
            acked++;
        if (i % 97 == 0) { /* raw garbage in between */
            test_random(f, payload, sizeof payload);
            device_answer(f, payload, sizeof payload, out, &reply);
        }
    }
    /* A random push never activated a pack; responses left the device only
     * through an ACK of a batch it had sent whole; a real sync still works. */
    assert_int_equal(f->activated, 0);
    cnd_sync_reset(&f->dev);
    assert_int_equal(run_sync(f, CND_LOOP_FAULT_NONE, 0, 0, &rep, &err), CND_OK);
    assert_int_equal(cnd_store_pending_count(&f->store), 0);
    assert_int_equal(stored_count_all_intact(f), rep.added);
    if (acked == 0)
        assert_int_equal(rep.added, 20);
    print_message("fuzz: %u random ACKs accepted, %zu responses synced after\n", acked,
                  rep.added);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(push_then_hello_lists_the_pack_as_active, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sync_of_1100_responses_in_two_batches_round_trips_every_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_sync_gets_nothing_after_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(
            without_ack_the_same_responses_come_again_and_are_stored_once, setup, teardown),
        cmocka_unit_test_setup_teardown(disconnect_mid_batch_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_ack_reply_is_harmless, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_reply_is_rejected_and_nothing_is_acked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replies_split_into_single_bytes_still_sync, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(corrupt_and_truncated_requests_get_no_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(frame_of_another_protocol_version_gets_an_error_naming_both,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(host_names_both_versions_when_the_device_speaks_another,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(push_while_an_interview_is_in_progress_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(pack_that_does_not_match_its_fingerprint_is_not_installed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_order_requests_are_refused_without_harm, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(batch_stream_is_the_batch_with_announced_length_and_crc,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(random_requests_never_crash_the_device_or_lose_data,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
