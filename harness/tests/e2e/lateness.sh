#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The harness's own lateness is never the module's FAIL. A module on a
# wall clock (here 'dfota emulate --time-scale 0.1' in another process,
# where the 3 s window for OK is 300 ms of wall time: a busy machine does
# not make the module itself that late) answers at once; the harness
# ('dfota run --source serial:') is frozen again and again with SIGSTOP
# for 400 ms (4 s of module time), so it reads the answer long after it
# came. It must not charge
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

# emulator NAME [ARGS...]: a module on a wall clock at 0.1, behind $tmp/NAME.tty
emulator() {
  local name=$1
  shift
  "$dfota" emulate --link "$tmp/$name.tty" --time-scale 0.1 "$@" > "$tmp/$name.emu" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ -L "$tmp/$name.tty" ] && break; sleep 0.02; done
}

mkdir "$tmp/ufs"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update-v12-to-v13.zip" > /dev/null
emulator good
emulator slow --ufs "$tmp/ufs" --fault slow-final-result:delay=6s
emulator pslow --ufs "$tmp/ufs" --fault slow-final-result:delay=6s # the fault is one-shot

# freeze TARGET [WATCH]: TARGET stopped (SIGSTOP) for 400 ms in every
# 403 ms while WATCH (TARGET itself unless given) runs
freeze() {
  while kill -0 "${2:-$1}" 2>/dev/null; do
    kill -STOP "$1" 2>/dev/null
    sleep 0.4
    kill -CONT "$1" 2>/dev/null
    sleep 0.003
  done
}

# frozen_verdict WHAT RC FILE WORDS: a frozen harness's exit RC must not
# charge the module: 0 (it could tell) or 4 (harness trouble) with WORDS
# in FILE, saying it was late
frozen_verdict() {
  local what=$1 rc=$2 file=$3 words=$4
  case $rc in
    0) ok "$what: could tell, and passed the module" ;;
    4) if grep -q "$words" "$file"; then
         ok "$what: harness trouble (exit 4) that says the harness was late"
       else
         bad "$what: exit 4 without saying the harness was late"; cat "$file"
       fi ;;
    *) bad "$what: exit $rc: the harness's lateness was charged to the module"
       cat "$file" ;;
  esac
}

# run_on NAME [SCENARIO]: the scenario (an invalid name, answered ERROR at
# once) through the serial source on emulator NAME
run_on() {
  "$dfota" run --source "serial:$tmp/$1.tty,time-scale=0.1" --no-color \
    --packages "$root/fixtures/packages.yaml" \
    --scenario "${2:-3.3-oversize-local-name-129-bytes}" "$root/scenarios"
}

expect_exit "control: left alone, the harness passes the module" 0 run_on good
expect_exit "control: a module that answers OK after 6 s FAILs" 1 run_on slow 3.3-local-file-upgrade
expect_grep "control: the FAIL is the window's" "within 3.*TIME-FINAL-RESULT" "$tmp/out"

# Frozen, three times over.
for i in 1 2 3; do
  "$dfota" run --source "serial:$tmp/good.tty,time-scale=0.1" --no-color \
    --scenario 3.3-oversize-local-name-129-bytes "$root/scenarios" > "$tmp/late$i.out" 2>&1 &
  run_pid=$!
  pids+=("$run_pid")
  freeze "$run_pid"
  wait "$run_pid"
  frozen_verdict "frozen run $i" $? "$tmp/late$i.out" "the harness was late: .* up to [0-9.]* s"
done

# ---- dfota proxy, with the host windows (the final result within 3 s) ----
# host LINK COMMAND N [UNTIL]: a host that sends COMMAND N times through
# LINK, each after the answer to the one before, then keeps the port open
# until UNTIL has come (10 s of wall time for each at most).
host() {
  python3 - "$@" <<'PY'
import os, select, sys, termios, time, tty
link, cmd, n = sys.argv[1], sys.argv[2].encode() + b"\r", int(sys.argv[3])
until = sys.argv[4].encode() if len(sys.argv) > 4 else None
fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
def wait_for(done, what):
    got, end = b"", time.monotonic() + 10
    while not done(got):
        if time.monotonic() > end:
            sys.exit("no %s" % what)
        if select.select([fd], [], [], 0.1)[0]:
            got += os.read(fd, 4096)
    return got
for i in range(n):
    os.write(fd, cmd)
    got = wait_for(lambda g: b"OK\r\n" in g or b"ERROR\r\n" in g, "answer to command %d" % (i + 1))
if until and until not in got:
    wait_for(lambda g: until in g, until.decode())
os.close(fd)
PY
}

# proxy_on NAME MODULE COMMAND N [UNTIL [frozen]]: a proxy in front of
# emulator MODULE, at its time scale, driven by the host; frozen as freeze
# does while the host runs when asked. Its exit in px_rc.
proxy_on() {
  local name=$1 module=$2 cmd=$3 n=$4 until=${5:-} frozen=${6:-}
  "$dfota" proxy --source "serial:$tmp/$module.tty,time-scale=0.1" --link "$tmp/$name.tty" \
    --record "$tmp/$name.transcript" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  local px=$!
  pids+=("$px")
  wait_for 20 grep -q "^link: " "$tmp/$name.out" || { bad "$name: no 'link:' from the proxy"; cat "$tmp/$name.err"; }
  host "$tmp/$name.tty" "$cmd" "$n" $until > "$tmp/$name.host" 2>&1 &
  local hp=$!
  pids+=("$hp")
  [ -z "$frozen" ] || freeze "$px" "$hp"
  wait "$hp" || { bad "$name: the host did not finish: $(cat "$tmp/$name.host")"; }
  kill -INT "$px"
  wait "$px"
  px_rc=$?
}

bad_name="AT+QFOTADL=\"/data/ufs/$(printf 'a%.0s' $(seq 129))\""
proxy_on px-good good "$bad_name" 3
if [ "$px_rc" -eq 0 ]; then ok "proxy control: left alone, the proxy passes the module"
else bad "proxy control: exit $px_rc left alone"; cat "$tmp/px-good.out" "$tmp/px-good.err"; fi
proxy_on px-slow pslow 'AT+QFOTADL="/data/ufs/update-v12-to-v13.zip"' 1
if [ "$px_rc" -eq 1 ] && grep -q "FAIL TIME-FINAL-RESULT" "$tmp/px-slow.out"; then
  ok "proxy control: a module that answers OK after 6 s FAILs TIME-FINAL-RESULT"
else
  bad "proxy control: a slow module gave exit $px_rc"; cat "$tmp/px-slow.out" "$tmp/px-slow.err"
fi
# Frozen proxies in front of a module that answers an HTTP upgrade's OK
# in 1 s, well within the 3 s window (its server is not there: the
# download then fails, HTTPEND, and the host stays for it): the OK comes
# while the proxy is frozen, and it reads it up to 0.4 s (4 s of module
# time) later. The module is passed (exit 0) or the session ends in
# harness trouble (exit 4); never a FAIL (exit 1).
for i in 1 2 3; do
  emulator "fpx$i" --fault slow-final-result:delay=1s
  proxy_on "px-late$i" "fpx$i" 'AT+QFOTADL="http://127.0.0.1:1/update.zip"' 1 HTTPEND frozen
  cat "$tmp/px-late$i.out" "$tmp/px-late$i.err" > "$tmp/px-late$i.all"
  frozen_verdict "frozen proxy $i" "$px_rc" "$tmp/px-late$i.all" "the harness was late: .* window.* not judged"
done
finish
