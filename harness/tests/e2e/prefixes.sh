#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Line prefixes are the log's format, not the module's bytes (issue 10).
# One conforming FTP upgrade is written out in the line formats people's
# logs really come in (loggers, terminal programs, the vendor's tool), from
# templates here rather than from the corpus, and each one must:
#   - pass in strict (exit 0), no finding charged to the module;
#   - keep its times where the prefix has them: the JSON gives the download
#     its 50 s, and a 1 s download window makes TIME-DOWNLOAD fail.
# A prefix no rule knows is named once and never charged to the module.
# usage: prefixes.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"

# gen FAMILY FILE: the upgrade in FAMILY's line format.
gen() {
  python3 - "$1" "$2" <<'EOF'
import sys, datetime
fam, path = sys.argv[1], sys.argv[2]
t0 = datetime.datetime(2024, 1, 2, 10, 0, 1)
lines = [(0.0, '>', 'AT+QFOTADL="ftp://test:test@124.74.41.170:21/Jun/update-v12-to-v13.zip"'),
         (0.05, '<', 'OK'), (1.0, '<', '+QIND: "FOTA","FTPSTART"'),
         (51.0, '<', '+QIND: "FOTA","FTPEND",0'), (81.0, '<', '+QIND: "FOTA","START"')]
for i, pct in enumerate(range(10, 101, 10)):
    lines.append((90.0 + 10 * i, '<', '+QIND: "FOTA","UPDATING",%d' % pct))
lines.append((200.0, '<', '+QIND: "FOTA","END",0'))
out = []
head = {
    'putty': ['=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2024.01.02 10:00:00 =~=~=~=~=~=~=~=~=~=~=~='],
    'tio-raw': ['[tio 10:00:00] tio v2.7', '[tio 10:00:00] Press ctrl-t q to quit',
                '[tio 10:00:00] Connected'],
    'tio-stamped': ['[10:00:00.000] [tio 10:00:00] tio v2.7', '[10:00:00.000] [tio 10:00:00] Connected'],
    'picocom': ['picocom v3.1', '', 'port is        : /dev/ttyUSB2', 'baudrate is    : 115200',
                'Type [C-a] [C-h] to see available commands', 'Terminal ready'],
}.get(fam, [])
out.extend(head)
for dt, d, text in lines:
    t = t0 + datetime.timedelta(seconds=dt)
    ms = t.microsecond // 1000
    hms = t.strftime('%H:%M:%S')
    if fam == 'syslog':
        out.append(t.strftime('%b ') + ('%2d' % t.day) + ' ' + hms + ' gw fotad[812]: ' + text)
    elif fam == 'journald-short-iso':
        out.append(t.strftime('%Y-%m-%dT%H:%M:%S+0100') + ' gw fotad[812]: ' + text)
    elif fam == 'iso-offset':
        out.append(t.strftime('%Y-%m-%dT%H:%M:%S') + '.%03d+01:00 ' % ms + text)
    elif fam == 'iso-tag':
        out.append(t.strftime('%Y-%m-%dT%H:%M:%S') + '.%06d+01:00 gw fotad[812]: ' % t.microsecond + text)
    elif fam == 'syslog-rfc5424':
        out.append('<14>1 ' + t.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ gw fotad 812 - - ' % ms + text)
    elif fam == 'port-then-time':
        out.append('COM3 ' + hms + '.%03d ' % ms + ('TX: ' if d == '>' else 'RX: ') + text)
    elif fam == 'unix-time':
        out.append('%.3f ' % (1704189601.0 + dt) + text)
    elif fam == 'csv-time':
        out.append(t.strftime('%Y-%m-%d %H:%M:%S') + '.%03d,' % ms + text)
    elif fam == 'python-dash':
        out.append(t.strftime('%Y-%m-%d %H:%M:%S') + ',%03d - modem - INFO - ' % ms + text)
    elif fam == 'python-level-name':
        out.append(t.strftime('%Y-%m-%d %H:%M:%S') + ',%03d INFO modem: ' % ms + text)
    elif fam == 'ts':
        out.append(t.strftime('%b %d %H:%M:%S ') + text)
    elif fam == 'grabserial':
        out.append('[%.6f %.6f] ' % (dt + 3.0, 0.0001) + text)
    elif fam == 'tx-rx':
        out.append(('[TX] ' if d == '>' else '[RX] ') + text)
    elif fam == 'time-tx-rx':
        out.append('[' + hms + '.%03d] ' % ms + ('[TX] ' if d == '>' else '[RX] ') + text)
    elif fam == 'send-recv':
        out.append(('Send: ' if d == '>' else 'Recv: ') + text)
    elif fam == 'typed':
        out.append(('> ' if d == '>' else '') + text)
    elif fam == 'vendor-tool':
        stamp = t.strftime('%Y-%m-%d %H:%M:%S') + ':%03d' % ms
        if d == '>':
            out.append('[' + stamp + ' Send] ' + text + '\\r\\n')
        else:
            out.append('[' + stamp + ' Recv] \\r\\n' + text + '\\r\\n')
    elif fam == 'tio-stamped':
        out.append('[' + hms + '.%03d] ' % ms + text)
    elif fam in ('putty', 'tio-raw', 'picocom', 'minicom', 'screen'):
        out.append(text)
    elif fam == 'unknown':
        out.append('node7|mdm|%d| ' % int(dt * 1000) + text)
    elif fam == 'unknown-glued':
        out.append('node7,mdm,' + text)
    else:
        raise SystemExit('unknown family ' + fam)
open(path, 'w', newline='').write('\n'.join(out) + '\n')
EOF
}

timed="syslog syslog-rfc5424 port-then-time unix-time csv-time journald-short-iso iso-offset iso-tag python-dash python-level-name ts grabserial time-tx-rx vendor-tool tio-stamped"
untimed="tx-rx send-recv typed putty tio-raw picocom minicom screen"

for fam in $timed $untimed; do
  gen "$fam" "$tmp/$fam.log" || { bad "$fam: generator"; continue; }
  expect_exit "$fam: a conforming upgrade passes in strict" 0 "$dfota" check --no-color "$tmp/$fam.log"
  if grep -qE ' (FAIL|WARN) ' "$tmp/out"; then bad "$fam: a finding charged to the module"; grep -m3 -E ' (FAIL|WARN) ' "$tmp/out"; else ok "$fam: nothing charged to the module"; fi
done

for fam in $timed; do
  "$dfota" check --format json "$tmp/$fam.log" > "$tmp/$fam.json" 2>/dev/null
  if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["files"][0]
dl = d["flows"][0]["durations"]["download"]
assert d["timed"] and dl is not None and abs(dl - 50.0) < 0.01, (d["timed"], dl)' "$tmp/$fam.json"; then
    ok "$fam: times kept (download 50 s)"
  else
    bad "$fam: times not kept"; head -c 600 "$tmp/$fam.json"; echo
  fi
  expect_exit "$fam: a 1 s download window fails" 1 "$dfota" check --no-color --window download=1s "$tmp/$fam.log"
  expect_grep "$fam: TIME-DOWNLOAD named" "FAIL TIME-DOWNLOAD" "$tmp/out"
done

# A prefix no rule knows: named once, read as raw, never charged to the module.
for fam in unknown unknown-glued; do
  gen $fam "$tmp/$fam.log"
  for profile in strict field; do
    "$dfota" check --no-color --profile $profile "$tmp/$fam.log" > "$tmp/out" 2>&1; got=$?
    if [ "$got" -ne 1 ] && [ "$got" -ne 2 ]; then ok "$fam prefix, $profile: not a FAIL (exit $got)"; else bad "$fam prefix, $profile: exit $got"; cat "$tmp/out"; fi
    if grep -qE ' FAIL ' "$tmp/out"; then bad "$fam prefix, $profile: a FAIL charged"; cat "$tmp/out"; else ok "$fam prefix, $profile: no FAIL finding"; fi
    n=$(grep -c "unknown line prefix" "$tmp/out")
    if [ "$n" -eq 1 ]; then ok "$fam prefix, $profile: named once"; else bad "$fam prefix, $profile: named $n times"; cat "$tmp/out"; fi
  done
done

finish
