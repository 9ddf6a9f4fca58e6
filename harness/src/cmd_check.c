/* SPDX-License-Identifier: MIT */
/* cmd_check.c - dfota check: judges logs against the guide. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "cli.h"
#include "config.h"

/* The help in parts: C99 promises string literals of 4095 bytes only. */
static const char usage_inputs[] =
    "usage: dfota check [OPTIONS] FILE|DIR|- ...\n"
    "\n"
    "Judges AT logs of DFOTA upgrades (AT+QFOTADL and its +QIND: \"FOTA\" URCs)\n"
    "against the EG9x DFOTA User Guide, rule by rule. A FILE is, detected from its\n"
    "content: a dfota transcript; a terminal capture, raw or with control\n"
    "characters shown as glyphs (\xe2\x90\x8d\xe2\x90\x8a); a log whose lines carry a prefix (a time, the\n"
    "writer's fields, a direction marker): syslog, journald, ISO 8601 with an\n"
    "offset, Python logging, ts, grabserial, tio, minicom, Tera Term, Docklight,\n"
    "SSCOM, [TX]/[RX], Send:/Recv:, the vendor tool's [date time Recv]; a\n"
    "ModemManager debug log; a Particle device's log of its modem; UTF-8 or\n"
    "UTF-16. The prefix is learnt from the first lines and taken off every line,\n"
    "its time kept; one no rule knows is named and read as raw, never charged to\n"
    "the module. A person's notes (# and // comments, <-- arrows, ... elisions,\n"
    "placeholders such as \"UPDATING\",n) are removed and counted.\n"
    "A FILE is read whatever its name; - is standard input. A DIR is searched,\n"
    "recursively, for regular files named *.transcript, *.log, *.txt or *.cap in\n"
    "any case, and files with no extension whose first bytes are text holding AT\n"
    "traffic; a DIR with nothing to read is an error (exit 2).\n"
    "\n";

static const char usage_options[] =
    "Options:\n"
    "  -p, --profile strict|field  strict: the guide to the letter (default).\n"
    "                              field: behaviours of shipped firmware become WARN,\n"
    "                              with their name. Damage the log itself carries\n"
    "                              (typographic quotes) is a NOTE in field and makes\n"
    "                              the file INCONCLUSIVE in strict: never a FAIL.\n"
    "                              Without it: $DFOTA_PROFILE, else profile: in\n"
    "                              ./dfota.yaml (see dfota run --help), else strict\n"
    "  -f, --format text|json|jsonl|junit  output format (default text); jsonl:\n"
    "                              a JSON record a line, each file's written as\n"
    "                              soon as it is judged, the summary's last\n"
    "      --pretty                JSON indented; compact by default, as dfota run\n"
    "                              writes its report.json (not jsonl: a line each)\n"
    "  -o, --output PATH           write the output to PATH instead of standard\n"
    "                              output: a regular file atomically, a device or\n"
    "                              FIFO through (never replaced), - standard output\n"
    "  -w, --window NAME=DURATION  apply a timing window (TIME-* rules), e.g.\n"
    "                              final-result=3s; NAME is one of final-result,\n"
    "                              download-start, download, start, progress-gap,\n"
    "                              end, rdy, reboot, update; DURATION like 300ms,\n"
    "                              90s, 20min\n"
    "      --host-windows          apply the windows real host code uses: 3s, 60s,\n"
    "                              300s, 300s, 120s, 300s, 60s for the first seven\n"
    "      --port usb|uart         what port the log was taken on, when its header\n"
    "                              does not say (PORT-REBOOT applies on usb)\n"
    "      --host                  judge the host software too (the HOST-* rules),\n"
    "                              e.g. a recording of dfota emulate --record\n"
    "      --host-reopen DURATION  HOST-REOPEN's window: the port reopened this\n"
    "                              soon after it is back (10s with --host-windows);\n"
    "                              wall time, when a time-scale header says the\n"
    "                              module's clock was scaled\n"
    "      --allow-empty           a log with no AT+QFOTADL and no FOTA URC passes\n"
    "                              (with a note) instead of exiting 3\n"
    "      --color / --no-color    colour text output (default: when a terminal)\n"
    "      --no-redact             show passwords and secret URL parameters (token=,\n"
    "                              sig=, ...) of quoted lines as they are; by default\n"
    "                              they are shown as *** (judging uses the real text)\n"
    "      --redact-param NAME     also hide URL parameter NAME (repeatable, or\n"
    "                              comma-separated; DFOTA_REDACT_PARAMS too)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Text output starts each file with a line per upgrade that says what happened\n"
    "and what the guide says its code means:\n"
    "  FILE:LINE: upgrade over HTTP: download failed, HTTPEND 701 (HTTP unknown error, §5)\n"
    "then one line per finding, compiler style:\n"
    "  FILE:LINE: FAIL RULE-ID (§3.1) what was expected; what was seen (t=12.304s)\n"
    "then a verdict line per file and a summary. Run 'dfota rules' for the rules.\n"
    "\n"
    "Exit status:\n"
    "  0  no FAIL and nothing inconclusive (WARN and NOTE do not fail)\n"
    "  1  at least one FAIL\n"
    "  2  usage error, an input that cannot be read (named with file and line),\n"
    "     or a DIR with nothing to read\n"
    "  3  no FAIL, but a rule is INCOMPLETE (the log ends before it is decided),\n"
    "     or a log has nothing to judge: no AT+QFOTADL and no FOTA URC (NOTHING TO\n"
    "     JUDGE; --allow-empty lets it pass), or, in strict, the log was altered\n"
    "     after capture (INCONCLUSIVE, the reason named)\n"
    "When several apply, the first in the order 2, 1, 3 wins.\n";

typedef struct {
    dfota_checker_opts opts;
    int port_forced;
    dfota_output *out;
    int oom;
    dfota_reader *reader;   /* one of each for the run, reset for each file */
    dfota_checker *checker;
} check_run;

/* Reads one file through the checker into the output. */
/* A transcript's time-scale header (a recording of a scaled emulator or
 * proxy, "0.01" or "0.01 (times are module time)"):
 * the scale, or 0 when there is none or it is not a number in range. */
static double header_scale(const char *v)
{
    char *end = NULL;
    if (!v || !*v)
        return 0;
    errno = 0;
    double d = strtod(v, &end);
    return errno == 0 && end != v && (*end == '\0' || *end == ' ') && d > 0 && d <= 1000 ? d : 0;
}

/* The run's checker, as dfota_checker_new(o, sink) would make it. */
static dfota_checker *run_checker(check_run *run, const dfota_checker_opts *o, const dfota_sink *sink)
{
    if (run->checker)
        dfota_checker_reset(run->checker, o, sink);
    else
        run->checker = dfota_checker_new(o, sink);
    return run->checker;
}

static void check_stream(check_run *run, FILE *in, const char *name)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_reader *r = run->reader;
    if (r)
        dfota_reader_reset(r, in, name);
    else
        r = run->reader = dfota_reader_new(in, name);
    dfota_checker *c = NULL;
    dfota_sink sink = dfota_output_sink(run->out);
    dfota_event ev;
    int rc;
    /* The reader fills what it knows; late_ns it leaves alone (a file is
     * read as it came), so it must start at 0, not at what the stack held. */
    memset(&ev, 0, sizeof ev);
    if (!r) {
        run->oom = 1;
        return;
    }
    while ((rc = dfota_reader_next(r, &ev, err, sizeof err)) > 0) {
        if (!c) {
            dfota_checker_opts o = run->opts;
            if (!run->port_forced)
                o.usb_port = dfota_port_is_usb(dfota_reader_meta(r, "port"));
            o.host_wall_scale = header_scale(dfota_reader_meta(r, "time-scale"));
            c = run_checker(run, &o, &sink);
            if (!c)
                break;
        }
        dfota_checker_feed(c, &ev);
    }
    if (rc >= 0 && !c)
        c = run_checker(run, &run->opts, &sink); /* a log with a header only */
    if (!c) {
        run->oom = rc >= 0;
        dfota_output_end_file(run->out, NULL, rc < 0 ? err : "out of memory", dfota_reader_format(r), NULL);
        return;
    }
    dfota_checker_finish(c);
    dfota_reader_stats st;
    dfota_reader_get_stats(r, &st);
    dfota_output_end_file(run->out, dfota_checker_result_get(c), rc < 0 ? err : NULL,
                          dfota_reader_format(r), &st);
}

static void check_one(void *ctx, const char *path)
{
    check_run *run = ctx;
    int is_stdin = strcmp(path, "-") == 0;
    dfota_output_begin_file(run->out, is_stdin ? "<stdin>" : path);
    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in) {
        char err[DFOTA_ERRBUF];
        snprintf(err, sizeof err, "%s:0: cannot open: %s", path, strerror(errno));
        dfota_output_end_file(run->out, NULL, err, DFOTA_FMT_AUTO, NULL);
        return;
    }
    check_stream(run, in, is_stdin ? "<stdin>" : path);
    if (!is_stdin)
        fclose(in);
}

static int parse_window(dfota_checker_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char name[32];
    if (!eq || (size_t)(eq - arg) >= sizeof name)
        return -1;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    dfota_window w = dfota_window_find(name);
    int64_t ns;
    if (w == DFOTA_WIN_COUNT || dfota_duration_parse(eq + 1, strlen(eq + 1), &ns) != DFOTA_OK ||
        ns <= 0)
        return -1;
    o->window_ns[w] = ns;
    return 0;
}

static int bad_usage(const char *fmt, const char *arg)
{
    char b[CLI_SHOWN_MAX];
    fprintf(stderr, "dfota check: ");
    fprintf(stderr, fmt, cli_shown(arg, b, sizeof b)); /* a user's text: escaped, redacted */
    fprintf(stderr, "\nTry 'dfota check --help'.\n");
    return EXIT_INPUT;
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},  {"window", required_argument, NULL, 'w'},
        {"host-windows", no_argument, NULL, 'H'},  {"port", required_argument, NULL, 'P'},
        {"color", no_argument, NULL, 'C'},         {"no-color", no_argument, NULL, 'N'},
        {"host", no_argument, NULL, 'J'},          {"host-reopen", required_argument, NULL, 'R'},
        {"no-redact", no_argument, NULL, 'X'},     {"allow-empty", no_argument, NULL, 'E'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {"pretty", no_argument, NULL, 'Y'}, /* JSON indented */
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    check_run run;
    memset(&run, 0, sizeof run);
    dfota_checker_opts_init(&run.opts);
    dfota_out_format fmt = DFOTA_OUT_TEXT;
    const char *output = NULL;
    int color = -1, ch, keep_secrets = 0, allow_empty = 0, pretty = 0;
    int64_t reopen_ns = -1;
    const char *profile_arg = NULL;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:f:o:w:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (dfota_profile_parse(optarg, &run.opts.profile) != DFOTA_OK)
                return bad_usage("unknown profile '%s' (strict or field)", optarg);
            profile_arg = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = DFOTA_OUT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                fmt = DFOTA_OUT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                fmt = DFOTA_OUT_JSONL;
            else if (strcmp(optarg, "junit") == 0)
                fmt = DFOTA_OUT_JUNIT;
            else
                return bad_usage("unknown format '%s' (text, json, jsonl or junit)", optarg);
            break;
        case 'o': output = optarg; break;
        case 'w':
            if (parse_window(&run.opts, optarg) != 0)
                return bad_usage("bad window '%s' (NAME=DURATION, e.g. final-result=3s)", optarg);
            break;
        case 'H': dfota_checker_opts_host_windows(&run.opts); break;
        case 'P':
            if (strcmp(optarg, "usb") != 0 && strcmp(optarg, "uart") != 0)
                return bad_usage("unknown port type '%s' (usb or uart)", optarg);
            run.opts.usb_port = strcmp(optarg, "usb") == 0;
            run.port_forced = 1;
            break;
        case 'C': color = 1; break;
        case 'N': color = 0; break;
        case 'X': keep_secrets = 1; break;
        case CLI_OPT_REDACT_PARAM:
            if (cli_redact_param("dfota check", "--redact-param", optarg) != 0)
                return EXIT_INPUT;
            break;
        case 'E': allow_empty = 1; break;
        case 'Y': pretty = 1; break;
        case 'J': run.opts.judge_host = 1; break;
        case 'R':
            if (dfota_duration_parse(optarg, strlen(optarg), &reopen_ns) != DFOTA_OK || reopen_ns <= 0)
                return bad_usage("bad host-reopen window '%s' (a duration, e.g. 10s)", optarg);
            break;
        case 'h':
            fputs(usage_inputs, stdout);
            fputs(usage_options, stdout);
            return EXIT_PASS;
        default: return bad_usage("%s", "unknown option");
        }
    }
    /* DFOTA_PROFILE, then dfota.yaml's profile, when --profile is not given (config.c) */
    if (cfg_check_profile(profile_arg, &run.opts.profile) != 0)
        return EXIT_INPUT;
    if (optind >= argc)
        return bad_usage("%s", "no FILE, DIR or - given");
    if (reopen_ns > 0)
        run.opts.host_reopen_ns = reopen_ns; /* wins over --host-windows, in any order */
    atomic_file af;
    FILE *out = stdout;
    if (output) {
        if (atomic_open(&af, output) != 0) {
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "dfota check: cannot write %s: %s\n", cli_shown(output, b, sizeof b),
                    atomic_error(&af, errno));
            return EXIT_INPUT;
        }
        out = af.f;
    }
    if (color < 0)
        color = !output && fmt == DFOTA_OUT_TEXT && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    run.out = dfota_output_new(fmt, out, run.opts.profile, color);
    if (!run.out) {
        fprintf(stderr, "dfota check: out of memory\n");
        return EXIT_INPUT;
    }
    dfota_output_keep_secrets(run.out, keep_secrets);
    dfota_output_allow_empty(run.out, allow_empty);
    dfota_output_pretty(run.out, pretty);
    dfota_provenance prov;
    dfota_provenance_fill(&prov, dfota_profile_name(run.opts.profile),
                          cli_argc, cli_argv);
    dfota_output_provenance(run.out, &prov);
    int empty = 0;
    for (int i = optind; i < argc && !run.oom; i++) {
        long n = files_each(argv[i], check_one, &run);
        if (n == FILES_REFUSED)
            empty = 1; /* said why; exit 2 */
        else if (n < 0)
            run.oom = 1;
        else if (n == 0) {
            /* a folder that holds no log: a wrong path in a CI job, never a pass */
            char shown[CLI_SHOWN_MAX];
            fprintf(stderr,
                    "dfota check: %s: no log to read (looked for *.transcript, *.log, *.txt and "
                    "*.cap in any case, and text files with no extension that hold AT traffic)\n",
                    cli_shown(argv[i], shown, sizeof shown));
            empty = 1;
        }
    }
    int status = (int)dfota_output_status(run.out);
    dfota_err werr = dfota_output_finish(run.out);
    dfota_output_free(run.out);
    dfota_checker_free(run.checker);
    dfota_reader_free(run.reader);
    if (run.oom) {
        fprintf(stderr, "dfota check: out of memory\n");
        status = EXIT_INPUT;
    }
    if (empty)
        status = EXIT_INPUT;
    if (output && (werr != DFOTA_OK || atomic_commit(&af) != 0)) {
        char b[CLI_SHOWN_MAX];
        fprintf(stderr, "dfota check: cannot write %s: %s\n", cli_shown(output, b, sizeof b),
                atomic_error(&af, errno));
        if (werr != DFOTA_OK)
            atomic_abort(&af);
        return EXIT_INPUT;
    }
    if (!output && werr != DFOTA_OK) {
        fprintf(stderr, "dfota check: cannot write the output: %s\n", strerror(errno));
        return EXIT_INPUT;
    }
    return status;
}
