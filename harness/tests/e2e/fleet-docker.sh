#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fleet-docker: what can be checked of contrib/docker/Dockerfile without a
# container engine (there is none on the project's CI): it starts from
# Debian 12; it builds with the project's own scripts/install-deps.sh, and
# any package it names for apt-get is one install-deps.sh installs; its
# entry point is the path where the Debian package installs dfota
# (packaging/cpack.cmake's prefix + bin/dfota), and the dfota that
# `cmake --install` puts there under that prefix runs the entry point:
# it judges a failing transcript FAIL (exit 1) and shows the default
# CMD's --help (exit 0).
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
# shellcheck source=lib/fleet.bash
source "$(dirname "$0")/lib/fleet.bash"
e2e_begin "$@"
fleet_python
build=$(cd "$(dirname "$dfota")" && pwd)

if "$python" - "$root" > "$tmp/facts" 2>&1 <<'PY'
import json, os, re, shlex, sys
root = sys.argv[1]
text = open(os.path.join(root, "contrib/docker/Dockerfile"), encoding="utf-8").read()
# Dockerfile instructions: comments dropped, continuation lines joined.
lines = [l for l in text.splitlines() if not l.lstrip().startswith("#")]
instr = re.sub(r"\\\n", " ", "\n".join(lines)).splitlines()
instr = [i.strip() for i in instr if i.strip()]
froms = [i.split()[1] for i in instr if i.upper().startswith("FROM ")]
bad = [f for f in froms if f not in ("debian:12", "debian:bookworm", "debian:12-slim", "debian:bookworm-slim")]
if not froms or bad:
    sys.exit(f"FROM is not Debian 12: {froms}")
runs = " && ".join(i[4:] for i in instr if i.upper().startswith("RUN "))
if "scripts/install-deps.sh" not in runs:
    sys.exit("the build does not run scripts/install-deps.sh")
deps = open(os.path.join(root, "scripts/install-deps.sh"), encoding="utf-8").read()
array = deps[deps.index("packages=(") + len("packages=("):]
array = array[:array.index("\n)")]
known = set(w for l in array.splitlines() for w in l.split("#")[0].split())
named = []
for cmd in re.split(r"&&|;|\|\|", runs):
    words = shlex.split(cmd)
    if len(words) >= 2 and words[0] == "apt-get" and words[1] == "install":
        named += [w for w in words[2:] if not w.startswith("-") and not w.startswith(("/", "./"))]
unknown = [p for p in named if p not in known]
if unknown:
    sys.exit(f"the Dockerfile installs packages install-deps.sh does not: {unknown}")
entry = [i for i in instr if i.upper().startswith("ENTRYPOINT ")]
cmd = [i for i in instr if i.upper().startswith("CMD ")]
if len(entry) != 1 or len(cmd) != 1:
    sys.exit(f"want one ENTRYPOINT and one CMD: {entry} {cmd}")
entry = json.loads(entry[0].split(None, 1)[1])
cmd = json.loads(cmd[0].split(None, 1)[1])
cpack = open(os.path.join(root, "packaging/cpack.cmake"), encoding="utf-8").read()
prefix = re.search(r"set\(CPACK_PACKAGING_INSTALL_PREFIX\s+(\S+)\)", cpack).group(1)
if entry[0] != prefix + "/bin/dfota" or entry[1:] != ["check"]:
    sys.exit(f"ENTRYPOINT {entry}, want [{prefix}/bin/dfota, check]")
print(prefix)
print(" ".join(cmd))
print(len(named))
PY
then
  { read -r prefix; read -r cmd; read -r named; } < "$tmp/facts"
  ok "Dockerfile: Debian 12, install-deps.sh, $named packages named (all install-deps.sh's), ENTRYPOINT $prefix/bin/dfota check"
else
  bad "Dockerfile:"; cat "$tmp/facts"; finish; exit
fi

expect_exit "cmake --install under the package's prefix" 0 \
  env DESTDIR="$tmp/stage" cmake --install "$build" --prefix "$prefix"
entry=$tmp/stage$prefix/bin/dfota
# shellcheck disable=SC2086 # CMD's words
expect_exit "the entry point with the default CMD ($cmd)" 0 "$entry" check $cmd
expect_grep "which is check's help" '^usage: dfota check' "$tmp/out"
expect_exit "the entry point judges a failing log FAIL" 1 \
  "$entry" check "$root/transcripts/rules/CODE-HTTP/fail-httpend-403-raw.log"
expect_grep "naming its rule" 'FAIL CODE-HTTP' "$tmp/out"

finish
