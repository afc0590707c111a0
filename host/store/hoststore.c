/*
 * hoststore.c: the coordinator's durable store (formats/SPEC.md section 8).
 *
 * Owns: the store directory, its lock, the in-memory set of stored response
 * ids, the trusted offices (SPEC 8.3), quarantine/ (SPEC 8.4), and the .cnb
 * batch file format (header + the batch bytes of the sealed
 * batch encoding of formats/batch.h, so the device's wire batches and the
 * host's files share one codec, and responses rest sealed as they arrived).
 *
 * Never: deletes a stored response (split_file moves rows to quarantine/
 * before their file is replaced); returns CND_OK before the file and its
 * directory are fsynced; skips a corrupt file silently (every defect fails
 * the open or the walk with a message naming the file, or in candor check
 * is moved to quarantine/ and reported); stores a pack no trusted office
 * signed; names a
 * file after a device, a time or a sequence (names come from the ids).
 *
 * Threads: one open store may be shared by several threads (candor watch
 * syncs handhelds at once): every public function below holds hs->mu for
 * its whole run, so the "already stored?" check and the durable write of
 * put_responses are one step and an id two devices deliver at the same time
 * is still stored once. Pack views stay valid without the lock: entries
 * never move and are freed only by close.
 *
 * RAM: host only. Every stored pack (<= CND_MAX_PACK_SIZE each) plus 8 bytes
 * per stored response id (open-addressed set at <= 50% load, so ~16-32 B per
 * response). Responses themselves are re-read from disk by each().
 */
#include "hoststore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fileio.h"
#include "batch.h"
#include "crashpoint.h"
#include "osfile.h"
#include "packsig.h"

#define CNB_MAGIC "CNDB"
/* 3: batch v3 rows stored as they are (ciphertext does not compress);
 * 2 held deflated v2 rows and 1 plaintext columns: both are refused. */
#define CNB_VERSION 3
#define CNB_HEADER_LEN 20
/* The biggest batch the sealed encoding can produce is below this
 * (CND_BATCH_MAX_LEN: 1024 rows of at most 390 bytes, 399,367 bytes); a
 * header claiming more is corrupt, and refusing it bounds what a bad file
 * can make us allocate. */
#define CNB_MAX_RAW (1u << 20)
#define CNB_MAX_FILE (CNB_HEADER_LEN + CNB_MAX_RAW)
#define TMP_PREFIX ".tmp-"

typedef struct {
    uint32_t fp;
    uint8_t *buf;
    cnd_pack_t pk;
} stored_pack_t;

struct cnd_hoststore {
    char *dir;
    int lock_fd;
    stored_pack_t **packs; /* sorted by fingerprint; entries never move */
    size_t n_packs;
    uint64_t *ids;         /* open-addressed set; 0 = empty slot */
    size_t ids_cap, n_ids;
    int has_zero_id;       /* the all-zero id cannot live in the table */
    pthread_mutex_t mu;    /* held by each public function (see above) */
    /* Office public blocks (SPEC 1.9) whose P-256 key may sign a pack here. */
    uint8_t (*trusted)[CND_OFFICE_PUB_LEN];
    size_t n_trusted;
    char learned[256];     /* what trust on first use learned in this open */
    /* candor check: defects are moved to quarantine/ and reported here
     * instead of failing the open. NULL for every other open. */
    cnd_hoststore_report_fn report;
    void *report_ctx;
};

/* The const getters lock too; the store itself is never a const object. */
static void lock(const cnd_hoststore_t *hs)
{
    pthread_mutex_lock((pthread_mutex_t *)&hs->mu);
}

static void unlock(const cnd_hoststore_t *hs)
{
    pthread_mutex_unlock((pthread_mutex_t *)&hs->mu);
}

/* ---------------------------------------------------------------- ids -- */

static uint64_t id_key(const uint8_t id[CND_RESPONSE_ID_LEN])
{
    uint64_t k = 0;
    for (int i = 0; i < CND_RESPONSE_ID_LEN; i++)
        k = (k << 8) | id[i];
    return k;
}

static size_t id_slot(uint64_t k, size_t cap)
{
    /* Ids are random already; the multiply only spreads structured test ids. */
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static int idset_has(const cnd_hoststore_t *hs, uint64_t k)
{
    if (k == 0)
        return hs->has_zero_id;
    if (hs->ids_cap == 0)
        return 0;
    for (size_t i = id_slot(k, hs->ids_cap);; i = (i + 1) & (hs->ids_cap - 1)) {
        if (hs->ids[i] == k)
            return 1;
        if (hs->ids[i] == 0)
            return 0;
    }
}

static int idset_grow(cnd_hoststore_t *hs)
{
    size_t cap = hs->ids_cap ? hs->ids_cap * 2 : 1024;
    uint64_t *t = calloc(cap, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < hs->ids_cap; i++) {
        uint64_t k = hs->ids[i];
        if (k == 0)
            continue;
        size_t j = id_slot(k, cap);
        while (t[j] != 0)
            j = (j + 1) & (cap - 1);
        t[j] = k;
    }
    free(hs->ids);
    hs->ids = t;
    hs->ids_cap = cap;
    return 0;
}

/* Returns 1 if added, 0 if already present, -1 if out of memory. */
static int idset_add(cnd_hoststore_t *hs, uint64_t k)
{
    if (idset_has(hs, k))
        return 0;
    if (k == 0) {
        hs->has_zero_id = 1;
        return 1;
    }
    if ((hs->n_ids + 1) * 2 > hs->ids_cap && idset_grow(hs) != 0)
        return -1;
    size_t i = id_slot(k, hs->ids_cap);
    while (hs->ids[i] != 0)
        i = (i + 1) & (hs->ids_cap - 1);
    hs->ids[i] = k;
    hs->n_ids++;
    return 1;
}

/* -------------------------------------------------------- filesystem -- */

static char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
    return p;
}

/* A rename or a new entry is durable only once its directory is fsynced. */
static int fsync_dir(const char *dir)
{
    return cnd_os_fsync_dir(dir);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p that also fsyncs the parent of every directory it creates, so a
 * fresh store survives power loss right after the first sync. */
static int make_dirs_durable(const char *path, cnd_err_t *err)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) {
        cnd_err_set(err, "store path '%s' is empty or too long", path);
        return -1;
    }
    memcpy(buf, path, len + 1);
    while (len > 1 && buf[len - 1] == '/')
        buf[--len] = '\0';
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) == 0) {
            char *slash = strrchr(buf, '/');
            const char *parent = ".";
            char pbuf[PATH_MAX];
            if (slash == buf) {
                parent = "/";
            } else if (slash != NULL) {
                memcpy(pbuf, buf, (size_t)(slash - buf));
                pbuf[slash - buf] = '\0';
                parent = pbuf;
            }
            if (fsync_dir(parent) != 0) {
                cnd_err_set(err, "cannot fsync directory %s: %s", parent, strerror(errno));
                return -1;
            }
        } else if (errno != EEXIST || !is_dir(buf)) {
            cnd_err_set(err, "cannot create directory %s: %s", buf, strerror(errno));
            return -1;
        }
        buf[i] = saved;
    }
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Sorted entry names of dir (no "." / ".."), so walks are deterministic. */
static int list_dir(const char *dir, char ***out, size_t *n_out, cnd_err_t *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        cnd_err_set(err, "cannot read directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **t = realloc(names, cap * sizeof *t);
            if (t == NULL)
                goto oom;
            names = t;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto oom;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, name_cmp);
    *out = names;
    *n_out = n;
    return 0;
oom:
    closedir(d);
    free_names(names, n);
    cnd_err_set(err, "out of memory listing %s", dir);
    return -1;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* A crash between mkstemp and rename leaves a temp file; it never held a
 * committed response (CND_OK comes after rename), so removing it is safe. */
static int clean_temp_files(const char *dir, cnd_err_t *err)
{
    char **names;
    size_t n;
    if (list_dir(dir, &names, &n, err) != 0)
        return -1;
    int removed = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
            continue;
        char *p = path_join(dir, names[i]);
        if (p != NULL && unlink(p) == 0)
            removed = 1;
        free(p);
    }
    free_names(names, n);
    if (removed)
        fsync_dir(dir);
    return 0;
}

static int read_file(const char *path, size_t max, uint8_t **out, size_t *len, cnd_err_t *err)
{
    /* O_NONBLOCK: opening a FIFO planted in the store must not wait for a
     * writer; fstat then refuses anything but a regular file. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        cnd_err_set(err, "store entry %s cannot be opened (%s); it must be a regular file",
                    path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        cnd_err_set(err, "store entry %s is not a regular file (%s); move it away", path,
                    S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO"
                    : S_ISSOCK(st.st_mode) ? "a socket" : "a device");
        return -1;
    }
    if (fstat(fd, &st) != 0 || (size_t)st.st_size > max) {
        close(fd);
        cnd_err_set(err, "store file %s is corrupt (larger than %zu bytes); restore it from a backup",
                    path, max);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    size_t got = 0;
    while (buf != NULL && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            cnd_err_set(err, "cannot read %s: %s", path, r < 0 ? strerror(errno) : "file shrank");
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    if (buf == NULL) {
        cnd_err_set(err, "out of memory reading %s", path);
        return -1;
    }
    *out = buf;
    *len = size;
    return 0;
}

/*
 * Durably creates dir/name with the given bytes: temp file in the same
 * directory, fsync, link to the final name (link refuses to replace, so a
 * stored file is never overwritten), unlink the temp, fsync the directory.
 * Returns 0, 1 if dir/name already exists (nothing written), -1 on error.
 */
static int write_file_durable(const char *dir, const char *name, const uint8_t *data,
                              size_t len, int replace, cnd_err_t *err)
{
    char tmpl[PATH_MAX];
    char final[PATH_MAX];
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/" TMP_PREFIX "%s-XXXXXX", dir, name) >=
            sizeof tmpl ||
        (size_t)snprintf(final, sizeof final, "%s/%s", dir, name) >= sizeof final) {
        cnd_err_set(err, "store path %s is too long", dir);
        return -1;
    }
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        cnd_err_set(err, "cannot create a file in %s: %s; check free space and permissions", dir,
                    strerror(errno));
        return -1;
    }
    int rc = -1;
    /* cnd_crashpoint(): test hook, see crashpoint.h */
    if (cnd_write_all(fd, data, len) != 0 || (cnd_crashpoint("temp-written"), cnd_os_fsync(fd)) != 0) {
        cnd_err_set(err, "cannot write %s: %s; check free space", final, strerror(errno));
        close(fd);
        goto out;
    }
    cnd_crashpoint("temp-fsynced");
    if (close(fd) != 0) {
        cnd_err_set(err, "cannot write %s: %s", final, strerror(errno));
        goto out;
    }
    /* replace: the swap is one step (rename, MoveFileExW), so a reader (or
     * a crash) sees the old bytes or the new ones, never a mix. */
    if ((replace ? cnd_os_replace(tmpl, final) : cnd_os_publish_new(tmpl, final)) != 0) {
        if (errno == EEXIST && !replace) {
            rc = 1;
        } else {
            cnd_err_set(err, "cannot create %s: %s", final, strerror(errno));
        }
        goto out;
    }
    rc = 0;
    cnd_crashpoint("linked");
out:
    unlink(tmpl);
    if (rc == 0)
        cnd_crashpoint("temp-removed");
    if (fsync_dir(dir) != 0 && rc == 0) {
        cnd_err_set(err, "cannot fsync directory %s: %s", dir, strerror(errno));
        rc = -1;
    }
    if (rc == 0)
        cnd_crashpoint("dir-fsynced");
    return rc;
}

static int write_new_file(const char *dir, const char *name, const uint8_t *data, size_t len,
                          cnd_err_t *err)
{
    return write_file_durable(dir, name, data, len, 0, err);
}

/* ------------------------------------------------------------- packs -- */

static stored_pack_t *find_pack(const cnd_hoststore_t *hs, uint32_t fp)
{
    for (size_t i = 0; i < hs->n_packs; i++)
        if (hs->packs[i]->fp == fp)
            return hs->packs[i];
    return NULL;
}

/* Takes ownership of buf on success. */
static int add_pack(cnd_hoststore_t *hs, uint8_t *buf, uint32_t len, const cnd_pack_t *pk)
{
    stored_pack_t *sp = malloc(sizeof *sp);
    stored_pack_t **t = realloc(hs->packs, (hs->n_packs + 1) * sizeof *t);
    if (sp == NULL || t == NULL) {
        free(sp);
        if (t != NULL)
            hs->packs = t;
        return -1;
    }
    hs->packs = t;
    sp->fp = pk->fingerprint;
    sp->buf = buf;
    sp->pk = *pk;
    /* The view points into the bytes we now own. */
    sp->pk.buf = buf;
    sp->pk.len = len;
    size_t i = hs->n_packs;
    while (i > 0 && hs->packs[i - 1]->fp > sp->fp) {
        hs->packs[i] = hs->packs[i - 1];
        i--;
    }
    hs->packs[i] = sp;
    hs->n_packs++;
    return 0;
}

static int parse_fp_name(const char *s, size_t len, uint32_t *fp)
{
    if (len != 8)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < 8; i++) {
        char c = s[i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = (v << 4) | (uint32_t)d;
    }
    *fp = v;
    return 0;
}

static int defect(cnd_hoststore_t *hs, const char *path, cnd_err_t *err);
static const char *pack_refusal(const cnd_hoststore_t *hs, const cnd_pack_t *pk,
                                const uint8_t *buf, uint32_t len, char *why, size_t cap);

static int load_packs(cnd_hoststore_t *hs, cnd_err_t *err)
{
    char *dir = path_join(hs->dir, "packs");
    char **names = NULL;
    size_t n = 0;
    int rc = -1;
    if (dir == NULL || list_dir(dir, &names, &n, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!has_suffix(names[i], ".pack"))
            continue;
        char *path = path_join(dir, names[i]);
        uint8_t *buf = NULL;
        size_t len = 0;
        uint32_t fp;
        cnd_pack_t pk;
        if (path == NULL) {
            cnd_err_set(err, "out of memory loading packs");
            goto out;
        }
        int bad = read_file(path, CND_MAX_PACK_SIZE, &buf, &len, err) != 0;
        cnd_status_t st = bad ? CND_E_IO : cnd_pack_open(&pk, buf, (uint32_t)len);
        char why[512];
        if (!bad && (st != CND_OK || parse_fp_name(names[i], strlen(names[i]) - 5, &fp) != 0 ||
                     fp != pk.fingerprint)) {
            cnd_err_set(err, "store file %s is corrupt (%s); restore it from a backup", path,
                        st != CND_OK ? cnd_status_str(st) : "name does not match its fingerprint");
            bad = 1;
        } else if (!bad && hs->report != NULL &&
                   pack_refusal(hs, &pk, buf, (uint32_t)len, why, sizeof why) != NULL) {
            /* candor check also re-verifies what sync verified on arrival. */
            cnd_err_set(err, "%s", why);
            bad = 1;
        }
        if (bad) {
            free(buf);
            int r = defect(hs, path, err);
            free(path);
            if (r != 0)
                goto out;
            continue;
        }
        free(path);
        if (add_pack(hs, buf, (uint32_t)len, &pk) != 0) {
            free(buf);
            cnd_err_set(err, "out of memory loading packs");
            goto out;
        }
    }
    rc = 0;
out:
    free_names(names, n);
    free(dir);
    return rc;
}

/* ---------------------------------------------------- batch files -- */

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* A sealed response cannot be checked against its pack until the export
 * opens it with the office key; here only what is in clear must agree. */
static cnd_status_t check_response(const cnd_pack_t *pk, const cnd_sealed_t *r)
{
    if (r->pack_fp != pk->fingerprint)
        return CND_E_INVALID;
    if (r->ct_len <= CND_SEAL_TAG_LEN || r->ct_len > CND_SEALED_CT_MAX)
        return CND_E_RANGE;
    return CND_OK;
}

typedef struct {
    const cnd_sealed_t *const *rs;
} array_src_t;

static cnd_status_t array_get(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    const array_src_t *src = ctx;
    *out = *src->rs[index];
    return CND_OK;
}

/* Batch bytes (formats/batch.h, sealed rows) for rs[0..n), in a malloc'd buffer. */
static cnd_status_t encode_batch(const cnd_sealed_t *const *rs, uint16_t n, uint8_t **out,
                                 size_t *out_len)
{
    array_src_t src = {rs};
    cnd_batch_encoder_t enc;
    cnd_status_t st = cnd_batch_encoder_init(&enc, n, array_get, &src);
    if (st != CND_OK)
        return st;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        if (cap - len < 1024) {
            uint8_t *t = cap * 2 <= CNB_MAX_RAW ? realloc(buf, cap * 2) : NULL;
            if (t == NULL)
                break;
            buf = t;
            cap *= 2;
        }
        size_t produced = 0;
        st = cnd_batch_encoder_read(&enc, buf + len, cap - len, &produced);
        if (st != CND_OK) {
            free(buf);
            return st;
        }
        if (produced == 0) {
            *out = buf;
            *out_len = len;
            return CND_OK;
        }
        len += produced;
    }
    free(buf);
    return CND_E_NOSPACE;
}

/* Header + raw in one malloc'd buffer. */
static cnd_status_t build_cnb(uint32_t fp, uint16_t n, const uint8_t *raw, size_t raw_len,
                              uint8_t **out, size_t *out_len)
{
    uint8_t *buf = malloc(CNB_HEADER_LEN + raw_len);
    if (buf == NULL)
        return CND_E_NOSPACE;
    memcpy(buf, CNB_MAGIC, 4);
    buf[4] = CNB_VERSION;
    buf[5] = 0;
    put_u16(buf + 6, n);
    put_u32(buf + 8, fp);
    put_u32(buf + 12, (uint32_t)raw_len);
    put_u32(buf + 16, (uint32_t)crc32(0L, raw, (uInt)raw_len));
    memcpy(buf + CNB_HEADER_LEN, raw, raw_len);
    *out = buf;
    *out_len = CNB_HEADER_LEN + raw_len;
    return CND_OK;
}

/*
 * Reads and fully validates one .cnb file into out[0..*n). A decoded file
 * must agree with its header, its directory's pack and itself; anything
 * else is reported as corruption naming the file.
 */
static int read_cnb(const char *path, const cnd_pack_t *pk, cnd_sealed_t *out, uint16_t *n,
                    cnd_err_t *err)
{
    uint8_t *file = NULL;
    const uint8_t *raw = NULL;
    size_t len = 0;
    const char *why = NULL;
    if (read_file(path, CNB_MAX_FILE, &file, &len, err) != 0)
        return -1;
    uint32_t raw_len = len >= CNB_HEADER_LEN ? get_u32(file + 12) : 0;
    uint16_t count = len >= CNB_HEADER_LEN ? get_u16(file + 6) : 0;
    if (len < CNB_HEADER_LEN) {
        why = "truncated header";
    } else if (memcmp(file, CNB_MAGIC, 4) != 0) {
        why = "not a candor batch file";
    } else if (file[4] != CNB_VERSION) {
        why = "unknown batch file version";
    } else if (file[5] != 0 || count == 0 || count > CND_BATCH_MAX_RESPONSES ||
               raw_len == 0 || raw_len > CNB_MAX_RAW) {
        why = "header out of range";
    } else if (get_u32(file + 8) != pk->fingerprint) {
        why = "pack fingerprint differs from its directory";
    } else if (len - CNB_HEADER_LEN != raw_len) {
        why = len - CNB_HEADER_LEN < raw_len ? "truncated batch" : "extra bytes after the batch";
    } else if ((uint32_t)crc32(0L, (raw = file + CNB_HEADER_LEN), raw_len) != get_u32(file + 16)) {
        why = "checksum mismatch";
    } else {
        cnd_status_t st = cnd_batch_decode(raw, raw_len, out, CND_BATCH_MAX_RESPONSES, n);
        if (st != CND_OK) {
            why = cnd_status_str(st);
        } else if (*n != count) {
            why = "response count differs from its header";
        } else {
            for (uint16_t i = 0; i < *n && why == NULL; i++)
                if (check_response(pk, &out[i]) != CND_OK)
                    why = "a response does not belong to its survey pack";
        }
    }
    free(file);
    if (why != NULL) {
        cnd_err_set(err, "store file %s is corrupt (%s); restore it from a backup", path, why);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------- quarantine -- */

static const char *rel_of(const cnd_hoststore_t *hs, const char *path)
{
    size_t n = strlen(hs->dir);
    return strncmp(path, hs->dir, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

/* DIR/quarantine/, created durably on first use. */
static char *quarantine_dir(cnd_hoststore_t *hs, cnd_err_t *err)
{
    char *q = path_join(hs->dir, "quarantine");
    if (q == NULL) {
        cnd_err_set(err, "out of memory");
    } else if (!is_dir(q) && ((mkdir(q, 0700) != 0 && errno != EEXIST) ||
                              fsync_dir(hs->dir) != 0)) {
        cnd_err_set(err, "cannot create directory %s: %s", q, strerror(errno));
        free(q);
        q = NULL;
    }
    return q;
}

/* The entry's path inside DIR with '/' as '_' (responses_0a1b2c3d_x.cnb),
 * then "-1", "-2"... until no entry of that name (or its .why) exists. */
static int quarantine_name(const char *qdir, const char *rel, const char *suffix, char *out,
                           size_t cap, cnd_err_t *err)
{
    for (unsigned k = 0; k < 1000; k++) {
        char why[PATH_MAX + 8];
        struct stat st;
        int n = k == 0 ? snprintf(out, cap, "%s%s", rel, suffix)
                       : snprintf(out, cap, "%s%s-%u", rel, suffix, k);
        if (n < 0 || (size_t)n >= cap - 8) {
            cnd_err_set(err, "store path %s is too long", rel);
            return -1;
        }
        for (char *c = out; *c != '\0'; c++)
            if (*c == '/')
                *c = '_';
        snprintf(why, sizeof why, "%s/%s.why", qdir, out);
        char full[PATH_MAX + 8];
        snprintf(full, sizeof full, "%s/%s", qdir, out);
        if (lstat(full, &st) != 0 && lstat(why, &st) != 0)
            return 0;
    }
    cnd_err_set(err, "too many entries named after %s in %s", rel, qdir);
    return -1;
}

/* <name>.why: one line, "<entry>: <why>". */
static int write_why(const char *qdir, const char *name, const char *rel, const char *why,
                     cnd_err_t *err)
{
    char wname[PATH_MAX];
    char line[512 + PATH_MAX];
    int n = snprintf(line, sizeof line, "%s: %s\n", rel, why);
    snprintf(wname, sizeof wname, "%s.why", name);
    for (int i = 0; i < n - 1 && i < (int)sizeof line; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    return write_file_durable(qdir, wname, (const uint8_t *)line,
                              (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, 1, err) == 0
               ? 0
               : -1;
}

/*
 * Moves path (a file, a link, a FIFO or a whole directory inside DIR) to
 * quarantine/ with its .why, both durable: the .why first, then one
 * rename(), then both directories fsynced. A crash leaves the entry in its
 * place (checked again next time) or moved; never gone.
 */
static int quarantine_entry(cnd_hoststore_t *hs, const char *path, const char *why,
                            cnd_err_t *err)
{
    const char *rel = rel_of(hs, path);
    char name[PATH_MAX];
    char *qdir = quarantine_dir(hs, err);
    int rc = -1;
    if (qdir == NULL || quarantine_name(qdir, rel, "", name, sizeof name, err) != 0 ||
        write_why(qdir, name, rel, why, err) != 0)
        goto out;
    char *to = path_join(qdir, name);
    char *from_dir = strdup(path);
    char *slash = from_dir ? strrchr(from_dir, '/') : NULL;
    if (to == NULL || slash == NULL) {
        cnd_err_set(err, "out of memory");
    } else if (cnd_os_replace(path, to) != 0) {
        cnd_err_set(err, "cannot move %s to %s: %s", path, to, strerror(errno));
    } else {
        *slash = '\0';
        if (fsync_dir(qdir) != 0 || fsync_dir(from_dir) != 0)
            cnd_err_set(err, "cannot fsync the directories of %s: %s", to, strerror(errno));
        else
            rc = 0;
    }
    free(to);
    free(from_dir);
    if (rc == 0 && hs->report != NULL)
        hs->report(hs->report_ctx, rel, why);
out:
    free(qdir);
    return rc;
}

/* In candor check, a defect is moved away and the walk goes on (0); in
 * every other open it fails with err as set (-1). */
static int defect(cnd_hoststore_t *hs, const char *path, cnd_err_t *err)
{
    if (hs->report == NULL)
        return -1;
    char why[512];
    snprintf(why, sizeof why, "%s", err->msg);
    return quarantine_entry(hs, path, why, err);
}

/* The why line first, then the bytes, each created durably and never
 * replaced: an entry already there is kept as it is (1). */
int cnd_hoststore_quarantine_put(cnd_hoststore_t *hs, const char *name, const uint8_t *data,
                                 size_t len, const char *why, cnd_err_t *err)
{
    char wname[PATH_MAX];
    char line[1024];
    int rc = -1, n;
    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
        strchr(name, '\\') != NULL) {
        /* A name from outside must never step out of quarantine/. */
        cnd_err_set(err, "quarantine name '%s' must not be empty, contain '/' or start with '.'",
                    name);
        return -1;
    }
    lock(hs);
    char *qdir = quarantine_dir(hs, err);
    if (qdir == NULL)
        goto out;
    n = snprintf(line, sizeof line, "%s\n", why);
    if (n < 0 || (size_t)n >= sizeof line ||
        (size_t)snprintf(wname, sizeof wname, "%s.why", name) >= sizeof wname) {
        cnd_err_set(err, "quarantine entry %s: name or reason too long", name);
        goto out;
    }
    for (int i = 0; i < n - 1; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    if (write_file_durable(qdir, wname, (const uint8_t *)line, (size_t)n, 0, err) < 0)
        goto out;
    rc = write_file_durable(qdir, name, data, len, 0, err);
out:
    free(qdir);
    unlock(hs);
    return rc;
}

size_t cnd_hoststore_quarantine_count(cnd_hoststore_t *hs)
{
    char *q = path_join(hs->dir, "quarantine");
    char **names = NULL;
    size_t n = 0, count = 0;
    cnd_err_t e;
    if (q != NULL && is_dir(q) && list_dir(q, &names, &n, &e) == 0)
        for (size_t i = 0; i < n; i++)
            count += names[i][0] != '.' && !has_suffix(names[i], ".why");
    free_names(names, n);
    free(q);
    return count;
}

/* ------------------------------------------------------------ trust -- */

static int office_block_ok(const uint8_t *b, size_t len)
{
    static const uint8_t zero[3] = {0};
    return len == CND_OFFICE_PUB_LEN && memcmp(b, CND_OFFICE_PUB_MAGIC, 4) == 0 && b[4] == 1 &&
           memcmp(b + 5, zero, 3) == 0 && b[CND_OFFICE_PUB_LEN - 65] == 0x04;
}

/* The P-256 key of an office public block (SPEC 1.9, offset 40). */
static const uint8_t *block_p256(const uint8_t *block)
{
    return block + CND_OFFICE_PUB_LEN - 65;
}

static int trusts_signer(const cnd_hoststore_t *hs, const uint8_t signer[65])
{
    for (size_t i = 0; i < hs->n_trusted; i++)
        if (memcmp(block_p256(hs->trusted[i]), signer, 65) == 0)
            return 1;
    return 0;
}

/* A short name for a P-256 key: the first 8 bytes of its X coordinate in
 * hex (bytes 41..48 of its .pub file). */
static void key_id(const uint8_t p256[65], char out[17])
{
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", p256[1 + i]);
}

static int trust_remember(cnd_hoststore_t *hs, const uint8_t block[CND_OFFICE_PUB_LEN])
{
    uint8_t(*t)[CND_OFFICE_PUB_LEN] = realloc(hs->trusted, (hs->n_trusted + 1) * sizeof *t);
    if (t == NULL)
        return -1;
    hs->trusted = t;
    memcpy(hs->trusted[hs->n_trusted++], block, CND_OFFICE_PUB_LEN);
    return 0;
}

/* Trusts block's office from now on: DIR/trusted/<id>.pub, durable before
 * anything signed by it is stored. */
static int trust_add(cnd_hoststore_t *hs, const uint8_t block[CND_OFFICE_PUB_LEN],
                     cnd_err_t *err)
{
    if (trusts_signer(hs, block_p256(block)))
        return 0;
    char name[32];
    key_id(block_p256(block), name);
    strcat(name, ".pub");
    char *tdir = path_join(hs->dir, "trusted");
    int r = -1;
    if (tdir == NULL) {
        cnd_err_set(err, "out of memory");
    } else if (!is_dir(tdir) && ((mkdir(tdir, 0700) != 0 && errno != EEXIST) ||
                                 fsync_dir(hs->dir) != 0)) {
        cnd_err_set(err, "cannot create directory %s: %s", tdir, strerror(errno));
    } else {
        r = write_new_file(tdir, name, block, CND_OFFICE_PUB_LEN, err);
        if (r == 1)
            r = 0; /* the same key's file, written by an earlier run */
    }
    free(tdir);
    if (r == 0 && trust_remember(hs, block) != 0) {
        cnd_err_set(err, "out of memory");
        r = -1;
    }
    return r;
}

/* DIR/trusted/<id>.pub files; other names are ignored, as elsewhere in the store. */
static int load_trusted(cnd_hoststore_t *hs, cnd_err_t *err)
{
    char *tdir = path_join(hs->dir, "trusted");
    char **names = NULL;
    size_t n = 0;
    int rc = -1;
    if (tdir == NULL) {
        cnd_err_set(err, "out of memory");
        return -1;
    }
    struct stat lst;
    if (!is_dir(tdir)) {
        rc = lstat(tdir, &lst) != 0 ? 0 : -1; /* absent: trusts nobody yet */
        if (rc != 0) {
            cnd_err_set(err, "store entry %s is not a directory; restore it", tdir);
            rc = defect(hs, tdir, err);
        }
        free(tdir);
        return rc;
    }
    if (list_dir(tdir, &names, &n, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!has_suffix(names[i], ".pub") || names[i][0] == '.')
            continue;
        char *path = path_join(tdir, names[i]);
        uint8_t *buf = NULL;
        size_t len = 0;
        int bad = path == NULL || read_file(path, CND_OFFICE_PUB_LEN + 1, &buf, &len, err) != 0;
        if (!bad && !office_block_ok(buf, len)) {
            cnd_err_set(err, "store file %s is not an office public key (candor keygen's FILE.pub, "
                             "%d bytes); restore or remove it", path, CND_OFFICE_PUB_LEN);
            bad = 1;
        }
        if ((bad && (path == NULL || defect(hs, path, err) != 0)) ||
            (!bad && trust_remember(hs, buf) != 0)) {
            if (!bad)
                cnd_err_set(err, "out of memory");
            free(buf);
            free(path);
            goto out;
        }
        free(buf);
        free(path);
    }
    rc = 0;
out:
    free_names(names, n);
    free(tdir);
    return rc;
}

/*
 * Why pk (stored in buf) may not be stored, or NULL. The signature must
 * verify, under a trusted key once the store trusts any; and no stored
 * pack may claim the same survey id and version under another signer
 * (export could not tell their responses apart).
 */
static const char *pack_refusal(const cnd_hoststore_t *hs, const cnd_pack_t *pk,
                                const uint8_t *buf, uint32_t len, char *why, size_t cap)
{
    char id[17], sid[CND_MAX_NAME_LEN + 1];
    cnd_str_t s = cnd_pack_survey_id(pk);
    snprintf(sid, sizeof sid, "%.*s", (int)s.len, s.ptr);
    cnd_status_t st = cnd_pack_sig_verify(buf, len, NULL);
    if (st != CND_OK) {
        snprintf(why, cap, "survey pack %08x ('%s' version %u) has no valid signature (%s)",
                 (unsigned)pk->fingerprint, sid, (unsigned)cnd_pack_survey_version(pk),
                 cnd_status_str(st));
        return why;
    }
    const uint8_t *signer = cnd_pack_signer_pub(pk);
    key_id(signer, id);
    if (hs->n_trusted > 0 && !trusts_signer(hs, signer)) {
        snprintf(why, cap,
                 "survey pack %08x ('%s' version %u) is signed by office key %s, which store %s "
                 "does not trust; if your office changed keys, copy its public key file into "
                 "%s/trusted/",
                 (unsigned)pk->fingerprint, sid, (unsigned)cnd_pack_survey_version(pk), id,
                 hs->dir, hs->dir);
        return why;
    }
    for (size_t i = 0; i < hs->n_packs; i++) {
        const cnd_pack_t *o = &hs->packs[i]->pk;
        cnd_str_t os = cnd_pack_survey_id(o);
        if (o->fingerprint != pk->fingerprint && os.len == s.len &&
            memcmp(os.ptr, s.ptr, s.len) == 0 &&
            cnd_pack_survey_version(o) == cnd_pack_survey_version(pk) &&
            memcmp(cnd_pack_signer_pub(o), signer, 65) != 0) {
            snprintf(why, cap,
                     "survey pack %08x claims survey '%s' version %u, which the store already "
                     "holds as pack %08x signed by another key",
                     (unsigned)pk->fingerprint, sid, (unsigned)cnd_pack_survey_version(pk),
                     (unsigned)o->fingerprint);
            return why;
        }
    }
    return NULL;
}

/* A store made before trust existed holds packs but no trusted/: it trusts
 * the offices of the packs it holds whose signatures verify (in memory;
 * the first pack it accepts writes trusted/). */
static int trust_legacy(cnd_hoststore_t *hs)
{
    if (hs->n_trusted > 0)
        return 0;
    size_t n = hs->n_packs;
    for (size_t i = 0; i < n; i++) {
        const stored_pack_t *sp = hs->packs[i];
        if (cnd_pack_sig_verify(sp->buf, sp->pk.len, NULL) == CND_OK &&
            !trusts_signer(hs, cnd_pack_office_p256(&sp->pk)) &&
            trust_remember(hs, cnd_pack_office_pub(&sp->pk)) != 0)
            return -1;
    }
    return 0;
}

int cnd_hoststore_take_learned(cnd_hoststore_t *hs, char *out, size_t cap)
{
    lock(hs);
    int any = hs->learned[0] != '\0';
    snprintf(out, cap, "%s", hs->learned);
    hs->learned[0] = '\0';
    unlock(hs);
    return any;
}

size_t cnd_hoststore_trusted_count(cnd_hoststore_t *hs)
{
    lock(hs);
    size_t n = hs->n_trusted;
    unlock(hs);
    return n;
}

/* ---------------------------------------------------------- walking -- */

typedef int (*cnb_fn)(void *ctx, const char *path, const cnd_pack_t *pk, const cnd_sealed_t *rs,
                      uint16_t n);

/* Every .cnb of every pack, in fingerprint then name order. A response
 * directory without its pack is corruption: its answers cannot be read. */
static int walk_cnb(cnd_hoststore_t *hs, int clean, cnb_fn fn, void *ctx, cnd_err_t *err)
{
    char *rdir = path_join(hs->dir, "responses");
    char **fps = NULL;
    size_t n_fps = 0;
    cnd_sealed_t *rs = malloc(CND_BATCH_MAX_RESPONSES * sizeof *rs);
    int rc = CND_E_IO;
    if (rdir == NULL || rs == NULL) {
        cnd_err_set(err, "out of memory reading the store");
        goto out;
    }
    if (list_dir(rdir, &fps, &n_fps, err) != 0)
        goto out;
    for (size_t i = 0; i < n_fps; i++) {
        if (strncmp(fps[i], TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
            continue;
        char *fdir = path_join(rdir, fps[i]);
        uint32_t fp;
        const stored_pack_t *sp = NULL;
        if (fdir == NULL) {
            cnd_err_set(err, "out of memory reading the store");
            goto out;
        }
        /* Every entry here must be a pack's directory (a link to one is
         * fine: a store may span disks). A dangling link (a disk that is
         * not mounted), a loop, a plain file or a FIFO would otherwise be
         * skipped and its responses silently missing from an export. */
        struct stat fst;
        int serr = stat(fdir, &fst) != 0 ? errno : 0;
        if (serr != 0 || !S_ISDIR(fst.st_mode)) {
            cnd_err_set(err, "store entry %s is not a directory (%s); mount or restore it",
                        fdir, serr == ENOENT ? "a dangling link"
                              : serr == ELOOP ? "a symbolic link loop"
                              : serr != 0 ? strerror(serr)
                              : S_ISREG(fst.st_mode) ? "a plain file"
                              : S_ISFIFO(fst.st_mode) ? "a FIFO"
                              : S_ISSOCK(fst.st_mode) ? "a socket" : "not a directory");
            int moved = defect(hs, fdir, err) == 0;
            free(fdir);
            if (moved)
                continue;
            rc = CND_E_CORRUPT;
            goto out;
        }
        if (parse_fp_name(fps[i], strlen(fps[i]), &fp) != 0 || (sp = find_pack(hs, fp)) == NULL) {
            cnd_err_set(err,
                        "store directory %s has no matching pack in %s/packs; restore the pack "
                        "file from a backup",
                        fdir, hs->dir);
            int moved = defect(hs, fdir, err) == 0;
            free(fdir);
            if (moved)
                continue;
            rc = CND_E_CORRUPT;
            goto out;
        }
        char **files = NULL;
        size_t n_files = 0;
        if ((clean && clean_temp_files(fdir, err) != 0) ||
            list_dir(fdir, &files, &n_files, err) != 0) {
            free(fdir);
            goto out;
        }
        for (size_t j = 0; j < n_files; j++) {
            if (!has_suffix(files[j], ".cnb") || files[j][0] == '.')
                continue;
            char *path = path_join(fdir, files[j]);
            uint16_t n = 0;
            int r = path == NULL ? -1 : read_cnb(path, &sp->pk, rs, &n, err);
            if (r == 0)
                r = fn(ctx, path, &sp->pk, rs, n);
            else if (path != NULL && defect(hs, path, err) == 0)
                r = 0; /* candor check moved it to quarantine/ */
            else
                r = CND_E_CORRUPT;
            free(path);
            if (r != 0) {
                free_names(files, n_files);
                free(fdir);
                rc = r;
                goto out;
            }
        }
        free_names(files, n_files);
        free(fdir);
    }
    rc = 0;
out:
    free(rs);
    free_names(fps, n_fps);
    free(rdir);
    return rc;
}

/*
 * Moves the rows of one batch file marked in drop[] to quarantine/, keeping
 * the others in place (SPEC 8.4, docs/DESIGN.md "Quarantining rows"):
 *   1. quarantine/<entry>.rows-<crc>: a batch file of the dropped rows, and
 *      its .why; durable. Its name comes from the dropped ids, so a run
 *      interrupted and repeated finds it already there.
 *   2. the batch file is replaced, by rename(), with one holding only the
 *      kept rows; durable.
 * A crash before 2 leaves the old file whole (the rows are then in both
 * places, but only the store's copy is ever read, and the next check redoes
 * 2); after 2 every row is in exactly one of the two. With no row kept, the
 * whole file is moved instead.
 */
static int split_file(cnd_hoststore_t *hs, const char *path, const cnd_pack_t *pk,
                      const cnd_sealed_t *rs, uint16_t n, const uint8_t *drop, const char *why,
                      cnd_err_t *err)
{
    const cnd_sealed_t **bad = malloc(n * sizeof *bad), **good = malloc(n * sizeof *good);
    uint16_t nb = 0, ng = 0;
    uint8_t *raw = NULL, *file = NULL;
    size_t raw_len = 0, file_len = 0;
    char *qdir = NULL, *dir = strdup(path);
    char name[PATH_MAX], line[640];
    int rc = -1;
    if (bad == NULL || good == NULL || dir == NULL) {
        cnd_err_set(err, "out of memory");
        goto out;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint16_t i = 0; i < n; i++) {
        if (drop[i]) {
            bad[nb++] = &rs[i];
            crc = crc32(crc, rs[i].id, CND_RESPONSE_ID_LEN);
        } else {
            good[ng++] = &rs[i];
        }
    }
    snprintf(line, sizeof line, "%u of its %u %s: %s", (unsigned)nb, (unsigned)n,
             cnd_plural(n, "response", "responses"), why);
    if (ng == 0) {
        rc = quarantine_entry(hs, path, line, err);
        goto out;
    }
    const char *rel = rel_of(hs, path);
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".rows-%08lx", (unsigned long)crc);
    if ((qdir = quarantine_dir(hs, err)) == NULL)
        goto out;
    /* Name it without the clash suffix first: an earlier interrupted run
     * of the same split wrote exactly these bytes under that name. */
    snprintf(name, sizeof name, "%s%s", rel, suffix);
    for (char *c = name; *c != '\0'; c++)
        if (*c == '/')
            *c = '_';
    if (encode_batch(bad, nb, &raw, &raw_len) != CND_OK ||
        build_cnb(pk->fingerprint, nb, raw, raw_len, &file, &file_len) != CND_OK) {
        cnd_err_set(err, "cannot encode the rows to move out of %s", path);
        goto out;
    }
    int w = write_new_file(qdir, name, file, file_len, err);
    if (w < 0 || write_why(qdir, name, rel, line, err) != 0)
        goto out;
    free(raw);
    free(file);
    raw = file = NULL;
    if (encode_batch(good, ng, &raw, &raw_len) != CND_OK ||
        build_cnb(pk->fingerprint, ng, raw, raw_len, &file, &file_len) != CND_OK) {
        cnd_err_set(err, "cannot encode the rows that stay in %s", path);
        goto out;
    }
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    cnd_crashpoint("rows-quarantined"); /* test hook: before the file loses them */
    if (write_file_durable(dir, slash + 1, file, file_len, 1, err) != 0)
        goto out;
    if (hs->report != NULL)
        hs->report(hs->report_ctx, rel, line);
    rc = 0;
out:
    free(bad);
    free(good);
    free(raw);
    free(file);
    free(qdir);
    free(dir);
    return rc;
}

typedef struct {
    cnd_hoststore_t *hs;
    cnd_err_t *err;
} load_ctx_t;

static int load_ids_fn(void *ctx, const char *path, const cnd_pack_t *pk, const cnd_sealed_t *rs,
                       uint16_t n)
{
    load_ctx_t *lc = ctx;
    if (lc->hs->report != NULL) {
        /* candor check: a row repeating an id stored in an earlier file
         * (or earlier in this one) moves out; the rest of the file stays. */
        uint8_t drop[CND_BATCH_MAX_RESPONSES] = {0};
        int any = 0;
        for (uint16_t i = 0; i < n; i++) {
            int r = idset_add(lc->hs, id_key(rs[i].id));
            if (r < 0) {
                cnd_err_set(lc->err, "out of memory loading response ids from %s", path);
                return CND_E_NOSPACE;
            }
            drop[i] = r == 0;
            any |= r == 0;
        }
        if (any && split_file(lc->hs, path, pk, rs, n, drop,
                              "repeat responses stored in another file", lc->err) != 0)
            return CND_E_IO;
        return 0;
    }
    for (uint16_t i = 0; i < n; i++) {
        int r = idset_add(lc->hs, id_key(rs[i].id));
        if (r < 0) {
            cnd_err_set(lc->err, "out of memory loading response ids from %s", path);
            return CND_E_NOSPACE;
        }
        if (r == 0) {
            /* put_responses never writes an id twice; a repeat means the
             * store was edited by hand. Refuse rather than double-count. */
            cnd_err_set(lc->err,
                        "store file %s is corrupt (repeats a response stored in another "
                        "file); restore it from a backup",
                        path);
            return CND_E_CORRUPT;
        }
    }
    return 0;
}

typedef struct {
    cnd_hoststore_row_fn bad;
    void *ctx;
    size_t moved;
    cnd_hoststore_t *hs;
    cnd_err_t *err;
} rows_ctx_t;

static int rows_fn(void *ctx, const char *path, const cnd_pack_t *pk, const cnd_sealed_t *rs,
                   uint16_t n)
{
    rows_ctx_t *c = ctx;
    uint8_t drop[CND_BATCH_MAX_RESPONSES] = {0};
    const char *first = NULL;
    uint16_t k = 0;
    for (uint16_t i = 0; i < n; i++) {
        const char *w = c->bad(c->ctx, &rs[i]);
        if (w != NULL) {
            drop[i] = 1;
            k++;
            if (first == NULL)
                first = w;
        }
    }
    if (k == 0)
        return 0;
    char why[400];
    snprintf(why, sizeof why, "fail authentication with the office key (the first: %s)", first);
    if (split_file(c->hs, path, pk, rs, n, drop, why, c->err) != 0)
        return CND_E_IO;
    c->moved += k;
    return 0;
}

cnd_status_t cnd_hoststore_quarantine_rows(cnd_hoststore_t *hs, cnd_hoststore_row_fn bad,
                                           void *ctx, size_t *moved, cnd_err_t *err)
{
    rows_ctx_t c = {bad, ctx, 0, hs, err};
    lock(hs);
    int r = walk_cnb(hs, 0, rows_fn, &c, err);
    *moved = c.moved;
    if (c.moved > 0) {
        /* The id set still holds the moved ids: rebuild it from the files. */
        free(hs->ids);
        hs->ids = NULL;
        hs->ids_cap = hs->n_ids = 0;
        hs->has_zero_id = 0;
        load_ctx_t lc = {hs, err};
        int r2 = walk_cnb(hs, 0, load_ids_fn, &lc, err);
        if (r == 0)
            r = r2;
    }
    unlock(hs);
    return r == 0 ? CND_OK : r > 0 ? (cnd_status_t)r : CND_E_IO;
}

/* ------------------------------------------------------------ public -- */

static int check_store_layout(const char *dir, int create, cnd_err_t *err)
{
    if (!is_dir(dir)) {
        if (!create) {
            cnd_err_set(err, "store %s does not exist or is not a directory; check the path or "
                        "run candor sync first", dir);
            return -1;
        }
        if (make_dirs_durable(dir, err) != 0)
            return -1;
    }
    static const char *const subdirs[] = {"packs", "responses"};
    int created = 0;
    for (size_t i = 0; i < 2; i++) {
        char *p = path_join(dir, subdirs[i]);
        if (p == NULL) {
            cnd_err_set(err, "out of memory");
            return -1;
        }
        struct stat lst;
        if (!is_dir(p) && lstat(p, &lst) == 0) {
            /* There, but a dangling link, a loop, a file or a FIFO. */
            cnd_err_set(err, "store entry %s is not a directory; mount or restore it", p);
            free(p);
            return -1;
        }
        if (!is_dir(p)) {
            if (!create) {
                cnd_err_set(err, "%s is not a candor store (no %s/ inside); check the path", dir,
                            subdirs[i]);
                free(p);
                return -1;
            }
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                cnd_err_set(err, "cannot create directory %s: %s", p, strerror(errno));
                free(p);
                return -1;
            }
            created = 1;
        }
        free(p);
    }
    if (created && fsync_dir(dir) != 0) {
        cnd_err_set(err, "cannot fsync directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int take_lock(cnd_hoststore_t *hs, cnd_err_t *err)
{
    char *p = path_join(hs->dir, ".lock");
    if (p == NULL) {
        cnd_err_set(err, "out of memory");
        return -1;
    }
    hs->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    free(p);
    if (hs->lock_fd < 0) {
        cnd_err_set(err, "cannot open the lock file in store %s: %s", hs->dir, strerror(errno));
        return -1;
    }
    if (cnd_os_lock_fd(hs->lock_fd) != 0) {
        if (errno == EWOULDBLOCK)
            cnd_err_set(err, "store %s is in use by another candor process", hs->dir);
        else
            cnd_err_set(err, "cannot lock store %s: %s", hs->dir, strerror(errno));
        return -1;
    }
    return 0;
}

static cnd_status_t open_store(const char *dir, int create, cnd_hoststore_report_fn report,
                               void *report_ctx, cnd_hoststore_t **out, cnd_err_t *err)
{
    *out = NULL;
    if (check_store_layout(dir, create, err) != 0)
        return create ? CND_E_IO : CND_E_NOT_FOUND;
    cnd_hoststore_t *hs = calloc(1, sizeof *hs);
    if (hs == NULL || (hs->dir = strdup(dir)) == NULL) {
        free(hs);
        cnd_err_set(err, "out of memory opening store %s", dir);
        return CND_E_NOSPACE;
    }
    hs->lock_fd = -1;
    hs->report = report;
    hs->report_ctx = report_ctx;
    /* Recursive: each()'s visitor may call the getters back. */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&hs->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    cnd_status_t st = CND_E_IO;
    char *packs = path_join(dir, "packs");
    char *resp = path_join(dir, "responses");
    if (take_lock(hs, err) != 0) {
        st = CND_E_BUSY;
        goto fail;
    }
    if (packs == NULL || resp == NULL || clean_temp_files(dir, err) != 0 ||
        clean_temp_files(packs, err) != 0 || clean_temp_files(resp, err) != 0)
        goto fail;
    static const char *const extra[] = {"trusted", "quarantine"};
    for (size_t i = 0; i < 2; i++) {
        char *p = path_join(dir, extra[i]);
        int bad = p == NULL || (is_dir(p) && clean_temp_files(p, err) != 0);
        free(p);
        if (bad)
            goto fail;
    }
    if (load_trusted(hs, err) != 0 || load_packs(hs, err) != 0 || trust_legacy(hs) != 0) {
        st = CND_E_CORRUPT;
        goto fail;
    }
    load_ctx_t lc = {hs, err};
    int r = walk_cnb(hs, 1, load_ids_fn, &lc, err);
    if (r != 0) {
        st = r > 0 ? (cnd_status_t)r : CND_E_CORRUPT;
        goto fail;
    }
    free(packs);
    free(resp);
    *out = hs;
    return CND_OK;
fail:
    free(packs);
    free(resp);
    cnd_hoststore_close(hs);
    return st;
}

cnd_status_t cnd_hoststore_open(const char *dir, int create, cnd_hoststore_t **out,
                                cnd_err_t *err)
{
    return open_store(dir, create, NULL, NULL, out, err);
}

cnd_status_t cnd_hoststore_open_checked(const char *dir, cnd_hoststore_report_fn report,
                                        void *ctx, cnd_hoststore_t **out, cnd_err_t *err)
{
    return open_store(dir, 0, report, ctx, out, err);
}

void cnd_hoststore_close(cnd_hoststore_t *hs)
{
    if (hs == NULL)
        return;
    if (hs->lock_fd >= 0)
        close(hs->lock_fd); /* releases the flock */
    for (size_t i = 0; i < hs->n_packs; i++) {
        free(hs->packs[i]->buf);
        free(hs->packs[i]);
    }
    free(hs->packs);
    free(hs->ids);
    free(hs->trusted);
    free(hs->dir);
    pthread_mutex_destroy(&hs->mu);
    free(hs);
}

int cnd_hoststore_has_pack(cnd_hoststore_t *hs, uint32_t fingerprint)
{
    lock(hs);
    int found = find_pack(hs, fingerprint) != NULL;
    unlock(hs);
    return found;
}

static cnd_status_t put_pack_locked(cnd_hoststore_t *hs, const uint8_t *pack, uint32_t len,
                                    cnd_err_t *err)
{
    cnd_pack_t pk;
    cnd_status_t st = len <= CND_MAX_PACK_SIZE ? cnd_pack_open(&pk, pack, len) : CND_E_RANGE;
    if (st != CND_OK) {
        cnd_err_set(err, "survey pack refused (%s); nothing stored", cnd_status_str(st));
        return st;
    }
    if (find_pack(hs, pk.fingerprint) != NULL)
        return CND_OK;
    char why[512];
    if (pack_refusal(hs, &pk, pack, len, why, sizeof why) != NULL) {
        cnd_err_set(err, "%s; nothing stored", why);
        return CND_E_UNTRUSTED;
    }
    /* Trust first, durably, then the pack: a crash in between leaves a
     * trusted office and no pack, which the next sync fetches again. The
     * first pack of a store teaches it its office (trust on first use, as
     * on a blank device); every accepted pack's office is trusted after
     * (a pack signed by the office naming a new one rotates the key). */
    int first = hs->n_trusted == 0;
    if (trust_add(hs, cnd_pack_office_pub(&pk), err) != 0)
        return CND_E_IO;
    if (first) {
        char id[17];
        key_id(cnd_pack_office_p256(&pk), id);
        snprintf(hs->learned, sizeof hs->learned,
                 "store %s now trusts office key %s (from survey pack %08x, the first it "
                 "received); packs signed by any other key will be refused",
                 hs->dir, id, (unsigned)pk.fingerprint);
    }
    char name[16];
    snprintf(name, sizeof name, "%08x.pack", (unsigned)pk.fingerprint);
    char *dir = path_join(hs->dir, "packs");
    uint8_t *copy = malloc(len);
    if (dir == NULL || copy == NULL) {
        free(dir);
        free(copy);
        cnd_err_set(err, "out of memory storing a pack");
        return CND_E_NOSPACE;
    }
    memcpy(copy, pack, len);
    /* 1 = an identical-fingerprint file appeared meanwhile: same CRC-32 over
     * the same validated content, so it is this pack; keep the one on disk. */
    int r = write_new_file(dir, name, copy, len, err);
    free(dir);
    if (r < 0 || add_pack(hs, copy, len, &pk) != 0) {
        if (r >= 0)
            cnd_err_set(err, "out of memory storing a pack");
        free(copy);
        return r < 0 ? CND_E_IO : CND_E_NOSPACE;
    }
    return CND_OK;
}

cnd_status_t cnd_hoststore_put_pack(cnd_hoststore_t *hs, const uint8_t *pack, uint32_t len,
                                    cnd_err_t *err)
{
    lock(hs);
    cnd_status_t st = put_pack_locked(hs, pack, len, err);
    unlock(hs);
    return st;
}

cnd_status_t cnd_hoststore_get_pack(cnd_hoststore_t *hs, uint32_t fingerprint,
                                    const cnd_pack_t **out, cnd_err_t *err)
{
    lock(hs);
    const stored_pack_t *sp = find_pack(hs, fingerprint);
    unlock(hs);
    if (sp == NULL) {
        cnd_err_set(err, "survey pack %08x is not in store %s", (unsigned)fingerprint, hs->dir);
        return CND_E_NOT_FOUND;
    }
    *out = &sp->pk;
    return CND_OK;
}

int cnd_hoststore_has_response(cnd_hoststore_t *hs, const uint8_t id[CND_RESPONSE_ID_LEN])
{
    lock(hs);
    int found = idset_has(hs, id_key(id));
    unlock(hs);
    return found;
}

static int id_ptr_cmp(const void *a, const void *b)
{
    const cnd_sealed_t *ra = *(const cnd_sealed_t *const *)a;
    const cnd_sealed_t *rb = *(const cnd_sealed_t *const *)b;
    return memcmp(ra->id, rb->id, CND_RESPONSE_ID_LEN);
}

/* responses/<fp>/, created durably on first use. */
static char *response_dir(cnd_hoststore_t *hs, uint32_t fp, cnd_err_t *err)
{
    char name[16];
    snprintf(name, sizeof name, "%08x", (unsigned)fp);
    char *rdir = path_join(hs->dir, "responses");
    char *fdir = rdir ? path_join(rdir, name) : NULL;
    if (fdir == NULL) {
        cnd_err_set(err, "out of memory");
    } else if (!is_dir(fdir)) {
        if ((mkdir(fdir, 0700) != 0 && errno != EEXIST) || fsync_dir(rdir) != 0) {
            cnd_err_set(err, "cannot create directory %s: %s", fdir, strerror(errno));
            free(fdir);
            fdir = NULL;
        }
    }
    free(rdir);
    return fdir;
}

/*
 * One file for rs[0..n) (sorted by id, so neither the bytes nor the name
 * carry collection order). Name = CRC-32 of the sorted ids; on the rare
 * clash with a different set, "-1", "-2"... are appended.
 */
static cnd_status_t write_batch_file(const char *fdir, uint32_t fp, const cnd_sealed_t *const *rs,
                                     uint16_t n, cnd_err_t *err)
{
    uint8_t *raw = NULL, *file = NULL;
    size_t raw_len = 0, file_len = 0;
    cnd_status_t st = encode_batch(rs, n, &raw, &raw_len);
    if (st == CND_OK)
        st = build_cnb(fp, n, raw, raw_len, &file, &file_len);
    free(raw);
    if (st != CND_OK) {
        cnd_err_set(err, "cannot encode a batch of responses (%s); nothing stored",
                    cnd_status_str(st));
        return st;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint16_t i = 0; i < n; i++)
        crc = crc32(crc, rs[i]->id, CND_RESPONSE_ID_LEN);
    int r = 1;
    for (unsigned k = 0; r == 1 && k < 1000; k++) {
        char name[32];
        if (k == 0)
            snprintf(name, sizeof name, "%08lx.cnb", (unsigned long)crc);
        else
            snprintf(name, sizeof name, "%08lx-%u.cnb", (unsigned long)crc, k);
        r = write_new_file(fdir, name, file, file_len, err);
    }
    free(file);
    if (r != 0) {
        if (r == 1)
            cnd_err_set(err, "too many name clashes in %s", fdir);
        return CND_E_IO;
    }
    return CND_OK;
}

static cnd_status_t put_responses_locked(cnd_hoststore_t *hs, const cnd_sealed_t *r, size_t n,
                                         size_t *added, cnd_err_t *err)
{
    *added = 0;
    if (n == 0)
        return CND_OK;
    const stored_pack_t *sp = find_pack(hs, r[0].pack_fp);
    if (sp == NULL) {
        cnd_err_set(err, "survey pack %08x is not in store %s; store the pack first",
                    (unsigned)r[0].pack_fp, hs->dir);
        return CND_E_NOT_FOUND;
    }
    const cnd_sealed_t **fresh = malloc(n * sizeof *fresh);
    if (fresh == NULL) {
        cnd_err_set(err, "out of memory storing responses");
        return CND_E_NOSPACE;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        cnd_status_t st = check_response(&sp->pk, &r[i]);
        if (st != CND_OK) {
            free(fresh);
            cnd_err_set(err, "response %zu of %zu does not fit survey pack %08x (%s); nothing "
                        "stored", i + 1, n, (unsigned)sp->fp, cnd_status_str(st));
            return st;
        }
        if (!idset_has(hs, id_key(r[i].id)))
            fresh[m++] = &r[i];
    }
    /* Sorting also puts repeats within this call next to each other. */
    qsort(fresh, m, sizeof *fresh, id_ptr_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || memcmp(fresh[u - 1]->id, fresh[i]->id, CND_RESPONSE_ID_LEN) != 0)
            fresh[u++] = fresh[i];
    cnd_status_t st = CND_OK;
    char *fdir = u > 0 ? response_dir(hs, sp->fp, err) : NULL;
    if (u > 0 && fdir == NULL)
        st = CND_E_IO;
    for (size_t done = 0; st == CND_OK && done < u;) {
        uint16_t k = (uint16_t)(u - done < CND_BATCH_MAX_RESPONSES ? u - done
                                                                     : CND_BATCH_MAX_RESPONSES);
        st = write_batch_file(fdir, sp->fp, fresh + done, k, err);
        if (st != CND_OK)
            break;
        for (uint16_t i = 0; i < k; i++) {
            if (idset_add(hs, id_key(fresh[done + i]->id)) < 0) {
                /* The file is durable; only our memory is short. Reopening
                 * the store reloads the set, so report and stop. */
                cnd_err_set(err, "out of memory after storing responses; reopen the store");
                st = CND_E_NOSPACE;
                break;
            }
        }
        done += k;
        *added += k;
    }
    free(fdir);
    free(fresh);
    return st;
}

cnd_status_t cnd_hoststore_put_responses(cnd_hoststore_t *hs, const cnd_sealed_t *r, size_t n,
                                         size_t *added, cnd_err_t *err)
{
    lock(hs);
    cnd_status_t st = put_responses_locked(hs, r, n, added, err);
    unlock(hs);
    return st;
}

typedef struct {
    cnd_hoststore_visit_fn visit;
    void *ctx;
} each_ctx_t;

static int each_fn(void *ctx, const char *path, const cnd_pack_t *pk, const cnd_sealed_t *rs,
                   uint16_t n)
{
    each_ctx_t *e = ctx;
    (void)path;
    for (uint16_t i = 0; i < n; i++) {
        int r = e->visit(e->ctx, pk, &rs[i]);
        if (r != 0)
            return r;
    }
    return 0;
}

int cnd_hoststore_each(cnd_hoststore_t *hs, cnd_hoststore_visit_fn visit, void *ctx,
                       cnd_err_t *err)
{
    each_ctx_t e = {visit, ctx};
    lock(hs);
    int r = walk_cnb(hs, 0, each_fn, &e, err);
    unlock(hs);
    return r;
}

size_t cnd_hoststore_pack_count(const cnd_hoststore_t *hs)
{
    lock(hs);
    size_t n = hs->n_packs;
    unlock(hs);
    return n;
}

const cnd_pack_t *cnd_hoststore_pack_at(const cnd_hoststore_t *hs, size_t i)
{
    lock(hs);
    const cnd_pack_t *pk = i < hs->n_packs ? &hs->packs[i]->pk : NULL;
    unlock(hs);
    return pk;
}

size_t cnd_hoststore_response_count(const cnd_hoststore_t *hs)
{
    lock(hs);
    size_t n = hs->n_ids + (size_t)hs->has_zero_id;
    unlock(hs);
    return n;
}
