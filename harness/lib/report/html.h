/* SPDX-License-Identifier: MIT */
/* html.h - what the files of report.html share inside the report room (not
 * public API): the writer and its escaping, small helpers, the timeline's
 * data, and the functions one file of the page calls in another:
 *   report_html.c   the page: head, summary, verdict table, each scenario
 *   html_timeline.c the timeline's data, from each result's timeline
 *   html_svg.c      the timeline drawn as inline SVG
 *   html_scenario.c a scenario's facts, steps, findings and transcript listing
 *   html_matrix.c   several modules side by side */
#ifndef DFOTA_LIB_HTML_H
#define DFOTA_LIB_HTML_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dfota/report.h"
#include "base/text.h"

/* What one scenario may put on the page. */
#define HTML_MARKS_MAX 4000       /* timeline marks (commands, results, URCs, port events) */
#define HTML_POINTS_MAX 20000     /* UPDATING points */
#define HTML_GAPS_MAX 512         /* reboot gaps */
#define HTML_NOTES_MAX (DFOTA_RUN_FINDINGS_MAX + DFOTA_SCENARIO_STEPS_MAX)
#define HTML_LABEL_IN 48          /* bytes of a line in a mark's hover text */
#define HTML_LABEL_CAP (HTML_LABEL_IN * 4 + 8)
#define HTML_SHORT_CAP 24         /* the text written beside a mark */
#define ESC_CHUNK 256             /* bytes escaped at a time */


/* ---- writing -------------------------------------------------------------- */

typedef struct {
    FILE *out;
    int failed;   /* a write failed: everything after is skipped */
    int errnum;   /* errno of the first failed write */
} html;

static inline void put_n(html *h, const char *s, size_t n)
{
    if (h->failed || n == 0)
        return;
    if (fwrite(s, 1, n, h->out) != n) {
        h->failed = 1;
        h->errnum = errno;
    }
}

static inline void put(html *h, const char *s)
{
    put_n(h, s, strlen(s));
}

static inline void putf(html *h, const char *fmt, ...) DFOTA_PRINTF(2, 3);

static inline void putf(html *h, const char *fmt, ...)
{
    if (h->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(h->out, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->failed = 1;
        h->errnum = errno;
    }
}

/* HTML-escapes s[0..n), which holds no control byte and only valid UTF-8. */
static inline void put_html_safe(html *h, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        put_n(h, s + from, i - from);
        put(h, rep);
        from = i + 1;
    }
    put_n(h, s + from, n - from);
}

/* Writes s[0..n) escaped for a page: dfota_escape, then HTML. With
 * keep_backslash, a backslash is written as it is instead of doubled: the
 * text was escaped once already. */
static inline void put_escaped(html *h, const char *s, size_t n, int keep_backslash)
{
    char buf[ESC_CHUNK * 4 + 1];
    while (n > 0 && !h->failed) {
        size_t k = n < ESC_CHUNK ? n : ESC_CHUNK;
        if (keep_backslash) {
            const char *bs = memchr(s, '\\', k);
            if (bs == s) {
                put(h, "\\");
                s++;
                n--;
                continue;
            }
            if (bs)
                k = (size_t)(bs - s);
        }
        if (k < n)
            k = text_utf8_cut(s, k);
        size_t len = dfota_escape(s, k, buf, sizeof buf);
        put_html_safe(h, buf, len < sizeof buf ? len : sizeof buf - 1);
        s += k;
        n -= k;
    }
}

/* The length of a string in a fixed array of cap bytes, which a result
 * filled and may not have terminated. */
static inline size_t bounded_len(const char *s, size_t cap)
{
    const char *z = memchr(s, '\0', cap);
    return z ? (size_t)(z - s) : cap;
}

/* Text from a scenario or a result (names, the checker's sentences). */
static inline void put_text(html *h, const char *s)
{
    if (s)
        put_escaped(h, s, strlen(s), 1);
}

/* Bytes as the device sent them. */
static inline void put_bytes(html *h, const char *s, size_t n)
{
    put_escaped(h, s, n, 0);
}

/* ---- small formatting helpers --------------------------------------------- */

static inline const char *verdict_class(dfota_verdict v)
{
    static const char *const c[] = {"v-na", "v-pass", "v-warn", "v-incomplete", "v-fail"};
    return (unsigned)v < 5 ? c[v] : "v-na";
}

static inline const char *level_class(dfota_level l)
{
    static const char *const c[] = {"v-note", "v-warn", "v-incomplete", "v-fail"};
    return (unsigned)l < 4 ? c[l] : "v-note";
}

static inline const char *scenario_name(const dfota_scenario_result *res)
{
    return res->scenario && res->scenario->name ? res->scenario->name : "(no scenario)";
}

static inline size_t step_count(const dfota_scenario_result *res)
{
    return res->scenario && res->steps ? res->scenario->n_steps : 0;
}

/* The rule a step names: a catalogue ID or STEP-*, "" for none. */
static inline const char *step_rule(const dfota_step_result *st)
{
    return st->rule ? st->rule : "";
}

/* ---- the timeline's data, from the result's timeline ---------------------------- */

typedef enum {
    MK_CMD, MK_FOTADL, MK_OK, MK_ERROR, MK_URC, MK_URC_BAD,
    MK_PORT_LOST, MK_PORT_BACK, MK_RDY, MK_HARNESS
} mark_kind;

typedef struct {
    int64_t t;
    unsigned long idx;        /* 0-based event index: the x of an untimed transcript */
    unsigned long line;
    mark_kind kind;
    char label[HTML_LABEL_CAP]; /* the line, dfota-escaped, maybe cut */
    char short_label[HTML_SHORT_CAP]; /* beside the mark: "FTPEND,0", "OK" */
} mark;

typedef struct {
    int64_t t;
    unsigned long idx, line;
    int percent;
    unsigned attempt;
} point;

typedef struct {
    int64_t t0, t1;
    unsigned long i0, i1, l0, l1;
    int open;                 /* the port had not come back when the transcript ends */
} gap;

/* A transcript line the listing annotates: a finding, or a failed step's
 * settling event. */
typedef struct {
    unsigned long line;
    int is_step;
    size_t index;             /* into steps or findings */
    dfota_level level;
    int found;                /* the transcript has the line */
    unsigned long idx;
    int64_t t;
} note;

typedef struct {
    mark marks[HTML_MARKS_MAX];
    size_t n_marks;
    unsigned long marks_dropped;
    point points[HTML_POINTS_MAX];
    size_t n_points;
    unsigned long points_dropped;
    gap gaps[HTML_GAPS_MAX];
    size_t n_gaps;
    unsigned long gaps_dropped;
    int gap_open;
    unsigned attempt;
    note notes[HTML_NOTES_MAX];
    size_t n_notes;
    unsigned long events;
    unsigned long dropped;    /* events the run did not keep (dfota/report.h) */
    unsigned long last_listed_line; /* the last line listed */
    int timed;
    int64_t t_min, t_max, last_t;
} work;

/* ---- across the files ------------------------------------------------------ */

/* report_html.c */
void html_fmt_duration(char *buf, size_t cap, int64_t ns, int decimals);
void html_page_head(html *h, const dfota_run_report *rep);
/* Flushes the page: DFOTA_OK, or DFOTA_E_IO with "cannot write WHAT: why"
 * in err when a write failed, now or before. */
dfota_err html_page_end(html *h, char *err, size_t errlen, const char *what);

/* html_timeline.c: the data of res's timeline into w */
void html_work_reset(work *w);
void html_gather_notes(work *w, const dfota_scenario_result *res);
void html_collect(work *w, const dfota_scenario_result *res);
size_t html_notes_at(const work *w, unsigned long line);
int html_line_listed(const work *w, unsigned long line);
dfota_event html_entry_event(const dfota_scenario_result *res, size_t i);

/* html_svg.c */
void html_draw_timeline(html *h, const work *w, const dfota_scenario_result *res,
                        const char *id);

/* html_scenario.c */
void html_finding_text(html *h, const dfota_finding *f);
void html_scenario_facts(html *h, const dfota_scenario_result *res, const work *w);
void html_steps_table(html *h, const dfota_scenario_result *res, const work *w,
                      const char *id);
void html_findings_table(html *h, const dfota_scenario_result *res, const work *w,
                         const char *id);
void html_listing(html *h, const work *w, const dfota_scenario_result *res, const char *id);

#endif
