#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# jsonl.sh - dfota check --format jsonl, the worker's output of a fleet
# run: one record a line, valid JSON each, a file's record written as soon
# as that file is judged (read here while the run still waits on its open
# standard input), the summary last; every record carries the version, the
# catalogue's hash and the profile, equal to --format json's provenance; a
# file record is the file object of --format json plus key, rule_findings
# and firmware; the records follow schema/dfota-report.schema.json.
# Controls: a file record without its firmware and a summary record without
# its summary are rejected by the schema.
# usage: jsonl.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=/dev/null
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
case $dfota in /*) ;; *) dfota=$PWD/$dfota ;; esac

pid=
e2e_cleanup() {
  # a reader still waiting on the FIFO gets its end of file
  [ -p "$tmp/fifo" ] && { exec 3<> "$tmp/fifo"; exec 3>&-; }
  [ -z "$pid" ] || stop_all "$pid"
}

rules=$root/transcripts/rules
field=$root/transcripts/field
pass=$rules/CMD-FINAL/pass-ftp-ok.transcript
fail=$rules/CMD-FINAL/fail-two-oks.transcript
fw=$field/start-lost-on-usb.transcript
set -- "$pass" "$fail" "$fw" "$root/transcripts/flows/no-upgrade-stamped.log" \
  "$root/transcripts/input-errors/binary-bytes.cap" "$field/typographic-quotes-raw.log"

expect_exit "jsonl over six files (an input error among them)" 2 "$dfota" check --format jsonl "$@"
cp "$tmp/out" "$tmp/all.jsonl"
expect_exit "json over the same files" 2 "$dfota" check --format json "$@"
cp "$tmp/out" "$tmp/all.json"
expect_exit "jsonl with --pretty: still a line a record" 2 "$dfota" check --format jsonl --pretty "$@"
cp "$tmp/out" "$tmp/pretty.jsonl"

# compare.py JSONL JSON SCHEMA: prints ok/bad lines
cat > "$tmp/compare.py" << 'PY'
import json, sys
jsonl, doc_path, schema_path, pretty = sys.argv[1:5]
text = open(jsonl, encoding="utf-8").read()
doc = json.load(open(doc_path))
def say(ok, msg):
    print(("ok\t" if ok else "bad\t") + msg)
say(text.endswith("\n"), "the output ends with a newline")
lines = text.split("\n")[:-1]
recs = []
for i, l in enumerate(lines, 1):
    try:
        recs.append(json.loads(l))
    except Exception as e:
        say(False, "line %d is not JSON: %r" % (i, str(e)[:80]))
        sys.exit(0)
say(True, "%d lines, each valid JSON" % len(lines))
say(len(recs) == len(doc["files"]) + 1, "a record per file and one summary (%d)" % len(recs))
say([r["record"] for r in recs] == ["file"] * len(doc["files"]) + ["summary"], "the summary is the last record, and the only one")
prov = doc["provenance"]
for r in recs:
    if (r["dfota"], r["catalogue"], r["profile"]) != (prov["dfota"], prov["rules"], prov["profile"]):
        say(False, "record %s: %s %s %s, json's provenance %s %s %s" % (r.get("file"), r["dfota"], r["catalogue"], r["profile"], prov["dfota"], prov["rules"], prov["profile"]))
        break
else:
    say(True, "every record's dfota, catalogue and profile are json's provenance")
added = {"record", "dfota", "catalogue", "profile", "key", "rule_findings", "firmware"}
same = 0
for r, f in zip(recs, doc["files"]):
    base = {k: v for k, v in r.items() if k not in added}
    if base == f:
        same += 1
    else:
        diff = sorted(k for k in set(base) | set(f) if base.get(k) != f.get(k))
        say(False, "%s: differs from json's file object in %s" % (f["file"], diff))
    if r["key"] != f["file"]:
        say(False, "%s: key %r is not the file name" % (f["file"], r["key"]))
    notnote = sum(v for k, v in f["counts"].items() if k != "NOTE")
    if sum(r["rule_findings"].values()) != notnote:
        say(False, "%s: rule_findings %s do not add up to the counts %s" % (f["file"], r["rule_findings"], f["counts"]))
say(same == len(doc["files"]), "each file record is json's file object and the fields it adds (%d of %d)" % (same, len(doc["files"])))
s = recs[-1]
say(s["summary"] == doc["summary"] and s["exit_status"] == doc["exit_status"] and
    {k: v for k, v in s["provenance"].items() if k != "command"} == {k: v for k, v in prov.items() if k != "command"},
    "the summary record's totals, exit status and provenance are json's")
by = {r["file"]: r for r in recs[:-1]}
fw = [r for r in recs[:-1] if r["file"].endswith("start-lost-on-usb.transcript")][0]
say(fw["firmware"] == {"before": "EG95EFAR02A07M4G_01.002.01.002", "after": "EG95EFAR02A08M4G"},
    "firmware: AT+QGMR's answer before the upgrade, ATI's Revision after its END: %s" % fw["firmware"])
fail = [r for r in recs[:-1] if r["file"].endswith("fail-two-oks.transcript")][0]
say(fail["verdict"] == "FAIL" and fail["rule_findings"].get("CMD-FINAL", 0) >= 1,
    "the FAIL's record counts its CMD-FINAL finding: %s" % fail["rule_findings"])
say([r["verdict"] for r in recs[:-1]] == ["PASS", "FAIL", "FAIL", "NOTHING-TO-JUDGE", "ERROR", "INCONCLUSIVE"],
    "the verdicts, in the order the files were given: %s" % [r["verdict"] for r in recs[:-1]])
def nocmd(l):
    r = json.loads(l)
    r.get("provenance", {}).pop("command", None)
    return r
say([nocmd(l) for l in open(pretty, encoding="utf-8").read().split("\n")[:-1]] == [nocmd(l) for l in lines] and
    len(open(pretty, encoding="utf-8").read().split("\n")) == len(text.split("\n")),
    "--pretty does not change jsonl (a line a record, the same records)")
try:
    from jsonschema import Draft202012Validator
except ImportError:
    say(False, "python3's jsonschema is missing: apt-get install -y python3-jsonschema")
    sys.exit(0)
v = Draft202012Validator(json.load(open(schema_path)))
bad = [(i, e.message[:120]) for i, r in enumerate(recs, 1) for e in list(v.iter_errors(r))[:1]]
say(not bad, "every record follows the schema" + (": %s" % bad[:3] if bad else ""))
cut = dict(recs[0]); del cut["firmware"]
say(bool(list(v.iter_errors(cut))), "control: a file record without its firmware is rejected")
cut = dict(recs[-1]); del cut["summary"]
say(bool(list(v.iter_errors(cut))), "control: a summary record without its summary is rejected")
PY
python3 "$tmp/compare.py" "$tmp/all.jsonl" "$tmp/all.json" "$root/schema/dfota-report.schema.json" \
  "$tmp/pretty.jsonl" > "$tmp/results" 2>&1
while IFS=$'\t' read -r verdict message; do
  case $verdict in
    ok) ok "$message" ;;
    *) bad "$verdict $message" ;;
  esac
done < "$tmp/results"

# --- streaming: the first file's record is out while the run still waits
# for the second file, its standard input (-): a pipe from a FIFO no one
# writes to yet
mkfifo "$tmp/fifo"
cat "$tmp/fifo" | "$dfota" check --format jsonl "$pass" - > "$tmp/stream.jsonl" 2> "$tmp/stream.err" &
pid=$!
first_record() { [ "$(head -n 1 "$tmp/stream.jsonl" 2> /dev/null | cut -c1-17)" = '{"record":"file",' ]; }
if wait_for 60 first_record; then
  if kill -0 "$pid" 2> /dev/null; then
    ok "the first file's record is written while the run waits on the next file"
  else
    bad "the run ended before the FIFO was written:"; cat "$tmp/stream.err"
  fi
else
  bad "no record within 60 s while the run waits on the FIFO"
fi
[ "$(grep -c . "$tmp/stream.jsonl")" = 1 ] && ok "and only that record so far" ||
  bad "$(grep -c . "$tmp/stream.jsonl") lines before the FIFO was written"
exec 3<> "$tmp/fifo"
cat "$fail" >&3
exec 3>&-
wait "$pid"
rc=$?
pid=
[ "$rc" = 1 ] && ok "the run ends once the FIFO is closed (exit 1: a FAIL)" || bad "exit $rc, want 1"
[ "$(grep -c . "$tmp/stream.jsonl")" = 3 ] && tail -n 1 "$tmp/stream.jsonl" | grep -q '^{"record":"summary",' &&
  ok "then the FIFO's record and the summary" || { bad "after the FIFO:"; cat "$tmp/stream.jsonl"; }

# --- a usage error names jsonl among the formats
expect_exit "an unknown format" 2 "$dfota" check --format xml "$pass"
expect_grep "the formats named" "text, json, jsonl or junit" "$tmp/err"

finish
