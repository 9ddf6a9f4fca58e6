/* output.c - text, JSON and JUnit XML from the checker's findings.
 *
 * Every string from a log reaches this file already escaped by the checker
 * (dfota_escape), and file names are escaped here; JSON strings are then
 * encoded by jansson and XML text by libxml2, so no device byte can break
 * a document or a terminal. Output streams file by file: memory stays
 * bounded however many files and flows there are. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "dfota/report.h"
#include "dfota/guide.h"
#include "dfota/log.h"
#include "report/json.h"
#include "report/junit.h"

#define SEEN_MAX 64
#define FILE_FINDINGS_MAX 64
#define OUTCOMES_MAX 32            /* upgrades said in words per file; the rest are counted */
#define WHAT_MAX 320                /* one upgrade in words */
#define OUTCOME_MAX (1024 + 32 + WHAT_MAX) /* with the file and line before it */
#define HELD_MAX (1024 * 1024)     /* text findings held back so the outcomes come first */

typedef struct {
    dfota_rule rule;
    dfota_level level;
    const char *quirk;
    unsigned long n;
} seen_kind;

struct dfota_output {
    dfota_out_format fmt;
    FILE *out;
    dfota_profile profile;
    int color;
    int keep_secrets;        /* 0: secrets in what a log said are hidden (redact.h) */
    int allow_empty;         /* 1: a log with nothing to judge passes (--allow-empty) */
    const dfota_provenance *prov; /* what made the verdicts, or NULL (borrowed) */
    int io_error;
    char file[1024];
    /* per file */
    seen_kind seen[SEEN_MAX];
    size_t n_seen;
    unsigned flows_written;
    json_t *file_findings;
    char outcome[OUTCOMES_MAX][OUTCOME_MAX]; /* "FILE:LINE: upgrade over ...", per upgrade */
    size_t n_outcomes, outcomes_dropped;
    FILE *held;              /* text findings, until the outcomes are written first */
    char *held_buf;
    size_t held_len;
    /* totals */
    unsigned files, passed, failed, incomplete, empty, errors;
    xmlTextWriterPtr xml;
};

#define X dfota_xml

dfota_output *dfota_output_new(dfota_out_format fmt, FILE *out, dfota_profile profile, int color)
{
    dfota_output *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->fmt = fmt;
    o->out = out;
    o->profile = profile;
    o->color = color;
    if (fmt == DFOTA_OUT_JSON) {
        json_t *p = json_string(dfota_profile_name(profile));
        if (fprintf(out, "{\"tool\":\"dfota check\",\"kind\":\"" DFOTA_JSON_KIND_CHECK "\",\"profile\":") < 0 ||
            json_dumpf(p, out, JSON_ENCODE_ANY) != 0 || fputs(",\"files\":[", out) == EOF)
            o->io_error = 1;
        json_decref(p);
    } else if (fmt == DFOTA_OUT_JUNIT) {
        xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(out, NULL);
        o->xml = buf ? xmlNewTextWriter(buf) : NULL;
        if (!o->xml) {
            free(o);
            return NULL;
        }
        xmlTextWriterSetIndent(o->xml, 1);
        if (xmlTextWriterStartDocument(o->xml, NULL, "UTF-8", NULL) < 0 ||
            xmlTextWriterStartElement(o->xml, X("testsuites")) < 0 ||
            xmlTextWriterWriteAttribute(o->xml, X("name"), X("dfota check")) < 0)
            o->io_error = 1;
    }
    return o;
}

void dfota_output_keep_secrets(dfota_output *o, int keep)
{
    o->keep_secrets = keep != 0;
}

void dfota_output_allow_empty(dfota_output *o, int allow)
{
    o->allow_empty = allow != 0;
}

void dfota_output_provenance(dfota_output *o, const dfota_provenance *prov)
{
    o->prov = prov;
}

/* What one file comes to. A FAIL is the module's (or the host's) and wins;
 * a log with no upgrade in it is not a pass unless allowed. */
typedef enum {
    FILE_PASS = 0,
    FILE_FAIL,
    FILE_INCOMPLETE,
    FILE_NOTHING,    /* nothing to judge */
    FILE_INCONCLUSIVE, /* strict: the log was altered after capture */
    FILE_ERROR       /* the input could not be read */
} file_verdict;

static file_verdict file_verdict_of(const dfota_output *o, const dfota_checker_result *res,
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

/* The verdict's name in text (words) and in JSON (one token). */
static const char *file_verdict_name(file_verdict v, int token)
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

/* The one way text from a log reaches this output: with its secrets
 * hidden, unless they are kept. Returns text, or buf (cap bytes) holding
 * the redacted copy, cut with "..." when it grew past cap. */
static const char *shown_text(const dfota_output *o, const char *text, char *buf, size_t cap)
{
    if (o->keep_secrets || !text || !strchr(text, ':'))
        return text;
    snprintf(buf, cap, "%s", text);
    (void)dfota_redact_field(buf, cap); /* a cut is marked and hides nothing */
    return buf;
}

/* The finding as this output shows it: f itself, or copy redacted. */
static const dfota_finding *shown_finding(const dfota_output *o, const dfota_finding *f,
                                          dfota_finding *copy)
{
    if (o->keep_secrets)
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
    json_decref(o->file_findings);
    if (o->held)
        fclose(o->held);
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
    if (!o->held)
        return;
    if (fclose(o->held) != 0)
        o->io_error = 1;
    o->held = NULL;
    if (o->held_len && fwrite(o->held_buf, 1, o->held_len, o->out) != o->held_len)
        o->io_error = 1;
    free(o->held_buf);
    o->held_buf = NULL;
    o->held_len = 0;
}

static void text_finding(dfota_output *o, const dfota_finding *f)
{
    if (!first_of_kind(o, f))
        return;
    dfota_finding copy;
    f = shown_finding(o, f, &copy);
    const dfota_rule_info *ri = dfota_rule_get(f->rule);
    char where[64] = "";
    if (f->line)
        snprintf(where, sizeof where, "%lu:", f->line);
    FILE *to = o->held ? o->held : o->out;
    fprintf(to, "%s:%s %s%s%s %s (\xc2\xa7%s) %s; %s", o->file, where, level_color(o, f->level),
            dfota_level_name(f->level), o->color ? "\033[0m" : "", ri->id, ri->section,
            f->expected, f->seen);
    if (f->t_ns != DFOTA_T_NONE)
        fprintf(to, " (t=%.3fs)", (double)f->t_ns / 1e9);
    if (f->quirk && f->level == DFOTA_L_WARN)
        fprintf(to, " [field behaviour: %s]", f->quirk);
    else if (f->quirk)
        fprintf(to, " [%s]", f->quirk);
    fputc('\n', to);
    /* Memory stays bounded: past HELD_MAX the findings stream. */
    if (o->held && (fflush(o->held) != 0 || o->held_len > HELD_MAX))
        release_held(o);
}

/* Each upgrade as it closes, in words (dfota_flow_describe), kept to be
 * written before the findings: it is what a reader wants first. */
static void keep_outcome(void *ctx, const dfota_flow_summary *s)
{
    dfota_output *o = ctx;
    if (o->n_outcomes == OUTCOMES_MAX) {
        o->outcomes_dropped++;
        return;
    }
    char what[WHAT_MAX]; /* no text of the log in it: nothing to redact */
    dfota_flow_describe(s, what, sizeof what);
    if (o->fmt == DFOTA_OUT_TEXT && s->line)
        snprintf(o->outcome[o->n_outcomes++], OUTCOME_MAX, "%s:%lu: %s", o->file, s->line, what);
    else if (o->fmt == DFOTA_OUT_TEXT)
        snprintf(o->outcome[o->n_outcomes++], OUTCOME_MAX, "%s: %s", o->file, what);
    else
        snprintf(o->outcome[o->n_outcomes++], OUTCOME_MAX, "%s", what);
}

static void text_outcomes(dfota_output *o)
{
    for (size_t i = 0; i < o->n_outcomes; i++)
        fprintf(o->out, "%s\n", o->outcome[i]);
    if (o->outcomes_dropped)
        fprintf(o->out, "%s: (%zu more upgrades)\n", o->file, o->outcomes_dropped);
}

/* A text from the log as the output may show it (transcript escapes). */
static const char *esc(const char *s, char *b, size_t cap)
{
    dfota_escape(s, strlen(s), b, cap);
    return b;
}

#define READER_NOTES_MAX 6
#define READER_NOTE_LEN 400

/* What the reader took off the log before judging it, a line each (without
 * the file's name): *line is the file's line a note points at, 0 for none.
 * The texts come from the log: escaped before they are shown. */
static size_t reader_notes(const dfota_output *o, const dfota_reader_stats *st, char out[READER_NOTES_MAX][READER_NOTE_LEN],
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
                 esc(st->prefix, b, sizeof b), st->prefixed);
    }
    if (st->misfits) {
        line[n] = st->first_misfit_line;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE %lu line(s) without the log's line prefix read as they are",
                 st->misfits);
    }
    if (st->unknown_prefix[0]) {
        line[n] = 0;
        snprintf(out[n++], READER_NOTE_LEN, "NOTE unknown line prefix `%s`: read as raw",
                 esc(st->unknown_prefix, b, sizeof b));
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
                 esc(shown_text(o, st->first_comment, r, sizeof r), b, sizeof b)); /* a person's note may quote a URL */
    }
    return n;
}

static void text_reader_notes(dfota_output *o, const dfota_reader_stats *st)
{
    char notes[READER_NOTES_MAX][READER_NOTE_LEN];
    unsigned long line[READER_NOTES_MAX];
    size_t n = reader_notes(o, st, notes, line);
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
    file_verdict fv = file_verdict_of(o, res, error);
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
            o->file, file_verdict_name(fv, 0), why, res->count[DFOTA_L_FAIL], res->count[DFOTA_L_WARN],
            res->count[DFOTA_L_INCOMPLETE], res->count[DFOTA_L_NOTE], res->flows,
            res->flows == 1 ? "" : "s", dfota_format_name(format), dfota_profile_name(o->profile));
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *finding_json(const dfota_output *o, const dfota_finding *f)
{
    dfota_finding copy;
    return dfota_json_finding(shown_finding(o, f, &copy));
}

/* Writes ,"key":value and takes value's reference. */
static void put_kv(dfota_output *o, const char *key, json_t *value)
{
    if (fprintf(o->out, ",\"%s\":", key) < 0 || /* our own keys: nothing to escape */
        dfota_json_dump(value, o->out, JSON_ENCODE_ANY | JSON_REAL_PRECISION(9)) != 0)
        o->io_error = 1;
    json_decref(value);
}

static void json_flow(void *ctx, const dfota_flow_summary *s)
{
    dfota_output *o = ctx;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(s->id));
    json_object_set_new(j, "line", s->line ? json_integer((json_int_t)s->line) : json_null());
    json_object_set_new(j, "inferred", json_boolean(s->inferred));
    char cmd[DFOTA_TEXT_MAX];
    json_object_set_new(j, "command",
                        s->inferred ? json_null() : json_string(shown_text(o, s->command, cmd, sizeof cmd)));
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
    if ((o->flows_written++ && fputc(',', o->out) == EOF) ||
        dfota_json_dump(j, o->out, JSON_COMPACT | JSON_REAL_PRECISION(9)) != 0)
        o->io_error = 1;
    json_decref(j);
}

static void json_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                          dfota_format format, const dfota_reader_stats *st)
{
    if (fputc(']', o->out) == EOF)
        o->io_error = 1;
    put_kv(o, "format", json_string(dfota_format_name(format)));
    file_verdict fv = file_verdict_of(o, res, error);
    put_kv(o, "verdict", json_string(file_verdict_name(fv, 1)));
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
    put_kv(o, "line_prefix", st && st->prefix[0] ? json_string(esc(st->prefix, b, sizeof b)) : json_null());
    put_kv(o, "prefix_lines", json_integer(st ? (json_int_t)st->prefixed : 0));
    put_kv(o, "prefix_misfits", json_integer(st ? (json_int_t)st->misfits : 0));
    put_kv(o, "unknown_prefix",
           st && st->unknown_prefix[0] ? json_string(esc(st->unknown_prefix, b, sizeof b)) : json_null());
    put_kv(o, "encoding", json_string(st && st->encoding ? st->encoding : "UTF-8"));
    if (fputc('}', o->out) == EOF)
        o->io_error = 1;
}

/* ---- JUnit XML -------------------------------------------------------- */


static void xml_testcase(dfota_output *o, const char *name, const char *child, const char *msg)
{
    if (dfota_junit_case(o->xml, o->file, name, child, msg) < 0)
        o->io_error = 1;
}

/* Each upgrade in words, and what the reader took off the log, as the
 * suite's output. */
static void junit_outcomes(dfota_output *o, const dfota_reader_stats *st)
{
    char notes[READER_NOTES_MAX][READER_NOTE_LEN];
    unsigned long line[READER_NOTES_MAX];
    size_t nn = st ? reader_notes(o, st, notes, line) : 0;
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

static void junit_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                           const dfota_reader_stats *st)
{
    /* Nothing to judge is an error a CI does not take for green. */
    file_verdict fv = file_verdict_of(o, res, error);
    int not_judged = fv == FILE_NOTHING || fv == FILE_INCONCLUSIVE;
    dfota_junit_counts c = {error || not_judged ? 1u : 0u, 0, error || not_judged ? 1u : 0u, 0};
    dfota_junit_count_rules(res, &c);
    if (dfota_junit_suite_begin(o->xml, o->file, &c, o->prov) < 0)
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
        const char *why = shown_text(o, res->rule_reason[r], reason, sizeof reason);
        if (dfota_junit_rule(o->xml, o->file, (dfota_rule)r, res->rule[r], why) < 0)
            o->io_error = 1;
    }
    if (xmlTextWriterEndElement(o->xml) < 0)
        o->io_error = 1;
}

/* ---- the common part -------------------------------------------------- */

static void on_finding(void *ctx, const dfota_finding *f)
{
    dfota_output *o = ctx;
    if (o->fmt == DFOTA_OUT_TEXT)
        text_finding(o, f);
    else if (o->fmt == DFOTA_OUT_JSON && f->flow == 0) {
        if (!o->file_findings)
            o->file_findings = json_array();
        if (json_array_size(o->file_findings) < FILE_FINDINGS_MAX)
            json_array_append_new(o->file_findings, finding_json(o, f));
    }
}

dfota_sink dfota_output_sink(dfota_output *o)
{
    dfota_sink s = {on_finding, o->fmt == DFOTA_OUT_JSON ? json_flow : keep_outcome, o};
    return s;
}

void dfota_output_begin_file(dfota_output *o, const char *name)
{
    dfota_escape(name, strlen(name), o->file, sizeof o->file);
    o->n_seen = 0;
    o->flows_written = 0;
    o->n_outcomes = o->outcomes_dropped = 0;
    release_held(o);
    if (o->fmt == DFOTA_OUT_TEXT)
        o->held = open_memstream(&o->held_buf, &o->held_len); /* NULL: findings stream */
    json_decref(o->file_findings);
    o->file_findings = NULL;
    if (o->fmt == DFOTA_OUT_JSON) {
        json_t *n = json_string(o->file);
        if ((o->files && fputc(',', o->out) == EOF) || fputs("{\"file\":", o->out) == EOF ||
            dfota_json_dump(n, o->out, JSON_ENCODE_ANY) != 0 || fputs(",\"flows\":[", o->out) == EOF)
            o->io_error = 1;
        json_decref(n);
    }
}

void dfota_output_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                           dfota_format format, const dfota_reader_stats *stats)
{
    char shown_error[2 * DFOTA_ERRBUF];
    error = shown_text(o, error, shown_error, sizeof shown_error);
    o->files++;
    switch (file_verdict_of(o, res, error)) {
    case FILE_ERROR: o->errors++; break;
    case FILE_FAIL: o->failed++; break;
    case FILE_INCOMPLETE: case FILE_INCONCLUSIVE: o->incomplete++; break;
    case FILE_NOTHING: o->empty++; break;
    case FILE_PASS: o->passed++; break;
    }
    switch (o->fmt) {
    case DFOTA_OUT_TEXT: text_end_file(o, res, error, format, stats); break;
    case DFOTA_OUT_JSON: json_end_file(o, res, error, format, stats); break;
    case DFOTA_OUT_JUNIT: junit_end_file(o, res, error, stats); break;
    }
}

dfota_status dfota_output_status(const dfota_output *o)
{
    if (o->errors)
        return DFOTA_STATUS_INPUT;
    if (o->failed)
        return DFOTA_STATUS_FAIL;
    if (o->incomplete || o->empty)
        return DFOTA_STATUS_INCOMPLETE;
    return DFOTA_STATUS_PASS;
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
    case DFOTA_OUT_JSON: {
        if (fputc(']', o->out) == EOF)
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
        if (fputs("}\n", o->out) == EOF)
            o->io_error = 1;
        break;
    }
    case DFOTA_OUT_JUNIT:
        if (xmlTextWriterEndDocument(o->xml) < 0 || xmlTextWriterFlush(o->xml) < 0)
            o->io_error = 1;
        break;
    }
    if (fflush(o->out) == EOF || ferror(o->out))
        o->io_error = 1;
    return o->io_error ? DFOTA_E_IO : DFOTA_OK;
}
