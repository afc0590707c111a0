/*
 * hosterr.h: how host code reports a failure to the person at the desk.
 *
 * Owns: the one-line error convention. A failing host function fills a
 * cnd_err_t with a message that names the cause, where it happened and,
 * when there is one, the next step; main() prints it as
 *   candor <command>: <message>
 * and exits non-zero. cnd_err_set() turns control characters into '?', so
 * quoted input cannot break a message over lines. Never: multi-line
 * messages, or messages that leak response contents.
 * RAM: host only.
 */
#ifndef CND_HOSTERR_H
#define CND_HOSTERR_H

#include <stddef.h>

typedef struct {
    char msg[512];
} cnd_err_t;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cnd_err_set(cnd_err_t *err, const char *fmt, ...);

/* The word for a count in a message: one when n is 1, many otherwise
 * ("1 response", "2 responses", "0 responses"). */
static inline const char *cnd_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Exit codes scripts can test. */
enum {
    CND_EXIT_OK = 0,
    CND_EXIT_FAIL = 1,       /* the operation failed; see the message */
    CND_EXIT_USAGE = 2,      /* bad command line */
    CND_EXIT_INPUT = 3,      /* bad input file (survey source, pack, store) */
    CND_EXIT_DEVICE = 4,     /* no device, unreachable, or it disconnected */
    CND_EXIT_DAMAGED = 5     /* sync done, but the device reported damaged flash
                                (kept in STORE/quarantine/) */
};

#endif
