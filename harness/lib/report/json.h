/* SPDX-License-Identifier: MIT */
/* json.h - the parts of JSON that dfota check's output and a run's
 * report.json share (not public API): a finding, the rules' statuses, the
 * findings counted by level, provenance, a time in seconds, and the
 * "kind" that tells the two documents apart. One encoder for each, so that
 * both documents follow schema/dfota-report.schema.json.
 *
 * Each function returns a new jansson reference that the caller owns
 * (json_decref, or give it to json_object_set_new). Texts are written as
 * they are given: the caller has escaped and redacted them. */
#ifndef DFOTA_LIB_REPORT_JSON_H
#define DFOTA_LIB_REPORT_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dfota/report.h"

/* The "kind" of the two documents: its value in schema/'s oneOf. */
#define DFOTA_JSON_KIND_CHECK "check"
#define DFOTA_JSON_KIND_RUN "run"

/* ns as seconds, null for DFOTA_T_NONE. */
json_t *dfota_json_seconds(int64_t ns);

/* A finding: rule, section, level, line, t, expected, seen, quirk. */
json_t *dfota_json_finding(const dfota_finding *f);

/* {"ID": "PASS"|"WARN"|"INCOMPLETE"|"FAIL"} for each rule that applied;
 * {} when res is NULL (nothing was judged). */
json_t *dfota_json_rules(const dfota_checker_result *res);

/* {"NOTE": n, "WARN": n, "INCOMPLETE": n, "FAIL": n}: the findings by
 * level; all 0 when res is NULL. */
json_t *dfota_json_counts(const dfota_checker_result *res);

/* {"dfota", "commit", "rules", "profile", "command"} (dfota_provenance_pairs). */
json_t *dfota_json_provenance(const dfota_provenance *p);

/* Writes j to out as json_dumpf does with the same flags, but in one
 * write: jansson writes a token at a time, and those writes were the
 * largest part of what a big log's JSON cost. 0, or -1 when the write
 * failed or memory ran out. */
int dfota_json_dump(const json_t *j, FILE *out, size_t flags);

/* Compact JSON made readable as it streams, the way jansson's
 * JSON_INDENT(2) writes a whole document: two spaces a level, "key": value,
 * {} and [] when empty, a newline at the end. Whitespace outside strings in
 * the input is dropped. The state carries over between writes, so a
 * document written in pieces comes out as one. */
typedef struct {
    unsigned depth;
    int in_str, esc, open;
} dfota_json_indent;

int dfota_json_indent_write(dfota_json_indent *in, FILE *out, const char *s, size_t n);

/* dfota_json_dump, compact, through in (NULL: straight to out). */
int dfota_json_dump_via(const json_t *j, FILE *out, size_t flags, dfota_json_indent *in);

#endif
