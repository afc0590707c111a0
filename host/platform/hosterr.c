/* hosterr.c: formatting for cnd_err_t. Owns nothing else. */
#include "hosterr.h"

#include <stdarg.h>
#include <stdio.h>

void cnd_err_set(cnd_err_t *err, const char *fmt, ...)
{
    va_list ap;
    char *p;
    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Messages quote what they were given (JSON keys, file names, device
     * text): a control character in there would break the one-line rule,
     * or drive the terminal. Each becomes '?' here, once for every caller. */
    for (p = err->msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '?';
}
