/* SPDX-License-Identifier: MIT */
/* detect.c - what a log is (log/reader.h): its encoding (UTF-8, UTF-16, or
 * a binary file that is no log), its line ends, its format and the line
 * prefix its writer put before every line, from its first block. */
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "log/reader.h"
#include "log/sniff.h"

#define DETECT_LINES 200

/* ---- format detection ------------------------------------------------- */

static int looks_at(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'T' || s[1] == 't'))
        return 1;
    if ((n >= 2 && memcmp(s, "OK", 2) == 0) || (n >= 5 && memcmp(s, "ERROR", 5) == 0) ||
        (n >= 3 && memcmp(s, "RDY", 3) == 0) || (n >= 1 && s[0] == '+'))
        return 1;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(s + i, "QIND", 4) == 0 || memcmp(s + i, "AT+", 3) == 0 ||
            memcmp(s + i, "OK\xe2\x90", 4) == 0)
            return 1;
    return 0;
}

/* The prefix of the first line that has the learnt one, as the file
 * spells it: what the output shows as the log's line prefix. */
static void prefix_sample(dfota_reader *r, const char *p, size_t len, char sep)
{
    const char *end = p + len;
    while (p < end && r->pfx.sample[0] == '\0') {
        const char *nl = memchr(p, sep, (size_t)(end - p));
        const char *le = nl ? nl : end;
        dfota_prefix_hit h;
        size_t sl = le > p && p[0] != '#' ? dfota_prefix_take(&r->pfx, p, (size_t)(le - p), &h) : 0;
        if (sl > 0 && h.fits) {
            if (sl >= sizeof r->pfx.sample)
                sl = sizeof r->pfx.sample - 1;
            memcpy(r->pfx.sample, p, sl);
            r->pfx.sample[sl] = '\0';
        }
        p = nl ? nl + 1 : end;
    }
}

/* Reads UTF-16 from now on: what is in the buffer (past its byte order
 * mark) is moved to the raw side and transcoded as it is read. */
static int start_utf16(dfota_reader *r, dfota_sniffed enc, size_t skip)
{
    const char *from = enc == DFOTA_SNIFF_UTF16LE ? "UTF-16LE" : "UTF-16BE";
    if (!r->raw) /* kept by a reset reader */
        r->raw = malloc(r->cap);
    if (!r->raw)
        return DFOTA_E_NOMEM;
    r->cd = iconv_open("UTF-8", from);
    if (r->cd == (iconv_t)-1) {
        r->cd = NULL;
        return DFOTA_E_INPUT;
    }
    r->stats.encoding = from;
    r->raw_len = r->end - r->start - skip;
    memcpy(r->raw, r->buf + r->start + skip, r->raw_len);
    r->raw_eof = r->eof;
    r->eof = 0;
    r->start = r->end = 0;
    while (!r->eof && r->end < BLOCK) {
        int rc = log_fill(r);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The encoding: UTF-8 read as it is, UTF-16 transcoded, a binary file
 * named. Leaves r->start past a byte order mark. */
static int take_encoding(dfota_reader *r, char *err, size_t errlen)
{
    if (r->end - r->start >= 3 && memcmp(r->buf + r->start, "\xef\xbb\xbf", 3) == 0)
        r->start += 3;
    size_t window = r->end - r->start, skip, bad;
    const char *what;
    r->lineno = 1;
    if (window == 0) {
        log_fail(r, err, errlen, "empty file: not a log");
        return DFOTA_E_INPUT;
    }
    dfota_sniffed enc = dfota_sniff((const unsigned char *)r->buf + r->start, window, &skip, &what, &bad);
    if (enc == DFOTA_SNIFF_BINARY) {
        if (what)
            log_fail(r, err, errlen, "not a log: %s", what);
        else
            log_fail(r, err, errlen, "not a log: %zu of the first %zu bytes are not text", bad, window);
        return DFOTA_E_INPUT;
    }
    if (enc == DFOTA_SNIFF_TEXT)
        return 0;
    int rc = start_utf16(r, enc, skip);
    if (rc < 0) {
        log_fail(r, err, errlen, "cannot read the log's UTF-16 text: %s", dfota_strerror(rc));
        return rc;
    }
    enc = dfota_sniff((const unsigned char *)r->buf, r->end, &skip, &what, &bad);
    if (r->end == 0 || enc != DFOTA_SNIFF_TEXT) {
        log_fail(r, err, errlen, "not a log: UTF-16 that is not text");
        return DFOTA_E_INPUT;
    }
    return 0;
}

int log_detect(dfota_reader *r, char *err, size_t errlen)
{
    while (!r->eof && r->end < BLOCK) {
        int rc = log_fill(r);
        if (rc < 0) {
            r->lineno = 1;
            log_fail(r, err, errlen, "cannot read: %s", dfota_strerror(DFOTA_E_IO));
            return rc;
        }
    }
    int rc = take_encoding(r, err, errlen);
    if (rc < 0)
        return rc;
    char *p = r->buf + r->start, *end = r->buf + r->end;
    size_t window = (size_t)(end - p);
    if (!memchr(p, '\n', window) && memchr(p, '\r', window))
        r->cr_only = 1;
    char sep = r->cr_only ? '\r' : '\n';
    size_t magic = strlen(DFOTA_TRANSCRIPT_MAGIC);
    if (window >= 18 && memcmp(p, "# dfota-transcript", 18) == 0) {
        if (window < magic || memcmp(p, DFOTA_TRANSCRIPT_MAGIC, magic) != 0 ||
            (window > magic && p[magic] != '\n' && p[magic] != '\r' && p[magic] != ' ')) {
            log_fail(r, err, errlen, "unsupported transcript version (this reader takes '%s')",
                 DFOTA_TRANSCRIPT_MAGIC);
            return DFOTA_E_INPUT;
        }
        r->fmt = DFOTA_FMT_TRANSCRIPT;
        r->lineno = 0;
        return 0;
    }
    dfota_prefix_learn(&r->pfx, p, window, sep, DETECT_LINES);
    unsigned lines = 0, atish = 0, mm = 0, arrows[2] = {0, 0}, dev = 0;
    /* a log (a syslog) may start with many lines of other programs: look
     * further for the first AT text */
    while (p < end && (lines < DETECT_LINES || atish == 0) && lines < 16 * DETECT_LINES) {
        char *nl = memchr(p, sep, (size_t)(end - p));
        char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n > 0 && p[0] != '#') {
            dfota_prefix_hit h;
            size_t sl = r->pfx.unknown ? 0 : dfota_prefix_take(&r->pfx, p, n, &h);
            lines++;
            mm += text_find(p, n, "--> '", 5) || text_find(p, n, "<-- '", 5) ? 1u : 0u;
            dev += text_find(p, n, " [ncp.at] ", 10) || text_find(p, n, " AT send ", 9) ||
                           text_find(p, n, " AT read ", 9)
                       ? 1u : 0u;
            char d;
            size_t ml = dfota_marker_at(p + sl, n - sl, &d);
            atish += looks_at(p + sl + ml, n - sl - ml) ? 1u : 0u;
            if (ml > 0 && dfota_marker_is_arrow(p + sl))
                arrows[d == '>']++;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (atish == 0) {
        log_fail(r, err, errlen, "not a log: no AT command, result code or URC in the first %u lines",
             lines);
        return DFOTA_E_INPUT;
    }
    /* Arrows one way only are a separator, not a direction: the Arduino
     * serial monitor writes "10:00:00.123 -> " before every line it
     * received. Words (TX:, RX:, SSCOM's) always say who sent a line. */
    r->arrows_one_way = (arrows[0] == 0) != (arrows[1] == 0);
    r->fmt = dev > 0 ? DFOTA_FMT_DEVICE
             : mm > 0 && mm * 4 >= lines ? DFOTA_FMT_MODEMMANAGER
             : r->pfx.form != DFOTA_TIME_NONE ? DFOTA_FMT_STAMPED : DFOTA_FMT_RAW;
    /* ModemManager's and a device's lines carry their own times and marks */
    r->use_prefix = (r->fmt == DFOTA_FMT_STAMPED || r->fmt == DFOTA_FMT_RAW) && dfota_prefix_active(&r->pfx);
    if (r->use_prefix && r->pfx.sample[0] == '\0')
        prefix_sample(r, r->buf + r->start, window, sep);
    if (r->pfx.unknown)
        snprintf(r->stats.unknown_prefix, sizeof r->stats.unknown_prefix, "%s", r->pfx.sample);
    else if (r->use_prefix)
        snprintf(r->stats.prefix, sizeof r->stats.prefix, "%s", r->pfx.sample);
    r->lineno = 0;
    return 0;
}

/* ---- a log by its first bytes ------------------------------------------ */

int dfota_log_sniff(const void *bytes, size_t n)
{
    static const char *const said[] = {"AT", "at+", "OK", "ERROR", "+QIND", "RDY", "+CME"};
    const char *b = bytes;
    size_t skip, bad;
    const char *what;
    dfota_sniffed enc = dfota_sniff((const unsigned char *)b, n, &skip, &what, &bad);
    /* UTF-16 is taken on its byte order mark alone: its words are not
     * looked for. Without the mark, a folder scan passes it over. */
    if (enc == DFOTA_SNIFF_UTF16LE || enc == DFOTA_SNIFF_UTF16BE)
        return skip > 0;
    if (enc != DFOTA_SNIFF_TEXT || memchr(b, '\0', n))
        return 0;
    for (size_t k = 0; k < sizeof said / sizeof said[0]; k++)
        if (text_find(b, n, said[k], strlen(said[k])))
            return 1;
    return 0;
}
