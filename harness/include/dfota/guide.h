/* SPDX-License-Identifier: MIT */
/* dfota/guide.h - the guide as data: the rule catalogue, durations, the AT+QFOTADL argument grammar and code tables, redaction.
 * One header for the room lib/guide/. */
#ifndef DFOTA_GUIDE_H
#define DFOTA_GUIDE_H

#include "dfota/base.h"

/* ---- rules: the rule catalogue (RULES.md): stable IDs and sections. */

typedef enum {
    DFOTA_R_CMD_TEST = 0,
    DFOTA_R_CMD_FINAL,
    DFOTA_R_CMD_INVALID_ERROR,
    DFOTA_R_CMD_NO_URC_AFTER_ERROR,
    DFOTA_R_URC_SYNTAX,
    DFOTA_R_SEQ_DOWNLOAD,
    DFOTA_R_SEQ_NO_UPDATE_AFTER_DL_FAIL,
    DFOTA_R_SEQ_START,
    DFOTA_R_SEQ_UPDATING_INSIDE,
    DFOTA_R_SEQ_END,
    DFOTA_R_CODE_FTP,
    DFOTA_R_CODE_HTTP,
    DFOTA_R_CODE_END,
    DFOTA_R_PROGRESS_RANGE,
    DFOTA_R_PROGRESS_ORDER,
    DFOTA_R_PROGRESS_COMPLETE,
    DFOTA_R_RETRY_505,
    DFOTA_R_RETRY_UNTIL_SUCCESS,
    DFOTA_R_PORT_REBOOT,
    DFOTA_R_TIME_FINAL_RESULT,
    DFOTA_R_TIME_DOWNLOAD_START,
    DFOTA_R_TIME_DOWNLOAD,
    DFOTA_R_TIME_START,
    DFOTA_R_TIME_PROGRESS_GAP,
    DFOTA_R_TIME_END,
    DFOTA_R_TIME_RDY,
    DFOTA_R_TIME_REBOOT,
    DFOTA_R_TIME_UPDATE,
    DFOTA_R_HOST_WAIT_FINAL,   /* host-side rules: judged only when asked */
    DFOTA_R_HOST_ONE_UPGRADE,
    DFOTA_R_HOST_REOPEN,
    DFOTA_R_HOST_READ_TO_END,
    DFOTA_R_LINE_LENGTH,   /* not a DFOTA rule: a line past DFOTA_AT_LINE_MAX */
    /* A scenario's own steps (dfota run): the checker never emits these; a
     * failed step names one when no rule of the guide is more precise. */
    DFOTA_R_STEP_SEND,
    DFOTA_R_STEP_EXPECT,
    DFOTA_R_STEP_URC,
    DFOTA_R_STEP_PROGRESS,
    DFOTA_R_STEP_REBOOT,
    DFOTA_R_STEP_SILENCE,
    DFOTA_R_TIME_WINDOW,   /* a step's window that is none of the named ones */
    DFOTA_RULE_COUNT
} dfota_rule;

typedef struct {
    const char *id;        /* "CMD-FINAL" */
    const char *section;   /* "3" */
    const char *summary;   /* one sentence */
} dfota_rule_info;

/* Static information on a rule; never NULL for a valid rule. */
const dfota_rule_info *dfota_rule_get(dfota_rule rule);

/* The rule with this ID, or DFOTA_RULE_COUNT. */
dfota_rule dfota_rule_find(const char *id);

/* Timing windows: each is the TIME-* rule of the same name. */
typedef enum {
    DFOTA_WIN_FINAL_RESULT = 0, /* command to final result */
    DFOTA_WIN_DOWNLOAD_START,   /* command to FTPSTART/HTTPSTART */
    DFOTA_WIN_DOWNLOAD,         /* command to FTPEND/HTTPEND */
    DFOTA_WIN_START,            /* download end (or port-back) to START */
    DFOTA_WIN_PROGRESS_GAP,     /* between START and UPDATING, UPDATING and UPDATING */
    DFOTA_WIN_END,              /* last UPDATING to END */
    DFOTA_WIN_RDY,              /* END to RDY */
    DFOTA_WIN_REBOOT,           /* port-lost to port-back: the reboot gap */
    DFOTA_WIN_UPDATE,           /* the first START to the last END: the whole update */
    DFOTA_WIN_COUNT
} dfota_window;

/* The window's name as written on the command line ("final-result"). */
const char *dfota_window_name(dfota_window w);
dfota_rule dfota_window_rule(dfota_window w);
/* The window with this name, or DFOTA_WIN_COUNT. */
dfota_window dfota_window_find(const char *name);

/* ---- duration: durations as people write them: 300ms, 90s, 20min. */

#include <stddef.h>
#include <stdint.h>

/* Parses "<number><unit>" with unit ns, us, ms, s, min or h and an
 * optional fraction ("1.5s"). Returns DFOTA_OK and *ns, or DFOTA_E_INPUT
 * (no unit, bad number, negative) or DFOTA_E_TOO_BIG (over 1000 days). */
DFOTA_WUR dfota_err dfota_duration_parse(const char *s, size_t len, int64_t *ns);

/* ---- spec: the guide as data: the AT+QFOTADL argument forms and
 * limits of chapter 3 and the error-code tables of chapters 4 to 6. Pure. */

#include <stddef.h>

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
    /* The URL or file name inside the quotes, as arg[value_off ..
     * value_off + value_len); value_len 0 when the quotes could not be
     * read (then proto is DFOTA_PROTO_NONE). */
    size_t value_off, value_len;
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

/* What the guide says code means, in the words every output uses:
 * "MEANING, §N", "MEANING: a code of shipped firmware, not in §N" or "not a
 * code of the guide, §N" (N the chapter of table), written into buf (cap
 * bytes, cut as snprintf cuts); returns buf. */
const char *dfota_spec_code_words(dfota_code_table table, long code, char *buf, size_t cap);

/* True for the codes after which the module reboots and retries:
 * 505 (at most five times) and 520-530, 540-546 (until success). */
int dfota_spec_code_retried(long code);

/* The most consecutive retries the guide allows after 505. */
#define DFOTA_RETRY_505_MAX 5

/* ---- redact: hides credentials in text before it reaches a
 * transcript, a report or a terminal (TRANSCRIPT.md, "Credentials").
 *
 * What is a secret, in any URL ("scheme://" of any scheme, anywhere in the
 * text: inside AT+QFOTADL="...", in a finding's message, in free text):
 *   - the password of its user information, "scheme://user:PASSWORD@host";
 *     the user name is not a secret and stays;
 *   - the value of a query or fragment parameter whose name looks like a
 *     secret (dfota_redact_is_secret_name): "?token=VALUE".
 * Each such value becomes "***"; every other byte stays as it is. An empty
 * value stays empty: there is nothing to hide, and its length stays true.
 *
 * Pure: no I/O, no allocation, no locale; the one state is the list of
 * names a user adds at start-up (dfota_redact_add_names). Judging (the argument-length
 * rules) is done on the real text; this is for output only. */

#include <stddef.h>

/* What a secret is replaced with. */
#define DFOTA_REDACT_MASK "***"

/* The most bytes (without the NUL) dfota_redact makes of len bytes: a
 * replaced value is at least one byte long and follows its own ':' or '=',
 * so each "***" adds at most two bytes per two bytes of input. */
#define DFOTA_REDACT_MAX(len) (2 * (size_t)(len))

/* Copies in[0..len) (any bytes, NUL included) to out with every secret
 * replaced by DFOTA_REDACT_MASK, and a NUL after it. Redacting twice gives
 * what redacting once gives.
 *
 * Returns DFOTA_OK with *out_len the length written. When out (cap bytes)
 * cannot hold the whole text and its NUL, returns DFOTA_E_TOO_BIG with
 * *out_len the length needed and out holding "" (when cap > 0): never a
 * cut text. out == NULL with cap == 0 measures. DFOTA_E_ARG for in == NULL
 * with len > 0, out == NULL with cap > 0, or out_len == NULL. in and out
 * must not overlap. Nothing is allocated; the caller owns both buffers.
 *
 * How the parts are found (bytes, not a full URL parser, so that cut and
 * garbled lines from a device are covered too):
 *   - A URL starts after "://" and ends at the first control byte, space,
 *     '"' or typographic double quote, or at the end of the input.
 *   - Its authority ends at the first '/', '?' or '#'. When it holds an
 *     '@', the user information is what comes before the last '@', and
 *     the password what follows its first ':' (so a password may hold ':'
 *     and '@').
 *   - When the authority holds no '@' (or no ':' before its last '@',
 *     then after it: a user name may hold '@', as chapter 3's template
 *     allows) but a ':' followed by something other than a port (not
 *     only digits): the password ran into a '/',
 *     '?' or '#' of its own, and ends at the next '@' of the URL (the last
 *     one before the next '/', '?' or '#', as above); or, when
 *     there is none and the URL runs to the end of the input, the text
 *     was cut inside the password (a checker's "...") and the rest is
 *     hidden. An authority that starts with '[' (an IPv6 address) is not
 *     read this way.
 *   - An '@' that no host follows (a ':', '/', '?', '#' or the URL's end
 *     comes next) is inside the password, which goes on to the next '@'
 *     (again the last one before a '/', '?' or '#').
 *   - A parameter starts after '?', '&', ';' or '#' inside a URL, past its
 *     authority (a '&' before the first '/', '?' or '#' starts none); a secret
 *     one's value runs to the next '&' or '#' or the URL's end.
 * Known limits: a password cut by the source itself right after its first
 * digits, with no "..." after it, looks like a port and stays; a
 * password holding a space or a '"' is not found (the URL ends there);
 * nor is one after a user name holding '/', '?' or '#'. */
DFOTA_WUR dfota_err dfota_redact(const char *in, size_t len, char *out, size_t cap,
                                 size_t *out_len);

/* Redacts the NUL-terminated text in field, an array of cap bytes, in
 * place: for the fixed-size texts of results and findings. When the
 * redacted text is longer than the field, it is cut at a UTF-8 boundary
 * and ends in "..." to say so. Returns DFOTA_OK, DFOTA_E_TOO_BIG when it
 * was cut that way, or DFOTA_E_ARG for a NULL field or cap 0. Either way
 * the field holds no secret dfota_redact finds. */
dfota_err dfota_redact_field(char *field, size_t cap);

/* Is name[0..n) a query parameter name whose value is a secret? ASCII
 * case and the separators '_' and '-' do not matter: "access_token",
 * "accessToken", "Access-Token" and "ACCESSTOKEN" are one name. The names:
 * token, auth, authorization, bearer, jwt, key, apikey, apitoken, xapikey,
 * secret, secretkey, accesskey, privatekey, password, passwd, pwd, pass,
 * passphrase, sig (Azure SAS), signature, credential, credentials;
 * session, sessionid, sessid, sid, jsessionid, phpsessid, sessiontoken;
 * OAuth's accesstoken, refreshtoken, idtoken, authtoken, code,
 * clientsecret, clientassertion, assertion; AWS's xamzsignature,
 * xamzcredential, xamzsecuritytoken, awsaccesskeyid; GCS's
 * xgoogsignature, xgoogcredential, googleaccessid; the names added with
 * dfota_redact_add_names; and every longer name ending in a word token,
 * key, secret, password, passwd, signature, credential, sessionid or jwt
 * that starts after a '_' or '-' or as a camelCase word ("upload_token",
 * "csrf-token", "clientSecret", "dbPassword"; not "monkey", "tokens"). */
int dfota_redact_is_secret_name(const char *name, size_t n);

/* How many names dfota_redact_add_names holds, and how long each may be
 * (without its separators). */
#define DFOTA_REDACT_EXTRA_MAX 32
#define DFOTA_REDACT_NAME_MAX 64

/* Adds the names of a comma-separated list ("--redact-param NAME",
 * DFOTA_REDACT_PARAMS) to those dfota_redact_is_secret_name knows, matched
 * the same way (case and '_'/'-' ignored, the whole name). Call it at
 * start-up, before any thread redacts: it is the one state of this
 * module, and dfota_redact_reset_names forgets it (for tests). Returns
 * DFOTA_OK; DFOTA_E_ARG for NULL, an empty name, one longer than
 * DFOTA_REDACT_NAME_MAX, or one holding a space, a control byte, a
 * non-ASCII byte or one of "=&;?#"; DFOTA_E_TOO_BIG past
 * DFOTA_REDACT_EXTRA_MAX names. On an error nothing is added. */
dfota_err dfota_redact_add_names(const char *list);
void dfota_redact_reset_names(void);

/* ---- ufs: the vendor's file commands (AT+QFUPL, AT+QFDWL), which put a
 * package into the module's /data/ufs/ for AT+QFOTADL="/data/ufs/NAME". */

#include <stdint.h>

/* The longest UFS file name AT+QFUPL takes (the vendor's FILE AT commands
 * manuals: "The maximum length is 80 bytes"). */
#define DFOTA_UFS_NAME_MAX 80
/* The vendor's AT+QFUPL/AT+QFDWL checksum, continued over len more bytes
 * that start at byte offset of the data (start with sum 0, offset 0): the
 * XOR of the data taken as 16-bit big-endian words, an odd last byte being
 * the high half of a word whose low half is 0. Pure. */
uint16_t dfota_ufs_checksum(uint16_t sum, uint64_t offset, const void *data, size_t len);

/* ---- profiles: how strictly the guide is read (RULES.md, "Profiles"). */

typedef enum {
    DFOTA_PROFILE_STRICT = 0, /* the guide to the letter: certification */
    DFOTA_PROFILE_FIELD       /* known shipped-firmware behaviours become WARN */
} dfota_profile;

/* "strict" or "field"; never NULL. */
const char *dfota_profile_name(dfota_profile p);

/* The profile named name: DFOTA_OK and *p, or DFOTA_E_INPUT for any other
 * text (a caller says "strict or field"). */
DFOTA_WUR dfota_err dfota_profile_parse(const char *name, dfota_profile *p);

/* ---- faults: the kinds of misbehaviour an emulated module plays, with
 * their parameters (a scenario's emulator faults:, dfota emulate --fault
 * KIND[:KEY=VALUE,...]). One table, which the scenario parser, the
 * emulator's hooks and the command line all read. Pure. */

#include "dfota/at.h"

/* A fault's parameters. Every kind accepts every parameter; the table says
 * which ones it reads (the others have no effect). */
typedef enum {
    DFOTA_FAULT_CODE = 1u << 0,  /* code: the code the module reports instead */
    DFOTA_FAULT_AT = 1u << 1,    /* at: a percentage, "40" or "40%" */
    DFOTA_FAULT_TIMES = 1u << 2, /* times: how many times it happens (default: the kind's) */
    DFOTA_FAULT_DELAY = 1u << 3, /* delay: a duration above 0 (dfota_duration_parse) */
    DFOTA_FAULT_STAGE = 1u << 4  /* stage: a URC stage of the guide, FTPSTART to END */
} dfota_fault_param;

/* The parameters' value ranges (inclusive). */
#define DFOTA_FAULT_CODE_MIN (-999999999L)
#define DFOTA_FAULT_CODE_MAX 999999999L
#define DFOTA_FAULT_AT_MIN 0L
#define DFOTA_FAULT_AT_MAX 100L
#define DFOTA_FAULT_TIMES_MIN 1L
#define DFOTA_FAULT_TIMES_MAX 999999999L

typedef struct {
    const char *name;  /* as written: "download-error" */
    unsigned params;   /* the dfota_fault_param it reads */
    const char *about; /* what the module does, one line */
} dfota_fault_kind;

/* The i-th fault kind (0-based), or NULL past the last. Static. */
const dfota_fault_kind *dfota_fault_kind_at(size_t i);

/* The kind named name[0..n) (exactly, lowercase), or NULL. Static. */
const dfota_fault_kind *dfota_fault_kind_find(const char *name, size_t n);

/* The kinds' names joined with ", " into buf (cap bytes, NUL-terminated),
 * cut after the last whole name that fits. */
void dfota_fault_kind_list(char *buf, size_t cap);

/* The parameter named name[0..n) ("code", "at", "times", "delay",
 * "stage"), or 0 when none is. */
dfota_fault_param dfota_fault_param_named(const char *name, size_t n);

/* One parameter's value: number for code, at and times; delay_ns; stage
 * (DFOTA_STAGE_NONE when not given). */
typedef struct {
    long number;
    int64_t delay_ns;
    dfota_stage stage;
} dfota_fault_value;

/* Reads text[0..n) as the value of parameter p, within its range: DFOTA_OK
 * and the value in *v, or DFOTA_E_INPUT with err saying what p takes
 * (without the text, which the caller shows as it must). */
DFOTA_WUR dfota_err dfota_fault_value_parse(dfota_fault_param p, const char *text, size_t n,
                                            dfota_fault_value *v, char *err, size_t errlen);

#endif
