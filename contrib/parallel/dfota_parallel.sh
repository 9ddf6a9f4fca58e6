#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota_parallel.sh - dfota on a few big machines with GNU parallel over ssh.
#
# usage: dfota_parallel.sh -o OUT [-S SSHLOGIN]... [--ssh CMD] [-n SHARD]
#                          [-j JOBS] [--dfota PATH] [--profile NAME]
#                          [--keyed] [--exit-zero] [LIST|-]
#
# Reads a list of log paths (one a line; LIST, or standard input), cuts it
# into shards of SHARD lines (default 2000) and pipes each shard to one
#   dfota check --format jsonl --exit-zero --files-from -
# on a machine of the -S list (parallel's --sshlogin: HOST, USER@HOST, or
# N/HOST for N jobs there; ':' is this machine). Each shard's JSONL comes
# back into OUT/shards/shard-SEQ.jsonl (its standard error beside it, .err),
# then `dfota merge` here writes OUT/summary.json, OUT/summary.html and the
# text summary on standard output.
#
# The paths are read on the remote machines: they must name the same files
# there (a shared mount), and --dfota is dfota's path there (and here, for
# the merge). Paths with a newline in them cannot go through this recipe.
#
# Exit status: 0, 1 or 3 dfota merge's over all the verdicts (0 whatever
# they are with --exit-zero); 2 usage error, shards that do not agree (no
# summary), or a log that could not be read (the summary is written);
# 4 a shard failed (its dfota exited neither 0 nor with a verdict, or its
# ssh failed): the shard, its host, its status and its standard error are
# printed, and there is no summary.
set -euo pipefail

# usage [STATUS]: the usage lines; on standard error unless asked for.
usage() {
  if [ "${1:-2}" -eq 0 ]; then sed -n 's/^# \{0,1\}//; 5,7p' "$0"; exit 0; fi
  sed -n 's/^# \{0,1\}//; 5,7p' "$0" >&2
  exit 2
}

out='' shard=2000 jobs='' dfota=dfota profile='' keyed='' exit_zero='' ssh_cmd=''
logins=()
while [ $# -gt 0 ]; do
  case $1 in
    -o|--out) out=${2:?}; shift 2 ;;
    -S|--sshlogin) logins+=(--sshlogin "${2:?}"); shift 2 ;;
    --ssh) ssh_cmd=${2:?}; shift 2 ;;
    -n|--shard-size) shard=${2:?}; shift 2 ;;
    -j|--jobs) jobs=${2:?}; shift 2 ;;
    --dfota) dfota=${2:?}; shift 2 ;;
    --profile) profile=${2:?}; shift 2 ;;
    --keyed) keyed=--keyed; shift ;;
    --exit-zero) exit_zero=--exit-zero; shift ;;
    -h|--help) usage 0 ;;
    -) break ;;
    -*) echo "dfota_parallel: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ -n "$out" ] || { echo "dfota_parallel: -o OUT is required" >&2; usage; }
[ $# -le 1 ] || usage
case $shard in ''|*[!0-9]*|0) echo "dfota_parallel: -n wants a number of lines" >&2; exit 2 ;; esac
list=${1:--}
command -v parallel > /dev/null || { echo "dfota_parallel: GNU parallel is not installed (Debian: parallel)" >&2; exit 2; }

mkdir -p "$out/shards"
rm -f "$out"/shards/shard-*.jsonl "$out"/shards/shard-*.jsonl.err "$out"/shards/shard-*.jsonl.seq "$out/joblog"

check=("$dfota" check --format jsonl --exit-zero --files-from -)
[ -z "$keyed" ] || check+=("$keyed")
[ -z "$profile" ] || check+=(--profile "$profile")
opts=(--pipe -N "$shard" --joblog "$out/joblog" --results "$out/shards/shard-{#}.jsonl" -q)
[ ${#logins[@]} -eq 0 ] || opts+=("${logins[@]}")
[ -z "$ssh_cmd" ] || opts+=(--ssh "$ssh_cmd")
[ -z "$jobs" ] || opts+=(--jobs "$jobs")

# parallel's own status counts the failed jobs; the joblog says which.
status=0
if [ "$list" = - ]; then
  parallel "${opts[@]}" "${check[@]}" > /dev/null || status=$?
else
  parallel "${opts[@]}" "${check[@]}" < "$list" > /dev/null || status=$?
fi
# joblog: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
failed=$(awk -F'\t' 'NR > 1 && ($7 != 0 || $8 != 0) { print $1 "\t" $2 "\t" $7 "\t" $8 }' "$out/joblog")
if [ -n "$failed" ] || [ "$status" -ne 0 ]; then
  while IFS=$'\t' read -r seq host code sig; do
    [ -n "$seq" ] || continue
    echo "dfota_parallel: shard $seq on $host: dfota exited $code (signal $sig): $(cat "$out/shards/shard-$seq.jsonl.err" 2>/dev/null)" >&2
  done <<< "$failed"
  echo "dfota_parallel: parallel exited $status; no summary" >&2
  exit 4
fi

shopt -s nullglob
shards=("$out"/shards/shard-*.jsonl)
[ ${#shards[@]} -gt 0 ] || { echo "dfota_parallel: no logs in the list" >&2; exit 2; }
merge=("$dfota" merge)
[ -z "$exit_zero" ] || merge+=("$exit_zero")
# dfota merge exits 2 both when it cannot merge (it writes nothing) and
# when a log could not be read (it writes the summary): only the first stops.
for fmt in json html; do
  rm -f "$out/summary.$fmt"
  s=0; "${merge[@]}" --format "$fmt" -o "$out/summary.$fmt" "${shards[@]}" || s=$?
  case $s in 0|1|3) ;; *) [ -e "$out/summary.$fmt" ] || exit "$s" ;; esac
done
exec "${merge[@]}" --format text "${shards[@]}"
