/* disclose.c: see disclose.h. */
#include "disclose.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint32_t *v;
    size_t m;
} rows_t;

static int cmp_rows(const void *a, const void *b, void *ctx)
{
    const rows_t *r = ctx;
    const uint32_t *x = r->v + *(const size_t *)a * r->m, *y = r->v + *(const size_t *)b * r->m;
    for (size_t j = 0; j < r->m; j++)
        if (x[j] != y[j])
            return x[j] < y[j] ? -1 : 1;
    return 0;
}

/* Writes each record's group size into size[] by sorting idx by row. */
static void group_sizes_sorted(const uint32_t *v, size_t n, size_t m, size_t *idx, size_t *size)
{
    rows_t r = {v, m};
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp_rows, &r);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && cmp_rows(&idx[a], &idx[b], &r) == 0)
            b++;
        for (size_t i = a; i < b; i++)
            size[idx[i]] = b - a;
        a = b;
    }
}

/*
 * The same in linear time when a row packs into 64 bits (the usual case:
 * a few coarse quasi-identifiers): rows are ranked per column once
 * (pack_t), then counted in an open-addressing table. The greedy search
 * groups tens of times, so this is what keeps export fast.
 */
typedef struct {
    int ok;                 /* rows fit 64 bits */
    uint8_t *shift;         /* per column */
    uint32_t **rank_of;     /* per column: sorted distinct values, for ranking */
    size_t *n_ranks;
    uint64_t *key;          /* per record */
    uint64_t *slot_key;     /* hash table */
    uint32_t *slot_count;
    size_t cap;
} pack_t;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void pack_free(pack_t *p, size_t m)
{
    for (size_t j = 0; p->rank_of && j < m; j++)
        free(p->rank_of[j]);
    free(p->rank_of);
    free(p->shift);
    free(p->n_ranks);
    free(p->key);
    free(p->slot_key);
    free(p->slot_count);
    memset(p, 0, sizeof *p);
}

/* Ranks every value that can appear (the column's values and
 * CND_QI_SUPPRESSED); -1 when out of memory. */
static int pack_init(pack_t *p, const uint32_t *v, size_t n, size_t m)
{
    memset(p, 0, sizeof *p);
    p->shift = calloc(m + 1, 1);
    p->rank_of = calloc(m + 1, sizeof *p->rank_of);
    p->n_ranks = calloc(m + 1, sizeof *p->n_ranks);
    p->key = malloc((n + 1) * sizeof *p->key);
    for (p->cap = 16; p->cap < 2 * n; p->cap *= 2)
        ;
    p->slot_key = malloc(p->cap * sizeof *p->slot_key);
    p->slot_count = malloc(p->cap * sizeof *p->slot_count);
    if (!p->shift || !p->rank_of || !p->n_ranks || !p->key || !p->slot_key || !p->slot_count)
        return -1;
    unsigned bits = 0;
    for (size_t j = 0; j < m; j++) {
        uint32_t *c = malloc((n + 1) * sizeof *c);
        if (c == NULL)
            return -1;
        for (size_t i = 0; i < n; i++)
            c[i] = v[i * m + j];
        c[n] = CND_QI_SUPPRESSED;
        qsort(c, n + 1, sizeof *c, cmp_u32);
        size_t d = 0;
        for (size_t i = 0; i <= n; i++)
            if (i == 0 || c[i] != c[i - 1])
                c[d++] = c[i];
        p->rank_of[j] = c;
        p->n_ranks[j] = d;
        unsigned b = 1;
        while (((size_t)1 << b) < d)
            b++;
        p->shift[j] = (uint8_t)bits;
        bits += b;
    }
    p->ok = bits <= 64;
    return 0;
}

static uint64_t rank(const pack_t *p, size_t j, uint32_t x)
{
    const uint32_t *c = p->rank_of[j];
    size_t lo = 0, hi = p->n_ranks[j];
    while (lo + 1 < hi) {
        size_t mid = (lo + hi) / 2;
        if (c[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void group_sizes_packed(pack_t *p, const uint32_t *v, size_t n, size_t m, size_t *size)
{
    memset(p->slot_count, 0, p->cap * sizeof *p->slot_count);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = 0;
        for (size_t j = 0; j < m; j++) {
            /* v is in rank space already (cnd_disclose_suppress), but for
             * the suppressed mark, which ranks last */
            uint32_t x = v[i * m + j];
            k |= (uint64_t)(x == CND_QI_SUPPRESSED ? p->n_ranks[j] - 1 : x) << p->shift[j];
        }
        p->key[i] = k;
        /* splitmix64's finaliser spreads the packed ranks over the table */
        uint64_t h = k * 0x9E3779B97F4A7C15ull;
        h ^= h >> 31;
        size_t s = (size_t)h & (p->cap - 1);
        while (p->slot_count[s] != 0 && p->slot_key[s] != k)
            s = (s + 1) & (p->cap - 1);
        p->slot_key[s] = k;
        p->slot_count[s]++;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t h = p->key[i] * 0x9E3779B97F4A7C15ull;
        h ^= h >> 31;
        size_t s = (size_t)h & (p->cap - 1);
        while (p->slot_key[s] != p->key[i])
            s = (s + 1) & (p->cap - 1);
        size[i] = p->slot_count[s];
    }
}

/* pk may be NULL (no packing: sort). */
static void group_sizes(pack_t *pk, const uint32_t *v, size_t n, size_t m, size_t *idx,
                        size_t *size)
{
    if (pk != NULL && pk->ok)
        group_sizes_packed(pk, v, n, m, size);
    else
        group_sizes_sorted(v, n, m, idx, size);
}

size_t cnd_disclose_smallest_group(const uint32_t *v, size_t n, size_t m, int *oom)
{
    size_t *idx = malloc((n + 1) * sizeof *idx), *size = malloc((n + 1) * sizeof *size);
    size_t best = n;
    *oom = idx == NULL || size == NULL;
    if (!*oom) {
        group_sizes(NULL, v, n, m, idx, size);
        for (size_t i = 0; i < n; i++)
            if (size[i] < best)
                best = size[i];
    }
    free(idx);
    free(size);
    return best;
}

static long suppress_all(uint32_t *w, size_t m, size_t rec)
{
    long s = 0;
    for (size_t j = 0; j < m; j++)
        if (w[rec * m + j] != CND_QI_SUPPRESSED) {
            w[rec * m + j] = CND_QI_SUPPRESSED;
            s++;
        }
    return s;
}

/* One greedy run in column order cols[]; returns suppressed values. */
static long run(pack_t *pk, uint32_t *w, size_t n, size_t m, unsigned k, const size_t *cols,
                size_t *idx, size_t *size)
{
    long s = 0;
    for (size_t p = 0; p < m; p++) {
        group_sizes(pk, w, n, m, idx, size);
        int any = 0;
        for (size_t i = 0; i < n; i++)
            if (size[i] < k && w[i * m + cols[p]] != CND_QI_SUPPRESSED) {
                w[i * m + cols[p]] = CND_QI_SUPPRESSED;
                s++;
                any = 1;
            }
        if (!any) {
            int small = 0;
            for (size_t i = 0; i < n && !small; i++)
                small = size[i] < k;
            if (!small)
                return s;
        }
    }
    for (;;) {
        group_sizes(pk, w, n, m, idx, size);
        size_t star = 0, star_rec = n, big = n, small = 0;
        for (size_t i = 0; i < n; i++) {
            int all = 1;
            for (size_t j = 0; j < m && all; j++)
                all = w[i * m + j] == CND_QI_SUPPRESSED;
            if (all) {
                star = size[i];
                star_rec = i;
            } else if (big == n || size[i] > size[big]) {
                big = i;
            }
            if (size[i] < k && !all)
                small++;
        }
        if (small > 0) {
            for (size_t i = 0; i < n; i++)
                if (size[i] < k)
                    s += suppress_all(w, m, i);
            continue;
        }
        if (star_rec == n || star >= k || big == n)
            return s;
        /* Only the all-suppressed group is small: take records of the
         * largest group into it, all of them if it would fall below k. */
        size_t need = k - star, from = size[big];
        size_t take = from - need >= k ? need : from;
        for (size_t i = 0, t = 0; i < n && t < take; i++)
            if (memcmp(w + i * m, w + big * m, m * sizeof *w) == 0 && i != big) {
                s += suppress_all(w, m, i);
                t++;
            }
        if (take == from)
            s += suppress_all(w, m, big);
    }
}

long cnd_disclose_suppress(uint32_t *v, size_t n, size_t m, unsigned k, int *oom)
{
    *oom = 0;
    if (n == 0 || m == 0)
        return 0;
    if (n < k) {
        /* No grouping reaches k: the most that can be done is to suppress
         * every value, which the caller reports. */
        long s = 0;
        for (size_t i = 0; i < n; i++)
            s += suppress_all(v, m, i);
        return s;
    }
    size_t *idx = malloc(n * sizeof *idx), *size = malloc(n * sizeof *size);
    size_t *cols = malloc(m * sizeof *cols), *card = malloc(m * sizeof *card);
    uint32_t *w = malloc(n * m * sizeof *w), *best = malloc(n * m * sizeof *best);
    long best_s = -1;
    if (!idx || !size || !cols || !card || !w || !best) {
        *oom = 1;
        goto out;
    }
    pack_t pk;
    if (pack_init(&pk, v, n, m) != 0) {
        pack_free(&pk, m);
        *oom = 1;
        goto out;
    }
    /* distinct values per column (the ranks count the suppressed mark too,
     * the same for every column) */
    for (size_t j = 0; j < m; j++)
        card[j] = pk.n_ranks[j];
    /* Work in rank space (suppressed stays the mark): grouping then packs a
     * row with shifts alone. Only the marks go back into v. */
    uint32_t *vr = pk.ok ? malloc(n * m * sizeof *vr) : NULL;
    if (pk.ok && vr == NULL) {
        pack_free(&pk, m);
        *oom = 1;
        goto out;
    }
    const uint32_t *src = v;
    if (vr != NULL) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < m; j++) {
                uint32_t x = v[i * m + j];
                vr[i * m + j] = x == CND_QI_SUPPRESSED ? x : (uint32_t)rank(&pk, j, x);
            }
        src = vr;
    }
    for (size_t first = 0; first < m; first++) {
        size_t c = 0;
        cols[c++] = first;
        /* The rest by falling cardinality: fine columns split groups most. */
        for (size_t left = m - 1; left > 0; left--) {
            size_t pick = m;
            for (size_t j = 0; j < m; j++) {
                int used = 0;
                for (size_t u = 0; u < c; u++)
                    used |= cols[u] == j;
                if (!used && (pick == m || card[j] > card[pick]))
                    pick = j;
            }
            cols[c++] = pick;
        }
        memcpy(w, src, n * m * sizeof *w);
        long s = run(&pk, w, n, m, k, cols, idx, size);
        if (best_s < 0 || s < best_s) {
            best_s = s;
            memcpy(best, w, n * m * sizeof *w);
        }
    }
    for (size_t i = 0; i < n * m; i++)
        if (best[i] == CND_QI_SUPPRESSED)
            v[i] = CND_QI_SUPPRESSED;
    free(vr);
    pack_free(&pk, m);
out:
    free(idx);
    free(size);
    free(cols);
    free(card);
    free(w);
    free(best);
    return *oom ? -1 : best_s;
}
