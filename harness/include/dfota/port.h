/* SPDX-License-Identifier: MIT */
/* dfota/port.h - serial ports, pseudo-terminals and the proxy.
 * One header for the room lib/port/. */
#ifndef DFOTA_PORT_H
#define DFOTA_PORT_H

#include "dfota/base.h"
#include "dfota/at.h"

/* ---- port: a serial port that may go away and come back.
 *
 * A module's AT port is a USB function: on a reboot it disappears and a new
 * device appears, maybe under another name. This layer opens a port by its
 * path (/dev/ttyUSB2, a /dev/serial/by-id link, a pseudo-terminal or a link
 * to one) or by its USB identity (usb:VID:PID[:if=N][:serial=S]), reads with
 * a timeout, writes, notices when the port is gone, and finds it again.
 *
 * Two backends behind one handle: libserialport for real ports, and plain
 * POSIX termios for pseudo-terminals (libserialport refuses them: it wants a
 * sysfs entry and modem-control lines) and for any terminal libserialport
 * will not open. Callers never see which one is in use, except through
 * dfota_port_backend(). */

#include <stddef.h>
#include <stdint.h>

/* Longest port name or identity kept (a path under /dev or a USB identity). */
#define DFOTA_PORT_NAME_MAX 512
/* Longest USB serial number kept; a longer one is refused, not cut. */
#define DFOTA_PORT_SERIAL_MAX 128

typedef enum { DFOTA_FLOW_NONE = 0, DFOTA_FLOW_RTSCTS } dfota_flow;

typedef struct {
    int baud;          /* bits per second; 0: 115200 */
    dfota_flow flow;   /* none (default) or RTS/CTS, which the vendor advises
                        * for large transfers over a UART */
    int settle_ms;     /* after the port reappears, wait this long (wall
                        * time) before opening it; < 0: the default, 200
                        * for a real port, 0 for a pseudo-terminal */
} dfota_port_opts;

/* A parsed USB identity: usb:VID:PID[:if=N][:serial=S], VID and PID in hex. */
typedef struct {
    unsigned vid, pid;
    int iface;                              /* -1: any interface */
    char serial[DFOTA_PORT_SERIAL_MAX + 1]; /* "": any serial number */
} dfota_usb_id;

/* Parses a USB identity. Returns DFOTA_OK, or DFOTA_E_INPUT with the
 * reason in err. Example: usb:2c7c:0195:if=2:serial=a1b2c3 */
DFOTA_WUR dfota_err dfota_port_parse_usb_id(const char *text, dfota_usb_id *out, char *err,
                                            size_t errlen);

/* One port as libserialport lists it, with the identity to pass back. */
typedef struct {
    char name[DFOTA_PORT_NAME_MAX];         /* /dev/ttyUSB2 */
    char description[128];
    const char *transport;                  /* "usb", "bluetooth", "native" */
    int usb;                                /* 1: the USB fields below are set */
    unsigned vid, pid;
    char serial[DFOTA_PORT_SERIAL_MAX + 1]; /* "" when the device has none */
    int iface;                              /* USB interface number, -1: unknown */
    char identity[DFOTA_PORT_NAME_MAX];     /* usb:2c7c:0195:if=2:serial=S, or "" */
} dfota_port_info;

/* The serial ports on this machine (libserialport's enumeration; the USB
 * interface number is read from sysfs, see port.c). On DFOTA_OK *out holds
 * *n entries (possibly none; *out may be NULL then) that the caller frees
 * with free(). */
DFOTA_WUR dfota_err dfota_port_list(dfota_port_info **out, size_t *n, char *err, size_t errlen);

/* Finds the device path of PORT: a USB identity is looked up among the
 * listed ports; anything else is a path and is returned as it is.
 * DFOTA_E_IO when no port matches (yet), DFOTA_E_INPUT for a malformed
 * identity or one that matches several ports (the message names two). */
DFOTA_WUR dfota_err dfota_port_resolve(const char *port, char *path, size_t cap, char *err,
                                       size_t errlen);

typedef struct dfota_port dfota_port;

/* Opens PORT (a path or a USB identity) with the line settings of opts
 * (NULL: the defaults). Returns DFOTA_OK with *out (free with
 * dfota_port_free), DFOTA_E_ARG for bad settings, DFOTA_E_IO when the port
 * cannot be found or opened, each with a sentence in err. */
DFOTA_WUR dfota_err dfota_port_open(const char *port, const dfota_port_opts *opts,
                                    dfota_port **out, char *err, size_t errlen);

/* Closes the port and frees the handle; NULL does nothing. */
void dfota_port_free(dfota_port *p);

/* Reads what is there, waiting at most timeout_ms (0: do not wait) for
 * something. Returns the number of bytes read (0: nothing yet), or
 * DFOTA_E_IO. When the port went away (hang-up, EIO, ENXIO, ENODEV, end of
 * file) the handle closes its device, dfota_port_is_open() turns 0 and the
 * return is DFOTA_E_IO with "... went away" in err. */
int dfota_port_read(dfota_port *p, void *buf, size_t cap, int timeout_ms, char *err,
                    size_t errlen);

/* Writes all of len bytes, waiting at most timeout_ms for the port to take
 * them. DFOTA_E_TIMEOUT when it did not; DFOTA_E_IO when the port is away. */
DFOTA_WUR dfota_err dfota_port_write(dfota_port *p, const void *buf, size_t len, int timeout_ms,
                                     char *err, size_t errlen);

/* 1 while the device is open, 0 after it went away. */
int dfota_port_is_open(const dfota_port *p);

/* The open device's descriptor, for a caller that waits on several with
 * poll(); -1 while the port is away. It stays the port's: read it only
 * through dfota_port_read, never close it. */
int dfota_port_fd(const dfota_port *p);

/* One look, without waiting, for a port that went away: is its path (or
 * identity) there again? Once it is there and has stayed for the settle
 * time, it is opened with the same settings. Returns 1 when the port is
 * open again, 0 not yet (call again later), or a negative dfota_err when it
 * is there but cannot be opened. Returns 1 at once while it is open. */
int dfota_port_reopen(dfota_port *p, char *err, size_t errlen);

/* Since when, in wall ns (dfota_wall_ns), a port reopened may have been
 * back: the last look that found it away, or, when none did, the last
 * read that found it there before it was lost. It covers the spacing of
 * the looks, the settle time and a loss noticed late. 0 before any loss. */
int64_t dfota_port_away_ns(const dfota_port *p);

/* The port as given to dfota_port_open, and the device path now in use. */
const char *dfota_port_name(const dfota_port *p);
const char *dfota_port_device(const dfota_port *p);

/* Which other processes have the device path (links followed) open: up
 * to cap-1 bytes of "name (pid N), name (pid M)" into out, "" when none
 * was found. A port that ModemManager or a terminal also holds gets their
 * AT traffic mixed with the harness's: say so before a run. Reads /proc;
 * processes of other users are seen only with the rights to. Returns how
 * many were found. */
size_t dfota_port_users(const char *path, char *out, size_t cap);

/* "libserialport" or "termios". */
const char *dfota_port_backend(const dfota_port *p);

/* ---- proxy: a pseudo-terminal in front of a real module.
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

#include <stddef.h>
#include <stdint.h>

/* Longest link path kept; a longer one is refused. */
#define DFOTA_PROXY_PATH_MAX 4000
/* Bytes from the module the host has not taken yet; past this the newest
 * are dropped (a host that does not read loses them, as on a real port)
 * and a note says how many. */
#define DFOTA_PROXY_QUEUE_MAX (64 * 1024)
/* The default give-up time for a module port that does not come back. */
#define DFOTA_PROXY_GIVE_UP_NS (300 * DFOTA_NS_PER_S)

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

/* What a port header says (RULES.md, PORT-REBOOT): 1 for a USB identity
 * ("usb:...") or a /dev/ttyUSB*, /dev/ttyACM* or /dev/serial/by-id/usb-*
 * path, 0 for another port, -1 for NULL (unknown). */
int dfota_port_is_usb(const char *port);

/* ---- pty: a pseudo-terminal that stands for a module's port, behind a
 * stable symbolic link: what the emulator and the proxy show their host. */

/* Opens a new pseudo-terminal: the master, non-blocking and close-on-exec,
 * is returned (the caller closes it); its slave's path goes to tty (cap
 * bytes). The slave is set up as a host finds a serial port (raw, 8N1,
 * 115200, no echo) and opened and closed once, which leaves the master
 * reporting a hang-up until a host opens it (dfota_pty_no_host). Returns
 * -1 with a sentence in err on failure. */
int dfota_pty_open(char *tty, size_t cap, char *err, size_t errlen);

/* True while no host has the slave open (the master reports a hang-up). */
int dfota_pty_no_host(int master);

/* A link may replace a symbolic link (a stale one from an earlier run),
 * never a file or a folder: DFOTA_E_ARG with a sentence when one is there. */
DFOTA_WUR dfota_err dfota_pty_link_check(const char *link, char *err, size_t errlen);

/* Points link at tty: a symbolic link made under a temporary name and
 * renamed over link, so a host never sees it half made. */
DFOTA_WUR dfota_err dfota_pty_link_point(const char *link, const char *tty, char *err,
                                         size_t errlen);

/* One emulator per link: an exclusive lock on LINK.lock (an open file
 * description lock, released by the kernel when the process dies, so a
 * killed emulator never leaves the link locked), taken before the link is
 * touched and held for the emulator's life; the file holds the holder's
 * pid. Returns the lock's descriptor (close-on-exec), or -1 with a
 * sentence in err: when another process holds the link, one that names
 * its pid. Release it with dfota_pty_link_unlock. */
int dfota_pty_link_lock(const char *link, char *err, size_t errlen);

/* Removes the lock file (while it is still held, so that no one takes a
 * file about to go) and closes fd; fd < 0 does nothing. */
void dfota_pty_link_unlock(const char *link, int fd);

/* Who holds link's lock, without taking it: the pid, -1 when it is held
 * but its pid cannot be read, 0 when no one holds it. */
long dfota_pty_link_holder(const char *link);

/* Removes link if it is a symbolic link (never a file put there since). */
void dfota_pty_link_remove(const char *link);

/* True when the slave at tty holds bytes its host has not read yet. */
int dfota_pty_unread(const char *tty);

#endif
