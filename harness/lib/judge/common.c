/* SPDX-License-Identifier: MIT */
/* common.c - what every file of the judge uses: findings (report, pass,
 * log damage), spans of time, escaping, and the few facts about a flow the
 * machine and more than one rule family read (judge/judge_int.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/judge.h"
#include "dfota/log.h"
#include "base/text.h"
#include "judge/judge_int.h"

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

void judge_escape_into(char *dst, size_t cap, const char *s, size_t n)
{
    size_t need = dfota_escape(s, n, dst, cap);
    if (need >= cap && cap > 4)
        text_cut_marked(dst, cap); /* say that it was cut */
}

const char *judge_shown(const dfota_event *ev, char *buf, size_t cap)
{
    judge_escape_into(buf, cap, ev->data, ev->len);
    return buf;
}

dfota_proto judge_stage_proto(dfota_stage st)
{
    switch (st) {
    case DFOTA_STAGE_FTPSTART: case DFOTA_STAGE_FTPEND: return DFOTA_PROTO_FTP;
    case DFOTA_STAGE_HTTPSTART: case DFOTA_STAGE_HTTPEND: return DFOTA_PROTO_HTTP;
    case DFOTA_STAGE_HTTPSSTART: case DFOTA_STAGE_HTTPSEND: return DFOTA_PROTO_HTTPS;
    case DFOTA_STAGE_FILESTART: case DFOTA_STAGE_FILEEND: return DFOTA_PROTO_FILE;
    default: return DFOTA_PROTO_NONE;
    }
}

int64_t judge_answer_owed_ns(const dfota_checker *c)
{
    int64_t w = c->o.window_ns[DFOTA_WIN_FINAL_RESULT];
    return w > 0 ? w : ANSWER_OWED_NS;
}

int judge_retries_exhausted(const flow *f)
{
    return f->retry_code == 505 && f->n505 >= DFOTA_RETRY_505_MAX;
}

/* ---- findings ----------------------------------------------------------- */

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

void judge_report(dfota_checker *c, flow *f, dfota_rule r, dfota_level l, const dfota_event *ev,
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

void judge_log_damage(dfota_checker *c, flow *f, dfota_rule r, const dfota_event *ev,
                const char *quirk, const char *expected, const char *what, const char *text)
{
    if (c->res.altered++ == 0)
        snprintf(c->res.altered_reason, sizeof c->res.altered_reason, "%s at line %lu", what,
                 ev ? ev->line : 0UL);
    judge_report(c, f, r, DFOTA_L_NOTE, ev, quirk, expected, "%s, %s: %s", what, DFOTA_LOG_ALTERED,
           text);
}

void judge_harness_late_count(dfota_checker *c, const char *fmt, ...)
{
    if (c->res.harness_late++ > 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res.harness_late_reason, sizeof c->res.harness_late_reason, fmt, ap);
    va_end(ap);
}

void judge_harness_late(dfota_checker *c, flow *f, dfota_rule r, const dfota_event *ev,
                        const char *expected, int64_t d, int64_t late)
{
    char at[32] = "";
    if (ev->line > 0) /* a live judge that records nothing numbers no line */
        snprintf(at, sizeof at, " at line %lu", ev->line);
    judge_harness_late_count(c, "%s, read after %.3fs%s, may have come up to %.3fs sooner",
                             dfota_rule_get(r)->id, dfota_seconds(d), at, dfota_seconds(late));
    judge_report(c, f, r, DFOTA_L_INCOMPLETE, ev, NULL, expected,
           "read after %.3fs, but the harness may have read it up to %.3fs after it came: "
           "not judged", dfota_seconds(d), dfota_seconds(late));
}

/* START may come later than usual (a module may even refuse a new
 * AT+QFOTADL, busy, meanwhile), so a log that ends before it is INCOMPLETE;
 * but a module that answered a new AT+QFOTADL after the reboot that should
 * have brought START is back in normal mode, and with no START to the end,
 * START is missing. */
void judge_start_owed(dfota_checker *c, flow *f, dfota_rule r, const flow_cut *cut,
                const char *expected, const char *seen)
{
    if (!cut->at_end)
        judge_report(c, f, r, DFOTA_L_FAIL, cut->ev, NULL, expected, "%s", seen);
    else if (f->answered_line)
        judge_report(c, f, r, DFOTA_L_FAIL, cut->ev, NULL, expected,
               "none: after its reboot the module answered the AT+QFOTADL of line %lu, back in "
               "normal mode, and the log ends with no START", f->answered_line);
    else
        judge_report(c, f, r, DFOTA_L_INCOMPLETE, cut->ev, NULL, expected, "the log ends first");
}
