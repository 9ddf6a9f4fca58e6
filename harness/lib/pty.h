/* pty.h - a pseudo-terminal that stands for a module's port, behind a
 * stable symbolic link: what the emulator and the proxy show their host.
 * Private to the library (not under include/). */
#ifndef DFOTA_PTY_H
#define DFOTA_PTY_H

#include <stddef.h>

#include "dfota/error.h"

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
