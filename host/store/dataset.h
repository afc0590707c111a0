/*
 * dataset.h: every response of a store, opened, in memory, for the
 * analyst's outputs (`candor export`, `candor report`).
 *
 * Owns: loading the office keys, opening every sealed response with
 * unseal.c, naming each refused response on stderr, and the coarse period
 * (week, month, quarter) of a day.
 * Never: writes anything; keeps a device id beyond the process (device ids
 * are kept only when pseudonyms were asked for, and wiped on free).
 * RAM: host only; about 540 bytes per response (a cnd_response_t and its
 * pack), plus 8 bytes with device ids.
 */
#ifndef CND_DATASET_H
#define CND_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "hosterr.h"
#include "hoststore.h"
#include "response.h"
#include "seal.h"

typedef struct {
    cnd_hoststore_t *hs;
    cnd_response_t *r;
    const cnd_pack_t **pk;
    uint8_t (*dev)[CND_DEVICE_ID_LEN]; /* NULL unless asked for */
    size_t n, cap;
    size_t refused; /* responses that failed authentication */
#define CND_DATASET_NAMED_MAX 20
    char named[CND_DATASET_NAMED_MAX][160]; /* the first refusals' lines */
    char first_why[96];
    const char *cmd; /* "export", for the stderr lines */
    int want_dev;
} cnd_dataset_t;

#define CND_DATASET_MAX_KEYS 8

/* Opens store, loads the keys (keys[0..n_keys), passfile may be NULL) and
 * every response. Returns a CND_EXIT_* code with err set on failure. */
int cnd_dataset_load(cnd_dataset_t *d, const char *cmd, const char *store, const char *const *keys,
                     int n_keys, const char *passfile, int want_dev, cnd_err_t *err);
void cnd_dataset_free(cnd_dataset_t *d);

/* Pack strings are not NUL-terminated: s as a C string in buf (cut to
 * cap - 1 bytes). */
const char *cnd_cstr(cnd_str_t s, char *buf, size_t cap);

/* CND_EXIT_OK, or CND_EXIT_INPUT with err saying how many responses failed
 * authentication, after naming the first CND_DATASET_NAMED_MAX on stderr.
 * (When none opened at all, cnd_dataset_load already failed with one line.) */
int cnd_dataset_refused_status(const cnd_dataset_t *d, cnd_err_t *err);

/* 1 when both packs are the same survey id and version. */
int cnd_same_survey(const cnd_pack_t *a, const cnd_pack_t *b);
/* The one survey a flat file or a report covers: want ("ID" or
 * "ID:VERSION") or, when NULL, the only survey of the responses (or of the
 * store, when it holds no responses yet). -1 with err set when the store
 * holds several and want is NULL, or none matches want. */
int cnd_dataset_pick_survey(const cnd_dataset_t *ds, const char *want, const cnd_pack_t **out,
                            cnd_err_t *err);

typedef enum { CND_PERIOD_WEEK = 0, CND_PERIOD_MONTH = 1, CND_PERIOD_QUARTER = 2 } cnd_period_t;

/* day (days since 2020-01-01 UTC) as "YYYY-Www" (ISO 8601 week, the ISO
 * year may differ from the calendar year near 1 January), "YYYY-MM" or
 * "YYYY-Qn". out needs at least 9 bytes. */
void cnd_export_period(uint16_t day, cnd_period_t period, char *out, size_t cap);
/* The same as a number for flat files: YYYYWW, YYYYMM or YYYYQ. */
int32_t cnd_export_period_code(uint16_t day, cnd_period_t period);
/* "week", "month", "quarter"; -1 from the parser for anything else. */
const char *cnd_period_name(cnd_period_t p);
int cnd_period_parse(const char *s);

/*
 * The command line every command that reads a store shares (candor export,
 * candor report): one STORE operand, -o FILE, --key FILE (repeatable: a
 * rotated office has several; else $CANDOR_KEY), --passphrase-file FILE,
 * --period and --survey ID[:VERSION]. Each refusal is one line on stderr,
 * "candor CMD: ...".
 */
typedef struct {
    const char *store, *out, *survey, *passfile;
    const char *keys[CND_DATASET_MAX_KEYS];
    int n_keys;
    cnd_period_t period; /* month unless --period */
} cnd_dataset_args_t;

/* Their getopt_long entries (short codes o, k, P, p, V), for a command's table. */
#define CND_DATASET_LONG_OPTS                                                                      \
    {"output", required_argument, NULL, 'o'}, {"key", required_argument, NULL, 'k'},               \
        {"passphrase-file", required_argument, NULL, 'P'},                                         \
        {"period", required_argument, NULL, 'p'},                                                  \
    {                                                                                              \
        "survey", required_argument, NULL, 'V'                                                     \
    }

void cnd_dataset_args_init(cnd_dataset_args_t *a);
/* Option c with argument arg: 1 taken, 0 not one of the shared ones, -1
 * refused (said). */
int cnd_dataset_args_opt(cnd_dataset_args_t *a, const char *cmd, int c, const char *arg);
/* After getopt: exactly one STORE operand (called `noun` in the message)
 * and -o. 0, or -1 refused (said, with the command's usage line). */
int cnd_dataset_args_operands(cnd_dataset_args_t *a, const char *cmd, int argc, char **argv,
                              const char *noun, const char *usage);
/* $CANDOR_KEY when no --key was given. 0, or -1 when there is no key
 * (said; hint follows "pass --key FILE"). */
int cnd_dataset_args_keys(cnd_dataset_args_t *a, const char *cmd, const char *hint);

#endif
