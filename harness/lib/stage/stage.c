/* SPDX-License-Identifier: MIT */
/* stage.c - staging packages and preflighting URLs (dfota/stage.h).
 *
 * Three parts: the vendor's upload checksum; libcurl for the FTP upload and
 * for the size of a URL; and AT+QFUPL over a serial port, through the AT
 * client (dfota/at.h) with the port as its transport. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include "base/lazy_curl.h"

#include "dfota/at.h"
#include "dfota/port.h"
#include "dfota/guide.h"
#include "dfota/source.h"
#include "dfota/stage.h"
#include "base/errbuf.h"

#define STAGE_URL_MAX 4096         /* a URL we build or show */
#define STAGE_SHOWN_MAX 600        /* a URL or a module's line as shown in a message */
#define STAGE_LINE_MAX 256         /* a module line kept while waiting for an answer */
#define STAGE_CHUNK 1024           /* bytes written to the port at a time */
#define STAGE_WRITE_MS 10000       /* wall time the port may take to accept a chunk */
#define STAGE_ANSWER_MS 10000      /* default wall time for each answer */
#define STAGE_UPLOAD_LOW_SPEED_S 30 /* an FTP upload below 1 B/s this long is stuck */

/* ---- small helpers --------------------------------------------------------------- */


static void step(dfota_stage_step_fn fn, void *ctx, const char *fmt, ...) DFOTA_PRINTF(3, 4);

static void step(dfota_stage_step_fn fn, void *ctx, const char *fmt, ...)
{
    char line[1024];
    if (!fn)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(ctx, line);
}

/* The URL as it may be shown: credentials hidden, or a placeholder when
 * it is too long to show whole (never a cut URL, which could cut a
 * password where the redactor no longer sees it). */
static void url_shown(const char *url, char *out, size_t cap)
{
    size_t n = 0;
    if (dfota_redact(url, strlen(url), out, cap, &n) != DFOTA_OK)
        snprintf(out, cap, "(a URL of %zu bytes)", strlen(url));
}

/* A module's line for a message: printable ASCII kept, every other byte
 * as \xNN, at most cap - 1 bytes (cut with "..." when longer). */
static void escaped(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    if (cap < 12) {
        if (cap > 0)
            out[0] = '\0';
        return;
    }
    for (; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (i < n) { /* cut: the loop left at least 4 bytes, room for "..." and the NUL */
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Opens FILE for reading and gives its size; DFOTA_E_IO or TOO_BIG. */
static dfota_err open_file(const char *file, FILE **out, int64_t *size, char *err, size_t errlen)
{
    struct stat st;
    FILE *f = fopen(file, "rb");
    if (!f) {
        dfota_errf(err, errlen, "cannot open %.300s: %s", file, strerror(errno));
        return DFOTA_E_IO;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        dfota_errf(err, errlen, "%.300s is not a regular file", file);
        fclose(f);
        return DFOTA_E_IO;
    }
    if (st.st_size > DFOTA_STAGE_FILE_MAX) {
        dfota_errf(err, errlen, "%.300s has %lld bytes, over the %lld a package may have", file,
                (long long)st.st_size, (long long)DFOTA_STAGE_FILE_MAX);
        fclose(f);
        return DFOTA_E_TOO_BIG;
    }
    *out = f;
    *size = (int64_t)st.st_size;
    return DFOTA_OK;
}

/* ---- libcurl --------------------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static size_t read_file(char *p, size_t size, size_t n, void *ctx)
{
    return fread(p, size, n, ctx);
}

/* A handle for URL with the common settings; NULL when out of memory. */
static CURL *easy_for(const char *url, struct curl_slist *connect_to, const char *protocols,
                      char *errbuf)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    errbuf[0] = '\0';
    if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)DFOTA_PREFLIGHT_TIMEOUT_S) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
        (connect_to && curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to) != CURLE_OK)) {
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

/* The CONNECT_TO list; *out NULL when there are none. */
static dfota_err connect_list(const char *const *specs, size_t n, struct curl_slist **out,
                              char *err, size_t errlen)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        struct curl_slist *l = specs[i] ? curl_slist_append(*out, specs[i]) : *out;
        if (!l) {
            curl_slist_free_all(*out);
            *out = NULL;
            dfota_errf(err, errlen, "out of memory");
            return DFOTA_E_NOMEM;
        }
        *out = l;
    }
    return DFOTA_OK;
}

/* Why a transfer of shown failed, as one sentence into err. */
static void curl_reason(CURLcode cc, long code, const char *shown, const char *detail, char *err,
                        size_t errlen)
{
    const char *why;
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: why = "cannot connect"; break;
    case CURLE_LOGIN_DENIED: why = "the server refused the login (wrong user or password)"; break;
    case CURLE_REMOTE_FILE_NOT_FOUND: why = "the server has no such file"; break;
    case CURLE_REMOTE_ACCESS_DENIED: why = "the server denied access"; break;
    case CURLE_OPERATION_TIMEDOUT: why = "no answer in time"; break;
    case CURLE_UPLOAD_FAILED: why = "the server refused the upload"; break;
    default: why = curl_easy_strerror(cc); break;
    }
    char d[STAGE_SHOWN_MAX], c[48] = "";
    url_shown(detail ? detail : "", d, sizeof d); /* curl's text may hold the URL */
    if (code > 0)
        snprintf(c, sizeof c, " (server code %ld)", code);
    dfota_errf(err, errlen, "%s: %s%s%s%s", shown, why, c, d[0] ? ": " : "", d);
}

/* Is the failure one of reaching the server (as opposed to its answer)? */
static int cannot_reach(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_LOGIN_DENIED ||
           cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR ||
           cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_FTP_WEIRD_SERVER_REPLY ||
           cc == CURLE_GOT_NOTHING;
}

static int scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

/* ---- preflight ------------------------------------------------------------------- */

/* The size from a HEAD or SIZE that libcurl says worked. */
static dfota_err preflight_size(CURL *e, int http, const char *shown, int64_t *size, char *err,
                                size_t errlen)
{
    long code = 0;
    curl_off_t len = -1;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
    if (http && code == 404) {
        dfota_errf(err, errlen, "%s: the server has no such file (HTTP 404)", shown);
        return DFOTA_E_IO;
    }
    if (http && (code < 200 || code > 299)) {
        dfota_errf(err, errlen, "%s: the server answered HTTP %ld, not 2xx", shown, code);
        return DFOTA_E_IO;
    }
    if (len < 0) {
        dfota_errf(err, errlen, "%s: the server did not give the file's size", shown);
        return DFOTA_E_IO;
    }
    if (len == 0) {
        dfota_errf(err, errlen, "%s: the file is empty (size 0)", shown);
        return DFOTA_E_IO;
    }
    *size = (int64_t)len;
    return DFOTA_OK;
}

int dfota_url_is_loopback(const char *url)
{
    CURLU *u = url ? curl_url() : NULL;
    char *host = NULL;
    int loop = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host) {
        struct in_addr a4;
        loop = (inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127) ||
               strcmp(host, "[::1]") == 0 || strcasecmp(host, "localhost") == 0 ||
               strcasecmp(host, "localhost.") == 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return loop;
}

dfota_err dfota_preflight_url(const char *url, const char *const *connect_to, size_t n_connect_to,
                              int64_t *size, char *err, size_t errlen)
{
    char shown[STAGE_SHOWN_MAX], errbuf[CURL_ERROR_SIZE];
    struct curl_slist *ct = NULL;
    CURL *e = NULL;
    dfota_err rc = DFOTA_E_ARG;
    if (size)
        *size = -1;
    if (!url || !size || (n_connect_to > 0 && !connect_to)) {
        dfota_errf(err, errlen, "preflight: no URL, no place for the size, or no CONNECT_TO list");
        return DFOTA_E_ARG;
    }
    url_shown(url, shown, sizeof shown);
    int http = scheme_is(url, "http") || scheme_is(url, "https");
    if (!http && !scheme_is(url, "ftp")) {
        dfota_errf(err, errlen, "%s: preflight knows ftp://, http:// and https:// URLs only", shown);
        return DFOTA_E_ARG;
    }
    if (dfota_need_curl(err, errlen) != 0)
        return DFOTA_E_IO;
    if ((rc = connect_list(connect_to, n_connect_to, &ct, err, errlen)) != DFOTA_OK)
        goto done;
    rc = DFOTA_E_NOMEM;
    if (!(e = easy_for(url, ct, "ftp,http,https", errbuf)) ||
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)DFOTA_PREFLIGHT_TIMEOUT_S) != CURLE_OK) {
        dfota_errf(err, errlen, "out of memory");
        goto done;
    }
    CURLcode cc = curl_easy_perform(e);
    if (cc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
        curl_reason(cc, code, shown, errbuf, err, errlen);
        rc = DFOTA_E_IO;
        goto done;
    }
    rc = preflight_size(e, http, shown, size, err, errlen);
done:
    curl_easy_cleanup(e);
    curl_slist_free_all(ct);
    return rc;
}

/* ---- FTP upload ------------------------------------------------------------------ */

/* The URL to store at: url itself, or url + FILE's base name when url ends
 * in '/'. */
static dfota_err upload_url(const char *url, const char *file, char *out, size_t cap, char *err,
                            size_t errlen)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(url);
    int add = n > 0 && url[n - 1] == '/';
    int w = snprintf(out, cap, "%s%s", url, add ? base : "");
    if (w < 0 || (size_t)w >= cap || (add && !*base)) {
        dfota_errf(err, errlen, "the URL is longer than %zu bytes, or names no file", cap - 1);
        return DFOTA_E_ARG;
    }
    return DFOTA_OK;
}

static dfota_err ftp_put(const char *url, FILE *f, int64_t len, struct curl_slist *ct,
                         const char *shown, char *err, size_t errlen)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *e = easy_for(url, ct, "ftp", errbuf);
    if (!e || curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_file) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_READDATA, f) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR_RETRY) !=
            CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)STAGE_UPLOAD_LOW_SPEED_S) != CURLE_OK) {
        curl_easy_cleanup(e);
        dfota_errf(err, errlen, "out of memory");
        return DFOTA_E_NOMEM;
    }
    CURLcode cc = curl_easy_perform(e);
    long code = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(e);
    if (cc == CURLE_OK)
        return DFOTA_OK;
    curl_reason(cc, code, shown, errbuf, err, errlen);
    return cannot_reach(cc) ? DFOTA_E_IO : DFOTA_E_INPUT;
}

dfota_err dfota_stage_ftp(const char *url, const char *file, const dfota_stage_ftp_opts *opts,
                          int64_t *size, char *err, size_t errlen)
{
    static const dfota_stage_ftp_opts none = {0};
    char target[STAGE_URL_MAX], shown[STAGE_SHOWN_MAX];
    struct curl_slist *ct = NULL;
    FILE *f = NULL;
    int64_t len = 0, back = -1;
    const dfota_stage_ftp_opts *o = opts ? opts : &none;
    if (size)
        *size = -1;
    if (!url || !file || !size || !scheme_is(url, "ftp") ||
        (o->n_connect_to > 0 && !o->connect_to)) {
        dfota_errf(err, errlen, "stage: an ftp:// URL, a file and a place for the size are needed");
        return DFOTA_E_ARG;
    }
    dfota_err rc = upload_url(url, file, target, sizeof target, err, errlen);
    if (rc == DFOTA_OK)
        rc = open_file(file, &f, &len, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    url_shown(target, shown, sizeof shown);
    if (dfota_need_curl(err, errlen) != 0) {
        fclose(f);
        return DFOTA_E_IO;
    }
    if ((rc = connect_list(o->connect_to, o->n_connect_to, &ct, err, errlen)) != DFOTA_OK ||
        (rc = ftp_put(target, f, len, ct, shown, err, errlen)) != DFOTA_OK)
        goto done;
    step(o->on_step, o->step_ctx, "uploaded %lld bytes to %s", (long long)len, shown);
    if ((rc = dfota_preflight_url(target, o->connect_to, o->n_connect_to, &back, err, errlen)) !=
        DFOTA_OK) {
        rc = DFOTA_E_INPUT; /* it took the upload, so it was reached: its answer is wrong */
        goto done;
    }
    if (back != len) {
        dfota_errf(err, errlen, "%s: the server reads back %lld bytes, the file has %lld", shown,
                (long long)back, (long long)len);
        rc = DFOTA_E_INPUT;
        goto done;
    }
    step(o->on_step, o->step_ctx, "the server reads back %lld bytes (SIZE)", (long long)back);
    *size = back;
done:
    fclose(f);
    curl_slist_free_all(ct);
    return rc;
}

/* ---- AT+QFUPL over a serial port ------------------------------------------------- */

/* The port as the AT client's transport (dfota/at.h): lines ended with
 * CR, read through the AT framer, on the wall clock. */
typedef struct {
    dfota_port *port;
    dfota_framer *framer;
    int answer_ms;
    uint8_t buf[4096];
} at_link;

static dfota_err link_send(void *ctx, const char *cmd, size_t len, char *err, size_t errlen)
{
    at_link *l = ctx;
    char out[STAGE_LINE_MAX + 2];
    if (len > STAGE_LINE_MAX) {
        dfota_errf(err, errlen, "a command of over %d bytes", STAGE_LINE_MAX);
        return DFOTA_E_ARG;
    }
    memcpy(out, cmd, len);
    out[len] = '\r';
    return dfota_port_write(l->port, out, len + 1, STAGE_WRITE_MS, err, errlen);
}

/* The next line from the module before wall time deadline_ns: 1 with the
 * line, DFOTA_E_TIMEOUT, or DFOTA_E_IO. */
static int link_next(void *ctx, int64_t deadline_ns, const char **line, size_t *len, char *err,
                     size_t errlen)
{
    at_link *l = ctx;
    size_t full;
    unsigned flags;
    for (;;) {
        if (dfota_framer_next(l->framer, line, len, &full, &flags))
            return 1;
        int64_t left = (deadline_ns - dfota_wall_ns()) / DFOTA_NS_PER_MS;
        if (left <= 0)
            return DFOTA_E_TIMEOUT;
        int n = dfota_port_read(l->port, l->buf, sizeof l->buf, left > 100 ? 100 : (int)left, err,
                                errlen);
        if (n < 0)
            return DFOTA_E_IO;
        dfota_framer_push(l->framer, l->buf, (size_t)n);
    }
}

static int64_t answer_deadline(const at_link *l)
{
    return dfota_wall_ns() + (int64_t)l->answer_ms * DFOTA_NS_PER_MS;
}

/* Sends cmd and reads its answer up to the final result (dfota/at.h). */
static dfota_err command(dfota_at_client *c, const char *cmd, dfota_at_answer *ans, char *err,
                         size_t errlen)
{
    const at_link *l = c->t.ctx;
    dfota_err rc = dfota_at_client_ask(c, cmd, answer_deadline(l), ans, err, errlen);
    if (rc == DFOTA_E_TIMEOUT)
        dfota_errf(err, errlen, "no final answer to %.200s within %d ms", cmd, l->answer_ms);
    return rc;
}

/* What an error code of the vendor's file commands means, or NULL. */
static const char *file_error_text(const dfota_at_answer *final)
{
    static const struct {
        long code;
        const char *text;
    } known[] = {
        {406, "invalid file name"},
        {407, "the file exists (replace deletes it first)"},
        {409, "the module failed to write the file"},
        {420, "no space left"},
        {421, "the upload timed out"},
        {423, "the file is too large"},
    };
    if (final->final != DFOTA_FINAL_CME_ERROR || !final->has_code)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (final->code == known[i].code)
            return known[i].text;
    return NULL;
}

static dfota_err refused(const char *what, const dfota_at_answer *final, char *err, size_t errlen)
{
    char shown[STAGE_SHOWN_MAX];
    const char *text = file_error_text(final);
    escaped(final->text, strlen(final->text), shown, sizeof shown);
    dfota_errf(err, errlen, "the module answered %s with %s%s%s%s", what, shown, text ? " (" : "",
            text ? text : "", text ? ")" : "");
    return DFOTA_E_INPUT;
}

/* "+QFUPL: <digits>,<1-4 hex digits>": 1 with the values, else 0. */
static int parse_qfupl(const char *line, int64_t *count, unsigned *sum)
{
    const char *p = line + strlen("+QFUPL:");
    int64_t n = 0;
    unsigned s = 0;
    int digits = 0;
    if (strncmp(line, "+QFUPL:", 7) != 0)
        return 0;
    while (*p == ' ')
        p++;
    for (; *p >= '0' && *p <= '9' && digits < 12; p++, digits++)
        n = n * 10 + (*p - '0');
    if (digits == 0 || *p++ != ',')
        return 0;
    while (*p == ' ')
        p++;
    for (digits = 0; *p && digits < 5; p++, digits++) {
        int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
              : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
        if (v < 0)
            return 0;
        s = s * 16 + (unsigned)v;
    }
    if (digits == 0 || digits > 4 || *p)
        return 0;
    *count = n;
    *sum = s;
    return 1;
}

/* Writes the file's bytes after CONNECT and computes their checksum. */
static dfota_err send_data(const at_link *l, FILE *f, int64_t len, uint16_t *sum, char *err,
                           size_t errlen)
{
    uint8_t chunk[STAGE_CHUNK];
    uint64_t off = 0;
    *sum = 0;
    while ((int64_t)off < len) {
        size_t want = len - (int64_t)off < (int64_t)sizeof chunk ? (size_t)(len - (int64_t)off)
                                                                  : sizeof chunk;
        size_t got = fread(chunk, 1, want, f);
        if (got != want) {
            dfota_errf(err, errlen, "the file became shorter while it was read");
            return DFOTA_E_IO;
        }
        *sum = dfota_ufs_checksum(*sum, off, chunk, got);
        dfota_err rc = dfota_port_write(l->port, chunk, got, STAGE_WRITE_MS, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        off += got;
    }
    return DFOTA_OK;
}

/* After the data: +QFUPL: <count>,<checksum> and OK, checked. */
static dfota_err check_result(dfota_at_client *c, const char *name, int64_t len, uint16_t sum,
                              const dfota_stage_module_opts *o, char *err, size_t errlen)
{
    const at_link *l = c->t.ctx;
    char shown[STAGE_SHOWN_MAX], info[STAGE_LINE_MAX] = "";
    int64_t count = -1;
    unsigned got = 0;
    dfota_at_answer ans;
    dfota_err rc = dfota_at_client_answer(c, answer_deadline(l), &ans, err, errlen);
    if (rc == DFOTA_E_TIMEOUT)
        dfota_errf(err, errlen, "no +QFUPL answer within %d ms after the data", l->answer_ms);
    if (rc != DFOTA_OK)
        return rc;
    for (size_t i = 0; i < ans.n_lines && !info[0]; i++)
        if (strncmp(ans.lines[i], "+QFUPL:", 7) == 0)
            snprintf(info, sizeof info, "%s", ans.lines[i]);
    if (ans.kind != DFOTA_ITEM_OK)
        return refused("the upload", &ans, err, errlen);
    escaped(info, strlen(info), shown, sizeof shown);
    if (!parse_qfupl(info, &count, &got)) {
        dfota_errf(err, errlen, "the module ended the upload with OK but no +QFUPL: <size>,<checksum> "
                             "(saw '%s')", shown);
        return DFOTA_E_INPUT;
    }
    step(o->on_step, o->step_ctx, "the module answered %s", shown);
    if (count != len || got != sum) {
        dfota_errf(err, errlen, "UFS:%s: the module counts %lld bytes with checksum %04x; the file "
                "has %lld bytes with checksum %04x", name, (long long)count, got, (long long)len,
                (unsigned)sum);
        return DFOTA_E_INPUT;
    }
    return DFOTA_OK;
}

static dfota_err name_ok(const char *name, char *err, size_t errlen)
{
    size_t n = strlen(name);
    int bad = n == 0 || n > DFOTA_UFS_NAME_MAX || strstr(name, "..") || name[0] == '.';
    for (size_t i = 0; i < n && !bad; i++)
        bad = (unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/' ||
              name[i] == '"' || name[i] == '\\';
    if (bad) {
        char shown[STAGE_SHOWN_MAX];
        escaped(name, n, shown, sizeof shown);
        dfota_errf(err, errlen, "'%s' is not a UFS file name (1 to %d bytes, no '/', '\"', '\\', "
                "control bytes or '..', not starting with '.')", shown, DFOTA_UFS_NAME_MAX);
        return DFOTA_E_ARG;
    }
    return DFOTA_OK;
}

/* Talks to an open port: AT, QFDEL when asked, QFUPL and the data. */
static dfota_err upload(dfota_at_client *c, const char *name, FILE *f, int64_t len,
                        const dfota_stage_module_opts *o, char *err, size_t errlen)
{
    char cmd[STAGE_LINE_MAX];
    dfota_at_answer ans;
    uint16_t sum = 0;
    dfota_err rc = command(c, "AT", &ans, err, errlen);
    if (rc == DFOTA_E_TIMEOUT)
        return DFOTA_E_IO; /* nothing answers on this port: as good as no module */
    if (rc != DFOTA_OK || ans.kind != DFOTA_ITEM_OK)
        return rc != DFOTA_OK ? rc : refused("AT", &ans, err, errlen);
    step(o->on_step, o->step_ctx, "the module answers AT");
    if (o->replace) {
        snprintf(cmd, sizeof cmd, "AT+QFDEL=\"UFS:%s\"", name);
        if ((rc = command(c, cmd, &ans, err, errlen)) != DFOTA_OK)
            return rc;
        step(o->on_step, o->step_ctx, ans.kind == DFOTA_ITEM_OK ? "deleted UFS:%s"
                                                                 : "no UFS:%s to delete", name);
    }
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"UFS:%s\",%lld,%d", name, (long long)len,
             o->timeout_s > 0 ? o->timeout_s : 5);
    if ((rc = command(c, cmd, &ans, err, errlen)) != DFOTA_OK)
        return rc;
    if (ans.final != DFOTA_FINAL_CONNECT)
        return refused("AT+QFUPL", &ans, err, errlen);
    step(o->on_step, o->step_ctx, "CONNECT: sending %lld bytes", (long long)len);
    if ((rc = send_data(c->t.ctx, f, len, &sum, err, errlen)) != DFOTA_OK)
        return rc;
    return check_result(c, name, len, sum, o, err, errlen);
}

dfota_err dfota_stage_module(const char *spec, const char *file,
                             const dfota_stage_module_opts *opts, int64_t *size, char *err,
                             size_t errlen)
{
    static const dfota_stage_module_opts none = {0};
    const dfota_stage_module_opts *o = opts ? opts : &none;
    char port[DFOTA_PORT_NAME_MAX];
    dfota_port_opts po;
    double scale = 1;
    at_link l = {NULL, NULL, o->answer_ms > 0 ? o->answer_ms : STAGE_ANSWER_MS, {0}};
    FILE *f = NULL;
    int64_t len = 0;
    if (size)
        *size = -1;
    if (!spec || !file || !size || o->timeout_s < 0 || o->timeout_s > 65535) {
        dfota_errf(err, errlen, "stage: a port, a file, a place for the size and a timeout of 0 to "
                             "65535 s are needed");
        return DFOTA_E_ARG;
    }
    const char *name = o->name ? o->name : strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    dfota_err rc = name_ok(name, err, errlen);
    if (rc == DFOTA_OK)
        rc = dfota_source_parse_serial(spec, port, sizeof port, &po, &scale, err, errlen);
    if (rc == DFOTA_OK)
        rc = open_file(file, &f, &len, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    if (!(l.framer = dfota_framer_new())) {
        dfota_errf(err, errlen, "out of memory");
        rc = DFOTA_E_NOMEM;
        goto done;
    }
    if ((rc = dfota_port_open(port, &po, &l.port, err, errlen)) != DFOTA_OK)
        goto done;
    step(o->on_step, o->step_ctx, "opened %s (%s)", dfota_port_device(l.port),
         dfota_port_backend(l.port));
    dfota_at_transport t = {link_send, link_next, &l};
    dfota_at_client c;
    dfota_at_client_init(&c, &t);
    if ((rc = upload(&c, name, f, len, o, err, errlen)) == DFOTA_OK)
        *size = len;
done:
    dfota_port_free(l.port);
    dfota_framer_free(l.framer);
    fclose(f);
    return rc;
}
