/* SPDX-License-Identifier: MIT */
/* spec.c - chapter 3's argument forms and limits, chapters 4-6's code
 * tables. A URL is taken apart by the guide's own template, not by RFC 3986:
 * the module measures <user_name>, <password>, <serverURL> and <file_path>
 * as the template writes them, so a user name may hold '@' and a file path
 * '?' and '#'. (Where URL semantics matter, the emulator's downloads and
 * the staging of packages, libcurl's URL API does the parsing.) */
#include <stdio.h>
#include <string.h>

#include "dfota/guide.h"
#include "base/text.h"

const char *dfota_proto_name(dfota_proto proto)
{
    switch (proto) {
    case DFOTA_PROTO_FTP: return "ftp";
    case DFOTA_PROTO_HTTP: return "http";
    case DFOTA_PROTO_HTTPS: return "https";
    case DFOTA_PROTO_LOCAL: return "local";
    case DFOTA_PROTO_FILE: return "file-stream";
    case DFOTA_PROTO_OTHER: return "other";
    case DFOTA_PROTO_NONE: break;
    }
    return "none";
}

static void invalid(dfota_arg_check *out, const char *why)
{
    out->cls = DFOTA_ARG_INVALID;
    snprintf(out->reason, sizeof out->reason, "%s", why);
}

static void field_form(dfota_arg_check *out, const char *quirk, const char *why)
{
    if (out->cls != DFOTA_ARG_VALID)
        return; /* an invalid argument stays invalid */
    out->cls = DFOTA_ARG_FIELD;
    out->quirk = quirk;
    snprintf(out->reason, sizeof out->reason, "%s", why);
}

static void too_long(dfota_arg_check *out, const char *what, size_t len, size_t max)
{
    char why[160];
    snprintf(why, sizeof why, "%s is %zu bytes, the guide allows %zu", what, len, max);
    invalid(out, why);
}

/* ---- URLs by chapter 3's template ------------------------------------ */

static dfota_url_part part(const char *base, const char *from, const char *to)
{
    dfota_url_part p = {(size_t)(from - base), (size_t)(to - from), 1};
    return p;
}

static const char *find_last(const char *from, const char *to, char c)
{
    const char *hit = NULL;
    for (const char *p = from; p < to; p++)
        if (*p == c)
            hit = p;
    return hit;
}

int dfota_spec_url_parts(const char *url, size_t n, dfota_url_parts *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i + 2 < n && !(url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/'))
        i++;
    if (i + 2 >= n)
        return 0;
    const char *end = url + n, *a = url + i + 3;
    out->scheme = part(url, url, url + i);
    const char *slash = memchr(a, '/', (size_t)(end - a));
    const char *a_end = slash ? slash : end;
    const char *at = find_last(a, a_end, '@');
    const char *host = a;
    if (at) {
        const char *colon = memchr(a, ':', (size_t)(at - a));
        out->user = part(url, a, colon ? colon : at);
        if (colon)
            out->password = part(url, colon + 1, at);
        host = at + 1;
    }
    const char *scan = host;
    if (host < a_end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(a_end - host));
        scan = close ? close + 1 : a_end; /* a ':' in the brackets is the address's */
    }
    const char *colon = memchr(scan, ':', (size_t)(a_end - scan));
    out->server = part(url, host, colon ? colon : a_end);
    if (colon)
        out->port = part(url, colon + 1, a_end);
    if (slash)
        out->file_path = part(url, slash + 1, end);
    return 1;
}

/* The port as chapter 3 states it: an integer from 1 to 65535. */
static void check_port(const char *url, const dfota_url_parts *u, long def, dfota_arg_check *out)
{
    out->port = def;
    if (!u->port.present)
        return;
    out->port_explicit = 1;
    const char *d = url + u->port.off;
    long v = 0;
    for (size_t i = 0; i < u->port.len; i++) {
        if (d[i] < '0' || d[i] > '9') {
            out->port = 0;
            invalid(out, "the port is not a number");
            return;
        }
        if (v <= 65535) /* past it the value no longer matters */
            v = v * 10 + (d[i] - '0');
    }
    out->port = v <= 65535 ? v : 0;
    if (u->port.len == 0)
        invalid(out, "the port after ':' is empty");
    else if (v < 1 || v > 65535)
        invalid(out, "the port is outside 1-65535");
}

static void check_url(const char *url, size_t n, dfota_arg_check *out)
{
    if (memchr(url, '\0', n)) {
        invalid(out, "the URL holds a NUL byte");
        return;
    }
    dfota_url_parts u;
    (void)dfota_spec_url_parts(url, n, &u); /* the caller saw "://" */
    int ftp = out->proto == DFOTA_PROTO_FTP;
    out->user_len = u.user.len;
    out->password_len = u.password.len;
    out->server_len = u.server.len;
    out->path_len = u.file_path.len;
    check_port(url, &u, ftp ? DFOTA_FTP_DEFAULT_PORT : DFOTA_HTTP_DEFAULT_PORT, out);
    if (out->cls == DFOTA_ARG_INVALID)
        return;
    if (out->server_len == 0)
        invalid(out, "the URL names no server");
    else if (out->path_len == 0)
        invalid(out, "the URL names no file");
    else if (ftp) {
        /* Chapter 3.1 limits each part of an FTP URL to 50 bytes; chapter
         * 3.2 sets no such limit for HTTP. */
        if (out->user_len > DFOTA_USER_MAX)
            too_long(out, "the user name", out->user_len, DFOTA_USER_MAX);
        else if (out->password_len > DFOTA_PASSWORD_MAX)
            too_long(out, "the password", out->password_len, DFOTA_PASSWORD_MAX);
        else if (out->server_len > DFOTA_SERVER_MAX)
            too_long(out, "the server", out->server_len, DFOTA_SERVER_MAX);
        else if (out->path_len > DFOTA_FILE_PATH_MAX)
            too_long(out, "the file path", out->path_len, DFOTA_FILE_PATH_MAX);
    }
}

/* Some families keep packages here (FIELD-QUIRKS.md). */
#define CACHE_PREFIX "/cache/ufs/"

static int starts_exactly(const char *s, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    return n >= pl && memcmp(s, prefix, pl) == 0;
}

static void check_local(const char *name, size_t n, dfota_arg_check *out)
{
    out->path_len = n;
    if (n > DFOTA_LOCAL_NAME_MAX) {
        too_long(out, "the file name", n, DFOTA_LOCAL_NAME_MAX);
        return;
    }
    if (n == strlen(DFOTA_LOCAL_PREFIX))
        invalid(out, "the file name is only the folder /data/ufs/");
    else if (memchr(name, '\0', n))
        invalid(out, "the file name holds a NUL byte");
}

/* The quoted first argument and, on newer firmware, extra ones after it. */
static int split_quoted(const char *arg, size_t len, const char **s, size_t *n, int *extra,
                        dfota_arg_check *out)
{
    const char *end = arg + len;
    size_t ql = text_quote_len(arg, end);
    if (len < 2 || ql == 0) {
        invalid(out, len == 0 ? "the argument is empty" : "the argument is not a quoted string");
        return 0;
    }
    const char *close = arg + ql;
    size_t cl = 0;
    while (close < end && (cl = text_quote_len(close, end)) == 0)
        close++;
    if (close >= end) {
        invalid(out, "the argument's closing quote is missing");
        return 0;
    }
    *s = arg + ql;
    *n = (size_t)(close - *s);
    if (ql == 3 || cl == 3)
        out->typographic = 1;
    close += cl - 1;
    size_t after = len - (size_t)(close - arg) - 1;
    *extra = 0;
    if (after > 0) {
        if (close[1] != ',') {
            invalid(out, "text follows the quoted argument");
            return 0;
        }
        *extra = 1;
    }
    return 1;
}

void dfota_spec_check_arg(const char *arg, size_t len, dfota_arg_check *out)
{
    memset(out, 0, sizeof *out);
    out->cls = DFOTA_ARG_VALID;
    const char *s;
    size_t n;
    int extra;
    if (!split_quoted(arg, len, &s, &n, &extra, out))
        return;
    out->value_off = (size_t)(s - arg);
    out->value_len = n;
    out->url_len = n;
    if (n == 0) {
        invalid(out, "the URL is empty");
        return;
    }
    if (text_starts_ci(s, n, "ftp://"))
        out->proto = DFOTA_PROTO_FTP;
    else if (text_starts_ci(s, n, "http://"))
        out->proto = DFOTA_PROTO_HTTP;
    else if (text_starts_ci(s, n, "https://"))
        out->proto = DFOTA_PROTO_HTTPS;
    else if (starts_exactly(s, n, DFOTA_LOCAL_PREFIX) || starts_exactly(s, n, CACHE_PREFIX))
        out->proto = DFOTA_PROTO_LOCAL;
    else if (text_starts_ci(s, n, DFOTA_LOCAL_PREFIX) || text_starts_ci(s, n, CACHE_PREFIX)) {
        /* Only the schemes are case-free in chapter 3; a path is a path. */
        const char *want = text_starts_ci(s, n, DFOTA_LOCAL_PREFIX) ? DFOTA_LOCAL_PREFIX : CACHE_PREFIX;
        char why[160];
        snprintf(why, sizeof why, "the folder is written %.*s, not %s: the guide allows any case only "
                 "for FTP:// and HTTP://", (int)strlen(want), s, want);
        out->proto = DFOTA_PROTO_LOCAL;
        out->path_len = n;
        invalid(out, why);
        return;
    }
    else if (text_starts_ci(s, n, "FILE:"))
        out->proto = DFOTA_PROTO_FILE;
    else if (memchr(s, ':', n) && memchr(s, '/', n)) {
        out->proto = DFOTA_PROTO_OTHER;
        invalid(out, "the URL's scheme is neither FTP:// nor HTTP://");
        return;
    } else {
        invalid(out, "the argument has no FTP:// or HTTP:// scheme and is not a file under /data/ufs/");
        return;
    }
    switch (out->proto) {
    case DFOTA_PROTO_FTP:
    case DFOTA_PROTO_HTTP:
    case DFOTA_PROTO_HTTPS:
        if (n > DFOTA_URL_MAX)
            too_long(out, "the URL", n, DFOTA_URL_MAX);
        else
            check_url(s, n, out);
        if (out->proto == DFOTA_PROTO_HTTPS)
            field_form(out, "https-url", "HTTPS is not in the guide; newer firmware accepts it");
        break;
    case DFOTA_PROTO_LOCAL:
        check_local(s, n, out);
        if (!starts_exactly(s, n, DFOTA_LOCAL_PREFIX))
            field_form(out, "cache-ufs-path", "the guide names only /data/ufs/; some families use /cache/ufs/");
        break;
    case DFOTA_PROTO_FILE:
        field_form(out, "file-stream", "AT+QFOTADL=\"FILE:<length>\" is not in the guide; newer firmware streams the package from the host");
        break;
    default:
        break;
    }
    if (out->typographic)
        field_form(out, "typographic-quotes", "typographic quotes around the argument: a paste tool's damage, not what the module received");
    if (extra)
        field_form(out, "extra-arguments", "arguments after the URL are not in the guide; newer firmware takes <upgrade_mode>,<download_URC_max>,<update_URC_max>");
}

/* ---- code tables ------------------------------------------------------ */

static const char *guide_meaning(long code)
{
    if (code == 0) return "operation successful";
    if (code == 502) return "unpredictable error during the upgrade";
    if (code == 505) return "package check failed, the module retries five times";
    if (code == 510) return "the package does not match the firmware in the module";
    if (code == 511) return "not enough space in the file system";
    if ((code >= 520 && code <= 530) || (code >= 540 && code <= 546))
        return "firmware upgrade failed, the module retries until it succeeds";
    return NULL;
}

static const char *const ftp_field[] = {
    "server blocked", "busy", "DNS failed", "network error", "control connection closed",
    "data connection closed", "socket closed by peer", "timeout", "invalid parameter",
    "failed to open file", "file position error", "file error", "service not available",
    "open data connection failed", "transfer aborted", "file action not taken",
    "local processing error", "insufficient storage", "command unrecognized",
    "syntax error in parameters", "command not implemented", "bad sequence of commands",
    "parameter not implemented", "not logged in", "need account", "action not taken",
    "page type unknown", "file action aborted",
}; /* 602 .. 629 */

static const char *const http_field[] = {
    "timeout", "busy", "UART busy", "no GET/POST request", "network busy",
    "network open failed", "network not configured", "network deactivated", "network error",
    "URL error", "empty URL", "IP address error", "DNS error", "socket create error",
    "socket connect error", "socket read error", "socket write error", "socket closed",
    "encode error", "decode error", "read timeout", "response failed", "call busy", "call busy",
    "input timeout", "wait data timeout", "wait response timeout", "memory allocation failed",
    "invalid parameter",
}; /* 702 .. 730 */

static const char *end_field(long code)
{
    switch (code) {
    case 1: return "upgrade failed (some families)";
    case 501: return "upgrade failed (some families)";
    case 504: return "upgrade failed";
    case 506: return "firmware MD5 error";
    case 507: return "package version mismatch";
    case 552: return "package project-name mismatch";
    case 553: return "package baseline-name mismatch";
    default: return NULL;
    }
}

dfota_code_class dfota_spec_code(dfota_code_table table, long code, const char **meaning,
                                 const char **quirk)
{
    const char *m = guide_meaning(code);
    *quirk = NULL;
    if (m) {
        *meaning = m;
        return DFOTA_CODE_GUIDE;
    }
    if (table == DFOTA_TABLE_FTP && code == 601) {
        *meaning = "FTP unknown error";
        return DFOTA_CODE_GUIDE;
    }
    if (table == DFOTA_TABLE_HTTP && code == 701) {
        *meaning = "HTTP unknown error";
        return DFOTA_CODE_GUIDE;
    }
    if (table == DFOTA_TABLE_FTP && code >= 602 && code <= 629) {
        *meaning = ftp_field[code - 602];
        *quirk = "detailed-ftp-code";
        return DFOTA_CODE_FIELD;
    }
    if (table == DFOTA_TABLE_HTTP && code >= 601 && code <= 629) {
        *meaning = code == 601 ? "FTP unknown error" : ftp_field[code - 602];
        *quirk = "ftp-code-on-http";
        return DFOTA_CODE_FIELD;
    }
    if (table == DFOTA_TABLE_HTTP && code >= 702 && code <= 730) {
        *meaning = http_field[code - 702];
        *quirk = "detailed-http-code";
        return DFOTA_CODE_FIELD;
    }
    m = end_field(code);
    if (m) {
        *meaning = m;
        *quirk = "vendor-end-code";
        return DFOTA_CODE_FIELD;
    }
    *meaning = "not a code of the guide";
    return DFOTA_CODE_UNKNOWN;
}

const char *dfota_spec_code_words(dfota_code_table table, long code, char *buf, size_t cap)
{
    static const char *const chapter[] = {"4", "5", "6"};
    const char *meaning, *quirk;
    dfota_code_class k = dfota_spec_code(table, code, &meaning, &quirk);
    /* the parts, copied: no format string (an upgrade's words are written
     * for every upgrade a report lists) */
    const char *const part[3] = {k == DFOTA_CODE_UNKNOWN ? "" : meaning,
                           k == DFOTA_CODE_GUIDE   ? ", \xc2\xa7"
                           : k == DFOTA_CODE_FIELD ? ": a code of shipped firmware, not in \xc2\xa7"
                                                   : "not a code of the guide, \xc2\xa7",
                           chapter[table]};
    size_t len = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (int p = 0; p < 3; p++)
        text_append(buf, cap, &len, part[p]);
    return buf;
}

int dfota_spec_code_retried(long code)
{
    return code == 505 || (code >= 520 && code <= 530) || (code >= 540 && code <= 546);
}
