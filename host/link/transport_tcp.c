/* transport_tcp.c: TCP carrier to a device UART (see transport_tcp.h). */
#include "transport_tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport_sim.h"

#define CONNECT_TIMEOUT_MS 5000

/* Splits "HOST:PORT" / "[V6]:PORT"; 0 when well formed. */
static int split_address(const char *address, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(address, ':');
    const char *h = address;
    size_t hlen;
    if (colon == NULL || colon == address || colon[1] == '\0' || strlen(colon + 1) >= pcap)
        return -1;
    hlen = (size_t)(colon - address);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= hcap || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    strcpy(port, colon + 1);
    return 0;
}

/* Non-blocking connect bounded by CONNECT_TIMEOUT_MS; fd or -1 with errno. */
static int connect_bounded(const struct addrinfo *ai)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int flags, soerr = 0, one = 1;
    socklen_t len = sizeof soerr;
    if (fd < 0)
        return -1;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        goto fail;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        if (errno != EINPROGRESS)
            goto fail;
        do
            r = poll(&p, 1, CONNECT_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r == 0) {
            errno = ETIMEDOUT;
            goto fail;
        }
        if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            goto fail;
        if (soerr != 0) {
            errno = soerr;
            goto fail;
        }
    }
    /* lock-step frames are small: do not let Nagle hold a request back */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(fd, F_SETFL, flags) != 0)
        goto fail;
    return fd;
fail:
    {
        int e = errno;
        close(fd);
        errno = e;
    }
    return -1;
}

cnd_status_t cnd_transport_tcp_open(const char *address, cnd_transport_t **out, cnd_err_t *err)
{
    char host[256], port[8], name[300];
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, e = 0, gai;
    *out = NULL;
    if (split_address(address, host, sizeof host, port, sizeof port) != 0) {
        cnd_err_set(err, "device spec 'tcp:%.200s' is not tcp:HOST:PORT (e.g. tcp:127.0.0.1:4322)",
                    address);
        return CND_E_INVALID;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        cnd_err_set(err, "cannot reach device tcp:%.200s: %s", address, gai_strerror(gai));
        return CND_E_NOT_FOUND;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_bounded(ai);
        if (fd < 0)
            e = errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (e == ECONNREFUSED)
            cnd_err_set(err,
                        "cannot reach device tcp:%.200s: nothing listening there (start QEMU "
                        "with -serial tcp:%.200s,server=on for the link USART)",
                        address, address);
        else
            cnd_err_set(err, "cannot reach device tcp:%.200s: %s", address, strerror(e));
        return e == ECONNREFUSED || e == ETIMEDOUT ? CND_E_NOT_FOUND : CND_E_IO;
    }
    snprintf(name, sizeof name, "tcp:%s", address);
    return cnd_transport_stream_from_fd(fd, name, out, err);
}

size_t cnd_transport_tcp_discover(char specs[][256], size_t max)
{
    (void)specs;
    (void)max;
    return 0;
}
