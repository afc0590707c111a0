/* open_sealed.c: see open_sealed.h. */
#include "open_sealed.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "officekey.h"
#include "record.h"
#include "test_key.h"
#include "unseal.h"

/* Tests open the same records over and over, in any order (after every
 * cut, every ack, from store files sorted by id): each epoch keeps its
 * chain at every MARK-th index, so an open costs at most MARK chain steps
 * and no X25519 (test-only memory; the real export walks each epoch once,
 * in order). */
#define MARK 16
typedef struct {
    uint8_t epoch_pub[CND_X25519_LEN];
    cnd_seal_chain_t *marks; /* marks[j]: the chain at index j * MARK */
    size_t n_marks;
    cnd_seal_chain_t cur;
} cached_epoch_t;

static cached_epoch_t g_cache[64];
static unsigned g_cached, g_next_slot;

static int add_mark(cached_epoch_t *c, const cnd_seal_chain_t *at)
{
    cnd_seal_chain_t *m = realloc(c->marks, (c->n_marks + 1) * sizeof *m);
    if (m == NULL)
        return -1;
    c->marks = m;
    c->marks[c->n_marks++] = *at;
    return 0;
}

/* The epoch's chain positioned at or before ctr (never past it). */
static cnd_seal_chain_t *chain_for(const cnd_sealed_t *s)
{
    unsigned i;
    uint8_t dev[CND_DEVICE_ID_LEN];
    cached_epoch_t *c = NULL;
    cnd_seal_chain_t base;
    for (i = 0; i < g_cached && c == NULL; i++)
        if (memcmp(g_cache[i].epoch_pub, s->epoch.epoch_pub, CND_X25519_LEN) == 0)
            c = &g_cache[i];
    if (c == NULL) {
        c = &g_cache[g_next_slot];
        g_next_slot = (g_next_slot + 1) % 64;
        if (g_cached < 64)
            g_cached++;
        free(c->marks);
        memset(c, 0, sizeof(*c));
        if (cnd_unseal_open(&base, cnd_key_x25519_secret(cnd_test_office_key()),
                            s->epoch.epoch_pub, s->epoch.box, CND_DEVICE_BOX_LEN, dev) != CND_OK ||
            add_mark(c, &base) != 0)
            return NULL;
        memcpy(c->epoch_pub, s->epoch.epoch_pub, CND_X25519_LEN);
    }
    /* Extend the marks up to ctr, then start from the last one below it. */
    while ((c->n_marks - 1) * (size_t)MARK + MARK <= s->ctr) {
        cnd_seal_chain_t next = c->marks[c->n_marks - 1];
        while (next.ctr < c->marks[c->n_marks - 1].ctr + MARK)
            if (cnd_unseal_skip(&next) != CND_OK)
                return NULL;
        if (add_mark(c, &next) != 0)
            return NULL;
    }
    c->cur = c->marks[s->ctr / MARK];
    return &c->cur;
}

const char *cnd_test_open(const cnd_sealed_t *s, const cnd_pack_t *pk, int check,
                          cnd_response_t *out)
{
    cnd_seal_chain_t *chain = chain_for(s);
    if (chain == NULL) {
        memset(out, 0, sizeof(*out));
        return "its epoch does not open with the test office key";
    }
    return cnd_unseal_next(chain, s, pk, check, out);
}

cnd_status_t cnd_test_next_open(cnd_store_t *st, uint32_t *cursor, uint32_t *seq,
                                cnd_test_pack_of_fn pack_of, void *ctx, int check,
                                cnd_response_t *out)
{
    static cnd_sealed_t s; /* 516 bytes: kept off small test stacks */
    const cnd_pack_t *pk;
    const char *why;
    cnd_status_t rs = cnd_store_next_pending(st, cursor, seq, &s);
    memset(out, 0, sizeof(*out));
    if (rs != CND_OK)
        return rs;
    pk = pack_of(ctx, s.pack_fp);
    if (pk == NULL) {
        fprintf(stderr, "open_sealed: no pack %08x for seq %u\n", (unsigned)s.pack_fp,
                (unsigned)*seq);
        return CND_E_NOT_FOUND;
    }
    why = cnd_test_open(&s, pk, check, out);
    if (why != NULL) {
        fprintf(stderr, "open_sealed: seq %u %s\n", (unsigned)*seq, why);
        return CND_E_VERIFY;
    }
    return CND_OK;
}

static cnd_status_t test_rng(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t *x = ctx, i;
    for (i = 0; i < n; i++) {
        *x = *x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(*x >> 16);
    }
    return CND_OK;
}

cnd_status_t cnd_test_seal(const cnd_response_t *r, const cnd_pack_t *pk, uint32_t seq,
                           const uint8_t dev[8], cnd_seal_chain_t *chain, cnd_epoch_t *epoch,
                           cnd_sealed_t *out)
{
    static uint32_t rng_state = 99; /* test-only: epochs differ, runs repeat */
    uint8_t body[CND_RECORD_BODY_MAX], ad[CND_SEALED_AD_MAX];
    size_t len = 0;
    uint32_t adlen, ptlen;
    cnd_str_t sid = cnd_pack_survey_id(pk);
    cnd_status_t st;
    if (!chain->live) {
        st = cnd_seal_begin(chain, cnd_pack_office_x25519(pk), test_rng, &rng_state, dev,
                            CND_DEVICE_ID_LEN, epoch->box);
        if (st != CND_OK)
            return st;
        memcpy(epoch->epoch_pub, chain->epoch_pub, CND_X25519_LEN);
        memcpy(epoch->office_pub, cnd_pack_office_x25519(pk), CND_X25519_LEN);
    }
    st = cnd_record_encode(r, pk, body, sizeof body, &len);
    if (st != CND_OK)
        return st;
    memset(out, 0, sizeof(*out));
    memcpy(out->id, r->id, CND_RESPONSE_ID_LEN);
    out->pack_fp = r->pack_fp;
    out->seq = seq;
    out->ctr = chain->ctr;
    out->epoch = *epoch;
    ptlen = (uint32_t)len - CND_SEALED_CLEAR_OF_RECORD;
    adlen = cnd_sealed_ad(ad, r->id, r->pack_fp, seq, chain->ctr, cnd_pack_survey_version(pk),
                          (const uint8_t *)sid.ptr, (uint8_t)sid.len);
    st = cnd_seal_record(chain, ad, adlen, body + CND_SEALED_CLEAR_OF_RECORD, ptlen, out->ct,
                         &out->ctr);
    out->ct_len = (uint16_t)(ptlen + CND_SEAL_TAG_LEN);
    return st;
}

void cnd_test_assert_same_sealed(const cnd_sealed_t *a, const cnd_sealed_t *b)
{
    assert_memory_equal(a->id, b->id, CND_RESPONSE_ID_LEN);
    assert_int_equal(a->pack_fp, b->pack_fp);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->ctr, b->ctr);
    assert_memory_equal(&a->epoch, &b->epoch, sizeof a->epoch);
    assert_int_equal(a->ct_len, b->ct_len);
    assert_memory_equal(a->ct, b->ct, a->ct_len);
}
