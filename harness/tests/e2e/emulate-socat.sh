#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Standard tools not written here drive the emulator's pseudo-terminal:
# chat (from ppp) sends the guide's own local-file example (chapter 3.3) and
# waits for the END URC, socat asks ATI and AT+QGMR and captures a whole
# upgrade back, which dfota check then judges. This proves the emulator is
# a real terminal device that ordinary software can use, and that what it
# says passes the harness's own rules.
#
# The emulator runs with --port uart: the terminal stays across the
# module's reboots. chat and socat hold one open terminal for their whole
# run and cannot follow a USB re-enumeration (a new terminal behind the
# link); the unit test test_emulator covers the USB reboot.
#
# usage: emulate-socat.sh DFOTA_BINARY REPO_ROOT
set -u
dfota=$1
root=$2
tmp=$(mktemp -d)
em_pid=
servers=
fails=0
passes=0

cleanup() {
  if [ -n "$em_pid" ] && kill -0 "$em_pid" 2>/dev/null; then
    kill "$em_pid" 2>/dev/null
    wait "$em_pid" 2>/dev/null
  fi
  [ -z "$servers" ] || bash "$root/fixtures/servers.sh" stop "$servers" > /dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

ok()  { passes=$((passes + 1)); echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }
expect_grep() { # NAME PATTERN FILE
  if tr -d '\r' < "$3" | grep -q -- "$2"; then ok "$1"; else bad "$1: no '$2' in $3:"; cat -A "$3"; fi
}
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
  exit $?
}

for tool in chat socat; do
  if ! command -v "$tool" > /dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
    bad "$tool is not installed (apt-get install socat ppp; scripts/install-deps.sh)"
  fi
done
[ "$fails" -eq 0 ] || finish
chat=$(command -v chat || echo /usr/sbin/chat)

old=EG95EFAR02A13M4G
new=EG95EFAR02A12M4G
mkdir "$tmp/ufs"
if "$dfota" package --from $old --to $new "$tmp/ufs/update-v13-to-v12.zip" &&
   "$dfota" package --from $new --to $old --size 10KiB "$tmp/ufs/update-v12-to-v13.zip"; then
  ok "dfota package writes the packages"
else
  bad "dfota package failed"; finish
fi

"$dfota" emulate --link "$tmp/tty" --time-scale 0.001 --ufs "$tmp/ufs" --port uart \
  --firmware $old > "$tmp/emulate.out" 2>&1 &
em_pid=$!
# the link is made first, then said: wait for the words
for _ in $(seq 400); do grep -q "^link: " "$tmp/emulate.out" && break; sleep 0.05; done
if [ -L "$tmp/tty" ] && [ -c "$(readlink "$tmp/tty")" ]; then
  ok "the link points at a terminal device"
else
  bad "no link to a terminal after 20 s"; cat "$tmp/emulate.out"; finish
fi
expect_grep "emulate prints the terminal" "^terminal: /dev/pts/" "$tmp/emulate.out"
expect_grep "emulate prints the link" "^link: $tmp/tty" "$tmp/emulate.out"

# socat: a question and its answer.
printf 'ATI\r' | timeout 10 socat -t 1 - "FILE:$tmp/tty,raw,echo=0" > "$tmp/ati.out" 2>&1
expect_grep "socat: ATI reports the model" "^EG95$" "$tmp/ati.out"
expect_grep "socat: ATI reports the firmware" "^Revision: $old$" "$tmp/ati.out"

# chat: the guide's example for a local file, then the END URC and RDY.
timeout 30 "$chat" -t 10 -V '' 'AT+QFOTADL="/data/ufs/update-v13-to-v12.zip"' OK \
  '\c' '"END",0' '\c' RDY < "$tmp/tty" > "$tmp/tty" 2> "$tmp/chat.log"
status=$?
if [ $status -eq 0 ]; then ok "chat: OK, END,0 and RDY arrived"; else bad "chat exit $status"; cat -A "$tmp/chat.log"; fi
expect_grep "chat saw START" '^+QIND: "FOTA","START"$' "$tmp/chat.log"
expect_grep "chat saw UPDATING 100" '^+QIND: "FOTA","UPDATING",100$' "$tmp/chat.log"

printf 'AT+QGMR\r' | timeout 10 socat -t 1 - "FILE:$tmp/tty,raw,echo=0" > "$tmp/qgmr.out" 2>&1
expect_grep "socat: the new version runs" "^$new$" "$tmp/qgmr.out"
expect_grep "emulate reports the firmware change" "^firmware: $new$" "$tmp/emulate.out"

# socat: the upgrade back, captured whole, judged by dfota check.
timeout 10 socat -t 2 - "FILE:$tmp/tty,raw,echo=0" > "$tmp/back.log" 2>&1 <<'EOF'
AT+QFOTADL=?
AT+QFOTADL="/data/ufs/update-v12-to-v13.zip"
EOF
expect_grep "socat: the upgrade back ends with END,0" '^+QIND: "FOTA","END",0$' "$tmp/back.log"
if "$dfota" check --port uart "$tmp/back.log" > "$tmp/check.out" 2>&1; then
  ok "dfota check passes the captured upgrade (strict)"
else
  bad "dfota check fails the capture:"; cat "$tmp/check.out"; cat -A "$tmp/back.log"
fi

# A bad argument: ERROR, as chapter 3 wants.
printf 'AT+QFOTADL="ftp://test:test@127.0.0.1:0/update.zip"\r' |
  timeout 10 socat -t 0.5 - "FILE:$tmp/tty,raw,echo=0" > "$tmp/bad.out" 2>&1
expect_grep "socat: port 0 gets ERROR" "^ERROR$" "$tmp/bad.out"

# Stop: exit 0, the link removed, no process left.
stop_emulator() {
  kill -TERM "$em_pid"
  wait "$em_pid"
  local status=$?
  if [ $status -eq 0 ]; then ok "SIGTERM stops the emulator with 0"; else bad "emulate exit $status"; cat "$tmp/emulate.out"; fi
  if kill -0 "$em_pid" 2>/dev/null; then bad "the emulator is still running"; else ok "no emulator process left"; fi
  em_pid=
  if [ -e "$tmp/tty" ] || [ -L "$tmp/tty" ]; then bad "the link is still there"; else ok "the link is removed"; fi
}
stop_emulator

# With the fixture servers: a real HTTP download (the guide's 3.2), chat
# waiting for HTTPEND,0 and then END,0.
if [ -f "$root/fixtures/servers.sh" ]; then
  servers="$tmp/servers"
  if bash "$root/fixtures/servers.sh" start "$servers" > "$tmp/servers.log" 2>&1; then
    # shellcheck disable=SC1091
    . "$servers/servers.env"
    "$dfota" emulate --link "$tmp/tty" --time-scale 0.001 --port uart > "$tmp/emulate.out" 2>&1 &
    em_pid=$!
    for _ in $(seq 100); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
    timeout 60 "$chat" -t 20 -V '' "AT+QFOTADL=\"$HTTP_URL\"" OK '\c' '"HTTPSTART"' \
      '\c' '"HTTPEND",0' '\c' '"END",0' < "$tmp/tty" > "$tmp/tty" 2> "$tmp/chat-http.log"
    status=$?
    if [ $status -eq 0 ]; then ok "chat: HTTP download, HTTPEND,0 and END,0"; else bad "chat (HTTP) exit $status"; cat -A "$tmp/chat-http.log"; fi
    stop_emulator
  else
    bad "fixtures/servers.sh start failed:"; cat "$tmp/servers.log"
  fi
  if bash "$root/fixtures/servers.sh" stop "$servers" > /dev/null 2>&1; then ok "fixture servers stopped"; else bad "fixture servers did not stop"; fi
  servers=
else
  echo "note: no fixtures/servers.sh, the HTTP download case is left out"
fi
if [ -z "$(jobs -p)" ]; then ok "no background job left"; else bad "jobs left: $(jobs -p)"; fi

finish
