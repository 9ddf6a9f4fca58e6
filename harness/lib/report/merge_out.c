/* SPDX-License-Identifier: MIT */
/* merge_out.c - dfota merge's summary as text for a terminal and as one
 * JSON document (report/merge.h). Every table is listed in one order that
 * does not depend on the order the records came in, so that the JSON of
 * shards merged in any order is the same bytes. Texts from the shards are
 * escaped for the terminal (dfota_escape_text); jansson escapes them for
 * JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dfota/report.h"
#include "dfota/guide.h"
#include "dfota/log.h"
#include "report/json.h"
#include "report/merge.h"

/* ---- what the writers share -------------------------------------------- */

const char *const report_table_words[REPORT_TABLES] = {"rules", "outcomes", "codes", "firmware pairs"};

const report_table *report_merge_table(const dfota_merge *m, int k)
{
    const report_table *t[REPORT_TABLES] = {&m->rules, &m->outcomes, &m->codes, &m->firmware};
    return t[k];
}

void report_code_meaning(const report_entry *e, char *buf, size_t cap)
{
    dfota_code_table t = e->urc == REPORT_C_END      ? DFOTA_TABLE_END
                         : e->urc == REPORT_C_FTPEND ? DFOTA_TABLE_FTP
                                                     : DFOTA_TABLE_HTTP;
    long code = e->code < -2147483647LL || e->code > 2147483647LL ? -1 : (long)e->code;
    dfota_spec_code_words(t, code, buf, cap);
}

/* The one (version, catalogue, profile) of every record, NULL when they
 * were mixed or there was none. */
const report_combo *report_merge_combo(const dfota_merge *m)
{
    return m->n_combos == 1 && !m->combos_dropped ? &m->combos[0] : NULL;
}

static int combo_order(const void *a, const void *b)
{
    const report_combo *x = *(const report_combo *const *)a, *y = *(const report_combo *const *)b;
    int c = strcmp(x->dfota, y->dfota);
    if (!c)
        c = strcmp(x->catalogue, y->catalogue);
    return c ? c : strcmp(x->profile, y->profile);
}

size_t report_merge_combos(const dfota_merge *m, const report_combo *out[DFOTA_MERGE_COMBOS_MAX])
{
    for (size_t i = 0; i < m->n_combos; i++)
        out[i] = &m->combos[i];
    qsort(out, m->n_combos, sizeof *out, combo_order);
    return m->n_combos;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *count(uint64_t n)
{
    return json_integer((json_int_t)(n > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : n));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *names_json(const report_names *n)
{
    json_t *j = json_object(), *a = json_array();
    json_object_set_new(j, "shards", count(n->count));
    for (size_t i = 0; i < n->n; i++)
        json_array_append_new(a, json_string(n->name[i]));
    json_object_set_new(j, "names", a);
    return j;
}

static json_t *worst_json(const dfota_merge *m, const report_entry **rules)
{
    json_t *j = json_object();
    for (size_t i = 0; i < m->rules.n; i++) {
        const report_worst **w = report_merge_worst(rules[i]);
        if (!w)
            continue;
        json_t *a = json_array();
        for (size_t k = 0; k < rules[i]->n_worst; k++) {
            json_t *e = json_object();
            json_object_set_new(e, "key", json_string(w[k]->key));
            json_object_set_new(e, "status", json_string(report_status_token[w[k]->status]));
            json_object_set_new(e, "findings", count(w[k]->findings));
            json_object_set_new(e, "verdict", json_string(report_verdict_token[w[k]->verdict]));
            json_object_set_new(e, "line", w[k]->line ? count(w[k]->line) : json_null());
            json_array_append_new(a, e);
        }
        free(w);
        json_object_set_new(j, rules[i]->key, a);
    }
    return j;
}

static json_t *merge_json(const dfota_merge *m)
{
    json_t *j = json_object();
    json_object_set_new(j, "tool", json_string("dfota merge"));
    json_object_set_new(j, "kind", json_string("merge"));
    const report_combo *one = report_merge_combo(m);
    json_object_set_new(j, "dfota", str_or_null(one ? one->dfota : NULL));
    json_object_set_new(j, "catalogue", str_or_null(one ? one->catalogue : NULL));
    json_object_set_new(j, "profile", str_or_null(one ? one->profile : NULL));
    const report_combo *cv[DFOTA_MERGE_COMBOS_MAX];
    size_t nc = report_merge_combos(m, cv);
    json_t *combos = json_array();
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(combos, json_pack("{s:s,s:s,s:s,s:o}", "dfota", cv[i]->dfota, "catalogue",
                                                cv[i]->catalogue, "profile", cv[i]->profile, "files",
                                                count(cv[i]->files)));
    json_object_set_new(j, "combinations", combos);
    json_object_set_new(j, "shards", count(m->shards));
    json_object_set_new(j, "records", count(m->records));
    json_object_set_new(j, "duplicates", count(m->duplicates));
    json_object_set_new(j, "duplicates_differing", count(m->duplicates_differing));
    json_object_set_new(j, "truncated", names_json(&m->truncated));
    json_object_set_new(j, "inconsistent", names_json(&m->inconsistent));
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    json_object_set_new(j, "summary",
                        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "files", count(t.files), "passed", count(t.passed),
                                  "failed", count(t.failed), "incomplete", count(t.incomplete + t.inconclusive),
                                  "nothing_to_judge", count(t.nothing), "unreadable", count(t.unreadable)));
    json_t *v = json_object();
    for (int i = 0; i < REPORT_V_COUNT; i++)
        json_object_set_new(v, report_verdict_token[i], count(m->verdicts[i]));
    json_object_set_new(j, "verdicts", v);

    const report_entry **rules = report_merge_sorted(&m->rules, REPORT_BY_KEY);
    json_t *rj = json_object();
    for (size_t i = 0; i < m->rules.n && rules; i++) {
        json_t *s = json_object();
        for (int k = 0; k < REPORT_S_COUNT; k++)
            json_object_set_new(s, report_status_token[k], count(rules[i]->n[k]));
        json_object_set_new(rj, rules[i]->key, s);
    }
    json_object_set_new(j, "rules", rj);

    const report_entry **oc = report_merge_sorted(&m->outcomes, REPORT_BY_KEY);
    json_t *oj = json_object();
    for (size_t i = 0; i < m->outcomes.n && oc; i++)
        json_object_set_new(oj, oc[i]->key, count(oc[i]->n[0]));
    json_object_set_new(j, "outcomes", oj);
    free(oc);

    const report_entry **cc = report_merge_sorted(&m->codes, REPORT_BY_CODE);
    json_t *cj = json_object();
    for (int u = 0; u < REPORT_C_COUNT; u++)
        json_object_set_new(cj, report_code_urc[u], json_object());
    for (size_t i = 0; i < m->codes.n && cc; i++) {
        char k[32];
        snprintf(k, sizeof k, "%lld", cc[i]->code);
        json_object_set_new(json_object_get(cj, report_code_urc[cc[i]->urc]), k, count(cc[i]->n[0]));
    }
    json_object_set_new(j, "codes", cj);
    free(cc);

    const report_entry **fw = report_merge_sorted(&m->firmware, REPORT_BY_FIRMWARE);
    json_t *fj = json_array();
    for (size_t i = 0; i < m->firmware.n && fw; i++)
        json_array_append_new(fj, json_pack("{s:o,s:o,s:o}", "before", str_or_null(fw[i]->before), "after",
                                             str_or_null(fw[i]->after), "files", count(fw[i]->n[0])));
    json_object_set_new(j, "firmware", fj);
    json_object_set_new(j, "firmware_not_said", count(m->firmware_not_said));
    free(fw);

    json_object_set_new(j, "top", count(m->o.top));
    json_object_set_new(j, "worst", rules ? worst_json(m, rules) : json_object());
    free(rules);
    json_object_set_new(j, "not_kept",
                        json_pack("{s:o,s:o,s:o,s:o,s:o}", "combinations", count(m->combos_dropped), "rules",
                                  count(m->rules.dropped), "outcomes", count(m->outcomes.dropped), "codes",
                                  count(m->codes.dropped), "firmware", count(m->firmware.dropped)));
    json_object_set_new(j, "exit_status", json_integer((json_int_t)dfota_merge_status(m)));
    return j;
}

dfota_err dfota_merge_write_json(FILE *out, const dfota_merge *m, int pretty)
{
    json_t *j = merge_json(m);
    if (!j)
        return DFOTA_E_NOMEM;
    dfota_json_indent in;
    memset(&in, 0, sizeof in);
    int rc = dfota_json_dump_via(j, out, 0, pretty ? &in : NULL);
    json_decref(j);
    if (rc == 0 && !pretty && fputc('\n', out) == EOF)
        rc = -1;
    return rc == 0 && fflush(out) == 0 && !ferror(out) ? DFOTA_OK : DFOTA_E_IO;
}

/* ---- text --------------------------------------------------------------- */

#define SHOWN_CAP (DFOTA_MERGE_KEY_MAX * 4 + 8)

static const char *esc(const char *s, char *buf)
{
    dfota_escape_text(s, strlen(s), buf, SHOWN_CAP);
    return buf;
}

static const char *paint(int color, int status)
{
    if (!color)
        return "";
    switch (status) {
    case REPORT_S_FAIL: return "\033[1;31m";
    case REPORT_S_WARN: return "\033[33m";
    case REPORT_S_INCOMPLETE: return "\033[35m";
    default: return "\033[32m";
    }
}

static void text_head(FILE *out, const dfota_merge *m, int color)
{
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    const report_combo *one = report_merge_combo(m);
    char b[SHOWN_CAP];
    fprintf(out, "dfota merge: %llu files from %llu shard%s", (unsigned long long)t.files,
            (unsigned long long)t.shards, t.shards == 1 ? "" : "s");
    if (one)
    {
        fprintf(out, " (dfota %s, ", esc(one->dfota, b));
        fprintf(out, "rules %s, ", esc(one->catalogue, b));
        fprintf(out, "profile %s)\n", esc(one->profile, b));
    }
    else
        fprintf(out, "%s\n", m->n_combos ? " of several dfota versions, catalogues or profiles" : "");
    const report_combo *cv[DFOTA_MERGE_COMBOS_MAX];
    size_t nc = report_merge_combos(m, cv);
    for (size_t i = 0; nc > 1 && i < nc; i++) {
        fprintf(out, "  dfota %s, ", esc(cv[i]->dfota, b));
        fprintf(out, "rules %s, ", esc(cv[i]->catalogue, b));
        fprintf(out, "profile %s: %llu files\n", esc(cv[i]->profile, b), (unsigned long long)cv[i]->files);
    }
    if (m->combos_dropped)
        fprintf(out, "  and %llu records of combinations past the first %d\n",
                (unsigned long long)m->combos_dropped, DFOTA_MERGE_COMBOS_MAX);
    fprintf(out, "%llu files: %s%llu passed%s, %s%llu failed%s, %llu incomplete, %llu inconclusive, %llu with "
                 "nothing to judge, %llu unreadable\n",
            (unsigned long long)t.files, paint(color && t.passed, REPORT_S_PASS), (unsigned long long)t.passed,
            color && t.passed ? "\033[0m" : "", paint(color && t.failed, REPORT_S_FAIL),
            (unsigned long long)t.failed, color && t.failed ? "\033[0m" : "", (unsigned long long)t.incomplete,
            (unsigned long long)t.inconclusive, (unsigned long long)t.nothing, (unsigned long long)t.unreadable);
    if (m->duplicates)
        fprintf(out, "%llu duplicate%s: file records whose key was merged before, counted once (%llu judged "
                     "otherwise than the first)\n",
                (unsigned long long)m->duplicates, m->duplicates == 1 ? "" : "s",
                (unsigned long long)m->duplicates_differing);
    const report_names *lists[2] = {&m->truncated, &m->inconsistent};
    static const char *const what[2] = {"truncated (no summary at its end), merged",
                                        "whose summary disagrees with its file records"};
    for (int k = 0; k < 2; k++) {
        if (!lists[k]->count)
            continue;
        fprintf(out, "%llu shard%s %s:", (unsigned long long)lists[k]->count, lists[k]->count == 1 ? "" : "s",
                what[k]);
        for (size_t i = 0; i < lists[k]->n; i++)
            fprintf(out, " %s", esc(lists[k]->name[i], b));
        fprintf(out, "%s\n", lists[k]->count > lists[k]->n ? " ..." : "");
    }
}

static void text_tables(FILE *out, const dfota_merge *m, const report_entry **ranked)
{
    char b[SHOWN_CAP], c[SHOWN_CAP];
    if (m->rules.n) {
        fprintf(out, "\nRules (files by status):\n  %-32s %8s %11s %8s %8s\n", "RULE", "FAIL", "INCOMPLETE",
                "WARN", "PASS");
        for (size_t i = 0; i < m->rules.n && ranked; i++)
            fprintf(out, "  %-32s %8llu %11llu %8llu %8llu\n", esc(ranked[i]->key, b),
                    (unsigned long long)ranked[i]->n[REPORT_S_FAIL],
                    (unsigned long long)ranked[i]->n[REPORT_S_INCOMPLETE],
                    (unsigned long long)ranked[i]->n[REPORT_S_WARN], (unsigned long long)ranked[i]->n[REPORT_S_PASS]);
    }
    const report_entry **v = report_merge_sorted(&m->outcomes, REPORT_BY_KEY);
    if (v) {
        fprintf(out, "\nUpgrades by outcome:\n");
        for (size_t i = 0; i < m->outcomes.n; i++)
            fprintf(out, "  %-32s %8llu\n", esc(v[i]->key, b), (unsigned long long)v[i]->n[0]);
        free(v);
    }
    v = report_merge_sorted(&m->codes, REPORT_BY_CODE);
    if (v) {
        fprintf(out, "\nCodes (times seen):\n");
        for (size_t i = 0; i < m->codes.n; i++) {
            report_code_meaning(v[i], c, sizeof c);
            snprintf(b, sizeof b, "%s %lld", report_code_urc[v[i]->urc], v[i]->code);
            fprintf(out, "  %-20s %8llu  %s\n", b, (unsigned long long)v[i]->n[0], c);
        }
        free(v);
    }
    v = report_merge_sorted(&m->firmware, REPORT_BY_FIRMWARE);
    if (v || m->firmware_not_said) {
        fprintf(out, "\nFirmware (files, before -> after):\n");
        for (size_t i = 0; v && i < m->firmware.n; i++) {
            fprintf(out, "  %s -> ", v[i]->before ? esc(v[i]->before, b) : "?");
            fprintf(out, "%s  %llu\n", v[i]->after ? esc(v[i]->after, c) : "?", (unsigned long long)v[i]->n[0]);
        }
        if (m->firmware_not_said)
            fprintf(out, "  not said in the log  %llu\n", (unsigned long long)m->firmware_not_said);
        free(v);
    }
    for (int k = 0; k < REPORT_TABLES; k++) {
        const report_table *t = report_merge_table(m, k);
        if (t->dropped)
            fprintf(out, "(%llu more counts of %s past the first %zu distinct ones were not kept)\n",
                    (unsigned long long)t->dropped, report_table_words[k], t->max);
    }
}

static void text_worst(FILE *out, const dfota_merge *m, const report_entry **ranked, int color)
{
    char b[SHOWN_CAP];
    int any = 0;
    for (size_t i = 0; i < m->rules.n && ranked; i++) {
        const report_worst **w = report_merge_worst(ranked[i]);
        if (!w)
            continue;
        if (!any++)
            fprintf(out, "\nWorst files per rule (at most %u each: FAIL, then INCOMPLETE, then WARN, then the "
                         "most findings):\n",
                    m->o.top);
        fprintf(out, "  %s\n", esc(ranked[i]->key, b));
        for (size_t k = 0; k < ranked[i]->n_worst; k++) {
            fprintf(out, "    %s%-10s%s %4llu finding%s  %s", paint(color, w[k]->status),
                    report_status_token[w[k]->status], color ? "\033[0m" : "",
                    (unsigned long long)w[k]->findings, w[k]->findings == 1 ? " " : "s", esc(w[k]->key, b));
            if (w[k]->line)
                fprintf(out, ":%lu", w[k]->line);
            fprintf(out, "  (%s)\n", report_verdict_token[w[k]->verdict]);
        }
        free(w);
    }
}

dfota_err dfota_merge_write_text(FILE *out, const dfota_merge *m, int color)
{
    const report_entry **ranked = report_merge_sorted(&m->rules, REPORT_BY_RANK);
    if (!ranked && m->rules.n)
        return DFOTA_E_NOMEM;
    text_head(out, m, color);
    text_tables(out, m, ranked);
    text_worst(out, m, ranked, color);
    free(ranked);
    return fflush(out) == 0 && !ferror(out) ? DFOTA_OK : DFOTA_E_IO;
}
