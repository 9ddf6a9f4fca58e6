/* dfota/port.h - a serial port that may go away and come back.
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
#ifndef DFOTA_PORT_H
#define DFOTA_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/error.h"

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

#endif
