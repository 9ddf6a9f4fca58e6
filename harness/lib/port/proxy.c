/* SPDX-License-Identifier: MIT */
/* proxy.c - a pseudo-terminal in front of a real module (dfota/port.h).
 *
 * The host's side is the pseudo-terminal behind a stable link that the
 * emulator shows its host too (pty.h), "no host" seen as a hang-up on
 * its master. The module's side is a
 * dfota_port, which knows how a port goes away and comes back. */
#define _GNU_SOURCE /* ptsname_r */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dfota/at.h"
#include "dfota/base.h"
#include "dfota/port.h"

/* No host on the terminal: look again this often (wall), as the emulator. */
#define HUP_RECHECK_MS 10
/* While the module is away, look for its port this often (wall). */
#define LOOK_MS 20
/* A port-lost waits at most this long (wall) for the host to read what the
 * module said last, before the host's terminal goes too. */
#define DRAIN_MAX_MS 250
/* What the host sent must reach the module within this wall time (RTS/CTS
 * may hold it); past it the bytes are dropped with a note. */
#define WRITE_TIMEOUT_MS 2000
/* The longest wait for either side (wall), at real time; a wait on a
 * scaled clock is as long in module time (at least 1 ms of wall time). A
 * wait's length bounds what the proxy can tell of its own lateness. */
#define WAIT_CAP_MS 50
/* Reads per side per step, so that one chatty side cannot starve the other. */
#define READS_PER_STEP 16
#define READ_CHUNK 4096
#define TTY_MAX 128
#define NOTE_MAX 200

struct dfota_proxy {
    dfota_port *port;
    char link[DFOTA_PROXY_PATH_MAX + 1];
    char tty[TTY_MAX];          /* the slave's path, "" while the module is away */
    int master;                 /* -1 while the module is away */
    int host_attached;          /* as last reported with host-open / host-close */
    /* The proxy's own lateness (wall ns): since when what it reads may have
     * been waiting, so that a window missed by less is the harness's. Each
     * line's lateness is taken when it is reported, so that a delay between
     * the read and the report counts too. */
    int64_t empty_wall;         /* the module's port last seen with nothing in it */
    int64_t since;              /* the module's bytes being framed came after this */
    int64_t hup_wall;           /* the terminal last seen with no host (or made) */
    int64_t host_empty_wall;    /* the host's side last read with nothing in it */
    int64_t host_since;         /* the host's bytes being framed came after this */
    dfota_clock *clock;         /* module time: real, or scaled for a scaled module */
    int64_t give_up_ns;
    int64_t lost_at;            /* module time of the last port-lost */
    char away_err[DFOTA_ERRBUF]; /* why the last reopen failed, for the give-up message */
    dfota_framer *from_host, *from_module;
    void (*on_event)(void *ctx, const dfota_event *ev);
    void *event_ctx;
    size_t dropped;             /* bytes for the host dropped since the last note */
    size_t q_len;
    uint8_t q[DFOTA_PROXY_QUEUE_MAX]; /* module bytes the host has not taken yet */
};

int64_t dfota_proxy_now(const dfota_proxy *p)
{
    return dfota_clock_now(p->clock);
}

static void sleep_ms(int ms)
{
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

/* ---- events ---------------------------------------------------------------------- */

/* An event at the module time now; late_ns: how long before it the proxy
 * may have been able to see it (module time). */
static void emit(dfota_proxy *p, dfota_dir dir, const char *data, size_t len, size_t full,
                 unsigned flags, int64_t late_ns)
{
    if (!p->on_event)
        return;
    dfota_event ev = dfota_event_line(dfota_proxy_now(p), dir, data, len, full, flags);
    ev.late_ns = late_ns;
    p->on_event(p->event_ctx, &ev);
}

static void emit_note(dfota_proxy *p, const char *what)
{
    emit(p, DFOTA_DIR_HARNESS, what, strlen(what), strlen(what), 0, 0);
}


/* A harness event that may have happened any time since wall time since. */
static void emit_note_since(dfota_proxy *p, const char *what, int64_t since)
{
    emit(p, DFOTA_DIR_HARNESS, what, strlen(what), strlen(what), 0, dfota_clock_late_since(p->clock, since));
}

/* Frames bytes one side sent into lines, each an event. */
static void frame(dfota_proxy *p, dfota_framer *fr, dfota_dir dir, const uint8_t *b, size_t n)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    dfota_framer_push(fr, b, n);
    while (dfota_framer_next(fr, &line, &len, &full, &flags))
        if (len > 0 || (flags & DFOTA_EV_OVERLONG))
            emit(p, dir, line, len, full, flags,
                 dfota_clock_late_since(p->clock, dir == DFOTA_DIR_MODULE ? p->since : p->host_since));
}

/* A line a side left unterminated when its port went (a URC cut by a reboot). */
static void frame_flush(dfota_proxy *p, dfota_framer *fr, dfota_dir dir)
{
    const char *line;
    size_t len, full;
    unsigned flags;
    if (dfota_framer_flush(fr, &line, &len, &full, &flags) && len > 0)
        emit(p, dir, line, len, full, flags,
             dfota_clock_late_since(p->clock, dir == DFOTA_DIR_MODULE ? p->since : p->host_since));
}

/* Says once how much a host that did not read has lost. */
static void note_dropped(dfota_proxy *p)
{
    char note[NOTE_MAX];
    if (p->dropped == 0)
        return;
    snprintf(note, sizeof note, "note the host did not read: %zu bytes from the module dropped",
             p->dropped);
    p->dropped = 0;
    emit_note(p, note);
}

/* ---- the host's terminal and its link ------------------------------------------------ */

/* A new terminal for the host, behind the link. */
static dfota_err host_open(dfota_proxy *p, char *err, size_t errlen)
{
    int m = dfota_pty_open(p->tty, sizeof p->tty, err, errlen);
    if (m < 0)
        return DFOTA_E_IO;
    dfota_err rc = dfota_pty_link_point(p->link, p->tty, err, errlen);
    if (rc != DFOTA_OK) {
        close(m);
        p->tty[0] = '\0';
        return rc;
    }
    p->master = m;
    p->host_attached = 0;
    p->hup_wall = dfota_wall_ns(); /* no host could open it before it was there */
    p->host_empty_wall = p->hup_wall; /* nor write to it */
    return DFOTA_OK;
}

/* No host has the terminal open; when none has, the time is kept: a host
 * seen later may have opened it any time since. */
static int master_hup(dfota_proxy *p)
{
    int hup = dfota_pty_no_host(p->master);
    if (hup)
        p->hup_wall = dfota_wall_ns();
    return hup;
}

/* host-open / host-close as the terminal shows them. */
static void host_seen(dfota_proxy *p, int attached)
{
    if (attached == p->host_attached)
        return;
    if (!attached) {
        p->q_len = 0; /* for a host that is gone; the next one starts afresh */
        note_dropped(p);
    }
    p->host_attached = attached;
    if (attached) /* seen some time after it opened: since the terminal was last seen without it */
        emit_note_since(p, dfota_harness_event_name(DFOTA_HEV_HOST_OPEN), p->hup_wall);
    else
        emit_note(p, dfota_harness_event_name(DFOTA_HEV_HOST_CLOSE));
}

/* True when the host has bytes it has not read yet. */
static int host_unread(const dfota_proxy *p)
{
    return p->q_len > 0 || dfota_pty_unread(p->tty);
}

/* Hands the host what the module said, as far as the terminal takes it. */
static void host_flush(dfota_proxy *p)
{
    while (p->master >= 0 && p->q_len > 0) {
        ssize_t w = write(p->master, p->q, p->q_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w < 0 && errno != EAGAIN)
                p->q_len = 0; /* EIO: no host any more */
            return;
        }
        memmove(p->q, p->q + w, p->q_len - (size_t)w);
        p->q_len -= (size_t)w;
    }
    if (p->q_len == 0)
        note_dropped(p);
}

/* The host's terminal goes with the module's port: the host is told by
 * a hang-up, as by the module, once it has read what came before it (a
 * little while at most). */
static void host_close(dfota_proxy *p)
{
    if (p->master < 0)
        return;
    int64_t until = dfota_wall_ns() + DRAIN_MAX_MS * DFOTA_NS_PER_MS;
    host_flush(p);
    while (p->host_attached && host_unread(p) && dfota_wall_ns() < until) {
        sleep_ms(2);
        host_flush(p);
    }
    dfota_pty_link_remove(p->link);
    close(p->master);
    p->master = -1;
    p->tty[0] = '\0';
    p->q_len = 0;
    p->host_attached = 0; /* the host's descriptor died with the port: no host-close */
}

/* ---- the two directions ------------------------------------------------------------ */

/* The module's port went away: what each side left unsaid, the host's
 * terminal closed, then port-lost. */
static void module_lost(dfota_proxy *p)
{
    frame_flush(p, p->from_module, DFOTA_DIR_MODULE);
    frame_flush(p, p->from_host, DFOTA_DIR_HOST);
    host_close(p);
    note_dropped(p);
    p->lost_at = dfota_proxy_now(p);
    p->away_err[0] = '\0';
    /* it may have gone any time since a read last found it there */
    emit_note_since(p, dfota_harness_event_name(DFOTA_HEV_PORT_LOST), dfota_port_away_ns(p->port));
}

/* What the module said, read and reported (before the host's next bytes:
 * see host_to_module), and given to the host if one has the terminal open.
 * host_wrote: the host has just written, so it has the terminal open.
 * Returns 1 when the module's port went away, for the caller to report
 * (module_lost) once it has reported what it holds. */
static int module_to_host(dfota_proxy *p, int host_wrote);

/* What the host wrote goes to the module, then its lines are reported. */
static void host_to_module(dfota_proxy *p)
{
    uint8_t buf[READ_CHUNK];
    char err[DFOTA_ERRBUF], note[NOTE_MAX];
    for (int i = 0; i < READS_PER_STEP && p->master >= 0; i++) {
        int64_t looked = dfota_wall_ns(); /* before the look: what comes after it is newer */
        ssize_t r = read(p->master, buf, sizeof buf);
        if (r <= 0) { /* EAGAIN, or EIO: no host has the terminal open */
            p->host_empty_wall = looked;
            return;
        }
        /* sent some time since the host's side was last seen empty: a host
         * that waited for an answer may have waited that much longer */
        p->host_since = p->host_empty_wall;
        if ((size_t)r < sizeof buf)
            p->host_empty_wall = looked;
        host_seen(p, 1); /* it wrote: it has the port open, whatever poll said */
        /* What the module said before these bytes came is reported first:
         * an answer that came before the host's next command must not look
         * as if it came after it (a host that gave up waiting, read late). */
        if (module_to_host(p, 1)) {
            /* the host sent them as the port went: they are the host's,
             * said before the loss, and never reached the module */
            frame(p, p->from_host, DFOTA_DIR_HOST, buf, (size_t)r);
            module_lost(p);
            return;
        }
        dfota_err rc = dfota_port_write(p->port, buf, (size_t)r, WRITE_TIMEOUT_MS, err, sizeof err);
        /* Its lines are stamped once they have reached the module: a window
         * to the answer counts from there, never from before a delay of the
         * proxy's own in passing them on. */
        frame(p, p->from_host, DFOTA_DIR_HOST, buf, (size_t)r);
        if (rc == DFOTA_OK)
            continue;
        if (!dfota_port_is_open(p->port)) {
            module_lost(p);
            return;
        }
        snprintf(note, sizeof note, "note the module's port did not take %zd bytes from the host: %.120s",
                 r, err);
        emit_note(p, note);
    }
}

/* What the module said goes to the host, if one has the terminal open: a
 * module drops what no one is there to read, as a USB port does. */
static void queue_for_host(dfota_proxy *p, const uint8_t *b, size_t n)
{
    if (!p->host_attached)
        return;
    size_t room = sizeof p->q - p->q_len, take = n < room ? n : room;
    memcpy(p->q + p->q_len, b, take);
    p->q_len += take;
    p->dropped += n - take;
}

static int module_to_host(dfota_proxy *p, int host_wrote)
{
    uint8_t buf[READ_CHUNK];
    char err[DFOTA_ERRBUF];
    for (int i = 0; i < READS_PER_STEP; i++) {
        int64_t looked = dfota_wall_ns(); /* before the look: what comes after it is newer */
        int n = dfota_port_read(p->port, buf, sizeof buf, 0, err, sizeof err);
        if (n == 0) {
            p->empty_wall = looked;
            return 0;
        }
        if (n < 0) /* the port closes itself on every error: it went away */
            return 1;
        /* the bytes came some time since the port was last seen empty; a
         * read that did not fill the buffer left it empty (a steady stream
         * is not late by its whole length) */
        p->since = p->empty_wall;
        if ((size_t)n < sizeof buf)
            p->empty_wall = looked;
        /* Whether a host had the terminal open when they came is not known
         * when the proxy was late: an open it sees now is reported before
         * them, a close after them, so that the host is not charged for
         * what the proxy saw late. */
        int attached = host_wrote || !master_hup(p);
        if (attached)
            host_seen(p, 1);
        frame(p, p->from_module, DFOTA_DIR_MODULE, buf, (size_t)n);
        if (!attached)
            host_seen(p, 0);
        queue_for_host(p, buf, (size_t)n);
        host_flush(p);
    }
    return 0;
}

/* ---- stepping -------------------------------------------------------------------- */

/* The module is away: one look for its port, else a short sleep. */
static dfota_err step_away(dfota_proxy *p, int timeout_ms, char *err, size_t errlen)
{
    char why[DFOTA_ERRBUF] = "";
    int r = dfota_port_reopen(p->port, why, sizeof why);
    if (r == 1) {
        dfota_err rc = host_open(p, err, errlen);
        /* what it said may have waited since it came back (a port that
         * keeps what it says until it is opened) */
        p->empty_wall = dfota_port_away_ns(p->port);
        /* found at a look (LOOK_MS apart) or after the settle time: it may
         * have been back since the last look that found it away */
        if (rc == DFOTA_OK)
            emit_note_since(p, dfota_harness_event_name(DFOTA_HEV_PORT_BACK),
                            dfota_port_away_ns(p->port));
        return rc;
    }
    if (r < 0) /* there but not openable (yet): udev, permissions; keep trying */
        snprintf(p->away_err, sizeof p->away_err, "%s", why);
    int64_t away = dfota_proxy_now(p) - p->lost_at;
    if (away > p->give_up_ns) {
        snprintf(err, errlen,
                 "giving up: the module's port %.200s went away and did not come back within "
                 "%.0f s (module time)%s%.200s",
                 dfota_port_name(p->port), dfota_seconds(p->give_up_ns),
                 p->away_err[0] ? "; last: " : "", p->away_err);
        return DFOTA_E_TIMEOUT;
    }
    sleep_ms(timeout_ms < LOOK_MS ? timeout_ms : LOOK_MS);
    return DFOTA_OK;
}

dfota_err dfota_proxy_step(dfota_proxy *p, int timeout_ms, char *err, size_t errlen)
{
    if (!p || timeout_ms < 0) {
        snprintf(err, errlen, "no proxy, or a negative timeout");
        return DFOTA_E_ARG;
    }
    if (!dfota_port_is_open(p->port))
        return step_away(p, timeout_ms, err, errlen);
    /* A terminal no one has open reports POLLHUP at once: it is then left
     * out of the wait and looked at again every HUP_RECHECK_MS. */
    int hup = master_hup(p);
    struct pollfd pf[2] = {{dfota_port_fd(p->port), POLLIN, 0},
                           {p->master, (short)(POLLIN | (p->q_len ? POLLOUT : 0)), 0}};
    int ms = hup && timeout_ms > HUP_RECHECK_MS ? HUP_RECHECK_MS : timeout_ms;
    int cap = dfota_clock_wait_cap_ms(p->clock, WAIT_CAP_MS);
    if (ms > cap)
        ms = cap;
    if (poll(pf, hup ? 1 : 2, ms) < 0 && errno != EINTR) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        return DFOTA_E_IO;
    }
    host_to_module(p);
    if (dfota_port_is_open(p->port) && module_to_host(p, 0))
        module_lost(p);
    if (p->master >= 0) /* after what the module said: see module_to_host */
        host_seen(p, !master_hup(p));
    host_flush(p);
    return DFOTA_OK;
}

/* ---- the handle ---------------------------------------------------------------------- */

static dfota_err opts_check(const dfota_proxy_opts *o, char *err, size_t errlen)
{
    if (!o || !o->port || !o->link) {
        snprintf(err, errlen, "the proxy needs the module's port and a link path");
        return DFOTA_E_ARG;
    }
    size_t n = strlen(o->link);
    if (n == 0 || n > DFOTA_PROXY_PATH_MAX) {
        snprintf(err, errlen, "the link path must be 1 to %d bytes", DFOTA_PROXY_PATH_MAX);
        return DFOTA_E_ARG;
    }
    if (o->time_scale < 0 || o->time_scale > 1000 || o->give_up_ns < 0) {
        snprintf(err, errlen, "the time scale must be above 0 (at most 1000), the give-up time not negative");
        return DFOTA_E_ARG;
    }
    return dfota_pty_link_check(o->link, err, errlen);
}

dfota_err dfota_proxy_new(const dfota_proxy_opts *opts, dfota_proxy **out, char *err,
                          size_t errlen)
{
    dfota_proxy *p = NULL;
    dfota_err rc = DFOTA_E_ARG;
    if (!out)
        goto fail;
    *out = NULL;
    if ((rc = opts_check(opts, err, errlen)) != DFOTA_OK)
        goto fail;
    rc = DFOTA_E_NOMEM;
    if (!(p = calloc(1, sizeof *p)) || !(p->from_host = dfota_framer_new()) ||
        !(p->from_module = dfota_framer_new())) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    p->master = -1;
    memcpy(p->link, opts->link, strlen(opts->link) + 1);
    p->give_up_ns = opts->give_up_ns > 0 ? opts->give_up_ns : DFOTA_PROXY_GIVE_UP_NS;
    p->on_event = opts->on_event;
    p->event_ctx = opts->event_ctx;
    double scale = opts->time_scale > 0 ? opts->time_scale : 1.0;
    if ((rc = dfota_clock_new_wall(scale, &p->clock, err, errlen)) != DFOTA_OK ||
        (rc = dfota_port_open(opts->port, opts->port_opts, &p->port, err, errlen)) != DFOTA_OK ||
        (rc = host_open(p, err, errlen)) != DFOTA_OK)
        goto fail;
    p->empty_wall = dfota_wall_ns(); /* nothing read can be older than the open */
    *out = p;
    return DFOTA_OK;
fail:
    if (rc == DFOTA_E_ARG && !out)
        snprintf(err, errlen, "no place for the proxy");
    if (p)
        p->on_event = NULL; /* nothing happened yet to report */
    dfota_proxy_free(p);
    return rc;
}

void dfota_proxy_free(dfota_proxy *p)
{
    if (!p)
        return;
    if (p->from_module)
        frame_flush(p, p->from_module, DFOTA_DIR_MODULE);
    if (p->from_host)
        frame_flush(p, p->from_host, DFOTA_DIR_HOST);
    if (p->master >= 0) {
        dfota_pty_link_remove(p->link);
        close(p->master);
    }
    dfota_port_free(p->port);
    dfota_framer_free(p->from_host);
    dfota_framer_free(p->from_module);
    dfota_clock_free(p->clock);
    free(p);
}

const char *dfota_proxy_tty(const dfota_proxy *p)
{
    return p->tty;
}

const char *dfota_proxy_port(const dfota_proxy *p)
{
    return dfota_port_name(p->port);
}

const char *dfota_proxy_device(const dfota_proxy *p)
{
    return dfota_port_device(p->port);
}

int dfota_proxy_module_present(const dfota_proxy *p)
{
    return dfota_port_is_open(p->port);
}
