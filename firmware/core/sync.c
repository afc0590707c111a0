/* sync.c: the device end of the sync protocol; see sync.h and
 * formats/SPEC.md sections "Frames", "Messages" and "Response batch". */
#include "sync.h"

#include <string.h>

#include <zlib.h> /* crc32 only */

#include "pack.h"
#include "proto.h"
#include "version.h"

enum { BATCH_NONE = 0, BATCH_STREAMING, BATCH_SENT };

/* ---- error text without printf (no libc formatting on the device) ---- */

typedef struct {
    char buf[CND_MSG_ERROR_TEXT_MAX + 1];
    size_t len;
} text_t;

static void text_add(text_t *t, const char *s)
{
    while (*s && t->len < CND_MSG_ERROR_TEXT_MAX)
        t->buf[t->len++] = *s++;
    t->buf[t->len] = '\0';
}

static void text_u32(text_t *t, uint32_t v)
{
    char digits[11];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v > 0 && n < 10);
    while (n > 0 && t->len < CND_MSG_ERROR_TEXT_MAX)
        t->buf[t->len++] = digits[--n];
    t->buf[t->len] = '\0';
}

static void text_hex32(text_t *t, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    int shift;
    for (shift = 28; shift >= 0 && t->len < CND_MSG_ERROR_TEXT_MAX; shift -= 4)
        t->buf[t->len++] = hex[(v >> shift) & 0xFu];
    t->buf[t->len] = '\0';
}

/* ---- reply building: payloads are written in place after the header ---- */

typedef struct {
    uint8_t *out;    /* reply frame buffer */
    size_t cap;      /* its size */
    uint8_t *pl;     /* payload area = out + CND_FRAME_HEADER_LEN */
    size_t pl_cap;   /* room for the payload */
    size_t *reply_len;
} reply_t;

static void reply_frame(reply_t *r, uint8_t type, size_t len)
{
    if (cnd_frame_encode(r->out, r->cap, CND_PROTOCOL_VERSION, type, r->pl, len, r->reply_len) !=
        CND_OK)
        *r->reply_len = 0;
}

static void reply_error(reply_t *r, cnd_status_t st, const char *text)
{
    size_t len = 0;
    if (cnd_msg_encode_error(st, text, r->pl, r->pl_cap, &len) == CND_OK)
        reply_frame(r, CND_MSG_ERROR, len);
    else
        *r->reply_len = 0;
}

static void reply_error_text(reply_t *r, cnd_status_t st, const text_t *t)
{
    reply_error(r, st, t->buf);
}

static void reply_ok(reply_t *r)
{
    reply_frame(r, CND_MSG_OK, 0);
}

/* Back to the watermark: cursor 0 is the first pending response. */
static void batch_rewind(cnd_sync_t *s)
{
    s->cursor = 0;
    s->at = -1;
}

static void batch_close(cnd_sync_t *s)
{
    s->batch_state = BATCH_NONE;
}

/* Sends an encoded payload, or ERROR if it did not fit the reply buffer
 * (a port with a buffer below CND_SYNC_REPLY_MAX); an open batch cannot
 * continue after a lost chunk, so it is closed. */
static void reply_encoded(cnd_sync_t *s, reply_t *r, cnd_status_t enc, uint8_t type, size_t len)
{
    if (enc == CND_OK) {
        reply_frame(r, type, len);
        return;
    }
    batch_close(s);
    reply_error(r, CND_E_NOSPACE, "reply does not fit the port's buffer");
}

static void push_close(cnd_sync_t *s)
{
    s->push_open = 0;
    s->push_next = 0;
    s->push_len = 0;
}

void cnd_sync_init(cnd_sync_t *s, const cnd_sync_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    s->cfg = *cfg;
    s->batch_max = cfg->batch_max == 0 || cfg->batch_max > CND_BATCH_MAX_RESPONSES
                       ? CND_BATCH_MAX_RESPONSES
                       : cfg->batch_max;
    cnd_frame_parser_init(&s->rx);
    batch_rewind(s);
}

void cnd_sync_reset(cnd_sync_t *s)
{
    cnd_frame_parser_init(&s->rx);
    batch_close(s);
    push_close(s);
    s->dmg_sent = 0;
}


/* ---- HELLO ---- */

/* Survey id and version straight from the installed pack's header
 * (formats/SPEC.md section 1), so HELLO needs no pack buffer. The pack
 * was verified with cnd_pack_open() when it was committed; the id is still
 * checked before it is put on the wire. */
static void read_pack_identity(cnd_sync_t *s, cnd_msg_survey_t *out)
{
    uint8_t hdr[CND_PACK_HEADER_SIZE];
    uint8_t id[CND_MAX_NAME_LEN];
    uint32_t off_strings;
    uint16_t id_off, id_len;

    out->survey_id[0] = '\0';
    if (cnd_store_pack_read(s->cfg.store, out->fingerprint, 0, hdr, sizeof hdr) != CND_OK)
        return;
    off_strings = cnd_wire_get_u32(hdr + CND_PACK_HDR_OFF_STRINGS);
    id_off = cnd_wire_get_u16(hdr + CND_PACK_HDR_SURVEY_ID);
    id_len = cnd_wire_get_u16(hdr + CND_PACK_HDR_SURVEY_ID + 2);
    if (id_len == 0 || id_len > CND_MAX_NAME_LEN)
        return;
    if (cnd_store_pack_read(s->cfg.store, out->fingerprint, off_strings + id_off, id, id_len) !=
        CND_OK)
        return;
    if (!cnd_pack_name_ok(CND_NAME_SURVEY_ID, (const char *)id, id_len))
        return;
    memcpy(out->survey_id, id, id_len);
    out->survey_id[id_len] = '\0';
    out->survey_version = cnd_wire_get_u16(hdr + CND_PACK_HDR_SURVEY_VERSION);
}

static void handle_hello(cnd_sync_t *s, reply_t *r)
{
    cnd_status_t enc;
    cnd_msg_hello_t h;
    cnd_store_pack_info_t packs[CND_MAX_SURVEYS];
    uint8_t n, i;
    size_t len = 0;

    memset(&h, 0, sizeof h);
    memcpy(h.device_id, cnd_store_device_id(s->cfg.store), CND_DEVICE_ID_LEN);
    memcpy(h.firmware, CND_FIRMWARE_VERSION, sizeof CND_FIRMWARE_VERSION);
    h.protocol = CND_PROTOCOL_VERSION;
    h.bytes_used = cnd_store_bytes_used(s->cfg.store);
    h.bytes_free = cnd_store_bytes_free(s->cfg.store);
    h.pending = cnd_store_pending_count(s->cfg.store);
    h.damaged = cnd_store_damaged_count(s->cfg.store);
    n = cnd_store_packs(s->cfg.store, packs);
    if (n > CND_MAX_SURVEYS)
        n = CND_MAX_SURVEYS;
    for (i = 0; i < n; i++) {
        cnd_msg_survey_t *m = &h.surveys[h.n_surveys];
        if (packs[i].fingerprint == 0)
            continue;
        m->fingerprint = packs[i].fingerprint;
        m->pending = packs[i].pending;
        /* store.h lists the active pack first */
        m->flags = h.n_surveys == 0 ? CND_MSG_SURVEY_ACTIVE : 0;
        read_pack_identity(s, m);
        h.n_surveys++;
    }
    enc = cnd_msg_encode_hello(&h, r->pl, r->pl_cap, &len);
    reply_encoded(s, r, enc, CND_MSG_HELLO_REPLY, len);
}

/* ---- GET_PACK ---- */

static int find_pack(cnd_sync_t *s, uint32_t fp, cnd_store_pack_info_t *info)
{
    cnd_store_pack_info_t packs[CND_MAX_SURVEYS];
    uint8_t n = cnd_store_packs(s->cfg.store, packs), i;
    for (i = 0; i < n && i < CND_MAX_SURVEYS; i++) {
        if (packs[i].fingerprint == fp && fp != 0) {
            *info = packs[i];
            return 1;
        }
    }
    return 0;
}

static void handle_get_pack(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_status_t enc;
    cnd_msg_get_pack_t q;
    cnd_msg_pack_chunk_t c;
    cnd_store_pack_info_t info;
    uint8_t *data = r->pl + CND_MSG_PACK_CHUNK_HEAD;
    cnd_status_t st;
    size_t len = 0;
    text_t t = {{0}, 0};

    if (cnd_msg_decode_get_pack(f->payload, f->len, &q) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed GET_PACK");
        return;
    }
    if (!find_pack(s, q.fingerprint, &info)) {
        text_add(&t, "no pack ");
        text_hex32(&t, q.fingerprint);
        text_add(&t, " on this device");
        reply_error_text(r, CND_E_NOT_FOUND, &t);
        return;
    }
    if (q.offset > info.len) {
        reply_error(r, CND_E_RANGE, "offset beyond the end of the pack");
        return;
    }
    c.fingerprint = q.fingerprint;
    c.offset = q.offset;
    c.total = info.len;
    c.len = (uint16_t)(info.len - q.offset < CND_MSG_PACK_CHUNK_MAX ? info.len - q.offset
                                                                     : CND_MSG_PACK_CHUNK_MAX);
    c.data = data;
    if (c.len > 0) {
        st = cnd_store_pack_read(s->cfg.store, q.fingerprint, q.offset, data, c.len);
        if (st != CND_OK) {
            reply_error(r, st, "cannot read the pack from flash");
            return;
        }
    }
    enc = cnd_msg_encode_pack_chunk(&c, r->pl, r->pl_cap, &len);
    reply_encoded(s, r, enc, CND_MSG_PACK_CHUNK, len);
}

/* ---- PUSH ---- */

static int device_busy(const cnd_sync_t *s)
{
    return s->cfg.busy != NULL && s->cfg.busy(s->cfg.ctx);
}

static const char busy_text[] = "an interview is in progress; finish or exit it, then push again";

static void push_collect_trust(cnd_sync_t *s);

static void handle_push_begin(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_msg_push_begin_t q;
    cnd_status_t st;

    push_close(s);
    if (cnd_msg_decode_push_begin(f->payload, f->len, &q) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed PUSH_BEGIN");
        return;
    }
    if (device_busy(s)) {
        reply_error(r, CND_E_BUSY, busy_text);
        return;
    }
    if (q.len < CND_PACK_HEADER_SIZE + CND_PACK_SIG_TAIL || q.len > CND_MAX_PACK_SIZE) {
        reply_error(r, CND_E_RANGE, "pack size outside what the device accepts");
        return;
    }
    if (q.len > cnd_store_pack_capacity(s->cfg.store)) {
        /* A valid pack, but this device's slots (chosen at format, SPEC
         * 4.1) are smaller: both sizes, so the office knows what to cut. */
        text_t t = {{0}, 0};
        text_add(&t, "pack is ");
        text_u32(&t, q.len);
        text_add(&t, " bytes; this device takes packs of at most ");
        text_u32(&t, cnd_store_pack_capacity(s->cfg.store));
        text_add(&t, " bytes");
        reply_error_text(r, CND_E_NOSPACE, &t);
        return;
    }
    /* Whom to trust is decided before the push writes anything: begin may
     * erase the very slot that still names the office. */
    push_collect_trust(s);
    st = cnd_store_pack_begin(s->cfg.store, q.len);
    if (st != CND_OK) {
        reply_error(r, st, "cannot start installing the pack");
        return;
    }
    s->push_open = 1;
    s->push_len = q.len;
    s->push_fp = q.fingerprint;
    s->push_next = 0;
    s->push_version = 0;
    s->push_crc = (uint32_t)crc32(0L, Z_NULL, 0);
    cnd_pack_sig_init(&s->push_sig, q.len);
    reply_ok(r);
}

/* Running CRC over the pack body, SHA-256 over its signed bytes, and a copy
 * of its last 242 bytes (signature block and trailer), so a pack that does
 * not match its announced fingerprint or its signature is refused before
 * commit without a second copy of the pack. */
static void push_track(cnd_sync_t *s, const uint8_t *data, uint32_t len)
{
    uint32_t body_end = s->push_len - CND_PACK_TRAILER_SIZE;
    uint32_t tail_at = s->push_len - CND_PACK_SIG_TAIL;
    uint32_t at = s->push_next; /* the caller checked at + len <= push_len */
    /* one CRC call a chunk (a 380 KiB pack is 1,500 chunks, not 380,000
     * calls), over the bytes before the trailer */
    if (at < body_end)
        s->push_crc = (uint32_t)crc32(s->push_crc, data, body_end - at < len ? body_end - at : len);
    if (at + len > tail_at) {
        uint32_t from = at < tail_at ? tail_at - at : 0; /* into data */
        memcpy(s->push_tail + (at + from - tail_at), data + from, len - from);
    }
    if (at <= CND_PACK_HDR_VERSION && at + len > CND_PACK_HDR_VERSION)
        s->push_version = data[CND_PACK_HDR_VERSION - at];
    cnd_pack_sig_update(&s->push_sig, data, len);
}

/*
 * Whom the pushed pack's signer must be (docs/DESIGN.md "Signed packs"),
 * collected at PUSH_BEGIN:
 * - the P-256 office key of the ACTIVE pack (SPEC.md 1.9), read from its
 *   flash slot, when that slot still passes its CRC check;
 * - anyone, only on a device that never had an office (trust on first
 *   use): no pack ever activated and no state entry ever written and lost;
 * - otherwise (the active pack's copy or the state is damaged) the office
 *   key of any pack still in a slot, as read: one flipped bit never makes
 *   the device forget its office, and the office can always repair it by
 *   pushing a pack it signed. A device with no readable pack at all then
 *   refuses every pack (a wipe through the admin menu is the only way
 *   back: the office's decision, not the flash's).
 */
static void push_collect_trust(cnd_sync_t *s)
{
    int i;
    s->push_n_keys = 0;
    s->push_tofu = 0;
    if (cnd_store_slot_office_key(s->cfg.store, CND_STORE_ACTIVE_SLOT, 1, s->push_keys[0]) ==
        CND_OK) {
        s->push_n_keys = 1;
        return;
    }
    if (!cnd_store_office_known(s->cfg.store)) {
        s->push_tofu = 1;
        return;
    }
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (cnd_store_slot_office_key(s->cfg.store, i, 0, s->push_keys[s->push_n_keys]) ==
            CND_OK)
            s->push_n_keys++;
}

/* Signature of the pushed pack, and its signer against the keys collected
 * at PUSH_BEGIN. On refusal fills t with what the user reads. */
static cnd_status_t push_check_signature(cnd_sync_t *s, text_t *t)
{
    const uint8_t *signer = s->push_tail + CND_PACK_SIG_SIGNER;
    const uint8_t *trusted = NULL;
    uint8_t i;
    cnd_status_t st;

    for (i = 0; i < s->push_n_keys && trusted == NULL; i++)
        if (memcmp(s->push_keys[i], signer, CND_P256_PUB_LEN) == 0)
            trusted = s->push_keys[i];
    if (trusted == NULL && !s->push_tofu) {
        if (s->push_n_keys == 0) {
            text_add(t, "device lost its office record and holds no readable pack; not activated");
            return CND_E_UNTRUSTED;
        }
        trusted = s->push_keys[0]; /* refused below as signed by another office */
    }
    st = cnd_pack_sig_final(&s->push_sig, s->push_tail, trusted);
    if (st == CND_E_UNTRUSTED)
        text_add(t, "the installed survey stays active; sign the pack with its office's key");
    else if (st == CND_E_NOSPACE)
        text_add(t, "not enough memory to check the signature; the installed survey stays");
    else if (st != CND_OK)
        text_add(t, "the installed survey stays active; compile the pack again from its source");
    return st;
}

static void handle_push_data(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_msg_push_data_t q;
    cnd_status_t st;
    text_t t = {{0}, 0};

    if (cnd_msg_decode_push_data(f->payload, f->len, &q) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed PUSH_DATA");
        return;
    }
    if (!s->push_open) {
        reply_error(r, CND_E_PROTOCOL, "PUSH_DATA without PUSH_BEGIN");
        return;
    }
    if (q.offset != s->push_next) {
        text_add(&t, "PUSH_DATA out of order: expected offset ");
        text_u32(&t, s->push_next);
        reply_error_text(r, CND_E_PROTOCOL, &t);
        push_close(s);
        return;
    }
    if (q.len > s->push_len - s->push_next) {
        reply_error(r, CND_E_RANGE, "PUSH_DATA beyond the announced pack length");
        push_close(s);
        return;
    }
    st = cnd_store_pack_write(s->cfg.store, q.offset, q.data, q.len);
    if (st != CND_OK) {
        reply_error(r, st, "cannot write the pack to flash");
        push_close(s);
        return;
    }
    push_track(s, q.data, q.len);
    s->push_next += q.len;
    /* This device draws only pre-rendered text (SPEC 1.12): a pack of
     * another version is refused as soon as its version byte arrives, and
     * the survey it has stays active. */
    if (s->push_next > CND_PACK_HDR_VERSION && s->push_version != CND_PACK_VERSION) {
        text_add(&t, "pack version ");
        text_u32(&t, s->push_version);
        text_add(&t, s->push_version < CND_PACK_VERSION ? " has no pre-rendered text; device draws v"
                                                        : " is newer than this device's v");
        text_u32(&t, CND_PACK_VERSION);
        text_add(&t, "; survey kept");
        reply_error_text(r, CND_E_VERSION, &t);
        push_close(s);
        return;
    }
    reply_ok(r);
}

static void handle_push_commit(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_status_t st;
    text_t t = {{0}, 0};

    if (cnd_msg_decode_empty(f->payload, f->len) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed PUSH_COMMIT");
        return;
    }
    if (!s->push_open) {
        reply_error(r, CND_E_PROTOCOL, "PUSH_COMMIT without PUSH_BEGIN");
        return;
    }
    if (s->push_next != s->push_len) {
        text_add(&t, "pack incomplete: got ");
        text_u32(&t, s->push_next);
        text_add(&t, " of ");
        text_u32(&t, s->push_len);
        text_add(&t, " bytes");
        reply_error_text(r, CND_E_TRUNCATED, &t);
        push_close(s);
        return;
    }
    if (s->push_crc != cnd_wire_get_u32(s->push_tail + CND_PACK_SIG_BLOCK_LEN) ||
        s->push_fp != cnd_wire_get_u32(s->push_tail + CND_PACK_SIG_BLOCK_LEN)) {
        reply_error(r, CND_E_CRC, "pack bytes do not match the announced fingerprint");
        push_close(s);
        return;
    }
    /* Checked again: an interview may have started during the transfer, and
     * swapping its pack mid-interview would corrupt the answers. */
    if (device_busy(s)) {
        reply_error(r, CND_E_BUSY, busy_text);
        push_close(s);
        return;
    }
    push_close(s);
    /* Only the office may change what the device asks (SPEC.md 1.9): the
     * pack is in its slot but nothing is activated unless it is signed by
     * the key the active pack names. */
    if ((st = push_check_signature(s, &t)) != CND_OK) {
        reply_error_text(r, st, &t);
        return;
    }
    st = cnd_store_pack_commit(s->cfg.store);
    if (st != CND_OK) {
        reply_error(r, st, "pack failed verification on the device; not activated");
        return;
    }
    if (s->cfg.pack_activated != NULL)
        s->cfg.pack_activated(s->cfg.ctx);
    reply_ok(r);
}

/* ---- PULL ---- */

/* cnd_batch_get_fn: response `index` of the open batch, re-read from flash.
 * The encoder asks in row order (0..n-1; again from 0 for the second pass), so a forward
 * walk with the store cursor serves it; a step back restarts from the
 * watermark. Nothing beyond one response is held in RAM. */
static cnd_status_t batch_get(void *ctx, uint16_t index, cnd_sealed_t *out)
{
    cnd_sync_t *s = ctx;
    uint32_t seq = 0;
    if (index >= s->count)
        return CND_E_RANGE;
    if ((int32_t)index <= s->at)
        batch_rewind(s);
    while (s->at < (int32_t)index) {
        cnd_status_t st = cnd_store_next_pending(s->cfg.store, &s->cursor, &seq, out);
        if (st == CND_E_NOT_FOUND)
            return CND_E_CORRUPT; /* a response of the batch vanished */
        if (st != CND_OK)
            return st;
        s->at++;
    }
    if ((index == 0 && seq != s->first_seq) || (index + 1u == s->count && seq != s->last_seq) ||
        seq < s->first_seq || seq > s->last_seq)
        return CND_E_CORRUPT;
    return CND_OK;
}

/* Finds the run of pending responses of one pack from the watermark, and
 * measures the batch they make (its length and CRC-32 for BATCH_INFO) in
 * the same walk. */
static cnd_status_t batch_scan(cnd_sync_t *s, uint32_t *crc)
{
    cnd_sealed_t *scratch = &s->enc.cur; /* measuring never uses cur */
    uint32_t cursor = 0, seq = 0;
    cnd_status_t st;

    s->count = 0;
    cnd_batch_measure_init(&s->enc);
    while (s->count < s->batch_max) {
        st = cnd_store_next_pending(s->cfg.store, &cursor, &seq, scratch);
        if (st == CND_E_NOT_FOUND)
            break;
        if (st != CND_OK)
            return st;
        /* one pack per batch; ACK(last) must cover exactly this run */
        if (s->count > 0 && scratch->pack_fp != s->batch_fp)
            break;
        st = cnd_batch_measure_add(&s->enc, scratch);
        if (st != CND_OK)
            return st;
        if (s->count == 0) {
            s->batch_fp = scratch->pack_fp;
            s->first_seq = seq;
        }
        s->last_seq = seq;
        s->count++;
    }
    return s->count > 0 ? cnd_batch_measure_end(&s->enc, &s->ulen, crc) : CND_OK;
}

/* Second pass: the stream itself, handed out by PULL_DATA. */
static cnd_status_t batch_start_stream(cnd_sync_t *s)
{
    batch_rewind(s);
    s->sent = 0;
    return cnd_batch_encoder_init(&s->enc, s->count, batch_get, s);
}

static void handle_pull_begin(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_status_t enc;
    cnd_msg_batch_info_t info;
    cnd_status_t st;
    uint32_t crc = 0;
    size_t len = 0;

    batch_close(s);
    if (cnd_msg_decode_empty(f->payload, f->len) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed PULL_BEGIN");
        return;
    }
    memset(&info, 0, sizeof info);
    st = batch_scan(s, &crc);
    if (st == CND_OK && s->count > 0)
        st = batch_start_stream(s);
    if (st != CND_OK) {
        batch_close(s);
        reply_error(r, st, "cannot read pending responses from flash");
        return;
    }
    if (s->count > 0) {
        info.fingerprint = s->batch_fp;
        info.first_seq = s->first_seq;
        info.last_seq = s->last_seq;
        info.count = s->count;
        info.ulen = s->ulen;
        info.ucrc = crc;
        s->batch_state = BATCH_STREAMING;
    }
    enc = cnd_msg_encode_batch_info(&info, r->pl, r->pl_cap, &len);
    reply_encoded(s, r, enc, CND_MSG_BATCH_INFO, len);
}

/* The next `room` bytes of the batch (fewer only for the last chunk). The
 * stream must come out exactly as long as BATCH_INFO said: records that
 * changed on flash between the passes end the batch, never garble it. */
static cnd_status_t batch_next_chunk(cnd_sync_t *s, uint8_t *dst, size_t room, size_t *made,
                                     int *last)
{
    size_t got = 0;
    cnd_status_t st;
    *made = 0;
    if (room > s->ulen - s->sent)
        room = s->ulen - s->sent;
    while (*made < room) {
        st = cnd_batch_encoder_read(&s->enc, dst + *made, room - *made, &got);
        if (st != CND_OK)
            return st;
        if (got == 0)
            return CND_E_CORRUPT; /* shorter than measured */
        *made += got;
    }
    s->sent += (uint32_t)*made;
    *last = s->sent == s->ulen;
    if (*last) {
        uint8_t extra;
        st = cnd_batch_encoder_read(&s->enc, &extra, 1, &got);
        if (st != CND_OK)
            return st;
        if (got != 0)
            return CND_E_CORRUPT; /* longer than measured */
    }
    return CND_OK;
}

static void handle_pull_data(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    cnd_status_t enc;
    cnd_msg_batch_data_t d;
    uint8_t *data = r->pl + CND_MSG_BATCH_DATA_HEAD;
    size_t room, made = 0, len = 0;
    int last = 0;
    cnd_status_t st;

    if (cnd_msg_decode_empty(f->payload, f->len) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed PULL_DATA");
        return;
    }
    if (s->batch_state != BATCH_STREAMING) {
        reply_error(r, CND_E_PROTOCOL, "PULL_DATA without an open batch; send PULL_BEGIN");
        return;
    }
    if (r->pl_cap < CND_MSG_BATCH_DATA_HEAD + 1) {
        reply_error(r, CND_E_NOSPACE, "reply buffer too small");
        return;
    }
    room = r->pl_cap - CND_MSG_BATCH_DATA_HEAD;
    if (room > CND_MSG_BATCH_DATA_MAX)
        room = CND_MSG_BATCH_DATA_MAX;
    st = batch_next_chunk(s, data, room, &made, &last);
    if (st != CND_OK) {
        batch_close(s);
        reply_error(r, st, "cannot produce the batch; run sync again");
        return;
    }
    d.offset = s->sent - (uint32_t)made;
    d.flags = last ? CND_MSG_BATCH_LAST : 0;
    d.data = data;
    d.len = (uint16_t)made;
    if (last)
        s->batch_state = BATCH_SENT; /* first/last seq stay for the ACK */
    enc = cnd_msg_encode_batch_data(&d, r->pl, r->pl_cap, &len);
    reply_encoded(s, r, enc, CND_MSG_BATCH_DATA, len);
}

/* ---- ACK ---- */

static void handle_ack(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    uint32_t upto;
    cnd_status_t st;
    if (cnd_msg_decode_ack(f->payload, f->len, &upto) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed ACK");
        return;
    }
    /* Only what this link has actually delivered may be acknowledged: the
     * device never reclaims a response it has not sent whole. */
    if (s->batch_state != BATCH_SENT || upto < s->first_seq || upto > s->last_seq) {
        reply_error(r, CND_E_PROTOCOL, "ACK does not match the batch just sent");
        return;
    }
    /* The whole batch: its count is known from PULL_BEGIN's scan. */
    st = upto == s->last_seq ? cnd_store_ack_run(s->cfg.store, upto, s->count, s->batch_fp)
                             : cnd_store_ack(s->cfg.store, upto);
    batch_close(s);
    if (st != CND_OK) {
        reply_error(r, st, "cannot record the acknowledgement on flash");
        return;
    }
    reply_ok(r);
}

/* ---- DAMAGE ---- */

/* One piece of the next damaged region after the cursor (SPEC 6 "DAMAGE"):
 * the device keeps no state between pieces but the last region sent whole,
 * so a lost link simply starts again. */
static void handle_damage_next(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    uint32_t cursor, piece;
    cnd_store_damage_t d;
    cnd_msg_damage_t m;
    cnd_status_t st;
    size_t len = 0, room;

    if (cnd_msg_decode_u32_pair(f->payload, f->len, &cursor, &piece) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed DAMAGE_NEXT");
        return;
    }
    memset(&m, 0, sizeof m);
    m.next = cursor;
    st = cnd_store_next_damage(s->cfg.store, &m.next, &d);
    if (st == CND_E_NOT_FOUND) {
        m.next = 0;
        st = cnd_msg_encode_damage(&m, r->pl, r->pl_cap, &len);
        reply_encoded(s, r, st, CND_MSG_DAMAGE, len);
        return;
    }
    if (st != CND_OK) {
        reply_error(r, st, "cannot read the damaged flash");
        return;
    }
    if (piece > d.len) {
        reply_error(r, CND_E_RANGE, "DAMAGE_NEXT beyond the damaged region");
        return;
    }
    room = r->pl_cap > CND_MSG_DAMAGE_HEAD ? r->pl_cap - CND_MSG_DAMAGE_HEAD : 0;
    if (room > CND_MSG_DAMAGE_MAX)
        room = CND_MSG_DAMAGE_MAX;
    m.n = (uint16_t)(d.len - piece < room ? d.len - piece : room);
    m.segment = d.segment;
    m.offset = d.offset;
    m.len = d.len;
    m.piece = piece;
    m.id_state = d.id_state;
    memcpy(m.id, d.id, CND_RESPONSE_ID_LEN);
    m.data = r->pl + CND_MSG_DAMAGE_HEAD; /* read in place */
    if (m.n > 0 &&
        (st = cnd_store_damage_read(s->cfg.store, d.segment, d.offset + piece,
                                    r->pl + CND_MSG_DAMAGE_HEAD, m.n)) != CND_OK) {
        reply_error(r, st, "cannot read the damaged flash");
        return;
    }
    if (piece + m.n == d.len) {
        s->dmg_sent = 1;
        s->dmg_seg = d.segment;
        s->dmg_off = d.offset;
    }
    st = cnd_msg_encode_damage(&m, r->pl, r->pl_cap, &len);
    reply_encoded(s, r, st, CND_MSG_DAMAGE, len);
}

/* The office has stored every damaged region up to the one it names,
 * which must be the last one this link sent whole. */
static void handle_damage_ack(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    uint32_t seg, off;
    cnd_status_t st;
    if (cnd_msg_decode_u32_pair(f->payload, f->len, &seg, &off) != CND_OK) {
        reply_error(r, CND_E_INVALID, "malformed DAMAGE_ACK");
        return;
    }
    if (!s->dmg_sent || seg != s->dmg_seg || off != s->dmg_off) {
        reply_error(r, CND_E_PROTOCOL, "DAMAGE_ACK does not match the damage just sent");
        return;
    }
    st = cnd_store_damage_ack(s->cfg.store, seg, off);
    if (st != CND_OK) {
        reply_error(r, st, "cannot record the damage acknowledgement on flash");
        return;
    }
    s->dmg_sent = 0;
    reply_ok(r);
}

/* ---- dispatch ---- */

static void handle_frame(cnd_sync_t *s, const cnd_frame_t *f, reply_t *r)
{
    text_t t = {{0}, 0};
    if (f->version != CND_PROTOCOL_VERSION) {
        text_add(&t, "device speaks protocol v");
        text_u32(&t, CND_PROTOCOL_VERSION);
        text_add(&t, ", request was v");
        text_u32(&t, f->version);
        reply_error_text(r, CND_E_VERSION, &t);
        return;
    }
    switch (f->type) {
    case CND_MSG_HELLO:
        if (cnd_msg_decode_empty(f->payload, f->len) != CND_OK)
            reply_error(r, CND_E_INVALID, "malformed HELLO");
        else
            handle_hello(s, r);
        break;
    case CND_MSG_GET_PACK: handle_get_pack(s, f, r); break;
    case CND_MSG_PUSH_BEGIN: handle_push_begin(s, f, r); break;
    case CND_MSG_PUSH_DATA: handle_push_data(s, f, r); break;
    case CND_MSG_PUSH_COMMIT: handle_push_commit(s, f, r); break;
    case CND_MSG_PULL_BEGIN: handle_pull_begin(s, f, r); break;
    case CND_MSG_PULL_DATA: handle_pull_data(s, f, r); break;
    case CND_MSG_ACK: handle_ack(s, f, r); break;
    case CND_MSG_DAMAGE_NEXT: handle_damage_next(s, f, r); break;
    case CND_MSG_DAMAGE_ACK: handle_damage_ack(s, f, r); break;
    default:
        text_add(&t, "unknown request type 0x");
        text_hex32(&t, f->type);
        reply_error_text(r, CND_E_PROTOCOL, &t);
        break;
    }
}

size_t cnd_sync_input(cnd_sync_t *s, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                      size_t *reply_len)
{
    cnd_frame_t f;
    int ready = 0;
    size_t used;
    reply_t r;

    *reply_len = 0;
    used = cnd_frame_parser_feed(&s->rx, in, n, &ready, &f);
    if (!ready || cap < CND_FRAME_OVERHEAD + 2 + CND_MSG_ERROR_TEXT_MAX)
        return used;
    r.out = out;
    r.cap = cap;
    r.pl = out + CND_FRAME_HEADER_LEN;
    r.pl_cap = cap - CND_FRAME_OVERHEAD;
    if (r.pl_cap > CND_FRAME_MAX_PAYLOAD)
        r.pl_cap = CND_FRAME_MAX_PAYLOAD;
    r.reply_len = reply_len;
    handle_frame(s, &f, &r);
    return used;
}
