#!/usr/bin/env bash
# The main job: runs the whole scenario library against the built-in
# emulator and the fixture FTP and HTTP servers (started on loopback and
# stopped again); judges every log of transcripts/ with dfota check; and
# replays every scenario against its recorded passing transcripts. Writes
# a report folder under reports/main-<time>/: emulator/ (the run report,
# with HTML), check (text, JSON and JUnit per profile), scenarios/. The corpus holds logs that break rules on purpose, so
# FAIL verdicts are expected there; the job fails only when the harness
# itself is in trouble (exit 2: a log it could not read, or a report it
# could not write) or when the guide's own examples (transcripts/guide) do
# not pass in strict. transcripts/input-errors holds unreadable files on
# purpose: the test suite (e2e.corpus) checks those, not this job.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dfota=${DFOTA:-$root/build/dfota}
if [ ! -x "$dfota" ]; then
  echo "main-job: $dfota is not built; run: cmake -S . -B build && cmake --build build" >&2
  exit 2
fi
run="$root/reports/main-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
inputs=()
for d in "$root"/transcripts/*/; do
  case "$(basename "$d")" in
    input-errors) ;;   # unreadable on purpose: the test suite checks those
    *) inputs+=("${d%/}") ;;
  esac
done
status=0
for profile in strict field; do
  "$dfota" check --profile "$profile" --format json  --output "$run/report-$profile.json" "${inputs[@]}"
  rc_json=$?
  "$dfota" check --profile "$profile" --format junit --output "$run/junit-$profile.xml" "${inputs[@]}"
  rc_junit=$?
  "$dfota" check --profile "$profile" --no-color "${inputs[@]}" > "$run/summary-$profile.txt"
  rc_text=$?
  for rc in $rc_json $rc_junit $rc_text; do
    if [ "$rc" -eq 2 ]; then status=2; fi
  done
  echo "== $profile: $(tail -n 1 "$run/summary-$profile.txt")"
done
# The scenario library against its recordings. Each must pass.
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
echo "== scenarios: $passed recordings passed, $failed failed (reports in ${run#"$root"/}/scenarios)"

# The whole library against the built-in emulator and the fixture
# servers: every scenario must pass.
if bash "$root/scripts/emulator-suite.sh" "$run/emulator" --no-color --jobs 2 --preflight > "$run/emulator-summary.txt" 2>&1; then
  echo "== emulator: $(tail -n 1 "$run/emulator-summary.txt")"
else
  echo "main-job: the library does not pass against the emulator:" >&2
  grep -v '^PASS' "$run/emulator-summary.txt" >&2
  status=1
fi

# The contract that must always hold: the guide's examples pass strict.
if ! "$dfota" check --profile strict --no-color "$root/transcripts/guide" > "$run/guide.txt"; then
  echo "main-job: the guide's own examples do not pass in strict:" >&2
  cat "$run/guide.txt" >&2
  status=1
fi
echo "== report: ${run#"$root"/}"
exit $status
