/* SPDX-License-Identifier: MIT */
/* record_cap.h - a recording (emulate --record, proxy) written event by
 * event up to a size: past it each event is judged but not written, the
 * recording says once that bytes are dropped and, at its end, how many. */
#ifndef DFOTA_CLI_RECORD_CAP_H
#define DFOTA_CLI_RECORD_CAP_H

#include <stdint.h>
#include <stdio.h>

#include "dfota/at.h"

#define RECORD_MAX_DEFAULT (64ULL << 20) /* --record-max's default: 64 MiB */
#define RECORD_MAX_LIMIT (1ULL << 40)

typedef struct {
    FILE *f;
    uint64_t max;            /* bytes the recording may hold */
    uint64_t written;        /* bytes written to it */
    uint64_t dropped;        /* bytes of the events left out (what crossed the wire) */
    unsigned long dropped_events;
    unsigned long full_line; /* the recording's line that says it is full, 0 until then */
    int64_t last_t;          /* the time of the last event seen (the closing line's) */
} record_cap;

/* Writes ev (its secrets hidden unless keep_secrets) and flushes, or, past
 * the cap, counts it; *line is the recording's line the event is on (the
 * "full" line for a dropped one), advanced when a line is written.
 * 0, or -1 when a write failed (errno set). */
int record_cap_write(record_cap *c, const dfota_event *ev, int keep_secrets, unsigned long *line);

/* At the end: when bytes were dropped, a last "!" line says how many and
 * so does a line on stderr (prog: "dfota emulate"). 0, or -1 as above. */
int record_cap_finish(record_cap *c, const char *prog, const char *path);

#endif
