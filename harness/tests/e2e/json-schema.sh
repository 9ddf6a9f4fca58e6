#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# json-schema.sh - dfota check --format json, dfota run --format json and a
# run's report.json follow one schema, schema/dfota-report.schema.json
# (JSON Schema draft 2020-12), validated with python3-jsonschema: check over
# a passing log, a failing one, an incomplete one, an inconclusive one,
# nothing to judge, input errors, folders of several and --profile field;
# run over scenario recordings (passing, failing, harness trouble) and the
# emulator; report.json from --report. The parts both share (a finding with
# its section, the rules' statuses, the counts, provenance) are one
# definition, so a finding is checked the same in both. Controls: the schema
# rejects a document with a required field removed, a status it does not
# know and a run's finding without its section, so this test can fail.
# usage: json-schema.sh DFOTA_BINARY REPO_ROOT
set -u
dfota=$1
root=$2
schema=$root/schema/dfota-report.schema.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=/dev/null
source "$(dirname "$0")/lib/assert.bash"

# No silent skip: without jsonschema this test fails and says what to do.
if ! python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2> /dev/null; then
  bad "python3's jsonschema (4.0 or later) is missing: apt-get install -y python3-jsonschema (scripts/install-deps.sh does)"
  finish; exit
fi

# validate.py SCHEMA LIST: checks the schema, then each line of LIST, tab
# separated: "valid NAME FILE" (FILE is valid against the schema),
# "reject NAME FILE EDIT" (FILE is valid, and invalid once EDIT, python over
# the document d, is applied) or "same NAME CHECK RUN" (the parts check and
# run share have the same fields). Prints "ok<TAB>MESSAGE" or
# "bad<TAB>MESSAGE" a line each, for the bookkeeping below: one python for
# every document, since importing jsonschema takes seconds on a busy machine.
cat > "$tmp/validate.py" << 'PY'
import json, sys
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

schema = json.load(open(sys.argv[1]))
try:
    Draft202012Validator.check_schema(schema)
    print("ok\tthe schema is a valid draft 2020-12 schema")
except Exception as e:
    print("bad\tthe schema itself: " + str(e).replace("\n", " ")[:300])
validator = Draft202012Validator(schema)


def errors(doc):
    """The error that says most first (the deepest, inside the oneOf)."""
    found = list(validator.iter_errors(doc))
    best = best_match(found)
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)) or "(top)", e.message[:160])
            for e in ([best] if best else []) + found[:3]]


def same(c, r):
    """The parts check and run share: one finding, provenance, counts."""
    cf = c["files"][0]["flows"][0]["findings"][0]
    rf = r["scenarios"][0]["findings"][0]
    assert (c["kind"], r["kind"]) == ("check", "run"), (c["kind"], r["kind"])
    keys = ["expected", "level", "line", "quirk", "rule", "section", "seen", "t"]
    assert sorted(cf) == keys and sorted(rf) == keys, (sorted(cf), sorted(rf))
    assert rf["section"] == "4, 5", rf
    assert sorted(c["provenance"]) == sorted(r["provenance"])
    assert sorted(c["files"][0]["counts"]) == sorted(r["scenarios"][0]["counts"])


for line in open(sys.argv[2]):
    what, name, path, *more = line.rstrip("\n").split("\t")
    try:
        d = json.load(open(path))
        if what == "same":
            same(d, json.load(open(more[0])))
            print("ok\t" + name)
            continue
    except Exception as e:
        print("bad\t%s: %s" % (name, repr(e)[:300]))
        continue
    found = errors(d)
    if what == "valid":
        print(("bad\t%s: not valid: " % name + " | ".join(found[:8])) if found
              else "ok\t%s: valid" % name)
    elif found:
        print("bad\tcontrol: %s: the document is not valid to begin with: %s" % (name, found[0]))
    else:
        exec(more[0])
        found = errors(d)
        print(("ok\tcontrol: %s is rejected (%s)" % (name, found[0])) if found
              else "bad\tcontrol: %s: still valid after %s" % (name, more[0]))
PY
: > "$tmp/list"

n=0
# valid NAME WANT_EXIT CMD...: CMD exits WANT_EXIT; its standard output,
# kept as $tmp/doc-N.json, is to be valid against the schema.
valid() {
  local name=$1
  expect_exit "$@"
  n=$((n + 1))
  cp "$tmp/out" "$tmp/doc-$n.json"
  printf 'valid\t%s\t%s\n' "$name" "$tmp/doc-$n.json" >> "$tmp/list"
}
# reject NAME FILE EDIT: the schema says no to FILE once EDIT is applied.
reject() {
  printf 'reject\t%s\t%s\t%s\n' "$1" "$2" "$3" >> "$tmp/list"
}

# --- dfota check --format json
rules=$root/transcripts/rules
valid "check, a pass" 0 "$dfota" check --format json "$rules/CMD-FINAL/pass-ftp-ok.transcript"
valid "check, a FAIL" 1 "$dfota" check --format json "$rules/CMD-FINAL/fail-two-oks.transcript"
check_fail=$tmp/doc-$n.json
valid "check, INCOMPLETE" 3 "$dfota" check --format json "$rules/CMD-FINAL/incomplete-no-final-result.log"
valid "check, INCONCLUSIVE (strict, altered after capture)" 3 \
  "$dfota" check --format json "$root/transcripts/field/typographic-quotes-raw.log"
valid "check, nothing to judge" 3 "$dfota" check --format json "$root/transcripts/flows/no-upgrade-stamped.log"
valid "check, an input error" 2 "$dfota" check --format json "$root/transcripts/input-errors/binary-bytes.cap"
valid "check, a folder of input errors" 2 "$dfota" check --format json "$root/transcripts/input-errors"
valid "check, a folder of several" 0 "$dfota" check --format json "$root/transcripts/guide"
valid "check, --profile field over a folder" 0 \
  "$dfota" check --profile field --format json "$root/transcripts/field"
valid "check, strict over the same folder" 1 "$dfota" check --format json "$root/transcripts/field"
valid "check, --host" 0 "$dfota" check --host --format json "$root/transcripts/flows/host-windows.transcript"

# --- dfota run --format json over scenario recordings, and the emulator
rec=$root/transcripts/scenarios
sc=$root/scenarios
valid "run, a passing recording" 0 \
  "$dfota" run --format json --source "transcript:$rec/3-test-command/pass-ok.transcript" "$sc/3-test-command.yaml"
valid "run, a failing recording" 1 \
  "$dfota" run --format json --source "transcript:$rec/4-ftp-download-failure-601/fail-update-after-601.transcript" \
  "$sc/4-ftp-download-failure-601.yaml"
run_fail=$tmp/doc-$n.json
valid "run, --profile field, retries until success" 0 \
  "$dfota" run --format json --profile field \
  --source "transcript:$rec/6-update-failure-520-530-retry-until-success/pass-523-then-success.transcript" \
  "$sc/6-update-failure-520-530-retry-until-success.yaml"
valid "run, harness trouble (no such recording)" 4 \
  "$dfota" run --format json --source "transcript:$tmp/none.transcript" "$sc/3-test-command.yaml"
valid "run, the emulator, two scenarios" 0 \
  "$dfota" run --format json --source emulator "$sc/3-test-command.yaml" "$sc/3.3-local-file-upgrade.yaml"

# --- a run's report.json
expect_exit "run --report" 1 "$dfota" run --report "$tmp/rep" \
  --source "transcript:$rec/4-ftp-download-failure-601/fail-update-after-601.transcript" \
  "$sc/4-ftp-download-failure-601.yaml"
report=$(ls "$tmp"/rep/run-*/report.json 2> /dev/null | head -n 1)
printf 'valid\t%s\t%s\n' "report.json" "${report:-$tmp/no-report.json}" >> "$tmp/list"

# --- one way of writing JSON: check's and run's (--format json and
# report.json) both compact by default, both indented two spaces with
# --pretty; a document is compared with python's own writing of it in that
# style, so a document written another way (spaces after commas, another
# indent) fails. The --pretty ones are valid against the schema too.
log=$rules/CMD-FINAL/fail-two-oks.transcript
recording=$rec/4-ftp-download-failure-601/fail-update-after-601.transcript
"$dfota" check --format json "$log" > "$tmp/style-check.json"
"$dfota" check --format json --pretty "$log" > "$tmp/style-check-pretty.json"
"$dfota" run --format json --source "transcript:$recording" "$sc/4-ftp-download-failure-601.yaml" \
  > "$tmp/style-run.json"
"$dfota" run --format json --pretty --source "transcript:$recording" "$sc/4-ftp-download-failure-601.yaml" \
  > "$tmp/style-run-pretty.json"
"$dfota" run --pretty --report "$tmp/rep-pretty" --source "transcript:$recording" \
  "$sc/4-ftp-download-failure-601.yaml" > /dev/null
pretty_report=$(ls "$tmp"/rep-pretty/run-*/report.json 2> /dev/null | head -n 1)
printf 'valid\t%s\t%s\n' "check --pretty" "$tmp/style-check-pretty.json" >> "$tmp/list"
printf 'valid\t%s\t%s\n' "run --format json --pretty" "$tmp/style-run-pretty.json" >> "$tmp/list"
printf 'valid\t%s\t%s\n' "report.json with --pretty" "${pretty_report:-$tmp/no-report.json}" >> "$tmp/list"
python3 - "$tmp/style-check.json" compact "check --format json" "$tmp/style-run.json" compact \
  "run --format json" "${report:-$tmp/no-report.json}" compact "report.json" \
  "$tmp/style-check-pretty.json" pretty "check --format json --pretty" \
  "$tmp/style-run-pretty.json" pretty "run --format json --pretty" \
  "${pretty_report:-$tmp/no-report.json}" pretty "report.json with --pretty" > "$tmp/style" 2>&1 << 'PY'
import json, sys
a = sys.argv[1:]
for path, style, name in zip(a[0::3], a[1::3], a[2::3]):
    try:
        text = open(path, encoding="utf-8").read()
        d = json.loads(text)
    except Exception as e:
        print("bad\t%s: %s" % (name, repr(e)[:200]))
        continue
    if style == "compact":
        want = json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n"
    else:
        want = json.dumps(d, indent=2, ensure_ascii=False) + "\n"
    if text == want:
        print("ok\t%s is written %s (%d lines)" % (name, style, text.count("\n")))
    else:
        at = next((i for i, (x, y) in enumerate(zip(text, want)) if x != y), min(len(text), len(want)))
        print("bad\t%s is not written %s: at byte %d, %r where %r" % (name, style, at, text[at:at + 40], want[at:at + 40]))
PY
while IFS=$'\t' read -r verdict message; do
  case $verdict in
    ok) ok "$message" ;;
    *) bad "$message" ;;
  esac
done < "$tmp/style"

# --- one definition of a finding: check's and run's carry the same fields
printf 'same\t%s\t%s\t%s\n' "a finding, provenance and counts have the same fields in check and run" \
  "$check_fail" "$run_fail" >> "$tmp/list"

# --- controls: the schema can say no
reject "check without exit_status" "$check_fail" 'del d["exit_status"]'
reject "check without kind" "$check_fail" 'del d["kind"]'
reject "a check file without its verdict" "$check_fail" 'del d["files"][0]["verdict"]'
reject "a check finding without its section" "$check_fail" 'del d["files"][0]["flows"][0]["findings"][0]["section"]'
reject "a rule status N/A" "$check_fail" 'd["files"][0]["rules"]["CMD-FINAL"] = "N/A"'
reject "a run's finding without its section" "$run_fail" 'del d["scenarios"][0]["findings"][0]["section"]'
reject "a report.json without provenance" "${report:-$tmp/no-report.json}" 'del d["provenance"]'
reject "a run that says it is a check" "$run_fail" 'd["kind"] = "check"'
reject "a scenario verdict it does not know" "$run_fail" 'd["scenarios"][0]["verdict"] = "OK"'
reject "a field nobody defined" "$run_fail" 'd["scenarios"][0]["extra"] = 1'

python3 "$tmp/validate.py" "$schema" "$tmp/list" > "$tmp/results" 2>&1
while IFS=$'\t' read -r verdict message; do
  case $verdict in
    ok) ok "$message" ;;
    bad) bad "$message" ;;
    *) bad "validate.py: $verdict $message" ;;
  esac
done < "$tmp/results"
# one ok for the schema, one for each line of the list
[ "$(grep -c '^ok' "$tmp/results")" -eq $(($(grep -c . "$tmp/list") + 1)) ] ||
  bad "not every document was validated ($(grep -c . "$tmp/list") listed)"

finish
