/* SPDX-License-Identifier: MIT */
/* test_clock.c - module time (dfota/base.h), and virtual time through the
 * emulator source: every event at the time its plan gives it, to the
 * nanosecond, however long the machine took. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/base.h"
#include "dfota/emulator.h"
#include "dfota/source.h"

#define MS 1000000LL
#define SEC 1000000000LL

static void sleep_ms(long ms)
{
    struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

static void test_virtual_stands_still(void)
{
    char err[DFOTA_ERRBUF];
    dfota_clock *c = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 0, &c, err, sizeof err), DFOTA_OK);
    CU_ASSERT(dfota_clock_is_virtual(c));
    CU_ASSERT_EQUAL(dfota_clock_now(c), 0);
    sleep_ms(20);
    CU_ASSERT_EQUAL(dfota_clock_now(c), 0); /* wall time passed; module time did not */
    dfota_clock_advance(c, 90 * SEC);
    CU_ASSERT_EQUAL(dfota_clock_now(c), 90 * SEC);
    dfota_clock_advance(c, 10 * SEC); /* never backwards */
    CU_ASSERT_EQUAL(dfota_clock_now(c), 90 * SEC);
    /* a time ahead is never reached by waiting */
    CU_ASSERT_EQUAL(dfota_clock_wall_until(c, 91 * SEC), -1);
    CU_ASSERT_EQUAL(dfota_clock_wall_until(c, 90 * SEC), 0);
    CU_ASSERT_EQUAL(dfota_clock_wait_ms(c, 91 * SEC, 50), 50);
    CU_ASSERT_EQUAL(dfota_clock_to_wall(c, SEC), 0);
    dfota_clock_free(c);
}

static void test_virtual_wire(void)
{
    char err[DFOTA_ERRBUF];
    dfota_clock *c = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 0, &c, err, sizeof err), DFOTA_OK);
    dfota_clock_wire_sent(c, DFOTA_WIRE_TO_HOST, 10);
    dfota_clock_wire_sent(c, DFOTA_WIRE_TO_MODULE, 4);
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_HOST), 10);
    dfota_clock_wire_taken(c, DFOTA_WIRE_TO_HOST, 7);
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_HOST), 3);
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_MODULE), 4);
    dfota_clock_wire_drop(c); /* a port closed: what was on it is gone */
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_HOST), 0);
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_MODULE), 0);
    dfota_clock_wire_taken(c, DFOTA_WIRE_TO_HOST, 5); /* bytes from before the drop */
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_HOST), 0);
    dfota_clock_free(c);
}

static void test_scaled_and_real(void)
{
    char err[DFOTA_ERRBUF];
    dfota_clock *c = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_SCALED, 0.001, &c, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_clock_to_wall(c, 3 * SEC), 3 * MS);
    int64_t t0 = dfota_clock_now(c);
    sleep_ms(5);
    CU_ASSERT(dfota_clock_now(c) - t0 >= 5 * SEC); /* at least: a sleep is never short */
    /* a wait in whole ms is rounded up, so it never ends before the time */
    int64_t now = dfota_clock_now(c);
    int ms = dfota_clock_wait_ms(c, now + 1500 * MS, 1000);
    CU_ASSERT(ms >= 1 && ms <= 2);
    /* the wire is a virtual clock's alone: another process may be the host */
    dfota_clock_wire_sent(c, DFOTA_WIRE_TO_HOST, 10);
    CU_ASSERT_EQUAL(dfota_clock_on_wire(c, DFOTA_WIRE_TO_HOST), 0);
    dfota_clock_free(c);
    CU_ASSERT_EQUAL(dfota_clock_new(DFOTA_CLOCK_SCALED, 0, &c, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_EQUAL(dfota_clock_new(DFOTA_CLOCK_SCALED, 1e9, &c, err, sizeof err), DFOTA_E_ARG);
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_REAL, 0, &c, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_clock_scale(c), 1.0);
    CU_ASSERT_EQUAL(dfota_clock_to_wall(c, 7 * MS), 7 * MS);
    dfota_clock_free(c);
}

/* ---- virtual time through the emulator source ------------------------------ */

static int write_package(const char *dir, const char *name)
{
    char path[512];
    uint8_t payload[2000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 13 + 1);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fprintf(f, "DFOTA-PKG 1\nfrom: EG95EFAR02A07M4G\nto: EG95EFAR02A08M4G\nsize: %zu\ncrc32: %08x\n\n",
            sizeof payload, (unsigned)dfota_crc32(0, payload, sizeof payload));
    fwrite(payload, 1, sizeof payload, f);
    return fclose(f);
}

typedef struct {
    char text[128];
    int64_t t;
} seen_event;

/* One local-file upgrade through the source; its events into out. */
static size_t run_upgrade(const char *dir, seen_event *out, size_t cap, int busy_ms)
{
    char err[DFOTA_ERRBUF] = "", link[512], ufs[512];
    snprintf(link, sizeof link, "%s/tty", dir);
    snprintf(ufs, sizeof ufs, "%s/ufs", dir);
    dfota_emulator_opts o;
    memset(&o, 0, sizeof o);
    o.link = link;
    o.ufs_dir = ufs;
    o.reboot_ns = 60 * SEC;
    o.progress_step_ns = 90 * SEC; /* a field module's pace: the upgrade is 20 minutes */
    dfota_source *src = NULL;
    if (dfota_source_open_emulator(&o, &src, err, sizeof err) != DFOTA_OK) {
        printf("\n  open: %s\n", err);
        return 0;
    }
    const char cmd[] = "AT+QFOTADL=\"/data/ufs/update.zip\"";
    size_t n = 0;
    if (src->ops->send(src, cmd, sizeof cmd - 1, err, sizeof err) != DFOTA_OK)
        printf("\n  send: %s\n", err);
    for (;;) {
        dfota_event ev;
        int got = src->ops->next(src, 3600 * SEC, &ev, err, sizeof err);
        if (got != 1)
            break;
        if (n < cap) {
            snprintf(out[n].text, sizeof out[n].text, "%c %.*s", (char)ev.dir, (int)ev.len, ev.data);
            out[n].t = ev.t_ns;
            n++;
        }
        if (busy_ms)
            sleep_ms(busy_ms); /* a harness descheduled after each event */
        if (strstr(ev.data, "\"END\""))
            break;
    }
    dfota_source_close(src);
    return n;
}

static void test_virtual_emulator_keeps_the_plan(void)
{
    char dir[] = "/tmp/dfota-clock-XXXXXX", ufs[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(ufs, sizeof ufs, "%s/ufs", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(ufs, 0700), 0);
    CU_ASSERT_EQUAL_FATAL(write_package(ufs, "update.zip"), 0);
    seen_event a[64], b[64];
    int64_t w0 = dfota_wall_ns();
    size_t na = run_upgrade(dir, a, 64, 0);
    int64_t wall = dfota_wall_ns() - w0;
    size_t nb = run_upgrade(dir, b, 64, 30);
    CU_ASSERT(na >= 14);
    CU_ASSERT_EQUAL(na, nb);
    /* the same events at the same times, though the second run's harness
     * was 30 ms late after every event */
    for (size_t i = 0; i < na && i < nb; i++) {
        CU_ASSERT_STRING_EQUAL(a[i].text, b[i].text);
        CU_ASSERT_EQUAL(a[i].t, b[i].t);
        if (strcmp(a[i].text, b[i].text) != 0 || a[i].t != b[i].t)
            printf("\n  %zu: '%s' at %lld vs '%s' at %lld\n", i, a[i].text, (long long)a[i].t,
                   b[i].text, (long long)b[i].t);
    }
    /* the plan's times exactly: the port away 0.6 s after OK, back a
     * minute later, START 1.5 s after that, UPDATING 90 s apart */
    int64_t lost = -1, back = -1, start = -1, end = -1;
    for (size_t i = 0; i < na; i++) {
        if (strcmp(a[i].text, "! port-lost") == 0)
            lost = a[i].t;
        if (strcmp(a[i].text, "! port-back") == 0)
            back = a[i].t;
        if (strstr(a[i].text, "\"START\""))
            start = a[i].t;
        if (strstr(a[i].text, "\"END\""))
            end = a[i].t;
    }
    CU_ASSERT_EQUAL(lost, 600 * MS);
    CU_ASSERT_EQUAL(back, lost + 60 * SEC);
    CU_ASSERT_EQUAL(start, back + 1500 * MS);
    CU_ASSERT_EQUAL(end, start + 11 * 90 * SEC); /* ten UPDATING and END, 90 s apart */
    printf(" [%.0f s of module time in %.3f s of wall time] ", (double)end / 1e9, (double)wall / 1e9);
    char path[128];
    snprintf(path, sizeof path, "%s/update.zip", ufs);
    unlink(path);
    rmdir(ufs);
    rmdir(dir);
}


/* Scales the clock cannot keep: module time is wall time / scale in int64
 * ns, so 1e-15 overflowed it within a second (a deadline of -9.2e18 ns, a
 * run that hung). Refused when the clock is made and when it is parsed. */
static void test_extreme_scales_refused(void)
{
    char err[DFOTA_ERRBUF];
    static const double bad[] = {1e-15, 1e-7, 1e15, 1000.5, 0, -1, -1e-15};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dfota_clock *c = (dfota_clock *)1;
        CU_ASSERT_EQUAL(dfota_clock_new(DFOTA_CLOCK_SCALED, bad[i], &c, err, sizeof err), DFOTA_E_ARG);
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT_EQUAL(dfota_clock_new_wall(bad[i], &c, err, sizeof err), DFOTA_E_ARG);
    }
    static const char *const bad_text[] = {"1e-15", "1e15", "-1", "0", "nan", "inf", "", "0.5x",
                                           "1e-7", "1e400", "-0"};
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
        double v = 7;
        err[0] = '\0';
        CU_ASSERT_EQUAL(dfota_clock_scale_parse(bad_text[i], &v, err, sizeof err), DFOTA_E_ARG);
        CU_ASSERT_EQUAL(v, 7); /* untouched on error */
        CU_ASSERT(strstr(err, "time scale") != NULL);
    }
    static const struct {
        const char *s;
        double v;
    } good[] = {{"1", 1}, {"0.001", 0.001}, {"1e-6", 1e-6}, {"1000", 1000}, {"0.5", 0.5}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double v = 0;
        CU_ASSERT_EQUAL(dfota_clock_scale_parse(good[i].s, &v, err, sizeof err), DFOTA_OK);
        CU_ASSERT_DOUBLE_EQUAL(v, good[i].v, good[i].v * 1e-12);
    }
}

/* Every time sum saturates: a deadline never wraps to the far past. */
static void test_time_add_saturates(void)
{
    CU_ASSERT_EQUAL(dfota_time_add(1, 2), 3);
    CU_ASSERT_EQUAL(dfota_time_add(-5, 2), -3);
    CU_ASSERT_EQUAL(dfota_time_add(INT64_MAX, 1), INT64_MAX);
    CU_ASSERT_EQUAL(dfota_time_add(INT64_MAX - 10, INT64_MAX), INT64_MAX);
    CU_ASSERT_EQUAL(dfota_time_add(INT64_MIN + 1, -2), INT64_MIN);
    CU_ASSERT_EQUAL(dfota_time_add(INT64_MIN, INT64_MIN), INT64_MIN);
    CU_ASSERT_EQUAL(dfota_time_add(INT64_MAX, INT64_MIN), -1);
    CU_ASSERT_EQUAL(dfota_time_add3(INT64_MAX / 2, INT64_MAX / 2, INT64_MAX / 2), INT64_MAX);
    CU_ASSERT_EQUAL(dfota_time_add3(1, 2, 3), 6);
}

/* A property over every kind, the extreme scales and extreme durations
 * (INT64_MAX ns, negative): conversions never go negative, never wrap,
 * and keep their order; now is never negative; waits are bounded. */
static void test_extreme_durations(void)
{
    char err[DFOTA_ERRBUF];
    static const double scales[] = {DFOTA_CLOCK_SCALE_MIN, 0.001, 1, 7.5, DFOTA_CLOCK_SCALE_MAX};
    static const int64_t ds[] = {INT64_MIN, INT64_MIN + 1, -SEC, -1, 0, 1, MS, SEC,
                                 (int64_t)1e15, (int64_t)1e18, INT64_MAX / 2, INT64_MAX - 1,
                                 INT64_MAX};
    const size_t nd = sizeof ds / sizeof ds[0];
    for (size_t k = 0; k <= sizeof scales / sizeof scales[0]; k++) {
        dfota_clock *c = NULL;
        dfota_err rc = k == sizeof scales / sizeof scales[0]
                           ? dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 0, &c, err, sizeof err)
                           : dfota_clock_new_wall(scales[k], &c, err, sizeof err);
        CU_ASSERT_EQUAL_FATAL(rc, DFOTA_OK);
        int64_t last_to = 0, last_from = 0;
        for (size_t i = 0; i < nd; i++) {
            int64_t to = dfota_clock_to_wall(c, ds[i]), from = dfota_clock_from_wall(c, ds[i]);
            CU_ASSERT(to >= 0 && from >= 0);
            CU_ASSERT(to >= last_to && from >= last_from); /* monotone: no wrap */
            last_to = to;
            last_from = from;
            int64_t left = dfota_clock_wall_until(c, ds[i]);
            CU_ASSERT(left >= -1);
            int ms = dfota_clock_wait_ms(c, ds[i], 50);
            CU_ASSERT(ms >= 0 && ms <= 50);
        }
        CU_ASSERT(dfota_clock_now(c) >= 0);
        if (dfota_clock_is_virtual(c)) {
            dfota_clock_advance(c, INT64_MAX);
            CU_ASSERT_EQUAL(dfota_clock_now(c), INT64_MAX);
            CU_ASSERT_EQUAL(dfota_clock_wall_until(c, INT64_MAX), 0);
        }
        dfota_clock_free(c);
    }
}

/* A scaled clock's now saturates rather than wrapping: made to look as if
 * it had run for ages at the smallest scale, it still reads forward. */
static void test_now_never_wraps(void)
{
    char err[DFOTA_ERRBUF];
    dfota_clock *c = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new_wall(DFOTA_CLOCK_SCALE_MIN, &c, err, sizeof err), DFOTA_OK);
    int64_t a = dfota_clock_now(c);
    sleep_ms(2);
    int64_t b = dfota_clock_now(c);
    CU_ASSERT(a >= 0 && b >= a);
    CU_ASSERT(b >= 2 * MS * 1000000); /* 2 ms of wall is 2000 s of module time */
    dfota_clock_free(c);
}

/* A live source's longest wait: 50 ms of module time, at least 1 ms of
 * wall time, never longer than at real time. */
static void test_wait_cap(void)
{
    static const struct {
        double scale;
        int want;
    } cases[] = {{1, 50}, {1000, 50}, {0.5, 25}, {0.1, 5}, {0.01, 1}, {0.001, 1}};
    char err[DFOTA_ERRBUF];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dfota_clock *c = NULL;
        CU_ASSERT_EQUAL_FATAL(dfota_clock_new_wall(cases[i].scale, &c, err, sizeof err), DFOTA_OK);
        CU_ASSERT_EQUAL(dfota_clock_wait_cap_ms(c, 50), cases[i].want);
        dfota_clock_free(c);
    }
    dfota_clock *v = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 1, &v, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_clock_wait_cap_ms(v, 50), 50);
    dfota_clock_free(v);
}

/* A live source's lateness: since when something may have been there,
 * to now, in module time; at least 1 ms of wall time; none on a virtual
 * clock. */
static void test_late_since(void)
{
    char err[DFOTA_ERRBUF];
    dfota_clock *real = NULL, *tenth = NULL, *v = NULL;
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new_wall(1, &real, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new_wall(0.1, &tenth, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL_FATAL(dfota_clock_new(DFOTA_CLOCK_VIRTUAL, 1, &v, err, sizeof err), DFOTA_OK);
    CU_ASSERT_EQUAL(dfota_clock_late_since(real, 0), DFOTA_NS_PER_MS);       /* unknown: the floor */
    CU_ASSERT_EQUAL(dfota_clock_late_since(tenth, 0), 10 * DFOTA_NS_PER_MS); /* 1 ms is 10 ms of it */
    int64_t since = dfota_wall_ns() - 200 * DFOTA_NS_PER_MS;
    CU_ASSERT(dfota_clock_late_since(real, since) >= 200 * DFOTA_NS_PER_MS);
    CU_ASSERT(dfota_clock_late_since(tenth, since) >= 2000 * DFOTA_NS_PER_MS);
    CU_ASSERT_EQUAL(dfota_clock_late_since(v, since), 0);
    dfota_clock_free(real);
    dfota_clock_free(tenth);
    dfota_clock_free(v);
}

static const test_entry tests[] = {
    {"extreme scales are refused", test_extreme_scales_refused},
    {"time sums saturate", test_time_add_saturates},
    {"extreme durations never wrap", test_extreme_durations},
    {"a scaled clock's now never wraps", test_now_never_wraps},
    {"a virtual clock stands still until moved", test_virtual_stands_still},
    {"a virtual clock counts the bytes on the wire", test_virtual_wire},
    {"scaled and real clocks", test_scaled_and_real},
    {"a wait's cap is as long in module time", test_wait_cap},
    {"lateness since a time, in module time", test_late_since},
    {"virtual time through the emulator keeps the plan", test_virtual_emulator_keeps_the_plan},
};

int main(void)
{
    return RUN_SUITE("clock", tests);
}
