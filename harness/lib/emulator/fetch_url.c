/* SPDX-License-Identifier: MIT */
/* fetch_url.c - the URL the emulated module fetches for the URL it was
 * given in AT+QFOTADL. The module reads its argument by chapter 3's
 * template (dfota_spec_url_parts); libcurl reads a URL by RFC 3986. The
 * two differ on a user name holding '@', a password holding '#' or '?', a
 * file path holding '?', '#' or blanks. So the parts are taken by the
 * guide's template and handed to libcurl's URL API one by one, escaped
 * where RFC 3986 needs it, and libcurl writes the URL it then fetches. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lazy_curl.h"

#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "base/text.h"

/* Bytes an HTTP request line cannot carry as they are. '%' stays: an
 * escape already in the URL was written for the server. */
static int needs_escape(unsigned char c)
{
    return c <= 0x20 || c >= 0x7F || strchr("\"<>\\^`{|}", c) != NULL;
}

/* s[0..n) into out (room for 3n + 2), after a '/' when lead is set,
 * escaping only what needs it. */
static void escape_some(const char *s, size_t n, int lead, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (lead)
        out[o++] = '/';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (needs_escape(c)) {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        } else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

/* Sets one part from url's bytes; with CURLU_URLENCODE libcurl escapes
 * every byte that is not unreserved (a '/' of a path excepted). */
static int set_part(CURLU *h, CURLUPart what, const char *s, size_t n, unsigned flags, char *scratch)
{
    memcpy(scratch, s, n);
    scratch[n] = '\0';
    return curl_url_set(h, what, scratch, flags) == CURLUE_OK;
}

/* The port as the guide takes it (digits, 1-65535) in decimal, or 0. */
static long port_value(const char *s, size_t n)
{
    long v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (v <= 65535)
            v = v * 10 + (s[i] - '0');
    }
    return v <= 65535 ? v : 0;
}

static int build(CURLU *h, const char *url, const dfota_url_parts *u, char *scratch)
{
    /* the caller let only ftp, http and https through, in any case */
    const char *scheme = u->scheme.len == 3 ? "ftp" : u->scheme.len == 4 ? "http" : "https";
    int ftp = scheme[0] == 'f';
    if (curl_url_set(h, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
        !set_part(h, CURLUPART_HOST, url + u->server.off, u->server.len, 0, scratch))
        return 0;
    if (u->user.present &&
        !set_part(h, CURLUPART_USER, url + u->user.off, u->user.len, CURLU_URLENCODE, scratch))
        return 0;
    if (u->password.present &&
        !set_part(h, CURLUPART_PASSWORD, url + u->password.off, u->password.len, CURLU_URLENCODE, scratch))
        return 0;
    if (u->port.present) {
        long port = port_value(url + u->port.off, u->port.len);
        char digits[8];
        if (port == 0)
            return 0;
        snprintf(digits, sizeof digits, "%ld", port);
        if (curl_url_set(h, CURLUPART_PORT, digits, 0) != CURLUE_OK)
            return 0;
    }
    const char *path = url + u->file_path.off;
    size_t pn = u->file_path.len;
    if (ftp) {
        /* <file_path> is the file's name, '?' and '#' and blanks in it */
        scratch[0] = '/';
        memcpy(scratch + 1, path, pn);
        scratch[pn + 1] = '\0';
        return curl_url_set(h, CURLUPART_PATH, scratch, CURLU_URLENCODE) == CURLUE_OK;
    }
    /* HTTP: what the server is asked for is the path and its query; a
     * fragment is never sent. */
    const char *hash = memchr(path, '#', pn);
    if (hash)
        pn = (size_t)(hash - path);
    const char *q = memchr(path, '?', pn);
    size_t before = q ? (size_t)(q - path) : pn;
    escape_some(path, before, 1, scratch);
    if (curl_url_set(h, CURLUPART_PATH, scratch, 0) != CURLUE_OK)
        return 0;
    if (q) {
        escape_some(q + 1, pn - before - 1, 0, scratch);
        if (curl_url_set(h, CURLUPART_QUERY, scratch, 0) != CURLUE_OK)
            return 0;
    }
    return 1;
}

dfota_err dfota_emulator_fetch_url(const char *url, size_t n, char **out)
{
    dfota_url_parts u;
    *out = NULL;
    if (!dfota_spec_url_parts(url, n, &u) || u.server.len == 0 || !u.file_path.present ||
        memchr(url, '\0', n))
        return DFOTA_E_INPUT;
    if (!(text_equals_ci(url, u.scheme.len, "ftp") || text_equals_ci(url, u.scheme.len, "http") ||
          text_equals_ci(url, u.scheme.len, "https")))
        return DFOTA_E_INPUT;
    char *scratch = malloc(3 * n + 2);
    CURLU *h = curl_url();
    char *got = NULL;
    dfota_err rc = DFOTA_E_NOMEM;
    if (!scratch || !h)
        goto done;
    rc = DFOTA_E_INPUT;
    if (!build(h, url, &u, scratch) || curl_url_get(h, CURLUPART_URL, &got, 0) != CURLUE_OK || !got)
        goto done;
    rc = DFOTA_E_NOMEM;
    *out = strdup(got);
    if (*out)
        rc = DFOTA_OK;
done:
    curl_free(got);
    curl_url_cleanup(h);
    free(scratch);
    return rc;
}
