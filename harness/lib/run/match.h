/* SPDX-License-Identifier: MIT */
/* match.h - the step matcher (not public API): a scenario's steps, matched
 * in order against the events as the checker read them. The runner
 * (runner.c) owns the loop, the source and the transcript; the matcher
 * owns the steps' results. */
#ifndef DFOTA_LIB_RUN_MATCH_H
#define DFOTA_LIB_RUN_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/judge.h"
#include "dfota/report.h"
#include "dfota/scenario.h"

#define DFOTA_SEND_MAX 1024

/* A send step's line, its variables expanded, read once when the run is
 * set up. */
typedef struct {
    char line[DFOTA_SEND_MAX];
    int arg_refused;            /* an AT+QFOTADL=<arg> whose argument the guide refuses */
} dfota_send;

typedef struct {
    const dfota_scenario *sc;
    dfota_scenario_result *res; /* res->steps[i] is step i's result */
    dfota_send *sends;          /* one per step (used for the send steps) */
    size_t step;                /* the step being matched */
    int stopped;                /* a step failed: the rest are not run */
    int64_t anchor;             /* when the previous step was settled (the first
                                 * step's: the first event's time) */
    int64_t anchor_late;        /* how late the harness may have read that event */
    unsigned our_command;       /* the checker's number for the last send's command; 0: none */
    int last_outcome_error;     /* the last expect step saw ERROR */
    int sent_arg_refused;       /* the last send was an AT+QFOTADL the guide refuses */
    /* the current step's own progress and reboot */
    int progress_seen;
    int64_t t_last_progress;
    int port_lost;
} dfota_matcher;

/* Sets m up for sc's steps, writing into res->steps (the caller's, one per
 * step) and reading the send lines from sends. */
void dfota_match_init(dfota_matcher *m, const dfota_scenario *sc, dfota_scenario_result *res,
                      dfota_send *sends);

/* step's description for the report ("send AT+QFOTADL=...", "expect OK
 * within 3s"), at most cap - 1 bytes into out; send is its line. */
void dfota_match_describe(const dfota_step *st, const char *send, char *out, size_t cap);

/* Matches the current step against ev, as the checker read it (tr). */
void dfota_match_event(dfota_matcher *m, const dfota_event *ev, const dfota_transition *tr);

/* The source's deadline for the current step: its window, the silence's
 * end, or the largest gap between progress URCs; DFOTA_T_NONE: none. */
int64_t dfota_match_deadline(const dfota_matcher *m);

/* The deadline at passed with no event: the step is settled by it. */
void dfota_match_timeout(dfota_matcher *m, int64_t at);

/* The log ended (or the run stopped): the step still waiting is
 * INCOMPLETE, except a silence that held (silence_may_hold). */
void dfota_match_end(dfota_matcher *m, int silence_may_hold, int interrupted);

#endif
