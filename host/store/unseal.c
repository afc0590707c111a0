/* unseal.c: see unseal.h. */
#include "unseal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "sealed.h"

/*
 * A held response: its clear header, its ciphertext's place in a shared
 * arena and its epoch's place in a table of distinct epochs. A store holds
 * 100,000s of responses of a few epochs: holding each as a full
 * cnd_sealed_t (396 bytes, the ciphertext's maximum) and sorting those
 * cost more time than opening them.
 */
typedef struct {
    uint32_t rank;  /* epoch order: equal for equal epoch public keys */
    uint32_t ctr;
    uint8_t id[CND_RESPONSE_ID_LEN];
    uint32_t epoch; /* index in all_t.epochs */
    uint32_t pack_fp;
    uint32_t seq;
    uint16_t ct_len;
    size_t ct_off;
    const cnd_pack_t *pk;
} held_t;

typedef struct {
    held_t *v;
    size_t n, cap;
    uint8_t *ct; /* every ciphertext, back to back */
    size_t ct_len, ct_cap;
    cnd_epoch_t *epochs;
    size_t n_epochs, epochs_cap;
    uint32_t *slots; /* open-addressing hash of epochs: index + 1, 0 = free */
    size_t n_slots;
    size_t last_epoch; /* responses of one epoch come in runs: try it first */
} all_t;

static int grow(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : first;
    while (cap2 < need)
        cap2 *= 2;
    void *t = realloc(*p, cap2 * size);
    if (t == NULL)
        return -1;
    *p = t;
    *cap = cap2;
    return 0;
}

/* FNV-1a over the epoch's public key: it is random, any spread will do. */
static size_t slot_of(const all_t *a, const cnd_epoch_t *e)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < CND_X25519_LEN; i++)
        h = (h ^ e->epoch_pub[i]) * 16777619u;
    return h & (a->n_slots - 1);
}

static int rehash(all_t *a)
{
    size_t n = a->n_slots ? a->n_slots * 2 : 64;
    uint32_t *t = calloc(n, sizeof *t);
    if (t == NULL)
        return -1;
    free(a->slots);
    a->slots = t;
    a->n_slots = n;
    for (size_t i = 0; i < a->n_epochs; i++) {
        size_t k = slot_of(a, &a->epochs[i]);
        while (a->slots[k] != 0)
            k = (k + 1) & (n - 1);
        a->slots[k] = (uint32_t)(i + 1);
    }
    return 0;
}

/* The table index of e (all of it: two responses naming one epoch key with
 * different boxes stay apart, as they did when each held its own copy). */
static int epoch_index(all_t *a, const cnd_epoch_t *e, uint32_t *out)
{
    if (a->n_epochs > 0 && memcmp(&a->epochs[a->last_epoch], e, sizeof *e) == 0) {
        *out = (uint32_t)a->last_epoch;
        return 0;
    }
    if (2 * (a->n_epochs + 1) > a->n_slots && rehash(a) != 0)
        return -1;
    size_t k = slot_of(a, e);
    for (; a->slots[k] != 0; k = (k + 1) & (a->n_slots - 1)) {
        if (memcmp(&a->epochs[a->slots[k] - 1], e, sizeof *e) == 0) {
            a->last_epoch = a->slots[k] - 1;
            *out = (uint32_t)a->last_epoch;
            return 0;
        }
    }
    if (a->n_epochs >= UINT32_MAX - 1 ||
        grow((void **)&a->epochs, &a->epochs_cap, a->n_epochs + 1, sizeof *a->epochs, 16) != 0)
        return -1;
    a->epochs[a->n_epochs] = *e;
    a->slots[k] = (uint32_t)(a->n_epochs + 1);
    a->last_epoch = a->n_epochs++;
    *out = (uint32_t)a->last_epoch;
    return 0;
}

static int hold_fn(void *ctx, const cnd_pack_t *pk, const cnd_sealed_t *r)
{
    all_t *a = ctx;
    if (grow((void **)&a->v, &a->cap, a->n + 1, sizeof *a->v, 1024) != 0 ||
        grow((void **)&a->ct, &a->ct_cap, a->ct_len + r->ct_len, 1, 1 << 16) != 0)
        return -1;
    held_t *h = &a->v[a->n];
    if (epoch_index(a, &r->epoch, &h->epoch) != 0)
        return -1;
    h->ctr = r->ctr;
    memcpy(h->id, r->id, CND_RESPONSE_ID_LEN);
    h->pack_fp = r->pack_fp;
    h->seq = r->seq;
    h->ct_len = r->ct_len;
    h->ct_off = a->ct_len;
    h->pk = pk;
    memcpy(a->ct + a->ct_len, r->ct, r->ct_len);
    a->ct_len += r->ct_len;
    a->n++;
    return 0;
}

/* By public key, then the rest of the epoch: rows that name one epoch key
 * with another box or office key (only a forgery can) rank apart, so each
 * run opens with its own epoch bytes and a forged row sorted first cannot
 * make the real rows of its epoch fail to open. */
static int by_epoch_pub(const void *x, const void *y, void *all)
{
    const uint32_t *a = x, *b = y;
    const cnd_epoch_t *e = ((const all_t *)all)->epochs;
    int c = memcmp(e[*a].epoch_pub, e[*b].epoch_pub, CND_X25519_LEN);
    return c != 0 ? c : memcmp(&e[*a], &e[*b], sizeof e[*a]);
}

/* Epoch (by public key), then chain index: the only order in which a chain
 * opens them; then id, so that the order never depends on the store's. */
static int by_epoch_then_ctr(const void *x, const void *y)
{
    const held_t *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->ctr != b->ctr)
        return a->ctr < b->ctr ? -1 : 1;
    return memcmp(a->id, b->id, CND_RESPONSE_ID_LEN);
}

/* Ranks the epochs by public key (equal keys, equal rank) and sorts. */
static int sort_held(all_t *a)
{
    uint32_t *order = malloc(a->n_epochs * sizeof *order);
    uint32_t *rank = malloc(a->n_epochs * sizeof *rank);
    if (order == NULL || rank == NULL) {
        free(order);
        free(rank);
        return -1;
    }
    for (size_t i = 0; i < a->n_epochs; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, a->n_epochs, sizeof *order, by_epoch_pub, a);
    for (size_t i = 0, r = 0; i < a->n_epochs; i++) {
        if (i > 0 && by_epoch_pub(&order[i - 1], &order[i], a) != 0)
            r++;
        rank[order[i]] = (uint32_t)r;
    }
    for (size_t i = 0; i < a->n; i++)
        a->v[i].rank = rank[a->v[i].epoch];
    qsort(a->v, a->n, sizeof *a->v, by_epoch_then_ctr);
    free(order);
    free(rank);
    return 0;
}

/* The response as the store handed it out, for opening and for refused(). */
static void unhold(const all_t *a, const held_t *h, cnd_sealed_t *s)
{
    memcpy(s->id, h->id, CND_RESPONSE_ID_LEN);
    s->pack_fp = h->pack_fp;
    s->seq = h->seq;
    s->ctr = h->ctr;
    s->epoch = a->epochs[h->epoch];
    s->ct_len = h->ct_len;
    memcpy(s->ct, a->ct + h->ct_off, h->ct_len);
}

static void free_all(all_t *a)
{
    /* The ciphertexts are not secret, but no copy outlives the export. */
    free(a->v);
    free(a->ct);
    free(a->epochs);
    free(a->slots);
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

/*
 * Opening is parallel: an epoch's chain only runs forward, but anyone with
 * the office key can start it again from index 0. A task is a run of
 * responses of one epoch in chain order; different tasks share nothing but
 * the callbacks, which run under one mutex (so callers need no locking and
 * see one callback at a time). A task that starts inside an epoch walks
 * the chain up to its first index (cnd_unseal_record does, one HKDF-Expand
 * per index instead of two), which is why an epoch is cut at 2/3: both
 * parts then cost about the same.
 */
typedef struct {
    size_t from, to; /* a.v[from..to), one epoch */
    size_t first;    /* first response of that epoch: whose epoch bytes are used */
} task_t;

typedef struct {
    const all_t *a;
    task_t *tasks;
    size_t n_tasks, next;
    const uint8_t (*privs)[CND_X25519_LEN];
    const uint8_t (*pubs)[CND_X25519_LEN];
    size_t n_keys;
    cnd_opened_fn opened;
    cnd_refused_fn refused;
    void *ctx;
    pthread_mutex_t mu; /* next, rc, and every callback */
    int rc;
} run_t;

/* Worth a thread: below this many responses one thread is as fast. */
#define UNSEAL_PAR_MIN 4096
#define UNSEAL_MAX_THREADS 8

/* Opened responses handed to the callbacks together, under one lock:
 * per-response locking makes threads wait on each other, worst of all on
 * a busy machine where the lock holder gets preempted. */
#define UNSEAL_BATCH 64

typedef struct {
    size_t i;
    const char *why; /* NULL: r is the opened response */
    cnd_response_t r;
} result_t;

/* Returns non-zero when the walk must stop. */
static int deliver(run_t *run, const result_t *res, size_t n, const uint8_t *device_id)
{
    const all_t *a = run->a;
    pthread_mutex_lock(&run->mu);
    for (size_t k = 0; k < n && run->rc == 0; k++) {
        const held_t *h = &a->v[res[k].i];
        if (res[k].why != NULL) {
            cnd_sealed_t s;
            unhold(a, h, &s);
            run->refused(run->ctx, &s, res[k].why);
        } else {
            run->rc = run->opened(run->ctx, h->pk, &res[k].r, device_id);
        }
    }
    int stop = run->rc != 0;
    pthread_mutex_unlock(&run->mu);
    return stop;
}

static void run_task(run_t *run, const task_t *t, result_t *res)
{
    const all_t *a = run->a;
    const cnd_epoch_t *ep = &a->epochs[a->v[t->first].epoch];
    cnd_seal_chain_t chain, before;
    uint8_t device_id[CND_DEVICE_ID_LEN];
    const char *epoch_why = NULL;
    size_t k = 0, n = 0;
    int stop = 0;
    /* The epoch names the office key it was sealed to: use that one. */
    while (k < run->n_keys && memcmp(ep->office_pub, run->pubs[k], CND_X25519_LEN) != 0)
        k++;
    memset(&chain, 0, sizeof chain);
    memset(&before, 0, sizeof before);
    if (k == run->n_keys)
        epoch_why = "is sealed to another office key (export it with that key)";
    else if (cnd_unseal_open(&chain, run->privs[k], ep->epoch_pub, ep->box, CND_DEVICE_BOX_LEN,
                             device_id) != CND_OK)
        epoch_why = "does not authenticate (its epoch was changed after sealing?)";
    for (size_t i = t->from; i < t->to && !stop; i++) {
        res[n].i = i;
        res[n].why = epoch_why;
        if (epoch_why == NULL) {
            cnd_sealed_t s;
            unhold(a, &a->v[i], &s);
            /* Rows naming the same index (sorted next to each other) are
             * each tried with that index's key: a forged row a device
             * slipped in beside a real one must not make the real one
             * look like a replay, whichever comes first. */
            if (i > t->from && a->v[i].ctr == a->v[i - 1].ctr)
                chain = before;
            else
                before = chain;
            res[n].why = cnd_unseal_next(&chain, &s, a->v[i].pk, 1, &res[n].r);
        }
        if (++n == UNSEAL_BATCH || i + 1 == t->to) {
            stop = deliver(run, res, n, device_id);
            n = 0;
        }
    }
    memset(res, 0, UNSEAL_BATCH * sizeof *res);
    cnd_seal_wipe(&chain);
    cnd_seal_wipe(&before);
    memset(device_id, 0, sizeof device_id);
}

static void *worker(void *p)
{
    run_t *run = p;
    result_t *res = malloc(UNSEAL_BATCH * sizeof *res);
    for (;;) {
        pthread_mutex_lock(&run->mu);
        if (res == NULL && run->rc == 0)
            run->rc = -1;
        size_t i = run->rc == 0 && run->next < run->n_tasks ? run->next++ : run->n_tasks;
        pthread_mutex_unlock(&run->mu);
        if (i == run->n_tasks)
            break;
        run_task(run, &run->tasks[i], res);
    }
    free(res);
    return NULL;
}

static size_t task_cost(const task_t *t)
{
    /* Walking up to the first index costs half of opening a response. */
    return (t->to - t->from) + (t->from - t->first) / 2;
}

static int by_cost_desc(const void *x, const void *y)
{
    size_t a = task_cost(x), b = task_cost(y);
    return a > b ? -1 : a < b;
}

/* One task per epoch. Cutting costs work (the second part walks the chain
 * again), so only an epoch holding more than 2/3 of all responses is cut
 * in two, where it would otherwise keep one thread busy long after the
 * others; never between two responses naming the same index, so rows
 * sharing an index are each tried with its key, exactly as in one pass. Biggest first, so the
 * threads finish together. */
static task_t *make_tasks(const all_t *a, size_t threads, size_t *n_tasks)
{
    task_t *t = malloc(2 * (a->n ? a->n : 1) * sizeof *t);
    size_t n = 0, share = 2 * a->n / 3;
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < a->n;) {
        size_t end = i;
        while (end < a->n && a->v[end].rank == a->v[i].rank)
            end++;
        size_t cut = threads > 1 && end - i > share ? i + 2 * (end - i) / 3 : end;
        while (cut < end && cut > i && a->v[cut].ctr == a->v[cut - 1].ctr)
            cut++;
        t[n++] = (task_t){i, cut, i};
        if (cut < end)
            t[n++] = (task_t){cut, end, i};
        i = end;
    }
    qsort(t, n, sizeof *t, by_cost_desc);
    *n_tasks = n;
    return t;
}

static size_t thread_count(size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < UNSEAL_PAR_MIN || cpus < 2)
        return 1;
    return cpus > UNSEAL_MAX_THREADS ? UNSEAL_MAX_THREADS : (size_t)cpus;
}

int cnd_unseal_store_keys(cnd_hoststore_t *hs, const uint8_t (*privs)[CND_X25519_LEN],
                          size_t n_keys, cnd_opened_fn opened, cnd_refused_fn refused, void *ctx,
                          cnd_err_t *err)
{
    all_t a;
    run_t run;
    memset(&a, 0, sizeof a);
    memset(&run, 0, sizeof run);
    uint8_t (*pubs)[CND_X25519_LEN] = calloc(n_keys ? n_keys : 1, sizeof *pubs);
    int rc = pubs == NULL ? -1 : cnd_hoststore_each(hs, hold_fn, &a, err);
    for (size_t k = 0; rc == 0 && k < n_keys; k++) {
        if (cnd_seal_public_key(privs[k], pubs[k]) != CND_OK) {
            cnd_err_set(err, "key %zu: its X25519 private part is not usable", k + 1);
            rc = CND_E_INVALID;
        }
    }
    if (rc == 0 && a.n > 1 && sort_held(&a) != 0)
        rc = -1;
    size_t threads = thread_count(a.n);
    if (rc == 0 && (run.tasks = make_tasks(&a, threads, &run.n_tasks)) == NULL)
        rc = -1;
    if (rc == 0) {
        pthread_t tid[UNSEAL_MAX_THREADS];
        size_t started = 0;
        run.a = &a;
        run.privs = privs;
        run.pubs = (const uint8_t(*)[CND_X25519_LEN])pubs;
        run.n_keys = n_keys;
        run.opened = opened;
        run.refused = refused;
        run.ctx = ctx;
        pthread_mutex_init(&run.mu, NULL);
        /* This thread works too; a thread that cannot start is not needed. */
        while (started + 1 < threads && pthread_create(&tid[started], NULL, worker, &run) == 0)
            started++;
        worker(&run);
        while (started > 0)
            pthread_join(tid[--started], NULL);
        pthread_mutex_destroy(&run.mu);
        rc = run.rc;
    }
    free(run.tasks);
    free(pubs);
    free_all(&a);
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
