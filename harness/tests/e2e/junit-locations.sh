#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# JUnit XML as CI systems read it: every testcase carries a time in
# seconds, and a failure names the transcript line it happened on, as
# file and line attributes and at the start of its message
# ("FILE:LINE: ..."), for dfota check and for a run's junit.xml. The lines
# and times asserted are found in the inputs themselves (grep -n, the
# timestamps written below), not computed the way dfota computes them.
# usage: junit-locations.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

xp() { xmllint --xpath "$1" "$2" 2> /dev/null; }
same() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi
}

# --- dfota check: a corpus log whose UPDATING has a '%' sign (URC-SYNTAX)
log="$root/transcripts/field/percent-sign-stamped.log"
want_line=$(grep -n 'UPDATING", 2%' "$log" | head -1 | cut -d: -f1)
expect_exit "check: the log fails strict" 1 "$dfota" check --profile strict --format junit "$log"
cp "$tmp/out" "$tmp/check.xml"
if xmllint --noout "$tmp/check.xml"; then ok "check: JUnit parses"; else bad "check: JUnit does not parse"; fi
case_xp='//testcase[failure and starts-with(@name, "URC-SYNTAX")]'
same "check: the failure's line attribute is the line of the '2%'" \
  "$(xp "string($case_xp/@line)" "$tmp/check.xml")" "$want_line"
same "check: the failure's file attribute is the log" "$(xp "string($case_xp/@file)" "$tmp/check.xml")" "$log"
msg=$(xp "string($case_xp/failure/@message)" "$tmp/check.xml")
case "$msg" in
  "$log:$want_line: "*) ok "check: the message starts with FILE:LINE" ;;
  *) bad "check: the message does not start with $log:$want_line: : $msg" ;;
esac
same "check: every testcase has a time" "$(xp 'count(//testcase[not(@time)])' "$tmp/check.xml")" 0
# The log's upgrade: the command at 16:17:37:700 (its line 4), the END at
# 16:19:22:441 (its line 24), worked out by hand: 104.741 s. A literal, so
# that neither a broken stamp reader nor an untimed file (time 0) passes.
same "check: the suite's time is the upgrade's span in the log" \
  "$(xp 'string(//testsuite/@time)' "$tmp/check.xml")" "104.741"

# --- a run's junit.xml: a step that fails on FTPEND 601
cat > "$tmp/junit-ftpend.yaml" << 'YAML'
name: junit-ftpend
section: "4"
requirement: the download ends well
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="ftp://test:test@127.0.0.1:2121/update.zip"'
  - expect: OK
    within: 3s
  - expect_urc: FTPSTART
    within: 300s
  - expect_urc: FTPEND
    code: 0
    within: 300s
YAML
printf '%s\n' '# dfota-transcript 1' '# module: EG95EFAR02A07M4G' \
  '0.000000 > AT+QFOTADL="ftp://test:test@127.0.0.1:2121/update.zip"' \
  '0.250000 < OK' \
  '0.500000 < +QIND: "FOTA","FTPSTART"' \
  '12.750000 < +QIND: "FOTA","FTPEND",601' > "$tmp/ftpend.transcript"
expect_exit "run: the scenario fails" 1 "$dfota" run --no-color --source "transcript:$tmp/ftpend.transcript" \
  --report "$tmp/rep" "$tmp/junit-ftpend.yaml"
xml=$(find "$tmp/rep" -name junit.xml | head -1)
if [ -n "$xml" ] && xmllint --noout "$xml"; then ok "run: junit.xml parses"; else bad "run: no junit.xml that parses"; finish; exit; fi
tr=$(find "$tmp/rep" -name '*.transcript' | head -1)
run_line=$(grep -n 'FTPEND",601' "$tr" | head -1 | cut -d: -f1)
step_xp='//testcase[failure and starts-with(@name, "step 4")]'
same "run: the failed step's line is the FTPEND 601 in the run's transcript" \
  "$(xp "string($step_xp/@line)" "$xml")" "$run_line"
same "run: its file is the transcript, as the report names it" \
  "$(xp "string($step_xp/@file)" "$xml")" "transcripts/$(basename "$tr")"
msg=$(xp "string($step_xp/failure/@message)" "$xml")
case "$msg" in
  "transcripts/$(basename "$tr"):$run_line: "*) ok "run: the message starts with FILE:LINE" ;;
  *) bad "run: the message does not start with FILE:LINE: $msg" ;;
esac
# module time: OK 0.25 s after the command, FTPEND 12.25 s after FTPSTART
same "run: step 2 took 0.250 s" "$(xp 'string(//testcase[starts-with(@name, "step 2")]/@time)' "$xml")" 0.250
same "run: step 4 took 12.250 s" "$(xp "string($step_xp/@time)" "$xml")" 12.250
same "run: the scenario's time is its 12.75 s" "$(xp 'string(//testsuite/@time)' "$xml")" 12.750
same "run: every testcase has a time" "$(xp 'count(//testcase[not(@time)])' "$xml")" 0
finish
