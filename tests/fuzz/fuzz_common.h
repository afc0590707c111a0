/*
 * fuzz_common.h: what every libFuzzer harness in tests/fuzz/ shares.
 *
 * Owns: a reader over the fuzz input that never runs past its end, the
 * default survey pack compiled once per process (signed by, and sealing
 * to, the test office key of tests/support/test_key.h), valid responses for
 * a pack and the same sealed as a device seals them, a device (RAM NOR
 * flash + hal + store) with a pack installed and responses pending, and a
 * scratch directory on tmpfs for the host store.
 * The seed generator (gen_seeds.c) uses the same helpers, so seeds and
 * harnesses agree on geometry and byte layouts.
 *
 * Never: used by product code. A violated invariant calls fz_fail(), which
 * aborts so that libFuzzer records the input as a crash.
 * RAM: host only; a device is about 150 KB of heap.
 */
#ifndef CND_FUZZ_COMMON_H
#define CND_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "pack.h"
#include "ram_flash.h"
#include "response.h"
#include "sealed.h"
#include "store.h"

void fz_fail(const char *file, int line, const char *what);
#define FZ_CHECK(cond)                                                                       \
    do {                                                                                     \
        if (!(cond))                                                                         \
            fz_fail(__FILE__, __LINE__, #cond);                                              \
    } while (0)

/* ---- input reader: past the end, numbers read as 0 and takes come back short ---- */
typedef struct {
    const uint8_t *p;
    size_t n, pos;
} fz_in_t;

void fz_in_init(fz_in_t *in, const uint8_t *p, size_t n);
size_t fz_left(const fz_in_t *in);
uint8_t fz_u8(fz_in_t *in);
uint16_t fz_u16(fz_in_t *in);
uint32_t fz_u32(fz_in_t *in);
/* Up to want bytes; *out points into the input. Returns how many. */
size_t fz_take(fz_in_t *in, size_t want, const uint8_t **out);

/* ---- the default survey (surveys/domestic-work.json), compiled once ---- */
const uint8_t *fz_default_pack(uint32_t *len);
const cnd_pack_t *fz_default_pk(void);
/* The same survey with another version number: a second, different pack. */
const uint8_t *fz_second_pack(uint32_t *len);
const cnd_pack_t *fz_second_pk(void);

/* A response that passes cnd_response_check() for pk, varied by seed. */
void fz_make_response(const cnd_pack_t *pk, uint32_t seed, cnd_response_t *r);
int fz_same_response(const cnd_response_t *a, const cnd_response_t *b);
/* Every clear field and the ciphertext equal (what a batch or store must
 * carry unchanged). */
int fz_same_sealed(const cnd_sealed_t *a, const cnd_sealed_t *b);

/*
 * Seals responses seeds seed0 .. seed0+n-1 of pk (fz_make_response) as
 * records seq0, seq0+1, ... of ONE epoch of device dev, as a device does
 * (tests/support/open_sealed.h cnd_test_seal, to pk's office key). Every
 * call starts a new epoch. Aborts on failure.
 */
void fz_seal_responses(const cnd_pack_t *pk, uint32_t seed0, uint16_t n, uint32_t seq0,
                       const uint8_t dev[CND_DEVICE_ID_LEN], cnd_sealed_t *out);

/*
 * The office opens record i of an epoch by walking the key chain from 0
 * to i (formats/seal.c cnd_unseal_record); i is bounded by
 * CND_SEAL_MAX_CTR (65536, a bound this harness's first version asked for:
 * an unbounded i cost hours per row). Walking 65536 steps still takes
 * about 0.2 s, so harnesses that open rows taken from the input open only
 * rows with ctr <= FZ_MAX_CTR, to keep thousands of runs per second.
 */
#define FZ_MAX_CTR 4096u

/* ---- a device on a RAM NOR flash ---- */
typedef struct {
    cnd_ram_flash_t rf;
    cnd_hal_t hal;
    cnd_store_t store;
    uint32_t rng;
} fz_device_t;

/* Geometry every device harness uses: 1 MiB of 1 KiB blocks. Its pack
 * slots, 1/16 of the chip (formats/SPEC.md 4.1), hold the default survey;
 * fz_device_populate checks that the store chose them. Small blocks keep the
 * few log blocks a flash-image input covers (FZ_LOG_BLOCKS, the start of
 * the log; the rest of it reads erased) small enough to be a fuzz input. */
#define FZ_BLOCK 1024u
#define FZ_PROG 16u
#define FZ_BLOCKS 1024u
#define FZ_SLOT_BLOCKS (FZ_BLOCKS / 16u)
#define FZ_LOG_FIRST (3u + CND_MAX_SURVEYS * FZ_SLOT_BLOCKS)
#define FZ_LOG_BLOCKS 6u
#define FZ_FLASH_SIZE ((size_t)FZ_BLOCKS * FZ_BLOCK)

/* The device fuzz_device_sync answers from (gen_seeds records a real sync
 * with it): the default pack with FZ_SYNC_FIRST responses of which
 * FZ_SYNC_ACKED are acknowledged, then the second pack with FZ_SYNC_SECOND.
 * Small on purpose: the device re-reads each response of a batch from
 * flash to measure it for BATCH_INFO and again to stream it, so fewer
 * responses mean many more runs per second. */
#define FZ_SYNC_FIRST 10u
#define FZ_SYNC_ACKED 2u
#define FZ_SYNC_SECOND 4u
void fz_device_populate_sync(fz_device_t *d);

/* Batch bytes (formats/batch.h, version 3) of the sealed rs[0..n) into out
 * (cap >= CND_BATCH_MAX_LEN). */
size_t fz_encode_batch(const cnd_sealed_t *rs, uint16_t n, uint8_t *out, size_t cap);

/* Allocates an erased flash (aborts if out of memory); does not mount. */
void fz_device_init(fz_device_t *d, uint32_t seed);
void fz_device_free(fz_device_t *d);
cnd_status_t fz_device_mount(fz_device_t *d);
/* begin / write in chunks of `chunk` / commit. */
cnd_status_t fz_device_install(fz_device_t *d, const uint8_t *pack, uint32_t len);
/*
 * A device as a coordinator finds it: formatted, the default pack
 * installed and active, n responses of it saved (seeds 0..n-1), of which
 * the first `acked` were synced and acknowledged. Aborts on any failure.
 */
void fz_device_populate(fz_device_t *d, uint32_t n, uint32_t acked);

/* ---- the host store ---- */
struct cnd_hoststore;
/*
 * Walks the store: every sealed response names its pack and has a
 * ciphertext of legal length, and the walk sees as many as the store
 * counts. Then, as an export does, opens the whole store with the test
 * office key (host/store/unseal.h cnd_unseal_store; skipped when a row names a
 * ctr above FZ_MAX_CTR): every response ends in exactly one callback, and
 * every one that opens fits its pack. Every sealed row a harness or seed
 * makes is a valid response, and a row that authenticates is one the
 * device sealed, so "opens, but does not decode / fit" is a failure too.
 * Returns how many the store holds; *opened (if not NULL) gets how many
 * opened (0 when skipped).
 */
size_t fz_store_check_all(struct cnd_hoststore *hs, size_t *opened);

/* ---- scratch files ---- */
/* A new empty directory under /dev/shm (or $TMPDIR, or /tmp); malloc'd. */
char *fz_make_temp_dir(const char *tag);
int fz_remove_tree(const char *path);
int fz_write_file(const char *path, const uint8_t *data, size_t len);

#endif
