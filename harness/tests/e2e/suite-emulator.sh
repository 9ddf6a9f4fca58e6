#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole scenario library against the built-in emulator, downloading
# from the real fixture servers: every scenario passes, the report is
# whole, and nothing is left running.
# usage: suite-emulator.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
n=$(ls "$root"/scenarios/*.yaml | wc -l)
# a TMPDIR of its own: the emulators' and servers' folders are ours alone
mkdir -p "$tmp/t"
# Module time is virtual: however busy the machine (ctest runs tests side
# by side, and under the sanitizers), no window depends on it.
TMPDIR=$tmp/t DFOTA=$dfota bash "$root/scripts/emulator-suite.sh" "$tmp/rep" --no-color \
  --jobs 2 --preflight > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the library passes against the emulator (exit 0)"; else bad "exit $rc"; cat "$tmp/out" "$tmp/err"; fi
expect_grep "every scenario ran and passed" "^$n scenarios: $n passed, 0 failed" "$tmp/out"
run=$(ls -d "$tmp"/rep/run-* 2>/dev/null | head -n 1)
for f in summary.txt report.json junit.xml report.html; do
  if [ -s "$run/$f" ]; then ok "report has $f"; else bad "report lacks $f"; fi
done
count=$(ls "$run"/transcripts/*.transcript 2>/dev/null | wc -l)
if [ "$count" -eq "$n" ]; then ok "a transcript per scenario ($count)"; else bad "$count transcripts for $n scenarios"; fi
# what the emulator said is judged the same way when read back
if "$dfota" check "$run"/transcripts/3.1-ftp-upgrade-explicit-port.transcript > "$tmp/check"; then
  ok "dfota check passes the recorded emulator session"; else bad "dfota check on the recording"; cat "$tmp/check"; fi
expect_grep "the USB reboot is recorded" "! port-lost" "$run/transcripts/3.1-usb-reboot-after-download.transcript"
expect_grep "and the port's return" "! port-back" "$run/transcripts/3.1-usb-reboot-after-download.transcript"
# --preflight: a package missing on the server is the bench's trouble (4),
# said before the module is asked, with the password hidden.
TMPDIR=$tmp/t DFOTA=$dfota bash "$root/scripts/emulator-suite.sh" "$tmp/rep2" --no-color \
  --preflight --scenario 3.1-ftp-upgrade-explicit-port \
  --var FTP_URL=ftp://test:test@127.0.0.1:2121/no-such-package.zip > "$tmp/pre" 2>&1
rc=$?
if [ "$rc" -eq 4 ]; then ok "--preflight: a missing package is harness trouble (exit 4)"; else bad "--preflight: exit $rc, want 4"; cat "$tmp/pre"; fi
expect_grep "--preflight: the reason is given" "^ERROR *3.1-ftp-upgrade-explicit-port.*preflight:.*no-such-package.zip" "$tmp/pre"
if grep -q "test:test@" "$tmp/pre"; then bad "--preflight: the password is shown"; else ok "--preflight: the password is hidden"; fi
left=$(pgrep -f "$tmp/t" | wc -l)
if [ "$left" -eq 0 ]; then ok "no server left running"; else bad "$left processes left"; pgrep -af "$tmp/t"; fi
if [ -z "$(ls -A "$tmp/t")" ]; then ok "no emulator or fixture folder left"; else bad "left in TMPDIR: $(ls "$tmp/t")"; fi
finish
