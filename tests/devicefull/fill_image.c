/*
 * fill_image.c: cnd-fill-image, a test tool that fills a candor-sim flash
 * image with responses, so end-to-end tests can reach "storage 85% full"
 * or "full" without thousands of scripted interviews.
 *
 *   cnd-fill-image FLASH PACK PERCENT|full
 *
 * Loads FLASH (or a blank chip if it does not exist) into a RAM flash of
 * the simulator's geometry, mounts the real store on it, installs PACK if
 * it is not installed, then saves responses through the real store until
 * the log is PERCENT full, or until cnd_store_has_room() says no, and
 * writes the image back (temporary file and rename). Working in RAM keeps
 * it fast: the simulator's file flash syncs every write to disk.
 * Prints the number of responses it saved. Every response is valid for the
 * pack: every item unanswered (state NONE) except the first question,
 * answered "prefer not to answer" when it offers that, so a sync and an
 * export of them work as for real ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flash_file.h"
#include "pack.h"
#include "ram_flash.h"
#include "store.h"

static uint8_t g_pack_buf[CND_MAX_PACK_SIZE];
static uint64_t g_rng;

/* xorshift64*: distinct ids for every response of a run; the seed mixes
 * time and pid so two runs on one image do not repeat ids either. */
static cnd_status_t fill_random(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t i;
    (void)ctx;
    for (i = 0; i < n; i++) {
        g_rng ^= g_rng >> 12;
        g_rng ^= g_rng << 25;
        g_rng ^= g_rng >> 27;
        buf[i] = (uint8_t)((g_rng * 0x2545F4914F6CDD1DULL) >> 56);
    }
    return CND_OK;
}

static uint16_t fill_today(void *ctx)
{
    (void)ctx;
    return (uint16_t)((time(NULL) - 1577836800) / 86400); /* days since 2020-01-01 */
}

static int load_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    *len = fread(buf, 1, cap, f);
    fclose(f);
    return 0;
}

static int save_image(const char *path, const uint8_t *mem, size_t len)
{
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.fill-tmp", path);
    f = fopen(tmp, "wb");
    if (f == NULL || fwrite(mem, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

static int install_pack(cnd_store_t *st, const uint8_t *pack, uint32_t len, uint32_t fp)
{
    cnd_store_pack_info_t info[CND_MAX_SURVEYS];
    uint8_t n = cnd_store_packs(st, info);
    if (n > 0 && info[0].fingerprint == fp)
        return 0; /* already the active one */
    if (cnd_store_pack_begin(st, len) != CND_OK || cnd_store_pack_write(st, 0, pack, len) != CND_OK)
        return -1;
    return cnd_store_pack_commit(st) == CND_OK ? 0 : -1;
}

/* A valid response: everything NONE but the first question, answered PNA
 * where it is offered (else its first choice). */
static void make_response(const cnd_pack_t *pk, cnd_response_t *r)
{
    uint16_t i, n = cnd_pack_item_count(pk);
    memset(r, 0, sizeof *r);
    r->pack_fp = pk->fingerprint;
    r->n_answers = (uint8_t)n;
    for (i = 0; i < n; i++) {
        cnd_item_t it;
        if (cnd_pack_item(pk, i, &it) != CND_OK || it.kind == CND_ITEM_INFO)
            continue;
        if (it.flags & CND_ITEM_F_PNA) {
            r->answers[i].state = CND_ANS_PNA;
        } else {
            r->answers[i].state = CND_ANS_VALUE;
            r->answers[i].value = it.kind == CND_ITEM_MULTI ? 1 : (it.kind == CND_ITEM_INTEGER ? it.min : 0);
        }
        break;
    }
}

int main(int argc, char **argv)
{
    static cnd_ram_flash_t rf;
    static cnd_store_t st;
    cnd_hal_t hal;
    cnd_pack_t pk;
    size_t plen = 0, ilen = 0;
    size_t image = (size_t)CND_FLASH_FILE_BLOCK_SIZE * CND_FLASH_FILE_BLOCK_COUNT;
    int full, target = 0;
    unsigned long saved = 0;
    cnd_status_t rs;

    if (argc != 4) {
        fprintf(stderr, "usage: cnd-fill-image FLASH PACK PERCENT|full\n");
        return 2;
    }
    full = strcmp(argv[3], "full") == 0;
    if (!full && ((target = atoi(argv[3])) < 1 || target > 100)) {
        fprintf(stderr, "cnd-fill-image: PERCENT must be 1..100 or 'full'\n");
        return 2;
    }
    if (load_file(argv[2], g_pack_buf, sizeof g_pack_buf, &plen) != 0 ||
        cnd_pack_open(&pk, g_pack_buf, (uint32_t)plen) != CND_OK) {
        fprintf(stderr, "cnd-fill-image: %s is not a readable survey pack\n", argv[2]);
        return 1;
    }
    if (cnd_ram_flash_init(&rf, CND_FLASH_FILE_BLOCK_SIZE, CND_FLASH_FILE_BLOCK_COUNT,
                           CND_FLASH_FILE_PROG_SIZE) != CND_OK)
        return 1;
    if (load_file(argv[1], rf.mem, image, &ilen) == 0 && ilen != image) {
        fprintf(stderr, "cnd-fill-image: %s is not a simulator flash image\n", argv[1]);
        return 1;
    }
    g_rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9E3779B97F4A7C15ULL;
    memset(&hal, 0, sizeof hal);
    hal.flash = rf.flash;
    hal.random = fill_random;
    hal.today = fill_today;
    if ((rs = cnd_store_mount(&st, &hal)) != CND_OK) {
        fprintf(stderr, "cnd-fill-image: the store refuses %s: %s\n", argv[1], cnd_status_str(rs));
        return 1;
    }
    if (install_pack(&st, g_pack_buf, (uint32_t)plen, pk.fingerprint) != 0) {
        fprintf(stderr, "cnd-fill-image: cannot install %s\n", argv[2]);
        return 1;
    }
    while (full ? cnd_store_has_room(&st) : cnd_store_fill_percent(&st) < target) {
        cnd_response_t r;
        make_response(&pk, &r);
        fill_random(NULL, r.id, sizeof r.id);
        r.day = fill_today(NULL);
        if ((rs = cnd_store_append_response(&st, &r, &pk)) != CND_OK) {
            fprintf(stderr, "cnd-fill-image: save %lu refused: %s\n", saved + 1, cnd_status_str(rs));
            return 1;
        }
        saved++;
    }
    if (save_image(argv[1], rf.mem, image) != 0) {
        fprintf(stderr, "cnd-fill-image: cannot write %s\n", argv[1]);
        return 1;
    }
    printf("%lu\n", saved);
    cnd_ram_flash_free(&rf);
    return 0;
}
