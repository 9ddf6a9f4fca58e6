/* SPDX-License-Identifier: MIT */
/* html.h - what the files of report.html share inside the report room
 * (not public API). */
#ifndef DFOTA_LIB_HTML_H
#define DFOTA_LIB_HTML_H

#include <stddef.h>

/* Where to cut s[0..k) so that no UTF-8 sequence is split: dfota_escape
 * judges a sequence only within the bytes it is given. */
static inline size_t utf8_cut(const char *s, size_t k)
{
    size_t back = 0;
    while (k > 1 && back < 3 && ((unsigned char)s[k] & 0xC0) == 0x80) {
        k--;
        back++;
    }
    return k;
}

#endif
