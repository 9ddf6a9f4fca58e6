/* SPDX-License-Identifier: MIT */
/* html_timeline.c - the data report.html draws a scenario's timeline from:
 * marks, UPDATING points, reboot gaps and the lines its notes are on,
 * gathered from the result's timeline (dfota/report.h) in bounded arrays. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"

static int note_cmp(const void *a, const void *b)
{
    const note *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->is_step != y->is_step)
        return x->is_step ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void html_gather_notes(work *w, const dfota_scenario_result *res)
{
    w->n_notes = 0;
    size_t n = step_count(res);
    for (size_t i = 0; i < n && w->n_notes < HTML_NOTES_MAX; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL && res->steps[i].event_line > 0)
            w->notes[w->n_notes++] = (note){res->steps[i].event_line, 1, i, DFOTA_L_FAIL, 0, 0, 0};
    for (size_t i = 0; i < res->n_findings && i < DFOTA_RUN_FINDINGS_MAX; i++)
        if (res->findings[i].line > 0 && w->n_notes < HTML_NOTES_MAX)
            w->notes[w->n_notes++] =
                (note){res->findings[i].line, 0, i, res->findings[i].level, 0, 0, 0};
    qsort(w->notes, w->n_notes, sizeof w->notes[0], note_cmp);
}

/* Index of the first note on line, or n_notes. */
size_t html_notes_at(const work *w, unsigned long line)
{
    size_t lo = 0, hi = w->n_notes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->notes[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->n_notes && w->notes[lo].line == line ? lo : w->n_notes;
}

/* Is the line listed on the page (so that a link to it lands)? */
int html_line_listed(const work *w, unsigned long line)
{
    if (line == 0)
        return 0;
    if (line <= w->last_listed_line)
        return 1;
    size_t k = html_notes_at(w, line);
    return k < w->n_notes && w->notes[k].found;
}

/* Copies up to max escaped bytes of src to dst, cut before '=' (so that a
 * command shows as its name), never inside a UTF-8 sequence. */
static void short_from(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = 0;
    while (src[n] && src[n] != '=' && n < max && n + 1 < cap)
        n++;
    if (src[n] && n > 0)
        n = text_utf8_cut(src, n);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void add_mark(work *w, mark_kind kind, const dfota_event *ev, int64_t t, unsigned long idx,
                     const dfota_item *it)
{
    if (w->n_marks >= HTML_MARKS_MAX) {
        w->marks_dropped++;
        return;
    }
    mark *m = &w->marks[w->n_marks++];
    m->t = t;
    m->idx = idx;
    m->line = ev->line;
    m->kind = kind;
    size_t k = ev->len > HTML_LABEL_IN ? text_utf8_cut(ev->data, HTML_LABEL_IN) : ev->len;
    size_t len = dfota_escape(ev->data, k, m->label, sizeof m->label - 4);
    if (k < ev->len && len < sizeof m->label - 4)
        memcpy(m->label + len, "\xe2\x80\xa6", 4); /* ... and the NUL */
    switch (kind) {
    case MK_OK: snprintf(m->short_label, sizeof m->short_label, "OK"); break;
    case MK_ERROR: snprintf(m->short_label, sizeof m->short_label, "ERROR"); break;
    case MK_PORT_LOST: snprintf(m->short_label, sizeof m->short_label, "port lost"); break;
    case MK_PORT_BACK: snprintf(m->short_label, sizeof m->short_label, "port back"); break;
    case MK_RDY: snprintf(m->short_label, sizeof m->short_label, "RDY"); break;
    case MK_URC:
    case MK_URC_BAD:
        if (it->kind == DFOTA_ITEM_URC && it->has_code)
            snprintf(m->short_label, sizeof m->short_label, "%s,%ld",
                     dfota_stage_name(it->stage), it->code);
        else if (it->kind == DFOTA_ITEM_URC)
            snprintf(m->short_label, sizeof m->short_label, "%s", dfota_stage_name(it->stage));
        else
            snprintf(m->short_label, sizeof m->short_label, "bad URC");
        break;
    default:
        short_from(m->short_label, sizeof m->short_label, m->label, 14);
        break;
    }
}

static void port_lost(work *w, const dfota_event *ev, int64_t t, unsigned long idx)
{
    if (w->gap_open)
        return; /* still away: the same reboot */
    if (w->n_gaps >= HTML_GAPS_MAX) {
        w->gaps_dropped++;
        return;
    }
    w->gaps[w->n_gaps++] = (gap){t, t, idx, idx, ev->line, ev->line, 1};
    w->gap_open = 1;
}

static void port_back(work *w, const dfota_event *ev, int64_t t, unsigned long idx)
{
    if (!w->gap_open)
        return;
    gap *g = &w->gaps[w->n_gaps - 1];
    g->t1 = t;
    g->i1 = idx;
    g->l1 = ev->line;
    g->open = 0;
    w->gap_open = 0;
}

static void add_point(work *w, const dfota_event *ev, int64_t t, unsigned long idx, long pct)
{
    if (w->n_points >= HTML_POINTS_MAX) {
        w->points_dropped++;
        return;
    }
    int p = pct < 0 ? 0 : pct > 100 ? 100 : (int)pct; /* drawn inside the plot */
    w->points[w->n_points++] = (point){t, idx, ev->line, p, w->attempt};
}

static void take_module(work *w, const dfota_event *ev, const dfota_item *it, int64_t t,
                        unsigned long idx)
{
    switch (it->kind) {
    case DFOTA_ITEM_OK: add_mark(w, MK_OK, ev, t, idx, it); break;
    case DFOTA_ITEM_ERROR: add_mark(w, MK_ERROR, ev, t, idx, it); break;
    case DFOTA_ITEM_RDY: add_mark(w, MK_RDY, ev, t, idx, it); break;
    case DFOTA_ITEM_PORT_GONE:
        add_mark(w, MK_PORT_LOST, ev, t, idx, it);
        port_lost(w, ev, t, idx);
        break;
    case DFOTA_ITEM_PORT_BACK:
        add_mark(w, MK_PORT_BACK, ev, t, idx, it);
        port_back(w, ev, t, idx);
        break;
    case DFOTA_ITEM_BAD_URC: add_mark(w, MK_URC_BAD, ev, t, idx, it); break;
    case DFOTA_ITEM_URC:
        if (it->stage == DFOTA_STAGE_UPDATING && it->has_code) {
            add_point(w, ev, t, idx, it->code);
            break;
        }
        if (it->stage == DFOTA_STAGE_START)
            w->attempt++;
        {
            int bad = it->stage == DFOTA_STAGE_UNKNOWN ||
                      (dfota_stage_takes_code(it->stage) && (!it->has_code || it->code != 0));
            add_mark(w, bad ? MK_URC_BAD : MK_URC, ev, t, idx, it);
        }
        break;
    default:
        break;
    }
}

/* One event of the timeline, as the run classified it (it, hev). */
static void take_event(work *w, const dfota_event *ev, const dfota_item *it,
                       dfota_harness_event hev)
{
    unsigned long idx = w->events++;
    int64_t t = ev->t_ns;
    if (t != DFOTA_T_NONE && t != 0)
        w->timed = 1;
    if (t == DFOTA_T_NONE)
        t = w->last_t;
    w->last_t = t;
    if (idx == 0 || t < w->t_min)
        w->t_min = t;
    if (idx == 0 || t > w->t_max)
        w->t_max = t;
    w->last_listed_line = ev->line;
    for (size_t k = html_notes_at(w, ev->line); k < w->n_notes && w->notes[k].line == ev->line; k++)
        if (!w->notes[k].found) {
            w->notes[k].found = 1;
            w->notes[k].idx = idx;
            w->notes[k].t = t;
        }
    if (ev->dir == DFOTA_DIR_HARNESS) {
        dfota_item none = {.kind = DFOTA_ITEM_OTHER};
        if (hev == DFOTA_HEV_PORT_LOST) {
            add_mark(w, MK_PORT_LOST, ev, t, idx, &none);
            port_lost(w, ev, t, idx);
        } else if (hev == DFOTA_HEV_PORT_BACK) {
            add_mark(w, MK_PORT_BACK, ev, t, idx, &none);
            port_back(w, ev, t, idx);
        } else
            add_mark(w, MK_HARNESS, ev, t, idx, &none);
        return;
    }
    if (ev->dir == DFOTA_DIR_HOST) {
        if (it->kind == DFOTA_ITEM_FOTADL)
            add_mark(w, MK_FOTADL, ev, t, idx, it);
        else if (it->kind == DFOTA_ITEM_COMMAND)
            add_mark(w, MK_CMD, ev, t, idx, it);
        return;
    }
    take_module(w, ev, it, t, idx);
}

void html_work_reset(work *w)
{
    w->n_marks = w->n_points = w->n_gaps = 0;
    w->marks_dropped = w->points_dropped = w->gaps_dropped = 0;
    w->gap_open = 0;
    w->attempt = 0;
    w->events = 0;
    w->dropped = 0;
    w->last_listed_line = 0;
    w->timed = 0;
    w->t_min = w->t_max = w->last_t = 0;
}

/* The i-th event of res's timeline, as the transcript holds it. */
dfota_event html_entry_event(const dfota_scenario_result *res, size_t i)
{
    const dfota_timeline_entry *e = &res->timeline[i];
    dfota_event ev = {.t_ns = e->t_ns, .dir = e->dir, .data = res->timeline_text + e->text,
                      .len = e->text_len, .full_len = e->full_len, .line = e->line};
    return ev;
}

/* The timeline's data: marks, progress points, reboot gaps and where the
 * notes' lines are, from the events the run kept. */
void html_collect(work *w, const dfota_scenario_result *res)
{
    for (size_t i = 0; i < res->n_timeline; i++) {
        const dfota_timeline_entry *e = &res->timeline[i];
        dfota_event ev = html_entry_event(res, i);
        dfota_item it = {.kind = e->kind, .stage = e->stage, .has_code = e->has_code,
                         .code = e->code};
        take_event(w, &ev, &it, e->harness);
    }
    w->dropped = res->timeline_dropped;
    if (w->gap_open) {
        gap *g = &w->gaps[w->n_gaps - 1];
        g->t1 = w->t_max;
        g->i1 = w->events ? w->events - 1 : 0;
    }
}
