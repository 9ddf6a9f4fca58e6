/* options.c - the emulator's options applied: options left unset (NULL or 0)
 * take the scenario's emulator block, then the defaults of dfota/emulator.h
 * (emulator/module.h). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "emulator/module.h"

static dfota_err copy_text(char *dst, size_t cap, const char *src, const char *what, char *err,
                           size_t errlen)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap) {
        dfota_errf(err, errlen, "the %s must be 1 to %zu bytes", what, cap - 1);
        return DFOTA_E_ARG;
    }
    memcpy(dst, src, n + 1);
    return DFOTA_OK;
}

dfota_err em_opts_apply(dfota_emulator *em, const dfota_emulator_opts *o, char *err,
                            size_t errlen)
{
    const dfota_emulator_spec *sp = o->spec && o->spec->present ? o->spec : NULL;
    const char *fw = o->firmware ? o->firmware : sp && sp->firmware ? sp->firmware : DEFAULT_FIRMWARE;
    dfota_err rc = copy_text(em->firmware, sizeof em->firmware, fw, "firmware version", err, errlen);
    if (!rc)
        rc = copy_text(em->model, sizeof em->model, o->model ? o->model : DEFAULT_MODEL, "model", err,
                       errlen);
    if (!rc && o->link)
        rc = copy_text(em->link, sizeof em->link - 32, o->link, "link path", err, errlen);
    if (!rc && o->ufs_dir)
        rc = copy_text(em->ufs, sizeof em->ufs - 256, o->ufs_dir, "UFS folder", err, errlen);
    if (rc)
        return rc;
    em->loopback_only = o->loopback_only;
    for (size_t i = 0; i < o->n_connect_to; i++) {
        struct curl_slist *l = curl_slist_append(em->connect_to, o->connect_to[i]);
        if (!l) {
            snprintf(err, errlen, "out of memory");
            return DFOTA_E_NOMEM;
        }
        em->connect_to = l;
    }
    const char *prof = o->profile ? o->profile : sp ? sp->profile : NULL;
    if (prof && !dfota_emulator_profile_known(prof)) {
        char names[400];
        size_t n = (size_t)snprintf(names, sizeof names, "strict, field");
        const char *nm;
        for (size_t i = 0; (nm = dfota_emulator_profile_name(i, NULL)) && n < sizeof names; i++)
            n += (size_t)snprintf(names + n, sizeof names - n, ", %s", nm);
        dfota_errf(err, errlen, "unknown emulator profile '%.60s': use %s", prof, names);
        return DFOTA_E_ARG;
    }
    em->named_profile = em_named_profile(prof);
    em->field = o->field || (prof && strcmp(prof, "strict") != 0);
    em->uart = o->uart || (sp && sp->port && strcmp(sp->port, "uart") == 0);
    em->reboot_ns = o->reboot_ns > 0 ? o->reboot_ns : DEFAULT_REBOOT_NS;
    em->step_ns = o->progress_step_ns > 0 ? o->progress_step_ns : DEFAULT_STEP_NS;
    em->progress_urcs = o->progress_urcs >= 2 && o->progress_urcs <= 100 ? o->progress_urcs
                                                                          : EM_PROGRESS_URCS;
    em->free_space = o->free_space > 0 ? o->free_space
                     : sp && sp->free_space > 0 ? sp->free_space : DEFAULT_FREE_SPACE;
    if (o->free_space < 0) {
        dfota_errf(err, errlen, "the free space must not be negative");
        return DFOTA_E_ARG;
    }
    if (o->clock) {
        em->clock = o->clock;
        return DFOTA_OK;
    }
    double scale = o->time_scale == 0 ? 1.0 : o->time_scale;
    if (!(scale > 0) || !isfinite(scale)) {
        dfota_errf(err, errlen, "the time scale must be above 0");
        return DFOTA_E_ARG;
    }
    em->own_clock = 1;
    return dfota_clock_new_wall(scale, &em->clock, err, errlen);
}

