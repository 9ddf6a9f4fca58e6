/* SPDX-License-Identifier: MIT */
/* record_cap.c - a recording bounded in size (record_cap.h). */
#define _GNU_SOURCE
#include "record_cap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/log.h"

/* A harness line "<time> ! text" at ev's time. */
static int note(record_cap *c, int64_t t_ns, const char *text)
{
    dfota_event n;
    memset(&n, 0, sizeof n);
    n.t_ns = t_ns;
    n.dir = DFOTA_DIR_HARNESS;
    n.data = text;
    n.len = n.full_len = strlen(text);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    int ok = dfota_transcript_write_event(m, &n) == DFOTA_OK;
    ok = fclose(m) == 0 && ok;
    ok = ok && fwrite(buf, 1, len, c->f) == len && fflush(c->f) == 0;
    free(buf);
    c->written += len;
    return ok ? 0 : -1;
}

int record_cap_write(record_cap *c, const dfota_event *ev, int keep_secrets, unsigned long *line)
{
    if (ev->t_ns != DFOTA_T_NONE && ev->t_ns > c->last_t)
        c->last_t = ev->t_ns;
    if (c->full_line) {
        c->dropped += ev->full_len > ev->len ? ev->full_len : ev->len;
        c->dropped_events++;
        *line = c->full_line;
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    dfota_err rc = dfota_transcript_write_shown(m, ev, keep_secrets);
    if (fclose(m) != 0 || rc != DFOTA_OK) {
        free(buf);
        errno = rc == DFOTA_E_NOMEM ? ENOMEM : errno ? errno : EIO;
        return -1;
    }
    if (c->written + len > c->max) {
        free(buf);
        char text[160];
        snprintf(text, sizeof text,
                 "note recording-full: the recording reached %" PRIu64 " bytes (--record-max); "
                 "what follows is judged, not recorded",
                 c->max);
        c->full_line = ++*line;
        c->dropped += ev->full_len > ev->len ? ev->full_len : ev->len;
        c->dropped_events++;
        return note(c, ev->t_ns, text);
    }
    int ok = fwrite(buf, 1, len, c->f) == len && fflush(c->f) == 0;
    free(buf);
    c->written += len;
    ++*line;
    return ok ? 0 : -1;
}

int record_cap_finish(record_cap *c, const char *prog, const char *path)
{
    if (!c->full_line)
        return 0;
    char text[200];
    snprintf(text, sizeof text,
             "note recording-dropped: %" PRIu64 " byte(s) in %lu line(s) past the %" PRIu64 "-byte cap were not recorded",
             c->dropped, c->dropped_events, c->max);
    fprintf(stderr, "%s: %s: %" PRIu64 " byte(s) in %lu line(s) past the %" PRIu64
                    "-byte cap (--record-max) were judged but not recorded\n",
            prog, path, c->dropped, c->dropped_events, c->max);
    return c->f ? note(c, c->last_t, text) : 0;
}
