/* SPDX-License-Identifier: MIT */
/* match.c - the step matcher: a scenario's steps, matched in order against
 * the events as the checker read them (dfota_transition, dfota/judge.h).
 *
 * It judges no rule of the catalogue again. The line's classification,
 * local echo, which command a final result answers and the order of the
 * progress all come from the checker. What is here is the scenario's own:
 * the line a send step sends, the outcome, stage and codes an expect step
 * allows, the bounds of a progress step and its max_gap, a reboot, a
 * silence, and every step's window. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dfota/guide.h"
#include "run/match.h"

/* ---- settling a step ---------------------------------------------------- */

static dfota_step_result *cur(dfota_matcher *m)
{
    return &m->res->steps[m->step];
}

void dfota_match_init(dfota_matcher *m, const dfota_scenario *sc, dfota_scenario_result *res,
                      dfota_send *sends)
{
    memset(m, 0, sizeof *m);
    m->sc = sc;
    m->res = res;
    m->sends = sends;
    m->anchor = DFOTA_T_NONE;
    m->t_last_progress = DFOTA_T_NONE;
}

void dfota_match_describe(const dfota_step *st, const char *send, char *out, size_t cap)
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
            ADD(" max_gap %.3gs", dfota_seconds(st->max_gap_ns));
        break;
    case DFOTA_STEP_EXPECT_SILENCE:
        ADD(" for %.3gs", dfota_seconds(st->duration_ns));
        break;
    case DFOTA_STEP_REBOOT:
        break;
    }
    if (st->after_ns)
        ADD(" after %.3gs", dfota_seconds(st->after_ns));
    if (st->within_ns)
        ADD(" within %.3gs", dfota_seconds(st->within_ns));
#undef ADD
}

DFOTA_PRINTF(4, 5)
static void settle(dfota_matcher *m, dfota_verdict v, const dfota_event *ev, const char *fmt, ...)
{
    dfota_step_result *sr = cur(m);
    sr->verdict = v;
    sr->event_line = ev ? ev->line : 0;
    sr->t_end_ns = ev ? ev->t_ns : DFOTA_T_NONE;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sr->detail, sizeof sr->detail, fmt, ap);
    va_end(ap);
    if (v == DFOTA_V_FAIL)
        m->stopped = 1;
    if (v == DFOTA_V_PASS) {
        if (ev && ev->t_ns != DFOTA_T_NONE) {
            m->anchor = ev->t_ns;
            m->anchor_late = ev->late_ns;
        }
        m->step++;
        if (m->step < m->sc->n_steps) {
            cur(m)->t_start_ns = m->anchor;
            m->progress_seen = 0;
            m->t_last_progress = m->anchor;
            m->port_lost = 0;
        }
    }
}

static const char *window_rule(const dfota_step *st)
{
    if (st->window == DFOTA_WIN_COUNT)
        return "TIME-WINDOW";
    return dfota_rule_get(dfota_window_rule(st->window))->id;
}

/* The harness read ev (or, anchor set, the event of the step before,
 * which the window counts from) later than it came, by up to that event's
 * late_ns, and so cannot tell whether the window held: harness trouble,
 * with the figure, never the module's FAIL. The run stops here. rule NULL:
 * the step's window rule. */
static void harness_late(dfota_matcher *m, const char *rule, const dfota_event *ev, int64_t d,
                         int64_t bound, int anchor)
{
    int64_t late = anchor ? m->anchor_late : ev->late_ns;
    cur(m)->rule = rule ? rule : window_rule(&m->sc->steps[m->step]);
    settle(m, DFOTA_V_INCOMPLETE, ev,
           "read after %.3fs, but the harness may have read %s up to %.3fs after it came: "
           "not judged against %.3fs", dfota_seconds(d),
           anchor ? "the step before's event" : "it", dfota_seconds(late), dfota_seconds(bound));
    m->stopped = 1;
    m->res->harness_error = 1;
    snprintf(m->res->error, sizeof m->res->error,
             "the harness was late: step %zu's event was read up to %.3f s (module time) after "
             "it came, and the window's %.3f s cannot be judged; nothing is charged to the "
             "module (is the machine overloaded, or the time scale too small?)",
             anchor ? m->step : m->step + 1, dfota_seconds(late), dfota_seconds(bound));
}

/* The step's window, judged when it is settled at ev. Returns 0 when it failed. */
static int window_ok(dfota_matcher *m, const dfota_event *ev)
{
    const dfota_step *st = &m->sc->steps[m->step];
    if (ev->t_ns == DFOTA_T_NONE || m->anchor == DFOTA_T_NONE)
        return 1;
    int64_t d = ev->t_ns - m->anchor;
    if (st->after_ns && d < st->after_ns) {
        if (d + m->anchor_late >= st->after_ns) { /* the gap may have been long enough */
            harness_late(m, NULL, ev, d, st->after_ns, 1);
            return 0;
        }
        cur(m)->rule = window_rule(st);
        settle(m, DFOTA_V_FAIL, ev, "came after %.3fs, not after %.3fs as the window says",
               dfota_seconds(d), dfota_seconds(st->after_ns));
        return 0;
    }
    if (st->within_ns && d > st->within_ns) {
        if (d - ev->late_ns <= st->within_ns) { /* it may have come in time */
            harness_late(m, NULL, ev, d, st->within_ns, 0);
            return 0;
        }
        cur(m)->rule = window_rule(st);
        settle(m, DFOTA_V_FAIL, ev, "came after %.3fs, not within %.3fs", dfota_seconds(d),
               dfota_seconds(st->within_ns));
        return 0;
    }
    return 1;
}

/* PASS, once the window holds. */
DFOTA_PRINTF(3, 4)
static void done(dfota_matcher *m, const dfota_event *ev, const char *fmt, ...)
{
    if (!window_ok(m, ev))
        return;
    dfota_step_result *sr = cur(m);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sr->detail, sizeof sr->detail, fmt, ap);
    va_end(ap);
    char keep[DFOTA_TEXT_MAX];
    memcpy(keep, sr->detail, sizeof keep);
    settle(m, DFOTA_V_PASS, ev, "%s", keep);
}

DFOTA_PRINTF(4, 5)
static void fail(dfota_matcher *m, const char *rule, const dfota_event *ev, const char *fmt, ...)
{
    char msg[DFOTA_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cur(m)->rule = rule;
    settle(m, DFOTA_V_FAIL, ev, "%s", msg);
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
    char red[DFOTA_REDACT_MAX(DFOTA_SEND_MAX) + 1];
    size_t n;
    if (dfota_redact(want, strlen(want), red, sizeof red, &n) != DFOTA_OK)
        return 0;
    return ev->len == n && memcmp(ev->data, red, n) == 0;
}

static void match_send(dfota_matcher *m, const dfota_event *ev, const dfota_transition *tr)
{
    const dfota_send *want = &m->sends[m->step];
    if (ev->dir != DFOTA_DIR_HOST)
        return;
    if (same_line(ev, want->line)) {
        /* The checker numbered the command; its answer carries the number. */
        m->our_command = tr->command;
        /* The argument the scenario sends is judged, not the recorded line:
         * a recording may hide a password behind *** and so its length. */
        m->sent_arg_refused = want->arg_refused;
        done(m, ev, "sent");
        return;
    }
    if (tr->item.kind == DFOTA_ITEM_FOTADL) {
        char b[DFOTA_TEXT_MAX];
        shown(ev, b, sizeof b);
        fail(m, "STEP-SEND", ev, "the host sent %s instead", b);
    }
}

static void match_final(dfota_matcher *m, const dfota_event *ev, const dfota_item *it)
{
    const dfota_step *st = &m->sc->steps[m->step];
    int ok = it->kind == DFOTA_ITEM_OK;
    unsigned got = ok ? DFOTA_OUTCOME_OK : DFOTA_OUTCOME_ERROR;
    char b[DFOTA_TEXT_MAX];
    shown(ev, b, sizeof b);
    m->last_outcome_error = !ok;
    if (st->outcomes & got)
        done(m, ev, "%s", b);
    else
        fail(m, ok && m->sent_arg_refused ? "CMD-INVALID-ERROR" : "STEP-EXPECT", ev,
             "the module answered %s", b);
}

static void match_urc(dfota_matcher *m, const dfota_event *ev, const dfota_item *it)
{
    const dfota_step *st = &m->sc->steps[m->step];
    char b[DFOTA_TEXT_MAX];
    if (it->kind == DFOTA_ITEM_BAD_URC)
        return; /* the checker judges it; the stage it was is unknown */
    if (it->stage == st->stage) {
        if (st->n_codes && (!it->has_code || !in_codes(st, it->code))) {
            shown(ev, b, sizeof b);
            fail(m, "STEP-URC", ev, "the code is not one the scenario allows: %s", b);
        } else {
            shown(ev, b, sizeof b);
            done(m, ev, "%s", b);
        }
        return;
    }
    if (is_progress(it->stage))
        return;
    shown(ev, b, sizeof b);
    fail(m, "STEP-URC", ev, "%s came first", b);
}

/* The step watches its own bounds (from, to) and its own max_gap: the
 * scenario's, which the checker does not know. The order of the
 * percentages is PROGRESS-ORDER, the checker's: the step only names it. */
static void match_progress(dfota_matcher *m, const dfota_event *ev, const dfota_transition *tr)
{
    const dfota_step *st = &m->sc->steps[m->step];
    const dfota_item *it = &tr->item;
    char b[DFOTA_TEXT_MAX];
    if (it->kind == DFOTA_ITEM_BAD_URC || it->stage == DFOTA_STAGE_DOWNLOADING ||
        it->stage == DFOTA_STAGE_RESTORE)
        return;
    shown(ev, b, sizeof b);
    if (it->stage != DFOTA_STAGE_UPDATING) {
        fail(m, "STEP-PROGRESS", ev, "%s came before progress reached %d", b,
             st->to >= 0 ? st->to : 100);
        return;
    }
    if (tr->progress == DFOTA_PROGRESS_NONE)
        return; /* no percentage to order: the checker judges the URC */
    int pct = tr->percent;
    if (!m->progress_seen && st->from >= 0 && pct > st->from) {
        fail(m, "STEP-PROGRESS", ev, "progress started at %d, above %d", pct, st->from);
        return;
    }
    if (tr->progress == DFOTA_PROGRESS_OUT_OF_ORDER) {
        fail(m, dfota_rule_get(DFOTA_R_PROGRESS_ORDER)->id, ev, "%d after %d", pct,
             tr->last_percent);
        return;
    }
    /* TIME-PROGRESS-GAP with the step's max_gap: the checker's window for
     * the rule is the whole run's (dfota_checker_opts), this one the step's. */
    if (st->max_gap_ns && ev->t_ns != DFOTA_T_NONE && m->t_last_progress != DFOTA_T_NONE &&
        ev->t_ns - m->t_last_progress > st->max_gap_ns) {
        fail(m, "TIME-PROGRESS-GAP", ev, "%.3fs since the last progress, more than %.3fs",
             dfota_seconds(ev->t_ns - m->t_last_progress), dfota_seconds(st->max_gap_ns));
        return;
    }
    m->progress_seen = 1;
    m->t_last_progress = ev->t_ns;
    if (pct >= (st->to >= 0 ? st->to : 100))
        done(m, ev, "progress reached %d", pct);
}

static void match_reboot(dfota_matcher *m, const dfota_event *ev, const dfota_transition *tr)
{
    const dfota_item *it = &tr->item;
    char b[DFOTA_TEXT_MAX];
    int lost = tr->harness == DFOTA_HEV_PORT_LOST || it->kind == DFOTA_ITEM_PORT_GONE;
    int back = tr->harness == DFOTA_HEV_PORT_BACK || it->kind == DFOTA_ITEM_PORT_BACK;
    /* A reboot judged by the rdy window ends when the module is ready
     * (RDY), not when its port is back: a host waits for it. */
    int want_rdy = m->sc->steps[m->step].window == DFOTA_WIN_RDY;
    if (lost)
        m->port_lost = 1;
    else if ((back && m->port_lost && !want_rdy) || it->kind == DFOTA_ITEM_RDY)
        done(m, ev, back ? "the port came back" : "RDY");
    else if (is_fota(it)) {
        shown(ev, b, sizeof b);
        fail(m, "STEP-REBOOT", ev, "%s before any reboot", b);
    }
}

static void match_silence(dfota_matcher *m, const dfota_event *ev, const dfota_item *it)
{
    if (!is_fota(it))
        return;
    const char *rule = m->last_outcome_error ? "CMD-NO-URC-AFTER-ERROR" : "STEP-SILENCE";
    const dfota_step *st = &m->sc->steps[m->step];
    /* The silence counts from the step before's event, which the harness
     * may have read late: its end may have been that much earlier, and a
     * URC that near the end may have come after it. */
    if (ev->t_ns != DFOTA_T_NONE && m->anchor != DFOTA_T_NONE &&
        ev->t_ns + m->anchor_late >= dfota_time_add(m->anchor, st->duration_ns)) {
        harness_late(m, rule, ev, ev->t_ns - m->anchor, st->duration_ns, 1);
        return;
    }
    char b[DFOTA_TEXT_MAX];
    shown(ev, b, sizeof b);
    fail(m, rule, ev, "%s during the silence", b);
}

/* The expect_silence step holds when time has passed it (or, in a log
 * without timestamps, when the host moves on). */
static int silence_over(const dfota_matcher *m, const dfota_event *ev)
{
    const dfota_step *st = &m->sc->steps[m->step];
    if (ev->t_ns != DFOTA_T_NONE && m->anchor != DFOTA_T_NONE)
        return ev->t_ns >= dfota_time_add(m->anchor, st->duration_ns);
    return ev->dir == DFOTA_DIR_HOST;
}

static void silence_held(dfota_matcher *m, int64_t at)
{
    /* its end is as uncertain as its start: the next step counts from it */
    dfota_event when = {.t_ns = at, .dir = DFOTA_DIR_HARNESS, .data = "", .line = 0,
                        .late_ns = m->anchor_late};
    settle(m, DFOTA_V_PASS, &when, "no FOTA URC");
}

static int over(const dfota_matcher *m)
{
    return m->stopped || m->step >= m->sc->n_steps;
}

void dfota_match_event(dfota_matcher *m, const dfota_event *ev, const dfota_transition *tr)
{
    const dfota_item *it = &tr->item;
    if (tr->echo || over(m))
        return; /* a terminal's local echo is no second send */
    const dfota_step *st = &m->sc->steps[m->step];
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE && silence_over(m, ev)) {
        silence_held(m, ev->t_ns != DFOTA_T_NONE ? dfota_time_add(m->anchor, st->duration_ns)
                                                 : DFOTA_T_NONE);
        if (m->step >= m->sc->n_steps)
            return;
        st = &m->sc->steps[m->step];
    }
    /* The port went away and the module speaks again with no "back" event
     * (a terminal that said its port vanished and reopened it silently):
     * the reboot is over, and this URC is for the next step. */
    if (st->kind == DFOTA_STEP_REBOOT && m->port_lost && is_fota(it)) {
        done(m, ev, "the module speaks again after the port went away");
        if (over(m))
            return;
        st = &m->sc->steps[m->step];
    }
    switch (st->kind) {
    case DFOTA_STEP_SEND: match_send(m, ev, tr); break;
    case DFOTA_STEP_EXPECT:
        /* only the answer to the scenario's own command counts */
        if ((it->kind == DFOTA_ITEM_OK || it->kind == DFOTA_ITEM_ERROR) && tr->answers &&
            tr->answers == m->our_command)
            match_final(m, ev, it);
        else if (tr->harness == DFOTA_HEV_PORT_LOST)
            fail(m, "STEP-EXPECT", ev, "the module rebooted before it answered");
        break;
    case DFOTA_STEP_EXPECT_URC:
        if (is_fota(it))
            match_urc(m, ev, it);
        break;
    case DFOTA_STEP_EXPECT_PROGRESS:
        if (is_fota(it))
            match_progress(m, ev, tr);
        break;
    case DFOTA_STEP_REBOOT: match_reboot(m, ev, tr); break;
    case DFOTA_STEP_EXPECT_SILENCE: match_silence(m, ev, it); break;
    }
}

/* ---- time ---------------------------------------------------------------- */

int64_t dfota_match_deadline(const dfota_matcher *m)
{
    if (over(m) || m->anchor == DFOTA_T_NONE)
        return DFOTA_T_NONE;
    const dfota_step *st = &m->sc->steps[m->step];
    int64_t d = DFOTA_T_NONE;
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE)
        return dfota_time_add(m->anchor, st->duration_ns); /* saturated: never wraps */
    if (st->within_ns)
        d = dfota_time_add(m->anchor, st->within_ns);
    if (st->kind == DFOTA_STEP_EXPECT_PROGRESS && st->max_gap_ns && m->t_last_progress != DFOTA_T_NONE) {
        int64_t g = dfota_time_add(m->t_last_progress, st->max_gap_ns);
        if (d == DFOTA_T_NONE || g < d)
            d = g;
    }
    return d;
}

void dfota_match_timeout(dfota_matcher *m, int64_t at)
{
    const dfota_step *st = &m->sc->steps[m->step];
    dfota_event when = {.t_ns = at, .dir = DFOTA_DIR_HARNESS, .data = "", .line = 0};
    if (st->kind == DFOTA_STEP_EXPECT_SILENCE) {
        silence_held(m, at);
        return;
    }
    if (st->kind == DFOTA_STEP_EXPECT_PROGRESS && st->max_gap_ns &&
        (!st->within_ns || dfota_time_add(m->t_last_progress, st->max_gap_ns) <=
                               dfota_time_add(m->anchor, st->within_ns))) {
        fail(m, "TIME-PROGRESS-GAP", &when, "no progress for %.3fs", dfota_seconds(st->max_gap_ns));
        return;
    }
    fail(m, window_rule(st), &when, "nothing within %.3fs", dfota_seconds(st->within_ns));
}

void dfota_match_end(dfota_matcher *m, int silence_may_hold, int interrupted)
{
    if (over(m))
        return;
    if (m->sc->steps[m->step].kind == DFOTA_STEP_EXPECT_SILENCE && silence_may_hold)
        silence_held(m, DFOTA_T_NONE);
    if (m->step < m->sc->n_steps)
        settle(m, DFOTA_V_INCOMPLETE, NULL,
               interrupted ? "the run was interrupted first" : "the log ends first");
}
