/* SPDX-License-Identifier: MIT */
/* dfota/emulator.h - an EG9x module behind a pseudo-terminal.
 *
 * The emulator opens a pseudo-terminal, keeps a stable symlink to it, and
 * answers on it as an EG9x does: command lines taken as V.250 has a module
 * take them (concatenation, ATE/ATV/ATQ, S3/S4/S5), the identification,
 * SIM, network and configuration commands answered from a model file
 * (models/, --model), AT+QFOTADL in its three forms with the guide's
 * argument checks, the file commands (AT+QFLST, AT+QFDEL, AT+QFUPL), downloads with libcurl, a package
 * check, a reboot that tears the terminal down and brings a new one up
 * behind the same link (USB) or prints RDY (UART), and the FOTA URCs on a
 * clock that may be scaled. It runs in its caller's thread through
 * dfota_emulator_step, so a test, `dfota emulate` or a source can drive it.
 *
 * Delta packages of the fixtures (fixtures/README.md) are text headers and
 * a payload:
 *   DFOTA-PKG 1\n
 *   from: <source firmware version>\n
 *   to: <target firmware version>\n
 *   size: <payload bytes>\n
 *   crc32: <8 lowercase hex digits, CRC-32 (IEEE, as zlib) of the payload>\n
 *   \n
 *   <payload>
 * A package whose crc or size does not match is corrupt (END,505, retried
 * five times); one whose "from" is not the running firmware does not match
 * (510); one larger than the free space gives 511. */
#ifndef DFOTA_EMULATOR_H
#define DFOTA_EMULATOR_H

#include "dfota/base.h"
#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/scenario.h"

#include <stddef.h>
#include <stdint.h>

/* What the emulator is told. Which of these, the scenario's emulator block
 * (spec) and the defaults wins is decided in one place,
 * dfota_emulator_settings_resolve: an option given here wins over the
 * scenario's, which wins over the default. */
typedef struct {
    const char *link;            /* the stable symlink to the terminal, or NULL */
    /* The running version; NULL: the scenario's emulator block's, else the
     * firmware the scenario requires (required_firmware), else
     * EG95EFAR02A07M4G. */
    const char *firmware;
    const char *required_firmware; /* a scenario's requires: firmware:, or NULL */
    /* The model: a built-in one by name, ignoring case (eg95, the default;
     * dfota_emulator_model_name lists them), or a model file (a path with a
     * '/' or ending in .yaml; models/README.md gives its form): what the
     * module answers to the identification, status and configuration
     * commands hosts send at start-up (ATI, AT+CGMR, AT+CGSN, AT+CPIN?,
     * AT+CREG? ...), with its IMEI, IMSI and ICCID. */
    const char *model;
    int field;                   /* 1: detailed 6xx/7xx codes whatever the profile */
    /* strict, field (detailed codes, 601 and 701 otherwise) or a named
     * profile (dfota_emulator_profile_name): the field's codes and the
     * faults that make one firmware's manner, added to the spec's. NULL:
     * the scenario's emulator block's profile:, else strict. */
    const char *profile;
    /* 1: UART (the port stays across reboots and RDY marks them); -1: USB;
     * 0: the scenario's emulator block's port:, else USB. */
    int uart;
    double time_scale;           /* module seconds to wall seconds, e.g. 0.001; default 1 */
    /* The clock of module time, borrowed (it must outlive the emulator),
     * or NULL: the emulator keeps its own, real or scaled by time_scale.
     * A virtual clock is the caller's to move (dfota_emulator_next_due,
     * dfota_emulator_quiet); the emulator counts the bytes it writes to
     * and reads from its terminal on the clock's wire. */
    dfota_clock *clock;
    int64_t reboot_ns;           /* module time the port is away on a reboot (default 20 s) */
    int64_t progress_step_ns;    /* module time between UPDATING URCs (default 2 s) */
    int progress_urcs;           /* UPDATING URCs in a whole update, 2 to 100 (default 10) */
    int64_t free_space;          /* bytes (default 64 MiB) */
    const char *ufs_dir;         /* the host folder that stands for /data/ufs/ (default: a temp one) */
    const dfota_emulator_spec *spec; /* a scenario's emulator block, or NULL */
    /* Faults played after the spec's (dfota emulate --fault), borrowed;
     * with the spec's at most 16. */
    const dfota_fault *faults;
    size_t n_faults;
    /* Where downloads really connect, in libcurl's CONNECT_TO syntax
     * (":2121:127.0.0.1:40123"): the fixture servers stand in for the
     * servers a scenario's URLs name, without changing a byte of them. */
    const char *const *connect_to;
    size_t n_connect_to;
    /* 1: refuse to connect anywhere but the loopback (127.0.0.0/8, ::1),
     * whatever a URL names: what the test suite runs with. */
    int loopback_only;
    /* The session as its host lived it, for a recording (dfota emulate
     * --record): called with each host line ('>', every byte the host
     * wrote, framed, whatever mode the module is in), each module line
     * ('<', framed from the bytes sent), and '!' events: port-lost and
     * port-back around a USB reboot, host-open and host-close when the host
     * opens or closes its side of the terminal. Times are module time since
     * the emulator started. The event is valid during the call. NULL: none. */
    void (*on_event)(void *ctx, const dfota_event *ev);
    void *event_ctx;
    /* A person's console (dfota emulate): called with a short line, for a
     * person who drives the emulator by hand, when it does what its
     * terminal does not show: a fault fires ("fault: update-fail fires
     * (1 of 2) at the update attempt -> code 522"), a download ends and why
     * it failed ("download: FTP failed: <libcurl's reason> -> FTPEND,601").
     * Passwords and secret URL parameters are hidden (dfota_redact_field).
     * The line is valid during the call. NULL: none. */
    void (*on_console)(void *ctx, const char *line);
    void *console_ctx;
} dfota_emulator_opts;

typedef struct dfota_emulator dfota_emulator;

/* The settings an emulator runs with, once the options, the scenario's
 * emulator block and the named profile are weighed. Texts are borrowed
 * from the options, the spec, or static. */
typedef struct {
    const char *firmware;        /* the version it starts on */
    const char *profile;         /* strict, field or a named profile; NULL: none given */
    int named_profile;           /* 1: profile is a named one, with its faults */
    int field;                   /* 1: the field's detailed codes */
    dfota_profile judge;         /* the judge's profile the module is played for: field
                                  * when profile is field, else strict */
    int uart;                    /* 1: UART, 0: USB */
    int64_t free_space;          /* bytes */
} dfota_emulator_settings;

/* The effective settings of opts: the one place where an option wins over
 * the scenario's emulator block and both over the defaults. DFOTA_OK and
 * *out, or DFOTA_E_ARG with err (an unknown profile, a negative free
 * space, more than 16 faults with the scenario's). */
DFOTA_WUR dfota_err dfota_emulator_settings_resolve(const dfota_emulator_opts *opts,
                                                    dfota_emulator_settings *out, char *err,
                                                    size_t errlen);

/* Starts an emulator: opens its terminal and the link. *out is freed with
 * dfota_emulator_free (which removes the link). err says why on failure.
 * A link is one emulator's at a time: one that another emulator holds is
 * refused (dfota_emulator_link_holder names it). */
DFOTA_WUR dfota_err dfota_emulator_new(const dfota_emulator_opts *opts, dfota_emulator **out,
                                       char *err, size_t errlen);
void dfota_emulator_free(dfota_emulator *em);

/* The pid of the process whose emulator holds link (looked at without
 * taking it), -1 when one does but its pid cannot be read, 0 when none. */
long dfota_emulator_link_holder(const char *link);

/* The terminal's path now (changes after a USB reboot); the link stays. */
const char *dfota_emulator_tty(const dfota_emulator *em);

/* Runs the emulator until timeout_ms of wall time passed or something
 * happened; returns DFOTA_OK, or an error with a message. */
DFOTA_WUR dfota_err dfota_emulator_step(dfota_emulator *em, int timeout_ms, char *err,
                                        size_t errlen);

/* How long, in wall ms (at most cap_ms), the emulator has nothing to do
 * unless its host writes: a caller that also watches the host's side of
 * the terminal can wait that long on it. 0 when something is due now; 1
 * while a download is running (libcurl needs frequent steps). */
int dfota_emulator_wait_ms(const dfota_emulator *em, int cap_ms);

/* The module time of the next thing the emulator does by itself (a
 * planned action, the end of an upload's pause), or DFOTA_T_NONE. */
int64_t dfota_emulator_next_due(const dfota_emulator *em);

/* 1 when the emulator waits for its host or for time to pass: nothing is
 * due, no download runs, no output is queued, no power-off waits for the
 * host to read. On a virtual clock, time may then move to the next due. */
int dfota_emulator_quiet(const dfota_emulator *em);

/* 1 while the emulator's terminal is there (not during a USB reboot). */
int dfota_emulator_port_up(const dfota_emulator *em);

/* The i-th named profile (0-based), with a sentence about it in *about,
 * or NULL past the last. Names are lowercase words; none is "strict" or
 * "field". */
const char *dfota_emulator_profile_name(size_t i, const char **about);

/* The i-th built-in model's name (0-based: eg95 ...), or NULL past the
 * last. */
const char *dfota_emulator_model_name(size_t i);

/* Checks a model file's text (len bytes, file its name for messages) as
 * --model FILE would read it: DFOTA_OK, or DFOTA_E_INPUT with err naming
 * the file and line; DFOTA_E_NOMEM. */
DFOTA_WUR dfota_err dfota_emulator_model_check(const char *file, const char *text, size_t len,
                                               char *err, size_t errlen);

/* Checks the model opts.model names (NULL: the default) as the emulator
 * would load it: DFOTA_OK, or DFOTA_E_INPUT with err (an unknown name, a
 * model file that cannot be read or is wrong, with its line). */
DFOTA_WUR dfota_err dfota_emulator_model_check_name(const char *name, char *err, size_t errlen);

/* 1 when name is strict, field or a named profile. */
int dfota_emulator_profile_known(const char *name);

/* The fault kinds the emulator plays: the i-th (0-based), or NULL past the
 * last. They are the kinds of the guide's fault table (dfota_fault_kind_at),
 * each once. Static. */
const char *dfota_emulator_fault_kind(size_t i);

/* Reads a fault as the command line writes it, KIND[:KEY=VALUE,...] with
 * KEY code, at, times, delay or stage and each value as the fault table
 * takes it (dfota_fault_value_parse), so that it is refused where a
 * scenario's fault is. The kind is not looked up: dfota_emulator_new
 * refuses one it cannot play. The kind is copied into kind (kind_cap
 * bytes), which f->kind points to and the caller keeps. DFOTA_OK, or
 * DFOTA_E_INPUT with err saying what is wrong (without arg's text). */
DFOTA_WUR dfota_err dfota_emulator_fault_parse(const char *arg, dfota_fault *f, char *kind,
                                               size_t kind_cap, char *err, size_t errlen);

/* The host folder that stands for /data/ufs/ (the option's, or the
 * temporary one the emulator made and removes). */
const char *dfota_emulator_ufs_dir(const dfota_emulator *em);

/* The running firmware version (changes after a successful upgrade). */
const char *dfota_emulator_firmware(const dfota_emulator *em);

/* The URL the emulated module fetches for the URL in its AT+QFOTADL
 * argument (url[0..n), without the quotes). The module reads that URL by
 * chapter 3's template (dfota_spec_url_parts), libcurl by RFC 3986, so the
 * template's parts are handed to libcurl one by one:
 *   - user name and password are sent as written ('@', '#', '?', ':' in
 *     them escaped);
 *   - an FTP <file_path> is the file's name, '?', '#' and blanks included;
 *   - an HTTP path keeps its query and loses its fragment (never sent), and
 *     only what a request line cannot carry (blanks, controls, non-ASCII) is
 *     escaped; a '%' escape already there stays.
 * On success *out is a string the caller frees with free(). DFOTA_E_INPUT
 * when url is not an ftp://, http:// or https:// URL (any case) with a
 * server, a '/' after it and a port in 1-65535, or when libcurl refuses a
 * part (a server that is no host name); DFOTA_E_NOMEM. *out is NULL on
 * error. */
DFOTA_WUR dfota_err dfota_emulator_fetch_url(const char *url, size_t n, char **out);

#endif
