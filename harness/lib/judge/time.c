/* SPDX-License-Identifier: MIT */
/* time.c - the timing windows (RULES.md, "Port and timing": TIME-*).
 *
 * The guide sets no numbers: chapter 3 says only that "After the package
 * download is finished, the module will reboot automatically and then
 * enter into recovery mode for firmware upgrade". Every window is a
 * scenario's or a profile's (FIELD-QUIRKS, "How hosts time it"); a plain
 * check measures the durations (the flow machine keeps them in the flow's
 * summary) and applies only the limits it is given.
 *
 * Rules: TIME-FINAL-RESULT, TIME-DOWNLOAD-START, TIME-DOWNLOAD, TIME-START,
 * TIME-PROGRESS-GAP, TIME-END, TIME-RDY, TIME-REBOOT, TIME-UPDATE, one per
 * window (dfota_window_rule). TIME-WINDOW, a step's own window, is the
 * scenario runner's (lib/run/). */
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* A window overrun: FAIL, or INCOMPLETE when the harness may have read the
 * event late (its lateness is not the module's). */
JUDGE_SLOW static void overrun(dfota_checker *c, flow *f, dfota_window w, int64_t d, int64_t limit,
                    const dfota_event *ev, const char *what)
{
    dfota_rule r = dfota_window_rule(w);
    char exp[DFOTA_TEXT_MAX];
    snprintf(exp, sizeof exp, "%s within %.3fs (window %s)", what, dfota_seconds(limit),
             dfota_window_name(w));
    if (d - ev->late_ns <= limit)
        judge_harness_late(c, f, r, ev, exp, d, ev->late_ns);
    else
        judge_report(c, f, r, DFOTA_L_FAIL, ev, NULL, exp, "it took %.3fs", dfota_seconds(d));
}

/* The window w from from to ev, when the options set one and both times
 * are known. Inline: most logs set no window, and this is on every URC. */
static inline void window(dfota_checker *c, flow *f, dfota_window w, int64_t from,
                          const dfota_event *ev, const char *what)
{
    int64_t limit = c->o.window_ns[w];
    int64_t d = span(from, ev->t_ns);
    if (limit <= 0 || d == DFOTA_T_NONE)
        return;
    if (d > limit)
        overrun(c, f, w, d, limit, ev, what);
    else
        pass(c, dfota_window_rule(w));
}

/* TIME-FINAL-RESULT: the command to its final result. */
void judge_time_final(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_FINAL_RESULT, f->t_cmd, ev, "the final result");
}

/* TIME-DOWNLOAD-START: the command to the download's start. */
void judge_time_download_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_DOWNLOAD_START, f->t_cmd, ev, "the download start");
}

/* TIME-DOWNLOAD: the command to the download's end. */
void judge_time_download_end(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_DOWNLOAD, f->t_cmd, ev, "the download's end");
}

/* TIME-START: START after the download's end (or the port back), a local
 * file's OK or a retried END. */
void judge_time_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    if (f->ph == PH_DL_DONE || f->ph == PH_AWAIT_START)
        window(c, f, DFOTA_WIN_START, f->t_ref_start, ev, "START");
}

/* TIME-PROGRESS-GAP: an UPDATING after the one before (or START). */
void judge_time_progress(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_PROGRESS_GAP, f->t_last_progress, ev, "the next progress URC");
}

/* TIME-END: END after the last UPDATING; and TIME-UPDATE, unless the guide
 * retries END's code, the whole update from the first START. */
void judge_time_end(dfota_checker *c, flow *f, const dfota_event *ev, long code)
{
    window(c, f, DFOTA_WIN_END, f->t_last_progress, ev, "END");
    if (!dfota_spec_code_retried(code))
        window(c, f, DFOTA_WIN_UPDATE, f->t_first_start, ev, "the whole update (first START to END)");
}

/* TIME-REBOOT: the port back after it went away. */
void judge_time_port_back(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_REBOOT, f->t_port_lost, ev, "the port back after it went away");
}

/* TIME-RDY: RDY after END. */
void judge_time_rdy(dfota_checker *c, flow *f, const dfota_event *ev)
{
    window(c, f, DFOTA_WIN_RDY, f->t_last_end, ev, "RDY after END");
}

/* TIME-RDY: the log ends with the RDY after END still owed. */
void judge_time_owed(dfota_checker *c, flow *f, const flow_cut *cut)
{
    if (cut->at_end && f->awaiting_rdy && c->o.window_ns[DFOTA_WIN_RDY] > 0 && c->res.timed)
        judge_report(c, f, DFOTA_R_TIME_RDY, DFOTA_L_INCOMPLETE, cut->ev, NULL, "RDY after END",
               "the log ends first");
}
