/* test_ili9341.c: the display driver against an emulated ILI9341 (command
 * decoder, address window and a 240x320 RGB565 picture memory): what the
 * respondent would see on the glass, and that the panel is woken and put
 * to sleep as its datasheet demands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "font.h"
#include "ili9341.h"
#include "text.h"

#define MAX_CMDS 256

typedef struct {
    cnd_spi_bus_t bus;
    int selected, dc, in_reset, backlight;
    uint32_t now;
    /* decoder */
    uint8_t cmd;
    uint32_t nparam;
    uint8_t param[4];
    uint16_t xs, xe, ys, ye, x, y;
    int have_hi;
    uint8_t hi;
    /* panel state */
    int awake, on, colmod, madctl;
    uint32_t last_slpout_ms, last_reset_ms;
    uint16_t ram[CND_ILI9341_H][CND_ILI9341_W];
    /* log */
    uint8_t cmds[MAX_CMDS];
    uint32_t cmd_ms[MAX_CMDS];
    uint32_t n_cmds, ramwr_count, pixels, violations;
} panel_t;

static panel_t panel;
static cnd_ili9341_t lcd;

static void pixel(panel_t *p, uint16_t c)
{
    if (p->y <= p->ye && p->x < CND_ILI9341_W && p->y < CND_ILI9341_H)
        p->ram[p->y][p->x] = c;
    p->pixels++;
    if (++p->x > p->xe) {
        p->x = p->xs;
        p->y++;
    }
}

static void data_byte(panel_t *p, uint8_t b)
{
    if (p->cmd == 0x2C) {
        if (!p->have_hi) {
            p->hi = b;
            p->have_hi = 1;
        } else {
            pixel(p, (uint16_t)((p->hi << 8) | b));
            p->have_hi = 0;
        }
        return;
    }
    if (p->nparam < 4)
        p->param[p->nparam] = b;
    p->nparam++;
    if (p->cmd == 0x2A && p->nparam == 4) {
        p->xs = (uint16_t)(p->param[0] << 8 | p->param[1]);
        p->xe = (uint16_t)(p->param[2] << 8 | p->param[3]);
    } else if (p->cmd == 0x2B && p->nparam == 4) {
        p->ys = (uint16_t)(p->param[0] << 8 | p->param[1]);
        p->ye = (uint16_t)(p->param[2] << 8 | p->param[3]);
    } else if (p->cmd == 0x3A && p->nparam == 1) {
        p->colmod = b;
    } else if (p->cmd == 0x36 && p->nparam == 1) {
        p->madctl = b;
    }
}

static void command_byte(panel_t *p, uint8_t c)
{
    p->cmd = c;
    p->nparam = 0;
    p->have_hi = 0;
    if (p->n_cmds < MAX_CMDS) {
        p->cmds[p->n_cmds] = c;
        p->cmd_ms[p->n_cmds] = p->now;
    }
    p->n_cmds++;
    /* datasheet: 5 ms after SLPOUT / reset before the next command */
    if (p->now - p->last_slpout_ms < 5 || p->now - p->last_reset_ms < 5)
        p->violations++;
    switch (c) {
    case 0x01:
        p->awake = 0;
        p->on = 0;
        p->colmod = 0x66;
        p->last_reset_ms = p->now;
        break;
    case 0x11:
        p->awake = 1;
        p->last_slpout_ms = p->now;
        break;
    case 0x10:
        p->awake = 0;
        break;
    case 0x29:
        p->on = 1;
        break;
    case 0x28:
        p->on = 0;
        break;
    case 0x2C:
        p->x = p->xs;
        p->y = p->ys;
        p->ramwr_count++;
        break;
    default:
        break;
    }
}

static void p_select(void *ctx, int on)
{
    ((panel_t *)ctx)->selected = on;
}

static cnd_status_t p_xfer(void *ctx, const uint8_t *tx, uint8_t *rx, uint32_t len)
{
    panel_t *p = ctx;
    uint32_t i;
    if (!p->selected || p->in_reset)
        p->violations++;
    for (i = 0; i < len; i++) {
        uint8_t b = tx != NULL ? tx[i] : 0xFF;
        if (rx != NULL)
            rx[i] = 0;
        if (p->dc)
            data_byte(p, b);
        else
            command_byte(p, b);
    }
    return CND_OK;
}

static uint32_t p_millis(void *ctx)
{
    return ((panel_t *)ctx)->now++;
}

static void p_dc(void *ctx, int data)
{
    ((panel_t *)ctx)->dc = data;
}

static void p_reset(void *ctx, int active)
{
    panel_t *p = ctx;
    if (p->in_reset && !active) {
        p->awake = 0;
        p->on = 0;
        p->last_reset_ms = p->now;
    }
    p->in_reset = active;
}

static void p_backlight(void *ctx, int on)
{
    ((panel_t *)ctx)->backlight = on;
}

static int setup(void **state)
{
    (void)state;
    memset(&panel, 0, sizeof panel);
    panel.last_slpout_ms = panel.last_reset_ms = (uint32_t)-1000;
    panel.now = 100;
    panel.bus.ctx = &panel;
    panel.bus.select = p_select;
    panel.bus.xfer = p_xfer;
    panel.bus.millis = p_millis;
    memset(&lcd, 0, sizeof lcd);
    lcd.bus = &panel.bus;
    lcd.pin_ctx = &panel;
    lcd.dc = p_dc;
    lcd.reset = p_reset;
    lcd.backlight = p_backlight;
    return 0;
}

static int index_of(uint8_t cmd, uint32_t from)
{
    uint32_t i;
    for (i = from; i < panel.n_cmds && i < MAX_CMDS; i++)
        if (panel.cmds[i] == cmd)
            return (int)i;
    return -1;
}

static void init_wakes_the_panel_in_16_bit_colour(void **state)
{
    int sw, so, on;
    (void)state;
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    sw = index_of(0x01, 0);
    so = index_of(0x11, 0);
    on = index_of(0x29, 0);
    assert_true(sw >= 0 && so > sw && on > so);
    /* 120 ms after the reset before sleep out; 5 ms before anything else */
    assert_true(panel.cmd_ms[so] - panel.cmd_ms[sw] >= 120);
    assert_true(panel.cmd_ms[so + 1] - panel.cmd_ms[so] >= 120);
    assert_int_equal(panel.violations, 0);
    assert_int_equal(panel.colmod, 0x55);
    assert_int_equal(panel.madctl, 0x48);
    assert_true(panel.awake && panel.on && panel.backlight);
    /* the whole glass was cleared to the background */
    assert_int_equal(panel.pixels, CND_ILI9341_W * CND_ILI9341_H);
    assert_int_equal(panel.ram[0][0], 0xFFFF);
    assert_int_equal(panel.ram[319][239], 0xFFFF);
}

static cnd_str_t str(const char *z)
{
    cnd_str_t s;
    s.ptr = z;
    s.len = (uint16_t)strlen(z);
    return s;
}

static void fill_text(cnd_text_frame_t *f, int r, const char *utf8)
{
    uint32_t i = 0, n = (uint32_t)strlen(utf8);
    int c = 0;
    while (i < n && c < CND_TEXT_COLS)
        f->glyph[r][c++] = cnd_font_glyph(cnd_utf8_next(utf8, n, &i));
}

/* The 8x16 cell (r, c) on the glass shows glyph g in colours fg on bg. */
static void assert_cell(int r, int c, uint8_t g, uint16_t fg, uint16_t bg)
{
    const uint8_t *bm = cnd_font_bitmap(g);
    int py, bit;
    for (py = 0; py < 16; py++)
        for (bit = 0; bit < 8; bit++)
            assert_int_equal(panel.ram[r * 16 + py][c * 8 + bit],
                             (bm[py] & (0x80 >> bit)) ? fg : bg);
}

static void a_text_row_shows_its_glyphs_in_its_16_pixel_band(void **state)
{
    static cnd_text_frame_t f;
    int c;
    (void)state;
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    memset(f.glyph, cnd_font_glyph(' '), sizeof f.glyph);
    fill_text(&f, 3, "¿Señora, cuántas horas?");
    assert_int_equal(cnd_ili9341_draw_row(&lcd, &f, 3), CND_OK);
    for (c = 0; c < CND_TEXT_COLS; c++)
        assert_cell(3, c, f.glyph[3][c], 0x0000, 0xFFFF);
    /* the ñ really is drawn: not blank, not the replacement glyph */
    assert_int_not_equal(f.glyph[3][3], cnd_font_replacement);
    /* rows above and below untouched (still the cleared background) */
    assert_int_equal(panel.ram[47][0], 0xFFFF);
    assert_int_equal(panel.ram[64][100], 0xFFFF);
    assert_int_equal(cnd_ili9341_draw_row(&lcd, &f, CND_TEXT_ROWS), CND_E_RANGE);
}

static void the_cursor_row_is_drawn_inverted(void **state)
{
    static cnd_text_frame_t f;
    int c;
    (void)state;
    lcd.fg = CND_RGB565(255, 255, 255);
    lcd.bg = CND_RGB565(0, 0, 128);
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    memset(f.glyph, cnd_font_glyph(' '), sizeof f.glyph);
    fill_text(&f, 19, "> Sí");
    f.invert[19] = 1;
    assert_int_equal(cnd_ili9341_draw_frame(&lcd, &f, NULL), CND_OK);
    for (c = 0; c < CND_TEXT_COLS; c++)
        assert_cell(19, c, f.glyph[19][c], lcd.bg, lcd.fg);
    assert_cell(18, 0, f.glyph[18][0], lcd.fg, lcd.bg);
    assert_int_equal(panel.ram[319][239], lcd.fg); /* inverted background */
}

static void only_changed_rows_are_sent_again(void **state)
{
    static cnd_text_frame_t f, shown;
    cnd_screen_t s;
    uint32_t before;
    (void)state;
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    memset(&s, 0, sizeof s);
    s.kind = CND_SCREEN_ITEM;
    s.title = str("¿Le pagan a tiempo?");
    s.n_options = 2;
    s.options[0] = str("Sí");
    s.options[1] = str("No");
    cnd_text_render(&s, 0, &f);
    before = panel.ramwr_count;
    assert_int_equal(cnd_ili9341_draw_frame(&lcd, &f, NULL), CND_OK);
    assert_int_equal(panel.ramwr_count - before, CND_TEXT_ROWS);
    memcpy(&shown, &f, sizeof f);
    before = panel.ramwr_count;
    assert_int_equal(cnd_ili9341_draw_frame(&lcd, &f, &shown), CND_OK);
    assert_int_equal(panel.ramwr_count, before); /* nothing changed, nothing sent */
    s.cursor = 1; /* DOWN: the two option rows change */
    cnd_text_render(&s, 0, &f);
    assert_int_equal(cnd_ili9341_draw_frame(&lcd, &f, &shown), CND_OK);
    assert_int_equal(panel.ramwr_count - before, 2);
    assert_memory_equal(&shown, &f, sizeof f);
    assert_cell(19, 0, cnd_font_glyph('>'), 0xFFFF, 0x0000);
}

/* A caller-drawn line: a colour from its coordinates, so that any swapped
 * byte, shifted pixel or repeated line shows. */
static void pattern_line(void *ctx, uint16_t *px, int y)
{
    int x;
    *(int *)ctx += 1;
    for (x = 0; x < CND_ILI9341_W; x++)
        px[x] = (uint16_t)((y * 241 + x * 7) ^ 0xA55A);
}

static void pixel_lines_reach_the_glass_as_drawn(void **state)
{
    int calls = 0, x, y;
    (void)state;
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    panel.pixels = 0;
    assert_int_equal(cnd_ili9341_draw_lines(&lcd, pattern_line, &calls), CND_OK);
    assert_int_equal(calls, CND_ILI9341_H);
    assert_int_equal(panel.pixels, CND_ILI9341_W * CND_ILI9341_H);
    for (y = 0; y < CND_ILI9341_H; y++)
        for (x = 0; x < CND_ILI9341_W; x++)
            assert_int_equal(panel.ram[y][x], (uint16_t)((y * 241 + x * 7) ^ 0xA55A));
    assert_int_equal(panel.violations, 0);
}

static void sleep_darkens_the_screen_and_wake_restores_it(void **state)
{
    int so;
    (void)state;
    assert_int_equal(cnd_ili9341_init(&lcd), CND_OK);
    assert_int_equal(cnd_ili9341_sleep(&lcd, 1), CND_OK);
    assert_int_equal(panel.backlight, 0);
    assert_int_equal(panel.on, 0);
    assert_int_equal(panel.awake, 0);
    panel.n_cmds = 0;
    assert_int_equal(cnd_ili9341_sleep(&lcd, 1), CND_OK); /* already asleep: nothing sent */
    assert_int_equal(panel.n_cmds, 0);
    assert_int_equal(cnd_ili9341_sleep(&lcd, 0), CND_OK);
    so = index_of(0x11, 0);
    assert_true(so >= 0);
    assert_true(panel.cmd_ms[so + 1] - panel.cmd_ms[so] >= 120);
    assert_true(panel.awake && panel.on && panel.backlight);
    assert_int_equal(panel.violations, 0);
    assert_int_equal(panel.ram[5][5], 0xFFFF); /* the picture survived the sleep */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(init_wakes_the_panel_in_16_bit_colour, setup),
        cmocka_unit_test_setup(a_text_row_shows_its_glyphs_in_its_16_pixel_band, setup),
        cmocka_unit_test_setup(the_cursor_row_is_drawn_inverted, setup),
        cmocka_unit_test_setup(only_changed_rows_are_sent_again, setup),
        cmocka_unit_test_setup(sleep_darkens_the_screen_and_wake_restores_it, setup),
        cmocka_unit_test_setup(pixel_lines_reach_the_glass_as_drawn, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
