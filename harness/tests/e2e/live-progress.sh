#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Living with a long run: what dfota run shows while it runs, and what
# dfota emulate says on its console.
#   - On a terminal (tmux, a private server on its own socket): the status
#     lines show the scenario, the step and the module time left of its
#     window, the reboot and the UPDATING bar while the run waits; at the
#     end they are gone and only the verdicts are on the screen.
#   - Not on a terminal: one line per step as it is settled, on standard
#     error, with its verdict and its module time.
#   - -q: the verdicts only; -v: the AT exchange, redacted.
#   - None of them changes a transcript's byte.
#   - dfota emulate, driven by a small client: what it received and
#     answered, why a download to a closed loopback port failed, the fault
#     it played; --quiet: none of it; the first lines stay as they were.
#
# usage: live-progress.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
em_pid=
sock=$tmp/tmux.sock
e2e_cleanup() {
  stop_all "$em_pid"
  if [ -S "$sock" ]; then tmux -S "$sock" kill-server 2>/dev/null; fi
}
python=/usr/bin/python3
[ -x "$python" ] || python=python3
sc=$root/scenarios/3.1-usb-reboot-after-download.yaml
name=3.1-usb-reboot-after-download

# ---- not on a terminal: a line per step -------------------------------------
"$dfota" run --source emulator --report "$tmp/plain" "$sc" > "$tmp/plain.out" 2> "$tmp/plain.err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "the run passes (exit 0)"; else bad "run exit $rc"; cat "$tmp/plain.out" "$tmp/plain.err"; fi
n=$(grep -c "^\[1/1\] $name: step [1-8]/8 PASS in [0-9]*\.[0-9]*s: " "$tmp/plain.err")
if [ "$n" -eq 8 ]; then ok "not on a terminal: one line per step, 8 of 8"; else bad "$n step lines, want 8:"; cat "$tmp/plain.err"; fi
if [ "$(wc -l < "$tmp/plain.err")" -eq 8 ]; then ok "and nothing else on standard error"; else bad "standard error:"; cat "$tmp/plain.err"; fi
expect_grep "the reboot step took the emulator's 20 s reboot in module time" \
  "step 5/8 PASS in 2[0-9]\.[0-9]*s: reboot within 300s" "$tmp/plain.err"
expect_grep "the send step's line is redacted" 'step 1/8 PASS .*send AT+QFOTADL="ftp://test:\*\*\*@' "$tmp/plain.err"
if grep -q $'\033' "$tmp/plain.err"; then bad "escape sequences in a log"; else ok "no escape sequence in a log"; fi

# ---- -q and -v ---------------------------------------------------------------
# a scenario that fails: START is asked for within 1 s of the reboot
mkdir "$tmp/late"
sed '/expect_urc: START/{n;s/300s/1s/}' "$sc" > "$tmp/late/$name.yaml"
"$dfota" run -q --source emulator "$tmp/late/$name.yaml" > "$tmp/q.out" 2> "$tmp/q.err"
rc=$?
if [ "$rc" -eq 1 ]; then ok "-q: the failing run exits 1"; else bad "-q: exit $rc, want 1"; cat "$tmp/q.out" "$tmp/q.err"; fi
if [ "$(wc -l < "$tmp/q.out")" -eq 2 ] && grep -q "^FAIL  *$name (" "$tmp/q.out" &&
   grep -q "^1 scenario: 0 passed, 1 failed" "$tmp/q.out"; then
  ok "-q: the verdict line and the summary, nothing else"
else bad "-q printed:"; cat "$tmp/q.out"; fi
if [ ! -s "$tmp/q.err" ]; then ok "-q: no progress"; else bad "-q: standard error:"; cat "$tmp/q.err"; fi
"$dfota" run --source emulator "$tmp/late/$name.yaml" > "$tmp/nq.out" 2> "$tmp/nq.err"
expect_grep "without -q the failing step is detailed" "^ *step 6 (line [0-9]*) expect_urc START within 1s: FAIL" "$tmp/nq.out"
expect_grep "and its step line says FAIL" "step 6/8 FAIL in .*expect_urc START within 1s -- " "$tmp/nq.err"

"$dfota" run -v --source emulator --report "$tmp/verbose" "$sc" > "$tmp/v.out" 2> "$tmp/v.err"
expect_grep "-v: the host's command, redacted" '^\[1/1\]  *0\.000 > AT+QFOTADL="ftp://test:\*\*\*@127\.0\.0\.1:2121/' "$tmp/v.err"
expect_grep "-v: the module's answer" '^\[1/1\]  *[0-9]*\.[0-9]\{3\} < OK$' "$tmp/v.err"
expect_grep "-v: the URCs" '^\[1/1\]  *[0-9]*\.[0-9]\{3\} < +QIND: "FOTA","UPDATING",45$' "$tmp/v.err"
expect_grep "-v: the reboot" '^\[1/1\]  *[0-9]*\.[0-9]\{3\} ! port-lost$' "$tmp/v.err"
expect_grep "-v: the step lines too" "step 8/8 PASS" "$tmp/v.err"
pw=$(sed -n 's/.*ftp:\/\/test:\([^@]*\)@.*/\1/p' "$root/fixtures/packages.yaml" 2>/dev/null | head -1)
if [ -n "$pw" ] && grep -qF "test:$pw@" "$tmp/v.err"; then bad "-v shows the password"; else ok "-v shows no password"; fi

# ---- on a terminal -------------------------------------------------------------
if ! command -v tmux > /dev/null; then
  bad "tmux is not installed (scripts/install-deps.sh)"
  finish; exit
fi
# tty_run NAME ARGS...: dfota run ARGS in a 100x30 tmux pane, captured every
# 0.1 s into $tmp/NAME.caps until it ends (at most 120 s); the last screen in
# $tmp/NAME.screen.
tty_run() {
  local name=$1; shift
  local cmd
  cmd=$(printf '%q ' "$dfota" run "$@")
  tmux -S "$sock" new-session -d -s "$name" -x 100 -y 30 \
    "$cmd; echo \"exit=\$?\"; sleep 120"
  : > "$tmp/$name.caps"
  for _ in $(seq 1200); do
    tmux -S "$sock" capture-pane -p -t "$name" > "$tmp/$name.screen" 2>/dev/null
    { cat "$tmp/$name.screen"; echo "----"; } >> "$tmp/$name.caps"
    grep -q "^exit=" "$tmp/$name.screen" && break
    sleep 0.1
  done
  tmux -S "$sock" kill-session -t "$name" 2>/dev/null
}
# a tenth of real time: the 20 s reboot and the 20 s update take 2 s each
tty_run live --source emulator --time-scale 0.1 --no-color "$sc"
expect_grep "terminal: the scenario and the step with the time left of its window" \
  "^\[1/1\] $name  step [1-8]/8 .* [0-9.ms]*s left$" "$tmp/live.caps"
expect_grep "terminal: the reboot as it happens" "^  reboot: the port is away ([0-9.]*s)" "$tmp/live.caps"
expect_grep "terminal: the UPDATING percentage as a bar" \
  '^  \[#*\.*\]  *[0-9]*%  last URC: +QIND: "FOTA","UPDATING",[0-9]*$' "$tmp/live.caps"
expect_grep "terminal: the run ended with 0" "^exit=0$" "$tmp/live.screen"
if grep -q "^PASS  *$name (§3.1), 8 steps" "$tmp/live.screen" &&
   grep -q "^1 scenario: 1 passed" "$tmp/live.screen"; then
  ok "terminal: the verdict and the summary on the last screen"
else bad "terminal: last screen:"; cat "$tmp/live.screen"; fi
if grep -q "left$\|reboot: \|last URC\|^\[1/1\]" "$tmp/live.screen"; then
  bad "terminal: status lines left on the last screen:"; cat "$tmp/live.screen"
else ok "terminal: the status lines are cleared at the end"; fi
# the first lines of the last screen are the verdict: nothing before them
first=$(grep -v '^$' "$tmp/live.screen" | head -1)
case $first in
  PASS*) ok "terminal: nothing interleaved before the verdict" ;;
  *) bad "terminal: the screen starts with '$first'" ;;
esac

# the display changes no byte: the same run (virtual time) on a terminal,
# with -q and with -v writes the same transcript
tty_run virt --source emulator --no-color --report "$tmp/virt" "$sc"
"$dfota" run -q --source emulator --report "$tmp/quiet" "$sc" > /dev/null 2>&1
strip() { grep -v '^# \(started\|command\|source\|port\)' "$1"; }
tv=$(ls "$tmp"/virt/run-*/transcripts/*.transcript 2>/dev/null | head -1)
tq=$(ls "$tmp"/quiet/run-*/transcripts/*.transcript 2>/dev/null | head -1)
tp=$(ls "$tmp"/plain/run-*/transcripts/*.transcript 2>/dev/null | head -1)
tw=$(ls "$tmp"/verbose/run-*/transcripts/*.transcript 2>/dev/null | head -1)
if [ -n "$tv" ] && [ -n "$tq" ] && [ -n "$tp" ] && [ -n "$tw" ] &&
   [ "$(strip "$tv")" = "$(strip "$tq")" ] && [ "$(strip "$tq")" = "$(strip "$tp")" ] &&
   [ "$(strip "$tp")" = "$(strip "$tw")" ] && [ "$(grep -c '^[0-9.]* [<>!] ' "$tq")" -ge 20 ]; then
  ok "the terminal's, -q's, -v's and a log's runs wrote the same transcript"
else
  bad "the transcripts differ (or are missing): $tv $tq $tp $tw"
  [ -n "$tv" ] && [ -n "$tq" ] && diff <(strip "$tv") <(strip "$tq") | head -20
fi

# ---- dfota emulate's console -----------------------------------------------------
# a loopback port nothing listens on
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cat > "$tmp/drive.py" <<'EOF'
import os, select, sys, time, tty
link, line, want = sys.argv[1], sys.argv[2], sys.argv[3]
fd = os.open(link, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
os.write(fd, (line + "\r").encode())
buf, end = b"", time.time() + 30
while time.time() < end and want.encode() not in buf:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            buf += os.read(fd, 4096)
        except OSError:
            break
os.close(fd)
sys.stdout.write(buf.decode(errors="replace"))
sys.exit(0 if want.encode() in buf else 1)
EOF
# emulate_session NAME ARGS...: an emulator, the client asks for a download
# from the closed port, then SIGTERM; its standard output in $tmp/NAME.out.
emulate_session() {
  local name=$1; shift
  local link=$tmp/$name.tty
  "$dfota" emulate --link "$link" --time-scale 0.01 "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
  em_pid=$!
  for _ in $(seq 250); do [ -L "$link" ] && break; sleep 0.02; done
  if ! timeout 60 "$python" "$tmp/drive.py" "$link" \
       "AT+QFOTADL=\"ftp://test:s3cr3t-pw@127.0.0.1:$port/update.zip\"" FTPEND > "$tmp/$name.host" 2>&1; then
    bad "$name: no FTPEND came: $(cat "$tmp/$name.host")"
  fi
  sleep 0.3
  stop_all "$em_pid"
  em_pid=
}
emulate_session console --fault download-error:code=605
if [ "$(head -3 "$tmp/console.out" | cut -d: -f1 | tr '\n' ' ')" = "terminal link firmware " ]; then
  ok "emulate: terminal, link and firmware are still its first lines"
else bad "emulate's first lines:"; head -5 "$tmp/console.out"; fi
expect_grep "emulate: says where its UFS folder is" "^ufs: /" "$tmp/console.out"
expect_grep "emulate: what it received, redacted" \
  "^ *[0-9]*\.[0-9]\{3\} > AT+QFOTADL=\"ftp://test:\*\*\*@127\.0\.0\.1:$port/update.zip\"$" "$tmp/console.out"
expect_grep "emulate: what it answered" '^ *[0-9]*\.[0-9]\{3\} < OK$' "$tmp/console.out"
expect_grep "emulate: why the download failed, and the code it gives" \
  "^download: FTP failed: .*127\.0\.0\.1.*$port.* -> FTPEND,605$" "$tmp/console.out"
expect_grep "emulate: the fault it played" \
  "^fault: download-error fires (every time) at the download's end -> code 605$" "$tmp/console.out"
if grep -q "s3cr3t-pw" "$tmp/console.out"; then bad "emulate's console shows the password"; else ok "emulate's console shows no password"; fi
expect_grep "emulate: the client got FTPEND,605" '"FTPEND",605' "$tmp/console.host"

emulate_session quiet --quiet --fault download-error:code=605
if [ "$(head -4 "$tmp/quiet.out" | cut -d: -f1 | tr '\n' ' ')" = "terminal link firmware ufs " ] &&
   ! grep -q "^download:\|^fault:\| > \| < " "$tmp/quiet.out"; then
  ok "emulate --quiet: only its own lines"
else bad "emulate --quiet printed:"; cat "$tmp/quiet.out"; fi
finish
