#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fwupd's DFOTA sequence against the emulator. fwupd with its ModemManager
# plug-in is not in Debian 12, so hosts/fwupd_dfota.c plays the exchange its
# source documents, byte for byte (input flush, "\r\n"-ended commands,
# AT+QFLST=?, AT+QFLST="UFS:dfota_update.bin", AT+QFDEL, AT+QFUPL in ack
# mode with 2048-byte chunks padded with 0xFF, the checksum, AT+QFOTADL,
# the URCs to END across the USB reboots), each step citing fwupd's line.
# It must upgrade to END,0 and pass every HOST-* rule; two controls show
# that it fails, naming why, when the module says no.
#
# The module runs at a tenth of real time (reboots of 5 s take 0.5 s);
# fwupd's 3 s pause between the tries of an AT command is cut to 0.3 s
# (-d), and the host's whole run is bounded (-T). No wall-clock assertion.
#
# usage: fwupd-sequence.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
em_pid=
e2e_cleanup() { stop_all "$em_pid"; }
python=/usr/bin/python3
[ -x "$python" ] || python=python3
from=EG95EFAR02A07M4G
to=EG95EFAR02A08M4G

# --- the host program
if ! cc -std=c11 -O1 -Wall -Wextra -Werror -o "$tmp/fwupd_dfota" \
    "$here/hosts/fwupd_dfota.c" 2> "$tmp/cc.err"; then
  bad "hosts/fwupd_dfota.c does not build:"; cat "$tmp/cc.err"
  finish; exit
fi
ok "hosts/fwupd_dfota.c builds"

# --- the package: 21 chunks of 2048 bytes and 1501 more, an odd size, so
# the last chunk is padded with 547 0xFF bytes, has one 'A' (its partial
# second block has none), and the checksum's last word is a lone byte.
want_size=$((21 * 2048 + 1501))
"$dfota" package --from $from --to $to --size 40000 "$tmp/probe.bin" > /dev/null 2>&1
header=$(( $(stat -c %s "$tmp/probe.bin") - 40000 )) # the same digits as the size below
if ! "$dfota" package --from $from --to $to --size $((want_size - header)) "$tmp/pkg.bin" \
    > "$tmp/pkg.log" 2>&1; then
  bad "package: $(cat "$tmp/pkg.log")"
  finish; exit
fi
size=$(stat -c %s "$tmp/pkg.bin")
if [ "$size" -eq "$want_size" ] && [ $((size % 2)) -eq 1 ] && [ $((size % 2048)) -gt 1024 ]; then
  ok "the package is $size bytes: odd, its last chunk 1501 bytes"
else
  bad "the package is $size bytes, want $want_size"
fi

# emulator NAME [EMULATE-ARGS...]: dfota emulate in the background, with
# its UFS in $tmp/NAME.ufs (made by the caller) and its link $tmp/NAME.tty.
emulator() {
  local name=$1
  shift
  "$dfota" emulate --link "$tmp/$name.tty" --ufs "$tmp/$name.ufs" --time-scale 0.1 \
    --reboot 5s --progress-step 1s --record "$tmp/$name.transcript" "$@" \
    > "$tmp/$name.out" 2>&1 &
  em_pid=$!
  for _ in $(seq 500); do [ -L "$tmp/$name.tty" ] && break; sleep 0.02; done
}

# host NAME: runs the host against NAME's emulator; its exit in $host_rc.
host() {
  timeout 200 "$tmp/fwupd_dfota" -d 300 -T 150 "$tmp/$1.tty" "$tmp/pkg.bin" > "$tmp/$1.host" 2>&1
  host_rc=$?
}

# stop: SIGINT, the emulator's verdict's exit in $em_rc.
stop() {
  sleep 0.3 # the emulator records the host's last close
  kill -INT "$em_pid"
  wait "$em_pid"
  em_rc=$?
  em_pid=
}

# late TRANSCRIPT: exit 0 and "late ..." when, after a reboot, the host
# opened the port only after the module's first URC came: on a machine too
# busy to schedule the host in the 1.5 s a module takes to say START, a
# HOST-READ-TO-END FAIL is the bench's doing, not the host's nor the
# emulator's, and is shown, not counted.
late() {
  python3 - "$1" <<'PY'
import re, sys
ev = [l.rstrip("\n").split(" ", 2) for l in open(sys.argv[1], errors="replace")
      if re.match(r"^\d+\.\d+ [<>!] ", l)]
for i, e in enumerate(ev):
    if e[2] != "port-back":
        continue
    urc = next((j for j in range(i, len(ev)) if ev[j][1] == "<" and ev[j][2].startswith('+QIND: "FOTA"')), None)
    opened = next((j for j in range(i, len(ev)) if ev[j][2] == "host-open"), None)
    if urc is not None and (opened is None or opened > urc):
        print(f"late: the port came back at {e[0]}, the module said {ev[urc][2]} at {ev[urc][0]}, "
              f"the host opened it at {ev[opened][0] if opened is not None else 'never'} (module time)")
        sys.exit(0)
sys.exit(1)
PY
}

# rules JSON: "RULE STATUS" for each HOST-* rule of check's JSON.
host_rules() {
  "$python" - "$1" <<'EOF'
import json, sys
try:
    rules = json.load(open(sys.argv[1]))["files"][0]["rules"]
    for rule, status in sorted(rules.items()):
        if rule.startswith("HOST-"):
            print(rule, status)
except Exception as e:
    print("unreadable:", e)
EOF
}

# --- the upgrade, with an orphan dfota_update.bin from an earlier attempt
mkdir "$tmp/good.ufs"
printf 'an older upload\n' > "$tmp/good.ufs/dfota_update.bin"
emulator good
host good
stop
if [ "$host_rc" -eq 0 ]; then
  ok "the host upgraded (exit 0)"
else
  bad "the host exited $host_rc:"; cat "$tmp/good.host"
fi
expect_grep "the host read END,0" '^< \\r\\n+QIND: "FOTA","END",0\\r\\n$' "$tmp/good.host"
expect_grep "the host's last word is END,0" "^done: END,0$" "$tmp/good.host"
expect_grep "AT+QFLST=? answers OK" '^> AT+QFLST=?\\r\\n$' "$tmp/good.host"
if grep -A1 -F '> AT+QFLST=?\r\n' "$tmp/good.host" | grep -qx '< \\r\\nOK\\r\\n'; then
  ok "AT+QFLST=? is answered OK alone"
else
  bad "AT+QFLST=? is not answered OK alone:"; cat "$tmp/good.host"
fi
n=$(grep -c "^found orphaned firmware file; trying to delete it$" "$tmp/good.host")
if [ "$n" -eq 2 ]; then
  ok "setup found the orphan and, after the upgrade, the package: deleted twice"
else
  bad "setup found an old file $n times, want 2 (before and after the upgrade)"; cat "$tmp/good.host"
fi
expect_grep "the module listed the orphan" \
  '^< \\r\\n+QFLST: "UFS:dfota_update.bin",16\\r\\n\\r\\nOK\\r\\n$' "$tmp/good.host"
expect_grep "the upload command, as fwupd words it" \
  "^> AT+QFUPL=\"dfota_update.bin\",$size,5,1\\\\r\\\\n$" "$tmp/good.host"
expect_grep "all 22 chunks went, each after the last one's ACKs" \
  "^wrote 22 chunks of 2048 bytes ($size of the file)$" "$tmp/good.host"
# the module's count and checksum are the file's: the LF after the
# command's CR was not taken as data, the padding was not either
sum=$("$python" - "$tmp/pkg.bin" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
s = 0
for i in range(0, len(d), 2):
    s ^= (d[i] << 8) | (d[i + 1] if i + 1 < len(d) else 0)
print("%04x" % s)
EOF
)
expect_grep "the module's +QFUPL is the file's size and checksum ($sum)" \
  "^parsed checksum '$sum' and size '$size'$" "$tmp/good.host"
expect_grep "the module runs the target after the upgrade" "^firmware: $to$" "$tmp/good.host"
expect_grep "the emulator says so too" "^firmware: $to$" "$tmp/good.out"
if [ -e "$tmp/good.ufs/dfota_update.bin" ]; then
  bad "dfota_update.bin is still in the UFS: fwupd's second setup did not delete it"
else
  ok "fwupd's setup after the upgrade deleted the package from the UFS"
fi
if [ "$em_rc" -eq 0 ]; then
  ok "the emulator's verdict passes (exit 0)"
else
  bad "the emulator exited $em_rc:"; cat "$tmp/good.out"
fi
expect_grep "the emulator's verdict is PASS" "good.transcript: PASS" "$tmp/good.out"
# What the host sent is commands only: the 0xFF padding after the
# declared size is not a host line, nor anything glued to the next command.
odd=$(grep -a -E '^[0-9.]+ > ' "$tmp/good.transcript" | grep -a -v -E '^[0-9.]+ > AT' || true)
if [ -z "$odd" ]; then
  ok "every host line of the recording is an AT command"
else
  bad "host lines that are not commands:"; printf '%s\n' "$odd" | cut -c1-200
fi
expect_grep "the recording has the upload's result" "< +QFUPL: $size,$sum$" "$tmp/good.transcript"
expect_grep "the last chunk's $((2048 - size % 2048)) bytes of padding were dropped, and counted" \
  "! note $((2048 - size % 2048)) bytes after AT+QFUPL's data dropped before the next AT$" \
  "$tmp/good.transcript"
expect_grep "the recording has the upgrade command" \
  '> AT+QFOTADL="/data/ufs/dfota_update.bin"$' "$tmp/good.transcript"
"$dfota" check --host --host-windows --format json "$tmp/good.transcript" > "$tmp/good.json" 2> "$tmp/good.err"
host_rules "$tmp/good.json" > "$tmp/good.rules"
n=$(grep -c . "$tmp/good.rules")
if [ "$n" -ge 4 ] && ! grep -qv ' PASS$' "$tmp/good.rules"; then
  ok "dfota check --host: all $n HOST-* rules PASS"
elif [ "$n" -ge 4 ] && [ "$(grep -v ' PASS$' "$tmp/good.rules")" = "HOST-READ-TO-END FAIL" ] &&
     late "$tmp/good.transcript" > "$tmp/good.late"; then
  # shown, not counted: a FAIL here is the busy machine's, not a pass
  echo "SKIP dfota check --host: HOST-READ-TO-END not judged here, the machine was too busy:" \
    "$(cat "$tmp/good.late")"
else
  bad "dfota check --host: HOST-* rules not all PASS:"; cat "$tmp/good.rules" "$tmp/good.err"
fi

# --- control: the update fails at 40 % with 502. No old file this time:
# AT+QFLST on the missing file is an error (417), fwupd's "no old file".
mkdir "$tmp/fail.ufs"
emulator fail --fault update-fail:at=40,code=502
host fail
stop
if [ "$host_rc" -ne 0 ] && [ "$host_rc" -ne 124 ]; then
  ok "END,502: the host fails (exit $host_rc)"
else
  bad "END,502: the host exited $host_rc:"; cat "$tmp/fail.host"
fi
expect_grep "END,502: the host names the code" \
  "^fwupd_dfota: attach: update exited with error code 502" "$tmp/fail.host"
expect_grep "a missing file: AT+QFLST answers +CME ERROR: 417, and fwupd goes on" \
  '^no old firmware found in filesystem: failed after 3 retries: failed to read valid response for AT+QFLST="UFS:dfota_update.bin": +CME ERROR: 417$' \
  "$tmp/fail.host"
if grep -q "AT+QFDEL" "$tmp/fail.host"; then
  bad "a missing file: the host deleted it anyway"
else
  ok "a missing file: no AT+QFDEL"
fi
"$dfota" check --host --host-windows --format json "$tmp/fail.transcript" > "$tmp/fail.json" 2> /dev/null
got=$(host_rules "$tmp/fail.json" | grep '^HOST-READ-TO-END ')
if [ "$got" = "HOST-READ-TO-END PASS" ]; then
  ok "END,502: the host read to END"
elif [ "$got" = "HOST-READ-TO-END FAIL" ] && late "$tmp/fail.transcript" > "$tmp/fail.late"; then
  echo "SKIP END,502: HOST-READ-TO-END not judged here, the machine was too busy: $(cat "$tmp/fail.late")"
else
  bad "END,502: $got"
fi

# --- control: the module refuses the upload (no space): fwupd stops there
mkdir "$tmp/full.ufs"
emulator full --free-space 40KiB
host full
stop
if [ "$host_rc" -ne 0 ] && [ "$host_rc" -ne 124 ]; then
  ok "no space: the host fails (exit $host_rc)"
else
  bad "no space: the host exited $host_rc:"; cat "$tmp/full.host"
fi
expect_grep "no space: the host names the step and the answer" \
  "^fwupd_dfota: write_firmware: failed to enable upload mode: .*+CME ERROR: 420$" "$tmp/full.host"
if grep -q "AT+QFOTADL" "$tmp/full.host"; then
  bad "no space: the host sent AT+QFOTADL anyway"
else
  ok "no space: no AT+QFOTADL"
fi
finish
