/*
 * flash_scan: does a handheld's flash image give away any answer without
 * the office key? (issue 6, acceptance: "a test dumps the simulator's flash
 * after scripted interviews with known answers").
 *
 *   flash_scan IMAGE STORE_DIR KEYFILE EXPECT
 *
 * The truth comes from the other side: STORE_DIR holds the same responses
 * after a sync, and KEYFILE opens them (host/unseal.c), so the scan knows
 * every answer that was given. EXPECT is how many responses must open.
 * Then it attacks IMAGE the two ways the issue names:
 * 1. decoding it with the pack: at every byte offset, parse a response
 *    record body (formats/SPEC.md 3.3) in full and in its stored form
 *    (from the day on), and keep what cnd_response_check accepts for a
 *    pack of the store;
 * 2. searching it for the answer encodings: every known response's record
 *    body, its tail from the day on, its answer bytes, and every 16-byte
 *    window of those answer bytes with at least 4 non-zero bytes.
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

/* Length of a v1 record body's answers part (n_answers byte + answers) at
 * p, or 0 if it is not well formed there. */
static size_t answers_len(const uint8_t *p, size_t avail, uint8_t n_items)
{
    size_t pos = 1;
    uint8_t i;
    if (avail < 1 || p[0] != n_items)
        return 0;
    for (i = 0; i < n_items; i++) {
        uint8_t st;
        if (pos >= avail)
            return 0;
        st = p[pos++];
        if (st > CND_ANS_VALUE)
            return 0;
        if (st == CND_ANS_VALUE) {
            int k = 0;
            do {
                if (pos >= avail || k == 5)
                    return 0;
                k++;
            } while (p[pos++] & 0x80);
        }
    }
    return pos;
}

/* Attack 1: every offset, as a whole record body and as its sealed tail. */
static int decode_everywhere(const uint8_t *img, size_t len)
{
    uint8_t body[CND_RECORD_BODY_MAX];
    int found = 0;
    size_t off, k;
    for (k = 0; k < g_n_packs; k++) {
        const cnd_pack_t *pk = g_packs[k];
        uint8_t n_items = (uint8_t)pk->n_items;
        for (off = 0; off < len; off++) {
            cnd_response_t r;
            size_t al;
            /* Whole body: version, id, fp, day, lang, answers. */
            if (img[off] == CND_RECORD_VERSION && len - off > CND_RECORD_FIXED_LEN &&
                (al = answers_len(img + off + CND_RECORD_FIXED_LEN - 1,
                                  len - off - CND_RECORD_FIXED_LEN + 1, n_items)) != 0 &&
                cnd_record_decode(img + off, CND_RECORD_FIXED_LEN - 1 + al, &r) == CND_OK &&
                cnd_response_check(&r, pk) == CND_OK) {
                printf("FOUND: a whole plaintext response at offset %zu\n", off);
                found = 1;
            }
            /* Stored form: day (2), lang (1), answers; the clear prefix of
             * a matching pack put back in front. */
            if (len - off > 4 && (al = answers_len(img + off + 3, len - off - 3, n_items)) != 0 &&
                3 + al <= sizeof body - CND_SEALED_CLEAR_OF_RECORD) {
                memset(body, 0, CND_SEALED_CLEAR_OF_RECORD);
                body[0] = CND_RECORD_VERSION;
                cnd_wire_put_u32(body + 1 + CND_RESPONSE_ID_LEN, pk->fingerprint);
                memcpy(body + CND_SEALED_CLEAR_OF_RECORD, img + off, 3 + al);
                if (cnd_record_decode(body, CND_SEALED_CLEAR_OF_RECORD + 3 + al, &r) == CND_OK &&
                    cnd_response_check(&r, pk) == CND_OK) {
                    /* Random bytes pass this loose parse now and then (a
                     * short survey fits in few bytes); only a match with a
                     * known answer set counts as a leak. */
                    size_t j;
                    for (j = 0; j < g_n_known; j++) {
                        if (g_known[j].pack_fp == pk->fingerprint &&
                            memcmp(g_known[j].answers, r.answers,
                                   sizeof r.answers[0] * r.n_answers) == 0) {
                            printf("FOUND: the answers of a known response at offset %zu\n", off);
                            found = 1;
                        }
                    }
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

/* Attack 2: the known answers' encodings, whole and in windows. */
static int search_encodings(const uint8_t *img, size_t len)
{
    int found = 0;
    size_t j;
    for (j = 0; j < g_n_known; j++) {
        uint8_t body[CND_RECORD_BODY_MAX];
        size_t blen = 0, w;
        const uint8_t *ans;
        size_t alen;
        if (cnd_record_encode(&g_known[j], body, sizeof body, &blen) != CND_OK)
            exit(2);
        ans = body + CND_RECORD_FIXED_LEN - 1;
        alen = blen - (CND_RECORD_FIXED_LEN - 1);
        if (contains(img, len, body, blen))
            printf("FOUND: response %zu's whole record body\n", j), found = 1;
        if (contains(img, len, body + CND_SEALED_CLEAR_OF_RECORD, blen - CND_SEALED_CLEAR_OF_RECORD))
            printf("FOUND: response %zu's stored record tail\n", j), found = 1;
        if (contains(img, len, ans, alen))
            printf("FOUND: response %zu's answer bytes\n", j), found = 1;
        for (w = 0; w + 16 <= alen; w++) {
            int nz = 0, i;
            for (i = 0; i < 16; i++)
                nz += ans[w + i] != 0;
            if (nz >= 4 && contains(img, len, ans + w, 16)) {
                printf("FOUND: 16 bytes of response %zu's answers at window %zu\n", j, w);
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
