/*
 * fuzz_store_mount.c: boot-time log recovery (firmware/core/store.c
 * cnd_store_mount) on random and mutated flash images, then what a device
 * does next: iterate pending responses, save one, acknowledge, reboot.
 *
 * The flash has the fuzz geometry of fuzz_common.h (1 KiB blocks): block 0
 * superblock, blocks 1-2 state, 4 pack slots of 64 blocks, then the log.
 * Input: [flags u8][image]. The image bytes are laid over blocks 0..2 and
 * then the first 6 log blocks (9 KiB at most); what the input does not
 * cover reads erased. The pack slots are not part of the input (they are
 * 256 KiB of pack bytes that cnd_pack_open() guards): flags bit 0 fills slot 0 with
 * the default pack, as on a real device, else they read erased.
 * flags bit 1 ("reseal"): before booting, recompute the CRC of the
 * superblock and of every entry header that parses, so mutations of
 * sequence numbers, types and bodies get past the CRC and reach recovery.
 * flags bit 2 ("open"): the response saved below is also opened with the
 * test office key (two X25519 operations, as many as the save itself
 * costs: on every run they would halve the rate).
 *
 * Responses are sealed on flash (formats/SPEC.md 3): the device only ever
 * carries them, never opens them, so records with junk ciphertext, junk
 * epochs or epoch offsets pointing anywhere must be carried or skipped,
 * never crash the walk.
 *
 * Checks (the store's promises in store.h):
 * - a refused image leaves a store that refuses every write and lists
 *   nothing; a mounted one reports as many pending responses as it yields,
 *   each with its seq and a ciphertext of legal length;
 * - booting again yields the same sealed responses in the same order,
 *   byte for byte;
 * - on healthy flash a save succeeds or is refused with NOSPACE /
 *   NO_SURVEY / CORRUPT / INVALID (a slot whose pack no longer reads as
 *   one, so there is no office key to seal to), never fails half-way (a
 *   refusal leaves the pending count as it was), and the saved response
 *   is pending; when the slot of its pack holds exactly the installed
 *   pack, it is sealed to that pack's office key and, with "open", opens
 *   with the test office key into the response that was saved;
 * - after an ACK and a reboot, every response above the watermark that
 *   was pending before is still pending (nothing unacked disappears) and
 *   nothing at or below it comes back.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "frame.h"
#include "fuzz_common.h"
#include "open_sealed.h"
#include "record.h"
#include "store.h"

#define META_BYTES (3u * FZ_BLOCK)
#define LOG_BYTES (FZ_LOG_BLOCKS * FZ_BLOCK)
#define MAX_SEEN 512 /* more entries than 6 KiB of log can hold */

typedef struct {
    uint32_t seq;
    uint8_t id[CND_RESPONSE_ID_LEN];
} seen_t;

static fz_device_t dev;
static uint8_t *slot_image; /* the pack-slot blocks of a populated device */
static seen_t before[MAX_SEEN], after[MAX_SEEN];
static cnd_sealed_t rows[MAX_SEEN]; /* of the first walk, to compare the second */

static void setup_once(void)
{
    size_t slots = (size_t)(FZ_LOG_FIRST - 3u) * FZ_BLOCK;
    if (slot_image != NULL)
        return;
    fz_device_init(&dev, 11);
    fz_device_populate(&dev, 3, 0);
    slot_image = malloc(slots);
    FZ_CHECK(slot_image != NULL);
    memcpy(slot_image, dev.rf.mem + 3u * FZ_BLOCK, slots);
}

/* Recomputes the CRC of every entry header that parses in [base, base+len). */
static void reseal_range(uint8_t *mem, uint32_t base, uint32_t len)
{
    uint32_t off = 0;
    while (off + CND_ENTRY_HEADER_LEN <= len) {
        uint8_t *p = mem + base + off;
        cnd_entry_header_t h;
        if (cnd_entry_header_decode(p, &h) == CND_OK &&
            h.len <= len - off - CND_ENTRY_HEADER_LEN) {
            cnd_entry_header_encode(p, h.type, h.seq, p + CND_ENTRY_HEADER_LEN, h.len);
            off += (CND_ENTRY_HEADER_LEN + h.len + FZ_PROG - 1) / FZ_PROG * FZ_PROG;
        } else {
            off += FZ_PROG;
        }
    }
}

static void reseal(uint8_t *mem)
{
    uint32_t b;
    if (memcmp(mem, "CNDF", 4) == 0)
        cnd_wire_put_u32(mem + 44, (uint32_t)crc32(0L, mem, 44));
    reseal_range(mem, FZ_BLOCK, FZ_BLOCK);
    reseal_range(mem, 2 * FZ_BLOCK, FZ_BLOCK);
    for (b = 0; b < FZ_LOG_BLOCKS; b++)
        reseal_range(mem, (FZ_LOG_FIRST + b) * FZ_BLOCK, FZ_BLOCK);
}

/* Every pending response in order; returns how many (all of them). With
 * keep, rows[] gets them; with cmp, each must equal rows[] byte for byte. */
static size_t list_pending(cnd_store_t *st, seen_t *out, int keep, int cmp)
{
    static cnd_sealed_t r;
    uint32_t cursor = 0, seq = 0;
    size_t n = 0;
    cnd_status_t rc;
    while ((rc = cnd_store_next_pending(st, &cursor, &seq, &r)) == CND_OK) {
        FZ_CHECK(n < MAX_SEEN);
        FZ_CHECK(r.seq == seq);
        FZ_CHECK(r.ct_len > CND_SEAL_TAG_LEN && r.ct_len <= CND_SEALED_CT_MAX);
        if (keep)
            rows[n] = r;
        if (cmp)
            FZ_CHECK(fz_same_sealed(&rows[n], &r));
        out[n].seq = seq;
        memcpy(out[n].id, r.id, CND_RESPONSE_ID_LEN);
        n++;
    }
    FZ_CHECK(rc == CND_E_NOT_FOUND);
    return n;
}

/* The store's slots for the default pack all hold it as installed: then
 * what it seals to is the pack's office key, and the office opens it. */
static int default_pack_slots_truthful(void)
{
    uint32_t len, k, found = 0;
    const uint8_t *pack = fz_default_pack(&len);
    uint32_t fp = fz_default_pk()->fingerprint;
    for (k = 0; k < CND_MAX_SURVEYS; k++) {
        /* Where store.c finds slot k: after the superblock and the two
         * state blocks, in the geometry the (fuzzed) superblock gave. */
        size_t at = ((size_t)3u + (size_t)k * dev.store.slot_blocks) * dev.store.block_size;
        if (dev.store.slots[k].fingerprint != fp)
            continue;
        if (dev.store.slots[k].len != len || at > FZ_FLASH_SIZE - len ||
            memcmp(dev.rf.mem + at, pack, len) != 0)
            return 0;
        found++;
    }
    return found > 0;
}

/* The response just saved: pending, sealed to the office, opens into r. */
static void saved_opens(const cnd_response_t *r, int open)
{
    static cnd_sealed_t s;
    uint32_t cursor = 0, seq = 0;
    cnd_response_t got;
    int found = 0;
    while (!found && cnd_store_next_pending(&dev.store, &cursor, &seq, &s) == CND_OK)
        found = memcmp(s.id, r->id, CND_RESPONSE_ID_LEN) == 0;
    FZ_CHECK(found);
    FZ_CHECK(s.pack_fp == r->pack_fp);
    if (!default_pack_slots_truthful())
        return;
    FZ_CHECK(memcmp(s.epoch.office_pub, cnd_pack_office_x25519(fz_default_pk()),
                    CND_X25519_LEN) == 0);
    FZ_CHECK(s.ctr <= FZ_MAX_CTR); /* one per save since boot */
    if (!open)
        return;
    FZ_CHECK(cnd_test_open(&s, fz_default_pk(), 1, &got) == NULL);
    FZ_CHECK(fz_same_response(&got, r));
}

static int has_id(const seen_t *s, size_t n, const uint8_t *id)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (memcmp(s[i].id, id, CND_RESPONSE_ID_LEN) == 0)
            return 1;
    return 0;
}

static void refused_store_is_inert(void)
{
    cnd_response_t r;
    static cnd_sealed_t s;
    uint32_t cursor = 0, seq = 0;
    cnd_store_pack_info_t packs[CND_MAX_SURVEYS];
    fz_make_response(fz_default_pk(), 1, &r);
    FZ_CHECK(cnd_store_append_response(&dev.store, &r, fz_default_pk()) != CND_OK);
    FZ_CHECK(cnd_store_next_pending(&dev.store, &cursor, &seq, &s) == CND_E_NOT_FOUND);
    FZ_CHECK(cnd_store_pending_count(&dev.store) == 0);
    FZ_CHECK(cnd_store_packs(&dev.store, packs) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *mem;
    uint8_t flags;
    const uint8_t *img;
    size_t n_img, n_before, n_after, i;
    uint32_t upto;
    cnd_response_t r;
    cnd_status_t rc;
    fz_in_t in;

    setup_once();
    mem = dev.rf.mem;
    fz_in_init(&in, data, size);
    flags = fz_u8(&in);
    memset(mem, 0xFF, FZ_FLASH_SIZE);
    if (flags & 1)
        memcpy(mem + 3u * FZ_BLOCK, slot_image, (size_t)(FZ_LOG_FIRST - 3u) * FZ_BLOCK);
    n_img = fz_take(&in, META_BYTES, &img);
    memcpy(mem, img, n_img);
    n_img = fz_take(&in, LOG_BYTES, &img);
    memcpy(mem + (size_t)FZ_LOG_FIRST * FZ_BLOCK, img, n_img);
    if (flags & 2)
        reseal(mem);

    if (fz_device_mount(&dev) != CND_OK) {
        refused_store_is_inert();
        return 0;
    }
    n_before = list_pending(&dev.store, before, 1, 0);
    FZ_CHECK(n_before == cnd_store_pending_count(&dev.store));

    /* A second boot on the same flash finds the same responses. */
    FZ_CHECK(fz_device_mount(&dev) == CND_OK);
    FZ_CHECK(list_pending(&dev.store, after, 0, 1) == n_before);
    for (i = 0; i < n_before; i++)
        FZ_CHECK(after[i].seq == before[i].seq &&
                 memcmp(after[i].id, before[i].id, CND_RESPONSE_ID_LEN) == 0);

    /* An interviewer saves one more. */
    fz_make_response(fz_default_pk(), (uint32_t)size + 1000u, &r);
    rc = cnd_store_append_response(&dev.store, &r, fz_default_pk());
    /* CORRUPT / INVALID: the slot's pack no longer reads as one, so there
     * is no office key to seal to; refused before anything is written. */
    FZ_CHECK(rc == CND_OK || rc == CND_E_NOSPACE || rc == CND_E_NO_SURVEY ||
             rc == CND_E_CORRUPT || rc == CND_E_INVALID);
    if (rc == CND_OK) {
        FZ_CHECK(n_before < MAX_SEEN);
        n_after = list_pending(&dev.store, after, 0, 0);
        FZ_CHECK(n_after == n_before + 1);
        FZ_CHECK(has_id(after, n_after, r.id));
        saved_opens(&r, (flags & 4) != 0);
        memcpy(before, after, n_after * sizeof before[0]);
        n_before = n_after;
    } else {
        FZ_CHECK(cnd_store_pending_count(&dev.store) == n_before);
    }

    /* The host acknowledges up to one of them (chosen by the input). */
    if (n_before > 0) {
        upto = before[fz_u8(&in) % n_before].seq;
        rc = cnd_store_ack(&dev.store, upto);
        if (getenv("FUZZ_VERBOSE") != NULL)
            fprintf(stderr, "store_mount: %zu pending, ack %u of next %u: %s\n", n_before,
                    (unsigned)upto, (unsigned)dev.store.next_seq, cnd_status_str(rc));
        /* The only refusal: state numbers used up (a crafted image); then
         * nothing is acknowledged (regress_state_seq_wrap). */
        FZ_CHECK(rc == CND_OK || (rc == CND_E_NOSPACE && dev.store.state_seq == 0xFFFFFFFFu));
        if (rc != CND_OK)
            upto = 0;
    } else {
        upto = 0;
    }

    /* Reboot: nothing unacked lost, nothing acked back. */
    FZ_CHECK(fz_device_mount(&dev) == CND_OK);
    n_after = list_pending(&dev.store, after, 0, 0);
    FZ_CHECK(n_after == cnd_store_pending_count(&dev.store));
    for (i = 0; i < n_after; i++)
        FZ_CHECK(after[i].seq > upto);
    for (i = 0; i < n_before; i++)
        if (before[i].seq > upto)
            FZ_CHECK(has_id(after, n_after, before[i].id));
    return 0;
}
