/* SPDX-License-Identifier: MIT */
/* flow.c - the update flow: reboots, update attempts, retries, and what
 * follows the end of a download (emulator/module.h). */
#define _GNU_SOURCE
#include "emulator/module.h"

/* ---- the update flow ----------------------------------------------------- */

static const struct {
    int64_t after;
    const char *text;
} boot_lines[] = {
    {1400 * DFOTA_NS_PER_MS, "+CPIN: READY"},   {100 * DFOTA_NS_PER_MS, "+QUSIM: 1"},
    {50 * DFOTA_NS_PER_MS, "+CFUN: 1"},         {2600 * DFOTA_NS_PER_MS, "+QIND: PB DONE"},
    {400 * DFOTA_NS_PER_MS, "+QIND: SMS DONE"},
};

/* Power off after off_ns, the port away for reboot_ns, then recovery
 * (START follows) or normal mode (RDY and the boot chatter). On a UART the
 * port stays and RDY marks every boot. */
void em_plan_reboot(dfota_emulator *em, int recovery, int64_t off_ns)
{
    hook_ctx c = {.delay_ns = em->reboot_ns, .recovery = recovery};
    em_run_hooks(em, HOOK_REBOOT, &c);
    if (c.stay && recovery) {
        em_plan(em, dfota_time_add3(off_ns, c.delay_ns, T_RECOVERY), A_RECOVERY, NULL);
        return;
    }
    em_plan(em, off_ns, A_POWER_OFF, NULL);
    if (c.drop)
        return;
    em_plan(em, c.delay_ns, A_POWER_ON, NULL);
    if (recovery) {
        if (em->uart)
            em_plan_say(em, T_RDY, "RDY");
        em_plan(em, em->uart ? T_RECOVERY - T_RDY : T_RECOVERY, A_RECOVERY, NULL);
        return;
    }
    em_plan_say(em, dfota_time_add(T_RDY, c.later_ns), "RDY");
    em_plan(em, 0, A_NORMAL, NULL);
    for (size_t i = 0; i < sizeof boot_lines / sizeof boot_lines[0]; i++)
        em_plan_say(em, boot_lines[i].after, boot_lines[i].text);
}

/* UPDATING URCs up to the percent, progress_urcs of them for a whole
 * update (by default 10: 1, 12, 23 ... 100). */
static void plan_progress(dfota_emulator *em, int upto)
{
    int n = em->progress_urcs;
    for (int k = 0; k < n; k++) {
        int pct = 1 + k * 99 / (n - 1);
        if (pct >= upto)
            break;
        em_plan_fota(em, em->step_ns, DFOTA_STAGE_UPDATING, pct, 1);
    }
    if (upto > 0)
        em_plan_fota(em, em->step_ns, DFOTA_STAGE_UPDATING, upto, 1);
}

/* After END,<code>: 505 retries five times, 520-530 and 540-546 until
 * success (chapter 6); anything else goes back to normal mode. */
static int retry_after(dfota_emulator *em, long code)
{
    hook_ctx c = {.code = DFOTA_RETRY_505_MAX};
    em_run_hooks(em, HOOK_RETRY, &c);
    if (code == 505)
        return em->retries_505 < c.code ? ++em->retries_505 : 0;
    if (c.no_retry && code != 0 && dfota_spec_code_retried(code))
        return -1;
    return code != 0 && dfota_spec_code_retried(code);
}

void em_plan_attempt(dfota_emulator *em)
{
    hook_ctx c = {.code = em_pkg_verdict(em), .percent = 100};
    if (c.code != 0)
        c.percent = 1; /* the package check fails early */
    em_run_hooks(em, HOOK_ATTEMPT, &c);
    if (c.code == 0)
        c.percent = 100;
    em_plan_fota(em, 0, DFOTA_STAGE_START, 0, 0);
    plan_progress(em, c.percent);
    em_plan_fota(em, em->step_ns, DFOTA_STAGE_END, c.code, 1);
    if (c.code == 0)
        em_plan(em, 0, A_FIRMWARE, NULL);
    int retry = retry_after(em, c.code);
    if (retry < 0)
        em_plan(em, 0, A_NORMAL, NULL); /* no-retry: no reboot, no new START */
    else
        em_plan_reboot(em, retry, T_POWER_OFF);
}

void em_download_ended(dfota_emulator *em, const em_download_result *res)
{
    hook_ctx c = {.code = res->code, .ftp = res->ftp};
    em_run_hooks(em, HOOK_DOWNLOAD_END, &c);
    const char *stage = res->ftp ? "FTPEND" : "HTTPEND", *proto = res->ftp ? "FTP" : "HTTP";
    if (res->code == 0)
        em_console(em, "download: %s done, %zu bytes -> %s,%ld", proto, em->pkg.len, stage, c.code);
    else
        em_console(em, "download: %s failed: %s -> %s,%ld", proto,
                   em->dl_error[0] ? em->dl_error : "(no reason given)", stage, c.code);
    em_plan_fota(em, 0, res->ftp ? DFOTA_STAGE_FTPEND : DFOTA_STAGE_HTTPEND, c.code, 1);
    if (c.code == 0 || c.update)
        em_plan_reboot(em, 1, T_POWER_OFF);
    else
        em_plan(em, 0, A_NORMAL, NULL);
}
