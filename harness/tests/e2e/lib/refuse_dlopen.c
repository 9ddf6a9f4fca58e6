/* SPDX-License-Identifier: MIT */
/* refuse_dlopen.c - a machine without a library, for e2e.lazy-libs: put
 * in LD_PRELOAD, it refuses dlopen() of every name that holds the text of
 * DFOTA_TEST_REFUSE (e.g. "libcurl"), the way the dynamic loader refuses
 * a library that is not installed, and dlerror() then says what the
 * loader says. Every other name is opened as it would be. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* per thread, as the loader's own error is */
static _Thread_local char said[512];
static _Thread_local int refused;

void *dlopen(const char *file, int mode)
{
    const char *refuse = getenv("DFOTA_TEST_REFUSE");
    if (file && refuse && refuse[0] && strstr(file, refuse)) {
        snprintf(said, sizeof said, "%s: cannot open shared object file: No such file or directory",
                 file);
        refused = 1;
        return NULL;
    }
    void *(*real)(const char *, int);
    void *sym = dlsym(RTLD_NEXT, "dlopen");
    memcpy(&real, &sym, sizeof real);
    return real ? real(file, mode) : NULL;
}

char *dlerror(void)
{
    if (refused) {
        refused = 0;
        return said;
    }
    char *(*real)(void);
    void *sym = dlsym(RTLD_NEXT, "dlerror");
    memcpy(&real, &sym, sizeof real);
    return real ? real() : NULL;
}
