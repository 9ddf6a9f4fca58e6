/* SPDX-License-Identifier: MIT */
/* steps.c - a scenario's steps (parts.h): the kinds of step, the guide's
 * URC stages they name, and the windows, codes and outcomes they take. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfota/guide.h"
#include "scenario/parts.h"

/* ---- steps ---------------------------------------------------------------- */

static const char *const step_kinds[] = {
    "send", "expect", "expect_urc", "expect_progress", "reboot", "expect_silence", NULL,
};

const guide_stage scn_guide_stages[] = {
    {"FTPSTART", DFOTA_STAGE_FTPSTART, DFOTA_WIN_DOWNLOAD_START},
    {"FTPEND", DFOTA_STAGE_FTPEND, DFOTA_WIN_DOWNLOAD},
    {"HTTPSTART", DFOTA_STAGE_HTTPSTART, DFOTA_WIN_DOWNLOAD_START},
    {"HTTPEND", DFOTA_STAGE_HTTPEND, DFOTA_WIN_DOWNLOAD},
    {"START", DFOTA_STAGE_START, DFOTA_WIN_START},
    {"UPDATING", DFOTA_STAGE_UPDATING, DFOTA_WIN_PROGRESS_GAP},
    {"END", DFOTA_STAGE_END, DFOTA_WIN_END},
};

/* The guide's URC stage a node names: its index in guide_stages, or an
 * error naming the stages there are. */
dfota_err scn_stage_of(const ytree *t, size_t i, const char *what, size_t *index)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, what);
    if (rc)
        return rc;
    for (size_t s = 0; s < sizeof scn_guide_stages / sizeof scn_guide_stages[0]; s++) {
        if (scn_text_is(scn_node(t, i), scn_guide_stages[s].name)) {
            *index = s;
            return DFOTA_OK;
        }
    }
    return scn_nfail(t, i, DFOTA_E_INPUT,
                 "unknown stage '%s': use one of FTPSTART FTPEND HTTPSTART HTTPEND START "
                 "UPDATING END",
                 scn_shown(scn_node(t, i)->text, scn_node(t, i)->len, b, sizeof b));
}

/* Where a step's window comes from while it is read: the nodes that gave
 * within and after, so a second one, or within not past after, is shown. */
typedef struct {
    size_t within, after;
} step_marks;

/* within must be above 0 (0 is "no bound"); after may be 0. */
static dfota_err do_window_bound(const ytree *t, size_t v, const char *what, size_t *seen,
                                 int64_t *ns)
{
    if (*seen)
        return scn_nfail(t, v, DFOTA_E_INPUT, "%s given twice in one step (first at %lu:%lu)",
                     what, t->v[*seen].line, t->v[*seen].col);
    *seen = v;
    return scn_get_duration(t, v, what, strcmp(what, "within") == 0, ns);
}

static dfota_err do_send(const ytree *t, size_t v, const dfota_scenario *sc, dfota_step *st)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, v, "send");
    if (rc)
        return rc;
    const ynode *n = scn_node(t, v);
    if (memchr(n->text, '\r', n->len) || memchr(n->text, '\n', n->len))
        return scn_nfail(t, v, DFOTA_E_INPUT, "send is one line: it holds a line break");
    size_t pos = 0, start, at, len;
    int r;
    while ((r = scn_next_ref(n->text, n->len, &pos, &start, &at, &len)) == 1) {
        size_t k = 0;
        while (k < sc->n_vars && (strlen(sc->vars[k].name) != len ||
                                  memcmp(sc->vars[k].name, n->text + at, len) != 0))
            k++;
        if (k == sc->n_vars)
            return scn_nfail(t, v, DFOTA_E_INPUT, "undefined variable ${%s}: declare it under vars",
                         scn_shown(n->text + at, len, b, sizeof b));
    }
    if (r == -1)
        return scn_nfail(t, v, DFOTA_E_INPUT, "'${' is never closed: write ${NAME}");
    if (r == -2)
        return scn_nfail(t, v, DFOTA_E_INPUT, "bad variable '${%s}': a NAME is [A-Z_][A-Z0-9_]*",
                     scn_shown(n->text + at, len, b, sizeof b));
    return scn_get_string(t, v, "send", &st->text);
}

static dfota_err outcome(const ytree *t, size_t i, unsigned *set)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "expect");
    if (rc)
        return rc;
    if (scn_text_is(scn_node(t, i), "OK"))
        *set |= DFOTA_OUTCOME_OK;
    else if (scn_text_is(scn_node(t, i), "ERROR"))
        *set |= DFOTA_OUTCOME_ERROR;
    else
        return scn_nfail(t, i, DFOTA_E_INPUT, "expect '%s': use OK, ERROR or [OK, ERROR]",
                     scn_shown(scn_node(t, i)->text, scn_node(t, i)->len, b, sizeof b));
    return DFOTA_OK;
}

static dfota_err do_expect(const ytree *t, size_t v, dfota_step *st)
{
    dfota_err rc = DFOTA_OK;
    st->window = DFOTA_WIN_FINAL_RESULT;
    if (scn_node(t, v)->kind != Y_SEQ)
        return outcome(t, v, &st->outcomes);
    if (!scn_node(t, v)->first)
        return scn_nfail(t, v, DFOTA_E_INPUT, "expect is empty: use OK, ERROR or [OK, ERROR]");
    for (size_t e = scn_node(t, v)->first; !rc && e; e = t->v[e].next)
        rc = outcome(t, e, &st->outcomes);
    return rc;
}

static dfota_err do_stage(const ytree *t, size_t v, dfota_step *st)
{
    size_t s;
    dfota_err rc = scn_stage_of(t, v, "expect_urc", &s);
    if (!rc) {
        st->stage = scn_guide_stages[s].stage;
        st->window = scn_guide_stages[s].window;
    }
    return rc;
}

/* One code: 601, or the range "520-530". */
static dfota_err one_code(const ytree *t, size_t i, dfota_step *st)
{
    char b[SHOWN_MAX];
    dfota_err rc = scn_want_text(t, i, "code");
    if (rc)
        return rc;
    if (st->n_codes == DFOTA_SCENARIO_CODES_MAX)
        return scn_nfail(t, i, DFOTA_E_TOO_BIG, "more than %d codes", DFOTA_SCENARIO_CODES_MAX);
    const ynode *n = scn_node(t, i);
    const char *dash = memchr(n->text, '-', n->len);
    dfota_code_range *c = &st->codes[st->n_codes];
    int ok = dash ? scn_parse_int(n->text, (size_t)(dash - n->text), 0, &c->lo) &&
                        scn_parse_int(dash + 1, n->len - (size_t)(dash - n->text) - 1, 0, &c->hi)
                  : scn_parse_int(n->text, n->len, 0, &c->lo);
    if (!dash)
        c->hi = c->lo;
    if (!ok)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "code '%s': use an integer such as 0, or a range such as \"520-530\"",
                     scn_shown(n->text, n->len, b, sizeof b));
    if (c->lo > c->hi)
        return scn_nfail(t, i, DFOTA_E_INPUT, "code range '%s' runs backwards: write lo-hi",
                     scn_shown(n->text, n->len, b, sizeof b));
    st->n_codes++;
    return DFOTA_OK;
}

static dfota_err do_codes(const ytree *t, size_t v, dfota_step *st)
{
    dfota_err rc = DFOTA_OK;
    if (!dfota_stage_takes_code(st->stage))
        return scn_nfail(t, v, DFOTA_E_INPUT,
                     "%s carries no code: only FTPEND, HTTPEND, UPDATING and END do",
                     dfota_stage_name(st->stage));
    if (scn_node(t, v)->kind != Y_SEQ)
        return one_code(t, v, st);
    if (!scn_node(t, v)->first)
        return scn_nfail(t, v, DFOTA_E_INPUT, "code is an empty list: give one code at least");
    for (size_t e = scn_node(t, v)->first; !rc && e; e = t->v[e].next)
        rc = one_code(t, e, st);
    return rc;
}

static dfota_err do_progress(const ytree *t, size_t v, dfota_step *st)
{
    static const char *const keys[] = {"from", "to", "max_gap", NULL};
    long from = -1, to = 100;
    size_t k;
    dfota_err rc = scn_want_kind(t, v, Y_MAP, "expect_progress");
    if (!rc)
        rc = scn_check_keys(t, v, keys, " in expect_progress");
    if (!rc && (k = scn_map_get(t, v, "from")))
        rc = scn_get_int(t, k, "from", 0, 100, &from);
    if (!rc && (k = scn_map_get(t, v, "to")))
        rc = scn_get_int(t, k, "to", 0, 100, &to);
    if (!rc && from > to)
        return scn_nfail(t, scn_map_get(t, v, "to"), DFOTA_E_INPUT, "to %ld is below from %ld", to, from);
    if (!rc && (k = scn_map_get(t, v, "max_gap")))
        rc = scn_get_duration(t, k, "max_gap", 1, &st->max_gap_ns);
    st->from = (int)from;
    st->to = (int)to;
    st->window = DFOTA_WIN_PROGRESS_GAP;
    return rc;
}

static dfota_err do_reboot(const ytree *t, size_t v, dfota_step *st, step_marks *mk)
{
    static const char *const keys[] = {"within", "after", NULL};
    size_t k;
    dfota_err rc = DFOTA_OK;
    st->window = DFOTA_WIN_REBOOT;
    if (scn_is_null(scn_node(t, v)))
        return DFOTA_OK;
    if (scn_node(t, v)->kind != Y_MAP)
        return scn_nfail(t, v, DFOTA_E_INPUT, "reboot takes nothing or {within, after}, not %s",
                     scn_kind_text(scn_node(t, v)));
    rc = scn_check_keys(t, v, keys, " in reboot");
    if (!rc && (k = scn_map_get(t, v, "within")))
        rc = do_window_bound(t, k, "within", &mk->within, &st->within_ns);
    if (!rc && (k = scn_map_get(t, v, "after")))
        rc = do_window_bound(t, k, "after", &mk->after, &st->after_ns);
    return rc;
}

static dfota_err do_kind(const ytree *t, size_t v, const dfota_scenario *sc, dfota_step *st,
                         step_marks *mk)
{
    switch (st->kind) {
    case DFOTA_STEP_SEND: return do_send(t, v, sc, st);
    case DFOTA_STEP_EXPECT: return do_expect(t, v, st);
    case DFOTA_STEP_EXPECT_URC: return do_stage(t, v, st);
    case DFOTA_STEP_EXPECT_PROGRESS: return do_progress(t, v, st);
    case DFOTA_STEP_REBOOT: return do_reboot(t, v, st, mk);
    case DFOTA_STEP_EXPECT_SILENCE:
        return scn_get_duration(t, v, "expect_silence", 1, &st->duration_ns);
    }
    return DFOTA_OK;
}

/* Finds the step's one kind key; *kv is its value. */
static dfota_err step_kind(const ytree *t, size_t i, dfota_step *st, size_t *kv)
{
    size_t found = 0;
    for (size_t k = scn_node(t, i)->first; k; k = t->v[t->v[k].next].next) {
        dfota_err rc = scn_want_text(t, k, "a key");
        if (rc)
            return rc;
        for (size_t s = 0; step_kinds[s]; s++) {
            if (!scn_text_is(scn_node(t, k), step_kinds[s]))
                continue;
            if (found)
                return scn_nfail(t, k, DFOTA_E_INPUT, "a step has one kind: %s and %s both given",
                             scn_node(t, found)->text, step_kinds[s]);
            found = k;
            st->kind = (dfota_step_kind)s;
            *kv = t->v[k].next;
        }
    }
    if (!found)
        return scn_nfail(t, i, DFOTA_E_INPUT,
                     "a step needs one of send, expect, expect_urc, expect_progress, reboot, "
                     "expect_silence");
    return DFOTA_OK;
}

static dfota_err do_window_name(const ytree *t, size_t v, dfota_step *st)
{
    char b[SHOWN_MAX], list[LIST_MAX];
    dfota_err rc = scn_want_text(t, v, "window");
    if (rc)
        return rc;
    dfota_window w = dfota_window_find(scn_node(t, v)->text);
    if (w == DFOTA_WIN_COUNT) {
        const char *names[DFOTA_WIN_COUNT + 1];
        for (unsigned k = 0; k < DFOTA_WIN_COUNT; k++)
            names[k] = dfota_window_name((dfota_window)k);
        names[DFOTA_WIN_COUNT] = NULL;
        scn_join(names, list, sizeof list);
        return scn_nfail(t, v, DFOTA_E_INPUT, "unknown window '%s': use %s",
                     scn_shown(scn_node(t, v)->text, scn_node(t, v)->len, b, sizeof b), list);
    }
    st->window = w;
    return DFOTA_OK;
}

static dfota_err do_step(const ytree *t, size_t i, const dfota_scenario *sc, dfota_step *st)
{
    const char *keys[] = {NULL, "within", "after", "window", NULL, NULL};
    char where[40];
    step_marks mk = {0, 0};
    size_t kv = 0, v;
    dfota_err rc = scn_want_kind(t, i, Y_MAP, "a step");
    st->line = t->v[i].line;
    st->column = t->v[i].col;
    st->from = st->to = -1;
    st->window = DFOTA_WIN_COUNT;
    if (!rc)
        rc = step_kind(t, i, st, &kv);
    if (rc)
        return rc;
    keys[0] = step_kinds[st->kind];
    if (st->kind == DFOTA_STEP_EXPECT_URC)
        keys[4] = "code";
    snprintf(where, sizeof where, " in %s %s step", keys[0][0] == 'e' ? "an" : "a", keys[0]);
    rc = scn_check_keys(t, i, keys, where);
    if (!rc)
        rc = do_kind(t, kv, sc, st, &mk);
    if (!rc && (v = scn_map_get(t, i, "within")))
        rc = do_window_bound(t, v, "within", &mk.within, &st->within_ns);
    if (!rc && (v = scn_map_get(t, i, "after")))
        rc = do_window_bound(t, v, "after", &mk.after, &st->after_ns);
    if (!rc && mk.within && mk.after && st->within_ns <= st->after_ns)
        return scn_nfail(t, mk.within, DFOTA_E_INPUT, "within %s must be longer than after %s",
                     scn_node(t, mk.within)->text, scn_node(t, mk.after)->text);
    if (!rc && (v = scn_map_get(t, i, "window")))
        rc = do_window_name(t, v, st);
    if (!rc && (v = scn_map_get(t, i, "code")))
        rc = do_codes(t, v, st);
    return rc;
}

dfota_err scn_do_steps(const ytree *t, size_t i, dfota_scenario *sc)
{
    dfota_err rc = scn_want_kind(t, i, Y_SEQ, "steps");
    if (rc)
        return rc;
    size_t n = scn_node(t, i)->count;
    if (n == 0)
        return scn_nfail(t, i, DFOTA_E_INPUT, "steps is empty: a scenario has one step at least");
    if (n > DFOTA_SCENARIO_STEPS_MAX) {
        size_t e = scn_node(t, i)->first;
        for (size_t k = 0; k < DFOTA_SCENARIO_STEPS_MAX; k++)
            e = t->v[e].next;
        return scn_nfail(t, e, DFOTA_E_TOO_BIG, "more than %d steps", DFOTA_SCENARIO_STEPS_MAX);
    }
    sc->steps = calloc(n, sizeof *sc->steps);
    if (!sc->steps)
        return scn_nomem(t);
    dfota_err first = DFOTA_OK;
    for (size_t e = scn_node(t, i)->first; e; e = t->v[e].next) {
        rc = do_step(t, e, sc, &sc->steps[sc->n_steps++]);
        if (rc && !first)
            first = rc;
        if (rc && !scn_go_on(t, rc))
            return first; /* every error is wanted: each step is judged apart */
    }
    return first;
}

const char *dfota_step_kind_name(dfota_step_kind k)
{
    return (unsigned)k < sizeof step_kinds / sizeof step_kinds[0] - 1 ? step_kinds[k] : "?";
}
