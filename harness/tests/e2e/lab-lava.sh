#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The LAVA test definition (contrib/lava/dfota.yaml), run as a LAVA worker
# runs it, against a module it cannot tell from hardware: a background
# 'dfota emulate' behind a pseudo-terminal stands for the module's AT port.
# The definition's YAML is read with python3 and turned into a run.sh the way
# lava-dispatcher 2023.01 writes one (its params as shell variables, the job's
# parameters after them, set -e, the run steps); stand-ins for
# lava-test-case, lava-test-reference and lava-test-raise record their
# arguments. Checked: each scenario gives exactly one lava-test-case, with the
# result that its verdict in dfota's report.json maps to; a module FAIL is
# fail; harness trouble (exit 4) is never fail but raised (an Incomplete
# job); the report folder is uploaded and attached as a reference. The
# definition and an example job also pass LAVA's own schema checks
# (Debian's lava-common).
#
# usage: lab-lava.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
em_pid=
put_pid=
fx=$tmp/fx
e2e_cleanup() {
  stop_all "$em_pid" "$put_pid"
  bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
def=$root/contrib/lava/dfota.yaml
scale=0.02

# --- LAVA's schema checks (lava-common) ------------------------------------
if ! "$python" -c 'import lava_common.schemas' 2> /dev/null; then
  bad "lava-common is not installed (Debian package lava-common; scripts/install-deps.sh)"
else
  if "$python" - "$def" > "$tmp/schema.out" 2>&1 <<'EOF'
import sys, yaml
from lava_common.schemas.test import testdef
testdef.validate(yaml.safe_load(open(sys.argv[1])))
EOF
  then ok "the definition passes lava-common's test definition schema"
  else bad "the definition fails lava-common's schema:"; cat "$tmp/schema.out"; fi
  # The control: the checker refuses a definition without its format.
  if "$python" - "$def" > "$tmp/schema.out" 2>&1 <<'EOF'
import sys, yaml
from lava_common.schemas.test import testdef
d = yaml.safe_load(open(sys.argv[1]))
del d["metadata"]["format"]
testdef.validate(d)
EOF
  then bad "control: lava-common accepted a definition without metadata.format"
  else ok "control: lava-common refuses a definition without metadata.format"; fi
  for job in "$root"/contrib/lava/job-*.yaml; do
    if "$python" - "$job" > "$tmp/schema.out" 2>&1 <<'EOF'
import sys, yaml
from lava_common import schemas
schemas.validate(yaml.safe_load(open(sys.argv[1])), strict=True)
EOF
    then ok "the example job $(basename "$job") passes lava-common's job schema"
    else bad "the example job $(basename "$job") fails lava-common's job schema:"; cat "$tmp/schema.out"; fi
  done
fi

# --- the bench: fixture servers, a module, the LAVA stand-ins ---------------
if ! bash "$root/fixtures/servers.sh" start "$fx" > "$tmp/fx.log" 2>&1; then
  bad "the fixture servers did not start: $(cat "$tmp/fx.log")"; finish; exit
fi
# shellcheck source=/dev/null
. "$fx/servers.env"

# The fixture servers' real ports, for the module's downloads.
connect=()
for v in FTP_CONNECT_TO FTP_DEFAULT_CONNECT_TO HTTP_CONNECT_TO HTTP_DEFAULT_CONNECT_TO; do
  connect+=(--connect-to "${!v}")
done
start_module() { # [EMULATE-ARGS...]: one module, on v12, behind $tmp/tty
  rm -f "$tmp/tty"
  "$dfota" emulate --link "$tmp/tty" --time-scale $scale --ufs "$UFS_DIR" "${connect[@]}" "$@" \
    > "$tmp/emulate.out" 2>&1 &
  em_pid=$!
  wait_for 60 test -L "$tmp/tty" || { bad "no link after 60 s"; cat "$tmp/emulate.out"; }
}
stop_module() { stop_all "$em_pid"; em_pid=; }

mkdir "$tmp/bin"
for t in lava-test-case lava-test-reference lava-test-raise; do
  # each call is one line: the tool, then its arguments, tab-separated
  printf '#!/bin/sh\n(printf %%s %s; printf "\\t%%s" "$@"; echo) >> "$LAVA_CALLS"\n' "$t" > "$tmp/bin/$t"
  [ "$t" = lava-test-raise ] && echo 'exit 1' >> "$tmp/bin/$t"
  chmod +x "$tmp/bin/$t"
done

# A server on loopback that takes the report's upload (HTTP PUT).
mkdir "$tmp/up"
"$python" - "$tmp/up" "$tmp/put.port" > "$tmp/put.log" 2>&1 <<'EOF' &
import http.server, os, sys
root = sys.argv[1]
class Put(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", 0))
        name = os.path.basename(self.path)
        with open(os.path.join(root, name), "wb") as f:
            f.write(self.rfile.read(n))
        self.send_response(201); self.end_headers()
s = http.server.HTTPServer(("127.0.0.1", 0), Put)
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
EOF
put_pid=$!
wait_for 60 test -s "$tmp/put.port" || bad "the upload server did not start: $(cat "$tmp/put.log")"

# Three scenarios that run on a serial port and one that does not (it
# needs the emulator's faults): that one is a skip.
mkdir "$tmp/sc"
for s in 3-test-command 3.1-bad-url-empty 3.1-ftp-upgrade-explicit-port 4-ftp-download-failure-601; do
  cp "$root/scenarios/$s.yaml" "$tmp/sc/"
done

# lava_run NAME VAR=VALUE...: runs the definition's steps as LAVA's run.sh
# would, in the repository, with the job's parameters; $tmp/NAME.calls holds
# the stand-ins' calls, $tmp/NAME.out the log, $tmp/NAME.rc the status.
lava_run() {
  local name=$1; shift
  mkdir -p "$tmp/$name.reports"
  "$python" - "$def" DFOTA="$dfota" DFOTA_REPORT_ROOT="$tmp/$name.reports" \
    DFOTA_SCENARIOS="$tmp/sc" DFOTA_PACKAGES="$root/fixtures/packages.yaml" "$@" \
    > "$tmp/$name.run.sh" <<'EOF'
import shlex, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
print("###default parameters from test definition###")
for k, v in (d.get("params") or {}).items():
    print("%s='%s'" % (k, v or ""))   # as lava-dispatcher writes them
print("###test parameters from job submission###")
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1)
    print("%s=%s" % (k, shlex.quote(v)))
print("set -e")
for step in d["run"]["steps"]:
    print(step)
EOF
  : > "$tmp/$name.calls"
  (cd "$root" && LAVA_CALLS="$tmp/$name.calls" PATH="$tmp/bin:$PATH" \
    timeout 200 bash "$tmp/$name.run.sh" > "$tmp/$name.out" 2>&1)
  echo $? > "$tmp/$name.rc"
}

# check_cases NAME: one lava-test-case per scenario of $tmp/sc and per
# preparation, each with the result its report.json verdict maps to (a
# scenario absent from the report: skip); prints the case lines it checked.
check_cases() {
  local name=$1 json
  json=$(ls "$tmp/$name.reports"/dfota-lava.*/{run,failed-run}-*/report.json 2> /dev/null | head -n 1)
  if [ -z "$json" ]; then bad "$name: no report.json"; cat "$tmp/$name.out"; return; fi
  if "$python" - "$json" "$tmp/$name.calls" "$tmp/sc" > "$tmp/$name.check" 2>&1 <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
calls = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
cases = [c for c in calls if c[0] == "lava-test-case"]
for c in cases:
    assert len(c) == 4 and c[2] == "--result", c
got = {}
for c in cases:
    got.setdefault(c[1], []).append(c[3])
want = {}
for s in r["scenarios"]:
    v = s["verdict"]
    judged = any(st["verdict"] != "N/A" for st in s["steps"])
    want[s["name"]] = {"PASS": "pass", "FAIL": "fail", "INCOMPLETE": "unknown"}.get(
        v, "unknown" if judged else "skip")
for f in os.listdir(sys.argv[3]):
    want.setdefault(f[:-len(".yaml")], "skip")
for n, res in want.items():
    assert got.get(n) == [res], "%s: got %s, want exactly one %s" % (n, got.get(n), res)
assert set(got) == set(want), "cases for no scenario: %s" % (set(got) - set(want))
for n in sorted(want):
    print(n, want[n])
EOF
  then ok "$name: one lava-test-case per scenario, each as report.json says ($(tr '\n' ' ' < "$tmp/$name.check"))"
  else bad "$name: the cases do not match report.json:"; cat "$tmp/$name.check" "$tmp/$name.calls" "$tmp/$name.out"; fi
}

# (a) A module that follows the guide: pass, pass, pass, and skip for the
# scenario a serial port cannot run; the report is uploaded and attached.
port=$(cat "$tmp/put.port" 2> /dev/null)
start_module
lava_run a DFOTA_PORT="$tmp/tty,time-scale=$scale" DFOTA_UPLOAD_URL="http://127.0.0.1:$port/up"
stop_module
if [ "$(cat "$tmp/a.rc")" = 0 ]; then ok "(a) the run steps end 0"; else bad "(a) run.sh exit $(cat "$tmp/a.rc")"; cat "$tmp/a.out"; fi
check_cases a
expect_grep "(a) the passing upgrade is a pass" "^lava-test-case	3.1-ftp-upgrade-explicit-port	--result	pass$" "$tmp/a.calls"
expect_grep "(a) the emulator-only scenario is a skip" "^lava-test-case	4-ftp-download-failure-601	--result	skip$" "$tmp/a.calls"
if grep -q "^lava-test-raise" "$tmp/a.calls"; then bad "(a) raised:"; cat "$tmp/a.calls"; else ok "(a) nothing raised"; fi
expect_grep "(a) the report is attached as a reference to its upload" \
  "^lava-test-reference	dfota-report	--result	pass	--reference	http://127.0.0.1:$port/up/run-.*\.tar\.gz$" "$tmp/a.calls"
up=$(ls "$tmp"/up/run-*.tar.gz 2> /dev/null | head -n 1)
if [ -n "$up" ] && tar -tzf "$up" | grep -q '^run-[^/]*/report\.json$' && tar -tzf "$up" | grep -q '/transcripts/3.1-ftp-upgrade-explicit-port.transcript$'; then
  ok "(a) the uploaded tarball holds report.json and the transcripts"
else bad "(a) no uploaded report: $(ls "$tmp/up")"; fi

# (b) A module that breaks the guide (END before 100%): that scenario is a
# fail, the others still pass; a module FAIL is not a broken job.
start_module --fault end-before-100
lava_run b DFOTA_PORT="$tmp/tty,time-scale=$scale"
stop_module
if [ "$(cat "$tmp/b.rc")" = 0 ]; then ok "(b) the run steps end 0 (the verdicts are in the cases)"; else bad "(b) run.sh exit $(cat "$tmp/b.rc")"; cat "$tmp/b.out"; fi
check_cases b
expect_grep "(b) the module's FAIL is a fail" "^lava-test-case	3.1-ftp-upgrade-explicit-port	--result	fail$" "$tmp/b.calls"

# (c) Harness trouble: the port is not there. dfota exits 4; no scenario is
# a fail, and the job is raised (Incomplete), naming harness trouble.
lava_run c DFOTA_PORT="$tmp/no-such-tty"
if [ "$(cat "$tmp/c.rc")" != 0 ]; then ok "(c) the run steps stop (exit $(cat "$tmp/c.rc"))"; else bad "(c) run.sh ended 0"; fi
expect_grep "(c) dfota run said exit 4" "dfota run exit status 4" "$tmp/c.out"
if grep -q "	--result	fail$" "$tmp/c.calls"; then bad "(c) harness trouble reported as fail:"; cat "$tmp/c.calls"
else ok "(c) harness trouble is no lava-test-case fail"; fi
expect_grep "(c) it is raised as harness trouble" "^lava-test-raise	dfota-lava: dfota run: harness trouble (exit 4)" "$tmp/c.calls"
if ls "$tmp/c.reports"/dfota-lava.*/{run,failed-run}-*/report.json > /dev/null 2>&1; then check_cases c; fi

# (e) Harness trouble in the middle of a run: with --preflight the bench
# checks each package from this host before the module is asked for it, and
# the map's FTP server is not reachable from here (the module reaches it
# through the emulator's --connect-to). That scenario is ERROR in
# report.json, a skip here (none of its steps judged); the others still
# pass; the job is raised, and nothing is a fail.
start_module
lava_run e DFOTA_PORT="$tmp/tty,time-scale=$scale" DFOTA_ARGS=--preflight
stop_module
check_cases e
expect_grep "(e) the scenario the bench could not prepare is a skip" "^lava-test-case	3.1-ftp-upgrade-explicit-port	--result	skip$" "$tmp/e.calls"
expect_grep "(e) the others still pass" "^lava-test-case	3-test-command	--result	pass$" "$tmp/e.calls"
if grep -q "	--result	fail$" "$tmp/e.calls"; then bad "(e) harness trouble reported as fail:"; cat "$tmp/e.calls"
else ok "(e) harness trouble is no lava-test-case fail"; fi
expect_grep "(e) and the job is raised, after the cases" "^lava-test-raise	dfota-lava: dfota run: harness trouble (exit 4), .*; 4 cases reported" "$tmp/e.calls"

# (d) The dry run: DFOTA_PORT=emulator runs each scenario on dfota's own
# emulator (virtual time), the emulator-only scenario included, with the
# fixtures' own map (DFOTA_PACKAGES empty).
lava_run d DFOTA_PORT=emulator DFOTA_PACKAGES=
if [ "$(cat "$tmp/d.rc")" = 0 ]; then ok "(d) the dry run ends 0"; else bad "(d) run.sh exit $(cat "$tmp/d.rc")"; cat "$tmp/d.out"; fi
check_cases d
expect_grep "(d) on the emulator the 601 scenario runs and passes" "^lava-test-case	4-ftp-download-failure-601	--result	pass$" "$tmp/d.calls"
finish
