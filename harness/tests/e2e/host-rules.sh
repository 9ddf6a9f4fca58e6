#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator judges host software: a small host program (lib/host.py)
# drives `dfota emulate --record` through its pseudo-terminal, well and then
# badly, and the emulator's verdict when stopped must name the HOST-* rule
# each bad habit breaks, with the good host passing every rule. The
# recordings are also checked again with `dfota check --host`, so the rules
# are the checker's, not the emulator's.
#
# The module runs at a tenth of real time (reboots of 5 s take 0.5 s), so a
# host's reaction time of a few tens of milliseconds stays well inside the
# HOST-REOPEN window of 10 s module time.
#
# usage: host-rules.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
em_pid=
e2e_cleanup() {
  if [ -n "$em_pid" ] && kill -0 "$em_pid" 2>/dev/null; then
    kill "$em_pid" 2>/dev/null
    wait "$em_pid" 2>/dev/null
  fi
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

mkdir "$tmp/ufs"
if ! "$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update.zip" > "$tmp/pkg.log" 2>&1; then
  bad "package: $(cat "$tmp/pkg.log")"
  finish; exit
fi

# rule_status JSON RULE: the rule's status in the first file of check's JSON.
rule_status() {
  "$python" - "$1" "$2" <<'EOF'
import json, sys
try:
    f = json.load(open(sys.argv[1]))["files"][0]
    print(f["rules"].get(sys.argv[2], "N/A"))
except Exception as e:
    print("unreadable:", e)
EOF
}

# session NAME BEHAVIOUR [EMULATE-ARGS...]: an emulator with --record, the host, then SIGINT.
# Leaves the emulator's output in $tmp/NAME.out, its exit status in $em_rc
# and the recording in $tmp/NAME.transcript.
session() {
  local name=$1 how=$2 link=$tmp/$1.tty
  shift 2
  "$dfota" emulate --link "$link" --time-scale 0.1 --reboot 5s --progress-step 1s \
    --ufs "$tmp/ufs" --record "$tmp/$name.transcript" "$@" > "$tmp/$name.out" 2>&1 &
  em_pid=$!
  for _ in $(seq 200); do [ -L "$link" ] && break; sleep 0.02; done
  if ! timeout 60 "$python" "$here/lib/host.py" "$link" "$how" > "$tmp/$name.host" 2>&1; then
    bad "$name: the host program could not do its part: $(cat "$tmp/$name.host")"
  fi
  sleep "${after:-0.3}" # the emulator records the host's close (and what follows)
  kill -INT "$em_pid"
  wait "$em_pid"
  em_rc=$?
  em_pid=
}

# judged NAME RULE WANT EXIT: the emulator's exit status and the rule's status
# in dfota check --host's reading of the same recording.
judged() {
  local name=$1 rule=$2 want=$3 want_rc=$4
  if [ "$em_rc" -eq "$want_rc" ]; then
    ok "$name: the emulator's verdict exits $em_rc"
  else
    bad "$name: the emulator exited $em_rc, want $want_rc"; cat "$tmp/$name.out"
  fi
  "$dfota" check --host --host-windows ${check_args:-} --format json "$tmp/$name.transcript" > "$tmp/$name.json" 2> "$tmp/$name.err"
  local got
  got=$(rule_status "$tmp/$name.json" "$rule")
  if [ "$got" = "$want" ]; then
    ok "$name: $rule is $got"
  else
    bad "$name: $rule is $got, want $want"; cat "$tmp/$name.transcript"
  fi
}

session good good
expect_grep "good: the emulator printed its judgment" "^recorded: " "$tmp/good.out"
expect_grep "good: the recording has the host opening the port" "! host-open$" "$tmp/good.transcript"
expect_grep "good: the recording has the USB reboot" "! port-lost$" "$tmp/good.transcript"
for rule in HOST-WAIT-FINAL HOST-ONE-UPGRADE HOST-REOPEN HOST-READ-TO-END; do
  judged good $rule PASS 0
done

# A host that opens the port the moment its link is in place, before the
# emulator takes its next step, as a host polling for the link may on a
# busy machine (open_on_link.c, whose path ctest gives): it sends the
# upgrade command, holds the port and opens each new one as it appears.
# Every open is recorded, and the host is judged to have reopened the port
# after each reboot: never taken for one that did not come back.
open_shim=${DFOTA_TEST_OPEN_SHIM:-}
if [ -z "$open_shim" ] || [ ! -f "$open_shim" ]; then
  bad "no open_on_link library (DFOTA_TEST_OPEN_SHIM='$open_shim'): run through ctest"
else
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" LD_PRELOAD=$open_shim \
    DFOTA_TEST_OPEN_LINK="$tmp/quick.tty" DFOTA_TEST_OPEN_SEND='AT+QFOTADL="/data/ufs/update.zip"' \
    "$dfota" emulate --link "$tmp/quick.tty" --time-scale 0.1 --reboot 5s --progress-step 1s \
    --ufs "$tmp/ufs" --record "$tmp/quick.transcript" > "$tmp/quick.out" 2>&1 &
  em_pid=$!
  # the upgrade's two reboots: the port back in normal mode, then RDY
  two_reboots() { [ "$(grep -c '! port-back$' "$tmp/quick.out")" -ge 2 ] && grep -q '< RDY$' "$tmp/quick.out"; }
  wait_for 30 two_reboots || bad "quick host: no second reboot and RDY within 30 s"
  kill -INT "$em_pid"
  wait "$em_pid"
  em_pid=
  opens=$(grep -c '! host-open$' "$tmp/quick.transcript")
  if [ "$opens" -eq 3 ]; then
    ok "quick host: its 3 opens of the port are recorded, each as the link appeared"
  else
    bad "quick host: $opens opens of the port recorded, want 3"; cat "$tmp/quick.transcript"
  fi
  # seen as it happened: the open is the line right after each port-back
  # and within 1 s of module time of it, not inferred 1.5 s later from
  # START, the module's next words to it
  backs=$(awk '/ ! port-back$/ { b++; t = $1; getline n; split(n, f, " ");
                 if (n ~ / ! host-open$/ && f[1] - t < 1.0) o++ } END { print b + 0, o + 0 }' "$tmp/quick.transcript")
  if [ "$backs" = "2 2" ]; then
    ok "quick host: each of the 2 port-backs is followed at once by its host-open"
  else
    bad "quick host: port-backs and host-opens right after them: $backs, want 2 2"; cat "$tmp/quick.transcript"
  fi
  "$dfota" check --host --host-windows --format json "$tmp/quick.transcript" > "$tmp/quick.json" 2> "$tmp/quick.err"
  got=$(rule_status "$tmp/quick.json" HOST-REOPEN)
  if [ "$got" = "PASS" ]; then
    ok "quick host: HOST-REOPEN is PASS"
  else
    bad "quick host: HOST-REOPEN is $got, want PASS"; cat "$tmp/quick.transcript"
  fi
fi

session no-wait no-wait --fault slow-final-result:delay=5s # the OK comes 0.5 s late
judged no-wait HOST-WAIT-FINAL FAIL 1

session second second-upgrade
judged second HOST-ONE-UPGRADE FAIL 1

# The host lives in wall time: it reopens 1.2 s after the reboot, which at
# a time scale of 0.1 is 12 s of module time, more than the 10 s window; it
# is judged on the 1.2 s it really took (the session still fails: this
# host listens half a second and closes the port before END).
session slow slow-reopen
judged slow HOST-REOPEN PASS 1
judged slow HOST-READ-TO-END FAIL 1
expect_grep "slow: the recording says its clock was scaled" "^# time-scale: 0.1$" "$tmp/slow.transcript"
# ... and with a 1 s window it is late, by wall time, and the verdict says so
session slow-window slow-reopen --host-reopen 1s
check_args="--host-reopen 1s"
judged slow-window HOST-REOPEN FAIL 1
check_args=
expect_grep "slow: the verdict says how long the host took, in wall time" \
  "HOST-REOPEN.*it took 1\.[0-9]*s of wall time" "$tmp/slow-window.out"

after=1.5 session forget fire-and-forget # the module goes on, past the reboot
judged forget HOST-READ-TO-END FAIL 1

# Without --host the same recording says nothing about the host.
"$dfota" check --format json "$tmp/forget.transcript" > "$tmp/nohost.json" 2> /dev/null
got=$(rule_status "$tmp/nohost.json" HOST-READ-TO-END)
if [ "$got" = "N/A" ]; then ok "without --host the host rules are not judged"; else bad "without --host: HOST-READ-TO-END is $got"; fi

# --fault on the command line plays like a scenario's fault: END,504 is
# outside chapter 6, and a good host still passes every host rule.
session faulted good --fault extra-codes:code=504
judged faulted CODE-END FAIL 1
judged faulted HOST-READ-TO-END PASS 1
expect_exit "a fault the emulator does not know is refused" 4 "$dfota" emulate --fault no-such-fault
expect_grep "the refusal names the fault" "no-such-fault" "$tmp/err"
expect_exit "a bad fault key is a usage error" 2 "$dfota" emulate --fault "update-fail:percent=3"
expect_exit "an unknown model is a usage error" 2 "$dfota" emulate --model eg9x
expect_grep "the refusal names the models there are" "unknown model 'eg9x': use eg95" "$tmp/err"
printf 'model: EC25\nmanufacturer: Quectel\nimei: "12"\nanswers: {}\n' > "$tmp/ec25.yaml"
expect_exit "a wrong model file is a usage error" 2 "$dfota" emulate --model "$tmp/ec25.yaml"
expect_grep "the refusal names the file and line" "ec25.yaml:1: imei: 15 digits expected" "$tmp/err"

# The recording names the module the emulator plays, a scenario's emulator
# block weighed with the options (dfota_emulator_settings_resolve): its port
# and firmware when no option says otherwise.
cat > "$tmp/uart.yaml" <<'EOF'
name: uart
section: '3'
steps: [{send: AT}]
emulator: {port: uart, firmware: EG95EFAR02A05M4G}
EOF
"$dfota" emulate --link "$tmp/uart.tty" --ufs "$tmp/ufs" --scenario "$tmp/uart.yaml" \
  --record "$tmp/uart.transcript" > "$tmp/uart.out" 2>&1 &
em_pid=$!
for _ in $(seq 200); do [ -L "$tmp/uart.tty" ] && break; sleep 0.02; done
kill -INT "$em_pid"
wait "$em_pid"
em_pid=
expect_grep "a scenario's port: uart is the recording's port" "^# port: uart " "$tmp/uart.transcript"
expect_grep "a scenario's firmware is the recording's module" "^# module: EG95EFAR02A05M4G$" "$tmp/uart.transcript"
sed 's/port: uart, firmware: EG95EFAR02A05M4G/profile: no-such-profile/' "$tmp/uart.yaml" > "$tmp/uart2.yaml"
sed -i 's/^name: uart$/name: uart2/' "$tmp/uart2.yaml"
expect_exit "a scenario's unknown profile is refused as input" 2 "$dfota" emulate --scenario "$tmp/uart2.yaml"
expect_grep "the refusal names the profile" "no-such-profile" "$tmp/err"
finish
