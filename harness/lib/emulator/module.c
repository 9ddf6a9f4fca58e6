/* SPDX-License-Identifier: MIT */
/* module.c - the emulator's life: start and stop, and the public API
 * that runs it (dfota/emulator.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lazy_curl.h"

#include "emulator/module.h"

/* ---- the public API ------------------------------------------------------ */

/* The link is this emulator's alone: a second one on it would take it
 * over, then remove it when it stops, leaving the first one's host with
 * nothing. The lock is taken before the link is looked at. */
static dfota_err link_check(dfota_emulator *em, char *err, size_t errlen)
{
    if (em->link[0] && (em->link_lock = dfota_pty_link_lock(em->link, err, errlen)) < 0)
        return DFOTA_E_ARG;
    return dfota_pty_link_check(em->link, err, errlen);
}

static dfota_err ufs_setup(dfota_emulator *em, char *err, size_t errlen)
{
    struct stat st;
    if (em->ufs[0]) {
        if (stat(em->ufs, &st) != 0 || !S_ISDIR(st.st_mode)) {
            dfota_errf(err, errlen, "the UFS folder %s is not a folder", em->ufs);
            return DFOTA_E_ARG;
        }
        return DFOTA_OK;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(em->ufs, sizeof em->ufs - 256, "%s/dfota-ufs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(em->ufs)) {
        dfota_errf(err, errlen, "cannot make a UFS folder: %s", strerror(errno));
        em->ufs[0] = '\0';
        return DFOTA_E_IO;
    }
    em->own_ufs = 1;
    return DFOTA_OK;
}

dfota_err dfota_emulator_new(const dfota_emulator_opts *opts, dfota_emulator **out, char *err,
                             size_t errlen)
{
    dfota_err rc = DFOTA_E_ARG;
    dfota_emulator *em = NULL;
    if (!out || !opts)
        goto fail;
    *out = NULL;
    rc = DFOTA_E_NOMEM;
    if (!(em = calloc(1, sizeof *em)))
        goto fail;
    em->master = -1;
    em->ino = -1;
    em->link_lock = -1;
    em->up.fd = -1;
    em_at_reset(em);
    em->acting_due = DFOTA_T_NONE;
    em->on_event = opts->on_event;
    em->event_ctx = opts->event_ctx;
    em->on_console = opts->on_console;
    em->console_ctx = opts->console_ctx;
    if ((rc = em_opts_apply(em, opts, err, errlen)) || (rc = link_check(em, err, errlen)) ||
        (rc = em_faults_load(em, opts->spec ? opts->spec->faults : NULL,
                             opts->spec ? opts->spec->n_faults : 0, err, errlen)) ||
        (rc = em_faults_load(em, opts->faults, opts->n_faults, err, errlen)) ||
        (rc = em_profile_faults_load(em, em->named_profile, err, errlen)) ||
        (rc = ufs_setup(em, err, errlen)))
        goto fail;
    if (dfota_need_curl(err, errlen) != 0) {
        rc = DFOTA_E_IO; /* its downloads need libcurl: not installed, or it cannot start */
        goto fail;
    }
    rc = DFOTA_E_NOMEM;
    if (!(em->multi = curl_multi_init()))
        goto fail;
    if (em->on_event &&
        (!(em->rec_host = dfota_framer_new()) || !(em->rec_module = dfota_framer_new())))
        goto fail;
    if ((rc = em_port_open(em, err, errlen)) != DFOTA_OK)
        goto fail;
    *out = em;
    return DFOTA_OK;
fail:
    if (rc == DFOTA_E_NOMEM)
        dfota_errf(err, errlen, "out of memory");
    else if (rc == DFOTA_E_ARG && (!out || !opts))
        dfota_errf(err, errlen, "no options or no place for the emulator");
    dfota_emulator_free(em);
    return rc;
}

void dfota_emulator_free(dfota_emulator *em)
{
    if (!em)
        return;
    if (em->testbed_dev[0]) {
        /* stopped during a USB reboot: the test bed gets its device back,
         * silently (the recording may already be gone) */
        em->on_event = NULL;
        em_testbed_replug(em);
    }
    em_upload_abort(em);
    em_port_close(em);
    dfota_pty_link_unlock(em->link, em->link_lock); /* after the link is gone */
    em_download_stop(em);
    if (em->multi)
        curl_multi_cleanup(em->multi);
    curl_slist_free_all(em->connect_to);
    if (em->own_ufs && em_ufs_delete_all(em) == 0)
        rmdir(em->ufs);
    em_buf_free(&em->pkg);
    em_model_free(em->model_data);
    dfota_framer_free(em->rec_host);
    dfota_framer_free(em->rec_module);
    if (em->own_clock)
        dfota_clock_free(em->clock);
    free(em);
}

long dfota_emulator_link_holder(const char *link)
{
    return link && link[0] ? dfota_pty_link_holder(link) : 0;
}

const char *dfota_emulator_tty(const dfota_emulator *em)
{
    return em ? em->tty : "";
}

const char *dfota_emulator_ufs_dir(const dfota_emulator *em)
{
    return em ? em->ufs : "";
}

const char *dfota_emulator_firmware(const dfota_emulator *em)
{
    return em ? em->firmware : "";
}

int dfota_emulator_wait_ms(const dfota_emulator *em, int cap_ms)
{
    if (em->easy || em->held)
        return cap_ms < 1 ? cap_ms : 1;
    int64_t due = em_next_due(em);
    if (due == DFOTA_T_NONE)
        return cap_ms;
    return dfota_clock_wait_ms(em->clock, due, cap_ms);
}

int64_t dfota_emulator_next_due(const dfota_emulator *em)
{
    return em_next_due(em);
}

int dfota_emulator_quiet(const dfota_emulator *em)
{
    int64_t due = em_next_due(em);
    return !em->easy && !em->held && em->out_len == 0 &&
           (due == DFOTA_T_NONE || due > now_ns(em));
}

int dfota_emulator_port_up(const dfota_emulator *em)
{
    return em->master >= 0;
}

dfota_err dfota_emulator_step(dfota_emulator *em, int timeout_ms, char *err, size_t errlen)
{
    if (!em || timeout_ms < 0) {
        dfota_errf(err, errlen, "no emulator, or a negative timeout");
        return DFOTA_E_ARG;
    }
    int64_t end = dfota_wall_ns() + (int64_t)timeout_ms * DFOTA_NS_PER_MS;
    for (;;) {
        int happened = 0;
        dfota_err rc = em_run_due(em, &happened, err, errlen);
        if (rc != DFOTA_OK)
            return rc;
        if (em->agenda_overflow) {
            dfota_errf(err, errlen, "the emulator's agenda overflowed (a bug)");
            return DFOTA_E_TOO_BIG;
        }
        em_host_sync(em);
        em_download_result res;
        if (em_download_poll(em, &res)) {
            em_download_ended(em, &res);
            happened = 1;
        }
        happened |= em_read_host(em);
        happened |= em_upload_idle(em);
        em_flush_out(em);
        if (happened || dfota_wall_ns() >= end)
            return DFOTA_OK;
        em_wait_events(em, end);
    }
}
