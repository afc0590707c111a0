/* osfile_posix.c: the durable-write steps on POSIX (see osfile.h): Linux,
 * and macOS from source (untested there, docs/PLATFORMS.md). The two
 * differences macOS needs are the only #ifdefs, here in the seam. */
#include "osfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

/* macOS's fsync() leaves the data in the drive's cache; F_FULLFSYNC
 * flushes it, as Linux's fsync() does. */
int cnd_os_fsync(int fd)
{
#ifdef F_FULLFSYNC
    if (fcntl(fd, F_FULLFSYNC) == 0)
        return 0;
#endif
    return fsync(fd);
}

int cnd_os_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* link() refuses to replace: a stored file is never overwritten. */
int cnd_os_publish_new(const char *tmp, const char *final)
{
    return link(tmp, final);
}

int cnd_os_replace(const char *from, const char *to)
{
    return rename(from, to);
}

int cnd_os_lock_fd(int fd)
{
    return flock(fd, LOCK_EX | LOCK_NB);
}

int cnd_os_random(void *buf, size_t n)
{
#ifdef __APPLE__
    /* no getrandom(); getentropy() gives at most 256 bytes a call */
    for (size_t got = 0, k; got < n; got += k) {
        k = n - got > 256 ? 256 : n - got;
        if (getentropy((unsigned char *)buf + got, k) != 0)
            return -1;
    }
    return 0;
#else
    size_t got = 0;
    while (got < n) {
        ssize_t g = getrandom((unsigned char *)buf + got, n - got, 0);
        if (g < 0 && errno == EINTR)
            continue;
        if (g <= 0)
            return -1;
        got += (size_t)g;
    }
    return 0;
#endif
}

void cnd_os_kill_self(void)
{
    raise(SIGKILL);
}
