/* SPDX-License-Identifier: MIT */
/* agenda.c - the module's plan: actions queued with their delays in
 * module time, and the FOTA URCs planned as the faults leave them
 * (emulator/module.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "emulator/module.h"

/* ---- the agenda ---------------------------------------------------------- */

void em_plan(dfota_emulator *em, int64_t delay_ns, act_kind kind, const char *text)
{
    if (em->ag_len == EM_AGENDA_MAX) {
        em->agenda_overflow = 1;
        return;
    }
    action *a = &em->agenda[(em->ag_head + em->ag_len) % EM_AGENDA_MAX];
    a->kind = kind;
    a->delay_ns = delay_ns;
    snprintf(a->text, sizeof a->text, "%s", text ? text : "");
    if (em->ag_len++ == 0) /* after the action that planned it, or from now */
        em->ag_due = dfota_time_add(em->acting_due != DFOTA_T_NONE ? em->acting_due : now_ns(em),
                                    delay_ns); /* saturated: a huge delay is never, not the past */
}

void em_plan_say(dfota_emulator *em, int64_t delay_ns, const char *text)
{
    em_plan(em, delay_ns, A_SAY, text);
}

/* The field's download progress: DOWNLOADING 25, 50, 75, 100. */
static void plan_downloading(dfota_emulator *em)
{
    char line[EM_TEXT_MAX];
    for (int pct = 25; pct <= 100; pct += 25) {
        em_fota_text(line, sizeof line, DFOTA_STAGE_DOWNLOADING, 1, pct);
        em_plan_say(em, 0, line);
    }
}

/* A FOTA line as the faults left it (ctx of HOOK_FOTA_LINE). */
static void plan_faulted_line(dfota_emulator *em, int64_t delay_ns, const hook_ctx *c)
{
    if (c->drop)
        return;
    delay_ns = dfota_time_add(delay_ns, c->later_ns);
    if (c->downloading)
        plan_downloading(em);
    if (c->cut) {
        c->line[strlen(c->line) / 2] = '\0';
        em_plan(em, delay_ns, A_CUT, c->line);
        return;
    }
    if (c->garbage_before) {
        em_plan_say(em, delay_ns, EM_GARBAGE);
        delay_ns = 0;
    }
    if (c->long_before)
        em_plan(em, delay_ns, A_LONG, NULL);
    if (c->start_before) {
        char start[EM_TEXT_MAX];
        em_fota_text(start, sizeof start, DFOTA_STAGE_START, 0, 0);
        em_plan_say(em, c->long_before ? 0 : delay_ns, start);
    }
    em_plan_say(em, c->long_before || c->start_before ? 0 : delay_ns, c->line);
    if (c->twice)
        em_plan_say(em, 0, c->line);
}

void em_plan_fota(dfota_emulator *em, int64_t delay_ns, dfota_stage stage, long code,
                  int has_code)
{
    char line[EM_TEXT_MAX];
    em_fota_text(line, sizeof line, stage, has_code, code);
    hook_ctx c = {.code = code, .stage = stage, .line = line,
                  .cap = sizeof line};
    em_run_hooks(em, HOOK_FOTA_LINE, &c);
    plan_faulted_line(em, delay_ns, &c);
}

void em_agenda_pop(dfota_emulator *em, action *out)
{
    *out = em->agenda[em->ag_head];
    em->ag_head = (em->ag_head + 1) % EM_AGENDA_MAX;
    if (--em->ag_len > 0)
        /* on the em_plan, however late this ran */
        em->ag_due = dfota_time_add(em->ag_due, em->agenda[em->ag_head].delay_ns);
}
