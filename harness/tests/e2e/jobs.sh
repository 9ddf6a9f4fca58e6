#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota check --jobs N: files judged on N threads write the same bytes, in
# the order given, with the same exit status, as --jobs 1 (one by one), in
# every format: over the transcripts/ corpus, and over a folder of small
# logs with two whose findings are too many to be held while the files
# before them are judged (they are written as they are judged, in their
# turn), one with more upgrades than the output says in words, one that
# goes from its tape to the output halfway, and with standard input and a
# pipe among the files.
# usage: jobs.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

formats="text json junit"
if "$dfota" check --help | grep -q 'jsonl'; then formats="$formats jsonl"; fi

# run_as NAME FORMAT JOBS ARGS...: dfota check's output into
# $tmp/NAME.FORMAT.JOBS (the provenance's command line says --jobs N for
# any N: the one thing that may differ) and its exit status into
# $tmp/NAME.FORMAT.JOBS.rc. Standard input is $tmp/stdin.log, and
# /dev/fd/3 a pipe the process holds that gives $tmp/pipe.log (as a
# shell's <(...) is).
run_as() {
  local name=$1 fmt=$2 jobs=$3
  shift 3
  "$dfota" check --format "$fmt" --jobs "$jobs" "$@" < "$tmp/stdin.log" 3< <(cat "$tmp/pipe.log") 2> "$tmp/err" \
    | sed 's/--jobs [0-9]*/--jobs N/' > "$tmp/$name.$fmt.$jobs"
  echo "${PIPESTATUS[0]}" > "$tmp/$name.$fmt.$jobs.rc"
}

# same NAME WANT_RC ARGS...: --jobs 2 and --jobs 7 write what --jobs 1
# writes and exit as it does, WANT_RC, in every format.
same() {
  local name=$1 want=$2 fmt j
  shift 2
  for fmt in $formats; do
    run_as "$name" "$fmt" 1 "$@"
    if [ "$(cat "$tmp/$name.$fmt.1.rc")" != "$want" ] || [ ! -s "$tmp/$name.$fmt.1" ]; then
      bad "$name, $fmt, --jobs 1: exit $(cat "$tmp/$name.$fmt.1.rc"), want $want, $(wc -c < "$tmp/$name.$fmt.1") bytes"
      cat "$tmp/err"
      continue
    fi
    for j in 2 7; do
      run_as "$name" "$fmt" "$j" "$@"
      if ! cmp -s "$tmp/$name.$fmt.1" "$tmp/$name.$fmt.$j"; then
        bad "$name, $fmt: --jobs $j writes other bytes than --jobs 1"
        diff "$tmp/$name.$fmt.1" "$tmp/$name.$fmt.$j" | head -20
      elif ! cmp -s "$tmp/$name.$fmt.1.rc" "$tmp/$name.$fmt.$j.rc"; then
        bad "$name, $fmt: --jobs $j exits $(cat "$tmp/$name.$fmt.$j.rc"), --jobs 1 $want"
      else
        ok "$name, $fmt: --jobs $j the same $(wc -c < "$tmp/$name.$fmt.1") bytes as --jobs 1, exit $want"
      fi
    done
  done
}

guide=$root/transcripts/guide/3.1-ftp-example.log
cp "$guide" "$tmp/stdin.log"
cp "$root/transcripts/guide/3.2-http-example.log" "$tmp/pipe.log"

# --- the corpus: every verdict, every format of log, unreadable files
same corpus 2 "$root/transcripts"

# --- small logs and two with too many findings to hold: 200,000 and
# 30,000 FAILs (PROGRESS-RANGE on every UPDATING,101), among the others
mkdir -p "$tmp/mix"
many() { # many N: a transcript with an upgrade and N out-of-range UPDATINGs
  printf '# dfota-transcript 1\n# port: usb:2c7c:0195:if02\n'
  printf '0.000000 > AT+QFOTADL="/data/ufs/update.zip"\n0.040000 < OK\n1.000000 < +QIND: "FOTA","START"\n'
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%d.%06d < +QIND: \"FOTA\",\"UPDATING\",101\n", 2 + int(i / 1000), (i % 1000) * 1000 }'
  printf '%d.000000 < +QIND: "FOTA","END",0\n' $(($1 / 1000 + 3))
}
many 200000 > "$tmp/mix/m050-many.transcript"
many 30000 > "$tmp/mix/m120-many.transcript"
# and one with more upgrades than the text and JUnit say in words (32):
# their words made by the file's judge, the rest counted
upgrades() { # upgrades N: a transcript of N local-file upgrades that pass
  printf '# dfota-transcript 1\n# port: usb:2c7c:0195:if02\n'
  awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) { t = i * 100
    printf "%d.000000 > AT+QFOTADL=\"/data/ufs/update.zip\"\n%d.040000 < OK\n", t, t
    printf "%d.000000 < +QIND: \"FOTA\",\"START\"\n", t + 1
    for (p = 10; p <= 100; p += 10) printf "%d.000000 < +QIND: \"FOTA\",\"UPDATING\",%d\n", t + 1 + p / 10, p
    printf "%d.000000 < +QIND: \"FOTA\",\"END\",0\n%d.000000 ! port-lost\n%d.000000 ! port-back\n%d.000000 < RDY\n", t + 13, t + 14, t + 40, t + 41 } }'
}
upgrades 40 > "$tmp/mix/m080-upgrades.transcript"
# and one that starts on a tape and goes out as it is judged: right after
# the slow file above, 20 upgrades, then 30,000 FAILs (past what a tape
# holds), then 20 upgrades more, past the 32 said in words
switch() {
  printf '# dfota-transcript 1\n# port: usb:2c7c:0195:if02\n'
  awk 'function up(t, fails,   p, k) {
      printf "%d.000000 > AT+QFOTADL=\"/data/ufs/update.zip\"\n%d.040000 < OK\n", t, t
      printf "%d.000000 < +QIND: \"FOTA\",\"START\"\n", t + 1
      for (k = 0; k < fails; k++) printf "%d.%06d < +QIND: \"FOTA\",\"UPDATING\",101\n", t + 1, k
      for (p = 10; p <= 100; p += 10) printf "%d.000000 < +QIND: \"FOTA\",\"UPDATING\",%d\n", t + 1 + p / 10, p
      printf "%d.000000 < +QIND: \"FOTA\",\"END\",0\n%d.000000 ! port-lost\n%d.000000 ! port-back\n%d.000000 < RDY\n", t + 13, t + 14, t + 40, t + 41 }
    BEGIN { for (i = 0; i < 41; i++) up(i * 100, i == 20 ? 30000 : 0) }'
}
switch > "$tmp/mix/m050-manz-switch.transcript"
i=0
find "$root/transcripts" -type f \( -name '*.transcript' -o -name '*.log' \) | sort | head -200 \
  | while read -r f; do cp "$f" "$tmp/mix/m$(printf '%03d' $i)-${f##*/}"; i=$((i + 1)); done
n=$(find "$tmp/mix" -type f | wc -l)
if [ "$n" -ge 200 ]; then ok "a folder of $n logs"; else bad "a folder of $n logs, want 200 or more"; fi
same mix 2 "$tmp/mix"
grep -c 'FAIL PROGRESS-RANGE' "$tmp/mix.text.1" > "$tmp/count"
if [ "$(cat "$tmp/count")" -ge 260000 ]; then ok "every FAIL of the long files written ($(cat "$tmp/count"))"
else bad "FAIL PROGRESS-RANGE lines: $(cat "$tmp/count"), want 260000 or more"; fi

if grep -q "m080-upgrades.transcript: (8 more upgrades)" "$tmp/mix.text.2"; then
  ok "--jobs 2: a file of 40 upgrades says 32 in words and counts 8"
else bad "--jobs 2: no '(8 more upgrades)' for the file of 40:"; grep -c "m080-upgrades" "$tmp/mix.text.2"; fi
if grep -q "m050-manz-switch.transcript: (9 more upgrades)" "$tmp/mix.text.2" &&
   [ "$(grep -c 'm050-manz-switch.transcript:[0-9]*: FAIL PROGRESS-RANGE' "$tmp/mix.text.2")" -ge 1 ]; then
  ok "--jobs 2: the file of 41 upgrades and 30,000 FAILs (taped, then straight out: its bytes are --jobs 1's above): 32 in words, 9 counted, its FAILs"
else bad "--jobs 2: the file of 41 upgrades and 30,000 FAILs is not whole:"; grep "m050-manz-switch" "$tmp/mix.text.2" | tail -3; fi

# --- in the order given, standard input and a pipe among the files: each
# is read in its turn
same order 1 "$tmp/mix/m120-many.transcript" "$guide" - "$tmp/mix/m050-many.transcript" /dev/fd/3 \
  "$tmp/mix/m003"*
awk '/: (PASS|FAIL|INCOMPLETE|ERROR|NOTHING TO JUDGE|INCONCLUSIVE)( \(|:)/ { sub(/: [A-Z].*/, ""); print }' \
  "$tmp/order.text.2" > "$tmp/names"
printf '%s\n' "$tmp/mix/m120-many.transcript" "$guide" "<stdin>" "$tmp/mix/m050-many.transcript" \
  /dev/fd/3 "$(echo "$tmp/mix/m003"*)" > "$tmp/want"
if cmp -s "$tmp/want" "$tmp/names"; then ok "--jobs 2: files in the order given"
else bad "--jobs 2: files in another order:"; diff "$tmp/want" "$tmp/names"; fi

# --- a single file, and one that cannot be read, on many threads
same one 0 "$guide"
same missing 2 "$guide" "$tmp/no-such.log" "$guide"

finish
