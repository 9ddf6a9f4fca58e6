/* SPDX-License-Identifier: MIT */
/* port.c - serial ports: libserialport for real ones, termios for ptys.
 *
 * Both backends end in one file descriptor that this file polls, reads and
 * writes itself: libserialport opens and configures a real port and hands
 * its descriptor over (sp_get_port_handle), so loss detection (POLLHUP,
 * end of file, EIO/ENXIO/ENODEV) is one code path for both. libserialport
 * refuses pseudo-terminals (no sysfs entry, no modem-control lines), so a
 * pty, or a link to one, is opened with termios; so is a terminal that
 * libserialport will not open when plain termios can.
 *
 * USB interface numbers: libserialport has no call for them. The tty's
 * sysfs node links to its parent device: /sys/class/tty/NAME/device is the
 * USB interface itself for cdc-acm (ttyACM*), and a usb-serial port whose
 * parent is the interface for option/qcserial (ttyUSB*). So the number is
 * the first bInterfaceNumber (two hex digits) found walking up from
 * device/ at most three levels; a port without one has interface -1. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libserialport.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "dfota/base.h"
#include "dfota/port.h"

#define DEFAULT_BAUD 115200
#define DEFAULT_SETTLE_MS 200
#define PORTS_MAX 256
/* Unix98 pty slaves: majors 136 to 143 (Documentation/admin-guide/devices.txt). */
#define PTY_SLAVE_MAJOR_FIRST 136
#define PTY_SLAVE_MAJOR_LAST 143

struct dfota_port {
    char name[DFOTA_PORT_NAME_MAX];   /* as given: a path or a USB identity */
    char device[DFOTA_PORT_NAME_MAX]; /* the path opened last */
    dfota_port_opts opts;
    int fd;                           /* -1 while the port is away */
    struct sp_port *sp;               /* set when libserialport opened it */
    int64_t seen_ns;                  /* when the away port was first seen again, 0: not */
    int64_t alive_ns;                 /* when a read last found it there, wall time */
    int64_t away_ns;                  /* dfota_port_away_ns */
};

/* ---- USB identities -------------------------------------------------------- */

static int parse_hex16(const char *s, size_t len, unsigned *out)
{
    unsigned v = 0;
    if (len == 0 || len > 4)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return 0;
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 1;
}

static int parse_iface(const char *s, size_t len, int *out)
{
    int v = 0;
    if (len == 0 || len > 3)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v > 255)
        return 0;
    *out = v;
    return 1;
}

dfota_err dfota_port_parse_usb_id(const char *text, dfota_usb_id *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->iface = -1;
    if (strncmp(text, "usb:", 4) != 0)
        goto bad;
    const char *p = text + 4, *c = strchr(p, ':');
    if (!c || !parse_hex16(p, (size_t)(c - p), &out->vid))
        goto bad;
    p = c + 1;
    c = strchr(p, ':');
    if (!parse_hex16(p, c ? (size_t)(c - p) : strlen(p), &out->pid))
        goto bad;
    while (c) {
        p = c + 1;
        if (strncmp(p, "serial=", 7) == 0) {
            /* the serial number is last: it may hold ':' itself */
            size_t n = strlen(p + 7);
            if (n == 0 || n > DFOTA_PORT_SERIAL_MAX)
                goto bad;
            memcpy(out->serial, p + 7, n + 1);
            return DFOTA_OK;
        }
        c = strchr(p, ':');
        if (strncmp(p, "if=", 3) != 0 || !parse_iface(p + 3, (c ? (size_t)(c - p) : strlen(p)) - 3, &out->iface))
            goto bad;
    }
    return DFOTA_OK;
bad:
    snprintf(err, errlen,
             "'%.200s' is not a USB identity (usb:VID:PID[:if=N][:serial=S], VID and PID in hex, "
             "e.g. usb:2c7c:0195:if=2)",
             text);
    return DFOTA_E_INPUT;
}

/* ---- enumeration ------------------------------------------------------------ */

/* The interface number from sysfs (see the top of this file), or -1. */
static int usb_iface(const char *devname)
{
    const char *base = strrchr(devname, '/');
    base = base ? base + 1 : devname;
    static const char *const up[] = {"", "../", "../../", "../../../"};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "/sys/class/tty/%.200s/device/%sbInterfaceNumber", base, up[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[16] = "";
        int ok = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        unsigned v;
        size_t n = strcspn(line, "\r\n");
        if (ok && parse_hex16(line, n, &v) && v <= 255)
            return (int)v;
    }
    return -1;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void describe_port(struct sp_port *sp, dfota_port_info *pi)
{
    memset(pi, 0, sizeof *pi);
    copy_text(pi->name, sizeof pi->name, sp_get_port_name(sp));
    copy_text(pi->description, sizeof pi->description, sp_get_port_description(sp));
    enum sp_transport t = sp_get_port_transport(sp);
    pi->transport = t == SP_TRANSPORT_USB ? "usb" : t == SP_TRANSPORT_BLUETOOTH ? "bluetooth" : "native";
    pi->iface = -1;
    int vid = 0, pid = 0;
    if (t != SP_TRANSPORT_USB || sp_get_port_usb_vid_pid(sp, &vid, &pid) != SP_OK)
        return;
    pi->usb = 1;
    pi->vid = (unsigned)vid;
    pi->pid = (unsigned)pid;
    const char *serial = sp_get_port_usb_serial(sp);
    if (serial && strlen(serial) <= DFOTA_PORT_SERIAL_MAX)
        copy_text(pi->serial, sizeof pi->serial, serial);
    pi->iface = usb_iface(pi->name);
    int n = snprintf(pi->identity, sizeof pi->identity, "usb:%04x:%04x", pi->vid, pi->pid);
    if (n > 0 && pi->iface >= 0)
        n += snprintf(pi->identity + n, sizeof pi->identity - (size_t)n, ":if=%d", pi->iface);
    if (n > 0 && pi->serial[0])
        snprintf(pi->identity + n, sizeof pi->identity - (size_t)n, ":serial=%s", pi->serial);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const dfota_port_info *)a)->name, ((const dfota_port_info *)b)->name);
}

dfota_err dfota_port_list(dfota_port_info **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    struct sp_port **list = NULL;
    enum sp_return r = sp_list_ports(&list);
    if (r != SP_OK) {
        char *m = r == SP_ERR_FAIL ? sp_last_error_message() : NULL;
        snprintf(err, errlen, "cannot list the serial ports: %s", m ? m : "libserialport failed");
        sp_free_error_message(m);
        return r == SP_ERR_MEM ? DFOTA_E_NOMEM : DFOTA_E_IO;
    }
    size_t count = 0;
    while (list[count] && count < PORTS_MAX)
        count++;
    dfota_port_info *info = count ? calloc(count, sizeof *info) : NULL;
    if (count && !info) {
        sp_free_port_list(list);
        snprintf(err, errlen, "out of memory");
        return DFOTA_E_NOMEM;
    }
    for (size_t i = 0; i < count; i++)
        describe_port(list[i], &info[i]);
    sp_free_port_list(list);
    if (count)
        qsort(info, count, sizeof *info, by_name);
    *out = info;
    *n = count;
    return DFOTA_OK;
}

static int id_matches(const dfota_usb_id *id, const dfota_port_info *pi)
{
    return pi->usb && pi->vid == id->vid && pi->pid == id->pid &&
           (id->iface < 0 || pi->iface == id->iface) &&
           (!id->serial[0] || strcmp(id->serial, pi->serial) == 0);
}

dfota_err dfota_port_resolve(const char *port, char *path, size_t cap, char *err, size_t errlen)
{
    if (strncmp(port, "usb:", 4) != 0) {
        if ((size_t)snprintf(path, cap, "%s", port) >= cap) {
            snprintf(err, errlen, "the port name is longer than %zu bytes", cap - 1);
            return DFOTA_E_TOO_BIG;
        }
        return DFOTA_OK;
    }
    dfota_usb_id id;
    dfota_port_info *info = NULL;
    size_t n = 0, hits = 0;
    dfota_err rc = dfota_port_parse_usb_id(port, &id, err, errlen);
    if (rc == DFOTA_OK)
        rc = dfota_port_list(&info, &n, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    char first[DFOTA_PORT_NAME_MAX] = "", second[DFOTA_PORT_NAME_MAX] = "";
    for (size_t i = 0; i < n; i++) {
        if (!id_matches(&id, &info[i]))
            continue;
        copy_text(hits ? second : first, DFOTA_PORT_NAME_MAX, info[i].name);
        hits++;
    }
    free(info);
    if (hits == 0) {
        snprintf(err, errlen, "no serial port matches %.200s (see dfota ports)", port);
        return DFOTA_E_IO;
    }
    /* A module has several ports (DM, NMEA, AT, modem) and a bench may
     * have several modules: guessing would talk to the wrong one. */
    if (hits > 1) {
        snprintf(err, errlen, "%.100s matches %zu ports (%.100s, %.100s%s): add :if=N or :serial=S",
                 port, hits, first, second, hits > 2 ? ", ..." : "");
        return DFOTA_E_INPUT;
    }
    copy_text(path, cap, first);
    return DFOTA_OK;
}

/* ---- opening ------------------------------------------------------------------ */

/* A pseudo-terminal: under /dev/pts once links are followed, or a pty
 * slave's major number. */
static int is_pty(const char *path)
{
    char real[PATH_MAX];
    if (realpath(path, real) && strncmp(real, "/dev/pts/", 9) == 0)
        return 1;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
        return 0;
    unsigned maj = major(st.st_rdev);
    return maj >= PTY_SLAVE_MAJOR_FIRST && maj <= PTY_SLAVE_MAJOR_LAST;
}

static int speed_of(int baud, speed_t *out)
{
    static const struct { int baud; speed_t speed; } table[] = {
        {1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
        {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
        {230400, B230400}, {460800, B460800}, {921600, B921600}, {3000000, B3000000},
        {4000000, B4000000},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].baud == baud) {
            *out = table[i].speed;
            return 1;
        }
    return 0;
}

static dfota_err open_termios(dfota_port *p, char *err, size_t errlen)
{
    speed_t speed;
    if (!speed_of(p->opts.baud, &speed)) {
        snprintf(err, errlen, "%.200s: %d is not a standard baud rate for a terminal", p->device,
                 p->opts.baud);
        return DFOTA_E_ARG;
    }
    int fd = open(p->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%.200s: cannot open: %s%s", p->device, strerror(e),
                 e == EACCES ? " (serial ports belong to the dialout group: add your user to it, "
                               "then log in again)"
                             : "");
        return DFOTA_E_IO;
    }
    struct termios tio;
    if (tcgetattr(fd, &tio) != 0) {
        snprintf(err, errlen, "%.200s: not a terminal: %s", p->device, strerror(errno));
        close(fd);
        return DFOTA_E_IO;
    }
    cfmakeraw(&tio);
    cfsetispeed(&tio, speed);
    cfsetospeed(&tio, speed);
    tio.c_cflag |= CLOCAL | CREAD;
    if (p->opts.flow == DFOTA_FLOW_RTSCTS)
        tio.c_cflag |= CRTSCTS;
    else
        tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        snprintf(err, errlen, "%.200s: cannot set the line: %s", p->device, strerror(errno));
        close(fd);
        return DFOTA_E_IO;
    }
    p->fd = fd;
    return DFOTA_OK;
}

static const char *sp_message(enum sp_return r, char *buf, size_t cap)
{
    char *m = r == SP_ERR_FAIL ? sp_last_error_message() : NULL;
    snprintf(buf, cap, "%s", m ? m : r == SP_ERR_ARG ? "libserialport does not know it"
                                 : r == SP_ERR_SUPP ? "not supported by the port"
                                 : "libserialport failed");
    sp_free_error_message(m);
    return buf;
}

static enum sp_return sp_configure(dfota_port *p)
{
    struct sp_port_config *cfg = NULL;
    enum sp_return r = sp_new_config(&cfg);
    if (r == SP_OK)
        r = sp_get_config(p->sp, cfg);
    if (r == SP_OK)
        r = sp_set_config_baudrate(cfg, p->opts.baud);
    if (r == SP_OK)
        r = sp_set_config_bits(cfg, 8);
    if (r == SP_OK)
        r = sp_set_config_parity(cfg, SP_PARITY_NONE);
    if (r == SP_OK)
        r = sp_set_config_stopbits(cfg, 1);
    if (r == SP_OK)
        r = sp_set_config_flowcontrol(cfg, p->opts.flow == DFOTA_FLOW_RTSCTS ? SP_FLOWCONTROL_RTSCTS
                                                                           : SP_FLOWCONTROL_NONE);
    if (r == SP_OK)
        r = sp_set_config(p->sp, cfg);
    sp_free_config(cfg);
    return r;
}

/* libserialport for a real port; 1 when it refused a terminal that termios
 * may still open (the caller falls back), 0 on success, or an error. */
static int open_libserialport(dfota_port *p, char *err, size_t errlen)
{
    char why[200];
    enum sp_return r = sp_get_port_by_name(p->device, &p->sp);
    if (r == SP_OK)
        r = sp_open(p->sp, SP_MODE_READ_WRITE);
    if (r != SP_OK) {
        sp_message(r, why, sizeof why);
        sp_free_port(p->sp);
        p->sp = NULL;
        int fd = open(p->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            snprintf(err, errlen, "%.200s: cannot open the port: %s%s", p->device, strerror(e),
                     e == EACCES ? " (serial ports belong to the dialout group: add your user "
                                   "to it, then log in again)"
                     : e == EBUSY ? " (another program holds it exclusively: see dfota ports)"
                                  : "");
            return DFOTA_E_IO;
        }
        int tty = isatty(fd);
        close(fd);
        if (tty)
            return 1;
        snprintf(err, errlen, "%.200s: not a serial port (%s, and not a terminal)", p->device, why);
        return DFOTA_E_IO;
    }
    r = sp_configure(p);
    if (r == SP_OK)
        r = sp_get_port_handle(p->sp, &p->fd);
    if (r != SP_OK) {
        snprintf(err, errlen, "%.200s: cannot set %d baud, 8N1, flow %s: %s", p->device,
                 p->opts.baud, p->opts.flow == DFOTA_FLOW_RTSCTS ? "rtscts" : "none",
                 sp_message(r, why, sizeof why));
        sp_close(p->sp);
        sp_free_port(p->sp);
        p->sp = NULL;
        p->fd = -1;
        return DFOTA_E_IO;
    }
    /* the descriptor is polled and read here; it must not block */
    int fl = fcntl(p->fd, F_GETFL);
    if (fl >= 0)
        fcntl(p->fd, F_SETFL, fl | O_NONBLOCK);
    return 0;
}

/* Opens the device the name resolves to now. */
static dfota_err open_device(dfota_port *p, char *err, size_t errlen)
{
    dfota_err rc = dfota_port_resolve(p->name, p->device, sizeof p->device, err, errlen);
    if (rc != DFOTA_OK)
        return rc;
    if (is_pty(p->device))
        return open_termios(p, err, errlen);
    int r = open_libserialport(p, err, errlen);
    if (r == 1)
        return open_termios(p, err, errlen);
    return (dfota_err)r;
}

static void close_device(dfota_port *p)
{
    if (p->sp) {
        sp_close(p->sp); /* closes p->fd */
        sp_free_port(p->sp);
        p->sp = NULL;
    } else if (p->fd >= 0) {
        close(p->fd);
    }
    p->fd = -1;
}

dfota_err dfota_port_open(const char *port, const dfota_port_opts *opts, dfota_port **out,
                          char *err, size_t errlen)
{
    *out = NULL;
    dfota_port_opts o = {DEFAULT_BAUD, DFOTA_FLOW_NONE, -1};
    if (opts) {
        o = *opts;
        o.baud = o.baud ? o.baud : DEFAULT_BAUD;
    }
    if (!port || !port[0] || strlen(port) >= DFOTA_PORT_NAME_MAX) {
        snprintf(err, errlen, "no port given, or a name longer than %d bytes", DFOTA_PORT_NAME_MAX - 1);
        return DFOTA_E_ARG;
    }
    if (o.baud < 50 || o.baud > 4000000 || (o.flow != DFOTA_FLOW_NONE && o.flow != DFOTA_FLOW_RTSCTS)) {
        snprintf(err, errlen, "%.200s: baud %d or flow control out of range (50 to 4000000; none, rtscts)",
                 port, o.baud);
        return DFOTA_E_ARG;
    }
    dfota_port *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return DFOTA_E_NOMEM;
    }
    memcpy(p->name, port, strlen(port) + 1);
    p->opts = o;
    p->fd = -1;
    dfota_err rc = open_device(p, err, errlen);
    if (rc != DFOTA_OK) {
        free(p);
        return rc;
    }
    /* What waits in the port was said to whoever had it before (a late
     * answer to the last session's ATI, say): it is not this session's, and
     * read now it would pass for the answer to this session's first command. */
    tcflush(p->fd, TCIFLUSH);
    *out = p;
    return DFOTA_OK;
}

void dfota_port_free(dfota_port *p)
{
    if (!p)
        return;
    close_device(p);
    free(p);
}

/* ---- reading and writing ------------------------------------------------------- */

static int lost(dfota_port *p, const char *why, char *err, size_t errlen)
{
    snprintf(err, errlen, "%.200s went away (%s)", p->device, why);
    close_device(p);
    p->seen_ns = 0;
    /* it may have gone (and come back) any time since a read last found it */
    p->away_ns = p->alive_ns > 0 ? p->alive_ns : dfota_wall_ns();
    return DFOTA_E_IO;
}

int dfota_port_read(dfota_port *p, void *buf, size_t cap, int timeout_ms, char *err, size_t errlen)
{
    if (p->fd < 0) {
        snprintf(err, errlen, "%.200s is away", p->name);
        return DFOTA_E_IO;
    }
    struct pollfd pf = {p->fd, POLLIN, 0};
    int n = poll(&pf, 1, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : lost(p, strerror(errno), err, errlen);
    if (n == 0) {
        p->alive_ns = dfota_wall_ns();
        return 0;
    }
    if (pf.revents & POLLNVAL)
        return lost(p, "the descriptor is no longer valid", err, errlen);
    /* POLLHUP may come with bytes still to read: read them first; the read
     * after the last of them says the end. */
    ssize_t got = read(p->fd, buf, cap);
    if (got > 0) {
        p->alive_ns = dfota_wall_ns();
        return (int)(got > INT_MAX ? INT_MAX : got);
    }
    if (got == 0)
        return lost(p, "hang-up", err, errlen);
    if (errno == EAGAIN || errno == EINTR)
        return (pf.revents & (POLLHUP | POLLERR)) ? lost(p, "hang-up", err, errlen) : 0;
    return lost(p, strerror(errno), err, errlen);
}

dfota_err dfota_port_write(dfota_port *p, const void *buf, size_t len, int timeout_ms, char *err,
                           size_t errlen)
{
    const unsigned char *b = buf;
    int64_t end = dfota_wall_ns() + (int64_t)timeout_ms * 1000000;
    size_t off = 0;
    while (off < len) {
        if (p->fd < 0) {
            snprintf(err, errlen, "%.200s is away: nothing can be sent", p->name);
            return DFOTA_E_IO;
        }
        ssize_t n = write(p->fd, b + off, len - off);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            lost(p, strerror(errno), err, errlen);
            return DFOTA_E_IO;
        }
        int64_t left = end - dfota_wall_ns();
        if (left <= 0) {
            snprintf(err, errlen, "%.200s took %zu of %zu bytes in %d ms (flow control holding it?)",
                     p->device, off, len, timeout_ms);
            return DFOTA_E_TIMEOUT;
        }
        struct pollfd pf = {p->fd, POLLOUT, 0};
        poll(&pf, 1, (int)(left / 1000000 + 1));
    }
    return DFOTA_OK;
}

int dfota_port_is_open(const dfota_port *p)
{
    return p->fd >= 0;
}

int dfota_port_fd(const dfota_port *p)
{
    return p->fd;
}

/* Is the port there to be opened? A path: a character device (links
 * followed); an identity: a listed port matches it. */
static int present(const dfota_port *p)
{
    if (strncmp(p->name, "usb:", 4) == 0) {
        char path[DFOTA_PORT_NAME_MAX], err[DFOTA_ERRBUF];
        return dfota_port_resolve(p->name, path, sizeof path, err, sizeof err) == DFOTA_OK;
    }
    struct stat st;
    return stat(p->name, &st) == 0 && S_ISCHR(st.st_mode);
}

int dfota_port_reopen(dfota_port *p, char *err, size_t errlen)
{
    if (p->fd >= 0)
        return 1;
    int64_t now = dfota_wall_ns();
    if (!present(p)) {
        p->seen_ns = 0;
        p->away_ns = now;
        return 0;
    }
    if (p->seen_ns == 0)
        p->seen_ns = now;
    /* A port that just appeared may not answer yet (udev, the module's
     * firmware): wait the settle time before opening it. A pseudo-terminal
     * is whole when its link appears, and waiting would only delay what
     * the emulator says after its reboot. */
    int settle = p->opts.settle_ms >= 0 ? p->opts.settle_ms : is_pty(p->name) ? 0 : DEFAULT_SETTLE_MS;
    if (now - p->seen_ns < (int64_t)settle * 1000000)
        return 0;
    dfota_err rc = open_device(p, err, errlen);
    if (rc == DFOTA_OK) {
        p->alive_ns = dfota_wall_ns();
        return 1;
    }
    if (rc == DFOTA_E_ARG)
        return rc;
    /* gone again between the look and the open: keep looking */
    p->seen_ns = 0;
    return present(p) ? (int)rc : 0;
}

int64_t dfota_port_away_ns(const dfota_port *p)
{
    return p->away_ns;
}

const char *dfota_port_name(const dfota_port *p)
{
    return p->name;
}

const char *dfota_port_device(const dfota_port *p)
{
    return p->device;
}

const char *dfota_port_backend(const dfota_port *p)
{
    return p->sp ? "libserialport" : "termios";
}

size_t dfota_port_users(const char *path, char *out, size_t cap)
{
    char link[64], comm_path[64], comm[64];
    struct stat want, got;
    size_t found = 0, o = 0;
    if (cap > 0)
        out[0] = '\0';
    /* the device itself, whatever path or link names it: its number */
    if (!path || stat(path, &want) != 0 || !S_ISCHR(want.st_mode))
        return 0;
    DIR *proc = opendir("/proc");
    if (!proc)
        return 0;
    pid_t self = getpid();
    for (struct dirent *d; (d = readdir(proc)) != NULL;) {
        char *end = NULL;
        long pid = strtol(d->d_name, &end, 10);
        if (!end || *end || pid <= 0 || pid == (long)self)
            continue;
        snprintf(link, sizeof link, "/proc/%ld/fd", pid);
        DIR *fds = opendir(link);
        if (!fds)
            continue;
        int holds = 0;
        for (struct dirent *f; !holds && (f = readdir(fds)) != NULL;) {
            char fdl[96];
            if (f->d_name[0] == '.')
                continue;
            snprintf(fdl, sizeof fdl, "/proc/%ld/fd/%.20s", pid, f->d_name);
            holds = stat(fdl, &got) == 0 && S_ISCHR(got.st_mode) && got.st_rdev == want.st_rdev;
        }
        closedir(fds);
        if (!holds)
            continue;
        found++;
        snprintf(comm_path, sizeof comm_path, "/proc/%ld/comm", pid);
        FILE *c = fopen(comm_path, "r");
        size_t cl = c ? fread(comm, 1, sizeof comm - 1, c) : 0;
        if (c)
            fclose(c);
        while (cl > 0 && (comm[cl - 1] == '\n' || comm[cl - 1] == '\r'))
            cl--;
        comm[cl] = '\0';
        for (size_t i = 0; i < cl; i++)
            if ((unsigned char)comm[i] < 0x20 || (unsigned char)comm[i] > 0x7e)
                comm[i] = '?'; /* a process name is anyone's text */
        if (o < cap) {
            int w = snprintf(out + o, cap - o, "%s%s (pid %ld)", o ? ", " : "", cl ? comm : "?", pid);
            if (w > 0)
                o += (size_t)w < cap - o ? (size_t)w : cap - o - 1;
        }
    }
    closedir(proc);
    return found;
}

int dfota_port_is_usb(const char *port)
{
    if (!port)
        return -1;
    return strncmp(port, "usb:", 4) == 0 || strncmp(port, "/dev/ttyUSB", 11) == 0 ||
           strncmp(port, "/dev/ttyACM", 11) == 0 || strncmp(port, "/dev/serial/by-id/usb", 21) == 0;
}
