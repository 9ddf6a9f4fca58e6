/* SPDX-License-Identifier: MIT */
/* gen-sessions.c - writes a synthetic log of DFOTA upgrade sessions for the
 * throughput and memory benchmark (bench/check-throughput).
 *
 * usage: gen-sessions [-f transcript|raw|stamped] [-p usb|uart] [-s SEED]
 *                     [-n SESSIONS [-c FILES]] [-S] MEGABYTES OUT
 *
 * Writes sessions until OUT holds at least MEGABYTES MiB, then finishes the
 * session under way, so the log ends cleanly. With -n it stops after
 * SESSIONS sessions, whatever the size (MEGABYTES 0: no size bound). With
 * -c as well, OUT is a folder (made if missing) that gets FILES such logs,
 * OUT/s00000.transcript, OUT/s00001.transcript, ... (.log for raw and
 * stamped), each with its own seed: the corpus of many small files
 * bench/gen-corpus makes. The sessions follow the EG9x
 * DFOTA User Guide (chapter 3) the way a module on a USB port does it:
 * FTP, HTTP and local-file upgrades with the port dropping and coming back
 * after the download, UPDATING that starts low and jumps to 100, END,0 and
 * the boot chatter after it; failed downloads (FTPEND,601, HTTPEND,701),
 * END,505 retried up to five times, END,52x/54x retried until success, an
 * update rebooted half way and restarted, the test command, arguments the
 * module refuses with ERROR; and unrelated traffic in between (+CREG, ATI,
 * AT+CSQ, AT+QGMR). Every session is protocol-correct: `dfota check` should
 * pass it. With -S the summary of what was written goes to stderr.
 *
 * Formats: transcript (the dfota transcript, version 1), raw (what a
 * terminal shows: no timestamps, CRLF, the port going away and coming back
 * as tio's "Disconnected" and "Connected"), stamped (the same with
 * "[YYYY-MM-DD HH:MM:SS.mmm] " prefixes).
 *
 * Deterministic: the same arguments write the same bytes. Standard C11, and
 * POSIX for mkdir. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum fmt { F_TRANSCRIPT, F_RAW, F_STAMPED };

typedef struct {
    FILE *out;
    enum fmt fmt;
    int64_t t_us;          /* time since the start, microseconds */
    uint64_t rng;
    unsigned long lines, sessions;
    unsigned long kinds[16];
} gen;

/* ---- helpers ----------------------------------------------------------- */

static uint32_t rnd(gen *g)
{
    /* xorshift64*: quick, and plenty for picking session shapes */
    g->rng ^= g->rng >> 12;
    g->rng ^= g->rng << 25;
    g->rng ^= g->rng >> 27;
    return (uint32_t)((g->rng * 2685821657736338717ULL) >> 32);
}

/* A number in [lo, hi]. */
static long range(gen *g, long lo, long hi)
{
    return lo + (long)(rnd(g) % (uint32_t)(hi - lo + 1));
}

/* Advances the clock by a random amount in [lo_ms, hi_ms] milliseconds. */
static void wait_ms(gen *g, long lo_ms, long hi_ms)
{
    g->t_us += range(g, lo_ms * 1000, hi_ms * 1000);
}

/* Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(int64_t z, long *y, long *m, long *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (long)(doy - (153 * mp + 2) / 5 + 1);
    *m = (long)(mp < 10 ? mp + 3 : mp - 9);
    *y = (long)(yoe + era * 400 + (*m <= 2));
}

/* What a terminal program shows for a line: the port events are its own
 * messages (as tio prints them), the rest is the text itself. */
static const char *capture_text(char dir, const char *payload)
{
    if (dir != '!')
        return payload;
    return strcmp(payload, "port-lost") == 0 ? "Disconnected" : "Connected";
}

/* One line: dir '>' host, '<' module, '!' harness. */
static void emit(gen *g, char dir, const char *payload)
{
    switch (g->fmt) {
    case F_TRANSCRIPT:
        fprintf(g->out, "%" PRId64 ".%06" PRId64 " %c %s\n", g->t_us / 1000000,
                g->t_us % 1000000, dir, payload);
        break;
    case F_RAW:
        fprintf(g->out, "%s\r\n", capture_text(dir, payload));
        break;
    case F_STAMPED: {
        /* The capture started 2026-11-24 10:00:00 local time. */
        int64_t ms = g->t_us / 1000 + (int64_t)10 * 3600 * 1000;
        int64_t day = ms / 86400000, in_day = ms % 86400000;
        long y, m, d;
        civil(20781 + day, &y, &m, &d);
        fprintf(g->out, "[%04ld-%02ld-%02ld %02d:%02d:%02d.%03d] %s\r\n", y, m, d,
                (int)(in_day / 3600000), (int)(in_day / 60000 % 60), (int)(in_day / 1000 % 60),
                (int)(in_day % 1000), capture_text(dir, payload));
        break;
    }
    }
    g->lines++;
}

static void module(gen *g, long lo_ms, long hi_ms, const char *payload)
{
    wait_ms(g, lo_ms, hi_ms);
    emit(g, '<', payload);
}

static void host(gen *g, long lo_ms, long hi_ms, const char *payload)
{
    wait_ms(g, lo_ms, hi_ms);
    emit(g, '>', payload);
}

static void harness(gen *g, long lo_ms, long hi_ms, const char *payload)
{
    wait_ms(g, lo_ms, hi_ms);
    emit(g, '!', payload);
}

static void urc(gen *g, long lo_ms, long hi_ms, const char *stage, long code)
{
    char b[96];
    if (code < 0)
        snprintf(b, sizeof b, "+QIND: \"FOTA\",\"%s\"", stage);
    else
        snprintf(b, sizeof b, "+QIND: \"FOTA\",\"%s\",%ld", stage, code);
    module(g, lo_ms, hi_ms, b);
}

/* ---- pieces of a session ----------------------------------------------- */

/* Traffic that has nothing to do with the upgrade. */
static void chatter(gen *g)
{
    char b[64];
    switch (range(g, 0, 5)) {
    case 0:
        module(g, 1000, 20000, "+CREG: 1");
        break;
    case 1:
        host(g, 2000, 30000, "ATI");
        module(g, 5, 30, "Quectel");
        module(g, 1, 5, "EG95");
        module(g, 1, 5, "Revision: EG95EFAR02A07M4G");
        module(g, 1, 5, "OK");
        break;
    case 2:
        host(g, 2000, 30000, "AT+CSQ");
        snprintf(b, sizeof b, "+CSQ: %ld,99", range(g, 8, 31));
        module(g, 5, 40, b);
        module(g, 1, 5, "OK");
        break;
    case 3:
        host(g, 2000, 30000, "AT+QGMR");
        module(g, 5, 40, "EG95EFAR02A07M4G");
        module(g, 1, 5, "OK");
        break;
    case 4:
        host(g, 2000, 30000, "AT+CREG?");
        module(g, 5, 40, "+CREG: 0,1");
        module(g, 1, 5, "OK");
        break;
    default:
        break;
    }
}

/* The module reboots: the USB port goes away and comes back. */
static void reboot(gen *g)
{
    harness(g, 300, 1500, "port-lost");
    harness(g, 12000, 35000, "port-back");
}

/* After END,0 the module boots the new firmware. */
static void boot_chatter(gen *g)
{
    reboot(g);
    module(g, 500, 3000, "RDY");
    module(g, 200, 1500, "+CPIN: READY");
    module(g, 20, 200, "+QUSIM: 1");
    module(g, 20, 200, "+CFUN: 1");
    module(g, 1000, 5000, "+QIND: SMS DONE");
    module(g, 200, 2000, "+QIND: PB DONE");
}

/* UPDATING in jumps from from (exclusive) up to upto; returns upto. */
static int progress(gen *g, int from, int upto)
{
    int p = from;
    while (p < upto) {
        p += (int)range(g, 1, 9);
        if (p > upto)
            p = upto;
        urc(g, 400, 4000, "UPDATING", p);
        if (range(g, 0, 40) == 0)
            module(g, 100, 3000, "+CREG: 1"); /* unrelated URCs go on */
    }
    return p;
}

/* One attempt: START, progress to 100 (or to stop, then a reboot and a
 * new START that goes on from there), END with code. */
static void attempt(gen *g, long end_code, int split)
{
    urc(g, 500, 3000, "START", -1);
    int p = (int)range(g, 1, 3);
    urc(g, 400, 4000, "UPDATING", p);
    if (split) {
        /* Rebooted half way: the module restarts the update with START. */
        p = progress(g, p, (int)range(g, 40, 70));
        reboot(g);
        urc(g, 500, 3000, "START", -1);
        urc(g, 400, 4000, "UPDATING", p);
    }
    progress(g, p, 100);
    urc(g, 300, 2000, "END", end_code);
}

static const char *const ftp_hosts[] = {"124.74.41.170", "10.20.30.40", "ftp.example.net",
                                        "fw.example.org"};
static const char *const http_hosts[] = {"www.example.com:100", "fw.example.org:8080",
                                         "192.0.2.17", "updates.example.net:80"};

static void fotadl_ftp(gen *g, char *b, size_t n)
{
    int v = (int)range(g, 10, 40);
    snprintf(b, n, "AT+QFOTADL=\"%s://test:***@%s:%ld/Jun/update-v%d-to-v%d.zip\"",
             range(g, 0, 9) ? "ftp" : "FTP", ftp_hosts[range(g, 0, 3)],
             range(g, 0, 3) ? 21L : range(g, 1024, 65535), v, v + 1);
}

static void fotadl_http(gen *g, char *b, size_t n)
{
    int v = (int)range(g, 10, 40);
    snprintf(b, n, "AT+QFOTADL=\"%s://%s/fota/EG95-R%02dA07-to-R%02dA08.zip\"",
             range(g, 0, 9) ? "http" : "HTTP", http_hosts[range(g, 0, 3)], v, v + 1);
}

/* A download and what comes of it. kind picks the outcome. */
enum {
    K_FTP_OK, K_HTTP_OK, K_LOCAL_OK, K_FTP_FAIL, K_HTTP_FAIL, K_RETRY_505, K_RETRY_52X,
    K_SPLIT, K_TEST, K_REFUSED, K_COUNT
};
static const char *const kind_names[K_COUNT] = {
    "ftp ok", "http ok", "local ok", "ftp 601", "http 701", "end 505 retried",
    "end 52x/54x retried", "rebooted half way", "test command", "refused argument"};

static int pick_kind(gen *g)
{
    static const int weights[K_COUNT] = {28, 24, 12, 6, 5, 8, 6, 3, 4, 4};
    int r = (int)range(g, 0, 99);
    for (int k = 0; k < K_COUNT; k++) {
        if (r < weights[k])
            return k;
        r -= weights[k];
    }
    return K_FTP_OK;
}

static void session(gen *g)
{
    char cmd[320];
    int kind = pick_kind(g);
    g->kinds[kind]++;
    g->sessions++;
    for (long i = range(g, 0, 3); i > 0; i--)
        chatter(g);

    switch (kind) {
    case K_TEST:
        host(g, 2000, 20000, "AT+QFOTADL=?");
        module(g, 5, 50, "OK");
        return;
    case K_REFUSED:
        /* Chapter 3: not FTP://, HTTP:// or /data/ufs/ -> ERROR */
        host(g, 2000, 20000,
             range(g, 0, 1) ? "AT+QFOTADL=\"tftp://10.0.0.1/update.zip\""
                            : "AT+QFOTADL=\"/sdcard/update.zip\"");
        module(g, 5, 50, "ERROR");
        return;
    case K_LOCAL_OK:
        snprintf(cmd, sizeof cmd, "AT+QFOTADL=\"/data/ufs/update-v%ld-to-v%ld.zip\"",
                 range(g, 10, 12), range(g, 13, 15));
        host(g, 2000, 20000, cmd);
        module(g, 20, 80, "OK");
        if (range(g, 0, 1))
            reboot(g); /* into recovery mode before START */
        attempt(g, 0, 0);
        boot_chatter(g);
        return;
    default:
        break;
    }

    int http = kind == K_HTTP_OK || kind == K_HTTP_FAIL || (kind >= K_RETRY_505 && range(g, 0, 1));
    if (http)
        fotadl_http(g, cmd, sizeof cmd);
    else
        fotadl_ftp(g, cmd, sizeof cmd);
    host(g, 2000, 20000, cmd);
    module(g, 20, 80, "OK");
    urc(g, 200, 1500, http ? "HTTPSTART" : "FTPSTART", -1);
    if (range(g, 0, 3) == 0)
        module(g, 2000, 20000, "+CREG: 1");
    if (kind == K_FTP_FAIL || kind == K_HTTP_FAIL) {
        urc(g, 5000, 60000, http ? "HTTPEND" : "FTPEND", http ? 701 : 601);
        return;
    }
    urc(g, 15000, 120000, http ? "HTTPEND" : "FTPEND", 0);
    reboot(g);

    switch (kind) {
    case K_RETRY_505: {
        /* 505: reboot and retry, at most five times in a row */
        long fails = range(g, 1, 5);
        for (long i = 0; i < fails; i++) {
            attempt(g, 505, 0);
            reboot(g);
        }
        attempt(g, 0, 0);
        break;
    }
    case K_RETRY_52X: {
        /* 520-530, 540-546: reboot and retry until it works */
        long fails = range(g, 1, 3);
        for (long i = 0; i < fails; i++) {
            attempt(g, range(g, 0, 1) ? range(g, 520, 530) : range(g, 540, 546), 0);
            reboot(g);
        }
        attempt(g, 0, 0);
        break;
    }
    case K_SPLIT:
        attempt(g, 0, 1);
        break;
    default:
        attempt(g, 0, 0);
        break;
    }
    boot_chatter(g);
}

/* ---- main -------------------------------------------------------------- */

static int usage(void)
{
    fputs("usage: gen-sessions [-f transcript|raw|stamped] [-p usb|uart] [-s SEED] "
          "[-n SESSIONS [-c FILES]] [-S] MEGABYTES OUT\n",
          stderr);
    return 2;
}

/* Writes one log to path: sessions until it holds want bytes (0: no
 * bound) or max_sessions of them (0: no bound). 0, or 1 after saying why. */
static int write_log(gen *g, const char *path, const char *port, uint64_t want,
                     unsigned long max_sessions)
{
    static char obuf[1 << 20];
    g->out = fopen(path, "wb");
    if (!g->out) {
        perror(path);
        return 1;
    }
    setvbuf(g->out, obuf, _IOFBF, sizeof obuf);
    if (g->fmt == F_TRANSCRIPT)
        fprintf(g->out,
                "# dfota-transcript 1\n# module: EG95EFAR02A07M4G\n# port: %s\n"
                "# started: 2026-11-24T10:00:00.000Z\n# redacted: credentials\n"
                "# generator: bench/gen-sessions (synthetic)\n",
                port);
    /* The host looks at the module first (guide 2.1: ATI for the version). */
    host(g, 0, 0, "ATI");
    module(g, 5, 30, "Quectel");
    module(g, 1, 5, "EG95");
    module(g, 1, 5, "Revision: EG95EFAR02A07M4G");
    module(g, 1, 5, "OK");
    unsigned long first = g->sessions;
    for (;;) {
        long pos = ftell(g->out);
        if (pos < 0) {
            perror(path);
            fclose(g->out);
            return 1;
        }
        if ((want && (uint64_t)pos >= want) || (max_sessions && g->sessions - first >= max_sessions))
            break;
        session(g);
    }
    if (fclose(g->out) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.fmt = F_TRANSCRIPT;
    g.rng = 0x9E3779B97F4A7C15ULL;
    const char *port = "usb:2c7c:0195:if02";
    int summary = 0;
    unsigned long max_sessions = 0, files = 0; /* -n and -c: 0 for none */
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *o = argv[i];
        if (strcmp(o, "-S") == 0) {
            summary = 1;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        char *end;
        if (strcmp(o, "-f") == 0) {
            if (strcmp(v, "transcript") == 0)
                g.fmt = F_TRANSCRIPT;
            else if (strcmp(v, "raw") == 0)
                g.fmt = F_RAW;
            else if (strcmp(v, "stamped") == 0)
                g.fmt = F_STAMPED;
            else
                return usage();
        } else if (strcmp(o, "-p") == 0) {
            if (strcmp(v, "usb") == 0)
                port = "usb:2c7c:0195:if02";
            else if (strcmp(v, "uart") == 0)
                port = "/dev/ttyS1";
            else
                return usage();
        } else if (strcmp(o, "-s") == 0) {
            g.rng ^= strtoull(v, NULL, 10) * 0xBF58476D1CE4E5B9ULL;
            if (!g.rng)
                g.rng = 1;
        } else if (strcmp(o, "-n") == 0) {
            max_sessions = strtoul(v, &end, 10);
            if (*end || !max_sessions)
                return usage();
        } else if (strcmp(o, "-c") == 0) {
            files = strtoul(v, &end, 10);
            if (*end || !files || files > 99999)
                return usage();
        } else
            return usage();
    }
    if (argc - i != 2 || (files && !max_sessions))
        return usage();
    char *end;
    double mb = strtod(argv[i], &end);
    if (*end || mb < 0 || (mb == 0 && !max_sessions))
        return usage();
    uint64_t want = (uint64_t)(mb * 1048576.0);
    const char *out = argv[i + 1];
    if (!files) {
        if (write_log(&g, out, port, want, max_sessions) != 0)
            return 1;
    } else {
        if (mkdir(out, 0777) != 0 && errno != EEXIST) {
            perror(out);
            return 1;
        }
        uint64_t seed = g.rng;
        for (unsigned long k = 0; k < files; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/s%05lu.%s", out, k,
                     g.fmt == F_TRANSCRIPT ? "transcript" : "log");
            g.rng = (seed ^ ((k + 1) * 0xBF58476D1CE4E5B9ULL)) | 1; /* the file's own */
            g.t_us = 0;
            if (write_log(&g, path, port, want, max_sessions) != 0)
                return 1;
        }
    }
    if (summary) {
        fprintf(stderr, "gen-sessions: %s: %lu sessions, %lu lines, %.1f h of log:", out,
                g.sessions, g.lines, (double)g.t_us / 3.6e9);
        for (int k = 0; k < K_COUNT; k++)
            fprintf(stderr, "%s %lu %s", k ? "," : "", g.kinds[k], kind_names[k]);
        fputc('\n', stderr);
    }
    return 0;
}
