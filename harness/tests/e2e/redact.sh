#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Credentials never leak into artifacts: a run and a check whose logs hold
# an FTP password and a URL token write neither, in any file of the report
# folder or any line of standard output and error, in every format; with
# --no-redact both are kept and the transcript header says so. The same
# against the emulator, downloading with the 50-byte password of the limit
# scenario from the fixture servers.
# usage: redact.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
fx=
e2e_cleanup() {
  if [ -n "$fx" ]; then bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1; fi
}

PW=S3cr3tPw
TOKEN=T0k3nV4l
# the emulator part: the limit scenario's password, and a token of our own
LONG_PW=S3cr3t-Kp9xQ2mZ7vL4wR8tN3bY6cH1jF5dG0sAKp9xQ2mZ7vL
EMU_TOKEN=T0k3nEmuV4l

# ---- a recording with secrets, and scenarios that quote them -------------
mkdir -p "$tmp/sc" "$tmp/caps"
cat > "$tmp/secret.transcript" <<LOG
# dfota-transcript 1
# port: usb:2c7c:0195:if02
0.000000 > AT+QFOTADL="ftp://user:$PW@127.0.0.1:2121/x.zip"
0.040000 < OK
0.500000 < +QIND: "FOTA","FTPSTART"
1.000000 < +QIND: "FOTA","ftp://user:$PW@127.0.0.1:2121/x.zip"
5.000000 < +QIND: "FOTA","FTPEND",0
30.000000 > AT+QFOTADL="http://127.0.0.1:8080/y.zip?token=$TOKEN&v=1"
30.040000 < OK
30.500000 < +QIND: "FOTA","HTTPSTART"
31.000000 < +QIND: "FOTA","http://127.0.0.1:8080/y.zip?token=$TOKEN"
32.000000 < +QIND: "FOTA","HTTPEND",701
LOG
# passes its steps; the garbled URC that quotes the URL is a finding
cat > "$tmp/sc/redact-ftp.yaml" <<YAML
name: redact-ftp
section: "3.1"
requirement: "credentials stay out of artifacts"
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="ftp://user:$PW@127.0.0.1:2121/x.zip"'
  - expect: OK
    within: 3s
  - expect_urc: FTPSTART
  - expect_urc: FTPEND
    code: 0
YAML
# fails its send step: the detail quotes the recorded line, password and all
cat > "$tmp/sc/redact-send-mismatch.yaml" <<YAML
name: redact-send-mismatch
section: "3.1"
requirement: "credentials stay out of artifacts"
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="ftp://user:$PW@127.0.0.1:2121/other.zip"'
  - expect: OK
YAML
# the FTP command matches, the HTTP one does not: the detail quotes the token
cat > "$tmp/sc/redact-http-token.yaml" <<YAML
name: redact-http-token
section: "3.2"
requirement: "credentials stay out of artifacts"
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="ftp://user:$PW@127.0.0.1:2121/x.zip"'
  - expect: OK
  - send: 'AT+QFOTADL="http://127.0.0.1:8080/z.zip?token=$TOKEN"'
  - expect: OK
YAML

# leaks NAME SECRET FILE...: no FILE holds SECRET.
leaks() {
  local name=$1 secret=$2; shift 2
  local hits
  hits=$(grep -l -F -- "$secret" "$@" 2> /dev/null)
  if [ -z "$hits" ]; then ok "$name: no $secret in $# files"; else bad "$name: $secret in: $hits"; fi
}
# capture NAME CMD...: runs CMD, keeping its stdout and stderr in caps/.
capture() {
  local name=$1; shift
  "$@" > "$tmp/caps/$name.out" 2> "$tmp/caps/$name.err"
  echo $? > "$tmp/caps/$name.rc"
}

src="transcript:$tmp/secret.transcript"
capture run-text "$dfota" run --no-color --source "$src" --report "$tmp/rep" "$tmp/sc"
capture run-json "$dfota" run --format json --source "$src" --report "$tmp/rep" "$tmp/sc"
capture check-text "$dfota" check --no-color "$tmp/secret.transcript"
capture check-json "$dfota" check --format json "$tmp/secret.transcript"
capture check-junit "$dfota" check --format junit "$tmp/secret.transcript"
capture check-out "$dfota" check --format json -o "$tmp/caps/check-o.json" "$tmp/secret.transcript"
runs=$(ls -d "$tmp"/rep/run-* 2> /dev/null | wc -l)
if [ "$runs" -eq 2 ]; then ok "two report folders"; else bad "$runs report folders"; ls -la "$tmp/rep"; fi
if [ "$(cat "$tmp/caps/run-text.rc")" -eq 1 ]; then ok "the run fails where the scenarios fail (exit 1)"
else bad "run exit $(cat "$tmp/caps/run-text.rc")"; cat "$tmp/caps/run-text.out" "$tmp/caps/run-text.err"; fi
# the secrets really were there to leak: the failure details quote the lines
expect_grep "the send failure is shown" "STEP-SEND" "$tmp/caps/run-text.out"
expect_grep "the password's place is shown as ***" 'user:\*\*\*@127.0.0.1' "$tmp/caps/run-text.out"
expect_grep "the token's place is shown as ***" 'token=\*\*\*' "$tmp/caps/run-text.out"
expect_grep "check quotes the garbled URC" 'user:\*\*\*@' "$tmp/caps/check-text.out"
for f in "$tmp"/rep/run-*/transcripts/*.transcript; do
  expect_grep "$(basename "$f") says redacted" "^# redacted: credentials$" "$f"
done
mapfile -t artifacts < <(find "$tmp/rep" "$tmp/caps" -type f)
if [ "${#artifacts[@]}" -ge 20 ]; then ok "${#artifacts[@]} artifacts to search"; else bad "only ${#artifacts[@]} artifacts"; fi
leaks "default" "$PW" "${artifacts[@]}"
leaks "default" "$TOKEN" "${artifacts[@]}"
# the reports stay valid documents
for d in "$tmp"/rep/run-*; do
  if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/report.json"; then ok "report.json parses"; else bad "report.json"; fi
  if xmllint --noout "$d/junit.xml"; then ok "junit.xml is well formed"; else bad "junit.xml"; fi
done
# the run's own transcript is still a log dfota check reads, to the same verdict
t=$(ls "$tmp"/rep/run-*/transcripts/redact-ftp.transcript | head -n 1)
want=$(cat "$tmp/caps/check-text.rc")
expect_exit "dfota check judges the redacted transcript as the original" "$want" "$dfota" check "$t"

# ---- --no-redact keeps them, and says so --------------------------------------
"$dfota" run --no-redact --no-color --source "$src" --report "$tmp/raw" "$tmp/sc" > "$tmp/raw.out" 2>&1
"$dfota" check --no-redact --format json "$tmp/secret.transcript" > "$tmp/raw-check.json" 2>&1
raw=$(ls -d "$tmp"/raw/run-* | head -n 1)
expect_grep "--no-redact: the header says none" "^# redacted: none$" "$raw/transcripts/redact-ftp.transcript"
expect_grep "--no-redact: the transcript keeps the password" "$PW" "$raw/transcripts/redact-ftp.transcript"
expect_grep "--no-redact: the transcript keeps the token" "$TOKEN" "$raw/transcripts/redact-http-token.transcript"
expect_grep "--no-redact: the report keeps the password" "$PW" "$raw/report.json"
expect_grep "--no-redact: the terminal shows the token" "$TOKEN" "$tmp/raw.out"
expect_grep "--no-redact: check shows the password" "$PW" "$tmp/raw-check.json"
expect_exit "help: run documents --no-redact" 0 "$dfota" run --help
expect_grep "run --help" "--no-redact" "$tmp/out"
expect_exit "help: check documents --no-redact" 0 "$dfota" check --help
expect_grep "check --help" "--no-redact" "$tmp/out"

# ---- the emulator, with the fixture servers -----------------------------------
fx=$tmp/fx
if ! bash "$root/fixtures/servers.sh" start "$fx" > "$tmp/fx.log" 2>&1; then
  bad "the fixture servers did not start: $(cat "$tmp/fx.log")"
  fx=
  finish; exit
fi
# shellcheck source=/dev/null
. "$fx/servers.env"
cat > "$tmp/sc/redact-emulator-token.yaml" <<YAML
name: redact-emulator-token
section: "3.2"
requirement: "credentials stay out of artifacts"
sources: [emulator]
vars:
  HTTP_URL: "http://127.0.0.1:8080/update-v12-to-v13.zip"
emulator:
  firmware: EG95EFAR02A07M4G
  target: EG95EFAR02A08M4G
  port: usb
steps:
  - send: 'AT+QFOTADL="\${HTTP_URL}?token=$EMU_TOKEN"'
  - expect: OK
    within: 3s
  - expect_urc: HTTPSTART
    within: 60s
  - expect_urc: HTTPEND
    code: 0
    within: 300s
  - expect_urc: START
    within: 300s
  - expect_progress: {to: 100, max_gap: 120s}
  - expect_urc: END
    code: 0
    within: 300s
YAML
mkdir -p "$tmp/emu"
emu_opts=(--source emulator --ufs "$UFS_DIR"
  --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO"
  --connect-to "$HTTP_CONNECT_TO" --connect-to "$HTTP_DEFAULT_CONNECT_TO")
emu_sc=("$root/scenarios/3.1-limit-password-50-bytes.yaml" "$root/scenarios/3.1-oversize-password-51-bytes.yaml"
  "$tmp/sc/redact-emulator-token.yaml")
capture emu-text env TMPDIR="$tmp/emu" "$dfota" run --no-color "${emu_opts[@]}" --report "$tmp/erep" "${emu_sc[@]}"
capture emu-json env TMPDIR="$tmp/emu" "$dfota" run --format json "${emu_opts[@]}" --report "$tmp/erep" "${emu_sc[@]}"
if [ "$(cat "$tmp/caps/emu-text.rc")" -eq 0 ]; then ok "the emulator scenarios pass (exit 0)"
else bad "emulator run exit $(cat "$tmp/caps/emu-text.rc")"; cat "$tmp/caps/emu-text.out" "$tmp/caps/emu-text.err"; fi
expect_grep "the 50-byte password was sent and judged" "^PASS *3.1-limit-password-50-bytes" "$tmp/caps/emu-text.out"
expect_grep "the 51-byte password is refused, judged on its real length" "^PASS *3.1-oversize-password-51-bytes" "$tmp/caps/emu-text.out"
for f in "$tmp"/erep/run-*/transcripts/*.transcript; do
  expect_grep "emulator: $(basename "$f") says redacted" "^# redacted: credentials$" "$f"
done
mapfile -t artifacts < <(find "$tmp/erep" -type f; find "$tmp/caps" -type f -name 'emu-*')
if [ "${#artifacts[@]}" -ge 14 ]; then ok "${#artifacts[@]} emulator artifacts to search"; else bad "only ${#artifacts[@]} emulator artifacts"; fi
leaks "emulator" "$LONG_PW" "${artifacts[@]}"
leaks "emulator" "$EMU_TOKEN" "${artifacts[@]}"
# the same runs' transcripts, read back by dfota check
for f in "$tmp"/erep/run-*/transcripts/*.transcript; do
  "$dfota" check --format json "$f" >> "$tmp/caps/emu-check.json" 2>&1
done
leaks "emulator, checked" "$LONG_PW" "$tmp/caps/emu-check.json"
finish
