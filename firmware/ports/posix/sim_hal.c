/* sim_hal.c: getrandom(), the UTC day and the clocks for the simulator (see sim_hal.h). */
#include "sim_hal.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

/* 2020-01-01T00:00:00Z as Unix time. */
#define CND_EPOCH_2020 1577836800LL

cnd_status_t cnd_sim_random(void *ctx, uint8_t *buf, uint32_t n)
{
    uint32_t done = 0;
    (void)ctx;
    while (done < n) {
        ssize_t got = getrandom(buf + done, n - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return CND_E_IO;
        }
        done += (uint32_t)got;
    }
    return CND_OK;
}

uint16_t cnd_sim_day_of(long long unix_seconds)
{
    long long days;
    if (unix_seconds < CND_EPOCH_2020)
        return 0;
    days = (unix_seconds - CND_EPOCH_2020) / 86400LL;
    return days > 65535 ? 65535 : (uint16_t)days;
}

static long g_day_offset; /* set by cnd_sim_set_today */

uint16_t cnd_sim_today(void *ctx)
{
    long long day;
    (void)ctx;
    day = (long long)cnd_sim_day_of((long long)time(NULL)) + g_day_offset;
    return day < 0 ? 0 : (day > 65535 ? 65535 : (uint16_t)day);
}

cnd_status_t cnd_sim_set_today(void *ctx, uint16_t day)
{
    (void)ctx;
    g_day_offset = (long)day - (long)cnd_sim_day_of((long long)time(NULL));
    return CND_OK;
}

uint32_t cnd_sim_uptime_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((unsigned long long)ts.tv_sec * 1000u + (unsigned long)ts.tv_nsec / 1000000u);
}

uint32_t cnd_sim_clock_s(void *ctx)
{
    time_t now = time(NULL);
    struct tm tm;
    (void)ctx;
    if (localtime_r(&now, &tm) == NULL)
        return 0;
    return (uint32_t)(tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
}
