#!/usr/bin/env bash
# Runs the scenario library against the built-in emulator, downloading
# from the fixture servers: starts the servers on loopback, runs, stops
# them (also when the run fails or is interrupted).
# usage: emulator-suite.sh REPORT_DIR [dfota run options...]
# Prints dfota run's output; exits with dfota run's status, or 4 when the
# fixture servers cannot start.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dfota=${DFOTA:-$root/build/dfota}
report=$1
shift
fx=$(mktemp -d "${TMPDIR:-/tmp}/dfota-fixtures-XXXXXX")
cleanup() { bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1; rm -rf "$fx"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! bash "$root/fixtures/servers.sh" start "$fx" > "$fx.log" 2>&1; then
  echo "emulator-suite: the fixture servers did not start:" >&2
  cat "$fx.log" >&2
  rm -f "$fx.log"
  exit 4
fi
rm -f "$fx.log"
# shellcheck source=/dev/null
. "$fx/servers.env"
"$dfota" run --source emulator --ufs "$UFS_DIR" \
  --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO" \
  --connect-to "$HTTP_CONNECT_TO" --connect-to "$HTTP_DEFAULT_CONNECT_TO" \
  --report "$report" "$@" "$root/scenarios"
