/* report_html.c - report.html: one self-contained page for a run of
 * scenarios (dfota/report.h).
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
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/log.h"
#include "dfota/report.h"
#include "report/html.h"

/* What one scenario may put on the page. */
#define HTML_MARKS_MAX 4000       /* timeline marks (commands, results, URCs, port events) */
#define HTML_POINTS_MAX 20000     /* UPDATING points */
#define HTML_GAPS_MAX 512         /* reboot gaps */
#define HTML_NOTES_MAX (DFOTA_RUN_FINDINGS_MAX + DFOTA_SCENARIO_STEPS_MAX)
#define HTML_LABEL_IN 48          /* bytes of a line in a mark's hover text */
#define HTML_LABEL_CAP (HTML_LABEL_IN * 4 + 8)
#define HTML_SHORT_CAP 24         /* the text written beside a mark */
#define HTML_ID_NAME_MAX 120      /* bytes of a name in an element id */
#define HTML_ID_CAP (HTML_ID_NAME_MAX + 32)
#define ESC_CHUNK 256             /* bytes escaped at a time */

#define NS_MS 1000000LL
#define NS_S 1000000000LL

/* ---- writing -------------------------------------------------------------- */

typedef struct {
    FILE *out;
    int failed;   /* a write failed: everything after is skipped */
    int errnum;   /* errno of the first failed write */
} html;

static void put_n(html *h, const char *s, size_t n)
{
    if (h->failed || n == 0)
        return;
    if (fwrite(s, 1, n, h->out) != n) {
        h->failed = 1;
        h->errnum = errno;
    }
}

static void put(html *h, const char *s)
{
    put_n(h, s, strlen(s));
}

static void putf(html *h, const char *fmt, ...) DFOTA_PRINTF(2, 3);

static void putf(html *h, const char *fmt, ...)
{
    if (h->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(h->out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->failed = 1;
        h->errnum = errno;
    }
}

/* HTML-escapes s[0..n), which holds no control byte and only valid UTF-8. */
static void put_html_safe(html *h, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        put_n(h, s + from, i - from);
        put(h, rep);
        from = i + 1;
    }
    put_n(h, s + from, n - from);
}

/* Writes s[0..n) escaped for a page: dfota_escape, then HTML. With
 * keep_backslash, a backslash is written as it is instead of doubled: the
 * text was escaped once already. */
static void put_escaped(html *h, const char *s, size_t n, int keep_backslash)
{
    char buf[ESC_CHUNK * 4 + 1];
    while (n > 0 && !h->failed) {
        size_t k = n < ESC_CHUNK ? n : ESC_CHUNK;
        if (keep_backslash) {
            const char *bs = memchr(s, '\\', k);
            if (bs == s) {
                put(h, "\\");
                s++;
                n--;
                continue;
            }
            if (bs)
                k = (size_t)(bs - s);
        }
        if (k < n)
            k = utf8_cut(s, k);
        size_t len = dfota_escape(s, k, buf, sizeof buf);
        put_html_safe(h, buf, len < sizeof buf ? len : sizeof buf - 1);
        s += k;
        n -= k;
    }
}

/* The length of a string in a fixed array of cap bytes, which a result
 * filled and may not have terminated. */
static size_t bounded_len(const char *s, size_t cap)
{
    const char *z = memchr(s, '\0', cap);
    return z ? (size_t)(z - s) : cap;
}

/* Text from a scenario or a result (names, the checker's sentences). */
static void put_text(html *h, const char *s)
{
    if (s)
        put_escaped(h, s, strlen(s), 1);
}

/* Bytes as the device sent them. */
static void put_bytes(html *h, const char *s, size_t n)
{
    put_escaped(h, s, n, 0);
}

/* ---- small formatting helpers --------------------------------------------- */

static const char *verdict_class(dfota_verdict v)
{
    static const char *const c[] = {"v-na", "v-pass", "v-warn", "v-incomplete", "v-fail"};
    return (unsigned)v < 5 ? c[v] : "v-na";
}

static const char *level_class(dfota_level l)
{
    static const char *const c[] = {"v-note", "v-warn", "v-incomplete", "v-fail"};
    return (unsigned)l < 4 ? c[l] : "v-note";
}

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

/* A duration as people read it: "250 ms", "4.2 s", "1 min 30 s", "2 h 5 min".
 * decimals > 0 writes seconds with that many decimals (axis ticks finer
 * than a second). */
static void html_fmt_duration(char *buf, size_t cap, int64_t ns, int decimals)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    if (decimals > 0) {
        snprintf(buf, cap, "%s%.*f s", sign, decimals, (double)a / (double)NS_S);
        return;
    }
    if (a == 0) {
        snprintf(buf, cap, "0 s");
        return;
    }
    if (a < (uint64_t)NS_S && a % (uint64_t)NS_MS == 0) {
        snprintf(buf, cap, "%s%" PRIu64 " ms", sign, a / (uint64_t)NS_MS);
        return;
    }
    if (a < 60 * (uint64_t)NS_S) {
        snprintf(buf, cap, "%s%.3g s", sign, (double)a / (double)NS_S);
        return;
    }
    uint64_t s = a / (uint64_t)NS_S, hrs = s / 3600, min = s / 60 % 60, sec = s % 60;
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

static const char *scenario_name(const dfota_scenario_result *res)
{
    return res->scenario && res->scenario->name ? res->scenario->name : "(no scenario)";
}

static size_t step_count(const dfota_scenario_result *res)
{
    return res->scenario && res->steps ? res->scenario->n_steps : 0;
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
    ".verdicts td.cell{text-align:center;font-size:11px;font-weight:700;padding:3px 4px;"
    "white-space:nowrap}\n",
    ".verdicts th.rule{vertical-align:bottom;padding:6px 2px;font-size:11px}\n",
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
    "figcaption .k{margin-right:12px;white-space:nowrap}\n",
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
    "footer{margin-top:36px;color:var(--muted);font-size:12px}\n"};

static void html_page_head(html *h, const dfota_run_report *rep)
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

/* The first finding of rule r with a line, for a cell's link. */
static unsigned long first_finding_line(const dfota_scenario_result *res, dfota_rule r)
{
    for (size_t i = 0; i < res->n_findings && i < DFOTA_RUN_FINDINGS_MAX; i++)
        if (res->findings[i].rule == r && res->findings[i].line > 0 &&
            res->findings[i].level != DFOTA_L_NOTE)
            return res->findings[i].line;
    return 0;
}

static void rule_cell(html *h, const dfota_scenario_result *res, const char *id, dfota_rule r)
{
    dfota_verdict v = res->rules.rule[r];
    if (v == DFOTA_V_NA) {
        put(h, "<td class=\"cell v-na\"></td>");
        return;
    }
    const dfota_rule_info *info = dfota_rule_get(r);
    const char *reason = res->rules.rule_reason[r];
    putf(h, "<td class=\"cell %s\" title=\"%s: ", verdict_class(v), info->id);
    /* rule_reason is a fixed array: bound the read by its size. */
    if (reason[0])
        put_escaped(h, reason, bounded_len(reason, DFOTA_TEXT_MAX), 1);
    else
        put_text(h, info->summary);
    unsigned long line = v == DFOTA_V_PASS ? 0 : first_finding_line(res, r);
    if (line)
        putf(h, "\"><a href=\"#%s-L%lu\">%s</a></td>", id, line, dfota_verdict_name(v));
    else
        putf(h, "\"><a href=\"#%s\">%s</a></td>", id, dfota_verdict_name(v));
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

static void verdict_table(html *h, const dfota_run_report *rep)
{
    int used[DFOTA_RULE_COUNT] = {0};
    for (size_t i = 0; i < rep->n_results; i++)
        for (int r = 0; r < DFOTA_RULE_COUNT; r++)
            if (rep->results[i].rules.rule[r] != DFOTA_V_NA)
                used[r] = 1;
    put(h, "<h2>Verdicts by rule</h2>\n<table class=\"verdicts\" id=\"verdicts\">\n<thead><tr>"
           "<th>scenario</th><th>section</th><th>verdict</th><th class=\"rule\"><span>steps"
           "</span></th>");
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
        putf(h, "<tr><td><a href=\"#%s\">", id);
        put_text(h, scenario_name(res));
        put(h, "</a></td><td>");
        put_text(h, res->scenario ? res->scenario->section : NULL);
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
    put(h, "</tbody>\n</table>\n");
}

/* ---- the timeline's data, from the result's timeline ---------------------------- */

typedef enum {
    MK_CMD, MK_FOTADL, MK_OK, MK_ERROR, MK_URC, MK_URC_BAD,
    MK_PORT_LOST, MK_PORT_BACK, MK_RDY, MK_HARNESS
} mark_kind;

typedef struct {
    int64_t t;
    unsigned long idx;        /* 0-based event index: the x of an untimed transcript */
    unsigned long line;
    mark_kind kind;
    char label[HTML_LABEL_CAP]; /* the line, dfota-escaped, maybe cut */
    char short_label[HTML_SHORT_CAP]; /* beside the mark: "FTPEND,0", "OK" */
} mark;

typedef struct {
    int64_t t;
    unsigned long idx, line;
    int percent;
    unsigned attempt;
} point;

typedef struct {
    int64_t t0, t1;
    unsigned long i0, i1, l0, l1;
    int open;                 /* the port had not come back when the transcript ends */
} gap;

/* A transcript line the listing annotates: a finding, or a failed step's
 * settling event. */
typedef struct {
    unsigned long line;
    int is_step;
    size_t index;             /* into steps or findings */
    dfota_level level;
    int found;                /* the transcript has the line */
    unsigned long idx;
    int64_t t;
} note;

typedef struct {
    mark marks[HTML_MARKS_MAX];
    size_t n_marks;
    unsigned long marks_dropped;
    point points[HTML_POINTS_MAX];
    size_t n_points;
    unsigned long points_dropped;
    gap gaps[HTML_GAPS_MAX];
    size_t n_gaps;
    unsigned long gaps_dropped;
    int gap_open;
    unsigned attempt;
    note notes[HTML_NOTES_MAX];
    size_t n_notes;
    unsigned long events;
    unsigned long dropped;    /* events the run did not keep (dfota/report.h) */
    unsigned long last_listed_line; /* the last line listed */
    int timed;
    int64_t t_min, t_max, last_t;
} work;

static int note_cmp(const void *a, const void *b)
{
    const note *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->is_step != y->is_step)
        return x->is_step ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void html_gather_notes(work *w, const dfota_scenario_result *res)
{
    w->n_notes = 0;
    size_t n = step_count(res);
    for (size_t i = 0; i < n && w->n_notes < HTML_NOTES_MAX; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL && res->steps[i].event_line > 0)
            w->notes[w->n_notes++] = (note){res->steps[i].event_line, 1, i, DFOTA_L_FAIL, 0, 0, 0};
    for (size_t i = 0; i < res->n_findings && i < DFOTA_RUN_FINDINGS_MAX; i++)
        if (res->findings[i].line > 0 && w->n_notes < HTML_NOTES_MAX)
            w->notes[w->n_notes++] =
                (note){res->findings[i].line, 0, i, res->findings[i].level, 0, 0, 0};
    qsort(w->notes, w->n_notes, sizeof w->notes[0], note_cmp);
}

/* Index of the first note on line, or n_notes. */
static size_t html_notes_at(const work *w, unsigned long line)
{
    size_t lo = 0, hi = w->n_notes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->notes[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n_notes && w->notes[lo].line == line ? lo : w->n_notes;
}

/* Is the line listed on the page (so that a link to it lands)? */
static int html_line_listed(const work *w, unsigned long line)
{
    if (line == 0)
        return 0;
    if (line <= w->last_listed_line)
        return 1;
    size_t k = html_notes_at(w, line);
    return k < w->n_notes && w->notes[k].found;
}

/* Copies up to max escaped bytes of src to dst, cut before '=' (so that a
 * command shows as its name), never inside a UTF-8 sequence. */
static void short_from(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = 0;
    while (src[n] && src[n] != '=' && n < max && n + 1 < cap)
        n++;
    if (src[n] && n > 0)
        n = utf8_cut(src, n);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void add_mark(work *w, mark_kind kind, const dfota_event *ev, int64_t t, unsigned long idx,
                     const dfota_item *it)
{
    if (w->n_marks >= HTML_MARKS_MAX) {
        w->marks_dropped++;
        return;
    }
    mark *m = &w->marks[w->n_marks++];
    m->t = t;
    m->idx = idx;
    m->line = ev->line;
    m->kind = kind;
    size_t k = ev->len > HTML_LABEL_IN ? utf8_cut(ev->data, HTML_LABEL_IN) : ev->len;
    size_t len = dfota_escape(ev->data, k, m->label, sizeof m->label - 4);
    if (k < ev->len && len < sizeof m->label - 4)
        memcpy(m->label + len, "\xe2\x80\xa6", 4); /* ... and the NUL */
    switch (kind) {
    case MK_OK: snprintf(m->short_label, sizeof m->short_label, "OK"); break;
    case MK_ERROR: snprintf(m->short_label, sizeof m->short_label, "ERROR"); break;
    case MK_PORT_LOST: snprintf(m->short_label, sizeof m->short_label, "port lost"); break;
    case MK_PORT_BACK: snprintf(m->short_label, sizeof m->short_label, "port back"); break;
    case MK_RDY: snprintf(m->short_label, sizeof m->short_label, "RDY"); break;
    case MK_URC:
    case MK_URC_BAD:
        if (it->kind == DFOTA_ITEM_URC && it->has_code)
            snprintf(m->short_label, sizeof m->short_label, "%s,%ld",
                     dfota_stage_name(it->stage), it->code);
        else if (it->kind == DFOTA_ITEM_URC)
            snprintf(m->short_label, sizeof m->short_label, "%s", dfota_stage_name(it->stage));
        else
            snprintf(m->short_label, sizeof m->short_label, "bad URC");
        break;
    default:
        short_from(m->short_label, sizeof m->short_label, m->label, 14);
        break;
    }
}

static void port_lost(work *w, const dfota_event *ev, int64_t t, unsigned long idx)
{
    if (w->gap_open)
        return; /* still away: the same reboot */
    if (w->n_gaps >= HTML_GAPS_MAX) {
        w->gaps_dropped++;
        return;
    }
    w->gaps[w->n_gaps++] = (gap){t, t, idx, idx, ev->line, ev->line, 1};
    w->gap_open = 1;
}

static void port_back(work *w, const dfota_event *ev, int64_t t, unsigned long idx)
{
    if (!w->gap_open)
        return;
    gap *g = &w->gaps[w->n_gaps - 1];
    g->t1 = t;
    g->i1 = idx;
    g->l1 = ev->line;
    g->open = 0;
    w->gap_open = 0;
}

static void add_point(work *w, const dfota_event *ev, int64_t t, unsigned long idx, long pct)
{
    if (w->n_points >= HTML_POINTS_MAX) {
        w->points_dropped++;
        return;
    }
    int p = pct < 0 ? 0 : pct > 100 ? 100 : (int)pct; /* drawn inside the plot */
    w->points[w->n_points++] = (point){t, idx, ev->line, p, w->attempt};
}

static void take_module(work *w, const dfota_event *ev, const dfota_item *it, int64_t t,
                        unsigned long idx)
{
    switch (it->kind) {
    case DFOTA_ITEM_OK: add_mark(w, MK_OK, ev, t, idx, it); break;
    case DFOTA_ITEM_ERROR: add_mark(w, MK_ERROR, ev, t, idx, it); break;
    case DFOTA_ITEM_RDY: add_mark(w, MK_RDY, ev, t, idx, it); break;
    case DFOTA_ITEM_PORT_GONE:
        add_mark(w, MK_PORT_LOST, ev, t, idx, it);
        port_lost(w, ev, t, idx);
        break;
    case DFOTA_ITEM_PORT_BACK:
        add_mark(w, MK_PORT_BACK, ev, t, idx, it);
        port_back(w, ev, t, idx);
        break;
    case DFOTA_ITEM_BAD_URC: add_mark(w, MK_URC_BAD, ev, t, idx, it); break;
    case DFOTA_ITEM_URC:
        if (it->stage == DFOTA_STAGE_UPDATING && it->has_code) {
            add_point(w, ev, t, idx, it->code);
            break;
        }
        if (it->stage == DFOTA_STAGE_START)
            w->attempt++;
        {
            int bad = it->stage == DFOTA_STAGE_UNKNOWN ||
                      (dfota_stage_takes_code(it->stage) && (!it->has_code || it->code != 0));
            add_mark(w, bad ? MK_URC_BAD : MK_URC, ev, t, idx, it);
        }
        break;
    default:
        break;
    }
}

/* One event of the timeline, as the run classified it (it, hev). */
static void take_event(work *w, const dfota_event *ev, const dfota_item *it,
                       dfota_harness_event hev)
{
    unsigned long idx = w->events++;
    int64_t t = ev->t_ns;
    if (t != DFOTA_T_NONE && t != 0)
        w->timed = 1;
    if (t == DFOTA_T_NONE)
        t = w->last_t;
    w->last_t = t;
    if (idx == 0 || t < w->t_min)
        w->t_min = t;
    if (idx == 0 || t > w->t_max)
        w->t_max = t;
    w->last_listed_line = ev->line;
    for (size_t k = html_notes_at(w, ev->line); k < w->n_notes && w->notes[k].line == ev->line; k++)
        if (!w->notes[k].found) {
            w->notes[k].found = 1;
            w->notes[k].idx = idx;
            w->notes[k].t = t;
        }
    if (ev->dir == DFOTA_DIR_HARNESS) {
        dfota_item none = {.kind = DFOTA_ITEM_OTHER};
        if (hev == DFOTA_HEV_PORT_LOST) {
            add_mark(w, MK_PORT_LOST, ev, t, idx, &none);
            port_lost(w, ev, t, idx);
        } else if (hev == DFOTA_HEV_PORT_BACK) {
            add_mark(w, MK_PORT_BACK, ev, t, idx, &none);
            port_back(w, ev, t, idx);
        } else
            add_mark(w, MK_HARNESS, ev, t, idx, &none);
        return;
    }
    if (ev->dir == DFOTA_DIR_HOST) {
        if (it->kind == DFOTA_ITEM_FOTADL)
            add_mark(w, MK_FOTADL, ev, t, idx, it);
        else if (it->kind == DFOTA_ITEM_COMMAND)
            add_mark(w, MK_CMD, ev, t, idx, it);
        return;
    }
    take_module(w, ev, it, t, idx);
}

static void html_work_reset(work *w)
{
    w->n_marks = w->n_points = w->n_gaps = 0;
    w->marks_dropped = w->points_dropped = w->gaps_dropped = 0;
    w->gap_open = 0;
    w->attempt = 0;
    w->events = 0;
    w->dropped = 0;
    w->last_listed_line = 0;
    w->timed = 0;
    w->t_min = w->t_max = w->last_t = 0;
}

/* The i-th event of res's timeline, as the transcript holds it. */
static dfota_event html_entry_event(const dfota_scenario_result *res, size_t i)
{
    const dfota_timeline_entry *e = &res->timeline[i];
    dfota_event ev = {.t_ns = e->t_ns, .dir = e->dir, .data = res->timeline_text + e->text,
                      .len = e->text_len, .full_len = e->full_len, .line = e->line};
    return ev;
}

/* The timeline's data: marks, progress points, reboot gaps and where the
 * notes' lines are, from the events the run kept. */
static void html_collect(work *w, const dfota_scenario_result *res)
{
    for (size_t i = 0; i < res->n_timeline; i++) {
        const dfota_timeline_entry *e = &res->timeline[i];
        dfota_event ev = html_entry_event(res, i);
        dfota_item it = {.kind = e->kind, .stage = e->stage, .has_code = e->has_code,
                         .code = e->code};
        take_event(w, &ev, &it, e->harness);
    }
    w->dropped = res->timeline_dropped;
    if (w->gap_open) {
        gap *g = &w->gaps[w->n_gaps - 1];
        g->t1 = w->t_max;
        g->i1 = w->events ? w->events - 1 : 0;
    }
}

/* ---- the timeline (inline SVG) ------------------------------------------------ */

#define SVG_W 1200
#define SVG_H 276
#define PX0 118.0                 /* plot left */
#define PX1 1180.0                /* plot right */
#define Y_TOP 12.0                /* top of shaded areas */
#define Y_P100 26.0               /* UPDATING 100 % */
#define Y_P0 132.0                /* UPDATING 0 % */
#define Y_HOST 160.0
#define Y_RESULT 182.0
#define Y_URC 204.0
#define Y_PORT 226.0
#define Y_AXIS 244.0

typedef struct {
    int timed;
    int64_t t0, t1;
    unsigned long n;
} axis;

static int64_t step_hi_edge(const dfota_step_result *st, int64_t axis_end)
{
    return st->within_ns > 0 ? sat_add(st->t_start_ns, st->within_ns) : axis_end;
}

static int window_drawable(const dfota_step_result *st)
{
    return st->verdict == DFOTA_V_FAIL && (st->within_ns > 0 || st->after_ns > 0) &&
           st->t_start_ns != DFOTA_T_NONE;
}

/* The axis spans the events and the failed steps' windows; a window that
 * reaches far past the transcript is cut at twice its span, so that the
 * events stay readable. */
static axis axis_of(const work *w, const dfota_scenario_result *res)
{
    axis a = {w->timed, w->t_min < 0 ? w->t_min : 0, w->t_max, w->events};
    if (!a.timed)
        return a;
    int64_t cap = sat_add(w->t_max, w->t_max - a.t0);
    size_t n = step_count(res);
    for (size_t i = 0; i < n; i++) {
        const dfota_step_result *st = &res->steps[i];
        if (st->verdict != DFOTA_V_FAIL)
            continue;
        if (st->t_end_ns != DFOTA_T_NONE && st->t_end_ns > a.t1 && st->t_end_ns <= cap)
            a.t1 = st->t_end_ns;
        if (!window_drawable(st))
            continue;
        int64_t lo = sat_add(st->t_start_ns, st->after_ns), hi = step_hi_edge(st, a.t1);
        int64_t far = lo > hi ? lo : hi;
        if (far > a.t1)
            a.t1 = far < cap ? far : cap;
    }
    if (a.t1 <= a.t0)
        a.t1 = sat_add(a.t0, NS_S);
    return a;
}

static double x_at(const axis *a, int64_t t, unsigned long idx)
{
    double f;
    if (a->timed)
        f = ((double)t - (double)a->t0) / ((double)a->t1 - (double)a->t0);
    else
        f = a->n > 1 ? (double)idx / (double)(a->n - 1) : 0.5;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return PX0 + f * (PX1 - PX0);
}

static double y_of_percent(int p)
{
    return Y_P0 - (Y_P0 - Y_P100) * (double)p / 100.0;
}

static void draw_frame(html *h)
{
    static const struct {
        double y;
        const char *label;
    } lanes[] = {{Y_HOST, "host"}, {Y_RESULT, "result"}, {Y_URC, "FOTA URC"}, {Y_PORT, "port"}};
    for (int p = 0; p <= 100; p += 50) {
        double y = y_of_percent(p);
        putf(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d %%</text>\n",
             PX0, y, PX1, y, PX0 - 6, y + 4, p);
    }
    putf(h, "<text class=\"lane-label\" x=\"6\" y=\"%.1f\">UPDATING</text>\n",
         (Y_P0 + Y_P100) / 2 + 4);
    for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++)
        putf(h, "<line class=\"lane\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"lane-label\" x=\"6\" y=\"%.1f\">%s</text>\n",
             PX0, lanes[i].y, PX1, lanes[i].y, lanes[i].y + 4, lanes[i].label);
    putf(h, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PX0,
         Y_AXIS, PX1, Y_AXIS);
}

static void draw_tick(html *h, double x, const char *label)
{
    putf(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
         x, Y_TOP, x, Y_AXIS, x, Y_AXIS, x, Y_AXIS + 5, x, Y_AXIS + 18, label);
}

static void draw_ticks(html *h, const axis *a)
{
    static const int64_t steps[] = {
        NS_MS, 2 * NS_MS, 5 * NS_MS, 10 * NS_MS, 20 * NS_MS, 50 * NS_MS, 100 * NS_MS,
        200 * NS_MS, 500 * NS_MS, NS_S, 2 * NS_S, 5 * NS_S, 10 * NS_S, 15 * NS_S, 30 * NS_S,
        60 * NS_S, 120 * NS_S, 300 * NS_S, 600 * NS_S, 900 * NS_S, 1800 * NS_S, 3600 * NS_S,
        7200 * NS_S, 10800 * NS_S, 21600 * NS_S, 43200 * NS_S, 86400 * NS_S};
    char label[48];
    if (!a->timed) {
        unsigned long step = 1; /* 1, 2, 5, 10, 20, 50 ... */
        while (a->n / step > 8) {
            unsigned long lead = step;
            while (lead >= 10)
                lead /= 10;
            step = lead == 2 ? step / 2 * 5 : step * 2;
        }
        for (unsigned long i = 0; i < a->n; i += step) {
            snprintf(label, sizeof label, "event %lu", i + 1);
            draw_tick(h, x_at(a, 0, i), label);
        }
        return;
    }
    double span = (double)a->t1 - (double)a->t0;
    size_t k = 0;
    while (k + 1 < sizeof steps / sizeof steps[0] && span / (double)steps[k] > 8)
        k++;
    int64_t step = steps[k];
    int decimals = step >= NS_S ? 0 : step >= 100 * NS_MS ? 1 : step >= 10 * NS_MS ? 2 : 3;
    int64_t t = a->t0 / step * step;
    if (t < a->t0)
        t += step;
    for (int i = 0; i < 64 && t <= a->t1; i++, t += step) {
        html_fmt_duration(label, sizeof label, t, decimals);
        draw_tick(h, x_at(a, t, 0), label);
    }
}

static void draw_gaps(html *h, const axis *a, const work *w, const char *id)
{
    char len[48];
    for (size_t i = 0; i < w->n_gaps; i++) {
        const gap *g = &w->gaps[i];
        double x0 = x_at(a, g->t0, g->i0), x1 = x_at(a, g->t1, g->i1);
        if (x1 - x0 < 2)
            x1 = x0 + 2;
        html_fmt_duration(len, sizeof len, g->t1 - g->t0, 0);
        putf(h, "<a href=\"#%s-L%lu\"><rect class=\"reboot%s\" x=\"%.1f\" y=\"%.1f\" "
                "width=\"%.1f\" height=\"%.1f\"><title>",
             id, g->l0, g->open ? " open" : "", x0, Y_TOP, x1 - x0, Y_PORT + 8 - Y_TOP);
        if (g->open)
            putf(h, "reboot: the port was lost at line %lu and had not come back when the "
                    "transcript ends",
                 g->l0);
        else if (a->timed)
            putf(h, "reboot gap: %s, port lost at line %lu, back at line %lu", len, g->l0,
                 g->l1);
        else
            putf(h, "reboot gap: port lost at line %lu, back at line %lu", g->l0, g->l1);
        put(h, "</title></rect></a>\n");
    }
}

/* The rule a step names: a catalogue ID or STEP-*, "" for none. */
static const char *step_rule(const dfota_step_result *st)
{
    return st->rule ? st->rule : "";
}

static void step_title(html *h, const dfota_step_result *st)
{
    putf(h, "<title>step %zu %s: ", st->index + 1, dfota_verdict_name(st->verdict));
    put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
    if (st->detail[0]) {
        put(h, " \xe2\x80\x94 ");
        put_escaped(h, st->detail, bounded_len(st->detail, DFOTA_TEXT_MAX), 1);
    }
    put(h, " (");
    put_text(h, step_rule(st));
    put(h, ")</title>");
}

/* "expected X; seen Y", leaving out a part the finding does not have. */
static void html_finding_text(html *h, const dfota_finding *f)
{
    size_t ne = bounded_len(f->expected, DFOTA_TEXT_MAX), ns = bounded_len(f->seen, DFOTA_TEXT_MAX);
    if (ne) {
        put(h, "expected ");
        put_escaped(h, f->expected, ne, 1);
    }
    if (ne && ns)
        put(h, "; ");
    if (ns) {
        put(h, "seen ");
        put_escaped(h, f->seen, ns, 1);
    }
}

/* A failed step: its window (timed transcripts) and where it was settled. */
static void draw_failed_step(html *h, const axis *a, const work *w, const dfota_step_result *st,
                             const char *id)
{
    if (a->timed && window_drawable(st)) {
        int64_t lo = sat_add(st->t_start_ns, st->after_ns), hi = step_hi_edge(st, a->t1);
        double x0 = x_at(a, lo, 0), x1 = x_at(a, hi, 0);
        if (x1 - x0 < 2)
            x1 = x0 + 2;
        putf(h, "<rect class=\"window-failed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\">",
             x0, Y_TOP, x1 - x0, Y_PORT + 8 - Y_TOP);
        step_title(h, st);
        putf(h, "</rect><text class=\"win-label\" x=\"%.1f\" y=\"%.1f\">", x0 + 3, Y_TOP + 11);
        put_text(h, step_rule(st));
        put(h, "</text>\n");
    }
    double x;
    if (a->timed && st->t_end_ns != DFOTA_T_NONE) {
        x = x_at(a, st->t_end_ns, 0);
    } else {
        size_t k = html_notes_at(w, st->event_line);
        if (k >= w->n_notes || !w->notes[k].found)
            return;
        x = x_at(a, w->notes[k].t, w->notes[k].idx);
    }
    if (html_line_listed(w, st->event_line))
        putf(h, "<a href=\"#%s-L%lu\">", id, st->event_line);
    putf(h, "<g class=\"fail-at\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<path d=\"M%.1f %.1fl5 -5l-5 -5l-5 5z\"/>",
         x, Y_TOP, x, Y_PORT + 8, x, Y_TOP + 10);
    step_title(h, st);
    put(h, html_line_listed(w, st->event_line) ? "</g></a>\n" : "</g>\n");
}

/* FAIL findings: a small mark at the top edge, at the finding's line. */
static void draw_findings(html *h, const axis *a, const work *w, const dfota_scenario_result *res,
                          const char *id)
{
    for (size_t k = 0; k < w->n_notes; k++) {
        const note *n = &w->notes[k];
        if (n->is_step || n->level != DFOTA_L_FAIL || !n->found)
            continue;
        const dfota_finding *f = &res->findings[n->index];
        double x = x_at(a, n->t, n->idx);
        putf(h, "<a href=\"#%s-L%lu\"><path class=\"finding\" d=\"M%.1f %.1fl-5 -8h10z\">"
                "<title>line %lu: FAIL %s: ",
             id, n->line, x, Y_TOP, n->line, dfota_rule_get(f->rule)->id);
        html_finding_text(h, f);
        put(h, "</title></path></a>\n");
    }
}

static void close_attempt(html *h, const point *first, const point *last, size_t count,
                          double x, double y)
{
    putf(h, "\"><title>attempt %u: UPDATING %d %% to %d %%, %zu reports, lines %lu to %lu"
            "</title></polyline><circle class=\"progress-end\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\">"
            "<title>last UPDATING of attempt %u: %d %% (line %lu)</title></circle>\n",
         first->attempt, first->percent, last->percent, count, first->line, last->line, x, y,
         last->attempt, last->percent, last->line);
}

/* One polyline per attempt: a new START begins a new curve. */
static void draw_progress(html *h, const axis *a, const work *w)
{
    size_t start = 0;
    double x = 0, y = 0;
    for (size_t i = 0; i < w->n_points; i++) {
        const point *p = &w->points[i];
        if (i > 0 && p->attempt != w->points[i - 1].attempt) {
            close_attempt(h, &w->points[start], &w->points[i - 1], i - start, x, y);
            start = i;
        }
        if (i == start)
            put(h, "<polyline class=\"progress\" points=\"");
        x = x_at(a, p->t, p->idx);
        y = y_of_percent(p->percent);
        putf(h, "%s%.1f,%.1f", i == start ? "" : " ", x, y);
    }
    if (w->n_points)
        close_attempt(h, &w->points[start], &w->points[w->n_points - 1], w->n_points - start,
                      x, y);
}

static const char *mark_class(mark_kind k)
{
    static const char *const c[] = {"m-cmd", "m-fotadl", "m-ok", "m-error", "m-urc",
                                    "m-urc-bad", "m-port", "m-port", "m-rdy", "m-harness"};
    return c[k];
}

static double mark_lane(mark_kind k)
{
    switch (k) {
    case MK_CMD:
    case MK_FOTADL: return Y_HOST;
    case MK_OK:
    case MK_ERROR: return Y_RESULT;
    case MK_URC:
    case MK_URC_BAD: return Y_URC;
    default: return Y_PORT;
    }
}

/* The mark's outline as an SVG path around (x, y). */
static void mark_path(html *h, mark_kind k, double x, double y)
{
    switch (k) {
    case MK_CMD: putf(h, "M%.1f %.1fh7v7h-7z", x - 3.5, y - 3.5); break;
    case MK_FOTADL: putf(h, "M%.1f %.1fh10v10h-10z", x - 5, y - 5); break;
    case MK_URC:
    case MK_URC_BAD: putf(h, "M%.1f %.1fl6 6l-6 6l-6 -6z", x, y - 6); break;
    case MK_PORT_LOST: putf(h, "M%.1f %.1fh12l-6 10z", x - 6, y - 5); break;
    case MK_PORT_BACK: putf(h, "M%.1f %.1fh12l-6 -10z", x - 6, y + 5); break;
    default: /* a circle as two arcs */
        putf(h, "M%.1f %.1fa4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0z", x - 4.5, y);
        break;
    }
}

static void draw_marks(html *h, const axis *a, const work *w, const char *id)
{
    double label_end[4] = {0, 0, 0, 0}; /* where the last label of each lane ends */
    char when[48];
    for (size_t i = 0; i < w->n_marks && !h->failed; i++) {
        const mark *m = &w->marks[i];
        double x = x_at(a, m->t, m->idx), y = mark_lane(m->kind);
        int linked = html_line_listed(w, m->line);
        if (linked)
            putf(h, "<a href=\"#%s-L%lu\">", id, m->line);
        putf(h, "<path class=\"%s\" d=\"", mark_class(m->kind));
        mark_path(h, m->kind, x, y);
        if (a->timed)
            html_fmt_duration(when, sizeof when, m->t, 3);
        else
            snprintf(when, sizeof when, "event %lu", m->idx + 1);
        putf(h, "\"><title>line %lu, %s: ", m->line, when);
        put_html_safe(h, m->label, strlen(m->label));
        put(h, "</title></path>");
        /* A label goes right of its mark (left of it at the right edge),
         * and only where it overlaps no earlier label of its lane. */
        int lane = y == Y_HOST ? 0 : y == Y_RESULT ? 1 : y == Y_URC ? 2 : 3;
        size_t len = strlen(m->short_label);
        double width = 6.2 * (double)len, lx = x + 8;
        if (lx + width > SVG_W - 4)
            lx = SVG_W - 4 - width;
        if (len && lx >= label_end[lane]) {
            putf(h, "<text class=\"m-text\" x=\"%.1f\" y=\"%.1f\">", lx, y - 6);
            put_html_safe(h, m->short_label, len);
            put(h, "</text>");
            label_end[lane] = lx + width + 6;
        }
        put(h, linked ? "</a>\n" : "\n");
    }
}

static void timeline_caption(html *h, const axis *a, const work *w)
{
    put(h, "<figcaption><span class=\"k k-fotadl\">&#9632; AT+QFOTADL</span>"
           "<span class=\"k k-cmd\">&#9632; other command</span>"
           "<span class=\"k k-ok\">&#9679; OK</span><span class=\"k k-err\">&#9679; ERROR</span>"
           "<span class=\"k k-urc\">&#9670; FOTA URC</span>"
           "<span class=\"k k-err\">&#9670; failure code or bad URC</span>"
           "<span class=\"k k-port\">&#9660; port lost &#9650; port back</span>"
           "<span class=\"k k-fotadl\">&#9472; UPDATING %</span>"
           "<span class=\"k k-reboot\">&#9608; reboot gap</span>"
           "<span class=\"k k-win\">&#9633; failed window &#9670; failed step "
           "&#9660; FAIL finding</span>");
    if (!a->timed)
        put(h, "<br><b>no timestamps</b>: the transcript has no times, so events are drawn "
               "evenly spaced in their order and windows cannot be drawn.");
    if (w->marks_dropped || w->points_dropped || w->gaps_dropped)
        putf(h, "<br>Not drawn, past the page's limits: %lu events, %lu UPDATING reports, "
                "%lu reboot gaps.",
             w->marks_dropped, w->points_dropped, w->gaps_dropped);
    if (w->dropped)
        putf(h, "<br>The timeline ends at line %lu: %lu more line%s: see the transcript file.",
             w->last_listed_line, w->dropped, w->dropped == 1 ? "" : "s");
    put(h, "</figcaption>\n");
}

static void html_draw_timeline(html *h, const work *w, const dfota_scenario_result *res,
                          const char *id)
{
    if (w->events == 0) {
        put(h, "<p class=\"muted\">The transcript has no events: no timeline.</p>\n");
        return;
    }
    axis a = axis_of(w, res);
    putf(h, "<figure class=\"timeline\" id=\"%s-timeline\">\n<svg viewBox=\"0 0 %d %d\" "
            "role=\"img\" aria-label=\"timeline\"><title>Timeline of ",
         id, SVG_W, SVG_H);
    put_text(h, scenario_name(res));
    put(h, "</title>\n");
    draw_frame(h);
    draw_ticks(h, &a);
    draw_gaps(h, &a, w, id);
    size_t n = step_count(res);
    for (size_t i = 0; i < n; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL)
            draw_failed_step(h, &a, w, &res->steps[i], id);
    draw_progress(h, &a, w);
    draw_marks(h, &a, w, id);
    draw_findings(h, &a, w, res, id);
    put(h, "</svg>\n");
    timeline_caption(h, &a, w);
    put(h, "</figure>\n");
}

/* ---- the scenario's facts, steps and findings --------------------------------- */

static void html_scenario_facts(html *h, const dfota_scenario_result *res, const work *w)
{
    const dfota_scenario *sc = res->scenario;
    char dur[48];
    put(h, "<dl class=\"facts\">");
    if (sc) {
        put(h, "<dt>section</dt><dd>\xc2\xa7");
        put_text(h, sc->section);
        put(h, "</dd><dt>file</dt><dd>");
        put_text(h, sc->file ? sc->file : "(none)");
        put(h, "</dd>");
    }
    put(h, "<dt>source</dt><dd>");
    put_escaped(h, res->source, bounded_len(res->source, sizeof res->source), 1);
    if (res->model[0]) {
        put(h, "</dd><dt>module</dt><dd>");
        put_escaped(h, res->model, bounded_len(res->model, sizeof res->model), 1);
    }
    if (res->firmware_before[0] || res->firmware_after[0]) {
        /* what the module said it ran: the firmware certified, and after */
        put(h, "</dd><dt>firmware</dt><dd class=\"firmware\">");
        put_escaped(h, res->firmware_before[0] ? res->firmware_before : "?",
                    bounded_len(res->firmware_before[0] ? res->firmware_before : "?",
                                sizeof res->firmware_before), 1);
        put(h, " \xe2\x86\x92 ");
        put_escaped(h, res->firmware_after[0] ? res->firmware_after : "?",
                    bounded_len(res->firmware_after[0] ? res->firmware_after : "?",
                                sizeof res->firmware_after), 1);
    }
    put(h, "</dd><dt>transcript</dt><dd>");
    if (res->transcript[0]) {
        /* named as the report holds it, not where it was while written */
        const char *shown_path = dfota_report_path(res->transcript);
        put_escaped(h, shown_path, strlen(shown_path), 1);
    }
    else
        put(h, "<span class=\"muted\">none written</span>");
    html_fmt_duration(dur, sizeof dur, res->duration_ns, 0);
    putf(h, "</dd><dt>events</dt><dd>%lu%s%s</dd>", res->events, w->timed ? " over " : "",
         w->timed ? dur : "");
    putf(h, "<dt>rules</dt><dd>%lu FAIL, %lu INCOMPLETE, %lu WARN, %lu NOTE findings",
         res->rules.count[DFOTA_L_FAIL], res->rules.count[DFOTA_L_INCOMPLETE],
         res->rules.count[DFOTA_L_WARN], res->rules.count[DFOTA_L_NOTE]);
    put(h, "</dd></dl>\n");
    if (sc && sc->requirement) {
        put(h, "<blockquote class=\"requirement\">");
        put_text(h, sc->requirement);
        put(h, "</blockquote>\n");
    }
    if (res->harness_error) {
        put(h, "<p class=\"error\">Harness error (the bench, not the module): ");
        put_escaped(h, res->error, bounded_len(res->error, sizeof res->error), 1);
        put(h, "</p>\n");
    }
}

static void line_ref(html *h, const work *w, const char *id, unsigned long line)
{
    if (line == 0)
        put(h, "&ndash;");
    else if (html_line_listed(w, line))
        putf(h, "<a href=\"#%s-L%lu\">%lu</a>", id, line, line);
    else
        putf(h, "%lu", line);
}

static void window_text(html *h, const dfota_step_result *st)
{
    char a[48], b[48];
    html_fmt_duration(a, sizeof a, st->after_ns, 0);
    html_fmt_duration(b, sizeof b, st->within_ns, 0);
    if (st->after_ns > 0 && st->within_ns > 0)
        putf(h, "after %s, within %s", a, b);
    else if (st->within_ns > 0)
        putf(h, "within %s", b);
    else if (st->after_ns > 0)
        putf(h, "after %s", a);
}

static void html_steps_table(html *h, const dfota_scenario_result *res, const work *w,
                             const char *id)
{
    size_t n = step_count(res);
    putf(h, "<h3 id=\"%s-steps\">Steps</h3>\n", id);
    if (n == 0) {
        put(h, "<p class=\"muted\">No step was run.</p>\n");
        return;
    }
    put(h, "<table class=\"steps\"><thead><tr><th>#</th><th>step</th><th>verdict</th>"
           "<th>detail</th><th>window</th><th>rule</th><th>line</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < n && !h->failed; i++) {
        const dfota_step_result *st = &res->steps[i];
        int bad = st->verdict == DFOTA_V_FAIL || st->verdict == DFOTA_V_INCOMPLETE ||
                  st->verdict == DFOTA_V_WARN;
        putf(h, "<tr><td>%zu</td><td class=\"what\">", st->index + 1);
        put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
        putf(h, "</td><td class=\"cell %s\">%s</td><td class=\"detail\">",
             verdict_class(st->verdict),
             st->verdict == DFOTA_V_NA ? "not reached" : dfota_verdict_name(st->verdict));
        put_escaped(h, st->detail, bounded_len(st->detail, DFOTA_TEXT_MAX), 1);
        put(h, "</td><td class=\"nw\">");
        window_text(h, st);
        put(h, "</td><td class=\"nw\">");
        if (bad) {
            dfota_rule r = dfota_rule_find(step_rule(st));
            if (r != DFOTA_RULE_COUNT)
                putf(h, "<span title=\"\xc2\xa7%s\">", dfota_rule_get(r)->section);
            put_text(h, step_rule(st));
            put(h, r != DFOTA_RULE_COUNT ? "</span>" : "");
        }
        put(h, "</td><td>");
        line_ref(h, w, id, st->event_line);
        put(h, "</td></tr>\n");
    }
    put(h, "</tbody></table>\n");
}

static void html_findings_table(html *h, const dfota_scenario_result *res, const work *w,
                           const char *id)
{
    size_t n = res->n_findings < DFOTA_RUN_FINDINGS_MAX ? res->n_findings : DFOTA_RUN_FINDINGS_MAX;
    if (n == 0)
        return;
    putf(h, "<h3 id=\"%s-findings\">Findings</h3>\n<table class=\"steps findings\"><thead><tr>"
            "<th>level</th><th>rule</th><th>line</th><th>expected</th><th>seen</th></tr>"
            "</thead><tbody>\n",
         id);
    for (size_t i = 0; i < n && !h->failed; i++) {
        const dfota_finding *f = &res->findings[i];
        const dfota_rule_info *info = dfota_rule_get(f->rule);
        putf(h, "<tr><td class=\"cell %s\">%s</td><td><span title=\"\xc2\xa7%s\">%s</span>"
                "</td><td>",
             level_class(f->level), dfota_level_name(f->level), info->section, info->id);
        line_ref(h, w, id, f->line);
        put(h, "</td><td class=\"detail\">");
        put_escaped(h, f->expected, bounded_len(f->expected, DFOTA_TEXT_MAX), 1);
        put(h, "</td><td class=\"detail\">");
        put_escaped(h, f->seen, bounded_len(f->seen, DFOTA_TEXT_MAX), 1);
        put(h, "</td></tr>\n");
    }
    put(h, "</tbody></table>\n");
    if (res->n_findings_dropped)
        putf(h, "<p class=\"muted\">%zu more findings were not kept by the run.</p>\n",
             res->n_findings_dropped);
}

/* ---- the transcript listing ----------------------------------------------------- */

/* The events the run did not keep: the transcript file has them. */
static void skip_row(html *h, unsigned long n)
{
    putf(h, "<tr class=\"skip\"><td colspan=\"4\">%lu more line%s: see the transcript file"
            "</td></tr>\n",
         n, n == 1 ? "" : "s");
}

static void row_notes(html *h, const work *w, const dfota_scenario_result *res, size_t k,
                      unsigned long line)
{
    for (; k < w->n_notes && w->notes[k].line == line; k++) {
        const note *n = &w->notes[k];
        if (n->is_step) {
            const dfota_step_result *st = &res->steps[n->index];
            putf(h, "<div class=\"why v-fail\">step %zu FAIL (", st->index + 1);
            put_text(h, step_rule(st));
            put(h, "): ");
            put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
            put(h, " \xe2\x80\x94 ");
            put_escaped(h, st->detail, bounded_len(st->detail, DFOTA_TEXT_MAX), 1);
        } else {
            const dfota_finding *f = &res->findings[n->index];
            const dfota_rule_info *info = dfota_rule_get(f->rule);
            putf(h, "<div class=\"why %s\">%s %s (\xc2\xa7%s): ", level_class(f->level),
                 dfota_level_name(f->level), info->id, info->section);
            html_finding_text(h, f);
        }
        put(h, "</div>");
    }
}

static void row(html *h, const work *w, const dfota_scenario_result *res, const char *id,
                const dfota_event *ev, int with_id)
{
    static const char *const dir_class[] = {"d-host", "d-module", "d-harness"};
    size_t k = html_notes_at(w, ev->line);
    dfota_level worst = DFOTA_L_NOTE;
    int annotated = k < w->n_notes;
    for (size_t j = k; j < w->n_notes && w->notes[j].line == ev->line; j++)
        if (w->notes[j].level > worst)
            worst = w->notes[j].level;
    const char *cls = !annotated ? ""
                      : worst == DFOTA_L_FAIL ? " class=\"fail-line\""
                      : worst == DFOTA_L_NOTE ? " class=\"note-line\""
                                              : " class=\"warn-line\"";
    if (with_id)
        putf(h, "<tr id=\"%s-L%lu\"%s>", id, ev->line, cls);
    else
        putf(h, "<tr%s>", cls);
    putf(h, "<td class=\"ln\">%lu</td><td class=\"t\">", ev->line);
    if (w->timed && ev->t_ns != DFOTA_T_NONE)
        putf(h, "%.3f", (double)ev->t_ns / (double)NS_S);
    int d = ev->dir == DFOTA_DIR_HOST ? 0 : ev->dir == DFOTA_DIR_MODULE ? 1 : 2;
    putf(h, "</td><td class=\"dir %s\">%s</td><td class=\"p\">", dir_class[d],
         d == 0 ? "&gt;" : d == 1 ? "&lt;" : "!");
    put_bytes(h, ev->data, ev->len);
    /* the run kept the first DFOTA_TIMELINE_TEXT_MAX bytes of a longer line */
    if (ev->full_len > ev->len)
        putf(h, "<span class=\"cut\"> &hellip; %zu more bytes</span>", ev->full_len - ev->len);
    if (annotated)
        row_notes(h, w, res, k, ev->line);
    put(h, "</td></tr>\n");
}

static void html_listing(html *h, const work *w, const dfota_scenario_result *res, const char *id)
{
    unsigned long lines = w->events + w->dropped;
    /* Open by default; a reader can fold a long listing away. */
    putf(h, "<details class=\"transcript-box\" open><summary id=\"%s-transcript\">Transcript: "
            "%lu line%s</summary>\n",
         id, lines, lines == 1 ? "" : "s");
    put(h, "<table class=\"transcript\"><tbody>\n");
    unsigned long prev_line = 0;
    for (size_t i = 0; i < res->n_timeline && !h->failed; i++) {
        dfota_event ev = html_entry_event(res, i);
        row(h, w, res, id, &ev, ev.line != prev_line && ev.line > 0);
        prev_line = ev.line;
    }
    if (w->dropped)
        skip_row(h, w->dropped);
    put(h, "</tbody></table>\n</details>\n");
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
    verdict_table(&h, rep);
    for (size_t i = 0; i < rep->n_results && !h.failed; i++)
        scenario_section(&h, rep, i, w);
    put(&h, "<footer>Written by dfota. This page is self-contained: it loads nothing and runs "
            "nothing. Device bytes are shown escaped as in the transcript format: \\xNN for a "
            "byte that is not printable text, \\\\ for a backslash.</footer>\n</body>\n</html>\n");
    free(w);
    if (!h.failed && (fflush(out) != 0 || ferror(out))) {
        h.failed = 1;
        h.errnum = errno;
    }
    if (h.failed) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write the HTML report: %s",
                     h.errnum ? strerror(h.errnum) : "write error");
        return DFOTA_E_IO;
    }
    return DFOTA_OK;
}

/* ---- several modules side by side ---------------------------------------- */

#define MATRIX_COLS_MAX 64

static void matrix_cell(html *h, const char *verdict)
{
    dfota_verdict v = DFOTA_V_NA;
    for (int k = 0; k < 5; k++)
        if (verdict && strcmp(verdict, dfota_verdict_name((dfota_verdict)k)) == 0)
            v = (dfota_verdict)k;
    putf(h, "<td class=\"cell %s\">", verdict && strcmp(verdict, "ERROR") == 0 ? "v-error"
                                                                               : verdict_class(v));
    put_text(h, verdict ? verdict : "\xe2\x80\x94");
    put(h, "</td>");
}

dfota_err dfota_report_matrix_html(FILE *out, const char *started, const dfota_matrix_column *cols,
                                   size_t n, char *err, size_t errlen)
{
    if (!out || !cols || n == 0 || n > MATRIX_COLS_MAX) {
        if (err && errlen)
            snprintf(err, errlen, "a matrix needs 1 to %d modules", MATRIX_COLS_MAX);
        return DFOTA_E_ARG;
    }
    html h = {out, 0, 0};
    char title[64];
    snprintf(title, sizeof title, "dfota run: %zu modules", n);
    dfota_run_report head = {title, started, cols[0].rep->profile, NULL, 0, 0, NULL};
    for (size_t k = 0; k < n; k++)
        head.interrupted |= cols[k].rep->interrupted;
    html_page_head(&h, &head);
    put(&h, "<header>\n<h1>");
    put_text(&h, title);
    put(&h, "</h1>\n<p class=\"meta\">started ");
    put_text(&h, started ? started : "(unknown)");
    putf(&h, " &middot; profile <b>%s</b></p>\n", dfota_profile_name(head.profile));
    if (head.interrupted)
        put(&h, "<p class=\"banner\" id=\"interrupted\">This run was interrupted before its end: "
                "scenarios that did not run are missing.</p>\n");
    put(&h, "</header>\n<table class=\"verdicts\" id=\"matrix\">\n<thead><tr><th>module</th>");
    for (size_t k = 0; k < n; k++) {
        put(&h, "<th>");
        if (cols[k].link) {
            put(&h, "<a href=\"");
            put_text(&h, cols[k].link);
            put(&h, "\">");
            put_text(&h, cols[k].label);
            put(&h, "</a>");
        } else
            put_text(&h, cols[k].label);
        put(&h, "</th>");
    }
    put(&h, "</tr>\n<tr><th>model, firmware</th>");
    for (size_t k = 0; k < n; k++) {
        const dfota_run_report *rep = cols[k].rep;
        const dfota_scenario_result *first = rep->n_results ? &rep->results[0] : NULL;
        put(&h, "<td>");
        if (first && first->model[0]) {
            put_text(&h, first->model);
            put(&h, "<br>");
        }
        put_text(&h, first && first->firmware_before[0] ? first->firmware_before : "?");
        put(&h, "</td>");
    }
    put(&h, "</tr>\n<tr><th>scenarios passed</th>");
    for (size_t k = 0; k < n; k++) {
        dfota_run_counts c = dfota_run_count(cols[k].rep);
        putf(&h, "<td class=\"cell %s\">%zu / %zu</td>",
             c.passed == cols[k].rep->n_results ? "v-pass" : "v-fail", c.passed,
             cols[k].rep->n_results);
    }
    put(&h, "</tr></thead>\n<tbody>\n");
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        dfota_verdict v[MATRIX_COLS_MAX];
        int any = 0;
        for (size_t k = 0; k < n; k++)
            any |= (v[k] = dfota_report_rule_worst(cols[k].rep, (dfota_rule)r)) != DFOTA_V_NA;
        if (!any)
            continue;
        const dfota_rule_info *ri = dfota_rule_get((dfota_rule)r);
        put(&h, "<tr><th>");
        put_text(&h, ri->id);
        put(&h, " <span class=\"meta\">\xc2\xa7");
        put_text(&h, ri->section);
        put(&h, "</span></th>");
        for (size_t k = 0; k < n; k++)
            matrix_cell(&h, v[k] == DFOTA_V_NA ? NULL : dfota_verdict_name(v[k]));
        put(&h, "</tr>\n");
    }
    /* then a row per scenario, in the order the first module that ran it ran them */
    for (size_t k0 = 0; k0 < n; k0++) {
        const dfota_run_report *rep0 = cols[k0].rep;
        for (size_t i = 0; i < rep0->n_results; i++) {
            const dfota_scenario *sc = rep0->results[i].scenario;
            int earlier = 0;
            for (size_t e = 0; sc && e < k0 && !earlier; e++)
                for (size_t j = 0; j < cols[e].rep->n_results && !earlier; j++)
                    earlier = cols[e].rep->results[j].scenario &&
                              strcmp(cols[e].rep->results[j].scenario->name, sc->name) == 0;
            if (!sc || earlier)
                continue;
            put(&h, "<tr><th>");
            put_text(&h, sc->name);
            put(&h, "</th>");
            for (size_t k = 0; k < n; k++) {
                const char *got = NULL;
                for (size_t j = 0; j < cols[k].rep->n_results && !got; j++) {
                    const dfota_scenario_result *res = &cols[k].rep->results[j];
                    if (res->scenario && strcmp(res->scenario->name, sc->name) == 0)
                        got = res->harness_error ? "ERROR" : dfota_verdict_name(res->verdict);
                }
                matrix_cell(&h, got);
            }
            put(&h, "</tr>\n");
        }
    }
    put(&h, "</tbody>\n</table>\n<footer>Written by dfota. A rule's cell is the worst verdict it "
            "got over the module's scenarios; each module's own report has the steps, findings "
            "and transcripts.</footer>\n</body>\n</html>\n");
    if (!h.failed && (fflush(out) != 0 || ferror(out))) {
        h.failed = 1;
        h.errnum = errno;
    }
    if (h.failed) {
        if (err && errlen)
            snprintf(err, errlen, "cannot write the matrix: %s",
                     h.errnum ? strerror(h.errnum) : "write error");
        return DFOTA_E_IO;
    }
    return DFOTA_OK;
}
