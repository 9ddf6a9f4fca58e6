/* SPDX-License-Identifier: MIT */
/* junit.h - the parts of JUnit XML that dfota check's output and a run's
 * junit.xml share (not public API): a testsuite with its counts and
 * provenance, a testcase, and the testcase each rule's status makes, so
 * that a CI reads a rule the same way in both. Written with libxml2's
 * writer, which escapes every text; the caller has escaped and redacted
 * what a log said. Each returns < 0 when a write failed. */
#ifndef DFOTA_LIB_REPORT_JUNIT_H
#define DFOTA_LIB_REPORT_JUNIT_H

#include "base/lazy_xml.h"

#include "dfota/report.h"

/* libxml2 takes unsigned bytes; our strings are valid UTF-8 (escaped). */
static inline const xmlChar *dfota_xml(const char *s)
{
    return (const xmlChar *)s;
}

/* A writer to out (borrowed), indented, its document started; NULL when
 * out of memory. libxml2 is made ready for threads first, once (a run of
 * several modules writes their junit.xml from one thread each, and
 * libxml2's lazy set-up is not safe when two threads race into it). The
 * caller frees it with xmlFreeTextWriter. start_failed is set when the
 * document's start could not be written. */
xmlTextWriterPtr dfota_junit_writer(FILE *out, int *start_failed);

/* How many testcases a testsuite holds, and of them how many failed, are
 * errors and were skipped: its attributes. */
typedef struct {
    unsigned tests, failures, errors, skipped;
} dfota_junit_counts;

/* Adds the testcases the rules of res make (dfota_junit_rule) to *c. */
void dfota_junit_count_rules(const dfota_checker_result *res, dfota_junit_counts *c);

/* Where and how long a testcase ran, as CI systems read it: a time
 * attribute in seconds (module time, or a duration the log measured), and
 * file and line attributes naming the transcript line of a failure, which
 * its message starts with ("FILE:LINE: ..."). */
typedef struct {
    double seconds;          /* < 0: no time attribute */
    const char *file;        /* NULL: no file attribute */
    unsigned long line;      /* 0: no line attribute */
} dfota_junit_at;

/* Opens <testsuite name=...> with c's counts, its time when seconds >= 0
 * and, when prov is not NULL, what made the verdicts as <properties>. The
 * caller closes it. */
int dfota_junit_suite_begin(xmlTextWriterPtr w, const char *name, const dfota_junit_counts *c,
                            const dfota_provenance *prov, double seconds);

/* One <testcase classname=cls name=name/>; child NULL for a pass, else
 * "failure", "skipped" or "error" with msg as its message, or
 * "system-out" with msg as its text. at (or NULL) gives its time and, for
 * a failure, skip or error, its file and line. */
int dfota_junit_case(xmlTextWriterPtr w, const char *cls, const char *name, const char *child,
                     const char *msg, const dfota_junit_at *at);

/* The testcase rule r's status v makes, named "ID (§section)": a FAIL is a
 * failure and an INCOMPLETE skipped, with why as the message; a WARN passes
 * with why as its output; a PASS is bare. Nothing for N/A. */
int dfota_junit_rule(xmlTextWriterPtr w, const char *cls, dfota_rule r, dfota_verdict v,
                     const char *why, const dfota_junit_at *at);

#endif
