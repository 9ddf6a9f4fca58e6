/* SPDX-License-Identifier: MIT */
/* cmd_proxy.c - dfota proxy: judges host software driving a real module. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "dfota/port.h"
#include "dfota/source.h"
#include "cli.h"
#include "record_cap.h"

#define STEP_MS 200
#define REPORT_TRIES 100

static const char usage[] =
    "usage: dfota proxy --source serial:PORT[,OPTION=VALUE...] --link PATH [OPTIONS]\n"
    "\n"
    "Puts a pseudo-terminal in front of a real module, for host software (yours,\n"
    "a terminal program) to open at PATH as if it were the module's port. dfota\n"
    "forwards the bytes both ways unchanged, records what crossed with timestamps,\n"
    "and judges the module and the host with the rule catalogue as it goes: the\n"
    "module's rules and HOST-WAIT-FINAL (no command before the final result),\n"
    "HOST-ONE-UPGRADE (no AT+QFOTADL while one runs), HOST-REOPEN (the port\n"
    "reopened within 10 s of coming back after a reboot) and HOST-READ-TO-END (the\n"
    "port open for every URC, to END), with the host timing windows of\n"
    "'dfota check --host-windows'. It runs until SIGINT, SIGTERM or SIGHUP, then\n"
    "prints the verdict.\n"
    "\n"
    "Reboots: when the module's port goes away (a USB reboot), dfota closes its\n"
    "terminal and removes PATH, so the host sees the port drop as with the module;\n"
    "when the port is back, a NEW terminal is behind the same PATH, for the host\n"
    "to reopen. Bytes the module sends while no host has PATH open are recorded\n"
    "and dropped, as a USB port drops them.\n"
    "\n"
    "";

/* The help in parts: C99 promises string literals of 4095 bytes only. */
static const char usage_options[] =
    "Options:\n"
    "  -s, --source serial:PORT[,OPTION=VALUE...]  the module. PORT is a device\n"
    "                           path (/dev/ttyUSB2, /dev/serial/by-id/..., a\n"
    "                           pseudo-terminal) or a USB identity\n"
    "                           usb:VID:PID[:if=N][:serial=S] (see dfota ports);\n"
    "                           options: baud=N (115200), flow=none|rtscts,\n"
    "                           settle=DURATION (after a reboot, how long the port\n"
    "                           must be back before it is opened; 200ms, none for a\n"
    "                           pseudo-terminal), time-scale=X (module time is wall\n"
    "                           time / X, to talk to 'dfota emulate --time-scale X';\n"
    "                           a real module runs at 1, the default)\n"
    "  -l, --link PATH          the host's port: a symbolic link to dfota's terminal\n"
    "                           (replaced atomically; removed while the module is\n"
    "                           away and on exit; never replaces a file)\n"
    "  -r, --report DIR         write DIR/proxy-<UTC time>/session.transcript\n"
    "                           (flushed event by event) and, when stopped,\n"
    "                           summary.txt with the verdict and each rule's status\n"
    "  -R, --record FILE        write the transcript to FILE instead (no summary);\n"
    "                           without --report or --record nothing is written\n"
    "  -p, --profile strict|field  strict (default): the guide to the letter;\n"
    "                           field: known shipped-firmware behaviours are WARN\n"
    "      --host-reopen DURATION  HOST-REOPEN's window (default 10s), in wall time:\n"
    "                           the host lives in it, whatever the time-scale\n"
    "      --give-up DURATION   stop when the module's port has been away this long\n"
    "                           after a reboot (default 300s, module time)\n"
    "      --record-max SIZE    the transcript's cap (default 64MiB): past it what\n"
    "                           crosses is judged, not written, and counted\n"
    "      --no-redact          keep FTP passwords and URL tokens in the transcript\n"
    "                           and the findings (by default they are written as\n"
    "                           ***; judging always uses the real text)\n"
    CLI_REDACT_PARAM_HELP
    "  -h, --help               show this help\n"
    "\n"
    "It prints 'link: PATH' when the host may open PATH, then each finding as it\n"
    "happens (FILE:LINE: LEVEL RULE-ID (§section) expected; seen), 'module port:\n"
    "away' and 'module port: back' around reboots, and the verdict when stopped.\n"
    "The transcript can be judged again with 'dfota check --host --host-windows'\n"
    "(which cannot know how late the proxy itself read each line).\n"
    "\n"
    "Exit status:\n"
    "  0  stopped by a signal; the session passed\n"
    "  1  a rule failed (the module's or the host's)\n"
    "  2  usage error\n"
    "  3  no FAIL, but a rule is INCOMPLETE (e.g. stopped during an upgrade)\n"
    "  4  harness trouble: the module's port cannot be opened, PATH is in the way\n"
    "     (a file), the report cannot be written, the port did not come back\n"
    "     within the give-up time, or dfota itself was late: a window missed by\n"
    "     less than dfota's own delay in reading is not judged (the verdict so\n"
    "     far is still printed)\n";

typedef struct {
    const char *source;      /* serial:... */
    const char *link;
    const char *report;      /* --report DIR */
    const char *record;      /* --record FILE */
    dfota_profile profile;
    int keep_secrets;
    int64_t host_reopen_ns;  /* 0: the host windows' */
    int64_t give_up_ns;      /* 0: the proxy's default */
    uint64_t record_max;     /* --record-max SIZE; 0: RECORD_MAX_DEFAULT */
} proxy_args;

/* Everything one session writes and judges. */
typedef struct {
    char transcript[4096 + 32]; /* "" when nothing is written */
    char dir[4096];          /* the report's folder, "" without --report */
    FILE *rec;
    record_cap cap;          /* rec, bounded (--record-max) */
    int rec_failed;
    unsigned long line;      /* the transcript's line of the last event */
    int keep_secrets;
    dfota_checker *checker;
    dfota_output *out;
} session;

static int usage_error(const char *what, const char *arg)
{
    char b[CLI_SHOWN_MAX];
    fprintf(stderr, "dfota proxy: %s '%s' (see dfota proxy --help)\n", what,
            cli_shown(arg, b, sizeof b));
    return EXIT_INPUT;
}

static int parse_duration(const char *s, int64_t *out)
{
    return dfota_duration_parse(s, strlen(s), out) == DFOTA_OK && *out > 0;
}

static int parse_option(proxy_args *a, int c, const char *arg)
{
    switch (c) {
    case 's': a->source = arg; return 0;
    case 'l': a->link = arg; return 0;
    case 'r': a->report = arg; return 0;
    case 'R': a->record = arg; return 0;
    case 'K': a->keep_secrets = 1; return 0;
    case CLI_OPT_REDACT_PARAM: return cli_redact_param("dfota proxy", "--redact-param", arg);
    case 'p':
        if (dfota_profile_parse(arg, &a->profile) != DFOTA_OK)
            return usage_error("bad profile (strict or field)", arg);
        return 0;
    case 'H':
        return parse_duration(arg, &a->host_reopen_ns) ? 0 : usage_error("bad host-reopen window", arg);
    case 'G':
        return parse_duration(arg, &a->give_up_ns) ? 0 : usage_error("bad give-up time", arg);
    case 'M':
        if (!parse_bytes(arg, RECORD_MAX_LIMIT, &a->record_max) || a->record_max == 0)
            return usage_error("bad transcript cap (BYTES, KiB, MiB or GiB, at most 1TiB)", arg);
        return 0;
    default: fputs(usage, stderr); fputs(usage_options, stderr); return EXIT_INPUT;
    }
}

/* Options, then 0 to go on, or the exit status (-1 for --help). */
static int parse_args(proxy_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},  {"link", required_argument, NULL, 'l'},
        {"report", required_argument, NULL, 'r'},  {"record", required_argument, NULL, 'R'},
        {"profile", required_argument, NULL, 'p'}, {"host-reopen", required_argument, NULL, 'H'},
        {"give-up", required_argument, NULL, 'G'}, {"no-redact", no_argument, NULL, 'K'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {"record-max", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:l:r:R:p:h", longopts, NULL)) != -1) {
        if (c == 'h')
            return -1;
        if ((rc = parse_option(a, c, optarg)) != 0)
            return rc;
    }
    if (optind != argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!a->source || strncmp(a->source, "serial:", 7) != 0)
        return usage_error("--source serial:PORT is needed, got", a->source ? a->source : "");
    if (!a->link)
        return usage_error("--link PATH is needed", "");
    if (a->report && a->record)
        return usage_error("--report and --record exclude each other", a->record);
    return 0;
}

/* ---- what the session writes ------------------------------------------------------ */

/* DIR/proxy-<UTC time>/, made new (a -N suffix when the second is taken). */
/* With --no-redact a report holds passwords: its folders are 0700 and its
 * files 0600 whatever the umask; otherwise the umask decides. */
static int report_dir(session *s, const char *dir, int keep_secrets)
{
    mode_t dmode = keep_secrets ? 0700 : 0777;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (mkdir(dir, dmode) != 0 && errno != EEXIST) {
        fprintf(stderr, "dfota proxy: cannot make %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 1; i <= REPORT_TRIES; i++) {
        int n = i == 1 ? snprintf(s->dir, sizeof s->dir, "%s/proxy-%s", dir, stamp)
                       : snprintf(s->dir, sizeof s->dir, "%s/proxy-%s-%d", dir, stamp, i);
        if (n < 0 || (size_t)n >= sizeof s->dir - 32) {
            fprintf(stderr, "dfota proxy: the report folder's path is too long: %s\n", dir);
            return -1;
        }
        if (mkdir(s->dir, dmode) == 0) {
            snprintf(s->transcript, sizeof s->transcript, "%s/session.transcript", s->dir);
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    fprintf(stderr, "dfota proxy: cannot make a folder in %s: %s\n", dir, strerror(errno));
    s->dir[0] = '\0';
    return -1;
}

static int record_open(session *s, const proxy_args *a, const dfota_proxy *px, double scale)
{
    char second[32], started[48], scale_text[64];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(second, sizeof second, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(started, sizeof started, "%s.%03ldZ", second, now.tv_nsec / 1000000L);
    snprintf(scale_text, sizeof scale_text, "%g (times are module time)", scale);
    const char *pairs[] = {"port", dfota_proxy_port(px), "started", started,
                           "recorded-by", "dfota proxy (module and host)",
                           "link", a->link, "time-scale", scale_text,
                           "redacted", a->keep_secrets ? "none" : "credentials"};
    const size_t n = sizeof pairs / sizeof pairs[0] / 2;
    int fd = open(s->transcript, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, a->keep_secrets ? 0600 : 0666);
    if (fd >= 0 && a->keep_secrets && fchmod(fd, 0600) != 0) { /* a file that was there before */
        close(fd);
        fd = -1;
    }
    if (fd >= 0 && !(s->rec = fdopen(fd, "w")))
        close(fd);
    if (!s->rec ||
        dfota_transcript_write_header(s->rec, pairs, n) != DFOTA_OK || fflush(s->rec) != 0) {
        fprintf(stderr, "dfota proxy: cannot write %s: %s\n", s->transcript, strerror(errno));
        if (s->rec)
            fclose(s->rec);
        s->rec = NULL;
        return -1;
    }
    s->line = 1 + n;
    off_t head = ftello(s->rec);
    s->cap = (record_cap){.f = s->rec,
                          .max = a->record_max ? a->record_max : RECORD_MAX_DEFAULT,
                          .written = head > 0 ? (uint64_t)head : 0};
    return 0;
}

/* One event: into the transcript (without secrets, flushed), then to the
 * checker (the real text: the length rules need it), with the transcript's
 * line so that a finding points at it. */
static void on_event(void *ctx, const dfota_event *ev)
{
    session *s = ctx;
    dfota_event judged = *ev;
    if (s->rec && !s->rec_failed) {
        /* past the cap, a finding names the transcript's "full" line */
        if (record_cap_write(&s->cap, ev, s->keep_secrets, &s->line) != 0) {
            s->rec_failed = 1;
            fprintf(stderr, "dfota proxy: cannot write the transcript: %s\n", strerror(errno));
        }
        judged.line = s->line;
    }
    dfota_harness_event hev = dfota_harness_event_of(ev);
    if (hev == DFOTA_HEV_PORT_LOST)
        printf("module port: away\n");
    else if (hev == DFOTA_HEV_PORT_BACK)
        printf("module port: back\n");
    dfota_checker_feed(s->checker, &judged);
    fflush(stdout);
}

/* Findings reach the terminal as they happen, not when a buffer fills. */
static void on_finding(void *ctx, const dfota_finding *f)
{
    dfota_sink inner = dfota_output_sink(ctx);
    inner.finding(inner.ctx, f);
    fflush(stdout);
}

static int judge_open(session *s, const proxy_args *a, const char *port, double scale)
{
    dfota_checker_opts o;
    dfota_checker_opts_init(&o);
    dfota_checker_opts_host_windows(&o);
    o.profile = a->profile;
    o.judge_host = 1;
    o.usb_port = dfota_port_is_usb(port);
    o.host_wall_scale = scale; /* the host lives in wall time */
    if (a->host_reopen_ns > 0)
        o.host_reopen_ns = a->host_reopen_ns;
    int color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    if (!(s->out = dfota_output_new(DFOTA_OUT_TEXT, stdout, a->profile, color)))
        return -1;
    dfota_output_keep_secrets(s->out, a->keep_secrets);
    dfota_output_begin_file(s->out, s->transcript[0] ? s->transcript : "proxy");
    dfota_sink sink = {on_finding, NULL, s->out};
    return (s->checker = dfota_checker_new(&o, &sink)) ? 0 : -1;
}

/* summary.txt: the verdict and every rule that applied, atomically. */
static void summary_write(const session *s, const proxy_args *a, const char *trouble)
{
    char path[4096 + 16];
    atomic_file af;
    const dfota_checker_result *res = dfota_checker_result_get(s->checker);
    snprintf(path, sizeof path, "%s/summary.txt", s->dir);
    if (atomic_open_mode(&af, path, a->keep_secrets ? 0600 : 0666) != 0) {
        fprintf(stderr, "dfota proxy: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(af.f, "dfota proxy session\nsource: %s\nlink: %s\ntranscript: session.transcript\n",
            a->source, a->link);
    fprintf(af.f, "verdict: %s\n", dfota_verdict_name(res->verdict));
    if (trouble)
        fprintf(af.f, "harness trouble: %s\n", trouble);
    fprintf(af.f, "findings: %lu FAIL, %lu WARN, %lu INCOMPLETE, %lu NOTE; %u flow(s)\nrules:\n",
            res->count[DFOTA_L_FAIL], res->count[DFOTA_L_WARN], res->count[DFOTA_L_INCOMPLETE],
            res->count[DFOTA_L_NOTE], res->flows);
    if (dfota_output_rules_text(af.f, res, a->keep_secrets) != DFOTA_OK || ferror(af.f) ||
        atomic_commit(&af) != 0) {
        fprintf(stderr, "dfota proxy: cannot write %s: %s\n", path, strerror(errno));
        atomic_abort(&af);
    }
}

/* ---- the session -------------------------------------------------------------------- */

/* Steps the proxy until a signal; the trouble that ended it early, or NULL. */
static const char *proxy_loop(dfota_proxy *px, char *err, size_t errlen)
{
    while (!cli_stop_signal) {
        dfota_err rc = dfota_proxy_step(px, STEP_MS, err, errlen);
        if (rc != DFOTA_OK)
            return err;
    }
    printf("stopped by %s\n",
           cli_stop_signal_name());
    return NULL;
}

/* The verdict, the transcript closed, the summary written; the exit status. */
static int session_end(session *s, const proxy_args *a, const char *trouble)
{
    char late[DFOTA_ERRBUF];
    dfota_checker_finish(s->checker);
    const dfota_checker_result *res = dfota_checker_result_get(s->checker);
    if (!trouble && res->harness_late > 0) {
        snprintf(late, sizeof late,
                 "the harness was late: %lu window%s not judged (first: %.120s); nothing is charged "
                 "to the module or the host (is the machine overloaded, or the time scale too small?)",
                 res->harness_late, res->harness_late == 1 ? "" : "s", res->harness_late_reason);
        trouble = late;
    }
    dfota_output_end_file(s->out, dfota_checker_result_get(s->checker), NULL, DFOTA_FMT_TRANSCRIPT,
                          NULL);
    int status = (int)dfota_output_status(s->out);
    if (dfota_output_finish(s->out) != DFOTA_OK)
        trouble = trouble ? trouble : "cannot write the findings";
    if (s->rec) {
        if (!s->rec_failed && record_cap_finish(&s->cap, "dfota proxy", s->transcript) != 0)
            s->rec_failed = 1;
        if (fclose(s->rec) != 0 || s->rec_failed)
            trouble = trouble ? trouble : "the transcript is not whole (a write failed)";
        s->rec = NULL;
        printf("transcript: %s\n", s->transcript);
    }
    if (s->dir[0])
        summary_write(s, a, trouble);
    if (trouble)
        fprintf(stderr, "dfota proxy: %s\n", trouble);
    fflush(stdout);
    return trouble ? EXIT_HARNESS : status;
}

static int proxy_run(const proxy_args *a)
{
    char err[DFOTA_ERRBUF] = "", port[DFOTA_PORT_NAME_MAX], note[DFOTA_ERRBUF + 32];
    dfota_port_opts po;
    double scale = 1.0;
    session s;
    memset(&s, 0, sizeof s);
    s.keep_secrets = a->keep_secrets;
    if (dfota_source_parse_serial(a->source + 7, port, sizeof port, &po, &scale, err, sizeof err) !=
        DFOTA_OK) {
        fprintf(stderr, "dfota proxy: %s\n", err);
        return EXIT_INPUT;
    }
    cli_warn_port_users("dfota proxy", a->source, "");
    dfota_proxy_opts o = {port, &po, a->link, scale, a->give_up_ns, on_event, &s};
    dfota_proxy *px = NULL;
    cli_catch_stop_flag(); /* SIGINT, SIGTERM, SIGHUP end the loop; the link is removed */
    if (dfota_proxy_new(&o, &px, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota proxy: %s\n", err);
        return EXIT_HARNESS;
    }
    if (a->record)
        snprintf(s.transcript, sizeof s.transcript, "%s", a->record);
    if ((a->report && report_dir(&s, a->report, a->keep_secrets) != 0) ||
        (s.transcript[0] && record_open(&s, a, px, scale) != 0) || judge_open(&s, a, port, scale) != 0) {
        if (!s.out || !s.checker)
            fprintf(stderr, "dfota proxy: out of memory\n");
        dfota_proxy_free(px);
        if (s.rec)
            fclose(s.rec);
        dfota_checker_free(s.checker);
        dfota_output_free(s.out);
        return EXIT_HARNESS;
    }
    printf("module port: %s (%s)\n", port, dfota_proxy_device(px));
    if (s.transcript[0])
        printf("transcript: %s\n", s.transcript);
    printf("terminal: %s\nlink: %s\n", dfota_proxy_tty(px), a->link);
    fflush(stdout);
    const char *trouble = proxy_loop(px, err, sizeof err);
    if (trouble) {
        snprintf(note, sizeof note, "note dfota proxy gave up: %s", trouble);
        dfota_event ev = {dfota_proxy_now(px), DFOTA_DIR_HARNESS, note, strlen(note), strlen(note), 0, 0, 0};
        on_event(&s, &ev);
    }
    dfota_proxy_free(px); /* reports the lines left unterminated */
    int status = session_end(&s, a, trouble);
    dfota_checker_free(s.checker);
    dfota_output_free(s.out);
    return status;
}

int cmd_proxy(int argc, char **argv)
{
    proxy_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(&a, argc, argv);
    if (rc == -1) {
        fputs(usage, stdout);
        fputs(usage_options, stdout);
        return EXIT_PASS;
    }
    return rc != 0 ? rc : proxy_run(&a);
}
