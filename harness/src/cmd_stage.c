/* SPDX-License-Identifier: MIT */
/* cmd_stage.c - dfota stage: puts a package where a scenario expects it
 * (dfota/stage.h does the work; this file parses and prints). */
#define _DEFAULT_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/stage.h"
#include "cli.h"

#define STAGE_CONNECT_TO_MAX 16
#define STAGE_SHOWN_MAX 600

static const char usage[] =
    "usage: dfota stage --ftp URL FILE [--connect-to SPEC]...\n"
    "       dfota stage --module serial:PORT[,OPTIONS] [--name NAME] [--replace]\n"
    "                   [--timeout SECONDS] FILE\n"
    "       dfota stage --check-url URL [--connect-to SPEC]...\n"
    "\n"
    "Puts a delta package where a scenario expects it, and checks it got there.\n"
    "\n"
    "  --ftp URL         upload FILE to an FTP server (ftp://USER:PASS@HOST:PORT/PATH;\n"
    "                    a URL ending in '/' takes FILE's name; missing folders are\n"
    "                    made), then read its size back (FTP SIZE) and compare\n"
    "  --module SPEC     upload FILE into the module's /data/ufs/ with AT+QFUPL over\n"
    "                    its serial port (SPEC as for 'dfota run --source serial:...':\n"
    "                    PORT[,baud=N][,flow=none|rtscts][,settle=D][,time-scale=X]),\n"
    "                    then compare the module's byte count and checksum with the\n"
    "                    file's\n"
    "  --name NAME       the UFS name (default: FILE's name); AT+QFOTADL then takes\n"
    "                    \"/data/ufs/NAME\"\n"
    "  --replace         delete UFS:NAME first (AT+QFDEL); a missing one is fine\n"
    "  --timeout S       AT+QFUPL's <timeout>: the pause in the data after which the\n"
    "                    module gives up, 1-65535 module seconds (default 5)\n"
    "  --check-url URL   print the size of an ftp://, http:// or https:// URL as\n"
    "                    this host sees it (FTP SIZE, HTTP HEAD), the check a\n"
    "                    scenario can make before it sends the URL to a module\n"
    "  --connect-to SPEC  where connections really go, as curl's --connect-to\n"
    "                    (\":2121:127.0.0.1:40123\"); may be repeated, up to 16\n"
    "  --redact-param NAME  also hide URL parameter NAME in what is printed\n"
    "                    (repeatable, or comma-separated; DFOTA_REDACT_PARAMS too)\n"
    "  -h, --help        show this help\n"
    "\n"
    "One line per step on standard output, then a last line that says what\n"
    "happened. Passwords in URLs are never printed.\n"
    "\n"
    "Exit status: 0 staged (or the URL serves a file), 1 the server or module\n"
    "answered wrong (refused the upload, a wrong size or checksum, an error, no\n"
    "answer in time), 2 usage error, 4 cannot open the file or the port, cannot\n"
    "connect, login refused (--check-url: also no such file or an empty one).\n";

typedef struct {
    const char *ftp, *module, *check, *name, *file;
    const char *connect_to[STAGE_CONNECT_TO_MAX];
    size_t n_connect_to;
    int replace;
    long timeout_s;
} stage_args;

static void print_step(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
    fflush(stdout);
}

static int usage_error(const char *what, const char *arg)
{
    char b[CLI_SHOWN_MAX];
    fprintf(stderr, "dfota stage: %s%s%s (see dfota stage --help)\n", what, arg ? ": " : "",
            arg ? cli_shown(arg, b, sizeof b) : "");
    return EXIT_INPUT;
}

/* The exit status for a library error, after printing its message. */
static int failed(const char *what, dfota_err rc, const char *err)
{
    printf("%s failed: %s\n", what, err);
    switch (rc) {
    case DFOTA_E_INPUT:
    case DFOTA_E_TIMEOUT: return EXIT_FAIL;
    case DFOTA_E_ARG:
    case DFOTA_E_TOO_BIG: return EXIT_INPUT;
    default: return EXIT_HARNESS;
    }
}

static void shown(const char *url, char *out, size_t cap)
{
    size_t n;
    if (dfota_redact(url, strlen(url), out, cap, &n) != DFOTA_OK)
        snprintf(out, cap, "(a URL of %zu bytes)", strlen(url));
}

static int run_check(const stage_args *a)
{
    char err[DFOTA_ERRBUF], url[STAGE_SHOWN_MAX];
    int64_t size = -1;
    shown(a->check, url, sizeof url);
    dfota_err rc = dfota_preflight_url(a->check, a->connect_to, a->n_connect_to, &size, err,
                                       sizeof err);
    if (rc != DFOTA_OK) {
        printf("preflight failed: %s\n", err);
        return rc == DFOTA_E_ARG ? EXIT_INPUT : EXIT_HARNESS;
    }
    printf("%s: %lld bytes\n", url, (long long)size);
    return EXIT_PASS;
}

static int run_ftp(const stage_args *a)
{
    char err[DFOTA_ERRBUF], url[STAGE_SHOWN_MAX];
    int64_t size = -1;
    dfota_stage_ftp_opts o = {a->connect_to, a->n_connect_to, print_step, NULL};
    shown(a->ftp, url, sizeof url);
    dfota_err rc = dfota_stage_ftp(a->ftp, a->file, &o, &size, err, sizeof err);
    if (rc != DFOTA_OK)
        return failed("staging to FTP", rc, err);
    printf("staged %s on the FTP server (%s): %lld bytes\n", a->file, url, (long long)size);
    return EXIT_PASS;
}

static int run_module(const stage_args *a)
{
    char err[DFOTA_ERRBUF];
    int64_t size = -1;
    const char *base = strrchr(a->file, '/');
    const char *name = a->name ? a->name : base ? base + 1 : a->file;
    dfota_stage_module_opts o = {a->name, a->replace, (int)a->timeout_s, 0, print_step, NULL};
    cli_warn_port_users("dfota stage", a->module, "");
    dfota_err rc = dfota_stage_module(a->module + strlen("serial:"), a->file, &o, &size, err,
                                      sizeof err);
    if (rc != DFOTA_OK)
        return failed("staging to the module", rc, err);
    printf("staged %s as /data/ufs/%s: %lld bytes, size and checksum match\n", a->file, name,
           (long long)size);
    return EXIT_PASS;
}

static int parse(int argc, char **argv, stage_args *a)
{
    static const struct option longopts[] = {
        {"ftp", required_argument, NULL, 'f'},       {"module", required_argument, NULL, 'm'},
        {"check-url", required_argument, NULL, 'c'}, {"name", required_argument, NULL, 'n'},
        {"replace", no_argument, NULL, 'r'},         {"timeout", required_argument, NULL, 't'},
        {"connect-to", required_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': a->ftp = optarg; break;
        case 'm': a->module = optarg; break;
        case 'c': a->check = optarg; break;
        case 'n': a->name = optarg; break;
        case 'r': a->replace = 1; break;
        case 't':
            a->timeout_s = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || a->timeout_s < 1 || a->timeout_s > 65535)
                return usage_error("bad --timeout (1 to 65535 seconds)", optarg);
            break;
        case 'C':
            if (a->n_connect_to == STAGE_CONNECT_TO_MAX)
                return usage_error("more than 16 --connect-to", NULL);
            a->connect_to[a->n_connect_to++] = optarg;
            break;
        case CLI_OPT_REDACT_PARAM:
            if (cli_redact_param("dfota stage", "--redact-param", optarg) != 0)
                return EXIT_INPUT;
            break;
        case 'h': fputs(usage, stdout); return -1;
        default: fputs(usage, stderr); return EXIT_INPUT;
        }
    }
    return 0;
}

int cmd_stage(int argc, char **argv)
{
    stage_args a;
    memset(&a, 0, sizeof a);
    int rc = parse(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_PASS : rc;
    int modes = (a.ftp != NULL) + (a.module != NULL) + (a.check != NULL);
    if (modes != 1)
        return usage_error("give one of --ftp, --module, --check-url", NULL);
    if (a.check)
        return optind == argc ? run_check(&a) : usage_error("--check-url takes no FILE", NULL);
    if (optind != argc - 1)
        return usage_error("give one FILE", NULL);
    a.file = argv[optind];
    if (a.ftp)
        return a.name || a.replace || a.timeout_s ? usage_error("--name, --replace and --timeout "
                                                                "are for --module", NULL)
                                                  : run_ftp(&a);
    if (strncmp(a.module, "serial:", 7) != 0)
        return usage_error("--module takes serial:PORT[,OPTIONS]", a.module);
    if (a.n_connect_to)
        return usage_error("--connect-to is for --ftp and --check-url", NULL);
    return run_module(&a);
}
