/* posix_win.c: the POSIX names of posix_win.h over Winsock and the C
 * runtime, and the process setup candor.exe needs before main(). */
#include "posix_win.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The helpers below call the real functions, not the macros. */
#undef socket
#undef connect
#undef setsockopt
#undef getsockopt
#undef send
#undef recv
#undef close
#undef fcntl
#undef poll
#undef ioctl
#undef sigaction
#undef memmem
#undef qsort_r
#undef sysconf
#undef open_memstream
#undef fclose

#define MAX_SOCKS 64

static SOCKET g_socks[MAX_SOCKS]; /* index + CND_WIN_SOCK_BASE = the int the caller holds */
static int g_nonblock[MAX_SOCKS];
static CRITICAL_SECTION g_mu;

/* Before main(): Winsock, and UTF-8 for the console (the manifest makes it
 * the code page of argv, paths and stdio: win/candor.manifest). */
__attribute__((constructor)) static void win_setup(void)
{
    WSADATA wsa;
    InitializeCriticalSection(&g_mu);
    for (int i = 0; i < MAX_SOCKS; i++)
        g_socks[i] = INVALID_SOCKET;
    WSAStartup(MAKEWORD(2, 2), &wsa);
    /* Binary files and streams, as on Linux: no CRLF translation and no
     * end at a 0x1A byte, in store files, packs, keys, exports and the
     * output scripts read (the console shows a bare LF as a new line). */
    *__p__fmode() = _O_BINARY;
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    SetConsoleOutputCP(CP_UTF8);
    SetConsoleCP(CP_UTF8);
}

static int wsa_errno(int e)
{
    switch (e) {
    case WSAEWOULDBLOCK: return EAGAIN;
    case WSAEINPROGRESS: return EINPROGRESS;
    case WSAEINTR: return EINTR;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET: return ECONNRESET;
    case WSAENOTCONN:
    case WSAESHUTDOWN: return ENOTCONN;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAENETUNREACH: return ENETUNREACH;
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEMFILE: return EMFILE;
    case WSAENOBUFS: return ENOBUFS;
    default: return EIO;
    }
}

static SOCKET sock_of(int fd)
{
    int i = fd - CND_WIN_SOCK_BASE;
    if (i < 0 || i >= MAX_SOCKS || g_socks[i] == INVALID_SOCKET) {
        errno = EBADF;
        return INVALID_SOCKET;
    }
    return g_socks[i];
}

int cnd_win_socket(int family, int type, int protocol)
{
    SOCKET s = socket(family, type & ~SOCK_CLOEXEC, protocol);
    if (s == INVALID_SOCKET) {
        errno = wsa_errno(WSAGetLastError());
        return -1;
    }
    SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    EnterCriticalSection(&g_mu);
    for (int i = 0; i < MAX_SOCKS; i++) {
        if (g_socks[i] == INVALID_SOCKET) {
            g_socks[i] = s;
            g_nonblock[i] = 0;
            LeaveCriticalSection(&g_mu);
            return CND_WIN_SOCK_BASE + i;
        }
    }
    LeaveCriticalSection(&g_mu);
    closesocket(s);
    errno = EMFILE;
    return -1;
}

int cnd_win_connect(int fd, const struct sockaddr *addr, int len)
{
    SOCKET s = sock_of(fd);
    if (s == INVALID_SOCKET)
        return -1;
    if (connect(s, addr, len) != 0) {
        int e = WSAGetLastError();
        /* a non-blocking connect under way: POSIX says EINPROGRESS */
        errno = e == WSAEWOULDBLOCK ? EINPROGRESS : wsa_errno(e);
        return -1;
    }
    return 0;
}

int cnd_win_setsockopt(int fd, int level, int name, const void *val, int len)
{
    SOCKET s = sock_of(fd);
    if (s == INVALID_SOCKET)
        return -1;
    if (setsockopt(s, level, name, (const char *)val, len) != 0) {
        errno = wsa_errno(WSAGetLastError());
        return -1;
    }
    return 0;
}

int cnd_win_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    SOCKET s = sock_of(fd);
    int l = (int)*len;
    if (s == INVALID_SOCKET)
        return -1;
    if (getsockopt(s, level, name, (char *)val, &l) != 0) {
        errno = wsa_errno(WSAGetLastError());
        return -1;
    }
    *len = (socklen_t)l;
    /* SO_ERROR holds a Winsock code; the caller compares with errno values */
    if (level == SOL_SOCKET && name == SO_ERROR && l == (int)sizeof(int) && *(int *)val != 0)
        *(int *)val = wsa_errno(*(int *)val);
    return 0;
}

/* MSG_DONTWAIT: the socket is non-blocking for this one call. */
static void set_nonblock(SOCKET s, int on)
{
    u_long v = (u_long)on;
    ioctlsocket(s, FIONBIO, &v);
}

ssize_t cnd_win_send(int fd, const void *buf, size_t n, int flags)
{
    SOCKET s = sock_of(fd);
    int dontwait, r;
    if (s == INVALID_SOCKET)
        return -1;
    dontwait = (flags & MSG_DONTWAIT) != 0 && !g_nonblock[fd - CND_WIN_SOCK_BASE];
    if (dontwait)
        set_nonblock(s, 1);
    r = send(s, (const char *)buf, n > 0x40000000 ? 0x40000000 : (int)n, flags & ~MSG_DONTWAIT);
    if (r < 0)
        errno = wsa_errno(WSAGetLastError());
    if (dontwait)
        set_nonblock(s, 0);
    return r;
}

ssize_t cnd_win_recv(int fd, void *buf, size_t n, int flags)
{
    SOCKET s = sock_of(fd);
    int dontwait, r;
    if (s == INVALID_SOCKET)
        return -1;
    dontwait = (flags & MSG_DONTWAIT) != 0 && !g_nonblock[fd - CND_WIN_SOCK_BASE];
    if (dontwait)
        set_nonblock(s, 1);
    r = recv(s, (char *)buf, n > 0x40000000 ? 0x40000000 : (int)n, flags & ~MSG_DONTWAIT);
    if (r < 0)
        errno = wsa_errno(WSAGetLastError());
    if (dontwait)
        set_nonblock(s, 0);
    return r;
}

int cnd_win_close(int fd)
{
    if (fd >= CND_WIN_SOCK_BASE) {
        SOCKET s = sock_of(fd);
        if (s == INVALID_SOCKET)
            return -1;
        EnterCriticalSection(&g_mu);
        g_socks[fd - CND_WIN_SOCK_BASE] = INVALID_SOCKET;
        LeaveCriticalSection(&g_mu);
        return closesocket(s) == 0 ? 0 : (errno = EIO, -1);
    }
    return _close(fd);
}

int cnd_win_fcntl(int fd, int cmd, ...)
{
    SOCKET s = sock_of(fd);
    va_list ap;
    int arg;
    if (s == INVALID_SOCKET)
        return -1;
    if (cmd == F_GETFL)
        return g_nonblock[fd - CND_WIN_SOCK_BASE] ? O_NONBLOCK : 0;
    if (cmd != F_SETFL) {
        errno = EINVAL;
        return -1;
    }
    va_start(ap, cmd);
    arg = va_arg(ap, int);
    va_end(ap);
    g_nonblock[fd - CND_WIN_SOCK_BASE] = (arg & O_NONBLOCK) != 0;
    set_nonblock(s, (arg & O_NONBLOCK) != 0);
    return 0;
}

/* poll() over select(): select reports a refused non-blocking connect in
 * its except set on every Windows version (WSAPoll did not before
 * Windows 10 2004). With no descriptors it is a sleep, as in POSIX. */
int cnd_win_poll(struct pollfd *fds, unsigned long n, int timeout_ms)
{
    fd_set rd, wr, ex;
    struct timeval tv, *tvp = NULL;
    int r, ready = 0;
    if (n == 0) {
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    for (unsigned long i = 0; i < n; i++) {
        SOCKET s = sock_of(fds[i].fd);
        if (s == INVALID_SOCKET || i >= FD_SETSIZE) {
            errno = EINVAL;
            return -1;
        }
        if (fds[i].events & POLLIN)
            FD_SET(s, &rd);
        if (fds[i].events & POLLOUT)
            FD_SET(s, &wr);
        FD_SET(s, &ex);
    }
    if (timeout_ms >= 0) {
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        tvp = &tv;
    }
    r = select(0, &rd, &wr, &ex, tvp);
    if (r == SOCKET_ERROR) {
        errno = wsa_errno(WSAGetLastError());
        return -1;
    }
    for (unsigned long i = 0; i < n; i++) {
        SOCKET s = sock_of(fds[i].fd);
        fds[i].revents = 0;
        if (FD_ISSET(s, &rd))
            fds[i].revents |= POLLIN;
        if (FD_ISSET(s, &wr))
            fds[i].revents |= POLLOUT;
        if (FD_ISSET(s, &ex))
            fds[i].revents |= POLLERR;
        if (fds[i].revents != 0)
            ready++;
    }
    return ready;
}

void *cnd_win_memmem(const void *hay, size_t hn, const void *needle, size_t nn)
{
    const unsigned char *h = hay;
    if (nn == 0)
        return (void *)hay;
    for (size_t i = 0; hn >= nn && i <= hn - nn; i++)
        if (h[i] == *(const unsigned char *)needle && memcmp(h + i, needle, nn) == 0)
            return (void *)(h + i);
    return NULL;
}

/* glibc's qsort_r (cmp(a, b, arg)) over the runtime's qsort_s
 * (cmp(arg, a, b)). */
typedef struct {
    int (*cmp)(const void *, const void *, void *);
    void *arg;
} qsort_ctx_t;

static int qsort_tramp(void *ctx, const void *a, const void *b)
{
    qsort_ctx_t *c = ctx;
    return c->cmp(a, b, c->arg);
}

void cnd_win_qsort_r(void *base, size_t n, size_t size,
                     int (*cmp)(const void *, const void *, void *), void *arg)
{
    qsort_ctx_t c = {cmp, arg};
    qsort_s(base, n, size, qsort_tramp, &c);
}

long cnd_win_sysconf(int name)
{
    SYSTEM_INFO si;
    if (name != _SC_NPROCESSORS_ONLN) {
        errno = EINVAL;
        return -1;
    }
    GetSystemInfo(&si);
    return (long)si.dwNumberOfProcessors;
}

int cnd_win_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
    void (*prev)(int);
    if (sig == SIGTSTP || sig == SIGQUIT) /* no such signals on Windows */
        return 0;
    prev = signal(sig, sa != NULL ? sa->sa_handler : SIG_DFL);
    if (prev == SIG_ERR) {
        errno = EINVAL;
        return -1;
    }
    if (old != NULL) {
        old->sa_handler = prev;
        old->sa_mask = 0;
        old->sa_flags = 0;
    }
    if (sa == NULL)
        signal(sig, prev);
    return 0;
}

int cnd_win_ioctl(int fd, unsigned long req, struct winsize *ws)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (req != TIOCGWINSZ || h == INVALID_HANDLE_VALUE || !GetConsoleScreenBufferInfo(h, &info)) {
        errno = ENOTTY;
        return -1;
    }
    ws->ws_col = (unsigned short)(info.srWindow.Right - info.srWindow.Left + 1);
    ws->ws_row = (unsigned short)(info.srWindow.Bottom - info.srWindow.Top + 1);
    ws->ws_xpixel = ws->ws_ypixel = 0;
    return 0;
}

/* ---- open_memstream ---- */

#define MEMSTREAMS 8
static struct {
    FILE *f;
    char **buf;
    size_t *len;
} memstreams[MEMSTREAMS];
static SRWLOCK memstreams_lock = SRWLOCK_INIT;

FILE *cnd_win_open_memstream(char **buf, size_t *len)
{
    wchar_t dir[MAX_PATH + 1], name[MAX_PATH + 1];
    FILE *f = NULL;
    DWORD n = GetTempPathW(MAX_PATH + 1, dir);
    if (n == 0 || n > MAX_PATH || GetTempFileNameW(dir, L"cnd", 0, name) == 0) {
        errno = EIO;
        return NULL;
    }
    /* D: deleted when closed, even if the process dies; T: kept in the
     * cache rather than written out when it can be */
    if ((f = _wfopen(name, L"w+bTD")) == NULL) {
        DeleteFileW(name);
        return NULL;
    }
    AcquireSRWLockExclusive(&memstreams_lock);
    for (int i = 0; i < MEMSTREAMS; i++)
        if (memstreams[i].f == NULL) {
            memstreams[i].f = f;
            memstreams[i].buf = buf;
            memstreams[i].len = len;
            ReleaseSRWLockExclusive(&memstreams_lock);
            *buf = NULL;
            *len = 0;
            return f;
        }
    ReleaseSRWLockExclusive(&memstreams_lock);
    fclose(f);
    errno = EMFILE;
    return NULL;
}

/* The bytes written to a memstream, malloc'd and NUL-terminated. */
static int memstream_take(FILE *f, char **buf, size_t *len)
{
    long n;
    char *b;
    if (fflush(f) != 0 || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        return -1;
    if ((b = malloc((size_t)n + 1)) == NULL)
        return -1;
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = (size_t)n;
    return 0;
}

int cnd_win_fclose(FILE *f)
{
    int rc = 0;
    AcquireSRWLockExclusive(&memstreams_lock);
    for (int i = 0; i < MEMSTREAMS; i++)
        if (f != NULL && memstreams[i].f == f) {
            memstreams[i].f = NULL;
            rc = memstream_take(f, memstreams[i].buf, memstreams[i].len);
            break;
        }
    ReleaseSRWLockExclusive(&memstreams_lock);
    return fclose(f) != 0 || rc != 0 ? EOF : 0;
}
