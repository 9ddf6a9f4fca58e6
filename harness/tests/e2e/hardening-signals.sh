#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Signals and clocks, hardened (issue 11):
#  - a closed terminal (SIGHUP) stops dfota run as SIGTERM does: exit 129,
#    the report written and marked interrupted, no .partial folder, no
#    emulator folder and no process left behind;
#  - a time scale or a duration the clock cannot hold is refused at once
#    (exit 2) instead of overflowing module time and hanging;
#  - a second dfota emulate on a link in use stops with exit 2 naming the
#    process that holds it, and the first keeps its link.
#
# usage: hardening-signals.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
pids=
e2e_cleanup() {
  stop_all $pids
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

mkdir "$tmp/ufs" "$tmp/tmpdir"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update-v12-to-v13.zip" > /dev/null

# ---- SIGHUP: a dropped terminal ------------------------------------------
# On a wall clock at half speed, progress URCs 20 s apart: the upgrade is
# surely under way when START is in its transcript (flushed event by event).
TMPDIR=$tmp/tmpdir "$dfota" run --source emulator --time-scale 0.5 --reboot 2s --progress-step 20s \
  --ufs "$tmp/ufs" --report "$tmp/hup" --scenario 3.3-local-file-upgrade \
  --scenario 3-test-command "$root/scenarios" > "$tmp/hup.out" 2> "$tmp/hup.err" &
run_pid=$!
pids="$pids $run_pid"
for _ in $(seq 600); do
  grep -qs '"FOTA","START"' "$tmp"/hup/.run-*/transcripts/3.3-local-file-upgrade.transcript && break
  sleep 0.05
done
kill -HUP "$run_pid"
wait "$run_pid"
rc=$?
if [ "$rc" -eq 129 ]; then ok "SIGHUP: exit 129"; else bad "SIGHUP: exit $rc, want 129"; cat "$tmp/hup.out" "$tmp/hup.err"; fi
if kill -0 "$run_pid" 2>/dev/null; then bad "SIGHUP: dfota run is still running"; else ok "SIGHUP: no process left"; fi
expect_grep "SIGHUP: said on standard error" "interrupted by SIGHUP" "$tmp/hup.err"
summary=$(ls "$tmp"/hup/run-*/summary.txt 2>/dev/null | head -1)
if [ -n "$summary" ]; then
  expect_grep "SIGHUP: the report says INTERRUPTED" "INTERRUPTED" "$summary"
  interrupted=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["interrupted"])' "$(dirname "$summary")/report.json")
  if [ "$interrupted" = "True" ]; then ok "SIGHUP: report.json says interrupted"; else bad "SIGHUP: report.json interrupted: $interrupted"; fi
else
  bad "SIGHUP: no report was written"; ls -la "$tmp/hup"
fi
partial=$(find "$tmp/hup" -name '*.partial*' 2>/dev/null)
if [ -z "$partial" ]; then ok "SIGHUP: no .partial folder left"; else bad "SIGHUP: left behind: $partial"; fi
left=$(ls -A "$tmp/tmpdir")
if [ -z "$left" ]; then ok "SIGHUP: no emulator folder left"; else bad "SIGHUP: left in TMPDIR: $left"; fi

# ---- time scales and durations the clock cannot hold ---------------------
# Refused at once, exit 2; before, 1e-15 overflowed module time and the run
# hung, deaf to SIGTERM (timeout's 124 or 137 here would be that hang).
for scale in 1e-15 1e15 -1 0 nan inf 1e-7; do
  expect_exit "run --time-scale $scale is refused" 2 timeout -k 5 60 "$dfota" run --source emulator \
    --time-scale "$scale" --scenario 3-test-command "$root/scenarios"
  expect_grep "... saying the range" "time scale" "$tmp/err"
  expect_exit "emulate --time-scale $scale is refused" 2 timeout -k 5 60 "$dfota" emulate \
    --time-scale "$scale" --link "$tmp/never"
done
# A serial spec's bad option stays harness trouble (exit 4, serial.sh), but
# is refused at once, naming the range.
expect_exit "serial:...,time-scale=1e-15 is refused" 4 timeout -k 5 60 "$dfota" run \
  --source "serial:$tmp/none,time-scale=1e-15" --scenario 3-test-command "$root/scenarios"
expect_grep "... saying the range" "time-scale=X from 1e-06 to 1000" "$tmp/err"
# The smallest scale ends in a verdict (a 3 s window is 3 us of wall time:
# most likely a FAIL), never a hang.
timeout -k 5 120 "$dfota" run --source emulator --time-scale 1e-6 --scenario 3-test-command \
  "$root/scenarios" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then ok "the smallest scale (1e-6) ends in a verdict (exit $rc)"; else bad "--time-scale 1e-6: exit $rc"; cat "$tmp/err"; fi
for d in 99999999999999h 18446744073709551616ns -5s; do
  expect_exit "run --reboot $d is refused" 2 timeout -k 5 60 "$dfota" run --source emulator \
    --reboot "$d" --scenario 3-test-command "$root/scenarios"
done
if [ -e "$tmp/never" ]; then bad "a refused emulator left its link"; else ok "a refused emulator made no link"; fi

# ---- one emulator per link ------------------------------------------------
# A second dfota emulate on a link in use once took it over silently and
# removed it when it stopped, leaving the first one's host with nothing.
"$dfota" emulate --link "$tmp/tty" --time-scale 0.01 > "$tmp/em1.out" 2>&1 &
em1=$!
pids="$pids $em1"
for _ in $(seq 200); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
first=$(readlink "$tmp/tty")
expect_exit "a second emulator on a link in use stops" 2 timeout -k 5 60 "$dfota" emulate --link "$tmp/tty"
expect_grep "... saying the link is in use" "in use" "$tmp/err"
expect_grep "... naming the process that holds it" "process $em1\b" "$tmp/err"
if [ "$(readlink "$tmp/tty")" = "$first" ] && [ -n "$first" ]; then ok "the first emulator keeps its link"; else bad "the link now points at '$(readlink "$tmp/tty")', not '$first'"; fi
# the first still answers behind its link
if "$python" - "$tmp/tty" <<'EOF2'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
os.write(fd, b"AT\r")
got, end = b"", time.time() + 20
while b"OK" not in got and time.time() < end:
    try:
        got += os.read(fd, 256)
    except BlockingIOError:
        time.sleep(0.01)
sys.exit(0 if b"OK" in got else 1)
EOF2
then ok "the first emulator still answers AT"; else bad "the first emulator no longer answers"; fi
kill -TERM "$em1"
wait "$em1"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the first emulator stops cleanly (exit 0)"; else bad "the first emulator: exit $rc"; cat "$tmp/em1.out"; fi
if [ -e "$tmp/tty" ] || [ -L "$tmp/tty" ]; then bad "the link is left behind"; else ok "the link is removed at the end"; fi
left=$(ls -A "$tmp" | grep '^tty' || true)
if [ -z "$left" ]; then ok "no lock file left"; else bad "left beside the link: $left"; fi
# An emulator killed outright leaves its link and lock file; the lock went
# with the process, so the next one takes the link.
"$dfota" emulate --link "$tmp/tty" --time-scale 0.01 > "$tmp/em2.out" 2>&1 &
em2=$!
pids="$pids $em2"
for _ in $(seq 200); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
kill -KILL "$em2"
wait "$em2" 2>/dev/null
"$dfota" emulate --link "$tmp/tty" --time-scale 0.01 > "$tmp/em3.out" 2> "$tmp/em3.err" &
em3=$!
pids="$pids $em3"
for _ in $(seq 200); do grep -qs '^link:' "$tmp/em3.out" && break; kill -0 "$em3" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$em3" 2>/dev/null && grep -q "^link: $tmp/tty" "$tmp/em3.out"; then ok "a link left by a killed emulator is taken"; else bad "a stale link was not taken:"; cat "$tmp/em3.out" "$tmp/em3.err"; fi
kill -TERM "$em3" 2>/dev/null
wait "$em3" 2>/dev/null

finish
