/* SPDX-License-Identifier: MIT */
/* scenario.c - YAML scenarios (dfota/scenario.h) and their variables.
 *
 * Two passes. libyaml's event parser feeds a small tree that keeps each
 * node's place (line and column, 1-based) and is bounded everywhere: the
 * file's size, the nesting, the aliases, the nodes once aliases are
 * expanded and each scalar's length. An alias is never copied: each
 * anchored node knows, once it is complete, how many nodes it stands for,
 * and every use of it adds that many to the count, so an alias bomb
 * ("billion laughs") stops at the alias that passes the limit, in time and
 * memory linear in the file. Then the tree is checked against the format
 * and turned into a dfota_scenario. Each thing wrong is reported as
 * "FILE:LINE:COLUMN: message" at the node that is wrong (for a missing key,
 * at the mapping that lacks it): a mapping's keys are checked before its
 * values, and the top level's parts in the order of the format, vars
 * before steps, so that a step can be checked against the vars.
 * dfota_scenario_load stops at the first; dfota_scenario_load_all (dfota
 * lint) goes on to the next part that can be judged apart (a top-level
 * key, a tag, a variable, a fault, a step) and hands each message on. Explicit
 * tags (!!str) are refused: the format has no use for them and each scalar
 * is judged by its text.
 *
 * The room's files: tree.c (the tree and reading it), words.c (messages
 * and words), parts.c (the top level and its parts), faults.c (the
 * emulator's faults), steps.c, vars.c (variables), pkgmap.c (firmware
 * versions and the package map), project.c (dfota.yaml); this file, the
 * scenario API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/scenario.h"
#include "scenario/parts.h"

/* ---- the API -------------------------------------------------------------- */

typedef struct {
    const char *want_name;      /* the name the scenario must have, or NULL */
    dfota_scenario **out;
} scenario_job;

/* The scenario of the tree in a new model, *job->out on success
 * (tree_read's read). */
static dfota_err read_scenario(const ytree *t, void *arg)
{
    const scenario_job *job = arg;
    dfota_scenario *sc = calloc(1, sizeof *sc);
    dfota_err rc = sc && (sc->file = scn_dup_n(t->file, strlen(t->file)))
                       ? scn_validate(t, sc, job->want_name)
                       : scn_nomem(t);
    if (rc)
        dfota_scenario_free(sc);
    else
        *job->out = sc;
    return rc;
}

static dfota_err parse(const char *name, const char *text, size_t len, dfota_scenario **out,
                       char *err, size_t errlen, scn_errors *errors)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    scenario_job job = {NULL, out};
    return scn_tree_read_all(name, text, len, err, errlen, errors, read_scenario, &job);
}

dfota_err dfota_scenario_parse(const char *name, const char *text, size_t len,
                               dfota_scenario **out, char *err, size_t errlen)
{
    return parse(name, text, len, out, err, errlen, NULL);
}

/* The name a scenario file must carry: its base name without .yaml/.yml. */
static char *name_of_file(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    return scn_dup_n(base, n);
}

/* The first message, kept while the others pass (dfota_scenario_load_all). */
typedef struct {
    dfota_scenario_error_fn fn;
    void *ctx;
    char *first;
    size_t cap;
    int kept;
} first_keeper;

static void keep_first(void *arg, const char *message)
{
    first_keeper *k = arg;
    if (!k->kept && k->first && k->cap) {
        snprintf(k->first, k->cap, "%s", message);
        k->kept = 1;
    }
    if (k->fn)
        k->fn(k->ctx, message);
}

static dfota_err load(const char *path, dfota_scenario **out, char *err, size_t errlen,
                      scn_errors *errors)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!path)
        return DFOTA_E_ARG;
    char *want = name_of_file(path);
    if (!want)
        return scn_fail_at(err, errlen, path, 0, 0, DFOTA_E_NOMEM, "out of memory");
    scenario_job job = {want, out};
    dfota_err rc = scn_tree_load_all(path, err, errlen, errors, read_scenario, &job);
    free(want);
    return rc;
}

dfota_err dfota_scenario_load(const char *path, dfota_scenario **out, char *err, size_t errlen)
{
    return load(path, out, err, errlen, NULL);
}

/* dfota_scenario_load_all and _parse_all: path, or name and text. */
static dfota_err all_errors(const char *path, const char *name, const char *text, size_t len,
                            dfota_scenario **out, char *err, size_t errlen,
                            dfota_scenario_error_fn fn, void *ctx)
{
    char msg[DFOTA_ERRBUF];
    if (err && errlen)
        err[0] = '\0';
    first_keeper k = {fn, ctx, err, errlen, 0};
    scn_errors errors = {keep_first, &k, 0};
    dfota_err rc = path ? load(path, out, msg, sizeof msg, &errors)
                        : parse(name, text, len, out, msg, sizeof msg, &errors);
    if (rc && errors.n == 0) /* an error of the file or of YAML, not of a part */
        keep_first(&k, msg);
    if (errors.n > DFOTA_SCENARIO_ERRORS_MAX) {
        snprintf(msg, sizeof msg, "%s: and %zu more errors", path ? path : name,
                 errors.n - DFOTA_SCENARIO_ERRORS_MAX);
        if (fn)
            fn(ctx, msg);
    }
    return rc;
}

dfota_err dfota_scenario_load_all(const char *path, dfota_scenario **out, char *err,
                                  size_t errlen, dfota_scenario_error_fn fn, void *ctx)
{
    if (!path) {
        if (err && errlen)
            err[0] = '\0';
        if (out)
            *out = NULL;
        return DFOTA_E_ARG;
    }
    return all_errors(path, NULL, NULL, 0, out, err, errlen, fn, ctx);
}

dfota_err dfota_scenario_parse_all(const char *name, const char *text, size_t len,
                                   dfota_scenario **out, char *err, size_t errlen,
                                   dfota_scenario_error_fn fn, void *ctx)
{
    if (!name) {
        if (err && errlen)
            err[0] = '\0';
        if (out)
            *out = NULL;
        return DFOTA_E_ARG;
    }
    return all_errors(NULL, name, text, len, out, err, errlen, fn, ctx);
}

void dfota_scenario_free(dfota_scenario *sc)
{
    if (!sc)
        return;
    free(sc->file);
    free(sc->name);
    free(sc->section);
    free(sc->requirement);
    for (size_t i = 0; i < sc->n_tags; i++)
        free(sc->tags[i]);
    for (size_t i = 0; i < sc->n_vars; i++) {
        free(sc->vars[i].name);
        free(sc->vars[i].value);
        free(sc->vars[i].pkg_from);
        free(sc->vars[i].pkg_to);
    }
    free(sc->requires_firmware);
    free(sc->emulator.firmware);
    free(sc->emulator.target);
    free(sc->emulator.profile);
    free(sc->emulator.port);
    for (size_t i = 0; i < sc->emulator.n_faults; i++)
        free(sc->emulator.faults[i].kind);
    for (size_t i = 0; i < sc->n_steps; i++)
        free(sc->steps[i].text);
    free(sc->steps);
    free(sc);
}
