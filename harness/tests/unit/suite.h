/* SPDX-License-Identifier: MIT */
/* suite.h - runs one CUnit suite of table entries; shared by every test_*.c
 * so that each file holds only its cases. */
#ifndef DFOTA_TEST_SUITE_H
#define DFOTA_TEST_SUITE_H

#include <stddef.h>

#include <CUnit/Basic.h>

typedef struct {
    const char *name;
    CU_TestFunc fn;
} test_entry;

/* Registers the tests as one suite, runs them verbosely, and returns the
 * process exit status: 0 only when the registry worked and no assertion
 * failed. */
static inline int run_suite(const char *suite, const test_entry *tests, size_t n)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite s = CU_add_suite(suite, NULL, NULL);
    int ok = s != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = CU_add_test(s, tests[i].name, tests[i].fn) != NULL;
    if (!ok) {
        CU_cleanup_registry();
        return 1;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    int err = CU_get_error() != CUE_SUCCESS;
    CU_cleanup_registry();
    return failures || err ? 1 : 0;
}

#define RUN_SUITE(name, tests) run_suite((name), (tests), sizeof(tests) / sizeof((tests)[0]))

#endif
