/*
 * main.c: candor-sim, the handheld simulated on a PC.
 *
 *   candor-sim --flash FILE [--flash-size SIZE] [--socket PATH] [--keys SCRIPT|-]
 *              [--screen-log FILE] [--exit-when-done]
 *              [--link-fault KIND@N[:ARG]] [--disconnect-after-frames N]
 *              [--flash-fault SPEC]
 *
 * Owns: wiring the unchanged device core (store, engine, sync) to PC stand-
 * ins: a file for the flash chip (flash_file.h), getrandom() and the UTC day
 * (sim_hal.h), a Unix socket for USB (sim_link.h), the terminal or a key
 * script for the keypad (sim_keys.h) and the terminal or a log file for the
 * display (sim_screen.h). One poll() loop serves link and keys, like the
 * firmware's main loop.
 *
 * Never: does anything the firmware would not: no survey logic, no storage
 * format, no protocol knowledge of its own. It only moves bytes and keys.
 * RAM: the same static core state as the device plus host-side buffers.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "flash_fault.h"
#include "flash_file.h"
#include "link_fault.h"
#include "pack.h"
#include "sim_hal.h"
#include "sim_keys.h"
#include "sim_link.h"
#include "sim_screen.h"
#include "sim_window.h"
#include "fb_png.h"
#include "ptext_draw.h"
#include "screen_draw.h"
#include "text.h"
#include "store.h"
#include "sync.h"

#define SIM_VERSION "0.1.0"
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_POWER_CUT 3 /* --flash-fault cut: the device lost power */

typedef struct {
    const char *flash_path;
    uint32_t flash_blocks; /* --flash-size in blocks, 0 = the file's size or the default */
    const char *socket_path;
    const char *listen_spec; /* --listen tcp:HOST:PORT, else the Unix socket */
    const char *keys; /* file, "-" for stdin, NULL for none */
    const char *screen_log;
    const char *screenshot_dir; /* --screenshot DIR: a PNG of each new screen */
    int exit_when_done;
    cnd_lf_spec_t link_fault; /* kind NONE = off */
    const char *flash_fault;  /* flash_fault.h spec, NULL = off */
    uint16_t batch_max;       /* 0 = CND_BATCH_MAX_RESPONSES */
} sim_options_t;

/* The device's state: static, as on the handheld. */
static cnd_flash_file_t g_flash_file;
static cnd_flash_fault_t g_flash_fault; /* between the file chip and the core, if asked */
static int g_flash_fault_on;
static cnd_hal_t g_hal;
static cnd_store_t g_store;
static uint16_t g_batch_max; /* --batch-max, 0 = the protocol's maximum */
static int g_reclaim_more = 1; /* acknowledged flash blocks may wait for an erase */
static cnd_engine_t g_engine;
static cnd_sync_t g_sync;
static cnd_pack_t g_pack;
static int g_have_pack;
static uint8_t g_pack_buf[CND_MAX_PACK_SIZE];

/* The PC side. */
static cnd_sim_link_t g_link = {-1, -1, "", ""};
static cnd_sim_script_t g_script;
static FILE *g_screen_log;
static int g_draw_tty;
static int g_raw_tty;
static struct termios g_saved_tty;
static cnd_sim_frame_t g_last_frame;
static char g_last_footer[512];
static int g_drawn;
/* Port-side scrolling of a long body text: lines of the pixel layout when
 * the screen is drawn from pre-rendered text (what the respondent sees
 * decides when the consent has been read), else of the text grid. The
 * text view and the screen log clamp it to the grid's own range. */
static int g_body_offset;
static cnd_pack_lookup_t g_lookup;  /* the active pack's pre-rendered text */
static cnd_screen_draw_t g_sdraw;   /* the current screen's blocks, when it has them */
static int g_drawn_offset = -1;     /* the pixel offset the panel shows */
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: candor-sim --flash FILE [--flash-size SIZE]\n"
            "                  [--socket PATH | --listen tcp:HOST:PORT] [--keys SCRIPT|-]\n"
            "                  [--screen-log FILE] [--screenshot DIR] [--exit-when-done]\n"
            "                  [--link-fault KIND@N[:ARG]] [--disconnect-after-frames N]\n"
            "                  [--flash-fault SPEC] [--batch-max N]\n\n"
            "Runs the Candor handheld firmware on this PC. The flash chip is FILE\n"
            "(created blank if missing: --flash-size SIZE bytes, K or M for KiB or\n"
            "MiB, e.g. 8M for the reference handheld's chip, default %u blocks of %u\n"
            "bytes; an existing FILE's size is the chip's, a whole number of blocks).\n"
            "The chip's size sets its pack slots when it is formatted: 1/16 of it,\n"
            "32 KiB to 380 KiB (formats/SPEC.md 4.1). The USB link is a Unix\n"
            "socket (default $CANDOR_SIM_DIR/<pid>.sock, CANDOR_SIM_DIR defaulting to\n"
            "/tmp/candor-sim; the folders of PATH are created) that `candor --device\n"
            "sim:PATH` talks to; --listen tcp:127.0.0.1:PORT listens on TCP loopback\n"
            "instead, for a candor that has no Unix sockets (candor.exe, `--device\n"
            "tcp:127.0.0.1:PORT`; PORT 0 takes a free port, shown in the \"serving\" line).\n\n"
            "Run in a terminal with a display (DISPLAY or WAYLAND_DISPLAY), it also\n"
            "shows the 240x320 panel, drawn by the handheld's drivers, in a window.\n"
            "Keys on a terminal or in the window: arrows move, Enter = OK, Backspace = back,\n"
            "l = next language, x or Esc = quick exit (a clock; up up down down Enter\n"
            "within 5 s brings the survey back), Ctrl-C = stop the simulator.\n"
            "Down on the last option (up on the first) scrolls a text that is longer\n"
            "than the display, such as the consent.\n"
            "A key script (--keys) holds the words up, down, ok, back, lang, exit\n"
            "(down*3 repeats), wait-survey, expect KIND [ITEM], sleep MS; '#' comments.\n"
            "--screen-log appends every new screen as text after a line like\n"
            "\"SCREEN ITEM item=3 name=origin lang=es cursor=0 ...\" (cursor=none while\n"
            "no option is highlighted), and \"SCRIPT DONE\"\n"
            "when the key script has run. --screenshot DIR writes DIR/NNNN-KIND.png,\n"
            "the 240x320 panel as the handheld's drivers draw it, for each new screen.\n"
            "--exit-when-done exits when the script has run; otherwise the\n"
            "link is served until SIGTERM/SIGINT.\n\n"
            "Fault injection for tests, once per run: --link-fault KIND@N[:ARG] hits\n"
            "frame N, counting frames in both directions from 1 (odd: host to device,\n"
            "even: replies). KIND: drop, truncate[:BYTES kept], corrupt[:BYTE index],\n"
            "duplicate, delay[:MS, default 1000], disconnect. --disconnect-after-frames N\n"
            "drops the host after N reply frames (= disconnect@2N+1).\n"
            "--flash-fault SPEC injects flash faults (the tests' fault layer), comma\n"
            "separated: cut@N[:prefix|:bits|:bytes=K] cuts power at flash write op N\n"
            "(progs and erases from 0; the op is torn) and exits at once with status 3,\n"
            "as a device without power stops: start it again on FILE to reboot;\n"
            "io-error@N, prog-error@N, erase-error@N, read-error@N, bad-bits@N;\n"
            "seed=S for the torn bytes. At a normal exit it prints the op counts.\n"
            "--batch-max N sends at most N responses per batch (1..%u, default %u).\n",
            CND_FLASH_FILE_BLOCK_COUNT, CND_FLASH_FILE_BLOCK_SIZE, CND_BATCH_MAX_RESPONSES,
            CND_BATCH_MAX_RESPONSES);
}

/* Smallest chip the store can lay out with its 32 KiB slots, rounded up;
 * largest: a simulator image is mapped whole, 1 GiB is plenty. */
#define FLASH_MIN_BYTES (256u * 1024u)
#define FLASH_MAX_BYTES (1024u * 1024u * 1024u)

/* --flash-size: bytes, or KiB/MiB with K/M; whole blocks only. */
static int parse_flash_size(const char *arg, uint32_t *blocks)
{
    unsigned long long n;
    char *end;
    errno = 0;
    n = strtoull(arg, &end, 10);
    if (end != arg && (*end == 'K' || *end == 'k') && end[1] == '\0')
        n *= 1024u, end++;
    else if (end != arg && (*end == 'M' || *end == 'm') && end[1] == '\0')
        n *= 1024u * 1024u, end++;
    if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || n < FLASH_MIN_BYTES ||
        n > FLASH_MAX_BYTES || n % CND_FLASH_FILE_BLOCK_SIZE != 0) {
        fprintf(stderr,
                "candor-sim: --flash-size needs a size from 256K to 1024M in whole %u-byte "
                "blocks (e.g. 1M, 8M), not '%s'\n",
                CND_FLASH_FILE_BLOCK_SIZE, arg);
        return -1;
    }
    *blocks = (uint32_t)(n / CND_FLASH_FILE_BLOCK_SIZE);
    return 0;
}

static int parse_options(int argc, char **argv, sim_options_t *o)
{
    static const struct option longs[] = {
        {"flash", required_argument, NULL, 'f'},
        {"flash-size", required_argument, NULL, 'z'},
        {"socket", required_argument, NULL, 's'},
        {"listen", required_argument, NULL, 'L'},
        {"keys", required_argument, NULL, 'k'},
        {"screen-log", required_argument, NULL, 'l'},
        {"screenshot", required_argument, NULL, 'S'},
        {"exit-when-done", no_argument, NULL, 'x'},
        {"disconnect-after-frames", required_argument, NULL, 'd'},
        {"link-fault", required_argument, NULL, 'F'},
        {"flash-fault", required_argument, NULL, 'P'},
        {"batch-max", required_argument, NULL, 'B'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(o, 0, sizeof *o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longs, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'f': o->flash_path = optarg; break;
        case 'z':
            if (parse_flash_size(optarg, &o->flash_blocks) != 0)
                return EXIT_USAGE;
            break;
        case 's': o->socket_path = optarg; break;
        case 'L': o->listen_spec = optarg; break;
        case 'k': o->keys = optarg; break;
        case 'l': o->screen_log = optarg; break;
        case 'S': o->screenshot_dir = optarg; break;
        case 'x': o->exit_when_done = 1; break;
        case 'd': {
            long after;
            errno = 0;
            after = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || after < 1 || after > 0x7FFFFFFEL / 2) {
                fprintf(stderr, "candor-sim: --disconnect-after-frames needs a count >= 1, not '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            /* N replies = frames 1..2N; the link goes before request N+1 */
            memset(&o->link_fault, 0, sizeof o->link_fault);
            o->link_fault.kind = CND_LF_DISCONNECT;
            o->link_fault.at = (uint32_t)(2 * after + 1);
            break;
        }
        case 'F': {
            char why[200];
            if (cnd_lf_parse(optarg, &o->link_fault, why, sizeof why) != 0) {
                fprintf(stderr, "candor-sim: --link-fault: %s\n", why);
                return EXIT_USAGE;
            }
            break;
        }
        case 'P': {
            static cnd_flash_fault_t check; /* the spec is checked before anything starts */
            char why[200];
            memset(&check, 0, sizeof check);
            if (cnd_flash_fault_parse(&check, optarg, why, sizeof why) != CND_OK) {
                fprintf(stderr, "candor-sim: --flash-fault: %s\n", why);
                return EXIT_USAGE;
            }
            o->flash_fault = optarg;
            break;
        }
        case 'B': {
            long m;
            errno = 0;
            m = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || m < 1 || m > CND_BATCH_MAX_RESPONSES) {
                fprintf(stderr, "candor-sim: --batch-max needs a count from 1 to %u, not '%s'\n",
                        CND_BATCH_MAX_RESPONSES, optarg);
                return EXIT_USAGE;
            }
            o->batch_max = (uint16_t)m;
            break;
        }
        case 'h': usage(stdout); return -1;
        case 'V': printf("candor-sim %s\n", SIM_VERSION); return -1;
        case ':':
            fprintf(stderr, "candor-sim: option %s needs a value; see candor-sim --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "candor-sim: unknown option '%s'; see candor-sim --help\n",
                    argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "candor-sim: unexpected argument '%s'; see candor-sim --help\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (o->flash_path == NULL) {
        fprintf(stderr, "candor-sim: --flash FILE is required (the simulated flash chip; "
                        "created if missing)\n");
        return EXIT_USAGE;
    }
    return 0;
}

/* ------------------------------------------------------------ device side */

/* Loads the active pack into the static buffer, as the firmware does. */
static void load_active_pack(void)
{
    cnd_status_t st = cnd_store_open_active_pack(&g_store, g_pack_buf, sizeof g_pack_buf, &g_pack);
    g_have_pack = 0;
    if (st == CND_OK)
        g_have_pack = 1;
    else if (st != CND_E_NO_SURVEY)
        fprintf(stderr, "candor-sim: the active survey pack cannot be used (%s); showing "
                        "'no survey' until a new one is pushed\n",
                cnd_status_str(st));
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
    g_body_offset = 0;
    load_active_pack();
    cnd_engine_set_pack(&g_engine, g_have_pack ? &g_pack : NULL);
}

/* A power cut stops the CPU at once: nothing after the torn op runs. */
static void on_power_cut(void *ctx, const cnd_flash_fault_t *ff)
{
    (void)ctx;
    if (g_raw_tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_tty);
    if (g_screen_log != NULL) {
        fprintf(g_screen_log, "POWER CUT flash-op=%u\n", ff->cut_op);
        fflush(g_screen_log);
    }
    fprintf(stderr, "candor-sim: power cut at flash write op %u (--flash-fault)\n", ff->cut_op);
    _exit(EXIT_POWER_CUT);
}

/* --flash-fault: the shared fault layer between the file chip and the core. */
static int wrap_flash(const char *spec)
{
    cnd_flash_t file = g_hal.flash;
    char why[200];
    if (spec == NULL)
        return 0;
    if (cnd_flash_fault_init(&g_flash_fault, &file, 1) != CND_OK ||
        cnd_flash_fault_parse(&g_flash_fault, spec, why, sizeof why) != CND_OK) {
        fprintf(stderr, "candor-sim: --flash-fault %s cannot be set up\n", spec);
        return -1;
    }
    g_flash_fault.on_cut = on_power_cut;
    g_hal.flash = g_flash_fault.flash;
    g_flash_fault_on = 1;
    return 0;
}

/* The chip's size in blocks: an existing image's own (the chip it was
 * formatted on), else --flash-size, else the default. -1 after a one-line
 * error when the image is no whole number of blocks or not the size asked. */
static int64_t flash_blocks(const char *flash_path, uint32_t asked)
{
    struct stat sb;
    if (stat(flash_path, &sb) != 0)
        return asked ? asked : CND_FLASH_FILE_BLOCK_COUNT; /* created blank */
    if (!S_ISREG(sb.st_mode))
        return asked ? asked : CND_FLASH_FILE_BLOCK_COUNT; /* the open names what is wrong */
    if (sb.st_size <= 0 || sb.st_size % CND_FLASH_FILE_BLOCK_SIZE != 0 ||
        (unsigned long long)sb.st_size > FLASH_MAX_BYTES) {
        fprintf(stderr,
                "candor-sim: flash file %s is %lld bytes, not a whole number of %u-byte flash "
                "blocks (up to 1024M); pass a new path to start a blank one\n",
                flash_path, (long long)sb.st_size, CND_FLASH_FILE_BLOCK_SIZE);
        return -1;
    }
    if (asked != 0 && (unsigned long long)sb.st_size != (unsigned long long)asked *
                                                            CND_FLASH_FILE_BLOCK_SIZE) {
        fprintf(stderr,
                "candor-sim: flash file %s is %lld bytes, not the --flash-size of %llu asked "
                "for; a chip keeps its size (drop --flash-size or pass a new path)\n",
                flash_path, (long long)sb.st_size,
                (unsigned long long)asked * CND_FLASH_FILE_BLOCK_SIZE);
        return -1;
    }
    return sb.st_size / CND_FLASH_FILE_BLOCK_SIZE;
}

static int open_device(const char *flash_path, uint32_t asked_blocks, const char *flash_fault)
{
    cnd_status_t st;
    int64_t blocks = flash_blocks(flash_path, asked_blocks);
    if (blocks < 0)
        return -1;
    st = cnd_flash_file_open(&g_flash_file, flash_path, CND_FLASH_FILE_BLOCK_SIZE,
                             (uint32_t)blocks, CND_FLASH_FILE_PROG_SIZE, &g_hal.flash);
    if (st == CND_OK && wrap_flash(flash_fault) != 0) {
        cnd_flash_file_close(&g_flash_file);
        return -1;
    }
    if (st != CND_OK) {
        if (st == CND_E_INVALID)
            fprintf(stderr, "candor-sim: flash file %s is not a %llu-byte flash image; pass a "
                            "new path to start a blank one\n",
                    flash_path, (unsigned long long)blocks * CND_FLASH_FILE_BLOCK_SIZE);
        else if (st == CND_E_BUSY)
            fprintf(stderr, "candor-sim: flash file %s is in use by another simulator\n",
                    flash_path);
        else
            fprintf(stderr, "candor-sim: cannot open flash file %s: %s\n", flash_path,
                    errno != 0 ? strerror(errno) : cnd_status_str(st));
        return -1;
    }
    g_hal.ctx = NULL;
    g_hal.random = cnd_sim_random;
    g_hal.today = cnd_sim_today;
    g_hal.uptime_ms = cnd_sim_uptime_ms;
    g_hal.clock_s = cnd_sim_clock_s;
    g_hal.set_today = cnd_sim_set_today;
    st = cnd_store_mount(&g_store, &g_hal);
    if (st != CND_OK) {
        fprintf(stderr, "candor-sim: flash file %s is refused by the store (%s): not a "
                        "Candor image or corrupt; it was left unchanged\n",
                flash_path, cnd_status_str(st));
        cnd_flash_file_close(&g_flash_file);
        return -1;
    }
    load_active_pack();
    cnd_engine_init(&g_engine, &g_store, &g_hal, g_have_pack ? &g_pack : NULL);
    {
        cnd_sync_config_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.store = &g_store;
        cfg.ctx = NULL;
        cfg.busy = sync_busy;
        cfg.pack_activated = sync_pack_activated;
        cfg.batch_max = g_batch_max;
        cnd_sync_init(&g_sync, &cfg);
    }
    return 0;
}

/* --------------------------------------------------------------- display */

static void footer(char *buf, size_t cap)
{
    snprintf(buf, cap,
             "%s  host %s\n"
             "arrows move  Enter ok  Bksp back\n"
             "l language  x/Esc exit  Ctrl-C stop",
             g_link.name, g_link.client_fd >= 0 ? "connected" : "not connected");
}

/* --screenshot: the panel's pixels for this screen, as the handheld's
 * drivers draw them (screen_draw.c from the pack's pre-rendered text, or
 * text.c's grid in the 8x16 font for a pack without it and the screens
 * that stay the grid's), one PNG per new screen, numbered in order. */
static const char *g_shot_dir;
static unsigned g_shot_n;

static uint16_t g_fb[CND_PTEXT_SCREEN_W * CND_PTEXT_SCREEN_H];

/* The panel's pixels for the current screen into g_fb. */
static void draw_panel(void)
{
    static cnd_text_frame_t tf;
    cnd_band_t band = {g_fb, 0, CND_PTEXT_SCREEN_H};
    if (g_sdraw.prerendered) {
        cnd_screen_draw_band(&g_sdraw, &band);
        return;
    }
    cnd_text_render(cnd_engine_screen(&g_engine), g_body_offset, &tf);
    cnd_text_frame_draw(&tf, 0x0000, 0xFFFF, &band);
}

static void screenshot(void)
{
    char path[4096], kind[32];
    const char *k = cnd_sim_kind_name(cnd_engine_screen(&g_engine)->kind);
    size_t i;
    for (i = 0; k[i] != '\0' && i + 1 < sizeof kind; i++)
        kind[i] = (char)(k[i] >= 'A' && k[i] <= 'Z' ? k[i] - 'A' + 'a' : k[i]);
    kind[i] = '\0';
    snprintf(path, sizeof path, "%s/%04u-%s.png", g_shot_dir, ++g_shot_n, kind);
    if (cnd_fb_write_png(path, g_fb, CND_PTEXT_SCREEN_W, CND_PTEXT_SCREEN_H) != 0)
        fprintf(stderr, "candor-sim: cannot write screenshot %s\n", path);
}

static void refresh_screen(void)
{
    static cnd_sim_frame_t fr;
    char foot[512];
    int changed, pre, seen;
    pre = cnd_screen_draw_prepare(&g_sdraw, cnd_engine_screen(&g_engine), cnd_pack_lookup,
                                  &g_lookup, g_body_offset, 0x0000, 0xFFFF);
    if (pre)
        g_body_offset = cnd_screen_draw_offset(&g_sdraw);
    cnd_sim_render(cnd_engine_screen(&g_engine), g_have_pack ? &g_pack : NULL, g_body_offset,
                   &fr);
    if (!pre)
        g_body_offset = fr.body_offset;
    footer(foot, sizeof foot);
    /* the pixel offset can move while the grid's text, clamped, does not */
    changed = !g_drawn || !cnd_sim_frame_equal(&fr, &g_last_frame) ||
              (pre && g_body_offset != g_drawn_offset);
    g_drawn_offset = pre ? g_body_offset : -1;
    if (changed && g_screen_log != NULL)
        cnd_sim_frame_log(g_screen_log, &fr);
    if (changed && (g_shot_dir != NULL || cnd_sim_window_is_open()))
        draw_panel();
    if (changed && g_shot_dir != NULL)
        screenshot();
    if (changed)
        cnd_sim_window_show(g_fb);
    if (g_draw_tty && (changed || strcmp(foot, g_last_footer) != 0))
        cnd_sim_frame_draw_tty(stdout, &fr, foot);
    g_last_frame = fr;
    snprintf(g_last_footer, sizeof g_last_footer, "%s", foot);
    g_drawn = 1;
    /* The consent's last line is on the display (drawn and logged above):
     * "I agree" may be offered now. */
    seen = pre ? g_body_offset >= g_sdraw.body_max : fr.body_offset >= fr.body_max;
    if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_CONSENT && seen &&
        !g_engine.consent_seen) {
        cnd_engine_consent_seen(&g_engine);
        refresh_screen();
    }
}

static void log_line(const char *fmt, const char *a)
{
    if (g_screen_log == NULL)
        return;
    fprintf(g_screen_log, fmt, a);
    fflush(g_screen_log);
}

/* ------------------------------------------------------------------ keys */

/* One key press. The engine gets every key; when UP/DOWN changed nothing
 * there (the cursor is at the first/last option), they scroll a body text
 * that is longer than the display instead, so a respondent can read all of
 * a consent or referral text with the handheld's six keys. */
static void press(cnd_key_t key)
{
    static cnd_screen_t before;
    const cnd_screen_t *after;
    memcpy(&before, cnd_engine_screen(&g_engine), sizeof before); /* padding too */
    cnd_engine_key(&g_engine, key);
    after = cnd_engine_screen(&g_engine);
    if (after->kind != before.kind || after->item != before.item || after->lang != before.lang) {
        g_body_offset = 0; /* a new text starts at its top */
    } else if (memcmp(after, &before, sizeof before) == 0) {
        /* the engine renders from a zeroed struct, so equal bytes mean no change */
        if (key == CND_KEY_UP && g_body_offset > 0)
            g_body_offset--;
        else if (key == CND_KEY_DOWN &&
                 g_body_offset < (g_sdraw.prerendered ? g_sdraw.body_max : g_last_frame.body_max))
            g_body_offset++;
    }
    refresh_screen();
}

/* A terminal this process may use: started in the background ("&"), it
 * must neither draw over the shell nor take the keyboard (tcsetattr from
 * the background would stop it with SIGTTOU). */
static int in_foreground_on(int fd)
{
    return isatty(fd) && tcgetpgrp(fd) == getpgrp();
}

static void restore_tty(void)
{
    if (g_raw_tty)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_tty);
    g_raw_tty = 0;
    if (g_draw_tty)
        fputs("\x1b[?25h\r\n", stdout); /* show the cursor again */
    fflush(stdout);
}

static void enter_raw_tty(void)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &g_saved_tty) != 0)
        return;
    t = g_saved_tty;
    /* Keys arrive one by one without echo; Ctrl-C still stops (ISIG kept). */
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0)
        g_raw_tty = 1;
}

static int load_script_file(const char *path)
{
    char buf[4096], err[256];
    size_t n;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "candor-sim: cannot read key script %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (cnd_sim_script_feed(&g_script, buf, n, err, sizeof err) != 0) {
            fprintf(stderr, "candor-sim: key script %s: %s\n", path, err);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (cnd_sim_script_finish(&g_script, err, sizeof err) != 0) {
        fprintf(stderr, "candor-sim: key script %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

/* Runs script commands until one blocks. Returns the poll timeout in ms
 * (-1 = none), or -2 when an expectation failed. */
static int run_script(const char *script_name, long long *sleep_until)
{
    const cnd_sim_cmd_t *c;
    while ((c = cnd_sim_script_peek(&g_script)) != NULL) {
        const cnd_screen_t *s = cnd_engine_screen(&g_engine);
        switch (c->type) {
        case CND_SIM_CMD_KEY:
            press((cnd_key_t)c->key);
            break;
        case CND_SIM_CMD_WAIT_SURVEY:
            if (!g_have_pack)
                return -1; /* resumes when a push activates a pack */
            break;
        case CND_SIM_CMD_SLEEP:
            if (*sleep_until == 0)
                *sleep_until = now_ms() + c->ms;
            if (now_ms() < *sleep_until)
                return (int)(*sleep_until - now_ms());
            *sleep_until = 0;
            break;
        case CND_SIM_CMD_EXPECT: {
            char name[CND_MAX_NAME_LEN + 1] = "";
            cnd_item_t it;
            if (s->kind == CND_SCREEN_ITEM && g_have_pack &&
                cnd_pack_item(&g_pack, s->item, &it) == CND_OK) {
                size_t len = it.name.len < CND_MAX_NAME_LEN ? it.name.len : CND_MAX_NAME_LEN;
                memcpy(name, it.name.ptr, len);
                name[len] = '\0';
            }
            if (s->kind != c->kind || (c->item[0] != '\0' && strcmp(name, c->item) != 0)) {
                fprintf(stderr,
                        "candor-sim: key script %s line %lu: expected %s%s%s but the screen is "
                        "%s%s%s\n",
                        script_name, (unsigned long)c->line, cnd_sim_kind_name(c->kind),
                        c->item[0] != '\0' ? " " : "", c->item, cnd_sim_kind_name(s->kind),
                        name[0] != '\0' ? " " : "", name);
                if (g_screen_log != NULL) {
                    fprintf(g_screen_log, "SCRIPT FAILED line %lu\n", (unsigned long)c->line);
                    fflush(g_screen_log);
                }
                return -2;
            }
            break;
        }
        default:
            break;
        }
        cnd_sim_script_pop(&g_script);
    }
    return -1;
}

/* ------------------------------------------------------------------ link */

/* Link faults for tests (link_fault.h, shared with the in-process tests):
 * --link-fault KIND@N, or --disconnect-after-frames N. Off: bytes pass
 * straight through, exactly as on the device. */
static cnd_link_fault_t g_fault;
static int g_fault_on;

static void drop_host(void)
{
    cnd_sim_link_drop_client(&g_link);
    cnd_sync_reset(&g_sync);
    cnd_link_fault_link_down(&g_fault);
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !g_stop)
        ;
}

/* Says on stderr which frame the fault hit, so a test knows it fired (and
 * that a run without this line had fewer frames than N). */
static void report_fault(const cnd_lf_action_t *act, int dir)
{
    char spec[64];
    if (!act->fired)
        return;
    cnd_lf_format(&g_fault.spec, spec, sizeof spec);
    fprintf(stderr, "candor-sim: link fault %s hit a frame to the %s (message type 0x%02x)\n",
            spec, dir == CND_LF_TO_HOST ? "host" : "device", (unsigned)g_fault.fired_type);
}

static int feed_device(const uint8_t *in, size_t n);

/* cnd_lf_carry_fn: a unit of either direction, as the fault decided. */
static int carry(void *ctx, int dir, const uint8_t *bytes, const cnd_lf_action_t *act)
{
    unsigned k;
    (void)ctx;
    report_fault(act, dir);
    if (act->disconnect)
        return -1;
    if (act->delay_ms > 0)
        sleep_ms(act->delay_ms);
    for (k = 0; k < act->copies; k++)
        if ((dir == CND_LF_TO_HOST ? cnd_sim_link_write(&g_link, bytes, act->len)
                                   : feed_device(bytes, act->len)) != 0)
            return -1;
    return 0;
}

/* Sends one reply frame (through the fault, if any). -1: drop the host. */
static int send_reply(uint8_t *reply, size_t len)
{
    if (!g_fault_on)
        return cnd_sim_link_write(&g_link, reply, len);
    return cnd_link_fault_stream(&g_fault, CND_LF_TO_HOST, reply, len, carry, NULL);
}

/* Hands bytes to the sync core and sends each reply. -1: drop the host. */
static int feed_device(const uint8_t *in, size_t n)
{
    static uint8_t reply[CND_SYNC_REPLY_MAX];
    size_t off = 0;
    while (off < n) {
        size_t reply_len = 0;
        size_t used = cnd_sync_input(&g_sync, in + off, n - off, reply, sizeof reply, &reply_len);
        off += used;
        if (reply_len > 0 && send_reply(reply, reply_len) != 0)
            return -1;
        if (used == 0)
            break; /* the core takes no more now; a frame is never half-fed twice */
    }
    return 0;
}

static void serve_host(void)
{
    static uint8_t in[4096];
    long n = cnd_sim_link_read(&g_link, in, sizeof in);
    if (n <= 0 || (g_fault_on ? cnd_link_fault_stream(&g_fault, CND_LF_TO_DEVICE, in, (size_t)n,
                                                      carry, NULL)
                              : feed_device(in, (size_t)n)) != 0)
        drop_host();
}

/* ------------------------------------------------------------------ main */

/* Creates the folders of the socket path (like mkdir -p, mode 0700), so
 * `--socket sim/me.sock` works in a fresh folder. 0, or -1 after one
 * error line. */
static int make_socket_dirs(const char *path)
{
    char dir[PATH_MAX];
    size_t i, n = strlen(path);
    if (n >= sizeof dir) {
        fprintf(stderr, "candor-sim: socket path too long: %s\n", path);
        return -1;
    }
    memcpy(dir, path, n + 1);
    for (i = 1; i < n; i++) {
        if (dir[i] != '/')
            continue;
        dir[i] = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "candor-sim: cannot create socket folder %s: %s\n", dir,
                    strerror(errno));
            return -1;
        }
        dir[i] = '/';
    }
    return 0;
}

static int make_default_socket_path(char *buf, size_t cap)
{
    const char *dir = cnd_sim_link_default_dir();
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "candor-sim: cannot create socket directory %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(buf, cap, "%s/%ld.sock", dir, (long)getpid()) >= cap) {
        fprintf(stderr, "candor-sim: socket directory path too long: %s\n", dir);
        return -1;
    }
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int serve(const sim_options_t *o)
{
    const char *script_name = o->keys != NULL && strcmp(o->keys, "-") == 0 ? "(stdin)" : o->keys;
    int script_stdin = o->keys != NULL && strcmp(o->keys, "-") == 0;
    int interactive = o->keys == NULL && g_raw_tty;
    int have_script = o->keys != NULL, done_marked = 0;
    long long sleep_until = 0;

    refresh_screen();
    while (!g_stop) {
        struct pollfd fds[3];
        int nfds = 0, timeout = -1, i_listen = -1, i_client = -1, i_stdin = -1, r;

        if (have_script) {
            timeout = run_script(script_name, &sleep_until);
            if (timeout == -2)
                return EXIT_FAIL;
            if (cnd_sim_script_done(&g_script) && !done_marked) {
                done_marked = 1;
                log_line("%s", "SCRIPT DONE\n");
            }
        }
        if (o->exit_when_done && (!have_script || done_marked))
            break;

        if (g_link.client_fd < 0) {
            i_listen = nfds;
            fds[nfds++] = (struct pollfd){.fd = g_link.listen_fd, .events = POLLIN};
        } else {
            i_client = nfds;
            fds[nfds++] = (struct pollfd){.fd = g_link.client_fd, .events = POLLIN};
        }
        if ((script_stdin && !g_script.eof) || interactive) {
            i_stdin = nfds;
            fds[nfds++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        }
        if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_NEUTRAL &&
            (timeout < 0 || timeout > 1000))
            timeout = 1000; /* the neutral screen's clock keeps time */
        if (g_reclaim_more && (timeout < 0 || timeout > 20))
            timeout = 20; /* idle soon enough to erase what an ACK freed */
        if (cnd_sim_window_is_open() && (timeout < 0 || timeout > 30))
            timeout = 30; /* the window's keys are polled, not a descriptor */
        /* A SIGTERM that lands between the g_stop check above and poll()
         * would otherwise leave poll() asleep for good (a test's `wait` on
         * the simulator then hangs): never sleep longer than this. */
        if (timeout < 0 || timeout > 250)
            timeout = 250;
        r = poll(fds, (nfds_t)nfds, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "candor-sim: poll failed: %s\n", strerror(errno));
            return EXIT_FAIL;
        }
        if (i_listen >= 0 && (fds[i_listen].revents & POLLIN)) {
            if (cnd_sim_link_accept(&g_link) == 0)
                cnd_sync_reset(&g_sync); /* a new host starts from a clean link */
        }
        if (i_client >= 0 && (fds[i_client].revents & (POLLIN | POLLHUP | POLLERR))) {
            serve_host();
            /* an ACK may have freed space: HOME shows it without a key */
            cnd_engine_refresh(&g_engine);
            g_reclaim_more = 1;
        }
        if (r == 0 && g_reclaim_more) {
            /* Idle: one block of the erases an ACK left for later (the
             * space already counts as free; this only makes it usable). */
            if (cnd_store_reclaim_step(&g_store, &g_reclaim_more) != CND_OK)
                g_reclaim_more = 0; /* retried after the next ACK, save or boot */
        }
        if (cnd_engine_screen(&g_engine)->kind == CND_SCREEN_NEUTRAL)
            cnd_engine_refresh(&g_engine); /* the clock's minute */
        if (cnd_sim_window_is_open()) {
            uint8_t keys[64];
            int quit;
            size_t k, nk = cnd_sim_window_keys(keys, sizeof keys, &quit);
            for (k = 0; k < nk; k++)
                press((cnd_key_t)keys[k]);
            if (quit)
                break;
        }
        if (i_stdin >= 0 && (fds[i_stdin].revents & (POLLIN | POLLHUP))) {
            char buf[512], err[256];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (interactive) {
                uint8_t keys[64];
                size_t k, nk;
                if (n <= 0)
                    interactive = 0;
                nk = n > 0 ? cnd_sim_tty_keys((const uint8_t *)buf, (size_t)n, keys, 64) : 0;
                for (k = 0; k < nk; k++)
                    press((cnd_key_t)keys[k]);
            } else if (n > 0) {
                if (cnd_sim_script_feed(&g_script, buf, (size_t)n, err, sizeof err) != 0) {
                    fprintf(stderr, "candor-sim: key script (stdin): %s\n", err);
                    return EXIT_USAGE;
                }
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                if (cnd_sim_script_finish(&g_script, err, sizeof err) != 0) {
                    fprintf(stderr, "candor-sim: key script (stdin): %s\n", err);
                    return EXIT_USAGE;
                }
            }
        }
        refresh_screen();
    }
    return 0;
}

int main(int argc, char **argv)
{
    sim_options_t o;
    char sock[108];
    char err[256];
    int rc;

    rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    cnd_sim_script_init(&g_script);
    if (o.keys != NULL && strcmp(o.keys, "-") != 0 && load_script_file(o.keys) != 0)
        return EXIT_USAGE;
    cnd_link_fault_init(&g_fault, &o.link_fault);
    g_fault_on = o.link_fault.kind != CND_LF_NONE;
    if (o.listen_spec != NULL && (strncmp(o.listen_spec, "tcp:", 4) != 0 || o.socket_path != NULL)) {
        fprintf(stderr, "candor-sim: --listen takes tcp:HOST:PORT (not '%s') and replaces --socket\n",
                o.listen_spec);
        return EXIT_USAGE;
    }
    if (o.socket_path == NULL && o.listen_spec == NULL) {
        if (make_default_socket_path(sock, sizeof sock) != 0)
            return EXIT_FAIL;
        o.socket_path = sock;
    } else if (o.socket_path != NULL && make_socket_dirs(o.socket_path) != 0) {
        return EXIT_FAIL;
    }
    g_shot_dir = o.screenshot_dir;
    if (o.screen_log != NULL && (g_screen_log = fopen(o.screen_log, "a")) == NULL) {
        fprintf(stderr, "candor-sim: cannot open screen log %s: %s\n", o.screen_log,
                strerror(errno));
        return EXIT_FAIL;
    }
    errno = 0;
    g_batch_max = o.batch_max;
    if (open_device(o.flash_path, o.flash_blocks, o.flash_fault) != 0)
        return EXIT_FAIL;
    install_signals();
    if ((o.listen_spec != NULL ? cnd_sim_link_listen_tcp(&g_link, o.listen_spec + 4, err, sizeof err)
                               : cnd_sim_link_listen(&g_link, o.socket_path, err, sizeof err)) != 0) {
        fprintf(stderr, "candor-sim: %s\n", err);
        cnd_flash_file_close(&g_flash_file);
        return EXIT_FAIL;
    }
    g_draw_tty = in_foreground_on(STDOUT_FILENO);
    /* a window too, when there is a display and a person at it */
    if (g_draw_tty)
        cnd_sim_window_open();
    if (!g_draw_tty) {
        /* stderr stays for errors only; on a terminal the footer says this */
        printf("candor-sim: serving %s (flash %s)\n", g_link.name, o.flash_path);
        fflush(stdout);
    }
    if (o.keys == NULL && in_foreground_on(STDIN_FILENO))
        enter_raw_tty();
    if (g_draw_tty)
        fputs("\x1b[?25l", stdout); /* hide the cursor while drawing */

    rc = serve(&o);

    restore_tty();
    if (g_flash_fault_on) {
        fprintf(stderr, "candor-sim: flash ops: %u writes (%u progs, %u erases), %u reads\n",
                g_flash_fault.writes, g_flash_fault.progs, g_flash_fault.erases,
                g_flash_fault.reads);
        cnd_flash_fault_free(&g_flash_fault);
    }
    cnd_sim_link_close(&g_link);
    cnd_flash_file_close(&g_flash_file);
    if (g_screen_log != NULL)
        fclose(g_screen_log);
    cnd_sim_script_free(&g_script);
    cnd_sim_window_close();
    return rc;
}
