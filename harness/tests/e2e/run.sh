#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota run's contract: exit codes (harness trouble is 4, apart from a
# FAIL), a report folder that appears only whole, the four report files,
# the run's transcript, variables, selection, and colour rules.
# usage: run.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

mkdir -p "$tmp/sc"
cat > "$tmp/sc/3.3-local-upgrade.yaml" <<'YAML'
name: 3.3-local-upgrade
section: "3.3"
requirement: "It should be started with \"/data/ufs/\" in UFS."
tags: [local, upgrade]
sources: [transcript]
vars:
  FILE: /data/ufs/update-v13-to-v12.zip
steps:
  - send: 'AT+QFOTADL="${FILE}"'
  - expect: OK
    within: 3s
  - expect_urc: START
    within: 300s
  - expect_progress: {to: 100, max_gap: 120s}
  - expect_urc: END
    code: 0
    within: 300s
YAML
cat > "$tmp/pass.transcript" <<'LOG'
# dfota-transcript 1
# port: /dev/ttyS0
0.000000 > ATI
0.020000 < Quectel
0.021000 < OK
1.000000 > AT+QFOTADL="/data/ufs/update-v13-to-v12.zip"
1.040000 < OK
20.000000 < +QIND: "FOTA","START"
21.000000 < +QIND: "FOTA","UPDATING",1
60.000000 < +QIND: "FOTA","UPDATING",50
99.000000 < +QIND: "FOTA","UPDATING",100
101.000000 < +QIND: "FOTA","END",0
LOG
sed 's/1.040000 < OK/5.500000 < OK/' "$tmp/pass.transcript" > "$tmp/late.transcript"
sed 's/"UPDATING",50/"UPDATING",40\n60.500000 < +QIND: "FOTA","UPDATING",30/' "$tmp/pass.transcript" > "$tmp/back.transcript"
head -n 8 "$tmp/pass.transcript" > "$tmp/cut.transcript"
sc="$tmp/sc"

expect_exit "help" 0 "$dfota" run --help
expect_grep "help documents exit status 4" "harness trouble" "$tmp/out"
expect_exit "no source" 2 "$dfota" run "$sc"
expect_exit "unknown source" 2 "$dfota" run --source tape:x "$sc"
expect_exit "passing run" 0 "$dfota" run --no-color --source "transcript:$tmp/pass.transcript" "$sc"
expect_grep "a line per scenario" "^PASS *3.3-local-upgrade" "$tmp/out"
expect_exit "late OK fails its window" 1 "$dfota" run --no-color --source "transcript:$tmp/late.transcript" "$sc"
expect_grep "the window names its rule" "TIME-FINAL-RESULT" "$tmp/out"
expect_exit "progress going back fails" 1 "$dfota" run --no-color --source "transcript:$tmp/back.transcript" "$sc"
expect_grep "PROGRESS-ORDER named" "PROGRESS-ORDER" "$tmp/out"
expect_exit "a log that ends early is incomplete" 3 "$dfota" run --source "transcript:$tmp/cut.transcript" "$sc"
expect_exit "unreadable source is harness trouble" 4 "$dfota" run --source "transcript:$tmp/none.transcript" "$sc"
expect_exit "a variable overrides the default" 1 "$dfota" run --var FILE=/data/ufs/other.zip --source "transcript:$tmp/pass.transcript" "$sc"
expect_exit "bad --var" 2 "$dfota" run --var 1X=2 --source "transcript:$tmp/pass.transcript" "$sc"
expect_exit "selection by tag" 0 "$dfota" run --tag local --source "transcript:$tmp/pass.transcript" "$sc"
expect_exit "selection that selects nothing" 2 "$dfota" run --tag nothing --source "transcript:$tmp/pass.transcript" "$sc"
printf 'name: x\nsteps: 3\n' > "$tmp/bad.yaml"
expect_exit "an invalid scenario runs nothing" 2 "$dfota" run --source "transcript:$tmp/pass.transcript" "$tmp/bad.yaml"

# the report folder
expect_exit "report" 1 "$dfota" run --source "transcript:$tmp/late.transcript" --report "$tmp/rep" "$sc"
run=$(ls -d "$tmp"/rep/run-* 2>/dev/null | head -n 1)
if [ -n "$run" ]; then ok "report folder under its final name"; else bad "no report folder"; ls -la "$tmp/rep"; fi
if ls -a "$tmp/rep" | grep -q partial; then bad "a partial folder is left"; else ok "no partial folder left"; fi
for f in summary.txt report.json junit.xml report.html transcripts/3.3-local-upgrade.transcript; do
  if [ -s "$run/$f" ]; then ok "report has $f"; else bad "report lacks $f"; fi
done
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["scenarios"][0]; assert s["verdict"]=="FAIL", s; assert "TIME-FINAL-RESULT" in s["failed_rules"], s["failed_rules"]' "$run/report.json"; then
  ok "report.json holds the verdict and the rule"; else bad "report.json"; fi
if xmllint --noout "$run/junit.xml"; then ok "junit.xml is well formed"; else bad "junit.xml"; fi
expect_grep "the run's transcript is a transcript" "^# dfota-transcript 1" "$run/transcripts/3.3-local-upgrade.transcript"
# a correct upgrade whose OK was late: check applies no window, so it passes
expect_exit "dfota check reads the run's transcript" 0 "$dfota" check "$run/transcripts/3.3-local-upgrade.transcript"
expect_exit "json on stdout" 1 "$dfota" run --format json --source "transcript:$tmp/late.transcript" "$sc"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; then ok "stdout JSON parses"; else bad "stdout JSON"; fi

# colour: never when not a terminal, never with NO_COLOR
"$dfota" run --source "transcript:$tmp/pass.transcript" "$sc" > "$tmp/plain"
if grep -q $'\033' "$tmp/plain"; then bad "no colour when not a terminal"; else ok "no colour when not a terminal"; fi
if command -v script > /dev/null; then
  NO_COLOR=1 script -qec "$dfota run --source transcript:$tmp/pass.transcript $sc" /dev/null > "$tmp/tty" 2>&1
  if grep -q $'\033\[' "$tmp/tty"; then bad "no colour with NO_COLOR on a terminal"; else ok "no colour with NO_COLOR on a terminal"; fi
fi

expect_exit "lint a valid library" 0 "$dfota" lint "$sc"
expect_exit "list" 0 "$dfota" list "$sc"
expect_grep "list shows section and sources" "3.3-local-upgrade *3.3 *transcript" "$tmp/out"

finish
