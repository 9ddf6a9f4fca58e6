/* SPDX-License-Identifier: MIT */
/* json.c - the JSON that check's output and a run's report share: one
 * encoder for a finding, the rules' statuses, the counts and provenance
 * (report/json.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "report/json.h"

#include "dfota/guide.h"

json_t *dfota_json_seconds(int64_t ns)
{
    return ns == DFOTA_T_NONE ? json_null() : json_real(dfota_seconds(ns));
}

/* ---- the writer -------------------------------------------------------- */

void dfota_jw_free(dfota_jw *w)
{
    free(w->buf);
    *w = (dfota_jw){0};
}

/* The buffer grown to hold n more bytes: 1, or 0 when memory ran out. */
int dfota_jw_grow(dfota_jw *w, size_t n)
{
    if (w->oom)
        return 0;
    size_t cap = w->cap ? w->cap : 16384;
    while (cap - w->len < n) {
        if (cap > SIZE_MAX / 2) {
            w->oom = 1;
            return 0;
        }
        cap *= 2;
    }
    char *b = realloc(w->buf, cap);
    if (!b) {
        w->oom = 1;
        return 0;
    }
    w->buf = b;
    w->cap = cap;
    return 1;
}

static void append(dfota_jw *w, const char *s, size_t n)
{
    if (dfota_jw_room(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void put(dfota_jw *w, char c)
{
    if (dfota_jw_room(w, 1))
        w->buf[w->len++] = c;
}

static void member(dfota_jw *w)
{
    if (dfota_jw_comma(w))
        put(w, ',');
}

/* Where the writer is before a value, to undo it (comma and all) when the
 * value is to be written another way. */
typedef struct {
    size_t len;
    int after_key;
    uint64_t members;
} mark;

static mark mark_take(const dfota_jw *w)
{
    return (mark){w->len, w->after_key, w->members};
}

static void mark_undo(dfota_jw *w, mark m)
{
    w->len = m.len;
    w->after_key = m.after_key;
    w->members = m.members;
}

void dfota_jw_raw(dfota_jw *w, const char *s, size_t n)
{
    member(w);
    append(w, s, n);
}

void dfota_jw_open(dfota_jw *w, char c)
{
    member(w);
    put(w, c);
    w->depth++;
    w->members &= ~((uint64_t)1 << (w->depth & 63));
}

void dfota_jw_close(dfota_jw *w, char c)
{
    w->depth -= w->depth > 0;
    put(w, c);
}

void dfota_jw_json(dfota_jw *w, const json_t *j)
{
    member(w);
    size_t flags = JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(9);
    size_t n = json_dumpb(j, NULL, 0, flags);
    if (n == 0) {
        w->oom = 1;
        return;
    }
    if (dfota_jw_room(w, n) && json_dumpb(j, w->buf + w->len, n, flags) == n)
        w->len += n;
    else
        w->oom = 1;
}

/* 1 when no byte of the 8 in x is a control (< 0x20), '"', '\\', DEL or
 * beyond ASCII: they are copied as they are. A byte that is one of them
 * is never missed (a word with one may be taken byte by byte for nothing). */
static inline int plain8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t ctl = (x - ones * 0x20) & ~x;        /* < 0x20 */
    uint64_t top = ((x & ~high) + ones) | x;       /* >= 0x7f */
    uint64_t quote = (q - ones) & ~q, back = (b - ones) & ~b;
    return ((ctl | top | quote | back) & high) == 0;
}

void dfota_jw_str(dfota_jw *w, const char *s)
{
    if (!s) {
        dfota_jw_null(w);
        return;
    }
    size_t n = strlen(s);
    /* printable ASCII, DEL and well-formed UTF-8 are written here, with the
     * two escapes jansson makes of them (\" and \\); a string with a
     * control byte or one not UTF-8, jansson writes (or holds no string of
     * it: null) */
    if (!dfota_jw_room(w, 2 * n + 3))
        return;
    mark at = mark_take(w);
    member(w);
    char *p = w->buf + w->len;
    const unsigned char *u = (const unsigned char *)s;
    *p++ = '"';
    size_t i = 0;
    while (i < n) {
        uint64_t x;
        if (n - i >= 8 && (memcpy(&x, u + i, 8), plain8(x))) {
            memcpy(p, u + i, 8);
            p += 8;
            i += 8;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x20 && c <= 0x7f) {
            if (c == '"' || c == '\\')
                *p++ = '\\';
            *p++ = (char)c;
            i++;
            continue;
        }
        size_t len = c < 0x20 ? 0 : text_utf8_len(u + i, n - i);
        if (len == 0) {
            mark_undo(w, at);
            json_t *j = json_stringn(s, n);
            if (j)
                dfota_jw_json(w, j);
            else
                dfota_jw_null(w); /* not UTF-8: jansson holds no such string */
            json_decref(j);
            return;
        }
        memcpy(p, u + i, len);
        p += len;
        i += len;
    }
    *p++ = '"';
    w->len = (size_t)(p - w->buf);
}

void dfota_jw_int(dfota_jw *w, long long v)
{
    member(w);
    char b[24], *end = b + sizeof b;
    char *p = text_decimal(v, end);
    append(w, p, (size_t)(end - p));
}

void dfota_jw_int_if(dfota_jw *w, int has, long long v)
{
    if (has)
        dfota_jw_int(w, v);
    else
        dfota_jw_null(w);
}

void dfota_jw_bool(dfota_jw *w, int b)
{
    member(w);
    if (b)
        append(w, "true", 4);
    else
        append(w, "false", 5);
}

void dfota_jw_null(dfota_jw *w)
{
    member(w);
    append(w, "null", 4);
}

void dfota_jw_real(dfota_jw *w, double v)
{
    /* jansson's: %.9g, ".0" when it reads as an integer, no '+' and no
     * leading zeros in the exponent; it holds no NaN or infinity */
    if (v != v || v - v != 0) {
        dfota_jw_null(w);
        return;
    }
    member(w);
    char b[40];
    int n = snprintf(b, sizeof b - 2, "%.9g", v);
    if (n < 0 || (size_t)n >= sizeof b - 2) {
        w->oom = 1;
        return;
    }
    char *e = strchr(b, 'e');
    if (!e && !strchr(b, '.')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    if (e) {
        char *from = e + 1, *to = e + 1;
        if (*from == '-')
            to = ++from;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(b);
    }
    append(w, b, (size_t)n);
}

/* v / 10^k, 0 <= k <= 6, by constants (a division by a variable is slow). */
static unsigned long long tenths(unsigned long long v, unsigned k)
{
    switch (k) {
    case 0:
        return v;
    case 1:
        return v / 10;
    case 2:
        return v / 100;
    case 3:
        return v / 1000;
    case 4:
        return v / 10000;
    case 5:
        return v / 100000;
    default:
        return v / 1000000;
    }
}

/* What jansson writes of dfota_seconds(ns), made from the integer, for
 * 100 us <= ns < 1e15 (11 days): 9 significant digits, rounded half away
 * from the exact value (1 ns from a tie at least, far more than the
 * double's error in that range), trailing zeros dropped, ".0" for a whole
 * number. A tie, and times out of that range, are printf's. 0 when not
 * made here; at most 17 bytes when made. */
static size_t seconds_text(int64_t ns, char *out)
{
    if (ns < 100000 || ns >= 1000000000000000LL)
        return 0;
    unsigned long long v = (unsigned long long)ns, whole = v / 1000000000ULL;
    unsigned k = 0;                /* the digits of the whole seconds (none for 0) */
    unsigned long long unit = 1; /* the last digit kept, in ns: 10^k */
    for (unsigned long long q = whole; q; q /= 10, k++)
        unit *= 10;
    unsigned long long r = v - tenths(v, k) * unit;
    if (2 * r == unit)
        return 0;
    v = v - r + (2 * r > unit ? unit : 0);
    whole = v / 1000000000ULL;
    unsigned long long frac = tenths(v % 1000000000ULL, k); /* 9 - k digits */
    size_t n = 0;
    if (whole == 0)
        out[n++] = '0';
    else {
        /* rounding up may have made one digit more: 9.99999999995 is 10.0 */
        char *end = out + 7, *p = text_decimal((long long)whole, end);
        n = (size_t)(end - p);
        memmove(out, p, n);
    }
    out[n++] = '.';
    if (!frac) {
        out[n++] = '0';
        return n;
    }
    unsigned d = 9 - k;
    while (frac % 10 == 0) {
        frac /= 10;
        d--;
    }
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    unsigned i = d;
    for (; i >= 2; i -= 2, frac /= 100)
        memcpy(out + n + i - 2, pairs + 2 * (frac % 100), 2);
    if (i)
        out[n] = (char)('0' + frac);
    return n + d;
}

void dfota_jw_seconds(dfota_jw *w, int64_t ns)
{
    if (ns == DFOTA_T_NONE) {
        dfota_jw_null(w);
        return;
    }
    if (ns >= 100000 && ns < 1000000000000000LL) {
        mark at = mark_take(w);
        member(w);
        if (!dfota_jw_room(w, 24))
            return;
        size_t n = seconds_text(ns, w->buf + w->len);
        if (n) {
            w->len += n;
            return;
        }
        mark_undo(w, at); /* a tie: printf's */
    }
    dfota_jw_real(w, dfota_seconds(ns));
}

int dfota_jw_flush(dfota_jw *w, FILE *out, dfota_json_indent *in)
{
    int rc = w->oom ? -1 : 0;
    if (w->len && rc == 0)
        rc = in ? dfota_json_indent_write(in, out, w->buf, w->len)
                : fwrite(w->buf, 1, w->len, out) == w->len ? 0 : -1;
    w->len = 0;
    return rc;
}

void dfota_jw_finding(dfota_jw *w, const dfota_finding *f)
{
    const dfota_rule_info *ri = dfota_rule_get(f->rule);
    dfota_jw_open(w, '{');
    dfota_jw_key(w, "rule");
    dfota_jw_str(w, ri->id);
    dfota_jw_key(w, "section");
    dfota_jw_str(w, ri->section);
    dfota_jw_key(w, "level");
    dfota_jw_str(w, dfota_level_name(f->level));
    dfota_jw_key(w, "line");
    dfota_jw_int_if(w, f->line != 0, (long long)f->line);
    dfota_jw_key(w, "t");
    dfota_jw_seconds(w, f->t_ns);
    dfota_jw_key(w, "expected");
    dfota_jw_str(w, f->expected);
    dfota_jw_key(w, "seen");
    dfota_jw_str(w, f->seen);
    dfota_jw_key(w, "quirk");
    dfota_jw_str(w, f->quirk);
    dfota_jw_close(w, '}');
}

void dfota_jw_rules(dfota_jw *w, const dfota_checker_result *res)
{
    dfota_jw_open(w, '{');
    for (int r = 0; res && r < DFOTA_RULE_COUNT; r++)
        if (res->rule[r] != DFOTA_V_NA) {
            dfota_jw_key(w, dfota_rule_get((dfota_rule)r)->id);
            dfota_jw_str(w, dfota_verdict_name(res->rule[r]));
        }
    dfota_jw_close(w, '}');
}

void dfota_jw_counts(dfota_jw *w, const dfota_checker_result *res)
{
    dfota_jw_open(w, '{');
    for (int l = DFOTA_L_NOTE; l <= DFOTA_L_FAIL; l++) {
        dfota_jw_key(w, dfota_level_name((dfota_level)l));
        dfota_jw_int(w, res ? (long long)res->count[l] : 0);
    }
    dfota_jw_close(w, '}');
}

/* The jansson value of what a writer call makes: one definition of each
 * shared part, for a run's report.json, which builds its document. */
#define AS_JSON(call)                                                                              \
    do {                                                                                           \
        dfota_jw w = {0};                                                                          \
        call;                                                                                      \
        json_t *j = w.oom ? NULL : json_loadb(w.buf, w.len, JSON_DECODE_ANY, NULL);                \
        dfota_jw_free(&w);                                                                         \
        return j;                                                                                  \
    } while (0)

json_t *dfota_json_finding(const dfota_finding *f)
{
    AS_JSON(dfota_jw_finding(&w, f));
}

json_t *dfota_json_rules(const dfota_checker_result *res)
{
    AS_JSON(dfota_jw_rules(&w, res));
}

json_t *dfota_json_counts(const dfota_checker_result *res)
{
    AS_JSON(dfota_jw_counts(&w, res));
}

json_t *dfota_json_provenance(const dfota_provenance *p)
{
    const char *kv[10];
    size_t n = dfota_provenance_pairs(p, kv);
    json_t *j = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(j, kv[2 * i], json_string(kv[2 * i + 1]));
    return j;
}

static int indent_line(FILE *out, unsigned depth)
{
    if (putc('\n', out) == EOF)
        return -1;
    for (unsigned i = 0; i < depth; i++)
        if (fputs("  ", out) == EOF)
            return -1;
    return 0;
}

int dfota_json_indent_write(dfota_json_indent *in, FILE *out, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char c = s[i];
        if (in->in_str) {
            if (in->esc)
                in->esc = 0;
            else if (c == '\\')
                in->esc = 1;
            else if (c == '"')
                in->in_str = 0;
            rc = putc(c, out) == EOF ? -1 : 0;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int close = c == '}' || c == ']';
        if (in->open) {
            in->open = 0;
            if (close) { /* empty: {} or [] */
                in->depth--;
                rc = putc(c, out) == EOF ? -1 : 0;
                if (rc == 0 && in->depth == 0)
                    rc = putc('\n', out) == EOF ? -1 : 0;
                continue;
            }
            rc = indent_line(out, in->depth);
            if (rc)
                break;
        }
        if (c == '{' || c == '[') {
            in->depth++;
            in->open = 1;
            rc = putc(c, out) == EOF ? -1 : 0;
        } else if (close) {
            in->depth -= in->depth > 0;
            rc = indent_line(out, in->depth);
            rc |= putc(c, out) == EOF ? -1 : 0;
            if (rc == 0 && in->depth == 0)
                rc = putc('\n', out) == EOF ? -1 : 0;
        } else if (c == ',') {
            rc = putc(',', out) == EOF ? -1 : indent_line(out, in->depth);
        } else if (c == ':') {
            rc = fputs(": ", out) == EOF ? -1 : 0;
        } else {
            if (c == '"')
                in->in_str = 1;
            rc = putc(c, out) == EOF ? -1 : 0;
        }
    }
    return rc;
}

int dfota_json_dump_via(const json_t *j, FILE *out, size_t flags, dfota_json_indent *in)
{
    char stack[8192]; /* a flow with its findings fits */
    flags |= JSON_COMPACT;
    size_t n = json_dumpb(j, stack, sizeof stack, flags);
    if (n == 0)
        return -1;
    char *buf = stack;
    if (n > sizeof stack) {
        buf = malloc(n);
        if (!buf || json_dumpb(j, buf, n, flags) != n) {
            free(buf);
            return -1;
        }
    }
    int rc = in ? dfota_json_indent_write(in, out, buf, n) : fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (buf != stack)
        free(buf);
    return rc;
}
