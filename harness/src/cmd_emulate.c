/* SPDX-License-Identifier: MIT */
/* cmd_emulate.c - dfota emulate: an EG9x module on a pseudo-terminal. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfota/dfota.h"
#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "dfota/scenario.h"
#include "cli.h"
#include "record_cap.h"

#define FREE_SPACE_MAX (1ULL << 40)
#define CLI_FAULTS_MAX 16

static const char usage[] =
    "usage: dfota emulate [OPTIONS]\n"
    "\n"
    "Runs an emulated Quectel EG95 behind a pseudo-terminal until SIGINT, SIGTERM\n"
    "or SIGHUP. Host software (yours, a terminal program, chat, socat, or dfota run)\n"
    "talks to it through the terminal exactly as to a module on /dev/ttyUSB2.\n"
    "Command lines are taken as V.250 has a module take them: bytes before AT\n"
    "ignored, AT or at, commands concatenated (AT+CMEE=1;+CGMI;E0), ATE, ATV0\n"
    "(numeric results), ATQ1, S3/S4/S5, ATZ, A/. AT+QFOTADL=? and\n"
    "AT+QFOTADL=<ftpURL>|<httpURL>|<file_name> with the guide's argument checks\n"
    "(ERROR for a bad one), AT+QFLST, AT+QFDEL and AT+QFUPL over the UFS folder,\n"
    "and AT+CMEE are played; the identification, SIM, network and configuration\n"
    "commands hosts send at start-up (ATI, AT+CGMR, AT+CGSN, AT+CIMI, AT+CPIN?,\n"
    "AT+CREG?, AT+CSQ, AT+CGDCONT=? ...) are answered from the model's file\n"
    "(--model); anything else: ERROR.\n"
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
    "  -m, --model NAME|FILE    the module model: a built-in one (eg95, the\n"
    "                           default) or a model file NAME.yaml: what it answers\n"
    "                           to ATI, AT+CGMR, AT+CGSN, AT+CPIN? ... and its IMEI,\n"
    "                           IMSI and ICCID (models/README.md)\n"
    "  -p, --profile strict|field|NAME  strict (default): download failures are the\n"
    "                           guide's 601 (FTP) and 701 (HTTP). field: the detailed\n"
    "                           codes shipped firmware reports (625 not logged in, 611\n"
    "                           no such file, 609 timeout, 711 HTTP 404, 702 timeout,\n"
    "                           716 connection refused ...), and HTTPS, /cache/ufs/\n"
    "                           and extra arguments are accepted. NAME: a named\n"
    "                           firmware manner, field plus its faults (below)\n"
    "  -P, --port usb|uart      how the module is attached (default usb)\n"
    "  -t, --time-scale X       wall seconds per module second (default 1); 0.001\n"
    "                           runs a ten-minute upgrade in 0.6 s. Network transfers\n"
    "                           themselves run at their real speed\n"
    "      --reboot DURATION    module time the port is away on a reboot (default 20s)\n"
    "      --progress-step DURATION  module time between UPDATING URCs (default 2s)\n"
    "      --progress-urcs N    UPDATING URCs in a whole update, 2 to 100 (default 10)\n"
    "  -u, --ufs DIR            the folder that stands for /data/ufs/ (default: a\n"
    "                           temporary folder, removed on exit)\n"
    "  -s, --free-space BYTES   free space for a download (default 64MiB; KiB, MiB,\n"
    "                           GiB suffixes allowed)\n"
    "  -S, --scenario FILE      take port, profile, free space and faults from a\n"
    "                           scenario's emulator: block, and the firmware from it\n"
    "                           or from its requires: block; options given here win\n"
    "                           over it\n"
    ;

/* The help's second and third parts: ISO C caps a string literal at 4095
 * bytes. */
static const char usage_options[] =
    "  -x, --fault KIND[:KEY=VALUE,...]  play a fault (repeatable, added to the\n"
    "                           scenario's): KEY is code, at, times, delay or stage,\n"
    "                           e.g. --fault update-fail:at=40,code=522,times=2\n"
    "  -R, --record FILE        record the session as a transcript (flushed as it\n"
    "                           goes), then judge the module and the host with the\n"
    "                           HOST-* rules when stopped (see below)\n"
    "      --host-reopen DURATION  --record: HOST-REOPEN's window (default 10s),\n"
    "                           in wall time: the host lives in it, whatever\n"
    "                           --time-scale the module runs at\n"
    "      --connect-to SPEC    where a download really connects, as HOST:PORT:\n"
    "                           HOST2:PORT2 (curl's; empty HOST: any), e.g. the\n"
    "                           fixture servers' :2121:127.0.0.1:40123; repeatable\n"
    "      --record-max SIZE    --record: the recording's cap (default 64MiB; KiB,\n"
    "                           MiB, GiB): past it what crosses is judged, not\n"
    "                           written, and the recording ends saying how much\n"
    "      --no-redact          keep FTP passwords and URL tokens in the recording\n"
    "                           (by default they are written as ***)\n"
    CLI_REDACT_PARAM_HELP
    "      --allow-empty        --record: a session in which the host never sent\n"
    "                           AT+QFOTADL passes instead of exiting 3\n"
    "  -q, --quiet              print only the lines below (terminal, link, firmware,\n"
    "                           ufs, their changes, the verdict), not what crosses\n"
    "  -h, --help               show this help\n";

static const char usage_more[] =
    "\n"
    "It prints 'terminal: PATH', 'link: PATH', 'firmware: VERSION' and 'ufs: DIR'\n"
    "when it is ready, and a line for each terminal change and firmware change\n"
    "after that. Unless --quiet it also says, as it happens, what it received\n"
    "('12.345 > AT+QFOTADL=...', module time), what it answered ('12.400 < OK'),\n"
    "'!' events (host-open, port-lost ...), each download and why one failed\n"
    "('download: FTP failed: <libcurl's reason> -> FTPEND,601') and each fault\n"
    "it plays ('fault: KIND fires ...'); passwords shown as ***.\n"
    "\n"
    "In a umockdev test bed (UMOCKDEV_DIR set, the link in its dev/ folder) a USB\n"
    "reboot also removes the test bed's USB device above the tty and adds it back,\n"
    "with the uevents a host that watches udev (ModemManager) gets for a real\n"
    "unplug and replug.\n"
    "\n"
    "Faults (listed at the end) make it misbehave as in the field, to test hosts.\n"
    "A fault takes code, at (a percent), times, delay and stage (a URC stage).\n"
    "Others are refused.\n"
    "\n"
    "Testing host software: start 'dfota emulate --record s.transcript --link L',\n"
    "let your host drive L, then stop the emulator (SIGINT or SIGTERM). The\n"
    "recording holds what each side sent and '! host-open' / '! host-close' when\n"
    "the host opened or closed the port; it is judged as 'dfota check --host\n"
    "--host-windows' would: the module's rules and HOST-WAIT-FINAL (no command\n"
    "before the final result), HOST-ONE-UPGRADE (no AT+QFOTADL while one runs),\n"
    "HOST-REOPEN (the port reopened within 10 s of coming back after a reboot)\n"
    "and HOST-READ-TO-END (the port open for every URC, to END).\n"
    "\n"
    "Exit status:\n"
    "  0  stopped by SIGINT, SIGTERM or SIGHUP; the link is removed (with\n"
    "     --record: and the session passed)\n"
    "  1  --record: a rule failed (the module's or the host's)\n"
    "  3  --record: no FAIL, but a rule is INCOMPLETE, or the host never started\n"
    "     an upgrade (no AT+QFOTADL, no FOTA URC: nothing to judge)\n"
    "  2  usage error, a scenario that is not valid, or a --link that another\n"
    "     dfota emulate holds (the message names its process)\n"
    "  4  the emulator could not start or failed (no pseudo-terminal, link in the\n"
    "     way, UFS folder missing)\n";

typedef struct {
    dfota_emulator_opts opts;
    const char *scenario;
    const char *record;  /* --record FILE */
    uint64_t record_max; /* --record-max SIZE; 0: RECORD_MAX_DEFAULT */
    int64_t host_reopen_ns; /* --host-reopen DURATION; 0: the host windows' 10 s */
    const char *connect_to[16];
    int keep_secrets;    /* --no-redact */
    int allow_empty;     /* --allow-empty */
    int quiet;           /* --quiet: no console lines */
    dfota_fault faults[CLI_FAULTS_MAX];
    size_t n_faults;
    char fault_text[CLI_FAULTS_MAX][64]; /* the kinds the faults point into */
} emulate_args;

static int usage_error(const char *what, const char *arg)
{
    char b[CLI_SHOWN_MAX];
    fprintf(stderr, "dfota emulate: %s '%s' (see dfota emulate --help)\n", what,
            cli_shown(arg, b, sizeof b));
    return EXIT_INPUT;
}

/* A scale the clock can keep (dfota_clock_scale_parse): 1e-15 would
 * overflow module time and hang the emulator. */
static int parse_scale(const char *s, double *out)
{
    char err[DFOTA_ERRBUF];
    if (dfota_clock_scale_parse(s, out, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota emulate: bad --time-scale '%s': %s\n", s, err);
        return 0;
    }
    return 1;
}

static int parse_duration(const char *s, int64_t *out)
{
    return dfota_duration_parse(s, strlen(s), out) == DFOTA_OK && *out > 0;
}

/* --fault KIND[:KEY=VALUE,...]; the emulator refuses a kind it cannot play. */
static int parse_fault(emulate_args *a, const char *arg)
{
    char err[DFOTA_ERRBUF], what[DFOTA_ERRBUF + 16];
    if (a->n_faults == CLI_FAULTS_MAX)
        return usage_error("too many faults (16 at most)", arg);
    if (dfota_emulator_fault_parse(arg, &a->faults[a->n_faults], a->fault_text[a->n_faults],
                                   sizeof a->fault_text[0], err, sizeof err) != DFOTA_OK) {
        snprintf(what, sizeof what, "bad fault (%s)", err);
        return usage_error(what, arg);
    }
    a->n_faults++;
    return 0;
}

static int parse_option(emulate_args *a, int c, const char *arg)
{
    uint64_t bytes = 0;
    switch (c) {
    case 'l': a->opts.link = arg; return 0;
    case 'F': a->opts.firmware = arg; return 0;
    case 'm': a->opts.model = arg; return 0;
    case 'u': a->opts.ufs_dir = arg; return 0;
    case 'S': a->scenario = arg; return 0;
    case 'R': a->record = arg; return 0;
    case 'K': a->keep_secrets = 1; return 0;
    case CLI_OPT_REDACT_PARAM: return cli_redact_param("dfota emulate", "--redact-param", arg);
    case 'H':
        if (!parse_duration(arg, &a->host_reopen_ns) || a->host_reopen_ns <= 0)
            return usage_error("bad host-reopen window", arg);
        return 0;
    case 'E': a->allow_empty = 1; return 0;
    case 'q': a->quiet = 1; return 0;
    case 'M':
        if (!parse_bytes(arg, RECORD_MAX_LIMIT, &a->record_max) || a->record_max == 0)
            return usage_error("bad recording cap (BYTES, KiB, MiB or GiB, at most 1TiB)", arg);
        return 0;
    case 'C':
        if (a->opts.n_connect_to == 16)
            return usage_error("too many --connect-to (16 at most)", arg);
        a->connect_to[a->opts.n_connect_to++] = arg;
        a->opts.connect_to = a->connect_to;
        return 0;
    case 'x': return parse_fault(a, arg);
    case 'p':
        if (!dfota_emulator_profile_known(arg))
            return usage_error("unknown profile (strict, field or a name that --help lists)", arg);
        a->opts.profile = arg;
        return 0;
    case 'P':
        if (strcmp(arg, "usb") != 0 && strcmp(arg, "uart") != 0)
            return usage_error("bad port (usb or uart)", arg);
        a->opts.uart = strcmp(arg, "uart") == 0 ? 1 : -1;
        return 0;
    case 't':
        return parse_scale(arg, &a->opts.time_scale) ? 0 : EXIT_INPUT;
    case 'r':
        return parse_duration(arg, &a->opts.reboot_ns) ? 0 : usage_error("bad reboot time", arg);
    case 'g':
        return parse_duration(arg, &a->opts.progress_step_ns) ? 0
                                                              : usage_error("bad progress step", arg);
    case 'n': {
        char *end = NULL;
        long v = strtol(arg, &end, 10);
        if (end == arg || *end || v < 2 || v > 100)
            return usage_error("bad number of progress URCs (2 to 100)", arg);
        a->opts.progress_urcs = (int)v;
        return 0;
    }
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
        {"model", required_argument, NULL, 'm'},
        {"profile", required_argument, NULL, 'p'},    {"port", required_argument, NULL, 'P'},
        {"time-scale", required_argument, NULL, 't'}, {"reboot", required_argument, NULL, 'r'},
        {"progress-step", required_argument, NULL, 'g'}, {"ufs", required_argument, NULL, 'u'},
        {"progress-urcs", required_argument, NULL, 'n'},
        {"free-space", required_argument, NULL, 's'}, {"scenario", required_argument, NULL, 'S'},
        {"fault", required_argument, NULL, 'x'},      {"record", required_argument, NULL, 'R'},
        {"no-redact", no_argument, NULL, 'K'},      {"allow-empty", no_argument, NULL, 'E'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {"connect-to", required_argument, NULL, 'C'}, {"host-reopen", required_argument, NULL, 'H'},
        {"record-max", required_argument, NULL, 'M'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},             {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "l:F:m:p:P:t:u:s:S:x:R:qh", longopts, NULL)) != -1) {
        if (c == 'h')
            return -1;
        if ((rc = parse_option(a, c, optarg)) != 0)
            return rc;
    }
    if (optind != argc)
        return usage_error("unexpected argument", argv[optind]);
    return 0;
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
    while (!cli_stop_signal) {
        if (dfota_emulator_step(em, 200, err, sizeof err) != DFOTA_OK) {
            fprintf(stderr, "dfota emulate: %s\n", err);
            return EXIT_HARNESS;
        }
        report_changes(em, tty, sizeof tty, fw, sizeof fw);
    }
    printf("stopped by %s\n", cli_stop_signal_name());
    return EXIT_PASS;
}

/* --record: the transcript, written and flushed event by event, and the
 * judge fed the same events live. The judge sees the real bytes (a 60-byte
 * password is judged as 60 bytes); only the transcript is redacted. */
typedef struct {
    FILE *f;
    record_cap cap;          /* f, bounded (--record-max) */
    int failed; /* a write failed: said once, then the run ends */
    int keep_secrets;
    unsigned long line;      /* the transcript line the next event is written on */
    dfota_output *out;       /* the verdict, as dfota check --host writes it */
    dfota_checker *chk;
    dfota_provenance prov;   /* what judges it, in the header and the verdict */
} recording;

#define RECORD_HEADER_PAIRS 6
#define PROVENANCE_PAIRS 5

static void record_event(void *ctx, const dfota_event *ev)
{
    recording *r = ctx;
    if (r->failed)
        return;
    dfota_event at = *ev;
    /* findings name the recording's own lines (past the cap, its "full" line) */
    int bad = record_cap_write(&r->cap, ev, r->keep_secrets, &r->line) != 0;
    at.line = r->line;
    dfota_checker_feed(r->chk, &at);
    if (bad) {
        r->failed = 1;
        fprintf(stderr, "dfota emulate: cannot write the recording: %s\n", strerror(errno));
    }
}

/* ---- the console: what the emulator does, for a person (not --quiet) */

static void console_line(void *ctx, const char *line)
{
    (void)ctx;
    char b[CLI_SHOWN_MAX];
    printf("%s\n", cli_shown(line, b, sizeof b)); /* flushed by the loop after each step */
}

/* Each line that crosses the terminal, and '!' events: "12.345 > AT...",
 * redacted and escaped (cli_shown); then the recording's, if any. */
static void console_event(void *ctx, const dfota_event *ev)
{
    recording *r = ctx;
    char b[CLI_SHOWN_MAX];
    printf("%9.3f %c %s\n", (double)ev->t_ns / 1e9, (char)ev->dir, cli_shown(ev->data, b, sizeof b));
    if (r->f)
        record_event(r, ev);
}

static void record_close(recording *r)
{
    if (r->f)
        fclose(r->f);
    r->f = NULL;
    dfota_checker_free(r->chk);
    r->chk = NULL;
    dfota_output_free(r->out);
    r->out = NULL;
}

/* The judge, as dfota check --host --host-windows would judge the
 * recording; the strict profile unless the module plays field. */
static int record_judge_open(const emulate_args *a, const dfota_emulator_settings *set,
                             recording *r)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    o.profile = set->judge;
    dfota_checker_opts_host_windows(&o);
    o.judge_host = 1;
    o.usb_port = !set->uart;
    o.host_wall_scale = a->opts.time_scale; /* the host lives in wall time */
    if (a->host_reopen_ns > 0)
        o.host_reopen_ns = a->host_reopen_ns;
    r->out = dfota_output_new(DFOTA_OUT_TEXT, stdout, o.profile, 0);
    if (!r->out)
        return -1;
    dfota_provenance_fill(&r->prov, dfota_profile_name(o.profile),
                          cli_argc, cli_argv);
    dfota_output_provenance(r->out, &r->prov);
    dfota_output_keep_secrets(r->out, a->keep_secrets);
    dfota_output_allow_empty(r->out, a->allow_empty);
    dfota_output_begin_file(r->out, a->record);
    dfota_sink sink = dfota_output_sink(r->out);
    r->chk = dfota_checker_new(&o, &sink);
    return r->chk ? 0 : -1;
}

static int record_open(const emulate_args *a, const dfota_emulator_settings *set, recording *r)
{
    char started[40], port[1100];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* A port header starting "usb:" makes PORT-REBOOT apply, as on hardware. */
    snprintf(port, sizeof port, "%s (emulated at %s)",
             set->uart ? "uart" : "usb:2c7c:0195:if=2",
             a->opts.link ? a->opts.link : "its terminal");
    /* the host's times are judged in wall time: the clock's scale says how */
    char scale[40];
    snprintf(scale, sizeof scale, "%g", a->opts.time_scale > 0 ? a->opts.time_scale : 1.0);
    const char *pairs[2 * (RECORD_HEADER_PAIRS + PROVENANCE_PAIRS)] = {
        "module", set->firmware,
        "port", port, "started", started, "recorded-by", "dfota emulate (module and host)",
        "redacted", a->keep_secrets ? "none" : "credentials", "time-scale", scale};
    r->keep_secrets = a->keep_secrets;
    if (record_judge_open(a, set, r) != 0) {
        fprintf(stderr, "dfota emulate: out of memory\n");
        record_close(r);
        return EXIT_HARNESS;
    }
    size_t n = RECORD_HEADER_PAIRS + dfota_provenance_pairs(&r->prov, pairs + 2 * RECORD_HEADER_PAIRS);
    r->line = 1 + n; /* the magic line, then one line a pair */
    if (!(r->f = fopen(a->record, "w")) ||
        dfota_transcript_write_header(r->f, pairs, n) != DFOTA_OK ||
        fflush(r->f) != 0) {
        fprintf(stderr, "dfota emulate: cannot write %s: %s\n", a->record, strerror(errno));
        record_close(r);
        return EXIT_HARNESS;
    }
    off_t head = ftello(r->f);
    r->cap = (record_cap){.f = r->f,
                          .max = a->record_max ? a->record_max : RECORD_MAX_DEFAULT,
                          .written = head > 0 ? (uint64_t)head : 0};
    return 0;
}

/* The verdict on what the judge saw live. */
static int record_judge(const emulate_args *a, recording *r)
{
    int bad = r->failed;
    if (fclose(r->f) != 0)
        bad = 1;
    r->f = NULL;
    if (bad) {
        fprintf(stderr, "dfota emulate: the recording %s is not whole\n", a->record);
        record_close(r);
        return EXIT_HARNESS;
    }
    printf("recorded: %s\n", a->record);
    dfota_checker_finish(r->chk);
    const dfota_checker_result *res = dfota_checker_result_get(r->chk);
    if (res->nothing_to_judge && !a->allow_empty)
        printf("the host never started an upgrade: no AT+QFOTADL was sent\n");
    dfota_output_end_file(r->out, res, NULL, DFOTA_FMT_TRANSCRIPT, NULL);
    int status = (int)dfota_output_status(r->out);
    if (dfota_output_finish(r->out) != DFOTA_OK) {
        fprintf(stderr, "dfota emulate: cannot write the verdict: %s\n", strerror(errno));
        status = EXIT_HARNESS;
    }
    record_close(r);
    return status;
}

static int emulate_run(emulate_args *a, dfota_scenario *sc)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_emulator_settings set;
    dfota_emulator *em = NULL;
    recording rec;
    memset(&rec, 0, sizeof rec);
    if (sc) {
        a->opts.spec = &sc->emulator;
        a->opts.required_firmware = sc->requires_firmware;
    }
    a->opts.faults = a->faults; /* after the scenario's */
    a->opts.n_faults = a->n_faults;
    if (dfota_emulator_settings_resolve(&a->opts, &set, err, sizeof err) != DFOTA_OK ||
        dfota_emulator_model_check_name(a->opts.model, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota emulate: %s\n", err);
        return EXIT_INPUT;
    }
    if (a->record) {
        int rc = record_open(a, &set, &rec);
        if (rc)
            return rc;
        a->opts.on_event = record_event;
        a->opts.event_ctx = &rec;
    }
    if (!a->quiet) {
        a->opts.on_event = console_event; /* and the recording's, if any */
        a->opts.event_ctx = &rec;
        a->opts.on_console = console_line;
    }
    cli_catch_stop_flag(); /* SIGINT, SIGTERM, SIGHUP end the loop; the link is removed */
    if (dfota_emulator_new(&a->opts, &em, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota emulate: %s\n", err);
        record_close(&rec);
        /* a link another emulator holds is the user's to sort out */
        return dfota_emulator_link_holder(a->opts.link) != 0 ? EXIT_INPUT : EXIT_HARNESS;
    }
    printf("terminal: %s\nlink: %s\nfirmware: %s\nufs: %s\n", dfota_emulator_tty(em),
           a->opts.link ? a->opts.link : "(none)", dfota_emulator_firmware(em),
           dfota_emulator_ufs_dir(em));
    fflush(stdout);
    int status = emulate_loop(em);
    dfota_emulator_free(em);
    if (rec.f && !rec.failed && record_cap_finish(&rec.cap, "dfota emulate", a->record) != 0) {
        rec.failed = 1;
        fprintf(stderr, "dfota emulate: cannot write the recording: %s\n", strerror(errno));
    }
    if (rec.f)
        status = status == EXIT_PASS ? record_judge(a, &rec) : (record_close(&rec), status);
    return status;
}

int cmd_emulate(int argc, char **argv)
{
    emulate_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(&a, argc, argv);
    if (rc != 0) {
        if (rc == -1) {
            fputs(usage, stdout);
            fputs(usage_options, stdout);
            fputs(usage_more, stdout);
            const char *about, *name;
            fputs("\nNamed profiles (--profile NAME, or profile: in a scenario's emulator block):\n",
                  stdout);
            for (size_t i = 0; (name = dfota_emulator_profile_name(i, &about)); i++)
                printf("  %-16s %s\n", name, about);
            const dfota_fault_kind *k;
            fputs("\nFaults (--fault KIND, or faults: in a scenario's emulator block):\n", stdout);
            for (size_t i = 0; (k = dfota_fault_kind_at(i)); i++)
                printf("  %-20s %s\n", k->name, k->about);
        }
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
