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

/* Asks a live source's module AT, again every few seconds, until any final
 * result (OK or ERROR) comes, for at most wait_ns of the source's time:
 * is there a module answering AT commands on this port? DFOTA_OK,
 * DFOTA_E_TIMEOUT when nothing answered, another error with err. */
DFOTA_WUR dfota_err dfota_source_probe(dfota_source *src, int64_t wait_ns, char *err,
                                       size_t errlen);

/* What a module says it is. */
typedef struct {
    char model[64];      /* ATI's lines before Revision: "Quectel EG95" */
    char revision[96];   /* ATI's Revision: "EG95EFAR02A07M4G" */
    char firmware[96];   /* AT+QGMR: "EG95EFAR02A07M4G_01.002.01.002" */
} dfota_identity;

/* Asks a live source's module what it is and runs, as a host would: ATI,
 * then AT+QGMR, each again every few seconds while the module does not
 * answer (it may still be booting), for at most wait_ns of the source's
 * time in all. Fills *id (escaped texts). DFOTA_E_TIMEOUT when no answer
 * came, DFOTA_E_ARG for a recording, another error with err. */
DFOTA_WUR dfota_err dfota_source_identify(dfota_source *src, int64_t wait_ns, dfota_identity *id,
                                          char *err, size_t errlen);

/* Asks a live source's module for a file of its /data/ufs/ with
 * AT+QFLST="UFS:<name>" (name without the /data/ufs/ prefix), for at most
 * wait_ns of the source's time. DFOTA_OK with *size (the module's answer,
 * possibly 0); DFOTA_E_INPUT when the module lists no such file (it
 * answered ERROR, or OK without it); DFOTA_E_TIMEOUT when nothing
 * answered; DFOTA_E_ARG for a recording or a name with '"' or a control
 * byte. err says why. */
DFOTA_WUR dfota_err dfota_source_file_size(dfota_source *src, const char *name, int64_t wait_ns,
                                           long long *size, char *err, size_t errlen);

/* Hides secrets (dfota_redact_field) in every text of res, in place: the
 * source, the error, each step's what and detail, each finding and each
 * rule's reason. dfota_run_scenario does it itself unless keep_secrets. */
void dfota_scenario_result_redact(dfota_scenario_result *res);

#endif
