/* SPDX-License-Identifier: MIT */
/* lines.c - the reader's input (log/reader.h): blocks read into its one
 * buffer, UTF-16 transcoded to UTF-8 on the way in, and the "# key: value"
 * metadata of a header. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log/reader.h"

/* ---- physical lines --------------------------------------------------- */

/* Reads at most want bytes of the input into to, and adds what came to
 * *len; a short read is the end of the input (*eof) or an error. Returns
 * 0, or DFOTA_E_IO. */
static int read_into(dfota_reader *r, char *to, size_t want, size_t *len, int *eof)
{
    if (!r->in) {
        /* a descriptor: read(2) until want, the end, or an error */
        size_t got = 0;
        while (got < want) {
            ssize_t n = read(r->fd, to + got, want - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                *len += got;
                return DFOTA_E_IO;
            }
            if (n == 0) {
                *eof = 1;
                break;
            }
            got += (size_t)n;
            r->fd_read += (unsigned long long)n;
            if (got < want && r->fd_size >= 0 && r->fd_read >= (unsigned long long)r->fd_size) {
                *eof = 1; /* all it held when it was opened is read, and it reads short */
                break;
            }
        }
        *len += got;
        return 0;
    }
    size_t got = fread(to, 1, want, r->in);
    *len += got;
    if (got < want) {
        if (ferror(r->in))
            return DFOTA_E_IO;
        *eof = 1;
    }
    return 0;
}

/* Transcodes what raw holds, reading more of it first, into buf: at least
 * one byte unless the input ended. A sequence that is not UTF-16 (a lone
 * surrogate) becomes U+FFFD; a character cut by the end of the file goes. */
static int fill_utf16(dfota_reader *r)
{
    while (r->end + 3 <= r->cap) {
        if (!r->raw_eof && r->raw_len < r->cap &&
            read_into(r, r->raw + r->raw_len, r->cap - r->raw_len, &r->raw_len, &r->raw_eof) < 0)
            return DFOTA_E_IO;
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
int log_fill(dfota_reader *r)
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
        size_t want = r->cap - r->end, before = r->end;
        if (want > BLOCK)
            want = BLOCK;
        if (read_into(r, r->buf + r->end, want, &r->end, &r->eof) < 0)
            return DFOTA_E_IO;
        if (r->end > before)
            break;
    }
    return 0;
}

/* ---- header metadata -------------------------------------------------- */

/* "# key: value" before the first event. Returns 0 or an error. */
int log_take_meta(dfota_reader *r, const char *line, size_t len, char *err, size_t errlen)
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
        log_fail(r, err, errlen, "header value of '%.*s' is longer than %d bytes", (int)kl, p,
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
