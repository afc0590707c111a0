/* crashpoint.c: the kill test hook (see crashpoint.h). */
#include "crashpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osfile.h"

static struct {
    int parsed;
    char step[32];
    unsigned long nth, seen;
} g_crash;

static void parse_env(void)
{
    const char *v = getenv("CANDOR_TEST_CRASH_AT");
    const char *colon;
    char *end;
    size_t len;

    g_crash.parsed = 1;
    if (v == NULL || v[0] == '\0')
        return;
    colon = strrchr(v, ':');
    len = colon != NULL ? (size_t)(colon - v) : 0;
    if (colon != NULL && len > 0 && len < sizeof g_crash.step) {
        g_crash.nth = strtoul(colon + 1, &end, 10);
        if (*end == '\0' && g_crash.nth > 0 && colon[1] != '\0') {
            memcpy(g_crash.step, v, len);
            g_crash.step[len] = '\0';
            return;
        }
    }
    g_crash.nth = 0;
    fprintf(stderr, "candor: ignoring CANDOR_TEST_CRASH_AT='%s' (a test hook: STEP:N)\n", v);
}

void cnd_crashpoint(const char *step)
{
    if (!g_crash.parsed)
        parse_env();
    if (g_crash.nth == 0 || strcmp(step, g_crash.step) != 0)
        return;
    if (++g_crash.seen == g_crash.nth)
        cnd_os_kill_self();
}
