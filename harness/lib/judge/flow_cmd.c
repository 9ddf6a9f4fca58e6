/* SPDX-License-Identifier: MIT */
/* flow_cmd.c - the flow machine, the host's side: the commands sent, the
 * queue of those owed an answer, and the final results. It moves flows and
 * names what happened (judge/judge_int.h); the rule files judge it. */
#include <stdio.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* A command that will never get its final result: CMD-FINAL says so. */
static void no_final(dfota_checker *c, flow *f, const dfota_event *ev, const char *why)
{
    judge_cmd_no_final(c, f, ev, why);
    f->queued = 0;
    if (f->ph == PH_CMD) {
        f->ph = PH_ENDED;
        f->abandoned = 1;
    }
    judge_release_if_idle(c, f);
}

/* Takes the oldest command off the queue; NULL stands for one other than
 * AT+QFOTADL. With the queue empty, no command is owed data any more. */
static flow *pop_pending(dfota_checker *c)
{
    flow *f = c->pending[c->p_head];
    c->p_head = (c->p_head + 1) % PENDING_MAX;
    c->p_len--;
    if (c->p_len == 0)
        c->prompt_data = 0;
    if (f)
        f->queued = 0;
    return f;
}

static void push_pending(dfota_checker *c, flow *f, const dfota_event *ev)
{
    if (c->p_len == PENDING_MAX) {
        flow *oldest = pop_pending(c);
        if (oldest)
            no_final(c, oldest, ev, "none while eight more commands were sent");
    }
    unsigned at = (c->p_head + c->p_len) % PENDING_MAX;
    c->pending[at] = f;
    c->pending_t[at] = ev->t_ns;
    c->pending_late[at] = ev->late_ns;
    c->pending_line[at] = ev->line;
    c->p_len++;
    c->tr->command = ++c->commands;
    if (f)
        f->queued = 1;
}

/* A new command: is the answer to the oldest one still owed? A module
 * answers in order, so an answer that was never given would otherwise be
 * taken from the next command. In a timed log it is owed for
 * judge_answer_owed_ns(); in an untimed one until the host sends again after
 * the module said something else (a URC, text with no final result): a
 * host that typed ahead did so before the module spoke. What the checker
 * gives up on it says in a NOTE; an AT+QFOTADL given up on FAILs CMD-FINAL. */
static void give_up_stale(dfota_checker *c, const dfota_event *ev)
{
    while (c->p_len > 0) {
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int stale = waited != DFOTA_T_NONE ? waited > judge_answer_owed_ns(c) : c->module_since_host > 0;
        if (!stale)
            return;
        unsigned long line = c->pending_line[c->p_head];
        flow *f = pop_pending(c);
        char why[160];
        if (waited != DFOTA_T_NONE)
            snprintf(why, sizeof why, "none in the %.3fs before the next command (line %lu)",
                     dfota_seconds(waited), ev->line);
        else
            snprintf(why, sizeof why,
                     "none before the next command (line %lu), sent after other output", ev->line);
        judge_cmd_given_up(c, f, ev, line, why);
        c->last_answered = NULL;
        if (f)
            no_final(c, f, ev, why);
    }
}

/* The module rebooted or the log ended: no queued command gets an answer.
 * quiet: the module said nothing since the last command was sent. On a
 * USB port the newest command's OK may have gone with the port
 * (FIELD-QUIRKS): its upgrade is then followed as accepted, the URCs that
 * come being its own. */
void judge_drop_pending(dfota_checker *c, const dfota_event *ev, int ended, int port_lost)
{
    int quiet = c->module_since_host == 0;
    while (c->p_len > 0) {
        int newest = c->p_len == 1;
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int at_once = waited == DFOTA_T_NONE || waited <= judge_answer_owed_ns(c);
        flow *f = pop_pending(c);
        if (!f)
            continue;
        if (ended)
            judge_cmd_log_ended(c, f, ev);
        else if (port_lost && newest && quiet && at_once && c->o.usb_port != 0 &&
                 f->form == DFOTA_FOTADL_WRITE) {
            judge_cmd_ok_lost(c, f, ev);
            judge_accept_upgrade(c, f);
        } else
            no_final(c, f, ev, "the module rebooted first");
    }
}

static void on_fotadl(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    flow *cur = c->cur;
    if (cur && cur->watch_error) {
        judge_cmd_no_urc_came(c); /* no URC came before this command */
        cur->watch_error = 0;
    }
    /* Another AT+QFOTADL while an upgrade runs: what the running one owes
     * is settled only if the module accepts the new one (on_final). A
     * module that refuses it (ERROR: busy) goes on with the first. */
    int over_running = c->up && is_open(c->up) && it->form == DFOTA_FOTADL_WRITE;
    c->cur = NULL;
    judge_release_if_idle(c, cur);
    if (c->up && !is_open(c->up) && it->form == DFOTA_FOTADL_WRITE)
        judge_flow_close(c, c->up);

    flow *f = judge_flow_new(c, ev);
    if (!f)
        return;
    c->cur = f;
    f->form = it->form;
    f->supersedes = over_running;
    f->raw_len = ev->len < CMD_KEEP ? ev->len : CMD_KEEP;
    memcpy(f->raw, ev->data, f->raw_len);
    judge_escape_into(f->s.command, sizeof f->s.command, ev->data, ev->len);
    static const char *const forms[] = {"test", "read", "exec", "write"};
    f->s.form = forms[it->form];
    if (it->form == DFOTA_FOTADL_WRITE) {
        dfota_spec_check_arg(it->arg, it->arg_len, &f->arg);
        f->s.proto = f->arg.proto;
    }
    push_pending(c, f, ev);
}

static void on_other_command(dfota_checker *c, const dfota_event *ev)
{
    push_pending(c, NULL, ev);
}

/* ---- final results ---------------------------------------------------- */

void judge_accept_upgrade(dfota_checker *c, flow *f)
{
    if (c->up && c->up != f) {
        if (is_open(c->up))
            c->up->abandoned = 1;
        flow *old = c->up;
        c->up = NULL;
        judge_release_if_idle(c, old);
    }
    c->up = f;
    switch (f->arg.proto) {
    case DFOTA_PROTO_FTP: case DFOTA_PROTO_HTTP: case DFOTA_PROTO_HTTPS: case DFOTA_PROTO_FILE:
        f->ph = PH_AWAIT_DL;
        break;
    case DFOTA_PROTO_LOCAL:
        f->ph = PH_AWAIT_START;
        break;
    default:
        f->ph = PH_UNKNOWN; /* accepted although unreadable: judge what follows loosely */
        break;
    }
}

void judge_on_final(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    int ok = it->kind == DFOTA_ITEM_OK;
    const char *name = dfota_final_name(it->final);
    unsigned long between = c->module_since_final;
    c->module_since_final = 0;
    c->echo_due = 0;
    if (c->p_len == 0) {
        /* A second final result right after the first. One after other
         * output may answer a command the capture did not show. */
        flow *last = c->last_answered;
        if (last && between == 0)
            judge_cmd_extra_final(c, last, ev, name);
        c->last_answered = NULL;
        return;
    }
    flow *f = pop_pending(c);
    c->last_answered = f;
    if (!f)
        return; /* the answer to another command */
    /* A new upgrade answered after the reboot that should have brought the
     * running one's START: judged when the log ends (start_owed). */
    if (f->supersedes && c->up && c->up != f && c->up->booted && !c->up->answered_line)
        c->up->answered_line = f->s.line;
    judge_cmd_final(c, f, ev, it);
    f->s.durations.final_result = span(f->t_cmd, ev->t_ns);
    judge_time_final(c, f, ev);
    f->s.final = name;
    judge_cmd_answer(c, f, ev, ok);
    if (f->form != DFOTA_FOTADL_WRITE) {
        f->ph = PH_ANSWERED;
        judge_release_if_idle(c, f);
        return;
    }
    flow *up = f->supersedes && c->up && c->up != f && is_open(c->up) ? c->up : NULL;
    /* A module that takes a new upgrade has left the running one; so has
     * one that answers at all (even ERROR) during the update, where a module
     * in recovery could not. Refused at any other time, it is busy with the
     * running one: a START may come later than usual after the download
     * (SEQ-START allows it), and a missing one is judged when the log ends
     * or when the module takes another upgrade. */
    if (up && (ok || up->ph == PH_UPDATING)) {
        dfota_event at = {.t_ns = f->t_cmd, .dir = DFOTA_DIR_HOST, .data = f->raw,
                          .len = f->raw_len, .full_len = f->raw_len, .line = f->s.line};
        flow_cut cut = {&at, 0};
        judge_cut_flow(c, up, &cut);
    }
    if (ok) {
        judge_accept_upgrade(c, f);
    } else {
        /* Refused while busy too: the URCs that follow are the running
         * upgrade's (urc_owner), and none may be this command's. */
        f->ph = PH_REJECTED;
        f->watch_error = 1;
    }
    judge_release_if_idle(c, f);
}

/* ---- host lines ----------------------------------------------------------- */

/* A host line after a command that prompts for data ("> " after
 * AT+QISEND): the data, up to the command's final result. Returns 1 when
 * the line is data. A line later than an answer is owed is not, nor, in an
 * untimed log, one the host sent after the module spoke (not the prompt):
 * the data was answered, or never will be. */
static int prompt_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    int64_t waited = span(c->prompt_t, ev->t_ns);
    if (waited != DFOTA_T_NONE ? waited > judge_answer_owed_ns(c) : c->module_since_host > 0) {
        c->prompt_data = 0;
        return 0;
    }
    if (it->kind == DFOTA_ITEM_FOTADL)
        judge_cmd_prompt_data(c, ev);
    return 1;
}

/* A line the host sent: a command line (with one or several commands), its
 * echo in a terminal's capture, the data a command prompted for, or text. */
void judge_on_host_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    if (c->prompt_data && prompt_line(c, ev, it)) {
        c->tr->data = 1;
        return;
    }
    if (it->kind != DFOTA_ITEM_FOTADL && it->kind != DFOTA_ITEM_COMMAND)
        return;
    /* Echo exists only where a terminal shows what was typed and what the
     * module sent back: a capture whose directions were guessed. There the
     * same text again before the command's answer is its echo, whatever
     * came between (a URC). In a transcript every '>' line is a send. */
    size_t keep = ev->len < CMD_KEEP ? ev->len : CMD_KEEP;
    int guessed = (ev->flags & DFOTA_EV_GUESSED_DIR) != 0;
    if (guessed && c->echo_due && c->last_host_len == keep &&
        memcmp(c->last_host, ev->data, keep) == 0) {
        c->echo_due = 0;
        c->tr->echo = 1;
        return;
    }
    memcpy(c->last_host, ev->data, keep);
    c->last_host_len = keep;
    judge_fw_command(c, ev, it);
    if (c->o.judge_host)
        judge_host_command(c, ev, it);
    give_up_stale(c, ev);
    if (it->kind == DFOTA_ITEM_FOTADL)
        on_fotadl(c, ev, it);
    else
        on_other_command(c, ev);
    c->echo_due = guessed;
    c->module_since_host = 0;
    if (it->prompts) {
        c->prompt_data = 1;
        c->prompt_line = ev->line;
        c->prompt_t = ev->t_ns;
    }
}
