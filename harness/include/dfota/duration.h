/* dfota/duration.h - durations as people write them: 300ms, 90s, 20min. */
#ifndef DFOTA_DURATION_H
#define DFOTA_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "dfota/error.h"

/* Parses "<number><unit>" with unit ns, us, ms, s, min or h and an
 * optional fraction ("1.5s"). Returns DFOTA_OK and *ns, or DFOTA_E_INPUT
 * (no unit, bad number, negative) or DFOTA_E_TOO_BIG (over 1000 days). */
DFOTA_WUR dfota_err dfota_duration_parse(const char *s, size_t len, int64_t *ns);

#endif
