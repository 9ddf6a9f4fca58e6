#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Recordings and logs that push at their bounds (issue 11, "Output and
# recordings"): a device log whose times run out of range keeps its lines
# (the verdict does not change, a NOTE counts them); a recording past
# --record-max says what it dropped and keeps judging.
# usage: hardening-records.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
em_pid=
px_pid=
e2e_cleanup() {
  stop_all $px_pid $em_pid
}

# expect_capped WHO FILE CAP: FILE, recorded by dfota WHO (emulate, proxy)
# with --record-max CAP, stays at its cap, says once that it is full and
# ends with how much it dropped; WHO's standard error ($tmp/<FILE's
# base>.err) says so too.
expect_capped() {
  local who=$1 file=$2 cap=$3 size n
  local err="${file%.transcript}.err"
  size=$(wc -c < "$file")
  if [ "$size" -le $((cap + 512)) ]; then ok "$who: the recording stays at its cap ($size bytes)"
  else bad "$who: the recording is $size bytes, over its $cap-byte cap"; fi
  n=$(grep -c ' ! note recording-full:' "$file")
  if [ "$n" -eq 1 ]; then ok "$who: it says once that it is full"; else bad "$who: $n recording-full lines, want 1"; fi
  expect_grep "$who: its last line says how many bytes were dropped" \
    "! note recording-dropped: [1-9][0-9]* byte(s) in [0-9]* line(s) past the $cap-byte cap" \
    <(tail -n 1 "$file")
  expect_grep "$who: so does a line on stderr" \
    "dfota $who: .*${file##*/}: [1-9][0-9]* byte(s) in [0-9]* line(s) past the $cap-byte cap" "$err"
}
: "$root"
python=/usr/bin/python3
[ -x "$python" ] || python=python3

# ---- device-log lines with a time out of range: kept, counted ---------------
cat > "$tmp/device.log" <<'LOG'
0000000001 [ncp.at] TRACE: > AT+QFOTADL="/data/ufs/u.zip"
0000000041 [ncp.at] TRACE: < OK
0000001000 [ncp.at] TRACE: < +QIND: "FOTA","START"
0000002000 [ncp.at] TRACE: < +QIND: "FOTA","UPDATING",50
999999999999999 [ncp.at] TRACE: < +QIND: "FOTA","UPDATING",100
    99999999999.5 AT read  +   26 "\r\n+QIND: \"FOTA\",\"END\",0\r\n"
LOG
expect_exit "a device log with times out of range still passes" 0 "$dfota" check "$tmp/device.log"
expect_grep "the update's END is still seen" 'updated, END 0 after 100%' "$tmp/out"
expect_grep "a NOTE counts the lines whose time is unknown, at the first" \
  'device.log:5: NOTE 2 line(s) with a time out of range kept, their time unknown' "$tmp/out"
expect_exit "the JSON verdict too" 0 "$dfota" check --format json "$tmp/device.log"
expect_grep "JSON: passed" '"verdict": *"PASS"' "$tmp/out"

# ---- a person's note quoting a URL: its password hidden in the NOTE ----------
printf 'AT+QFOTADL="/data/ufs/u.zip"\nOK   # fetched from ftp://u:N0teSecr3t@h/x.zip\n' > "$tmp/noted.log"
for fmt in text junit json; do
  "$dfota" check --format "$fmt" "$tmp/noted.log" > "$tmp/noted.$fmt" 2>&1
  if grep -q N0teSecr3t "$tmp/noted.$fmt"; then bad "$fmt: the note's password is shown"; cat "$tmp/noted.$fmt"
  else ok "$fmt: the note's password is hidden"; fi
done
expect_grep "the NOTE quotes the note, redacted" 'the first: # fetched from ftp://u:\*\*\*@h/x.zip' "$tmp/noted.text"

# ---- a recording past --record-max ------------------------------------------
# A host that floods the port with 256 KiB of junk, then one that upgrades
# well: the recording stops at the cap, says so once and at its end how
# much it dropped; the verdict still sees the upgrade.
mkdir "$tmp/ufs"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update.zip" > "$tmp/pkg.log" 2>&1 ||
  bad "package: $(cat "$tmp/pkg.log")"
junk_host() { # LINK: 256 KiB of junk lines, written raw
  "$python" - "$1" <<'PY'
import os, sys, termios, tty, time, select
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
line = b"J" * 126 + b"\r\n"
left = 2048
while left:
    _, w, _ = select.select([fd], [fd], [], 5)
    r, _, _ = select.select([fd], [], [], 0)
    if r:
        os.read(fd, 65536)  # the module's answers: read, so that it keeps up
    if w:
        os.write(fd, line)
        left -= 1
deadline = time.monotonic() + 2
while time.monotonic() < deadline:  # the last answers
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        os.read(fd, 65536)
os.close(fd)
PY
}
link=$tmp/cap.tty
"$dfota" emulate --link "$link" --time-scale 0.1 --reboot 5s --progress-step 1s --ufs "$tmp/ufs" \
  --record "$tmp/cap.transcript" --record-max 16KiB > "$tmp/cap.out" 2> "$tmp/cap.err" &
em_pid=$!
for _ in $(seq 200); do [ -L "$link" ] && break; sleep 0.02; done
junk_host "$link" || bad "the junk host could not write: see above"
timeout 60 "$python" "$here/lib/host.py" "$link" good > "$tmp/cap.host" 2>&1 ||
  bad "the good host could not do its part: $(cat "$tmp/cap.host")"
sleep 0.3
kill -INT "$em_pid"
wait "$em_pid"
em_rc=$?
em_pid=
expect_capped emulate "$tmp/cap.transcript" 16384
if [ "$em_rc" -ne 3 ] && ! grep -q 'never started an upgrade' "$tmp/cap.out"; then
  ok "the upgrade after the cap is still judged (exit $em_rc)"
else
  bad "the verdict lost what came after the cap (exit $em_rc)"; cat "$tmp/cap.out"
fi
expect_grep "the verdict saw the upgrade to its END" 'updated\|END 0' "$tmp/cap.out"
# what it holds is the junk only: read back, nothing to judge (exit 3)
expect_exit "the recording reads back" 3 "$dfota" check --host --host-windows "$tmp/cap.transcript"
expect_grep "read back, the full line is shown as a harness event" 'NOTHING TO JUDGE' "$tmp/out"
# The same through dfota proxy, in front of an emulated module on UART.
rm -f "$tmp/module"
"$dfota" emulate --link "$tmp/module" --port uart --time-scale 0.1 --ufs "$tmp/ufs" > "$tmp/pxem.out" 2>&1 &
em_pid=$!
for _ in $(seq 250); do [ -L "$tmp/module" ] && break; sleep 0.02; done
"$dfota" proxy --source "serial:$tmp/module,time-scale=0.1" --link "$tmp/px.tty" \
  --record "$tmp/px.transcript" --record-max 8KiB > "$tmp/px.out" 2> "$tmp/px.err" &
px_pid=$!
for _ in $(seq 250); do grep -q "^link: " "$tmp/px.out" && break; sleep 0.02; done
junk_host "$tmp/px.tty" || bad "the junk host could not write to the proxy"
sleep 0.3
kill -INT "$px_pid"
wait "$px_pid"
px_rc=$?
px_pid=
kill -INT "$em_pid"
wait "$em_pid" 2>/dev/null
em_pid=
expect_capped proxy "$tmp/px.transcript" 8192
if [ "$px_rc" -ne 4 ]; then ok "proxy: a full transcript is no harness trouble (exit $px_rc)"
else bad "proxy: exit 4"; cat "$tmp/px.out" "$tmp/px.err"; fi

expect_exit "a bad --record-max is a usage error" 2 "$dfota" emulate --record-max 0 --record "$tmp/x"
expect_grep "it names the recording cap" 'bad recording cap' "$tmp/err"
expect_exit "a bad proxy --record-max is a usage error" 2 "$dfota" proxy --record-max 12Q --source serial:/dev/null --link "$tmp/l"
expect_grep "it names the transcript cap" 'bad transcript cap' "$tmp/err"

finish
