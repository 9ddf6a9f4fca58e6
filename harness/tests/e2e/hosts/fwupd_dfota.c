/* SPDX-License-Identifier: MIT */
/* fwupd_dfota.c - fwupd's DFOTA upgrade of a Quectel module, byte for byte,
 * for the e2e tests (e2e/fwupd-sequence.sh). fwupd with its ModemManager
 * plug-in is not in Debian 12, so this plays the exchange its source
 * documents instead: the same bytes, reads, timeouts and checks, its
 * regular expressions written out plainly. libc and termios only.
 *
 * usage: fwupd_dfota [-d MS] [-T SECONDS] LINK PACKAGE
 *   LINK     the module's AT port (dfota emulate's --link)
 *   PACKAGE  the file to upload as dfota_update.bin
 *   -d MS    the pause between the tries of an AT command (fwupd: 3000)
 *   -T S     a bound on the whole run, in wall seconds (default 600);
 *            fwupd's own bound is its retry counts (5000 reads of up to
 *            90 s after the upgrade), which no test can wait for
 *
 * Exit status: 0 when the module said END,0, came back and runs a new
 * firmware; 1 with "fwupd_dfota: STEP: what was read" otherwise; 2 usage.
 * It prints each command it sends and each answer it reads on stdout, and
 * "firmware: VERSION" (AT+QGMR) after the upgrade.
 *
 * The fwupd source followed is commit
 * 6e9504964aeb56d51ae2693823510494f8c28b6d of github.com/fwupd/fwupd;
 * references such as fu-mm-dfota-device.c:97 are to its files:
 *   plugins/modem-manager/fu-mm-dfota-device.c   the DFOTA device
 *   plugins/modem-manager/fu-mm-device.c         AT commands, the port
 *   libfwupdplugin/fu-io-channel.c               reads, writes, flush
 *   libfwupdplugin/fu-device.c                   retries, open and setup
 *   libfwupdplugin/fu-input-stream.c             the checksum's slices
 *   libfwupdplugin/fu-plugin.c                   the port open per phase
 *   libfwupdplugin/fu-string.c                   fu_strsafe
 *   src/fu-device-list.c                         the replug wait
 * Written from reading it, not copied from it (fwupd is LGPL).
 *
 * What is ModemManager's and not fwupd's: fwupd inhibits ModemManager and
 * takes over a port ModemManager has set up (fu-mm-device.c:810: only the
 * ports ModemManager ignored need making raw). ModemManager's probing and
 * init (AT until the module answers, ATE0, AT+CMEE=1) is played before
 * fwupd's setup, after each boot, as mm_probe(); without the echo off the
 * 64-byte read of fu-mm-device.c:522 cannot hold an echoed AT+QFLST and
 * its answer. fwupd takes the new version from ModemManager
 * (fu-mm-device.c:465); AT+QGMR stands in for that. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FILENAME "dfota_update.bin"     /* fu-mm-dfota-device.c:18 */
#define FOTA_READ_TIMEOUT_MS (90 * 1000) /* fu-mm-dfota-device.c:20 */
#define DFOTA_TIMEOUT_MS (5 * 1000)      /* fu-mm-dfota-device.c:21 */
#define AT_TIMEOUT_MS 1500               /* fu-mm-device.c:506, 522 */
#define AT_RETRIES 3                     /* fu-mm-device.c:49 */
#define AT_COUNT 64                      /* fu-mm-device.c:586 */
#define CHUNK 0x800                      /* fu-mm-dfota-device.c:222, 95 */
#define CHECKSUM_SLICE 0x8000            /* fu-input-stream.c:923 */
#define ATTACH_TRIES 5000                /* fu-mm-dfota-device.c:406 */
#define ATTACH_DELAY_MS 100              /* fu-mm-dfota-device.c:407 */
#define REMOVE_DELAY_MS 15000            /* fu-mm-dfota-device.c:494 */
#define READ_TMP_MAX 1024                /* fu-io-channel.c:415 */
#define PACKAGE_MAX (256L * 1024 * 1024)

static const char *link_path;
static const char *step = "start";
static long at_delay_ms = 3000;          /* fu-mm-device.c:51 */
static int64_t deadline;                 /* monotonic ms: the run's bound */
static char err[2048];                   /* the last error, as fwupd words it */
static int hung;                         /* the last read met a hang-up */
static struct stat opened_link;          /* the link as the last open found it */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Bytes as text: printable ones as they are, CR, LF and others escaped. */
static const char *shown(const uint8_t *p, size_t n)
{
    static char out[1200];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < sizeof out; i++) {
        if (p[i] == '\r')
            o += (size_t)snprintf(out + o, sizeof out - o, "\\r");
        else if (p[i] == '\n')
            o += (size_t)snprintf(out + o, sizeof out - o, "\\n");
        else if (p[i] >= ' ' && p[i] <= '~' && p[i] != '\\')
            out[o++] = (char)p[i];
        else
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", p[i]);
    }
    if (o + 8 >= sizeof out)
        o += (size_t)snprintf(out + o, sizeof out - o, "...");
    out[o] = '\0';
    return out;
}

static void seterr(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, sizeof err, fmt, ap);
    va_end(ap);
}

/* err becomes "<prefix>: <err>", as g_prefix_error does. */
static void prefix_err(const char *prefix)
{
    char e[sizeof err];
    snprintf(e, sizeof e, "%.200s: %.1800s", prefix, err);
    memcpy(err, e, sizeof err);
}

static void die(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("fwupd_dfota: %s: %s\n", step, msg);
    fflush(stdout);
    exit(1);
}

/* poll within the run's bound: past it, the run ends there. */
static int poll_bounded(struct pollfd *pfd, long timeout_ms)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            die("the run's bound (-T) is over; last: %s", err[0] ? err : "nothing read");
        long t = timeout_ms < left ? timeout_ms : (long)left;
        int rc = poll(pfd, 1, (int)t);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0 && t < timeout_ms)
            continue; /* the bound, not fwupd's timeout: die above */
        return rc;
    }
}

/* ---- the port ------------------------------------------------------------ */

/* fu-mm-device.c:802: FuUdevDevice's open, O_RDWR (fu-mm-device.c:1010,
 * 1011, fu-io-channel.c:626), not O_NONBLOCK; O_NOCTTY as a daemon has
 * no terminal to acquire. Raw, as ModemManager left it (see the top). */
static int port_open(void)
{
    struct termios t;
    int fd = open(link_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (lstat(link_path, &opened_link) != 0)
        memset(&opened_link, 0, sizeof opened_link);
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
    printf("open %s\n", link_path);
    return fd;
}

static void port_close(int fd)
{
    close(fd);
    printf("close\n");
}

/* fu-io-channel.c:129-142: read a byte while poll says there is input. */
static void flush_input(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLERR};
    while (poll(&p, 1, 0) > 0) {
        char c;
        if (read(fd, &c, 1) < 0 && errno != EINTR)
            break;
    }
}

/* fu-io-channel.c:258-354 (non-blocking path): poll for POLLOUT with the
 * timeout, write what it takes; a poll timeout ends the write silently
 * (fu-io-channel.c:311), as in fwupd. 0, or -1 with err set. */
static int io_write(int fd, const uint8_t *p, size_t n, long timeout_ms, int flush)
{
    size_t idx = 0;
    if (flush)
        flush_input(fd); /* fu-io-channel.c:271 */
    while (idx < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT | POLLERR};
        int rc = poll_bounded(&pfd, timeout_ms);
        if (rc == 0)
            break;
        if (rc < 0) {
            seterr("failed to poll %d", fd);
            return -1;
        }
        if (pfd.revents & POLLOUT) {
            ssize_t w = write(fd, p + idx, n - idx);
            if (w < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (w < 0) {
                seterr("failed to write %zu bytes: %s", n, strerror(errno));
                return -1;
            }
            idx += (size_t)w;
        } else if (pfd.revents & (POLLERR | POLLHUP)) {
            seterr("failed to write %zu bytes: the port hung up", n);
            return -1;
        }
    }
    return 0;
}

/* fu-io-channel.c:399-531 (non-blocking path): up to count bytes (no
 * limit when count <= 0), each read() at most min(count, 1024); single
 * shot: the first read that gets data ends it. A poll timeout is an error
 * even with data in hand (fu-io-channel.c:448). Returns the length, or -1
 * with err set. */
static long io_read(int fd, long count, long timeout_ms, int single_shot, uint8_t *out,
                    size_t cap)
{
    size_t len = 0, tmp = count > 0 && count < READ_TMP_MAX ? (size_t)count : READ_TMP_MAX;
    hung = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLPRI | POLLERR};
        int rc = poll_bounded(&pfd, timeout_ms);
        if (rc == 0) {
            seterr("timeout");
            return -1;
        }
        if (rc < 0) {
            seterr("failed to poll %d", fd);
            return -1;
        }
        if (pfd.revents & POLLIN) {
            if (len + tmp > cap) {
                seterr("more than %zu bytes", cap);
                return -1;
            }
            ssize_t r = read(fd, out + len, tmp);
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (r < 0) {
                hung = errno == EIO;
                seterr("failed to read %d: %s", fd, strerror(errno));
                return -1;
            }
            if (r == 0) {
                hung = 1; /* a terminal that hung up reads as its end */
                break;
            }
            len += (size_t)r;
            if (count > 0 && len >= (size_t)count)
                break;
            if (single_shot)
                break;
            continue;
        }
        if (pfd.revents & POLLERR) {
            seterr("error condition");
            return -1;
        }
        if (pfd.revents & POLLHUP) {
            hung = 1;
            seterr("connection hung up");
            return -1;
        }
        if (pfd.revents & POLLNVAL) {
            seterr("invalid request");
            return -1;
        }
    }
    if (len == 0) {
        seterr("no data received from device in %ldms", timeout_ms);
        return -1;
    }
    return (long)len;
}

/* memmem for bytes that may hold NULs (g_strrstr_len finds the same). */
static const uint8_t *find(const uint8_t *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (memcmp(p + i, s, k) == 0)
            return p + i;
    return NULL;
}

/* fu-string.c:639-663, fu_strsafe: 1 when the first maxsz bytes (up to a
 * NUL) have a printable character that is not a blank. */
static int strsafe_valid(const uint8_t *p, size_t n, size_t maxsz)
{
    for (size_t i = 0; i < n && i < maxsz && p[i] != '\0'; i++)
        if (p[i] > ' ' && p[i] <= '~')
            return 1;
    return 0;
}

/* ---- AT commands (fu-mm-device.c:484-599) -------------------------------- */

/* One try, fu_mm_device_at_cmd_cb (fu-mm-device.c:485). 0, or -1 with err
 * set; the answer in ans. */
static int at_cmd_try(int fd, const char *cmd, uint8_t *ans, long *ans_len)
{
    char line[512];
    int n = snprintf(line, sizeof line, "%s\r\n", cmd); /* fu-mm-device.c:504 */
    printf("> %s\n", shown((const uint8_t *)line, (size_t)n));
    /* fu-mm-device.c:506: written after flushing the input */
    if (io_write(fd, (const uint8_t *)line, (size_t)n, AT_TIMEOUT_MS, 1) != 0) {
        char pre[600];
        snprintf(pre, sizeof pre, "failed to write %.500s", cmd);
        prefix_err(pre);
        return -1;
    }
    /* fu-mm-device.c:522: one read of up to 64 bytes, 1.5 s */
    long got = io_read(fd, AT_COUNT, AT_TIMEOUT_MS, 1, ans, 4096);
    if (got < 0) {
        char pre[600];
        snprintf(pre, sizeof pre, "failed to read response for %.500s", cmd);
        prefix_err(pre);
        return -1;
    }
    printf("< %s\n", shown(ans, (size_t)got));
    if (!strsafe_valid(ans, (size_t)got, 32)) { /* fu-mm-device.c:531 */
        seterr("no AT res");
        return -1;
    }
    /* fu-mm-device.c:542-555: the echo alone, the command and one byte
     * (its CR, its LF "missing"): read the answer again */
    if (find(ans, (size_t)got, cmd) && (size_t)got == strlen(cmd) + 1) {
        got = io_read(fd, AT_COUNT, AT_TIMEOUT_MS, 1, ans, 4096);
        if (got < 0) {
            char pre[600];
            snprintf(pre, sizeof pre, "failed to read response for %.500s", cmd);
            prefix_err(pre);
            return -1;
        }
        printf("< %s\n", shown(ans, (size_t)got));
    }
    if (got < 6) { /* fu-mm-device.c:556 */
        seterr("failed to read valid response for %s", cmd);
        return -1;
    }
    /* fu-mm-device.c:566: OK or CONNECT anywhere in what was read */
    if (!find(ans, (size_t)got, "\r\nOK\r\n") && !find(ans, (size_t)got, "\r\nCONNECT\r\n")) {
        seterr("failed to read valid response for %s: %s", cmd, shown(ans + 2, (size_t)got - 4));
        return -1;
    }
    *ans_len = got;
    return 0;
}

/* fu_mm_device_at_cmd (fu-mm-device.c:584): three tries, 3 s apart
 * (fu-device.c:651-684: every error but the last is retried). */
static int at_cmd(int fd, const char *cmd)
{
    uint8_t ans[4096];
    long len;
    for (int i = 0;; i++) {
        if (i > 0)
            sleep_ms(at_delay_ms); /* fu-device.c:656 */
        if (at_cmd_try(fd, cmd, ans, &len) == 0)
            return 0;
        if (i >= AT_RETRIES - 1) {
            char pre[64];
            snprintf(pre, sizeof pre, "failed after %d retries", AT_RETRIES);
            prefix_err(pre);
            return -1;
        }
        printf("failed on try %d of %d: %s\n", i + 1, AT_RETRIES, err);
    }
}

/* ---- ModemManager's part (see the top): not fwupd's ---------------------- */

/* Sends a command (CR-ended, as ModemManager does) and reads until OK or
 * ERROR or timeout_ms: 1 on OK, 0 on ERROR or no answer, -1 when the port
 * went away. */
static int mm_command(int fd, const char *cmd, long timeout_ms)
{
    uint8_t buf[4096];
    size_t len = 0;
    char line[64];
    int rc = 0, n = snprintf(line, sizeof line, "%s\r", cmd);
    printf("> %s   (ModemManager)\n", shown((const uint8_t *)line, (size_t)n));
    if (write(fd, line, (size_t)n) != n)
        return -1;
    int64_t end = now_ms() + timeout_ms;
    while (now_ms() < end && len < sizeof buf) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll_bounded(&pfd, (long)(end - now_ms())) <= 0)
            break;
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r <= 0) {
            rc = -1;
            break;
        }
        len += (size_t)r;
        if (find(buf, len, "\r\nOK\r\n")) {
            rc = 1;
            break;
        }
        if (find(buf, len, "ERROR\r\n"))
            break;
    }
    printf("< %s\n", shown(buf, len));
    return rc;
}

/* Reads until the module's RDY, or for up to ms. */
static void mm_wait_rdy(int fd, long ms)
{
    uint8_t buf[4096];
    size_t len = 0;
    int64_t end = now_ms() + ms;
    while (!find(buf, len, "RDY\r\n") && now_ms() < end && len < sizeof buf) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll_bounded(&pfd, (long)(end - now_ms())) <= 0)
            break;
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    printf("< %s\n", shown(buf, len));
}

/* ModemManager probes the port until the module answers (AT every 2 s),
 * then sets echo off and numeric errors on, and lets go of the port
 * (fwupd inhibits it). After a boot it waits for RDY first (up to 10 s),
 * so that no probe is lost to the boot. */
static void mm_probe(int after_boot)
{
    const char *was = step;
    step = "ModemManager's probe (AT, ATE0, AT+CMEE=1)";
    int fd = -1, ok = 0;
    if (after_boot && (fd = port_open()) >= 0)
        mm_wait_rdy(fd, 10000);
    for (int i = 0; i < 30 && !ok; i++) {
        if (fd < 0 && (fd = port_open()) < 0) {
            sleep_ms(200);
            continue;
        }
        ok = mm_command(fd, "AT", 2000);
        if (ok < 0) {
            port_close(fd);
            fd = -1;
            ok = 0;
        }
    }
    if (!ok)
        die("the module did not answer AT");
    if (mm_command(fd, "ATE0", 3000) != 1 || mm_command(fd, "AT+CMEE=1", 3000) != 1)
        die("ATE0 or AT+CMEE=1 was not OK");
    port_close(fd);
    step = was;
}

/* ---- fwupd's device: fu-mm-dfota-device.c -------------------------------- */

/* fu_mm_dfota_device_setup (fu-mm-dfota-device.c:31), run by
 * fu_device_open with the port just opened (fu-device.c:6170), which is
 * closed when the device's locker goes, as for every phase. */
static void setup(void)
{
    step = "setup";
    int fd = port_open();
    if (fd < 0)
        die("cannot open %s: %s", link_path, strerror(errno));
    /* fu-mm-dfota-device.c:36 */
    if (at_cmd(fd, "AT+QFLST=?") != 0)
        die("listing files not supported: %s", err);
    /* fu-mm-dfota-device.c:41-47: a listing that fails means no old file */
    if (at_cmd(fd, "AT+QFLST=\"UFS:" FILENAME "\"") != 0) {
        printf("no old firmware found in filesystem: %s\n", err);
        port_close(fd);
        return;
    }
    /* fu-mm-dfota-device.c:49-56 */
    printf("found orphaned firmware file; trying to delete it\n");
    if (at_cmd(fd, "AT+QFDEL=\"" FILENAME "\"") != 0)
        die("failed to delete existing firmware file: %s", err);
    port_close(fd);
}

/* fu_mm_dfota_device_compute_checksum_cb (fu-mm-dfota-device.c:64-77):
 * 16-bit words, big-endian, XORed; an odd last byte is a high half. */
static void checksum_cb(const uint8_t *buf, size_t n, uint16_t *sum)
{
    for (size_t i = 0; i < n; i += 2) {
        uint16_t word = (uint16_t)(buf[i] << 8);
        if (i < n - 1)
            word |= buf[i + 1];
        *sum ^= word;
    }
}

/* fu_mm_dfota_device_upload_chunk (fu-mm-dfota-device.c:80-139). */
static void upload_chunk(int fd, const uint8_t *p, size_t n, unsigned idx)
{
    uint8_t padded[CHUNK], acks[2 * READ_TMP_MAX];
    /* fu-mm-dfota-device.c:93: one 'A' per 1024 bytes of the chunk's own */
    size_t expected = n / 1024;
    /* fu-mm-dfota-device.c:95: padded to 2048 bytes with 0xFF */
    memset(padded, 0xFF, sizeof padded);
    memcpy(padded, p, n);
    /* fu-mm-dfota-device.c:97 */
    if (io_write(fd, padded, sizeof padded, AT_TIMEOUT_MS, 0) != 0)
        die("failed at chunk %u: failed to upload firmware to the device: %s", idx, err);
    if (expected == 0) /* fu-mm-dfota-device.c:105 */
        return;
    /* fu-mm-dfota-device.c:108: count bytes, 5 s, not single shot */
    long got = io_read(fd, (long)expected, DFOTA_TIMEOUT_MS, 0, acks, sizeof acks);
    if (got < 0)
        die("failed at chunk %u: failed to read response: %s", idx, err);
    if ((size_t)got != expected) /* fu-mm-dfota-device.c:119 */
        die("failed at chunk %u: expected %zu ACKs, got %ld (%s)", idx, expected, got,
            shown(acks, (size_t)got));
    /* fu-mm-dfota-device.c:90, 128: ^A+$ */
    for (long i = 0; i < got; i++)
        if (acks[i] != 'A')
            die("failed at chunk %u: expected ACKs (A), got %s", idx, shown(acks, (size_t)got));
}

/* fu_mm_dfota_device_parse_upload_result (fu-mm-dfota-device.c:142-211):
 * one read; OK somewhere, and "\r\n+QFUPL:\s*(\d+),([0-9a-f]+)\r\n". */
static void parse_upload_result(int fd, size_t *size, uint16_t *sum)
{
    uint8_t buf[4096];
    long got = io_read(fd, 4096, DFOTA_TIMEOUT_MS, 1, buf, sizeof buf - 1);
    if (got < 0)
        die("failed to read AT+QFUPL response: %s", err);
    printf("< %s\n", shown(buf, (size_t)got));
    if (!find(buf, (size_t)got, "\r\nOK\r\n")) /* fu-mm-dfota-device.c:174 */
        die("upload command exited with error: %s", shown(buf, (size_t)got));
    /* fu-mm-dfota-device.c:157, 181: the first place the pattern matches */
    for (long at = 0; at + 2 < got; at++) {
        const uint8_t *p = buf + at, *end = buf + got;
        if (end - p < 9 || memcmp(p, "\r\n+QFUPL:", 9) != 0)
            continue;
        p += 9;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f' ||
                           *p == '\v'))
            p++;
        const uint8_t *d = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == d || p >= end || *p != ',')
            continue;
        const uint8_t *h = ++p;
        while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            p++;
        if (p == h || end - p < 2 || p[0] != '\r' || p[1] != '\n')
            continue;
        /* fu-mm-dfota-device.c:200-207: base 10 within gsize, base 16 within
         * 16 bits */
        char num[64];
        unsigned long long v;
        snprintf(num, sizeof num, "%.*s", (int)(h - 1 - d), (const char *)d);
        errno = 0;
        v = strtoull(num, NULL, 10);
        if (errno || v > SIZE_MAX)
            die("cannot parse size '%s'", num);
        *size = (size_t)v;
        snprintf(num, sizeof num, "%.*s", (int)(p - h), (const char *)h);
        errno = 0;
        v = strtoull(num, NULL, 16);
        if (errno || v > 0xFFFF)
            die("cannot parse checksum '%s'", num);
        *sum = (uint16_t)v;
        printf("parsed checksum '%s' and size '%zu'\n", num, *size);
        return;
    }
    die("could not match QFUPL response: %s", shown(buf, (size_t)got));
}

/* fu_mm_dfota_device_write_firmware (fu-mm-dfota-device.c:418-454), the
 * port open for it (fu-plugin.c:943) and closed after. */
static void write_firmware(const uint8_t *pkg, size_t size)
{
    char cmd[128];
    step = "write_firmware";
    int fd = port_open();
    if (fd < 0)
        die("failed to open device: %s", strerror(errno));
    /* fu-mm-dfota-device.c:434-440 */
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu,5,1", FILENAME, size);
    if (at_cmd(fd, cmd) != 0)
        die("failed to enable upload mode: %s", err);
    /* fu_mm_dfota_device_upload_stream (fu-mm-dfota-device.c:214-268):
     * 2048-byte chunks (fu-mm-dfota-device.c:222-235) */
    step = "upload";
    unsigned chunks = 0;
    for (size_t off = 0; off < size; off += CHUNK, chunks++)
        upload_chunk(fd, pkg + off, size - off < CHUNK ? size - off : CHUNK, chunks);
    printf("wrote %u chunks of %d bytes (%zu of the file)\n", chunks, CHUNK, size);
    /* fu-mm-dfota-device.c:238-244: the checksum over the stream, in the
     * slices fu_input_stream_chunkify reads */
    uint16_t sum = 0, sum_parsed = 0;
    size_t size_parsed = 0;
    for (size_t off = 0; off < size; off += CHECKSUM_SLICE)
        checksum_cb(pkg + off, size - off < CHECKSUM_SLICE ? size - off : CHECKSUM_SLICE, &sum);
    step = "upload result";
    parse_upload_result(fd, &size_parsed, &sum_parsed); /* fu-mm-dfota-device.c:245 */
    if (size != size_parsed) /* fu-mm-dfota-device.c:247 */
        die("firmware size mismatch - expected 0x%x, but was 0x%x", (unsigned)size,
            (unsigned)size_parsed);
    if (sum != sum_parsed) /* fu-mm-dfota-device.c:256 */
        die("checksum mismatch - expected 0x%04x, but was 0x%04x", sum, sum_parsed);
    /* fu-mm-dfota-device.c:443-449 */
    step = "AT+QFOTADL";
    if (at_cmd(fd, "AT+QFOTADL=\"/data/ufs/" FILENAME "\"") != 0)
        die("failed to start update: %s", err);
    /* fu-mm-dfota-device.c:450: WAIT_FOR_REPLUG; the locker closes the
     * port (fu-plugin.c:943) before the engine waits */
    port_close(fd);
}

/* fu_device_list_wait_for_replug (src/fu-device-list.c:1008-1080): the
 * device must go away and come back within its remove delay, 15 s
 * (fu-mm-dfota-device.c:494), looked at every millisecond (here 10). The
 * port going away is the link going away (udev's remove); a link made
 * anew since the port was last opened (another inode or change time: the
 * new terminal may have the old one's name) is the port back even when
 * its absence fell between two looks. */
static void wait_for_replug(const char *why)
{
    struct stat now;
    int gone = 0;
    step = why;
    int64_t start = now_ms();
    while (now_ms() - start < REMOVE_DELAY_MS) {
        if (now_ms() > deadline)
            die("the run's bound (-T) is over while waiting for the replug");
        /* A link being removed has no name left (st_nlink 0) and a new
         * change time: gone, not made anew. */
        if (lstat(link_path, &now) != 0 || now.st_nlink == 0)
            gone = 1;
        else if (gone || now.st_ino != opened_link.st_ino ||
                 now.st_ctim.tv_sec != opened_link.st_ctim.tv_sec ||
                 now.st_ctim.tv_nsec != opened_link.st_ctim.tv_nsec) {
            printf("replug: the port is back (its absence %s), after %lld ms\n",
                   gone ? "seen" : "not seen", (long long)(now_ms() - start));
            return;
        }
        sleep_ms(10);
    }
    die("device did not come back within %d ms (the port %s)", REMOVE_DELAY_MS,
        gone ? "went away and stayed away" : "never went away");
}

/* fu_mm_dfota_device_parse_fota_response (fu-mm-dfota-device.c:271-358)
 * on the text fu_strsafe made of one read: the first place
 * +QIND:\s*"FOTA","([A-Z]+)"(,(\d+))? matches. 0: not finished, 1:
 * finished (END,0), -1: an error (err set). */
static int parse_fota_response(const char *s)
{
    for (const char *p = strstr(s, "+QIND:"); p; p = strstr(p + 1, "+QIND:")) {
        const char *q = p + 6;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "\"FOTA\",\"", 8) != 0)
            continue;
        q += 8;
        const char *st = q;
        while (*q >= 'A' && *q <= 'Z')
            q++;
        if (q == st || *q != '"')
            continue;
        char status[32];
        snprintf(status, sizeof status, "%.*s", (int)(q - st), st);
        q++;
        int has_number = q[0] == ',' && q[1] >= '0' && q[1] <= '9';
        if (strcmp(status, "START") == 0) { /* fu-mm-dfota-device.c:309 */
            printf("update started successfully\n");
            return 0;
        }
        if (!has_number) { /* fu-mm-dfota-device.c:315 */
            seterr("badly formatted message '%s'", s);
            return -1;
        }
        errno = 0;
        unsigned long long number = strtoull(q + 1, NULL, 10);
        if (errno || number > UINT_MAX) { /* fu-mm-dfota-device.c:325 */
            seterr("cannot parse '%s'", s);
            return -1;
        }
        if (strcmp(status, "UPDATING") == 0) /* fu-mm-dfota-device.c:333 */
            return 0;
        if (strcmp(status, "END") == 0) { /* fu-mm-dfota-device.c:337 */
            if (number != 0) {
                seterr("update exited with error code %llu", number);
                return -1;
            }
            printf("updated finished successfully\n");
            return 1;
        }
        seterr("unhandled fota status '%s'", status); /* fu-mm-dfota-device.c:352 */
        return -1;
    }
    printf("got unexpected response '%s'\n", s); /* fu-mm-dfota-device.c:296 */
    return 0;
}

/* fu_mm_dfota_device_attach (fu-mm-dfota-device.c:402-415), the port
 * open for it (fu-plugin.c:897): fu_mm_dfota_device_attach_cb tried up to
 * 5000 times, 100 ms apart, each one read of up to 1024 bytes within 90 s
 * (fu-mm-dfota-device.c:369) parsed for its first FOTA URC. */
static void attach(void)
{
    char first_code[256] = "";
    step = "attach";
    int fd = port_open();
    if (fd < 0)
        die("cannot open %s: %s", link_path, strerror(errno));
    for (int i = 0;; i++) {
        uint8_t buf[4096];
        char text[4096];
        int done = -1;
        if (i > 0)
            sleep_ms(ATTACH_DELAY_MS);
        long got = io_read(fd, 4096, FOTA_READ_TIMEOUT_MS, 1, buf, sizeof buf);
        if (got >= 0) {
            printf("< %s\n", shown(buf, (size_t)got));
            /* fu-mm-dfota-device.c:378-387: fu_strsafe (non-printable
             * bytes as '.', up to a NUL), then g_strstrip */
            size_t k = 0;
            for (long j = 0; j < got && buf[j] != '\0'; j++)
                text[k++] = buf[j] >= ' ' && buf[j] <= '~' ? (char)buf[j] : '.';
            text[k] = '\0';
            if (!strsafe_valid(buf, (size_t)got, (size_t)got))
                seterr("no response");
            else
                done = parse_fota_response(text);
            /* fwupd parses the first URC of a read only: an END behind it
             * in the same read is lost to it, and it waits on */
            if (done == 0 && strstr(text, "\"FOTA\",\"END\""))
                printf("note: an END in this read goes unseen by fwupd\n");
        }
        if (done == 1)
            break;
        if (done < 0 && strncmp(err, "update exited", 13) == 0 && !first_code[0])
            snprintf(first_code, sizeof first_code, "%.200s", err);
        if (!(got < 0 && hung))
            printf("failed on try %d of %d: %s\n", i + 1, ATTACH_TRIES,
                   done < 0 || got < 0 ? err : "not finished");
        /* A hang-up is for good: the descriptor is the old terminal's, and
         * each of fwupd's remaining tries fails on it at once (a poll with
         * POLLHUP, fu-io-channel.c:503, or a read of nothing,
         * fu-io-channel.c:484 and 520), so it gives up after its 5000. */
        if (got < 0 && hung)
            die("%s%s%s (the port went away before END,0: fwupd fails its remaining tries "
                "the same way)",
                first_code, first_code[0] ? "; then " : "", err);
        if (i >= ATTACH_TRIES - 1)
            die("failed after %d retries: %s", ATTACH_TRIES, first_code[0] ? first_code : err);
    }
    /* fu-mm-dfota-device.c:413: WAIT_FOR_REPLUG; the port is closed */
    port_close(fd);
}

/* fwupd learns the version from ModemManager after the replug
 * (fu-mm-device.c:465); AT+QGMR stands in for it. */
static void report_version(void)
{
    uint8_t buf[4096];
    size_t len = 0;
    step = "the version after the upgrade (AT+QGMR, for ModemManager)";
    int fd = port_open();
    if (fd < 0)
        die("cannot open %s: %s", link_path, strerror(errno));
    printf("> AT+QGMR\\r\n");
    if (write(fd, "AT+QGMR\r", 8) != 8)
        die("cannot write");
    int64_t end = now_ms() + 5000;
    while (!find(buf, len, "\r\nOK\r\n") && now_ms() < end && len < sizeof buf - 1) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll_bounded(&pfd, (long)(end - now_ms())) <= 0)
            break;
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    printf("< %s\n", shown(buf, len));
    buf[len] = '\0';
    char *v = (char *)buf;
    while (*v == '\r' || *v == '\n')
        v++;
    char *e = strpbrk(v, "\r\n");
    if (!find(buf, len, "\r\nOK\r\n") || !e || e == v)
        die("no version: %s", shown(buf, len));
    *e = '\0';
    printf("firmware: %s\n", v);
    port_close(fd);
}

static uint8_t *read_package(const char *path, size_t *size)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > PACKAGE_MAX)
        die("cannot read the package %s", path);
    uint8_t *p = malloc((size_t)st.st_size);
    size_t n = 0;
    while (p && n < (size_t)st.st_size) {
        ssize_t r = read(fd, p + n, (size_t)st.st_size - n);
        if (r <= 0)
            die("cannot read the package %s", path);
        n += (size_t)r;
    }
    close(fd);
    if (!p)
        die("out of memory");
    *size = n;
    return p;
}

int main(int argc, char **argv)
{
    long bound_s = 600;
    int c;
    setvbuf(stdout, NULL, _IOLBF, 0);
    while ((c = getopt(argc, argv, "d:T:")) != -1) {
        if (c == 'd')
            at_delay_ms = atol(optarg);
        else if (c == 'T')
            bound_s = atol(optarg);
        else
            return 2;
    }
    if (argc - optind != 2 || at_delay_ms < 0 || bound_s <= 0) {
        fprintf(stderr, "usage: fwupd_dfota [-d MS] [-T SECONDS] LINK PACKAGE\n");
        return 2;
    }
    link_path = argv[optind];
    deadline = now_ms() + bound_s * 1000;
    size_t size;
    uint8_t *pkg = read_package(argv[optind + 1], &size);

    mm_probe(0);
    setup();                                   /* fu-mm-dfota-device.c:31 */
    write_firmware(pkg, size);                 /* fu-mm-dfota-device.c:418 */
    wait_for_replug("the replug into the update"); /* src/fu-device-list.c:1008 */
    attach();                                  /* fu-mm-dfota-device.c:402 */
    wait_for_replug("the replug after END");   /* src/fu-device-list.c:1008 */
    /* The device comes back and fwupd sets it up again: its setup deletes
     * the package the upgrade left (fu-mm-dfota-device.c:40). */
    mm_probe(1);
    setup();
    report_version();
    free(pkg);
    printf("done: END,0\n");
    return 0;
}
