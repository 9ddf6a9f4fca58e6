/* SPDX-License-Identifier: MIT */
/* pkgmap.c - firmware versions and the package map (dfota/scenario.h):
 * which delta package goes from one firmware to another, by FTP, HTTP or
 * a file in the module's UFS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/guide.h"
#include "dfota/scenario.h"
#include "scenario/parts.h"
#include "base/text.h"

/* ---- firmware versions and the package map -------------------------------- */

int dfota_firmware_matches(const char *running, const char *want)
{
    if (!running || !want || !*want)
        return 0;
    size_t n = strlen(want);
    return strncmp(running, want, n) == 0 && (running[n] == '\0' || running[n] == '_');
}

#define PKG_FILE_MAX (DFOTA_LOCAL_NAME_MAX - 10) /* after "/data/ufs/" */

/* A URL of the map: text starting with one of the schemes (any case), no
 * blank, quote or control byte. */
static dfota_err do_map_url(const ytree *t, size_t i, const char *what, const char *const *schemes,
                            char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    int ok = 0;
    for (size_t k = 0; schemes[k]; k++)
        ok |= n->len > strlen(schemes[k]) && text_starts_ci(n->text, n->len, schemes[k]);
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] > ' ' && n->text[k] < 0x7f && n->text[k] != '"';
    if (!ok || n->len > 1000)
        return scn_nfail(t, i, DFOTA_E_INPUT, "bad %s URL '%s': it starts with %s, with no blank or quote",
                     what, scn_shown(n->text, n->len, b, sizeof b), schemes[0]);
    return scn_get_string(t, i, what, dst);
}

static dfota_err do_map_file(const ytree *t, size_t i, char **dst)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "file");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    int ok = n->len > 0 && n->len <= PKG_FILE_MAX && strcmp(n->text, ".") && strcmp(n->text, "..");
    for (size_t k = 0; ok && k < n->len; k++)
        ok = n->text[k] >= ' ' && n->text[k] < 0x7f && n->text[k] != '"' && n->text[k] != '/';
    if (!ok)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "bad file '%s': a name in /data/ufs/ of 1 to %d bytes, no '/', quote or "
                     "control byte",
                     scn_shown(n->text, n->len, b, sizeof b), PKG_FILE_MAX);
    return scn_get_string(t, i, "file", dst);
}

static dfota_err do_map_entry(const ytree *t, size_t e, dfota_pkgmap *m)
{
    static const char *const keys[] = {"from", "to", "ftp", "http", "file", NULL};
    static const char *const ftp[] = {"ftp://", NULL};
    static const char *const http[] = {"http://", "https://", NULL};
    dfota_package *p = &m->pkgs[m->n++];
    size_t v;
    p->line = t->v[e].line;
    p->column = t->v[e].col;
    dfota_err rc = scn_want_kind(t, e, Y_MAP, "a package");
    if (!rc)
        rc = scn_check_keys(t, e, keys, " in a package");
    if (!rc)
        rc = scn_require(t, e, "from", "a package");
    if (!rc)
        rc = scn_require(t, e, "to", "a package");
    if (!rc)
        rc = scn_do_firmware(t, scn_map_get(t, e, "from"), "from", &p->from);
    if (!rc)
        rc = scn_do_firmware(t, scn_map_get(t, e, "to"), "to", &p->to);
    if (!rc && strcmp(p->from, p->to) == 0)
        rc = scn_nfail(t, scn_map_get(t, e, "to"), DFOTA_E_INPUT, "a package goes from one version to another");
    if (!rc && (v = scn_map_get(t, e, "ftp")))
        rc = do_map_url(t, v, "ftp", ftp, &p->ftp);
    if (!rc && (v = scn_map_get(t, e, "http")))
        rc = do_map_url(t, v, "http", http, &p->http);
    if (!rc && (v = scn_map_get(t, e, "file")))
        rc = do_map_file(t, v, &p->file);
    if (!rc && !p->ftp && !p->http && !p->file)
        rc = scn_nfail(t, e, DFOTA_E_INPUT, "a package gives at least one of ftp, http and file");
    for (size_t k = 0; !rc && k + 1 < m->n; k++)
        if (strcmp(m->pkgs[k].from, p->from) == 0 && strcmp(m->pkgs[k].to, p->to) == 0)
            rc = scn_nfail(t, e, DFOTA_E_INPUT, "a second package from %s to %s (first at %lu:%lu)",
                       p->from, p->to, m->pkgs[k].line, m->pkgs[k].column);
    return rc;
}

static dfota_err map_validate(const ytree *t, dfota_pkgmap *m)
{
    static const char *const keys[] = {"packages", NULL};
    size_t r = t->root, seq;
    if (!r || scn_node(t, r)->kind != Y_MAP)
        return r ? scn_nfail(t, r, DFOTA_E_INPUT, "a package map is a mapping with packages: [...]")
                 : scn_fail_at(t->err, t->errlen, t->file, 1, 1, DFOTA_E_INPUT,
                           "empty: a package map is a mapping with packages: [...]");
    dfota_err rc = scn_check_keys(t, r, keys, "");
    if (!rc)
        rc = scn_require(t, r, "packages", "the package map");
    if (!rc)
        rc = scn_want_kind(t, (seq = scn_map_get(t, r, "packages")), Y_SEQ, "packages");
    for (size_t e = rc ? 0 : scn_node(t, seq)->first; !rc && e; e = t->v[e].next) {
        if (m->n == DFOTA_PKGMAP_MAX)
            return scn_nfail(t, e, DFOTA_E_TOO_BIG, "more than %d packages", DFOTA_PKGMAP_MAX);
        rc = do_map_entry(t, e, m);
    }
    return rc;
}

/* The package map of the tree in a new model, *(dfota_pkgmap **)arg on
 * success (tree_read's read). */
static dfota_err read_map(const ytree *t, void *arg)
{
    dfota_pkgmap *m = calloc(1, sizeof *m);
    dfota_err rc = m && (m->file = scn_dup_n(t->file, strlen(t->file))) ? map_validate(t, m) : scn_nomem(t);
    if (rc)
        dfota_pkgmap_free(m);
    else
        *(dfota_pkgmap **)arg = m;
    return rc;
}

dfota_err dfota_pkgmap_parse(const char *name, const char *text, size_t len, dfota_pkgmap **out,
                             char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return DFOTA_E_ARG;
    *out = NULL;
    return scn_tree_read(name, text, len, err, errlen, read_map, out);
}

dfota_err dfota_pkgmap_load(const char *path, dfota_pkgmap **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || !path)
        return DFOTA_E_ARG;
    *out = NULL;
    return scn_tree_load(path, err, errlen, read_map, out);
}

void dfota_pkgmap_free(dfota_pkgmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->pkgs[i].from);
        free(m->pkgs[i].to);
        free(m->pkgs[i].ftp);
        free(m->pkgs[i].http);
        free(m->pkgs[i].file);
    }
    free(m->file);
    free(m);
}

const dfota_package *dfota_pkgmap_find(const dfota_pkgmap *m, const char *from, const char *to)
{
    for (size_t i = 0; m && from && to && i < m->n; i++)
        if (dfota_firmware_matches(from, m->pkgs[i].from) && strcmp(m->pkgs[i].to, to) == 0)
            return &m->pkgs[i];
    return NULL;
}

dfota_err dfota_pkgmap_value(const dfota_pkgmap *m, const dfota_var *v, char *out, size_t cap,
                             char *err, size_t errlen)
{
    static const char *const form_names[] = {"", "ftp", "http", "file"};
    if (!v || !v->pkg || !out || cap == 0)
        return DFOTA_E_ARG;
    out[0] = '\0';
    const dfota_package *p = dfota_pkgmap_find(m, v->pkg_from, v->pkg_to);
    const char *val = !p ? NULL : v->pkg == DFOTA_PKG_FTP ? p->ftp
                              : v->pkg == DFOTA_PKG_HTTP ? p->http
                                                         : p->file;
    if (!m)
        return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                          "${%s} is the package from %s to %s: give a package map that has it "
                          "(--packages FILE)",
                          v->name, v->pkg_from, v->pkg_to);
    if (!val)
        return scn_fail_plain(err, errlen, DFOTA_E_INPUT,
                          "the package map %s has no %s package from %s to %s (for ${%s})",
                          m->file, form_names[v->pkg], v->pkg_from, v->pkg_to, v->name);
    int n = snprintf(out, cap, "%s%s", v->pkg == DFOTA_PKG_FILE ? "/data/ufs/" : "", val);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return scn_fail_plain(err, errlen, DFOTA_E_TOO_BIG, "the package of ${%s} is too long", v->name);
    }
    return DFOTA_OK;
}
