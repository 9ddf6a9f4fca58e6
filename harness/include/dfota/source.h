/* SPDX-License-Identifier: MIT */
/* dfota/source.h - where events come from. The runner does not know which
 * source it talks to: a recorded transcript (replay), the emulator behind a
 * pseudo-terminal, or a module on a serial port all implement these ops.
 * Callers never #ifdef; each backend is its own file (source_*.c). */
#ifndef DFOTA_SOURCE_H
#define DFOTA_SOURCE_H

#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/at.h"
#include "dfota/port.h"

#include <stddef.h>
#include <stdint.h>

typedef struct dfota_source dfota_source;

typedef struct {
    const char *kind;        /* "transcript", "emulator", "serial" */
    /* Is the source live (a send reaches a module) or a recording (a send
     * is matched against what the recorded host sent)? */
    int live;
    /* The next event, waiting at most until deadline_ns on the source's
     * clock (DFOTA_T_NONE: no deadline). Returns 1 and fills *ev (valid
     * until the next call), 0 at the end of the stream, DFOTA_E_TIMEOUT
     * when the deadline passed first, or another negative dfota_err with
     * a message in err. */
    int (*next)(dfota_source *s, int64_t deadline_ns, dfota_event *ev, char *err, size_t errlen);
    /* The host sends one line (without CR). A live source writes it and
     * reports it as a '>' event from next(); a recording returns DFOTA_OK
     * and the runner looks for the recorded '>' event. */
    dfota_err (*send)(dfota_source *s, const char *line, size_t len, char *err, size_t errlen);
    /* The source's clock now, in ns since it opened; for a recording, the
     * time of the last event read. */
    int64_t (*now)(dfota_source *s);
    /* A header value ("port", "module") or NULL. */
    const char *(*meta)(dfota_source *s, const char *key);
    void (*close)(dfota_source *s);
} dfota_source_ops;

struct dfota_source {
    const dfota_source_ops *ops;
    void *impl;
};

/* Opens "transcript:FILE" (any format dfota check reads). Returns DFOTA_OK
 * with *out (close with dfota_source_close), or an error with a message. */
DFOTA_WUR dfota_err dfota_source_open_transcript(const char *path, dfota_source **out, char *err,
                                                 size_t errlen);

/* Opens the built-in emulator as a source: it runs in this process, and
 * the source talks to it as a host talks to hardware, through its
 * pseudo-terminal opened at the emulator's link with POSIX termios
 * (libserialport refuses pseudo-terminals). A hang-up is '! port-lost',
 * the reopened link '! port-back'. Times are module time. With
 * opts->time_scale 0 (and no opts->clock) it is virtual: it moves only
 * when the harness and the emulator both wait, to the next thing planned,
 * so the events and their times do not depend on the machine's speed or
 * load. A time_scale above 0 runs it on a scaled wall clock instead. */
DFOTA_WUR dfota_err dfota_source_open_emulator(const dfota_emulator_opts *opts, dfota_source **out,
                                               char *err, size_t errlen);

/* Opens a module on a serial port: spec is what follows "serial:",
 * PORT[,baud=N][,flow=none|rtscts][,settle=DURATION][,time-scale=X], PORT
 * a device path (a pseudo-terminal too) or a USB identity
 * usb:VID:PID[:if=N][:serial=S] (dfota/port.h). Sends are '>' events,
 * the module's lines '<' events; a port that goes away is '! port-lost',
 * and the same path or identity reopened after it came back '! port-back'
 * (next() waits for it no longer than its deadline). time-scale is a
 * testing aid for 'dfota emulate --time-scale X': module time is wall
 * time / X (default 1). meta("port") is PORT. Returns DFOTA_OK with *out
 * (close with dfota_source_close), DFOTA_E_ARG for a bad option,
 * DFOTA_E_IO when the port cannot be found or opened, with a message. */
DFOTA_WUR dfota_err dfota_source_open_serial(const char *spec, dfota_source **out, char *err,
                                             size_t errlen);

/* What the host side is waiting for, told to a pump. */
typedef struct {
    int64_t deadline_ns; /* module time the host waits until, or DFOTA_T_NONE */
    int max_ms;          /* wall time the pump may take at most */
    int host_open;       /* the host has its side of the port open */
} dfota_pump_wait;

/* A module that runs in the caller's own thread (the emulator) cannot
 * answer while the source waits: the source calls pump instead of waiting,
 * for it to run at most w->max_ms of wall time (on a virtual clock, it is
 * the pump that moves time, never past w->deadline_ns). DFOTA_OK, or an
 * error with a sentence in err, which ends the source's next() or send()
 * with it. */
typedef dfota_err (*dfota_source_pump)(void *ctx, const dfota_pump_wait *w, char *err,
                                       size_t errlen);

/* The serial source on a port given as such (a path, not a spec, so any
 * byte may be in it), at the default line settings, on clock (borrowed; it
 * must outlive the source; NULL: real time), with pump (may be NULL) run
 * while it waits. The source counts the bytes it writes and reads on the
 * clock's wire. Everything else is dfota_source_open_serial's. */
DFOTA_WUR dfota_err dfota_source_open_port(const char *port, dfota_clock *clock,
                                           dfota_source_pump pump, void *ctx,
                                           dfota_source **out, char *err, size_t errlen);

/* Parses a serial spec (what follows "serial:", as above) without opening
 * anything: PORT into port (cap bytes), the line settings into *opts (which
 * it sets in full) and time-scale into *time_scale (1 when not given).
 * DFOTA_E_ARG for a bad option or no PORT, DFOTA_E_TOO_BIG for a spec or
 * PORT too long, each with a sentence in err. For a tool that drives the
 * port itself (dfota proxy). */
DFOTA_WUR dfota_err dfota_source_parse_serial(const char *spec, char *port, size_t cap,
                                              dfota_port_opts *opts, double *time_scale,
                                              char *err, size_t errlen);

/* Opens a source from its spec "KIND:ARG". DFOTA_E_ARG for an unknown kind. */
DFOTA_WUR dfota_err dfota_source_open(const char *spec, dfota_source **out, char *err,
                                      size_t errlen);

void dfota_source_close(dfota_source *s);

/* ---- probes (lib/source/probe.c): a live source's module asked as a host
 * would, through the AT client (dfota/at.h). */

/* Asks a live source's module AT, again every few seconds, until any final
 * result (OK or ERROR) comes, for at most wait_ns of the source's time:
 * is there a module answering AT commands on this port? DFOTA_OK,
 * DFOTA_E_TIMEOUT when nothing answered, another error with err.
 * *late_ns (when late_ns is not NULL) is how far past its deadlines the
 * harness's own waits ended at most (source time), 0 when never: on a
 * busy machine a wait may end long after it should, and a module whose
 * answer came meanwhile is not silent. When that is a tenth of wait_ns or
 * more, err says that the harness was late instead of "no answer". */
DFOTA_WUR dfota_err dfota_source_probe(dfota_source *src, int64_t wait_ns, int64_t *late_ns,
                                       char *err, size_t errlen);

/* 1 when a probe of wait_ns whose waits ended up to late_ns past their
 * deadlines cannot call the module silent (late by a tenth of the wait or
 * more): what dfota_source_probe's err then says. */
int dfota_source_probe_was_late(int64_t wait_ns, int64_t late_ns);

/* What a module says it is. */
typedef struct {
    char model[64];      /* ATI's lines before Revision: "Quectel EG95" */
    char revision[96];   /* ATI's Revision: "EG95EFAR02A07M4G" */
    char firmware[96];   /* AT+QGMR: "EG95EFAR02A07M4G_01.002.01.002" */
} dfota_identity;

/* Asks a live source's module what it is and runs, as a host would: ATI,
 * then AT+QGMR, each again every few seconds while the module does not
 * answer (it may still be booting), for at most wait_ns of the source's
 * time in all. Fills *id (escaped texts). DFOTA_E_TIMEOUT when no answer
 * came, DFOTA_E_ARG for a recording, another error with err. */
DFOTA_WUR dfota_err dfota_source_identify(dfota_source *src, int64_t wait_ns, dfota_identity *id,
                                          char *err, size_t errlen);

/* Asks a live source's module for a file of its /data/ufs/ with
 * AT+QFLST="UFS:<name>" (name without the /data/ufs/ prefix), for at most
 * wait_ns of the source's time. DFOTA_OK with *size (the module's answer,
 * possibly 0); DFOTA_E_INPUT when the module lists no such file (it
 * answered ERROR, or OK without it); DFOTA_E_TIMEOUT when nothing
 * answered; DFOTA_E_ARG for a recording or a name with '"' or a control
 * byte. err says why. */
DFOTA_WUR dfota_err dfota_source_file_size(dfota_source *src, const char *name, int64_t wait_ns,
                                           long long *size, char *err, size_t errlen);


#endif
