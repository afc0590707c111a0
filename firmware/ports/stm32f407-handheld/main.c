/*
 * main.c: the Candor firmware on the reference handheld (STM32F407VET6
 * board, ILI9341 LCD, W25Q64JV NOR, six keys; README.md).
 *
 * Owns: wiring the unchanged core (store, engine, sync, USB device stack)
 * to this board: clocks and SysTick, the watchdog (started after boot,
 * kicked once per loop and before every internal-flash erase), the six keys (GPIOE 8-13,
 * debounced by keys.h) into the engine, the engine's screen onto the LCD
 * from the pack's pre-rendered text (screen_draw.h, one pixel line at a
 * time) or, for a pack without it and the admin, no-survey and clock
 * screens, through the text grid (text.h), the sync protocol over USB (OTG FS
 * behind usb_dcd.h, exactly the frames the simulator's socket and QEMU's
 * USART carry), and the hal: flash = the SPI NOR driver, random = the
 * TRNG, today = the RTC's day (rtc_day.h). The active survey pack is
 * mirrored into internal flash sectors 5-7 (pack_mirror.h), not held in RAM.
 * The core sleeps (WFI) whenever no key, USB event or redraw is pending;
 * SysTick (1 ms) wakes it for key sampling.
 *
 * Never: anything the engine or store decides; no survey logic; no
 * printing of answers anywhere (there is no debug console on this board).
 * RAM: 15,596 bytes of statics (`make firmware-size`: sync with its Mbed
 * TLS arena, USB stack 1,436, engine 1,688, store 1,224, the pre-rendered
 * screen 1,188 and its lookup 56, two text frames 1,244, LCD 508, OTG FS
 * 324, ...) and the 4 KiB stack board.ld reserves; no pack buffer.
 * `make firmware-size` measures it (README.md has the table).
 */
#include <string.h>

#include "cm4.h"
#include "engine.h"
#include "font.h"
#include "iflash.h"
#include "ili9341.h"
#include "keys.h"
#include "lowpower.h"
#include "pack.h"
#include "pack_mirror.h"
#include "rtc_day.h"
#include "screen_draw.h"
#include "spi_nor.h"
#include "startup.h"
#include "gpio.h"
#include "iwdg.h"
#include "rcc.h"
#include "regs.h"
#include "rng.h"
#include "otg_fs.h"
#include "spi.h"
#include "store.h"
#include "sync.h"
#include "systick.h"
#include "text.h"
#include "usb_dev.h"

/* Sectors 5-7 (three 128 KiB sectors, 0x08020000-0x0807FFFF, the last
 * 384 KiB of the STM32F407VET6 and present on every F407): the largest
 * pack (CND_MAX_PACK_SIZE, 380 KiB) and its header fit in three. board.ld
 * keeps the image out of them. */
extern const uint8_t cnd_pack_mirror_start[], cnd_pack_mirror_size[];
#define MIRROR_FIRST_SECTOR 5u
#define MIRROR_SECTORS 3u
typedef char cnd_mirror_holds_the_largest_pack
    [CND_MAX_PACK_SIZE + CND_PACK_MIRROR_CHUNK <= MIRROR_SECTORS * 131072u ? 1 : -1];

#define HSE_HZ 8000000u

/* Pins (README.md, "Wiring"). Keys: PE8..PE13 = up, down, ok, back, lang,
 * exit (cnd_key_t 1..6), active low with pull-ups. */
#define KEYS_PORT CND_GPIO_E
#define KEYS_FIRST_PIN 8u
#define KEYS_MASK 0x3Fu
#define NOR_SPI 1u /* PB3 SCK, PB4 MISO, PB5 MOSI, PB0 CS */
#define NOR_CS_PIN 0u
#define NOR_HZ 21000000u
#define NOR_PROG_SIZE 16u /* the store pads entries to it: 16 wastes least */
#define LCD_SPI 2u /* PB13 SCK, PB15 MOSI, PB12 CS, PB11 DC, PB10 RESET, PB1 backlight */
#define LCD_CS_PIN 12u
#define LCD_DC_PIN 11u
#define LCD_RESET_PIN 10u
#define LCD_BL_PIN 1u
#define LCD_HZ 21000000u
#define PIN_FAST 2u

/* The watchdog: longer than the slowest thing the loop waits for, a
 * 128 KiB sector erase (DS8626: 2 s max at x32), even with the LSI at the
 * fast end of its range; a mirror copy erasing three sectors kicks it
 * before each. */
#define WATCHDOG_MS 4000u
/* The display (and its backlight, the largest draw) sleeps after this
 * long without a key; the first key then only wakes it, except quick exit,
 * which always acts at once. */
#define DISPLAY_SLEEP_MS 60000u
#define RECLAIM_AFTER_KEYS_MS 2000u /* no erase stalls within 2 s of a key press */

static cnd_stm32_spi_dev_t g_nor_dev, g_lcd_dev;
static cnd_spi_bus_t g_nor_bus, g_lcd_bus;
static cnd_spi_nor_t g_nor;
static cnd_ili9341_t g_lcd;
static cnd_text_frame_t g_frame, g_shown;
static cnd_keys_t g_keys;
static cnd_stm32_iflash_t g_iflash;
static cnd_pack_mirror_t g_mirror;
static cnd_stm32_otg_fs_t g_otg;
static cnd_stm32_rng_t g_rng;
static cnd_usb_t g_usb;
static cnd_hal_t g_hal;
static cnd_store_t g_store;
static cnd_engine_t g_engine;
static cnd_sync_t g_sync;
static cnd_pack_t g_pack;
static int g_have_pack;
static volatile uint8_t g_redraw;
static int g_usb_clock_ok;
static int g_display_asleep;
static uint32_t g_last_key_ms;

void cnd_board_irq(unsigned n)
{
    if (n == CND_STM32_IRQ_OTG_FS)
        cnd_stm32_otg_fs_irq(&g_otg);
}

void cnd_board_fault(uint32_t exception, uint32_t pc)
{
    /* Nothing to report to on this board: stop, and let the watchdog
     * reset into a clean boot (the store survives any stop). */
    (void)exception;
    (void)pc;
    for (;;) {
    }
}

static void kick(void)
{
    cnd_iwdg_kick();
}

static uint32_t millis(void)
{
    return cnd_systick_ms();
}

/* hal.h: the engine times its key sequences and the admin PIN backoff
 * with uptime; the admin settings set the RTC's date. */
static uint32_t hal_uptime_ms(void *ctx)
{
    (void)ctx;
    return cnd_systick_ms();
}

static cnd_status_t hal_set_today(void *ctx, uint16_t day)
{
    (void)ctx;
    return day <= CND_RTC_DAY_MAX && cnd_rtc_day_set(day) == 0 ? CND_OK : CND_E_IO;
}

/* ---- screen ---- */

/* Port-side scrolling of a body text longer than the glass (consent,
 * referral): UP/DOWN that change nothing in the engine move it, by lines
 * of the pixel layout when the screen is pre-rendered, else of the grid. */
static int g_body_offset;
/* The active pack's pre-rendered text (atlases opened once) and the
 * current screen's blocks; g_pixels: the glass shows a pre-rendered
 * screen, so g_shown no longer says what is on it. */
static cnd_pack_lookup_t g_lookup;
static cnd_screen_draw_t g_sdraw;
static int g_pixels;

static void draw_line(void *ctx, uint16_t *px, int y)
{
    cnd_band_t band;
    (void)ctx;
    band.px = px;
    band.y0 = y;
    band.h = 1;
    cnd_screen_draw_band(&g_sdraw, &band);
}

/* A screen with pre-rendered text: 1 when drawn that way. */
static int show_prerendered(void)
{
    if (!cnd_screen_draw_prepare(&g_sdraw, cnd_engine_screen(&g_engine), cnd_pack_lookup,
                                 &g_lookup, g_body_offset, g_lcd.fg, g_lcd.bg))
        return 0;
    g_body_offset = cnd_screen_draw_offset(&g_sdraw);
    /* the consent's last pixel line is on the glass: "I agree" may be offered */
    if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_CONSENT &&
        g_body_offset >= g_sdraw.body_max && !g_engine.consent_seen) {
        cnd_engine_consent_seen(&g_engine);
        if (!cnd_screen_draw_prepare(&g_sdraw, cnd_engine_screen(&g_engine), cnd_pack_lookup,
                                     &g_lookup, g_body_offset, g_lcd.fg, g_lcd.bg))
            return 0;
    }
    (void)cnd_ili9341_draw_lines(&g_lcd, draw_line, NULL);
    g_pixels = 1;
    return 1;
}

static void show(void)
{
    if (show_prerendered())
        return;
    cnd_text_render(cnd_engine_screen(&g_engine), g_body_offset, &g_frame);
    g_body_offset = g_frame.body_offset;
    /* The consent's last line is on the glass: "I agree" may be offered. */
    if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_CONSENT &&
        g_frame.body_offset >= g_frame.body_max && !g_engine.consent_seen) {
        cnd_engine_consent_seen(&g_engine);
        cnd_text_render(cnd_engine_screen(&g_engine), g_body_offset, &g_frame);
        g_body_offset = g_frame.body_offset;
    }
    if (g_pixels) {
        /* after pixels every row differs from what g_shown remembers */
        (void)cnd_ili9341_draw_frame(&g_lcd, &g_frame, NULL);
        g_shown = g_frame;
        g_pixels = 0;
        return;
    }
    (void)cnd_ili9341_draw_frame(&g_lcd, &g_frame, &g_shown);
}

/* One key: to the engine; when it changed nothing (cursor on the first or
 * last option), UP/DOWN scroll the body text instead, as on the simulator. */
static void press(cnd_key_t key)
{
    static cnd_screen_t before; /* static: the main stack stays small */
    const cnd_screen_t *after;
    memcpy(&before, cnd_engine_screen(&g_engine), sizeof before);
    cnd_engine_key(&g_engine, key);
    after = cnd_engine_screen(&g_engine);
    if (after->kind != before.kind || after->item != before.item || after->lang != before.lang)
        g_body_offset = 0;
    else if (memcmp(after, &before, sizeof before) == 0 && key == CND_KEY_UP && g_body_offset > 0)
        g_body_offset--;
    else if (memcmp(after, &before, sizeof before) == 0 && key == CND_KEY_DOWN &&
             g_body_offset < (g_sdraw.prerendered ? g_sdraw.body_max : g_frame.body_max))
        g_body_offset++;
}

/* A boot failure the user must see: two lines on the glass, then stop
 * (the watchdog does not run yet, so the message stays, no reset loop). */
static void halt_with(const char *what, const char *why)
{
    uint32_t r, c;
    const char *lines[2];
    lines[0] = what;
    lines[1] = why;
    memset(&g_frame, 0, sizeof g_frame);
    for (r = 0; r < CND_TEXT_ROWS; r++)
        for (c = 0; c < CND_TEXT_COLS; c++)
            g_frame.glyph[r][c] = cnd_font_glyph(' ');
    for (r = 0; r < 2; r++)
        for (c = 0; lines[r] != NULL && lines[r][c] != '\0' && c < CND_TEXT_COLS; c++)
            g_frame.glyph[2u + r][c] = cnd_font_glyph((uint8_t)lines[r][c]);
    (void)cnd_ili9341_draw_frame(&g_lcd, &g_frame, NULL);
    for (;;)
        cnd_wait_for_interrupt();
}

/* ---- the core's callbacks ---- */

static void load_active_pack(void)
{
    /* No buffer: the store opens the pack through the internal-flash mirror. */
    g_have_pack = cnd_store_open_active_pack(&g_store, NULL, 0, &g_pack) == CND_OK;
    cnd_pack_lookup_init(&g_lookup, g_have_pack ? &g_pack : NULL);
}

static int sync_busy(void *ctx)
{
    (void)ctx;
    return cnd_engine_busy(&g_engine);
}

static void sync_pack_activated(void *ctx)
{
    (void)ctx;
    load_active_pack();
    cnd_engine_set_pack(&g_engine, g_have_pack ? &g_pack : NULL);
    g_redraw = 1;
}

/* ---- boot ---- */

/* ---- board pins and the LCD's extra lines ---- */

static void lcd_dc(void *ctx, int data)
{
    (void)ctx;
    cnd_gpio_write(CND_GPIO_B, LCD_DC_PIN, data);
}

static void lcd_reset(void *ctx, int active)
{
    (void)ctx;
    cnd_gpio_write(CND_GPIO_B, LCD_RESET_PIN, !active);
}

static void lcd_backlight(void *ctx, int on)
{
    (void)ctx;
    cnd_gpio_write(CND_GPIO_B, LCD_BL_PIN, on);
}

static void spi_pin(unsigned pin)
{
    cnd_gpio_config(CND_GPIO_B, pin, CND_GPIO_ALT, CND_GPIO_NOPULL, PIN_FAST, CND_STM32_SPI_AF, 0);
}

static void boot_board(void)
{
    unsigned i;
    /* A crystal that does not start leaves the chip on its RC oscillator,
     * too imprecise for USB: the handheld still works, but cannot sync. */
    g_usb_clock_ok = cnd_stm32_clock_init(HSE_HZ) == CND_OK;
    cnd_systick_start(CND_STM32_SYSCLK_HZ);
    for (i = 0; i < 6u; i++)
        cnd_gpio_config(KEYS_PORT, KEYS_FIRST_PIN + i, CND_GPIO_INPUT, CND_GPIO_PULLUP, 0, 0, 0);
    spi_pin(3);
    spi_pin(4);
    spi_pin(5);
    spi_pin(13);
    spi_pin(15);
    for (i = 0; i < 3u; i++) {
        static const uint8_t out[3] = {LCD_DC_PIN, LCD_RESET_PIN, LCD_BL_PIN};
        cnd_gpio_config(CND_GPIO_B, out[i], CND_GPIO_OUTPUT, CND_GPIO_NOPULL, PIN_FAST, 0, 0);
    }
    (void)cnd_stm32_spi_init(NOR_SPI);
    (void)cnd_stm32_spi_init(LCD_SPI);
    cnd_stm32_spi_device(&g_nor_dev, NOR_SPI, CND_GPIO_B, NOR_CS_PIN, NOR_HZ, millis, &g_nor_bus);
    cnd_stm32_spi_device(&g_lcd_dev, LCD_SPI, CND_GPIO_B, LCD_CS_PIN, LCD_HZ, millis, &g_lcd_bus);
    g_lcd.bus = &g_lcd_bus;
    g_lcd.dc = lcd_dc;
    g_lcd.reset = lcd_reset;
    g_lcd.backlight = lcd_backlight;
    g_lcd.fg = CND_RGB565(0xFF, 0xFF, 0xFF);
    g_lcd.bg = CND_RGB565(0, 0, 0);
    cnd_irq_enable();
}

static void boot_core(void)
{
    cnd_sync_config_t cfg;
    cnd_status_t st;

    if (cnd_ili9341_init(&g_lcd) != CND_OK) {
        /* No display: nothing can be shown or done; stop. */
        for (;;)
            cnd_wait_for_interrupt();
    }
    st = cnd_spi_nor_probe(&g_nor, &g_nor_bus);
    if (st == CND_OK)
        st = cnd_spi_nor_flash(&g_nor, NOR_PROG_SIZE, &g_hal.flash);
    if (st != CND_OK)
        halt_with("Storage chip not usable:", g_nor.why);
    cnd_stm32_rng_init(&g_rng);
    g_hal.ctx = &g_rng;
    g_hal.random = cnd_stm32_rng_read;
    g_hal.today = cnd_rtc_day_today;
    g_hal.uptime_ms = hal_uptime_ms;
    g_hal.set_today = hal_set_today;
    st = cnd_store_mount(&g_store, &g_hal);
    if (st != CND_OK)
        halt_with("Storage refused:", cnd_status_str(st));

    cnd_stm32_iflash_init(&g_iflash, MIRROR_FIRST_SECTOR, MIRROR_SECTORS,
                          (uint32_t)(uintptr_t)cnd_pack_mirror_start,
                          (uint32_t)(uintptr_t)cnd_pack_mirror_size, kick);
    cnd_pack_mirror_init(&g_mirror, &g_iflash.ops, &g_hal.flash);
    cnd_store_set_pack_window(&g_store, cnd_pack_mirror_window, &g_mirror);
    load_active_pack();

    cnd_engine_init(&g_engine, &g_store, &g_hal, g_have_pack ? &g_pack : NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &g_store;
    cfg.busy = sync_busy;
    cfg.pack_activated = sync_pack_activated;
    cnd_sync_init(&g_sync, &cfg);
    cnd_stm32_otg_fs_init(&g_otg, millis, 0);
    cnd_usb_init(&g_usb, &g_otg.dcd, &g_sync, cnd_store_device_id(&g_store));
    cnd_stm32_otg_fs_start(&g_otg, &g_usb);
    /* Without the crystal the USB clock is off by up to 1 %: stay detached
     * rather than corrupt packets; the interview side works regardless. */
    if (g_usb_clock_ok)
        cnd_usb_connect(&g_usb, 1);
    cnd_keys_init(&g_keys, CND_KEYS_DEFAULT_REPEAT);
    g_redraw = 1;
}

/* ---- the loop ---- */

static void sample_keys(uint32_t now)
{
    uint32_t idr = cnd_gpio_read(KEYS_PORT);
    cnd_keys_sample(&g_keys, (uint8_t)(~idr >> KEYS_FIRST_PIN) & KEYS_MASK, now);
}

/* Work for the loop: events the USB interrupt recorded that cnd_usb_task
 * has not handled, a SysTick since the last key sample, or a redraw. */
static int has_work(void *ctx)
{
    uint32_t last = *(const uint32_t *)ctx;
    return g_usb.ev_flags != 0 || g_usb.ev_out != 0 || g_usb.ev_in != 0 ||
           cnd_systick_ms() != last || (g_redraw && !g_display_asleep);
}

int main(void)
{
    uint32_t last_ms;
    boot_board();
    boot_core();
    /* Only now: mounting a nearly full 8 MiB log and a first mirror copy
     * can take seconds, and a watchdog firing there would reset the board
     * into the same long boot forever. From here no step is that long. */
    cnd_iwdg_start(WATCHDOG_MS);
    last_ms = cnd_systick_ms();
    g_last_key_ms = last_ms;
    for (;;) {
        uint32_t now;
        int key;
        kick();
        cnd_usb_task(&g_usb);
        now = cnd_systick_ms();
        if (now != last_ms) {
            last_ms = now;
            sample_keys(now);
        }
        while ((key = cnd_keys_next(&g_keys)) != 0) {
            g_last_key_ms = now;
            if (g_display_asleep) {
                g_display_asleep = 0;
                (void)cnd_ili9341_sleep(&g_lcd, 0);
                g_redraw = 1;
                if (key != CND_KEY_EXIT)
                    continue;
            }
            press((cnd_key_t)key);
            g_redraw = 1;
        }
        if (g_redraw && !g_display_asleep) {
            g_redraw = 0;
            show();
        }
        if (!g_display_asleep && now - g_last_key_ms >= DISPLAY_SLEEP_MS) {
            g_display_asleep = 1;
            (void)cnd_ili9341_sleep(&g_lcd, 1);
        }
        /* Erase what an ACK freed, one block per pass (the space already
         * counts as free): a sector erase stalls the loop up to 400 ms, so
         * not while someone is pressing keys. Costs nothing when there is
         * nothing to erase. */
        if (now - g_last_key_ms >= RECLAIM_AFTER_KEYS_MS) {
            int more = 0;
            (void)cnd_store_reclaim_step(&g_store, &more); /* a failure is retried later */
        }
        /* The NOR chip sleeps (deep power-down) whenever the loop does; its
         * driver wakes it before the next command. */
        if (!g_nor.asleep)
            (void)cnd_spi_nor_sleep(&g_nor);
        /* WFI until SysTick (1 ms, key sampling) or USB wakes the core. */
        cnd_stm32_idle(has_work, &last_ms);
    }
}
