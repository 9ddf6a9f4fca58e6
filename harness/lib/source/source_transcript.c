/* SPDX-License-Identifier: MIT */
/* source_transcript.c - a recording as a source: the events of any log
 * dfota check reads, replayed in order. Its clock is the recording's: now()
 * is the time of the last event read, and a deadline passes when the next
 * event is later than it (that event is kept for the next call). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/log.h"
#include "dfota/source.h"

typedef struct {
    FILE *in;
    dfota_reader *reader;
    dfota_event held;        /* read but past a deadline: returned next */
    int has_held;
    int64_t now;
    char held_buf[4096 + 1];  /* a copy of the held event's bytes (the reader reuses its own) */
} replay;

static int replay_next(dfota_source *s, int64_t deadline_ns, dfota_event *ev, char *err,
                       size_t errlen)
{
    replay *r = s->impl;
    if (!r->has_held) {
        int rc = dfota_reader_next(r->reader, &r->held, err, errlen);
        if (rc <= 0)
            return rc;
        /* Keep a copy: the reader's buffer moves on the next read. */
        size_t n = r->held.len < sizeof r->held_buf - 1 ? r->held.len : sizeof r->held_buf - 1;
        memcpy(r->held_buf, r->held.data, n);
        r->held_buf[n] = '\0';
        r->held.data = r->held_buf;
        r->held.len = n;
        r->has_held = 1;
    }
    if (deadline_ns != DFOTA_T_NONE && r->held.t_ns != DFOTA_T_NONE && r->held.t_ns > deadline_ns) {
        r->now = deadline_ns;
        return DFOTA_E_TIMEOUT;
    }
    *ev = r->held;
    r->has_held = 0;
    if (ev->t_ns != DFOTA_T_NONE)
        r->now = ev->t_ns;
    return 1;
}

static dfota_err replay_send(dfota_source *s, const char *line, size_t len, char *err, size_t errlen)
{
    /* A recording cannot be told anything: the runner matches the line
     * against what the recorded host sent. */
    (void)s;
    (void)line;
    (void)len;
    (void)err;
    (void)errlen;
    return DFOTA_OK;
}

static int64_t replay_now(dfota_source *s)
{
    return ((replay *)s->impl)->now;
}

static const char *replay_meta(dfota_source *s, const char *key)
{
    return dfota_reader_meta(((replay *)s->impl)->reader, key);
}

static void replay_close(dfota_source *s)
{
    replay *r = s->impl;
    if (r) {
        dfota_reader_free(r->reader);
        if (r->in)
            fclose(r->in);
        free(r);
    }
    free(s);
}

static const dfota_source_ops replay_ops = {
    .kind = "transcript",
    .live = 0,
    .next = replay_next,
    .send = replay_send,
    .now = replay_now,
    .meta = replay_meta,
    .close = replay_close,
};

dfota_err dfota_source_open_transcript(const char *path, dfota_source **out, char *err,
                                       size_t errlen)
{
    *out = NULL;
    dfota_source *s = calloc(1, sizeof *s);
    replay *r = calloc(1, sizeof *r);
    if (!s || !r)
        goto nomem;
    r->in = fopen(path, "rb");
    if (!r->in) {
        snprintf(err, errlen, "%s: cannot open the transcript: %s", path, strerror(errno));
        free(r);
        free(s);
        return DFOTA_E_IO;
    }
    r->reader = dfota_reader_new(r->in, path);
    if (!r->reader)
        goto nomem;
    s->ops = &replay_ops;
    s->impl = r;
    *out = s;
    return DFOTA_OK;
nomem:
    if (r && r->in)
        fclose(r->in);
    free(r);
    free(s);
    snprintf(err, errlen, "out of memory");
    return DFOTA_E_NOMEM;
}

dfota_err dfota_source_open(const char *spec, dfota_source **out, char *err, size_t errlen)
{
    *out = NULL;
    if (strncmp(spec, "transcript:", 11) == 0 && spec[11] != '\0')
        return dfota_source_open_transcript(spec + 11, out, err, errlen);
    if (strncmp(spec, "serial:", 7) == 0)
        return dfota_source_open_serial(spec + 7, out, err, errlen);
    snprintf(err, errlen, "unknown source '%s' (this build knows transcript:FILE and serial:PORT)",
             spec);
    return DFOTA_E_ARG;
}

void dfota_source_close(dfota_source *s)
{
    if (s)
        s->ops->close(s);
}
