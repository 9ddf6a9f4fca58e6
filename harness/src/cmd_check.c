/* SPDX-License-Identifier: MIT */
/* cmd_check.c - dfota check: judges logs against the guide. */
#define _GNU_SOURCE /* strerror_r that returns the text */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "check.h"
#include "cli.h"
#include "config.h"

/* The help in parts: C99 promises string literals of 4095 bytes only. */
static const char usage_inputs[] =
    "usage: dfota check [OPTIONS] FILE|DIR|- ...\n"
    "       dfota check [OPTIONS] --files-from FILE|- [FILE|DIR|- ...]\n"
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
    ;

/* the options for many files */
static const char usage_files[] =
    "      --files-from FILE|-     also read the paths listed in FILE (- standard\n"
    "                              input), after the FILE arguments: one a line,\n"
    "                              the line's bytes the path (no quoting), empty\n"
    "                              lines skipped; a DIR listed is searched. Read as\n"
    "                              it comes: a list may be endless\n"
    "  -0, --null                  the list's entries end with a NUL byte, not LF\n"
    "                              (and so do --list-files' lines)\n"
    "      --keyed                 each entry is KEY<TAB>PATH: PATH is read, KEY is\n"
    "                              what the records call it (JSON \"key\"), e.g. an\n"
    "                              object store's key; a file under a DIR listed is\n"
    "                              KEY/ and its path under it\n"
    "      --list-files            judge nothing: write the paths of the files that\n"
    "                              would be read (a DIR searched as above), one a\n"
    "                              line (KEY<TAB>PATH with --keyed), for a script\n"
    "                              that shards them for --files-from; exit 2 as\n"
    "                              when judging (a DIR with nothing to read, a bad\n"
    "                              entry)\n"
    "  -j, --jobs N                judge N files at a time (default: the CPUs\n"
    "                              online); the output is the same bytes, files in\n"
    "                              the order given. One big file uses one CPU\n"
    "      --fail-on none|fail|incomplete  what the exit status fails on (default\n"
    "                              incomplete; see Exit status)\n"
    "      --exit-zero             --fail-on none: exit 0 whatever the verdicts\n"
    "  -h, --help                  show this help\n"
    "\n";

static const char usage_exit[] =
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
    "     a DIR with nothing to read, a --files-from list that cannot be read or\n"
    "     an entry of it that is not a path (named with its number, skipped), or\n"
    "     output that cannot be written\n"
    "  3  no FAIL, but a rule is INCOMPLETE (the log ends before it is decided),\n"
    "     or a log has nothing to judge: no AT+QFOTADL and no FOTA URC (NOTHING TO\n"
    "     JUDGE; --allow-empty lets it pass), or, in strict, the log was altered\n"
    "     after capture (INCONCLUSIVE, the reason named)\n"
    "When several apply, the first in the order 2, 1, 3 wins. That is --fail-on\n"
    "incomplete, the default. --fail-on fail: 1 for a FAIL, else 0 (3 becomes 0);\n"
    "an input that cannot be read is still 2. --fail-on none (--exit-zero): 0\n"
    "whatever the verdicts, and an input that cannot be read too (its record says\n"
    "ERROR and the summary counts it unreadable): for a batch system that would\n"
    "take \"judged, found a FAIL\" for a task that crashed. Usage errors, a DIR\n"
    "with nothing to read, a --files-from list that cannot be read, an entry of\n"
    "it that is not a path (too long, a NUL byte, a --keyed entry without its\n"
    "TAB, or a key that would be too long) and output that cannot be written\n"
    "are 2 whatever --fail-on says.\n";

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

const char *check_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int check_open(const char *path, char *err, size_t cap, int *in_order, long long *size)
{
    *in_order = 0;
    *size = -1;
    if (strcmp(path, "-") == 0) {
        *in_order = 1;
        return CHECK_STDIN;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        char why[256];
        /* the GNU strerror_r: safe on any thread */
        snprintf(err, cap, "%s:0: cannot open: %s", path, strerror_r(errno, why, sizeof why));
        return -1;
    }
    *in_order = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
    if (!*in_order)
        *size = (long long)st.st_size;
    return fd;
}

void check_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

void check_ctx_free(check_ctx *cx)
{
    dfota_checker_free(cx->checker);
    dfota_reader_free(cx->reader);
    cx->checker = NULL;
    cx->reader = NULL;
}

/* The judge's checker, as dfota_checker_new(o, sink) would make it. */
static dfota_checker *ctx_checker(check_ctx *cx, const dfota_checker_opts *o, const dfota_sink *sink)
{
    if (cx->checker)
        dfota_checker_reset(cx->checker, o, sink);
    else
        cx->checker = dfota_checker_new(o, sink);
    return cx->checker;
}

/* Reads one file through the checker into to. */
int check_judge(check_ctx *cx, int fd, long long size, const char *name, const check_to *to)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_reader *r = cx->reader ? cx->reader : (cx->reader = dfota_reader_new(NULL, name));
    if (!r) {
        to->end(to->ctx, NULL, "out of memory", DFOTA_FMT_AUTO, NULL);
        return -1;
    }
    /* standard input through its stream, whatever stdio holds of it; a
     * file through its descriptor, with no stream to make */
    if (fd == CHECK_STDIN)
        dfota_reader_reset(r, stdin, name);
    else
        dfota_reader_reset_fd(r, fd, size, name);
    dfota_checker *c = NULL;
    dfota_event ev;
    int rc;
    /* The reader fills what it knows; late_ns it leaves alone (a file is
     * read as it came), so it must start at 0, not at what the stack held. */
    memset(&ev, 0, sizeof ev);
    while ((rc = dfota_reader_next(r, &ev, err, sizeof err)) > 0) {
        if (!c) {
            dfota_checker_opts o = cx->cfg->opts;
            if (!cx->cfg->port_forced)
                o.usb_port = dfota_port_is_usb(dfota_reader_meta(r, "port"));
            o.host_wall_scale = header_scale(dfota_reader_meta(r, "time-scale"));
            c = ctx_checker(cx, &o, &to->sink);
            if (!c)
                break;
        }
        dfota_checker_feed(c, &ev);
    }
    if (rc >= 0 && !c)
        c = ctx_checker(cx, &cx->cfg->opts, &to->sink); /* a log with a header only */
    if (!c) {
        to->end(to->ctx, NULL, rc < 0 ? err : "out of memory", dfota_reader_format(r), NULL);
        return rc < 0 ? 0 : -1;
    }
    dfota_checker_finish(c);
    dfota_reader_stats st;
    dfota_reader_get_stats(r, &st);
    to->end(to->ctx, dfota_checker_result_get(c), rc < 0 ? err : NULL, dfota_reader_format(r), &st);
    return 0;
}

typedef struct {
    check_cfg cfg;
    check_ctx cx;       /* --jobs 1: the one judge */
    check_pool *pool;   /* else the threads' */
    dfota_output *out;
    int oom;
    unsigned long bad_entries; /* --files-from entries skipped: exit 2 */
    const char *key;    /* --keyed: the key of the entry being read, else NULL */
    const char *entry;  /* its path */
    FILE *list_out;     /* --list-files: the paths go here, nothing is judged */
    char list_end;      /* and each ends with this ('\n', or NUL with -0) */
} check_run;

static void output_end(void *ctx, const dfota_checker_result *res, const char *error,
                       dfota_format format, const dfota_reader_stats *st)
{
    dfota_output_end_file(ctx, res, error, format, st);
}

/* A file of a --keyed entry that is a DIR: KEY, then the file's path
 * under the DIR ("KEY/a/b.log"). 0, or -1 when it would be too long. */
static int dir_key(const char *key, const char *dir, const char *file, char *out, size_t cap)
{
    const char *rest = file + strlen(dir);
    int slash = key[strlen(key) - 1] == '/'; /* key is not "" */
    int sep = !slash && rest[0] != '/';
    if (slash && rest[0] == '/')
        rest++;
    return snprintf(out, cap, "%s%s%s", key, sep ? "/" : "", rest) < (int)cap ? 0 : -1;
}

/* One file: judged here (--jobs 1), or handed to the threads. */
static void check_one(void *ctx, const char *path)
{
    check_run *run = ctx;
    const char *key = run->key;
    char k[CHECK_LIST_KEY_MAX + 1];
    if (key && key[0] && strcmp(path, run->entry) != 0) { /* a file of a DIR entry */
        if (dir_key(key, run->entry, path, k, sizeof k) != 0) {
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "dfota check: %s: its key (--keyed) would be longer than %d bytes: skipped\n",
                    cli_shown(path, b, sizeof b), CHECK_LIST_KEY_MAX);
            run->bad_entries++;
            return;
        }
        key = k;
    }
    if (run->list_out) {
        if (key && key[0])
            fprintf(run->list_out, "%s\t", key);
        fputs(path, run->list_out);
        putc(run->list_end, run->list_out);
        return;
    }
    if (run->pool) {
        if (check_pool_add(run->pool, path, key) != 0)
            run->oom = 1;
        return;
    }
    dfota_output_set_key(run->out, key);
    dfota_output_begin_file(run->out, check_name(path));
    check_to to = {dfota_output_sink(run->out), output_end, run->out};
    char err[DFOTA_ERRBUF];
    int in_order;
    long long size;
    int in = check_open(path, err, sizeof err, &in_order, &size);
    if (in == -1) {
        output_end(run->out, NULL, err, DFOTA_FMT_AUTO, NULL);
        return;
    }
    if (check_judge(&run->cx, in, size, check_name(path), &to) != 0)
        run->oom = 1;
    check_close(in);
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
    return cli_bad_usage("check", fmt, arg);
}

/* The threads --jobs 0 (the default) means: the CPUs online. */
static unsigned default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > CHECK_JOBS_MAX ? CHECK_JOBS_MAX : (unsigned)n;
}

/* Every file of one input (a FILE, DIR or - argument, or an entry of the
 * list): 0, or 1 when it is an error that makes the exit 2 (said). */
static int check_input(check_run *run, const char *path)
{
    long n = files_each(path, check_one, run);
    if (n == FILES_REFUSED)
        return 1; /* said why */
    if (n < 0)
        run->oom = 1;
    else if (n == 0) {
        /* a folder that holds no log: a wrong path in a CI job, never a pass */
        char shown[CLI_SHOWN_MAX];
        fprintf(stderr,
                "dfota check: %s: no log to read (looked for *.transcript, *.log, *.txt and "
                "*.cap in any case, and text files with no extension that hold AT traffic)\n",
                cli_shown(path, shown, sizeof shown));
        return 1;
    }
    return 0;
}

/* The entries of the --files-from list, after the arguments: 0, or 1 when
 * the list could not be read (said). */
static int check_list_inputs(check_run *run, check_list *l, int *empty)
{
    const char *path, *key;
    int rc = 0;
    while (!run->oom && (rc = check_list_next(l, &path, &key)) > 0) {
        run->key = key;
        run->entry = path;
        *empty |= check_input(run, path);
    }
    run->key = run->entry = NULL;
    return !run->oom && rc < 0;
}

int cmd_check(int argc, char **argv)
{
    enum { OPT_FILES_FROM = 0x300, OPT_KEYED, OPT_FAIL_ON, OPT_EXIT_ZERO, OPT_LIST_FILES };
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'}, {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},  {"window", required_argument, NULL, 'w'},
        {"host-windows", no_argument, NULL, 'H'},  {"port", required_argument, NULL, 'P'},
        {"color", no_argument, NULL, 'C'},         {"no-color", no_argument, NULL, 'N'},
        {"host", no_argument, NULL, 'J'},          {"host-reopen", required_argument, NULL, 'R'},
        {"no-redact", no_argument, NULL, 'X'},     {"allow-empty", no_argument, NULL, 'E'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {"pretty", no_argument, NULL, 'Y'}, /* JSON indented */
        {"files-from", required_argument, NULL, OPT_FILES_FROM},
        {"null", no_argument, NULL, '0'},          {"keyed", no_argument, NULL, OPT_KEYED},
        {"jobs", required_argument, NULL, 'j'},    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"exit-zero", no_argument, NULL, OPT_EXIT_ZERO},
        {"list-files", no_argument, NULL, OPT_LIST_FILES},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    check_run run;
    memset(&run, 0, sizeof run);
    dfota_checker_opts_init(&run.cfg.opts);
    run.cx.cfg = &run.cfg;
    dfota_out_format fmt = DFOTA_OUT_TEXT;
    const char *output = NULL, *files_from = NULL;
    int color = -1, ch, keep_secrets = 0, allow_empty = 0, pretty = 0, null_sep = 0, keyed = 0;
    int list_files = 0;
    unsigned jobs = 0;
    dfota_fail_on fail_on = DFOTA_FAIL_ON_INCOMPLETE;
    int64_t reopen_ns = -1;
    const char *profile_arg = NULL;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "p:f:o:w:j:0h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (dfota_profile_parse(optarg, &run.cfg.opts.profile) != DFOTA_OK)
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
            if (parse_window(&run.cfg.opts, optarg) != 0)
                return bad_usage("bad window '%s' (NAME=DURATION, e.g. final-result=3s)", optarg);
            break;
        case 'H': dfota_checker_opts_host_windows(&run.cfg.opts); break;
        case 'P':
            if (strcmp(optarg, "usb") != 0 && strcmp(optarg, "uart") != 0)
                return bad_usage("unknown port type '%s' (usb or uart)", optarg);
            run.cfg.opts.usb_port = strcmp(optarg, "usb") == 0;
            run.cfg.port_forced = 1;
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
        case 'J': run.cfg.opts.judge_host = 1; break;
        case 'R':
            if (dfota_duration_parse(optarg, strlen(optarg), &reopen_ns) != DFOTA_OK || reopen_ns <= 0)
                return bad_usage("bad host-reopen window '%s' (a duration, e.g. 10s)", optarg);
            break;
        case OPT_FILES_FROM:
            if (files_from)
                return bad_usage("%s", "--files-from given twice (one list; cat them)");
            files_from = optarg;
            break;
        case '0': null_sep = 1; break;
        case OPT_KEYED: keyed = 1; break;
        case 'j': {
            char *end;
            errno = 0;
            unsigned long n = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || n < 1 || n > CHECK_JOBS_MAX)
                return bad_usage("bad --jobs '%s' (a number of threads, 1 to " CHECK_JOBS_MAX_S ")",
                                 optarg);
            jobs = (unsigned)n;
            break;
        }
        case OPT_FAIL_ON:
            if (dfota_fail_on_parse(optarg, &fail_on) != 0)
                return bad_usage("unknown --fail-on '%s' (none, fail or incomplete)", optarg);
            break;
        case OPT_EXIT_ZERO: fail_on = DFOTA_FAIL_ON_NONE; break;
        case OPT_LIST_FILES: list_files = 1; break;
        case 'h':
            fputs(usage_inputs, stdout);
            fputs(usage_options, stdout);
            fputs(usage_files, stdout);
            fputs(usage_exit, stdout);
            return EXIT_PASS;
        default: return bad_usage("%s", "unknown option");
        }
    }
    /* DFOTA_PROFILE, then dfota.yaml's profile, when --profile is not given (config.c) */
    if (cfg_check_profile(profile_arg, &run.cfg.opts.profile) != 0)
        return EXIT_INPUT;
    if (optind >= argc && !files_from)
        return bad_usage("%s", "no FILE, DIR or - given (nor --files-from)");
    if ((null_sep && !list_files && !files_from) || (keyed && !files_from))
        return bad_usage("%s", null_sep ? "-0 is for a --files-from list" : "--keyed is for a --files-from list");
    if (files_from && strcmp(files_from, "-") == 0)
        for (int i = optind; i < argc; i++)
            if (strcmp(argv[i], "-") == 0)
                return bad_usage("%s", "standard input cannot be both a log (-) and the list (--files-from -)");
    if (reopen_ns > 0)
        run.cfg.opts.host_reopen_ns = reopen_ns; /* wins over --host-windows, in any order */
    check_list *list = NULL;
    if (files_from && !(list = check_list_open(files_from, null_sep ? '\0' : '\n', keyed)))
        return EXIT_INPUT; /* said why */
    atomic_file af;
    FILE *out = stdout;
    if (output) {
        if (atomic_open(&af, output) != 0) {
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "dfota check: cannot write %s: %s\n", cli_shown(output, b, sizeof b),
                    atomic_error(&af, errno));
            check_list_close(list);
            return EXIT_INPUT;
        }
        out = af.f;
    }
    /* --list-files: the files named, no output made; else the output, and
     * the pool of judges when there are jobs. The output keeps a pointer
     * to the provenance until it is finished: it lives out here. */
    dfota_provenance prov;
    if (list_files) {
        run.list_out = out;
        run.list_end = null_sep ? '\0' : '\n';
    } else {
        if (color < 0)
            color = !output && fmt == DFOTA_OUT_TEXT && isatty(STDOUT_FILENO) &&
                    getenv("NO_COLOR") == NULL;
        char why[DFOTA_ERRBUF];
        if (fmt == DFOTA_OUT_JUNIT && dfota_need_xml(why, sizeof why) != 0) {
            fprintf(stderr, "dfota check: --format junit: %s\n", why);
            goto no_output; /* output that cannot be written */
        }
        run.out = dfota_output_new(fmt, out, run.cfg.opts.profile, color);
        if (jobs == 0)
            jobs = default_jobs();
        if (run.out && jobs > 1 && !(run.pool = check_pool_new(jobs, &run.cfg, run.out))) {
            dfota_output_free(run.out);
            run.out = NULL;
        }
        if (!run.out) {
            fprintf(stderr, "dfota check: out of memory\n");
            goto no_output;
        }
        dfota_output_keep_secrets(run.out, keep_secrets);
        dfota_output_allow_empty(run.out, allow_empty);
        dfota_output_pretty(run.out, pretty);
        dfota_output_fail_on(run.out, fail_on);
        dfota_provenance_fill(&prov, dfota_profile_name(run.cfg.opts.profile),
                              cli_argc, cli_argv);
        dfota_output_provenance(run.out, &prov);
    }
    int empty = 0, list_bad = 0;
    for (int i = optind; i < argc && !run.oom; i++)
        empty |= check_input(&run, argv[i]);
    if (list && !run.oom)
        list_bad = check_list_inputs(&run, list, &empty) || check_list_bad(list) > 0;
    check_list_close(list);
    int status = EXIT_PASS;
    dfota_err werr = DFOTA_OK;
    if (run.out) {
        if (run.pool && check_pool_end(run.pool) != 0)
            run.oom = 1;
        status = (int)dfota_output_status(run.out);
        werr = dfota_output_finish(run.out);
        dfota_output_free(run.out);
        check_ctx_free(&run.cx);
    } else if (fflush(out) != 0 || ferror(out)) {
        werr = DFOTA_E_IO; /* the list of files */
    }
    if (run.oom) {
        fprintf(stderr, "dfota check: out of memory\n");
        status = EXIT_INPUT;
    }
    if (empty || list_bad || run.bad_entries)
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
no_output: /* said why: nothing judged, no output left behind */
    check_list_close(list);
    if (output)
        atomic_abort(&af);
    return EXIT_INPUT;
}
