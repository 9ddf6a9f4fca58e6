/* SPDX-License-Identifier: MIT */
/* options.c - option precedence: the options, the scenario's emulator
 * block and the named profile weighed into the settings an emulator runs
 * with (dfota_emulator_settings_resolve), and those settings applied. An
 * option given wins over the scenario's, which wins over the defaults of
 * dfota/emulator.h. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/lazy_curl.h"

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

/* "unknown emulator profile 'x': use strict, field, lowend, ..." */
static dfota_err unknown_profile(const char *prof, char *err, size_t errlen)
{
    char names[400];
    size_t n = (size_t)snprintf(names, sizeof names, "%s, %s",
                                dfota_profile_name(DFOTA_PROFILE_STRICT),
                                dfota_profile_name(DFOTA_PROFILE_FIELD));
    const char *nm;
    for (size_t i = 0; (nm = dfota_emulator_profile_name(i, NULL)) && n < sizeof names; i++)
        n += (size_t)snprintf(names + n, sizeof names - n, ", %s", nm);
    dfota_errf(err, errlen, "unknown emulator profile '%.60s': use %s", prof, names);
    return DFOTA_E_ARG;
}

dfota_err dfota_emulator_settings_resolve(const dfota_emulator_opts *o,
                                          dfota_emulator_settings *out, char *err, size_t errlen)
{
    const dfota_emulator_spec *sp = o && o->spec && o->spec->present ? o->spec : NULL;
    dfota_emulator_settings s = {.judge = DFOTA_PROFILE_STRICT};
    if (!o || !out) {
        dfota_errf(err, errlen, "no options or no place for the settings");
        return DFOTA_E_ARG;
    }
    s.firmware = o->firmware         ? o->firmware
                 : sp && sp->firmware ? sp->firmware
                 : o->required_firmware ? o->required_firmware
                                        : DEFAULT_FIRMWARE;
    s.profile = o->profile ? o->profile : sp ? sp->profile : NULL;
    if (s.profile && !dfota_emulator_profile_known(s.profile))
        return unknown_profile(s.profile, err, errlen);
    s.named_profile = s.profile && dfota_profile_parse(s.profile, &s.judge) != DFOTA_OK;
    s.field = o->field || s.named_profile || s.judge == DFOTA_PROFILE_FIELD;
    s.uart = o->uart > 0 || (o->uart == 0 && sp && sp->port && strcmp(sp->port, "uart") == 0);
    if (o->free_space < 0) {
        dfota_errf(err, errlen, "the free space must not be negative");
        return DFOTA_E_ARG;
    }
    s.free_space = o->free_space > 0                ? o->free_space
                   : sp && sp->free_space > 0 ? sp->free_space
                                              : DEFAULT_FREE_SPACE;
    if ((sp ? sp->n_faults : 0) + o->n_faults > EM_FAULTS_MAX) {
        dfota_errf(err, errlen, "more than %d faults with the scenario's", EM_FAULTS_MAX);
        return DFOTA_E_ARG;
    }
    *out = s;
    return DFOTA_OK;
}

dfota_err em_opts_apply(dfota_emulator *em, const dfota_emulator_opts *o, char *err,
                        size_t errlen)
{
    dfota_emulator_settings set;
    dfota_err rc = dfota_emulator_settings_resolve(o, &set, err, errlen);
    if (!rc)
        rc = copy_text(em->firmware, sizeof em->firmware, set.firmware, "firmware version", err,
                       errlen);
    if (!rc)
        rc = em_model_load(o->model, &em->model_data, err, errlen);
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
    em->named_profile = em_named_profile(set.profile);
    em->field = set.field;
    em->uart = set.uart;
    em->reboot_ns = o->reboot_ns > 0 ? o->reboot_ns : DEFAULT_REBOOT_NS;
    em->step_ns = o->progress_step_ns > 0 ? o->progress_step_ns : DEFAULT_STEP_NS;
    em->progress_urcs = o->progress_urcs >= 2 && o->progress_urcs <= 100 ? o->progress_urcs
                                                                          : EM_PROGRESS_URCS;
    em->free_space = set.free_space;
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
