/* SPDX-License-Identifier: MIT */
/* test_proxy.c - the proxy between host software and a module (dfota/port.h).
 *
 * The "module" is a pseudo-terminal the test makes itself: the proxy opens
 * its slave (through a link, so that a reboot can bring a new one back
 * under the same name) and the test plays the module on the master. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/port.h"

#define EVENTS_MAX 64
#define EVENT_TEXT 80
#define STEPS_MAX 200

/* A module that answers AT+QGMR with OK as soon as the command reaches it. */
typedef struct {
    int fd;           /* its master */
    char in[64];      /* what reached it */
    size_t len;
    int answered;
} quick_module;

static void quick_module_look(quick_module *m)
{
    ssize_t n = read(m->fd, m->in + m->len, sizeof m->in - 1 - m->len);
    if (n > 0)
        m->in[m->len += (size_t)n] = '\0';
    if (!m->answered && strstr(m->in, "AT+QGMR\r"))
        m->answered = write(m->fd, "\r\nOK\r\n", 6) == 6;
}

typedef struct {
    char text[EVENTS_MAX][EVENT_TEXT]; /* "<dir> <payload>" */
    int64_t late[EVENTS_MAX];          /* its late_ns */
    int64_t t[EVENTS_MAX];             /* its t_ns */
    size_t n;
    const char *stall_on;              /* an event whose report takes stall_ms, or NULL */
    int stall_ms;
    quick_module *module;              /* runs while the proxy stalls, or NULL */
} events;

static void pause_ms(int ms)
{
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

static void on_event(void *ctx, const dfota_event *ev)
{
    events *e = ctx;
    if (e->n < EVENTS_MAX) {
        e->late[e->n] = ev->late_ns;
        e->t[e->n] = ev->t_ns;
        snprintf(e->text[e->n], EVENT_TEXT, "%c %.*s", (char)ev->dir, (int)ev->len, ev->data);
        /* the proxy descheduled while it reports this one (a busy machine) */
        if (e->stall_on && strcmp(e->text[e->n], e->stall_on) == 0) {
            if (e->module) /* another process: it answers meanwhile, if it has the command */
                quick_module_look(e->module);
            pause_ms(e->stall_ms);
        }
        e->n++;
    }
}

/* The index of the last event with this text, or -1. */
static long event_at(const events *e, const char *text)
{
    for (size_t i = e->n; i-- > 0;)
        if (strcmp(e->text[i], text) == 0)
            return (long)i;
    return -1;
}

/* The late_ns of the last event with this text, or -1 when there is none. */
static int64_t event_late(const events *e, const char *text)
{
    long i = event_at(e, text);
    return i < 0 ? -1 : e->late[i];
}

static int has_event(const events *e, const char *text)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->text[i], text) == 0)
            return 1;
    return 0;
}

typedef struct {
    char dir[64];
    char module_link[128]; /* the module's port, a link to its slave */
    char host_link[128];   /* the proxy's link */
    int module;            /* the module's master, -1 while it is "rebooting" */
} rig;

/* A new module terminal behind r->module_link. */
static int module_up(rig *r)
{
    char slave[64], tmp[160];
    r->module = posix_openpt(O_RDWR | O_NOCTTY);
    if (r->module < 0 || grantpt(r->module) || unlockpt(r->module) ||
        ptsname_r(r->module, slave, sizeof slave) || fcntl(r->module, F_SETFL, O_NONBLOCK))
        return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp", r->module_link);
    unlink(tmp);
    return symlink(slave, tmp) == 0 && rename(tmp, r->module_link) == 0 ? 0 : -1;
}

/* The module reboots: its terminal and link go. */
static void module_down(rig *r)
{
    unlink(r->module_link);
    close(r->module);
    r->module = -1;
}

static int rig_up(rig *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/dfota-test-proxy-XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    snprintf(r->module_link, sizeof r->module_link, "%s/module", r->dir);
    snprintf(r->host_link, sizeof r->host_link, "%s/host", r->dir);
    return module_up(r);
}

static void rig_down(rig *r)
{
    if (r->module >= 0)
        close(r->module);
    unlink(r->module_link);
    unlink(r->host_link);
    rmdir(r->dir);
}

static dfota_proxy *proxy_up(rig *r, events *e, int64_t give_up_ns)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_proxy_opts o = {r->module_link, NULL, r->host_link, 0, give_up_ns, on_event, e};
    dfota_proxy *p = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_proxy_new(&o, &p, err, sizeof err), DFOTA_OK);
    return p;
}

/* The host's side: the proxy's link opened raw, as a host opens a port. */
static int host_open(const rig *r)
{
    int fd = open(r->host_link, O_RDWR | O_NOCTTY | O_NONBLOCK);
    struct termios t;
    if (fd >= 0 && tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    return fd;
}

/* Steps the proxy until fd has the bytes of want (read into got). */
static int step_until_read(dfota_proxy *p, int fd, const char *want, char *got, size_t cap)
{
    char err[DFOTA_ERRBUF];
    size_t len = 0;
    got[0] = '\0';
    for (int i = 0; i < STEPS_MAX && !strstr(got, want); i++) {
        if (dfota_proxy_step(p, 10, err, sizeof err) != DFOTA_OK)
            return 0;
        ssize_t n = read(fd, got + len, cap - 1 - len);
        if (n > 0)
            got[len += (size_t)n] = '\0';
    }
    return strstr(got, want) != NULL;
}

/* Steps the proxy until the event is reported. */
static int step_until_event(dfota_proxy *p, const events *e, const char *text)
{
    char err[DFOTA_ERRBUF];
    for (int i = 0; i < STEPS_MAX && !has_event(e, text); i++)
        if (dfota_proxy_step(p, 10, err, sizeof err) != DFOTA_OK)
            return 0;
    return has_event(e, text);
}

/* The rig, a proxy in front of it and a host that has opened its link,
 * seen by the proxy: the start of most tests. */
static dfota_proxy *session_up(rig *r, events *e, int *host)
{
    CU_ASSERT_EQUAL_FATAL(rig_up(r), 0);
    dfota_proxy *p = proxy_up(r, e, 0);
    *host = host_open(r);
    CU_ASSERT_FATAL(*host >= 0);
    CU_ASSERT(step_until_event(p, e, "! host-open"));
    return p;
}

static void test_forwards_both_ways(void)
{
    rig r;
    events e = {.n = 0};
    char got[256];
    CU_ASSERT_EQUAL_FATAL(rig_up(&r), 0);
    dfota_proxy *p = proxy_up(&r, &e, 0);
    CU_ASSERT_STRING_NOT_EQUAL(dfota_proxy_tty(p), "");
    int host = host_open(&r);
    CU_ASSERT_FATAL(host >= 0);
    CU_ASSERT(write(host, "AT+QGMR\r", 8) == 8);
    CU_ASSERT(step_until_read(p, r.module, "AT+QGMR\r", got, sizeof got));
    CU_ASSERT(has_event(&e, "! host-open"));
    CU_ASSERT(has_event(&e, "> AT+QGMR"));
    CU_ASSERT(write(r.module, "\r\nEG95EFAR02A07M4G\r\n\r\nOK\r\n", 26) == 26);
    CU_ASSERT(step_until_read(p, host, "OK\r\n", got, sizeof got));
    CU_ASSERT(strstr(got, "EG95EFAR02A07M4G") != NULL);
    CU_ASSERT(has_event(&e, "< EG95EFAR02A07M4G"));
    CU_ASSERT(has_event(&e, "< OK"));
    close(host);
    CU_ASSERT(step_until_event(p, &e, "! host-close"));
    dfota_proxy_free(p);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(lstat(r.host_link, &st), 0); /* the link goes with the proxy */
    rig_down(&r);
}

/* A USB reboot: the host's terminal and link go with the module's port,
 * and a new terminal is behind the same link when it is back. */
static void test_reboot(void)
{
    rig r;
    events e = {.n = 0};
    char got[64], before[128];
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(rig_up(&r), 0);
    dfota_proxy *p = proxy_up(&r, &e, 0);
    snprintf(before, sizeof before, "%s", dfota_proxy_tty(p));
    int host = host_open(&r);
    CU_ASSERT_FATAL(host >= 0);
    CU_ASSERT(write(r.module, "\r\n+QIND: \"FOTA\",\"FTP", 20) == 20); /* cut by the reboot */
    CU_ASSERT(step_until_read(p, host, "FTP", got, sizeof got));
    module_down(&r);
    CU_ASSERT(step_until_event(p, &e, "! port-lost"));
    CU_ASSERT(has_event(&e, "< +QIND: \"FOTA\",\"FTP"));
    CU_ASSERT_EQUAL(dfota_proxy_module_present(p), 0);
    CU_ASSERT_STRING_EQUAL(dfota_proxy_tty(p), "");
    CU_ASSERT_NOT_EQUAL(lstat(r.host_link, &st), 0);
    char b[8];
    ssize_t n = read(host, b, sizeof b);
    CU_ASSERT(n == 0 || (n < 0 && errno == EIO)); /* the host sees the port drop */
    close(host);
    CU_ASSERT_EQUAL_FATAL(module_up(&r), 0);
    CU_ASSERT(step_until_event(p, &e, "! port-back"));
    CU_ASSERT_EQUAL(lstat(r.host_link, &st), 0);
    host = host_open(&r);
    CU_ASSERT(host >= 0);
    CU_ASSERT(write(r.module, "\r\n+QIND: \"FOTA\",\"START\"\r\n", 25) == 25);
    CU_ASSERT(step_until_read(p, host, "START", got, sizeof got));
    CU_ASSERT(has_event(&e, "! host-open"));
    if (host >= 0)
        close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* Checks that the event was reported as late by at least 0.300 s (the
 * pause) and less than 1.5 s: each test below first lets the proxy run
 * idle for 2 s, so a lateness counted from anything older than the last
 * look (the proxy's start, the last event) is caught, with a wide margin
 * for a busy machine. */
static void late_by_the_pause(const events *e, const char *text)
{
    int64_t late = event_late(e, text);
    CU_ASSERT(late >= 300 * DFOTA_NS_PER_MS && late < 1500 * DFOTA_NS_PER_MS);
    if (late < 300 * DFOTA_NS_PER_MS || late >= 1500 * DFOTA_NS_PER_MS)
        printf("\n  '%s' late by %.3f s, want 0.300 s to 1.5 s\n", text,
               late < 0 ? -1.0 : dfota_seconds(late));
}

/* The proxy runs, with nothing to do, for ms of wall time. */
static void idle_ms(dfota_proxy *p, int ms)
{
    char err[DFOTA_ERRBUF];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        CU_ASSERT_EQUAL_FATAL(dfota_proxy_step(p, 10, err, sizeof err), DFOTA_OK);
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

/* The proxy's own lateness is carried to the judge: what waited while the
 * proxy was not looking (a busy machine, here a test that pauses between
 * steps) says it may have come that much sooner, so that a window missed
 * by less is the harness's trouble, never the module's or the host's. */
static void test_lateness(void)
{
    rig r;
    events e = {.n = 0};
    char got[64];
    int host;
    dfota_proxy *p = session_up(&r, &e, &host);
    /* the module answers; the proxy looks 0.3 s later */
    idle_ms(p, 2000);
    CU_ASSERT(write(r.module, "\r\nOK\r\n", 6) == 6);
    pause_ms(300);
    CU_ASSERT(step_until_read(p, host, "OK\r\n", got, sizeof got));
    late_by_the_pause(&e, "< OK");
    /* the host sends; the proxy looks 0.3 s later */
    idle_ms(p, 2000);
    CU_ASSERT(write(host, "AT\r", 3) == 3);
    pause_ms(300);
    CU_ASSERT(step_until_read(p, r.module, "AT\r", got, sizeof got));
    late_by_the_pause(&e, "> AT");
    /* the port comes back while the proxy is not looking */
    close(host);
    module_down(&r);
    CU_ASSERT(step_until_event(p, &e, "! port-lost"));
    idle_ms(p, 2000);
    CU_ASSERT_EQUAL_FATAL(module_up(&r), 0);
    pause_ms(300);
    CU_ASSERT(step_until_event(p, &e, "! port-back"));
    late_by_the_pause(&e, "! port-back");
    /* the host reopens it while the proxy is not looking */
    idle_ms(p, 2000);
    size_t opens = e.n;
    host = host_open(&r);
    CU_ASSERT(host >= 0);
    pause_ms(300);
    char err[DFOTA_ERRBUF];
    for (int i = 0; i < STEPS_MAX && e.n == opens; i++)
        CU_ASSERT_EQUAL_FATAL(dfota_proxy_step(p, 10, err, sizeof err), DFOTA_OK);
    CU_ASSERT(e.n > opens && strcmp(e.text[e.n - 1], "! host-open") == 0);
    late_by_the_pause(&e, "! host-open");
    if (host >= 0)
        close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* Lines of one read are each as late as when they are reported: a proxy
 * held up between two of them (here by the one who takes its events) did
 * not read the second any sooner. */
static void test_lateness_per_line(void)
{
    rig r;
    events e = {.n = 0, .stall_on = "< A", .stall_ms = 500};
    char got[64];
    int host;
    dfota_proxy *p = session_up(&r, &e, &host);
    CU_ASSERT(write(r.module, "\r\nA\r\n\r\nOK\r\n", 11) == 11);
    CU_ASSERT(step_until_read(p, host, "OK\r\n", got, sizeof got));
    int64_t late = event_late(&e, "< OK");
    CU_ASSERT(late >= 500 * DFOTA_NS_PER_MS);
    if (late < 500 * DFOTA_NS_PER_MS)
        printf("\n  the line after a 0.5 s hold-up late by %.3f s\n", dfota_seconds(late));
    close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* Waits (2 s at most: a bound, not a measure) until what the test wrote
 * on the module's master can be read on its slave, where the proxy reads. */
static int module_said(const rig *r)
{
    char slave[128];
    ssize_t n = readlink(r->module_link, slave, sizeof slave - 1);
    if (n <= 0)
        return 0;
    slave[n] = '\0';
    for (int i = 0; i < 200; i++) {
        if (dfota_pty_unread(slave))
            return 1;
        pause_ms(10);
    }
    return 0;
}

/* When the proxy sees several things at once, it reports them in the
 * order that charges no one for its lateness: what the module said before
 * the host's next command (an answer never after a command the host sent
 * once it had given up waiting), a host's open before what the module said,
 * a host's close after it (a URC is not charged to a host that was there).
 * Each case holds whenever the proxy sees the second thing: the module's
 * bytes are waited for before the host acts. */
static void test_order_when_late(void)
{
    rig r;
    events e = {.n = 0};
    char err[DFOTA_ERRBUF];
    int host;
    dfota_proxy *p = session_up(&r, &e, &host);
    /* the module's answer, then the host's next command */
    CU_ASSERT(write(r.module, "\r\nOK\r\n", 6) == 6);
    CU_ASSERT(module_said(&r));
    CU_ASSERT(write(host, "AT\r", 3) == 3);
    CU_ASSERT(step_until_event(p, &e, "> AT"));
    CU_ASSERT(event_at(&e, "< OK") >= 0 && event_at(&e, "< OK") < event_at(&e, "> AT"));
    /* a URC, then the host closes: the URC first */
    CU_ASSERT(write(r.module, "\r\n+QIND: \"FOTA\",\"START\"\r\n", 25) == 25);
    CU_ASSERT(module_said(&r));
    close(host);
    CU_ASSERT(step_until_event(p, &e, "! host-close"));
    long urc = event_at(&e, "< +QIND: \"FOTA\",\"START\"");
    CU_ASSERT(urc >= 0 && urc < event_at(&e, "! host-close"));
    /* the host opens again, then a URC: the open first */
    CU_ASSERT(dfota_proxy_step(p, 10, err, sizeof err) == DFOTA_OK);
    host = host_open(&r);
    CU_ASSERT(host >= 0);
    CU_ASSERT(write(r.module, "\r\n+QIND: \"FOTA\",\"UPDATING\",1\r\n", 30) == 30);
    CU_ASSERT(module_said(&r));
    CU_ASSERT(step_until_event(p, &e, "< +QIND: \"FOTA\",\"UPDATING\",1"));
    long open = event_at(&e, "! host-open");
    CU_ASSERT(open > event_at(&e, "! host-close") &&
              open < event_at(&e, "< +QIND: \"FOTA\",\"UPDATING\",1"));
    if (host >= 0)
        close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* A host's bytes read as the module's port goes are the host's, said
 * before the loss: reported before port-lost, as the host sent them. */
static void test_sent_as_the_port_goes(void)
{
    rig r;
    events e = {.n = 0};
    int host;
    dfota_proxy *p = session_up(&r, &e, &host);
    CU_ASSERT(write(host, "AT+QGMR\r", 8) == 8);
    module_down(&r);
    CU_ASSERT(step_until_event(p, &e, "! port-lost"));
    long cmd = event_at(&e, "> AT+QGMR");
    CU_ASSERT(cmd >= 0 && cmd < event_at(&e, "! port-lost"));
    close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* A command the proxy is slow to pass on (descheduled for a second as it
 * reads it) is not the module's slowness: the window from the command to
 * its answer, less what the answer says of its own lateness, does not hold
 * that second (half of it is the bound). The module answers as soon as
 * the command reaches it, during the stall if it has reached it by then. */
static void test_forward_delay(void)
{
    rig r;
    quick_module m = {.fd = -1};
    events e = {.n = 0, .stall_on = "> AT+QGMR", .stall_ms = 1000, .module = &m};
    char got[64] = "", err[DFOTA_ERRBUF];
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(rig_up(&r), 0);
    m.fd = r.module;
    dfota_proxy *p = proxy_up(&r, &e, 0);
    int host = host_open(&r);
    CU_ASSERT_FATAL(host >= 0);
    CU_ASSERT(write(host, "AT+QGMR\r", 8) == 8);
    for (int i = 0; i < STEPS_MAX && !strstr(got, "OK\r\n"); i++) {
        CU_ASSERT_EQUAL_FATAL(dfota_proxy_step(p, 10, err, sizeof err), DFOTA_OK);
        quick_module_look(&m);
        ssize_t n = read(host, got + len, sizeof got - 1 - len);
        if (n > 0)
            got[len += (size_t)n] = '\0';
    }
    long cmd = event_at(&e, "> AT+QGMR"), ok = event_at(&e, "< OK");
    CU_ASSERT_FATAL(cmd >= 0 && ok >= 0);
    int64_t unexplained = e.t[ok] - e.t[cmd] - e.late[ok];
    CU_ASSERT(unexplained < 500 * DFOTA_NS_PER_MS);
    if (unexplained >= 500 * DFOTA_NS_PER_MS)
        printf("\n  the answer came %.3f s after the command, late by %.3f s: the module charged "
               "for the proxy's delay\n", dfota_seconds(e.t[ok] - e.t[cmd]), dfota_seconds(e.late[ok]));
    close(host);
    dfota_proxy_free(p);
    rig_down(&r);
}

/* Bytes just written to a terminal's master are the host's to read, and
 * dfota_pty_unread says so at once: the kernel hands them to the slave a
 * moment later, on its own, and a USB power-off decided in that moment
 * would hang up on an END the host never got. 20,000 writes, each asked
 * about right after it is made. */
static void test_unread_at_once(void)
{
    char tty[64], err[256];
    int m = dfota_pty_open(tty, sizeof tty, err, sizeof err);
    CU_ASSERT_FATAL(m >= 0);
    int s = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK); /* the host, which never reads until asked */
    CU_ASSERT_FATAL(s >= 0);
    static const char end[] = "\r\n+QIND: \"FOTA\",\"END\",0\r\n";
    int missed = 0;
    char buf[4096];
    for (int i = 0; i < 20000; i++) {
        CU_ASSERT_FATAL(write(m, end, sizeof end - 1) == (ssize_t)(sizeof end - 1));
        if (!dfota_pty_unread(tty))
            missed++;
        /* the host reads all of it: a poll first, which waits for the
         * kernel's hand-over, so that nothing is left for the next write */
        struct pollfd p = {s, POLLIN, 0};
        while (poll(&p, 1, 0) == 1 && read(s, buf, sizeof buf) > 0)
            ;
    }
    CU_ASSERT_EQUAL(missed, 0);
    if (missed)
        printf("\n    %d of 20000 writes not yet unread when asked\n", missed);
    close(s);
    close(m);
}

static void test_gives_up(void)
{
    rig r;
    events e = {.n = 0};
    char err[DFOTA_ERRBUF] = "";
    dfota_err rc = DFOTA_OK;
    CU_ASSERT_EQUAL_FATAL(rig_up(&r), 0);
    dfota_proxy *p = proxy_up(&r, &e, 50 * 1000000LL);
    module_down(&r);
    for (int i = 0; i < STEPS_MAX && rc == DFOTA_OK; i++)
        rc = dfota_proxy_step(p, 10, err, sizeof err);
    CU_ASSERT_EQUAL(rc, DFOTA_E_TIMEOUT);
    CU_ASSERT(strstr(err, "did not come back") != NULL);
    dfota_proxy_free(p);
    rig_down(&r);
}

static void test_refuses(void)
{
    rig r;
    char err[DFOTA_ERRBUF] = "", file[160], missing[160];
    dfota_proxy *p = NULL;
    CU_ASSERT_EQUAL_FATAL(rig_up(&r), 0);
    snprintf(file, sizeof file, "%s/file", r.dir);
    snprintf(missing, sizeof missing, "%s/no-such-port", r.dir);
    FILE *f = fopen(file, "w");
    CU_ASSERT_FATAL(f != NULL);
    fclose(f);
    dfota_proxy_opts o = {r.module_link, NULL, file, 0, 0, NULL, NULL};
    CU_ASSERT_EQUAL(dfota_proxy_new(&o, &p, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT(p == NULL);
    CU_ASSERT(strstr(err, "not a symbolic link") != NULL);
    o.link = r.host_link;
    o.port = missing;
    CU_ASSERT_EQUAL(dfota_proxy_new(&o, &p, err, sizeof err), DFOTA_E_IO);
    CU_ASSERT(p == NULL);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(lstat(r.host_link, &st), 0); /* no link left behind */
    o.port = NULL;
    CU_ASSERT_EQUAL(dfota_proxy_new(&o, &p, err, sizeof err), DFOTA_E_ARG);
    dfota_proxy_free(NULL);
    unlink(file);
    rig_down(&r);
}

static const test_entry tests[] = {
    {"forwards both ways", test_forwards_both_ways},
    {"a reboot drops the link and brings it back", test_reboot},
    {"gives up on a port that stays away", test_gives_up},
    {"what waited for the proxy says how late it is", test_lateness},
    {"each line is as late as when it is reported", test_lateness_per_line},
    {"what is seen at once is reported in the order that charges no one", test_order_when_late},
    {"a host's bytes as the port goes come before port-lost", test_sent_as_the_port_goes},
    {"the proxy's delay in passing a command on is not the module's", test_forward_delay},
    {"bytes written are unread at once", test_unread_at_once},
    {"refuses a link in the way and a missing port", test_refuses},
};

int main(void)
{
    return RUN_SUITE("proxy", tests);
}
