# SPDX-License-Identifier: MIT
# assert.bash - the pass/fail bookkeeping the e2e shell tests share.
# It lives in lib/ so that CMake's e2e/*.sh glob does not run it as a test.
#
# Use (the scripts run as `bash SCRIPT DFOTA_BINARY REPO_ROOT`):
#   set -u
#   source "$(dirname "$0")/lib/assert.bash"
#   e2e_begin "$@"    # dfota, root, tmp, and the EXIT trap
#   expect_exit "help" 0 "$dfota" check --help
#   ...
#   finish            # the last command: the script's status is finish's
#
# Contract:
#   $tmp     a folder the script owns (makes and removes), set before the
#            first expect_exit: it writes the command's output to $tmp/out
#            and $tmp/err, replacing the last ones, for the script to read
#            (expect_grep ... "$tmp/out"). The other helpers do not use it.
#   passes, fails   the counters; set to 0 here, so source this once, before
#            the first check. ok and bad are the only writers.
#   finish   prints "N passed, M failed" and returns non-zero when anything
#            failed. It does not exit: to stop early, `finish; exit`.

passes=0
fails=0

# e2e_begin DFOTA_BINARY REPO_ROOT: sets dfota and root, makes $tmp, and
# traps EXIT to remove it; a script that starts processes defines
# e2e_cleanup (stop_all ...), which runs first. bash runs no EXIT trap when
# a signal kills it, so SIGTERM, SIGINT and SIGHUP (a test stopped by hand
# or by its runner) are turned into an exit: the daemons go with the test.
e2e_begin() {
  dfota=$1
  root=${2:-}
  tmp=$(mktemp -d)
  trap e2e_end EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
}
e2e_end() {
  if declare -F e2e_cleanup > /dev/null; then e2e_cleanup; fi
  rm -rf "$tmp"
}

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds (0) or
# SECONDS have passed (1): a bound on a wait, never a measure.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.1; done
}

# ok MESSAGE...: one check passed.
ok()  { passes=$((passes + 1)); echo "ok   $*"; }
# bad MESSAGE...: one check failed.
bad() { fails=$((fails + 1)); echo "FAIL $*"; }

# expect_exit NAME WANT CMD...: CMD exits WANT; its output is kept in
# $tmp/out and $tmp/err, and shown when it does not.
expect_exit() {
  local name=$1 want=$2; shift 2
  "$@" > "$tmp/out" 2> "$tmp/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else bad "$name: exit $got, want $want"; cat "$tmp/out" "$tmp/err"; fi
}

# expect_grep NAME PATTERN FILE: FILE has a line matching the basic regular
# expression PATTERN; FILE is shown when it does not.
expect_grep() {
  if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1: no '$2' in $3:"; cat "$3"; fi
}

# finish: the closing line; its status is 0 only when nothing failed.
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# stop_all PID...: stops each process still running (SIGTERM) and reaps it;
# for the EXIT trap of a script that starts daemons, so that no test leaves
# a process behind. Empty arguments are skipped.
stop_all() {
  local pid
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
}
