/*
 * commands.h: the `candor` subcommands. main.c dispatches to these.
 *
 * Each takes argc/argv with argv[0] = the subcommand name, parses its own
 * options (getopt_long; --help prints usage to stdout and returns 0), prints
 * at most one error line "candor <cmd>: <message>" to stderr, and returns a
 * CND_EXIT_* code (hosterr.h). Owns nothing else.
 */
#ifndef CND_COMMANDS_H
#define CND_COMMANDS_H

int cnd_cmd_compile(int argc, char **argv); /* host/survey/compile.c */
int cnd_cmd_xlsform(int argc, char **argv); /* host/survey/xlsform_write.c */
int cnd_cmd_devices(int argc, char **argv); /* host/cli/cmd_devices.c */
int cnd_cmd_status(int argc, char **argv);  /* host/cli/cmd_device.c */
int cnd_cmd_push(int argc, char **argv);    /* host/cli/cmd_device.c */
int cnd_cmd_sync(int argc, char **argv);    /* host/link/sync.c */
int cnd_cmd_export(int argc, char **argv);  /* host/store/export.c */
int cnd_cmd_check(int argc, char **argv);   /* host/store/check.c */
int cnd_cmd_report(int argc, char **argv);  /* host/store/report.c */
int cnd_cmd_watch(int argc, char **argv);   /* host/cli/cmd_watch.c */
int cnd_cmd_keygen(int argc, char **argv);  /* host/cli/cmd_keygen.c */
int cnd_cmd_preview(int argc, char **argv); /* host/survey/preview.c */

#endif
