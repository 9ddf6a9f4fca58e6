#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dfota stage: a package uploaded to a real FTP server (pyftpdlib, on
# 127.0.0.1) reads back with its size and bytes; --check-url (the library's
# dfota_preflight_url) sizes the fixture servers' FTP and HTTP URLs, also
# through --connect-to, and refuses a missing file, a wrong password, a
# port nothing listens on and an empty file, never printing a password;
# --module stages a package into the emulator's /data/ufs/ with AT+QFUPL,
# byte for byte, and the emulator then upgrades from it.
#
# The fixture FTP server is read-only (fixtures/ftpd.py), which this also
# checks (exit 1: the server refused the upload); the uploads go to a
# writable pyftpdlib of this script's own, on a free loopback port.
#
# usage: stage.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
srv="$tmp/srv"
ftpd_pid=
em_pid=
e2e_cleanup() {
  local p
  for p in $em_pid $ftpd_pid; do
    if kill -0 "$p" 2> /dev/null; then kill "$p" 2> /dev/null; wait "$p" 2> /dev/null; fi
  done
  bash "$root/fixtures/servers.sh" stop "$srv" > /dev/null 2>&1
}

python=/usr/bin/python3
[ -x "$python" ] || python=python3
pass=St4ge-S3cret-pw
no_secret() { # NAME: neither output of the last command holds a password
  if grep -q -e "$pass" -e "wrong-password" "$tmp/out" "$tmp/err"; then
    bad "$1: a password was printed"; cat "$tmp/out" "$tmp/err"
  else
    ok "$1: no password printed"
  fi
}

# --- usage
expect_exit "--help" 0 "$dfota" stage --help
expect_grep "--help names --check-url" "--check-url URL" "$tmp/out"
expect_exit "no mode: usage" 2 "$dfota" stage x.zip
expect_exit "two modes: usage" 2 "$dfota" stage --ftp ftp://127.0.0.1/ --check-url http://127.0.0.1/ x.zip
expect_exit "--module without serial: usage" 2 "$dfota" stage --module /dev/null x.zip
expect_exit "--check-url with a FILE: usage" 2 "$dfota" stage --check-url http://127.0.0.1/ x.zip
expect_exit "a file:// URL: usage" 2 "$dfota" stage --check-url file:///etc/passwd

# --- a package and the servers
"$dfota" package --from EG95EFAR02A07M4G --to EG95EFAR02A08M4G --size 40KiB "$tmp/pkg.zip" || bad "dfota package"
: > "$tmp/empty.zip"
size=$(stat -c %s "$tmp/pkg.zip")
if ! bash "$root/fixtures/servers.sh" start "$srv" > "$tmp/servers.log" 2>&1; then
  bad "fixtures/servers.sh start:"; cat "$tmp/servers.log"; finish; exit
fi
# shellcheck disable=SC1091
. "$srv/servers.env"

wport=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$tmp/ftproot"
"$python" -m pyftpdlib -i 127.0.0.1 -p "$wport" -w -d "$tmp/ftproot" -u stager -P "$pass" \
  > "$tmp/ftpd.log" 2>&1 &
ftpd_pid=$!
for _ in $(seq 100); do
  curl -s --max-time 1 -u "stager:$pass" -o /dev/null "ftp://127.0.0.1:$wport/" && break
  sleep 0.05
done
wurl="ftp://stager:$pass@127.0.0.1:$wport"

# --- FTP uploads
expect_exit "--ftp: upload into a new folder" 0 "$dfota" stage --ftp "$wurl/pkgs/v13/" "$tmp/pkg.zip"
no_secret "--ftp"
expect_grep "--ftp: the size read back" "reads back $size bytes" "$tmp/out"
expect_grep "--ftp: a last line" "^staged .*pkg.zip on the FTP server" "$tmp/out"
if cmp -s "$tmp/pkg.zip" "$tmp/ftproot/pkgs/v13/pkg.zip"; then ok "--ftp: the same bytes on the server"; else bad "--ftp: the server's file differs"; fi
expect_exit "--ftp through --connect-to (a name never looked up)" 0 \
  "$dfota" stage --ftp "ftp://stager:$pass@fota.example.invalid:2121/again.zip" \
  --connect-to ":2121:127.0.0.1:$wport" "$tmp/pkg.zip"
if cmp -s "$tmp/pkg.zip" "$tmp/ftproot/again.zip"; then ok "--ftp --connect-to: the same bytes"; else bad "--ftp --connect-to: no file"; fi
expect_exit "--ftp to the read-only fixture server: refused" 1 \
  "$dfota" stage --ftp "ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$FTP_PORT/mine.zip" "$tmp/pkg.zip"
expect_grep "--ftp refused: says so" "refused the upload\|denied" "$tmp/out"
expect_exit "--ftp to a port nothing listens on" 4 \
  "$dfota" stage --ftp "ftp://stager:$pass@127.0.0.1:$REFUSED_PORT/x.zip" "$tmp/pkg.zip"
expect_grep "--ftp refused port: cannot connect" "cannot connect" "$tmp/out"
no_secret "--ftp refused port"
expect_exit "--ftp with a wrong password" 4 \
  "$dfota" stage --ftp "ftp://stager:wrong-password@127.0.0.1:$wport/x.zip" "$tmp/pkg.zip"
no_secret "--ftp wrong password"
expect_exit "--ftp of a file that is not there" 4 "$dfota" stage --ftp "$wurl/x.zip" "$tmp/none.zip"

# --- preflight (--check-url)
expect_exit "--check-url: the uploaded file" 0 "$dfota" stage --check-url "$wurl/pkgs/v13/pkg.zip"
expect_grep "--check-url: its size" ": $size bytes$" "$tmp/out"
no_secret "--check-url"
fsize=$(stat -c %s "$srv/www/$FTP_FILE")
expect_exit "--check-url: fixture FTP_URL" 0 "$dfota" stage --check-url "$FTP_URL"
expect_grep "--check-url FTP: the package's size" ": $fsize bytes$" "$tmp/out"
expect_exit "--check-url: fixture HTTP_URL (HEAD)" 0 "$dfota" stage --check-url "$HTTP_URL"
expect_grep "--check-url HTTP: the package's size" ": $fsize bytes$" "$tmp/out"
expect_exit "--check-url: a scenario's literal FTP URL through --connect-to" 0 \
  "$dfota" stage --check-url "ftp://test:test@fota-server.localhost:2121/$FTP_FILE" --connect-to "$FTP_CONNECT_TO"
expect_exit "--check-url: a literal HTTP URL through --connect-to" 0 \
  "$dfota" stage --check-url "http://fota-server.localhost:8080/$FTP_FILE" --connect-to "$HTTP_CONNECT_TO"
expect_exit "--check-url: FTP missing file" 4 "$dfota" stage --check-url "$FTP_MISSING_URL"
expect_grep "--check-url FTP missing: no such file" "no such file" "$tmp/out"
expect_exit "--check-url: HTTP missing file" 4 "$dfota" stage --check-url "$HTTP_MISSING_URL"
expect_grep "--check-url HTTP missing: 404" "no such file (HTTP 404)" "$tmp/out"
expect_exit "--check-url: wrong password" 4 "$dfota" stage --check-url "$FTP_BADAUTH_URL"
expect_grep "--check-url wrong password: login refused" "refused the login" "$tmp/out"
no_secret "--check-url wrong password"
expect_exit "--check-url: FTP port nothing listens on" 4 "$dfota" stage --check-url "$FTP_REFUSED_URL"
expect_grep "--check-url refused: cannot connect" "cannot connect" "$tmp/out"
expect_exit "--check-url: HTTP port nothing listens on" 4 "$dfota" stage --check-url "$HTTP_REFUSED_URL"
expect_exit "--ftp: an empty file: the read-back refuses size 0" 1 "$dfota" stage --ftp "$wurl/empty.zip" "$tmp/empty.zip"
expect_exit "--check-url: an empty file" 4 "$dfota" stage --check-url "$wurl/empty.zip"
expect_grep "--check-url empty: says so" "empty (size 0)" "$tmp/out"

# --- the module: AT+QFUPL into the emulator's /data/ufs/
mkdir "$tmp/ufs"
"$dfota" emulate --link "$tmp/tty" --port uart --time-scale 0.1 --reboot 2s --progress-step 200ms \
  --ufs "$tmp/ufs" > "$tmp/emulate.out" 2>&1 &
em_pid=$!
for _ in $(seq 100); do [ -L "$tmp/tty" ] && break; sleep 0.05; done
[ -L "$tmp/tty" ] || { bad "no emulator link:"; cat "$tmp/emulate.out"; finish; exit; }
link="serial:$tmp/tty,time-scale=0.1"
expect_exit "--module: AT+QFUPL" 0 "$dfota" stage --module "$link" "$tmp/pkg.zip"
expect_grep "--module: the module's count and checksum" "^the module answered +QFUPL: $size," "$tmp/out"
expect_grep "--module: a last line" "^staged .* as /data/ufs/pkg.zip: $size bytes" "$tmp/out"
if cmp -s "$tmp/pkg.zip" "$tmp/ufs/pkg.zip"; then ok "--module: the same bytes in the UFS"; else bad "--module: the UFS file differs"; fi
expect_exit "--module: the name exists" 1 "$dfota" stage --module "$link" "$tmp/pkg.zip"
expect_exit "--module --replace" 0 "$dfota" stage --module "$link" --replace "$tmp/pkg.zip"
expect_grep "--module --replace: deleted first" "^deleted UFS:pkg.zip" "$tmp/out"
expect_exit "--module --name" 0 "$dfota" stage --module "$link" --name update.zip --timeout 10 "$tmp/pkg.zip"
if cmp -s "$tmp/pkg.zip" "$tmp/ufs/update.zip"; then ok "--module --name: the same bytes"; else bad "--module --name: no file"; fi
expect_exit "--module: a name with '/'" 2 "$dfota" stage --module "$link" --name ../x.zip "$tmp/pkg.zip"
expect_exit "--module: bad --timeout" 2 "$dfota" stage --module "$link" --timeout 0 "$tmp/pkg.zip"
expect_exit "--module: no such port" 4 "$dfota" stage --module "serial:$tmp/no-tty" "$tmp/pkg.zip"
timeout 30 /usr/sbin/chat -t 15 -V '' 'AT+QFOTADL="/data/ufs/update.zip"' OK '\c' '"END",0' \
  < "$tmp/tty" > "$tmp/tty" 2> "$tmp/chat.log"
if [ $? -eq 0 ]; then ok "AT+QFOTADL upgrades from the staged package (END,0)"; else bad "no END,0:"; cat -A "$tmp/chat.log"; fi

kill "$em_pid"; wait "$em_pid" 2> /dev/null; em_pid=
kill "$ftpd_pid"; wait "$ftpd_pid" 2> /dev/null; ftpd_pid=
if bash "$root/fixtures/servers.sh" stop "$srv" > /dev/null 2>&1; then ok "fixture servers stopped"; else bad "fixture servers did not stop"; fi
finish
