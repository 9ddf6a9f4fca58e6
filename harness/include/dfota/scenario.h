/* SPDX-License-Identifier: MIT */
/* dfota/scenario.h - a YAML scenario: what the host sends, what the module
 * must answer, and the timing windows, for one behaviour of the guide.
 *
 * One scenario per file, named after the guide section it exercises
 * (3.1-ftp-upgrade.yaml). The loader reads it with libyaml into this model
 * and rejects, with FILE:LINE:COLUMN from libyaml's marks, anything that
 * is not exactly the format below. Format (every key but name, section
 * and steps is optional):
 *
 *   name: ftp-upgrade-explicit-port        # [a-z0-9.-]+, unique in a library
 *   section: "3.1"                         # the guide's section
 *   requirement: "It should be started with \"FTP://\"..."   # quoted from the guide
 *   tags: [ftp, upgrade]
 *   sources: [transcript, emulator, serial] # where it can run (default: all)
 *   requires:                              # what the module must be before it starts
 *     firmware: EG95EFAR02A07M4G           # ATI's Revision, or AT+QGMR's version
 *   vars:                                  # defaults; ~ means "must be given"
 *     FTP_URL: {ftp: [EG95EFAR02A07M4G, EG95EFAR02A08M4G]}  # a package of the map
 *     BACK_FILE: {file: [EG95EFAR02A08M4G, EG95EFAR02A07M4G]}  # /data/ufs/<its file>
 *     SERVER: ~
 *   emulator: { ... }                      # how the emulator behaves
 *   steps:
 *     - send: 'AT+QFOTADL="${FTP_URL}"'
 *     - expect: OK                         # or ERROR (also +CME ERROR), or [OK, ERROR]
 *       within: 3s                         # a window: within and/or after
 *     - expect_urc: FTPEND                 # a stage of the guide
 *       code: 0                            # or [601, 701] or "520-530" or [0, "520-530"]
 *       within: 300s
 *     - reboot: {within: 300s}             # port-lost then port-back, or RDY
 *     - expect_urc: START
 *     - expect_progress: {from: 1, to: 100, max_gap: 120s}
 *     - expect_silence: 5s                 # no FOTA URC for this long
 *
 * A step may name the TIME-* rule its window is judged as with
 * "window: final-result" (see dfota/guide.h); by default expect is
 * final-result, FTPSTART/HTTPSTART download-start, FTPEND/HTTPEND download,
 * START start, END end, reboot reboot, expect_progress's max_gap
 * progress-gap. Durations: 300ms, 90s, 20min (dfota/guide.h).
 *
 * A package variable ({ftp|http|file: [FROM, TO]}) names a delta package
 * by what it does; the run looks it up in its package map (below) and a
 * --var of the same name still wins. The emulator starts on
 * requires.firmware unless its block names another firmware. */
#ifndef DFOTA_SCENARIO_H
#define DFOTA_SCENARIO_H

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/guide.h"

#include <stddef.h>
#include <stdint.h>

/* Limits of what the loader accepts (an alias bomb or a huge file is an
 * error with its place, never a blow-up). */
#define DFOTA_SCENARIO_FILE_MAX (256 * 1024) /* bytes */
#define DFOTA_SCENARIO_DEPTH_MAX 16          /* nested collections */
#define DFOTA_SCENARIO_ALIAS_MAX 16          /* alias uses in one file */
#define DFOTA_SCENARIO_NODES_MAX 20000       /* nodes after aliases are resolved */
#define DFOTA_SCENARIO_STEPS_MAX 256
#define DFOTA_SCENARIO_VARS_MAX 64
#define DFOTA_SCENARIO_TAGS_MAX 32
#define DFOTA_SCENARIO_CODES_MAX 16
#define DFOTA_SCENARIO_TEXT_MAX 1024         /* any one scalar */

/* Where a scenario can run. */
enum {
    DFOTA_SRC_TRANSCRIPT = 1u << 0,
    DFOTA_SRC_EMULATOR = 1u << 1,
    DFOTA_SRC_SERIAL = 1u << 2,
    DFOTA_SRC_ALL = 7u
};

typedef enum {
    DFOTA_STEP_SEND = 0,
    DFOTA_STEP_EXPECT,           /* the final result */
    DFOTA_STEP_EXPECT_URC,       /* a FOTA stage with a code, a set or a range */
    DFOTA_STEP_EXPECT_PROGRESS,  /* UPDATING from/to, never decreasing, largest gap */
    DFOTA_STEP_REBOOT,           /* the port goes and comes back, or RDY */
    DFOTA_STEP_EXPECT_SILENCE    /* no FOTA URC for a duration */
} dfota_step_kind;

/* Outcomes of an expect step, a bit set. */
enum {
    DFOTA_OUTCOME_OK = 1u << 0,
    DFOTA_OUTCOME_ERROR = 1u << 1   /* ERROR and +CME ERROR: <n> */
};

typedef struct {
    long lo, hi;                 /* a single code has lo == hi */
} dfota_code_range;

typedef struct {
    dfota_step_kind kind;
    unsigned long line, column;  /* of the step in its file, 1-based */
    char *text;                  /* send: the line, ${VARS} not yet expanded */
    unsigned outcomes;           /* expect */
    dfota_stage stage;           /* expect_urc */
    dfota_code_range codes[DFOTA_SCENARIO_CODES_MAX];
    size_t n_codes;              /* 0: any code (or none) */
    int from, to;                /* expect_progress: -1 when not given */
    int64_t max_gap_ns;          /* expect_progress: 0 when not given */
    int64_t within_ns;           /* 0: no upper bound */
    int64_t after_ns;            /* 0: no lower bound */
    int64_t duration_ns;         /* expect_silence */
    dfota_window window;         /* the TIME-* rule of the window, or DFOTA_WIN_COUNT */
} dfota_step;

/* Which of a package's forms a package variable stands for. */
typedef enum {
    DFOTA_PKG_NONE = 0,          /* a plain variable */
    DFOTA_PKG_FTP,               /* the package's FTP URL */
    DFOTA_PKG_HTTP,              /* its HTTP URL */
    DFOTA_PKG_FILE               /* "/data/ufs/" and its local file name */
} dfota_pkg_form;

typedef struct {
    char *name;
    char *value;                 /* NULL: must be given (on the command line, or by the map) */
    unsigned long line, column;
    dfota_pkg_form pkg;          /* a package variable: the form, and the package */
    char *pkg_from, *pkg_to;     /* firmware versions; NULL for a plain variable */
} dfota_var;

/* The emulator block, validated now and used by the emulator later. */
typedef struct {
    char *kind;                  /* download-error, update-fail, accept-invalid, lost-start, ...
                                  * (dfota emulate --help lists what the emulator plays) */
    long code;                   /* 0 when not given */
    int at_percent;              /* -1 when not given */
    long times;                  /* 0 when not given */
    int64_t delay_ns;            /* 0 when not given */
    const char *stage;           /* a URC stage name (static), NULL when not given */
    unsigned long line, column;
} dfota_fault;

typedef struct {
    int present;
    char *firmware;              /* the version before the upgrade */
    char *target;                /* the version the package brings */
    char *profile;               /* strict, field, or a named one */
    char *port;                  /* usb or uart */
    int64_t free_space;          /* bytes, 0 when not given */
    dfota_fault faults[16];
    size_t n_faults;
} dfota_emulator_spec;

typedef struct {
    char *file;                  /* as given to the loader */
    char *name;
    char *section;
    char *requirement;
    char *tags[DFOTA_SCENARIO_TAGS_MAX];
    size_t n_tags;
    unsigned sources;
    char *requires_firmware;     /* requires: firmware:, NULL when none */
    dfota_var vars[DFOTA_SCENARIO_VARS_MAX];
    size_t n_vars;
    dfota_emulator_spec emulator;
    dfota_step *steps;
    size_t n_steps;
} dfota_scenario;

/* Loads and validates one scenario file. On success *out owns everything
 * (free it with dfota_scenario_free) and DFOTA_OK is returned. On error
 * *out is NULL and err holds "FILE:LINE:COLUMN: what is wrong" (DFOTA_E_IO:
 * unreadable; DFOTA_E_INPUT: not a valid scenario; DFOTA_E_TOO_BIG: past a
 * limit above). Every ${NAME} used must be declared under vars. */
DFOTA_WUR dfota_err dfota_scenario_load(const char *path, dfota_scenario **out, char *err,
                                        size_t errlen);

/* Every error of a file, not only the first, for dfota lint. */
#define DFOTA_SCENARIO_ERRORS_MAX 100        /* messages of one file; then "and N more" */
typedef void (*dfota_scenario_error_fn)(void *ctx, const char *message);

/* dfota_scenario_load that goes on past an error to the next part of the
 * file it can judge apart (a top-level key, a tag, a variable, a fault, a
 * step) and hands each message, "FILE:LINE:COLUMN: what is wrong", to fn:
 * at most DFOTA_SCENARIO_ERRORS_MAX, then one "FILE: and N more errors".
 * A YAML syntax error or a limit of the file ends the reading (libyaml
 * cannot go on). Returns what dfota_scenario_load returns, with the first
 * message in err; *out is NULL on error. */
DFOTA_WUR dfota_err dfota_scenario_load_all(const char *path, dfota_scenario **out, char *err,
                                            size_t errlen, dfota_scenario_error_fn fn,
                                            void *ctx);

/* dfota_scenario_load_all from memory (name in messages; no file name
 * for the scenario's name to match). */
DFOTA_WUR dfota_err dfota_scenario_parse_all(const char *name, const char *text, size_t len,
                                             dfota_scenario **out, char *err, size_t errlen,
                                             dfota_scenario_error_fn fn, void *ctx);

/* Like dfota_scenario_load, from memory; name is used in messages. */
DFOTA_WUR dfota_err dfota_scenario_parse(const char *name, const char *text, size_t len,
                                         dfota_scenario **out, char *err, size_t errlen);

void dfota_scenario_free(dfota_scenario *sc);

/* Variables given for a run: NAME=VALUE from the command line and from vars
 * files. Later settings win over earlier ones; both win over defaults. */
typedef struct {
    char *name[DFOTA_SCENARIO_VARS_MAX * 2];
    char *value[DFOTA_SCENARIO_VARS_MAX * 2];
    size_t n;
} dfota_varset;

void dfota_varset_init(dfota_varset *vs);
void dfota_varset_free(dfota_varset *vs);
/* Adds "NAME=VALUE". DFOTA_E_INPUT when it is not of that form (err says
 * why), DFOTA_E_TOO_BIG when there are too many. */
DFOTA_WUR dfota_err dfota_varset_add(dfota_varset *vs, const char *assignment, char *err,
                                     size_t errlen);
/* Reads a vars file: a YAML mapping of NAME: VALUE. */
DFOTA_WUR dfota_err dfota_varset_load(dfota_varset *vs, const char *path, char *err,
                                      size_t errlen);

/* Expands ${NAME} in text into out (cap bytes with its NUL) from vs, then
 * the scenario's defaults. DFOTA_E_INPUT with err naming the variable when
 * one has no value; DFOTA_E_TOO_BIG when out is too small. */
DFOTA_WUR dfota_err dfota_scenario_expand(const dfota_scenario *sc, const dfota_varset *vs,
                                          const char *text, char *out, size_t cap, char *err,
                                          size_t errlen);

const char *dfota_step_kind_name(dfota_step_kind k);

/* 1 when the module's version (ATI's Revision, or AT+QGMR's longer
 * "EG95EFAR02A07M4G_01.002.01.002") is the version want names: the same,
 * or want followed by '_' and the build. Pure. */
int dfota_firmware_matches(const char *running, const char *want);

/* ---- the package map ------------------------------------------------------
 * A YAML file the user writes: for each from -> to pair of firmware
 * versions, where its delta package is (any of the three forms):
 *
 *   packages:
 *     - from: EG95EFAR02A07M4G
 *       to: EG95EFAR02A08M4G
 *       ftp: "ftp://user:pass@ftp.example.net/fota/update-v12-to-v13.zip"
 *       http: "http://www.example.net/fota/update-v12-to-v13.zip"
 *       file: update-v12-to-v13.zip       # in the module's /data/ufs/
 *
 * Loaded with the limits and FILE:LINE:COLUMN errors of a scenario. */
#define DFOTA_PKGMAP_MAX 64
#define DFOTA_FIRMWARE_MAX 95            /* bytes of a version */

typedef struct {
    char *from, *to;
    char *ftp, *http, *file;     /* NULL when the map gives no such form */
    unsigned long line, column;
} dfota_package;

typedef struct {
    char *file;
    dfota_package pkgs[DFOTA_PKGMAP_MAX];
    size_t n;
} dfota_pkgmap;

/* Loads and validates a package map: a mapping with one key, packages, a
 * sequence of entries with from and to (versions: printable, no blank, at
 * most DFOTA_FIRMWARE_MAX bytes, not equal) and at least one of ftp (an
 * ftp:// URL), http (http:// or https://) and file (a name for /data/ufs/:
 * no '/', '"' or control byte, at most 118 bytes); one entry per pair. On
 * success *out is owned by the caller (dfota_pkgmap_free). On error *out is
 * NULL and err holds "FILE:LINE:COLUMN: what is wrong". */
DFOTA_WUR dfota_err dfota_pkgmap_load(const char *path, dfota_pkgmap **out, char *err,
                                      size_t errlen);
DFOTA_WUR dfota_err dfota_pkgmap_parse(const char *name, const char *text, size_t len,
                                       dfota_pkgmap **out, char *err, size_t errlen);
void dfota_pkgmap_free(dfota_pkgmap *m);

/* The entry that takes a module running version from to version to
 * (dfota_firmware_matches for from; to exactly), or NULL. */
const dfota_package *dfota_pkgmap_find(const dfota_pkgmap *m, const char *from, const char *to);

/* A package variable's value from the map into out (cap bytes): the URL,
 * or "/data/ufs/" and the file name. DFOTA_E_INPUT with err naming the
 * variable and the two versions when the map has no such package or not
 * in that form; DFOTA_E_TOO_BIG when out is too small. */
DFOTA_WUR dfota_err dfota_pkgmap_value(const dfota_pkgmap *m, const dfota_var *v, char *out,
                                       size_t cap, char *err, size_t errlen);

/* ---- the project file ------------------------------------------------------
 * dfota.yaml in the working folder: the settings a bench repeats, under
 * the environment and the command line (dfota run --show-config). Every
 * key is optional; paths are as written (relative to the working folder):
 *
 *   source: serial:usb:2c7c:0125:if=2       # or a list of up to 8 sources
 *   packages: site-packages.yaml           # the package map
 *   report: reports                        # the report folder
 *   profile: field                         # strict, field
 *   vars:
 *     SERVER: ftp.example.net
 *
 * Read with the limits and FILE:LINE:COLUMN errors of a scenario; an
 * unknown key or a value of the wrong type is an error. */
#define DFOTA_PROJECT_SOURCES_MAX 8

typedef struct {
    char *value;
    unsigned long line;          /* 0 when not given */
} dfota_project_value;

typedef struct {
    char *file;
    dfota_project_value source[DFOTA_PROJECT_SOURCES_MAX];
    size_t n_sources;
    dfota_project_value packages, report, profile;
    char *var_name[DFOTA_SCENARIO_VARS_MAX];
    dfota_project_value var[DFOTA_SCENARIO_VARS_MAX];
    size_t n_vars;
} dfota_project;

/* Loads and checks a project file. On success *out is the caller's
 * (dfota_project_free); on error *out is NULL and err holds
 * "FILE:LINE:COLUMN: what is wrong". An empty file sets nothing. */
DFOTA_WUR dfota_err dfota_project_load(const char *path, dfota_project **out, char *err,
                                       size_t errlen);
DFOTA_WUR dfota_err dfota_project_parse(const char *name, const char *text, size_t len,
                                        dfota_project **out, char *err, size_t errlen);
void dfota_project_free(dfota_project *p);

#endif
