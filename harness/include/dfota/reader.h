/* dfota/reader.h - reads a log of any supported format as a stream of
 * events, in constant memory: the dfota transcript, a raw terminal capture,
 * and captures whose lines carry a prefix (a logger's or a terminal's time,
 * host, tag, level, a direction marker), learnt from the file's first
 * lines; UTF-8 as it is, UTF-16 transcoded. */
#ifndef DFOTA_READER_H
#define DFOTA_READER_H

#include <stdio.h>

#include "dfota/error.h"
#include "dfota/event.h"

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
