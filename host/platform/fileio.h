/*
 * fileio.h: the one loop every host file writer uses to put bytes into a
 * descriptor (hoststore.c, officekey.c, compile.c each then fsync and link
 * or rename as their formats require).
 * Owns: retrying short writes and EINTR. Never: opens, syncs or names files.
 * RAM: none.
 */
#ifndef CND_FILEIO_H
#define CND_FILEIO_H

#include <stddef.h>

/* Writes all n bytes of p to fd: 0, or -1 with errno set. */
int cnd_write_all(int fd, const void *p, size_t n);

#endif
