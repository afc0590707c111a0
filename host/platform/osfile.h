/*
 * osfile.h: the operating system's part of a durable write, of the store
 * lock, of random bytes and of the crash test hook, one implementation per
 * OS: host/platform/posix/osfile_posix.c (Linux, macOS) and
 * host/platform/win/osfile_win.c (Windows). The callers (hoststore.c,
 * officekey.c, compile.c, export.c, packadmin.c, crashpoint.c) hold the
 * order of the steps and the crash points; these functions are the steps.
 *
 * Owns: fsync of a file and of a directory, publishing a finished temp file
 * under its final name (never replacing, or replacing), the exclusive
 * store lock, the OS's random source, killing this process at once.
 * Never: decides what is written or when; keeps state between calls.
 * All return 0, or -1 with errno set (POSIX values on every OS).
 * RAM: none.
 */
#ifndef CND_OSFILE_H
#define CND_OSFILE_H

#include <stddef.h>

/* The file's data and size are on the disk when this returns (fsync;
 * FlushFileBuffers). */
int cnd_os_fsync(int fd);

/* The directory's entries (files linked, renamed or made in it) are on the
 * disk when this returns. POSIX: fsync of the directory. Windows: nothing
 * left to do, every publish below is a write-through move (docs/DESIGN.md,
 * "Windows"); it checks that dir is a directory. */
int cnd_os_fsync_dir(const char *dir);

/* Gives the closed, synced file tmp the name final, unless final exists:
 * then -1 with errno EEXIST and nothing changes. Afterwards the caller
 * removes tmp by name (POSIX keeps it, a link; Windows moved it: ENOENT). */
int cnd_os_publish_new(const char *tmp, const char *final);

/* Renames from to to, replacing to atomically. */
int cnd_os_replace(const char *from, const char *to);

/* Takes the exclusive lock on the open lock file fd without waiting: -1 with
 * errno EWOULDBLOCK when another process holds it. Closing fd releases it;
 * a process that dies releases it too. */
int cnd_os_lock_fd(int fd);

/* n bytes from the OS's cryptographic random source (getrandom;
 * BCryptGenRandom). */
int cnd_os_random(void *buf, size_t n);

/* Ends this process at once: no atexit handlers, no stdio flush, as when
 * the power goes (SIGKILL; TerminateProcess). Test hook only. */
void cnd_os_kill_self(void);

#endif
