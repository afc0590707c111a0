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
 * "forced labour" flag; shows a confirmed private answer. Quick exit and
 * withdraw wipe the in-progress answers (memset) before anything else
 * happens. Times from the hal (uptime, clock) only gate keys and draw the
 * clock; they are never stored.
 *
 * Key contract (docs for ports and key scripts):
 *   No preselection: CONSENT, LANGUAGE and ITEM screens (but info screens,
 *   whose only option is Next) open with no option highlighted
 *   (screen.cursor = CND_CURSOR_NONE) unless the item already has an
 *   answer; the first UP or DOWN highlights the first option, and
 *   OK with nothing highlighted does nothing.
 *   HOME [Start] -OK-> LANGUAGE [every language by its own name] -OK->
 *   CONSENT (a pack with one language skips LANGUAGE). Every interview
 *   starts in the pack's first language: the choice never carries over.
 *   CONSENT [Decline] until the port reports the whole consent text was on
 *   screen (cnd_engine_consent_seen), then [Agree, Decline];
 *   Decline -> REFERRAL.
 *   HOME when storage is FULL (below): no options; OK stays on HOME.
 *   ITEM single/yesno: choices ([Yes, No] in the pack's yes/no order,
 *   which is the author's: no, yes), then PNA; OK answers.
 *   ITEM multi: choices, PNA, Next; OK toggles / answers PNA / advances.
 *     Ticking an exclusive choice (SPEC 1.4) clears the others, ticking
 *     another clears it.
 *   ITEM integer: [number row, Next, PNA]; OK on the row toggles edit mode
 *     (UP/DOWN change the value inside [min,max]; BACK also leaves edit).
 *   ITEM info: [Next].
 *   BACK on an item -> previous asked item, from the first -> CONSENT.
 *   REVIEW [Save, Change answers, Withdraw]; UP on the first option and
 *     DOWN on the last scroll the answer rows instead (cursor stays put).
 *   Withdraw (REVIEW, SAVE_FAILED) -> CONFIRM_WITHDRAW [Keep my answers,
 *     Yes, delete them] with Keep highlighted; Keep or BACK return, Delete
 *     wipes and shows REFERRAL. Quick exit stays one key.
 *   SAVED [Next] -> REFERRAL [Done] -> HOME. SAVE_FAILED [Save, Withdraw].
 *   Eligibility (SPEC 1.2): moving forward past the rule's last item with
 *     the rule false wipes the answers (as a withdrawal) -> INELIGIBLE
 *     [Next] -> REFERRAL. Nothing is stored.
 *   LANG anywhere cycles the language (not behind the clock).
 *
 * Respondent control (docs/DESIGN.md "Respondent control"):
 *   EXIT on any screen wipes the interview (memset) and shows NEUTRAL, a
 *   plain clock (screen.clock_min; nothing else is set). Only the keys
 *   UP UP DOWN DOWN OK, the first at most 5 s before the last (when the
 *   port has hal->uptime_ms), leave it; any other key, a single OK
 *   included, restarts the sequence and the clock stays. The return goes
 *   to REFERRAL if an interview (consent .. referral) was cut, else HOME.
 *   Hand-over mode: before a run of private items (CND_ITEM_F_PRIVATE)
 *   HANDOVER [Next], after it HANDBACK [Next] (OK continues, BACK goes to
 *   the previous asked item). A private answer, once confirmed (OK that
 *   leaves the item forward), is never shown again: going back shows the
 *   item unanswered (cursor 0, no ticks, default number) while RAM keeps
 *   the answer until a new one is given; REVIEW leaves private items out
 *   and cnd_engine_answer_text() returns nothing for them.
 *
 * Admin (packs with an admin PIN block, SPEC 1.10): BACK five times on
 *   HOME within the window -> ADMIN_PIN (UP/DOWN choose the digit, OK
 *   enters it, BACK deletes one or leaves). The last digit checks the PIN
 *   (PBKDF2, formats/adminpin.h): right -> ADMIN [Set date, Wipe device,
 *   Leave] with the counts in screen.note; wrong -> counted in the store
 *   (cnd_store_set_pin_failures) before the next try; from the 3rd wrong
 *   PIN on, screen.wait_s counts down 30 s, doubling, capped at an hour,
 *   and no digit is taken meanwhile. ADMIN_DATE: UP/DOWN change the field
 *   (year, month, day), OK next / set (hal->set_today), BACK previous.
 *   ADMIN_WIPE [Cancel, Wipe] then [Cancel, Erase now] with the unsynced
 *   count: erases every flash block, remounts (formats), -> NO_SURVEY.
 *   EXIT works here too (-> NEUTRAL, back to HOME).
 *
 * Device full (formats/fill.h, docs/DESIGN.md "Device full"): HOME shows
 * how full the response log is, as screen.storage (a cnd_fill_level_t) and
 * screen.storage_percent, for the port to word and draw:
 *   OK      below 80 %: nothing shown;
 *   WARN    from 80 % (CND_FILL_WARN_PERCENT): "Storage 82% full: sync soon";
 *   URGENT  from 95 % (CND_FILL_URGENT_PERCENT): the same, more insistent;
 *   FULL    the store cannot guarantee room for one more response of the
 *           largest encodable size (cnd_store_has_room() == 0): Start is
 *           not offered and OK on HOME starts nothing, so no one is
 *           interviewed whose answers could not be kept. An interview that
 *           was started had its room guaranteed then, and nothing else
 *           writes to the log before its Save.
 * The level is read from the store whenever a screen is built; a port calls
 * cnd_engine_refresh() after a sync so HOME shows the space an ack freed.
 *
 * RAM: sizeof(cnd_engine_t) = 1688 bytes on Cortex-M4 (2176 on x86-64):
 * the response (528) plus the screen (1060) with its 4-row review window,
 * its composed note, the three counts in words and the views of the pack
 * strings behind them (for pre-rendered drawing);
 * the active pack buffer is the caller's. No heap, no recursion; the
 * deepest call chain is key -> save -> store (or -> PIN check -> Mbed TLS
 * PBKDF2, whose HMAC context comes from its arena). Code: about 7.9 KB
 * (-Os, Cortex-M4), a third of it the admin settings.
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
    CND_SCREEN_NEUTRAL,       /* after quick exit: a plain clock (screen.clock_min) */
    CND_SCREEN_HANDOVER,      /* before a private run: pass the device to the respondent */
    CND_SCREEN_HANDBACK,      /* after a private run: pass the device back */
    CND_SCREEN_ADMIN_PIN,     /* admin PIN entry, digit by digit */
    CND_SCREEN_ADMIN,         /* device settings: counts; Set date, Wipe device, Leave */
    CND_SCREEN_ADMIN_DATE,    /* set today's date, field by field */
    CND_SCREEN_ADMIN_WIPE,    /* wipe: asked twice, with the unsynced count */
    CND_SCREEN_LANGUAGE,      /* interview start: languages by their own names */
    CND_SCREEN_CONFIRM_WITHDRAW, /* "Delete all your answers?" [Keep, Delete] */
    CND_SCREEN_INELIGIBLE     /* eligibility rule failed: kind ending, then REFERRAL */
} cnd_screen_kind_t;

/* screen.cursor when no option is highlighted. */
#define CND_CURSOR_NONE 0xFF

/* Quick-exit return: these keys, in this order, the first of them at most
 * CND_ENGINE_SEQ_WINDOW_MS before the last (when the port has a clock). */
#define CND_ENGINE_UNLOCK_KEYS {CND_KEY_UP, CND_KEY_UP, CND_KEY_DOWN, CND_KEY_DOWN, CND_KEY_OK}
#define CND_ENGINE_SEQ_LEN 5
#define CND_ENGINE_SEQ_WINDOW_MS 5000u
/* Admin settings from HOME: BACK five times within the same window. */
#define CND_ENGINE_ADMIN_KEYS {CND_KEY_BACK, CND_KEY_BACK, CND_KEY_BACK, CND_KEY_BACK, CND_KEY_BACK}
/* Wrong PINs before the backoff, its first wait and its cap. */
#define CND_ENGINE_PIN_FREE_TRIES 3u
#define CND_ENGINE_PIN_WAIT_MS 30000u
#define CND_ENGINE_PIN_WAIT_MAX_MS 3600000u
/* Composed text (admin rows; HOME's draft and storage lines; LANGUAGE's
 * title in every language), UTF-8 bytes. */
#define CND_SCREEN_NOTE_MAX 200
/* A count in words from the pack ("3 to sync", "2 more"), UTF-8 bytes. */
#define CND_SCREEN_COUNT_MAX 40

#define CND_SCREEN_MAX_OPTIONS (CND_MAX_CHOICES + 2)
/* Review rows visible at once; a handheld screen shows about this many. */
#define CND_SCREEN_REVIEW_ROWS 4
/* Composed answer text (several ticked labels, a number), UTF-8 bytes. */
#define CND_SCREEN_ANSWER_TEXT_MAX 48

/* One line of the review list. */
typedef struct {
    uint16_t item;    /* item index in the pack */
    cnd_str_t label;  /* the item's label in the current language */
    /* The answer in the current language. Points into the pack (one choice
     * label, Yes/No, "Prefer not to answer") or into text[] below (several
     * ticked labels joined with ", " and " +N" for those that did not fit,
     * or a number). Valid until the next cnd_engine_* call. */
    cnd_str_t answer;
    char text[CND_SCREEN_ANSWER_TEXT_MAX];
    /* When answer was composed from several ticked labels: the first
     * ticked label (a view into the pack) and how many more are ticked, so
     * a port that draws the pack's pre-rendered blocks can show the first
     * label's block and "+others" (firmware/drivers/screen_draw.c). */
    cnd_str_t first;
    uint8_t others;
} cnd_review_row_t;

typedef struct {
    uint8_t kind;        /* cnd_screen_kind_t */
    uint8_t lang;        /* index into the pack's languages */
    cnd_str_t lang_code; /* e.g. "es", for the status bar */
    cnd_str_t title;     /* item label, "Review", survey title ... */
    cnd_str_t body;      /* consent/referral text or item hint; may be empty */
    uint16_t item;       /* ITEM: item index in the pack */
    uint16_t position;   /* ITEM: 1-based number among items asked so far */
    uint16_t total;      /* ITEM: item count (for a progress bar) */
    uint8_t item_kind;   /* ITEM: cnd_item_kind_t, so a port can draw ticks */
    uint8_t n_options;   /* selectable rows */
    uint8_t cursor;      /* highlighted row */
    uint32_t checked;    /* MULTI: bit i = option i ticked (PNA row when answered PNA) */
    uint8_t has_number;  /* INTEGER: the number entry row is options[0] */
    uint8_t editing;     /* INTEGER: 1 while UP/DOWN change the number */
    int32_t number;      /* INTEGER: current value (UP/DOWN change it) */
    int32_t number_min, number_max; /* INTEGER: allowed range */
    cnd_str_t options[CND_SCREEN_MAX_OPTIONS];
    /* REVIEW: one line per asked question (info screens excluded), of which
     * rows[0 .. n_visible) are review lines row_first .. row_first+n_visible. */
    uint16_t n_rows;
    uint16_t row_first;
    uint8_t n_visible;
    cnd_review_row_t rows[CND_SCREEN_REVIEW_ROWS];
    uint8_t save_status; /* SAVE_FAILED: cnd_status_t of the refused save */
    uint32_t pending;    /* HOME: responses waiting for sync */
    /* HOME: pending in the pack's words ("1 to sync"); REVIEW: rows hidden
     * above and below ("2 more"), empty when none. */
    char pending_text[CND_SCREEN_COUNT_MAX];
    char more_above[CND_SCREEN_COUNT_MAX];
    char more_below[CND_SCREEN_COUNT_MAX];
    uint8_t draft;       /* HOME: the pack is a draft (body starts with the ui draft line) */
    uint8_t storage;     /* HOME: cnd_fill_level_t of the response log (see above) */
    uint8_t storage_percent; /* HOME: log fill level, 0..100 */
    uint8_t hand_private; /* ITEM: 1 = a private item (hand-over mode) */
    uint16_t clock_min;  /* NEUTRAL: the clock face, minutes since midnight 0..1439 */
    /* HOME (draft line, storage line), LANGUAGE (title) and ADMIN_* (the
     * interviewer-facing settings in the device's own English): body or
     * title point into note[]. */
    uint8_t pin_len;     /* ADMIN_PIN: digits the PIN has */
    uint8_t pin_entered; /* ADMIN_PIN: digits entered so far */
    uint8_t pin_digit;   /* ADMIN_PIN: the digit UP/DOWN are choosing, 0..9 */
    uint16_t pin_failures; /* ADMIN_PIN: wrong PINs in a row (persisted) */
    uint32_t wait_s;     /* ADMIN_PIN: seconds until a PIN may be entered, 0 = now */
    uint8_t admin_step;  /* ADMIN_DATE: field 0 year, 1 month, 2 day; ADMIN_WIPE: 1, 2 */
    uint16_t date_year;  /* ADMIN_DATE */
    uint8_t date_month, date_day;
    char note[CND_SCREEN_NOTE_MAX];
    /* The pack's own strings behind the composed texts above, for a port
     * that draws the pack's pre-rendered blocks (screen_draw.c): a block
     * exists for a string the pack handed out, never for a copy. Empty
     * when not shown. HOME: the draft line, the storage line (its "{n}" is
     * storage_percent), the pending words (their "{n}" is pending);
     * LANGUAGE: choose_lang in the current language; REVIEW: the "{n}
     * more" words above (row_first) and below (the rows after the window). */
    cnd_str_t src_draft, src_storage, src_pending, src_title, src_more_above, src_more_below;
} cnd_screen_t;

typedef struct cnd_engine cnd_engine_t;

/* pack may be NULL (NO_SURVEY screen). The store is used for commits. */
void cnd_engine_init(cnd_engine_t *e, cnd_store_t *st, const cnd_hal_t *hal,
                     const cnd_pack_t *pack);
/* A new pack was activated (only allowed while not cnd_engine_busy()).
 * Wipes any state and returns to HOME (NO_SURVEY if pack is NULL). */
void cnd_engine_set_pack(cnd_engine_t *e, const cnd_pack_t *pack);
void cnd_engine_key(cnd_engine_t *e, cnd_key_t key);
const cnd_screen_t *cnd_engine_screen(const cnd_engine_t *e);
/* Rebuilds the screen from the current state and store without a key: the
 * pending count and storage level after a sync. Changes no state. */
void cnd_engine_refresh(cnd_engine_t *e);
/* 1 while an interview is in progress (consent through review / save failed). */
int cnd_engine_busy(const cnd_engine_t *e);
/* The port tells the engine that the last line of the consent text is (or
 * has been) on the display: only then is "I agree" offered. A port whose
 * display shows the whole text at once calls it right after drawing. */
void cnd_engine_consent_seen(cnd_engine_t *e);

/*
 * The current answer to `item` as text in the current language: a view into
 * the pack, or into buf[0..cap) when it has to be composed (several ticked
 * labels, a number). Empty when the item has no answer. For ports that want
 * to draw the review list their own way.
 */
cnd_str_t cnd_engine_answer_text(const cnd_engine_t *e, uint16_t item, char *buf, uint16_t cap);

/* ---- private to engine.c; here only so callers can allocate it ---- */
struct cnd_engine {
    cnd_store_t *store;
    const cnd_hal_t *hal;
    const cnd_pack_t *pack;
    cnd_response_t resp;  /* the in-progress response: RAM only, wiped on exit */
    cnd_screen_t screen;  /* rebuilt from the fields below after every key */
    uint64_t asked;       /* bit i = item i was shown on the current path */
    int32_t number;       /* INTEGER working value before Next */
    uint16_t cur;         /* ITEM: current item index */
    uint16_t row_first;   /* REVIEW: first visible row */
    uint8_t state;        /* cnd_screen_kind_t */
    uint8_t lang;         /* current language index */
    uint8_t cursor;
    uint8_t editing;      /* INTEGER edit mode */
    uint8_t have_id;      /* resp.id is drawn; retries keep it (host dedupes) */
    uint8_t save_status;  /* last refused save */
    uint8_t exit_referral; /* NEUTRAL: an interview was cut; return shows REFERRAL */
    uint8_t consent_seen; /* the whole consent text has been on screen */
    uint8_t confirm_from; /* CONFIRM_WITHDRAW: REVIEW or SAVE_FAILED, where Keep returns */
    int16_t hand_to;      /* HANDOVER/HANDBACK: item shown after OK, -1 = REVIEW */
    uint64_t confirmed;   /* bit i = item i answered and left forward (private: hidden) */
    /* The last keys pressed and when (uptime ms), newest last, for the
     * deliberate sequences; cleared whenever a sequence may start afresh. */
    uint8_t seq_keys[CND_ENGINE_SEQ_LEN];
    uint32_t seq_ms[CND_ENGINE_SEQ_LEN];
    /* Admin: the PIN being entered (wiped on leaving), the backoff's start
     * (uptime of the last wrong PIN, or of boot), the date being set. */
    uint8_t pin[CND_ADMIN_PIN_MAX_DIGITS];
    uint8_t pin_n, pin_digit, admin_step, admin_msg;
    uint32_t pin_fail_ms;
    uint16_t date_year;
    uint8_t date_month, date_day;
};

#endif
