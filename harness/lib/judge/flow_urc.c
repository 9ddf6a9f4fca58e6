/* SPDX-License-Identifier: MIT */
/* flow_urc.c - the flow machine, the module's side: whose a FOTA URC is,
 * the stage changes it brings (download start and end, START, UPDATING,
 * END), and the cut of a flow that will not end. At each it names the
 * transition to the rule files (judge/judge_int.h), then moves the flow. */
#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"
#include "judge/judge_int.h"

/* The flow a URC belongs to; NULL when it belongs to a rejected command. */
static flow *urc_owner(dfota_checker *c, const dfota_event *ev)
{
    if (c->up && is_open(c->up))
        return c->up;
    flow *cur = c->cur;
    if (cur && cur->watch_error) {
        /* The URCs that follow are charged to the same command, once. */
        judge_cmd_urc_after_error(c, cur, ev);
        cur->watch_error = 0;
        cur->urc_after_error = 1;
        return cur;
    }
    if (cur && cur->urc_after_error && !c->up)
        return cur;
    if (c->up)
        return c->up;
    flow *f = judge_flow_new(c, ev);
    if (!f)
        return NULL;
    f->ph = PH_UNKNOWN;
    f->s.inferred = 1;
    f->s.form = "none";
    c->up = f;
    return f;
}

/* A download stage st of the flow's protocol? An inferred flow learns its
 * protocol from the first one. */
static int download_stage_ok(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (f->ph == PH_UNKNOWN) {
        if (f->s.proto == DFOTA_PROTO_NONE)
            f->s.proto = judge_stage_proto(st);
        return 1;
    }
    return judge_seq_download_proto(c, f, ev, st);
}

static void on_download_start(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (!download_stage_ok(c, f, ev, st) || !judge_seq_download_start(c, f, ev, st))
        return;
    f->ph = PH_DL;
    f->t_dl_start = ev->t_ns;
    judge_time_download_start(c, f, ev);
}

static void on_download_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    long code = it->has_code ? it->code : 0;
    judge_code_download_end(c, f, ev, it);
    if (!download_stage_ok(c, f, ev, it->stage) || !judge_seq_download_end(c, f, ev, it->stage))
        return;
    f->s.has_download_code = 1;
    f->s.download_code = code;
    f->t_ref_start = ev->t_ns;
    f->port_lost = f->port_back = 0;
    f->s.durations.to_download_end = span(f->t_cmd, ev->t_ns);
    f->s.durations.download = span(f->t_dl_start, ev->t_ns);
    judge_time_download_end(c, f, ev);
    f->ph = code == 0 ? PH_DL_DONE : PH_DL_FAILED;
}

/* An attempt opens: START, seen or implied. Whatever retry an END asked
 * for has begun (retry_update_begins counted it). */
static void open_attempt(flow *f, const dfota_event *ev)
{
    f->ph = PH_UPDATING;
    f->s.attempts++;
    f->retry_code = 0;
    f->last_pct = -1;
    f->reached100 = 0;
    f->reboot_in_attempt = 0;
    f->t_last_progress = ev->t_ns;
    if (f->t_first_start == DFOTA_T_NONE) {
        f->t_first_start = ev->t_ns;
        f->s.durations.to_start = span(f->t_cmd, ev->t_ns);
    }
}

static void on_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    judge_port_update_begins(c, f, ev);
    judge_seq_start(c, f, ev);
    judge_time_start(c, f, ev);
    judge_retry_update_begins(c, f, ev, DFOTA_STAGE_START);
    f->booted = 0;
    f->answered_line = 0;
    open_attempt(f, ev);
}

static void on_updating(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    judge_progress_range(c, f, ev, it);
    if (f->ph != PH_UPDATING) {
        /* No attempt open: START was lost, or the UPDATING is out of place. */
        judge_port_update_begins(c, f, ev);
        judge_seq_updating_outside(c, f, ev);
        judge_retry_update_begins(c, f, ev, DFOTA_STAGE_UPDATING);
        if (f->ph == PH_AWAIT_DL || f->ph == PH_DL || f->ph == PH_ENDED)
            return; /* no attempt opens: a download goes on as it was */
        open_attempt(f, ev);
    } else if (!f->reboot_in_attempt) {
        judge_seq_updating_inside(c, f);
    } else if (it->has_code && f->last_pct >= 0 && it->code < f->last_pct) {
        /* After a reboot, progress starts again lower: a retry whose START
         * was lost while the port came back. */
        judge_seq_updating_retry_lost(c, f, ev);
        open_attempt(f, ev);
    } else {
        /* After a reboot, progress goes on with no START. */
        judge_seq_updating_resumed(c, f, ev);
        f->reboot_in_attempt = 0;
    }
    int64_t gap = span(f->t_last_progress, ev->t_ns);
    if (gap != DFOTA_T_NONE && gap > f->s.durations.max_progress_gap)
        f->s.durations.max_progress_gap = gap;
    judge_time_progress(c, f, ev);
    f->t_last_progress = ev->t_ns;
    dfota_progress_order order = judge_progress_order(c, f, ev, it);
    if (order == DFOTA_PROGRESS_NONE)
        return;
    int pct = (int)it->code;
    if (pct > f->last_pct)
        f->last_pct = pct; /* the attempt's highest */
    c->tr->percent = pct;
    c->tr->last_percent = f->last_pct;
    c->tr->progress = order;
    if (pct == 100)
        f->reached100 = 1;
    if (pct > f->s.max_percent)
        f->s.max_percent = pct;
}

static void on_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    long code = it->has_code ? it->code : 0;
    judge_code_end(c, f, ev, it);
    judge_port_update_begins(c, f, ev);
    judge_seq_end(c, f, ev);
    judge_progress_end(c, f, ev, code);
    judge_retry_update_begins(c, f, ev, DFOTA_STAGE_END);
    if (f->ph == PH_DL_DONE || f->ph == PH_AWAIT_START)
        f->s.attempts++; /* an attempt whose START was lost */
    if (f->s.n_end_codes < DFOTA_FLOW_CODES_MAX)
        f->s.end_codes[f->s.n_end_codes++] = code;
    judge_time_end(c, f, ev, code);
    f->t_last_end = ev->t_ns;
    f->s.durations.start_to_end = span(f->t_first_start, ev->t_ns);
    f->awaiting_rdy = 1;
    f->reboot_in_attempt = 0;
    judge_retry_end(f, code);
    if (dfota_spec_code_retried(code)) {
        f->ph = PH_AWAIT_START;
        f->retry_code = code;
        f->t_ref_start = ev->t_ns;
    } else {
        f->ph = PH_ENDED;
        f->retry_code = 0;
    }
}

void judge_on_urc(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    flow *f = urc_owner(c, ev);
    judge_urc_syntax(c, f, ev, it);
    if (!f || it->kind == DFOTA_ITEM_BAD_URC)
        return;
    if (f->ph == PH_REJECTED)
        return; /* already judged by CMD-NO-URC-AFTER-ERROR */
    switch (it->stage) {
    case DFOTA_STAGE_FTPSTART: case DFOTA_STAGE_HTTPSTART: case DFOTA_STAGE_HTTPSSTART:
    case DFOTA_STAGE_FILESTART:
        on_download_start(c, f, ev, it->stage);
        break;
    case DFOTA_STAGE_FTPEND: case DFOTA_STAGE_HTTPEND: case DFOTA_STAGE_HTTPSEND:
    case DFOTA_STAGE_FILEEND:
        on_download_end(c, f, ev, it);
        break;
    case DFOTA_STAGE_START:
        on_start(c, f, ev);
        break;
    case DFOTA_STAGE_UPDATING:
        on_updating(c, f, ev, it);
        break;
    case DFOTA_STAGE_END:
        on_end(c, f, ev, it);
        break;
    case DFOTA_STAGE_RESTORE:
        f->t_last_progress = ev->t_ns;
        break;
    default:
        break; /* DOWNLOADING, RESUME, unknown: judged by their syntax only */
    }
}

/* ---- the cut ---------------------------------------------------------- */

/* What is still owed when a flow is cut, written once for both cuts: by a
 * new AT+QFOTADL the module took (the flow then ends, abandoned unless it
 * had done all it owed), or by the end of the log (INCOMPLETE, or FAIL
 * where the log proves it will not come). A download in progress is not
 * cut by a new command: its URCs still come. */
void judge_cut_flow(dfota_checker *c, flow *f, const flow_cut *cut)
{
    judge_seq_owed(c, f, cut);
    judge_retry_owed(c, f, cut);
    judge_time_owed(c, f, cut);
    if (cut->at_end)
        return;
    switch (f->ph) {
    case PH_UPDATING: case PH_DL_DONE: case PH_AWAIT_START:
        f->abandoned = !judge_retries_exhausted(f);
        f->ph = PH_ENDED;
        break;
    default:
        break;
    }
}
