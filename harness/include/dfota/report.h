/* SPDX-License-Identifier: MIT */
/* dfota/report.h - one result model and its encoders: text, JSON, JUnit, HTML.
 * One header for the room lib/report/. */
#ifndef DFOTA_REPORT_H
#define DFOTA_REPORT_H

#include "dfota/judge.h"
#include "dfota/base.h"
#include "dfota/log.h"
#include "dfota/scenario.h"

/* ---- provenance: what a verdict was made by, for certification
 * evidence: the dfota version, the source commit it was built from, a hash
 * of the rule catalogue, the profile and the command line. Every artifact
 * (check's text, JSON and JUnit, a run's reports, transcripts) records it. */

#include <stddef.h>

#define DFOTA_COMMAND_MAX 1024

typedef struct {
    char version[32];     /* "0.1.0" */
    char commit[64];      /* "git describe --always --dirty" at configure time, or "unknown" */
    char rules[40];       /* "fnv1a64:<16 hex digits>" over the catalogue's IDs, sections, rules */
    char profile[16];     /* "strict", "field" */
    char command[DFOTA_COMMAND_MAX]; /* the command line, escaped, secrets hidden, cut with "..." */
} dfota_provenance;

/* The source commit this library was built from. Never NULL. */
const char *dfota_build_commit(void);

/* The catalogue's hash into out (cap bytes): changes whenever an ID, a
 * section or a rule's text changes, so two verdicts can be compared. */
void dfota_rules_hash(char *out, size_t cap);

/* The same hash over any catalogue: rules[0..n) in order, each ID, section
 * and sentence ("fnv1a64:" and 16 hex digits; dfota_rules_hash is this over
 * the judge's catalogue). */
void dfota_rules_hash_of(const dfota_rule_info *rules, size_t n, char *out, size_t cap);

/* Fills *p for a command run as argv[0..argc) under profile. */
void dfota_provenance_fill(dfota_provenance *p, const char *profile, int argc,
                           char *const *argv);

/* The pairs to write in a transcript header ("dfota", "commit", "rules",
 * "profile", "command") pointing into p: kv must have room for 10 strings.
 * Returns the number of pairs, 5. */
size_t dfota_provenance_pairs(const dfota_provenance *p, const char **kv);

/* ---- status: what the verdicts call for, as the process's exit status
 * (README.md, "Exit status"). The core returns it and never exits; the
 * dfota command exits with it, and says which wins when several apply. */
typedef enum {
    DFOTA_STATUS_PASS = 0,       /* no FAIL, nothing inconclusive (WARN and NOTE do not fail) */
    DFOTA_STATUS_FAIL = 1,       /* at least one FAIL */
    DFOTA_STATUS_INPUT = 2,      /* a usage error, or an input that cannot be read */
    DFOTA_STATUS_INCOMPLETE = 3, /* no FAIL, but something INCOMPLETE, nothing to judge,
                                  * or (strict) a log altered after capture */
    DFOTA_STATUS_HARNESS = 4     /* harness trouble: a source or fixture that could not be used */
} dfota_status;

/* ---- output: writes what the checker found: compiler-style text,
 * JSON (jansson) or JUnit XML (libxml2), streaming, one file at a time.
 * Writes only to the FILE the caller gives; device bytes arrive escaped. */

#include <stdio.h>

typedef enum {
    DFOTA_OUT_TEXT = 0,
    DFOTA_OUT_JSON,
    DFOTA_OUT_JUNIT,
    DFOTA_OUT_JSONL  /* JSON lines: a record per file as it is judged, the summary last */
} dfota_out_format;

typedef struct dfota_output dfota_output;

/* An output of the given format to out (borrowed). color: use terminal
 * colours in text. NULL when out of memory. */
dfota_output *dfota_output_new(dfota_out_format fmt, FILE *out, dfota_profile profile, int color);
void dfota_output_free(dfota_output *o);

/* By default the output hides secrets in what a log said (dfota/guide.h:
 * passwords and secret URL parameters become "***"); keep = 1 shows them
 * as they are. Judging is not affected: the checker saw the real text. */
void dfota_output_keep_secrets(dfota_output *o, int keep);

/* By default a log with nothing to judge (no AT+QFOTADL and no FOTA URC)
 * is its own result, NOTHING TO JUDGE, and the status is
 * DFOTA_STATUS_INCOMPLETE: it is not a pass. allow = 1 lets it pass, with a
 * note (--allow-empty). */
void dfota_output_allow_empty(dfota_output *o, int allow);

/* JSON indented two spaces a level (--pretty) instead of compact, the way
 * dfota_report_json_pretty makes a run's JSON. Set before the first file. */
void dfota_output_pretty(dfota_output *o, int pretty);

/* What made the verdicts (dfota/report.h, borrowed: it must outlive
 * the output): written in every format, for certification evidence. */
void dfota_output_provenance(dfota_output *o, const dfota_provenance *prov);

/* What the records call the next file (dfota check --keyed: an object
 * store's key, say), when it is not the name it was read by; NULL or ""
 * means the file name. Called before dfota_output_begin_file; it holds for
 * that file only (dfota_output_end_file forgets it). At most 1023 bytes
 * are kept, escaped as a file name is. */
void dfota_output_set_key(dfota_output *o, const char *key);

/* Starts a file; name is escaped before it is written. */
void dfota_output_begin_file(dfota_output *o, const char *name);

/* The sink to give the checker for this file. */
dfota_sink dfota_output_sink(dfota_output *o);

/* What text and JUnit keep of an upgrade: its words (dfota_flow_describe),
 * its line and the module time it took. JSON keeps the whole flow. The
 * first DFOTA_OUTCOMES_KEPT upgrades of a file are said in words; of the
 * others, the time is added and the number said. */
#define DFOTA_OUTCOME_MAX 320
#define DFOTA_OUTCOMES_KEPT 32
typedef struct {
    int64_t span_ns;        /* the longest of command to final result, to the download's
                             * end, and to the last END */
    unsigned long line;     /* the flow's line, 0 when none */
    char what[DFOTA_OUTCOME_MAX];
} dfota_outcome;

/* s as an outcome; with words 0 its words are not made (what is ""): an
 * upgrade past the first DFOTA_OUTCOMES_KEPT. Reads s only: any thread
 * may call it. */
void dfota_outcome_of(const dfota_flow_summary *s, int words, dfota_outcome *out);

/* 1 when o keeps only the outcome of each flow (text, JUnit): a caller
 * that hands flows over later may make the outcome where the flow was
 * judged and give o that (dfota_output_outcome); 0 when o takes flows
 * whole (JSON, JSON Lines). */
int dfota_output_takes_outcomes(const dfota_output *o);

/* An upgrade of the current file, as the sink's flow callback would take
 * it: what (at most DFOTA_OUTCOME_MAX - 1 bytes are kept; past the first
 * DFOTA_OUTCOMES_KEPT of the file it is not read, and may be ""), its
 * line, its span. */
void dfota_output_outcome(dfota_output *o, int64_t span_ns, unsigned long line, const char *what);

/* Ends the file. res is the checker's result (NULL when the file could not
 * be read at all); error is the input error that stopped it, or NULL;
 * format is what the reader detected. */
void dfota_output_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                           dfota_format format, const dfota_reader_stats *stats);

/* The rules that applied in res, a line each, "  ID  STATUS  reason", in
 * the catalogue's order; the reason with its secrets hidden unless
 * keep_secrets. The one text of the rules' statuses (a proxy session's
 * summary.txt). DFOTA_E_IO when a write failed. */
DFOTA_WUR dfota_err dfota_output_rules_text(FILE *out, const dfota_checker_result *res,
                                            int keep_secrets);

/* Writes the summary and closes the document. DFOTA_E_IO when a write failed. */
DFOTA_WUR dfota_err dfota_output_finish(dfota_output *o);

/* What the exit status fails on (dfota check --fail-on): INCOMPLETE, the
 * default, is the statuses above as they are; FAIL only a FAIL (and an
 * input that cannot be read): INCOMPLETE becomes PASS; NONE nothing, an
 * input that cannot be read neither: always PASS. */
typedef enum {
    DFOTA_FAIL_ON_INCOMPLETE = 0,
    DFOTA_FAIL_ON_FAIL,
    DFOTA_FAIL_ON_NONE
} dfota_fail_on;

/* The name dfota check --fail-on takes for f ("none", "fail",
 * "incomplete"), and back: 0 with *f set, or -1 for another name. */
const char *dfota_fail_on_name(dfota_fail_on f);
int dfota_fail_on_parse(const char *name, dfota_fail_on *f);

/* status (of a file, or of several) as --fail-on f makes it. */
dfota_status dfota_status_fail_on(dfota_status status, dfota_fail_on f);

/* The output's exit status follows f (default INCOMPLETE): what
 * dfota_output_status returns and the JSON's exit_status say. */
void dfota_output_fail_on(dfota_output *o, dfota_fail_on f);

/* What the files written so far call for: PASS when all passed, INPUT
 * when one could not be read, else FAIL for a FAIL, else INCOMPLETE for
 * something INCOMPLETE, inconclusive or with nothing to judge; then as
 * dfota_output_fail_on says. */
dfota_status dfota_output_status(const dfota_output *o);

/* ---- the result model: what a run of one scenario found, the steps and
 * the catalogue alike. The runner fills it; every encoder reads it. */
#define DFOTA_RUN_FINDINGS_MAX 256

typedef struct {
    size_t index;                /* 0-based */
    dfota_step_kind kind;
    unsigned long line;          /* of the step in the scenario file */
    char what[DFOTA_TEXT_MAX];   /* "expect_urc FTPEND code 0 within 300s" */
    dfota_verdict verdict;       /* PASS, FAIL, INCOMPLETE, or N/A when not reached */
    char detail[DFOTA_TEXT_MAX]; /* what was seen, why it failed */
    unsigned long event_line;    /* transcript line of the event that settled it, 0 for none */
    int64_t t_start_ns;          /* the window's anchor, DFOTA_T_NONE when untimed */
    int64_t t_end_ns;            /* when it was settled */
    int64_t within_ns, after_ns; /* the window, 0 for none */
    const char *rule;            /* the rule a failure names: a catalogue ID (a TIME-* for a
                                  * window, CMD-INVALID-ERROR, ...) or STEP-SEND, STEP-EXPECT,
                                  * STEP-URC, STEP-PROGRESS, STEP-REBOOT, STEP-SILENCE; NULL */
} dfota_step_result;

/* What a report shows of each event of a run: its timeline and its
 * transcript listing. The runner keeps it as it writes each event to the
 * run's transcript, so that a report is written from the result alone and
 * never reads the transcript back. One entry per event, in order, up to
 * DFOTA_TIMELINE_MAX; the events after it (or after one that found no
 * memory) are only counted, and the page sends its reader to the file. */
#define DFOTA_TIMELINE_MAX 20000UL     /* entries a result keeps */
#define DFOTA_TIMELINE_TEXT_MAX 1024   /* bytes of an event's text kept */

typedef struct {
    int64_t t_ns;                /* module time as the transcript writes it: 0 when unknown */
    dfota_dir dir;
    dfota_item_kind kind;        /* the at layer's classification of the line (dfota_classify) */
    dfota_stage stage;           /* the stage of a URC (or of a bad one, when it got that
                                  * far), else DFOTA_STAGE_NONE */
    int has_code;
    long code;                   /* a URC's code (UPDATING: the percentage), +CME ERROR's */
    dfota_harness_event harness; /* a '!' line's harness event, else DFOTA_HEV_NONE */
    unsigned long line;          /* the event's line in the run's transcript */
    size_t text;                 /* where its text starts in timeline_text (a NUL ends it) */
    size_t text_len;             /* bytes of it kept: at most DFOTA_TIMELINE_TEXT_MAX,
                                  * cut on a UTF-8 boundary */
    size_t full_len;             /* the length of the line the transcript holds */
} dfota_timeline_entry;

typedef struct {
    const dfota_scenario *scenario;
    char source[512];            /* "transcript:FILE" */
    dfota_verdict verdict;       /* PASS, FAIL, INCOMPLETE; see error */
    int harness_error;           /* the bench, not the module: source or fixture trouble */
    char error[DFOTA_ERRBUF];
    dfota_step_result *steps;    /* scenario->n_steps of them */
    dfota_checker_result rules;  /* the catalogue's verdicts over the whole run */
    dfota_finding findings[DFOTA_RUN_FINDINGS_MAX]; /* FAIL, WARN, INCOMPLETE first-come */
    size_t n_findings;
    size_t n_findings_dropped;
    char transcript[1024];       /* where this run's transcript was written, "" if nowhere */
    int64_t duration_ns;         /* first to last event */
    int64_t module_ns;           /* the module time the run represents: for a live source
                                  * its clock at the end (waits and silences included),
                                  * for a recording duration_ns */
    unsigned long events;
    int interrupted;             /* stopped by the caller (opts.stop) before its end */
    char firmware_before[96];    /* the module's firmware before the run and after it, as */
    char firmware_after[96];     /* the source tells (AT+QGMR, or the emulator); "" unknown */
    char model[64];              /* ATI's model ("Quectel EG95"), "" unknown */
    int preparation;             /* 1: not a scenario of the library but the upgrade or
                                  * downgrade that brought the module to the firmware the
                                  * next one requires; judged the same, counted apart */
    dfota_timeline_entry *timeline; /* the events written to the transcript (owned) */
    size_t n_timeline, timeline_cap;
    unsigned long timeline_dropped; /* events the transcript holds past the last entry */
    char *timeline_text;         /* the entries' texts, as the transcript shows them:
                                  * redacted unless the run kept its secrets (owned) */
    size_t timeline_text_len, timeline_text_cap;
} dfota_scenario_result;

/* Adds ev to res's timeline, its text as the run's transcript shows it
 * (dfota_transcript_write_shown: redacted unless keep_secrets), it being
 * the at layer's classification of ev (the caller's: a line is classified
 * once) and ev->line its transcript line. Never fails: an event it cannot
 * keep (past DFOTA_TIMELINE_MAX, or no memory) is counted in
 * timeline_dropped, and so is every event after it. Copies what it keeps. */
void dfota_scenario_result_add_line(dfota_scenario_result *res, const dfota_event *ev,
                                    const dfota_item *it, int keep_secrets);

/* Frees res's timeline and empties it; the rest of res stays. */
void dfota_scenario_result_clear_timeline(dfota_scenario_result *res);

/* ---- report: the report of a run of scenarios: a summary for people,
 * report.json, junit.xml and report.html, written from the results alone.
 * Each writer writes to a FILE the caller opened (the caller writes to a
 * temporary name and renames, so a report never looks whole when it is not). */

#include <stdio.h>

typedef struct {
    const char *title;           /* "dfota run" */
    const char *started;         /* ISO 8601 UTC */
    dfota_profile profile;
    const dfota_scenario_result *results;
    size_t n_results;
    int interrupted;             /* the run was stopped before its end */
    const dfota_provenance *provenance; /* what made the verdicts, or NULL (borrowed) */
} dfota_run_report;

/* One self-contained HTML file: no network, no external asset. A verdict
 * table of scenarios by rule; per scenario an inline SVG timeline (events
 * on a time axis, the UPDATING percentage as a curve, reboot gaps shaded,
 * failed windows marked) and its transcript listing, both from the
 * result's timeline (the transcript is never read back), with failing
 * lines highlighted and device bytes escaped. */
DFOTA_WUR dfota_err dfota_report_html(FILE *out, const dfota_run_report *rep, char *err,
                                      size_t errlen);

/* How the scenarios of a run ended; a harness error counts as an error
 * whatever the verdict. Preparation steps (dfota_scenario_result's
 * preparation) are counted apart, in preparations and prepared. */
typedef struct {
    size_t passed, failed, incomplete, errors;
    size_t preparations, prepared; /* preparation steps, and those that passed */
} dfota_run_counts;

dfota_run_counts dfota_run_count(const dfota_run_report *rep);

/* What a run's results call for, preparations included: HARNESS when one
 * had harness trouble, else FAIL for a FAIL, else INCOMPLETE, else PASS
 * (PASS for no result: the caller decides what selecting nothing means). */
dfota_status dfota_run_status(const dfota_run_report *rep);

/* A run's transcript path as a report names it: relative to the report
 * folder ("transcripts/NAME.transcript") when it lies in one, else as is. */
const char *dfota_report_path(const char *transcript);

/* Several modules, one run each (dfota run with several --source): the
 * modules side by side, the way a conformance matrix shows implementations
 * against cases. A column per module (its label, the model and firmware the
 * module said it ran first, how many scenarios passed, and a link to its
 * own report when links[k] is not NULL); a row per rule of the catalogue
 * that any module was judged by, then a row per scenario. A cell is the
 * worst verdict of that rule over the module's scenarios, or the
 * scenario's verdict. n is at most 64. */
typedef struct {
    const char *label;            /* "1-emulator" */
    const char *link;             /* its report.html, relative, or NULL */
    const dfota_run_report *rep;
} dfota_matrix_column;

DFOTA_WUR dfota_err dfota_report_matrix_html(FILE *out, const char *started,
                                             const dfota_matrix_column *cols, size_t n,
                                             char *err, size_t errlen);
DFOTA_WUR dfota_err dfota_report_matrix_json(FILE *out, const char *started,
                                             const dfota_matrix_column *cols, size_t n);

/* A run's JSON documents (report.json, the matrix's, --json on standard
 * output) are compact, as dfota check's are, unless pretty is set: then
 * indented two spaces a level (--pretty). Process-wide; set before
 * writing. */
void dfota_report_json_pretty(int pretty);

/* 1 when a failed step of res names rule r: a text that shows the step
 * (with its "-> RULE") need not show the rule again. */
int dfota_report_step_names_rule(const dfota_scenario_result *res, dfota_rule r);

/* The transcript line a report points at for step st of res: the line of
 * the event that settled it; for a window that ran out with nothing (no
 * such event), the first line after the window's end, or the last line
 * when the transcript ends inside it; 0 when there is none. */
unsigned long dfota_report_step_line(const dfota_scenario_result *res, const dfota_step_result *st);

/* The transcript line of the first finding of rule r that is not a NOTE,
 * 0 for none. */
unsigned long dfota_report_rule_line(const dfota_scenario_result *res, dfota_rule r);

/* The worst verdict rule r got over the report's scenarios (harness errors
 * left out), N/A when none judged it. */
dfota_verdict dfota_report_rule_worst(const dfota_run_report *rep, dfota_rule r);

DFOTA_WUR dfota_err dfota_report_json(FILE *out, const dfota_run_report *rep);
DFOTA_WUR dfota_err dfota_report_junit(FILE *out, const dfota_run_report *rep);
DFOTA_WUR dfota_err dfota_report_summary(FILE *out, const dfota_run_report *rep);

/* ---- merge: the reduce step over the JSONL shards of `dfota check
 * --format jsonl` (one file record a line, a summary record last), read in
 * any order and any number, into one summary: the files by verdict, the
 * rules by status, the upgrades by outcome and by code, the firmware
 * before and after, and the worst files per rule. Reading is streaming: a
 * shard is read a line at a time (one line in memory, at most line_max
 * bytes), and what is kept is counts, bounded tables and the top-N of each
 * rule, whatever the number of records; plus, to find a file merged twice,
 * 16 bytes a slot per distinct key in a table at most 3/4 full that
 * doubles when it is: at most 64 bytes a key while it doubles, 43 after
 * (64 MB per million files; 48 MB measured for a million).
 *
 * The summary is the same whatever the order of the shards and records and
 * however they are split (dfota_merge_write_json gives byte-identical
 * documents), as long as no table overflowed and no key came twice with a
 * different judgement. */
#define DFOTA_MERGE_TOP_MAX 100           /* the most worst files kept per rule */
#define DFOTA_MERGE_LINE_MAX_DEFAULT (32UL * 1024 * 1024)
#define DFOTA_MERGE_KEY_MAX 16384         /* bytes of a file record's key: dfota check's
                                           * longest, a 4095-byte path shown as \xNN */
#define DFOTA_MERGE_RULES_MAX 256         /* distinct rule IDs */
#define DFOTA_MERGE_OUTCOMES_MAX 64       /* distinct outcomes */
#define DFOTA_MERGE_CODES_MAX 1024        /* distinct (URC, code) pairs */
#define DFOTA_MERGE_FIRMWARE_MAX 4096     /* distinct (before, after) pairs */
#define DFOTA_MERGE_COMBOS_MAX 64         /* distinct (version, catalogue, profile) */
#define DFOTA_MERGE_NAMES_MAX 100         /* truncated or inconsistent shards named */

typedef struct {
    unsigned top;          /* worst files kept per rule, 0..DFOTA_MERGE_TOP_MAX */
    size_t line_max;       /* the longest line read, 0 for DFOTA_MERGE_LINE_MAX_DEFAULT */
    int allow_mixed;       /* records of other versions, catalogues or profiles are
                            * merged and counted, instead of an error */
    int allow_truncated;   /* a shard whose last record is not a summary is merged
                            * and counted, instead of an error */
    dfota_fail_on fail_on; /* the exit status, as dfota check --fail-on makes it */
    /* What is said but stops nothing (a shard whose summary disagrees with
     * its records, a line cut at a truncated shard's end): one sentence
     * naming SHARD:LINE, escaped. NULL: not said (still counted). */
    void (*warn)(void *ctx, const char *msg);
    void *warn_ctx;
} dfota_merge_opts;

typedef struct dfota_merge dfota_merge;

/* A merge with opts (copied), NULL when out of memory. */
dfota_merge *dfota_merge_new(const dfota_merge_opts *opts);
void dfota_merge_free(dfota_merge *m);

/* Reads one shard from in to its end; name is what messages call it
 * ("<stdin>" for standard input). DFOTA_OK, or (nothing more should be
 * read; the merge is not to be written) with one sentence in err naming
 * NAME:LINE, what was found and, for a disagreement, what the first record
 * said:
 *   DFOTA_E_INPUT    a line that is not JSON, not a record, a field of the
 *                    wrong type, an unknown verdict or status; records of
 *                    another version, catalogue or profile (unless
 *                    allow_mixed); a truncated shard (unless allow_truncated)
 *   DFOTA_E_TOO_BIG  a line longer than line_max, or a key, rule ID,
 *                    outcome or firmware over its bound
 *   DFOTA_E_IO       the shard could not be read
 *   DFOTA_E_NOMEM    out of memory */
DFOTA_WUR dfota_err dfota_merge_read(dfota_merge *m, FILE *in, const char *name, char *err,
                                     size_t errlen);

/* The merged files by verdict, and what the reading found. */
typedef struct {
    uint64_t shards, records;        /* shards read; file records read, duplicates included */
    uint64_t files, passed, failed, incomplete, inconclusive, nothing, unreadable;
    uint64_t duplicates;             /* file records whose key came before: not counted */
    uint64_t duplicates_differing;   /* of them, judged otherwise than the first */
    uint64_t truncated;              /* shards with no summary at their end (allow_truncated) */
    uint64_t inconsistent;           /* summaries that disagree with their shard's records */
    uint64_t mixed;                  /* (version, catalogue, profile) combinations seen */
} dfota_merge_totals;

void dfota_merge_get_totals(const dfota_merge *m, dfota_merge_totals *t);

/* The exit status the merged verdicts call for, under opts.fail_on: as
 * dfota check's over the same files; INCOMPLETE when no file was merged
 * (nothing to judge) unless fail_on is FAIL or NONE. */
dfota_status dfota_merge_status(const dfota_merge *m);

/* The merged summary as text for a terminal (colours with color), as one
 * JSON document (compact, or indented with pretty), or as one self-contained
 * HTML page with the look of the run report. DFOTA_E_IO when a write
 * failed (err says why for the page). */
DFOTA_WUR dfota_err dfota_merge_write_text(FILE *out, const dfota_merge *m, int color);
DFOTA_WUR dfota_err dfota_merge_write_json(FILE *out, const dfota_merge *m, int pretty);
DFOTA_WUR dfota_err dfota_merge_write_html(FILE *out, const dfota_merge *m, char *err,
                                           size_t errlen);

#endif
