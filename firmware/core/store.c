/*
 * store.c: see store.h; the byte layout is formats/SPEC.md section 4.
 *
 * Blocks: 0 superblock | 1,2 state (double buffer) | pack slots | log.
 * Every entry on flash is a record.h log entry (magic, type, len, seq, CRC)
 * padded with 0xFF to a whole number of prog units, so nothing is ever
 * programmed twice.
 */
#include "store.h"

#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "pack.h"
#include "record.h"
#include "seal.h"
#include "sealed.h"

/* 2: superblock, segment headers, EPOCH and STATE entries are each
 * written twice, and the state carries the damage watermark (SPEC 4). */
#define FORMAT_VERSION 2
#define SB_MAGIC "CNDF"
#define SB_LEN 48
#define STATE_FIRST_BLOCK 1
#define STATE_DAMAGE_AT (8 + 8 * CND_MAX_SURVEYS) /* damage watermark: segment u32, offset u32 */
#define STATE_FLAGS_AT (STATE_DAMAGE_AT + 8)     /* u32, bit 0: an office is known */
#define STATE_BODY_LEN (STATE_FLAGS_AT + 4)
#define STATE_OFFICE_KNOWN 0x1u
#define NO_SLOT 0xFF
#define CHUNK 64 /* bytes per read while comparing or blank-checking */
/* next_seq saturates here and saves are refused: a seq that wrapped to 0
 * would sit below the watermark, acked before it was ever synced. */
#define SEQ_EXHAUSTED 0xFFFFFFFFu
#define NO_EPOCH_SEG 0xFFFFFFFFu
#define SLOT_MIN_BYTES 32768u /* smallest pack slot a format chooses (SPEC 4.1) */
#define SLOT_FIRST_BLOCK (STATE_FIRST_BLOCK + 2)

#ifndef CND_STORE_NO_STATIC_SCRATCH
/* Only for builds that do not lend a buffer (host tools, tests). */
static uint8_t store_static_scratch[CND_MAX_PACK_SIZE];
#endif

/* ---- flash helpers ---- */

static uint32_t pad(const cnd_store_t *st, uint32_t n)
{
    return (n + st->prog_size - 1) / st->prog_size * st->prog_size;
}

static uint32_t log_addr(const cnd_store_t *st, uint32_t seg, uint32_t off)
{
    return (st->log_first + seg) * st->block_size + off;
}

/* The SEGMENT entry is written twice (offsets 0 and one unit later), so a
 * flipped bit in one copy never takes the segment out of the live chain. */
static uint32_t seg_header_len(const cnd_store_t *st)
{
    return pad(st, CND_ENTRY_HEADER_LEN);
}

static uint32_t data_start(const cnd_store_t *st)
{
    return 2 * seg_header_len(st); /* after both segment header copies */
}

static uint32_t epoch_entry_len(const cnd_store_t *st)
{
    return pad(st, CND_ENTRY_HEADER_LEN + CND_EPOCH_BODY_LEN);
}

static cnd_status_t flash_read(cnd_store_t *st, uint32_t addr, void *buf, uint32_t len)
{
    return st->hal->flash.read(st->hal->flash.ctx, addr, buf, len) == CND_OK ? CND_OK : CND_E_IO;
}

static cnd_status_t flash_erase(cnd_store_t *st, uint32_t block)
{
    st->rd_epoch_ok = 0; /* the cached EPOCH entry may be in this block */
    return st->hal->flash.erase(st->hal->flash.ctx, block) == CND_OK ? CND_OK : CND_E_IO;
}

/* *same = 1 when flash[addr, addr+len) equals data (all 0xFF if data is NULL). */
static cnd_status_t range_equals(cnd_store_t *st, uint32_t addr, uint32_t len, const uint8_t *data,
                                 int *same)
{
    uint32_t done;
    *same = 0;
    for (done = 0; done < len; done += CHUNK) {
        uint8_t chunk[CHUNK];
        uint32_t n = len - done < CHUNK ? len - done : CHUNK;
        if (flash_read(st, addr + done, chunk, n) != CND_OK)
            return CND_E_IO;
        if (data ? memcmp(chunk, data + done, n) != 0 : !cnd_bytes_erased(chunk, n))
            return CND_OK;
    }
    *same = 1;
    return CND_OK;
}

static cnd_status_t range_erased(cnd_store_t *st, uint32_t addr, uint32_t len, int *erased)
{
    return range_equals(st, addr, len, NULL, erased);
}

/* Programs then reads back and compares byte for byte (CND_E_VERIFY). */
static cnd_status_t prog_verified(cnd_store_t *st, uint32_t addr, const uint8_t *data, uint32_t len)
{
    int same;
    if (st->hal->flash.prog(st->hal->flash.ctx, addr, data, len) != CND_OK)
        return CND_E_IO;
    if (range_equals(st, addr, len, data, &same) != CND_OK)
        return CND_E_IO;
    return same ? CND_OK : CND_E_VERIFY;
}

/* Erases a block unless it already reads erased (saves wear). */
static cnd_status_t ensure_erased(cnd_store_t *st, uint32_t block)
{
    int erased;
    cnd_status_t rs = range_erased(st, block * st->block_size, st->block_size, &erased);
    if (rs != CND_OK || erased)
        return rs;
    return flash_erase(st, block);
}

/*
 * Reads and checks the entry at addr whose block ends at limit. The body
 * lands in st->buf + CND_ENTRY_HEADER_LEN. CND_E_NOT_FOUND when the header
 * reads erased (the end of what was written), CND_E_CORRUPT when anything
 * is wrong (torn, bit rot): such an entry and what follows is not trusted.
 */
static cnd_status_t read_entry(cnd_store_t *st, uint32_t addr, uint32_t limit,
                               cnd_entry_header_t *h)
{
    uint8_t *b = st->buf;
    if (addr + CND_ENTRY_HEADER_LEN > limit)
        return CND_E_NOT_FOUND;
    if (flash_read(st, addr, b, CND_ENTRY_HEADER_LEN) != CND_OK)
        return CND_E_IO;
    if (cnd_bytes_erased(b, CND_ENTRY_HEADER_LEN))
        return CND_E_NOT_FOUND;
    if (cnd_entry_header_decode(b, h) != CND_OK)
        return CND_E_CORRUPT;
    if (h->len > limit - addr - CND_ENTRY_HEADER_LEN)
        return CND_E_CORRUPT;
    if (h->len > 0 &&
        flash_read(st, addr + CND_ENTRY_HEADER_LEN, b + CND_ENTRY_HEADER_LEN, h->len) != CND_OK)
        return CND_E_IO;
    if (cnd_entry_check_crc(b, b + CND_ENTRY_HEADER_LEN, h->len) != CND_OK)
        return CND_E_CORRUPT;
    return CND_OK;
}

/* Frames body (already at st->buf + 12) as an entry, padded; returns its size. */
static uint32_t frame_entry(cnd_store_t *st, uint8_t type, uint32_t seq, uint16_t len)
{
    uint32_t total = pad(st, CND_ENTRY_HEADER_LEN + (uint32_t)len);
    cnd_entry_header_encode(st->buf, type, seq, st->buf + CND_ENTRY_HEADER_LEN, len);
    memset(st->buf + CND_ENTRY_HEADER_LEN + len, 0xFF, total - CND_ENTRY_HEADER_LEN - len);
    return total;
}

/* ---- geometry and superblock ---- */

/* Pack slot size chosen when a chip is formatted (SPEC 4.1): 1/16 of the
 * chip, so the four slots take a quarter of it (a 1 MiB chip gets 64 KiB
 * slots: the default survey in two languages, pre-rendered, is 55 KB),
 * capped at the largest pack (the reference 8 MiB chip: the ten-script
 * default survey, 309 KB, fits) and never below SLOT_MIN_BYTES (what every
 * chip had before packs grew: a small chip keeps its log), in whole
 * blocks. A mounted chip keeps the size its superblock records, whatever
 * this rule says today. */
static uint32_t slot_blocks_at_format(uint32_t block_size, uint32_t block_count)
{
    uint64_t bytes = (uint64_t)block_size * block_count / 16u;
    if (bytes > CND_MAX_PACK_SIZE)
        bytes = CND_MAX_PACK_SIZE;
    if (bytes < SLOT_MIN_BYTES)
        bytes = SLOT_MIN_BYTES;
    return (uint32_t)((bytes + block_size - 1u) / block_size);
}

static cnd_status_t compute_layout(cnd_store_t *st)
{
    const cnd_flash_t *f = &st->hal->flash;
    uint64_t size = (uint64_t)f->block_size * f->block_count;
    uint32_t p = f->prog_size;
    if (!f->read || !f->prog || !f->erase || p == 0 || p > CND_STORE_MAX_PROG || (p & (p - 1)))
        return CND_E_INVALID;
    if (f->block_size == 0 || f->block_size % CND_STORE_MAX_PROG != 0 || f->block_count == 0)
        return CND_E_INVALID;
    /* Cursors encode (segment, offset <= block_size) in a u32. */
    if ((uint64_t)f->block_count * (f->block_size + 1u) >= 0xFFFFFFFFu || size > 0xFFFFFFFFu)
        return CND_E_INVALID;
    st->block_size = f->block_size;
    st->block_count = f->block_count;
    st->prog_size = p;
    st->slot_blocks = slot_blocks_at_format(f->block_size, f->block_count);
    st->log_first = STATE_FIRST_BLOCK + 2 + CND_MAX_SURVEYS * st->slot_blocks;
    /* A segment must hold its header and one largest response entry. */
    if (f->block_size < data_start(st) + 2 * epoch_entry_len(st) +
                            pad(st, CND_ENTRY_HEADER_LEN + CND_ENTRY_BODY_MAX))
        return CND_E_INVALID;
    if (f->block_count < st->log_first + 2)
        return CND_E_INVALID;
    st->log_blocks = f->block_count - st->log_first;
    return CND_OK;
}

static void superblock_encode(const cnd_store_t *st, uint8_t *b)
{
    memcpy(b, SB_MAGIC, 4);
    b[4] = FORMAT_VERSION;
    b[5] = SB_LEN;
    cnd_wire_put_u16(b + 6, 0);
    cnd_wire_put_u32(b + 8, st->block_size);
    cnd_wire_put_u32(b + 12, st->block_count);
    cnd_wire_put_u32(b + 16, st->prog_size);
    memcpy(b + 20, st->device_id, CND_DEVICE_ID_LEN);
    cnd_wire_put_u32(b + 28, SLOT_FIRST_BLOCK);
    cnd_wire_put_u32(b + 32, st->slot_blocks);
    cnd_wire_put_u32(b + 36, st->log_first);
    cnd_wire_put_u32(b + 40, st->log_blocks);
    cnd_wire_put_u32(b + 44, (uint32_t)crc32(0L, b, SB_LEN - 4));
}

/* Every block from `from` on reads erased, and block 0 from byte `skip` on. */
static cnd_status_t device_erased_from(cnd_store_t *st, uint32_t skip, int *erased)
{
    uint32_t b;
    cnd_status_t rs = range_erased(st, skip, st->block_size - skip, erased);
    for (b = 1; rs == CND_OK && *erased && b < st->block_count; b++)
        rs = range_erased(st, b * st->block_size, st->block_size, erased);
    return rs;
}

/* Two copies, back to back at the start of block 0: the superblock holds
 * the device id and the geometry every other block is found by, so one
 * flipped bit in it must not make the device refuse to mount. */
static cnd_status_t format(cnd_store_t *st)
{
    uint32_t len = pad(st, SB_LEN), copy;
    cnd_status_t rs = CND_OK;
    if (!st->hal->random || st->hal->random(st->hal->ctx, st->device_id, CND_DEVICE_ID_LEN))
        return CND_E_IO; /* no id without a good random source */
    for (copy = 0; copy < 2 && rs == CND_OK; copy++) {
        memset(st->buf, 0xFF, len);
        superblock_encode(st, st->buf);
        rs = prog_verified(st, copy * len, st->buf, len);
    }
    return rs;
}

/*
 * The pack slot size is the one recorded at format (a chip formatted with
 * 32 KiB slots keeps them after an update that would choose bigger ones):
 * the superblock's layout replaces the one compute_layout() chose, once it
 * is consistent with the port's geometry. Anything else: CND_E_CORRUPT.
 */
static cnd_status_t adopt_layout(cnd_store_t *st, const uint8_t *b, uint8_t *want)
{
    uint32_t slot_blocks = cnd_wire_get_u32(b + 32), log_first, max_slot;
    max_slot = (st->block_count - SLOT_FIRST_BLOCK - 2u) / CND_MAX_SURVEYS;
    if (st->block_count < SLOT_FIRST_BLOCK + 2u + CND_MAX_SURVEYS || slot_blocks == 0 ||
        slot_blocks > max_slot)
        return CND_E_CORRUPT; /* no room for four slots and two log blocks */
    log_first = SLOT_FIRST_BLOCK + CND_MAX_SURVEYS * slot_blocks;
    st->slot_blocks = slot_blocks;
    st->log_first = log_first;
    st->log_blocks = st->block_count - log_first;
    superblock_encode(st, want); /* same geometry, a consistent layout, or refuse */
    return memcmp(want, b, SB_LEN) == 0 ? CND_OK : CND_E_CORRUPT;
}

static cnd_status_t load_superblock(cnd_store_t *st)
{
    uint8_t *b = st->buf, want[SB_LEN];
    uint32_t len = pad(st, SB_LEN), copy;
    int erased = 0, blank = 1;
    cnd_status_t rs;
    for (copy = 0; copy < 2; copy++) {
        rs = flash_read(st, copy * len, b, SB_LEN);
        if (rs != CND_OK)
            return rs;
        blank = blank && cnd_bytes_erased(b, SB_LEN);
        if (memcmp(b, SB_MAGIC, 4) != 0 || cnd_wire_get_u32(b + 44) != crc32(0L, b, SB_LEN - 4))
            continue; /* torn or flipped: the other copy decides */
        if (b[4] != FORMAT_VERSION)
            return CND_E_VERSION; /* a layout we do not speak: refuse, never reformat */
        memcpy(st->device_id, b + 20, CND_DEVICE_ID_LEN);
        return adopt_layout(st, b, want);
    }
    /* Blank, or a superblock torn by a power cut during format: formatting
     * is only allowed when nothing else on the device was ever written. */
    rs = device_erased_from(st, 2 * len, &erased);
    if (rs != CND_OK)
        return rs;
    if (!erased)
        return CND_E_CORRUPT;
    if (!blank && (rs = flash_erase(st, 0)) != CND_OK)
        return rs;
    return format(st);
}

/* ---- power-safe state: watermark and pack slots ---- */

static uint32_t state_entry_len(const cnd_store_t *st)
{
    return pad(st, CND_ENTRY_HEADER_LEN + STATE_BODY_LEN);
}

static void state_body_encode(const cnd_store_t *st, uint8_t *b, uint32_t ack, uint8_t active,
                              const cnd_store_pack_info_t *slots)
{
    unsigned i;
    cnd_wire_put_u32(b + STATE_DAMAGE_AT, st->damage_seg);
    cnd_wire_put_u32(b + STATE_DAMAGE_AT + 4, st->damage_off);
    cnd_wire_put_u32(b + STATE_FLAGS_AT,
                     st->office_known || active != NO_SLOT ? STATE_OFFICE_KNOWN : 0);
    cnd_wire_put_u32(b, ack);
    b[4] = active;
    b[5] = CND_MAX_SURVEYS;
    cnd_wire_put_u16(b + 6, 0);
    for (i = 0; i < CND_MAX_SURVEYS; i++) {
        cnd_wire_put_u32(b + 8 + 8 * i, slots[i].len ? slots[i].fingerprint : 0);
        cnd_wire_put_u32(b + 12 + 8 * i, slots[i].len);
    }
}

static int state_body_valid(const cnd_store_t *st, const uint8_t *b)
{
    unsigned i;
    uint32_t cap = st->slot_blocks * st->block_size;
    if (b[5] != CND_MAX_SURVEYS || (b[4] != NO_SLOT && b[4] >= CND_MAX_SURVEYS))
        return 0;
    if (b[4] != NO_SLOT && cnd_wire_get_u32(b + 12 + 8 * b[4]) == 0)
        return 0;
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (cnd_wire_get_u32(b + 12 + 8 * i) > cap)
            return 0;
    return 1;
}

static void state_body_apply(cnd_store_t *st, const uint8_t *b)
{
    unsigned i;
    st->ack = cnd_wire_get_u32(b);
    st->active = b[4];
    st->pin_failures = cnd_wire_get_u16(b + 6);
    st->damage_seg = cnd_wire_get_u32(b + STATE_DAMAGE_AT);
    st->damage_off = cnd_wire_get_u32(b + STATE_DAMAGE_AT + 4);
    st->office_known = (cnd_wire_get_u32(b + STATE_FLAGS_AT) & STATE_OFFICE_KNOWN) != 0;
    for (i = 0; i < CND_MAX_SURVEYS; i++) {
        st->slots[i].fingerprint = cnd_wire_get_u32(b + 8 + 8 * i);
        st->slots[i].len = cnd_wire_get_u32(b + 12 + 8 * i);
        st->slots[i].pending = 0;
    }
}

/* Scans one state block: the newest valid entry and the end of used slots. */
static cnd_status_t scan_state_block(cnd_store_t *st, uint32_t which, int *found,
                                     uint32_t *used_end)
{
    uint32_t se = state_entry_len(st), off, base = (STATE_FIRST_BLOCK + which) * st->block_size;
    *used_end = 0;
    for (off = 0; off + se <= st->block_size; off += se) {
        cnd_entry_header_t h;
        int erased;
        cnd_status_t rs = range_erased(st, base + off, se, &erased);
        if (rs != CND_OK)
            return rs;
        if (erased)
            continue;
        *used_end = off + se; /* torn or not, a used slot is never programmed again */
        rs = read_entry(st, base + off, base + off + se, &h);
        if (rs == CND_E_IO)
            return rs;
        if (rs != CND_OK || h.type != CND_ENTRY_STATE || h.len != STATE_BODY_LEN ||
            !state_body_valid(st, st->buf + CND_ENTRY_HEADER_LEN))
            continue;
        if (!*found || h.seq > st->state_seq) {
            *found = 1;
            st->state_seq = h.seq;
            st->state_block = which;
            state_body_apply(st, st->buf + CND_ENTRY_HEADER_LEN);
        }
    }
    return CND_OK;
}

static cnd_status_t load_state(cnd_store_t *st)
{
    uint32_t used[2];
    int found = 0;
    cnd_status_t rs = scan_state_block(st, 0, &found, &used[0]);
    if (rs == CND_OK)
        rs = scan_state_block(st, 1, &found, &used[1]);
    if (rs != CND_OK)
        return rs;
    if (found) {
        st->state_off = used[st->state_block];
    } else {
        /* Never written (or only torn writes): the initial state. If block 0
         * holds anything, call it full so the next write erases block 1. */
        st->ack = 0;
        st->active = NO_SLOT;
        st->pin_failures = 0;
        st->damage_seg = 0;
        st->damage_off = 0;
        st->state_block = 0;
        st->state_off = used[0] ? st->block_size : 0;
        /* Something was written but nothing reads back: the office is
         * forgotten, which must not look like a new device (sync.c trusts
         * the first pack only on a blank one). */
        st->office_known = (uint8_t)(used[0] || used[1]);
    }
    return CND_OK;
}

/*
 * Writes a new state entry, twice (two slots, same number and body, each
 * programmed and verified on its own): one flipped bit in the newest entry
 * then leaves its twin, instead of falling back to an older state (an
 * older watermark, an older active pack) or to none at all (a device that
 * forgot its office). A cut between the copies leaves one good copy.
 * The caller applies the values to RAM on CND_OK.
 */
static cnd_status_t write_state(cnd_store_t *st, uint32_t ack, uint8_t active,
                                const cnd_store_pack_info_t *slots)
{
    uint8_t e[CND_STORE_MAX_PROG];
    uint32_t se = state_entry_len(st), addr, copy;
    /* Every attempt takes a new number, so a write that failed but landed
     * can never tie with a later one. Numbers never wrap: a wrapped entry
     * would lose to the old one at the next mount and an ACK that returned
     * OK would be gone (found by fuzz_store_mount on a crafted image; a
     * real device would need 2^32 state writes). */
    uint32_t seq;
    cnd_status_t rs;

    if (st->state_seq == 0xFFFFFFFFu)
        return CND_E_NOSPACE;
    seq = ++st->state_seq;

    if (st->state_off + 2 * se > st->block_size) {
        /* The other block holds only older entries; the newest stays
         * readable here until the new entry is complete there. */
        rs = ensure_erased(st, STATE_FIRST_BLOCK + (1 - st->state_block));
        if (rs != CND_OK)
            return rs;
        st->state_block = 1 - st->state_block;
        st->state_off = 0;
    }
    memset(e, 0xFF, se);
    state_body_encode(st, e + CND_ENTRY_HEADER_LEN, ack, active, slots);
    cnd_wire_put_u16(e + CND_ENTRY_HEADER_LEN + 6, st->pin_failures);
    cnd_entry_header_encode(e, CND_ENTRY_STATE, seq, e + CND_ENTRY_HEADER_LEN, STATE_BODY_LEN);
    for (copy = 0; copy < 2; copy++) {
        addr = (STATE_FIRST_BLOCK + st->state_block) * st->block_size + st->state_off;
        st->state_off += se;
        rs = prog_verified(st, addr, e, se);
        if (rs != CND_OK)
            return rs;
    }
    if (active != NO_SLOT)
        st->office_known = 1;
    return CND_OK;
}

uint16_t cnd_store_pin_failures(const cnd_store_t *st)
{
    return st->pin_failures;
}

cnd_status_t cnd_store_set_pin_failures(cnd_store_t *st, uint16_t n)
{
    if (n == st->pin_failures)
        return CND_OK;
    /* RAM takes the new count even if the write fails: a flash fault must
     * never lift the backoff; the next state write carries it. */
    st->pin_failures = n;
    return write_state(st, st->ack, st->active, st->slots);
}

/* ---- log segments ---- */

static uint32_t seg_next(const cnd_store_t *st, uint32_t seg)
{
    return seg + 1 == st->log_blocks ? 0 : seg + 1;
}

static int seg_is_live(const cnd_store_t *st, uint32_t seg)
{
    return st->n_live > 0 && (seg + st->log_blocks - st->tail) % st->log_blocks < st->n_live;
}

/* The segment number of live segment seg (the head has head_segseq). */
static uint32_t seg_number(const cnd_store_t *st, uint32_t seg)
{
    return st->head_segseq - (st->head + st->log_blocks - seg) % st->log_blocks;
}

/* *segseq of a valid segment header in seg (either of its two copies);
 * CND_E_NOT_FOUND if neither holds. */
static cnd_status_t read_segment_header(cnd_store_t *st, uint32_t seg, uint32_t *segseq)
{
    uint32_t copy, hl = seg_header_len(st);
    for (copy = 0; copy < 2; copy++) {
        cnd_entry_header_t h;
        cnd_status_t rs = read_entry(st, log_addr(st, seg, copy * hl),
                                     log_addr(st, seg, (copy + 1) * hl), &h);
        if (rs == CND_E_IO)
            return rs;
        if (rs == CND_OK && h.type == CND_ENTRY_SEGMENT && h.len == 0) {
            *segseq = h.seq;
            return CND_OK;
        }
    }
    return CND_E_NOT_FOUND;
}

/*
 * One step of a walk over log segment seg from the P-aligned *off:
 * - CND_OK, *bad == 0: a valid entry starts at *off (header in *h, body at
 *   st->buf + 12); *off moves past it;
 * - CND_OK, *bad > 0: the *bad bytes from *at on hold no valid entry.
 *   A power cut tears only the last write, so a bad entry with good ones
 *   after it is damage, not a torn tail; the walk resynchronises at the
 *   next P-aligned offset whose magic, header and CRC all hold (a false
 *   match needs a CRC-32 collision). Bad bytes with nothing valid after
 *   them may be a torn save or damage; nobody can tell, so both are
 *   treated as damage: reported, never skipped in silence;
 * - CND_E_NOT_FOUND: everything from *off to the end of the block reads erased.
 * *at is where the entry or the damage starts.
 */
static cnd_status_t seg_step(cnd_store_t *st, uint32_t seg, uint32_t *off, uint32_t *at,
                             cnd_entry_header_t *h, uint32_t *bad)
{
    uint32_t a = *off, p, end;
    int erased;
    cnd_status_t rs;
    *bad = 0;
    for (;;) {
        *at = a;
        if (a >= st->block_size) {
            *off = a;
            return CND_E_NOT_FOUND;
        }
        rs = read_entry(st, log_addr(st, seg, a), log_addr(st, seg, st->block_size), h);
        if (rs == CND_OK) {
            *off = a + pad(st, CND_ENTRY_HEADER_LEN + h->len);
            return CND_OK;
        }
        if (rs != CND_E_NOT_FOUND)
            break;
        /* An erased header ends the segment, unless something was written
         * further on: then erased units are skipped up to it. */
        rs = range_erased(st, log_addr(st, seg, a), st->block_size - a, &erased);
        if (rs != CND_OK)
            return rs;
        if (erased) {
            *off = a;
            return CND_E_NOT_FOUND;
        }
        rs = range_erased(st, log_addr(st, seg, a), st->prog_size, &erased);
        if (rs != CND_OK)
            return rs;
        if (!erased)
            break;
        a += st->prog_size;
    }
    if (rs == CND_E_IO)
        return rs;
    for (p = a + st->prog_size; p + CND_ENTRY_HEADER_LEN <= st->block_size; p += st->prog_size) {
        rs = read_entry(st, log_addr(st, seg, p), log_addr(st, seg, st->block_size), h);
        if (rs == CND_E_IO)
            return rs;
        if (rs == CND_OK) {
            *bad = p - a;
            *off = p;
            return CND_OK;
        }
    }
    /* Nothing valid after it: the damage runs to the last written unit. */
    for (end = st->block_size; end > a + st->prog_size; end -= st->prog_size) {
        rs = range_erased(st, log_addr(st, seg, end - st->prog_size), st->prog_size, &erased);
        if (rs != CND_OK)
            return rs;
        if (!erased)
            break;
    }
    *bad = end - a;
    *off = end;
    return CND_OK;
}

static int slot_of(const cnd_store_t *st, uint32_t fp)
{
    int i;
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (st->slots[i].len > 0 && st->slots[i].fingerprint == fp)
            return i;
    return -1;
}

static void count_pending(cnd_store_t *st, uint32_t fp, int delta)
{
    int s = slot_of(st, fp);
    st->pending = (uint32_t)((int32_t)st->pending + delta);
    if (s >= 0)
        st->slots[s].pending = (uint32_t)((int32_t)st->slots[s].pending + delta);
}

/*
 * The EPOCH entry at off in seg, which must end by limit (the record that
 * names it), into e (uses st->buf). It is written twice, back to back, and
 * records name the first copy: when that one does not read back, its twin
 * right after it serves (every record of the epoch in this block needs it).
 */
static cnd_status_t read_epoch(cnd_store_t *st, uint32_t seg, uint32_t off, uint32_t limit,
                               cnd_epoch_t *e)
{
    uint32_t copy;
    if (off < data_start(st) || off % st->prog_size != 0 || off >= limit)
        return CND_E_CORRUPT;
    for (copy = 0; copy < 2; copy++) {
        cnd_entry_header_t h;
        uint32_t at = off + copy * epoch_entry_len(st);
        cnd_status_t rs = read_entry(st, log_addr(st, seg, at), log_addr(st, seg, limit), &h);
        if (rs == CND_E_IO)
            return rs;
        if (rs == CND_OK && h.type == CND_ENTRY_EPOCH &&
            cnd_epoch_decode(st->buf + CND_ENTRY_HEADER_LEN, h.len, e) == CND_OK)
            return CND_OK;
    }
    return CND_E_CORRUPT;
}

/*
 * A RESPONSE entry at offset `at` whose body is in st->buf counts as a
 * response when its sealed header is well formed and names a valid EPOCH
 * entry earlier in the same segment (without it nobody could open the
 * record). Replay and next_pending apply this same rule, so pending counts
 * and what sync sends always agree. Sets *fp and *epoch_off; st->buf is
 * reused (the epoch is read back unless it is *known_epoch, the one this
 * caller last found valid in this segment).
 */
static cnd_status_t sealed_entry_check(cnd_store_t *st, uint32_t seg, uint32_t at,
                                       const cnd_entry_header_t *h, uint32_t *known_epoch,
                                       uint32_t *fp, uint16_t *epoch_off, cnd_epoch_t *e)
{
    const uint8_t *b = st->buf + CND_ENTRY_HEADER_LEN;
    cnd_status_t rs;
    if (h->len < CND_SEALED_HEADER_LEN + CND_SEAL_TAG_LEN + 1 || h->len > CND_SEALED_BODY_MAX ||
        b[0] != CND_SEALED_VERSION)
        return CND_E_CORRUPT;
    *fp = cnd_wire_get_u32(b + 9);
    *epoch_off = cnd_wire_get_u16(b + 17);
    if (*epoch_off >= at)
        return CND_E_CORRUPT;
    if (e == NULL && *known_epoch == *epoch_off)
        return CND_OK;
    if (st->rd_epoch_ok && st->rd_epoch_seg == seg && st->rd_epoch_off == *epoch_off) {
        if (e != NULL)
            *e = st->rd_epoch;
        *known_epoch = *epoch_off;
        return CND_OK;
    }
    /* Read into the cache itself: no 88-byte epoch on this frame, which
     * lies on the deepest stack path (sync.c batch_get). */
    st->rd_epoch_ok = 0;
    rs = read_epoch(st, seg, *epoch_off, at, &st->rd_epoch);
    if (rs == CND_OK) {
        *known_epoch = *epoch_off;
        st->rd_epoch_seg = seg;
        st->rd_epoch_off = *epoch_off;
        st->rd_epoch_ok = 1;
        if (e != NULL)
            *e = st->rd_epoch;
    }
    return rs;
}

/* What one step of a walk found (walk_item). */
enum { ITEM_OTHER, ITEM_RESPONSE, ITEM_DAMAGE };
typedef struct {
    uint8_t kind;
    uint8_t valid;    /* h is a valid entry's header (its CRC held) */
    uint8_t id_state; /* ITEM_DAMAGE: CND_STORE_ID_* */
    uint32_t at, len; /* where the item starts in its block, its length */
    cnd_entry_header_t h;
    uint32_t fp;      /* ITEM_RESPONSE above the watermark: its pack */
    uint8_t id[CND_RESPONSE_ID_LEN];
} item_t;

/* Damage the office has not stored yet: after the damage watermark. */
static int damage_unreported(const cnd_store_t *st, uint32_t seg, uint32_t at)
{
    uint32_t n = seg_number(st, seg);
    return n > st->damage_seg || (n == st->damage_seg && at > st->damage_off);
}

/*
 * seg_step, plus the rule every walk shares: a valid RESPONSE entry above
 * the watermark that nobody could open (bad sealed header, or neither
 * EPOCH copy reads back) is damage as well. With out, a response's sealed
 * body is decoded into it and its epoch read into out->epoch. *known is
 * the epoch offset last found valid in this segment (NO_EPOCH_SEG at the
 * start of one).
 */
static cnd_status_t walk_item(cnd_store_t *st, uint32_t seg, uint32_t *off, uint32_t *known,
                              item_t *it, cnd_sealed_t *out)
{
    uint32_t bad = 0;
    uint16_t eoff = 0;
    cnd_status_t rs = seg_step(st, seg, off, &it->at, &it->h, &bad);
    if (rs != CND_OK)
        return rs;
    it->kind = ITEM_OTHER;
    it->valid = bad == 0;
    it->len = *off - it->at;
    it->id_state = CND_STORE_ID_NONE;
    if (bad > 0) {
        /* The id where the damaged bytes still look like a response's.
         * st->buf and it->h are free here: no locals, this frame sits on
         * the deepest stack path (batch_get, sync.c). */
        uint32_t n = CND_ENTRY_HEADER_LEN + 1 + CND_RESPONSE_ID_LEN;
        it->kind = ITEM_DAMAGE;
        it->len = bad;
        if (damage_unreported(st, seg, it->at))
            st->damage_walked = 1;
        if (bad >= n && flash_read(st, log_addr(st, seg, it->at), st->buf, n) == CND_OK &&
            cnd_entry_header_decode(st->buf, &it->h) == CND_OK &&
            it->h.type == CND_ENTRY_RESPONSE && it->h.len > 1 + CND_RESPONSE_ID_LEN) {
            memcpy(it->id, st->buf + CND_ENTRY_HEADER_LEN + 1, CND_RESPONSE_ID_LEN);
            it->id_state = CND_STORE_ID_UNVERIFIED;
        }
        return CND_OK;
    }
    if (it->h.type != CND_ENTRY_RESPONSE)
        return CND_OK;
    it->kind = ITEM_RESPONSE;
    if (it->h.seq <= st->ack)
        return CND_OK;
    memcpy(it->id, st->buf + CND_ENTRY_HEADER_LEN + 1, CND_RESPONSE_ID_LEN);
    rs = CND_OK;
    if (out != NULL)
        rs = cnd_sealed_body_decode(st->buf + CND_ENTRY_HEADER_LEN, it->h.len, out, &eoff);
    if (rs == CND_OK)
        rs = sealed_entry_check(st, seg, it->at, &it->h, known, &it->fp, &eoff,
                                out ? &out->epoch : NULL);
    if (rs == CND_E_IO)
        return rs;
    if (rs != CND_OK) {
        it->kind = ITEM_DAMAGE;
        it->id_state = CND_STORE_ID_VERIFIED; /* the entry's CRC held */
        if (damage_unreported(st, seg, it->at))
            st->damage_walked = 1;
    }
    return CND_OK;
}

/* The number of unreported damaged regions in live segment seg. */
static cnd_status_t segment_damage(cnd_store_t *st, uint32_t seg, uint32_t *count)
{
    uint32_t off = data_start(st), known = NO_EPOCH_SEG;
    item_t it;
    cnd_status_t rs;
    *count = 0;
    while ((rs = walk_item(st, seg, &off, &known, &it, NULL)) == CND_OK)
        if (it.kind == ITEM_DAMAGE && damage_unreported(st, seg, it.at))
            (*count)++;
    return rs == CND_E_NOT_FOUND ? CND_OK : rs;
}

/*
 * Seq of the first readable response at or after the start of live segment
 * seg (or next_seq if none). Every response in earlier segments has a lower
 * seq, which is what reclaiming needs to know.
 */
static cnd_status_t first_seq_from(cnd_store_t *st, uint32_t seg, uint32_t *seq)
{
    for (;;) {
        uint32_t off = data_start(st), at, bad;
        cnd_entry_header_t h;
        cnd_status_t rs;
        while ((rs = seg_step(st, seg, &off, &at, &h, &bad)) == CND_OK)
            if (bad == 0 && h.type == CND_ENTRY_RESPONSE) {
                *seq = h.seq;
                return CND_OK;
            }
        if (rs != CND_E_NOT_FOUND)
            return rs;
        if (seg == st->head) {
            *seq = st->next_seq;
            return CND_OK;
        }
        seg = seg_next(st, seg);
    }
}

/*
 * Erases at most `max` whole segments below the watermark, oldest first,
 * and counts those left (st->reclaimable) so that they already count as
 * free space. A NOR sector erase takes 45 ms typically and up to 400 ms
 * (W25Q64JV datasheet), so erasing everything an ACK frees at once would
 * stall the device for seconds and could outlast the host's 5 s reply
 * timeout; the rest is erased when the port is idle
 * (cnd_store_reclaim_step), or one at a time when a segment is needed.
 * The head is never reclaimed: it is where appends go. Nor is a segment
 * holding damage the office has not stored (its raw bytes are the only
 * trace of what was there): it stays until a sync has taken them.
 */
static cnd_status_t reclaim_some(cnd_store_t *st, uint32_t max, int recount)
{
    cnd_status_t rs = CND_OK;
    if (recount) {
        /* Segments the watermark has passed since the last count follow
         * those already counted (st->reclaimable after the tail). */
        uint32_t seg = st->tail, live = st->n_live - st->reclaimable, k, dmg;
        for (k = 0; k < st->reclaimable; k++)
            seg = seg_next(st, seg);
        while (live > 1) {
            uint32_t bound;
            rs = first_seq_from(st, seg_next(st, seg), &bound);
            if (rs != CND_OK || bound - 1 > st->ack)
                break;
            /* Only a store that knows of unreported damage (counted at
             * mount, or met by a walk since: the PULL that led to this ACK
             * read every entry it acknowledges) walks the segment again;
             * on healthy flash the ACK costs no second read of the log. */
            if (st->damaged > 0 || st->damage_walked) {
                rs = segment_damage(st, seg, &dmg);
                if (rs != CND_OK || dmg > 0)
                    break;
            }
            st->reclaimable++;
            seg = seg_next(st, seg);
            live--;
        }
    }
    while (max > 0 && st->reclaimable > 0) {
        cnd_status_t es = flash_erase(st, st->log_first + st->tail);
        if (es != CND_OK)
            return es; /* the block stays counted; a later call retries it */
        st->tail = seg_next(st, st->tail);
        st->n_live--;
        st->reclaimable--;
        max--;
    }
    return rs;
}

void cnd_store_set_erase_budget(cnd_store_t *st, uint8_t n)
{
    st->erase_budget = n;
}

cnd_status_t cnd_store_reclaim_step(cnd_store_t *st, int *more)
{
    cnd_status_t rs = CND_OK;
    if (st->log_blocks > 0 && st->reclaimable > 0)
        rs = reclaim_some(st, 1, 0);
    *more = st->reclaimable > 0;
    return rs;
}

/* Replays one segment: counts pending responses and unreported damage,
 * returns where the last valid entry ends (appends may follow it). */
static cnd_status_t replay_segment(cnd_store_t *st, uint32_t seg, uint32_t *max_seq, uint32_t *end)
{
    uint32_t off = data_start(st), known = NO_EPOCH_SEG;
    item_t it;
    cnd_status_t rs;
    *end = off;
    while ((rs = walk_item(st, seg, &off, &known, &it, NULL)) == CND_OK) {
        if (it.kind == ITEM_DAMAGE) {
            if (damage_unreported(st, seg, it.at))
                st->damaged++;
        } else {
            *end = off;
        }
        if (it.valid && it.h.type == CND_ENTRY_RESPONSE && it.h.seq > *max_seq)
            *max_seq = it.h.seq; /* a valid entry, opened or not */
        if (it.kind == ITEM_RESPONSE && it.h.seq > st->ack)
            count_pending(st, it.fp, 1);
    }
    return rs == CND_E_NOT_FOUND ? CND_OK : rs;
}

/* Finds the live segments: the head has the highest segment number, and
 * the chain runs back through consecutive numbers in block order. */
static cnd_status_t find_segments(cnd_store_t *st)
{
    uint32_t seg, k, segseq, best = 0;
    int found = 0;
    for (seg = 0; seg < st->log_blocks; seg++) {
        cnd_status_t rs = read_segment_header(st, seg, &segseq);
        if (rs == CND_E_IO)
            return rs;
        if (rs == CND_OK && (!found || segseq > best)) {
            found = 1;
            best = segseq;
            st->head = seg;
        }
    }
    st->n_live = 0;
    st->head_segseq = best;
    if (!found)
        return CND_OK;
    st->n_live = 1;
    st->tail = st->head;
    for (k = 1; k < st->log_blocks; k++) {
        uint32_t prev = (st->head + st->log_blocks - k) % st->log_blocks;
        cnd_status_t rs = read_segment_header(st, prev, &segseq);
        if (rs == CND_E_IO)
            return rs;
        if (rs != CND_OK || segseq != best - k)
            break;
        st->tail = prev;
        st->n_live++;
    }
    return CND_OK;
}

static cnd_status_t load_log(cnd_store_t *st)
{
    uint32_t max_seq = 0, seg, i, end = 0;
    int erased = 0;
    cnd_status_t rs = find_segments(st);
    if (rs != CND_OK)
        return rs;
    for (i = 0, seg = st->tail; i < st->n_live; i++, seg = seg_next(st, seg)) {
        rs = replay_segment(st, seg, &max_seq, &end);
        if (rs != CND_OK)
            return rs;
    }
    st->next_seq = max_seq > st->ack ? max_seq : st->ack;
    if (st->next_seq != SEQ_EXHAUSTED)
        st->next_seq++; /* never wraps to 0, which every watermark covers */
    if (st->n_live == 0)
        return CND_OK;
    /* Appends continue in the head only if nothing at all was written
     * after its last good entry; a torn tail makes the next append open a
     * new segment instead of writing after bytes nobody can vouch for. */
    st->head_off = end;
    if (end < st->block_size) {
        rs = range_erased(st, log_addr(st, st->head, end), st->block_size - end, &erased);
        if (rs != CND_OK)
            return rs;
    }
    st->head_sealed = (uint8_t)!erased;
    return CND_OK;
}

static cnd_status_t open_segment(cnd_store_t *st)
{
    uint32_t target = st->n_live ? seg_next(st, st->head) : 0, len, copy;
    cnd_status_t rs;
    if (st->n_live == st->log_blocks) {
        rs = reclaim_some(st, 1, 1); /* one segment is all this append needs */
        if (rs != CND_OK)
            return rs;
        if (st->n_live == st->log_blocks)
            return CND_E_NOSPACE; /* every segment holds unacked responses */
    }
    rs = ensure_erased(st, st->log_first + target);
    if (rs != CND_OK)
        return rs;
    /* Two copies: the segment number is what keeps every entry of this
     * block in the live chain. A cut after the first leaves a live segment
     * with one copy, which is all the chain needs. */
    for (copy = 0; copy < 2; copy++) {
        len = frame_entry(st, CND_ENTRY_SEGMENT, st->head_segseq + 1, 0);
        rs = prog_verified(st, log_addr(st, target, copy * len), st->buf, len);
        if (rs != CND_OK)
            return rs; /* the block is not live; the next try erases it again */
    }
    if (st->n_live == 0)
        st->tail = target;
    st->n_live++;
    st->head = target;
    st->head_segseq++;
    st->head_off = data_start(st);
    st->head_sealed = 0;
    return CND_OK;
}

/* ---- public API ---- */

cnd_status_t cnd_store_mount(cnd_store_t *st, const cnd_hal_t *hal)
{
    cnd_status_t rs;
    memset(st, 0, sizeof(*st));
    st->hal = hal;
    st->active = NO_SLOT;
    rs = compute_layout(st);
    if (rs == CND_OK)
        rs = load_superblock(st);
    if (rs == CND_OK)
        rs = load_state(st);
    if (rs == CND_OK)
        rs = load_log(st);
    if (rs != CND_OK) {
        /* A refused device behaves as empty and read-only: no packs, no
         * responses, every write refused. */
        memset(st, 0, sizeof(*st));
        st->hal = hal;
        st->active = NO_SLOT;
        return rs;
    }
    /* finishes a reclaim a power cut interrupted, a few segments now and
     * the rest when idle, so a boot never waits on a long backlog */
    (void)reclaim_some(st, CND_STORE_ERASES_PER_CALL, 1);
    return CND_OK;
}

static uint32_t slot_addr(const cnd_store_t *st, uint8_t slot);

/* What sealing needs from the pack in slot: the office key it seals to
 * and the survey's id and version for the associated data. Read straight
 * from the slot, so the store needs no opened pack (formats/SPEC.md 1.2,
 * 1.9). */
typedef struct {
    uint8_t office[CND_X25519_LEN];
    uint8_t survey_id[CND_MAX_NAME_LEN];
    uint8_t survey_id_len;
    uint16_t survey_version;
} pack_seal_info_t;

static cnd_status_t read_pack_seal_info(cnd_store_t *st, int slot, pack_seal_info_t *pi)
{
    uint8_t h[56];
    uint32_t base = slot_addr(st, (uint8_t)slot), len = st->slots[slot].len, soff, sref_off;
    uint16_t sref_len;
    if (len < sizeof h + CND_PACK_OFFICE_X25519_FROM_END)
        return CND_E_CORRUPT;
    if (flash_read(st, base, h, sizeof h) != CND_OK ||
        flash_read(st, base + len - CND_PACK_OFFICE_X25519_FROM_END, pi->office,
                   CND_X25519_LEN) != CND_OK)
        return CND_E_IO;
    pi->survey_version = cnd_wire_get_u16(h + 8);
    sref_off = cnd_wire_get_u16(h + 20);
    sref_len = cnd_wire_get_u16(h + 22);
    soff = cnd_wire_get_u32(h + 48);
    /* The slot passed cnd_pack_open() at install; re-check the bounds
     * anyway, flash can rot. */
    if (sref_len == 0 || sref_len > CND_MAX_NAME_LEN || soff > len ||
        sref_off + (uint32_t)sref_len > len - soff)
        return CND_E_CORRUPT;
    pi->survey_id_len = (uint8_t)sref_len;
    return flash_read(st, base + soff + sref_off, pi->survey_id, sref_len);
}

static cnd_status_t hal_random(void *ctx, uint8_t *buf, uint32_t n)
{
    const cnd_hal_t *hal = (const cnd_hal_t *)ctx;
    return hal->random ? hal->random(hal->ctx, buf, n) : CND_E_IO;
}

/* A new epoch when none is running, its chain is used up, or the pack
 * seals to another office. */
static cnd_status_t ensure_epoch(cnd_store_t *st, const uint8_t office[CND_X25519_LEN])
{
    cnd_status_t rs;
    if (st->chain.live && st->chain.ctr < CND_SEAL_MAX_CTR &&
        memcmp(st->epoch.office_pub, office, CND_X25519_LEN) == 0)
        return CND_OK;
    rs = cnd_seal_begin(&st->chain, office, hal_random, (void *)st->hal, st->device_id,
                        CND_DEVICE_ID_LEN, st->epoch.box);
    if (rs != CND_OK)
        return rs;
    memcpy(st->epoch.epoch_pub, st->chain.epoch_pub, CND_X25519_LEN);
    memcpy(st->epoch.office_pub, office, CND_X25519_LEN);
    st->epoch_seg = NO_EPOCH_SEG;
    return CND_OK;
}

/* Programs body (already at st->buf + 12) as one entry at the head. */
static cnd_status_t append_entry(cnd_store_t *st, uint8_t type, uint32_t seq, uint16_t len)
{
    uint32_t total = frame_entry(st, type, seq, len);
    cnd_status_t rs = prog_verified(st, log_addr(st, st->head, st->head_off), st->buf, total);
    if (rs != CND_OK) {
        int erased = 1;
        st->head_sealed = 1; /* what is there now is unknown: never write after it */
        /* Bytes that landed are unreadable damage from now on (seg_step):
         * counted, so HELLO says so before the next boot recounts. */
        if (range_erased(st, log_addr(st, st->head, st->head_off), total, &erased) == CND_OK &&
            !erased)
            st->damaged++;
        return rs;
    }
    st->head_off += total;
    return CND_OK;
}

cnd_status_t cnd_store_append_response(cnd_store_t *st, const cnd_response_t *r,
                                       const cnd_pack_t *pk)
{
    /* The plaintext record is encoded so that its sealed part already sits
     * where the ciphertext goes (sealing is in place): no second buffer. */
    uint8_t *body = st->buf + CND_ENTRY_HEADER_LEN;
    uint8_t *rec = body + CND_SEALED_HEADER_LEN - CND_SEALED_CLEAR_OF_RECORD;
    uint8_t ad[CND_SEALED_AD_MAX];
    pack_seal_info_t pi;
    size_t rlen = 0;
    uint32_t need, ptlen, seq, ctr = 0, adlen;
    uint16_t blen;
    int slot;
    cnd_status_t rs;

    if (st->hal == NULL || st->log_blocks == 0 || pk == NULL)
        return CND_E_INVALID;
    slot = slot_of(st, r->pack_fp);
    if (slot < 0)
        return CND_E_NO_SURVEY; /* a response must name an installed pack */
    if (st->next_seq == SEQ_EXHAUSTED)
        return CND_E_NOSPACE; /* the next seq would wrap below the watermark */
    rs = read_pack_seal_info(st, slot, &pi);
    if (rs == CND_OK)
        rs = ensure_epoch(st, pi.office);
    /* Size check before anything is written (the record is encoded again
     * below, after the segment and epoch entries have used st->buf). */
    if (rs == CND_OK)
        rs = cnd_record_encode(r, pk, rec, CND_STORE_BUF_LEN - (size_t)(rec - st->buf), &rlen);
    if (rs != CND_OK)
        return rs;
    ptlen = (uint32_t)rlen - CND_SEALED_CLEAR_OF_RECORD;
    blen = (uint16_t)(CND_SEALED_HEADER_LEN + ptlen + CND_SEAL_TAG_LEN);
    need = pad(st, CND_ENTRY_HEADER_LEN + blen);
    if (st->n_live == 0 || st->epoch_seg != st->head)
        need += 2 * epoch_entry_len(st);
    if (st->n_live == 0 || st->head_sealed || st->head_off + need > st->block_size) {
        rs = open_segment(st);
        if (rs != CND_OK)
            return rs;
    }
    if (st->epoch_seg != st->head) {
        /* Twice, back to back: every record of the epoch in this block
         * needs it, so one flipped bit in it must not cost them all. */
        uint32_t at = st->head_off, copy;
        for (copy = 0; copy < 2; copy++) {
            cnd_epoch_encode(body, &st->epoch);
            rs = append_entry(st, CND_ENTRY_EPOCH, 0, CND_EPOCH_BODY_LEN);
            if (rs != CND_OK)
                return rs;
        }
        st->epoch_seg = st->head;
        st->epoch_off = (uint16_t)at;
    }
    rs = cnd_record_encode(r, pk, rec, CND_STORE_BUF_LEN - (size_t)(rec - st->buf), &rlen);
    if (rs != CND_OK)
        return rs;
    seq = st->next_seq++; /* consumed even on failure: seqs never repeat */
    adlen = cnd_sealed_ad(ad, r->id, r->pack_fp, seq, st->chain.ctr, pi.survey_version,
                          pi.survey_id, pi.survey_id_len);
    rs = cnd_seal_record(&st->chain, ad, adlen, body + CND_SEALED_HEADER_LEN, ptlen,
                         body + CND_SEALED_HEADER_LEN, &ctr);
    if (rs != CND_OK) {
        memset(st->buf, 0, sizeof st->buf); /* no plaintext left behind */
        return rs;
    }
    cnd_sealed_header_encode(body, r->id, r->pack_fp, ctr, st->epoch_off);
    rs = append_entry(st, CND_ENTRY_RESPONSE, seq, blen);
    if (rs != CND_OK)
        return rs;
    count_pending(st, r->pack_fp, 1);
    return CND_OK;
}

uint32_t cnd_store_pending_count(const cnd_store_t *st)
{
    return st->pending;
}

uint32_t cnd_store_bytes_used(const cnd_store_t *st)
{
    if (st->n_live == 0)
        return 0;
    /* acknowledged segments waiting for their erase are free space */
    return (st->n_live - 1 - st->reclaimable) * st->block_size +
           (st->head_sealed ? st->block_size : st->head_off);
}

uint32_t cnd_store_bytes_free(const cnd_store_t *st)
{
    return st->log_blocks * st->block_size - cnd_store_bytes_used(st);
}

/* The reserve assumes no device programs in larger units than the store
 * supports, and a segment holds at least one reserve after its header. */
typedef char cnd_store_reserve_covers_prog[(CND_FILL_MAX_PROG >= CND_STORE_MAX_PROG) ? 1 : -1];

uint8_t cnd_store_fill_percent(const cnd_store_t *st)
{
    return cnd_fill_percent(cnd_store_bytes_used(st), cnd_store_bytes_free(st));
}

cnd_fill_level_t cnd_store_fill_level(const cnd_store_t *st)
{
    return cnd_fill_level(cnd_store_bytes_used(st), cnd_store_bytes_free(st),
                          cnd_fill_reserve(st->prog_size));
}

/* bytes_free is the head's unsealed tail plus whole free segments. If a
 * segment is free, it is >= one reserve (compute_layout); if none is, the
 * head's tail is all there is. Either way free >= reserve <=> the largest
 * entry fits without opening a segment that does not exist. */
int cnd_store_has_room(const cnd_store_t *st)
{
    return st->log_blocks > 0 && cnd_store_bytes_free(st) >= cnd_fill_reserve(st->prog_size);
}

const uint8_t *cnd_store_device_id(const cnd_store_t *st)
{
    return st->device_id;
}

/* Cursor = 1 + seg * (block_size + 1) + offset; 0 = from the start. */
static uint32_t cursor_encode(const cnd_store_t *st, uint32_t seg, uint32_t off)
{
    return 1 + seg * (st->block_size + 1) + off;
}

static int cursor_decode(const cnd_store_t *st, uint32_t cursor, uint32_t *seg, uint32_t *off)
{
    if (cursor == 0)
        return 0;
    *seg = (cursor - 1) / (st->block_size + 1);
    *off = (cursor - 1) % (st->block_size + 1);
    return *seg < st->log_blocks && seg_is_live(st, *seg) && *off >= data_start(st) &&
           *off % st->prog_size == 0;
}

/* Where a walk over the log starts: the oldest segment that is not wholly
 * acknowledged (those waiting for their erase hold nothing pending and no
 * unreported damage). */
static void walk_start(const cnd_store_t *st, uint32_t cursor, uint32_t *seg, uint32_t *off)
{
    uint32_t k;
    if (cursor_decode(st, cursor, seg, off))
        return;
    *seg = st->tail;
    for (k = 0; k < st->reclaimable; k++)
        *seg = seg_next(st, *seg);
    *off = data_start(st);
}

/* The next item of kind `want` after *cursor (with the same acceptance
 * rule everywhere: walk_item). With out == NULL only a response's seq and
 * pack are wanted (counting at ACK). */
static cnd_status_t next_item(cnd_store_t *st, uint32_t *cursor, uint8_t want, item_t *it,
                              uint32_t *seg_out, cnd_sealed_t *out)
{
    uint32_t seg, off, known = NO_EPOCH_SEG;
    if (st->n_live == 0)
        return CND_E_NOT_FOUND;
    walk_start(st, *cursor, &seg, &off);
    for (;;) {
        cnd_status_t rs = walk_item(st, seg, &off, &known, it, out);
        if (rs == CND_E_IO)
            return rs;
        if (rs != CND_OK) {
            if (seg == st->head) {
                *cursor = cursor_encode(st, seg, off);
                return CND_E_NOT_FOUND;
            }
            seg = seg_next(st, seg);
            off = data_start(st);
            known = NO_EPOCH_SEG; /* an epoch offset means nothing in another segment */
            continue;
        }
        if (it->kind != want)
            continue;
        if (want == ITEM_RESPONSE && it->h.seq <= st->ack)
            continue;
        if (want == ITEM_DAMAGE && !damage_unreported(st, seg, it->at))
            continue;
        *seg_out = seg;
        *cursor = cursor_encode(st, seg, off);
        return CND_OK;
    }
}

static cnd_status_t next_pending(cnd_store_t *st, uint32_t *cursor, uint32_t *seq,
                                 cnd_sealed_t *out, uint32_t *pack_fp)
{
    item_t it;
    uint32_t seg;
    cnd_status_t rs = next_item(st, cursor, ITEM_RESPONSE, &it, &seg, out);
    if (rs != CND_OK)
        return rs;
    if (out != NULL)
        out->seq = it.h.seq;
    *seq = it.h.seq;
    *pack_fp = it.fp;
    return CND_OK;
}

cnd_status_t cnd_store_next_pending(cnd_store_t *st, uint32_t *cursor, uint32_t *seq,
                                    cnd_sealed_t *out)
{
    uint32_t fp;
    return next_pending(st, cursor, seq, out, &fp);
}

/* ---- damage ---- */

uint32_t cnd_store_damaged_count(const cnd_store_t *st)
{
    return st->damaged;
}

cnd_status_t cnd_store_next_damage(cnd_store_t *st, uint32_t *cursor, cnd_store_damage_t *d)
{
    item_t it;
    uint32_t seg;
    cnd_status_t rs = next_item(st, cursor, ITEM_DAMAGE, &it, &seg, NULL);
    if (rs != CND_OK)
        return rs;
    d->segment = seg_number(st, seg);
    d->offset = it.at;
    d->len = it.len;
    d->id_state = it.id_state;
    memcpy(d->id, it.id, CND_RESPONSE_ID_LEN);
    return CND_OK;
}

/* The block of live segment number `segment`, or -1. */
static int32_t seg_of_number(const cnd_store_t *st, uint32_t segment)
{
    uint32_t back = st->head_segseq - segment;
    if (st->n_live == 0 || segment > st->head_segseq || back >= st->n_live)
        return -1;
    return (int32_t)((st->head + st->log_blocks - back) % st->log_blocks);
}

cnd_status_t cnd_store_damage_read(cnd_store_t *st, uint32_t segment, uint32_t offset,
                                   uint8_t *buf, uint32_t len)
{
    int32_t seg = seg_of_number(st, segment);
    if (seg < 0)
        return CND_E_NOT_FOUND;
    if (offset > st->block_size || len > st->block_size - offset)
        return CND_E_RANGE;
    return len == 0 ? CND_OK : flash_read(st, log_addr(st, (uint32_t)seg, offset), buf, len);
}

/* Recounts the unreported damage over the live log (after the watermark moved). */
static cnd_status_t recount_damage(cnd_store_t *st)
{
    uint32_t seg = st->tail, i, n;
    st->damaged = 0;
    st->damage_walked = 0; /* the recount meets, and counts, all of it */
    for (i = 0; i < st->n_live; i++, seg = seg_next(st, seg)) {
        cnd_status_t rs = segment_damage(st, seg, &n);
        if (rs != CND_OK)
            return rs;
        st->damaged += n;
    }
    return CND_OK;
}

cnd_status_t cnd_store_damage_ack(cnd_store_t *st, uint32_t segment, uint32_t offset)
{
    uint32_t old_seg = st->damage_seg, old_off = st->damage_off;
    cnd_status_t rs;
    if (st->n_live == 0 || segment > st->head_segseq || offset >= st->block_size)
        return CND_E_RANGE;
    if (segment < st->damage_seg || (segment == st->damage_seg && offset <= st->damage_off))
        return CND_OK; /* idempotent */
    st->damage_seg = segment;
    st->damage_off = offset;
    rs = write_state(st, st->ack, st->active, st->slots);
    if (rs != CND_OK) {
        st->damage_seg = old_seg;
        st->damage_off = old_off;
        return rs;
    }
    rs = recount_damage(st);
    if (rs != CND_OK)
        return rs;
    (void)reclaim_some(st, st->erase_budget ? st->erase_budget : CND_STORE_ERASES_PER_CALL, 1);
    return CND_OK;
}

/* Moves the watermark to upto, of which `gone` responses (gone_slot per
 * pack slot) stop being pending. */
static cnd_status_t ack_counted(cnd_store_t *st, uint32_t upto, uint32_t gone,
                                const uint32_t gone_slot[CND_MAX_SURVEYS])
{
    unsigned i;
    cnd_status_t rs = write_state(st, upto, st->active, st->slots);
    if (rs != CND_OK)
        return rs;
    st->ack = upto;
    /* Clamped: a record that went bad on flash after the caller counted it
     * is gone from both counts, never below zero. */
    st->pending -= gone < st->pending ? gone : st->pending;
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        st->slots[i].pending -= gone_slot[i] < st->slots[i].pending ? gone_slot[i]
                                                                     : st->slots[i].pending;
    /* The ACK is durable now; a failed erase is retried at the next ack,
     * idle step, segment open or mount, so it does not fail the ACK. */
    (void)reclaim_some(st, st->erase_budget ? st->erase_budget : CND_STORE_ERASES_PER_CALL, 1);
    return CND_OK;
}

static cnd_status_t ack_check(const cnd_store_t *st, uint32_t upto)
{
    if (upto >= st->next_seq && st->next_seq != SEQ_EXHAUSTED)
        return CND_E_RANGE;
    return CND_OK;
}

cnd_status_t cnd_store_ack(cnd_store_t *st, uint32_t upto)
{
    uint32_t cursor = 0, seq = 0, fp = 0, gone = 0, gone_slot[CND_MAX_SURVEYS] = {0};
    cnd_status_t rs = ack_check(st, upto);

    if (rs != CND_OK)
        return rs;
    if (upto <= st->ack)
        return CND_OK; /* idempotent: a repeated ACK changes nothing */
    /* Count what stops being pending before the watermark moves. */
    while ((rs = next_pending(st, &cursor, &seq, NULL, &fp)) == CND_OK && seq <= upto) {
        int s = slot_of(st, fp);
        gone++;
        if (s >= 0)
            gone_slot[s]++;
    }
    if (rs == CND_E_IO)
        return rs;
    return ack_counted(st, upto, gone, gone_slot);
}

cnd_status_t cnd_store_ack_run(cnd_store_t *st, uint32_t upto, uint32_t count, uint32_t pack_fp)
{
    uint32_t gone_slot[CND_MAX_SURVEYS] = {0};
    int s;
    cnd_status_t rs = ack_check(st, upto);
    if (rs != CND_OK)
        return rs;
    if (upto <= st->ack)
        return CND_OK;
    s = slot_of(st, pack_fp);
    if (s >= 0)
        gone_slot[s] = count;
    return ack_counted(st, upto, count, gone_slot);
}

/* ---- pack slots ---- */

static uint32_t slot_addr(const cnd_store_t *st, uint8_t slot)
{
    return (SLOT_FIRST_BLOCK + (uint32_t)slot * st->slot_blocks) * st->block_size;
}

static uint32_t slot_capacity(const cnd_store_t *st)
{
    uint32_t cap = st->slot_blocks * st->block_size;
    return cap < CND_MAX_PACK_SIZE ? cap : CND_MAX_PACK_SIZE;
}

/* The length of the pack in slot `slot` as its header states it, when the
 * slot's bytes still pass the pack's CRC trailer (its fingerprint: SPEC
 * 1.1), else 0. Read in chunks: no pack buffer. want_len != 0 must match. */
static uint32_t slot_intact_len(cnd_store_t *st, uint8_t slot, uint32_t want_len)
{
    uint8_t chunk[CHUNK];
    uint32_t base = slot_addr(st, slot), len, done, crc = 0;
    if (flash_read(st, base, chunk, 20) != CND_OK || memcmp(chunk, "CNDP", 4) != 0)
        return 0;
    len = cnd_wire_get_u32(chunk + 16);
    if (len < CND_PACK_HEADER_SIZE + CND_PACK_SIG_TAIL || len > slot_capacity(st) ||
        (want_len != 0 && len != want_len))
        return 0;
    for (done = 0; done < len - CND_PACK_TRAILER_SIZE; done += CHUNK) {
        uint32_t n = len - CND_PACK_TRAILER_SIZE - done < CHUNK ? len - CND_PACK_TRAILER_SIZE - done
                                                                : CHUNK;
        if (flash_read(st, base + done, chunk, n) != CND_OK)
            return 0;
        crc = (uint32_t)crc32(crc, chunk, n);
    }
    if (flash_read(st, base + len - CND_PACK_TRAILER_SIZE, chunk, 4) != CND_OK)
        return 0;
    return cnd_wire_get_u32(chunk) == crc ? len : 0;
}

cnd_status_t cnd_store_slot_office_key(cnd_store_t *st, int which, int intact_only,
                                       uint8_t key[CND_P256_PUB_LEN])
{
    uint8_t slot, h[20];
    uint32_t len;
    if (which == CND_STORE_ACTIVE_SLOT) {
        if (st->active == NO_SLOT)
            return CND_E_NO_SURVEY;
        slot = st->active;
    } else if (which >= 0 && which < CND_MAX_SURVEYS && st->block_size > 0) {
        slot = (uint8_t)which;
    } else {
        return CND_E_RANGE;
    }
    len = slot_intact_len(st, slot, which == CND_STORE_ACTIVE_SLOT ? st->slots[slot].len : 0);
    if (len == 0 && !intact_only) {
        /* As read: a flipped bit elsewhere in the pack leaves its key as
         * it was, and one in the key makes a point nobody can sign for. */
        if (flash_read(st, slot_addr(st, slot), h, sizeof h) != CND_OK ||
            memcmp(h, "CNDP", 4) != 0)
            return CND_E_CORRUPT;
        len = cnd_wire_get_u32(h + 16);
        if (len < CND_PACK_HEADER_SIZE + CND_PACK_SIG_TAIL || len > slot_capacity(st))
            return CND_E_CORRUPT;
    }
    if (len == 0)
        return CND_E_CORRUPT;
    return flash_read(st, slot_addr(st, slot) + len - CND_PACK_OFFICE_P256_FROM_END, key,
                      CND_P256_PUB_LEN);
}

int cnd_store_office_known(const cnd_store_t *st)
{
    return st->office_known;
}

/* An empty slot first; else one that is not active and that no pending
 * response needs (its pack is then forgotten). */
static int choose_slot(const cnd_store_t *st)
{
    int i;
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (st->slots[i].len == 0)
            return i;
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (i != st->active && st->slots[i].pending == 0)
            return i;
    return -1;
}

cnd_status_t cnd_store_pack_begin(cnd_store_t *st, uint32_t total_len)
{
    uint32_t b, blocks;
    int s;
    cnd_status_t rs;

    st->inst_open = 0;
    if (total_len == 0 || total_len > CND_MAX_PACK_SIZE || st->block_size == 0)
        return CND_E_RANGE; /* no pack is that long, or no store was mounted */
    if (total_len > cnd_store_pack_capacity(st))
        return CND_E_NOSPACE; /* a valid pack, too big for this device */
    s = choose_slot(st);
    if (st->active == NO_SLOT && st->office_known) {
        /* The state is lost: a slot it calls empty may hold the only pack
         * left that names the office (the trust anchor, sync.c). Only a
         * slot that holds no pack header is written then. */
        uint8_t h[4];
        for (s = 0; s < CND_MAX_SURVEYS; s++)
            if (st->slots[s].len == 0 &&
                (flash_read(st, slot_addr(st, (uint8_t)s), h, sizeof h) != CND_OK ||
                 memcmp(h, "CNDP", 4) != 0))
                break;
        if (s == CND_MAX_SURVEYS)
            return CND_E_NOSPACE;
    }
    if (s < 0)
        return CND_E_NOSPACE;
    if (st->slots[s].len > 0) {
        /* Forget the old pack durably before its bytes are erased. */
        cnd_store_pack_info_t next[CND_MAX_SURVEYS];
        memcpy(next, st->slots, sizeof(next));
        next[s].len = 0;
        next[s].fingerprint = 0;
        rs = write_state(st, st->ack, st->active, next);
        if (rs != CND_OK)
            return rs;
        st->slots[s] = next[s];
    }
    blocks = (total_len + st->block_size - 1) / st->block_size;
    for (b = 0; b < blocks; b++) {
        rs = ensure_erased(st, slot_addr(st, (uint8_t)s) / st->block_size + b);
        if (rs != CND_OK)
            return rs;
    }
    st->inst_open = 1;
    st->inst_slot = (uint8_t)s;
    st->inst_total = total_len;
    st->inst_written = 0;
    st->pbuf_fill = 0;
    return CND_OK;
}

/* Programs the buffered unit (padded with 0xFF when it is the last one). */
static cnd_status_t flush_pbuf(cnd_store_t *st)
{
    uint32_t len = pad(st, st->pbuf_fill);
    uint32_t addr = slot_addr(st, st->inst_slot) + st->inst_written - st->pbuf_fill;
    cnd_status_t rs;
    if (st->pbuf_fill == 0)
        return CND_OK;
    memset(st->pbuf + st->pbuf_fill, 0xFF, len - st->pbuf_fill);
    rs = prog_verified(st, addr, st->pbuf, len);
    st->pbuf_fill = 0;
    return rs;
}

cnd_status_t cnd_store_pack_write(cnd_store_t *st, uint32_t offset, const uint8_t *data,
                                  uint32_t len)
{
    if (!st->inst_open || offset != st->inst_written)
        return CND_E_PROTOCOL; /* chunks arrive in order after a begin */
    if (len > st->inst_total - st->inst_written)
        return CND_E_RANGE;
    while (len > 0) {
        uint32_t n = CND_STORE_MAX_PROG - st->pbuf_fill;
        if (n > len)
            n = len;
        memcpy(st->pbuf + st->pbuf_fill, data, n);
        st->pbuf_fill += n;
        st->inst_written += n;
        data += n;
        len -= n;
        if (st->pbuf_fill == CND_STORE_MAX_PROG) {
            cnd_status_t rs = flush_pbuf(st);
            if (rs != CND_OK) {
                st->inst_open = 0;
                return rs;
            }
        }
    }
    return CND_OK;
}

static uint8_t *scratch_buffer(const cnd_store_t *st, uint32_t *cap);

uint32_t cnd_store_pack_capacity(const cnd_store_t *st)
{
    uint32_t cap = slot_capacity(st), buf_cap = 0;
    if (st->window == NULL) {
        /* commit opens the pack in the RAM buffer: it must hold it whole */
        (void)scratch_buffer(st, &buf_cap);
        if (buf_cap < cap)
            cap = buf_cap;
    }
    return cap;
}

static uint8_t *scratch_buffer(const cnd_store_t *st, uint32_t *cap)
{
    if (st->scratch) {
        *cap = st->scratch_cap;
        return st->scratch;
    }
#ifndef CND_STORE_NO_STATIC_SCRATCH
    *cap = sizeof(store_static_scratch);
    return store_static_scratch;
#else
    *cap = 0;
    return NULL;
#endif
}

/* The lent buffer (or window) holds the active pack again after a failed commit. */
static void restore_scratch(cnd_store_t *st)
{
    const uint8_t *view;
    if (st->window && st->active != NO_SLOT) {
        (void)st->window(st->window_ctx, slot_addr(st, st->active), st->slots[st->active].len,
                         &view);
        return;
    }
    if (st->scratch && st->active != NO_SLOT && st->slots[st->active].len <= st->scratch_cap)
        (void)flash_read(st, slot_addr(st, st->active), st->scratch, st->slots[st->active].len);
}

cnd_status_t cnd_store_pack_commit(cnd_store_t *st)
{
    cnd_store_pack_info_t next[CND_MAX_SURVEYS];
    cnd_pack_t pk;
    uint32_t cap = 0;
    uint8_t *buf = scratch_buffer(st, &cap), s = st->inst_slot, active;
    const uint8_t *view = buf;
    int existing;
    cnd_status_t rs;

    if (!st->inst_open)
        return CND_E_PROTOCOL;
    if (st->inst_written != st->inst_total)
        return CND_E_TRUNCATED;
    st->inst_open = 0;
    if (st->window == NULL && (buf == NULL || cap < st->inst_total))
        return CND_E_NOSPACE;
    rs = flush_pbuf(st);
    if (rs == CND_OK)
        rs = st->window ? st->window(st->window_ctx, slot_addr(st, s), st->inst_total, &view)
                        : flash_read(st, slot_addr(st, s), buf, st->inst_total);
    if (rs == CND_OK)
        rs = cnd_pack_open(&pk, view, st->inst_total); /* what flash holds, not what was sent */
    if (rs != CND_OK) {
        restore_scratch(st);
        return rs;
    }
    memcpy(next, st->slots, sizeof(next));
    existing = slot_of(st, pk.fingerprint);
    if (existing >= 0 && existing != s &&
        slot_intact_len(st, (uint8_t)existing, st->slots[existing].len) == 0) {
        /* Installed, but its stored copy no longer passes its check: the
         * copy just written and verified replaces it (push repairs). */
        next[s] = st->slots[existing];
        next[s].len = st->inst_total;
        next[existing].len = 0;
        next[existing].fingerprint = 0;
        next[existing].pending = 0;
        active = s;
    } else if (existing >= 0) {
        if (existing == st->active)
            return CND_OK; /* already active and intact: nothing changes */
        active = (uint8_t)existing; /* installed before: just switch to it */
    } else {
        next[s].fingerprint = pk.fingerprint;
        next[s].len = st->inst_total;
        next[s].pending = 0;
        active = s;
    }
    rs = write_state(st, st->ack, active, next);
    if (rs != CND_OK) {
        restore_scratch(st);
        return rs;
    }
    memcpy(st->slots, next, sizeof(next));
    st->active = active; /* the buffer already holds these bytes */
    return CND_OK;
}

void cnd_store_set_pack_buffer(cnd_store_t *st, uint8_t *buf, uint32_t cap)
{
    st->scratch = buf;
    st->scratch_cap = cap;
}

void cnd_store_set_pack_window(cnd_store_t *st, cnd_store_window_fn fn, void *ctx)
{
    st->window = fn;
    st->window_ctx = ctx;
}

cnd_status_t cnd_store_active_pack(cnd_store_t *st, uint8_t *buf, uint32_t cap, uint32_t *len)
{
    uint32_t n;
    *len = 0;
    if (st->active == NO_SLOT)
        return CND_E_NO_SURVEY;
    n = st->slots[st->active].len;
    if (cap < n)
        return CND_E_NOSPACE;
    if (flash_read(st, slot_addr(st, st->active), buf, n) != CND_OK)
        return CND_E_IO;
    *len = n;
    return CND_OK;
}

cnd_status_t cnd_store_open_active_pack(cnd_store_t *st, uint8_t *buf, uint32_t cap,
                                        cnd_pack_t *pk)
{
    uint32_t len = 0;
    const uint8_t *view = NULL;
    cnd_status_t rc;
    if (buf == NULL && st->window) {
        if (st->active == NO_SLOT)
            return CND_E_NO_SURVEY;
        len = st->slots[st->active].len;
        rc = st->window(st->window_ctx, slot_addr(st, st->active), len, &view);
        return rc != CND_OK ? rc : cnd_pack_open(pk, view, len);
    }
    rc = cnd_store_active_pack(st, buf, cap, &len);
    if (rc != CND_OK)
        return rc;
    return cnd_pack_open(pk, buf, len);
}

uint8_t cnd_store_packs(const cnd_store_t *st, cnd_store_pack_info_t *out)
{
    uint8_t n = 0, i;
    if (st->active != NO_SLOT)
        out[n++] = st->slots[st->active];
    for (i = 0; i < CND_MAX_SURVEYS; i++)
        if (i != st->active && st->slots[i].len > 0)
            out[n++] = st->slots[i];
    return n;
}

cnd_status_t cnd_store_pack_read(cnd_store_t *st, uint32_t fingerprint, uint32_t offset,
                                 uint8_t *buf, uint32_t len)
{
    int s = slot_of(st, fingerprint);
    if (s < 0)
        return CND_E_NOT_FOUND;
    if (offset > st->slots[s].len || len > st->slots[s].len - offset)
        return CND_E_RANGE;
    if (len == 0)
        return CND_OK;
    return flash_read(st, slot_addr(st, (uint8_t)s) + offset, buf, len);
}
