/* SPDX-License-Identifier: MIT */
/* harness.c - the harness's own events ('!' lines) by name, one table for
 * the writers (emulator, proxy, serial source) and the readers (checker,
 * runner, reports) alike (dfota/at.h). */
#include <string.h>

#include "dfota/at.h"

static const char *const names[] = {
    [DFOTA_HEV_NONE] = "",
    [DFOTA_HEV_PORT_LOST] = "port-lost",
    [DFOTA_HEV_PORT_BACK] = "port-back",
    [DFOTA_HEV_HOST_OPEN] = "host-open",
    [DFOTA_HEV_HOST_CLOSE] = "host-close",
};

const char *dfota_harness_event_name(dfota_harness_event e)
{
    return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : "";
}

dfota_harness_event dfota_harness_event_of(const dfota_event *ev)
{
    if (ev->dir != DFOTA_DIR_HARNESS)
        return DFOTA_HEV_NONE;
    for (size_t e = 1; e < sizeof names / sizeof names[0]; e++) {
        size_t n = strlen(names[e]);
        if (ev->len >= n && memcmp(ev->data, names[e], n) == 0 &&
            (ev->len == n || ev->data[n] == ' ' || ev->data[n] == ':' || ev->data[n] == '\t'))
            return (dfota_harness_event)e;
    }
    return DFOTA_HEV_NONE;
}
