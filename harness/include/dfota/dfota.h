/* SPDX-License-Identifier: MIT */
/* dfota/dfota.h - the whole public API of the core library. */
#ifndef DFOTA_DFOTA_H
#define DFOTA_DFOTA_H

#include "dfota/base.h"
#include "dfota/at.h"
#include "dfota/guide.h"
#include "dfota/log.h"
#include "dfota/judge.h"
#include "dfota/scenario.h"
#include "dfota/report.h"
#include "dfota/port.h"
#include "dfota/emulator.h"
#include "dfota/source.h"
#include "dfota/stage.h"
#include "dfota/run.h"

#endif
