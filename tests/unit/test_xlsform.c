/*
 * test_xlsform.c: the XLSForm front end's own translations
 * (host/survey/xlsform_read.c): XPath relevant -> Candor relevance and
 * back, and compiler errors located in cells. The workbooks themselves
 * (peers', refused, hostile) are tested through the CLI in
 * tests/cli/test_xlsform.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <cmocka.h>

#include "xlsform.h"

static void translates(const char *xpath, const char *candor)
{
    char out[512];
    uint16_t pos[512];
    cnd_err_t err;
    memset(&err, 0, sizeof err);
    if (!cnd_xlsform_relevant_in(xpath, out, sizeof out, pos, &err))
        fail_msg("'%s' refused: %s", xpath, err.msg);
    assert_string_equal(out, candor);
}

static void refuses(const char *xpath, const char *expect)
{
    char out[512];
    uint16_t pos[512];
    cnd_err_t err;
    memset(&err, 0, sizeof err);
    assert_int_equal(cnd_xlsform_relevant_in(xpath, out, sizeof out, pos, &err), 0);
    if (strstr(err.msg, expect) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", xpath, err.msg, expect);
}

static void xpath_subset_becomes_candor_relevance(void **state)
{
    (void)state;
    translates("${a} = 'x'", "a = 'x'");
    translates("${a} != \"x\"", "a != 'x'");
    translates("${n} < 5 or ${n} > -3", "n < 5 or n > -3");
    translates("selected(${m}, 'c')", "m = 'c'");
    translates("selected( ${m} ,\"c\" )", "m = 'c'");
    translates("not(selected(${a}, 'x')) and (${b} = 'y' or ${c} = 'z')",
               "not(a = 'x') and (b = 'y' or c = 'z')");
    translates("${m} in ('a', 'b')", "m in ('a', 'b')"); /* Candor's own */
}

static void other_xpath_is_refused_with_the_column(void **state)
{
    (void)state;
    refuses("count-selected(${m}) > 1", "column 1: XPath function 'count-selected()'");
    refuses("${a} = 'x' and string-length(${b}) > 2", "column 16: XPath function 'string-length()'");
    refuses("${n} + 1 > 2", "column 6: '+' is not supported");
    refuses("${n} >= 2", "column 6: '>=' is not supported");
    refuses("${n} <= 2", "'<=' is not supported");
    refuses("${a} = 'x", "unterminated quoted choice name");
    refuses("${} = 'x'", "expected ${name}");
    refuses("${a} = \"it's\"", "cannot contain a quote");
    refuses(". > 3", "'.' is not supported");
}

/* The writer's ${} around names is undone exactly by the reader, so the
 * relevance text stored in the pack is the same byte for byte. */
static void writing_then_reading_gives_back_the_same_text(void **state)
{
    static const char *const exprs[] = {
        "lives_in = 'employer' and not (threats in ('none'))",
        "x = 'yes'",
        "hours > 40 or (days < 1 and not paid = 'no')",
        "a1 != 'b_2'  and   c in ('d','e' , 'f')",
        "n > -5",
        "not(not(q = 'or'))",
    };
    char xp[1024], back[1024];
    uint16_t pos[1024];
    cnd_err_t err;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        assert_int_equal(cnd_xlsform_relevant_out(exprs[i], xp, sizeof xp), 1);
        assert_non_null(strstr(xp, "${"));
        assert_int_equal(cnd_xlsform_relevant_in(xp, back, sizeof back, pos, &err), 1);
        assert_string_equal(back, exprs[i]);
    }
    assert_int_equal(cnd_xlsform_relevant_out("a = 'x'", xp, 6), 0); /* too small */
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(1 << 20);
    assert_non_null(f);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void locate(const cnd_xlsform_map_t *map, const char *msg, const char *expect)
{
    cnd_err_t err;
    snprintf(err.msg, sizeof err.msg, "%s", msg);
    cnd_xlsform_locate(map, &err);
    assert_string_equal(err.msg, expect);
}

/* Compiler messages, as compile.c words them, land on the cell. */
static void compiler_errors_name_the_cell(void **state)
{
    size_t n;
    uint8_t *xlsx = read_all(CND_SOURCE_DIR "/surveys/domestic-work.xlsx", &n);
    struct cJSON *root;
    cnd_xlsform_map_t *map;
    cnd_err_t err;
    (void)state;
    assert_int_equal(cnd_xlsform_read(xlsx, n, &root, &map, &err), CND_OK);
    locate(map, "items[3].label.es: too long",
           "survey!D5 (label::Espa\xc3\xb1ol (es)): too long");
    locate(map, "items[3].name: 'x' is reserved", "survey!B5 (name): 'x' is reserved");
    locate(map, "items[3].hint: missing 'es'", "survey!F5 (hint::Espa\xc3\xb1ol (es)): empty, "
                                               "but it is needed");
    locate(map, "items[3]: unknown field 'private'",
           "survey!K5 (private): unknown field 'private'");
    locate(map, "items[3].kind: 'text' is refused", "survey!A5 (type): 'text' is refused");
    locate(map, "version: must be a whole number", "settings!B2 (version): must be a whole number");
    locate(map, "(top level): missing 'x'", "settings: missing 'x'");
    locate(map, "no path here", "no path here");
    cnd_xlsform_map_free(map);
    cJSON_Delete(root);
    free(xlsx);
}

/* Beyond equal packs (tests/cli/test_xlsform.sh): the workbook carries every
 * field of the source, also those that leave no trace in a pack (a
 * language's font only chooses the face the compiler measures texts in).
 * JSON -> workbook -> source tree gives the JSON's own tree back. */
static void the_workbook_carries_every_field(void **state)
{
    static const char *const sources[] = {
        "/surveys/domestic-work.json",
        "/tests/cli/fixtures/xlsform/roundtrip_exclusive.json",
        "/tests/cli/fixtures/xlsform/roundtrip_eligibility.json",
        "/tests/cli/fixtures/xlsform/roundtrip_coding.json",
        "/tests/cli/fixtures/xlsform/roundtrip_languages.json",
    };
    char path[1024], xlsx_path[] = "/tmp/candor-test-xlsform-XXXXXX";
    size_t i, n, nx;
    int fd = mkstemp(xlsx_path);
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    for (i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        uint8_t *json, *xlsx;
        cJSON *src, *back, *ui;
        cnd_xlsform_map_t *map;
        cnd_err_t err;
        char *a, *b;
        snprintf(path, sizeof path, "%s%s", CND_SOURCE_DIR, sources[i]);
        json = read_all(path, &n);
        memset(&err, 0, sizeof err);
        if (cnd_xlsform_write((const char *)json, n, xlsx_path, &err) != CND_OK)
            fail_msg("%s: %s", sources[i], err.msg);
        xlsx = read_all(xlsx_path, &nx);
        if (cnd_xlsform_read(xlsx, nx, &back, &map, &err) != CND_OK)
            fail_msg("%s: %s", sources[i], err.msg);
        src = cJSON_ParseWithLength((const char *)json, n);
        assert_non_null(src);
        cJSON_DeleteItemFromObjectCaseSensitive(src, "$schema"); /* for editors only */
        /* the ui sheet lists every string; none given is no ui block */
        ui = cJSON_GetObjectItemCaseSensitive(back, "ui");
        if (ui != NULL && ui->child == NULL)
            cJSON_DeleteItemFromObjectCaseSensitive(back, "ui");
        a = cJSON_PrintUnformatted(src);
        b = cJSON_PrintUnformatted(back);
        if (!cJSON_Compare(src, back, 1))
            fail_msg("%s: the workbook reads back as\n%s\nnot\n%s", sources[i], b, a);
        free(a);
        free(b);
        cJSON_Delete(src);
        cJSON_Delete(back);
        cnd_xlsform_map_free(map);
        free(json);
        free(xlsx);
    }
    unlink(xlsx_path);
}

static void a_zip_is_a_workbook(void **state)
{
    (void)state;
    assert_int_equal(cnd_xlsform_is_workbook((const uint8_t *)"PK\x03\x04rest", 8), 1);
    assert_int_equal(cnd_xlsform_is_workbook((const uint8_t *)"{\"id\"", 5), 0);
    assert_int_equal(cnd_xlsform_is_workbook((const uint8_t *)"PK", 2), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xpath_subset_becomes_candor_relevance),
        cmocka_unit_test(other_xpath_is_refused_with_the_column),
        cmocka_unit_test(writing_then_reading_gives_back_the_same_text),
        cmocka_unit_test(compiler_errors_name_the_cell),
        cmocka_unit_test(the_workbook_carries_every_field),
        cmocka_unit_test(a_zip_is_a_workbook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
