/* SPDX-License-Identifier: MIT */
/* output.c - text, JSON and JUnit XML from the checker's findings: the
 * common part and the text; JSON is output_json.c, JUnit output_junit.c.
 *
 * Every string from a log reaches this file already escaped by the checker
 * (dfota_escape), and file names are escaped here; JSON strings are then
 * encoded by jansson and XML text by libxml2, so no device byte can break
 * a document or a terminal. Output streams file by file: memory stays
 * bounded however many files and flows there are. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/output.h"
#include "base/text.h"

#include "dfota/guide.h"

dfota_output *dfota_output_new(dfota_out_format fmt, FILE *out, dfota_profile profile, int color)
{
    dfota_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->fmt = fmt;
    o->out = out;
    o->profile = profile;
    o->color = color;
    /* JSON begins with the first file (or the end), once --pretty is known */
    if (fmt == DFOTA_OUT_JUNIT && dfota_out_junit_begin(o) != 0) {
        free(o);
        return NULL;
    }
    return o;
}

void dfota_output_keep_secrets(dfota_output *o, int keep)
{
    o->keep_secrets = keep != 0;
}

void dfota_output_pretty(dfota_output *o, int pretty)
{
    o->pretty = pretty != 0;
}

void dfota_output_allow_empty(dfota_output *o, int allow)
{
    o->allow_empty = allow != 0;
}

void dfota_output_provenance(dfota_output *o, const dfota_provenance *prov)
{
    o->prov = prov;
}

dfota_out_file_verdict dfota_out_verdict(const dfota_output *o, const dfota_checker_result *res,
                                         const char *error)
{
    if (error || !res)
        return FILE_ERROR;
    if (res->verdict == DFOTA_V_FAIL)
        return FILE_FAIL;
    if (res->nothing_to_judge && !o->allow_empty)
        return FILE_NOTHING;
    if (res->inconclusive)
        return FILE_INCONCLUSIVE;
    if (res->verdict == DFOTA_V_INCOMPLETE)
        return FILE_INCOMPLETE;
    return FILE_PASS;
}

const char *dfota_out_verdict_name(dfota_out_file_verdict v, int token)
{
    switch (v) {
    case FILE_PASS: return "PASS";
    case FILE_FAIL: return "FAIL";
    case FILE_INCOMPLETE: return "INCOMPLETE";
    case FILE_NOTHING: return token ? "NOTHING-TO-JUDGE" : "NOTHING TO JUDGE";
    case FILE_INCONCLUSIVE: return "INCONCLUSIVE";
    case FILE_ERROR: break;
    }
    return "ERROR";
}

const char *dfota_out_shown_text(const dfota_output *o, const char *text, char *buf, size_t cap)
{
    if (o->keep_secrets || !text || !strchr(text, ':'))
        return text;
    if (cap == 0)
        return "";
    size_t n = 0; /* as snprintf(buf, cap, "%s", text), without its cost */
    buf[0] = '\0';
    text_append(buf, cap, &n, text);
    (void)dfota_redact_field(buf, cap); /* a cut is marked and hides nothing */
    return buf;
}

const dfota_finding *dfota_out_shown_finding(const dfota_output *o, const dfota_finding *f,
                                          dfota_finding *copy)
{
    /* a secret is in a URL (scheme://): no ':', nothing to hide, no copy */
    if (o->keep_secrets || (!strchr(f->expected, ':') && !strchr(f->seen, ':')))
        return f;
    *copy = *f;
    (void)dfota_redact_field(copy->expected, sizeof copy->expected);
    (void)dfota_redact_field(copy->seen, sizeof copy->seen);
    return copy;
}

void dfota_output_free(dfota_output *o)
{
    if (!o)
        return;
    if (o->xml)
        xmlFreeTextWriter(o->xml);
    dfota_jw_free(&o->jw);
    dfota_jw_free(&o->jw_findings);
    free(o->flows);
    free(o->held_buf);
    free(o);
}

/* ---- text ------------------------------------------------------------- */

static const char *level_color(const dfota_output *o, dfota_level l)
{
    if (!o->color)
        return "";
    switch (l) {
    case DFOTA_L_FAIL: return "\033[1;31m";
    case DFOTA_L_WARN: return "\033[33m";
    case DFOTA_L_INCOMPLETE: return "\033[35m";
    case DFOTA_L_NOTE: return "\033[36m";
    }
    return "";
}

/* WARN and NOTE repeat (a % sign on every UPDATING): show each kind once. */
static int first_of_kind(dfota_output *o, const dfota_finding *f)
{
    if (f->level > DFOTA_L_WARN)
        return 1;
    for (size_t i = 0; i < o->n_seen; i++)
        if (o->seen[i].rule == f->rule && o->seen[i].level == f->level &&
            o->seen[i].quirk == f->quirk) {
            o->seen[i].n++;
            return 0;
        }
    if (o->n_seen < SEEN_MAX)
        o->seen[o->n_seen++] = (seen_kind){f->rule, f->level, f->quirk, 0};
    return 1;
}

/* Writes what was held back and streams from here on. */
static void release_held(dfota_output *o)
{
    if (!o->holding)
        return;
    o->holding = 0;
    if (o->held_len && fwrite(o->held_buf, 1, o->held_len, o->out) != o->held_len)
        o->io_error = 1;
    o->held_len = 0;
}

/* A finding's line of text, into what is held back while it fits (past
 * HELD_MAX the findings stream: memory stays bounded), else out. */
static void text_put(dfota_output *o, const char *fmt, ...)
{
    va_list ap;
    if (o->holding) {
        size_t room = HELD_MAX - o->held_len;
        va_start(ap, fmt);
        int n = vsnprintf(o->held_buf + o->held_len, room, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < room) {
            o->held_len += (size_t)n;
            return;
        }
        release_held(o);
    }
    va_start(ap, fmt);
    if (vfprintf(o->out, fmt, ap) < 0)
        o->io_error = 1;
    va_end(ap);
}

static void text_finding(dfota_output *o, const dfota_finding *f)
{
    if (!first_of_kind(o, f))
        return;
    dfota_finding copy;
    f = dfota_out_shown_finding(o, f, &copy);
    const dfota_rule_info *ri = dfota_rule_get(f->rule);
    char where[64] = "";
    if (f->line)
        snprintf(where, sizeof where, "%lu:", f->line);
    text_put(o, "%s:%s %s%s%s %s (\xc2\xa7%s) %s; %s", o->file, where, level_color(o, f->level),
             dfota_level_name(f->level), o->color ? "\033[0m" : "", ri->id, ri->section, f->expected,
             f->seen);
    if (f->t_ns != DFOTA_T_NONE)
        text_put(o, " (t=%.3fs)", dfota_seconds(f->t_ns));
    if (f->quirk && f->level == DFOTA_L_WARN)
        text_put(o, " [field behaviour: %s]\n", f->quirk);
    else if (f->quirk)
        text_put(o, " [%s]\n", f->quirk);
    else
        text_put(o, "\n");
}

/* The module time an upgrade took, as its log measured it: the longest of
 * command to final result, to the download's end, and to the last END. */
static int64_t flow_span(const dfota_durations *d)
{
    int64_t span = 0;
    if (d->final_result != DFOTA_T_NONE && d->final_result > span)
        span = d->final_result;
    if (d->to_download_end != DFOTA_T_NONE && d->to_download_end > span)
        span = d->to_download_end;
    if (d->to_start != DFOTA_T_NONE && d->start_to_end != DFOTA_T_NONE && d->to_start >= 0 &&
        d->start_to_end >= 0 && d->to_start < INT64_MAX - d->start_to_end &&
        d->to_start + d->start_to_end > span)
        span = d->to_start + d->start_to_end;
    return span;
}

void dfota_outcome_of(const dfota_flow_summary *s, int words, dfota_outcome *out)
{
    out->span_ns = flow_span(&s->durations);
    out->line = s->line;
    out->what[0] = '\0';
    if (words)
        dfota_flow_describe(s, out->what, sizeof out->what); /* no text of the log in it: nothing to redact */
}

int dfota_output_takes_outcomes(const dfota_output *o)
{
    return o->fmt != DFOTA_OUT_JSON && o->fmt != DFOTA_OUT_JSONL;
}

/* Each upgrade as it closes, in words, kept to be written before the
 * findings: it is what a reader wants first. */
void dfota_output_outcome(dfota_output *o, int64_t span_ns, unsigned long line, const char *what)
{
    o->span_ns += span_ns;
    if (o->n_outcomes == DFOTA_OUTCOMES_KEPT) {
        o->outcomes_dropped++;
        return;
    }
    size_t n = 0;
    o->outcome[o->n_outcomes][0] = '\0';
    text_append(o->outcome[o->n_outcomes], DFOTA_OUTCOME_MAX, &n, what);
    o->outcome_line[o->n_outcomes++] = line;
}

static void keep_outcome(void *ctx, const dfota_flow_summary *s)
{
    dfota_output *o = ctx;
    dfota_outcome oc;
    dfota_outcome_of(s, o->n_outcomes < DFOTA_OUTCOMES_KEPT, &oc); /* past them, counted, not said */
    dfota_output_outcome(o, oc.span_ns, oc.line, oc.what);
}

/* "FILE:LINE: " (or "FILE: ") before each, written as the bytes they are:
 * a folder of small logs writes one a flow, by the hundred thousand. */
static void text_outcomes(dfota_output *o)
{
    size_t fl = strlen(o->file);
    for (size_t i = 0; i < o->n_outcomes; i++) {
        char num[24];
        char *end = num + sizeof num, *at = end;
        *--at = ' ';
        *--at = ':';
        if (o->outcome_line[i]) {
            at = text_decimal((long long)o->outcome_line[i], at);
            *--at = ':';
        }
        fwrite(o->file, 1, fl, o->out);
        fwrite(at, 1, (size_t)(end - at), o->out);
        fputs(o->outcome[i], o->out);
        putc('\n', o->out);
    }
    if (o->outcomes_dropped)
        fprintf(o->out, "%s: (%zu more upgrades)\n", o->file, o->outcomes_dropped);
}

const char *dfota_out_esc(const char *s, char *b, size_t cap)
{
    dfota_escape(s, strlen(s), b, cap);
    return b;
}

/* What the reader took off the log before judging it, a line each (without
 * the file's name): *line is the file's line a note points at, 0 for none.
 * The texts come from the log: escaped before they are shown. */
size_t dfota_out_reader_notes(const dfota_output *o, const dfota_reader_stats *st, char out[READER_NOTES_MAX][READER_NOTE_LEN],
                           unsigned long line[READER_NOTES_MAX])
{
    char b[200], r[sizeof st->first_comment + 8];
    size_t n = 0;
    if (st->encoding) {
        line[n] = 0;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE the log is %s text, read as such", st->encoding);
    }
    if (st->prefix[0]) {
        line[n] = 0;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE line prefix `%s` (the log's, not the module's) taken off %lu line(s)",
                 dfota_out_esc(st->prefix, b, sizeof b), st->prefixed);
    }
    if (st->misfits) {
        line[n] = st->first_misfit_line;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE %lu line(s) without the log's line prefix read as they are",
                 st->misfits);
    }
    if (st->unknown_prefix[0]) {
        line[n] = 0;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE unknown line prefix `%s`: read as raw",
                 dfota_out_esc(st->unknown_prefix, b, sizeof b));
    }
    if (st->unknown_times) {
        line[n] = st->first_unknown_time_line;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE %lu line(s) with a time out of range kept, their time unknown (the line before's used)",
                 st->unknown_times);
    }
    if (st->comments) {
        line[n] = st->first_comment_line;
        snprintf(out[n++], READER_NOTE_LEN,
                 "NOTE %lu note(s) added by a person were removed before checking, the first: %s", st->comments,
                 dfota_out_esc(dfota_out_shown_text(o, st->first_comment, r, sizeof r), b, sizeof b)); /* a person's note may quote a URL */
    }
    return n;
}

static void text_reader_notes(dfota_output *o, const dfota_reader_stats *st)
{
    char notes[READER_NOTES_MAX][READER_NOTE_LEN];
    unsigned long line[READER_NOTES_MAX];
    size_t n = dfota_out_reader_notes(o, st, notes, line);
    for (size_t i = 0; i < n; i++)
        if (line[i])
            fprintf(o->out, "%s:%lu: %s\n", o->file, line[i], notes[i]);
        else
            fprintf(o->out, "%s: %s\n", o->file, notes[i]);
}

static void text_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                          dfota_format format, const dfota_reader_stats *st)
{
    text_outcomes(o);
    release_held(o);
    for (size_t i = 0; i < o->n_seen; i++)
        if (o->seen[i].n)
            fprintf(o->out, "%s: (%lu more %s %s%s%s like the one above)\n", o->file, o->seen[i].n,
                    dfota_level_name(o->seen[i].level), dfota_rule_get(o->seen[i].rule)->id,
                    o->seen[i].quirk ? " " : "", o->seen[i].quirk ? o->seen[i].quirk : "");
    if (st)
        text_reader_notes(o, st);
    if (error) {
        /* it quotes a file name, maybe a line already escaped: control
         * bytes and bidi controls escaped, backslashes kept */
        char shown[DFOTA_ERRBUF * 4];
        dfota_escape_text(error, strlen(error), shown, sizeof shown);
        fprintf(o->out, "%s%s%s\n", level_color(o, DFOTA_L_FAIL), shown, o->color ? "\033[0m" : "");
    }
    if (!res) {
        fprintf(o->out, "%s: ERROR (input could not be read)\n", o->file);
        return;
    }
    if (!res->timed)
        fprintf(o->out, "%s: NOTE no timestamps (%s): timing rules and durations skipped\n", o->file,
                dfota_format_name(format));
    dfota_out_file_verdict fv = dfota_out_verdict(o, res, error);
    if (res->nothing_to_judge && fv != FILE_NOTHING)
        fprintf(o->out, "%s: NOTE nothing to judge: %s%s\n", o->file, DFOTA_NOTHING_TO_JUDGE,
                o->allow_empty ? " (accepted: --allow-empty)" : "");
    char why[400] = "";
    if (fv == FILE_NOTHING)
        snprintf(why, sizeof why, ": %s; not a pass (--allow-empty accepts it)",
                 DFOTA_NOTHING_TO_JUDGE);
    else if (fv == FILE_INCONCLUSIVE)
        snprintf(why, sizeof why, ": %s (%s); not the module's doing, but strict cannot certify it",
                 DFOTA_LOG_ALTERED, res->altered_reason);
    fprintf(o->out, "%s: %s%s (%lu FAIL, %lu WARN, %lu INCOMPLETE, %lu NOTE; %u flow%s; %s, %s)\n",
            o->file, dfota_out_verdict_name(fv, 0), why, res->count[DFOTA_L_FAIL], res->count[DFOTA_L_WARN],
            res->count[DFOTA_L_INCOMPLETE], res->count[DFOTA_L_NOTE], res->flows,
            res->flows == 1 ? "" : "s", dfota_format_name(format), dfota_profile_name(o->profile));
}

/* ---- the common part -------------------------------------------------- */

static void on_finding(void *ctx, const dfota_finding *f)
{
    dfota_output *o = ctx;
    if (o->fmt == DFOTA_OUT_TEXT)
        text_finding(o, f);
    else if (o->fmt == DFOTA_OUT_JSON || o->fmt == DFOTA_OUT_JSONL) {
        if (f->flow == 0)
            dfota_out_json_finding(o, f);
        if (o->fmt == DFOTA_OUT_JSONL && f->level != DFOTA_L_NOTE &&
            (unsigned)f->rule < DFOTA_RULE_COUNT) /* only jsonl writes them */
            o->rule_findings[f->rule]++;
    }
    else if (o->fmt == DFOTA_OUT_JUNIT && f->level != DFOTA_L_NOTE && f->line > 0 &&
             (unsigned)f->rule < DFOTA_RULE_COUNT && !o->rule_line[f->rule])
        o->rule_line[f->rule] = f->line;
}

dfota_err dfota_output_rules_text(FILE *out, const dfota_checker_result *res, int keep_secrets)
{
    for (int r = 0; r < DFOTA_RULE_COUNT; r++) {
        if (res->rule[r] == DFOTA_V_NA)
            continue;
        char reason[DFOTA_TEXT_MAX];
        snprintf(reason, sizeof reason, "%s", res->rule_reason[r]);
        if (!keep_secrets)
            (void)dfota_redact_field(reason, sizeof reason); /* a cut is marked and hides nothing */
        if (fprintf(out, "  %-24s %-10s %s\n", dfota_rule_get((dfota_rule)r)->id,
                    dfota_verdict_name(res->rule[r]), reason) < 0)
            return DFOTA_E_IO;
    }
    return DFOTA_OK;
}

dfota_sink dfota_output_sink(dfota_output *o)
{
    dfota_sink s = {on_finding, dfota_output_takes_outcomes(o) ? keep_outcome : dfota_out_json_flow, o};
    return s;
}

void dfota_output_begin_file(dfota_output *o, const char *name)
{
    dfota_escape(name, strlen(name), o->file, sizeof o->file);
    o->n_seen = 0;
    o->n_outcomes = o->outcomes_dropped = 0;
    memset(o->rule_line, 0, sizeof o->rule_line);
    o->span_ns = 0;
    release_held(o);
    if (o->fmt == DFOTA_OUT_TEXT && !o->held_buf)
        o->held_buf = malloc(HELD_MAX); /* once, for the run; NULL: findings stream */
    o->holding = o->fmt == DFOTA_OUT_TEXT && o->held_buf;
    if (o->fmt == DFOTA_OUT_JSON || o->fmt == DFOTA_OUT_JSONL)
        dfota_out_json_begin_file(o);
}

void dfota_output_set_key(dfota_output *o, const char *key)
{
    if (key)
        dfota_escape(key, strlen(key), o->key, sizeof o->key);
    else
        o->key[0] = '\0';
}

void dfota_output_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                           dfota_format format, const dfota_reader_stats *stats)
{
    char shown_error[2 * DFOTA_ERRBUF];
    error = dfota_out_shown_text(o, error, shown_error, sizeof shown_error);
    o->files++;
    switch (dfota_out_verdict(o, res, error)) {
    case FILE_ERROR: o->errors++; break;
    case FILE_FAIL: o->failed++; break;
    case FILE_INCOMPLETE: case FILE_INCONCLUSIVE: o->incomplete++; break;
    case FILE_NOTHING: o->empty++; break;
    case FILE_PASS: o->passed++; break;
    }
    switch (o->fmt) {
    case DFOTA_OUT_TEXT: text_end_file(o, res, error, format, stats); break;
    case DFOTA_OUT_JSON:
    case DFOTA_OUT_JSONL: dfota_out_json_end_file(o, res, error, format, stats); break;
    case DFOTA_OUT_JUNIT: dfota_out_junit_end_file(o, res, error, stats); break;
    }
    o->key[0] = '\0'; /* the next file's is its own */
}

const char *dfota_fail_on_name(dfota_fail_on f)
{
    return f == DFOTA_FAIL_ON_NONE ? "none" : f == DFOTA_FAIL_ON_FAIL ? "fail" : "incomplete";
}

int dfota_fail_on_parse(const char *name, dfota_fail_on *f)
{
    for (int i = DFOTA_FAIL_ON_INCOMPLETE; i <= DFOTA_FAIL_ON_NONE; i++)
        if (strcmp(name, dfota_fail_on_name((dfota_fail_on)i)) == 0) {
            *f = (dfota_fail_on)i;
            return 0;
        }
    return -1;
}

dfota_status dfota_status_fail_on(dfota_status status, dfota_fail_on f)
{
    if (f == DFOTA_FAIL_ON_NONE || (f == DFOTA_FAIL_ON_FAIL && status == DFOTA_STATUS_INCOMPLETE))
        return DFOTA_STATUS_PASS;
    return status;
}

void dfota_output_fail_on(dfota_output *o, dfota_fail_on f)
{
    o->fail_on = f;
}

dfota_status dfota_output_status(const dfota_output *o)
{
    dfota_status s = DFOTA_STATUS_PASS;
    if (o->errors)
        s = DFOTA_STATUS_INPUT;
    else if (o->failed)
        s = DFOTA_STATUS_FAIL;
    else if (o->incomplete || o->empty)
        s = DFOTA_STATUS_INCOMPLETE;
    return dfota_status_fail_on(s, o->fail_on);
}

dfota_err dfota_output_finish(dfota_output *o)
{
    switch (o->fmt) {
    case DFOTA_OUT_TEXT:
        if (o->prov)
            fprintf(o->out, "dfota %s (commit %s), rules %s, profile %s: %s\n", o->prov->version,
                    o->prov->commit, o->prov->rules, o->prov->profile, o->prov->command);
        fprintf(o->out,
                "%u file%s: %u passed, %u failed, %u incomplete, %u with nothing to judge, "
                "%u unreadable\n",
                o->files, o->files == 1 ? "" : "s", o->passed, o->failed, o->incomplete, o->empty,
                o->errors);
        break;
    case DFOTA_OUT_JSON:
    case DFOTA_OUT_JSONL: dfota_out_json_finish(o); break;
    case DFOTA_OUT_JUNIT: dfota_out_junit_finish(o); break;
    }
    if (fflush(o->out) == EOF || ferror(o->out))
        o->io_error = 1;
    return o->io_error ? DFOTA_E_IO : DFOTA_OK;
}
