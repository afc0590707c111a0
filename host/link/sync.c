/*
 * sync.c: `candor sync --store DIR [--device SPEC]`, the host end of
 * pulling responses (formats/SPEC.md sections 6 and 7).
 *
 * Owns: the order that makes sync lossless and idempotent:
 *   HELLO; fetch every installed pack the store lacks (GET_PACK);
 *   then per batch: PULL_BEGIN -> PULL_DATA... (raw chunks) -> check length
 *   and CRC -> decode -> check every response against its pack -> store
 *   durably (temp, fsync, rename, fsync dir) -> only then ACK(last_seq).
 * A failure anywhere before the ACK leaves the batch on the device; the
 * store only ever holds complete batch files, and ids already stored are
 * skipped, so running sync again is always safe.
 *
 * Never: ACKs before cnd_hoststore_put_responses() returned CND_OK; stores a
 * sealed response that is not of its batch's pack, range or office key; draws progress unless stdout is
 * a terminal.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "batch.h"
#include "commands.h"
#include "crashpoint.h"
#include "hosterr.h"
#include "hoststore.h"
#include "hostsync.h"
#include "link.h"
#include "proto.h"
#include "quarantine.h"
#include "record.h"

/* What one sync may receive beyond what HELLO announced (SPEC 6, "Bounds"):
 * one more full batch of rows. A device only adds responses between
 * interviews, never while it is syncing, so an honest one never uses it. */
#define SYNC_MARGIN_ROWS CND_BATCH_MAX_RESPONSES
/* Bytes per row in the byte budget: the longest row a batch may hold. */
#define SYNC_ROW_MAX_BYTES (CND_BATCH_ROW_HEAD_MAX + CND_SEALED_CT_MAX)

typedef struct {
    cnd_link_t *link;
    cnd_hoststore_t *hs;
    const cnd_msg_hello_t *hello; /* the first HELLO of this sync */
    uint64_t rows_left;           /* budget: rows this sync may still receive */
    uint64_t bytes_left;          /* ... and batch bytes */
    cnd_hostsync_report_t *rep;
    cnd_hostsync_progress_fn progress;
    void *progress_ctx;
    cnd_sealed_t rs[CND_BATCH_MAX_RESPONSES];
    uint8_t raw[CND_BATCH_MAX_LEN]; /* the batch as announced by BATCH_INFO */
} sync_ctx_t;

/* ---- packs ---- */

static cnd_status_t fetch_pack(sync_ctx_t *c, uint32_t fp, cnd_err_t *err)
{
    uint8_t req[8];
    uint8_t *buf = NULL;
    uint32_t off = 0, total = 0;
    cnd_status_t st;
    size_t n;

    do {
        cnd_msg_get_pack_t q = {fp, off};
        cnd_msg_pack_chunk_t ch;
        cnd_frame_t f;
        cnd_msg_encode_get_pack(&q, req, sizeof req, &n);
        st = cnd_link_request(c->link, CND_MSG_GET_PACK, req, n, CND_MSG_PACK_CHUNK, &f, err);
        if (st != CND_OK)
            break;
        st = cnd_msg_decode_pack_chunk(f.payload, f.len, &ch);
        if (st == CND_OK && buf == NULL) {
            total = ch.total;
            if (total == 0 || total > CND_MAX_PACK_SIZE || (buf = malloc(total)) == NULL)
                st = CND_E_RANGE;
        }
        if (st == CND_OK && (ch.fingerprint != fp || ch.offset != off || ch.total != total ||
                             (ch.len == 0 && off < total)))
            st = CND_E_PROTOCOL;
        if (st != CND_OK) {
            cnd_err_set(err, "%s sent a bad chunk of survey pack %08x (%s)",
                        cnd_link_name(c->link), (unsigned)fp, cnd_status_str(st));
            break;
        }
        memcpy(buf + off, ch.data, ch.len);
        off += ch.len;
    } while (off < total);
    if (st == CND_OK) {
        cnd_pack_t pk;
        if (cnd_pack_open(&pk, buf, total) != CND_OK || pk.fingerprint != fp) {
            cnd_err_set(err, "survey pack %08x from %s fails validation; nothing stored",
                        (unsigned)fp, cnd_link_name(c->link));
            st = CND_E_CORRUPT;
        } else {
            st = cnd_hoststore_put_pack(c->hs, buf, total, err);
            if (st == CND_E_UNTRUSTED)
                c->rep->pack_refused = 1; /* another office's, or a forgery */
            else if (st != CND_OK)
                c->rep->store_failed = 1; /* the store, not the device */
            else
                c->rep->packs_fetched++;
        }
    }
    free(buf);
    return st;
}

static cnd_status_t fetch_missing_packs(sync_ctx_t *c, const cnd_msg_hello_t *h, cnd_err_t *err)
{
    uint8_t i;
    for (i = 0; i < h->n_surveys; i++) {
        uint32_t fp = h->surveys[i].fingerprint;
        if (!cnd_hoststore_has_pack(c->hs, fp)) {
            cnd_status_t st = fetch_pack(c, fp, err);
            if (st != CND_OK)
                return st;
        }
    }
    return CND_OK;
}

/* ---- one batch ---- */

static cnd_status_t pull_begin(sync_ctx_t *c, cnd_msg_batch_info_t *info, cnd_err_t *err)
{
    cnd_frame_t f;
    cnd_status_t st =
        cnd_link_request(c->link, CND_MSG_PULL_BEGIN, NULL, 0, CND_MSG_BATCH_INFO, &f, err);
    if (st != CND_OK)
        return st;
    st = cnd_msg_decode_batch_info(f.payload, f.len, info);
    if (st == CND_OK && info->count > 0 &&
        (info->ulen < CND_BATCH_HEADER_LEN || info->ulen > CND_BATCH_MAX_LEN))
        st = CND_E_RANGE;
    if (st != CND_OK)
        cnd_err_set(err, "%s described a batch that cannot be valid (%s)",
                    cnd_link_name(c->link), cnd_status_str(st));
    return st;
}

/* PULL_DATA until the last chunk. Chunks must arrive in order, fill
 * exactly the announced length, and match the announced CRC-32 (frames
 * have their own CRCs; this one covers the reassembly). */
static cnd_status_t pull_stream(sync_ctx_t *c, const cnd_msg_batch_info_t *info, cnd_err_t *err)
{
    uint32_t got = 0;
    int last = 0;
    cnd_status_t st = CND_OK;

    while (!last) {
        cnd_frame_t f;
        cnd_msg_batch_data_t d;
        st = cnd_link_request(c->link, CND_MSG_PULL_DATA, NULL, 0, CND_MSG_BATCH_DATA, &f, err);
        if (st != CND_OK)
            return st;
        st = cnd_msg_decode_batch_data(f.payload, f.len, &d);
        if (st == CND_OK && (d.offset != got || d.len > info->ulen - got))
            st = CND_E_PROTOCOL;
        last = st == CND_OK && (d.flags & CND_MSG_BATCH_LAST) != 0;
        if (st == CND_OK && (last ? got + d.len != info->ulen : d.len == 0))
            st = CND_E_PROTOCOL; /* ends early, or a chunk that moves nothing */
        if (st != CND_OK) {
            cnd_err_set(err, "%s sent a damaged batch chunk at byte %u (%s); nothing from this "
                             "batch was stored or acknowledged, run sync again",
                        cnd_link_name(c->link), (unsigned)got, cnd_status_str(st));
            return st;
        }
        memcpy(c->raw + got, d.data, d.len);
        got += d.len;
    }
    if ((uint32_t)crc32(0L, c->raw, info->ulen) != info->ucrc) {
        cnd_err_set(err, "batch from %s does not match its announced checksum; "
                         "nothing from it was stored or acknowledged, run sync again",
                    cnd_link_name(c->link));
        return CND_E_CRC;
    }
    return CND_OK;
}

/* Decodes and checks every response before anything is stored. */
static cnd_status_t check_batch(sync_ctx_t *c, const cnd_msg_batch_info_t *info, cnd_err_t *err)
{
    const cnd_pack_t *pk = NULL;
    uint16_t n = 0, i;
    cnd_status_t st = cnd_batch_decode(c->raw, info->ulen, c->rs, CND_BATCH_MAX_RESPONSES, &n);
    if (st != CND_OK || n != info->count) {
        cnd_err_set(err, "batch from %s does not decode (%s); nothing stored or acknowledged",
                    cnd_link_name(c->link), st != CND_OK ? cnd_status_str(st) : "wrong count");
        return st != CND_OK ? st : CND_E_CORRUPT;
    }
    if (!cnd_hoststore_has_pack(c->hs, info->fingerprint)) {
        st = fetch_pack(c, info->fingerprint, err);
        if (st != CND_OK)
            return st;
    }
    st = cnd_hoststore_get_pack(c->hs, info->fingerprint, &pk, err);
    if (st != CND_OK)
        return st;
    for (i = 0; i < n; i++) {
        /* Sealed: only the clear part can be checked now. Each record must
         * belong to this batch and be sealed to this pack's office key (or
         * nobody holding that key could ever open it). */
        const cnd_sealed_t *r = &c->rs[i];
        st = CND_OK;
        if (r->pack_fp != info->fingerprint)
            st = CND_E_NOT_FOUND;
        else if (r->seq < info->first_seq || r->seq > info->last_seq ||
                 r->ctr >= CND_SEAL_MAX_CTR)
            st = CND_E_RANGE;
        else if (memcmp(r->epoch.office_pub, cnd_pack_office_x25519(pk), CND_X25519_LEN) != 0)
            st = CND_E_INVALID;
        if (st != CND_OK) {
            cnd_err_set(err,
                        "response %u of a batch from %s is not valid for survey pack %08x "
                        "(%s); nothing from the batch was stored or acknowledged",
                        (unsigned)i + 1, cnd_link_name(c->link), (unsigned)info->fingerprint,
                        cnd_status_str(st));
            return st;
        }
    }
    return CND_OK;
}

static cnd_status_t ack(sync_ctx_t *c, uint32_t upto, cnd_err_t *err)
{
    uint8_t p[4];
    size_t n;
    cnd_frame_t f;
    cnd_msg_encode_ack(upto, p, sizeof p, &n);
    return cnd_link_request(c->link, CND_MSG_ACK, p, n, CND_MSG_OK, &f, err);
}

static int announced(const cnd_msg_hello_t *h, uint32_t fp)
{
    for (uint8_t i = 0; i < h->n_surveys; i++)
        if (h->surveys[i].fingerprint == fp)
            return 1;
    return 0;
}

/* ---- damage ---- */

/* A device may report at most this many bytes of damage per sync (its
 * whole log is smaller; a device that sends more is lying). */
#define DAMAGE_BYTES_MAX (64u << 20)
#define DAMAGE_REGION_MAX (1u << 20)
#define DAMAGE_REGIONS_MARGIN 64u

/* One whole damaged region from *cursor on, piece by piece. *len = 0 when
 * the device has none left. */
static cnd_status_t damage_fetch(sync_ctx_t *c, uint32_t *cursor, cnd_msg_damage_t *head,
                                 uint8_t **bytes, cnd_err_t *err)
{
    uint32_t piece = 0;
    *bytes = NULL;
    for (;;) {
        uint8_t req[8];
        size_t n;
        cnd_frame_t f;
        cnd_msg_damage_t m;
        cnd_msg_encode_u32_pair(*cursor, piece, req, sizeof req, &n);
        cnd_status_t st =
            cnd_link_request(c->link, CND_MSG_DAMAGE_NEXT, req, n, CND_MSG_DAMAGE, &f, err);
        if (st != CND_OK)
            return st;
        st = cnd_msg_decode_damage(f.payload, f.len, &m);
        if (st == CND_OK && piece == 0) {
            *head = m;
            if (m.len == 0)
                return CND_OK;
            if (m.len > DAMAGE_REGION_MAX || (*bytes = malloc(m.len)) == NULL)
                st = CND_E_RANGE;
        }
        if (st == CND_OK && (m.len != head->len || m.segment != head->segment ||
                             m.offset != head->offset || m.next != head->next ||
                             m.piece != piece || m.n == 0 || m.next == 0))
            st = CND_E_PROTOCOL;
        if (st != CND_OK) {
            cnd_err_set(err, "%s described damaged flash that cannot be valid (%s); nothing "
                             "was acknowledged, run sync again",
                        cnd_link_name(c->link), cnd_status_str(st));
            free(*bytes);
            *bytes = NULL;
            return st;
        }
        memcpy(*bytes + piece, m.data, m.n);
        piece += m.n;
        if (piece == m.len)
            return CND_OK;
    }
}

/*
 * Takes every damaged region the device reports into quarantine/ (raw,
 * durably), then acknowledges the last one so the device may reclaim
 * their segments. Nothing is decoded: the bytes are kept as evidence.
 */
static cnd_status_t sync_damage(sync_ctx_t *c, cnd_err_t *err)
{
    uint32_t cursor = 0, bytes_total = 0, ack_seg = 0, ack_off = 0;
    int have = 0;
    cnd_status_t st = CND_OK;
    for (;;) {
        cnd_msg_damage_t m;
        cnd_quarantine_damage_t q;
        uint8_t *bytes = NULL;
        int is_new = 0;
        memset(&m, 0, sizeof m);
        st = damage_fetch(c, &cursor, &m, &bytes, err);
        if (st != CND_OK || m.len == 0)
            break;
        bytes_total += m.len;
        /* Like the batches, damage is bounded by what HELLO announced, plus
         * a margin for regions the device found while this sync read its
         * log: a device naming region after region is cut off, not obeyed. */
        if (c->rep->damaged >= (size_t)c->hello->damaged + DAMAGE_REGIONS_MARGIN) {
            free(bytes);
            cnd_err_set(err, "%s reports more damaged flash regions than its HELLO announced "
                             "(%u + %u); stopped, nothing of the rest acknowledged",
                        cnd_link_name(c->link), (unsigned)c->hello->damaged,
                        (unsigned)DAMAGE_REGIONS_MARGIN);
            return CND_E_RANGE;
        }
        if (bytes_total > DAMAGE_BYTES_MAX) {
            free(bytes);
            cnd_err_set(err, "%s reports more damaged flash than it can hold; stopped",
                        cnd_link_name(c->link));
            return CND_E_RANGE;
        }
        q.segment = m.segment;
        q.offset = m.offset;
        q.id_state = m.id_state;
        memcpy(q.id, m.id, sizeof q.id);
        st = cnd_quarantine_put_damage(c->hs, &q, bytes, m.len, &is_new, err);
        free(bytes);
        if (st != CND_OK) {
            c->rep->store_failed = 1;
            return st;
        }
        c->rep->damaged++;
        c->rep->damaged_new += (size_t)is_new;
        c->rep->damaged_ids += m.id_state != 0;
        ack_seg = m.segment;
        ack_off = m.offset;
        have = 1;
        cursor = m.next;
    }
    if (st == CND_OK && have) {
        uint8_t p[8];
        size_t n;
        cnd_frame_t f;
        cnd_msg_encode_u32_pair(ack_seg, ack_off, p, sizeof p, &n);
        st = cnd_link_request(c->link, CND_MSG_DAMAGE_ACK, p, n, CND_MSG_OK, &f, err);
    }
    return st;
}

/* Returns CND_OK with *done = 1 when the device has nothing more pending. */
static cnd_status_t sync_one_batch(sync_ctx_t *c, int64_t *prev_last, int *done,
                                   cnd_err_t *err)
{
    cnd_msg_batch_info_t info;
    size_t added = 0;
    cnd_status_t st = pull_begin(c, &info, err);
    *done = 0;
    if (st != CND_OK)
        return st;
    if (info.count == 0) {
        *done = 1;
        return CND_OK;
    }
    /* A device that keeps offering batches (or bigger ones than its HELLO
     * announced) would fill the disk and never let sync end. */
    if (info.count > c->rows_left || info.ulen > c->bytes_left) {
        cnd_err_set(err,
                    "%s offered more than its HELLO announced (%u pending, plus a margin of %u "
                    "responses and %llu bytes); sync stopped, the device may be faulty or not "
                    "a Candor device",
                    cnd_link_name(c->link), (unsigned)c->hello->pending,
                    (unsigned)SYNC_MARGIN_ROWS,
                    (unsigned long long)SYNC_MARGIN_ROWS * SYNC_ROW_MAX_BYTES);
        return CND_E_PROTOCOL;
    }
    c->rows_left -= info.count;
    c->bytes_left -= info.ulen;
    if (!announced(c->hello, info.fingerprint)) {
        cnd_err_set(err, "%s sent a batch of survey pack %08x, which its HELLO did not list; "
                         "nothing from it was stored or acknowledged",
                    cnd_link_name(c->link), (unsigned)info.fingerprint);
        return CND_E_PROTOCOL;
    }
    /* After an ACK the watermark moved: a batch that does not start after
     * it would make this loop spin forever. */
    if ((int64_t)info.first_seq <= *prev_last) {
        cnd_err_set(err, "%s sent an already acknowledged batch again; run sync again",
                    cnd_link_name(c->link));
        return CND_E_PROTOCOL;
    }
    if ((st = pull_stream(c, &info, err)) != CND_OK || (st = check_batch(c, &info, err)) != CND_OK)
        return st;
    cnd_crashpoint("batch-received"); /* test hook (crashpoint.h), as the others */
    st = cnd_hoststore_put_responses(c->hs, c->rs, info.count, &added, err);
    if (st != CND_OK) {
        c->rep->store_failed = 1;
        return st;
    }
    c->rep->added += added;
    c->rep->already += info.count - added;
    cnd_crashpoint("batch-stored");
    /* Only now, with the batch durable on disk, may the device let go. */
    st = ack(c, info.last_seq, err);
    if (st != CND_OK)
        return st;
    cnd_crashpoint("acked");
    c->rep->batches++;
    *prev_last = info.last_seq;
    if (c->progress != NULL)
        c->progress(c->progress_ctx, c->rep->added + c->rep->already, c->rep->pending_before);
    return CND_OK;
}

cnd_status_t cnd_hostsync_run(cnd_link_t *l, cnd_hoststore_t *hs,
                              cnd_hostsync_progress_fn progress, void *progress_ctx,
                              cnd_hostsync_report_t *rep, cnd_err_t *err)
{
    cnd_msg_hello_t h;
    int64_t prev_last = -1; /* last_seq acknowledged in this run */
    int done = 0;
    cnd_status_t st;
    sync_ctx_t *c = calloc(1, sizeof *c);

    memset(rep, 0, sizeof *rep);
    if (c == NULL) {
        cnd_err_set(err, "out of memory");
        rep->store_failed = 1;
        return CND_E_NOSPACE;
    }
    c->link = l;
    c->hs = hs;
    c->rep = rep;
    c->progress = progress;
    c->progress_ctx = progress_ctx;
    st = cnd_link_hello(l, &h, err);
    if (st == CND_OK) {
        rep->pending_before = h.pending;
        c->hello = &h;
        c->rows_left = (uint64_t)h.pending + SYNC_MARGIN_ROWS;
        c->bytes_left = c->rows_left * SYNC_ROW_MAX_BYTES;
        st = fetch_missing_packs(c, &h, err);
    }
    while (st == CND_OK && !done)
        st = sync_one_batch(c, &prev_last, &done, err);
    if (st == CND_OK)
        st = sync_damage(c, err);
    if (st == CND_OK)
        st = cnd_link_hello(l, &h, err);
    if (st == CND_OK)
        rep->pending_after = h.pending;
    free(c);
    return st;
}

/* ---- the command ---- */

typedef struct {
    int tty;
    size_t shown; /* value last drawn, (size_t)-1 = nothing drawn */
} progress_t;

/* Redraws only when the count changed, and only for a person watching. */
static void draw_progress(void *ctx, size_t done, uint32_t expected)
{
    progress_t *p = ctx;
    if (!p->tty || done == p->shown)
        return;
    p->shown = done;
    fprintf(stderr, "\rsyncing: %zu of %u %s", done, (unsigned)expected,
            cnd_plural(expected, "response", "responses"));
    fflush(stderr);
}

static void clear_progress(progress_t *p)
{
    if (p->tty && p->shown != (size_t)-1)
        fprintf(stderr, "\r\033[K");
}

static int sync_usage(FILE *f)
{
    fprintf(f, "usage: candor sync --store DIR [--device SPEC]\n\n"
               "Pulls every pending response from the device into the store DIR (created\n"
               "if missing). Each batch is written durably before the device is told it\n"
               "may reclaim it, so an interrupted sync loses nothing; run it again.\n"
               "The store takes survey packs only from offices it trusts (DIR/trusted/; a\n"
               "new store trusts the office of the first pack it receives), and at most\n"
               "what the device announced plus one batch per sync.\n");
    return f == stdout ? CND_EXIT_OK : CND_EXIT_USAGE;
}

int cnd_cmd_sync(int argc, char **argv)
{
    static const struct option longs[] = {{"store", required_argument, NULL, 's'},
                                          {"device", required_argument, NULL, 'd'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *spec = NULL, *dir = NULL;
    cnd_hoststore_t *hs = NULL;
    cnd_hostsync_report_t rep;
    progress_t prog = {0, (size_t)-1};
    cnd_link_t *link;
    cnd_err_t err = {{0}};
    cnd_status_t st;
    int opt, rc;

    optind = 0; /* glibc: full reset, so commands can run twice in one process */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "s:d:h", longs, NULL)) != -1) {
        switch (opt) {
        case 's': dir = optarg; break;
        case 'd': spec = optarg; break;
        case 'h': return sync_usage(stdout);
        default:
            fprintf(stderr, "candor sync: unknown option '%s'; see candor sync --help\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (dir == NULL || optind != argc) {
        fprintf(stderr, "candor sync: %s; usage: candor sync --store DIR [--device SPEC]\n",
                dir == NULL ? "no --store DIR given" : "unexpected argument");
        return CND_EXIT_USAGE;
    }
    link = malloc(sizeof *link);
    if (link == NULL) {
        fprintf(stderr, "candor sync: out of memory\n");
        return CND_EXIT_FAIL;
    }
    /* The device first: a sync that finds no device leaves no empty store
     * behind (a mistyped --store would otherwise look like a real one). */
    if (cnd_link_open(link, spec, &err) != CND_OK) {
        fprintf(stderr, "candor sync: %s\n", err.msg);
        free(link);
        return CND_EXIT_DEVICE;
    }
    if (cnd_hoststore_open(dir, 1, &hs, &err) != CND_OK) {
        fprintf(stderr, "candor sync: %s\n", err.msg);
        cnd_link_close(link);
        free(link);
        return CND_EXIT_INPUT;
    }
    prog.tty = isatty(STDOUT_FILENO);
    st = cnd_hostsync_run(link, hs, draw_progress, &prog, &rep, &err);
    clear_progress(&prog);
    char learned[256];
    if (cnd_hoststore_take_learned(hs, learned, sizeof learned))
        printf("%s\n", learned);
    if (st != CND_OK) {
        rc = rep.store_failed   ? CND_EXIT_FAIL
             : rep.pack_refused ? CND_EXIT_INPUT
                                : cnd_link_exit_code(link);
        /* A cable pulled mid-sync is the common case at a desk: say that
         * nothing unacknowledged was lost and that the next sync resumes. */
        const char *resume = st == CND_E_DISCONNECTED || st == CND_E_TIMEOUT
                                 ? "; nothing is lost, the next sync resumes"
                                 : "";
        if (rep.added > 0)
            fprintf(stderr,
                    "candor sync: %s%s (%zu new %s stored before this)\n", err.msg, resume,
                    rep.added, rep.added == 1 ? "response was" : "responses were");
        else
            fprintf(stderr, "candor sync: %s%s\n", err.msg, resume);
    } else {
        rc = CND_EXIT_OK;
        printf("synced %zu %s (%zu already stored) into %s; device has %u pending\n", rep.added,
               cnd_plural(rep.added, "response", "responses"), rep.already, dir,
               (unsigned)rep.pending_after);
        if (rep.damaged > 0) {
            /* Damage is never silent: one line, and a status of its own. */
            printf("damaged: %zu flash %s on the device could not be read (%zu with a "
                   "response id); their raw bytes are in %s/quarantine\n",
                   rep.damaged, cnd_plural(rep.damaged, "region", "regions"), rep.damaged_ids,
                   dir);
            rc = CND_EXIT_DAMAGED;
        }
    }
    cnd_link_close(link);
    cnd_hoststore_close(hs);
    free(link);
    return rc;
}
