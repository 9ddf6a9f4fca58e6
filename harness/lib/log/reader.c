/* SPDX-License-Identifier: MIT */
/* reader.c - every log format as one stream of events, in constant memory.
 *
 * The input is read in blocks into one buffer; a physical line is never
 * longer than DFOTA_READ_LINE_MAX. A dfota transcript gives one event per
 * line. A capture (raw, or with timestamp prefixes) is text a person saw:
 * its lines lose their timestamp, comments and control-character glyphs,
 * and the bytes that remain go through the AT framer, because one captured
 * line can hold several AT lines (EG95␍␊␍␊OK␍␊) or half of one.
 *
 * Beside it: lines.c (reading blocks, UTF-16, header metadata) and
 * detect.c (what a log is); log/reader.h, the reader's state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/at.h"
#include "dfota/log.h"
#include "log/decode.h"
#include "log/notes.h"
#include "log/prefix.h"
#include "log/reader.h"
#include "base/text.h"

#define DAY_NS (86400LL * DFOTA_NS_PER_S)

/* What a new reader and a reset one start from: in, name, and nothing read. */
static void reader_start(dfota_reader *r, FILE *in, const char *name)
{
    r->in = in;
    r->fd = -1;
    snprintf(r->name, sizeof r->name, "%s", name ? name : "-");
    r->in_header = 1;
    r->t_cur = DFOTA_T_NONE;
}

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
    reader_start(r, in, name);
    return r;
}

void dfota_reader_reset(dfota_reader *r, FILE *in, const char *name)
{
    char *buf = r->buf, *raw = r->raw;
    size_t cap = r->cap;
    dfota_framer *framer = r->framer;
    if (r->cd)
        iconv_close(r->cd);
    dfota_framer_reset(framer);
    /* Everything but the buffers and the header's values (32 KiB that
     * n_meta guards), whose bytes nothing reads before it writes them, is
     * as calloc left it. */
    memset(r, 0, offsetof(dfota_reader, meta_key));
    memset(&r->last_t, 0, offsetof(dfota_reader, scratch) - offsetof(dfota_reader, last_t));
    r->buf = buf;
    r->raw = raw;
    r->cap = cap;
    r->framer = framer;
    reader_start(r, in, name);
}

void dfota_reader_reset_fd(dfota_reader *r, int fd, long long size, const char *name)
{
    dfota_reader_reset(r, NULL, name);
    r->fd = fd;
    r->fd_size = size;
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

int log_fail(const dfota_reader *r, char *err, size_t errlen, const char *fmt, ...)
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
        int rc = log_fill(r);
        if (rc < 0) {
            r->lineno++;
            log_fail(r, err, errlen, "cannot read: %s", dfota_strerror(DFOTA_E_IO));
            return rc;
        }
    }
too_long:
    r->lineno++;
    log_fail(r, err, errlen, "line longer than %d bytes", DFOTA_READ_LINE_MAX);
    return DFOTA_E_TOO_BIG;
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
            log_fail(r, err, errlen, "time has more than 12 integer digits");
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
                log_fail(r, err, errlen, "time has more than 9 fractional digits");
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
    if (sec > INT64_MAX / DFOTA_NS_PER_S ||
        (sec == INT64_MAX / DFOTA_NS_PER_S && frac > INT64_MAX % DFOTA_NS_PER_S)) {
        log_fail(r, err, errlen, "time %lld s is past what the reader can hold", (long long)sec);
        return DFOTA_E_INPUT;
    }
    ev->t_ns = sec * DFOTA_NS_PER_S + frac;
    if (ev->t_ns < r->last_t) {
        log_fail(r, err, errlen, "time goes backwards (%lld.%09lld after %lld.%09lld)",
             (long long)(ev->t_ns / DFOTA_NS_PER_S), (long long)(ev->t_ns % DFOTA_NS_PER_S),
             (long long)(r->last_t / DFOTA_NS_PER_S),
             (long long)(r->last_t % DFOTA_NS_PER_S));
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
        log_fail(r, err, errlen, "payload of %zu bytes is longer than %d", pl, DFOTA_AT_LINE_MAX);
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
    log_fail(r, err, errlen, "expected '<time> <dir> <payload>' with dir one of > < !");
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
                int e = log_take_meta(r, line, len, err, errlen);
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
            int e = log_take_meta(r, line, n, err, errlen);
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
        int rc = log_detect(r, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (r->fmt == DFOTA_FMT_TRANSCRIPT)
        return next_transcript(r, ev, err, errlen);
    return next_capture(r, ev, err, errlen);
}
