/* checker.c - the one judge. A state machine fed one event at a time: it
 * keeps at most a few flows (one AT+QFOTADL command and what followed it)
 * and never the log, so its memory does not grow with the input.
 *
 * Each rule below names its ID and the guide's section (RULES.md). A rule
 * is judged where its evidence arrives: PASS or FAIL as soon as it can be
 * decided, INCOMPLETE for what is still open when the log ends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/judge.h"
#include "dfota/log.h"
#include "base/text.h"

#define PENDING_MAX 8      /* commands sent and not answered yet */
#define SLOTS (PENDING_MAX + 3)
#define CMD_KEEP 300       /* bytes of a command kept to recognise its echo */
#define BAD_URC_TOLERATED 2 /* FIELD-QUIRKS: one host ignores up to two malformed lines */
#define HOST_REOPEN_NS (10 * 1000000000LL) /* the host windows' time to reopen the port */
/* How long an answer is owed when no final-result window is set: the wait
 * real host code gives a command's OK (FIELD-QUIRKS, "How hosts time it").
 * A host that sends its next command later has given up on the answer, and
 * so does the checker; one that types ahead sends within milliseconds. */
#define ANSWER_OWED_NS (3 * 1000000000LL)

typedef enum {
    PH_CMD = 0,      /* waiting for the final result */
    PH_ANSWERED,     /* test/read form answered */
    PH_REJECTED,     /* ERROR */
    PH_AWAIT_DL,     /* OK, FTP/HTTP: the download start comes next */
    PH_DL,           /* between FTPSTART and FTPEND */
    PH_DL_DONE,      /* download ended with 0: reboot, then START */
    PH_DL_FAILED,    /* download ended with another code */
    PH_AWAIT_START,  /* local file OK'd, or a retried END: START comes next */
    PH_UPDATING,     /* an attempt is open (START seen or implied) */
    PH_ENDED,        /* END with a code the guide does not retry */
    PH_UNKNOWN       /* inferred from a URC: what came before is unknown */
} phase;

typedef struct {
    int used;
    phase ph;
    dfota_fotadl_form form;
    dfota_arg_check arg;
    char raw[CMD_KEEP];
    size_t raw_len;
    int final_seen;
    int abandoned;
    long retry_code;          /* END code whose retry is awaited, 0 for none */
    unsigned n505;            /* consecutive retries after 505 */
    int last_pct;             /* highest percent of the attempt, -1 before any */
    int reached100;
    int reboot_in_attempt;    /* a reboot since the attempt's START */
    int port_lost, port_back; /* since the download ended */
    int dlfail_reported;
    int queued;               /* waiting in the pending queue for its final result */
    int urc_after_error;      /* rejected, and FOTA URCs came all the same */
    int watch_error;          /* rejected: judging CMD-NO-URC-AFTER-ERROR */
    int awaiting_rdy;
    int supersedes;           /* sent while another upgrade was running */
    int booted;               /* rebooted while START was awaited (cleared by START) */
    unsigned long answered_line; /* after that reboot the module answered the AT+QFOTADL of
                                  * this line: it is back in normal mode (0: not seen) */
    int64_t t_cmd, t_dl_start, t_dl_end, t_ref_start, t_last_progress, t_first_start;
    int64_t t_last_end, t_port_lost;
    dfota_flow_summary s;     /* last: its findings array is not cleared, only counted */
} flow;

struct dfota_checker {
    dfota_checker_opts o;
    dfota_sink sink;
    dfota_checker_result res;
    flow slot[SLOTS];
    flow *cur;                /* the latest AT+QFOTADL command */
    flow *up;                 /* the upgrade being followed */
    /* Commands sent and not yet answered, oldest first: a module answers in
     * order, so each final result belongs to the oldest. NULL stands for a
     * command other than AT+QFOTADL. */
    flow *pending[PENDING_MAX];
    int64_t pending_t[PENDING_MAX]; /* when each was sent */
    unsigned long pending_line[PENDING_MAX];
    unsigned p_head, p_len;
    flow *last_answered;      /* the flow that got the last final result */
    unsigned long module_since_host; /* module lines since the last command, echoes and finals aside */
    unsigned long module_since_final;
    char last_host[CMD_KEEP]; /* the previous command line, to recognise its echo */
    size_t last_host_len;
    int echo_due;             /* that line was typed into a terminal (direction guessed) and
                               * its echo may still come: until its final result */
    int prompt_data;          /* a command prompted for data: host lines are its data */
    unsigned long prompt_line;
    int64_t prompt_t;
    int data_mode;            /* between CONNECT and NO CARRIER: no AT lines (V.250) */
    unsigned long data_line;  /* CONNECT's line */
    unsigned long data_like_at; /* lines in data mode that look like AT traffic */
    unsigned next_id;
    unsigned bad_urcs;
    int port_cycle;           /* a port-lost not yet followed by RDY */
    /* The host (HOST-* rules, judged with o.judge_host) */
    int host_events;          /* the log carries host-open / host-close */
    int host_open;            /* the host has the port open (assumed until told) */
    int port_away;            /* between port-lost and port-back */
    int reopen_due;           /* a port-back not yet followed by host-open */
    int64_t t_reopen_due;     /* its time */
    int host_missed;          /* a URC came while the host was away (reported once) */
    int host_left;            /* the host closed the port itself (not a port-lost) */
    int64_t t_last;           /* the last event's time */
    /* What the event being fed turned out to be (dfota_checker_feed_ex);
     * set for the length of a feed. */
    dfota_transition *tr;
    unsigned commands;        /* command lines taken: the pending queue holds the last p_len */
};

/* ---- small helpers ---------------------------------------------------- */

const char *dfota_verdict_name(dfota_verdict v)
{
    static const char *const n[] = {"N/A", "PASS", "WARN", "INCOMPLETE", "FAIL"};
    return (unsigned)v < 5 ? n[v] : "?";
}

const char *dfota_level_name(dfota_level l)
{
    static const char *const n[] = {"NOTE", "WARN", "INCOMPLETE", "FAIL"};
    return (unsigned)l < 4 ? n[l] : "?";
}

int dfota_port_is_usb(const char *port)
{
    if (!port)
        return -1;
    return strncmp(port, "usb:", 4) == 0 || strncmp(port, "/dev/ttyUSB", 11) == 0 ||
           strncmp(port, "/dev/ttyACM", 11) == 0 || strncmp(port, "/dev/serial/by-id/usb", 21) == 0;
}

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
        o->window_ns[i] = (int64_t)secs[i] * 1000000000LL;
    o->host_reopen_ns = HOST_REOPEN_NS;
}

static int64_t span(int64_t from, int64_t to)
{
    if (from == DFOTA_T_NONE || to == DFOTA_T_NONE)
        return DFOTA_T_NONE;
    return to - from;
}

static void escape_into(char *dst, size_t cap, const char *s, size_t n)
{
    size_t need = dfota_escape(s, n, dst, cap);
    if (need >= cap && cap > 4)
        text_cut_marked(dst, cap); /* say that it was cut */
}

/* "a; b" into dst, cut at cap with "..." to say so. */
static void join_cut(char *dst, size_t cap, const char *a, const char *b)
{
    size_t o = 0;
    const char *parts[3] = {a, "; ", b};
    for (int i = 0; i < 3; i++)
        for (const char *p = parts[i]; *p && o + 1 < cap; p++)
            dst[o++] = *p;
    dst[o] = '\0';
    if (o + 1 >= cap && cap > 4)
        text_cut_marked(dst, cap);
}

static dfota_verdict level_status(dfota_level l)
{
    switch (l) {
    case DFOTA_L_FAIL: return DFOTA_V_FAIL;
    case DFOTA_L_INCOMPLETE: return DFOTA_V_INCOMPLETE;
    case DFOTA_L_WARN: return DFOTA_V_WARN;
    case DFOTA_L_NOTE: break;
    }
    return DFOTA_V_PASS;
}

static void rule_status(dfota_checker *c, dfota_rule r, dfota_verdict v)
{
    if (v > c->res.rule[r])
        c->res.rule[r] = v;
}

static void pass(dfota_checker *c, dfota_rule r)
{
    rule_status(c, r, DFOTA_V_PASS);
}

/* Keeps a finding with its flow: every FAIL and INCOMPLETE up to the cap,
 * and one WARN or NOTE per rule and behaviour. */
static void keep_in_flow(flow *f, const dfota_finding *fd)
{
    dfota_flow_summary *s = &f->s;
    if (fd->level <= DFOTA_L_WARN)
        for (unsigned i = 0; i < s->n_findings; i++)
            if (s->findings[i].rule == fd->rule && s->findings[i].level == fd->level &&
                s->findings[i].quirk == fd->quirk) {
                s->n_findings_dropped++;
                return;
            }
    if (s->n_findings < DFOTA_FLOW_FINDINGS_MAX)
        s->findings[s->n_findings++] = *fd;
    else
        s->n_findings_dropped++;
}

DFOTA_PRINTF(8, 9)
static void report(dfota_checker *c, flow *f, dfota_rule r, dfota_level l, const dfota_event *ev,
                   const char *quirk, const char *expected, const char *seen_fmt, ...)
{
    dfota_finding fd;
    memset(&fd, 0, sizeof fd);
    fd.rule = r;
    fd.level = l;
    fd.flow = f ? f->s.id : 0;
    fd.line = ev ? ev->line : 0;
    fd.t_ns = ev ? ev->t_ns : DFOTA_T_NONE;
    fd.quirk = quirk;
    snprintf(fd.expected, sizeof fd.expected, "%s", expected);
    va_list ap;
    va_start(ap, seen_fmt);
    vsnprintf(fd.seen, sizeof fd.seen, seen_fmt, ap);
    va_end(ap);
    rule_status(c, r, level_status(l));
    c->res.count[l]++;
    if (l != DFOTA_L_NOTE && c->res.rule_reason[r][0] == '\0')
        join_cut(c->res.rule_reason[r], DFOTA_TEXT_MAX, fd.expected, fd.seen);
    if (f)
        keep_in_flow(f, &fd);
    if (c->sink.finding)
        c->sink.finding(c->sink.ctx, &fd);
}

/* A behaviour of shipped firmware: FAIL in strict, WARN in field. */
#define DEVIATE(c, f, r, ev, quirk, expected, ...)                                              \
    report((c), (f), (r), (c)->o.profile == DFOTA_PROFILE_FIELD ? DFOTA_L_WARN : DFOTA_L_FAIL, \
           (ev), (quirk), (expected), __VA_ARGS__)

/* Damage the log itself carries (RULES.md: paste damage, a logger's
 * marks): a NOTE in every profile, never the module's FAIL or WARN; what it
 * was is kept so that strict can call the file inconclusive. */
static void log_damage(dfota_checker *c, flow *f, dfota_rule r, const dfota_event *ev,
                       const char *quirk, const char *expected, const char *what, const char *text)
{
    if (c->res.altered++ == 0)
        snprintf(c->res.altered_reason, sizeof c->res.altered_reason, "%s at line %lu", what,
                 ev ? ev->line : 0UL);
    report(c, f, r, DFOTA_L_NOTE, ev, quirk, expected, "%s, %s: %s", what, DFOTA_LOG_ALTERED,
           text);
}

static void window(dfota_checker *c, flow *f, dfota_window w, int64_t from, const dfota_event *ev,
                   const char *what)
{
    int64_t limit = c->o.window_ns[w];
    int64_t d = span(from, ev->t_ns);
    if (limit <= 0 || d == DFOTA_T_NONE)
        return;
    dfota_rule r = dfota_window_rule(w);
    if (d > limit) {
        char exp[DFOTA_TEXT_MAX];
        snprintf(exp, sizeof exp, "%s within %.3fs (window %s)", what, (double)limit / 1e9,
                 dfota_window_name(w));
        if (d - ev->late_ns <= limit) /* the harness read it late: not the module's */
            report(c, f, r, DFOTA_L_INCOMPLETE, ev, NULL, exp,
                   "read after %.3fs, but the harness may have read it up to %.3fs after it came: "
                   "not judged", (double)d / 1e9, (double)ev->late_ns / 1e9);
        else
            report(c, f, r, DFOTA_L_FAIL, ev, NULL, exp, "it took %.3fs", (double)d / 1e9);
    } else
        pass(c, r);
}

/* ---- flows ------------------------------------------------------------ */

static flow *flow_new(dfota_checker *c, const dfota_event *ev)
{
    for (int i = 0; i < SLOTS; i++) {
        flow *f = &c->slot[i];
        if (f->used)
            continue;
        /* Everything but the kept findings (17 KB), which n_findings guards. */
        memset(f, 0, offsetof(flow, s) + offsetof(dfota_flow_summary, findings));
        f->used = 1;
        f->s.id = ++c->next_id;
        f->s.line = ev->line;
        f->s.max_percent = -1;
        f->last_pct = -1;
        f->t_cmd = ev->t_ns;
        f->t_dl_start = f->t_dl_end = f->t_ref_start = f->t_last_progress = DFOTA_T_NONE;
        f->t_first_start = f->t_last_end = f->t_port_lost = DFOTA_T_NONE;
        f->s.durations = (dfota_durations){DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE,
                                           DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE};
        c->res.flows++;
        return f;
    }
    return NULL; /* cannot happen: at most three flows are ever live */
}

static int is_open(const flow *f)
{
    switch (f->ph) {
    case PH_AWAIT_DL: case PH_DL: case PH_DL_DONE: case PH_AWAIT_START: case PH_UPDATING:
    case PH_UNKNOWN:
        return 1;
    default:
        return 0;
    }
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
        if (f->retry_code == 505 && f->n505 >= DFOTA_RETRY_505_MAX)
            return "update-failed";
        return "incomplete";
    default:
        return "incomplete";
    }
}

static void flow_close(dfota_checker *c, flow *f)
{
    if (!f || !f->used)
        return;
    if (f->ph == PH_DL_FAILED && !f->dlfail_reported)
        pass(c, DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL); /* nothing followed the failed download */
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
static void release_if_idle(dfota_checker *c, flow *f)
{
    if (f && f->used && f != c->cur && f != c->up && !f->queued)
        flow_close(c, f);
}

/* ---- the checker ------------------------------------------------------ */

dfota_checker *dfota_checker_new(const dfota_checker_opts *opts, const dfota_sink *sink)
{
    dfota_checker *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (opts)
        c->o = *opts;
    else
        dfota_checker_opts_init(&c->o);
    if (sink)
        c->sink = *sink;
    c->host_open = 1;
    c->t_reopen_due = c->t_last = DFOTA_T_NONE;
    return c;
}

void dfota_checker_free(dfota_checker *c)
{
    free(c);
}

const dfota_checker_result *dfota_checker_result_get(const dfota_checker *c)
{
    return &c->res;
}

/* ---- host commands ---------------------------------------------------- */

static void accept_upgrade(dfota_checker *c, flow *f);

/* What an open upgrade owes when the host starts another AT+QFOTADL. */
static void settle_before_new_command(dfota_checker *c, flow *f, const dfota_event *ev)
{
    switch (f->ph) {
    case PH_UPDATING:
        /* SEQ-END (3) */
        report(c, f, DFOTA_R_SEQ_END, DFOTA_L_FAIL, ev, NULL,
               "the attempt's START closed by END or by a reboot and a new START",
               "the next AT+QFOTADL at line %lu", ev->line);
        f->abandoned = 1;
        break;
    case PH_AWAIT_START:
        if (f->retry_code == 505) {
            /* RETRY-505 (3, 4, 6): five retries are owed, not fewer. */
            if (f->n505 >= DFOTA_RETRY_505_MAX)
                pass(c, DFOTA_R_RETRY_505);
            else
                report(c, f, DFOTA_R_RETRY_505, DFOTA_L_FAIL, ev, NULL,
                       "a retry (START) after END,505, five in a row",
                       "the next AT+QFOTADL after %u retries", f->n505);
        } else if (f->retry_code) {
            report(c, f, DFOTA_R_RETRY_UNTIL_SUCCESS, DFOTA_L_FAIL, ev, NULL,
                   "a retry (START) after the retried code",
                   "the next AT+QFOTADL after END,%ld", f->retry_code);
        } else {
            report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL,
                   "START after the local-file command's OK", "the next AT+QFOTADL first");
        }
        f->abandoned = f->retry_code != 505 || f->n505 < DFOTA_RETRY_505_MAX;
        break;
    case PH_DL_DONE:
        report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL,
               "START after the download ended with 0", "the next AT+QFOTADL first");
        f->abandoned = 1;
        break;
    default:
        return; /* a download in progress goes on: its URCs still come */
    }
    f->ph = PH_ENDED;
}

/* CMD-FINAL (3): a command that will never get its final result. */
static void no_final(dfota_checker *c, flow *f, const dfota_event *ev, const char *why)
{
    report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
           "one final result (OK, ERROR, +CME ERROR) for the command", "%s", why);
    f->final_seen = 1;
    f->queued = 0;
    if (f->ph == PH_CMD) {
        f->ph = PH_ENDED;
        f->abandoned = 1;
    }
    release_if_idle(c, f);
}

/* How long an answer is owed: the final-result window, or ANSWER_OWED_NS. */
static int64_t answer_owed_ns(const dfota_checker *c)
{
    int64_t w = c->o.window_ns[DFOTA_WIN_FINAL_RESULT];
    return w > 0 ? w : ANSWER_OWED_NS;
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
    c->pending_line[at] = ev->line;
    c->p_len++;
    c->tr->command = ++c->commands;
    if (f)
        f->queued = 1;
}

/* A new command: is the answer to the oldest one still owed? A module
 * answers in order, so an answer that was never given would otherwise be
 * taken from the next command. In a timed log it is owed for
 * answer_owed_ns(); in an untimed one until the host sends again after
 * the module said something else (a URC, text with no final result): a
 * host that typed ahead did so before the module spoke. What the checker
 * gives up on it says in a NOTE; an AT+QFOTADL given up on FAILs CMD-FINAL. */
static void give_up_stale(dfota_checker *c, const dfota_event *ev)
{
    while (c->p_len > 0) {
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int stale = waited != DFOTA_T_NONE ? waited > answer_owed_ns(c) : c->module_since_host > 0;
        if (!stale)
            return;
        unsigned long line = c->pending_line[c->p_head];
        flow *f = pop_pending(c);
        char exp[80], why[160];
        snprintf(exp, sizeof exp, "the final result of the command of line %lu", line);
        if (waited != DFOTA_T_NONE)
            snprintf(why, sizeof why, "none in the %.3fs before the next command (line %lu)",
                     (double)waited / 1e9, ev->line);
        else
            snprintf(why, sizeof why,
                     "none before the next command (line %lu), sent after other output", ev->line);
        report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL, exp,
               "%s: no longer awaited, so that it takes no later command's answer", why);
        c->last_answered = NULL;
        if (f)
            no_final(c, f, ev, why);
    }
}

/* FIELD-QUIRKS: on a USB port the command's OK can be lost, the port going
 * away right after the command, before the host read the answer. The
 * upgrade is then followed as accepted: the URCs that come are its own. */
static void ok_lost(dfota_checker *c, flow *f, const dfota_event *ev)
{
    static const char exp[] = "one final result (OK, ERROR, +CME ERROR) for the command";
    if (c->o.profile == DFOTA_PROFILE_FIELD)
        report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_WARN, ev, "ok-lost-on-usb", exp,
               "none: the USB port went away right after the command, before its answer was read");
    else
        report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_INCOMPLETE, ev, "ok-lost-on-usb", exp,
               "none read: the USB port went away right after the command and may have taken "
               "its answer with it");
    accept_upgrade(c, f);
}

/* The module rebooted or the log ended: no queued command gets an answer.
 * quiet: the module said nothing since the last command was sent. */
static void drop_pending(dfota_checker *c, const dfota_event *ev, int ended, int port_lost)
{
    int quiet = c->module_since_host == 0;
    while (c->p_len > 0) {
        int newest = c->p_len == 1;
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int at_once = waited == DFOTA_T_NONE || waited <= answer_owed_ns(c);
        flow *f = pop_pending(c);
        if (!f)
            continue;
        if (ended)
            report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_INCOMPLETE, ev, NULL,
                   "one final result for the command", "the log ends first");
        else if (port_lost && newest && quiet && at_once && c->o.usb_port != 0 &&
                 f->form == DFOTA_FOTADL_WRITE)
            ok_lost(c, f, ev);
        else
            no_final(c, f, ev, "the module rebooted first");
    }
}

static void on_fotadl(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    flow *cur = c->cur;
    if (cur && cur->watch_error) {
        pass(c, DFOTA_R_CMD_NO_URC_AFTER_ERROR); /* no URC came before this command */
        cur->watch_error = 0;
    }
    /* Another AT+QFOTADL while an upgrade runs: what the running one owes
     * is settled only if the module accepts the new one (on_final). A
     * module that refuses it (ERROR: busy) goes on with the first. */
    int over_running = c->up && is_open(c->up) && it->form == DFOTA_FOTADL_WRITE;
    c->cur = NULL;
    release_if_idle(c, cur);
    if (c->up && !is_open(c->up) && it->form == DFOTA_FOTADL_WRITE)
        flow_close(c, c->up);

    flow *f = flow_new(c, ev);
    if (!f)
        return;
    c->cur = f;
    f->form = it->form;
    f->supersedes = over_running;
    f->raw_len = ev->len < CMD_KEEP ? ev->len : CMD_KEEP;
    memcpy(f->raw, ev->data, f->raw_len);
    escape_into(f->s.command, sizeof f->s.command, ev->data, ev->len);
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

static void accept_upgrade(dfota_checker *c, flow *f)
{
    if (c->up && c->up != f) {
        if (is_open(c->up))
            c->up->abandoned = 1;
        flow *old = c->up;
        c->up = NULL;
        release_if_idle(c, old);
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

/* CMD-INVALID-ERROR (3.1, 3.2, 3.3) */
static void judge_argument(dfota_checker *c, flow *f, const dfota_event *ev, int ok)
{
    const dfota_arg_check *a = &f->arg;
    if (a->cls == DFOTA_ARG_VALID)
        return; /* a valid argument may still be refused (busy): not this rule's business */
    if (!ok) {
        pass(c, DFOTA_R_CMD_INVALID_ERROR);
        return;
    }
    if (a->cls == DFOTA_ARG_INVALID)
        report(c, f, DFOTA_R_CMD_INVALID_ERROR, DFOTA_L_FAIL, ev, NULL,
               "ERROR for an argument the guide refuses", "OK although %s", a->reason);
    else if (a->quirk && strcmp(a->quirk, "typographic-quotes") == 0)
        log_damage(c, f, DFOTA_R_CMD_INVALID_ERROR, ev, a->quirk, "the argument in ASCII quotes",
                   "typographic quotes around the command's argument", "a paste tool's doing");
    else
        DEVIATE(c, f, DFOTA_R_CMD_INVALID_ERROR, ev, a->quirk,
                "ERROR for an argument outside the guide", "OK: %s", a->reason);
}

static void on_final(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
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
            report(c, last, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
                   "exactly one final result for the command", "another one: %s", name);
        c->last_answered = NULL;
        return;
    }
    flow *f = pop_pending(c);
    c->last_answered = f;
    if (!f)
        return; /* the answer to another command */
    /* A new upgrade answered after the reboot that should have brought the
     * running one's START: judged when the log ends (start_missing). */
    if (f->supersedes && c->up && c->up != f && c->up->booted && !c->up->answered_line)
        c->up->answered_line = f->s.line;
    f->final_seen = 1;
    if (it->kind == DFOTA_ITEM_FINAL)
        report(c, f, DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, ev, NULL,
               "OK, ERROR or +CME ERROR: <n>, the final results the guide gives AT+QFOTADL", "%s",
               name);
    else
        pass(c, DFOTA_R_CMD_FINAL);
    f->s.durations.final_result = span(f->t_cmd, ev->t_ns);
    window(c, f, DFOTA_WIN_FINAL_RESULT, f->t_cmd, ev, "the final result");
    f->s.final = name;
    switch (f->form) {
    case DFOTA_FOTADL_TEST:
        /* CMD-TEST (3) */
        if (ok)
            pass(c, DFOTA_R_CMD_TEST);
        else
            report(c, f, DFOTA_R_CMD_TEST, DFOTA_L_FAIL, ev, NULL, "OK for AT+QFOTADL=?",
                   "%s", f->s.final);
        f->ph = PH_ANSWERED;
        release_if_idle(c, f);
        return;
    case DFOTA_FOTADL_READ:
    case DFOTA_FOTADL_EXEC:
        f->ph = PH_ANSWERED;
        release_if_idle(c, f);
        return;
    case DFOTA_FOTADL_WRITE:
        break;
    }
    judge_argument(c, f, ev, ok);
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
        settle_before_new_command(c, up, &at);
    }
    if (ok) {
        accept_upgrade(c, f);
    } else {
        /* Refused while busy too: the URCs that follow are the running
         * upgrade's (urc_owner), and none may be this command's. */
        f->ph = PH_REJECTED;
        f->watch_error = 1;
    }
    release_if_idle(c, f);
}

/* ---- URC syntax ------------------------------------------------------- */

static const char *field_stage_quirk(dfota_stage st)
{
    switch (st) {
    case DFOTA_STAGE_HTTPSSTART: case DFOTA_STAGE_HTTPSEND: return "https-stages";
    case DFOTA_STAGE_FILESTART: case DFOTA_STAGE_FILEEND: return "file-stream";
    case DFOTA_STAGE_DOWNLOADING: return "downloading-urc";
    case DFOTA_STAGE_RESTORE: return "restore-phase";
    case DFOTA_STAGE_RESUME: return "resume-urc";
    default: return NULL;
    }
}

/* The event's bytes, escaped for a report. Called only when reporting:
 * escaping every URC would cost more than judging it. */
static const char *shown(const dfota_event *ev, char *buf, size_t cap)
{
    escape_into(buf, cap, ev->data, ev->len);
    return buf;
}

static int is_guide_stage(dfota_stage st)
{
    return st >= DFOTA_STAGE_FTPSTART && st <= DFOTA_STAGE_END;
}

/* URC-SYNTAX (3.1, 3.2, 3.3) */
static void judge_syntax(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    static const char exp[] = "+QIND: \"FOTA\",\"<stage>\"[,<integer>] as in the guide";
    char b[DFOTA_TEXT_MAX];
    unsigned q = it->quirks;
    if (it->kind == DFOTA_ITEM_URC && q == 0 && is_guide_stage(it->stage)) {
        pass(c, DFOTA_R_URC_SYNTAX); /* the common case, kept cheap */
        return;
    }
    unsigned long fails = c->res.count[DFOTA_L_FAIL], warns = c->res.count[DFOTA_L_WARN];
    if (it->kind == DFOTA_ITEM_BAD_URC) {
        if (c->o.profile == DFOTA_PROFILE_FIELD && ++c->bad_urcs <= BAD_URC_TOLERATED)
            report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_WARN, ev, "cut-urc", exp,
                   "a cut or garbled FOTA URC (%u of %d tolerated): %s", c->bad_urcs,
                   BAD_URC_TOLERATED, shown(ev, b, sizeof b));
        else
            report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL, exp,
                   "a cut or garbled FOTA URC: %s", shown(ev, b, sizeof b));
        return;
    }
    if (it->stage == DFOTA_STAGE_UNKNOWN)
        report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL,
               "a stage of the guide (FTPSTART, FTPEND, HTTPSTART, HTTPEND, START, UPDATING, END)",
               "%s", shown(ev, b, sizeof b));
    const char *fq = field_stage_quirk(it->stage);
    if (fq)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, fq, "a stage of the guide", "stage %s: %s",
                dfota_stage_name(it->stage), shown(ev, b, sizeof b));
    if (q & DFOTA_Q_CASE)
        report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL, "the stage spelt as in the guide",
               "%s", shown(ev, b, sizeof b));
    if (q & (DFOTA_Q_ARG_MISSING | DFOTA_Q_ARG_UNEXPECTED | DFOTA_Q_ARG_NOT_INT))
        report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_FAIL, ev, NULL,
               dfota_stage_takes_code(it->stage) ? "the stage with one integer argument"
                                                 : "the stage with no argument",
               "%s", shown(ev, b, sizeof b));
    if (q & DFOTA_Q_PERCENT)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "percent-sign", "an integer", "a '%%' sign: %s",
                shown(ev, b, sizeof b));
    if (q & DFOTA_Q_EXTRA)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "extra-fields", "one integer argument",
                "more fields: %s", shown(ev, b, sizeof b));
    if (q & DFOTA_Q_TYPO_QUOTES)
        log_damage(c, f, DFOTA_R_URC_SYNTAX, ev, "typographic-quotes", "ASCII double quotes",
                   "typographic quotes", shown(ev, b, sizeof b));
    if (q & DFOTA_Q_NO_BLANK_COLON)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "no-blank-after-colon", "+QIND: with a blank",
                "no blank after the colon: %s", shown(ev, b, sizeof b));
    if ((q & DFOTA_Q_STRAY) && (ev->flags & DFOTA_EV_LOG_PREFIX))
        /* The reader says a logger's prefix it could not learn may still
         * stand there: the bytes are the log's, not the module's. */
        log_damage(c, f, DFOTA_R_URC_SYNTAX, ev, "log-prefix", "the URC at the start of the line",
                   "a log prefix the reader could not take off", shown(ev, b, sizeof b));
    else if (q & DFOTA_Q_STRAY)
        DEVIATE(c, f, DFOTA_R_URC_SYNTAX, ev, "stray-bytes", "the URC at the start of the line",
                "bytes before it: %s", shown(ev, b, sizeof b));
    if (q & DFOTA_Q_BLANK)
        report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_NOTE, ev, "blank-after-comma",
               "no blank after a comma", "a blank, as the guide's own examples show it");
    if (q & DFOTA_Q_SPELLING)
        report(c, f, DFOTA_R_URC_SYNTAX, DFOTA_L_NOTE, ev, "httpend-spelling", "HTTPEND",
               "HTTPEnd, as the guide spells it once");
    if (c->res.count[DFOTA_L_FAIL] == fails && c->res.count[DFOTA_L_WARN] == warns)
        pass(c, DFOTA_R_URC_SYNTAX);
}

/* CODE-FTP (4), CODE-HTTP (5), CODE-END (6) */
static void judge_code(dfota_checker *c, flow *f, const dfota_event *ev, dfota_code_table t,
                       long code)
{
    static const dfota_rule rules[] = {DFOTA_R_CODE_FTP, DFOTA_R_CODE_HTTP, DFOTA_R_CODE_END};
    static const char *const exp[] = {
        "<ftp_err> of chapter 4: 0, 502, 505, 510, 511, 520-530, 540-546, 601",
        "<http_err> of chapter 5: 0, 502, 505, 510, 511, 520-530, 540-546, 701",
        "<err> of chapter 6: 0, 502, 505, 510, 511, 520-530, 540-546"};
    const char *meaning, *quirk;
    switch (dfota_spec_code(t, code, &meaning, &quirk)) {
    case DFOTA_CODE_GUIDE:
        pass(c, rules[t]);
        break;
    case DFOTA_CODE_FIELD:
        DEVIATE(c, f, rules[t], ev, quirk, exp[t], "%ld (%s)", code, meaning);
        break;
    case DFOTA_CODE_UNKNOWN:
        report(c, f, rules[t], DFOTA_L_FAIL, ev, NULL, exp[t], "%ld", code);
        break;
    }
}

/* ---- URC sequence ----------------------------------------------------- */

static dfota_proto stage_proto(dfota_stage st)
{
    switch (st) {
    case DFOTA_STAGE_FTPSTART: case DFOTA_STAGE_FTPEND: return DFOTA_PROTO_FTP;
    case DFOTA_STAGE_HTTPSTART: case DFOTA_STAGE_HTTPEND: return DFOTA_PROTO_HTTP;
    case DFOTA_STAGE_HTTPSSTART: case DFOTA_STAGE_HTTPSEND: return DFOTA_PROTO_HTTPS;
    case DFOTA_STAGE_FILESTART: case DFOTA_STAGE_FILEEND: return DFOTA_PROTO_FILE;
    default: return DFOTA_PROTO_NONE;
    }
}

/* Does a download stage of protocol sp belong to a command of protocol fp?
 * HTTPS firmware reports either HTTPSSTART or HTTPSTART (FIELD-QUIRKS). */
static int proto_matches(dfota_proto fp, dfota_proto sp)
{
    return fp == sp || (fp == DFOTA_PROTO_HTTPS && sp == DFOTA_PROTO_HTTP);
}

static int dl_stage_ok(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    dfota_proto sp = stage_proto(st);
    if (f->ph == PH_UNKNOWN) {
        if (f->s.proto == DFOTA_PROTO_NONE)
            f->s.proto = sp;
        return 1;
    }
    if (f->s.proto == DFOTA_PROTO_LOCAL) {
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "no download stage for a local file", "%s", dfota_stage_name(st));
        return 0;
    }
    if (!proto_matches(f->s.proto, sp)) {
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download stages of the command's protocol", "%s for an %s command",
               dfota_stage_name(st), dfota_proto_name(f->s.proto));
        return 0;
    }
    return 1;
}

static void on_download_start(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (!dl_stage_ok(c, f, ev, st))
        return;
    if (f->ph != PH_AWAIT_DL && f->ph != PH_UNKNOWN) {
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "one download start, after the command's OK", "%s again or out of place",
               dfota_stage_name(st));
        return;
    }
    f->ph = PH_DL;
    f->t_dl_start = ev->t_ns;
    window(c, f, DFOTA_WIN_DOWNLOAD_START, f->t_cmd, ev, "the download start");
}

static void on_download_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    long code = it->has_code ? it->code : 0;
    if (it->has_code && it->stage != DFOTA_STAGE_FILEEND)
        judge_code(c, f, ev, it->stage == DFOTA_STAGE_FTPEND ? DFOTA_TABLE_FTP : DFOTA_TABLE_HTTP,
                   code);
    if (!dl_stage_ok(c, f, ev, it->stage))
        return;
    if (f->ph == PH_DL)
        pass(c, DFOTA_R_SEQ_DOWNLOAD); /* SEQ-DOWNLOAD (3.1, 3.2): start then end */
    else if (f->ph != PH_UNKNOWN) {
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download's end after its start",
               f->ph == PH_AWAIT_DL ? "%s without a download start" : "%s again or out of place",
               dfota_stage_name(it->stage));
        if (f->ph != PH_AWAIT_DL)
            return;
    }
    f->s.has_download_code = 1;
    f->s.download_code = code;
    f->t_dl_end = f->t_ref_start = ev->t_ns;
    f->port_lost = f->port_back = 0;
    f->s.durations.to_download_end = span(f->t_cmd, ev->t_ns);
    f->s.durations.download = span(f->t_dl_start, ev->t_ns);
    window(c, f, DFOTA_WIN_DOWNLOAD, f->t_cmd, ev, "the download's end");
    f->ph = code == 0 ? PH_DL_DONE : PH_DL_FAILED;
}

/* SEQ-NO-UPDATE-AFTER-DL-FAIL (4, 5), once per flow. */
static void after_dl_fail(dfota_checker *c, flow *f, const dfota_event *ev, dfota_stage st)
{
    if (f->dlfail_reported)
        return;
    f->dlfail_reported = 1;
    report(c, f, DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL, DFOTA_L_FAIL, ev, NULL,
           "no update after a failed download", "%s after the download ended with %ld",
           dfota_stage_name(st), f->s.download_code);
}

static void open_attempt(flow *f, const dfota_event *ev)
{
    f->ph = PH_UPDATING;
    f->s.attempts++;
    f->last_pct = -1;
    f->reached100 = 0;
    f->reboot_in_attempt = 0;
    f->t_last_progress = ev->t_ns;
    if (f->t_first_start == DFOTA_T_NONE) {
        f->t_first_start = ev->t_ns;
        f->s.durations.to_start = span(f->t_cmd, ev->t_ns);
    }
}

/* Counts a retry that a START (seen or implied) begins. */
static void count_retry(dfota_checker *c, flow *f, const dfota_event *ev)
{
    if (f->retry_code == 505) {
        /* RETRY-505 (3, 4, 6): at most five consecutive retries */
        if (++f->n505 > DFOTA_RETRY_505_MAX)
            report(c, f, DFOTA_R_RETRY_505, DFOTA_L_FAIL, ev, NULL,
                   "at most five consecutive retries after 505", "retry %u", f->n505);
        else
            pass(c, DFOTA_R_RETRY_505);
    } else if (f->retry_code) {
        pass(c, DFOTA_R_RETRY_UNTIL_SUCCESS); /* RETRY-UNTIL-SUCCESS (4, 6) */
        f->n505 = 0;
    }
    f->retry_code = 0;
}

/* PORT-REBOOT (3.1, 3.2): on a USB port the port drops and comes back. */
static void judge_port_reboot(dfota_checker *c, flow *f, const dfota_event *ev)
{
    if (c->o.usb_port != 1)
        return;
    if (f->port_lost && f->port_back)
        pass(c, DFOTA_R_PORT_REBOOT);
    else
        report(c, f, DFOTA_R_PORT_REBOOT, DFOTA_L_FAIL, ev, NULL,
               "port-lost and port-back between the download's end and START",
               f->port_lost ? "the port went away but did not come back" : "no port event");
}

static void on_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    static const char exp[] = "START after a download ended with 0, a local file's OK, "
                              "a retried END code or a reboot during an update";
    f->booted = 0;
    f->answered_line = 0;
    switch (f->ph) {
    case PH_UNKNOWN:
        break;
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_START);
        break;
    case PH_AWAIT_DL:
    case PH_DL:
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download's start and end before START", "START during the download");
        break;
    case PH_DL_DONE:
        pass(c, DFOTA_R_SEQ_START);
        judge_port_reboot(c, f, ev);
        window(c, f, DFOTA_WIN_START, f->t_ref_start, ev, "START");
        break;
    case PH_AWAIT_START:
        pass(c, DFOTA_R_SEQ_START);
        window(c, f, DFOTA_WIN_START, f->t_ref_start, ev, "START");
        count_retry(c, f, ev);
        break;
    case PH_UPDATING:
        if (f->reboot_in_attempt) {
            pass(c, DFOTA_R_SEQ_END); /* closed by a reboot and a new START */
            pass(c, DFOTA_R_SEQ_START);
        } else
            report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL, exp,
                   "START while the attempt started before is still open, with no reboot");
        break;
    case PH_ENDED:
        if (f->retry_code == 505)
            count_retry(c, f, ev);
        else
            report(c, f, DFOTA_R_SEQ_START, DFOTA_L_FAIL, ev, NULL, exp,
                   "START after END,%ld", f->s.n_end_codes ? f->s.end_codes[f->s.n_end_codes - 1] : 0L);
        break;
    default:
        break;
    }
    open_attempt(f, ev);
}

/* UPDATING without a START that the sequence owed. Returns 1 when an
 * attempt is now open, 0 when the UPDATING stands outside any. */
static int implied_start(dfota_checker *c, flow *f, const dfota_event *ev)
{
    switch (f->ph) {
    case PH_DL_DONE:
    case PH_AWAIT_START:
        if (f->ph == PH_DL_DONE)
            judge_port_reboot(c, f, ev);
        DEVIATE(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, ev, "start-lost", "UPDATING after START",
                "UPDATING with no START (lost while the USB port came back)");
        if (f->retry_code)
            count_retry(c, f, ev);
        break;
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_UPDATING);
        break;
    case PH_AWAIT_DL:
    case PH_DL:
        /* Judged, but no attempt opens: the download goes on as it was. */
        report(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, DFOTA_L_FAIL, ev, NULL,
               "UPDATING between START and END", "UPDATING during the download");
        return 0;
    case PH_ENDED:
        report(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, DFOTA_L_FAIL, ev, NULL,
               "UPDATING between START and END", "UPDATING after END");
        return 0;
    default:
        pass(c, DFOTA_R_SEQ_UPDATING_INSIDE); /* the log started inside the update */
        break;
    }
    open_attempt(f, ev);
    return 1;
}

static void on_updating(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    if (it->has_code) {
        /* PROGRESS-RANGE (3) */
        if (it->code < 0 || it->code > 100)
            report(c, f, DFOTA_R_PROGRESS_RANGE, DFOTA_L_FAIL, ev, NULL,
                   "<percent> from 0 to 100", "%ld", it->code);
        else
            pass(c, DFOTA_R_PROGRESS_RANGE);
    }
    if (f->ph != PH_UPDATING) {
        if (!implied_start(c, f, ev))
            return;
    } else if (!f->reboot_in_attempt)
        pass(c, DFOTA_R_SEQ_UPDATING_INSIDE); /* SEQ-UPDATING-INSIDE (3) */
    else if (it->has_code && f->last_pct >= 0 && it->code < f->last_pct) {
        /* Progress starts again lower after a reboot: a retry whose START
         * was lost while the port came back, not a continuation. */
        pass(c, DFOTA_R_SEQ_END);
        DEVIATE(c, f, DFOTA_R_SEQ_UPDATING_INSIDE, ev, "start-lost", "UPDATING after START",
                "the retry's UPDATING with no START (lost while the USB port came back)");
        open_attempt(f, ev);
    } else {
        /* SEQ-END (3): a reboot closes an attempt only with a new START. */
        DEVIATE(c, f, DFOTA_R_SEQ_END, ev, "two-part-update",
                "after a reboot during an update, a new START",
                "progress went on after the reboot without START");
        f->reboot_in_attempt = 0;
    }
    int64_t gap = span(f->t_last_progress, ev->t_ns);
    if (gap != DFOTA_T_NONE && gap > f->s.durations.max_progress_gap)
        f->s.durations.max_progress_gap = gap;
    window(c, f, DFOTA_WIN_PROGRESS_GAP, f->t_last_progress, ev, "the next progress URC");
    f->t_last_progress = ev->t_ns;
    if (!it->has_code || it->code < 0 || it->code > 100)
        return;
    int pct = (int)it->code;
    /* PROGRESS-ORDER (3) */
    if (f->last_pct >= 0 && pct < f->last_pct)
        report(c, f, DFOTA_R_PROGRESS_ORDER, DFOTA_L_FAIL, ev, NULL,
               "<percent> never decreasing within an attempt", "%d after %d", pct, f->last_pct);
    else {
        pass(c, DFOTA_R_PROGRESS_ORDER);
        f->last_pct = pct;
    }
    c->tr->percent = pct; /* in order when it is now the attempt's last */
    c->tr->last_percent = f->last_pct;
    c->tr->progress = f->last_pct == pct ? DFOTA_PROGRESS_IN_ORDER : DFOTA_PROGRESS_OUT_OF_ORDER;
    if (pct == 100)
        f->reached100 = 1;
    if (pct > f->s.max_percent)
        f->s.max_percent = pct;
}

static void end_sequence(dfota_checker *c, flow *f, const dfota_event *ev, long code)
{
    switch (f->ph) {
    case PH_UNKNOWN:
        return;
    case PH_UPDATING:
        pass(c, DFOTA_R_SEQ_END);
        if (code == 0) {
            /* PROGRESS-COMPLETE (3) */
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
                report(c, f, DFOTA_R_PROGRESS_COMPLETE, DFOTA_L_FAIL, ev, NULL,
                       "END,0 only after <percent> reached 100", "the attempt reached %d",
                       f->last_pct);
        }
        return;
    case PH_DL_FAILED:
        after_dl_fail(c, f, ev, DFOTA_STAGE_END);
        return;
    case PH_DL_DONE:
    case PH_AWAIT_START:
        if (f->ph == PH_DL_DONE)
            judge_port_reboot(c, f, ev);
        DEVIATE(c, f, DFOTA_R_SEQ_END, ev, "start-lost", "END closing a START",
                "END with no START (lost while the USB port came back)");
        if (code == 0)
            report(c, f, DFOTA_R_PROGRESS_COMPLETE, DFOTA_L_FAIL, ev, NULL,
                   "END,0 only after <percent> reached 100", "no UPDATING at all");
        if (f->retry_code)
            count_retry(c, f, ev);
        f->s.attempts++;
        return;
    case PH_AWAIT_DL:
    case PH_DL:
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_FAIL, ev, NULL,
               "the download's start and end before END", "END during the download");
        return;
    default:
        report(c, f, DFOTA_R_SEQ_END, DFOTA_L_FAIL, ev, NULL, "END closing a START",
               "END after the update had ended");
        return;
    }
}

static void on_end(dfota_checker *c, flow *f, const dfota_event *ev, const dfota_item *it)
{
    long code = it->has_code ? it->code : 0;
    if (it->has_code)
        judge_code(c, f, ev, DFOTA_TABLE_END, code);
    end_sequence(c, f, ev, code);
    if (f->s.n_end_codes < DFOTA_FLOW_CODES_MAX)
        f->s.end_codes[f->s.n_end_codes++] = code;
    window(c, f, DFOTA_WIN_END, f->t_last_progress, ev, "END");
    f->t_last_end = ev->t_ns;
    f->s.durations.start_to_end = span(f->t_first_start, ev->t_ns);
    if (!dfota_spec_code_retried(code))
        window(c, f, DFOTA_WIN_UPDATE, f->t_first_start, ev, "the whole update (first START to END)");
    f->awaiting_rdy = 1;
    f->reboot_in_attempt = 0;
    if (dfota_spec_code_retried(code)) {
        f->ph = PH_AWAIT_START;
        f->retry_code = code;
        f->t_ref_start = ev->t_ns;
    } else {
        f->ph = PH_ENDED;
        f->retry_code = 0;
        f->n505 = 0;
    }
}

/* The flow a URC belongs to; NULL when it belongs to a rejected command. */
static flow *urc_owner(dfota_checker *c, const dfota_event *ev)
{
    if (c->up && is_open(c->up))
        return c->up;
    flow *cur = c->cur;
    if (cur && cur->watch_error) {
        /* CMD-NO-URC-AFTER-ERROR (3); the URCs that follow are charged to
         * the same command, once. */
        report(c, cur, DFOTA_R_CMD_NO_URC_AFTER_ERROR, DFOTA_L_FAIL, ev, NULL,
               "no FOTA URC after the command's ERROR", "a FOTA URC");
        cur->watch_error = 0;
        cur->urc_after_error = 1;
        return cur;
    }
    if (cur && cur->urc_after_error && !c->up)
        return cur;
    if (c->up)
        return c->up;
    flow *f = flow_new(c, ev);
    if (!f)
        return NULL;
    f->ph = PH_UNKNOWN;
    f->s.inferred = 1;
    f->s.form = "none";
    c->up = f;
    return f;
}

static void on_urc(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    flow *f = urc_owner(c, ev);
    judge_syntax(c, f, ev, it);
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

/* ---- data mode and data prompts ------------------------------------------ */

/* Data mode ends (NO CARRIER, the OK that ends a transfer, a reboot, the
 * log's end). Lines in it that looked like AT traffic were read as data:
 * a NOTE says so, since that is the checker's reading, not a fact. */
static void leave_data_mode(dfota_checker *c, const dfota_event *ev)
{
    if (!c->data_mode)
        return;
    if (c->data_like_at > 0)
        report(c, c->up, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL,
               "AT commands, final results and URCs outside data mode",
               "%lu line%s in data mode after the CONNECT of line %lu look%s like AT traffic: "
               "read as data", c->data_like_at, c->data_like_at == 1 ? "" : "s", c->data_line,
               c->data_like_at == 1 ? "s" : "");
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

/* A host line after a command that prompts for data ("> " after
 * AT+QISEND): the data, up to the command's final result. Returns 1 when
 * the line is data. A line later than an answer is owed is not, nor, in an
 * untimed log, one the host sent after the module spoke (not the prompt):
 * the data was answered, or never will be. */
static int prompt_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    int64_t waited = span(c->prompt_t, ev->t_ns);
    if (waited != DFOTA_T_NONE ? waited > answer_owed_ns(c) : c->module_since_host > 0) {
        c->prompt_data = 0;
        return 0;
    }
    if (it->kind == DFOTA_ITEM_FOTADL) {
        char b[80];
        report(c, NULL, DFOTA_R_CMD_FINAL, DFOTA_L_NOTE, ev, NULL, "a command",
               "%s is the data of the command of line %lu, which prompted for it",
               shown(ev, b, sizeof b), c->prompt_line);
    }
    return 1;
}

/* ---- reboots ---------------------------------------------------------- */

/* The module went away: the port dropped, a terminal said so, or RDY. */
static void on_reboot(dfota_checker *c, const dfota_event *ev, int port_lost)
{
    leave_data_mode(c, ev);
    drop_pending(c, ev, 0, port_lost);
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
    window(c, f, DFOTA_WIN_REBOOT, f->t_port_lost, ev, "the port back after it went away");
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
        window(c, f, DFOTA_WIN_RDY, f->t_last_end, ev, "RDY after END");
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

/* ---- the host (judged with o.judge_host) -------------------------------- */

/* A host command: HOST-WAIT-FINAL and HOST-ONE-UPGRADE. */
static void judge_host_command(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    char b[80];
    shown(ev, b, sizeof b);
    /* HOST-WAIT-FINAL (3): a module answers one command at a time. A host
     * that waited longer than an answer is owed (the final-result window,
     * or the 3 s real hosts give it) has given up on the answer, as the
     * checker does (give_up_stale; CMD-FINAL judges the module for it). */
    if (c->p_len > 0) {
        int64_t waited = span(c->pending_t[c->p_head], ev->t_ns);
        int64_t limit = answer_owed_ns(c);
        if (waited != DFOTA_T_NONE && waited > limit) {
            report(c, c->cur, DFOTA_R_HOST_WAIT_FINAL, DFOTA_L_NOTE, ev, NULL,
                   "the next command after the final result",
                   "%s after %.3fs without an answer: the host gave up", b, (double)waited / 1e9);
            pass(c, DFOTA_R_HOST_WAIT_FINAL);
        } else
            report(c, c->cur, DFOTA_R_HOST_WAIT_FINAL, DFOTA_L_FAIL, ev, NULL,
                   "the next command only after the final result of the one before",
                   "%s while %u command%s had no final result yet", b, c->p_len,
                   c->p_len == 1 ? "" : "s");
    } else
        pass(c, DFOTA_R_HOST_WAIT_FINAL);
    /* HOST-ONE-UPGRADE (3): the module is busy until the upgrade ends. */
    if (it->kind != DFOTA_ITEM_FOTADL)
        return;
    if (c->up && is_open(c->up))
        report(c, c->up, DFOTA_R_HOST_ONE_UPGRADE, DFOTA_L_FAIL, ev, NULL,
               "no AT+QFOTADL while an upgrade is running",
               "%s while the upgrade of line %lu was still running", b, c->up->s.line);
    else if (it->form == DFOTA_FOTADL_WRITE)
        pass(c, DFOTA_R_HOST_ONE_UPGRADE);
}

/* A FOTA URC the host may have missed: HOST-READ-TO-END (3). */
static void judge_host_reads(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
{
    if (!c->host_events)
        return;
    if (!c->host_open) {
        if (!c->host_missed) {
            char b[80];
            shown(ev, b, sizeof b);
            report(c, c->up, DFOTA_R_HOST_READ_TO_END, DFOTA_L_FAIL, ev, NULL,
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
    int64_t d = host_wall(c, span(c->t_reopen_due, ev->t_ns));
    if (c->o.host_reopen_ns > 0 && d != DFOTA_T_NONE && d > c->o.host_reopen_ns)
        report(c, c->up, DFOTA_R_HOST_REOPEN, DFOTA_L_FAIL, ev, NULL,
               "the port reopened after the reboot, within the host-reopen window",
               "it took %.3fs%s, more than %.3fs", (double)d / 1e9, host_clock_said(c),
               (double)c->o.host_reopen_ns / 1e9);
    else
        pass(c, DFOTA_R_HOST_REOPEN);
}

/* What the host still owes when the log ends. */
static void finish_host(dfota_checker *c)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    if (!c->o.judge_host || !c->host_events)
        return;
    if (c->reopen_due) {
        int64_t d = host_wall(c, span(c->t_reopen_due, c->t_last));
        int late = c->o.host_reopen_ns > 0 && d != DFOTA_T_NONE && d > c->o.host_reopen_ns;
        report(c, c->up, DFOTA_R_HOST_REOPEN, late ? DFOTA_L_FAIL : DFOTA_L_INCOMPLETE, &end,
               NULL, "the port reopened after the reboot",
               late ? "the host had not reopened it %.3fs%s later, when the log ends"
                    : "the log ends %.3fs%s after the port came back, before the host reopened it",
               d == DFOTA_T_NONE ? 0.0 : (double)d / 1e9, host_clock_said(c));
    }
    if (c->up && is_open(c->up) && c->host_left && !c->host_missed)
        report(c, c->up, DFOTA_R_HOST_READ_TO_END, DFOTA_L_FAIL, &end, NULL,
               "the port open for every FOTA URC, to END",
               "the host closed the port during the upgrade and the log ends before END");
}

static void on_harness(dfota_checker *c, const dfota_event *ev, dfota_harness_event hev)
{
    if (hev == DFOTA_HEV_PORT_LOST) {
        if (c->o.judge_host && c->reopen_due) {
            /* HOST-REOPEN (3.1, 3.2): the port went again, never reopened. */
            int64_t d = host_wall(c, span(c->t_reopen_due, ev->t_ns));
            if (c->o.host_reopen_ns > 0 && d != DFOTA_T_NONE && d > c->o.host_reopen_ns)
                report(c, c->up, DFOTA_R_HOST_REOPEN, DFOTA_L_FAIL, ev, NULL,
                       "the port reopened after the reboot, within the host-reopen window",
                       "not reopened in the %.3fs%s before it went away again", (double)d / 1e9,
                       host_clock_said(c));
            c->reopen_due = 0;
        }
        c->port_away = 1;
        if (c->host_events)
            c->host_open = 0; /* the host's descriptor died with the port */
        on_reboot(c, ev, 1);
    } else if (hev == DFOTA_HEV_PORT_BACK) {
        if (c->port_away && c->host_events) {
            c->reopen_due = 1;
            c->t_reopen_due = ev->t_ns;
        }
        c->port_away = 0;
        on_port_back(c, ev);
    } else if (hev == DFOTA_HEV_HOST_OPEN)
        on_host_open(c, ev);
    else if (hev == DFOTA_HEV_HOST_CLOSE) {
        c->host_events = 1;
        c->host_open = 0;
        c->host_left = !c->port_away;
    }
}

/* ---- feeding ---------------------------------------------------------- */

static void on_overlong(dfota_checker *c, const dfota_event *ev)
{
    char shown[64];
    escape_into(shown, sizeof shown, ev->data, ev->len < 40 ? ev->len : 40);
    report(c, c->up, DFOTA_R_LINE_LENGTH, DFOTA_L_WARN, ev, "overlong-line",
           "lines of at most 2048 bytes", "a line of %zu bytes, skipped: %s...", ev->full_len,
           shown);
}

/* A line the host sent: a command line (with one or several commands), its
 * echo in a terminal's capture, the data a command prompted for, or text. */
static void on_host_line(dfota_checker *c, const dfota_event *ev, const dfota_item *it)
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
        on_overlong(c, ev);
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
        on_host_line(c, ev, it);
        return;
    }
    switch (it->kind) {
    case DFOTA_ITEM_ECHO: case DFOTA_ITEM_PORT_GONE: case DFOTA_ITEM_PORT_BACK:
        break;
    case DFOTA_ITEM_OK: case DFOTA_ITEM_ERROR: case DFOTA_ITEM_FINAL:
        break;
    default:
        if (!is_prompt(ev))
            c->module_since_host++;
        break;
    }
    if (it->kind != DFOTA_ITEM_OK && it->kind != DFOTA_ITEM_ERROR && it->kind != DFOTA_ITEM_FINAL &&
        it->kind != DFOTA_ITEM_ECHO)
        c->module_since_final++;
    switch (it->kind) {
    case DFOTA_ITEM_OK:
    case DFOTA_ITEM_ERROR:
    case DFOTA_ITEM_FINAL: {
        /* V.250: CONNECT enters data mode. One that answers nothing
         * the log shows is taken as text: data mode would hide the rest. */
        int answers = c->p_len > 0;
        if (answers) /* the oldest command owed an answer: the queue holds the last p_len */
            tr->answers = c->commands - c->p_len + 1;
        on_final(c, ev, it);
        if (it->final == DFOTA_FINAL_CONNECT && answers) {
            c->data_mode = 1;
            c->data_line = ev->line;
        }
        break;
    }
    case DFOTA_ITEM_URC:
    case DFOTA_ITEM_BAD_URC:
        if (c->o.judge_host)
            judge_host_reads(c, ev, it);
        on_urc(c, ev, it);
        break;
    case DFOTA_ITEM_RDY:
        on_rdy(c, ev);
        break;
    case DFOTA_ITEM_PORT_GONE:
        report(c, c->up, DFOTA_R_PORT_REBOOT, DFOTA_L_NOTE, ev, "terminal-message",
               "the module's own output", "the terminal program says the port vanished: taken as a reboot");
        on_reboot(c, ev, 1);
        break;
    case DFOTA_ITEM_PORT_BACK:
        on_port_back(c, ev);
        break;
    default:
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

/* The log ends with a START still owed. START may come later than usual
 * (a module may even refuse a new AT+QFOTADL, busy, meanwhile), so that
 * alone is INCOMPLETE; but a module that answered a new AT+QFOTADL after
 * the reboot that should have brought START is back in normal mode, and
 * with no START to the end, START is missing. */
static void start_missing(dfota_checker *c, flow *f, dfota_rule r, const char *expected)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    if (f->answered_line)
        report(c, f, r, DFOTA_L_FAIL, &end, NULL, expected,
               "none: after its reboot the module answered the AT+QFOTADL of line %lu, back in "
               "normal mode, and the log ends with no START", f->answered_line);
    else
        report(c, f, r, DFOTA_L_INCOMPLETE, &end, NULL, expected, "the log ends first");
}

/* What is still open when the log ends is INCOMPLETE. */
static void finish_upgrade(dfota_checker *c, flow *f)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    switch (f->ph) {
    case PH_AWAIT_DL:
    case PH_DL:
        report(c, f, DFOTA_R_SEQ_DOWNLOAD, DFOTA_L_INCOMPLETE, &end, NULL,
               "the download's start and end", "the log ends first");
        break;
    case PH_DL_DONE:
        start_missing(c, f, DFOTA_R_SEQ_START, "START after the download");
        break;
    case PH_AWAIT_START:
        if (f->retry_code == 505 && f->n505 >= DFOTA_RETRY_505_MAX)
            pass(c, DFOTA_R_RETRY_505); /* it stopped after five retries, as it must */
        else if (f->retry_code == 505)
            start_missing(c, f, DFOTA_R_RETRY_505, "a retry (START) after END,505");
        else if (f->retry_code)
            start_missing(c, f, DFOTA_R_RETRY_UNTIL_SUCCESS, "a retry (START) after the retried code");
        else
            start_missing(c, f, DFOTA_R_SEQ_START, "START after the local-file command's OK");
        break;
    case PH_UPDATING:
        report(c, f, DFOTA_R_SEQ_END, DFOTA_L_INCOMPLETE, &end, NULL, "END closing the START",
               "the log ends first");
        break;
    default:
        break;
    }
    if (f->awaiting_rdy && c->o.window_ns[DFOTA_WIN_RDY] > 0 && c->res.timed)
        report(c, f, DFOTA_R_TIME_RDY, DFOTA_L_INCOMPLETE, &end, NULL, "RDY after END",
               "the log ends first");
}

void dfota_checker_finish(dfota_checker *c)
{
    dfota_event end = {.t_ns = DFOTA_T_NONE, .line = 0};
    flow *cur = c->cur;
    finish_host(c);
    leave_data_mode(c, &end);
    drop_pending(c, &end, 1, 0);
    if (cur && cur->watch_error)
        pass(c, DFOTA_R_CMD_NO_URC_AFTER_ERROR);
    if (c->up)
        finish_upgrade(c, c->up);
    for (int i = 0; i < SLOTS; i++)
        flow_close(c, &c->slot[i]);
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
}
