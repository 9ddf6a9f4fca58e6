/* SPDX-License-Identifier: MIT */
/* dfota/judge.h - the one judge: a state machine fed one event at a time.
 * It never holds the log: memory is bounded whatever the input's size. */
#ifndef DFOTA_JUDGE_H
#define DFOTA_JUDGE_H

#include "dfota/base.h"
#include "dfota/at.h"
#include "dfota/guide.h"

#include <stddef.h>
#include <stdint.h>

/* Status of a rule, ordered: a worse status has a larger value. */
typedef enum {
    DFOTA_V_NA = 0,       /* the rule did not apply */
    DFOTA_V_PASS,
    DFOTA_V_WARN,         /* a deviation the profile tolerates */
    DFOTA_V_INCOMPLETE,   /* the log ends before the rule could be decided */
    DFOTA_V_FAIL
} dfota_verdict;

/* The level of one finding. A NOTE does not change any verdict. */
typedef enum {
    DFOTA_L_NOTE = 0,
    DFOTA_L_WARN,
    DFOTA_L_INCOMPLETE,
    DFOTA_L_FAIL
} dfota_level;

const char *dfota_verdict_name(dfota_verdict v);
const char *dfota_level_name(dfota_level l);

#define DFOTA_TEXT_MAX 240
#define DFOTA_FW_SAID_MAX 96 /* a firmware revision as a log says it, escaped */

typedef struct {
    dfota_rule rule;
    dfota_level level;
    unsigned flow;            /* the flow it belongs to, 0 for none */
    unsigned long line;       /* line in the source, 0 when unknown */
    int64_t t_ns;             /* DFOTA_T_NONE when unknown */
    const char *quirk;        /* field behaviour for WARN and NOTE, or NULL */
    char expected[DFOTA_TEXT_MAX];
    char seen[DFOTA_TEXT_MAX]; /* device bytes here are escaped */
} dfota_finding;

/* Measured durations of one flow, in ns; DFOTA_T_NONE when not measured. */
typedef struct {
    int64_t final_result;     /* command to its final result */
    int64_t to_download_end;  /* command to FTPEND/HTTPEND */
    int64_t download;         /* FTPSTART to FTPEND */
    int64_t reboot_gap;       /* port-lost to port-back, summed over reboots */
    int64_t to_start;         /* command to the first START */
    int64_t start_to_end;     /* first START to the last END */
    int64_t max_progress_gap; /* largest gap between UPDATING URCs */
} dfota_durations;

#define DFOTA_FLOW_FINDINGS_MAX 32
#define DFOTA_FLOW_CODES_MAX 16

/* One AT+QFOTADL command and everything that followed it, as it is closed. */
typedef struct {
    unsigned id;
    unsigned long line;       /* line of the command, or of the first URC when inferred */
    int inferred;             /* the log started mid-procedure: no command seen */
    char command[DFOTA_TEXT_MAX]; /* escaped, possibly cut */
    dfota_proto proto;
    const char *form;         /* "test", "read", "exec", "write" */
    const char *final;        /* "OK", "ERROR", "+CME ERROR: n" or NULL */
    const char *outcome;      /* "answered", "rejected", "download-failed", "updated", "update-failed", "incomplete", "abandoned" */
    int has_download_code;
    long download_code;
    unsigned n_end_codes;
    long end_codes[DFOTA_FLOW_CODES_MAX]; /* the END codes in order (first ones) */
    unsigned attempts;        /* STARTs seen, explicit or implied */
    int max_percent;          /* -1 when no UPDATING */
    unsigned reboots;
    dfota_durations durations;
    unsigned n_findings;      /* findings kept below, FAIL/WARN/INCOMPLETE first-come */
    unsigned n_findings_dropped;
    dfota_finding findings[DFOTA_FLOW_FINDINGS_MAX];
} dfota_flow_summary;

/* The bytes of s that say something: its fields and the findings it keeps
 * (at most DFOTA_FLOW_FINDINGS_MAX), not the room for more. A copy of
 * that many bytes is the whole flow. */
static inline size_t dfota_flow_summary_size(const dfota_flow_summary *s)
{
    return offsetof(dfota_flow_summary, findings) + (size_t)s->n_findings * sizeof(dfota_finding);
}

/* One line in words: what happened to the upgrade of s, with the guide's
 * meaning of the code that decided it and its chapter, e.g. "upgrade over
 * HTTP: download failed, HTTPEND 701 (HTTP unknown error, §5)". It says
 * what happened, not whether that was right: the findings do. Writes at
 * most cap-1 bytes and a NUL into buf (the caller's). */
void dfota_flow_describe(const dfota_flow_summary *s, char *buf, size_t cap);

/* Where the checker reports, as it goes. Any callback may be NULL. */
typedef struct {
    void (*finding)(void *ctx, const dfota_finding *f);
    void (*flow)(void *ctx, const dfota_flow_summary *s);
    void *ctx;
} dfota_sink;

typedef struct {
    dfota_profile profile;
    int usb_port;                      /* 1: a USB port (PORT-REBOOT applies), 0: not, -1: unknown */
    int64_t window_ns[DFOTA_WIN_COUNT]; /* 0: no limit */
    /* 1: judge the host too (the HOST-* rules). The reopen and read rules
     * need the '! host-open' and '! host-close' events a recording of host
     * software carries (dfota emulate --record, dfota proxy). */
    int judge_host;
    int64_t host_reopen_ns;            /* HOST-REOPEN's window; 0: no limit */
    /* Wall seconds per second of the log's time, when the module's clock
     * was scaled (a recording of 'dfota emulate --time-scale X' says X in
     * its time-scale header); 0 or 1: the log's time is wall time. A host
     * program lives in wall time, so HOST-REOPEN measures it so: at 0.01 a
     * host that reopened 55 ms after the reboot took 55 ms, not 5.5 s. */
    double host_wall_scale;
} dfota_checker_opts;

/* Options with the profile strict, an unknown port and no windows. */
void dfota_checker_opts_init(dfota_checker_opts *o);

/* Sets the windows to the host timings of FIELD-QUIRKS (3 s for OK, 60 s to
 * the download start, 300 s to its end, 300 s to START, 120 s between
 * progress URCs, 300 s to END, 60 s to RDY). */
void dfota_checker_opts_host_windows(dfota_checker_opts *o);

typedef struct dfota_checker dfota_checker;

/* A checker that reports to *sink (copied). NULL when out of memory. */
dfota_checker *dfota_checker_new(const dfota_checker_opts *opts, const dfota_sink *sink);
void dfota_checker_free(dfota_checker *c);

/* Makes c a checker as dfota_checker_new(opts, sink) would, keeping its
 * memory: a caller judging many files keeps one checker for them all.
 * Whatever c was in the middle of (a flow open, a file that ended
 * mid-upgrade) is forgotten, not finished. Never fails. */
void dfota_checker_reset(dfota_checker *c, const dfota_checker_opts *opts, const dfota_sink *sink);

/* Feeds one event. Never fails: what cannot be judged is a finding. */
void dfota_checker_feed(dfota_checker *c, const dfota_event *ev);

/* ---- transitions: what the checker made of one event. A caller that
 * follows the same events (the scenario runner's steps) reads them here
 * instead of classifying and tracking the line again: one reading of
 * each event, the checker's. */

typedef enum {
    DFOTA_PROGRESS_NONE = 0,    /* not a percentage PROGRESS-ORDER judged (not UPDATING,
                                 * no integer, outside 0..100, outside an attempt) */
    DFOTA_PROGRESS_IN_ORDER,    /* not below the attempt's last: PROGRESS-ORDER holds */
    DFOTA_PROGRESS_OUT_OF_ORDER /* below it: PROGRESS-ORDER FAILed at this event */
} dfota_progress_order;

typedef struct {
    /* The line's classification (dfota_classify); it borrows from the
     * event's line, so it is valid while the event is. OTHER for '!'. */
    dfota_item item;
    dfota_harness_event harness; /* a '!' event: which one; DFOTA_HEV_NONE otherwise */
    int echo;                 /* a host line that is the local echo of the command before it
                               * (a terminal's capture, DFOTA_EV_GUESSED_DIR): ignored */
    int data;                 /* a line read as data (after CONNECT, or the data a command
                               * prompted for), not as AT traffic */
    unsigned command;         /* a host command line: its number, counting from 1 every
                               * command line the checker took; 0: not one */
    unsigned answers;         /* a final result: the number of the command it answers (a
                               * module answers in order); 0: none it could answer */
    dfota_progress_order progress;
    int percent;              /* with progress not NONE: the percentage; else -1 */
    int last_percent;         /* with OUT_OF_ORDER: the attempt's last, which it is below */
} dfota_transition;

/* dfota_checker_feed, and fills *out (the caller's) with what the checker
 * made of ev. Never fails. */
void dfota_checker_feed_ex(dfota_checker *c, const dfota_event *ev, dfota_transition *out);

/* The log ended: decides what is still open (INCOMPLETE), closes every
 * flow. With truncated set the log was cut by an input error. */
void dfota_checker_finish(dfota_checker *c);

/* Per-rule status over everything fed so far, and counts. */
typedef struct {
    dfota_verdict rule[DFOTA_RULE_COUNT];
    char rule_reason[DFOTA_RULE_COUNT][DFOTA_TEXT_MAX]; /* the first non-PASS finding's text */
    unsigned long count[4];   /* findings by dfota_level */
    unsigned flows;
    int timed;                /* the log had timestamps */
    dfota_verdict verdict;    /* FAIL > INCOMPLETE > PASS (WARN counts as PASS) */
    /* No AT+QFOTADL and no FOTA URC: there was no upgrade to judge, which
     * is not a pass (RULES.md). Set by dfota_checker_finish; the verdict
     * stays what the rules say, and a caller decides what it is worth. */
    int nothing_to_judge;
    /* Findings the log itself caused (paste damage such as typographic
     * quotes): never the module's. They are NOTEs in every profile; in
     * strict they make the file inconclusive: inconclusive is set and the
     * verdict is INCOMPLETE, unless the module FAILed on its own. */
    unsigned long altered;
    char altered_reason[DFOTA_TEXT_MAX]; /* the first of them, with its line */
    int inconclusive;
    /* Windows not judged because the harness may have read the event that
     * ends them late (a live source's late_ns: a proxy or a serial port on
     * a busy machine): INCOMPLETE findings that are the harness's trouble,
     * never the module's or the host's. The first, in words, with its line. */
    unsigned long harness_late;
    char harness_late_reason[DFOTA_TEXT_MAX];
    /* The module's firmware as the log says it (the answer to AT+QGMR,
     * AT+CGMR, AT+GMR or ATI's "Revision:" line), escaped; "" when it does
     * not: before = the last said before the first AT+QFOTADL, after = the
     * last said after the last END URC. */
    char firmware_before[DFOTA_FW_SAID_MAX];
    char firmware_after[DFOTA_FW_SAID_MAX];
} dfota_checker_result;

/* What an inconclusive file is, in words. */
#define DFOTA_LOG_ALTERED "the log was altered after capture"

/* What nothing_to_judge means, in words. */
#define DFOTA_NOTHING_TO_JUDGE "no AT+QFOTADL and no FOTA URC in the log"

/* The result; valid until the checker is freed. */
const dfota_checker_result *dfota_checker_result_get(const dfota_checker *c);

#endif
