/* SPDX-License-Identifier: MIT */
/* parts.c - the scenario's parts (parts.h): name, section, tags, sources,
 * requires, vars, the emulator block; and the top level, read in the
 * order of the format. */
#include <stdint.h>
#include <string.h>

#include "scenario/parts.h"

#define FREE_SPACE_MAX (1LL << 40)

/* ---- the scenario's parts ----------------------------------------------- */

static const char *const source_names[] = {"transcript", "emulator", "serial", NULL};

static dfota_err do_name(const ytree *t, size_t i, const char *want, char **dst)
{
    char b[SHOWN_MAX], w[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "name");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    if (!scn_is_scenario_name(n->text, n->len))
        return scn_nfail(t, i, DFOTA_E_INPUT, "bad name '%s': use [a-z0-9][a-z0-9.-]*",
                     scn_shown(n->text, n->len, b, sizeof b));
    if (want && strcmp(want, n->text) != 0)
        return scn_nfail(t, i, DFOTA_E_INPUT, "name '%s' is not the file's name '%s'",
                     scn_shown(n->text, n->len, b, sizeof b), scn_shown(want, strlen(want), w, sizeof w));
    return scn_get_string(t, i, "name", dst);
}

static dfota_err do_section(const ytree *t, size_t i, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "section");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    if (!scn_is_section(n->text, n->len))
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "section '%s' is not a section of the guide such as 3 or 3.1",
                     scn_shown(n->text, n->len, b, sizeof b));
    return scn_get_string(t, i, "section", dst);
}

/* After an item of a list failed with rc: keeps the first error in *first;
 * 1 when the reading goes on to the next item. */
static int next_item(const ytree *t, dfota_err rc, dfota_err *first)
{
    if (!*first)
        *first = rc;
    return scn_go_on(t, rc);
}

static dfota_err do_tags(const ytree *t, size_t i, dfota_scenario *sc)
{
    char b[SHOWN_MAX];
    dfota_err first = scn_want_kind(t, i, Y_SEQ, "tags");
    for (size_t e = first ? 0 : scn_node(t, i)->first; e; e = t->v[e].next) {
        if (sc->n_tags == DFOTA_SCENARIO_TAGS_MAX)
            return scn_nfail(t, e, DFOTA_E_TOO_BIG, "more than %d tags", DFOTA_SCENARIO_TAGS_MAX);
        dfota_err rc = scn_want_text(t, e, "a tag");
        if (!rc && !scn_is_word(scn_node(t, e)->text, scn_node(t, e)->len))
            rc = scn_nfail(t, e, DFOTA_E_INPUT, "bad tag '%s': use [a-z0-9-]+",
                           scn_shown(scn_node(t, e)->text, scn_node(t, e)->len, b, sizeof b));
        if (!rc)
            rc = scn_get_string(t, e, "a tag", &sc->tags[sc->n_tags++]);
        if (rc && !next_item(t, rc, &first))
            return first;
    }
    return first;
}

static dfota_err do_sources(const ytree *t, size_t i, unsigned *sources)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_kind(t, i, Y_SEQ, "sources");
    if (!rc && !scn_node(t, i)->first)
        return scn_nfail(t, i, DFOTA_E_INPUT, "sources is empty: name transcript, emulator or serial");
    *sources = 0;
    for (size_t e = scn_node(t, i)->first; !rc && e; e = t->v[e].next) {
        rc = scn_want_text(t, e, "a source");
        unsigned bit = 0;
        for (unsigned s = 0; !rc && source_names[s]; s++)
            if (strcmp(scn_node(t, e)->text, source_names[s]) == 0)
                bit = 1u << s;
        if (!rc && !bit)
            return scn_nfail(t, e, DFOTA_E_INPUT, "unknown source '%s': use transcript, emulator or serial",
                         scn_shown(scn_node(t, e)->text, scn_node(t, e)->len, b, sizeof b));
        *sources |= bit;
    }
    return rc;
}

/* A firmware version: printable, no blank, at most DFOTA_FIRMWARE_MAX. */
dfota_err scn_do_firmware(const ytree *t, size_t i, const char *what, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    int ok = n->len > 0 && n->len <= DFOTA_FIRMWARE_MAX;
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] > ' ' && n->text[k] < 0x7f && n->text[k] != '"';
    if (!ok)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "bad %s '%s': a firmware version is 1 to %d printable bytes, no blank or quote",
                     what, scn_shown(n->text, n->len, b, sizeof b), DFOTA_FIRMWARE_MAX);
    return scn_get_string(t, i, what, dst);
}

/* A package variable: {ftp|http|file: [FROM, TO]}. */
static dfota_err do_package_var(const ytree *t, size_t i, dfota_var *var)
{
    static const char *const forms[] = {"ftp", "http", "file", NULL};
    dfota_err rc = scn_check_keys(t, i, forms, " in a package variable");
    if (!rc && scn_node(t, i)->count != 2)
        rc = scn_nfail(t, i, DFOTA_E_INPUT,
                   "a package variable is one of ftp, http or file: [FROM, TO]");
    if (rc)
        return rc;
    size_t k = scn_node(t, i)->first, v = t->v[k].next;
    const char *form = scn_node(t, k)->text;
    var->pkg = strcmp(form, "ftp") == 0 ? DFOTA_PKG_FTP
               : strcmp(form, "http") == 0 ? DFOTA_PKG_HTTP
                                           : DFOTA_PKG_FILE;
    rc = scn_want_kind(t, v, Y_SEQ, "a package");
    if (!rc && scn_node(t, v)->count != 2)
        rc = scn_nfail(t, v, DFOTA_E_INPUT, "a package is [FROM, TO]: two firmware versions");
    if (rc)
        return rc;
    size_t from = scn_node(t, v)->first, to = t->v[from].next;
    rc = scn_do_firmware(t, from, "from", &var->pkg_from);
    if (!rc)
        rc = scn_do_firmware(t, to, "to", &var->pkg_to);
    if (!rc && strcmp(var->pkg_from, var->pkg_to) == 0)
        rc = scn_nfail(t, to, DFOTA_E_INPUT, "a package goes from one version to another");
    return rc;
}

static dfota_err do_requires(const ytree *t, size_t i, dfota_scenario *sc)
{
    static const char *const keys[] = {"firmware", NULL};
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "requires");
    size_t v;
    if (!rc)
        rc = scn_check_keys(t, i, keys, " in requires");
    if (!rc && (v = scn_map_get(t, i, "firmware")))
        rc = scn_do_firmware(t, v, "firmware", &sc->requires_firmware);
    return rc;
}

static dfota_err do_vars(const ytree *t, size_t i, dfota_scenario *sc)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "vars");
    if (!rc)
        rc = scn_too_many(t, i, DFOTA_SCENARIO_VARS_MAX, "vars");
    if (!rc)
        rc = scn_check_keys(t, i, NULL, "");
    if (rc)
        return rc;
    dfota_err first = DFOTA_OK;
    for (size_t k = scn_node(t, i)->first; k; k = t->v[t->v[k].next].next) {
        const ynode *key = scn_node(t, k);
        size_t v = t->v[k].next;
        dfota_var *var = &sc->vars[sc->n_vars];
        if (!scn_is_var_name(key->text, key->len)) {
            rc = scn_nfail(t, k, DFOTA_E_INPUT, "bad variable name '%s': use [A-Z_][A-Z0-9_]*",
                           scn_shown(key->text, key->len, b, sizeof b));
            if (!next_item(t, rc, &first))
                return first;
            rc = DFOTA_OK;
            continue;
        }
        /* declared even when its value is wrong, so that the steps that
         * use it are not blamed too (dfota lint) */
        var->line = t->v[k].line;
        var->column = t->v[k].col;
        rc = scn_get_string(t, k, "a variable", &var->name);
        sc->n_vars++;
        if (!rc && scn_node(t, v)->kind != Y_SCALAR && scn_node(t, v)->kind != Y_MAP)
            rc = scn_nfail(t, v, DFOTA_E_INPUT,
                           "the value of %s must be text, ~ or a package {ftp|http|file: [FROM, "
                           "TO]}, not %s",
                           key->text, scn_kind_text(scn_node(t, v)));
        else if (!rc && scn_node(t, v)->kind == Y_MAP)
            rc = do_package_var(t, v, var);
        else if (!rc && !scn_is_null(scn_node(t, v)))
            rc = scn_get_string(t, v, key->text, &var->value);
        if (rc && !next_item(t, rc, &first))
            return first;
        rc = DFOTA_OK;
    }
    return first;
}

/* free_space: bytes, or with a suffix that counts in 1024s: K, KB, KiB
 * (1024), M, MB, MiB, G, GB, GiB; B alone is bytes. KB and KiB are the
 * same here on purpose: people write both for a flash size, and a
 * scenario should not mean something else for the letter it chose. */
static dfota_err do_free_space(const ytree *t, size_t i, int64_t *bytes)
{
    static const struct {
        const char *suffix;
        int shift;
    } units[] = {{"", 0}, {"B", 0}, {"K", 10}, {"KB", 10}, {"KiB", 10}, {"M", 20},
                 {"MB", 20}, {"MiB", 20}, {"G", 30}, {"GB", 30}, {"GiB", 30}};
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "free_space");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    size_t d = 0;
    while (d < n->len && is_digit(n->text[d]))
        d++;
    long v = 0;
    int unit = -1;
    for (int u = 0; d > 0 && u < (int)(sizeof units / sizeof units[0]); u++)
        if (strcmp(n->text + d, units[u].suffix) == 0)
            unit = u;
    if (unit < 0 || !scn_parse_int(n->text, d, 0, &v) || v == 0 ||
        (int64_t)v > FREE_SPACE_MAX >> units[unit].shift)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "free_space '%s' must be bytes from 1 to 1TiB, as 500000 or 64MiB",
                     scn_shown(n->text, n->len, b, sizeof b));
    *bytes = (int64_t)v << units[unit].shift;
    return DFOTA_OK;
}

static dfota_err do_word(const ytree *t, size_t i, const char *what, const char *const *only,
                         char **dst)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    int ok = only ? 0 : scn_is_word(n->text, n->len);
    for (size_t k = 0; only && only[k]; k++)
        ok |= strcmp(n->text, only[k]) == 0;
    if (!ok) {
        if (only)
            scn_join(only, list, sizeof list);
        return scn_nfail(t, i, DFOTA_E_INPUT, "bad %s '%s': use %s", what,
                     scn_shown(n->text, n->len, b, sizeof b), only ? list : "[a-z0-9-]+");
    }
    return scn_get_string(t, i, what, dst);
}

static dfota_err do_emulator(const ytree *t, size_t i, dfota_emulator_spec *em)
{
    static const char *const keys[] = {"firmware", "target", "profile", "port",
                                       "free_space", "faults", NULL};
    static const char *const ports[] = {"usb", "uart", NULL};
    const size_t faults_max = sizeof em->faults / sizeof em->faults[0];
    size_t v = 0, faults = 0;
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "emulator");
    if (!rc)
        rc = scn_check_keys(t, i, keys, " in emulator");
    em->present = 1;
    if (!rc && (v = scn_map_get(t, i, "firmware")))
        rc = scn_get_string(t, v, "firmware", &em->firmware);
    if (!rc && (v = scn_map_get(t, i, "target")))
        rc = scn_get_string(t, v, "target", &em->target);
    if (!rc && (v = scn_map_get(t, i, "profile")))
        rc = do_word(t, v, "profile", NULL, &em->profile);
    if (!rc && (v = scn_map_get(t, i, "port")))
        rc = do_word(t, v, "port", ports, &em->port);
    if (!rc && (v = scn_map_get(t, i, "free_space")))
        rc = do_free_space(t, v, &em->free_space);
    if (!rc && (faults = scn_map_get(t, i, "faults")))
        rc = scn_want_kind(t, faults, Y_SEQ, "faults");
    dfota_err first = rc;
    for (size_t e = faults && !rc ? scn_node(t, faults)->first : 0; e; e = t->v[e].next) {
        if (em->n_faults == faults_max)
            return scn_nfail(t, e, DFOTA_E_TOO_BIG, "more than %zu faults", faults_max);
        rc = scn_do_fault(t, e, &em->faults[em->n_faults++]);
        if (rc && !next_item(t, rc, &first))
            return first;
    }
    return first;
}

dfota_err scn_validate(const ytree *t, dfota_scenario *sc, const char *want_name)
{
    static const char *const keys[] = {"name",     "section", "requirement", "tags", "sources",
                                       "requires", "vars",    "emulator",    "steps", NULL};
    size_t r = t->root, v;
    if (!r)
        return scn_fail_at(t->err, t->errlen, t->file, 1, 1, DFOTA_E_INPUT,
                       "empty: a scenario is a mapping with name, section and steps");
    if (scn_node(t, r)->kind != Y_MAP)
        return scn_nfail(t, r, DFOTA_E_INPUT,
                     "a scenario is a mapping with name, section and steps, not %s",
                     scn_kind_text(scn_node(t, r)));
    /* Each part is judged apart: when every error is wanted (dfota lint)
     * the reading goes on past a part that failed; the first error is
     * the one returned. */
    dfota_err rc = DFOTA_OK, part;
#define PART(call)                                                                   \
    do {                                                                             \
        if ((part = (call)) != DFOTA_OK) {                                           \
            if (!rc)                                                                 \
                rc = part;                                                           \
            if (!scn_go_on(t, part))                                                 \
                return rc;                                                           \
        }                                                                            \
    } while (0)
    PART(scn_check_keys(t, r, keys, ""));
    PART(scn_require(t, r, "name", "the scenario"));
    PART(scn_require(t, r, "section", "the scenario"));
    PART(scn_require(t, r, "steps", "the scenario"));
    if ((v = scn_map_get(t, r, "name")))
        PART(do_name(t, v, want_name, &sc->name));
    if ((v = scn_map_get(t, r, "section")))
        PART(do_section(t, v, &sc->section));
    if ((v = scn_map_get(t, r, "requirement")))
        PART(scn_get_string(t, v, "requirement", &sc->requirement));
    if ((v = scn_map_get(t, r, "tags")))
        PART(do_tags(t, v, sc));
    sc->sources = DFOTA_SRC_ALL;
    if ((v = scn_map_get(t, r, "sources")))
        PART(do_sources(t, v, &sc->sources));
    if ((v = scn_map_get(t, r, "requires")))
        PART(do_requires(t, v, sc));
    if ((v = scn_map_get(t, r, "vars")))
        PART(do_vars(t, v, sc));
    if ((v = scn_map_get(t, r, "emulator")))
        PART(do_emulator(t, v, &sc->emulator));
    if ((v = scn_map_get(t, r, "steps")))
        PART(scn_do_steps(t, v, sc));
#undef PART
    return rc;
}
