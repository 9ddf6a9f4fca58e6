/* SPDX-License-Identifier: MIT */
/* report_html.c - report.html: one self-contained page for a run of
 * scenarios (dfota/report.h): its head, summary and verdict table, and
 * each scenario's section; the parts are in the html_*.c files (html.h).
 *
 * The page must open anywhere, offline and years later, and must never run
 * or fetch what a module sent. It has no script and no URL outside itself,
 * and a Content-Security-Policy that forbids both, so that a mistake in
 * escaping still cannot load or execute anything. Every device byte goes
 * through dfota_escape (control bytes and invalid UTF-8 become \xNN) and
 * then through HTML escaping; every other text from scenarios and results
 * goes through the same two steps with its backslashes kept as they are,
 * since the checker's texts are escaped already.
 *
 * The page is written from the results alone: each result's timeline
 * (dfota/report.h) holds its events as the run's transcript shows them,
 * already classified, so the transcript is never read back. Memory and
 * size stay bounded whatever the length of a run: the timeline keeps at
 * most DFOTA_TIMELINE_MAX events, and the page draws bounded arrays of
 * marks, progress points and reboot gaps from it; the page says what it
 * left out. */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"

#define HTML_ID_NAME_MAX 120      /* bytes of a name in an element id */
#define HTML_ID_CAP (HTML_ID_NAME_MAX + 32)

/* ---- small formatting helpers --------------------------------------------- */

/* A duration as people read it: "250 ms", "4.2 s", "1 min 30 s", "2 h 5 min".
 * decimals > 0 writes seconds with that many decimals (axis ticks finer
 * than a second). */
void html_fmt_duration(char *buf, size_t cap, int64_t ns, int decimals)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    if (decimals > 0) {
        snprintf(buf, cap, "%s%.*f s", sign, decimals, (double)a / (double)DFOTA_NS_PER_S);
        return;
    }
    if (a == 0) {
        snprintf(buf, cap, "0 s");
        return;
    }
    if (a < (uint64_t)DFOTA_NS_PER_S && a % (uint64_t)DFOTA_NS_PER_MS == 0) {
        snprintf(buf, cap, "%s%" PRIu64 " ms", sign, a / (uint64_t)DFOTA_NS_PER_MS);
        return;
    }
    if (a < 60 * (uint64_t)DFOTA_NS_PER_S) {
        snprintf(buf, cap, "%s%.3g s", sign, (double)a / (double)DFOTA_NS_PER_S);
        return;
    }
    uint64_t s = a / (uint64_t)DFOTA_NS_PER_S, hrs = s / 3600, min = s / 60 % 60, sec = s % 60;
    if (hrs)
        snprintf(buf, cap, "%s%" PRIu64 " h %" PRIu64 " min", sign, hrs, min);
    else if (sec)
        snprintf(buf, cap, "%s%" PRIu64 " min %" PRIu64 " s", sign, min, sec);
    else
        snprintf(buf, cap, "%s%" PRIu64 " min", sign, min);
}

/* The id of a scenario's section: "scn-" and its name, any byte outside
 * [a-z0-9.-] of a hand-made name replaced, and "~N" for the N-th run of
 * the same name so that ids stay unique. */
static void id_base(const dfota_scenario_result *res, char *buf, size_t cap)
{
    const char *name = res->scenario && res->scenario->name ? res->scenario->name : "unnamed";
    size_t o = 0;
    for (size_t i = 0; name[i] && i < HTML_ID_NAME_MAX && o + 1 < cap; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        buf[o++] = ok ? c : '_';
    }
    buf[o] = '\0';
}

static void scenario_id(const dfota_run_report *rep, size_t i, char *buf, size_t cap)
{
    char mine[HTML_ID_NAME_MAX + 1], other[HTML_ID_NAME_MAX + 1];
    id_base(&rep->results[i], mine, sizeof mine);
    size_t same = 0;
    for (size_t j = 0; j < i; j++) {
        id_base(&rep->results[j], other, sizeof other);
        same += strcmp(mine, other) == 0;
    }
    if (same)
        snprintf(buf, cap, "scn-%s~%zu", mine, same + 1);
    else
        snprintf(buf, cap, "scn-%s", mine);
}

/* ---- the page's head, summary and verdict table ---------------------------- */

static const char *const page_style[] = {
    ":root{--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;"
    "--warn:#9a6700;--warn-bg:#fff8c5;--inc:#8250df;--inc-bg:#fbefff;--line:#d0d7de;"
    "--muted:#57606a;--blue:#0969da}\n",
    "*{box-sizing:border-box}\n",
    "body{margin:0;padding:0 24px 48px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Noto Sans',sans-serif;color:#1f2328;background:#fff}\n",
    "header{padding:20px 0 12px;border-bottom:1px solid var(--line);margin-bottom:16px}\n",
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 8px}"
    "h3{font-size:15px;margin:18px 0 6px}\n",
    ".meta{color:var(--muted);margin:0 0 8px}\n",
    ".chip{display:inline-block;padding:2px 10px;border-radius:12px;margin-right:6px;"
    "font-weight:600}\n",
    ".banner{margin:10px 0 0;padding:8px 12px;border:1px solid var(--warn);"
    "background:var(--warn-bg);border-radius:6px;font-weight:600}\n",
    "table{border-collapse:collapse}\n",
    "th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}\n",
    "th{background:#f6f8fa;font-weight:600}\n",
    ".v-pass{color:var(--pass);background:var(--pass-bg)}"
    ".v-fail{color:var(--fail);background:var(--fail-bg)}"
    ".v-warn{color:var(--warn);background:var(--warn-bg)}"
    ".v-incomplete{color:var(--inc);background:var(--inc-bg)}"
    ".v-error{color:#fff;background:var(--fail)}"
    ".v-note{color:var(--muted)}.v-na{color:var(--muted)}\n",
    ".verdicts td.cell{text-align:center;font-size:11px;font-weight:700;padding:3px 0;"
    "white-space:nowrap;overflow:hidden}\n",
    "table.verdicts{table-layout:fixed;width:100%}\n",
    "table.verdicts col.c-name{width:24%}table.verdicts col.c-verdict{width:86px}"
    "table.verdicts col.c-steps{width:40px}\n",
    "table.verdicts td.name{overflow-wrap:anywhere}\n",
    ".verdicts th.rule{vertical-align:bottom;padding:6px 0;font-size:11px;overflow:hidden}\n",
    ".legend{font-size:12px;color:#32383f;margin:0 0 8px}"
    ".legend .key{display:inline-block;margin:0 14px 4px 0}\n",
    ".legend .sw{display:inline-block;min-width:18px;padding:0 4px;text-align:center;"
    "font-weight:700;border:1px solid var(--line);border-radius:3px}\n",
    "section.failures{margin:0 0 20px}\n",
    "table.failures{table-layout:fixed;width:100%}table.failures td{overflow-wrap:anywhere}\n",
    "table.failures col.c-verdict{width:96px}table.failures col.c-name{width:26%}"
    "table.failures col.c-rule{width:17%}table.failures col.c-line{width:76px}\n",
    "table.failures td.cell{text-align:center;font-size:11px;font-weight:700}\n",
    "td.rule-id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "font-size:12px}\n",
    ".verdicts th.rule span{writing-mode:vertical-rl;transform:rotate(180deg);"
    "white-space:nowrap}\n",
    ".verdicts a{color:inherit;text-decoration:none}\n",
    ".badge{display:inline-block;min-width:56px;text-align:center;padding:1px 8px;"
    "border-radius:4px;font-size:12px;font-weight:700;margin-right:8px;vertical-align:2px}\n",
    "section.scenario{border-top:2px solid var(--line);margin-top:28px;padding-top:16px}\n",
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 8px}\n",
    "dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}\n",
    "blockquote{margin:4px 0 10px;padding:4px 12px;border-left:4px solid var(--line);"
    "color:#32383f}\n",
    ".error{color:var(--fail);font-weight:600}.muted{color:var(--muted)}"
    "td.nw{white-space:nowrap}\n",
    "table.steps td.what,table.steps td.detail{font-family:ui-monospace,SFMono-Regular,"
    "Menlo,Consolas,monospace;font-size:12.5px;overflow-wrap:anywhere}\n",
    "figure.timeline{margin:10px 0;padding:8px;border:1px solid var(--line);"
    "border-radius:6px;background:#fcfcfd}\n",
    "figure.timeline svg{display:block;width:100%;height:auto}\n",
    "figcaption{font-size:12px;color:var(--muted);margin-top:4px}\n",
    "figcaption .k{margin-right:12px;display:inline-block}\n",
    ".k-cmd{color:#6e7781}.k-fotadl{color:var(--blue)}.k-ok{color:var(--pass)}"
    ".k-err{color:var(--fail)}.k-urc{color:var(--inc)}.k-port{color:#24292f}"
    ".k-reboot{color:#8c959f}.k-win{color:var(--fail)}\n",
    "svg text{font:11px system-ui,sans-serif;fill:#57606a}\n",
    "svg .lane-label{font-weight:600;fill:#424a53}\n",
    "svg .grid{stroke:#eaeef2;stroke-width:1}svg .axis{stroke:#8c959f;stroke-width:1}\n",
    "svg .lane{stroke:#eaeef2;stroke-dasharray:2 3}\n",
    "svg .reboot{fill:#afb8c1;fill-opacity:.35}"
    "svg .reboot.open{fill-opacity:.2;stroke:#8c959f;stroke-dasharray:4 3}\n",
    "svg .window-failed{fill:#cf222e;fill-opacity:.10;stroke:#cf222e;stroke-width:1.2;"
    "stroke-dasharray:5 3}\n",
    "svg .fail-at line{stroke:#cf222e;stroke-width:1.5}svg .fail-at path{fill:#cf222e}\n",
    "svg .finding{fill:#cf222e}\n",
    "svg .progress{fill:none;stroke:#0969da;stroke-width:2;stroke-linejoin:round}\n",
    "svg .progress-end{fill:#0969da}\n",
    "svg .m-cmd{fill:#8c959f}svg .m-fotadl{fill:#0969da}svg .m-ok{fill:#1a7f37}"
    "svg .m-error{fill:#cf222e}svg .m-urc{fill:#8250df}svg .m-urc-bad{fill:#cf222e}"
    "svg .m-port{fill:#24292f}svg .m-rdy{fill:#1a7f37}svg .m-harness{fill:#8c959f}\n",
    "svg .win-label{fill:#cf222e;font-weight:600}svg .m-text{font-size:10px}\n",
    /* a halo keeps a label readable over lines and shading */
    "svg .m-text,svg .win-label{paint-order:stroke;stroke:#fcfcfd;stroke-width:3px;"
    "stroke-linejoin:round}\n",
    "table.transcript{width:100%;font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,"
    "Consolas,monospace}\n",
    "table.transcript td{border:none;border-bottom:1px solid #f0f2f4;padding:1px 8px}\n",
    "table.transcript td.ln,table.transcript td.t{color:var(--muted);text-align:right;"
    "white-space:nowrap;width:1%}\n",
    "table.transcript td.dir{width:1%;font-weight:700}\n",
    "td.d-host{color:var(--blue)}td.d-module{color:#24292f}td.d-harness{color:var(--inc)}\n",
    "table.transcript td.p{white-space:pre-wrap;overflow-wrap:anywhere}\n",
    "tr.fail-line td{background:var(--fail-bg)}tr.fail-line td.ln{color:var(--fail);"
    "font-weight:700}\n",
    "tr.warn-line td{background:var(--warn-bg)}tr.note-line td{background:#f6f8fa}\n",
    "tr.skip td{color:var(--muted);font-style:italic;text-align:center;background:#f6f8fa}\n",
    "tr:target td{outline:2px solid var(--blue)}\n",
    ".why{font-family:system-ui,sans-serif;font-size:12px;font-weight:600;margin:2px 0;"
    "white-space:normal}\n",
    ".why.v-fail,.why.v-warn,.why.v-incomplete,.why.v-note{background:none}\n",
    ".cut{color:var(--muted);font-style:italic}\n",
    "details.transcript-box>summary{cursor:pointer;font-weight:600;margin:14px 0 6px}\n",
    "footer{margin-top:36px;color:var(--muted);font-size:12px}\n",
    /* dfota merge's tables of counts (merge_html.c) */
    "table.counts{margin:0 0 20px}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"};

void html_page_head(html *h, const dfota_run_report *rep)
{
    const char *title = rep->title ? rep->title : "dfota run";
    put(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           /* Defence in depth: nothing on this page may run or be fetched. */
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; base-uri 'none'; "
           "form-action 'none'\">\n"
           "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    put_text(h, title);
    if (rep->started) {
        put(h, " \xe2\x80\x94 ");
        put_text(h, rep->started);
    }
    put(h, "</title>\n<style>\n");
    for (size_t i = 0; i < sizeof page_style / sizeof page_style[0]; i++)
        put(h, page_style[i]);
    put(h, "</style>\n</head>\n<body>\n");
}

dfota_err html_page_end(html *h, char *err, size_t errlen, const char *what)
{
    if (!h->failed && (fflush(h->out) != 0 || ferror(h->out))) {
        h->failed = 1;
        h->errnum = errno;
    }
    if (!h->failed)
        return DFOTA_OK;
    if (err && errlen)
        snprintf(err, errlen, "cannot write %s: %s", what, h->errnum ? strerror(h->errnum) : "write error");
    return DFOTA_E_IO;
}

static void page_summary(html *h, const dfota_run_report *rep)
{
    dfota_run_counts c = dfota_run_count(rep);
    put(h, "<header>\n<h1>");
    put_text(h, rep->title ? rep->title : "dfota run");
    put(h, "</h1>\n<p class=\"meta\">started ");
    put_text(h, rep->started ? rep->started : "(unknown)");
    putf(h, " &middot; profile <b>%s</b> &middot; %zu scenario%s</p>\n",
         dfota_profile_name(rep->profile), rep->n_results, rep->n_results == 1 ? "" : "s");
    if (rep->provenance) {
        const dfota_provenance *p = rep->provenance;
        put(h, "<p class=\"meta\" id=\"provenance\">dfota ");
        put_text(h, p->version);
        put(h, " &middot; commit <b>");
        put_text(h, p->commit);
        put(h, "</b> &middot; rules ");
        put_text(h, p->rules);
        put(h, " &middot; profile ");
        put_text(h, p->profile);
        put(h, " &middot; <code>");
        put_text(h, p->command);
        put(h, "</code></p>\n");
    }
    putf(h, "<p class=\"counts\"><span class=\"chip v-pass\">%zu passed</span>"
            "<span class=\"chip v-fail\">%zu failed</span>"
            "<span class=\"chip v-incomplete\">%zu incomplete</span>"
            "<span class=\"chip %s\">%zu errors</span></p>\n",
         c.passed, c.failed, c.incomplete, c.errors ? "v-error" : "v-na", c.errors);
    if (rep->interrupted)
        put(h, "<p class=\"banner\" id=\"interrupted\">This run was interrupted before its end: "
               "scenarios that did not run are missing, and the last one may be cut short.</p>\n");
    put(h, "</header>\n");
}

/* ---- what failed, first ------------------------------------------------------- */

/* One row of the failures summary: the verdict, the scenario (a link to its
 * section), the rule, the transcript line (a link to it in the listing) and
 * one sentence: the first failed step's, else the first failed rule's. */
static void failure_row(html *h, const dfota_scenario_result *res, const char *id)
{
    const char *rule = NULL, *why = NULL;
    size_t why_cap = DFOTA_TEXT_MAX;
    unsigned long line = 0;
    if (res->harness_error) {
        why = res->error;
        why_cap = sizeof res->error;
    }
    size_t n = step_count(res);
    for (size_t i = 0; i < n && !why; i++) {
        const dfota_step_result *st = &res->steps[i];
        if (st->verdict == DFOTA_V_FAIL || st->verdict == DFOTA_V_INCOMPLETE) {
            rule = step_rule(st);
            why = st->detail[0] ? st->detail : st->what;
            line = dfota_report_step_line(res, st);
        }
    }
    for (int r = 0; r < DFOTA_RULE_COUNT && !why; r++) {
        dfota_verdict v = res->rules.rule[r];
        if (v == DFOTA_V_FAIL || (v == DFOTA_V_INCOMPLETE && res->verdict != DFOTA_V_FAIL)) {
            rule = dfota_rule_get((dfota_rule)r)->id;
            why = res->rules.rule_reason[r][0] ? res->rules.rule_reason[r]
                                                : dfota_rule_get((dfota_rule)r)->summary;
            line = dfota_report_rule_line(res, (dfota_rule)r);
        }
    }
    if (res->harness_error)
        put(h, "<tr><td class=\"cell v-error\">ERROR</td>");
    else
        putf(h, "<tr><td class=\"cell %s\">%s</td>", verdict_class(res->verdict),
             dfota_verdict_name(res->verdict));
    putf(h, "<td class=\"name\"><a href=\"#%s\">", id);
    put_text(h, scenario_name(res));
    put(h, "</a></td><td class=\"rule-id\">");
    put_text(h, rule && rule[0] ? rule : "\xe2\x80\x94");
    if (line)
        putf(h, "</td><td class=\"nw\"><a href=\"#%s-L%lu\">line %lu</a></td><td>", id, line,
             line);
    else
        put(h, "</td><td class=\"nw muted\">\xe2\x80\x94</td><td>");
    if (why)
        put_escaped(h, why, bounded_len(why, why_cap), 1);
    else
        put(h, "the scenario did not pass");
    put(h, "</td></tr>\n");
}

/* The page opens with what failed: every scenario that did not pass, or a
 * sentence that all passed. Always the first section of the page. */
static void failures_summary(html *h, const dfota_run_report *rep)
{
    size_t bad = 0;
    for (size_t i = 0; i < rep->n_results; i++)
        bad += rep->results[i].harness_error || rep->results[i].verdict != DFOTA_V_PASS;
    put(h, "<section class=\"failures\" id=\"failures\">\n");
    if (!bad) {
        putf(h, "<h2>Nothing failed</h2>\n<p>All %zu scenario%s passed.</p>\n</section>\n",
             rep->n_results, rep->n_results == 1 ? "" : "s");
        return;
    }
    putf(h, "<h2>What failed: %zu of %zu scenario%s</h2>\n<table class=\"failures\">\n"
            "<colgroup><col class=\"c-verdict\"><col class=\"c-name\"><col class=\"c-rule\">"
            "<col class=\"c-line\"><col></colgroup>\n<thead><tr><th>verdict</th><th>scenario</th>"
            "<th>rule</th><th>line</th><th>what happened</th></tr></thead>\n<tbody>\n",
         bad, rep->n_results, rep->n_results == 1 ? "" : "s");
    for (size_t i = 0; i < rep->n_results && !h->failed; i++) {
        const dfota_scenario_result *res = &rep->results[i];
        if (!res->harness_error && res->verdict == DFOTA_V_PASS)
            continue;
        char id[HTML_ID_CAP];
        scenario_id(rep, i, id, sizeof id);
        failure_row(h, res, id);
    }
    put(h, "</tbody>\n</table>\n</section>\n");
}

/* A TIME-* rule's verdict from the steps whose window it judges: a run
 * judges its windows as steps, and the checker's own TIME-* verdict (when
 * it gave one) counts too. The worst of them, and the first step that got
 * it (or NULL). */
static int is_time_rule(dfota_rule r)
{
    return (r >= DFOTA_R_TIME_FINAL_RESULT && r <= DFOTA_R_TIME_UPDATE) || r == DFOTA_R_TIME_WINDOW;
}

static dfota_verdict cell_verdict(const dfota_scenario_result *res, dfota_rule r,
                                  const dfota_step_result **step)
{
    dfota_verdict v = res->rules.rule[r];
    *step = NULL;
    if (!is_time_rule(r))
        return v;
    size_t n = step_count(res);
    for (size_t i = 0; i < n; i++) {
        const dfota_step *sp = &res->scenario->steps[i];
        const dfota_step_result *st = &res->steps[i];
        if (st->verdict == DFOTA_V_NA || !(sp->within_ns > 0 || sp->after_ns > 0 || sp->max_gap_ns > 0))
            continue;
        dfota_rule wr = sp->window < DFOTA_WIN_COUNT ? dfota_window_rule(sp->window) : DFOTA_R_TIME_WINDOW;
        if (wr != r)
            continue;
        if (st->verdict > v || (!*step && st->verdict == v)) {
            if (st->verdict > v)
                v = st->verdict;
            *step = st;
        }
    }
    return v;
}

/* The letter a rule's cell shows (the legend says what each means). */
static const char *verdict_letter(dfota_verdict v)
{
    static const char *const l[] = {"", "P", "W", "I", "F"};
    return (unsigned)v < 5 ? l[v] : "";
}

static void rule_cell(html *h, const dfota_scenario_result *res, const char *id, dfota_rule r)
{
    const dfota_step_result *st;
    dfota_verdict v = cell_verdict(res, r, &st);
    if (v == DFOTA_V_NA) {
        put(h, "<td class=\"cell v-na\"></td>");
        return;
    }
    const dfota_rule_info *info = dfota_rule_get(r);
    const char *reason = res->rules.rule_reason[r];
    putf(h, "<td class=\"cell %s\" title=\"%s %s: ", verdict_class(v), info->id,
         dfota_verdict_name(v));
    /* rule_reason is a fixed array: bound the read by its size. */
    if (st && (res->rules.rule[r] < v || !reason[0])) {
        putf(h, "step %zu ", st->index + 1);
        put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
        if (st->detail[0] && v != DFOTA_V_PASS) {
            put(h, " \xe2\x80\x94 ");
            put_escaped(h, st->detail, bounded_len(st->detail, DFOTA_TEXT_MAX), 1);
        }
    } else if (reason[0])
        put_escaped(h, reason, bounded_len(reason, DFOTA_TEXT_MAX), 1);
    else
        put_text(h, info->summary);
    unsigned long line = v == DFOTA_V_PASS ? 0
                         : st            ? dfota_report_step_line(res, st)
                                         : dfota_report_rule_line(res, r);
    if (line)
        putf(h, "\"><a href=\"#%s-L%lu\">%s</a></td>", id, line, verdict_letter(v));
    else if (st)
        putf(h, "\"><a href=\"#%s-steps\">%s</a></td>", id, verdict_letter(v));
    else
        putf(h, "\"><a href=\"#%s\">%s</a></td>", id, verdict_letter(v));
}

/* The steps column: passed/total, coloured by the worst step reached. */
static void steps_cell(html *h, const dfota_scenario_result *res, const char *id)
{
    size_t n = step_count(res), passed = 0, shown = 0;
    dfota_verdict worst = DFOTA_V_NA;
    for (size_t i = 0; i < n; i++) {
        dfota_verdict v = res->steps[i].verdict;
        passed += v == DFOTA_V_PASS || v == DFOTA_V_WARN;
        if (v > worst)
            worst = v;
    }
    putf(h, "<td class=\"cell %s\" title=\"", verdict_class(worst));
    for (size_t i = 0; i < n && shown < 5; i++) {
        const dfota_step_result *st = &res->steps[i];
        if (st->verdict == DFOTA_V_PASS)
            continue;
        putf(h, "%sstep %zu %s: ", shown ? "\n" : "", st->index + 1,
             st->verdict == DFOTA_V_NA ? "not reached" : dfota_verdict_name(st->verdict));
        put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
        shown++;
    }
    if (!shown)
        putf(h, "%zu of %zu steps passed", passed, n);
    putf(h, "\"><a href=\"#%s-steps\">%zu/%zu</a></td>", id, passed, n);
}

/* What the colours and letters of the verdict table mean. */
static void verdict_legend(html *h)
{
    put(h, "<p class=\"legend\" id=\"legend\">"
           "<span class=\"key\"><span class=\"sw v-pass\">P</span> PASS: the rule held</span>"
           "<span class=\"key\"><span class=\"sw v-warn\">W</span> WARN: held, with something "
           "to know (the field profile tolerates it)</span>"
           "<span class=\"key\"><span class=\"sw v-incomplete\">I</span> INCOMPLETE: the log "
           "ended before it could be judged</span>"
           "<span class=\"key\"><span class=\"sw v-fail\">F</span> FAIL: the rule was broken"
           "</span>"
           "<span class=\"key\"><span class=\"sw v-error\">ERROR</span> the bench, not the "
           "module, failed</span>"
           "<span class=\"key\"><span class=\"sw v-na\">&nbsp;</span> blank: the rule did not "
           "apply</span>"
           "<span class=\"key\"><b>steps</b>: steps passed of all</span>"
           "<span class=\"key\"><b>TIME-*</b>: the scenario's timing windows</span>"
           "<span class=\"key\">A NOTE is a remark that judges nothing: it is listed with the "
           "findings, never in this table. Hover a cell for its reason; click it for the "
           "line.</span></p>\n");
}

static void verdict_table(html *h, const dfota_run_report *rep)
{
    int used[DFOTA_RULE_COUNT] = {0};
    size_t n_used = 0;
    for (size_t i = 0; i < rep->n_results; i++)
        for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
            const dfota_step_result *st;
            if (cell_verdict(&rep->results[i], (dfota_rule)r, &st) != DFOTA_V_NA)
                used[r] = 1;
        }
    for (int r = 0; r < DFOTA_RULE_COUNT; r++)
        n_used += used[r] != 0;
    put(h, "<section class=\"verdicts\" id=\"by-rule\">\n<h2>Verdicts by rule</h2>\n");
    verdict_legend(h);
    /* A fixed layout: the rule columns share what the name, verdict and
     * steps leave, evenly, so that the table fits any window. */
    put(h, "<table class=\"verdicts\" id=\"verdicts\">\n<colgroup><col class=\"c-name\">"
           "<col class=\"c-verdict\"><col class=\"c-steps\">");
    for (size_t k = 0; k < n_used; k++)
        put(h, "<col class=\"c-rule\">");
    put(h, "</colgroup>\n<thead><tr><th>scenario</th><th>verdict</th><th class=\"rule\"><span>"
           "steps</span></th>");
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        if (!used[r])
            continue;
        const dfota_rule_info *info = dfota_rule_get((dfota_rule)r);
        put(h, "<th class=\"rule\" title=\"");
        put_text(h, info->summary);
        putf(h, " (\xc2\xa7%s)\"><span>%s</span></th>", info->section, info->id);
    }
    put(h, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < rep->n_results && !h->failed; i++) {
        const dfota_scenario_result *res = &rep->results[i];
        char id[HTML_ID_CAP];
        scenario_id(rep, i, id, sizeof id);
        putf(h, "<tr><td class=\"name\"><a href=\"#%s\">", id);
        put_text(h, scenario_name(res));
        put(h, "</a>");
        if (res->scenario && res->scenario->section) {
            put(h, " <span class=\"muted\">\xc2\xa7");
            put_text(h, res->scenario->section);
            put(h, "</span>");
        }
        if (res->harness_error)
            put(h, "</td><td class=\"cell v-error\">ERROR</td>");
        else
            putf(h, "</td><td class=\"cell %s\">%s</td>", verdict_class(res->verdict),
                 dfota_verdict_name(res->verdict));
        steps_cell(h, res, id);
        for (int r = 0; r < DFOTA_RULE_COUNT; r++)
            if (used[r])
                rule_cell(h, res, id, (dfota_rule)r);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n</section>\n");
}

/* ---- one scenario ---------------------------------------------------------------- */

static void scenario_section(html *h, const dfota_run_report *rep, size_t i, work *w)
{
    const dfota_scenario_result *res = &rep->results[i];
    char id[HTML_ID_CAP];
    scenario_id(rep, i, id, sizeof id);
    html_work_reset(w);
    html_gather_notes(w, res);
    if (res->transcript[0])
        html_collect(w, res);

    putf(h, "<section class=\"scenario\" id=\"%s\">\n<h2>", id);
    if (res->harness_error)
        put(h, "<span class=\"badge v-error\">ERROR</span>");
    else
        putf(h, "<span class=\"badge %s\">%s</span>", verdict_class(res->verdict),
             dfota_verdict_name(res->verdict));
    put_text(h, scenario_name(res));
    put(h, "</h2>\n");
    html_scenario_facts(h, res, w);
    html_steps_table(h, res, w, id);
    html_findings_table(h, res, w, id);
    putf(h, "<h3 id=\"%s-time\">Timeline</h3>\n", id);
    if (!res->transcript[0]) {
        put(h, "<p class=\"muted\">No transcript was written for this scenario: no timeline "
               "and no listing.</p>\n");
    } else {
        html_draw_timeline(h, w, res, id);
        html_listing(h, w, res, id);
    }
    put(h, "</section>\n");
}

dfota_err dfota_report_html(FILE *out, const dfota_run_report *rep, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || !rep || (rep->n_results && !rep->results)) {
        if (err && errlen)
            snprintf(err, errlen, "dfota_report_html: no output or no report");
        return DFOTA_E_ARG;
    }
    work *w = calloc(1, sizeof *w);
    if (!w) {
        if (err && errlen)
            snprintf(err, errlen, "no memory for the HTML report");
        return DFOTA_E_NOMEM;
    }
    html h = {out, 0, 0};
    html_page_head(&h, rep);
    page_summary(&h, rep);
    failures_summary(&h, rep);
    verdict_table(&h, rep);
    for (size_t i = 0; i < rep->n_results && !h.failed; i++)
        scenario_section(&h, rep, i, w);
    put(&h, "<footer>Written by dfota. This page is self-contained: it loads nothing and runs "
            "nothing. Device bytes are shown escaped as in the transcript format: \\xNN for a "
            "byte that is not printable text, \\\\ for a backslash.</footer>\n</body>\n</html>\n");
    free(w);
    return html_page_end(&h, err, errlen, "the HTML report");
}
