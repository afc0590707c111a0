/*
 * fuzz_xlsform.c: the XLSForm reader (host/survey/xlsform_read.c) on any
 * sheet XML, inside a well-formed zip.
 *
 * Mutating a whole .xlsx mostly breaks the zip's CRCs (fuzz_compile covers
 * that); this harness builds the container itself so the mutations reach
 * Expat's handlers, the cell model and the translation into the source
 * tree. Input: up to four parts separated by NUL bytes: the survey sheet,
 * the choices sheet, the settings sheet and xl/sharedStrings.xml (an absent
 * or empty part is left out of the zip).
 * Checks, beyond the sanitizers: a workbook compiles into a pack that
 * cnd_pack_open() accepts, or is refused with a status from the stated set
 * and one non-empty line; the same bytes give the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "fuzz_common.h"
#include "pack.h"
#include "test_key.h"
#include "xlsform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char workbook_xml[] =
    "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/"
    "2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><sheets><sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/><sheet "
    "name=\"choices\" sheetId=\"2\" r:id=\"rId2\"/><sheet name=\"settings\" sheetId=\"3\" "
    "r:id=\"rId3\"/></sheets></workbook>";
static const char rels_xml[] =
    "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/"
    "2006/relationships\"><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Target=\"worksheets/sheet2.xml\"/><Relationship Id=\"rId3\" "
    "Target=\"/xl/worksheets/sheet3.xml\"/></Relationships>";

static int add(zip_t *z, const char *name, const void *p, size_t n)
{
    zip_source_t *s = zip_source_buffer(z, p, n, 0);
    if (s == NULL)
        return -1;
    if (zip_file_add(z, name, s, ZIP_FL_OVERWRITE) < 0) {
        zip_source_free(s);
        return -1;
    }
    return 0;
}

/* The parts as an .xlsx in memory (malloc'd into *out). */
static size_t build_zip(const uint8_t *data, size_t size, uint8_t **out)
{
    static const char *const names[] = {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                                        "xl/worksheets/sheet3.xml", "xl/sharedStrings.xml"};
    zip_error_t ze;
    zip_source_t *src;
    zip_t *z;
    zip_stat_t st;
    size_t at = 0, part = 0, n = 0;

    zip_error_init(&ze);
    src = zip_source_buffer_create(NULL, 0, 0, &ze);
    FZ_CHECK(src != NULL);
    zip_source_keep(src);
    z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    FZ_CHECK(z != NULL);
    FZ_CHECK(add(z, "xl/workbook.xml", workbook_xml, sizeof workbook_xml - 1) == 0);
    FZ_CHECK(add(z, "xl/_rels/workbook.xml.rels", rels_xml, sizeof rels_xml - 1) == 0);
    while (at <= size && part < 4) {
        const uint8_t *end = size > at ? memchr(data + at, 0, size - at) : NULL;
        size_t len = end ? (size_t)(end - (data + at)) : size - at;
        if (len > 0)
            FZ_CHECK(add(z, names[part], data + at, len) == 0);
        at += len + 1;
        part++;
    }
    FZ_CHECK(zip_close(z) == 0);
    FZ_CHECK(zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0);
    *out = malloc(st.size ? st.size : 1);
    FZ_CHECK(*out != NULL);
    n = (size_t)zip_source_read(src, *out, st.size);
    FZ_CHECK(n == st.size);
    zip_source_close(src);
    zip_source_free(src);
    zip_error_fini(&ze);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[CND_MAX_PACK_SIZE], again[CND_MAX_PACK_SIZE];
    uint8_t *xlsx = NULL;
    size_t n, len = 0, len2 = 0;
    cnd_err_t err, err2;
    cnd_status_t st, st2;

    if (size > 256 * 1024)
        return 0;
    n = build_zip(data, size, &xlsx);
    memset(&err, 0, sizeof err);
    memset(&err2, 0, sizeof err2);
    st = cnd_xlsform_compile(xlsx, n, cnd_test_office_key(), NULL, out, sizeof out, &len, &err);
    st2 = cnd_xlsform_compile(xlsx, n, cnd_test_office_key(), NULL, again, sizeof again, &len2, &err2);
    FZ_CHECK(st == st2);
    if (st == CND_OK) {
        cnd_pack_t pk;
        FZ_CHECK(len > 0 && len <= sizeof out && len2 == len && memcmp(out, again, len) == 0);
        FZ_CHECK(cnd_pack_open(&pk, out, (uint32_t)len) == CND_OK);
    } else {
        FZ_CHECK(st == CND_E_INVALID || st == CND_E_RANGE || st == CND_E_NOSPACE);
        FZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        FZ_CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
        FZ_CHECK(strcmp(err.msg, err2.msg) == 0);
    }
    free(xlsx);
    return 0;
}
