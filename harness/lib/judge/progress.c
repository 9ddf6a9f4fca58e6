/* SPDX-License-Identifier: MIT */
/* progress.c - the upgrade's progress (RULES.md, "URCs": PROGRESS-*).
 *
 * The guide, chapter 3 (3.1, 3.2, 3.3):
 *   "<percent> Integer type. The upgrade progress in percentage."
 *   +QIND: "FOTA","UPDATING",1 ... +QIND: "FOTA","UPDATING",100
 *   +QIND: "FOTA","END",0   //Finish upgrading the firmware.
 *
 * Rules: PROGRESS-RANGE (3), PROGRESS-ORDER (3), PROGRESS-COMPLETE (3).
 * An attempt is what the flow machine opens at START (seen or implied):
 * its highest percent is the flow's last_pct, which the machine keeps. */
#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* PROGRESS-RANGE (3): an UPDATING's <percent>, whatever its place. */
void judge_progress_range(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (!it->has_code)
        return;
    if (it->code < 0 || it->code > 100)
        judge_report(c, f, DFOTA_R_PROGRESS_RANGE, DFOTA_L_FAIL, ev, NULL,
               "<percent> from 0 to 100", "%ld", it->code);
    else
        pass(c, DFOTA_R_PROGRESS_RANGE);
}

/* PROGRESS-ORDER (3): an UPDATING within the attempt the machine has open
 * for it (a lost START's retry opens a new one first). Returns what it
 * judged: NONE for no percentage from 0 to 100. */
dfota_progress_order judge_progress_order(dfota_checker *c, flow *f, const dfota_event *ev,
                                          const dfota_item *it)
{
    if (!it->has_code || it->code < 0 || it->code > 100)
        return DFOTA_PROGRESS_NONE;
    int pct = (int)it->code;
    if (f->last_pct >= 0 && pct < f->last_pct) {
        judge_report(c, f, DFOTA_R_PROGRESS_ORDER, DFOTA_L_FAIL, ev, NULL,
               "<percent> never decreasing within an attempt", "%d after %d", pct, f->last_pct);
        return DFOTA_PROGRESS_OUT_OF_ORDER;
    }
    pass(c, DFOTA_R_PROGRESS_ORDER);
    return DFOTA_PROGRESS_IN_ORDER;
}

/* PROGRESS-COMPLETE (3): END,0 closes an attempt that reached 100. */
void judge_progress_end(dfota_checker *c, flow *f, const dfota_event *ev, long code)
{
    if (code != 0)
        return;
    switch (f->ph) {
    case PH_UPDATING:
        if (f->reached100)
            pass(c, DFOTA_R_PROGRESS_COMPLETE);
        else if (f->last_pct == 91 || f->last_pct == 96)
            /* FIELD-QUIRKS: MiniFOTA firmware stops there (the vendor's
             * LTE Standard(A) DFOTA guide, later revisions, shows 91 and
             * 96); any other stop is no known behaviour. */
            DEVIATE(c, f, DFOTA_R_PROGRESS_COMPLETE, ev, "minifota-short-progress",
                    "END,0 only after <percent> reached 100",
                    "the attempt reached %d, where MiniFOTA firmware stops", f->last_pct);
        else
            judge_report(c, f, DFOTA_R_PROGRESS_COMPLETE, DFOTA_L_FAIL, ev, NULL,
                   "END,0 only after <percent> reached 100", "the attempt reached %d",
                   f->last_pct);
        return;
    case PH_DL_DONE:
    case PH_AWAIT_START: /* END with no START: no attempt at all */
        judge_report(c, f, DFOTA_R_PROGRESS_COMPLETE, DFOTA_L_FAIL, ev, NULL,
               "END,0 only after <percent> reached 100", "no UPDATING at all");
        return;
    default:
        return;
    }
}
