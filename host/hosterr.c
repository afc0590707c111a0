/* hosterr.c: formatting for cnd_err_t. Owns nothing else. */
#include "hosterr.h"

#include <stdarg.h>
#include <stdio.h>

void cnd_err_set(cnd_err_t *err, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
