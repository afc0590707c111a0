/* osfile_win.c: the durable-write steps on Windows (see osfile.h; the
 * argument that the store's exactly-once promise holds is in
 * docs/DESIGN.md, "Windows"). */
#include "osfile.h"

#include <bcrypt.h>
#include <stdlib.h>

#undef close

/* Paths are in the process code page, which candor.manifest makes UTF-8
 * (and the C runtime's open() uses the same one): CP_ACP keeps the wide
 * names here equal to the C runtime's on every Windows version. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_ACP, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w == NULL || MultiByteToWideChar(CP_ACP, 0, s, -1, w, n) != n) {
        free(w);
        errno = EINVAL;
        return NULL;
    }
    return w;
}

static int win_errno(DWORD e)
{
    switch (e) {
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION: return EACCES;
    case ERROR_LOCK_VIOLATION: return EWOULDBLOCK;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    default: return EIO;
    }
}

int cnd_os_fsync(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    if (!FlushFileBuffers(h)) {
        errno = win_errno(GetLastError());
        return -1;
    }
    return 0;
}

/* Nothing to flush: every name candor publishes is a MOVEFILE_WRITE_THROUGH
 * move, which returns only once the move is on the disk, and NTFS logs
 * metadata in order, so a directory made before it is on the disk too. */
int cnd_os_fsync_dir(const char *dir)
{
    wchar_t *w = wide(dir);
    DWORD a;
    if (w == NULL)
        return -1;
    a = GetFileAttributesW(w);
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES) {
        errno = win_errno(GetLastError());
        return -1;
    }
    if (!(a & FILE_ATTRIBUTE_DIRECTORY)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int move(const char *from, const char *to, DWORD flags)
{
    wchar_t *wf = wide(from), *wt = wf != NULL ? wide(to) : NULL;
    int rc = -1;
    if (wt != NULL) {
        if (MoveFileExW(wf, wt, flags | MOVEFILE_WRITE_THROUGH))
            rc = 0;
        else
            errno = win_errno(GetLastError());
    }
    free(wf);
    free(wt);
    return rc;
}

/* Without MOVEFILE_REPLACE_EXISTING the move fails when final exists, as
 * link() does: a stored file is never overwritten. */
int cnd_os_publish_new(const char *tmp, const char *final)
{
    return move(tmp, final, 0);
}

int cnd_os_replace(const char *from, const char *to)
{
    return move(from, to, MOVEFILE_REPLACE_EXISTING);
}

/* A byte-range lock on the lock file's first byte: Windows releases it when
 * the handle closes or the process ends, as flock(). */
int cnd_os_lock_fd(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED ov;
    if (h == INVALID_HANDLE_VALUE) {
        errno = EBADF;
        return -1;
    }
    memset(&ov, 0, sizeof ov);
    if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
        DWORD e = GetLastError();
        errno = e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING ? EWOULDBLOCK : win_errno(e);
        return -1;
    }
    return 0;
}

int cnd_os_random(void *buf, size_t n)
{
    while (n > 0) {
        ULONG chunk = n > 0x10000000u ? 0x10000000u : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            errno = EIO;
            return -1;
        }
        buf = (unsigned char *)buf + chunk;
        n -= chunk;
    }
    return 0;
}

/* 137: what a shell reports for a SIGKILLed process, so scripts read both
 * the same way. */
void cnd_os_kill_self(void)
{
    TerminateProcess(GetCurrentProcess(), 137);
}
