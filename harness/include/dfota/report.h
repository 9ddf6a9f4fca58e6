/* dfota/report.h - the report of a run of scenarios: a summary for people,
 * report.json, junit.xml and report.html, written from the results alone.
 * Each writer writes to a FILE the caller opened (the caller writes to a
 * temporary name and renames, so a report never looks whole when it is not). */
#ifndef DFOTA_REPORT_H
#define DFOTA_REPORT_H

#include <stdio.h>

#include "dfota/error.h"
#include "dfota/provenance.h"
#include "dfota/runner.h"

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
 * failed windows marked) and its transcript, read from res->transcript,
 * with failing lines highlighted and device bytes escaped. */
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

/* 1 when a failed step of res names rule r: a text that shows the step
 * (with its "-> RULE") need not show the rule again. */
int dfota_report_step_names_rule(const dfota_scenario_result *res, dfota_rule r);

/* The worst verdict rule r got over the report's scenarios (harness errors
 * left out), N/A when none judged it. */
dfota_verdict dfota_report_rule_worst(const dfota_run_report *rep, dfota_rule r);

DFOTA_WUR dfota_err dfota_report_json(FILE *out, const dfota_run_report *rep);
DFOTA_WUR dfota_err dfota_report_junit(FILE *out, const dfota_run_report *rep);
DFOTA_WUR dfota_err dfota_report_summary(FILE *out, const dfota_run_report *rep);

#endif
