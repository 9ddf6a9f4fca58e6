/* SPDX-License-Identifier: MIT */
/* report.c - the run's report for machines and people: report.json
 * (jansson), junit.xml (libxml2's writer) and a text summary. The HTML
 * report is report_html.c. All of them are written from the results alone. */
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include "base/lazy_xml.h"

#include "dfota/report.h"
#include "dfota/log.h"
#include "report/json.h"
#include "report/junit.h"

const char *dfota_report_path(const char *transcript)
{
    const char *last = NULL;
    for (const char *p = transcript; (p = strstr(p, "/transcripts/")) != NULL; p++)
        last = p;
    return last ? last + 1 : transcript;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* Scenario text is the user's, but may hold any byte: escape it so that
 * jansson (UTF-8 only) and XML always take it. */
static json_t *text(const char *s)
{
    char buf[2048];
    if (!s)
        return json_null();
    dfota_escape(s, strlen(s), buf, sizeof buf);
    return json_string(buf);
}

static int in_list(json_t *arr, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (strcmp(json_string_value(v), id) == 0)
            return 1;
    return 0;
}

/* The rules a failed run names: those of its failed steps, then the
 * catalogue's FAILs, each once. */
static json_t *failed_rules(const dfota_scenario_result *res)
{
    json_t *arr = json_array();
    size_t n = res->scenario ? res->scenario->n_steps : 0;
    for (size_t i = 0; res->steps && i < n; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL && res->steps[i].rule &&
            !in_list(arr, res->steps[i].rule))
            json_array_append_new(arr, json_string(res->steps[i].rule));
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        const char *id = dfota_rule_get((dfota_rule)r)->id;
        if (res->rules.rule[r] == DFOTA_V_FAIL && !in_list(arr, id))
            json_array_append_new(arr, json_string(id));
    }
    return arr;
}

int dfota_report_step_names_rule(const dfota_scenario_result *res, dfota_rule r)
{
    size_t n = res->scenario ? res->scenario->n_steps : 0;
    for (size_t i = 0; res->steps && i < n; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL && res->steps[i].rule &&
            strcmp(res->steps[i].rule, dfota_rule_get(r)->id) == 0)
            return 1;
    return 0;
}

unsigned long dfota_report_step_line(const dfota_scenario_result *res, const dfota_step_result *st)
{
    if (st->event_line || (st->verdict != DFOTA_V_FAIL && st->verdict != DFOTA_V_INCOMPLETE))
        return st->event_line;
    if (!res->timeline || res->n_timeline == 0 || st->t_start_ns == DFOTA_T_NONE ||
        st->within_ns <= 0 || st->t_start_ns > INT64_MAX - st->within_ns)
        return 0;
    int64_t end = st->t_start_ns + st->within_ns;
    for (size_t i = 0; i < res->n_timeline; i++)
        if (res->timeline[i].t_ns >= end && res->timeline[i].line)
            return res->timeline[i].line;
    return res->timeline[res->n_timeline - 1].line;
}

unsigned long dfota_report_rule_line(const dfota_scenario_result *res, dfota_rule r)
{
    for (size_t i = 0; i < res->n_findings && i < DFOTA_RUN_FINDINGS_MAX; i++)
        if (res->findings[i].rule == r && res->findings[i].line > 0 &&
            res->findings[i].level != DFOTA_L_NOTE)
            return res->findings[i].line;
    return 0;
}

static const char *verdict_of(const dfota_scenario_result *res)
{
    return res->harness_error ? "ERROR" : dfota_verdict_name(res->verdict);
}

static json_t *scenario_json(const dfota_scenario_result *res)
{
    const dfota_scenario *sc = res->scenario;
    json_t *j = json_object();
    json_object_set_new(j, "name", text(sc ? sc->name : NULL));
    json_object_set_new(j, "file", text(sc ? sc->file : NULL));
    json_object_set_new(j, "section", text(sc ? sc->section : NULL));
    json_object_set_new(j, "requirement", text(sc ? sc->requirement : NULL));
    json_t *tags = json_array();
    for (size_t i = 0; sc && i < sc->n_tags; i++)
        json_array_append_new(tags, text(sc->tags[i]));
    json_object_set_new(j, "tags", tags);
    json_object_set_new(j, "source", text(res->source));
    json_object_set_new(j, "verdict", json_string(verdict_of(res)));
    json_object_set_new(j, "preparation", json_boolean(res->preparation));
    json_object_set_new(j, "harness_error", json_boolean(res->harness_error));
    json_object_set_new(j, "error", res->error[0] ? text(res->error) : json_null());
    json_t *steps = json_array();
    for (size_t i = 0; res->steps && sc && i < sc->n_steps; i++) {
        const dfota_step_result *st = &res->steps[i];
        json_t *s = json_object();
        json_object_set_new(s, "index", json_integer((json_int_t)i + 1));
        json_object_set_new(s, "kind", json_string(dfota_step_kind_name(st->kind)));
        json_object_set_new(s, "what", text(st->what));
        json_object_set_new(s, "verdict", json_string(dfota_verdict_name(st->verdict)));
        json_object_set_new(s, "detail", st->detail[0] ? text(st->detail) : json_null());
        json_object_set_new(s, "rule", str_or_null(st->verdict == DFOTA_V_FAIL ? st->rule : NULL));
        json_object_set_new(s, "line", json_integer((json_int_t)st->line));
        json_object_set_new(s, "event_line", st->event_line ? json_integer((json_int_t)st->event_line) : json_null());
        json_object_set_new(s, "t_start", dfota_json_seconds(st->t_start_ns));
        json_object_set_new(s, "t_end", dfota_json_seconds(st->t_end_ns));
        json_array_append_new(steps, s);
    }
    json_object_set_new(j, "steps", steps);
    json_object_set_new(j, "rules", dfota_json_rules(&res->rules));
    json_object_set_new(j, "counts", dfota_json_counts(&res->rules));
    json_object_set_new(j, "failed_rules", failed_rules(res));
    json_t *fs = json_array();
    for (size_t i = 0; i < res->n_findings; i++) /* redacted by the runner */
        json_array_append_new(fs, dfota_json_finding(&res->findings[i]));
    json_object_set_new(j, "findings", fs);
    json_object_set_new(j, "findings_not_listed", json_integer((json_int_t)res->n_findings_dropped));
    json_object_set_new(j, "transcript",
                        res->transcript[0] ? text(dfota_report_path(res->transcript)) : json_null());
    json_object_set_new(j, "duration", dfota_json_seconds(res->duration_ns));
    json_object_set_new(j, "module_time", dfota_json_seconds(res->module_ns));
    json_object_set_new(j, "firmware_before",
                        res->firmware_before[0] ? text(res->firmware_before) : json_null());
    json_object_set_new(j, "firmware_after",
                        res->firmware_after[0] ? text(res->firmware_after) : json_null());
    json_object_set_new(j, "model", res->model[0] ? text(res->model) : json_null());
    json_object_set_new(j, "interrupted", json_boolean(res->interrupted));
    json_object_set_new(j, "events", json_integer((json_int_t)res->events));
    return j;
}

dfota_run_counts dfota_run_count(const dfota_run_report *rep)
{
    dfota_run_counts c = {0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < rep->n_results; i++) {
        const dfota_scenario_result *r = &rep->results[i];
        if (r->preparation) {
            c.preparations++;
            c.prepared += !r->harness_error && r->verdict == DFOTA_V_PASS;
        } else if (r->harness_error)
            c.errors++;
        else if (r->verdict == DFOTA_V_FAIL)
            c.failed++;
        else if (r->verdict == DFOTA_V_INCOMPLETE)
            c.incomplete++;
        else
            c.passed++;
    }
    return c;
}

dfota_status dfota_run_status(const dfota_run_report *rep)
{
    int harness = 0, failed = 0, incomplete = 0;
    for (size_t i = 0; i < rep->n_results; i++) {
        harness |= rep->results[i].harness_error;
        failed |= rep->results[i].verdict == DFOTA_V_FAIL;
        incomplete |= rep->results[i].verdict == DFOTA_V_INCOMPLETE;
    }
    return harness      ? DFOTA_STATUS_HARNESS
           : failed     ? DFOTA_STATUS_FAIL
           : incomplete ? DFOTA_STATUS_INCOMPLETE
                        : DFOTA_STATUS_PASS;
}

/* How a run's JSON documents are written: compact (the default, as dfota
 * check writes its JSON) or indented (--pretty). Set once by the command
 * line before anything is written. */
static int json_pretty;

void dfota_report_json_pretty(int pretty)
{
    json_pretty = pretty != 0;
}

static size_t json_style(void)
{
    return json_pretty ? JSON_INDENT(2) : JSON_COMPACT;
}

dfota_err dfota_report_json(FILE *out, const dfota_run_report *rep)
{
    json_t *j = json_object();
    json_object_set_new(j, "tool", json_string(rep->title ? rep->title : "dfota run"));
    json_object_set_new(j, "kind", json_string(DFOTA_JSON_KIND_RUN));
    json_object_set_new(j, "profile", json_string(dfota_profile_name(rep->profile)));
    json_object_set_new(j, "started", str_or_null(rep->started));
    json_object_set_new(j, "interrupted", json_boolean(rep->interrupted));
    if (rep->provenance)
        json_object_set_new(j, "provenance", dfota_json_provenance(rep->provenance));
    json_t *arr = json_array();
    for (size_t i = 0; i < rep->n_results; i++)
        json_array_append_new(arr, scenario_json(&rep->results[i]));
    json_object_set_new(j, "scenarios", arr);
    dfota_run_counts c = dfota_run_count(rep);
    json_t *s = json_object();
    json_object_set_new(s, "scenarios", json_integer((json_int_t)(rep->n_results - c.preparations)));
    json_object_set_new(s, "preparations", json_integer((json_int_t)c.preparations));
    json_object_set_new(s, "prepared", json_integer((json_int_t)c.prepared));
    json_object_set_new(s, "passed", json_integer((json_int_t)c.passed));
    json_object_set_new(s, "failed", json_integer((json_int_t)c.failed));
    json_object_set_new(s, "incomplete", json_integer((json_int_t)c.incomplete));
    json_object_set_new(s, "errors", json_integer((json_int_t)c.errors));
    json_object_set_new(j, "summary", s);
    int rc = json_dumpf(j, out, json_style() | JSON_REAL_PRECISION(9));
    json_decref(j);
    return rc == 0 && fputc('\n', out) != EOF ? DFOTA_OK : DFOTA_E_IO;
}

/* ---- JUnit: a testsuite per scenario, a testcase per step and per rule -- */

#define X dfota_xml

/* A testcase whose message is the user's or the module's text: escaped
 * before it goes in. */
static int xml_case(xmlTextWriterPtr w, const char *cls, const char *name, const char *child,
                    const char *msg, const dfota_junit_at *at)
{
    char safe[2 * DFOTA_TEXT_MAX];
    if (child)
        dfota_escape(msg ? msg : "", msg ? strlen(msg) : 0, safe, sizeof safe);
    return dfota_junit_case(w, cls, name, child, child ? safe : NULL, at);
}

static double seconds_of(int64_t ns)
{
    return ns == DFOTA_T_NONE || ns < 0 ? 0.0 : dfota_seconds(ns);
}

/* How long a step took in module time: from its window's anchor (the step
 * before it settled) to the event that settled it; 0 when not known. */
static double step_seconds(const dfota_step_result *st)
{
    if (st->t_start_ns == DFOTA_T_NONE || st->t_end_ns == DFOTA_T_NONE ||
        st->t_end_ns < st->t_start_ns)
        return 0.0;
    return seconds_of(st->t_end_ns - st->t_start_ns);
}

static int junit_scenario(xmlTextWriterPtr w, const dfota_scenario_result *res,
                          const dfota_provenance *prov)
{
    const dfota_scenario *sc = res->scenario;
    char cls[512], name[2 * DFOTA_TEXT_MAX], file[2048];
    dfota_escape(sc ? sc->name : "?", strlen(sc ? sc->name : "?"), cls, sizeof cls);
    const char *tr = res->transcript[0] ? dfota_report_path(res->transcript) : NULL;
    if (tr)
        dfota_escape(tr, strlen(tr), file, sizeof file);
    size_t n_steps = sc && res->steps ? sc->n_steps : 0;
    dfota_junit_counts c = {res->harness_error ? 1u : 0u, 0, res->harness_error ? 1u : 0u, 0};
    for (size_t i = 0; i < n_steps; i++) {
        c.tests++;
        c.failures += res->steps[i].verdict == DFOTA_V_FAIL;
        c.skipped += res->steps[i].verdict == DFOTA_V_INCOMPLETE || res->steps[i].verdict == DFOTA_V_NA;
    }
    dfota_junit_count_rules(&res->rules, &c);
    /* the module time the run represents: for a live source with its
     * waits, for a recording first to last event */
    double total = seconds_of(res->module_ns > 0 ? res->module_ns : res->duration_ns);
    if (dfota_junit_suite_begin(w, cls, &c, prov, total) < 0)
        return -1;
    dfota_junit_at at = {total, tr ? file : NULL, 0};
    if (res->harness_error && xml_case(w, cls, "harness", "error", res->error, &at) < 0)
        return -1;
    for (size_t i = 0; i < n_steps; i++) {
        const dfota_step_result *st = &res->steps[i];
        char msg[3 * DFOTA_TEXT_MAX];
        snprintf(name, sizeof name, "step %zu: %s", i + 1, st->what);
        snprintf(msg, sizeof msg, "%s: %s", st->rule ? st->rule : "", st->detail);
        const char *child = st->verdict == DFOTA_V_FAIL ? "failure"
                            : st->verdict == DFOTA_V_PASS ? NULL : "skipped";
        at.seconds = step_seconds(st);
        at.line = dfota_report_step_line(res, st);
        if (xml_case(w, cls, name, child, st->verdict == DFOTA_V_NA ? "not reached" : msg, &at) < 0)
            return -1;
    }
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        char why[2 * DFOTA_TEXT_MAX];
        const char *reason = res->rules.rule_reason[r];
        if (res->rules.rule[r] == DFOTA_V_NA)
            continue;
        dfota_escape(reason, strlen(reason), why, sizeof why);
        /* a rule is a judgement over the whole run, not a stretch of it:
         * its time is 0, so that a CI's sum of a suite stays the steps' */
        at.seconds = 0;
        at.line = dfota_report_rule_line(res, (dfota_rule)r);
        if (dfota_junit_rule(w, cls, (dfota_rule)r, res->rules.rule[r], why, &at) < 0)
            return -1;
    }
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

dfota_err dfota_report_junit(FILE *out, const dfota_run_report *rep)
{
    int start_failed;
    xmlTextWriterPtr w = dfota_junit_writer(out, &start_failed);
    if (!w)
        return DFOTA_E_NOMEM;
    int rc = start_failed ? -1 : 0;
    rc |= xmlTextWriterStartElement(w, X("testsuites"));
    rc |= xmlTextWriterWriteAttribute(w, X("name"), X(rep->title ? rep->title : "dfota run"));
    for (size_t i = 0; rc >= 0 && i < rep->n_results; i++)
        rc |= junit_scenario(w, &rep->results[i], rep->provenance);
    rc |= xmlTextWriterEndDocument(w);
    rc |= xmlTextWriterFlush(w);
    xmlFreeTextWriter(w);
    return rc < 0 || fflush(out) != 0 ? DFOTA_E_IO : DFOTA_OK;
}

/* ---- the summary for people --------------------------------------------- */

dfota_err dfota_report_summary(FILE *out, const dfota_run_report *rep)
{
    dfota_run_counts c = dfota_run_count(rep);
    fprintf(out, "%s, profile %s, started %s%s\n\n", rep->title ? rep->title : "dfota run",
            dfota_profile_name(rep->profile), rep->started ? rep->started : "-",
            rep->interrupted ? " (INTERRUPTED: the run stopped before its end)" : "");
    if (rep->provenance)
        fprintf(out, "dfota %s (commit %s), rules %s, profile %s: %s\n\n",
                rep->provenance->version, rep->provenance->commit, rep->provenance->rules,
                rep->provenance->profile, rep->provenance->command);
    for (size_t i = 0; i < rep->n_results; i++) {
        const dfota_scenario_result *res = &rep->results[i];
        const dfota_scenario *sc = res->scenario;
        char name[512];
        dfota_escape(sc ? sc->name : "?", strlen(sc ? sc->name : "?"), name, sizeof name);
        fprintf(out, "%-10s %s (\xc2\xa7%s)\n", verdict_of(res), name, sc && sc->section ? sc->section : "-");
        if (res->firmware_before[0] || res->firmware_after[0]) {
            char b[200], a[200];
            dfota_escape(res->firmware_before, strlen(res->firmware_before), b, sizeof b);
            dfota_escape(res->firmware_after, strlen(res->firmware_after), a, sizeof a);
            fprintf(out, "           firmware: %s -> %s%s%s\n", b[0] ? b : "?", a[0] ? a : "?",
                    res->model[0] ? " on " : "", res->model);
        }
        if (res->harness_error)
            fprintf(out, "           harness: %s\n", res->error);
        for (size_t s = 0; sc && res->steps && s < sc->n_steps; s++)
            if (res->steps[s].verdict == DFOTA_V_FAIL || res->steps[s].verdict == DFOTA_V_INCOMPLETE)
                fprintf(out, "           step %zu %s: %s %s%s%s\n", s + 1, res->steps[s].what,
                        dfota_verdict_name(res->steps[s].verdict), res->steps[s].detail,
                        res->steps[s].rule ? " -> " : "", res->steps[s].rule ? res->steps[s].rule : "");
        for (int r = 0; r < DFOTA_RULE_COUNT; r++)
            if ((res->rules.rule[r] == DFOTA_V_FAIL || res->rules.rule[r] == DFOTA_V_INCOMPLETE) &&
                !dfota_report_step_names_rule(res, (dfota_rule)r))
                fprintf(out, "           %s %s: %s\n", dfota_verdict_name(res->rules.rule[r]),
                        dfota_rule_get((dfota_rule)r)->id, res->rules.rule_reason[r]);
    }
    fprintf(out, "\n%zu scenarios: %zu passed, %zu failed, %zu incomplete, %zu harness errors\n",
            rep->n_results - c.preparations, c.passed, c.failed, c.incomplete, c.errors);
    if (c.preparations)
        fprintf(out, "%zu preparation steps: %zu passed\n", c.preparations, c.prepared);
    return fflush(out) == 0 && !ferror(out) ? DFOTA_OK : DFOTA_E_IO;
}

dfota_verdict dfota_report_rule_worst(const dfota_run_report *rep, dfota_rule r)
{
    dfota_verdict v = DFOTA_V_NA;
    for (size_t i = 0; rep && (unsigned)r < DFOTA_RULE_COUNT && i < rep->n_results; i++)
        if (!rep->results[i].harness_error && rep->results[i].rules.rule[r] > v)
            v = rep->results[i].rules.rule[r];
    return v;
}

/* A scenario's verdict in a report, or NULL when the module did not run it. */
static const char *scenario_verdict(const dfota_run_report *rep, const char *name)
{
    for (size_t i = 0; i < rep->n_results; i++) {
        const dfota_scenario_result *res = &rep->results[i];
        if (res->scenario && strcmp(res->scenario->name, name) == 0)
            return res->harness_error ? "ERROR" : dfota_verdict_name(res->verdict);
    }
    return NULL;
}

dfota_err dfota_report_matrix_json(FILE *out, const char *started, const dfota_matrix_column *cols,
                                   size_t n)
{
    json_t *j = json_object(), *mods = json_array(), *rules = json_object(), *scen = json_object();
    if (!j || !mods || !rules || !scen) {
        json_decref(j);
        json_decref(mods);
        json_decref(rules);
        json_decref(scen);
        return DFOTA_E_NOMEM;
    }
    json_object_set_new(j, "tool", json_string("dfota run"));
    json_object_set_new(j, "started", str_or_null(started));
    for (size_t k = 0; k < n; k++) {
        const dfota_run_report *rep = cols[k].rep;
        const dfota_scenario_result *first = rep->n_results ? &rep->results[0] : NULL;
        dfota_run_counts c = dfota_run_count(rep);
        json_t *m = json_object();
        json_object_set_new(m, "label", text(cols[k].label));
        json_object_set_new(m, "source", first ? text(first->source) : json_null());
        json_object_set_new(m, "model", first && first->model[0] ? text(first->model) : json_null());
        json_object_set_new(m, "firmware",
                            first && first->firmware_before[0] ? text(first->firmware_before) : json_null());
        json_object_set_new(m, "passed", json_integer((json_int_t)c.passed));
        json_object_set_new(m, "scenarios", json_integer((json_int_t)rep->n_results));
        json_object_set_new(m, "interrupted", json_boolean(rep->interrupted));
        json_object_set_new(m, "report", str_or_null(cols[k].link));
        json_array_append_new(mods, m);
        for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
            dfota_verdict v = dfota_report_rule_worst(rep, (dfota_rule)r);
            const char *id = dfota_rule_get((dfota_rule)r)->id;
            if (v == DFOTA_V_NA)
                continue;
            json_t *row = json_object_get(rules, id);
            if (!row) {
                row = json_object();
                json_object_set_new(rules, id, row);
            }
            json_object_set_new(row, cols[k].label, json_string(dfota_verdict_name(v)));
        }
        for (size_t i = 0; i < rep->n_results; i++) {
            const dfota_scenario *sc = rep->results[i].scenario;
            if (!sc)
                continue;
            json_t *row = json_object_get(scen, sc->name);
            if (!row) {
                row = json_object();
                json_object_set_new(scen, sc->name, row);
            }
            json_object_set_new(row, cols[k].label, json_string(scenario_verdict(rep, sc->name)));
        }
    }
    json_object_set_new(j, "modules", mods);
    json_object_set_new(j, "rules", rules);
    json_object_set_new(j, "scenarios", scen);
    int rc = json_dumpf(j, out, json_style() | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(j);
    if (rc == 0)
        rc = fputc('\n', out) == EOF ? -1 : 0;
    return rc < 0 || fflush(out) != 0 ? DFOTA_E_IO : DFOTA_OK;
}
