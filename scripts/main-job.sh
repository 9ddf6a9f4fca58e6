#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: what a user came for is its last lines, the scenario
# library run against the built-in emulator ("N scenarios passed") and
# where the report is. Before that it
#  - judges every log of transcripts/ with dfota check in both profiles and
#    compares each verdict with the one the log's "# expect:" header line
#    names (the corpus holds logs that break rules on purpose: a FAIL there
#    is what is expected, and the line says how many logs were judged as
#    expected, not how many fail);
#  - replays every scenario against its recorded passing transcripts.
# The library run starts the fixture FTP and HTTP servers on loopback and
# stops them again. Writes reports/main-<time>/: emulator/ (the run report,
# with HTML), check/ (text, JSON and JUnit per profile), scenarios/ (the
# replays).
# Exit status: 0 when the library passed against the emulator, every
# replay passed, every corpus log was judged as expected and the guide's
# own examples (transcripts/guide) pass strict; 1 otherwise; 2 when dfota
# is not built or a report could not be written.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dfota=${DFOTA:-$root/build/dfota}
if [ ! -x "$dfota" ]; then
  echo "main-job: $dfota is not built; run: cmake --preset default && cmake --build build" >&2
  exit 2
fi
run="$root/reports/main-$(date -u +%Y%m%dT%H%M%SZ)"
rel=${run#"$root"/}
mkdir -p "$run/check"
status=0

# --- 1. the corpus: every verdict as its log's "# expect:" line says.
# An exit status per verdict, as dfota check gives it (and the test
# suite's corpus driver compares).
want_status() {
  case "$1" in
    PASS) echo 0 ;; FAIL) echo 1 ;; ERROR) echo 2 ;; *) echo 3 ;;
  esac
}
logs=0; judged=0; unexpected=0; unexpected_list="$run/check/unexpected.txt"
: > "$unexpected_list"
while IFS= read -r -d '' f; do
  expects=$(grep -a -m 2 '^# expect: ' "$f" || true)
  [ -n "$expects" ] || continue
  args=$(grep -a -m 1 '^# check-args: ' "$f" | sed 's/^# check-args: //' || true)
  logs=$((logs + 1)); ok=1
  while read -r _ _ profile verdict _; do
    # shellcheck disable=SC2086 # check-args holds options, one word each
    "$dfota" check --profile "$profile" --no-color $args "$f" > /dev/null 2>&1
    got=$?
    judged=$((judged + 1))
    if [ "$got" -ne "$(want_status "$verdict")" ]; then
      ok=0
      echo "${f#"$root"/}: $profile expected $verdict, dfota check exited $got" >> "$unexpected_list"
    fi
  done <<< "$expects"
  [ "$ok" -eq 1 ] || unexpected=$((unexpected + 1))
done < <(find "$root/transcripts" -type f \( -name '*.transcript' -o -name '*.log' -o -name '*.txt' -o -name '*.cap' \) -print0 | sort -z)
if [ "$unexpected" -eq 0 ]; then
  echo "== corpus: $logs logs judged as expected ($judged verdicts, strict and field)"
else
  echo "== corpus: $((logs - unexpected)) of $logs logs judged as expected; $unexpected not:"
  sed 's/^/   /' "$unexpected_list"
  status=1
fi

# The check's reports of the corpus, per profile (input-errors/ holds
# unreadable files on purpose: the test suite checks those).
inputs=()
for d in "$root"/transcripts/*/; do
  case "$(basename "$d")" in
    input-errors) ;;
    *) inputs+=("${d%/}") ;;
  esac
done
for profile in strict field; do
  for fmt in json junit; do
    ext=$([ "$fmt" = junit ] && echo xml || echo json)
    "$dfota" check --profile "$profile" --format "$fmt" --output "$run/check/$profile.$ext" "${inputs[@]}"
    [ $? -ne 2 ] || status=2
  done
  "$dfota" check --profile "$profile" --no-color "${inputs[@]}" > "$run/check/$profile.txt"
  [ $? -ne 2 ] || status=2
done

# The contract that must always hold: the guide's examples pass strict.
if ! "$dfota" check --profile strict --no-color "$root/transcripts/guide" > "$run/check/guide.txt"; then
  echo "main-job: the guide's own examples do not pass in strict:" >&2
  cat "$run/check/guide.txt" >&2
  status=1
fi

# --- 2. the scenario library against its recordings. Each must pass.
mkdir -p "$run/scenarios"
passed=0; failed=0
for dir in "$root"/transcripts/scenarios/*/; do
  name=$(basename "$dir")
  [ -f "$root/scenarios/$name.yaml" ] || continue
  for rec in "$dir"pass-*; do
    [ -f "$rec" ] || continue
    if "$dfota" run --no-color --source "transcript:$rec" --report "$run/scenarios/$name" \
         "$root/scenarios/$name.yaml" >> "$run/scenarios/summary.txt" 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "main-job: scenario $name failed on its passing recording $(basename "$rec")" >&2
      status=1
    fi
  done
done
if [ "$failed" -eq 0 ]; then
  echo "== recordings: $passed replays passed"
else
  echo "== recordings: $passed replays passed, $failed failed (see $rel/scenarios/summary.txt)"
fi

# --- 3. what the user came for: the whole library against the built-in
# emulator and the fixture servers. Every scenario must pass.
bash "$root/scripts/emulator-suite.sh" "$run/emulator" --no-color --jobs 2 --preflight \
  > "$run/emulator-summary.txt" 2>&1
erc=$?
counts=$(grep -E '^[0-9]+ scenarios?: ' "$run/emulator-summary.txt" | tail -n 1)
npass=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<< "$counts")
if [ "$erc" -eq 0 ] && [ -n "$counts" ]; then
  echo "== emulator: $npass scenarios passed"
else
  if [ "$erc" -eq 2 ]; then status=2; elif [ "$status" -ne 2 ]; then status=1; fi
  echo "== emulator: the library does not pass (dfota run exited $erc): ${counts:-no summary}"
  grep -E '^(FAIL|INCOMPLETE|ERROR)|^ +(step|FAIL|INCOMPLETE)' "$run/emulator-summary.txt" | head -40 | sed 's/^/   /'
fi
page=$(find "$run/emulator" -maxdepth 2 -name report.html 2> /dev/null | sort | tail -n 1)
if [ -n "$page" ]; then
  page=${page#"$root"/}
  echo "== report: $page"
  echo "   open it in a browser, e.g.: xdg-open $page"
  echo "   (the run's summary, JSON and JUnit are beside it; all of this job is in $rel/)"
else
  echo "== report: none was written; dfota run's output is in $rel/emulator-summary.txt"
  [ "$status" -ne 0 ] || status=1
fi
exit $status
