/* SPDX-License-Identifier: MIT */
/* sniff.h - what the first bytes of a file say it is (not public API):
 * text (UTF-8 or ASCII), UTF-16 text as Windows tools save "Unicode" logs,
 * or a file that is no log at all (an executable, an archive, an image). */
#ifndef DFOTA_LIB_SNIFF_H
#define DFOTA_LIB_SNIFF_H

#include <stddef.h>

typedef enum {
    DFOTA_SNIFF_TEXT = 0,
    DFOTA_SNIFF_UTF16LE,
    DFOTA_SNIFF_UTF16BE,
    DFOTA_SNIFF_BINARY
} dfota_sniffed;

/* Looks at the first n bytes of a file. For UTF-16, *skip is the length of
 * its byte order mark (0 or 2); for BINARY, *what names the kind ("an ELF
 * executable"), or is NULL when the bytes are only not text. *bad is how
 * many of the n bytes are not text (control bytes other than tab, CR, LF,
 * ESC). */
dfota_sniffed dfota_sniff(const unsigned char *p, size_t n, size_t *skip, const char **what, size_t *bad);

#endif
