/* SPDX-License-Identifier: MIT */
/* output_json.c - dfota check --format json: one document, streamed file
 * by file and flow by flow, so that memory stays bounded however long the
 * log; each flow is built with jansson and written at once. The parts a
 * run's report.json shares (a finding, rules, counts, provenance) come
 * from report/json.h; schema/dfota-report.schema.json describes it all. */
#include <string.h>

#include "report/output.h"
#include "report/json.h"

#include "dfota/guide.h"

#define FILE_FINDINGS_MAX 64 /* findings of no flow kept per file */

/* Every byte of the document goes through these: straight out, or
 * indented as it streams (--pretty). Each returns 0, or -1 when a write
 * failed. */
static int jputs(dfota_output *o, const char *s)
{
    if (o->pretty)
        return dfota_json_indent_write(&o->indent, o->out, s, strlen(s));
    return fputs(s, o->out) == EOF ? -1 : 0;
}

static int jdump(dfota_output *o, const json_t *j, size_t flags)
{
    return dfota_json_dump_via(j, o->out, flags, o->pretty ? &o->indent : NULL);
}

static int json_begun(dfota_output *o)
{
    if (o->json_begun)
        return 0;
    o->json_begun = 1;
    json_t *p = json_string(dfota_profile_name(o->profile));
    int rc = jputs(o, "{\"tool\":\"dfota check\",\"kind\":\"" DFOTA_JSON_KIND_CHECK "\",\"profile\":") ||
             jdump(o, p, JSON_ENCODE_ANY) || jputs(o, ",\"files\":[");
    json_decref(p);
    return rc;
}

void dfota_out_json_begin(dfota_output *o)
{
    if (json_begun(o))
        o->io_error = 1;
}

static json_t *finding_json(const dfota_output *o, const dfota_finding *f)
{
    dfota_finding copy;
    return dfota_json_finding(dfota_out_shown_finding(o, f, &copy));
}

/* Writes ,"key":value and takes value's reference. */
static void put_kv(dfota_output *o, const char *key, json_t *value)
{
    char k[64];
    snprintf(k, sizeof k, ",\"%s\":", key); /* our own keys: nothing to escape */
    if (jputs(o, k) || jdump(o, value, JSON_ENCODE_ANY | JSON_REAL_PRECISION(9)))
        o->io_error = 1;
    json_decref(value);
}

void dfota_out_json_flow(void *ctx, const dfota_flow_summary *s)
{
    dfota_output *o = ctx;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(s->id));
    json_object_set_new(j, "line", s->line ? json_integer((json_int_t)s->line) : json_null());
    json_object_set_new(j, "inferred", json_boolean(s->inferred));
    char cmd[DFOTA_TEXT_MAX];
    json_object_set_new(j, "command",
                        s->inferred ? json_null() : json_string(dfota_out_shown_text(o, s->command, cmd, sizeof cmd)));
    json_object_set_new(j, "form", json_string(s->form ? s->form : "none"));
    json_object_set_new(j, "protocol", json_string(dfota_proto_name(s->proto)));
    json_object_set_new(j, "final", s->final ? json_string(s->final) : json_null());
    json_object_set_new(j, "outcome", json_string(s->outcome));
    char what[WHAT_MAX];
    dfota_flow_describe(s, what, sizeof what);
    json_object_set_new(j, "summary", json_string(what));
    json_t *codes = json_object();
    json_object_set_new(codes, "download",
                        s->has_download_code ? json_integer(s->download_code) : json_null());
    json_t *ends = json_array();
    for (unsigned i = 0; i < s->n_end_codes; i++)
        json_array_append_new(ends, json_integer(s->end_codes[i]));
    json_object_set_new(codes, "end", ends);
    json_object_set_new(j, "codes", codes);
    json_object_set_new(j, "attempts", json_integer(s->attempts));
    json_object_set_new(j, "max_percent", s->max_percent >= 0 ? json_integer(s->max_percent) : json_null());
    json_object_set_new(j, "reboots", json_integer(s->reboots));
    const dfota_durations *d = &s->durations;
    json_t *dj = json_object();
    json_object_set_new(dj, "command_to_final_result", dfota_json_seconds(d->final_result));
    json_object_set_new(dj, "command_to_download_end", dfota_json_seconds(d->to_download_end));
    json_object_set_new(dj, "download", dfota_json_seconds(d->download));
    json_object_set_new(dj, "reboot_gap", dfota_json_seconds(d->reboot_gap));
    json_object_set_new(dj, "command_to_start", dfota_json_seconds(d->to_start));
    json_object_set_new(dj, "start_to_end", dfota_json_seconds(d->start_to_end));
    json_object_set_new(dj, "max_updating_gap", dfota_json_seconds(d->max_progress_gap));
    json_object_set_new(j, "durations", dj);
    json_t *fs = json_array();
    for (unsigned i = 0; i < s->n_findings; i++)
        json_array_append_new(fs, finding_json(o, &s->findings[i]));
    json_object_set_new(j, "findings", fs);
    json_object_set_new(j, "findings_not_listed", json_integer(s->n_findings_dropped));
    if ((o->flows_written++ && jputs(o, ",")) || jdump(o, j, JSON_REAL_PRECISION(9)))
        o->io_error = 1;
    json_decref(j);
}

void dfota_out_json_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                             dfota_format format, const dfota_reader_stats *st)
{
    if (jputs(o, "]"))
        o->io_error = 1;
    put_kv(o, "format", json_string(dfota_format_name(format)));
    dfota_out_file_verdict fv = dfota_out_verdict(o, res, error);
    put_kv(o, "verdict", json_string(dfota_out_verdict_name(fv, 1)));
    char altered[400];
    if (fv == FILE_INCONCLUSIVE)
        snprintf(altered, sizeof altered, "%s (%s)", DFOTA_LOG_ALTERED, res->altered_reason);
    put_kv(o, "verdict_reason", fv == FILE_NOTHING        ? json_string(DFOTA_NOTHING_TO_JUDGE)
                                : fv == FILE_INCONCLUSIVE ? json_string(altered)
                                                          : json_null());
    put_kv(o, "nothing_to_judge", json_boolean(res && res->nothing_to_judge));
    put_kv(o, "error", error ? json_string(error) : json_null());
    put_kv(o, "findings", o->file_findings ? o->file_findings : json_array());
    o->file_findings = NULL;
    put_kv(o, "rules", dfota_json_rules(res));
    put_kv(o, "counts", dfota_json_counts(res));
    put_kv(o, "timed", json_boolean(res && res->timed));
    put_kv(o, "comments_removed", json_integer(st ? (json_int_t)st->comments : 0));
    char b[200];
    put_kv(o, "line_prefix", st && st->prefix[0] ? json_string(dfota_out_esc(st->prefix, b, sizeof b)) : json_null());
    put_kv(o, "prefix_lines", json_integer(st ? (json_int_t)st->prefixed : 0));
    put_kv(o, "prefix_misfits", json_integer(st ? (json_int_t)st->misfits : 0));
    put_kv(o, "unknown_prefix",
           st && st->unknown_prefix[0] ? json_string(dfota_out_esc(st->unknown_prefix, b, sizeof b)) : json_null());
    put_kv(o, "encoding", json_string(st && st->encoding ? st->encoding : "UTF-8"));
    if (jputs(o, "}"))
        o->io_error = 1;
}

void dfota_out_json_finding(dfota_output *o, const dfota_finding *f)
{
    if (!o->file_findings)
        o->file_findings = json_array();
    if (json_array_size(o->file_findings) < FILE_FINDINGS_MAX)
        json_array_append_new(o->file_findings, finding_json(o, f));
}

void dfota_out_json_begin_file(dfota_output *o)
{
    json_t *n = json_string(o->file);
    if (json_begun(o) || (o->files && jputs(o, ",")) || jputs(o, "{\"file\":") ||
        jdump(o, n, JSON_ENCODE_ANY) || jputs(o, ",\"flows\":["))
        o->io_error = 1;
    json_decref(n);
}

void dfota_out_json_finish(dfota_output *o)
{
    if (json_begun(o) || jputs(o, "]"))
        o->io_error = 1;
    json_t *s = json_object();
    json_object_set_new(s, "files", json_integer(o->files));
    json_object_set_new(s, "passed", json_integer(o->passed));
    json_object_set_new(s, "failed", json_integer(o->failed));
    json_object_set_new(s, "incomplete", json_integer(o->incomplete));
    json_object_set_new(s, "nothing_to_judge", json_integer(o->empty));
    json_object_set_new(s, "unreadable", json_integer(o->errors));
    put_kv(o, "summary", s);
    if (o->prov)
        put_kv(o, "provenance", dfota_json_provenance(o->prov));
    put_kv(o, "exit_status", json_integer((json_int_t)dfota_output_status(o)));
    if (jputs(o, o->pretty ? "}" : "}\n")) /* indented: the closing brace ends the line */
        o->io_error = 1;
}
