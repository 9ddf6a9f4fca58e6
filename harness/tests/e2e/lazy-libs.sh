#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcurl and libxml2 are opened when a command needs them, not when dfota
# starts (harness/lib/base/lazy.c): with what they pull in they were about
# 16 of the 23 ms a process took to start, which an engine that runs one
# dfota per log pays once a log. Judging a log loads neither; JUnit loads
# libxml2 only; a run on the emulator loads both and passes. The dynamic
# loader says what it loads (LD_DEBUG=files, glibc's).
#
# usage: lazy-libs.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
log=$root/transcripts/guide/3.1-ftp-example.log
dfota=$(cd "$(dirname "$dfota")" && pwd)/$(basename "$dfota") # the run below is from $tmp

# what the binary needs before main(): not the two
if command -v ldd > /dev/null; then
  ldd "$dfota" > "$tmp/ldd" 2>&1
  if grep -qE 'libcurl|libxml2' "$tmp/ldd"; then bad "the binary links libcurl or libxml2:"; cat "$tmp/ldd"
  else ok "the binary does not link libcurl or libxml2 ($(grep -c '=>' "$tmp/ldd") libraries)"; fi
else
  bad "ldd is not installed (libc-bin): what the binary links is not checked"
fi

loaded() { grep -E "file=$1[^ ]* \[[0-9]+\];  (dynamically loaded|needed) by" "$2" > /dev/null; }

LD_DEBUG=files "$dfota" check "$log" > "$tmp/out" 2> "$tmp/ld"
rc=$?
[ "$rc" -eq 0 ] && ok "check judges the guide's FTP example (exit 0)" || { bad "check: exit $rc"; cat "$tmp/out"; }
loaded libcurl "$tmp/ld" && bad "check loads libcurl" || ok "check does not load libcurl"
loaded libxml2 "$tmp/ld" && bad "check loads libxml2" || ok "check does not load libxml2"
# the loader's own words are there: a test that could not see a load passes nothing
loaded libyaml "$tmp/ld" && ok "the loader's trace is read (libyaml is in it)" || { bad "no loader trace:"; head -5 "$tmp/ld"; }

LD_DEBUG=files "$dfota" check --format junit "$log" > "$tmp/out" 2> "$tmp/ld"
rc=$?
[ "$rc" -eq 0 ] && ok "check --format junit (exit 0)" || { bad "check --format junit: exit $rc"; cat "$tmp/out"; }
expect_grep "its JUnit is written" "<testsuites" "$tmp/out"
expect_grep "with the passing case" "<testcase" "$tmp/out"
loaded libxml2 "$tmp/ld" && ok "JUnit loads libxml2" || bad "JUnit did not load libxml2"
loaded libcurl "$tmp/ld" && bad "JUnit loads libcurl" || ok "JUnit does not load libcurl"

(cd "$tmp" && LD_DEBUG=files "$dfota" run --source emulator --report "$tmp/reports" \
  "$root/scenarios/3-test-command.yaml" > "$tmp/out" 2> "$tmp/ld")
rc=$?
[ "$rc" -eq 0 ] && ok "run on the emulator passes (exit 0)" || { bad "run: exit $rc"; cat "$tmp/out"; grep -v '^ *[0-9]*:' "$tmp/ld" | head; }
loaded libcurl "$tmp/ld" && ok "the emulator loads libcurl" || bad "the emulator did not load libcurl"
loaded libxml2 "$tmp/ld" && ok "the run's report loads libxml2" || bad "the run's report did not load libxml2"
if ls "$tmp"/reports/*/junit.xml > /dev/null 2>&1 || ls "$tmp"/reports/*/*.xml > /dev/null 2>&1; then
  ok "the run wrote its JUnit"
else
  bad "no JUnit in the run's report:"; ls -R "$tmp/reports" | head
fi
finish
