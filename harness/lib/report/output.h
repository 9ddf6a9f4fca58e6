/* SPDX-License-Identifier: MIT */
/* output.h - what the writers of dfota check's output share (not public
 * API): the output's state, what a file comes to, how a log's text is
 * shown (secrets hidden, escaped), and each format's entry points. output.c
 * holds the common part and text; output_json.c the JSON, output_junit.c
 * the JUnit XML. */
#ifndef DFOTA_LIB_REPORT_OUTPUT_H
#define DFOTA_LIB_REPORT_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>
#include "base/lazy_xml.h"

#include "dfota/report.h"
#include "dfota/log.h"
#include "report/json.h"

#define SEEN_MAX 64
#define DFOTA_OUT_NAME_MAX (4 * 4095 + 1)
#define HELD_MAX (1024 * 1024)     /* text findings held back so the outcomes come first */

typedef struct {
    dfota_rule rule;
    dfota_level level;
    const char *quirk;
    unsigned long n;
} seen_kind;

struct dfota_output {
    dfota_out_format fmt;
    FILE *out;
    dfota_profile profile;
    int color;
    int keep_secrets;        /* 0: secrets in what a log said are hidden (redact.h) */
    int allow_empty;         /* 1: a log with nothing to judge passes (--allow-empty) */
    const dfota_provenance *prov; /* what made the verdicts, or NULL (borrowed) */
    int io_error;
    /* the file's name and key as shown (escaped): room for the longest
     * path a list entry or a folder gives (4095 bytes), each byte shown as
     * \xNN at worst, so that two names are never cut into one */
    char file[DFOTA_OUT_NAME_MAX];
    char key[DFOTA_OUT_NAME_MAX]; /* what the records call the file ("": its name), per file */
    dfota_fail_on fail_on;   /* what the exit status fails on (--fail-on) */
    /* per file (the buffers live for the run: a folder of many small files
     * does not allocate and free them file after file) */
    seen_kind seen[SEEN_MAX];
    size_t n_seen;
    char outcome[DFOTA_OUTCOMES_KEPT][DFOTA_OUTCOME_MAX]; /* "upgrade over ...", per upgrade (the first ones) */
    unsigned long outcome_line[DFOTA_OUTCOMES_KEPT]; /* its line, 0 when none */
    size_t n_outcomes, outcomes_dropped;
    int holding;             /* text findings held until the outcomes are written first */
    char *held_buf;          /* HELD_MAX bytes, for the run */
    size_t held_len;
    /* totals */
    unsigned files, passed, failed, incomplete, empty, errors;
    xmlTextWriterPtr xml;
    /* JUnit, per file: the line of each rule's first finding that is not a
     * NOTE, and the module time the file's upgrades took (ns) */
    unsigned long rule_line[DFOTA_RULE_COUNT];
    /* JSON: indented as it streams (--pretty), else compact */
    int pretty;
    int json_begun;
    dfota_json_indent indent;
    dfota_jw jw;             /* JSON and jsonl: the writer, for the run */
    dfota_jw jw_findings;    /* the file's findings of no flow, written after its flows */
    unsigned char *flows;    /* JSON: flows held to be written together (FLOWS_HELD bytes) */
    size_t flows_len;
    size_t n_file_findings;
    unsigned long rule_findings[DFOTA_RULE_COUNT]; /* jsonl: findings not NOTE, per rule */
    int64_t span_ns;
};

/* What one file comes to. A FAIL is the module's (or the host's) and wins;
 * a log with no upgrade in it is not a pass unless allowed. */
typedef enum {
    FILE_PASS = 0,
    FILE_FAIL,
    FILE_INCOMPLETE,
    FILE_NOTHING,    /* nothing to judge */
    FILE_INCONCLUSIVE, /* strict: the log was altered after capture */
    FILE_ERROR       /* the input could not be read */
} dfota_out_file_verdict;

/* What the file comes to, given the checker's result and the input error. */
dfota_out_file_verdict dfota_out_verdict(const dfota_output *o, const dfota_checker_result *res,
                                         const char *error);

/* The verdict's name in text (words, token 0) and in JSON (one token). */
const char *dfota_out_verdict_name(dfota_out_file_verdict v, int token);

/* The one way text from a log reaches this output: with its secrets
 * hidden, unless they are kept. Returns text, or buf (cap bytes) holding
 * the redacted copy, cut with "..." when it grew past cap. */
const char *dfota_out_shown_text(const dfota_output *o, const char *text, char *buf, size_t cap);

/* The finding as this output shows it: f itself, or copy redacted. */
const dfota_finding *dfota_out_shown_finding(const dfota_output *o, const dfota_finding *f,
                                             dfota_finding *copy);

/* A text from the log as the output may show it (transcript escapes): b. */
const char *dfota_out_esc(const char *s, char *b, size_t cap);

#define READER_NOTES_MAX 6
#define READER_NOTE_LEN 400

/* What the reader took off the log before judging it, a line each (without
 * the file's name): line[i] is the file's line note i points at, 0 for
 * none. Returns the number of notes. */
size_t dfota_out_reader_notes(const dfota_output *o, const dfota_reader_stats *st,
                              char out[READER_NOTES_MAX][READER_NOTE_LEN],
                              unsigned long line[READER_NOTES_MAX]);

/* JSON and jsonl (output_json.c): the document's head, a finding of no flow, a flow
 * (the checker's sink), a file's head and end, the summary. Trouble
 * writing sets o->io_error. */
void dfota_out_json_finding(dfota_output *o, const dfota_finding *f);
void dfota_out_json_flow(void *ctx, const dfota_flow_summary *s);
void dfota_out_json_begin_file(dfota_output *o);
void dfota_out_json_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                             dfota_format format, const dfota_reader_stats *st);
void dfota_out_json_finish(dfota_output *o);

/* JUnit XML (output_junit.c): the writer and the document's head (-1 when
 * out of memory), a testsuite per file, the document's end. */
int dfota_out_junit_begin(dfota_output *o);
void dfota_out_junit_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                              const dfota_reader_stats *st);
void dfota_out_junit_finish(dfota_output *o);

#endif
