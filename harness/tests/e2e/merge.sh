#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota merge, the reduce step: the records of one real `dfota check
# --format jsonl` run over the transcripts/ corpus, split into 1,000 shards
# (each with its own summary record) and merged in two random orders, give
# byte for byte the JSON (and the text and the page) of the merge of the one
# shard that holds everything, with the same summary and exit status as the
# check itself; the same shards joined with cat on standard input too. Then
# the contract around it: a truncated shard, records of another catalogue,
# a shard given twice, a summary that disagrees with its records, a line
# that is not JSON, --fail-on and --exit-zero, -o written atomically, and
# hostile texts escaped on the page.
#
# usage: merge.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# --- one check over the corpus, as one shard
"$dfota" check --format jsonl "$root/transcripts" > "$tmp/all.jsonl" 2> "$tmp/check.err"
check_status=$?
"$python" - "$tmp/all.jsonl" > "$tmp/check.summary" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "the last record ends with a newline"
recs = [json.loads(l) for l in lines[:-1]]
assert recs[-1]["record"] == "summary", "the last record is the summary"
assert all(r["record"] == "file" for r in recs[:-1])
print(json.dumps(recs[-1]["summary"], sort_keys=True))
print(len(recs) - 1)
EOF
n_files=$(sed -n 2p "$tmp/check.summary")
if [ "${n_files:-0}" -gt 300 ]; then
  ok "dfota check --format jsonl wrote $n_files file records and a summary (exit $check_status)"
else
  bad "dfota check --format jsonl over transcripts/: no records"; head -c 2000 "$tmp/check.err"
  finish; exit
fi

expect_exit "merge of the one shard" "$check_status" "$dfota" merge --format json "$tmp/all.jsonl"
cp "$tmp/out" "$tmp/one.json"
"$python" - "$tmp/one.json" "$tmp/check.summary" > "$tmp/agree" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
want = json.loads(open(sys.argv[2]).read().split("\n")[0])
print("summary", "same" if m["summary"] == want else "differs: %s vs %s" % (m["summary"], want))
print("files", m["summary"]["files"], "records", m["records"], "duplicates", m["duplicates"])
EOF
expect_grep "the merged summary is the check's summary" "^summary same$" "$tmp/agree"
expect_grep "every record merged, none a duplicate" "^files $n_files records $n_files duplicates 0$" "$tmp/agree"

# --- 1,000 shards, records dealt at random (seed 15), each with its summary
mkdir -p "$tmp/shards"
"$python" - "$tmp/all.jsonl" "$tmp/shards" <<'EOF'
import json, random, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
summary = json.loads(lines[-1])
files = lines[:-1]
rng = random.Random(15)
rng.shuffle(files)
shards = [[] for _ in range(1000)]
for line in files:
    shards[rng.randrange(1000)].append(line)
count = {"PASS": "passed", "FAIL": "failed", "INCOMPLETE": "incomplete", "INCONCLUSIVE": "incomplete",
         "NOTHING-TO-JUDGE": "nothing_to_judge", "ERROR": "unreadable"}
for i, recs in enumerate(shards):
    s = dict(summary)
    s["summary"] = {k: 0 for k in summary["summary"]}
    s["summary"]["files"] = len(recs)
    for line in recs:
        s["summary"][count[json.loads(line)["verdict"]]] += 1
    with open("%s/shard-%04d.jsonl" % (sys.argv[2], i), "w", encoding="utf-8") as f:
        for line in recs:
            f.write(line + "\n")
        f.write(json.dumps(s, separators=(",", ":")) + "\n")
EOF
ls "$tmp/shards" > "$tmp/names"
[ "$(wc -l < "$tmp/names")" -eq 1000 ] && ok "1000 shards written" || bad "$(wc -l < "$tmp/names") shards"
# two orders: the shards' names shuffled with fixed seeds
shuffled() { # SEED: the shard paths in a random order
  "$python" -c 'import random, sys; n = sys.stdin.read().split(); random.Random(int(sys.argv[1])).shuffle(n); print("\n".join(n))' "$1" < "$tmp/names" | sed "s|^|$tmp/shards/|"
}
mapfile -t order_a < <(shuffled 1)
mapfile -t order_b < <(shuffled 2)
[ "${order_a[0]}" != "${order_b[0]}" ] && ok "two different orders" || bad "the two orders start alike"

for fmt in json text html; do
  expect_exit "merge of 1000 shards, order A, $fmt" "$check_status" "$dfota" merge --format "$fmt" "${order_a[@]}"
  cp "$tmp/out" "$tmp/a.$fmt"
  expect_exit "merge of 1000 shards, order B, $fmt" "$check_status" "$dfota" merge --format "$fmt" "${order_b[@]}"
  cp "$tmp/out" "$tmp/b.$fmt"
  if cmp -s "$tmp/a.$fmt" "$tmp/b.$fmt"; then ok "orders A and B: byte-identical $fmt"; else bad "orders A and B differ in $fmt:"; diff <(tr ',' '\n' < "$tmp/a.$fmt") <(tr ',' '\n' < "$tmp/b.$fmt") | cut -c1-200 | head -20; fi
done
# the one shard and the 1000: the same bytes but the number of shards
expect_grep "order A says 1000 shards" '"shards":1000,' "$tmp/a.json"
sed 's/"shards":1000,/"shards":1,/' "$tmp/a.json" > "$tmp/a1.json"
if cmp -s "$tmp/a1.json" "$tmp/one.json"; then
  ok "1000 shards in random order: the JSON of the one shard with everything, byte for byte"
else
  bad "1000 shards and one shard differ:"; diff <(tr ',' '\n' < "$tmp/a1.json") <(tr ',' '\n' < "$tmp/one.json") | head -20
fi
# joined with cat on standard input: one input, 1000 segments
cat "${order_b[@]}" > "$tmp/joined.jsonl"
expect_exit "the 1000 shards joined on standard input" "$check_status" "$dfota" merge --format json - < "$tmp/joined.jsonl"
if cmp -s "$tmp/out" "$tmp/one.json"; then ok "joined shards on standard input: the same JSON"; else bad "joined shards differ from the one shard"; fi
expect_exit "pretty JSON" "$check_status" "$dfota" merge --format json --pretty "${order_a[@]}"
if "$python" -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(a != b)' "$tmp/out" "$tmp/a.json"; then
  ok "--pretty: the same document, indented"
else
  bad "--pretty says otherwise than the compact JSON"
fi
expect_grep "--pretty is indented" '^  "summary": {$' "$tmp/out"

# --- the contract around it: a shard of 3 records and its summary
head -n 3 "$tmp/all.jsonl" > "$tmp/three.body"
"$python" - "$tmp/all.jsonl" "$tmp/three.body" > "$tmp/three.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
body = open(sys.argv[2], encoding="utf-8").read()
s = json.loads(lines[-1])
count = {"PASS": "passed", "FAIL": "failed", "INCOMPLETE": "incomplete", "INCONCLUSIVE": "incomplete",
         "NOTHING-TO-JUDGE": "nothing_to_judge", "ERROR": "unreadable"}
s["summary"] = {k: 0 for k in s["summary"]}
for line in body.split("\n")[:-1]:
    s["summary"]["files"] += 1
    s["summary"][count[json.loads(line)["verdict"]]] += 1
sys.stdout.write(body + json.dumps(s, separators=(",", ":")) + "\n")
EOF
three_status=$("$python" -c '
import json, sys
v = [json.loads(l)["verdict"] for l in open(sys.argv[1]) if "\"record\":\"file\"" in l]
print(2 if "ERROR" in v else 1 if "FAIL" in v else 3 if set(v) & {"INCOMPLETE", "INCONCLUSIVE", "NOTHING-TO-JUDGE"} else 0)' "$tmp/three.jsonl")
expect_exit "a shard of three files: the exit status their verdicts call for" "$three_status" "$dfota" merge "$tmp/three.jsonl"
expect_grep "text: the files by verdict" "^3 files: " "$tmp/out"

# truncated: no summary at the end
cp "$tmp/three.body" "$tmp/cut.jsonl"
expect_exit "a shard with no summary record" 2 "$dfota" merge "$tmp/three.jsonl" "$tmp/cut.jsonl"
expect_grep "it is named as truncated, with its line" "cut.jsonl:3: truncated: its last record is a file record" "$tmp/err"
expect_exit "--allow-truncated merges it" "$three_status" "$dfota" merge --allow-truncated --format json "$tmp/cut.jsonl"
expect_grep "and counts it" '"truncated":{"shards":1,"names":\["[^"]*cut.jsonl"\]}' "$tmp/out"
# a line cut by a worker that died while writing it
{ cat "$tmp/three.body"; head -c 40 "$tmp/three.body"; } > "$tmp/cutline.jsonl"
expect_exit "a last line cut short" 2 "$dfota" merge "$tmp/cutline.jsonl"
expect_grep "it is named" "cutline.jsonl:4: truncated: the last line is cut" "$tmp/err"

# records of another catalogue (other files: the same ones would be duplicates)
sed 's/"catalogue":"[^"]*"/"catalogue":"fnv1a64:0000000000000000"/; s/"key":"/"key":"other\//' "$tmp/three.jsonl" > "$tmp/other.jsonl"
expect_exit "another catalogue" 2 "$dfota" merge "$tmp/three.jsonl" "$tmp/other.jsonl"
expect_grep "named with SHARD:LINE, what it found and what the first record said" \
  'other.jsonl:1: catalogue "fnv1a64:0000000000000000", where .*three.jsonl:1 said "fnv1a64:[0-9a-f]*"' "$tmp/err"
expect_exit "--allow-mixed merges them" "$three_status" "$dfota" merge --allow-mixed --format json "$tmp/three.jsonl" "$tmp/other.jsonl"
"$python" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["combinations"]), [c["files"] for c in d["combinations"]], d["catalogue"])' "$tmp/out" > "$tmp/combos"
expect_grep "and lists both combinations with their files" "^2 \[3, 3\] None$" "$tmp/combos"

# a shard given twice: its files counted once
expect_exit "a shard given twice" "$three_status" "$dfota" merge --format json "$tmp/three.jsonl" "$tmp/three.jsonl"
expect_grep "three duplicates, none differing" '"records":6,"duplicates":3,"duplicates_differing":0' "$tmp/out"
expect_grep "the files counted once" '"summary":{"files":3,' "$tmp/out"

# the same key judged otherwise in two shards (a task retried on other
# logs): which one counts would depend on the order, so both orders exit 2
# and name it, even with --exit-zero
"$python" - "$tmp/three.jsonl" "$tmp/redo.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
first = recs[0]
first["verdict"] = "FAIL" if first["verdict"] != "FAIL" else "PASS"
summ = recs[-1]
summ["summary"] = {"files": 1, "passed": int(first["verdict"] == "PASS"), "failed": int(first["verdict"] == "FAIL"),
                   "incomplete": 0, "nothing_to_judge": 0, "unreadable": 0}
with open(sys.argv[2], "w") as f:
    for r in (first, summ):
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
PY
expect_exit "a key judged otherwise, one order" 2 "$dfota" merge --exit-zero "$tmp/three.jsonl" "$tmp/redo.jsonl"
expect_grep "it is said" "judged otherwise" "$tmp/err"
expect_exit "a key judged otherwise, the other order" 2 "$dfota" merge --exit-zero "$tmp/redo.jsonl" "$tmp/three.jsonl"

# two logs whose paths share their first 1,100 bytes (deep folders, as an
# object store's prefixes make): each keeps its own key, whole, so the
# merge counts two files and the FAIL, not one "duplicate"
deep=$tmp/deep
for i in $(seq 1 12); do deep=$deep/$(printf 'prefix-%02d-%080d' "$i" 0); done
mkdir -p "$deep"
cp "$root/transcripts/rules/SEQ-END/fail-end-twice-raw.log" "$deep/a.log"
cp "$root/transcripts/guide/$(ls "$root/transcripts/guide" | head -n 1)" "$deep/b.log"
printf '%s\n' "$deep/a.log" "$deep/b.log" > "$tmp/deep.list"
"$dfota" check --format jsonl --exit-zero --files-from "$tmp/deep.list" > "$tmp/deep.jsonl" 2>/dev/null
expect_exit "long paths: merged as two files" 1 "$dfota" merge --format json "$tmp/deep.jsonl"
expect_grep "no duplicate made of two cut keys" '"duplicates":0,' "$tmp/out"
expect_grep "the FAIL counted" '"failed":1,' "$tmp/out"

# a summary that disagrees with its records: said, merged
sed 's/"summary":{"files":3,/"summary":{"files":4,/' "$tmp/three.jsonl" > "$tmp/liar.jsonl"
expect_exit "a summary that disagrees" "$three_status" "$dfota" merge "$tmp/liar.jsonl"
expect_grep "said on standard error with both counts" "liar.jsonl:4: the summary says 4 files .*, its file records 3 files" "$tmp/err"
expect_grep "and in the summary" "1 shard whose summary disagrees with its file records: .*liar.jsonl" "$tmp/out"

# a line that is not JSON
{ head -n 1 "$tmp/three.jsonl"; printf '{"record":"file",\n'; tail -n 1 "$tmp/three.jsonl"; } > "$tmp/broken.jsonl"
expect_exit "a line that is not JSON" 2 "$dfota" merge "$tmp/broken.jsonl"
expect_grep "named with its line" "broken.jsonl:2: not JSON: " "$tmp/err"
expect_exit "a shard that does not exist" 2 "$dfota" merge "$tmp/nope.jsonl"
expect_grep "it is named" "nope.jsonl: cannot open" "$tmp/err"
expect_exit "no shard given" 2 "$dfota" merge
expect_exit "--top over 100" 2 "$dfota" merge --top 101 "$tmp/three.jsonl"
expect_exit "an unknown format" 2 "$dfota" merge --format xml "$tmp/three.jsonl"
expect_exit "--max-line too small for a record" 2 "$dfota" merge --max-line 1KiB "$tmp/all.jsonl"
expect_grep "the long line is named" "all.jsonl:[0-9]*: a line longer than 1024 bytes" "$tmp/err"

# --fail-on and --exit-zero over a FAIL
fail_line=$(grep -m1 '"verdict":"FAIL"' "$tmp/all.jsonl")
inc_line=$(grep -m1 '"verdict":"INCOMPLETE"' "$tmp/all.jsonl")
summary_of() { # FAILED INCOMPLETE: the summary record of all.jsonl with these counts
  tail -n 1 "$tmp/all.jsonl" | sed "s/\"summary\":{[^}]*}/\"summary\":{\"files\":$(($1 + $2)),\"passed\":0,\"failed\":$1,\"incomplete\":$2,\"nothing_to_judge\":0,\"unreadable\":0}/"
}
{ echo "$fail_line"; echo "$inc_line"; summary_of 1 1; } > "$tmp/fail.jsonl"
{ echo "$inc_line"; summary_of 0 1; } > "$tmp/inc.jsonl"
expect_exit "a FAIL: exit 1" 1 "$dfota" merge "$tmp/fail.jsonl"
expect_exit "--fail-on fail, a FAIL: exit 1" 1 "$dfota" merge --fail-on fail "$tmp/fail.jsonl"
expect_exit "--exit-zero, a FAIL: exit 0" 0 "$dfota" merge --exit-zero "$tmp/fail.jsonl"
expect_exit "--fail-on none, a FAIL: exit 0" 0 "$dfota" merge --fail-on none "$tmp/fail.jsonl"
expect_exit "INCOMPLETE: exit 3" 3 "$dfota" merge "$tmp/inc.jsonl"
expect_exit "--fail-on fail, INCOMPLETE: exit 0" 0 "$dfota" merge --fail-on fail "$tmp/inc.jsonl"
expect_exit "--exit-zero does not hide a truncated shard" 2 "$dfota" merge --exit-zero "$tmp/cut.jsonl"

# -o: written atomically, as dfota check -o
expect_exit "-o a file" 1 "$dfota" merge --format html -o "$tmp/merged.html" "$tmp/fail.jsonl"
[ -s "$tmp/merged.html" ] && [ ! -s "$tmp/out" ] && ok "-o: the page in the file, nothing on standard output" || bad "-o did not write the file"
# the atomic writer's temporary is PATH.tmpPID (files.c), beside the output
ls -A "$tmp" | grep -q '^merged\.html\.' && bad "-o left a temporary file: $(ls -A "$tmp" | grep '^merged\.html\.')" || ok "-o left no temporary file"
expect_exit "-o into a folder that does not exist" 2 "$dfota" merge -o "$tmp/no/such/dir/m.json" "$tmp/fail.jsonl"
expect_grep "it says so" "cannot write .*m.json" "$tmp/err"
echo old > "$tmp/keep.json"
expect_exit "a failed merge" 2 "$dfota" merge -o "$tmp/keep.json" "$tmp/broken.jsonl"
[ "$(cat "$tmp/keep.json")" = old ] && ok "a failed merge leaves the old output as it was" || bad "a failed merge replaced the output"

# hostile texts from a shard: escaped on the page, in the text and in JSON
"$python" - "$tmp/fail.jsonl" > "$tmp/hostile.jsonl" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
r = json.loads(lines[0])
r["key"] = "<script>alert(1)</script>\u001b[31m\u202e.log"
r["firmware"] = {"before": "<img src=x onerror=alert(1)>", "after": None}
print(json.dumps(r, separators=(",", ":")))
for l in lines[1:]:
    print(l)
EOF
expect_exit "hostile texts, html" 1 "$dfota" merge --format html "$tmp/hostile.jsonl"
if grep -q '<script\|<img' "$tmp/out"; then bad "the page holds a tag from the shard"; grep -o '.\{20\}<script.\{20\}\|.\{20\}<img.\{20\}' "$tmp/out" | head -3; else ok "the page holds no tag from the shard"; fi
expect_grep "the key is on the page, escaped" '&lt;script&gt;alert(1)&lt;/script&gt;\\x1b\[31m\\xe2\\x80\\xae.log' "$tmp/out"
expect_grep "and its Content-Security-Policy" "Content-Security-Policy\" content=\"default-src 'none'" "$tmp/out"
expect_exit "hostile texts, text" 1 "$dfota" merge --color "$tmp/hostile.jsonl"
# the key's own ESC follows "</script>": raw, it would be there (dfota's
# colours are its own, \e[1;31m, never after the key's text)
if LC_ALL=C grep -q $'</script>\x1b' "$tmp/out"; then bad "the terminal got the shard's escape sequence"; else ok "the terminal gets no escape sequence from the shard"; fi
expect_grep "the key shown escaped" '<script>alert(1)</script>\\x1b\[31m\\xe2\\x80\\xae.log' "$tmp/out"
finish
