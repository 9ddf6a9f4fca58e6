/* SPDX-License-Identifier: MIT */
/* dfota/stage.h - puts a package where a scenario expects it, and checks
 * from the host that a URL a scenario is about to send really serves one.
 *
 * Staging: an upload to an FTP server (libcurl) whose size is read back,
 * or an upload into a module's /data/ufs/ with the vendor's AT+QFUPL over
 * its serial port, whose byte count and checksum are checked against the
 * file. Preflight: the size of an FTP or HTTP URL, fetched from the host
 * (FTP SIZE, HTTP HEAD), so that a scenario does not blame a module for a
 * server that is down, a wrong password or a missing file.
 *
 * Nothing here prints: each step is reported through an optional callback
 * as one line of text for the caller to show. Every URL in those lines and
 * in error messages has its credentials hidden (dfota/guide.h). */
#ifndef DFOTA_STAGE_H
#define DFOTA_STAGE_H

#include "dfota/base.h"

#include <stddef.h>
#include <stdint.h>

/* The largest file staged (what the emulator holds in memory too). */
#define DFOTA_STAGE_FILE_MAX (256LL * 1024 * 1024)
/* Connect and overall limit of a preflight request, wall seconds. */
#define DFOTA_PREFLIGHT_TIMEOUT_S 10

/* A step done, as one line of text (no newline, credentials hidden),
 * valid during the call. */
typedef void (*dfota_stage_step_fn)(void *ctx, const char *line);

typedef struct {
    /* libcurl CONNECT_TO specs (":2121:127.0.0.1:40123"): where the
     * connection really goes, the URL staying as it is. */
    const char *const *connect_to;
    size_t n_connect_to;
    dfota_stage_step_fn on_step; /* NULL: none */
    void *step_ctx;
} dfota_stage_ftp_opts;

/* Uploads FILE to the FTP URL (user and password in the URL; missing
 * folders are made), then reads the size back with dfota_preflight_url
 * and compares it with the file's. opts may be NULL. On DFOTA_OK *size is
 * the size read back. Errors, with a sentence in err:
 *   DFOTA_E_ARG    no URL or file, or not an ftp:// URL;
 *   DFOTA_E_IO     FILE cannot be read, or the server cannot be reached or
 *                  refuses the login;
 *   DFOTA_E_INPUT  the server refused the upload or reads back another
 *                  size;
 *   DFOTA_E_TOO_BIG FILE is over DFOTA_STAGE_FILE_MAX. */
DFOTA_WUR dfota_err dfota_stage_ftp(const char *url, const char *file,
                                    const dfota_stage_ftp_opts *opts, int64_t *size, char *err,
                                    size_t errlen);

typedef struct {
    const char *name;  /* the UFS file name; NULL: FILE's base name */
    int replace;       /* 1: AT+QFDEL the name first (a missing file is fine) */
    int timeout_s;     /* AT+QFUPL's <timeout>, 1 to 65535 module seconds; 0: 5 */
    int answer_ms;     /* wall time to wait for each answer; 0: 10000 */
    dfota_stage_step_fn on_step; /* NULL: none */
    void *step_ctx;
} dfota_stage_module_opts;

/* Opens the module's port from SPEC, what follows "serial:" in a source
 * (PORT[,baud=N][,flow=none|rtscts][,settle=D][,time-scale=X], see
 * dfota/source.h), checks that it answers AT, optionally deletes the name
 * (opts->replace), and uploads FILE with AT+QFUPL="UFS:<name>",<size>,
 * <timeout>; then checks that the module's +QFUPL: <upload_size>,<checksum>
 * gives the file's size and checksum. opts may be NULL. On DFOTA_OK *size
 * is the size uploaded. Errors, with a sentence in err:
 *   DFOTA_E_ARG    a bad spec, name (empty, over DFOTA_UFS_NAME_MAX, with
 *                  '/', '"', ".." or a control byte) or timeout;
 *   DFOTA_E_IO     FILE or the port cannot be opened, or the port fails;
 *   DFOTA_E_INPUT  the module answered with an error or a wrong count or
 *                  checksum, or not in the vendor's form;
 *   DFOTA_E_TIMEOUT the module did not answer in time;
 *   DFOTA_E_TOO_BIG FILE is over DFOTA_STAGE_FILE_MAX. */
DFOTA_WUR dfota_err dfota_stage_module(const char *spec, const char *file,
                                       const dfota_stage_module_opts *opts, int64_t *size,
                                       char *err, size_t errlen);

/* Before a scenario sends an FTP or HTTP(S) URL to a module: fetches its
 * size from this host with libcurl (FTP SIZE; HTTP HEAD, no redirects),
 * connecting through the CONNECT_TO specs given (may be none), within
 * DFOTA_PREFLIGHT_TIMEOUT_S seconds. On DFOTA_OK *size is the size, above
 * 0; on error *size is -1 and err holds one sentence naming the URL (its
 * credentials hidden):
 *   DFOTA_E_IO     cannot connect, login refused, no such file (FTP 550,
 *                  HTTP 404), another HTTP error, no size given, an empty
 *                  file (size 0), or a timeout;
 *   DFOTA_E_ARG    no URL, or a scheme other than ftp, http, https;
 *   DFOTA_E_NOMEM  out of memory. */
DFOTA_WUR dfota_err dfota_preflight_url(const char *url, const char *const *connect_to,
                                        size_t n_connect_to, int64_t *size, char *err,
                                        size_t errlen);

/* 1 when url (FTP, HTTP or HTTPS, parsed with libcurl's URL API) names a
 * loopback host: 127.0.0.0/8, ::1 or localhost. Sent to a module, such a
 * URL names the module itself, not this machine's server. 0 otherwise, and
 * for what cannot be parsed. */
int dfota_url_is_loopback(const char *url);

#endif
