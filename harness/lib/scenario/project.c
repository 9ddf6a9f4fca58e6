/* SPDX-License-Identifier: MIT */
/* project.c - the project file, dfota.yaml (dfota/scenario.h): the
 * settings a bench repeats, read with the scenario room's bounded tree. */
#include <stdlib.h>
#include <string.h>

#include "dfota/scenario.h"
#include "scenario/tree.h"

static dfota_err get_value(const ytree *t, size_t i, const char *what, dfota_project_value *dst)
{
    dfota_err rc = scn_want_text(t, i, what);
    if (!rc)
        rc = scn_get_string(t, i, what, &dst->value);
    if (!rc)
        dst->line = t->v[i].line;
    return rc;
}

static dfota_err do_sources(const ytree *t, size_t i, dfota_project *p)
{
    if (scn_node(t, i)->kind != Y_SEQ)
        return get_value(t, i, "source", &p->source[p->n_sources++]);
    if (!scn_node(t, i)->first)
        return scn_nfail(t, i, DFOTA_E_INPUT, "source is an empty list: name one source at least");
    dfota_err rc = DFOTA_OK;
    for (size_t e = scn_node(t, i)->first; !rc && e; e = t->v[e].next) {
        if (p->n_sources == DFOTA_PROJECT_SOURCES_MAX)
            return scn_nfail(t, e, DFOTA_E_TOO_BIG, "more than %d sources",
                             DFOTA_PROJECT_SOURCES_MAX);
        rc = get_value(t, e, "a source", &p->source[p->n_sources++]);
    }
    return rc;
}

static dfota_err do_vars(const ytree *t, size_t i, dfota_project *p)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "vars");
    if (!rc)
        rc = scn_too_many(t, i, DFOTA_SCENARIO_VARS_MAX, "vars");
    if (!rc)
        rc = scn_check_keys(t, i, NULL, " in vars");
    for (size_t k = rc ? 0 : scn_node(t, i)->first; !rc && k; k = t->v[t->v[k].next].next) {
        const ynode *key = scn_node(t, k);
        if (!scn_is_var_name(key->text, key->len))
            return scn_nfail(t, k, DFOTA_E_INPUT, "bad variable name '%s': use [A-Z_][A-Z0-9_]*",
                             scn_shown(key->text, key->len, b, sizeof b));
        rc = scn_get_string(t, k, "a variable", &p->var_name[p->n_vars]);
        if (!rc)
            rc = get_value(t, t->v[k].next, key->text, &p->var[p->n_vars]);
        p->n_vars++;
    }
    return rc;
}

static dfota_err read_project(const ytree *t, void *arg)
{
    static const char *const keys[] = {"source", "packages", "report", "profile", "vars", NULL};
    dfota_project *p = arg;
    size_t r = t->root, v;
    if (!r)
        return DFOTA_OK;
    dfota_err rc = scn_want_kind(t, r, Y_MAP, "a project file");
    if (!rc)
        rc = scn_check_keys(t, r, keys, " in a project file");
    if (!rc && (v = scn_map_get(t, r, "source")))
        rc = do_sources(t, v, p);
    if (!rc && (v = scn_map_get(t, r, "packages")))
        rc = get_value(t, v, "packages", &p->packages);
    if (!rc && (v = scn_map_get(t, r, "report")))
        rc = get_value(t, v, "report", &p->report);
    if (!rc && (v = scn_map_get(t, r, "profile")))
        rc = get_value(t, v, "profile", &p->profile);
    if (!rc && (v = scn_map_get(t, r, "vars")))
        rc = do_vars(t, v, p);
    return rc;
}

static dfota_err project_new(const char *name, dfota_project **out, char *err, size_t errlen,
                             dfota_project **p)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || !name)
        return DFOTA_E_ARG;
    *out = NULL;
    *p = calloc(1, sizeof **p);
    if (!*p || !((*p)->file = scn_dup_n(name, strlen(name)))) {
        free(*p);
        return scn_fail_at(err, errlen, name, 0, 0, DFOTA_E_NOMEM, "out of memory");
    }
    return DFOTA_OK;
}

static dfota_err project_done(dfota_err rc, dfota_project *p, dfota_project **out)
{
    if (rc)
        dfota_project_free(p);
    else
        *out = p;
    return rc;
}

dfota_err dfota_project_parse(const char *name, const char *text, size_t len,
                              dfota_project **out, char *err, size_t errlen)
{
    dfota_project *p;
    dfota_err rc = project_new(name, out, err, errlen, &p);
    if (rc)
        return rc;
    return project_done(scn_tree_read(name, text, len, err, errlen, read_project, p), p, out);
}

dfota_err dfota_project_load(const char *path, dfota_project **out, char *err, size_t errlen)
{
    dfota_project *p;
    dfota_err rc = project_new(path, out, err, errlen, &p);
    if (rc)
        return rc;
    return project_done(scn_tree_load(path, err, errlen, read_project, p), p, out);
}

void dfota_project_free(dfota_project *p)
{
    if (!p)
        return;
    free(p->file);
    for (size_t i = 0; i < p->n_sources; i++)
        free(p->source[i].value);
    free(p->packages.value);
    free(p->report.value);
    free(p->profile.value);
    for (size_t i = 0; i < p->n_vars; i++) {
        free(p->var_name[i]);
        free(p->var[i].value);
    }
    free(p);
}
