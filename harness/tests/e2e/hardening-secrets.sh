#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 11, "Secrets": the common secret names (camelCase, snake_case,
# kebab-case: accessToken, auth_token, client-secret, jwt, bearer, OAuth's
# code, GCS signatures) stay out of every artifact of a run and a check;
# names a user adds with --redact-param or DFOTA_REDACT_PARAMS too; and a
# rejected --var is not printed with its value.
# usage: hardening-secrets.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

# one value per name, each unique, so that a leak says which name leaked
declare -A SECRETS=(
  [accessToken]=AccTok1 [auth_token]=AuthTok2 [client-secret]=CliSec3 [jwt]=JwtVal4
  [bearer]=Bearer5 [code]=OAuthCode6 [X-Goog-Signature]=GoogSig8
)
# names no list knows: hidden only when the user adds them
OTP=OtpV4l10
PIN=PinV4l11
query=
for name in "${!SECRETS[@]}"; do query+="&$name=${SECRETS[$name]}"; done
# the URL stays under 255 bytes, so that the lines quoting it are not cut
url="http://127.0.0.1:8080/y.zip?otp=$OTP&device-pin=$PIN${query}"

mkdir -p "$tmp/sc" "$tmp/caps"
cat > "$tmp/secret.transcript" <<LOG
# dfota-transcript 1
# port: usb:2c7c:0195:if02
0.000000 > AT+QFOTADL="$url"
0.040000 < OK
0.500000 < +QIND: "FOTA","HTTPSTART"
1.000000 < +QIND: "FOTA","$url"
2.000000 < +QIND: "FOTA","HTTPEND",701
LOG
# the send step does not match, so that the failure detail quotes the line
cat > "$tmp/sc/secret-names.yaml" <<YAML
name: secret-names
section: "3.2"
requirement: "credentials stay out of artifacts"
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="http://127.0.0.1:8080/other.zip?accessToken=${SECRETS[accessToken]}"'
  - expect: OK
YAML

capture() {
  local name=$1; shift
  "$@" > "$tmp/caps/$name.out" 2> "$tmp/caps/$name.err"
  echo $? > "$tmp/caps/$name.rc"
}
# leaks NAME SECRET FILE...: no FILE holds SECRET.
leaks() {
  local name=$1 secret=$2; shift 2
  local hits
  hits=$(grep -l -F -- "$secret" "$@" 2> /dev/null)
  if [ -z "$hits" ]; then ok "$name: no $secret in $# files"; else bad "$name: $secret in: $hits"; fi
}

src="transcript:$tmp/secret.transcript"
capture run-text "$dfota" run --no-color --redact-param otp --source "$src" --report "$tmp/rep" "$tmp/sc"
capture run-json env DFOTA_REDACT_PARAMS=OTP,Device_Pin "$dfota" run --format json --redact-param otp \
  --source "$src" --report "$tmp/rep" "$tmp/sc"
capture check-text "$dfota" check --no-color --redact-param otp --redact-param device-pin "$tmp/secret.transcript"
capture check-json env DFOTA_REDACT_PARAMS=otp,devicePin "$dfota" check --format json "$tmp/secret.transcript"
capture check-junit "$dfota" check --format junit --redact-param OTP,DEVICE_PIN "$tmp/secret.transcript"
runs=$(ls -d "$tmp"/rep/run-* 2> /dev/null | wc -l)
if [ "$runs" -eq 2 ]; then ok "two report folders"; else bad "$runs report folders"; cat "$tmp"/caps/run-*; fi
# the values really were there to leak: the outputs quote the URL
expect_grep "the run quotes the line, the name kept" 'accessToken=\*\*\*' "$tmp/caps/run-text.out"
expect_grep "check quotes the URC, the names kept" 'jwt=\*\*\*' "$tmp/caps/check-text.out"
expect_grep "an added name is hidden by --redact-param" 'otp=\*\*\*' "$tmp/caps/check-text.out"
mapfile -t artifacts < <(find "$tmp/rep" "$tmp/caps" -type f)
if [ "${#artifacts[@]}" -ge 15 ]; then ok "${#artifacts[@]} artifacts to search"; else bad "only ${#artifacts[@]} artifacts"; fi
for name in "${!SECRETS[@]}"; do leaks "$name" "${SECRETS[$name]}" "${artifacts[@]}"; done
leaks "otp (--redact-param)" "$OTP" "${artifacts[@]}"
# device-pin was added to the run only through --redact-param on the check
# and DFOTA_REDACT_PARAMS on the JSON run; the text run had neither
mapfile -t pinned < <(find "$tmp/caps" -type f -name 'check-*'; find "$tmp/caps" -name 'run-json.*')
leaks "device-pin (--redact-param, DFOTA_REDACT_PARAMS)" "$PIN" "${pinned[@]}"
expect_grep "without the name added, device-pin is not a secret" "$PIN" "$tmp/caps/run-text.out"
for d in "$tmp"/rep/run-*; do
  if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/report.json"; then ok "report.json parses"; else bad "report.json"; fi
done

# a bad name is a usage error, said without running anything
expect_exit "--redact-param with an '='" 2 "$dfota" check --redact-param 'a=b' "$tmp/secret.transcript"
expect_grep "--redact-param says why" "not a list of parameter names" "$tmp/err"
expect_exit "DFOTA_REDACT_PARAMS with an empty name" 2 env DFOTA_REDACT_PARAMS='otp,,x' "$dfota" check "$tmp/secret.transcript"
expect_grep "DFOTA_REDACT_PARAMS says why" "DFOTA_REDACT_PARAMS" "$tmp/err"
for cmd in check run emulate proxy stage; do
  expect_exit "$cmd --help" 0 "$dfota" "$cmd" --help
  expect_grep "$cmd documents --redact-param" "--redact-param" "$tmp/out"
done

# ---- a rejected --var: its value is not printed -----------------------------
VPW=VarS3cr3tPw
expect_exit "a --var with a bad name is refused" 2 "$dfota" run --source "$src" --var "ftp_pass=$VPW" "$tmp/sc"
expect_grep "the refusal names the variable" "ftp_pass" "$tmp/err"
leaks "rejected --var" "$VPW" "$tmp/out" "$tmp/err"
expect_exit "a --var without '=' is refused" 2 "$dfota" run --source "$src" --var "ftp://u:$VPW@h/f" "$tmp/sc"
leaks "rejected --var URL" "$VPW" "$tmp/out" "$tmp/err"

# ---- dfota stage prints the URL it checks: the new names hidden there too ----
"$dfota" stage --check-url "http://127.0.0.1:9/f.zip?accessToken=$VPW&otp=$OTP" --redact-param otp \
  > "$tmp/stage.out" 2>&1
expect_grep "stage quotes the URL" 'accessToken=\*\*\*' "$tmp/stage.out"
leaks "stage" "$VPW" "$tmp/stage.out"
leaks "stage (--redact-param)" "$OTP" "$tmp/stage.out"

# ---- a refused option value: redacted and escaped ---------------------------
expect_exit "emulate refuses a bad --fault" 2 "$dfota" emulate --fault "ftp://u:$VPW@h/x"
leaks "emulate's refusal" "$VPW" "$tmp/err"
expect_exit "proxy refuses a bad --profile" 2 "$dfota" proxy --source serial:/dev/null --profile "http://h/?accessToken=$VPW"
leaks "proxy's refusal" "$VPW" "$tmp/err"
expect_exit "check refuses a bad --profile" 2 "$dfota" check --profile $'x\033[31m' "$tmp/secret.transcript"
expect_grep "check's refusal is escaped" 'x\\x1b\[31m' "$tmp/err"

# ---- file names and bidi controls reach the terminal and the page escaped ----
ESC=$'\033'
RLO=$'\xe2\x80\xae'
LRI=$'\xe2\x81\xa6'
# raw NAME FILE...: no FILE holds an escape byte, an RLO or an LRI
raw() {
  local name=$1; shift
  local hits
  hits=$(grep -l -e "$ESC" -e "$RLO" -e "$LRI" -- "$@" 2> /dev/null)
  if [ -z "$hits" ]; then ok "$name: nothing raw in $# files"; else bad "$name: raw bytes in: $hits"; fi
}
mkdir -p "$tmp/esc/logs" "$tmp/esc/sc"
odd="a${ESC}[31m${RLO}gol.${LRI}x"
printf 'junk\n' > "$tmp/esc/logs/$odd.log"
printf 'name: x\n' > "$tmp/esc/sc/$odd.yaml"
# a log that is judged, whose device line and file name hold bidi controls
{ head -n 2 "$tmp/secret.transcript"; echo "0.000000 > AT+QFOTADL=\"http://127.0.0.1/${RLO}u.zip\""
  echo "0.040000 < OK"; echo "1.000000 < +QIND: \"FOTA\",\"http://127.0.0.1/${RLO}u.zip\""
} > "$tmp/esc/$odd.transcript"
capture esc-check-missing "$dfota" check --no-color "$tmp/esc/missing-$odd.log"
capture esc-check-dir "$dfota" check --no-color "$tmp/esc/logs"
capture esc-check-bidi "$dfota" check --no-color "$tmp/esc/$odd.transcript"
capture esc-lint "$dfota" lint "$tmp/esc/sc"
capture esc-list "$dfota" list "$tmp/esc/sc"
capture esc-run-sc "$dfota" run --source "$src" "$tmp/esc/sc"
capture esc-run-source "$dfota" run --no-color --source "transcript:$tmp/esc/missing-$odd" "$tmp/sc"
capture esc-run-html "$dfota" run --no-color --source "transcript:$tmp/esc/$odd.transcript" --report "$tmp/esc/rep" "$tmp/sc"
expect_grep "check's cannot open quotes the name escaped" 'a\\x1b\[31m\\xe2\\x80\\xaegol' "$tmp/caps/esc-check-missing.out"
expect_grep "lint quotes the scenario's name escaped" '\\xe2\\x81\\xa6x.yaml' "$tmp/caps/esc-lint.err"
expect_grep "a --source that cannot be opened is quoted escaped" 'missing-a\\x1b' "$tmp/caps/esc-run-source.out"
expect_grep "the device line's bidi control is shown escaped" '127.0.0.1/\\xe2\\x80\\xaeu.zip' "$tmp/caps/esc-check-bidi.out"
html=$(ls "$tmp"/esc/rep/run-*/report.html 2> /dev/null | head -n 1)
if [ -n "$html" ]; then
  expect_grep "report.html shows the source's name escaped" 'a\\x1b\[31m\\xe2\\x80\\xaegol' "$html"
  raw "report.html" "$html"
else bad "no report.html"; cat "$tmp/caps/esc-run-html.out" "$tmp/caps/esc-run-html.err"; fi
raw "terminal" "$tmp"/caps/esc-*.out "$tmp"/caps/esc-*.err

finish
