/* dfota/proxy.h - a pseudo-terminal in front of a real module.
 *
 * Host software opens the proxy's link as if it were the module's port; the
 * proxy forwards the bytes both ways and reports what crossed as events, so
 * that a session between real host software and a real module can be
 * recorded and judged as it happens.
 *
 *   host software ── pty (link) ── proxy ── dfota_port ── module
 *
 * Events, in the order they happened, with the module's clock (wall time
 * since the proxy started, divided by the time scale):
 *   '>'  a line the host sent (framed by dfota_framer: CR, LF, CRLF)
 *   '<'  a line the module sent
 *   '!'  host-open / host-close: the host opened or closed the link's
 *        terminal (a pseudo-terminal's master reports a hang-up while no
 *        one has its slave open);
 *        port-lost: the module's port went away (a USB reboot). The proxy
 *        then closes its own terminal and removes the link, so the host
 *        sees the port drop exactly as with the module;
 *        port-back: the module's port is there again and open; a NEW
 *        terminal is behind the same link, for the host to reopen;
 *        note TEXT: something the proxy itself did (bytes dropped for a
 *        host that does not read).
 *
 * The proxy never prints and never exits. One thread; the caller drives it
 * with dfota_proxy_step. */
#ifndef DFOTA_PROXY_H
#define DFOTA_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/error.h"
#include "dfota/event.h"
#include "dfota/port.h"

/* Longest link path kept; a longer one is refused. */
#define DFOTA_PROXY_PATH_MAX 4000
/* Bytes from the module the host has not taken yet; past this the newest
 * are dropped (a host that does not read loses them, as on a real port)
 * and a note says how many. */
#define DFOTA_PROXY_QUEUE_MAX (64 * 1024)
/* The default give-up time for a module port that does not come back. */
#define DFOTA_PROXY_GIVE_UP_NS (300LL * 1000000000LL)

typedef struct {
    const char *port;         /* the module's port: a path or usb:VID:PID[...] (dfota/port.h) */
    const dfota_port_opts *port_opts; /* NULL: the defaults */
    const char *link;         /* the host's path: a symbolic link to the proxy's
                               * terminal, made atomically; replaces a symlink,
                               * never a file. Required. */
    double time_scale;        /* module time = wall time / time_scale; 0: 1 */
    int64_t give_up_ns;       /* module time a lost port may stay away; 0: the default */
    /* Each event as it happens; data is valid during the call only. May be NULL. */
    void (*on_event)(void *ctx, const dfota_event *ev);
    void *event_ctx;
} dfota_proxy_opts;

typedef struct dfota_proxy dfota_proxy;

/* Opens the module's port, makes the host's terminal and points the link at
 * it. Returns DFOTA_OK with *out (free with dfota_proxy_free); DFOTA_E_ARG
 * for bad options or a link path that is in the way (a file, a folder);
 * DFOTA_E_IO when the port cannot be opened or no pseudo-terminal can be
 * made; DFOTA_E_NOMEM. Each with a sentence in err; *out is NULL then. */
DFOTA_WUR dfota_err dfota_proxy_new(const dfota_proxy_opts *opts, dfota_proxy **out, char *err,
                                    size_t errlen);

/* Removes the link, closes both sides and frees the proxy; NULL does
 * nothing. Lines still being framed are reported first (unterminated). */
void dfota_proxy_free(dfota_proxy *p);

/* Forwards what is there, waiting at most timeout_ms (wall time) for
 * something to happen, and reports the events it saw. While the module is
 * away it looks for the port once per step (a port that is there but
 * cannot be opened yet is tried again). A port-lost waits up to 250 ms
 * (wall) for the host to read what the module said before it.
 * Returns DFOTA_OK (also when a signal cut the wait short);
 * DFOTA_E_TIMEOUT when the module's port has been away longer than the
 * give-up time (err says so, with the last reason it could not be opened:
 * the proxy is then of no more use but to free); DFOTA_E_IO when poll
 * fails or the host's terminal cannot be made again after a reboot. */
DFOTA_WUR dfota_err dfota_proxy_step(dfota_proxy *p, int timeout_ms, char *err, size_t errlen);

/* The module's clock now: ns since the proxy started, scaled. */
int64_t dfota_proxy_now(const dfota_proxy *p);

/* The terminal behind the link now ("/dev/pts/7"), "" while the module is
 * away. Borrowed: valid until the next step. */
const char *dfota_proxy_tty(const dfota_proxy *p);

/* The module's port as given, and the device it resolved to. Borrowed. */
const char *dfota_proxy_port(const dfota_proxy *p);
const char *dfota_proxy_device(const dfota_proxy *p);

/* 1 while the module's port is open, 0 while it is away. */
int dfota_proxy_module_present(const dfota_proxy *p);

#endif
