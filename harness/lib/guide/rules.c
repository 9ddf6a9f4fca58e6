/* SPDX-License-Identifier: MIT */
/* rules.c - the rule catalogue of RULES.md as data. IDs are an interface:
 * reports, CI filters and waivers name them, so one never changes meaning. */
#include <string.h>

#include "dfota/guide.h"

static const dfota_rule_info catalogue[DFOTA_RULE_COUNT] = {
    [DFOTA_R_CMD_TEST] = {"CMD-TEST", "3", "AT+QFOTADL=? is answered OK."},
    [DFOTA_R_CMD_FINAL] = {"CMD-FINAL", "3",
        "Every AT+QFOTADL command gets exactly one final result: OK, or ERROR / +CME ERROR: <n>."},
    [DFOTA_R_CMD_INVALID_ERROR] = {"CMD-INVALID-ERROR", "3.1, 3.2, 3.3",
        "A command whose argument breaks the guide's form or limits gets ERROR."},
    [DFOTA_R_CMD_NO_URC_AFTER_ERROR] = {"CMD-NO-URC-AFTER-ERROR", "3",
        "After ERROR no FOTA URC follows for that command."},
    [DFOTA_R_URC_SYNTAX] = {"URC-SYNTAX", "3.1, 3.2, 3.3",
        "A FOTA URC is +QIND: \"FOTA\",\"<stage>\" with an integer exactly for FTPEND, HTTPEND, UPDATING and END."},
    [DFOTA_R_SEQ_DOWNLOAD] = {"SEQ-DOWNLOAD", "3.1, 3.2, 3.3",
        "FTP downloads with FTPSTART then FTPEND, HTTP with HTTPSTART then HTTPEND, a local file has no download stage."},
    [DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL] = {"SEQ-NO-UPDATE-AFTER-DL-FAIL", "4, 5",
        "After a download that ended with a non-zero code, no START, UPDATING or END follows."},
    [DFOTA_R_SEQ_START] = {"SEQ-START", "3",
        "START follows a download that ended with 0, the OK of a local-file command, a retried END code, or a reboot during an update."},
    [DFOTA_R_SEQ_UPDATING_INSIDE] = {"SEQ-UPDATING-INSIDE", "3",
        "UPDATING appears only between START and END."},
    [DFOTA_R_SEQ_END] = {"SEQ-END", "3",
        "Every START is closed by END, or by a reboot and a new START."},
    [DFOTA_R_CODE_FTP] = {"CODE-FTP", "4",
        "<ftp_err> is one of 0, 502, 505, 510, 511, 520-530, 540-546, 601."},
    [DFOTA_R_CODE_HTTP] = {"CODE-HTTP", "5",
        "<http_err> is one of 0, 502, 505, 510, 511, 520-530, 540-546, 701."},
    [DFOTA_R_CODE_END] = {"CODE-END", "6",
        "<err> is one of 0, 502, 505, 510, 511, 520-530, 540-546."},
    [DFOTA_R_PROGRESS_RANGE] = {"PROGRESS-RANGE", "3", "<percent> is an integer from 0 to 100."},
    [DFOTA_R_PROGRESS_ORDER] = {"PROGRESS-ORDER", "3", "Within one attempt <percent> never decreases."},
    [DFOTA_R_PROGRESS_COMPLETE] = {"PROGRESS-COMPLETE", "3", "END,0 comes only after the attempt reached 100."},
    [DFOTA_R_RETRY_505] = {"RETRY-505", "3, 4, 6",
        "After 505 the module reboots and retries, at most five times in a row."},
    [DFOTA_R_RETRY_UNTIL_SUCCESS] = {"RETRY-UNTIL-SUCCESS", "4, 6",
        "After 520-530 or 540-546 the module reboots and retries: a new START follows."},
    [DFOTA_R_PORT_REBOOT] = {"PORT-REBOOT", "3.1, 3.2",
        "On a USB port, after a download that ended with 0, the port goes away and comes back before START."},
    [DFOTA_R_TIME_FINAL_RESULT] = {"TIME-FINAL-RESULT", "scenario", "The final result comes within its window."},
    [DFOTA_R_TIME_DOWNLOAD_START] = {"TIME-DOWNLOAD-START", "scenario", "The download starts within its window."},
    [DFOTA_R_TIME_DOWNLOAD] = {"TIME-DOWNLOAD", "scenario", "The download ends within its window."},
    [DFOTA_R_TIME_START] = {"TIME-START", "scenario", "START comes within its window after the download or reboot."},
    [DFOTA_R_TIME_PROGRESS_GAP] = {"TIME-PROGRESS-GAP", "scenario", "No gap between progress URCs is longer than its window."},
    [DFOTA_R_TIME_END] = {"TIME-END", "scenario", "END comes within its window after the last UPDATING."},
    [DFOTA_R_TIME_RDY] = {"TIME-RDY", "scenario", "RDY comes within its window after END."},
    [DFOTA_R_TIME_REBOOT] = {"TIME-REBOOT", "scenario",
        "The port comes back within its window after it went away (the reboot gap)."},
    [DFOTA_R_TIME_UPDATE] = {"TIME-UPDATE", "scenario",
        "The whole update, first START to last END, takes no longer than its window."},
    [DFOTA_R_HOST_WAIT_FINAL] = {"HOST-WAIT-FINAL", "3",
        "The host sends its next command only after the final result of the one before (or after giving up on it: the final-result window, 3 s when none is set)."},
    [DFOTA_R_HOST_ONE_UPGRADE] = {"HOST-ONE-UPGRADE", "3",
        "The host sends no AT+QFOTADL while an accepted upgrade is still running."},
    [DFOTA_R_HOST_REOPEN] = {"HOST-REOPEN", "3.1, 3.2",
        "After the module's USB port comes back from a reboot, the host reopens it, within its window (--host-reopen)."},
    [DFOTA_R_HOST_READ_TO_END] = {"HOST-READ-TO-END", "3",
        "The host has the port open for every FOTA URC of an upgrade, to its END."},
    [DFOTA_R_LINE_LENGTH] = {"LINE-LENGTH", "-",
        "A line longer than the harness keeps is reported and skipped (not a rule of the guide)."},
    [DFOTA_R_STEP_SEND] = {"STEP-SEND", "scenario",
        "A recording replayed for a scenario shows the host sending the line the step sends."},
    [DFOTA_R_STEP_EXPECT] = {"STEP-EXPECT", "scenario",
        "The final result the step expects (OK, ERROR) is the one the module gives."},
    [DFOTA_R_STEP_URC] = {"STEP-URC", "scenario",
        "The FOTA URC the step expects comes next, with a code the step allows."},
    [DFOTA_R_STEP_PROGRESS] = {"STEP-PROGRESS", "scenario",
        "UPDATING runs from the step's from to its to before anything else comes."},
    [DFOTA_R_STEP_REBOOT] = {"STEP-REBOOT", "scenario",
        "The module reboots (its port goes and comes back, or RDY) where the step expects it."},
    [DFOTA_R_STEP_SILENCE] = {"STEP-SILENCE", "scenario",
        "Nothing of the FOTA procedure comes from the module for the step's duration."},
    [DFOTA_R_TIME_WINDOW] = {"TIME-WINDOW", "scenario",
        "A step's own within/after window that none of the named TIME-* windows measures holds."},
};

const dfota_rule_info *dfota_rule_get(dfota_rule rule)
{
    if ((unsigned)rule >= DFOTA_RULE_COUNT)
        return &catalogue[DFOTA_R_LINE_LENGTH];
    return &catalogue[rule];
}

dfota_rule dfota_rule_find(const char *id)
{
    for (unsigned i = 0; i < DFOTA_RULE_COUNT; i++)
        if (strcmp(catalogue[i].id, id) == 0)
            return (dfota_rule)i;
    return DFOTA_RULE_COUNT;
}

static const char *const window_names[DFOTA_WIN_COUNT] = {
    "final-result", "download-start", "download", "start", "progress-gap", "end", "rdy",
    "reboot", "update",
};

const char *dfota_window_name(dfota_window w)
{
    return (unsigned)w < DFOTA_WIN_COUNT ? window_names[w] : "?";
}

dfota_rule dfota_window_rule(dfota_window w)
{
    return (dfota_rule)(DFOTA_R_TIME_FINAL_RESULT + (int)w);
}

dfota_window dfota_window_find(const char *name)
{
    for (unsigned i = 0; i < DFOTA_WIN_COUNT; i++)
        if (strcmp(window_names[i], name) == 0)
            return (dfota_window)i;
    return DFOTA_WIN_COUNT;
}
