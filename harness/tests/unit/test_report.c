/* SPDX-License-Identifier: MIT */
/* test_report.c - what the report room's encoders share: the status a
 * check's files and a run's results call for (dfota_status, the exit
 * statuses README.md documents), and a finding written the same way, with
 * its section, by check's JSON (dfota_output) and run's (dfota_report_json).
 * The results are built by hand, so the test depends on the report alone. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "suite.h"

#include "dfota/report.h"
#include "dfota/guide.h"

/* ---- the catalogue's hash: --version and every report's provenance ------ */

static void test_rules_hash(void)
{
    dfota_rule_info a[2] = {{"SEQ-A", "3", "first rule"}, {"SEQ-B", "4", "second rule"}};
    dfota_rule_info b[2] = {{"SEQ-A", "3", "first rule"}, {"SEQ-B", "4", "second rule."}};
    char ha[40], hb[40], h0[40], all[40];
    dfota_rules_hash_of(a, 2, ha, sizeof ha);
    dfota_rules_hash_of(b, 2, hb, sizeof hb);
    dfota_rules_hash_of(a, 0, h0, sizeof h0);
    /* FNV-1a 64 of nothing is its offset basis (the published constant) */
    CU_ASSERT_STRING_EQUAL(h0, "fnv1a64:cbf29ce484222325");
    CU_ASSERT_EQUAL(strlen(ha), strlen("fnv1a64:") + 16);
    CU_ASSERT_STRING_NOT_EQUAL(ha, hb); /* a rule's text changed: another hash */
    b[1].summary = "second rule";
    dfota_rules_hash_of(b, 2, hb, sizeof hb);
    CU_ASSERT_STRING_EQUAL(ha, hb); /* the same catalogue: the same hash */
    b[1].section = "4.1";
    dfota_rules_hash_of(b, 2, hb, sizeof hb);
    CU_ASSERT_STRING_NOT_EQUAL(ha, hb);
    /* the field separators count: "SEQ-A" "3" is not "SEQ-A3" "" */
    dfota_rule_info c[1] = {{"SEQ-A", "3", "x"}}, d[1] = {{"SEQ-A3", "", "x"}};
    dfota_rules_hash_of(c, 1, ha, sizeof ha);
    dfota_rules_hash_of(d, 1, hb, sizeof hb);
    CU_ASSERT_STRING_NOT_EQUAL(ha, hb);
    dfota_rules_hash(all, sizeof all);
    CU_ASSERT_EQUAL(strncmp(all, "fnv1a64:", 8), 0);
    CU_ASSERT_STRING_NOT_EQUAL(all, h0);
}

/* ---- the statuses are README's exit statuses ----------------------------- */

static void test_status_numbers(void)
{
    CU_ASSERT_EQUAL(DFOTA_STATUS_PASS, 0);
    CU_ASSERT_EQUAL(DFOTA_STATUS_FAIL, 1);
    CU_ASSERT_EQUAL(DFOTA_STATUS_INPUT, 2);
    CU_ASSERT_EQUAL(DFOTA_STATUS_INCOMPLETE, 3);
    CU_ASSERT_EQUAL(DFOTA_STATUS_HARNESS, 4);
}

/* ---- dfota_output_status: check's files ---------------------------------- */

/* One file as check ends it: 'P' pass, 'F' FAIL, 'I' INCOMPLETE, 'N'
 * nothing to judge, 'A' altered (inconclusive), 'E' an input error. */
static void end_file(dfota_output *o, char kind)
{
    dfota_checker_result res;
    memset(&res, 0, sizeof res);
    res.verdict = kind == 'F' ? DFOTA_V_FAIL : kind == 'I' || kind == 'A' ? DFOTA_V_INCOMPLETE : DFOTA_V_PASS;
    res.nothing_to_judge = kind == 'N';
    res.inconclusive = kind == 'A';
    dfota_output_begin_file(o, "f.log");
    dfota_output_end_file(o, kind == 'E' ? NULL : &res, kind == 'E' ? "f.log: cannot read" : NULL,
                          DFOTA_FMT_TRANSCRIPT, NULL);
}

static const struct {
    const char *files;
    int allow_empty;
    dfota_fail_on fail_on;
    dfota_status want;
} output_cases[] = {
    {"", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_PASS},
    {"PP", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_PASS},
    {"PF", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_FAIL},
    {"PI", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_INCOMPLETE},
    {"PA", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_INCOMPLETE},
    {"N", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_INCOMPLETE},
    {"N", 1, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_PASS},
    {"IF", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_FAIL},       /* a FAIL before INCOMPLETE */
    {"FE", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_INPUT},      /* an input error before a FAIL */
    {"NIFEP", 0, DFOTA_FAIL_ON_INCOMPLETE, DFOTA_STATUS_INPUT},
    /* --fail-on fail: only a FAIL, and an input that cannot be read */
    {"PI", 0, DFOTA_FAIL_ON_FAIL, DFOTA_STATUS_PASS},
    {"NA", 0, DFOTA_FAIL_ON_FAIL, DFOTA_STATUS_PASS},
    {"IF", 0, DFOTA_FAIL_ON_FAIL, DFOTA_STATUS_FAIL},
    {"FE", 0, DFOTA_FAIL_ON_FAIL, DFOTA_STATUS_INPUT},
    /* --fail-on none (--exit-zero): nothing, an unreadable input neither */
    {"NIFEP", 0, DFOTA_FAIL_ON_NONE, DFOTA_STATUS_PASS},
    {"F", 0, DFOTA_FAIL_ON_NONE, DFOTA_STATUS_PASS},
};

static void test_output_status(void)
{
    for (size_t i = 0; i < sizeof output_cases / sizeof output_cases[0]; i++) {
        FILE *sink = fopen("/dev/null", "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(sink);
        dfota_output *o = dfota_output_new(DFOTA_OUT_TEXT, sink, DFOTA_PROFILE_STRICT, 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        dfota_output_allow_empty(o, output_cases[i].allow_empty);
        dfota_output_fail_on(o, output_cases[i].fail_on);
        for (const char *k = output_cases[i].files; *k; k++)
            end_file(o, *k);
        if (dfota_output_status(o) != output_cases[i].want)
            fprintf(stderr, "files %s, --fail-on %s: status %d, want %d\n", output_cases[i].files,
                    dfota_fail_on_name(output_cases[i].fail_on), (int)dfota_output_status(o),
                    (int)output_cases[i].want);
        CU_ASSERT_EQUAL(dfota_output_status(o), output_cases[i].want);
        CU_ASSERT_EQUAL(dfota_output_finish(o), DFOTA_OK);
        dfota_output_free(o);
        fclose(sink);
    }
}

/* --fail-on's names, both ways */
static void test_fail_on_names(void)
{
    dfota_fail_on f = DFOTA_FAIL_ON_NONE;
    CU_ASSERT_EQUAL(dfota_fail_on_parse("incomplete", &f), 0);
    CU_ASSERT_EQUAL(f, DFOTA_FAIL_ON_INCOMPLETE);
    CU_ASSERT_EQUAL(dfota_fail_on_parse("fail", &f), 0);
    CU_ASSERT_EQUAL(f, DFOTA_FAIL_ON_FAIL);
    CU_ASSERT_EQUAL(dfota_fail_on_parse("none", &f), 0);
    CU_ASSERT_EQUAL(f, DFOTA_FAIL_ON_NONE);
    CU_ASSERT_EQUAL(dfota_fail_on_parse("warn", &f), -1);
    CU_ASSERT_EQUAL(dfota_fail_on_parse("", &f), -1);
    CU_ASSERT_EQUAL(f, DFOTA_FAIL_ON_NONE); /* left alone */
    CU_ASSERT_STRING_EQUAL(dfota_fail_on_name(DFOTA_FAIL_ON_FAIL), "fail");
    CU_ASSERT_EQUAL(dfota_status_fail_on(DFOTA_STATUS_HARNESS, DFOTA_FAIL_ON_FAIL), DFOTA_STATUS_HARNESS);
    CU_ASSERT_EQUAL(dfota_status_fail_on(DFOTA_STATUS_INCOMPLETE, DFOTA_FAIL_ON_INCOMPLETE),
                    DFOTA_STATUS_INCOMPLETE);
}

/* ---- dfota_output_rules_text: the rules' statuses in text ---------------- */

static char *rules_text(const dfota_checker_result *res, int keep_secrets)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(dfota_output_rules_text(f, res, keep_secrets), DFOTA_OK);
    fclose(f);
    return buf;
}

static void test_rules_text(void)
{
    dfota_checker_result res;
    memset(&res, 0, sizeof res);
    res.rule[DFOTA_R_CMD_FINAL] = DFOTA_V_FAIL;
    snprintf(res.rule_reason[DFOTA_R_CMD_FINAL], DFOTA_TEXT_MAX, "%s",
             "one final result; AT+QFOTADL=\"ftp://u:s3cret@h/f.bin\" never answered");
    res.rule[DFOTA_R_URC_SYNTAX] = DFOTA_V_PASS;
    char *hidden = rules_text(&res, 0), *kept = rules_text(&res, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(hidden, "  CMD-FINAL                FAIL       one final result"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hidden, "  URC-SYNTAX               PASS"));
    CU_ASSERT_PTR_NULL(strstr(hidden, "s3cret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hidden, "u:***@h"));
    CU_ASSERT_PTR_NOT_NULL(strstr(kept, "u:s3cret@h"));
    CU_ASSERT_PTR_NULL(strstr(hidden, "SEQ-START")); /* a rule that did not apply */
    free(hidden);
    free(kept);
}

/* ---- dfota_run_status: a run's results, preparations included ----------- */

static const struct {
    const char *results; /* 'P' pass, 'F' FAIL, 'I' INCOMPLETE, 'H' harness trouble */
    dfota_status want;
} run_cases[] = {
    {"", DFOTA_STATUS_PASS},
    {"PP", DFOTA_STATUS_PASS},
    {"PI", DFOTA_STATUS_INCOMPLETE},
    {"IFP", DFOTA_STATUS_FAIL},
    {"FH", DFOTA_STATUS_HARNESS},       /* the bench before the module */
    {"HP", DFOTA_STATUS_HARNESS},
};

static void test_run_status(void)
{
    for (size_t i = 0; i < sizeof run_cases / sizeof run_cases[0]; i++) {
        dfota_scenario_result res[8];
        size_t n = strlen(run_cases[i].results);
        memset(res, 0, sizeof res);
        for (size_t k = 0; k < n; k++) {
            char c = run_cases[i].results[k];
            res[k].verdict = c == 'F' ? DFOTA_V_FAIL : c == 'I' ? DFOTA_V_INCOMPLETE : DFOTA_V_PASS;
            res[k].harness_error = c == 'H';
            res[k].preparation = k == 0; /* a preparation counts as much */
        }
        dfota_run_report rep = {"dfota run", NULL, DFOTA_PROFILE_STRICT, res, n, 0, NULL};
        CU_ASSERT_EQUAL(dfota_run_status(&rep), run_cases[i].want);
    }
}

/* ---- one finding, one encoder -------------------------------------------- */

static const dfota_finding finding = {
    DFOTA_R_CMD_FINAL, DFOTA_L_FAIL, 0, 21, 3606000000LL, NULL,
    "exactly one final result for the command", "another one: OK",
};

/* The one finding check's JSON holds for a file whose sink got finding. */
static json_t *check_finding(json_t **root)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dfota_output *o = dfota_output_new(DFOTA_OUT_JSON, f, DFOTA_PROFILE_STRICT, 0);
    dfota_checker_result res;
    memset(&res, 0, sizeof res);
    res.verdict = DFOTA_V_FAIL;
    res.rule[DFOTA_R_CMD_FINAL] = DFOTA_V_FAIL;
    dfota_output_begin_file(o, "f.log");
    dfota_sink sink = dfota_output_sink(o);
    sink.finding(sink.ctx, &finding);
    dfota_output_end_file(o, &res, NULL, DFOTA_FMT_TRANSCRIPT, NULL);
    CU_ASSERT_EQUAL(dfota_output_finish(o), DFOTA_OK);
    dfota_output_free(o);
    fclose(f);
    *root = json_loads(buf, 0, NULL);
    free(buf);
    json_t *files = json_object_get(*root, "files");
    return json_array_get(json_object_get(json_array_get(files, 0), "findings"), 0);
}

/* The one finding run's JSON holds for a result that has finding. */
static json_t *run_finding(json_t **root)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    static dfota_scenario_result res;
    memset(&res, 0, sizeof res);
    res.verdict = DFOTA_V_FAIL;
    res.findings[0] = finding;
    res.n_findings = 1;
    res.duration_ns = res.module_ns = DFOTA_T_NONE;
    dfota_run_report rep = {"dfota run", NULL, DFOTA_PROFILE_STRICT, &res, 1, 0, NULL};
    CU_ASSERT_EQUAL(dfota_report_json(f, &rep), DFOTA_OK);
    fclose(f);
    *root = json_loads(buf, 0, NULL);
    free(buf);
    json_t *sc = json_array_get(json_object_get(*root, "scenarios"), 0);
    return json_array_get(json_object_get(sc, "findings"), 0);
}

static void test_one_finding_encoder(void)
{
    json_t *croot = NULL, *rroot = NULL;
    json_t *c = check_finding(&croot), *r = run_finding(&rroot);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_TRUE(json_equal(c, r));
    /* and what both write, spelled out (not from the encoder's sources) */
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "rule")), "CMD-FINAL");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "section")), "3");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "level")), "FAIL");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(c, "line")), 21);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(c, "t")), 3.606, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "expected")),
                           "exactly one final result for the command");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c, "seen")), "another one: OK");
    CU_ASSERT_TRUE(json_is_null(json_object_get(c, "quirk")));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(croot, "kind")), "check");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rroot, "kind")), "run");
    json_decref(croot);
    json_decref(rroot);
}

/* JSON and jsonl are written as they are made, not by jansson's dump of
 * a tree; their bytes must still be jansson's. Flows with durations of
 * every magnitude (ties to round, exponents, whole seconds) and texts with
 * quotes, backslashes, control bytes, DEL and UTF-8 go through the output;
 * each flow's "durations" and each finding's "seen" are compared with
 * jansson's own dump of the same values. */
static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 11;
}

static const char *durations_keys[] = {"command_to_final_result", "command_to_download_end", "download",
                                       "reboot_gap", "command_to_start", "start_to_end",
                                       "max_updating_gap"};

/* A jsonl output to f, its file begun (with a key when not NULL). */
static dfota_output *jsonl_output(FILE *f, const char *key, const char *file)
{
    dfota_output *o = dfota_output_new(DFOTA_OUT_JSONL, f, DFOTA_PROFILE_STRICT, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    if (key)
        dfota_output_set_key(o, key);
    dfota_output_begin_file(o, file);
    return o;
}

static void test_json_bytes_are_janssons(void)
{
    static const int64_t fixed[] = {0, 1, 99999, 100000, 100001, 999999999, 1000000000, 1000000005000,
                                    1234500000000, 9999999999500, 999999999999999, 1000000000000000,
                                    12345678901234567, -1, -1500000000, 3606000000, 41000000, 5000};
    static const char *texts[] = {"plain", "\"quoted\" and \\back\\slash", "tab\there", "ctl\x01\x1f",
                                  "del\x7f", "caf\xc3\xa9 \xc2\xa7" "5", "+QIND: \"FOTA\",\"END\",0", ""};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_output *o = jsonl_output(f, "bucket/key\x01.log", "a.log");
    dfota_sink sink = dfota_output_sink(o);
    enum { FLOWS = 3000 };
    static int64_t ns[FLOWS][7];
    uint64_t x = 42;
    static dfota_flow_summary s;
    for (int i = 0; i < FLOWS; i++) {
        memset(&s, 0, sizeof s);
        s.id = (unsigned)i + 1;
        s.outcome = "updated";
        s.max_percent = -1;
        int64_t *d = &s.durations.final_result;
        for (int k = 0; k < 7; k++) {
            int64_t v;
            if (i * 7 + k < (int)(sizeof fixed / sizeof fixed[0]))
                v = fixed[i * 7 + k];
            else {
                uint64_t pow = 1;
                for (uint64_t e = lcg(&x) % 17; e; e--)
                    pow *= 10;
                v = (int64_t)(lcg(&x) % pow);
                if (lcg(&x) % 4 == 0) /* a tie or a round number, now and then */
                    v = v / 1000 * 1000 + (lcg(&x) % 2 ? 500 : 0);
            }
            d[k] = ns[i][k] = v;
        }
        s.n_findings = 1;
        s.findings[0].rule = DFOTA_R_CMD_FINAL;
        s.findings[0].level = DFOTA_L_FAIL;
        s.findings[0].t_ns = DFOTA_T_NONE;
        snprintf(s.findings[0].seen, sizeof s.findings[0].seen, "%s", texts[i % 8]);
        sink.flow(sink.ctx, &s);
    }
    dfota_output_end_file(o, NULL, NULL, DFOTA_FMT_TRANSCRIPT, NULL);
    CU_ASSERT_EQUAL(dfota_output_finish(o), DFOTA_OK);
    dfota_output_free(o);
    fclose(f);
    /* one line per record: the file's, then the summary */
    char *nl = memchr(buf, '\n', len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
    CU_ASSERT_EQUAL(buf[len - 1], '\n');
    *nl = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"key\":\"bucket/key\\\\x01.log\",\"file\":\"a.log\""));
    int same_d = 0, same_t = 0;
    const char *at = buf;
    for (int i = 0; i < FLOWS; i++) {
        json_t *dj = json_object();
        for (int k = 0; k < 7; k++)
            json_object_set_new(dj, durations_keys[k], json_real(dfota_seconds(ns[i][k])));
        char *want = json_dumps(dj, JSON_COMPACT | JSON_REAL_PRECISION(9));
        json_decref(dj);
        const char *got = strstr(at, "\"durations\":");
        if (want && got && strncmp(got + 12, want, strlen(want)) == 0)
            same_d++;
        else if (same_d == i)
            fprintf(stderr, "\nflow %d: want %s, got %.200s\n", i + 1, want ? want : "?", got ? got : "none");
        free(want);
        json_t *t = json_string(texts[i % 8]);
        char *tw = json_dumps(t, JSON_ENCODE_ANY);
        json_decref(t);
        const char *seen = got ? strstr(got, "\"seen\":") : NULL;
        if (tw && seen && strncmp(seen + 7, tw, strlen(tw)) == 0 && seen[7 + strlen(tw)] == ',')
            same_t++;
        free(tw);
        at = got ? got + 1 : at;
    }
    CU_ASSERT_EQUAL(same_d, FLOWS);
    CU_ASSERT_EQUAL(same_t, FLOWS);
    /* the record parses, and its summary follows on the last line */
    json_error_t err;
    json_t *rec = json_loads(buf, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(rec, "flows")), FLOWS);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "record")), "file");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(rec, "verdict")), "ERROR");
    CU_ASSERT_TRUE(json_is_null(json_object_get(json_object_get(rec, "firmware"), "before")));
    json_decref(rec);
    json_t *sum = json_loads(nl + 1, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(sum, "record")), "summary");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(sum, "summary"), "unreadable")), 1);
    json_decref(sum);
    free(buf);
}

/* A text beyond ASCII is written by the writer when it is well-formed
 * UTF-8, and by jansson otherwise: either way jansson's bytes. Each
 * finding's "seen" is compared with jansson's dump of the same bytes (null
 * when jansson holds no such string): UTF-8 of 2 to 4 bytes at the edges
 * of the ranges, U+2028 and U+2029, a BOM, and what is not UTF-8 (a lone
 * continuation, a cut sequence, overlong forms, surrogates, past
 * U+10FFFF, bytes never in UTF-8), mixed with escapes, control bytes, DEL
 * and "/" at every place of an 8-byte word; then random texts of such
 * pieces. */
static size_t put_utf8(char *s, uint32_t cp)
{
    if (cp < 0x80) {
        s[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        s[0] = (char)(0xc0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        s[0] = (char)(0xe0 | cp >> 12);
        s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    s[0] = (char)(0xf0 | cp >> 18);
    s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    s[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static void test_json_utf8_is_janssons(void)
{
    static const char *fixed[] = {
        "caf\xc3\xa9", "3.2 \xc2\xa7 of the guide", "\xc2\x80\xdf\xbf", "sep\xe2\x80\xa8par\xe2\x80\xa9",
        "\xef\xbb\xbf" "bom", "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", "\xf0\x90\x80\x80",
        "smile \xf0\x9f\x98\x80!", "\xf4\x8f\xbf\xbf", "\x80", "\xbf lone", "\xc3", "\xc3(", "ab\xe2\x80",
        "\xf0\x9f\x98", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xf0\x80\x80\xaf",
        "\xf0\x8f\xbf\xbf", "\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80", "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff", "del\x7f\xc2\xa7", "\xc2\xa7\n",
        "\xc2\xa7\x01", "a/b \\/ \"q\"", "0123456\xc2\xa7" "89abcdef\"ghij\\klmnop", "01234567\x7f" "abcdefgh",
        "0123456789abcde\xe2\x80\xa8", "", "plain ascii, long enough for whole words of eight"};
    enum { RANDOM = 4000, FLOWS = RANDOM + sizeof fixed / sizeof fixed[0] };
    static const unsigned char odd[] = {'"', '\\', '/', 0x01, 0x09, 0x1f, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
                                        0xc0, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff};
    static const uint32_t cps[] = {0x80, 0xa7, 0x7ff, 0x800, 0xfff, 0xd7ff, 0xe000, 0x2028, 0x2029,
                                   0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
    static char texts[FLOWS][DFOTA_TEXT_MAX];
    uint64_t x = 7;
    for (size_t i = 0; i < FLOWS; i++) {
        if (i < FLOWS - RANDOM) {
            snprintf(texts[i], sizeof texts[i], "%s", fixed[i]);
            continue;
        }
        int well_formed = lcg(&x) % 2; /* half of them: no byte out of place */
        size_t n = 0, want = lcg(&x) % 60;
        while (n < want) {
            unsigned r = (unsigned)(lcg(&x) % 8);
            if (r < 3)
                texts[i][n++] = (char)('a' + lcg(&x) % 26);
            else if (r < 6)
                n += put_utf8(texts[i] + n, cps[lcg(&x) % (sizeof cps / sizeof cps[0])]);
            else if (r == 6 || !well_formed)
                texts[i][n++] = (char)odd[lcg(&x) % (well_formed ? 3 : sizeof odd)];
            else
                texts[i][n++] = ' ';
        }
        texts[i][n] = '\0';
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_output *o = jsonl_output(f, NULL, "u.log");
    dfota_sink sink = dfota_output_sink(o);
    static dfota_flow_summary s;
    for (size_t i = 0; i < FLOWS; i++) {
        memset(&s, 0, sizeof s);
        s.id = (unsigned)i + 1;
        s.outcome = "updated";
        s.max_percent = -1;
        s.n_findings = 1;
        s.findings[0].rule = DFOTA_R_CMD_FINAL;
        s.findings[0].level = DFOTA_L_FAIL;
        s.findings[0].t_ns = DFOTA_T_NONE;
        memcpy(s.findings[0].seen, texts[i], sizeof texts[i]);
        sink.flow(sink.ctx, &s);
    }
    dfota_output_end_file(o, NULL, NULL, DFOTA_FMT_TRANSCRIPT, NULL);
    CU_ASSERT_EQUAL(dfota_output_finish(o), DFOTA_OK);
    dfota_output_free(o);
    fclose(f);
    int same = 0, strings = 0, nulls = 0;
    const char *at = buf;
    for (size_t i = 0; i < FLOWS; i++) {
        json_t *t = json_stringn(texts[i], strlen(texts[i]));
        char *want = t ? json_dumps(t, JSON_ENCODE_ANY) : strdup("null");
        strings += t != NULL;
        nulls += t == NULL;
        json_decref(t);
        const char *got = strstr(at, "\"seen\":");
        if (want && got && strncmp(got + 7, want, strlen(want)) == 0 && got[7 + strlen(want)] == ',')
            same++;
        else
            fprintf(stderr, "\ntext %zu: want %s, got %.80s\n", i, want ? want : "?", got ? got : "none");
        free(want);
        at = got ? got + 1 : at;
    }
    CU_ASSERT_EQUAL(same, FLOWS);
    CU_ASSERT_TRUE(strings > RANDOM / 3); /* both kinds, many of each */
    CU_ASSERT_TRUE(nulls > RANDOM / 10);
    free(buf);
}

/* A run of several modules writes each module's junit.xml from its own
 * thread: the first writes of a process race into libxml2's set-up, which
 * crashed one run in three under the address sanitizer. Eight threads
 * start together at a barrier and write reports at once. */
#define RACERS 8
static pthread_barrier_t racers_ready;

static void *write_junit(void *arg)
{
    int *ok = arg;
    static dfota_scenario_result res; /* read only: shared by every thread */
    dfota_run_report rep = {"dfota run", NULL, DFOTA_PROFILE_STRICT, &res, 1, 0, NULL};
    pthread_barrier_wait(&racers_ready);
    for (int i = 0; i < 20; i++) {
        FILE *f = fopen("/dev/null", "w");
        *ok &= f && dfota_report_junit(f, &rep) == DFOTA_OK;
        if (f)
            fclose(f);
    }
    return NULL;
}

static void test_junit_threads(void)
{
    pthread_t t[RACERS];
    int ok[RACERS];
    CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&racers_ready, NULL, RACERS), 0);
    for (int i = 0; i < RACERS; i++) {
        ok[i] = 1;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, write_junit, &ok[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_TRUE(ok[i]);
    }
    pthread_barrier_destroy(&racers_ready);
}

/* ---- an upgrade's outcome: its words, its line, its time ------------------ */

/* What text or JUnit writes of one file with upgrades: the one whose flow
 * came through the sink, on line 7, and n more given as outcomes (the
 * way --jobs hands them over), each 1 s, the first with no line. */
static char *outcomes_written(dfota_out_format fmt, const dfota_flow_summary *s, int n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dfota_output *o = dfota_output_new(fmt, f, DFOTA_PROFILE_STRICT, 0);
    dfota_output_begin_file(o, "a.log");
    dfota_sink sink = dfota_output_sink(o);
    sink.flow(sink.ctx, s);
    for (int i = 0; i < n; i++)
        dfota_output_outcome(o, DFOTA_NS_PER_S, i == 0 ? 0 : 9, i == 0 ? "no line for this one" : "x");
    dfota_checker_result res;
    memset(&res, 0, sizeof res);
    res.timed = 1;
    dfota_output_end_file(o, &res, NULL, DFOTA_FMT_TRANSCRIPT, NULL);
    CU_ASSERT_EQUAL(dfota_output_finish(o), DFOTA_OK);
    dfota_output_free(o);
    fclose(f);
    return buf;
}

static void test_outcomes(void)
{
    dfota_flow_summary s;
    memset(&s, 0, sizeof s);
    s.line = 7;
    s.proto = DFOTA_PROTO_FTP;
    s.outcome = "updated";
    s.n_end_codes = 1;
    s.max_percent = 100;
    s.durations = (dfota_durations){DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE, DFOTA_T_NONE,
                                    2 * DFOTA_NS_PER_S, 3 * DFOTA_NS_PER_S, DFOTA_T_NONE};
    dfota_outcome oc;
    dfota_outcome_of(&s, 1, &oc);
    CU_ASSERT_STRING_EQUAL(oc.what, "upgrade over FTP: updated, END 0 after 100%");
    CU_ASSERT_EQUAL(oc.line, 7);
    CU_ASSERT_EQUAL(oc.span_ns, 5 * DFOTA_NS_PER_S); /* to START, then START to END */
    dfota_outcome_of(&s, 0, &oc); /* past the ones said: no words made */
    CU_ASSERT_STRING_EQUAL(oc.what, "");
    CU_ASSERT_EQUAL(oc.span_ns, 5 * DFOTA_NS_PER_S);

    /* 1 + 33 upgrades: 32 said, "FILE:LINE: " or "FILE: " before each, 2 counted */
    char *text = outcomes_written(DFOTA_OUT_TEXT, &s, 33);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "a.log:7: upgrade over FTP: updated, END 0 after 100%\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "a.log: no line for this one\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "a.log:9: x\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "a.log: (2 more upgrades)\n"));
    size_t said = 0;
    for (const char *p = text; (p = strstr(p, "a.log:9: x\n")); p++)
        said++;
    CU_ASSERT_EQUAL(said, 30);
    free(text);
    /* JUnit: the same words, and the time of every upgrade, counted ones too: 5 + 33 s */
    char *junit = outcomes_written(DFOTA_OUT_JUNIT, &s, 33);
    CU_ASSERT_PTR_NOT_NULL(strstr(junit, "upgrade over FTP: updated, END 0 after 100%\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(junit, "time=\"38.000\""));
    free(junit);

    /* text and JUnit keep outcomes; JSON and JSON Lines take flows whole */
    static const struct {
        dfota_out_format fmt;
        int takes;
    } takes[] = {{DFOTA_OUT_TEXT, 1}, {DFOTA_OUT_JUNIT, 1}, {DFOTA_OUT_JSON, 0}, {DFOTA_OUT_JSONL, 0}};
    FILE *f = fopen("/dev/null", "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < sizeof takes / sizeof takes[0]; i++) {
        dfota_output *o = dfota_output_new(takes[i].fmt, f, DFOTA_PROFILE_STRICT, 0);
        CU_ASSERT_EQUAL(dfota_output_takes_outcomes(o), takes[i].takes);
        dfota_output_free(o);
    }
    fclose(f);
}

int main(void)
{
    static const test_entry tests[] = {
        /* first: libxml2 must not have been used yet in this process */
        {"junit.xml written from several threads at once", test_junit_threads},
        {"statuses are README's exit statuses", test_status_numbers},
        {"the catalogue's hash follows its IDs, sections and texts", test_rules_hash},
        {"check: the worst file decides, input errors first", test_output_status},
        {"check: --fail-on none|fail|incomplete, by name", test_fail_on_names},
        {"run: harness trouble first, then FAIL, INCOMPLETE", test_run_status},
        {"the rules' statuses in text, secrets hidden", test_rules_text},
        {"an upgrade's words, line and time, the first 32 said", test_outcomes},
        {"check and run write a finding the same way", test_one_finding_encoder},
        {"json and jsonl: jansson's bytes, written as they are made", test_json_bytes_are_janssons},
        {"json: UTF-8, well-formed or not, as jansson writes it", test_json_utf8_is_janssons},
    };
    return RUN_SUITE("report", tests);
}
