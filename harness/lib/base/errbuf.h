/* SPDX-License-Identifier: MIT */
/* errbuf.h - filling a caller's error buffer (not public API). */
#ifndef DFOTA_LIB_ERRBUF_H
#define DFOTA_LIB_ERRBUF_H

#include <stddef.h>

#include "dfota/base.h"

/* Writes the message into err (errlen bytes, cut to fit, always ended);
 * does nothing when there is no buffer. */
void dfota_errf(char *err, size_t errlen, const char *fmt, ...) DFOTA_PRINTF(3, 4);

#endif
