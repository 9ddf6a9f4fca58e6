/* SPDX-License-Identifier: MIT */
/* merge_html.c - dfota merge's summary as one self-contained page, with the
 * run report's look: its head, style and Content-Security-Policy
 * (html_page_head), its chips, banners and tables (report/html.h). What
 * failed comes first: the worst files of each rule; then the rules by
 * status, the upgrades by outcome and by code, the firmware before and
 * after. Every text from a shard (keys, rule IDs, outcomes, firmware,
 * shard names) goes through dfota_escape and HTML escaping (put_text). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/merge.h"

static const char *const status_class[REPORT_S_COUNT] = {"v-pass", "v-warn", "v-incomplete", "v-fail"};

static void put_u(html *h, uint64_t n)
{
    putf(h, "%" PRIu64, n);
}

/* A count in a cell, coloured by cls when it is not 0. */
static void count_cell(html *h, uint64_t n, const char *cls)
{
    putf(h, "<td class=\"num %s\">%" PRIu64 "</td>", n ? cls : "v-na", n);
}

static void page_header(html *h, const dfota_merge *m)
{
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    putf(h, "<header>\n<h1>dfota merge: %" PRIu64 " file%s from %" PRIu64 " shard%s</h1>\n", t.files,
         t.files == 1 ? "" : "s", t.shards, t.shards == 1 ? "" : "s");
    const report_combo *one = report_merge_combo(m);
    const report_combo *cv[DFOTA_MERGE_COMBOS_MAX];
    size_t nc = report_merge_combos(m, cv);
    put(h, "<p class=\"meta\" id=\"provenance\">");
    if (one) {
        put(h, "dfota ");
        put_text(h, one->dfota);
        put(h, " &middot; rules ");
        put_text(h, one->catalogue);
        put(h, " &middot; profile <b>");
        put_text(h, one->profile);
        put(h, "</b>");
    } else
        put(h, nc ? "records of several dfota versions, catalogues or profiles (--allow-mixed)"
                  : "no record");
    putf(h, " &middot; %" PRIu64 " file records read</p>\n", m->records);
    putf(h, "<p class=\"counts\"><span class=\"chip v-pass\">%" PRIu64 " passed</span>"
            "<span class=\"chip v-fail\">%" PRIu64 " failed</span>"
            "<span class=\"chip v-incomplete\">%" PRIu64 " incomplete</span>"
            "<span class=\"chip v-incomplete\">%" PRIu64 " inconclusive</span>"
            "<span class=\"chip v-na\">%" PRIu64 " with nothing to judge</span>"
            "<span class=\"chip %s\">%" PRIu64 " unreadable</span></p>\n",
         t.passed, t.failed, t.incomplete, t.inconclusive, t.nothing,
         t.unreadable ? "v-error" : "v-na", t.unreadable);
    if (nc > 1 || m->combos_dropped) {
        put(h, "<div class=\"banner\" id=\"mixed\">Records of several dfota versions, catalogues or "
               "profiles, merged:<ul>");
        for (size_t i = 0; i < nc; i++) {
            put(h, "<li>dfota ");
            put_text(h, cv[i]->dfota);
            put(h, ", rules ");
            put_text(h, cv[i]->catalogue);
            put(h, ", profile ");
            put_text(h, cv[i]->profile);
            putf(h, ": %" PRIu64 " files</li>", cv[i]->files);
        }
        if (m->combos_dropped)
            putf(h, "<li>%" PRIu64 " records of more combinations</li>", m->combos_dropped);
        put(h, "</ul></div>\n");
    }
    if (m->duplicates)
        putf(h, "<p class=\"banner\" id=\"duplicates\">%" PRIu64 " file record%s whose key was merged "
                "before: counted once (%" PRIu64 " judged otherwise than the first).</p>\n",
             m->duplicates, m->duplicates == 1 ? "" : "s", m->duplicates_differing);
    const report_names *lists[2] = {&m->truncated, &m->inconsistent};
    static const char *const what[2] = {"truncated (no summary at the end: a worker that died?), merged "
                                        "with --allow-truncated",
                                        "whose summary disagrees with its file records"};
    static const char *const id[2] = {"truncated", "inconsistent"};
    for (int k = 0; k < 2; k++) {
        if (!lists[k]->count)
            continue;
        putf(h, "<div class=\"banner\" id=\"%s\">%" PRIu64 " shard%s %s:<ul>", id[k], lists[k]->count,
             lists[k]->count == 1 ? "" : "s", what[k]);
        for (size_t i = 0; i < lists[k]->n; i++) {
            put(h, "<li><code>");
            put_text(h, lists[k]->name[i]);
            put(h, "</code></li>");
        }
        if (lists[k]->count > lists[k]->n)
            putf(h, "<li>and %" PRIu64 " more</li>", lists[k]->count - lists[k]->n);
        put(h, "</ul></div>\n");
    }
    put(h, "</header>\n");
}

static void worst_section(html *h, const dfota_merge *m, const report_entry **ranked)
{
    size_t rows = 0;
    for (size_t i = 0; i < m->rules.n && ranked; i++)
        rows += ranked[i]->n_worst;
    put(h, "<section class=\"failures\" id=\"worst\">\n");
    if (!rows) {
        put(h, "<h2>Nothing failed</h2>\n<p>No rule got a FAIL, an INCOMPLETE or a WARN.</p>\n</section>\n");
        return;
    }
    putf(h, "<h2>Worst files per rule</h2>\n<p class=\"meta\">At most %u a rule: FAIL, then INCOMPLETE, "
            "then WARN, then the most findings of the rule, then by name.</p>\n"
            "<table class=\"failures\">\n<colgroup><col class=\"c-verdict\"><col class=\"c-rule\">"
            "<col><col class=\"c-line\"><col class=\"c-name\"></colgroup>\n<thead><tr><th>status</th>"
            "<th>rule</th><th>file</th><th>line</th><th>findings, file verdict</th></tr></thead>\n<tbody>\n",
         m->o.top);
    for (size_t i = 0; i < m->rules.n && !h->failed; i++) {
        const report_worst **w = report_merge_worst(ranked[i]);
        for (size_t k = 0; w && k < ranked[i]->n_worst; k++) {
            putf(h, "<tr><td class=\"cell %s\">%s</td><td class=\"rule-id\">", status_class[w[k]->status],
                 report_status_token[w[k]->status]);
            put_text(h, ranked[i]->key);
            put(h, "</td><td><code>");
            put_text(h, w[k]->key);
            if (w[k]->line)
                putf(h, "</code></td><td class=\"nw\">line %lu</td>", w[k]->line);
            else
                put(h, "</code></td><td class=\"nw muted\">\xe2\x80\x94</td>");
            putf(h, "<td>%" PRIu64 " finding%s; the file: %s</td></tr>\n", w[k]->findings,
                 w[k]->findings == 1 ? "" : "s", report_verdict_token[w[k]->verdict]);
        }
        free(w);
    }
    put(h, "</tbody>\n</table>\n</section>\n");
}

static void rules_section(html *h, const dfota_merge *m, const report_entry **ranked)
{
    if (!m->rules.n)
        return;
    put(h, "<section id=\"rules\">\n<h2>Rules: files by status</h2>\n<table class=\"counts\">\n"
           "<thead><tr><th>rule</th><th>FAIL</th><th>INCOMPLETE</th><th>WARN</th><th>PASS</th></tr></thead>\n"
           "<tbody>\n");
    for (size_t i = 0; i < m->rules.n && !h->failed; i++) {
        put(h, "<tr><td class=\"rule-id\">");
        put_text(h, ranked[i]->key);
        put(h, "</td>");
        for (int s = REPORT_S_FAIL; s >= REPORT_S_PASS; s--)
            count_cell(h, ranked[i]->n[s], status_class[s]);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n</section>\n");
}

static void tables_section(html *h, const dfota_merge *m)
{
    const report_entry **v = report_merge_sorted(&m->outcomes, REPORT_BY_KEY);
    if (v) {
        put(h, "<section id=\"outcomes\">\n<h2>Upgrades by outcome</h2>\n<table class=\"counts\">\n"
               "<thead><tr><th>outcome</th><th>upgrades</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < m->outcomes.n; i++) {
            put(h, "<tr><td>");
            put_text(h, v[i]->key);
            put(h, "</td><td class=\"num\">");
            put_u(h, v[i]->n[0]);
            put(h, "</td></tr>\n");
        }
        put(h, "</tbody>\n</table>\n</section>\n");
        free(v);
    }
    v = report_merge_sorted(&m->codes, REPORT_BY_CODE);
    if (v) {
        put(h, "<section id=\"codes\">\n<h2>Codes</h2>\n<table class=\"counts\">\n<thead><tr><th>URC</th>"
               "<th>code</th><th>times seen</th><th>what the guide says</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < m->codes.n; i++) {
            char meaning[400];
            report_code_meaning(v[i], meaning, sizeof meaning);
            putf(h, "<tr><td>%s</td><td class=\"num\">%lld</td><td class=\"num\">%" PRIu64 "</td><td>",
                 report_code_urc[v[i]->urc], v[i]->code, v[i]->n[0]);
            put_text(h, meaning);
            put(h, "</td></tr>\n");
        }
        put(h, "</tbody>\n</table>\n</section>\n");
        free(v);
    }
    v = report_merge_sorted(&m->firmware, REPORT_BY_FIRMWARE);
    if (v || m->firmware_not_said) {
        put(h, "<section id=\"firmware\">\n<h2>Firmware</h2>\n<table class=\"counts\">\n<thead><tr>"
               "<th>before</th><th>after</th><th>files</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; v && i < m->firmware.n; i++) {
            put(h, "<tr><td>");
            put_text(h, v[i]->before ? v[i]->before : "?");
            put(h, "</td><td>");
            put_text(h, v[i]->after ? v[i]->after : "?");
            putf(h, "</td><td class=\"num\">%" PRIu64 "</td></tr>\n", v[i]->n[0]);
        }
        if (m->firmware_not_said)
            putf(h, "<tr><td colspan=\"2\" class=\"muted\">not said in the log</td><td class=\"num\">%" PRIu64
                    "</td></tr>\n",
                 m->firmware_not_said);
        put(h, "</tbody>\n</table>\n</section>\n");
        free(v);
    }
    for (int k = 0; k < REPORT_TABLES; k++) {
        const report_table *t = report_merge_table(m, k);
        if (t->dropped)
            putf(h, "<p class=\"banner\">%" PRIu64 " more counts of %s past the first %zu distinct ones "
                    "were not kept.</p>\n",
                 t->dropped, report_table_words[k], t->max);
    }
}

dfota_err dfota_merge_write_html(FILE *out, const dfota_merge *m, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    const report_entry **ranked = report_merge_sorted(&m->rules, REPORT_BY_RANK);
    if (!ranked && m->rules.n) {
        if (err && errlen)
            snprintf(err, errlen, "no memory for the page");
        return DFOTA_E_NOMEM;
    }
    html h = {out, 0, 0};
    dfota_run_report head = {"dfota merge", NULL, DFOTA_PROFILE_STRICT, NULL, 0, 0, NULL};
    html_page_head(&h, &head); /* the title, the style, the policy: the run report's */
    page_header(&h, m);
    worst_section(&h, m, ranked);
    rules_section(&h, m, ranked);
    tables_section(&h, m);
    put(&h, "<footer>Written by dfota merge from the JSONL records of dfota check. This page is "
            "self-contained: it loads nothing and runs nothing. Texts from the records are shown escaped: "
            "\\xNN for a byte that is not printable text.</footer>\n</body>\n</html>\n");
    free(ranked);
    return html_page_end(&h, err, errlen, "the page");
}
