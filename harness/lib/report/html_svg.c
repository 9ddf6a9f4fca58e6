/* SPDX-License-Identifier: MIT */
/* html_svg.c - a scenario's timeline as inline SVG in report.html: events
 * on a time axis in lanes, the UPDATING percentage as a curve per attempt,
 * reboot gaps shaded, failed windows and FAIL findings marked. */
#include <stdint.h>
#include <string.h>

#include "report/html.h"

/* ---- the timeline (inline SVG) ------------------------------------------------ */

#define SVG_W 1200
#define SVG_H 276
#define PX0 118.0                 /* plot left */
#define PX1 1180.0                /* plot right */
#define Y_TOP 12.0                /* top of shaded areas */
#define Y_P100 26.0               /* UPDATING 100 % */
#define Y_P0 132.0                /* UPDATING 0 % */
#define Y_HOST 160.0
#define Y_RESULT 182.0
#define Y_URC 204.0
#define Y_PORT 226.0
#define Y_AXIS 244.0

typedef struct {
    int timed;
    int64_t t0, t1;
    unsigned long n;
} axis;

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

static int64_t step_hi_edge(const dfota_step_result *st, int64_t axis_end)
{
    return st->within_ns > 0 ? sat_add(st->t_start_ns, st->within_ns) : axis_end;
}

static int window_drawable(const dfota_step_result *st)
{
    return st->verdict == DFOTA_V_FAIL && (st->within_ns > 0 || st->after_ns > 0) &&
           st->t_start_ns != DFOTA_T_NONE;
}

/* The axis spans the events and the failed steps' windows; a window that
 * reaches far past the transcript is cut at twice its span, so that the
 * events stay readable. */
static axis axis_of(const work *w, const dfota_scenario_result *res)
{
    axis a = {w->timed, w->t_min < 0 ? w->t_min : 0, w->t_max, w->events};
    if (!a.timed)
        return a;
    int64_t cap = sat_add(w->t_max, w->t_max - a.t0);
    size_t n = step_count(res);
    for (size_t i = 0; i < n; i++) {
        const dfota_step_result *st = &res->steps[i];
        if (st->verdict != DFOTA_V_FAIL)
            continue;
        if (st->t_end_ns != DFOTA_T_NONE && st->t_end_ns > a.t1 && st->t_end_ns <= cap)
            a.t1 = st->t_end_ns;
        if (!window_drawable(st))
            continue;
        int64_t lo = sat_add(st->t_start_ns, st->after_ns), hi = step_hi_edge(st, a.t1);
        int64_t far = lo > hi ? lo : hi;
        if (far > a.t1)
            a.t1 = far < cap ? far : cap;
    }
    if (a.t1 <= a.t0)
        a.t1 = sat_add(a.t0, DFOTA_NS_PER_S);
    return a;
}

static double x_at(const axis *a, int64_t t, unsigned long idx)
{
    double f;
    if (a->timed)
        f = ((double)t - (double)a->t0) / ((double)a->t1 - (double)a->t0);
    else
        f = a->n > 1 ? (double)idx / (double)(a->n - 1) : 0.5;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    return PX0 + f * (PX1 - PX0);
}

static double y_of_percent(int p)
{
    return Y_P0 - (Y_P0 - Y_P100) * (double)p / 100.0;
}

static void draw_frame(html *h)
{
    static const struct {
        double y;
        const char *label;
    } lanes[] = {{Y_HOST, "host"}, {Y_RESULT, "result"}, {Y_URC, "FOTA URC"}, {Y_PORT, "port"}};
    for (int p = 0; p <= 100; p += 50) {
        double y = y_of_percent(p);
        putf(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d %%</text>\n",
             PX0, y, PX1, y, PX0 - 6, y + 4, p);
    }
    putf(h, "<text class=\"lane-label\" x=\"6\" y=\"%.1f\">UPDATING</text>\n",
         (Y_P0 + Y_P100) / 2 + 4);
    for (size_t i = 0; i < sizeof lanes / sizeof lanes[0]; i++)
        putf(h, "<line class=\"lane\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"lane-label\" x=\"6\" y=\"%.1f\">%s</text>\n",
             PX0, lanes[i].y, PX1, lanes[i].y, lanes[i].y + 4, lanes[i].label);
    putf(h, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PX0,
         Y_AXIS, PX1, Y_AXIS);
}

static void draw_tick(html *h, double x, const char *label)
{
    putf(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
         x, Y_TOP, x, Y_AXIS, x, Y_AXIS, x, Y_AXIS + 5, x, Y_AXIS + 18, label);
}

static void draw_ticks(html *h, const axis *a)
{
    /* the axis's tick steps, in ms and then in s */
    static const int64_t steps[] = {
        1 * DFOTA_NS_PER_MS,     2 * DFOTA_NS_PER_MS,     5 * DFOTA_NS_PER_MS,
        10 * DFOTA_NS_PER_MS,    20 * DFOTA_NS_PER_MS,    50 * DFOTA_NS_PER_MS,
        100 * DFOTA_NS_PER_MS,   200 * DFOTA_NS_PER_MS,   500 * DFOTA_NS_PER_MS,
        1 * DFOTA_NS_PER_S,      2 * DFOTA_NS_PER_S,      5 * DFOTA_NS_PER_S,
        10 * DFOTA_NS_PER_S,     15 * DFOTA_NS_PER_S,     30 * DFOTA_NS_PER_S,
        60 * DFOTA_NS_PER_S,     120 * DFOTA_NS_PER_S,    300 * DFOTA_NS_PER_S,
        600 * DFOTA_NS_PER_S,    900 * DFOTA_NS_PER_S,    1800 * DFOTA_NS_PER_S,
        3600 * DFOTA_NS_PER_S,   7200 * DFOTA_NS_PER_S,   10800 * DFOTA_NS_PER_S,
        21600 * DFOTA_NS_PER_S,  43200 * DFOTA_NS_PER_S,  86400 * DFOTA_NS_PER_S};
    char label[48];
    if (!a->timed) {
        unsigned long step = 1; /* 1, 2, 5, 10, 20, 50 ... */
        while (a->n / step > 8) {
            unsigned long lead = step;
            while (lead >= 10)
                lead /= 10;
            step = lead == 2 ? step / 2 * 5 : step * 2;
        }
        for (unsigned long i = 0; i < a->n; i += step) {
            snprintf(label, sizeof label, "event %lu", i + 1);
            draw_tick(h, x_at(a, 0, i), label);
        }
        return;
    }
    double span = (double)a->t1 - (double)a->t0;
    size_t k = 0;
    while (k + 1 < sizeof steps / sizeof steps[0] && span / (double)steps[k] > 8)
        k++;
    int64_t step = steps[k];
    int decimals = step >= DFOTA_NS_PER_S           ? 0
                   : step >= 100 * DFOTA_NS_PER_MS ? 1
                   : step >= 10 * DFOTA_NS_PER_MS  ? 2
                                                   : 3;
    int64_t t = a->t0 / step * step;
    if (t < a->t0)
        t += step;
    for (int i = 0; i < 64 && t <= a->t1; i++, t += step) {
        html_fmt_duration(label, sizeof label, t, decimals);
        draw_tick(h, x_at(a, t, 0), label);
    }
}

static void draw_gaps(html *h, const axis *a, const work *w, const char *id)
{
    char len[48];
    for (size_t i = 0; i < w->n_gaps; i++) {
        const gap *g = &w->gaps[i];
        double x0 = x_at(a, g->t0, g->i0), x1 = x_at(a, g->t1, g->i1);
        if (x1 - x0 < 2)
            x1 = x0 + 2;
        html_fmt_duration(len, sizeof len, g->t1 - g->t0, 0);
        putf(h, "<a href=\"#%s-L%lu\"><rect class=\"reboot%s\" x=\"%.1f\" y=\"%.1f\" "
                "width=\"%.1f\" height=\"%.1f\"><title>",
             id, g->l0, g->open ? " open" : "", x0, Y_TOP, x1 - x0, Y_PORT + 8 - Y_TOP);
        if (g->open)
            putf(h, "reboot: the port was lost at line %lu and had not come back when the "
                    "transcript ends",
                 g->l0);
        else if (a->timed)
            putf(h, "reboot gap: %s, port lost at line %lu, back at line %lu", len, g->l0,
                 g->l1);
        else
            putf(h, "reboot gap: port lost at line %lu, back at line %lu", g->l0, g->l1);
        put(h, "</title></rect></a>\n");
    }
}

static void step_title(html *h, const dfota_step_result *st)
{
    putf(h, "<title>step %zu %s: ", st->index + 1, dfota_verdict_name(st->verdict));
    put_escaped(h, st->what, bounded_len(st->what, DFOTA_TEXT_MAX), 1);
    if (st->detail[0]) {
        put(h, " \xe2\x80\x94 ");
        put_escaped(h, st->detail, bounded_len(st->detail, DFOTA_TEXT_MAX), 1);
    }
    put(h, " (");
    put_text(h, step_rule(st));
    put(h, ")</title>");
}

/* A failed step: its window (timed transcripts) and where it was settled. */
static void draw_failed_step(html *h, const axis *a, const work *w, const dfota_step_result *st,
                             const char *id)
{
    if (a->timed && window_drawable(st)) {
        int64_t lo = sat_add(st->t_start_ns, st->after_ns), hi = step_hi_edge(st, a->t1);
        double x0 = x_at(a, lo, 0), x1 = x_at(a, hi, 0);
        if (x1 - x0 < 2)
            x1 = x0 + 2;
        putf(h, "<rect class=\"window-failed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\">",
             x0, Y_TOP, x1 - x0, Y_PORT + 8 - Y_TOP);
        step_title(h, st);
        putf(h, "</rect><text class=\"win-label\" x=\"%.1f\" y=\"%.1f\">", x0 + 3, Y_TOP + 11);
        put_text(h, step_rule(st));
        put(h, "</text>\n");
    }
    double x;
    if (a->timed && st->t_end_ns != DFOTA_T_NONE) {
        x = x_at(a, st->t_end_ns, 0);
    } else {
        size_t k = html_notes_at(w, st->event_line);
        if (k >= w->n_notes || !w->notes[k].found)
            return;
        x = x_at(a, w->notes[k].t, w->notes[k].idx);
    }
    if (html_line_listed(w, st->event_line))
        putf(h, "<a href=\"#%s-L%lu\">", id, st->event_line);
    putf(h, "<g class=\"fail-at\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
            "<path d=\"M%.1f %.1fl5 -5l-5 -5l-5 5z\"/>",
         x, Y_TOP, x, Y_PORT + 8, x, Y_TOP + 10);
    step_title(h, st);
    put(h, html_line_listed(w, st->event_line) ? "</g></a>\n" : "</g>\n");
}

/* FAIL findings: a small mark at the top edge, at the finding's line. */
static void draw_findings(html *h, const axis *a, const work *w, const dfota_scenario_result *res,
                          const char *id)
{
    for (size_t k = 0; k < w->n_notes; k++) {
        const note *n = &w->notes[k];
        if (n->is_step || n->level != DFOTA_L_FAIL || !n->found)
            continue;
        const dfota_finding *f = &res->findings[n->index];
        double x = x_at(a, n->t, n->idx);
        putf(h, "<a href=\"#%s-L%lu\"><path class=\"finding\" d=\"M%.1f %.1fl-5 -8h10z\">"
                "<title>line %lu: FAIL %s: ",
             id, n->line, x, Y_TOP, n->line, dfota_rule_get(f->rule)->id);
        html_finding_text(h, f);
        put(h, "</title></path></a>\n");
    }
}

static void close_attempt(html *h, const point *first, const point *last, size_t count,
                          double x, double y)
{
    putf(h, "\"><title>attempt %u: UPDATING %d %% to %d %%, %zu reports, lines %lu to %lu"
            "</title></polyline><circle class=\"progress-end\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\">"
            "<title>last UPDATING of attempt %u: %d %% (line %lu)</title></circle>\n",
         first->attempt, first->percent, last->percent, count, first->line, last->line, x, y,
         last->attempt, last->percent, last->line);
}

/* One polyline per attempt: a new START begins a new curve. */
static void draw_progress(html *h, const axis *a, const work *w)
{
    size_t start = 0;
    double x = 0, y = 0;
    for (size_t i = 0; i < w->n_points; i++) {
        const point *p = &w->points[i];
        if (i > 0 && p->attempt != w->points[i - 1].attempt) {
            close_attempt(h, &w->points[start], &w->points[i - 1], i - start, x, y);
            start = i;
        }
        if (i == start)
            put(h, "<polyline class=\"progress\" points=\"");
        x = x_at(a, p->t, p->idx);
        y = y_of_percent(p->percent);
        putf(h, "%s%.1f,%.1f", i == start ? "" : " ", x, y);
    }
    if (w->n_points)
        close_attempt(h, &w->points[start], &w->points[w->n_points - 1], w->n_points - start,
                      x, y);
}

static const char *mark_class(mark_kind k)
{
    static const char *const c[] = {"m-cmd", "m-fotadl", "m-ok", "m-error", "m-urc",
                                    "m-urc-bad", "m-port", "m-port", "m-rdy", "m-harness"};
    return c[k];
}

static double mark_lane(mark_kind k)
{
    switch (k) {
    case MK_CMD:
    case MK_FOTADL: return Y_HOST;
    case MK_OK:
    case MK_ERROR: return Y_RESULT;
    case MK_URC:
    case MK_URC_BAD: return Y_URC;
    default: return Y_PORT;
    }
}

/* The mark's outline as an SVG path around (x, y). */
static void mark_path(html *h, mark_kind k, double x, double y)
{
    switch (k) {
    case MK_CMD: putf(h, "M%.1f %.1fh7v7h-7z", x - 3.5, y - 3.5); break;
    case MK_FOTADL: putf(h, "M%.1f %.1fh10v10h-10z", x - 5, y - 5); break;
    case MK_URC:
    case MK_URC_BAD: putf(h, "M%.1f %.1fl6 6l-6 6l-6 -6z", x, y - 6); break;
    case MK_PORT_LOST: putf(h, "M%.1f %.1fh12l-6 10z", x - 6, y - 5); break;
    case MK_PORT_BACK: putf(h, "M%.1f %.1fh12l-6 -10z", x - 6, y + 5); break;
    default: /* a circle as two arcs */
        putf(h, "M%.1f %.1fa4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0 -9 0z", x - 4.5, y);
        break;
    }
}

static void draw_marks(html *h, const axis *a, const work *w, const char *id)
{
    double label_end[4] = {0, 0, 0, 0}; /* where the last label of each lane ends */
    char when[48];
    for (size_t i = 0; i < w->n_marks && !h->failed; i++) {
        const mark *m = &w->marks[i];
        double x = x_at(a, m->t, m->idx), y = mark_lane(m->kind);
        int linked = html_line_listed(w, m->line);
        if (linked)
            putf(h, "<a href=\"#%s-L%lu\">", id, m->line);
        putf(h, "<path class=\"%s\" d=\"", mark_class(m->kind));
        mark_path(h, m->kind, x, y);
        if (a->timed)
            html_fmt_duration(when, sizeof when, m->t, 3);
        else
            snprintf(when, sizeof when, "event %lu", m->idx + 1);
        putf(h, "\"><title>line %lu, %s: ", m->line, when);
        put_html_safe(h, m->label, strlen(m->label));
        put(h, "</title></path>");
        /* A label goes right of its mark (left of it at the right edge),
         * and only where it overlaps no earlier label of its lane. */
        int lane = y == Y_HOST ? 0 : y == Y_RESULT ? 1 : y == Y_URC ? 2 : 3;
        size_t len = strlen(m->short_label);
        double width = 6.2 * (double)len, lx = x + 8;
        if (lx + width > SVG_W - 4)
            lx = SVG_W - 4 - width;
        if (len && lx >= label_end[lane]) {
            putf(h, "<text class=\"m-text\" x=\"%.1f\" y=\"%.1f\">", lx, y - 6);
            put_html_safe(h, m->short_label, len);
            put(h, "</text>");
            label_end[lane] = lx + width + 6;
        }
        put(h, linked ? "</a>\n" : "\n");
    }
}

static void timeline_caption(html *h, const axis *a, const work *w)
{
    put(h, "<figcaption><span class=\"k k-fotadl\">&#9632; AT+QFOTADL</span>"
           "<span class=\"k k-cmd\">&#9632; other command</span>"
           "<span class=\"k k-ok\">&#9679; OK</span><span class=\"k k-err\">&#9679; ERROR</span>"
           "<span class=\"k k-urc\">&#9670; FOTA URC</span>"
           "<span class=\"k k-err\">&#9670; failure code or bad URC</span>"
           "<span class=\"k k-port\">&#9660; port lost &#9650; port back</span>"
           "<span class=\"k k-fotadl\">&#9472; UPDATING %</span>"
           "<span class=\"k k-reboot\">&#9608; reboot gap</span>"
           "<span class=\"k k-win\">&#9633; failed window</span>"
           "<span class=\"k k-win\">&#9670; failed step</span>"
           "<span class=\"k k-win\">&#9660; FAIL finding</span>");
    if (!a->timed)
        put(h, "<br><b>no timestamps</b>: the transcript has no times, so events are drawn "
               "evenly spaced in their order and windows cannot be drawn.");
    if (w->marks_dropped || w->points_dropped || w->gaps_dropped)
        putf(h, "<br>Not drawn, past the page's limits: %lu events, %lu UPDATING reports, "
                "%lu reboot gaps.",
             w->marks_dropped, w->points_dropped, w->gaps_dropped);
    if (w->dropped)
        putf(h, "<br>The timeline ends at line %lu: %lu more line%s: see the transcript file.",
             w->last_listed_line, w->dropped, w->dropped == 1 ? "" : "s");
    put(h, "</figcaption>\n");
}

void html_draw_timeline(html *h, const work *w, const dfota_scenario_result *res,
                          const char *id)
{
    if (w->events == 0) {
        put(h, "<p class=\"muted\">The transcript has no events: no timeline.</p>\n");
        return;
    }
    axis a = axis_of(w, res);
    putf(h, "<figure class=\"timeline\" id=\"%s-timeline\">\n<svg viewBox=\"0 0 %d %d\" "
            "role=\"img\" aria-label=\"timeline\"><title>Timeline of ",
         id, SVG_W, SVG_H);
    put_text(h, scenario_name(res));
    put(h, "</title>\n");
    draw_frame(h);
    draw_ticks(h, &a);
    draw_gaps(h, &a, w, id);
    size_t n = step_count(res);
    for (size_t i = 0; i < n; i++)
        if (res->steps[i].verdict == DFOTA_V_FAIL)
            draw_failed_step(h, &a, w, &res->steps[i], id);
    draw_progress(h, &a, w);
    draw_marks(h, &a, w, id);
    draw_findings(h, &a, w, res, id);
    put(h, "</svg>\n");
    timeline_caption(h, &a, w);
    put(h, "</figure>\n");
}
