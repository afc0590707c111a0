/* tty_posix.c: the secret line on a POSIX terminal (see tty.h). */
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* One line from the terminal with echo off. Signals that would stop or
 * kill us are held until echo is back on, so the terminal is never left
 * silent. */
static int tty_line(int fd, const char *prompt, char *buf, size_t cap, size_t *len)
{
    struct termios old, quiet;
    sigset_t hold, prev;
    size_t n = 0;
    int rc = CND_TTY_FAILED;
    char c;

    if (tcgetattr(fd, &old) != 0)
        return CND_TTY_FAILED;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGTSTP);
    sigaddset(&hold, SIGQUIT);
    sigprocmask(SIG_BLOCK, &hold, &prev);
    if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
        goto out;
    for (;;) {
        ssize_t got = read(fd, &c, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || c == '\n' || c == '\r')
            break;
        if (n + 1 >= cap) { /* too long: keep reading to the line end, then refuse */
            n = cap;
            continue;
        }
        buf[n++] = c;
    }
    if (n < cap) {
        buf[n] = '\0';
        *len = n;
        rc = CND_TTY_OK;
    }
out:
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* the newline is cosmetic */
    }
    sigprocmask(SIG_SETMASK, &prev, NULL);
    return rc;
}

int cnd_tty_secret_line(const char *prompt, char *buf, size_t cap, size_t *len)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return CND_TTY_NONE;
    int rc = tty_line(fd, prompt, buf, cap, len);
    close(fd);
    return rc;
}
