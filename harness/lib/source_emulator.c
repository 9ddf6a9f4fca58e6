/* source_emulator.c - the emulator as a source, through a real terminal.
 *
 * The emulator runs in this process (dfota_emulator_step); the host side
 * opens the emulator's link as it would open /dev/ttyUSB2: POSIX termios in
 * raw mode. Everything above this file (framing, timestamps, the reboot
 * logic in the runner) is the same as for a module, so the emulator
 * exercises it. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dfota/atline.h"
#include "dfota/emulator.h"
#include "dfota/source.h"

/* One wait for both sides: the host's side of the terminal is watched
 * until the emulator's next planned action is due, so neither the module's
 * output nor its timers wait on the other (a fixed wait would be
 * multiplied by the time scale into seconds of module lateness). */
#define WAIT_CAP_MS 20

enum { PORT_NONE = 0, PORT_LOST, PORT_BACK };
static const char *const port_event_text[] = {"", "port-lost", "port-back"};

typedef struct {
    dfota_emulator *em;
    char link[1024];
    int fd;                      /* the host side; -1 while the port is away */
    dfota_framer *framer;
    double scale;
    int uart;                    /* the module is on a UART: no USB re-enumeration */
    struct timespec t0;
    int64_t now;                 /* module time of the last event */
    int port_event;              /* a port event to return first: PORT_NONE, PORT_LOST, PORT_BACK */
    char sent[DFOTA_AT_LINE_MAX + 1]; /* a host line to return as a '>' event */
    size_t sent_len;
    int has_sent;
    uint8_t buf[4096];
} emu_source;

static int64_t module_now(emu_source *e)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double wall = (double)(t.tv_sec - e->t0.tv_sec) * 1e9 + (double)(t.tv_nsec - e->t0.tv_nsec);
    return (int64_t)(wall / e->scale);
}

/* Opens the link as a host opens a serial port: raw, no controlling tty. */
static int open_port(emu_source *e)
{
    int fd = open(e->link, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios tio;
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    return fd;
}

static void make_event(emu_source *e, dfota_event *ev, dfota_dir dir, const char *data, size_t len,
                       unsigned flags)
{
    memset(ev, 0, sizeof *ev);
    ev->t_ns = e->now = module_now(e);
    ev->dir = dir;
    ev->data = data;
    ev->len = ev->full_len = len;
    ev->flags = flags;
}

/* What is ready without waiting: a port event, the sent line, a framed line. */
static int ready_event(emu_source *e, dfota_event *ev)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (e->port_event != PORT_NONE) {
        const char *t = port_event_text[e->port_event];
        e->port_event = PORT_NONE;
        make_event(e, ev, DFOTA_DIR_HARNESS, t, strlen(t), 0);
        return 1;
    }
    if (e->has_sent) {
        e->has_sent = 0;
        make_event(e, ev, DFOTA_DIR_HOST, e->sent, e->sent_len, 0);
        return 1;
    }
    if (dfota_framer_next(e->framer, &line, &len, &full, &flags)) {
        make_event(e, ev, DFOTA_DIR_MODULE, line, len, flags);
        ev->full_len = full;
        return 1;
    }
    return 0;
}

/* Reads what the module wrote; a hang-up is the port going away. */
static void read_port(emu_source *e)
{
    if (e->fd < 0) {
        e->fd = open_port(e);
        if (e->fd >= 0)
            e->port_event = PORT_BACK;
        return;
    }
    struct pollfd p = {e->fd, POLLIN, 0};
    if (poll(&p, 1, dfota_emulator_wait_ms(e->em, WAIT_CAP_MS)) <= 0)
        return;
    ssize_t n = read(e->fd, e->buf, sizeof e->buf);
    if (n > 0) {
        dfota_framer_push(e->framer, e->buf, (size_t)n);
        return;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(e->fd);
        e->fd = -1;
        e->port_event = PORT_LOST;
    }
}

static int emu_next(dfota_source *s, int64_t deadline_ns, dfota_event *ev, char *err, size_t errlen)
{
    emu_source *e = s->impl;
    for (;;) {
        if (ready_event(e, ev))
            return 1;
        if (deadline_ns != DFOTA_T_NONE && module_now(e) >= deadline_ns) {
            e->now = deadline_ns;
            return DFOTA_E_TIMEOUT;
        }
        dfota_err rc = dfota_emulator_step(e->em, 0, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        read_port(e);
    }
}

static dfota_err emu_send(dfota_source *s, const char *line, size_t len, char *err, size_t errlen)
{
    emu_source *e = s->impl;
    if (len > DFOTA_AT_LINE_MAX) {
        snprintf(err, errlen, "a line of %zu bytes is longer than %d", len, DFOTA_AT_LINE_MAX);
        return DFOTA_E_TOO_BIG;
    }
    for (int tries = 0; e->fd < 0 && tries < 5000; tries++) {
        /* the port is away (a reboot): a host waits for it to come back */
        dfota_err rc = dfota_emulator_step(e->em, 1, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        read_port(e);
    }
    if (e->fd < 0) {
        snprintf(err, errlen, "%s: the port is not there to send on", e->link);
        return DFOTA_E_IO;
    }
    char out[DFOTA_AT_LINE_MAX + 2];
    memcpy(out, line, len);
    out[len] = '\r';
    size_t off = 0;
    while (off < len + 1) {
        ssize_t n = write(e->fd, out + off, len + 1 - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            dfota_err rc = dfota_emulator_step(e->em, 1, err, errlen);
            if (rc != DFOTA_OK)
                return rc;
            continue;
        }
        snprintf(err, errlen, "%s: write failed: %s", e->link, strerror(errno));
        return DFOTA_E_IO;
    }
    memcpy(e->sent, line, len);
    e->sent[len] = '\0';
    e->sent_len = len;
    e->has_sent = 1;
    return DFOTA_OK;
}

static int64_t emu_now(dfota_source *s)
{
    return module_now(s->impl);
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
        if (e->fd >= 0)
            close(e->fd);
        dfota_framer_free(e->framer);
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
    if (!s || !e || !(e->framer = dfota_framer_new()))
        goto fail;
    if (!o || !o->link) {
        snprintf(err, errlen, "the emulator source needs a link path");
        rc = DFOTA_E_ARG;
        goto fail;
    }
    snprintf(e->link, sizeof e->link, "%s", o->link);
    e->scale = o->time_scale > 0 ? o->time_scale : 1.0;
    e->uart = o->uart;
    e->fd = -1;
    clock_gettime(CLOCK_MONOTONIC, &e->t0);
    rc = dfota_emulator_new(o, &e->em, err, errlen);
    if (rc != DFOTA_OK)
        goto fail;
    e->fd = open_port(e);
    if (e->fd < 0) {
        snprintf(err, errlen, "%s: cannot open the emulator's terminal: %s", e->link, strerror(errno));
        rc = DFOTA_E_IO;
        goto fail;
    }
    s->ops = &emu_ops;
    s->impl = e;
    *out = s;
    return DFOTA_OK;
fail:
    if (rc == DFOTA_E_NOMEM)
        snprintf(err, errlen, "out of memory");
    if (e) {
        dfota_framer_free(e->framer);
        dfota_emulator_free(e->em);
    }
    free(e);
    free(s);
    return rc;
}
