/* SPDX-License-Identifier: MIT */
/* prepare.c - what a scenario needs from the module before it starts, and
 * the preparation step that gives it: a scenario's package variables from
 * the package map, and, when the module runs another firmware than the
 * scenario requires, an upgrade or downgrade with the mapped package,
 * written as a scenario of its own so that it is judged by the same rules. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/scenario.h"
#include "cli.h"

int prepare_vars(const dfota_scenario *sc, const dfota_pkgmap *map, const dfota_varset *user,
                 dfota_varset *out, char *why, size_t cap)
{
    char val[1100], err[DFOTA_ERRBUF], assign[1300];
    dfota_varset_init(out);
    for (size_t i = 0; i < sc->n_vars; i++) {
        const dfota_var *v = &sc->vars[i];
        int given = 0;
        for (size_t k = 0; user && k < user->n; k++)
            given |= strcmp(user->name[k], v->name) == 0;
        if (!v->pkg || given)
            continue;
        if (dfota_pkgmap_value(map, v, val, sizeof val, err, sizeof err) != DFOTA_OK) {
            snprintf(why, cap, "not run: %s", err);
            return -1;
        }
        snprintf(assign, sizeof assign, "%s=%s", v->name, val);
        if (dfota_varset_add(out, assign, err, sizeof err) != DFOTA_OK) {
            snprintf(why, cap, "not run: %s", err);
            return -1;
        }
    }
    /* the run's own variables come last: they win */
    for (size_t k = 0; user && k < user->n; k++) {
        snprintf(assign, sizeof assign, "%s=%s", user->name[k], user->value[k]);
        if (dfota_varset_add(out, assign, err, sizeof err) != DFOTA_OK) {
            snprintf(why, cap, "not run: %s", err);
            return -1;
        }
    }
    return 0;
}

/* text with every ' doubled, for a single-quoted YAML scalar */
static int yaml_quote(char *out, size_t cap, const char *text)
{
    size_t o = 0;
    for (const char *p = text; *p; p++) {
        if (o + 3 > cap)
            return -1;
        if (*p == '\'')
            out[o++] = '\'';
        out[o++] = *p;
    }
    out[o] = '\0';
    return 0;
}

dfota_scenario *prepare_scenario(const dfota_scenario *sc, const dfota_package *p, char *why,
                                 size_t cap)
{
    /* the forms in the order a module is most likely to reach: a server
     * first, then the file it already holds */
    const char *url = p->ftp ? p->ftp : p->http ? p->http : NULL;
    int ftp = p->ftp != NULL, local = url == NULL;
    char arg[1300], q[2700], text[6000], err[DFOTA_ERRBUF];
    snprintf(arg, sizeof arg, "%s%s", local ? "/data/ufs/" : "", local ? p->file : url);
    if (yaml_quote(q, sizeof q, arg) != 0) {
        snprintf(why, cap, "not run: the package from %.60s to %.60s is too long to prepare with",
                 p->from, p->to);
        return NULL;
    }
    const char *dl = local ? ""
                     : ftp ? "  - expect_urc: FTPSTART\n    within: 60s\n"
                             "  - expect_urc: FTPEND\n    code: 0\n    within: 300s\n"
                           : "  - expect_urc: HTTPSTART\n    within: 60s\n"
                             "  - expect_urc: HTTPEND\n    code: 0\n    within: 300s\n";
    int n = snprintf(text, sizeof text,
                     "name: prepare-for-%s\n"
                     "section: \"%s\"\n"
                     "requirement: 'It can upgrade the firmware to a new version, and upgrade "
                     "back to the old version as well.'\n"
                     "tags: [preparation]\n"
                     "vars:\n  PACKAGE: '%s'\n"
                     "steps:\n"
                     "  - send: 'AT+QFOTADL=\"${PACKAGE}\"'\n"
                     "  - expect: OK\n    within: 3s\n"
                     "%s"
                     "  - expect_urc: START\n    within: 300s\n"
                     "  - expect_progress: {to: 100, max_gap: 120s}\n"
                     "  - expect_urc: END\n    code: 0\n    within: 300s\n"
                     /* "the module will reboot and enter into normal mode": the
                      * scenario after it starts once it is back */
                     "  - reboot:\n    within: 60s\n    window: rdy\n",
                     sc->name, local ? "3.3" : ftp ? "3.1" : "3.2", q, dl);
    dfota_scenario *prep = NULL;
    char name[300];
    snprintf(name, sizeof name, "prepare-for-%.250s", sc->name);
    if (n < 0 || (size_t)n >= sizeof text ||
        dfota_scenario_parse(name, text, (size_t)n, &prep, err, sizeof err) != DFOTA_OK) {
        snprintf(why, cap, "not run: cannot write its preparation: %.200s", err);
        return NULL;
    }
    return prep;
}
