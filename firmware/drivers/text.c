/* text.c: display text layout (see text.h). The rules mirror the
 * simulator's drawing (sim_screen.c) so the handheld shows what the
 * simulator and its tests show; only the output differs (glyph cells
 * instead of strings, no copies of the texts). */
#include "text.h"

#include <string.h>

#include "fill.h"
#include "font.h"

#define TITLE_MAX_ROWS 5 /* a longer title is cut so the options stay visible */
#define BODY_MIN_ROWS 4  /* body rows kept when options compete for space */
#define WRAP_MAX 64      /* body lines kept; a longer text ends in a cut line */
#define OPT_MAX_WRAP 8   /* lines per option; more are cut with an ellipsis */

#define UP_ARROW "\xE2\x96\xB2"   /* U+25B2: more above */
#define DOWN_ARROW "\xE2\x96\xBC" /* U+25BC: more below */
#define RIGHT_ARROW "\xE2\x86\x92"
#define ELLIPSIS 0x2026u

#define NO_SURVEY_TITLE "No survey installed"
#define NO_SURVEY_BODY "Connect to the office computer and run: candor push"

/* ---- UTF-8 and wrapping ---- */

uint32_t cnd_utf8_next(const char *s, uint32_t len, uint32_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    uint32_t n = len - *i, need, cp, k;
    if (p[0] < 0x80) {
        *i += 1;
        return p[0];
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        need = 2;
        cp = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        need = 3;
        cp = p[0] & 0x0Fu;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        need = 4;
        cp = p[0] & 0x07u;
    } else {
        *i += 1;
        return 0xFFFDu;
    }
    if (n < need) {
        *i += 1;
        return 0xFFFDu;
    }
    for (k = 1; k < need; k++) {
        if ((p[k] & 0xC0u) != 0x80u) {
            *i += 1;
            return 0xFFFDu;
        }
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    if ((need == 3 && (cp < 0x800u || (cp >= 0xD800u && cp <= 0xDFFFu))) ||
        (need == 4 && (cp < 0x10000u || cp > 0x10FFFFu))) {
        *i += 1;
        return 0xFFFDu;
    }
    *i += need;
    return cp;
}

int cnd_text_wrap(const char *s, uint32_t len, int width, cnd_text_span_t *lines, int max)
{
    uint32_t i = 0;
    int n = 0;
    if (width < 1)
        width = 1;
    if (len > 0xFFFFu)
        len = 0xFFFFu;
    while (i < len) {
        uint32_t j = i, end, next, last_space = 0;
        int cps = 0, soft = 0, have_space = 0;
        for (;;) {
            if (j >= len) {
                end = next = j;
                break;
            }
            if (s[j] == '\n') {
                end = j;
                next = j + 1;
                break;
            }
            if (cps == width) {
                soft = 1;
                if (s[j] == ' ') {
                    end = j;
                    next = j + 1;
                } else if (have_space) {
                    end = last_space;
                    next = last_space + 1;
                } else {
                    end = next = j; /* a word longer than the line: split between characters */
                }
                break;
            }
            if (s[j] == ' ' && cps > 0) {
                last_space = j;
                have_space = 1;
            }
            (void)cnd_utf8_next(s, len, &j);
            cps++;
        }
        while (end > i && s[end - 1] == ' ')
            end--;
        if (n < max) {
            lines[n].off = (uint16_t)i;
            lines[n].len = (uint16_t)(end - i);
        }
        n++;
        i = next;
        if (soft)
            while (i < len && s[i] == ' ')
                i++;
    }
    return n;
}

/* ---- cells ---- */

/* Writes s[0..len) into row r from column col; returns the next column. */
static int put(cnd_text_frame_t *f, int r, int col, const char *s, uint32_t len)
{
    uint32_t i = 0;
    if (r < 0 || r >= CND_TEXT_ROWS)
        return col;
    while (i < len && col < CND_TEXT_COLS) {
        uint32_t cp = cnd_utf8_next(s, len, &i);
        f->glyph[r][col++] = cnd_font_glyph(cp < 0x20u ? ' ' : cp);
    }
    return col;
}

static int put_z(cnd_text_frame_t *f, int r, int col, const char *z)
{
    return put(f, r, col, z, (uint32_t)strlen(z));
}

/* Marks a cut line: an ellipsis after its text, over the last cell if full. */
static void mark_cut(cnd_text_frame_t *f, int r, int used)
{
    if (r < 0 || r >= CND_TEXT_ROWS)
        return;
    f->glyph[r][used >= CND_TEXT_COLS ? CND_TEXT_COLS - 1 : used] = cnd_font_glyph(ELLIPSIS);
}

/* A small string builder for composed texts (numbers, status bar). */
typedef struct {
    char *b;
    uint32_t n, cap;
} sb_t;

static void sb_z(sb_t *sb, const char *z)
{
    while (*z != '\0' && sb->n < sb->cap)
        sb->b[sb->n++] = *z++;
}

static void sb_n(sb_t *sb, const char *p, uint32_t len)
{
    while (len-- > 0 && sb->n < sb->cap)
        sb->b[sb->n++] = *p++;
}

uint32_t cnd_text_int(int32_t v, char *buf)
{
    char t[11];
    uint32_t n = 0, k = 0, u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do {
        t[n++] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u != 0);
    if (v < 0)
        t[n++] = '-';
    while (n > 0)
        buf[k++] = t[--n];
    return k;
}

static void sb_int(sb_t *sb, int32_t v)
{
    char t[11];
    sb_n(sb, t, cnd_text_int(v, t));
}

/* ---- status bar ---- */

static void render_status(const cnd_screen_t *s, cnd_text_frame_t *f)
{
    char right[48];
    sb_t sb = {right, 0, sizeof right};
    uint32_t lang_len = s->lang_code.ptr != NULL ? s->lang_code.len : 0;
    int col;
    if (s->kind == CND_SCREEN_NEUTRAL)
        return; /* nothing about the survey, not even its language */
    if (lang_len > CND_LANG_CODE_LEN)
        lang_len = CND_LANG_CODE_LEN;
    f->invert[0] = 1;
    if (s->kind == CND_SCREEN_ITEM && s->total > 0) {
        char prog[16];
        sb_t pb = {prog, 0, sizeof prog};
        int bar, fill, i;
        sb_int(&pb, s->position);
        sb_z(&pb, "/");
        sb_int(&pb, s->total);
        bar = CND_TEXT_COLS - (int)lang_len - 4 - (int)pb.n;
        if (bar < 2)
            bar = 2;
        fill = (int)((long)bar * s->position / s->total);
        if (fill > bar)
            fill = bar;
        sb_z(&sb, "[");
        for (i = 0; i < bar; i++)
            sb_z(&sb, i < fill ? "#" : ".");
        sb_z(&sb, "] ");
        sb_n(&sb, prog, pb.n);
    } else if (s->kind == CND_SCREEN_HOME) {
        sb_z(&sb, s->pending_text); /* the pack's words for the count */
    }
    col = put(f, 0, 0, s->lang_code.ptr, lang_len);
    if ((int)sb.n < CND_TEXT_COLS - col)
        col = CND_TEXT_COLS - (int)sb.n; /* right-aligned */
    put(f, 0, col, right, sb.n);
}

/* ---- body lines ---- */

enum { PRE_NONE, PRE_UP, PRE_ARROW, PRE_DOWN };
static const char *const prefixes[] = {"", "  " UP_ARROW " ", " " RIGHT_ARROW " ",
                                       "  " DOWN_ARROW " "};

/* One body line: a prefix, then a span of some text, maybe cut. */
typedef struct {
    const char *p;
    uint16_t len;
    uint8_t pre;
    uint8_t cut;
} line_t;

static void draw_line(cnd_text_frame_t *f, int r, const line_t *l)
{
    int col = put_z(f, r, 0, prefixes[l->pre]);
    col = put(f, r, col, l->p, l->len);
    if (l->cut)
        mark_cut(f, r, col);
}

/* Lines of one wrapped text; returns how many it needs (may exceed max). */
static int text_lines(const char *p, uint32_t len, line_t *out, int max)
{
    cnd_text_span_t spans[WRAP_MAX];
    int n, k;
    if (p == NULL)
        len = 0;
    n = cnd_text_wrap(p, len, CND_TEXT_COLS, spans, max < WRAP_MAX ? max : WRAP_MAX);
    for (k = 0; k < n && k < max && k < WRAP_MAX; k++) {
        out[k].p = p + spans[k].off;
        out[k].len = spans[k].len;
        out[k].pre = PRE_NONE;
        out[k].cut = 0;
    }
    return n;
}

/* The first line of a text wrapped at width, cut when it needs more. */
static line_t first_line(cnd_str_t t, int width, uint8_t pre)
{
    cnd_text_span_t sp;
    line_t l;
    int n = cnd_text_wrap(t.ptr, t.ptr != NULL ? t.len : 0, width, &sp, 1);
    l.p = t.ptr;
    l.len = 0;
    if (n > 0) {
        l.p = t.ptr + sp.off;
        l.len = sp.len;
    }
    l.pre = pre;
    l.cut = (uint8_t)(n > 1);
    return l;
}

/* REVIEW: per visible answer row the question (one line, cut) and the
 * answer under it, with the engine's "N more" lines (the pack's words)
 * where rows are hidden. */
static int review_lines(const cnd_screen_t *s, line_t *out)
{
    int n = 0, i;
    if (s->more_above[0] != '\0') {
        out[n].p = s->more_above;
        out[n].len = (uint16_t)strlen(s->more_above);
        out[n].pre = PRE_UP;
        out[n++].cut = 0;
    }
    for (i = 0; i < s->n_visible && i < CND_SCREEN_REVIEW_ROWS; i++) {
        out[n++] = first_line(s->rows[i].label, CND_TEXT_COLS, PRE_NONE);
        out[n++] = first_line(s->rows[i].answer, CND_TEXT_COLS - 3, PRE_ARROW);
    }
    if (s->more_below[0] != '\0') {
        out[n].p = s->more_below;
        out[n].len = (uint16_t)strlen(s->more_below);
        out[n].pre = PRE_DOWN;
        out[n++].cut = 0;
    }
    return n;
}

/* Draws body lines into rows [r, r + rows); a longer body scrolls from
 * `offset` with arrow rows where text is hidden. Returns the next row. */
static int place_body(cnd_text_frame_t *f, int r, line_t *body, int n_body, int rows, int offset)
{
    static const line_t up = {"", 0, PRE_UP, 0}, down = {"", 0, PRE_DOWN, 0};
    int i, max, left, more_below;
    if (n_body > WRAP_MAX)
        n_body = WRAP_MAX;
    if (n_body <= rows || rows < 3) {
        for (i = 0; i < rows && i < n_body; i++, r++) {
            if (i == rows - 1 && n_body > rows)
                body[i].cut = 1;
            draw_line(f, r, &body[i]);
        }
        return r;
    }
    max = n_body - (rows - 1); /* the last page: an up arrow and rows - 1 lines */
    if (offset > max)
        offset = max;
    if (offset < 0)
        offset = 0;
    f->body_offset = (uint8_t)offset;
    f->body_max = (uint8_t)max;
    left = rows;
    if (offset > 0) {
        draw_line(f, r++, &up);
        left--;
    }
    more_below = offset + left < n_body;
    if (more_below)
        left--;
    for (i = 0; i < left; i++)
        draw_line(f, r++, &body[offset + i]);
    if (more_below)
        draw_line(f, r++, &down);
    return r;
}

/* ---- options ---- */

/* Option k's text, its tick box and its wrapped lines (at most
 * OPT_MAX_WRAP); *cut when it needed more. numbuf holds a number row. */
static int option_lines(const cnd_screen_t *s, int k, char *numbuf, const char **text,
                        const char **box, cnd_text_span_t *spans, int *cut)
{
    uint32_t len;
    int n;
    if (s->has_number && k == 0) {
        sb_t sb = {numbuf, 0, 24};
        /* editing: UP/DOWN change the number, shown by the arrows */
        sb_z(&sb, s->editing ? UP_ARROW " " : "[ ");
        sb_int(&sb, s->number);
        sb_z(&sb, s->editing ? " " DOWN_ARROW : " ]");
        *text = numbuf;
        len = sb.n;
    } else {
        *text = s->options[k].ptr;
        len = *text != NULL ? s->options[k].len : 0;
    }
    *box = "";
    /* multi: every row but the final Next is a tick box (PNA too) */
    if (s->kind == CND_SCREEN_ITEM && s->item_kind == CND_ITEM_MULTI && k + 1 < s->n_options)
        *box = (s->checked >> k) & 1u ? "[x] " : "[ ] ";
    n = cnd_text_wrap(*text, len, CND_TEXT_COLS - 2 - (int)strlen(*box), spans, OPT_MAX_WRAP);
    *cut = n > OPT_MAX_WRAP;
    if (n == 0) {
        spans[0].off = spans[0].len = 0;
        n = 1;
    }
    return n > OPT_MAX_WRAP ? OPT_MAX_WRAP : n;
}

static void draw_option_line(cnd_text_frame_t *f, const cnd_screen_t *s, int k, int l, int r,
                             int highlight)
{
    cnd_text_span_t spans[OPT_MAX_WRAP];
    char numbuf[24];
    const char *text, *box;
    int cut, n = option_lines(s, k, numbuf, &text, &box, spans, &cut), col;
    if (r < 0 || r >= CND_TEXT_ROWS)
        return;
    col = put_z(f, r, 0, l == 0 && k == s->cursor ? "> " : "  ");
    col = put_z(f, r, col, l == 0 ? box : (box[0] != '\0' ? "    " : ""));
    col = put(f, r, col, text + spans[l].off, spans[l].len);
    if (cut && l == n - 1)
        mark_cut(f, r, col);
    f->invert[r] = (uint8_t)(highlight != 0);
}

/* Draws the options into rows [top, top + win), scrolled so that the
 * cursor's option is whole on screen, arrows where options are hidden. */
static void place_options(cnd_text_frame_t *f, const cnd_screen_t *s, const uint8_t *count,
                          int n_lines, int top, int win)
{
    static const line_t up = {"", 0, PRE_UP, 0}, down = {"", 0, PRE_DOWN, 0};
    int n_opt = s->n_options, cur = s->cursor == CND_CURSOR_NONE ? 0 : s->cursor, first = 0,
        r = 0, k, l;
    if (n_lines <= win) {
        for (k = 0; k < n_opt; k++)
            for (l = 0; l < count[k]; l++)
                draw_option_line(f, s, k, l, top + r++, k == s->cursor);
        return;
    }
    if (cur >= n_opt)
        cur = n_opt - 1;
    for (;;) {
        int need = (first > 0) + (cur < n_opt - 1), j;
        for (j = first; j <= cur; j++)
            need += count[j];
        if (need <= win || first >= cur)
            break;
        first++;
    }
    if (first > 0)
        draw_line(f, top + r++, &up);
    for (k = first; k < n_opt; k++) {
        int reserve = k < n_opt - 1 ? 1 : 0;
        if (r + count[k] + reserve > win && k != first)
            break;
        for (l = 0; l < count[k] && r < win; l++, r++)
            draw_option_line(f, s, k, l, top + r, k == cur);
    }
    if (k < n_opt)
        draw_line(f, top + win - 1, &down);
}

/* ---- NEUTRAL: the clock face ---- */

#define CLOCK_TOP 7
#define CLOCK_ROWS 5
#define CLOCK_LEFT ((CND_TEXT_COLS - 17) / 2) /* 4 digits, a colon, a space between each */

/* 3x5 block digits, one row per entry, bit 2 = left cell. */
static const uint8_t clock_digits[10][CLOCK_ROWS] = {
    {7, 5, 5, 5, 7}, {1, 1, 1, 1, 1}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
};

/* After quick exit the display is a plain digital clock, HH:MM in block
 * digits in the middle, like a cheap phone's idle screen (the same face
 * the simulator draws): nothing about the survey. */
static void render_clock(uint16_t minutes, cnd_text_frame_t *f)
{
    unsigned h = (unsigned)(minutes / 60u) % 24u, m = (unsigned)minutes % 60u;
    unsigned digit[4];
    uint8_t block = cnd_font_glyph(0x2588u); /* U+2588 full block */
    int r, p, b;
    digit[0] = h / 10u;
    digit[1] = h % 10u;
    digit[2] = m / 10u;
    digit[3] = m % 10u;
    for (r = 0; r < CLOCK_ROWS; r++) {
        int col = CLOCK_LEFT;
        for (p = 0; p < 4; p++) {
            for (b = 2; b >= 0; b--, col++)
                if ((clock_digits[digit[p]][r] >> b) & 1u)
                    f->glyph[CLOCK_TOP + r][col] = block;
            col++; /* the space after each digit */
            if (p == 1) {
                if (r == 1 || r == 3)
                    f->glyph[CLOCK_TOP + r][col] = block; /* the colon */
                col += 2;
            }
        }
    }
}

/* ---- the screen ---- */

void cnd_text_render(const cnd_screen_t *s, int body_offset, cnd_text_frame_t *out)
{
    line_t title[TITLE_MAX_ROWS], body[WRAP_MAX];
    uint8_t count[CND_SCREEN_MAX_OPTIONS];
    int n_title, n_body, n_opt = 0, avail = CND_TEXT_ROWS - 1, t_rows, b_rows, o_rows, r, i, k;

    memset(out, 0, sizeof *out);
    memset(out->glyph, cnd_font_glyph(' '), sizeof out->glyph);
    render_status(s, out);
    if (s->kind == CND_SCREEN_NEUTRAL) {
        render_clock(s->clock_min, out);
        return; /* after quick exit: not a word about the survey */
    }

    if (s->kind == CND_SCREEN_NO_SURVEY) {
        /* no pack means no translated text: the firmware's own words */
        n_title = text_lines(NO_SURVEY_TITLE, sizeof NO_SURVEY_TITLE - 1, title, TITLE_MAX_ROWS);
        n_body = text_lines(NO_SURVEY_BODY, sizeof NO_SURVEY_BODY - 1, body, WRAP_MAX);
    } else {
        n_title = text_lines(s->title.ptr, s->title.len, title, TITLE_MAX_ROWS);
        if (s->kind == CND_SCREEN_REVIEW)
            n_body = review_lines(s, body);
        else
            n_body = text_lines(s->body.ptr, s->body.len, body, WRAP_MAX);
    }
    for (k = 0; k < s->n_options && k < CND_SCREEN_MAX_OPTIONS; k++) {
        cnd_text_span_t spans[OPT_MAX_WRAP];
        char numbuf[24];
        const char *text, *box;
        int cut;
        count[k] = (uint8_t)option_lines(s, k, numbuf, &text, &box, spans, &cut);
        n_opt += count[k];
    }

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
            title[i].cut = 1;
        draw_line(out, r, &title[i]);
    }
    if (b_rows > 0 && t_rows > 0)
        r++;
    r = place_body(out, r, body, n_body, b_rows, body_offset);
    if (n_opt > 0) {
        /* options sit at the bottom of the display */
        int top = CND_TEXT_ROWS - o_rows;
        if (top < r)
            top = r;
        place_options(out, s, count, n_opt, top, CND_TEXT_ROWS - top);
    }
}

uint32_t cnd_text_row_utf8(const cnd_text_frame_t *f, int r, char *buf, uint32_t cap)
{
    uint32_t o = 0, keep = 0;
    int c;
    if (cap == 0)
        return 0;
    if (r >= 0 && r < CND_TEXT_ROWS) {
        for (c = 0; c < CND_TEXT_COLS; c++) {
            uint32_t cp = cnd_font_codepoint(f->glyph[r][c]);
            char e[4];
            uint32_t n, k;
            if (cp < 0x80u) {
                e[0] = (char)cp;
                n = 1;
            } else if (cp < 0x800u) {
                e[0] = (char)(0xC0u | (cp >> 6));
                e[1] = (char)(0x80u | (cp & 0x3Fu));
                n = 2;
            } else {
                e[0] = (char)(0xE0u | (cp >> 12));
                e[1] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
                e[2] = (char)(0x80u | (cp & 0x3Fu));
                n = 3;
            }
            if (o + n > cap - 1)
                break;
            for (k = 0; k < n; k++)
                buf[o++] = e[k];
            if (cp != ' ')
                keep = o;
        }
    }
    buf[keep] = '\0';
    return keep;
}
