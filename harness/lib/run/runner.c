/* runner.c - runs one scenario against a source.
 *
 * Every event goes to the catalogue checker (the same judge as dfota check)
 * and to the run's transcript; the scenario's steps are matched against the
 * events in order. A step's window becomes the source's deadline: a live
 * source times out when the module is late, a recording when its next
 * event is later than the deadline, so both are judged by one code path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/guide.h"
#include "dfota/run.h"
#include "dfota/log.h"

#define SEND_MAX 1024
/* A live run ends this long (module time) after its last step is settled,
 * so that what the module says next (RDY after END) still reaches the
 * checker; a recording simply ends. */
#define LIVE_TAIL_NS (10LL * 1000000000LL)
/* A live source is asked for events at most this far ahead (module time),
 * so that a stop request is seen soon whatever the step's window. */
#define LIVE_POLL_NS (1000000000LL)

typedef struct {
    const dfota_scenario *sc;
    dfota_source *src;
    const dfota_run_opts *o;
    dfota_scenario_result *res;
    dfota_checker *chk;
    char (*sends)[SEND_MAX];    /* each send step's line, variables expanded */
    size_t step;
    int stopped;                /* a step failed: the rest are not run */
    int64_t anchor;             /* when the previous step was settled */
    unsigned long out_line;     /* lines written to the run's transcript */
    int header_written;
    /* the answers: host commands not yet answered, and where ours is */
    unsigned pending;
    unsigned ours;              /* 1-based place of the send's command in pending, 0: none */
    int last_outcome_error;     /* the last expect step saw ERROR */
    int sent_arg_refused;       /* the last send was an AT+QFOTADL the guide refuses */
    char last_host[SEND_MAX];
    size_t last_host_len;
    unsigned long module_since_host;
    /* progress and reboot steps */
    int last_pct;
    int64_t t_last_progress;
    int port_lost;
    size_t sent_step;           /* live sources: 1 + the send step whose line went out */
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

static dfota_step_result *cur(run *r)
{
    return &r->res->steps[r->step];
}

static void describe(const dfota_step *st, const char *send, char *out, size_t cap)
{
    char esc[DFOTA_TEXT_MAX];
    size_t o = 0;
    out[0] = '\0';
#define ADD(...) do { int n_ = snprintf(out + o, cap - o, __VA_ARGS__); \
        if (n_ > 0) o = o + (size_t)n_ < cap ? o + (size_t)n_ : cap - 1; } while (0)
    ADD("%s", dfota_step_kind_name(st->kind));
    switch (st->kind) {
    case DFOTA_STEP_SEND:
        dfota_escape(send, strlen(send), esc, sizeof esc);
        ADD(" %s", esc);
        break;
    case DFOTA_STEP_EXPECT:
        ADD(" %s", st->outcomes == (DFOTA_OUTCOME_OK | DFOTA_OUTCOME_ERROR) ? "OK or ERROR"
                   : st->outcomes == DFOTA_OUTCOME_OK                       ? "OK"
                                                                             : "ERROR");
        break;
    case DFOTA_STEP_EXPECT_URC:
        ADD(" %s", dfota_stage_name(st->stage));
        for (size_t i = 0; i < st->n_codes; i++) {
            if (st->codes[i].lo == st->codes[i].hi)
                ADD("%s%ld", i ? "," : " code ", st->codes[i].lo);
            else
                ADD("%s%ld-%ld", i ? "," : " code ", st->codes[i].lo, st->codes[i].hi);
        }
        break;
    case DFOTA_STEP_EXPECT_PROGRESS:
        if (st->from >= 0)
            ADD(" from %d", st->from);
        ADD(" to %d", st->to >= 0 ? st->to : 100);
        if (st->max_gap_ns)
            ADD(" max_gap %.3gs", (double)st->max_gap_ns / 1e9);
        break;
    case DFOTA_STEP_EXPECT_SILENCE:
        ADD(" for %.3gs", (double)st->duration_ns / 1e9);
        break;
    case DFOTA_STEP_REBOOT:
        break;
    }
    if (st->after_ns)
        ADD(" after %.3gs", (double)st->after_ns / 1e9);
    if (st->within_ns)
        ADD(" within %.3gs", (double)st->within_ns / 1e9);
#undef ADD
}

DFOTA_PRINTF(4, 5)
static void settle(run *r, dfota_verdict v, const dfota_event *ev, const char *fmt, ...)
{
    dfota_step_result *sr = cur(r);
    sr->verdict = v;
    sr->event_line = ev ? ev->line : 0;
    sr->t_end_ns = ev ? ev->t_ns : DFOTA_T_NONE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sr->detail, sizeof sr->detail, fmt, ap);
    va_end(ap);
    if (v == DFOTA_V_FAIL)
        r->stopped = 1;
    if (v == DFOTA_V_PASS) {
        if (ev && ev->t_ns != DFOTA_T_NONE)
            r->anchor = ev->t_ns;
        r->step++;
        if (r->step < r->sc->n_steps) {
            cur(r)->t_start_ns = r->anchor;
            r->last_pct = -1;
            r->t_last_progress = r->anchor;
            r->port_lost = 0;
        }
    }
}

static const char *window_rule(const dfota_step *st)
{
    if (st->window == DFOTA_WIN_COUNT)
        return "TIME-WINDOW";
    return dfota_rule_get(dfota_window_rule(st->window))->id;
}

/* The harness read ev later than it came, by up to ev->late_ns, and so
 * cannot tell whether it came within the window: harness trouble, with the
 * figure, never the module's FAIL. The run stops here. */
static void harness_late(run *r, const dfota_event *ev, int64_t d, int64_t within)
{
    cur(r)->rule = window_rule(&r->sc->steps[r->step]);
    settle(r, DFOTA_V_INCOMPLETE, ev,
           "read after %.3fs, but the harness may have read it up to %.3fs after it came: "
           "not judged against %.3fs", (double)d / 1e9, (double)ev->late_ns / 1e9,
           (double)within / 1e9);
    r->stopped = 1;
    r->res->harness_error = 1;
    snprintf(r->res->error, sizeof r->res->error,
             "the harness was late: step %zu's event was read up to %.3f s (module time) after "
             "it came, and the window's %.3f s cannot be judged; nothing is charged to the "
             "module (is the machine overloaded, or the time scale too small?)",
             r->step + 1, (double)ev->late_ns / 1e9, (double)within / 1e9);
}

/* The step's window, judged when it is settled at ev. Returns 0 when it failed. */
static int window_ok(run *r, const dfota_event *ev)
{
    const dfota_step *st = &r->sc->steps[r->step];
    if (ev->t_ns == DFOTA_T_NONE || r->anchor == DFOTA_T_NONE)
        return 1;
    int64_t d = ev->t_ns - r->anchor;
    if (st->after_ns && d < st->after_ns) {
        cur(r)->rule = window_rule(st);
        settle(r, DFOTA_V_FAIL, ev, "came after %.3fs, not after %.3fs as the window says",
               (double)d / 1e9, (double)st->after_ns / 1e9);
        return 0;
    }
    if (st->within_ns && d > st->within_ns && d - ev->late_ns <= st->within_ns) {
        harness_late(r, ev, d, st->within_ns);
        return 0;
    }
    if (st->within_ns && d > st->within_ns) {
        cur(r)->rule = window_rule(st);
        settle(r, DFOTA_V_FAIL, ev, "came after %.3fs, not within %.3fs", (double)d / 1e9,
               (double)st->within_ns / 1e9);
        return 0;
    }
    return 1;
}

/* PASS, once the window holds. */
DFOTA_PRINTF(3, 4)
static void done(run *r, const dfota_event *ev, const char *fmt, ...)
{
    if (!window_ok(r, ev))
        return;
    dfota_step_result *sr = cur(r);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sr->detail, sizeof sr->detail, fmt, ap);
    va_end(ap);
    char keep[DFOTA_TEXT_MAX];
    memcpy(keep, sr->detail, sizeof keep);
    settle(r, DFOTA_V_PASS, ev, "%s", keep);
}

DFOTA_PRINTF(4, 5)
static void fail(run *r, const char *rule, const dfota_event *ev, const char *fmt, ...)
{
    char msg[DFOTA_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cur(r)->rule = rule;
    settle(r, DFOTA_V_FAIL, ev, "%s", msg);
}

/* ---- matching ----------------------------------------------------------- */

static int in_codes(const dfota_step *st, long code)
{
    for (size_t i = 0; i < st->n_codes; i++)
        if (code >= st->codes[i].lo && code <= st->codes[i].hi)
            return 1;
    return 0;
}

static int is_fota(const dfota_item *it)
{
    return it->kind == DFOTA_ITEM_URC || it->kind == DFOTA_ITEM_BAD_URC;
}

static int is_progress(dfota_stage st)
{
    return st == DFOTA_STAGE_UPDATING || st == DFOTA_STAGE_DOWNLOADING || st == DFOTA_STAGE_RESTORE;
}

static void shown(const dfota_event *ev, char *buf, size_t cap)
{
    dfota_escape(ev->data, ev->len, buf, cap);
}

/* Is ev the line want? A recording may hide secrets (TRANSCRIPT.md,
 * "Credentials"): then it is want with its secrets hidden the same way. */
static int same_line(const dfota_event *ev, const char *want)
{
    if (ev->len == strlen(want) && memcmp(ev->data, want, ev->len) == 0)
        return 1;
    if (!memchr(ev->data, '*', ev->len))
        return 0;
    char red[DFOTA_REDACT_MAX(SEND_MAX) + 1];
    size_t n;
    if (dfota_redact(want, strlen(want), red, sizeof red, &n) != DFOTA_OK)
        return 0;
    return ev->len == n && memcmp(ev->data, red, n) == 0;
}

static void match_send(run *r, const dfota_event *ev, const dfota_item *it)
{
    const char *want = r->sends[r->step];
    if (ev->dir != DFOTA_DIR_HOST)
        return;
    if (same_line(ev, want)) {
        r->ours = r->pending; /* this command was just counted */
        /* Judge the argument the scenario sends, not the recorded line: a
         * recording may hide a password behind *** and so its length. */
        dfota_item own;
        dfota_classify(want, strlen(want), DFOTA_DIR_HOST, &own);
        r->sent_arg_refused = 0;
        (void)it;
        if (own.kind == DFOTA_ITEM_FOTADL && own.form == DFOTA_FOTADL_WRITE) {
            dfota_arg_check a;
            dfota_spec_check_arg(own.arg, own.arg_len, &a);
            r->sent_arg_refused = a.cls != DFOTA_ARG_VALID;
        }
        done(r, ev, "sent");
        return;
    }
    if (it->kind == DFOTA_ITEM_FOTADL) {
        char b[DFOTA_TEXT_MAX];
        shown(ev, b, sizeof b);
        fail(r, "STEP-SEND", ev, "the host sent %s instead", b);
    }
}

static void match_final(run *r, const dfota_event *ev, const dfota_item *it, int ours)
{
    const dfota_step *st = &r->sc->steps[r->step];
    if (st->kind != DFOTA_STEP_EXPECT || !ours)
        return;
    int ok = it->kind == DFOTA_ITEM_OK;
    unsigned got = ok ? DFOTA_OUTCOME_OK : DFOTA_OUTCOME_ERROR;
    char b[DFOTA_TEXT_MAX];
    shown(ev, b, sizeof b);
    r->last_outcome_error = !ok;
    if (st->outcomes & got)
        done(r, ev, "%s", b);
    else
        fail(r, ok && r->sent_arg_refused ? "CMD-INVALID-ERROR" : "STEP-EXPECT", ev,
             "the module answered %s", b);
}

static void match_urc(run *r, const dfota_event *ev, const dfota_item *it)
{
    const dfota_step *st = &r->sc->steps[r->step];
    char b[DFOTA_TEXT_MAX];
    if (it->kind == DFOTA_ITEM_BAD_URC)
        return; /* the checker judges it; the stage it was is unknown */
    if (it->stage == st->stage) {
        if (st->n_codes && (!it->has_code || !in_codes(st, it->code))) {
            shown(ev, b, sizeof b);
            fail(r, "STEP-URC", ev, "the code is not one the scenario allows: %s", b);
        } else {
            shown(ev, b, sizeof b);
            done(r, ev, "%s", b);
        }
        return;
    }
    if (is_progress(it->stage))
        return;
    shown(ev, b, sizeof b);
    fail(r, "STEP-URC", ev, "%s came first", b);
}

static void match_progress(run *r, const dfota_event *ev, const dfota_item *it)
{
    const dfota_step *st = &r->sc->steps[r->step];
    char b[DFOTA_TEXT_MAX];
    if (it->kind == DFOTA_ITEM_BAD_URC || it->stage == DFOTA_STAGE_DOWNLOADING ||
        it->stage == DFOTA_STAGE_RESTORE)
        return;
    shown(ev, b, sizeof b);
    if (it->stage != DFOTA_STAGE_UPDATING) {
        fail(r, "STEP-PROGRESS", ev, "%s came before progress reached %d", b,
             st->to >= 0 ? st->to : 100);
        return;
    }
    if (!it->has_code)
        return; /* URC-SYNTAX judges it */
    int pct = (int)it->code;
    if (r->last_pct < 0 && st->from >= 0 && pct > st->from) {
        fail(r, "STEP-PROGRESS", ev, "progress started at %d, above %d", pct, st->from);
        return;
    }
    if (r->last_pct >= 0 && pct < r->last_pct) {
        fail(r, "PROGRESS-ORDER", ev, "%d after %d", pct, r->last_pct);
        return;
    }
    if (st->max_gap_ns && ev->t_ns != DFOTA_T_NONE && r->t_last_progress != DFOTA_T_NONE &&
        ev->t_ns - r->t_last_progress > st->max_gap_ns) {
        fail(r, "TIME-PROGRESS-GAP", ev, "%.3fs since the last progress, more than %.3fs",
             (double)(ev->t_ns - r->t_last_progress) / 1e9, (double)st->max_gap_ns / 1e9);
        return;
    }
    r->last_pct = pct;
    r->t_last_progress = ev->t_ns;
    if (pct >= (st->to >= 0 ? st->to : 100))
        done(r, ev, "progress reached %d", pct);
}

static void match_reboot(run *r, const dfota_event *ev, const dfota_item *it)
{
    char b[DFOTA_TEXT_MAX];
    dfota_harness_event hev = dfota_harness_event_of(ev);
    int lost = hev == DFOTA_HEV_PORT_LOST ||
               it->kind == DFOTA_ITEM_PORT_GONE;
    int back = hev == DFOTA_HEV_PORT_BACK ||
               it->kind == DFOTA_ITEM_PORT_BACK;
    /* A reboot judged by the rdy window ends when the module is ready
     * (RDY), not when its port is back: a host waits for it. */
    int want_rdy = r->sc->steps[r->step].window == DFOTA_WIN_RDY;
    if (lost)
        r->port_lost = 1;
    else if ((back && r->port_lost && !want_rdy) || it->kind == DFOTA_ITEM_RDY)
        done(r, ev, back ? "the port came back" : "RDY");
    else if (is_fota(it)) {
        shown(ev, b, sizeof b);
        fail(r, "STEP-REBOOT", ev, "%s before any reboot", b);
    }
}

static void match_silence(run *r, const dfota_event *ev, const dfota_item *it)
{
    if (!is_fota(it))
        return;
    char b[DFOTA_TEXT_MAX];
    shown(ev, b, sizeof b);
    fail(r, r->last_outcome_error ? "CMD-NO-URC-AFTER-ERROR" : "STEP-SILENCE", ev,
         "%s during the silence", b);
}

/* The expect_silence step holds when time has passed it (or, in a log
 * without timestamps, when the host moves on). */
static int silence_over(run *r, const dfota_event *ev)
{
    const dfota_step *st = &r->sc->steps[r->step];
    if (ev->t_ns != DFOTA_T_NONE && r->anchor != DFOTA_T_NONE)
        return ev->t_ns >= dfota_time_add(r->anchor, st->duration_ns);
    return ev->dir == DFOTA_DIR_HOST;
}

static void silence_held(run *r, int64_t at)
{
    dfota_event when = {.t_ns = at, .dir = DFOTA_DIR_HARNESS, .data = "", .line = 0};
    settle(r, DFOTA_V_PASS, &when, "no FOTA URC");
}

/* Counts host commands and their answers: a module answers in order. */
static int track_answers(run *r, const dfota_event *ev, const dfota_item *it)
{
    if (ev->dir == DFOTA_DIR_HOST && (it->kind == DFOTA_ITEM_FOTADL || it->kind == DFOTA_ITEM_COMMAND)) {
        r->pending++;
        return 0;
    }
    /* every final result code ends a command: SEND OK, CONNECT, BUSY ... too */
    if ((it->kind == DFOTA_ITEM_OK || it->kind == DFOTA_ITEM_ERROR || it->kind == DFOTA_ITEM_FINAL) &&
        r->pending > 0) {
        r->pending--;
        int ours = r->ours == 1;
        if (r->ours > 0)
            r->ours--;
        return ours;
    }
    return 0;
}

static void match(run *r, const dfota_event *ev)
{
    dfota_item it;
    dfota_classify(ev->data, ev->len, ev->dir, &it);
    if (ev->dir == DFOTA_DIR_HOST) {
        /* A capture with local echo shows a line twice; a recording that
         * knows who sent what (no guessed direction) shows two sends. */
        size_t n = ev->len < SEND_MAX ? ev->len : SEND_MAX;
        if ((ev->flags & DFOTA_EV_GUESSED_DIR) && r->module_since_host == 0 &&
            n == r->last_host_len && memcmp(ev->data, r->last_host, n) == 0)
            return;
        memcpy(r->last_host, ev->data, n);
        r->last_host_len = n;
        r->module_since_host = 0;
    } else if (ev->dir == DFOTA_DIR_MODULE)
        r->module_since_host++;
    int ours = track_answers(r, ev, &it);
    if (r->stopped || r->step >= r->sc->n_steps)
        return;
    const dfota_step *st = &r->sc->steps[r->step];
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE && silence_over(r, ev)) {
        silence_held(r, ev->t_ns != DFOTA_T_NONE ? dfota_time_add(r->anchor, st->duration_ns)
                                                 : DFOTA_T_NONE);
        if (r->step >= r->sc->n_steps)
            return;
        st = &r->sc->steps[r->step];
    }
    /* The port went away and the module speaks again with no "back" event
     * (a terminal that said its port vanished and reopened it silently):
     * the reboot is over, and this URC is for the next step. */
    if (st->kind == DFOTA_STEP_REBOOT && r->port_lost && is_fota(&it)) {
        done(r, ev, "the module speaks again after the port went away");
        if (r->stopped || r->step >= r->sc->n_steps)
            return;
        st = &r->sc->steps[r->step];
    }
    switch (st->kind) {
    case DFOTA_STEP_SEND: match_send(r, ev, &it); break;
    case DFOTA_STEP_EXPECT:
        if (it.kind == DFOTA_ITEM_OK || it.kind == DFOTA_ITEM_ERROR)
            match_final(r, ev, &it, ours);
        else if (dfota_harness_event_of(ev) == DFOTA_HEV_PORT_LOST)
            fail(r, "STEP-EXPECT", ev, "the module rebooted before it answered");
        break;
    case DFOTA_STEP_EXPECT_URC:
        if (is_fota(&it))
            match_urc(r, ev, &it);
        break;
    case DFOTA_STEP_EXPECT_PROGRESS:
        if (is_fota(&it))
            match_progress(r, ev, &it);
        break;
    case DFOTA_STEP_REBOOT: match_reboot(r, ev, &it); break;
    case DFOTA_STEP_EXPECT_SILENCE: match_silence(r, ev, &it); break;
    }
}

/* ---- the run ------------------------------------------------------------ */

/* The source's deadline for the current step: its window, the silence's
 * end, or the largest gap between progress URCs. */
static int64_t deadline(const run *r)
{
    if (r->stopped || r->step >= r->sc->n_steps || r->anchor == DFOTA_T_NONE)
        return DFOTA_T_NONE;
    const dfota_step *st = &r->sc->steps[r->step];
    int64_t d = DFOTA_T_NONE;
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE)
        return dfota_time_add(r->anchor, st->duration_ns); /* saturated: never wraps */
    if (st->within_ns)
        d = dfota_time_add(r->anchor, st->within_ns);
    if (st->kind == DFOTA_STEP_EXPECT_PROGRESS && st->max_gap_ns && r->t_last_progress != DFOTA_T_NONE) {
        int64_t g = dfota_time_add(r->t_last_progress, st->max_gap_ns);
        if (d == DFOTA_T_NONE || g < d)
            d = g;
    }
    return d;
}

/* A live source is sent the current send step's line, once. */
static dfota_err live_send(run *r, char *err, size_t errlen)
{
    if (r->stopped || r->step >= r->sc->n_steps || r->sent_step == r->step + 1 ||
        r->sc->steps[r->step].kind != DFOTA_STEP_SEND)
        return DFOTA_OK;
    r->sent_step = r->step + 1;
    const char *line = r->sends[r->step];
    return r->src->ops->send(r->src, line, strlen(line), err, errlen);
}

static void on_timeout(run *r, int64_t at)
{
    const dfota_step *st = &r->sc->steps[r->step];
    dfota_event when = {.t_ns = at, .dir = DFOTA_DIR_HARNESS, .data = "", .line = 0};
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE) {
        silence_held(r, at);
        return;
    }
    if (st->kind == DFOTA_STEP_EXPECT_PROGRESS && st->max_gap_ns &&
        (!st->within_ns || dfota_time_add(r->t_last_progress, st->max_gap_ns) <=
                               dfota_time_add(r->anchor, st->within_ns))) {
        fail(r, "TIME-PROGRESS-GAP", &when, "no progress for %.3fs", (double)st->max_gap_ns / 1e9);
        return;
    }
    fail(r, window_rule(st), &when, "nothing within %.3fs", (double)st->within_ns / 1e9);
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

/* Writes ev to the run's transcript with its secrets hidden, unless the
 * run keeps them; the checker and the steps still judge ev as it is. */
static dfota_err write_event(run *r, const dfota_event *ev)
{
    return dfota_transcript_write_shown(r->o->transcript_out, ev, r->o->keep_secrets);
}

/* Live runs are flushed event by event: a crash or a stop keeps all seen.
 * What the transcript got is kept in the result too, as it shows there,
 * for the reports: they are written from the result, never from the file. */
static void record(run *r, dfota_event *ev)
{
    write_header(r);
    if (r->o->transcript_out && write_event(r, ev) == DFOTA_OK) {
        ev->line = ++r->out_line;
        dfota_item it;
        dfota_classify(ev->data, ev->len, ev->dir, &it);
        dfota_scenario_result_add_line(r->res, ev, &it, r->o->keep_secrets);
        if (r->src->ops->live)
            (void)fflush(r->o->transcript_out);
    }
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
            dfota_err rc = dfota_scenario_expand(sc, r->o->vars, st->text, r->sends[i], SEND_MAX, e, sizeof e);
            if (rc != DFOTA_OK) {
                snprintf(res->error, sizeof res->error, "%.100s:%lu: %s",
                         sc->file ? sc->file : sc->name, st->line, e);
                return rc;
            }
        }
        describe(st, r->sends[i], sr->what, sizeof sr->what);
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
    r.anchor = DFOTA_T_NONE;
    r.last_pct = -1;
    r.t_last_progress = DFOTA_T_NONE;
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
        int64_t dl = deadline(&r);
        if (src->ops->live && (r.stopped || r.step >= sc->n_steps)) {
            /* everything is settled: listen a little longer, then stop */
            if (tail_end == DFOTA_T_NONE)
                tail_end = src->ops->now(src) + LIVE_TAIL_NS;
            dl = tail_end;
        }
        int64_t ask = dl;
        if (src->ops->live && opts->stop) {
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
            on_timeout(&r, dl);
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
            dfota_checker_free(r.chk);
            dfota_sink sink = {on_finding, NULL, res};
            r.chk = dfota_checker_new(&co, &sink);
            checker_port_set = 1;
            if (!r.chk) {
                snprintf(res->error, sizeof res->error, "out of memory");
                rc = DFOTA_E_NOMEM;
                res->harness_error = 1;
                goto out;
            }
        }
        record(&r, &ev);
        res->events++;
        if (ev.t_ns != DFOTA_T_NONE) {
            if (first == DFOTA_T_NONE)
                first = ev.t_ns;
            last = ev.t_ns;
            if (r.anchor == DFOTA_T_NONE && r.step == 0 && sc->n_steps > 0) {
                r.anchor = ev.t_ns; /* the first step's window counts from the first event */
                res->steps[0].t_start_ns = ev.t_ns;
            }
        }
        dfota_checker_feed(r.chk, &ev);
        match(&r, &ev);
    }
    write_header(&r);
    /* The log ended: a step still waiting is INCOMPLETE, except a silence. */
    if (!r.stopped && r.step < sc->n_steps) {
        if (sc->steps[r.step].kind == DFOTA_STEP_EXPECT_SILENCE && !res->harness_error &&
            !res->interrupted)
            silence_held(&r, DFOTA_T_NONE);
        if (r.step < sc->n_steps)
            settle(&r, DFOTA_V_INCOMPLETE, NULL,
                   res->interrupted ? "the run was interrupted first" : "the log ends first");
    }
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

#define IDENTIFY_AGAIN_NS (3LL * 1000000000LL)
#define IDENTIFY_LINES 4

/* After an answer: the commands asked again (a slow or booting module)
 * have answers still to come. They are read and dropped here, for at most
 * IDENTIFY_AGAIN_NS, so that none passes later for the answer to the next
 * command (a scenario's first, say). */
static int final_result(const dfota_item *it)
{
    return it->kind == DFOTA_ITEM_OK || it->kind == DFOTA_ITEM_ERROR || it->kind == DFOTA_ITEM_FINAL;
}

static void drain_answers(dfota_source *src, int owed, char *err, size_t errlen)
{
    int64_t end = src->ops->now(src) + IDENTIFY_AGAIN_NS;
    while (owed > 0) {
        dfota_event ev;
        int got = src->ops->next(src, end, &ev, err, errlen);
        if (got != 1)
            return;
        dfota_item it;
        dfota_classify(ev.data, ev.len, ev.dir, &it);
        if (ev.dir == DFOTA_DIR_MODULE && final_result(&it))
            owed--;
    }
}

/* Sends cmd until the module answers OK (asking again every few seconds,
 * until end on the source's clock) and keeps the first lines of the answer
 * (escaped). With any_final, any final result (ERROR too) is an answer,
 * lines or not; else ERROR means "not ready" and OK must follow lines.
 * The answers still owed to commands asked again are read before it
 * returns. Returns DFOTA_OK, DFOTA_E_TIMEOUT, or another error. */
static dfota_err ask_lines(dfota_source *src, const char *cmd, int64_t end, int any_final,
                           char lines[IDENTIFY_LINES][DFOTA_TEXT_MAX], size_t *n, char *err,
                           size_t errlen)
{
    int64_t again = DFOTA_T_NONE;
    int owed = 0; /* commands sent whose final result has not come */
    *n = 0;
    for (;;) {
        int64_t now = src->ops->now(src);
        if (now >= end)
            break;
        if (again == DFOTA_T_NONE || now >= again) {
            dfota_err rc = src->ops->send(src, cmd, strlen(cmd), err, errlen);
            if (rc != DFOTA_OK && rc != DFOTA_E_TIMEOUT)
                return rc;
            owed += rc == DFOTA_OK;
            again = now + IDENTIFY_AGAIN_NS;
            *n = 0;
        }
        dfota_event ev;
        int got = src->ops->next(src, again < end ? again : end, &ev, err, errlen);
        if (got == DFOTA_E_TIMEOUT)
            continue;
        if (got < 0)
            return (dfota_err)got;
        if (got == 0)
            break;
        if (ev.dir != DFOTA_DIR_MODULE)
            continue;
        dfota_item it;
        dfota_classify(ev.data, ev.len, ev.dir, &it);
        int final = final_result(&it);
        if (final && owed > 0)
            owed--;
        if (it.kind == DFOTA_ITEM_OTHER && ev.len > 0 && *n < IDENTIFY_LINES)
            dfota_escape(ev.data, ev.len, lines[(*n)++], DFOTA_TEXT_MAX);
        else if ((any_final && final) || (it.kind == DFOTA_ITEM_OK && *n > 0)) {
            drain_answers(src, owed, err, errlen);
            return DFOTA_OK;
        } else if (it.kind == DFOTA_ITEM_ERROR)
            *n = 0; /* not ready: ask again at the next turn */
    }
    snprintf(err, errlen, "no answer to %s", cmd);
    return DFOTA_E_TIMEOUT;
}

dfota_err dfota_source_probe(dfota_source *src, int64_t wait_ns, char *err, size_t errlen)
{
    char lines[IDENTIFY_LINES][DFOTA_TEXT_MAX];
    size_t n = 0;
    if (!src || !src->ops->live) {
        snprintf(err, errlen, "only a live module can be asked");
        return DFOTA_E_ARG;
    }
    return ask_lines(src, "AT", dfota_time_add(src->ops->now(src), wait_ns), 1, lines, &n, err, errlen);
}

dfota_err dfota_source_identify(dfota_source *src, int64_t wait_ns, dfota_identity *id, char *err,
                                size_t errlen)
{
    char lines[IDENTIFY_LINES][DFOTA_TEXT_MAX];
    size_t n = 0;
    if (!src || !id || !src->ops->live) {
        snprintf(err, errlen, "only a live module can be asked its firmware");
        return DFOTA_E_ARG;
    }
    memset(id, 0, sizeof *id);
    int64_t end = dfota_time_add(src->ops->now(src), wait_ns);
    /* ATI: "Quectel", "EG95", "Revision: EG95EFAR02A07M4G" */
    dfota_err rc = ask_lines(src, "ATI", end, 0, lines, &n, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(lines[i], "Revision: ", 10) == 0)
            snprintf(id->revision, sizeof id->revision, "%.95s", lines[i] + 10);
        else {
            size_t o = strlen(id->model);
            snprintf(id->model + o, sizeof id->model - o, "%s%s", o ? " " : "", lines[i]);
        }
    }
    /* AT+QGMR: the whole version, "EG95EFAR02A07M4G_01.002.01.002". A
     * late answer to an ATI asked twice (a booting module) may come first:
     * its lines are not the version. */
    char ati[IDENTIFY_LINES][DFOTA_TEXT_MAX];
    size_t n_ati = n;
    memcpy(ati, lines, sizeof ati);
    for (int tries = 0; tries < 3 && !id->firmware[0]; tries++) {
        rc = ask_lines(src, "AT+QGMR", end, 0, lines, &n, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        for (size_t i = 0; i < n && !id->firmware[0]; i++) {
            int seen = strncmp(lines[i], "Revision: ", 10) == 0;
            for (size_t k = 0; k < n_ati; k++)
                seen |= strcmp(lines[i], ati[k]) == 0;
            if (!seen)
                snprintf(id->firmware, sizeof id->firmware, "%.95s", lines[i]);
        }
    }
    return DFOTA_OK;
}

dfota_err dfota_source_file_size(dfota_source *src, const char *name, int64_t wait_ns,
                                 long long *size, char *err, size_t errlen)
{
    char cmd[DFOTA_LOCAL_NAME_MAX + 32], lines[IDENTIFY_LINES][DFOTA_TEXT_MAX];
    size_t n = 0, len = name ? strlen(name) : 0;
    *size = -1;
    if (!src || !src->ops->live || len == 0 || len > DFOTA_LOCAL_NAME_MAX) {
        snprintf(err, errlen, "only a live module can be asked for a file");
        return DFOTA_E_ARG;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < ' ' || name[i] == '"' || name[i] == 0x7f) {
            snprintf(err, errlen, "a file name with a quote or a control byte");
            return DFOTA_E_ARG;
        }
    snprintf(cmd, sizeof cmd, "AT+QFLST=\"UFS:%s\"", name);
    dfota_err rc = ask_lines(src, cmd, dfota_time_add(src->ops->now(src), wait_ns), 1, lines, &n, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    /* +QFLST: "UFS:<name>",<size> */
    for (size_t i = 0; i < n; i++) {
        const char *l = lines[i];
        if (strncmp(l, "+QFLST: \"UFS:", 13) != 0 || strncmp(l + 13, name, len) != 0 ||
            strncmp(l + 13 + len, "\",", 2) != 0)
            continue;
        const char *p = l + 15 + len;
        long long v = 0;
        if (*p < '0' || *p > '9')
            continue;
        for (; *p >= '0' && *p <= '9' && v < (1LL << 50); p++)
            v = v * 10 + (*p - '0');
        if (*p == '\0') {
            *size = v;
            return DFOTA_OK;
        }
    }
    snprintf(err, errlen, "the module lists no /data/ufs/%.150s (AT+QFLST)", name);
    return DFOTA_E_INPUT;
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
