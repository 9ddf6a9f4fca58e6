/* SPDX-License-Identifier: MIT */
/* test_prefix.c - the line prefixes a log's writer puts before every line
 * (FIELD-QUIRKS.md "What captured logs look like"), read through the
 * reader: for each shape the time kept, the direction, the text; lines
 * that do not fit counted and flagged; a prefix no rule knows flagged; a
 * person's notes removed and counted; UTF-16 read; binary files named.
 * Inputs are in-memory files. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"

#include "dfota/at.h"
#include "dfota/log.h"

#define MS 1000000LL
#define S (1000 * MS)
#define MAX_EV 12
#define H DFOTA_DIR_HOST
#define M DFOTA_DIR_MODULE
#define NONE DFOTA_T_NONE
#define ANY_T (INT64_MIN + 1)
#define RAW DFOTA_FMT_RAW
#define ST DFOTA_FMT_STAMPED

typedef struct {
    size_t n;
    struct {
        dfota_dir dir;
        int64_t t;
        char text[DFOTA_AT_LINE_MAX + 1];
        unsigned flags;
    } ev[MAX_EV];
    int rc;
    char err[DFOTA_ERRBUF];
    dfota_format fmt;
    dfota_reader_stats st;
} result;

static result *read_mem(const char *data, size_t len)
{
    result *res = calloc(1, sizeof *res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    FILE *f = fmemopen((void *)(uintptr_t)data, len, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_reader *r = dfota_reader_new(f, "p.log");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    dfota_event e;
    int rc;
    while ((rc = dfota_reader_next(r, &e, res->err, sizeof res->err)) == 1) {
        CU_ASSERT_FATAL(res->n < MAX_EV);
        res->ev[res->n].dir = e.dir;
        res->ev[res->n].t = e.t_ns;
        memcpy(res->ev[res->n].text, e.data, e.len);
        res->ev[res->n].text[e.len] = '\0';
        res->ev[res->n].flags = e.flags;
        res->n++;
    }
    res->rc = rc;
    res->fmt = dfota_reader_format(r);
    dfota_reader_get_stats(r, &res->st);
    dfota_reader_free(r);
    fclose(f);
    return res;
}

static void show(const char *what, const result *res)
{
    printf("\n  %s: format %s, rc %d '%s', %zu events, prefix '%s' prefixed %lu misfits %lu unknown '%s' "
           "notes %lu\n",
           what, dfota_format_name(res->fmt), res->rc, res->err, res->n, res->st.prefix, res->st.prefixed,
           res->st.misfits, res->st.unknown_prefix, res->st.comments);
    for (size_t i = 0; i < res->n; i++)
        printf("    [%zu] %c t=%lld flags 0x%x '%s'\n", i, (char)res->ev[i].dir, (long long)res->ev[i].t,
               res->ev[i].flags, res->ev[i].text);
}

typedef struct {
    dfota_dir dir;
    int64_t t;
    const char *text;
} want;

/* ---- one table: a shape, what it reads as ------------------------------- */

static const struct {
    const char *name;
    const char *in;
    dfota_format fmt;
    size_t n;
    want ev[6];
    unsigned long misfits;
    unsigned told;   /* bit i: event i's direction came from the log, not a guess */
} cases[] = {
    {"syslog: month, blank-padded day, host, tag[pid]:",
     "Jan  2 10:00:00 gw fotad[812]: AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "Jan  2 10:00:01 gw fotad[812]: OK\n"
     "Jan  2 10:00:31 gw fotad[812]: +QIND: \"FOTA\",\"START\"\n",
     ST, 3, {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 1 * S, "OK"}, {M, 31 * S, "+QIND: \"FOTA\",\"START\""}},
     0, 0},
    {"syslog across New Year: the year-less date moves on",
     "Dec 31 23:59:59 gw fotad[812]: AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "Jan  1 00:00:01 gw fotad[812]: OK\n",
     ST, 2, {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 2 * S, "OK"}}, 0, 0},
    {"syslog: a line of another shape is counted, flagged and kept",
     "Jan  2 10:00:00 gw fotad[812]: AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "Jan  2 10:00:01 gw fotad[812]: OK\n"
     "Jan  2 10:00:02 +QIND: \"FOTA\",\"START\"\n"
     "Jan  2 10:00:03 gw fotad[812]: +QIND: \"FOTA\",\"END\",0\n",
     ST, 4,
     {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 1 * S, "OK"}, {M, 2 * S, "+QIND: \"FOTA\",\"START\""},
      {M, 3 * S, "+QIND: \"FOTA\",\"END\",0"}},
     1, 0},
    {"journald short-iso: offsets converted (daylight saving)",
     "2024-03-31T01:59:59+0100 gw fotad[812]: AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "2024-03-31T03:00:00+0200 gw fotad[812]: OK\n",
     ST, 2, {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 1 * S, "OK"}}, 0, 0},
    {"ISO 8601 with an offset and with Z",
     "2024-01-02T10:00:00.000+01:00 AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "2024-01-02T09:00:00.250Z OK\n",
     ST, 2, {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 250 * MS, "OK"}}, 0, 0},
    {"ISO time and a tag",
     "2024-01-02T10:00:00.000Z fotad: AT+QGMR\n"
     "2024-01-02T10:00:00.020Z fotad: OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 20 * MS, "OK"}}, 0, 0},
    {"Python logging: asctime - name - levelname - message",
     "2024-01-02 10:00:00,000 - fota - INFO - upgrading\n"
     "2024-01-02 10:00:00,120 - modem - DEBUG - AT+QGMR\n"
     "2024-01-02 10:00:00,161 - modem - DEBUG - OK\n",
     ST, 3, {{M, 0, "upgrading"}, {H, 120 * MS, "AT+QGMR"}, {M, 161 * MS, "OK"}}, 0, 0},
    {"Python logging: levelname:name:message, no time, no blank",
     "INFO:fota:upgrading\n"
     "DEBUG:modem:AT+QGMR\n"
     "DEBUG:modem:+QIND: \"FOTA\",\"START\"\n",
     RAW, 3, {{M, NONE, "upgrading"}, {H, NONE, "AT+QGMR"}, {M, NONE, "+QIND: \"FOTA\",\"START\""}}, 0, 0},
    {"Python logging: asctime levelname name: message, a '> ' typed marker",
     "2024-01-02 10:00:00,100 DEBUG modem: > AT+QGMR\n"
     "2024-01-02 10:00:00,140 DEBUG modem: OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 40 * MS, "OK"}}, 0, 0x1},
    {"moreutils ts: %b %d %H:%M:%S, and with fractions",
     "Jan 02 10:00:03 AT+QGMR\n"
     "Jan 02 10:00:04.250000 OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 1250 * MS, "OK"}}, 0, 0},
    {"grabserial: [elapsed delta]",
     "[0.000000 0.000000] AT+QGMR\n"
     "[0.041250 0.041250] OK\n"
     "[24.172000 24.130750] +QIND: \"FOTA\",\"START\"\n",
     ST, 3, {{H, 0, "AT+QGMR"}, {M, 41250000LL, "OK"}, {M, 24172 * MS, "+QIND: \"FOTA\",\"START\""}}, 0, 0},
    {"[TX] and [RX] after a time: the echo is the module's",
     "2024-01-02 10:00:00.000 [TX] AT+QGMR\n"
     "2024-01-02 10:00:00.010 [RX] AT+QGMR\n"
     "2024-01-02 10:00:00.040 [RX] OK\n",
     ST, 3, {{H, 0, "AT+QGMR"}, {M, 10 * MS, "AT+QGMR"}, {M, 40 * MS, "OK"}}, 0, 0x7},
    {"Send: and Recv:, also without the blank",
     "Send: AT+QGMR\n"
     "Recv:AT+QGMR\n"
     "Recv: OK\n",
     RAW, 3, {{H, NONE, "AT+QGMR"}, {M, NONE, "AT+QGMR"}, {M, NONE, "OK"}}, 0, 0x7},
    {"'> ' before a typed command; a lone '>' is the module's prompt",
     "> AT+QGMR\n"
     "OK\n"
     ">\n",
     RAW, 3, {{H, NONE, "AT+QGMR"}, {M, NONE, "OK"}, {M, NONE, ">"}}, 0, 0x1},
    {"a vendor tool's [date time Recv] with literal \\r\\n, two URCs in one block",
     "[2024-01-02 10:00:00.100 Send] AT+QGMR\\r\\n\n"
     "[2024-01-02 10:00:00.140 Recv] \\r\\nOK\\r\\n\n"
     "[2024-01-02 10:00:05.000 Recv] \\r\\n+QIND: \"FOTA\",\"START\"\\r\\n\\r\\n+QIND: \"FOTA\",\"UPDATING\",1\\r\\n\n",
     ST, 4,
     {{H, 0, "AT+QGMR"}, {M, 40 * MS, "OK"}, {M, 4900 * MS, "+QIND: \"FOTA\",\"START\""},
      {M, 4900 * MS, "+QIND: \"FOTA\",\"UPDATING\",1"}},
     0, 0xf},
    {"tio: [hh:mm:ss.sss] and its own messages",
     "[10:00:00.100] tio v2.7\n"
     "[10:00:05.000] AT+QGMR\n"
     "[10:00:05.041] OK\n",
     ST, 3, {{M, 0, "tio v2.7"}, {H, 4900 * MS, "AT+QGMR"}, {M, 4941 * MS, "OK"}}, 0, 0},
    {"RFC 5424 syslog: <PRI>VERSION before the ISO time, then host, app, pid, msgid, data",
     "<14>1 2024-01-02T10:00:00.000Z gw fotad 812 - - AT+QGMR\n"
     "<14>1 2024-01-02T10:00:00.040Z gw fotad 812 - - OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 40 * MS, "OK"}}, 0, 0},
    {"a port name before the time",
     "COM3 10:00:00.100 AT+QGMR\n"
     "COM3 10:00:00.141 OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 41 * MS, "OK"}}, 0, 0},
    {"seconds since 1970 with a fraction (a terminal's Unix time)",
     "1704189600.000 AT+QGMR\n"
     "1704189600.041 OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 41 * MS, "OK"}}, 0, 0},
    {"a comma after the time (a terminal's CSV capture)",
     "2024-01-02 10:00:00.000,AT+QGMR\n"
     "2024-01-02 10:00:00.041,OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 41 * MS, "OK"}}, 0, 0},
    {"Unix time and a comma",
     "1704189600.000,AT+QGMR\n"
     "1704189600.041,OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 41 * MS, "OK"}}, 0, 0},
    {"2024/01/02 dates (Go's log, Windows tools)",
     "2024/01/02 10:00:00 AT+QGMR\n"
     "2024/01/02 10:00:02 OK\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, 2 * S, "OK"}}, 0, 0},
};

static int matches(const result *res, size_t i, const want *w)
{
    return res->ev[i].dir == w->dir && (w->t == ANY_T || res->ev[i].t == w->t) &&
           strcmp(res->ev[i].text, w->text) == 0;
}

static void test_shapes(void)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        result *res = read_mem(cases[c].in, strlen(cases[c].in));
        int ok = res->rc == 0 && res->fmt == cases[c].fmt && res->n == cases[c].n &&
                 res->st.misfits == cases[c].misfits && res->st.unknown_prefix[0] == '\0';
        for (size_t i = 0; ok && i < res->n; i++) {
            ok = matches(res, i, &cases[c].ev[i]) &&
                 !(res->ev[i].flags & DFOTA_EV_GUESSED_DIR) == !!(cases[c].told & 1u << i);
            /* only a line that did not fit may carry a prefix still */
            ok = ok && (!!(res->ev[i].flags & DFOTA_EV_LOG_PREFIX)) ==
                           (cases[c].misfits && strncmp(cases[c].name, "syslog: a line", 14) == 0 && i == 2);
        }
        CU_ASSERT(ok);
        if (!ok)
            show(cases[c].name, res);
        free(res);
    }
}

/* The learnt prefix is named once, and counted on every line it fits. */
static void test_prefix_named_and_counted(void)
{
    static const char in[] = "Jan  2 10:00:00 gw fotad[812]: AT+QGMR\n"
                             "Jan  2 10:00:01 gw fotad[812]: OK\n"
                             "Jan  2 10:00:02 gw kernel: usb 1-1: USB disconnect\n";
    result *res = read_mem(in, sizeof in - 1);
    CU_ASSERT_STRING_EQUAL(res->st.prefix, "Jan  2 10:00:00 gw fotad[812]: ");
    CU_ASSERT_EQUAL(res->st.prefixed, 3);
    CU_ASSERT_EQUAL(res->st.misfits, 0);
    CU_ASSERT_EQUAL(res->n, 3);
    CU_ASSERT(res->n == 3 && strcmp(res->ev[2].text, "usb 1-1: USB disconnect") == 0);
    free(res);
}

/* A syslog whose first lines are other programs': the fields are learnt
 * from the lines with AT text further on. */
static void test_fields_learnt_past_the_first_lines(void)
{
    size_t cap = 400 * 64, n = 0;
    char *in = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(in + n, cap - n, "Jan  2 10:00:00 gw systemd[1]: Started session %d.\n", i);
    n += (size_t)snprintf(in + n, cap - n, "Jan  2 10:00:01 gw fotad[812]: AT+QGMR\n");
    n += (size_t)snprintf(in + n, cap - n, "Jan  2 10:00:02 gw fotad[812]: OK\n");
    FILE *f = fmemopen(in, n, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_reader *r = dfota_reader_new(f, "s.log");
    dfota_event e;
    char err[DFOTA_ERRBUF], last[2][64] = {"", ""};
    while (dfota_reader_next(r, &e, err, sizeof err) == 1) {
        memcpy(last[0], last[1], sizeof last[0]);
        snprintf(last[1], sizeof last[1], "%c %s", (char)e.dir, e.data);
    }
    CU_ASSERT_STRING_EQUAL(last[0], "> AT+QGMR");
    CU_ASSERT_STRING_EQUAL(last[1], "< OK");
    dfota_reader_stats st;
    dfota_reader_get_stats(r, &st);
    CU_ASSERT_EQUAL(st.misfits, 0);
    CU_ASSERT_STRING_EQUAL(st.prefix, "Jan  2 10:00:00 gw systemd[1]: ");
    dfota_reader_free(r);
    fclose(f);
    free(in);
}

/* A prefix no rule knows: named, every line read as it is and flagged, so
 * that the bytes before a URC are the log's, not the module's. */
static void test_unknown_prefix(void)
{
    static const char in[] = "COM3 | AT+QFOTADL=\"/data/ufs/u.zip\"\n"
                             "COM3 | OK\n"
                             "COM3 | +QIND: \"FOTA\",\"START\"\n";
    result *res = read_mem(in, sizeof in - 1);
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_STRING_EQUAL(res->st.unknown_prefix, "COM3 | ");
    CU_ASSERT_EQUAL(res->st.prefix[0], '\0');
    CU_ASSERT_EQUAL(res->n, 3);
    for (size_t i = 0; i < res->n; i++)
        CU_ASSERT(res->ev[i].flags & DFOTA_EV_LOG_PREFIX);
    CU_ASSERT(res->n == 3 && strcmp(res->ev[2].text, "COM3 | +QIND: \"FOTA\",\"START\"") == 0);
    free(res);
    /* more fields than a prefix is learnt with: still a prefix, named */
    static const char many[] = "a b c d e f g h i j | AT+QFOTADL=\"/data/ufs/u.zip\"\n"
                               "a b c d e f g h i j | OK\n"
                               "a b c d e f g h i j | +QIND: \"FOTA\",\"START\"\n";
    res = read_mem(many, sizeof many - 1);
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT(res->st.unknown_prefix[0] != '\0');
    for (size_t i = 0; i < res->n; i++)
        CU_ASSERT(res->ev[i].flags & DFOTA_EV_LOG_PREFIX);
    free(res);
    /* text behind something that is no field (no blank, no colon): still a prefix */
    static const char glued[] = "node7,mdm,AT+QFOTADL=\"/data/ufs/u.zip\"\n"
                                "node7,mdm,OK\n"
                                "node7,mdm,+QIND: \"FOTA\",\"START\"\n";
    res = read_mem(glued, sizeof glued - 1);
    CU_ASSERT_STRING_EQUAL(res->st.unknown_prefix, "node7,mdm,");
    for (size_t i = 0; i < res->n; i++)
        CU_ASSERT(res->ev[i].flags & DFOTA_EV_LOG_PREFIX);
    free(res);
    /* a raw log with one cut line is no prefix: the stray bytes stay the module's */
    static const char raw[] = "AT+QFOTADL=\"/data/ufs/u.zip\"\nOK\nRD +QIND: \"FOTA\",\"START\"\n"
                              "+QIND: \"FOTA\",\"END\",0\n";
    res = read_mem(raw, sizeof raw - 1);
    CU_ASSERT_EQUAL(res->st.unknown_prefix[0], '\0');
    CU_ASSERT_EQUAL(res->n, 4);
    for (size_t i = 0; i < res->n; i++)
        CU_ASSERT(!(res->ev[i].flags & DFOTA_EV_LOG_PREFIX));
    free(res);
}

/* ---- a person's notes ------------------------------------------------------ */

static void test_notes(void)
{
    static const char in[] =
        "AT+QFOTADL=\"ftp://u:p#w@h:21/f.zip\"   # the command\n"
        "OK    <-- accepted\n"
        "[...]\n"
        "# the module reboots here\n"
        "+QIND: \"FOTA\",\"START\" \xe2\x86\x90 after the reboot\n"
        "+QIND: \"FOTA\",\"UPDATING\",<percent>\n"
        "+QIND: \"FOTA\",\"UPDATING\",n\n"
        "...\n"
        "\xe2\x80\xa6\n"
        "+QIND: \"FOTA\",\"END\",0   // done\n"
        "+QIND: \"FOTA\",\"END\",0#\n";
    result *res = read_mem(in, sizeof in - 1);
    static const char *const kept[] = {"AT+QFOTADL=\"ftp://u:p#w@h:21/f.zip\"", "OK", "+QIND: \"FOTA\",\"START\"",
                                       "+QIND: \"FOTA\",\"END\",0", "+QIND: \"FOTA\",\"END\",0#"};
    CU_ASSERT_EQUAL(res->n, 5);
    for (size_t i = 0; i < res->n && i < 5; i++)
        CU_ASSERT_STRING_EQUAL(res->ev[i].text, kept[i]);
    CU_ASSERT_EQUAL(res->st.comments, 10);
    CU_ASSERT_EQUAL(res->st.first_comment_line, 1);
    CU_ASSERT_STRING_EQUAL(res->st.first_comment, "# the command");
    if (res->n != 5 || res->st.comments != 10)
        show("notes", res);
    free(res);
}

/* ---- encodings ------------------------------------------------------------- */

/* text as UTF-16 (le or not), with a byte order mark or without */
static char *utf16(const char *text, int le, int bom, size_t *len)
{
    size_t n = strlen(text);
    char *out = malloc(2 * n + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    size_t o = 0;
    if (bom) {
        out[o++] = le ? '\xff' : '\xfe';
        out[o++] = le ? '\xfe' : '\xff';
    }
    for (size_t i = 0; i < n; i++) {
        out[o++] = le ? text[i] : '\0';
        out[o++] = le ? '\0' : text[i];
    }
    *len = o;
    return out;
}

static void test_utf16(void)
{
    static const char text[] = "[10:00:00.000] AT+QGMR\r\n[10:00:00.020] OK\r\n";
    for (int v = 0; v < 4; v++) {
        size_t len;
        char *in = utf16(text, v & 1, v & 2, &len);
        result *res = read_mem(in, len);
        int ok = res->rc == 0 && res->fmt == ST && res->n == 2 && strcmp(res->ev[0].text, "AT+QGMR") == 0 &&
                 strcmp(res->ev[1].text, "OK") == 0 && res->ev[1].t == 20 * MS && res->st.encoding &&
                 strcmp(res->st.encoding, v & 1 ? "UTF-16LE" : "UTF-16BE") == 0;
        CU_ASSERT(ok);
        if (!ok)
            show(v & 1 ? "UTF-16LE" : "UTF-16BE", res);
        free(res);
        free(in);
    }
    /* UTF-8 is read as it is */
    result *res = read_mem(text, sizeof text - 1);
    CU_ASSERT_PTR_NULL(res->st.encoding);
    free(res);
}

/* A file longer than the first block: transcoded as it is read. */
static void test_utf16_long(void)
{
    size_t lines = 20000, n = 0;
    char *text = malloc(lines * 32 + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    for (size_t i = 0; i < lines; i++)
        n += (size_t)sprintf(text + n, i % 2 ? "OK\r\n" : "AT+QGMR%zu\r\n", i);
    size_t len;
    char *in = utf16(text, 1, 1, &len);
    FILE *f = fmemopen(in, len, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_reader *r = dfota_reader_new(f, "long.log");
    dfota_event e;
    char err[DFOTA_ERRBUF];
    size_t got = 0, bad = 0;
    int rc;
    while ((rc = dfota_reader_next(r, &e, err, sizeof err)) == 1) {
        char exp[32];
        snprintf(exp, sizeof exp, got % 2 ? "OK" : "AT+QGMR%zu", got);
        bad += strcmp(e.data, exp) != 0;
        got++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(got, lines);
    CU_ASSERT_EQUAL(bad, 0);
    dfota_reader_free(r);
    fclose(f);
    free(in);
    free(text);
}

static void test_binary_named(void)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *what;
    } kinds[] = {
        {"\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0", 24, "not a log: an ELF executable"},
        {"PK\x03\x04\x14\0\0\0\x08\0AT+QGMR.txt", 21, "not a log: a zip archive"},
        {"\x1f\x8b\x08\0\0\0\0\0\0\x03", 10, "not a log: gzip-compressed data"},
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "not a log: a PNG image"},
        {"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f", 26,
         "not a log: a PDF document"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        result *res = read_mem(kinds[i].bytes, kinds[i].len);
        CU_ASSERT_EQUAL(res->rc, DFOTA_E_INPUT);
        CU_ASSERT(strstr(res->err, kinds[i].what) != NULL);
        CU_ASSERT(strstr(res->err, "UTF-16") == NULL);
        if (!strstr(res->err, kinds[i].what))
            printf("\n  %s: '%s'\n", kinds[i].what, res->err);
        free(res);
    }
}

static const test_entry tests[] = {
    {"each prefix shape: time, direction, text", test_shapes},
    {"the learnt prefix named and counted", test_prefix_named_and_counted},
    {"a prefix no rule knows is flagged", test_unknown_prefix},
    {"fields learnt past the first lines", test_fields_learnt_past_the_first_lines},
    {"a person's notes removed and counted", test_notes},
    {"UTF-16 read, LE and BE, with and without BOM", test_utf16},
    {"UTF-16 past the first block", test_utf16_long},
    {"binary files named", test_binary_named},
};

int main(void)
{
    return RUN_SUITE("prefix", tests);
}
