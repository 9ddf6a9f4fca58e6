/* SPDX-License-Identifier: MIT */
/* cli.h - the dfota command's parts. Exit codes are part of the interface. */
#ifndef DFOTA_CLI_H
#define DFOTA_CLI_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/scenario.h"
#include "dfota/report.h"

/* The exit statuses are the statuses the core's verdicts call for
 * (dfota_status, README.md's "Exit status"), the same numbers. */
enum {
    EXIT_PASS = DFOTA_STATUS_PASS,             /* no FAIL, nothing inconclusive */
    EXIT_FAIL = DFOTA_STATUS_FAIL,             /* at least one FAIL */
    EXIT_INPUT = DFOTA_STATUS_INPUT,           /* usage error or input that cannot be read */
    EXIT_INCOMPLETE = DFOTA_STATUS_INCOMPLETE, /* no FAIL, something INCOMPLETE */
    EXIT_HARNESS = DFOTA_STATUS_HARNESS        /* harness trouble: a source or fixture that could not be used */
};

/* The whole command line as main got it, for the provenance every
 * artifact records (set by main before a command runs). */
extern int cli_argc;
extern char **cli_argv;

int cmd_check(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_emulate(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_stage(int argc, char **argv);
int cmd_ports(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
/* --redact-param NAME[,NAME...] (repeatable), beside --no-redact in every
 * command that writes output: the option's getopt value, and what it
 * does. Adds the names to the redactor's (dfota_redact_add_names); 0, or
 * EXIT_INPUT after saying why on standard error as "dfota CMD: ...". main
 * does the same for the environment variable DFOTA_REDACT_PARAMS. */
#define CLI_OPT_REDACT_PARAM 0x200
#define CLI_REDACT_PARAM_HELP \
    "      --redact-param NAME  also hide URL parameter NAME's value (repeatable)\n"
int cli_redact_param(const char *cmd, const char *what, const char *list);

/* A text from the user or a file system (a file name, a library's error
 * message quoting one) as a terminal may show it: secrets hidden
 * (dfota_redact), then control bytes, invalid UTF-8 and bidi controls as
 * \xNN (dfota_escape_text). Returns buf (cap bytes), cut when too long. */
#define CLI_SHOWN_MAX 1024
const char *cli_shown(const char *s, char *buf, size_t cap);

/* "dfota CMD: " and fmt with arg shown as cli_shown shows it (fmt has one
 * %s), then "Try 'dfota CMD --help'.": a usage error. Returns EXIT_INPUT. */
int cli_bad_usage(const char *cmd, const char *fmt, const char *arg);

/* BYTES with an optional K/KiB, M/MiB, G/GiB suffix, at most max: 1, else 0. */
int parse_bytes(const char *s, uint64_t max, uint64_t *out);

/* SIGINT and SIGTERM (and SIGHUP with hangup) call fn, without SA_RESTART
 * so that a wait returns early; SIGPIPE is ignored, so a closed standard
 * output does not end the process before it has cleaned up. */
void cli_catch_stop(void (*fn)(int), int hangup);

/* The stop signal caught by cli_catch_stop_flag (SIGINT, SIGTERM, SIGHUP),
 * 0 while none came; and its name ("SIGINT"). For a command whose loop runs
 * until it is stopped (emulate, proxy). */
extern volatile sig_atomic_t cli_stop_signal;
void cli_catch_stop_flag(void);
const char *cli_stop_signal_name(void);

/* A serial port (spec "serial:PORT[,...]") that another process also has
 * open (ModemManager, a terminal) gets that process's AT traffic mixed with
 * ours: says so on standard error, as "CMD: LABEL warning: ...", before the
 * port is used. Says nothing for another spec or a port that cannot be
 * found (opening it will say why). */
void cli_warn_port_users(const char *cmd, const char *spec, const char *label);

/* Calls fn for each input: a file named as it is (whatever its extension),
 * "-" for standard input, or every log under a folder, sorted and
 * recursively: regular files named *.transcript, *.log, *.txt or *.cap in
 * any case, and files with no extension whose first bytes are text holding
 * AT traffic. A path that cannot be listed is passed to fn as it is, so
 * that the error is reported for it. A folder is read once however many
 * links lead to it, at most 32 deep; each link or folder skipped is said
 * on standard error. A FIFO, socket or device named as an input is
 * refused (said on standard error): FILES_REFUSED. Returns the number of
 * files handed to fn (0 for a folder with nothing to read), FILES_REFUSED,
 * or -1 when out of memory. */
#define FILES_REFUSED (-2L)
long files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx);

/* The same for scenarios: a file, or every *.yaml and *.yml under a folder. */
long scenario_files_each(const char *path, void (*fn)(void *ctx, const char *file), void *ctx);

/* An output file written under a temporary name and renamed into place on
 * success, so that an interrupted run never leaves one that looks whole.
 * Only a regular file (or a new name) is replaced that way: a device, a
 * FIFO or a link to one is written through and never replaced, "-" is
 * standard output, and a folder, a socket or a block device is refused. */
typedef struct {
    FILE *f;
    char path[4096];
    char tmp[4096 + 16];
    int direct;      /* 0 renamed into place, 1 written through, 2 standard output */
    const char *why; /* a refusal in words, for atomic_error; NULL: see errno */
} atomic_file;

/* The harness's own fixture servers and packages (fixtures/servers.sh), for
 * a run on the emulator that was given no servers of its own. */
#define FIXTURES_PATH_MAX 1024
#define FIXTURES_CONNECT_TO 4
typedef struct {
    char source[FIXTURES_PATH_MAX];   /* the fixtures folder of the sources */
    char dir[FIXTURES_PATH_MAX];      /* the private folder they run in, "" when none */
    char ufs[FIXTURES_PATH_MAX];      /* the emulator's /data/ufs/, local packages staged */
    char packages[FIXTURES_PATH_MAX]; /* the package map of these servers */
    char connect_to[FIXTURES_CONNECT_TO][128]; /* ":2121:127.0.0.1:PORT", ... */
    const char *connect_to_ptr[FIXTURES_CONNECT_TO];
    int running;
} fixtures;

/* The fixtures folder: $DFOTA_FIXTURES, else fixtures/ beside the binary's
 * source tree or installed prefix. 0 with out filled, or -1. */
int fixtures_find(char *out, size_t cap);
/* Starts the servers in a private folder under $TMPDIR and reads their
 * servers.env. 0, or -1 with one sentence in why (what is missing and how
 * to provide it); nothing is left running on failure. */
int fixtures_start(fixtures *fx, char *why, size_t cap);
/* Stops what fixtures_start started and removes its folder; safe to call
 * twice or after a failed start. 0, or -1 when something would not stop. */
int fixtures_stop(fixtures *fx);

/* A scenario's variables for a run (prepare.c): its package variables from
 * map (NULL: none), then the run's own (user), which win. 0 with *out
 * (free with dfota_varset_free), or -1 with "not run: why" in why. */
int prepare_vars(const dfota_scenario *sc, const dfota_pkgmap *map, const dfota_varset *user,
                 dfota_varset *out, char *why, size_t cap);
/* The preparation step before sc: an upgrade or downgrade with package p
 * (its FTP URL, else its HTTP URL, else its local file), written as a
 * scenario "prepare-for-NAME" of the library's format, owned by the caller
 * (dfota_scenario_free). NULL with "not run: why" in why. */
dfota_scenario *prepare_scenario(const dfota_scenario *sc, const dfota_package *p, char *why,
                                 size_t cap);

int atomic_open(atomic_file *a, const char *path);   /* 0 or -1 with errno */
/* The same, a new file created with mode (before the umask): 0600 for
 * what holds secrets. */
int atomic_open_mode(atomic_file *a, const char *path, unsigned mode);
int atomic_commit(atomic_file *a);                   /* 0 or -1 with errno */
void atomic_abort(atomic_file *a);
/* Removes dir and everything in it, following no link: 0, or -1 with
 * errno (what could be removed is gone). */
int remove_tree(const char *dir);
/* Why atomic_open or atomic_commit failed, err being the errno it left:
 * a sentence for a refused path, else strerror(err). */
const char *atomic_error(const atomic_file *a, int err);

#endif
