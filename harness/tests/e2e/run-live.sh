#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota run against live sources, beyond one scenario at a time:
#  - --jobs 2 gives the same verdicts as one at a time;
#  - Ctrl-C (SIGINT) in the middle of an upgrade stops the run cleanly:
#    exit 130, the scenario INCOMPLETE, the report written and marked
#    INTERRUPTED, the transcript kept up to the stop;
#  - the firmware before and after each scenario is in the report (AT+QGMR
#    on a serial source, the emulator's word on the emulator);
#  - two --source at once (the built-in emulator and a serial port served by
#    dfota emulate) each get a report folder, and a firmware-by-rule matrix
#    compares them.
# Scenarios that need no fixture server: local files and refused commands.
#
# usage: run-live.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
em_pid=
run_pid=
e2e_cleanup() {
  stop_all $run_pid $em_pid
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

mkdir "$tmp/ufs"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update-v12-to-v13.zip" > /dev/null
names=(--scenario 3-test-command --scenario 3.3-local-file-upgrade --scenario 3.1-bad-url-empty
  --scenario 3.1-bad-url-port-0 --scenario 3.3-oversize-local-name-129-bytes)
emu=(--source emulator --ufs "$tmp/ufs")

# verdicts FILE: "name verdict" lines from a JSON report, sorted.
verdicts() {
  "$python" - "$1" <<'EOF'
import json, sys
for s in sorted(json.load(open(sys.argv[1]))["scenarios"], key=lambda s: s["name"]):
    print(s["name"], s["verdict"])
EOF
}

expect_exit "five scenarios one at a time" 0 "$dfota" run "${emu[@]}" --format json "${names[@]}" "$root/scenarios"
verdicts "$tmp/out" > "$tmp/one.txt"
expect_exit "the same five, two at a time" 0 "$dfota" run "${emu[@]}" --jobs 2 --format json "${names[@]}" "$root/scenarios"
verdicts "$tmp/out" > "$tmp/two.txt"
if [ "$(wc -l < "$tmp/one.txt")" -eq 5 ] && cmp -s "$tmp/one.txt" "$tmp/two.txt"; then
  ok "--jobs 2 gives the same five verdicts"
else
  bad "--jobs 2 differs:"; diff "$tmp/one.txt" "$tmp/two.txt"
fi
expect_exit "--jobs 2 on a serial port is refused" 2 "$dfota" run --source serial:/dev/null --jobs 2 "$root/scenarios"

# The firmware before and after, from the emulator.
"$dfota" run "${emu[@]}" --format json --scenario 3.3-local-file-upgrade "$root/scenarios" > "$tmp/fw.json"
fw=$("$python" -c 'import json,sys; s=json.load(open(sys.argv[1]))["scenarios"][0]; print(s["firmware_before"], s["firmware_after"])' "$tmp/fw.json")
if [ "$fw" = "EG95EFAR02A07M4G EG95EFAR02A08M4G" ]; then ok "the report has the firmware before and after: $fw"; else bad "firmware before/after: '$fw'"; fi

# Ctrl-C in the middle of an upgrade: on a wall clock at half speed, with
# progress URCs 20 s apart, so the run is surely under way when START has
# been written to its transcript (live runs flush event by event).
"$dfota" run --source emulator --time-scale 0.5 --reboot 2s --progress-step 20s --ufs "$tmp/ufs" \
  --report "$tmp/int" --scenario 3.3-local-file-upgrade --scenario 3.3-oversize-local-name-129-bytes \
  "$root/scenarios" > "$tmp/int.out" 2> "$tmp/int.err" &
run_pid=$!
for _ in $(seq 600); do
  grep -qs '"FOTA","START"' "$tmp"/int/*/transcripts/3.3-local-file-upgrade.transcript && break
  sleep 0.05
done
kill -INT "$run_pid"
wait "$run_pid"
rc=$?
run_pid=
if [ "$rc" -eq 130 ]; then ok "SIGINT: exit 130"; else bad "SIGINT: exit $rc, want 130"; cat "$tmp/int.out" "$tmp/int.err"; fi
expect_grep "SIGINT: the scenario under way is INCOMPLETE" "^INCOMPLETE *3.3-local-file-upgrade" "$tmp/int.out"
expect_grep "SIGINT: the reason is the interruption" "the run was interrupted first" "$tmp/int.out"
expect_grep "SIGINT: said on standard error" "interrupted by SIGINT after 1 of 2 scenarios" "$tmp/int.err"
if grep -q "3.3-oversize-local-name" "$tmp/int.out"; then bad "SIGINT: the next scenario ran all the same"; else ok "SIGINT: the next scenario was not run"; fi
summary=$(ls "$tmp"/int/run-*/summary.txt 2>/dev/null | head -1)
if [ -n "$summary" ]; then
  expect_grep "SIGINT: the report says INTERRUPTED" "INTERRUPTED" "$summary"
  tr=$(dirname "$summary")/transcripts/3.3-local-file-upgrade.transcript
  expect_grep "SIGINT: the transcript kept what was seen (START)" '"FOTA","START"' "$tmp/int/run-"*/transcripts/3.3-local-file-upgrade.transcript
  expect_grep "SIGINT: the transcript says where it stopped" "^# interrupted" "$tr"
  interrupted=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["interrupted"])' "$(dirname "$summary")/report.json")
  if [ "$interrupted" = "True" ]; then ok "SIGINT: report.json says interrupted"; else bad "report.json interrupted: $interrupted"; fi
else
  bad "SIGINT: no report folder was written"; ls -la "$tmp/int"
fi

# Two modules at once: the emulator, and a serial port served by dfota emulate
# (a module's packages come from a package map: the fixtures' names the file).
"$dfota" emulate --link "$tmp/tty" --time-scale 0.01 --ufs "$tmp/ufs" > "$tmp/emu.out" 2>&1 &
em_pid=$!
for _ in $(seq 100); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
expect_exit "two sources at once" 0 "$dfota" run --source emulator --source "serial:$tmp/tty,time-scale=0.01" \
  --ufs "$tmp/ufs" --packages "$root/fixtures/packages.yaml" --report "$tmp/two" \
  --scenario 3-test-command --scenario 3.3-local-file-upgrade "$root/scenarios"
cp "$tmp/out" "$tmp/two.out"
expect_grep "each line says its module" "^\[1-emulator\] PASS *3-test-command" "$tmp/two.out"
expect_grep "... the serial one too" "^\[2-serial-" "$tmp/two.out"
expect_grep "the matrix heads a column per module" "^rule / module *1-emulator *2-serial-" "$tmp/two.out"
expect_grep "the matrix has the firmware row" "^firmware *EG95EFAR02A07M4G *EG95EFAR02A07M4G" "$tmp/two.out"
expect_grep "the matrix has a rule row" "^PROGRESS-COMPLETE *PASS *PASS" "$tmp/two.out"
if ls "$tmp"/two/1-emulator/run-*/report.json "$tmp"/two/2-serial-*/run-*/report.json "$tmp"/two/matrix-*.txt > /dev/null 2>&1; then
  ok "a report folder per module and the matrix file"
else
  bad "report folders:"; find "$tmp/two" -maxdepth 3
fi
# The matrix as JSON and as a page linking each module's report.
if "$python" - "$tmp"/two/matrix-*.json "$tmp/two" <<'EOF'
import json, os, sys
m = json.load(open(sys.argv[1]))
labels = [x["label"] for x in m["modules"]]
assert labels[0] == "1-emulator" and labels[1].startswith("2-serial-"), labels
assert all(x["firmware"] == "EG95EFAR02A07M4G" for x in m["modules"]), m["modules"]
assert m["modules"][1]["model"] == "Quectel EG95", m["modules"][1]
assert m["rules"]["PROGRESS-COMPLETE"] == {labels[0]: "PASS", labels[1]: "PASS"}, m["rules"]
assert m["scenarios"]["3.3-local-file-upgrade"] == {labels[0]: "PASS", labels[1]: "PASS"}, m["scenarios"]
for x in m["modules"]:
    assert os.path.isfile(os.path.join(sys.argv[2], x["report"])), x["report"]
EOF
then ok "matrix JSON: modules, firmware, model, rules, scenarios, links that exist"; else bad "matrix JSON"; cat "$tmp"/two/matrix-*.json; fi
html=$(ls "$tmp"/two/matrix-*.html 2>/dev/null | head -1)
if [ -n "$html" ]; then
  expect_grep "matrix page: a column per module, linked" 'href="1-emulator/run-[^"]*/report.html"' "$html"
  expect_grep "matrix page: a scenario row" '<th>3.3-local-file-upgrade</th><td class="cell v-pass">PASS</td><td class="cell v-pass">PASS</td>' "$html"
  if grep -qi "<script" "$html"; then bad "matrix page has a script"; else ok "matrix page has no script"; fi
else
  bad "no matrix page"
fi
fw=$("$python" -c 'import json,sys; s=[x for x in json.load(open(sys.argv[1]))["scenarios"] if x["name"]=="3.3-local-file-upgrade"][0]; print(s["firmware_before"], s["firmware_after"])' "$tmp"/two/2-serial-*/run-*/report.json)
if [ "$fw" = "EG95EFAR02A07M4G EG95EFAR02A08M4G" ]; then ok "AT+QGMR before and after on the serial module: $fw"; else bad "serial firmware before/after: '$fw'"; fi
model=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["scenarios"][0]["model"])' "$tmp"/two/2-serial-*/run-*/report.json)
if [ "$model" = "Quectel EG95" ]; then ok "ATI's model in the report: $model"; else bad "model: '$model'"; fi
expect_grep "the summary says the firmware and the model" "firmware: EG95EFAR02A07M4G -> EG95EFAR02A08M4G on Quectel EG95" "$tmp"/two/2-serial-*/run-*/summary.txt
finish
