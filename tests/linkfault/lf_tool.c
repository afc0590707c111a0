/*
 * lf_tool.c: the process-level link-fault scripts' helper.
 *
 *   lf_tool mkimage FLASH N
 *       a candor-sim flash image holding the default survey and the N
 *       deterministic responses of lf_check.h (faster and more than any
 *       key script could type)
 *   lf_tool check FLASH STORE N [--recovered]
 *       lf_check() of the store against the device image (the simulator
 *       must be stopped); --recovered also wants all N stored, none pending.
 *       Prints "stored=S pending=P lost=L duplicated=D garbage=G
 *       misplaced=M" and, on a problem, the first one; exit 0 when clean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_file.h"
#include "lf_check.h"
#include "store.h"

#define SEED 20240611u

static cnd_status_t tool_random(void *ctx, uint8_t *buf, uint32_t n)
{
    static uint32_t s = 12345u;
    uint32_t i;
    (void)ctx;
    for (i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (uint8_t)(s >> 16);
    }
    return CND_OK;
}

static uint16_t tool_today(void *ctx)
{
    (void)ctx;
    return 2200;
}

static cnd_flash_file_t g_ff;
static cnd_hal_t g_hal;
static cnd_store_t g_store;
static uint8_t g_pack[CND_MAX_PACK_SIZE];
static cnd_response_t g_saved[LF_MAX_SAVED];

static int mount(const char *flash)
{
    cnd_status_t st = cnd_flash_file_open(&g_ff, flash, CND_FLASH_FILE_BLOCK_SIZE,
                                          CND_FLASH_FILE_BLOCK_COUNT, CND_FLASH_FILE_PROG_SIZE,
                                          &g_hal.flash);
    if (st == CND_OK) {
        g_hal.random = tool_random;
        g_hal.today = tool_today;
        st = cnd_store_mount(&g_store, &g_hal);
        if (st != CND_OK)
            cnd_flash_file_close(&g_ff);
    }
    if (st != CND_OK)
        fprintf(stderr, "lf_tool: cannot mount %s: %s\n", flash, cnd_status_str(st));
    return st == CND_OK ? 0 : -1;
}

/* The saved set and its pack, the same in every process. */
static int saved_set(size_t n, cnd_pack_t *pk, size_t *pack_len)
{
    size_t i;
    if (n > LF_MAX_SAVED || lf_compile_survey(1, g_pack, sizeof g_pack, pack_len) != 0 ||
        cnd_pack_open(pk, g_pack, (uint32_t)*pack_len) != CND_OK)
        return -1;
    for (i = 0; i < n; i++)
        lf_make_response(pk, SEED, (uint32_t)i, &g_saved[i]);
    return 0;
}

static int mkimage(const char *flash, size_t n)
{
    cnd_pack_t pk;
    size_t len, i;
    cnd_status_t st;
    if (saved_set(n, &pk, &len) != 0 || mount(flash) != 0)
        return 1;
    st = lf_install_pack(&g_store, g_pack, len);
    for (i = 0; st == CND_OK && i < n; i++)
        st = cnd_store_append_response(&g_store, &g_saved[i], &pk);
    cnd_flash_file_close(&g_ff);
    if (st != CND_OK) {
        fprintf(stderr, "lf_tool: cannot fill %s: %s\n", flash, cnd_status_str(st));
        return 1;
    }
    return 0;
}

static int check(const char *flash, const char *store, size_t n, int recovered)
{
    cnd_pack_t pk;
    size_t len;
    lf_tally_t t;
    int bad;
    if (saved_set(n, &pk, &len) != 0 || mount(flash) != 0)
        return 2;
    bad = lf_check(g_saved, n, &g_store, store, &t) != 0;
    cnd_flash_file_close(&g_ff);
    if (recovered && (t.stored != n || t.pending != 0)) {
        bad = 1;
        if (t.first[0] == '\0')
            snprintf(t.first, sizeof t.first, "after recovery %zu of %zu stored, %zu pending",
                     t.stored, n, t.pending);
    }
    printf("stored=%zu pending=%zu lost=%zu duplicated=%zu garbage=%zu misplaced=%zu%s%s\n",
           t.stored, t.pending, t.lost, t.duplicated, t.garbage, t.misplaced,
           t.first[0] ? " first: " : "", t.first);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "mkimage") == 0)
        return mkimage(argv[2], (size_t)strtoul(argv[3], NULL, 10));
    if ((argc == 5 || (argc == 6 && strcmp(argv[5], "--recovered") == 0)) &&
        strcmp(argv[1], "check") == 0)
        return check(argv[2], argv[3], (size_t)strtoul(argv[4], NULL, 10), argc == 6);
    fprintf(stderr, "usage: lf_tool mkimage FLASH N | lf_tool check FLASH STORE N "
                    "[--recovered]\n");
    return 2;
}
