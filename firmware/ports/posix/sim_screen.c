/* sim_screen.c: text layout of the handheld's display (see sim_screen.h). */
#include "sim_screen.h"

#include <stdio.h>
#include <string.h>

#define TITLE_MAX_ROWS 5 /* a longer title is cut so the options stay visible */
#define BODY_MIN_ROWS 4  /* body rows kept when options compete for space */
#define WRAP_MAX 64      /* lines kept per wrapped text; more are cut with an ellipsis */
#define OPT_MAX_LINES 96 /* option lines across all options */

static const char *const kind_names[] = {
    "UNKNOWN", "NO_SURVEY", "HOME", "CONSENT", "ITEM", "REVIEW",
    "SAVED", "SAVE_FAILED", "REFERRAL", "NEUTRAL", "HANDOVER", "HANDBACK",
    "ADMIN_PIN", "ADMIN", "ADMIN_DATE", "ADMIN_WIPE", "LANGUAGE", "CONFIRM_WITHDRAW",
    "INELIGIBLE",
};

const char *cnd_sim_kind_name(uint8_t kind)
{
    if (kind >= sizeof kind_names / sizeof kind_names[0])
        return kind_names[0];
    return kind_names[kind];
}

uint8_t cnd_sim_kind_from_name(const char *name)
{
    uint8_t k;
    for (k = 1; k < sizeof kind_names / sizeof kind_names[0]; k++) {
        const char *a = kind_names[k];
        const char *b = name;
        while (*a != '\0' && *b != '\0') {
            char cb = (*b >= 'a' && *b <= 'z') ? (char)(*b - 'a' + 'A') : *b;
            if (*a != cb && !(*a == '_' && cb == '-'))
                break;
            a++;
            b++;
        }
        if (*a == '\0' && *b == '\0')
            return k;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one
 * (stray continuation byte, overlong form, surrogate, beyond U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp;
    size_t need, i;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        return 0;
    if (need == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        return 0;
    return need;
}

/* Bytes of one display cell at s: an invalid byte is one cell of its own. */
static size_t cell_len(const char *s, size_t n)
{
    size_t l = utf8_seq_len((const unsigned char *)s, n);
    return l == 0 ? 1 : l;
}

/* Copies text[from, to) into row as cells: invalid bytes become '?',
 * control characters a space. Returns the code points written. */
static int emit_cells(char *row, const char *text, size_t from, size_t to)
{
    size_t o = 0;
    int cps = 0;
    while (from < to && cps < CND_SIM_COLS) {
        size_t l = utf8_seq_len((const unsigned char *)text + from, to - from);
        if (l == 0) {
            row[o++] = '?';
            from++;
        } else if (l == 1 && (unsigned char)text[from] < 0x20) {
            row[o++] = ' ';
            from++;
        } else {
            memcpy(row + o, text + from, l);
            o += l;
            from += l;
        }
        cps++;
    }
    row[o] = '\0';
    return cps;
}

int cnd_sim_wrap(const char *text, size_t len, int width, char (*lines)[CND_SIM_ROW_BYTES],
                 int max_lines)
{
    size_t i = 0;
    int n = 0;
    if (width < 1)
        width = 1;
    if (width > CND_SIM_COLS)
        width = CND_SIM_COLS;
    while (i < len) {
        size_t j = i, end, next, last_space = (size_t)-1;
        int cps = 0, soft = 0;
        for (;;) {
            if (j >= len) {
                end = next = j;
                break;
            }
            if (text[j] == '\n') {
                end = j;
                next = j + 1;
                break;
            }
            if (cps == width) {
                soft = 1;
                if (text[j] == ' ') {
                    end = j;
                    next = j + 1;
                } else if (last_space != (size_t)-1) {
                    end = last_space;
                    next = last_space + 1;
                } else {
                    end = next = j; /* a word longer than the line: hard break */
                }
                break;
            }
            if (text[j] == ' ' && cps > 0)
                last_space = j;
            j += cell_len(text + j, len - j);
            cps++;
        }
        while (end > i && text[end - 1] == ' ')
            end--;
        if (n < max_lines)
            emit_cells(lines[n], text, i, end);
        n++;
        i = next;
        if (soft)
            while (i < len && text[i] == ' ')
                i++;
    }
    return n;
}

static int utf8_cols(const char *s)
{
    int c = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            c++;
    return c;
}

static void put_row(cnd_sim_frame_t *fr, int r, const char *text, int highlight)
{
    size_t len;
    if (r < 0 || r >= CND_SIM_ROWS)
        return;
    len = strlen(text);
    /* rows come from the wrapper, so they fit; the cut is only a guard */
    if (len > sizeof fr->rows[r] - 1)
        len = sizeof fr->rows[r] - 1;
    memcpy(fr->rows[r], text, len);
    fr->rows[r][len] = '\0';
    fr->cols[r] = (uint8_t)utf8_cols(fr->rows[r]);
    fr->highlight[r] = (uint8_t)(highlight != 0);
}

/* Replaces the end of a row that had to be cut with an ellipsis. */
static void mark_cut(char *row)
{
    int cols = utf8_cols(row);
    size_t len = strlen(row);
    if (cols >= CND_SIM_COLS) {
        /* drop the last code point to make room */
        while (len > 0 && ((unsigned char)row[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0)
            len--;
    }
    memcpy(row + len, "\xE2\x80\xA6", 4); /* U+2026 HORIZONTAL ELLIPSIS */
}

static void copy_str(char *dst, size_t cap, cnd_str_t s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (s.ptr == NULL)
        n = 0;
    if (n > 0)
        memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

static void render_status(const cnd_screen_t *s, cnd_sim_frame_t *fr)
{
    char lang[CND_LANG_CODE_LEN + 1], right[48], row[CND_SIM_ROW_BYTES];
    int width;
    if (s->kind == CND_SCREEN_NEUTRAL) {
        put_row(fr, 0, "", 0); /* nothing about the survey, not even its language */
        return;
    }
    copy_str(lang, sizeof lang, s->lang_code);
    right[0] = '\0';
    if (s->kind == CND_SCREEN_ITEM && s->total > 0) {
        int bar = CND_SIM_COLS - (int)strlen(lang) - 4;
        int fill, i, o = 0;
        char prog[16];
        snprintf(prog, sizeof prog, "%u/%u", (unsigned)s->position, (unsigned)s->total);
        bar -= (int)strlen(prog);
        if (bar < 2)
            bar = 2;
        fill = (int)((long)bar * s->position / s->total);
        if (fill > bar)
            fill = bar;
        right[o++] = '[';
        for (i = 0; i < bar; i++)
            right[o++] = i < fill ? '#' : '.';
        right[o++] = ']';
        snprintf(right + o, sizeof right - (size_t)o, " %s", prog);
    } else if (s->kind == CND_SCREEN_HOME) {
        snprintf(right, sizeof right, "%s", s->pending_text); /* the pack's words */
    }
    width = CND_SIM_COLS - (int)strlen(lang);
    if (width < 0)
        width = 0;
    snprintf(row, sizeof row, "%s%*s", lang, width, right);
    put_row(fr, 0, row, 0);
}

/* One line of the options list and the option it belongs to. */
typedef struct {
    char text[CND_SIM_ROW_BYTES];
    uint8_t option;
} opt_line_t;

/* dst = a b c, cut to cap (the wrap width keeps it within a row). */
static void join3(char *dst, size_t cap, const char *a, const char *b, const char *c)
{
    const char *parts[3];
    size_t o = 0, i;
    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    for (i = 0; i < 3; i++) {
        size_t len = strlen(parts[i]);
        if (len > cap - 1 - o)
            len = cap - 1 - o;
        memcpy(dst + o, parts[i], len);
        o += len;
    }
    dst[o] = '\0';
}

static int layout_options(const cnd_screen_t *s, const cnd_pack_t *pack, opt_line_t *out,
                          uint8_t *first_line, uint8_t *line_count)
{
    char wrapped[8][CND_SIM_ROW_BYTES];
    int n = 0, k;
    (void)pack;
    for (k = 0; k < s->n_options && k < CND_SCREEN_MAX_OPTIONS; k++) {
        char label[CND_MAX_TEXT_LEN + 1], box[8] = "";
        int w, lines, l;
        const char *mark = k == s->cursor ? "> " : "  ";
        if (s->has_number && k == 0) {
            /* editing: UP/DOWN change the number, shown by the arrows */
            snprintf(label, sizeof label, s->editing ? "\xE2\x96\xB2 %ld \xE2\x96\xBC" : "[ %ld ]",
                     (long)s->number);
        } else {
            copy_str(label, sizeof label, s->options[k]);
        }
        /* multi: every row but the final Next is a tick box (PNA too) */
        if (s->kind == CND_SCREEN_ITEM && s->item_kind == CND_ITEM_MULTI && k + 1 < s->n_options)
            snprintf(box, sizeof box, "[%c] ", (s->checked >> k) & 1u ? 'x' : ' ');
        w = CND_SIM_COLS - 2 - (int)strlen(box);
        lines = cnd_sim_wrap(label, strlen(label), w, wrapped, 8);
        if (lines == 0) {
            wrapped[0][0] = '\0';
            lines = 1;
        }
        if (lines > 8) {
            lines = 8;
            mark_cut(wrapped[7]);
        }
        first_line[k] = (uint8_t)n;
        line_count[k] = (uint8_t)lines;
        for (l = 0; l < lines && n < OPT_MAX_LINES; l++, n++) {
            join3(out[n].text, sizeof out[n].text, l == 0 ? mark : "  ",
                  l == 0 ? box : (box[0] != '\0' ? "    " : ""), wrapped[l]);
            out[n].option = (uint8_t)k;
        }
    }
    return n;
}

/* Draws the options into rows [top, top + win), scrolled so that the
 * cursor's option is fully visible, with arrows where options are hidden. */
static void place_options(const cnd_screen_t *s, cnd_sim_frame_t *fr, const opt_line_t *lines,
                          int n_lines, const uint8_t *first, const uint8_t *count, int top,
                          int win)
{
    int n_opt = s->n_options, cur = s->cursor == CND_CURSOR_NONE ? 0 : s->cursor, f = 0, r, k;
    if (n_lines <= win) {
        for (r = 0; r < n_lines; r++)
            put_row(fr, top + r, lines[r].text, lines[r].option == s->cursor);
        return;
    }
    if (cur >= n_opt)
        cur = n_opt - 1;
    for (;;) {
        int need = (f > 0) + (cur < n_opt - 1), j;
        for (j = f; j <= cur; j++)
            need += count[j];
        if (need <= win || f >= cur)
            break;
        f++;
    }
    r = 0;
    if (f > 0)
        put_row(fr, top + r++, "  \xE2\x96\xB2", 0); /* U+25B2 up arrow: more above */
    for (k = f; k < n_opt; k++) {
        int reserve = k < n_opt - 1 ? 1 : 0, l;
        if (r + count[k] + reserve > win && k != f)
            break;
        for (l = 0; l < count[k] && r < win; l++, r++)
            put_row(fr, top + r, lines[first[k] + l].text, k == s->cursor);
    }
    if (k < n_opt)
        put_row(fr, top + win - 1, "  \xE2\x96\xBC", 0); /* U+25BC down arrow: more below */
}

static void render_meta(const cnd_screen_t *s, const cnd_pack_t *pack, cnd_sim_frame_t *fr)
{
    char lang[CND_LANG_CODE_LEN + 1], name[CND_MAX_NAME_LEN + 1] = "";
    size_t o;
    cnd_item_t it;
    copy_str(lang, sizeof lang, s->lang_code);
    if (lang[0] == '\0')
        snprintf(lang, sizeof lang, "-");
    o = (size_t)snprintf(fr->meta, sizeof fr->meta, "SCREEN %s", cnd_sim_kind_name(s->kind));
    if (s->kind == CND_SCREEN_ITEM) {
        if (pack != NULL && pack->buf != NULL && cnd_pack_item(pack, s->item, &it) == CND_OK)
            copy_str(name, sizeof name, it.name);
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " item=%u name=%s",
                              (unsigned)s->item, name[0] != '\0' ? name : "-");
    }
    if (s->cursor == CND_CURSOR_NONE)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " lang=%s cursor=none options=%u",
                              lang, (unsigned)s->n_options);
    else
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " lang=%s cursor=%u options=%u",
                              lang, (unsigned)s->cursor, (unsigned)s->n_options);
    if (s->kind == CND_SCREEN_ITEM)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " position=%u/%u",
                              (unsigned)s->position, (unsigned)s->total);
    if (s->kind == CND_SCREEN_ITEM && s->hand_private)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " private=1");
    if (s->kind == CND_SCREEN_ITEM && s->item_kind == CND_ITEM_MULTI)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " checked=0x%lx",
                              (unsigned long)s->checked);
    if (s->kind == CND_SCREEN_ITEM && s->has_number)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " number=%ld editing=%u",
                              (long)s->number, (unsigned)s->editing);
    if (s->kind == CND_SCREEN_REVIEW)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " rows=%u first=%u",
                              (unsigned)s->n_rows, (unsigned)s->row_first);
    if (s->kind == CND_SCREEN_SAVE_FAILED)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " status=%s",
                              cnd_status_str((cnd_status_t)s->save_status));
    if (s->kind == CND_SCREEN_ADMIN_PIN)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o,
                              " pin=%u/%u digit=%u failures=%u wait=%lu", (unsigned)s->pin_entered,
                              (unsigned)s->pin_len, (unsigned)s->pin_digit,
                              (unsigned)s->pin_failures, (unsigned long)s->wait_s);
    if (s->kind == CND_SCREEN_ADMIN || s->kind == CND_SCREEN_ADMIN_WIPE)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " pending=%lu step=%u",
                              (unsigned long)s->pending, (unsigned)s->admin_step);
    if (s->kind == CND_SCREEN_ADMIN_DATE)
        o += (size_t)snprintf(fr->meta + o, sizeof fr->meta - o, " date=%04u-%02u-%02u field=%u",
                              (unsigned)s->date_year, (unsigned)s->date_month,
                              (unsigned)s->date_day, (unsigned)s->admin_step);
    if (s->kind == CND_SCREEN_HOME)
        snprintf(fr->meta + o, sizeof fr->meta - o, " pending=%lu storage=%u%% level=%s%s",
                 (unsigned long)s->pending, (unsigned)s->storage_percent,
                 cnd_fill_level_name((cnd_fill_level_t)s->storage), s->draft ? " draft=1" : "");
}

#define NO_SURVEY_TITLE "No survey installed"
#define NO_SURVEY_BODY "Connect to the office computer and run: candor push"

/* REVIEW: each visible answer row as the question (one line, cut) and the
 * answer under it, with arrows when more rows are above or below. */
static int review_lines(const cnd_screen_t *s, char (*lines)[CND_SIM_ROW_BYTES], int max)
{
    char text[CND_MAX_TEXT_LEN + 1], wrapped[4][CND_SIM_ROW_BYTES];
    int n = 0, i;
    if (s->more_above[0] != '\0' && n < max)
        snprintf(lines[n++], CND_SIM_ROW_BYTES, "  \xE2\x96\xB2 %.*s", CND_SIM_ROW_BYTES - 8,
                 s->more_above);
    for (i = 0; i < s->n_visible && i < CND_SCREEN_REVIEW_ROWS && n + 2 <= max; i++) {
        const cnd_review_row_t *r = &s->rows[i];
        int w;
        copy_str(text, sizeof text, r->label);
        w = cnd_sim_wrap(text, strlen(text), CND_SIM_COLS, wrapped, 1);
        if (w > 1)
            mark_cut(wrapped[0]);
        snprintf(lines[n++], CND_SIM_ROW_BYTES, "%s", w > 0 ? wrapped[0] : "");
        copy_str(text, sizeof text, r->answer);
        w = cnd_sim_wrap(text, strlen(text), CND_SIM_COLS - 3, wrapped, 1);
        if (w > 1)
            mark_cut(wrapped[0]);
        join3(lines[n++], CND_SIM_ROW_BYTES, " \xE2\x86\x92 ", "", w > 0 ? wrapped[0] : "");
    }
    if (s->more_below[0] != '\0' && n < max)
        snprintf(lines[n++], CND_SIM_ROW_BYTES, "  \xE2\x96\xBC %.*s", CND_SIM_ROW_BYTES - 8,
                 s->more_below);
    return n;
}

/* Draws body lines into rows [r, r + rows). Text longer than that scrolls:
 * lines from `offset` on, with arrows on the rows where text is hidden
 * above or below. Returns the row after the body. */
static int place_body(cnd_sim_frame_t *out, int r, char (*body)[CND_SIM_ROW_BYTES], int n_body,
                      int rows, int offset)
{
    int i, max, left, more_below;
    if (n_body > WRAP_MAX)
        n_body = WRAP_MAX; /* wrap kept this many; a longer text ends in a cut line */
    if (n_body <= rows || rows < 3) {
        for (i = 0; i < rows && i < n_body; i++, r++) {
            if (i == rows - 1 && n_body > rows)
                mark_cut(body[i]);
            put_row(out, r, body[i], 0);
        }
        return r;
    }
    /* The last page shows an up arrow and the final rows - 1 lines. */
    max = n_body - (rows - 1);
    if (offset > max)
        offset = max;
    if (offset < 0)
        offset = 0;
    out->body_offset = (uint8_t)offset;
    out->body_max = (uint8_t)max;
    left = rows;
    if (offset > 0) {
        put_row(out, r++, "  \xE2\x96\xB2", 0); /* U+25B2: more text above */
        left--;
    }
    more_below = offset + left < n_body;
    if (more_below)
        left--;
    for (i = 0; i < left; i++)
        put_row(out, r++, body[offset + i], 0);
    if (more_below)
        put_row(out, r++, "  \xE2\x96\xBC", 0); /* U+25BC: more text below */
    return r;
}

/* NEUTRAL: a plain digital clock face, HH:MM in 3x5 block digits in the
 * middle of an otherwise empty display, as a cheap phone's idle screen. */
#define CLOCK_ROWS 5
#define CLOCK_TOP 7
static void render_clock(uint16_t minutes, cnd_sim_frame_t *out)
{
    static const char *const font[10][CLOCK_ROWS] = {
        {"###", "# #", "# #", "# #", "###"}, {"  #", "  #", "  #", "  #", "  #"},
        {"###", "  #", "###", "#  ", "###"}, {"###", "  #", "###", "  #", "###"},
        {"# #", "# #", "###", "  #", "  #"}, {"###", "#  ", "###", "  #", "###"},
        {"###", "#  ", "###", "# #", "###"}, {"###", "  #", "  #", "  #", "  #"},
        {"###", "# #", "###", "# #", "###"}, {"###", "# #", "###", "  #", "###"},
    };
    static const char *const colon[CLOCK_ROWS] = {" ", "#", " ", "#", " "};
    unsigned h = (unsigned)(minutes / 60u) % 24u, m = (unsigned)minutes % 60u;
    const char *parts[5][CLOCK_ROWS];
    char row[CND_SIM_ROW_BYTES];
    int r, p;

    for (r = 0; r < CLOCK_ROWS; r++) {
        parts[0][r] = font[h / 10u][r];
        parts[1][r] = font[h % 10u][r];
        parts[2][r] = colon[r];
        parts[3][r] = font[m / 10u][r];
        parts[4][r] = font[m % 10u][r];
    }
    for (r = 0; r < CLOCK_ROWS; r++) {
        size_t o = 0;
        const char *c;
        /* 17 cells wide (4 digits, colon, a space between each), centred */
        o += (size_t)snprintf(row + o, sizeof row - o, "%*s", (CND_SIM_COLS - 17) / 2, "");
        for (p = 0; p < 5; p++) {
            for (c = parts[p][r]; *c != '\0'; c++)
                o += (size_t)snprintf(row + o, sizeof row - o, "%s",
                                      *c == '#' ? "\xE2\x96\x88" : " "); /* U+2588 full block */
            if (p < 4)
                o += (size_t)snprintf(row + o, sizeof row - o, " ");
        }
        put_row(out, CLOCK_TOP + r, row, 0);
    }
}

void cnd_sim_render(const cnd_screen_t *s, const cnd_pack_t *pack, int body_offset,
                    cnd_sim_frame_t *out)
{
    static char title[WRAP_MAX][CND_SIM_ROW_BYTES], body[WRAP_MAX][CND_SIM_ROW_BYTES];
    static opt_line_t opts[OPT_MAX_LINES];
    char text[CND_MAX_TEXT_LEN + 1];
    uint8_t first[CND_SCREEN_MAX_OPTIONS], count[CND_SCREEN_MAX_OPTIONS];
    int n_title, n_body, n_opt, avail = CND_SIM_ROWS - 1, t_rows, b_rows, o_rows, r, i;

    memset(out, 0, sizeof *out);
    render_meta(s, pack, out);
    render_status(s, out);
    if (s->kind == CND_SCREEN_NEUTRAL) {
        render_clock(s->clock_min, out);
        return; /* nothing else: not a word about the survey */
    }

    copy_str(text, sizeof text, s->title);
    n_title = cnd_sim_wrap(text, strlen(text), CND_SIM_COLS, title, WRAP_MAX);
    if (s->kind == CND_SCREEN_REVIEW) {
        n_body = review_lines(s, body, WRAP_MAX);
    } else if (s->kind == CND_SCREEN_NO_SURVEY) {
        /* No pack means no translated text: the simulator's own words. */
        n_title = cnd_sim_wrap(NO_SURVEY_TITLE, strlen(NO_SURVEY_TITLE), CND_SIM_COLS, title,
                               WRAP_MAX);
        n_body = cnd_sim_wrap(NO_SURVEY_BODY, strlen(NO_SURVEY_BODY), CND_SIM_COLS, body,
                              WRAP_MAX);
    } else {
        copy_str(text, sizeof text, s->body);
        n_body = cnd_sim_wrap(text, strlen(text), CND_SIM_COLS, body, WRAP_MAX);
    }
    n_opt = layout_options(s, pack, opts, first, count);

    t_rows = n_title < TITLE_MAX_ROWS ? n_title : TITLE_MAX_ROWS;
    avail -= t_rows;
    if (n_opt > 0 && (t_rows > 0 || n_body > 0))
        avail--; /* blank row above the options */
    if (n_body > 0 && t_rows > 0)
        avail--; /* blank row between title and body */
    o_rows = n_opt;
    if (o_rows > avail - (n_body < BODY_MIN_ROWS ? n_body : BODY_MIN_ROWS))
        o_rows = avail - (n_body < BODY_MIN_ROWS ? n_body : BODY_MIN_ROWS);
    if (o_rows < 0)
        o_rows = 0;
    b_rows = avail - o_rows;
    if (b_rows > n_body)
        b_rows = n_body;
    if (b_rows > WRAP_MAX)
        b_rows = WRAP_MAX;

    r = 1;
    for (i = 0; i < t_rows; i++, r++) {
        if (i == t_rows - 1 && n_title > t_rows)
            mark_cut(title[i]);
        put_row(out, r, title[i], 0);
    }
    if (b_rows > 0 && t_rows > 0)
        r++;
    r = place_body(out, r, body, n_body, b_rows, body_offset);
    if (out->body_max > 0) {
        size_t o = strlen(out->meta);
        snprintf(out->meta + o, sizeof out->meta - o, " text=%u/%u", (unsigned)out->body_offset,
                 (unsigned)out->body_max);
    }
    if (n_opt > 0) {
        /* Options sit at the bottom of the display, as on the handheld. */
        int top = CND_SIM_ROWS - o_rows;
        if (top < r)
            top = r;
        place_options(s, out, opts, n_opt, first, count, top, CND_SIM_ROWS - top);
    }
}

int cnd_sim_frame_equal(const cnd_sim_frame_t *a, const cnd_sim_frame_t *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

void cnd_sim_frame_log(FILE *f, const cnd_sim_frame_t *fr)
{
    int r;
    fprintf(f, "%s\n", fr->meta);
    for (r = 0; r < CND_SIM_ROWS; r++)
        fprintf(f, "%s\n", fr->rows[r]);
    fprintf(f, "\n");
    fflush(f);
}

static void draw_rule(FILE *f, const char *left, const char *right)
{
    int c;
    fputs(left, f);
    for (c = 0; c < CND_SIM_COLS; c++)
        fputs("\xE2\x94\x80", f); /* U+2500 box drawing horizontal */
    fputs(right, f);
    fputs("\r\n", f);
}

void cnd_sim_frame_draw_tty(FILE *f, const cnd_sim_frame_t *fr, const char *footer)
{
    int r;
    fputs("\x1b[H\x1b[2J", f); /* home, clear */
    draw_rule(f, "\xE2\x94\x8C", "\xE2\x94\x90");
    for (r = 0; r < CND_SIM_ROWS; r++) {
        int pad = CND_SIM_COLS - fr->cols[r];
        fputs("\xE2\x94\x82", f);
        if (r == 0 || fr->highlight[r])
            fputs("\x1b[7m", f); /* reverse video: status bar and cursor */
        fprintf(f, "%s%*s", fr->rows[r], pad > 0 ? pad : 0, "");
        if (r == 0 || fr->highlight[r])
            fputs("\x1b[0m", f);
        fputs("\xE2\x94\x82\r\n", f);
    }
    draw_rule(f, "\xE2\x94\x94", "\xE2\x94\x98");
    for (; footer != NULL && *footer != '\0'; footer++) {
        if (*footer == '\n')
            fputc('\r', f);
        fputc(*footer, f);
    }
    fputs("\r\n", f);
    fflush(f);
}
