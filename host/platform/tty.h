/*
 * tty.h: one secret line from the person at the keyboard (the passphrase
 * prompt of keygen, sign, export), one implementation per OS:
 * host/platform/posix/tty_posix.c (/dev/tty, termios) and
 * host/platform/win/tty_win.c (the console, CONIN$/CONOUT$).
 *
 * Owns: the terminal's echo while the line is typed: off while reading,
 * back on before returning, whatever happens (an interrupt held until then).
 * Never: reads stdin (a pipe there is data, not a person), keeps the line
 * anywhere but buf.
 * RAM: the caller's buffer only.
 */
#ifndef CND_TTY_H
#define CND_TTY_H

#include <stddef.h>

enum { CND_TTY_OK = 0, CND_TTY_FAILED = -1, CND_TTY_NONE = -2 };

/* Writes prompt to the terminal, reads one line with echo off into buf
 * (NUL-terminated, UTF-8, *len bytes without the NUL). CND_TTY_FAILED when
 * reading failed, was interrupted or the line does not fit in cap;
 * CND_TTY_NONE when there is no terminal. */
int cnd_tty_secret_line(const char *prompt, char *buf, size_t cap, size_t *len);

#endif
