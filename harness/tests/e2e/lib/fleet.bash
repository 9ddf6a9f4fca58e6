# SPDX-License-Identifier: MIT
# fleet.bash - what the fleet tests (fleet-dask.sh, fleet-parallel.sh) share:
# a generated corpus of small logs with a mix of verdicts, and the check
# that a distributed run's shards and merged summary agree, file for file,
# with one direct `dfota check` over the same list.
# Needs assert.bash sourced and e2e_begin run first ($tmp, $root, $dfota).

# fleet_corpus N DIR LIST [unreadable]: writes N small logs (a few KB each)
# under DIR, half passing sessions from bench/gen-sessions.c, half copies of
# the project's transcripts under 4 KB (FAIL, INCOMPLETE, INCONCLUSIVE,
# nothing to judge, PASS); LIST gets their paths, one a line, and with
# "unreadable" also one path that does not exist. Returns non-zero when it
# cannot.
fleet_corpus() {
  local n=$1 dir=$2 list=$3 unreadable=${4:-} seed fmt
  mkdir -p "$dir/tpl" || return 1
  cc -O2 -std=c11 -o "$tmp/gen-sessions" "$root/bench/gen-sessions.c" || return 1
  for seed in 1 2 3 4 5 6 7 8; do
    for fmt in transcript raw stamped; do
      "$tmp/gen-sessions" -s "$seed" -f "$fmt" 0.002 "$dir/tpl/pass-$seed-$fmt.log" || return 1
    done
  done
  "$python" - "$n" "$dir" "$list" "$root/transcripts" "$unreadable" <<'PY'
import os, sys
n, out, listpath, transcripts, unreadable = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
tpl = os.path.join(out, "tpl")
passing = sorted(os.path.join(tpl, f) for f in os.listdir(tpl))
others = []
for sub in ("rules", "flows", "field", "formats"):
    for top, dirs, files in os.walk(os.path.join(transcripts, sub)):
        for f in files:
            p = os.path.join(top, f)
            if os.path.getsize(p) < 4096:
                others.append(p)
others.sort()
if len(passing) < 8 or len(others) < 50:
    sys.exit(f"corpus: too few templates ({len(passing)} generated, {len(others)} transcripts)")
data = {p: open(p, "rb").read() for p in passing + others}
paths = []
for i in range(n):
    src = passing[(i // 2) % len(passing)] if i % 2 == 0 else others[(i // 2) % len(others)]
    d = os.path.join(out, "d%03d" % (i % 200))
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "%06d-%s" % (i, os.path.basename(src)))
    with open(p, "wb") as f:
        f.write(data[src])
    paths.append(p)
if unreadable:
    paths.insert(n // 3, os.path.join(out, "gone", "missing.log"))
with open(listpath, "w") as f:
    f.write("".join(p + "\n" for p in paths))
PY
}

# fleet_setup N [unreadable]: the corpus of N logs under $tmp/corpus (and
# with "unreadable" a path that does not exist), its list in $tmp/list, and
# one direct dfota check over it in $tmp/direct.jsonl. Returns 1 when the
# corpus cannot be made (the caller stops).
fleet_setup() {
  fleet_unreadable=${2:-}
  if fleet_corpus "$1" "$tmp/corpus" "$tmp/list" "$fleet_unreadable"; then
    ok "corpus of $(wc -l < "$tmp/list") logs generated"
  else
    bad "the corpus could not be generated"; return 1
  fi
  expect_exit "direct dfota check over the list" 0 \
    "$dfota" check --format jsonl --exit-zero --files-from "$tmp/list"
  cp "$tmp/out" "$tmp/direct.jsonl"
}

# fleet_compare NAME DIRECT_JSONL SUMMARY_JSON SHARD...: the shards' file
# records (key -> verdict) are those of the direct run, no key twice, every
# shard ends with its summary record, the corpus has its mix of verdicts,
# (an ERROR too after fleet_setup N unreadable), and the merged summary's
# counts are the direct run's.
fleet_compare() {
  local name=$1 direct=$2 merged=$3; shift 3
  if "$python" - "$fleet_unreadable" "$direct" "$merged" "$@" > "$tmp/compare" 2>&1 <<'PY'
import collections, json, sys
unreadable, direct, merged, shards = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def records(path):
    recs = [json.loads(line) for line in open(path, encoding="utf-8")]
    if not recs or recs[-1].get("record") != "summary":
        sys.exit(f"{path}: no summary record on its last line")
    files = recs[:-1]
    bad = [r for r in files if r.get("record") != "file"]
    if bad:
        sys.exit(f"{path}: a record that is not a file record before the summary: {bad[0]}")
    return files, recs[-1]

want_files, want_summary = records(direct)
want = {r["key"]: r["verdict"] for r in want_files}
if len(want) != len(want_files):
    sys.exit("the direct run names a key twice")
got = {}
for s in shards:
    files, _ = records(s)
    for r in files:
        if r["key"] in got:
            sys.exit(f"{r['key']} judged twice (in {s})")
        got[r["key"]] = r["verdict"]
missing = sorted(set(want) - set(got))
extra = sorted(set(got) - set(want))
differ = sorted(k for k in set(want) & set(got) if want[k] != got[k])
if missing or extra or differ:
    sys.exit(f"{len(missing)} keys missing (e.g. {missing[:3]}), {len(extra)} extra (e.g. {extra[:3]}), "
             f"{len(differ)} other verdicts (e.g. {[(k, want[k], got[k]) for k in differ[:3]]})")
mix = collections.Counter(want.values())
for verdict in ("PASS", "FAIL", "INCOMPLETE") + (("ERROR",) if unreadable else ()):
    if not mix[verdict]:
        sys.exit(f"the corpus has no {verdict} file: {dict(mix)}")
summary = json.load(open(merged, encoding="utf-8"))["summary"]
counts = want_summary["summary"]
diff = {k: (v, summary.get(k)) for k, v in counts.items() if summary.get(k) != v}
if diff or counts["files"] != len(want):
    sys.exit(f"merged summary differs from the direct run's (direct, merged): {diff}; {len(want)} files")
print(f"{len(got)} files, {len(shards)} shards, verdicts {dict(sorted(mix.items()))}, summary {counts}")
PY
  then ok "$name: $(cat "$tmp/compare")"; else bad "$name:"; cat "$tmp/compare"; fi
}

# fleet_python: sets python to an interpreter with the Debian packages'
# modules (the system one, whatever python3 comes first on PATH).
fleet_python() {
  python=/usr/bin/python3
  [ -x "$python" ] || python=python3
}
