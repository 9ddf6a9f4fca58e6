/* SPDX-License-Identifier: MIT */
/* decode.h - lines that hold the bytes that crossed the port in a
 * program's own notation, decoded back to those bytes (not public API):
 *   ModemManager  [epoch] [modem0/ttyUSB2/at] --> 'AT+QGMR<CR>'
 *   Python        TX: b'AT+QGMR\r'   read(b'\r\nOK\r\n')
 *   Particle      0000068021 [ncp.at] TRACE: > AT   20.853 AT send 11 "AT\r\n"
 *   escapes       \r\nOK\r\n (a test tool's text with its line ends spelt out)
 * Each writes at most n bytes (n + 1 for the device trace, which adds a
 * line end) to the caller's out and returns the length, or -1 when the
 * line is not of its kind. */
#ifndef DFOTA_LIB_DECODE_H
#define DFOTA_LIB_DECODE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *out;     /* the caller's buffer, n + 1 bytes at least */
    int64_t t;     /* the line's own time, ns, when has_time */
    int has_time;
    char dir;      /* '>' or '<' when the line said who sent the bytes, else 0 */
    int glyphs;    /* terminators were written out (<CR>, \r) and decoded */
    int time_unknown; /* the line had a time, out of range: has_time is 0 */
} dfota_decoded;

long dfota_decode_mm(const char *s, size_t n, dfota_decoded *d);
long dfota_decode_bytes_literal(const char *s, size_t n, dfota_decoded *d);
/* -2: a line of the device's own log, not its modem's (left out). */
long dfota_decode_device(const char *s, size_t n, dfota_decoded *d);
/* \r \n \t \\ to their bytes; any other backslash is kept. Never fails. */
long dfota_decode_escapes(const char *s, size_t n, char *out);

#endif
