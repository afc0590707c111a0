/*
 * engine.c: the interview state machine (see engine.h for the contract).
 *
 * Design: the state lives in a handful of small fields; after every key the
 * whole screen is rebuilt from them (render()), so a screen can never show
 * something the state does not say. Answers are written into e->resp only;
 * nothing touches flash until Save on the review screen.
 */
#include "engine.h"

#include <string.h>

#include "adminpin.h"
#include "relevance.h"

/* The asked-set is a 64-bit mask: one bit per item. */
typedef char cnd_engine_asked_fits[(CND_MAX_ITEMS <= 64) ? 1 : -1];

/* ---------------------------------------------------------------- helpers */

static cnd_str_t ui(const cnd_engine_t *e, cnd_ui_string_t which)
{
    return cnd_pack_ui(e->pack, e->lang, which);
}

static cnd_str_t str_view(const char *p, uint16_t len)
{
    cnd_str_t s;
    s.ptr = p;
    s.len = len;
    return s;
}

static uint16_t item_count(const cnd_engine_t *e)
{
    uint16_t n = e->pack ? cnd_pack_item_count(e->pack) : 0;
    return n > CND_MAX_ITEMS ? CND_MAX_ITEMS : n;
}

/* An item that cannot be read (never after cnd_pack_open) is treated as an
 * info screen: it can be passed but never answered. */
static void load_item(const cnd_engine_t *e, uint16_t i, cnd_item_t *it)
{
    if (cnd_pack_item(e->pack, i, it) != CND_OK) {
        memset(it, 0, sizeof(*it));
        it->kind = CND_ITEM_INFO;
    }
    if (it->kind == CND_ITEM_YESNO)
        it->n_choices = 2;
    if (it->n_choices > CND_MAX_CHOICES)
        it->n_choices = CND_MAX_CHOICES;
}

static int has_pna(const cnd_item_t *it)
{
    return it->kind != CND_ITEM_INFO && (it->flags & CND_ITEM_F_PNA) != 0;
}

static int asked(const cnd_engine_t *e, uint16_t i)
{
    return (int)((e->asked >> i) & 1u);
}

static int is_private(const cnd_engine_t *e, int32_t i)
{
    cnd_item_t it;
    if (i < 0 || i >= item_count(e))
        return 0;
    load_item(e, (uint16_t)i, &it);
    return (it.flags & CND_ITEM_F_PRIVATE) != 0;
}

/* A private answer that was confirmed is shown as if unanswered. */
static int hidden(const cnd_engine_t *e, uint16_t i)
{
    return (int)((e->confirmed >> i) & 1u) && is_private(e, i);
}

static uint32_t uptime(const cnd_engine_t *e)
{
    return (e->hal && e->hal->uptime_ms) ? e->hal->uptime_ms(e->hal->ctx) : 0;
}

/* Forgets the keys pressed so far: a sequence must start afresh. */
static void seq_clear(cnd_engine_t *e)
{
    memset(e->seq_keys, 0, sizeof(e->seq_keys));
    memset(e->seq_ms, 0, sizeof(e->seq_ms));
}

static void seq_push(cnd_engine_t *e, cnd_key_t key)
{
    memmove(e->seq_keys, e->seq_keys + 1, sizeof(e->seq_keys) - 1);
    memmove(e->seq_ms, e->seq_ms + 1, sizeof(e->seq_ms) - sizeof(e->seq_ms[0]));
    e->seq_keys[CND_ENGINE_SEQ_LEN - 1] = (uint8_t)key;
    e->seq_ms[CND_ENGINE_SEQ_LEN - 1] = uptime(e);
}

/* 1 if the last CND_ENGINE_SEQ_LEN keys are `want`, in order, all within
 * the window (unsigned arithmetic: right across the uptime wrap). Any
 * other key in between breaks the match, so it restarts the sequence. */
static int seq_matches(const cnd_engine_t *e, const uint8_t *want)
{
    return memcmp(e->seq_keys, want, CND_ENGINE_SEQ_LEN) == 0 &&
           (uint32_t)(e->seq_ms[CND_ENGINE_SEQ_LEN - 1] - e->seq_ms[0]) <=
               CND_ENGINE_SEQ_WINDOW_MS;
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Wipes every trace of the interview in progress. The memset comes first
 * so that nothing that follows can observe or leak the answers. */
static void wipe(cnd_engine_t *e)
{
    memset(&e->resp, 0, sizeof(e->resp));
    memset(&e->screen, 0, sizeof(e->screen));
    e->asked = 0;
    e->confirmed = 0;
    e->hand_to = 0;
    e->number = 0;
    e->cur = 0;
    e->row_first = 0;
    e->cursor = 0;
    e->editing = 0;
    e->have_id = 0;
    e->save_status = CND_OK;
    e->exit_referral = 0;
    e->consent_seen = 0;
    e->confirm_from = 0;
    seq_clear(e);
    memset(e->pin, 0, sizeof(e->pin));
    e->pin_n = 0;
    e->pin_digit = 0;
    e->admin_step = 0;
    e->admin_msg = 0;
}

/* ------------------------------------------------------------ answer text */

/* Appends src to buf[*len..cap) if it fits whole; returns 1 if appended. */
static int append(char *buf, uint16_t cap, uint16_t *len, const char *src, uint16_t n)
{
    if ((uint32_t)*len + n > cap)
        return 0;
    if (n)
        memcpy(buf + *len, src, n);
    *len = (uint16_t)(*len + n);
    return 1;
}

/* Decimal text of v into tmp (at least 12 bytes); returns the length. */
static uint16_t format_int(int32_t v, char *tmp)
{
    char rev[12];
    uint16_t n = 0, len = 0;
    /* Work in unsigned so INT32_MIN does not overflow. */
    uint32_t u = v < 0 ? (uint32_t)0 - (uint32_t)v : (uint32_t)v;
    do {
        rev[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u && n < sizeof(rev));
    if (v < 0)
        tmp[len++] = '-';
    while (n)
        tmp[len++] = rev[--n];
    return len;
}

/* The pack's words for a count: `one` (the _ONE string; _OTHER follows
 * it) with "{n}" replaced by n, into buf. Empty when n is 0, so a port
 * draws nothing. */
/* t with "{n}" replaced by n, into buf (NUL-terminated, cut at a whole
 * UTF-8 character when it does not fit). */
static void fill_n(cnd_str_t t, uint32_t n, char *buf, uint16_t cap)
{
    char num[12];
    uint16_t len = 0, i, k;
    if (cap == 0)
        return;
    k = format_int((int32_t)(n > 0x7FFFFFFFu ? 0x7FFFFFFFu : n), num);
    for (i = 0; i < t.len; i++) {
        if (i + 2 < t.len && t.ptr[i] == '{' && t.ptr[i + 1] == 'n' && t.ptr[i + 2] == '}') {
            if (!append(buf, (uint16_t)(cap - 1), &len, num, k))
                break;
            i = (uint16_t)(i + 2);
        } else if (!append(buf, (uint16_t)(cap - 1), &len, t.ptr + i, 1)) {
            while (len > 0 && ((uint8_t)buf[len - 1] & 0xC0) == 0x80)
                len--; /* drop a cut character's lead byte too */
            if (len > 0 && ((uint8_t)buf[len - 1] & 0x80) != 0)
                len--;
            break;
        }
    }
    buf[len] = '\0';
}

/* The ui string count_text words n with (empty for 0). */
static cnd_str_t count_src(const cnd_engine_t *e, cnd_ui_string_t one, uint32_t n)
{
    return n > 0 ? ui(e, n == 1 ? one : (cnd_ui_string_t)(one + 1)) : str_view(NULL, 0);
}

static void count_text(const cnd_engine_t *e, cnd_ui_string_t one, uint32_t n, char *buf,
                       uint16_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    if (n > 0)
        fill_n(ui(e, n == 1 ? one : (cnd_ui_string_t)(one + 1)), n, buf, cap);
}

/* Ticked labels joined with ", "; those that do not fit are counted as
 * " +N", which needs no translated word. */
static cnd_str_t multi_text(const cnd_engine_t *e, uint16_t item, uint8_t n_choices,
                            uint32_t mask, char *buf, uint16_t cap)
{
    char num[12];
    uint16_t len = 0, n;
    uint8_t c, left = 0, first = 1;
    /* Room kept back for " +NN". */
    uint16_t room = cap > 4 ? (uint16_t)(cap - 4) : 0;

    for (c = 0; c < n_choices; c++) {
        cnd_str_t lab;
        uint16_t save = len;
        if (!((mask >> c) & 1u))
            continue;
        lab = cnd_pack_choice_label(e->pack, item, c, e->lang);
        if (left == 0 && (first || append(buf, room, &len, ", ", 2)) &&
            append(buf, room, &len, lab.ptr, lab.len)) {
            first = 0;
            continue;
        }
        len = save;
        left++;
    }
    if (left) {
        if (len)
            append(buf, cap, &len, " ", 1);
        append(buf, cap, &len, "+", 1);
        n = format_int(left, num);
        append(buf, cap, &len, num, n);
    }
    return str_view(buf, len);
}

cnd_str_t cnd_engine_answer_text(const cnd_engine_t *e, uint16_t item, char *buf, uint16_t cap)
{
    cnd_item_t it;
    const cnd_answer_t *a;
    uint32_t mask;
    uint8_t c, ticked = 0, only = 0;

    if (!e->pack || item >= item_count(e) || is_private(e, item))
        return str_view(buf, 0); /* a private answer is never shown again */
    a = &e->resp.answers[item];
    if (a->state == CND_ANS_PNA)
        return ui(e, CND_UI_PREFER_NOT);
    if (a->state != CND_ANS_VALUE)
        return str_view(buf, 0);
    load_item(e, item, &it);
    switch (it.kind) {
    case CND_ITEM_YESNO:
        return ui(e, a->value ? CND_UI_YES : CND_UI_NO);
    case CND_ITEM_SINGLE:
        if (a->value < 0 || a->value >= it.n_choices)
            return str_view(buf, 0);
        return cnd_pack_choice_label(e->pack, item, (uint8_t)a->value, e->lang);
    case CND_ITEM_MULTI:
        mask = (uint32_t)a->value;
        for (c = 0; c < it.n_choices; c++)
            if ((mask >> c) & 1u) {
                ticked++;
                only = c;
            }
        if (ticked == 1)
            return cnd_pack_choice_label(e->pack, item, only, e->lang);
        return multi_text(e, item, it.n_choices, mask, buf, cap);
    case CND_ITEM_INTEGER: {
        char num[12];
        uint16_t n = format_int(a->value, num), len = 0;
        append(buf, cap, &len, num, n);
        return str_view(buf, len);
    }
    default:
        return str_view(buf, 0);
    }
}

/* ---------------------------------------------------------------- render */

static void render_item(cnd_engine_t *e, cnd_screen_t *s)
{
    static const cnd_answer_t none = {0, 0};
    cnd_item_t it;
    const cnd_answer_t *a = &e->resp.answers[e->cur];
    uint8_t c, n = 0;
    uint16_t i;

    load_item(e, e->cur, &it);
    if (hidden(e, e->cur))
        a = &none; /* drawn as unanswered: no tick, no number, cursor 0 */
    s->hand_private = (it.flags & CND_ITEM_F_PRIVATE) != 0;
    s->title = cnd_pack_item_label(e->pack, e->cur, e->lang);
    s->body = cnd_pack_item_hint(e->pack, e->cur, e->lang);
    s->item = e->cur;
    s->item_kind = it.kind;
    s->total = item_count(e);
    s->position = 1;
    for (i = 0; i < e->cur; i++)
        s->position = (uint16_t)(s->position + asked(e, i));

    switch (it.kind) {
    case CND_ITEM_YESNO: /* the pack's order, as in the codebook: no, yes */
    case CND_ITEM_SINGLE:
    case CND_ITEM_MULTI:
        for (c = 0; c < it.n_choices; c++)
            s->options[n++] = cnd_pack_choice_label(e->pack, e->cur, c, e->lang);
        if (it.kind == CND_ITEM_MULTI && a->state == CND_ANS_VALUE)
            s->checked = (uint32_t)a->value &
                         (it.n_choices >= 32 ? 0xFFFFFFFFu : ((1u << it.n_choices) - 1u));
        break;
    case CND_ITEM_INTEGER:
        s->has_number = 1;
        s->editing = e->editing;
        s->number = e->number;
        s->number_min = it.min;
        s->number_max = it.max;
        s->options[n++] = str_view("", 0); /* the port draws s->number here */
        s->options[n++] = ui(e, CND_UI_NEXT);
        break;
    default: /* info */
        s->options[n++] = ui(e, CND_UI_NEXT);
        break;
    }
    if (has_pna(&it)) {
        if (it.kind == CND_ITEM_MULTI && a->state == CND_ANS_PNA && n < 32)
            s->checked |= 1u << n;
        s->options[n++] = ui(e, CND_UI_PREFER_NOT);
    }
    if (it.kind == CND_ITEM_MULTI)
        s->options[n++] = ui(e, CND_UI_NEXT);
    s->n_options = n;
}

/* Review lines are the asked questions (info screens have no answer).
 * Private items are left out altogether: not even a "hidden" marker, which
 * would tell an onlooker that a sensitive question was asked. */
static int review_listed(const cnd_engine_t *e, uint16_t i)
{
    cnd_item_t it;
    if (!asked(e, i))
        return 0;
    load_item(e, i, &it);
    return it.kind != CND_ITEM_INFO && (it.flags & CND_ITEM_F_PRIVATE) == 0;
}

static uint16_t review_row_count(const cnd_engine_t *e)
{
    uint16_t i, n = 0, count = item_count(e);
    for (i = 0; i < count; i++)
        n = (uint16_t)(n + review_listed(e, i));
    return n;
}

/* A composed multi answer (answer points into r->text): the first ticked
 * label and the count of the others, for ports that draw blocks. */
static void review_first_ticked(const cnd_engine_t *e, uint16_t i, cnd_review_row_t *r)
{
    cnd_item_t it;
    const cnd_answer_t *a = &e->resp.answers[i];
    uint8_t c;
    if (r->answer.ptr != r->text || a->state != CND_ANS_VALUE)
        return;
    load_item(e, i, &it);
    if (it.kind != CND_ITEM_MULTI)
        return;
    for (c = 0; c < it.n_choices; c++) {
        if (!(((uint32_t)a->value >> c) & 1u))
            continue;
        if (r->first.len == 0 && r->first.ptr == NULL)
            r->first = cnd_pack_choice_label(e->pack, i, c, e->lang);
        else
            r->others++;
    }
}

static void render_review(cnd_engine_t *e, cnd_screen_t *s)
{
    uint16_t i, row = 0, count = item_count(e);

    s->title = ui(e, CND_UI_REVIEW_TITLE);
    s->options[0] = ui(e, CND_UI_SAVE);
    s->options[1] = ui(e, CND_UI_CHANGE);
    s->options[2] = ui(e, CND_UI_WITHDRAW);
    s->n_options = 3;
    s->n_rows = review_row_count(e);
    s->row_first = e->row_first;
    for (i = 0; i < count && s->n_visible < CND_SCREEN_REVIEW_ROWS; i++) {
        cnd_review_row_t *r;
        if (!review_listed(e, i))
            continue;
        if (row++ < e->row_first)
            continue;
        r = &s->rows[s->n_visible++];
        r->item = i;
        r->label = cnd_pack_item_label(e->pack, i, e->lang);
        r->answer = cnd_engine_answer_text(e, i, r->text, sizeof(r->text));
        review_first_ticked(e, i, r);
    }
    count_text(e, CND_UI_MORE_ONE, s->row_first, s->more_above, sizeof s->more_above);
    count_text(e, CND_UI_MORE_ONE, (uint32_t)(s->n_rows - s->row_first - s->n_visible),
               s->more_below, sizeof s->more_below);
    s->src_more_above = count_src(e, CND_UI_MORE_ONE, s->row_first);
    s->src_more_below =
        count_src(e, CND_UI_MORE_ONE, (uint32_t)(s->n_rows - s->row_first - s->n_visible));
}

/* The neutral screen's clock: the port's time of day, else a clock that
 * started at 00:00 at boot, like a watch nobody set. */
static uint16_t clock_minutes(const cnd_engine_t *e)
{
    uint32_t sec;
    if (e->hal && e->hal->clock_s)
        sec = e->hal->clock_s(e->hal->ctx);
    else
        sec = uptime(e) / 1000u;
    return (uint16_t)((sec / 60u) % 1440u);
}

static cnd_str_t lit(const char *text)
{
    return str_view(text, (uint16_t)strlen(text));
}

/* ------------------------------------------------------------------ admin */

/* Device settings are for the interviewer and the office, in the device's
 * own English (the pack has no strings for them). */
#define ADMIN_PIN_TITLE "Admin PIN"
#define ADMIN_TITLE "Device settings"
#define ADMIN_DATE_TITLE "Set today's date"
#define ADMIN_WIPE_TITLE "Wipe device"
#define ADMIN_WIPE2_TITLE "Really wipe?"

enum { MSG_NONE, MSG_WRONG_PIN, MSG_DATE_SET, MSG_NO_DATE, MSG_WIPE_FAILED };

static int admin_state(uint8_t state)
{
    return state >= CND_SCREEN_ADMIN_PIN && state <= CND_SCREEN_ADMIN_WIPE;
}

/* Text appended to the screen's note, cut at its end. */
static void note_add(cnd_screen_t *s, const char *text)
{
    uint16_t len = (uint16_t)strlen(s->note), n = (uint16_t)strlen(text);
    if (n > CND_SCREEN_NOTE_MAX - 1 - len)
        n = (uint16_t)(CND_SCREEN_NOTE_MAX - 1 - len);
    memcpy(s->note + len, text, n);
    s->note[len + n] = '\0';
}

static void note_add_str(cnd_screen_t *s, cnd_str_t t)
{
    uint16_t len = (uint16_t)strlen(s->note), n = t.len;
    if (n > CND_SCREEN_NOTE_MAX - 1 - len)
        n = (uint16_t)(CND_SCREEN_NOTE_MAX - 1 - len);
    if (n)
        memcpy(s->note + len, t.ptr, n);
    s->note[len + n] = '\0';
}

static void note_num(cnd_screen_t *s, uint32_t v)
{
    char num[12];
    uint16_t n = format_int((int32_t)(v > 0x7FFFFFFFu ? 0x7FFFFFFFu : v), num);
    num[n] = '\0';
    note_add(s, num);
}

/* Civil date <-> days since 2020-01-01 (hal->today's unit), 2020..2099. */
static int leap(uint16_t y)
{
    return (y % 4u == 0 && y % 100u != 0) || y % 400u == 0;
}

static uint8_t month_days(uint16_t y, uint8_t m)
{
    static const uint8_t d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (uint8_t)(d[(m - 1u) % 12u] + (m == 2 && leap(y)));
}

static void date_from_day(uint16_t day, uint16_t *y, uint8_t *m, uint8_t *d)
{
    *y = 2020;
    while (*y < 2099 && day >= 365u + (unsigned)leap(*y)) {
        day = (uint16_t)(day - 365u - (unsigned)leap(*y));
        (*y)++;
    }
    *m = 1;
    while (*m < 12 && day >= month_days(*y, *m)) {
        day = (uint16_t)(day - month_days(*y, *m));
        (*m)++;
    }
    *d = (uint8_t)(day + 1u > month_days(*y, *m) ? month_days(*y, *m) : day + 1u);
}

static uint16_t day_from_date(uint16_t y, uint8_t m, uint8_t d)
{
    uint32_t day = 0;
    uint16_t i;
    uint8_t j;
    for (i = 2020; i < y; i++)
        day += 365u + (unsigned)leap(i);
    for (j = 1; j < m; j++)
        day += month_days(y, j);
    return (uint16_t)(day + d - 1u);
}

static void note_date(cnd_screen_t *s, uint16_t y, uint8_t m, uint8_t d, int field)
{
    char t[3];
    note_add(s, field == 0 ? "[" : "");
    note_num(s, y);
    note_add(s, field == 0 ? "]-" : "-");
    note_add(s, field == 1 ? "[" : "");
    t[0] = (char)('0' + m / 10u);
    t[1] = (char)('0' + m % 10u);
    t[2] = '\0';
    note_add(s, t);
    note_add(s, field == 1 ? "]-" : "-");
    note_add(s, field == 2 ? "[" : "");
    t[0] = (char)('0' + d / 10u);
    t[1] = (char)('0' + d % 10u);
    note_add(s, t);
    note_add(s, field == 2 ? "]" : "");
}

/* How long a PIN may not be tried after f wrong ones in a row: nothing
 * for the first few, then 30 s doubling per failure, capped at an hour. */
static uint32_t pin_wait_ms(uint16_t f)
{
    uint32_t w = CND_ENGINE_PIN_WAIT_MS;
    uint16_t i;
    if (f < CND_ENGINE_PIN_FREE_TRIES)
        return 0;
    for (i = CND_ENGINE_PIN_FREE_TRIES; i < f && w < CND_ENGINE_PIN_WAIT_MAX_MS; i++)
        w *= 2u;
    return w > CND_ENGINE_PIN_WAIT_MAX_MS ? CND_ENGINE_PIN_WAIT_MAX_MS : w;
}

static uint16_t pin_failures(const cnd_engine_t *e)
{
    return e->store ? cnd_store_pin_failures(e->store) : 0;
}

/* Milliseconds until a PIN may be tried (unsigned: right across a wrap). */
static uint32_t pin_wait_left(const cnd_engine_t *e)
{
    uint32_t wait = pin_wait_ms(pin_failures(e)), gone = uptime(e) - e->pin_fail_ms;
    return gone >= wait ? 0 : wait - gone;
}

static void render_admin(cnd_engine_t *e, cnd_screen_t *s)
{
    uint8_t i;
    s->body = str_view(s->note, 0);
    switch (e->state) {
    case CND_SCREEN_ADMIN_PIN: {
        cnd_pack_admin_t a;
        uint32_t left = pin_wait_left(e);
        cnd_pack_admin(e->pack, &a);
        s->title = lit(ADMIN_PIN_TITLE);
        s->pin_len = a.digits;
        s->pin_entered = e->pin_n;
        s->pin_digit = e->pin_digit;
        s->pin_failures = pin_failures(e);
        s->wait_s = (left + 999u) / 1000u;
        if (e->admin_msg == MSG_WRONG_PIN)
            note_add(s, "Wrong PIN. ");
        if (s->wait_s) {
            note_add(s, "Too many wrong PINs: try again in ");
            note_num(s, s->wait_s);
            note_add(s, " s.");
            break;
        }
        note_add(s, "UP/DOWN choose a digit, OK enters it, BACK deletes.\n");
        for (i = 0; i < a.digits; i++) {
            char d[2] = {(char)('0' + e->pin_digit), '\0'};
            note_add(s, i ? " " : "");
            note_add(s, i < e->pin_n ? "*" : (i == e->pin_n ? "[" : "_"));
            if (i == e->pin_n) {
                note_add(s, d);
                note_add(s, "]");
            }
        }
        break;
    }
    case CND_SCREEN_ADMIN: {
        s->title = lit(ADMIN_TITLE);
        s->pending = e->store ? cnd_store_pending_count(e->store) : 0;
        s->storage_percent = e->store ? cnd_store_fill_percent(e->store) : 0;
        if (e->admin_msg == MSG_DATE_SET)
            note_add(s, "Date set.\n");
        else if (e->admin_msg == MSG_NO_DATE)
            note_add(s, "This device cannot set its date.\n");
        else if (e->admin_msg == MSG_WIPE_FAILED)
            note_add(s, "Wipe FAILED: the flash did not erase.\n");
        note_add(s, "Not synced: ");
        note_num(s, s->pending);
        note_add(s, s->pending == 1 ? " response\nStorage used: " : " responses\nStorage used: ");
        note_num(s, s->storage_percent);
        note_add(s, "%\nToday: ");
        if (e->hal && e->hal->today) {
            uint16_t y;
            uint8_t m, d;
            date_from_day(e->hal->today(e->hal->ctx), &y, &m, &d);
            note_date(s, y, m, d, -1);
        } else {
            note_add(s, "unknown");
        }
        s->options[s->n_options++] = lit("Set date");
        s->options[s->n_options++] = lit("Wipe device");
        s->options[s->n_options++] = lit("Leave");
        break;
    }
    case CND_SCREEN_ADMIN_DATE:
        s->title = lit(ADMIN_DATE_TITLE);
        s->admin_step = e->admin_step;
        s->date_year = e->date_year;
        s->date_month = e->date_month;
        s->date_day = e->date_day;
        note_add(s, "UP/DOWN change, OK next, BACK previous.\n");
        note_date(s, e->date_year, e->date_month, e->date_day, e->admin_step);
        break;
    case CND_SCREEN_ADMIN_WIPE:
        s->admin_step = e->admin_step;
        s->pending = e->store ? cnd_store_pending_count(e->store) : 0;
        s->title = lit(e->admin_step == 1 ? ADMIN_WIPE_TITLE : ADMIN_WIPE2_TITLE);
        note_add(s, e->admin_step == 1 ? "Erases everything on this device, the survey too. "
                                       : "Last chance. ");
        note_num(s, s->pending);
        note_add(s, s->pending == 1 ? " response not synced yet will be lost for good."
                                    : " responses not synced yet will be lost for good.");
        s->options[s->n_options++] = lit("Cancel");
        s->options[s->n_options++] = lit(e->admin_step == 1 ? "Wipe" : "Erase now");
        break;
    default:
        break;
    }
    s->body.len = (uint16_t)strlen(s->note);
}

/* HOME: title, the pending count in words, and in the body a draft
 * pack's warning and how full the log is, all from the pack. */
static void render_home(cnd_engine_t *e, cnd_screen_t *s)
{
    char line[CND_SCREEN_NOTE_MAX];
    s->title = cnd_pack_title(e->pack, e->lang);
    s->pending = e->store ? cnd_store_pending_count(e->store) : 0;
    count_text(e, CND_UI_PENDING_ONE, s->pending, s->pending_text, sizeof s->pending_text);
    s->src_pending = count_src(e, CND_UI_PENDING_ONE, s->pending);
    if (s->pending == 0) { /* "0 to sync": the _OTHER form */
        fill_n(ui(e, CND_UI_PENDING_OTHER), 0, s->pending_text, sizeof s->pending_text);
        s->src_pending = ui(e, CND_UI_PENDING_OTHER);
    }
    if (e->store) {
        s->storage = (uint8_t)cnd_store_fill_level(e->store);
        s->storage_percent = cnd_store_fill_percent(e->store);
    }
    s->draft = (uint8_t)cnd_pack_is_draft(e->pack);
    if (s->draft) {
        s->src_draft = ui(e, CND_UI_DRAFT);
        note_add_str(s, s->src_draft);
    }
    line[0] = '\0';
    if (s->storage == CND_FILL_FULL)
        s->src_storage = ui(e, CND_UI_STORAGE_FULL);
    else if (s->storage == CND_FILL_URGENT)
        s->src_storage = ui(e, CND_UI_STORAGE_URGENT);
    else if (s->storage == CND_FILL_WARN)
        s->src_storage = ui(e, CND_UI_STORAGE_WARN);
    if (s->src_storage.ptr != NULL)
        fill_n(s->src_storage, s->storage_percent, line, sizeof line);
    if (line[0] != '\0') {
        note_add(s, s->draft ? "\n" : "");
        note_add(s, line);
    }
    s->body = str_view(s->note, (uint16_t)strlen(s->note));
    if (s->storage != CND_FILL_FULL)
        s->options[s->n_options++] = ui(e, CND_UI_START);
}

static void render(cnd_engine_t *e)
{
    cnd_screen_t *s = &e->screen;

    memset(s, 0, sizeof(*s));
    s->kind = e->state;
    s->lang = e->lang;
    /* Neutral must not show anything that hints at a survey: a clock. */
    if (e->state == CND_SCREEN_NEUTRAL) {
        s->lang = 0;
        s->clock_min = clock_minutes(e);
        return;
    }
    if (!e->pack || e->state == CND_SCREEN_NO_SURVEY)
        return;
    s->lang_code = cnd_pack_lang_code(e->pack, e->lang);
    switch (e->state) {
    case CND_SCREEN_HOME:
        render_home(e, s);
        break;
    case CND_SCREEN_LANGUAGE: {
        uint8_t l;
        /* Nobody has chosen yet: the title in every language. */
        for (l = 0; l < cnd_pack_lang_count(e->pack); l++) {
            cnd_str_t t = cnd_pack_ui(e->pack, l, CND_UI_CHOOSE_LANG);
            note_add(s, l ? " / " : "");
            note_add_str(s, t);
            s->options[s->n_options++] = cnd_pack_lang_name(e->pack, l);
        }
        s->title = str_view(s->note, (uint16_t)strlen(s->note));
        s->src_title = ui(e, CND_UI_CHOOSE_LANG);
        break;
    }
    case CND_SCREEN_CONSENT:
        s->title = cnd_pack_title(e->pack, e->lang);
        s->body = cnd_pack_consent(e->pack, e->lang);
        if (e->consent_seen)
            s->options[s->n_options++] = ui(e, CND_UI_AGREE);
        s->options[s->n_options++] = ui(e, CND_UI_DECLINE);
        break;
    case CND_SCREEN_CONFIRM_WITHDRAW:
        s->title = ui(e, CND_UI_CONFIRM_WITHDRAW);
        s->options[s->n_options++] = ui(e, CND_UI_KEEP);
        s->options[s->n_options++] = ui(e, CND_UI_DELETE);
        break;
    case CND_SCREEN_INELIGIBLE:
        s->title = ui(e, CND_UI_INELIGIBLE);
        s->options[s->n_options++] = ui(e, CND_UI_NEXT);
        break;
    case CND_SCREEN_ITEM:
        render_item(e, s);
        break;
    case CND_SCREEN_REVIEW:
        render_review(e, s);
        break;
    case CND_SCREEN_SAVED:
        s->title = ui(e, CND_UI_SAVED);
        s->options[s->n_options++] = ui(e, CND_UI_NEXT);
        break;
    case CND_SCREEN_SAVE_FAILED:
        s->title = ui(e, CND_UI_NOT_SAVED);
        s->save_status = e->save_status;
        s->options[s->n_options++] = ui(e, CND_UI_SAVE);
        s->options[s->n_options++] = ui(e, CND_UI_WITHDRAW);
        break;
    case CND_SCREEN_REFERRAL:
        s->title = ui(e, CND_UI_REFERRAL_TITLE);
        s->body = cnd_pack_referral(e->pack, e->lang);
        s->options[s->n_options++] = ui(e, CND_UI_DONE);
        break;
    case CND_SCREEN_ADMIN_PIN:
    case CND_SCREEN_ADMIN:
    case CND_SCREEN_ADMIN_DATE:
    case CND_SCREEN_ADMIN_WIPE:
        render_admin(e, s);
        break;
    case CND_SCREEN_HANDOVER:
    case CND_SCREEN_HANDBACK:
        s->title = ui(e, e->state == CND_SCREEN_HANDOVER ? CND_UI_HANDOVER_TITLE
                                                          : CND_UI_HANDBACK_TITLE);
        s->body = ui(e, e->state == CND_SCREEN_HANDOVER ? CND_UI_HANDOVER_BODY
                                                         : CND_UI_HANDBACK_BODY);
        s->options[s->n_options++] = ui(e, CND_UI_NEXT);
        break;
    default:
        break;
    }
    s->cursor = e->cursor;
}

/* ------------------------------------------------------------ navigation */

static void go(cnd_engine_t *e, cnd_screen_kind_t state)
{
    e->state = (uint8_t)state;
    /* No nudge: what the respondent answers starts with nothing chosen. */
    e->cursor = (state == CND_SCREEN_CONSENT || state == CND_SCREEN_LANGUAGE ||
                 state == CND_SCREEN_ITEM)
                    ? CND_CURSOR_NONE
                    : 0;
    e->editing = 0;
    e->row_first = 0;
}

static void go_home(cnd_engine_t *e)
{
    wipe(e);
    e->lang = 0; /* the next respondent chooses their own language */
    go(e, e->pack ? CND_SCREEN_HOME : CND_SCREEN_NO_SURVEY);
}

/* Shows item i, with the cursor on its previous answer if it has one. */
static void enter_item(cnd_engine_t *e, uint16_t i)
{
    cnd_item_t it;
    const cnd_answer_t *a = &e->resp.answers[i];
    uint8_t pna_row;

    go(e, CND_SCREEN_ITEM);
    e->cur = i;
    e->asked |= (uint64_t)1 << i;
    load_item(e, i, &it);
    e->number = clamp32(0, it.min, it.max);
    pna_row = it.kind == CND_ITEM_INTEGER ? 2 : it.n_choices;
    if (it.kind == CND_ITEM_INFO)
        e->cursor = 0; /* nothing to answer: its only option is Next */
    if (hidden(e, i))
        return; /* kept, but drawn as unanswered: cursor 0, default number */
    if (a->state == CND_ANS_PNA && has_pna(&it)) {
        e->cursor = pna_row;
        return;
    }
    if (a->state != CND_ANS_VALUE)
        return;
    switch (it.kind) {
    case CND_ITEM_YESNO:
    case CND_ITEM_SINGLE:
        if (a->value >= 0 && a->value < it.n_choices)
            e->cursor = (uint8_t)a->value;
        break;
    case CND_ITEM_MULTI: {
        uint8_t c;
        for (c = 0; c < it.n_choices; c++)
            if (((uint32_t)a->value >> c) & 1u) {
                e->cursor = c;
                break;
            }
        break;
    }
    case CND_ITEM_INTEGER:
        e->number = clamp32(a->value, it.min, it.max);
        break;
    default:
        break;
    }
}

/* Shows item `to`, or REVIEW when to < 0. */
static void hand_on(cnd_engine_t *e, int32_t to)
{
    if (to < 0)
        go(e, CND_SCREEN_REVIEW);
    else
        enter_item(e, (uint16_t)to);
}

/* 0 when the move from item `from` to item `to` (-1: REVIEW) passes the
 * eligibility rule's last item and the rule is false (SPEC 1.2). */
static int eligible_past(const cnd_engine_t *e, int32_t from, int32_t to)
{
    const uint8_t *code;
    uint16_t len, after;
    int32_t end = to < 0 ? (int32_t)item_count(e) : to;
    cnd_pack_eligibility(e->pack, &code, &len, &after);
    if (len == 0 || from > (int32_t)after || end <= (int32_t)after)
        return 1;
    return cnd_relevance_eval(code, len, e->resp.answers, item_count(e));
}

/* Moves to the first relevant item after `from` (from = -1: the first).
 * Items passed over are irrelevant given the answers so far, so their
 * answers are cleared: a response never holds an answer to a question
 * whose condition no longer holds. */
static void advance_from(cnd_engine_t *e, int32_t from)
{
    uint16_t count = item_count(e), i;
    int32_t to = -1; /* REVIEW */

    for (i = (uint16_t)(from + 1); i < count; i++) {
        cnd_item_t it;
        load_item(e, i, &it);
        if (cnd_relevance_eval(it.relevance, it.relevance_len, e->resp.answers, count)) {
            to = i;
            break;
        }
        memset(&e->resp.answers[i], 0, sizeof(e->resp.answers[i]));
        e->asked &= ~((uint64_t)1 << i);
        e->confirmed &= ~((uint64_t)1 << i);
    }
    if (!eligible_past(e, from, to)) {
        wipe(e); /* exactly as a withdrawal: nothing was stored, nothing kept */
        go(e, CND_SCREEN_INELIGIBLE);
        return;
    }
    /* Entering or leaving a run of private items passes the device over. */
    if (is_private(e, to) != is_private(e, from)) {
        go(e, is_private(e, to) ? CND_SCREEN_HANDOVER : CND_SCREEN_HANDBACK);
        e->hand_to = (int16_t)to;
    } else {
        hand_on(e, to);
    }
}

static int32_t last_asked_before(const cnd_engine_t *e, uint16_t end)
{
    while (end > 0) {
        end--;
        if (asked(e, end))
            return end;
    }
    return -1;
}

static void back_to(cnd_engine_t *e, int32_t item)
{
    if (item < 0)
        go(e, CND_SCREEN_CONSENT);
    else
        enter_item(e, (uint16_t)item);
}

static void answer(cnd_engine_t *e, uint8_t state, int32_t value)
{
    e->resp.answers[e->cur].state = state;
    e->resp.answers[e->cur].value = value;
}

/* OK on an item screen; cursor is already clamped to the options. */
static void item_ok(cnd_engine_t *e)
{
    cnd_item_t it;
    cnd_answer_t *a = &e->resp.answers[e->cur];
    uint8_t c = e->cursor, nc;
    int pna;

    if (c == CND_CURSOR_NONE)
        return; /* nothing highlighted: OK chooses nothing */
    load_item(e, e->cur, &it);
    nc = it.n_choices;
    pna = has_pna(&it);
    switch (it.kind) {
    case CND_ITEM_SINGLE:
    case CND_ITEM_YESNO: /* choice index = value: no 0, yes 1 */
        if (c < nc)
            answer(e, CND_ANS_VALUE, c);
        else
            answer(e, CND_ANS_PNA, 0);
        break;
    case CND_ITEM_MULTI:
        if (c < nc) {
            /* A hidden answer is replaced, never edited from what is not shown. */
            uint32_t mask = (a->state == CND_ANS_VALUE && !hidden(e, e->cur)) ? (uint32_t)a->value : 0;
            e->confirmed &= ~((uint64_t)1 << e->cur);
            mask ^= (uint32_t)1 << c;
            /* An exclusive choice is ticked alone: ticking it clears the
             * others, ticking another clears it. */
            if ((mask >> c) & 1u)
                mask = ((it.exclusive >> c) & 1u) ? (uint32_t)1 << c : mask & ~it.exclusive;
            answer(e, mask ? CND_ANS_VALUE : CND_ANS_NONE, (int32_t)mask);
            return; /* toggling stays on the item */
        }
        if (pna && c == nc)
            answer(e, CND_ANS_PNA, 0);
        else if (a->state != CND_ANS_VALUE || a->value == 0 || hidden(e, e->cur))
            return; /* Next with nothing ticked (on screen): stay */
        break;
    case CND_ITEM_INTEGER:
        if (c == 0) {
            e->editing = (uint8_t)!e->editing;
            return;
        }
        if (c == 1)
            answer(e, CND_ANS_VALUE, clamp32(e->number, it.min, it.max));
        else
            answer(e, CND_ANS_PNA, 0);
        break;
    default: /* info: never an answer */
        break;
    }
    if (e->resp.answers[e->cur].state != CND_ANS_NONE)
        e->confirmed |= (uint64_t)1 << e->cur;
    advance_from(e, e->cur);
}

static void item_key(cnd_engine_t *e, cnd_key_t key)
{
    if (e->editing) {
        cnd_item_t it;
        load_item(e, e->cur, &it);
        if (key == CND_KEY_UP && e->number < it.max)
            e->number++;
        else if (key == CND_KEY_DOWN && e->number > it.min)
            e->number--;
        else if (key == CND_KEY_OK || key == CND_KEY_BACK)
            e->editing = 0;
        e->number = clamp32(e->number, it.min, it.max);
        return;
    }
    if (key == CND_KEY_OK)
        item_ok(e);
    else if (key == CND_KEY_BACK)
        back_to(e, last_asked_before(e, e->cur));
}

static void save(cnd_engine_t *e)
{
    cnd_status_t st = CND_E_IO;

    /* The id is drawn once per response: a retry after a failed verify
     * keeps it, so if the first write did land the host stores one copy. */
    if (!e->have_id && e->hal && e->hal->random &&
        e->hal->random(e->hal->ctx, e->resp.id, sizeof(e->resp.id)) == CND_OK)
        e->have_id = 1;
    if (e->have_id) {
        e->resp.pack_fp = e->pack->fingerprint;
        e->resp.day = (e->hal && e->hal->today) ? e->hal->today(e->hal->ctx) : 0;
        e->resp.lang = e->lang;
        e->resp.n_answers = (uint8_t)item_count(e);
        st = e->store ? cnd_store_append_response(e->store, &e->resp, e->pack) : CND_E_IO;
    }
    if (st == CND_OK) {
        wipe(e); /* on flash now; RAM keeps nothing */
        go(e, CND_SCREEN_SAVED);
    } else {
        e->save_status = (uint8_t)st;
        go(e, CND_SCREEN_SAVE_FAILED);
    }
}

static void withdraw(cnd_engine_t *e)
{
    wipe(e);
    go(e, CND_SCREEN_REFERRAL);
}

/* Withdrawal discards the whole interview: asked once more, with "Keep my
 * answers" highlighted (cursor 0). */
static void confirm_withdraw(cnd_engine_t *e)
{
    uint8_t from = e->state;
    go(e, CND_SCREEN_CONFIRM_WITHDRAW);
    e->confirm_from = from;
}

static void confirm_key(cnd_engine_t *e, cnd_key_t key)
{
    if (key == CND_KEY_OK && e->cursor == 1) {
        withdraw(e);
    } else if (key == CND_KEY_BACK || key == CND_KEY_OK) {
        uint8_t back = e->confirm_from == CND_SCREEN_SAVE_FAILED ? CND_SCREEN_SAVE_FAILED
                                                                  : CND_SCREEN_REVIEW;
        go(e, (cnd_screen_kind_t)back);
        e->cursor = back == CND_SCREEN_REVIEW ? 2 : 1; /* back on Withdraw */
    }
}

static void review_key(cnd_engine_t *e, cnd_key_t key, int up_edge, int down_edge)
{
    uint16_t rows = review_row_count(e);

    /* UP/DOWN past the option list scroll the answer rows: the cursor
     * contract (Save first) stays as scripted. */
    if (key == CND_KEY_UP && up_edge && e->row_first > 0)
        e->row_first--;
    else if (key == CND_KEY_DOWN && down_edge && e->row_first + CND_SCREEN_REVIEW_ROWS < rows)
        e->row_first++;
    else if (key == CND_KEY_BACK || (key == CND_KEY_OK && e->cursor == 1))
        back_to(e, last_asked_before(e, item_count(e)));
    else if (key == CND_KEY_OK && e->cursor == 0)
        save(e);
    else if (key == CND_KEY_OK && e->cursor == 2)
        confirm_withdraw(e);
}

/* ------------------------------------------------------------ admin keys */

static void admin_go(cnd_engine_t *e, cnd_screen_kind_t state, uint8_t msg)
{
    go(e, state);
    e->admin_msg = msg;
    memset(e->pin, 0, sizeof(e->pin));
    e->pin_n = 0;
    e->pin_digit = 0;
}

/* The whole chip erased and formatted again: surveys, responses, state.
 * The store's mount formats a blank chip (store.h). */
static void admin_wipe_device(cnd_engine_t *e)
{
    const cnd_flash_t *fl = &e->hal->flash;
    cnd_status_t st = CND_OK;
    uint32_t b;
    for (b = 0; b < fl->block_count; b++)
        if (fl->erase(fl->ctx, b) != CND_OK)
            st = CND_E_IO; /* go on: erase all that will erase */
    if (st == CND_OK)
        st = cnd_store_mount(e->store, e->hal);
    if (st != CND_OK) {
        admin_go(e, CND_SCREEN_ADMIN, MSG_WIPE_FAILED);
        return;
    }
    e->pack = NULL; /* the port's copy of the pack is stale from now on */
    e->lang = 0;
    go_home(e);
}

static void pin_key(cnd_engine_t *e, cnd_key_t key)
{
    cnd_pack_admin_t a;
    if (key == CND_KEY_BACK) {
        if (e->pin_n == 0) {
            go_home(e);
            return;
        }
        e->pin[--e->pin_n] = 0;
        return;
    }
    if (pin_wait_left(e) > 0 || cnd_pack_admin(e->pack, &a) != CND_OK)
        return; /* nothing is entered during the backoff */
    if (key == CND_KEY_UP)
        e->pin_digit = (uint8_t)((e->pin_digit + 1u) % 10u);
    else if (key == CND_KEY_DOWN)
        e->pin_digit = (uint8_t)((e->pin_digit + 9u) % 10u);
    if (key != CND_KEY_OK)
        return;
    e->pin[e->pin_n++] = e->pin_digit;
    e->pin_digit = 0;
    e->admin_msg = MSG_NONE;
    if (e->pin_n < a.digits)
        return;
    if (cnd_admin_pin_check(&a, e->pin, e->pin_n) == CND_OK) {
        if (e->store)
            (void)cnd_store_set_pin_failures(e->store, 0);
        admin_go(e, CND_SCREEN_ADMIN, MSG_NONE);
        return;
    }
    /* Counted before anything else and kept in RAM even if the flash
     * write fails (store.h), so a power cut cannot buy a free try. */
    if (e->store)
        (void)cnd_store_set_pin_failures(
            e->store, (uint16_t)(pin_failures(e) < 0xFFFFu ? pin_failures(e) + 1u : 0xFFFFu));
    e->pin_fail_ms = uptime(e);
    admin_go(e, CND_SCREEN_ADMIN_PIN, MSG_WRONG_PIN);
}

static void date_key(cnd_engine_t *e, cnd_key_t key)
{
    int up = key == CND_KEY_UP, down = key == CND_KEY_DOWN;
    if (e->admin_step == 0 && (up || down))
        e->date_year = (uint16_t)(up ? (e->date_year < 2099 ? e->date_year + 1 : 2020)
                                     : (e->date_year > 2020 ? e->date_year - 1 : 2099));
    else if (e->admin_step == 1 && (up || down))
        e->date_month = (uint8_t)(up ? e->date_month % 12u + 1u : (e->date_month + 10u) % 12u + 1u);
    else if (e->admin_step == 2 && (up || down))
        e->date_day = (uint8_t)(up ? e->date_day % month_days(e->date_year, e->date_month) + 1u
                                   : (e->date_day > 1 ? e->date_day - 1u
                                                      : month_days(e->date_year, e->date_month)));
    if (e->date_day > month_days(e->date_year, e->date_month))
        e->date_day = month_days(e->date_year, e->date_month);
    if (key == CND_KEY_BACK) {
        if (e->admin_step == 0)
            admin_go(e, CND_SCREEN_ADMIN, MSG_NONE);
        else
            e->admin_step--;
    } else if (key == CND_KEY_OK && e->admin_step < 2) {
        e->admin_step++;
    } else if (key == CND_KEY_OK) {
        cnd_status_t st = e->hal->set_today(
            e->hal->ctx, day_from_date(e->date_year, e->date_month, e->date_day));
        admin_go(e, CND_SCREEN_ADMIN, st == CND_OK ? MSG_DATE_SET : MSG_NO_DATE);
    }
}

static void admin_key(cnd_engine_t *e, cnd_key_t key)
{
    uint8_t n = e->screen.n_options;
    if (e->state == CND_SCREEN_ADMIN_PIN) {
        pin_key(e, key);
    } else if (e->state == CND_SCREEN_ADMIN_DATE) {
        date_key(e, key);
    } else if (key == CND_KEY_UP && e->cursor > 0) {
        e->cursor--;
    } else if (key == CND_KEY_DOWN && e->cursor + 1 < n) {
        e->cursor++;
    } else if (key == CND_KEY_BACK) {
        if (e->state == CND_SCREEN_ADMIN)
            go_home(e);
        else
            admin_go(e, CND_SCREEN_ADMIN, MSG_NONE);
    } else if (key == CND_KEY_OK && e->state == CND_SCREEN_ADMIN) {
        if (e->cursor == 0 && e->hal && e->hal->set_today && e->hal->today) {
            admin_go(e, CND_SCREEN_ADMIN_DATE, MSG_NONE);
            date_from_day(e->hal->today(e->hal->ctx), &e->date_year, &e->date_month,
                          &e->date_day);
        } else if (e->cursor == 0) {
            e->admin_msg = MSG_NO_DATE;
        } else if (e->cursor == 1) {
            admin_go(e, CND_SCREEN_ADMIN_WIPE, MSG_NONE);
            e->admin_step = 1;
        } else {
            go_home(e);
        }
    } else if (key == CND_KEY_OK && e->state == CND_SCREEN_ADMIN_WIPE) {
        if (e->cursor == 0) {
            admin_go(e, CND_SCREEN_ADMIN, MSG_NONE);
        } else if (e->admin_step == 1) {
            e->admin_step = 2; /* asked twice: the cursor goes back to Cancel */
            e->cursor = 0;
        } else {
            admin_wipe_device(e);
        }
    }
}

/* HOME: BACK five times within the window opens the PIN entry, when the
 * office gave this pack an admin PIN. */
static int home_admin_key(cnd_engine_t *e, cnd_key_t key)
{
    static const uint8_t admin[CND_ENGINE_SEQ_LEN] = CND_ENGINE_ADMIN_KEYS;
    cnd_pack_admin_t a;
    seq_push(e, key);
    if (!seq_matches(e, admin) || cnd_pack_admin(e->pack, &a) != CND_OK)
        return 0;
    admin_go(e, CND_SCREEN_ADMIN_PIN, MSG_NONE);
    seq_clear(e);
    return 1;
}

/* ------------------------------------------------------------ other keys */

static void ok_key(cnd_engine_t *e)
{
    switch (e->state) {
    case CND_SCREEN_HOME:
        /* Start only from a screen that offered it, and only while one
         * more response is sure to fit: after consent, a respondent must
         * never be told their answers could not be kept. (A HOME built
         * before a sync freed space just gets rebuilt by this key.) */
        if (e->screen.n_options == 0 || (e->store && !cnd_store_has_room(e->store)))
            break;
        wipe(e);
        e->lang = 0;
        go(e, cnd_pack_lang_count(e->pack) > 1 ? CND_SCREEN_LANGUAGE : CND_SCREEN_CONSENT);
        break;
    case CND_SCREEN_LANGUAGE:
        if (e->cursor >= cnd_pack_lang_count(e->pack))
            break; /* nothing highlighted */
        e->lang = e->cursor;
        e->consent_seen = 0;
        go(e, CND_SCREEN_CONSENT);
        break;
    case CND_SCREEN_CONSENT:
        if (e->cursor == CND_CURSOR_NONE)
            break;
        if (e->consent_seen && e->cursor == 0)
            advance_from(e, -1);
        else
            withdraw(e); /* declined: nothing was collected, nothing stored */
        break;
    case CND_SCREEN_INELIGIBLE:
        go(e, CND_SCREEN_REFERRAL);
        break;
    case CND_SCREEN_SAVED:
        go(e, CND_SCREEN_REFERRAL);
        break;
    case CND_SCREEN_SAVE_FAILED:
        if (e->cursor == 0)
            save(e);
        else
            confirm_withdraw(e);
        break;
    case CND_SCREEN_REFERRAL:
        go_home(e);
        break;
    case CND_SCREEN_HANDOVER:
    case CND_SCREEN_HANDBACK:
        hand_on(e, e->hand_to);
        break;
    default:
        break;
    }
}

/* EXIT: wipe first, so nothing below may see the answers, then hide. */
static void quick_exit(cnd_engine_t *e)
{
    /* Cut short: an interview, or its end before the referral was read. */
    int cut = !admin_state(e->state) &&
              (cnd_engine_busy(e) || e->state == CND_SCREEN_SAVED ||
               e->state == CND_SCREEN_REFERRAL || e->state == CND_SCREEN_INELIGIBLE);
    wipe(e);
    go(e, CND_SCREEN_NEUTRAL);
    e->exit_referral = (uint8_t)(cut && e->pack);
    seq_clear(e);
}

/* NEUTRAL: every key is ignored unless it completes the unlock sequence.
 * An interview that was cut short ends on the referral screen, as every
 * interview does; otherwise the device is back on HOME. */
static void neutral_key(cnd_engine_t *e, cnd_key_t key)
{
    static const uint8_t unlock[CND_ENGINE_SEQ_LEN] = CND_ENGINE_UNLOCK_KEYS;
    int referral = e->exit_referral;
    uint8_t lang = e->lang;

    seq_push(e, key);
    if (!seq_matches(e, unlock))
        return;
    go_home(e);
    if (referral && e->pack) {
        e->lang = lang; /* the referral in the language of the cut interview */
        go(e, CND_SCREEN_REFERRAL);
    }
}

/* --------------------------------------------------------------- public */

void cnd_engine_init(cnd_engine_t *e, cnd_store_t *st, const cnd_hal_t *hal,
                     const cnd_pack_t *pack)
{
    memset(e, 0, sizeof(*e));
    e->store = st;
    e->hal = hal;
    /* A backoff still due at power-off starts again in full at boot. */
    e->pin_fail_ms = uptime(e);
    cnd_engine_set_pack(e, pack);
}

void cnd_engine_set_pack(cnd_engine_t *e, const cnd_pack_t *pack)
{
    e->pack = (pack && cnd_pack_lang_count(pack) > 0) ? pack : NULL;
    if (!e->pack || e->lang >= cnd_pack_lang_count(e->pack))
        e->lang = 0;
    if (e->state == CND_SCREEN_NEUTRAL)
        wipe(e); /* stays hidden: only the unlock sequence leaves the clock */
    else
        go_home(e);
    render(e);
}

void cnd_engine_key(cnd_engine_t *e, cnd_key_t key)
{
    uint8_t n = e->screen.n_options;

    if (key == CND_KEY_EXIT && e->state != CND_SCREEN_NEUTRAL) {
        quick_exit(e);
    } else if (e->state == CND_SCREEN_NEUTRAL) {
        neutral_key(e, key);
    } else if (admin_state(e->state)) {
        admin_key(e, key);
    } else if (e->state == CND_SCREEN_HOME && e->pack && home_admin_key(e, key)) {
        /* the admin sequence's last key: the PIN entry is on screen */
    } else if (key == CND_KEY_LANG) {
        if (e->pack)
            e->lang = (uint8_t)((e->lang + 1u) % cnd_pack_lang_count(e->pack));
        if (e->state == CND_SCREEN_CONSENT && e->consent_seen) {
            /* A consent in another language must be read again. */
            e->consent_seen = 0;
            e->cursor = CND_CURSOR_NONE;
        }
    } else if (!e->pack) {
        /* NO_SURVEY: nothing to do until a pack arrives */
    } else if (e->state == CND_SCREEN_CONFIRM_WITHDRAW &&
               (key == CND_KEY_OK || key == CND_KEY_BACK)) {
        confirm_key(e, key);
    } else if (e->state == CND_SCREEN_ITEM && (e->editing || key == CND_KEY_OK ||
                                              key == CND_KEY_BACK)) {
        item_key(e, key);
    } else if (e->state == CND_SCREEN_REVIEW &&
               (key != CND_KEY_UP || e->cursor == 0) &&
               (key != CND_KEY_DOWN || e->cursor + 1 >= n)) {
        review_key(e, key, e->cursor == 0, e->cursor + 1 >= n);
    } else if ((key == CND_KEY_UP || key == CND_KEY_DOWN) && e->cursor == CND_CURSOR_NONE) {
        if (n > 0)
            e->cursor = 0; /* the first UP or DOWN highlights the first option */
    } else if (key == CND_KEY_UP) {
        if (e->cursor > 0)
            e->cursor--;
    } else if (key == CND_KEY_DOWN) {
        if (e->cursor + 1 < n)
            e->cursor++;
    } else if (key == CND_KEY_OK) {
        ok_key(e);
    } else if (key == CND_KEY_BACK) {
        if (e->state == CND_SCREEN_CONSENT && cnd_pack_lang_count(e->pack) > 1)
            go(e, CND_SCREEN_LANGUAGE);
        else if (e->state == CND_SCREEN_CONSENT || e->state == CND_SCREEN_LANGUAGE)
            go_home(e);
        else if (e->state == CND_SCREEN_SAVE_FAILED)
            go(e, CND_SCREEN_REVIEW);
        else if (e->state == CND_SCREEN_HANDOVER || e->state == CND_SCREEN_HANDBACK)
            back_to(e, last_asked_before(e, e->hand_to < 0 ? item_count(e)
                                                           : (uint16_t)e->hand_to));
    }
    render(e);
}

const cnd_screen_t *cnd_engine_screen(const cnd_engine_t *e)
{
    return &e->screen;
}

void cnd_engine_refresh(cnd_engine_t *e)
{
    render(e);
}

void cnd_engine_consent_seen(cnd_engine_t *e)
{
    if (e->state != CND_SCREEN_CONSENT || e->consent_seen)
        return;
    e->consent_seen = 1;
    /* "I agree" comes in first: a highlighted Decline stays highlighted. */
    if (e->cursor != CND_CURSOR_NONE)
        e->cursor++;
    render(e);
}

int cnd_engine_busy(const cnd_engine_t *e)
{
    switch (e->state) {
    case CND_SCREEN_CONSENT:
    case CND_SCREEN_ITEM:
    case CND_SCREEN_REVIEW:
    case CND_SCREEN_SAVE_FAILED:
    case CND_SCREEN_HANDOVER:
    case CND_SCREEN_HANDBACK:
    case CND_SCREEN_LANGUAGE:
    case CND_SCREEN_CONFIRM_WITHDRAW:
    case CND_SCREEN_ADMIN_PIN: /* no pack swap under the settings either */
    case CND_SCREEN_ADMIN:
    case CND_SCREEN_ADMIN_DATE:
    case CND_SCREEN_ADMIN_WIPE:
        return 1;
    default:
        return 0;
    }
}
