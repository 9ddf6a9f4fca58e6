/* SPDX-License-Identifier: MIT */
/* profile.c - the profiles' names, read and written in one place
 * (dfota/guide.h). */
#include <string.h>

#include "dfota/guide.h"

const char *dfota_profile_name(dfota_profile p)
{
    return p == DFOTA_PROFILE_FIELD ? "field" : "strict";
}

dfota_err dfota_profile_parse(const char *name, dfota_profile *p)
{
    if (name && strcmp(name, "strict") == 0)
        *p = DFOTA_PROFILE_STRICT;
    else if (name && strcmp(name, "field") == 0)
        *p = DFOTA_PROFILE_FIELD;
    else
        return DFOTA_E_INPUT;
    return DFOTA_OK;
}
