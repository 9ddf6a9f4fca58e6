/* SPDX-License-Identifier: MIT */
/* test_duration.c - durations as people write them (dfota_duration_parse). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "suite.h"
#include <CUnit/CUnit.h>

#include "dfota/guide.h"

#define NS_PER_S 1000000000LL
#define MAX_DAYS_NS (1000LL * 86400 * NS_PER_S) /* the header's 1000 days */

static const struct {
    const char *text;
    dfota_err rc;
    int64_t ns; /* with DFOTA_OK */
} cases[] = {
    {"300ms", DFOTA_OK, 300000000LL},
    {"90s", DFOTA_OK, 90 * NS_PER_S},
    {"20min", DFOTA_OK, 1200 * NS_PER_S},
    {"1.5s", DFOTA_OK, 1500000000LL},
    {"2h", DFOTA_OK, 7200 * NS_PER_S},
    {"0s", DFOTA_OK, 0},
    {"10us", DFOTA_OK, 10000LL},
    {"5ns", DFOTA_OK, 5LL},
    {"1ms", DFOTA_OK, 1000000LL},
    {"1.5min", DFOTA_OK, 90 * NS_PER_S},
    {"0.25h", DFOTA_OK, 900 * NS_PER_S},
    {"2.5ms", DFOTA_OK, 2500000LL},
    {"0.000000001s", DFOTA_OK, 1LL},
    {"120s", DFOTA_OK, 120 * NS_PER_S},
    {"007s", DFOTA_OK, 7 * NS_PER_S},
    /* the limit: 1000 days */
    {"24000h", DFOTA_OK, MAX_DAYS_NS},
    {"86400000s", DFOTA_OK, MAX_DAYS_NS},
    {"1440000min", DFOTA_OK, MAX_DAYS_NS},
    {"24001h", DFOTA_E_TOO_BIG, 0},
    {"86400001s", DFOTA_E_TOO_BIG, 0},
    {"1440001min", DFOTA_E_TOO_BIG, 0},
    {"24000.5h", DFOTA_E_TOO_BIG, 0},
    {"99999999999999999999s", DFOTA_E_TOO_BIG, 0},
    {"99999999999999999999999999999999999999ns", DFOTA_E_TOO_BIG, 0},
    {"9223372036854775808ns", DFOTA_E_TOO_BIG, 0},
    {"100000000000h", DFOTA_E_TOO_BIG, 0},
    /* a long fraction of a big unit: its product once overflowed int64 */
    {"0.999999999h", DFOTA_OK, 3599999996400LL},
    {"23999.999999999h", DFOTA_OK, MAX_DAYS_NS - 3600LL},
    {"0.123456789999h", DFOTA_OK, 444444440400LL}, /* nine digits of fraction */
    {"1439999.999999999min", DFOTA_OK, MAX_DAYS_NS - 60LL},
    /* not durations */
    {"", DFOTA_E_INPUT, 0},
    {"s", DFOTA_E_INPUT, 0},
    {"ms", DFOTA_E_INPUT, 0},
    {"10", DFOTA_E_INPUT, 0},
    {"1.5", DFOTA_E_INPUT, 0},
    {"10x", DFOTA_E_INPUT, 0},
    {"10sec", DFOTA_E_INPUT, 0},
    {"10m", DFOTA_E_INPUT, 0},
    {"-1s", DFOTA_E_INPUT, 0},
    {"+1s", DFOTA_E_INPUT, 0},
    {"1.2.3s", DFOTA_E_INPUT, 0},
    {"1s5", DFOTA_E_INPUT, 0},
    {"1ss", DFOTA_E_INPUT, 0},
    {" 1s", DFOTA_E_INPUT, 0},
    {"1s ", DFOTA_E_INPUT, 0},
    {"1 s", DFOTA_E_INPUT, 0},
    {".s", DFOTA_E_INPUT, 0},
    {"abc", DFOTA_E_INPUT, 0},
};

static void test_parse_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t ns = -12345;
        dfota_err rc = dfota_duration_parse(cases[i].text, strlen(cases[i].text), &ns);
        int ok = rc == cases[i].rc && (rc != DFOTA_OK || ns == cases[i].ns);
        CU_ASSERT(ok);
        if (!ok)
            printf("\n  '%s': rc %d ns %lld, expected rc %d ns %lld\n", cases[i].text, (int)rc,
                   (long long)ns, (int)cases[i].rc, (long long)cases[i].ns);
    }
}

static void test_parse_bounded_by_len(void)
{
    /* Only len bytes are read: the rest of a longer string is not part of it. */
    int64_t ns = 0;
    CU_ASSERT_EQUAL(dfota_duration_parse("300msXYZ", 5, &ns), DFOTA_OK);
    CU_ASSERT_EQUAL(ns, 300000000LL);
    CU_ASSERT_EQUAL(dfota_duration_parse("90s,120s", 3, &ns), DFOTA_OK);
    CU_ASSERT_EQUAL(ns, 90 * NS_PER_S);
    /* "20min" cut to "20m" is not a duration, and "2h" cut to "2" neither. */
    CU_ASSERT_EQUAL(dfota_duration_parse("20min", 3, &ns), DFOTA_E_INPUT);
    CU_ASSERT_EQUAL(dfota_duration_parse("2h", 1, &ns), DFOTA_E_INPUT);
    CU_ASSERT_EQUAL(dfota_duration_parse("2h", 0, &ns), DFOTA_E_INPUT);
    /* A NUL inside the length is not the end of the unit. */
    CU_ASSERT_EQUAL(dfota_duration_parse("1s\0", 3, &ns), DFOTA_E_INPUT);
}

static const test_entry tests[] = {
    {"parse table", test_parse_table},
    {"parse bounded by its length", test_parse_bounded_by_len},
};

int main(void)
{
    return RUN_SUITE("duration", tests);
}
