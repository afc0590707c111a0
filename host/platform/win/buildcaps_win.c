/*
 * buildcaps_win.c: see buildcaps.h. What the Windows build of candor lacks,
 * and the entry points of the host modules tools/win leaves out because
 * their libraries are not cross-built (docs/PLATFORMS.md, "What the
 * Windows build lacks"):
 *   shaping  (survey/shape.c, survey/preview.c): HarfBuzz, FreeType, ICU,
 *            libpng and the handheld's drawing code;
 *   XLSForm  (survey/xlsform_read.c, xlsform_write.c): libzip, Expat,
 *            libxlsxwriter;
 *   SPSS and Stata export (the ReadStat half of store/flat.c, compiled
 *            with CND_NO_READSTAT): ReadStat, which needs iconv.
 * Packs do not depend on shaping: pack version 3 carries no pre-rendered
 * text (formats/SPEC.md 1.12), so compile on Windows writes the same pack
 * and only skips the glyph-coverage check, which compile on Linux makes.
 *
 * Owns: the one line each missing feature prints. Never: pretends a
 * missing feature ran; every refusal exits non-zero and writes nothing.
 * RAM: none.
 */
#include "buildcaps.h"

#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hosterr.h"
#include "preview.h"
#include "render.h"
#include "xlsform.h"

static const struct {
    const char *name, *libs;
} missing[] = {
    [CND_FEATURE_SHAPING] = {"script shaping and preview", "HarfBuzz, FreeType, ICU and libpng"},
    [CND_FEATURE_XLSFORM] = {"XLSForm", "libzip, Expat and libxlsxwriter"},
    [CND_FEATURE_READSTAT] = {"SPSS and Stata export", "ReadStat and iconv"},
};

const char *cnd_feature_missing(cnd_feature_t f)
{
    return missing[f].libs;
}

static void say(cnd_err_t *err, cnd_feature_t f)
{
    cnd_err_set(err, "%s is not in this Windows build (it needs %s); use the Linux build",
                missing[f].name, missing[f].libs);
}

int cnd_feature_refuse(const char *cmd, cnd_feature_t f)
{
    cnd_err_t err;
    memset(&err, 0, sizeof err);
    say(&err, f);
    fprintf(stderr, "candor %s: %s\n", cmd, err.msg);
    return CND_EXIT_FAIL;
}

/* ---- stand-ins for the modules tools/win does not compile ---- */

int cnd_cmd_preview(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cnd_feature_refuse("preview", CND_FEATURE_SHAPING);
}

/* compile.c's glyph-coverage check: never reached, since candor compile
 * refuses first in this build (a pack carries pre-rendered text). */
int cnd_preview_check(const cJSON *root, cnd_err_t *err)
{
    (void)root;
    (void)err;
    return 1;
}

/* render.c's stand-in: no shaper, so no pack (cnd_cmd_compile says so
 * before it gets here; a caller of the library hears it here). */
int cnd_render_build(const cnd_render_lang_t *langs, int n_langs, uint8_t *out, uint32_t cap,
                     uint32_t *out_len, cnd_err_t *err)
{
    (void)langs;
    (void)n_langs;
    (void)out;
    (void)cap;
    *out_len = 0;
    cnd_err_set(err, "%s is not in this Windows build (it needs %s); use the Linux build",
                "script shaping and preview", "HarfBuzz, FreeType, ICU and libpng");
    return 0;
}

int cnd_cmd_xlsform(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cnd_feature_refuse("xlsform", CND_FEATURE_XLSFORM);
}

/* compile.c hands a zip to the XLSForm front end, which refuses it here
 * with one line; any other source goes to the JSON front end as on Linux. */
int cnd_xlsform_is_workbook(const uint8_t *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}

cnd_status_t cnd_xlsform_compile(const uint8_t *data, size_t len, const cnd_office_key_t *key,
                                 const cnd_compile_opts_t *opts, uint8_t *out, size_t cap,
                                 size_t *out_len, cnd_err_t *err)
{
    (void)data;
    (void)len;
    (void)key;
    (void)opts;
    (void)out;
    (void)cap;
    *out_len = 0;
    say(err, CND_FEATURE_XLSFORM);
    return CND_E_INVALID;
}
