/* dfota/event.h - the one event model every source produces and the
 * checker consumes: a timestamped line with a direction. */
#ifndef DFOTA_EVENT_H
#define DFOTA_EVENT_H

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

#endif
