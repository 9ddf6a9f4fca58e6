/* SPDX-License-Identifier: MIT */
/* test_spec.c - the guide as data: the AT+QFOTADL argument forms and
 * limits of chapter 3 (each limit at its boundary and one past it) and the
 * code tables of chapters 4 to 6 with the field codes of FIELD-QUIRKS.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/guide.h"

/* ---- AT+QFOTADL=<arg> -------------------------------------------------- */

#define NOT_CHECKED ((size_t)-1)

typedef enum { W_NONE, W_URL, W_USER, W_PASSWORD, W_SERVER, W_PATH } measure;

/* The argument is Q head pad*n tail Q, Q being a double quote when quoted.
 * Lengths are built here explicitly, never measured by the code under test. */
static const struct {
    const char *name;
    int quoted;
    const char *head;
    char pad;
    size_t n;
    const char *tail;
    size_t inner_len;   /* the length the test means to build, cross-checked */
    dfota_arg_class cls;
    dfota_proto proto;
    const char *quirk;  /* with FIELD */
    measure what;       /* a length to check */
    size_t measured;
    long port;          /* -1: not checked */
    int port_explicit;
} arg_cases[] = {
    /* the guide's own examples */
    {"guide FTP example", 1, "ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip", 0, 0, "", 58,
     DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL, W_PATH, 25, 21, 1},
    {"guide HTTP example", 1, "http://www.quectel.com:100/update.zip", 0, 0, "", 37, DFOTA_ARG_VALID,
     DFOTA_PROTO_HTTP, NULL, W_SERVER, 15, 100, 1},
    {"guide local example", 1, "/data/ufs/update-v13-to-v12.zip", 0, 0, "", 31, DFOTA_ARG_VALID,
     DFOTA_PROTO_LOCAL, NULL, W_NONE, 0, -1, 0},
    /* URL: 255 bytes between the quotes */
    {"URL 255", 1, "http://h/", 'u', 246, "", 255, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL, W_URL, 255, 80, 0},
    {"URL 256", 1, "http://h/", 'u', 247, "", 256, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP, NULL, W_NONE, 0, -1, 0},
    {"URL 255 with port", 1, "HTTP://example.com:8080/", 'u', 231, "", 255, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP,
     NULL, W_URL, 255, 8080, 1},
    {"URL 256 with port", 1, "HTTP://example.com:8080/", 'u', 232, "", 256, DFOTA_ARG_INVALID,
     DFOTA_PROTO_HTTP, NULL, W_NONE, 0, -1, 0},
    {"HTTPS URL 256 stays invalid", 1, "https://h/", 'u', 246, "", 256, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTPS,
     NULL, W_NONE, 0, -1, 0},
    /* FTP parts: 50 bytes each */
    {"user 50", 1, "ftp://", 'u', 50, ":pw@host/f.zip", 70, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL, W_USER, 50,
     21, 0},
    {"user 51", 1, "ftp://", 'u', 51, ":pw@host/f.zip", 71, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0,
     -1, 0},
    {"password 50", 1, "ftp://user:", 'p', 50, "@host/f.zip", 72, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL,
     W_PASSWORD, 50, 21, 0},
    {"password 51", 1, "ftp://user:", 'p', 51, "@host/f.zip", 73, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, -1, 0},
    {"server 50", 1, "ftp://u:p@", 's', 50, ":21/f.zip", 69, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL, W_SERVER,
     50, 21, 1},
    {"server 51", 1, "ftp://u:p@", 's', 51, ":21/f.zip", 70, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE,
     0, -1, 0},
    {"file path 50", 1, "ftp://u:p@host/", 'f', 50, "", 65, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL, W_PATH, 50,
     21, 0},
    {"file path 51", 1, "ftp://u:p@host/", 'f', 51, "", 66, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE,
     0, -1, 0},
    {"file path 50 in a folder", 1, "ftp://u:p@host:21/Jun/", 'f', 46, "", 68, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_PATH, 50, 21, 1},
    {"file path 51 in a folder", 1, "ftp://u:p@host:21/Jun/", 'f', 47, "", 69, DFOTA_ARG_INVALID,
     DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    /* local file name: 128 bytes with /data/ufs/ */
    {"local 128", 1, "/data/ufs/", 'x', 118, "", 128, DFOTA_ARG_VALID, DFOTA_PROTO_LOCAL, NULL, W_NONE, 0, -1,
     0},
    {"local 129", 1, "/data/ufs/", 'x', 119, "", 129, DFOTA_ARG_INVALID, DFOTA_PROTO_LOCAL, NULL, W_NONE, 0,
     -1, 0},
    {"local folder only", 1, "/data/ufs/", 0, 0, "", 10, DFOTA_ARG_INVALID, DFOTA_PROTO_LOCAL, NULL, W_NONE, 0,
     -1, 0},
    /* ports */
    {"port 1", 1, "ftp://u:p@host:1/f.zip", 0, 0, "", 22, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0, 1,
     1},
    {"port 65535", 1, "http://host:65535/f.zip", 0, 0, "", 23, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL, W_NONE,
     0, 65535, 1},
    {"port 0", 1, "ftp://u:p@host:0/f.zip", 0, 0, "", 22, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0,
     -1, 0},
    {"port 65536", 1, "http://host:65536/f.zip", 0, 0, "", 23, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, -1, 0},
    {"port abc", 1, "ftp://host:abc/f.zip", 0, 0, "", 20, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0,
     -1, 0},
    {"FTP default port", 1, "ftp://u:p@host/f.zip", 0, 0, "", 20, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, 21, 0},
    {"HTTP default port", 1, "http://host/f.zip", 0, 0, "", 17, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, 80, 0},
    /* schemes */
    {"FTP:// upper case", 1, "FTP://u:p@host/f.zip", 0, 0, "", 20, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, 21, 0},
    {"FtP:// mixed case", 1, "FtP://u:p@host/f.zip", 0, 0, "", 20, DFOTA_ARG_VALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, 21, 0},
    {"HTTP:// upper case", 1, "HTTP://host/f.zip", 0, 0, "", 17, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, 80, 0},
    {"hTtP:// mixed case", 1, "hTtP://host/f.zip", 0, 0, "", 17, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, 80, 0},
    {"no scheme", 1, "update.zip", 0, 0, "", 10, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL, W_NONE, 0, -1, 0},
    {"no scheme, host and path", 1, "host/update.zip", 0, 0, "", 15, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL,
     W_NONE, 0, -1, 0},
    {"tftp://", 1, "tftp://host/f.zip", 0, 0, "", 17, DFOTA_ARG_INVALID, DFOTA_PROTO_OTHER, NULL, W_NONE, 0,
     -1, 0},
    {"empty", 1, "", 0, 0, "", 0, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL, W_NONE, 0, -1, 0},
    {"missing quotes", 0, "ftp://u:p@host/f.zip", 0, 0, "", 20, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL,
     W_NONE, 0, -1, 0},
    {"missing closing quote", 0, "\"ftp://u:p@host/f.zip", 0, 0, "", 21, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE,
     NULL, W_NONE, 0, -1, 0},
    {"a lone quote", 0, "\"", 0, 0, "", 1, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL, W_NONE, 0, -1, 0},
    {"nothing at all", 0, "", 0, 0, "", 0, DFOTA_ARG_INVALID, DFOTA_PROTO_NONE, NULL, W_NONE, 0, -1, 0},
    {"text after the closing quote", 0, "\"http://host/f.zip\"x", 0, 0, "", 20, DFOTA_ARG_INVALID,
     DFOTA_PROTO_NONE, NULL, W_NONE, 0, -1, 0},
    {"server missing before port", 1, "ftp://user:pw@:21/f", 0, 0, "", 19, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP,
     NULL, W_NONE, 0, -1, 0},
    {"server missing", 1, "ftp:///file", 0, 0, "", 11, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1,
     0},
    {"HTTP server missing", 1, "http://:80/f.zip", 0, 0, "", 16, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, -1, 0},
    {"HTTP file missing", 1, "http://host", 0, 0, "", 11, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP, NULL, W_NONE, 0,
     -1, 0},
    {"FTP file missing", 1, "ftp://u:p@host:21/", 0, 0, "", 18, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, -1, 0},
    /* chapter 3.1's template, not RFC 3986: the server starts after the last
     * '@' before the first '/', the file path is all that follows that '/' */
    {"user name holding @", 1, "ftp://fota@example.com:pw@host/f.zip", 0, 0, "", 36, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_USER, 16, 21, 0},
    {"user name holding @, 50", 1, "ftp://", 'u', 45, "@mail:pw@host/f.zip", 70, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_USER, 50, 21, 0},
    {"user name holding @, 51", 1, "ftp://", 'u', 46, "@mail:pw@host/f.zip", 71, DFOTA_ARG_INVALID,
     DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"password holding #", 1, "ftp://user:pa#ss@host/f.zip", 0, 0, "", 27, DFOTA_ARG_VALID, DFOTA_PROTO_FTP,
     NULL, W_PASSWORD, 5, 21, 0},
    {"password holding ?", 1, "ftp://user:pa?ss@host:2121/f.zip", 0, 0, "", 32, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_PASSWORD, 5, 2121, 1},
    {"password holding @, # and ?", 1, "ftp://user:p@ss#1?@host/f.zip", 0, 0, "", 29, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_PASSWORD, 7, 21, 0},
    {"password 51 holding #", 1, "ftp://user:#", 'p', 50, "@host/f.zip", 73, DFOTA_ARG_INVALID,
     DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"FTP file name with blanks", 1, "ftp://u:p@host/Jun/update v12 to v13.zip", 0, 0, "", 40, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_PATH, 25, 21, 0},
    {"FTP file path 50 with a query", 1, "ftp://u:p@host/update.zip?token=", 'a', 33, "", 65, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_PATH, 50, 21, 0},
    {"FTP file path 51 with a query", 1, "ftp://u:p@host/update.zip?token=", 'a', 34, "", 66,
     DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"FTP file path 60 with a query", 1, "ftp://u:p@host/update.zip?token=", 'a', 43, "", 75,
     DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"FTP file path 51 with a fragment", 1, "ftp://u:p@host/update.zip#", 'a', 40, "", 66, DFOTA_ARG_INVALID,
     DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"FTP server in brackets", 1, "ftp://u:p@[2001:db8::1]:2121/f.zip", 0, 0, "", 34, DFOTA_ARG_VALID,
     DFOTA_PROTO_FTP, NULL, W_SERVER, 13, 2121, 1},
    {"FTP port empty", 1, "ftp://u:p@host:/f.zip", 0, 0, "", 21, DFOTA_ARG_INVALID, DFOTA_PROTO_FTP, NULL,
     W_NONE, 0, -1, 0},
    {"FTP server empty after user info", 1, "ftp://u:p@/f.zip", 0, 0, "", 16, DFOTA_ARG_INVALID,
     DFOTA_PROTO_FTP, NULL, W_NONE, 0, -1, 0},
    {"port of 20 digits", 1, "http://host:", '9', 20, "/f.zip", 38, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, -1, 0},
    {"port with leading zeros", 1, "http://host:00080/f.zip", 0, 0, "", 23, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP,
     NULL, W_NONE, 0, 80, 1},
    /* chapter 3.2 limits only the whole URL and the port */
    {"HTTP server over 50", 1, "http://", 's', 60, "/f.zip", 73, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL,
     W_SERVER, 60, 80, 0},
    {"HTTP file path over 50", 1, "http://host/", 'f', 200, "", 212, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL,
     W_PATH, 200, 80, 0},
    {"HTTP user name over 50", 1, "http://", 'u', 60, ":pw@host/f.zip", 81, DFOTA_ARG_VALID, DFOTA_PROTO_HTTP,
     NULL, W_USER, 60, 80, 0},
    {"HTTP file name with blanks", 1, "http://www.quectel.com:100/update v12.zip", 0, 0, "", 41,
     DFOTA_ARG_VALID, DFOTA_PROTO_HTTP, NULL, W_PATH, 14, 100, 1},
    {"HTTP query holding @ and #", 1, "http://host/f.zip?a=b@c#d", 0, 0, "", 25, DFOTA_ARG_VALID,
     DFOTA_PROTO_HTTP, NULL, W_PATH, 13, 80, 0},
    {"HTTP query without a file", 1, "http://host?f.zip", 0, 0, "", 17, DFOTA_ARG_INVALID, DFOTA_PROTO_HTTP,
     NULL, W_NONE, 0, -1, 0},
    /* only FTP:// and HTTP:// are case-free: /data/ufs/ is matched exactly */
    {"/data/ufs/ in upper case", 1, "/DATA/UFS/update.zip", 0, 0, "", 20, DFOTA_ARG_INVALID, DFOTA_PROTO_LOCAL,
     NULL, W_NONE, 0, -1, 0},
    {"/data/ufs/ in mixed case", 1, "/Data/ufs/update.zip", 0, 0, "", 20, DFOTA_ARG_INVALID, DFOTA_PROTO_LOCAL,
     NULL, W_NONE, 0, -1, 0},
    {"/cache/ufs/ in upper case", 1, "/CACHE/UFS/x", 0, 0, "", 12, DFOTA_ARG_INVALID, DFOTA_PROTO_LOCAL, NULL,
     W_NONE, 0, -1, 0},
    /* forms of shipped firmware */
    {"https://", 1, "https://host/f.zip", 0, 0, "", 18, DFOTA_ARG_FIELD, DFOTA_PROTO_HTTPS, "https-url",
     W_NONE, 0, -1, 0},
    {"/cache/ufs/", 1, "/cache/ufs/x", 0, 0, "", 12, DFOTA_ARG_FIELD, DFOTA_PROTO_LOCAL, NULL, W_NONE, 0, -1,
     0},
    {"FILE:<length>", 1, "FILE:1234", 0, 0, "", 9, DFOTA_ARG_FIELD, DFOTA_PROTO_FILE, NULL, W_NONE, 0, -1, 0},
    {"extra arguments", 0, "\"http://h/f\",1,2,3", 0, 0, "", 18, DFOTA_ARG_FIELD, DFOTA_PROTO_HTTP, NULL,
     W_NONE, 0, 80, 0},
    {"extra arguments on an invalid URL", 0, "\"http://h/\",1,2,3", 0, 0, "", 17, DFOTA_ARG_INVALID,
     DFOTA_PROTO_HTTP, NULL, W_NONE, 0, -1, 0},
};

static char *build_arg(size_t i, size_t *len)
{
    size_t hl = strlen(arg_cases[i].head), tl = strlen(arg_cases[i].tail), n = arg_cases[i].n;
    size_t q = arg_cases[i].quoted ? 1 : 0;
    char *s = malloc(hl + n + tl + 2 * q + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t o = 0;
    if (q)
        s[o++] = '"';
    memcpy(s + o, arg_cases[i].head, hl);
    o += hl;
    memset(s + o, arg_cases[i].pad, n);
    o += n;
    memcpy(s + o, arg_cases[i].tail, tl);
    o += tl;
    if (q)
        s[o++] = '"';
    s[o] = '\0';
    *len = o;
    /* The table states the length it means; a typo there must not pass. */
    CU_ASSERT_EQUAL_FATAL(o - 2 * q, arg_cases[i].inner_len);
    return s;
}

static size_t measured(const dfota_arg_check *c, measure what)
{
    switch (what) {
    case W_URL: return c->url_len;
    case W_USER: return c->user_len;
    case W_PASSWORD: return c->password_len;
    case W_SERVER: return c->server_len;
    case W_PATH: return c->path_len;
    case W_NONE: break;
    }
    return NOT_CHECKED;
}

static void test_check_arg(void)
{
    for (size_t i = 0; i < sizeof arg_cases / sizeof arg_cases[0]; i++) {
        size_t len;
        char *arg = build_arg(i, &len);
        dfota_arg_check c;
        memset(&c, 0x5A, sizeof c);
        dfota_spec_check_arg(arg, len, &c);
        int ok = c.cls == arg_cases[i].cls && c.proto == arg_cases[i].proto;
        /* A verdict other than VALID says why; VALID says nothing. */
        size_t rl = strnlen(c.reason, sizeof c.reason);
        ok = ok && rl < sizeof c.reason && (c.cls == DFOTA_ARG_VALID ? rl == 0 : rl > 0);
        if (c.cls == DFOTA_ARG_FIELD) {
            ok = ok && c.quirk != NULL;
            if (c.quirk && arg_cases[i].quirk)
                ok = ok && strcmp(c.quirk, arg_cases[i].quirk) == 0;
        }
        if (arg_cases[i].what != W_NONE)
            ok = ok && measured(&c, arg_cases[i].what) == arg_cases[i].measured;
        if (arg_cases[i].port >= 0)
            ok = ok && c.port == arg_cases[i].port && c.port_explicit == arg_cases[i].port_explicit;
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  %s (%zu bytes): cls %d proto %d quirk %s port %ld/%d url %zu user %zu "
                   "password %zu server %zu path %zu reason '%.*s'\n",
                   arg_cases[i].name, len, (int)c.cls, (int)c.proto, c.quirk ? c.quirk : "-", c.port,
                   c.port_explicit, c.url_len, c.user_len, c.password_len, c.server_len, c.path_len,
                   (int)(rl < sizeof c.reason ? rl : 0), c.reason);
        free(arg);
    }
}

static void test_check_arg_not_nul_terminated(void)
{
    /* The argument is bounded by len, not by a NUL: bytes after it are not read. */
    static const char text[] = "\"http://host/f.zip\"GARBAGE";
    dfota_arg_check c;
    dfota_spec_check_arg(text, 19, &c);
    CU_ASSERT_EQUAL(c.cls, DFOTA_ARG_VALID);
    CU_ASSERT_EQUAL(c.proto, DFOTA_PROTO_HTTP);
    CU_ASSERT_EQUAL(c.url_len, 17);
    dfota_spec_check_arg(text, 26, &c);
    CU_ASSERT_EQUAL(c.cls, DFOTA_ARG_INVALID);
}

/* ---- URLs by chapter 3's template --------------------------------------- */

#define ABSENT NULL

/* Each part as the text it must be, or ABSENT; "" is a part present and
 * empty. The parts are compared as text cut out of the URL, so an offset or
 * a length that is one off fails. */
static const struct {
    const char *url;
    int ok;
    const char *scheme, *user, *password, *server, *port, *file_path;
} url_cases[] = {
    /* the guide's own examples */
    {"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip", 1, "ftp", "test", "test", "124.74.41.170",
     "21", "Jun/update-v12-to-v13.zip"},
    {"http://www.quectel.com:100/update.zip", 1, "http", ABSENT, ABSENT, "www.quectel.com", "100",
     "update.zip"},
    /* a user name is an account, often an e-mail address: the server starts
     * after the last '@' */
    {"FTP://fota@example.com:pw@ftp.example.net:2121/a/b.zip", 1, "FTP", "fota@example.com", "pw",
     "ftp.example.net", "2121", "a/b.zip"},
    {"ftp://a@b@c:pw@host/f", 1, "ftp", "a@b@c", "pw", "host", ABSENT, "f"},
    /* the password is everything between the first ':' and that '@' */
    {"ftp://u:p@ss#1?@host/f", 1, "ftp", "u", "p@ss#1?", "host", ABSENT, "f"},
    {"ftp://u:a:b@host/f", 1, "ftp", "u", "a:b", "host", ABSENT, "f"},
    {"ftp://u:#?@host/f", 1, "ftp", "u", "#?", "host", ABSENT, "f"},
    {"ftp://anonymous@host/f", 1, "ftp", "anonymous", ABSENT, "host", ABSENT, "f"},
    {"ftp://:@host/f", 1, "ftp", "", "", "host", ABSENT, "f"},
    /* the file path is everything after the first '/', '?' and '#' too */
    {"ftp://u:p@host/f.zip?x=1#y", 1, "ftp", "u", "p", "host", ABSENT, "f.zip?x=1#y"},
    {"http://host/a@b/c.zip", 1, "http", ABSENT, ABSENT, "host", ABSENT, "a@b/c.zip"},
    {"http://host/my update v2.zip", 1, "http", ABSENT, ABSENT, "host", ABSENT, "my update v2.zip"},
    {"http://host//f", 1, "http", ABSENT, ABSENT, "host", ABSENT, "/f"},
    {"http://host/", 1, "http", ABSENT, ABSENT, "host", ABSENT, ""},
    {"http://host", 1, "http", ABSENT, ABSENT, "host", ABSENT, ABSENT},
    {"http://host?f.zip", 1, "http", ABSENT, ABSENT, "host?f.zip", ABSENT, ABSENT},
    /* ports, servers */
    {"ftp://host:/f", 1, "ftp", ABSENT, ABSENT, "host", "", "f"},
    {"ftp://host:21:22/f", 1, "ftp", ABSENT, ABSENT, "host", "21:22", "f"},
    {"ftp:///f", 1, "ftp", ABSENT, ABSENT, "", ABSENT, "f"},
    {"ftp://u:p@/f", 1, "ftp", "u", "p", "", ABSENT, "f"},
    {"ftp://u:p@[2001:db8::1]:21/f", 1, "ftp", "u", "p", "[2001:db8::1]", "21", "f"},
    {"http://[::1]/f", 1, "http", ABSENT, ABSENT, "[::1]", ABSENT, "f"},
    {"http://[::1]x:8/f", 1, "http", ABSENT, ABSENT, "[::1]x", "8", "f"},
    {"http://[::1/f", 1, "http", ABSENT, ABSENT, "[::1", ABSENT, "f"},
    {"://", 1, "", ABSENT, ABSENT, "", ABSENT, ABSENT},
    /* no "://": nothing to take apart */
    {"host/f.zip", 0, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT},
    {"ftp:/host/f", 0, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT},
    {"ftp:", 0, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT},
    {"", 0, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT},
};

static int part_is(const char *url, size_t n, dfota_url_part p, const char *want)
{
    if (!want)
        return !p.present && p.off == 0 && p.len == 0;
    return p.present && p.off <= n && p.len <= n - p.off && p.len == strlen(want) &&
           memcmp(url + p.off, want, p.len) == 0;
}

static void show_part(const char *what, const char *url, dfota_url_part p)
{
    if (p.present)
        printf(" %s '%.*s'", what, (int)p.len, url + p.off);
    else
        printf(" %s absent", what);
}

static void test_url_parts(void)
{
    for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
        const char *url = url_cases[i].url;
        size_t n = strlen(url);
        dfota_url_parts u;
        memset(&u, 0x5A, sizeof u);
        int ok = dfota_spec_url_parts(url, n, &u) == url_cases[i].ok;
        ok = ok && part_is(url, n, u.scheme, url_cases[i].scheme) && part_is(url, n, u.user, url_cases[i].user) &&
             part_is(url, n, u.password, url_cases[i].password) &&
             part_is(url, n, u.server, url_cases[i].server) && part_is(url, n, u.port, url_cases[i].port) &&
             part_is(url, n, u.file_path, url_cases[i].file_path);
        CU_ASSERT(ok);
        if (!ok) {
            printf("\n  '%s':", url);
            show_part("scheme", url, u.scheme);
            show_part("user", url, u.user);
            show_part("password", url, u.password);
            show_part("server", url, u.server);
            show_part("port", url, u.port);
            show_part("file_path", url, u.file_path);
            printf("\n");
        }
    }
}

static void test_url_parts_bounded(void)
{
    /* Only url[0..n) is read: a '/' or '@' after it changes nothing. */
    static const char text[] = "http://host/f.zip@x/y";
    dfota_url_parts u;
    CU_ASSERT_EQUAL(dfota_spec_url_parts(text, 17, &u), 1);
    CU_ASSERT(part_is(text, 17, u.server, "host"));
    CU_ASSERT(part_is(text, 17, u.file_path, "f.zip"));
    CU_ASSERT(part_is(text, 17, u.user, ABSENT));
    static const char cut[] = "http://host/f";
    CU_ASSERT_EQUAL(dfota_spec_url_parts(cut, 6, &u), 0); /* "http:/" */
    CU_ASSERT_EQUAL(dfota_spec_url_parts(cut, 7, &u), 1); /* "http://" */
    CU_ASSERT(part_is(cut, 7, u.server, ""));
    CU_ASSERT(part_is(cut, 7, u.file_path, ABSENT));
}

static void test_arg_reasons(void)
{
    /* The reason names what broke the guide, in the guide's words. */
    static const struct {
        const char *arg;
        const char *says;
    } cases[] = {
        {"\"ftp://u:p@host/update.zip?token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "file path is 51 bytes"},
        {"\"ftp://uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu@mail:pw@host/f.zip\"", "user name is 51 bytes"},
        {"\"/DATA/UFS/update.zip\"", "/DATA/UFS/, not /data/ufs/"},
        {"\"ftp://u:p@host:/f.zip\"", "port after ':' is empty"},
        {"\"ftp://u:p@host:2x/f.zip\"", "port is not a number"},
        {"\"http://host:99999999999999999999/f\"", "outside 1-65535"},
        {"\"ftp://u:p@/f.zip\"", "names no server"},
        {"\"http://host?f.zip\"", "names no file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_arg_check c;
        dfota_spec_check_arg(cases[i].arg, strlen(cases[i].arg), &c);
        int ok = c.cls == DFOTA_ARG_INVALID && strstr(c.reason, cases[i].says) != NULL;
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  %s: cls %d reason '%s', expected '%s'\n", cases[i].arg, (int)c.cls, c.reason,
                   cases[i].says);
    }
}

static void test_proto_names(void)
{
    static const dfota_proto all[] = {DFOTA_PROTO_NONE, DFOTA_PROTO_FTP, DFOTA_PROTO_HTTP, DFOTA_PROTO_HTTPS,
                                      DFOTA_PROTO_LOCAL, DFOTA_PROTO_FILE, DFOTA_PROTO_OTHER};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *n = dfota_proto_name(all[i]);
        CU_ASSERT_PTR_NOT_NULL(n);
        for (size_t j = 0; n && j < i; j++)
            CU_ASSERT(strcmp(n, dfota_proto_name(all[j])) != 0);
    }
    CU_ASSERT_STRING_EQUAL(dfota_proto_name(DFOTA_PROTO_FTP), "ftp");
    CU_ASSERT_STRING_EQUAL(dfota_proto_name(DFOTA_PROTO_HTTP), "http");
}

/* ---- code tables -------------------------------------------------------- */

#define FTP DFOTA_TABLE_FTP
#define HTTP DFOTA_TABLE_HTTP
#define END DFOTA_TABLE_END
#define GUIDE DFOTA_CODE_GUIDE
#define FIELD DFOTA_CODE_FIELD
#define UNKNOWN DFOTA_CODE_UNKNOWN

static const struct {
    dfota_code_table table;
    long code;
    dfota_code_class cls;
    const char *quirk; /* checked when not NULL */
} code_cases[] = {
    /* chapter 4, <ftp_err> */
    {FTP, 0, GUIDE, NULL}, {FTP, 502, GUIDE, NULL}, {FTP, 505, GUIDE, NULL}, {FTP, 510, GUIDE, NULL},
    {FTP, 511, GUIDE, NULL}, {FTP, 520, GUIDE, NULL}, {FTP, 525, GUIDE, NULL}, {FTP, 530, GUIDE, NULL},
    {FTP, 540, GUIDE, NULL}, {FTP, 543, GUIDE, NULL}, {FTP, 546, GUIDE, NULL}, {FTP, 601, GUIDE, NULL},
    {FTP, 519, UNKNOWN, NULL}, {FTP, 531, UNKNOWN, NULL}, {FTP, 539, UNKNOWN, NULL},
    {FTP, 547, UNKNOWN, NULL}, {FTP, 503, UNKNOWN, NULL}, {FTP, 512, UNKNOWN, NULL},
    {FTP, 600, UNKNOWN, NULL}, {FTP, 602, FIELD, "detailed-ftp-code"}, {FTP, 608, FIELD, "detailed-ftp-code"},
    {FTP, 629, FIELD, "detailed-ftp-code"}, {FTP, 630, UNKNOWN, NULL}, {FTP, 701, UNKNOWN, NULL},
    {FTP, 702, UNKNOWN, NULL}, {FTP, 999, UNKNOWN, NULL}, {FTP, -1, UNKNOWN, NULL},
    /* chapter 5, <http_err> */
    {HTTP, 0, GUIDE, NULL}, {HTTP, 502, GUIDE, NULL}, {HTTP, 505, GUIDE, NULL}, {HTTP, 510, GUIDE, NULL},
    {HTTP, 511, GUIDE, NULL}, {HTTP, 520, GUIDE, NULL}, {HTTP, 530, GUIDE, NULL}, {HTTP, 540, GUIDE, NULL},
    {HTTP, 546, GUIDE, NULL}, {HTTP, 701, GUIDE, NULL},
    {HTTP, 519, UNKNOWN, NULL}, {HTTP, 531, UNKNOWN, NULL}, {HTTP, 539, UNKNOWN, NULL},
    {HTTP, 547, UNKNOWN, NULL}, {HTTP, 700, UNKNOWN, NULL}, {HTTP, 702, FIELD, "detailed-http-code"},
    {HTTP, 715, FIELD, "detailed-http-code"}, {HTTP, 730, FIELD, "detailed-http-code"},
    {HTTP, 731, UNKNOWN, NULL}, {HTTP, 608, FIELD, "ftp-code-on-http"}, {HTTP, 999, UNKNOWN, NULL},
    /* chapter 6, <err> (0 is success, chapter 3) */
    {END, 0, GUIDE, NULL}, {END, 502, GUIDE, NULL}, {END, 505, GUIDE, NULL}, {END, 510, GUIDE, NULL},
    {END, 511, GUIDE, NULL}, {END, 520, GUIDE, NULL}, {END, 530, GUIDE, NULL}, {END, 540, GUIDE, NULL},
    {END, 546, GUIDE, NULL},
    {END, 519, UNKNOWN, NULL}, {END, 531, UNKNOWN, NULL}, {END, 539, UNKNOWN, NULL},
    {END, 547, UNKNOWN, NULL}, {END, 601, UNKNOWN, NULL}, {END, 701, UNKNOWN, NULL},
    {END, 504, FIELD, "vendor-end-code"}, {END, 506, FIELD, "vendor-end-code"},
    {END, 507, FIELD, "vendor-end-code"}, {END, 552, FIELD, "vendor-end-code"},
    {END, 553, FIELD, "vendor-end-code"}, {END, 1, FIELD, "vendor-end-code"},
    {END, 501, FIELD, "vendor-end-code"}, {END, 2, UNKNOWN, NULL}, {END, 508, UNKNOWN, NULL},
    {END, 551, UNKNOWN, NULL}, {END, 554, UNKNOWN, NULL}, {END, 999, UNKNOWN, NULL},
    {END, 999999999, UNKNOWN, NULL},
};

static void test_codes(void)
{
    /* FTP 602..629 and HTTP 702..730 are all field codes, with a meaning each. */
    for (long code = 602; code <= 629; code++) {
        const char *m = NULL, *q = NULL;
        CU_ASSERT_EQUAL(dfota_spec_code(FTP, code, &m, &q), FIELD);
        CU_ASSERT(m != NULL && m[0] != '\0');
        CU_ASSERT_PTR_NOT_NULL(q);
    }
    for (long code = 702; code <= 730; code++) {
        const char *m = NULL, *q = NULL;
        CU_ASSERT_EQUAL(dfota_spec_code(HTTP, code, &m, &q), FIELD);
        CU_ASSERT(m != NULL && m[0] != '\0');
        CU_ASSERT_PTR_NOT_NULL(q);
    }
    for (size_t i = 0; i < sizeof code_cases / sizeof code_cases[0]; i++) {
        const char *m = NULL, *q = (const char *)"sentinel";
        dfota_code_class cls = dfota_spec_code(code_cases[i].table, code_cases[i].code, &m, &q);
        int ok = cls == code_cases[i].cls && m != NULL && m[0] != '\0';
        if (cls == FIELD)
            ok = ok && q != NULL && (!code_cases[i].quirk || strcmp(q, code_cases[i].quirk) == 0);
        else
            ok = ok && q == NULL;
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  table %d code %ld: class %d meaning '%s' quirk '%s'\n", (int)code_cases[i].table,
                   code_cases[i].code, (int)cls, m ? m : "(null)", q ? q : "(null)");
    }
}

static void test_code_meanings(void)
{
    /* The unknown-error codes say which protocol they belong to. */
    const char *m = NULL, *q = NULL;
    CU_ASSERT_EQUAL(dfota_spec_code(FTP, 601, &m, &q), GUIDE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "FTP"));
    CU_ASSERT_EQUAL(dfota_spec_code(HTTP, 701, &m, &q), GUIDE);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "HTTP"));
    /* Codes of one guide meaning share it; different ones differ. */
    const char *m520 = NULL, *m546 = NULL, *m505 = NULL;
    (void)dfota_spec_code(END, 520, &m520, &q);
    (void)dfota_spec_code(END, 546, &m546, &q);
    (void)dfota_spec_code(END, 505, &m505, &q);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m520);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m546);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m505);
    CU_ASSERT_STRING_EQUAL(m520, m546);
    CU_ASSERT(strcmp(m520, m505) != 0);
}

static void test_code_retried(void)
{
    static const struct {
        long code;
        int retried;
    } cases[] = {
        {505, 1}, {520, 1}, {521, 1}, {525, 1}, {530, 1}, {540, 1}, {543, 1}, {546, 1},
        {0, 0},   {502, 0}, {504, 0}, {506, 0}, {510, 0}, {511, 0}, {519, 0}, {531, 0},
        {539, 0}, {547, 0}, {601, 0}, {701, 0}, {-505, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = dfota_spec_code_retried(cases[i].code) != 0;
        CU_ASSERT_EQUAL(got, cases[i].retried);
        if (got != cases[i].retried)
            printf("\n  code %ld: retried %d, expected %d\n", cases[i].code, got, cases[i].retried);
    }
    CU_ASSERT_EQUAL(DFOTA_RETRY_505_MAX, 5);
}

/* The value inside the quotes, where the argument holds it: what a caller
 * (dfota run's preflight) uses instead of stripping quotes itself. */
static void test_arg_value(void)
{
    static const struct {
        const char *arg, *value; /* value NULL: the quotes cannot be read */
    } cases[] = {
        {"\"ftp://u:p@h:21/f.zip\"", "ftp://u:p@h:21/f.zip"},
        {"\"/data/ufs/a.zip\",1,2,3", "/data/ufs/a.zip"},
        {"\xe2\x80\x9chttp://h/f.zip\xe2\x80\x9d", "http://h/f.zip"},
        {"\"\"", ""},
        {"ftp://h/f.zip", NULL},
        {"\"ftp://h/f.zip", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_arg_check a;
        dfota_spec_check_arg(cases[i].arg, strlen(cases[i].arg), &a);
        if (!cases[i].value) {
            CU_ASSERT_EQUAL(a.value_len, 0);
            continue;
        }
        CU_ASSERT_EQUAL(a.value_len, strlen(cases[i].value));
        CU_ASSERT(a.value_off + a.value_len <= strlen(cases[i].arg));
        CU_ASSERT_NSTRING_EQUAL(cases[i].arg + a.value_off, cases[i].value, a.value_len);
    }
}

static const test_entry tests[] = {
    {"AT+QFOTADL argument limits and forms", test_check_arg},
    {"argument bounded by its length", test_check_arg_not_nul_terminated},
    {"URL parts by the guide's template", test_url_parts},
    {"URL parts bounded by the length", test_url_parts_bounded},
    {"argument verdicts say why", test_arg_reasons},
    {"protocol names", test_proto_names},
    {"code tables", test_codes},
    {"code meanings", test_code_meanings},
    {"retried codes", test_code_retried},
    {"the value inside the argument's quotes", test_arg_value},
};

int main(void)
{
    return RUN_SUITE("spec", tests);
}
