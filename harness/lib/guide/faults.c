/* SPDX-License-Identifier: MIT */
/* faults.c - the fault kinds an emulated module plays and their
 * parameters, with the parameters' value ranges (dfota/guide.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "dfota/guide.h"
#include "base/errbuf.h"

#define C DFOTA_FAULT_CODE
#define A DFOTA_FAULT_AT
#define T DFOTA_FAULT_TIMES
#define D DFOTA_FAULT_DELAY
#define S DFOTA_FAULT_STAGE

/* "once": once unless times says more; otherwise every time unless times
 * says how many. */
static const dfota_fault_kind kinds[] = {
    {"download-error", C | T, "the download ends with code (default 601 / 701)"},
    {"server-unreachable", T, "the download cannot connect, no packet sent"},
    {"update-fail", C | A | T, "the update stops at at (default 1), code (default 502)"},
    {"reboot-delay", D | T, "the reboot takes delay (default 600 s)"},
    {"reboot-never", T, "the port goes away and never comes back"},
    {"garbage", S | T, "once, garbage bytes before stage's URC (default START)"},
    {"truncated-urc", T, "once, an UPDATING cut short: +QIND: \"FOTA\",\"UPD"},
    {"urc-cut-by-reboot", T, "once, the FTPEND / HTTPEND before the reboot cut short"},
    {"duplicate-urc", S | T, "once, the URC of stage (default START) said twice"},
    {"out-of-order-urc", T, "once, an UPDATING one below the one before it"},
    {"overlong-line", T, "once, a 3000-byte line before START"},
    {"stray-bytes", T, "once, bytes before START on its line"},
    {"downloading-urcs", T, "DOWNLOADING progress before FTPEND / HTTPEND"},
    {"percent-signs", T, "UPDATING values written 37%"},
    {"blanks", T, "FOTA URCs with a blank after each comma"},
    {"lost-start", T, "once, the START after the reboot never comes"},
    {"two-part-update", A | T, "once, a second START at at (default 50), no END before"},
    {"extra-codes", C | T, "END with code (default 504), outside the guide's table"},
    {"accept-invalid", T, "once, OK to a refused argument, then a download"},
    {"urc-after-error", T, "once, ERROR to a refused argument, then FTPSTART anyway"},
    {"end-before-100", A | T, "progress stops before at (default 100), then END,0"},
    {"six-retries", 0, "after 505 the module retries six times, not five"},
    {"test-error", T, "once, ERROR to AT+QFOTADL=?"},
    {"double-final", T, "once, a second OK after the OK of AT+QFOTADL=\"...\""},
    {"no-retry", 0, "after an END code retried until success, no retry"},
    {"percent-over-100", T, "once, the UPDATING of 100 says 101"},
    {"skip-download-start", T, "no FTPSTART / HTTPSTART before the download's end"},
    {"update-after-dl-fail", T, "once, a failed download reboots into an update"},
    {"no-port-drop", T, "once, on USB the reboot after the download keeps the port"},
    {"slow-final-result", D | T, "once, the OK of AT+QFOTADL=\"...\" delay (10 s) late"},
    {"no-end", T, "once, the update reaches 100 and never says END"},
    {"http-code", C | T, "once, HTTPEND with code (default 799), outside chapter 5"},
    {"slow-urc", S | A | D | T, "once, stage's URC (START; UPDATING: at at) delay (600 s) late"},
    {"slow-rdy", D | T, "once, RDY of a boot into normal mode delay (120 s) late"},
};

/* The parameters, with what their values must be: numbers within lo to
 * hi, a duration, a stage. */
static const struct {
    dfota_fault_param p;
    const char *name;
    long lo, hi;       /* a number's range; lo == hi for the others */
    const char *takes; /* "<name> must be <takes>" */
} params[] = {
    {DFOTA_FAULT_CODE, "code", DFOTA_FAULT_CODE_MIN, DFOTA_FAULT_CODE_MAX, "an integer"},
    {DFOTA_FAULT_AT, "at", DFOTA_FAULT_AT_MIN, DFOTA_FAULT_AT_MAX, "a percentage"},
    {DFOTA_FAULT_TIMES, "times", DFOTA_FAULT_TIMES_MIN, DFOTA_FAULT_TIMES_MAX, "an integer"},
    {DFOTA_FAULT_DELAY, "delay", 0, 0,
     "a duration above 0 up to 1000 days: a number and one of ns us ms s min h"},
    {DFOTA_FAULT_STAGE, "stage", 0, 0,
     "one of FTPSTART FTPEND HTTPSTART HTTPEND START UPDATING END"},
};

const dfota_fault_kind *dfota_fault_kind_at(size_t i)
{
    return i < sizeof kinds / sizeof kinds[0] ? &kinds[i] : NULL;
}

const dfota_fault_kind *dfota_fault_kind_find(const char *name, size_t n)
{
    for (size_t i = 0; name && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, name, n) == 0)
            return &kinds[i];
    return NULL;
}

void dfota_fault_kind_list(char *buf, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int w = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", kinds[i].name);
        if (w < 0 || (size_t)w >= cap - o) {
            buf[o] = '\0';
            return;
        }
        o += (size_t)w;
    }
}

dfota_fault_param dfota_fault_param_named(const char *name, size_t n)
{
    for (size_t i = 0; name && i < sizeof params / sizeof params[0]; i++)
        if (strlen(params[i].name) == n && memcmp(params[i].name, name, n) == 0)
            return params[i].p;
    return (dfota_fault_param)0;
}

/* Decimal digits, '-' first when negatives are allowed, within [lo, hi]. */
static int number_in(const char *s, size_t n, long lo, long hi, long *v)
{
    size_t i = lo < 0 && n > 0 && s[0] == '-';
    long x = 0;
    if (i == n || n - i > 9) /* below a billion, as every range */
        return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    x = s[0] == '-' ? -x : x;
    if (x < lo || x > hi)
        return 0;
    *v = x;
    return 1;
}

/* The guide's stages, FTPSTART to END, by their names (dfota_stage_name). */
static dfota_stage stage_named(const char *s, size_t n)
{
    for (int st = DFOTA_STAGE_FTPSTART; st <= DFOTA_STAGE_END; st++) {
        const char *name = dfota_stage_name((dfota_stage)st);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return (dfota_stage)st;
    }
    return DFOTA_STAGE_NONE;
}

dfota_err dfota_fault_value_parse(dfota_fault_param p, const char *text, size_t n,
                                  dfota_fault_value *v, char *err, size_t errlen)
{
    size_t k = 0;
    int ok;
    memset(v, 0, sizeof *v);
    while (k < sizeof params / sizeof params[0] && params[k].p != p)
        k++;
    if (k == sizeof params / sizeof params[0]) {
        dfota_errf(err, errlen, "a fault takes code, at, times, delay and stage");
        return DFOTA_E_INPUT;
    }
    if (p == DFOTA_FAULT_DELAY)
        ok = dfota_duration_parse(text, n, &v->delay_ns) == DFOTA_OK && v->delay_ns > 0;
    else if (p == DFOTA_FAULT_STAGE)
        ok = (v->stage = stage_named(text, n)) != DFOTA_STAGE_NONE;
    else /* a percentage may say so: 40% */
        ok = number_in(text, p == DFOTA_FAULT_AT && n > 0 && text[n - 1] == '%' ? n - 1 : n,
                       params[k].lo, params[k].hi, &v->number);
    if (ok)
        return DFOTA_OK;
    if (params[k].lo < params[k].hi)
        dfota_errf(err, errlen, "%s must be %s from %ld to %ld", params[k].name, params[k].takes,
                   params[k].lo, params[k].hi);
    else
        dfota_errf(err, errlen, "%s must be %s", params[k].name, params[k].takes);
    return DFOTA_E_INPUT;
}
