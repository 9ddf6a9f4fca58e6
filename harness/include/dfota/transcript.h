/* dfota/transcript.h - the transcript format, version 1 (TRANSCRIPT.md):
 * payload escaping and the writer. The reader is dfota/reader.h. */
#ifndef DFOTA_TRANSCRIPT_H
#define DFOTA_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dfota/error.h"
#include "dfota/event.h"

#define DFOTA_TRANSCRIPT_MAGIC "# dfota-transcript 1"

/* Escapes len bytes for a transcript payload: printable ASCII and valid
 * UTF-8 stay, the backslash becomes "\\", every other byte "\xNN"; so do
 * the bytes of a bidi control (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), which would turn the text around on a terminal or a page.
 * Writes at most cap-1 bytes and a NUL; returns the length the whole
 * escape needs (like snprintf), so a result >= cap means it was cut. */
size_t dfota_escape(const void *bytes, size_t len, char *out, size_t cap);

/* The same for a text that may hold escapes already (an error message that
 * quotes a file name and an escaped line): a backslash stays one. For the
 * terminal and the page, never for a transcript. */
size_t dfota_escape_text(const void *bytes, size_t len, char *out, size_t cap);

/* Undoes dfota_escape in place over buf[0..len), returns the new length.
 * A backslash not followed by "\\" or "xNN" is kept as it is. */
size_t dfota_unescape(char *buf, size_t len);

/* Writes one event line "<time> <dir> <payload>\n". A time of
 * DFOTA_T_NONE is written as 0. Returns DFOTA_OK or DFOTA_E_IO. */
DFOTA_WUR dfota_err dfota_transcript_write_event(FILE *out, const dfota_event *ev);

/* Writes ev as dfota_transcript_write_event does, with its secrets hidden
 * (dfota_redact) unless keep_secrets: how every transcript dfota records is
 * written, while the checker judges the real text. DFOTA_E_NOMEM for a
 * line too long to redact in memory. */
DFOTA_WUR dfota_err dfota_transcript_write_shown(FILE *out, const dfota_event *ev,
                                                 int keep_secrets);

/* Writes the magic line and "# key: value" lines; keys and values are
 * escaped. pairs is key, value, key, value ..., n pairs. */
DFOTA_WUR dfota_err dfota_transcript_write_header(FILE *out, const char *const *pairs, size_t n);

#endif
