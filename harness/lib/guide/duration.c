/* SPDX-License-Identifier: MIT */
/* duration.c - "300ms", "90s", "20min" to nanoseconds, without sscanf. */
#include <string.h>

#include "dfota/guide.h"

#define MAX_NS (1000LL * 86400 * DFOTA_NS_PER_S)

static const struct {
    const char *unit;
    int64_t ns;
} units[] = {
    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", DFOTA_NS_PER_S},
    {"min", 60000000000LL}, {"h", 3600000000000LL},
};

dfota_err dfota_duration_parse(const char *s, size_t len, int64_t *ns)
{
    size_t i = 0;
    int64_t whole = 0, frac = 0, scale = 1;
    int digits = 0;
    *ns = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        whole = whole * 10 + (s[i++] - '0');
        if (whole > 100000000000LL)
            return DFOTA_E_TOO_BIG;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (scale < DFOTA_NS_PER_S) {
                frac = frac * 10 + (s[i] - '0');
                scale *= 10;
            }
            i++;
            digits++;
        }
    }
    if (!digits)
        return DFOTA_E_INPUT;
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t ul = strlen(units[u].unit);
        if (len - i == ul && memcmp(s + i, units[u].unit, ul) == 0) {
            int64_t per = units[u].ns;
            if (whole > MAX_NS / per)
                return DFOTA_E_TOO_BIG;
            /* frac * per / scale without the product, which passes int64
             * for a nine-digit fraction of an hour (frac < scale <= 1e9) */
            int64_t v = whole * per + (per / scale) * frac + (per % scale) * frac / scale;
            if (v > MAX_NS)
                return DFOTA_E_TOO_BIG;
            *ns = v;
            return DFOTA_OK;
        }
    }
    return DFOTA_E_INPUT;
}
