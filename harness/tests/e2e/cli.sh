#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The dfota command's contract: exit codes, errors that name the file and
# line, standard input, atomic output files, and documents that stay well
# formed whatever bytes the module sent.
# usage: cli.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

guide="$root/transcripts/guide/3.1-ftp-example.log"

# --- help and usage
expect_exit "help" 0 "$dfota" check --help
expect_grep "help documents exit status 3" "INCOMPLETE" "$tmp/out"
expect_exit "top-level help" 0 "$dfota" --help
expect_exit "no arguments" 2 "$dfota"
expect_exit "unknown command" 2 "$dfota" frobnicate
expect_exit "no input" 2 "$dfota" check
expect_exit "bad profile" 2 "$dfota" check --profile lax "$guide"
expect_exit "bad format" 2 "$dfota" check --format xml "$guide"
expect_exit "bad window" 2 "$dfota" check --window final-result=3 "$guide"
expect_exit "rules list" 0 "$dfota" rules
expect_grep "rules list names PORT-REBOOT" "PORT-REBOOT" "$tmp/out"

# --- scenario variables are dfota run's: another command refuses them
# (exit 2, named) instead of reading "--var" and "X=1" as file names
for c in check lint list rules emulate package stage proxy ports; do
  for opt in --var --var=X=1 -D --vars; do
    expect_exit "$c $opt: refused" 2 timeout 20 "$dfota" $c "$opt" X=1 "$guide"
    expect_grep "$c $opt: named" "^dfota $c: ${opt%%=*} is not an option of $c" "$tmp/err"
  done
done
expect_exit "run takes --var" 2 "$dfota" run --var X=1
if grep -q "is not an option" "$tmp/err"; then bad "run refuses --var"; cat "$tmp/err"; else ok "run does not refuse --var"; fi

# --- dfota list shows each scenario's variables: defaults, ~ (must be
# given) and package variables
mkdir -p "$tmp/vars"
cat > "$tmp/vars/with-vars.yaml" <<'EOF'
name: with-vars
section: "3.1"
vars:
  SERVER: ~
  PORT: "2121"
  FTP_URL: {ftp: [EG95EFAR02A07M4G, EG95EFAR02A08M4G]}
steps:
  - send: 'AT+QFOTADL="${FTP_URL}"'
EOF
expect_exit "list with variables" 0 "$dfota" list "$tmp/vars"
expect_grep "list has a VARIABLES column" "^SCENARIO .* VARIABLES$" "$tmp/out"
expect_grep "list shows the variables" "^with-vars .* SERVER=~ PORT=2121 FTP_URL=ftp:EG95EFAR02A07M4G>EG95EFAR02A08M4G$" "$tmp/out"
expect_exit "list of the library" 0 "$dfota" list "$root/scenarios"
expect_grep "a library scenario with no variable shows -" "^3-test-command .* -$" "$tmp/out"

# --- verdicts and exit codes
expect_exit "guide example passes strict" 0 "$dfota" check "$guide"
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: "FOTA","FTPSTART"\r\n+QIND: "FOTA","FTPEND",601\r\n+QIND: "FOTA","START"\r\n' > "$tmp/fail.log"
expect_exit "update after failed download fails" 1 "$dfota" check "$tmp/fail.log"
expect_grep "finding is compiler style" "fail.log:5: FAIL SEQ-NO-UPDATE-AFTER-DL-FAIL (§4, 5)" "$tmp/out"
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\nOK\n+QIND: "FOTA","FTPSTART"\n' > "$tmp/cut.log"
expect_exit "log ending mid-download is incomplete" 3 "$dfota" check "$tmp/cut.log"
expect_exit "FAIL wins over INCOMPLETE" 1 "$dfota" check "$tmp/cut.log" "$tmp/fail.log"

# --- unreadable input: exit 2, the file and line named, the other files still judged
expect_exit "missing file" 2 "$dfota" check "$tmp/nope.log" "$guide"
expect_grep "missing file is named" "nope.log:0: cannot open" "$tmp/out"
expect_grep "other files still judged" "3.1-ftp-example.log: PASS" "$tmp/out"
head -c 4096 /dev/urandom > "$tmp/random.bin.log"
expect_exit "binary file" 2 "$dfota" check "$tmp/random.bin.log"
expect_grep "binary file is not a log" "random.bin.log:1: not a log" "$tmp/out"
printf '# dfota-transcript 1\n0.0 > AT\n0.1 <OK\n' > "$tmp/bad.transcript"
expect_exit "malformed transcript line" 2 "$dfota" check "$tmp/bad.transcript"
expect_grep "malformed line is named" "bad.transcript:3:" "$tmp/out"
# Windows tools save "Unicode" logs as UTF-16: read, and said so.
printf 'AT+QFOTADL=?\r\nOK\r\n' | iconv -f UTF-8 -t UTF-16LE > "$tmp/utf16.log" 2>/dev/null ||
  printf 'A\0T\0+\0Q\0F\0O\0T\0A\0D\0L\0=\0?\0\r\0\n\0O\0K\0\r\0\n\0' > "$tmp/utf16.log"
expect_exit "UTF-16 log" 0 "$dfota" check "$tmp/utf16.log"
expect_grep "UTF-16 is named as such" "utf16.log: NOTE the log is UTF-16LE text, read as such" "$tmp/out"
# A binary file is named for what it is, not taken for UTF-16.
printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\76\0\1\0\0\0' > "$tmp/a.out"
expect_exit "ELF executable" 2 "$dfota" check "$tmp/a.out"
expect_grep "ELF executable is named" "a.out:1: not a log: an ELF executable" "$tmp/out"
: > "$tmp/empty.log"
expect_exit "empty file" 2 "$dfota" check "$tmp/empty.log"

# --- standard input
expect_exit "stdin" 0 "$dfota" check - < "$guide"
expect_grep "stdin is named" "<stdin>: PASS" "$tmp/out"

# --- outputs: atomic file, well-formed JSON and XML even with hostile bytes
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: "FOTA","FTPSTART"\r\n\x01\x1b[2J"<&>\xff\xfe+QIND: "FOTA","FTPEND",0]]>\r\n+QIND: "FOTA","BOGUS\x07<x>"\r\n' > "$tmp/hostile.log"
for fmt in json junit; do
  expect_exit "hostile bytes, $fmt" 1 "$dfota" check --format $fmt --output "$tmp/out.$fmt" "$tmp/hostile.log" "$guide"
  if ls "$tmp" | grep -q '\.tmp'; then bad "no temporary file left behind ($fmt)"; else ok "no temporary file left behind ($fmt)"; fi
done
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["files"][0]["verdict"]=="FAIL"; assert d["summary"]["files"]==2' "$tmp/out.json"; then
  ok "JSON parses and holds the verdicts"; else bad "JSON invalid"; cat "$tmp/out.json"; fi
if xmllint --noout "$tmp/out.junit"; then ok "JUnit XML is well formed"; else bad "JUnit XML invalid"; cat "$tmp/out.junit"; fi
expect_grep "JUnit has a failure" "<failure" "$tmp/out.junit"
expect_exit "hostile bytes, text" 1 "$dfota" check --no-color "$tmp/hostile.log"
if LC_ALL=C grep -q $'[\x01\x07\x1b]' "$tmp/out"; then bad "terminal output escapes control bytes"; else ok "terminal output escapes control bytes"; fi
expect_exit "output to an unwritable place" 2 "$dfota" check --output "$tmp/no/such/dir/x.json" "$guide"

# --- directories: only log files, sorted, recursive
mkdir -p "$tmp/dir/sub"
cp "$guide" "$tmp/dir/sub/a.log"; cp "$guide" "$tmp/dir/b.txt"; echo "notes" > "$tmp/dir/README.md"
expect_exit "directory" 0 "$dfota" check "$tmp/dir"
expect_grep "directory counts two files" "2 files: 2 passed" "$tmp/out"

# --- what a folder holds as people name it (issue 10): extensions in any
# case, captures with no extension at all, and a folder with nothing in it
mkdir -p "$tmp/caps"
cp "$guide" "$tmp/caps/COM3.LOG"; cp "$guide" "$tmp/caps/capture.TXT"; cp "$guide" "$tmp/caps/minicom"
printf 'shopping list\nmilk\n' > "$tmp/caps/notes"; head -c 512 /dev/urandom > "$tmp/caps/firmware"
mkfifo "$tmp/caps/pipe.log" 2>/dev/null || true
expect_exit "folder: any case, no extension" 0 timeout 20 "$dfota" check "$tmp/caps"
expect_grep "folder: upper-case extensions read" "COM3.LOG: PASS" "$tmp/out"
expect_grep "folder: .TXT read" "capture.TXT: PASS" "$tmp/out"
expect_grep "folder: an extension-less capture read" "caps/minicom: PASS" "$tmp/out"
expect_grep "folder: three files, nothing else" "3 files: 3 passed" "$tmp/out"
cp "$guide" "$tmp/guide.weird-extension"
expect_exit "a file named on the command line is read whatever its extension" 0 "$dfota" check "$tmp/guide.weird-extension"
mkdir -p "$tmp/nothing/sub"; echo "notes" > "$tmp/nothing/README.md"
expect_exit "a folder with nothing to read" 2 "$dfota" check "$tmp/nothing"
expect_grep "the empty folder is named" "nothing: no log to read" "$tmp/err"

finish
