#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The serial source against a module that is not in this process: a
# background 'dfota emulate' behind a pseudo-terminal stands for an EG95 on
# /dev/ttyUSB2, and 'dfota run --source serial:LINK' talks to it as to
# hardware. On a USB reboot the emulator removes its terminal and brings up
# a new one behind the same link, so the source must see the port go
# (! port-lost) and find it again (! port-back), or, when it never comes
# back, give up at the step's deadline instead of hanging.
#
# usage: serial.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
em_pid=

e2e_cleanup() {
  if [ -n "$em_pid" ] && kill -0 "$em_pid" 2>/dev/null; then
    kill "$em_pid" 2>/dev/null
    wait "$em_pid" 2>/dev/null
  fi
}

scale=0.01
old=EG95EFAR02A07M4G
new=EG95EFAR02A08M4G

# start_emulator SCENARIO: a background emulator on $tmp/tty, the link waited for.
start_emulator() { # SCENARIO [EMULATE-ARGS...]
  local sc=$1
  shift
  "$dfota" emulate --link "$tmp/tty" --time-scale $scale --scenario "$sc" --ufs "$tmp/ufs" "$@" \
    > "$tmp/emulate.out" 2>&1 &
  em_pid=$!
  for _ in $(seq 100); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
  if [ -L "$tmp/tty" ]; then ok "emulate is up behind $tmp/tty"; else bad "no link after 5 s"; cat "$tmp/emulate.out"; fi
}

stop_emulator() {
  kill -TERM "$em_pid" 2>/dev/null
  wait "$em_pid" 2>/dev/null
  em_pid=
}

mkdir "$tmp/ufs"
if "$dfota" package --from $old --to $new "$tmp/ufs/update.zip" > /dev/null; then
  ok "dfota package writes update.zip"
else
  bad "dfota package failed"; finish; exit
fi

# (a) a local-file upgrade with two USB reboots, through the serial source.
start_emulator "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_exit "(a) 3.3 local-file upgrade passes over serial:LINK" 0 \
  timeout 120 "$dfota" run --source "serial:$tmp/tty,time-scale=$scale" \
  -D LOCAL_FILE=/data/ufs/update.zip --report "$tmp/rep-a" \
  "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_grep "(a) the scenario passed" "^PASS .*3.3-local-file-upgrade" "$tmp/out"
tr_a=$(ls "$tmp"/rep-a/run-*/transcripts/3.3-local-file-upgrade.transcript 2>/dev/null | head -1)
if [ -n "$tr_a" ]; then
  expect_grep "(a) the transcript has ! port-lost" "^[0-9.]* ! port-lost$" "$tr_a"
  expect_grep "(a) the transcript has ! port-back" "^[0-9.]* ! port-back$" "$tr_a"
  if awk '/! port-back/{b=1} b&&/"START"/{s=1} END{exit !s}' "$tr_a"; then
    ok "(a) START is read from the reopened port"
  else
    bad "(a) no START after port-back:"; cat "$tr_a"
  fi
  expect_grep "(a) the header names the port" "^# port: $tmp/tty$" "$tr_a"
else
  bad "(a) no transcript in the report folder"; ls -R "$tmp/rep-a"
fi
stop_emulator

# The same through 'dfota run --time-scale' instead of the source's option.
start_emulator "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_exit "(a) --time-scale reaches the serial source" 0 \
  timeout 120 "$dfota" run --source "serial:$tmp/tty" --time-scale $scale \
  -D LOCAL_FILE=/data/ufs/update.zip "$root/scenarios/3.3-local-file-upgrade.yaml"
stop_emulator

# (b) the module never comes back: a FAIL at the reboot step's window
# (300 s module time = 3 s wall), in bounded time, saying how long.
sed 's/^sources: \[emulator\]$/sources: [emulator, serial]/' \
  "$root/harness/tests/e2e/proof/reboot-never.yaml" > "$tmp/reboot-never.yaml"
start_emulator "$tmp/reboot-never.yaml"
start=$(date +%s)
expect_exit "(b) reboot-never: FAIL, not a hang" 1 \
  timeout 60 "$dfota" run --source "serial:$tmp/tty,time-scale=$scale" --report "$tmp/rep-b" \
  "$tmp/reboot-never.yaml"
took=$(( $(date +%s) - start ))
if [ "$took" -le 30 ]; then ok "(b) it ended in ${took} s"; else bad "(b) it took ${took} s"; fi
expect_grep "(b) the reboot step fails, saying how long it waited" \
  "reboot within 300s: FAIL nothing within 300.000s -> TIME-REBOOT" "$tmp/out"
tr_b=$(ls "$tmp"/rep-b/run-*/transcripts/reboot-never.transcript 2>/dev/null | head -1)
if [ -n "$tr_b" ] && grep -q "! port-lost" "$tr_b" && ! grep -q "! port-back" "$tr_b"; then
  ok "(b) port-lost and no port-back in the transcript"
else
  bad "(b) transcript:"; cat "$tr_b" 2>/dev/null
fi
stop_emulator

# (b2) the port dies in the middle of a URC (the FTPEND before the reboot
# is cut off by the port going away): URC-SYNTAX catches the cut line, the
# source still follows the reboot, and nothing hangs.
sed 's/^sources: \[emulator\]$/sources: [emulator, serial]/' \
  "$root/harness/tests/e2e/proof/urc-cut-by-reboot.yaml" > "$tmp/urc-cut-by-reboot.yaml"
if grep -q "needs: servers" "$tmp/urc-cut-by-reboot.yaml"; then
  fx=$tmp/fx
  if bash "$root/fixtures/servers.sh" start "$fx" > "$tmp/fx.log" 2>&1; then
    # shellcheck source=/dev/null
    . "$fx/servers.env"
    start_emulator "$tmp/urc-cut-by-reboot.yaml" --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO"
    expect_exit "(b2) a port that dies mid-URC: FAIL" 1 \
      timeout 60 "$dfota" run --source "serial:$tmp/tty,time-scale=$scale" --report "$tmp/rep-b2" \
      "$tmp/urc-cut-by-reboot.yaml"
    expect_grep "(b2) the cut line is named" "FAIL URC-SYNTAX" "$tmp/out"
    tr_b2=$(ls "$tmp"/rep-b2/run-*/transcripts/urc-cut-by-reboot.transcript 2>/dev/null | head -1)
    if [ -n "$tr_b2" ] && grep -q "! port-back" "$tr_b2" && grep -q '"START"' "$tr_b2"; then
      ok "(b2) the source followed the reboot to START"
    else
      bad "(b2) transcript:"; cat "$tr_b2" 2>/dev/null
    fi
    stop_emulator
    bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1
  else
    bad "(b2) the fixture servers did not start: $(cat "$tmp/fx.log")"
  fi
fi

# (b3) another process holds the port (as ModemManager or a terminal may):
# the run says so before it starts, naming the process.
start_emulator "$root/scenarios/3-test-command.yaml"
sleep 30 < "$tmp/tty" &
holder=$!
sleep 0.2
expect_exit "(b3) the run goes on with the port shared" 0 \
  timeout 60 "$dfota" run --source "serial:$tmp/tty,time-scale=$scale" "$root/scenarios/3-test-command.yaml"
expect_grep "(b3) it warns that the port is also open elsewhere" \
  "warning: .* is also open in sleep (pid $holder)" "$tmp/err"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
expect_exit "(b3) no warning once the port is the run's alone" 0 \
  timeout 60 "$dfota" run --source "serial:$tmp/tty,time-scale=$scale" "$root/scenarios/3-test-command.yaml"
if grep -q "also open in" "$tmp/err"; then bad "(b3) a warning with nobody else on the port"; cat "$tmp/err"; else ok "(b3) no warning when alone"; fi
stop_emulator

# (c) a port that is not there, or not a terminal: harness trouble, exit 4.
expect_exit "(c) a missing port is exit 4" 4 \
  "$dfota" run --source "serial:$tmp/no-such-tty" "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_grep "(c) the error names the port and the reason" \
  "no-such-tty: cannot open the port: No such file or directory" "$tmp/err"
expect_exit "(c) a file that is not a terminal is exit 4" 4 \
  "$dfota" run --source "serial:$tmp/ufs/update.zip" "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_grep "(c) it says so" "not a serial port" "$tmp/err"
expect_exit "(c) a bad option is exit 4" 4 \
  "$dfota" run --source "serial:$tmp/tty,baud=fast" "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_grep "(c) it names the option" "bad option 'baud=fast'" "$tmp/err"
expect_exit "(c) an identity that matches nothing is exit 4" 4 \
  "$dfota" run --source "serial:usb:ffff:fffe:if=2" "$root/scenarios/3.3-local-file-upgrade.yaml"
expect_grep "(c) it says no port matches" "no serial port matches usb:ffff:fffe:if=2" "$tmp/err"

# (c2) a terminal where nothing answers AT (the wrong interface of a module):
# said once, before any scenario, as harness trouble.
socat "PTY,link=$tmp/mute,rawer" "EXEC:sleep 60" > /dev/null 2>&1 &
mute=$!
for _ in $(seq 100); do [ -L "$tmp/mute" ] && break; sleep 0.05; done
expect_exit "(c2) no answer to AT is exit 4" 4 \
  timeout 60 "$dfota" run --source "serial:$tmp/mute,time-scale=0.01" --report "$tmp/rep-mute" \
  "$root/scenarios/3.3-local-file-upgrade.yaml" "$root/scenarios/3-test-command.yaml"
expect_grep "(c2) it asks whether this is the AT port" "no answer to AT within 30 s: is this the module's AT port" "$tmp/err"
if grep -q "^ERROR" "$tmp/out"; then bad "(c2) a line per scenario for one broken port"; cat "$tmp/out"; else ok "(c2) said once, no scenario run"; fi
if [ -z "$(ls -A "$tmp/rep-mute" 2>/dev/null)" ]; then ok "(c2) no report folder left half made"; else bad "(c2) left: $(ls -A "$tmp/rep-mute")"; fi
kill "$mute" 2>/dev/null
wait "$mute" 2>/dev/null

# (d) dfota ports: valid JSON (an array), whatever this machine has; --help.
expect_exit "(d) dfota ports --format json" 0 "$dfota" ports --format json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list)' "$tmp/out"; then
  ok "(d) the output is a JSON array"
else
  bad "(d) not valid JSON:"; cat "$tmp/out"
fi
expect_exit "(d) dfota ports (text)" 0 "$dfota" ports
expect_exit "(d) dfota ports --help" 0 "$dfota" ports --help
expect_grep "(d) the help shows an identity" "serial:usb:2c7c:0195:if=2" "$tmp/out"
expect_exit "(d) a bad format is a usage error" 2 "$dfota" ports --format yaml
expect_exit "(d) dfota run --help names the serial source" 0 "$dfota" run --help
expect_grep "(d) ... and its options" "serial:PORT\[,baud=N\]\[,flow=none|rtscts\]" "$tmp/out"

if [ -z "$(jobs -p)" ]; then ok "no background job left"; else bad "jobs left: $(jobs -p)"; fi
finish
