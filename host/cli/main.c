/*
 * main.c: the `candor` command, git-style: `candor <command> [options]`.
 *
 * Owns: dispatching to the subcommands of commands.h, the top-level help
 * and version. Every subcommand parses its own options and prints its own
 * one-line errors; this file only adds the ones about the command word.
 * Never: does work of its own beyond that.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hosterr.h"
#include "pack.h"
#include "proto.h"

#define CND_TOOL_VERSION "0.1.0"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    {"compile", cnd_cmd_compile, "check a survey source (JSON or XLSForm) and build its pack"},
    {"xlsform", cnd_cmd_xlsform, "write a survey source out as an XLSForm workbook"},
    {"preview", cnd_cmd_preview, "draw every screen of a survey in every language as PNG"},
    {"devices", cnd_cmd_devices, "list connected handhelds and simulators"},
    {"status", cnd_cmd_status, "show a device's surveys and pending responses"},
    {"push", cnd_cmd_push, "install a survey pack on a device"},
    {"sync", cnd_cmd_sync, "pull new responses into a store, durably, exactly once"},
    {"export", cnd_cmd_export, "write a store's responses as JSON, NDJSON, CSV, SPSS or Stata"},
    {"report", cnd_cmd_report, "write a publishable HTML report of a store's responses"},
    {"check", cnd_cmd_check, "verify a store; move what fails to its quarantine/"},
    {"watch", cnd_cmd_watch, "sync station: sync every handheld plugged in, one line each"},
    {"keygen", cnd_cmd_keygen, "create the office's key pair (sealing, pack signing)"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: candor <command> [options]\n"
               "       candor help <command>\n"
               "       candor --version\n\n"
               "Candor syncs anonymous survey responses from offline handhelds.\n\n"
               "commands:\n");
    for (i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nDevices are chosen with --device SPEC (or $CANDOR_DEVICE); SPEC is\n"
               "usb:SERIAL (or just SERIAL) for a handheld, sim:PATH for the simulator.\n"
               "Without it, the one device found is used.\n"
               "Run 'candor <command> --help' for a command's options; see candor(1).\n");
}

static const command_t *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int unknown(const char *name)
{
    fprintf(stderr, "candor: unknown command '%s'; run 'candor --help' for the list\n", name);
    return CND_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const command_t *c;
    if (argc < 2) {
        usage(stderr);
        return CND_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CND_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("candor %s (sync protocol %d, survey pack format %d)\n", CND_TOOL_VERSION,
               CND_PROTOCOL_VERSION, CND_PACK_VERSION);
        return CND_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        char help_flag[] = "--help";
        char *sub[3];
        if (argc < 3) {
            usage(stdout);
            return CND_EXIT_OK;
        }
        if ((c = find_command(argv[2])) == NULL)
            return unknown(argv[2]);
        sub[0] = argv[2];
        sub[1] = help_flag;
        sub[2] = NULL;
        return c->run(2, sub);
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "candor: unknown option '%s'; usage: candor <command> [options]\n",
                argv[1]);
        return CND_EXIT_USAGE;
    }
    if ((c = find_command(argv[1])) == NULL)
        return unknown(argv[1]);
    return c->run(argc - 1, argv + 1);
}
