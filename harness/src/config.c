/* SPDX-License-Identifier: MIT */
/* config.c - the settings a user repeats (config.h): the environment and
 * the project file dfota.yaml in the working folder, under the command
 * line, each value with where it came from for --show-config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dfota/dfota.h"
#include "cli.h"
#include "config.h"

typedef enum { FROM_DEFAULT = 0, FROM_PROJECT, FROM_ENV, FROM_CLI } origin;

typedef struct {
    const char *value;           /* NULL: not set */
    origin from;
    unsigned long line;          /* dfota.yaml's */
    const char *env;             /* the environment variable */
} setting;

#define ENV_VALUE_MAX 4096       /* longer is not a setting but a mistake */
#define VAR_ASSIGN_MAX (2 * DFOTA_SCENARIO_TEXT_MAX + 4)

/* The project file of the working folder, read once; NULL when there is
 * none. Kept until exit: the settings point into it. */
static dfota_project *project;
static int project_read;

/* 0 with project set (or NULL when the folder has none); -1 after saying
 * why ("CMD: dfota.yaml:LINE:COLUMN: ..."). */
static int load_project(const char *cmd)
{
    struct stat st;
    if (project_read)
        return 0;
    project_read = 1;
    if (stat(CFG_PROJECT_FILE, &st) != 0 && errno == ENOENT)
        return 0;
    char err[DFOTA_ERRBUF], b[CLI_SHOWN_MAX];
    if (dfota_project_load(CFG_PROJECT_FILE, &project, err, sizeof err) != DFOTA_OK) {
        fprintf(stderr, "%s: %s\n", cmd, cli_shown(err, b, sizeof b));
        return -1;
    }
    return 0;
}

/* An environment variable's value: NULL when unset or empty, or when the
 * setting has none (name NULL); -1 in *bad when too long to be a setting. */
static const char *env_value(const char *cmd, const char *name, int *bad)
{
    const char *v = name ? getenv(name) : NULL;
    if (!v || !v[0])
        return NULL;
    if (strlen(v) > ENV_VALUE_MAX) {
        fprintf(stderr, "%s: %s is longer than %d bytes\n", cmd, name, ENV_VALUE_MAX);
        *bad = 1;
        return NULL;
    }
    return v;
}

/* s from the command line's value, else the environment's, else the
 * project's. */
static int resolve(const char *cmd, setting *s, const char *cli, const char *env,
                   const dfota_project_value *pv)
{
    int bad = 0;
    const char *e = env_value(cmd, env, &bad);
    s->env = env;
    if (cli) {
        s->value = cli;
        s->from = FROM_CLI;
    } else if (e) {
        s->value = e;
        s->from = FROM_ENV;
    } else if (pv && pv->value) {
        s->value = pv->value;
        s->from = FROM_PROJECT;
        s->line = pv->line;
    }
    return bad ? -1 : 0;
}

/* Where a setting came from, as --show-config and the errors say it. */
static const char *origin_text(const setting *s, char *buf, size_t cap)
{
    switch (s->from) {
    case FROM_CLI: return "command line";
    case FROM_ENV: snprintf(buf, cap, "environment %s", s->env); return buf;
    case FROM_PROJECT: snprintf(buf, cap, "%s:%lu", CFG_PROJECT_FILE, s->line); return buf;
    default: return "default";
    }
}

static int profile_of(const char *cmd, const setting *s, dfota_profile *profile)
{
    char o[64], b[CLI_SHOWN_MAX];
    if (!s->value)
        return 0;
    if (dfota_profile_parse(s->value, profile) == DFOTA_OK)
        return 0;
    fprintf(stderr, "%s: %s: unknown profile '%s' (strict or field)\n", cmd,
            origin_text(s, o, sizeof o), cli_shown(s->value, b, sizeof b));
    return -1;
}

int cfg_check_profile(const char *profile_arg, dfota_profile *profile)
{
    setting s = {0};
    if (profile_arg)
        return 0; /* the command line wins: it was parsed already */
    if (load_project("dfota check") != 0 ||
        resolve("dfota check", &s, NULL, "DFOTA_PROFILE", project ? &project->profile : NULL) != 0)
        return -1;
    return profile_of("dfota check", &s, profile);
}

/* A source as the run takes it: emulator, transcript:FILE, serial:PORT. */
static int source_ok(const char *cmd, const setting *s)
{
    char o[64], b[CLI_SHOWN_MAX];
    const char *v = s->value;
    if (strcmp(v, "emulator") == 0 || (strncmp(v, "transcript:", 11) == 0 && v[11]) ||
        (strncmp(v, "serial:", 7) == 0 && v[7]))
        return 0;
    fprintf(stderr, "%s: %s: unknown source '%s' (transcript:FILE, emulator or serial:PORT)\n",
            cmd, origin_text(s, o, sizeof o), cli_shown(v, b, sizeof b));
    return -1;
}

/* The project's variables under the command line's: a new set, the
 * project's first, so that a later --var of the same name wins. */
static int merge_vars(dfota_varset *vars)
{
    dfota_varset all;
    char a[VAR_ASSIGN_MAX], err[DFOTA_ERRBUF], b[CLI_SHOWN_MAX];
    dfota_err rc = DFOTA_OK;
    if (!project || project->n_vars == 0)
        return 0;
    dfota_varset_init(&all);
    for (size_t i = 0; !rc && i < project->n_vars; i++) {
        snprintf(a, sizeof a, "%s=%s", project->var_name[i], project->var[i].value);
        rc = dfota_varset_add(&all, a, err, sizeof err);
    }
    for (size_t i = 0; !rc && i < vars->n; i++) {
        snprintf(a, sizeof a, "%s=%s", vars->name[i], vars->value[i]);
        rc = dfota_varset_add(&all, a, err, sizeof err);
    }
    if (rc) {
        fprintf(stderr, "dfota run: %s: vars: %s\n", CFG_PROJECT_FILE, cli_shown(err, b, sizeof b));
        dfota_varset_free(&all);
        return -1;
    }
    dfota_varset_free(vars);
    *vars = all;
    return 0;
}

static void show_line(const char *what, const char *value, const setting *s)
{
    char o[64], b[CLI_SHOWN_MAX];
    printf("%-18s %-44s %s\n", what, value ? cli_shown(value, b, sizeof b) : "(none)",
           origin_text(s, o, sizeof o));
}

/* --show-config: every setting in force and where it came from. */
static void show(const cfg_run *r, const setting *sources, size_t n_sources,
                 const setting *profile, const setting *report, const setting *packages,
                 const dfota_varset *cli_vars)
{
    printf("# dfota run settings: command line > environment > %s > default\n",
           CFG_PROJECT_FILE);
    printf("# project file: %s\n",
           project ? CFG_PROJECT_FILE " (read)" : "none (no " CFG_PROJECT_FILE " in this folder)");
    setting none = {NULL, FROM_DEFAULT, 0, "DFOTA_SOURCE"};
    if (n_sources == 0)
        show_line("source", NULL, &none);
    for (size_t i = 0; i < n_sources; i++)
        show_line("source", sources[i].value, &sources[i]);
    setting p = *profile;
    if (!p.value)
        p.value = dfota_profile_name(*r->profile);
    show_line("profile", p.value, &p);
    show_line("report", report->value, report);
    show_line("packages", packages->value, packages);
    char name[80];
    for (size_t i = 0; i < cli_vars->n; i++) {
        setting s = {cli_vars->value[i], FROM_CLI, 0, NULL};
        snprintf(name, sizeof name, "var %s", cli_vars->name[i]);
        show_line(name, s.value, &s);
    }
    for (size_t i = 0; project && i < project->n_vars; i++) {
        int overridden = 0;
        for (size_t k = 0; k < cli_vars->n; k++)
            overridden |= strcmp(cli_vars->name[k], project->var_name[i]) == 0;
        if (overridden)
            continue;
        setting s = {project->var[i].value, FROM_PROJECT, project->var[i].line, NULL};
        snprintf(name, sizeof name, "var %s", project->var_name[i]);
        show_line(name, s.value, &s);
    }
}

int cfg_run_settings(cfg_run *r)
{
    const char *cmd = "dfota run";
    setting sources[DFOTA_PROJECT_SOURCES_MAX + 8], profile = {0}, report = {0}, packages = {0};
    size_t n = 0;
    memset(sources, 0, sizeof sources);
    if (load_project(cmd) != 0)
        return -1;
    int bad = 0;
    const char *env_source = env_value(cmd, "DFOTA_SOURCE", &bad);
    if (bad)
        return -1;
    if (*r->n_sources > 0) {
        for (size_t i = 0; i < *r->n_sources && n < sizeof sources / sizeof sources[0]; i++)
            sources[n++] = (setting){r->sources[i], FROM_CLI, 0, "DFOTA_SOURCE"};
    } else if (env_source) {
        sources[n++] = (setting){env_source, FROM_ENV, 0, "DFOTA_SOURCE"};
    } else {
        for (size_t i = 0; project && i < project->n_sources; i++)
            sources[n++] = (setting){project->source[i].value, FROM_PROJECT,
                                     project->source[i].line, "DFOTA_SOURCE"};
    }
    if (resolve(cmd, &profile, r->profile_arg, "DFOTA_PROFILE",
                project ? &project->profile : NULL) != 0 ||
        resolve(cmd, &report, *r->report_dir, "DFOTA_REPORT_DIR",
                project ? &project->report : NULL) != 0 ||
        resolve(cmd, &packages, *r->packages, NULL, project ? &project->packages : NULL) != 0)
        return -1;
    if (profile.from != FROM_CLI && profile_of(cmd, &profile, r->profile) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (sources[i].from != FROM_CLI && source_ok(cmd, &sources[i]) != 0)
            return -1;
    if (n > r->max_sources) {
        fprintf(stderr, "%s: at most %zu sources\n", cmd, r->max_sources);
        return -1;
    }
    if (r->show) {
        show(r, sources, n, &profile, &report, &packages, r->vars);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        r->sources[i] = sources[i].value;
    *r->n_sources = n;
    *r->report_dir = report.value;
    *r->packages = packages.value;
    return merge_vars(r->vars);
}
