/* sim_hal.c: getrandom() and the UTC day for the simulator (see sim_hal.h). */
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

uint16_t cnd_sim_today(void *ctx)
{
    (void)ctx;
    return cnd_sim_day_of((long long)time(NULL));
}
