/* lf_check.c: saved responses and the invariants after a fault (lf_check.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "answers.h"
#include "lf_check.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h> /* crc32 */

#include "batch.h"
#include "compile.h"
#include "frame.h"
#include "open_sealed.h"
#include "record.h"
#include "tmp_tree.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

/* ---- the saved responses ---- */

int lf_compile_survey(uint16_t survey_version, uint8_t *out, size_t cap, size_t *len)
{
    FILE *f = fopen(SURVEY, "rb");
    static char json[1 << 20];
    char *v;
    size_t n;
    cnd_err_t err;

    if (f == NULL) {
        fprintf(stderr, "cannot read %s\n", SURVEY);
        return -1;
    }
    n = fread(json, 1, sizeof json - 16, f);
    fclose(f);
    json[n] = '\0';
    v = strstr(json, "\"version\": 1,");
    if (v == NULL) {
        fprintf(stderr, "%s has no '\"version\": 1,' to vary\n", SURVEY);
        return -1;
    }
    if (survey_version != 1) {
        /* same width: "version": N, with N one digit keeps the text length */
        if (survey_version > 9)
            return -1;
        v[11] = (char)('0' + survey_version);
    }
    if (cnd_compile_json(json, n, cnd_test_office_key(), out, cap, len, &err) != CND_OK) {
        fprintf(stderr, "cannot compile %s: %s\n", SURVEY, err.msg);
        return -1;
    }
    return 0;
}

static uint32_t next_rand(uint32_t *s)
{
    /* xorshift32: cheap, and the same sequence in every process */
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

void lf_make_response(const cnd_pack_t *pk, uint32_t seed, uint32_t i, cnd_response_t *r)
{
    uint32_t s = (seed * 2654435761u) ^ (i * 40503u + 1u);
    uint16_t k;
    int j;

    memset(r, 0, sizeof *r);
    if (s == 0)
        s = 1;
    for (j = 0; j < 8; j++)
        (void)next_rand(&s);
    for (j = 0; j < CND_RESPONSE_ID_LEN; j++)
        r->id[j] = (uint8_t)(next_rand(&s) >> 11);
    r->pack_fp = pk->fingerprint;
    r->day = (uint16_t)(2190 + i % 11);
    r->lang = (uint8_t)(i % cnd_pack_lang_count(pk));
    r->n_answers = (uint8_t)cnd_pack_item_count(pk);
    for (k = 0; k < r->n_answers; k++) {
        cnd_item_t it;
        cnd_answer_t *a = &r->answers[k];
        uint32_t v = next_rand(&s);
        if (cnd_pack_item(pk, k, &it) != CND_OK || it.kind == CND_ITEM_INFO || v % 9 == 0)
            continue; /* NONE */
        if ((it.flags & CND_ITEM_F_PNA) && v % 9 == 1) {
            a->state = CND_ANS_PNA;
            continue;
        }
        a->state = CND_ANS_VALUE;
        v >>= 4;
        switch (it.kind) {
        case CND_ITEM_SINGLE: a->value = (int32_t)(v % it.n_choices); break;
        case CND_ITEM_MULTI: a->value = (int32_t)cnd_test_keep_exclusive(&it, (1u << (v % it.n_choices)) | 1u); break;
        case CND_ITEM_YESNO: a->value = (int32_t)(v % 2); break;
        default: a->value = it.min + (int32_t)(v % (uint32_t)(it.max - it.min + 1)); break;
        }
    }
    cnd_test_clear_irrelevant(pk, r); /* as the engine would */
}

cnd_status_t lf_install_pack(cnd_store_t *st, const uint8_t *pack, size_t len)
{
    cnd_status_t rs = cnd_store_pack_begin(st, (uint32_t)len);
    if (rs == CND_OK)
        rs = cnd_store_pack_write(st, 0, pack, (uint32_t)len);
    if (rs == CND_OK)
        rs = cnd_store_pack_commit(st);
    return rs;
}

/* ---- the checks ---- */

static void note(lf_tally_t *t, const char *fmt, ...)
{
    va_list ap;
    if (t->first[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(t->first, sizeof t->first, fmt, ap);
    va_end(ap);
}

static int same_response(const cnd_response_t *a, const cnd_response_t *b)
{
    uint8_t k;
    if (memcmp(a->id, b->id, CND_RESPONSE_ID_LEN) != 0 || a->pack_fp != b->pack_fp ||
        a->day != b->day || a->lang != b->lang || a->n_answers != b->n_answers)
        return 0;
    for (k = 0; k < a->n_answers; k++)
        if (a->answers[k].state != b->answers[k].state ||
            (a->answers[k].state == CND_ANS_VALUE && a->answers[k].value != b->answers[k].value))
            return 0;
    return 1;
}

static long find_saved(const cnd_response_t *saved, size_t n, const uint8_t *id)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (memcmp(saved[i].id, id, CND_RESPONSE_ID_LEN) == 0)
            return (long)i;
    return -1;
}

/* One .cnb as SPEC 8.2 defines it; -1 if it is not a valid one. */
static int read_cnb(const char *path, uint32_t dir_fp, cnd_sealed_t *rs, uint16_t *n)
{
    static uint8_t file[20 + CND_BATCH_MAX_LEN + 1];
    FILE *f = fopen(path, "rb");
    size_t len;
    uint32_t fp, ulen, ucrc;
    uint16_t count;

    if (f == NULL)
        return -1;
    len = fread(file, 1, sizeof file, f);
    fclose(f);
    if (len < 20 || memcmp(file, "CNDB", 4) != 0 || file[4] != 3 || file[5] != 0)
        return -1;
    count = cnd_wire_get_u16(file + 6);
    fp = cnd_wire_get_u32(file + 8);
    ulen = cnd_wire_get_u32(file + 12);
    ucrc = cnd_wire_get_u32(file + 16);
    if (count == 0 || count > CND_BATCH_MAX_RESPONSES || fp != dir_fp || ulen == 0 ||
        ulen > CND_BATCH_MAX_LEN || len - 20 != ulen ||
        (uint32_t)crc32(0L, file + 20, ulen) != ucrc)
        return -1;
    if (cnd_batch_decode(file + 20, ulen, rs, CND_BATCH_MAX_RESPONSES, n) != CND_OK ||
        *n != count)
        return -1;
    return 0;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Adds every stored response to counts[] (per saved index). */
static void tally_store(const cnd_response_t *saved, size_t n, const char *dir, unsigned *counts,
                        lf_tally_t *t)
{
    static cnd_sealed_t rs[CND_BATCH_MAX_RESPONSES];
    static uint8_t pack_buf[CND_MAX_PACK_SIZE];
    cnd_pack_t pk;
    int have_pk;
    char rdir[2048], fdir[2048 + 300], path[2048 + 600], pack[2048 + 320];
    DIR *d, *fd;
    struct dirent *e, *g;

    snprintf(rdir, sizeof rdir, "%s/responses", dir);
    d = opendir(rdir);
    if (d == NULL)
        return; /* no store yet: it holds nothing */
    while ((e = readdir(d)) != NULL) {
        unsigned long fp;
        char *end;
        if (e->d_name[0] == '.')
            continue;
        snprintf(fdir, sizeof fdir, "%s/%s", rdir, e->d_name);
        fp = strtoul(e->d_name, &end, 16);
        if (!is_dir(fdir))
            continue;
        snprintf(pack, sizeof pack, "%s/packs/%s.pack", dir, e->d_name);
        have_pk = 0;
        if (*end != '\0' || access(pack, R_OK) != 0) {
            t->garbage++;
            note(t, "%s has no pack file %s", fdir, pack);
        } else {
            FILE *pf = fopen(pack, "rb");
            size_t plen = pf ? fread(pack_buf, 1, sizeof pack_buf, pf) : 0;
            if (pf)
                fclose(pf);
            have_pk = cnd_pack_open(&pk, pack_buf, (uint32_t)plen) == CND_OK;
        }
        fd = opendir(fdir);
        if (fd == NULL)
            continue;
        while ((g = readdir(fd)) != NULL) {
            size_t len = strlen(g->d_name);
            uint16_t k, m = 0;
            /* temp files of an interrupted write are not part of the store */
            if (g->d_name[0] == '.' || len < 4 || strcmp(g->d_name + len - 4, ".cnb") != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", fdir, g->d_name);
            if (read_cnb(path, (uint32_t)fp, rs, &m) != 0) {
                t->garbage++;
                note(t, "store file %s is damaged", path);
                continue;
            }
            for (k = 0; k < m; k++) {
                long i = find_saved(saved, n, rs[k].id);
                cnd_response_t opened;
                /* Stored sealed: the office key must open it, answers intact. */
                if (i < 0 || !have_pk || cnd_test_open(&rs[k], &pk, 1, &opened) != NULL ||
                    !same_response(&saved[i], &opened)) {
                    t->garbage++;
                    note(t, "%s holds a response that was %s", path,
                         i < 0 ? "never saved" : "saved with other answers");
                } else {
                    counts[i]++;
                }
            }
        }
        closedir(fd);
    }
    closedir(d);
}

int lf_check(const cnd_response_t *saved, size_t n, cnd_store_t *dev, const char *dir,
             lf_tally_t *t)
{
    unsigned *counts = calloc(n ? n : 1, sizeof *counts);
    unsigned char *pend = calloc(n ? n : 1, 1);
    size_t i, first_pending = n;
    long expect = -1;

    memset(t, 0, sizeof *t);
    if (counts == NULL || pend == NULL) {
        free(counts);
        free(pend);
        note(t, "out of memory");
        t->garbage = 1;
        return -1;
    }
    tally_store(saved, n, dir, counts, t);
    if (dev != NULL) {
        uint32_t cursor = 0, seq;
        static cnd_sealed_t r;
        /* pending, in log order, must be saved[k], saved[k+1], ... saved[n-1];
         * sealed, so only ids and survey are checked here (the answers are,
         * opened, once the store holds them) */
        while (cnd_store_next_pending(dev, &cursor, &seq, &r) == CND_OK) {
            long at = find_saved(saved, n, r.id);
            t->pending++;
            if (at < 0 || saved[at].pack_fp != r.pack_fp) {
                t->misplaced++;
                note(t, "the device holds a response that was never saved as such");
                continue;
            }
            if (expect < 0)
                expect = at, first_pending = (size_t)at;
            if (at != expect) {
                t->misplaced++;
                note(t, "the device's pending responses are not the saved ones after the "
                        "last ack (saved #%ld where #%ld was due)", at, expect);
            }
            pend[at] = 1;
            expect = at + 1;
        }
        if (expect >= 0 && (size_t)expect != n) {
            t->misplaced++;
            note(t, "saved responses #%ld.. are missing from the device's pending ones", expect);
        }
    }
    for (i = 0; i < n; i++) {
        if (counts[i] > 0)
            t->stored++;
        if (counts[i] > 1) {
            t->duplicated += counts[i] - 1;
            note(t, "saved response #%zu is stored %u times", i, counts[i]);
        }
        if (counts[i] == 0 && !pend[i]) {
            t->lost++;
            note(t, "saved response #%zu is neither in the store nor pending on the device%s", i,
                 i < first_pending ? " (acknowledged but not stored)" : "");
        }
    }
    free(counts);
    free(pend);
    return t->lost || t->duplicated || t->garbage || t->misplaced ? -1 : 0;
}

int lf_remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    return cnd_test_remove_tree(path);
}
