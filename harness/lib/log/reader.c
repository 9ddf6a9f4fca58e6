/* reader.c - every log format as one stream of events, in constant memory.
 *
 * The input is read in blocks into one buffer; a physical line is never
 * longer than DFOTA_READ_LINE_MAX. A dfota transcript gives one event per
 * line. A capture (raw, or with timestamp prefixes) is text a person saw:
 * its lines lose their timestamp, comments and control-character glyphs,
 * and the bytes that remain go through the AT framer, because one captured
 * line can hold several AT lines (EG95␍␊␍␊OK␍␊) or half of one. */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "dfota/at.h"
#include "dfota/log.h"
#include "notes.h"
#include "prefix.h"
#include "sniff.h"
#include "base/text.h"

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
    const char *next_sp[5];  /* the next of each byte has_special looks for, the same way */
    const char *next_any;    /* the first of those five */
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
    dfota_prefix pfx;        /* the line prefix learnt from the first lines */
    int use_prefix;          /* take it off every line */
    unsigned line_flags;     /* event flags of the current physical line */
    char time_dir;           /* the direction the time's brackets gave, or 0 */
    /* UTF-16 input: read into raw, transcoded into buf */
    iconv_t cd;
    char *raw;
    size_t raw_len;
    int raw_eof;
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
    if (r->cd)
        iconv_close(r->cd);
    free(r->raw);
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

/* Transcodes what raw holds, reading more of it first, into buf: at least
 * one byte unless the input ended. A sequence that is not UTF-16 (a lone
 * surrogate) becomes U+FFFD; a character cut by the end of the file goes. */
static int fill_utf16(dfota_reader *r)
{
    while (r->end + 3 <= r->cap) {
        if (!r->raw_eof && r->raw_len < r->cap) {
            size_t want = r->cap - r->raw_len;
            size_t got = fread(r->raw + r->raw_len, 1, want, r->in);
            r->raw_len += got;
            if (got < want) {
                if (ferror(r->in))
                    return DFOTA_E_IO;
                r->raw_eof = 1;
            }
        }
        char *in = r->raw, *out = r->buf + r->end;
        size_t inleft = r->raw_len, outleft = r->cap - r->end;
        size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
        int e = rc == (size_t)-1 ? errno : 0;
        size_t made = (size_t)(out - (r->buf + r->end));
        r->end += made;
        memmove(r->raw, in, inleft);
        r->raw_len = inleft;
        if (e == EILSEQ && outleft >= 3 && r->raw_len >= 2) {
            memcpy(r->buf + r->end, "\xef\xbf\xbd", 3);
            r->end += 3;
            memmove(r->raw, r->raw + 2, r->raw_len - 2);
            r->raw_len -= 2;
            continue;
        }
        if (r->raw_eof && (r->raw_len == 0 || e == EINVAL)) {
            r->raw_len = 0;
            r->eof = 1;
            return 0;
        }
        if (made > 0 || e == E2BIG)
            return 0;
    }
    return 0;
}

/* Reads more input; returns 0, or a negative dfota_err. */
static int fill(dfota_reader *r)
{
    r->next_bs = NULL;
    memset(r->next_sp, 0, sizeof r->next_sp);
    r->next_any = NULL;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->cd)
        return fill_utf16(r);
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

/* ---- format detection ------------------------------------------------- */

static const char *find_seq(const char *s, size_t n, const char *pat, size_t pl)
{
    for (size_t i = 0; i + pl <= n; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, pl) == 0)
            return s + i;
    return NULL;
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
        int rc = fill(r);
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
        fail(r, err, errlen, "empty file: not a log");
        return DFOTA_E_INPUT;
    }
    dfota_sniffed enc = dfota_sniff((const unsigned char *)r->buf + r->start, window, &skip, &what, &bad);
    if (enc == DFOTA_SNIFF_BINARY) {
        if (what)
            fail(r, err, errlen, "not a log: %s", what);
        else
            fail(r, err, errlen, "not a log: %zu of the first %zu bytes are not text", bad, window);
        return DFOTA_E_INPUT;
    }
    if (enc == DFOTA_SNIFF_TEXT)
        return 0;
    int rc = start_utf16(r, enc, skip);
    if (rc < 0) {
        fail(r, err, errlen, "cannot read the log's UTF-16 text: %s", dfota_strerror(rc));
        return rc;
    }
    enc = dfota_sniff((const unsigned char *)r->buf, r->end, &skip, &what, &bad);
    if (r->end == 0 || enc != DFOTA_SNIFF_TEXT) {
        fail(r, err, errlen, "not a log: UTF-16 that is not text");
        return DFOTA_E_INPUT;
    }
    return 0;
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
            fail(r, err, errlen, "unsupported transcript version (this reader takes '%s')",
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
            mm += find_seq(p, n, "--> '", 5) || find_seq(p, n, "<-- '", 5) ? 1u : 0u;
            dev += find_seq(p, n, " [ncp.at] ", 10) || find_seq(p, n, " AT send ", 9) ||
                           find_seq(p, n, " AT read ", 9)
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
    ev->late_ns = 0; /* a log is read as it came */
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

/* Cuts a person's note off the line (notes.h) and counts it; returns the
 * new length, or -1 when the whole line was one. */
static long take_note(dfota_reader *r, const char *s, size_t n)
{
    const char *note;
    long kept = dfota_notes_strip(s, n, &note);
    if (note && !r->stats.comments++) {
        r->stats.first_comment_line = r->lineno;
        size_t nl = (size_t)(s + n - note);
        if (nl >= sizeof r->stats.first_comment)
            nl = sizeof r->stats.first_comment - 1;
        memcpy(r->stats.first_comment, note, nl);
        r->stats.first_comment[nl] = '\0';
    }
    return kept;
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
    /* A clock without a date that goes back by hours passed midnight; a
     * date without a year (syslog) that goes back by months, New Year. */
    int64_t step = dated == 2 ? 365 * DAY_NS : DAY_NS;
    if (dated != 1 && t + step / 2 < r->last_abs && r->day_offset < 36500 * DAY_NS) {
        r->day_offset += step;
        t += step;
    }
    if (t < r->last_abs)
        t = r->last_abs; /* never decreasing */
    r->last_abs = t;
    r->t_cur = t - r->base;
}

/* A direction marker (prefix.h) taken off the line: it decides the
 * direction instead of the "starts with AT" guess, unless arrows point one
 * way only in the whole log. */
static size_t take_marker(dfota_reader *r, const char *s, size_t n)
{
    char dir = 0;
    size_t ml = dfota_marker_at(s, n, &dir);
    r->dir_hint = ml > 0 && r->arrows_one_way && dfota_marker_is_arrow(s) ? 0 : dir;
    r->sent_box = ml > 0 && s[0] == '\xe5'; /* SSCOM's "□" line follows what it sent */
    return ml;
}

/* Takes the learnt prefix off a line: its time kept, a line that does not
 * fit counted and flagged. Returns the bytes taken; *stamped says a time was. */
static size_t take_prefix(dfota_reader *r, const char *line, size_t len, int *stamped)
{
    dfota_prefix_hit h;
    size_t sl = dfota_prefix_take(&r->pfx, line, len, &h);
    if (h.has_time) {
        take_time(r, h.t, h.dated);
        *stamped = 1;
    }
    r->time_dir = h.dir;
    if (!h.fits && len > 0) {
        /* what stands before the text may be a prefix of another shape */
        r->line_flags = DFOTA_EV_LOG_PREFIX;
        if (!r->stats.misfits++)
            r->stats.first_misfit_line = r->lineno;
    } else if (sl > 0)
        r->stats.prefixed++;
    return sl;
}

/* A line in a program's notation (decode.h), decoded to scratch and pushed
 * to the framer; 1 when it was one. */
static int take_decoded(dfota_reader *r, const char *line, size_t len)
{
    char last = len > 0 ? line[len - 1] : 0;
    /* what each notation ends with: most lines are none of them */
    if (r->fmt != DFOTA_FMT_DEVICE && last != '\'' && last != '"' && last != ')' && last != ']' &&
        last != ',' && last != ' ' && last != '\r')
        return 0;
    dfota_decoded d = {r->scratch, 0, 0, 0, 0, 0};
    long n = r->fmt == DFOTA_FMT_DEVICE ? dfota_decode_device(line, len, &d) : -1;
    if (n == -2)
        return 1; /* the device's own line, not its modem's */
    if (n < 0 && last == '\'')
        n = dfota_decode_mm(line, len, &d);
    if (n < 0 && memchr(line, 'b', len))
        n = dfota_decode_bytes_literal(line, len, &d);
    if (n < 0)
        return 0;
    if (d.has_time)
        take_time(r, d.t, 1);
    else if (d.time_unknown && !r->stats.unknown_times++)
        r->stats.first_unknown_time_line = r->lineno; /* kept at the time before */
    r->dir_hint = d.dir ? d.dir : r->time_dir;
    r->stats.glyphs += d.glyphs ? 1u : 0u;
    r->cur_line = r->lineno;
    dfota_framer_push(r->framer, (const uint8_t *)r->scratch, (size_t)n);
    r->framer_live = 1;
    return 1;
}

/* Bytes a line may hold that need more than a look: a note's first byte
 * ('#' '/' '<', and 0xE2 of '←'), a glyph's first byte (0xE2 again), a CR. */
#define SPECIAL_NOTE 0x0fu  /* DFOTA_NOTES_CHARS, in that order */
#define SPECIAL_GLYPH 0x08u /* 0xE2 */
#define SPECIAL_CR 0x10u

/* Which of those bytes s[0..n), a line in the buffer, holds, as a mask.
 * Each is looked for once per stretch of the buffer, not once per line:
 * most lines hold none, and one memchr over a block costs less than one
 * per line. */
static unsigned has_special(dfota_reader *r, const char *s, size_t n)
{
    static const char specials[] = DFOTA_NOTES_CHARS "\r";
    const char *e = s + n, *bufend = r->buf + r->end;
    if (r->next_any && r->next_any >= e)
        return 0; /* none of them before the line's end, none stale: most lines */
    unsigned mask = 0;
    const char *first = bufend;
    for (size_t k = 0; k < sizeof r->next_sp / sizeof r->next_sp[0]; k++) {
        const char *q = r->next_sp[k];
        if (!q || q < s) {
            q = memchr(s, specials[k], (size_t)(bufend - s));
            r->next_sp[k] = q = q ? q : bufend;
        }
        mask |= (unsigned)(q < e) << k;
        if (q < first)
            first = q;
    }
    r->next_any = first;
    return mask;
}

/* Feeds one physical line of a capture to the framer. */
static void capture_line(dfota_reader *r, char *line, size_t len)
{
    int stamped = 0;
    r->line_flags = r->pfx.unknown ? DFOTA_EV_LOG_PREFIX : 0u;
    r->time_dir = 0;
    /* SSCOM writes "□" (U+25A1) on a line of its own for the line end it
     * sent after a command: not a byte from the module. */
    if (r->sent_box && len == 3 && memcmp(line, "\xe2\x96\xa1", 3) == 0) {
        r->sent_box = 0;
        r->stats.glyphs++;
        return;
    }
    r->sent_box = 0;
    if (r->use_prefix) {
        size_t sl = take_prefix(r, line, len, &stamped);
        line += sl;
        len -= sl;
    }
    if (take_decoded(r, line, len))
        return;
    size_t ml = take_marker(r, line, len);
    if (!ml)
        r->dir_hint = r->time_dir;
    line += ml;
    len -= ml;
    unsigned special = has_special(r, line, len);
    if ((special & SPECIAL_NOTE) || dfota_notes_edge(line, len)) {
        long kept = take_note(r, line, len);
        if (kept < 0)
            return;
        len = (size_t)kept;
    }
    r->cur_line = r->lineno;
    if (r->pfx.escapes && memchr(line, '\\', len)) {
        size_t n = (size_t)dfota_decode_escapes(line, len, r->scratch);
        r->stats.glyphs++;
        if (n == 0 || (r->scratch[n - 1] != '\n' && r->scratch[n - 1] != '\r'))
            r->scratch[n++] = '\n';
        dfota_framer_push(r->framer, (const uint8_t *)r->scratch, n);
        r->framer_live = 1;
        return;
    }
    /* The common case: a plain line with no glyph and no CR, and nothing
     * held in the framer, is one whole AT line as it stands. */
    if (len > 0 && len <= DFOTA_AT_LINE_MAX && !(r->glyph_mode && stamped) &&
        dfota_framer_idle(r->framer) &&
        !(special & (SPECIAL_GLYPH | SPECIAL_CR))) {
        line[len] = '\0'; /* the buffer is ours; what follows was a note or the newline */
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
    ev->flags = flags | r->line_flags | (r->dir_hint ? 0u : DFOTA_EV_GUESSED_DIR);
    ev->late_ns = 0;
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
