#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fleet-dask: dfota as the mapper of a real Dask distributed run
# (contrib/dask/dfota_dask.py) on a LocalCluster of two worker processes on
# 127.0.0.1, over 20,000 generated logs in shards of 4,000: every file gets
# the verdict one direct `dfota check --format jsonl` gives it, the merged
# summary counts are the direct run's, the run's exit status is the merged
# verdict's, a shard whose dfota fails is named with dfota's error (exit 4;
# the logs given as a folder this time), and no process of the cluster
# outlives its run.
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
# shellcheck source=lib/fleet.bash
source "$(dirname "$0")/lib/fleet.bash"
e2e_begin "$@"
driver="$root/contrib/dask/dfota_dask.py"
fleet_python

# Each run is its own process group (setsid): the cleanup stops whatever of
# it is left, the driver and the worker processes it started.
groups=()
e2e_cleanup() {
  local g
  for g in "${groups[@]}"; do
    kill -TERM -- "-$g" 2>/dev/null && sleep 1
    kill -KILL -- "-$g" 2>/dev/null
  done
  true
}

# run_driver NAME ARGS...: runs the driver in a process group of its own,
# waits for it, and checks none of the group is left; its exit status is
# in $status, its output in $tmp/NAME.out and $tmp/NAME.err.
run_driver() {
  local name=$1; shift
  TMPDIR=$tmp setsid "$python" "$driver" "$@" 0<&0 > "$tmp/$name.out" 2> "$tmp/$name.err" &
  local pid=$!
  groups+=("$pid")
  wait "$pid"
  status=$?
  if wait_for 60 group_gone "$pid"; then
    ok "$name: no process of the run left"
  else
    bad "$name: processes of the run left behind (process group $pid)"
  fi
}
# group_gone PGID: no process is left in the group (signal 0 reaches none).
group_gone() { ! kill -0 -- "-$1" 2> /dev/null; }

if ! "$python" -c 'import distributed' 2> "$tmp/import.err"; then
  bad "Dask is not installed: Debian's package python3-distributed (scripts/install-deps.sh installs it)"
  cat "$tmp/import.err"
  finish; exit
fi

# The corpus and the direct run: one dfota over the whole list.
fleet_setup 20000 || { finish; exit; }

# The Dask run: the corpus has FAILs, so the merged verdict is 1.
run_driver dask --local 2 --shard-size 4000 --dfota "$dfota" --files-from - -o "$tmp/run" < "$tmp/list"
if [ "$status" -eq 1 ]; then ok "the Dask run exits 1: the merged verdict, FAILs found"
else bad "the Dask run exits $status, want 1"; cat "$tmp/dask.out" "$tmp/dask.err"; fi
shards=("$tmp/run/shards/"shard-*.jsonl)
if [ "${#shards[@]}" -eq 5 ]; then ok "5 shards of 4000 logs"
else bad "${#shards[@]} shards, want 5: ${shards[*]}"; fi
fleet_compare "Dask shards and merge agree with the direct run" \
  "$tmp/direct.jsonl" "$tmp/run/summary.json" "${shards[@]}"
if grep -qi '<html' "$tmp/run/summary.html" 2> /dev/null; then ok "the merged HTML page is written"
else bad "no merged HTML page in $tmp/run/summary.html"; fi

# A shard whose dfota exits 2 is a failed task: the run names it with
# dfota's error and exits 4, with no summary. The logs given as a folder
# this time: its 100 files walked make 3 shards of at most 40.
run_driver bad-profile --local 2 --shard-size 40 --dfota "$dfota" --profile no-such-profile \
  -o "$tmp/bad" "$tmp/corpus/d000"
if [ "$status" -eq 4 ]; then ok "a shard's dfota exiting 2 fails the run (exit 4)"
else bad "a failing shard: the run exits $status, want 4"; cat "$tmp/bad-profile.err"; fi
expect_grep "the failed shard is named with dfota's status" 'shard [0-9]*: .* exited 2' "$tmp/bad-profile.err"
expect_grep "and dfota's own message" 'no-such-profile' "$tmp/bad-profile.err"
expect_grep "and the count of failed shards" '3 of 3 shards failed' "$tmp/bad-profile.err"
if [ ! -e "$tmp/bad/summary.json" ]; then ok "no summary from a failed run"; else bad "a failed run wrote a summary"; fi

finish
