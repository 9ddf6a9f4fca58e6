/* SPDX-License-Identifier: MIT */
/* forms.c - the forms a line prefix is made of, as tables (prefix.h): the
 * time forms a logger or terminal writes (dfota_time_parse) and the
 * direction markers before a line (dfota_marker_at). */
#include <string.h>

#include "dfota/base.h"
#include "log/prefix.h"
#include "base/text.h"

#define DAY_NS (86400LL * DFOTA_NS_PER_S)

/* ---- times ------------------------------------------------------------ */

static int digits(const char *s, const char *end, int n, long *v)
{
    long x = 0;
    for (int i = 0; i < n; i++) {
        if (s + i >= end || s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

static int month_number(const char *p, const char *end)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (end - p < 3)
        return 0;
    for (int m = 0; m < 12; m++)
        if (memcmp(p, names + 3 * m, 3) == 0)
            return m + 1;
    return 0;
}

/* Two decimal digits at p (the caller has checked there are two bytes). */
static int two_digits(const char *p, long *v)
{
    unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
    *v = (long)(a * 10 + b);
    return a <= 9 && b <= 9;
}

/* "HH:MM:SS" with an optional fraction after '.', ':' or ','. Every line
 * of a stamped log goes through here: no loops, no calls. */
static size_t parse_clock(const char *p0, const char *end, int64_t *ns)
{
    const char *p = p0;
    long h, mi, se;
    if (end - p < 8 || !two_digits(p, &h) || p[2] != ':' || !two_digits(p + 3, &mi) || p[5] != ':' ||
        !two_digits(p + 6, &se))
        return 0;
    if (h > 23 || mi > 59 || se > 60)
        return 0;
    p += 8;
    int64_t frac = 0;
    if (p + 1 < end && (*p == '.' || *p == ':' || *p == ',') && p[1] >= '0' && p[1] <= '9') {
        /* the first nine digits count, as nanoseconds; no division per digit */
        static const int64_t scale[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                          10000, 1000, 100, 10, 1};
        p++;
        int n = 0;
        while (p < end && (unsigned)((unsigned char)*p - '0') <= 9) {
            if (n < 9) {
                frac = frac * 10 + (*p - '0');
                n++;
            }
            p++;
        }
        frac *= scale[n];
    }
    *ns = ((int64_t)h * 3600 + mi * 60 + se) * DFOTA_NS_PER_S + frac;
    return (size_t)(p - p0);
}

/* "SECONDS.FRACTION" at p, at most maxd digits before the point and at
 * least one after it: *sec, *frac in ns, *nd the digits before the point.
 * Returns the end, or NULL when p holds no such number. */
static const char *seconds(const char *p, const char *end, int maxd, int64_t *sec, int64_t *frac, int *nd)
{
    int64_t scale = DFOTA_NS_PER_S;
    *sec = *frac = 0;
    *nd = 0;
    while (p < end && *p >= '0' && *p <= '9' && *nd < maxd) {
        *sec = *sec * 10 + (*p++ - '0');
        (*nd)++;
    }
    if (*nd == 0 || p >= end || *p != '.')
        return NULL;
    p++;
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    while (p < end && *p >= '0' && *p <= '9') {
        if (scale > 1) {
            scale /= 10;
            *frac += (*p - '0') * scale;
        }
        p++;
    }
    return p;
}

/* Does a time end at p: the line's end, a blank, or a separator a CSV-like
 * capture puts after it (',' ';' '|')? */
static int time_stops(const char *p, const char *end)
{
    return p >= end || is_blank(*p) || *p == ',' || *p == ';' || *p == '|';
}

/* The end of a time that began at s: the blanks after it are taken too,
 * and one separator (',' ';' '|') with the blanks after that. */
static size_t time_end(const char *s, const char *p, const char *end, int64_t ns, int64_t *t)
{
    while (p < end && is_blank(*p))
        p++;
    if (p < end && (*p == ',' || *p == ';' || *p == '|')) {
        p++;
        while (p < end && is_blank(*p))
            p++;
    }
    *t = ns;
    return (size_t)(p - s);
}

/* Seconds since 1970 with a fraction, "1704189600.123": ten digits within
 * this century (a device's 10-digit uptime counter is far below), then a
 * blank or a separator. */
static size_t parse_epoch(const char *s, const char *end, int64_t *t)
{
    int64_t sec, frac;
    int nd;
    const char *p = seconds(s, end, 11, &sec, &frac, &nd);
    if (!p || nd != 10 || sec < 946684800LL || sec > 4102444800LL || !time_stops(p, end))
        return 0;
    return time_end(s, p, end, sec * DFOTA_NS_PER_S + frac, t);
}

/* Tera Term: "[Tue Jan 02 10:00:00.123 2024] ". */
static size_t parse_teraterm(const char *s, const char *end, int64_t *t)
{
    const char *p = s;
    long d, y;
    int mo;
    if (end - p < 26 || p[0] != '[' || p[4] != ' ' || p[8] != ' ')
        return 0;
    if (!(mo = month_number(p + 5, end)) || !digits(p + 9, end, 2, &d) || p[11] != ' ')
        return 0;
    p += 12;
    int64_t clock;
    size_t cl = parse_clock(p, end, &clock);
    if (!cl || p + cl >= end || p[cl] != ' ' || !digits(p + cl + 1, end, 4, &y))
        return 0;
    p += cl + 5;
    if (p >= end || *p != ']' || y < 1970 || y > 2100 || d < 1 || d > 31)
        return 0;
    return time_end(s, p + 1, end, days_from_civil(y, mo, d) * DAY_NS + clock, t);
}

/* Docklight and others: "02.01.2024 10:00:00.123 " (day first). */
static size_t parse_dotted(const char *s, const char *end, int64_t *t)
{
    long d, mo, y;
    if (!digits(s, end, 2, &d) || end - s < 11 || s[2] != '.' || !digits(s + 3, end, 2, &mo) ||
        s[5] != '.' || !digits(s + 6, end, 4, &y) || s[10] != ' ')
        return 0;
    if (d < 1 || d > 31 || mo < 1 || mo > 12 || y < 1970 || y > 2100)
        return 0;
    int64_t clock;
    const char *p = s + 11;
    size_t cl = parse_clock(p, end, &clock);
    if (!cl || (p + cl < end && !is_blank(p[cl])))
        return 0;
    return time_end(s, p + cl, end, days_from_civil(y, mo, d) * DAY_NS + clock, t);
}

/* syslog, journald's "short", moreutils ts: "Jan  2 10:00:01 ", "Jan 02
 * 10:00:01.123456 ". No year: 2001 stands in, and the reader moves on by
 * 365 days when the date goes back (Dec 31 to Jan 1). */
static size_t parse_syslog(const char *s, const char *end, int64_t *t)
{
    int mo = month_number(s, end);
    long d;
    if (!mo || end - s < 15 || s[3] != ' ')
        return 0;
    const char *p = s + 4;
    if (*p == ' ' && digits(p + 1, end, 1, &d))
        p += 2;
    else if (digits(p, end, 2, &d))
        p += 2;
    else
        return 0;
    if (p >= end || *p != ' ' || d < 1 || d > 31)
        return 0;
    p++;
    int64_t clock;
    size_t cl = parse_clock(p, end, &clock);
    if (!cl || (p + cl < end && !is_blank(p[cl])))
        return 0;
    return time_end(s, p + cl, end, days_from_civil(2001, mo, d) * DAY_NS + clock, t);
}

/* grabserial -t: "[3.123456 0.000100] ", seconds since its start and the
 * delta to the line before; also a lone "[  3.123456] ". */
static size_t parse_elapsed(const char *s, const char *end, int64_t *t)
{
    const char *p = s;
    if (p >= end || *p++ != '[')
        return 0;
    while (p < end && *p == ' ')
        p++;
    int64_t sec, frac;
    int nd;
    p = seconds(p, end, 10, &sec, &frac, &nd);
    if (!p)
        return 0;
    if (p < end && *p == ' ') { /* the delta */
        while (p < end && *p == ' ')
            p++;
        const char *d0 = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '.') && p - d0 < 20)
            p++;
        if (p == d0)
            return 0;
    }
    if (p >= end || *p != ']')
        return 0;
    return time_end(s, p + 1, end, sec * DFOTA_NS_PER_S + frac, t);
}

/* "Z", or an offset "+01:00" "+0100" "-05": what to subtract to get UTC. */
static size_t parse_zone(const char *p, const char *end, int64_t *off)
{
    long h, m = 0;
    *off = 0;
    if (p < end && *p == 'Z')
        return 1;
    if (p >= end || (*p != '+' && *p != '-') || !digits(p + 1, end, 2, &h) || h > 14)
        return 0;
    size_t n = 3;
    if (p + 3 < end && p[3] == ':' && digits(p + 4, end, 2, &m))
        n = 6;
    else if (digits(p + 3, end, 2, &m))
        n = 5;
    if (m > 59)
        return 0;
    *off = (*p == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60) * DFOTA_NS_PER_S;
    return n;
}

/* A direction word that closes the time's brackets: "[... Recv]",
 * "[..._S:]". Returns its length up to the ']', 0 for none. */
static size_t bracket_dir(const char *p, const char *end, char *dir)
{
    static const struct {
        const char *w;
        char dir;
    } words[] = {{"send", '>'}, {"sent", '>'}, {"tx", '>'}, {"s", '>'},       {"recv", '<'},
                 {"rcvd", '<'}, {"receive", '<'}, {"received", '<'}, {"rx", '<'}, {"r", '<'}};
    if (p >= end || (*p != ' ' && *p != '_'))
        return 0;
    const char *w = p + 1, *q = w;
    while (q < end && q - w < 10 && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
        q++;
    size_t wl = (size_t)(q - w);
    if (q < end && *q == ':')
        q++;
    if (q >= end || *q != ']')
        return 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (text_equals_ci(w, wl, words[i].w)) {
            *dir = words[i].dir;
            return (size_t)(q - p);
        }
    return 0;
}

/* Are the 10 bytes of two dates the same? (inline: a call to memcmp costs
 * more than the compare, once per line) */
static int same_date(const char *a, const char *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y && a[8] == b[8] && a[9] == b[9];
}

/* "[YYYY-MM-DD HH:MM:SS.fff] ", "[HH:MM:SS:fff]", "2024/01/02 10:00:00 ",
 * ISO "2024-01-02T10:00:00.123+01:00 ", "[... Recv] ". */
static size_t parse_clock_stamp(dfota_prefix *cache, const char *s, const char *end, int64_t *t, int *dated,
                                char *dir)
{
    const char *p = s;
    long y = 0, mo = 0, d = 0;
    int64_t day = 0, off = 0;
    int bracket = p < end && *p == '[';
    p += bracket;
    /* Most lines carry the date of the line before: its bytes, once read
     * and found valid, are not read again. */
    if (cache && cache->last_date[0] && end - p >= 11 && same_date(cache->last_date, p) &&
        (p[10] == ' ' || p[10] == 'T' || p[10] == '_')) {
        day = cache->last_day;
        p += 11;
        *dated = 1;
    } else if (digits(p, end, 4, &y) && p + 4 < end && (p[4] == '-' || p[4] == '/')) {
        char ds = p[4];
        if (!digits(p + 5, end, 2, &mo) || p + 7 >= end || p[7] != ds || !digits(p + 8, end, 2, &d))
            return 0;
        p += 10;
        if (p >= end || (*p != ' ' && *p != 'T' && *p != '_'))
            return 0;
        p++;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 2100)
            return 0; /* the range also keeps nanoseconds inside 64 bits */
        if (cache && same_date(cache->last_date, p - 11))
            day = cache->last_day;
        else {
            day = days_from_civil(y, mo, d);
            if (cache) {
                memcpy(cache->last_date, p - 11, 10);
                cache->last_day = day;
            }
        }
        *dated = 1;
    }
    int64_t clock;
    size_t cl = parse_clock(p, end, &clock);
    if (!cl)
        return 0;
    p += cl;
    p += parse_zone(p, end, &off);
    if (bracket) {
        p += bracket_dir(p, end, dir);
        if (p >= end || *p != ']')
            return 0;
        p++;
    } else if (!time_stops(p, end))
        return 0; /* "12:00:00x" is not a time */
    return time_end(s, p, end, day * DAY_NS + clock - off, t);
}

size_t dfota_time_parse(dfota_prefix *cache, dfota_time_form form, const char *s, const char *end, int64_t *t,
                        int *dated, char *dir)
{
    *dated = 0;
    *dir = 0;
    size_t n = 0;
    switch (form) {
    case DFOTA_TIME_CLOCK: return parse_clock_stamp(cache, s, end, t, dated, dir);
    case DFOTA_TIME_SYSLOG: n = parse_syslog(s, end, t); *dated = n ? 2 : 0; return n;
    case DFOTA_TIME_TERATERM: n = parse_teraterm(s, end, t); break;
    case DFOTA_TIME_DOTTED: n = parse_dotted(s, end, t); break;
    case DFOTA_TIME_ELAPSED: n = parse_elapsed(s, end, t); break;
    case DFOTA_TIME_EPOCH: n = parse_epoch(s, end, t); break;
    case DFOTA_TIME_NONE: case DFOTA_TIME_FORMS: break;
    }
    *dated = n > 0;
    return n;
}

/* ---- direction markers ------------------------------------------------ */

/* Markers that loggers and terminals put before a line: taken off, and they
 * decide the direction instead of the "starts with AT" guess. A lone '>' is
 * not one: it is the module's prompt for data. */
static const struct {
    const char *mark;
    size_t len;
    char dir;
} markers[] = {
#define MARK(m, d) {m, sizeof m - 1, d}
    MARK(">> ", '>'), MARK("<< ", '<'), MARK("--> ", '>'), MARK("<-- ", '<'), MARK("-> ", '>'),
    MARK("<- ", '<'), MARK("TX: ", '>'), MARK("RX: ", '<'), MARK("Tx: ", '>'), MARK("Rx: ", '<'),
    MARK("[TX] - ", '>'), MARK("[RX] - ", '<'), /* Docklight; before the short forms */
    MARK("[TX] ", '>'), MARK("[RX] ", '<'), MARK("[Tx] ", '>'), MARK("[Rx] ", '<'),
    MARK("SEND: ", '>'), MARK("RECV: ", '<'), MARK("Send: ", '>'), MARK("Recv: ", '<'),
    MARK("Sent: ", '>'), MARK("Received: ", '<'),
    /* SSCOM, the serial tool much used with Chinese modules:
     * "[15:37:11.116]发→◇AT+QGMR" then "□" for what it sent after the text,
     * "[15:37:11.141]收←◆" for what it received */
    MARK("\xe5\x8f\x91\xe2\x86\x92\xe2\x97\x87", '>'), MARK("\xe6\x94\xb6\xe2\x86\x90\xe2\x97\x86", '<'),
#undef MARK
};

size_t dfota_marker_at(const char *s, size_t n, char *dir)
{
    /* Every marker starts with one of these pairs: most lines stop here. */
    if (n < 2)
        return 0;
    char b = s[1];
    switch (s[0]) {
    case '<': case '>': case '-': if (b != '<' && b != '>' && b != '-' && b != ' ') return 0; break;
    case 'T': case 'R': if (b != 'X' && b != 'x' && b != 'E' && b != 'e') return 0; break;
    case 'S': if (b != 'E' && b != 'e') return 0; break;
    case '[': if (b != 'T' && b != 'R') return 0; break;
    case '\xe5': case '\xe6': break;
    default: return 0;
    }
    /* "> " before what a person typed: only before a command, since the
     * module's own "> " prompts for data. */
    if (s[0] == '>' && s[1] == ' ') {
        if (n >= 4 && text_starts_ci(s + 2, n - 2, "AT")) {
            *dir = '>';
            return 2;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        size_t ml = markers[i].len;
        if (markers[i].mark[0] != s[0] || markers[i].mark[1] != s[1])
            continue; /* most lines stop here without a call */
        /* the blank after the marker is optional at the end of a line, and
         * after a word's colon ("Send:AT") */
        if (n >= ml && memcmp(s, markers[i].mark, ml) == 0) {
            *dir = markers[i].dir;
            return ml;
        }
        if (n >= ml - 1 && memcmp(s, markers[i].mark, ml - 1) == 0 &&
            (n == ml - 1 || (s[ml - 2] == ':' && s[ml - 1] != ' '))) {
            *dir = markers[i].dir;
            return ml - 1;
        }
    }
    return 0;
}
