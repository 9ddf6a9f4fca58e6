/* SPDX-License-Identifier: MIT */
/* error.c - descriptions of dfota_err. */
#include "dfota/base.h"

const char *dfota_strerror(dfota_err err)
{
    switch (err) {
    case DFOTA_OK: return "no error";
    case DFOTA_E_ARG: return "invalid argument";
    case DFOTA_E_IO: return "input/output error";
    case DFOTA_E_INPUT: return "input not in the expected form";
    case DFOTA_E_TOO_BIG: return "input past a limit";
    case DFOTA_E_NOMEM: return "out of memory";
    case DFOTA_E_TIMEOUT: return "timed out";
    }
    return "unknown error";
}
