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

# emulator NAME [ARGS...]: a module on a wall clock at 0.01, behind $tmp/NAME.tty
emulator() {
  local name=$1
  shift
  "$dfota" emulate --link "$tmp/$name.tty" --time-scale 0.01 "$@" > "$tmp/$name.emu" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do [ -L "$tmp/$name.tty" ] && break; sleep 0.02; done
}

mkdir "$tmp/ufs"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update-v12-to-v13.zip" > /dev/null
emulator good
emulator slow --ufs "$tmp/ufs" --fault slow-final-result:delay=6s

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
finish
