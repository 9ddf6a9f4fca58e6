#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota lint: every broken scenario under lint-cases/ is refused (exit 2)
# with the place and the words its first line announces:
#   # lint-expect: LINE:COLUMN text-fragment
# and valid scenarios pass (exit 0). The cases too big to keep in the
# repository (a file past the size limit, too many steps) are made here.
# usage: lint.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
cases="$root/harness/tests/e2e/lint-cases"

# Runs dfota lint ARGS..., stdout and stderr together in $tmp/out; sets $got.
lint() {
  "$dfota" lint "$@" > "$tmp/out" 2>&1
  got=$?
}

# NAME FILE LINE:COLUMN FRAGMENT: refused, at that place, with those words.
expect_refused() {
  local name=$1 file=$2 place=$3 fragment=$4
  lint "$file"
  if [ "$got" -ne 2 ]; then
    bad "$name: exit $got, want 2"; cat "$tmp/out"; return
  fi
  if ! grep -qF -- "$file:$place: " "$tmp/out"; then
    bad "$name: no '$file:$place: ' in:"; cat "$tmp/out"; return
  fi
  if ! grep -F -- "$file:$place: " "$tmp/out" | grep -qF -- "$fragment"; then
    bad "$name: no '$fragment' on the line of $place:"; cat "$tmp/out"; return
  fi
  ok "$name ($place)"
}

# NAME ARGS...: accepted.
expect_valid() {
  local name=$1; shift
  lint "$@"
  if [ "$got" -eq 0 ]; then ok "$name"; else bad "$name: exit $got, want 0"; cat "$tmp/out"; fi
}

# --- the command exists and documents itself
"$dfota" lint --help > "$tmp/out" 2>&1
if [ $? -eq 0 ]; then ok "lint --help"; else bad "lint --help: not exit 0"; cat "$tmp/out"; fi

# --- one broken file per kind of rejection, each announcing its error
n_cases=0
for f in "$cases"/*.yaml; do
  expect=$(head -n 1 "$f")
  case $expect in
    "# lint-expect: "*) ;;
    *) bad "$(basename "$f"): first line is not '# lint-expect: LINE:COLUMN text'"; continue ;;
  esac
  expect=${expect#"# lint-expect: "}
  place=${expect%% *}
  fragment=${expect#* }
  if ! [[ $place =~ ^[0-9]+:[0-9]+$ ]] || [ -z "$fragment" ] || [ "$fragment" = "$expect" ]; then
    bad "$(basename "$f"): bad lint-expect line '$expect'"; continue
  fi
  n_cases=$((n_cases + 1))
  expect_refused "$(basename "$f")" "$f" "$place" "$fragment"
done
if [ "$n_cases" -ge 30 ]; then ok "$n_cases broken cases found"; else bad "only $n_cases broken cases in $cases"; fi

# --- valid scenarios
expect_valid "valid scenario" "$cases/valid/3.1-ftp-upgrade.yaml"
expect_valid "a folder of valid scenarios" "$cases/valid"
if [ -n "$(find "$root/scenarios" -name '*.y*ml' 2>/dev/null | head -n 1)" ]; then
  expect_valid "the scenario library lints clean" "$root/scenarios"
fi

# --- made here: the file size limit (256 KiB) and the step limit (256).
# 4096 lines of 64 bytes are exactly the limit: that file is valid; one
# line more and the first byte past the limit starts line 4097.
# FILE NAME COMMENT_LINES: a valid scenario of 64-byte lines.
sized() {
  {
    printf '%-63s\n' "name: $2" 'section: "3"' 'steps:' '  - send: AT'
    pad=$(printf '#%062d' 0)
    for _ in $(seq "$3"); do echo "$pad"; done
  } > "$1"
}
sized "$tmp/size-limit.yaml" size-limit 4092
size=$(wc -c < "$tmp/size-limit.yaml")
if [ "$size" -eq 262144 ]; then ok "size-limit.yaml is 262144 bytes"; else bad "size-limit.yaml is $size bytes"; fi
expect_valid "a file of exactly 256 KiB" "$tmp/size-limit.yaml"
sized "$tmp/file-too-big.yaml" file-too-big 4093
expect_refused "file-too-big.yaml" "$tmp/file-too-big.yaml" "4097:1" "past 262144 bytes"

{
  printf 'name: too-many-steps\nsection: "3"\nsteps:\n'
  for _ in $(seq 257); do echo '  - send: AT'; done
} > "$tmp/too-many-steps.yaml"
expect_refused "too-many-steps.yaml" "$tmp/too-many-steps.yaml" "260:5" "more than 256 steps"

# --- several files at once: one line per bad file, exit 2 when any is bad
lint "$cases/valid/3.1-ftp-upgrade.yaml" "$cases/unknown-key.yaml" "$cases/bad-duration.yaml"
if [ "$got" -eq 2 ]; then ok "mixed files: exit 2"; else bad "mixed files: exit $got, want 2"; fi
for f in unknown-key bad-duration; do
  n=$(grep -cF -- "$cases/$f.yaml:" "$tmp/out")
  if [ "$n" -eq 1 ]; then ok "mixed files: one line for $f"; else bad "mixed files: $n lines for $f"; cat "$tmp/out"; fi
done
if grep -qE -- '3\.1-ftp-upgrade\.yaml:[0-9]+:[0-9]+: ' "$tmp/out"; then
  bad "mixed files: an error reported for the valid file"; cat "$tmp/out"
else
  ok "mixed files: no error for the valid file"
fi

# --- every error of a file, not only the first: three mistakes in three
# parts (the section, a step's stage, another step's window), three lines,
# each at its place; dfota run, which needs one, names the first only
three="$cases/all-errors/three-errors.yaml"
lint "$three"
if [ "$got" -eq 2 ]; then ok "three errors: exit 2"; else bad "three errors: exit $got, want 2"; fi
n=$(grep -cF -- "$three:" "$tmp/out")
if [ "$n" -eq 3 ]; then ok "three errors: three lines"; else bad "three errors: $n lines, want 3"; cat "$tmp/out"; fi
for want in "4:10: section '3.x'" "8:17: unknown stage 'NOPE'" "10:13: bad duration '3q'"; do
  if grep -qF -- "$three:$want" "$tmp/out"; then ok "three errors: $want"; else bad "three errors: no '$three:$want'"; cat "$tmp/out"; fi
done
"$dfota" run --source emulator "$three" > "$tmp/out" 2>&1; got=$?
n=$(grep -cF -- "$three:" "$tmp/out")
if [ "$got" -eq 2 ] && [ "$n" -eq 1 ] && grep -qF -- "$three:4:10: section" "$tmp/out"; then
  ok "run names the first error only (exit 2)"
else
  bad "run on three errors: exit $got, $n lines, want exit 2 and the first"; cat "$tmp/out"
fi
# a variable whose value is wrong is still declared: the step that uses it
# is not blamed too (one error, not two)
printf 'name: wrong-value\nsection: "3"\nvars:\n  A: [1]\nsteps:\n  - send: "${A}"\n' > "$tmp/wrong-value.yaml"
lint "$tmp/wrong-value.yaml"
n=$(grep -cE -- "wrong-value\.yaml:[0-9]+:[0-9]+: " "$tmp/out")
if [ "$got" -eq 2 ] && [ "$n" -eq 1 ] && grep -qF -- "wrong-value.yaml:4:6: the value of A" "$tmp/out"; then
  ok "a wrong value: one error, at the value"
else
  bad "a wrong value: exit $got, $n errors, want 2 and one"; cat "$tmp/out"
fi
# bounded: 150 bad steps print 100 errors and "and 50 more errors"
{
  printf 'name: many-errors\nsection: "3"\nsteps:\n'
  for i in $(seq 150); do echo "  - expect_urc: NOPE$i"; done
} > "$tmp/many-errors.yaml"
lint "$tmp/many-errors.yaml"
n=$(grep -cE -- "many-errors\.yaml:[0-9]+:[0-9]+: unknown stage" "$tmp/out")
if [ "$got" -eq 2 ] && [ "$n" -eq 100 ]; then ok "150 errors: 100 printed"; else bad "150 errors: exit $got, $n printed, want 100"; fi
if grep -qF -- "$tmp/many-errors.yaml: and 50 more errors" "$tmp/out" &&
   grep -qF -- "many-errors.yaml:103:17: unknown stage 'NOPE100'" "$tmp/out"; then
  ok "150 errors: the 100th at its place, then 'and 50 more errors'"
else
  bad "150 errors: no count of the rest"; tail -n 3 "$tmp/out"
fi

# --- a folder with broken files, and a file that cannot be read
lint "$cases"
if [ "$got" -eq 2 ]; then ok "folder of cases: exit 2"; else bad "folder of cases: exit $got, want 2"; fi
n=$(grep -cE -- '\.yaml:[0-9]+:[0-9]+: ' "$tmp/out")
want=$((n_cases + 3)) # one a case, and all-errors/three-errors.yaml's three
if [ "$n" -eq "$want" ]; then ok "folder of cases: $n error lines"; else bad "folder of cases: $n error lines, want $want"; cat "$tmp/out"; fi
lint "$tmp/missing.yaml"
if [ "$got" -eq 2 ] && grep -qF -- "$tmp/missing.yaml" "$tmp/out"; then
  ok "missing file: exit 2, named"
else
  bad "missing file: exit $got"; cat "$tmp/out"
fi
mkdir -p "$tmp/no-scenarios"; echo "notes" > "$tmp/no-scenarios/README.md"
lint "$tmp/no-scenarios"
if [ "$got" -eq 2 ] && grep -qF -- "no-scenarios: no scenario to read" "$tmp/out"; then
  ok "a folder with no scenario: exit 2, named"
else
  bad "a folder with no scenario: exit $got, want 2"; cat "$tmp/out"
fi
"$dfota" run --source emulator "$tmp/no-scenarios" > "$tmp/out" 2>&1; got=$?
if [ "$got" -eq 2 ]; then ok "run on a folder with no scenario: exit 2"; else bad "run on a folder with no scenario: exit $got, want 2"; cat "$tmp/out"; fi

finish
