#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rule-ids.sh - every rule ID that any output can emit is in the catalogue
# (RULES.md: "Every ID any output can emit, the scenario runner's step IDs
# included, is in this catalogue and in `dfota rules`"), and every ID of the
# catalogue is one step from its code: README.md (Layout) has a row
# for it naming the file that holds it, which contains the ID.
#
# The IDs are collected from the whole corpus run: dfota check --format json
# over transcripts/ (strict; field; with the host rules and the host
# windows; field on a USB port with them), and dfota run --format json over
# every scenario's recordings (transcripts/scenarios/<name>/*.transcript
# replayed for scenarios/<name>.yaml, strict and field). In each output an
# ID stands in a "rules" object's keys, in a "rule" field (findings, steps)
# or in "failed_rules".
# usage: rule-ids.sh DFOTA_BINARY REPO_ROOT
set -u
dfota=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=/dev/null
source "$(dirname "$0")/lib/assert.bash"
cd "$root" || exit 1

expect_exit "dfota rules" 0 "$dfota" rules
cp "$tmp/out" "$tmp/rules.txt"

# --- the whole corpus run, every output kept
mkdir "$tmp/json"
n=0
check() { # NAME ARGS...: dfota check --format json ARGS transcripts/ into json/NAME.json
  local name=$1; shift
  "$dfota" check --format json "$@" transcripts/ > "$tmp/json/check-$name.json" 2> "$tmp/err"
  local rc=$?
  case $rc in
    0|1|2|3) ok "check $name over transcripts/ ran (exit $rc)" ;;
    *) bad "check $name over transcripts/: exit $rc"; cat "$tmp/err" ;;
  esac
}
check strict
check field --profile field
check host --host --host-windows
check field-usb-host --profile field --port usb --host --host-windows
runs=0
for dir in transcripts/scenarios/*/; do
  name=$(basename "$dir")
  [ -f "scenarios/$name.yaml" ] || { bad "recordings $dir without scenarios/$name.yaml"; continue; }
  for rec in "$dir"*.transcript; do
    for profile in strict field; do
      n=$((n + 1))
      "$dfota" run --format json --profile "$profile" --source "transcript:$rec" \
        "scenarios/$name.yaml" > "$tmp/json/run-$n.json" 2> "$tmp/err"
      rc=$?
      if [ "$rc" -gt 1 ]; then bad "run $rec ($profile): exit $rc"; cat "$tmp/err"; fi
      runs=$((runs + 1))
    done
  done
done
if [ "$runs" -ge 100 ]; then ok "$runs scenario runs over the recordings"; else bad "only $runs scenario runs"; fi

# --- the IDs the outputs name, against the catalogue and the README's table
python3 - "$tmp/json" "$tmp/rules.txt" README.md > "$tmp/ids.out" <<'EOF'
import glob, json, os, re, sys

json_dir, rules_txt, readme = sys.argv[1:4]
say = lambda ok, msg: print(("ok   " if ok else "FAIL ") + msg)

catalogue = [l.split()[0] for l in open(rules_txt, encoding="utf-8") if l.strip()]
say(len(catalogue) >= 30 and len(set(catalogue)) == len(catalogue),
    "dfota rules lists %d IDs, each once" % len(catalogue))

def collect(o, into):
    """Every rule ID an output names: the keys of a "rules" object, the
    value of a "rule" field, the items of "failed_rules"."""
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "rules" and isinstance(v, dict):
                into.update(v.keys())
            elif k == "rule" and isinstance(v, str):
                into.add(v)
            elif k == "failed_rules" and isinstance(v, list):
                into.update(x for x in v if isinstance(x, str))
            collect(v, into)
    elif isinstance(o, list):
        for v in o:
            collect(v, into)

from_check, from_run, unreadable = set(), set(), []
for path in sorted(glob.glob(os.path.join(json_dir, "*.json"))):
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except ValueError as e:
        unreadable.append("%s: %s" % (os.path.basename(path), e))
        continue
    collect(doc, from_check if os.path.basename(path).startswith("check-") else from_run)
say(not unreadable, "every output is JSON" + ("" if not unreadable else ": " + "; ".join(unreadable)))
ids = from_check | from_run
# The collection reaches what it must: module rules, host rules and windows
# from check, the runner's step IDs from run.
for want, got, where in (("URC-SYNTAX", from_check, "check"), ("HOST-WAIT-FINAL", from_check, "check"),
                         ("TIME-FINAL-RESULT", from_check, "check"), ("STEP-EXPECT", from_run, "run"),
                         ("CMD-INVALID-ERROR", from_run, "run")):
    say(want in got, "the %s outputs name %s (the collection reaches them)" % (where, want))

def missing(named, listed):
    return sorted(set(named) - set(listed))

miss = missing(ids, catalogue)
say(not miss, "all %d IDs the outputs name are listed by dfota rules%s"
    % (len(ids), "" if not miss else "; not listed: " + ", ".join(miss)))
# Control: an output naming an ID the catalogue lacks, in each place the
# collection reads (a rules key, a finding's rule, failed_rules), is caught.
for doc in ({"rules": {"NOT-A-RULE": "PASS"}}, {"findings": [{"rule": "NOT-A-RULE"}]},
            {"scenarios": [{"failed_rules": ["NOT-A-RULE"]}]}):
    got = set()
    collect(doc, got)
    say(missing(got, catalogue) == ["NOT-A-RULE"],
        "control: %s naming an unlisted ID is caught" % json.dumps(doc))

# --- the README's table: | ID | `file` | section |
rows = {}
for line in open(readme, encoding="utf-8"):
    m = re.match(r"\|\s*`?([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)`?\s*\|\s*`([^`]+)`\s*\|", line)
    if m:
        rows.setdefault(m.group(1), []).append(m.group(2))
no_row = [i for i in catalogue if i not in rows]
say(not no_row, "every ID of dfota rules has a row in %s%s"
    % (readme, "" if not no_row else "; no row: " + ", ".join(no_row)))
stale = sorted(set(rows) - set(catalogue))
say(not stale, "every row names an ID of dfota rules" + ("" if not stale else "; not: " + ", ".join(stale)))
twice = sorted(i for i, f in rows.items() if len(f) > 1)
say(not twice, "one row per ID" + ("" if not twice else "; more: " + ", ".join(twice)))
bad_rows = []
for rid, files in sorted(rows.items()):
    enum = "DFOTA_R_" + rid.replace("-", "_")
    for f in files:
        if not os.path.isfile(f):
            bad_rows.append("%s: %s does not exist" % (rid, f))
            continue
        text = open(f, encoding="utf-8").read()
        if rid not in text and enum not in text:
            bad_rows.append("%s: %s holds neither %s nor %s" % (rid, f, rid, enum))
            continue
        # A rule file of the judge opens with the guide's words and the IDs
        # it holds: the comment before its first #include.
        if f.startswith("harness/lib/judge/"):
            head = text.split("#include", 1)[0]
            if "guide" not in head or rid not in head:
                bad_rows.append("%s: %s does not open with the guide's words and %s" % (rid, f, rid))
say(not bad_rows, "each row's file exists, holds its ID and, in lib/judge/, opens with the "
    "guide's words and the ID" + ("" if not bad_rows else ":\n     " + "\n     ".join(bad_rows)))
EOF
rc=$?
cat "$tmp/ids.out"
if [ "$rc" -ne 0 ]; then bad "the collector failed (exit $rc)"; fi
passes=$((passes + $(grep -c '^ok ' "$tmp/ids.out")))
fails=$((fails + $(grep -c '^FAIL ' "$tmp/ids.out")))
finish
