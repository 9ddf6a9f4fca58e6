#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The obvious command works, or says why not: 'dfota run --source emulator
# scenarios/' with no servers of its own brings up the fixture FTP and HTTP
# servers itself (and stops them, also on Ctrl-C), stages the local packages
# into the emulator's UFS, and checks every package before the module is
# asked for it. What the bench lacks is harness trouble (exit 4) in one line
# that says what is missing; what the module does wrong is still its FAIL.
#
# usage: run-fixtures.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
run_pid=
e2e_cleanup() {
  if [ -n "$run_pid" ] && kill -0 "$run_pid" 2>/dev/null; then kill "$run_pid"; wait "$run_pid" 2>/dev/null; fi
  # a server left behind by a failed check: its folder is under $tmp/t
  for f in "$tmp"/t/dfota-fixtures-*/; do
    [ -d "$f" ] && bash "$root/fixtures/servers.sh" stop "$f" > /dev/null 2>&1
  done
}
# a TMPDIR of our own: whatever the run starts lives under it
mkdir -p "$tmp/t"
export TMPDIR=$tmp/t
# Module time is virtual: no verdict here depends on the machine's load.
scale=()

# nothing_left WHAT: no process runs from our TMPDIR and it is empty.
nothing_left() {
  local left
  left=$(pgrep -f "$tmp/t" | wc -l)
  if [ "$left" -eq 0 ]; then ok "$1: no server left running"; else bad "$1: $left processes left"; pgrep -af "$tmp/t"; fi
  if [ -z "$(ls -A "$tmp/t")" ]; then ok "$1: no fixture folder left"; else bad "$1: left in TMPDIR: $(ls "$tmp/t")"; fi
}

# (a) The whole library, exactly as a reader of the README types it.
n=$(ls "$root"/scenarios/*.yaml | wc -l)
expect_exit "(a) dfota run --source emulator scenarios/ passes" 0 \
  "$dfota" run --source emulator "${scale[@]}" --jobs 2 --no-color "$root/scenarios"
expect_grep "(a) every scenario passed" "^$n scenarios: $n passed, 0 failed, 0 incomplete, 0 harness errors" "$tmp/out"
nothing_left "(a)"

# (b) The servers cannot start (their HTTP server is not installed): exit 4
# and one line naming what is missing and how to provide it.
LIGHTTPD=$tmp/no-lighttpd expect_exit "(b) servers that cannot start are harness trouble" 4 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --scenario 3.2-http-upgrade-explicit-port "$root/scenarios"
if [ "$(wc -l < "$tmp/err")" -eq 1 ]; then ok "(b) one line"; else bad "(b) $(wc -l < "$tmp/err") lines:"; cat "$tmp/err"; fi
expect_grep "(b) it says what failed" "^dfota run: the fixture servers did not start (http exited" "$tmp/err"
expect_grep "(b) and how to provide it" "give --connect-to" "$tmp/err"
if [ -s "$tmp/out" ]; then bad "(b) a scenario ran:"; cat "$tmp/out"; else ok "(b) no scenario ran"; fi
nothing_left "(b)"

# (c) No fixtures folder to be found.
DFOTA_FIXTURES=$tmp/nowhere expect_exit "(c) no fixtures folder is harness trouble" 4 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --scenario 3.1-ftp-upgrade-explicit-port "$root/scenarios"
expect_grep "(c) it says where they are looked for" "^dfota run: the fixture servers' folder .*set DFOTA_FIXTURES=DIR" "$tmp/err"
nothing_left "(c)"

# (d) Preflight covers local files, by default: a package missing from the
# emulator's UFS, or empty there, is the bench's, not the module's.
mkdir "$tmp/ufs"
expect_exit "(d) a local package missing from --ufs is harness trouble" 4 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --ufs "$tmp/ufs" --scenario 3.3-local-file-upgrade "$root/scenarios"
expect_grep "(d) it names the file and the folder" "^ERROR *3.3-local-file-upgrade .*preflight: /data/ufs/update-v12-to-v13.zip is not in the emulator's UFS (--ufs $tmp/ufs)" "$tmp/out"
: > "$tmp/ufs/update-v12-to-v13.zip"
expect_exit "(d) an empty local package is harness trouble" 4 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --ufs "$tmp/ufs" --scenario 3.3-local-file-upgrade "$root/scenarios"
expect_grep "(d) it says empty" "preflight: /data/ufs/update-v12-to-v13.zip in the emulator's UFS .* is empty" "$tmp/out"
# the control: without preflight the same bench is charged to the module
expect_exit "(d) control: --no-preflight lets the module answer" 1 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --no-preflight --ufs "$tmp/ufs" --scenario 3.3-local-file-upgrade "$root/scenarios"
rm "$tmp/ufs/update-v12-to-v13.zip"
# and a server package that is not there (a variable pointing elsewhere)
expect_exit "(d) a server package missing is harness trouble" 4 \
  "$dfota" run --source emulator "${scale[@]}" --no-color --scenario 3.1-ftp-upgrade-explicit-port \
  --var FTP_URL=ftp://test:test@127.0.0.1:2121/no-such-package.zip "$root/scenarios"
expect_grep "(d) the server's answer is named" "^ERROR *3.1-ftp-upgrade-explicit-port.*preflight:.*no-such-package.zip" "$tmp/out"
nothing_left "(d)"

# (e) The control: with the run's own servers, a module that breaks the
# guide still FAILs (END,0 before 100 after a good FTP download).
sed -e 's/^name: .*/name: own-fixtures-end-before-100/' \
    -e 's/^  port: usb$/  port: usb\n  faults:\n    - kind: end-before-100/' \
    "$root/scenarios/3.1-ftp-upgrade-explicit-port.yaml" > "$tmp/own-fixtures-end-before-100.yaml"
expect_exit "(e) control: a module's real FAIL is caught" 1 \
  "$dfota" run --source emulator "${scale[@]}" --no-color "$tmp/own-fixtures-end-before-100.yaml"
expect_grep "(e) by its rule" "FAIL PROGRESS-COMPLETE" "$tmp/out"
expect_grep "(e) after a good download from the run's own server" "^FAIL *own-fixtures-end-before-100" "$tmp/out"
nothing_left "(e)"

# (f) Ctrl-C in the middle: the run stops, and so do its servers.
"$dfota" run --source emulator --time-scale 0.05 --no-color --scenario 1-upgrade-back-to-old-version \
  "$root/scenarios" > "$tmp/int.out" 2>&1 &
run_pid=$!
for _ in $(seq 100); do ls "$tmp"/t/dfota-fixtures-*/servers.env > /dev/null 2>&1 && break; sleep 0.1; done
sleep 1
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
run_pid=
if [ "$rc" -eq 130 ]; then ok "(f) Ctrl-C ends the run with 130"; else bad "(f) exit $rc, want 130"; cat "$tmp/int.out"; fi
nothing_left "(f)"
finish
