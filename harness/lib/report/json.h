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
#include <string.h>

#include <jansson.h>

#include "dfota/report.h"

/* The "kind" of the two documents: its value in schema/'s oneOf. */
#define DFOTA_JSON_KIND_CHECK "check"
#define DFOTA_JSON_KIND_RUN "run"

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

/* ---- the writer: JSON written as it is made, into one buffer that lives
 * as long as its owner (a run's output), with no tree of the document in
 * memory. The bytes are the ones jansson writes compact (the same escapes,
 * the same numbers: harness/tests/unit/test_report.c compares them with
 * jansson's), and a string that is not printable ASCII is encoded by
 * jansson itself. The document is written out record by record
 * (dfota_jw_flush); a record's commas are kept across flushes, so a
 * document written in pieces is one. Out of memory sets oom and stops
 * adding bytes. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
    unsigned depth;      /* containers open */
    uint64_t members;    /* bit d: the container at depth d has a member */
    int after_key;       /* a key was written: its value comes next */
} dfota_jw;

void dfota_jw_free(dfota_jw *w);
/* '{' or '[' opens a container, '}' or ']' closes it. */
void dfota_jw_open(dfota_jw *w, char c);
void dfota_jw_close(dfota_jw *w, char c);
/* "key": our own keys only (nothing in them to escape). */
static inline void dfota_jw_key(dfota_jw *w, const char *key);
/* A string, null when s is NULL. */
void dfota_jw_str(dfota_jw *w, const char *s);
void dfota_jw_int(dfota_jw *w, long long v);
/* v when has, else null. */
void dfota_jw_int_if(dfota_jw *w, int has, long long v);
void dfota_jw_bool(dfota_jw *w, int b);
void dfota_jw_null(dfota_jw *w);
/* A real as jansson writes it with JSON_REAL_PRECISION(9). */
void dfota_jw_real(dfota_jw *w, double v);
/* ns as seconds (dfota_jw_real), null for DFOTA_T_NONE. */
void dfota_jw_seconds(dfota_jw *w, int64_t ns);
/* A value built with jansson (compact, JSON_REAL_PRECISION(9)). */
void dfota_jw_json(dfota_jw *w, const json_t *j);
/* A value already written as JSON (another writer's), or bytes between
 * records ("\n"), as they are. */
void dfota_jw_raw(dfota_jw *w, const char *s, size_t n);
/* Writes what the buffer holds to out, through in when not NULL (--pretty),
 * and empties it: 0, or -1 when a write failed or memory had run out. */
int dfota_jw_flush(dfota_jw *w, FILE *out, dfota_json_indent *in);

/* The shared parts, written: a finding, the rules' statuses, the counts
 * (the same fields as the jansson versions below, which are made from
 * these). */
void dfota_jw_finding(dfota_jw *w, const dfota_finding *f);
void dfota_jw_rules(dfota_jw *w, const dfota_checker_result *res);
void dfota_jw_counts(dfota_jw *w, const dfota_checker_result *res);

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
 * write (jansson writes a token at a time), through in (NULL: straight to
 * out). 0, or -1 when the write failed or memory ran out. */
int dfota_json_dump_via(const json_t *j, FILE *out, size_t flags, dfota_json_indent *in);

/* The writer's inner parts, inline for keys (a key's length is known where
 * it is written): the buffer grown to hold n more bytes (1, or 0 when
 * memory ran out, oom set); room for n more bytes; whether a comma comes
 * before a value or a key (a container's second member on), the member
 * counted. */
int dfota_jw_grow(dfota_jw *w, size_t n);

static inline int dfota_jw_room(dfota_jw *w, size_t n)
{
    return (!w->oom && w->cap - w->len >= n) || dfota_jw_grow(w, n);
}

static inline int dfota_jw_comma(dfota_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return 0;
    }
    uint64_t bit = (uint64_t)1 << (w->depth & 63);
    int c = w->depth && (w->members & bit);
    w->members |= bit;
    return c;
}

static inline void dfota_jw_key(dfota_jw *w, const char *key)
{
    size_t n = strlen(key);
    int c = dfota_jw_comma(w);
    if (dfota_jw_room(w, n + 4)) {
        char *p = w->buf + w->len;
        if (c)
            *p++ = ',';
        *p++ = '"';
        memcpy(p, key, n);
        p += n;
        *p++ = '"';
        *p++ = ':';
        w->len = (size_t)(p - w->buf);
    }
    w->after_key = 1;
}

#endif
