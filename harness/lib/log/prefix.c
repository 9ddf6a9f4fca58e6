/* SPDX-License-Identifier: MIT */
/* prefix.c - learns the prefix a log's writer put before every line, and
 * takes it off (prefix.h). The forms of a time and the direction markers
 * are tables in forms.c; the shape of the fields between them is learnt
 * here. */
#include <string.h>

#include "log/prefix.h"
#include "base/text.h"

#define SIGS_MAX 8

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
