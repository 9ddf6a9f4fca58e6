/* SPDX-License-Identifier: MIT */
/* errbuf.c - filling a caller's error buffer (errbuf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "base/errbuf.h"

void dfota_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
