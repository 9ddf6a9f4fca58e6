/* source_emulator.c - the emulator as a source, through a real terminal.
 *
 * The emulator runs in this process; the host side is the serial source
 * itself (source_serial.c) opened on the emulator's link, the way it opens
 * /dev/ttyUSB2: the port layer's termios backend, its framing, its clock,
 * its loss and reopen logic across the USB reboot. So every run against the
 * emulator exercises the code that talks to a real module. The only
 * difference is the pump: while the serial source waits, the emulator runs
 * (dfota_emulator_step), since nothing else in this thread would move it. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/emulator.h"
#include "dfota/source.h"

typedef struct {
    dfota_emulator *em;
    dfota_source *serial;        /* the host side, on the emulator's link */
    int uart;                    /* the module is on a UART: no USB re-enumeration */
} emu_source;

/* The emulator runs for at most max_ms, less when its next planned action
 * is due sooner, and returns early when it did something. */
static dfota_err emu_pump(void *ctx, int max_ms, char *err, size_t errlen)
{
    emu_source *e = ctx;
    return dfota_emulator_step(e->em, dfota_emulator_wait_ms(e->em, max_ms), err, errlen);
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
    rc = dfota_emulator_new(o, &e->em, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    rc = dfota_source_open_port(o->link, o->time_scale > 0 ? o->time_scale : 1.0, emu_pump, e,
                                &e->serial, err, errlen);
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
    }
    free(e);
    free(s);
    return rc;
}
