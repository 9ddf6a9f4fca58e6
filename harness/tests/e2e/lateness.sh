#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The harness's own lateness is never the module's FAIL. A module on a
# wall clock (here 'dfota emulate --time-scale 0.01' in another process,
# where the 3 s window for OK is 30 ms of wall time) answers at once; the
# harness ('dfota run --source serial:') is frozen again and again with
# SIGSTOP, so it reads the answer long after it came. It must not charge
# the module: PASS when it could tell, else harness trouble (exit 4) that
# says the harness was late and by how much. The controls: the same run
# left alone passes, and a module that really answers late (6 s) FAILs.
# The same holds for 'dfota proxy' between a host and the module: frozen
# as it forwards, it must not charge the module for what it read late.
#
# usage: lateness.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
pids=()

e2e_cleanup() {
  for p in "${pids[@]}"; do
    kill -CONT "$p" 2>/dev/null
    kill "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
}

# emulator NAME [ARGS...]: a module on a wall clock at $scale (0.01 unless
# set), behind $tmp/NAME.tty
emulator() {
  local name=$1
  shift
  "$dfota" emulate --link "$tmp/$name.tty" --time-scale "${scale:-0.01}" "$@" > "$tmp/$name.emu" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ -L "$tmp/$name.tty" ] && break; sleep 0.02; done
}

mkdir "$tmp/ufs"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update-v12-to-v13.zip" > /dev/null
emulator good
emulator slow --ufs "$tmp/ufs" --fault slow-final-result:delay=6s
# the proxy's controls at 0.1, where its 3 s window is 300 ms of wall time:
# a busy machine does not make a proxy left alone that late
scale=0.1 emulator pgood
scale=0.1 emulator pslow --ufs "$tmp/ufs" --fault slow-final-result:delay=6s

# run_on NAME [SCENARIO]: the scenario (an invalid name, answered ERROR at
# once) through the serial source on emulator NAME
run_on() {
  "$dfota" run --source "serial:$tmp/$1.tty,time-scale=0.01" --no-color \
    --packages "$root/fixtures/packages.yaml" \
    --scenario "${2:-3.3-oversize-local-name-129-bytes}" "$root/scenarios"
}

expect_exit "control: left alone, the harness passes the module" 0 run_on good
expect_exit "control: a module that answers OK after 6 s FAILs" 1 run_on slow 3.3-local-file-upgrade
expect_grep "control: the FAIL is the window's" "within 3.*TIME-FINAL-RESULT" "$tmp/out"

# Frozen 150 ms (15 s of module time) in every 153 ms, three times over.
for i in 1 2 3; do
  "$dfota" run --source "serial:$tmp/good.tty,time-scale=0.01" --no-color \
    --scenario 3.3-oversize-local-name-129-bytes "$root/scenarios" > "$tmp/late$i.out" 2>&1 &
  run_pid=$!
  pids+=("$run_pid")
  while kill -0 "$run_pid" 2>/dev/null; do
    kill -STOP "$run_pid" 2>/dev/null
    sleep 0.15
    kill -CONT "$run_pid" 2>/dev/null
    sleep 0.003
  done
  wait "$run_pid"
  rc=$?
  case $rc in
    0) ok "frozen run $i: could tell, and passed the module" ;;
    4) if grep -q "the harness was late: .* up to [0-9.]* s" "$tmp/late$i.out"; then
         ok "frozen run $i: harness trouble (exit 4) that says how late it was"
       else
         bad "frozen run $i: exit 4 without saying the harness was late"; cat "$tmp/late$i.out"
       fi ;;
    *) bad "frozen run $i: exit $rc: the harness's lateness was charged to the module"
       cat "$tmp/late$i.out" ;;
  esac
done

# ---- dfota proxy, with the host windows (the final result within 3 s) ----
# host LINK COMMAND N: a host that sends COMMAND N times through LINK, each
# after the answer to the one before (10 s of wall time for each at most).
host() {
  python3 - "$@" <<'PY'
import os, select, sys, termios, time, tty
link, cmd, n = sys.argv[1], sys.argv[2].encode() + b"\r", int(sys.argv[3])
fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
for i in range(n):
    os.write(fd, cmd)
    got, end = b"", time.monotonic() + 10
    while b"OK\r\n" not in got and b"ERROR\r\n" not in got:
        if time.monotonic() > end:
            sys.exit("no answer to command %d" % (i + 1))
        if select.select([fd], [], [], 0.1)[0]:
            got += os.read(fd, 4096)
os.close(fd)
PY
}

# proxy_on NAME MODULE SCALE COMMAND N [freeze]: a proxy in front of
# emulator MODULE, at its time scale, driven by the host; frozen with
# SIGSTOP for 150 ms in every 151 ms while the host runs when asked. Its
# exit in px_rc.
proxy_on() {
  local name=$1 module=$2 scale=$3 cmd=$4 n=$5 freeze=${6:-}
  "$dfota" proxy --source "serial:$tmp/$module.tty,time-scale=$scale" --link "$tmp/$name.tty" \
    --record "$tmp/$name.transcript" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  local px=$!
  pids+=("$px")
  wait_for 20 grep -q "^link: " "$tmp/$name.out" || { bad "$name: no 'link:' from the proxy"; cat "$tmp/$name.err"; }
  host "$tmp/$name.tty" "$cmd" "$n" > "$tmp/$name.host" 2>&1 &
  local hp=$!
  pids+=("$hp")
  while [ -n "$freeze" ] && kill -0 "$hp" 2>/dev/null; do
    kill -STOP "$px" 2>/dev/null
    sleep 0.15
    kill -CONT "$px" 2>/dev/null
    sleep 0.001
  done
  wait "$hp" || { bad "$name: the host did not finish: $(cat "$tmp/$name.host")"; }
  kill -INT "$px"
  wait "$px"
  px_rc=$?
}

bad_name="AT+QFOTADL=\"/data/ufs/$(printf 'a%.0s' $(seq 129))\""
proxy_on px-good pgood 0.1 "$bad_name" 3
if [ "$px_rc" -eq 0 ]; then ok "proxy control: left alone, the proxy passes the module"
else bad "proxy control: exit $px_rc left alone"; cat "$tmp/px-good.out" "$tmp/px-good.err"; fi
proxy_on px-slow pslow 0.1 'AT+QFOTADL="/data/ufs/update-v12-to-v13.zip"' 1
if [ "$px_rc" -eq 1 ] && grep -q "FAIL TIME-FINAL-RESULT" "$tmp/px-slow.out"; then
  ok "proxy control: a module that answers OK after 6 s FAILs TIME-FINAL-RESULT"
else
  bad "proxy control: a slow module gave exit $px_rc"; cat "$tmp/px-slow.out" "$tmp/px-slow.err"
fi
for i in 1 2 3; do
  proxy_on "px-late$i" good 0.01 "$bad_name" 10 freeze
  case $px_rc in
    0) ok "frozen proxy $i: could tell, and passed the module" ;;
    4) if grep -q "the harness was late: .* window.* not judged" "$tmp/px-late$i.err"; then
         ok "frozen proxy $i: harness trouble (exit 4) that says the harness was late"
       else
         bad "frozen proxy $i: exit 4 without saying the harness was late"; cat "$tmp/px-late$i.err"
       fi ;;
    *) bad "frozen proxy $i: exit $px_rc: the proxy's lateness was charged to the module"
       cat "$tmp/px-late$i.out" "$tmp/px-late$i.err" ;;
  esac
done
finish
