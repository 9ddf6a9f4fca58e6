/* SPDX-License-Identifier: MIT */
/* faults.c - an emulator block's faults: the fault kinds a scenario may
 * name and the parser of one fault (parts.h). */
#include <stdint.h>
#include <string.h>

#include "dfota/guide.h"
#include "scenario/parts.h"

static const char *const fault_kinds[] = {
    "download-error", "server-unreachable", "update-fail", "reboot-delay", "reboot-never",
    "garbage", "truncated-urc", "urc-cut-by-reboot", "duplicate-urc", "out-of-order-urc",
    "overlong-line", "stray-bytes", "downloading-urcs", "percent-signs", "blanks",
    "lost-start", "two-part-update", "extra-codes", "accept-invalid", "urc-after-error",
    "end-before-100", "six-retries", "test-error", "double-final", "no-retry",
    "percent-over-100", "skip-download-start", "update-after-dl-fail", "no-port-drop",
    "slow-final-result", "no-end", "http-code", "slow-urc", "slow-rdy", NULL,
};

static dfota_err do_fault_at(const ytree *t, size_t i, int *pct)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "at");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    size_t len = n->len;
    long v = 0;
    if (len > 0 && n->text[len - 1] == '%')
        len--;
    if (!scn_parse_int(n->text, len, 0, &v) || v > 100)
        return scn_nfail(t, i, DFOTA_E_INPUT, "at must be a percentage from 0 to 100, not '%s'",
                     scn_shown(n->text, n->len, b, sizeof b));
    *pct = (int)v;
    return DFOTA_OK;
}

/* A fault's stage, kept as the static name. */
static dfota_err do_fault_stage(const ytree *t, size_t i, const char **stage)
{
    size_t s;
    dfota_err rc = scn_stage_of(t, i, "stage", &s);
    if (!rc)
        *stage = scn_guide_stages[s].name;
    return rc;
}

dfota_err scn_do_fault(const ytree *t, size_t i, dfota_fault *f)
{
    static const char *const keys[] = {"kind", "code", "at", "times", "delay", "stage", NULL};
    char b[SHOWN_MAX];
    size_t v;
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "a fault");
    if (!rc)
        rc = scn_check_keys(t, i, keys, " in a fault");
    if (!rc)
        rc = scn_require(t, i, "kind", "a fault");
    if (rc)
        return rc;
    f->line = t->v[i].line;
    f->column = t->v[i].col;
    f->at_percent = -1;
    v = scn_map_get(t, i, "kind");
    rc = scn_want_text(t, v, "kind");
    int known = 0;
    for (size_t k = 0; !rc && fault_kinds[k]; k++)
        known |= strcmp(scn_node(t, v)->text, fault_kinds[k]) == 0;
    if (!rc && !known) {
        char list[400];
        scn_join(fault_kinds, list, sizeof list);
        return scn_nfail(t, v, DFOTA_E_INPUT, "unknown fault kind '%s': use %s",
                     scn_shown(scn_node(t, v)->text, scn_node(t, v)->len, b, sizeof b), list);
    }
    if (!rc)
        rc = scn_get_string(t, v, "kind", &f->kind);
    if (!rc && (v = scn_map_get(t, i, "code")))
        rc = scn_get_int(t, v, "code", -999999999L, 999999999L, &f->code);
    if (!rc && (v = scn_map_get(t, i, "at")))
        rc = do_fault_at(t, v, &f->at_percent);
    if (!rc && (v = scn_map_get(t, i, "times")))
        rc = scn_get_int(t, v, "times", 1, 999999999L, &f->times);
    if (!rc && (v = scn_map_get(t, i, "delay")))
        rc = scn_get_duration(t, v, "delay", 1, &f->delay_ns);
    if (!rc && (v = scn_map_get(t, i, "stage")))
        rc = do_fault_stage(t, v, &f->stage);
    return rc;
}
