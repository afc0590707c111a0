/* sim_keys.c: key scripts and terminal keys for the simulator (see sim_keys.h). */
#include "sim_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "sim_screen.h"

#define MAX_REPEAT 1000

static const struct {
    const char *name;
    uint8_t key;
} key_names[] = {
    {"up", CND_KEY_UP},     {"down", CND_KEY_DOWN}, {"ok", CND_KEY_OK},
    {"back", CND_KEY_BACK}, {"lang", CND_KEY_LANG}, {"exit", CND_KEY_EXIT},
};

void cnd_sim_script_init(cnd_sim_script_t *sc)
{
    memset(sc, 0, sizeof *sc);
}

void cnd_sim_script_free(cnd_sim_script_t *sc)
{
    free(sc->cmds);
    memset(sc, 0, sizeof *sc);
}

static int push_cmd(cnd_sim_script_t *sc, const cnd_sim_cmd_t *c)
{
    if (sc->n == sc->cap) {
        size_t cap = sc->cap == 0 ? 64 : sc->cap * 2;
        cnd_sim_cmd_t *p = realloc(sc->cmds, cap * sizeof *p);
        if (p == NULL)
            return -1;
        sc->cmds = p;
        sc->cap = cap;
    }
    sc->cmds[sc->n++] = *c;
    return 0;
}

static int key_of(const char *word, size_t len)
{
    size_t i;
    for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (strlen(key_names[i].name) == len && memcmp(key_names[i].name, word, len) == 0)
            return key_names[i].key;
    return 0;
}

/* A word that starts a command (so "expect ITEM ok" does not eat "ok"). */
static int is_command_word(const char *w)
{
    const char *star = strchr(w, '*');
    size_t len = star != NULL ? (size_t)(star - w) : strlen(w);
    return key_of(w, len) != 0 || strcmp(w, "wait-survey") == 0 || strcmp(w, "expect") == 0 ||
           strcmp(w, "sleep") == 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_line(cnd_sim_script_t *sc, char *line, char *err, size_t errcap)
{
    char *words[64], *save = NULL, *w, *hash = strchr(line, '#');
    size_t nw = 0, i;
    cnd_sim_cmd_t c;
    sc->line++;
    if (hash != NULL)
        *hash = '\0';
    for (w = strtok_r(line, " \t\r", &save); w != NULL && nw < 64; w = strtok_r(NULL, " \t\r", &save))
        words[nw++] = w;
    for (i = 0; i < nw; i++) {
        char *star = strchr(words[i], '*');
        size_t len = star != NULL ? (size_t)(star - words[i]) : strlen(words[i]);
        unsigned long reps = 1, k, v;
        memset(&c, 0, sizeof c);
        c.line = sc->line;
        if ((c.key = (uint8_t)key_of(words[i], len)) != 0) {
            if (star != NULL && (parse_uint(star + 1, MAX_REPEAT, &reps) != 0 || reps == 0)) {
                snprintf(err, errcap, "line %lu: bad repeat count in '%s' (use e.g. down*3)",
                         (unsigned long)sc->line, words[i]);
                return -1;
            }
            c.type = CND_SIM_CMD_KEY;
            for (k = 0; k < reps; k++)
                if (push_cmd(sc, &c) != 0)
                    goto nomem;
            continue;
        }
        if (strcmp(words[i], "wait-survey") == 0) {
            c.type = CND_SIM_CMD_WAIT_SURVEY;
        } else if (strcmp(words[i], "sleep") == 0) {
            if (i + 1 >= nw || parse_uint(words[i + 1], 600000UL, &v) != 0) {
                snprintf(err, errcap, "line %lu: 'sleep' needs milliseconds (0..600000)",
                         (unsigned long)sc->line);
                return -1;
            }
            c.type = CND_SIM_CMD_SLEEP;
            c.ms = (uint32_t)v;
            i++;
        } else if (strcmp(words[i], "expect") == 0) {
            if (i + 1 >= nw || (c.kind = cnd_sim_kind_from_name(words[i + 1])) == 0) {
                snprintf(err, errcap,
                         "line %lu: 'expect' needs a screen kind (NO_SURVEY, HOME, CONSENT, ITEM, "
                         "REVIEW, SAVED, SAVE_FAILED, REFERRAL, NEUTRAL, HANDOVER, HANDBACK, ADMIN_PIN, "
                         "ADMIN, ADMIN_DATE, ADMIN_WIPE)",
                         (unsigned long)sc->line);
                return -1;
            }
            c.type = CND_SIM_CMD_EXPECT;
            i++;
            if (c.kind == CND_SCREEN_ITEM && i + 1 < nw && !is_command_word(words[i + 1])) {
                snprintf(c.item, sizeof c.item, "%s", words[i + 1]);
                i++;
            }
        } else {
            snprintf(err, errcap,
                     "line %lu: unknown key script token '%.40s' (use up, down, ok, back, lang, "
                     "exit, wait-survey, expect KIND, sleep MS)",
                     (unsigned long)sc->line, words[i]);
            return -1;
        }
        if (push_cmd(sc, &c) != 0)
            goto nomem;
    }
    if (nw == 64) {
        snprintf(err, errcap, "line %lu: too many tokens on one line (at most 63)",
                 (unsigned long)sc->line);
        return -1;
    }
    return 0;
nomem:
    snprintf(err, errcap, "line %lu: out of memory", (unsigned long)sc->line);
    return -1;
}

int cnd_sim_script_feed(cnd_sim_script_t *sc, const char *data, size_t n, char *err,
                        size_t errcap)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (data[i] == '\n') {
            sc->partial[sc->partial_len] = '\0';
            sc->partial_len = 0;
            if (parse_line(sc, sc->partial, err, errcap) != 0)
                return -1;
            continue;
        }
        if (sc->partial_len + 1 >= sizeof sc->partial) {
            snprintf(err, errcap, "line %lu: line too long (at most %u bytes)",
                     (unsigned long)sc->line + 1, (unsigned)sizeof sc->partial - 2);
            return -1;
        }
        sc->partial[sc->partial_len++] = data[i];
    }
    return 0;
}

int cnd_sim_script_finish(cnd_sim_script_t *sc, char *err, size_t errcap)
{
    sc->eof = 1;
    if (sc->partial_len == 0)
        return 0;
    sc->partial[sc->partial_len] = '\0';
    sc->partial_len = 0;
    return parse_line(sc, sc->partial, err, errcap);
}

const cnd_sim_cmd_t *cnd_sim_script_peek(const cnd_sim_script_t *sc)
{
    return sc->next < sc->n ? &sc->cmds[sc->next] : NULL;
}

void cnd_sim_script_pop(cnd_sim_script_t *sc)
{
    if (sc->next < sc->n)
        sc->next++;
}

int cnd_sim_script_done(const cnd_sim_script_t *sc)
{
    return sc->eof && sc->next >= sc->n;
}

size_t cnd_sim_tty_keys(const uint8_t *in, size_t n, uint8_t *keys, size_t max)
{
    size_t i = 0, k = 0;
    while (i < n && k < max) {
        uint8_t c = in[i++];
        if (c == 0x1b) {
            if (i + 1 < n && (in[i] == '[' || in[i] == 'O')) {
                uint8_t a = in[i + 1];
                i += 2;
                if (a == 'A')
                    keys[k++] = CND_KEY_UP;
                else if (a == 'B')
                    keys[k++] = CND_KEY_DOWN;
                /* right arrow is not OK on purpose: a stray press must
                 * never agree, save or withdraw */
                else if (a == 'D')
                    keys[k++] = CND_KEY_BACK; /* left arrow: back */
                /* other sequences (e.g. "ESC [ 3 ~") are ignored whole */
                while (i < n && a >= '0' && a <= '9' && in[i - 1] != '~')
                    i++;
            } else {
                keys[k++] = CND_KEY_EXIT; /* lone Esc: quick exit */
            }
        } else if (c == '\r' || c == '\n') {
            keys[k++] = CND_KEY_OK;
        } else if (c == 0x7f || c == 0x08) {
            keys[k++] = CND_KEY_BACK;
        } else if (c == 'l' || c == 'L') {
            keys[k++] = CND_KEY_LANG;
        } else if (c == 'x' || c == 'X') {
            keys[k++] = CND_KEY_EXIT;
        }
    }
    return k;
}
