/* SPDX-License-Identifier: MIT */
/* outcome.c - what happened to one upgrade, in the words a support
 * engineer reads first: the outcome, the code that decided it and the
 * guide's meaning of that code with its chapter (4 FTP, 5 HTTP, 6 END). */
#include <stdio.h>
#include <string.h>

#include "dfota/judge.h"
#include "dfota/guide.h"
#include "base/text.h"

typedef struct {
    char *buf;
    size_t cap, len;
} line_buf;

/* Appends s, cut where the buffer ends: this runs for every upgrade a
 * report lists. */
static void add(line_buf *b, const char *s)
{
    text_append(b->buf, b->cap, &b->len, s);
}

/* Appends v in decimal. */
static void add_long(line_buf *b, long v)
{
    char d[24];
    d[sizeof d - 1] = '\0';
    add(b, text_decimal(v, d + sizeof d - 1));
}

/* "701 (HTTP unknown error, §5)": the code, its meaning, where the guide
 * says so, or that the guide does not know it. */
static void add_code(line_buf *b, dfota_code_table t, long code)
{
    add_long(b, code);
    add(b, " (");
    if (b->len + 1 < b->cap) { /* the words where they go, cut as add cuts */
        dfota_spec_code_words(t, code, b->buf + b->len, b->cap - b->len);
        b->len += strlen(b->buf + b->len);
    }
    add(b, ")");
}

static const char *download_end_stage(dfota_proto p)
{
    switch (p) {
    case DFOTA_PROTO_FTP: return "FTPEND";
    case DFOTA_PROTO_FILE: return "FILEEND";
    default: return "HTTPEND";
    }
}

static void add_subject(line_buf *b, const dfota_flow_summary *s)
{
    switch (s->proto) {
    case DFOTA_PROTO_FTP: add(b, "upgrade over FTP"); break;
    case DFOTA_PROTO_HTTP: add(b, "upgrade over HTTP"); break;
    case DFOTA_PROTO_HTTPS: add(b, "upgrade over HTTPS"); break;
    case DFOTA_PROTO_LOCAL: add(b, "upgrade from a local file"); break;
    case DFOTA_PROTO_FILE: add(b, "upgrade streamed by the host"); break;
    default: add(b, "upgrade"); break;
    }
    if (s->inferred)
        add(b, " (its command is not in the log)");
    add(b, ": ");
}

static void add_progress(line_buf *b, const dfota_flow_summary *s)
{
    if (s->max_percent >= 0) {
        add(b, " after ");
        add_long(b, s->max_percent);
        add(b, "%");
    } else
        add(b, " with no progress reported");
}

/* The END codes before the last one: the retries that led to it. */
static void add_retries(line_buf *b, const dfota_flow_summary *s)
{
    if (s->n_end_codes < 2)
        return;
    add(b, "; earlier attempts ended END");
    for (unsigned i = 0; i + 1 < s->n_end_codes; i++) {
        add(b, i ? ", " : " ");
        add_long(b, s->end_codes[i]);
    }
}

static void add_download_failed(line_buf *b, const dfota_flow_summary *s)
{
    add(b, "download failed, ");
    add(b, download_end_stage(s->proto));
    add(b, " ");
    add_code(b, s->proto == DFOTA_PROTO_FTP ? DFOTA_TABLE_FTP : DFOTA_TABLE_HTTP, s->download_code);
}

static void add_incomplete(line_buf *b, const dfota_flow_summary *s)
{
    long last = s->n_end_codes ? s->end_codes[s->n_end_codes - 1] : 0;
    add(b, "incomplete, the log ends ");
    if (s->n_end_codes && dfota_spec_code_retried(last)) {
        add(b, "before the retry after END ");
        add_code(b, DFOTA_TABLE_END, last);
    } else if (s->max_percent >= 0) {
        add(b, "during the update, at ");
        add_long(b, s->max_percent);
        add(b, "%");
    } else if (s->has_download_code) {
        add(b, "after the download (");
        add(b, download_end_stage(s->proto));
        add(b, " ");
        add_long(b, s->download_code);
        add(b, "), before the update");
    } else if (!s->final && !s->inferred)
        add(b, "before the command's final result");
    else if (s->proto == DFOTA_PROTO_LOCAL)
        add(b, "before the update started");
    else
        add(b, "before the download ended");
}

void dfota_flow_describe(const dfota_flow_summary *s, char *buf, size_t cap)
{
    line_buf b = {buf, cap, 0};
    if (cap == 0)
        return;
    buf[0] = '\0';
    const char *outcome = s->outcome ? s->outcome : "incomplete";
    if (s->form && strcmp(s->form, "write") != 0 && strcmp(s->form, "none") != 0) {
        add(&b, strcmp(s->form, "test") == 0 ? "AT+QFOTADL=? answered " : "AT+QFOTADL answered ");
        add(&b, s->final ? s->final : "nothing before the log ends");
        return;
    }
    add_subject(&b, s);
    if (s->has_download_code && s->download_code != 0 && strcmp(outcome, "download-failed") != 0) {
        /* The module went on after a failed download: the findings judge
         * it; the outcome says both things that happened. */
        add_download_failed(&b, s);
        add(&b, ", and yet ");
    }
    long last = s->n_end_codes ? s->end_codes[s->n_end_codes - 1] : 0;
    if (strcmp(outcome, "rejected") == 0) {
        add(&b, "refused, ");
        add(&b, s->final ? s->final : "ERROR");
    } else if (strcmp(outcome, "download-failed") == 0)
        add_download_failed(&b, s);
    else if (strcmp(outcome, "updated") == 0) {
        add(&b, "updated, END 0");
        add_progress(&b, s);
        add_retries(&b, s);
    } else if (strcmp(outcome, "update-failed") == 0) {
        add(&b, "update failed, END ");
        add_code(&b, DFOTA_TABLE_END, last);
        add_progress(&b, s);
        add_retries(&b, s);
    } else if (strcmp(outcome, "abandoned") == 0 && !s->final && !s->inferred)
        add(&b, "no final result: the command was never answered");
    else if (strcmp(outcome, "abandoned") == 0)
        add(&b, "abandoned: the host started another upgrade before this one ended");
    else
        add_incomplete(&b, s);
}
