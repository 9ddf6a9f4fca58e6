/* SPDX-License-Identifier: MIT */
/* junit.c - the JUnit XML that check's output and a run's junit.xml share:
 * a testsuite, a testcase, a rule's testcase (report/junit.h). */
#include <stdio.h>
#include <string.h>


#include "report/junit.h"

#include "dfota/guide.h"

void dfota_junit_count_rules(const dfota_checker_result *res, dfota_junit_counts *c)
{
    for (int r = 0; res && r < DFOTA_RULE_COUNT; r++) {
        c->tests += res->rule[r] != DFOTA_V_NA;
        c->failures += res->rule[r] == DFOTA_V_FAIL;
        c->skipped += res->rule[r] == DFOTA_V_INCOMPLETE;
    }
}

static int properties(xmlTextWriterPtr w, const dfota_provenance *prov)
{
    const char *kv[10];
    size_t n = dfota_provenance_pairs(prov, kv);
    int rc = xmlTextWriterStartElement(w, dfota_xml("properties"));
    for (size_t i = 0; i < n; i++) {
        rc |= xmlTextWriterStartElement(w, dfota_xml("property"));
        rc |= xmlTextWriterWriteAttribute(w, dfota_xml("name"), dfota_xml(kv[2 * i]));
        rc |= xmlTextWriterWriteAttribute(w, dfota_xml("value"), dfota_xml(kv[2 * i + 1]));
        rc |= xmlTextWriterEndElement(w);
    }
    return rc | xmlTextWriterEndElement(w);
}

static int time_attr(xmlTextWriterPtr w, double seconds)
{
    if (seconds < 0)
        return 0;
    char num[32];
    snprintf(num, sizeof num, "%.3f", seconds < 1e12 ? seconds : 1e12);
    return xmlTextWriterWriteAttribute(w, dfota_xml("time"), dfota_xml(num));
}

int dfota_junit_suite_begin(xmlTextWriterPtr w, const char *name, const dfota_junit_counts *c,
                            const dfota_provenance *prov, double seconds)
{
    static const char *const attr[4] = {"tests", "failures", "errors", "skipped"};
    const unsigned value[4] = {c->tests, c->failures, c->errors, c->skipped};
    int rc = xmlTextWriterStartElement(w, dfota_xml("testsuite"));
    rc |= xmlTextWriterWriteAttribute(w, dfota_xml("name"), dfota_xml(name));
    for (int i = 0; i < 4; i++) {
        char num[16];
        snprintf(num, sizeof num, "%u", value[i]);
        rc |= xmlTextWriterWriteAttribute(w, dfota_xml(attr[i]), dfota_xml(num));
    }
    rc |= time_attr(w, seconds);
    if (prov)
        rc |= properties(w, prov);
    return rc < 0 ? -1 : 0;
}

int dfota_junit_case(xmlTextWriterPtr w, const char *cls, const char *name, const char *child,
                     const char *msg, const dfota_junit_at *at)
{
    int located = child && strcmp(child, "system-out") != 0 && at && at->file && at->line;
    int rc = xmlTextWriterStartElement(w, dfota_xml("testcase"));
    rc |= xmlTextWriterWriteAttribute(w, dfota_xml("classname"), dfota_xml(cls));
    rc |= xmlTextWriterWriteAttribute(w, dfota_xml("name"), dfota_xml(name));
    if (at)
        rc |= time_attr(w, at->seconds);
    if (located) {
        char num[24];
        snprintf(num, sizeof num, "%lu", at->line);
        rc |= xmlTextWriterWriteAttribute(w, dfota_xml("file"), dfota_xml(at->file));
        rc |= xmlTextWriterWriteAttribute(w, dfota_xml("line"), dfota_xml(num));
    }
    if (child) {
        rc |= xmlTextWriterStartElement(w, dfota_xml(child));
        if (strcmp(child, "system-out") == 0) {
            rc |= xmlTextWriterWriteString(w, dfota_xml(msg ? msg : ""));
        } else if (located) {
            /* where first, as a compiler says it: CI systems link it */
            char line[24];
            snprintf(line, sizeof line, ":%lu: ", at->line);
            rc |= xmlTextWriterStartAttribute(w, dfota_xml("message"));
            rc |= xmlTextWriterWriteString(w, dfota_xml(at->file));
            rc |= xmlTextWriterWriteString(w, dfota_xml(line));
            rc |= xmlTextWriterWriteString(w, dfota_xml(msg ? msg : ""));
            rc |= xmlTextWriterEndAttribute(w);
            rc |= xmlTextWriterWriteString(w, dfota_xml(at->file));
            rc |= xmlTextWriterWriteString(w, dfota_xml(line));
            rc |= xmlTextWriterWriteString(w, dfota_xml(msg ? msg : ""));
        } else
            rc |= xmlTextWriterWriteAttribute(w, dfota_xml("message"), dfota_xml(msg ? msg : ""));
        rc |= xmlTextWriterEndElement(w);
    }
    rc |= xmlTextWriterEndElement(w);
    return rc < 0 ? -1 : 0;
}

int dfota_junit_rule(xmlTextWriterPtr w, const char *cls, dfota_rule r, dfota_verdict v,
                     const char *why, const dfota_junit_at *at)
{
    const dfota_rule_info *ri = dfota_rule_get(r);
    char name[128];
    snprintf(name, sizeof name, "%s (\xc2\xa7%s)", ri->id, ri->section);
    switch (v) {
    case DFOTA_V_NA: return 0;
    case DFOTA_V_PASS: return dfota_junit_case(w, cls, name, NULL, NULL, at);
    case DFOTA_V_WARN: return dfota_junit_case(w, cls, name, "system-out", why, at);
    case DFOTA_V_INCOMPLETE: return dfota_junit_case(w, cls, name, "skipped", why, at);
    case DFOTA_V_FAIL: break;
    }
    return dfota_junit_case(w, cls, name, "failure", why, at);
}

xmlTextWriterPtr dfota_junit_writer(FILE *out, int *start_failed)
{
    xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(out, NULL);
    xmlTextWriterPtr w = buf ? xmlNewTextWriter(buf) : NULL;
    if (!w)
        return NULL;
    xmlTextWriterSetIndent(w, 1);
    *start_failed = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0;
    return w;
}
