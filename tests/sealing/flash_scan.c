/*
 * flash_scan: does a handheld's flash image give away any answer without
 * the office key? (issue 6, acceptance: "a test dumps the simulator's flash
 * after scripted interviews with known answers").
 *
 *   flash_scan IMAGE STORE_DIR KEYFILE EXPECT
 *
 * The truth comes from the other side: STORE_DIR holds the same responses
 * after a sync, and KEYFILE opens them (host/store/unseal.c), so the scan knows
 * every answer that was given. EXPECT is how many responses must open.
 * Then it attacks IMAGE the two ways the issue names:
 * 1. decoding it with the pack: at every byte offset and every length a
 *    body of that pack can have, decode a response record body
 *    (formats/SPEC.md 3.3, version 2) in full and in its stored form (from
 *    the day on, the clear prefix put back); a whole body that decodes,
 *    or a stored form that decodes to a known answer set, is a finding;
 * 2. searching it for the answer encodings: every known response's record
 *    body, its tail from the day on, its answer bytes (after the day), and
 *    every 8-byte window of those with at least 3 non-zero bytes.
 * Prints one line per finding and exits 1 if there is any; 0 when the image
 * holds no answer and EXPECT responses opened with the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hoststore.h"
#include "officekey.h"
#include "record.h"
#include "sealed.h"
#include "unseal.h"

#define MAX_KNOWN 4096

static cnd_response_t g_known[MAX_KNOWN];
static size_t g_n_known;
static const cnd_pack_t *g_packs[16];
static size_t g_n_packs;

static int opened(void *ctx, const cnd_pack_t *pk, const cnd_response_t *r,
                  const uint8_t device_id[CND_DEVICE_ID_LEN])
{
    (void)ctx;
    (void)pk;
    (void)device_id;
    if (g_n_known == MAX_KNOWN)
        return -1;
    g_known[g_n_known++] = *r;
    return 0;
}

static void refused(void *ctx, const cnd_sealed_t *s, const char *why)
{
    (void)ctx;
    (void)s;
    fprintf(stderr, "flash_scan: a stored response %s\n", why);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL ||
        fread(b, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "flash_scan: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* The lengths a record body for pk can have from the day on (SPEC 3.3):
 * day and language, the flag, then up to every item's widest code
 * (33 bits, the codec's bound, is too loose to scan a whole image with). */
static void tail_lengths(const cnd_pack_t *pk, size_t *lo, size_t *hi)
{
    uint16_t i;
    size_t lang_bits = 0, bits;
    while (((size_t)1 << lang_bits) < cnd_pack_lang_count(pk))
        lang_bits++;
    bits = 16 + lang_bits + 1;
    *lo = (bits + 7) / 8;
    for (i = 0; i < cnd_pack_item_count(pk); i++) {
        cnd_item_t it;
        uint64_t dom = 2; /* PNA and NONE codes */
        size_t w = 0;
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        if (it.kind == CND_ITEM_INTEGER)
            dom += (uint64_t)((int64_t)it.max - it.min) + 1u;
        else if (it.kind == CND_ITEM_MULTI)
            dom += ((uint64_t)1 << it.n_choices) - 1u;
        else
            dom += it.kind == CND_ITEM_YESNO ? 2u : it.n_choices;
        while (((uint64_t)1 << w) < dom)
            w++;
        bits += w;
    }
    *hi = (bits + 7) / 8;
}

static int is_known(const cnd_response_t *r)
{
    size_t j;
    for (j = 0; j < g_n_known; j++)
        if (g_known[j].pack_fp == r->pack_fp && g_known[j].lang == r->lang &&
            memcmp(g_known[j].answers, r->answers, sizeof r->answers[0] * r->n_answers) == 0)
            return 1;
    return 0;
}

/* Attack 1: every offset and every length a body of the pack can have, as
 * a whole record body and as its stored tail (from the day on). */
static int decode_everywhere(const uint8_t *img, size_t len)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    int found = 0;
    size_t off, k, n, lo, hi;
    for (k = 0; k < g_n_packs; k++) {
        const cnd_pack_t *pk = g_packs[k];
        tail_lengths(pk, &lo, &hi);
        for (off = 0; off < len; off++) {
            for (n = lo; n <= hi && n <= len - off; n++) {
                cnd_response_t r;
                /* Whole body: version, id, fp, then the bits. */
                if (img[off] == CND_RECORD_VERSION && n + CND_RECORD_HEAD_LEN <= len - off &&
                    cnd_record_decode(img + off, CND_RECORD_HEAD_LEN + n, pk, &r) == CND_OK) {
                    printf("FOUND: a whole plaintext response at offset %zu\n", off);
                    found = 1;
                }
                /* Stored form: the clear prefix of the pack put back in
                 * front. Random bytes decode now and then (a survey's codes
                 * fill most of their bits); only a known answer set counts
                 * as a leak. */
                memset(body, 0, CND_SEALED_CLEAR_OF_RECORD);
                body[0] = CND_RECORD_VERSION;
                cnd_wire_put_u32(body + 1 + CND_RESPONSE_ID_LEN, pk->fingerprint);
                memcpy(body + CND_SEALED_CLEAR_OF_RECORD, img + off, n);
                if (cnd_record_decode(body, CND_SEALED_CLEAR_OF_RECORD + n, pk, &r) == CND_OK &&
                    is_known(&r)) {
                    printf("FOUND: the answers of a known response at offset %zu\n", off);
                    found = 1;
                }
            }
        }
    }
    return found;
}

static int contains(const uint8_t *img, size_t len, const uint8_t *needle, size_t n)
{
    size_t i;
    if (n == 0 || n > len)
        return 0;
    for (i = 0; i + n <= len; i++)
        if (img[i] == needle[0] && memcmp(img + i, needle, n) == 0)
            return 1;
    return 0;
}

/* The pack a known response answers (opened() saw it). */
static const cnd_pack_t *pack_of(uint32_t fp)
{
    size_t k;
    for (k = 0; k < g_n_packs; k++)
        if (g_packs[k]->fingerprint == fp)
            return g_packs[k];
    return NULL;
}

/* Attack 2: the known answers' encodings, whole and in windows. The
 * answer bits start at byte 2 of the stored tail (after the day); they
 * are byte-aligned in every record, so no bit shifts are searched. */
#define WINDOW 8
static int search_encodings(const uint8_t *img, size_t len)
{
    int found = 0;
    size_t j;
    for (j = 0; j < g_n_known; j++) {
        uint8_t body[CND_RECORD_BODY_MAX];
        size_t blen = 0, w;
        const uint8_t *ans;
        size_t alen;
        const cnd_pack_t *pk = pack_of(g_known[j].pack_fp);
        if (pk == NULL || cnd_record_encode(&g_known[j], pk, body, sizeof body, &blen) != CND_OK)
            exit(2);
        ans = body + CND_RECORD_HEAD_LEN + 2;
        alen = blen - (CND_RECORD_HEAD_LEN + 2);
        if (contains(img, len, body, blen))
            printf("FOUND: response %zu's whole record body\n", j), found = 1;
        if (contains(img, len, body + CND_SEALED_CLEAR_OF_RECORD, blen - CND_SEALED_CLEAR_OF_RECORD))
            printf("FOUND: response %zu's stored record tail\n", j), found = 1;
        if (contains(img, len, ans, alen))
            printf("FOUND: response %zu's answer bytes\n", j), found = 1;
        /* WINDOW bytes with 3 non-zero ones: chance hits in a 1 MiB image
         * are about 2^-40, while a partial copy would show. */
        for (w = 0; w + WINDOW <= alen; w++) {
            int nz = 0, i;
            for (i = 0; i < WINDOW; i++)
                nz += ans[w + i] != 0;
            if (nz >= 3 && contains(img, len, ans + w, WINDOW)) {
                printf("FOUND: %d bytes of response %zu's answers at window %zu\n", WINDOW, j, w);
                found = 1;
                break;
            }
        }
    }
    return found;
}

int main(int argc, char **argv)
{
    cnd_hoststore_t *hs = NULL;
    cnd_office_key_t key;
    cnd_err_t err = {{0}};
    char kerr[256];
    uint8_t *img;
    size_t len, i;
    long expect;
    int leak;
    if (argc != 5) {
        fprintf(stderr, "usage: flash_scan IMAGE STORE_DIR KEYFILE EXPECT\n");
        return 2;
    }
    expect = strtol(argv[4], NULL, 10);
    img = read_all(argv[1], &len);
    if (cnd_hoststore_open(argv[2], 0, &hs, &err) != CND_OK) {
        fprintf(stderr, "flash_scan: %s\n", err.msg);
        return 2;
    }
    if (cnd_key_load(argv[3], NULL, &key, kerr, sizeof kerr) != 0) {
        fprintf(stderr, "flash_scan: %s\n", kerr);
        return 2;
    }
    for (i = 0; i < cnd_hoststore_pack_count(hs) && g_n_packs < 16; i++)
        g_packs[g_n_packs++] = cnd_hoststore_pack_at(hs, i);
    if (cnd_unseal_store(hs, cnd_key_x25519_secret(&key), opened, refused, NULL, &err) != 0) {
        fprintf(stderr, "flash_scan: %s\n", err.msg);
        return 2;
    }
    cnd_key_wipe(&key);
    if ((long)g_n_known != expect) {
        printf("with the key, %zu responses opened; expected %ld\n", g_n_known, expect);
        return 1;
    }
    leak = decode_everywhere(img, len);
    leak |= search_encodings(img, len);
    printf("flash_scan: %zu-byte image, %zu known responses, %zu packs: %s\n", len, g_n_known,
           g_n_packs, leak ? "ANSWERS RECOVERABLE WITHOUT THE KEY" : "no answer recoverable without the key");
    cnd_hoststore_close(hs);
    free(img);
    return leak ? 1 : 0;
}
