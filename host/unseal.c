/* unseal.c: see unseal.h. */
#include "unseal.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "sealed.h"

typedef struct {
    cnd_sealed_t s;
    const cnd_pack_t *pk;
} held_t;

typedef struct {
    held_t *v;
    size_t n, cap;
} all_t;

static int hold_fn(void *ctx, const cnd_pack_t *pk, const cnd_sealed_t *r)
{
    all_t *a = ctx;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        held_t *t = realloc(a->v, cap * sizeof *t);
        if (t == NULL)
            return -1;
        a->v = t;
        a->cap = cap;
    }
    a->v[a->n].s = *r;
    a->v[a->n].pk = pk;
    a->n++;
    return 0;
}

/* Epoch, then chain index: the only order in which a chain opens them. */
static int by_epoch_then_ctr(const void *x, const void *y)
{
    const held_t *a = x, *b = y;
    int c = memcmp(a->s.epoch.epoch_pub, b->s.epoch.epoch_pub, CND_X25519_LEN);
    if (c != 0)
        return c;
    if (a->s.ctr != b->s.ctr)
        return a->s.ctr < b->s.ctr ? -1 : 1;
    return memcmp(a->s.id, b->s.id, CND_RESPONSE_ID_LEN);
}

const char *cnd_unseal_next(cnd_seal_chain_t *chain, const cnd_sealed_t *s, const cnd_pack_t *pk,
                            int check, cnd_response_t *out)
{
    uint8_t ad[CND_SEALED_AD_MAX], pt[CND_SEALED_CT_MAX];
    cnd_str_t sid = cnd_pack_survey_id(pk);
    uint32_t adlen = cnd_sealed_ad(ad, s->id, s->pack_fp, s->seq, s->ctr,
                                   cnd_pack_survey_version(pk), (const uint8_t *)sid.ptr,
                                   (uint8_t)sid.len);
    cnd_status_t st = cnd_unseal_record(chain, s->ctr, ad, adlen, s->ct, s->ct_len, pt);
    memset(out, 0, sizeof(*out));
    if (st == CND_E_RANGE)
        return "repeats a key index of its epoch, or names one out of range";
    if (st != CND_OK)
        return "does not authenticate (changed after sealing?)";
    st = cnd_sealed_join(s, pk, pt, s->ct_len - CND_SEAL_TAG_LEN, out);
    memset(pt, 0, sizeof pt);
    if (st != CND_OK)
        return "opens but does not decode";
    if (check && cnd_response_check(out, pk) != CND_OK)
        return "opens but does not fit its survey pack";
    return NULL;
}

int cnd_unseal_store_keys(cnd_hoststore_t *hs, const uint8_t (*privs)[CND_X25519_LEN],
                          size_t n_keys, cnd_opened_fn opened, cnd_refused_fn refused, void *ctx,
                          cnd_err_t *err)
{
    all_t a = {NULL, 0, 0};
    uint8_t (*pubs)[CND_X25519_LEN] = calloc(n_keys ? n_keys : 1, sizeof *pubs);
    int rc = pubs == NULL ? -1 : cnd_hoststore_each(hs, hold_fn, &a, err);
    for (size_t k = 0; rc == 0 && k < n_keys; k++) {
        if (cnd_seal_public_key(privs[k], pubs[k]) != CND_OK) {
            cnd_err_set(err, "key %zu: its X25519 private part is not usable", k + 1);
            rc = CND_E_INVALID;
        }
    }
    if (rc == 0 && a.n > 1) /* a.v is NULL for an empty store */
        qsort(a.v, a.n, sizeof *a.v, by_epoch_then_ctr);
    for (size_t i = 0; rc == 0 && i < a.n;) {
        size_t end = i, k = 0;
        cnd_seal_chain_t chain;
        uint8_t device_id[CND_DEVICE_ID_LEN];
        const char *epoch_why = NULL;
        while (end < a.n && memcmp(a.v[end].s.epoch.epoch_pub, a.v[i].s.epoch.epoch_pub,
                                   CND_X25519_LEN) == 0)
            end++;
        /* The epoch names the office key it was sealed to: use that one. */
        while (k < n_keys && memcmp(a.v[i].s.epoch.office_pub, pubs[k], CND_X25519_LEN) != 0)
            k++;
        memset(&chain, 0, sizeof chain);
        if (k == n_keys)
            epoch_why = "is sealed to another office key (export it with that key)";
        else if (cnd_unseal_open(&chain, privs[k], a.v[i].s.epoch.epoch_pub,
                                 a.v[i].s.epoch.box, CND_DEVICE_BOX_LEN, device_id) != CND_OK)
            epoch_why = "does not authenticate (its epoch was changed after sealing?)";
        for (; rc == 0 && i < end; i++) {
            cnd_response_t r;
            const char *why = epoch_why ? epoch_why
                                        : cnd_unseal_next(&chain, &a.v[i].s, a.v[i].pk, 1, &r);
            if (why != NULL)
                refused(ctx, &a.v[i].s, why);
            else
                rc = opened(ctx, a.v[i].pk, &r, device_id);
            memset(&r, 0, sizeof r);
        }
        i = end;
        cnd_seal_wipe(&chain);
        memset(device_id, 0, sizeof device_id);
    }
    free(pubs);
    free(a.v);
    return rc;
}

int cnd_unseal_store(cnd_hoststore_t *hs, const uint8_t office_priv[CND_X25519_LEN],
                     cnd_opened_fn opened, cnd_refused_fn refused, void *ctx, cnd_err_t *err)
{
    return cnd_unseal_store_keys(hs, (const uint8_t(*)[CND_X25519_LEN])office_priv, 1, opened,
                                 refused, ctx, err);
}

const char *cnd_unseal_one(const cnd_sealed_t *s, const cnd_pack_t *pk, int check,
                           const uint8_t office_priv[CND_X25519_LEN], cnd_response_t *out,
                           uint8_t device_id[CND_DEVICE_ID_LEN])
{
    cnd_seal_chain_t chain;
    const char *why;
    memset(out, 0, sizeof(*out));
    if (cnd_unseal_open(&chain, office_priv, s->epoch.epoch_pub, s->epoch.box,
                        CND_DEVICE_BOX_LEN, device_id) != CND_OK)
        return "its epoch does not open with this key";
    why = cnd_unseal_next(&chain, s, pk, check, out);
    cnd_seal_wipe(&chain);
    return why;
}
