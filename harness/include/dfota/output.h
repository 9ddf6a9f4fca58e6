/* dfota/output.h - writes what the checker found: compiler-style text,
 * JSON (jansson) or JUnit XML (libxml2), streaming, one file at a time.
 * Writes only to the FILE the caller gives; device bytes arrive escaped. */
#ifndef DFOTA_OUTPUT_H
#define DFOTA_OUTPUT_H

#include <stdio.h>

#include "dfota/checker.h"
#include "dfota/error.h"
#include "dfota/provenance.h"
#include "dfota/reader.h"

typedef enum {
    DFOTA_OUT_TEXT = 0,
    DFOTA_OUT_JSON,
    DFOTA_OUT_JUNIT
} dfota_out_format;

typedef struct dfota_output dfota_output;

/* An output of the given format to out (borrowed). color: use terminal
 * colours in text. NULL when out of memory. */
dfota_output *dfota_output_new(dfota_out_format fmt, FILE *out, dfota_profile profile, int color);
void dfota_output_free(dfota_output *o);

/* By default the output hides secrets in what a log said (dfota/redact.h:
 * passwords and secret URL parameters become "***"); keep = 1 shows them
 * as they are. Judging is not affected: the checker saw the real text. */
void dfota_output_keep_secrets(dfota_output *o, int keep);

/* By default a log with nothing to judge (no AT+QFOTADL and no FOTA URC)
 * is its own result, NOTHING TO JUDGE, and the status is 3: it is not a
 * pass. allow = 1 lets it pass, with a note (--allow-empty). */
void dfota_output_allow_empty(dfota_output *o, int allow);

/* What made the verdicts (dfota/provenance.h, borrowed: it must outlive
 * the output): written in every format, for certification evidence. */
void dfota_output_provenance(dfota_output *o, const dfota_provenance *prov);

/* Starts a file; name is escaped before it is written. */
void dfota_output_begin_file(dfota_output *o, const char *name);

/* The sink to give the checker for this file. */
dfota_sink dfota_output_sink(dfota_output *o);

/* Ends the file. res is the checker's result (NULL when the file could not
 * be read at all); error is the input error that stopped it, or NULL;
 * format is what the reader detected. */
void dfota_output_end_file(dfota_output *o, const dfota_checker_result *res, const char *error,
                           dfota_format format, const dfota_reader_stats *stats);

/* Writes the summary and closes the document. DFOTA_E_IO when a write failed. */
DFOTA_WUR dfota_err dfota_output_finish(dfota_output *o);

/* The exit status the run deserves: 0 all passed, 1 a FAIL, 2 an input
 * error, 3 no FAIL but something INCOMPLETE or a file with nothing to
 * judge. */
int dfota_output_status(const dfota_output *o);

#endif
