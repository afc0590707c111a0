/*
 * workload.c: `candor-workload`, the reference workload of the benchmarks
 * (issue 7, docs/BENCHMARKS.md). Every figure it prints comes from the
 * production code paths:
 *   - responses are committed by the real store (cnd_store_append_response,
 *     read-back verified) on a RAM NOR flash of the reference geometry, or,
 *     with --engine, typed into the real interview engine key by key, which
 *     commits them itself;
 *   - they are synced by the real device sync (firmware/core/sync.c: batches,
 *     deflate) talking to the real host sync client (cnd_hostsync_run) into a
 *     real host store, through an in-process transport that counts every
 *     byte of every frame in both directions. When the flash fills, a sync
 *     makes room, as a coordinator would.
 *
 * Usage:
 *   candor-workload [--n N] [--seed S] [--survey FILE] [--probabilities TSV]
 *                   [--store DIR] [--rows FILE] [--engine] [--fill]
 *                   [--blocks B] [--slot-kib K] [--sim-image FILE [--first K]]
 * Prints one JSON object (figures) on stdout.
 *   --store DIR   host store the sync writes into (default: a temp dir, removed)
 *   --rows FILE   also write the plain row-wise binary encoding of the N
 *                 responses: id 8, day u16 LE, lang u8, then one cell per
 *                 item in the batch cell code (formats/SPEC.md section 7)
 *   --engine      drive the interview engine with keys instead of appending
 *   --fill        append until the flash refuses (no sync): how many fit
 *   --blocks B    4 KiB blocks of the device flash (default 2048 = 8 MiB)
 *   --slot-kib K  pack slots of K KiB instead of the ones the format
 *                 chooses (SPEC 4.1), as on a chip another firmware
 *                 formatted: 32 = every chip before packs grew
 *   --sim-image   write responses K .. K+N-1 of the stream into a flash image
 *                 of the simulator's geometry (1 MiB) with the pack installed,
 *                 for `candor-sim --flash FILE`; no sync
 *
 * Never: part of the firmware or of `candor`. Host only; allocates freely.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compile.h"
#include "engine.h"
#include "flash_file.h"
#include "frame.h"
#include "gen.h"
#include "open_sealed.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "loop_transport.h"
#include "ram_flash.h"
#include "store.h"
#include "sync.h"
#include "tmp_tree.h"
#include "test_key.h"

#ifndef CND_SOURCE_DIR
#define CND_SOURCE_DIR "."
#endif

typedef struct {
    /* options */
    uint64_t n, seed, first;
    const char *survey, *probs, *store_dir, *rows_path, *sim_image;
    int engine, fill;
    uint32_t blocks;
    uint32_t slot_kib; /* --slot-kib, 0 = the format's choice */
    /* device */
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    cnd_sync_t dev;
    cnd_engine_t eng;
    uint8_t pack_buf[CND_MAX_PACK_SIZE];
    cnd_pack_t dev_pk;
    uint8_t next_id[CND_RESPONSE_ID_LEN];
    uint16_t today;
    uint32_t verify_cursor; /* store cursor of the next saved response (engine mode) */
    /* host */
    uint8_t pack[CND_MAX_PACK_SIZE];
    size_t pack_len;
    cnd_pack_t pk;
    cnd_hoststore_t *hs;
    char tmp_dir[64];
    /* figures */
    uint64_t wire_bytes, wire_by_req[256], frames_by_req[256];
    uint64_t syncs, batches, added, keys, saves;
    uint64_t full_at;          /* responses pending when the flash first refused */
    uint32_t full_bytes_used;  /* bytes_used then */
    uint64_t row_bytes;
    uint64_t plain_bytes; /* sealed plaintext (record body from the day on) of every save */
} wl_t;

static wl_t W;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "candor-workload: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void check(cnd_status_t st, const char *what)
{
    if (st != CND_OK)
        die(what, cnd_status_str(st));
}

/* ---- device HAL: the id and day come from the generator ---- */

static cnd_status_t wl_random(void *ctx, uint8_t *buf, uint32_t n)
{
    wl_t *w = ctx;
    uint32_t i;
    /* Seeded from the workload's seed and first response, so the run repeats
     * byte for byte while each simulator image of a multi-image run (a
     * device boot) draws its own epoch key, as a TRNG would. */
    static uint32_t x;
    if (x == 0)
        x = (uint32_t)(w->seed * 2654435761u) ^ (uint32_t)(w->first * 40503u) ^ 0x9E3779B9u;
    if (n == sizeof w->next_id) { /* a response id (and the store's device id) */
        memcpy(buf, w->next_id, n);
        return CND_OK;
    }
    for (i = 0; i < n; i++) { /* the sealing epoch's ephemeral key */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    return CND_OK;
}

static uint16_t wl_today(void *ctx)
{
    return ((wl_t *)ctx)->today;
}

static int wl_busy(void *ctx)
{
    return cnd_engine_busy(&((wl_t *)ctx)->eng);
}

static void wl_activated(void *ctx)
{
    (void)ctx;
}

/* ---- a transport that counts the bytes of every frame both ways ---- */

typedef struct {
    cnd_transport_t base;
    cnd_loop_transport_t *inner;
    uint8_t last_req;
} count_transport_t;

static cnd_status_t count_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int ms)
{
    count_transport_t *c = (count_transport_t *)t;
    cnd_status_t st = c->inner->base.send(&c->inner->base, buf, n, ms);
    if (st == CND_OK) {
        c->last_req = n >= 4 ? buf[3] : 0; /* the link sends one whole frame per call */
        W.wire_bytes += n;
        W.wire_by_req[c->last_req] += n;
        W.frames_by_req[c->last_req]++;
    }
    return st;
}

static cnd_status_t count_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got, int ms)
{
    count_transport_t *c = (count_transport_t *)t;
    cnd_status_t st = c->inner->base.recv(&c->inner->base, buf, cap, got, ms);
    if (st == CND_OK) {
        W.wire_bytes += *got;
        W.wire_by_req[c->last_req] += *got; /* replies count with their request */
    }
    return st;
}

static void count_close(cnd_transport_t *t)
{
    count_transport_t *c = (count_transport_t *)t;
    c->inner->base.close(&c->inner->base);
    free(c);
}

static void link_to_device(cnd_link_t *l, int counted)
{
    cnd_loop_transport_t *lt = cnd_loop_transport_new(&W.dev);
    count_transport_t *c;
    if (lt == NULL)
        die("out of memory", NULL);
    if (!counted) {
        cnd_link_init(l, &lt->base);
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL)
        die("out of memory", NULL);
    c->inner = lt;
    memcpy(c->base.name, lt->base.name, sizeof c->base.name);
    c->base.send = count_send;
    c->base.recv = count_recv;
    c->base.close = count_close;
    cnd_link_init(l, &c->base);
}

/* One `candor sync`: everything pending goes to the host store. */
static void sync_all(void)
{
    cnd_link_t l;
    cnd_hostsync_report_t rep;
    cnd_err_t err;
    cnd_status_t st;
    link_to_device(&l, 1);
    memset(&rep, 0, sizeof rep);
    st = cnd_hostsync_run(&l, W.hs, NULL, NULL, &rep, &err);
    cnd_link_close(&l);
    if (st != CND_OK)
        die("sync failed", err.msg);
    if (rep.already != 0 || rep.pending_after != 0)
        die("sync left responses behind or saw duplicates", NULL);
    W.verify_cursor = 0; /* an ACK invalidates store cursors */
    W.syncs++;
    W.batches += rep.batches;
    W.added += rep.added;
}

/* ---- device setup ---- */

/* Rewrites both superblock copies (SPEC 4.3) with slot_blocks per pack
 * slot, as a format that chose them would have written it; the store
 * honours the recorded layout at the next mount. */
static void rewrite_slots(uint32_t slot_blocks)
{
    uint8_t *sb = W.rf.mem;
    uint32_t log_first = 3 + CND_MAX_SURVEYS * slot_blocks, crc;
    if (slot_blocks == 0 || log_first + 2 > W.rf.flash.block_count)
        die("--slot-kib: no room for four such slots and a log", NULL);
    cnd_wire_put_u32(sb + 32, slot_blocks);
    cnd_wire_put_u32(sb + 36, log_first);
    cnd_wire_put_u32(sb + 40, W.rf.flash.block_count - log_first);
    crc = (uint32_t)crc32(0L, sb, 44);
    cnd_wire_put_u32(sb + 44, crc);
    memcpy(sb + 48, sb, 48); /* the second copy, at ceil(48/P)*P = 48 */
}

static void boot_device(uint32_t blocks)
{
    cnd_sync_config_t cfg;
    cnd_link_t l;
    cnd_err_t err;
    uint32_t len = 0;
    check(cnd_ram_flash_init(&W.rf, 4096, blocks, 16), "flash init");
    W.hal.flash = W.rf.flash;
    W.hal.ctx = &W;
    W.hal.random = wl_random;
    W.hal.today = wl_today;
    check(cnd_store_mount(&W.store, &W.hal), "store mount");
    if (W.slot_kib != 0) {
        rewrite_slots((W.slot_kib * 1024u + 4095u) / 4096u);
        check(cnd_store_mount(&W.store, &W.hal), "store mount with --slot-kib");
    }
    cnd_store_set_pack_buffer(&W.store, W.pack_buf, sizeof W.pack_buf);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &W.store;
    cfg.ctx = &W;
    cfg.busy = wl_busy;
    cfg.pack_activated = wl_activated;
    cnd_sync_init(&W.dev, &cfg);
    cnd_engine_init(&W.eng, &W.store, &W.hal, NULL);
    /* `candor push`, over the same protocol (not counted: done once per survey). */
    link_to_device(&l, 0);
    if (cnd_link_push_pack(&l, W.pack, (uint32_t)W.pack_len, W.pk.fingerprint, &err) != CND_OK)
        die("push failed", err.msg);
    cnd_link_close(&l);
    check(cnd_store_active_pack(&W.store, W.pack_buf, sizeof W.pack_buf, &len), "active pack");
    check(cnd_pack_open(&W.dev_pk, W.pack_buf, len), "open pack");
    cnd_engine_set_pack(&W.eng, &W.dev_pk);
}

/* ---- the interviewer's keys for one generated response ---- */

static const cnd_screen_t *key(cnd_key_t k)
{
    W.keys++;
    cnd_engine_key(&W.eng, k);
    return cnd_engine_screen(&W.eng);
}

static const cnd_screen_t *move_to(uint8_t target)
{
    const cnd_screen_t *s = cnd_engine_screen(&W.eng);
    if (s->cursor == CND_CURSOR_NONE)
        s = key(CND_KEY_DOWN); /* nothing is highlighted until the first key */
    while (s->cursor < target)
        s = key(CND_KEY_DOWN);
    while (s->cursor > target)
        s = key(CND_KEY_UP);
    if (s->cursor != target)
        die("engine cursor does not reach the wanted option", NULL);
    return s;
}

static void answer_item(const cnd_response_t *r, const cnd_screen_t *s)
{
    cnd_item_t it;
    const cnd_answer_t *a = &r->answers[s->item];
    uint8_t pna = 0;
    check(cnd_pack_item(&W.dev_pk, s->item, &it), "item");
    pna = (it.flags & CND_ITEM_F_PNA) ? 1 : 0;
    if (a->state == CND_ANS_NONE && it.kind != CND_ITEM_INFO)
        die("engine asks an item the generator's relevance skipped", NULL);
    switch (it.kind) {
    case CND_ITEM_SINGLE:
        move_to(a->state == CND_ANS_PNA ? it.n_choices : (uint8_t)a->value);
        key(CND_KEY_OK);
        break;
    case CND_ITEM_YESNO:
        move_to(a->state == CND_ANS_PNA ? 2 : (uint8_t)a->value); /* no, yes */
        key(CND_KEY_OK);
        break;
    case CND_ITEM_MULTI:
        if (a->state == CND_ANS_PNA) {
            move_to(it.n_choices);
            key(CND_KEY_OK);
            break;
        }
        {
            uint8_t c;
            for (c = 0; c < it.n_choices; c++) {
                if ((uint32_t)a->value & (1u << c)) {
                    move_to(c);
                    key(CND_KEY_OK);
                }
            }
        }
        move_to((uint8_t)(it.n_choices + pna));
        key(CND_KEY_OK);
        break;
    case CND_ITEM_INTEGER:
        if (a->state == CND_ANS_PNA) {
            move_to(2);
            key(CND_KEY_OK);
            break;
        }
        move_to(0);
        s = key(CND_KEY_OK);
        while (s->number < a->value)
            s = key(CND_KEY_UP);
        while (s->number > a->value)
            s = key(CND_KEY_DOWN);
        key(CND_KEY_OK);
        move_to(1);
        key(CND_KEY_OK);
        break;
    default:
        key(CND_KEY_OK);
        break;
    }
}

/* The bytes the store sealed for r: its record body (formats/SPEC.md 3.3)
 * from the day on, what ciphertext and flash carry besides fixed headers. */
static void count_plain(const cnd_response_t *r)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    size_t len = 0;
    check(cnd_record_encode(r, &W.pk, body, sizeof body, &len), "encode");
    W.plain_bytes += len - CND_SEALED_CLEAR_OF_RECORD;
}

static void interview(const cnd_response_t *r)
{
    const cnd_screen_t *s = cnd_engine_screen(&W.eng);
    uint32_t seq = 0;
    cnd_response_t back;
    static cnd_sealed_t sealed;
    unsigned guard = 0;

    memcpy(W.next_id, r->id, sizeof W.next_id);
    W.today = r->day;
    if (s->kind != CND_SCREEN_HOME)
        die("engine not at HOME before an interview", NULL);
    s = key(CND_KEY_OK); /* Start */
    if (s->kind == CND_SCREEN_LANGUAGE) {
        move_to(r->lang);
        s = key(CND_KEY_OK);
    }
    cnd_engine_consent_seen(&W.eng); /* as a port does once its end is shown */
    s = move_to(0);
    s = key(CND_KEY_OK); /* Agree */
    while ((s->kind == CND_SCREEN_ITEM || s->kind == CND_SCREEN_HANDOVER ||
            s->kind == CND_SCREEN_HANDBACK) &&
           guard++ < 4 * CND_MAX_ITEMS) {
        if (s->kind == CND_SCREEN_ITEM)
            answer_item(r, s);
        else
            key(CND_KEY_OK); /* hand-over mode: pass the device over / back */
        s = cnd_engine_screen(&W.eng);
    }
    if (s->kind != CND_SCREEN_REVIEW)
        die("engine did not reach REVIEW", NULL);
    while (s->lang != r->lang)
        s = key(CND_KEY_LANG);
    move_to(0);
    s = key(CND_KEY_OK); /* Save */
    while (s->kind == CND_SCREEN_SAVE_FAILED) {
        if (s->save_status != CND_E_NOSPACE)
            die("save failed", cnd_status_str((cnd_status_t)s->save_status));
        if (W.full_at == 0) {
            W.full_at = cnd_store_pending_count(&W.store);
            W.full_bytes_used = cnd_store_bytes_used(&W.store);
        }
        sync_all();
        move_to(0);
        s = key(CND_KEY_OK);
    }
    if (s->kind != CND_SCREEN_SAVED)
        die("engine did not save", NULL);
    count_plain(r);
    W.saves++;
    s = key(CND_KEY_OK); /* -> REFERRAL */
    s = key(CND_KEY_OK); /* -> HOME */
    /* The engine saved exactly what the generator drew (the newest pending). */
    if (cnd_store_next_pending(&W.store, &W.verify_cursor, &seq, &sealed) != CND_OK)
        die("the saved response is not pending on the device", NULL);
    /* It is sealed: only the office key (the test key) opens it. */
    if (cnd_test_open(&sealed, &W.pk, 1, &back) != NULL)
        die("the saved response does not open with the office key", NULL);
    if (memcmp(back.id, r->id, sizeof r->id) != 0 || back.day != r->day ||
        back.lang != r->lang || memcmp(back.answers, r->answers, sizeof r->answers) != 0)
        die("the engine saved something other than the generated response", NULL);
}

/* ---- direct commits ---- */

static void commit(const cnd_response_t *r)
{
    cnd_status_t st = cnd_store_append_response(&W.store, r, &W.pk);
    if (st == CND_E_NOSPACE) {
        if (W.full_at == 0) {
            W.full_at = cnd_store_pending_count(&W.store);
            W.full_bytes_used = cnd_store_bytes_used(&W.store);
        }
        if (W.fill)
            return;
        if (W.hs == NULL) /* --sim-image: no host to sync to */
            die("the simulator image is full; load fewer responses per image", NULL);
        sync_all();
        st = cnd_store_append_response(&W.store, r, &W.pk);
    }
    check(st, "commit");
    count_plain(r);
    W.saves++;
}

/* ---- row-wise reference encoding ---- */

static void put_row(FILE *f, const cnd_response_t *r)
{
    uint8_t b[16 + CND_MAX_ITEMS * 6];
    size_t n = 0;
    uint8_t i;
    memcpy(b, r->id, 8);
    b[8] = (uint8_t)r->day;
    b[9] = (uint8_t)(r->day >> 8);
    b[10] = r->lang;
    n = 11;
    for (i = 0; i < r->n_answers; i++) {
        const cnd_answer_t *a = &r->answers[i];
        if (a->state != CND_ANS_VALUE)
            b[n++] = a->state; /* 0 NONE, 1 PNA */
        else if (a->value >= 0 && a->value <= 252)
            b[n++] = (uint8_t)(a->value + 2);
        else {
            uint32_t z = ((uint32_t)a->value << 1) ^ (0u - ((uint32_t)a->value >> 31));
            b[n++] = 0xFF;
            while (z >= 0x80) {
                b[n++] = (uint8_t)(z | 0x80);
                z >>= 7;
            }
            b[n++] = (uint8_t)z;
        }
    }
    if (fwrite(b, 1, n, f) != n)
        die("cannot write the rows file", strerror(errno));
    W.row_bytes += n;
}

/* ---- options, output ---- */

static void parse_args(int argc, char **argv)
{
    int i;
    W.n = 10000;
    W.seed = 20240304;
    W.blocks = 2048;
    W.survey = CND_SOURCE_DIR "/surveys/domestic-work.json";
    W.probs = CND_SOURCE_DIR "/tools/workload/probabilities.tsv";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--engine") == 0) {
            W.engine = 1;
            takes = 0;
        } else if (strcmp(a, "--fill") == 0) {
            W.fill = 1;
            takes = 0;
        } else if (v == NULL) {
            die("option needs a value or is unknown; see the usage in tools/workload/workload.c",
                a);
        } else if (strcmp(a, "--n") == 0)
            W.n = strtoull(v, NULL, 10);
        else if (strcmp(a, "--seed") == 0)
            W.seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--first") == 0)
            W.first = strtoull(v, NULL, 10);
        else if (strcmp(a, "--blocks") == 0)
            W.blocks = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--slot-kib") == 0)
            W.slot_kib = (uint32_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--survey") == 0)
            W.survey = v;
        else if (strcmp(a, "--probabilities") == 0)
            W.probs = v;
        else if (strcmp(a, "--store") == 0)
            W.store_dir = v;
        else if (strcmp(a, "--rows") == 0)
            W.rows_path = v;
        else if (strcmp(a, "--sim-image") == 0)
            W.sim_image = v;
        else
            die("unknown option; see the usage in tools/workload/workload.c", a);
        i += takes;
    }
    if (W.n == 0)
        die("--n must be at least 1", NULL);
}

static void write_image(const char *path)
{
    char tmp[4096];
    FILE *f;
    size_t size = (size_t)W.rf.flash.block_size * W.rf.flash.block_count;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL || fwrite(W.rf.mem, 1, size, f) != size || fclose(f) != 0)
        die("cannot write the flash image", strerror(errno));
    if (rename(tmp, path) != 0)
        die("cannot rename the flash image", strerror(errno));
}

/* Packs are signed: with $CANDOR_KEY when set (the office key the bench
 * scripts compile and push with, so a device accepts both), else with the
 * fixed test key. */
static const cnd_office_key_t *workload_key(void)
{
    static cnd_office_key_t key;
    const char *path = getenv("CANDOR_KEY");
    char msg[512];
    if (path == NULL || path[0] == '\0')
        return cnd_test_office_key();
    if (cnd_key_load(path, NULL, &key, msg, sizeof msg) != 0)
        die("cannot load $CANDOR_KEY", msg);
    return &key;
}

int main(int argc, char **argv)
{
    static gen_t g;
    cnd_err_t err;
    char msg[256];
    gen_entropy_t e;
    cnd_response_t r;
    uint64_t i, n_total;
    FILE *rows = NULL;
    uint32_t used_before_sync = 0;
    uint64_t pending_before_sync = 0;
    int sim = 0;

    parse_args(argc, argv);
    sim = W.sim_image != NULL;
    if (cnd_compile_file(W.survey, workload_key(), W.pack, sizeof W.pack, &W.pack_len, &err) !=
        CND_OK)
        die("cannot compile the survey", err.msg);
    check(cnd_pack_open(&W.pk, W.pack, (uint32_t)W.pack_len), "open pack");
    if (gen_load(&g, &W.pk, W.probs, msg, sizeof msg) != 0)
        die(msg, NULL);
    /* The stream is defined for first+n responses, so slices of it agree. */
    n_total = W.first + W.n;
    gen_start(&g, W.seed, sim ? n_total : W.n);
    gen_entropy(&g, &e);

    if (!sim) {
        if (W.store_dir == NULL) {
            strcpy(W.tmp_dir, "/tmp/cnd-workload-XXXXXX");
            if (mkdtemp(W.tmp_dir) == NULL)
                die("cannot make a temp dir", strerror(errno));
            W.store_dir = W.tmp_dir;
        }
        if (cnd_hoststore_open(W.store_dir, 1, &W.hs, &err) != CND_OK)
            die("cannot open the host store", err.msg);
    }
    boot_device(sim ? CND_FLASH_FILE_BLOCK_COUNT : W.blocks);
    if (W.rows_path && (rows = fopen(W.rows_path, "wb")) == NULL)
        die("cannot create the rows file", strerror(errno));

    for (i = 0; i < n_total; i++) {
        gen_next(&g, &r);
        if (i < W.first)
            continue;
        if (rows)
            put_row(rows, &r);
        if (W.engine)
            interview(&r);
        else
            commit(&r);
        if (W.fill && W.full_at)
            break;
        if (sim && W.full_at)
            die("the simulator's flash is full; use a smaller --n", NULL);
    }
    if (W.fill && !W.full_at)
        die("--fill: the flash never filled; raise --n", NULL);
    if (rows && fclose(rows) != 0)
        die("cannot write the rows file", strerror(errno));
    used_before_sync = cnd_store_bytes_used(&W.store);
    pending_before_sync = cnd_store_pending_count(&W.store);
    if (sim) {
        write_image(W.sim_image);
    } else if (!W.fill) {
        sync_all();
        if (W.added != W.n)
            die("the host store did not receive every response", NULL);
    }

    printf("{\n  \"n\": %llu, \"seed\": %llu, \"mode\": \"%s\",\n",
           (unsigned long long)W.n, (unsigned long long)W.seed,
           sim ? "sim-image" : W.fill ? "fill" : W.engine ? "engine" : "direct");
    printf("  \"entropy_bits\": {\"id\": %.4f, \"lang\": %.4f, \"day\": %.4f, \"answers\": %.4f, "
           "\"total\": %.4f},\n",
           e.id_bits, e.lang_bits, e.day_bits, e.answer_bits, e.total_bits);
    printf("  \"entropy_bytes_per_response\": %.4f,\n", e.total_bits / 8.0);
    printf("  \"flash\": {\"block_size\": %u, \"blocks\": %u, \"prog_size\": %u, "
           "\"slot_bytes\": %u, \"log_bytes\": %u, \"full_at\": %llu, \"bytes_used_when_full\": %u, "
           "\"bytes_used_before_sync\": %u, \"pending_before_sync\": %llu, "
           "\"sealed_plaintext_bytes_per_response\": %.4f},\n",
           W.rf.flash.block_size, W.rf.flash.block_count, W.rf.flash.prog_size,
           W.store.slot_blocks * W.store.block_size, W.store.log_blocks * W.store.block_size, (unsigned long long)W.full_at,
           W.full_bytes_used, used_before_sync, (unsigned long long)pending_before_sync,
           W.saves ? (double)W.plain_bytes / (double)W.saves : 0.0);
    printf("  \"sync\": {\"wire_bytes\": %llu, \"syncs\": %llu, \"batches\": %llu, "
           "\"added\": %llu,\n",
           (unsigned long long)W.wire_bytes, (unsigned long long)W.syncs,
           (unsigned long long)W.batches, (unsigned long long)W.added);
    printf("    \"bytes_by_request\": {\"HELLO\": %llu, \"GET_PACK\": %llu, \"PULL_BEGIN\": %llu, "
           "\"PULL_DATA\": %llu, \"ACK\": %llu},\n",
           (unsigned long long)W.wire_by_req[CND_MSG_HELLO],
           (unsigned long long)W.wire_by_req[CND_MSG_GET_PACK],
           (unsigned long long)W.wire_by_req[CND_MSG_PULL_BEGIN],
           (unsigned long long)W.wire_by_req[CND_MSG_PULL_DATA],
           (unsigned long long)W.wire_by_req[CND_MSG_ACK]);
    printf("    \"frames_by_request\": {\"HELLO\": %llu, \"GET_PACK\": %llu, \"PULL_BEGIN\": %llu, "
           "\"PULL_DATA\": %llu, \"ACK\": %llu}},\n",
           (unsigned long long)W.frames_by_req[CND_MSG_HELLO],
           (unsigned long long)W.frames_by_req[CND_MSG_GET_PACK],
           (unsigned long long)W.frames_by_req[CND_MSG_PULL_BEGIN],
           (unsigned long long)W.frames_by_req[CND_MSG_PULL_DATA],
           (unsigned long long)W.frames_by_req[CND_MSG_ACK]);
    printf("  \"ram\": {\"sizeof_cnd_sync_t\": %zu, \"sizeof_cnd_store_t\": %zu, "
           "\"sizeof_cnd_engine_t\": %zu, \"sizeof_cnd_batch_encoder_t\": %zu, "
           "\"sync_reply_buffer\": %d},\n",
           sizeof(cnd_sync_t), sizeof(cnd_store_t), sizeof(cnd_engine_t),
           sizeof(cnd_batch_encoder_t), CND_SYNC_REPLY_MAX);
    printf("  \"keys\": %llu, \"saves\": %llu, \"row_bytes\": %llu, \"pack_bytes\": %zu\n}\n",
           (unsigned long long)W.keys, (unsigned long long)W.saves,
           (unsigned long long)W.row_bytes, W.pack_len);

    if (W.hs)
        cnd_hoststore_close(W.hs);
    if (W.tmp_dir[0])
        cnd_test_remove_tree(W.tmp_dir);
    cnd_ram_flash_free(&W.rf);
    return 0;
}
