/* SPDX-License-Identifier: MIT */
/* open_on_link.c - the quickest host there can be, for e2e.host-rules: put
 * in LD_PRELOAD, it opens the terminal a link points at the moment the
 * link is put in place (rename() onto the path DFOTA_TEST_OPEN_LINK names),
 * before the program that made it takes its next step, and holds it open,
 * as a host that polls for the link may on a busy machine. The first time,
 * it writes DFOTA_TEST_OPEN_SEND there (when set) and a carriage return.
 * Every other rename is only a rename. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int opened;

int rename(const char *from, const char *to)
{
    int (*real)(const char *, const char *);
    void *sym = dlsym(RTLD_NEXT, "rename");
    memcpy(&real, &sym, sizeof real);
    int rc = real ? real(from, to) : -1;
    const char *link = getenv("DFOTA_TEST_OPEN_LINK");
    if (rc != 0 || !link || !link[0] || !to || strcmp(to, link) != 0)
        return rc;
    int fd = open(to, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC); /* held: the host stays */
    const char *send = getenv("DFOTA_TEST_OPEN_SEND");
    if (fd >= 0 && !opened++ && send && send[0]) {
        (void)!write(fd, send, strlen(send));
        (void)!write(fd, "\r", 1);
    }
    return rc;
}
