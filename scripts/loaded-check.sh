#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Verdicts do not depend on the machine: the checks of a busy machine.
#   1. The scenario library against the emulator, once idle and once with
#      both cores kept busy: every scenario passes both times, and the
#      transcripts, timestamps included, are byte-identical.
#   2. The whole test suite (ctest -j2) RUNS times in a row with both cores
#      kept busy by two spinning processes: every run passes.
#   3. README command 1's job (scripts/main-job.sh) RUNS times, loaded the
#      same way: every run exits 0.
# usage: loaded-check.sh [RUNS]      (default 5; the build must exist)
#   BUILD   the build folder (default build)
# Prints a line per run with its time, and a summary; exits 0 when all
# held, 1 when one did not, 2 when it could not run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
build=${BUILD:-$root/build}
dfota=$build/dfota
[ -x "$dfota" ] || { echo "loaded-check: no $dfota (build first)" >&2; exit 2; }
tmp=$(mktemp -d)
spinners=()
load_on() { for _ in 1 2; do sh -c 'while :; do :; done' & spinners+=($!); done; }
load_off() {
  for p in "${spinners[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  spinners=()
}
cleanup() { load_off; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
failed=0
say() { printf '%s\n' "$*"; }
elapsed() {
  local d=$(($(date +%s%N) - $1))
  printf '%d.%d s' $((d / 1000000000)) $((d / 100000000 % 10))
}

# 1. idle against loaded, transcript for transcript
mkdir -p "$tmp/lib"
for mode in idle loaded; do
  [ "$mode" = loaded ] && load_on
  t0=$(date +%s%N)
  DFOTA=$dfota bash "$root/scripts/emulator-suite.sh" "$tmp/lib" --no-color > "$tmp/lib-$mode.out" 2>&1
  rc=$?
  load_off
  run=$(ls -dt "$tmp"/lib/run-* | head -n 1)
  mv "$run" "$tmp/lib/$mode"
  say "library, $mode: exit $rc, $(tail -n 1 "$tmp/lib-$mode.out") ($(elapsed "$t0"))"
  [ "$rc" -eq 0 ] || failed=1
done
if diff -r "$tmp/lib/idle/transcripts" "$tmp/lib/loaded/transcripts" > "$tmp/diff" 2>&1; then
  n=$(ls "$tmp/lib/idle/transcripts" | wc -l)
  say "library: the $n transcripts of the idle and the loaded run are byte-identical"
else
  say "library: the transcripts differ between the idle and the loaded run:"
  head -n 20 "$tmp/diff"
  failed=1
fi

# 2. the whole test suite, loaded
passed=0
for i in $(seq "$runs"); do
  load_on
  t0=$(date +%s%N)
  ctest --test-dir "$build" -j2 --output-on-failure > "$tmp/ctest-$i.out" 2>&1
  rc=$?
  load_off
  line=$(grep -E "tests passed|tests failed" "$tmp/ctest-$i.out" | tail -n 1)
  say "ctest -j2, loaded, run $i of $runs: exit $rc, $line ($(elapsed "$t0"))"
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else
    grep -E "^\s+[0-9]+ - " "$tmp/ctest-$i.out"; failed=1; fi
done
say "ctest: $passed of $runs loaded runs passed"

# 3. the main job, loaded
passed=0
for i in $(seq "$runs"); do
  load_on
  t0=$(date +%s%N)
  DFOTA=$dfota bash "$root/scripts/main-job.sh" > "$tmp/main-$i.out" 2>&1
  rc=$?
  load_off
  say "main job, loaded, run $i of $runs: exit $rc ($(elapsed "$t0"))"
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else tail -n 15 "$tmp/main-$i.out"; failed=1; fi
done
say "main job: $passed of $runs loaded runs passed"
[ "$failed" -eq 0 ] && say "loaded-check: every check held" || say "loaded-check: a check did not hold"
exit "$failed"
