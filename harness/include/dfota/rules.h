/* dfota/rules.h - the rule catalogue (RULES.md): stable IDs and sections. */
#ifndef DFOTA_RULES_H
#define DFOTA_RULES_H

typedef enum {
    DFOTA_R_CMD_TEST = 0,
    DFOTA_R_CMD_FINAL,
    DFOTA_R_CMD_INVALID_ERROR,
    DFOTA_R_CMD_NO_URC_AFTER_ERROR,
    DFOTA_R_URC_SYNTAX,
    DFOTA_R_SEQ_DOWNLOAD,
    DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL,
    DFOTA_R_SEQ_START,
    DFOTA_R_SEQ_UPDATING_INSIDE,
    DFOTA_R_SEQ_END,
    DFOTA_R_CODE_FTP,
    DFOTA_R_CODE_HTTP,
    DFOTA_R_CODE_END,
    DFOTA_R_PROGRESS_RANGE,
    DFOTA_R_PROGRESS_ORDER,
    DFOTA_R_PROGRESS_COMPLETE,
    DFOTA_R_RETRY_505,
    DFOTA_R_RETRY_UNTIL_SUCCESS,
    DFOTA_R_PORT_REBOOT,
    DFOTA_R_TIME_FINAL_RESULT,
    DFOTA_R_TIME_DOWNLOAD_START,
    DFOTA_R_TIME_DOWNLOAD,
    DFOTA_R_TIME_START,
    DFOTA_R_TIME_PROGRESS_GAP,
    DFOTA_R_TIME_END,
    DFOTA_R_TIME_RDY,
    DFOTA_R_TIME_REBOOT,
    DFOTA_R_TIME_UPDATE,
    DFOTA_R_HOST_WAIT_FINAL,   /* host-side rules: judged only when asked */
    DFOTA_R_HOST_ONE_UPGRADE,
    DFOTA_R_HOST_REOPEN,
    DFOTA_R_HOST_READ_TO_END,
    DFOTA_R_LINE_LENGTH,   /* not a DFOTA rule: a line past DFOTA_AT_LINE_MAX */
    /* A scenario's own steps (dfota run): the checker never emits these; a
     * failed step names one when no rule of the guide is more precise. */
    DFOTA_R_STEP_SEND,
    DFOTA_R_STEP_EXPECT,
    DFOTA_R_STEP_URC,
    DFOTA_R_STEP_PROGRESS,
    DFOTA_R_STEP_REBOOT,
    DFOTA_R_STEP_SILENCE,
    DFOTA_R_TIME_WINDOW,   /* a step's window that is none of the named ones */
    DFOTA_RULE_COUNT
} dfota_rule;

typedef struct {
    const char *id;        /* "CMD-FINAL" */
    const char *section;   /* "3" */
    const char *summary;   /* one sentence */
} dfota_rule_info;

/* Static information on a rule; never NULL for a valid rule. */
const dfota_rule_info *dfota_rule_get(dfota_rule rule);

/* The rule with this ID, or DFOTA_RULE_COUNT. */
dfota_rule dfota_rule_find(const char *id);

/* Timing windows: each is the TIME-* rule of the same name. */
typedef enum {
    DFOTA_WIN_FINAL_RESULT = 0, /* command to final result */
    DFOTA_WIN_DOWNLOAD_START,   /* command to FTPSTART/HTTPSTART */
    DFOTA_WIN_DOWNLOAD,         /* command to FTPEND/HTTPEND */
    DFOTA_WIN_START,            /* download end (or port-back) to START */
    DFOTA_WIN_PROGRESS_GAP,     /* between START and UPDATING, UPDATING and UPDATING */
    DFOTA_WIN_END,              /* last UPDATING to END */
    DFOTA_WIN_RDY,              /* END to RDY */
    DFOTA_WIN_REBOOT,           /* port-lost to port-back: the reboot gap */
    DFOTA_WIN_UPDATE,           /* the first START to the last END: the whole update */
    DFOTA_WIN_COUNT
} dfota_window;

/* The window's name as written on the command line ("final-result"). */
const char *dfota_window_name(dfota_window w);
dfota_rule dfota_window_rule(dfota_window w);
/* The window with this name, or DFOTA_WIN_COUNT. */
dfota_window dfota_window_find(const char *name);

#endif
