/* reader.c - every log format as one stream of events, in constant memory.
 *
 * The input is read in blocks into one buffer; a physical line is never
 * longer than DFOTA_READ_LINE_MAX. A dfota transcript gives one event per
 * line. A capture (raw, or with timestamp prefixes) is text a person saw:
 * its lines lose their timestamp, comments and control-character glyphs,
 * and the bytes that remain go through the AT framer, because one captured
 * line can hold several AT lines (EG95␍␊␍␊OK␍␊) or half of one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/atline.h"
#include "dfota/reader.h"
#include "dfota/transcript.h"
#include "text.h"

#define BLOCK (256 * 1024)
#define DETECT_LINES 200
#define META_MAX 32
#define META_KEY_MAX 64
#define META_VALUE_MAX 1024
#define NS 1000000000LL
#define DAY_NS (86400LL * NS)

struct dfota_reader {
    FILE *in;
    char name[256];
    dfota_format fmt;
    char *buf;               /* BLOCK + DFOTA_READ_LINE_MAX + 1 bytes */
    size_t cap, start, end;
    int eof;
    int cr_only;             /* the file ends its lines with a lone CR */
    unsigned long lineno;
    int in_header;           /* still before the first event */
    size_t n_meta;
    char meta_key[META_MAX][META_KEY_MAX];
    char meta_val[META_MAX][META_VALUE_MAX];
    int64_t last_t;
    const char *next_bs;     /* the next backslash in the buffer, or NULL: found once per block */
    /* captures */
    dfota_framer *framer;
    int framer_live;         /* the framer may still hold lines of the last physical line */
    int flushed;
    int glyph_mode;
    int have_base;
    int64_t base, last_abs, day_offset, t_cur;
    unsigned long cur_line;
    int dir_hint;            /* the physical line said who sent it (>> << TX: RX:), or 0 */
    int sent_box;            /* the last line was SSCOM's "sent": a lone "□" line closes it */
    int arrows_one_way;      /* arrow markers point one way only: separators, not directions */
    const char *direct;      /* a whole AT line that needs no framing, or NULL */
    size_t direct_len;
    dfota_reader_stats stats;
    char scratch[DFOTA_READ_LINE_MAX + 2];
};

dfota_reader *dfota_reader_new(FILE *in, const char *name)
{
    dfota_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cap = BLOCK + DFOTA_READ_LINE_MAX;
    r->buf = malloc(r->cap + 1);
    r->framer = dfota_framer_new();
    if (!r->buf || !r->framer) {
        dfota_reader_free(r);
        return NULL;
    }
    r->in = in;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "-");
    r->in_header = 1;
    r->t_cur = DFOTA_T_NONE;
    return r;
}

void dfota_reader_free(dfota_reader *r)
{
    if (!r)
        return;
    dfota_framer_free(r->framer);
    free(r->buf);
    free(r);
}

dfota_format dfota_reader_format(const dfota_reader *r)
{
    return r->fmt;
}

const char *dfota_format_name(dfota_format fmt)
{
    switch (fmt) {
    case DFOTA_FMT_TRANSCRIPT: return "transcript";
    case DFOTA_FMT_RAW: return "raw";
    case DFOTA_FMT_STAMPED: return "timestamped";
    case DFOTA_FMT_MODEMMANAGER: return "modemmanager";
    case DFOTA_FMT_DEVICE: return "device";
    case DFOTA_FMT_AUTO: break;
    }
    return "unknown";
}

const char *dfota_reader_meta(const dfota_reader *r, const char *key)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (strcmp(r->meta_key[i], key) == 0)
            return r->meta_val[i];
    return NULL;
}

void dfota_reader_get_stats(const dfota_reader *r, dfota_reader_stats *out)
{
    *out = r->stats;
}

DFOTA_PRINTF(4, 5)
static int fail(const dfota_reader *r, char *err, size_t errlen, const char *fmt, ...);

#include <stdarg.h>
static int fail(const dfota_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[DFOTA_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (err && errlen)
        snprintf(err, errlen, "%s:%lu: %s", r->name, r->lineno, msg);
    return 0;
}

/* ---- physical lines --------------------------------------------------- */

/* Reads more input; returns 0, or a negative dfota_err. */
static int fill(dfota_reader *r)
{
    r->next_bs = NULL;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    while (!r->eof && r->end < r->cap) {
        size_t want = r->cap - r->end;
        if (want > BLOCK)
            want = BLOCK;
        size_t got = fread(r->buf + r->end, 1, want, r->in);
        r->end += got;
        if (got < want) {
            if (ferror(r->in))
                return DFOTA_E_IO;
            r->eof = 1;
        }
        if (got > 0)
            break;
    }
    return 0;
}

/* The next physical line, without its terminator, NUL-terminated in the
 * buffer. Returns 1, 0 at the end, or a negative dfota_err. */
static int next_physical(dfota_reader *r, char **line, size_t *len, char *err, size_t errlen)
{
    char sep = r->cr_only ? '\r' : '\n';
    for (;;) {
        char *p = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(p, sep, avail);
        if (nl || (r->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - p) : avail;
            if (n > DFOTA_READ_LINE_MAX)
                goto too_long;
            r->start += nl ? n + 1 : n;
            if (n > 0 && p[n - 1] == '\r')
                n--;
            p[n] = '\0';
            r->lineno++;
            *line = p;
            *len = n;
            return 1;
        }
        if (r->eof)
            return 0;
        if (avail > DFOTA_READ_LINE_MAX)
            goto too_long;
        int rc = fill(r);
        if (rc < 0) {
            r->lineno++;
            fail(r, err, errlen, "cannot read: %s", dfota_strerror(DFOTA_E_IO));
            return rc;
        }
    }
too_long:
    r->lineno++;
    fail(r, err, errlen, "line longer than %d bytes", DFOTA_READ_LINE_MAX);
    return DFOTA_E_TOO_BIG;
}

/* ---- header metadata -------------------------------------------------- */

/* "# key: value" before the first event. Returns 0 or an error. */
static int take_meta(dfota_reader *r, const char *line, size_t len, char *err, size_t errlen)
{
    const char *p = line + 1, *end = line + len;
    while (p < end && *p == ' ')
        p++;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (!colon || colon == p)
        return 0; /* a plain comment */
    for (const char *k = p; k < colon; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
              *k == '-' || *k == '_'))
            return 0;
    size_t kl = (size_t)(colon - p);
    const char *v = colon + 1;
    while (v < end && *v == ' ')
        v++;
    size_t vl = (size_t)(end - v);
    if (kl >= META_KEY_MAX || r->n_meta >= META_MAX)
        return 0; /* kept in the file, not needed by any rule */
    if (vl >= META_VALUE_MAX) {
        fail(r, err, errlen, "header value of '%.*s' is longer than %d bytes", (int)kl, p,
             META_VALUE_MAX - 1);
        return DFOTA_E_TOO_BIG;
    }
    memcpy(r->meta_key[r->n_meta], p, kl);
    r->meta_key[r->n_meta][kl] = '\0';
    memcpy(r->meta_val[r->n_meta], v, vl);
    vl = dfota_unescape(r->meta_val[r->n_meta], vl); /* the writer escapes values */
    r->meta_val[r->n_meta][vl] = '\0';
    r->n_meta++;
    return 0;
}

/* ---- timestamp prefixes ----------------------------------------------- */

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

static size_t parse_clock(const char *p, const char *end, int64_t *ns);

/* The end of a stamp that began at s: the blanks after it are taken too. */
static size_t stamp_end(const char *s, const char *p, const char *end, int64_t ns, int64_t *t)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    *t = ns;
    return (size_t)(p - s);
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
    return stamp_end(s, p + 1, end, days_from_civil(y, mo, d) * DAY_NS + clock, t);
}

/* Docklight and others: "02.01.2024 10:00:00.123 " (day first). */
static size_t parse_dotted_date(const char *s, const char *end, int64_t *t)
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
    if (!cl || (p + cl < end && p[cl] != ' ' && p[cl] != '\t'))
        return 0;
    return stamp_end(s, p + cl, end, days_from_civil(y, mo, d) * DAY_NS + clock, t);
}

/* "HH:MM:SS" with an optional fraction after '.', ':' or ','. */
static size_t parse_clock(const char *p0, const char *end, int64_t *ns)
{
    const char *p = p0;
    long h, mi, se;
    if (!digits(p, end, 2, &h) || p + 2 >= end || p[2] != ':' || !digits(p + 3, end, 2, &mi) ||
        p + 5 >= end || p[5] != ':' || !digits(p + 6, end, 2, &se))
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

/* Parses a timestamp prefix at s: "[YYYY-MM-DD HH:MM:SS.fff] ",
 * "[HH:MM:SS:fff]", the same without brackets when a blank follows, an ISO
 * 'T' between date and time, and a trailing 'Z'. Returns the bytes taken
 * (0 when s has none); *t is ns, *dated says a date was given. */
static size_t parse_stamp(const char *s, const char *end, int64_t *t, int *dated)
{
    const char *p = s;
    size_t other = parse_teraterm(s, end, t);
    if (!other)
        other = parse_dotted_date(s, end, t);
    if (other) {
        *dated = 1;
        return other;
    }
    long y = 0, mo = 0, d = 0;
    int64_t day = 0;
    int bracket = p < end && *p == '[';
    p += bracket;
    *dated = 0;
    if (digits(p, end, 4, &y) && p + 4 < end && p[4] == '-') {
        if (!digits(p + 5, end, 2, &mo) || p + 7 >= end || p[7] != '-' || !digits(p + 8, end, 2, &d))
            return 0;
        p += 10;
        if (p >= end || (*p != ' ' && *p != 'T' && *p != '_'))
            return 0;
        p++;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 2100)
            return 0; /* the range also keeps nanoseconds inside 64 bits */
        day = days_from_civil(y, mo, d);
        *dated = 1;
    }
    int64_t clock;
    size_t cl = parse_clock(p, end, &clock);
    if (!cl)
        return 0;
    p += cl;
    if (p < end && *p == 'Z')
        p++;
    if (bracket) {
        if (p >= end || *p != ']')
            return 0;
        p++;
    } else if (p < end && *p != ' ' && *p != '\t')
        return 0; /* "12:00:00x" is not a timestamp */
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    *t = day * DAY_NS + clock;
    return (size_t)(p - s);
}

/* ---- format detection ------------------------------------------------- */

static const char *find_seq(const char *s, size_t n, const char *pat, size_t pl)
{
    for (size_t i = 0; i + pl <= n; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, pl) == 0)
            return s + i;
    return NULL;
}


static int is_textish(unsigned char c)
{
    return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == 0x1b;
}

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

static size_t marker_at(const char *s, size_t n, char *dir);

/* A marker that is an arrow (>> << --> <-- -> <-), not a word. */
static int is_arrow(const char *s)
{
    return s[0] == '>' || s[0] == '<' || s[0] == '-';
}

static int detect(dfota_reader *r, char *err, size_t errlen)
{
    while (!r->eof && r->end < BLOCK) {
        int rc = fill(r);
        if (rc < 0) {
            r->lineno = 1;
            fail(r, err, errlen, "cannot read: %s", dfota_strerror(DFOTA_E_IO));
            return rc;
        }
    }
    char *p = r->buf, *end = r->buf + r->end;
    if (end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        r->start = 3;
    p += r->start;
    size_t window = (size_t)(end - p);
    size_t bad = 0;
    for (size_t i = 0; i < window; i++)
        bad += !is_textish((unsigned char)p[i]);
    r->lineno = 1;
    if (window == 0) {
        fail(r, err, errlen, "empty file: not a log");
        return DFOTA_E_INPUT;
    }
    if (bad * 20 > window) {
        /* Windows tools save "Unicode" text as UTF-16: say so, and how to
         * read it, rather than only that it is not text. */
        size_t odd_nul = 0;
        for (size_t i = 1; i < window; i += 2)
            odd_nul += p[i] == '\0';
        if ((window >= 2 && ((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE)) ||
            (window >= 2 && ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF)) ||
            odd_nul * 3 > window)
            fail(r, err, errlen, "the log is UTF-16 text: save or convert it as UTF-8 first");
        else
            fail(r, err, errlen, "not a log: %zu of the first %zu bytes are not text", bad, window);
        return DFOTA_E_INPUT;
    }
    if (!memchr(p, '\n', window) && memchr(p, '\r', window))
        r->cr_only = 1;
    char sep = r->cr_only ? '\r' : '\n';
    size_t magic = strlen(DFOTA_TRANSCRIPT_MAGIC);
    if (window >= 18 && memcmp(p, "# dfota-transcript", 18) == 0) {
        if (window < magic || memcmp(p, DFOTA_TRANSCRIPT_MAGIC, magic) != 0 ||
            (window > magic && p[magic] != '\n' && p[magic] != '\r' && p[magic] != ' ')) {
            fail(r, err, errlen, "unsupported transcript version (this reader takes '%s')",
                 DFOTA_TRANSCRIPT_MAGIC);
            return DFOTA_E_INPUT;
        }
        r->fmt = DFOTA_FMT_TRANSCRIPT;
        r->lineno = 0;
        return 0;
    }
    unsigned lines = 0, stamped = 0, atish = 0, mm = 0, blocks = 0, arrows[2] = {0, 0}, dev = 0;
    while (p < end && lines < DETECT_LINES) {
        char *nl = memchr(p, sep, (size_t)(end - p));
        char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n > 0 && p[0] != '#') {
            int64_t t;
            int dated;
            size_t sl = parse_stamp(p, le, &t, &dated);
            lines++;
            stamped += sl > 0 ? 1u : 0u;
            mm += find_seq(p, n, "--> '", 5) || find_seq(p, n, "<-- '", 5) ? 1u : 0u;
            dev += find_seq(p, n, " [ncp.at] ", 10) || find_seq(p, n, " AT send ", 9) ||
                           find_seq(p, n, " AT read ", 9)
                       ? 1u : 0u;
            char d;
            size_t ml = marker_at(p + sl, n - sl, &d);
            atish += looks_at(p + sl + ml, n - sl - ml) ? 1u : 0u;
            /* SSCOM stamps a block, not each of its lines */
            blocks += sl > 0 && ml > 0 && (p[sl] == '\xe5' || p[sl] == '\xe6') ? 1u : 0u;
            if (ml > 0 && is_arrow(p + sl))
                arrows[d == '>']++;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (atish == 0) {
        fail(r, err, errlen, "not a log: no AT command, result code or URC in the first %u lines",
             lines);
        return DFOTA_E_INPUT;
    }
    /* Arrows one way only are a separator, not a direction: the Arduino
     * serial monitor writes "10:00:00.123 -> " before every line it
     * received. Words (TX:, RX:, SSCOM's) always say who sent a line. */
    r->arrows_one_way = (arrows[0] == 0) != (arrows[1] == 0);
    r->fmt = dev > 0 ? DFOTA_FMT_DEVICE
             : mm > 0 && mm * 4 >= lines ? DFOTA_FMT_MODEMMANAGER
             : stamped * 2 >= lines || blocks > 0 ? DFOTA_FMT_STAMPED : DFOTA_FMT_RAW;
    r->lineno = 0;
    return 0;
}

/* ---- transcripts ------------------------------------------------------ */

static int transcript_event(dfota_reader *r, char *line, size_t len, dfota_event *ev, char *err,
                            size_t errlen)
{
    char *p = line, *end = line + len;
    static const int64_t pow10[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                      10000, 1000, 100, 10, 1};
    int64_t sec = 0, frac = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (++n > 12) {
            fail(r, err, errlen, "time has more than 12 integer digits");
            return DFOTA_E_INPUT;
        }
        sec = sec * 10 + (*p++ - '0');
    }
    if (n == 0)
        goto bad;
    if (p < end && *p == '.') {
        p++;
        int f = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (++f > 9) {
                fail(r, err, errlen, "time has more than 9 fractional digits");
                return DFOTA_E_INPUT;
            }
            frac = frac * 10 + (*p++ - '0');
        }
        if (f == 0)
            goto bad;
        frac *= pow10[f];
    }
    if (end - p < 2 || p[0] != ' ' || (p[1] != '>' && p[1] != '<' && p[1] != '!'))
        goto bad;
    ev->dir = (dfota_dir)p[1];
    p += 2;
    if (p < end) {
        if (*p != ' ')
            goto bad;
        p++;
    }
    if (sec > INT64_MAX / NS || (sec == INT64_MAX / NS && frac > INT64_MAX % NS)) {
        fail(r, err, errlen, "time %lld s is past what the reader can hold", (long long)sec);
        return DFOTA_E_INPUT;
    }
    ev->t_ns = sec * NS + frac;
    if (ev->t_ns < r->last_t) {
        fail(r, err, errlen, "time goes backwards (%lld.%09lld after %lld.%09lld)",
             (long long)(ev->t_ns / NS), (long long)(ev->t_ns % NS), (long long)(r->last_t / NS),
             (long long)(r->last_t % NS));
        return DFOTA_E_INPUT;
    }
    r->last_t = ev->t_ns;
    /* Most payloads hold no backslash: look for the next one once per
     * block rather than once per line. */
    if (!r->next_bs || r->next_bs < p) {
        const char *from = p, *bufend = r->buf + r->end;
        r->next_bs = memchr(from, '\\', (size_t)(bufend - from));
        if (!r->next_bs)
            r->next_bs = bufend;
    }
    size_t pl = r->next_bs < end ? dfota_unescape(p, (size_t)(end - p)) : (size_t)(end - p);
    if (pl > DFOTA_AT_LINE_MAX) {
        fail(r, err, errlen, "payload of %zu bytes is longer than %d", pl, DFOTA_AT_LINE_MAX);
        return DFOTA_E_TOO_BIG;
    }
    p[pl] = '\0';
    ev->data = p;
    ev->len = ev->full_len = pl;
    ev->line = r->lineno;
    ev->flags = 0;
    return 1;
bad:
    fail(r, err, errlen, "expected '<time> <dir> <payload>' with dir one of > < !");
    return DFOTA_E_INPUT;
}

static int next_transcript(dfota_reader *r, dfota_event *ev, char *err, size_t errlen)
{
    char *line;
    size_t len;
    for (;;) {
        int rc = next_physical(r, &line, &len, err, errlen);
        if (rc <= 0)
            return rc;
        if (len == 0)
            continue;
        if (line[0] == '#') {
            if (r->in_header && r->lineno > 1) {
                int e = take_meta(r, line, len, err, errlen);
                if (e < 0)
                    return e;
            }
            continue;
        }
        r->in_header = 0;
        return transcript_event(r, line, len, ev, err, errlen);
    }
}

/* ---- captures --------------------------------------------------------- */

/* Removes a comment a person appended ("   // done") and returns the new
 * length; a '//' inside quotes (a URL) is not one. */
static size_t strip_comment(dfota_reader *r, const char *s, size_t n)
{
    if (!memchr(s, '/', n))
        return n;
    int quoted = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        if (!quoted && s[i] == '/' && s[i + 1] == '/' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            if (!r->stats.comments)
                r->stats.first_comment_line = r->lineno;
            r->stats.comments++;
            while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
                i--;
            return i;
        }
    }
    return n;
}

/* Copies s to r->scratch decoding control pictures (U+2400-U+241F, U+2421,
 * U+2424) to the bytes they stand for. Sets *ends_glyph when the line ends
 * with one. Returns the length. */
static size_t decode_glyphs(dfota_reader *r, const char *s, size_t n, int *any, int *ends_glyph)
{
    size_t o = 0;
    *any = *ends_glyph = 0;
    if (!memchr(s, 0xE2, n)) {
        memcpy(r->scratch, s, n);
        return n;
    }
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x90) {
            unsigned char k = (unsigned char)s[i + 2];
            int b = -1;
            if (k >= 0x80 && k <= 0x9F)
                b = k - 0x80;
            else if (k == 0xA1)
                b = 0x7F;
            else if (k == 0xA4)
                b = '\n';
            if (b >= 0) {
                r->scratch[o++] = (char)b;
                i += 3;
                *any = 1;
                *ends_glyph = (i == n);
                r->stats.glyphs++;
                continue;
            }
        }
        r->scratch[o++] = (char)c;
        i++;
    }
    return o;
}

static void take_time(dfota_reader *r, int64_t t, int dated)
{
    if (!r->have_base) {
        r->have_base = 1;
        r->base = t;
        r->last_abs = t;
    }
    t += r->day_offset;
    /* A clock without a date that goes back by hours passed midnight. */
    if (!dated && t + DAY_NS / 2 < r->last_abs && r->day_offset < 36500 * DAY_NS) {
        r->day_offset += DAY_NS;
        t += DAY_NS;
    }
    if (t < r->last_abs)
        t = r->last_abs; /* never decreasing */
    r->last_abs = t;
    r->t_cur = t - r->base;
}

/* Direction markers that loggers put before a line: taken off, and they
 * decide the direction instead of the "starts with AT" guess. A lone '>'
 * is not one: it is the module's prompt for data. */
static const struct {
    const char *mark;
    size_t len;
    char dir;
} markers[] = {
#define MARK(m, d) {m, sizeof m - 1, d}
    MARK(">> ", '>'), MARK("<< ", '<'), MARK("--> ", '>'), MARK("<-- ", '<'), MARK("-> ", '>'),
    MARK("<- ", '<'), MARK("TX: ", '>'), MARK("RX: ", '<'), MARK("Tx: ", '>'), MARK("Rx: ", '<'),
    MARK("[TX] - ", '>'), MARK("[RX] - ", '<'), /* Docklight; before the short forms */
    MARK("[TX] ", '>'), MARK("[RX] ", '<'), MARK("SEND: ", '>'), MARK("RECV: ", '<'),
    /* SSCOM, the serial tool much used with Chinese modules:
     * "[15:37:11.116]发→◇AT+QGMR" then "□" for what it sent after the text,
     * "[15:37:11.141]收←◆" for what it received */
    MARK("\xe5\x8f\x91\xe2\x86\x92\xe2\x97\x87", '>'), MARK("\xe6\x94\xb6\xe2\x86\x90\xe2\x97\x86", '<'),
#undef MARK
};

/* The length of the marker s[0..n) starts with (its direction in *dir), 0
 * for none. */
static size_t marker_at(const char *s, size_t n, char *dir)
{
    /* Every marker starts with one of these: most lines stop here. */
    if (n < 2 || !memchr("<>-TR[S\xe5\xe6", s[0], 9))
        return 0;
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        size_t ml = markers[i].len;
        /* the blank after the marker is optional at the end of a line */
        if ((n >= ml && memcmp(s, markers[i].mark, ml) == 0) ||
            (n == ml - 1 && memcmp(s, markers[i].mark, ml - 1) == 0)) {
            *dir = markers[i].dir;
            return n >= ml ? ml : n;
        }
    }
    return 0;
}

static size_t take_marker(dfota_reader *r, const char *s, size_t n)
{
    char dir = 0;
    size_t ml = marker_at(s, n, &dir);
    r->dir_hint = ml > 0 && r->arrows_one_way && is_arrow(s) ? 0 : dir;
    r->sent_box = ml > 0 && s[0] == '\xe5'; /* SSCOM's "□" line follows what it sent */
    return ml;
}

/* ---- ModemManager debug lines ----------------------------------------
 * ModemManager[612]: <debug> [1704189600.123456] [modem0/ttyUSB2/at] --> 'AT+QGMR<CR>'
 * ModemManager[612]: <debug> [1704189600.234567] [modem0/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'
 * The arrow gives the direction, the quotes the bytes, <CR> and <LF> the
 * terminators, and the bracketed epoch (when there is one) the time. */

/* An epoch "[1704189600.123456]" somewhere in s[0..n). */
static int mm_epoch(const char *s, size_t n, int64_t *t)
{
    for (const char *p = s; (p = find_seq(p, (size_t)(s + n - p), "[", 1)) != NULL; p++) {
        const char *q = p + 1, *end = s + n;
        int64_t sec = 0, frac = 0, scale = NS;
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
            *t = sec * NS + frac;
            return 1;
        }
    }
    return 0;
}

/* Decodes a ModemManager line into r->scratch; returns -1 when it is not one. */
static long take_mm(dfota_reader *r, const char *s, size_t n)
{
    if (n < 7 || s[n - 1] != '\'')
        return -1; /* every ModemManager AT line ends with its closing quote */
    const char *a = find_seq(s, n, "--> '", 5);
    char dir = '>';
    if (!a) {
        a = find_seq(s, n, "<-- '", 5);
        dir = '<';
    }
    if (!a || n < 2 || s[n - 1] != '\'' || a + 5 > s + n - 1)
        return -1;
    int64_t t;
    if (mm_epoch(s, (size_t)(a - s), &t))
        take_time(r, t, 1);
    r->dir_hint = dir;
    const char *p = a + 5, *end = s + n - 1;
    size_t o = 0;
    while (p < end) {
        if (end - p >= 4 && memcmp(p, "<CR>", 4) == 0) {
            r->scratch[o++] = '\r';
            p += 4;
        } else if (end - p >= 4 && memcmp(p, "<LF>", 4) == 0) {
            r->scratch[o++] = '\n';
            p += 4;
        } else
            r->scratch[o++] = *p++;
    }
    r->stats.glyphs++;
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
 * in C and Python) into r->scratch; returns its length, or -1 when it is
 * not one (an unescaped quote inside, an unknown escape). */
static long decode_literal(dfota_reader *r, const char *s, size_t a, size_t n, char q)
{
    size_t o = 0, i = a + 1;
    while (i < n - 1) {
        char c = s[i++];
        if (c == q)
            return -1;
        if (c != '\\') {
            r->scratch[o++] = c;
            continue;
        }
        if (i >= n - 1)
            return -1;
        char e = s[i++];
        switch (e) {
        case 'r': r->scratch[o++] = '\r'; break;
        case 'n': r->scratch[o++] = '\n'; break;
        case 't': r->scratch[o++] = '\t'; break;
        case '0': r->scratch[o++] = '\0'; break;
        case '\\': case '\'': case '"': r->scratch[o++] = e; break;
        case 'x':
            if (i + 1 < n && hexval(s[i]) >= 0 && hexval(s[i + 1]) >= 0) {
                r->scratch[o++] = (char)(hexval(s[i]) << 4 | hexval(s[i + 1]));
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

#define DEVICE_TIME_MAX_NS (100LL * 365 * 86400 * 1000000000LL)

/* Leading decimal digits of s[0..n) as an integer with frac digits after
 * a '.', in ns given the unit; the length taken, 0 when none. */
static size_t device_time(const char *s, size_t n, int64_t unit_ns, int64_t *t)
{
    size_t i = 0;
    int64_t v = 0, f = 0, fs = 1;
    while (i < n && s[i] == ' ')
        i++;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - d0 < 15)
        v = v * 10 + (s[i++] - '0');
    /* a count past a century since boot is no time (nor does it overflow
     * here or in take_time's day arithmetic) */
    if (i == d0 || v > DEVICE_TIME_MAX_NS / unit_ns)
        return 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9' && fs < 1000000000LL) {
            f = f * 10 + (s[i++] - '0');
            fs *= 10;
        }
    }
    *t = v * unit_ns + f * (unit_ns / fs);
    return i;
}

/* One line of a device log: returns the bytes' length in r->scratch (a
 * line end added), -2 for a line that is the device's own (left out), or
 * -1 when the line is not of this format. */
static long take_device(dfota_reader *r, const char *s, size_t n)
{
    int64_t t;
    size_t k = device_time(s, n, 1000000LL, &t);
    const char *tag = k ? find_seq(s + k, n - k, " [ncp.at] ", 10) : NULL;
    if (k && tag == s + k) {
        const char *p = tag + 10, *end = s + n;
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon || end - colon < 3 || colon[1] != ' ' || (colon[2] != '>' && colon[2] != '<'))
            return -2;
        take_time(r, t, 1);
        r->dir_hint = colon[2];
        p = colon + 3 + (end - colon > 3 && colon[3] == ' ');
        size_t o = (size_t)(end - p);
        memcpy(r->scratch, p, o);
        r->scratch[o++] = '\n';
        return (long)o;
    }
    if (k && find_seq(s + k, n - k, " [", 2) == s + k)
        return -2; /* another category of the device's log */
    /* the older "secs AT send|read ... \"literal\"" */
    k = device_time(s, n, 1000000000LL, &t);
    const char *at = k ? find_seq(s + k, n - k, " AT ", 4) : NULL;
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
    long o = decode_literal(r, s, (size_t)(q - s), n, '"');
    if (o < 0)
        return -1;
    take_time(r, t, 1);
    r->dir_hint = dir;
    return o;
}

/* Decodes a bytes literal at the end of s[0..n) into r->scratch; returns
 * its length, or -1 when the line does not end with one. */
static long take_bytes_literal(dfota_reader *r, const char *s, size_t n)
{
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
        long o = decode_literal(r, s, a + 1, n, q);
        if (o < 0)
            continue;
        r->dir_hint = bytes_dir(s, a);
        r->stats.glyphs++;
        return o;
    }
    return -1;
}

/* Feeds one physical line of a capture to the framer. */
static void capture_line(dfota_reader *r, char *line, size_t len)
{
    const char *end = line + len;
    int stamped = 0;
    /* SSCOM writes "□" (U+25A1) on a line of its own for the line end it
     * sent after a command: not a byte from the module. */
    if (r->sent_box && len == 3 && memcmp(line, "\xe2\x96\xa1", 3) == 0) {
        r->sent_box = 0;
        r->stats.glyphs++;
        return;
    }
    r->sent_box = 0;
    if (r->fmt == DFOTA_FMT_STAMPED) {
        int64_t t;
        int dated;
        size_t sl = parse_stamp(line, end, &t, &dated);
        if (sl) {
            take_time(r, t, dated);
            line += sl;
            len -= sl;
            stamped = 1;
        }
    }
    long mm = r->fmt == DFOTA_FMT_DEVICE ? take_device(r, line, len) : -1;
    if (mm == -2)
        return; /* the device's own line, not its modem's */
    if (mm < 0)
        mm = take_mm(r, line, len);
    if (mm < 0)
        mm = take_bytes_literal(r, line, len);
    if (mm >= 0) {
        r->cur_line = r->lineno;
        dfota_framer_push(r->framer, (const uint8_t *)r->scratch, (size_t)mm);
        r->framer_live = 1;
        return;
    }
    size_t ml = take_marker(r, line, len);
    line += ml;
    len -= ml;
    len = strip_comment(r, line, len);
    r->cur_line = r->lineno;
    /* The common case: a plain line with no glyph and no CR, and nothing
     * held in the framer, is one whole AT line as it stands. */
    if (len > 0 && len <= DFOTA_AT_LINE_MAX && !(r->glyph_mode && stamped) &&
        dfota_framer_idle(r->framer) &&
        !memchr(line, 0xE2, len) && !memchr(line, '\r', len)) {
        line[len] = '\0'; /* the buffer is ours; what follows was a comment or the newline */
        r->direct = line;
        r->direct_len = len;
        return;
    }
    int any, ends;
    size_t n = decode_glyphs(r, line, len, &any, &ends);
    if (any)
        r->glyph_mode = 1;
    /* A terminal that shows terminators as glyphs timestamps each chunk it
     * receives, and a chunk may end anywhere: such a line ends only where
     * its glyphs say, and a cut line goes on in the next chunk. A line with
     * no timestamp there is a person's note, and ends with itself; so does
     * a raw line with no glyph at all. */
    int joins = r->glyph_mode && (stamped || (any && !ends));
    if (!joins)
        r->scratch[n++] = '\n';
    r->cur_line = r->lineno;
    dfota_framer_push(r->framer, (const uint8_t *)r->scratch, n);
    r->framer_live = 1;
}

static int capture_event(dfota_reader *r, dfota_event *ev, const char *s, size_t len, size_t full,
                         unsigned flags)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    int host = len - i >= 2 && (s[i] == 'A' || s[i] == 'a') && (s[i + 1] == 'T' || s[i + 1] == 't');
    if (r->dir_hint)
        host = r->dir_hint == '>';
    ev->dir = host ? DFOTA_DIR_HOST : DFOTA_DIR_MODULE;
    ev->t_ns = r->t_cur;
    ev->data = s;
    ev->len = len;
    ev->full_len = full;
    ev->line = r->cur_line;
    ev->flags = flags | (r->dir_hint ? 0u : DFOTA_EV_GUESSED_DIR);
    return 1;
}

static int next_capture(dfota_reader *r, dfota_event *ev, char *err, size_t errlen)
{
    const char *s;
    size_t len, full;
    unsigned flags;
    for (;;) {
        if (r->direct) {
            s = r->direct;
            r->direct = NULL;
            return capture_event(r, ev, s, r->direct_len, r->direct_len, 0);
        }
        if (r->framer_live) {
            if (dfota_framer_next(r->framer, &s, &len, &full, &flags))
                return capture_event(r, ev, s, len, full, flags);
            r->framer_live = 0;
        }
        char *line;
        size_t n;
        int rc = next_physical(r, &line, &n, err, errlen);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (!r->flushed) {
                r->flushed = 1;
                if (dfota_framer_flush(r->framer, &s, &len, &full, &flags))
                    return capture_event(r, ev, s, len, full, flags);
            }
            return 0;
        }
        if (r->in_header && n > 0 && line[0] == '#') {
            int e = take_meta(r, line, n, err, errlen);
            if (e < 0)
                return e;
            continue;
        }
        if (n > 0)
            r->in_header = 0;
        capture_line(r, line, n);
    }
}

int dfota_reader_next(dfota_reader *r, dfota_event *ev, char *err, size_t errlen)
{
    if (r->fmt == DFOTA_FMT_AUTO) {
        int rc = detect(r, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (r->fmt == DFOTA_FMT_TRANSCRIPT)
        return next_transcript(r, ev, err, errlen);
    return next_capture(r, ev, err, errlen);
}
