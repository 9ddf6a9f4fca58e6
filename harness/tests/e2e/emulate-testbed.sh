#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's USB reboot in a umockdev test bed (emulator/testbed.c),
# without ModemManager: the emulator plays the EG95 of umockdev/eg95.umockdev
# (UMOCKDEV_DIR set, its link where the test bed's ttyUSB2 is), a host sends
# a local-file AT+QFOTADL and leaves, and the module reboots twice. A udev
# monitor in the test bed (umockdev/uevents.py, under umockdev's preload)
# must get, for each reboot, "remove" for the 7 devices of the USB device,
# each before its parent's, then "add" for the same 7, each after its
# parent's, framed as udev frames them (header, subsystem hash). While the
# device is away `dfota ports` (libserialport's sysfs enumeration) must not
# find it; back, it must. Without a test bed (UMOCKDEV_DIR unset) the same
# session leaves the test bed alone; with one that does not hold the tty the
# emulator says so in a note and goes on.
#
# usage: emulate-testbed.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
dev=$here/umockdev/eg95.umockdev
em_pid= ev_pid= tb_pid= tb_child=
e2e_cleanup() {
  stop_all "$em_pid" "$ev_pid"
  # umockdev-run ends when its child does (found by its parent's pid when
  # the test did not get as far as reading it), and removes the test bed
  [ -n "$tb_pid" ] && [ -z "$tb_child" ] && tb_child=$(cat "/proc/$tb_pid/task/$tb_pid/children" 2>/dev/null)
  local c
  for c in $tb_child; do kill "$c" 2>/dev/null; done
  stop_all "$tb_pid"
}
if ! command -v umockdev-run > /dev/null 2>&1; then
  bad "umockdev-run is not installed (scripts/install-deps.sh)"; finish; exit
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:symbolize=0"
mkdir "$tmp/ufs" "$tmp/tb"
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update.zip" > /dev/null 2>&1 ||
  { bad "dfota package failed"; finish; exit; }

TMPDIR=$tmp/tb umockdev-run --device "$dev" -- \
  sh -c 'printf "%s\n%s\n" "$UMOCKDEV_DIR" "$LD_PRELOAD" > "$0.tmp" && echo $$ >> "$0.tmp" &&
         mv "$0.tmp" "$0" && exec sleep 600' "$tmp/tb.env" > "$tmp/umockdev.log" 2>&1 &
tb_pid=$!
wait_for 30 test -s "$tmp/tb.env" || { bad "no test bed: $(cat "$tmp/umockdev.log")"; finish; exit; }
{ read -r testbed; read -r preload; read -r tb_child; } < "$tmp/tb.env"
mock() { UMOCKDEV_DIR=$testbed LD_PRELOAD=$preload "$@"; }

mock python3 "$here/umockdev/uevents.py" 28 120 > "$tmp/events" 2>&1 &
ev_pid=$!
wait_for 20 grep -q READY "$tmp/events" || { bad "the monitor did not start: $(cat "$tmp/events")"; finish; exit; }

# session REBOOT: the emulator in the test bed, a host that starts the upgrade and leaves
UMOCKDEV_DIR=$testbed "$dfota" emulate --link "$testbed/dev/ttyUSB2" --ufs "$tmp/ufs" \
  --time-scale 0.1 --reboot 60s --progress-step 1s --record "$tmp/rec" > "$tmp/em.out" 2>&1 &
em_pid=$!
wait_for 20 grep -q '^link: ' "$tmp/em.out" || { bad "no emulator: $(cat "$tmp/em.out")"; finish; exit; }
expect_exit "the test bed's ttyUSB2 is found before the reboot" 0 mock "$dfota" ports --find usb:2c7c:0195:if=2
timeout 30 python3 "$here/lib/host.py" "$testbed/dev/ttyUSB2" fire-and-forget \
  'AT+QFOTADL="/data/ufs/update.zip"' > "$tmp/host.out" 2>&1 || bad "the host: $(cat "$tmp/host.out")"
wait_for 30 grep -q '! testbed: unplugged' "$tmp/rec" || bad "no unplug in the recording"
expect_exit "while the port is away, dfota ports finds no EG95 (exit 4)" 4 \
  mock "$dfota" ports --find usb:2c7c:0195:if=2
if [ ! -e "$testbed/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1" ] &&
   [ ! -e "$testbed/sys/class/tty/ttyUSB3" ] && [ ! -e "$testbed/sys/bus/usb/devices/1-1" ] &&
   [ ! -e "$testbed/dev/ttyUSB3" ]; then
  ok "while away, its sysfs folder, class and bus links and ttyUSB3's node are gone"
else
  bad "the test bed still holds the device while it is away:"; ls -R "$testbed/sys/class" "$testbed/dev"
fi
wait_for 30 grep -q '! testbed: plugged back' "$tmp/rec" || bad "no replug in the recording"
expect_exit "back, dfota ports finds it again" 0 mock "$dfota" ports --find usb:2c7c:0195:if=2
expect_grep "... as ttyUSB2" "^/dev/ttyUSB2$" "$tmp/out"
[ -L "$testbed/dev/ttyUSB3" ] && ok "ttyUSB3's node is back" || bad "ttyUSB3's node is not back"
replugs() { [ "$(grep -c '! testbed: plugged back' "$tmp/rec")" -ge 2 ]; }
all_events() { [ "$(wc -l < "$tmp/events")" -ge 29 ]; }
wait_for 60 replugs || bad "no second replug"
wait_for 30 all_events
kill -INT "$em_pid"; wait "$em_pid"; em_pid=

expect_grep "the recording notes the unplug, 7 devices" \
  '! testbed: unplugged /devices/pci0000:00/0000:00:14.0/usb1/1-1 (7 devices, uevents to 1 listeners)$' "$tmp/rec"
grep '^BAD' "$tmp/events" && bad "malformed uevents (above)" || ok "every uevent is framed as udev frames it"
python3 - "$tmp/events" <<'PY' > "$tmp/order" 2>&1
import sys
ev = [l.split() for l in open(sys.argv[1]) if l[:3] in ("add", "rem")]
usb = "/devices/pci0000:00/0000:00:14.0/usb1/1-1"
want = {usb, usb + "/1-1:1.2", usb + "/1-1:1.2/ttyUSB2", usb + "/1-1:1.2/ttyUSB2/tty/ttyUSB2",
        usb + "/1-1:1.3", usb + "/1-1:1.3/ttyUSB3", usb + "/1-1:1.3/ttyUSB3/tty/ttyUSB3"}
bad = []
if len(ev) != 28:
    bad.append(f"{len(ev)} uevents, want 28 (7 removed and 7 added, twice)")
for i in range(0, min(len(ev), 28), 7):
    group = ev[i:i + 7]
    action = "remove" if (i // 7) % 2 == 0 else "add"
    if [e[0] for e in group] != [action] * 7 or {e[2] for e in group} != want:
        bad.append(f"uevents {i}-{i + 6} are not {action} of the 7 devices: {group}")
    seen = [e[2] for e in group]
    for j, path in enumerate(seen):
        parent = path.rsplit("/", 1)[0]
        if parent in seen and (seen.index(parent) < j) != (action == "add"):
            bad.append(f"{action} of {path} comes on the wrong side of its parent's")
tty = [e for e in ev if e[2].endswith("/tty/ttyUSB2")]
if any(e[1] != "tty" or len(e) < 4 or e[3] != "ttyUSB2" for e in tty):
    bad.append(f"the tty's uevents lack SUBSYSTEM=tty, DEVNAME=ttyUSB2: {tty}")
print("\n".join(bad) or "ok")
sys.exit(1 if bad else 0)
PY
if [ $? -eq 0 ]; then
  ok "each reboot: remove of the 7 devices children first, then add parents first"
else
  bad "the uevents:"; cat "$tmp/order" "$tmp/events"
fi

# Stopped while the device is away, the emulator gives it back to the test bed.
UMOCKDEV_DIR=$testbed "$dfota" emulate --link "$testbed/dev/ttyUSB2" --ufs "$tmp/ufs" \
  --time-scale 0.1 --reboot 600s --record "$tmp/rec4" > "$tmp/em4.out" 2>&1 &
em_pid=$!
wait_for 20 grep -q '^link: ' "$tmp/em4.out" || bad "no emulator: $(cat "$tmp/em4.out")"
timeout 30 python3 "$here/lib/host.py" "$testbed/dev/ttyUSB2" fire-and-forget \
  'AT+QFOTADL="/data/ufs/update.zip"' > "$tmp/host.out" 2>&1
wait_for 30 grep -q '! testbed: unplugged' "$tmp/rec4" || bad "no unplug before the stop"
kill -INT "$em_pid"; wait "$em_pid"; em_pid=
if [ -d "$testbed/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1" ] && [ -L "$testbed/dev/ttyUSB3" ]; then
  ok "stopped during the reboot, the emulator plugs the device back"
else
  bad "stopped during the reboot, the test bed is left without its device"
fi

# Without a test bed the emulator does not touch one.
"$dfota" emulate --link "$testbed/dev/ttyUSB2" --ufs "$tmp/ufs" --time-scale 0.1 --reboot 5s \
  --record "$tmp/rec2" > "$tmp/em2.out" 2>&1 &
em_pid=$!
wait_for 20 grep -q '^link: ' "$tmp/em2.out" || bad "no emulator: $(cat "$tmp/em2.out")"
timeout 30 python3 "$here/lib/host.py" "$testbed/dev/ttyUSB2" fire-and-forget \
  'AT+QFOTADL="/data/ufs/update.zip"' > "$tmp/host.out" 2>&1
wait_for 30 grep -q '! port-back' "$tmp/rec2"
kill -INT "$em_pid"; wait "$em_pid"; em_pid=
if grep -q '! port-back' "$tmp/rec2" && ! grep -q testbed "$tmp/rec2" && [ -d "$testbed/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1" ]; then
  ok "without UMOCKDEV_DIR the reboot leaves the test bed alone"
else
  bad "without UMOCKDEV_DIR:"; grep testbed "$tmp/rec2"
fi
# A test bed that does not hold the link's tty: a note, and the module goes on.
mkdir -p "$tmp/fake/dev" "$tmp/fake/sys/class"
UMOCKDEV_DIR=$tmp/fake "$dfota" emulate --link "$tmp/fake/dev/ttyUSB9" --ufs "$tmp/ufs" \
  --time-scale 0.1 --reboot 5s --record "$tmp/rec3" > "$tmp/em3.out" 2>&1 &
em_pid=$!
wait_for 20 grep -q '^link: ' "$tmp/em3.out"
timeout 30 python3 "$here/lib/host.py" "$tmp/fake/dev/ttyUSB9" fire-and-forget \
  'AT+QFOTADL="/data/ufs/update.zip"' > "$tmp/host.out" 2>&1
wait_for 30 grep -q '! port-back' "$tmp/rec3"
kill -INT "$em_pid"; wait "$em_pid"; em_pid=
expect_grep "a test bed without the tty: a note in the recording" \
  '! testbed: no sys/class/tty entry for the link ttyUSB9$' "$tmp/rec3"
expect_grep "... and the emulator went on through the reboot" '^stopped by SIGINT' "$tmp/em3.out"
finish
