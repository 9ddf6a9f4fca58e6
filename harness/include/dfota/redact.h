/* dfota/redact.h - hides credentials in text before it reaches a
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
#ifndef DFOTA_REDACT_H
#define DFOTA_REDACT_H

#include <stddef.h>

#include "dfota/error.h"

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

#endif
