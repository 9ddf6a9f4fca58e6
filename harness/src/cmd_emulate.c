/* cmd_emulate.c - dfota emulate: an EG9x module on a pseudo-terminal. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/dfota.h"
#include "dfota/emulator.h"
#include "dfota/scenario.h"
#include "cli.h"

#define FREE_SPACE_MAX (1ULL << 40)

static const char usage[] =
    "usage: dfota emulate [OPTIONS]\n"
    "\n"
    "Runs an emulated Quectel EG95 behind a pseudo-terminal until SIGINT, SIGTERM\n"
    "or SIGHUP. Host software (yours, a terminal program, chat, socat, or dfota run)\n"
    "talks to it through the terminal exactly as to a module on /dev/ttyUSB2:\n"
    "  AT, ATE0/ATE1 (echo is on at boot), ATI, AT+QGMR, AT+CMEE, AT+QFOTADL=?,\n"
    "  AT+QFOTADL=<ftpURL>|<httpURL>|<file_name> with the guide's argument checks\n"
    "  (ERROR for a bad one), AT+QFLST and AT+QFDEL over the UFS folder, and a few\n"
    "  canned answers (AT+CREG?, AT+CSQ, AT+CPIN?, AT+CFUN?); anything else: ERROR.\n"
    "Downloads are real: libcurl fetches the FTP or HTTP URL it is given (HTTPS\n"
    "only with --profile field). A local file /data/ufs/NAME is the file NAME in\n"
    "the UFS folder. Packages are made with 'dfota package'; a corrupt one ends\n"
    "with END,505 and five retries, one for another source version with END,510,\n"
    "one larger than the free space with FTPEND/HTTPEND,511. After END,0 the\n"
    "module runs the package's target version (ATI, AT+QGMR), so upgrading back\n"
    "works.\n"
    "\n"
    "Reboots: on a USB port (the default) the module closes its terminal after the\n"
    "download (the host sees a hang-up: read returns 0 or EIO), removes the link,\n"
    "and after the reboot time opens a NEW terminal behind the same link; the host\n"
    "must close and reopen, as the guide tells an MCU to. START, UPDATING and END\n"
    "follow, then another reboot into normal mode with RDY and the boot lines. On\n"
    "a UART port the terminal stays and RDY marks each reboot.\n"
    "\n"
    "Options:\n"
    "  -l, --link PATH          keep a symbolic link to the current terminal at PATH\n"
    "                           (replaced atomically; removed on exit and while a\n"
    "                           USB reboot has the port away; never replaces a file)\n"
    "  -F, --firmware VERSION   the running firmware (default EG95EFAR02A07M4G)\n"
    "  -p, --profile strict|field  strict (default): download failures are the\n"
    "                           guide's 601 (FTP) and 701 (HTTP). field: the detailed\n"
    "                           codes shipped firmware reports (625 not logged in, 611\n"
    "                           no such file, 609 timeout, 711 HTTP 404, 702 timeout,\n"
    "                           716 connection refused ...), and HTTPS, /cache/ufs/\n"
    "                           and extra arguments are accepted\n"
    "  -P, --port usb|uart      how the module is attached (default usb)\n"
    "  -t, --time-scale X       wall seconds per module second (default 1); 0.001\n"
    "                           runs a ten-minute upgrade in 0.6 s. Network transfers\n"
    "                           themselves run at their real speed\n"
    "      --reboot DURATION    module time the port is away on a reboot (default 20s)\n"
    "      --progress-step DURATION  module time between UPDATING URCs (default 2s)\n"
    "  -u, --ufs DIR            the folder that stands for /data/ufs/ (default: a\n"
    "                           temporary folder, removed on exit)\n"
    "  -s, --free-space BYTES   free space for a download (default 64MiB; KiB, MiB,\n"
    "                           GiB suffixes allowed)\n"
    "  -S, --scenario FILE      take firmware, port, profile, free space and faults\n"
    "                           from a scenario's emulator: block; options given here\n"
    "                           win over it\n"
    "  -h, --help               show this help\n"
    "\n"
    "It prints 'terminal: PATH' and 'link: PATH' when it is ready, and a line for\n"
    "each terminal change and firmware change after that.\n"
    "\n"
    "Faults (a scenario's emulator block) make it misbehave as in the field, to\n"
    "test hosts: download-error update-fail accept-invalid urc-after-error\n"
    "lost-start out-of-order-urc percent-signs truncated-urc\n"
    "stray-bytes extra-codes end-before-100 duplicate-urc overlong-line\n"
    "two-part-update downloading-urcs urc-cut-by-reboot reboot-never reboot-delay\n"
    "six-retries test-error double-final no-retry percent-over-100\n"
    "skip-download-start update-after-dl-fail no-port-drop slow-final-result\n"
    "no-end http-code. Others are refused.\n"
    "\n"
    "Exit status:\n"
    "  0  stopped by SIGINT, SIGTERM or SIGHUP; the link is removed\n"
    "  2  usage error, or a scenario that is not valid\n"
    "  4  the emulator could not start or failed (no pseudo-terminal, link in the\n"
    "     way, UFS folder missing)\n";

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* SIGINT, SIGTERM and SIGHUP stop the loop (without SA_RESTART, so a wait
 * returns early) and the link is removed; a closed standard output does
 * not kill the process before that. */
static void signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

typedef struct {
    dfota_emulator_opts opts;
    const char *scenario;
    const char *profile; /* as given, NULL when not */
    const char *port;
} emulate_args;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "dfota emulate: %s '%s' (see dfota emulate --help)\n", what, arg);
    return EXIT_INPUT;
}

static int parse_scale(const char *s, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1000)
        return 0;
    *out = v;
    return 1;
}

static int parse_duration(const char *s, int64_t *out)
{
    return dfota_duration_parse(s, strlen(s), out) == DFOTA_OK && *out > 0;
}

static int parse_option(emulate_args *a, int c, const char *arg)
{
    uint64_t bytes = 0;
    switch (c) {
    case 'l': a->opts.link = arg; return 0;
    case 'F': a->opts.firmware = arg; return 0;
    case 'u': a->opts.ufs_dir = arg; return 0;
    case 'S': a->scenario = arg; return 0;
    case 'p':
        if (strcmp(arg, "strict") != 0 && strcmp(arg, "field") != 0)
            return usage_error("bad profile (strict or field)", arg);
        a->profile = arg;
        return 0;
    case 'P':
        if (strcmp(arg, "usb") != 0 && strcmp(arg, "uart") != 0)
            return usage_error("bad port (usb or uart)", arg);
        a->port = arg;
        return 0;
    case 't':
        return parse_scale(arg, &a->opts.time_scale) ? 0 : usage_error("bad time scale", arg);
    case 'r':
        return parse_duration(arg, &a->opts.reboot_ns) ? 0 : usage_error("bad reboot time", arg);
    case 'g':
        return parse_duration(arg, &a->opts.progress_step_ns) ? 0
                                                              : usage_error("bad progress step", arg);
    case 's':
        if (!parse_bytes(arg, FREE_SPACE_MAX, &bytes) || bytes == 0)
            return usage_error("bad free space", arg);
        a->opts.free_space = (int64_t)bytes;
        return 0;
    default: fputs(usage, stderr); return EXIT_INPUT;
    }
}

/* Options, then 0 to go on, or the exit status (-1 for --help). */
static int parse_args(emulate_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"link", required_argument, NULL, 'l'},       {"firmware", required_argument, NULL, 'F'},
        {"profile", required_argument, NULL, 'p'},    {"port", required_argument, NULL, 'P'},
        {"time-scale", required_argument, NULL, 't'}, {"reboot", required_argument, NULL, 'r'},
        {"progress-step", required_argument, NULL, 'g'}, {"ufs", required_argument, NULL, 'u'},
        {"free-space", required_argument, NULL, 's'}, {"scenario", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:F:p:P:t:u:s:S:h", longopts, NULL)) != -1) {
        if (c == 'h')
            return -1;
        if ((rc = parse_option(a, c, optarg)) != 0)
            return rc;
    }
    if (optind != argc)
        return usage_error("unexpected argument", argv[optind]);
    return 0;
}

/* The scenario's block with what the command line says winning over it. */
static void spec_merge(const emulate_args *a, dfota_emulator_spec *spec)
{
    if (a->port)
        spec->port = NULL;
    if (a->profile)
        spec->profile = NULL;
}

static void report_changes(const dfota_emulator *em, char *tty, size_t tty_cap, char *fw,
                           size_t fw_cap)
{
    const char *now_tty = dfota_emulator_tty(em), *now_fw = dfota_emulator_firmware(em);
    if (strcmp(now_tty, tty) != 0) {
        if (*now_tty)
            printf("terminal: %s\n", now_tty);
        else
            printf("terminal: away (USB reboot)\n");
        snprintf(tty, tty_cap, "%s", now_tty);
    }
    if (strcmp(now_fw, fw) != 0) {
        printf("firmware: %s\n", now_fw);
        snprintf(fw, fw_cap, "%s", now_fw);
    }
    fflush(stdout);
}

static int emulate_loop(dfota_emulator *em)
{
    char err[DFOTA_ERRBUF] = "", tty[4096], fw[128];
    snprintf(tty, sizeof tty, "%s", dfota_emulator_tty(em));
    snprintf(fw, sizeof fw, "%s", dfota_emulator_firmware(em));
    while (!stop_signal) {
        if (dfota_emulator_step(em, 200, err, sizeof err) != DFOTA_OK) {
            fprintf(stderr, "dfota emulate: %s\n", err);
            return EXIT_HARNESS;
        }
        report_changes(em, tty, sizeof tty, fw, sizeof fw);
    }
    printf("stopped by %s\n", stop_signal == SIGINT ? "SIGINT" : stop_signal == SIGHUP ? "SIGHUP" : "SIGTERM");
    return EXIT_PASS;
}

static int emulate_run(emulate_args *a, dfota_scenario *sc)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_emulator_spec spec;
    dfota_emulator *em = NULL;
    if (sc) {
        spec = sc->emulator;
        spec_merge(a, &spec);
        a->opts.spec = &spec;
    }
    a->opts.field = a->profile && strcmp(a->profile, "field") == 0;
    a->opts.uart = a->port && strcmp(a->port, "uart") == 0;
    signals_catch();
    if (dfota_emulator_new(&a->opts, &em, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota emulate: %s\n", err);
        return EXIT_HARNESS;
    }
    printf("terminal: %s\nlink: %s\nfirmware: %s\n", dfota_emulator_tty(em),
           a->opts.link ? a->opts.link : "(none)", dfota_emulator_firmware(em));
    fflush(stdout);
    int status = emulate_loop(em);
    dfota_emulator_free(em);
    return status;
}

int cmd_emulate(int argc, char **argv)
{
    emulate_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        if (rc == -1)
            fputs(usage, stdout);
        return rc == -1 ? EXIT_PASS : rc;
    }
    dfota_scenario *sc = NULL;
    char err[DFOTA_ERRBUF];
    if (a.scenario && dfota_scenario_load(a.scenario, &sc, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "%s\n", err);
        return EXIT_INPUT;
    }
    int status = emulate_run(&a, sc);
    dfota_scenario_free(sc);
    return status;
}
