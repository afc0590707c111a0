/* sim_link.c: Unix socket server for the simulator (see sim_link.h). */
#include "sim_link.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *cnd_sim_link_default_dir(void)
{
    const char *d = getenv("CANDOR_SIM_DIR");
    return (d != NULL && d[0] != '\0') ? d : "/tmp/candor-sim";
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path)
        return -1;
    memcpy(a->sun_path, path, strlen(path) + 1);
    return 0;
}

/* 1 if a live process accepts connections at path. */
static int someone_listens(const char *path)
{
    struct sockaddr_un a;
    int fd, ok;
    if (fill_addr(&a, path) != 0)
        return 0;
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    ok = connect(fd, (const struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

int cnd_sim_link_listen(cnd_sim_link_t *l, const char *path, char *err, size_t errcap)
{
    struct sockaddr_un a;
    struct stat sb;
    char tmp[sizeof l->path + 8];
    int fd;

    l->listen_fd = l->client_fd = -1;
    l->path[0] = '\0';
    if (strlen(path) >= sizeof l->path || (size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof a.sun_path) {
        snprintf(err, errcap, "socket path too long (at most %u bytes): %s",
                 (unsigned)sizeof a.sun_path - 5, path);
        return -1;
    }
    if (lstat(path, &sb) == 0) {
        if (!S_ISSOCK(sb.st_mode)) {
            snprintf(err, errcap, "%s exists and is not a socket; choose another --socket", path);
            return -1;
        }
        if (someone_listens(path)) {
            snprintf(err, errcap, "another simulator is already listening on %s", path);
            return -1;
        }
        unlink(path); /* stale: its simulator was killed */
    }
    unlink(tmp);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || fill_addr(&a, tmp) != 0 ||
        bind(fd, (const struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        rename(tmp, path) != 0) {
        snprintf(err, errcap, "cannot listen on %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return -1;
    }
    l->listen_fd = fd;
    snprintf(l->path, sizeof l->path, "%s", path);
    snprintf(l->name, sizeof l->name, "sim:%s", path);
    return 0;
}

int cnd_sim_link_listen_tcp(cnd_sim_link_t *l, const char *address, char *err, size_t errcap)
{
    const char *colon = strrchr(address, ':');
    char host[64], port[8];
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    size_t hlen = colon != NULL ? (size_t)(colon - address) : 0;
    int fd = -1, one = 1, gai;

    l->listen_fd = l->client_fd = -1;
    l->path[0] = l->name[0] = '\0';
    if (colon == NULL || hlen == 0 || hlen >= sizeof host || strlen(colon + 1) == 0 ||
        strlen(colon + 1) >= sizeof port ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
        snprintf(err, errcap, "--listen tcp:%s is not tcp:HOST:PORT (e.g. tcp:127.0.0.1:4322)",
                 address);
        return -1;
    }
    memcpy(host, address, hlen);
    host[hlen] = '\0';
    if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    strcpy(port, colon + 1);
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errcap, "cannot listen on tcp:%s: %s", address, gai_strerror(gai));
        return -1;
    }
    if (!(res->ai_family == AF_INET &&
          ((const struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) &&
        !(res->ai_family == AF_INET6 &&
          memcmp(&((const struct sockaddr_in6 *)res->ai_addr)->sin6_addr, &in6addr_loopback,
                 sizeof in6addr_loopback) == 0)) {
        snprintf(err, errcap,
                 "--listen tcp:%s is not a loopback address; the simulator listens on "
                 "127.0.0.1 or [::1] only", address);
        freeaddrinfo(res);
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &blen) != 0) {
        snprintf(err, errcap, "cannot listen on tcp:%s: %s", address, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    snprintf(l->name, sizeof l->name, res->ai_family == AF_INET6 ? "tcp:[%s]:%u" : "tcp:%s:%u",
             host,
             (unsigned)ntohs(bound.ss_family == AF_INET6
                                 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                 : ((struct sockaddr_in *)&bound)->sin_port));
    freeaddrinfo(res);
    l->listen_fd = fd;
    return 0;
}

int cnd_sim_link_accept(cnd_sim_link_t *l)
{
    int fd = accept(l->listen_fd, NULL, NULL);
    if (fd < 0)
        return -1;
    if (l->client_fd >= 0) {
        close(fd); /* never reached: the main loop accepts only when free */
        return -1;
    }
    l->client_fd = fd;
    /* lock-step frames are small: do not let Nagle hold a reply back (on a
     * Unix socket this fails harmlessly) */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    return 0;
}

long cnd_sim_link_read(cnd_sim_link_t *l, uint8_t *buf, size_t cap)
{
    for (;;) {
        ssize_t n = recv(l->client_fd, buf, cap, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ECONNRESET)
            return 0;
        return (long)n;
    }
}

int cnd_sim_link_write(cnd_sim_link_t *l, const uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = send(l->client_fd, buf + done, n - done, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

void cnd_sim_link_drop_client(cnd_sim_link_t *l)
{
    if (l->client_fd >= 0)
        close(l->client_fd);
    l->client_fd = -1;
}

void cnd_sim_link_close(cnd_sim_link_t *l)
{
    cnd_sim_link_drop_client(l);
    if (l->listen_fd >= 0) {
        close(l->listen_fd);
        l->listen_fd = -1;
        if (l->path[0] != '\0')
            unlink(l->path);
    }
}
