/* SPDX-License-Identifier: MIT */
/* vars.c - variables (dfota/scenario.h): the varset that --var and a vars
 * file fill, and ${NAME} expanded with it and the scenario's defaults. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/scenario.h"
#include "scenario/tree.h"

#define VARSET_MAX (DFOTA_SCENARIO_VARS_MAX * 2)

/* ---- variables -------------------------------------------------------------- */

void dfota_varset_init(dfota_varset *vs)
{
    memset(vs, 0, sizeof *vs);
}

void dfota_varset_free(dfota_varset *vs)
{
    if (!vs)
        return;
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->name[i]);
        free(vs->value[i]);
    }
    vs->n = 0;
}

static size_t varset_find(const dfota_varset *vs, const char *name, size_t len)
{
    for (size_t i = vs->n; i-- > 0;)
        if (strlen(vs->name[i]) == len && memcmp(vs->name[i], name, len) == 0)
            return i;
    return SIZE_MAX;
}

/* Sets name to value; a name set before keeps its slot, so repeating one
 * never fills the set. The caller has checked the name, lengths and room. */
static dfota_err varset_set(dfota_varset *vs, const char *name, size_t nlen, const char *value,
                            size_t vlen)
{
    size_t i = varset_find(vs, name, nlen);
    char *v = scn_dup_n(value, vlen), *nm = NULL;
    if (!v)
        goto fail;
    if (i != SIZE_MAX) {
        free(vs->value[i]);
        vs->value[i] = v;
        return DFOTA_OK;
    }
    nm = scn_dup_n(name, nlen);
    if (!nm)
        goto fail;
    vs->name[vs->n] = nm;
    vs->value[vs->n++] = v;
    return DFOTA_OK;
fail:
    free(v);
    free(nm);
    return DFOTA_E_NOMEM;
}

static int varset_full(const dfota_varset *vs, const char *name, size_t len)
{
    return vs->n == VARSET_MAX && varset_find(vs, name, len) == SIZE_MAX;
}

dfota_err dfota_varset_add(dfota_varset *vs, const char *assignment, char *err, size_t errlen)
{
    char b[SHOWN_MAX];
    if (err && errlen)
        err[0] = '\0';
    if (!vs || !assignment)
        return DFOTA_E_ARG;
    size_t len = strlen(assignment);
    const char *eq = memchr(assignment, '=', len);
    size_t nlen = eq ? (size_t)(eq - assignment) : len;
    if (!eq || !scn_is_var_name(assignment, nlen))
        return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                          "'%s' is not NAME=VALUE with a NAME of [A-Z_][A-Z0-9_]*",
                          scn_shown(assignment, len, b, sizeof b));
    if (nlen > DFOTA_SCENARIO_TEXT_MAX || len - nlen - 1 > DFOTA_SCENARIO_TEXT_MAX)
        return scn_fail_plain(err, errlen, DFOTA_E_TOO_BIG, "%s: longer than %d bytes",
                          scn_shown(assignment, nlen, b, sizeof b), DFOTA_SCENARIO_TEXT_MAX);
    if (varset_full(vs, assignment, nlen))
        return scn_fail_plain(err, errlen, DFOTA_E_TOO_BIG, "more than %d variables", VARSET_MAX);
    dfota_err rc = varset_set(vs, assignment, nlen, eq + 1, len - nlen - 1);
    if (rc)
        return scn_fail_plain(err, errlen, rc, "out of memory");
    return DFOTA_OK;
}

/* Checks every NAME: VALUE of a vars file's mapping m, and that the set
 * has room, before anything is added: a bad file changes nothing. */
static dfota_err vars_file_check(const ytree *t, size_t m, const dfota_varset *vs)
{
    char b[SHOWN_MAX];
    size_t added = 0;
    dfota_err rc = scn_too_many(t, m, VARSET_MAX, "variables");
    if (!rc)
        rc = scn_check_keys(t, m, NULL, "");
    for (size_t k = scn_node(t, m)->first; !rc && k; k = t->v[t->v[k].next].next) {
        const ynode *key = scn_node(t, k);
        size_t v = t->v[k].next;
        if (!scn_is_var_name(key->text, key->len))
            return scn_nfail(t, k, DFOTA_E_INPUT, "bad variable name '%s': use [A-Z_][A-Z0-9_]*",
                         scn_shown(key->text, key->len, b, sizeof b));
        rc = scn_want_text(t, v, key->text);
        added += varset_find(vs, key->text, key->len) == SIZE_MAX;
        if (!rc && vs->n + added > VARSET_MAX)
            return scn_nfail(t, k, DFOTA_E_TOO_BIG, "more than %d variables", VARSET_MAX);
    }
    return rc;
}

/* A vars file's NAME: VALUE pairs into the varset arg (tree_read's read);
 * an empty file sets nothing. */
static dfota_err read_vars(const ytree *t, void *arg)
{
    dfota_varset *vs = arg;
    if (!t->root)
        return DFOTA_OK;
    dfota_err rc = scn_want_kind(t, t->root, Y_MAP, "a vars file");
    if (!rc)
        rc = vars_file_check(t, t->root, vs);
    for (size_t k = scn_node(t, t->root)->first; !rc && k; k = t->v[t->v[k].next].next) {
        const ynode *key = scn_node(t, k), *val = scn_node(t, t->v[k].next);
        rc = varset_set(vs, key->text, key->len, val->text, val->len);
        if (rc)
            scn_nomem(t);
    }
    return rc;
}

dfota_err dfota_varset_load(dfota_varset *vs, const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!vs || !path)
        return DFOTA_E_ARG;
    return scn_tree_load(path, err, errlen, read_vars, vs);
}

/* The value of ${name}: the varset's, else the scenario's default. */
static dfota_err lookup(const dfota_scenario *sc, const dfota_varset *vs, const char *name,
                        size_t len, const char **value, char *err, size_t errlen)
{
    char b[SHOWN_MAX];
    size_t i = vs ? varset_find(vs, name, len) : SIZE_MAX;
    if (i != SIZE_MAX) {
        *value = vs->value[i];
        return DFOTA_OK;
    }
    for (size_t k = 0; sc && k < sc->n_vars; k++) {
        if (strlen(sc->vars[k].name) != len || memcmp(sc->vars[k].name, name, len) != 0)
            continue;
        if (!sc->vars[k].value && sc->vars[k].pkg)
            return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                              "${%s} is the package from %s to %s: give a package map that has "
                              "it (--packages FILE)",
                              sc->vars[k].name, sc->vars[k].pkg_from, sc->vars[k].pkg_to);
        if (!sc->vars[k].value)
            return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                              "variable ${%s} has no value: give it with --var %s=VALUE",
                              sc->vars[k].name, sc->vars[k].name);
        *value = sc->vars[k].value;
        return DFOTA_OK;
    }
    scn_shown(name, len, b, sizeof b);
    return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                      "undefined variable ${%s}: declare it under vars", b);
}

static dfota_err append(char *out, size_t cap, size_t *o, const char *s, size_t n, char *err,
                        size_t errlen)
{
    if (n >= cap - *o)
        return scn_fail_plain(err, errlen, DFOTA_E_TOO_BIG,
                          "the line is longer than %zu bytes once its variables are expanded",
                          cap - 1);
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = '\0';
    return DFOTA_OK;
}

dfota_err dfota_scenario_expand(const dfota_scenario *sc, const dfota_varset *vs,
                                const char *text, char *out, size_t cap, char *err,
                                size_t errlen)
{
    char b[SHOWN_MAX];
    size_t n, pos = 0, done = 0, o = 0, start = 0, at = 0, len = 0;
    int r = 0;
    dfota_err rc = DFOTA_OK;
    if (err && errlen)
        err[0] = '\0';
    if (!text || !out || !cap)
        return DFOTA_E_ARG;
    out[0] = '\0';
    n = strlen(text);
    while (!rc && (r = scn_next_ref(text, n, &pos, &start, &at, &len)) == 1) {
        const char *value = NULL;
        rc = append(out, cap, &o, text + done, start - done, err, errlen);
        if (!rc)
            rc = lookup(sc, vs, text + at, len, &value, err, errlen);
        if (!rc && (strchr(value, '\r') || strchr(value, '\n')))
            rc = scn_fail_plain(err, errlen, DFOTA_E_INPUT, "the value of ${%s} holds a line break",
                            scn_shown(text + at, len, b, sizeof b));
        if (!rc)
            rc = append(out, cap, &o, value, strlen(value), err, errlen);
        done = pos;
    }
    if (!rc && r == -1)
        rc = scn_fail_plain(err, errlen, DFOTA_E_INPUT, "'${' is never closed: write ${NAME}");
    if (!rc && r == -2)
        rc = scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                        "bad variable '${%s}': a NAME is [A-Z_][A-Z0-9_]*",
                        scn_shown(text + at, len, b, sizeof b));
    if (!rc)
        rc = append(out, cap, &o, text + done, n - done, err, errlen);
    if (rc)
        out[0] = '\0';
    return rc;
}
