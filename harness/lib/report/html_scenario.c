/* SPDX-License-Identifier: MIT */
/* html_scenario.c - a scenario's section of report.html but its timeline:
 * its facts, its steps, its findings, and its transcript listing from the
 * result's timeline, failing lines marked and annotated. */
#include <stdint.h>
#include <string.h>

#include "report/html.h"

/* ---- the scenario's facts, steps and findings --------------------------------- */

void html_scenario_facts(html *h, const dfota_scenario_result *res, const work *w)
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

void html_steps_table(html *h, const dfota_scenario_result *res, const work *w,
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

/* "expected X; seen Y", leaving out a part the finding does not have. */
void html_finding_text(html *h, const dfota_finding *f)
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

void html_findings_table(html *h, const dfota_scenario_result *res, const work *w,
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
        putf(h, "%.3f", dfota_seconds(ev->t_ns));
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

void html_listing(html *h, const work *w, const dfota_scenario_result *res, const char *id)
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
