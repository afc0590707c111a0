/* sim_screen.c: the handheld's screen as text (see sim_screen.h). */
#include "sim_screen.h"

#include <stdio.h>
#include <string.h>

#include "fill.h"
#include "text.h"


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

static void copy_str(char *dst, size_t cap, cnd_str_t s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    if (s.ptr == NULL)
        n = 0;
    if (n > 0)
        memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

static int utf8_cols(const char *s)
{
    int c = 0;
    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            c++;
    return c;
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

void cnd_sim_render(const cnd_screen_t *s, const cnd_pack_t *pack, int body_offset,
                    cnd_sim_frame_t *out)
{
    /* the layout is the handheld's own (firmware/drivers/text.c): the
     * simulator only turns its glyph grid back into text */
    static cnd_text_frame_t tf;
    int r;
    memset(out, 0, sizeof *out);
    render_meta(s, pack, out);
    cnd_text_render(s, body_offset, &tf);
    for (r = 0; r < CND_SIM_ROWS; r++) {
        cnd_text_row_utf8(&tf, r, out->rows[r], sizeof out->rows[r]);
        out->cols[r] = (uint8_t)utf8_cols(out->rows[r]);
        out->highlight[r] = (uint8_t)(r > 0 && tf.invert[r]); /* row 0: the status bar */
    }
    out->body_offset = tf.body_offset;
    out->body_max = tf.body_max;
    if (out->body_max > 0) {
        size_t o = strlen(out->meta);
        snprintf(out->meta + o, sizeof out->meta - o, " text=%u/%u", (unsigned)out->body_offset,
                 (unsigned)out->body_max);
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
