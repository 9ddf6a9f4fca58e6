/* SPDX-License-Identifier: MIT */
/* decode.c - lines that hold the bytes in a program's own notation
 * (decode.h): ModemManager's quoted text with <CR><LF>, a Python bytes
 * literal, a Particle device's trace, literal \r\n escapes. */
#include <string.h>

#include "dfota/base.h"
#include "decode.h"
#include "base/text.h"


/* ---- ModemManager debug lines ----------------------------------------
 * ModemManager[612]: <debug> [1704189600.123456] [modem0/ttyUSB2/at] --> 'AT+QGMR<CR>'
 * ModemManager[612]: <debug> [1704189600.234567] [modem0/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'
 * The arrow gives the direction, the quotes the bytes, <CR> and <LF> the
 * terminators, and the bracketed epoch (when there is one) the time. */

/* An epoch "[1704189600.123456]" somewhere in s[0..n). */
static int mm_epoch(const char *s, size_t n, int64_t *t)
{
    for (const char *p = s; (p = text_find(p, (size_t)(s + n - p), "[", 1)) != NULL; p++) {
        const char *q = p + 1, *end = s + n;
        int64_t sec = 0, frac = 0, scale = DFOTA_NS_PER_S;
        int nd = 0;
        while (q < end && *q >= '0' && *q <= '9' && nd < 10) {
            sec = sec * 10 + (*q++ - '0');
            nd++;
        }
        if (nd < 9 || q >= end || *q != '.')
            continue;
        q++;
        while (q < end && *q >= '0' && *q <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*q - '0') * scale;
            }
            q++;
        }
        if (q < end && *q == ']' && sec < 4000000000LL) {
            *t = sec * DFOTA_NS_PER_S + frac;
            return 1;
        }
    }
    return 0;
}

long dfota_decode_mm(const char *s, size_t n, dfota_decoded *d)
{
    if (n < 7 || s[n - 1] != '\'')
        return -1; /* every ModemManager AT line ends with its closing quote */
    const char *a = text_find(s, n, "--> '", 5);
    char dir = '>';
    if (!a) {
        a = text_find(s, n, "<-- '", 5);
        dir = '<';
    }
    if (!a || n < 2 || s[n - 1] != '\'' || a + 5 > s + n - 1)
        return -1;
    d->has_time = mm_epoch(s, (size_t)(a - s), &d->t);
    d->dir = dir;
    d->glyphs = 1;
    const char *p = a + 5, *end = s + n - 1;
    size_t o = 0;
    while (p < end) {
        if (end - p >= 4 && memcmp(p, "<CR>", 4) == 0) {
            d->out[o++] = '\r';
            p += 4;
        } else if (end - p >= 4 && memcmp(p, "<LF>", 4) == 0) {
            d->out[o++] = '\n';
            p += 4;
        } else
            d->out[o++] = *p++;
    }
    return (long)o;
}

/* ---- bytes as a program printed them ----------------------------------
 * Host code in Python logs what it wrote and read as bytes literals:
 *   2024-01-02 10:00:00,123 DEBUG modem: TX: b'AT+QGMR\r'
 *   2024-01-02 10:00:00,140 DEBUG modem: RX: b'\r\nOK\r\n'
 * The literal is the last thing on the line; its escapes (\r \n \t \\
 * \' \" \xNN) are the bytes. A word before it (TX, RX, write, read, send,
 * recv, >>, <<) says who sent them. */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The direction a word before a bytes literal gives, or 0. */
static char bytes_dir(const char *s, size_t n)
{
    static const struct {
        const char *w;
        char dir;
    } words[] = {{"tx", '>'}, {"send", '>'}, {"sent", '>'}, {"sending", '>'}, {"write", '>'},
                 {"wrote", '>'}, {"writing", '>'}, {">>", '>'}, {"->", '>'}, {"rx", '<'},
                 {"recv", '<'}, {"received", '<'}, {"receiving", '<'}, {"read", '<'},
                 {"reading", '<'}, {"<<", '<'}, {"<-", '<'}};
    char dir = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == '=' || s[i] == '[' ||
                         s[i] == ']' || s[i] == '(' || s[i] == ','))
            i++;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != ':' && s[i] != '=' && s[i] != '[' &&
               s[i] != ']' && s[i] != '(' && s[i] != ',')
            i++;
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
            if (strlen(words[k].w) == i - b && text_starts_ci(s + b, i - b, words[k].w))
                dir = words[k].dir; /* the last such word wins */
    }
    return dir;
}

/* Decodes the literal s[a] .. s[n - 1] (quote q at both ends, escapes as
 * in C and Python) into out; returns its length, or -1 when it is
 * not one (an unescaped quote inside, an unknown escape). */
static long decode_literal(char *out, const char *s, size_t a, size_t n, char q)
{
    size_t o = 0, i = a + 1;
    while (i < n - 1) {
        char c = s[i++];
        if (c == q)
            return -1;
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (i >= n - 1)
            return -1;
        char e = s[i++];
        switch (e) {
        case 'r': out[o++] = '\r'; break;
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case '0': out[o++] = '\0'; break;
        case '\\': case '\'': case '"': out[o++] = e; break;
        case 'x':
            if (i + 1 < n && hexval(s[i]) >= 0 && hexval(s[i + 1]) >= 0) {
                out[o++] = (char)(hexval(s[i]) << 4 | hexval(s[i + 1]));
                i += 2;
                break;
            }
            return -1;
        default: return -1;
        }
    }
    return (long)o;
}

/* ---- a device's own log of its modem (DFOTA_FMT_DEVICE) ---------------
 * Particle Device OS, whose cellular devices carry Quectel modules:
 *   0000068021 [ncp.at] TRACE: > AT+COPS=3,2       milliseconds since boot
 *   0000068029 [ncp.at] TRACE: < OK
 *   0000117024 [hal] TRACE: Powering modem on      the device's own: left out
 * and the older
 *   20.853 AT send      11 "AT+CREG=2\r\n"          seconds since boot
 *   20.858 AT read  OK   6 "\r\nOK\r\n"             a C literal of the bytes */

#define DEVICE_TIME_MAX_NS (100LL * 365 * 86400 * DFOTA_NS_PER_S)

/* Leading decimal digits of s[0..n) as an integer with frac digits after
 * a '.', in ns given the unit; the length taken, 0 when none. A count past
 * a century since boot is no time (nor may it overflow here or in the
 * reader's day arithmetic): the digits are taken and *t is -1, the time
 * unknown. */
static size_t device_time(const char *s, size_t n, int64_t unit_ns, int64_t *t)
{
    size_t i = 0;
    int64_t v = 0, f = 0, fs = 1;
    int over = 0;
    while (i < n && s[i] == ' ')
        i++;
    size_t d0 = i;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (!over)
            v = v * 10 + (s[i] - '0');
        over = over || v > DEVICE_TIME_MAX_NS / unit_ns;
    }
    if (i == d0)
        return 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (fs < DFOTA_NS_PER_S) {
                f = f * 10 + (s[i] - '0');
                fs *= 10;
            }
            i++;
        }
    }
    *t = over ? -1 : v * unit_ns + f * (unit_ns / fs);
    return i;
}

/* The line's time, or its time unknown when out of range. */
static void device_stamp(dfota_decoded *d, int64_t t)
{
    d->t = t < 0 ? 0 : t;
    d->has_time = t >= 0;
    d->time_unknown = t < 0;
}

long dfota_decode_device(const char *s, size_t n, dfota_decoded *d)
{
    int64_t t;
    size_t k = device_time(s, n, DFOTA_NS_PER_MS, &t);
    const char *tag = k ? text_find(s + k, n - k, " [ncp.at] ", 10) : NULL;
    if (k && tag == s + k) {
        const char *p = tag + 10, *end = s + n;
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon || end - colon < 3 || colon[1] != ' ' || (colon[2] != '>' && colon[2] != '<'))
            return -2;
        device_stamp(d, t);
        d->dir = colon[2];
        p = colon + 3 + (end - colon > 3 && colon[3] == ' ');
        size_t o = (size_t)(end - p);
        memcpy(d->out, p, o);
        d->out[o++] = '\n';
        return (long)o;
    }
    if (k && text_find(s + k, n - k, " [", 2) == s + k)
        return -2; /* another category of the device's log */
    /* the older "secs AT send|read ... \"literal\"" */
    k = device_time(s, n, DFOTA_NS_PER_S, &t);
    const char *at = k ? text_find(s + k, n - k, " AT ", 4) : NULL;
    if (!at)
        return -1;
    const char *w = at + 4;
    size_t rest = (size_t)(s + n - w);
    char dir = rest >= 4 && memcmp(w, "send", 4) == 0 ? '>' : rest >= 4 && memcmp(w, "read", 4) == 0 ? '<' : 0;
    const char *q = memchr(w, '"', rest);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    if (!dir || !q || s[n - 1] != '"' || q == s + n - 1)
        return -1;
    long o = decode_literal(d->out, s, (size_t)(q - s), n, '"');
    if (o < 0)
        return -1;
    device_stamp(d, t);
    d->dir = dir;
    return o;
}

long dfota_decode_bytes_literal(const char *s, size_t n, dfota_decoded *d)
{
    if (!memchr(s, 'b', n))
        return -1; /* no b' at all: most lines stop here */
    /* what a print may close it with: read(b'...'), [b'...'], b'...', */
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == ')' || s[n - 1] == ']' ||
                     s[n - 1] == ','))
        n--;
    if (n < 3 || (s[n - 1] != '\'' && s[n - 1] != '"'))
        return -1;
    char q = s[n - 1];
    /* the opening b' : the first one from which the literal runs cleanly to the end */
    for (size_t a = 0; a + 2 < n; a++) {
        if (s[a] != 'b' || s[a + 1] != q || (a > 0 && word_char(s[a - 1])))
            continue;
        long o = decode_literal(d->out, s, a + 1, n, q);
        if (o < 0)
            continue;
        d->dir = bytes_dir(s, a);
        d->glyphs = 1;
        return o;
    }
    return -1;
}

long dfota_decode_escapes(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char e = s[i + 1];
            char b = e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e == '\\' ? '\\' : 0;
            if (b) {
                out[o++] = b;
                i++;
                continue;
            }
        }
        out[o++] = s[i];
    }
    return (long)o;
}
