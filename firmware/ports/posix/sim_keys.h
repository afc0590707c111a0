/*
 * sim_keys.h: the simulator's two key sources.
 *
 * Owns: (1) parsing key scripts into commands: the keys up, down, ok, back,
 * lang, exit (optionally repeated as "down*3"), "wait-survey" (block until a
 * survey is installed), "expect KIND [ITEM_NAME]" (fail unless the current
 * screen is KIND, e.g. "expect SAVED" or "expect ITEM origin") and
 * "sleep MS"; '#' starts a comment. Scripts arrive in chunks (a file at
 * once, stdin as it comes), so lines are assembled here. (2) decoding raw
 * terminal bytes: up/down arrows, Enter = ok, Backspace or left arrow =
 * back, l = lang, x or Esc = exit.
 *
 * Never: touches the engine; the main loop executes the commands, so it
 * can keep serving the link while a script waits.
 * RAM: the command queue grows with the script (host memory).
 */
#ifndef CND_SIM_KEYS_H
#define CND_SIM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "cnd_limits.h"

typedef enum {
    CND_SIM_CMD_KEY = 1,      /* key: press one key */
    CND_SIM_CMD_WAIT_SURVEY,  /* block until a survey is installed */
    CND_SIM_CMD_EXPECT,       /* kind (and item name if set) must match */
    CND_SIM_CMD_SLEEP         /* ms */
} cnd_sim_cmd_type_t;

typedef struct {
    uint8_t type;
    uint8_t key;  /* cnd_key_t for KEY */
    uint8_t kind; /* cnd_screen_kind_t for EXPECT */
    char item[CND_MAX_NAME_LEN + 1]; /* EXPECT ITEM name; "" = any item */
    uint32_t ms;
    uint32_t line; /* 1-based script line, for messages */
} cnd_sim_cmd_t;

typedef struct {
    cnd_sim_cmd_t *cmds;
    size_t n, cap, next; /* next = first command not yet executed */
    char partial[1024];  /* an incomplete last line */
    size_t partial_len;
    uint32_t line;       /* lines parsed so far */
    int eof;             /* no more input will come */
} cnd_sim_script_t;

void cnd_sim_script_init(cnd_sim_script_t *sc);
void cnd_sim_script_free(cnd_sim_script_t *sc);
/* Parses the complete lines in data. On a bad token returns -1 and writes
 * "line N: ..." into err. */
int cnd_sim_script_feed(cnd_sim_script_t *sc, const char *data, size_t n, char *err,
                        size_t errcap);
/* End of input: parses a last line without newline. -1 on a bad token. */
int cnd_sim_script_finish(cnd_sim_script_t *sc, char *err, size_t errcap);
/* Next command to run, or NULL (none parsed yet, or the script is done). */
const cnd_sim_cmd_t *cnd_sim_script_peek(const cnd_sim_script_t *sc);
void cnd_sim_script_pop(cnd_sim_script_t *sc);
/* 1 when every command has run and no more input will come. */
int cnd_sim_script_done(const cnd_sim_script_t *sc);

/* Terminal key decoder. Feeds raw bytes; writes up to max decoded
 * cnd_key_t values to keys and returns how many. A lone Esc (not followed
 * by '[' in the same read) counts as exit. */
size_t cnd_sim_tty_keys(const uint8_t *in, size_t n, uint8_t *keys, size_t max);

#endif
