#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Settings a user repeats: the environment (DFOTA_SOURCE, DFOTA_PROFILE,
# DFOTA_REPORT_DIR) and the project file dfota.yaml in the working folder,
# under the command line: default < dfota.yaml < environment < command
# line, each step shown by `dfota run --show-config` with its origin and
# then used by a real run (the emulator, in-process) and by dfota check. A
# wrong dfota.yaml is exit 2 naming the file and line; a dfota.yaml in
# another folder is not read.
# usage: config.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
# the commands run in other folders: the binary and the tree by absolute path
dfota=$(cd "$(dirname "$dfota")" && pwd)/$(basename "$dfota")
root=$(cd "$root" && pwd)
e2e_cleanup() { :; } # starts no process: every run is in-process and waited for
unset DFOTA_SOURCE DFOTA_PROFILE DFOTA_REPORT_DIR
guide="$root/transcripts/guide/3.1-ftp-example.log"

# in_dir FOLDER CMD...: CMD run in FOLDER (dfota.yaml is the working folder's)
in_dir() { local d=$1; shift; (cd "$d" && "$@"); }

# origin NAME SETTING VALUE ORIGIN: --show-config's line for SETTING
origin() {
  if grep -qE -- "^$2 +$3 +$4\$" "$tmp/out"; then ok "$1"; else bad "$1: no '$2 $3 $4' in:"; cat "$tmp/out" "$tmp/err"; fi
}

mkdir -p "$tmp/bench" "$tmp/elsewhere" "$tmp/bench/sub"

# --- the help says it
expect_exit "run --help" 0 "$dfota" run --help
expect_grep "run --help: --show-config" "^      --show-config" "$tmp/out"
for v in DFOTA_SOURCE DFOTA_PROFILE DFOTA_REPORT_DIR; do
  expect_grep "run --help: $v" "^  --[a-z]* *$v " "$tmp/out"
done
expect_exit "check --help" 0 "$dfota" check --help
expect_grep "check --help: DFOTA_PROFILE" "DFOTA_PROFILE" "$tmp/out"

# --- defaults: no environment, no dfota.yaml
expect_exit "defaults: --show-config" 0 in_dir "$tmp/bench" "$dfota" run --show-config
origin "default profile" profile strict default
origin "no source by default" source '\(none\)' default
origin "no report by default" report '\(none\)' default
expect_grep "no project file said" "^# project file: none" "$tmp/out"

# --- dfota.yaml over the defaults
cat > "$tmp/bench/dfota.yaml" <<'YAML'
# the bench's settings
source: emulator
packages: site-packages.yaml
report: yaml-reports
profile: field
vars:
  CMD: AT+QFOTADL=?
  SERVER: ftp.example.net
YAML
expect_exit "dfota.yaml: --show-config" 0 in_dir "$tmp/bench" "$dfota" run --show-config
origin "source from dfota.yaml" source emulator 'dfota\.yaml:2'
origin "packages from dfota.yaml" packages site-packages.yaml 'dfota\.yaml:3'
origin "report from dfota.yaml" report yaml-reports 'dfota\.yaml:4'
origin "profile from dfota.yaml" profile field 'dfota\.yaml:5'
origin "variable from dfota.yaml" 'var CMD' 'AT\+QFOTADL=\?' 'dfota\.yaml:7'
expect_grep "the project file is said" "^# project file: dfota.yaml (read)" "$tmp/out"

# --- the environment over dfota.yaml
expect_exit "environment: --show-config" 0 in_dir "$tmp/bench" env DFOTA_PROFILE=strict \
  DFOTA_REPORT_DIR=env-reports DFOTA_SOURCE=transcript:x.log "$dfota" run --show-config
origin "profile from DFOTA_PROFILE" profile strict 'environment DFOTA_PROFILE'
origin "report from DFOTA_REPORT_DIR" report env-reports 'environment DFOTA_REPORT_DIR'
origin "source from DFOTA_SOURCE" source transcript:x.log 'environment DFOTA_SOURCE'
origin "packages still from dfota.yaml" packages site-packages.yaml 'dfota\.yaml:3'

# --- the command line over the environment
expect_exit "command line: --show-config" 0 in_dir "$tmp/bench" env DFOTA_PROFILE=strict \
  DFOTA_REPORT_DIR=env-reports DFOTA_SOURCE=transcript:x.log "$dfota" run --show-config \
  --profile field --report cli-reports --source emulator --packages cli-map.yaml --var CMD=AT
origin "profile from the command line" profile field 'command line'
origin "report from the command line" report cli-reports 'command line'
origin "source from the command line" source emulator 'command line'
origin "packages from the command line" packages cli-map.yaml 'command line'
origin "variable from the command line" 'var CMD' AT 'command line'
origin "the other variable still from dfota.yaml" 'var SERVER' ftp.example.net 'dfota\.yaml:8'
if grep -q "dfota.yaml:7" "$tmp/out"; then bad "an overridden variable is shown twice"; else ok "an overridden variable is shown once"; fi

# --- the settings are used, not only shown: a scenario whose variable
# only dfota.yaml gives, run on dfota.yaml's source, reported in its folder
cat > "$tmp/bench/needs-cmd.yaml" <<'YAML'
name: needs-cmd
section: "3"
sources: [emulator]
vars:
  CMD: ~
steps:
  - send: '${CMD}'
  - expect: OK
    within: 3s
YAML
sed -i '/^packages:/d' "$tmp/bench/dfota.yaml" # the fixtures' map, as by default
expect_exit "run with dfota.yaml's source and variable" 0 in_dir "$tmp/bench" "$dfota" run needs-cmd.yaml
expect_grep "the scenario passed" "^PASS .*needs-cmd" "$tmp/out"
if ls -d "$tmp/bench/yaml-reports"/run-* > /dev/null 2>&1; then ok "report in dfota.yaml's folder"; else bad "no report under yaml-reports"; ls -R "$tmp/bench"; fi
expect_exit "run: DFOTA_REPORT_DIR wins over dfota.yaml" 0 in_dir "$tmp/bench" env DFOTA_REPORT_DIR=env-reports "$dfota" run needs-cmd.yaml
if ls -d "$tmp/bench/env-reports"/run-* > /dev/null 2>&1; then ok "report in DFOTA_REPORT_DIR"; else bad "no report under env-reports"; fi
expect_exit "run: --var wins over dfota.yaml" 1 in_dir "$tmp/bench" "$dfota" run --var CMD=AT+QFOTADL needs-cmd.yaml
expect_exit "run: DFOTA_SOURCE wins over dfota.yaml" 2 in_dir "$tmp/bench" env DFOTA_SOURCE=usb0 "$dfota" run needs-cmd.yaml
expect_grep "a bad DFOTA_SOURCE is named" "environment DFOTA_SOURCE: unknown source 'usb0'" "$tmp/err"

# --- dfota check takes the profile the same way
expect_exit "check: profile from dfota.yaml" 0 in_dir "$tmp/bench" "$dfota" check "$guide"
expect_grep "check judged with dfota.yaml's profile" "raw, field)" "$tmp/out"
expect_exit "check: DFOTA_PROFILE over dfota.yaml" 0 in_dir "$tmp/bench" env DFOTA_PROFILE=strict "$dfota" check "$guide"
expect_grep "check judged with DFOTA_PROFILE" "raw, strict)" "$tmp/out"
expect_exit "check: --profile over DFOTA_PROFILE" 0 in_dir "$tmp/bench" env DFOTA_PROFILE=strict "$dfota" check --profile field "$guide"
expect_grep "check judged with --profile" "raw, field)" "$tmp/out"
expect_exit "check: a bad DFOTA_PROFILE" 2 in_dir "$tmp/elsewhere" env DFOTA_PROFILE=lax "$dfota" check "$guide"
expect_grep "the bad DFOTA_PROFILE is named" "environment DFOTA_PROFILE: unknown profile 'lax'" "$tmp/err"

# --- a dfota.yaml in another folder is not read: a subfolder of the bench,
# and a sibling folder
for d in sub elsewhere; do
  [ $d = sub ] && dir="$tmp/bench/sub" || dir="$tmp/elsewhere"
  expect_exit "$d: --show-config" 0 in_dir "$dir" "$dfota" run --show-config
  origin "$d: the bench's dfota.yaml is not read" profile strict default
  expect_grep "$d: no project file" "^# project file: none" "$tmp/out"
done

# --- a wrong dfota.yaml: exit 2, the file and the line named
wrong() { # NAME LINE:COLUMN|LINE FRAGMENT YAML...
  local name=$1 place=$2 fragment=$3; shift 3
  printf '%s\n' "$@" > "$tmp/elsewhere/dfota.yaml"
  expect_exit "wrong dfota.yaml: $name" 2 in_dir "$tmp/elsewhere" "$dfota" run --show-config
  expect_grep "wrong dfota.yaml: $name: named" "dfota.yaml:$place: .*$fragment" "$tmp/err"
  expect_exit "wrong dfota.yaml: $name: check too" 2 in_dir "$tmp/elsewhere" "$dfota" check "$guide"
}
wrong "unknown key" 3:1 "unknown key 'profle'" 'source: emulator' 'report: r' 'profle: field'
wrong "wrong type" 2:10 "profile must be text, not a sequence" 'source: emulator' 'profile: [strict]'
wrong "vars not a mapping" 1:7 "vars must be a mapping" 'vars: [A, B]'
wrong "bad variable name" 3:3 "bad variable name 'lower'" 'vars:' '  OK: 1' '  lower: 2'
wrong "unknown profile" 2 "unknown profile 'lax'" 'report: r' 'profile: lax'
wrong "YAML syntax" 2:5 "YAML syntax" 'source: emulator' 'a: b: c'
rm -f "$tmp/elsewhere/dfota.yaml"
printf 'source: usb0\n' > "$tmp/elsewhere/dfota.yaml"
expect_exit "wrong dfota.yaml: unknown source" 2 in_dir "$tmp/elsewhere" "$dfota" run needs-cmd.yaml
expect_grep "wrong dfota.yaml: unknown source: named" "dfota.yaml:1: unknown source 'usb0'" "$tmp/err"

finish
