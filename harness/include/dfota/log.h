/* SPDX-License-Identifier: MIT */
/* dfota/log.h - reading logs: the transcript format and the reader of every log family.
 * One header for the room lib/log/. */
#ifndef DFOTA_LOG_H
#define DFOTA_LOG_H

#include "dfota/base.h"
#include "dfota/at.h"

/* ---- transcript: the transcript format, version 1 (TRANSCRIPT.md):
 * payload escaping and the writer. The reader follows. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DFOTA_TRANSCRIPT_MAGIC "# dfota-transcript 1"

/* Escapes len bytes for a transcript payload: printable ASCII and valid
 * UTF-8 stay, the backslash becomes "\\", every other byte "\xNN"; so do
 * the bytes of a bidi control (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), which would turn the text around on a terminal or a page.
 * Writes at most cap-1 bytes and a NUL; returns the length the whole
 * escape needs (like snprintf), so a result >= cap means it was cut. */
size_t dfota_escape(const void *bytes, size_t len, char *out, size_t cap);

/* The same for a text that may hold escapes already (an error message that
 * quotes a file name and an escaped line): a backslash stays one. For the
 * terminal and the page, never for a transcript. */
size_t dfota_escape_text(const void *bytes, size_t len, char *out, size_t cap);

/* Undoes dfota_escape in place over buf[0..len), returns the new length.
 * A backslash not followed by "\\" or "xNN" is kept as it is. */
size_t dfota_unescape(char *buf, size_t len);

/* Writes one event line "<time> <dir> <payload>\n". A time of
 * DFOTA_T_NONE is written as 0. Returns DFOTA_OK or DFOTA_E_IO. */
DFOTA_WUR dfota_err dfota_transcript_write_event(FILE *out, const dfota_event *ev);

/* ev as every transcript dfota records shows it: *shown is ev with its
 * secrets hidden (dfota_redact) unless keep_secrets, its text in small
 * (cap bytes) or, for a long line, in *heap (malloc'd: the caller frees
 * it; NULL when unused). DFOTA_OK, or DFOTA_E_NOMEM with *heap NULL. */
DFOTA_WUR dfota_err dfota_transcript_shown(const dfota_event *ev, int keep_secrets, char *small,
                                           size_t cap, char **heap, dfota_event *shown);

/* Writes ev as dfota_transcript_write_event does, with its secrets hidden
 * (dfota_redact) unless keep_secrets: how every transcript dfota records is
 * written, while the checker judges the real text. DFOTA_E_NOMEM for a
 * line too long to redact in memory. */
DFOTA_WUR dfota_err dfota_transcript_write_shown(FILE *out, const dfota_event *ev,
                                                 int keep_secrets);

/* Writes the magic line and "# key: value" lines; keys and values are
 * escaped. pairs is key, value, key, value ..., n pairs. */
DFOTA_WUR dfota_err dfota_transcript_write_header(FILE *out, const char *const *pairs, size_t n);

/* ---- reader: reads a log of any supported format as a stream of
 * events, in constant memory: the dfota transcript, a raw terminal capture,
 * and captures whose lines carry a prefix (a logger's or a terminal's time,
 * host, tag, level, a direction marker), learnt from the file's first
 * lines; UTF-8 as it is, UTF-16 transcoded. */

#include <stdio.h>

typedef enum {
    DFOTA_FMT_AUTO = 0,
    DFOTA_FMT_TRANSCRIPT, /* "# dfota-transcript 1" */
    DFOTA_FMT_RAW,        /* text as a terminal showed it, no timestamps */
    DFOTA_FMT_STAMPED,    /* [10:00:00.123] , [16:17:37:700] , [2024-01-02 10:00:00.123] */
    DFOTA_FMT_MODEMMANAGER, /* ModemManager debug: [epoch] [modem0/ttyUSB2/at] --> 'AT<CR>' */
    DFOTA_FMT_DEVICE       /* a device's own log of its modem: Particle Device OS's
                            * 0000068021 [ncp.at] TRACE: > AT+COPS? and
                            * 20.853 AT send 11 "AT+CREG=2\r\n" */
} dfota_format;

/* The longest physical line a reader accepts; longer is an input error. */
#define DFOTA_READ_LINE_MAX 65536

typedef struct dfota_reader dfota_reader;

/* A reader over in, named name in messages. in is borrowed, not closed.
 * Returns NULL when out of memory. */
dfota_reader *dfota_reader_new(FILE *in, const char *name);
void dfota_reader_free(dfota_reader *r);

/* Makes r a reader over in, named name, as dfota_reader_new would, keeping
 * its buffers: a caller reading many files keeps one reader for them all
 * instead of allocating and freeing a few hundred KiB per file. Never
 * fails. in is borrowed, not closed. */
void dfota_reader_reset(dfota_reader *r, FILE *in, const char *name);
/* The same over an open file descriptor, read with read(2): no stdio
 * stream to open and close per file (whose list of open streams is one
 * lock that every thread of a process shares). fd is borrowed. size: the
 * file's size when it was opened (fstat), or -1 when it has none (a pipe,
 * a terminal). With a size, a short read once that many bytes are read is
 * the end (a read(2) fewer per file); before, and without one, only a
 * read of nothing is: /proc, FUSE and network file systems read short. */
void dfota_reader_reset_fd(dfota_reader *r, int fd, long long size, const char *name);

/* Reads the next event into *ev (its data is valid until the next call).
 * Returns 1 for an event, 0 at the end, or a negative dfota_err with a
 * message "NAME:LINE: ..." in err (DFOTA_E_INPUT, DFOTA_E_TOO_BIG,
 * DFOTA_E_IO). Detects the format on the first call. */
DFOTA_WUR int dfota_reader_next(dfota_reader *r, dfota_event *ev, char *err, size_t errlen);

/* The detected format (DFOTA_FMT_AUTO before the first event). */
dfota_format dfota_reader_format(const dfota_reader *r);
const char *dfota_format_name(dfota_format fmt);

/* A header value of a transcript ("port", "module" ...), or NULL.
 * Valid while the reader lives. */
const char *dfota_reader_meta(const dfota_reader *r, const char *key);

/* Whether a file whose name does not say it is a log is one, from its
 * first n bytes (4 KiB are enough): UTF-16 text with its byte order mark,
 * or text with no NUL byte (the reader's measure of text) that holds
 * something a module or a host says (AT, OK, ERROR, RDY, +QIND, +CME). A
 * README, a shell script or a firmware image beside the captures is not.
 * Returns 1 or 0. */
int dfota_log_sniff(const void *bytes, size_t n);

/* What the reader took off a capture before framing, counted. */
typedef struct {
    unsigned long comments;    /* a person's notes: "// ..." "# ..." "<-- ..." after a line or
                                * on lines of their own, "..." "[...]" elisions, placeholder
                                * lines ("UPDATING",n) */
    unsigned long glyphs;      /* control pictures and escapes decoded (␍ ␊ <CR> \r ...) */
    unsigned long first_comment_line;
    char first_comment[64];    /* the start of the first note, as the file has it */
    /* The line prefix the log's writer put before every line (a logger's
     * time, host, tag, level), learnt from the first lines and taken off. */
    char prefix[48];           /* the first line's, as the file has it; "" when none */
    unsigned long prefixed;    /* lines it was taken off */
    unsigned long misfits;     /* lines that did not have it: read as they are, flagged
                                * DFOTA_EV_LOG_PREFIX */
    unsigned long first_misfit_line;
    char unknown_prefix[48];   /* a prefix no rule knows, "" when none: every line read as
                                * it is and flagged DFOTA_EV_LOG_PREFIX */
    unsigned long unknown_times; /* device-log lines whose time was out of range: kept, their
                                  * time unknown (the line before's is used) */
    unsigned long first_unknown_time_line;
    const char *encoding;      /* "UTF-16LE" or "UTF-16BE" when transcoded, else NULL (static) */
} dfota_reader_stats;
void dfota_reader_get_stats(const dfota_reader *r, dfota_reader_stats *out);

#endif
