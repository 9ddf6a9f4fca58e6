/* SPDX-License-Identifier: MIT */
/* source_serial.c - a module on a serial port as a source.
 *
 * The spec is PORT[,OPTION=VALUE]... (what follows "serial:"):
 *   PORT             a device path (/dev/ttyUSB2, /dev/serial/by-id/..., a
 *                    pseudo-terminal or a link to one), or a USB identity
 *                    usb:VID:PID[:if=N][:serial=S] (see dfota ports)
 *   baud=N           line speed, default 115200
 *   flow=none|rtscts flow control, default none
 *   settle=DURATION  after a reboot, how long (wall time) the port must be
 *                    back before it is opened; default 200ms, none
 *                    for a pseudo-terminal (its link appears when it is
 *                    ready)
 *   time-scale=X     a testing aid: module time is wall time divided by X,
 *                    to talk to 'dfota emulate --time-scale X'. A real
 *                    module runs at 1, the default.
 * Events are as from the emulator source: '>' for each line sent, '<' for
 * each line the framer finds, '! port-lost' when the port goes away, and
 * '! port-back' when the same path or identity is there again and opened.
 * The wait for it is bounded by the deadline next() is given.
 *
 * On a wall clock the source measures its own lateness: bytes it reads
 * came at some time since it last saw the port empty (a look that found
 * nothing: each wait begins with one; after a reboot, since the port may
 * have been back), and each line framed from them carries the span from
 * then to when the line is returned in late_ns (dfota_clock_late_since:
 * at least 1 ms of wall time, the granularity of a wait), so that a window
 * missed by less is the harness's trouble, not the module's. A wait that wakes when bytes
 * come may itself wake late on a busy machine, so waits are kept short on
 * a scaled clock (wait_cap), which keeps that span small in module time.
 * Before a deadline is declared passed the port is looked at once more. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/guide.h"
#include "dfota/port.h"
#include "dfota/source.h"

/* The longest single wait (wall time), so a deadline is met closely. */
#define WAIT_CAP_MS 50
/* While the port is away, how often to look for it (wall time). */
#define LOOK_MS 20
/* A send while the port is away waits this long (module time) for it. */
#define SEND_WAIT_NS (60 * DFOTA_NS_PER_S)
/* A line must leave within this wall time (RTS/CTS may hold it). */
#define WRITE_TIMEOUT_MS 5000
#define SPEC_MAX 1024


typedef struct {
    dfota_port *port;
    char name[DFOTA_PORT_NAME_MAX]; /* the PORT of the spec, meta("port") */
    dfota_framer *framer;
    dfota_clock *clock;          /* module time */
    int own_clock;               /* opened from a spec: the clock is ours */
    int64_t now;                 /* module time of the last event */
    int64_t empty_wall;          /* wall time the port was last seen with nothing to read */
    int64_t since;               /* the bytes being framed came after this (wall time) */
    int64_t sent_t;              /* the sent line was written then (module time) */
    int64_t back_t, back_wall;   /* the port was found back then (module, wall time) */
    int looked_at_deadline;      /* the port was looked at once more after the deadline */
    dfota_harness_event port_event; /* a port event to return first */
    char sent[DFOTA_AT_LINE_MAX + 1];
    size_t sent_len;
    int has_sent;
    dfota_source_pump pump;      /* a module in this thread (the emulator), or NULL */
    void *pump_ctx;
    uint8_t buf[4096];
} serial_source;

static int64_t module_now(const serial_source *s)
{
    return dfota_clock_now(s->clock);
}

/* Wall milliseconds until a module-time deadline, at most cap. */
static int wait_ms(const serial_source *s, int64_t deadline_ns, int cap)
{
    if (deadline_ns == DFOTA_T_NONE)
        return cap;
    return dfota_clock_wait_ms(s->clock, deadline_ns, cap);
}

static void make_event(serial_source *s, dfota_event *ev, dfota_dir dir, const char *data,
                       size_t len, unsigned flags)
{
    memset(ev, 0, sizeof *ev);
    ev->t_ns = s->now = module_now(s);
    ev->dir = dir;
    ev->data = data;
    ev->len = ev->full_len = len;
    ev->flags = flags;
    ev->late_ns = dir == DFOTA_DIR_MODULE ? dfota_clock_late_since(s->clock, s->since) : 0;
}

/* What is ready without waiting: a port event, the sent line, a framed line. */
static int ready_event(serial_source *s, dfota_event *ev)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (s->port_event != DFOTA_HEV_NONE) {
        const char *t = dfota_harness_event_name(s->port_event);
        make_event(s, ev, DFOTA_DIR_HARNESS, t, strlen(t), 0);
        /* A port back is stamped when it was found (a send that waited for
         * it comes after it), some time after it came back (the spacing of
         * the looks, the settle time, a loss noticed late): that is its
         * lateness, so that a reboot window missed by less is not the
         * module's. */
        if (s->port_event == DFOTA_HEV_PORT_BACK) {
            int64_t since = dfota_port_away_ns(s->port);
            ev->t_ns = s->back_t;
            if (since > 0) /* 0 on a virtual clock */
                ev->late_ns = dfota_clock_from_wall(s->clock, s->back_wall - since);
        }
        s->port_event = DFOTA_HEV_NONE;
        return 1;
    }
    if (s->has_sent) {
        s->has_sent = 0;
        make_event(s, ev, DFOTA_DIR_HOST, s->sent, s->sent_len, 0);
        /* stamped when it was written, which is known exactly: a step that
         * counts from it (after:, expect_silence) starts there */
        ev->t_ns = s->sent_t;
        return 1;
    }
    if (dfota_framer_next(s->framer, &line, &len, &full, &flags)) {
        make_event(s, ev, DFOTA_DIR_MODULE, line, len, flags);
        ev->full_len = full;
        return 1;
    }
    return 0;
}

/* Time passes, at most ms of wall time, the host waiting until deadline
 * (module time): a module in this thread runs meanwhile (it is what can
 * change anything, and on a virtual clock it is what moves time);
 * otherwise a sleep. */
static int idle(serial_source *s, int64_t deadline, int ms, char *err, size_t errlen)
{
    if (s->pump) {
        dfota_pump_wait w = {deadline, ms, dfota_port_is_open(s->port)};
        return s->pump(s->pump_ctx, &w, err, errlen);
    }
    struct timespec d = {0, (long)ms * 1000000L};
    nanosleep(&d, NULL);
    return 0;
}

/* n bytes read by a read begun at wall time looked: they came some time
 * since the port was last seen empty, which the lines they complete carry
 * as their lateness. A read that did not fill the buffer left the port
 * empty (so a steady stream is not late by its whole length). */
static void took(serial_source *s, int n, int64_t looked)
{
    dfota_clock_wire_taken(s->clock, DFOTA_WIRE_TO_HOST, (size_t)n);
    dfota_framer_push(s->framer, s->buf, (size_t)n);
    s->since = s->empty_wall;
    if ((size_t)n < sizeof s->buf)
        s->empty_wall = looked;
}

/* The port is open again: port-back is due, and what it says may have
 * waited since it came back (the last look that found it away), not
 * since before the reboot. */
static void came_back(serial_source *s)
{
    s->port_event = DFOTA_HEV_PORT_BACK;
    s->back_t = module_now(s);
    s->back_wall = dfota_wall_ns();
    s->empty_wall = dfota_port_away_ns(s->port);
}

/* A read of the port, waiting at most ms; what it finds (or not) is what
 * the harness's lateness is measured from. */
static int read_port(serial_source *s, int ms, char *err, size_t errlen)
{
    /* A look first: when the port is empty, what the wait brings came
     * after it. (Whether a read waited cannot be told from how long it
     * took: one that found bytes at once may have been descheduled.) */
    int64_t looked = dfota_wall_ns();
    int n = dfota_port_read(s->port, s->buf, sizeof s->buf, 0, err, errlen);
    if (n == 0 && ms > 0) {
        s->empty_wall = looked;
        looked = dfota_wall_ns();
        n = dfota_port_read(s->port, s->buf, sizeof s->buf, ms, err, errlen);
    }
    if (n > 0)
        took(s, n, looked);
    else if (n == 0)
        s->empty_wall = looked;
    return n;
}

/* One wait of at most ms for the host, which waits until deadline: bytes
 * from the port, its loss, or its return. */
static int poll_port(serial_source *s, int64_t deadline, int ms, char *err, size_t errlen)
{
    if (!dfota_port_is_open(s->port)) {
        int r = dfota_port_reopen(s->port, err, errlen);
        if (r < 0)
            return r;
        if (r == 1) {
            came_back(s);
            return 0;
        }
        return idle(s, deadline, ms < LOOK_MS ? ms : LOOK_MS, err, errlen);
    }
    if (s->pump) {
        /* what the module said comes from its running: look, run it, look;
         * bytes it wrote and that are still in the terminal are waited for */
        int n0 = read_port(s, 0, err, errlen);
        if (n0 == 0) {
            int rc = idle(s, deadline, ms, err, errlen);
            if (rc < 0)
                return rc;
        } else if (n0 > 0) {
            return 0;
        }
        ms = dfota_clock_on_wire(s->clock, DFOTA_WIRE_TO_HOST) > 0 ? ms : 0;
    }
    int n = read_port(s, ms, err, errlen);
    if (n < 0 && !dfota_port_is_open(s->port))
        s->port_event = DFOTA_HEV_PORT_LOST; /* err said why; the event says it to the runner */
    else if (n < 0)
        return n;
    return 0;
}

/* The longest single wait, in wall ms (dfota_clock_wait_cap_ms). */
static int wait_cap(const serial_source *s)
{
    return dfota_clock_wait_cap_ms(s->clock, WAIT_CAP_MS);
}

/* The deadline passed: what came by it is read before it is declared.
 * On a virtual clock, what the module wrote and the host has not read yet
 * (it was said exactly at the deadline); on a wall clock, one more look,
 * since the timer may have fired late (what it finds carries its lateness).
 * 1: look for an event again, 0: the deadline stands, or an error. */
static int last_look(serial_source *s, int64_t deadline, char *err, size_t errlen)
{
    if (!dfota_port_is_open(s->port))
        return 0;
    if (s->pump && dfota_clock_on_wire(s->clock, DFOTA_WIRE_TO_HOST) > 0) {
        int rc = poll_port(s, deadline, WAIT_CAP_MS, err, errlen);
        return rc < 0 ? rc : 1;
    }
    if (dfota_clock_is_virtual(s->clock) || s->looked_at_deadline)
        return 0;
    s->looked_at_deadline = 1;
    int n = read_port(s, 0, err, errlen);
    if (n < 0 && !dfota_port_is_open(s->port))
        s->port_event = DFOTA_HEV_PORT_LOST;
    else if (n < 0)
        return n;
    return 1;
}

static int serial_next(dfota_source *src, int64_t deadline_ns, dfota_event *ev, char *err,
                       size_t errlen)
{
    serial_source *s = src->impl;
    for (;;) {
        if (ready_event(s, ev)) {
            s->looked_at_deadline = 0;
            return 1;
        }
        int passed = deadline_ns != DFOTA_T_NONE && module_now(s) >= deadline_ns;
        int rc = passed ? last_look(s, deadline_ns, err, errlen) : 0;
        if (rc < 0)
            return rc;
        if (rc == 1)
            continue;
        if (passed) {
            s->looked_at_deadline = 0;
            s->now = deadline_ns;
            if (!dfota_port_is_open(s->port))
                snprintf(err, errlen, "%.200s: still away at the deadline", s->name);
            return DFOTA_E_TIMEOUT;
        }
        rc = poll_port(s, deadline_ns, wait_ms(s, deadline_ns, wait_cap(s)), err, errlen);
        if (rc < 0)
            return rc;
    }
}

/* A send while the port is away (a reboot): a host waits for it first. */
static dfota_err wait_for_port(serial_source *s, char *err, size_t errlen)
{
    int64_t until = dfota_time_add(module_now(s), SEND_WAIT_NS);
    while (!dfota_port_is_open(s->port)) {
        if (module_now(s) >= until) {
            snprintf(err, errlen, "%.200s: the port has been away for %.0f s (module time): "
                                  "nothing can be sent", s->name, dfota_seconds(SEND_WAIT_NS));
            return DFOTA_E_IO;
        }
        int r = dfota_port_reopen(s->port, err, errlen);
        if (r < 0)
            return (dfota_err)r;
        if (r == 1) {
            came_back(s);
            break;
        }
        r = idle(s, until, LOOK_MS, err, errlen);
        if (r < 0)
            return (dfota_err)r;
    }
    return DFOTA_OK;
}

static dfota_err serial_send(dfota_source *src, const char *line, size_t len, char *err,
                             size_t errlen)
{
    serial_source *s = src->impl;
    if (len > DFOTA_AT_LINE_MAX) {
        snprintf(err, errlen, "a line of %zu bytes is longer than %d", len, DFOTA_AT_LINE_MAX);
        return DFOTA_E_TOO_BIG;
    }
    dfota_err rc = wait_for_port(s, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    char out[DFOTA_AT_LINE_MAX + 2];
    memcpy(out, line, len);
    out[len] = '\r';
    rc = dfota_port_write(s->port, out, len + 1, WRITE_TIMEOUT_MS, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    dfota_clock_wire_sent(s->clock, DFOTA_WIRE_TO_MODULE, len + 1);
    s->sent_t = module_now(s);
    memcpy(s->sent, line, len);
    s->sent[len] = '\0';
    s->sent_len = len;
    s->has_sent = 1;
    return DFOTA_OK;
}

static int64_t serial_now(dfota_source *src)
{
    return module_now(src->impl);
}

static const char *serial_meta(dfota_source *src, const char *key)
{
    serial_source *s = src->impl;
    if (strcmp(key, "port") == 0)
        return s->name;
    return NULL;
}

static void serial_close(dfota_source *src)
{
    serial_source *s = src->impl;
    if (s) {
        dfota_port_free(s->port);
        dfota_framer_free(s->framer);
        if (s->own_clock)
            dfota_clock_free(s->clock);
        free(s);
    }
    free(src);
}

static const dfota_source_ops serial_ops = {
    .kind = "serial",
    .live = 1,
    .next = serial_next,
    .send = serial_send,
    .now = serial_now,
    .meta = serial_meta,
    .close = serial_close,
};

/* ---- the spec ------------------------------------------------------------------ */

static dfota_err parse_number(const char *v, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi))
        return DFOTA_E_INPUT;
    *out = d;
    return DFOTA_OK;
}

/* One OPTION=VALUE of the spec into the port's options or the scale. */
static dfota_err parse_option(char *opt, dfota_port_opts *po, double *scale, char *err,
                              size_t errlen)
{
    char *v = strchr(opt, '=');
    double d;
    int64_t ns;
    if (!v)
        goto bad;
    *v++ = '\0';
    if (strcmp(opt, "baud") == 0 && parse_number(v, 50, 4000000, &d) == DFOTA_OK && d == (int)d)
        po->baud = (int)d;
    else if (strcmp(opt, "flow") == 0 && (strcmp(v, "none") == 0 || strcmp(v, "rtscts") == 0))
        po->flow = strcmp(v, "rtscts") == 0 ? DFOTA_FLOW_RTSCTS : DFOTA_FLOW_NONE;
    else if (strcmp(opt, "time-scale") == 0 &&
             dfota_clock_scale_parse(v, &d, NULL, 0) == DFOTA_OK)
        *scale = d;
    else if (strcmp(opt, "settle") == 0 && dfota_duration_parse(v, strlen(v), &ns) == DFOTA_OK &&
             ns <= 60000000000LL)
        po->settle_ms = (int)(ns / DFOTA_NS_PER_MS);
    else {
        v[-1] = '=';
        goto bad;
    }
    return DFOTA_OK;
bad:
    snprintf(err, errlen,
             "serial source: bad option '%.100s' (baud=N, flow=none|rtscts, settle=DURATION up to "
             "60s, time-scale=X from %g to %g)",
             opt, DFOTA_CLOCK_SCALE_MIN, DFOTA_CLOCK_SCALE_MAX);
    return DFOTA_E_ARG;
}

/* Splits "PORT,OPT=V,..." into the port's name and options. */
static dfota_err parse_spec(const char *spec, char *name, size_t cap, dfota_port_opts *po,
                            double *scale, char *err, size_t errlen)
{
    char copy[SPEC_MAX];
    if (strlen(spec) >= sizeof copy) {
        snprintf(err, errlen, "serial source: the spec is longer than %d bytes", SPEC_MAX - 1);
        return DFOTA_E_TOO_BIG;
    }
    memcpy(copy, spec, strlen(spec) + 1);
    char *opt = strchr(copy, ',');
    if (opt)
        *opt++ = '\0';
    if (!copy[0]) {
        snprintf(err, errlen, "serial source: no port given (serial:PATH or serial:usb:VID:PID)");
        return DFOTA_E_ARG;
    }
    if (strlen(copy) >= cap) {
        snprintf(err, errlen, "serial source: the port is longer than %zu bytes", cap - 1);
        return DFOTA_E_TOO_BIG;
    }
    memcpy(name, copy, strlen(copy) + 1);
    while (opt) {
        char *next = strchr(opt, ',');
        if (next)
            *next++ = '\0';
        dfota_err rc = parse_option(opt, po, scale, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        opt = next;
    }
    return DFOTA_OK;
}

/* Opens the port of a parsed spec (port NULL: parse spec first), on clock
 * (NULL: its own, real or at the spec's time-scale). */
static dfota_err open_serial(const char *spec, const char *port, dfota_clock *clock,
                             dfota_source_pump pump, void *ctx, dfota_source **out, char *err,
                             size_t errlen)
{
    *out = NULL;
    dfota_source *src = calloc(1, sizeof *src);
    serial_source *s = calloc(1, sizeof *s);
    dfota_err rc = DFOTA_E_NOMEM;
    if (!src || !s || !(s->framer = dfota_framer_new())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    dfota_port_opts po = {0, DFOTA_FLOW_NONE, -1};
    double scale = 1.0;
    s->pump = pump;
    s->pump_ctx = ctx;
    if (port) {
        rc = strlen(port) < sizeof s->name ? DFOTA_OK : DFOTA_E_TOO_BIG;
        if (rc == DFOTA_OK)
            snprintf(s->name, sizeof s->name, "%s", port);
        else
            snprintf(err, errlen, "serial source: the port is longer than %zu bytes",
                     sizeof s->name - 1);
    } else
        rc = parse_spec(spec, s->name, sizeof s->name, &po, &scale, err, errlen);
    if (rc == DFOTA_OK && !clock) {
        rc = dfota_clock_new_wall(scale, &clock, err, errlen);
        s->own_clock = rc == DFOTA_OK;
    }
    s->clock = clock;
    if (rc == DFOTA_OK)
        rc = dfota_port_open(s->name, &po, &s->port, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    s->empty_wall = dfota_wall_ns(); /* the open empties the port: nothing read is older */
    src->ops = &serial_ops;
    src->impl = s;
    *out = src;
    return DFOTA_OK;
fail:
    if (s) {
        dfota_framer_free(s->framer);
        if (s->own_clock)
            dfota_clock_free(s->clock);
    }
    free(s);
    free(src);
    return rc;
}

dfota_err dfota_source_open_serial(const char *spec, dfota_source **out, char *err, size_t errlen)
{
    return open_serial(spec, NULL, NULL, NULL, NULL, out, err, errlen);
}

dfota_err dfota_source_open_port(const char *port, dfota_clock *clock, dfota_source_pump pump,
                                 void *ctx, dfota_source **out, char *err, size_t errlen)
{
    if (!port || !out) {
        snprintf(err, errlen, "no port, or no place for the source");
        return DFOTA_E_ARG;
    }
    return open_serial(NULL, port, clock, pump, ctx, out, err, errlen);
}

dfota_err dfota_source_parse_serial(const char *spec, char *port, size_t cap,
                                    dfota_port_opts *opts, double *time_scale, char *err,
                                    size_t errlen)
{
    dfota_port_opts po = {0, DFOTA_FLOW_NONE, -1};
    double scale = 1.0;
    if (!spec || !port || cap == 0 || !opts || !time_scale) {
        snprintf(err, errlen, "serial source: nothing to parse, or no place for the result");
        return DFOTA_E_ARG;
    }
    dfota_err rc = parse_spec(spec, port, cap, &po, &scale, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    *opts = po;
    *time_scale = scale;
    return DFOTA_OK;
}
