/* transport_sim.c: Unix socket carrier to candor-sim (see transport_sim.h). */
#include "transport_sim.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    cnd_transport_t base; /* first, so a cnd_transport_t * is a sim_transport_t * */
    int fd;
} sim_transport_t;

const char *cnd_transport_sim_dir(void)
{
    const char *d = getenv("CANDOR_SIM_DIR");
    return (d != NULL && d[0] != '\0') ? d : "/tmp/candor-sim";
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become ready for events until the deadline. */
static cnd_status_t wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        long long left = deadline - now_ms();
        int r;
        if (left < 0)
            left = 0;
        r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return CND_E_IO;
        if (r == 0)
            return CND_E_TIMEOUT;
        /* POLLHUP with data still buffered: let recv() drain it first. */
        return CND_OK;
    }
}

static cnd_status_t sim_send(cnd_transport_t *t, const uint8_t *buf, size_t n, int timeout_ms)
{
    sim_transport_t *s = (sim_transport_t *)t;
    long long deadline = now_ms() + timeout_ms;
    size_t done = 0;
    while (done < n) {
        ssize_t w;
        cnd_status_t st = wait_fd(s->fd, POLLOUT, deadline);
        if (st != CND_OK)
            return st;
        w = send(s->fd, buf + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN)
                return CND_E_DISCONNECTED;
            return CND_E_IO;
        }
        done += (size_t)w;
    }
    return CND_OK;
}

static cnd_status_t sim_recv(cnd_transport_t *t, uint8_t *buf, size_t cap, size_t *got,
                             int timeout_ms)
{
    sim_transport_t *s = (sim_transport_t *)t;
    long long deadline = now_ms() + timeout_ms;
    *got = 0;
    for (;;) {
        ssize_t r;
        cnd_status_t st = wait_fd(s->fd, POLLIN, deadline);
        if (st != CND_OK)
            return st;
        r = recv(s->fd, buf, cap, MSG_DONTWAIT);
        if (r > 0) {
            *got = (size_t)r;
            return CND_OK;
        }
        if (r == 0)
            return CND_E_DISCONNECTED;
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            continue;
        if (errno == ECONNRESET || errno == EPIPE)
            return CND_E_DISCONNECTED;
        return CND_E_IO;
    }
}

static void sim_close(cnd_transport_t *t)
{
    sim_transport_t *s = (sim_transport_t *)t;
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

/* Connects to path; returns the fd or -1 with errno set. */
static int connect_path(const char *path)
{
    struct sockaddr_un a;
    int fd;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

cnd_status_t cnd_transport_sim_open(const char *path, cnd_transport_t **out, cnd_err_t *err)
{
    int fd;
    *out = NULL;
    if (path[0] == '\0') {
        cnd_err_set(err, "device spec 'sim:' needs a socket path, e.g. sim:%s/1234.sock",
                    cnd_transport_sim_dir());
        return CND_E_INVALID;
    }
    fd = connect_path(path);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ECONNREFUSED)
            cnd_err_set(err,
                        "cannot reach device sim:%s: no simulator listening (start candor-sim "
                        "--flash FILE --socket %s)",
                        path, path);
        else if (e == ENAMETOOLONG)
            cnd_err_set(err, "cannot reach device sim:%s: socket path too long (at most %zu bytes)",
                        path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
        else
            cnd_err_set(err, "cannot reach device sim:%s: %s", path, strerror(e));
        return e == ENOENT || e == ECONNREFUSED ? CND_E_NOT_FOUND : CND_E_IO;
    }
    {
        char name[sizeof((cnd_transport_t *)0)->name];
        snprintf(name, sizeof name, "sim:%s", path);
        return cnd_transport_stream_from_fd(fd, name, out, err);
    }
}

cnd_status_t cnd_transport_stream_from_fd(int fd, const char *name, cnd_transport_t **out,
                                          cnd_err_t *err)
{
    sim_transport_t *s = calloc(1, sizeof *s);
    *out = NULL;
    if (s == NULL) {
        close(fd);
        cnd_err_set(err, "out of memory opening %s", name);
        return CND_E_NOSPACE;
    }
    s->fd = fd;
    snprintf(s->base.name, sizeof s->base.name, "%s", name);
    s->base.send = sim_send;
    s->base.recv = sim_recv;
    s->base.close = sim_close;
    *out = &s->base;
    return CND_OK;
}

static int cmp_spec(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

size_t cnd_transport_sim_discover(char specs[][256], size_t max)
{
    const char *dir = cnd_transport_sim_dir();
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL && n < max) {
        char path[512];
        struct stat sb;
        size_t len = strlen(de->d_name);
        int fd;
        if (len < 6 || strcmp(de->d_name + len - 5, ".sock") != 0)
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
            continue;
        if (lstat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode))
            continue;
        /* A killed simulator leaves its socket file behind: only list the
         * ones a live simulator answers on. */
        fd = connect_path(path);
        if (fd < 0)
            continue;
        close(fd);
        if ((size_t)snprintf(specs[n], 256, "sim:%s", path) >= 256)
            continue;
        n++;
    }
    closedir(d);
    qsort(specs, n, 256, cmp_spec);
    return n;
}
