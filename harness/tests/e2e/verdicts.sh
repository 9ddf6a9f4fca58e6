#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# verdicts.sh - what a verdict says and what it may not claim: a log with
# nothing to judge is not a PASS, each upgrade's outcome is said in words
# with the guide's meaning of its code, a log altered after capture is not
# the module's fault, and every artifact says what built and ran it. Each
# trouble shows its exit status and message, and a control shows that the
# module's real FAIL is still caught.
# usage: verdicts.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

# --- nothing to judge: no AT+QFOTADL and no FOTA URC is its own result, exit 3
printf 'AT\r\nOK\r\nATI\r\nQuectel\r\nEG95\r\nOK\r\n' > "$tmp/empty.log"
expect_exit "a log with no AT+QFOTADL and no FOTA URC is not a pass" 3 "$dfota" check "$tmp/empty.log"
expect_grep "it says there is nothing to judge" "empty.log: NOTHING TO JUDGE: no AT+QFOTADL and no FOTA URC" "$tmp/out"
expect_grep "the summary counts it apart" "1 file: 0 passed, 0 failed, 0 incomplete, 1 with nothing to judge, 0 unreadable" "$tmp/out"
expect_exit "--allow-empty: the old behaviour" 0 "$dfota" check --allow-empty "$tmp/empty.log"
expect_grep "--allow-empty still says so" "NOTE nothing to judge" "$tmp/out"
expect_exit "nothing to judge, JSON" 3 "$dfota" check --format json "$tmp/empty.log"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["files"][0]; assert f["verdict"]=="NOTHING-TO-JUDGE", f; assert "AT+QFOTADL" in f["verdict_reason"]; assert d["summary"]["nothing_to_judge"]==1; assert d["exit_status"]==3' "$tmp/out"; then
  ok "JSON: verdict NOTHING-TO-JUDGE with its reason"; else bad "JSON nothing to judge"; cat "$tmp/out"; fi
expect_exit "nothing to judge, JUnit" 3 "$dfota" check --format junit "$tmp/empty.log"
expect_grep "JUnit: an error a CI does not take as green" '<error message="nothing to judge' "$tmp/out"
# Control: the module's real FAIL next to an empty log still wins.
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: "FOTA","FTPSTART"\r\n+QIND: "FOTA","FTPEND",601\r\n+QIND: "FOTA","START"\r\n' > "$tmp/fail.log"
expect_exit "control: a FAIL beside an empty log is still exit 1" 1 "$dfota" check "$tmp/empty.log" "$tmp/fail.log"
expect_grep "control: the FAIL is named" "fail.log:5: FAIL SEQ-NO-UPDATE-AFTER-DL-FAIL" "$tmp/out"
# The test command alone is judged (CMD-TEST): it is something to judge.
printf 'AT+QFOTADL=?\r\nOK\r\n' > "$tmp/test-only.log"
expect_exit "AT+QFOTADL=? alone is judged" 0 "$dfota" check "$tmp/test-only.log"

# --- each upgrade's outcome, in words, with the guide's meaning of its code
printf 'AT+QFOTADL="http://h/f.bin"\r\nOK\r\n+QIND: "FOTA","HTTPSTART"\r\n+QIND: "FOTA","HTTPEND",701\r\n' > "$tmp/http701.log"
expect_exit "a download that failed with 701 passes the rules" 0 "$dfota" check "$tmp/http701.log"
expect_grep "it says the download failed, and what 701 means" "http701.log:1: upgrade over HTTP: download failed, HTTPEND 701 (HTTP unknown error, §5)" "$tmp/out"
if [ "$(grep -n 'upgrade over' "$tmp/out" | cut -d: -f1)" = 1 ]; then ok "the outcome is the file's first line"; else bad "the outcome is not the first line"; cat "$tmp/out"; fi
printf 'AT+QFOTADL="/data/ufs/u.zip"\r\nOK\r\n+QIND: "FOTA","START"\r\n+QIND: "FOTA","UPDATING",3\r\n+QIND: "FOTA","END",510\r\n' > "$tmp/end510.log"
expect_exit "END 510" 0 "$dfota" check "$tmp/end510.log"
expect_grep "it says the update failed, and what 510 means" "upgrade from a local file: update failed, END 510 (the package does not match the firmware in the module, §6)" "$tmp/out"
expect_exit "the guide's own FTP example" 0 "$dfota" check "$root/transcripts/guide/3.1-ftp-example.log"
expect_grep "it says the module was updated" "upgrade over FTP: updated, END 0 after 100%" "$tmp/out"
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nERROR\r\n' > "$tmp/refused.log"
expect_exit "a refused command" 0 "$dfota" check "$tmp/refused.log"
expect_grep "it says the module refused it" "upgrade over FTP: refused, ERROR" "$tmp/out"
expect_exit "the outcome in JSON" 0 "$dfota" check --format json "$tmp/http701.log"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["files"][0]["flows"][0]["summary"]; assert s.startswith("upgrade over HTTP: download failed, HTTPEND 701"), s' "$tmp/out"; then
  ok "JSON: each flow has its summary in words"; else bad "JSON flow summary"; cat "$tmp/out"; fi
expect_exit "the outcome in JUnit" 0 "$dfota" check --format junit "$tmp/http701.log"
expect_grep "JUnit: the outcome in the suite's output" "upgrade over HTTP: download failed" "$tmp/out"
# Control: the FAIL is still said, beside the outcome.
expect_exit "control: an update after a failed download" 1 "$dfota" check "$tmp/fail.log"
expect_grep "control: the outcome says what happened" "fail.log:1: upgrade over FTP: download failed, FTPEND 601 (FTP unknown error, §4)" "$tmp/out"
expect_grep "control: the FAIL is still there" "fail.log:5: FAIL SEQ-NO-UPDATE-AFTER-DL-FAIL" "$tmp/out"

# --- a log altered after capture is not the module's fault
typo=$root/transcripts/field/typographic-quotes-raw.log
expect_exit "strict: typographic quotes make the log inconclusive" 3 "$dfota" check "$typo"
expect_grep "strict: the reason is named" "typographic-quotes-raw.log: INCONCLUSIVE: the log was altered after capture (typographic quotes at line 17)" "$tmp/out"
if grep -q " FAIL URC-SYNTAX\| WARN URC-SYNTAX" "$tmp/out"; then bad "strict: the paste damage is charged to the module"; else ok "strict: no FAIL or WARN against the module"; fi
expect_exit "strict JSON" 3 "$dfota" check --format json "$typo"
if python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"][0]; assert f["verdict"]=="INCONCLUSIVE", f["verdict"]; assert "altered after capture" in f["verdict_reason"]; assert f["rules"]["URC-SYNTAX"]=="PASS"' "$tmp/out"; then
  ok "JSON: INCONCLUSIVE with its reason, URC-SYNTAX not failed"; else bad "JSON inconclusive"; cat "$tmp/out"; fi
expect_exit "field: the same damage is a note" 0 "$dfota" check --profile field "$typo"
expect_grep "field: a NOTE that names it" "NOTE URC-SYNTAX .*the log was altered after capture" "$tmp/out"
expect_exit "strict: a command pasted with typographic quotes" 3 "$dfota" check "$root/transcripts/formats/arrows-typographic-command.log"
expect_grep "strict: the command's quotes are named" "INCONCLUSIVE: the log was altered after capture (typographic quotes around the command's argument" "$tmp/out"
# Control: the module's own FAIL in a log with the same damage is still a FAIL.
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: \xe2\x80\x9cFOTA\xe2\x80\x9d,\xe2\x80\x9cFTPSTART\xe2\x80\x9d\r\n+QIND: "FOTA","FTPEND",601\r\n+QIND: "FOTA","START"\r\n' > "$tmp/typo-fail.log"
expect_exit "control: a real FAIL in an altered log is still exit 1" 1 "$dfota" check "$tmp/typo-fail.log"
expect_grep "control: the module's FAIL is named" "typo-fail.log:5: FAIL SEQ-NO-UPDATE-AFTER-DL-FAIL" "$tmp/out"
# Firmware behaviours of FIELD-QUIRKS stay as they were: FAIL in strict, WARN in field.
stray=$root/transcripts/field/stray-bytes-before-start.transcript
expect_exit "control: stray bytes before START (firmware) FAIL in strict" 1 "$dfota" check "$stray"
expect_exit "control: and are a WARN in field" 0 "$dfota" check --profile field "$stray"
expect_grep "control: WARN URC-SYNTAX stray-bytes" "WARN URC-SYNTAX.*stray-bytes" "$tmp/out"

# --- every rule ID any output can emit is in the catalogue
"$dfota" rules > "$tmp/rules"
grep -o 'fail(r, [^"]*"[A-Z][A-Z0-9-]*"\|return "TIME-WINDOW"\|"STEP-[A-Z]*"' "$root"/harness/lib/run/*.c \
  | grep -o '"[A-Z][A-Z0-9-]*"' | tr -d '"' | sort -u > "$tmp/emitted"
if [ -s "$tmp/emitted" ]; then ok "the runner's rule IDs were found"; else bad "no rule ID found in the runner"; fi
while read -r id; do
  if grep -q "^$id " "$tmp/rules"; then ok "dfota rules lists $id"; else bad "dfota rules does not list $id, which dfota run emits"; fi
done < "$tmp/emitted"

# --- a failed TIME-* window shows as a rule in every report of a run
sc=$root/scenarios/3-test-command.yaml
late=$root/transcripts/scenarios/3-test-command/fail-ok-after-5s.transcript
expect_exit "a final result 5 s late fails its 3 s window" 1 "$dfota" run --format json --source "transcript:$late" "$sc"
if python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["scenarios"][0]; assert s["rules"].get("TIME-FINAL-RESULT")=="FAIL", s["rules"]' "$tmp/out"; then
  ok "JSON: the failed window is in the scenario's rules"; else bad "JSON rules miss TIME-FINAL-RESULT"; cat "$tmp/out"; fi
expect_exit "the same with a report" 1 "$dfota" run --no-color --report "$tmp/rep" --source "transcript:$late" "$sc"
html=$(ls "$tmp"/rep/run-*/report.html 2> /dev/null | head -n 1)
if [ -n "$html" ]; then
  expect_grep "HTML: the failed window is a column of the verdict table" "<span>TIME-FINAL-RESULT</span>" "$html"
  if grep -q "<dd>0 FAIL" "$html"; then bad "HTML: a FAIL badge over '0 FAIL'"; grep -n "<dd>0 FAIL" "$html"; else ok "HTML: no '0 FAIL' under the FAIL badge"; fi
  expect_grep "report.json too" '"TIME-FINAL-RESULT": *"FAIL"' "$(dirname "$html")/report.json"
else
  bad "no report.html written"
fi
# Control: the same scenario on its passing recording has no such rule.
expect_exit "control: the passing recording passes" 0 "$dfota" run --format json --source "transcript:$root/transcripts/scenarios/3-test-command/pass-ok.transcript" "$sc"

# --- certification evidence: every artifact says what made its verdicts
"$dfota" --version > "$tmp/version"
commit=$(sed -n 's/^dfota [0-9.]* (commit \([^,]*\), rules \([^)]*\))$/\1/p' "$tmp/version")
rules=$(sed -n 's/^dfota [0-9.]* (commit \([^,]*\), rules \([^)]*\))$/\2/p' "$tmp/version")
if [ -n "$commit" ] && [ -n "$rules" ]; then ok "--version names the commit ($commit) and the catalogue ($rules)"; else bad "--version: $(cat "$tmp/version")"; fi
if [ -d "$root/.git" ] || [ -f "$root/.git" ]; then
  if [ "$commit" != unknown ]; then ok "built from a git checkout: the commit is known"; else bad "the commit is unknown in a git checkout"; fi
fi
guide="$root/transcripts/guide/3.1-ftp-example.log"
expect_exit "check, text" 0 "$dfota" check --profile field "$guide"
expect_grep "text: version, commit, catalogue, profile and command line" "^dfota [0-9.]* (commit $commit), rules $rules, profile field: dfota check --profile field " "$tmp/out"
expect_exit "check, JSON" 0 "$dfota" check --format json "$guide"
if python3 -c '
import json,sys
p=json.load(open(sys.argv[1]))["provenance"]
assert p["commit"]==sys.argv[2] and p["rules"]==sys.argv[3] and p["profile"]=="strict", p
assert p["command"].startswith("dfota check --format json"), p
assert p["dfota"], p' "$tmp/out" "$commit" "$rules"; then ok "JSON: provenance"; else bad "JSON provenance"; cat "$tmp/out"; fi
expect_exit "check, JUnit" 0 "$dfota" check --format junit "$guide"
expect_grep "JUnit: commit as a property" "<property name=\"commit\" value=\"$commit\"/>" "$tmp/out"
expect_grep "JUnit: catalogue as a property" "<property name=\"rules\" value=\"$rules\"/>" "$tmp/out"
expect_grep "JUnit: command line as a property" '<property name="command" value="dfota check --format junit' "$tmp/out"
expect_exit "a run with a report" 0 "$dfota" run --no-color --report "$tmp/prov" --var "SECRET_URL=ftp://u:hunter2@h/x" \
  --source "transcript:$root/transcripts/scenarios/3-test-command/pass-ok.transcript" "$sc"
d=$(ls -d "$tmp"/prov/run-* 2> /dev/null | head -n 1)
for f in summary.txt report.json junit.xml report.html transcripts/3-test-command.transcript; do
  if [ -f "$d/$f" ] && grep -q "$commit" "$d/$f" && grep -q "$rules" "$d/$f" && grep -q "dfota run --no-color" "$d/$f"; then
    ok "run report $f: commit, catalogue and command line"
  else
    bad "run report $f lacks the provenance"; [ -f "$d/$f" ] && head -20 "$d/$f"
  fi
done
if grep -rq hunter2 "$d"; then bad "a password on the command line reached the report"; else ok "the command line is recorded without its password"; fi
expect_grep "the transcript header has the profile" "^# profile: strict$" "$d/transcripts/3-test-command.transcript"

# --- dfota emulate --record when the host never started an upgrade
# emulate_session NAME [EMULATE-ARGS...]: an emulator with --record that no
# host drives, stopped with SIGINT once its link is up; its exit status in
# $em_rc, its output in $tmp/NAME.out.
# With $send set, a host sends that one line through the link first and
# reads the answer to its final result.
emulate_session() {
  local name=$1 link=$tmp/$1.tty
  shift
  mkdir -p "$tmp/ufs"
  "$dfota" emulate --link "$link" --ufs "$tmp/ufs" --record "$tmp/$name.transcript" "$@" \
    > "$tmp/$name.out" 2>&1 &
  local pid=$!
  for _ in $(seq 250); do [ -L "$link" ] && break; sleep 0.02; done
  if [ -n "${send:-}" ]; then
    timeout 20 python3 - "$link" "$send" <<'PY' || bad "$name: the host could not send its line"
import os, sys, termios, time, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd, termios.TCSANOW)
os.write(fd, sys.argv[2].encode() + b"\r")
buf = b""
while not any(w in buf for w in (b"\r\nOK\r\n", b"ERROR\r\n")):
    buf += os.read(fd, 4096)
time.sleep(0.1)
os.close(fd)
PY
    sleep 0.2
  fi
  kill -INT "$pid"
  wait "$pid"
  em_rc=$?
}
emulate_session idle
if [ "$em_rc" -eq 3 ]; then ok "emulate --record with no upgrade exits 3"; else bad "emulate --record with no upgrade exited $em_rc, want 3"; cat "$tmp/idle.out"; fi
expect_grep "emulate --record says the host never started an upgrade" "NOTHING TO JUDGE: no AT+QFOTADL" "$tmp/idle.out"
expect_grep "emulate --record: the recording's header names the commit" "^# commit: $commit$" "$tmp/idle.transcript"
expect_grep "emulate --record: and the command line" "^# command: dfota emulate " "$tmp/idle.transcript"
emulate_session idle-allowed --allow-empty
if [ "$em_rc" -eq 0 ]; then ok "emulate --record --allow-empty exits 0"; else bad "emulate --record --allow-empty exited $em_rc, want 0"; cat "$tmp/idle-allowed.out"; fi

# --- emulate --record judges what was really sent, not the redacted recording
# A password of 60 bytes breaks the guide's 50-byte limit; the emulator
# accepts it (a fault), and the judge must see all 60 bytes, while the
# recording shows ***.
pw=$(printf 'p%.0s' $(seq 60))
send="AT+QFOTADL=\"ftp://user:$pw@127.0.0.1:1/update.zip\"" emulate_session longpw --fault accept-invalid
if [ "$em_rc" -eq 1 ]; then ok "emulate --record: an over-long password accepted is a FAIL"; else bad "emulate --record long password exited $em_rc, want 1"; cat "$tmp/longpw.out"; fi
expect_grep "the FAIL names CMD-INVALID-ERROR" "FAIL CMD-INVALID-ERROR" "$tmp/longpw.out"
expect_grep "the recording is redacted" 'ftp://user:\*\*\*@' "$tmp/longpw.transcript"
if grep -q "$pw" "$tmp/longpw.transcript" "$tmp/longpw.out"; then bad "the password reached the recording or the terminal"; else ok "the password is in neither the recording nor the terminal"; fi
# Control: the same password within the limit, refused by no fault, passes.
send="AT+QFOTADL=\"ftp://user:short@127.0.0.1:0/update.zip\"" emulate_session shortpw
if [ "$em_rc" -eq 0 ]; then ok "control: a refused bad port passes CMD-INVALID-ERROR"; else bad "control exited $em_rc, want 0"; cat "$tmp/shortpw.out"; fi

finish
