/* SPDX-License-Identifier: MIT */
/* test_transcript.c - the transcript format, version 1 (TRANSCRIPT.md):
 * payload escaping, the writer, and the round trip through the reader:
 * any byte sequence written must come back unchanged, with its direction
 * and its time to the nanosecond. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/at.h"
#include "dfota/log.h"

/* ---- helpers ------------------------------------------------------------ */

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower_hex(char c)
{
    return (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
}

/* Compares an escape with the expected one; the two digits of an \xNN may
 * be in either case (TRANSCRIPT.md does not fix it), nothing else may. */
static int same_escape(const char *got, size_t got_len, const char *want)
{
    size_t n = strlen(want);
    if (got_len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (got[i] == want[i])
            continue;
        int in_hex = (i >= 2 && want[i - 2] == '\\' && want[i - 1] == 'x') ||
                     (i >= 3 && want[i - 3] == '\\' && want[i - 2] == 'x');
        if (!(in_hex && is_hex(got[i]) && lower_hex(got[i]) == lower_hex(want[i])))
            return 0;
    }
    return 1;
}

static void print_bytes(const char *what, const void *p, size_t n)
{
    const unsigned char *b = p;
    printf("%s (%zu):", what, n);
    for (size_t i = 0; i < n && i < 64; i++)
        printf(" %02x", b[i]);
    printf("%s\n", n > 64 ? " ..." : "");
}

/* xorshift64*: fixed seed, so every run checks the same payloads. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* The whole content of a stream, from its start. */
static char *slurp(FILE *f, size_t *len)
{
    CU_ASSERT_EQUAL_FATAL(fflush(f), 0);
    CU_ASSERT_EQUAL_FATAL(fseek(f, 0, SEEK_END), 0);
    long end = ftell(f);
    CU_ASSERT_FATAL(end >= 0);
    rewind(f);
    char *buf = malloc((size_t)end + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    *len = fread(buf, 1, (size_t)end, f);
    CU_ASSERT_EQUAL_FATAL(*len, (size_t)end);
    buf[*len] = '\0';
    rewind(f);
    return buf;
}

/* ---- escape ------------------------------------------------------------- */

#define B(s) s, sizeof s - 1

static const struct {
    const char *name;
    const char *in;
    size_t len;
    const char *out;
} escape_cases[] = {
    {"plain", B("AT+QGMR"), "AT+QGMR"},
    {"URC", B("+QIND: \"FOTA\",\"UPDATING\", 37"), "+QIND: \"FOTA\",\"UPDATING\", 37"},
    {"empty", B(""), ""},
    {"backslash", B("a\\b"), "a\\\\b"},
    {"two backslashes", B("\\\\"), "\\\\\\\\"},
    {"backslash x", B("\\x41"), "\\\\x41"},
    {"CR LF", B("\r\n"), "\\x0d\\x0a"},
    {"NUL", B("\0"), "\\x00"},
    {"NUL inside", B("a\0b"), "a\\x00b"},
    {"tab", B("\t"), "\\x09"},
    {"ESC sequence", B("\x1b[0m"), "\\x1b[0m"},
    {"DEL", B("\x7f"), "\\x7f"},
    {"control picture CR", B("\xe2\x90\x8d"), "\xe2\x90\x8d"},
    {"e acute", B("\xc3\xa9"), "\xc3\xa9"},
    {"no-break space", B("\xc2\xa0"), "\xc2\xa0"},
    {"typographic quotes", B("\xe2\x80\x9c" "FOTA\xe2\x80\x9d"), "\xe2\x80\x9c" "FOTA\xe2\x80\x9d"},
    {"4-byte emoji", B("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80"},
    {"U+FFFF", B("\xef\xbf\xbf"), "\xef\xbf\xbf"},
    {"U+10FFFF", B("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf"},
    {"U+0800", B("\xe0\xa0\x80"), "\xe0\xa0\x80"},
    {"U+10000", B("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80"},
    {"lone continuation", B("\x80"), "\\x80"},
    {"lone continuation between text", B("a\x80z"), "a\\x80z"},
    {"overlong 2-byte", B("\xc0\xaf"), "\\xc0\\xaf"},
    {"overlong C1", B("\xc1\xbf"), "\\xc1\\xbf"},
    {"overlong 3-byte", B("\xe0\x80\xaf"), "\\xe0\\x80\\xaf"},
    {"overlong 4-byte", B("\xf0\x80\x80\xaf"), "\\xf0\\x80\\x80\\xaf"},
    {"surrogate", B("\xed\xa0\x80"), "\\xed\\xa0\\x80"},
    {"last surrogate", B("\xed\xbf\xbf"), "\\xed\\xbf\\xbf"},
    {"F5", B("\xf5"), "\\xf5"},
    {"F5 sequence", B("\xf5\x80\x80\x80"), "\\xf5\\x80\\x80\\x80"},
    {"above U+10FFFF", B("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"},
    {"FE FF", B("\xfe\xff"), "\\xfe\\xff"},
    {"C1 first", B("\xc2\x80"), "\\xc2\\x80"},
    {"C1 CSI", B("\xc2\x9b"), "\\xc2\\x9b"},
    {"C1 last", B("\xc2\x9f"), "\\xc2\\x9f"},
    {"cut 3-byte at the end", B("\xe2\x90"), "\\xe2\\x90"},
    {"cut 3-byte before text", B("\xe2\x90" "A"), "\\xe2\\x90A"},
    {"cut 4-byte", B("\xf0\x9f\x98"), "\\xf0\\x9f\\x98"},
    {"lead byte then lead byte", B("\xc3\xc3\xa9"), "\\xc3\xc3\xa9"},
};

static void test_escape_table(void)
{
    char out[256];
    for (size_t i = 0; i < sizeof escape_cases / sizeof escape_cases[0]; i++) {
        memset(out, 'Z', sizeof out);
        size_t n = dfota_escape(escape_cases[i].in, escape_cases[i].len, out, sizeof out);
        int ok = n < sizeof out && out[n] == '\0' && same_escape(out, n, escape_cases[i].out);
        CU_ASSERT(ok);
        if (!ok) {
            printf("\n  %s:\n", escape_cases[i].name);
            print_bytes("    in ", escape_cases[i].in, escape_cases[i].len);
            print_bytes("    got", out, n < sizeof out ? n : 0);
            printf("    want '%s'\n", escape_cases[i].out);
        }
        /* And back. */
        char back[256];
        memcpy(back, out, n);
        size_t bn = dfota_unescape(back, n);
        CU_ASSERT(bn == escape_cases[i].len && memcmp(back, escape_cases[i].in, bn) == 0);
    }
}

static void test_escape_printable_ascii(void)
{
    char in[128], out[256];
    size_t n = 0;
    for (int c = 0x20; c < 0x7f; c++)
        if (c != '\\')
            in[n++] = (char)c;
    size_t got = dfota_escape(in, n, out, sizeof out);
    CU_ASSERT_EQUAL(got, n);
    CU_ASSERT_EQUAL(memcmp(out, in, n), 0);
    CU_ASSERT_EQUAL(out[n], '\0');
    /* Every other single byte below 0x20 and from 0x7f is escaped alone. */
    for (int c = 0; c < 256; c++) {
        if (c >= 0x20 && c < 0x7f)
            continue;
        char b = (char)c, want[8];
        snprintf(want, sizeof want, "\\x%02x", (unsigned)c);
        got = dfota_escape(&b, 1, out, sizeof out);
        CU_ASSERT(same_escape(out, got, want));
    }
}

static void test_escape_cap(void)
{
    /* The whole escape of this input, then every cap from 0 to past it. */
    static const char in[] = "A\\\x01\xc3\xa9\xe2\x90\x8d\x80z";
    char full[64];
    size_t need = dfota_escape(in, sizeof in - 1, full, sizeof full);
    /* A, \\, \x01, é, ␍, \x80, z */
    CU_ASSERT_EQUAL_FATAL(need, 1 + 2 + 4 + 2 + 3 + 4 + 1);
    CU_ASSERT(same_escape(full, need, "A\\\\\\x01\xc3\xa9\xe2\x90\x8d\\x80z"));
    for (size_t cap = 0; cap <= need + 2; cap++) {
        char out[64];
        memset(out, '#', sizeof out);
        size_t got = dfota_escape(in, sizeof in - 1, out, cap);
        CU_ASSERT_EQUAL(got, need); /* the length the whole escape needs, like snprintf */
        if (cap == 0) {
            CU_ASSERT_EQUAL(out[0], '#'); /* nothing written */
            continue;
        }
        /* whole units only (A, \\, \x01, é, ␍, \x80, z end at these): a cut
         * text is valid UTF-8 and never ends in half an escape */
        static const size_t ends[] = {0, 1, 3, 7, 9, 12, 16, 17};
        size_t kept = 0;
        for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
            if (ends[e] <= cap - 1)
                kept = ends[e];
        CU_ASSERT_EQUAL(out[kept], '\0');
        CU_ASSERT_EQUAL(memcmp(out, full, kept), 0);
        CU_ASSERT_EQUAL(out[cap], '#'); /* nothing past cap */
    }
    /* snprintf's idiom: a NULL buffer with cap 0 measures. */
    CU_ASSERT_EQUAL(dfota_escape(in, sizeof in - 1, NULL, 0), need);
    /* Cut inside an \xNN: none of it is written, not half of it. */
    char out[3];
    CU_ASSERT_EQUAL(dfota_escape("\x01", 1, out, sizeof out), 4);
    CU_ASSERT_EQUAL(out[0], '\0');
    /* nor half of a UTF-8 character (é is two bytes) */
    CU_ASSERT_EQUAL(dfota_escape("a\xc3\xa9", 3, out, sizeof out), 3);
    CU_ASSERT_STRING_EQUAL(out, "a");
}

/* ---- unescape ----------------------------------------------------------- */

static const struct {
    const char *in;
    const char *out;
    size_t out_len;
} unescape_cases[] = {
    {"plain text", B("plain text")},
    {"", B("")},
    {"\\\\", B("\\")},
    {"\\x41", B("A")},
    {"\\x0d\\x0a", B("\r\n")},
    {"\\x0D\\x0A", B("\r\n")},
    {"\\x00", B("\0")},
    {"a\\x00b", B("a\0b")},
    {"\\xff\\xFe", B("\xff\xfe")},
    {"\\\\x41", B("\\x41")},
    {"\\\\\\x41", B("\\A")},
    {"\\x4", B("\\x4")},
    {"\\x", B("\\x")},
    {"\\xZZ", B("\\xZZ")},
    {"\\x4G", B("\\x4G")},
    {"\\q", B("\\q")},
    {"\\", B("\\")},
    {"abc\\", B("abc\\")},
    {"\\n", B("\\n")},
    {"\xe2\x90\x8d", B("\xe2\x90\x8d")},
};

static void test_unescape_table(void)
{
    for (size_t i = 0; i < sizeof unescape_cases / sizeof unescape_cases[0]; i++) {
        char buf[64];
        size_t n = strlen(unescape_cases[i].in);
        memcpy(buf, unescape_cases[i].in, n);
        size_t got = dfota_unescape(buf, n);
        int ok = got == unescape_cases[i].out_len && memcmp(buf, unescape_cases[i].out, got) == 0;
        CU_ASSERT(ok);
        if (!ok) {
            printf("\n  unescape '%s':\n", unescape_cases[i].in);
            print_bytes("    got ", buf, got);
            print_bytes("    want", unescape_cases[i].out, unescape_cases[i].out_len);
        }
    }
}

static void test_escape_random_round_trip(void)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    static char in[512], out[4 * 512 + 1];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(next_random(&seed) % sizeof in);
        /* Half the rounds draw from a few bytes that make UTF-8 likely. */
        static const unsigned char pick[] = {0xe2, 0x90, 0x8d, 0xc3, 0xa9, 0xf0, 0x9f, 0x98,
                                             0x80, 0xc2, 0xed, 0xa0, '\\', 'x', '4', '1'};
        int utf = round & 1;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = next_random(&seed);
            in[i] = (char)(utf ? pick[r % sizeof pick] : (unsigned char)(r & 0xff));
        }
        size_t e = dfota_escape(in, n, out, sizeof out);
        CU_ASSERT_FATAL(e < sizeof out);
        /* The escape is text: no control byte, no byte a terminal acts on. */
        int text = 1;
        for (size_t i = 0; i < e; i++)
            if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                text = 0;
        CU_ASSERT(text);
        size_t b = dfota_unescape(out, e);
        int same = b == n && memcmp(out, in, n) == 0;
        CU_ASSERT(same);
        if (!same || !text) {
            print_bytes("\n  random payload", in, n);
            break;
        }
    }
}

/* ---- writer ------------------------------------------------------------- */

static void test_writer_text(void)
{
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static const char *const pairs[] = {"module", "EG95EFAR02A07M4G", "port", "usb:2c7c:0195:if02"};
    CU_ASSERT_EQUAL(dfota_transcript_write_header(f, pairs, 2), DFOTA_OK);
    static const struct {
        int64_t t;
        dfota_dir dir;
        const char *data;
    } ev[] = {
        {0, DFOTA_DIR_HOST, "AT+QFOTADL=\"http://www.quectel.com:100/update.zip\""},
        {41250000, DFOTA_DIR_MODULE, "OK"},
        {1000000001, DFOTA_DIR_MODULE, "+QIND: \"FOTA\",\"HTTPSTART\""},
        {48912004000, DFOTA_DIR_HARNESS, "port-lost"},
        {71902113456, DFOTA_DIR_MODULE, "a\\b\r"},
        {71902113456, DFOTA_DIR_MODULE, ""},
        {DFOTA_T_NONE, DFOTA_DIR_HOST, "AT"},
    };
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        dfota_event e = {ev[i].t, ev[i].dir, ev[i].data, strlen(ev[i].data), strlen(ev[i].data), 0, 0, 0};
        CU_ASSERT_EQUAL(dfota_transcript_write_event(f, &e), DFOTA_OK);
    }
    size_t len;
    char *text = slurp(f, &len);
    static const char want[] =
        "# dfota-transcript 1\n"
        "# module: EG95EFAR02A07M4G\n"
        "# port: usb:2c7c:0195:if02\n"
        "0.000000 > AT+QFOTADL=\"http://www.quectel.com:100/update.zip\"\n"
        "0.041250 < OK\n"
        "1.000000001 < +QIND: \"FOTA\",\"HTTPSTART\"\n"
        "48.912004 ! port-lost\n"
        "71.902113456 < a\\\\b\\x0d\n";
    /* The empty payload and the unknown time: the line starts and ends as the format says. */
    size_t wl = sizeof want - 1;
    int same = len > wl && same_escape(text, wl, want);
    CU_ASSERT(same);
    if (!same)
        printf("\n  written:\n%s\n", text);
    if (len > wl) {
        const char *rest = text + wl;
        /* "71.902113456 <" with or without a trailing blank, then "0.000000 > AT" */
        CU_ASSERT(strcmp(rest, "71.902113456 <\n0.000000 > AT\n") == 0 ||
                  strcmp(rest, "71.902113456 < \n0.000000 > AT\n") == 0);
    }
    free(text);
    fclose(f);
}

/* ---- round trip through the reader -------------------------------------- */

typedef struct {
    int64_t t;
    dfota_dir dir;
    char *data;
    size_t len;
} rt_event;

static const char *const rt_pairs[] = {"module", "EG95EFAR02A07M4G", "port", "usb:2c7c:0195:if02",
                                       "started", "2026-11-24T21:00:00.000Z"};
#define RT_PAIRS 3

static void write_all(FILE *f, const rt_event *ev, size_t n)
{
    CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_header(f, rt_pairs, RT_PAIRS), DFOTA_OK);
    for (size_t i = 0; i < n; i++) {
        dfota_event e = {ev[i].t, ev[i].dir, ev[i].data, ev[i].len, ev[i].len, 0, 0, 0};
        CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_event(f, &e), DFOTA_OK);
    }
    CU_ASSERT_EQUAL_FATAL(fflush(f), 0);
    rewind(f);
}

/* Reads f back, compares with ev[0..n), and writes what it read to copy. */
static void read_compare(FILE *f, const rt_event *ev, size_t n, FILE *copy)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_reader *r = dfota_reader_new(f, "round-trip");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    dfota_event e;
    size_t i = 0;
    int rc;
    int header_done = 0;
    while ((rc = dfota_reader_next(r, &e, err, sizeof err)) == 1) {
        if (!header_done) {
            header_done = 1;
            CU_ASSERT_EQUAL(dfota_reader_format(r), DFOTA_FMT_TRANSCRIPT);
            const char *pairs[2 * RT_PAIRS];
            for (size_t k = 0; k < RT_PAIRS; k++) {
                const char *v = dfota_reader_meta(r, rt_pairs[2 * k]);
                CU_ASSERT_PTR_NOT_NULL_FATAL(v);
                CU_ASSERT_STRING_EQUAL(v, rt_pairs[2 * k + 1]);
                pairs[2 * k] = rt_pairs[2 * k];
                pairs[2 * k + 1] = v;
            }
            if (copy)
                CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_header(copy, pairs, RT_PAIRS), DFOTA_OK);
        }
        CU_ASSERT_FATAL(i < n);
        int same = e.dir == ev[i].dir && e.t_ns == ev[i].t && e.len == ev[i].len &&
                   memcmp(e.data, ev[i].data, e.len) == 0 && e.data[e.len] == '\0' &&
                   e.full_len == e.len && e.flags == 0 && e.line == 1 + RT_PAIRS + i + 1;
        CU_ASSERT(same);
        if (!same) {
            printf("\n  event %zu: dir %c/%c t %lld/%lld line %lu\n", i, (char)e.dir, (char)ev[i].dir,
                   (long long)e.t_ns, (long long)ev[i].t, e.line);
            print_bytes("    read ", e.data, e.len);
            print_bytes("    wrote", ev[i].data, ev[i].len);
            break;
        }
        if (copy)
            CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_event(copy, &e), DFOTA_OK);
        i++;
    }
    if (rc < 0)
        printf("\n  reader: %s\n", err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(i, n);
    dfota_reader_free(r);
}

/* Writes, reads back and compares, then re-writes what was read and
 * checks the second file is byte for byte the first. */
static void round_trip(const rt_event *ev, size_t n)
{
    FILE *f = tmpfile(), *copy = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    write_all(f, ev, n);
    read_compare(f, ev, n, copy);
    size_t la, lb;
    char *a = slurp(f, &la), *b = slurp(copy, &lb);
    CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    fclose(f);
    fclose(copy);
}

static char *dup_bytes(const void *p, size_t n)
{
    char *d = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

static char *fill_bytes(const char *unit, size_t unit_len, size_t n)
{
    char *d = malloc(n + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (size_t i = 0; i < n; i++)
        d[i] = unit[i % unit_len];
    d[n] = '\0';
    return d;
}

static const struct {
    const char *bytes;
    size_t len;
} tricky[] = {
    {B("")},
    {B(" ")},
    {B("   leading blanks")},
    {B("trailing blanks   ")},
    {B("# not a comment")},
    {B("OK   // not a comment in a transcript")},
    {B("[10:00:00.123] not a timestamp in a transcript")},
    {B("#")},
    {B("0.000000 > not an event")},
    {B("\\")},
    {B("\\\\")},
    {B("\\x41")},
    {B("\\x")},
    {B("ends with a backslash\\")},
    {B("\r")},
    {B("\n")},
    {B("\r\n")},
    {B("a\rb\nc")},
    {B("\0")},
    {B("a\0b\0")},
    {B("AT+QGMR\xe2\x90\x8d\xe2\x90\x8d\xe2\x90\x8a")},
    {B("+QIND: \xe2\x80\x9c" "FOTA\xe2\x80\x9d,\xe2\x80\x9c" "START\xe2\x80\x9d")},
    {B("\xc3\xa9\xf0\x9f\x98\x80")},
    {B("\x80\xc0\xaf\xed\xa0\x80\xf5\xff\xfe")},
    {B("\xc2\x80\xc2\x9f\xc2\xa0")},
    {B("\xe2\x90")},
    {B("\x1b[2J\x1b]0;title\x07")},
    {B("\xef\xbb\xbf BOM inside")},
    {B("AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"")},
    {B("+QIND: \"FOTA\",\"Last upgrade was not finished,continue upgrade\"")},
};

static void test_round_trip_tricky(void)
{
    enum { N_TRICKY = sizeof tricky / sizeof tricky[0], N = N_TRICKY + 5 };
    rt_event ev[N];
    static const int64_t times[] = {0, 1, 999, 1000, 41250000, 999999999, 1000000000, 1000000001};
    size_t n = 0;
    int64_t t = 0;
    for (size_t i = 0; i < N_TRICKY; i++, n++) {
        if (i < sizeof times / sizeof times[0])
            t = times[i];
        else
            t += (i & 1) ? 123456789 : 1000; /* 9 and 6 fractional digits */
        ev[n].t = t;
        ev[n].dir = i % 3 == 0 ? DFOTA_DIR_HOST : i % 3 == 1 ? DFOTA_DIR_MODULE : DFOTA_DIR_HARNESS;
        ev[n].data = dup_bytes(tricky[i].bytes, tricky[i].len);
        ev[n].len = tricky[i].len;
    }
    /* All 256 byte values in one payload. */
    char all[256];
    for (int c = 0; c < 256; c++)
        all[c] = (char)c;
    ev[n] = (rt_event){t += 1, DFOTA_DIR_MODULE, dup_bytes(all, 256), 256};
    n++;
    /* Payloads of exactly DFOTA_AT_LINE_MAX bytes that escape to 4, 2 and 1-1.5 times as much. */
    ev[n] = (rt_event){t += 1000, DFOTA_DIR_MODULE, fill_bytes("\xff", 1, DFOTA_AT_LINE_MAX),
                       DFOTA_AT_LINE_MAX};
    n++;
    ev[n] = (rt_event){t += 1000, DFOTA_DIR_MODULE, fill_bytes("\\", 1, DFOTA_AT_LINE_MAX),
                       DFOTA_AT_LINE_MAX};
    n++;
    ev[n] = (rt_event){t += 1000, DFOTA_DIR_HOST, fill_bytes("\xc3\xa9", 2, DFOTA_AT_LINE_MAX),
                       DFOTA_AT_LINE_MAX};
    n++;
    /* A large time: many seconds, 9 fractional digits. */
    ev[n] = (rt_event){9000000000LL * 1000000000LL + 987654321, DFOTA_DIR_HARNESS,
                       dup_bytes("note end", 8), 8};
    n++;
    CU_ASSERT_EQUAL_FATAL(n, (size_t)N);
    round_trip(ev, n);
    for (size_t i = 0; i < n; i++)
        free(ev[i].data);
}

static void test_round_trip_random(void)
{
    enum { N = 3000 };
    rt_event *ev = calloc(N, sizeof *ev);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
    uint64_t seed = 0xD1B54A32D192ED03ULL;
    int64_t t = 0;
    static const dfota_dir dirs[] = {DFOTA_DIR_HOST, DFOTA_DIR_MODULE, DFOTA_DIR_HARNESS};
    for (size_t i = 0; i < N; i++) {
        uint64_t r = next_random(&seed);
        /* Half the steps whole microseconds (6 digits), half any nanosecond (9). */
        int64_t step = (int64_t)(r % 10000000000ULL);
        if (r & (1ULL << 40))
            step -= step % 1000;
        if ((r >> 50) % 8 == 0)
            step = 0; /* equal times are allowed */
        t += step;
        ev[i].t = t;
        ev[i].dir = dirs[(r >> 44) % 3];
        size_t len = (size_t)(next_random(&seed) % (DFOTA_AT_LINE_MAX + 1));
        if (i < 3)
            len = i == 0 ? 0 : i == 1 ? DFOTA_AT_LINE_MAX : 1;
        ev[i].data = malloc(len + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ev[i].data);
        for (size_t k = 0; k < len; k++)
            ev[i].data[k] = (char)(next_random(&seed) & 0xff);
        ev[i].len = len;
    }
    round_trip(ev, N);
    for (size_t i = 0; i < N; i++)
        free(ev[i].data);
    free(ev);
}

static void test_header_values_round_trip(void)
{
    /* Header values are escaped when written; reading must give the same
     * value back, or a re-written transcript would escape them twice. */
    static const char *const pairs[] = {"module", "EG95EFAR02A07M4G", "note", "C:\\logs\\run 1 \xc3\xa9",
                                        "odd", "tab\there"};
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_header(f, pairs, 3), DFOTA_OK);
    dfota_event e = {0, DFOTA_DIR_MODULE, "OK", 2, 2, 0, 0, 0};
    CU_ASSERT_EQUAL_FATAL(dfota_transcript_write_event(f, &e), DFOTA_OK);
    rewind(f);
    dfota_reader *r = dfota_reader_new(f, "header");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    char err[DFOTA_ERRBUF];
    CU_ASSERT_EQUAL(dfota_reader_next(r, &e, err, sizeof err), 1);
    for (size_t k = 0; k < 3; k++) {
        const char *v = dfota_reader_meta(r, pairs[2 * k]);
        CU_ASSERT_PTR_NOT_NULL(v);
        if (v) {
            CU_ASSERT_STRING_EQUAL(v, pairs[2 * k + 1]);
            if (strcmp(v, pairs[2 * k + 1]) != 0)
                printf("\n  header '%s' read back as '%s', written '%s'\n", pairs[2 * k], v,
                       pairs[2 * k + 1]);
        }
    }
    CU_ASSERT_PTR_NULL(dfota_reader_meta(r, "absent"));
    dfota_reader_free(r);
    fclose(f);
}

static void test_header_long_value(void)
{
    /* A value too long for the writer is written whole or refused, never
     * cut without a word (STYLE.md, untrusted input). */
    enum { VLEN = 1500 };
    char *value = fill_bytes("v", 1, VLEN);
    const char *pairs[] = {"note", value};
    FILE *f = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    dfota_err rc = dfota_transcript_write_header(f, pairs, 1);
    if (rc == DFOTA_OK) {
        size_t len;
        char *text = slurp(f, &len);
        const char *line = strstr(text, "# note: ");
        CU_ASSERT_PTR_NOT_NULL(line);
        if (line) {
            size_t n = strspn(line + 8, "v");
            CU_ASSERT_EQUAL(n, VLEN);
            if (n != VLEN)
                printf("\n  a %d-byte header value was written as %zu bytes, and the writer said OK\n",
                       VLEN, n);
        }
        free(text);
    }
    fclose(f);
    free(value);
}

static const test_entry tests[] = {
    {"escape table", test_escape_table},
    {"escape of printable ASCII and single bytes", test_escape_printable_ascii},
    {"escape cap and truncation", test_escape_cap},
    {"unescape table", test_unescape_table},
    {"escape then unescape, random", test_escape_random_round_trip},
    {"writer text", test_writer_text},
    {"round trip, tricky payloads", test_round_trip_tricky},
    {"round trip, random payloads", test_round_trip_random},
    {"header values round trip", test_header_values_round_trip},
    {"header value too long for the writer", test_header_long_value},
};

int main(void)
{
    return RUN_SUITE("transcript", tests);
}
