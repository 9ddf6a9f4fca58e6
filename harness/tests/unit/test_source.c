/* SPDX-License-Identifier: MIT */
/* test_source.c - the serial source's spec (dfota_source_parse_serial): what
 * follows "serial:", parsed without opening anything; and the probes of a
 * live source's module (lib/source/probe.c), against a scripted module. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/base.h"
#include "dfota/judge.h"
#include "dfota/run.h"
#include "dfota/scenario.h"
#include "dfota/source.h"
#include "dfota/stage.h"

static const struct {
    const char *spec;
    size_t cap;         /* the port's buffer; 0: DFOTA_PORT_NAME_MAX */
    dfota_err rc;
    const char *port;   /* with DFOTA_OK */
    int baud, flow, settle_ms;
    double scale;
} cases[] = {
    {"/dev/ttyUSB2,baud=115200,flow=rtscts,settle=200ms,time-scale=0.01", 0, DFOTA_OK,
     "/dev/ttyUSB2", 115200, DFOTA_FLOW_RTSCTS, 200, 0.01},
    {"usb:2c7c:0195:if=2", 0, DFOTA_OK, "usb:2c7c:0195:if=2", 0, DFOTA_FLOW_NONE, -1, 1},
    {"/dev/ttyUSB2", 13, DFOTA_OK, "/dev/ttyUSB2", 0, DFOTA_FLOW_NONE, -1, 1},
    {"", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {",baud=9600", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,baud=1", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,flow=xon", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,settle=61s", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,time-scale=0", 0, DFOTA_E_ARG, NULL, 0, 0, 0, 0},
    /* A PORT longer than its buffer is too big, not missing (found by
     * fuzz_inputs: it was DFOTA_E_ARG with "no port given"). */
    {"/dev/ttyUSB2", 12, DFOTA_E_TOO_BIG, NULL, 0, 0, 0, 0},
    {"/dev/ttyUSB2,baud=9600", 4, DFOTA_E_TOO_BIG, NULL, 0, 0, 0, 0},
};

static void test_parse_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char port[DFOTA_PORT_NAME_MAX], err[DFOTA_ERRBUF] = "";
        dfota_port_opts po;
        double scale = -1;
        size_t cap = cases[i].cap ? cases[i].cap : sizeof port;
        dfota_err rc = dfota_source_parse_serial(cases[i].spec, port, cap, &po, &scale, err,
                                                 sizeof err);
        int ok = rc == cases[i].rc;
        if (ok && rc == DFOTA_OK)
            ok = strcmp(port, cases[i].port) == 0 && po.baud == cases[i].baud &&
                 (int)po.flow == cases[i].flow && po.settle_ms == cases[i].settle_ms &&
                 scale == cases[i].scale;
        if (ok && rc != DFOTA_OK)
            ok = err[0] != '\0';
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  '%s' (cap %zu): rc %d, expected %d; err '%s'\n", cases[i].spec, cap,
                   (int)rc, (int)cases[i].rc, err);
    }
}

/* A package URL sent to a module must not name this machine by its
 * loopback: on the module that is the module itself. */
static void test_url_loopback(void)
{
    static const struct {
        const char *url;
        int loopback;
    } urls[] = {
        {"http://127.0.0.1:8080/update.zip", 1},
        {"ftp://test:test@127.0.0.1:2121/update-v12-to-v13.zip", 1},
        {"http://127.1.2.3/x.zip", 1},
        {"HTTP://LOCALHOST/x.zip", 1},
        {"http://[::1]:8080/x.zip", 1},
        {"ftp://user:127.0.0.1@ftp.example.net/x.zip", 0}, /* a password, not the host */
        {"http://127.0.0.1.example.net/x.zip", 0},
        {"http://www.example.net:100/update.zip", 0},
        {"http://10.0.0.5/x.zip", 0},
        {"/data/ufs/update.zip", 0},
        {"not a url", 0},
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        int got = dfota_url_is_loopback(urls[i].url);
        CU_ASSERT_EQUAL(got, urls[i].loopback);
        if (got != urls[i].loopback)
            printf("\n  '%s': %d, expected %d\n", urls[i].url, got, urls[i].loopback);
    }
    CU_ASSERT_EQUAL(dfota_url_is_loopback(NULL), 0);
}

/* ---- probes against a scripted module ------------------------------------ */

#define S 1000000000LL

/* A live source whose module answers each command with the lines its
 * script gives, a second later; a command it does not know gets nothing. */
typedef struct {
    const char *const *script; /* command, its answer lines, NULL; ...; NULL */
    const char *queue[16];
    size_t head, n;
    int64_t now, due;
    unsigned sends;
    int64_t oversleep; /* how much later than its deadline a wait ends (a busy harness) */
} fake;

static dfota_err fake_send(dfota_source *s, const char *line, size_t len, char *err, size_t errlen)
{
    fake *f = s->impl;
    (void)err;
    (void)errlen;
    f->sends++;
    for (const char *const *p = f->script; *p; ) {
        int match = strlen(*p) == len && memcmp(*p, line, len) == 0;
        for (p++; *p; p++)
            if (match && f->n < 16)
                f->queue[(f->head + f->n++) % 16] = *p;
        p++;
        if (match)
            break;
    }
    f->due = f->now + S;
    return DFOTA_OK;
}

static int fake_next(dfota_source *s, int64_t deadline, dfota_event *ev, char *err, size_t errlen)
{
    fake *f = s->impl;
    (void)err;
    (void)errlen;
    if (f->n == 0 || (deadline != DFOTA_T_NONE && f->due > deadline)) {
        if (deadline != DFOTA_T_NONE && deadline > f->now)
            f->now = deadline + f->oversleep;
        return DFOTA_E_TIMEOUT;
    }
    if (f->due > f->now)
        f->now = f->due;
    const char *line = f->queue[f->head];
    f->head = (f->head + 1) % 16;
    f->n--;
    memset(ev, 0, sizeof *ev);
    ev->t_ns = f->now;
    ev->dir = DFOTA_DIR_MODULE;
    ev->data = line;
    ev->len = ev->full_len = strlen(line);
    return 1;
}

static int64_t fake_now(dfota_source *s)
{
    return ((fake *)s->impl)->now;
}

static const dfota_source_ops fake_ops = {"fake", 1, fake_next, fake_send, fake_now, NULL, NULL};

/* A new terminal behind link, as a module's port that comes back: its
 * master, or -1. */
static int port_up(const char *link)
{
    char slave[64];
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, slave, sizeof slave) != 0) {
        if (m >= 0)
            close(m);
        return -1;
    }
    unlink(link);
    if (symlink(slave, link) != 0) {
        close(m);
        return -1;
    }
    return m;
}

/* A serial source on a pseudo-terminal behind dir/tty, whose master (m)
 * the test plays the module on; opts follow the port in the spec. */
typedef struct {
    char dir[32];
    char link[96];
    int m;
    dfota_source *src;
} serial_rig;

static void serial_rig_up(serial_rig *r, const char *opts)
{
    char spec[160], err[DFOTA_ERRBUF] = "";
    snprintf(r->dir, sizeof r->dir, "/tmp/dfota-src-XXXXXX");
    CU_ASSERT_FATAL(mkdtemp(r->dir) != NULL);
    snprintf(r->link, sizeof r->link, "%s/tty", r->dir);
    r->m = port_up(r->link);
    CU_ASSERT_FATAL(r->m >= 0);
    snprintf(spec, sizeof spec, "%s%s", r->link, opts);
    r->src = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_source_open_serial(spec, &r->src, err, sizeof err), DFOTA_OK);
}

/* The source closed, the link and the folder gone (the test closes its master). */
static void serial_rig_down(serial_rig *r)
{
    dfota_source_close(r->src);
    unlink(r->link);
    rmdir(r->dir);
}

/* A port that comes back is found some time after it came: at least the
 * settle time it must stay before it is opened, and the spacing of the
 * looks. The port-back event carries that as its lateness, so that a
 * reboot window missed by less is the harness's trouble, not the module's
 * (a 300 ms settle here, on a wall clock). */
static void test_port_back_lateness(void)
{
    serial_rig r;
    serial_rig_up(&r, ",settle=300ms");
    char *link = r.link, err[DFOTA_ERRBUF] = "";
    int m = r.m;
    dfota_source *src = r.src;
    /* the module reboots: its terminal goes, a new one comes at once */
    close(m);
    unlink(link);
    dfota_event ev;
    int rc = src->ops->next(src, src->ops->now(src) + 5 * DFOTA_NS_PER_S, &ev, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT(rc == 1 && ev.dir == DFOTA_DIR_HARNESS && ev.len == 9 && memcmp(ev.data, "port-lost", 9) == 0);
    m = port_up(link);
    CU_ASSERT_FATAL(m >= 0);
    rc = src->ops->next(src, src->ops->now(src) + 5 * DFOTA_NS_PER_S, &ev, err, sizeof err);
    CU_ASSERT_EQUAL(rc, 1);
    int back = rc == 1 && ev.dir == DFOTA_DIR_HARNESS && ev.len == 9 && memcmp(ev.data, "port-back", 9) == 0;
    CU_ASSERT(back);
    CU_ASSERT(back && ev.late_ns >= 300 * DFOTA_NS_PER_MS);
    if (back && ev.late_ns < 300 * DFOTA_NS_PER_MS)
        printf("\n  port-back late by %.3f s, want at least the 0.300 s settle\n", dfota_seconds(ev.late_ns));
    close(m);
    serial_rig_down(&r);
}

/* The next event of src within 5 s of its time, into ev; 1 when there is one. */
static int next_within_5s(dfota_source *src, dfota_event *ev, char *err, size_t errlen)
{
    return src->ops->next(src, src->ops->now(src) + 5 * DFOTA_NS_PER_S, ev, err, errlen);
}

static int is_line(const dfota_event *ev, const char *text)
{
    return ev->len == strlen(text) && memcmp(ev->data, text, ev->len) == 0;
}

/* The module reboots: its terminal and link go, and the source says so. */
static void port_goes(serial_rig *r)
{
    dfota_event ev;
    char err[DFOTA_ERRBUF];
    close(r->m);
    r->m = -1;
    unlink(r->link);
    CU_ASSERT_EQUAL(next_within_5s(r->src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "port-lost"));
}

/* What a serial port's lines say of the harness's lateness: a line that
 * waited after a reboot may have waited since the port came back, not
 * since before the module rebooted (2 s away here: a window ending at RDY
 * could otherwise hardly fail), yet as long as it waited (0.3 s); each
 * line of one read is as late as when it is returned (a caller busy 0.5 s
 * between two of them); and a line sent is stamped when it was written. */
static void test_serial_line_lateness(void)
{
    serial_rig r;
    serial_rig_up(&r, ""); /* a pseudo-terminal: no settle time */
    char *link = r.link, err[DFOTA_ERRBUF] = "";
    int m;
    dfota_source *src = r.src;
    dfota_event ev;
    port_goes(&r);
    /* 2 s away: the source looks for it meanwhile */
    CU_ASSERT_EQUAL(src->ops->next(src, src->ops->now(src) + 2 * DFOTA_NS_PER_S, &ev, err, sizeof err),
                    DFOTA_E_TIMEOUT);
    m = port_up(link);
    CU_ASSERT_FATAL(m >= 0);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "port-back"));
    /* RDY waits 0.3 s for the source to read it */
    CU_ASSERT(write(m, "\r\nRDY\r\n", 7) == 7);
    struct timespec pause = {0, 300000000L}, half = {0, 500000000L};
    nanosleep(&pause, NULL);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "RDY"));
    /* not the 2 s away, with a margin for a busy machine */
    CU_ASSERT(ev.late_ns >= 300 * DFOTA_NS_PER_MS && ev.late_ns < 1500 * DFOTA_NS_PER_MS);
    if (ev.late_ns < 300 * DFOTA_NS_PER_MS || ev.late_ns >= 1500 * DFOTA_NS_PER_MS)
        printf("\n  RDY after the reboot late by %.3f s, want 0.3 s to 1.5 s\n", dfota_seconds(ev.late_ns));
    /* two lines in one read, the caller busy between them; a look that
     * finds the port empty first, which they count from */
    CU_ASSERT_EQUAL(src->ops->next(src, src->ops->now(src) + 50 * DFOTA_NS_PER_MS, &ev, err, sizeof err),
                    DFOTA_E_TIMEOUT);
    CU_ASSERT(write(m, "\r\nA\r\n\r\nB\r\n", 10) == 10);
    nanosleep(&half, NULL);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "A"));
    nanosleep(&half, NULL);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "B"));
    CU_ASSERT(ev.late_ns >= 950 * DFOTA_NS_PER_MS);
    if (ev.late_ns < 950 * DFOTA_NS_PER_MS)
        printf("\n  the second line returned 1 s after its bytes came, late by %.3f s\n",
               dfota_seconds(ev.late_ns));
    /* a line sent, reported 1 s later: stamped when it was written (a
     * step that counts from it starts there), which is known exactly */
    int64_t before = src->ops->now(src);
    CU_ASSERT_EQUAL(src->ops->send(src, "AT", 2, err, sizeof err), DFOTA_OK);
    nanosleep(&half, NULL);
    nanosleep(&half, NULL);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(ev.dir == DFOTA_DIR_HOST && is_line(&ev, "AT"));
    CU_ASSERT(ev.t_ns - before < 500 * DFOTA_NS_PER_MS && ev.late_ns == 0);
    if (ev.t_ns - before >= 500 * DFOTA_NS_PER_MS || ev.late_ns != 0)
        printf("\n  the line sent 1 s before it was reported stamped %.3f s after the send began, "
               "late by %.3f s\n", dfota_seconds(ev.t_ns - before), dfota_seconds(ev.late_ns));
    close(m);
    serial_rig_down(&r);
}

/* A send while the port is away waits for it (a reboot): the port-back
 * it found is reported first and stamped no later than the line sent
 * after it, and the lateness of what the port then says counts from its
 * return. The port comes back in another process, 1 s after the loss. */
static void test_send_waits_for_port(void)
{
    serial_rig r;
    serial_rig_up(&r, "");
    char *link = r.link, err[DFOTA_ERRBUF] = "";
    dfota_source *src = r.src;
    dfota_event ev;
    port_goes(&r);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) { /* the module: back after 1 s, says RDY at once */
        struct timespec one = {1, 0}, three = {3, 0};
        nanosleep(&one, NULL);
        int mm = port_up(link);
        if (mm >= 0 && write(mm, "\r\nRDY\r\n", 7) == 7)
            nanosleep(&three, NULL);
        _exit(0);
    }
    CU_ASSERT_EQUAL(src->ops->send(src, "AT", 2, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    int back = is_line(&ev, "port-back");
    int64_t t_back = ev.t_ns;
    CU_ASSERT(back);
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(ev.dir == DFOTA_DIR_HOST && is_line(&ev, "AT"));
    CU_ASSERT(t_back <= ev.t_ns);
    if (t_back > ev.t_ns)
        printf("\n  port-back stamped %.3f s after the line sent once it was back\n",
               dfota_seconds(t_back - ev.t_ns));
    CU_ASSERT_EQUAL(next_within_5s(src, &ev, err, sizeof err), 1);
    CU_ASSERT(is_line(&ev, "RDY"));
    CU_ASSERT(ev.late_ns < 900 * DFOTA_NS_PER_MS); /* not the 1 s away and more */
    if (ev.late_ns >= 900 * DFOTA_NS_PER_MS)
        printf("\n  RDY after a send that waited for the port late by %.3f s\n", dfota_seconds(ev.late_ns));
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);
    serial_rig_down(&r);
}

/* A live source that says what it is given: each event with its time and
 * how late it was read. */
typedef struct {
    char dir[4];
    const char *text[4];
    int64_t t[4], late[4];
    size_t n, i;
    int64_t now;
} told;

static int told_next(dfota_source *s, int64_t deadline, dfota_event *ev, char *err, size_t errlen)
{
    told *k = s->impl;
    (void)err;
    (void)errlen;
    if (k->i == k->n || (deadline != DFOTA_T_NONE && k->t[k->i] > deadline)) {
        if (deadline == DFOTA_T_NONE)
            return 0;
        k->now = deadline;
        return DFOTA_E_TIMEOUT;
    }
    memset(ev, 0, sizeof *ev);
    ev->dir = (dfota_dir)k->dir[k->i];
    ev->data = k->text[k->i];
    ev->len = ev->full_len = strlen(k->text[k->i]);
    ev->t_ns = k->now = k->t[k->i];
    ev->late_ns = k->late[k->i];
    k->i++;
    return 1;
}

static dfota_err told_send(dfota_source *s, const char *line, size_t len, char *err, size_t errlen)
{
    (void)s, (void)line, (void)len, (void)err, (void)errlen;
    return DFOTA_OK;
}

static int64_t told_now(dfota_source *s)
{
    return ((told *)s->impl)->now;
}

static const char *told_meta(dfota_source *s, const char *key)
{
    (void)s, (void)key;
    return NULL;
}

/* The third step of "send AT, expect OK, THIRD", on a live source that
 * says AT at 0, OK at 1 s read up to ok_late after it came, and START at
 * start: its verdict must be want. A harness's lateness is its trouble
 * (exit 4); a module's miss a verdict. */
static void late_anchor_verdict(const char *third, int64_t start, int64_t ok_late, dfota_verdict want)
{
    char yaml[256];
    int n = snprintf(yaml, sizeof yaml, "name: t\nsection: '3'\nsteps:\n  - send: AT\n  - expect: OK\n%s",
                     third);
    dfota_scenario *sc = NULL;
    char err[DFOTA_ERRBUF] = "";
    CU_ASSERT_EQUAL_FATAL(dfota_scenario_parse("t", yaml, (size_t)n, &sc, err, sizeof err), DFOTA_OK);
    told k = {{'>', '<', '<'}, {"AT", "OK", "+QIND: \"FOTA\",\"START\""}, {0, S, start}, {0, ok_late, 0}, 3, 0, 0};
    static const dfota_source_ops ops = {"told", 1, told_next, told_send, told_now, told_meta, NULL};
    dfota_source src = {&ops, &k};
    dfota_run_opts o;
    memset(&o, 0, sizeof o);
    dfota_scenario_result res;
    memset(&res, 0, sizeof res); /* as every caller gives it: the runner fills what it judges */
    dfota_err rc = dfota_run_scenario(sc, &src, &o, &res);
    CU_ASSERT(ok_late ? rc != DFOTA_OK && res.harness_error : rc == DFOTA_OK && !res.harness_error);
    dfota_verdict v = sc->n_steps == 3 && res.steps ? res.steps[2].verdict : DFOTA_V_NA;
    CU_ASSERT_EQUAL(v, want);
    if (v != want)
        printf("\n  %s with OK late by %.3f s: step 3 %s: %s\n", third, dfota_seconds(ok_late),
               dfota_verdict_name(v), sc->n_steps == 3 && res.steps ? res.steps[2].detail : "");
    dfota_scenario_result_clear(&res);
    dfota_scenario_free(sc);
}

/* A step's after: bound counts from the step before's event, which the
 * harness may itself have read late: OK read at 1 s but perhaps there
 * since 0.1 s, START at 2 s, "after: 1.5s": the gap was 1 s to 1.9 s, so
 * it cannot be called short. With OK read on time, it is a FAIL. So for a
 * silence: 2 s from OK, START at 2.5 s, came inside it when OK was read
 * on time, perhaps after it ended when OK was read 0.9 s late. */
static void test_after_counts_anchor_lateness(void)
{
    static const char after[] = "  - expect_urc: START\n    after: 1500ms\n";
    static const char silence[] = "  - expect_silence: 2s\n";
    late_anchor_verdict(after, 2 * S, 0, DFOTA_V_FAIL);
    late_anchor_verdict(after, 2 * S, 900 * DFOTA_NS_PER_MS, DFOTA_V_INCOMPLETE);
    late_anchor_verdict(silence, 5 * S / 2, 0, DFOTA_V_FAIL);
    late_anchor_verdict(silence, 5 * S / 2, 900 * DFOTA_NS_PER_MS, DFOTA_V_INCOMPLETE);
}

static void test_probe(void)
{
    static const char *const answers[] = {"AT", "OK", NULL, NULL};
    static const char *const silent[] = {NULL};
    char err[DFOTA_ERRBUF];
    fake f = {.script = answers};
    dfota_source src = {&fake_ops, &f};
    int64_t late = -1;
    CU_ASSERT_EQUAL(dfota_source_probe(&src, 10 * S, &late, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(late, 0);
    fake g = {.script = silent};
    dfota_source quiet = {&fake_ops, &g};
    CU_ASSERT_EQUAL(dfota_source_probe(&quiet, 10 * S, &late, err, sizeof err), DFOTA_E_TIMEOUT);
    CU_ASSERT(g.sends >= 3); /* asked again every few seconds */
    CU_ASSERT_EQUAL(late, 0); /* a silent module, a harness on time */
    /* A harness whose waits end 4 s past their deadlines cannot say the
     * module was silent: it says how late it was. */
    fake h = {.script = silent, .oversleep = 4 * S};
    dfota_source busy = {&fake_ops, &h};
    CU_ASSERT_EQUAL(dfota_source_probe(&busy, 10 * S, &late, err, sizeof err), DFOTA_E_TIMEOUT);
    CU_ASSERT_EQUAL(late, 4 * S);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "the harness was late"));
    CU_ASSERT_EQUAL(dfota_source_probe(&busy, 10 * S, NULL, err, sizeof err), DFOTA_E_TIMEOUT);
}

/* What identify makes of a module that answers with script. */
static void expect_identity(const char *const *script)
{
    char err[DFOTA_ERRBUF];
    fake f = {.script = script};
    dfota_source src = {&fake_ops, &f};
    dfota_identity id;
    CU_ASSERT_EQUAL_FATAL(dfota_source_identify(&src, 60 * S, &id, err, sizeof err), DFOTA_OK);
    CU_ASSERT_STRING_EQUAL(id.model, "Quectel EG95");
    CU_ASSERT_STRING_EQUAL(id.revision, "EG95EFAR02A07M4G");
    CU_ASSERT_STRING_EQUAL(id.firmware, "EG95EFAR02A07M4G_01.002.01.002");
}

static void test_identify(void)
{
    static const char *const module[] = {
        "ATI", "Quectel", "EG95", "Revision: EG95EFAR02A07M4G", "OK", NULL,
        "AT+QGMR", "EG95EFAR02A07M4G_01.002.01.002", "OK", NULL,
        NULL};
    expect_identity(module);
    char err[DFOTA_ERRBUF];
    fake f = {.script = module};
    dfota_identity id;
    static const dfota_source_ops recorded = {"fake", 0, fake_next, fake_send, fake_now, NULL, NULL};
    dfota_source rec = {&recorded, &f};
    CU_ASSERT_EQUAL(dfota_source_identify(&rec, S, &id, err, sizeof err), DFOTA_E_ARG);
}

/* A booting module's unsolicited lines (+QIND: PB DONE, +CPIN: READY) may
 * come inside an answer: they are not what it is or runs (e2e.serial-library
 * once saw "the module runs +QIND: PB DONE"). */
static void test_identify_booting(void)
{
    static const char *const module[] = {
        "ATI", "+CPIN: READY", "Quectel", "EG95", "Revision: EG95EFAR02A07M4G", "OK", NULL,
        "AT+QGMR", "+QIND: PB DONE", "EG95EFAR02A07M4G_01.002.01.002", "OK", NULL,
        NULL};
    expect_identity(module);
}

static void test_file_size(void)
{
    static const char *const module[] = {
        "AT+QFLST=\"UFS:a.zip\"", "+QFLST: \"UFS:a.zip\",1234", "OK", NULL,
        "AT+QFLST=\"UFS:b.zip\"", "+CME ERROR: 405", NULL,
        NULL};
    char err[DFOTA_ERRBUF];
    fake f = {.script = module};
    dfota_source src = {&fake_ops, &f};
    long long size = 0;
    CU_ASSERT_EQUAL(dfota_source_file_size(&src, "a.zip", 30 * S, &size, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(size, 1234);
    CU_ASSERT_EQUAL(dfota_source_file_size(&src, "b.zip", 30 * S, &size, err, sizeof err),
                    DFOTA_E_INPUT);
    CU_ASSERT_EQUAL(dfota_source_file_size(&src, "a\"b", 30 * S, &size, err, sizeof err),
                    DFOTA_E_ARG);
}

/* ---- the AT client (dfota/at.h) over a transport of scripted lines ------ */

typedef struct {
    const char *const *lines;   /* what the module says, in order; NULL ends it */
    size_t i;
    int64_t now;
    unsigned sends;
} script;

static dfota_err script_send(void *ctx, const char *line, size_t len, char *err, size_t errlen)
{
    script *sc = ctx;
    (void)line;
    (void)len;
    (void)err;
    (void)errlen;
    sc->sends++;
    return DFOTA_OK;
}

static int script_next(void *ctx, int64_t deadline, const char **line, size_t *len, char *err,
                       size_t errlen)
{
    script *sc = ctx;
    (void)err;
    (void)errlen;
    if (!sc->lines[sc->i]) {
        sc->now = deadline;
        return DFOTA_E_TIMEOUT;
    }
    *line = sc->lines[sc->i++];
    *len = strlen(*line);
    return 1;
}

static dfota_err ask(const char *const *lines, dfota_at_answer *ans, script *sc)
{
    char err[DFOTA_ERRBUF];
    memset(sc, 0, sizeof *sc);
    sc->lines = lines;
    dfota_at_transport t = {script_send, script_next, sc};
    dfota_at_client c;
    dfota_at_client_init(&c, &t);
    return dfota_at_client_ask(&c, "AT+X", 5 * S, ans, err, sizeof err);
}

/* An answer is the information text, without the echo and the URCs, up to
 * a final result as dfota_classify has it: CONNECT and +CME ERROR too. */
static void test_client_answer(void)
{
    static const char *const connect[] = {"AT+QFUPL=\"UFS:a.zip\",10,5",
                                          "+QIND: \"FOTA\",\"START\"", "CONNECT", NULL};
    static const char *const cme[] = {"+CME ERROR: 421", NULL};
    static const char *const info[] = {"+QFUPL: 10,abcd", "OK", "left", NULL};
    static const char *const none[] = {NULL};
    dfota_at_answer ans;
    script sc;
    CU_ASSERT_EQUAL(ask(connect, &ans, &sc), DFOTA_OK);
    CU_ASSERT_EQUAL(ans.kind, DFOTA_ITEM_FINAL);
    CU_ASSERT_EQUAL(ans.final, DFOTA_FINAL_CONNECT);
    CU_ASSERT_STRING_EQUAL(ans.text, "CONNECT");
    CU_ASSERT_EQUAL(ans.n_lines, 0);
    CU_ASSERT_EQUAL(ask(cme, &ans, &sc), DFOTA_OK);
    CU_ASSERT_EQUAL(ans.kind, DFOTA_ITEM_ERROR);
    CU_ASSERT_EQUAL(ans.final, DFOTA_FINAL_CME_ERROR);
    CU_ASSERT(ans.has_code && ans.code == 421);
    CU_ASSERT_EQUAL(ask(info, &ans, &sc), DFOTA_OK);
    CU_ASSERT_EQUAL(ans.kind, DFOTA_ITEM_OK);
    CU_ASSERT_EQUAL_FATAL(ans.n_lines, 1);
    CU_ASSERT_STRING_EQUAL(ans.lines[0], "+QFUPL: 10,abcd");
    CU_ASSERT_EQUAL(sc.i, 2); /* nothing read past the final result */
    CU_ASSERT_EQUAL(ask(none, &ans, &sc), DFOTA_E_TIMEOUT);
}

/* Commands asked again owe answers; draining reads them and no more. */
static void test_client_drain(void)
{
    static const char *const lines[] = {"OK", "ERROR", "next", NULL};
    char err[DFOTA_ERRBUF];
    script sc = {.lines = lines};
    dfota_at_transport t = {script_send, script_next, &sc};
    dfota_at_client c;
    dfota_at_client_init(&c, &t);
    CU_ASSERT_EQUAL(dfota_at_client_send(&c, "AT", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_at_client_send(&c, "AT", err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(c.owed, 2);
    dfota_at_client_drain(&c, 5 * S);
    CU_ASSERT_EQUAL(c.owed, 0);
    CU_ASSERT_EQUAL(sc.i, 2);
}

int main(void)
{
    static const test_entry tests[] = {
        {"serial spec table", test_parse_table},
        {"a URL that names the loopback", test_url_loopback},
        {"probe: a module that answers AT, and none", test_probe},
        {"a port back is late by its settle time and looks", test_port_back_lateness},
    {"a serial line is as late as it may be, and no later", test_serial_line_lateness},
    {"a send that waits for the port comes after its port-back", test_send_waits_for_port},
        {"after: and expect_silence count the harness's lateness", test_after_counts_anchor_lateness},
        {"identify: ATI and AT+QGMR", test_identify},
        {"identify: a booting module's unsolicited lines", test_identify_booting},
        {"file size: AT+QFLST", test_file_size},
        {"the AT client's answer and final result", test_client_answer},
        {"the AT client drains the answers owed", test_client_drain},
    };
    return RUN_SUITE("source", tests);
}
