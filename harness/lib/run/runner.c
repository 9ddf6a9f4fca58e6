/* SPDX-License-Identifier: MIT */
/* runner.c - runs one scenario against a source.
 *
 * Every event goes to the catalogue checker (the same judge as dfota check)
 * and to the run's transcript; the step matcher (match.c) matches the
 * scenario's steps against the events in order, as the checker read them.
 * A step's window becomes the source's deadline: a live source times out
 * when the module is late, a recording when its next event is later than
 * the deadline, so both are judged by one code path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/guide.h"
#include "dfota/run.h"
#include "dfota/log.h"
#include "run/match.h"

/* A live run ends this long (module time) after its last step is settled,
 * so that what the module says next (RDY after END) still reaches the
 * checker; a recording simply ends. */
#define LIVE_TAIL_NS (10 * DFOTA_NS_PER_S)
/* A live source is asked for events at most this far ahead (module time),
 * so that a stop request is seen soon whatever the step's window. */
#define LIVE_POLL_NS (DFOTA_NS_PER_S)

typedef struct {
    const dfota_scenario *sc;
    dfota_source *src;
    const dfota_run_opts *o;
    dfota_scenario_result *res;
    dfota_checker *chk;
    dfota_matcher m;            /* the steps */
    dfota_send *sends;          /* each send step's line, variables expanded */
    unsigned long out_line;     /* lines written to the run's transcript */
    int header_written;
    size_t sent_step;           /* live sources: 1 + the send step whose line went out */
    size_t told_step;           /* 1 + the step last told as started (opts->progress) */
    size_t told_settled;        /* the steps told as settled */
} run;

/* ---- results ---------------------------------------------------------- */

static void on_finding(void *ctx, const dfota_finding *f)
{
    dfota_scenario_result *res = ctx;
    if (f->level == DFOTA_L_NOTE)
        return;
    if (res->n_findings < DFOTA_RUN_FINDINGS_MAX)
        res->findings[res->n_findings++] = *f;
    else
        res->n_findings_dropped++;
}

/* ---- the run ------------------------------------------------------------ */

/* ---- telling (opts->progress): never changes what is judged or written */

static void tell_init(const run *r, dfota_run_progress *p, dfota_run_tell t, int64_t now)
{
    memset(p, 0, sizeof *p);
    p->tell = t;
    p->sc = r->sc;
    p->live = r->src->ops->live != 0;
    p->step = r->m.stopped ? r->sc->n_steps : r->m.step;
    p->now_ns = now;
    p->deadline_ns = r->m.stopped ? DFOTA_T_NONE : dfota_match_deadline(&r->m);
    p->t_start_ns = p->t_end_ns = DFOTA_T_NONE;
    p->percent = -1;
}

static void tell_step(const run *r, dfota_run_progress *p, size_t i)
{
    const dfota_step_result *sr = &r->res->steps[i];
    p->step = i;
    snprintf(p->what, sizeof p->what, "%s", sr->what);
    snprintf(p->detail, sizeof p->detail, "%s", sr->detail);
    if (!r->o->keep_secrets) {
        (void)dfota_redact_field(p->what, sizeof p->what);
        (void)dfota_redact_field(p->detail, sizeof p->detail);
    }
    p->verdict = sr->verdict;
    p->t_start_ns = sr->t_start_ns;
    p->t_end_ns = sr->t_end_ns;
    r->o->progress(r->o->progress_ctx, p);
}

/* Tells the steps settled since the last call, then the one now matched. */
static void tell_steps(run *r, int64_t now, int ended)
{
    if (!r->o->progress || !r->res->steps)
        return;
    size_t n = r->sc->n_steps;
    dfota_run_progress p;
    while (r->told_settled < n &&
           (r->told_settled < r->m.step ||
            ((r->m.stopped || ended) && r->res->steps[r->told_settled].verdict != DFOTA_V_NA))) {
        tell_init(r, &p, DFOTA_RUN_TELL_SETTLED, now);
        tell_step(r, &p, r->told_settled++);
    }
    if (!ended && !r->m.stopped && r->m.step < n && r->told_step != r->m.step + 1) {
        r->told_step = r->m.step + 1;
        tell_init(r, &p, DFOTA_RUN_TELL_STEP, now);
        tell_step(r, &p, r->m.step);
    }
}

static void tell_wait(const run *r, int64_t now)
{
    if (!r->o->progress)
        return;
    dfota_run_progress p;
    tell_init(r, &p, DFOTA_RUN_TELL_WAIT, now);
    r->o->progress(r->o->progress_ctx, &p);
}

/* ev as the transcript shows it (shown when it was recorded), with the
 * checker's reading tr. */
static void tell_event(const run *r, const dfota_event *ev, const dfota_event *shown,
                       const dfota_transition *tr)
{
    if (!r->o->progress)
        return;
    char small[4096], *heap = NULL;
    dfota_event own;
    if (!shown) {
        if (dfota_transcript_shown(ev, r->o->keep_secrets, small, sizeof small, &heap, &own) !=
            DFOTA_OK)
            return;
        shown = &own;
    }
    dfota_run_progress p;
    tell_init(r, &p, DFOTA_RUN_TELL_EVENT, ev->t_ns);
    p.ev = shown;
    p.urc = tr->item.kind == DFOTA_ITEM_URC;
    p.percent = tr->progress != DFOTA_PROGRESS_NONE ? tr->percent : -1;
    p.harness = tr->harness;
    r->o->progress(r->o->progress_ctx, &p);
    free(heap);
}

/* A live source is sent the current send step's line, once. */
static dfota_err live_send(run *r, char *err, size_t errlen)
{
    const dfota_matcher *m = &r->m;
    if (m->stopped || m->step >= r->sc->n_steps || r->sent_step == m->step + 1 ||
        r->sc->steps[m->step].kind != DFOTA_STEP_SEND)
        return DFOTA_OK;
    r->sent_step = m->step + 1;
    const char *line = r->sends[m->step].line;
    return r->src->ops->send(r->src, line, strlen(line), err, errlen);
}

static void write_header(run *r)
{
    if (!r->o->transcript_out || r->header_written)
        return;
    const char *kv[22];
    size_t n = 0;
    kv[n++] = "scenario";
    kv[n++] = r->sc->name;
    kv[n++] = "source";
    kv[n++] = r->res->source;
    const char *port = r->src->ops->meta(r->src, "port");
    if (port) {
        kv[n++] = "port";
        kv[n++] = port;
    }
    const char *module = r->src->ops->meta(r->src, "module");
    if (module) {
        kv[n++] = "module";
        kv[n++] = module;
    }
    kv[n++] = "redacted";
    kv[n++] = r->o->keep_secrets ? "none" : "credentials";
    if (r->o->provenance)
        n += 2 * dfota_provenance_pairs(r->o->provenance, kv + n);
    if (dfota_transcript_write_header(r->o->transcript_out, kv, n / 2) == DFOTA_OK)
        r->out_line = 1 + n / 2;
    r->header_written = 1;
}

/* Writes ev to the run's transcript as it shows there, its secrets hidden
 * unless the run keeps them (the checker and the steps still judge ev as it
 * is), made once into *shown (dfota_transcript_shown: the caller frees
 * *heap) for the result to keep too once the checker has classified it.
 * 1 when the transcript got the event (ev->line is then its line there).
 * Live runs are flushed event by event: a crash or a stop keeps all seen. */
static int record(run *r, dfota_event *ev, char *small, size_t cap, char **heap,
                  dfota_event *shown)
{
    *heap = NULL;
    write_header(r);
    if (!r->o->transcript_out ||
        dfota_transcript_shown(ev, r->o->keep_secrets, small, cap, heap, shown) != DFOTA_OK)
        return 0;
    if (dfota_transcript_write_event(r->o->transcript_out, shown) != DFOTA_OK)
        return 0;
    ev->line = shown->line = ++r->out_line;
    if (r->src->ops->live)
        (void)fflush(r->o->transcript_out);
    return 1;
}

/* The scenario's own line, read once: is it an AT+QFOTADL whose argument
 * the guide refuses? (An OK to it fails CMD-INVALID-ERROR.) */
static int arg_refused(const char *line)
{
    dfota_item own;
    dfota_classify(line, strlen(line), DFOTA_DIR_HOST, &own);
    if (own.kind != DFOTA_ITEM_FOTADL || own.form != DFOTA_FOTADL_WRITE)
        return 0;
    dfota_arg_check a;
    dfota_spec_check_arg(own.arg, own.arg_len, &a);
    return a.cls != DFOTA_ARG_VALID;
}

static dfota_err setup(run *r)
{
    dfota_scenario_result *res = r->res;
    const dfota_scenario *sc = r->sc;
    res->steps = calloc(sc->n_steps ? sc->n_steps : 1, sizeof *res->steps);
    r->sends = calloc(sc->n_steps ? sc->n_steps : 1, sizeof *r->sends);
    if (!res->steps || !r->sends) {
        snprintf(res->error, sizeof res->error, "out of memory");
        return DFOTA_E_NOMEM;
    }
    dfota_match_init(&r->m, sc, res, r->sends);
    for (size_t i = 0; i < sc->n_steps; i++) {
        const dfota_step *st = &sc->steps[i];
        dfota_step_result *sr = &res->steps[i];
        sr->index = i;
        sr->kind = st->kind;
        sr->line = st->line;
        sr->within_ns = st->within_ns;
        sr->after_ns = st->after_ns;
        sr->t_start_ns = sr->t_end_ns = DFOTA_T_NONE;
        if (st->kind == DFOTA_STEP_SEND) {
            char e[200];
            dfota_send *snd = &r->sends[i];
            dfota_err rc = dfota_scenario_expand(sc, r->o->vars, st->text, snd->line,
                                                 sizeof snd->line, e, sizeof e);
            if (rc != DFOTA_OK) {
                snprintf(res->error, sizeof res->error, "%.100s:%lu: %s",
                         sc->file ? sc->file : sc->name, st->line, e);
                return rc;
            }
            snd->arg_refused = arg_refused(snd->line);
        }
        dfota_match_describe(st, r->sends[i].line, sr->what, sizeof sr->what);
    }
    dfota_checker_opts co;
    dfota_checker_opts_init(&co);
    co.profile = r->o->profile;
    dfota_sink sink = {on_finding, NULL, res};
    r->chk = dfota_checker_new(&co, &sink);
    if (!r->chk) {
        snprintf(res->error, sizeof res->error, "out of memory");
        return DFOTA_E_NOMEM;
    }
    return DFOTA_OK;
}

/* A failed step names a rule of the catalogue (a TIME-* window, a STEP-*,
 * CMD-INVALID-ERROR ...). The rules over the run say so too, with a finding
 * at the step's line, so that every output that shows rules (the JSON's
 * "rules", the HTML verdict table, the counts) shows the failure it caused. */
static void merge_step_rules(dfota_scenario_result *res, size_t n_steps)
{
    dfota_checker_result *rr = &res->rules;
    for (size_t i = 0; res->steps && i < n_steps; i++) {
        const dfota_step_result *st = &res->steps[i];
        dfota_rule r = st->verdict == DFOTA_V_FAIL && st->rule ? dfota_rule_find(st->rule)
                                                               : DFOTA_RULE_COUNT;
        if (r == DFOTA_RULE_COUNT)
            continue;
        rr->rule[r] = DFOTA_V_FAIL;
        rr->verdict = DFOTA_V_FAIL;
        rr->count[DFOTA_L_FAIL]++;
        if (!rr->rule_reason[r][0])
            snprintf(rr->rule_reason[r], sizeof rr->rule_reason[r], "step %zu %.80s; %.100s",
                     i + 1, st->what, st->detail);
        if (res->n_findings >= DFOTA_RUN_FINDINGS_MAX) {
            res->n_findings_dropped++;
            continue;
        }
        dfota_finding *f = &res->findings[res->n_findings++];
        memset(f, 0, sizeof *f);
        f->rule = r;
        f->level = DFOTA_L_FAIL;
        f->line = st->event_line;
        f->t_ns = st->t_end_ns;
        snprintf(f->expected, sizeof f->expected, "step %zu %.200s", i + 1, st->what);
        snprintf(f->seen, sizeof f->seen, "%s", st->detail);
    }
}

static dfota_verdict final_verdict(const dfota_scenario_result *res, size_t n_steps)
{
    dfota_verdict v = res->rules.verdict == DFOTA_V_FAIL ? DFOTA_V_FAIL
                      : res->rules.verdict == DFOTA_V_INCOMPLETE ? DFOTA_V_INCOMPLETE
                                                                 : DFOTA_V_PASS;
    for (size_t i = 0; i < n_steps; i++) {
        if (res->steps[i].verdict == DFOTA_V_FAIL)
            return DFOTA_V_FAIL;
        if (res->steps[i].verdict == DFOTA_V_INCOMPLETE)
            v = v == DFOTA_V_FAIL ? v : DFOTA_V_INCOMPLETE;
    }
    return v;
}

dfota_err dfota_run_scenario(const dfota_scenario *sc, dfota_source *src, const dfota_run_opts *opts,
                             dfota_scenario_result *res)
{
    run r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.src = src;
    r.o = opts;
    r.res = res;
    res->scenario = sc;
    res->verdict = DFOTA_V_NA;
    dfota_err rc = setup(&r);
    if (rc != DFOTA_OK) {
        res->harness_error = 1;
        goto out;
    }
    int64_t first = DFOTA_T_NONE, last = DFOTA_T_NONE;
    int checker_port_set = 0;
    int64_t tail_end = DFOTA_T_NONE;
    tell_steps(&r, src->ops->live ? src->ops->now(src) : DFOTA_T_NONE, 0);
    for (;;) {
        dfota_event ev;
        char err[DFOTA_ERRBUF] = "";
        if (src->ops->live && live_send(&r, err, sizeof err) != DFOTA_OK) {
            snprintf(res->error, sizeof res->error, "%s", err);
            res->harness_error = 1;
            rc = DFOTA_E_IO;
            break;
        }
        if (opts->stop && *opts->stop) {
            res->interrupted = 1;
            break;
        }
        int64_t dl = dfota_match_deadline(&r.m);
        if (src->ops->live && (r.m.stopped || r.m.step >= sc->n_steps)) {
            /* everything is settled: listen a little longer, then stop */
            if (tail_end == DFOTA_T_NONE)
                tail_end = src->ops->now(src) + LIVE_TAIL_NS;
            dl = tail_end;
        }
        int64_t ask = dl;
        if (src->ops->live)
            tell_wait(&r, src->ops->now(src));
        if (src->ops->live && (opts->stop || opts->progress)) {
            int64_t soon = src->ops->now(src) + LIVE_POLL_NS;
            if (ask == DFOTA_T_NONE || soon < ask)
                ask = soon;
        }
        int got = src->ops->next(src, ask, &ev, err, sizeof err);
        if (got == DFOTA_E_TIMEOUT && ask != dl)
            continue; /* only the poll's own limit: look at stop, then go on */
        if (got == DFOTA_E_TIMEOUT) {
            if (dl == tail_end && tail_end != DFOTA_T_NONE)
                break;
            if (dl == DFOTA_T_NONE)
                continue;
            dfota_match_timeout(&r.m, dl);
            tell_steps(&r, dl, 0);
            continue;
        }
        if (got < 0) {
            snprintf(res->error, sizeof res->error, "%s", err);
            res->harness_error = 1;
            rc = (dfota_err)got;
            break;
        }
        if (got == 0)
            break;
        if (!checker_port_set) {
            /* PORT-REBOOT applies on a USB port, which the header names. */
            dfota_checker_opts co;
            dfota_checker_opts_init(&co);
            co.profile = opts->profile;
            co.usb_port = dfota_port_is_usb(src->ops->meta(src, "port"));
            dfota_sink sink = {on_finding, NULL, res};
            if (r.chk) /* nothing fed yet: the same checker, made anew */
                dfota_checker_reset(r.chk, &co, &sink);
            else
                r.chk = dfota_checker_new(&co, &sink);
            checker_port_set = 1;
            if (!r.chk) {
                snprintf(res->error, sizeof res->error, "out of memory");
                rc = DFOTA_E_NOMEM;
                res->harness_error = 1;
                goto out;
            }
        }
        char small[4096], *heap;
        dfota_event shown;
        int recorded = record(&r, &ev, small, sizeof small, &heap, &shown);
        res->events++;
        if (ev.t_ns != DFOTA_T_NONE) {
            if (first == DFOTA_T_NONE)
                first = ev.t_ns;
            last = ev.t_ns;
            if (r.m.anchor == DFOTA_T_NONE && r.m.step == 0 && sc->n_steps > 0) {
                r.m.anchor = ev.t_ns; /* the first step's window counts from the first event */
                r.m.anchor_late = ev.late_ns;
                res->steps[0].t_start_ns = ev.t_ns;
            }
        }
        dfota_transition tr; /* the event, classified once, by the checker */
        dfota_checker_feed_ex(r.chk, &ev, &tr);
        if (recorded) /* what the transcript got, as it shows there, for the reports */
            dfota_scenario_result_add_line(res, &shown, &tr.item, 1);
        tell_event(&r, &ev, recorded ? &shown : NULL, &tr);
        free(heap);
        dfota_match_event(&r.m, &ev, &tr);
        tell_steps(&r, ev.t_ns, 0);
    }
    write_header(&r);
    /* The log ended: a step still waiting is INCOMPLETE, except a silence. */
    dfota_match_end(&r.m, !res->harness_error && !res->interrupted, res->interrupted);
    tell_steps(&r, src->ops->live ? src->ops->now(src) : last, 1);
    if (opts->transcript_out && res->interrupted)
        (void)fputs("# interrupted: the run was stopped here\n", opts->transcript_out);
    dfota_checker_finish(r.chk);
    res->rules = *dfota_checker_result_get(r.chk);
    merge_step_rules(res, sc->n_steps);
    res->duration_ns = first == DFOTA_T_NONE ? 0 : last - first;
    res->module_ns = src->ops->live ? src->ops->now(src) : res->duration_ns;
out:
    dfota_checker_free(r.chk);
    free(r.sends);
    if (res->steps)
        res->verdict = final_verdict(res, sc->n_steps);
    if (!opts->keep_secrets)
        dfota_scenario_result_redact(res); /* judged: from here on it is only shown */
    if (res->harness_error && rc == DFOTA_OK)
        rc = DFOTA_E_INPUT;
    return rc;
}

void dfota_scenario_result_redact(dfota_scenario_result *res)
{
    /* A field cut to fit after redaction ends in "..." and shows no secret:
     * dfota_redact_field's result needs no answer here. */
    (void)dfota_redact_field(res->source, sizeof res->source);
    (void)dfota_redact_field(res->error, sizeof res->error);
    size_t n_steps = res->scenario && res->steps ? res->scenario->n_steps : 0;
    for (size_t i = 0; i < n_steps; i++) {
        (void)dfota_redact_field(res->steps[i].what, sizeof res->steps[i].what);
        (void)dfota_redact_field(res->steps[i].detail, sizeof res->steps[i].detail);
    }
    for (size_t i = 0; i < res->n_findings && i < DFOTA_RUN_FINDINGS_MAX; i++) {
        (void)dfota_redact_field(res->findings[i].expected, sizeof res->findings[i].expected);
        (void)dfota_redact_field(res->findings[i].seen, sizeof res->findings[i].seen);
    }
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        (void)dfota_redact_field(res->rules.rule_reason[r], sizeof res->rules.rule_reason[r]);
}

void dfota_scenario_result_clear(dfota_scenario_result *res)
{
    dfota_scenario_result_clear_timeline(res);
    free(res->steps);
    memset(res, 0, sizeof *res);
}
