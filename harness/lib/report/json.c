/* SPDX-License-Identifier: MIT */
/* json.c - the JSON that check's output and a run's report share: one
 * encoder for a finding, the rules' statuses, the counts and provenance
 * (report/json.h). */
#include <stdlib.h>

#include "report/json.h"

#include "dfota/guide.h"

json_t *dfota_json_seconds(int64_t ns)
{
    return ns == DFOTA_T_NONE ? json_null() : json_real(dfota_seconds(ns));
}

json_t *dfota_json_finding(const dfota_finding *f)
{
    const dfota_rule_info *ri = dfota_rule_get(f->rule);
    json_t *j = json_object();
    json_object_set_new(j, "rule", json_string(ri->id));
    json_object_set_new(j, "section", json_string(ri->section));
    json_object_set_new(j, "level", json_string(dfota_level_name(f->level)));
    json_object_set_new(j, "line", f->line ? json_integer((json_int_t)f->line) : json_null());
    json_object_set_new(j, "t", dfota_json_seconds(f->t_ns));
    json_object_set_new(j, "expected", json_string(f->expected));
    json_object_set_new(j, "seen", json_string(f->seen));
    json_object_set_new(j, "quirk", f->quirk ? json_string(f->quirk) : json_null());
    return j;
}

json_t *dfota_json_rules(const dfota_checker_result *res)
{
    json_t *j = json_object();
    for (int r = 0; res && r < DFOTA_RULE_COUNT; r++)
        if (res->rule[r] != DFOTA_V_NA)
            json_object_set_new(j, dfota_rule_get((dfota_rule)r)->id,
                                json_string(dfota_verdict_name(res->rule[r])));
    return j;
}

json_t *dfota_json_counts(const dfota_checker_result *res)
{
    json_t *j = json_object();
    for (int l = DFOTA_L_NOTE; l <= DFOTA_L_FAIL; l++)
        json_object_set_new(j, dfota_level_name((dfota_level)l),
                            json_integer(res ? (json_int_t)res->count[l] : 0));
    return j;
}

json_t *dfota_json_provenance(const dfota_provenance *p)
{
    const char *kv[10];
    size_t n = dfota_provenance_pairs(p, kv);
    json_t *j = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(j, kv[2 * i], json_string(kv[2 * i + 1]));
    return j;
}

static int indent_line(FILE *out, unsigned depth)
{
    if (putc('\n', out) == EOF)
        return -1;
    for (unsigned i = 0; i < depth; i++)
        if (fputs("  ", out) == EOF)
            return -1;
    return 0;
}

int dfota_json_indent_write(dfota_json_indent *in, FILE *out, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char c = s[i];
        if (in->in_str) {
            if (in->esc)
                in->esc = 0;
            else if (c == '\\')
                in->esc = 1;
            else if (c == '"')
                in->in_str = 0;
            rc = putc(c, out) == EOF ? -1 : 0;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int close = c == '}' || c == ']';
        if (in->open) {
            in->open = 0;
            if (close) { /* empty: {} or [] */
                in->depth--;
                rc = putc(c, out) == EOF ? -1 : 0;
                if (rc == 0 && in->depth == 0)
                    rc = putc('\n', out) == EOF ? -1 : 0;
                continue;
            }
            rc = indent_line(out, in->depth);
            if (rc)
                break;
        }
        if (c == '{' || c == '[') {
            in->depth++;
            in->open = 1;
            rc = putc(c, out) == EOF ? -1 : 0;
        } else if (close) {
            in->depth -= in->depth > 0;
            rc = indent_line(out, in->depth);
            rc |= putc(c, out) == EOF ? -1 : 0;
            if (rc == 0 && in->depth == 0)
                rc = putc('\n', out) == EOF ? -1 : 0;
        } else if (c == ',') {
            rc = putc(',', out) == EOF ? -1 : indent_line(out, in->depth);
        } else if (c == ':') {
            rc = fputs(": ", out) == EOF ? -1 : 0;
        } else {
            if (c == '"')
                in->in_str = 1;
            rc = putc(c, out) == EOF ? -1 : 0;
        }
    }
    return rc;
}

int dfota_json_dump_via(const json_t *j, FILE *out, size_t flags, dfota_json_indent *in)
{
    char stack[8192]; /* a flow with its findings fits */
    flags |= JSON_COMPACT;
    size_t n = json_dumpb(j, stack, sizeof stack, flags);
    if (n == 0)
        return -1;
    char *buf = stack;
    if (n > sizeof stack) {
        buf = malloc(n);
        if (!buf || json_dumpb(j, buf, n, flags) != n) {
            free(buf);
            return -1;
        }
    }
    int rc = in ? dfota_json_indent_write(in, out, buf, n) : fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (buf != stack)
        free(buf);
    return rc;
}

int dfota_json_dump(const json_t *j, FILE *out, size_t flags)
{
    return dfota_json_dump_via(j, out, flags, NULL);
}
