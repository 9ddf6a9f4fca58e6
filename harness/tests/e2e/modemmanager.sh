#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ModemManager, a real host that follows modems by udev, against the
# emulator: in a umockdev test bed holding the project's EG95
# (modemmanager/eg95-mm.umockdev: umockdev/eg95.umockdev with ID_MM_CANDIDATE
# and ID_MM_PORT_TYPE_AT_PRIMARY on the AT port, and the interfaces' driver
# links, option, that ModemManager reads), with the emulator's
# terminal linked where the test bed's ttyUSB2 is, ModemManager (on a
# private session bus, --test-session --debug) probes the module and
# exports a modem. The test
#   - lists every command ModemManager sent, with the emulator's answer (from
#     the emulator's --record; modemmanager/commands.py), and FAILS for each
#     one refused (ERROR, +CME ERROR) unless a real EG95 refuses it too
#     (modemmanager/refused-by-eg95.txt);
#   - asserts the modem's manufacturer, model, plugin, revision (the
#     emulator's firmware) and equipment identifier (the IMEI the emulator
#     answers to AT+CGSN);
#   - upgrades it with mmcli --command='AT+QFOTADL="/data/ufs/update.zip"'
#     and watches the modem leave (the emulator's USB reboot unplugs the test
#     bed's device: emulator/testbed.c) and come back with the target
#     firmware as its revision;
#   - stops the emulator and judges ModemManager with the HOST-* rules, in the
#     emulator's verdict and in dfota check --host. A broken host rule is a
#     finding about ModemManager; the one known (HOST-READ-TO-END: the URCs
#     from START on, until it opens the port) is checked for what it is.
#
# umockdev's preload answers ENOTTY to terminal ioctls on a pseudo-terminal,
# so ModemManager could not lock its port: modemmanager/pty-ioctl.c, preloaded
# before umockdev, sends those to the kernel (its comment says more).
#
# ModemManager, mmcli, dbus-daemon, umockdev and a C compiler are test
# dependencies (scripts/install-deps.sh): when one is missing this test FAILS.
# Nothing here contacts anything but the processes it starts; the upgrade is
# a local file. With DFOTA_MM_KEEP=FILE the cleaned recording is also written
# to FILE (how transcripts/hosts/modemmanager-upgrade.transcript was made).
#
# usage: modemmanager.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
here=$(cd "$(dirname "$0")" && pwd)
mmdir=$here/modemmanager
from=EG95EFAR02A07M4G
to=EG95EFAR02A08M4G
em_pid= mm_pid= bus_pid= tb_pid= tb_child=

e2e_cleanup() {
  stop_all "$em_pid" "$mm_pid" "$bus_pid"
  stop_testbed
}
# The test bed's owner (umockdev-run) ends when its child (sleep) does, and
# then removes the test bed: its child goes first, found by its parent's pid
# (from /proc: no procps needed) when the test did not get as far as
# reading it.
stop_testbed() {
  [ -n "$tb_pid" ] || return 0
  [ -n "$tb_child" ] || tb_child=$(cat "/proc/$tb_pid/task/$tb_pid/children" 2>/dev/null)
  local c
  for c in $tb_child; do kill "$c" 2>/dev/null; done
  stop_all "$tb_pid"
}

for tool in umockdev-run ModemManager mmcli dbus-daemon cc python3; do
  if ! command -v "$tool" > /dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
    bad "$tool is not installed (scripts/install-deps.sh)"
  fi
done
[ "$fails" -eq 0 ] || { finish; exit; }
mm_bin=$(command -v ModemManager || echo /usr/sbin/ModemManager)

if ! cc -shared -fPIC -o "$tmp/pty-ioctl.so" "$mmdir/pty-ioctl.c" -ldl 2> "$tmp/cc.err"; then
  bad "pty-ioctl.c does not build:"; cat "$tmp/cc.err"; finish; exit
fi
mkdir "$tmp/ufs" "$tmp/tb"
if ! "$dfota" package --from $from --to $to "$tmp/ufs/update.zip" > "$tmp/pkg.log" 2>&1; then
  bad "package: $(cat "$tmp/pkg.log")"; finish; exit
fi

# The test bed: umockdev-run owns it (and serves its ioctl socket) for as
# long as its child runs; the child reports the test bed and the preload.
TMPDIR=$tmp/tb umockdev-run --device "$mmdir/eg95-mm.umockdev" -- \
  sh -c 'printf "%s\n%s\n" "$UMOCKDEV_DIR" "$LD_PRELOAD" > "$0.tmp" && echo $$ >> "$0.tmp" &&
         mv "$0.tmp" "$0" && exec sleep 600' "$tmp/tb.env" > "$tmp/umockdev.log" 2>&1 &
tb_pid=$!
if ! wait_for 30 test -s "$tmp/tb.env"; then
  bad "umockdev-run did not set the test bed up:"; cat "$tmp/umockdev.log"; finish; exit
fi
{ read -r testbed; read -r preload; read -r tb_child; } < "$tmp/tb.env"
ok "the test bed is up (umockdev-run, preload $preload)"

# The emulator plays the test bed's EG95: UMOCKDEV_DIR set (not the preload),
# its link in the test bed's dev/ where ttyUSB2 is.
UMOCKDEV_DIR=$testbed "$dfota" emulate --link "$testbed/dev/ttyUSB2" --firmware $from \
  --time-scale 0.1 --reboot 5s --progress-step 1s --ufs "$tmp/ufs" --host-reopen 60s \
  --record "$tmp/mm.transcript" > "$tmp/emulate.out" 2>&1 &
em_pid=$!
if ! wait_for 20 grep -q '^link: ' "$tmp/emulate.out"; then
  bad "the emulator did not link its terminal into the test bed:"; cat "$tmp/emulate.out"; finish; exit
fi

cat > "$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/bus.socket</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$tmp/bus.conf" --nofork --print-address=3 3> "$tmp/bus.address" \
  2> "$tmp/bus.err" &
bus_pid=$!
if ! wait_for 20 test -s "$tmp/bus.address"; then
  bad "dbus-daemon did not start:"; cat "$tmp/bus.err"; finish; exit
fi
export DBUS_SESSION_BUS_ADDRESS
DBUS_SESSION_BUS_ADDRESS=$(head -1 "$tmp/bus.address")

UMOCKDEV_DIR=$testbed LD_PRELOAD="$tmp/pty-ioctl.so:$preload" \
  "$mm_bin" --test-session --debug > "$tmp/mm.log" 2>&1 &
mm_pid=$!

mm() { timeout 20 mmcli --test-session "$@"; }
# generic FIELD: the modem's generic.FIELD from mmcli -m any -J ("" when none).
generic() {
  mm -m any -J 2> /dev/null | python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["modem"]["generic"].get(sys.argv[1], ""))
except Exception:
    print("")' "$1"
}
listed()   { mm -L 2> /dev/null | grep -q '/Modem/'; }
unlisted() { mm -L 2> /dev/null | grep -q 'No modems were found'; }
# ready: a modem is exported and done initializing
ready()    { listed && case $(generic state) in disabled|enabled|registered|searching|enabling|locked|failed) true;; *) false;; esac; }

if wait_for 90 ready; then
  ok "ModemManager exports a modem: $(mm -L 2>/dev/null | grep /Modem/ | sed 's/^ *//')"
else
  bad "no modem after 90 s; ModemManager's log ends:"; tail -40 "$tmp/mm.log"; finish; exit
fi
mm -m any -J > "$tmp/modem.json" 2> "$tmp/modem.err"

# The IMEI the emulator answers (from the recording: the line after AT+CGSN)
imei=$(awk '$2 == ">" { cmd = $3 } $2 == "<" && (cmd == "AT+CGSN" || cmd == "AT+GSN") && $3 ~ /^[0-9]+$/ { print $3; exit }' "$tmp/mm.transcript")
check_modem() { # WHEN REVISION
  python3 - "$1" "$2" "$imei" "$tmp/modem.json" <<'PY'
import json, sys
when, revision, imei, path = sys.argv[1:5]
g = json.load(open(path))["modem"]["generic"]
want = {"manufacturer": "Quectel", "model": "EG95", "plugin": "quectel",
        "revision": revision, "equipment-identifier": imei or "(no IMEI answered to AT+CGSN/AT+GSN)"}
bad = 0
for k, v in want.items():
    got = g.get(k, "")
    print(("ok   " if got == v else "FAIL ") + f"{when}: {k} is '{got}'" + ("" if got == v else f", want '{v}'"))
    bad += got != v
def luhn(d):
    return len(d) == 15 and d.isdigit() and sum(
        (int(c) * 2 // 10 + int(c) * 2 % 10) if i % 2 else int(c) for i, c in enumerate(d)) % 10 == 0
ident = g.get("equipment-identifier", "")
print(("ok   " if luhn(ident) else "FAIL ") + f"{when}: the IMEI {ident} has 15 digits and a valid Luhn check digit")
bad += not luhn(ident)
drivers = g.get("drivers", [])
print(("ok   " if "option" in drivers else "FAIL ") + f"{when}: drivers {drivers} (the test bed's option driver)")
bad += "option" not in drivers
sys.exit(1 if bad else 0)
PY
}
count_checks() { # the lines check_modem printed, counted as checks
  local line
  while IFS= read -r line; do
    case $line in ok*) ok "${line#ok   }";; *) bad "${line#FAIL }";; esac
  done < "$1"
}
check_modem "before the upgrade" $from > "$tmp/modem.check"
count_checks "$tmp/modem.check"

# The upgrade, through ModemManager.
t0=$(date +%s.%N)
since() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f} s")' "$t0" "$(date +%s.%N)"; }
expect_exit "mmcli --command AT+QFOTADL=\"/data/ufs/update.zip\"" 0 \
  mm -m any --command='AT+QFOTADL="/data/ufs/update.zip"'
if wait_for 30 unlisted; then
  ok "the modem is gone from mmcli -L at the USB reboot ($(since) after the command)"
else
  bad "the modem never left mmcli -L"; mm -L
fi
# back after the update and the reboot into normal mode: listed and probed
if wait_for 120 ready; then
  ok "the modem is back in mmcli -L ($(since) after the command): $(mm -L 2>/dev/null | grep /Modem/ | sed 's/^ *//')"
else
  bad "no modem back after 120 s: $(mm -L 2>&1)"; tail -30 "$tmp/mm.log"
fi
mm -m any -J > "$tmp/modem.json" 2> "$tmp/modem.err"
check_modem "after the upgrade" $to > "$tmp/modem.check"
count_checks "$tmp/modem.check"

# Stop the emulator: it prints its verdict on the recording.
kill -INT "$em_pid"
wait "$em_pid"
em_rc=$?
em_pid=
expect_grep "the emulator judged the session" "^recorded: " "$tmp/emulate.out"
expect_grep "the recording holds END,0" '< +QIND: "FOTA","END",0$' "$tmp/mm.transcript"
n=$(grep -c '! testbed: unplugged /devices/pci0000:00/0000:00:14.0/usb1/1-1 ' "$tmp/mm.transcript")
m=$(grep -c '! testbed: plugged back /devices/pci0000:00/0000:00:14.0/usb1/1-1 ' "$tmp/mm.transcript")
if [ "$n" -eq 2 ] && [ "$m" -eq 2 ]; then
  ok "both USB reboots unplugged and replugged the test bed's device"
else
  bad "the test bed's device: $n unplugs, $m replugs, want 2 and 2"; grep '! ' "$tmp/mm.transcript"
fi

# Every command ModemManager sent (probes, the upgrade, the probes after it),
# with the emulator's answer.
echo "--- every command ModemManager sent, and the emulator's answers"
python3 "$mmdir/commands.py" "$tmp/mm.transcript" "$mmdir/refused-by-eg95.txt" > "$tmp/all.table"
all_rc=$?
cat "$tmp/all.table"
if [ $all_rc -eq 0 ]; then ok "the session: no command an EG95 answers was refused"; else
  bad "the session: the emulator refused a command an EG95 answers (REFUSED lines above)"; fi

# The verdict: the emulator's, and dfota check --host's of the same recording.
"$dfota" check --host --host-reopen 60s --format json "$tmp/mm.transcript" > "$tmp/check.json" 2> "$tmp/check.err"
check_rc=$?
python3 - "$tmp/check.json" > "$tmp/rules" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
print("verdict", f["verdict"])
for rule, status in f["rules"].items():
    print(rule, status)
PY
echo "--- dfota check --host: $(head -1 "$tmp/rules")"; tail -n +2 "$tmp/rules" | tr '\n' ' '; echo
if [ "$em_rc" -eq "$check_rc" ]; then
  ok "the emulator's verdict (exit $em_rc) and dfota check --host's (exit $check_rc) agree"
else
  bad "the emulator exited $em_rc, dfota check --host $check_rc"; cat "$tmp/emulate.out"
fi
status() { awk -v r="$1" '$1 == r { print $2 }' "$tmp/rules"; }
for rule in CMD-FINAL URC-SYNTAX SEQ-START SEQ-END CODE-END PROGRESS-COMPLETE; do
  [ "$(status $rule)" = PASS ] && ok "the module: $rule PASS" || bad "the module: $rule is $(status $rule)"
done
for rule in HOST-WAIT-FINAL HOST-ONE-UPGRADE HOST-REOPEN; do
  [ "$(status $rule)" = PASS ] && ok "ModemManager: $rule PASS" || bad "ModemManager: $rule is $(status $rule)"
done
# A finding about ModemManager: after the USB reboot it opens the port
# only past its 1.5 s "min wait time" for more ports of the device, while a
# module says START 1.5 s after its port is back (and here, at a progress
# step of 0.1 s wall, UPDATING follows 0.1 s later): what came before
# ModemManager opened the port is lost to it. The check: the URCs it lost
# are the first ones, from START on, and it had the port open from then on
# to END (it held it through the update: its AT probe got no answer). How
# many it lost depends on how fast the machine lets it open the port, so
# the number is shown, not asserted; HOST-REOPEN's window is 60 s for the
# same reason (ModemManager's speed on a loaded machine is not the point).
python3 - "$tmp/mm.transcript" > "$tmp/lost" <<'PY'
import re, sys
ev = [l.split(" ", 2) for l in open(sys.argv[1]) if re.match(r"^\d+\.\d+ [<>!] ", l)]
back = max(i for i, e in enumerate(ev) if e[2].strip() == "port-back" and
           any(x[2].startswith('+QIND: "FOTA","END"') for x in ev[i:]))
end = next(i for i in range(back, len(ev)) if ev[i][2].startswith('+QIND: "FOTA","END"'))
opened = next((i for i in range(back, len(ev)) if ev[i][2].strip() == "host-open"), len(ev))
closed = [i for i in range(opened, end) if ev[i][2].strip() in ("host-close", "port-lost")]
lost = [ev[i][2].strip()[len('+QIND: "FOTA",'):] for i in range(back, min(opened, end + 1))
        if ev[i][1] == "<" and ev[i][2].startswith('+QIND: "FOTA"')]
print("lost:", " ".join(lost) or "none")
# On a busy machine ModemManager may open the port late, even after END:
# then it lost them all, still from START on.
ok = not closed and (not lost or lost[0] == '"START"')
print("open from", ev[opened][0] if opened < len(ev) else "never", "to END at", ev[end][0],
      "without a close" if not closed else "but closed at " + ev[closed[0]][0])
sys.exit(0 if ok else 1)
PY
lost_rc=$?
case $(status HOST-READ-TO-END) in
  PASS|FAIL)
    if [ $lost_rc -eq 0 ]; then
      ok "ModemManager: HOST-READ-TO-END $(status HOST-READ-TO-END); $(tr '\n' ';' < "$tmp/lost")" \
        "(a finding about ModemManager when FAIL: it opens the port after its probing delay)"
    else
      bad "ModemManager: HOST-READ-TO-END $(status HOST-READ-TO-END), and not as known:"; cat "$tmp/lost"
    fi ;;
  *) bad "HOST-READ-TO-END is '$(status HOST-READ-TO-END)'" ;;
esac
if [ "$(status HOST-READ-TO-END)" = FAIL ] &&
   ! grep -q 'FAIL HOST-READ-TO-END.*"FOTA","START" came while the host did not have the port open' "$tmp/emulate.out"; then
  bad "the emulator's verdict does not name START as the first URC lost"
fi
grep -E 'FAIL|WARN' "$tmp/emulate.out" | sed 's/^/    verdict: /'

# The recording without this machine's paths, for transcripts/hosts/.
sed -e "s|$testbed|TESTBED|g" -e "s|$tmp|TMP|g" -e "s|$dfota|dfota|g" \
  "$tmp/mm.transcript" > "$tmp/clean.transcript"
if grep -q -e "$tmp" -e "$testbed" "$tmp/clean.transcript"; then
  bad "the cleaned recording still names this machine's folders"
else
  ok "the cleaned recording names no folder of this machine"
fi
# DFOTA_MM_KEEP=FILE: the cleaned recording with the corpus's header lines
# (harness/tests/e2e/check_corpus.c): the verdicts dfota check --host gives it.
if [ -n "${DFOTA_MM_KEEP:-}" ]; then
  for profile in strict field; do
    "$dfota" check --host --profile $profile --format json "$tmp/clean.transcript" 2> /dev/null |
      python3 -c '
import json, sys
f = json.load(sys.stdin)["files"][0]
print("# expect:", sys.argv[1], f["verdict"], " ".join(f"{k}={v}" for k, v in f["rules"].items()))' $profile
  done > "$tmp/expect"
  {
    head -1 "$tmp/clean.transcript"
    cat "$tmp/expect"
    echo "# check-args: --host"
    echo "# about: ModemManager 1.20.4 probes the emulated EG95 in a umockdev test bed, upgrades it with mmcli --command and finds it again after the USB re-enumeration (e2e.modemmanager). Its one broken host rule is a finding about ModemManager: it opens a port that came back only after its 1.5 s probing delay, so START (and here UPDATING,1) are lost (HOST-READ-TO-END)."
    tail -n +2 "$tmp/clean.transcript"
  } > "$DFOTA_MM_KEEP"
fi
finish
