/* fuzz_common.c: see fuzz_common.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "answers.h"
#include "fuzz_common.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "compile.h"
#include "hoststore.h"
#include "officekey.h"
#include "open_sealed.h"
#include "record.h"
#include "unseal.h"
#include "tmp_tree.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

void fz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}

/* ---- input reader ---- */

void fz_in_init(fz_in_t *in, const uint8_t *p, size_t n)
{
    in->p = p;
    in->n = n;
    in->pos = 0;
}

size_t fz_left(const fz_in_t *in)
{
    return in->n - in->pos;
}

uint8_t fz_u8(fz_in_t *in)
{
    return in->pos < in->n ? in->p[in->pos++] : 0;
}

uint16_t fz_u16(fz_in_t *in)
{
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | (uint16_t)(fz_u8(in) << 8));
}

uint32_t fz_u32(fz_in_t *in)
{
    uint32_t lo = fz_u16(in);
    return lo | ((uint32_t)fz_u16(in) << 16);
}

size_t fz_take(fz_in_t *in, size_t want, const uint8_t **out)
{
    size_t n = want < fz_left(in) ? want : fz_left(in);
    *out = in->p + in->pos;
    in->pos += n;
    return n;
}

/* ---- packs ---- */

static uint8_t pack1[CND_MAX_PACK_SIZE], pack2[CND_MAX_PACK_SIZE];
static uint32_t pack1_len, pack2_len;
static cnd_pack_t pk1, pk2;

static void compile_or_die(const char *json, size_t len, uint8_t *out, uint32_t *out_len)
{
    cnd_err_t err;
    size_t n = 0;
    if (cnd_compile_json(json, len, cnd_test_office_key(), out, CND_MAX_PACK_SIZE, &n, &err) !=
        CND_OK) {
        fprintf(stderr, "fuzz: cannot compile %s: %s\n", SURVEY, err.msg);
        abort();
    }
    *out_len = (uint32_t)n;
}

static void load_packs(void)
{
    static char json[256 * 1024];
    char *v;
    size_t n;
    FILE *f;
    if (pack1_len != 0)
        return;
    f = fopen(SURVEY, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz: cannot open %s\n", SURVEY);
        abort();
    }
    n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    compile_or_die(json, n, pack1, &pack1_len);
    FZ_CHECK(cnd_pack_open(&pk1, pack1, pack1_len) == CND_OK);
    /* Same survey, next version: another fingerprint, as a real update. */
    v = strstr(json, "\"version\": 1");
    FZ_CHECK(v != NULL);
    v[11] = '2';
    compile_or_die(json, n, pack2, &pack2_len);
    FZ_CHECK(cnd_pack_open(&pk2, pack2, pack2_len) == CND_OK);
}

const uint8_t *fz_default_pack(uint32_t *len)
{
    load_packs();
    *len = pack1_len;
    return pack1;
}

const cnd_pack_t *fz_default_pk(void)
{
    load_packs();
    return &pk1;
}

const uint8_t *fz_second_pack(uint32_t *len)
{
    load_packs();
    *len = pack2_len;
    return pack2;
}

const cnd_pack_t *fz_second_pk(void)
{
    load_packs();
    return &pk2;
}

void fz_make_response(const cnd_pack_t *pk, uint32_t seed, cnd_response_t *r)
{
    uint32_t x = seed * 2654435761u + 1u;
    uint16_t i;
    memset(r, 0, sizeof *r);
    for (i = 0; i < CND_RESPONSE_ID_LEN; i++) {
        x = x * 1103515245u + 12345u;
        r->id[i] = (uint8_t)(x >> 16);
    }
    r->pack_fp = pk->fingerprint;
    r->day = (uint16_t)(2190 + seed % 11);
    r->lang = (uint8_t)(seed % cnd_pack_lang_count(pk));
    r->n_answers = (uint8_t)cnd_pack_item_count(pk);
    for (i = 0; i < r->n_answers; i++) {
        cnd_item_t it;
        cnd_answer_t *a = &r->answers[i];
        uint32_t v = seed * 31u + i * 7u;
        FZ_CHECK(cnd_pack_item(pk, i, &it) == CND_OK);
        if (it.kind == CND_ITEM_INFO || v % 9 == 0)
            continue;
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
            a->value = (int32_t)((int64_t)it.min + (int64_t)(v % 1000u) %
                                                       ((int64_t)it.max - it.min + 1));
            break;
        }
    }
    cnd_test_clear_irrelevant(pk, r); /* as the engine would */
    FZ_CHECK(cnd_response_check(r, pk) == CND_OK);
}

int fz_same_response(const cnd_response_t *a, const cnd_response_t *b)
{
    uint8_t i;
    if (memcmp(a->id, b->id, CND_RESPONSE_ID_LEN) != 0 || a->pack_fp != b->pack_fp ||
        a->day != b->day || a->lang != b->lang || a->n_answers != b->n_answers)
        return 0;
    for (i = 0; i < a->n_answers; i++) {
        if (a->answers[i].state != b->answers[i].state)
            return 0;
        if (a->answers[i].state == CND_ANS_VALUE && a->answers[i].value != b->answers[i].value)
            return 0;
    }
    return 1;
}

int fz_same_sealed(const cnd_sealed_t *a, const cnd_sealed_t *b)
{
    return memcmp(a->id, b->id, CND_RESPONSE_ID_LEN) == 0 && a->pack_fp == b->pack_fp &&
           a->seq == b->seq && a->ctr == b->ctr &&
           memcmp(&a->epoch, &b->epoch, sizeof a->epoch) == 0 && a->ct_len == b->ct_len &&
           a->ct_len <= CND_SEALED_CT_MAX && memcmp(a->ct, b->ct, a->ct_len) == 0;
}

void fz_seal_responses(const cnd_pack_t *pk, uint32_t seed0, uint16_t n, uint32_t seq0,
                       const uint8_t dev[CND_DEVICE_ID_LEN], cnd_sealed_t *out)
{
    cnd_seal_chain_t chain;
    cnd_epoch_t epoch;
    cnd_response_t r;
    uint16_t i;
    memset(&chain, 0, sizeof chain);
    memset(&epoch, 0, sizeof epoch);
    for (i = 0; i < n; i++) {
        fz_make_response(pk, seed0 + i, &r);
        FZ_CHECK(cnd_test_seal(&r, pk, seq0 + i, dev, &chain, &epoch, &out[i]) == CND_OK);
    }
    cnd_seal_wipe(&chain);
}

/* ---- device ---- */

static cnd_status_t fz_random(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t *x = ctx, i;
    for (i = 0; i < n; i++) {
        *x ^= *x << 13;
        *x ^= *x >> 17;
        *x ^= *x << 5;
        buf[i] = (uint8_t)*x;
    }
    return CND_OK;
}

static uint16_t fz_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

void fz_device_init(fz_device_t *d, uint32_t seed)
{
    memset(d, 0, sizeof *d);
    if (cnd_ram_flash_init(&d->rf, FZ_BLOCK, FZ_BLOCKS, FZ_PROG) != CND_OK) {
        fprintf(stderr, "fuzz: out of memory for the RAM flash\n");
        abort();
    }
    d->rng = seed ? seed : 1;
    d->hal.flash = d->rf.flash;
    d->hal.ctx = &d->rng;
    d->hal.random = fz_random;
    d->hal.today = fz_today;
}

void fz_device_free(fz_device_t *d)
{
    cnd_ram_flash_free(&d->rf);
}

cnd_status_t fz_device_mount(fz_device_t *d)
{
    cnd_ram_flash_power_on(&d->rf);
    return cnd_store_mount(&d->store, &d->hal);
}

cnd_status_t fz_device_install(fz_device_t *d, const uint8_t *pack, uint32_t len)
{
    uint32_t off = 0;
    cnd_status_t st = cnd_store_pack_begin(&d->store, len);
    while (st == CND_OK && off < len) {
        uint32_t n = len - off < 1000u ? len - off : 1000u;
        st = cnd_store_pack_write(&d->store, off, pack + off, n);
        off += n;
    }
    return st == CND_OK ? cnd_store_pack_commit(&d->store) : st;
}

void fz_device_populate(fz_device_t *d, uint32_t n, uint32_t acked)
{
    uint32_t len, i, cursor = 0, seq = 0, last = 0;
    const uint8_t *pack = fz_default_pack(&len);
    cnd_response_t r;
    static cnd_sealed_t s;
    FZ_CHECK(fz_device_mount(d) == CND_OK);
    /* formatted with the layout the harnesses assume */
    FZ_CHECK(d->store.slot_blocks == FZ_SLOT_BLOCKS && d->store.log_first == FZ_LOG_FIRST);
    FZ_CHECK(fz_device_install(d, pack, len) == CND_OK);
    for (i = 0; i < n; i++) {
        fz_make_response(fz_default_pk(), i, &r);
        FZ_CHECK(cnd_store_append_response(&d->store, &r, fz_default_pk()) == CND_OK);
    }
    for (i = 0; i < acked; i++) {
        FZ_CHECK(cnd_store_next_pending(&d->store, &cursor, &seq, &s) == CND_OK);
        last = seq;
    }
    if (acked > 0)
        FZ_CHECK(cnd_store_ack(&d->store, last) == CND_OK);
}

void fz_device_populate_sync(fz_device_t *d)
{
    uint32_t len, i;
    const uint8_t *p2 = fz_second_pack(&len);
    cnd_response_t r;
    fz_device_populate(d, FZ_SYNC_FIRST, FZ_SYNC_ACKED);
    FZ_CHECK(fz_device_install(d, p2, len) == CND_OK);
    for (i = 0; i < FZ_SYNC_SECOND; i++) {
        fz_make_response(fz_second_pk(), 500 + i, &r);
        FZ_CHECK(cnd_store_append_response(&d->store, &r, fz_second_pk()) == CND_OK);
    }
}

static cnd_status_t from_array(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    const cnd_sealed_t *rs = ctx;
    *out = rs[index];
    return CND_OK;
}

size_t fz_encode_batch(const cnd_sealed_t *rs, uint16_t n, uint8_t *out, size_t cap)
{
    static cnd_batch_encoder_t enc; /* holds a cnd_sealed_t: off the stack */
    size_t len = 0, got = 0;
    FZ_CHECK(cnd_batch_encoder_init(&enc, n, from_array, (void *)(uintptr_t)rs) == CND_OK);
    do {
        FZ_CHECK(len < cap || got == 0);
        FZ_CHECK(cnd_batch_encoder_read(&enc, out + len, cap - len, &got) == CND_OK);
        len += got;
    } while (got > 0);
    return len;
}

/* ---- the host store ---- */

typedef struct {
    size_t n, opened, refused;
    uint32_t max_ctr;
} walk_t;

static int visit_checked(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r)
{
    walk_t *w = ctx;
    w->n++;
    FZ_CHECK(r->pack_fp == pack->fingerprint);
    FZ_CHECK(r->ct_len > CND_SEAL_TAG_LEN && r->ct_len <= CND_SEALED_CT_MAX);
    if (r->ctr > w->max_ctr)
        w->max_ctr = r->ctr;
    return 0;
}

static int opened_checked(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                          const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    walk_t *w = ctx;
    (void)device_id;
    w->opened++;
    FZ_CHECK(r->pack_fp == pk->fingerprint);
    FZ_CHECK(cnd_response_check(r, pk) == CND_OK);
    return 0;
}

static void refused_checked(void *ctx, const cnd_sealed_t *s, const char *why)
{
    walk_t *w = ctx;
    (void)s;
    w->refused++;
    FZ_CHECK(why != NULL && why[0] != '\0');
    /* host/store/unseal.c says "opens but ..." only of a row that authenticated:
     * one a device sealed, from a valid response. Nobody here can forge
     * one, so such a row means opening is broken. */
    FZ_CHECK(strncmp(why, "opens", 5) != 0);
}

size_t fz_store_check_all(cnd_hoststore_t *hs, size_t *opened)
{
    walk_t w;
    cnd_err_t err;
    memset(&w, 0, sizeof w);
    FZ_CHECK(cnd_hoststore_each(hs, visit_checked, &w, &err) == 0);
    FZ_CHECK(w.n == cnd_hoststore_response_count(hs));
    if (opened != NULL)
        *opened = 0;
    if (w.n == 0 || w.max_ctr > FZ_MAX_CTR)
        return w.n; /* see FZ_MAX_CTR */
    FZ_CHECK(cnd_unseal_store(hs, cnd_key_x25519_secret(cnd_test_office_key()), opened_checked,
                              refused_checked, &w, &err) == 0);
    FZ_CHECK(w.opened + w.refused == w.n);
    if (opened != NULL)
        *opened = w.opened;
    return w.n;
}

/* ---- scratch files ---- */

char *fz_make_temp_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path;
    if (access("/dev/shm", W_OK) == 0)
        base = "/dev/shm"; /* tmpfs: fsync costs nothing, runs stay fast */
    else if (base == NULL || base[0] == '\0')
        base = "/tmp";
    if (asprintf(&path, "%s/cnd-fuzz-%s-XXXXXX", base, tag) < 0)
        abort();
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "fuzz: cannot make a directory under %s\n", base);
        abort();
    }
    return path;
}

int fz_remove_tree(const char *path)
{
    return cnd_test_remove_tree(path);
}

int fz_write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (f == NULL)
        return -1;
    ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}
