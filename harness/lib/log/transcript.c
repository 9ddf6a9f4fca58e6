/* SPDX-License-Identifier: MIT */
/* transcript.c - transcript format version 1: payload escaping and the
 * writer. Any byte sequence survives escape then unescape unchanged. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "dfota/guide.h"
#include "dfota/log.h"

/* Length of the valid UTF-8 sequence at p (2 to 4), or 0. C1 controls
 * (U+0080-U+009F) count as invalid: a terminal may act on them. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (n > 1 && p[0] == 0xC2 && p[1] < 0xA0)
        return 0; /* U+0080-U+009F */
    return text_utf8_len(p, n);
}

/* Is the valid UTF-8 sequence p[0..u) a bidi control (U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069)? Shown, it would turn the text
 * around it on a terminal or a page. */
static int is_bidi(const unsigned char *p, size_t u)
{
    if (u == 2)
        return p[0] == 0xD8 && p[1] == 0x9C;
    if (u != 3 || p[0] != 0xE2)
        return 0;
    if (p[1] == 0x80)
        return p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE);
    return p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9;
}

/* Writes what bytes say into out (cap bytes, always terminated when cap >
 * 0) and returns the length the whole escaped text has. When it does not
 * fit, it stops before the first unit (a character, a UTF-8 sequence, a
 * \xNN escape) that would not fit whole: a cut text is still valid UTF-8
 * and never ends in half an escape. */
static size_t escape(const void *bytes, size_t len, char *out, size_t cap, int keep_backslash)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = bytes;
    size_t o = 0, written = 0;
    int full = 0; /* a unit did not fit: nothing more is written */
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        char unit[16]; /* at most four bytes as \xNN */
        size_t n = 0;
        if (c >= 0x20 && c < 0x7F && c != '\\' && !full && o + 1 < cap) {
            out[o++] = (char)c; /* the common case, straight out */
            written = o;
            i++;
            continue;
        }
        if (c >= 0x20 && c < 0x7F) {
            if (c == '\\' && !keep_backslash)
                unit[n++] = '\\';
            unit[n++] = (char)c;
            i++;
        } else {
            size_t u = c >= 0x80 ? utf8_len(p + i, len - i) : 0;
            if (u && !is_bidi(p + i, u)) {
                memcpy(unit, p + i, u);
                n = u;
            } else {
                for (size_t k = 0; k < (u ? u : 1); k++) {
                    unit[n++] = '\\';
                    unit[n++] = 'x';
                    unit[n++] = hex[p[i + k] >> 4];
                    unit[n++] = hex[p[i + k] & 15];
                }
            }
            i += u ? u : 1;
        }
        if (!full && o + n < cap) {
            memcpy(out + o, unit, n);
            written = o + n;
        } else
            full = 1;
        o += n; /* the whole text's length, written or not */
    }
    if (cap > 0)
        out[written] = '\0';
    return o;
}

size_t dfota_escape(const void *bytes, size_t len, char *out, size_t cap)
{
    return escape(bytes, len, out, cap, 0);
}

size_t dfota_escape_text(const void *bytes, size_t len, char *out, size_t cap)
{
    return escape(bytes, len, out, cap, 1);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t dfota_unescape(char *buf, size_t len)
{
    char *p = memchr(buf, '\\', len);
    if (!p)
        return len;
    size_t o = (size_t)(p - buf);
    for (size_t i = o; i < len;) {
        if (buf[i] == '\\' && i + 1 < len) {
            if (buf[i + 1] == '\\') {
                buf[o++] = '\\';
                i += 2;
                continue;
            }
            if (buf[i + 1] == 'x' && i + 3 < len) {
                int h = hexval(buf[i + 2]), l = hexval(buf[i + 3]);
                if (h >= 0 && l >= 0) {
                    buf[o++] = (char)(h * 16 + l);
                    i += 4;
                    continue;
                }
            }
        }
        buf[o++] = buf[i++];
    }
    return o;
}

/* Writes len bytes escaped, in slices that end where escaping restarts
 * cleanly (not inside a UTF-8 sequence), so any length needs no big buffer. */
static dfota_err write_escaped(FILE *out, const char *data, size_t len)
{
    char esc[4 * 4096 + 1];
    while (len > 0) {
        size_t take = len > 4000 ? 4000 : len;
        while (take < len && take > 0 && ((unsigned char)data[take] & 0xC0) == 0x80)
            take--;
        if (take == 0)
            take = len > 4000 ? 4000 : len;
        size_t n = dfota_escape(data, take, esc, sizeof esc);
        if (fwrite(esc, 1, n, out) != n)
            return DFOTA_E_IO;
        data += take;
        len -= take;
    }
    return DFOTA_OK;
}

dfota_err dfota_transcript_write_event(FILE *out, const dfota_event *ev)
{
    int64_t t = ev->t_ns == DFOTA_T_NONE || ev->t_ns < 0 ? 0 : ev->t_ns;
    int64_t sec = t / DFOTA_NS_PER_S, ns = t % DFOTA_NS_PER_S;
    int rc;
    if (ns % 1000 == 0)
        rc = fprintf(out, "%" PRId64 ".%06" PRId64 " %c", sec, ns / 1000, (char)ev->dir);
    else
        rc = fprintf(out, "%" PRId64 ".%09" PRId64 " %c", sec, ns, (char)ev->dir);
    if (rc < 0)
        return DFOTA_E_IO;
    if (ev->len > 0) {
        if (fputc(' ', out) == EOF || write_escaped(out, ev->data, ev->len) != DFOTA_OK)
            return DFOTA_E_IO;
    }
    return fputc('\n', out) == EOF ? DFOTA_E_IO : DFOTA_OK;
}

dfota_err dfota_transcript_write_header(FILE *out, const char *const *pairs, size_t n)
{
    if (fprintf(out, "%s\n", DFOTA_TRANSCRIPT_MAGIC) < 0)
        return DFOTA_E_IO;
    for (size_t i = 0; i < n; i++) {
        const char *k = pairs[2 * i], *v = pairs[2 * i + 1];
        if (fputs("# ", out) == EOF || write_escaped(out, k, strlen(k)) != DFOTA_OK ||
            fputs(": ", out) == EOF || write_escaped(out, v, strlen(v)) != DFOTA_OK ||
            fputc('\n', out) == EOF)
            return DFOTA_E_IO;
    }
    return DFOTA_OK;
}

dfota_err dfota_transcript_shown(const dfota_event *ev, int keep_secrets, char *small,
                                 size_t cap, char **heap, dfota_event *shown)
{
    *heap = NULL;
    *shown = *ev;
    if (keep_secrets || !ev->data || ev->len == 0)
        return DFOTA_OK;
    size_t n;
    dfota_err rc = dfota_redact(ev->data, ev->len, small, cap, &n);
    char *buf = small;
    if (rc == DFOTA_E_TOO_BIG) {
        /* a long line: at most DFOTA_REDACT_MAX(len) bytes */
        buf = *heap = malloc(n + 1);
        if (!buf)
            return DFOTA_E_NOMEM;
        rc = dfota_redact(ev->data, ev->len, buf, n + 1, &n);
    }
    if (rc != DFOTA_OK) {
        free(*heap);
        *heap = NULL;
        return rc;
    }
    shown->data = buf;
    shown->len = n;
    return DFOTA_OK;
}

dfota_err dfota_transcript_write_shown(FILE *out, const dfota_event *ev, int keep_secrets)
{
    char small[4096], *heap;
    dfota_event shown;
    dfota_err rc = dfota_transcript_shown(ev, keep_secrets, small, sizeof small, &heap, &shown);
    if (rc == DFOTA_OK)
        rc = dfota_transcript_write_event(out, &shown);
    free(heap);
    return rc;
}
