/*
 * fuzz_compile.c: the survey-source compiler (host/survey/compile.c
 * cnd_compile_json) on any bytes a coordinator could hand it, and its
 * second front end, XLSForm workbooks (host/survey/xlsform_read.c
 * cnd_xlsform_compile), for inputs that start like a zip, as
 * cnd_compile_file dispatches them (the .xlsx seeds of the corpus).
 *
 * Checks, beyond the sanitizers and LeakSanitizer: the compiler's promises
 * in compile.h. A source is either compiled into a pack that
 * cnd_pack_open() accepts and whose length is what it says, or refused
 * with a status from the stated set and a non-empty one-line message. The
 * same source always gives the same bytes (the fingerprint names a pack).
 * Input: the JSON text (not NUL-terminated; the compiler takes a length),
 * or an .xlsx workbook.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "fuzz_common.h"
#include "pack.h"
#include "test_key.h"
#include "xlsform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The front end cnd_compile_file would pick for these bytes. */
static cnd_status_t compile_any(const char *src, size_t size, uint8_t *out, size_t cap,
                                size_t *len, cnd_err_t *err)
{
    if (cnd_xlsform_is_workbook((const uint8_t *)src, size))
        return cnd_xlsform_compile((const uint8_t *)src, size, cnd_test_office_key(), NULL, out, cap,
                                   len, err);
    return cnd_compile_json(src, size, cnd_test_office_key(), out, cap, len, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[CND_MAX_PACK_SIZE], again[CND_MAX_PACK_SIZE];
    char *json = malloc(size ? size : 1);
    size_t len = 0, len2 = 0;
    cnd_err_t err;
    cnd_status_t st;

    FZ_CHECK(json != NULL);
    memcpy(json, data, size);
    memset(&err, 0, sizeof err);
    st = compile_any(json, size, out, sizeof out, &len, &err);
    if (st == CND_OK) {
        cnd_pack_t pk;
        FZ_CHECK(len > 0 && len <= sizeof out);
        FZ_CHECK(cnd_pack_open(&pk, out, (uint32_t)len) == CND_OK);
        FZ_CHECK(compile_any(json, size, again, sizeof again, &len2, &err) == CND_OK);
        FZ_CHECK(len2 == len && memcmp(out, again, len) == 0);
        /* A buffer one byte short is refused, never overrun. */
        FZ_CHECK(compile_any(json, size, again, len - 1, &len2, &err) == CND_E_NOSPACE);
    } else {
        FZ_CHECK(st == CND_E_INVALID || st == CND_E_RANGE || st == CND_E_NOSPACE);
        FZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        FZ_CHECK(err.msg[0] != '\0');
        FZ_CHECK(strchr(err.msg, '\n') == NULL);
    }
    free(json);
    return 0;
}
