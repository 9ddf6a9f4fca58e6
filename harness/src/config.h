/* SPDX-License-Identifier: MIT */
/* config.h - the settings a user repeats, from the environment and the
 * project file dfota.yaml in the working folder, under the command line:
 * command line > environment > dfota.yaml > default.
 *
 *   setting    environment         dfota.yaml   read by
 *   source     DFOTA_SOURCE        source       run
 *   profile    DFOTA_PROFILE       profile      run, check
 *   report     DFOTA_REPORT_DIR    report       run
 *   packages   -                   packages     run
 *   variables  -                   vars         run (under --var and --vars)
 */
#ifndef DFOTA_CONFIG_H
#define DFOTA_CONFIG_H

#include <stddef.h>

#include "dfota/guide.h"
#include "dfota/scenario.h"

#define CFG_PROJECT_FILE "dfota.yaml"

/* dfota run's settings: in, what its command line gave (NULL or 0 when
 * nothing); out, what is in force. The strings stay valid until exit. */
typedef struct {
    const char **sources;        /* the command line's --source, in and out */
    size_t *n_sources;
    size_t max_sources;
    const char **report_dir;     /* --report */
    const char **packages;       /* --packages */
    const char *profile_arg;     /* --profile as given, NULL when not */
    dfota_profile *profile;      /* out */
    dfota_varset *vars;          /* --var and --vars; the project's go under them */
    int show;                    /* --show-config: print what is in force and where from */
} cfg_run;

/* Fills what r's command line left from the environment and dfota.yaml.
 * 0: go on; 1: --show-config printed the settings (exit 0); -1: an error
 * said on standard error, naming the variable or dfota.yaml:LINE (exit 2). */
int cfg_run_settings(cfg_run *r);

/* dfota check's profile: --profile as given (NULL when not), else
 * DFOTA_PROFILE, else dfota.yaml's profile, else *profile as it is.
 * 0, or -1 after saying why on standard error. */
int cfg_check_profile(const char *profile_arg, dfota_profile *profile);

#endif
