/* SPDX-License-Identifier: MIT */
/* parts.h - the readers of a scenario's parts that its files share (not
 * public API). Each reads node i of the tree into the scenario model; a
 * string it sets is the model's, freed with dfota_scenario_free or
 * dfota_pkgmap_free. */
#ifndef DFOTA_LIB_SCENARIO_PARTS_H
#define DFOTA_LIB_SCENARIO_PARTS_H

#include <stddef.h>

#include "dfota/guide.h"
#include "dfota/scenario.h"
#include "scenario/tree.h"

/* The guide's URC stages a scenario may name, with the window each opens
 * (steps.c). */
typedef struct {
    const char *name;
    dfota_stage stage;
    dfota_window window;
} guide_stage;

extern const guide_stage scn_guide_stages[];

/* The guide's URC stage a node names: its index in guide_stages, or an
 * error naming the stages there are. */
dfota_err scn_stage_of(const ytree *t, size_t i, const char *what, size_t *index);

/* The whole scenario from the tree's root, the parts in the order of the
 * format (parts.c); want_name, when not NULL, is the name it must have. */
dfota_err scn_validate(const ytree *t, dfota_scenario *sc, const char *want_name);
/* A firmware version: printable, no blank, at most DFOTA_FIRMWARE_MAX. */
dfota_err scn_do_firmware(const ytree *t, size_t i, const char *what, char **dst);
/* One fault of the emulator block (faults.c). */
dfota_err scn_do_fault(const ytree *t, size_t i, dfota_fault *f);
/* The steps (steps.c), checked against the vars read before them. */
dfota_err scn_do_steps(const ytree *t, size_t i, dfota_scenario *sc);

#endif
