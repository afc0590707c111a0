/*
 * engine.h: the interview state machine of the handheld.
 *
 * Owns: the order of an interview (home, consent, items with relevance,
 * back navigation, language switch, review and confirm, saving, referral)
 * and the one in-progress response, which lives only in this struct's RAM.
 * It turns key events into state changes and describes the current screen
 * as data (cnd_screen_t); ports draw that, tests assert on it.
 *
 * Never: writes anything to flash before the respondent confirms on the
 * review screen; records that consent was declined, that the interview was
 * withdrawn, or that the referral screen was shown; computes any
 * "forced labour" flag. Quick exit and withdraw wipe the in-progress answers
 * (memset) before anything else happens.
 *
 * RAM: sizeof(cnd_engine_t), about 0.7 KB (one cnd_response_t plus the
 * screen); the active pack buffer is the caller's.
 */
#ifndef CND_ENGINE_H
#define CND_ENGINE_H

#include <stdint.h>

#include "pack.h"
#include "response.h"
#include "store.h"

typedef enum {
    CND_KEY_UP = 1,
    CND_KEY_DOWN,
    CND_KEY_OK,
    CND_KEY_BACK,
    CND_KEY_LANG, /* cycle the interview language, on any screen */
    CND_KEY_EXIT  /* quick exit: wipe and hide at once, from any screen */
} cnd_key_t;

typedef enum {
    CND_SCREEN_NO_SURVEY = 1, /* nothing installed yet */
    CND_SCREEN_HOME,          /* survey title, pending count, "Start" */
    CND_SCREEN_CONSENT,       /* consent text; options Agree / Decline */
    CND_SCREEN_ITEM,          /* one question */
    CND_SCREEN_REVIEW,        /* answers so far; options Save / Change / Withdraw */
    CND_SCREEN_SAVED,         /* shown only after verified commit */
    CND_SCREEN_SAVE_FAILED,   /* storage refused; answers still in RAM, can retry */
    CND_SCREEN_REFERRAL,      /* referral text, for everyone, never recorded */
    CND_SCREEN_NEUTRAL        /* after quick exit: nothing about the survey shown */
} cnd_screen_kind_t;

#define CND_SCREEN_MAX_OPTIONS (CND_MAX_CHOICES + 2)

typedef struct {
    uint8_t kind;        /* cnd_screen_kind_t */
    uint8_t lang;        /* index into the pack's languages */
    cnd_str_t lang_code; /* e.g. "es", for the status bar */
    cnd_str_t title;     /* item label, "Review", survey title ... */
    cnd_str_t body;      /* consent/referral text or item hint; may be empty */
    uint16_t item;       /* ITEM: item index in the pack */
    uint16_t position;   /* ITEM: 1-based number among items asked so far */
    uint16_t total;      /* ITEM: item count (for a progress bar) */
    uint8_t n_options;   /* selectable rows */
    uint8_t cursor;      /* highlighted row */
    uint32_t checked;    /* MULTI: bit i = option i ticked */
    uint8_t has_number;  /* INTEGER: the number entry row is options[0] */
    int32_t number;      /* INTEGER: current value (UP/DOWN change it) */
    cnd_str_t options[CND_SCREEN_MAX_OPTIONS];
    /* REVIEW: one line per asked item: label and the chosen answer label. */
    uint32_t pending;    /* HOME: responses waiting for sync */
} cnd_screen_t;

typedef struct cnd_engine cnd_engine_t;

/* pack may be NULL (NO_SURVEY screen). The store is used for commits. */
void cnd_engine_init(cnd_engine_t *e, cnd_store_t *st, const cnd_hal_t *hal,
                     const cnd_pack_t *pack);
/* A new pack was activated (only allowed while not cnd_engine_busy()). */
void cnd_engine_set_pack(cnd_engine_t *e, const cnd_pack_t *pack);
void cnd_engine_key(cnd_engine_t *e, cnd_key_t key);
const cnd_screen_t *cnd_engine_screen(const cnd_engine_t *e);
/* 1 while an interview is in progress (consent through review). */
int cnd_engine_busy(const cnd_engine_t *e);

/* ---- private to engine.c; here only so callers can allocate it ---- */
struct cnd_engine {
    cnd_store_t *store;
    const cnd_hal_t *hal;
    const cnd_pack_t *pack;
    cnd_response_t resp;
    cnd_screen_t screen;
    int placeholder_defined_by_engine_c; /* engine.c's author replaces this */
};

#endif
