/*
 * fuzz_cnb.c: the host store's batch-file reader (host/store/hoststore.c,
 * formats/SPEC.md 8.2) on any bytes a damaged disk, a bad copy or a person
 * could leave in DIR/responses/<fp>/x.cnb.
 *
 * The reader is static inside hoststore.c, so the harness goes through the
 * public door: it writes the input as one .cnb next to the default pack in
 * a store directory on tmpfs, then opens the store and walks it.
 * Input: [flags u8][file bytes]. A .cnb (version 3) is a 20-byte header
 * (magic, version, reserved, count, fingerprint, length L, CRC-32 of the
 * L bytes) and then the batch bytes as sync received them. flags bit 0:
 * before writing, make the header tell the truth about the bytes that
 * follow: magic, version 3, reserved 0, the directory's fingerprint,
 * their length and CRC-32, and (unless flags bit 1) the count the batch
 * header names; so mutations reach the batch decoder (version 3, sealed
 * rows) and the checks of the clear part instead of the checksum.
 *
 * Checks (hoststore.h): a damaged file fails open with one line that names
 * the file; a file that opens yields only sealed responses of its pack
 * with a ciphertext of legal length, as many as the store counts; and an
 * export opening the store with the test office key gives each exactly
 * one outcome, never a response that does not fit its pack
 * (fz_store_check_all).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h> /* crc32 */

#include "batch.h"
#include "frame.h"
#include "fuzz_common.h"
#include "hoststore.h"
#include "record.h"

#define CNB_HEADER 20

static char *dir;
static char cnb_path[700];

static void remove_dir(void)
{
    fz_remove_tree(dir);
}

static void setup_once(void)
{
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    uint32_t len;
    const uint8_t *p;
    char fdir[600];
    if (dir != NULL)
        return;
    dir = fz_make_temp_dir("cnb");
    atexit(remove_dir); /* libFuzzer exits through exit() after its runs */
    p = fz_default_pack(&len);
    FZ_CHECK(cnd_hoststore_open(dir, 1, &hs, &err) == CND_OK);
    FZ_CHECK(cnd_hoststore_put_pack(hs, p, len, &err) == CND_OK);
    cnd_hoststore_close(hs);
    snprintf(fdir, sizeof fdir, "%s/responses/%08x", dir, (unsigned)fz_default_pk()->fingerprint);
    FZ_CHECK(mkdir(fdir, 0700) == 0);
    snprintf(cnb_path, sizeof cnb_path, "%s/fuzz.cnb", fdir);
}

/* Header fields that agree with the batch bytes that follow. */
static void tell_truth(uint8_t *f, size_t len, int keep_count)
{
    size_t n;
    if (len < CNB_HEADER)
        return;
    n = len - CNB_HEADER;
    memcpy(f, "CNDB", 4);
    f[4] = 3;
    f[5] = 0;
    if (!keep_count && n >= 3) /* batch header: version u8, n u16, pack_fp u32 */
        memcpy(f + 6, f + CNB_HEADER + 1, 2);
    cnd_wire_put_u32(f + 8, fz_default_pk()->fingerprint);
    cnd_wire_put_u32(f + 12, (uint32_t)n);
    cnd_wire_put_u32(f + 16, (uint32_t)crc32(0L, f + CNB_HEADER, (uInt)n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cnd_hoststore_t *hs = NULL;
    cnd_err_t err;
    uint8_t *file;
    size_t len;

    if (size < 1)
        return 0;
    setup_once();
    len = size - 1;
    file = malloc(len ? len : 1);
    FZ_CHECK(file != NULL);
    memcpy(file, data + 1, len);
    if (data[0] & 1)
        tell_truth(file, len, (data[0] & 2) != 0);
    FZ_CHECK(fz_write_file(cnb_path, file, len) == 0);
    free(file);

    memset(&err, 0, sizeof err);
    if (cnd_hoststore_open(dir, 0, &hs, &err) != CND_OK) {
        FZ_CHECK(strstr(err.msg, "fuzz.cnb") != NULL);
        FZ_CHECK(strchr(err.msg, '\n') == NULL);
    } else {
        /* a file that opens holds at least one response, each fits */
        FZ_CHECK(fz_store_check_all(hs, NULL) >= 1);
        FZ_CHECK(cnd_hoststore_pack_count(hs) == 1);
        cnd_hoststore_close(hs);
    }
    FZ_CHECK(unlink(cnb_path) == 0);
    return 0;
}
