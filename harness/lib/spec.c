/* spec.c - chapter 3's argument forms and limits, chapters 4-6's code
 * tables. URLs are taken apart by libcurl's URL API, not by hand; what is
 * checked here is only what the guide adds on top of RFC 3986. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "dfota/spec.h"
#include "text.h"

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

/* Length of a URL part as written (no decoding), 0 when absent. */
static size_t part_len(CURLU *u, CURLUPart part)
{
    char *v = NULL;
    size_t n = 0;
    if (curl_url_get(u, part, &v, 0) == CURLUE_OK && v)
        n = strlen(v);
    curl_free(v);
    return n;
}

static void check_port(CURLU *u, dfota_arg_check *out, long def)
{
    char *v = NULL;
    out->port = def;
    if (curl_url_get(u, CURLUPART_PORT, &v, 0) == CURLUE_OK && v) {
        out->port_explicit = 1;
        out->port = strtol(v, NULL, 10);
        if (out->port < 1 || out->port > 65535)
            invalid(out, "the port is outside 1-65535");
    }
    curl_free(v);
}

/* An authority that is empty (ftp:///file, http://:80/x) names no server;
 * libcurl would take the first path segment as the host. */
static int authority_empty(const char *url, size_t n)
{
    const char *sep = memchr(url, ':', n);
    if (!sep || (size_t)(sep - url) + 3 > n || sep[1] != '/' || sep[2] != '/')
        return 0;
    const char *a = sep + 3, *end = url + n;
    const char *slash = memchr(a, '/', (size_t)(end - a));
    const char *stop = slash ? slash : end;
    const char *at = NULL;
    for (const char *p = a; p < stop; p++)
        if (*p == '@')
            at = p;
    const char *host = at ? at + 1 : a;
    return host == stop || *host == ':';
}

static void check_url(const char *url, size_t n, dfota_arg_check *out)
{
    char buf[1024];
    if (n >= sizeof buf) {
        too_long(out, "the URL", n, DFOTA_URL_MAX);
        return;
    }
    memcpy(buf, url, n);
    buf[n] = '\0';
    if (memchr(url, '\0', n)) {
        invalid(out, "the URL holds a NUL byte");
        return;
    }
    if (authority_empty(url, n)) {
        invalid(out, "the URL names no server");
        return;
    }
    CURLU *u = curl_url();
    if (!u) {
        invalid(out, "out of memory while parsing the URL");
        return;
    }
    CURLUcode rc = curl_url_set(u, CURLUPART_URL, buf, CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS);
    if (rc != CURLUE_OK) {
        char why[160];
        snprintf(why, sizeof why, "the URL cannot be parsed: %s", curl_url_strerror(rc));
        invalid(out, why);
        curl_url_cleanup(u);
        return;
    }
    int ftp = out->proto == DFOTA_PROTO_FTP;
    check_port(u, out, ftp ? DFOTA_FTP_DEFAULT_PORT : DFOTA_HTTP_DEFAULT_PORT);
    out->user_len = part_len(u, CURLUPART_USER);
    out->password_len = part_len(u, CURLUPART_PASSWORD);
    out->server_len = part_len(u, CURLUPART_HOST);
    size_t path = part_len(u, CURLUPART_PATH);
    out->path_len = path > 0 ? path - 1 : 0; /* <file_path> is what follows the '/' */
    if (out->server_len == 0)
        invalid(out, "the URL names no server");
    else if (out->path_len == 0)
        invalid(out, "the URL names no file");
    if (ftp) {
        /* Chapter 3.1 limits each part of an FTP URL to 50 bytes. */
        if (out->user_len > DFOTA_USER_MAX)
            too_long(out, "the user name", out->user_len, DFOTA_USER_MAX);
        else if (out->password_len > DFOTA_PASSWORD_MAX)
            too_long(out, "the password", out->password_len, DFOTA_PASSWORD_MAX);
        else if (out->server_len > DFOTA_SERVER_MAX)
            too_long(out, "the server", out->server_len, DFOTA_SERVER_MAX);
        else if (out->path_len > DFOTA_FILE_PATH_MAX)
            too_long(out, "the file path", out->path_len, DFOTA_FILE_PATH_MAX);
    }
    curl_url_cleanup(u);
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
    else if (text_starts_ci(s, n, DFOTA_LOCAL_PREFIX))
        out->proto = DFOTA_PROTO_LOCAL;
    else if (text_starts_ci(s, n, "/cache/ufs/"))
        out->proto = DFOTA_PROTO_LOCAL;
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
        if (!text_starts_ci(s, n, DFOTA_LOCAL_PREFIX))
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

int dfota_spec_code_retried(long code)
{
    return code == 505 || (code >= 520 && code <= 530) || (code >= 540 && code <= 546);
}
