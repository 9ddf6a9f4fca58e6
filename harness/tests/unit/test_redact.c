/* SPDX-License-Identifier: MIT */
/* test_redact.c - credentials out of text (dfota_redact, dfota_redact_field,
 * dfota_redact_is_secret_name), and the transcript header that says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/log.h"
#include "dfota/guide.h"

static const struct {
    const char *name;
    const char *in;
    const char *want; /* NULL: the same as in */
} cases[] = {
    /* the guide's forms (chapter 3) */
    {"guide FTP example", "AT+QFOTADL=\"ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip\"",
     "AT+QFOTADL=\"ftp://test:***@124.74.41.170:21/Jun/update-v12-to-v13.zip\""},
    {"guide FTP in capitals", "AT+QFOTADL=\"FTP://<user_name>:<password>@<serverURL>:<port>/<file_path>\"",
     "AT+QFOTADL=\"FTP://<user_name>:***@<serverURL>:<port>/<file_path>\""},
    {"FTP default port", "AT+QFOTADL=\"ftp://test:test@124.74.41.170/update.zip\"",
     "AT+QFOTADL=\"ftp://test:***@124.74.41.170/update.zip\""},
    {"guide HTTP example", "AT+QFOTADL=\"http://www.example.com:100/update/delta.bin\"", NULL},
    {"HTTP with credentials", "AT+QFOTADL=\"http://u:pw@10.0.0.1/x.zip\"",
     "AT+QFOTADL=\"http://u:***@10.0.0.1/x.zip\""},
    {"HTTPS with credentials", "AT+QFOTADL=\"https://u:pw@10.0.0.1:443/x.zip\"",
     "AT+QFOTADL=\"https://u:***@10.0.0.1:443/x.zip\""},
    {"another scheme", "AT+QFOTADL=\"sftp://u:pw@h/x\"", "AT+QFOTADL=\"sftp://u:***@h/x\""},
    {"local file", "AT+QFOTADL=\"/data/ufs/update.zip\"", NULL},
    {"test command", "AT+QFOTADL=?", NULL},
    {"typographic quotes", "AT+QFOTADL=\xe2\x80\x9c" "ftp://u:pw@h/x\xe2\x80\x9d",
     "AT+QFOTADL=\xe2\x80\x9c" "ftp://u:***@h/x\xe2\x80\x9d"},
    /* odd passwords */
    {"password with ':'", "ftp://user:pa:ss@h:21/f", "ftp://user:***@h:21/f"},
    {"password with '@'", "ftp://user:p@ss@h:21/f", "ftp://user:***@h:21/f"},
    {"password of sub-delims", "ftp://user:!$&'()*+,;=~@h/f", "ftp://user:***@h/f"},
    {"password with '/'", "ftp://user:pa/ss@h/f", "ftp://user:***@h/f"},
    {"password with '?' and '#'", "ftp://user:p?a#s@h/f", "ftp://user:***@h/f"},
    {"password with \"://\"", "ftp://u:a://b@h/f", "ftp://u:***@h/f"},
    {"percent-encoded password", "ftp://user:p%40ss%3Aw%2F@h/f", "ftp://user:***@h/f"},
    {"UTF-8 password", "ftp://user:p\xc3\xa4sswort@h/f", "ftp://user:***@h/f"},
    {"escaped control bytes", "ftp://user:p\\x01w\\\\@h/f", "ftp://user:***@h/f"},
    {"one-byte password grows", "ftp://u:p@h/f", "ftp://u:***@h/f"},
    {"digits-only password", "ftp://u:12345@h/f", "ftp://u:***@h/f"},
    {"empty user name", "ftp://:pw@h/f", "ftp://:***@h/f"},
    /* chapter 3's template: the server starts after the last '@' before
     * the first '/'; a user name may hold '@', a password '#' and '?' */
    {"user name holding '@'", "ftp://fota@example.com:secret@h/f", "ftp://fota@example.com:***@h/f"},
    {"user name holding '@', password '#'", "ftp://fota@example.com:sec#ret@h/f",
     "ftp://fota@example.com:***@h/f"},
    {"user name holding '@', password '#' and '?'",
     "AT+QFOTADL=\"ftp://fota@example.com:Xk4#q?7w@ftp.example.com:21/EG95/A07-to-A08.zip\"",
     "AT+QFOTADL=\"ftp://fota@example.com:***@ftp.example.com:21/EG95/A07-to-A08.zip\""},
    {"user name holding '@', password '@' and '?'", "ftp://a@b.c:p?w@d@h:21/f", "ftp://a@b.c:***@h:21/f"},
    {"user name holding '@', port", "ftp://a@b.c:21/f", NULL},
    {"user name holding '@', no password", "ftp://a@b.c@h/f", NULL},
    /* nothing to hide */
    {"no password", "ftp://h/f", NULL},
    {"host and port", "ftp://h:21/f", NULL},
    {"user@host", "ftp://user@h:21/f", NULL},
    {"empty password", "ftp://user:@h/f", NULL},
    {"'@' in the path", "ftp://h:21/dir/a@b.zip", NULL},
    {"'@' in the path, no port", "ftp://h/a:b@c", NULL},
    {"IPv6 host", "ftp://[::1]:21/f", NULL},
    {"IPv6 host, '@' later", "http://[::1]/p@x", NULL},
    {"IPv6 host with a password", "ftp://u:pw@[::1]:21/f", "ftp://u:***@[::1]:21/f"},
    {"no URL", "+QIND: \"FOTA\",\"FTPEND\",0", NULL},
    {"empty", "", NULL},
    {"a mail address", "mailto:user:pw@host", NULL},
    {"host:port at the end", "see http://h:8080", NULL},
    {"host:port in quotes", "\"ftp://user:pw\"", NULL},
    /* query and fragment parameters */
    {"token", "http://h/f.zip?token=T0k3nV4l", "http://h/f.zip?token=***"},
    {"token among others", "http://h/f?a=1&TOKEN=x&b=2", "http://h/f?a=1&TOKEN=***&b=2"},
    {"S3 presigned",
     "https://b.s3.amazonaws.com/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2024%2Fs3"
     "&X-Amz-Date=20240101T000000Z&X-Amz-Security-Token=IQo&X-Amz-Signature=ab12",
     "https://b.s3.amazonaws.com/f?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***"
     "&X-Amz-Date=20240101T000000Z&X-Amz-Security-Token=***&X-Amz-Signature=***"},
    {"Azure SAS", "https://a.blob.core.windows.net/c/f?sv=2020&sig=abc%3D&se=2030",
     "https://a.blob.core.windows.net/c/f?sv=2020&sig=***&se=2030"},
    {"suffixes", "http://h/f?my_token=a&upload-key=b&client_secret=c&db_password=d",
     "http://h/f?my_token=***&upload-key=***&client_secret=***&db_password=***"},
    {"look-alike names", "http://h/f?keyword=a&monkey=b&tokens=c&passage=d", NULL},
    {"names in any case", "http://h/f?ApiKey=a&PASSWD=b&Pwd=c&Pass=d&SessionId=e",
     "http://h/f?ApiKey=***&PASSWD=***&Pwd=***&Pass=***&SessionId=***"},
    {"empty value", "http://h/f?token=&a=1", NULL},
    {"name without value", "http://h/f?token&a=1", NULL},
    {"';' separator", "http://h/f?a=1;sig=abc", "http://h/f?a=1;sig=***"},
    {"fragment", "https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"},
    {"value with '?' and ';'", "http://h/f?token=a?b;c&d=1", "http://h/f?token=***&d=1"},
    {"password and token", "https://u:p@h/f?sig=abc", "https://u:***@h/f?sig=***"},
    {"a URL in a query", "http://h/p?next=ftp://u:pw@h2/x&token=t",
     "http://h/p?next=ftp://u:***@h2/x&token=***"},
    {"port then query", "http://h:8080?token=x", "http://h:8080?token=***"},
    {"no query outside a URL", "token=abc&password=x", NULL},
    /* a URL with no '@' and no parameter mark, ended before the text is: copied whole */
    {"no mark, quoted", "AT+QFOTADL=\"http://h:80/fota/a-to-b.zip\" ok", NULL},
    {"no mark, typographic quotes", "\xe2\x80\x9chttp://h:x/f\xe2\x80\x9d?token=abc", NULL},
    {"no mark before a nested URL", "http://h/a/ftp://u:p/x \"", NULL},
    {"a mark past a typographic quote's first byte", "http://h/\xe2\x82\xac@x:1?token=t\"",
     "http://h/\xe2\x82\xac@x:1?token=***\""},
    /* issue 11: common names in camelCase, snake_case and kebab-case */
    {"OAuth names in camelCase", "https://h/cb?accessToken=a&authToken=b&clientSecret=c&state=s",
     "https://h/cb?accessToken=***&authToken=***&clientSecret=***&state=s"},
    {"OAuth code and JWT", "https://h/cb?code=4/0Ad&jwt=eyJ.x.y&bearer=z&scope=email",
     "https://h/cb?code=***&jwt=***&bearer=***&scope=email"},
    {"kebab and snake forms", "http://h/f?access-token=a&auth_token=b&client-secret=c&id-token=d",
     "http://h/f?access-token=***&auth_token=***&client-secret=***&id-token=***"},
    {"GCS signed URL",
     "https://storage.googleapis.com/b/f?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p"
     "&X-Goog-Date=20240101T000000Z&X-Goog-Signature=0a1b",
     "https://storage.googleapis.com/b/f?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=***"
     "&X-Goog-Date=20240101T000000Z&X-Goog-Signature=***"},
    {"session ids", "http://h/f?PHPSESSID=b&sessionId=c&my_session_id=d&jsessionid=A1",
     "http://h/f?PHPSESSID=***&sessionId=***&my_session_id=***&jsessionid=***"},
    /* embedded in text */
    {"a finding", "the host sent AT+QFOTADL=\"ftp://u:secret@h/f\" instead",
     "the host sent AT+QFOTADL=\"ftp://u:***@h/f\" instead"},
    {"two URLs", "see ftp://a:b@c/x and http://d/e?token=f.", "see ftp://a:***@c/x and http://d/e?token=***"},
    {"a URL at the line's end", "got ftp://a:b@c", "got ftp://a:***@c"},
    {"a join of expected and seen", "a valid argument; \"ftp://u:pw@h/f\" (51 bytes)",
     "a valid argument; \"ftp://u:***@h/f\" (51 bytes)"},
    /* cut and odd input */
    {"cut in the password, marked", "AT+QFOTADL=\"ftp://user:S3cr...", "AT+QFOTADL=\"ftp://user:***"},
    {"cut in the password", "AT+QFOTADL=\"ftp://user:S3cr", "AT+QFOTADL=\"ftp://user:***"},
    {"cut digits, marked", "AT+QFOTADL=\"ftp://user:123...", "AT+QFOTADL=\"ftp://user:***"},
    {"cut in the user name", "AT+QFOTADL=\"ftp://us", NULL},
    {"cut after the scheme", "AT+QFOTADL=\"ftp://", NULL},
    {"cut in the separator", "AT+QFOTADL=\"ftp:/", NULL},
    {"only a separator", "://", NULL},
    {"separators", "://://:a@://", "://://:***@://"},
    {"only '@'", "ftp://@", NULL},
    {"colon and '@'", "ftp://:@", NULL},
    /* found by fuzz_inputs: the name of "&..." ran into the URL that starts
     * there and took its password's "=" for its own, so that the "***" made
     * "-key" a secret name the second time round */
    {"a URL where a parameter's name would be", "x://h&://:=@-key=K", "x://h&://:***@-key=K"},
    /* found by fuzz_inputs: a '&' in the authority started a "parameter"
     * whose secret-looking value ran over the '/', so that the second time
     * the authority ran to the end and looked like a cut password */
    {"no parameter in the authority", "s://h&a:api-key=0/x", NULL},
    {"a parameter after the authority", "s://h/p&api-key=0/x", "s://h/p&api-key=***"},
    {"no parameter in the authority, issue 11's case", "://&key=/&:c", NULL},
    /* already redacted */
    {"already redacted password", "AT+QFOTADL=\"ftp://test:***@124.74.41.170:21/f.zip\"", NULL},
    {"already redacted token", "http://h/f?token=***&a=1", NULL},
    {"already redacted and cut", "ftp://user:***", NULL},
};

static void check_case(size_t i)
{
    const char *in = cases[i].in;
    const char *want = cases[i].want ? cases[i].want : in;
    char out[2048];
    size_t n = 12345;
    dfota_err rc = dfota_redact(in, strlen(in), out, sizeof out, &n);
    int ok = rc == DFOTA_OK && n == strlen(want) && strcmp(out, want) == 0;
    CU_ASSERT(ok);
    if (!ok)
        printf("\n  %s: got rc %d \"%s\", want \"%s\"\n", cases[i].name, (int)rc, out, want);
    CU_ASSERT(n <= DFOTA_REDACT_MAX(strlen(in)));
    /* redacting twice is redacting once */
    char again[2048];
    size_t n2;
    CU_ASSERT_EQUAL(dfota_redact(out, n, again, sizeof again, &n2), DFOTA_OK);
    if (n2 != n || strcmp(again, out) != 0) {
        CU_FAIL("not idempotent");
        printf("\n  %s: \"%s\" then \"%s\"\n", cases[i].name, out, again);
    }
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(i);
}

/* A 255-byte FTP URL, each part at the guide's 50-byte limit. */
static void test_url_255(void)
{
    char user[51], pass[51], url[300], want[300], out[600];
    memset(user, 'u', 50);
    user[50] = '\0';
    for (int i = 0; i < 50; i++)
        pass[i] = "S3cr3t-Kp9xQ2mZ7vL4w@:/"[i % 24];
    pass[50] = '\0';
    const char *rest = "@srv.example.com:2121/";
    int n = snprintf(url, sizeof url, "ftp://%s:%s%s", user, pass, rest);
    size_t fill = 255 - (size_t)n;
    memset(url + n, 'f', fill);
    url[255] = '\0';
    CU_ASSERT_EQUAL_FATAL(strlen(url), 255);
    snprintf(want, sizeof want, "ftp://%s:***%s%s", user, rest, url + n);
    size_t got;
    CU_ASSERT_EQUAL_FATAL(dfota_redact(url, 255, out, sizeof out, &got), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, want);
    CU_ASSERT_EQUAL(got, strlen(want));
    CU_ASSERT_PTR_NULL(strstr(out, "S3cr3t"));
}

/* Bytes past a NUL are read: the length is the caller's, not strlen's. */
static void test_nul_bytes(void)
{
    static const char in[] = "x\0ftp://u:pw@h/f\0y";
    char out[64];
    size_t n;
    CU_ASSERT_EQUAL_FATAL(dfota_redact(in, sizeof in - 1, out, sizeof out, &n), DFOTA_OK);
    CU_ASSERT_EQUAL(n, sizeof in - 1 + 1);
    CU_ASSERT(memcmp(out, "x\0ftp://u:***@h/f\0y", n) == 0);
}

static void test_bounds(void)
{
    const char *in = "AT+QFOTADL=\"ftp://u:p@h/f\"";
    const char *want = "AT+QFOTADL=\"ftp://u:***@h/f\"";
    size_t need = 0, wl = strlen(want);
    /* measure */
    CU_ASSERT_EQUAL(dfota_redact(in, strlen(in), NULL, 0, &need), DFOTA_E_TOO_BIG);
    CU_ASSERT_EQUAL(need, wl);
    /* every buffer too small by a byte or more: an error, and nothing cut */
    for (size_t cap = 1; cap <= wl; cap++) {
        char out[64];
        memset(out, 'Z', sizeof out);
        size_t n = 0;
        CU_ASSERT_EQUAL(dfota_redact(in, strlen(in), out, cap, &n), DFOTA_E_TOO_BIG);
        CU_ASSERT_EQUAL(n, wl);
        CU_ASSERT_EQUAL(out[0], '\0');
        CU_ASSERT_EQUAL(out[cap], 'Z'); /* nothing written past cap */
    }
    char exact[64];
    memset(exact, 'Z', sizeof exact);
    size_t n = 0;
    CU_ASSERT_EQUAL(dfota_redact(in, strlen(in), exact, wl + 1, &n), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(exact, want);
    CU_ASSERT_EQUAL(exact[wl + 1], 'Z');
    /* empty input needs one byte */
    char one[1];
    CU_ASSERT_EQUAL(dfota_redact("", 0, one, 1, &n), DFOTA_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(one[0], '\0');
    CU_ASSERT_EQUAL(dfota_redact(NULL, 0, one, 1, &n), DFOTA_OK);
    /* caller bugs */
    CU_ASSERT_EQUAL(dfota_redact(NULL, 3, one, 1, &n), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_redact("abc", 3, NULL, 8, &n), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_redact("abc", 3, one, 1, NULL), DFOTA_E_ARG);
}

/* The worst growth: one-byte values, back to back. */
static void test_growth_bound(void)
{
    char in[1024], out[4096];
    size_t o = 0;
    o += (size_t)snprintf(in, sizeof in, "http://h/f?");
    while (o + 8 < sizeof in)
        o += (size_t)snprintf(in + o, sizeof in - o, "sig=x&");
    size_t n;
    CU_ASSERT_EQUAL_FATAL(dfota_redact(in, o, out, sizeof out, &n), DFOTA_OK);
    CU_ASSERT(n > o);
    CU_ASSERT(n <= DFOTA_REDACT_MAX(o));
    /* a hostile line of separators is read in one pass, without recursion */
    static char big[65536];
    for (size_t i = 0; i + 3 <= sizeof big; i += 3)
        memcpy(big + i, "://", 3);
    char *res = malloc(DFOTA_REDACT_MAX(sizeof big) + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    CU_ASSERT_EQUAL(dfota_redact(big, sizeof big - 1, res, DFOTA_REDACT_MAX(sizeof big) + 1, &n),
                    DFOTA_OK);
    CU_ASSERT_EQUAL(n, sizeof big - 1);
    free(res);
}

static void test_field(void)
{
    char f[64] = "the host sent AT+QFOTADL=\"ftp://u:S3cr3t@h/f\"";
    CU_ASSERT_EQUAL(dfota_redact_field(f, sizeof f), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(f, "the host sent AT+QFOTADL=\"ftp://u:***@h/f\"");
    char plain[16] = "OK";
    CU_ASSERT_EQUAL(dfota_redact_field(plain, sizeof plain), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(plain, "OK");
    /* grown past the field: cut, and marked */
    char small[16] = "x ftp://u:p@h/f";
    CU_ASSERT_EQUAL(strlen(small), 15);
    CU_ASSERT_EQUAL(dfota_redact_field(small, sizeof small), DFOTA_E_TOO_BIG);
    CU_ASSERT_EQUAL(strlen(small), 15);
    CU_ASSERT_STRING_EQUAL(small, "x ftp://u:**...");
    CU_ASSERT_PTR_NULL(strstr(small, ":p@"));
    /* the cut does not split a UTF-8 character */
    char utf[19] = "ftp://u:p@h/\xc3\xa4xyz";
    CU_ASSERT_EQUAL(dfota_redact_field(utf, sizeof utf), DFOTA_E_TOO_BIG);
    CU_ASSERT_STRING_EQUAL(utf, "ftp://u:***@h/...");
    char tiny[3] = "ab";
    CU_ASSERT_EQUAL(dfota_redact_field(tiny, sizeof tiny), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_redact_field(NULL, 4), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_redact_field(tiny, 0), DFOTA_E_ARG);
}

static void test_secret_names(void)
{
    static const char *const yes[] = {
        "token", "Access_Token", "auth", "Authorization", "key", "apikey", "API_KEY", "secret",
        "password", "passwd", "pwd", "pass", "sig", "Signature", "credential", "session",
        "SessionID", "X-Amz-Signature", "x-amz-credential", "X-AMZ-SECURITY-TOKEN", "upload_token",
        "csrf-token", "private_key", "x-key", "app_secret", "db-password",
        /* issue 11 */
        "accessToken", "authToken", "clientSecret", "jwt", "JWT", "bearer", "Bearer", "code",
        "access-token", "auth_token", "AUTH-TOKEN", "client-secret", "client_secret", "id-token",
        "refresh_token", "refreshToken", "X_Amz_Signature", "x-goog-signature", "X-Goog-Credential",
        "apiKey", "APIKey", "x-api-key", "api_token", "sessionId", "session-id", "my_session_id",
        "JSESSIONID", "PHPSESSID", "dbPassword", "uploadToken", "client_assertion", "AWSAccessKeyId",
        "GoogleAccessId", "_key",
    };
    static const char *const no[] = {
        "", "tok", "tokens", "keyword", "monkey", "user", "username", "file", "expires",
        "x-amz-date", "passage", "sv", "se", "MONKEY", "codes", "zipcode", "encode", "state",
        "scope", "hotkeys", "_", "-_-", "x-goog-date", "keys", "Tokenizer",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!dfota_redact_is_secret_name(yes[i], strlen(yes[i])))
            CU_FAIL(yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (dfota_redact_is_secret_name(no[i], strlen(no[i])))
            CU_FAIL(no[i]);
    CU_ASSERT_FALSE(dfota_redact_is_secret_name(NULL, 3));
}

/* Names a user adds (--redact-param, DFOTA_REDACT_PARAMS): matched like
 * the built-in ones, checked whole before any is added, forgotten on reset. */
static void test_added_names(void)
{
    dfota_redact_reset_names();
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("otp", 3));
    const char *in = "https://h/f?otp=123456&Device-Pin=42&x=1";
    char out[128];
    size_t n;
    CU_ASSERT_EQUAL(dfota_redact(in, strlen(in), out, sizeof out, &n), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, in);
    CU_ASSERT_EQUAL(dfota_redact_add_names("otp"), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_redact_add_names("device_pin,Ticket"), DFOTA_OK);
    CU_ASSERT_TRUE(dfota_redact_is_secret_name("OTP", 3));
    CU_ASSERT_TRUE(dfota_redact_is_secret_name("devicePin", 9));
    CU_ASSERT_TRUE(dfota_redact_is_secret_name("ticket", 6));
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("otpx", 4));
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("my_otp", 6)); /* whole names only */
    CU_ASSERT_EQUAL(dfota_redact(in, strlen(in), out, sizeof out, &n), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(out, "https://h/f?otp=***&Device-Pin=***&x=1");
    char again[128];
    CU_ASSERT_EQUAL(dfota_redact(out, n, again, sizeof again, &n), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(again, out);
    /* bad lists change nothing */
    static const char *const bad[] = {"", ",", "a,", "a b", "a=b", "a&b", "x?", "#", "__", "caf\xc3\xa9",
                                      "n\tm"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (dfota_redact_add_names(bad[i]) != DFOTA_E_ARG)
            CU_FAIL(bad[i]);
    CU_ASSERT_EQUAL(dfota_redact_add_names(NULL), DFOTA_E_ARG);
    char longname[DFOTA_REDACT_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CU_ASSERT_EQUAL(dfota_redact_add_names(longname), DFOTA_E_ARG);
    longname[DFOTA_REDACT_NAME_MAX] = '\0';
    CU_ASSERT_EQUAL(dfota_redact_add_names(longname), DFOTA_OK);
    CU_ASSERT_TRUE(dfota_redact_is_secret_name(longname, DFOTA_REDACT_NAME_MAX));
    /* the table is bounded, and a list that does not fit adds none of it */
    dfota_redact_reset_names();
    for (int i = 0; i < DFOTA_REDACT_EXTRA_MAX - 1; i++)
        CU_ASSERT_EQUAL(dfota_redact_add_names("filler"), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_redact_add_names("last1,last2"), DFOTA_E_TOO_BIG);
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("last1", 5));
    CU_ASSERT_EQUAL(dfota_redact_add_names("last1"), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_redact_add_names("more"), DFOTA_E_TOO_BIG);
    dfota_redact_reset_names();
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("otp", 3));
    CU_ASSERT_FALSE(dfota_redact_is_secret_name("last1", 5));
}

/* Issue 11: bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
 * U+061C) can make a file name or a line read backwards on a terminal or a
 * page; dfota_escape shows them as \xNN, and reading them back gives the
 * bytes again. dfota_escape_text does the same to a text that holds
 * escapes already, leaving its backslashes alone. */
static void test_bidi_escaped(void)
{
    static const char *const bidi[] = {
        "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad", "\xe2\x80\xae",
        "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8", "\xe2\x81\xa9", "\xe2\x80\x8e",
        "\xe2\x80\x8f", "\xd8\x9c",
    };
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        char in[32], out[128], back[128];
        int n = snprintf(in, sizeof in, "a%sb.log", bidi[i]);
        size_t len = dfota_escape(in, (size_t)n, out, sizeof out);
        CU_ASSERT(len < sizeof out);
        CU_ASSERT_PTR_NULL(strstr(out, bidi[i]));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\\x"));
        if (strstr(out, bidi[i]))
            printf("\n  bidi %zu not escaped: %s\n", i, out);
        memcpy(back, out, len + 1);
        size_t bl = dfota_unescape(back, len);
        CU_ASSERT(bl == (size_t)n && memcmp(back, in, bl) == 0);
        len = dfota_escape_text(in, (size_t)n, out, sizeof out);
        CU_ASSERT_PTR_NULL(strstr(out, bidi[i]));
    }
    /* other UTF-8 stays, and so do the neighbours of the bidi controls */
    const char *ok = "\xc3\xa4 \xe2\x80\x9c \xe2\x80\xa9 \xe2\x81\xa5 \xe2\x80\x8d \xd8\x9b";
    char out[64];
    CU_ASSERT_EQUAL(dfota_escape(ok, strlen(ok), out, sizeof out), strlen(ok));
    CU_ASSERT_STRING_EQUAL(out, ok);
    /* dfota_escape_text: control bytes escaped, backslashes kept */
    const char *t = "x\\x1b y\033[31m \\ z";
    CU_ASSERT_EQUAL(dfota_escape_text(t, strlen(t), out, sizeof out), strlen("x\\x1b y\\x1b[31m \\ z"));
    CU_ASSERT_STRING_EQUAL(out, "x\\x1b y\\x1b[31m \\ z");
}

/* The header a run writes reads back: "redacted: credentials" or "none". */
static void test_header_reads_back(void)
{
    static const char *const values[] = {"credentials", "none"};
    for (size_t i = 0; i < 2; i++) {
        FILE *f = tmpfile();
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        const char *kv[] = {"scenario", "x", "redacted", values[i]};
        CU_ASSERT_EQUAL(dfota_transcript_write_header(f, kv, 2), DFOTA_OK);
        dfota_event ev = {0, DFOTA_DIR_HOST, "AT", 2, 2, 0, 0, 0};
        CU_ASSERT_EQUAL(dfota_transcript_write_event(f, &ev), DFOTA_OK);
        rewind(f);
        dfota_reader *r = dfota_reader_new(f, "h.transcript");
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        dfota_event e;
        char err[DFOTA_ERRBUF];
        CU_ASSERT_EQUAL(dfota_reader_next(r, &e, err, sizeof err), 1);
        const char *v = dfota_reader_meta(r, "redacted");
        CU_ASSERT(v && strcmp(v, values[i]) == 0);
        dfota_reader_free(r);
        fclose(f);
    }
}

int main(void)
{
    static const test_entry tests[] = {
        {"the table of texts", test_table},
        {"a 255-byte URL", test_url_255},
        {"NUL bytes", test_nul_bytes},
        {"buffer bounds", test_bounds},
        {"growth bound and hostile input", test_growth_bound},
        {"fields in place", test_field},
        {"secret parameter names", test_secret_names},
        {"names a user adds", test_added_names},
        {"bidi controls are escaped", test_bidi_escaped},
        {"the redacted header reads back", test_header_reads_back},
    };
    return RUN_SUITE("redact", tests);
}
