/* SPDX-License-Identifier: MIT */
/* source_emulator.c - the emulator as a source, through a real terminal.
 *
 * The emulator runs in this process; the host side is the serial source
 * itself (source_serial.c) opened on the emulator's link, the way it opens
 * /dev/ttyUSB2: the port layer's termios backend, its framing, its clock,
 * its loss and reopen logic across the USB reboot. So every run against the
 * emulator exercises the code that talks to a real module. The only
 * difference is the pump: while the serial source waits, the emulator runs
 * (dfota_emulator_step), since nothing else in this thread would move it.
 *
 * Time is virtual unless a time scale is asked for: the pump moves the
 * clock, and only when both sides wait. The host waits (the pump is only
 * called from the serial source's waits); the emulator waits when nothing
 * of its own is due, no download runs and it has no output queued; and no
 * byte is on the wire between them (the clock counts what each side wrote
 * and the other has not read yet: the kernel's terminal hands bytes over a
 * little later, and time must not move under them). Then the clock jumps
 * to the emulator's next planned action or to the host's deadline,
 * whichever is first. So every event's time is the plan's, however long the
 * machine took to get there. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/source.h"

/* Wall time bytes may stay on the wire, nothing else moving, before they
 * are taken for lost: a terminal that changed or dropped bytes would
 * otherwise stop virtual time for good. */
#define WIRE_STALL_NS (10 * DFOTA_NS_PER_S)
/* The longest a virtual pump waits in wall time for something to move. */
#define VIRTUAL_WAIT_MS 5

typedef struct {
    dfota_emulator *em;
    dfota_source *serial;        /* the host side, on the emulator's link */
    dfota_clock *clock;          /* owned */
    int uart;                    /* the module is on a UART: no USB re-enumeration */
    int64_t wire_seen[2];        /* the wire when it was last seen to change */
    int64_t wire_since;          /* wall time of that change */
} emu_source;

/* Bytes on the wire that nobody has taken for WIRE_STALL_NS: an error. */
static dfota_err wire_check(emu_source *e, char *err, size_t errlen)
{
    int64_t m = dfota_clock_on_wire(e->clock, DFOTA_WIRE_TO_MODULE);
    int64_t h = dfota_clock_on_wire(e->clock, DFOTA_WIRE_TO_HOST);
    int64_t now = dfota_wall_ns();
    if (m != e->wire_seen[0] || h != e->wire_seen[1] || (m == 0 && h == 0)) {
        e->wire_seen[0] = m;
        e->wire_seen[1] = h;
        e->wire_since = now;
        return DFOTA_OK;
    }
    if (now - e->wire_since < WIRE_STALL_NS)
        return DFOTA_OK;
    snprintf(err, errlen,
             "the emulator's terminal lost bytes (%lld toward the module, %lld toward the host, "
             "unread for %.0f s): virtual time cannot go on",
             (long long)m, (long long)h, dfota_seconds(WIRE_STALL_NS));
    return DFOTA_E_IO;
}

/* On a real or scaled clock: the emulator runs for at most max_ms, less
 * when its next planned action is due sooner, and returns early when it
 * did something. On a virtual clock, see the top of the file. */
static dfota_err emu_pump(void *ctx, const dfota_pump_wait *w, char *err, size_t errlen)
{
    emu_source *e = ctx;
    if (!dfota_clock_is_virtual(e->clock))
        return dfota_emulator_step(e->em, dfota_emulator_wait_ms(e->em, w->max_ms), err, errlen);
    int wait = w->max_ms < VIRTUAL_WAIT_MS ? w->max_ms : VIRTUAL_WAIT_MS;
    dfota_err rc = dfota_emulator_step(e->em, 0, err, errlen); /* what is due, what was sent */
    if (rc == DFOTA_OK)
        rc = wire_check(e, err, errlen);
    if (rc != DFOTA_OK || dfota_clock_on_wire(e->clock, DFOTA_WIRE_TO_HOST) > 0)
        return rc; /* the host's read waits for those */
    if (dfota_clock_on_wire(e->clock, DFOTA_WIRE_TO_MODULE) > 0 || !dfota_emulator_quiet(e->em))
        return dfota_emulator_step(e->em, wait, err, errlen);
    if (!w->host_open && dfota_emulator_port_up(e->em)) {
        /* the port is back and the host is about to reopen it */
        struct timespec d = {0, 1000000L};
        nanosleep(&d, NULL);
        return DFOTA_OK;
    }
    int64_t to = dfota_emulator_next_due(e->em);
    if (w->deadline_ns != DFOTA_T_NONE && (to == DFOTA_T_NONE || w->deadline_ns < to))
        to = w->deadline_ns;
    if (to == DFOTA_T_NONE) /* nothing will happen by itself: only the host can move things */
        return dfota_emulator_step(e->em, wait, err, errlen);
    dfota_clock_advance(e->clock, to);
    return dfota_emulator_step(e->em, 0, err, errlen);
}

static int emu_next(dfota_source *s, int64_t deadline_ns, dfota_event *ev, char *err, size_t errlen)
{
    emu_source *e = s->impl;
    return e->serial->ops->next(e->serial, deadline_ns, ev, err, errlen);
}

static dfota_err emu_send(dfota_source *s, const char *line, size_t len, char *err, size_t errlen)
{
    emu_source *e = s->impl;
    return e->serial->ops->send(e->serial, line, len, err, errlen);
}

static int64_t emu_now(dfota_source *s)
{
    emu_source *e = s->impl;
    return e->serial->ops->now(e->serial);
}

static const char *emu_meta(dfota_source *s, const char *key)
{
    emu_source *e = s->impl;
    if (strcmp(key, "port") == 0)
        return e->uart ? "uart:emulator" : "usb:emulator";
    if (strcmp(key, "module") == 0)
        return dfota_emulator_firmware(e->em);
    return NULL;
}

static void emu_close(dfota_source *s)
{
    emu_source *e = s->impl;
    if (e) {
        dfota_source_close(e->serial); /* the host first, as a host would */
        dfota_emulator_free(e->em);
        dfota_clock_free(e->clock);
        free(e);
    }
    free(s);
}

static const dfota_source_ops emu_ops = {
    .kind = "emulator",
    .live = 1,
    .next = emu_next,
    .send = emu_send,
    .now = emu_now,
    .meta = emu_meta,
    .close = emu_close,
};

dfota_err dfota_source_open_emulator(const dfota_emulator_opts *o, dfota_source **out, char *err,
                                     size_t errlen)
{
    *out = NULL;
    dfota_source *s = calloc(1, sizeof *s);
    emu_source *e = calloc(1, sizeof *e);
    dfota_err rc = DFOTA_E_NOMEM;
    if (!s || !e) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!o || !o->link) {
        snprintf(err, errlen, "the emulator source needs a link path");
        rc = DFOTA_E_ARG;
        goto fail;
    }
    e->uart = o->uart;
    if (o->clock) {
        snprintf(err, errlen, "the emulator source keeps its own clock");
        rc = DFOTA_E_ARG;
        goto fail;
    }
    rc = dfota_clock_new(o->time_scale > 0 ? DFOTA_CLOCK_SCALED : DFOTA_CLOCK_VIRTUAL,
                         o->time_scale, &e->clock, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    dfota_emulator_opts eo = *o;
    eo.clock = e->clock;
    rc = dfota_emulator_new(&eo, &e->em, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    rc = dfota_source_open_port(o->link, e->clock, emu_pump, e, &e->serial, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    s->ops = &emu_ops;
    s->impl = e;
    *out = s;
    return DFOTA_OK;
fail:
    if (e) {
        dfota_source_close(e->serial);
        dfota_emulator_free(e->em);
        dfota_clock_free(e->clock);
    }
    free(e);
    free(s);
    return rc;
}
