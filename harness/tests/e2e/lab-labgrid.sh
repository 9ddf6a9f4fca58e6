#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The labgrid driver (contrib/labgrid/dfota_driver.py) through labgrid's own
# pytest plugin: contrib/labgrid/test_dfota_emulator.py loads the example
# environment (eg95.yaml), whose RawSerialPort is a 'dfota emulate' link, and
# runs a local-file upgrade (two USB reboots) through the driver: a module
# that follows the guide passes, one that breaks it fails, and no module is
# harness trouble. Missing labgrid or pytest is a failure naming the
# package, never a skip.
#
# usage: lab-labgrid.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

missing=
"$python" -c 'import labgrid' 2> /dev/null || missing="$missing python3-labgrid"
"$python" -c 'import pytest' 2> /dev/null || missing="$missing python3-pytest"
if [ -n "$missing" ]; then
  bad "not installed (Debian packages):$missing; see scripts/install-deps.sh"
  finish; exit
fi

bindir=$(cd "$(dirname "$dfota")" && pwd)
# No cache, no bytecode: nothing is written into the source tree.
(cd "$root/contrib/labgrid" && \
  LG_DFOTA_PORT="$tmp/tty" PATH="$bindir:$PATH" PYTHONDONTWRITEBYTECODE=1 \
  timeout 600 "$python" -m pytest -p no:cacheprovider -rA -v --basetemp "$tmp/pytest" \
  --lg-env eg95.yaml test_dfota_emulator.py) > "$tmp/pytest.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "pytest through labgrid passes (exit 0)"
else bad "pytest through labgrid: exit $rc"; cat "$tmp/pytest.out"; fi
for t in test_local_file_upgrade_passes test_module_that_breaks_the_guide_fails test_no_module_is_harness_trouble \
    test_a_dfota_killed_is_harness_trouble; do
  expect_grep "$t ran and passed" "^PASSED test_dfota_emulator.py::$t$" "$tmp/pytest.out"
done
if grep -qi "skipped" "$tmp/pytest.out"; then bad "a test was skipped:"; grep -i skipped "$tmp/pytest.out"
else ok "no test skipped"; fi
finish
