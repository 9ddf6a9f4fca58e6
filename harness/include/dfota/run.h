/* SPDX-License-Identifier: MIT */
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


/* What a run tells as it goes (dfota_run_opts.progress), for a person
 * watching: it never changes what the run judges or writes. */
typedef enum {
    DFOTA_RUN_TELL_STEP,    /* a step starts to be matched (step, what, deadline_ns) */
    DFOTA_RUN_TELL_EVENT,   /* an event came: ev as the transcript shows it */
    DFOTA_RUN_TELL_WAIT,    /* the run waits (now_ns, deadline_ns); a live source is
                             * asked at most a module second ahead, so this comes at
                             * least every module second while it waits */
    DFOTA_RUN_TELL_SETTLED  /* a step was settled: verdict, detail, t_start_ns, t_end_ns */
} dfota_run_tell;

typedef struct {
    dfota_run_tell tell;
    const dfota_scenario *sc;
    int live;                    /* the source is a module (or the emulator), not a recording */
    size_t step;                 /* 0-based; sc->n_steps once every step is settled */
    int64_t now_ns;              /* module time: the source's clock, or the event's time */
    int64_t deadline_ns;         /* when the current step's window ends; DFOTA_T_NONE: none */
    /* TELL_STEP and TELL_SETTLED: the step's description and result, their
     * secrets hidden (dfota_redact_field) unless the run keeps them */
    char what[DFOTA_TEXT_MAX];
    char detail[DFOTA_TEXT_MAX];
    dfota_verdict verdict;
    int64_t t_start_ns, t_end_ns;    /* the step's window anchor and its end, or DFOTA_T_NONE */
    /* TELL_EVENT: the event as the transcript shows it (redacted unless
     * keep_secrets; borrowed for the call), and the checker's reading */
    const dfota_event *ev;
    int urc;                     /* a +QIND: "FOTA",... URC */
    int percent;                 /* an UPDATING percentage, else -1 */
    dfota_harness_event harness; /* port-lost, port-back ... */
} dfota_run_progress;

typedef void (*dfota_run_progress_fn)(void *ctx, const dfota_run_progress *p);

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
    /* Told what the run does as it goes (dfota_run_progress), from the
     * run's thread; NULL: nothing is told. */
    dfota_run_progress_fn progress;
    void *progress_ctx;
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
