/* test_hoststore.c: the coordinator's store keeps every synced response
 * exactly once, durably and readably, and refuses to guess when a file is
 * damaged or another candor process holds the store. */
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
#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compile.h"
#include "hoststore.h"
#include "officekey.h"
#include "open_sealed.h"
#include "tmp_tree.h"
#include "test_key.h"

#define SURVEY CND_SOURCE_DIR "/surveys/domestic-work.json"

typedef struct {
    char dir[64];
    uint8_t pack[CND_MAX_PACK_SIZE];
    size_t pack_len;
    cnd_pack_t pk;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    cnd_err_t err;
    assert_non_null(f);
    strcpy(f->dir, "/tmp/cnd-hoststore-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    strcat(f->dir, "/store");
    if (cnd_compile_file(SURVEY, cnd_test_office_key(), f->pack, sizeof f->pack, &f->pack_len,
                         &err) != CND_OK)
        fail_msg("cannot compile %s: %s", SURVEY, err.msg);
    assert_int_equal(cnd_pack_open(&f->pk, f->pack, (uint32_t)f->pack_len), CND_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char *slash = strrchr(f->dir, '/');
    *slash = '\0';
    cnd_test_remove_tree(f->dir);
    free(f);
    return 0;
}

/* A sealed response of the pack, as a device would send it: the store
 * never opens one, so its bytes are driven by a seed and rebuilt exactly. */
static void make_response(const cnd_pack_t *pk, uint32_t seed, cnd_sealed_t *r)
{
    uint32_t x = seed * 2654435761u + 12345u;
    memset(r, 0, sizeof *r);
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++) {
        x = x * 1103515245u + 12345u;
        r->id[i] = (uint8_t)(x >> 16);
    }
    r->id[0] = (uint8_t)(seed >> 8);
    r->id[1] = (uint8_t)seed;
    r->pack_fp = pk->fingerprint;
    r->seq = seed + 1;
    r->ctr = seed % 50;
    memset(r->epoch.epoch_pub, (int)(seed / 50), CND_X25519_LEN);
    memcpy(r->epoch.office_pub, cnd_pack_office_x25519(pk), CND_X25519_LEN);
    memset(r->epoch.box, 0x5A, CND_DEVICE_BOX_LEN);
    r->ct_len = (uint16_t)(CND_SEAL_TAG_LEN + 20 + seed % 60);
    for (uint16_t i = 0; i < r->ct_len; i++) {
        x = x * 1103515245u + 12345u;
        r->ct[i] = (uint8_t)(x >> 16);
    }
}


typedef struct {
    cnd_sealed_t *rs;
    size_t n, cap;
} collected_t;

static int collect(void *ctx, const cnd_pack_t *pk, const cnd_sealed_t *r)
{
    collected_t *c = ctx;
    assert_int_equal(pk->fingerprint, r->pack_fp);
    assert_true(c->n < c->cap);
    c->rs[c->n++] = *r;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return memcmp(((const cnd_sealed_t *)a)->id, ((const cnd_sealed_t *)b)->id,
                  CND_RESPONSE_ID_LEN);
}

static cnd_hoststore_t *open_store(fixture_t *f, int create)
{
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    if (cnd_hoststore_open(f->dir, create, &hs, &err) != CND_OK)
        fail_msg("open %s: %s", f->dir, err.msg);
    return hs;
}

static cnd_hoststore_t *open_with_pack(fixture_t *f)
{
    cnd_err_t err;
    cnd_hoststore_t *hs = open_store(f, 1);
    assert_int_equal(cnd_hoststore_put_pack(hs, f->pack, (uint32_t)f->pack_len, &err), CND_OK);
    return hs;
}

static size_t put_range(fixture_t *f, cnd_hoststore_t *hs, uint32_t from, uint32_t to)
{
    static cnd_sealed_t rs[1024];
    size_t added = 0;
    cnd_err_t err;
    assert_true(to - from <= 1024);
    for (uint32_t s = from; s < to; s++)
        make_response(&f->pk, s, &rs[s - from]);
    if (cnd_hoststore_put_responses(hs, rs, to - from, &added, &err) != CND_OK)
        fail_msg("put: %s", err.msg);
    return added;
}

/* Paths of every regular file under dir/sub, recursively one level. */
static size_t count_files(const char *dir, const char *suffix, int *temp_seen)
{
    char path[512];
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || strcmp(e->d_name, "..") == 0))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (strncmp(e->d_name, ".tmp-", 5) == 0 && temp_seen != NULL)
            *temp_seen = 1;
        if (S_ISDIR(st.st_mode))
            n += count_files(path, suffix, temp_seen);
        else if (strlen(e->d_name) > strlen(suffix) &&
                 strcmp(e->d_name + strlen(e->d_name) - strlen(suffix), suffix) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static size_t cnb_count(fixture_t *f)
{
    char p[128];
    snprintf(p, sizeof p, "%s/responses", f->dir);
    return count_files(p, ".cnb", NULL);
}

/* The first .cnb of the store, for corruption tests. */
static void first_cnb(fixture_t *f, char *out, size_t cap)
{
    char d[128];
    snprintf(d, sizeof d, "%s/responses/%08x", f->dir, (unsigned)f->pk.fingerprint);
    DIR *dir = opendir(d);
    struct dirent *e;
    assert_non_null(dir);
    out[0] = '\0';
    while ((e = readdir(dir)) != NULL)
        if (strstr(e->d_name, ".cnb") != NULL) {
            int n = snprintf(out, cap, "%s/%s", d, e->d_name);
            assert_true(n > 0 && (size_t)n < cap);
            break;
        }
    closedir(dir);
    assert_true(out[0] != '\0');
}

static void responses_put_then_reopened_read_back_identical(void **state)
{
    fixture_t *f = *state;
    static cnd_sealed_t want[300], got[300];
    collected_t c = {got, 0, 300};
    cnd_err_t err;
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 300), 300);
    cnd_hoststore_close(hs);

    hs = open_store(f, 0);
    assert_true(cnd_hoststore_has_pack(hs, f->pk.fingerprint));
    assert_int_equal(cnd_hoststore_response_count(hs), 300);
    assert_int_equal(cnd_hoststore_each(hs, collect, &c, &err), 0);
    cnd_hoststore_close(hs);

    assert_int_equal(c.n, 300);
    for (uint32_t s = 0; s < 300; s++)
        make_response(&f->pk, s, &want[s]);
    qsort(want, 300, sizeof want[0], by_id);
    qsort(got, 300, sizeof got[0], by_id);
    for (int i = 0; i < 300; i++)
        cnd_test_assert_same_sealed(&want[i], &got[i]);
    /* 300 responses fit one batch file (at most CND_BATCH_MAX_RESPONSES). */
    assert_int_equal(cnb_count(f), 1);
}

static void stored_pack_is_returned_after_reopen(void **state)
{
    fixture_t *f = *state;
    const cnd_pack_t *pk = NULL;
    cnd_err_t err;
    cnd_hoststore_t *hs = open_with_pack(f);
    cnd_hoststore_close(hs);
    hs = open_store(f, 0);
    assert_int_equal(cnd_hoststore_get_pack(hs, f->pk.fingerprint, &pk, &err), CND_OK);
    assert_int_equal(pk->len, f->pack_len);
    assert_memory_equal(pk->buf, f->pack, f->pack_len);
    assert_int_equal(cnd_hoststore_pack_count(hs), 1);
    assert_int_equal(cnd_hoststore_get_pack(hs, f->pk.fingerprint ^ 1u, &pk, &err),
                     CND_E_NOT_FOUND);
    cnd_hoststore_close(hs);
}

static void syncing_the_same_responses_twice_stores_them_once(void **state)
{
    fixture_t *f = *state;
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 10), 10);
    assert_int_equal(cnb_count(f), 1);
    /* Same ids again: nothing new, so no new file. */
    assert_int_equal(put_range(f, hs, 0, 10), 0);
    assert_int_equal(cnb_count(f), 1);
    /* Overlap: only the 5 new ones are written. */
    assert_int_equal(put_range(f, hs, 5, 15), 5);
    assert_int_equal(cnb_count(f), 2);
    cnd_hoststore_close(hs);

    /* Dedupe holds across files and across a reopen. */
    hs = open_store(f, 0);
    uint8_t id[CND_RESPONSE_ID_LEN];
    cnd_sealed_t r;
    make_response(&f->pk, 3, &r);
    memcpy(id, r.id, sizeof id);
    assert_true(cnd_hoststore_has_response(hs, id));
    make_response(&f->pk, 99, &r);
    assert_false(cnd_hoststore_has_response(hs, r.id));
    assert_int_equal(put_range(f, hs, 0, 15), 0);
    assert_int_equal(put_range(f, hs, 12, 20), 5);
    assert_int_equal(cnd_hoststore_response_count(hs), 20);
    cnd_hoststore_close(hs);
    assert_int_equal(cnb_count(f), 3);
}

static void repeated_ids_within_one_sync_are_stored_once(void **state)
{
    fixture_t *f = *state;
    cnd_sealed_t rs[4];
    size_t added = 0;
    cnd_err_t err;
    cnd_hoststore_t *hs = open_with_pack(f);
    make_response(&f->pk, 1, &rs[0]);
    make_response(&f->pk, 2, &rs[1]);
    rs[2] = rs[0];
    rs[3] = rs[1];
    assert_int_equal(cnd_hoststore_put_responses(hs, rs, 4, &added, &err), CND_OK);
    assert_int_equal(added, 2);
    assert_int_equal(cnd_hoststore_response_count(hs), 2);
    cnd_hoststore_close(hs);
}

static void file_name_comes_from_the_ids_only(void **state)
{
    fixture_t *f = *state;
    cnd_sealed_t rs[3];
    char path[256], want[64];
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 7, 10), 3);
    cnd_hoststore_close(hs);
    for (uint32_t s = 7; s < 10; s++)
        make_response(&f->pk, s, &rs[s - 7]);
    qsort(rs, 3, sizeof rs[0], by_id);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (int i = 0; i < 3; i++)
        crc = crc32(crc, rs[i].id, CND_RESPONSE_ID_LEN);
    snprintf(want, sizeof want, "/%08lx.cnb", (unsigned long)crc);
    first_cnb(f, path, sizeof path);
    assert_non_null(strstr(path, want));
}

static void stored_files_are_complete_and_no_temp_files_remain(void **state)
{
    fixture_t *f = *state;
    char path[256];
    int temp_seen = 0;
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 200), 200);
    assert_int_equal(count_files(f->dir, ".pack", &temp_seen), 1);
    assert_int_equal(temp_seen, 0);
    cnd_hoststore_close(hs);

    /* Every batch file starts with its magic and version. */
    first_cnb(f, path, sizeof path);
    FILE *fp = fopen(path, "rb");
    uint8_t head[20];
    assert_non_null(fp);
    assert_int_equal(fread(head, 1, sizeof head, fp), sizeof head);
    fclose(fp);
    assert_memory_equal(head, "CNDB", 4);
    assert_int_equal(head[4], 3); /* sealed rows of batch version 3 */
    assert_int_equal(head[8] | (head[9] << 8) | (head[10] << 16) | ((uint32_t)head[11] << 24),
                     f->pk.fingerprint);
}

static void temp_files_left_by_a_crash_are_removed_at_open(void **state)
{
    fixture_t *f = *state;
    char p[256];
    int temp_seen = 0;
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 5), 5);
    cnd_hoststore_close(hs);
    /* What a power cut between write and rename leaves behind. */
    const char *leftovers[] = {"packs/.tmp-1234abcd.pack-Xy12ab", "responses/.tmp-junk",
                               "responses/%08x/.tmp-deadbeef.cnb-q1w2e3"};
    for (int i = 0; i < 3; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, leftovers[i], (unsigned)f->pk.fingerprint);
        snprintf(p, sizeof p, "%s/%s", f->dir, rel);
        FILE *fp = fopen(p, "wb");
        assert_non_null(fp);
        fputs("half a file", fp);
        fclose(fp);
    }
    hs = open_store(f, 0);
    assert_int_equal(cnd_hoststore_response_count(hs), 5);
    cnd_hoststore_close(hs);
    count_files(f->dir, "", &temp_seen);
    assert_int_equal(temp_seen, 0);
}

static void flip_byte(const char *path, long offset_from_end)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, -offset_from_end, SEEK_END), 0);
    int c = fgetc(fp);
    assert_int_equal(fseek(fp, -offset_from_end, SEEK_END), 0);
    fputc(c ^ 0x5A, fp);
    fclose(fp);
}

static void expect_open_fails_naming(fixture_t *f, const char *path)
{
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    assert_int_not_equal(cnd_hoststore_open(f->dir, 0, &hs, &err), CND_OK);
    assert_null(hs);
    assert_non_null(strstr(err.msg, path));
    assert_null(strchr(err.msg, '\n'));
}

static void corrupt_batch_file_is_reported_by_name(void **state)
{
    fixture_t *f = *state;
    char path[256];
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 50), 50);
    cnd_hoststore_close(hs);
    first_cnb(f, path, sizeof path);
    flip_byte(path, 10);
    expect_open_fails_naming(f, path);
}

static void truncated_batch_file_is_reported_by_name(void **state)
{
    fixture_t *f = *state;
    char path[256];
    struct stat st;
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 50), 50);
    cnd_hoststore_close(hs);
    first_cnb(f, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 7), 0);
    expect_open_fails_naming(f, path);
    assert_int_equal(truncate(path, 5), 0);
    expect_open_fails_naming(f, path);
}

static void batch_file_with_wrong_checksum_is_reported_by_name(void **state)
{
    fixture_t *f = *state;
    char path[256];
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 30), 30);
    cnd_hoststore_close(hs);
    first_cnb(f, path, sizeof path);
    /* The zlib stream is intact; only the stored CRC-32 (offset 16) lies. */
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 16, SEEK_SET), 0);
    int c = fgetc(fp);
    assert_int_equal(fseek(fp, 16, SEEK_SET), 0);
    fputc(c ^ 1, fp);
    fclose(fp);
    expect_open_fails_naming(f, path);
}

static void copied_batch_file_is_refused_not_double_counted(void **state)
{
    fixture_t *f = *state;
    char path[256], copy[300], cmd[700];
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 30), 30);
    cnd_hoststore_close(hs);
    first_cnb(f, path, sizeof path);
    snprintf(copy, sizeof copy, "%s", path);
    strcpy(strstr(copy, ".cnb"), "-copy.cnb");
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
    assert_int_equal(system(cmd), 0);
    cnd_hoststore_t *again = NULL;
    cnd_err_t err;
    assert_int_equal(cnd_hoststore_open(f->dir, 0, &again, &err), CND_E_CORRUPT);
    /* Whichever of the two is read second is the one named. */
    assert_true(strstr(err.msg, path) != NULL || strstr(err.msg, copy) != NULL);
    assert_non_null(strstr(err.msg, "repeats a response"));
}

static void file_damaged_after_open_fails_the_walk_by_name(void **state)
{
    fixture_t *f = *state;
    char path[256];
    cnd_err_t err;
    static cnd_sealed_t got[64];
    collected_t c = {got, 0, 64};
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 20), 20);
    first_cnb(f, path, sizeof path);
    flip_byte(path, 3);
    assert_int_not_equal(cnd_hoststore_each(hs, collect, &c, &err), 0);
    assert_non_null(strstr(err.msg, path));
    cnd_hoststore_close(hs);
}

static void damaged_pack_file_is_reported_by_name(void **state)
{
    fixture_t *f = *state;
    char path[256];
    cnd_hoststore_t *hs = open_with_pack(f);
    cnd_hoststore_close(hs);
    snprintf(path, sizeof path, "%s/packs/%08x.pack", f->dir, (unsigned)f->pk.fingerprint);
    flip_byte(path, 100);
    expect_open_fails_naming(f, path);
}

static void responses_whose_pack_is_missing_are_not_dropped(void **state)
{
    fixture_t *f = *state;
    char path[256];
    cnd_hoststore_t *hs = open_with_pack(f);
    assert_int_equal(put_range(f, hs, 0, 5), 5);
    cnd_hoststore_close(hs);
    snprintf(path, sizeof path, "%s/packs/%08x.pack", f->dir, (unsigned)f->pk.fingerprint);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/responses/%08x", f->dir, (unsigned)f->pk.fingerprint);
    expect_open_fails_naming(f, path);
}

static void second_open_is_refused_while_the_store_is_in_use(void **state)
{
    fixture_t *f = *state;
    cnd_hoststore_t *other = NULL;
    cnd_err_t err;
    char want[160];
    cnd_hoststore_t *hs = open_store(f, 1);
    assert_int_equal(cnd_hoststore_open(f->dir, 0, &other, &err), CND_E_BUSY);
    assert_null(other);
    snprintf(want, sizeof want, "store %s is in use by another candor process", f->dir);
    assert_string_equal(err.msg, want);
    cnd_hoststore_close(hs);
    /* Closing releases the lock. */
    hs = open_store(f, 0);
    cnd_hoststore_close(hs);
}

static void missing_or_foreign_directory_is_not_a_store(void **state)
{
    fixture_t *f = *state;
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    assert_int_equal(cnd_hoststore_open(f->dir, 0, &hs, &err), CND_E_NOT_FOUND);
    assert_null(hs);
    assert_non_null(strstr(err.msg, f->dir));
    assert_int_equal(mkdir(f->dir, 0700), 0);
    assert_int_equal(cnd_hoststore_open(f->dir, 0, &hs, &err), CND_E_NOT_FOUND);
    assert_non_null(strstr(err.msg, "not a candor store"));
    /* Opening must not have turned the foreign directory into a store. */
    assert_int_equal(count_files(f->dir, "", NULL), 0);
}

static void responses_that_do_not_fit_the_pack_are_refused_whole(void **state)
{
    fixture_t *f = *state;
    cnd_sealed_t rs[2];
    size_t added = 9;
    cnd_err_t err;
    cnd_hoststore_t *hs = open_store(f, 1);
    make_response(&f->pk, 1, &rs[0]);
    make_response(&f->pk, 2, &rs[1]);
    /* Pack not stored yet. */
    assert_int_equal(cnd_hoststore_put_responses(hs, rs, 2, &added, &err), CND_E_NOT_FOUND);
    assert_int_equal(cnd_hoststore_put_pack(hs, f->pack, (uint32_t)f->pack_len, &err), CND_OK);
    /* One of another pack, one with no room for a tag: nothing is stored. */
    rs[1].pack_fp ^= 1;
    assert_int_not_equal(cnd_hoststore_put_responses(hs, rs, 2, &added, &err), CND_OK);
    rs[1].pack_fp ^= 1;
    rs[1].ct_len = CND_SEAL_TAG_LEN;
    assert_int_not_equal(cnd_hoststore_put_responses(hs, rs, 2, &added, &err), CND_OK);
    assert_int_equal(added, 0);
    assert_int_equal(cnb_count(f), 0);
    /* A damaged pack is refused before anything is written. */
    static uint8_t bad[CND_MAX_PACK_SIZE];
    memcpy(bad, f->pack, f->pack_len);
    bad[f->pack_len / 2] ^= 0xFF;
    assert_int_not_equal(cnd_hoststore_put_pack(hs, bad, (uint32_t)f->pack_len, &err), CND_OK);
    assert_int_equal(cnd_hoststore_pack_count(hs), 1);
    cnd_hoststore_close(hs);
}

/* Trust (SPEC 8.3): the first pack teaches a new store its office, once;
 * another office's pack is refused, and so is another signer's pack of a
 * stored survey id and version even when that signer is trusted. */
static void packs_only_from_trusted_offices(void **state)
{
    fixture_t *f = *state;
    cnd_err_t err;
    char line[256], path[160];
    static uint8_t other[CND_MAX_PACK_SIZE];
    size_t other_len = 0;
    cnd_office_key_t k2;
    assert_int_equal(cnd_key_generate(&k2, &err), 0);
    assert_int_equal(cnd_compile_file(SURVEY, &k2, other, sizeof other, &other_len, &err), CND_OK);

    cnd_hoststore_t *hs = open_store(f, 1);
    assert_int_equal(cnd_hoststore_trusted_count(hs), 0);
    assert_int_equal(cnd_hoststore_put_pack(hs, f->pack, (uint32_t)f->pack_len, &err), CND_OK);
    assert_int_equal(cnd_hoststore_take_learned(hs, line, sizeof line), 1);
    assert_non_null(strstr(line, "now trusts office key"));
    assert_int_equal(cnd_hoststore_take_learned(hs, line, sizeof line), 0);
    assert_int_equal(cnd_hoststore_trusted_count(hs), 1);
    assert_int_equal(cnd_hoststore_put_pack(hs, other, (uint32_t)other_len, &err),
                     CND_E_UNTRUSTED);
    assert_non_null(strstr(err.msg, "does not trust"));
    assert_int_equal(cnd_hoststore_pack_count(hs), 1);
    cnd_hoststore_close(hs);

    /* The coordinator trusts the second office too: the pack is still
     * refused, its survey id and version are taken by another signer. */
    snprintf(path, sizeof path, "%s/trusted/second.pub", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(cnd_key_pub(&k2), 1, CND_KEY_PUB_LEN, fp), CND_KEY_PUB_LEN);
    fclose(fp);
    hs = open_store(f, 0);
    assert_int_equal(cnd_hoststore_trusted_count(hs), 2);
    assert_int_equal(cnd_hoststore_put_pack(hs, other, (uint32_t)other_len, &err),
                     CND_E_UNTRUSTED);
    assert_non_null(strstr(err.msg, "already holds"));
    assert_int_equal(cnd_hoststore_pack_count(hs), 1);
    cnd_hoststore_close(hs);

    /* A damaged trusted key file fails the open, naming it. */
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("not a key", fp);
    fclose(fp);
    assert_int_equal(cnd_hoststore_open(f->dir, 0, &hs, &err), CND_E_CORRUPT);
    assert_non_null(strstr(err.msg, "second.pub"));
    cnd_key_wipe(&k2);
}

/* quarantine/ (SPEC 8.4): bytes and a one-line .why, never replacing an
 * earlier entry of the same name (a device reporting the same damaged
 * region twice names it alike: it is kept once); export and sync count,
 * never read it. */
static void quarantine_keeps_every_entry_with_its_reason(void **state)
{
    fixture_t *f = *state;
    cnd_err_t err;
    char path[160], line[200];
    cnd_hoststore_t *hs = open_with_pack(f);
    const uint8_t raw[3] = {1, 2, 3};
    assert_int_equal(cnd_hoststore_quarantine_count(hs), 0);
    assert_int_equal(cnd_hoststore_quarantine_put(hs, "damaged-1", raw, 3, "bad CRC", &err), 0);
    assert_int_equal(cnd_hoststore_quarantine_put(hs, "damaged-1", raw, 2, "bad again", &err), 1);
    assert_int_equal(cnd_hoststore_quarantine_put(hs, "damaged-2", raw, 2, "bad too", &err), 0);
    assert_int_equal(cnd_hoststore_quarantine_put(hs, "../x", raw, 1, "no", &err), -1);
    assert_int_equal(cnd_hoststore_quarantine_put(hs, ".hidden", raw, 1, "no", &err), -1);
    assert_int_equal(cnd_hoststore_quarantine_count(hs), 2);
    snprintf(path, sizeof path, "%s/quarantine/damaged-1", f->dir);
    FILE *fp = fopen(path, "rb");
    uint8_t back[8];
    assert_non_null(fp);
    assert_int_equal(fread(back, 1, sizeof back, fp), 3); /* the first bytes, kept */
    fclose(fp);
    snprintf(path, sizeof path, "%s/quarantine/damaged-1.why", f->dir);
    fp = fopen(path, "r");
    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof line, fp));
    fclose(fp);
    assert_string_equal(line, "bad CRC\n");
    cnd_hoststore_close(hs);
    hs = open_store(f, 0); /* still opens: quarantine/ is not part of the store */
    assert_int_equal(cnd_hoststore_quarantine_count(hs), 2);
    cnd_hoststore_close(hs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(responses_put_then_reopened_read_back_identical, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stored_pack_is_returned_after_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(syncing_the_same_responses_twice_stores_them_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(repeated_ids_within_one_sync_are_stored_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(file_name_comes_from_the_ids_only, setup, teardown),
        cmocka_unit_test_setup_teardown(stored_files_are_complete_and_no_temp_files_remain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(temp_files_left_by_a_crash_are_removed_at_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(corrupt_batch_file_is_reported_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_batch_file_is_reported_by_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(batch_file_with_wrong_checksum_is_reported_by_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(copied_batch_file_is_refused_not_double_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(file_damaged_after_open_fails_the_walk_by_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(damaged_pack_file_is_reported_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(packs_only_from_trusted_offices, setup, teardown),
        cmocka_unit_test_setup_teardown(quarantine_keeps_every_entry_with_its_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(responses_whose_pack_is_missing_are_not_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_open_is_refused_while_the_store_is_in_use, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_or_foreign_directory_is_not_a_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(responses_that_do_not_fit_the_pack_are_refused_whole,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
