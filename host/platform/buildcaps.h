/*
 * buildcaps.h: which optional capabilities this build of candor has. The
 * Linux build has them all (host/platform/posix/buildcaps_posix.c); the
 * Windows build (tools/win) is cross-built without the libraries some of
 * them need and says so (host/platform/win/buildcaps_win.c, which also
 * stands in for the modules it leaves out: shape.c, preview.c,
 * xlsform_read.c, xlsform_write.c).
 *
 * Owns: the name of each optional capability, the libraries it needs, the
 * one line a command prints when this build lacks it.
 * Never: decides anything else about a command; the commands call it once,
 * before they open or write anything.
 * RAM: none.
 */
#ifndef CND_BUILDCAPS_H
#define CND_BUILDCAPS_H

typedef enum {
    CND_FEATURE_SHAPING,  /* candor preview; compile's glyph-coverage check */
    CND_FEATURE_XLSFORM,  /* XLSForm workbooks: compile FILE.xlsx, candor xlsform */
    CND_FEATURE_READSTAT, /* export --format sav | dta */
} cnd_feature_t;

/* NULL when this build has feature f, else the libraries it needs
 * ("HarfBuzz, FreeType, ICU and libpng"). */
const char *cnd_feature_missing(cnd_feature_t f);

/* 0 when this build has f; else prints "candor <cmd>: <feature> is not in
 * this Windows build (it needs <libraries>); use the Linux build" on
 * stderr and returns CND_EXIT_FAIL. */
int cnd_feature_refuse(const char *cmd, cnd_feature_t f);

#endif
