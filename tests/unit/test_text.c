/* test_text.c: what the handheld's 240x320 display shows: Spanish and
 * Portuguese text wraps without broken characters, the cursor's option is
 * always on screen, nothing shows after quick exit, and every screen of a
 * real interview looks exactly as the simulator (and its tests) show it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile.h"
#include "engine.h"
#include "font.h"
#include "ram_flash.h"
#include "sim_screen.h"
#include "store.h"
#include "test_hal.h"
#include "text.h"
#include "test_key.h"

static cnd_text_frame_t fr;

static cnd_str_t str(const char *z)
{
    cnd_str_t s;
    s.ptr = z;
    s.len = (uint16_t)strlen(z);
    return s;
}

static const char *row(int r)
{
    static char buf[CND_TEXT_COLS * 4 + 1];
    cnd_text_row_utf8(&fr, r, buf, sizeof buf);
    return buf;
}

/* Code points in a UTF-8 string, or -1 if it is not valid UTF-8. */
static int utf8_count(const char *s, size_t len)
{
    uint32_t i = 0;
    int n = 0;
    while (i < len) {
        if (cnd_utf8_next(s, (uint32_t)len, &i) == 0xFFFDu)
            return -1;
        n++;
    }
    return n;
}

static void spanish_accents_wrap_without_splitting_characters(void **state)
{
    const char *t = "¿Cuántas horas trabaja usted en un día normal? Señora, "
                    "¿le pagan también los días de descanso? Ação, pão, não, "
                    "être, français, garçon, ¡Atención!";
    cnd_text_span_t lines[128];
    int width, n, k;
    (void)state;
    for (width = 3; width <= 30; width++) {
        size_t joined = 0;
        n = cnd_text_wrap(t, (uint32_t)strlen(t), width, lines, 128);
        assert_true(n > 0 && n <= 128);
        for (k = 0; k < n; k++) {
            int cps = utf8_count(t + lines[k].off, lines[k].len);
            assert_true(cps >= 0); /* no line starts or ends inside a character */
            assert_true(cps <= width);
            joined += lines[k].len;
        }
        assert_true(joined > strlen(t) / 2);
    }
    n = cnd_text_wrap(t, (uint32_t)strlen(t), 30, lines, 128);
    assert_int_equal(n, 6);
    assert_int_equal(lines[0].len, strlen("¿Cuántas horas trabaja usted"));
    assert_memory_equal(t + lines[0].off, "¿Cuántas horas trabaja usted", lines[0].len);
}

static void a_word_longer_than_a_line_is_split_between_characters(void **state)
{
    const char *t = "ññññññññññññ"; /* 12 characters, 24 bytes */
    cnd_text_span_t lines[4];
    (void)state;
    assert_int_equal(cnd_text_wrap(t, (uint32_t)strlen(t), 5, lines, 4), 3);
    assert_int_equal(lines[0].off, 0);
    assert_int_equal(lines[0].len, 10);
    assert_int_equal(lines[1].off, 10);
    assert_int_equal(lines[1].len, 10);
    assert_int_equal(lines[2].len, 4);
}

static void lines_break_at_spaces_and_at_newlines(void **state)
{
    const char *t = "one two three\nfour  five";
    cnd_text_span_t lines[8];
    (void)state;
    assert_int_equal(cnd_text_wrap(t, (uint32_t)strlen(t), 9, lines, 8), 4);
    assert_int_equal(lines[0].len, 7);
    assert_memory_equal(t + lines[0].off, "one two", 7);
    assert_int_equal(lines[1].len, 5);
    assert_memory_equal(t + lines[1].off, "three", 5);
    assert_int_equal(lines[2].len, 4); /* "four  five" is 10 wide: breaks at the spaces */
    assert_memory_equal(t + lines[2].off, "four", 4);
    assert_memory_equal(t + lines[3].off, "five", lines[3].len);
    /* the spans can be capped: the count is still the whole text's */
    assert_int_equal(cnd_text_wrap(t, (uint32_t)strlen(t), 9, lines, 1), 4);
}

static void latin_accents_have_their_own_glyphs(void **state)
{
    static const uint32_t cps[] = {0xE1, 0xE9, 0xED, 0xF3, 0xFA, 0xF1, 0xFC, 0xBF, 0xA1,
                                   0xE7, 0xE3, 0xF5, 0xEA, 0xC1, 0xC9, 0xD1, 0xC7, 0xE0,
                                   0xE8, 0xF4, 0xE2, 0xEB, 0xEF, 0x153, 0x20AC};
    uint8_t seen[256];
    size_t i;
    (void)state;
    memset(seen, 0, sizeof seen);
    for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        uint8_t g = cnd_font_glyph(cps[i]);
        assert_int_not_equal(g, cnd_font_replacement);
        assert_int_equal(seen[g], 0); /* á and a are not drawn the same */
        seen[g] = 1;
        assert_int_equal(cnd_font_codepoint(g), cps[i]);
    }
    assert_int_not_equal(cnd_font_glyph('a'), cnd_font_glyph(0xE1));
}

static void unknown_characters_show_the_replacement_glyph(void **state)
{
    static const char bad[] = "a\xE4\xB8\xAD"     /* U+4E2D, not in the font */
                              "\xFF"              /* not UTF-8 at all */
                              "\xC3"              /* truncated sequence */
                              "\x01" "b";         /* a control character */
    cnd_screen_t s;
    (void)state;
    assert_int_equal(cnd_font_glyph(0x4E2D), cnd_font_replacement);
    assert_int_equal(cnd_font_glyph(0x1F600), cnd_font_replacement);
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_REFERRAL;
    s.title = str(bad);
    cnd_text_render(&s, 0, &fr);
    assert_int_equal(fr.glyph[1][0], cnd_font_glyph('a'));
    assert_int_equal(fr.glyph[1][1], cnd_font_replacement);
    assert_int_equal(fr.glyph[1][2], cnd_font_replacement);
    assert_int_equal(fr.glyph[1][3], cnd_font_replacement);
    assert_int_equal(fr.glyph[1][4], cnd_font_glyph(' '));
    assert_int_equal(fr.glyph[1][5], cnd_font_glyph('b'));
}

static void glyphs_are_real_bitmaps(void **state)
{
    const uint8_t *sp = cnd_font_bitmap(cnd_font_glyph(' '));
    const uint8_t *a = cnd_font_bitmap(cnd_font_glyph('A'));
    const uint8_t *aa = cnd_font_bitmap(cnd_font_glyph(0xC1)); /* Á */
    int i, ink = 0, accent = 0;
    (void)state;
    for (i = 0; i < CND_FONT_H; i++) {
        assert_int_equal(sp[i], 0);
        ink += a[i] != 0;
        accent += a[i] != aa[i];
    }
    assert_true(ink >= 6);
    assert_true(accent >= 1);
    assert_true(cnd_font_glyph_count > 200 && cnd_font_glyph_count < 256);
}

static void the_cursor_option_is_always_on_screen(void **state)
{
    static char labels[20][24];
    cnd_screen_t s;
    int cur, r;
    (void)state;
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_ITEM;
    s.title = str("Which of these tasks do you do every day at your employer's house?");
    s.n_options = 20;
    s.total = 10;
    s.position = 3;
    s.lang_code = str("en");
    for (r = 0; r < 20; r++) {
        snprintf(labels[r], sizeof labels[r], "Task number %d", r);
        s.options[r] = str(labels[r]);
    }
    for (cur = 0; cur < 20; cur++) {
        char want[32];
        int found = 0;
        s.cursor = (uint8_t)cur;
        cnd_text_render(&s, 0, &fr);
        snprintf(want, sizeof want, "> Task number %d", cur);
        for (r = 1; r < CND_TEXT_ROWS; r++) {
            if (strcmp(row(r), want) == 0) {
                found = 1;
                assert_int_equal(fr.invert[r], 1);
            } else {
                assert_int_equal(fr.invert[r], 0);
            }
        }
        assert_true(found);
    }
    s.cursor = 0;
    cnd_text_render(&s, 0, &fr);
    assert_string_equal(row(CND_TEXT_ROWS - 1), "  \xE2\x96\xBC"); /* more below */
    s.cursor = 19;
    cnd_text_render(&s, 0, &fr);
    assert_string_equal(row(CND_TEXT_ROWS - 1), "> Task number 19");
    for (r = 1, cur = 0; r < CND_TEXT_ROWS; r++)
        cur += strcmp(row(r), "  \xE2\x96\xB2") == 0; /* more above */
    assert_int_equal(cur, 1);
}

static void the_status_bar_shows_language_and_progress(void **state)
{
    cnd_screen_t s;
    (void)state;
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_ITEM;
    s.lang_code = str("es");
    s.title = str("¿Dónde duerme?");
    s.position = 5;
    s.total = 10;
    cnd_text_render(&s, 0, &fr);
    assert_string_equal(row(0), "es [##########..........] 5/10");
    assert_int_equal(fr.invert[0], 1);
    assert_string_equal(row(1), "¿Dónde duerme?");
    s.kind = CND_SCREEN_HOME;
    s.pending = 42;
    strcpy(s.pending_text, "42 to sync"); /* the engine's words from the pack */
    cnd_text_render(&s, 0, &fr);
    assert_string_equal(row(0), "es                  42 to sync");
}

static void only_a_clock_is_shown_after_quick_exit(void **state)
{
    cnd_screen_t s;
    int r;
    (void)state;
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_NEUTRAL;
    s.lang_code = str("es");
    s.title = str("Encuesta sobre trabajo doméstico"); /* must not show */
    s.n_options = 1;
    s.options[0] = str("Empezar");
    s.clock_min = 14 * 60 + 7; /* 14:07 */
    cnd_text_render(&s, 0, &fr);
    /* 14:07 in 3x5 block digits */
    assert_string_equal(row(7), "        \xE2\x96\x88 \xE2\x96\x88 \xE2\x96\x88   "
                                "\xE2\x96\x88\xE2\x96\x88\xE2\x96\x88 \xE2\x96\x88\xE2\x96\x88\xE2\x96\x88");
    assert_string_equal(row(8), "        \xE2\x96\x88 \xE2\x96\x88 \xE2\x96\x88 \xE2\x96\x88 \xE2\x96\x88 "
                                "\xE2\x96\x88   \xE2\x96\x88");
    /* the rest is empty: no status bar, no title, no option */
    for (r = 0; r < CND_TEXT_ROWS; r++) {
        assert_int_equal(fr.invert[r], 0);
        if (r < 7 || r > 11)
            assert_string_equal(row(r), "");
    }
}

static void a_long_consent_text_scrolls_with_arrows(void **state)
{
    static char body[1024];
    cnd_screen_t s;
    int i, max;
    (void)state;
    body[0] = '\0';
    for (i = 0; i < 30; i++) /* 870 bytes */
        strcat(body, "Sus respuestas son anónimas. ");
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_CONSENT;
    s.lang_code = str("es");
    s.title = str("Consentimiento");
    s.body = str(body);
    s.n_options = 2;
    s.options[0] = str("Acepto");
    s.options[1] = str("No acepto");
    cnd_text_render(&s, 0, &fr);
    assert_true(fr.body_max > 0);
    assert_int_equal(fr.body_offset, 0);
    assert_string_equal(row(3), "Sus respuestas son anónimas.");
    max = fr.body_max;
    cnd_text_render(&s, 1000, &fr); /* clamped to the last page */
    assert_int_equal(fr.body_offset, max);
    assert_string_equal(row(3), "  \xE2\x96\xB2");
    assert_string_equal(row(CND_TEXT_ROWS - 2), "> Acepto");
    assert_string_equal(row(CND_TEXT_ROWS - 1), "  No acepto");
}

/* ---- every screen of real interviews, against the simulator's drawing ---- */

static void assert_same_as_simulator(const cnd_screen_t *s, int offset)
{
    static cnd_sim_frame_t sim;
    int r;
    cnd_text_render(s, offset, &fr);
    cnd_sim_render(s, NULL, offset, &sim);
    for (r = 0; r < CND_TEXT_ROWS; r++) {
        char want[CND_SIM_ROW_BYTES];
        size_t n = strlen(sim.rows[r]);
        memcpy(want, sim.rows[r], n + 1);
        while (n > 0 && want[n - 1] == ' ')
            want[--n] = '\0';
        if (strcmp(row(r), want) != 0)
            fail_msg("%s row %d: handheld \"%s\", simulator \"%s\"", sim.meta, r, row(r), want);
        if (r > 0)
            assert_int_equal(fr.invert[r], sim.highlight[r]);
    }
    assert_int_equal(fr.invert[0], s->kind != CND_SCREEN_NEUTRAL);
    assert_int_equal(fr.body_offset, sim.body_offset);
    assert_int_equal(fr.body_max, sim.body_max);
}

static void every_interview_screen_matches_the_simulator(void **state)
{
    static uint8_t pack_buf[CND_MAX_PACK_SIZE];
    static cnd_store_t st;
    static cnd_engine_t eng;
    /* after quick exit the clock leaves only on UP UP DOWN DOWN OK */
    static const cnd_key_t walk[] = {CND_KEY_UP,   CND_KEY_UP,   CND_KEY_DOWN, CND_KEY_DOWN,
                                     CND_KEY_OK,   CND_KEY_OK,   CND_KEY_OK,   CND_KEY_DOWN,
                                     CND_KEY_OK,   CND_KEY_DOWN, CND_KEY_DOWN, CND_KEY_OK,
                                     CND_KEY_LANG, CND_KEY_UP,   CND_KEY_OK,   CND_KEY_BACK,
                                     CND_KEY_DOWN, CND_KEY_OK};
    cnd_ram_flash_t rf;
    cnd_test_hal_t th;
    cnd_pack_t pk;
    cnd_err_t err;
    size_t len = 0;
    uint32_t lcg = 99;
    int step, off, screens = 0, neutral = 0;
    uint32_t kinds = 0;
    (void)state;
    if (cnd_compile_file(CND_SOURCE_DIR "/surveys/domestic-work.json", cnd_test_office_key(),
                         pack_buf, sizeof pack_buf, &len, &err) != CND_OK)
        fail_msg("default survey: %s", err.msg);
    assert_int_equal(cnd_ram_flash_init(&rf, 4096, CND_RAM_FLASH_DEFAULT_SURVEY_BLOCKS, 16), CND_OK);
    cnd_test_hal_init(&th, &rf.flash, 7, 2000);
    assert_int_equal(cnd_store_mount(&st, &th.hal), CND_OK);
    assert_int_equal(cnd_store_pack_begin(&st, (uint32_t)len), CND_OK);
    assert_int_equal(cnd_store_pack_write(&st, 0, pack_buf, (uint32_t)len), CND_OK);
    assert_int_equal(cnd_store_pack_commit(&st), CND_OK);
    assert_int_equal(cnd_pack_open(&pk, pack_buf, (uint32_t)len), CND_OK);

    cnd_engine_init(&eng, &st, &th.hal, NULL);
    assert_same_as_simulator(cnd_engine_screen(&eng), 0);
    kinds |= 1u << cnd_engine_screen(&eng)->kind; /* NO_SURVEY */
    cnd_engine_set_pack(&eng, &pk);
    /* Several interviews: a fixed opening, then pseudo-random keys biased
     * to move forward, in both languages; every screen at a few scroll
     * offsets. */
    for (step = 0; step < 3000; step++) {
        const cnd_screen_t *s = cnd_engine_screen(&eng);
        cnd_key_t key;
        for (off = 0; off < 4; off++)
            assert_same_as_simulator(s, off * 3);
        screens++;
        neutral += s->kind == CND_SCREEN_NEUTRAL;
        kinds |= 1u << s->kind;
        /* The port reports the consent's end as read once it was drawn
         * (above, before "I agree" is offered). */
        if (s->kind == CND_SCREEN_CONSENT && !eng.consent_seen) {
            cnd_engine_consent_seen(&eng);
            continue;
        }
        if (step % 600 < (int)(sizeof walk / sizeof walk[0])) {
            key = walk[step % 600];
        } else {
            lcg = lcg * 1664525u + 1013904223u;
            switch ((lcg >> 24) % 16) {
            case 0: case 1: case 2: key = CND_KEY_UP; break;
            case 3: case 4: case 5: case 6: key = CND_KEY_DOWN; break;
            case 7: key = CND_KEY_BACK; break;
            case 8: key = CND_KEY_LANG; break;
            default: key = CND_KEY_OK; break;
            }
            if (step % 600 == 599)
                key = CND_KEY_EXIT;
        }
        cnd_engine_key(&eng, key);
    }
    assert_true(screens == 3000);
    assert_true(neutral < 100); /* the walk left the clock each time */
    /* the walk went through every part of an interview */
    assert_int_equal(kinds & 0x3FEu,
                     (1u << CND_SCREEN_NO_SURVEY) | (1u << CND_SCREEN_HOME) |
                         (1u << CND_SCREEN_CONSENT) | (1u << CND_SCREEN_ITEM) |
                         (1u << CND_SCREEN_REVIEW) | (1u << CND_SCREEN_SAVED) |
                         (1u << CND_SCREEN_REFERRAL) | (1u << CND_SCREEN_NEUTRAL));
    assert_true(cnd_store_pending_count(&st) > 0); /* the walk saved interviews */
    cnd_ram_flash_free(&rf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spanish_accents_wrap_without_splitting_characters),
        cmocka_unit_test(a_word_longer_than_a_line_is_split_between_characters),
        cmocka_unit_test(lines_break_at_spaces_and_at_newlines),
        cmocka_unit_test(latin_accents_have_their_own_glyphs),
        cmocka_unit_test(unknown_characters_show_the_replacement_glyph),
        cmocka_unit_test(glyphs_are_real_bitmaps),
        cmocka_unit_test(the_cursor_option_is_always_on_screen),
        cmocka_unit_test(the_status_bar_shows_language_and_progress),
        cmocka_unit_test(only_a_clock_is_shown_after_quick_exit),
        cmocka_unit_test(a_long_consent_text_scrolls_with_arrows),
        cmocka_unit_test(every_interview_screen_matches_the_simulator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
