#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota proxy judges host software driving a module: an emulated module
# (dfota emulate) stands in for the hardware, dfota proxy sits in front of
# it, and ordinary host programs (socat, and the small host of lib/host.py)
# drive the proxy's link. Each session is stopped with SIGINT; the proxy's
# verdict must be the one 'dfota check --host --host-windows' gives its
# transcript.
#
# Cases:
#   uart    socat sends the guide's local-file command and stays to END
#           (UART: the port stays across reboots, so socat can hold it)
#   ahead   a host that types ahead (two commands in one write): FAIL
#           naming HOST-WAIT-FINAL
#   secret  an FTP password sent through the proxy is *** in the transcript
#           (and kept with --no-redact)
#   usb     the USB emulator: the proxy's link drops and comes back with the
#           module, and the host reopens it (port-lost, port-back, host-open)
#   trouble no module, or a file where the link goes: exit 4
#
# The module runs at a tenth of real time (reboots of 5 s take 0.5 s).
#
# usage: proxy.sh DFOTA_BINARY REPO_ROOT
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
python=/usr/bin/python3
[ -x "$python" ] || python=python3

if ! command -v socat > /dev/null 2>&1; then
  bad "socat is not installed (apt-get install socat; scripts/install-deps.sh)"
  finish; exit
fi
mkdir "$tmp/ufs"
if ! "$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G "$tmp/ufs/update.zip" > "$tmp/pkg.log" 2>&1; then
  bad "package: $(cat "$tmp/pkg.log")"
  finish; exit
fi

# wait_for COUNT TEST...: retries TEST every 20 ms, COUNT times at most.
wait_for() {
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.02; done
  return 1
}

# emulator [ARGS...]: a module at $tmp/module.
emulator() {
  rm -f "$tmp/module"
  "$dfota" emulate --link "$tmp/module" --time-scale 0.1 --reboot 5s --progress-step 1s \
    --ufs "$tmp/ufs" "$@" > "$tmp/emulate.out" 2>&1 &
  em_pid=$!
  wait_for 250 test -L "$tmp/module" || { bad "the emulator did not come up"; cat "$tmp/emulate.out"; }
}

stop_emulator() {
  kill -INT "$em_pid"
  wait "$em_pid" 2>/dev/null
  em_pid=
}

# proxy NAME [ARGS...]: dfota proxy in front of the module, its link at
# $tmp/NAME.tty, output in $tmp/NAME.out and .err; its clock at $scale
# (default 0.1, the emulator's).
proxy() {
  local name=$1; shift
  "$dfota" proxy --source "serial:$tmp/module,time-scale=${scale:-0.1}" --link "$tmp/$name.tty" "$@" \
    > "$tmp/$name.out" 2> "$tmp/$name.err" &
  px_pid=$!
  if wait_for 250 grep -q "^link: " "$tmp/$name.out"; then
    ok "$name: the proxy prints its link when ready"
  else
    bad "$name: no 'link:' from the proxy"; cat "$tmp/$name.out" "$tmp/$name.err"
  fi
}

# stop_proxy: SIGINT, then its exit status in $px_rc.
stop_proxy() {
  sleep "${settle:-0.3}" # what the module says after the host is done reaches the proxy
  kill -INT "$px_pid"
  wait "$px_pid"
  px_rc=$?
  px_pid=
}

# agrees NAME WANT TRANSCRIPT: the proxy exited WANT, and dfota check says the same.
agrees() {
  local name=$1 want=$2 file=$3
  if [ "$px_rc" -eq "$want" ]; then
    ok "$name: the proxy's verdict exits $px_rc"
  else
    bad "$name: the proxy exited $px_rc, want $want"; cat "$tmp/$name.out" "$tmp/$name.err" "$file"
  fi
  "$dfota" check --host --host-windows "$file" > "$tmp/$name.check" 2>&1
  local got=$?
  if [ "$got" -eq "$px_rc" ]; then
    ok "$name: dfota check --host --host-windows agrees (exit $got)"
  else
    bad "$name: dfota check exits $got, the proxy $px_rc"; cat "$tmp/$name.check"
  fi
}

# ---- uart: socat drives an upgrade to END ----------------------------------------
emulator --port uart
proxy uart --report "$tmp/rep"
# The writer's side waits for what socat has read back (the same file): it
# keeps socat's input open, and so the port, until END has arrived.
# shellcheck disable=SC2094
( printf 'AT+QFOTADL="/data/ufs/update.zip"\r'
  wait_for 1500 grep -q '"END",0' "$tmp/uart.host"
  sleep 0.3 ) | timeout 60 socat -t 1 - "FILE:$tmp/uart.tty,raw,echo=0" > "$tmp/uart.host" 2>&1
expect_grep "uart: socat saw END,0 through the proxy" '"END",0' "$tmp/uart.host"
stop_proxy
found=("$tmp"/rep/proxy-*/session.transcript)
transcript=${found[0]}
if [ "${#found[@]}" -eq 1 ] && [ -f "$transcript" ]; then
  ok "uart: the report holds proxy-<UTC time>/session.transcript"
else
  bad "uart: no transcript under $tmp/rep"; ls -R "$tmp/rep"; transcript=$tmp/none
fi
agrees uart 0 "$transcript"
expect_grep "uart: the transcript has the host's command" '^[0-9.]* > AT+QFOTADL="/data/ufs/update.zip"$' "$transcript"
expect_grep "uart: the transcript has the module's OK" '^[0-9.]* < OK$' "$transcript"
expect_grep "uart: the transcript has END,0" '^[0-9.]* < +QIND: "FOTA","END",0$' "$transcript"
expect_grep "uart: the transcript has the host opening the link" '^[0-9.]* ! host-open$' "$transcript"
expect_grep "uart: the transcript has the host closing the link" '^[0-9.]* ! host-close$' "$transcript"
expect_grep "uart: the transcript says it is redacted" '^# redacted: credentials$' "$transcript"
expect_grep "uart: summary.txt has the verdict" '^verdict: PASS$' "$(dirname "$transcript")/summary.txt"
expect_grep "uart: summary.txt names the host rules" 'HOST-WAIT-FINAL *PASS' "$(dirname "$transcript")/summary.txt"
expect_grep "uart: the proxy printed the verdict" 'session.transcript: PASS' "$tmp/uart.out"
if [ -e "$tmp/uart.tty" ] || [ -L "$tmp/uart.tty" ]; then bad "uart: the link is still there"; else ok "uart: the link is removed on exit"; fi

# ---- ahead: a host that types ahead ----------------------------------------------
# Its proxy's clock runs at real time: both commands come in one write, and
# at a tenth a proxy held up 0.3 s before it read them could not tell that
# the host did not wait the 3 s an answer is owed (HOST-WAIT-FINAL would be
# the harness's, exit 4); at real time that takes 3 s. The answers to
# AT+QGMR and AT take no time at either scale.
scale=1 proxy ahead --record "$tmp/ahead.transcript"
printf 'AT+QGMR\rAT\r' | timeout 10 socat -t 0.5 - "FILE:$tmp/ahead.tty,raw,echo=0" > "$tmp/ahead.host" 2>&1
stop_proxy
agrees ahead 1 "$tmp/ahead.transcript"
expect_grep "ahead: the proxy names HOST-WAIT-FINAL as it happens" 'FAIL HOST-WAIT-FINAL' "$tmp/ahead.out"
expect_grep "ahead: the finding points at the transcript's line" "^$tmp/ahead.transcript:[0-9]*: FAIL HOST-WAIT-FINAL" "$tmp/ahead.out"

# ---- secret: an FTP password through the proxy -----------------------------------
# Port 0 breaks the guide's limits: ERROR at once, no network needed.
cmd='AT+QFOTADL="ftp://user:s3cretPw@127.0.0.1:0/update.zip"'
proxy secret --record "$tmp/secret.transcript"
printf '%s\r' "$cmd" | timeout 10 socat -t 0.5 - "FILE:$tmp/secret.tty,raw,echo=0" > "$tmp/secret.host" 2>&1
stop_proxy
expect_grep "secret: the module answered ERROR" '^ERROR' "$tmp/secret.host"
expect_grep "secret: the transcript has the command with ***" 'ftp://user:\*\*\*@127.0.0.1:0' "$tmp/secret.transcript"
if grep -q s3cretPw "$tmp/secret.transcript" "$tmp/secret.out" "$tmp/secret.err"; then
  bad "secret: the password is in the transcript or the output"
else
  ok "secret: the password is in neither the transcript nor the output"
fi
old_umask=$(umask); umask 022
proxy keep --record "$tmp/keep.transcript" --no-redact
umask "$old_umask"
printf '%s\r' "$cmd" | timeout 10 socat -t 0.5 - "FILE:$tmp/keep.tty,raw,echo=0" > /dev/null 2>&1
stop_proxy
expect_grep "keep: --no-redact keeps the password" 's3cretPw' "$tmp/keep.transcript"
expect_grep "keep: and says so" '^# redacted: none$' "$tmp/keep.transcript"
umask 022
proxy keeprep --report "$tmp/keep-report" --no-redact
umask "$old_umask"
printf '%s\r' "$cmd" | timeout 10 socat -t 0.5 - "FILE:$tmp/keeprep.tty,raw,echo=0" > /dev/null 2>&1
stop_proxy
# what holds the password is private: 0600 files, 0700 folders, whatever the umask
open_modes=$(find "$tmp/keep.transcript" "$tmp/keep-report" \( -type f ! -perm 600 \) -o \( -type d ! -perm 700 \) | tr '\n' ' ')
if [ -z "$open_modes" ] && [ -n "$(find "$tmp/keep-report" -name session.transcript)" ]; then ok "keep: --no-redact recordings and reports are 0600/0700"
else bad "keep: readable by others with --no-redact: $open_modes"; ls -lR "$tmp/keep.transcript" "$tmp/keep-report"; fi
stop_emulator

# ---- usb: the module's reboots drop the proxy's link -----------------------------
# At a third of real time: the emulator waits for its host to reopen the
# port before it says START, and its host here is the proxy, which reopens
# at once; the host program behind the proxy then has the module's 1.5 s
# (450 ms of wall time) to reopen the proxy's link, not 150 ms.
emulator --time-scale 0.3
scale=0.3 proxy usb --record "$tmp/usb.transcript"
if ! timeout 60 "$python" "$here/lib/host.py" "$tmp/usb.tty" good > "$tmp/usb.host" 2>&1; then
  bad "usb: the host program could not do its part: $(cat "$tmp/usb.host")"
fi
stop_proxy
stop_emulator
agrees usb 0 "$tmp/usb.transcript"
expect_grep "usb: the transcript has port-lost" '^[0-9.]* ! port-lost$' "$tmp/usb.transcript"
expect_grep "usb: the transcript has port-back" '^[0-9.]* ! port-back$' "$tmp/usb.transcript"
if grep -A1 '! port-back$' "$tmp/usb.transcript" | grep -q '! host-open$'; then
  ok "usb: the host reopened the proxy's link after the port came back"
else
  bad "usb: no host-open right after port-back"; cat "$tmp/usb.transcript"
fi
expect_grep "usb: the host followed to END,0" 'END",0' "$tmp/usb.host"
expect_grep "usb: the proxy said the module went away" '^module port: away$' "$tmp/usb.out"

# ---- trouble: exit 4 --------------------------------------------------------------
expect_exit "no module at the port: exit 4" 4 "$dfota" proxy --source "serial:$tmp/no-such-port" --link "$tmp/x.tty"
expect_grep "the message names the port" "no-such-port" "$tmp/err"
emulator --port uart
touch "$tmp/file"
expect_exit "a file where the link goes: exit 4" 4 "$dfota" proxy --source "serial:$tmp/module" --link "$tmp/file"
expect_grep "the message says it is not a link" "not a symbolic link" "$tmp/err"
"$dfota" proxy --source "serial:$tmp/module,time-scale=0.1" --link "$tmp/gone.tty" --give-up 10s \
  --report "$tmp/gone" > "$tmp/gone.out" 2> "$tmp/gone.err" &
px_pid=$!
wait_for 250 grep -q "^link: " "$tmp/gone.out"
stop_emulator # the module's port goes and stays away: 10 s of module time is 1 s
proxy_gone() { ! kill -0 "$px_pid" 2>/dev/null; }
wait_for 250 proxy_gone
if kill -0 "$px_pid" 2>/dev/null; then
  bad "gone: the proxy did not give up"; kill "$px_pid"
fi
wait "$px_pid"
px_rc=$?
px_pid=
if [ "$px_rc" -eq 4 ]; then ok "gone: a port that does not come back ends the proxy with 4"; else bad "gone: exit $px_rc, want 4"; cat "$tmp/gone.out"; fi
expect_grep "gone: the message says it gave up" "giving up: .* did not come back within 10 s" "$tmp/gone.err"
expect_grep "gone: summary.txt says so too" "^harness trouble: giving up" "$tmp"/gone/proxy-*/summary.txt
expect_exit "no --link: usage error" 2 "$dfota" proxy --source "serial:$tmp/module"
expect_exit "a source that is not serial: usage error" 2 "$dfota" proxy --source "emulator:" --link "$tmp/x"
expect_exit "--help" 0 "$dfota" proxy --help
expect_grep "--help names every option" "--give-up" "$tmp/out"
if [ -z "$(jobs -p)" ]; then ok "no background job left"; else bad "jobs left: $(jobs -p)"; fi
finish
