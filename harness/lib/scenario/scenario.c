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
 * and turned into a dfota_scenario. One thing wrong is reported, as
 * "FILE:LINE:COLUMN: message" at the node that is wrong (for a missing key,
 * at the mapping that lacks it): a mapping's keys are checked before its
 * values, and the top level's parts in the order of the format, vars
 * before steps, so that a step can be checked against the vars. Explicit
 * tags (!!str) are refused: the format has no use for them and each scalar
 * is judged by its text.
 *
 * The room's files: tree.c (the tree and reading it), words.c (messages
 * and words), parts.c (the top level and its parts), faults.c (the
 * emulator's faults), steps.c, vars.c (variables), pkgmap.c (firmware
 * versions and the package map); this file, the scenario API. */
#include <stdlib.h>
#include <string.h>

#include "dfota/scenario.h"
#include "scenario/parts.h"

/* ---- the API -------------------------------------------------------------- */

static dfota_err scenario_from_text(const char *file, const char *text, size_t len,
                                    const char *want_name, dfota_scenario **out, char *err,
                                    size_t errlen)
{
    ytree t;
    dfota_scenario *sc = NULL;
    dfota_err rc;
    tree_init(&t, file, err, errlen);
    rc = tree_build(&t, text, len);
    if (rc)
        goto fail;
    sc = calloc(1, sizeof *sc);
    if (!sc || !(sc->file = dup_n(file, strlen(file)))) {
        rc = nomem(&t);
        goto fail;
    }
    rc = validate(&t, sc, want_name);
    if (rc)
        goto fail;
    tree_free(&t);
    *out = sc;
    return DFOTA_OK;
fail:
    tree_free(&t);
    dfota_scenario_free(sc);
    return rc;
}

dfota_err dfota_scenario_parse(const char *name, const char *text, size_t len,
                               dfota_scenario **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!name || (!text && len))
        return DFOTA_E_ARG;
    return scenario_from_text(name, text, len, NULL, out, err, errlen);
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
    return dup_n(base, n);
}

dfota_err dfota_scenario_load(const char *path, dfota_scenario **out, char *err, size_t errlen)
{
    char *buf = NULL, *want = NULL;
    size_t len = 0;
    dfota_err rc;
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    if (!path)
        return DFOTA_E_ARG;
    rc = read_bounded(path, &buf, &len, err, errlen);
    if (rc)
        goto fail;
    want = name_of_file(path);
    if (!want) {
        rc = fail_at(err, errlen, path, 0, 0, DFOTA_E_NOMEM, "out of memory");
        goto fail;
    }
    rc = scenario_from_text(path, buf, len, want, out, err, errlen);
fail: /* and done */
    free(want);
    free(buf);
    return rc;
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
