/* semihost.c: ARM semihosting operations (see semihost.h). */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_SEEK = 0x0A,
    SYS_FLEN = 0x0C,
    SYS_TIME = 0x11,
    SYS_EXIT = 0x18
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u

static int32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void cnd_semihost_write0(const char *s)
{
    (void)call(SYS_WRITE0, s);
}

uint32_t cnd_semihost_time(void)
{
    return (uint32_t)call(SYS_TIME, 0);
}

void cnd_semihost_exit(int success)
{
    /* AArch32 SYS_EXIT takes the reason code itself in r1; QEMU exits with
     * status 0 for ApplicationExit and 1 for anything else. */
    for (;;)
        (void)call(SYS_EXIT, (const void *)(uintptr_t)(success ? ADP_STOPPED_APPLICATION_EXIT
                                                               : ADP_STOPPED_RUNTIME_ERROR));
}

int32_t cnd_semihost_open(const char *path, uint32_t mode)
{
    uint32_t a[3];
    a[0] = (uint32_t)(uintptr_t)path;
    a[1] = mode;
    a[2] = (uint32_t)strlen(path);
    return call(SYS_OPEN, a);
}

int32_t cnd_semihost_close(int32_t fd)
{
    uint32_t a[1];
    a[0] = (uint32_t)fd;
    return call(SYS_CLOSE, a);
}

int32_t cnd_semihost_length(int32_t fd)
{
    uint32_t a[1];
    a[0] = (uint32_t)fd;
    return call(SYS_FLEN, a);
}

int32_t cnd_semihost_seek(int32_t fd, uint32_t pos)
{
    uint32_t a[2];
    a[0] = (uint32_t)fd;
    a[1] = pos;
    return call(SYS_SEEK, a);
}

int32_t cnd_semihost_read(int32_t fd, void *buf, uint32_t len)
{
    uint32_t a[3];
    a[0] = (uint32_t)fd;
    a[1] = (uint32_t)(uintptr_t)buf;
    a[2] = len;
    return call(SYS_READ, a);
}

int32_t cnd_semihost_write(int32_t fd, const void *buf, uint32_t len)
{
    uint32_t a[3];
    a[0] = (uint32_t)fd;
    a[1] = (uint32_t)(uintptr_t)buf;
    a[2] = len;
    return call(SYS_WRITE, a);
}
