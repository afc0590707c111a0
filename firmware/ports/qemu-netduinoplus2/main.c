/*
 * main.c: the Candor firmware on QEMU's netduinoplus2 (STM32F405, Cortex-M4).
 *
 * Owns: wiring the unchanged core (store, engine, sync) to this board:
 * USART1 = console (keys in, screens out, as text: console.h), USART2 = the
 * sync link (the same frames as USB; `candor --device tcp:HOST:PORT`), the
 * flash chip in a host file over semihosting (host_flash.h), the day from
 * the host clock over semihosting, and a TEST-ONLY seeded random source
 * (test_rng.h: QEMU has no TRNG). Boot: banner, wait for "seed HEX",
 * self-test (selftest.h), mount, then one loop that serves console and
 * link and sleeps (WFI) when neither has bytes.
 *
 * Console commands besides the six keys: "screen" (print it again),
 * "stack" (bytes of stack never used so far), "quit" (close the flash file
 * and end QEMU through semihosting, status 0).
 *
 * Never: anything the handheld would not do with its keys and USB; no
 * survey logic. RAM: the core's static state (pack buffer 64 KiB, sync
 * ~12.9 KiB, engine, store) plus two 264-byte USART rings; see
 * `make firmware-size`.
 */
#include <string.h>

#include "cm4.h"
#include "console.h"
#include "engine.h"
#include "host_flash.h"
#include "pack.h"
#include "pscreen_check.h"
#include "selftest.h"
#include "semihost.h"
#include "startup.h"
#include "store.h"
#include "sync.h"
#include "systick.h"
#include "test_rng.h"
#include "usart.h"
#include "version.h"

/* QEMU runs the core at whatever speed; these only set divisors. */
#define CPU_HZ 168000000u
#define PCLK_HZ 84000000u
#define BAUD 115200u
#define FLASH_FILE "candor-flash.bin"
#define EPOCH_2020 1577836800u
#define LINE_MAX 80u

static cnd_usart_t g_console_uart, g_link_uart;
static cnd_host_flash_t g_host_flash;
static cnd_hal_t g_hal;
static cnd_store_t g_store;
static cnd_engine_t g_engine;
static cnd_sync_t g_sync;
static cnd_pack_t g_pack;
static int g_have_pack;
/* QEMU models no writable internal flash, so this board cannot mirror the
 * pack like the handheld (pack_mirror.h) and keeps it in RAM instead, as
 * large as a slot of its 1 MiB flash file (1/16 of it, SPEC 4.1): 64 KiB,
 * room for the default survey with its pre-rendered text. Lent to the
 * store, the buffer also caps what a push may install (pack_begin refuses
 * a longer pack with CND_E_NOSPACE). */
#define PACK_BUF_LEN (CND_HOST_FLASH_BLOCK_SIZE * CND_HOST_FLASH_BLOCK_COUNT / 16u)
static uint8_t g_pack_buf[PACK_BUF_LEN];
static uint8_t g_reply[CND_SYNC_REPLY_MAX];

void cnd_board_irq(unsigned n)
{
    if (n == CND_USART1_IRQ)
        cnd_usart_irq(&g_console_uart);
    else if (n == CND_USART2_IRQ)
        cnd_usart_irq(&g_link_uart);
}

void cnd_board_fault(uint32_t exception, uint32_t pc)
{
    cnd_console_puts("FAULT exception=");
    cnd_console_u32(exception);
    cnd_console_puts(" pc=0x");
    cnd_console_hex32(pc);
    cnd_console_puts("\n");
    cnd_semihost_exit(0);
}

static int32_t g_day_offset; /* admin "set date": days over the host clock */

static uint16_t host_day(void)
{
    uint32_t now = cnd_semihost_time();
    if (now < EPOCH_2020)
        return 0;
    now = (now - EPOCH_2020) / 86400u;
    return now > 65535u ? 65535u : (uint16_t)now;
}

static uint16_t today(void *ctx)
{
    int32_t day = (int32_t)host_day() + g_day_offset;
    (void)ctx;
    return day < 0 ? 0 : (day > 65535 ? 65535 : (uint16_t)day);
}

static cnd_status_t set_today(void *ctx, uint16_t day)
{
    (void)ctx;
    g_day_offset = (int32_t)day - (int32_t)host_day();
    return CND_OK;
}

static uint32_t uptime_ms(void *ctx)
{
    (void)ctx;
    return cnd_systick_ms();
}

/* The neutral screen's clock: the host's UTC time of day (no time zone). */
static uint32_t clock_s(void *ctx)
{
    (void)ctx;
    return cnd_semihost_time() % 86400u;
}

static void show_screen(void)
{
    /* The console prints the whole consent at once: all of it is on screen. */
    if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_CONSENT)
        cnd_engine_consent_seen(&g_engine);
    cnd_console_screen(cnd_engine_screen(&g_engine), g_have_pack ? &g_pack : NULL);
}

static void load_active_pack(void)
{
    cnd_status_t st = cnd_store_open_active_pack(&g_store, g_pack_buf, sizeof g_pack_buf, &g_pack);
    g_have_pack = 0;
    if (st == CND_OK)
        g_have_pack = 1;
    else if (st != CND_E_NO_SURVEY) {
        cnd_console_puts("EVENT pack-unusable ");
        cnd_console_puts(cnd_status_str(st));
        cnd_console_puts("\n");
    }
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
    cnd_console_puts("EVENT pack-activated fp=");
    cnd_console_hex32(g_have_pack ? g_pack.fingerprint : 0);
    cnd_console_puts("\n");
    show_screen();
}

/* Reads one console line (blocking, sleeping between bytes). */
static uint32_t read_line(char *line, uint32_t cap)
{
    uint32_t n = 0;
    for (;;) {
        uint8_t c;
        cnd_irq_disable();
        if (!cnd_usart_rx_pending(&g_console_uart))
            cnd_wait_for_interrupt();
        cnd_irq_enable();
        while (cnd_usart_read(&g_console_uart, &c, 1) == 1) {
            if (c == '\n') {
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                return n;
            }
            if (n + 1 < cap)
                line[n++] = (char)c;
        }
    }
}

static void wait_for_seed(void)
{
    char line[LINE_MAX];
    for (;;) {
        uint32_t n;
        cnd_console_puts("SEED? (test-only random source: send 'seed <32 hex digits>')\n");
        n = read_line(line, sizeof line);
        if (n > 5 && memcmp(line, "seed ", 5) == 0 && cnd_test_rng_seed(line + 5, n - 5) == 0)
            return;
    }
}

static int boot(void)
{
    cnd_status_t st;
    uint32_t checks = 0;
    const char *failed;
    cnd_sync_config_t cfg;

    failed = cnd_selftest_run(g_pack_buf, sizeof g_pack_buf, &checks);
    cnd_console_puts(failed == NULL ? "SELFTEST PASS checks=" : "SELFTEST FAIL check=");
    if (failed == NULL)
        cnd_console_u32(checks);
    else
        cnd_console_puts(failed);
    cnd_console_puts("\n");
    if (failed != NULL)
        return -1;
    /* a test screen of pre-rendered text, when tests/qemu left one */
    switch (cnd_pscreen_check(g_pack_buf, sizeof g_pack_buf)) {
    case 1: cnd_console_puts("PSCREEN DRAWN lines=320\n"); break;
    case -1: cnd_console_puts("PSCREEN FAIL\n"); break;
    default: break;
    }

    st = cnd_host_flash_open(&g_host_flash, FLASH_FILE, CND_HOST_FLASH_BLOCK_SIZE,
                             CND_HOST_FLASH_BLOCK_COUNT, CND_HOST_FLASH_PROG_SIZE, &g_hal.flash);
    g_hal.ctx = NULL;
    g_hal.random = cnd_test_rng_random;
    g_hal.today = today;
    g_hal.set_today = set_today;
    g_hal.uptime_ms = uptime_ms;
    g_hal.clock_s = clock_s;
    if (st == CND_OK)
        st = cnd_store_mount(&g_store, &g_hal);
    if (st != CND_OK) {
        cnd_console_puts("MOUNT FAIL ");
        cnd_console_puts(cnd_status_str(st));
        cnd_console_puts("\n");
        return -1;
    }
    /* No second 64 KiB buffer: the store verifies a pushed pack in ours. */
    cnd_store_set_pack_buffer(&g_store, g_pack_buf, sizeof g_pack_buf);
    load_active_pack();
    cnd_engine_init(&g_engine, &g_store, &g_hal, g_have_pack ? &g_pack : NULL);
    memset(&cfg, 0, sizeof cfg);
    cfg.store = &g_store;
    cfg.busy = sync_busy;
    cfg.pack_activated = sync_pack_activated;
    cnd_sync_init(&g_sync, &cfg);
    cnd_console_puts("READY\n");
    show_screen();
    return 0;
}

static void quit(void)
{
    cnd_host_flash_close(&g_host_flash);
    cnd_console_puts("BYE\n");
    cnd_semihost_exit(1);
}

static void console_line(const char *line, uint32_t n)
{
    cnd_key_t key = cnd_console_key(line, n);
    if (key != 0) {
        cnd_engine_key(&g_engine, key);
        show_screen();
    } else if (n == 6 && memcmp(line, "screen", 6) == 0) {
        show_screen();
    } else if (n == 5 && memcmp(line, "stack", 5) == 0) {
        cnd_console_puts("STACK unused=");
        cnd_console_u32(cnd_stack_unused());
        cnd_console_puts("\n");
    } else if (n == 4 && memcmp(line, "quit", 4) == 0) {
        quit();
    } else if (n > 0) {
        cnd_console_puts("ERR unknown command; keys: up down ok back lang exit\n");
    }
}

/* Hands the link's bytes to the sync core; sends each reply frame. */
static void serve_link(void)
{
    uint8_t in[64];
    size_t n = cnd_usart_read(&g_link_uart, in, sizeof in), off = 0;
    while (off < n) {
        size_t reply_len = 0;
        size_t used = cnd_sync_input(&g_sync, in + off, n - off, g_reply, sizeof g_reply,
                                     &reply_len);
        off += used;
        if (reply_len > 0)
            cnd_usart_write(&g_link_uart, g_reply, reply_len);
        if (used == 0)
            break;
    }
}

int main(void)
{
    static char line[LINE_MAX];
    uint32_t n = 0;

    cnd_usart_init(&g_console_uart, CND_USART1_BASE, PCLK_HZ, BAUD);
    cnd_usart_init(&g_link_uart, CND_USART2_BASE, PCLK_HZ / 2u, BAUD);
    cnd_console_init(&g_console_uart);
    cnd_nvic_enable(CND_USART1_IRQ);
    cnd_nvic_enable(CND_USART2_IRQ);
    cnd_systick_start(CPU_HZ);
    cnd_irq_enable();

    cnd_console_puts("CANDOR BOOT board=qemu-netduinoplus2 firmware=" CND_FIRMWARE_VERSION "\n");
    wait_for_seed();
    if (boot() != 0)
        cnd_semihost_exit(0);

    for (;;) {
        uint8_t c;
        int more = 0;
        /* Idle: erase one flash block an ACK freed (nothing when none). */
        if (!cnd_usart_rx_pending(&g_console_uart) && !cnd_usart_rx_pending(&g_link_uart))
            (void)cnd_store_reclaim_step(&g_store, &more);
        cnd_irq_disable();
        if (!more && !cnd_usart_rx_pending(&g_console_uart) && !cnd_usart_rx_pending(&g_link_uart))
            cnd_wait_for_interrupt();
        cnd_irq_enable();
        if (cnd_usart_rx_pending(&g_link_uart))
            serve_link();
        while (cnd_usart_read(&g_console_uart, &c, 1) == 1) {
            if (c == '\n') {
                if (n > 0 && line[n - 1] == '\r')
                    n--;
                console_line(line, n);
                n = 0;
            } else if (n + 1 < sizeof line) {
                line[n++] = (char)c;
            }
        }
    }
}
