/* dfota/dfota.h - the whole public API of the core library. */
#ifndef DFOTA_DFOTA_H
#define DFOTA_DFOTA_H

#include "dfota/error.h"
#include "dfota/event.h"
#include "dfota/atline.h"
#include "dfota/spec.h"
#include "dfota/rules.h"
#include "dfota/transcript.h"
#include "dfota/reader.h"
#include "dfota/checker.h"
#include "dfota/output.h"
#include "dfota/duration.h"
#include "dfota/redact.h"
#include "dfota/port.h"
#include "dfota/proxy.h"
#include "dfota/stage.h"
#include "dfota/provenance.h"

#define DFOTA_VERSION "0.1.0"

#endif
