/* SPDX-License-Identifier: MIT */
/* test_merge.c - dfota merge's reading and writing (dfota/report.h,
 * "merge") over JSONL lines written by hand: each field a merge counts,
 * the worst files per rule and their order, records that disagree,
 * truncated shards, summaries that disagree, duplicates, lines that are
 * not JSON, too long, hold NUL bytes or a number past 64 bits, unknown
 * verdicts and statuses, bounded tables, the exit status, and texts from a
 * shard escaped on the terminal and the page. */
#define _POSIX_C_SOURCE 200809L /* fmemopen, open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "suite.h"

#include "dfota/report.h"

#define HEAD "\"dfota\":\"0.1.0\",\"catalogue\":\"fnv1a64:56202c23308e4edc\",\"profile\":\"strict\""
#define FILEREC(key, verdict, extra) \
    "{\"record\":\"file\"," HEAD ",\"key\":\"" key "\",\"verdict\":\"" verdict "\"" extra "}\n"
#define SUMMARY(files, p, f, i, n, u)                                                            \
    "{\"record\":\"summary\"," HEAD ",\"summary\":{\"files\":" #files ",\"passed\":" #p               \
    ",\"failed\":" #f ",\"incomplete\":" #i ",\"nothing_to_judge\":" #n ",\"unreadable\":" #u "}," \
    "\"exit_status\":0}\n"

static char said[4096];
static int n_said;

static void on_warn(void *ctx, const char *msg)
{
    (void)ctx;
    n_said++;
    snprintf(said, sizeof said, "%s", msg);
}

static dfota_merge *new_merge(unsigned top)
{
    dfota_merge_opts o;
    memset(&o, 0, sizeof o);
    o.top = top;
    o.warn = on_warn;
    n_said = 0;
    said[0] = '\0';
    return dfota_merge_new(&o);
}

/* Reads data[0..n) as the shard called name. */
static dfota_err feed_n(dfota_merge *m, const char *name, const char *data, size_t n, char *err, size_t cap)
{
    static char empty[1];
    FILE *in = fmemopen(n ? (void *)(uintptr_t)data : empty, n ? n : 1, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    if (n == 0)
        (void)fgetc(in); /* an empty shard: at its end at once */
    dfota_err rc = dfota_merge_read(m, in, name, err, cap);
    fclose(in);
    return rc;
}

static dfota_err feed(dfota_merge *m, const char *name, const char *data, char *err, size_t cap)
{
    return feed_n(m, name, data, strlen(data), err, cap);
}

/* What a writer makes of m, as a string (free it). */
static char *written(const dfota_merge *m, int fmt)
{
    char *buf = NULL, err[DFOTA_ERRBUF];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_err rc = fmt == 0   ? dfota_merge_write_json(f, m, 0)
                   : fmt == 1 ? dfota_merge_write_text(f, m, 0)
                              : dfota_merge_write_html(f, m, err, sizeof err);
    CU_ASSERT_EQUAL(rc, DFOTA_OK);
    fclose(f);
    return buf;
}

static json_t *json_of(const dfota_merge *m)
{
    char *s = written(m, 0);
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    free(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    return j;
}

/* The value at a path of object keys and array indexes, "worst/R/0/key". */
static json_t *walk(json_t *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save, *k = strtok_r(buf, "/", &save); k && j; k = strtok_r(NULL, "/", &save))
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(k)) : json_object_get(j, k);
    return j;
}

static json_int_t at(json_t *j, const char *path)
{
    json_t *v = walk(j, path);
    CU_ASSERT_PTR_NOT_NULL(v);
    return v ? json_integer_value(v) : -1;
}

static const char *str_at(json_t *j, const char *path)
{
    return json_string_value(walk(j, path));
}

#define ERR_HAS(err, text)                                                          \
    do {                                                                            \
        if (!strstr((err), (text)))                                                 \
            fprintf(stderr, "\n  error '%s' does not say '%s'\n", (err), (text));   \
        CU_ASSERT_PTR_NOT_NULL(strstr((err), (text)));                              \
    } while (0)

/* ---- each field counted ------------------------------------------------ */

static const char shard_three[] =
    FILEREC("a.log", "PASS",
            ",\"rules\":{\"SEQ-END\":\"PASS\",\"CODE-FTP\":\"PASS\"},\"rule_findings\":{},"
            "\"flows\":[{\"protocol\":\"ftp\",\"outcome\":\"updated\",\"codes\":{\"download\":0,\"end\":[0]}}],"
            "\"firmware\":{\"before\":\"EG95EFAR02A07M4G\",\"after\":\"EG95EFAR02A08M4G\"}")
    FILEREC("b.log", "FAIL",
            ",\"rules\":{\"SEQ-END\":\"FAIL\",\"CODE-HTTP\":\"FAIL\"},\"rule_findings\":{\"SEQ-END\":2,\"CODE-HTTP\":1},"
            "\"flows\":[{\"protocol\":\"http\",\"outcome\":\"download-failed\",\"codes\":{\"download\":701,\"end\":[]},"
            "\"findings\":[{\"rule\":\"CODE-HTTP\",\"level\":\"FAIL\",\"line\":9},"
            "{\"rule\":\"SEQ-END\",\"level\":\"NOTE\",\"line\":3},{\"rule\":\"SEQ-END\",\"level\":\"FAIL\",\"line\":12}]},"
            "{\"protocol\":\"ftp\",\"outcome\":\"update-failed\",\"codes\":{\"download\":0,\"end\":[505,505,0]}}],"
            "\"findings\":[{\"rule\":\"SEQ-END\",\"level\":\"FAIL\",\"line\":7}],"
            "\"firmware\":{\"before\":\"EG95EFAR02A07M4G\",\"after\":null}")
    FILEREC("c.log", "INCONCLUSIVE", ",\"rules\":{\"SEQ-END\":\"INCOMPLETE\"},\"firmware\":null")
    SUMMARY(3, 1, 1, 1, 0, 0);

static void test_each_field(void)
{
    dfota_merge *m = new_merge(10);
    char err[1024];
    CU_ASSERT_EQUAL(feed(m, "s1", shard_three, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(n_said, 0);
    json_t *j = json_of(m);
    CU_ASSERT_EQUAL(at(j, "shards"), 1);
    CU_ASSERT_EQUAL(at(j, "records"), 3);
    CU_ASSERT_EQUAL(at(j, "summary/files"), 3);
    CU_ASSERT_EQUAL(at(j, "summary/passed"), 1);
    CU_ASSERT_EQUAL(at(j, "summary/failed"), 1);
    CU_ASSERT_EQUAL(at(j, "summary/incomplete"), 1); /* inconclusive is counted there, as check does */
    CU_ASSERT_EQUAL(at(j, "verdicts/INCONCLUSIVE"), 1);
    CU_ASSERT_EQUAL(at(j, "verdicts/INCOMPLETE"), 0);
    CU_ASSERT_STRING_EQUAL(str_at(j, "catalogue"), "fnv1a64:56202c23308e4edc");
    CU_ASSERT_EQUAL(at(j, "rules/SEQ-END/PASS"), 1);
    CU_ASSERT_EQUAL(at(j, "rules/SEQ-END/FAIL"), 1);
    CU_ASSERT_EQUAL(at(j, "rules/SEQ-END/INCOMPLETE"), 1);
    CU_ASSERT_EQUAL(at(j, "rules/CODE-HTTP/FAIL"), 1);
    CU_ASSERT_EQUAL(at(j, "rules/CODE-FTP/PASS"), 1);
    CU_ASSERT_EQUAL(at(j, "outcomes/updated"), 1);
    CU_ASSERT_EQUAL(at(j, "outcomes/download-failed"), 1);
    CU_ASSERT_EQUAL(at(j, "outcomes/update-failed"), 1);
    CU_ASSERT_EQUAL(at(j, "codes/FTPEND/0"), 2);
    CU_ASSERT_EQUAL(at(j, "codes/HTTPEND/701"), 1);
    CU_ASSERT_EQUAL(at(j, "codes/END/505"), 2);
    CU_ASSERT_EQUAL(at(j, "codes/END/0"), 2);
    CU_ASSERT_EQUAL(json_object_size(json_object_get(json_object_get(j, "codes"), "FILEEND")), 0);
    CU_ASSERT_STRING_EQUAL(str_at(j, "firmware/0/before"), "EG95EFAR02A07M4G");
    CU_ASSERT_TRUE(json_is_null(walk(j, "firmware/0/after"))); /* null first */
    CU_ASSERT_EQUAL(at(j, "firmware/0/files"), 1);
    CU_ASSERT_STRING_EQUAL(str_at(j, "firmware/1/after"), "EG95EFAR02A08M4G");
    CU_ASSERT_EQUAL(at(j, "firmware_not_said"), 1);
    /* the worst of SEQ-END: the FAIL with its first finding that is not a NOTE, then the INCOMPLETE */
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/SEQ-END/0/key"), "b.log");
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/SEQ-END/0/status"), "FAIL");
    CU_ASSERT_EQUAL(at(j, "worst/SEQ-END/0/findings"), 2);
    CU_ASSERT_EQUAL(at(j, "worst/SEQ-END/0/line"), 7);
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/SEQ-END/1/key"), "c.log");
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/SEQ-END/1/verdict"), "INCONCLUSIVE");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(j, "worst"), "SEQ-END")), 2);
    CU_ASSERT_EQUAL(at(j, "worst/CODE-HTTP/0/line"), 9);
    CU_ASSERT_PTR_NULL(json_object_get(json_object_get(j, "worst"), "CODE-FTP")); /* PASS only */
    CU_ASSERT_EQUAL(at(j, "exit_status"), 1);
    CU_ASSERT_EQUAL(dfota_merge_status(m), DFOTA_STATUS_FAIL);
    json_decref(j);
    char *text = written(m, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "3 files: 1 passed, 1 failed, 0 incomplete, 1 inconclusive"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "HTTPEND 701"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "HTTP unknown error"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "EG95EFAR02A07M4G -> EG95EFAR02A08M4G  1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "b.log:7"));
    free(text);
    dfota_merge_free(m);
}

/* ---- the worst files: the contract's order, whatever the input's ------- */

static const char *const worst_lines[] = {
    FILEREC("w1", "PASS", ",\"rules\":{\"R\":\"WARN\"},\"rule_findings\":{\"R\":9}"),
    FILEREC("w2", "FAIL", ",\"rules\":{\"R\":\"FAIL\"},\"rule_findings\":{\"R\":1}"),
    FILEREC("w3", "INCOMPLETE", ",\"rules\":{\"R\":\"INCOMPLETE\"},\"rule_findings\":{\"R\":5}"),
    FILEREC("w4", "FAIL", ",\"rules\":{\"R\":\"FAIL\"},\"rule_findings\":{\"R\":3}"),
    FILEREC("w0", "FAIL", ",\"rules\":{\"R\":\"FAIL\"},\"rule_findings\":{\"R\":1}"),
    FILEREC("w5", "PASS", ",\"rules\":{\"R\":\"PASS\"}"),
};

static char *merged_in_order(const int *order, unsigned top)
{
    char buf[4096] = "", err[1024];
    for (int i = 0; i < 6; i++)
        strcat(buf, worst_lines[order[i]]);
    strcat(buf, SUMMARY(6, 2, 3, 1, 0, 0));
    dfota_merge *m = new_merge(top);
    CU_ASSERT_EQUAL(feed(m, "w", buf, err, sizeof err), DFOTA_OK);
    char *s = written(m, 0);
    dfota_merge_free(m);
    return s;
}

static void test_worst_order(void)
{
    static const int orders[4][6] = {{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 5, 0, 4, 1, 3}, {4, 1, 3, 5, 0, 2}};
    char *first = merged_in_order(orders[0], 3);
    json_error_t e;
    json_t *j = json_loads(first, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    /* FAIL with the most findings, then the FAILs with one by key; 3 kept */
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/R/0/key"), "w4");
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/R/1/key"), "w0");
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/R/2/key"), "w2");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(j, "worst"), "R")), 3);
    json_decref(j);
    for (int k = 1; k < 4; k++) {
        char *other = merged_in_order(orders[k], 3);
        CU_ASSERT_STRING_EQUAL(other, first);
        free(other);
    }
    free(first);
    /* all of them: INCOMPLETE before WARN, whatever the findings; PASS never */
    char *all = merged_in_order(orders[1], 10);
    j = json_loads(all, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/R/3/key"), "w3");
    CU_ASSERT_STRING_EQUAL(str_at(j, "worst/R/4/key"), "w1");
    CU_ASSERT_EQUAL(json_array_size(json_object_get(json_object_get(j, "worst"), "R")), 5);
    json_decref(j);
    free(all);
    /* --top 0: none kept */
    char *none = merged_in_order(orders[0], 0);
    j = json_loads(none, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_object(json_object_get(j, "worst"))); /* there, and empty */
    CU_ASSERT_EQUAL(json_object_size(json_object_get(j, "worst")), 0);
    json_decref(j);
    free(none);
}

/* ---- records that disagree -------------------------------------------- */

static void test_disagreement(void)
{
    static const char other_cat[] =
        "{\"record\":\"file\",\"dfota\":\"0.1.0\",\"catalogue\":\"fnv1a64:0000000000000000\","
        "\"profile\":\"strict\",\"key\":\"x.log\",\"verdict\":\"PASS\"}\n";
    static const char other_profile[] =
        "{\"record\":\"file\",\"dfota\":\"0.2.0\",\"catalogue\":\"fnv1a64:56202c23308e4edc\","
        "\"profile\":\"field\",\"key\":\"y.log\",\"verdict\":\"PASS\"}\n";
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "first.jsonl", shard_three, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(feed(m, "second.jsonl", other_cat, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "second.jsonl:1: catalogue \"fnv1a64:0000000000000000\", where first.jsonl:1 said "
                 "\"fnv1a64:56202c23308e4edc\"");
    ERR_HAS(err, "--allow-mixed");
    CU_ASSERT_EQUAL(feed(m, "third.jsonl", other_profile, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "third.jsonl:1: dfota \"0.2.0\", where first.jsonl:1 said \"0.1.0\"; profile \"field\"");
    dfota_merge_free(m);

    /* a record with no catalogue at all */
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "s", "{\"record\":\"file\",\"dfota\":\"0.1.0\",\"profile\":\"strict\"}\n", err,
                         sizeof err),
                    DFOTA_E_INPUT);
    ERR_HAS(err, "s:1: no \"catalogue\"");
    dfota_merge_free(m);

    /* merged anyway, each combination counted */
    dfota_merge_opts o;
    memset(&o, 0, sizeof o);
    o.allow_mixed = 1;
    o.allow_truncated = 1;
    m = dfota_merge_new(&o);
    CU_ASSERT_EQUAL(feed(m, "first.jsonl", shard_three, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(feed(m, "second.jsonl", other_cat, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(feed(m, "third.jsonl", other_profile, err, sizeof err), DFOTA_OK);
    json_t *j = json_of(m);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "combinations")), 3);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "catalogue")));
    /* in order: 0.1.0 with the zero catalogue first */
    CU_ASSERT_STRING_EQUAL(str_at(j, "combinations/0/catalogue"), "fnv1a64:0000000000000000");
    CU_ASSERT_EQUAL(at(j, "combinations/0/files"), 1);
    CU_ASSERT_EQUAL(at(j, "combinations/1/files"), 3);
    CU_ASSERT_STRING_EQUAL(str_at(j, "combinations/2/profile"), "field");
    CU_ASSERT_EQUAL(at(j, "summary/files"), 5);
    json_decref(j);
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.mixed, 3);
    CU_ASSERT_EQUAL(t.truncated, 2);
    dfota_merge_free(m);
}

/* ---- truncated shards ------------------------------------------------- */

static void test_truncated(void)
{
    static const char no_summary[] = FILEREC("a.log", "PASS", "") FILEREC("b.log", "PASS", "");
    static const char cut[] = FILEREC("a.log", "PASS", "") SUMMARY(1, 1, 0, 0, 0, 0) "{\"record\":\"fi";
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "w7.jsonl", no_summary, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "w7.jsonl:2: truncated: its last record is a file record, not the summary");
    CU_ASSERT_EQUAL(feed(m, "empty.jsonl", "", err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "empty.jsonl:0: truncated: no record at all");
    CU_ASSERT_EQUAL(feed(m, "cut.jsonl", cut, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "cut.jsonl:3: truncated: the last line is cut");
    dfota_merge_free(m);

    dfota_merge_opts o;
    memset(&o, 0, sizeof o);
    o.allow_truncated = 1;
    o.warn = on_warn;
    n_said = 0;
    m = dfota_merge_new(&o);
    CU_ASSERT_EQUAL(feed(m, "w7.jsonl", no_summary, err, sizeof err), DFOTA_OK);
    ERR_HAS(said, "w7.jsonl:2: truncated");
    CU_ASSERT_EQUAL(feed(m, "cut.jsonl", cut, err, sizeof err), DFOTA_OK);
    ERR_HAS(said, "cut.jsonl:3: truncated: the last line is cut (no newline at its end): left out");
    CU_ASSERT_EQUAL(n_said, 2);
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.truncated, 2);
    CU_ASSERT_EQUAL(t.files, 2);      /* a.log twice, b.log: a.log counted once */
    CU_ASSERT_EQUAL(t.duplicates, 1);
    json_t *j = json_of(m);
    CU_ASSERT_STRING_EQUAL(str_at(j, "truncated/names/0"), "cut.jsonl");
    CU_ASSERT_STRING_EQUAL(str_at(j, "truncated/names/1"), "w7.jsonl");
    json_decref(j);
    dfota_merge_free(m);

    /* a whole summary with no newline at its end is no truncation */
    m = new_merge(10);
    static const char no_newline[] = FILEREC("a.log", "PASS", "")
        "{\"record\":\"summary\"," HEAD ",\"summary\":{\"files\":1,\"passed\":1,\"failed\":0,"
        "\"incomplete\":0,\"nothing_to_judge\":0,\"unreadable\":0}}";
    CU_ASSERT_EQUAL(feed(m, "s", no_newline, err, sizeof err), DFOTA_OK);
    dfota_merge_free(m);
}

/* ---- a summary that disagrees; segments; blank lines ------------------- */

static void test_summary_disagrees(void)
{
    static const char liar[] = FILEREC("a.log", "PASS", "") FILEREC("b.log", "FAIL", "") SUMMARY(2, 2, 0, 0, 0, 0);
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "liar.jsonl", liar, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(n_said, 1);
    ERR_HAS(said, "liar.jsonl:3: the summary says 2 files (2 passed, 0 failed");
    ERR_HAS(said, "its file records 2 files (1 passed, 1 failed");
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.inconsistent, 1);
    CU_ASSERT_EQUAL(t.failed, 1); /* the records count */
    char *text = written(m, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "1 shard whose summary disagrees with its file records: liar.jsonl"));
    free(text);
    dfota_merge_free(m);

    /* two shards joined with cat: two segments, each summary against its own records */
    static const char joined[] = FILEREC("a.log", "PASS", "") "\r\n" SUMMARY(1, 1, 0, 0, 0, 0) "\n  \n" FILEREC(
        "b.log", "FAIL", "") SUMMARY(1, 0, 1, 0, 0, 0);
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "-", joined, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(n_said, 0);
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.files, 2);
    CU_ASSERT_EQUAL(t.inconsistent, 0);
    dfota_merge_free(m);

    /* a summary whose counts are not counts */
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "s", "{\"record\":\"summary\"," HEAD ",\"summary\":{\"files\":-1}}\n", err, sizeof err),
                    DFOTA_E_INPUT);
    ERR_HAS(err, "s:1: \"summary.files\" is negative, not a count");
    CU_ASSERT_EQUAL(feed(m, "s", "{\"record\":\"summary\"," HEAD "}\n", err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "s:1: a summary record with no \"summary\"");
    dfota_merge_free(m);
}

/* ---- duplicates -------------------------------------------------------- */

static void test_duplicates(void)
{
    static const char again[] = FILEREC("b.log", "PASS", ",\"rules\":{\"SEQ-END\":\"PASS\"}") SUMMARY(1, 1, 0, 0, 0, 0);
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "s1", shard_three, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(feed(m, "s1 again", shard_three, err, sizeof err), DFOTA_OK);
    dfota_merge_totals t;
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.records, 6);
    CU_ASSERT_EQUAL(t.files, 3);
    CU_ASSERT_EQUAL(t.duplicates, 3);
    CU_ASSERT_EQUAL(t.duplicates_differing, 0);
    CU_ASSERT_EQUAL(n_said, 0);
    /* b.log again, judged otherwise: the first one counts, and it is said */
    CU_ASSERT_EQUAL(feed(m, "retry", again, err, sizeof err), DFOTA_OK);
    dfota_merge_get_totals(m, &t);
    CU_ASSERT_EQUAL(t.duplicates, 4);
    CU_ASSERT_EQUAL(t.duplicates_differing, 1);
    CU_ASSERT_EQUAL(t.failed, 1);
    ERR_HAS(said, "retry:1: b.log was merged before, judged otherwise: the first record counts");
    json_t *j = json_of(m);
    CU_ASSERT_EQUAL(at(j, "rules/SEQ-END/PASS"), 1);
    CU_ASSERT_EQUAL(at(j, "codes/END/505"), 2);
    json_decref(j);
    dfota_merge_free(m);
}

/* ---- lines that are not records ----------------------------------------- */

static void test_malformed(void)
{
    static const struct {
        const char *line, *says;
        dfota_err rc;
    } cases[] = {
        {"{\"record\":\"file\",\n", "bad:1: not JSON: ", DFOTA_E_INPUT},
        {"[1,2]\n", "bad:1: an array, not a record", DFOTA_E_INPUT},
        {"{\"record\":\"run\"," HEAD "}\n", "bad:1: unknown record \"run\" (file or summary)", DFOTA_E_INPUT},
        {"{" HEAD "}\n", "bad:1: no \"record\"", DFOTA_E_INPUT},
        {"{\"record\":\"file\"," HEAD ",\"verdict\":\"PASS\"}\n", "bad:1: no \"key\" or \"file\"", DFOTA_E_INPUT},
        {"{\"record\":\"file\"," HEAD ",\"key\":\"\",\"verdict\":\"PASS\"}\n", "bad:1: \"key\" is empty", DFOTA_E_INPUT},
        {FILEREC("k", "MAYBE", ""), "bad:1: unknown verdict \"MAYBE\" (PASS, FAIL,", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"rules\":[]"), "bad:1: \"rules\" is an array, not an object", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"rules\":{\"SEQ-END\":\"OK\"}"), "bad:1: rule SEQ-END: status OK (PASS, WARN",
         DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"rules\":{\"SEQ-END\":3}"), "rule SEQ-END: status an integer", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"rule_findings\":{\"SEQ-END\":-2}"),
         "bad:1: \"rule_findings\" of SEQ-END is an integer, not a count", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"flows\":[{\"codes\":{\"end\":[0,\"x\"]}}]"),
         "bad:1: \"flows[0].codes.end[1]\" is a string, not an integer", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"flows\":[{\"codes\":{\"download\":1.5}}]"),
         "\"flows[0].codes.download\" is a real number, not an integer", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"flows\":[3]"), "bad:1: \"flows[0]\" is an integer, not an object", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"firmware\":{\"before\":7}"), "\"firmware.before\" is an integer, not a string",
         DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"key\":\"again\""), "bad:1: not JSON: duplicate object key", DFOTA_E_INPUT},
        /* a number past 64 bits: jansson's error, named */
        {FILEREC("k", "PASS", ",\"rule_findings\":{\"R\":123456789012345678901234567890}"),
         "bad:1: not JSON: too big integer", DFOTA_E_INPUT},
        {FILEREC("k", "PASS", ",\"rule_findings\":{\"R\":1e400}"), "bad:1: not JSON: real number overflow",
         DFOTA_E_INPUT},
        {SUMMARY(99999999999999999999, 0, 0, 0, 0, 0), "bad:1: not JSON: too big integer", DFOTA_E_INPUT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_merge *m = new_merge(10);
        char err[1024] = "";
        dfota_err rc = feed(m, "bad", cases[i].line, err, sizeof err);
        if (rc != cases[i].rc)
            fprintf(stderr, "\n  case %zu: rc %d, want %d (%s)\n", i, rc, cases[i].rc, err);
        CU_ASSERT_EQUAL(rc, cases[i].rc);
        ERR_HAS(err, cases[i].says);
        dfota_merge_free(m);
    }
    /* the largest integers are numbers like any other */
    dfota_merge *m = new_merge(10);
    char err[1024];
    CU_ASSERT_EQUAL(feed(m, "big",
                         FILEREC("k", "FAIL", ",\"rules\":{\"R\":\"FAIL\"},\"rule_findings\":{\"R\":9223372036854775807},"
                                              "\"flows\":[{\"codes\":{\"end\":[-9223372036854775807]}}]")
                             SUMMARY(1, 0, 1, 0, 0, 0),
                         err, sizeof err),
                    DFOTA_OK);
    json_t *j = json_of(m);
    CU_ASSERT_EQUAL(at(j, "worst/R/0/findings"), 9223372036854775807LL);
    CU_ASSERT_EQUAL(at(j, "codes/END/-9223372036854775807"), 1);
    json_decref(j);
    char *text = written(m, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "END -9223372036854775807"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "not a code of the guide"));
    free(text);
    dfota_merge_free(m);
}

/* ---- NUL bytes and long lines ------------------------------------------ */

static void test_nul_and_long_lines(void)
{
    char err[1024];
    dfota_merge *m = new_merge(10);
    static const char nul_in_string[] = "{\"record\":\"file\",\"key\":\"a\0b\"}\n";
    memset(err, 'X', sizeof err); /* so that an unterminated message shows */
    CU_ASSERT_EQUAL(feed_n(m, "nul", nul_in_string, sizeof nul_in_string - 1, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "nul:1: not JSON: ");
    /* a C string, whole: terminated, and not cut at the key's NUL */
    CU_ASSERT_PTR_NOT_NULL(memchr(err, '\0', sizeof err));
    CU_ASSERT(strlen(err) > strlen("nul:1: not JSON: "));
    static const char nul_escaped[] = FILEREC("a\\u0000b", "PASS", "");
    CU_ASSERT_EQUAL(feed(m, "nul", nul_escaped, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "nul:1: not JSON: ");
    static const char nul_between[] = FILEREC("a", "PASS", "") "\0\n";
    CU_ASSERT_EQUAL(feed_n(m, "nul", nul_between, sizeof nul_between - 1, err, sizeof err), DFOTA_E_INPUT);
    ERR_HAS(err, "nul:2: not JSON: ");
    dfota_merge_free(m);

    /* a line of line_max bytes is read; one byte more is named, not read */
    dfota_merge_opts o;
    memset(&o, 0, sizeof o);
    o.line_max = 1024;
    char line[1100], two[2400];
    const char *head = "{\"record\":\"file\"," HEAD ",\"verdict\":\"PASS\",\"key\":\"";
    size_t hl = strlen(head), pad = 1024 - hl - 2;
    memcpy(line, head, hl);
    memset(line + hl, 'k', pad);
    memcpy(line + hl + pad, "\"}\n", 4);
    CU_ASSERT_EQUAL(strlen(line), 1025);
    snprintf(two, sizeof two, "%s%s", line, SUMMARY(1, 1, 0, 0, 0, 0));
    m = dfota_merge_new(&o);
    CU_ASSERT_EQUAL(feed(m, "long", two, err, sizeof err), DFOTA_OK);
    dfota_merge_free(m);
    memmove(line + 1, line, strlen(line) + 1);
    line[0] = ' ';
    snprintf(two, sizeof two, "%s%s", SUMMARY(0, 0, 0, 0, 0, 0), line);
    m = dfota_merge_new(&o);
    CU_ASSERT_EQUAL(feed(m, "long", two, err, sizeof err), DFOTA_E_TOO_BIG);
    ERR_HAS(err, "long:2: a line longer than 1024 bytes");
    dfota_merge_free(m);

    /* a key over its bound */
    char big[DFOTA_MERGE_KEY_MAX + 400];
    memset(big, 'x', DFOTA_MERGE_KEY_MAX + 1);
    big[DFOTA_MERGE_KEY_MAX + 1] = '\0';
    char rec[DFOTA_MERGE_KEY_MAX + 600];
    snprintf(rec, sizeof rec, "{\"record\":\"file\"," HEAD ",\"verdict\":\"PASS\",\"key\":\"%s\"}\n", big);
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "k", rec, err, sizeof err), DFOTA_E_TOO_BIG);
    ERR_HAS(err, "k:1: \"key\" has 16385 bytes, more than 16384");
    dfota_merge_free(m);
}

/* ---- bounded tables ------------------------------------------------------ */

static void test_bounded_tables(void)
{
    size_t n = DFOTA_MERGE_OUTCOMES_MAX + 6;
    char *buf = malloc(n * 300 + 400), err[1024];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(buf + len, "{\"record\":\"file\"," HEAD ",\"key\":\"f%zu\",\"verdict\":\"PASS\","
                                          "\"flows\":[{\"outcome\":\"o%03zu\"}]}\n",
                               i, i);
    sprintf(buf + len, "{\"record\":\"summary\"," HEAD ",\"summary\":{\"files\":%zu,\"passed\":%zu,\"failed\":0,"
                       "\"incomplete\":0,\"nothing_to_judge\":0,\"unreadable\":0}}\n",
            n, n);
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "many", buf, err, sizeof err), DFOTA_OK);
    json_t *j = json_of(m);
    CU_ASSERT_EQUAL(json_object_size(json_object_get(j, "outcomes")), DFOTA_MERGE_OUTCOMES_MAX);
    CU_ASSERT_EQUAL(at(j, "not_kept/outcomes"), 6);
    CU_ASSERT_EQUAL(at(j, "summary/files"), (json_int_t)n);
    json_decref(j);
    char *text = written(m, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "6 more counts of outcomes past the first 64 distinct ones"));
    free(text);
    dfota_merge_free(m);
    free(buf);
}

/* ---- the exit status ------------------------------------------------------ */

static void test_status(void)
{
    static const struct {
        const char *shard;
        dfota_status incomplete, fail, none;
    } cases[] = {
        {FILEREC("a", "PASS", "") SUMMARY(1, 1, 0, 0, 0, 0), 0, 0, 0},
        {FILEREC("a", "INCOMPLETE", "") SUMMARY(1, 0, 0, 1, 0, 0), 3, 0, 0},
        {FILEREC("a", "NOTHING-TO-JUDGE", "") SUMMARY(1, 0, 0, 0, 1, 0), 3, 0, 0},
        {FILEREC("a", "FAIL", "") FILEREC("b", "INCOMPLETE", "") SUMMARY(2, 0, 1, 1, 0, 0), 1, 1, 0},
        {FILEREC("a", "FAIL", "") FILEREC("b", "ERROR", "") SUMMARY(2, 0, 1, 0, 0, 1), 2, 2, 0},
        {SUMMARY(0, 0, 0, 0, 0, 0), 3, 0, 0}, /* no file at all: nothing to judge */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int f = 0; f < 3; f++) {
            dfota_merge_opts o;
            memset(&o, 0, sizeof o);
            o.fail_on = (dfota_fail_on)f;
            dfota_merge *m = dfota_merge_new(&o);
            char err[1024];
            CU_ASSERT_EQUAL(feed(m, "s", cases[i].shard, err, sizeof err), DFOTA_OK);
            dfota_status want = f == 0 ? cases[i].incomplete : f == 1 ? cases[i].fail : cases[i].none;
            if (dfota_merge_status(m) != want)
                fprintf(stderr, "\n  case %zu, fail_on %d: status %d, want %d\n", i, f, dfota_merge_status(m), want);
            CU_ASSERT_EQUAL(dfota_merge_status(m), want);
            json_t *j = json_of(m);
            CU_ASSERT_EQUAL(at(j, "exit_status"), (json_int_t)want);
            json_decref(j);
            dfota_merge_free(m);
        }
}

/* ---- texts from a shard, escaped ---------------------------------------- */

static void test_escaped(void)
{
    static const char hostile[] =
        FILEREC("<script>alert(1)</script>\\u001b[2J\\u202e.log", "FAIL",
                ",\"rules\":{\"<b>R</b>\":\"FAIL\"},\"flows\":[{\"outcome\":\"<i>x</i>\"}],"
                "\"firmware\":{\"before\":\"\\\"><img src=x>\",\"after\":\"A&B\"}")
        SUMMARY(1, 0, 1, 0, 0, 0);
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "<evil>.jsonl", hostile, err, sizeof err), DFOTA_OK);
    char *page = written(m, 2);
    CU_ASSERT_PTR_NULL(strstr(page, "<script"));
    CU_ASSERT_PTR_NULL(strstr(page, "<img"));
    CU_ASSERT_PTR_NULL(strstr(page, "<b>R"));
    CU_ASSERT_PTR_NULL(strstr(page, "<i>x"));
    CU_ASSERT_PTR_NULL(strchr(page, '\x1b'));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J\\xe2\\x80\\xae.log"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "&quot;&gt;&lt;img src=x&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "A&amp;B"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "Content-Security-Policy"));
    free(page);
    char *text = written(m, 1);
    CU_ASSERT_PTR_NULL(strchr(text, '\x1b'));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<script>alert(1)</script>\\x1b[2J\\xe2\\x80\\xae.log"));
    free(text);
    dfota_merge_free(m);
    /* the first record's catalogue, quoted when another disagrees: escaped too */
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "esc", "{\"record\":\"file\",\"dfota\":\"0.1.0\",\"catalogue\":\"c\\u001b[2J\","
                                   "\"profile\":\"strict\",\"key\":\"a\",\"verdict\":\"PASS\"}\n" SUMMARY(1, 1, 0, 0, 0, 0),
                         err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NULL(strchr(err, '\x1b'));
    ERR_HAS(err, "esc:2: catalogue \"fnv1a64:56202c23308e4edc\", where esc:1 said \"c\\x1b[2J\"");
    dfota_merge_free(m);
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "esc", FILEREC("a", "PASS", ",\"rules\":{\"R\\u001b\":\"P\\u001b\"}"), err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_PTR_NULL(strchr(err, '\x1b'));
    ERR_HAS(err, "esc:1: rule R\\x1b: status P\\x1b (PASS");
    dfota_merge_free(m);
    /* a shard's name in an error: escaped too */
    m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "a\x1b[2Jb", "nope\n", err, sizeof err), DFOTA_E_INPUT);
    CU_ASSERT_PTR_NULL(strchr(err, '\x1b'));
    ERR_HAS(err, "a\\x1b[2Jb:1: not JSON");
    dfota_merge_free(m);
}

/* Past DFOTA_MERGE_OUTCOMES_MAX distinct outcomes the rest are counted,
 * not kept; the text, the page and the JSON each say how many. */
static void test_dropped_counts_said(void)
{
    size_t cap = 64 * 1024, len = 0;
    char *shard = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(shard);
    len += (size_t)snprintf(shard + len, cap - len,
                            "{\"record\":\"file\"," HEAD ",\"key\":\"a.log\",\"verdict\":\"PASS\",\"flows\":[");
    for (int k = 0; k < DFOTA_MERGE_OUTCOMES_MAX + 3; k++)
        len += (size_t)snprintf(shard + len, cap - len, "%s{\"outcome\":\"o%d\"}", k ? "," : "", k);
    len += (size_t)snprintf(shard + len, cap - len, "]}\n%s", SUMMARY(1, 1, 0, 0, 0, 0));
    CU_ASSERT_FATAL(len < cap);
    char err[1024];
    dfota_merge *m = new_merge(10);
    CU_ASSERT_EQUAL(feed(m, "s.jsonl", shard, err, sizeof err), DFOTA_OK);
    char *text = written(m, 1), *page = written(m, 2), *json = written(m, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "(3 more counts of outcomes past the first 64 distinct ones were not kept)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(page, ">3 more counts of outcomes past the first 64 distinct ones were not kept.<"));
    CU_ASSERT_PTR_NULL(strstr(text, "counts of rules past"));
    json_error_t e;
    json_t *j = json_loads(json, 0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(at(j, "not_kept/outcomes"), 3);
    CU_ASSERT_EQUAL(at(j, "not_kept/rules"), 0);
    json_decref(j);
    free(text);
    free(page);
    free(json);
    free(shard);
    dfota_merge_free(m);
}

int main(void)
{
    static const test_entry tests[] = {
        {"counts past a table's bound are said, in every format", test_dropped_counts_said},
        {"each field counted", test_each_field},
        {"the worst files, in any order", test_worst_order},
        {"records that disagree", test_disagreement},
        {"truncated shards", test_truncated},
        {"a summary that disagrees; segments", test_summary_disagrees},
        {"duplicates", test_duplicates},
        {"lines that are not records", test_malformed},
        {"NUL bytes and long lines", test_nul_and_long_lines},
        {"bounded tables", test_bounded_tables},
        {"the exit status", test_status},
        {"texts from a shard, escaped", test_escaped},
    };
    return RUN_SUITE("merge", tests);
}
