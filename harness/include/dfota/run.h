/* dfota/run.h - runs a scenario against a source and judges it: the
 * scenario's own steps and windows, and every rule of the catalogue through
 * the same checker that dfota check uses. */
#ifndef DFOTA_RUN_H
#define DFOTA_RUN_H

#include "dfota/judge.h"
#include "dfota/report.h"
#include "dfota/scenario.h"
#include "dfota/source.h"

#include <signal.h>
#include <stdio.h>


typedef struct {
    dfota_profile profile;
    const dfota_varset *vars;
    FILE *transcript_out;        /* the run's transcript is written here, or NULL */
    int keep_secrets;            /* 0 (the default): passwords and secret URL parameters
                                  * are hidden (dfota_redact) in the transcript, whose
                                  * header says "redacted: credentials", and in *res;
                                  * 1: kept, and the header says "redacted: none".
                                  * Either way the run judges the real text. */
    /* When *stop becomes non-zero (a signal handler sets it) the run ends
     * within about a second of module time: the steps not settled are
     * INCOMPLETE and res->interrupted is set. NULL: never. */
    volatile sig_atomic_t *stop;
    /* What makes the verdicts (dfota/report.h), written in the
     * transcript's header; NULL: not written. Borrowed. */
    const dfota_provenance *provenance;
} dfota_run_opts;

/* Runs sc on src. Fills *res (free its parts with
 * dfota_scenario_result_clear). Returns DFOTA_OK when the run happened,
 * whatever its verdict; an error when it could not (then res->harness_error
 * is set and res->error says why). */
DFOTA_WUR dfota_err dfota_run_scenario(const dfota_scenario *sc, dfota_source *src,
                                       const dfota_run_opts *opts, dfota_scenario_result *res);

void dfota_scenario_result_clear(dfota_scenario_result *res);

/* Hides secrets (dfota_redact_field) in every text of res, in place: the
 * source, the error, each step's what and detail, each finding and each
 * rule's reason. dfota_run_scenario does it itself unless keep_secrets. */
void dfota_scenario_result_redact(dfota_scenario_result *res);

#endif
