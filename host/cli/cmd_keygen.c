/*
 * cmd_keygen.c: `candor keygen -o FILE [--passphrase-file PFILE |
 * --no-passphrase]`, the office's key pair (officekey.h).
 *
 * Owns: the command line, the passphrase source (asked twice on the
 * terminal by default), and the one line saying what was written.
 * Never: overwrites a key file; prints a secret or the passphrase.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "hosterr.h"
#include "officekey.h"
#include "mbedtls/platform_util.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: candor keygen -o FILE [--passphrase-file PFILE | --no-passphrase]\n"
            "\n"
            "Creates the office's key pair: FILE (private, mode 0600) and FILE.pub\n"
            "(public: give it to 'candor compile' so packs seal responses to it).\n"
            "Without a passphrase option the passphrase is asked twice on the terminal;\n"
            "--passphrase-file takes the first line of PFILE.\n"
            "Keep a backup of FILE offline: responses sealed to a lost key are gone.\n");
}

int cnd_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, 'p'},
        {"no-passphrase", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *pfile = NULL;
    int no_pass = 0, c, rc;
    char pass[CND_KEY_PASSPHRASE_MAX + 2];
    size_t pass_len = 0;
    cnd_office_key_t key;
    cnd_err_t err;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'p': pfile = optarg; break;
        case 'n': no_pass = 1; break;
        case 'h': usage(stdout); return CND_EXIT_OK;
        default:
            fprintf(stderr, "candor keygen: unknown or incomplete option '%s'; run 'candor keygen "
                            "--help'\n",
                    argv[optind - 1]);
            return CND_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "candor keygen: unexpected argument '%s'; usage: candor keygen -o FILE\n",
                argv[optind]);
        return CND_EXIT_USAGE;
    }
    if (out == NULL || out[0] == '\0') {
        fprintf(stderr, "candor keygen: no output file; usage: candor keygen -o FILE "
                        "[--passphrase-file PFILE | --no-passphrase]\n");
        return CND_EXIT_USAGE;
    }
    if (no_pass && pfile != NULL) {
        fprintf(stderr, "candor keygen: --no-passphrase and --passphrase-file exclude each "
                        "other; choose one\n");
        return CND_EXIT_USAGE;
    }
    err.msg[0] = '\0';
    if (pfile != NULL)
        rc = cnd_key_read_passphrase_file(pfile, pass, sizeof pass, &pass_len, &err);
    else if (!no_pass)
        rc = cnd_key_ask_passphrase("Passphrase for the new key: ", 1, pass, sizeof pass,
                                    &pass_len, &err);
    else
        rc = 0;
    if (rc == 0)
        rc = cnd_key_generate(&key, &err);
    if (rc == 0) {
        rc = cnd_key_write(out, &key, no_pass ? NULL : pass, pass_len,
                           CND_KEY_PBKDF2_ITERATIONS, &err);
        cnd_key_wipe(&key);
    }
    mbedtls_platform_zeroize(pass, sizeof pass);
    if (rc != 0) {
        fprintf(stderr, "candor keygen: %s\n", err.msg);
        return CND_EXIT_FAIL;
    }
    printf("candor keygen: wrote %s (private, %s; keep a backup offline) and %s.pub (public)\n",
           out, no_pass ? "no passphrase" : "passphrase-protected", out);
    return CND_EXIT_OK;
}
