/*
 * bitflip.c: flipped bits in a device's flash image, each booted, synced
 * and checked against what the clean image delivers (issue 12; label
 * bitflip). The REAL store, device sync, host sync client and host store
 * run in one process over an in-process link (loop_transport.h); every flip
 * gets a fresh copy of the image and a fresh host store.
 *
 * The image: two signed survey packs, state entries from several ACKs and
 * two pack commits, and about 110 pending responses in four epochs over a
 * dozen 1 KiB log segments (small blocks make many segment headers and
 * EPOCH entries, the metadata the sweep is about).
 *
 * Per flip it checks:
 * - the device boots (mounts) and a sync completes with nothing pending;
 * - every response the host receives is byte for byte the one the clean
 *   image delivers (a flip never yields a wrong record);
 * - lost responses: a response of the clean image that did not arrive.
 *   A loss with no damage reported is a SILENT loss; more than the one
 *   record the flip hit (any loss for a flip in metadata) is a loss
 *   BEYOND the hit record;
 * - trust (flips in the state, in pack headers, and every 16th other):
 *   a pack signed by another office is refused, and the office's own pack
 *   pushed again is accepted and leaves an active pack that opens;
 * - every 128th flip is also exported with `candor export` (in process):
 *   it must exit 0 and export exactly the responses received. (The other
 *   flips deliver rows identical to the clean image's, which export
 *   opens: the byte comparison above stands for them.)
 *
 * Modes: (none) every bit of every metadata byte and a sample of record
 * bits, >= 10,000 flips (ctest; about 40 CPU-seconds). Under the
 * sanitizers (CND_SANITIZED set by make test-asan, where everything runs
 * about 3 times slower) the same sweep keeps every bit of the superblock,
 * the newest state pair and the pack headers, and every 8th bit of the
 * rest, >= 2,000 flips: the code paths are the same; --all every written bit (make
 * bitflip-all); --soak N SEED N images with 2..8 random flipped bits
 * each (make bitflip-soak; there only silent losses, wrong records and
 * trust count: several hits may cost several records).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>

#include "compile.h"
#include "export.h"
#include "frame.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "loop_transport.h"
#include "answers.h"
#include "pack.h"
#include "ram_flash.h"
#include "record.h"
#include "store.h"
#include "sync.h"
#include "test_hal.h"
#include "test_key.h"
#include "tmp_tree.h"

#define BLOCK 1024u
#define PROG 16u
/* 1 MiB: its slots (1/16 of the chip, SPEC 4.1) hold the default survey.
 * The layout itself is read from the image's superblock (map_image). */
#define BLOCKS 1024u
#define MAX_RESP 256

typedef struct {
    cnd_ram_flash_t rf;
    cnd_test_hal_t th;
    cnd_store_t store;
    cnd_sync_t sync;
} device_t;

typedef struct {
    uint8_t id[CND_RESPONSE_ID_LEN];
    cnd_sealed_t row;
    int got;
} ref_t;

/* what a flip touches */
enum { K_SUPER, K_STATE, K_SEGHDR, K_EPOCH, K_PACKHDR, K_RECORD, K_OTHER };
static const char *const kind_name[] = {"superblock", "state", "segment header", "EPOCH",
                                        "pack header", "record", "other"};

static struct {
    uint8_t packs[3][CND_MAX_PACK_SIZE]; /* A, B (office A), F (office B) */
    size_t pack_len[3];
    uint32_t pack_fp[3];
    cnd_pack_t pk[2];
    uint8_t *image;
    uint8_t kind[BLOCKS * BLOCK];
    int32_t rec_of[BLOCKS * BLOCK]; /* K_RECORD: index into ref, else -1 */
    ref_t ref[MAX_RESP];
    unsigned n_ref;
    uint32_t newest_state; /* offset of the newest state entry pair */
    uint32_t slot_blocks, log_first; /* as the store chose them at format */
    char root[64];
    char template_dir[96];
    char key_path[256];
    unsigned flips, silent, beyond, trust_lost, failures, exports;
} G;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bitflip: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- the device ---- */

static cnd_status_t boot(device_t *d)
{
    cnd_sync_config_t cfg;
    cnd_status_t st;
    d->th.hal.flash = d->rf.flash;
    st = cnd_store_mount(&d->store, &d->th.hal);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &d->store;
    cnd_sync_init(&d->sync, &cfg);
    return st;
}

static void connect(device_t *d, cnd_link_t *l)
{
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&d->sync);
    if (lt == NULL)
        die("out of memory");
    cnd_link_init(l, &lt->base);
}

static cnd_status_t push(device_t *d, int k, cnd_err_t *err)
{
    cnd_link_t l;
    cnd_status_t st;
    connect(d, &l);
    st = cnd_link_push_pack(&l, G.packs[k], (uint32_t)G.pack_len[k], G.pack_fp[k], err);
    cnd_link_close(&l);
    return st;
}

static cnd_status_t sync_into(device_t *d, cnd_hoststore_t *hs, cnd_hostsync_report_t *rep,
                              cnd_err_t *err)
{
    cnd_link_t l;
    cnd_status_t st;
    connect(d, &l);
    st = cnd_hostsync_run(&l, hs, NULL, NULL, rep, err);
    cnd_link_close(&l);
    return st;
}

static void save(device_t *d, int k, unsigned n, uint64_t seed)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        cnd_response_t r;
        cnd_test_random_response(&G.pk[k], seed + i, 0, &r);
        if (cnd_store_append_response(&d->store, &r, &G.pk[k]) != CND_OK)
            die("cannot save response %u of survey %d", i, k);
    }
}

static char *new_store_dir(void)
{
    static char dir[96];
    static unsigned n;
    snprintf(dir, sizeof dir, "%s/s%u", G.root, n++);
    return dir;
}

/* ---- the image ---- */

static int collect_ref(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r)
{
    (void)ctx;
    (void)pack;
    if (G.n_ref == MAX_RESP)
        return 1;
    memcpy(G.ref[G.n_ref].id, r->id, CND_RESPONSE_ID_LEN);
    G.ref[G.n_ref].row = *r;
    G.n_ref++;
    return 0;
}

static int ref_index(const uint8_t *id)
{
    unsigned i;
    for (i = 0; i < G.n_ref; i++)
        if (memcmp(G.ref[i].id, id, CND_RESPONSE_ID_LEN) == 0)
            return (int)i;
    return -1;
}

static void mark(uint32_t from, uint32_t len, uint8_t kind, int32_t rec)
{
    uint32_t i;
    for (i = from; i < from + len && i < BLOCKS * BLOCK; i++) {
        G.kind[i] = kind;
        G.rec_of[i] = rec;
    }
}

static uint32_t padded(uint32_t n)
{
    return (n + PROG - 1) / PROG * PROG;
}

/* Labels every written byte of the image with what it belongs to. */
static void map_image(void)
{
    uint32_t b, off, s, newest_seq = 0;
    int erased;
    memset(G.kind, K_OTHER, sizeof G.kind);
    for (b = 0; b < BLOCKS * BLOCK; b++)
        G.rec_of[b] = -1;
    mark(0, 2 * padded(48), K_SUPER, -1);
    /* SPEC 4.3: blocks per pack slot at offset 32, first log block at 36. */
    G.slot_blocks = cnd_wire_get_u32(G.image + 32);
    G.log_first = cnd_wire_get_u32(G.image + 36);
    if (G.log_first != 3 + 4 * G.slot_blocks || G.log_first + 2 > BLOCKS)
        die("superblock layout: %u blocks per slot, log from block %u", G.slot_blocks,
            G.log_first);
    for (b = 1; b <= 2; b++)
        for (off = 0; off + 64 <= BLOCK; off += 64) {
            const uint8_t *e = G.image + b * BLOCK + off;
            cnd_entry_header_t h;
            erased = cnd_bytes_erased(e, 64);
            if (!erased)
                mark(b * BLOCK + off, 64, K_STATE, -1);
            if (!erased && cnd_entry_header_decode(e, &h) == CND_OK && h.seq >= newest_seq) {
                if (h.seq > newest_seq)
                    G.newest_state = b * BLOCK + off; /* the first copy of the pair */
                newest_seq = h.seq;
            }
        }
    for (s = 0; s < 4; s++)
        if (!cnd_bytes_erased(G.image + (3 + s * G.slot_blocks) * BLOCK, CND_PACK_HEADER_SIZE))
            mark((3 + s * G.slot_blocks) * BLOCK, CND_PACK_HEADER_SIZE, K_PACKHDR, -1);
    for (b = G.log_first; b < BLOCKS; b++) {
        const uint8_t *blk = G.image + b * BLOCK;
        if (cnd_bytes_erased(blk, 2 * PROG))
            continue;
        mark(b * BLOCK, 2 * PROG, K_SEGHDR, -1);
        for (off = 2 * PROG; off + CND_ENTRY_HEADER_LEN <= BLOCK;) {
            cnd_entry_header_t h;
            uint32_t len;
            if (cnd_entry_header_decode(blk + off, &h) != CND_OK)
                break;
            len = padded(CND_ENTRY_HEADER_LEN + h.len);
            if (h.type == CND_ENTRY_EPOCH)
                mark(b * BLOCK + off, len, K_EPOCH, -1);
            else if (h.type == CND_ENTRY_RESPONSE)
                mark(b * BLOCK + off, len, K_RECORD,
                     ref_index(blk + off + CND_ENTRY_HEADER_LEN + 1));
            off += len;
        }
    }
}

static void build_image(void)
{
    device_t d;
    cnd_hoststore_t *hs;
    cnd_hostsync_report_t rep;
    cnd_err_t err = {{0}};
    const char *surveys[3] = {CND_SOURCE_DIR "/surveys/domestic-work.json",
                              CND_SOURCE_DIR "/tests/powerloss/rest-days.json",
                              CND_SOURCE_DIR "/tests/powerloss/rest-days.json"};
    int k;
    for (k = 0; k < 3; k++) {
        if (cnd_compile_file(surveys[k], k < 2 ? cnd_test_office_key() : cnd_test_other_key(),
                             G.packs[k], sizeof G.packs[k], &G.pack_len[k], &err) != CND_OK)
            die("cannot compile %s: %s", surveys[k], err.msg);
        G.pack_fp[k] = cnd_wire_get_u32(G.packs[k] + G.pack_len[k] - 4);
        if (k < 2 && cnd_pack_open(&G.pk[k], G.packs[k], (uint32_t)G.pack_len[k]) != CND_OK)
            die("compiled pack %d does not open", k);
    }
    memset(&d, 0, sizeof d);
    if (cnd_ram_flash_init(&d.rf, BLOCK, BLOCKS, PROG) != CND_OK)
        die("out of memory");
    cnd_test_hal_init(&d.th, &d.rf.flash, 4242, 100);
    if (boot(&d) != CND_OK || push(&d, 0, &err) != CND_OK)
        die("cannot set the device up: %s", err.msg);
    save(&d, 0, 20, 1000);
    /* synced and acknowledged: the state moves, early segments are reclaimed */
    if (cnd_hoststore_open(new_store_dir(), 1, &hs, &err) != CND_OK ||
        sync_into(&d, hs, &rep, &err) != CND_OK)
        die("first sync: %s", err.msg);
    cnd_hoststore_close(hs);
    if (boot(&d) != CND_OK)
        die("reboot");
    save(&d, 0, 40, 2000);
    if (boot(&d) != CND_OK || push(&d, 1, &err) != CND_OK)
        die("push B: %s", err.msg);
    save(&d, 1, 50, 3000);
    if (boot(&d) != CND_OK)
        die("reboot");
    save(&d, 1, 20, 4000);
    G.image = malloc(BLOCKS * BLOCK);
    if (G.image == NULL)
        die("out of memory");
    memcpy(G.image, d.rf.mem, BLOCKS * BLOCK);
    /* the reference: what the clean image delivers */
    if (boot(&d) != CND_OK || cnd_hoststore_open(new_store_dir(), 1, &hs, &err) != CND_OK ||
        sync_into(&d, hs, &rep, &err) != CND_OK ||
        cnd_hoststore_each(hs, collect_ref, NULL, &err) != 0)
        die("reference sync: %s", err.msg);
    cnd_hoststore_close(hs);
    if (G.n_ref < 100 || rep.damaged != 0)
        die("reference image delivers %u responses, %zu damaged", G.n_ref, rep.damaged);
    cnd_ram_flash_free(&d.rf);
    map_image();
    snprintf(G.template_dir, sizeof G.template_dir, "%s", new_store_dir());
    if (cnd_hoststore_open(G.template_dir, 1, &hs, &err) != CND_OK ||
        cnd_hoststore_put_pack(hs, G.packs[0], (uint32_t)G.pack_len[0], &err) != CND_OK ||
        cnd_hoststore_put_pack(hs, G.packs[1], (uint32_t)G.pack_len[1], &err) != CND_OK)
        die("template store: %s", err.msg);
    cnd_hoststore_close(hs);
}

/* ---- one flipped image ---- */

static int visit_got(void *ctx, const cnd_pack_t *pack, const cnd_sealed_t *r)
{
    int i = ref_index(r->id);
    unsigned *wrong = ctx;
    (void)pack;
    if (i < 0 || memcmp(&G.ref[i].row, r, sizeof *r) != 0)
        (*wrong)++;
    else
        G.ref[i].got = 1;
    return 0;
}

static int export_count(const char *dir, unsigned *n)
{
    char out[128], cap[128], line[256];
    char *argv[8];
    int argc = 0, rc, saved, fd;
    FILE *fp;
    snprintf(out, sizeof out, "%s/export.json", dir);
    snprintf(cap, sizeof cap, "%s.stdout", dir);
    argv[argc++] = (char *)"export";
    argv[argc++] = (char *)dir;
    argv[argc++] = (char *)"-o";
    argv[argc++] = out;
    argv[argc++] = (char *)"--key";
    argv[argc++] = G.key_path;
    argv[argc] = NULL;
    fflush(stdout);
    saved = dup(1);
    fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0)
        die("cannot capture stdout");
    dup2(fd, 1);
    close(fd);
    rc = cnd_cmd_export(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    *n = 0;
    fp = fopen(cap, "r");
    if (fp != NULL && fgets(line, sizeof line, fp) != NULL)
        sscanf(line, "exported %u", n);
    if (fp != NULL)
        fclose(fp);
    unlink(cap);
    return rc;
}

/* Copies a store directory (files and one level of subdirectories). */
static void copy_tree(const char *from, const char *to)
{
    DIR *dp = opendir(from);
    struct dirent *e;
    if (dp == NULL || mkdir(to, 0700) != 0)
        die("cannot copy %s to %s", from, to);
    while ((e = readdir(dp)) != NULL) {
        char a[512], b[512];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        if (stat(a, &st) != 0)
            die("cannot stat %s", a);
        if (S_ISDIR(st.st_mode)) {
            copy_tree(a, b);
        } else {
            static uint8_t buf[1 << 16];
            int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_EXCL, 0600);
            ssize_t n;
            if (in < 0 || out < 0)
                die("cannot copy %s", a);
            while ((n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)n) != n)
                    die("cannot copy %s", a);
            close(in);
            close(out);
        }
    }
    closedir(dp);
}

static void problem(const char *what, uint32_t byte, int bit)
{
    G.failures++;
    if (G.failures <= 20)
        fprintf(stderr, "bitflip: byte %u (%s) bit %d: %s\n", (unsigned)byte,
                kind_name[G.kind[byte]], bit, what);
}

/* Boots, syncs (and maybe exports) the image as it now is in d; for a
 * single flip at (byte, bit) checks containment too. */
static void check_image(device_t *d, uint32_t byte, int bit, int single, int trust, int exp)
{
    cnd_hoststore_t *hs;
    cnd_hostsync_report_t rep;
    cnd_err_t err = {{0}};
    const char *dir = new_store_dir();
    unsigned i, lost = 0, wrong = 0, lost_other = 0;
    cnd_status_t st;

    for (i = 0; i < G.n_ref; i++)
        G.ref[i].got = 0;
    G.flips++;
    if ((st = boot(d)) != CND_OK) {
        problem("device does not boot", byte, bit);
        return;
    }
    /* the office's store already holds its packs (it compiled them) and
     * trusts its office: a copy of the template made once */
    copy_tree(G.template_dir, dir);
    if (cnd_hoststore_open(dir, 0, &hs, &err) != CND_OK)
        die("store: %s", err.msg);
    st = sync_into(d, hs, &rep, &err);
    if (st != CND_OK || rep.pending_after != 0) {
        char m[600];
        snprintf(m, sizeof m, "sync failed: %s", st != CND_OK ? err.msg : "responses left");
        problem(m, byte, bit);
    }
    if (cnd_hoststore_each(hs, visit_got, &wrong, &err) != 0)
        problem("store does not read back", byte, bit);
    cnd_hoststore_close(hs);
    if (wrong > 0)
        problem("a delivered response differs from the clean image's", byte, bit);
    for (i = 0; i < G.n_ref; i++)
        if (!G.ref[i].got) {
            lost++;
            if (!single || G.kind[byte] != K_RECORD || G.rec_of[byte] != (int32_t)i)
                lost_other++;
        }
    if (lost > 0 && rep.damaged == 0) {
        G.silent++;
        problem("responses lost and no damage reported", byte, bit);
    }
    if (single && lost_other > 0) {
        G.beyond++;
        problem("lost more than the record the flip hit", byte, bit);
    }
    if (exp) {
        unsigned n = 0;
        G.exports++;
        if (export_count(dir, &n) != 0 || n != G.n_ref - lost)
            problem("export does not match what was received", byte, bit);
    }
    cnd_test_remove_tree(dir);
    if (trust) {
        static uint8_t buf[CND_MAX_PACK_SIZE];
        cnd_pack_t pk;
        const char *why = NULL;
        /* a stranger's pack is refused ... */
        if (push(d, 2, &err) == CND_OK)
            why = "a pack signed by another office was accepted";
        /* ... and the office can still install (or repair) its own */
        else if (err.msg[0] = '\0', push(d, 1, &err) != CND_OK)
            why = err.msg;
        else if (cnd_store_open_active_pack(&d->store, buf, sizeof buf, &pk) != CND_OK ||
                 pk.fingerprint != G.pack_fp[1])
            why = "the office's own pack, pushed again, is not active and sound";
        if (why != NULL) {
            char m[600];
            G.trust_lost++;
            snprintf(m, sizeof m, "trust lost: %s", why);
            problem(m, byte, bit);
        }
    }
}

static void flip_one(device_t *d, uint32_t byte, int bit, int trust)
{
    memcpy(d->rf.mem, G.image, BLOCKS * BLOCK);
    d->rf.mem[byte] ^= (uint8_t)(1u << bit);
    check_image(d, byte, bit, 1, trust, G.flips % 128 == 0);
}

static int written(uint32_t byte)
{
    uint32_t unit = byte / PROG * PROG;
    return !cnd_bytes_erased(G.image + unit, PROG);
}

int main(int argc, char **argv)
{
    device_t d;
    uint32_t byte, soak = 0, seed = 1, state_end;
    int all = 0, bit, san = getenv("CND_SANITIZED") != NULL;
    unsigned rec_sample = 0, meta_n = 0;

    if (argc > 1 && strcmp(argv[1], "--all") == 0)
        all = 1;
    else if (argc > 3 && strcmp(argv[1], "--soak") == 0) {
        soak = (uint32_t)strtoul(argv[2], NULL, 10);
        seed = (uint32_t)strtoul(argv[3], NULL, 10);
    } else if (argc > 1)
        die("usage: bitflip [--all | --soak N SEED]");
    snprintf(G.key_path, sizeof G.key_path, "%s/test-office.key", CND_BINARY_DIR);
    snprintf(G.root, sizeof G.root, "%s/cnd-bitflip-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (mkdtemp(G.root) == NULL)
        die("cannot make a temporary directory");
    build_image();
    memset(&d, 0, sizeof d);
    if (cnd_ram_flash_init(&d.rf, BLOCK, BLOCKS, PROG) != CND_OK)
        die("out of memory");
    cnd_test_hal_init(&d.th, &d.rf.flash, 777, 100);
    state_end = G.newest_state + 2 * 64;

    if (soak > 0) {
        uint32_t rng = seed ? seed : 1, k;
        for (k = 0; k < soak; k++) {
            uint8_t r[4];
            unsigned n, j;
            memcpy(d.rf.mem, G.image, BLOCKS * BLOCK);
            cnd_test_xorshift_fill(&rng, r, 1);
            n = 2 + r[0] % 7;
            for (j = 0; j < n; j++) {
                do {
                    cnd_test_xorshift_fill(&rng, r, 4);
                    byte = (r[0] | (uint32_t)r[1] << 8 | (uint32_t)r[2] << 16) % (BLOCKS * BLOCK);
                } while (!written(byte));
                d.rf.mem[byte] ^= (uint8_t)(1u << (r[3] & 7));
            }
            check_image(&d, byte, r[3] & 7, 0, k % 8 == 0, k % 64 == 0);
        }
    } else {
        for (byte = 0; byte < BLOCKS * BLOCK; byte++) {
            int meta = G.kind[byte] != K_RECORD && G.kind[byte] != K_OTHER;
            int trust = G.kind[byte] == K_PACKHDR ||
                        (byte >= G.newest_state && byte < state_end);
            if (!written(byte))
                continue;
            for (bit = 0; bit < 8; bit++) {
                if (all || (meta && (!san || trust || G.kind[byte] == K_SUPER ||
                                     meta_n++ % 8 == 0))) {
                    flip_one(&d, byte, bit, trust || (all ? 0 : G.flips % 16 == 0));
                } else if (G.kind[byte] == K_RECORD && rec_sample++ % (san ? 97 : 13) == 0) {
                    flip_one(&d, byte, bit, G.flips % 16 == 0);
                }
            }
        }
    }
    cnd_ram_flash_free(&d.rf);
    cnd_test_remove_tree(G.root);
    printf("bitflip: %u flips, %u silent losses, %u lost beyond the hit record, %u trust lost\n",
           G.flips, G.silent, G.beyond, G.trust_lost);
    if (G.failures > 0)
        fprintf(stderr, "bitflip: %u problems (first 20 shown above), %u exports\n", G.failures,
                G.exports);
    return G.failures == 0 && G.flips >= (soak ? soak : san ? 2000u : 10000u) ? 0 : 1;
}
