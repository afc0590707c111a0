/*
 * fuzz_unseal.c: the office opening one sealed response (host/store/unseal.c
 * cnd_unseal_one over formats/seal.c and formats/sealed.c) with the test
 * office key, on rows a broken or hostile device could send. A hostile
 * device needs no secret to seal: the office key in every pack is public.
 * So besides rows of arbitrary bytes, the harness seals arbitrary
 * plaintexts properly, which takes mutations past authentication into the
 * plaintext decoder and the pack check.
 *
 * Input: [flags u8], then by flags bit 1:
 *   0 (row):  a batch row (formats/SPEC.md 7: flags, epoch, seq, chain
 *             index, id, ciphertext length, ciphertext), decoded as the
 *             only row of a batch of the pack;
 *   1 (seal): [seq u32][id 8][k u8][tweak u16][plaintext...]: the harness
 *             takes an epoch sealed to the pack's office key (flags bit 2:
 *             to another office's key; one per key and process, started
 *             once, since X25519 is what makes this harness slow), seals
 *             the plaintext as record k % 8 of it with the associated data
 *             of the pack, has the batch encoder write it as the only row
 *             of a batch, and, when tweak != 0, flips bit tweak - 1 of the
 *             row's bytes before decoding it. (The encoding is canonical,
 *             so a flipped bit that still decodes is a different row.)
 * flags bit 0 picks the pack: the default survey or its second version.
 *
 * Checks:
 * - whatever the bytes, cnd_unseal_one never returns a response that
 *   fails cnd_response_check (check = 1), and a response it returns is
 *   the row's id and pack;
 * - what authenticates is what was sealed: in row mode (bytes that only
 *   ever came from sealing valid responses) anything that opens also fits
 *   its pack; in seal mode, an untouched row opens exactly when the
 *   plaintext is a valid response of the pack (with check = 0: exactly
 *   when it decodes), into that response and the device id sealed in the
 *   epoch; a row sealed to another office, or with any bit of its
 *   associated data, epoch or ciphertext flipped, never opens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "officekey.h"
#include "record.h"
#include "seal.h"
#include "sealed.h"
#include "test_key.h"
#include "unseal.h"

#define ROW_MAX (CND_BATCH_ROW_HEAD_MAX + CND_SEALED_CT_MAX)
/* Offset of the office key inside a batch's first row (flags, then the
 * epoch: its public key, then the office's): not authenticated, only a
 * label of which key to use (unseal_one derives it from the private key). */
#define ROW_OFFICE (1 + CND_X25519_LEN)

static const uint8_t device_id[CND_DEVICE_ID_LEN] = {0xD0, 0x0D, 0x5E, 0xA1,
                                                     0x00, 0x01, 0x02, 0x03};

static const uint8_t *office_secret(void)
{
    return cnd_key_x25519_secret(cnd_test_office_key());
}

static cnd_status_t input_rng(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t *x = ctx, i;
    for (i = 0; i < n; i++) {
        *x = *x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(*x >> 16);
    }
    return CND_OK;
}

/* Batch of one: header with pk's fingerprint, then the row. */
static int decode_row(const cnd_pack_t *pk, const uint8_t *row, size_t len, cnd_sealed_t *s)
{
    static uint8_t buf[CND_BATCH_HEADER_LEN + ROW_MAX];
    uint16_t n = 0;
    if (len > ROW_MAX)
        return 0;
    buf[0] = CND_BATCH_VERSION;
    cnd_wire_put_u16(buf + 1, 1);
    cnd_wire_put_u32(buf + 3, pk->fingerprint);
    memcpy(buf + CND_BATCH_HEADER_LEN, row, len);
    return cnd_batch_decode(buf, CND_BATCH_HEADER_LEN + len, s, 1, &n) == CND_OK && n == 1;
}

/* Opens s with check = 1: NULL and *out (device id in dev), or why not.
 * What it hands out fits the pack and is the row's. */
static const char *open_checked(const cnd_sealed_t *s, const cnd_pack_t *pk,
                                cnd_response_t *out, uint8_t dev[CND_DEVICE_ID_LEN])
{
    const char *why = cnd_unseal_one(s, pk, 1, office_secret(), out, dev);
    if (why != NULL) {
        FZ_CHECK(why[0] != '\0');
        return why;
    }
    FZ_CHECK(cnd_response_check(out, pk) == CND_OK);
    FZ_CHECK(memcmp(out->id, s->id, CND_RESPONSE_ID_LEN) == 0 && out->pack_fp == s->pack_fp);
    return NULL;
}

static void row_mode(const cnd_pack_t *pk, fz_in_t *in)
{
    static cnd_sealed_t s;
    cnd_response_t r;
    uint8_t dev[CND_DEVICE_ID_LEN];
    const uint8_t *row;
    size_t len = fz_take(in, fz_left(in), &row);
    const char *why;
    if (!decode_row(pk, row, len, &s) || s.ctr > FZ_MAX_CTR)
        return; /* see FZ_MAX_CTR */
    why = open_checked(&s, pk, &r, dev);
    /* Rows here were only ever sealed from valid responses: if one
     * authenticates, it is one of them, and it fits. host/store/unseal.c says
     * "opens but ..." only of a row that authenticated. */
    FZ_CHECK(why == NULL || strncmp(why, "opens", 5) != 0);
}

/* The epoch of each office key: started once (two X25519 operations),
 * then copied for every run so each run seals from a fresh chain. */
static void epoch_for(int other, const uint8_t office[CND_X25519_LEN], cnd_seal_chain_t *chain,
                      cnd_epoch_t *ep)
{
    static cnd_seal_chain_t chains[2];
    static cnd_epoch_t epochs[2];
    if (!chains[other].live) {
        uint32_t rng = other ? 77u : 7u;
        FZ_CHECK(cnd_seal_begin(&chains[other], office, input_rng, &rng, device_id,
                                CND_DEVICE_ID_LEN, epochs[other].box) == CND_OK);
        memcpy(epochs[other].epoch_pub, chains[other].epoch_pub, CND_X25519_LEN);
        memcpy(epochs[other].office_pub, office, CND_X25519_LEN);
    }
    *chain = chains[other];
    *ep = epochs[other];
}

static void seal_mode(const cnd_pack_t *pk, uint8_t flags, fz_in_t *in)
{
    static cnd_sealed_t s;
    static uint8_t batch[CND_BATCH_HEADER_LEN + ROW_MAX];
    uint8_t *row = batch + CND_BATCH_HEADER_LEN;
    uint8_t ad[CND_SEALED_AD_MAX], dummy[CND_SEAL_TAG_LEN + 1];
    uint8_t id[CND_RESPONSE_ID_LEN], dev[CND_DEVICE_ID_LEN], dev0[CND_DEVICE_ID_LEN];
    const uint8_t *office = cnd_pack_office_x25519(pk), *p, *pt;
    cnd_seal_chain_t chain;
    cnd_epoch_t ep;
    cnd_str_t sid = cnd_pack_survey_id(pk);
    cnd_response_t r, r0, want;
    uint32_t seq, ctr = 0, adlen, k;
    uint16_t tweak;
    size_t ptlen, got, row_len;
    const char *why, *why0;
    int valid, decodes;

    seq = fz_u32(in);
    memset(id, 0, sizeof id);
    got = fz_take(in, CND_RESPONSE_ID_LEN, &p);
    memcpy(id, p, got);
    k = fz_u8(in) % 8u;
    tweak = fz_u16(in);
    ptlen = fz_take(in, CND_SEALED_PT_MAX, &pt);
    if (ptlen == 0)
        return;
    if (flags & 4)
        office = cnd_key_pub(cnd_test_other_key()) + CND_KEY_PUB_X25519;

    epoch_for((flags & 4) != 0, office, &chain, &ep);
    memset(dummy, 0, sizeof dummy);
    while (chain.ctr < k) /* records the epoch sealed before this one */
        FZ_CHECK(cnd_seal_record(&chain, dummy, 0, dummy, 1, dummy, &ctr) == CND_OK);
    memset(&s, 0, sizeof s);
    memcpy(s.id, id, sizeof id);
    s.pack_fp = pk->fingerprint;
    s.seq = seq;
    adlen = cnd_sealed_ad(ad, id, pk->fingerprint, seq, chain.ctr, cnd_pack_survey_version(pk),
                          (const uint8_t *)sid.ptr, (uint8_t)sid.len);
    FZ_CHECK(cnd_seal_record(&chain, ad, adlen, pt, (uint32_t)ptlen, s.ct, &s.ctr) == CND_OK);
    FZ_CHECK(s.ctr == k);
    s.ct_len = (uint16_t)(ptlen + CND_SEAL_TAG_LEN);
    s.epoch = ep;
    cnd_seal_wipe(&chain);

    /* The row as a batch carries it, then the tweak. */
    row_len = fz_encode_batch(&s, 1, batch, sizeof batch) - CND_BATCH_HEADER_LEN;
    FZ_CHECK(cnd_wire_get_u32(batch + 3) == pk->fingerprint);
    if (tweak != 0) {
        uint32_t bit = (uint32_t)(tweak - 1u) % (uint32_t)(row_len * 8u);
        row[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        if (bit / 8u >= ROW_OFFICE && bit / 8u < ROW_OFFICE + CND_X25519_LEN)
            tweak = 0; /* a label only: the row still opens */
    }
    if (!decode_row(pk, row, row_len, &s))
        return; /* a flipped flag or length */
    FZ_CHECK(s.ctr <= FZ_MAX_CTR || tweak != 0);
    if (s.ctr > FZ_MAX_CTR)
        return; /* see FZ_MAX_CTR */

    /* What the office must find: the plaintext as the harness sealed it. */
    decodes = cnd_sealed_join(&s, pk, pt, ptlen, &want) == CND_OK;
    valid = decodes && cnd_response_check(&want, pk) == CND_OK;
    why = open_checked(&s, pk, &r, dev);
    if (why == NULL) {
        FZ_CHECK(tweak == 0 && !(flags & 4) && valid && fz_same_response(&r, &want));
        FZ_CHECK(memcmp(dev, device_id, CND_DEVICE_ID_LEN) == 0);
    } else {
        FZ_CHECK(tweak != 0 || (flags & 4) || !valid);
    }
    /* Without the pack check: opens exactly when the plaintext decodes. */
    why0 = cnd_unseal_one(&s, pk, 0, office_secret(), &r0, dev0);
    if (why0 == NULL)
        FZ_CHECK(tweak == 0 && !(flags & 4) && decodes && fz_same_response(&r0, &want));
    else
        FZ_CHECK(tweak != 0 || (flags & 4) || !decodes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_in_t in;
    uint8_t flags;
    const cnd_pack_t *pk;
    fz_in_init(&in, data, size);
    flags = fz_u8(&in);
    pk = (flags & 1) ? fz_second_pk() : fz_default_pk();
    if (flags & 2)
        seal_mode(pk, flags, &in);
    else
        row_mode(pk, &in);
    return 0;
}
