#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# json-bytes.sh - the bytes of dfota check --format json, compact and
# --pretty, over the transcript corpus (strict, and field with secrets
# shown) and over a log of many refused upgrades with findings (many flows,
# written as they close). The digests below are of the output the JSON
# writer made before it streamed record by record (a document built with
# jansson, then written): the writer changed, the bytes did not. Only the
# build's commit in the provenance is masked.
# When the corpus, a rule or the JSON itself changes on purpose, the new
# digests are what this test prints under "got" (check the output first).
# usage: json-bytes.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=/dev/null
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
case $dfota in /*) ;; *) dfota=$PWD/$dfota ;; esac

# many-flows.transcript: 300 upgrades refused with ERROR, each followed by
# a URC with a bad percentage (two FAIL findings a flow), times with a
# fraction so that every duration is a real number
{
  echo "# dfota-transcript 1"
  for ((i = 0; i < 300; i++)); do
    s=$((2 * i + 1))
    printf '%d.000000 > AT+QFOTADL="http://203.0.113.7/update-%d.zip"\n' "$s" "$i"
    printf '%d.1%05d < ERROR\n' "$s" "$((i * 37 % 100000))"
    printf '%d.200000 < +QIND: "FOTA","UPDATING",x\n' "$s"
  done
} > "$tmp/many-flows.transcript"

# digest DIR NAME ARGS...: sha256 of the output of dfota check ARGS, run
# in DIR so that file names are relative, the commit masked
digest() {
  local dir=$1 name=$2; shift 2
  (cd "$dir" && "$dfota" check "$@") > "$tmp/$name.json" 2> /dev/null
  sed -E 's/"commit": ?"[^"]*"/"commit":"-"/' "$tmp/$name.json" | sha256sum | cut -c1-64
}

# want DIR NAME DIGEST ARGS...
want() {
  local dir=$1 name=$2 want=$3; shift 3
  local got
  got=$(digest "$dir" "$name" "$@")
  if [ "$got" = "$want" ]; then
    ok "$name: the same bytes ($(wc -c < "$tmp/$name.json") bytes)"
  else
    bad "$name: got $got, want $want"
  fi
}

want "$root" "corpus, compact" \
  1f57b592be7690c8e8337f470b46e08506a01781979217432956815dc85137ab --format json transcripts
want "$root" "corpus, --pretty" \
  a7c25ba8d46bd795091dad910ebe4bc78c0d1d7d44b5a9777ba77b0af13d970d --format json --pretty transcripts
want "$root" "corpus, field, --no-redact, compact" \
  e3049ed63594c6129f1539d7ece945cbae3e8bf00bf572dee2e7972946e7a6df --profile field --no-redact --format json transcripts
want "$root" "corpus, field, --no-redact, --pretty" \
  e1473eb6784576d24959240815926b2e35af716408ee3e5bce8e0b3c612debd7 --profile field --no-redact --format json --pretty transcripts
want "$tmp" "many flows with findings, compact" \
  84c0bc5ece8d98ad8a540ee5fe33c46f9b7273f07c0e8f524411e5a5bb606ba6 --format json many-flows.transcript
want "$tmp" "many flows with findings, --pretty" \
  ee5c17c97d7e60a26ae2dfe279cf2f8a432ac83918d21ce9ceb4ddd858a3f9fa --format json --pretty many-flows.transcript

# the masked digest is of the document, not of an empty output
[ "$(grep -c '"exit_status":' "$tmp/many flows with findings, compact.json")" = 1 ] &&
  ok "the compact document is whole" || bad "the compact document is not whole"

finish
