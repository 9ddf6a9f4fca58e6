/* SPDX-License-Identifier: MIT */
/* test_atline.c - the AT line layer: CR/LF framing (dfota_framer_*) and the
 * classification of lines (dfota_classify), against the guide's chapter 3
 * and the field forms of FIELD-QUIRKS.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/at.h"

/* ---- framing helpers -------------------------------------------------- */

#define MAX_LINES 16

typedef struct {
    char text[DFOTA_AT_LINE_MAX + 1];
    size_t len, full;
    unsigned flags;
} framed_line;

typedef struct {
    size_t n;
    framed_line line[MAX_LINES];
} framed;

static void take(framed *out, const char *s, size_t len, size_t full, unsigned flags)
{
    CU_ASSERT_FATAL(out->n < MAX_LINES);
    CU_ASSERT_FATAL(len <= DFOTA_AT_LINE_MAX);
    framed_line *l = &out->line[out->n++];
    memcpy(l->text, s, len);
    l->text[len] = '\0';
    l->len = len;
    l->full = full;
    l->flags = flags;
    /* The contract: data[len] is the end of the line as handed out. */
    CU_ASSERT_EQUAL(s[len], '\0');
}

static void drain(dfota_framer *f, framed *out)
{
    const char *s;
    size_t len, full;
    unsigned flags;
    while (dfota_framer_next(f, &s, &len, &full, &flags) == 1)
        take(out, s, len, full, flags);
}

/* Frames bytes pushed as the given chunks, then flushes. */
static framed *frame_chunks(const char *const *chunk, const size_t *chunk_len, size_t n)
{
    framed *out = calloc(1, sizeof *out);
    dfota_framer *f = dfota_framer_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < n; i++) {
        dfota_framer_push(f, (const uint8_t *)chunk[i], chunk_len[i]);
        drain(f, out);
    }
    const char *s;
    size_t len, full;
    unsigned flags;
    if (dfota_framer_flush(f, &s, &len, &full, &flags) == 1)
        take(out, s, len, full, flags);
    dfota_framer_free(f);
    return out;
}

static framed *frame_string(const char *s)
{
    const char *chunk[1] = {s};
    size_t len[1] = {strlen(s)};
    return frame_chunks(chunk, len, 1);
}

/* Asserts the framed lines are exactly expect[0..n), all terminated. */
static void assert_lines(const framed *got, const char *const *expect, size_t n, const char *what)
{
    CU_ASSERT_EQUAL(got->n, n);
    if (got->n != n) {
        printf("\n  %s: %zu lines, expected %zu\n", what, got->n, n);
        for (size_t i = 0; i < got->n; i++)
            printf("    [%zu] '%s'\n", i, got->line[i].text);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t el = strlen(expect[i]);
        int same = got->line[i].len == el && memcmp(got->line[i].text, expect[i], el) == 0;
        CU_ASSERT(same);
        CU_ASSERT_EQUAL(got->line[i].full, el);
        CU_ASSERT_EQUAL(got->line[i].flags, 0u);
        if (!same)
            printf("\n  %s: line %zu is '%s', expected '%s'\n", what, i, got->line[i].text,
                   expect[i]);
    }
}

/* ---- framing cases ---------------------------------------------------- */

static const struct {
    const char *name;
    const char *input;
    const char *lines[6];
    size_t n;
} framing_cases[] = {
    {"CR", "AT\rOK\r", {"AT", "OK"}, 2},
    {"LF", "AT\nOK\n", {"AT", "OK"}, 2},
    {"CRLF", "AT\r\nOK\r\n", {"AT", "OK"}, 2},
    {"lone CR between lines", "ATI\rQuectel\r\nOK\r\n", {"ATI", "Quectel", "OK"}, 3},
    {"echo with CR CR LF", "AT+QGMR\r\r\nEG95EFAR02A07M4G\r\n\r\nOK\r\n",
     {"AT+QGMR", "EG95EFAR02A07M4G", "OK"}, 3},
    {"blank lines skipped", "\r\n\r\n\n\r\rOK\r\n\r\n\r\n+QIND: \"FOTA\",\"START\"\r\n\n\n",
     {"OK", "+QIND: \"FOTA\",\"START\""}, 2},
    {"LF CR is two terminators, no blank line", "A\n\rB\n", {"A", "B"}, 2},
    {"only terminators", "\r\n\r\n\r\r\n\n", {NULL}, 0},
    {"empty input", "", {NULL}, 0},
    {"spaces are a line", " \r\n", {" "}, 1},
};

static void test_framing_table(void)
{
    for (size_t i = 0; i < sizeof framing_cases / sizeof framing_cases[0]; i++) {
        framed *got = frame_string(framing_cases[i].input);
        assert_lines(got, framing_cases[i].lines, framing_cases[i].n, framing_cases[i].name);
        free(got);
    }
}

static void test_crlf_split_across_pushes(void)
{
    /* The CR ends one push and its LF starts the next: one line, no blank
     * one, and the LF must not end the next line early. */
    const char *chunk[] = {"OK\r", "\nRDY\r", "\n+QIND: \"FOTA\",\"START\"\r\n"};
    size_t len[] = {3, 5, strlen(chunk[2])};
    const char *expect[] = {"OK", "RDY", "+QIND: \"FOTA\",\"START\""};
    framed *got = frame_chunks(chunk, len, 3);
    assert_lines(got, expect, 3, "CRLF split");
    free(got);

    /* A line that is itself split, with the CR at the end of the push. */
    const char *chunk2[] = {"+QIND: \"FOTA\",\"UPD", "ATING\",5\r", "\n", "OK\r\n"};
    size_t len2[] = {strlen(chunk2[0]), strlen(chunk2[1]), 1, 4};
    const char *expect2[] = {"+QIND: \"FOTA\",\"UPDATING\",5", "OK"};
    got = frame_chunks(chunk2, len2, 4);
    assert_lines(got, expect2, 2, "line split with CR at the end");
    free(got);

    /* An empty push in between changes nothing. */
    const char *chunk3[] = {"AT\r", "", "\nOK\r\n"};
    size_t len3[] = {3, 0, 5};
    const char *expect3[] = {"AT", "OK"};
    got = frame_chunks(chunk3, len3, 3);
    assert_lines(got, expect3, 2, "empty push between CR and LF");
    free(got);
}

static const char split_input[] =
    "AT+QGMR\r\r\nEG95EFAR02A07M4G\r\n\r\nOK\r\n"
    "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"\r\r\nOK\r\n"
    "\r\n+QIND: \"FOTA\",\"HTTPSTART\"\r\n\r\n+QIND: \"FOTA\",\"HTTPEND\",0\r"
    "\n\nRDY\r+QIND: \"FOTA\",\"UPDATING\", 37\n\r\nlast";
static const char *const split_expect[] = {
    "AT+QGMR", "EG95EFAR02A07M4G", "OK",
    "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"", "OK",
    "+QIND: \"FOTA\",\"HTTPSTART\"", "+QIND: \"FOTA\",\"HTTPEND\",0", "RDY",
    "+QIND: \"FOTA\",\"UPDATING\", 37", "last",
};
#define SPLIT_N (sizeof split_expect / sizeof split_expect[0])

static int same_lines(const framed *got, const char *what, size_t at)
{
    int ok = got->n == SPLIT_N;
    for (size_t i = 0; ok && i < SPLIT_N; i++)
        ok = got->line[i].len == strlen(split_expect[i]) &&
             memcmp(got->line[i].text, split_expect[i], got->line[i].len) == 0 &&
             got->line[i].flags == (i == SPLIT_N - 1 ? (unsigned)DFOTA_EV_UNTERMINATED : 0u);
    if (!ok)
        printf("\n  %s at %zu: %zu lines, differ from the whole input\n", what, at, got->n);
    return ok;
}

static void test_split_everywhere(void)
{
    size_t n = strlen(split_input);
    framed *whole = frame_string(split_input);
    CU_ASSERT(same_lines(whole, "whole", 0));
    free(whole);

    /* One split at every position; the first that differs is reported. */
    int ok = 1;
    for (size_t at = 0; ok && at <= n; at++) {
        const char *chunk[] = {split_input, split_input + at};
        size_t len[] = {at, n - at};
        framed *got = frame_chunks(chunk, len, 2);
        ok = same_lines(got, "split", at);
        CU_ASSERT(ok);
        free(got);
    }
    /* Two splits at every pair of positions close together (CR|LF pairs). */
    ok = 1;
    for (size_t a = 0; ok && a <= n; a++) {
        for (size_t b = a; ok && b <= n && b <= a + 3; b++) {
            const char *chunk[] = {split_input, split_input + a, split_input + b};
            size_t len[] = {a, b - a, n - b};
            framed *got = frame_chunks(chunk, len, 3);
            ok = same_lines(got, "double split", a);
            CU_ASSERT(ok);
            free(got);
        }
    }
    /* One byte at a time. */
    const char *chunk[sizeof split_input];
    size_t len[sizeof split_input];
    for (size_t i = 0; i < n; i++) {
        chunk[i] = split_input + i;
        len[i] = 1;
    }
    framed *got = frame_chunks(chunk, len, n);
    CU_ASSERT(same_lines(got, "bytewise", 0));
    free(got);
}

static char *repeat(char c, size_t n, const char *tail)
{
    size_t tl = strlen(tail);
    char *s = malloc(n + tl + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    memset(s, c, n);
    memcpy(s + n, tail, tl + 1);
    return s;
}

static void test_line_max(void)
{
    /* Exactly DFOTA_AT_LINE_MAX bytes: whole, not overlong. */
    char *s = repeat('a', DFOTA_AT_LINE_MAX, "\r\nOK\r\n");
    framed *got = frame_string(s);
    CU_ASSERT_EQUAL_FATAL(got->n, 2);
    CU_ASSERT_EQUAL(got->line[0].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].full, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].flags, 0u);
    CU_ASSERT_EQUAL(strspn(got->line[0].text, "a"), DFOTA_AT_LINE_MAX);
    CU_ASSERT_STRING_EQUAL(got->line[1].text, "OK");
    CU_ASSERT_EQUAL(got->line[1].flags, 0u);
    free(got);
    free(s);

    /* One more byte: flagged, cut to the maximum, and the next line intact. */
    s = repeat('b', DFOTA_AT_LINE_MAX + 1, "\r\n+QIND: \"FOTA\",\"END\",0\r\n");
    got = frame_string(s);
    CU_ASSERT_EQUAL_FATAL(got->n, 2);
    CU_ASSERT_EQUAL(got->line[0].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].full, DFOTA_AT_LINE_MAX + 1);
    CU_ASSERT_EQUAL(got->line[0].flags, (unsigned)DFOTA_EV_OVERLONG);
    CU_ASSERT_EQUAL(strspn(got->line[0].text, "b"), DFOTA_AT_LINE_MAX);
    CU_ASSERT_STRING_EQUAL(got->line[1].text, "+QIND: \"FOTA\",\"END\",0");
    CU_ASSERT_EQUAL(got->line[1].full, strlen("+QIND: \"FOTA\",\"END\",0"));
    CU_ASSERT_EQUAL(got->line[1].flags, 0u);
    free(got);

    /* The same overlong line pushed in pieces of 100 bytes. */
    size_t n = strlen(s), pieces = (n + 99) / 100;
    const char **chunk = malloc(pieces * sizeof *chunk);
    size_t *len = malloc(pieces * sizeof *len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(chunk);
    CU_ASSERT_PTR_NOT_NULL_FATAL(len);
    for (size_t i = 0; i < pieces; i++) {
        chunk[i] = s + i * 100;
        len[i] = n - i * 100 < 100 ? n - i * 100 : 100;
    }
    got = frame_chunks(chunk, len, pieces);
    CU_ASSERT_EQUAL_FATAL(got->n, 2);
    CU_ASSERT_EQUAL(got->line[0].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].full, DFOTA_AT_LINE_MAX + 1);
    CU_ASSERT_EQUAL(got->line[0].flags, (unsigned)DFOTA_EV_OVERLONG);
    CU_ASSERT_STRING_EQUAL(got->line[1].text, "+QIND: \"FOTA\",\"END\",0");
    CU_ASSERT_EQUAL(got->line[1].flags, 0u);
    free(got);
    free(chunk);
    free(len);
    free(s);

    /* Far longer than the maximum, unterminated: both flags. */
    s = repeat('c', 3 * DFOTA_AT_LINE_MAX, "");
    got = frame_string(s);
    CU_ASSERT_EQUAL_FATAL(got->n, 1);
    CU_ASSERT_EQUAL(got->line[0].len, DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].full, 3 * DFOTA_AT_LINE_MAX);
    CU_ASSERT_EQUAL(got->line[0].flags, (unsigned)(DFOTA_EV_OVERLONG | DFOTA_EV_UNTERMINATED));
    free(got);
    free(s);
}

static void test_flush(void)
{
    dfota_framer *f = dfota_framer_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    const char *s;
    size_t len, full;
    unsigned flags;
    static const char in[] = "OK\r\n+QIND: \"FOTA\",\"UPD";
    dfota_framer_push(f, (const uint8_t *)in, strlen(in));
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 1);
    CU_ASSERT_EQUAL(len, 2);
    CU_ASSERT_EQUAL(memcmp(s, "OK", 2), 0);
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 0);
    CU_ASSERT_EQUAL_FATAL(dfota_framer_flush(f, &s, &len, &full, &flags), 1);
    CU_ASSERT_EQUAL(len, strlen("+QIND: \"FOTA\",\"UPD"));
    CU_ASSERT_EQUAL(full, len);
    CU_ASSERT_EQUAL(memcmp(s, "+QIND: \"FOTA\",\"UPD", len), 0);
    CU_ASSERT_EQUAL(s[len], '\0');
    CU_ASSERT_EQUAL(flags, (unsigned)DFOTA_EV_UNTERMINATED);
    /* The flush reset the framer: nothing more, and a new input starts clean. */
    CU_ASSERT_EQUAL(dfota_framer_flush(f, &s, &len, &full, &flags), 0);
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 0);
    static const char in2[] = "RDY\r\n";
    dfota_framer_push(f, (const uint8_t *)in2, strlen(in2));
    CU_ASSERT_EQUAL_FATAL(dfota_framer_next(f, &s, &len, &full, &flags), 1);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT_EQUAL(memcmp(s, "RDY", 3), 0);
    CU_ASSERT_EQUAL(flags, 0u);

    /* Input that ends with its terminator leaves nothing to flush. */
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 0);
    CU_ASSERT_EQUAL(dfota_framer_flush(f, &s, &len, &full, &flags), 0);
    /* Nor does one that ends with a CR whose LF never came. */
    static const char in3[] = "OK\r";
    dfota_framer_push(f, (const uint8_t *)in3, 3);
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 1);
    CU_ASSERT_EQUAL(dfota_framer_next(f, &s, &len, &full, &flags), 0);
    CU_ASSERT_EQUAL(dfota_framer_flush(f, &s, &len, &full, &flags), 0);
    dfota_framer_free(f);
    dfota_framer_free(NULL);
}

/* ---- classification: module lines ------------------------------------- */

#define M DFOTA_DIR_MODULE
#define H DFOTA_DIR_HOST

static const struct {
    const char *line;
    size_t len; /* 0: strlen(line) */
    dfota_dir dir;
    dfota_item_kind kind;
    dfota_stage stage;
    const char *stage_text; /* NULL: not checked (no URC) */
    int has_code;
    long code;
    unsigned quirks;
} classify_cases[] = {
    /* final results */
    {"OK", 0, M, DFOTA_ITEM_OK, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"  OK  ", 0, M, DFOTA_ITEM_OK, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"ERROR", 0, M, DFOTA_ITEM_ERROR, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+CME ERROR: 3", 0, M, DFOTA_ITEM_ERROR, DFOTA_STAGE_NONE, NULL, 1, 3, 0},
    {"+CME ERROR: 50", 0, M, DFOTA_ITEM_ERROR, DFOTA_STAGE_NONE, NULL, 1, 50, 0},
    {"+CMS ERROR: 500", 0, M, DFOTA_ITEM_ERROR, DFOTA_STAGE_NONE, NULL, 1, 500, 0},
    {"RDY", 0, M, DFOTA_ITEM_RDY, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"OKAY", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"ERRORS", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"EG95EFAR02A07M4G", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+CPIN: READY", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"POWERED DOWN", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    /* every guide stage, with the argument it takes and without */
    {"+QIND: \"FOTA\",\"FTPSTART\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FTPSTART, "FTPSTART", 0, 0, 0},
    {"+QIND: \"FOTA\",\"FTPSTART\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FTPSTART, "FTPSTART", 1, 0,
     DFOTA_Q_ARG_UNEXPECTED},
    {"+QIND: \"FOTA\",\"FTPEND\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FTPEND, "FTPEND", 1, 0, 0},
    {"+QIND: \"FOTA\",\"FTPEND\",601", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FTPEND, "FTPEND", 1, 601, 0},
    {"+QIND: \"FOTA\",\"FTPEND\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FTPEND, "FTPEND", 0, 0,
     DFOTA_Q_ARG_MISSING},
    {"+QIND: \"FOTA\",\"HTTPSTART\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPSTART, "HTTPSTART", 0, 0, 0},
    {"+QIND: \"FOTA\",\"HTTPSTART\",1", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPSTART, "HTTPSTART", 1, 1,
     DFOTA_Q_ARG_UNEXPECTED},
    {"+QIND: \"FOTA\",\"HTTPEND\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPEND, "HTTPEND", 1, 0, 0},
    {"+QIND: \"FOTA\",\"HTTPEND\",701", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPEND, "HTTPEND", 1, 701, 0},
    {"+QIND: \"FOTA\",\"HTTPEND\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPEND, "HTTPEND", 0, 0,
     DFOTA_Q_ARG_MISSING},
    {"+QIND: \"FOTA\",\"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0, 0},
    {"+QIND: \"FOTA\",\"START\",5", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 1, 5,
     DFOTA_Q_ARG_UNEXPECTED},
    {"+QIND: \"FOTA\",\"UPDATING\",1", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 1, 0},
    {"+QIND: \"FOTA\",\"UPDATING\",100", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 100, 0},
    {"+QIND: \"FOTA\",\"UPDATING\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 0, 0,
     DFOTA_Q_ARG_MISSING},
    {"+QIND: \"FOTA\",\"END\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_END, "END", 1, 0, 0},
    {"+QIND: \"FOTA\",\"END\",505", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_END, "END", 1, 505, 0},
    {"+QIND: \"FOTA\",\"END\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_END, "END", 0, 0, DFOTA_Q_ARG_MISSING},
    /* the guide's own layout and spellings */
    {"+QIND: \"FOTA\",\"UPDATING\", 37", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 37,
     DFOTA_Q_BLANK},
    {"+QIND: \"FOTA\", \"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0, DFOTA_Q_BLANK},
    {"+QIND: \"FOTA\", \"END\", 0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_END, "END", 1, 0, DFOTA_Q_BLANK},
    {"+QIND: \"FOTA\",\"HTTPEnd\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPEND, "HTTPEnd", 1, 0,
     DFOTA_Q_SPELLING},
    {"+QIND: \"FOTA\",\"httpstart\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPSTART, "httpstart", 0, 0,
     DFOTA_Q_CASE},
    {"+QIND: \"FOTA\",\"Updating\",3", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "Updating", 1, 3,
     DFOTA_Q_CASE},
    /* no blank after the colon: every URC of the guide has one */
    {"+QIND:\"FOTA\",\"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0,
     DFOTA_Q_NO_BLANK_COLON},
    {"+QIND:\"FOTA\",\"UPDATING\",37", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 37,
     DFOTA_Q_NO_BLANK_COLON},
    {"xx+QIND:\"FOTA\",\"END\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_END, "END", 1, 0,
     DFOTA_Q_NO_BLANK_COLON | DFOTA_Q_STRAY},
    /* field forms */
    {"+QIND: \"FOTA\",\"UPDATING\",37%", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 37,
     DFOTA_Q_PERCENT},
    {"+QIND: \"FOTA\",\"UPDATING\",37%,1,1", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 37,
     DFOTA_Q_PERCENT | DFOTA_Q_EXTRA},
    {"+QIND: \"FOTA\",\"UPDATING\",37,1,1", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 1, 37,
     DFOTA_Q_EXTRA},
    {"+QIND: \"FOTA\",\"UPDATING\",abc", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING, "UPDATING", 0, 0,
     DFOTA_Q_ARG_NOT_INT},
    {"+QIND: \"FOTA\",\"UPDATING\",99999999999999", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UPDATING,
     "UPDATING", 1, 999999999, 0},
    {"+QIND: \xe2\x80\x9c" "FOTA\xe2\x80\x9d,\xe2\x80\x9c" "START\xe2\x80\x9d", 0, M, DFOTA_ITEM_URC,
     DFOTA_STAGE_START, "START", 0, 0, DFOTA_Q_TYPO_QUOTES},
    {"+QIND: \xe2\x80\x9c" "FOTA\xe2\x80\x9d,\xe2\x80\x9c" "UPDATING\xe2\x80\x9d,12", 0, M, DFOTA_ITEM_URC,
     DFOTA_STAGE_UPDATING, "UPDATING", 1, 12, DFOTA_Q_TYPO_QUOTES},
    {"\xff\xfe+QIND: \"FOTA\",\"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0,
     DFOTA_Q_STRAY},
    {"xx+QIND: \"FOTA\",\"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0, DFOTA_Q_STRAY},
    {"\0\0+QIND: \"FOTA\",\"START\"", sizeof "\0\0+QIND: \"FOTA\",\"START\"" - 1, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0,
     DFOTA_Q_STRAY},
    /* RDY cut by a reboot and glued to the URC that follows it */
    {"RD+QIND: \"FOTA\",\"START\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_START, "START", 0, 0,
     DFOTA_Q_STRAY},
    /* stages of shipped firmware */
    {"+QIND: \"FOTA\",\"DOWNLOADING\",12", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_DOWNLOADING, "DOWNLOADING", 1,
     12, 0},
    {"+QIND: \"FOTA\",\"DOWNLOADING\", 12%", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_DOWNLOADING, "DOWNLOADING",
     1, 12, DFOTA_Q_BLANK | DFOTA_Q_PERCENT},
    {"+QIND: \"FOTA\",\"RESTORE\",50%", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_RESTORE, "RESTORE", 1, 50,
     DFOTA_Q_PERCENT},
    {"+QIND: \"FOTA\",\"HTTPSSTART\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPSSTART, "HTTPSSTART", 0, 0, 0},
    {"+QIND: \"FOTA\",\"HTTPSEND\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_HTTPSEND, "HTTPSEND", 1, 0, 0},
    {"+QIND: \"FOTA\",\"FILESTART\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FILESTART, "FILESTART", 0, 0, 0},
    {"+QIND: \"FOTA\",\"FILEEND\",0", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FILEEND, "FILEEND", 1, 0, 0},
    {"+QIND: \"FOTA\",\"FILEEND\",500", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_FILEEND, "FILEEND", 1, 500, 0},
    {"+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"", 0, M, DFOTA_ITEM_URC,
     DFOTA_STAGE_RESUME, "Last upgrade was not finished,continue upgrade", 0, 0, 0},
    {"+QIND: \"FOTA\",\"FOO\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UNKNOWN, "FOO", 0, 0, 0},
    {"+QIND: \"FOTA\",\"STARTED\"", 0, M, DFOTA_ITEM_URC, DFOTA_STAGE_UNKNOWN, "STARTED", 0, 0, 0},
    /* cut or garbled FOTA URCs */
    {"+QIND: \"FOTA\",\"UPD", 0, M, DFOTA_ITEM_BAD_URC, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: \"FO", 0, M, DFOTA_ITEM_BAD_URC, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: \"FOTA\"", 0, M, DFOTA_ITEM_BAD_URC, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: \"FOTA\",", 0, M, DFOTA_ITEM_BAD_URC, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: \"FOTA\",\"\"", 0, M, DFOTA_ITEM_BAD_URC, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    /* other +QIND lines are not ours */
    {"+QIND: SMS DONE", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: PB DONE", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"+QIND: \"csq\",20,99", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    /* module side: echo and terminal messages */
    {"AT+QGMR", 0, M, DFOTA_ITEM_ECHO, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"AT+QFOTADL=\"http://h/f\"", 0, M, DFOTA_ITEM_ECHO, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"FATAL: read zero bytes from port", 0, M, DFOTA_ITEM_PORT_GONE, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    /* a URC from the host direction is not a URC; the harness's own lines are other */
    {"+QIND: \"FOTA\",\"START\"", 0, H, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"OK", 0, H, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"port-lost", 0, DFOTA_DIR_HARNESS, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
    {"   ", 0, M, DFOTA_ITEM_OTHER, DFOTA_STAGE_NONE, NULL, 0, 0, 0},
};

static void test_classify_module(void)
{
    for (size_t i = 0; i < sizeof classify_cases / sizeof classify_cases[0]; i++) {
        const char *line = classify_cases[i].line;
        size_t len = classify_cases[i].len ? classify_cases[i].len : strlen(line);
        dfota_item it;
        memset(&it, 0xA5, sizeof it); /* the classifier must set every field it reports */
        dfota_classify(line, len, classify_cases[i].dir, &it);
        int ok = it.kind == classify_cases[i].kind;
        if (it.kind == DFOTA_ITEM_URC) {
            ok = ok && it.stage == classify_cases[i].stage && it.quirks == classify_cases[i].quirks &&
                 it.has_code == classify_cases[i].has_code;
            if (it.has_code)
                ok = ok && it.code == classify_cases[i].code;
            const char *st = classify_cases[i].stage_text;
            ok = ok && st && it.stage_len == strlen(st) && it.stage_text >= line &&
                 it.stage_text + it.stage_len <= line + len &&
                 memcmp(it.stage_text, st, it.stage_len) == 0;
        }
        if (it.kind == DFOTA_ITEM_ERROR) {
            ok = ok && it.has_code == classify_cases[i].has_code;
            if (it.has_code)
                ok = ok && it.code == classify_cases[i].code;
        }
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  case %zu '%s': kind %d stage %d has_code %d code %ld quirks 0x%x\n", i,
                   line, (int)it.kind, (int)it.stage, it.has_code, it.code, it.quirks);
    }
}

/* ---- final result codes (V.250, 27.007, 27.005, Quectel's own) ------- */

static const struct {
    const char *line;
    dfota_item_kind kind;
    dfota_final final;
    const char *name; /* dfota_final_name */
} final_cases[] = {
    {"OK", DFOTA_ITEM_OK, DFOTA_FINAL_OK, "OK"},
    {"ERROR", DFOTA_ITEM_ERROR, DFOTA_FINAL_ERROR, "ERROR"},
    {"+CME ERROR: 3", DFOTA_ITEM_ERROR, DFOTA_FINAL_CME_ERROR, "+CME ERROR"},
    {"+CMS ERROR: 500", DFOTA_ITEM_ERROR, DFOTA_FINAL_CMS_ERROR, "+CMS ERROR"},
    {"CONNECT", DFOTA_ITEM_FINAL, DFOTA_FINAL_CONNECT, "CONNECT"},
    {"CONNECT 150000000", DFOTA_ITEM_FINAL, DFOTA_FINAL_CONNECT, "CONNECT"},
    {"CONNECT 115200/V42", DFOTA_ITEM_FINAL, DFOTA_FINAL_CONNECT, "CONNECT"},
    {"NO CARRIER", DFOTA_ITEM_FINAL, DFOTA_FINAL_NO_CARRIER, "NO CARRIER"},
    {"NO DIALTONE", DFOTA_ITEM_FINAL, DFOTA_FINAL_NO_DIALTONE, "NO DIALTONE"},
    {"BUSY", DFOTA_ITEM_FINAL, DFOTA_FINAL_BUSY, "BUSY"},
    {"NO ANSWER", DFOTA_ITEM_FINAL, DFOTA_FINAL_NO_ANSWER, "NO ANSWER"},
    {"SEND OK", DFOTA_ITEM_FINAL, DFOTA_FINAL_SEND_OK, "SEND OK"},
    {"SEND FAIL", DFOTA_ITEM_FINAL, DFOTA_FINAL_SEND_FAIL, "SEND FAIL"},
    {"  SEND OK ", DFOTA_ITEM_FINAL, DFOTA_FINAL_SEND_OK, "SEND OK"},
    /* not final results */
    {"RING", DFOTA_ITEM_OTHER, DFOTA_FINAL_NONE, NULL},
    {"CONNECTED", DFOTA_ITEM_PORT_BACK, DFOTA_FINAL_NONE, NULL}, /* tio, any case */
    {"Connected", DFOTA_ITEM_PORT_BACK, DFOTA_FINAL_NONE, NULL},
    {"SEND OKAY", DFOTA_ITEM_OTHER, DFOTA_FINAL_NONE, NULL},
    {"BUSYNESS", DFOTA_ITEM_OTHER, DFOTA_FINAL_NONE, NULL},
    {"NO CARRIERS", DFOTA_ITEM_OTHER, DFOTA_FINAL_NONE, NULL},
    {"> ", DFOTA_ITEM_OTHER, DFOTA_FINAL_NONE, NULL},
};

static void test_classify_finals(void)
{
    for (size_t i = 0; i < sizeof final_cases / sizeof final_cases[0]; i++) {
        dfota_item it;
        memset(&it, 0xA5, sizeof it);
        dfota_classify(final_cases[i].line, strlen(final_cases[i].line), DFOTA_DIR_MODULE, &it);
        int ok = it.kind == final_cases[i].kind && it.final == final_cases[i].final;
        if (final_cases[i].name)
            ok = ok && strcmp(dfota_final_name(it.final), final_cases[i].name) == 0;
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  final case '%s': kind %d final %d\n", final_cases[i].line, (int)it.kind,
                   (int)it.final);
        /* From the host a final result code is not one. */
        dfota_classify(final_cases[i].line, strlen(final_cases[i].line), DFOTA_DIR_HOST, &it);
        CU_ASSERT_EQUAL(it.final, DFOTA_FINAL_NONE);
    }
}

/* ---- classification: host lines --------------------------------------- */

static const struct {
    const char *line;
    dfota_item_kind kind;
    dfota_fotadl_form form;
    const char *arg; /* with WRITE: the text after '=' */
} host_cases[] = {
    {"AT+QFOTADL=?", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_TEST, NULL},
    {"at+qfotadl=?", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_TEST, NULL},
    {"At+QFotaDl=?", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_TEST, NULL},
    {"AT+QFOTADL?", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_READ, NULL},
    {"AT+QFOTADL", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_EXEC, NULL},
    {"AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"", DFOTA_ITEM_FOTADL,
     DFOTA_FOTADL_WRITE, "\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\""},
    {"AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"http://www.quectel.com:100/update.zip\""},
    {"at+qfotadl=\"/data/ufs/update-v13-to-v12.zip\"", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"/data/ufs/update-v13-to-v12.zip\""},
    {"AT+QFOTADL=", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE, ""},
    {"ATI", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL},
    {"AT", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL},
    {"AT+QGMR", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL},
    {"at+cfun=1,1", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL},
    {"hello", DFOTA_ITEM_OTHER, DFOTA_FOTADL_TEST, NULL},
};

static void test_classify_host(void)
{
    for (size_t i = 0; i < sizeof host_cases / sizeof host_cases[0]; i++) {
        const char *line = host_cases[i].line;
        size_t len = strlen(line);
        dfota_item it;
        dfota_classify(line, len, DFOTA_DIR_HOST, &it);
        int ok = it.kind == host_cases[i].kind;
        if (ok && it.kind == DFOTA_ITEM_FOTADL) {
            ok = it.form == host_cases[i].form;
            if (ok && it.form == DFOTA_FOTADL_WRITE) {
                const char *a = host_cases[i].arg;
                ok = it.arg_len == strlen(a) && it.arg >= line && it.arg + it.arg_len <= line + len &&
                     memcmp(it.arg, a, it.arg_len) == 0;
            }
        }
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  host case %zu '%s': kind %d form %d\n", i, line, (int)it.kind, (int)it.form);
    }
}

/* V.250: one command line may hold several commands, extended ones
 * separated by ';' (never one inside quotes), basic ones run together. */
static const struct {
    const char *line;
    dfota_item_kind kind;
    dfota_fotadl_form form;
    const char *arg;      /* with WRITE: the text after '=' up to the end of that command */
    unsigned commands;
    int prompts;          /* the line has a command that prompts for data */
} line_cases[] = {
    {"AT+QGMR;+QFOTADL=\"http://h/f.zip\"", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"http://h/f.zip\"", 2, 0},
    {"AT+QFOTADL=\"http://h/f.zip\";+QGMR", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"http://h/f.zip\"", 2, 0},
    {"AT+QFOTADL=\"ftp://u:p;w@h:21/f.zip\";+CSQ", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"ftp://u:p;w@h:21/f.zip\"", 2, 0},
    {"ATE0;+QFOTADL=?", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_TEST, NULL, 2, 0},
    {"ATE0V1+QFOTADL=\"/data/ufs/u.zip\"", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"/data/ufs/u.zip\"", 3, 0},
    {"AT+CMEE=2;+QGMR;+CSQ", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 3, 0},
    {"AT+QGMR;", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 0},
    {"AT+QGMR;+QFOTADLX", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 2, 0},
    {"ATD*99#;", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 0},
    {"AT+QFOTADL=\"ftp://h/a;b.zip", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"ftp://h/a;b.zip", 1, 0},
    {"AT+QISEND=0,5", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 1},
    {"AT+CMGS=\"+8613800000000\"", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 1},
    {"AT+QSSLSEND=1", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 1},
    {"AT+CSQ;+QISEND=0,5", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 2, 1},
    {"AT+QISENDEX=0,\"3132\"", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 0},
    {"ATI", DFOTA_ITEM_COMMAND, DFOTA_FOTADL_TEST, NULL, 1, 0},
    {"AT+QFOTADL=\"http://h/f.zip\"", DFOTA_ITEM_FOTADL, DFOTA_FOTADL_WRITE,
     "\"http://h/f.zip\"", 1, 0},
};

static void test_command_lines(void)
{
    for (size_t i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
        const char *line = line_cases[i].line;
        size_t len = strlen(line);
        dfota_item it;
        memset(&it, 0xA5, sizeof it);
        dfota_classify(line, len, DFOTA_DIR_HOST, &it);
        int ok = it.kind == line_cases[i].kind && it.commands == line_cases[i].commands &&
                 !!it.prompts == line_cases[i].prompts;
        if (ok && it.kind == DFOTA_ITEM_FOTADL) {
            ok = it.form == line_cases[i].form;
            if (ok && it.form == DFOTA_FOTADL_WRITE) {
                const char *a = line_cases[i].arg;
                ok = it.arg_len == strlen(a) && it.arg >= line && it.arg + it.arg_len <= line + len &&
                     memcmp(it.arg, a, it.arg_len) == 0;
            }
        }
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  line case '%s': kind %d form %d commands %u prompts %d arg '%.*s'\n", line,
                   (int)it.kind, (int)it.form, it.commands, it.prompts,
                   it.kind == DFOTA_ITEM_FOTADL && it.form == DFOTA_FOTADL_WRITE ? (int)it.arg_len : 0,
                   it.kind == DFOTA_ITEM_FOTADL && it.form == DFOTA_FOTADL_WRITE ? it.arg : "");
    }
}

/* Every host line of up to six bytes from the command line's own
 * alphabet: the parser ends, stays inside the line and keeps its
 * contract (an argument only with AT+QFOTADL=..., no more commands than
 * bytes). Run under the sanitizers, it also shows no read past the end. */
static void test_command_lines_exhaustive(void)
{
    static const char alphabet[] = "AT+;\"=&DS?0\xe2";
    const size_t na = sizeof alphabet - 1;
    unsigned long lines = 0, bad = 0;
    for (size_t len = 1; len <= 6; len++) {
        size_t idx[6] = {0};
        for (;;) {
            char buf[8];
            for (size_t i = 0; i < len; i++)
                buf[i] = alphabet[idx[i]];
            buf[len] = '\0';
            char *line = malloc(len); /* no terminator: a read past the end is ASan's to see */
            CU_ASSERT_PTR_NOT_NULL_FATAL(line);
            memcpy(line, buf, len);
            dfota_item it;
            dfota_classify(line, len, DFOTA_DIR_HOST, &it);
            int ok = it.commands <= len;
            if (it.arg)
                ok = ok && it.kind == DFOTA_ITEM_FOTADL && it.form == DFOTA_FOTADL_WRITE &&
                     it.arg >= line && it.arg + it.arg_len <= line + len;
            if (it.kind == DFOTA_ITEM_FOTADL && it.form == DFOTA_FOTADL_WRITE)
                ok = ok && it.arg != NULL;
            if (!ok && bad++ < 5)
                printf("\n  '%s': kind %d commands %u\n", buf, (int)it.kind, it.commands);
            free(line);
            lines++;
            size_t k = 0;
            while (k < len && ++idx[k] == na)
                idx[k++] = 0;
            if (k == len)
                break;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(lines > 1000000);
}

static void test_stage_names(void)
{
    static const struct {
        dfota_stage stage;
        const char *name;
        int takes_code;
    } cases[] = {
        {DFOTA_STAGE_FTPSTART, "FTPSTART", 0},     {DFOTA_STAGE_FTPEND, "FTPEND", 1},
        {DFOTA_STAGE_HTTPSTART, "HTTPSTART", 0},   {DFOTA_STAGE_HTTPEND, "HTTPEND", 1},
        {DFOTA_STAGE_START, "START", 0},           {DFOTA_STAGE_UPDATING, "UPDATING", 1},
        {DFOTA_STAGE_END, "END", 1},               {DFOTA_STAGE_HTTPSSTART, "HTTPSSTART", 0},
        {DFOTA_STAGE_HTTPSEND, "HTTPSEND", 1},     {DFOTA_STAGE_FILESTART, "FILESTART", 0},
        {DFOTA_STAGE_FILEEND, "FILEEND", 1},       {DFOTA_STAGE_DOWNLOADING, "DOWNLOADING", 1},
        {DFOTA_STAGE_RESTORE, "RESTORE", 1},       {DFOTA_STAGE_RESUME, NULL, 0},
        {DFOTA_STAGE_UNKNOWN, NULL, 0},            {DFOTA_STAGE_NONE, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *n = dfota_stage_name(cases[i].stage);
        CU_ASSERT_PTR_NOT_NULL(n);
        if (n && cases[i].name)
            CU_ASSERT_STRING_EQUAL(n, cases[i].name);
        CU_ASSERT_EQUAL(dfota_stage_takes_code(cases[i].stage) != 0, cases[i].takes_code);
    }
}

/* The harness's own words, read back by their first word only. */
static void test_harness_events(void)
{
    static const struct {
        dfota_dir dir;
        const char *line;
        dfota_harness_event want;
    } cases[] = {
        {DFOTA_DIR_HARNESS, "port-lost", DFOTA_HEV_PORT_LOST},
        {DFOTA_DIR_HARNESS, "port-back", DFOTA_HEV_PORT_BACK},
        {DFOTA_DIR_HARNESS, "host-open", DFOTA_HEV_HOST_OPEN},
        {DFOTA_DIR_HARNESS, "host-close", DFOTA_HEV_HOST_CLOSE},
        {DFOTA_DIR_HARNESS, "port-lost after 20 s", DFOTA_HEV_PORT_LOST},
        {DFOTA_DIR_HARNESS, "port-back: /dev/ttyUSB2", DFOTA_HEV_PORT_BACK},
        {DFOTA_DIR_HARNESS, "port-lostx", DFOTA_HEV_NONE},
        {DFOTA_DIR_HARNESS, "port-los", DFOTA_HEV_NONE},
        {DFOTA_DIR_HARNESS, "note host-open/host-close: too many", DFOTA_HEV_NONE},
        {DFOTA_DIR_HARNESS, "", DFOTA_HEV_NONE},
        {DFOTA_DIR_MODULE, "port-lost", DFOTA_HEV_NONE},
        {DFOTA_DIR_HOST, "host-open", DFOTA_HEV_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_event ev = {.dir = cases[i].dir, .data = cases[i].line, .len = strlen(cases[i].line)};
        CU_ASSERT_EQUAL(dfota_harness_event_of(&ev), cases[i].want);
    }
    for (int e = DFOTA_HEV_PORT_LOST; e <= DFOTA_HEV_HOST_CLOSE; e++) {
        const char *n = dfota_harness_event_name((dfota_harness_event)e);
        dfota_event ev = {.dir = DFOTA_DIR_HARNESS, .data = n, .len = strlen(n)};
        CU_ASSERT_EQUAL(dfota_harness_event_of(&ev), e); /* the name reads back */
    }
    CU_ASSERT_STRING_EQUAL(dfota_harness_event_name(DFOTA_HEV_NONE), "");
    CU_ASSERT_STRING_EQUAL(dfota_harness_event_name((dfota_harness_event)99), "");
}

static const test_entry tests[] = {
    {"framing table", test_framing_table},
    {"CRLF split across pushes", test_crlf_split_across_pushes},
    {"split at every position", test_split_everywhere},
    {"line of DFOTA_AT_LINE_MAX and one more", test_line_max},
    {"flush of an unterminated line", test_flush},
    {"classify module lines", test_classify_module},
    {"classify host lines", test_classify_host},
    {"final result codes", test_classify_finals},
    {"several commands on one line", test_command_lines},
    {"every short command line", test_command_lines_exhaustive},
    {"stage names", test_stage_names},
    {"harness events by name", test_harness_events},
};

int main(void)
{
    return RUN_SUITE("atline", tests);
}
