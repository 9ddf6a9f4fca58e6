#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the scenario library against the built-in emulator, with a report.
# dfota run starts the fixture FTP and HTTP servers on loopback itself and
# stops them again (also when the run fails or is interrupted).
# usage: emulator-suite.sh REPORT_DIR [dfota run options...]
# Prints dfota run's output; exits with dfota run's status (4 when the
# fixture servers cannot start).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dfota=${DFOTA:-$root/build/dfota}
report=$1
shift
exec "$dfota" run --source emulator --report "$report" "$@" "$root/scenarios"
