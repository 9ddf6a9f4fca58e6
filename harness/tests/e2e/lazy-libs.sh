#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libcurl and libxml2 are opened when a command needs them, not when dfota
# starts (harness/lib/base/lazy.c): with what they pull in they were about
# 16 of the 23 ms a process took to start, which an engine that runs one
# dfota per log pays once a log. Judging a log loads neither; JUnit loads
# libxml2 only; a run on the emulator loads both and passes. The dynamic
# loader says what it loads (LD_DEBUG=files, glibc's), and from where
# (LD_DEBUG=libs): the package dfota names for a missing one must be the
# one the package manager says owns it.
#
# usage: lazy-libs.sh DFOTA_BINARY REPO_ROOT (through ctest, which sets
# DFOTA_TEST_REFUSE_SHIM to the refuse_dlopen library)
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

LD_DEBUG=files,libs "$dfota" check --format junit "$log" > "$tmp/out" 2> "$tmp/ld"
rc=$?
cp "$tmp/ld" "$tmp/ld-junit"
[ "$rc" -eq 0 ] && ok "check --format junit (exit 0)" || { bad "check --format junit: exit $rc"; cat "$tmp/out"; }
expect_grep "its JUnit is written" "<testsuites" "$tmp/out"
expect_grep "with the passing case" "<testcase" "$tmp/out"
loaded libxml2 "$tmp/ld" && ok "JUnit loads libxml2" || bad "JUnit did not load libxml2"
loaded libcurl "$tmp/ld" && bad "JUnit loads libcurl" || ok "JUnit does not load libcurl"

(cd "$tmp" && LD_DEBUG=files,libs "$dfota" run --source emulator --report "$tmp/reports" \
  "$root/scenarios/3-test-command.yaml" > "$tmp/out" 2> "$tmp/ld")
rc=$?
cp "$tmp/ld" "$tmp/ld-run"
[ "$rc" -eq 0 ] && ok "run on the emulator passes (exit 0)" || { bad "run: exit $rc"; cat "$tmp/out"; grep -v '^ *[0-9]*:' "$tmp/ld" | head; }
loaded libcurl "$tmp/ld" && ok "the emulator loads libcurl" || bad "the emulator did not load libcurl"
loaded libxml2 "$tmp/ld" && ok "the run's report loads libxml2" || bad "the run's report did not load libxml2"
if ls "$tmp"/reports/*/junit.xml > /dev/null 2>&1; then
  ok "the run wrote its JUnit"
else
  bad "no JUnit in the run's report:"; ls -R "$tmp/reports" | head
fi
# --- a machine without them: a preloaded dlopen() refuses them as the
# loader refuses a library that is not installed (refuse_dlopen.c, built
# with the tests; ctest gives its path). Judging still works; what needs
# them stops, names the package, and is the bench's trouble (exit 4 for a
# run) or output that cannot be made (exit 2 for check), never a verdict.
shim=${DFOTA_TEST_REFUSE_SHIM:-}
if [ -z "$shim" ] || [ ! -f "$shim" ]; then
  bad "no refuse_dlopen library (DFOTA_TEST_REFUSE_SHIM='$shim'): run through ctest"
  finish; exit
fi
# owner NAME TRACE: the package that owns the NAME library the loader
# opened in TRACE, as the package manager says (not as the build found it)
owner() {
  local path
  path=$(sed -n "s|.*calling init: \(/.*/$1[^/ ]*\)\$|\1|p" "$2" | head -1)
  [ -n "$path" ] && command -v dpkg-query > /dev/null || return 0
  dpkg-query -S "$(realpath "$path")" 2> /dev/null |
    sed -n 's/^\([a-z0-9][a-z0-9.+-]*\)\(:[a-z0-9]*\)\{0,1\}: .*/\1/p' | head -1
}
# as patterns
re() { printf '%s' "$1" | sed 's/[].+*?^$[]/\\&/g'; }
curl_owner=$(owner libcurl "$tmp/ld-run")
xml_owner=$(owner libxml2 "$tmp/ld-junit")
if [ -n "$curl_owner" ] && [ -n "$xml_owner" ]; then
  ok "the loaded libraries' packages, by the package manager: $curl_owner, $xml_owner"
else
  bad "cannot tell which packages own the loaded libcurl ('$curl_owner') and libxml2 ('$xml_owner')"
  grep 'calling init' "$tmp/ld-run" | head -20
fi
curl_pkg=$(re "${curl_owner:-?}")
xml_pkg=$(re "${xml_owner:-?}")
# A sanitizer build wants its runtime first among the libraries: the
# preloaded one is the system's loader here, not dfota's code.
asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
without() { # without NAME CMD...: CMD on a machine without the library NAME
  local name=$1; shift
  ASAN_OPTIONS=$asan LD_PRELOAD=$shim DFOTA_TEST_REFUSE=$name "$@"
}

without libxml2 "$dfota" check "$log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && ok "without libxml2: check still judges (exit 0)" || { bad "without libxml2: check exits $rc"; cat "$tmp/err"; }
expect_grep "without libxml2: the verdict is written" ": PASS" "$tmp/out"

without libxml2 "$dfota" check --format junit "$log" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && ok "without libxml2: check --format junit exits 2" || { bad "without libxml2: check --format junit exits $rc, want 2"; cat "$tmp/err"; }
expect_grep "without libxml2: it says which package, and why" \
  "^dfota check: --format junit: libxml2 is needed (package $xml_pkg): cannot load libxml2\.so\.[0-9]*: libxml2\.so\.[0-9]*: cannot open shared object file" "$tmp/err"
if [ -s "$tmp/out" ]; then bad "without libxml2: check --format junit wrote something:"; head -3 "$tmp/out"
else ok "without libxml2: no half-made JUnit on standard output"; fi

(cd "$tmp" && without libxml2 "$dfota" run --source emulator --report "$tmp/rep-noxml" \
  "$root/scenarios/3-test-command.yaml" > "$tmp/out" 2> "$tmp/err")
rc=$?
[ "$rc" -eq 4 ] && ok "without libxml2: run with a report is harness trouble (exit 4)" || { bad "without libxml2: run exits $rc, want 4"; cat "$tmp/out" "$tmp/err"; }
expect_grep "without libxml2: run names the package" "^dfota run: libxml2 is needed (package $xml_pkg)" "$tmp/err"
if grep -qE '^(PASS|FAIL|INCOMPLETE)' "$tmp/out"; then bad "without libxml2: a scenario was judged:"; cat "$tmp/out"
else ok "without libxml2: no module touched, nothing judged"; fi

(cd "$tmp" && without libcurl "$dfota" run --source emulator "$root/scenarios/3-test-command.yaml" \
  > "$tmp/out" 2> "$tmp/err")
rc=$?
[ "$rc" -eq 4 ] && ok "without libcurl: run on the emulator is harness trouble (exit 4)" || { bad "without libcurl: run exits $rc, want 4"; cat "$tmp/out" "$tmp/err"; }
if grep -q "libcurl is needed (package $curl_pkg): cannot load libcurl\.so\.[0-9]*: libcurl\.so\.[0-9]*: cannot open shared object file" "$tmp/out" "$tmp/err"; then
  ok "without libcurl: it says which package, and why"
else bad "without libcurl: the package is not named:"; cat "$tmp/out" "$tmp/err"; fi
if grep -qE '^(PASS|FAIL|INCOMPLETE)' "$tmp/out"; then bad "without libcurl: a scenario got a verdict:"; cat "$tmp/out"
else ok "without libcurl: no verdict, PASS, FAIL or INCOMPLETE"; fi

finish
