/* SPDX-License-Identifier: MIT */
/* faults.c - an emulator block's faults: the fault kinds a scenario may
 * name (the guide room's fault table) and the parser of one fault
 * (parts.h). */
#include <stdint.h>
#include <string.h>

#include "dfota/guide.h"
#include "scenario/parts.h"

/* A fault's code, at or times, read by the fault table (dfota/guide.h). */
static dfota_err do_fault_number(const ytree *t, size_t i, const char *what,
                                 dfota_fault_param p, long *v)
{
    char b[SHOWN_MAX], why[160];
    dfota_fault_value fv;
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    const ynode *n = scn_node(t, i);
    if (dfota_fault_value_parse(p, n->text, n->len, &fv, why, sizeof why) != DFOTA_OK)
        return scn_nfail(t, i, DFOTA_E_INPUT, "%s, not '%s'", why,
                         scn_shown(n->text, n->len, b, sizeof b));
    *v = fv.number;
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
    long at = -1;
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
    if (!rc && !dfota_fault_kind_find(scn_node(t, v)->text, scn_node(t, v)->len)) {
        char list[600];
        dfota_fault_kind_list(list, sizeof list);
        return scn_nfail(t, v, DFOTA_E_INPUT, "unknown fault kind '%s': use %s",
                     scn_shown(scn_node(t, v)->text, scn_node(t, v)->len, b, sizeof b), list);
    }
    if (!rc)
        rc = scn_get_string(t, v, "kind", &f->kind);
    if (!rc && (v = scn_map_get(t, i, "code")))
        rc = do_fault_number(t, v, "code", DFOTA_FAULT_CODE, &f->code);
    if (!rc && (v = scn_map_get(t, i, "at")) &&
        !(rc = do_fault_number(t, v, "at", DFOTA_FAULT_AT, &at)))
        f->at_percent = (int)at;
    if (!rc && (v = scn_map_get(t, i, "times")))
        rc = do_fault_number(t, v, "times", DFOTA_FAULT_TIMES, &f->times);
    if (!rc && (v = scn_map_get(t, i, "delay")))
        rc = scn_get_duration(t, v, "delay", 1, &f->delay_ns);
    if (!rc && (v = scn_map_get(t, i, "stage")))
        rc = do_fault_stage(t, v, &f->stage);
    return rc;
}
