/* SPDX-License-Identifier: MIT */
/* merge_read.c - dfota merge's reading: JSONL shards of `dfota check
 * --format jsonl`, a line at a time (one json_loadb a line, the line
 * bounded by opts.line_max), into the merge's counts, bounded tables and
 * each rule's worst files (report/merge.h).
 *
 * A shard is untrusted input: every field a merge counts is checked for its
 * type and its bound before anything is counted, and every error names
 * SHARD:LINE with what was found, the shard's texts escaped. A shard is a
 * run of segments, each its file records and then a summary record (shards
 * joined with cat stay shards); a shard that does not end with a summary is
 * truncated (a worker that died). Every record must carry the version,
 * catalogue and profile of the first one, unless allow_mixed.
 *
 * A key merged once is not merged again (a shard given twice, a task a
 * scheduler retried): the first record read counts, the later ones are
 * counted as duplicates, and as differing when their judgement (verdict,
 * rules and findings per rule) is not the first one's. Keys are remembered
 * as 64-bit hashes: two keys are taken for one with a probability of about
 * n^2 / 2^65 (below 1e-7 for a million files). */
#define _POSIX_C_SOURCE 200809L /* strdup, strnlen */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dfota/report.h"
#include "dfota/log.h"
#include "report/merge.h"

#define TOKEN_MAX 63            /* bytes of a version, catalogue or profile */
#define RULE_ID_MAX 64
#define OUTCOME_MAX 64
#define FIRMWARE_MAX 256
#define SHOWN_MAX 120           /* bytes of a shard's text quoted in a message */
#define WHERE_MAX 1200
#define DUPLICATES_SAID 10      /* duplicates judged otherwise said one by one */

typedef struct {
    dfota_merge *m;
    const char *shard;          /* escaped */
    unsigned long line;         /* the line being read */
    char *err;
    size_t errlen;
    int nomem;
} ctx;

/* "SHARD:LINE", where a message points: made when one is said, not for
 * every line read. */
static const char *where(const ctx *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%lu", c->shard, c->line);
    return buf;
}

/* A warning at the line being read. */
static void say(const ctx *c, const char *what)
{
    if (!c->m->o.warn)
        return;
    char w[WHERE_MAX], msg[WHERE_MAX + 1024];
    snprintf(msg, sizeof msg, "%s: %s", where(c, w, sizeof w), what);
    c->m->o.warn(c->m->o.warn_ctx, msg);
}

DFOTA_PRINTF(3, 4)
static dfota_err bad(ctx *c, dfota_err rc, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char w[WHERE_MAX];
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s: %s", where(c, w, sizeof w), msg);
    return rc;
}

/* A shard's text as a message quotes it: escaped, cut with "...". */
static const char *shown(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = n > SHOWN_MAX ? SHOWN_MAX : n;
    size_t need = dfota_escape_text(s, k, buf, cap);
    if (k < n && need + 4 < cap)
        strcat(buf, "...");
    return buf;
}

static const char *type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: break;
    }
    return "null";
}

/* ---- fields ----------------------------------------------------------- */

/* The string at obj[name] (path names it in messages) into *out: NULL when
 * absent (or null, with nullable); an error when required and absent, of
 * another type, empty, or longer than max. */
static dfota_err str_at(ctx *c, json_t *obj, const char *name, const char *path, size_t max,
                        int required, int nullable, const char **out, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (len)
        *len = 0;
    if (!v || (nullable && json_is_null(v))) {
        if (required)
            return bad(c, DFOTA_E_INPUT, "no \"%s\"", path);
        return DFOTA_OK;
    }
    if (!json_is_string(v))
        return bad(c, DFOTA_E_INPUT, "\"%s\" is %s, not a string", path, type_name(v));
    size_t n = json_string_length(v);
    if (n == 0)
        return bad(c, DFOTA_E_INPUT, "\"%s\" is empty", path);
    if (n > max)
        return bad(c, DFOTA_E_TOO_BIG, "\"%s\" has %zu bytes, more than %zu", path, n, max);
    *out = json_string_value(v);
    if (len)
        *len = n;
    return DFOTA_OK;
}

/* obj[name] when it is of type t, NULL when absent or null; an error when
 * it is of another type. */
static dfota_err typed_at(ctx *c, json_t *obj, const char *name, json_type t, json_t **out)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    if (!v || json_is_null(v))
        return DFOTA_OK;
    if (json_typeof(v) != t) {
        return bad(c, DFOTA_E_INPUT, "\"%s\" is %s, not %s", name, type_name(v),
                   t == JSON_OBJECT ? "an object" : "an array");
    }
    *out = v;
    return DFOTA_OK;
}

static dfota_err count_at(ctx *c, json_t *obj, const char *name, const char *path, uint64_t *out)
{
    json_t *v = json_object_get(obj, name);
    if (!v)
        return bad(c, DFOTA_E_INPUT, "no \"%s\"", path);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(c, DFOTA_E_INPUT, "\"%s\" is %s, not a count", path,
                   json_is_integer(v) ? "negative" : type_name(v));
    *out = (uint64_t)json_integer_value(v);
    return DFOTA_OK;
}

static int token_index(const char *s, const char *const *tokens, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, tokens[i]) == 0)
            return i;
    return -1;
}

/* ---- the version, catalogue and profile every record carries ----------- */

static dfota_err check_combo(ctx *c, json_t *rec, report_combo **out)
{
    dfota_merge *m = c->m;
    static const char *const field[] = {"dfota", "catalogue", "profile"};
    const char *v[3];
    for (int i = 0; i < 3; i++) {
        dfota_err rc = str_at(c, rec, field[i], field[i], TOKEN_MAX, 1, 0, &v[i], NULL);
        if (rc)
            return rc;
    }
    *out = NULL;
    for (size_t k = 0; k < m->n_combos; k++) {
        report_combo *cb = &m->combos[k];
        if (strcmp(cb->dfota, v[0]) == 0 && strcmp(cb->catalogue, v[1]) == 0 &&
            strcmp(cb->profile, v[2]) == 0) {
            *out = cb;
            return DFOTA_OK;
        }
    }
    if (m->n_combos > 0 && !m->o.allow_mixed) {
        const report_combo *first = &m->combos[0];
        const char *was[3] = {first->dfota, first->catalogue, first->profile};
        char got[SHOWN_MAX * 4 + 8], said_b[SHOWN_MAX * 4 + 8], msg[3 * (WHERE_MAX + 600)] = "";
        size_t len = 0;
        for (int i = 0; i < 3 && len < sizeof msg; i++)
            if (strcmp(v[i], was[i]) != 0) /* both are the shards' texts: escaped */
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s \"%s\", where %s said \"%s\"",
                                        len ? "; " : "", field[i], shown(v[i], strlen(v[i]), got, sizeof got),
                                        m->first_where, shown(was[i], strlen(was[i]), said_b, sizeof said_b));
        return bad(c, DFOTA_E_INPUT,
                   "%s: records of one dfota version, catalogue and profile are merged "
                   "(--allow-mixed merges them anyway, counting each combination)",
                   msg);
    }
    if (m->n_combos == DFOTA_MERGE_COMBOS_MAX) {
        m->combos_dropped++;
        return DFOTA_OK;
    }
    report_combo *cb = &m->combos[m->n_combos++];
    memset(cb, 0, sizeof *cb);
    snprintf(cb->dfota, sizeof cb->dfota, "%s", v[0]);
    snprintf(cb->catalogue, sizeof cb->catalogue, "%s", v[1]);
    snprintf(cb->profile, sizeof cb->profile, "%s", v[2]);
    if (m->n_combos == 1)
        where(c, m->first_where, sizeof m->first_where);
    *out = cb;
    return DFOTA_OK;
}


/* ---- a file record ---------------------------------------------------- */

typedef struct {
    const char *key;
    size_t key_len;
    int verdict;
    json_t *rules, *rule_findings, *flows, *findings;
    const char *before, *after;
} file_rec;

/* The rules, their findings and the flows: checked, before anything counts. */
static dfota_err check_file(ctx *c, json_t *rec, file_rec *f)
{
    const char *k, *v;
    json_t *val;
    char b[SHOWN_MAX * 4 + 8];
    dfota_err rc;
    if ((rc = typed_at(c, rec, "rules", JSON_OBJECT, &f->rules)) ||
        (rc = typed_at(c, rec, "rule_findings", JSON_OBJECT, &f->rule_findings)) ||
        (rc = typed_at(c, rec, "flows", JSON_ARRAY, &f->flows)) ||
        (rc = typed_at(c, rec, "findings", JSON_ARRAY, &f->findings)))
        return rc;
    json_object_foreach(f->rules, k, val) {
        size_t n = strlen(k);
        if (n == 0 || n > RULE_ID_MAX)
            return bad(c, DFOTA_E_TOO_BIG, "a rule ID of %zu bytes in \"rules\" (1 to %d)", n, RULE_ID_MAX);
        v = json_string_value(val);
        if (!v || token_index(v, report_status_token, REPORT_S_COUNT) < 0) {
            char sb[SHOWN_MAX * 4 + 8];
            return bad(c, DFOTA_E_INPUT, "rule %s: status %s (PASS, WARN, INCOMPLETE or FAIL)",
                       shown(k, n, b, sizeof b), v ? shown(v, strlen(v), sb, sizeof sb) : type_name(val));
        }
    }
    json_object_foreach(f->rule_findings, k, val) {
        size_t n = strlen(k);
        if (n == 0 || n > RULE_ID_MAX)
            return bad(c, DFOTA_E_TOO_BIG, "a rule ID of %zu bytes in \"rule_findings\" (1 to %d)", n,
                       RULE_ID_MAX);
        if (!json_is_integer(val) || json_integer_value(val) < 0)
            return bad(c, DFOTA_E_INPUT, "\"rule_findings\" of %s is %s, not a count",
                       shown(k, n, b, sizeof b), type_name(val));
    }
    size_t i;
    json_array_foreach(f->flows, i, val) {
        char path[64];
        const char *s;
        json_t *codes, *x;
        snprintf(path, sizeof path, "flows[%zu]", i);
        if (!json_is_object(val))
            return bad(c, DFOTA_E_INPUT, "\"%s\" is %s, not an object", path, type_name(val));
        snprintf(path, sizeof path, "flows[%zu].outcome", i);
        if ((rc = str_at(c, val, "outcome", path, OUTCOME_MAX, 0, 1, &s, NULL)))
            return rc;
        snprintf(path, sizeof path, "flows[%zu].protocol", i);
        if ((rc = str_at(c, val, "protocol", path, OUTCOME_MAX, 0, 1, &s, NULL)) ||
            (rc = typed_at(c, val, "codes", JSON_OBJECT, &codes)))
            return rc;
        x = json_object_get(codes, "download");
        if (x && !json_is_null(x) && !json_is_integer(x))
            return bad(c, DFOTA_E_INPUT, "\"flows[%zu].codes.download\" is %s, not an integer", i,
                       type_name(x));
        x = json_object_get(codes, "end");
        if (x && !json_is_null(x) && !json_is_array(x))
            return bad(c, DFOTA_E_INPUT, "\"flows[%zu].codes.end\" is %s, not an array", i, type_name(x));
        size_t e;
        json_t *code;
        json_array_foreach(x, e, code)
            if (!json_is_integer(code))
                return bad(c, DFOTA_E_INPUT, "\"flows[%zu].codes.end[%zu]\" is %s, not an integer", i, e,
                           type_name(code));
    }
    json_t *fw;
    if ((rc = typed_at(c, rec, "firmware", JSON_OBJECT, &fw)) ||
        (rc = str_at(c, fw, "before", "firmware.before", FIRMWARE_MAX, 0, 1, &f->before, NULL)) ||
        (rc = str_at(c, fw, "after", "firmware.after", FIRMWARE_MAX, 0, 1, &f->after, NULL)))
        return rc;
    return DFOTA_OK;
}

/* The judgement a duplicate is compared by: the verdict, each rule's
 * status and findings; a sum of hashes, so that the fields' order in the
 * record does not matter. */
static uint64_t judgement(const file_rec *f)
{
    uint64_t h = report_hash(&f->verdict, sizeof f->verdict, 1);
    const char *k;
    json_t *v;
    json_object_foreach(f->rules, k, v) {
        const char *s = json_string_value(v);
        h += report_hash(k, strlen(k), 2) ^ report_hash(s, strlen(s), 3);
    }
    json_object_foreach(f->rule_findings, k, v) {
        json_int_t n = json_integer_value(v);
        h += report_hash(k, strlen(k), 4) ^ report_hash(&n, sizeof n, 5);
    }
    return h;
}

/* The line of the first finding of rule id that is not a NOTE, in the
 * flows and the file's own findings; 0 for none. Findings are what the
 * page points at, not counted: one of another form is passed over. */
static unsigned long first_line_in(json_t *findings, const char *id, unsigned long best)
{
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f) {
        const char *r = json_string_value(json_object_get(f, "rule"));
        const char *l = json_string_value(json_object_get(f, "level"));
        json_t *line = json_object_get(f, "line");
        if (!r || !l || strcmp(r, id) != 0 || strcmp(l, "NOTE") == 0 || !json_is_integer(line) ||
            json_integer_value(line) <= 0)
            continue;
        unsigned long n = (unsigned long)json_integer_value(line);
        if (!best || n < best)
            best = n;
    }
    return best;
}

static unsigned long first_line(const file_rec *f, const char *id)
{
    unsigned long best = first_line_in(f->findings, id, 0);
    size_t i;
    json_t *flow;
    json_array_foreach(f->flows, i, flow)
        best = first_line_in(json_object_get(flow, "findings"), id, best);
    return best;
}

static void count_code(ctx *c, int urc, json_int_t code)
{
    char key[48];
    int n = snprintf(key, sizeof key, "%d %lld", urc, (long long)code);
    report_entry *e = report_table_get(&c->m->codes, key, (size_t)n, &c->nomem);
    if (e) {
        e->urc = urc;
        e->code = (long long)code;
        e->n[0]++;
    }
}

static void count_flows(ctx *c, const file_rec *f)
{
    size_t i;
    json_t *flow;
    json_array_foreach(f->flows, i, flow) {
        const char *out = json_string_value(json_object_get(flow, "outcome"));
        if (out) {
            report_entry *e = report_table_get(&c->m->outcomes, out, strlen(out), &c->nomem);
            if (e)
                e->n[0]++;
        }
        const char *proto = json_string_value(json_object_get(flow, "protocol"));
        int urc = !proto ? REPORT_C_HTTPEND
                  : strcmp(proto, "ftp") == 0 ? REPORT_C_FTPEND
                  : strcmp(proto, "file-stream") == 0 ? REPORT_C_FILEEND
                                                      : REPORT_C_HTTPEND;
        json_t *codes = json_object_get(flow, "codes");
        json_t *dl = json_object_get(codes, "download");
        if (json_is_integer(dl))
            count_code(c, urc, json_integer_value(dl));
        size_t k;
        json_t *end;
        json_array_foreach(json_object_get(codes, "end"), k, end)
            count_code(c, REPORT_C_END, json_integer_value(end));
    }
}

static void count_firmware(ctx *c, const file_rec *f)
{
    if (!f->before && !f->after) {
        c->m->firmware_not_said++;
        return;
    }
    /* the key: a tag and the text for each side, so that null and "" differ */
    char key[2 * FIRMWARE_MAX + 4];
    size_t n = 0;
    key[n++] = f->before ? 'b' : '-';
    if (f->before)
        n += (size_t)snprintf(key + n, sizeof key - n, "%s", f->before);
    key[n++] = '\0';
    key[n++] = f->after ? 'a' : '-';
    if (f->after)
        n += (size_t)snprintf(key + n, sizeof key - n, "%s", f->after);
    report_entry *e = report_table_get(&c->m->firmware, key, n, &c->nomem);
    if (!e)
        return;
    if (e->n[0] == 0 && ((f->before && !(e->before = strdup(f->before))) ||
                         (f->after && !(e->after = strdup(f->after))))) {
        c->nomem = 1;
        return;
    }
    e->n[0]++;
}

static void count_rules(ctx *c, const file_rec *f)
{
    const char *id;
    json_t *v;
    json_object_foreach(f->rules, id, v) {
        report_entry *e = report_table_get(&c->m->rules, id, strlen(id), &c->nomem);
        if (!e)
            continue;
        int s = token_index(json_string_value(v), report_status_token, REPORT_S_COUNT);
        e->n[s]++;
        if (s == REPORT_S_PASS)
            continue;
        json_t *nf = json_object_get(f->rule_findings, id);
        report_worst cand = {(char *)(uintptr_t)f->key, s,
                             json_is_integer(nf) ? (uint64_t)json_integer_value(nf) : 0, f->verdict, 0};
        report_worst *kept = report_worst_offer(e, c->m->o.top, &cand, &c->nomem);
        if (kept)
            kept->line = first_line(f, id);
    }
}

static dfota_err file_record(ctx *c, json_t *rec, report_combo *combo, uint64_t seg[REPORT_V_COUNT])
{
    dfota_merge *m = c->m;
    file_rec f;
    memset(&f, 0, sizeof f);
    const char *verdict;
    char b[SHOWN_MAX * 4 + 8];
    dfota_err rc = str_at(c, rec, "key", "key", DFOTA_MERGE_KEY_MAX, 0, 0, &f.key, &f.key_len);
    if (!rc && !f.key)
        rc = str_at(c, rec, "file", "key\" or \"file", DFOTA_MERGE_KEY_MAX, 1, 0, &f.key, &f.key_len);
    if (rc || (rc = str_at(c, rec, "verdict", "verdict", 64, 1, 0, &verdict, NULL)))
        return rc;
    f.verdict = token_index(verdict, report_verdict_token, REPORT_V_COUNT);
    if (f.verdict < 0)
        return bad(c, DFOTA_E_INPUT,
                   "unknown verdict \"%s\" (PASS, FAIL, INCOMPLETE, NOTHING-TO-JUDGE, INCONCLUSIVE or ERROR)",
                   shown(verdict, strlen(verdict), b, sizeof b));
    if ((rc = check_file(c, rec, &f)))
        return rc;
    seg[f.verdict]++;
    m->records++;
    int differs = 0;
    int dup = report_seen_add(m, report_hash(f.key, f.key_len, 0), judgement(&f), &differs);
    if (dup < 0)
        return bad(c, DFOTA_E_NOMEM, "out of memory");
    if (dup) {
        m->duplicates++;
        m->duplicates_differing += differs != 0;
        if (differs && m->duplicates_differing <= DUPLICATES_SAID) {
            char what[SHOWN_MAX * 4 + 128];
            snprintf(what, sizeof what, "%s was merged before, judged otherwise: the first record counts%s",
                     shown(f.key, f.key_len, b, sizeof b),
                     m->duplicates_differing == DUPLICATES_SAID ? " (the next ones are only counted)" : "");
            say(c, what);
        }
        return DFOTA_OK;
    }
    m->verdicts[f.verdict]++;
    if (combo)
        combo->files++;
    count_rules(c, &f);
    count_flows(c, &f);
    count_firmware(c, &f);
    return c->nomem ? bad(c, DFOTA_E_NOMEM, "out of memory") : DFOTA_OK;
}

/* A summary record: its counts against the file records of its segment. */
static dfota_err summary_record(ctx *c, json_t *rec, const uint64_t seg[REPORT_V_COUNT],
                                int *inconsistent)
{
    static const char *const name[] = {"files", "passed", "failed", "incomplete", "nothing_to_judge",
                                       "unreadable"};
    json_t *s = json_object_get(rec, "summary");
    uint64_t said[6], got[6];
    if (!json_is_object(s))
        return bad(c, DFOTA_E_INPUT, "a summary record with %s \"summary\"", s ? "a wrong" : "no");
    for (int i = 0; i < 6; i++) {
        char path[48];
        snprintf(path, sizeof path, "summary.%s", name[i]);
        dfota_err rc = count_at(c, s, name[i], path, &said[i]);
        if (rc)
            return rc;
    }
    got[1] = seg[REPORT_V_PASS];
    got[2] = seg[REPORT_V_FAIL];
    got[3] = seg[REPORT_V_INCOMPLETE] + seg[REPORT_V_INCONCLUSIVE];
    got[4] = seg[REPORT_V_NOTHING];
    got[5] = seg[REPORT_V_ERROR];
    got[0] = got[1] + got[2] + got[3] + got[4] + got[5];
    if (memcmp(said, got, sizeof said) == 0)
        return DFOTA_OK;
    char msg[600];
    int n = 0;
    for (int k = 0; k < 2; k++) {
        const uint64_t *v = k ? got : said;
        n += snprintf(msg + n, sizeof msg - (size_t)n,
                      "%s %llu files (%llu passed, %llu failed, %llu incomplete, %llu with nothing to "
                      "judge, %llu unreadable)",
                      k ? ", its file records" : "the summary says", (unsigned long long)v[0],
                      (unsigned long long)v[1], (unsigned long long)v[2], (unsigned long long)v[3],
                      (unsigned long long)v[4], (unsigned long long)v[5]);
    }
    snprintf(msg + n, sizeof msg - (size_t)n, ": the records are counted");
    say(c, msg);
    *inconsistent = 1;
    return DFOTA_OK;
}

/* ---- lines ------------------------------------------------------------ */

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

dfota_err dfota_merge_read(dfota_merge *m, FILE *in, const char *name, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!m || !in || !name)
        return DFOTA_E_ARG;
    report_reader *rd = malloc(sizeof *rd);
    if (!rd) {
        snprintf(err, errlen, "out of memory");
        return DFOTA_E_NOMEM;
    }
    rd->in = in;
    rd->pos = rd->end = 0;
    rd->eof = 0;
    char shard[WHERE_MAX - 32];
    dfota_escape_text(name, strnlen(name, DFOTA_MERGE_KEY_MAX), shard, sizeof shard);
    ctx c = {m, shard, 0, err, errlen, 0};
    uint64_t seg[REPORT_V_COUNT] = {0};
    unsigned long lineno = 0;
    int last = 0, inconsistent = 0, cut = 0; /* last: 0 no record, 1 a file, 2 a summary */
    dfota_err rc = DFOTA_OK;
    m->shards++;
    for (;;) {
        size_t len;
        int nl;
        int r = report_read_line(m, rd, &len, &nl);
        c.line = lineno += r != 0;
        if (r == 0)
            break;
        if (r == -1) {
            rc = bad(&c, DFOTA_E_IO, "cannot read: %s", strerror(errno));
            break;
        }
        if (r == -2) {
            rc = bad(&c, DFOTA_E_TOO_BIG,
                     "a line longer than %zu bytes: not a record of dfota check --format jsonl "
                     "(--max-line reads longer ones)",
                     m->o.line_max);
            break;
        }
        if (r == -3) {
            rc = bad(&c, DFOTA_E_NOMEM, "out of memory for a line");
            break;
        }
        if (blank(m->line, len))
            continue;
        json_error_t je;
        json_t *rec = json_loadb(m->line, len, JSON_REJECT_DUPLICATES, &je);
        if (!rec && !nl) {
            /* a worker that died while writing its last line */
            cut = 1;
            if (!m->o.allow_truncated) {
                rc = bad(&c, DFOTA_E_INPUT,
                         "truncated: the last line is cut (no newline at its end, not JSON); "
                         "--allow-truncated merges the shard's other records");
                break;
            }
            say(&c, "truncated: the last line is cut (no newline at its end): left out");
            break;
        }
        if (!rec) {
            char t[SHOWN_MAX * 4 + 8];
            rc = bad(&c, DFOTA_E_INPUT, "not JSON: %s (column %d)", shown(je.text, strlen(je.text), t, sizeof t),
                     je.column);
            break;
        }
        report_combo *combo = NULL;
        const char *kind;
        if (!json_is_object(rec))
            rc = bad(&c, DFOTA_E_INPUT, "%s, not a record (an object)", type_name(rec));
        else if (!(rc = str_at(&c, rec, "record", "record", 32, 1, 0, &kind, NULL)) &&
                 !(rc = check_combo(&c, rec, &combo))) {
            if (strcmp(kind, "file") == 0) {
                rc = file_record(&c, rec, combo, seg);
                last = 1;
            } else if (strcmp(kind, "summary") == 0) {
                rc = summary_record(&c, rec, seg, &inconsistent);
                memset(seg, 0, sizeof seg);
                last = 2;
            } else {
                char t[SHOWN_MAX * 4 + 8];
                rc = bad(&c, DFOTA_E_INPUT, "unknown record \"%s\" (file or summary)",
                         shown(kind, strlen(kind), t, sizeof t));
            }
        }
        json_decref(rec);
        if (rc)
            break;
    }
    free(rd);
    if (!rc && last != 2 && !cut) {
        const char *what = last ? "truncated: its last record is a file record, not the summary"
                                : "truncated: no record at all";
        if (!m->o.allow_truncated)
            rc = bad(&c, DFOTA_E_INPUT, "%s (a worker that died?); --allow-truncated merges it anyway",
                     what);
        else
            say(&c, what);
    }
    if (!rc && (cut || last != 2) && report_names_add(&m->truncated, name) < 0)
        rc = bad(&c, DFOTA_E_NOMEM, "out of memory");
    if (!rc && inconsistent && report_names_add(&m->inconsistent, name) < 0)
        rc = bad(&c, DFOTA_E_NOMEM, "out of memory");
    return rc;
}
