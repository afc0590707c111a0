/*
 * store.h: the device's durable storage on a NOR flash (hal.h cnd_flash_t).
 *
 * Owns: the flash layout (formats/SPEC.md section "Flash layout"): the
 * append-only response log in erase-block segments, the power-safe sync
 * watermark, and the survey pack slots. Boot replays the log; a torn or
 * damaged entry is never trusted, and the walk resynchronises at the next
 * valid entry after it (formats/SPEC.md 4.2). Metadata many records need
 * (superblock, segment header, EPOCH, STATE) is written twice.
 *
 * Promises:
 * - cnd_store_append_response() returns CND_OK only after the record has
 *   been read back from flash and matched byte for byte (the engine shows
 *   "Saved" only then).
 * - A response stays readable until cnd_store_ack() has durably moved the
 *   watermark past it; space is reclaimed only below the watermark.
 * - A pack is activated only after it has been fully written and verified.
 *
 * Sealing (formats/SPEC.md section 3): every response is sealed to the
 * office key of its survey pack before it reaches flash (formats/seal.h).
 * The store keeps one sealing epoch per boot and office key in RAM; once a
 * record is written the store cannot open it again. Pending responses are
 * handed out sealed (cnd_store_next_pending); only the office opens them.
 *
 * Never: erases data it cannot account for: a segment holding damage the
 * office has not stored (cnd_store_next_damage / cnd_store_damage_ack) is
 * not reclaimed. A blank device (all 0xFF) is
 * formatted; anything else that fails to mount is refused with a status,
 * never reformatted (survey data is not thrown away to make an error go).
 * Never sees plaintext answers of an interview in progress: only whole,
 * finished responses arrive here.
 *
 * RAM: sizeof(cnd_store_t), stated next to the struct; no heap.
 */
#ifndef CND_STORE_H
#define CND_STORE_H

#include <stdint.h>

#include "cnd_limits.h"
#include "cnd_status.h"
#include "fill.h"
#include "hal.h"
#include "pack.h"
#include "response.h"
#include "seal.h"
#include "sealed.h"

/* One installed survey pack as the store knows it. */
typedef struct {
    uint32_t fingerprint; /* 0 = slot empty */
    uint32_t len;
    uint32_t pending;     /* unacked responses that reference this pack */
} cnd_store_pack_info_t;

typedef struct cnd_store cnd_store_t; /* defined below; callers allocate it statically */

cnd_status_t cnd_store_mount(cnd_store_t *st, const cnd_hal_t *hal);

/* Seals one finished response to its pack's office key and commits it as
 * one record; verified read-back. pk is the open pack r answers (the
 * engine's active pack): the record body is coded with it (record.h), so
 * an answer the pack could not produce is refused (CND_E_RANGE /
 * CND_E_INVALID, or CND_E_NOT_FOUND when pk is not r->pack_fp's pack). On any failure nothing is reported saved
 * and the caller keeps its RAM copy (a retry seals again under a new key).
 * CND_E_IO also when the RNG fails to start an epoch.
 * CND_E_NO_SURVEY if r->pack_fp is not an installed pack (its responses
 * could never be synced), CND_E_NOSPACE when the log is full of unsynced
 * responses (nothing is ever overwritten) or the 2^32 sequence numbers are
 * used up (they never wrap), CND_E_VERIFY / CND_E_IO when the
 * flash failed (a retry writes a new record). */
cnd_status_t cnd_store_append_response(cnd_store_t *st, const cnd_response_t *r,
                                       const cnd_pack_t *pk);

/* Counts for HELLO and the home screen. */
uint32_t cnd_store_pending_count(const cnd_store_t *st);
uint32_t cnd_store_bytes_used(const cnd_store_t *st);
uint32_t cnd_store_bytes_free(const cnd_store_t *st);

/*
 * Device full (formats/fill.h). The fill level is bytes_used over the log's
 * capacity; the unusable end of a segment that cannot take the next entry
 * counts as used. has_room is 1 when one more response of the largest
 * encodable size (cnd_fill_reserve(prog_size) bytes: the largest sealed
 * record and an EPOCH entry) is sure to fit: the head segment
 * has that much left, or a whole segment is free. While it is 1 nothing but
 * a flash failure can make the next append return CND_E_NOSPACE; the engine
 * starts no interview while it is 0. Space comes back only through acks
 * (a failed erase in a reclaim is retried at the next ack or boot; until
 * then the segment still counts as used, erring on the side of refusing).
 */
uint8_t cnd_store_fill_percent(const cnd_store_t *st);
cnd_fill_level_t cnd_store_fill_level(const cnd_store_t *st);
int cnd_store_has_room(const cnd_store_t *st);

/* The device's random id, created at format time from hal->random. */
const uint8_t *cnd_store_device_id(const cnd_store_t *st);

/*
 * Iterates pending (unacked) responses in log order. *cursor starts at 0;
 * each call yields the next pending response, sealed, with its epoch and
 * its log sequence number (out->seq; the seq is bound into the sealed
 * record's associated data, so it travels with it; exports never show it).
 * A record whose epoch entry no longer reads back is skipped like a
 * corrupt record (nobody could open it).
 * Returns CND_E_NOT_FOUND when there are no more.
 * Seqs increase along the log but may have gaps (a failed save consumes
 * one). A cursor value is a position: saving it and passing it again
 * re-reads from that point, until the next cnd_store_ack(). At the end
 * *cursor is left where the next append will land, so a later call sees
 * responses saved since.
 */
cnd_status_t cnd_store_next_pending(cnd_store_t *st, uint32_t *cursor, uint32_t *seq,
                                    cnd_sealed_t *out);

/*
 * Damage (formats/SPEC.md 4.4): bytes in the log that hold no valid entry
 * but are followed by valid ones, or a torn tail, or a valid RESPONSE
 * above the watermark that nobody could open (neither copy of its EPOCH
 * entry reads back). Each such region is kept, counted and handed to the
 * office with its raw bytes; a segment holding damage the office has not
 * stored is never reclaimed. The count is of regions after the damage
 * watermark (state entry), from the last mount or damage ACK.
 */
#define CND_STORE_ID_NONE 0       /* the region does not look like a response */
#define CND_STORE_ID_UNVERIFIED 1 /* id as read from damaged bytes */
#define CND_STORE_ID_VERIFIED 2   /* id of a valid entry (its CRC held) */
typedef struct {
    uint32_t segment; /* segment number (SPEC 4.4), not a block index */
    uint32_t offset;  /* where the region starts in its block */
    uint32_t len;     /* bytes */
    uint8_t id_state; /* CND_STORE_ID_* */
    uint8_t id[CND_RESPONSE_ID_LEN];
} cnd_store_damage_t;
uint32_t cnd_store_damaged_count(const cnd_store_t *st);
/* Iterates unreported damaged regions in log order, like
 * cnd_store_next_pending (*cursor 0 = from the start). CND_E_NOT_FOUND at the end. */
cnd_status_t cnd_store_next_damage(cnd_store_t *st, uint32_t *cursor, cnd_store_damage_t *d);
/* Raw bytes of a live segment (by number), for a damaged region. */
cnd_status_t cnd_store_damage_read(cnd_store_t *st, uint32_t segment, uint32_t offset,
                                   uint8_t *buf, uint32_t len);
/* Durably records that the office has stored every damaged region up to
 * the one starting at (segment, offset); only then may their segments be
 * reclaimed. Idempotent; beyond the head is CND_E_RANGE. */
cnd_status_t cnd_store_damage_ack(cnd_store_t *st, uint32_t segment, uint32_t offset);

/* Durably records that every response with seq <= upto is stored by the
 * host, then reclaims whole segments below the watermark. Idempotent;
 * upto beyond the last appended seq is CND_E_RANGE. */
cnd_status_t cnd_store_ack(cnd_store_t *st, uint32_t upto);

/* cnd_store_ack() for a caller that has just read, with
 * cnd_store_next_pending() from the watermark, exactly `count` pending
 * responses, all of pack_fp, the last one being upto (the sync's batch): it
 * skips walking them a second time to count them. */
cnd_status_t cnd_store_ack_run(cnd_store_t *st, uint32_t upto, uint32_t count, uint32_t pack_fp);

/* An ACK, a mount or an append erases at most CND_STORE_ERASES_PER_CALL of
 * the flash blocks it frees (each NOR sector erase takes up to 400 ms);
 * the others already count as free and are erased by this call, one block
 * per call, which a port makes when it is idle (no frame, key or redraw
 * pending). *more = 1 while blocks remain to erase. */
#define CND_STORE_ERASES_PER_CALL 4
cnd_status_t cnd_store_reclaim_step(cnd_store_t *st, int *more);
/* Erases an ACK may make, 1..255, after cnd_store_mount() (0 = the default
 * above): a port whose chip erases slowly lowers it; the power-loss suite
 * sets 1 so that its syncs leave erases to the idle steps it cuts. */
void cnd_store_set_erase_budget(cnd_store_t *st, uint8_t n);

/* Pack slots. Installation: begin, write in order, commit. commit reads the
 * slot back, checks cnd_pack_open() on it and only then makes it active.
 * A slot is reused only if its pack has no pending responses. begin
 * refuses a total_len above CND_MAX_PACK_SIZE with CND_E_RANGE and one
 * above cnd_store_pack_capacity() with CND_E_NOSPACE, before anything is
 * erased. */
cnd_status_t cnd_store_pack_begin(cnd_store_t *st, uint32_t total_len);
cnd_status_t cnd_store_pack_write(cnd_store_t *st, uint32_t offset, const uint8_t *data,
                                  uint32_t len);
cnd_status_t cnd_store_pack_commit(cnd_store_t *st);
/* The largest pack this device installs: its pack slot size (chosen at
 * format and recorded in the superblock, SPEC 4.1), at most
 * CND_MAX_PACK_SIZE, and, without a window, at most the RAM buffer commit
 * opens it in. */
uint32_t cnd_store_pack_capacity(const cnd_store_t *st);
/*
 * Lends the store a RAM buffer of cap bytes in which pack_commit reads the
 * new pack back for cnd_pack_open(); packs longer than cap are refused at
 * begin. A port passes its active-pack buffer (no second buffer on the
 * MCU): after commit
 * it holds the active pack's bytes again (the new one on success, the old
 * one restored on failure). Call after cnd_store_mount(). Without it the
 * store uses its own static buffer, unless built with
 * CND_STORE_NO_STATIC_SCRATCH (then commit returns CND_E_NOSPACE).
 */
void cnd_store_set_pack_buffer(cnd_store_t *st, uint8_t *buf, uint32_t cap);
/*
 * Instead of a RAM buffer, a device that keeps the active pack out of RAM
 * lends a window: fn makes len bytes of the store's flash at addr (a pack
 * slot) readable at a stable address (e.g. mirrored into memory-mapped
 * internal flash: firmware/drivers/pack_mirror.h), sets *out and returns
 * CND_OK or a failure status. pack_commit opens the new pack through it; on
 * a failed commit it calls fn again for the active pack, so the window shows
 * the active pack again (as the lent buffer would). Takes precedence over a
 * lent buffer. Call after cnd_store_mount().
 */
typedef cnd_status_t (*cnd_store_window_fn)(void *ctx, uint32_t addr, uint32_t len,
                                            const uint8_t **out);
void cnd_store_set_pack_window(cnd_store_t *st, cnd_store_window_fn fn, void *ctx);
/* Copies the active pack into buf (cap >= its length). CND_E_NO_SURVEY if none. */
cnd_status_t cnd_store_active_pack(cnd_store_t *st, uint8_t *buf, uint32_t cap, uint32_t *len);
/* What every port does at boot and after a push: copies the active pack
 * into buf and opens it as *pk (buf must outlive pk). CND_E_NO_SURVEY when
 * none is installed; any other failure means the stored pack is unusable.
 * With a window lent (cnd_store_set_pack_window) pass buf NULL: the pack is
 * opened through the window instead (valid until the window is reused). */
cnd_status_t cnd_store_open_active_pack(cnd_store_t *st, uint8_t *buf, uint32_t cap,
                                        cnd_pack_t *pk);
/*
 * Trust (docs/DESIGN.md "Signed packs"): the P-256 office key (SPEC 1.9)
 * of a pack slot, read from flash: which = 0..CND_MAX_SURVEYS-1 (raw
 * slots, whatever the state says) or CND_STORE_ACTIVE_SLOT. With
 * intact_only, only from a slot whose bytes pass the pack's CRC trailer.
 * CND_E_CORRUPT when the slot holds no readable pack.
 */
#define CND_STORE_ACTIVE_SLOT (-1)
cnd_status_t cnd_store_slot_office_key(cnd_store_t *st, int which, int intact_only,
                                       uint8_t key[CND_P256_PUB_LEN]);
/* 1 once a pack was ever activated (kept in the state), or when the state
 * blocks hold bytes but no entry reads back: trust on first use is over. */
int cnd_store_office_known(const cnd_store_t *st);
/* Installed packs (up to CND_MAX_SURVEYS), active first. */
uint8_t cnd_store_packs(const cnd_store_t *st, cnd_store_pack_info_t *out);
/* Wrong admin PINs since the last right one (engine.h "Admin"), kept in the
 * state entry (SPEC 4.5) so the backoff survives a reboot. Setting writes a
 * new state entry (nothing when unchanged); RAM holds the new count even
 * when that write fails. */
uint16_t cnd_store_pin_failures(const cnd_store_t *st);
cnd_status_t cnd_store_set_pin_failures(cnd_store_t *st, uint16_t n);
/* Reads part of an installed pack by fingerprint (for the host to fetch it). */
cnd_status_t cnd_store_pack_read(cnd_store_t *st, uint32_t fingerprint, uint32_t offset,
                                 uint8_t *buf, uint32_t len);

/* ---- private to store.c; here only so callers can allocate it ---- */
#define CND_STORE_MAX_PROG 256 /* largest prog_size supported; block_size must be a multiple */
#define CND_STORE_BUF_LEN 512  /* one log entry (12 + CND_ENTRY_BODY_MAX) padded to a prog unit */

/* sizeof(cnd_store_t) = 1,224 bytes on Cortex-M4 (arm-none-eabi-gcc), 1,248
 * on x86-64 (the damage watermark and count, the office flag): the two buffers below (768), the sealing chain and epoch being
 * written (about 170), the last verified EPOCH entry read (96), and about
 * 40 words of positions and counts. Deepest stack: about 0.8 KB (ack/mount hold one cnd_response_t).
 * The pack commit borrows a buffer as long as the largest pack it accepts
 * (cnd_store_set_pack_buffer) or reads through a window
 * (cnd_store_set_pack_window). */
struct cnd_store {
    const cnd_hal_t *hal;
    /* Layout in blocks (formats/SPEC.md section 4), fixed at format and
     * read back from the superblock at mount. */
    uint32_t block_size, block_count, prog_size;
    uint32_t slot_blocks, log_first, log_blocks;
    uint8_t device_id[CND_DEVICE_ID_LEN];
    /* Power-safe state: the newest valid state entry, and where the next goes. */
    uint32_t state_seq;
    uint32_t state_block; /* 0 or 1: which state block holds the newest entry */
    uint32_t state_off;   /* next free offset in that block */
    uint32_t ack;         /* watermark: every seq <= ack is stored by the host */
    uint8_t active;       /* active pack slot, 0xFF = none */
    uint16_t pin_failures; /* wrong admin PINs in a row, persisted with the state */
    /* Damage watermark: every damaged region the office has stored lies at
     * or before (damage_seg, damage_off) (segment number, block offset). */
    uint32_t damage_seg, damage_off;
    uint32_t damaged;   /* damaged regions the office has not been told of */
    uint8_t damage_walked; /* a walk since the last count met unreported damage */
    /* 1 once a pack was ever activated, or when the state blocks hold
     * bytes but no entry reads back: trust on first use is then over. */
    uint8_t office_known;
    cnd_store_pack_info_t slots[CND_MAX_SURVEYS]; /* len 0 = empty */
    /* Log: live segments are tail .. head in circular block order. */
    uint32_t next_seq;
    uint32_t pending;
    uint32_t n_live;
    uint32_t tail, head; /* log-relative block indices */
    uint32_t reclaimable; /* acknowledged segments after tail not yet erased */
    uint8_t erase_budget; /* erases per ACK, 0 = CND_STORE_ERASES_PER_CALL */
    uint32_t head_segseq;
    uint32_t head_off;   /* where the next entry goes in the head segment */
    uint8_t head_sealed; /* 1: unknown bytes after head_off, append in a new segment */
    /* Sealing epoch (RAM only; a reboot starts a new one). epoch_seg is
     * the log segment holding its EPOCH entry, NO_EPOCH_SEG when the head
     * does not hold one yet (each segment repeats it before its first
     * record of the epoch, so reclaiming old segments never orphans one). */
    cnd_seal_chain_t chain;
    cnd_epoch_t epoch;
    uint32_t epoch_seg;
    uint16_t epoch_off;
    /* The EPOCH entry a read last verified (sync reads runs of records of
     * one segment, which all name the same one): rd_epoch_ok is cleared by
     * every erase, the only way flash under it can change. */
    cnd_epoch_t rd_epoch;
    uint32_t rd_epoch_seg;
    uint16_t rd_epoch_off;
    uint8_t rd_epoch_ok;
    /* Pack installation in progress. */
    uint8_t inst_open, inst_slot;
    uint32_t inst_total, inst_written, pbuf_fill;
    uint8_t *scratch;
    uint32_t scratch_cap;
    cnd_store_window_fn window; /* cnd_store_set_pack_window(), NULL = none */
    void *window_ctx;
    uint8_t pbuf[CND_STORE_MAX_PROG]; /* pack bytes waiting for a whole prog unit */
    uint8_t buf[CND_STORE_BUF_LEN];   /* one log entry being written or read */
};

#endif
