/* dfota/spec.h - the guide as data: the AT+QFOTADL argument forms and
 * limits of chapter 3 and the error-code tables of chapters 4 to 6. Pure. */
#ifndef DFOTA_SPEC_H
#define DFOTA_SPEC_H

#include <stddef.h>

#include "dfota/error.h"

/* The guide's limits (chapter 3). */
#define DFOTA_URL_MAX 255
#define DFOTA_USER_MAX 50
#define DFOTA_PASSWORD_MAX 50
#define DFOTA_SERVER_MAX 50
#define DFOTA_FILE_PATH_MAX 50
#define DFOTA_LOCAL_NAME_MAX 128
#define DFOTA_FTP_DEFAULT_PORT 21
#define DFOTA_HTTP_DEFAULT_PORT 80
#define DFOTA_LOCAL_PREFIX "/data/ufs/"

typedef enum {
    DFOTA_PROTO_NONE = 0, /* the argument could not be read at all */
    DFOTA_PROTO_FTP,
    DFOTA_PROTO_HTTP,
    DFOTA_PROTO_HTTPS,    /* newer firmware only */
    DFOTA_PROTO_LOCAL,
    DFOTA_PROTO_FILE,     /* host-streamed "FILE:<length>", newer firmware only */
    DFOTA_PROTO_OTHER     /* another scheme */
} dfota_proto;

typedef enum {
    DFOTA_ARG_VALID = 0,  /* the guide allows it */
    DFOTA_ARG_FIELD,      /* the guide does not, shipped firmware does: see quirk */
    DFOTA_ARG_INVALID     /* the guide and firmware refuse it: see reason */
} dfota_arg_class;

typedef struct {
    dfota_arg_class cls;
    dfota_proto proto;
    const char *quirk;      /* with DFOTA_ARG_FIELD: the field behaviour's name */
    char reason[200];       /* why it is invalid or a field form; "" when valid */
    /* what was measured, in bytes as written; 0 where absent */
    size_t url_len, user_len, password_len, server_len, path_len;
    long port;              /* explicit or default; 0 when unknown */
    int port_explicit;
    int typographic;        /* the quotes were typographic (paste damage) */
} dfota_arg_check;

/* Checks the text after "AT+QFOTADL=" exactly as chapter 3 states it:
 * a quoted string starting with FTP:// or HTTP:// (any case) or a file name
 * under /data/ufs/ (this exact case), with the length, port and field
 * limits. URLs are measured by dfota_spec_url_parts(), the guide's template,
 * not by RFC 3986. Never fails: the verdict is in out->cls. */
void dfota_spec_check_arg(const char *arg, size_t len, dfota_arg_check *out);

/* One part of a URL: where it starts in the text given and how many bytes
 * it has, as written (nothing is decoded). present is 0 where the URL has
 * no such part; then off and len are 0. A part can be present and empty
 * ("host:/f" has an empty port). */
typedef struct {
    size_t off, len;
    int present;
} dfota_url_part;

/* A URL in the parts of chapter 3's template
 * FTP://<user_name>:<password>@<serverURL>:<port>/<file_path>
 * (HTTP: HTTP://<http_server_URL>:<http_port>/<http_file_path>). */
typedef struct {
    dfota_url_part scheme;  /* before "://" */
    dfota_url_part user, password, server, port, file_path;
} dfota_url_parts;

/* Takes url[0..n) apart the way chapter 3 writes a URL, not the way RFC 3986
 * parses one:
 *   - what follows "://" up to the first '/' names the server;
 *   - the server starts after the last '@' in it; before that '@' the user
 *     name runs to the first ':' and the password is the rest, so a user
 *     name may hold '@' and a password '@', ':', '#' or '?';
 *   - the port follows the first ':' after the server (a server written in
 *     brackets, [2001:db8::1], is taken whole);
 *   - the file path is everything after that first '/', '?' and '#'
 *     included.
 * Pure: judges nothing, allocates nothing, reads only url[0..n). Returns 1,
 * or 0 with every part absent when url has no "://". */
int dfota_spec_url_parts(const char *url, size_t n, dfota_url_parts *out);

const char *dfota_proto_name(dfota_proto proto);

/* Which table a code is judged against. */
typedef enum {
    DFOTA_TABLE_FTP,   /* <ftp_err>, chapter 4 */
    DFOTA_TABLE_HTTP,  /* <http_err>, chapter 5 */
    DFOTA_TABLE_END    /* <err>, chapter 6 */
} dfota_code_table;

typedef enum {
    DFOTA_CODE_GUIDE = 0, /* in the guide's table */
    DFOTA_CODE_FIELD,     /* outside the table, seen on shipped firmware */
    DFOTA_CODE_UNKNOWN
} dfota_code_class;

/* Classifies a code; *meaning (never NULL) says what it means, *quirk names
 * the field behaviour for DFOTA_CODE_FIELD (NULL otherwise). */
dfota_code_class dfota_spec_code(dfota_code_table table, long code,
                                 const char **meaning, const char **quirk);

/* True for the codes after which the module reboots and retries:
 * 505 (at most five times) and 520-530, 540-546 (until success). */
int dfota_spec_code_retried(long code);

/* The most consecutive retries the guide allows after 505. */
#define DFOTA_RETRY_505_MAX 5

#endif
