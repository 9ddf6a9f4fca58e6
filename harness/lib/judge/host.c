/* SPDX-License-Identifier: MIT */
/* host.c - the host's side of the upgrade (the HOST-* rules, judged when
 * dfota_checker_opts.judge_host is set).
 *
 * The guide, chapter 3: "After executing the command, the module will
 * automatically download the package ... and then enter into recovery mode
 * for firmware upgrade": one command is answered at a time, and one
 * upgrade runs at a time. 3.1 and 3.2: "The module will be rebooted and
 * the USB port will be re-initialized. If the current port is USB port,
 * MCU should close and reopen it."
 *
 * Rules: HOST-WAIT-FINAL (3), HOST-ONE-UPGRADE (3), HOST-REOPEN (3.1, 3.2),
 * HOST-READ-TO-END (3). The reopen and read rules need the '! host-open'
 * and '! host-close' events of a recording of host software; this file
 * keeps what they say (the host_* fields of the checker) whether or not
 * the host is judged. */
#include <stdio.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* A host command: HOST-WAIT-FINAL and HOST-ONE-UPGRADE. Called only when
 * the host is judged (o.judge_host); the command is escaped only for a
 * finding. */
void judge_host_command(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    char b[80];
    /* HOST-WAIT-FINAL (3): a module answers one command at a time. A host
     * that waited longer than an answer is owed (the final-result window,
     * or the 3 s real hosts give it) has given up on the answer, as the
     * checker does (give_up_stale; CMD-FINAL judges the module for it). */
    if (c->p_len > 0) {
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int64_t limit = judge_answer_owed_ns(c);
        /* A live source may have read the first command late: the host
         * may have waited up to that much longer. (A wait read as longer
         * than the limit keeps the benefit of the doubt: it is a NOTE.) */
        int64_t sooner = c->pending_late[c->p_head];
        unsigned long first = c->pending_line[c->p_head];
        judge_shown(ev, b, sizeof b);
        if (waited != DFOTA_T_NONE && waited > limit) {
            judge_report(c, c->cur, DFOTA_R_HOST_WAIT_FINAL, DFOTA_L_NOTE, ev, NULL,
                   "the next command after the final result",
                   "%s after %.3fs without an answer: the host gave up", b, dfota_seconds(waited));
            pass(c, DFOTA_R_HOST_WAIT_FINAL);
        } else if (waited != DFOTA_T_NONE && waited + sooner > limit) {
            judge_harness_late_count(c, "HOST-WAIT-FINAL, the command of line %lu may have been "
                                     "sent up to %.3fs before it was read", first,
                                     dfota_seconds(sooner));
            judge_report(c, c->cur, DFOTA_R_HOST_WAIT_FINAL, DFOTA_L_INCOMPLETE, ev, NULL,
                   "the next command after the final result",
                   "%s %.3fs after the command of line %lu, which the harness may have read up "
                   "to %.3fs after it was sent: not judged", b, dfota_seconds(waited), first,
                   dfota_seconds(sooner));
        } else
            judge_report(c, c->cur, DFOTA_R_HOST_WAIT_FINAL, DFOTA_L_FAIL, ev, NULL,
                   "the next command only after the final result of the one before",
                   "%s while %u command%s had no final result yet", b, c->p_len,
                   c->p_len == 1 ? "" : "s");
    } else
        pass(c, DFOTA_R_HOST_WAIT_FINAL);
    /* HOST-ONE-UPGRADE (3): the module is busy until the upgrade ends. */
    if (it->kind != DFOTA_ITEM_FOTADL)
        return;
    if (c->up && is_open(c->up)) {
        judge_shown(ev, b, sizeof b);
        judge_report(c, c->up, DFOTA_R_HOST_ONE_UPGRADE, DFOTA_L_FAIL, ev, NULL,
               "no AT+QFOTADL while an upgrade is running",
               "%s while the upgrade of line %lu was still running", b, c->up->s.line);
    } else if (it->form == DFOTA_FOTADL_WRITE)
        pass(c, DFOTA_R_HOST_ONE_UPGRADE);
}

/* A FOTA URC the host may have missed: HOST-READ-TO-END (3). Called only
 * when the host is judged (o.judge_host). */
void judge_host_urc(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    if (!c->host_events)
        return;
    if (!c->host_open) {
        if (!c->host_missed) {
            char b[80];
            judge_shown(ev, b, sizeof b);
            judge_report(c, c->up, DFOTA_R_HOST_READ_TO_END, DFOTA_L_FAIL, ev, NULL,
                   "the port open for every FOTA URC, to END",
                   "%s came while the host did not have the port open", b);
        }
        c->host_missed = 1;
    } else if (it->kind == DFOTA_ITEM_URC && it->stage == DFOTA_STAGE_END)
        pass(c, DFOTA_R_HOST_READ_TO_END);
}

/* A span of the log's time as the host lived it: wall time. */
static int64_t host_wall(const dfota_checker *c, int64_t d)
{
    double s = c->o.host_wall_scale;
    if (d == DFOTA_T_NONE || !(s > 0) || s == 1.0)
        return d;
    return (int64_t)((double)d * s);
}

/* Said after a host's duration when the log's clock was not wall time. */
static const char *host_clock_said(const dfota_checker *c)
{
    double s = c->o.host_wall_scale;
    return s > 0 && s != 1.0 ? " of wall time (the module's clock was scaled)" : "";
}

/* HOST-REOPEN's window, from the port back to ev (wall time in *d): 1
 * when ev is certainly past it (the caller says how), 0 when it is not,
 * -1 when a live source may have seen ev so late that it cannot tell:
 * reported here, as the harness's. */
static int reopen_past(dfota_checker *c, const dfota_event *ev, int64_t *d)
{
    *d = host_wall(c, span(c->t_reopen_due, ev->t_ns));
    if (c->o.host_reopen_ns <= 0 || *d == DFOTA_T_NONE || *d <= c->o.host_reopen_ns)
        return 0;
    int64_t late = host_wall(c, ev->late_ns);
    if (*d - late > c->o.host_reopen_ns)
        return 1;
    judge_harness_late(c, c->up, DFOTA_R_HOST_REOPEN, ev,
                       "the port reopened after the reboot, within the host-reopen window", *d, late);
    return -1;
}

static void on_host_open(dfota_checker *c, const dfota_event *ev)
{
    c->host_events = 1;
    c->host_open = 1;
    c->host_missed = 0;
    c->host_left = 0;
    if (!c->o.judge_host || !c->reopen_due)
        return;
    /* HOST-REOPEN (3.1, 3.2): "MCU should close and reopen it". */
    c->reopen_due = 0;
    int64_t d;
    int past = reopen_past(c, ev, &d);
    if (past > 0)
        judge_report(c, c->up, DFOTA_R_HOST_REOPEN, DFOTA_L_FAIL, ev, NULL,
               "the port reopened after the reboot, within the host-reopen window",
               "it took %.3fs%s, more than %.3fs", dfota_seconds(d), host_clock_said(c),
               dfota_seconds(c->o.host_reopen_ns));
    else if (past == 0)
        pass(c, DFOTA_R_HOST_REOPEN);
}

/* A harness event, as the host sees it: the port going and coming back,
 * the host opening and closing it. */
void judge_host_event(dfota_checker *c, const dfota_event *ev, dfota_harness_event hev)
{
    if (hev == DFOTA_HEV_PORT_LOST) {
        if (c->o.judge_host && c->reopen_due) {
            /* HOST-REOPEN (3.1, 3.2): the port went again, never reopened. */
            int64_t d;
            if (reopen_past(c, ev, &d) > 0)
                judge_report(c, c->up, DFOTA_R_HOST_REOPEN, DFOTA_L_FAIL, ev, NULL,
                       "the port reopened after the reboot, within the host-reopen window",
                       "not reopened in the %.3fs%s before it went away again", dfota_seconds(d),
                       host_clock_said(c));
            c->reopen_due = 0;
        }
        c->port_away = 1;
        if (c->host_events)
            c->host_open = 0; /* the host's descriptor died with the port */
    } else if (hev == DFOTA_HEV_PORT_BACK) {
        if (c->port_away && c->host_events) {
            c->reopen_due = 1;
            c->t_reopen_due = ev->t_ns;
        }
        c->port_away = 0;
    } else if (hev == DFOTA_HEV_HOST_OPEN)
        on_host_open(c, ev);
    else if (hev == DFOTA_HEV_HOST_CLOSE) {
        c->host_events = 1;
        c->host_open = 0;
        c->host_left = !c->port_away;
    }
}

/* What the host still owes when the log ends. */
void judge_host_finish(dfota_checker *c)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    if (!c->o.judge_host || !c->host_events)
        return;
    if (c->reopen_due) {
        int64_t d = host_wall(c, span(c->t_reopen_due, c->t_last));
        int late = c->o.host_reopen_ns > 0 && d != DFOTA_T_NONE && d > c->o.host_reopen_ns;
        judge_report(c, c->up, DFOTA_R_HOST_REOPEN, late ? DFOTA_L_FAIL : DFOTA_L_INCOMPLETE, &end,
               NULL, "the port reopened after the reboot",
               late ? "the host had not reopened it %.3fs%s later, when the log ends"
                    : "the log ends %.3fs%s after the port came back, before the host reopened it",
               d == DFOTA_T_NONE ? 0.0 : dfota_seconds(d), host_clock_said(c));
    }
    if (c->up && is_open(c->up) && c->host_left && !c->host_missed)
        judge_report(c, c->up, DFOTA_R_HOST_READ_TO_END, DFOTA_L_FAIL, &end, NULL,
               "the port open for every FOTA URC, to END",
               "the host closed the port during the upgrade and the log ends before END");
}
