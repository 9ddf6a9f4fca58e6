/* dfota/runner.h - runs a scenario against a source and judges it: the
 * scenario's own steps and windows, and every rule of the catalogue through
 * the same checker that dfota check uses. */
#ifndef DFOTA_RUNNER_H
#define DFOTA_RUNNER_H

#include <signal.h>
#include <stdio.h>

#include "dfota/checker.h"
#include "dfota/provenance.h"
#include "dfota/scenario.h"
#include "dfota/source.h"

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
} dfota_scenario_result;

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
    /* What makes the verdicts (dfota/provenance.h), written in the
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
