/* SPDX-License-Identifier: MIT */
/* html_matrix.c - the page of several modules side by side (dfota run with
 * several --source): a column per module, a row per rule and per scenario. */
#include <errno.h>
#include <string.h>

#include "report/html.h"

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
    return html_page_end(&h, err, errlen, "the matrix");
}
