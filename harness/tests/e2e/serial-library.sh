#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One module through the whole library: a single 'dfota emulate' keeps its
# firmware from one scenario to the next, as a real module does, and 'dfota
# run --source serial:LINK --packages MAP' runs every scenario that can run
# on a serial port against it. Each scenario states the firmware it
# requires; before one whose firmware the module does not run, the run
# upgrades or downgrades it with the mapped package, as a preparation step
# judged apart. With a map that lacks the way back, the scenarios that
# cannot start are not run: harness trouble (exit 4) naming both versions,
# never a module FAIL. A module that breaks the guide still FAILs.
#
# usage: serial-library.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
em_pid=
fx=$tmp/fx
e2e_cleanup() {
  if [ -n "$em_pid" ] && kill -0 "$em_pid" 2>/dev/null; then kill "$em_pid"; wait "$em_pid" 2>/dev/null; fi
  bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
v12=EG95EFAR02A07M4G
v13=EG95EFAR02A08M4G
# Generous: ctest runs tests side by side, and the clock is scaled wall time.
scale=0.02

if ! bash "$root/fixtures/servers.sh" start "$fx" > "$tmp/fx.log" 2>&1; then
  bad "the fixture servers did not start: $(cat "$tmp/fx.log")"; finish; exit
fi
# shellcheck source=/dev/null
. "$fx/servers.env"

# start_module [EMULATE-ARGS...]: one module, on v12, behind $tmp/tty.
start_module() {
  rm -f "$tmp/tty"
  "$dfota" emulate --link "$tmp/tty" --time-scale $scale --ufs "$UFS_DIR" \
    --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO" \
    --connect-to "$HTTP_CONNECT_TO" --connect-to "$HTTP_DEFAULT_CONNECT_TO" "$@" \
    > "$tmp/emulate.out" 2>&1 &
  em_pid=$!
  for _ in $(seq 100); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
  [ -L "$tmp/tty" ] || { bad "no link after 5 s"; cat "$tmp/emulate.out"; }
}
stop_module() {
  kill -TERM "$em_pid" 2>/dev/null
  wait "$em_pid" 2>/dev/null
  em_pid=
}
serial=(--source "serial:$tmp/tty,time-scale=$scale" --no-color)
n=$("$dfota" list "$root/scenarios" | awk 'NR > 1 && $3 ~ /serial/' | wc -l)

# (a) The whole library on one module, with the fixtures' map.
start_module
expect_exit "(a) the library passes on one module through serial:" 0 \
  timeout 280 "$dfota" run "${serial[@]}" --packages "$root/fixtures/packages.yaml" \
  --report "$tmp/rep-a" "$root/scenarios"
expect_grep "(a) every scenario that can run on a serial port passed" \
  "^$n scenarios: $n passed, 0 failed, 0 incomplete, 0 harness errors" "$tmp/out"
expect_grep "(a) the way back was prepared before a scenario that needs v12" \
  "^PASS *prepare-for-.* (§3.1)" "$tmp/out"
expect_grep "(a) the preparation steps are counted apart" "^[1-9][0-9]* preparation steps\?: [1-9][0-9]* passed" "$tmp/out"
json=$(ls "$tmp"/rep-a/run-*/report.json 2>/dev/null | head -n 1)
if [ -n "$json" ] && "$python" - "$json" "$n" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
preps = [s for s in r["scenarios"] if s["preparation"]]
assert preps and all(s["name"].startswith("prepare-for-") for s in preps), "no preparation entries"
assert r["summary"]["scenarios"] == int(sys.argv[2]), r["summary"]
assert r["summary"]["preparations"] == len(preps) == r["summary"]["prepared"], r["summary"]
# a preparation brings the module back to the firmware the next scenario needs
names = [s["name"] for s in r["scenarios"]]
for p in preps:
    nxt = r["scenarios"][names.index(p["name"]) + 1]
    assert p["name"] == "prepare-for-" + nxt["name"], (p["name"], nxt["name"])
    assert nxt["firmware_before"].startswith("EG95EFAR02A07M4G"), nxt
EOF
then ok "(a) report.json: each preparation before its scenario, counted apart"
else bad "(a) report.json's preparations"; fi
tr=$(ls "$tmp"/rep-a/run-*/transcripts/prepare-for-*.transcript 2>/dev/null | head -n 1)
if [ -n "$tr" ] && "$dfota" check "$tr" > "$tmp/check" 2>&1; then
  ok "(a) a preparation's transcript is judged by the same rules (dfota check passes it)"
else bad "(a) no preparation transcript, or check fails it:"; cat "$tmp/check" 2>/dev/null; fi
stop_module

# (b) A map that lacks the way back (v13 -> v12): the scenarios that need
# v12 once the module runs v13 are not run, exit 4, each naming both.
"$python" - "$root/fixtures/packages.yaml" > "$tmp/one-way.yaml" <<'EOF'
import sys
out, skip = [], False
for line in open(sys.argv[1]):
    if line.startswith("  - from:"):
        skip = "EG95EFAR02A08M4G" in line
    if not skip:
        out.append(line)
sys.stdout.write("".join(out))
EOF
if grep -q "from: $v13" "$tmp/one-way.yaml"; then bad "(b) the one-way map still has v13 -> v12"; fi
start_module
expect_exit "(b) without the way back: harness trouble" 4 \
  timeout 280 "$dfota" run "${serial[@]}" --packages "$tmp/one-way.yaml" "$root/scenarios"
expect_grep "(b) not run, naming what the module runs and what the scenario needs" \
  "^ERROR *[^ ]* (§[0-9.]*): not run: the module runs $v13, the scenario needs $v12, and the package map $tmp/one-way.yaml has no package from one to the other" "$tmp/out"
if grep -q "^FAIL" "$tmp/out"; then bad "(b) a FAIL was charged to the module:"; grep -A3 "^FAIL" "$tmp/out"
else ok "(b) never a module FAIL"; fi
expect_grep "(b) the first upgrade still ran and passed" "^PASS " "$tmp/out"
stop_module

# (c) No package map at all on a serial source: the package variables
# cannot be given; not run, and said how to fix.
start_module
expect_exit "(c) no package map: harness trouble" 4 \
  timeout 60 "$dfota" run "${serial[@]}" --scenario 3.1-ftp-upgrade-explicit-port "$root/scenarios"
expect_grep "(c) it names the package and --packages" \
  "not run: \${FTP_URL} is the package from $v12 to $v13: give a package map that has it (--packages FILE)" "$tmp/out"
stop_module

# (d) A package map that is not valid is a usage error with its place.
printf 'packages:\n  - from: %s\n    to: %s\n    ftp: "http://wrong.example/x.zip"\n' $v12 $v13 > "$tmp/bad-map.yaml"
expect_exit "(d) an invalid package map is refused" 2 \
  "$dfota" run "${serial[@]}" --packages "$tmp/bad-map.yaml" "$root/scenarios"
expect_grep "(d) with FILE:LINE:COLUMN" "^dfota run: $tmp/bad-map.yaml:4:10: bad ftp URL" "$tmp/err"

# (e) The control: a module that breaks the guide on the way still FAILs.
start_module --fault end-before-100
expect_exit "(e) control: a module's real FAIL is caught" 1 \
  timeout 60 "$dfota" run "${serial[@]}" --packages "$root/fixtures/packages.yaml" \
  --scenario 3.1-ftp-upgrade-explicit-port "$root/scenarios"
expect_grep "(e) by its rule" "FAIL PROGRESS-COMPLETE" "$tmp/out"
stop_module
finish
