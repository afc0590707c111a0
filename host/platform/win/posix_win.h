/*
 * posix_win.h: the POSIX names the host's C uses, on Windows. Force-included
 * first in every host file of candor.exe (tools/win/CMakeLists.txt), so the
 * commands stay free of #ifdefs. Only NAMES differ here: mkdir without a
 * mode, sockets as small ints over Winsock, poll over WSAPoll, sigaction
 * over the C runtime's signal(). What differs in MEANING (durable writes,
 * the store lock, random bytes, the passphrase prompt, killing oneself)
 * is a seam of its own: osfile.h, tty.h, with win/osfile_win.c, tty_win.c.
 *
 * Sockets: Winsock handles are not C runtime descriptors (close(), read()
 * cannot take them), so socket() returns an int from a table of its own,
 * numbered from CND_WIN_SOCK_BASE, far above any C runtime descriptor;
 * close(), send(), recv(), poll(), fcntl() route those to Winsock and set
 * errno from WSAGetLastError() with POSIX values.
 * Never: used by the Linux build; changes a file's bytes (every file and the
 * standard streams are binary: win_setup() in posix_win.c).
 */
#ifndef CND_POSIX_WIN_H
#define CND_POSIX_WIN_H
#ifdef _WIN32

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define CND_WIN_SOCK_BASE 0x10000

/* ---- files ---- */
/* every descriptor the host opens is binary: store files, packs, keys */
#define O_CLOEXEC (_O_NOINHERIT | _O_BINARY)
#define O_DIRECTORY 0
#define O_NOFOLLOW 0
#define O_NOCTTY 0
#define O_NONBLOCK 0x4000
#define F_GETFL 3
#define F_SETFL 4
/* A Windows file has no mode bits to set: its folder's ACL applies
 * (docs/DESIGN.md, "Windows"). */
#define fchmod(fd, mode) ((void)(fd), (void)(mode), 0)
#define mkdir(path, mode) ((void)(mode), _mkdir(path))
#define lstat stat /* no symbolic links to refuse on the paths candor makes */
#ifndef S_ISSOCK
#define S_ISSOCK(m) 0
#endif
#ifndef EWOULDBLOCK
#define EWOULDBLOCK EAGAIN
#endif

/* ---- GNU C library extras the host uses ---- */
void *cnd_win_memmem(const void *hay, size_t hn, const void *needle, size_t nn);
#define memmem cnd_win_memmem
void cnd_win_qsort_r(void *base, size_t n, size_t size,
                     int (*cmp)(const void *, const void *, void *), void *arg);
#define qsort_r cnd_win_qsort_r
#define _SC_NPROCESSORS_ONLN 84
long cnd_win_sysconf(int name);
#define sysconf cnd_win_sysconf

/* open_memstream (report.c builds its page in memory before the atomic
 * publish): a delete-on-close temp file whose bytes fclose() hands back in
 * *buf / *len, as glibc does; every other FILE is closed as before. */
FILE *cnd_win_open_memstream(char **buf, size_t *len);
int cnd_win_fclose(FILE *f);
#define open_memstream cnd_win_open_memstream
#define fclose cnd_win_fclose

/* ---- sockets ---- */
#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 0
#endif
#define MSG_NOSIGNAL 0  /* Winsock never raises SIGPIPE */
#define MSG_DONTWAIT 0x40000000 /* taken out by cnd_win_send/recv: poll() comes first */
int cnd_win_socket(int family, int type, int protocol);
int cnd_win_connect(int fd, const struct sockaddr *addr, int len);
int cnd_win_setsockopt(int fd, int level, int name, const void *val, int len);
int cnd_win_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
ssize_t cnd_win_send(int fd, const void *buf, size_t n, int flags);
ssize_t cnd_win_recv(int fd, void *buf, size_t n, int flags);
int cnd_win_close(int fd);
int cnd_win_fcntl(int fd, int cmd, ...);
int cnd_win_poll(struct pollfd *fds, unsigned long n, int timeout_ms);
/* Object-like on purpose: a struct member called close, send or recv (the
 * transport's function pointers) is renamed in its declaration and at
 * every use alike, so it still works; a function-like macro would rename
 * only the calls. */
#define socket cnd_win_socket
#define connect cnd_win_connect
#define setsockopt(fd, l, n, v, len) cnd_win_setsockopt(fd, l, n, v, (int)(len))
#define getsockopt cnd_win_getsockopt
#define send cnd_win_send
#define recv cnd_win_recv
#define close cnd_win_close
#define fcntl cnd_win_fcntl
#define poll cnd_win_poll

/* ---- signals: the C runtime delivers Ctrl-C as SIGINT on a thread of its
 * own, one shot (the handler is reset to SIG_DFL, so a second Ctrl-C ends
 * the process), and never interrupts another thread: there is nothing to
 * mask. ---- */
typedef int sigset_t;
struct sigaction {
    void (*sa_handler)(int);
    sigset_t sa_mask;
    int sa_flags;
};
static inline int cnd_win_sigset(sigset_t *s)
{
    *s = 0;
    return 0;
}
static inline int cnd_win_sigmask(int how, const sigset_t *s, sigset_t *old)
{
    (void)how;
    (void)s;
    if (old != NULL)
        *old = 0;
    return 0;
}
#define sigemptyset(s) cnd_win_sigset(s)
#define sigaddset(s, sig) ((void)(sig), cnd_win_sigset(s))
#define sigprocmask cnd_win_sigmask
#undef pthread_sigmask
#define pthread_sigmask cnd_win_sigmask
#define SIG_BLOCK 0
#define SIG_SETMASK 2
int cnd_win_sigaction(int sig, const struct sigaction *sa, struct sigaction *old);
#define sigaction(sig, sa, old) cnd_win_sigaction(sig, sa, old)
#ifndef SIGTSTP
#define SIGTSTP 0
#endif
#ifndef SIGQUIT
#define SIGQUIT 0
#endif

/* ---- the terminal's width (candor watch's status line) ---- */
struct winsize {
    unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel;
};
#define TIOCGWINSZ 0x5413
int cnd_win_ioctl(int fd, unsigned long req, struct winsize *ws);
#define ioctl cnd_win_ioctl

#endif /* _WIN32 */
#endif
