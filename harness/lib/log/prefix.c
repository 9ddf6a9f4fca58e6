/* SPDX-License-Identifier: MIT */
/* prefix.c - learns the prefix a log's writer put before every line, and
 * takes it off (prefix.h). The forms of a time and the direction markers
 * are tables here; the shape of the fields between them is learnt. */
#include <string.h>

#include "prefix.h"
#include "base/text.h"

#define NS 1000000000LL
#define DAY_NS (86400LL * NS)
#define SIGS_MAX 8

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

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
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
        p++;
        int n = 0;
        int64_t scale = NS;
        while (p < end && *p >= '0' && *p <= '9') {
            if (n < 9) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
            p++;
            n++;
        }
    }
    *ns = ((int64_t)h * 3600 + mi * 60 + se) * NS + frac;
    return (size_t)(p - p0);
}

/* "SECONDS.FRACTION" at p, at most maxd digits before the point and at
 * least one after it: *sec, *frac in ns, *nd the digits before the point.
 * Returns the end, or NULL when p holds no such number. */
static const char *seconds(const char *p, const char *end, int maxd, int64_t *sec, int64_t *frac, int *nd)
{
    int64_t scale = NS;
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
    return time_end(s, p, end, sec * NS + frac, t);
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
    return time_end(s, p + 1, end, sec * NS + frac, t);
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
    *off = (*p == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60) * NS;
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
    if (digits(p, end, 4, &y) && p + 4 < end && (p[4] == '-' || p[4] == '/')) {
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

/* ---- text that crossed the port --------------------------------------- */

static int upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* Does a result code or keyword end at s[k] (the line, a blank, a CR, a
 * glyph, a literal escape)? */
static int word_ends(const char *s, size_t n, size_t k)
{
    return k >= n || s[k] == ' ' || s[k] == '\r' || s[k] == '\t' || s[k] == '\\' ||
           (unsigned char)s[k] == 0xE2;
}

int dfota_prefix_at_text(const char *s, size_t n)
{
    if (n < 2)
        return 0;
    switch (s[0]) {
    case 'A':
    case 'a':
        return (s[1] == 'T' || s[1] == 't') &&
               (n == 2 || upper(s[2]) || (s[2] >= '0' && s[2] <= '9') || memchr("+&^%$*=?", s[2], 8));
    case 'O': return s[1] == 'K' && word_ends(s, n, 2);
    case 'E': return n >= 5 && memcmp(s, "ERROR", 5) == 0 && word_ends(s, n, 5);
    case 'R': return n >= 3 && memcmp(s, "RDY", 3) == 0 && word_ends(s, n, 3);
    case 'C': return n >= 7 && memcmp(s, "CONNECT", 7) == 0;
    case 'N': return n >= 10 && memcmp(s, "NO CARRIER", 10) == 0;
    case '+': {
        size_t i = 1;
        while (i < n && i < 16 && (upper(s[i]) || (s[i] >= '0' && s[i] <= '9')))
            i++;
        return i > 1 && i < n && s[i] == ':';
    }
    case '\\': return s[1] == 'r' || s[1] == 'n';
    case '\xe2': return n >= 3 && s[1] == '\x90'; /* a control glyph: ␍␊ */
    default: return 0;
    }
}

/* ---- fields ------------------------------------------------------------ */

/* One field at s: a run without blanks and colons, then blanks, or a colon
 * and the blanks after it. Returns the bytes taken (0: not a field); *how
 * is how it ended, *wl the length of its word. */
static size_t take_field(const char *s, size_t n, unsigned char *how, size_t *wl)
{
    size_t i = 0;
    while (i < n && !is_blank(s[i]) && s[i] != ':')
        i++;
    if (i == 0 || i >= n)
        return 0;
    if (s[i] == ':' && n - i >= 3 && s[i + 1] == '/' && s[i + 2] == '/')
        return 0; /* a URL's "scheme://": cut there, its user and password would be a note */
    *wl = i;
    *how = s[i] == ':' ? DFOTA_FIELD_COLON : DFOTA_FIELD_BLANK;
    i++;
    while (i < n && is_blank(s[i]))
        i++;
    return i;
}

/* The lead fields of p at s (the fields some writers put before the time:
 * RFC 5424's "<14>1 ", a port name): their length, or (size_t)-1 when the
 * line does not start with them. */
static size_t skip_lead(const dfota_prefix *p, const char *s, size_t n)
{
    size_t at = 0, wl;
    for (unsigned i = 0; i < p->nlead; i++) {
        unsigned char how;
        size_t fl = take_field(s + at, n - at, &how, &wl);
        if (!fl || how != p->lead_end[i])
            return (size_t)-1;
        at += fl;
    }
    return at;
}

/* The lead and the time at s: the bytes taken, 0 when the line has not both. */
static size_t lead_and_time(dfota_prefix *cache, const dfota_prefix *p, const char *s, const char *end,
                            int64_t *t, int *dated, char *dir)
{
    size_t lead = skip_lead(p, s, (size_t)(end - s));
    if (lead == (size_t)-1)
        return 0;
    size_t tl = dfota_time_parse(cache, p->form, s + lead, end, t, dated, dir);
    return tl ? lead + tl : 0;
}

/* A logger's level or a tag: what makes fields a logger's when no time
 * stands before them ("INFO:modem:", "fotad[812]: ", "<debug>"). */
static int logger_field(const char *s, size_t n)
{
    static const char *const levels[] = {"DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR",
                                         "CRITICAL", "FATAL", "TRACE", "VERBOSE"};
    size_t a = 0, b = n;
    if (n >= 2 && (s[0] == '[' || s[0] == '<') && (s[n - 1] == ']' || s[n - 1] == '>'))
        a = 1, b = n - 1;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (text_equals_ci(s + a, b - a, levels[i]))
            return 1;
    /* name[pid] */
    if (n >= 4 && s[n - 1] == ']') {
        const char *o = memchr(s, '[', n);
        if (o && o > s && o + 1 < s + n - 1) {
            for (const char *q = o + 1; q < s + n - 1; q++)
                if (*q < '0' || *q > '9')
                    return 0;
            return 1;
        }
    }
    return 0;
}

/* ---- learning ---------------------------------------------------------- */

typedef struct {
    unsigned n, votes;
    unsigned char end[DFOTA_PREFIX_FIELDS_MAX];
    int logger;  /* some line's fields were a logger's */
} signature;

static void keep_sample(dfota_prefix *p, const char *s, size_t n)
{
    if (p->sample[0] || n == 0)
        return;
    if (n >= sizeof p->sample)
        n = sizeof p->sample - 1;
    memcpy(p->sample, s, n);
    p->sample[n] = '\0';
}

/* Where AT text starts inside s[0..n) behind a separator of no field
 * (',' ';' '|' ']' '>' ')' or a blank), within the first lim bytes: its
 * offset, 0 for none. Only for learning. */
static size_t hidden_text(const char *s, size_t n, size_t lim)
{
    if (lim > n)
        lim = n;
    for (size_t i = 1; i < lim; i++)
        if (memchr(" \t,;|]>):", s[i - 1], 9) && dfota_prefix_at_text(s + i, n - i))
            return i;
    return 0;
}

/* Walks the fields of one line from s to its text and votes for their
 * shape. Returns 0 when no text was found (the line has no say), else 1
 * with *escaped set when the text holds a literal \r or \n. */
static int vote_fields(signature *sigs, size_t *nsigs, const char *s, size_t n, int *escaped)
{
    signature one = {0, 1, {0}, 0};
    size_t at = 0, wl;
    char dir;
    while (!dfota_prefix_at_text(s + at, n - at) && !dfota_marker_at(s + at, n - at, &dir)) {
        unsigned char how;
        size_t fl = take_field(s + at, n - at, &how, &wl);
        if (!fl)
            return 0;
        if (one.n == DFOTA_PREFIX_FIELDS_MAX)
            return 2; /* text, but behind more fields than a learnt prefix has */
        one.logger |= logger_field(s + at, wl);
        one.end[one.n++] = how;
        at += fl;
    }
    const char *bs = memchr(s + at, '\\', n - at);
    *escaped = bs && bs + 1 < s + n && (bs[1] == 'r' || bs[1] == 'n');
    for (size_t i = 0; i < *nsigs; i++)
        if (sigs[i].n == one.n && memcmp(sigs[i].end, one.end, one.n) == 0) {
            sigs[i].votes++;
            sigs[i].logger |= one.logger;
            return 1;
        }
    if (*nsigs < SIGS_MAX)
        sigs[(*nsigs)++] = one;
    return 1;
}

/* When most lines start with no time: do they start with one to three
 * fields and then a time, always the same number of fields ending the
 * same way ("<14>1 2024-01-02T10:00:00Z ...", "COM3 10:00:00.100 ...")? */
static void learn_lead(dfota_prefix *p, const char *text, const char *end, char sep, unsigned max_lines,
                       const dfota_time_form *order, size_t norder)
{
    unsigned count[DFOTA_PREFIX_LEAD_MAX + 1][DFOTA_TIME_FORMS];
    unsigned char first_end[DFOTA_PREFIX_LEAD_MAX + 1][DFOTA_PREFIX_LEAD_MAX];
    memset(count, 0, sizeof count);
    memset(first_end, 0, sizeof first_end);
    unsigned lines = 0;
    for (const char *s = text; s < end && lines < max_lines;) {
        const char *nl = memchr(s, sep, (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (le > s && s[0] != '#') {
            lines++;
            size_t at = 0, wl;
            unsigned char ends[DFOTA_PREFIX_LEAD_MAX];
            for (unsigned k = 1; k <= DFOTA_PREFIX_LEAD_MAX; k++) {
                unsigned char how;
                size_t fl = take_field(s + at, (size_t)(le - s) - at, &how, &wl);
                if (!fl)
                    break;
                ends[k - 1] = how;
                at += fl;
                for (size_t f = 0; f < norder; f++) {
                    int64_t t;
                    int dated;
                    char dir;
                    if (dfota_time_parse(NULL, order[f], s + at, le, &t, &dated, &dir)) {
                        if (count[k][order[f]]++ == 0)
                            memcpy(first_end[k], ends, k);
                        break;
                    }
                }
            }
        }
        s = nl ? nl + 1 : end;
    }
    unsigned best = 0, bk = 0;
    dfota_time_form bf = DFOTA_TIME_NONE;
    for (unsigned k = 1; k <= DFOTA_PREFIX_LEAD_MAX; k++)
        for (int f = 1; f < DFOTA_TIME_FORMS; f++)
            if (count[k][f] > best) {
                best = count[k][f];
                bk = k;
                bf = (dfota_time_form)f;
            }
    if (best == 0 || best * 2 < lines)
        return;
    p->form = bf;
    p->nlead = bk;
    memcpy(p->lead_end, first_end[bk], bk);
    p->stamped = best;
}

void dfota_prefix_learn(dfota_prefix *p, const char *text, size_t len, char sep, unsigned max_lines)
{
    static const dfota_time_form order[] = {DFOTA_TIME_TERATERM, DFOTA_TIME_DOTTED, DFOTA_TIME_SYSLOG,
                                            DFOTA_TIME_ELAPSED, DFOTA_TIME_EPOCH, DFOTA_TIME_CLOCK};
    unsigned count[DFOTA_TIME_FORMS] = {0};
    memset(p, 0, sizeof *p);
    const char *end = text + len;
    /* the time: the form most lines start with */
    for (const char *s = text; s < end && p->lines < max_lines;) {
        const char *nl = memchr(s, sep, (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (le > s && s[0] != '#') {
            p->lines++;
            for (size_t f = 0; f < sizeof order / sizeof order[0]; f++) {
                int64_t t;
                int dated;
                char dir;
                size_t tl = dfota_time_parse(NULL, order[f], s, le, &t, &dated, &dir);
                if (tl) {
                    count[order[f]]++;
                    /* SSCOM stamps a block, not each of its lines */
                    p->blocks += s + tl < le && (s[tl] == '\xe5' || s[tl] == '\xe6');
                    break;
                }
            }
        }
        s = nl ? nl + 1 : end;
    }
    dfota_time_form best = DFOTA_TIME_NONE;
    for (int f = 1; f < DFOTA_TIME_FORMS; f++)
        if (count[f] > count[best])
            best = (dfota_time_form)f;
    p->stamped = best != DFOTA_TIME_NONE ? count[best] : 0;
    if (p->stamped > 0 && (p->stamped * 2 >= p->lines || p->blocks > 0))
        p->form = best;
    else
        learn_lead(p, text, end, sep, max_lines, order, sizeof order / sizeof order[0]);
    /* the fields: the shape most lines with text have between the time and it */
    signature sigs[SIGS_MAX];
    size_t nsigs = 0;
    unsigned lines = 0, escaped = 0, texts = 0, overflow = 0, hidden = 0;
    const char *overflow_line = NULL, *overflow_end = NULL, *hidden_line = NULL, *hidden_end = NULL;
    size_t overflow_from = 0, hidden_from = 0;
    /* Only lines with AT text have a say: when the first lines hold few
     * (a syslog full of other daemons), look further into the text. */
    for (const char *s = text; s < end && (lines < max_lines || texts < 8) && lines < 16 * max_lines;) {
        const char *nl = memchr(s, sep, (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (le > s && s[0] != '#') {
            lines++;
            size_t tl = 0;
            int64_t t;
            int dated, esc = 0;
            char dir;
            if (p->form == DFOTA_TIME_NONE || (tl = lead_and_time(NULL, p, s, le, &t, &dated, &dir)) > 0) {
                int v = vote_fields(sigs, &nsigs, s + tl, (size_t)(le - s) - tl, &esc);
                if (v == 1) {
                    texts++;
                    escaped += esc != 0;
                } else if (v == 2 && overflow++ == 0)
                    overflow_line = s, overflow_end = le, overflow_from = tl;
                else if (v == 0 && hidden_text(s + tl, (size_t)(le - s) - tl, 96) && hidden++ == 0)
                    hidden_line = s, hidden_end = le, hidden_from = tl;
            }
        }
        s = nl ? nl + 1 : end;
    }
    size_t win = 0;
    for (size_t i = 1; i < nsigs; i++)
        if (sigs[i].votes > sigs[win].votes)
            win = i;
    p->escapes = texts > 0 && escaped * 2 >= texts;
    /* Most lines with text hold it behind more fields than a prefix is
     * learnt with, or glued to what stands before it ("node7,mdm,OK"): a
     * prefix all the same, and one no rule knows. */
    if (overflow + hidden >= 2 && (nsigs == 0 || overflow + hidden > sigs[win].votes)) {
        p->unknown = 1;
        const char *l = overflow >= hidden ? overflow_line : hidden_line;
        const char *le = overflow >= hidden ? overflow_end : hidden_end;
        size_t from = overflow >= hidden ? overflow_from : hidden_from;
        keep_sample(p, l, from + hidden_text(l + from, (size_t)(le - l) - from, (size_t)(le - l) - from));
        return;
    }
    if (nsigs == 0 || sigs[win].n == 0)
        return;
    /* Fields with no time before them are a logger's only when one of them
     * says so (a level, a tag); anything else is a prefix no rule knows. */
    if (p->form == DFOTA_TIME_NONE && !sigs[win].logger) {
        p->unknown = 1;
        for (const char *s = text; s < end && !p->sample[0];) {
            const char *nl = memchr(s, sep, (size_t)(end - s));
            const char *le = nl ? nl : end;
            size_t at = 0, k = 0, wl;
            unsigned char how;
            while (s[0] != '#' && k < sigs[win].n && (size_t)(le - s) > at) {
                size_t fl = take_field(s + at, (size_t)(le - s) - at, &how, &wl);
                if (!fl || how != sigs[win].end[k])
                    break;
                at += fl;
                k++;
            }
            if (k == sigs[win].n && dfota_prefix_at_text(s + at, (size_t)(le - s) - at))
                keep_sample(p, s, at);
            s = nl ? nl + 1 : end;
        }
        return;
    }
    p->nfields = sigs[win].n;
    memcpy(p->field_end, sigs[win].end, sizeof p->field_end);
}

/* ---- taking it off ----------------------------------------------------- */

size_t dfota_prefix_take(dfota_prefix *p, const char *s, size_t n, dfota_prefix_hit *h)
{
    size_t at = 0;
    h->has_time = 0;
    h->dir = 0;
    h->dated = 0;
    h->fits = 1;
    if (p->form != DFOTA_TIME_NONE) {
        at = lead_and_time(p, p, s, s + n, &h->t, &h->dated, &h->dir);
        if (!at) {
            h->fits = p->nfields == 0 && p->nlead == 0; /* a chunk's next line: its own */
            return 0;
        }
        h->has_time = 1;
    }
    for (unsigned i = 0; i < p->nfields; i++) {
        unsigned char how;
        size_t wl, fl = take_field(s + at, n - at, &how, &wl);
        /* AT text where a field should be: the line has no prefix (as
         * learning sees it), its text is whole ("AT+QFOTADL=\"ftp://u:" is
         * no "LEVEL:logger:") */
        if (!fl || how != p->field_end[i] || dfota_prefix_at_text(s + at, n - at)) {
            h->fits = 0;
            return h->has_time ? at : 0;
        }
        at += fl;
    }
    return at;
}
