/* SPDX-License-Identifier: MIT */
/* clock.c - module time: real, scaled and virtual (dfota/base.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "dfota/base.h"
#include "base/errbuf.h"

struct dfota_clock {
    dfota_clock_kind kind;
    double scale;      /* module to wall; 1 for real */
    int64_t t0;        /* wall ns at start (real, scaled) */
    int64_t vnow;      /* module ns now (virtual) */
    int64_t wire[2];   /* bytes written toward each side, not yet read */
};

int64_t dfota_wall_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * DFOTA_NS_PER_S + t.tv_nsec;
}

/* The int64 nearest a double, saturated (a NaN counts as the top: a time
 * never reached). (double)INT64_MAX rounds up to 2^63, hence >=. */
static int64_t sat_ns(double d)
{
    if (!(d < 9223372036854775807.0))
        return INT64_MAX;
    if (d <= -9223372036854775807.0)
        return INT64_MIN;
    return (int64_t)d;
}

int64_t dfota_time_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

int64_t dfota_time_add3(int64_t a, int64_t b, int64_t c)
{
    return dfota_time_add(dfota_time_add(a, b), c);
}

static int scale_ok(double scale)
{
    return isfinite(scale) && scale >= DFOTA_CLOCK_SCALE_MIN && scale <= DFOTA_CLOCK_SCALE_MAX;
}

dfota_err dfota_clock_scale_parse(const char *s, double *out, char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || end == s || *end || errno || !scale_ok(v)) {
        dfota_errf(err, errlen, "the time scale must be a number from %g to %g",
                   DFOTA_CLOCK_SCALE_MIN, DFOTA_CLOCK_SCALE_MAX);
        return DFOTA_E_ARG;
    }
    *out = v;
    return DFOTA_OK;
}

dfota_err dfota_clock_new(dfota_clock_kind kind, double scale, dfota_clock **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    if (kind == DFOTA_CLOCK_REAL)
        scale = 1.0;
    if (kind == DFOTA_CLOCK_SCALED && !scale_ok(scale)) {
        dfota_errf(err, errlen, "the time scale must be from %g to %g", DFOTA_CLOCK_SCALE_MIN,
                   DFOTA_CLOCK_SCALE_MAX);
        return DFOTA_E_ARG;
    }
    if (kind != DFOTA_CLOCK_REAL && kind != DFOTA_CLOCK_SCALED && kind != DFOTA_CLOCK_VIRTUAL) {
        dfota_errf(err, errlen, "no such kind of clock");
        return DFOTA_E_ARG;
    }
    dfota_clock *c = calloc(1, sizeof *c);
    if (!c) {
        dfota_errf(err, errlen, "out of memory");
        return DFOTA_E_NOMEM;
    }
    c->kind = kind;
    c->scale = kind == DFOTA_CLOCK_VIRTUAL ? 0 : scale;
    c->t0 = dfota_wall_ns();
    *out = c;
    return DFOTA_OK;
}

dfota_err dfota_clock_new_wall(double scale, dfota_clock **out, char *err, size_t errlen)
{
    if (!scale_ok(scale)) {
        *out = NULL;
        dfota_errf(err, errlen, "the time scale must be from %g to %g", DFOTA_CLOCK_SCALE_MIN,
                   DFOTA_CLOCK_SCALE_MAX);
        return DFOTA_E_ARG;
    }
    return dfota_clock_new(scale == 1.0 ? DFOTA_CLOCK_REAL : DFOTA_CLOCK_SCALED, scale, out, err,
                           errlen);
}

void dfota_clock_free(dfota_clock *c)
{
    free(c);
}

dfota_clock_kind dfota_clock_kind_of(const dfota_clock *c)
{
    return c->kind;
}

int dfota_clock_is_virtual(const dfota_clock *c)
{
    return c->kind == DFOTA_CLOCK_VIRTUAL;
}

double dfota_clock_scale(const dfota_clock *c)
{
    return c->scale;
}

int64_t dfota_clock_now(const dfota_clock *c)
{
    if (c->kind == DFOTA_CLOCK_VIRTUAL)
        return c->vnow;
    int64_t w = dfota_wall_ns() - c->t0;
    if (w < 0)
        w = 0;
    return c->kind == DFOTA_CLOCK_REAL ? w : sat_ns((double)w / c->scale);
}

int64_t dfota_clock_to_wall(const dfota_clock *c, int64_t module_ns)
{
    if (c->kind == DFOTA_CLOCK_VIRTUAL || module_ns <= 0)
        return 0;
    if (c->kind == DFOTA_CLOCK_REAL)
        return module_ns;
    double w = (double)module_ns * c->scale;
    return w > 1e18 ? (int64_t)1e18 : (int64_t)w;
}

int64_t dfota_clock_from_wall(const dfota_clock *c, int64_t wall_ns)
{
    if (c->kind == DFOTA_CLOCK_VIRTUAL || wall_ns <= 0)
        return 0;
    if (c->kind == DFOTA_CLOCK_REAL)
        return wall_ns;
    double m = (double)wall_ns / c->scale;
    return m > 1e18 ? (int64_t)1e18 : (int64_t)m;
}

int64_t dfota_clock_wall_until(const dfota_clock *c, int64_t t)
{
    if (c->kind == DFOTA_CLOCK_VIRTUAL)
        return t <= c->vnow ? 0 : -1;
    /* from the wall time t stands for, not from a rounded module now, so
     * that a plan of absolute times does not drift */
    double at = (double)c->t0 + (c->kind == DFOTA_CLOCK_REAL ? (double)t : (double)t * c->scale);
    double left = at - (double)dfota_wall_ns();
    if (left <= 0)
        return 0;
    if (left > 1e18)
        return (int64_t)1e18;
    int64_t whole = (int64_t)left;
    return whole + ((double)whole < left); /* rounded up: a wait never ends early */
}

int dfota_clock_wait_ms(const dfota_clock *c, int64_t t, int cap_ms)
{
    int64_t ns = dfota_clock_wall_until(c, t);
    if (ns < 0)
        return cap_ms;
    int64_t ms = (ns + 999999) / 1000000;
    return ms < cap_ms ? (int)ms : cap_ms;
}

int dfota_clock_wait_cap_ms(const dfota_clock *c, int cap_ms)
{
    double scale = dfota_clock_scale(c);
    if (!(scale > 0) || scale >= 1)
        return cap_ms;
    int ms = (int)(scale * cap_ms);
    return ms < 1 ? 1 : ms;
}

int64_t dfota_clock_late_since(const dfota_clock *c, int64_t since_wall)
{
    if (dfota_clock_is_virtual(c))
        return 0;
    int64_t late = since_wall > 0 ? dfota_wall_ns() - since_wall : 0;
    return dfota_clock_from_wall(c, late > DFOTA_NS_PER_MS ? late : DFOTA_NS_PER_MS);
}

void dfota_clock_advance(dfota_clock *c, int64_t t)
{
    if (c->kind == DFOTA_CLOCK_VIRTUAL && t > c->vnow)
        c->vnow = t;
}

/* Only a virtual clock counts: elsewhere the other side may be another
 * process, whose reads this one never sees. */
void dfota_clock_wire_sent(dfota_clock *c, dfota_wire w, size_t n)
{
    if (c && c->kind == DFOTA_CLOCK_VIRTUAL)
        c->wire[w] += (int64_t)n;
}

void dfota_clock_wire_taken(dfota_clock *c, dfota_wire w, size_t n)
{
    if (!c || c->kind != DFOTA_CLOCK_VIRTUAL)
        return;
    c->wire[w] -= (int64_t)n;
    if (c->wire[w] < 0)
        c->wire[w] = 0; /* bytes from before a drop */
}

void dfota_clock_wire_drop(dfota_clock *c)
{
    if (c)
        c->wire[0] = c->wire[1] = 0;
}

int64_t dfota_clock_on_wire(const dfota_clock *c, dfota_wire w)
{
    return c ? c->wire[w] : 0;
}
