/* SPDX-License-Identifier: MIT */
/* retry.c - the retries after a failed update (RULES.md, "URCs": RETRY-*).
 *
 * The guide, chapter 3: "If the firmware upgrade is successful, the module
 * will reboot and enter into normal mode, otherwise it will enter into
 * recovery mode and retry to upgrade for consecutively five times."
 * Chapters 4, 5 and 6, the codes:
 *   505 "Upgrade package file check failed. The module will reboot and
 *        retry to upgrade for consecutively five times."
 *   520-530 540-546 "Firmware upgrading failed. The module will reboot and
 *        retry to upgrade until the firmware is upgraded successfully."
 *
 * Rules: RETRY-505 (3, 4, 6), RETRY-UNTIL-SUCCESS (4, 6). The flow machine
 * keeps the code whose retry is awaited (retry_code, set by END); this
 * file keeps the count of consecutive retries after 505 (n505). */
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* A START (seen, or implied by UPDATING or END after a lost START) begins
 * the retry an END asked for. A START after the flow was cut (PH_ENDED)
 * still counts after 505: a sixth retry is one too many. */
void judge_retry_update_begins(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    int awaited = f->ph == PH_AWAIT_START || f->ph == PH_DL_DONE;
    int after_cut = st == DFOTA_STAGE_START && f->ph == PH_ENDED && f->retry_code == 505;
    if (!f->retry_code || !(awaited || after_cut))
        return;
    if (f->retry_code == 505) {
        /* RETRY-505 (3, 4, 6): at most five consecutive retries */
        if (++f->n505 > DFOTA_RETRY_505_MAX)
            judge_report(c, f, DFOTA_R_RETRY_505, DFOTA_L_FAIL, ev, NULL,
                   "at most five consecutive retries after 505", "retry %u", f->n505);
        else
            pass(c, DFOTA_R_RETRY_505);
    } else {
        pass(c, DFOTA_R_RETRY_UNTIL_SUCCESS); /* RETRY-UNTIL-SUCCESS (4, 6) */
        f->n505 = 0;
    }
}

/* END with code: one the guide does not retry ends the run of retries. */
void judge_retry_end(flow *f, long code)
{
    if (!dfota_spec_code_retried(code))
        f->n505 = 0;
}

/* A retry still owed when the flow is cut. After 505 five retries are owed,
 * not fewer, and no more: a module that stopped after five did right. */
void judge_retry_owed(dfota_checker *c, flow *f, const flow_cut *cut)
{
    char seen[DFOTA_TEXT_MAX];
    if (f->ph != PH_AWAIT_START || !f->retry_code)
        return;
    if (judge_retries_exhausted(f)) {
        pass(c, DFOTA_R_RETRY_505);
    } else if (f->retry_code == 505) {
        snprintf(seen, sizeof seen, "the next AT+QFOTADL after %u retries", f->n505);
        judge_start_owed(c, f, DFOTA_R_RETRY_505, cut,
                   cut->at_end ? "a retry (START) after END,505"
                               : "a retry (START) after END,505, five in a row", seen);
    } else {
        snprintf(seen, sizeof seen, "the next AT+QFOTADL after END,%ld", f->retry_code);
        judge_start_owed(c, f, DFOTA_R_RETRY_UNTIL_SUCCESS, cut,
                   "a retry (START) after the retried code", seen);
    }
}
