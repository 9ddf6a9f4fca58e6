/* SPDX-License-Identifier: MIT */
/* timeline.c - a result's timeline (dfota/report.h): each event of a run
 * as the run's transcript shows it, kept by the runner as it writes the
 * transcript, so that report.html draws and lists the run from the result
 * alone.
 *
 * Memory is bounded: at most DFOTA_TIMELINE_MAX entries and
 * DFOTA_TIMELINE_TEXT_MAX bytes of text each, in two arrays that grow by
 * doubling. What is not kept is counted, and so is everything after it, so
 * that the entries are always the transcript's first events. */
#include <stdlib.h>
#include <string.h>

#include "dfota/guide.h"
#include "dfota/report.h"
#include "base/text.h"

#define TIMELINE_FIRST 64        /* entries of a first allocation */
#define TEXT_FIRST 4096          /* bytes of a first text allocation */

/* Room for one more entry of len bytes of text; 0 when there is no memory. */
static int grow(dfota_scenario_result *res, size_t len)
{
    if (res->n_timeline == res->timeline_cap) {
        size_t cap = res->timeline_cap ? 2 * res->timeline_cap : TIMELINE_FIRST;
        if (cap > DFOTA_TIMELINE_MAX)
            cap = DFOTA_TIMELINE_MAX;
        dfota_timeline_entry *t = realloc(res->timeline, cap * sizeof *t);
        if (!t)
            return 0;
        res->timeline = t;
        res->timeline_cap = cap;
    }
    if (res->timeline_text_cap - res->timeline_text_len < len) {
        size_t cap = res->timeline_text_cap ? res->timeline_text_cap : TEXT_FIRST;
        while (cap - res->timeline_text_len < len)
            cap *= 2; /* at most DFOTA_TIMELINE_MAX * DFOTA_TIMELINE_TEXT_MAX * 2: no overflow */
        char *t = realloc(res->timeline_text, cap);
        if (!t)
            return 0;
        res->timeline_text = t;
        res->timeline_text_cap = cap;
    }
    return 1;
}

/* Keeps the first DFOTA_TIMELINE_TEXT_MAX bytes of text[0..len) (cut on a
 * UTF-8 boundary, and a NUL after them) with the event's facts. */
static void keep(dfota_scenario_result *res, const dfota_event *ev, const dfota_item *it,
                 const char *text, size_t len)
{
    size_t kept = len > DFOTA_TIMELINE_TEXT_MAX ? text_utf8_cut(text, DFOTA_TIMELINE_TEXT_MAX) : len;
    if (!grow(res, kept + 1)) {
        res->timeline_dropped++;
        return;
    }
    dfota_timeline_entry *e = &res->timeline[res->n_timeline++];
    memset(e, 0, sizeof *e);
    /* the transcript writes an unknown or negative time as 0 */
    e->t_ns = ev->t_ns == DFOTA_T_NONE || ev->t_ns < 0 ? 0 : ev->t_ns;
    e->dir = ev->dir;
    e->kind = it->kind;
    e->stage = it->stage;
    e->has_code = it->has_code;
    e->code = it->code;
    e->harness = dfota_harness_event_of(ev);
    e->line = ev->line;
    e->text = res->timeline_text_len;
    e->text_len = kept;
    e->full_len = len;
    memcpy(res->timeline_text + e->text, text, kept);
    res->timeline_text[e->text + kept] = '\0';
    res->timeline_text_len += kept + 1;
}

void dfota_scenario_result_add_line(dfota_scenario_result *res, const dfota_event *ev,
                                    const dfota_item *it, int keep_secrets)
{
    if (!res || !ev || !it)
        return;
    if (res->n_timeline >= DFOTA_TIMELINE_MAX || res->timeline_dropped) {
        res->timeline_dropped++;
        return;
    }
    /* the text as dfota_transcript_write_shown writes it */
    char small[4096], *heap;
    dfota_event shown;
    if (dfota_transcript_shown(ev, keep_secrets, small, sizeof small, &heap, &shown) != DFOTA_OK) {
        res->timeline_dropped++;
        return;
    }
    keep(res, ev, it, shown.data ? shown.data : "", shown.data ? shown.len : 0);
    free(heap);
}

void dfota_scenario_result_clear_timeline(dfota_scenario_result *res)
{
    if (!res)
        return;
    free(res->timeline);
    free(res->timeline_text);
    res->timeline = NULL;
    res->timeline_text = NULL;
    res->n_timeline = res->timeline_cap = 0;
    res->timeline_text_len = res->timeline_text_cap = 0;
    res->timeline_dropped = 0;
}
