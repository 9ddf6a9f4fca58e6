#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What a hostile file system does to dfota (issue 11, "Files and folders"):
# an output path that is a device, a FIFO or a link to one is written
# through and never replaced by a regular file; folder scans end on
# symlink loops and say what they skipped; a FIFO named on the command line
# is refused, never waited on for ever; reports written with --no-redact
# are private (0600 files, 0700 folders); a report that cannot be finished
# leaves no .partial folder behind and says so.
#
# As root a device of our own is made with mknod, so that a regression
# replaces a file in $tmp and never the machine's /dev/null.
# usage: hardening-files.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

guide="$root/transcripts/guide/3.1-ftp-example.log"
# a time limit on every command that could hang: a hang is a failure here
t() { timeout -k 2 20 "$@"; }

# no_tmp NAME DIR: no temporary output file is left in DIR
no_tmp() {
  if find "$2" -maxdepth 1 -name '*.tmp[0-9]*' | grep -q .; then bad "$1: a temporary file is left"; ls -la "$2"; else ok "$1: no temporary file left"; fi
}

# --- outputs that are not regular files
if [ "$(id -u)" -eq 0 ] && mknod "$tmp/null" c 1 3 2> /dev/null; then
  null="$tmp/null"
else
  null=/dev/null # as a normal user a rename over it fails anyway
fi
nulldir=$(dirname "$null")
expect_exit "check --output to a null device" 0 t "$dfota" check --format json --output "$null" "$guide"
if [ -c "$null" ]; then ok "the null device is still a character device"; else bad "check replaced the null device"; ls -l "$null"; fi
[ "$nulldir" = "$tmp" ] && no_tmp "check --output null device" "$tmp"
expect_exit "package to a null device" 0 t "$dfota" package --from A --to B "$null"
if [ -c "$null" ]; then ok "package left the null device a device"; else bad "package replaced the null device"; ls -l "$null"; fi
[ "$nulldir" = "$tmp" ] && no_tmp "package null device" "$tmp"
ln -s "$null" "$tmp/link-to-null"
expect_exit "check --output through a link to a device" 0 t "$dfota" check --output "$tmp/link-to-null" "$guide"
if [ -L "$tmp/link-to-null" ]; then ok "the link is still a link"; else bad "the link was replaced"; ls -l "$tmp"; fi
if [ -c /dev/full ]; then
  if [ "$(id -u)" -eq 0 ] && mknod "$tmp/full" c 1 7 2> /dev/null; then full="$tmp/full"; else full=/dev/full; fi
  expect_exit "check --output to a full device fails" 2 t "$dfota" check --output "$full" "$guide"
  expect_grep "the full device's error is said" "No space left" "$tmp/err"
  if [ -c "$full" ]; then ok "the full device is still a device"; else bad "check replaced the full device"; fi
fi

# a FIFO with a reader on the other end gets the whole output
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" > "$tmp/from-fifo" &
reader=$!
expect_exit "check --output to a FIFO with a reader" 0 t "$dfota" check --format json --output "$tmp/fifo" "$guide"
wait "$reader"
if [ -p "$tmp/fifo" ]; then ok "the FIFO is still a FIFO"; else bad "the FIFO was replaced"; ls -l "$tmp"; fi
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["files"]==1' "$tmp/from-fifo"; then
  ok "the reader got the whole JSON"; else bad "the reader got no JSON"; cat "$tmp/from-fifo"; fi
timeout 20 cat "$tmp/fifo" > "$tmp/pkg-from-fifo" &
reader=$!
expect_exit "package to a FIFO with a reader" 0 t "$dfota" package --from A --to B --size 100 "$tmp/fifo"
wait "$reader"
expect_grep "the package went through the FIFO" "^DFOTA-PKG 1" "$tmp/pkg-from-fifo"
no_tmp "FIFO outputs" "$tmp"
# no reader: a bounded wait, then a refusal
expect_exit "a FIFO with no reader is refused" 2 t "$dfota" check --output "$tmp/fifo" "$guide"
expect_grep "the refusal says why" "no reader" "$tmp/err"
# "-" is standard output
expect_exit "check --output -" 0 t "$dfota" check --format json --output - "$guide"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; then ok "--output - writes to standard output"; else bad "--output - wrote no JSON"; fi
if [ -e ./- ] || [ -e "$tmp/-" ]; then bad "a file named - was made"; rm -f ./-; else ok "no file named -"; fi
expect_exit "package -" 0 t "$dfota" package --from A --to B --size 10 -
expect_grep "package - writes to standard output" "^DFOTA-PKG 1" "$tmp/out"
if [ -e ./- ]; then bad "package made a file named -"; rm -f ./-; else ok "package made no file named -"; fi
# a regular file is still written atomically, and a folder is refused
echo old > "$tmp/out.json"
expect_exit "check --output to a regular file" 0 t "$dfota" check --format json --output "$tmp/out.json" "$guide"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out.json"; then ok "regular file replaced whole"; else bad "regular file"; fi
mkdir "$tmp/adir"
expect_exit "check --output to a folder" 2 t "$dfota" check --output "$tmp/adir" "$guide"

# --- folder scans and symlink loops
mkdir -p "$tmp/loop/sub"
cp "$guide" "$tmp/loop/sub/a.log"
ln -s .. "$tmp/loop/sub/up"
expect_exit "a link back to a parent" 0 t "$dfota" check --format json "$tmp/loop"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["files"]==1, d["summary"]' "$tmp/out"; then
  ok "the log is read once"; else bad "the log is read more than once"; head -c 600 "$tmp/out"; fi
expect_grep "the skipped link is named, as a link" "sub/up: skipped, a link to a folder already read" "$tmp/err"
ln -s . "$tmp/loop/self"
ln -s "$tmp/loop" "$tmp/loop/sub/abs"
expect_exit "three links back" 0 t "$dfota" check --format json "$tmp/loop"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["files"]==1, d["summary"]' "$tmp/out"; then
  ok "the log is still read once"; else bad "the log is read more than once"; head -c 600 "$tmp/out"; fi
if [ "$(grep -c 'skipped' "$tmp/err")" -eq 3 ]; then ok "a line per skipped link"; else bad "not a line per skipped link"; cat "$tmp/err"; fi
mkdir -p "$tmp/scl"
cat > "$tmp/scl/x.yaml" << 'YAML'
name: x
section: "3.3"
requirement: "r"
sources: [transcript]
steps:
  - send: 'AT'
  - expect: OK
    within: 3s
YAML
ln -s . "$tmp/scl/self"; ln -s .. "$tmp/scl/up"
expect_exit "lint ends on links loops" 0 t "$dfota" lint "$tmp/scl"
expect_exit "list ends on links loops" 0 t "$dfota" list "$tmp/scl"
if [ "$(grep -c '^x ' "$tmp/out")" -eq 1 ]; then ok "list names the scenario once"; else bad "list does not name it once"; cat "$tmp/out"; fi
# a deep tree: the walk is bounded and says so
deep="$tmp/deep"; p="$deep"
for _ in $(seq 1 40); do p="$p/d"; done
mkdir -p "$p"; cp "$guide" "$p/deep.log"; cp "$guide" "$deep/top.log"
expect_exit "a deep tree" 0 t "$dfota" check "$deep"
expect_grep "the depth limit is said" "deeper than" "$tmp/err"

# --- a FIFO named on the command line
mkfifo "$tmp/named.log"
expect_exit "a FIFO named on the command line is refused" 2 t "$dfota" check "$tmp/named.log"
expect_grep "the refusal names the FIFO" "named.log.*FIFO" "$tmp/err"
if grep -q "no log to read" "$tmp/err"; then bad "a refused FIFO is said once, not also 'no log to read'"; cat "$tmp/err"; else ok "a refused FIFO is said once"; fi
mkdir "$tmp/withfifo"; mkfifo "$tmp/withfifo/p.log"; cp "$guide" "$tmp/withfifo/a.log"
expect_exit "a FIFO in a folder is passed over" 0 t "$dfota" check "$tmp/withfifo"
expect_exit "standard input still reads" 0 t "$dfota" check - < "$guide"
# a pipe the shell holds open for dfota is read: /dev/stdin, <(...)
expect_exit "/dev/stdin as a pipe is read" 0 t bash -c 'cat "$2" | "$1" check /dev/stdin' _ "$dfota" "$guide"
expect_exit "a process substitution is read" 0 t bash -c '"$1" check <(cat "$2")' _ "$dfota" "$guide"

# --- report permissions and failed reports
mkdir -p "$tmp/sc"
cat > "$tmp/sc/s.yaml" << 'YAML'
name: s
section: "3.3"
requirement: "r"
sources: [transcript]
steps:
  - send: 'AT+QFOTADL="/data/ufs/u.zip"'
  - expect: OK
    within: 3s
YAML
printf '# dfota-transcript 1\n0.000000 > AT+QFOTADL="/data/ufs/u.zip"\n0.040000 < OK\n' > "$tmp/s.transcript"
mode() { stat -c %a "$1"; }
( umask 022; t "$dfota" run --no-redact --source "transcript:$tmp/s.transcript" --report "$tmp/priv" "$tmp/sc" > "$tmp/out" 2> "$tmp/err" )
run=$(ls -d "$tmp"/priv/run-* 2> /dev/null | head -n 1)
if [ -n "$run" ]; then
  bad_modes=$(find "$run" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) | head)
  if [ -z "$bad_modes" ]; then ok "--no-redact report is 0600/0700"; else bad "--no-redact report is readable by others: $bad_modes"; ls -lR "$run"; fi
else bad "no --no-redact report"; cat "$tmp/err"; fi
# several modules: the top folder and the firmware-by-rule matrix are private too
( umask 022; t "$dfota" run --no-redact --source "transcript:$tmp/s.transcript" --source "transcript:$tmp/s.transcript" \
    --report "$tmp/privm" "$tmp/sc" > "$tmp/out" 2> "$tmp/err" )
if [ -n "$(find "$tmp/privm" -name 'matrix-*' 2> /dev/null)" ]; then
  bad_modes=$(find "$tmp/privm" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) | head)
  if [ -z "$bad_modes" ]; then ok "--no-redact multi-module report is 0600/0700"; else bad "--no-redact multi-module report is readable by others: $bad_modes"; ls -lR "$tmp/privm"; fi
else bad "no multi-module --no-redact report"; cat "$tmp/err"; fi
( umask 022; t "$dfota" run --source "transcript:$tmp/s.transcript" --report "$tmp/pub" "$tmp/sc" > "$tmp/out" 2> "$tmp/err" )
run=$(ls -d "$tmp"/pub/run-* 2> /dev/null | head -n 1)
if [ -n "$run" ] && [ "$(mode "$run/report.json")" = 644 ] && [ "$(mode "$run")" = 755 ]; then
  ok "a redacted report follows the umask"; else bad "a redacted report does not follow the umask"; ls -lR "$tmp/pub"; fi
# a file size limit makes the report fail part-way: no .partial is left
( trap '' XFSZ; ulimit -f 1; t "$dfota" run --source "transcript:$tmp/s.transcript" --report "$tmp/fail" "$tmp/sc" > "$tmp/out" 2> "$tmp/err" )
if find "$tmp/fail" -maxdepth 1 -name '*partial*' | grep -q .; then bad "a failed report leaves a .partial folder"; ls -la "$tmp/fail"; else ok "a failed report leaves no .partial folder"; fi
expect_grep "the failed report is said" "kept in .*/failed-run-\|was removed" "$tmp/err"
if find "$tmp/fail" -maxdepth 1 -name 'run-*' | grep -q .; then bad "a failed report is named like a whole one"; ls -la "$tmp/fail"; else ok "no run-* folder for a failed report"; fi

finish
