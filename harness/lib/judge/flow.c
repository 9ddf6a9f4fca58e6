/* SPDX-License-Identifier: MIT */
/* flow.c - the one judge's state machine. Fed one event at a time, it
 * keeps at most a few flows (one AT+QFOTADL command and what followed it)
 * and never the log, so its memory does not grow with the input.
 *
 * The machine judges nothing itself: at each named transition it calls
 * the rule files, one per family of RULES.md (judge/judge_int.h says
 * which; README.md says where each rule lives). A rule is judged where its
 * evidence arrives: PASS or FAIL as soon as it can be decided, INCOMPLETE
 * for what is still open when the log ends. This file: the checker, its
 * flows, feeding, data mode, reboots and the end of input; flow_cmd.c the
 * commands and their answers; flow_urc.c the FOTA URCs and the cut. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

void dfota_checker_opts_init(dfota_checker_opts *o)
{
    memset(o, 0, sizeof *o);
    o->profile = DFOTA_PROFILE_STRICT;
    o->usb_port = -1;
}

void dfota_checker_opts_host_windows(dfota_checker_opts *o)
{
    /* FIELD-QUIRKS gives no reboot or whole-update time: those stay unset. */
    static const int secs[DFOTA_WIN_COUNT] = {3, 60, 300, 300, 120, 300, 60, 0, 0};
    for (int i = 0; i < DFOTA_WIN_COUNT; i++)
        o->window_ns[i] = (int64_t)secs[i] * DFOTA_NS_PER_S;
    o->host_reopen_ns = HOST_REOPEN_NS;
}

/* ---- flows ------------------------------------------------------------ */

/* A slot as calloc left it, but for its kept findings (17 KB), which
 * n_findings guards: a new flow's, and every slot's on a reset. */
static void slot_clear(flow *f)
{
    memset(f, 0, offsetof(flow, s) + offsetof(dfota_flow_summary, findings));
}

flow *judge_flow_new(dfota_checker *c, const dfota_event *ev)
{
    for (int i = 0; i < SLOTS; i++) {
        flow *f = &c->slot[i];
        if (f->used)
            continue;
        slot_clear(f);
        f->used = 1;
        f->s.id = ++c->next_id;
        f->s.line = ev->line;
        f->s.max_percent = -1;
        f->last_pct = -1;
        f->t_cmd = ev->t_ns;
        f->t_dl_start = f->t_ref_start = f->t_last_progress = DFOTA_T_NONE;
        f->t_first_start = f->t_last_end = f->t_port_lost = DFOTA_T_NONE;
        f->s.durations = (dfota_durations){DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE,
                                           DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE};
        c->res.flows++;
        return f;
    }
    return NULL; /* cannot happen: at most three flows are ever live */
}

static const char *outcome(const flow *f)
{
    if (f->abandoned)
        return "abandoned";
    switch (f->ph) {
    case PH_ANSWERED: return "answered";
    case PH_REJECTED: return "rejected";
    case PH_DL_FAILED: return "download-failed";
    case PH_ENDED:
        return f->s.n_end_codes > 0 && f->s.end_codes[f->s.n_end_codes - 1] == 0 ? "updated"
                                                                                : "update-failed";
    case PH_AWAIT_START:
        return judge_retries_exhausted(f) ? "update-failed" : "incomplete";
    default:
        return "incomplete";
    }
}

void judge_flow_close(dfota_checker *c, flow *f)
{
    if (!f || !f->used)
        return;
    judge_seq_closed(c, f);
    f->s.outcome = outcome(f);
    if (c->sink.flow)
        c->sink.flow(c->sink.ctx, &f->s);
    f->used = 0;
    if (c->last_answered == f)
        c->last_answered = NULL;
    if (c->cur == f)
        c->cur = NULL;
    if (c->up == f)
        c->up = NULL;
}

/* Closes a flow that is neither the current command nor the upgrade. */
void judge_release_if_idle(dfota_checker *c, flow *f)
{
    if (f && f->used && f != c->cur && f != c->up && !f->queued)
        judge_flow_close(c, f);
}

/* ---- the checker ------------------------------------------------------ */

/* What a new checker and a reset one start from, once zeroed. */
static void checker_start(dfota_checker *c, const dfota_checker_opts *opts, const dfota_sink *sink)
{
    if (opts)
        c->o = *opts;
    else
        dfota_checker_opts_init(&c->o);
    if (sink)
        c->sink = *sink;
    c->host_open = 1;
    c->t_reopen_due = c->t_last = DFOTA_T_NONE;
}

dfota_checker *dfota_checker_new(const dfota_checker_opts *opts, const dfota_sink *sink)
{
    dfota_checker *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    checker_start(c, opts, sink);
    return c;
}

void dfota_checker_reset(dfota_checker *c, const dfota_checker_opts *opts, const dfota_sink *sink)
{
    /* Zeroed as calloc left it, but for the slots' kept findings. */
    memset(c, 0, offsetof(dfota_checker, slot));
    for (int i = 0; i < SLOTS; i++)
        slot_clear(&c->slot[i]);
    memset(&c->cur, 0, sizeof *c - offsetof(dfota_checker, cur));
    checker_start(c, opts, sink);
}

void dfota_checker_free(dfota_checker *c)
{
    free(c);
}

const dfota_checker_result *dfota_checker_result_get(const dfota_checker *c)
{
    return &c->res;
}

/* ---- data mode and data prompts ------------------------------------------ */

/* Data mode ends (NO CARRIER, the OK that ends a transfer, a reboot, the
 * log's end). */
static void leave_data_mode(dfota_checker *c, const dfota_event *ev)
{
    if (!c->data_mode)
        return;
    if (c->data_like_at > 0)
        judge_cmd_data_read(c, ev);
    c->data_mode = 0;
    c->data_like_at = 0;
}

/* A line between CONNECT and the end of data mode. Returns 1 when it is
 * data, 0 when it must be read as usual (a reboot ends data mode). */
static int data_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    switch (it->kind) {
    case DFOTA_ITEM_OK: case DFOTA_ITEM_ERROR: case DFOTA_ITEM_FINAL:
        if (ev->dir != DFOTA_DIR_MODULE)
            break;
        leave_data_mode(c, ev); /* NO CARRIER; or OK after AT+QHTTPREAD's data or a +++ escape */
        return 1;
    case DFOTA_ITEM_RDY: case DFOTA_ITEM_PORT_GONE:
        return 0;
    case DFOTA_ITEM_URC: case DFOTA_ITEM_BAD_URC: case DFOTA_ITEM_FOTADL: case DFOTA_ITEM_COMMAND:
        c->data_like_at++;
        break;
    default:
        break;
    }
    return 1;
}

/* The module's "> " prompt for data, with the data's echo after it. */
static int is_prompt(const dfota_event *ev)
{
    return ev->len > 0 && ev->data[0] == '>';
}

/* ---- reboots ---------------------------------------------------------- */

/* The module went away: the port dropped, a terminal said so, or RDY. */
static void on_reboot(dfota_checker *c, const dfota_event *ev, int port_lost)
{
    leave_data_mode(c, ev);
    judge_drop_pending(c, ev, 0, port_lost);
    c->last_answered = NULL;
    c->echo_due = 0;
    flow *f = c->up;
    if (!f)
        return;
    if (port_lost) {
        f->port_lost = 1;
        f->t_port_lost = ev->t_ns;
        c->port_cycle = 1;
    }
    f->s.reboots++;
    f->reboot_in_attempt = 1;
    if (f->ph == PH_AWAIT_START || f->ph == PH_DL_DONE)
        f->booted = 1;
}

static void on_port_back(dfota_checker *c, const dfota_event *ev)
{
    flow *f = c->up;
    if (!f || !f->port_lost)
        return;
    f->port_back = 1;
    judge_time_port_back(c, f, ev);
    int64_t gap = span(f->t_port_lost, ev->t_ns);
    if (gap != DFOTA_T_NONE) {
        if (f->s.durations.reboot_gap == DFOTA_T_NONE)
            f->s.durations.reboot_gap = 0;
        f->s.durations.reboot_gap += gap;
    }
    if (f->ph == PH_DL_DONE || f->ph == PH_AWAIT_START)
        f->t_ref_start = ev->t_ns;
}

static void on_rdy(dfota_checker *c, const dfota_event *ev)
{
    flow *f = c->up;
    if (f && f->awaiting_rdy) {
        judge_time_rdy(c, f, ev);
        f->awaiting_rdy = 0;
    }
    /* RDY after a port-lost is the same reboot, not a second one. */
    if (c->port_cycle) {
        c->port_cycle = 0;
        if (f)
            f->reboot_in_attempt = 1;
        return;
    }
    on_reboot(c, ev, 0);
}

/* A harness event: the port went or came back (a reboot, to the module's
 * flows), the host opened or closed it (to host.c only). */
static void on_harness(dfota_checker *c, const dfota_event *ev, dfota_harness_event hev)
{
    judge_host_event(c, ev, hev);
    if (hev == DFOTA_HEV_PORT_LOST)
        on_reboot(c, ev, 1);
    else if (hev == DFOTA_HEV_PORT_BACK)
        on_port_back(c, ev);
}

/* ---- feeding ---------------------------------------------------------- */

void dfota_checker_feed(dfota_checker *c, const dfota_event *ev)
{
    dfota_transition tr;
    dfota_checker_feed_ex(c, ev, &tr);
}

/* The event, classified once in tr (dfota_checker_feed_ex). */
static void feed(dfota_checker *c, const dfota_event *ev, dfota_transition *tr)
{
    const dfota_item *it = &tr->item;
    if (ev->t_ns != DFOTA_T_NONE) {
        c->res.timed = 1;
        c->t_last = ev->t_ns;
    }
    if (ev->flags & DFOTA_EV_OVERLONG) {
        judge_urc_overlong(c, ev);
        return;
    }
    if (ev->dir == DFOTA_DIR_HARNESS) {
        tr->harness = dfota_harness_event_of(ev);
        on_harness(c, ev, tr->harness);
        return;
    }
    if (c->data_mode && data_line(c, ev, it)) {
        tr->data = 1;
        return;
    }
    if (ev->dir == DFOTA_DIR_HOST) {
        judge_on_host_line(c, ev, it);
        return;
    }
    if (!dfota_item_is_final(it) && it->kind != DFOTA_ITEM_ECHO) {
        c->module_since_final++;
        if (it->kind != DFOTA_ITEM_PORT_GONE && it->kind != DFOTA_ITEM_PORT_BACK && !is_prompt(ev))
            c->module_since_host++;
    }
    switch (it->kind) {
    case DFOTA_ITEM_OK:
    case DFOTA_ITEM_ERROR:
    case DFOTA_ITEM_FINAL: {
        /* V.250: CONNECT enters data mode. One that answers nothing
         * the log shows is taken as text: data mode would hide the rest. */
        int answers = c->p_len > 0;
        c->fw_asked = 0;
        if (answers) /* the oldest command owed an answer: the queue holds the last p_len */
            tr->answers = c->commands - c->p_len + 1;
        judge_on_final(c, ev, it);
        if (it->final == DFOTA_FINAL_CONNECT && answers) {
            c->data_mode = 1;
            c->data_line = ev->line;
        }
        break;
    }
    case DFOTA_ITEM_URC:
    case DFOTA_ITEM_BAD_URC:
        if (c->o.judge_host)
            judge_host_urc(c, ev, it);
        judge_on_urc(c, ev, it);
        if (it->stage == DFOTA_STAGE_END)
            judge_fw_end(c);
        break;
    case DFOTA_ITEM_RDY:
        on_rdy(c, ev);
        break;
    case DFOTA_ITEM_PORT_GONE:
        judge_port_terminal_message(c, ev);
        on_reboot(c, ev, 1);
        break;
    case DFOTA_ITEM_PORT_BACK:
        on_port_back(c, ev);
        break;
    default:
        /* information text only: the command's echo is not its answer, and
         * a final result ended the wait above */
        if (c->fw_asked && it->kind == DFOTA_ITEM_OTHER)
            judge_fw_answer(c, ev);
        break;
    }
}

void dfota_checker_feed_ex(dfota_checker *c, const dfota_event *ev, dfota_transition *out)
{
    /* Every line is classified here, once: an overlong one's start too,
     * for a caller that follows the host's commands. */
    dfota_classify(ev->data, ev->len, ev->dir, &out->item);
    out->harness = DFOTA_HEV_NONE;
    out->echo = out->data = 0;
    out->command = out->answers = 0;
    out->progress = DFOTA_PROGRESS_NONE;
    out->percent = out->last_percent = -1;
    c->tr = out;
    feed(c, ev, out);
    c->tr = NULL;
}

void dfota_checker_finish(dfota_checker *c)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    flow *cur = c->cur;
    judge_host_finish(c);
    leave_data_mode(c, &end);
    judge_drop_pending(c, &end, 1, 0);
    if (cur && cur->watch_error)
        judge_cmd_no_urc_came(c);
    if (c->up) {
        flow_cut cut = {&end, 1};
        judge_cut_flow(c, c->up, &cut);
    }
    for (int i = 0; i < SLOTS; i++)
        judge_flow_close(c, &c->slot[i]);
    c->cur = c->up = NULL;
    dfota_verdict v = DFOTA_V_PASS;
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        dfota_verdict s = c->res.rule[r];
        if (s == DFOTA_V_FAIL || (s == DFOTA_V_INCOMPLETE && v != DFOTA_V_FAIL))
            v = s;
    }
    /* Strict certifies: a log altered after capture cannot certify a
     * module, whatever else passed; the module's own FAIL still stands. */
    c->res.inconclusive = c->o.profile == DFOTA_PROFILE_STRICT && c->res.altered > 0 &&
                          v != DFOTA_V_FAIL;
    if (c->res.inconclusive)
        v = DFOTA_V_INCOMPLETE;
    c->res.verdict = v;
    c->res.nothing_to_judge = c->res.flows == 0;
    judge_fw_finish(c);
}
