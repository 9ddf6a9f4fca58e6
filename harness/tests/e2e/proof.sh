#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# proof.sh - proves the harness can fail: each scenario in proof/ is valid
# (a correct module passes it) but makes the emulator misbehave with one
# fault; its first line "# proof: RULE-ID" names the rule that must catch it.
# Each run must FAIL (exit 1) with the rule in scenarios[0].failed_rules, or,
# for a WARN-level rule, show the rule as WARN in scenarios[0].rules.
# Controls: the same scenarios without their faults block must PASS.
# Prints a table rule -> fault -> caught/missed; every rule of the catalogue
# must have a proof here or in host-rules.sh (the HOST-* rules), else FAIL.
# usage: bash proof.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
proofs=$here/proof
fx=
e2e_cleanup() {
  if [ -n "$fx" ]; then bash "$root/fixtures/servers.sh" stop "$fx" > /dev/null 2>&1; fi
}

ufs=$tmp/ufs
mkdir -p "$ufs"
if ! "$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$ufs/update.zip" > "$tmp/pkg.log" 2>&1; then
  bad "package: $(cat "$tmp/pkg.log")"
  finish; exit
fi
run_opts=(--source emulator --format json --ufs "$ufs")

# The fixture servers, only when a proof scenario says "# needs: servers".
if grep -lq '^# needs: servers' "$proofs"/*.yaml; then
  fx=$tmp/fx
  if ! bash "$root/fixtures/servers.sh" start "$fx" > "$tmp/fx.log" 2>&1; then
    bad "the fixture servers did not start: $(cat "$tmp/fx.log")"
    finish; exit
  fi
  # shellcheck source=/dev/null
  . "$fx/servers.env"
  run_opts=(--source emulator --format json --ufs "$UFS_DIR"
    --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO"
    --connect-to "$HTTP_CONNECT_TO" --connect-to "$HTTP_DEFAULT_CONNECT_TO")
  cp "$ufs/update.zip" "$UFS_DIR/update.zip"
fi

# verdict JSON RULE: prints "failed", "warn" or "no" for RULE in scenario 0.
verdict() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))["scenarios"][0]
except Exception:
    print("no"); sys.exit()
rule = sys.argv[2]
if rule in (s.get("failed_rules") or []):
    print("failed")
elif (s.get("rules") or {}).get(rule) == "WARN":
    print("warn")
else:
    print("no")
EOF
}

table=$tmp/table
proved=$tmp/proved
: > "$table"
: > "$proved"
for f in "$proofs"/*.yaml; do
  fault=$(basename "$f" .yaml)
  rule=$(sed -n '1s/^# proof: \([A-Z0-9-]*\).*/\1/p' "$f")
  if [ -z "$rule" ]; then
    bad "$fault: the first line is not '# proof: RULE-ID'"
    continue
  fi
  echo "$rule" >> "$proved"
  "$dfota" run "${run_opts[@]}" "$f" > "$tmp/$fault.json" 2> "$tmp/$fault.err"
  rc=$?
  v=$(verdict "$tmp/$fault.json" "$rule")
  if { [ "$rc" -eq 1 ] && [ "$v" = failed ]; } || { [ "$rc" -le 1 ] && [ "$v" = warn ]; }; then
    ok "$fault: caught by $rule ($v, exit $rc)"
    printf '%-26s %-18s %s\n' "$rule" "$fault" caught >> "$table"
  else
    bad "$fault: $rule not caught (exit $rc, $v)"
    head -c 2000 "$tmp/$fault.err"
    printf '%-26s %-18s %s\n' "$rule" "$fault" MISSED >> "$table"
  fi
done

# Controls: without its faults block the scenario passes.
mkdir -p "$tmp/control"
for fault in lost-start percent-signs out-of-order-urc accept-invalid reboot-never; do
  [ -f "$proofs/$fault.yaml" ] || continue
  c=$tmp/control/$fault.yaml
  sed '/^  faults:/,/^steps:/{/^steps:/!d}' "$proofs/$fault.yaml" > "$c"
  if grep -q 'kind:' "$c"; then bad "control $fault: the faults block is still there"; continue; fi
  expect_exit "control $fault: passes without its fault" 0 "$dfota" run "${run_opts[@]}" "$c"
done

echo
echo "rule                       fault              verdict"
cat "$table"
echo
# The host's rules are proven by host-rules.sh, where a host program breaks
# each against the emulator: its "judged NAME RULE FAIL" lines.
sed -n 's/^judged [a-z-]* \(HOST-[A-Z-]*\) FAIL .*/\1/p' "$here/host-rules.sh" >> "$proved"
# A scenario's own step rules (STEP-*, TIME-WINDOW) are the scenario's
# expectations, not behaviours of the module a fault could play: every
# proof above that breaks a step breaks them.
"$dfota" rules 2> /dev/null | awk '/^[A-Z][A-Z0-9-]+ /{print $1}' \
  | grep -v -e '^STEP-' -e '^TIME-WINDOW$' > "$tmp/catalogue"
if [ ! -s "$tmp/catalogue" ]; then bad "dfota rules listed no rule"; fi
while read -r r; do
  if grep -qx "$r" "$proved"; then ok "$r has a fault that breaks it, caught"; else bad "$r: no proof (no fault here breaks it)"; fi
done < "$tmp/catalogue"
finish
