/* buildcaps_posix.c: see buildcaps.h. The Linux build links every optional
 * library (host/CMakeLists.txt), so it has every feature. */
#include "buildcaps.h"

#include <stddef.h>

const char *cnd_feature_missing(cnd_feature_t f)
{
    (void)f;
    return NULL;
}

int cnd_feature_refuse(const char *cmd, cnd_feature_t f)
{
    (void)cmd;
    (void)f;
    return 0;
}
