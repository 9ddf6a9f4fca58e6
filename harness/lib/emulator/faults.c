/* SPDX-License-Identifier: MIT */
/* faults.c - the fault hooks: one function per fault kind, called at its
 * hook point with what the module is about to do; the named profiles,
 * which are sets of faults (emulator/module.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "emulator/module.h"

/* ---- faults -------------------------------------------------------------- */

static int fault_fires(fault_state *fs)
{
    if (fs->times > 0 && fs->fired >= fs->times)
        return 0;
    fs->fired++;
    return 1;
}

/* download-error: the download ends with the fault's code (default: the
 * guide's unknown error) for its first `times` downloads (default all). */
static void fault_download_error(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->code = fs->code ? fs->code : ctx->ftp ? 601 : 701;
}

/* update-fail: the attempt stops at the fault's percent (default 1) with
 * its code (default 502), for the first `times` attempts (default all). */
static void fault_update_fail(fault_state *fs, hook_ctx *ctx)
{
    if (!fault_fires(fs))
        return;
    ctx->code = fs->code ? fs->code : 502;
    ctx->percent = fs->at_percent >= 0 ? fs->at_percent : 1;
}

/* once: a fault that happens once unless `times` says more. */
static int fault_once(fault_state *fs)
{
    if (fs->fired >= (fs->times > 0 ? fs->times : 1))
        return 0;
    fs->fired++;
    return 1;
}

static int line_is(const hook_ctx *ctx, dfota_stage stage)
{
    return ctx->stage == stage;
}

/* accept-invalid: OK to a refused argument, then a download as usual. */
static void fault_accept_invalid(fault_state *fs, hook_ctx *ctx)
{
    if (fault_once(fs))
        ctx->accept = 1;
}

/* urc-after-error: ERROR to a refused argument, then FTPSTART anyway. */
static void fault_urc_after_error(fault_state *fs, hook_ctx *ctx)
{
    if (fault_once(fs))
        ctx->urc = 1;
}

/* lost-start: the START after the reboot never comes. */
static void fault_lost_start(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_START) && fault_once(fs))
        ctx->drop = 1;
}

/* out-of-order-urc: one UPDATING one below the one before it. */
static void fault_out_of_order(fault_state *fs, hook_ctx *ctx)
{
    if (!line_is(ctx, DFOTA_STAGE_UPDATING))
        return;
    long prev = fs->last;
    fs->last = ctx->code;
    if (prev > 1 && ctx->code > prev && fault_once(fs))
        em_fota_text(ctx->line, ctx->cap, DFOTA_STAGE_UPDATING, 1, prev - 1);
}

/* percent-signs: UPDATING values written "37%". */
static void fault_percent_signs(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && fault_fires(fs))
        snprintf(ctx->line, ctx->cap, EM_FOTA_PREFIX "%s\",%ld%%",
                 dfota_stage_name(DFOTA_STAGE_UPDATING), ctx->code);
}

/* truncated-urc: one UPDATING cut short: +QIND: "FOTA","UPD */
static void fault_truncated_urc(fault_state *fs, hook_ctx *ctx)
{
    size_t cut = strlen(EM_FOTA_PREFIX) + 3; /* the stage's first three letters */
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && ctx->cap > cut && fault_once(fs))
        ctx->line[cut] = '\0';
}

/* stray-bytes: bytes before START, on its line. */
static void fault_stray_bytes(fault_state *fs, hook_ctx *ctx)
{
    char tmp[EM_TEXT_MAX];
    if (!line_is(ctx, DFOTA_STAGE_START) || !fault_once(fs))
        return;
    snprintf(tmp, sizeof tmp, "%s", ctx->line);
    snprintf(ctx->line, ctx->cap, "\x7f~%s", tmp);
}

/* extra-codes: END with a code outside the guide's table (default 504). */
static void fault_extra_codes(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_END) && fault_fires(fs))
        em_fota_text(ctx->line, ctx->cap, DFOTA_STAGE_END, 1, fs->code ? fs->code : 504);
}

/* end-before-100: progress stops below 100 (at `at`, default 100 dropped),
 * END,0 all the same. */
static void fault_end_before_100(fault_state *fs, hook_ctx *ctx)
{
    long from = fs->at_percent >= 0 ? fs->at_percent : 100;
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && ctx->code >= from && fault_fires(fs))
        ctx->drop = 1;
}

/* duplicate-urc: one URC of the fault's stage (default START) said twice. */
static void fault_duplicate_urc(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, fs->stage != DFOTA_STAGE_NONE ? fs->stage : DFOTA_STAGE_START) && fault_once(fs))
        ctx->twice = 1;
}

/* overlong-line: a 3000-byte line before START. */
static void fault_overlong_line(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_START) && fault_once(fs))
        ctx->long_before = 1;
}

/* two-part-update: a second START in mid-update (at `at`, default 50)
 * with no END and no reboot before it. */
static void fault_two_part_update(fault_state *fs, hook_ctx *ctx)
{
    long at = fs->at_percent >= 0 ? fs->at_percent : 50;
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && ctx->code >= at && fault_once(fs))
        ctx->start_before = 1;
}

/* downloading-urcs: DOWNLOADING progress before FTPEND / HTTPEND (a field
 * firmware's habit, not the guide's). */
static void fault_downloading_urcs(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, DFOTA_STAGE_FTPEND) || line_is(ctx, DFOTA_STAGE_HTTPEND)) && fault_fires(fs))
        ctx->downloading = 1;
}

/* urc-cut-by-reboot: the FTPEND / HTTPEND before the reboot is cut off in
 * mid-line by the port going away. */
static void fault_urc_cut_by_reboot(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, DFOTA_STAGE_FTPEND) || line_is(ctx, DFOTA_STAGE_HTTPEND)) && ctx->code == 0 &&
        fault_once(fs))
        ctx->cut = 1;
}

/* reboot-never: the port goes away and never comes back. */
static void fault_reboot_never(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->drop = 1;
}

/* reboot-delay: the reboot takes the fault's delay (default 600 s). */
static void fault_reboot_delay(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->delay_ns = fs->delay_ns ? fs->delay_ns : 600 * DFOTA_NS_PER_S;
}

/* six-retries: after 505 the module retries once more than the guide's five. */
static void fault_six_retries(fault_state *fs, hook_ctx *ctx)
{
    (void)fs;
    ctx->code = DFOTA_RETRY_505_MAX + 1;
}

/* test-error: ERROR to AT+QFOTADL=?. */
static void fault_test_error(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->test && fault_once(fs))
        ctx->error = 1;
}

/* double-final: a second OK right after the OK of AT+QFOTADL="...". */
static void fault_double_final(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->test && fault_once(fs))
        ctx->twice = 1;
}

/* slow-final-result: the OK of AT+QFOTADL="..." comes the fault's delay
 * (default 10 s) late. */
static void fault_slow_final_result(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->test && fault_once(fs))
        ctx->delay_ns = fs->delay_ns ? fs->delay_ns : 10 * DFOTA_NS_PER_S;
}

/* no-retry: after END with a code retried until success, no reboot and no
 * new START; the module goes back to normal mode. */
static void fault_no_retry(fault_state *fs, hook_ctx *ctx)
{
    (void)fs;
    ctx->no_retry = 1;
}

/* percent-over-100: the UPDATING of 100 says 101. */
static void fault_percent_over_100(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && ctx->code == 100 && fault_once(fs))
        em_fota_text(ctx->line, ctx->cap, DFOTA_STAGE_UPDATING, 1, 101);
}

/* skip-download-start: no FTPSTART / HTTPSTART before the download's end. */
static void fault_skip_download_start(fault_state *fs, hook_ctx *ctx)
{
    if ((line_is(ctx, DFOTA_STAGE_FTPSTART) || line_is(ctx, DFOTA_STAGE_HTTPSTART)) && fault_fires(fs))
        ctx->drop = 1;
}

/* update-after-dl-fail: a failed download reboots into an update all the same. */
static void fault_update_after_dl_fail(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->code != 0 && fault_once(fs))
        ctx->update = 1;
}

/* no-port-drop: on USB the reboot after the download keeps the port: START
 * comes on the same terminal. */
static void fault_no_port_drop(fault_state *fs, hook_ctx *ctx)
{
    if (ctx->recovery && fault_once(fs))
        ctx->stay = 1;
}

/* no-end: the update reaches 100 and never says END. */
static void fault_no_end(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_END) && fault_once(fs))
        ctx->drop = 1;
}

/* http-code: HTTPEND with a code outside chapter 5 (default 799). */
static void fault_http_code(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, DFOTA_STAGE_HTTPEND) && fault_once(fs))
        em_fota_text(ctx->line, ctx->cap, DFOTA_STAGE_HTTPEND, 1, fs->code ? fs->code : 799);
}

/* slow-urc: the first URC of the fault's stage (default START; for
 * UPDATING the first at or past `at`) comes the fault's delay (default
 * 600 s) late, and everything the module planned after it with it: a
 * module that stalls. */
static void fault_slow_urc(fault_state *fs, hook_ctx *ctx)
{
    if (!line_is(ctx, fs->stage != DFOTA_STAGE_NONE ? fs->stage : DFOTA_STAGE_START))
        return;
    if (line_is(ctx, DFOTA_STAGE_UPDATING) && fs->at_percent >= 0 && ctx->code < fs->at_percent)
        return;
    if (fault_once(fs))
        ctx->later_ns =
            dfota_time_add(ctx->later_ns, fs->delay_ns ? fs->delay_ns : 600 * DFOTA_NS_PER_S);
}

/* slow-rdy: RDY after a boot into normal mode comes the fault's delay
 * (default 120 s) late. */
static void fault_slow_rdy(fault_state *fs, hook_ctx *ctx)
{
    if (!ctx->recovery && fault_once(fs))
        ctx->later_ns =
            dfota_time_add(ctx->later_ns, fs->delay_ns ? fs->delay_ns : 120 * DFOTA_NS_PER_S);
}

/* server-unreachable: the download cannot connect (601 / 701, or the
 * field's detailed code), without a packet sent. */
static void fault_server_unreachable(fault_state *fs, hook_ctx *ctx)
{
    if (fault_fires(fs))
        ctx->drop = 1;
}

/* garbage: a line of bytes no AT parser expects (NUL-free, high bytes,
 * an escape sequence) before the URC of the fault's stage (default START). */
static void fault_garbage(fault_state *fs, hook_ctx *ctx)
{
    if (line_is(ctx, fs->stage != DFOTA_STAGE_NONE ? fs->stage : DFOTA_STAGE_START) && fault_once(fs))
        ctx->garbage_before = 1;
}

/* blanks: every FOTA URC written with a blank after each comma, as the
 * guide's own examples and some firmware do: +QIND: "FOTA", "UPDATING", 45 */
static void fault_blanks(fault_state *fs, hook_ctx *ctx)
{
    char tmp[EM_TEXT_MAX];
    size_t o = 0;
    if (!fault_fires(fs))
        return;
    for (const char *p = ctx->line; *p && o + 2 < sizeof tmp; p++) {
        tmp[o++] = *p;
        if (*p == ',' && p[1] != ' ')
            tmp[o++] = ' ';
    }
    tmp[o] = '\0';
    snprintf(ctx->line, ctx->cap, "%s", tmp);
}

static const struct fault_hook fault_hooks[] = {
    {"download-error", HOOK_DOWNLOAD_END, fault_download_error},
    {"update-fail", HOOK_ATTEMPT, fault_update_fail},
    {"accept-invalid", HOOK_COMMAND, fault_accept_invalid},
    {"urc-after-error", HOOK_COMMAND, fault_urc_after_error},
    {"lost-start", HOOK_FOTA_LINE, fault_lost_start},
    {"out-of-order-urc", HOOK_FOTA_LINE, fault_out_of_order},
    {"percent-signs", HOOK_FOTA_LINE, fault_percent_signs},
    {"truncated-urc", HOOK_FOTA_LINE, fault_truncated_urc},
    {"stray-bytes", HOOK_FOTA_LINE, fault_stray_bytes},
    {"extra-codes", HOOK_FOTA_LINE, fault_extra_codes},
    {"end-before-100", HOOK_FOTA_LINE, fault_end_before_100},
    {"duplicate-urc", HOOK_FOTA_LINE, fault_duplicate_urc},
    {"overlong-line", HOOK_FOTA_LINE, fault_overlong_line},
    {"two-part-update", HOOK_FOTA_LINE, fault_two_part_update},
    {"downloading-urcs", HOOK_FOTA_LINE, fault_downloading_urcs},
    {"urc-cut-by-reboot", HOOK_FOTA_LINE, fault_urc_cut_by_reboot},
    {"reboot-never", HOOK_REBOOT, fault_reboot_never},
    {"reboot-delay", HOOK_REBOOT, fault_reboot_delay},
    {"six-retries", HOOK_RETRY, fault_six_retries},
    {"test-error", HOOK_ANSWER, fault_test_error},
    {"double-final", HOOK_ANSWER, fault_double_final},
    {"no-retry", HOOK_RETRY, fault_no_retry},
    {"percent-over-100", HOOK_FOTA_LINE, fault_percent_over_100},
    {"skip-download-start", HOOK_FOTA_LINE, fault_skip_download_start},
    {"update-after-dl-fail", HOOK_DOWNLOAD_END, fault_update_after_dl_fail},
    {"no-port-drop", HOOK_REBOOT, fault_no_port_drop},
    {"slow-final-result", HOOK_ANSWER, fault_slow_final_result},
    {"no-end", HOOK_FOTA_LINE, fault_no_end},
    {"http-code", HOOK_FOTA_LINE, fault_http_code},
    {"slow-urc", HOOK_FOTA_LINE, fault_slow_urc},
    {"slow-rdy", HOOK_REBOOT, fault_slow_rdy},
    {"server-unreachable", HOOK_DOWNLOAD, fault_server_unreachable},
    {"garbage", HOOK_FOTA_LINE, fault_garbage},
    {"blanks", HOOK_FOTA_LINE, fault_blanks},
};

/* Where a hook point is, for the console. */
static const char *hook_where(hook_point at)
{
    switch (at) {
    case HOOK_DOWNLOAD_END: return "the download's end";
    case HOOK_ATTEMPT: return "the update attempt";
    case HOOK_FOTA_LINE: return "a FOTA URC";
    case HOOK_REBOOT: return "a reboot";
    case HOOK_RETRY: return "the 505 retries";
    case HOOK_COMMAND: return "a refused AT+QFOTADL";
    case HOOK_ANSWER: return "AT+QFOTADL's answer";
    case HOOK_DOWNLOAD: return "the download's connection";
    }
    return "?";
}

void em_run_hooks(dfota_emulator *em, hook_point at, hook_ctx *ctx)
{
    for (size_t i = 0; i < em->n_faults; i++)
        if (em->faults[i].hook->at == at) {
            fault_state *fs = &em->faults[i];
            long fired = fs->fired, code = ctx->code;
            fs->hook->fn(fs, ctx);
            if (fs->fired == fired)
                continue;
            char times[32] = "every time";
            if (fs->times > 0)
                snprintf(times, sizeof times, "%ld of %ld", fs->fired, fs->times);
            char more[48] = "";
            if (ctx->code != code)
                snprintf(more, sizeof more, " -> code %ld", ctx->code);
            if (at == HOOK_ATTEMPT && ctx->percent >= 0 && ctx->code != code)
                snprintf(more + strlen(more), sizeof more - strlen(more), " at %d%%", ctx->percent);
            em_console(em, "fault: %s fires (%s) at %s%s", fs->hook->kind, times, hook_where(at),
                       more);
        }
}

/* Named profiles: the manners FIELD-QUIRKS describes, each the field's
 * detailed codes and the faults that make it. */
#define PROFILE_FAULTS_MAX 3

static const struct {
    const char *name, *about;
    struct {
        const char *kind;
        long code;
        int at;
    } faults[PROFILE_FAULTS_MAX];
} named_profiles[] = {
    {"lowend", "low-end families: DOWNLOADING progress, % signs, blanks",
     {{"downloading-urcs", 0, -1}, {"percent-signs", 0, -1}, {"blanks", 0, -1}}},
    {"usb-lost-start", "START sent before the host has the USB port back",
     {{"lost-start", 0, -1}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"two-part", "a second START at 60 %, no END between (two parts)",
     {{"two-part-update", 0, 60}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"vendor-codes", "END with 504, a code outside chapter 6",
     {{"extra-codes", 504, -1}, {NULL, 0, -1}, {NULL, 0, -1}}},
    {"cut-urcs", "the URC before the reboot cut, stray bytes before START",
     {{"urc-cut-by-reboot", 0, -1}, {"stray-bytes", 0, -1}, {NULL, 0, -1}}},
};

const char *dfota_emulator_profile_name(size_t i, const char **about)
{
    if (i >= sizeof named_profiles / sizeof named_profiles[0])
        return NULL;
    if (about)
        *about = named_profiles[i].about;
    return named_profiles[i].name;
}

int em_named_profile(const char *name)
{
    for (size_t i = 0; name && i < sizeof named_profiles / sizeof named_profiles[0]; i++)
        if (strcmp(named_profiles[i].name, name) == 0)
            return (int)i;
    return -1;
}

int dfota_emulator_profile_known(const char *name)
{
    dfota_profile judge;
    return name && (dfota_profile_parse(name, &judge) == DFOTA_OK || em_named_profile(name) >= 0);
}

/* The stage a fault names (the fault table reads it), DFOTA_STAGE_NONE for
 * none. */
static dfota_stage fault_stage(const char *name)
{
    char why[8];
    dfota_fault_value v;
    if (!name || dfota_fault_value_parse(DFOTA_FAULT_STAGE, name, strlen(name), &v, why,
                                         sizeof why) != DFOTA_OK)
        return DFOTA_STAGE_NONE;
    return v.stage;
}

static const struct fault_hook *fault_hook_of(const char *kind)
{
    for (size_t k = 0; kind && k < sizeof fault_hooks / sizeof fault_hooks[0]; k++)
        if (strcmp(kind, fault_hooks[k].kind) == 0)
            return &fault_hooks[k];
    return NULL;
}

/* The named profile's faults, after the spec's. */
dfota_err em_profile_faults_load(dfota_emulator *em, int p, char *err, size_t errlen)
{
    for (size_t i = 0; p >= 0 && i < PROFILE_FAULTS_MAX && named_profiles[p].faults[i].kind; i++) {
        const struct fault_hook *hook = fault_hook_of(named_profiles[p].faults[i].kind);
        if (!hook || em->n_faults == EM_FAULTS_MAX) {
            dfota_errf(err, errlen, "profile %s: cannot play its fault %s", named_profiles[p].name,
                    named_profiles[p].faults[i].kind);
            return DFOTA_E_INPUT;
        }
        em->faults[em->n_faults++] = (fault_state){hook, named_profiles[p].faults[i].code,
                                                   named_profiles[p].faults[i].at, 0, 0, 0,
                                                   DFOTA_STAGE_NONE, 0};
    }
    return DFOTA_OK;
}

dfota_err em_faults_load(dfota_emulator *em, const dfota_fault *faults, size_t n, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < n && em->n_faults < EM_FAULTS_MAX; i++) {
        const dfota_fault *f = &faults[i];
        const struct fault_hook *hook = fault_hook_of(f->kind);
        if (!hook) {
            char at[32] = ""; /* the scenario's line, when the fault has one */
            if (f->line)
                snprintf(at, sizeof at, "line %lu: ", f->line);
            dfota_errf(err, errlen, "%sthe emulator cannot play fault '%s' yet", at,
                       f->kind ? f->kind : "");
            return DFOTA_E_INPUT;
        }
        fault_state *fs = &em->faults[em->n_faults++];
        *fs = (fault_state){hook, f->code, f->at_percent, f->times, 0, f->delay_ns,
                            fault_stage(f->stage), 0};
    }
    return DFOTA_OK;
}

const char *dfota_emulator_fault_kind(size_t i)
{
    return i < sizeof fault_hooks / sizeof fault_hooks[0] ? fault_hooks[i].kind : NULL;
}

/* One KEY=VALUE of a --fault into *f. */
static dfota_err fault_key(dfota_fault *f, const char *kv, size_t n, char *err, size_t errlen)
{
    const char *eq = memchr(kv, '=', n);
    size_t kl = eq ? (size_t)(eq - kv) : n;
    dfota_fault_param p = dfota_fault_param_named(kv, kl);
    dfota_fault_value v;
    if (!eq || !p) {
        dfota_errf(err, errlen, "KIND[:KEY=VALUE,...], KEY code, at, times, delay, stage");
        return DFOTA_E_INPUT;
    }
    if (dfota_fault_value_parse(p, eq + 1, n - kl - 1, &v, err, errlen) != DFOTA_OK)
        return DFOTA_E_INPUT;
    switch (p) {
    case DFOTA_FAULT_CODE: f->code = v.number; break;
    case DFOTA_FAULT_AT: f->at_percent = (int)v.number; break;
    case DFOTA_FAULT_TIMES: f->times = v.number; break;
    case DFOTA_FAULT_DELAY: f->delay_ns = v.delay_ns; break;
    case DFOTA_FAULT_STAGE: f->stage = dfota_stage_name(v.stage); break;
    }
    return DFOTA_OK;
}

dfota_err dfota_emulator_fault_parse(const char *arg, dfota_fault *f, char *kind, size_t kind_cap,
                                     char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->at_percent = -1;
    const char *colon = strchr(arg, ':');
    size_t kn = colon ? (size_t)(colon - arg) : strlen(arg);
    if (kn == 0 || kn >= kind_cap) {
        dfota_errf(err, errlen, "a fault's kind is 1 to %zu bytes", kind_cap - 1);
        return DFOTA_E_INPUT;
    }
    memcpy(kind, arg, kn);
    kind[kn] = '\0';
    f->kind = kind;
    for (const char *p = colon ? colon + 1 : NULL; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (fault_key(f, p, n, err, errlen) != DFOTA_OK)
            return DFOTA_E_INPUT;
        p = comma ? comma + 1 : NULL;
    }
    return DFOTA_OK;
}
