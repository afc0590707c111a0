/* console.c: screens and keys as text lines (see console.h). */
#include "console.h"

#include <string.h>

static cnd_usart_t *g_u;

static const char *const kind_names[] = {
    "UNKNOWN", "NO_SURVEY", "HOME", "CONSENT", "ITEM", "REVIEW",
    "SAVED", "SAVE_FAILED", "REFERRAL", "NEUTRAL", "HANDOVER", "HANDBACK",
    "ADMIN_PIN", "ADMIN", "ADMIN_DATE", "ADMIN_WIPE", "LANGUAGE", "CONFIRM_WITHDRAW", "INELIGIBLE",
};

static const char *const key_names[] = {"", "up", "down", "ok", "back", "lang", "exit"};

void cnd_console_init(cnd_usart_t *u)
{
    g_u = u;
}

void cnd_console_puts(const char *s)
{
    cnd_usart_puts(g_u, s);
}

void cnd_console_u32(uint32_t v)
{
    char buf[11];
    int i = 10;
    buf[10] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && i > 0);
    cnd_console_puts(buf + i);
}

void cnd_console_hex32(uint32_t v)
{
    char buf[9];
    int i;
    for (i = 7; i >= 0; i--) {
        buf[i] = "0123456789abcdef"[v & 0xFu];
        v >>= 4;
    }
    buf[8] = '\0';
    cnd_console_puts(buf);
}

void cnd_console_text(cnd_str_t s, uint32_t max)
{
    uint32_t i, n = s.len < max ? s.len : max;
    for (i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s.ptr[i];
        if (c < 0x20 || c == 0x7F)
            c = '?'; /* newlines too: one console line per field */
        cnd_usart_write(g_u, &c, 1);
    }
}

static void field(const char *tag, cnd_str_t s, uint32_t max)
{
    cnd_console_puts(tag);
    cnd_console_text(s, max);
    cnd_console_puts("\n");
}

static void header(const cnd_screen_t *s, const cnd_pack_t *pack)
{
    cnd_item_t it;
    cnd_console_puts("SCREEN ");
    cnd_console_puts(s->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[s->kind]
                                                                         : kind_names[0]);
    if (s->kind == CND_SCREEN_ITEM && pack != NULL && cnd_pack_item(pack, s->item, &it) == CND_OK) {
        cnd_console_puts(" item=");
        cnd_console_u32(s->item);
        cnd_console_puts(" name=");
        cnd_console_text(it.name, CND_MAX_NAME_LEN);
    }
    cnd_console_puts(" lang=");
    if (s->lang_code.len > 0)
        cnd_console_text(s->lang_code, CND_LANG_CODE_LEN);
    else
        cnd_console_puts("-");
    cnd_console_puts(" cursor=");
    cnd_console_u32(s->cursor);
    cnd_console_puts(" pending=");
    cnd_console_u32(s->pending);
    cnd_console_puts("\n");
}

void cnd_console_screen(const cnd_screen_t *s, const cnd_pack_t *pack)
{
    uint8_t i;
    header(s, pack);
    if (s->kind == CND_SCREEN_NEUTRAL) {
        /* the clock face, and nothing about the survey */
        char clock[6];
        clock[0] = (char)('0' + s->clock_min / 600u % 3u);
        clock[1] = (char)('0' + s->clock_min / 60u % 10u);
        clock[2] = ':';
        clock[3] = (char)('0' + s->clock_min % 60u / 10u);
        clock[4] = (char)('0' + s->clock_min % 10u);
        clock[5] = '\0';
        cnd_console_puts("C ");
        cnd_console_puts(clock);
        cnd_console_puts("\nEND\n");
        return;
    }
    field("T ", s->title, 120);
    if (s->body.len > 0)
        field("B ", s->body, 120);
    if (s->has_number) {
        cnd_console_puts(s->editing ? "N* " : "N ");
        cnd_console_u32((uint32_t)s->number); /* integer items are non-negative here */
        cnd_console_puts("\n");
    }
    for (i = 0; i < s->n_options && i < CND_SCREEN_MAX_OPTIONS; i++) {
        cnd_console_puts(i == s->cursor ? "O> " : "O  ");
        if (s->kind == CND_SCREEN_ITEM && s->item_kind == CND_ITEM_MULTI)
            cnd_console_puts((s->checked >> i) & 1u ? "[x] " : "[ ] ");
        field("", s->options[i], 80);
    }
    for (i = 0; s->kind == CND_SCREEN_REVIEW && i < s->n_visible && i < CND_SCREEN_REVIEW_ROWS; i++) {
        cnd_console_puts("R ");
        cnd_console_text(s->rows[i].label, 60);
        cnd_console_puts(" = ");
        field("", s->rows[i].answer, 60);
    }
    cnd_console_puts("END\n");
}

cnd_key_t cnd_console_key(const char *word, uint32_t len)
{
    uint32_t k;
    for (k = 1; k < sizeof key_names / sizeof key_names[0]; k++)
        if (strlen(key_names[k]) == len && memcmp(key_names[k], word, len) == 0)
            return (cnd_key_t)k;
    return (cnd_key_t)0;
}
