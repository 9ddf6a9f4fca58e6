/* SPDX-License-Identifier: MIT */
/* run.c - running the agenda's actions when they are due, and waiting
 * for the host, libcurl or the next action (emulator/module.h). */
#define _GNU_SOURCE
#include <poll.h>
#include <string.h>
#include <time.h>

#include "base/lazy_curl.h"

#include "emulator/module.h"

/* ---- running actions ----------------------------------------------------- */

static dfota_err act(dfota_emulator *em, const action *a, char *err, size_t errlen)
{
    switch (a->kind) {
    case A_SAY: em_out_line(em, a->text); break;
    case A_LONG: em_out_long(em); break;
    case A_CUT:
        em_out_bytes(em, "\r\n", 2);
        em_out_bytes(em, a->text, strlen(a->text));
        break;
    case A_POWER_OFF:
        em->mode = MODE_OFF;
        /* what the host sent and the module had not read yet is recorded
         * (the module is off: it does not act on it); an upload's data is not */
        if (!em->uart && em->up.fd < 0)
            em_read_host(em);
        em_upload_abort(em);
        if (!em->uart) {
            em_port_close(em);
            em_record_flush(em, em->rec_module, DFOTA_DIR_MODULE);
            em_record_flush(em, em->rec_host, DFOTA_DIR_HOST);
            em->host_attached = 0;
            em_emit_note(em, dfota_harness_event_name(DFOTA_HEV_PORT_LOST));
            em_testbed_unplug(em);
        }
        break;
    case A_POWER_ON:
        em_at_reset(em);
        if (!em->uart) {
            if (dfota_clock_kind_of(em->clock) == DFOTA_CLOCK_SCALED) {
                em->reopen_wall = dfota_wall_ns();
                em->reopen_due = em->acting_due; /* act runs from run_due: it is set */
            }
            dfota_err rc = em_port_open(em, err, errlen);
            if (rc == DFOTA_OK)
                em_emit_note(em, dfota_harness_event_name(DFOTA_HEV_PORT_BACK));
            em_testbed_replug(em);
            return rc;
        }
        break;
    case A_DOWNLOAD: {
        em_download_result res;
        if (em_download_start(em, &res))
            em_download_ended(em, &res);
        break;
    }
    case A_RECOVERY:
        em->mode = MODE_RECOVERY;
        em_plan_attempt(em);
        break;
    case A_FIRMWARE: memcpy(em->firmware, em->target, sizeof em->firmware); break;
    case A_NORMAL:
        em->mode = MODE_IDLE;
        em->retries_505 = 0;
        em_buf_free(&em->pkg);
        break;
    }
    return DFOTA_OK;
}

/* The head action waits for the host (waiting), or goes: when it goes
 * after a wait, the module waited, and the rest of its plan moves with it.
 * Returns waiting. */
static int hold(dfota_emulator *em, int waiting)
{
    if (!waiting && em->held && now_ns(em) > em->ag_due)
        em->ag_due = now_ns(em);
    em->held = waiting;
    return waiting;
}

/* A USB power-off waits for the host to read what it was sent: a little
 * wall time on a real or scaled clock (a host that does not read loses
 * it, as with a real module), longer on a virtual one, where the module's
 * time stands still meanwhile and the host is the harness itself. */
static int power_off_held(dfota_emulator *em, const action *a)
{
    if (a->kind != A_POWER_OFF || em->uart || em->master < 0)
        return hold(em, 0);
    int64_t wall = dfota_wall_ns();
    if (em->drain_until == 0)
        em->drain_until = wall + (dfota_clock_is_virtual(em->clock) ? EM_DRAIN_VIRTUAL_NS
                                                                    : EM_DRAIN_MAX_NS);
    em_flush_out(em);
    int waiting = wall < em->drain_until &&
                  (em_host_unread(em) || dfota_clock_on_wire(em->clock, DFOTA_WIRE_TO_HOST) > 0);
    if (!waiting)
        em->drain_until = 0;
    return hold(em, waiting);
}

/* After a USB reboot on a scaled clock, what the module says waits for its
 * host to reopen the port, but never longer than a real module would take
 * to say it (its delay after the port came back, unscaled, in wall time):
 * at 0.01 the module would otherwise say START 15 ms after the port came
 * back, before any host program could reopen it, and the host would be
 * charged with HOST-READ-TO-END for the emulator's haste. The host lives in
 * wall time and is given what a real module gives it. The rest of the plan
 * moves with the wait. Real and virtual clocks keep to the em_plan (a virtual
 * one does not move before the host has reopened). */
static int reopen_held(dfota_emulator *em, const action *a)
{
    if (em->reopen_wall == 0 || (a->kind != A_SAY && a->kind != A_LONG && a->kind != A_CUT))
        return 0;
    int waiting = em->master >= 0 && em_master_hup(em) &&
                  dfota_wall_ns() < em->reopen_wall + (em->ag_due - em->reopen_due);
    if (!waiting)
        em->reopen_wall = 0;
    return hold(em, waiting);
}

/* Runs the actions that are due; stops after a port change so that the
 * caller sees the terminal go and come back. */
dfota_err em_run_due(dfota_emulator *em, int *happened, char *err, size_t errlen)
{
    while (em->ag_len > 0) {
        action a = em->agenda[em->ag_head];
        int64_t due = em->ag_due;
        if (now_ns(em) < due || reopen_held(em, &a) || power_off_held(em, &a))
            return DFOTA_OK;
        em_agenda_pop(em, &a);
        *happened = 1;
        em->acting_due = due;
        dfota_err rc = act(em, &a, err, errlen);
        em->acting_due = DFOTA_T_NONE;
        em_flush_out(em);
        if (rc != DFOTA_OK || a.kind == A_POWER_OFF || a.kind == A_POWER_ON)
            return rc;
    }
    return DFOTA_OK;
}

/* ---- waiting ------------------------------------------------------------- */

/* The module time of the next thing the emulator will do by itself, or
 * DFOTA_T_NONE. */
int64_t em_next_due(const dfota_emulator *em)
{
    int64_t due = em->ag_len > 0 ? em->ag_due : DFOTA_T_NONE;
    if (em->up.fd >= 0 && (due == DFOTA_T_NONE || em->up.deadline < due))
        due = em->up.deadline;
    return due;
}

/* How long to wait, in wall ns, at most until the wall time end: until the
 * next action on a real or scaled clock (to the nanosecond, so that URCs
 * keep to their em_plan), never for one on a virtual clock (its time is
 * moved, not waited for). */
static int64_t wait_ns(const dfota_emulator *em, int64_t end, int hup)
{
    int64_t ns = end - dfota_wall_ns();
    int64_t due = em_next_due(em);
    if (due != DFOTA_T_NONE && !dfota_clock_is_virtual(em->clock)) {
        int64_t left = dfota_clock_wall_until(em->clock, due);
        if (left < ns)
            ns = left;
    }
    if (em->held && ns > DFOTA_NS_PER_MS)
        ns = DFOTA_NS_PER_MS;
    if ((hup || em->out_len > 0) && ns > EM_HUP_RECHECK_MS * DFOTA_NS_PER_MS)
        ns = EM_HUP_RECHECK_MS * DFOTA_NS_PER_MS;
    return ns > 0 ? ns : 0;
}

/* Sleeps until the host writes, libcurl has work, or the wait ends. A
 * terminal nobody has open reports POLLHUP at once, so it is then left out
 * and looked at again every EM_HUP_RECHECK_MS. */
void em_wait_events(dfota_emulator *em, int64_t end)
{
    int hup = em_master_hup(em);
    struct pollfd p = {em->master, POLLIN, 0};
    int n = em->master >= 0 && !hup;
    int64_t ns = wait_ns(em, end, hup);
    if (em->out_len > 0)
        p.events |= POLLOUT;
    if (em->easy) {
        struct curl_waitfd w = {em->master, CURL_WAIT_POLLIN, 0};
        int ms = (int)((ns + DFOTA_NS_PER_MS - 1) / DFOTA_NS_PER_MS);
        curl_multi_poll(em->multi, &w, (unsigned)n, ms, NULL);
    } else {
        struct timespec ts = {(time_t)(ns / DFOTA_NS_PER_S), (long)(ns % DFOTA_NS_PER_S)};
        ppoll(&p, (nfds_t)n, &ts, NULL);
    }
}
