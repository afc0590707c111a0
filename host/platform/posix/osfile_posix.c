/* osfile_posix.c: the durable-write steps on POSIX (see osfile.h). */
#include "osfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

int cnd_os_fsync(int fd)
{
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
}

void cnd_os_kill_self(void)
{
    raise(SIGKILL);
}
