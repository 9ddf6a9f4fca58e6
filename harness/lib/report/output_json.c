/* SPDX-License-Identifier: MIT */
/* output_json.c - dfota check --format json and --format jsonl.
 *
 * json: one document, streamed file by file and flow by flow. jsonl: one
 * record a line, a file's as soon as it is judged (flushed), the summary's
 * last. Both are written by one writer (report/json.h) as they are made: a
 * file's fields when it ends, flows as the checker closes them, held in
 * FLOWS_HELD bytes and written together (written one by one, between the
 * judge's lines, they cost the judge its caches); nothing holds a tree of
 * the document, a file or a flow, and the buffers live for the run. The file object is the same in both; a jsonl record
 * adds what a merge of many workers needs (the version, the catalogue's
 * hash, the profile, the key, the findings per rule, the firmware). The
 * parts a run's report.json shares (a finding, rules, counts, provenance)
 * come from report/json.h; schema/ describes both. */
#include <string.h>

#include "report/output.h"
#include "report/json.h"

#include "dfota/guide.h"

#define FILE_FINDINGS_MAX 64 /* findings of no flow kept per file */
#define JW_CHUNK 65536       /* the writer's bytes go out past this */
#define FLOWS_HELD (256u << 10) /* flows held before they are written together */
/* a flow as held: its bytes, 8-byte aligned */
#define HELD_SIZE(s) ((dfota_flow_summary_size(s) + 7u) & ~(size_t)7u)

static int jsonl(const dfota_output *o)
{
    return o->fmt == DFOTA_OUT_JSONL;
}

/* What the writer holds goes out: indented as it streams with --pretty
 * (json only; a jsonl record is one line). */
static void flush(dfota_output *o)
{
    if (dfota_jw_flush(&o->jw, o->out, o->pretty && !jsonl(o) ? &o->indent : NULL))
        o->io_error = 1;
}

static void key_str(dfota_jw *w, const char *key, const char *value)
{
    dfota_jw_key(w, key);
    dfota_jw_str(w, value);
}

static void key_int(dfota_jw *w, const char *key, long long value)
{
    dfota_jw_key(w, key);
    dfota_jw_int(w, value);
}

static void key_seconds(dfota_jw *w, const char *key, int64_t ns)
{
    dfota_jw_key(w, key);
    dfota_jw_seconds(w, ns);
}

static void json_begun(dfota_output *o)
{
    if (o->json_begun || jsonl(o))
        return;
    o->json_begun = 1;
    dfota_jw *w = &o->jw;
    dfota_jw_open(w, '{');
    key_str(w, "tool", "dfota check");
    key_str(w, "kind", DFOTA_JSON_KIND_CHECK);
    key_str(w, "profile", dfota_profile_name(o->profile));
    dfota_jw_key(w, "files");
    dfota_jw_open(w, '[');
}

static void finding(dfota_jw *w, const dfota_output *o, const dfota_finding *f)
{
    dfota_finding copy;
    dfota_jw_finding(w, dfota_out_shown_finding(o, f, &copy));
}

/* What made the verdicts, at the head of every jsonl record: the version,
 * the catalogue's hash and the profile, as the provenance says them. */
static void record_head(dfota_output *o, const char *record)
{
    dfota_jw *w = &o->jw;
    char rules[40];
    if (!o->prov)
        dfota_rules_hash(rules, sizeof rules);
    dfota_jw_open(w, '{');
    key_str(w, "record", record);
    key_str(w, "dfota", o->prov ? o->prov->version : DFOTA_VERSION);
    key_str(w, "catalogue", o->prov ? o->prov->rules : rules);
    key_str(w, "profile", dfota_profile_name(o->profile));
}

static void write_flow(dfota_output *o, const dfota_flow_summary *s)
{
    dfota_jw *w = &o->jw;
    dfota_jw_open(w, '{');
    key_int(w, "id", s->id);
    dfota_jw_key(w, "line");
    dfota_jw_int_if(w, s->line != 0, (long long)s->line);
    dfota_jw_key(w, "inferred");
    dfota_jw_bool(w, s->inferred);
    char cmd[DFOTA_TEXT_MAX];
    key_str(w, "command", s->inferred ? NULL : dfota_out_shown_text(o, s->command, cmd, sizeof cmd));
    key_str(w, "form", s->form ? s->form : "none");
    key_str(w, "protocol", dfota_proto_name(s->proto));
    key_str(w, "final", s->final);
    key_str(w, "outcome", s->outcome);
    char what[DFOTA_OUTCOME_MAX];
    dfota_flow_describe(s, what, sizeof what);
    key_str(w, "summary", what);
    dfota_jw_key(w, "codes");
    dfota_jw_open(w, '{');
    dfota_jw_key(w, "download");
    dfota_jw_int_if(w, s->has_download_code, s->download_code);
    dfota_jw_key(w, "end");
    dfota_jw_open(w, '[');
    for (unsigned i = 0; i < s->n_end_codes; i++)
        dfota_jw_int(w, s->end_codes[i]);
    dfota_jw_close(w, ']');
    dfota_jw_close(w, '}');
    key_int(w, "attempts", s->attempts);
    dfota_jw_key(w, "max_percent");
    dfota_jw_int_if(w, s->max_percent >= 0, s->max_percent);
    key_int(w, "reboots", s->reboots);
    const dfota_durations *d = &s->durations;
    dfota_jw_key(w, "durations");
    dfota_jw_open(w, '{');
    key_seconds(w, "command_to_final_result", d->final_result);
    key_seconds(w, "command_to_download_end", d->to_download_end);
    key_seconds(w, "download", d->download);
    key_seconds(w, "reboot_gap", d->reboot_gap);
    key_seconds(w, "command_to_start", d->to_start);
    key_seconds(w, "start_to_end", d->start_to_end);
    key_seconds(w, "max_updating_gap", d->max_progress_gap);
    dfota_jw_close(w, '}');
    dfota_jw_key(w, "findings");
    dfota_jw_open(w, '[');
    for (unsigned i = 0; i < s->n_findings; i++)
        finding(w, o, &s->findings[i]);
    dfota_jw_close(w, ']');
    key_int(w, "findings_not_listed", s->n_findings_dropped);
    dfota_jw_close(w, '}');
    /* out in large writes (a FILE's buffer is smaller than a few flows):
     * the buffer is bounded, a jsonl line whole at the file's end */
    if (o->jw.len > JW_CHUNK)
        flush(o);
}

/* The flows held, written. */
static void write_flows(dfota_output *o)
{
    for (size_t at = 0; at < o->flows_len;) {
        const dfota_flow_summary *s = (const void *)(o->flows + at);
        write_flow(o, s);
        at += HELD_SIZE(s);
    }
    o->flows_len = 0;
}

void dfota_out_json_flow(void *ctx, const dfota_flow_summary *s)
{
    dfota_output *o = ctx;
    size_t size = HELD_SIZE(s);
    if (!o->flows && !(o->flows = malloc(FLOWS_HELD))) {
        write_flow(o, s);
        return;
    }
    if (o->flows_len + size > FLOWS_HELD)
        write_flows(o);
    memcpy(o->flows + o->flows_len, s, dfota_flow_summary_size(s));
    o->flows_len += size;
}

/* A finding of no flow (the checker's sink, through output.c): the first
 * ones are written into the file's findings, which come after its flows. */
void dfota_out_json_finding(dfota_output *o, const dfota_finding *f)
{
    if (o->n_file_findings >= FILE_FINDINGS_MAX)
        return;
    o->n_file_findings++;
    finding(&o->jw_findings, o, f);
}

void dfota_out_json_begin_file(dfota_output *o)
{
    dfota_jw *w = &o->jw;
    /* the file's findings: a list of their own, for the run */
    o->jw_findings.len = 0;
    o->jw_findings.depth = 0;
    o->jw_findings.members = 0;
    o->jw_findings.after_key = 0;
    o->jw_findings.oom = 0;
    dfota_jw_open(&o->jw_findings, '[');
    o->n_file_findings = 0;
    memset(o->rule_findings, 0, sizeof o->rule_findings);
    if (jsonl(o)) {
        record_head(o, "file");
        key_str(w, "key", o->key[0] ? o->key : o->file);
    } else {
        json_begun(o);
        dfota_jw_open(w, '{');
    }
    key_str(w, "file", o->file);
    dfota_jw_key(w, "flows");
    dfota_jw_open(w, '[');
}

void dfota_out_json_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                             dfota_format format, const dfota_reader_stats *st)
{
    dfota_jw *w = &o->jw;
    write_flows(o);
    dfota_jw_close(w, ']');
    key_str(w, "format", dfota_format_name(format));
    dfota_out_file_verdict fv = dfota_out_verdict(o, res, error);
    key_str(w, "verdict", dfota_out_verdict_name(fv, 1));
    char altered[400];
    if (fv == FILE_INCONCLUSIVE)
        snprintf(altered, sizeof altered, "%s (%s)", DFOTA_LOG_ALTERED, res->altered_reason);
    key_str(w, "verdict_reason", fv == FILE_NOTHING        ? DFOTA_NOTHING_TO_JUDGE
                                 : fv == FILE_INCONCLUSIVE ? altered
                                                           : NULL);
    dfota_jw_key(w, "nothing_to_judge");
    dfota_jw_bool(w, res && res->nothing_to_judge);
    key_str(w, "error", error);
    dfota_jw_close(&o->jw_findings, ']');
    dfota_jw_key(w, "findings");
    dfota_jw_raw(w, o->jw_findings.buf, o->jw_findings.len);
    if (o->jw_findings.oom)
        o->io_error = 1;
    dfota_jw_key(w, "rules");
    dfota_jw_rules(w, res);
    dfota_jw_key(w, "counts");
    dfota_jw_counts(w, res);
    dfota_jw_key(w, "timed");
    dfota_jw_bool(w, res && res->timed);
    key_int(w, "comments_removed", st ? (long long)st->comments : 0);
    char b[200];
    key_str(w, "line_prefix", st && st->prefix[0] ? dfota_out_esc(st->prefix, b, sizeof b) : NULL);
    key_int(w, "prefix_lines", st ? (long long)st->prefixed : 0);
    key_int(w, "prefix_misfits", st ? (long long)st->misfits : 0);
    key_str(w, "unknown_prefix",
            st && st->unknown_prefix[0] ? dfota_out_esc(st->unknown_prefix, b, sizeof b) : NULL);
    key_str(w, "encoding", st && st->encoding ? st->encoding : "UTF-8");
    if (jsonl(o)) {
        dfota_jw_key(w, "rule_findings");
        dfota_jw_open(w, '{');
        for (int r = 0; r < DFOTA_RULE_COUNT; r++)
            if (o->rule_findings[r])
                key_int(w, dfota_rule_get((dfota_rule)r)->id, (long long)o->rule_findings[r]);
        dfota_jw_close(w, '}');
        dfota_jw_key(w, "firmware");
        dfota_jw_open(w, '{');
        key_str(w, "before", res && res->firmware_before[0] ? res->firmware_before : NULL);
        key_str(w, "after", res && res->firmware_after[0] ? res->firmware_after : NULL);
        dfota_jw_close(w, '}');
    }
    dfota_jw_close(w, '}');
    if (jsonl(o)) {
        dfota_jw_raw(w, "\n", 1);
        flush(o);
        if (fflush(o->out) == EOF) /* a record is seen when its file is judged */
            o->io_error = 1;
    } else if (o->jw.len > JW_CHUNK) {
        flush(o);
    }
}

void dfota_out_json_finish(dfota_output *o)
{
    dfota_jw *w = &o->jw;
    if (jsonl(o)) {
        record_head(o, "summary");
    } else {
        json_begun(o);
        dfota_jw_close(w, ']');
    }
    dfota_jw_key(w, "summary");
    dfota_jw_open(w, '{');
    key_int(w, "files", o->files);
    key_int(w, "passed", o->passed);
    key_int(w, "failed", o->failed);
    key_int(w, "incomplete", o->incomplete);
    key_int(w, "nothing_to_judge", o->empty);
    key_int(w, "unreadable", o->errors);
    dfota_jw_close(w, '}');
    if (o->prov) {
        json_t *p = dfota_json_provenance(o->prov);
        dfota_jw_key(w, "provenance");
        dfota_jw_json(w, p);
        json_decref(p);
    }
    key_int(w, "exit_status", (long long)dfota_output_status(o));
    dfota_jw_close(w, '}');
    if (!o->pretty || jsonl(o)) /* indented: the closing brace ends the line */
        dfota_jw_raw(w, "\n", 1);
    flush(o);
}
