/* tty_win.c: the secret line on the Windows console (see tty.h). The
 * console is opened by name (CONIN$, CONOUT$), so a redirected stdin is
 * never read as a passphrase, and read as UTF-16, so any keyboard layout's
 * characters arrive as the same UTF-8 bytes Linux would give. */
#include "tty.h"

#include <string.h>

#undef close

static HANDLE open_con(const wchar_t *name)
{
    return CreateFileW(name, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                       NULL, OPEN_EXISTING, 0, NULL);
}

static void put(HANDLE out, const char *s)
{
    wchar_t w[256];
    DWORD done;
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, w, (int)(sizeof w / sizeof w[0]));
    if (n > 1)
        WriteConsoleW(out, w, (DWORD)(n - 1), &done, NULL);
}

int cnd_tty_secret_line(const char *prompt, char *buf, size_t cap, size_t *len)
{
    HANDLE in = open_con(L"CONIN$"), out;
    DWORD mode, got;
    wchar_t line[1024];
    size_t n = 0;
    int rc = CND_TTY_FAILED, over = 0;

    if (in == INVALID_HANDLE_VALUE)
        return CND_TTY_NONE;
    if (!GetConsoleMode(in, &mode)) {
        CloseHandle(in);
        return CND_TTY_NONE;
    }
    out = open_con(L"CONOUT$");
    if (out != INVALID_HANDLE_VALUE)
        put(out, prompt);
    /* Echo off; Ctrl-C arrives as a character (0x03), not as a signal that
     * would end the process with echo still off. */
    if (SetConsoleMode(in, (mode | ENABLE_LINE_INPUT) & ~(DWORD)(ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT))) {
        for (;;) {
            wchar_t c;
            if (!ReadConsoleW(in, &c, 1, &got, NULL) || got == 0 || c == 0x03)
                break;
            if (c == L'\r' || c == L'\n') {
                rc = CND_TTY_OK;
                break;
            }
            if (n < sizeof line / sizeof line[0])
                line[n++] = c;
            else
                over = 1;
        }
        SetConsoleMode(in, mode);
    }
    if (rc == CND_TTY_OK) {
        int b = n == 0 ? 0 : WideCharToMultiByte(CP_UTF8, 0, line, (int)n, buf, (int)cap - 1, NULL, NULL);
        if (over || (n > 0 && b <= 0)) {
            rc = CND_TTY_FAILED;
        } else {
            buf[b] = '\0';
            *len = (size_t)b;
        }
    }
    SecureZeroMemory(line, sizeof line);
    if (out != INVALID_HANDLE_VALUE) {
        put(out, "\r\n");
        CloseHandle(out);
    }
    CloseHandle(in);
    return rc;
}
