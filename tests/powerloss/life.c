/* life.c: see life.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "life.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "engine.h"
#include "first_language.h"
#include "open_sealed.h"
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
#include "test_hal.h"
#include "sync.h"
#include "tmp_tree.h"
#include "test_key.h"

#define PL_PROG 16u
#define PL_MAX_ATTEMPTS 32
#define PL_MAX_KEYS 2000 /* per interview: a stuck screen fails instead of spinning */
#define PL_TODAY 2200
#define PL_MAX_PENDING 4096
#define PL_QUEUE (CND_FRAME_MAX_SIZE * 4)

static const char *const survey_paths[2] = {
    CND_SOURCE_DIR "/surveys/domestic-work.json",
    CND_SOURCE_DIR "/tests/powerloss/rest-days.json",
};

/* The life's chip is small (its log must wrap under every cut), so its
 * pack slots are the smallest, 32 KiB (SPEC 4.1): the default survey is
 * installed in its first language (first_language.h); rest-days keeps
 * two, so the language choice is still lived. */
static cnd_status_t compile_first_language(const char *path, uint8_t *out, size_t cap,
                                           size_t *out_len, cnd_err_t *err)
{
    static char json[256 * 1024];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return CND_E_IO;
    n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    return cnd_test_compile_first_language(json, n, out, cap, out_len, err);
}

/* Interviews between syncs, cycled: uneven, as a coordinator's visits are. */
static const unsigned sync_cadence[] = {23, 31, 17, 28, 35, 12, 26, 30};

enum { STEP_PUSH = 1, STEP_INTERVIEW, STEP_SYNC };
enum { DONE_OK = 0, DONE_CUT, DONE_FAIL };

typedef struct {
    uint8_t kind;
    uint8_t pack;
    uint32_t interview;
} pl_step_t;

typedef struct {
    uint8_t pack;     /* survey it answers */
    uint8_t attempts; /* interviews started for it (a cut one is asked again) */
    int8_t saved;     /* the attempt the interviewer knows is saved, -1 none */
    uint32_t cut;     /* attempts whose save was in progress at a cut */
    uint32_t acked;   /* attempts the device acknowledged (reply OK to ACK) */
    uint32_t pending; /* scratch: attempts seen pending on the device */
    uint8_t stored[PL_MAX_ATTEMPTS]; /* scratch: copies in the host store */
} pl_interview_t;

typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_engine_t engine;
    cnd_sync_t sync;
    uint8_t pack_buf[CND_MAX_PACK_SIZE];
    cnd_pack_t pack;
    int have_pack;
    uint32_t rng;
    int tagging; /* the next response id is `tag` */
    uint8_t tag[CND_RESPONSE_ID_LEN];
} pl_device_t;

struct pl_life {
    pl_config_t cfg;
    uint8_t packs[2][CND_MAX_PACK_SIZE];
    uint32_t pack_len[2], pack_fp[2];
    cnd_pack_t pk[2];
    pl_step_t *steps;
    size_t n_steps;
    uint32_t n_interviews;
    pl_interview_t *iv;
    cnd_response_t *ref; /* answers of each interview in the uncut run */
    int have_ref;
    /* one run */
    pl_device_t *dev;
    cnd_hoststore_t *hs;
    char dir[256];
    pl_result_t *res;
    const uint32_t *cuts;
    unsigned n_cuts, next_cut;
    cnd_torn_mode_t torn;
    uint32_t seed;
    uint32_t expect_active; /* survey of the last push the coordinator saw succeed */
    uint32_t push_cut;      /* survey of a push a cut interrupted, 0 none */
    int cut_since_sync;     /* a cut happened after the last completed sync */
    uint32_t ack_k[PL_MAX_PENDING];
    uint8_t ack_a[PL_MAX_PENDING];
};

/* ---- problems ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void problem(pl_life_t *L, uint32_t *counter, const char *fmt, ...)
{
    va_list ap;
    (*counter)++;
    if (L->res->problem[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(L->res->problem, sizeof L->res->problem, fmt, ap);
    va_end(ap);
}

static uint32_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t x = a * 0x9E3779B1u ^ b * 0x85EBCA77u ^ c * 0xC2B2AE3Du;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    x *= 0x297A2D39u;
    x ^= x >> 15;
    return x;
}

/* ---- response ids: (interview, attempt), recognisable ---- */

static void make_id(uint8_t *id, uint32_t k, uint8_t a)
{
    id[0] = 0xC5;
    id[1] = (uint8_t)(k >> 16);
    id[2] = (uint8_t)(k >> 8);
    id[3] = (uint8_t)k;
    id[4] = a;
    id[5] = 'P';
    id[6] = 'L';
    id[7] = 0x21;
}

static int parse_id(const pl_life_t *L, const uint8_t *id, uint32_t *k, uint8_t *a)
{
    if (id[0] != 0xC5 || id[5] != 'P' || id[6] != 'L' || id[7] != 0x21)
        return -1;
    *k = (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    *a = id[4];
    if (*k >= L->n_interviews || *a >= L->iv[*k].attempts)
        return -1;
    return 0;
}

/* Everything but the attempt number (a repeated interview keys the same). */
static int same_answers(const cnd_response_t *x, const cnd_response_t *y)
{
    uint8_t i;
    if (memcmp(x->id, y->id, 4) != 0 || memcmp(x->id + 5, y->id + 5, 3) != 0 ||
        x->pack_fp != y->pack_fp || x->day != y->day || x->lang != y->lang ||
        x->n_answers != y->n_answers)
        return 0;
    for (i = 0; i < x->n_answers; i++) {
        if (x->answers[i].state != y->answers[i].state)
            return 0;
        if (x->answers[i].state == CND_ANS_VALUE && x->answers[i].value != y->answers[i].value)
            return 0;
    }
    return 1;
}

/* A response read back (from the device or the host) is one that was keyed. */
static int traced(pl_life_t *L, const cnd_response_t *r, uint32_t *k, uint8_t *a)
{
    if (parse_id(L, r->id, k, a) != 0)
        return 0;
    return !L->have_ref || same_answers(r, &L->ref[*k]);
}

/* ---- the device ---- */

static cnd_status_t dev_random(void *ctx, uint8_t *buf, uint32_t n)
{
    pl_device_t *d = ctx;
    if (d->tagging && n == CND_RESPONSE_ID_LEN) {
        memcpy(buf, d->tag, n);
        return CND_OK;
    }
    cnd_test_xorshift_fill(&d->rng, buf, n);
    return CND_OK;
}

static uint16_t dev_today(void *ctx)
{
    (void)ctx;
    return PL_TODAY;
}

static int dev_off(const pl_device_t *d)
{
    return d->rf.ff.powered_off;
}

static void load_active(pl_device_t *d)
{
    uint32_t len = 0;
    d->have_pack = cnd_store_active_pack(&d->store, d->pack_buf, sizeof d->pack_buf, &len) ==
                       CND_OK &&
                   cnd_pack_open(&d->pack, d->pack_buf, len) == CND_OK;
}

static int dev_busy(void *ctx)
{
    return cnd_engine_busy(&((pl_device_t *)ctx)->engine);
}

static void dev_activated(void *ctx)
{
    pl_device_t *d = ctx;
    load_active(d);
    cnd_engine_set_pack(&d->engine, d->have_pack ? &d->pack : NULL);
}

/* What the firmware does at power-up: mount, load the active survey, init. */
static cnd_status_t dev_boot(pl_device_t *d)
{
    cnd_sync_config_t cfg;
    cnd_status_t st;
    d->hal.flash = d->rf.flash;
    d->hal.ctx = d;
    d->hal.random = dev_random;
    d->hal.today = dev_today;
    d->tagging = 0;
    st = cnd_store_mount(&d->store, &d->hal);
    if (st != CND_OK)
        return st;
    /* One erase per ACK: the rest of what a sync frees is erased by the
     * idle steps after it (do_sync), where power is cut as well. */
    cnd_store_set_erase_budget(&d->store, 1);
    load_active(d);
    cnd_engine_init(&d->engine, &d->store, &d->hal, d->have_pack ? &d->pack : NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &d->store;
    cfg.ctx = d;
    cfg.busy = dev_busy;
    cfg.pack_activated = dev_activated;
    cnd_sync_init(&d->sync, &cfg);
    return CND_OK;
}

static void arm_next_cut(pl_life_t *L)
{
    cnd_flash_fault_t *ff = &L->dev->rf.ff;
    while (L->next_cut < L->n_cuts && L->cuts[L->next_cut] < ff->writes)
        L->next_cut++; /* a point inside a stretch that was already cut short */
    if (L->next_cut < L->n_cuts)
        (void)cnd_flash_fault_add(ff, CND_FAULT_CUT, L->cuts[L->next_cut++], L->torn, 0);
}

/* Power comes (back) on; a cut during boot means booting again. */
static int power_up(pl_life_t *L)
{
    pl_device_t *d = L->dev;
    unsigned tries;
    for (tries = 0; tries < 64; tries++) {
        cnd_status_t st;
        cnd_ram_flash_power_on(&d->rf);
        arm_next_cut(L);
        st = dev_boot(d);
        if (dev_off(d)) {
            L->res->cuts++;
            continue;
        }
        if (st != CND_OK) {
            problem(L, &L->res->unbootable, "the device does not boot after %u cuts: mount %s",
                    L->res->cuts, cnd_status_str(st));
            return -1;
        }
        return 0;
    }
    problem(L, &L->res->unbootable, "the device never finished booting");
    return -1;
}

/* ---- the link: the real loop transport, dead when the device is off ---- */

typedef struct {
    cnd_transport_t base; /* first */
    cnd_loop_transport_t *inner;
    pl_life_t *L;
    uint8_t q[PL_QUEUE];
    size_t q_pos, q_len;
    int dead;
} pl_link_t;

/* Pending responses the ACK(upto) covers, seen before the device acts on it. */
static size_t covered_by_ack(pl_life_t *L, uint32_t upto)
{
    uint32_t cursor = 0, seq = 0, k;
    uint8_t a;
    static cnd_sealed_t r;
    size_t n = 0;
    while (n < PL_MAX_PENDING &&
           cnd_store_next_pending(&L->dev->store, &cursor, &seq, &r) == CND_OK && seq <= upto) {
        if (parse_id(L, r.id, &k, &a) == 0) {
            L->ack_k[n] = k;
            L->ack_a[n] = a;
            n++;
        }
    }
    return n;
}

static cnd_status_t pl_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    pl_link_t *pl = (pl_link_t *)t;
    pl_life_t *L = pl->L;
    cnd_frame_t f, reply;
    uint32_t upto = 0;
    size_t covered = 0, i;
    int is_ack = 0;
    cnd_status_t st;

    if (pl->dead || dev_off(L->dev)) {
        pl->dead = 1;
        return CND_E_DISCONNECTED;
    }
    if (cnd_frame_decode(buf, n, &f) == CND_OK && f.type == CND_MSG_ACK &&
        cnd_msg_decode_ack(f.payload, f.len, &upto) == CND_OK) {
        is_ack = 1;
        covered = covered_by_ack(L, upto);
    }
    st = pl->inner->base.send(&pl->inner->base, buf, n, timeout_ms);
    if (dev_off(L->dev)) {
        pl->dead = 1; /* it died acting on the request: no reply ever comes */
        return CND_E_DISCONNECTED;
    }
    if (st != CND_OK)
        return st;
    if (pl->q_pos == pl->q_len)
        pl->q_pos = pl->q_len = 0;
    for (;;) {
        size_t got = 0;
        if (pl->q_len == sizeof pl->q ||
            pl->inner->base.recv(&pl->inner->base, pl->q + pl->q_len, sizeof pl->q - pl->q_len,
                                 &got, 0) != CND_OK)
            break;
        pl->q_len += got;
    }
    if (is_ack && cnd_frame_decode(pl->q + pl->q_pos, pl->q_len - pl->q_pos, &reply) == CND_OK &&
        reply.type == CND_MSG_OK)
        for (i = 0; i < covered; i++)
            L->iv[L->ack_k[i]].acked |= 1u << L->ack_a[i];
    return CND_OK;
}

static cnd_status_t pl_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                            int timeout_ms)
{
    pl_link_t *pl = (pl_link_t *)t;
    size_t n = pl->q_len - pl->q_pos;
    (void)timeout_ms;
    *got = 0;
    if (n == 0)
        return pl->dead ? CND_E_DISCONNECTED : CND_E_TIMEOUT;
    if (n > cap)
        n = cap;
    memcpy(buf, pl->q + pl->q_pos, n);
    pl->q_pos += n;
    *got = n;
    return CND_OK;
}

static void pl_close(cnd_transport_t *t)
{
    pl_link_t *pl = (pl_link_t *)t;
    pl->inner->base.close(&pl->inner->base);
    free(pl);
}

static int connect_link(pl_life_t *L, cnd_link_t *l)
{
    pl_link_t *pl = calloc(1, sizeof *pl);
    if (pl == NULL || (pl->inner = cnd_loop_transport_new(&L->dev->sync)) == NULL) {
        free(pl);
        return -1;
    }
    pl->L = L;
    strcpy(pl->base.name, "loop:powerloss-device");
    pl->base.send = pl_send;
    pl->base.recv = pl_recv;
    pl->base.close = pl_close;
    cnd_link_init(l, &pl->base);
    return 0;
}

/* ---- steps ---- */

/* A host command (push or sync) over a fresh link; DONE_CUT when the
 * device lost power during it. */
typedef cnd_status_t (*host_cmd_fn)(pl_life_t *L, cnd_link_t *l, void *arg, cnd_err_t *err);

static int over_link(pl_life_t *L, host_cmd_fn cmd, void *arg, const char *what)
{
    cnd_link_t l;
    cnd_err_t err = {{0}};
    cnd_status_t st;
    if (connect_link(L, &l) != 0) {
        problem(L, &L->res->unbootable, "out of memory");
        return DONE_FAIL;
    }
    st = cmd(L, &l, arg, &err);
    cnd_link_close(&l);
    if (dev_off(L->dev))
        return DONE_CUT;
    if (st != CND_OK) {
        problem(L, &L->res->unbootable, "%s failed: %s", what, err.msg);
        return DONE_FAIL;
    }
    return DONE_OK;
}

static cnd_status_t push_cmd(pl_life_t *L, cnd_link_t *l, void *arg, cnd_err_t *err)
{
    unsigned k = *(const unsigned *)arg;
    return cnd_link_push_pack(l, L->packs[k], L->pack_len[k], L->pack_fp[k], err);
}

static cnd_status_t sync_cmd(pl_life_t *L, cnd_link_t *l, void *arg, cnd_err_t *err)
{
    return cnd_hostsync_run(l, L->hs, NULL, NULL, arg, err);
}

static int do_push(pl_life_t *L, unsigned k)
{
    int r = over_link(L, push_cmd, &k, "push");
    if (r == DONE_OK && (!L->dev->have_pack || L->dev->pack.fingerprint != L->pack_fp[k])) {
        problem(L, &L->res->unbootable, "push of survey %u succeeded but it is not active", k);
        return DONE_FAIL;
    }
    return r;
}

static int do_sync(pl_life_t *L)
{
    cnd_hostsync_report_t rep;
    int r, more;
    memset(&rep, 0, sizeof rep);
    r = over_link(L, sync_cmd, &rep, "sync");
    if (r != DONE_OK)
        return r;
    if (rep.pending_after != 0) {
        problem(L, &L->res->unbootable, "sync left %u responses on the device",
                (unsigned)rep.pending_after);
        return DONE_FAIL;
    }
    /* A copy the host already had may come again only when a cut hit the
     * ACK of its batch; otherwise an acknowledged response came back. */
    if (rep.already > 0 && !L->cut_since_sync)
        problem(L, &L->res->duplicated, "sync without a cut re-sent %zu stored responses",
                rep.already);
    L->cut_since_sync = 0;
    /* Back at the office the device idles: it erases the blocks the ACKs
     * freed, one per idle pass (cnd_store_reclaim_step), and the power may
     * fail during any of those erases too. */
    for (more = 1; more;) {
        cnd_status_t st = cnd_store_reclaim_step(&L->dev->store, &more);
        if (dev_off(L->dev))
            return DONE_CUT;
        if (st != CND_OK) {
            problem(L, &L->res->unbootable, "idle erase after a sync failed (%s)",
                    cnd_status_str(st));
            return DONE_FAIL;
        }
    }
    return DONE_OK;
}

static const cnd_screen_t *screen(const pl_life_t *L)
{
    return cnd_engine_screen(&L->dev->engine);
}

/* One key; 1 when the device lost power on it. */
static int press(pl_life_t *L, cnd_key_t key)
{
    cnd_engine_key(&L->dev->engine, key);
    return dev_off(L->dev);
}

static int move_to(pl_life_t *L, uint8_t target)
{
    unsigned guard = 0;
    while (screen(L)->cursor != target && guard++ < 64)
        if (press(L, screen(L)->cursor < target ? CND_KEY_DOWN : CND_KEY_UP))
            return 1;
    return 0;
}

/* Chooses and keys an answer for the item on screen, from (interview, item). */
static int answer_item(pl_life_t *L, uint32_t k)
{
    const cnd_screen_t *s = screen(L);
    cnd_item_t it;
    uint32_t h = hash3(k, s->item, 0x51);
    int pna;
    if (cnd_pack_item(&L->dev->pack, s->item, &it) != CND_OK)
        return -1;
    pna = (it.flags & CND_ITEM_F_PNA) != 0;
    switch (it.kind) {
    case CND_ITEM_SINGLE:
    case CND_ITEM_YESNO: {
        uint8_t c = (uint8_t)(h % s->n_options);
        cnd_str_t name = cnd_pack_choice_name(&L->dev->pack, s->item, c);
        /* Under-18s are not eligible: their interview ends, stores nothing. */
        if (name.len == 8 && memcmp(name.ptr, "under_18", 8) == 0)
            c = (uint8_t)(c + 1);
        return move_to(L, c) || press(L, CND_KEY_OK);
    }
    case CND_ITEM_MULTI: {
        uint8_t a = (uint8_t)(h % it.n_choices), b = (uint8_t)((h >> 8) % it.n_choices);
        if (pna && h % 7 == 0)
            return move_to(L, it.n_choices) || press(L, CND_KEY_OK);
        if (move_to(L, a) || press(L, CND_KEY_OK))
            return 1;
        if (b != a && ((h >> 16) & 1) && (move_to(L, b) || press(L, CND_KEY_OK)))
            return 1;
        return move_to(L, (uint8_t)(screen(L)->n_options - 1)) || press(L, CND_KEY_OK);
    }
    case CND_ITEM_INTEGER: {
        int32_t v = it.min + (int32_t)(h % (uint32_t)(it.max - it.min + 1));
        unsigned guard = 0;
        if (pna && h % 11 == 0)
            return move_to(L, 2) || press(L, CND_KEY_OK);
        if (move_to(L, 0) || press(L, CND_KEY_OK))
            return 1;
        while (screen(L)->number != v && guard++ < 20000)
            if (press(L, screen(L)->number < v ? CND_KEY_UP : CND_KEY_DOWN))
                return 1;
        return press(L, CND_KEY_OK) || move_to(L, 1) || press(L, CND_KEY_OK);
    }
    default:
        return press(L, CND_KEY_OK);
    }
}

/*
 * Interview k, attempt a, from HOME back to HOME. *told_saved = 1 once the
 * SAVED screen was shown; *pending_before = the home screen's count.
 */
static int do_interview(pl_life_t *L, uint32_t k, uint8_t a, int *told_saved,
                        uint32_t *pending_before)
{
    pl_device_t *d = L->dev;
    unsigned keys = 0;
    int backed = 0, cut = 0;
    *told_saved = 0;
    if (screen(L)->kind != CND_SCREEN_HOME || !d->have_pack ||
        d->pack.fingerprint != L->pack_fp[L->iv[k].pack]) {
        problem(L, &L->res->unbootable, "interview %u: the device is not ready (screen %u)",
                (unsigned)k, screen(L)->kind);
        return DONE_FAIL;
    }
    /* The engine redraws on keys only, so the count may predate the last
     * sync: a harmless key first (UP on the first option) refreshes it. */
    if (press(L, CND_KEY_UP))
        return DONE_CUT;
    *pending_before = screen(L)->pending;
    make_id(d->tag, k, a);
    d->tagging = 1;
    cut = press(L, CND_KEY_OK); /* Start */
    /* Every interview starts with the language choice (the answers depend
     * on k alone). */
    if (!cut && screen(L)->kind == CND_SCREEN_LANGUAGE)
        cut = move_to(L, (uint8_t)((k / 3) % cnd_pack_lang_count(&d->pack))) ||
              press(L, CND_KEY_OK);
    /* The port reports the consent as read once its end was on screen. */
    if (!cut && screen(L)->kind == CND_SCREEN_CONSENT)
        cnd_engine_consent_seen(&d->engine);
    if (!cut)
        cut = move_to(L, 0) || press(L, CND_KEY_OK); /* Agree */
    while (!cut && keys++ < PL_MAX_KEYS) {
        const cnd_screen_t *s = screen(L);
        switch (s->kind) {
        case CND_SCREEN_ITEM: {
            uint8_t kind = s->item_kind;
            uint16_t pos = s->position;
            int r = answer_item(L, k);
            if (r < 0) {
                problem(L, &L->res->unbootable, "interview %u: unreadable item", (unsigned)k);
                return DONE_FAIL;
            }
            cut = r;
            /* Now and then the respondent goes back one question. */
            if (!cut && !backed && pos == 3 && k % 7 == 3 &&
                (kind == CND_ITEM_SINGLE || kind == CND_ITEM_YESNO) &&
                screen(L)->kind == CND_SCREEN_ITEM) {
                backed = 1;
                cut = press(L, CND_KEY_BACK);
            }
            break;
        }
        case CND_SCREEN_HANDOVER: /* private items: device passed over and back */
        case CND_SCREEN_HANDBACK:
            cut = press(L, CND_KEY_OK);
            break;
        case CND_SCREEN_REVIEW:
            cut = move_to(L, 0) || press(L, CND_KEY_OK); /* Save */
            break;
        case CND_SCREEN_SAVED:
            *told_saved = 1;
            cut = press(L, CND_KEY_OK);
            break;
        case CND_SCREEN_REFERRAL:
            cut = press(L, CND_KEY_OK);
            if (!cut && *told_saved && screen(L)->kind == CND_SCREEN_HOME) {
                d->tagging = 0;
                return DONE_OK;
            }
            break;
        default:
            problem(L, &L->res->unbootable, "interview %u: unexpected screen %u (save %s)",
                    (unsigned)k, s->kind, cnd_status_str((cnd_status_t)s->save_status));
            return DONE_FAIL;
        }
    }
    if (cut)
        return DONE_CUT;
    problem(L, &L->res->unbootable, "interview %u never finished", (unsigned)k);
    return DONE_FAIL;
}

/* ---- invariants ---- */

/* After every reboot: the right survey, nothing acked back, nothing lost. */
static void check_after_boot(pl_life_t *L)
{
    pl_device_t *d = L->dev;
    uint32_t cursor = 0, seq = 0, k, walked = 0;
    uint32_t active = d->have_pack ? d->pack.fingerprint : 0;
    static cnd_sealed_t r;
    cnd_status_t st;
    uint8_t a;

    if (active != L->expect_active && !(L->push_cut != 0 && active == L->push_cut))
        problem(L, &L->res->unbootable, "after cut %u the active survey is %08x, not %08x",
                L->res->cuts, (unsigned)active, (unsigned)L->expect_active);
    for (k = 0; k < L->n_interviews; k++)
        L->iv[k].pending = 0;
    while ((st = cnd_store_next_pending(&d->store, &cursor, &seq, &r)) == CND_OK) {
        walked++;
        /* Sealed: the device can tell only the id. The answers are checked
         * at the end, opened with the office key (check_at_end). */
        if (parse_id(L, r.id, &k, &a) != 0) {
            problem(L, &L->res->corrupt, "after cut %u the device holds a response nobody keyed",
                    L->res->cuts);
            continue;
        }
        if (L->iv[k].acked & (1u << a))
            problem(L, &L->res->duplicated,
                    "after cut %u acknowledged interview %u is pending again", L->res->cuts,
                    (unsigned)k);
        if (L->iv[k].pending & (1u << a))
            problem(L, &L->res->duplicated, "after cut %u interview %u is pending twice",
                    L->res->cuts, (unsigned)k);
        L->iv[k].pending |= 1u << a;
    }
    if (st != CND_E_NOT_FOUND)
        problem(L, &L->res->unbootable, "after cut %u the log cannot be read: %s", L->res->cuts,
                cnd_status_str(st));
    if (walked != cnd_store_pending_count(&d->store))
        problem(L, &L->res->corrupt, "after cut %u the device counts %u pending but holds %u",
                L->res->cuts, (unsigned)cnd_store_pending_count(&d->store), (unsigned)walked);
    for (k = 0; k < L->n_interviews; k++) {
        uint8_t id[CND_RESPONSE_ID_LEN];
        int8_t s = L->iv[k].saved;
        if (s < 0 || (L->iv[k].pending & (1u << s)))
            continue;
        make_id(id, k, (uint8_t)s);
        if (!cnd_hoststore_has_response(L->hs, id))
            problem(L, &L->res->lost,
                    "after cut %u saved interview %u is neither on the host nor pending",
                    L->res->cuts, (unsigned)k);
    }
}

static int visit_stored(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *sealed)
{
    pl_life_t *L = ctx;
    uint32_t k;
    uint8_t a;
    cnd_response_t opened, *r = &opened;
    const char *why = cnd_test_open(sealed, pack, 1, &opened);
    if (why != NULL) {
        problem(L, &L->res->corrupt, "the host holds a response that %s", why);
        return 0;
    }
    if (!L->have_ref && parse_id(L, r->id, &k, &a) == 0 &&
        cnd_response_check(r, pack) == CND_OK && r->pack_fp == pack->fingerprint &&
        a == (uint8_t)L->iv[k].saved && L->iv[k].stored[a] == 0)
        L->ref[k] = *r; /* the uncut run: what the keys produce */
    if (!traced(L, r, &k, &a) || r->pack_fp != pack->fingerprint) {
        problem(L, &L->res->corrupt,
                "the host holds a response nobody keyed as such (id %02x%02x%02x%02x%02x, "
                "lang %u, day %u)",
                r->id[0], r->id[1], r->id[2], r->id[3], r->id[4], r->lang, r->day);
        return 0;
    }
    if (L->iv[k].stored[a] < 255)
        L->iv[k].stored[a]++;
    L->res->responses++;
    return 0;
}

static void check_at_end(pl_life_t *L)
{
    cnd_err_t err = {{0}};
    uint32_t k;
    int rc;
    for (k = 0; k < L->n_interviews; k++)
        memset(L->iv[k].stored, 0, sizeof L->iv[k].stored);
    rc = cnd_hoststore_each(L->hs, visit_stored, L, &err);
    if (rc != 0)
        problem(L, &L->res->corrupt, "the host store cannot be read: %s", err.msg);
    if (cnd_store_pending_count(&L->dev->store) != 0)
        problem(L, &L->res->lost, "%u responses never reached the host",
                (unsigned)cnd_store_pending_count(&L->dev->store));
    for (k = 0; k < L->n_interviews; k++) {
        pl_interview_t *iv = &L->iv[k];
        uint8_t a;
        if (iv->saved < 0) {
            problem(L, &L->res->unbootable, "interview %u was never saved", (unsigned)k);
            continue;
        }
        for (a = 0; a < iv->attempts; a++) {
            unsigned want = a == (uint8_t)iv->saved ? 1 : 0;
            if (iv->stored[a] < want)
                problem(L, &L->res->lost, "saved interview %u (attempt %u) is not on the host",
                        (unsigned)k, a);
            else if (iv->stored[a] > want)
                problem(L, &L->res->duplicated,
                        "interview %u attempt %u is on the host %u times (saved: attempt %d)",
                        (unsigned)k, a, iv->stored[a], iv->saved);
        }
    }
}

/* ---- one run ---- */

static int host_open(pl_life_t *L)
{
    cnd_err_t err;
    /* tmpfs when there is one: the host's fsyncs are tested elsewhere, and
     * hundreds of runs must not wait for a disk. */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(L->dir, sizeof L->dir, "%s/cnd-powerloss-XXXXXX", base);
    if (mkdtemp(L->dir) == NULL)
        return -1;
    strcat(L->dir, "/store");
    if (cnd_hoststore_open(L->dir, 1, &L->hs, &err) != CND_OK) {
        problem(L, &L->res->unbootable, "host store: %s", err.msg);
        return -1;
    }
    return 0;
}

static void host_close(pl_life_t *L)
{
    char *slash = strrchr(L->dir, '/');
    if (L->hs)
        cnd_hoststore_close(L->hs);
    L->hs = NULL;
    if (slash) {
        *slash = '\0';
        cnd_test_remove_tree(L->dir);
    }
}

static uint32_t log_first_block(const pl_life_t *L)
{
    return L->cfg.block_size > 0 ? L->dev->rf.flash.block_count - L->cfg.log_blocks : 0;
}

/* A step was cut short: reboot, check, and decide whether it is done. */
static int after_cut(pl_life_t *L, const pl_step_t *step, int told_saved, uint32_t pending_before,
                     int *step_done)
{
    L->res->cuts++;
    L->cut_since_sync = 1;
    *step_done = 0;
    if (step->kind == STEP_PUSH)
        L->push_cut = L->pack_fp[step->pack];
    if (power_up(L) != 0)
        return -1;
    check_after_boot(L);
    if (step->kind == STEP_INTERVIEW) {
        pl_interview_t *iv = &L->iv[step->interview];
        uint8_t a = (uint8_t)(iv->attempts - 1);
        uint32_t now = screen(L)->pending;
        iv->cut |= 1u << a;
        if (told_saved || now == pending_before + 1) {
            iv->saved = (int8_t)a; /* saved: the interviewer moves on */
            *step_done = 1;
        } else if (now != pending_before) {
            problem(L, &L->res->lost, "after cut %u the home screen counts %u pending, was %u",
                    L->res->cuts, (unsigned)now, (unsigned)pending_before);
        }
    }
    return 0;
}

int pl_life_run(pl_life_t *L, const uint32_t *cuts, unsigned n_cuts, cnd_torn_mode_t torn,
                uint32_t seed, pl_result_t *res)
{
    size_t s = 0;
    uint32_t k;
    int ok = 1;

    memset(res, 0, sizeof *res);
    res->interviews = L->n_interviews;
    res->log_blocks = L->cfg.log_blocks;
    L->res = res;
    if (!L->have_ref && n_cuts > 0) {
        problem(L, &res->unbootable, "the first run must be uncut (it records the reference)");
        return -1;
    }
    L->cuts = cuts;
    L->n_cuts = n_cuts;
    L->next_cut = 0;
    L->torn = torn;
    L->seed = seed;
    L->expect_active = 0;
    L->push_cut = 0;
    L->cut_since_sync = 0;
    for (k = 0; k < L->n_interviews; k++) {
        uint8_t pack = L->iv[k].pack;
        memset(&L->iv[k], 0, sizeof L->iv[k]);
        L->iv[k].pack = pack;
        L->iv[k].saved = -1;
    }
    L->dev = calloc(1, sizeof *L->dev);
    if (L->dev == NULL ||
        cnd_ram_flash_init(&L->dev->rf, L->cfg.block_size,
                           /* 32 KiB slots: what a chip this small is given (SPEC 4.1) */
                           3 + CND_MAX_SURVEYS * ((32768u + L->cfg.block_size - 1) /
                                                  L->cfg.block_size) +
                               L->cfg.log_blocks,
                           PL_PROG) != CND_OK) {
        free(L->dev);
        L->dev = NULL;
        problem(L, &res->unbootable, "cannot allocate the emulated chip");
        return -1;
    }
    L->dev->rf.ff.seed = seed;
    L->dev->rng = 0x1234567u ^ seed;
    L->dev->rf.ff.powered_off = 1; /* the first power_up is the first boot */
    if (host_open(L) != 0 || power_up(L) != 0)
        ok = 0;
    while (ok && s < L->n_steps) {
        const pl_step_t *st = &L->steps[s];
        int told = 0, done = 0, r = DONE_FAIL;
        uint32_t before = 0;
        if (st->kind == STEP_PUSH) {
            r = do_push(L, st->pack);
            if (r == DONE_OK) {
                L->expect_active = L->pack_fp[st->pack];
                L->push_cut = 0;
            }
        } else if (st->kind == STEP_SYNC) {
            r = do_sync(L);
        } else {
            pl_interview_t *iv = &L->iv[st->interview];
            if (iv->attempts >= PL_MAX_ATTEMPTS) {
                problem(L, &res->unbootable, "interview %u cut too often", (unsigned)st->interview);
                break;
            }
            r = do_interview(L, st->interview, iv->attempts++, &told, &before);
            if (r == DONE_OK)
                iv->saved = (int8_t)(iv->attempts - 1);
        }
        if (r == DONE_FAIL) {
            ok = 0;
        } else if (r == DONE_CUT) {
            if (after_cut(L, st, told, before, &done) != 0)
                ok = 0;
            else if (done)
                s++;
        } else {
            s++;
        }
    }
    if (ok)
        check_at_end(L);
    if (!ok && res->unbootable == 0)
        res->unbootable = 1;
    if (ok && !L->have_ref) {
        for (k = 0; k < L->n_interviews; k++)
            if (L->ref[k].n_answers == 0)
                problem(L, &res->corrupt, "the uncut run did not store interview %u", (unsigned)k);
        L->have_ref = 1;
    }
    res->ops = L->dev->rf.ff.writes;
    cnd_flash_fault_wear(&L->dev->rf.ff, log_first_block(L), L->cfg.log_blocks, &res->wear_min,
                         &res->wear_max);
    host_close(L);
    cnd_ram_flash_free(&L->dev->rf);
    free(L->dev);
    L->dev = NULL;
    return res->lost || res->duplicated || res->corrupt || res->unbootable ? -1 : 0;
}

/* ---- the script ---- */

static int add_step(pl_life_t *L, size_t *cap, uint8_t kind, uint8_t pack)
{
    pl_step_t *st;
    if (L->n_steps == *cap) {
        size_t n = *cap ? *cap * 2 : 256;
        pl_step_t *p = realloc(L->steps, n * sizeof *p);
        if (p == NULL)
            return -1;
        L->steps = p;
        *cap = n;
    }
    st = &L->steps[L->n_steps++];
    st->kind = kind;
    st->pack = pack;
    st->interview = kind == STEP_INTERVIEW ? L->n_interviews++ : 0;
    return 0;
}

static int add_interviews(pl_life_t *L, size_t *cap, uint8_t pack, unsigned n, unsigned *since,
                          unsigned *cadence)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        if (add_step(L, cap, STEP_INTERVIEW, pack) != 0)
            return -1;
        if (++*since == sync_cadence[*cadence % (sizeof sync_cadence / sizeof sync_cadence[0])]) {
            if (add_step(L, cap, STEP_SYNC, 0) != 0)
                return -1;
            *since = 0;
            ++*cadence;
        }
    }
    return 0;
}

static int build_script(pl_life_t *L)
{
    size_t cap = 0;
    unsigned since = 0, cadence = 0, r;
    int rc = add_step(L, &cap, STEP_PUSH, 0);
    rc |= add_interviews(L, &cap, 0, 130, &since, &cadence);
    for (r = 0; r < L->cfg.rounds && rc == 0; r++) {
        rc |= add_step(L, &cap, STEP_PUSH, 1);
        rc |= add_interviews(L, &cap, 1, 100, &since, &cadence);
        rc |= add_step(L, &cap, STEP_PUSH, 0);
        rc |= add_interviews(L, &cap, 0, 90, &since, &cadence);
    }
    rc |= add_step(L, &cap, STEP_SYNC, 0);
    return rc;
}

pl_life_t *pl_life_new(const pl_config_t *cfg, char *err, size_t cap)
{
    pl_life_t *L = calloc(1, sizeof *L);
    unsigned k;
    uint32_t i;
    if (L == NULL) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    L->cfg = *cfg;
    if (L->cfg.rounds == 0)
        L->cfg.rounds = 1;
    for (k = 0; k < 2; k++) {
        cnd_err_t e = {{0}};
        size_t len = 0;
        if ((k == 0 ? compile_first_language(survey_paths[k], L->packs[k], sizeof L->packs[k],
                                             &len, &e)
                    : cnd_compile_file(survey_paths[k], cnd_test_office_key(), L->packs[k],
                                       sizeof L->packs[k], &len, &e)) != CND_OK ||
            cnd_pack_open(&L->pk[k], L->packs[k], (uint32_t)len) != CND_OK) {
            snprintf(err, cap, "cannot compile %s: %s", survey_paths[k], e.msg);
            pl_life_free(L);
            return NULL;
        }
        L->pack_len[k] = (uint32_t)len;
        L->pack_fp[k] = L->pk[k].fingerprint;
    }
    if (build_script(L) != 0 || L->n_interviews >= (1u << 24) ||
        (L->iv = calloc(L->n_interviews, sizeof *L->iv)) == NULL ||
        (L->ref = calloc(L->n_interviews, sizeof *L->ref)) == NULL) {
        snprintf(err, cap, "out of memory building the script");
        pl_life_free(L);
        return NULL;
    }
    for (i = 0; i < L->n_steps; i++)
        if (L->steps[i].kind == STEP_INTERVIEW)
            L->iv[L->steps[i].interview].pack = L->steps[i].pack;
    return L;
}

void pl_life_free(pl_life_t *L)
{
    if (L == NULL)
        return;
    free(L->steps);
    free(L->iv);
    free(L->ref);
    free(L);
}
