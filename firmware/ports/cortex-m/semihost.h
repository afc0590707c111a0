/*
 * semihost.h: ARM semihosting calls (a debugger or QEMU services them).
 *
 * Owns: the BKPT 0xAB calling convention and the handful of operations the
 * QEMU board needs: write a string, read the host's clock, exit with a
 * status, and plain file I/O (the QEMU board's emulated flash chip is a
 * host file). "Semihosting for AArch32 and AArch64", ARM DUI 0058.
 *
 * Never: used on the handheld in the field: with no debugger attached a
 * BKPT would stop the core. Only the QEMU board links it.
 * RAM: none (arguments live on the caller's stack).
 */
#ifndef CND_SEMIHOST_H
#define CND_SEMIHOST_H

#include <stdint.h>

void cnd_semihost_write0(const char *s);
/* Seconds since 1970-01-01 UTC from the host clock. */
uint32_t cnd_semihost_time(void);
/* Ends the emulation: success 1 exits QEMU with status 0, else status 1. */
void cnd_semihost_exit(int success) __attribute__((noreturn));

/* Files: mode is the semihosting fopen mode index (e.g. 3 = "r+b",
 * 7 = "w+b"). Return -1 / nonzero on failure. */
int32_t cnd_semihost_open(const char *path, uint32_t mode);
int32_t cnd_semihost_close(int32_t fd);
int32_t cnd_semihost_length(int32_t fd);
int32_t cnd_semihost_seek(int32_t fd, uint32_t pos);
/* Both return 0 when all len bytes were transferred. */
int32_t cnd_semihost_read(int32_t fd, void *buf, uint32_t len);
int32_t cnd_semihost_write(int32_t fd, const void *buf, uint32_t len);

#endif
