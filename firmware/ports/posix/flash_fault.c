/* flash_fault.c: see flash_fault.h. */
#include "flash_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One seed per op: the torn image of op N is the same whatever ran before. */
static uint32_t op_seed(uint32_t seed, uint32_t op)
{
    uint32_t x = seed * 0x9E3779B9u ^ (op + 0x7F4A7C15u) * 0x85EBCA6Bu;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x ? x : 0x2545F491u;
}

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The first armed, unfired fault of one of the given kinds at these indices. */
static cnd_flash_fault_entry_t *take(cnd_flash_fault_t *ff, uint32_t write_idx, uint8_t own_kind,
                                     uint32_t own_idx)
{
    unsigned i;
    for (i = 0; i < ff->n_faults; i++) {
        cnd_flash_fault_entry_t *f = &ff->faults[i];
        int hit;
        if (f->fired)
            continue;
        if (f->kind == CND_FAULT_CUT || f->kind == CND_FAULT_IO || f->kind == CND_FAULT_BAD_BITS)
            hit = write_idx != UINT32_MAX && f->at == write_idx;
        else
            hit = f->kind == own_kind && f->at == own_idx;
        if (hit) {
            f->fired = 1;
            ff->fired = 1;
            return f;
        }
    }
    return NULL;
}

static void cut(cnd_flash_fault_t *ff, uint32_t op)
{
    ff->powered_off = 1;
    ff->cut_op = op;
    if (ff->on_cut)
        ff->on_cut(ff->on_cut_ctx, ff);
}

/*
 * Counts one prog or erase (own = its own counter) and finds the fault that
 * hits it. Returns -1 when the op must fail with CND_E_IO and change
 * nothing: power is off, or an error fault fired.
 */
static int begin_write(cnd_flash_fault_t *ff, uint8_t own_kind, uint32_t *own, uint32_t *w,
                       const cnd_flash_fault_entry_t **f)
{
    if (ff->powered_off)
        return -1;
    *w = ff->writes++;
    *f = take(ff, *w, own_kind, (*own)++);
    if (*f && ((*f)->kind == CND_FAULT_IO || (*f)->kind == own_kind))
        return -1;
    return 0;
}

static cnd_status_t fault_read(void *ctx, uint32_t addr, void *buf, uint32_t len)
{
    cnd_flash_fault_t *ff = ctx;
    uint32_t r;
    if (ff->powered_off)
        return CND_E_IO;
    r = ff->reads++;
    if (take(ff, UINT32_MAX, CND_FAULT_READ_ERROR, r))
        return CND_E_IO;
    return ff->inner.read(ff->inner.ctx, addr, buf, len);
}

/* The bytes a torn prog leaves: what programming `img` over the old bytes
 * gives (0xFF programs nothing). Returns how many bytes took effect. */
static uint32_t torn_prog_image(cnd_flash_fault_t *ff, const cnd_flash_fault_entry_t *f,
                                uint32_t op, const uint8_t *src, uint32_t len)
{
    uint32_t s = op_seed(ff->seed, op), i, k;
    if (f->torn == CND_TORN_BITS) {
        for (i = 0; i < len; i++) {
            uint8_t clears = (uint8_t)~src[i];
            uint8_t keep = (uint8_t)(clears & rng_next(&s));
            ff->scratch[i] = (uint8_t)~keep; /* clears only `keep` */
        }
        return len;
    }
    k = f->torn == CND_TORN_FIXED ? (f->torn_bytes < len ? f->torn_bytes : len)
                                  : rng_next(&s) % len;
    memcpy(ff->scratch, src, k);
    memset(ff->scratch + k, 0xFF, len - k);
    return k;
}

static cnd_status_t fault_prog(void *ctx, uint32_t addr, const void *buf, uint32_t len)
{
    cnd_flash_fault_t *ff = ctx;
    const cnd_flash_fault_entry_t *f = NULL;
    uint32_t w = 0;
    cnd_status_t st;

    if (begin_write(ff, CND_FAULT_PROG_ERROR, &ff->progs, &w, &f) != 0)
        return CND_E_IO;
    if (f == NULL || len == 0 || len > ff->inner.block_size) {
        st = ff->inner.prog(ff->inner.ctx, addr, buf, len);
        if (st == CND_OK)
            ff->prog_bytes += len;
        return st;
    }
    if (f->kind == CND_FAULT_BAD_BITS) {
        uint32_t i;
        memcpy(ff->scratch, buf, len);
        for (i = 0; i < len; i++) {
            uint8_t cleared = (uint8_t)~ff->scratch[i];
            if (cleared) { /* one bit that should have been cleared stays set */
                ff->scratch[i] |= (uint8_t)(cleared & (uint8_t)-cleared);
                break;
            }
        }
        st = ff->inner.prog(ff->inner.ctx, addr, ff->scratch, len);
        if (st == CND_OK)
            ff->prog_bytes += len;
        return st;
    }
    /* CND_FAULT_CUT */
    {
        uint32_t n = torn_prog_image(ff, f, w, buf, len);
        if (ff->inner.prog(ff->inner.ctx, addr, ff->scratch, len) == CND_OK)
            ff->prog_bytes += n;
    }
    cut(ff, w);
    return CND_E_IO;
}

/* Leaves `block` partly erased: erase, then program back the old bytes
 * that the interrupted erase did not reach. */
static void torn_erase(cnd_flash_fault_t *ff, const cnd_flash_fault_entry_t *f, uint32_t op,
                       uint32_t block)
{
    uint32_t bs = ff->inner.block_size, s = op_seed(ff->seed, op), i, k;
    uint32_t addr = block * bs;
    uint8_t *img = ff->scratch;

    if (ff->inner.read(ff->inner.ctx, addr, img, bs) != CND_OK)
        return; /* the old bytes are unknown: leave the block untouched */
    if (f->torn == CND_TORN_BITS) {
        for (i = 0; i < bs; i++)
            img[i] |= (uint8_t)rng_next(&s); /* some cells erased, some not */
    } else if (f->torn == CND_TORN_FIXED) {
        k = f->torn_bytes < bs ? f->torn_bytes : bs;
        memset(img, 0xFF, k);
    } else {
        k = rng_next(&s) % bs;
        if (rng_next(&s) & 1)
            memset(img, 0xFF, k); /* the first k bytes erased */
        else
            memset(img + k, 0xFF, bs - k); /* all but the first k erased */
    }
    if (ff->inner.erase(ff->inner.ctx, block) == CND_OK)
        (void)ff->inner.prog(ff->inner.ctx, addr, img, bs);
}

static cnd_status_t fault_erase(void *ctx, uint32_t block)
{
    cnd_flash_fault_t *ff = ctx;
    const cnd_flash_fault_entry_t *f = NULL;
    uint32_t w = 0;

    if (begin_write(ff, CND_FAULT_ERASE_ERROR, &ff->erases, &w, &f) != 0)
        return CND_E_IO;
    if (block >= ff->inner.block_count)
        return ff->inner.erase(ff->inner.ctx, block); /* the chip refuses it */
    ff->block_erases[block]++;
    if (f == NULL || f->kind != CND_FAULT_CUT)
        return ff->inner.erase(ff->inner.ctx, block);
    torn_erase(ff, f, w, block);
    cut(ff, w);
    return CND_E_IO;
}

cnd_status_t cnd_flash_fault_init(cnd_flash_fault_t *ff, const cnd_flash_t *inner, uint32_t seed)
{
    memset(ff, 0, sizeof(*ff));
    if (inner->block_size == 0 || inner->block_count == 0 || inner->prog_size == 0 ||
        inner->block_size % inner->prog_size != 0 || !inner->read || !inner->prog ||
        !inner->erase)
        return CND_E_INVALID;
    ff->inner = *inner;
    ff->seed = seed;
    ff->scratch = malloc(inner->block_size);
    ff->block_erases = calloc(inner->block_count, sizeof(uint32_t));
    if (!ff->scratch || !ff->block_erases) {
        cnd_flash_fault_free(ff);
        return CND_E_NOSPACE;
    }
    ff->flash.block_size = inner->block_size;
    ff->flash.block_count = inner->block_count;
    ff->flash.prog_size = inner->prog_size;
    ff->flash.ctx = ff;
    ff->flash.read = fault_read;
    ff->flash.prog = fault_prog;
    ff->flash.erase = fault_erase;
    return CND_OK;
}

void cnd_flash_fault_free(cnd_flash_fault_t *ff)
{
    free(ff->scratch);
    free(ff->block_erases);
    ff->scratch = NULL;
    ff->block_erases = NULL;
}

cnd_status_t cnd_flash_fault_add(cnd_flash_fault_t *ff, cnd_fault_kind_t kind, uint32_t at,
                                 cnd_torn_mode_t torn, uint32_t torn_bytes)
{
    cnd_flash_fault_entry_t *f;
    if (ff->n_faults >= CND_FLASH_FAULT_MAX)
        return CND_E_NOSPACE;
    f = &ff->faults[ff->n_faults++];
    f->kind = (uint8_t)kind;
    f->torn = (uint8_t)torn;
    f->fired = 0;
    f->at = at;
    f->torn_bytes = torn_bytes;
    return CND_OK;
}

void cnd_flash_fault_clear(cnd_flash_fault_t *ff)
{
    ff->n_faults = 0;
}

void cnd_flash_fault_power_on(cnd_flash_fault_t *ff)
{
    ff->powered_off = 0;
    ff->fired = 0;
    ff->n_faults = 0;
}

void cnd_flash_fault_reset_counters(cnd_flash_fault_t *ff)
{
    ff->writes = ff->progs = ff->erases = ff->reads = 0;
    ff->prog_bytes = 0;
    memset(ff->block_erases, 0, sizeof(uint32_t) * ff->flash.block_count);
}

void cnd_flash_fault_wear(const cnd_flash_fault_t *ff, uint32_t first, uint32_t n, uint32_t *min,
                          uint32_t *max)
{
    uint32_t b;
    *min = UINT32_MAX;
    *max = 0;
    for (b = first; b < first + n && b < ff->flash.block_count; b++) {
        if (ff->block_erases[b] < *min)
            *min = ff->block_erases[b];
        if (ff->block_erases[b] > *max)
            *max = ff->block_erases[b];
    }
    if (*min == UINT32_MAX)
        *min = 0;
}

/* ---- text spec ---- */

static int parse_u32(const char *s, size_t n, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || n > 10)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > 0xFFFFFFFFu)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static const struct {
    const char *name;
    cnd_fault_kind_t kind;
} fault_names[] = {
    {"cut", CND_FAULT_CUT},
    {"io-error", CND_FAULT_IO},
    {"prog-error", CND_FAULT_PROG_ERROR},
    {"erase-error", CND_FAULT_ERASE_ERROR},
    {"read-error", CND_FAULT_READ_ERROR},
    {"bad-bits", CND_FAULT_BAD_BITS},
};

/* One token: seed=S or KIND@N[:option]. */
static cnd_status_t parse_token(cnd_flash_fault_t *ff, const char *t, size_t n, char *err,
                                size_t cap)
{
    const char *at = memchr(t, '@', n), *colon;
    size_t k, name_len, num_len;
    uint32_t idx, bytes = 0;
    cnd_torn_mode_t torn = CND_TORN_PREFIX;

    if (n > 5 && memcmp(t, "seed=", 5) == 0) {
        if (parse_u32(t + 5, n - 5, &ff->seed) == 0)
            return CND_OK;
        snprintf(err, cap, "'%.*s': the seed must be a whole number", (int)n, t);
        return CND_E_INVALID;
    }
    if (at == NULL) {
        snprintf(err, cap, "'%.*s' is not KIND@N or seed=S (kinds: cut, io-error, prog-error, "
                           "erase-error, read-error, bad-bits)",
                 (int)n, t);
        return CND_E_INVALID;
    }
    name_len = (size_t)(at - t);
    colon = memchr(at, ':', n - name_len);
    num_len = (colon ? (size_t)(colon - at) : n - name_len) - 1;
    for (k = 0; k < sizeof fault_names / sizeof fault_names[0]; k++)
        if (strlen(fault_names[k].name) == name_len && memcmp(fault_names[k].name, t, name_len) == 0)
            break;
    if (k == sizeof fault_names / sizeof fault_names[0]) {
        snprintf(err, cap, "unknown fault '%.*s' (kinds: cut, io-error, prog-error, erase-error, "
                           "read-error, bad-bits)",
                 (int)name_len, t);
        return CND_E_INVALID;
    }
    if (parse_u32(at + 1, num_len, &idx) != 0) {
        snprintf(err, cap, "'%.*s': the operation index must be a whole number", (int)n, t);
        return CND_E_INVALID;
    }
    if (colon) {
        size_t olen = n - (size_t)(colon + 1 - t);
        const char *o = colon + 1;
        if (fault_names[k].kind != CND_FAULT_CUT)
            olen = (size_t)-1; /* options belong to cuts only */
        else if (olen == 6 && memcmp(o, "prefix", 6) == 0)
            torn = CND_TORN_PREFIX;
        else if (olen == 4 && memcmp(o, "bits", 4) == 0)
            torn = CND_TORN_BITS;
        else if (olen > 6 && memcmp(o, "bytes=", 6) == 0 && parse_u32(o + 6, olen - 6, &bytes) == 0)
            torn = CND_TORN_FIXED;
        else
            olen = (size_t)-1;
        if (olen == (size_t)-1) {
            snprintf(err, cap, "'%.*s': a cut takes :prefix, :bits or :bytes=K; other faults "
                               "take no option",
                     (int)n, t);
            return CND_E_INVALID;
        }
    }
    if (cnd_flash_fault_add(ff, fault_names[k].kind, idx, torn, bytes) != CND_OK) {
        snprintf(err, cap, "more than %d faults", CND_FLASH_FAULT_MAX);
        return CND_E_INVALID;
    }
    return CND_OK;
}

cnd_status_t cnd_flash_fault_parse(cnd_flash_fault_t *ff, const char *spec, char *err, size_t cap)
{
    const char *p = spec;
    if (*p == '\0') {
        snprintf(err, cap, "empty fault spec");
        return CND_E_INVALID;
    }
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        cnd_status_t st = parse_token(ff, p, n, err, cap);
        if (st != CND_OK)
            return st;
        if (!end)
            return CND_OK;
        p = end + 1;
    }
}
