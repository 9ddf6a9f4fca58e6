/* SPDX-License-Identifier: MIT */
/* test_reader.c - every log format as one stream of events (TRANSCRIPT.md,
 * FIELD-QUIRKS.md "What captured logs look like"): format detection, the
 * transcript, raw and timestamped captures with glyphs and comments, and
 * the input errors with their class and place. Inputs are in-memory files. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/at.h"
#include "dfota/log.h"

/* ---- helpers ------------------------------------------------------------ */

#define MS 1000000LL
#define T_ANY (INT64_MIN + 1) /* a time the test does not check */
#define MAX_EV 16

typedef struct {
    dfota_dir dir;
    int64_t t;
    const char *text;
} want_event;

typedef struct {
    size_t n;
    struct {
        dfota_dir dir;
        int64_t t;
        char text[DFOTA_AT_LINE_MAX + 1];
        size_t len, full;
        unsigned long line;
        unsigned flags;
    } ev[MAX_EV];
    int rc;                   /* the last return of dfota_reader_next */
    char err[DFOTA_ERRBUF];
    dfota_format fmt;
    dfota_reader_stats stats;
    char port[128];           /* the "port" header, "" when absent */
} read_result;

/* An in-memory FILE over len bytes (an empty one from tmpfile, since
 * fmemopen need not take a size of 0). */
static FILE *open_mem(const char *data, size_t len)
{
    FILE *f = len ? fmemopen((void *)(uintptr_t)data, len, "r") : tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    return f;
}

/* Reads what r, just made or reset, reads into a new result. */
static read_result *read_events(dfota_reader *r)
{
    read_result *res = calloc(1, sizeof *res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(dfota_reader_format(r), DFOTA_FMT_AUTO);
    dfota_event e;
    int rc;
    while ((rc = dfota_reader_next(r, &e, res->err, sizeof res->err)) == 1) {
        CU_ASSERT_FATAL(res->n < MAX_EV);
        CU_ASSERT_FATAL(e.len <= DFOTA_AT_LINE_MAX);
        CU_ASSERT_EQUAL(e.data[e.len], '\0');
        res->ev[res->n].dir = e.dir;
        res->ev[res->n].t = e.t_ns;
        memcpy(res->ev[res->n].text, e.data, e.len);
        res->ev[res->n].text[e.len] = '\0';
        res->ev[res->n].len = e.len;
        res->ev[res->n].full = e.full_len;
        res->ev[res->n].line = e.line;
        res->ev[res->n].flags = e.flags;
        res->n++;
    }
    res->rc = rc;
    res->fmt = dfota_reader_format(r);
    dfota_reader_get_stats(r, &res->stats);
    const char *port = dfota_reader_meta(r, "port");
    if (port)
        snprintf(res->port, sizeof res->port, "%s", port);
    return res;
}

/* Reads data with keep reset for it, or with a new reader when keep is NULL. */
static read_result *read_with(dfota_reader *keep, const char *data, size_t len, const char *name)
{
    FILE *f = open_mem(data, len);
    dfota_reader *r = keep;
    if (keep)
        dfota_reader_reset(keep, f, name);
    else
        r = dfota_reader_new(f, name);
    read_result *res = read_events(r);
    if (!keep)
        dfota_reader_free(r);
    fclose(f);
    return res;
}

static read_result *read_all(const char *data, size_t len, const char *name)
{
    return read_with(NULL, data, len, name);
}

static void print_result(const char *what, const read_result *res)
{
    printf("\n  %s: format %s, rc %d, err '%s', %zu events\n", what, dfota_format_name(res->fmt), res->rc,
           res->err, res->n);
    for (size_t i = 0; i < res->n; i++)
        printf("    [%zu] %c t=%lld line %lu flags 0x%x '%s'\n", i, (char)res->ev[i].dir,
               (long long)res->ev[i].t, res->ev[i].line, res->ev[i].flags, res->ev[i].text);
}

/* ---- reading, table-driven ---------------------------------------------- */

#define H DFOTA_DIR_HOST
#define M DFOTA_DIR_MODULE
#define X DFOTA_DIR_HARNESS
#define NONE DFOTA_T_NONE
#define TR DFOTA_FMT_TRANSCRIPT
#define RAW DFOTA_FMT_RAW
#define ST DFOTA_FMT_STAMPED
#define DEV DFOTA_FMT_DEVICE

/* SSCOM's markers: "发→◇" for what it sent, "收←◆" for what it received,
 * and "□" (U+25A1) on the line after a send. */
#define SSCOM_TX "\xe5\x8f\x91\xe2\x86\x92\xe2\x97\x87"
#define SSCOM_RX "\xe6\x94\xb6\xe2\x86\x90\xe2\x97\x86"
#define BOX "\xe2\x96\xa1"

/* The glyphs of the vendor's terminal: U+240D (CR) and U+240A (LF). */
#define CR_G "\xe2\x90\x8d"
#define LF_G "\xe2\x90\x8a"

static const struct {
    const char *name;
    const char *input;
    dfota_format fmt;
    size_t n;
    want_event ev[8];
    unsigned long comments; /* stats.comments */
    const char *port;       /* the "port" header, NULL when absent */
    unsigned told;          /* bit i: event i's direction came from a marker, not a guess */
} read_cases[] = {
    {"transcript",
     "# dfota-transcript 1\n"
     "# module: EG95EFAR02A07M4G\n"
     "# port: usb:2c7c:0195\n"
     "0.000000 > AT+QFOTADL=\"ftp://test:***@124.74.41.170:21/Jun/update-v12-to-v13.zip\"\n"
     "0.041250 < OK\n"
     "48.912004 ! port-lost\n"
     "71.902113456 < +QIND: \"FOTA\",\"START\"\n",
     TR, 4,
     {{H, 0, "AT+QFOTADL=\"ftp://test:***@124.74.41.170:21/Jun/update-v12-to-v13.zip\""},
      {M, 41250 * 1000LL, "OK"},
      {X, 48912004000LL, "port-lost"},
      {M, 71902113456LL, "+QIND: \"FOTA\",\"START\""}},
     0, "usb:2c7c:0195", 0},
    {"transcript with comments, blank lines and CRLF",
     "# dfota-transcript 1\r\n"
     "# port: usb:2c7c:0195\r\n"
     "0.1 < RDY\r\n"
     "\r\n"
     "# a comment after the header\r\n"
     "0.25 < +QIND: \"FOTA\",\"UPDATING\", 37\r\n",
     TR, 2, {{M, 100 * MS, "RDY"}, {M, 250 * MS, "+QIND: \"FOTA\",\"UPDATING\", 37"}}, 0, "usb:2c7c:0195", 0},
    {"transcript with a UTF-8 BOM",
     "\xef\xbb\xbf# dfota-transcript 1\n# port: tty:ttyUSB2\n1.5 < OK\n", TR, 1, {{M, 1500 * MS, "OK"}}, 0,
     "tty:ttyUSB2", 0},
    {"transcript without a final newline",
     "# dfota-transcript 1\n0.5 > AT\n0.6 < OK", TR, 2, {{H, 500 * MS, "AT"}, {M, 600 * MS, "OK"}}, 0, NULL, 0},
    {"raw capture",
     "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"\n"
     "OK\n"
     "+QIND: \"FOTA\",\"HTTPSTART\"\n"
     "+QIND: \"FOTA\",\"HTTPEND\",0\n",
     RAW, 4,
     {{H, NONE, "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\""},
      {M, NONE, "OK"},
      {M, NONE, "+QIND: \"FOTA\",\"HTTPSTART\""},
      {M, NONE, "+QIND: \"FOTA\",\"HTTPEND\",0"}},
     0, NULL, 0},
    {"raw capture, CRLF and blank lines between every line",
     "ATI\r\n\r\nQuectel\r\n\r\nEG95\r\n\r\nOK\r\n\r\nat+qgmr\r\n\r\nEG95EFAR02A07M4G\r\n",
     RAW, 6,
     {{H, NONE, "ATI"}, {M, NONE, "Quectel"}, {M, NONE, "EG95"}, {M, NONE, "OK"}, {H, NONE, "at+qgmr"},
      {M, NONE, "EG95EFAR02A07M4G"}},
     0, NULL, 0},
    {"raw capture, CR only",
     "AT+QFOTADL=\"/data/ufs/update.zip\"\rOK\r+QIND: \"FOTA\",\"START\"\r",
     RAW, 3,
     {{H, NONE, "AT+QFOTADL=\"/data/ufs/update.zip\""}, {M, NONE, "OK"}, {M, NONE, "+QIND: \"FOTA\",\"START\""}},
     0, NULL, 0},
    {"raw capture with a UTF-8 BOM",
     "\xef\xbb\xbf" "AT+QGMR\nEG95EFAR02A07M4G\nOK\n",
     RAW, 3, {{H, NONE, "AT+QGMR"}, {M, NONE, "EG95EFAR02A07M4G"}, {M, NONE, "OK"}}, 0, NULL, 0},
    {"raw capture, echo with CR CR LF",
     "AT+QGMR\r\r\nEG95EFAR02A07M4G\r\n\r\nOK\r\n",
     RAW, 3, {{H, NONE, "AT+QGMR"}, {M, NONE, "EG95EFAR02A07M4G"}, {M, NONE, "OK"}}, 0, NULL, 0},
    {"raw capture, last line unterminated",
     "AT\nOK\n+QIND: \"FOTA\",\"UPD", RAW, 3,
     {{H, NONE, "AT"}, {M, NONE, "OK"}, {M, NONE, "+QIND: \"FOTA\",\"UPD"}}, 0, NULL, 0},
    {"stamped [10:00:00.123]",
     "[10:00:00.123] AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"\n"
     "[10:00:00.456] OK\n"
     "[10:00:01.000] +QIND: \"FOTA\",\"HTTPSTART\"\n"
     "[10:02:03.004] +QIND: \"FOTA\",\"HTTPEND\",0\n",
     ST, 4,
     {{H, 0, "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\""},
      {M, 333 * MS, "OK"},
      {M, 877 * MS, "+QIND: \"FOTA\",\"HTTPSTART\""},
      {M, 122881 * MS, "+QIND: \"FOTA\",\"HTTPEND\",0"}},
     0, NULL, 0},
    {"stamped [16:17:37:700]",
     "[16:17:37:700] ATI\r\n"
     "[16:17:37:710] Quectel\r\n"
     "[16:17:38:005] OK\r\n",
     ST, 3, {{H, 0, "ATI"}, {M, 10 * MS, "Quectel"}, {M, 305 * MS, "OK"}}, 0, NULL, 0},
    {"stamped [2024-01-02 10:00:00.123], across a date",
     "[2024-01-02 10:00:00.123] AT+QFOTADL=\"http://h/f.zip\"\n"
     "[2024-01-02 10:00:00.200] OK\n"
     "[2024-01-03 10:00:00.123] +QIND: \"FOTA\",\"HTTPSTART\"\n",
     ST, 3,
     {{H, 0, "AT+QFOTADL=\"http://h/f.zip\""},
      {M, 77 * MS, "OK"},
      {M, 86400000 * MS, "+QIND: \"FOTA\",\"HTTPSTART\""}},
     0, NULL, 0},
    {"stamped, across midnight without a date",
     "[23:59:59.900] AT+QFOTADL=\"http://h/f.zip\"\n"
     "[00:00:00.100] OK\n"
     "[00:00:01.000] +QIND: \"FOTA\",\"HTTPSTART\"\n",
     ST, 3,
     {{H, 0, "AT+QFOTADL=\"http://h/f.zip\""}, {M, 200 * MS, "OK"}, {M, 1100 * MS, "+QIND: \"FOTA\",\"HTTPSTART\""}},
     0, NULL, 0},
    {"stamped with glyphs, one line holds two AT lines",
     "[16:17:37:700]AT+QGMR" CR_G CR_G LF_G "\n"
     "[16:17:37:710]EG95EFAR02A07M4G" CR_G LF_G CR_G LF_G "OK" CR_G LF_G "\n",
     ST, 3, {{H, 0, "AT+QGMR"}, {M, 10 * MS, "EG95EFAR02A07M4G"}, {M, 10 * MS, "OK"}}, 0, NULL, 0},
    {"stamped with glyphs, a URC cut between two chunks",
     "[16:17:37:700]AT+QGMR" CR_G CR_G LF_G "\n"
     "[16:17:37:710]EG95EFAR02A07M4G" CR_G LF_G CR_G LF_G "OK" CR_G LF_G "\n"
     "[16:17:40:000]+QIND: \"FOTA\",\"UPD\n"
     "[16:17:40:010]ATING\",5" CR_G LF_G "\n",
     ST, 4,
     {{H, 0, "AT+QGMR"}, {M, 10 * MS, "EG95EFAR02A07M4G"}, {M, 10 * MS, "OK"},
      {M, T_ANY, "+QIND: \"FOTA\",\"UPDATING\",5"}},
     0, NULL, 0},
    {"stamped with glyphs, a URC cut after its leading CR LF",
     "[16:17:37:700]AT+QGMR" CR_G CR_G LF_G "\n"
     "[16:17:40:000]" CR_G LF_G "+QIND: \"FOTA\",\"UPD\n"
     "[16:17:40:010]ATING\",5" CR_G LF_G "\n",
     ST, 2, {{H, 0, "AT+QGMR"}, {M, T_ANY, "+QIND: \"FOTA\",\"UPDATING\",5"}}, 0, NULL, 0},
    {"SSCOM: sent and received markers, the box after a send, a block on several lines",
     "[15:37:11.116]" SSCOM_TX "AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     BOX "\n"
     "[15:37:11.141]" SSCOM_RX "AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "\n"
     "OK\n"
     "\n"
     "[15:37:12.000]" SSCOM_RX "\n"
     "+QIND: \"FOTA\",\"START\"\n",
     ST, 4,
     {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""},
      {M, 25 * MS, "AT+QFOTADL=\"/data/ufs/u.zip\""},
      {M, 25 * MS, "OK"},
      {M, 884 * MS, "+QIND: \"FOTA\",\"START\""}},
     0, NULL, 0x3},
    {"SSCOM: a box that is not after a send is the module's",
     "[15:37:11.141]" SSCOM_RX "OK\n" BOX "\n",
     ST, 2, {{M, 0, "OK"}, {M, 0, BOX}}, 0, NULL, 0x1},
    {"Python bytes literals: TX/RX words, escapes, stamps with a comma",
     "2024-01-02 10:00:00,123 DEBUG modem: TX: b'AT+QFOTADL=\"ftp://u:p@h/f.zip\"\\r'\n"
     "2024-01-02 10:00:00,140 DEBUG modem: RX: b'\\r\\nOK\\r\\n\\r\\n+QIND: \"FOTA\",\"FTPSTART\"\\r\\n'\n"
     "2024-01-02 10:00:01,000 DEBUG modem: read(b'\\r\\n+QIND: \"FOTA\",\"FTP\\x45ND\",0\\r\\n')\n",
     ST, 4,
     {{H, 0, "AT+QFOTADL=\"ftp://u:p@h/f.zip\""},
      {M, 17 * MS, "OK"},
      {M, 17 * MS, "+QIND: \"FOTA\",\"FTPSTART\""},
      {M, 877 * MS, "+QIND: \"FOTA\",\"FTPEND\",0"}},
     0, NULL, 0xf},
    {"Python bytes literal with double quotes, no direction word: guessed",
     "b\"AT+QGMR\\r\"\nb\"\\r\\nEG95EFAR02A07M4G\\r\\n\\r\\nOK\\r\\n\"\n",
     RAW, 3, {{H, NONE, "AT+QGMR"}, {M, NONE, "EG95EFAR02A07M4G"}, {M, NONE, "OK"}}, 0, NULL, 0},
    {"not a bytes literal: a quote that closes early is kept as text",
     "AT+QFOTADL=\"b'x'y'\"\nOK\n",
     RAW, 2, {{H, NONE, "AT+QFOTADL=\"b'x'y'\""}, {M, NONE, "OK"}}, 0, NULL, 0},
    {"Arduino serial monitor: '->' before every line is a separator, not a direction",
     "10:00:00.100 -> AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "10:00:00.140 -> OK\n"
     "10:00:01.140 -> +QIND: \"FOTA\",\"START\"\n",
     ST, 3,
     {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, 40 * MS, "OK"}, {M, 1040 * MS, "+QIND: \"FOTA\",\"START\""}},
     0, NULL, 0},
    {"arrows both ways are directions: an echo marked '<-' is the module's",
     "10:00:00.100 -> AT+QGMR\n"
     "10:00:00.120 <- AT+QGMR\n"
     "10:00:00.140 <- OK\n",
     ST, 3, {{H, 0, "AT+QGMR"}, {M, 20 * MS, "AT+QGMR"}, {M, 40 * MS, "OK"}}, 0, NULL, 0x7},
    {"Particle ncp.at trace: ms since boot, > and <, the device's own lines left out",
     "0000117024 [hal] TRACE: Powering modem on\n"
     "0000118180 [ncp.at] TRACE: > AT+QGMR\n"
     "0000118190 [ncp.at] TRACE: < EG91EFAR02A07M4G_01.002.01.002\n"
     "0000118191 [ncp.at] TRACE: < OK\n"
     "0000120000 [app] INFO: OK then\n",
     DEV, 3,
     {{H, 0, "AT+QGMR"}, {M, 10 * MS, "EG91EFAR02A07M4G_01.002.01.002"}, {M, 11 * MS, "OK"}},
     0, NULL, 0x7},
    {"Particle trace: a count of ms too big for a time is kept, its time unknown (no overflow)",
     "0000000001 [ncp.at] TRACE: > AT+QGMR\n"
     "999999999999999 [ncp.at] TRACE: < OK\n"
     "    17104888888.5 AT read  OK    6 \"\\r\\nOK\\r\\n\"\n"
     "00000000000000000000012 [ncp.at] TRACE: < ERROR\n",
     DEV, 4,
     {{H, 0, "AT+QGMR"}, {M, 0, "OK"}, {M, 0, "OK"}, {M, 11 * MS, "ERROR"}},
     0, NULL, 0xf},
    /* fuzz_output found it: the line without the prefix lost "AT+QFOTADL=\"ftp://fuzz:" as
     * two fields, and its password was shown out of any URL (no redactor could hide it) */
    {"a line without the learnt prefix that starts with AT text keeps it all",
     "INFO:modem:AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "INFO:modem:OK\n"
     "AT+QFOTADL=\"ftp://fuzz:Pw7@10.0.0.1:21/pkg/u.zip\"\n"
     "INFO:modem:+QIND: \"FOTA\",\"START\"\n"
     "+QIND: \"FOTA\",\"ftp://u:Pw8@h/f.zip\"\n",
     RAW, 5,
     {{H, NONE, "AT+QFOTADL=\"/data/ufs/u.zip\""}, {M, NONE, "OK"},
      {H, NONE, "AT+QFOTADL=\"ftp://fuzz:Pw7@10.0.0.1:21/pkg/u.zip\""},
      {M, NONE, "+QIND: \"FOTA\",\"START\""}, {M, NONE, "+QIND: \"FOTA\",\"ftp://u:Pw8@h/f.zip\""}},
     0, NULL, 0},
    /* fuzz_output found it too: a garbled line whose "fields" ran to "ftp:" left
     * "//fuzz:PASSWORD@..." behind, taken for a person's note and quoted in a NOTE */
    {"a field never ends at a URL's scheme://",
     "Jan  2 10:00:00 gw fotad[812]: AT+QFOTADL=\"/data/ufs/u.zip\"\n"
     "Jan  2 10:00:01 gw fotad[81AT+QFOTADL=\"ftp://fuzz:Pw7@10.0.0.1:21/pkg/u.zip\"\n"
     "2]: OK\n",
     ST, 3,
     {{H, 0, "AT+QFOTADL=\"/data/ufs/u.zip\""},
      {M, 1000 * MS, "fotad[81AT+QFOTADL=\"ftp://fuzz:Pw7@10.0.0.1:21/pkg/u.zip\""},
      {M, 1000 * MS, "2]: OK"}},
     0, NULL, 0},
    {"Particle AT send/read trace: secs since boot, the bytes as a C literal",
     "    20.853 AT send      11 \"AT+QGMR\\r\\n\"\n"
     "    20.858 AT read  +    26 \"\\r\\n+QIND: \\\"FOTA\\\",\\\"END\\\",0\\r\\n\"\n",
     DEV, 2, {{H, 0, "AT+QGMR"}, {M, 5 * MS, "+QIND: \"FOTA\",\"END\",0"}}, 0, NULL, 0x3},
    {"trailing comments removed",
     "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"   // send the command\n"
     "OK\t// accepted\n"
     "+QIND: \"FOTA\",\"HTTPEND\",0           //Finish downloading the delta package from the HTTP server.\n",
     RAW, 3,
     {{H, NONE, "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\""},
      {M, NONE, "OK"},
      {M, NONE, "+QIND: \"FOTA\",\"HTTPEND\",0"}},
     3, NULL, 0},
    {"comment lines removed",
     "//Upgrade firmware when delta firmware package is stored on an FTP server.\n"
     "AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"\n"
     "OK\n",
     RAW, 2,
     {{H, NONE, "AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\""}, {M, NONE, "OK"}},
     1, NULL, 0},
    {"// inside a quoted URL kept",
     "AT+QFOTADL=\"http://h/dir //x.zip\"\n"
     "AT+QFOTADL=\"ftp://u:p@h//f.zip\"\n"
     "OK\n",
     RAW, 3,
     {{H, NONE, "AT+QFOTADL=\"http://h/dir //x.zip\""}, {H, NONE, "AT+QFOTADL=\"ftp://u:p@h//f.zip\""},
      {M, NONE, "OK"}},
     0, NULL, 0},
    {"stamped with a comment",
     "[10:00:00.000] AT+QFOTADL=\"http://h/f.zip\" // go\n"
     "[10:00:00.050] OK\n",
     ST, 2, {{H, 0, "AT+QFOTADL=\"http://h/f.zip\""}, {M, 50 * MS, "OK"}}, 1, NULL, 0},
};

static int event_matches(const read_result *res, size_t i, const want_event *w)
{
    size_t wl = strlen(w->text);
    return res->ev[i].dir == w->dir && (w->t == T_ANY || res->ev[i].t == w->t) && res->ev[i].len == wl &&
           memcmp(res->ev[i].text, w->text, wl) == 0;
}

static void test_read_table(void)
{
    for (size_t c = 0; c < sizeof read_cases / sizeof read_cases[0]; c++) {
        read_result *res = read_all(read_cases[c].input, strlen(read_cases[c].input), "case.log");
        int ok = res->rc == 0 && res->fmt == read_cases[c].fmt && res->n == read_cases[c].n;
        for (size_t i = 0; ok && i < res->n; i++) {
            ok = event_matches(res, i, &read_cases[c].ev[i]);
            /* Directions of a capture are guessed, and say so, unless a
             * marker on the line said who sent it. */
            if (read_cases[c].fmt != TR)
                ok = ok && !(res->ev[i].flags & DFOTA_EV_GUESSED_DIR) == !!(read_cases[c].told & 1u << i);
            else
                ok = ok && res->ev[i].flags == 0;
        }
        ok = ok && res->stats.comments == read_cases[c].comments;
        if (read_cases[c].port)
            ok = ok && strcmp(res->port, read_cases[c].port) == 0;
        CU_ASSERT(ok);
        if (!ok) {
            print_result(read_cases[c].name, res);
            printf("    comments %lu (want %lu), port '%s'\n", res->stats.comments, read_cases[c].comments,
                   res->port);
        }
        free(res);
    }
}

static void test_transcript_lines_and_meta(void)
{
    static const char in[] =
        "# dfota-transcript 1\n"
        "# port: usb:2c7c:0195\n"
        "# module: EG95EFAR02A07M4G\n"
        "# x-unknown-key: kept\n"
        "0.000000 > AT+QFOTADL=?\n"
        "\n"
        "0.010000 < OK\n";
    FILE *f = open_mem(in, sizeof in - 1);
    dfota_reader *r = dfota_reader_new(f, "meta.transcript");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    dfota_event e;
    char err[DFOTA_ERRBUF];
    CU_ASSERT_EQUAL_FATAL(dfota_reader_next(r, &e, err, sizeof err), 1);
    CU_ASSERT_EQUAL(e.line, 5);
    CU_ASSERT_EQUAL(dfota_reader_format(r), DFOTA_FMT_TRANSCRIPT);
    const char *v = dfota_reader_meta(r, "port");
    CU_ASSERT(v && strcmp(v, "usb:2c7c:0195") == 0);
    v = dfota_reader_meta(r, "module");
    CU_ASSERT(v && strcmp(v, "EG95EFAR02A07M4G") == 0);
    v = dfota_reader_meta(r, "x-unknown-key");
    CU_ASSERT(v && strcmp(v, "kept") == 0);
    CU_ASSERT_PTR_NULL(dfota_reader_meta(r, "redacted"));
    CU_ASSERT_EQUAL_FATAL(dfota_reader_next(r, &e, err, sizeof err), 1);
    CU_ASSERT_EQUAL(e.line, 7);
    CU_ASSERT_EQUAL(e.len, 2);
    CU_ASSERT_EQUAL(dfota_reader_next(r, &e, err, sizeof err), 0);
    CU_ASSERT_EQUAL(dfota_reader_next(r, &e, err, sizeof err), 0); /* the end stays the end */
    dfota_reader_free(r);
    dfota_reader_free(NULL);
    fclose(f);
}

static void test_capture_stats(void)
{
    static const char in[] =
        "[16:17:37:700]AT+QGMR" CR_G CR_G LF_G "\n"
        "[16:17:37:710]EG95EFAR02A07M4G" CR_G LF_G CR_G LF_G "OK" CR_G LF_G "   // the version\n"
        "[16:17:37:720]AT+QFOTADL=\"http://h/f.zip\"" CR_G CR_G LF_G "\n";
    read_result *res = read_all(in, sizeof in - 1, "glyphs.log");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_EQUAL(res->fmt, DFOTA_FMT_STAMPED);
    CU_ASSERT_EQUAL(res->n, 4);
    CU_ASSERT_EQUAL(res->stats.glyphs, 3 + 6 + 3);
    CU_ASSERT_EQUAL(res->stats.comments, 1);
    CU_ASSERT_EQUAL(res->stats.first_comment_line, 2);
    /* Events carry the line of the file they came from. */
    static const unsigned long lines[] = {1, 2, 2, 3};
    for (size_t i = 0; i < res->n && i < 4; i++)
        CU_ASSERT_EQUAL(res->ev[i].line, lines[i]);
    if (res->n != 4 || res->stats.glyphs != 12)
        print_result("glyph stats", res);
    free(res);
}

static void test_long_lines(void)
{
    /* A physical line of exactly DFOTA_READ_LINE_MAX bytes is read; in a
     * capture it becomes an overlong AT line cut to DFOTA_AT_LINE_MAX. */
    size_t n = 3 + DFOTA_READ_LINE_MAX + 4;
    char *in = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    memcpy(in, "AT\n", 3);
    memset(in + 3, 'x', DFOTA_READ_LINE_MAX);
    memcpy(in + 3 + DFOTA_READ_LINE_MAX, "\nOK\n", 4);
    in[n] = '\0';
    read_result *res = read_all(in, n, "long.log");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_EQUAL_FATAL(res->n, 3);
    CU_ASSERT_EQUAL(res->ev[1].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(res->ev[1].full, DFOTA_READ_LINE_MAX);
    CU_ASSERT(res->ev[1].flags & DFOTA_EV_OVERLONG);
    CU_ASSERT_EQUAL(res->ev[1].line, 2);
    CU_ASSERT_STRING_EQUAL(res->ev[2].text, "OK");
    free(res);
    free(in);

    /* A transcript payload of exactly DFOTA_AT_LINE_MAX bytes, plain and escaped. */
    static const char head[] = "# dfota-transcript 1\n0.0 < ";
    n = sizeof head - 1 + 4 * DFOTA_AT_LINE_MAX + 1;
    in = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    memcpy(in, head, sizeof head - 1);
    for (size_t i = 0; i < DFOTA_AT_LINE_MAX; i++)
        memcpy(in + sizeof head - 1 + 4 * i, "\\x41", 4);
    in[n - 1] = '\n';
    res = read_all(in, n, "max.transcript");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_EQUAL_FATAL(res->n, 1);
    CU_ASSERT_EQUAL(res->ev[0].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(strspn(res->ev[0].text, "A"), DFOTA_AT_LINE_MAX);
    free(res);
    free(in);
}

/* ---- errors ------------------------------------------------------------- */

typedef struct {
    const char *name;
    char *input;
    size_t len;
    int rc;               /* the error; 0: any error */
    size_t events;        /* events read before it */
    unsigned long line;   /* the line the message names; 0: any line */
} error_case;

static char *text(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    memcpy(d, s, n + 1);
    return d;
}

/* head, then c n times, then tail. */
static char *padded(const char *head, char c, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *d = malloc(hl + n + tl + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    memcpy(d, head, hl);
    memset(d + hl, c, n);
    memcpy(d + hl + n, tail, tl + 1);
    *len = hl + n + tl;
    return d;
}

static char *garbage(size_t n)
{
    char *d = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d[i] = (char)(x & 0xff);
    }
    return d;
}

/* The message is "NAME:LINE: text": the file's name, a line number, a reason. */
static int names_place(const char *err, const char *name, unsigned long line)
{
    size_t nl = strlen(name);
    if (strncmp(err, name, nl) != 0 || err[nl] != ':')
        return 0;
    const char *p = err + nl + 1;
    unsigned long v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (!digits || *p != ':' || p[1] == '\0')
        return 0;
    return line == 0 || v == line;
}

static void test_errors(void)
{
    error_case c[32];
    size_t n = 0, len;
    c[n++] = (error_case){"empty file", text(""), 0, DFOTA_E_INPUT, 0, 0};
    c[n++] = (error_case){"binary garbage", garbage(4096), 4096, DFOTA_E_INPUT, 0, 0};
    c[n++] = (error_case){"text with no AT content",
                          text("Dear diary,\ntoday I flashed nothing at all.\nThe weather was fine.\n"), 0,
                          DFOTA_E_INPUT, 0, 0};
    c[n++] = (error_case){"transcript with a bad event line",
                          text("# dfota-transcript 1\n# port: usb:2c7c:0195\n0.1 < OK\nthis is not an event\n"
                               "0.2 < OK\n"),
                          0, DFOTA_E_INPUT, 1, 4};
    c[n++] = (error_case){"transcript with a bad direction",
                          text("# dfota-transcript 1\n0.1 < OK\n0.2 ? OK\n"), 0, DFOTA_E_INPUT, 1, 3};
    c[n++] = (error_case){"transcript event without a blank after the time",
                          text("# dfota-transcript 1\n0.1<OK\n"), 0, DFOTA_E_INPUT, 0, 2};
    c[n++] = (error_case){"transcript with a payload glued to the direction",
                          text("# dfota-transcript 1\n0.1 <OK\n"), 0, DFOTA_E_INPUT, 0, 2};
    c[n++] = (error_case){"transcript with a time of 10 fractional digits",
                          text("# dfota-transcript 1\n0.1234567890 < OK\n"), 0, DFOTA_E_INPUT, 0, 2};
    c[n++] = (error_case){"transcript with a negative time",
                          text("# dfota-transcript 1\n-1.0 < OK\n"), 0, DFOTA_E_INPUT, 0, 2};
    c[n++] = (error_case){"time going backwards",
                          text("# dfota-transcript 1\n2.000000 < +QIND: \"FOTA\",\"UPDATING\",1\n"
                               "1.500000 < +QIND: \"FOTA\",\"UPDATING\",2\n"),
                          0, DFOTA_E_INPUT, 1, 3};
    c[n] = (error_case){"payload over DFOTA_AT_LINE_MAX",
                        padded("# dfota-transcript 1\n0.0 < OK\n0.1 < ", 'A', DFOTA_AT_LINE_MAX + 1, "\n", &len),
                        0, DFOTA_E_TOO_BIG, 1, 3};
    c[n++].len = len;
    c[n] = (error_case){"physical line over DFOTA_READ_LINE_MAX in a capture",
                        padded("AT\nOK\n", 'x', DFOTA_READ_LINE_MAX + 1, "\nOK\n", &len), 0, DFOTA_E_TOO_BIG,
                        2, 3};
    c[n++].len = len;
    c[n] = (error_case){"physical line over DFOTA_READ_LINE_MAX in a transcript",
                        padded("# dfota-transcript 1\n0.0 < ", 'x', DFOTA_READ_LINE_MAX + 1, "\n", &len), 0,
                        DFOTA_E_TOO_BIG, 0, 2};
    c[n++].len = len;
    c[n++] = (error_case){"unsupported transcript version",
                          text("# dfota-transcript 2\n0.0 < OK\n"), 0, DFOTA_E_INPUT, 0, 1};
    c[n++] = (error_case){"transcript version 10",
                          text("# dfota-transcript 10\n0.0 < OK\n"), 0, DFOTA_E_INPUT, 0, 1};

    for (size_t i = 0; i < n; i++) {
        size_t l = c[i].len ? c[i].len : strlen(c[i].input);
        read_result *res = read_all(c[i].input, l, "bad.log");
        int ok = (c[i].rc ? res->rc == c[i].rc : res->rc < 0) && res->n == c[i].events && names_place(res->err, "bad.log", c[i].line);
        CU_ASSERT(ok);
        if (!ok) {
            print_result(c[i].name, res);
            printf("    want rc %d after %zu events, message naming bad.log:%lu\n", c[i].rc, c[i].events,
                   c[i].line);
        }
        free(res);
        free(c[i].input);
    }
}

/* A transcript's time, every count of digits each side of the point, on
 * lines long and short (the reader reads 8 digits at once where the line
 * has 8 bytes left): the nanoseconds as written, or the line refused. */
static void test_transcript_times(void)
{
    static const struct {
        const char *time, *rest;
        long long ns; /* -1: the line is refused */
    } t[] = {
        {"0", " < OK", 0LL},
        {"7", " < +QIND: \"FOTA\",\"START\"", 7000000000LL},
        {"12", " < OK", 12000000000LL},
        {"1234567", " < +QIND: \"FOTA\",\"START\"", 1234567000000000LL},
        {"12345678", " < +QIND: \"FOTA\",\"START\"", 12345678000000000LL},
        {"123456789", " < OK", 123456789000000000LL},
        {"000123456789", " < +QIND: \"FOTA\",\"START\"", 123456789000000000LL},
        {"0001234567890", " < +QIND: \"FOTA\",\"START\"", -1},
        {"0.5", " < OK", 500000000LL},
        {"0.5", " < +QIND: \"FOTA\",\"START\"", 500000000LL},
        {"3.000001", " < +QIND: \"FOTA\",\"START\"", 3000001000LL},
        {"3.1234567", " < +QIND: \"FOTA\",\"START\"", 3123456700LL},
        {"3.12345678", " < +QIND: \"FOTA\",\"START\"", 3123456780LL},
        {"3.123456789", " < +QIND: \"FOTA\",\"START\"", 3123456789LL},
        {"3.123456789", " < OK", 3123456789LL},
        {"3.1234567891", " < +QIND: \"FOTA\",\"START\"", -1},
        {"3.", " < +QIND: \"FOTA\",\"START\"", -1},
        {"3.x", " < +QIND: \"FOTA\",\"START\"", -1},
        {"00000099.09900000", " < +QIND: \"FOTA\",\"START\"", 99099000000LL},
        {"117420.123456", " < +QIND: \"FOTA\",\"UPDATING\",3", 117420123456000LL},
        {"9/", " < +QIND: \"FOTA\",\"START\"", -1},
        {":1.0", " < +QIND: \"FOTA\",\"START\"", -1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char in[256];
        int n = snprintf(in, sizeof in, "# dfota-transcript 1\n%s%s\n", t[i].time, t[i].rest);
        read_result *res = read_all(in, (size_t)n, "times.transcript");
        int ok = t[i].ns < 0 ? res->rc < 0 && res->n == 0 && names_place(res->err, "times.transcript", 2)
                             : res->rc == 0 && res->n == 1 && res->ev[0].t == t[i].ns;
        CU_ASSERT(ok);
        if (!ok) {
            print_result(t[i].time, res);
            printf("    want %lld\n", t[i].ns);
        }
        free(res);
    }
}

/* Kept apart and run last: today it overflows a signed multiplication,
 * which the sanitizer build stops at. */
static void test_time_too_big(void)
{
    static const char *const in[] = {
        "# dfota-transcript 1\n999999999999.0 < OK\n",
        "# dfota-transcript 1\n10000000000.0 < OK\n",
        "# dfota-transcript 1\n9223372036.854775808 < OK\n",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        read_result *res = read_all(in[i], strlen(in[i]), "big.transcript");
        /* A time that nanoseconds in 64 bits cannot hold is an input error
         * on its line, never a wrapped time. */
        int ok = res->rc < 0 && res->n == 0 && names_place(res->err, "big.transcript", 2);
        CU_ASSERT(ok);
        if (!ok)
            print_result(in[i], res);
        free(res);
    }
    /* The largest time that fits is read exactly. */
    static const char fits[] = "# dfota-transcript 1\n9223372036.854775807 < OK\n";
    read_result *res = read_all(fits, sizeof fits - 1, "big.transcript");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_EQUAL(res->n, 1);
    if (res->n == 1)
        CU_ASSERT_EQUAL(res->ev[0].t, INT64_MAX);
    free(res);
}

/* Inputs put together from the pieces real captures are made of: whatever
 * the mix, the reader keeps its contract or stops with a placed error. */
/* A device-log line whose count since boot is out of range is kept, not
 * read as text of another format: its time is unknown (the line before's
 * is used), and the lines are counted for a NOTE. */
static void test_device_time_unknown(void)
{
    static const char in[] = "0000000001 [ncp.at] TRACE: > AT+QFOTADL=\"/data/ufs/u.zip\"\n"
                             "0000000041 [ncp.at] TRACE: < OK\n"
                             "999999999999999 [ncp.at] TRACE: < +QIND: \"FOTA\",\"START\"\n"
                             "    99999999999.5 AT read  +   26 \"\\r\\n+QIND: \\\"FOTA\\\",\\\"END\\\",0\\r\\n\"\n"
                             "0000009041 [ncp.at] TRACE: < OK\n";
    read_result *res = read_all(in, sizeof in - 1, "device.log");
    print_result("device times out of range", res);
    CU_ASSERT_EQUAL(res->fmt, DFOTA_FMT_DEVICE);
    CU_ASSERT_EQUAL_FATAL(res->n, 5);
    CU_ASSERT_STRING_EQUAL(res->ev[2].text, "+QIND: \"FOTA\",\"START\"");
    CU_ASSERT_EQUAL(res->ev[2].dir, M);
    CU_ASSERT_EQUAL(res->ev[2].t, 40 * MS); /* unknown: the time before */
    CU_ASSERT_STRING_EQUAL(res->ev[3].text, "+QIND: \"FOTA\",\"END\",0");
    CU_ASSERT_EQUAL(res->ev[3].t, 40 * MS);
    CU_ASSERT_EQUAL(res->ev[4].t, 9040 * MS);
    CU_ASSERT_EQUAL(res->stats.unknown_times, 2);
    CU_ASSERT_EQUAL(res->stats.first_unknown_time_line, 3);
    free(res);
}

static void test_random_captures(void)
{
    static const char *const piece[] = {
        "[10:00:00.123] ", "[16:17:37:700]", "[2024-01-02 23:59:59.999] ", "[00:00:00.001] ",
        "AT+QGMR", "AT+QFOTADL=\"http://h/f.zip\"", "OK", "+QIND: \"FOTA\",\"UPD", "ATING\",5",
        CR_G, LF_G, "\xe2\x90", "\xe2", "\r", "\n", "\r\n", "\"", "//", " ", "   // note", "\t",
        "# dfota-transcript 1\n", "0.1 < ", "\\x4", "#", "\xef\xbb\xbf", "RDY", "\x80",
    };
    enum { PIECES = sizeof piece / sizeof piece[0], ROUNDS = 400 };
    uint64_t x = 0x853C49E6748FEA9BULL;
    char *buf = malloc(8192);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    for (int round = 0; round < ROUNDS; round++) {
        size_t len = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t count = (size_t)(x % 200);
        for (size_t k = 0; k < count; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const char *p = piece[x % PIECES];
            size_t pl = strlen(p);
            if (len + pl >= 8192)
                break;
            memcpy(buf + len, p, pl);
            len += pl;
        }
        FILE *f = open_mem(buf, len);
        dfota_reader *r = dfota_reader_new(f, "rand.log");
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        dfota_event e;
        char err[DFOTA_ERRBUF] = "";
        int rc;
        int64_t last = INT64_MIN;
        size_t events = 0;
        int ok = 1;
        while ((rc = dfota_reader_next(r, &e, err, sizeof err)) == 1 && events < 100000) {
            events++;
            ok = ok && e.len <= DFOTA_AT_LINE_MAX && e.full_len >= e.len && e.data[e.len] == '\0' &&
                 (e.dir == DFOTA_DIR_HOST || e.dir == DFOTA_DIR_MODULE || e.dir == DFOTA_DIR_HARNESS);
            if (e.t_ns != DFOTA_T_NONE) {
                ok = ok && e.t_ns >= 0 && e.t_ns >= last;
                last = e.t_ns;
            }
        }
        ok = ok && rc <= 0;
        if (rc < 0)
            ok = ok && names_place(err, "rand.log", 0);
        CU_ASSERT(ok);
        if (!ok) {
            printf("\n  round %d: rc %d, err '%s', %zu events, last t %lld\n", round, rc, err, events,
                   (long long)last);
            dfota_reader_free(r);
            fclose(f);
            break;
        }
        dfota_reader_free(r);
        fclose(f);
    }
    free(buf);
}

static void test_format_names(void)
{
    static const dfota_format all[] = {DFOTA_FMT_AUTO, DFOTA_FMT_TRANSCRIPT, DFOTA_FMT_RAW, DFOTA_FMT_STAMPED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *a = dfota_format_name(all[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        for (size_t j = 0; j < i; j++)
            CU_ASSERT(strcmp(a, dfota_format_name(all[j])) != 0);
    }
}

/* Every field of an event is set, whatever the caller's struct held:
 * late_ns left as stack garbage made timing rules INCOMPLETE at random. */
static void test_events_whole(void)
{
    static const char *const in[] = {"# dfota-transcript 1\n0.000000 > AT\n0.010000 < OK\n",
                                     "AT\r\nOK\r\n", "[10:00:00.000] AT\n[10:00:00.010] OK\n"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        FILE *f = open_mem(in[i], strlen(in[i]));
        dfota_reader *r = dfota_reader_new(f, "whole.log");
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        dfota_event e;
        char err[DFOTA_ERRBUF];
        int n = 0;
        memset(&e, 0xA5, sizeof e);
        while (dfota_reader_next(r, &e, err, sizeof err) == 1) {
            CU_ASSERT_EQUAL(e.late_ns, 0);
            n++;
            memset(&e, 0xA5, sizeof e);
        }
        CU_ASSERT_EQUAL(n, 2);
        dfota_reader_free(r);
        fclose(f);
    }
}

/* Which files with no extension a folder scan reads (dfota_log_sniff):
 * text or UTF-16 text as a module's log is, not a README nor a firmware
 * image that lies beside the captures. */
static void test_log_sniff(void)
{
    /* text that holds something a module or a host says */
    static const char *const logs[] = {"AT+QFOTADL=\"ftp://h/p.zip\"\r\nOK\r\n",
                                       "[10:00:00.000] +QIND: \"FOTA\",\"START\"\n",
                                       "at+qgmr\n", "ERROR\n", "RDY\n", "+CME ERROR: 4\n"};
    /* text that does not */
    static const char *const texts[] = {"shopping list\nmilk\n", "#!/bin/sh\necho hello\n", ""};
    /* bytes that are not text: UTF-16 is a log on its byte order mark alone */
    static const struct {
        const char *bytes;
        size_t len;
        int log;
    } other[] = {
        {"\xff\xfe" "A\0T\0\r\0\n\0", 10, 1},
        {"\xfe\xff" "\0A\0T\0\r\0\n", 10, 1},
        {"A\0T\0\r\0\n\0O\0K\0\r\0\n\0", 16, 0}, /* UTF-16LE without its mark */
        {"AT\r\nOK\0\r\n", 9, 0},                      /* a NUL among AT text */
        {"AT\x01\x02OK\x03\x04\r\n123456789012", 22, 0}, /* control bytes: 4 in 22 */
        {"\x7f" "ELF\x02\x01\x01\0\0\0AT", 12, 0},     /* an ELF executable */
    };
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++)
        CU_ASSERT_EQUAL(dfota_log_sniff(logs[i], strlen(logs[i])), 1);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        CU_ASSERT_EQUAL(dfota_log_sniff(texts[i], strlen(texts[i])), 0);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        if (dfota_log_sniff(other[i].bytes, other[i].len) != other[i].log)
            fprintf(stderr, "\nother[%zu]: want %d\n", i, other[i].log);
        CU_ASSERT_EQUAL(dfota_log_sniff(other[i].bytes, other[i].len), other[i].log);
    }
}

/* ---- a reader kept for many files, and block boundaries ----------------- */

/* Logs of every kind, each leaving a reader in another state: UTF-16 of
 * both orders, a line cut at the end, a header, an input error, a CR-only
 * capture, glyphs and a note, a BOM. */
static const struct {
    const char *bytes;
    size_t len;
} mixed_logs[] = {
#define IN(s) {s, sizeof s - 1}
    IN("\xff\xfe" "A\0T\0\r\0\n\0O\0K\0\r\0\n\0"),
    IN("AT+QFOTADL=\"HTTP://h/f.zip\"\r\nOK\r\n+QIND: \"FOTA\",\"UPDA"),
    IN("# dfota-transcript 1\n# port: usb:2c7c:0195\n1.0 > AT\n1.5 < OK\n"),
    IN("[10:00:00.100] AT\xe2\x90\x8d\xe2\x90\x8a\n[10:00:00.200] OK // a note\n"),
    IN("# dfota-transcript 1\n2.0 > AT\n1.0 < OK\n"),
    IN("AT\rOK\r+QIND: \"FOTA\",\"START\"\r"),
    IN("[10:00:00.100] AT\xe2\x90\x8d\xe2\x90\x8a\n[10:00:00.200] OK // a note\n"),
    IN("\xef\xbb\xbf" "ATI\r\nQuectel\r\n"),
    IN("\xfe\xff" "\0A\0T\0\r\0\n\0O\0K\0\r\0\n"),
#undef IN
};

/* One reader reset for each file reads every file as a new reader does,
 * whatever the file before left in it: a UTF-16 file, a line cut at the
 * end, a header, an input error, a file left after two events. */
static void test_reset_reads_as_new(void)
{
    size_t n = sizeof mixed_logs / sizeof mixed_logs[0];
    dfota_reader *kept = dfota_reader_new(NULL, "unused");
    CU_ASSERT_PTR_NOT_NULL_FATAL(kept);
    for (size_t i = 0; i < n; i++) {
        read_result *fresh = read_all(mixed_logs[i].bytes, mixed_logs[i].len, "f.log");
        read_result *again = read_with(kept, mixed_logs[i].bytes, mixed_logs[i].len, "f.log");
        if (memcmp(fresh, again, sizeof *fresh) != 0) {
            print_result("new", fresh);
            print_result("reset", again);
        }
        CU_ASSERT(memcmp(fresh, again, sizeof *fresh) == 0);
        CU_ASSERT(fresh->n > 0 || fresh->rc < 0);
        free(fresh);
        free(again);
        /* leave the reader in the middle of the next file */
        FILE *f = open_mem(mixed_logs[(i + 1) % n].bytes, mixed_logs[(i + 1) % n].len);
        dfota_reader_reset(kept, f, "half.log");
        dfota_event e;
        char err[DFOTA_ERRBUF];
        for (int k = 0; k < 2 && dfota_reader_next(kept, &e, err, sizeof err) == 1; k++)
            ;
        fclose(f);
    }
    /* A file cut by an error while the framer held half a line (a terminal
     * that timestamps chunks): the next file does not start with that half. */
    static const char head[] = "[10:00:00.100] AT\xe2\x90\x8d\xe2\x90\x8a\n"
                               "[10:00:00.200] +QIND: \"FO\n";
    size_t hl = sizeof head - 1, bl = hl + DFOTA_READ_LINE_MAX + 10;
    char *cut = malloc(bl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    memcpy(cut, head, hl);
    memset(cut + hl, 'x', bl - hl - 1);
    cut[bl - 1] = '\n';
    read_result *broken = read_with(kept, cut, bl, "cut.log");
    CU_ASSERT_EQUAL(broken->rc, DFOTA_E_TOO_BIG);
    static const char next[] = "ATI\r\nOK\r\n";
    read_result *fresh = read_all(next, sizeof next - 1, "next.log");
    read_result *again = read_with(kept, next, sizeof next - 1, "next.log");
    CU_ASSERT_STRING_EQUAL(again->ev[0].text, "ATI");
    CU_ASSERT(memcmp(fresh, again, sizeof *fresh) == 0);
    free(broken);
    free(fresh);
    free(again);
    free(cut);
    dfota_reader_free(kept);
}

/* A log of lines "<i> > AT+N<i>" (a transcript) or "AT+N<i>\r\n" (raw),
 * padded with comment bytes at the start so that line number cut_line
 * starts at offset at - before. Returns the malloc'd bytes, *len set. */
static char *lines_around(int transcript, size_t at, size_t before, unsigned total, size_t *len)
{
    size_t cap = at + 64 * (size_t)total + 4096;
    char *b = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t o = 0;
    if (transcript)
        o += (size_t)sprintf(b, "%s\n", DFOTA_TRANSCRIPT_MAGIC);
    else
        o += (size_t)sprintf(b, "ATI\r\n");
    /* pad with lines of a comment up to at - before */
    const char *mark = transcript ? "# " : "// ";
    size_t ml = strlen(mark), end = transcript ? 2 : 2; /* "\n" or "\r\n" counts below */
    (void)end;
    while (o < at - before) {
        size_t room = at - before - o;
        size_t term = transcript ? 1 : 2;
        if (room < ml + term + 1) {
            /* too little room for a comment line: widen the previous one */
            memmove(b + o - term + room, b + o - term, term);
            memset(b + o - term, 'x', room);
            o += room;
            break;
        }
        size_t body = room - ml - term;
        if (body > 1000)
            body = 1000;
        memcpy(b + o, mark, ml);
        memset(b + o + ml, 'x', body);
        o += ml + body;
        if (!transcript)
            b[o++] = '\r';
        b[o++] = '\n';
    }
    CU_ASSERT_EQUAL_FATAL(o, at - before);
    for (unsigned i = 0; i < total; i++)
        o += (size_t)(transcript ? sprintf(b + o, "%u > AT+N%u\n", i, i)
                                 : sprintf(b + o, "AT+N%u\r\n", i));
    *len = o;
    return b;
}

/* Reads the events of data; checks there are total of them, "AT+N<i>" in
 * order, each on its own line, and no error. */
static void expect_numbered(const char *data, size_t len, unsigned total, const char *what)
{
    FILE *f = open_mem(data, len);
    dfota_reader *r = dfota_reader_new(f, what);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    dfota_event e;
    char err[DFOTA_ERRBUF] = "", want[32];
    int rc;
    unsigned i = 0, bad = 0;
    unsigned long last_line = 0;
    while ((rc = dfota_reader_next(r, &e, err, sizeof err)) == 1) {
        if (e.len >= 2 && e.data[0] == 'A' && e.data[1] == 'T' && e.data[2] == 'I')
            continue; /* the raw log's first line */
        snprintf(want, sizeof want, "AT+N%u", i);
        if (strlen(want) != e.len || memcmp(want, e.data, e.len) != 0 || e.line <= last_line) {
            if (!bad++)
                fprintf(stderr, "\n%s: event %u is '%.*s' on line %lu\n", what, i, (int)e.len,
                        e.data, e.line);
        }
        last_line = e.line;
        i++;
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(i, total);
    CU_ASSERT_EQUAL(bad, 0);
    dfota_reader_free(r);
    fclose(f);
}

#define BLK (256 * 1024) /* the reader's block, as reader.h has it */

/* Lines cut by the block's end at every offset near it, in a transcript
 * and in a raw capture, whose CR may be the block's last byte and its LF
 * the next block's first. */
static void test_block_boundaries(void)
{
    for (int tr = 0; tr <= 1; tr++)
        for (size_t before = 0; before <= 12; before++) {
            size_t len;
            char *b = lines_around(tr, BLK, before, 40, &len);
            char what[64];
            snprintf(what, sizeof what, "%s cut %zu before", tr ? "transcript" : "raw", before);
            expect_numbered(b, len, 40, what);
            free(b);
        }
    /* a second block boundary, after a long line that is not cut */
    size_t len;
    char *b = lines_around(0, 2 * BLK, 5, 40, &len);
    expect_numbered(b, len, 40, "raw at the second block");
    free(b);
}

/* A line longer than the block (and than DFOTA_READ_LINE_MAX) is an input
 * error at its line, never a crash; one just under the limit across the
 * block's end is read. NUL bytes in a line are kept as bytes. */
static void test_long_and_nul_lines(void)
{
    size_t n = BLK + 1000;
    char *b = malloc(n + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t o = (size_t)sprintf(b, "AT\r\nOK\r\n");
    memset(b + o, 'A', n - o);
    memcpy(b + n, "\r\nOK\r\n", 6);
    read_result *res = read_all(b, n + 6, "long.log");
    CU_ASSERT_EQUAL(res->rc, DFOTA_E_TOO_BIG);
    CU_ASSERT(strstr(res->err, "long.log:3:") != NULL);
    free(res);
    free(b);

    /* DFOTA_READ_LINE_MAX bytes with its CR, from 100 bytes before the block's end */
    size_t at = BLK - 100;
    b = malloc(at + DFOTA_READ_LINE_MAX + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t len;
    char *pad = lines_around(0, at, 0, 0, &len);
    memcpy(b, pad, len);
    free(pad);
    memcpy(b + len, "+QIND: ", 7);
    memset(b + len + 7, 'x', DFOTA_READ_LINE_MAX - 8);
    len += DFOTA_READ_LINE_MAX - 1;
    memcpy(b + len, "\r\nOK\r\n", 6);
    res = read_all(b, len + 6, "edge.log");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_FATAL(res->n >= 2);
    CU_ASSERT_EQUAL(res->ev[res->n - 2].full, DFOTA_READ_LINE_MAX - 1);
    CU_ASSERT(res->ev[res->n - 2].flags & DFOTA_EV_OVERLONG);
    CU_ASSERT_STRING_EQUAL(res->ev[res->n - 1].text, "OK");
    free(res);
    free(b);

    /* one NUL in more than 20 bytes: text still (the sniffer's measure) */
    static const char nul[] = "AT\r\nOK\0x\r\nERROR\r\n+CREG: 0,1\r\n";
    res = read_all(nul, sizeof nul - 1, "nul.log");
    CU_ASSERT_EQUAL(res->rc, 0);
    CU_ASSERT_EQUAL_FATAL(res->n, 4);
    CU_ASSERT_EQUAL(res->ev[1].len, 4);
    CU_ASSERT(memcmp(res->ev[1].text, "OK\0x", 4) == 0);
    CU_ASSERT_STRING_EQUAL(res->ev[2].text, "ERROR");
    free(res);
}

/* UTF-16 is still told from its first block when a reader is reset. */
static void test_utf16_after_reset(void)
{
    static const char le[] = "\xff\xfe" "A\0T\0\r\0\n\0O\0K\0\r\0\n\0";
    dfota_reader *r = dfota_reader_new(NULL, "x");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (int i = 0; i < 3; i++) {
        read_result *res = read_with(r, le, sizeof le - 1, "u16.log");
        CU_ASSERT_EQUAL(res->rc, 0);
        CU_ASSERT_EQUAL(res->n, 2);
        CU_ASSERT(res->stats.encoding && strcmp(res->stats.encoding, "UTF-16LE") == 0);
        CU_ASSERT_STRING_EQUAL(res->ev[1].text, "OK");
        free(res);
        read_result *plain = read_with(r, "ATI\r\nOK\r\n", 9, "plain.log");
        CU_ASSERT_PTR_NULL(plain->stats.encoding);
        CU_ASSERT_EQUAL(plain->n, 2);
        free(plain);
    }
    dfota_reader_free(r);
}

/* Reads data through a pipe written 7 bytes at a time by a child (every
 * read(2) a short one) with r reset for the descriptor, told its size is
 * size (-1: none). A file system that reads short (/proc, FUSE) does the
 * same to a reader told the file's size. */
static read_result *read_piped(dfota_reader *r, const char *data, size_t len, long long size,
                               const char *name)
{
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        for (size_t at = 0; at < len;) {
            size_t n = len - at < 7 ? len - at : 7;
            ssize_t w = write(fds[1], data + at, n);
            if (w <= 0)
                _exit(1);
            at += (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    dfota_reader_reset_fd(r, fds[0], size, name);
    read_result *res = read_events(r);
    close(fds[0]);
    int st = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return res;
}

/* Reads data from a regular file, whose short read is its end. */
static read_result *read_regular(dfota_reader *r, const char *data, size_t len, const char *name)
{
    FILE *t = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_FATAL(fwrite(data, 1, len, t) == len && fflush(t) == 0);
    int fd = dup(fileno(t));
    CU_ASSERT_FATAL(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0);
    dfota_reader_reset_fd(r, fd, (long long)len, name);
    read_result *res = read_events(r);
    close(fd);
    fclose(t);
    return res;
}

/* A reader over a file descriptor reads what it reads over a stream: in
 * short reads from a pipe, across blocks, in UTF-16, after another file;
 * and a descriptor it cannot read is an input error, named at its line. */
static void test_descriptor_reads_as_stream(void)
{
    dfota_reader *r = dfota_reader_new(NULL, "x");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (size_t i = 0; i < sizeof mixed_logs / sizeof mixed_logs[0]; i++) {
        read_result *stream = read_all(mixed_logs[i].bytes, mixed_logs[i].len, "p.log");
        read_result *piped = read_piped(r, mixed_logs[i].bytes, mixed_logs[i].len, -1, "p.log");
        /* told the size, short reads before it are not the end */
        read_result *sized = read_piped(r, mixed_logs[i].bytes, mixed_logs[i].len, (long long)mixed_logs[i].len, "p.log");
        CU_ASSERT(memcmp(stream, sized, sizeof *stream) == 0);
        free(sized);
        if (memcmp(stream, piped, sizeof *stream) != 0) {
            print_result("stream", stream);
            print_result("descriptor", piped);
        }
        CU_ASSERT(memcmp(stream, piped, sizeof *stream) == 0);
        read_result *file = read_regular(r, mixed_logs[i].bytes, mixed_logs[i].len, "p.log");
        CU_ASSERT(memcmp(stream, file, sizeof *stream) == 0);
        free(stream);
        free(piped);
        free(file);
    }
    /* two blocks and more of comments, then lines cut at the block's end */
    size_t len;
    char *big = lines_around(1, 2 * BLK, 5, 12, &len);
    read_result *stream = read_all(big, len, "big.transcript");
    read_result *piped = read_piped(r, big, len, (long long)len, "big.transcript");
    CU_ASSERT_EQUAL(stream->n, 12);
    CU_ASSERT(memcmp(stream, piped, sizeof *stream) == 0);
    read_result *file = read_regular(r, big, len, "big.transcript");
    CU_ASSERT(memcmp(stream, file, sizeof *stream) == 0);
    free(stream);
    free(piped);
    free(file);
    free(big);
    /* a descriptor that is not open: the read fails, and says so */
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    close(fds[0]);
    close(fds[1]);
    dfota_reader_reset_fd(r, fds[0], -1, "gone.log");
    read_result *gone = read_events(r);
    CU_ASSERT_EQUAL(gone->rc, DFOTA_E_IO);
    CU_ASSERT_EQUAL(gone->n, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(gone->err, "gone.log:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gone->err, "cannot read"));
    free(gone);
    dfota_reader_free(r);
}

static const test_entry tests[] = {
    {"formats and events", test_read_table},
    {"transcript lines and metadata", test_transcript_lines_and_meta},
    {"capture statistics and lines", test_capture_stats},
    {"lines at the limits", test_long_lines},
    {"input errors", test_errors},
    {"transcript times, every count of digits", test_transcript_times},
    {"format names", test_format_names},
    {"random captures keep the contract", test_random_captures},
    {"time too big for 64-bit nanoseconds", test_time_too_big},
    {"every field of an event is set", test_events_whole},
    {"device-log times out of range are kept, unknown", test_device_time_unknown},
    {"which files with no extension are logs", test_log_sniff},
    {"a reset reader reads as a new one", test_reset_reads_as_new},
    {"lines cut by the block's end", test_block_boundaries},
    {"long lines and NUL bytes", test_long_and_nul_lines},
    {"UTF-16 told after a reset", test_utf16_after_reset},
    {"a descriptor reads as a stream", test_descriptor_reads_as_stream},
};

int main(void)
{
    return RUN_SUITE("reader", tests);
}
