/* SPDX-License-Identifier: MIT */
/* dfota/at.h - the AT line layer: the one event model, bytes to lines, lines to typed items.
 * One header for the room lib/at/. */
#ifndef DFOTA_AT_H
#define DFOTA_AT_H

#include "dfota/base.h"

/* ---- event: the one event model every source produces and the
 * checker consumes: a timestamped line with a direction. */

#include <stddef.h>
#include <stdint.h>

/* The time of an event is unknown (a raw capture has no timestamps). */
#define DFOTA_T_NONE INT64_MIN

typedef enum {
    DFOTA_DIR_HOST = '>',    /* host to module */
    DFOTA_DIR_MODULE = '<',  /* module to host */
    DFOTA_DIR_HARNESS = '!'  /* seen by the harness itself: port-lost, port-back, note ... */
} dfota_dir;

/* Event flags. */
enum {
    DFOTA_EV_OVERLONG = 1u << 0,     /* the line was longer than DFOTA_AT_LINE_MAX; data holds its start */
    DFOTA_EV_UNTERMINATED = 1u << 1, /* the input ended inside this line */
    DFOTA_EV_GUESSED_DIR = 1u << 2,  /* direction inferred from the text (raw captures) */
    /* The line may still start with a prefix the log's writer put there
     * (a logger's time, a tag) that the reader could not learn: bytes before
     * a URC on such a line are the log's, never the module's. */
    DFOTA_EV_LOG_PREFIX = 1u << 3
};

typedef struct {
    int64_t t_ns;         /* nanoseconds since the start of the stream, or DFOTA_T_NONE */
    dfota_dir dir;
    const char *data;     /* the line without terminator; data[len] == '\0'. Borrowed. */
    size_t len;
    size_t full_len;      /* the length before an overlong line was cut for reporting */
    unsigned long line;   /* line in the source file, 0 when there is none */
    unsigned flags;
    /* How much earlier (ns of the event's time) it may have come than t_ns
     * says: a live source on a wall clock reads a line when it gets to it,
     * and a busy machine may get there late. 0: read as it came (a log, a
     * virtual clock). A window missed by less than this is the harness's
     * lateness, never the module's. */
    int64_t late_ns;
} dfota_event;

/* An event of a line framed from what one side sent (late_ns and line 0). */
static inline dfota_event dfota_event_line(int64_t t_ns, dfota_dir dir, const char *data,
                                           size_t len, size_t full_len, unsigned flags)
{
    dfota_event ev = {.t_ns = t_ns, .dir = dir, .data = data, .len = len,
                      .full_len = full_len, .flags = flags};
    return ev;
}

/* What the harness itself saw ('!' lines). One table (lib/at/harness.c)
 * names them for every writer and reads them back for every reader. */
typedef enum {
    DFOTA_HEV_NONE = 0,   /* another harness line: a note, a comment */
    DFOTA_HEV_PORT_LOST,  /* "port-lost": the module's port went away (a reboot) */
    DFOTA_HEV_PORT_BACK,  /* "port-back": it came back */
    DFOTA_HEV_HOST_OPEN,  /* "host-open": host software opened the port */
    DFOTA_HEV_HOST_CLOSE  /* "host-close": and closed it */
} dfota_harness_event;

/* The word a transcript writes for e ("port-lost"); "" for DFOTA_HEV_NONE. */
const char *dfota_harness_event_name(dfota_harness_event e);

/* The harness event ev is: a '!' line whose first word is one of the names
 * (followed by its end, a blank or ':', so "port-lost after 20 s" is one
 * and "port-lostx" is not); DFOTA_HEV_NONE for any other line. */
dfota_harness_event dfota_harness_event_of(const dfota_event *ev);

/* ---- atline: the AT line layer: bytes to lines, lines to typed items.
 * Pure: no I/O, no globals; fuzzed. */

#include <stddef.h>
#include <stdint.h>

/* The longest AT line kept whole. A longer line is reported with its length
 * and place and skipped; the first DFOTA_AT_LINE_MAX bytes are kept so the
 * report can show them. The longest valid command is about 270 bytes. */
#define DFOTA_AT_LINE_MAX 2048

/* ---- framing ---------------------------------------------------------- */

typedef struct dfota_framer dfota_framer;

/* A new framer; NULL when out of memory. Free with dfota_framer_free. */
dfota_framer *dfota_framer_new(void);
void dfota_framer_free(dfota_framer *f);
/* f as dfota_framer_new made it (its line buffer kept): for the next input. */
void dfota_framer_reset(dfota_framer *f);

/* Hands the framer the next bytes. The framer borrows them until
 * dfota_framer_next has returned 0; it copies what it needs. */
void dfota_framer_push(dfota_framer *f, const uint8_t *bytes, size_t len);

/* The next complete line: CR, LF, CRLF and a lone CR all end a line; blank
 * lines are skipped. Returns 1 and fills *line (data valid until the next
 * call), or 0 when the pushed bytes are used up. Flags: DFOTA_EV_OVERLONG. */
int dfota_framer_next(dfota_framer *f, const char **line, size_t *len,
                      size_t *full_len, unsigned *flags);

/* True when the framer holds no part of a line and no pushed bytes: a
 * caller that already has one whole line may then skip the framer. */
int dfota_framer_idle(const dfota_framer *f);

/* At the end of input: returns 1 with a last line that had no terminator
 * (flag DFOTA_EV_UNTERMINATED), else 0. Resets the framer. */
int dfota_framer_flush(dfota_framer *f, const char **line, size_t *len,
                       size_t *full_len, unsigned *flags);

/* ---- classification --------------------------------------------------- */

typedef enum {
    DFOTA_ITEM_OTHER = 0,  /* anything else: kept, ignored by the rules */
    DFOTA_ITEM_OK,
    DFOTA_ITEM_ERROR,      /* ERROR, +CME ERROR: <n> (code in item.code), +CMS ERROR */
    DFOTA_ITEM_FINAL,      /* another final result code: CONNECT, NO CARRIER, BUSY, SEND OK ... (see final) */
    DFOTA_ITEM_URC,        /* +QIND: "FOTA",... parsed (see stage, quirks) */
    DFOTA_ITEM_BAD_URC,    /* +QIND: "FOTA" that cannot be parsed: cut off or garbled */
    DFOTA_ITEM_FOTADL,     /* host: AT+QFOTADL in one of its forms (see cmd) */
    DFOTA_ITEM_COMMAND,    /* host: another AT command */
    DFOTA_ITEM_ECHO,       /* module: the echo of a command */
    DFOTA_ITEM_RDY,        /* module: RDY, the module has booted */
    DFOTA_ITEM_PORT_GONE,  /* a terminal program's message that the port vanished */
    DFOTA_ITEM_PORT_BACK   /* a terminal program's message that the port is back */
} dfota_item_kind;

typedef enum {
    DFOTA_STAGE_NONE = 0,
    DFOTA_STAGE_FTPSTART, DFOTA_STAGE_FTPEND,
    DFOTA_STAGE_HTTPSTART, DFOTA_STAGE_HTTPEND,
    DFOTA_STAGE_START, DFOTA_STAGE_UPDATING, DFOTA_STAGE_END,
    /* stages outside the guide, seen on shipped firmware (FIELD-QUIRKS) */
    DFOTA_STAGE_HTTPSSTART, DFOTA_STAGE_HTTPSEND,
    DFOTA_STAGE_FILESTART, DFOTA_STAGE_FILEEND,
    DFOTA_STAGE_DOWNLOADING, DFOTA_STAGE_RESTORE, DFOTA_STAGE_RESUME,
    DFOTA_STAGE_UNKNOWN
} dfota_stage;

/* What a parse noticed and tolerated. The checker turns each into a
 * finding whose level depends on the profile. */
enum {
    DFOTA_Q_BLANK = 1u << 0,        /* blank after a comma (the guide shows it) */
    DFOTA_Q_SPELLING = 1u << 1,     /* HTTPEnd, as the guide spells it once */
    DFOTA_Q_CASE = 1u << 2,         /* any other spelling in another case */
    DFOTA_Q_PERCENT = 1u << 3,      /* "12%" */
    DFOTA_Q_EXTRA = 1u << 4,        /* fields after the integer: 37%,1,1 */
    DFOTA_Q_TYPO_QUOTES = 1u << 5,  /* “FOTA” */
    DFOTA_Q_STRAY = 1u << 6,        /* bytes before +QIND */
    DFOTA_Q_ARG_MISSING = 1u << 7,  /* the stage needs an integer and has none */
    DFOTA_Q_ARG_UNEXPECTED = 1u << 8,/* the stage takes no argument and has one */
    DFOTA_Q_ARG_NOT_INT = 1u << 9,  /* the argument is not an integer */
    DFOTA_Q_NO_BLANK_COLON = 1u << 10 /* +QIND:"FOTA": no blank after the colon */
};

/* The final result codes a command line ends with: ITU-T V.250, 3GPP TS
 * 27.007 (+CME ERROR) and 27.005 (+CMS ERROR), and the ones Quectel
 * commands end with (AT+QISEND: SEND OK, SEND FAIL). RING is not one: it
 * is unsolicited. CONNECT, with or without its text, puts the line in data
 * mode, which NO CARRIER ends. */
typedef enum {
    DFOTA_FINAL_NONE = 0,
    DFOTA_FINAL_OK, DFOTA_FINAL_ERROR, DFOTA_FINAL_CME_ERROR, DFOTA_FINAL_CMS_ERROR,
    DFOTA_FINAL_CONNECT, DFOTA_FINAL_NO_CARRIER, DFOTA_FINAL_NO_DIALTONE, DFOTA_FINAL_BUSY,
    DFOTA_FINAL_NO_ANSWER, DFOTA_FINAL_SEND_OK, DFOTA_FINAL_SEND_FAIL
} dfota_final;

typedef enum {
    DFOTA_FOTADL_TEST,   /* AT+QFOTADL=? */
    DFOTA_FOTADL_READ,   /* AT+QFOTADL? (not in the guide) */
    DFOTA_FOTADL_EXEC,   /* AT+QFOTADL (not in the guide) */
    DFOTA_FOTADL_WRITE   /* AT+QFOTADL=<arg> */
} dfota_fotadl_form;

typedef struct {
    dfota_item_kind kind;
    /* URC */
    dfota_stage stage;
    const char *stage_text; /* the stage as written; borrowed from the line */
    size_t stage_len;
    int has_code;
    long code;              /* the integer argument, clamped to +-999999999 */
    unsigned quirks;
    /* final results (OK, ERROR, FINAL) */
    dfota_final final;
    /* host lines: the command line (V.250) */
    unsigned commands;      /* commands on the line: ATE0V1+CSQ;+QGMR is four */
    int prompts;            /* one of them prompts for data (AT+QISEND, AT+CMGS ...): what
                             * the host sends next, up to the final result, is data */
    /* FOTADL: the first AT+QFOTADL on the line */
    dfota_fotadl_form form;
    const char *arg;        /* the text after '=' for WRITE, up to the ';' that ends the
                             * command (none inside quotes); borrowed */
    size_t arg_len;
} dfota_item;

/* Classifies one line that travelled in direction dir. Lines from the
 * host that are not AT commands are OTHER; a host line that holds an
 * AT+QFOTADL among several commands is FOTADL. Never fails; *out borrows from
 * line, which must stay valid while *out is used. */
void dfota_classify(const char *line, size_t len, dfota_dir dir, dfota_item *out);

/* The final result's name as a module writes it ("SEND OK", "+CME ERROR"),
 * never NULL. */
const char *dfota_final_name(dfota_final final);

/* The canonical name of a stage ("FTPSTART"), never NULL. */
const char *dfota_stage_name(dfota_stage stage);

/* True for stages that carry an integer argument. */
int dfota_stage_takes_code(dfota_stage stage);

/* ---- client: the host's side of AT exchanges (lib/at/client.c), the one
 * the harness has. It does no I/O of its own: it drives a transport the
 * caller gives (a source, a serial port), and what a final result is comes
 * from dfota_classify, as everywhere else. */

/* A final result code ends a command: OK, ERROR (+CME/+CMS ERROR too) and
 * the others V.250 and Quectel define (CONNECT, NO CARRIER, SEND OK ...). */
static inline int dfota_item_is_final(const dfota_item *it)
{
    return it->kind == DFOTA_ITEM_OK || it->kind == DFOTA_ITEM_ERROR ||
           it->kind == DFOTA_ITEM_FINAL;
}

typedef struct {
    /* Writes one command line; line has no terminator (the transport ends
     * it as its medium wants). DFOTA_OK, or an error with err. */
    dfota_err (*send)(void *ctx, const char *line, size_t len, char *err, size_t errlen);
    /* The module's next line, waiting at most until deadline_ns on the
     * transport's clock: 1 with *line and *len (valid until the next call),
     * 0 at the end of the stream, DFOTA_E_TIMEOUT, or another negative
     * dfota_err with err. Only the module's lines: not what the host sent. */
    int (*next)(void *ctx, int64_t deadline_ns, const char **line, size_t *len, char *err,
                size_t errlen);
    void *ctx;
} dfota_at_transport;

typedef struct {
    dfota_at_transport t;
    unsigned owed;      /* commands sent whose final result has not come yet */
} dfota_at_client;

#define DFOTA_AT_ANSWER_LINES 8
#define DFOTA_AT_ANSWER_LINE_MAX 256

/* An answer: the information text and the final result that ended it. */
typedef struct {
    dfota_item_kind kind;     /* DFOTA_ITEM_OK, _ERROR or _FINAL */
    dfota_final final;
    int has_code;             /* +CME ERROR: <n>, +CMS ERROR: <n> */
    long code;
    char text[DFOTA_AT_ANSWER_LINE_MAX]; /* the final result's line, cut to fit */
    /* The information text (DFOTA_ITEM_OTHER lines; echo and URCs are left
     * out), the first DFOTA_AT_ANSWER_LINES, each cut to fit and ended
     * with a NUL (len says how many bytes it keeps). Bytes as sent. */
    size_t n_lines;
    char lines[DFOTA_AT_ANSWER_LINES][DFOTA_AT_ANSWER_LINE_MAX];
    size_t len[DFOTA_AT_ANSWER_LINES];
} dfota_at_answer;

/* A client on transport t (copied); nothing owed. */
void dfota_at_client_init(dfota_at_client *c, const dfota_at_transport *t);

/* Sends one command line; an answer is then owed. */
DFOTA_WUR dfota_err dfota_at_client_send(dfota_at_client *c, const char *line, char *err,
                                         size_t errlen);

/* The module's next line, as the transport's next(), classified into *it
 * (which borrows from *line). A final result pays the oldest answer owed. */
int dfota_at_client_next(dfota_at_client *c, int64_t deadline_ns, const char **line,
                         size_t *len, dfota_item *it, char *err, size_t errlen);

/* Reads the module's lines up to the next final result, until
 * deadline_ns, into *ans (the caller's). DFOTA_OK; DFOTA_E_TIMEOUT; DFOTA_E_IO
 * when the stream ended first; another error from the transport. err says
 * why. */
DFOTA_WUR dfota_err dfota_at_client_answer(dfota_at_client *c, int64_t deadline_ns,
                                           dfota_at_answer *ans, char *err, size_t errlen);

/* One exchange: sends line and reads its answer (dfota_at_client_answer).
 * An answer owed to an earlier command that comes first is taken for this
 * one's: drain them first (dfota_at_client_drain). */
DFOTA_WUR dfota_err dfota_at_client_ask(dfota_at_client *c, const char *line, int64_t deadline_ns,
                                        dfota_at_answer *ans, char *err, size_t errlen);

/* Reads and drops lines until no answer is owed, the stream ends, or
 * deadline_ns: so that an answer to a command asked again (a booting
 * module) does not pass later for the next command's. */
void dfota_at_client_drain(dfota_at_client *c, int64_t deadline_ns);

#endif
