/* SPDX-License-Identifier: MIT */
/* progress.h - what dfota run shows on standard error while it runs, from
 * the run's progress (dfota_run_opts.progress):
 *   - standard error is a terminal, one scenario at a time, on a live
 *     source (the emulator, a module; a recording is judged at once and
 *     shows nothing there): two status lines
 *     redrawn in place (scenario i of N, the step, what it waits for and the
 *     module time left of its window, the last URC, the UPDATING percentage
 *     as a bar, the reboot as it happens), at most 10 times a wall second,
 *     cleared before anything else is printed (progress_clear);
 *   - otherwise (a CI log, or several scenarios at once): one line per step
 *     as it is settled, its verdict and the module time it took;
 *   - quiet (-q): nothing; verbose (-v): the AT exchange as well, a line per
 *     event ("12.345 > AT+QFOTADL=..."), redacted as the transcript is.
 * Nothing here changes what a run judges or writes. */
#ifndef DFOTA_CLI_PROGRESS_H
#define DFOTA_CLI_PROGRESS_H

#include <stddef.h>

#include "dfota/run.h"

enum { PROGRESS_QUIET = -1, PROGRESS_NORMAL = 0, PROGRESS_VERBOSE = 1 };

/* Once, before the run: verbosity (PROGRESS_*), colour (--color,
 * --no-color, NO_COLOR as decided for the run), concurrent: several
 * scenarios may run at once (--jobs, several --source). */
void progress_setup(int verbosity, int color, int concurrent);

/* The calling thread starts scenario i (0-based) of n; prefix ("" or
 * "[label] ") is put before its lines. */
void progress_scenario(size_t i, size_t n, const char *prefix);

/* Clears the status lines (if drawn) so that normal output can follow. */
void progress_clear(void);

/* The run's callback (dfota_run_progress_fn); ctx is unused. */
void progress_tell(void *ctx, const dfota_run_progress *p);

#endif
