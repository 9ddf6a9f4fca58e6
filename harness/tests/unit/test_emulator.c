/* SPDX-License-Identifier: MIT */
/* test_emulator.c - the emulated module through its pseudo-terminal, as a
 * host sees it: the test opens the link, writes commands, reads lines, and
 * drives dfota_emulator_step between reads, on a virtual clock it moves
 * when both sides wait (pump). */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/guide.h"
#include "dfota/scenario.h"

#define FW_OLD "EG95EFAR02A07M4G"
#define FW_NEW "EG95EFAR02A08M4G"
/* The garbage fault's line, as the module sends it. */
#define EM_GARBAGE_TEXT "\xff\xfe\x80\x1b[0m~\x01\x7f#%&\xc3(garbage)"
#define WAIT_MS 5000 /* wall time any one expected line may take */

/* ---- a minimal HTTP server on 127.0.0.1, served from the test's loop ------ */

typedef struct {
    int lfd, cfd;
    unsigned short port;
    char req[4096];
    size_t req_len;
    int status;
    const uint8_t *body;
    size_t body_len;
    int requests;
} http_server;

static int http_start(http_server *s, int status, const uint8_t *body, size_t len)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    memset(s, 0, sizeof *s);
    s->cfd = -1;
    s->status = status;
    s->body = body;
    s->body_len = len;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->lfd, 4) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return 0;
}

static void http_stop(http_server *s)
{
    if (s->cfd >= 0)
        close(s->cfd);
    if (s->lfd >= 0)
        close(s->lfd);
    s->cfd = s->lfd = -1;
}

static void http_answer(http_server *s)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", s->status,
                     s->status == 200 ? "OK" : "Not Found", s->status == 200 ? s->body_len : 0);
    int fl = fcntl(s->cfd, F_GETFL);
    fcntl(s->cfd, F_SETFL, fl & ~O_NONBLOCK);
    if (write(s->cfd, head, (size_t)n) == n && s->status == 200)
        for (size_t o = 0; o < s->body_len;) {
            ssize_t w = write(s->cfd, s->body + o, s->body_len - o);
            if (w <= 0)
                break;
            o += (size_t)w;
        }
    close(s->cfd);
    s->cfd = -1;
    s->req_len = 0;
    s->requests++;
}

static void http_pump(http_server *s)
{
    if (!s || s->lfd < 0)
        return;
    if (s->cfd < 0 && (s->cfd = accept(s->lfd, NULL, NULL)) >= 0)
        fcntl(s->cfd, F_SETFL, O_NONBLOCK);
    if (s->cfd < 0)
        return;
    ssize_t r = read(s->cfd, s->req + s->req_len, sizeof s->req - 1 - s->req_len);
    if (r > 0) {
        s->req_len += (size_t)r;
        s->req[s->req_len] = '\0';
    }
    if (strstr(s->req, "\r\n\r\n") || s->req_len == sizeof s->req - 1)
        http_answer(s);
}

/* A port on 127.0.0.1 where nothing listens. */
static unsigned short closed_port(void)
{
    http_server s;
    unsigned short p = 0;
    if (http_start(&s, 404, NULL, 0) == 0)
        p = s.port;
    http_stop(&s);
    return p;
}

/* ---- the rig: an emulator, its link, and the host's side ----------------- */

typedef struct {
    char dir[64], link[128], ufs[128];
    dfota_clock *clock;      /* virtual: moved by pump when both sides wait */
    dfota_emulator *em;
    int fd;
    int hung;                /* the host saw the terminal hang up */
    char in[8192];
    size_t in_len;
    char seen[4096];         /* the last lines, for failure messages */
    http_server *http;
} rig;

static void seen_add(rig *r, const char *line)
{
    size_t n = strlen(line), have = strlen(r->seen);
    if (have + n + 4 >= sizeof r->seen)
        r->seen[0] = '\0', have = 0;
    snprintf(r->seen + have, sizeof r->seen - have, "%s | ", line);
}

static int host_open(rig *r)
{
    struct termios t;
    r->fd = open(r->link, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (r->fd < 0)
        return -1;
    if (tcgetattr(r->fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(r->fd, TCSANOW, &t);
    }
    r->hung = 0;
    r->in_len = 0;
    return 0;
}

static void host_close(rig *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    /* what the host did not read is no longer on its way to it */
    dfota_clock_wire_taken(r->clock, DFOTA_WIRE_TO_HOST,
                           (size_t)dfota_clock_on_wire(r->clock, DFOTA_WIRE_TO_HOST));
}

/* The host writes: the bytes are on the wire until the emulator reads them. */
static int host_write(rig *r, const void *data, size_t len)
{
    if (r->fd < 0 || write(r->fd, data, len) != (ssize_t)len)
        return 0;
    dfota_clock_wire_sent(r->clock, DFOTA_WIRE_TO_MODULE, len);
    return 1;
}

static void rig_opts(dfota_emulator_opts *o)
{
    memset(o, 0, sizeof *o);
}

static int rig_start(rig *r, dfota_emulator_opts *o)
{
    char err[DFOTA_ERRBUF] = "";
    memset(r, 0, sizeof *r);
    r->fd = -1;
    snprintf(r->dir, sizeof r->dir, "/tmp/dfota-emu-XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    snprintf(r->link, sizeof r->link, "%s/tty", r->dir);
    snprintf(r->ufs, sizeof r->ufs, "%s/ufs", r->dir);
    if (mkdir(r->ufs, 0700) != 0)
        return -1;
    o->link = r->link;
    o->ufs_dir = r->ufs;
    /* Module time is virtual, as under dfota run: the rig's host is in this
     * process, and no assertion depends on how fast the machine is. */
    if (dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 0, &r->clock, err, sizeof err) != DFOTA_OK)
        return -1;
    o->clock = r->clock;
    if (dfota_emulator_new(o, &r->em, err, sizeof err) != DFOTA_OK) {
        printf("\n  emulator: %s\n", err);
        return -1;
    }
    return host_open(r);
}

static void rig_stop(rig *r)
{
    char path[256];
    host_close(r);
    dfota_emulator_free(r->em);
    r->em = NULL;
    dfota_clock_free(r->clock);
    r->clock = NULL;
    static const char *const files[] = {"update.zip", "back.zip", "bad.zip", "other.zip", "x.bin"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", r->ufs, files[i]);
        unlink(path);
    }
    rmdir(r->ufs);
    rmdir(r->dir);
}

static void host_send(rig *r, const char *cmd)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s\r", cmd);
    if (!host_write(r, line, (size_t)n))
        printf("\n  cannot send %s\n", cmd);
}

/* Steps the emulator for up to ms of wall time, serves the test's HTTP
 * server, and takes what the host can read. */
static void step_and_read(rig *r, int ms)
{
    char err[DFOTA_ERRBUF];
    if (dfota_emulator_step(r->em, ms, err, sizeof err) != DFOTA_OK)
        printf("\n  step: %s\n", err);
    http_pump(r->http);
    while (r->fd >= 0 && !r->hung && r->in_len < sizeof r->in) {
        ssize_t n = read(r->fd, r->in + r->in_len, sizeof r->in - r->in_len);
        if (n > 0) {
            r->in_len += (size_t)n;
            dfota_clock_wire_taken(r->clock, DFOTA_WIRE_TO_HOST, (size_t)n);
        } else if (n == 0 || errno == EIO)
            r->hung = 1;
        else
            break;
    }
}

/* The host waits: the emulator runs, and when both sides wait (nothing due
 * now, nothing on the wire, the host's port open when the module's is),
 * module time moves to the emulator's next planned action. */
static void pump(rig *r, int ms)
{
    size_t had = r->in_len;
    int hung = r->hung;
    step_and_read(r, 0);
    if (r->in_len != had || r->hung != hung)
        return;
    int64_t due = dfota_emulator_next_due(r->em);
    int waiting = dfota_emulator_quiet(r->em) &&
                  dfota_clock_on_wire(r->clock, DFOTA_WIRE_TO_HOST) == 0 &&
                  dfota_clock_on_wire(r->clock, DFOTA_WIRE_TO_MODULE) == 0 &&
                  !(r->fd < 0 && dfota_emulator_port_up(r->em));
    if (waiting && due != DFOTA_T_NONE) {
        dfota_clock_advance(r->clock, due);
        step_and_read(r, 0);
    } else {
        step_and_read(r, ms);
    }
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next non-blank line: 1, or 0 after max_ms, or -1 when the terminal
 * hung up and nothing is left. */
static int next_line(rig *r, int max_ms, char *out, size_t cap)
{
    int64_t end = ms_now() + max_ms;
    for (;;) {
        char *e = NULL;
        size_t start = 0;
        while (start < r->in_len && (r->in[start] == '\r' || r->in[start] == '\n'))
            start++;
        if (start < r->in_len)
            e = memchr(r->in + start, '\r', r->in_len - start);
        if (e) {
            size_t n = (size_t)(e - r->in) - start;
            snprintf(out, cap, "%.*s", (int)n, r->in + start);
            memmove(r->in, e + 1, r->in_len - (size_t)(e + 1 - r->in));
            r->in_len -= (size_t)(e + 1 - r->in);
            seen_add(r, out);
            return 1;
        }
        if (r->hung || r->fd < 0)
            return -1;
        if (ms_now() >= end)
            return 0;
        pump(r, 5);
    }
}

/* Skips lines until one equal to want; 1 when it came. */
static int expect(rig *r, const char *want)
{
    char line[512];
    int rc;
    while ((rc = next_line(r, WAIT_MS, line, sizeof line)) == 1)
        if (strcmp(line, want) == 0)
            return 1;
    printf("\n  expected '%s', %s; seen: %s\n", want, rc ? "hang-up" : "timeout", r->seen);
    return 0;
}

/* The very next line is want. */
static int expect_next(rig *r, const char *want)
{
    char line[512];
    int rc = next_line(r, WAIT_MS, line, sizeof line);
    if (rc == 1 && strcmp(line, want) == 0)
        return 1;
    printf("\n  expected next '%s', got '%s'\n", want, rc == 1 ? line : "nothing");
    return 0;
}

/* Nothing but lines not starting with prefix for ms. */
static int quiet_for(rig *r, const char *prefix, int ms)
{
    char line[512];
    int64_t end = ms_now() + ms;
    while (ms_now() < end)
        if (next_line(r, 5, line, sizeof line) == 1 && strncmp(line, prefix, strlen(prefix)) == 0) {
            printf("\n  unexpected '%s'\n", line);
            return 0;
        }
    return 1;
}

static int wait_hangup(rig *r)
{
    int64_t end = ms_now() + WAIT_MS;
    while (!r->hung && ms_now() < end)
        pump(r, 5);
    return r->hung;
}

/* The USB reboot from the host's side: the terminal hung up, the link goes
 * away, comes back pointing at the emulator's new terminal, and opens. */
static int reopen_after_reboot(rig *r)
{
    struct stat st;
    char target[256] = "";
    int gone = 0;
    int64_t end = ms_now() + WAIT_MS;
    if (!wait_hangup(r))
        return 0;
    host_close(r);
    while (ms_now() < end) {
        if (lstat(r->link, &st) != 0)
            gone = 1;
        else if (gone)
            break;
        pump(r, 2);
    }
    ssize_t n = readlink(r->link, target, sizeof target - 1);
    if (n > 0)
        target[n] = '\0';
    CU_ASSERT(gone);
    CU_ASSERT_STRING_EQUAL(target, dfota_emulator_tty(r->em));
    return gone && host_open(r) == 0;
}

static int write_package(const rig *r, const char *name, const char *from, const char *to,
                         int corrupt)
{
    char path[256];
    uint8_t payload[3000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    uint32_t crc = dfota_crc32(0, payload, sizeof payload);
    if (corrupt)
        payload[100] ^= 1;
    snprintf(path, sizeof path, "%s/%s", r->ufs, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "DFOTA-PKG 1\nfrom: %s\nto: %s\nsize: %zu\ncrc32: %08x\n\n", from, to,
            sizeof payload, (unsigned)crc);
    fwrite(payload, 1, sizeof payload, f);
    return fclose(f);
}

/* The percent of an UPDATING URC, -1 when the line is not one. */
static int updating_pct(const char *line)
{
    static const char prefix[] = "+QIND: \"FOTA\",\"UPDATING\",";
    char *end = NULL;
    if (strncmp(line, prefix, sizeof prefix - 1) != 0)
        return -1;
    long v = strtol(line + sizeof prefix - 1, &end, 10);
    return *end == '\0' && v >= 0 && v <= 100 ? (int)v : -1;
}

/* START, UPDATING rising to last, END,<code>; 1 when so. */
static int expect_attempt(rig *r, int last, int code)
{
    char line[512], end[64];
    int pct = 0, prev = 0, n = 0;
    snprintf(end, sizeof end, "+QIND: \"FOTA\",\"END\",%d", code);
    if (!expect(r, "+QIND: \"FOTA\",\"START\""))
        return 0;
    while (next_line(r, WAIT_MS, line, sizeof line) == 1 && (pct = updating_pct(line)) >= 0) {
        CU_ASSERT(pct >= prev && pct >= 1 && pct <= 100);
        prev = pct;
        n++;
    }
    CU_ASSERT(n >= 1);
    CU_ASSERT_EQUAL(prev, last);
    CU_ASSERT_STRING_EQUAL(line, end);
    return strcmp(line, end) == 0 && prev == last;
}

/* ---- tests --------------------------------------------------------------- */

static void test_crc32_vectors(void)
{
    CU_ASSERT_EQUAL(dfota_crc32(0, "123456789", 9), 0xCBF43926u);
    CU_ASSERT_EQUAL(dfota_crc32(0, "", 0), 0u);
    CU_ASSERT_EQUAL(dfota_crc32(0, "a", 1), 0xE8B7BE43u);
    CU_ASSERT_EQUAL(dfota_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
    /* continued over pieces, as zlib's crc32 */
    CU_ASSERT_EQUAL(dfota_crc32(dfota_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void test_basic_at(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    host_send(&r, "AT"); /* echo is on at boot */
    CU_ASSERT(expect_next(&r, "AT"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "ATE0");
    CU_ASSERT(expect_next(&r, "ATE0"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "at");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "ATI");
    CU_ASSERT(expect_next(&r, "Quectel"));
    CU_ASSERT(expect_next(&r, "EG95"));
    CU_ASSERT(expect_next(&r, "Revision: " FW_OLD));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QGMR");
    CU_ASSERT(expect_next(&r, FW_OLD));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CMEE=2");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFOTADL=?");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+NOSUCH");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+QFOTADL?");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "ATE1");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT");
    CU_ASSERT(expect_next(&r, "AT"));
    CU_ASSERT(expect_next(&r, "OK"));
    rig_stop(&r);
    struct stat st;
    CU_ASSERT(lstat(r.link, &st) != 0); /* the link goes with the emulator */
}

static void ufs_remove(const rig *r, const char *name);

/* The command line as V.250 has a module take it: bytes before AT
 * ignored, lower case, commands concatenated (one final result), ATV0's
 * numeric results, ATQ1's silence, S3, A/ and ATZ. */
static void test_v250_command_line(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    /* a host's leftover bytes before AT; three commands, one OK */
    CU_ASSERT(host_write(&r, "\xff\x00zz\x1b" "AT+CGMI;+CGMR;+CGSN\r\n", 27));
    CU_ASSERT(expect_next(&r, "Quectel"));
    CU_ASSERT(expect_next(&r, FW_OLD));
    CU_ASSERT(expect_next(&r, "867698041234561"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "at+gcap;x4&c1;+cmee=1;+cpin?");
    CU_ASSERT(expect_next(&r, "+GCAP: +CGSM"));
    CU_ASSERT(expect_next(&r, "+CPIN: READY"));
    CU_ASSERT(expect_next(&r, "OK"));
    CU_ASSERT(quiet_for(&r, "OK", 100)); /* one OK for the line, not four */
    /* the first failing command ends the line, with its error */
    host_send(&r, "AT+CGMI;+NOSUCH;+CGMM");
    CU_ASSERT(expect_next(&r, "Quectel"));
    CU_ASSERT(expect_next(&r, "ERROR"));
    CU_ASSERT(quiet_for(&r, "EG95", 100));
    /* ATV0: no header, numeric final results */
    host_send(&r, "ATV0");
    CU_ASSERT(expect_next(&r, "0"));
    host_send(&r, "AT+CGMM");
    CU_ASSERT(expect_next(&r, "EG95"));
    CU_ASSERT(expect_next(&r, "0"));
    host_send(&r, "AT+NOSUCH");
    CU_ASSERT(expect_next(&r, "4"));
    /* ATQ1: no final results at all */
    host_send(&r, "ATV1Q1");
    host_send(&r, "AT");
    CU_ASSERT(quiet_for(&r, "OK", 100));
    host_send(&r, "ATQ0");
    CU_ASSERT(expect_next(&r, "OK"));
    /* S3 read; A/ repeats the last line with no terminator */
    host_send(&r, "ATS3?");
    CU_ASSERT(expect_next(&r, "013"));
    CU_ASSERT(expect_next(&r, "OK"));
    CU_ASSERT(host_write(&r, "A/", 2));
    CU_ASSERT(expect_next(&r, "013"));
    CU_ASSERT(expect_next(&r, "OK"));
    /* ATS3=33: '!' ends a command line and frames the answers, from the
     * result of the line that set it on (V.250 6.2.1); ATZ brings CR back */
    host_send(&r, "ATS3=33");
    CU_ASSERT(host_write(&r, "AT+CGMM!ATZ!", 12));
    char line[512] = "";
    CU_ASSERT(next_line(&r, WAIT_MS, line, sizeof line) == 1);
    CU_ASSERT_STRING_EQUAL(line, "!\nOK!\n!\nEG95!\n!\nOK!\n");
    CU_ASSERT(expect_next(&r, "OK")); /* ATZ's, framed as at boot */
    host_send(&r, "AT+CGMI");
    CU_ASSERT(expect(&r, "Quectel"));
    CU_ASSERT(expect_next(&r, "OK"));
    /* syntax that is not V.250's */
    host_send(&r, "AT+CGMI;\"open");
    CU_ASSERT(expect(&r, "ERROR"));
    host_send(&r, "AT+");
    CU_ASSERT(expect(&r, "ERROR"));
    rig_stop(&r);
}

/* The model's answers follow the module's identity and state: the IMEI,
 * IMSI and SIM of the model file, +CME ERROR as AT+CMEE has it, and a
 * model file of one's own, refused with its file and line when wrong. */
static void test_model_answers(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, "AT+CIMI");
    CU_ASSERT(expect_next(&r, "001010123456789"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CRSM=176,12258,0,0,10");
    CU_ASSERT(expect_next(&r, "+CRSM: 144,0,\"988812010000000010F1\""));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CLCK=\"XX\",2");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+CMEE=1");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CLCK=\"XX\",2");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 3"));
    host_send(&r, "AT+CLCK=\"SC\",2");
    CU_ASSERT(expect_next(&r, "+CLCK: 0"));
    CU_ASSERT(expect_next(&r, "OK"));
    /* a setting the module keeps: AT+CSCS */
    host_send(&r, "AT+CSCS?");
    CU_ASSERT(expect_next(&r, "+CSCS: \"GSM\""));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CSCS=\"UCS2\";+CSCS?");
    CU_ASSERT(expect_next(&r, "+CSCS: \"UCS2\""));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CSCS=\"8859-1\"");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 4"));
    host_send(&r, "AT+CSCS=?");
    CU_ASSERT(expect_next(&r, "+CSCS: (\"GSM\",\"IRA\",\"UCS2\")"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+CSCS?"); /* a refused value changed nothing */
    CU_ASSERT(expect_next(&r, "+CSCS: \"UCS2\""));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "ATZ;+CSCS?"); /* ATZ: as at boot */
    CU_ASSERT(expect(&r, "+CSCS: \"GSM\""));
    rig_stop(&r);

    /* a model file of one's own */
    char path[] = "/tmp/dfota-model-XXXXXX.yaml", err[DFOTA_ERRBUF] = "";
    int fd = mkstemps(path, 5);
    static const char mine[] = "model: EC25\nmanufacturer: Quectel\nimei: \"867698041234579\"\n"
                               "answers:\n  \"+CGMM\": \"{model}-E\"\n  \"+CGSN\": \"{imei}\"\n";
    CU_ASSERT_FATAL(fd >= 0 && write(fd, mine, sizeof mine - 1) == (ssize_t)(sizeof mine - 1));
    close(fd);
    rig_opts(&o);
    o.model = path;
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig with a model file");
    } else {
        host_send(&r, "AT+CGMM;+CGSN");
        CU_ASSERT(expect(&r, "EC25-E"));
        CU_ASSERT(expect_next(&r, "867698041234579"));
        CU_ASSERT(expect_next(&r, "OK"));
        host_send(&r, "AT+CPIN?"); /* not in this model */
        CU_ASSERT(expect(&r, "ERROR"));
    }
    rig_stop(&r);
    /* wrong: an unknown placeholder on line 5 */
    static const char bad[] = "model: EC25\nmanufacturer: Quectel\nimei: \"867698041234579\"\n"
                              "answers:\n  \"+CGMM\": \"{modle}\"\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    CU_ASSERT_FATAL(fd >= 0 && write(fd, bad, sizeof bad - 1) == (ssize_t)(sizeof bad - 1));
    close(fd);
    dfota_emulator *em = NULL;
    rig_opts(&o);
    o.model = path;
    CU_ASSERT(dfota_emulator_new(&o, &em, err, sizeof err) == DFOTA_E_INPUT);
    CU_ASSERT(em == NULL);
    CU_ASSERT(strstr(err, ":5: unknown placeholder") != NULL);
    unlink(path);
    o.model = "nosuch";
    CU_ASSERT(dfota_emulator_new(&o, &em, err, sizeof err) == DFOTA_E_INPUT);
    CU_ASSERT(strstr(err, "unknown model 'nosuch': use eg95") != NULL);
    CU_ASSERT_STRING_EQUAL(dfota_emulator_model_name(0), "eg95");
}

/* What the recording of an upload session holds. */
typedef struct {
    int host_ff;    /* host lines holding a 0xFF byte */
    int dropped;    /* the note of padding dropped */
    int next;       /* host lines that are exactly the command after it */
} upload_rec;

static void upload_events(void *ctx, const dfota_event *ev)
{
    upload_rec *u = ctx;
    /* the last chunk holds 3000 - 2048 = 952 bytes of data and 1096 of padding */
    static const char note[] = "note 1096 bytes after AT+QFUPL's data dropped before the next AT";
    if (ev->dir == DFOTA_DIR_HOST && memchr(ev->data, 0xFF, ev->len))
        u->host_ff++;
    if (ev->dir == DFOTA_DIR_HOST && ev->len == 7 && memcmp(ev->data, "AT+CGMM", 7) == 0)
        u->next++;
    if (ev->dir == DFOTA_DIR_HARNESS && ev->len == sizeof note - 1 &&
        memcmp(ev->data, note, ev->len) == 0)
        u->dropped++;
}

/* An upload as fwupd makes it: the command ended with CR LF (the LF is not
 * the file's first byte), ACK mode, the data in 2,048-byte chunks with the
 * last one padded with 0xFF past the declared size (the padding is not
 * echoed nor taken as a command), then the next command. */
static void test_qfupl_crlf_and_padding(void)
{
    rig r;
    dfota_emulator_opts o;
    uint8_t data[3000], chunk[2048];
    char path[256];
    upload_rec rec = {0};
    rig_opts(&o);
    o.on_event = upload_events;
    o.event_ctx = &rec;
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 3); /* the 0020 of test_qfupl_upload */
    static const char cmd[] = "AT+QFUPL=\"pad.bin\",3000,5,1\r\n";
    CU_ASSERT(host_write(&r, cmd, sizeof cmd - 1));
    CU_ASSERT(expect(&r, "CONNECT"));
    CU_ASSERT(host_write(&r, data, 2048));
    memset(chunk, 0xFF, sizeof chunk);
    memcpy(chunk, data + 2048, sizeof data - 2048);
    CU_ASSERT(host_write(&r, chunk, sizeof chunk));
    CU_ASSERT(expect(&r, "+QFUPL: 3000,0020"));
    CU_ASSERT(expect_next(&r, "OK"));
    CU_ASSERT(memchr(r.in, 0xFF, r.in_len) == NULL); /* the padding is not echoed */
    host_send(&r, "AT+CGMM");
    CU_ASSERT(expect(&r, "EG95"));
    CU_ASSERT(expect_next(&r, "OK"));
    snprintf(path, sizeof path, "%s/pad.bin", r.ufs);
    FILE *f = fopen(path, "rb");
    uint8_t back[3001];
    size_t got = f ? fread(back, 1, sizeof back, f) : 0;
    if (f)
        fclose(f);
    CU_ASSERT(got == sizeof data && memcmp(back, data, sizeof data) == 0);
    /* the recording: the next command as the host sent it, the padding
     * counted in a note, not in a host line */
    CU_ASSERT(rec.host_ff == 0);
    CU_ASSERT(rec.next == 1);
    CU_ASSERT(rec.dropped == 1);
    ufs_remove(&r, "pad.bin");
    rig_stop(&r);
}

static const char *const bad_args[] = {
    "AT+QFOTADL=\"ftp://test:test@127.0.0.1:0/update.zip\"",
    "AT+QFOTADL=\"ftp://fota-user-0123456789abcdefghijklmnopqrstuvwxyz01234:test@127.0.0.1:2121/u.zip\"",
    "AT+QFOTADL=\"test:test@127.0.0.1:2121/update.zip\"",
    "AT+QFOTADL=\"sftp://test:test@127.0.0.1:2121/update.zip\"",
    "AT+QFOTADL=\"\"",
    "AT+QFOTADL=ftp://test:test@127.0.0.1:2121/update.zip",
    "AT+QFOTADL=\"ftp://test:test@127.0.0.1:65536/update.zip\"",
    "AT+QFOTADL=\"https://127.0.0.1/update.zip\"", /* strict: not in the guide */
    ("AT+QFOTADL=\"/data/ufs/update-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrst"
     "uvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789.zip\""), /* over 128 bytes */
    "AT+QFOTADL=\"/data/ufs/no-such-file.zip\"",
    /* a file path of 51 bytes, its query included (chapter 3.1: 50) */
    "AT+QFOTADL=\"ftp://test:test@127.0.0.1:2121/update.zip?build=0123456789abcdefghijklmnopqrstuvwx\"",
    "AT+QFOTADL=\"/DATA/UFS/update.zip\"", /* only FTP:// and HTTP:// are case-free */
    "AT+QFOTADL=\"/data/ufs/../ufs/update.zip\"",
};

static void test_bad_arguments(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    if (rig_start(&r, &o) != 0 || write_package(&r, "update.zip", FW_OLD, FW_NEW, 0) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    for (size_t i = 0; i < sizeof bad_args / sizeof bad_args[0]; i++) {
        host_send(&r, bad_args[i]);
        int ok = expect_next(&r, "ERROR");
        CU_ASSERT(ok);
        if (!ok)
            printf("  for %s\n", bad_args[i]);
    }
    CU_ASSERT(quiet_for(&r, "+QIND", 100)); /* to the end of the plan, no URC */
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    rig_stop(&r);
}

/* The guide's 3.3 on a USB port: OK, hang-up, a new terminal, the update,
 * another reboot, RDY; then the new version runs, and the way back works. */
static int usb_local_upgrade(rig *r, const char *file, const char *to)
{
    char cmd[128], want[64];
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"/data/ufs/%s\"", file);
    host_send(r, cmd);
    if (!expect(r, "OK") || !reopen_after_reboot(r) || !expect_attempt(r, 100, 0) ||
        !reopen_after_reboot(r) || !expect(r, "RDY"))
        return 0;
    CU_ASSERT(expect(r, "+CPIN: READY"));
    host_send(r, "AT+QGMR");
    snprintf(want, sizeof want, "%s", to);
    return expect(r, want) && expect(r, "OK");
}

/* A started rig whose UFS holds update.zip (old to new) and back.zip (new
 * to old); on failure the test is failed, the rig stopped and 0 returned. */
static int rig_with_packages(rig *r)
{
    dfota_emulator_opts o;
    rig_opts(&o);
    if (rig_start(r, &o) != 0 || write_package(r, "update.zip", FW_OLD, FW_NEW, 0) != 0 ||
        write_package(r, "back.zip", FW_NEW, FW_OLD, 0) != 0) {
        CU_FAIL("rig");
        rig_stop(r);
        return 0;
    }
    return 1;
}

static void test_usb_local_upgrade_and_back(void)
{
    rig r;
    if (!rig_with_packages(&r))
        return;
    CU_ASSERT(usb_local_upgrade(&r, "update.zip", FW_NEW));
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_NEW);
    host_send(&r, "ATI");
    CU_ASSERT(expect(&r, "Revision: " FW_NEW));
    CU_ASSERT(usb_local_upgrade(&r, "back.zip", FW_OLD));
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    rig_stop(&r);
}

static void test_corrupt_package_505_five_retries(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    o.uart = 1; /* the port stays: RDY marks each reboot */
    if (rig_start(&r, &o) != 0 || write_package(&r, "bad.zip", FW_OLD, FW_NEW, 1) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "AT+QFOTADL=\"/data/ufs/bad.zip\"");
    CU_ASSERT(expect(&r, "OK"));
    for (int attempt = 0; attempt < 6; attempt++) { /* the first and five retries */
        CU_ASSERT(expect(&r, "RDY"));
        CU_ASSERT(expect_attempt(&r, 1, 505));
    }
    CU_ASSERT(expect(&r, "RDY")); /* normal mode, the old version */
    CU_ASSERT(quiet_for(&r, "+QIND: \"FOTA\"", 200));
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    rig_stop(&r);
}

/* An empty file is no package: the check fails (505), and the emulator
 * does not look at bytes that are not there. */
static void test_empty_package_505(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    o.uart = 1;
    char path[256];
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    snprintf(path, sizeof path, "%s/x.bin", r.ufs);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    host_send(&r, "AT+QFOTADL=\"/data/ufs/x.bin\"");
    CU_ASSERT(expect(&r, "OK"));
    CU_ASSERT(expect(&r, "RDY"));
    CU_ASSERT(expect_attempt(&r, 1, 505));
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    rig_stop(&r);
}

static void test_mismatch_510(void)
{
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    o.uart = 1;
    if (rig_start(&r, &o) != 0 || write_package(&r, "other.zip", "EG95EFAR02A06M4G", FW_NEW, 0) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "AT+QFOTADL=\"/data/ufs/other.zip\"");
    CU_ASSERT(expect(&r, "OK"));
    CU_ASSERT(expect_attempt(&r, 1, 510));
    CU_ASSERT(expect(&r, "RDY"));
    CU_ASSERT(quiet_for(&r, "+QIND: \"FOTA\"", 200)); /* no retry */
    host_send(&r, "AT+QGMR");
    CU_ASSERT(expect(&r, FW_OLD));
    rig_stop(&r);
}

/* A download from 127.0.0.1 where nothing listens: the guide's unknown
 * error in strict, the detailed code in field. */
static void download_refused(int ftp, int field, const char *want)
{
    rig r;
    dfota_emulator_opts o;
    char cmd[160];
    rig_opts(&o);
    o.field = field;
    o.uart = 1;
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"%s://test:test@127.0.0.1:%u/update.zip\"",
             ftp ? "ftp" : "http", (unsigned)closed_port());
    host_send(&r, cmd);
    CU_ASSERT(expect(&r, "OK"));
    CU_ASSERT(expect_next(&r, ftp ? "+QIND: \"FOTA\",\"FTPSTART\"" : "+QIND: \"FOTA\",\"HTTPSTART\""));
    CU_ASSERT(expect_next(&r, want));
    CU_ASSERT(quiet_for(&r, "+QIND: \"FOTA\"", 100));
    host_send(&r, "AT");
    CU_ASSERT(expect(&r, "OK")); /* back to normal mode, no reboot */
    rig_stop(&r);
}

static void test_download_refused(void)
{
    download_refused(1, 0, "+QIND: \"FOTA\",\"FTPEND\",601");
    download_refused(0, 0, "+QIND: \"FOTA\",\"HTTPEND\",701");
    download_refused(1, 1, "+QIND: \"FOTA\",\"FTPEND\",605");
    download_refused(0, 1, "+QIND: \"FOTA\",\"HTTPEND\",716");
}

/* An HTTP download of url_path (what follows host and port) from the
 * test's own server; END or the download's code, and the request line the
 * server got when want_request is not NULL. */
static void http_case_at(const char *url_path, const char *want_request, int status, int64_t free_space,
                         int field, const char *want_end)
{
    static uint8_t pkg[4096];
    rig r;
    http_server s;
    dfota_emulator_opts o;
    char cmd[160];
    uint8_t payload[2000];
    memset(payload, 0x42, sizeof payload);
    int hl = snprintf((char *)pkg, sizeof pkg,
                      "DFOTA-PKG 1\nfrom: %s\nto: %s\nsize: %zu\ncrc32: %08x\n\n", FW_OLD, FW_NEW,
                      sizeof payload, (unsigned)dfota_crc32(0, payload, sizeof payload));
    memcpy(pkg + hl, payload, sizeof payload);
    rig_opts(&o);
    o.uart = 1;
    o.field = field;
    o.free_space = free_space;
    if (http_start(&s, status, pkg, (size_t)hl + sizeof payload) != 0 || rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        http_stop(&s);
        return;
    }
    r.http = &s;
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%u/%s\"", (unsigned)s.port, url_path);
    host_send(&r, cmd);
    CU_ASSERT(expect(&r, "OK"));
    CU_ASSERT(expect_next(&r, "+QIND: \"FOTA\",\"HTTPSTART\""));
    CU_ASSERT(expect_next(&r, want_end));
    if (want_request) {
        /* the request stays in the server's buffer after it answered */
        size_t wl = strlen(want_request);
        int ok = strncmp(s.req, want_request, wl) == 0 && s.req[wl] == '\r';
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  request '%.*s', expected '%s'\n", (int)strcspn(s.req, "\r"), s.req, want_request);
    }
    if (strcmp(want_end, "+QIND: \"FOTA\",\"HTTPEND\",0") == 0) {
        CU_ASSERT(expect_next(&r, "RDY"));
        CU_ASSERT(expect_attempt(&r, 100, 0));
        CU_ASSERT(expect(&r, "RDY"));
        CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_NEW);
    } else {
        CU_ASSERT(quiet_for(&r, "+QIND: \"FOTA\"", 100));
        CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_OLD);
    }
    CU_ASSERT_EQUAL(s.requests, 1);
    rig_stop(&r);
    http_stop(&s);
}

static void http_case(int status, int64_t free_space, int field, const char *want_end)
{
    http_case_at("update.zip", "GET /update.zip HTTP/1.1", status, free_space, field, want_end);
}

static void test_http_download(void)
{
    http_case(200, 0, 0, "+QIND: \"FOTA\",\"HTTPEND\",0");
    http_case(200, 1000, 0, "+QIND: \"FOTA\",\"HTTPEND\",511"); /* larger than the free space */
    http_case(404, 0, 0, "+QIND: \"FOTA\",\"HTTPEND\",701");
    http_case(404, 0, 1, "+QIND: \"FOTA\",\"HTTPEND\",711");
}

/* Chapter 3.2 reads a URL by its template: blanks in the file path break
 * no rule, and the module asks for that file, its query kept. */
static void test_http_download_guide_url(void)
{
    http_case_at("EG95 A07 to A08.zip?build=1 2", "GET /EG95%20A07%20to%20A08.zip?build=1%202 HTTP/1.1", 200,
                 0, 0, "+QIND: \"FOTA\",\"HTTPEND\",0");
    http_case_at("a%20b.zip#part", "GET /a%20b.zip HTTP/1.1", 200, 0, 0, "+QIND: \"FOTA\",\"HTTPEND\",0");
}

/* What libcurl is given for the URL the module was given. */
static void test_fetch_url(void)
{
    static const struct {
        const char *url, *want; /* want NULL: DFOTA_E_INPUT */
    } cases[] = {
        {"ftp://test:test@127.0.0.1:21/Jun/update.zip", "ftp://test:test@127.0.0.1:21/Jun/update.zip"},
        /* FTP: the user name may hold '@', the password '#' and '?'; the
         * file path is the file's name, blanks, '?' and '#' included */
        {"FTP://fota@example.com:p#w?d@127.0.0.1:2121/a b.zip?x=1#y",
         "ftp://fota%40example.com:p%23w%3fd@127.0.0.1:2121/a%20b.zip%3fx%3d1%23y"},
        {"ftp://u:p:w@127.0.0.1/f", "ftp://u:p%3aw@127.0.0.1/f"},
        {"ftp://host/a%20b.zip", "ftp://host/a%2520b.zip"},
        /* HTTP: the query stays a query, the fragment is not sent, only
         * what a request line cannot carry is escaped */
        {"http://host:8080/my update.zip?token=a b#frag", "http://host:8080/my%20update.zip?token=a%20b"},
        {"http://host/a%20b.zip", "http://host/a%20b.zip"},
        {"http://a@b:pw@127.0.0.1/u.zip", "http://a%40b:pw@127.0.0.1/u.zip"},
        {"HTTPS://host/u.zip", "https://host/u.zip"},
        {"http://[::1]:00080/u.zip", "http://[::1]:80/u.zip"},
        {"http://host/", "http://host/"},
        /* nothing to fetch */
        {"ftp://host", NULL},
        {"ftp:///f", NULL},
        {"ftp://host:0/f", NULL},
        {"ftp://host:/f", NULL},
        {"ftp://ho st/f", NULL},
        {"tftp://h/f", NULL},
        {"/data/ufs/u.zip", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static char sentinel[] = "sentinel";
        char *got = sentinel;
        dfota_err rc = dfota_emulator_fetch_url(cases[i].url, strlen(cases[i].url), &got);
        int ok = cases[i].want ? rc == DFOTA_OK && got && strcmp(got, cases[i].want) == 0
                               : rc == DFOTA_E_INPUT && got == NULL;
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  %s: rc %d, '%s', expected '%s'\n", cases[i].url, (int)rc, got ? got : "(null)",
                   cases[i].want ? cases[i].want : "(input error)");
        if (rc == DFOTA_OK)
            free(got);
    }
}

static void test_busy_during_download(void)
{
    rig r;
    http_server s;
    dfota_emulator_opts o;
    char cmd[160];
    rig_opts(&o);
    o.uart = 1;
    if (http_start(&s, 404, NULL, 0) != 0 || rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        http_stop(&s);
        return;
    }
    /* the server is not pumped: the download hangs while the host insists */
    snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"http://127.0.0.1:%u/update.zip\"", (unsigned)s.port);
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, cmd);
    CU_ASSERT(expect_next(&r, "OK"));
    CU_ASSERT(expect_next(&r, "+QIND: \"FOTA\",\"HTTPSTART\""));
    host_send(&r, cmd);
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT");
    CU_ASSERT(expect_next(&r, "OK"));
    rig_stop(&r);
    http_stop(&s);
}

static void test_file_commands(void)
{
    rig r;
    if (!rig_with_packages(&r))
        return;
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, "AT+QFLST");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:back.zip\",3084"));
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:update.zip\",3084"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:update.zip\"");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:update.zip\",3084"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFDEL=\"UFS:back.zip\"");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFDEL=\"back.zip\"");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+CMEE=1");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFDEL=\"back.zip\"");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 405"));
    host_send(&r, "AT+QFDEL=\"../ufs/update.zip\"");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 405"));
    host_send(&r, "AT+QFLST=\"*\"");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:update.zip\",3084"));
    CU_ASSERT(expect_next(&r, "OK"));
    rig_stop(&r);
}

/* What the recording got: host-open / host-close notes, in order. */
typedef struct {
    unsigned opens, closes;
    int alternate;  /* each note was the other kind than the one before */
    char last;      /* 'o' or 'c', 0 before the first */
} host_notes;

static void count_host_notes(void *ctx, const dfota_event *ev)
{
    host_notes *h = ctx;
    if (ev->dir != DFOTA_DIR_HARNESS)
        return;
    char kind = ev->len == 9 && memcmp(ev->data, "host-open", 9) == 0     ? 'o'
                : ev->len == 10 && memcmp(ev->data, "host-close", 10) == 0 ? 'c'
                                                                           : 0;
    if (!kind)
        return;
    if (kind == h->last)
        h->alternate = 0;
    h->last = kind;
    if (kind == 'o')
        h->opens++;
    else
        h->closes++;
}

/* A host that opens and closes the terminal 1000 times, faster than the
 * emulator looks: every open and close is in the recording, in order
 * (polling for a hang-up saw 79 of them). */
static void test_host_open_close_recorded(void)
{
    rig r;
    host_notes h = {0, 0, 1, 0};
    dfota_emulator_opts o;
    char err[DFOTA_ERRBUF] = "";
    rig_opts(&o);
    o.on_event = count_host_notes;
    o.event_ctx = &h;
    CU_ASSERT_EQUAL_FATAL(rig_start(&r, &o), 0);
    host_close(&r); /* the rig's own host: the terminal is nobody's now */
    CU_ASSERT_EQUAL(dfota_emulator_step(r.em, 1, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(h.last, 'c');
    h = (host_notes){0, 0, 1, 'c'};
    for (int i = 0; i < 1000; i++) {
        int fd = open(r.link, O_RDWR | O_NOCTTY | O_NONBLOCK);
        CU_ASSERT_FATAL(fd >= 0);
        close(fd);
        if (i % 100 == 99) /* the emulator runs now and then, not after each */
            CU_ASSERT_EQUAL(dfota_emulator_step(r.em, 0, err, sizeof err), DFOTA_OK);
    }
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(dfota_emulator_step(r.em, 1, err, sizeof err), DFOTA_OK);
    printf("\n  %u host-open, %u host-close\n", h.opens, h.closes);
    CU_ASSERT_EQUAL(h.opens, 1000);
    CU_ASSERT_EQUAL(h.closes, 1000);
    CU_ASSERT(h.alternate);
    CU_ASSERT_EQUAL(h.last, 'c');
    rig_stop(&r);
}

/* What the host sent is in the recording, also when the module powered
 * off before reading it: a host that sends a second AT+QFOTADL just as the
 * module reboots for the first is seen sending it (HOST-ONE-UPGRADE judges
 * it), never lost with the terminal. */
typedef struct {
    unsigned fotadl; /* host lines that are AT+QFOTADL commands */
} host_lines;

static void count_fotadl(void *ctx, const dfota_event *ev)
{
    host_lines *h = ctx;
    if (ev->dir == DFOTA_DIR_HOST && ev->len >= 11 && memcmp(ev->data, "AT+QFOTADL=", 11) == 0)
        h->fotadl++;
}

static void test_host_bytes_at_power_off_recorded(void)
{
    rig r;
    host_lines h = {0};
    dfota_emulator_opts o;
    char err[DFOTA_ERRBUF] = "";
    rig_opts(&o);
    o.on_event = count_fotadl;
    o.event_ctx = &h;
    if (rig_start(&r, &o) != 0 || write_package(&r, "update.zip", FW_OLD, FW_NEW, 0) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "AT+QFOTADL=\"/data/ufs/update.zip\"");
    CU_ASSERT_FATAL(expect(&r, "OK"));
    /* the second command is on its way as the reboot comes due: the
     * module's next step powers off before it reads */
    host_send(&r, "AT+QFOTADL=\"/data/ufs/update.zip\"");
    int64_t due = dfota_emulator_next_due(r.em);
    CU_ASSERT_FATAL(due != DFOTA_T_NONE);
    dfota_clock_advance(r.clock, due);
    CU_ASSERT_EQUAL(dfota_emulator_step(r.em, 0, err, sizeof err), DFOTA_OK);
    CU_ASSERT_FALSE(dfota_emulator_port_up(r.em)); /* the reboot came first */
    CU_ASSERT_EQUAL(h.fotadl, 2);
    if (h.fotadl != 2)
        printf("\n  %u AT+QFOTADL recorded, want 2\n", h.fotadl);
    rig_stop(&r);
}

static void test_new_refuses(void)
{
    char dir[] = "/tmp/dfota-emu-XXXXXX", file[64], err[DFOTA_ERRBUF] = "";
    dfota_emulator *em = NULL;
    dfota_emulator_opts o;
    rig_opts(&o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/regular", dir);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    o.link = file; /* a file, not a link: never replaced */
    CU_ASSERT_EQUAL(dfota_emulator_new(&o, &em, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_PTR_NULL(em);
    CU_ASSERT(strstr(err, "not a symbolic link") != NULL);
    o.link = NULL;
    o.time_scale = -1;
    CU_ASSERT_EQUAL(dfota_emulator_new(&o, &em, err, sizeof err), DFOTA_E_ARG);
    o.time_scale = 0.001;
    o.ufs_dir = file;
    CU_ASSERT_EQUAL(dfota_emulator_new(&o, &em, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL(dfota_emulator_new(NULL, &em, err, sizeof err), DFOTA_E_ARG);
    unlink(file);
    rmdir(dir);
}

static const char scenario_text[] =
    "name: emu\nsection: \"3.3\"\nrequirement: x\n"
    "emulator:\n  firmware: EG95EFAR02A06M4G\n  port: uart\n  free_space: 64KiB\n"
    "  faults:\n    - {kind: %s, code: 523, at: 40%%, times: 1}\n"
    "steps:\n  - send: 'AT'\n  - expect: OK\n";

/* The scenario's block: firmware and port taken, update-fail played once
 * (523 at 40 %, then the retry succeeds); a fault not played yet refused. */
static void test_scenario_block(void)
{
    char text[512], err[DFOTA_ERRBUF] = "";
    dfota_scenario *sc = NULL;
    dfota_emulator *em = NULL;
    rig r;
    dfota_emulator_opts o;
    /* A kind the emulator has no row for (the command line's --fault
     * reaches it unchecked) is refused, never silently left out. */
    dfota_emulator_spec bogus;
    char bogus_kind[] = "no-such-fault";
    memset(&bogus, 0, sizeof bogus);
    bogus.present = 1;
    bogus.n_faults = 1;
    bogus.faults[0].kind = bogus_kind;
    bogus.faults[0].at_percent = -1;
    rig_opts(&o);
    o.spec = &bogus;
    CU_ASSERT_EQUAL(dfota_emulator_new(&o, &em, err, sizeof err), DFOTA_E_INPUT);
    CU_ASSERT(strstr(err, "no-such-fault") != NULL);
    snprintf(text, sizeof text, scenario_text, "update-fail");
    CU_ASSERT_EQUAL_FATAL(dfota_scenario_parse("emu.yaml", text, strlen(text), &sc, err, sizeof err),
                          DFOTA_OK);
    rig_opts(&o);
    o.spec = &sc->emulator;
    if (rig_start(&r, &o) != 0 || write_package(&r, "update.zip", "EG95EFAR02A06M4G", FW_NEW, 0)) {
        CU_FAIL("rig");
    } else {
        CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), "EG95EFAR02A06M4G");
        host_send(&r, "AT+QFOTADL=\"/data/ufs/update.zip\"");
        CU_ASSERT(expect(&r, "OK"));
        CU_ASSERT(expect(&r, "RDY")); /* uart, from the scenario */
        CU_ASSERT(expect_attempt(&r, 40, 523));
        CU_ASSERT(expect(&r, "RDY"));
        CU_ASSERT(expect_attempt(&r, 100, 0));
        CU_ASSERT(expect(&r, "RDY"));
        CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_NEW);
    }
    rig_stop(&r);
    dfota_scenario_free(sc);
}

/* garbage, blanks and server-unreachable from a scenario's block. */
static void test_more_faults(void)
{
    char text[512], err[DFOTA_ERRBUF] = "";
    dfota_scenario *sc = NULL;
    rig r;
    dfota_emulator_opts o;
    static const char two[] =
        "name: emu\nsection: \"3.3\"\nrequirement: x\n"
        "emulator:\n  firmware: %s\n  port: uart\n"
        "  faults:\n    - {kind: garbage}\n    - {kind: blanks}\n    - {kind: server-unreachable}\n"
        "steps:\n  - send: 'AT'\n  - expect: OK\n";
    snprintf(text, sizeof text, two, FW_OLD);
    CU_ASSERT_EQUAL_FATAL(dfota_scenario_parse("emu.yaml", text, strlen(text), &sc, err, sizeof err),
                          DFOTA_OK);
    rig_opts(&o);
    o.spec = &sc->emulator;
    if (rig_start(&r, &o) != 0 || write_package(&r, "update.zip", FW_OLD, FW_NEW, 0)) {
        CU_FAIL("rig");
    } else {
        host_send(&r, "AT+QFOTADL=\"/data/ufs/update.zip\"");
        CU_ASSERT(expect(&r, "OK"));
        CU_ASSERT(expect(&r, "RDY"));
        /* the garbage line, then START with its blank */
        CU_ASSERT(expect(&r, EM_GARBAGE_TEXT));
        CU_ASSERT(expect_next(&r, "+QIND: \"FOTA\", \"START\""));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"UPDATING\", 100"));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"END\", 0"));
        CU_ASSERT(expect(&r, "RDY"));
        /* nothing listens on port 9 of the loopback, and nothing is tried */
        host_send(&r, "AT+QFOTADL=\"ftp://u:p@127.0.0.1:9/x.zip\"");
        CU_ASSERT(expect(&r, "OK"));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"FTPSTART\""));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"FTPEND\", 601"));
    }
    rig_stop(&r);
    dfota_scenario_free(sc);
}

/* ---- AT+QFUPL ------------------------------------------------------------- */

/* AT+QFUPL for data, up to CONNECT, then the data in one write. */
static int upload_send(rig *r, const char *cmd, const void *data, size_t len)
{
    host_send(r, cmd);
    if (!expect(r, "CONNECT"))
        return 0;
    return len == 0 || host_write(r, data, len);
}

static void ufs_remove(const rig *r, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", r->ufs, name);
    unlink(path);
}

static int ufs_exists(const rig *r, const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", r->ufs, name);
    return stat(path, &st) == 0;
}

/* The checksums are worked out by hand from the vendor's rule (16-bit
 * big-endian words XORed, an odd last byte padded with 0):
 * "0123456789" is 3031^3233^3435^3637^3839 = 3839; "abc" is 6162^6300 =
 * 0262; the 3000 bytes (i * 7 + 3) & 0xff XOR to 0020 (Python, once). The
 * vendor's manuals give no worked example of their own. */
static void test_qfupl_upload(void)
{
    rig r;
    dfota_emulator_opts o;
    uint8_t bin[3000];
    char path[256];
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    CU_ASSERT(upload_send(&r, "AT+QFUPL=\"UFS:ten.txt\",10", "0123456789", 10));
    CU_ASSERT(expect(&r, "+QFUPL: 10,3839"));
    CU_ASSERT(expect_next(&r, "OK"));
    CU_ASSERT(upload_send(&r, "AT+QFUPL=\"odd.txt\",3,5,0", "abc", 3));
    CU_ASSERT(expect(&r, "+QFUPL: 3,0262"));
    CU_ASSERT(expect_next(&r, "OK"));
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (uint8_t)(i * 7 + 3); /* every byte value, CR, LF and NUL among them */
    CU_ASSERT(upload_send(&r, "AT+QFUPL=\"UFS:bin.dat\",3000,5", bin, sizeof bin));
    CU_ASSERT(expect(&r, "+QFUPL: 3000,0020"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:bin.dat\"");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:bin.dat\",3000"));
    CU_ASSERT(expect_next(&r, "OK"));
    snprintf(path, sizeof path, "%s/bin.dat", r.ufs);
    FILE *f = fopen(path, "rb");
    uint8_t back[3001];
    size_t got = f ? fread(back, 1, sizeof back, f) : 0;
    if (f)
        fclose(f);
    CU_ASSERT(got == sizeof bin && memcmp(back, bin, sizeof bin) == 0);
    ufs_remove(&r, "ten.txt");
    ufs_remove(&r, "odd.txt");
    ufs_remove(&r, "bin.dat");
    rig_stop(&r);
}

static void test_qfupl_refusals(void)
{
    rig r;
    dfota_emulator_opts o;
    char cmd[256], name[82];
    rig_opts(&o);
    o.free_space = 4096;
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, "AT+QFUPL=\"dup.txt\",3");
    CU_ASSERT(expect_next(&r, "CONNECT"));
    CU_ASSERT(host_write(&r, "xyz", 3));
    CU_ASSERT(expect_next(&r, "+QFUPL: 3,0279"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFUPL=\"dup.txt\",3");
    CU_ASSERT(expect_next(&r, "ERROR")); /* no code before AT+CMEE=1 */
    host_send(&r, "AT+CMEE=1");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFUPL=\"UFS:dup.txt\",3");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 407"));
    static const char *const bad_names[] = {"../x", "a/b", "..", "a..b", ".hidden", ""};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        snprintf(cmd, sizeof cmd, "AT+QFUPL=\"UFS:%s\",3", bad_names[i]);
        host_send(&r, cmd);
        CU_ASSERT(expect_next(&r, "+CME ERROR: 406"));
    }
    memset(name, 'n', 81);
    name[81] = '\0';
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",3", name); /* 81 bytes: one over */
    host_send(&r, cmd);
    CU_ASSERT(expect_next(&r, "+CME ERROR: 406"));
    host_send(&r, "AT+QFUPL=\"big.bin\",4094"); /* 3 of the 4096 bytes are taken */
    CU_ASSERT(expect_next(&r, "+CME ERROR: 420"));
    host_send(&r, "AT+QFUPL=\"x.bin\",0");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+QFUPL=\"x.bin\",3,0");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+QFUPL=x.bin");
    CU_ASSERT(expect_next(&r, "ERROR"));
    CU_ASSERT(!ufs_exists(&r, "x.bin") && !ufs_exists(&r, "big.bin"));
    /* The data stops after 4 of 100 bytes: after the 1 s timeout, 421 and
     * no file; the module takes commands again. */
    host_send(&r, "AT+QFUPL=\"slow.bin\",100,1");
    CU_ASSERT(expect_next(&r, "CONNECT"));
    CU_ASSERT(host_write(&r, "ABCD", 4));
    CU_ASSERT(expect_next(&r, "+CME ERROR: 421"));
    CU_ASSERT(!ufs_exists(&r, "slow.bin"));
    host_send(&r, "AT");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:dup.txt\",3"));
    CU_ASSERT(expect_next(&r, "OK"));
    ufs_remove(&r, "dup.txt");
    rig_stop(&r);
}

/* A package uploaded with AT+QFUPL (the format of dfota package) upgrades
 * with AT+QFOTADL="/data/ufs/NAME", byte for byte what a host sent. */
static void test_qfupl_then_upgrade(void)
{
    rig r;
    dfota_emulator_opts o;
    char path[256], cmd[128];
    static uint8_t pkg[4096];
    uint8_t payload[3000];
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13 + 1);
    int h = snprintf((char *)pkg, sizeof pkg, "DFOTA-PKG 1\nfrom: %s\nto: %s\nsize: %zu\n"
                     "crc32: %08x\n\n", FW_OLD, FW_NEW, sizeof payload,
                     (unsigned)dfota_crc32(0, payload, sizeof payload));
    memcpy(pkg + h, payload, sizeof payload);
    size_t len = (size_t)h + sizeof payload;
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"UFS:staged.zip\",%zu,5", len);
    CU_ASSERT(upload_send(&r, cmd, pkg, len));
    CU_ASSERT(expect(&r, "OK"));
    snprintf(path, sizeof path, "%s/staged.zip", r.ufs);
    struct stat st;
    CU_ASSERT(stat(path, &st) == 0 && st.st_size == (off_t)len);
    CU_ASSERT(usb_local_upgrade(&r, "staged.zip", FW_NEW));
    CU_ASSERT_STRING_EQUAL(dfota_emulator_firmware(r.em), FW_NEW);
    ufs_remove(&r, "staged.zip");
    rig_stop(&r);
}

/* Waits until the host has at least n bytes it has not taken as lines,
 * module time standing still (an upload's pause would end it). */
static int wait_bytes(rig *r, size_t n)
{
    int64_t end = ms_now() + WAIT_MS;
    while (r->in_len < n && ms_now() < end && !r->hung)
        step_and_read(r, 5);
    return r->in_len >= n;
}

/* The file commands as fwupd's modem-manager plug-in uses them
 * (fu-mm-dfota-device.c): AT+QFLST=? answers OK; a named file that is not
 * there is an error (417, ERROR before AT+CMEE=1), which fwupd takes as
 * "no old file"; in ack mode an 'A' comes as each 1024th byte is in, none
 * for the last partial block, before the result. */
static void test_qfupl_fwupd_file_commands(void)
{
    rig r;
    dfota_emulator_opts o;
    static uint8_t data[2500];
    char want[64];
    uint16_t sum = 0;
    rig_opts(&o);
    if (rig_start(&r, &o) != 0) {
        CU_FAIL("rig");
        rig_stop(&r);
        return;
    }
    host_send(&r, "ATE0");
    CU_ASSERT(expect(&r, "OK"));
    host_send(&r, "AT+QFLST=?");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:dfota_update.bin\"");
    CU_ASSERT(expect_next(&r, "ERROR"));
    host_send(&r, "AT+CMEE=1");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:dfota_update.bin\"");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 417"));
    host_send(&r, "AT+QFLST=\"*\""); /* nothing there: OK, no list */
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST");
    CU_ASSERT(expect_next(&r, "OK"));
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < sizeof data; i += 2) /* fwupd's compute_checksum_cb */
        sum ^= (uint16_t)(data[i] << 8 | (i + 1 < sizeof data ? data[i + 1] : 0));
    host_send(&r, "AT+QFUPL=\"dfota_update.bin\",2500,5,1");
    CU_ASSERT(expect_next(&r, "CONNECT"));
    r.in_len = 0;
    CU_ASSERT(host_write(&r, data, 1023));
    for (int i = 0; i < 10; i++)
        step_and_read(&r, 5);
    CU_ASSERT(r.in_len == 0); /* no 'A' before the 1024th byte */
    CU_ASSERT(host_write(&r, data + 1023, 1));
    CU_ASSERT(wait_bytes(&r, 1) && r.in[0] == 'A');
    CU_ASSERT(host_write(&r, data + 1024, 1024));
    CU_ASSERT(wait_bytes(&r, 2) && memcmp(r.in, "AA", 2) == 0);
    CU_ASSERT(host_write(&r, data + 2048, sizeof data - 2048)); /* 452: no third 'A' */
    CU_ASSERT(expect_next(&r, "AA"));
    snprintf(want, sizeof want, "+QFUPL: 2500,%04x", (unsigned)sum);
    CU_ASSERT(expect_next(&r, want));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:dfota_update.bin\"");
    CU_ASSERT(expect_next(&r, "+QFLST: \"UFS:dfota_update.bin\",2500"));
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFDEL=\"dfota_update.bin\"");
    CU_ASSERT(expect_next(&r, "OK"));
    host_send(&r, "AT+QFLST=\"UFS:dfota_update.bin\"");
    CU_ASSERT(expect_next(&r, "+CME ERROR: 417"));
    CU_ASSERT(!ufs_exists(&r, "dfota_update.bin"));
    rig_stop(&r);
}

/* A named profile: the field's codes and its faults; an unknown name is
 * refused with the names there are. */
static void test_named_profile(void)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_emulator *em = NULL;
    rig r;
    dfota_emulator_opts o;
    rig_opts(&o);
    o.profile = "no-such-profile";
    CU_ASSERT_EQUAL(dfota_emulator_new(&o, &em, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT(strstr(err, "no-such-profile") != NULL && strstr(err, "lowend") != NULL);
    CU_ASSERT(dfota_emulator_profile_known("lowend") && dfota_emulator_profile_known("strict") &&
              !dfota_emulator_profile_known("LOWEND"));
    rig_opts(&o);
    o.uart = 1;
    o.profile = "lowend";
    if (rig_start(&r, &o) != 0 || write_package(&r, "update.zip", FW_OLD, FW_NEW, 0)) {
        CU_FAIL("rig");
    } else {
        host_send(&r, "AT+QFOTADL=\"/data/ufs/update.zip\"");
        CU_ASSERT(expect(&r, "OK"));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"START\""));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"UPDATING\", 100%"));
        CU_ASSERT(expect(&r, "+QIND: \"FOTA\", \"END\", 0"));
    }
    rig_stop(&r);
}

/* ---- the fault table (dfota/guide.h) and the emulator ---------------------- */

/* The emulator has a hook for every kind of the guide's fault table, and
 * for nothing else: a kind is added to the table and to the emulator at
 * once, or this fails. */
static void test_fault_hooks_match_table(void)
{
    const dfota_fault_kind *k;
    const char *hook;
    size_t n_kinds = 0, n_hooks = 0;
    for (size_t i = 0; (k = dfota_fault_kind_at(i)); i++, n_kinds++) {
        int found = 0;
        for (size_t j = 0; (hook = dfota_emulator_fault_kind(j)); j++)
            found += strcmp(hook, k->name) == 0;
        if (found != 1)
            fprintf(stderr, "\nfault kind %s: %d hooks in the emulator\n", k->name, found);
        CU_ASSERT_EQUAL(found, 1);
        CU_ASSERT(k->about && k->about[0]);
    }
    for (size_t j = 0; (hook = dfota_emulator_fault_kind(j)); j++, n_hooks++) {
        if (!dfota_fault_kind_find(hook, strlen(hook)))
            fprintf(stderr, "\nemulator hook %s: not in the fault table\n", hook);
        CU_ASSERT_PTR_NOT_NULL(dfota_fault_kind_find(hook, strlen(hook)));
    }
    CU_ASSERT_EQUAL(n_kinds, n_hooks);
    CU_ASSERT(n_kinds >= 34);
}

/* Does a scenario take {kind: KIND, KEY: VALUE} in its emulator block? */
static int scenario_takes_fault(const char *kind, const char *key, const char *value)
{
    char text[512], err[DFOTA_ERRBUF];
    dfota_scenario *sc = NULL;
    snprintf(text, sizeof text,
             "name: t\nsection: '3'\nsteps: [{send: AT}]\nemulator:\n  faults:\n"
             "    - {kind: %s, %s: '%s'}\n", kind, key, value);
    dfota_err rc = dfota_scenario_parse("t", text, strlen(text), &sc, err, sizeof err);
    dfota_scenario_free(sc);
    return rc == DFOTA_OK;
}

/* Does dfota emulate take --fault KIND:KEY=VALUE? */
static int command_line_takes_fault(const char *kind, const char *key, const char *value)
{
    char arg[256], kind_text[64], err[DFOTA_ERRBUF];
    dfota_fault f;
    snprintf(arg, sizeof arg, "%s:%s=%s", kind, key, value);
    return dfota_emulator_fault_parse(arg, &f, kind_text, sizeof kind_text, err, sizeof err) ==
           DFOTA_OK;
}

/* A scenario's fault and `dfota emulate --fault` take and refuse the same
 * values: both read them with the fault table, at the edges of its ranges
 * and past them. */
static void test_fault_values_one_range(void)
{
    char lo[32], hi[32], below[32], above[32];
    static const struct {
        const char *key;
        long min, max;
    } ranges[] = {
        /* written out, not read from the table's macros, so that a wrong
         * range in the table fails here */
        {"code", -999999999L, 999999999L},
        {"at", 0, 100},
        {"times", 1, 999999999L},
    };
    static const struct {
        const char *key, *value;
        int ok;
    } cases[] = {
        {"at", "40%", 1},        {"at", "101%", 0},      {"at", "-1", 0},
        {"at", "4x", 0},         {"code", "x", 0},       {"code", "", 0},
        {"code", "0000000001", 0}, {"times", "0", 0},    {"times", "-1", 0},
        {"delay", "5s", 1},      {"delay", "0s", 0},     {"delay", "3", 0},
        {"delay", "1001d", 0},   {"delay", "24001h", 0}, {"delay", "1.5ms", 1},
        {"stage", "START", 1},   {"stage", "UPDATING", 1}, {"stage", "start", 0},
        {"stage", "DOWNLOADING", 0}, {"stage", "RDY", 0},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        snprintf(lo, sizeof lo, "%ld", ranges[i].min);
        snprintf(hi, sizeof hi, "%ld", ranges[i].max);
        snprintf(below, sizeof below, "%ld", ranges[i].min - 1);
        snprintf(above, sizeof above, "%ld", ranges[i].max + 1);
        const char *key = ranges[i].key;
        CU_ASSERT(scenario_takes_fault("update-fail", key, lo));
        CU_ASSERT(command_line_takes_fault("update-fail", key, lo));
        CU_ASSERT(scenario_takes_fault("update-fail", key, hi));
        CU_ASSERT(command_line_takes_fault("update-fail", key, hi));
        CU_ASSERT(!scenario_takes_fault("update-fail", key, below));
        CU_ASSERT(!command_line_takes_fault("update-fail", key, below));
        CU_ASSERT(!scenario_takes_fault("update-fail", key, above));
        CU_ASSERT(!command_line_takes_fault("update-fail", key, above));
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int sc = scenario_takes_fault("slow-urc", cases[i].key, cases[i].value);
        int cl = command_line_takes_fault("slow-urc", cases[i].key, cases[i].value);
        if (sc != cases[i].ok || cl != cases[i].ok)
            fprintf(stderr, "\n%s=%s: scenario %d, command line %d, want %d\n", cases[i].key,
                    cases[i].value, sc, cl, cases[i].ok);
        CU_ASSERT_EQUAL(sc, cases[i].ok);
        CU_ASSERT_EQUAL(cl, cases[i].ok);
    }
}

/* ---- option precedence: dfota_emulator_settings_resolve ------------------- */

/* An option given wins over the scenario's emulator block, which wins over
 * the firmware the scenario requires and the defaults; the profile decides
 * the codes and the judge's profile. */
static void test_settings_precedence(void)
{
    static const struct {
        const char *what;
        const char *opt_fw, *opt_profile;
        int opt_field, opt_uart;
        int64_t opt_space;
        int present;
        const char *sc_fw, *sc_profile, *sc_port;
        int64_t sc_space;
        const char *required;
        /* wanted */
        const char *fw, *profile;
        int field, named, uart;
        dfota_profile judge;
        int64_t space;
    } cases[] = {
        {"defaults", NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, NULL,
         "EG95EFAR02A07M4G", NULL, 0, 0, 0, DFOTA_PROFILE_STRICT, 64LL * 1024 * 1024},
        {"the scenario's block", NULL, NULL, 0, 0, 0, 1, "FW-SC", "field", "uart", 5000, "FW-REQ",
         "FW-SC", "field", 1, 0, 1, DFOTA_PROFILE_FIELD, 5000},
        {"a block that is not there", NULL, NULL, 0, 0, 0, 0, "FW-SC", "field", "uart", 5000, NULL,
         "EG95EFAR02A07M4G", NULL, 0, 0, 0, DFOTA_PROFILE_STRICT, 64LL * 1024 * 1024},
        {"the required firmware", NULL, NULL, 0, 0, 0, 1, NULL, NULL, NULL, 0, "FW-REQ",
         "FW-REQ", NULL, 0, 0, 0, DFOTA_PROFILE_STRICT, 64LL * 1024 * 1024},
        {"options over the block", "FW-OPT", "strict", 0, -1, 7000, 1, "FW-SC", "field", "uart",
         5000, "FW-REQ", "FW-OPT", "strict", 0, 0, 0, DFOTA_PROFILE_STRICT, 7000},
        {"uart option over a usb block", NULL, NULL, 0, 1, 0, 1, NULL, NULL, "usb", 0, NULL,
         "EG95EFAR02A07M4G", NULL, 0, 0, 1, DFOTA_PROFILE_STRICT, 64LL * 1024 * 1024},
        {"a named profile: field codes, judged strict", NULL, NULL, 0, 0, 0, 1, NULL, "lowend",
         NULL, 0, NULL, "EG95EFAR02A07M4G", "lowend", 1, 1, 0, DFOTA_PROFILE_STRICT,
         64LL * 1024 * 1024},
        {"field codes asked for, strict profile", NULL, "strict", 1, 0, 0, 0, NULL, NULL, NULL, 0,
         NULL, "EG95EFAR02A07M4G", "strict", 1, 0, 0, DFOTA_PROFILE_STRICT, 64LL * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[DFOTA_ERRBUF] = "";
        dfota_emulator_opts o;
        dfota_emulator_spec sp;
        dfota_emulator_settings set;
        memset(&o, 0, sizeof o);
        memset(&sp, 0, sizeof sp);
        sp.present = cases[i].present;
        sp.firmware = (char *)(uintptr_t)cases[i].sc_fw;
        sp.profile = (char *)(uintptr_t)cases[i].sc_profile;
        sp.port = (char *)(uintptr_t)cases[i].sc_port;
        sp.free_space = cases[i].sc_space;
        o.spec = &sp;
        o.required_firmware = cases[i].required;
        o.firmware = cases[i].opt_fw;
        o.profile = cases[i].opt_profile;
        o.field = cases[i].opt_field;
        o.uart = cases[i].opt_uart;
        o.free_space = cases[i].opt_space;
        CU_ASSERT_EQUAL_FATAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_OK);
        int ok = strcmp(set.firmware, cases[i].fw) == 0 &&
                 (set.profile ? cases[i].profile && strcmp(set.profile, cases[i].profile) == 0
                              : !cases[i].profile) &&
                 set.field == cases[i].field && set.named_profile == cases[i].named &&
                 set.uart == cases[i].uart && set.judge == cases[i].judge &&
                 set.free_space == cases[i].space;
        if (!ok)
            fprintf(stderr, "\n%s: firmware %s, profile %s, field %d, named %d, uart %d, judge %d, "
                    "free %lld\n", cases[i].what, set.firmware, set.profile ? set.profile : "-",
                    set.field, set.named_profile, set.uart, (int)set.judge,
                    (long long)set.free_space);
        CU_ASSERT(ok);
    }
}

/* What cannot be resolved is refused before anything starts: an unknown
 * profile, whoever names it; more faults than the module keeps. */
static void test_settings_refused(void)
{
    char err[DFOTA_ERRBUF] = "";
    dfota_emulator_opts o;
    dfota_emulator_spec sp;
    dfota_emulator_settings set;
    dfota_fault extra[2];
    memset(&o, 0, sizeof o);
    memset(&sp, 0, sizeof sp);
    memset(extra, 0, sizeof extra);
    sp.present = 1;
    sp.profile = (char *)(uintptr_t)"no-such-profile";
    o.spec = &sp;
    CU_ASSERT_EQUAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT(strstr(err, "no-such-profile") != NULL && strstr(err, "lowend") != NULL);
    o.profile = "field"; /* the option wins: the block's name is not looked at */
    CU_ASSERT_EQUAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_OK);
    sp.profile = NULL;
    sp.n_faults = 15;
    o.faults = extra;
    o.n_faults = 1;
    CU_ASSERT_EQUAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_OK);
    o.n_faults = 2;
    CU_ASSERT_EQUAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT(strstr(err, "16 faults") != NULL);
    o.n_faults = 0;
    o.free_space = -1;
    CU_ASSERT_EQUAL(dfota_emulator_settings_resolve(&o, &set, err, sizeof err), DFOTA_E_ARG);
}

static const test_entry tests[] = {
    {"crc32 known vectors", test_crc32_vectors},
    {"an empty package fails its check (505)", test_empty_package_505},
    {"basic AT: echo, ATI, AT+QGMR, test command, unknown", test_basic_at},
    {"V.250 command line: garbage, case, concatenation, V0, Q1, S3, A/, Z", test_v250_command_line},
    {"model answers: identity, +CME ERROR, a model file, its errors", test_model_answers},
    {"AT+QFUPL after CR LF, ACK mode, 0xFF padding past the size", test_qfupl_crlf_and_padding},
    {"bad AT+QFOTADL arguments get ERROR and no URC", test_bad_arguments},
    {"local upgrade on USB: hang-up, new terminal, END,0, RDY, and back", test_usb_local_upgrade_and_back},
    {"what the host sent as the module powered off is recorded", test_host_bytes_at_power_off_recorded},
    {"corrupt package: END,505, five retries, old version", test_corrupt_package_505_five_retries},
    {"package for another version: END,510, no retry", test_mismatch_510},
    {"download refused: 601/701 strict, 605/716 field", test_download_refused},
    {"HTTP download: success, 511, 404", test_http_download},
    {"HTTP download of a URL read by the guide's template", test_http_download_guide_url},
    {"the URL libcurl fetches", test_fetch_url},
    {"AT+QFOTADL during a download: ERROR", test_busy_during_download},
    {"AT+QFLST and AT+QFDEL", test_file_commands},
    {"new refuses a file as link, bad scale, bad UFS", test_new_refuses},
    {"every host open and close of the terminal is recorded", test_host_open_close_recorded},
    {"scenario block: firmware, port, update-fail, unplayable fault", test_scenario_block},
    {"faults: garbage, blanks, server-unreachable", test_more_faults},
    {"named profile: lowend; an unknown one refused", test_named_profile},
    {"AT+QFUPL: 10, 3 and 3000 bytes, checksums, AT+QFLST", test_qfupl_upload},
    {"AT+QFUPL refusals: 407, 406, 420, syntax, 421 timeout", test_qfupl_refusals},
    {"AT+QFUPL a package, then AT+QFOTADL upgrades from it", test_qfupl_then_upgrade},
    {"fwupd's file commands: QFLST=?, a missing file 417, ack-mode A", test_qfupl_fwupd_file_commands},
    {"a hook for every fault kind of the table, and no other", test_fault_hooks_match_table},
    {"a scenario's fault and --fault refuse the same values", test_fault_values_one_range},
    {"settings: options over the scenario over the defaults", test_settings_precedence},
    {"settings: an unknown profile, too many faults refused", test_settings_refused},
};

int main(void)
{
    return RUN_SUITE("emulator", tests);
}
