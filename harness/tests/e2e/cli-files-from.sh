#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota check as a batch worker: --files-from LIST|- (LF or NUL-separated
# with -0, KEY<TAB>PATH with --keyed), an entry that is not a path, a list
# that cannot be read; and --fail-on none|fail|incomplete and --exit-zero,
# the exit statuses a scheduler that retries failed tasks can live with.
# usage: cli-files-from.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

g=$root/transcripts/guide
pass=$g/3.1-ftp-example.log
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: "FOTA","FTPSTART"\r\n+QIND: "FOTA","FTPEND",601\r\n+QIND: "FOTA","START"\r\n' > "$tmp/fail.log"
printf 'AT+QFOTADL="ftp://u:p@h/f.bin"\r\nOK\r\n+QIND: "FOTA","FTPSTART"\r\n' > "$tmp/cut.log"
printf 'ATI\r\nOK\r\n' > "$tmp/nothing.log"

# verdicts FILE: the files' names and verdicts in the order the text
# output gives them, "NAME VERDICT" a line, into $tmp/verdicts
verdicts() {
  awk '/: (PASS|FAIL|INCOMPLETE|ERROR|NOTHING TO JUDGE|INCONCLUSIVE)( \(|:)/ {
         v = $0; sub(/: [A-Z].*/, "", $0); sub(/^.*: /, "", v); sub(/[ :].*/, "", v); print $0 " " v }' "$1" > "$tmp/verdicts"
}
# want_verdicts NAME LINE...: $tmp/verdicts is exactly these lines.
want_verdicts() {
  local name=$1
  shift
  printf '%s\n' "$@" > "$tmp/want"
  if cmp -s "$tmp/want" "$tmp/verdicts"; then ok "$name"; else bad "$name:"; diff "$tmp/want" "$tmp/verdicts"; fi
}

# --- a list of lines, after the arguments; an empty line skipped; a DIR
mkdir -p "$tmp/dir"
cp "$g/3.2-http-example.log" "$tmp/dir/b.log"
printf '%s\n' "$tmp/fail.log" "" "$tmp/dir" "$g/3.3-local-example.log" > "$tmp/list"
expect_exit "--files-from: a FAIL listed" 1 "$dfota" check --no-color --files-from "$tmp/list" "$pass"
verdicts "$tmp/out"
want_verdicts "--files-from: the arguments, then the list's entries in order, a DIR searched" \
  "$pass PASS" "$tmp/fail.log FAIL" "$tmp/dir/b.log PASS" "$g/3.3-local-example.log PASS"
expect_grep "--files-from: the summary counts them all" "^4 files: 3 passed, 1 failed" "$tmp/out"

# no terminator after the last entry; CRLF lines: the CR is part of the path
printf '%s' "$pass" > "$tmp/list"
expect_exit "--files-from: the last entry without LF" 0 "$dfota" check --files-from "$tmp/list"
printf '%s\r\n' "$pass" > "$tmp/list"
expect_exit "--files-from: a CR is part of the path (byte for byte)" 2 "$dfota" check --files-from "$tmp/list"
expect_grep "--files-from: the path with its CR cannot be opened" "cannot open" "$tmp/out"

# --- standard input as the list
printf '%s\n' "$pass" "$tmp/cut.log" | "$dfota" check --no-color --files-from - > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 3 ]; then ok "--files-from -: INCOMPLETE listed (exit 3)"; else bad "--files-from -: exit $rc, want 3"; cat "$tmp/err"; fi
verdicts "$tmp/out"
want_verdicts "--files-from -: both judged, in order" "$pass PASS" "$tmp/cut.log INCOMPLETE"
expect_exit "--files-from - and - as a log: refused" 2 "$dfota" check --files-from - - < /dev/null
expect_grep "--files-from - and -: said" "standard input cannot be both" "$tmp/err"
printf '%s\n' - "$pass" | "$dfota" check --files-from - > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "entry 1: - is standard input, which holds this list: skipped" "$tmp/err" && grep -q "^1 file: 1 passed" "$tmp/out"
then ok "an entry - in a list on standard input: skipped, named, exit 2"; else bad "entry - in a list on standard input: exit $rc"; cat "$tmp/out" "$tmp/err"; fi

# --- NUL-separated: a path with a newline in it
cp "$g/3.2-http-example.log" "$tmp/two
lines.log"
printf '%s\0%s\0\0' "$tmp/two
lines.log" "$tmp/fail.log" > "$tmp/list0"
expect_exit "-0: a FAIL listed" 1 "$dfota" check --no-color -0 --files-from "$tmp/list0"
expect_grep "-0: a path with a newline read (its name escaped)" "two\\\\x0alines.log: PASS" "$tmp/out"
expect_grep "-0: both judged" "^2 files: 1 passed, 1 failed" "$tmp/out"
expect_exit "-0 --null: the long name" 1 "$dfota" check --null --files-from "$tmp/list0"
printf '%s\0%s\n' "$pass" "$pass" > "$tmp/list"
expect_exit "a NUL in a list of lines: the entry is not a path" 2 "$dfota" check --files-from "$tmp/list"
expect_grep "a NUL in a list of lines: named, with -0 suggested" "list: entry 1: a NUL byte in a line (a list of NUL-separated paths is read with -0): skipped" "$tmp/err"
expect_exit "-0 without a list: usage" 2 "$dfota" check -0 "$pass"

# --- KEY<TAB>PATH
printf 's3://bucket/a.log\t%s\n\t%s\nno-tab-here\n' "$pass" "$tmp/fail.log" > "$tmp/keyed"
expect_exit "--keyed: a FAIL, and an entry with no TAB" 2 "$dfota" check --no-color --keyed --files-from "$tmp/keyed"
verdicts "$tmp/out"
want_verdicts "--keyed: the PATH is read (an empty KEY is the file name)" "$pass PASS" "$tmp/fail.log FAIL"
expect_grep "--keyed: an entry without a TAB named with its number" "keyed: entry 3: no TAB between KEY and PATH (--keyed): skipped" "$tmp/err"
printf 'k/\t%s\n' "$tmp/dir" > "$tmp/keyed"
expect_exit "--keyed: a DIR" 0 "$dfota" check --keyed --files-from "$tmp/keyed"
expect_grep "--keyed: the DIR's files read" "^$tmp/dir/b.log: PASS" "$tmp/out"
expect_exit "--keyed without a list: usage" 2 "$dfota" check --keyed "$pass"

# --- an entry too long for a path: named, skipped, the rest judged
long=$(head -c 5000 /dev/zero | tr '\0' a)
printf '%s\n%s\n%s\n' "$pass" "$long" "$tmp/fail.log" > "$tmp/list"
expect_exit "an entry of 5000 bytes: exit 2" 2 "$dfota" check --files-from "$tmp/list"
expect_grep "an entry of 5000 bytes: named with its number" "list: entry 2: longer than 4095 bytes" "$tmp/err"
expect_grep "an entry of 5000 bytes: the others judged" "^2 files: 1 passed, 1 failed" "$tmp/out"
expect_exit "an entry of 5000 bytes, --exit-zero: still 2 (the list is bad)" 2 "$dfota" check --exit-zero --files-from "$tmp/list"
printf '%s\t%s\n' "$(head -c 1100 /dev/zero | tr '\0' k)" "$pass" > "$tmp/list"
expect_exit "a KEY of 1100 bytes" 2 "$dfota" check --keyed --files-from "$tmp/list"
expect_grep "a KEY of 1100 bytes: named" "entry 1: a KEY longer than 1023 bytes: skipped" "$tmp/err"

# --- a list that cannot be read
expect_exit "a list that does not exist" 2 "$dfota" check --files-from "$tmp/no-such-list"
expect_grep "a list that does not exist: named" "no-such-list: cannot open" "$tmp/err"
expect_exit "a folder as the list" 2 "$dfota" check --files-from "$tmp/dir"
expect_grep "a folder as the list: cannot be read" "cannot read: Is a directory" "$tmp/err"
expect_exit "a list that cannot be read, --exit-zero: still 2" 2 "$dfota" check --exit-zero --files-from "$tmp/no-such-list"
expect_exit "--files-from twice" 2 "$dfota" check --files-from "$tmp/list" --files-from "$tmp/list"
: > "$tmp/empty-list"
expect_exit "an empty list and no argument: nothing judged, a pass" 0 "$dfota" check --files-from "$tmp/empty-list"
expect_grep "an empty list: 0 files" "^0 files: " "$tmp/out"

# --- an entry that does not exist: its record says so
printf '%s\n' "$pass" "$tmp/no-such.log" > "$tmp/list"
expect_exit "a missing entry: exit 2" 2 "$dfota" check --files-from "$tmp/list"
expect_grep "a missing entry: its record" "no-such.log:0: cannot open: No such file or directory" "$tmp/out"
expect_grep "a missing entry: counted unreadable" "1 unreadable" "$tmp/out"
expect_exit "a missing entry, --exit-zero: 0" 0 "$dfota" check --exit-zero --files-from "$tmp/list"
expect_grep "a missing entry, --exit-zero: still its record" "no-such.log: ERROR" "$tmp/out"
expect_exit "a missing entry, --fail-on none: 0" 0 "$dfota" check --fail-on none --files-from "$tmp/list"
expect_exit "a missing entry, --fail-on fail: 2" 2 "$dfota" check --fail-on fail --files-from "$tmp/list"
expect_exit "a missing entry, JSON, --exit-zero: 0" 0 "$dfota" check --format json --exit-zero --files-from "$tmp/list"
expect_grep "a missing entry, JSON: exit_status says 0" '"exit_status":0' "$tmp/out"

# --- --fail-on: what each status becomes
for c in "incomplete pass 0" "incomplete fail 1" "incomplete cut 3" "incomplete nothing 3" \
         "fail pass 0" "fail fail 1" "fail cut 0" "fail nothing 0" \
         "none pass 0" "none fail 0" "none cut 0" "none nothing 0"; do
  set -- $c
  f=$tmp/$2.log
  [ "$2" = pass ] && f=$pass
  expect_exit "--fail-on $1, $2" "$3" "$dfota" check --fail-on "$1" "$f"
done
expect_exit "--exit-zero, a FAIL" 0 "$dfota" check --exit-zero "$tmp/fail.log"
expect_exit "--fail-on fail: FAIL wins over INCOMPLETE" 1 "$dfota" check --fail-on fail "$tmp/cut.log" "$tmp/fail.log"
expect_exit "--fail-on fail, JSON: exit_status follows" 0 "$dfota" check --format json --fail-on fail "$tmp/cut.log"
expect_grep "--fail-on fail, JSON: exit_status 0" '"exit_status":0' "$tmp/out"
expect_exit "--fail-on: an unknown value" 2 "$dfota" check --fail-on warn "$pass"
expect_grep "--fail-on: the values named" "none, fail or incomplete" "$tmp/err"
mkdir -p "$tmp/no-logs"
expect_exit "--exit-zero: an empty folder is still 2" 2 "$dfota" check --exit-zero "$tmp/no-logs"
expect_exit "--exit-zero: output that cannot be written is still 2" 2 "$dfota" check --exit-zero --output "$tmp/no/such/dir/x" "$pass"

# --- --jobs: its values
expect_exit "--jobs 0: refused" 2 "$dfota" check --jobs 0 "$pass"
expect_exit "--jobs x: refused" 2 "$dfota" check -j x "$pass"
expect_exit "--jobs 257: refused" 2 "$dfota" check --jobs 257 "$pass"
expect_exit "-j 3" 0 "$dfota" check -j 3 "$pass"


# --list-files: the files a folder gives, as dfota picks them, judged by
# no one; the list feeds --files-from and gives the folder's verdicts
mkdir -p "$tmp/pick/sub"
cp "$root/transcripts/guide/3.1-ftp-example.log" "$tmp/pick/a.log"
cp "$root/transcripts/rules/SEQ-END/fail-end-twice-raw.log" "$tmp/pick/sub/b.TXT"
echo "notes, not a log" > "$tmp/pick/README.md"
printf '\x89PNG\r\n' > "$tmp/pick/shot.png"
expect_exit "--list-files: a folder" 0 "$dfota" check --list-files "$tmp/pick"
printf '%s\n' "$tmp/pick/a.log" "$tmp/pick/sub/b.TXT" > "$tmp/pick.want"
if cmp -s "$tmp/out" "$tmp/pick.want"; then ok "--list-files: the two logs, no README, no picture"
else bad "--list-files listed:"; cat "$tmp/out"; fi
"$dfota" check --list-files -0 "$tmp/pick" > "$tmp/pick.0"
expect_exit "--list-files -0 feeds --files-from -0: the folder's verdicts" 1 \
  "$dfota" check --jobs 1 -0 --files-from "$tmp/pick.0"
"$dfota" check --jobs 1 "$tmp/pick" > "$tmp/pick.dir" 2>&1
grep -v ', rules ' "$tmp/out" > "$tmp/pick.a"; grep -v ', rules ' "$tmp/pick.dir" > "$tmp/pick.b"
if cmp -s "$tmp/pick.a" "$tmp/pick.b"; then ok "--list-files then --files-from: the same output as the folder"
else bad "--list-files then --files-from differs from the folder"; diff "$tmp/pick.a" "$tmp/pick.b" | head; fi
printf 'day1\t%s\n' "$tmp/pick" > "$tmp/pick.keyed"
expect_exit "--list-files --keyed" 0 "$dfota" check --list-files --keyed --files-from "$tmp/pick.keyed"
expect_grep "--list-files --keyed: KEY<TAB>PATH" "^day1/sub/b.TXT	$tmp/pick/sub/b.TXT$" "$tmp/out"
mkdir -p "$tmp/nolog"; echo hi > "$tmp/nolog/README.md"
expect_exit "--list-files: a folder with nothing to read is 2, as when judging" 2 "$dfota" check --list-files "$tmp/nolog"

finish
