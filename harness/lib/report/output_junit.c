/* SPDX-License-Identifier: MIT */
/* output_junit.c - dfota check --format junit: a testsuite per file, a
 * testcase per rule that applied (report/junit.h, shared with a run's
 * junit.xml), and an input error or a file with nothing to judge as an
 * error a CI does not take for green. */
#include <string.h>

#include "report/output.h"
#include "report/junit.h"

#define X dfota_xml

int dfota_out_junit_begin(dfota_output *o)
{
    int start_failed;
    o->xml = dfota_junit_writer(o->out, &start_failed);
    if (!o->xml)
        return -1;
    if (start_failed ||
        xmlTextWriterStartElement(o->xml, X("testsuites")) < 0 ||
        xmlTextWriterWriteAttribute(o->xml, X("name"), X("dfota check")) < 0)
        o->io_error = 1;
    return 0;
}

static void xml_testcase(dfota_output *o, const char *name, const char *child, const char *msg)
{
    if (dfota_junit_case(o->xml, o->file, name, child, msg, NULL) < 0)
        o->io_error = 1;
}

/* Each upgrade in words, and what the reader took off the log, as the
 * suite's output. */
static void junit_outcomes(dfota_output *o, const dfota_reader_stats *st)
{
    char notes[READER_NOTES_MAX][READER_NOTE_LEN];
    unsigned long line[READER_NOTES_MAX];
    size_t nn = st ? dfota_out_reader_notes(o, st, notes, line) : 0;
    if (!o->n_outcomes && !nn)
        return;
    int rc = xmlTextWriterStartElement(o->xml, X("system-out"));
    for (size_t i = 0; i < o->n_outcomes; i++) {
        rc |= xmlTextWriterWriteString(o->xml, X(o->outcome[i]));
        rc |= xmlTextWriterWriteString(o->xml, X("\n"));
    }
    for (size_t i = 0; i < nn; i++) {
        rc |= xmlTextWriterWriteString(o->xml, X(notes[i]));
        rc |= xmlTextWriterWriteString(o->xml, X("\n"));
    }
    rc |= xmlTextWriterEndElement(o->xml);
    if (rc < 0)
        o->io_error = 1;
}

void dfota_out_junit_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                              const dfota_reader_stats *st)
{
    /* Nothing to judge is an error a CI does not take for green. */
    dfota_out_file_verdict fv = dfota_out_verdict(o, res, error);
    int not_judged = fv == FILE_NOTHING || fv == FILE_INCONCLUSIVE;
    dfota_junit_counts c = {error || not_judged ? 1u : 0u, 0, error || not_judged ? 1u : 0u, 0};
    dfota_junit_count_rules(res, &c);
    /* the file's time: what its upgrades took in module time */
    double seconds = res && res->timed ? dfota_seconds(o->span_ns) : 0.0;
    if (dfota_junit_suite_begin(o->xml, o->file, &c, o->prov, seconds) < 0)
        o->io_error = 1;
    if (error) {
        char msg[DFOTA_ERRBUF * 2];
        dfota_escape(error, strlen(error), msg, sizeof msg);
        xml_testcase(o, "input", "error", msg);
    }
    if (not_judged) {
        char msg[400];
        if (fv == FILE_NOTHING)
            snprintf(msg, sizeof msg, "nothing to judge: %s", DFOTA_NOTHING_TO_JUDGE);
        else
            snprintf(msg, sizeof msg, "inconclusive: %s (%s)", DFOTA_LOG_ALTERED,
                     res->altered_reason);
        xml_testcase(o, "judged", "error", msg);
    }
    junit_outcomes(o, st);
    for (int r = 0; res && r < DFOTA_RULE_COUNT; r++) {
        if (res->rule[r] == DFOTA_V_NA)
            continue;
        char reason[DFOTA_TEXT_MAX];
        const char *why = dfota_out_shown_text(o, res->rule_reason[r], reason, sizeof reason);
        /* a rule's testcase: a judgement, time 0; a failure says its line */
        dfota_junit_at at = {0.0, o->file, o->rule_line[r]};
        if (dfota_junit_rule(o->xml, o->file, (dfota_rule)r, res->rule[r], why, &at) < 0)
            o->io_error = 1;
    }
    if (xmlTextWriterEndElement(o->xml) < 0)
        o->io_error = 1;
}

void dfota_out_junit_finish(dfota_output *o)
{
    if (xmlTextWriterEndDocument(o->xml) < 0 || xmlTextWriterFlush(o->xml) < 0)
        o->io_error = 1;
}
