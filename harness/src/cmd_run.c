/* SPDX-License-Identifier: MIT */
/* cmd_run.c - dfota run, lint and list: scenarios against a source. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfota/dfota.h"
#include "dfota/report.h"
#include "dfota/run.h"
#include "dfota/scenario.h"
#include "dfota/source.h"
#include "dfota/guide.h"
#include "dfota/stage.h"
#include "cli.h"
#include "config.h"
#include "progress.h"

#define SCENARIOS_MAX 1024

static const char run_usage[] =
    "usage: dfota run --source SOURCE [OPTIONS] SCENARIO|DIR ...\n"
    "\n"
    "Runs YAML scenarios (see scenarios/) against a source of events and judges\n"
    "each one: the scenario's own steps and timing windows, and every rule of the\n"
    "catalogue ('dfota rules'), as dfota check does.\n"
    "\n"
    "Options:\n"
    "  -s, --source SOURCE      where events come from: transcript:FILE replays a\n"
    "                           recorded log (any format dfota check reads); the\n"
    "                           recorded host lines stand for what the host sent.\n"
    "                           emulator runs each scenario against its own\n"
    "                           built-in emulated module, through a real\n"
    "                           pseudo-terminal, set up by the scenario's\n"
    "                           emulator block. Without --connect-to the run\n"
    "                           starts the fixture servers (fixtures/, or\n"
    "                           $DFOTA_FIXTURES) and stops them at its end.\n"
    "                           serial:PORT[,baud=N][,flow=none|rtscts][,settle=D]\n"
    "                           talks to a module: PORT is a device path (a\n"
    "                           pseudo-terminal too, e.g. dfota emulate's link) or\n"
    "                           usb:VID:PID[:if=N][:serial=S] (see dfota ports);\n"
    "                           115200 baud, no flow control by default. When the\n"
    "                           port goes away (a reboot) the same path or identity\n"
    "                           is reopened once it has been back for settle\n"
    "                           (default 200ms, none for a pseudo-terminal); the\n"
    "                           wait ends with the step's window. Each scenario\n"
    "                           gets a freshly opened port. Give --source up to 8\n"
    "                           times to run the suite on several modules at once,\n"
    "                           each with its folder under --report, and get a\n"
    "                           firmware-by-rule matrix of them\n"
    "      --time-scale X       emulator: by default module time is virtual: it\n"
    "                           jumps to the module's next planned action while\n"
    "                           both sides wait, so an hour-long upgrade takes\n"
    "                           milliseconds and no verdict depends on the\n"
    "                           machine's load; X runs it on a wall clock scaled\n"
    "                           instead (wall seconds per module second), to\n"
    "                           watch it. serial: a testing aid for a port served\n"
    "                           by 'dfota emulate --time-scale X' (default 1)\n"
    "      --ufs DIR            emulator: the folder that stands for /data/ufs/\n"
    "      --reboot DURATION    emulator: how long a reboot keeps the port away\n"
    "                           (module time; default 20s)\n"
    "      --progress-step DURATION  emulator: module time between UPDATING URCs\n"
    "                           (default 2s)\n"
    "      --progress-urcs N    emulator: UPDATING URCs in a whole update, 2 to 100\n"
    "                           (default 10)\n"
    "      --connect-to SPEC    emulator: where a download really connects, as\n"
    "                           HOST:PORT:HOST2:PORT2 (empty HOST: any), e.g.\n"
    "                           :2121:127.0.0.1:40123 for the fixture servers\n"
    "                           (fixtures/servers.env); repeatable. The emulator\n"
    "                           never connects anywhere but the loopback\n"
    ;

/* The help's second part: ISO C caps a string literal at 4095 bytes. */
static const char run_usage_more[] =
    "      --scenario NAME      run only this scenario (repeatable)\n"
    "  -t, --tag TAG            run only scenarios with this tag (repeatable)\n"
    "      --packages FILE      the package map: for each from -> to pair of firmware\n"
    "                           versions its FTP URL, HTTP URL and /data/ufs/ file\n"
    "                           (see dfota lint --help). Scenarios name packages\n"
    "                           through it, and before a scenario whose required\n"
    "                           firmware the module does not run, the run upgrades\n"
    "                           or downgrades it with the mapped package (a\n"
    "                           preparation step, judged apart). The emulator and\n"
    "                           recordings use the fixtures' map by default\n"
    "  -D, --var NAME=VALUE     set a scenario variable ${NAME} (repeatable)\n"
    "      --vars FILE          set variables from a YAML mapping NAME: VALUE\n"
    "  -p, --profile strict|field  the catalogue's profile (default strict)\n"
    "  -r, --report DIR         write a report folder DIR/run-<time>/: summary.txt,\n"
    "                           report.json, junit.xml, report.html and each\n"
    "                           scenario's transcript; it appears only when whole\n"
    "      --no-redact          keep passwords and secret URL parameters (token=,\n"
    "                           sig=, ...) in transcripts, reports and output; by\n"
    "                           default they are written as *** and each transcript\n"
    "                           says 'redacted: credentials' ('none' with this\n"
    "                           option). Length rules are judged on the real text\n"
    CLI_REDACT_PARAM_HELP
    "  -f, --format text|json   standard output: a line per scenario (default), or\n"
    "                           the JSON report\n"
    "  -j, --jobs N             run N scenarios at once (emulator and transcript\n"
    "                           sources; each has its own emulator; default 1)\n"
    "      --preflight          before a scenario sends a package it needs (an FTP or\n"
    "                           HTTP URL whose download must succeed, a /data/ufs/\n"
    "                           file that must update), check it is there: its size\n"
    "                           from this host (FTP SIZE, HTTP HEAD; through\n"
    "                           --connect-to), the file in the emulator's UFS or in\n"
    "                           the module's (AT+QFLST). A missing or empty package\n"
    "                           is harness trouble (exit 4), not a module failure.\n"
    "                           On by default on the emulator; --no-preflight: off\n"
    "      --color / --no-color  colour on a terminal (default: when a terminal and\n"
    "                           NO_COLOR is not set)\n"
    "      --pretty             JSON (report.json, --format json) indented; compact\n"
    "                           by default, as dfota check writes it\n"
    "      --show-config        print the settings in force and where each came\n"
    "                           from (command line, environment, dfota.yaml:LINE,\n"
    "                           default), then exit 0 without running\n"
    "  -q, --quiet              print only the verdicts: a line per scenario and the\n"
    "                           summary, no steps, no progress\n"
    "  -v, --verbose            also trace the AT exchange on standard error as it\n"
    "                           happens, a line per event: module time, > (host) or\n"
    "                           < (module) or ! (harness), the line, redacted as\n"
    "                           the transcript is\n"
    "  -h, --help               show this help\n";

/* Where the settings a bench repeats come from (config.c). */
static const char run_usage_config[] =
    "\n"
    "Configuration: a setting on the command line wins over the environment,\n"
    "which wins over dfota.yaml in the working folder (only there: not a parent\n"
    "folder's), which wins over the default:\n"
    "  --source     DFOTA_SOURCE      source: SOURCE, or a list of them\n"
    "  --profile    DFOTA_PROFILE     profile: strict|field (dfota check reads both)\n"
    "  --report     DFOTA_REPORT_DIR  report: DIR\n"
    "  --packages                     packages: FILE\n"
    "  --var/--vars                   vars: {NAME: VALUE, ...} (under --var/--vars)\n"
    "An unknown key or a value of the wrong type in dfota.yaml is exit 2 with\n"
    "its line; an empty environment variable counts as unset.\n";

static const char run_usage_status[] =
    "\n"
    "While it runs, standard error shows where the run is: on a terminal (and a\n"
    "live source) two status lines redrawn in place (scenario i of N, the step,\n"
    "the module time left of its window, the last URC, the UPDATING percentage,\n"
    "a reboot); otherwise (a CI log, --jobs above 1, several --source) a line\n"
    "per step as it is settled, with its verdict and the module time it took.\n"
    "\n"
    "Exit status:\n"
    "  0  every scenario passed\n"
    "  1  a scenario FAILed (a step, or a rule of the catalogue)\n"
    "  2  usage error, or a scenario that is not valid (see dfota lint)\n"
    "  3  no FAIL, but a scenario is INCOMPLETE (the source ended first)\n"
    "  4  harness trouble: a source that could not be opened or read, a variable\n"
    "     with no value; the bench is broken, not the module\n"
    "When several apply, the first in the order 2, 4, 1, 3 wins.\n"
    "  130 / 143 / 129  stopped by SIGINT (Ctrl-C) / SIGTERM / SIGHUP (the terminal\n"
    "     closed): the scenario under way ends\n"
    "     INCOMPLETE, the others are not run, and the report (written all the\n"
    "     same) says INTERRUPTED; transcripts of live runs are flushed event by\n"
    "     event, so everything seen is kept\n"
    "\n"
    "A serial source's module is asked ATI and AT+QGMR before each scenario and\n"
    "again after it; the report shows the model and the firmware it ran before\n"
    "and after (the emulator says its firmware).\n";

typedef struct {
    dfota_scenario *sc[SCENARIOS_MAX];
    size_t n;
    unsigned bad;
    int oom;
    int every_error;             /* lint: every error of a file, not only the first */
} library;

static void print_error(void *ctx, const char *message)
{
    char b[CLI_SHOWN_MAX];
    (void)ctx;
    fprintf(stderr, "%s\n", cli_shown(message, b, sizeof b));
}

static void load_one(void *ctx, const char *path)
{
    library *lib = ctx;
    char err[DFOTA_ERRBUF], b1[CLI_SHOWN_MAX], b2[CLI_SHOWN_MAX], b3[CLI_SHOWN_MAX];
    dfota_scenario *sc = NULL;
    if (lib->every_error) {
        if (dfota_scenario_load_all(path, &sc, err, sizeof err, print_error, NULL) != DFOTA_OK) {
            lib->bad++;
            return;
        }
    } else if (dfota_scenario_load(path, &sc, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "%s\n", cli_shown(err, b1, sizeof b1));
        lib->bad++;
        return;
    }
    for (size_t i = 0; i < lib->n; i++)
        if (strcmp(lib->sc[i]->name, sc->name) == 0) {
            fprintf(stderr, "%s:1:1: scenario name '%s' is used by %s too\n",
                    cli_shown(path, b1, sizeof b1), cli_shown(sc->name, b2, sizeof b2),
                    cli_shown(lib->sc[i]->file, b3, sizeof b3));
            lib->bad++;
            dfota_scenario_free(sc);
            return;
        }
    if (lib->n == SCENARIOS_MAX) {
        fprintf(stderr, "%s: more than %d scenarios in one run\n", cli_shown(path, b1, sizeof b1),
                SCENARIOS_MAX);
        lib->bad++;
        dfota_scenario_free(sc);
        return;
    }
    lib->sc[lib->n++] = sc;
}

static void load_all(library *lib, int argc, char **argv, int first)
{
    for (int i = first; i < argc; i++) {
        long n = scenario_files_each(argv[i], load_one, lib);
        if (n == FILES_REFUSED)
            lib->bad++; /* said why */
        else if (n < 0)
            lib->oom = 1;
        else if (n == 0) {
            /* a wrong folder in a CI job must not run nothing and pass */
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "%s: no scenario to read (looked for *.yaml and *.yml)\n",
                    cli_shown(argv[i], b, sizeof b));
            lib->bad++;
        }
    }
}

static void free_all(library *lib)
{
    for (size_t i = 0; i < lib->n; i++)
        dfota_scenario_free(lib->sc[i]);
    lib->n = 0;
}

/* ---- lint and list ---------------------------------------------------- */

/* The library named by lint's and list's arguments, every error printed;
 * NULL (with *status) for --help, a missing argument or no memory. */
static library *library_of(int argc, char **argv, const char *usage, int every_error,
                           int *status)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        *status = argc < 2 ? EXIT_INPUT : EXIT_PASS;
        return NULL;
    }
    library *lib = calloc(1, sizeof *lib);
    if (!lib) {
        fputs("dfota: out of memory\n", stderr);
        *status = EXIT_INPUT;
        return NULL;
    }
    lib->every_error = every_error;
    load_all(lib, argc, argv, 1);
    return lib;
}

int cmd_lint(int argc, char **argv)
{
    int status;
    library *lib = library_of(argc, argv,
                              "usage: dfota lint SCENARIO|DIR ...\n\n"
                              "Validates scenarios without running them. Every error of every file\n"
                              "is printed, as FILE:LINE:COLUMN: what is wrong; a file's parts (each\n"
                              "top-level key, tag, variable, fault and step) are judged apart, so one\n"
                              "mistake does not hide the next. At most 100 errors a file, then\n"
                              "FILE: and N more errors. A YAML syntax error ends its file's reading.\n\n"
                              "Exit status: 0 all valid, 2 one is not (or usage error).\n",
                              1, &status);
    if (!lib)
        return status;
    printf("%zu scenario%s valid, %u not\n", lib->n, lib->n == 1 ? "" : "s", lib->bad);
    status = lib->bad || lib->oom ? EXIT_INPUT : EXIT_PASS;
    free_all(lib);
    free(lib);
    return status;
}

static const char *sources_text(unsigned s, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s%s%s", s & DFOTA_SRC_TRANSCRIPT ? "transcript" : "",
             (s & DFOTA_SRC_TRANSCRIPT) && (s & (DFOTA_SRC_EMULATOR | DFOTA_SRC_SERIAL)) ? "," : "",
             s & DFOTA_SRC_EMULATOR ? "emulator" : "",
             (s & DFOTA_SRC_EMULATOR) && (s & DFOTA_SRC_SERIAL) ? "," : "",
             s & DFOTA_SRC_SERIAL ? "serial" : "");
    return buf;
}

int cmd_list(int argc, char **argv)
{
    int status;
    library *lib = library_of(argc, argv,
                              "usage: dfota list SCENARIO|DIR ...\n\n"
                              "Lists each scenario with its guide section, the sources it can run on,\n"
                              "its tags and its variables (its vars block; give them with --var or\n"
                              "--vars to dfota run): NAME=VALUE for a default, NAME=~ for one that\n"
                              "must be given, NAME=ftp|http|file:FROM>TO for a package of the map.\n"
                              "\nExit status: 0, or 2 when a scenario is not valid.\n",
                              0, &status);
    if (!lib)
        return status;
    printf("%-44s %-8s %-30s %-24s %s\n", "SCENARIO", "SECTION", "SOURCES", "TAGS", "VARIABLES");
    for (size_t i = 0; i < lib->n; i++) {
        const dfota_scenario *sc = lib->sc[i];
        char src[64], tags[512] = "-", vars[1024] = "-", b[CLI_SHOWN_MAX];
        size_t o = 0;
        for (size_t t = 0; t < sc->n_tags && o < sizeof tags; t++) {
            int n = snprintf(tags + o, sizeof tags - o, "%s%s", t ? "," : "", sc->tags[t]);
            if (n > 0)
                o += (size_t)n;
        }
        o = 0;
        for (size_t v = 0; v < sc->n_vars && o < sizeof vars; v++) {
            const dfota_var *var = &sc->vars[v];
            static const char *const forms[] = {"", "ftp", "http", "file"};
            int n = var->pkg != DFOTA_PKG_NONE
                        ? snprintf(vars + o, sizeof vars - o, "%s%s=%s:%s>%s", v ? " " : "",
                                   var->name, forms[var->pkg], var->pkg_from, var->pkg_to)
                        : snprintf(vars + o, sizeof vars - o, "%s%s=%s", v ? " " : "", var->name,
                                   var->value ? cli_shown(var->value, b, sizeof b) : "~");
            if (n > 0)
                o += (size_t)n;
        }
        printf("%-44s %-8s %-30s %-24s %s\n", sc->name, sc->section,
               sources_text(sc->sources, src, sizeof src), tags, vars);
    }
    status = lib->bad || lib->oom ? EXIT_INPUT : EXIT_PASS;
    free_all(lib);
    free(lib);
    return status;
}

/* ---- run ------------------------------------------------------------------ */

#define SOURCES_MAX 8

typedef struct {
    const char *source;          /* the one this suite runs on */
    const char *sources[SOURCES_MAX];
    size_t n_sources;
    char prefix[100];            /* "[label] " before each line when several */
    const char *names[64];
    size_t n_names;
    const char *tags[64];
    size_t n_tags;
    dfota_profile profile;
    const char *report_dir;
    int json;
    int color;
    double time_scale;
    const char *ufs;
    const char *connect_to[16];
    size_t n_connect_to;
    int64_t reboot_ns, progress_step_ns;
    int progress_urcs;
    int keep_secrets;
    int verbosity;               /* -q -1, -v 1 (progress.h) */
    int jobs;
    int preflight;               /* 1 --preflight, 0 --no-preflight, -1 by default */
    dfota_varset vars;
    const char *packages;        /* --packages FILE */
    dfota_pkgmap *map;           /* its map, or NULL */
    dfota_pkgmap *own_map;       /* the fixtures' map, for the emulator and recordings */
} run_opts;

/* What made this run's verdicts, for every report and transcript; filled
 * once, before any scenario runs. */
static dfota_provenance run_prov;

/* Lines of several suites (one per module) come from several threads. */
static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;

static int selected(const run_opts *o, const dfota_scenario *sc)
{
    if (o->n_names == 0 && o->n_tags == 0)
        return 1;
    for (size_t i = 0; i < o->n_names; i++)
        if (strcmp(o->names[i], sc->name) == 0)
            return 1;
    for (size_t i = 0; i < o->n_tags; i++)
        for (size_t t = 0; t < sc->n_tags; t++)
            if (strcmp(o->tags[i], sc->tags[t]) == 0)
                return 1;
    return 0;
}

static unsigned source_kind(const char *spec)
{
    if (strncmp(spec, "transcript:", 11) == 0)
        return DFOTA_SRC_TRANSCRIPT;
    if (strcmp(spec, "emulator") == 0)
        return DFOTA_SRC_EMULATOR;
    if (strncmp(spec, "serial:", 7) == 0)
        return DFOTA_SRC_SERIAL;
    return 0;
}

/* A folder that appears under its final name only when the report is whole.
 * With --no-redact it holds secrets: its folders are made 0700 and its
 * files 0600; otherwise they follow the umask. */
typedef struct {
    char final[1024];
    char tmp[1024];
    int priv; /* --no-redact: readable by the owner only */
} report_dir;

static int report_begin(report_dir *rd, const char *dir, const char *stamp, int priv)
{
    mode_t dmode = priv ? 0700 : 0777;
    rd->priv = priv;
    if (mkdir(dir, dmode) != 0 && errno != EEXIST)
        return -1;
    snprintf(rd->final, sizeof rd->final, "%.800s/run-%.64s", dir, stamp);
    snprintf(rd->tmp, sizeof rd->tmp, "%.800s/.run-%.64s.partial", dir, stamp);
    char sub[1100];
    snprintf(sub, sizeof sub, "%s/transcripts", rd->tmp);
    if (mkdir(rd->tmp, dmode) != 0)
        return -1;
    if (mkdir(sub, dmode) != 0) {
        int e = errno;
        rmdir(rd->tmp);
        errno = e;
        return -1;
    }
    return 0;
}

typedef dfota_err (*writer_fn)(FILE *out, const dfota_run_report *rep);

static int write_one(const report_dir *rd, const char *name, writer_fn fn, const dfota_run_report *rep)
{
    char path[1100];
    snprintf(path, sizeof path, "%.1024s/%.60s", rd->tmp, name);
    atomic_file af;
    if (atomic_open_mode(&af, path, rd->priv ? 0600 : 0666) != 0)
        return -1;
    if (fn(af.f, rep) != DFOTA_OK) {
        atomic_abort(&af);
        return -1;
    }
    return atomic_commit(&af);
}

static dfota_err html_writer(FILE *out, const dfota_run_report *rep)
{
    char err[DFOTA_ERRBUF];
    return dfota_report_html(out, rep, err, sizeof err);
}

/* Writes the report files and gives the folder its final name: 0, or -1
 * after saying why on standard error. A report that cannot be finished
 * does not stay behind as a hidden .partial folder: what was written is
 * kept under a name that says it failed, or removed when even that fails. */
static int report_finish(const report_dir *rd, const dfota_run_report *rep, const char *pre)
{
    if (write_one(rd, "report.json", dfota_report_json, rep) == 0 &&
        write_one(rd, "junit.xml", dfota_report_junit, rep) == 0 &&
        write_one(rd, "report.html", html_writer, rep) == 0 &&
        write_one(rd, "summary.txt", dfota_report_summary, rep) == 0 &&
        rename(rd->tmp, rd->final) == 0)
        return 0;
    int e = errno;
    /* named apart from run-*: a script that takes the newest run-* folder
     * must not take a broken one for a report */
    char failed[1100];
    const char *slash = strrchr(rd->final, '/');
    size_t dl = slash ? (size_t)(slash - rd->final) + 1 : 0;
    snprintf(failed, sizeof failed, "%.*sfailed-%s", (int)dl, rd->final, rd->final + dl);
    if (rename(rd->tmp, failed) == 0)
        fprintf(stderr, "dfota run: %scannot write the report: %s; what was written is kept in %s\n",
                pre, strerror(e), failed);
    else if (remove_tree(rd->tmp) == 0)
        fprintf(stderr, "dfota run: %scannot write the report: %s; its partial folder %s was removed\n",
                pre, strerror(e), rd->tmp);
    else
        fprintf(stderr, "dfota run: %scannot write the report: %s; its partial folder %s is left\n",
                pre, strerror(e), rd->tmp);
    return -1;
}

static const char *paint(const run_opts *o, dfota_verdict v, int harness)
{
    if (!o->color)
        return "";
    if (harness)
        return "\033[1;35m";
    return v == DFOTA_V_FAIL ? "\033[1;31m" : v == DFOTA_V_INCOMPLETE ? "\033[33m" : "\033[32m";
}

static void print_result(const run_opts *o, const dfota_scenario_result *res)
{
    const dfota_scenario *sc = res->scenario;
    const char *v = res->harness_error ? "ERROR" : dfota_verdict_name(res->verdict);
    printf("%s%s%-10s%s %s (\xc2\xa7%s)", o->prefix, paint(o, res->verdict, res->harness_error), v,
           o->color ? "\033[0m" : "", sc->name, sc->section);
    if (res->harness_error) {
        char b[CLI_SHOWN_MAX];
        printf(": %s\n", cli_shown(res->error, b, sizeof b)); /* it may quote a --source's file name */
        return;
    }
    printf(", %zu step%s, %lu events\n", sc->n_steps, sc->n_steps == 1 ? "" : "s", res->events);
    if (o->verbosity == PROGRESS_QUIET)
        return; /* -q: the verdict only */
    for (size_t s = 0; s < sc->n_steps; s++) {
        const dfota_step_result *st = &res->steps[s];
        if (st->verdict == DFOTA_V_FAIL || st->verdict == DFOTA_V_INCOMPLETE)
            printf("           step %zu (line %lu) %s: %s %s%s%s\n", s + 1, st->line, st->what,
                   dfota_verdict_name(st->verdict), st->detail, st->rule ? " -> " : "",
                   st->rule ? st->rule : "");
    }
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        if (res->rules.rule[r] == DFOTA_V_FAIL && !dfota_report_step_names_rule(res, (dfota_rule)r))
            printf("           FAIL %s (\xc2\xa7%s): %s\n", dfota_rule_get((dfota_rule)r)->id,
                   dfota_rule_get((dfota_rule)r)->section, res->rules.rule_reason[r]);
}

/* A --var the variable set refused: its value may be a password, so only
 * its name is shown (escaped). The set's message quotes the whole
 * assignment when it is not NAME=VALUE (DFOTA_E_INPUT), and is then not
 * shown; its other messages quote the name only. */
static void var_refused(const char *assignment, dfota_err rc, const char *err)
{
    const char *eq = strchr(assignment, '=');
    char name[256], red[DFOTA_REDACT_MAX(200) + 1];
    size_t n = eq ? (size_t)(eq - assignment) : strlen(assignment);
    if (!eq) {
        /* no NAME=: perhaps a value alone; what a URL in it hides is hidden */
        size_t len = n > 200 ? 200 : n, got;
        if (dfota_redact(assignment, len, red, sizeof red, &got) != DFOTA_OK)
            snprintf(red, sizeof red, "(%zu bytes)", n);
        dfota_escape(red, strlen(red), name, sizeof name);
        fprintf(stderr, "dfota run: --var '%s': not NAME=VALUE\n", name);
        return;
    }
    dfota_escape(assignment, n > 200 ? 200 : n, name, sizeof name);
    if (rc == DFOTA_E_INPUT)
        fprintf(stderr,
                "dfota run: --var %s=...: not NAME=VALUE with a NAME of [A-Z_][A-Z0-9_]* "
                "(the value is not shown)\n",
                name);
    else
        fprintf(stderr, "dfota run: --var %s=...: %s\n", name, err);
}

static int parse_run_opts(int argc, char **argv, run_opts *o)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'}, {"scenario", required_argument, NULL, 'n'},
        {"tag", required_argument, NULL, 't'},    {"var", required_argument, NULL, 'D'},
        {"vars", required_argument, NULL, 'V'},   {"profile", required_argument, NULL, 'p'},
        {"report", required_argument, NULL, 'r'}, {"format", required_argument, NULL, 'f'},
        {"color", no_argument, NULL, 'C'},        {"no-color", no_argument, NULL, 'N'},
        {"time-scale", required_argument, NULL, 'T'}, {"ufs", required_argument, NULL, 'U'},
        {"connect-to", required_argument, NULL, 'K'},
        {"reboot", required_argument, NULL, 'B'}, {"progress-step", required_argument, NULL, 'G'},
        {"progress-urcs", required_argument, NULL, 'Q'},
        {"no-redact", no_argument, NULL, 'X'},    {"jobs", required_argument, NULL, 'j'},
        {"redact-param", required_argument, NULL, CLI_OPT_REDACT_PARAM},
        {"preflight", no_argument, NULL, 'P'}, {"no-preflight", no_argument, NULL, 'O'},
        {"packages", required_argument, NULL, 'M'},
        {"pretty", no_argument, NULL, 'Y'}, /* JSON indented */
        {"show-config", no_argument, NULL, 'W'},
        {"quiet", no_argument, NULL, 'q'},        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    char err[DFOTA_ERRBUF];
    int ch, show_config = 0;
    const char *profile_arg = NULL;
    o->color = -1;
    optind = 1;
    o->jobs = 1;
    o->preflight = -1;
    while ((ch = getopt_long(argc, argv, "s:t:D:p:r:f:j:qvh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 16) {
                fprintf(stderr, "dfota run: --jobs takes 1 to 16\n");
                return -1;
            }
            o->jobs = (int)n;
            break;
        }
        case 's':
            if (o->n_sources == SOURCES_MAX) {
                fprintf(stderr, "dfota run: at most %d --source\n", SOURCES_MAX);
                return -1;
            }
            o->sources[o->n_sources++] = o->source = optarg;
            break;
        case 'n':
            if (o->n_names < 64)
                o->names[o->n_names++] = optarg;
            break;
        case 't':
            if (o->n_tags < 64)
                o->tags[o->n_tags++] = optarg;
            break;
        case 'D': {
            dfota_err vrc = dfota_varset_add(&o->vars, optarg, err, sizeof err);
            if (vrc != DFOTA_OK) {
                var_refused(optarg, vrc, err);
                return -1;
            }
            break;
        }
        case 'V':
            if (dfota_varset_load(&o->vars, optarg, err, sizeof err) != DFOTA_OK) {
                char b[CLI_SHOWN_MAX];
                fprintf(stderr, "dfota run: %s\n", cli_shown(err, b, sizeof b));
                return -1;
            }
            break;
        case 'p':
            if (dfota_profile_parse(optarg, &o->profile) != DFOTA_OK) {
                fprintf(stderr, "dfota run: unknown profile '%s' (strict or field)\n", optarg);
                return -1;
            }
            profile_arg = optarg;
            break;
        case 'W': show_config = 1; break;
        case 'r': o->report_dir = optarg; break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                fprintf(stderr, "dfota run: unknown format '%s' (text or json)\n", optarg);
                return -1;
            }
            o->json = strcmp(optarg, "json") == 0;
            break;
        case 'C': o->color = 1; break;
        case 'N': o->color = 0; break;
        case 'Y': dfota_report_json_pretty(1); break;
        case 'T':
            /* at the edge: a scale the clock cannot keep (1e-15) once overflowed it */
            if (dfota_clock_scale_parse(optarg, &o->time_scale, err, sizeof err) != DFOTA_OK) {
                fprintf(stderr, "dfota run: bad --time-scale '%s': %s\n", optarg, err);
                return -1;
            }
            break;
        case 'U': o->ufs = optarg; break;
        case 'X': o->keep_secrets = 1; break;
        case CLI_OPT_REDACT_PARAM:
            if (cli_redact_param("dfota run", "--redact-param", optarg) != 0)
                return -1;
            break;
        case 'P': o->preflight = 1; break;
        case 'O': o->preflight = 0; break;
        case 'M': o->packages = optarg; break;
        case 'Q': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 2 || n > 100) {
                fprintf(stderr, "dfota run: --progress-urcs takes 2 to 100\n");
                return -1;
            }
            o->progress_urcs = (int)n;
            break;
        }
        case 'B':
        case 'G': {
            int64_t ns;
            if (dfota_duration_parse(optarg, strlen(optarg), &ns) != DFOTA_OK || ns <= 0) {
                fprintf(stderr, "dfota run: bad duration '%s' (e.g. 60s, 1.5min)\n", optarg);
                return -1;
            }
            *(ch == 'B' ? &o->reboot_ns : &o->progress_step_ns) = ns;
            break;
        }
        case 'K':
            if (o->n_connect_to == 16) {
                fputs("dfota run: at most 16 --connect-to\n", stderr);
                return -1;
            }
            o->connect_to[o->n_connect_to++] = optarg;
            break;
        case 'q': o->verbosity = PROGRESS_QUIET; break;
        case 'v': o->verbosity = PROGRESS_VERBOSE; break;
        case 'h':
            fputs(run_usage, stdout);
            fputs(run_usage_more, stdout);
            fputs(run_usage_config, stdout);
            fputs(run_usage_status, stdout);
            return 1;
        default: fputs("Try 'dfota run --help'.\n", stderr); return -1;
        }
    }
    /* the environment and dfota.yaml fill what the command line left (config.c) */
    cfg_run cfg = {o->sources, &o->n_sources, SOURCES_MAX, &o->report_dir, &o->packages,
                   profile_arg, &o->profile, &o->vars, show_config};
    int cfg_rc = cfg_run_settings(&cfg);
    if (cfg_rc != 0)
        return cfg_rc;
    o->source = o->n_sources ? o->sources[o->n_sources - 1] : NULL;
    if (optind >= argc) {
        fputs("dfota run: no SCENARIO or DIR given\nTry 'dfota run --help'.\n", stderr);
        return -1;
    }
    if (!o->source) {
        fputs("dfota run: no --source given (e.g. --source transcript:FILE; or DFOTA_SOURCE,\n"
              "or source: in dfota.yaml)\n", stderr);
        return -1;
    }
    for (size_t k = 0; k < o->n_sources; k++) {
        if (!source_kind(o->sources[k])) {
            char b[CLI_SHOWN_MAX];
            fprintf(stderr, "dfota run: unknown source '%s' (transcript:FILE, emulator or serial:PORT)\n",
                    cli_shown(o->sources[k], b, sizeof b));
            return -1;
        }
        if (o->jobs > 1 && source_kind(o->sources[k]) == DFOTA_SRC_SERIAL) {
            fputs("dfota run: a serial source is one module: --jobs must be 1\n", stderr);
            return -1;
        }
    }
    if (o->n_sources > 1 && o->json) {
        fputs("dfota run: --format json takes one --source (each module's report.json is in\n"
              "its folder under --report)\n", stderr);
        return -1;
    }
    if (o->color < 0)
        o->color = !o->json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    return 0;
}

/* A scenario's own emulator, in a temporary folder that holds its link. */
static dfota_err open_emulator(const run_opts *o, const dfota_scenario *sc, char *dir, size_t dirlen,
                               dfota_source **src, char *err, size_t errlen)
{
    snprintf(dir, dirlen, "%s/dfota-emu-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a folder for the emulator: %s", strerror(errno));
        dir[0] = '\0';
        return DFOTA_E_IO;
    }
    char link[1100];
    snprintf(link, sizeof link, "%s/tty", dir);
    const dfota_emulator_spec *spec = &sc->emulator;
    dfota_emulator_opts eo;
    memset(&eo, 0, sizeof eo);
    eo.link = link;
    eo.spec = spec; /* its firmware, profile, port, free space and faults */
    eo.required_firmware = sc->requires_firmware;
    eo.field = o->profile == DFOTA_PROFILE_FIELD; /* judged field: the field's codes */
    eo.time_scale = o->time_scale; /* 0: virtual time */
    eo.ufs_dir = o->ufs;
    eo.reboot_ns = o->reboot_ns;
    eo.progress_step_ns = o->progress_step_ns;
    eo.progress_urcs = o->progress_urcs;
    eo.connect_to = o->connect_to;
    eo.n_connect_to = o->n_connect_to;
    eo.loopback_only = 1; /* the suite's traffic never leaves this machine */
    return dfota_source_open_emulator(&eo, src, err, errlen);
}

/* The firmware the module runs: asked with AT+QGMR on a serial source
 * (waiting up to two minutes of module time for a module that reboots),
 * what the emulator says it runs; "" when it cannot be told. */
static void identify(dfota_source *src, int serial, char *fw, size_t cap, char *model,
                     size_t model_cap)
{
    char err[DFOTA_ERRBUF];
    dfota_identity id;
    fw[0] = '\0';
    if (!serial) {
        const char *m = src->ops->live ? src->ops->meta(src, "module") : NULL;
        if (m)
            snprintf(fw, cap, "%s", m);
        return;
    }
    if (dfota_source_identify(src, 120 * DFOTA_NS_PER_S, &id, err, sizeof err) == DFOTA_OK) {
        snprintf(fw, cap, "%s", id.firmware[0] ? id.firmware : id.revision);
        if (model && id.model[0])
            snprintf(model, model_cap, "%s", id.model);
    }
}

/* The scenario expects its download to succeed: an FTPEND or HTTPEND step
 * whose only allowed code is 0. */
static int wants_download(const dfota_scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++) {
        const dfota_step *st = &sc->steps[i];
        if (st->kind != DFOTA_STEP_EXPECT_URC ||
            (st->stage != DFOTA_STAGE_FTPEND && st->stage != DFOTA_STAGE_HTTPEND) || st->n_codes == 0)
            continue;
        int only0 = 1;
        for (size_t k = 0; k < st->n_codes; k++)
            only0 &= st->codes[k].lo == 0 && st->codes[k].hi == 0;
        if (only0)
            return 1;
    }
    return 0;
}

/* The scenario expects an update to run: a START step. */
static int wants_update(const dfota_scenario *sc)
{
    for (size_t i = 0; i < sc->n_steps; i++)
        if (sc->steps[i].kind == DFOTA_STEP_EXPECT_URC && sc->steps[i].stage == DFOTA_STAGE_START)
            return 1;
    return 0;
}

/* The argument of step st when it sends AT+QFOTADL=<arg>: its ${VARS}
 * expanded, read by the guide's parser (the URL or file name inside its
 * quotes, and its protocol) into out and *proto; 0, or -1 for another
 * step or an argument whose quotes cannot be read or are typographic (a
 * paste's damage: not what a module would be sent). */
static int fotadl_arg(const dfota_varset *vs, const dfota_scenario *sc, const dfota_step *st,
                      char *out, size_t cap, dfota_proto *proto)
{
    char line[1100], err[DFOTA_ERRBUF];
    if (st->kind != DFOTA_STEP_SEND ||
        dfota_scenario_expand(sc, vs, st->text, line, sizeof line, err, sizeof err) != DFOTA_OK)
        return -1;
    dfota_item it;
    dfota_classify(line, strlen(line), DFOTA_DIR_HOST, &it);
    if (it.kind != DFOTA_ITEM_FOTADL || it.form != DFOTA_FOTADL_WRITE)
        return -1;
    dfota_arg_check a;
    dfota_spec_check_arg(it.arg, it.arg_len, &a);
    if (a.value_len == 0 || a.value_len >= cap || a.typographic)
        return -1;
    memcpy(out, it.arg + a.value_off, a.value_len);
    out[a.value_len] = '\0';
    if (proto)
        *proto = a.proto;
    return 0;
}

#define UFS_PREFIX DFOTA_LOCAL_PREFIX

/* An argument that names a package on a server: an FTP, HTTP or HTTPS URL. */
static int server_url(dfota_proto proto)
{
    return proto == DFOTA_PROTO_FTP || proto == DFOTA_PROTO_HTTP || proto == DFOTA_PROTO_HTTPS;
}

/* An argument that names a file in the module's /data/ufs/. */
static int ufs_file(dfota_proto proto, const char *arg)
{
    return proto == DFOTA_PROTO_LOCAL && strncmp(arg, UFS_PREFIX, strlen(UFS_PREFIX)) == 0;
}

/* What packages a scenario needs from the bench: a server's (an FTP or
 * HTTP URL whose download must succeed) and a local file's (a /data/ufs/
 * name whose update must start). */
static void needs(const dfota_varset *vs, const dfota_scenario *sc, int *server, int *local)
{
    char arg[1024];
    dfota_proto proto;
    int dl = wants_download(sc), up = wants_update(sc);
    *server = *local = 0;
    for (size_t i = 0; i < sc->n_steps; i++) {
        if (fotadl_arg(vs, sc, &sc->steps[i], arg, sizeof arg, &proto) != 0)
            continue;
        if (ufs_file(proto, arg))
            *local |= up;
        else if (server_url(proto))
            *server |= dl;
    }
}

/* Preflight is on where the harness owns the packages: on the emulator
 * unless --no-preflight; elsewhere with --preflight. */
static int preflight_on(const run_opts *o)
{
    return o->preflight > 0 || (o->preflight < 0 && source_kind(o->source) == DFOTA_SRC_EMULATOR);
}

/* A local package in the emulator's UFS folder: 0, or -1 with why. */
static int preflight_ufs(const run_opts *o, const char *name, char *why, size_t cap)
{
    struct stat st;
    char path[2200];
    if (!o->ufs) {
        snprintf(why, cap, "%.150s is not in the emulator's UFS, which is empty: give --ufs DIR "
                 "holding it", name);
        return -1;
    }
    snprintf(path, sizeof path, "%.1000s/%.1000s", o->ufs, name + strlen(UFS_PREFIX));
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "%.150s is not in the emulator's UFS (--ufs %.100s): put it there",
                 name, o->ufs);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(why, cap, "%.150s in the emulator's UFS (--ufs %.100s) is empty", name, o->ufs);
        return -1;
    }
    return 0;
}

/* The serial source is a pseudo-terminal on this machine (dfota emulate's
 * link, a proxy's): its module's loopback is this machine's. */
static int serial_is_pty(const run_opts *o)
{
    char port[1100], real[PATH_MAX], err[DFOTA_ERRBUF];
    dfota_port_opts po;
    double scale;
    if (dfota_source_parse_serial(o->source + 7, port, sizeof port, &po, &scale, err,
                                  sizeof err) != DFOTA_OK)
        return 0;
    return realpath(port, real) && strncmp(real, "/dev/pts/", 9) == 0;
}

/* On a module, a package URL that names the loopback names the module
 * itself: a download the scenario wants to succeed would fail for the
 * bench's reason and be charged to the module. Harness trouble instead. */
static int loopback_guard(const run_opts *o, const dfota_scenario *sc, const dfota_varset *vs,
                          dfota_scenario_result *res)
{
    char url[1024];
    if (source_kind(o->source) != DFOTA_SRC_SERIAL || !wants_download(sc) || serial_is_pty(o))
        return 0;
    for (size_t i = 0; i < sc->n_steps; i++) {
        if (fotadl_arg(vs, sc, &sc->steps[i], url, sizeof url, NULL) != 0 ||
            !dfota_url_is_loopback(url))
            continue;
        char shown[300];
        snprintf(shown, sizeof shown, "%.299s", url);
        (void)dfota_redact_field(shown, sizeof shown);
        snprintf(res->error, sizeof res->error,
                 "not run: step %zu's package URL %.120s names the loopback, which on a module "
                 "is the module itself: give your server's URL (--var, --packages)",
                 i + 1, shown);
        return -1;
    }
    return 0;
}

/* Preflight: each package the scenario needs is there before the module
 * is asked for it: a server's URL has a size seen from this host, a local
 * file is in the emulator's UFS (a module's is asked with AT+QFLST once its
 * port is open: preflight_module). Returns 0, or -1 with the reason in
 * res->error (a harness error: the bench is broken). The loopback guard
 * comes first, whether preflight is on or not. */
static int preflight(const run_opts *o, const dfota_scenario *sc, const dfota_varset *vs,
                     dfota_scenario_result *res)
{
    if (loopback_guard(o, sc, vs, res) != 0)
        return -1;
    char url[1024], err[DFOTA_ERRBUF];
    if (!preflight_on(o))
        return 0;
    int dl = wants_download(sc), up = wants_update(sc);
    for (size_t i = 0; i < sc->n_steps; i++) {
        dfota_proto proto;
        if (fotadl_arg(vs, sc, &sc->steps[i], url, sizeof url, &proto) != 0)
            continue;
        if (ufs_file(proto, url)) {
            if (up && source_kind(o->source) == DFOTA_SRC_EMULATOR &&
                preflight_ufs(o, url, err, sizeof err) != 0) {
                snprintf(res->error, sizeof res->error, "preflight: %.300s", err);
                return -1;
            }
            continue;
        }
        if (!dl || !server_url(proto))
            continue;
        int64_t size = 0;
        if (dfota_preflight_url(url, o->connect_to, o->n_connect_to, &size, err, sizeof err) !=
            DFOTA_OK) {
            snprintf(res->error, sizeof res->error, "preflight: %.300s", err);
            return -1;
        }
    }
    return 0;
}

/* Preflight on a module: each /data/ufs/ file the scenario updates from is
 * listed by AT+QFLST, and not empty. 0, or -1 with res->error. */
static int preflight_module(const run_opts *o, const dfota_scenario *sc, const dfota_varset *vs,
                            dfota_source *src, dfota_scenario_result *res)
{
    char name[1024], err[DFOTA_ERRBUF];
    if (!preflight_on(o) || source_kind(o->source) != DFOTA_SRC_SERIAL || !wants_update(sc))
        return 0;
    for (size_t i = 0; i < sc->n_steps; i++) {
        dfota_proto proto;
        if (fotadl_arg(vs, sc, &sc->steps[i], name, sizeof name, &proto) != 0 ||
            !ufs_file(proto, name))
            continue;
        long long size = -1;
        dfota_err rc = dfota_source_file_size(src, name + strlen(UFS_PREFIX), 30 * DFOTA_NS_PER_S,
                                              &size, err, sizeof err);
        if (rc == DFOTA_OK && size > 0)
            continue;
        if (rc == DFOTA_OK)
            snprintf(res->error, sizeof res->error, "preflight: %.200s on the module is empty", name);
        else
            snprintf(res->error, sizeof res->error,
                     "preflight: %.120s: %.140s; stage it with dfota stage --module", name, err);
        return -1;
    }
    return 0;
}

/* The spec a source is opened with: --time-scale reaches a serial source
 * as its time-scale option. */
static void source_spec(const run_opts *o, char *spec, size_t cap)
{
    snprintf(spec, cap, "%s", o->source);
    if (source_kind(o->source) == DFOTA_SRC_SERIAL && o->time_scale > 0 &&
        !strstr(o->source, "time-scale="))
        snprintf(spec, cap, "%.1000s,time-scale=%.17g", o->source, o->time_scale);
}

/* Before a suite on a serial port: does a module answer AT there? A port
 * that cannot be opened, or is not the AT port (EG9x have several), would
 * otherwise fail every scenario one by one. Returns 0, or -1 with why. */
#define PROBE_WAIT_NS (30 * DFOTA_NS_PER_S) /* a module may be booting */

static int probe_at(const run_opts *o, char *why, size_t cap)
{
    char spec[1100], err[DFOTA_ERRBUF];
    dfota_source *src = NULL;
    source_spec(o, spec, sizeof spec);
    if (dfota_source_open(spec, &src, err, sizeof err) != DFOTA_OK) {
        snprintf(why, cap, "%s", err);
        return -1;
    }
    int64_t late = 0;
    dfota_err rc = dfota_source_probe(src, PROBE_WAIT_NS, &late, err, sizeof err);
    dfota_source_close(src);
    if (rc == DFOTA_OK)
        return 0;
    if (rc != DFOTA_E_TIMEOUT || dfota_source_probe_was_late(PROBE_WAIT_NS, late)) {
        /* not the module's silence: the port failed, or the harness was late */
        snprintf(why, cap, "%.600s: %s", o->source + 7, err);
        return -1;
    }
    snprintf(why, cap,
             "%.600s: no answer to AT within %.0f s: is this the module's AT port? (most EG9x have "
             "it on USB interface 2: see dfota ports)",
             o->source + 7, dfota_seconds(PROBE_WAIT_NS));
    return -1;
}

/* The package map a suite uses: --packages, else the fixtures' own for the
 * emulator and recordings (a module's packages are the user's to name). */
static const dfota_pkgmap *map_of(const run_opts *o)
{
    return o->map ? o->map : source_kind(o->source) != DFOTA_SRC_SERIAL ? o->own_map : NULL;
}

/* A transcript file for name in the report folder, or NULL when there is
 * no report; *bad is set when it cannot be written (res says why). */
static FILE *open_transcript(const report_dir *rd, const char *name, dfota_scenario_result *res,
                             int *bad)
{
    *bad = 0;
    if (!rd)
        return NULL;
    snprintf(res->transcript, sizeof res->transcript, "%.700s/transcripts/%.200s.transcript",
             rd->tmp, name);
    /* created 0600 with --no-redact: a transcript then holds the secrets */
    int fd = open(res->transcript, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                  rd->priv ? 0600 : 0666);
    FILE *tr = fd < 0 ? NULL : fdopen(fd, "w");
    if (!tr && fd >= 0)
        close(fd);
    if (!tr) {
        *bad = res->harness_error = 1;
        snprintf(res->error, sizeof res->error, "cannot write %.200s: %.80s", res->transcript,
                 strerror(errno));
    }
    return tr;
}

/* Runs sc on an open source with its transcript, and asks the firmware after. */
static void judge(const run_opts *o, const dfota_scenario *sc, const dfota_varset *vs,
                  dfota_source *src, FILE *tr, dfota_scenario_result *res)
{
    int serial = source_kind(o->source) == DFOTA_SRC_SERIAL;
    /* -q shows no progress: the runner then builds none */
    dfota_run_opts ro = {o->profile, vs, tr, o->keep_secrets, &cli_stop_signal, &run_prov,
                         o->verbosity >= PROGRESS_NORMAL ? progress_tell : NULL, NULL};
    if (dfota_run_scenario(sc, src, &ro, res) != DFOTA_OK && !res->harness_error)
        res->harness_error = 1;
    if (!res->harness_error && !cli_stop_signal)
        identify(src, serial, res->firmware_after, sizeof res->firmware_after, NULL, 0);
    if (tr && fclose(tr) != 0 && !res->harness_error) {
        res->harness_error = 1;
        snprintf(res->error, sizeof res->error, "cannot write %.250s", res->transcript);
    }
}

/* The module must run the firmware sc requires before sc starts. When it
 * does not and the map has the package from what it runs to what sc
 * needs, a preparation step (*prep, *prep_sc, owned by the caller) brings
 * it there on the same source. Returns 0 when sc may start; -1 with
 * res->error (harness trouble: the module is not in the state sc needs,
 * never its FAIL) naming both versions. */
static int precondition(const run_opts *o, const dfota_scenario *sc, dfota_source *src,
                        const report_dir *rd, dfota_scenario_result *res,
                        dfota_scenario_result *prep, dfota_scenario **prep_sc)
{
    const char *want = sc->requires_firmware;
    int serial = source_kind(o->source) == DFOTA_SRC_SERIAL;
    if (!want || !src->ops->live || dfota_firmware_matches(res->firmware_before, want))
        return 0;
    if (!res->firmware_before[0]) {
        snprintf(res->error, sizeof res->error,
                 "not run: the module did not tell its firmware (ATI, AT+QGMR); the scenario "
                 "needs %.60s",
                 want);
        return -1;
    }
    const dfota_pkgmap *map = map_of(o);
    const dfota_package *p = dfota_pkgmap_find(map, res->firmware_before, want);
    if (!p) {
        snprintf(res->error, sizeof res->error,
                 "not run: the module runs %.60s, the scenario needs %.60s, and %.27s%.80s has no "
                 "package from one to the other",
                 res->firmware_before, want, map ? "the package map " : "no package map (--packages)",
                 map ? map->file : "");
        return -1;
    }
    char why[DFOTA_ERRBUF];
    if (!(*prep_sc = prepare_scenario(sc, p, why, sizeof why))) {
        snprintf(res->error, sizeof res->error, "%s", why);
        return -1;
    }
    snprintf(prep->source, sizeof prep->source, "%s", o->source);
    prep->scenario = *prep_sc;
    prep->preparation = 1;
    snprintf(prep->firmware_before, sizeof prep->firmware_before, "%s", res->firmware_before);
    snprintf(prep->model, sizeof prep->model, "%s", res->model);
    int bad;
    FILE *tr = open_transcript(rd, (*prep_sc)->name, prep, &bad);
    if (!bad && preflight(o, *prep_sc, NULL, prep) != 0)
        bad = prep->harness_error = 1;
    if (bad) {
        if (tr)
            fclose(tr);
    } else
        judge(o, *prep_sc, NULL, src, tr, prep);
    if (prep->harness_error || prep->verdict != DFOTA_V_PASS) {
        snprintf(res->error, sizeof res->error,
                 "not run: the module runs %.60s, the scenario needs %.60s, and the preparation "
                 "from one to the other did not pass",
                 res->firmware_before, want);
        return -1;
    }
    identify(src, serial, res->firmware_before, sizeof res->firmware_before, res->model,
             sizeof res->model);
    if (!dfota_firmware_matches(res->firmware_before, want)) {
        snprintf(res->error, sizeof res->error,
                 "not run: after its preparation the module runs %.60s, the scenario needs %.60s",
                 res->firmware_before[0] ? res->firmware_before : "(it did not say)", want);
        return -1;
    }
    return 0;
}

/* Runs one scenario on a fresh source; the result says what happened, and
 * *prep what its preparation step did, if it needed one. */
static void run_one(const run_opts *o, const dfota_scenario *sc, const report_dir *rd,
                    dfota_scenario_result *res, dfota_scenario_result *prep,
                    dfota_scenario **prep_sc)
{
    char err[DFOTA_ERRBUF];
    char emu_dir[1024] = "";
    dfota_varset vs;
    snprintf(res->source, sizeof res->source, "%s", o->source);
    res->scenario = sc;
    if (prepare_vars(sc, map_of(o), &o->vars, &vs, res->error, sizeof res->error) != 0 ||
        preflight(o, sc, &vs, res) != 0) {
        res->harness_error = 1;
        dfota_varset_free(&vs);
        return;
    }
    dfota_source *src = NULL;
    char spec[1100];
    source_spec(o, spec, sizeof spec);
    dfota_err orc = source_kind(o->source) == DFOTA_SRC_EMULATOR
                        ? open_emulator(o, sc, emu_dir, sizeof emu_dir, &src, err, sizeof err)
                        : dfota_source_open(spec, &src, err, sizeof err);
    if (orc != DFOTA_OK) {
        if (emu_dir[0])
            rmdir(emu_dir);
        res->harness_error = 1;
        snprintf(res->error, sizeof res->error, "%s", err);
        dfota_varset_free(&vs);
        return;
    }
    int serial = source_kind(o->source) == DFOTA_SRC_SERIAL, bad = 0;
    identify(src, serial, res->firmware_before, sizeof res->firmware_before, res->model,
             sizeof res->model);
    if (precondition(o, sc, src, rd, res, prep, prep_sc) != 0 ||
        preflight_module(o, sc, &vs, src, res) != 0)
        res->harness_error = 1;
    FILE *tr = res->harness_error ? NULL : open_transcript(rd, sc->name, res, &bad);
    if (!res->harness_error)
        judge(o, sc, &vs, src, tr, res);
    dfota_source_close(src);
    dfota_varset_free(&vs);
    if (emu_dir[0])
        rmdir(emu_dir); /* the emulator removed its link; the folder is empty */
}

/* Several scenarios at once: workers take the next one in order. */
typedef struct {
    const run_opts *o;
    const report_dir *rd;
    const dfota_scenario **todo;
    dfota_scenario_result *res, *prep; /* prep[i]: the preparation before todo[i], if any */
    dfota_scenario **prep_sc;
    size_t n, next;
    pthread_mutex_t mu;
} work;

static void *worker(void *arg)
{
    work *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        size_t i = w->next < w->n && !cli_stop_signal ? w->next++ : w->n;
        pthread_mutex_unlock(&w->mu);
        if (i >= w->n)
            return NULL;
        progress_scenario(i, w->n, w->o->prefix);
        run_one(w->o, w->todo[i], w->rd, &w->res[i], &w->prep[i], &w->prep_sc[i]);
        pthread_mutex_lock(&print_mu);
        progress_clear();
        if (!w->o->json && w->prep[i].scenario)
            print_result(w->o, &w->prep[i]);
        if (!w->o->json)
            print_result(w->o, &w->res[i]);
        fflush(stdout);
        pthread_mutex_unlock(&print_mu);
    }
}

/* Runs the scenarios, o->jobs at a time, until done or stopped; returns
 * how many were started (a prefix of todo, since they start in order). */
static size_t run_all(const run_opts *o, const report_dir *rd, const dfota_scenario **todo,
                      size_t n, dfota_scenario_result *res, dfota_scenario_result *prep,
                      dfota_scenario **prep_sc)
{
    work w = {o, rd, todo, res, prep, prep_sc, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t th[16];
    size_t started = 0;
    for (int j = 1; j < o->jobs && (size_t)j < n; j++) {
        if (pthread_create(&th[started], NULL, worker, &w) != 0)
            break;
        started++;
    }
    worker(&w);
    for (size_t j = 0; j < started; j++)
        pthread_join(th[j], NULL);
    pthread_mutex_destroy(&w.mu);
    return w.next;
}

/* One source's run of the library: its own results and report folder. */
typedef struct {
    run_opts o;               /* the options, with this suite's source */
    const library *lib;
    char label[80];           /* "" for a single source */
    char report_parent[800];  /* where run-<time>/ goes, "" for none */
    const char *started, *stamp;
    dfota_scenario_result *res;
    dfota_scenario_result *prep;  /* prep[i]: the preparation step before res[i], if any */
    dfota_scenario **prep_sc;     /* the preparations' own scenarios */
    dfota_scenario_result *all;   /* what the report shows: each preparation, then its scenario */
    size_t n_all;
    size_t n, selected;
    unsigned skipped;
    int status;
    dfota_run_report rep;     /* what its report says, for the matrix */
    char final[1024];         /* its report folder, "" for none */
} suite;

/* A label a folder and a terminal can show: the source with anything but
 * [A-Za-z0-9._-] replaced, and its number among the sources first. */
static void suite_label(char *out, size_t cap, size_t k, const char *source)
{
    int o = snprintf(out, cap, "%zu-", k + 1);
    for (const char *p = source; *p && o > 0 && (size_t)o + 1 < cap; p++)
        out[o++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                           (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_'
                       ? *p
                       : '-';
    out[o > 0 ? (size_t)o < cap ? (size_t)o : cap - 1 : 0] = '\0';
}

static void suite_run(suite *su)
{
    const run_opts *o = &su->o;
    const char *pre = su->label[0] ? "[" : "", *post = su->label[0] ? "] " : "";
    su->status = EXIT_INPUT;
    size_t cap = su->lib->n ? su->lib->n : 1;
    su->res = calloc(cap, sizeof *su->res);
    su->prep = calloc(cap, sizeof *su->prep);
    su->prep_sc = calloc(cap, sizeof *su->prep_sc);
    su->all = calloc(2 * cap, sizeof *su->all);
    const dfota_scenario **todo = calloc(cap, sizeof *todo);
    if (!su->res || !su->prep || !su->prep_sc || !su->all || !todo) {
        free(todo);
        return;
    }
    /* a port that is not there, or not the AT port, is said once, before
     * anything is written */
    unsigned kind = source_kind(o->source);
    if (kind == DFOTA_SRC_SERIAL) {
        char why[DFOTA_ERRBUF + 700];
        cli_warn_port_users("dfota run", o->source, su->label);
        if (probe_at(o, why, sizeof why) != 0) {
            fprintf(stderr, "dfota run: %s%s%s\n", su->label, su->label[0] ? ": " : "", why);
            su->status = EXIT_HARNESS;
            free(todo);
            return;
        }
    }
    report_dir rd;
    if (su->report_parent[0] && report_begin(&rd, su->report_parent, su->stamp, o->keep_secrets) != 0) {
        fprintf(stderr, "dfota run: %s%s%scannot create a report folder in %s: %s\n", pre, su->label,
                post, su->report_parent, strerror(errno));
        su->status = EXIT_HARNESS;
        free(todo);
        return;
    }
    for (size_t i = 0; i < su->lib->n; i++) {
        const dfota_scenario *sc = su->lib->sc[i];
        if (!selected(o, sc))
            continue;
        if (!(sc->sources & kind)) {
            su->skipped++;
            continue;
        }
        todo[su->selected++] = sc;
    }
    if (su->selected == 0)
        fprintf(stderr, "dfota run: %s%s%sno scenario selected for this source%s\n", pre, su->label,
                post, su->skipped ? " (the others cannot run on it)" : "");
    su->n = run_all(o, su->report_parent[0] ? &rd : NULL, todo, su->selected, su->res, su->prep,
                    su->prep_sc);
    free(todo);
    for (size_t i = 0; i < su->n; i++) {
        if (su->prep[i].scenario)
            su->all[su->n_all++] = su->prep[i];
        su->all[su->n_all++] = su->res[i];
    }
    int interrupted = cli_stop_signal != 0;
    su->rep = (dfota_run_report){"dfota run", su->started, o->profile, su->all, su->n_all, interrupted,
                                 &run_prov};
    su->status = su->selected == 0 ? EXIT_INPUT : (int)dfota_run_status(&su->rep);
    if (su->report_parent[0]) {
        /* Transcripts stay where they were written, in the partial folder;
         * every report names them relative to the folder. */
        if (report_finish(&rd, &su->rep, su->o.prefix) != 0) {
            su->status = EXIT_HARNESS;
        } else {
            snprintf(su->final, sizeof su->final, "%s", rd.final);
            if (!o->json)
                printf("%s%s%sreport: %s\n", pre, su->label, post, rd.final);
        }
    }
    if (o->json && dfota_report_json(stdout, &su->rep) != DFOTA_OK)
        su->status = EXIT_HARNESS;
    if (!o->json) {
        dfota_run_counts c = dfota_run_count(&su->rep);
        printf("%s%s%s%zu scenario%s: %zu passed, %zu failed, %zu incomplete, %zu harness errors%s\n",
               pre, su->label, post, su->n, su->n == 1 ? "" : "s", c.passed, c.failed, c.incomplete,
               c.errors, su->skipped ? " (some could not run on this source)" : "");
        if (c.preparations)
            printf("%s%s%s%zu preparation step%s: %zu passed\n", pre, su->label, post,
                   c.preparations, c.preparations == 1 ? "" : "s", c.prepared);
    }
}

static void *suite_thread(void *arg)
{
    suite_run(arg);
    return NULL;
}

/* Several modules: a firmware-by-rule matrix, one column per source. */
static void print_matrix(FILE *out, const suite *su, size_t n)
{
    fprintf(out, "\nrule / module                 ");
    for (size_t k = 0; k < n; k++)
        fprintf(out, " %-18.18s", su[k].label);
    fprintf(out, "\nfirmware                      ");
    for (size_t k = 0; k < n; k++)
        fprintf(out, " %-18.18s", su[k].n && su[k].res[0].firmware_before[0]
                                      ? su[k].res[0].firmware_before
                                      : "?");
    fputc('\n', out);
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        int any = 0;
        for (size_t k = 0; k < n; k++)
            any |= dfota_report_rule_worst(&su[k].rep, (dfota_rule)r) != DFOTA_V_NA;
        if (!any)
            continue;
        fprintf(out, "%-30s", dfota_rule_get((dfota_rule)r)->id);
        for (size_t k = 0; k < n; k++)
            fprintf(out, " %-18s", dfota_verdict_name(dfota_report_rule_worst(&su[k].rep, (dfota_rule)r)));
        fputc('\n', out);
    }
    fprintf(out, "%-30s", "scenarios passed");
    for (size_t k = 0; k < n; k++) {
        size_t p = 0;
        for (size_t i = 0; i < su[k].n; i++)
            p += !su[k].res[i].harness_error && su[k].res[i].verdict == DFOTA_V_PASS;
        char cell[40];
        snprintf(cell, sizeof cell, "%zu/%zu", p, su[k].selected);
        fprintf(out, " %-18s", cell);
    }
    fputc('\n', out);
}

/* The matrix files beside the modules' folders: text, HTML (linking each
 * module's report.html) and JSON. 0, or -1 after saying why. */
static int write_matrix(const char *dir, const char *stamp, const char *started, const suite *su,
                        size_t n, int keep_secrets)
{
    dfota_matrix_column cols[SOURCES_MAX];
    char links[SOURCES_MAX][1100];
    char path[1100], err[DFOTA_ERRBUF] = "";
    size_t dl = strlen(dir);
    for (size_t k = 0; k < n; k++) {
        /* the module's report.html relative to dir */
        const char *rel = strncmp(su[k].final, dir, dl) == 0 && su[k].final[dl] == '/'
                              ? su[k].final + dl + 1
                              : NULL;
        snprintf(links[k], sizeof links[k], "%.1000s/report.html", rel ? rel : "");
        cols[k] = (dfota_matrix_column){su[k].label, rel ? links[k] : NULL, &su[k].rep};
    }
    static const char *const ext[] = {"txt", "html", "json"};
    for (int e = 0; e < 3; e++) {
        atomic_file af;
        snprintf(path, sizeof path, "%.800s/matrix-%.64s.%s", dir, stamp, ext[e]);
        if (atomic_open_mode(&af, path, keep_secrets ? 0600 : 0666) != 0) {
            fprintf(stderr, "dfota run: cannot write %s: %s\n", path, strerror(errno));
            return -1;
        }
        dfota_err rc = DFOTA_OK;
        if (e == 0) {
            fprintf(af.f, "dfota run, %zu modules, started %s%s\n", n, started,
                    cli_stop_signal ? " (INTERRUPTED)" : "");
            print_matrix(af.f, su, n);
        } else if (e == 1)
            rc = dfota_report_matrix_html(af.f, started, cols, n, err, sizeof err);
        else
            rc = dfota_report_matrix_json(af.f, started, cols, n);
        if (rc != DFOTA_OK || atomic_commit(&af) != 0) {
            if (rc != DFOTA_OK)
                atomic_abort(&af);
            fprintf(stderr, "dfota run: cannot write %s: %s\n", path, err[0] ? err : strerror(errno));
            return -1;
        }
        printf("matrix: %s\n", path);
    }
    return 0;
}

/* The run brings up its own fixture servers and packages when a source is
 * the emulator, it was given no servers (--connect-to, --packages), and a scenario it
 * will run there needs a package from a server, or a local one and no
 * --ufs was given. */
static int wants_fixtures(const run_opts *o, const library *lib)
{
    int emulator = 0;
    for (size_t k = 0; k < o->n_sources; k++)
        emulator |= source_kind(o->sources[k]) == DFOTA_SRC_EMULATOR;
    if (!emulator || o->n_connect_to > 0 || o->packages)
        return 0;
    for (size_t i = 0; i < lib->n; i++) {
        int server, local;
        if (!selected(o, lib->sc[i]) || !(lib->sc[i]->sources & DFOTA_SRC_EMULATOR))
            continue;
        needs(&o->vars, lib->sc[i], &server, &local);
        for (size_t v = 0; v < lib->sc[i]->n_vars; v++) {
            dfota_pkg_form f = lib->sc[i]->vars[v].pkg;
            server |= (f == DFOTA_PKG_FTP || f == DFOTA_PKG_HTTP) && wants_download(lib->sc[i]);
            local |= f == DFOTA_PKG_FILE && wants_update(lib->sc[i]);
        }
        if (server || (local && !o->ufs))
            return 1;
    }
    return 0;
}

/* Starts the fixtures and points the run at them: downloads go to their
 * ports (--connect-to), the emulator's UFS is theirs unless --ufs was
 * given. 0, or -1 after saying why in one line. */
static int use_fixtures(run_opts *o, fixtures *fx)
{
    char why[800];
    if (fixtures_start(fx, why, sizeof why) != 0) {
        fprintf(stderr, "dfota run: %s\n", why);
        return -1;
    }
    for (size_t k = 0; k < FIXTURES_CONNECT_TO; k++)
        o->connect_to[o->n_connect_to++] = fx->connect_to_ptr[k];
    if (!o->ufs)
        o->ufs = fx->ufs;
    return 0;
}

/* --packages FILE, and the fixtures' own map for the emulator and
 * recordings. 0, or -1 after saying why (an invalid map is a usage error). */
static int load_maps(run_opts *o)
{
    char err[DFOTA_ERRBUF], dir[FIXTURES_PATH_MAX], path[FIXTURES_PATH_MAX + 16];
    if (o->packages && dfota_pkgmap_load(o->packages, &o->map, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota run: %s\n", err);
        return -1;
    }
    if (o->map || fixtures_find(dir, sizeof dir) != 0)
        return 0;
    snprintf(path, sizeof path, "%.1000s/packages.yaml", dir);
    if (access(path, F_OK) == 0 && dfota_pkgmap_load(path, &o->own_map, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "dfota run: %s\n", err);
        return -1;
    }
    return 0;
}

/* The exit status of several suites: the first in the order 4, 1, 3, 0
 * (2 when nothing was selected anywhere). */
static int worst_status(const suite *su, size_t n)
{
    static const int order[] = {EXIT_HARNESS, EXIT_FAIL, EXIT_INCOMPLETE, EXIT_PASS};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        for (size_t i = 0; i < n; i++)
            if (su[i].status == order[k])
                return order[k];
    return EXIT_INPUT;
}

int cmd_run(int argc, char **argv)
{
    run_opts o;
    fixtures fx;
    memset(&o, 0, sizeof o);
    memset(&fx, 0, sizeof fx);
    dfota_varset_init(&o.vars);
    library *lib = calloc(1, sizeof *lib);
    suite *su = NULL;
    size_t n_su = 0;
    int status = EXIT_INPUT;
    int rc = parse_run_opts(argc, argv, &o);
    if (rc != 0 || !lib) {
        status = rc > 0 ? EXIT_PASS : EXIT_INPUT;
        goto out;
    }
    dfota_provenance_fill(&run_prov, dfota_profile_name(o.profile),
                          cli_argc, cli_argv);
    load_all(lib, argc, argv, optind);
    if (lib->bad || lib->oom) {
        fprintf(stderr, "dfota run: %u scenario%s not valid: nothing was run\n", lib->bad,
                lib->bad == 1 ? " is" : "s are");
        goto out;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char started[32], stamp[48];
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(stamp + strlen(stamp), sizeof stamp - strlen(stamp), "-%ld", (long)getpid());
    if (load_maps(&o) != 0)
        goto out;
    /* Ctrl-C from here on stops the run, which then stops the servers */
    /* SIGINT, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session)
     * stop the run (dfota_run_opts.stop), so that the report is written
     * all the same. */
    cli_catch_stop_flag();
    progress_setup(o.verbosity, o.color, o.jobs > 1 || o.n_sources > 1);
    if (wants_fixtures(&o, lib) && use_fixtures(&o, &fx) != 0) {
        status = EXIT_HARNESS;
        goto out;
    }
    n_su = o.n_sources;
    if (!(su = calloc(n_su, sizeof *su)))
        goto out;
    for (size_t k = 0; k < n_su; k++) {
        su[k].o = o;
        su[k].o.source = o.sources[k];
        su[k].lib = lib;
        su[k].started = started;
        su[k].stamp = stamp;
        if (n_su > 1) {
            suite_label(su[k].label, sizeof su[k].label, k, o.sources[k]);
            snprintf(su[k].o.prefix, sizeof su[k].o.prefix, "[%s] ", su[k].label);
        }
        if (o.report_dir && n_su > 1) {
            /* with --no-redact what it holds is private (README) */
            if (mkdir(o.report_dir, o.keep_secrets ? 0700 : 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "dfota run: cannot create %s: %s\n", o.report_dir, strerror(errno));
                status = EXIT_HARNESS;
                goto out;
            }
            snprintf(su[k].report_parent, sizeof su[k].report_parent, "%.600s/%s", o.report_dir,
                     su[k].label);
        } else if (o.report_dir)
            snprintf(su[k].report_parent, sizeof su[k].report_parent, "%.790s", o.report_dir);
    }
    /* The reports' JUnit needs libxml2: missing, it is the bench's
     * trouble, said before any module is touched. */
    char why[DFOTA_ERRBUF];
    if (o.report_dir && dfota_need_xml(why, sizeof why) != 0) {
        fprintf(stderr, "dfota run: %s\n", why);
        status = EXIT_HARNESS;
        goto out;
    }
    if (n_su == 1)
        suite_run(&su[0]);
    else {
        /* each module on its own thread: the suite runs on all at once */
        pthread_t th[SOURCES_MAX];
        size_t started_n = 0;
        for (size_t k = 0; k < n_su; k++)
            if (pthread_create(&th[k], NULL, suite_thread, &su[k]) == 0)
                started_n = k + 1;
            else {
                su[k].status = EXIT_HARNESS;
                fprintf(stderr, "dfota run: cannot start a thread for %s\n", su[k].o.source);
                break;
            }
        for (size_t k = 0; k < started_n; k++)
            pthread_join(th[k], NULL);
    }
    status = worst_status(su, n_su);
    if (n_su > 1 && !o.json) {
        print_matrix(stdout, su, n_su);
        if (o.report_dir && write_matrix(o.report_dir, stamp, started, su, n_su, o.keep_secrets) != 0)
            status = EXIT_HARNESS;
    }
    if (cli_stop_signal) {
        size_t done = 0, all = 0;
        for (size_t k = 0; k < n_su; k++) {
            done += su[k].n;
            all += su[k].selected;
        }
        fprintf(stderr, "dfota run: interrupted by %s after %zu of %zu scenarios\n",
                cli_stop_signal_name(), done, all);
        status = 128 + (int)cli_stop_signal;
    }
out:
    if (fixtures_stop(&fx) != 0) {
        fprintf(stderr, "dfota run: the fixture servers would not stop (see %s.log)\n", fx.dir);
        if (status == EXIT_PASS || status == EXIT_FAIL || status == EXIT_INCOMPLETE)
            status = EXIT_HARNESS;
    }
    for (size_t k = 0; su && k < n_su; k++) {
        for (size_t i = 0; su[k].res && i < su[k].n; i++) {
            dfota_scenario_result_clear(&su[k].res[i]);
            dfota_scenario_result_clear(&su[k].prep[i]);
            dfota_scenario_free(su[k].prep_sc[i]);
        }
        free(su[k].res);
        free(su[k].prep);
        free(su[k].prep_sc);
        free(su[k].all);
    }
    dfota_pkgmap_free(o.map);
    dfota_pkgmap_free(o.own_map);
    free(su);
    if (lib)
        free_all(lib);
    free(lib);
    dfota_varset_free(&o.vars);
    return status;
}
