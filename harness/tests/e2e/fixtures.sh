#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The emulator's fixture servers (fixtures/): the packages are deterministic
# and well formed; servers.sh starts a real FTP server (pyftpdlib) and a
# real HTTP server (lighttpd) on 127.0.0.1 only; every package downloads
# byte for byte over both; every URL the scenarios send reaches a file
# (through curl's --connect-to, as the emulator may map their literal ports);
# the fault URLs fail the way they promise; stop leaves no process and no
# open port, also after a failed start.
# usage: fixtures.sh DFOTA_BINARY REPO_ROOT
set -u
# shellcheck source=lib/assert.bash
source "$(dirname "$0")/lib/assert.bash"
e2e_begin "$@"
fx="$root/fixtures"
srv="$tmp/srv"
bg_pids=()
e2e_cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill "$p" 2> /dev/null; done
  bash "$fx/servers.sh" stop "$srv" > /dev/null 2>&1
  bash "$fx/servers.sh" stop "$tmp/failed" > /dev/null 2>&1
}

# --- a package checker (the format of harness/include/dfota/emulator.h)
cat > "$tmp/pkgcheck.py" <<'EOF'
import re, sys, zlib
# usage: pkgcheck.py FILE...: one line per file:
#   FILE valid FROM TO SIZE | FILE crc-mismatch ... | FILE size-mismatch ... | FILE bad-header
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    m = re.match(rb"DFOTA-PKG 1\nfrom: (\S+)\nto: (\S+)\nsize: (\d+)\ncrc32: ([0-9a-f]{8})\n\n", data)
    if not m:
        print(path, "bad-header"); continue
    src, dst, size, crc = m.group(1).decode(), m.group(2).decode(), int(m.group(3)), m.group(4).decode()
    body = data[m.end():]
    if len(body) != size:
        verdict = "size-mismatch"
    elif "%08x" % (zlib.crc32(body) & 0xFFFFFFFF) != crc:
        verdict = "crc-mismatch"
    else:
        verdict = "valid"
    print(path, verdict, src, dst, len(data))
EOF
pkgcheck() { python3 "$tmp/pkgcheck.py" "$@"; }

# expect_pkg NAME FILE VERDICT [FROM TO]: FILE checks as VERDICT.
expect_pkg() {
  local name=$1 file=$2 want=$3 from=${4:-} to=${5:-} f
  read -r -a f <<< "$(pkgcheck "$file")"
  if [ "${f[1]:-}" != "$want" ]; then bad "$name: ${f[1]:-?}, want $want"; return; fi
  if [ -n "$from" ] && [ "${f[2]} ${f[3]}" != "$from $to" ]; then bad "$name: ${f[2]} -> ${f[3]}, want $from -> $to"; return; fi
  ok "$name: $want${from:+ $from -> $to}"
}

# leftovers DIR: prints the processes whose command line or working folder
# names DIR.
leftovers() {
  local p cmd cwd
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    cmd=$(tr '\0' ' ' < "$p/cmdline" 2> /dev/null) || continue
    cwd=$(readlink "$p/cwd" 2> /dev/null) || cwd=
    [ -n "$cmd" ] || continue   # a zombie or a kernel thread
    case "$cmd $cwd/" in *"$1/"*) echo "${p#/proc/} $cmd (cwd $cwd)" ;; esac
  done
}

port_open() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

# --- 1. the packages: deterministic, well formed, the sizes the scenarios need
if python3 "$fx/make-packages.py" "$tmp/p1" --ufs "$tmp/p1u" && python3 "$fx/make-packages.py" "$tmp/p2" --ufs "$tmp/p2u"; then
  ok "make-packages.py runs"
else
  bad "make-packages.py failed"
fi
if diff -r "$tmp/p1" "$tmp/p2" > /dev/null && diff -r "$tmp/p1u" "$tmp/p2u" > /dev/null; then
  ok "make-packages.py: the same bytes twice"
else
  bad "make-packages.py: two runs differ"
fi
V11=EG95EFAR02A06M4G V12=EG95EFAR02A07M4G V13=EG95EFAR02A08M4G
expect_pkg "update-v12-to-v13.zip" "$tmp/p1/update-v12-to-v13.zip" valid $V12 $V13
expect_pkg "update-v13-to-v12.zip" "$tmp/p1/update-v13-to-v12.zip" valid $V13 $V12
expect_pkg "update-v11-to-v12.zip (another source: 510)" "$tmp/p1/update-v11-to-v12.zip" valid $V11 $V12
expect_pkg "update-v12-to-v13-corrupt.zip (505)" "$tmp/p1/update-v12-to-v13-corrupt.zip" crc-mismatch
expect_pkg "update-v12-to-v13-badsize.zip (505)" "$tmp/p1/update-v12-to-v13-badsize.zip" size-mismatch
expect_pkg "update-v12-to-v13-big.zip (511)" "$tmp/p1/update-v12-to-v13-big.zip" valid $V12 $V13
size=$(stat -c %s "$tmp/p1/update-v12-to-v13.zip")
big=$(stat -c %s "$tmp/p1/update-v12-to-v13-big.zip")
if [ "$size" -gt 65536 ] && [ "$size" -lt 1048576 ]; then ok "update-v12-to-v13.zip: $size bytes, over 64 KiB and under 1 MiB"; else bad "update-v12-to-v13.zip: $size bytes"; fi
if [ "$big" -gt 2097152 ]; then ok "big package: $big bytes, over 2 MiB"; else bad "big package: $big bytes"; fi
n_ufs=$(find "$tmp/p1u" -type f | wc -l)
if [ "$n_ufs" -eq 2 ]; then ok "--ufs: 2 local packages"; else bad "--ufs: $n_ufs local packages, want 2"; fi

# --- 2. start
if bash "$fx/servers.sh" start "$srv" > "$tmp/out" 2>&1; then
  ok "servers.sh start"
else
  bad "servers.sh start failed:"; cat "$tmp/out"
  finish; exit
fi
# shellcheck disable=SC1091
if [ -f "$srv/servers.env" ] && sh -n "$srv/servers.env" && . "$srv/servers.env"; then
  ok "servers.env sources"
else
  bad "servers.env does not source"; finish; exit
fi
for v in FTP_PORT HTTP_PORT FTP_USER FTP_PASS FTP_URL BACK_URL HTTP_URL FTP_SERVER FTP_FILE \
         FTP_MISSING_URL HTTP_MISSING_URL FTP_BADAUTH_URL FTP_STALL_URL HTTP_STALL_URL \
         FTP_CUT_URL HTTP_CUT_URL FTP_REFUSED_URL HTTP_REFUSED_URL FTP_CONNECT_TO HTTP_CONNECT_TO UFS_DIR; do
  [ -n "${!v:-}" ] || missing="${missing:-} $v"
done
if [ -z "${missing:-}" ]; then ok "servers.env names the ports, credentials and URLs"; else bad "servers.env lacks:$missing"; fi

# Every listening socket of the servers is on 127.0.0.1 (0100007F), none
# on another address or on IPv6.
listen_ports=$(awk '{print $2}' "$srv/ports")
for p in $listen_ports; do
  hex=$(printf '%04X' "$p")
  addrs=$(awk -v h=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == h {print $2}' /proc/net/tcp /proc/net/tcp6 | sort -u)
  if [ "$addrs" = "0100007F:$hex" ]; then ok "port $p listens on 127.0.0.1 only"; else bad "port $p listens on: ${addrs:-nothing}"; fi
done

# A second start on a running folder is refused and harms nothing.
if bash "$fx/servers.sh" start "$srv" > "$tmp/out" 2>&1; then
  bad "a second start on a running folder succeeded"
elif grep -q "stop it first" "$tmp/out" && curl -s --max-time 2 -o /dev/null "$HTTP_URL"; then
  ok "a second start is refused; the servers stay up"
else
  bad "second start:"; cat "$tmp/out"
fi

# --- 3. every package over FTP and HTTP, byte for byte
cd "$srv/www" || exit 1
n=0
while IFS= read -r rel; do
  rel=${rel#./}
  n=$((n + 1))
  want=$(pkgcheck "$rel" | cut -d' ' -f2-)
  for proto in ftp http; do
    if [ $proto = ftp ]; then
      url="ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$FTP_PORT/$rel"
    else
      url="http://127.0.0.1:$HTTP_PORT/$rel"
    fi
    rm -f "$tmp/dl"
    if ! curl -sS -f --max-time 10 -o "$tmp/dl" "$url" 2> "$tmp/err"; then
      bad "$proto $rel: $(cat "$tmp/err")"; continue
    fi
    got=$(pkgcheck "$tmp/dl" | cut -d' ' -f2-)
    if cmp -s "$tmp/dl" "$rel" && [ "$got" = "$want" ]; then :; else bad "$proto $rel: bytes or check differ ($got / $want)"; continue; fi
    ok "$proto $rel (${want%% *})"
  done
done < <(find . -path ./stall -prune -o -path ./cut -prune -o -type f -print | sort)
cd "$tmp" || exit 1
if [ "$n" -ge 8 ]; then ok "$n packages served"; else bad "only $n packages served"; fi

# The scenarios' long credentials, each alone and both together.
for cred in "$FTP_LONG_USER:$FTP_PASS" "$FTP_USER:$FTP_LONG_PASS" "$FTP_LONG_USER:$FTP_LONG_PASS"; do
  if curl -sS --max-time 5 "ftp://$cred@127.0.0.1:$FTP_PORT/$FTP_FILE" 2> "$tmp/err" | cmp -s - "$srv/www/$FTP_FILE"; then
    ok "ftp login ${#cred}-byte user:password"
  else
    bad "ftp login $cred: $(cat "$tmp/err")"
  fi
done

# --- 4. the URLs the scenarios send, as written (their defaults expanded,
# their package variables from the fixtures' package map, packages.yaml):
# a download the scenario expects to succeed (FTPEND/HTTPEND 0, or 511 from
# the module) gets a valid package that fits the scenario; one it expects to
# fail (601/701) gets no file. Local names exist under UFS_DIR.
python3 - "$root/scenarios" "$root/fixtures/packages.yaml" > "$tmp/urls" <<'EOF'
import glob, os, re, sys
pkgs = {}
for entry in open(sys.argv[2]).read().split("\n  - ")[1:]:
    f = dict(re.findall(r'^\s*(from|to|ftp|http|file): "?([^"\s]+)"?', "  " + entry, re.M))
    pkgs[(f["from"], f["to"])] = f
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    text = open(path).read()
    name = os.path.basename(path)[:-5]
    defaults = dict(re.findall(r'^  ([A-Z_][A-Z0-9_]*): "([^"]*)"$', text, re.M))
    for var, form, a, b in re.findall(r'^  ([A-Z_][A-Z0-9_]*): \{(ftp|http|file): \[(\S+), (\S+)\]\}$', text, re.M):
        v = pkgs[(a, b)][form]
        defaults[var] = "/data/ufs/" + v if form == "file" else v
    em = dict(re.findall(r'^  (firmware|target|free_space): (\S+)$', text, re.M))
    dl_codes = re.findall(r'expect_urc: (?:FTP|HTTP)END\n\s+code: (\d+)', text)
    end_codes = re.findall(r'expect_urc: END\n\s+code: "?([0-9-]+)"?', text)
    sends = re.findall(r"send: 'AT\+QFOTADL=\"([^\"]+)\"'", text)
    oks = re.findall(r"send: 'AT\+QFOTADL=[^\n]*\n\s+- expect: (\w+)", text)
    for i, (url, answer) in enumerate(zip(sends, oks)):
        if answer != "OK":
            continue
        url = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], url)
        # what the scenario makes of this download: missing (601/701),
        # nospace (511 at download end), mismatch (END,510) or upgrade
        dl = dl_codes[i] if i < len(dl_codes) else "local"
        if dl in ("601", "701"):
            code = "missing"
        elif dl == "511":
            code = "nospace"
        elif "510" in end_codes:
            code = "mismatch"
        else:
            code = "upgrade"
        # what the package must be: the first send upgrades from the
        # scenario's firmware, a second one goes back from its target
        src = em.get("firmware", "-") if i == 0 else em.get("target", "-")
        print(name, url, code, src, em.get("free_space", "-"))
EOF
n=0
while read -r name url code src free; do
  n=$((n + 1))
  rm -f "$tmp/dl"
  case $url in
    /data/ufs/*)
      cp "$UFS_DIR/${url#/data/ufs/}" "$tmp/dl" 2> /dev/null; rc=$? ;;
    ftp://*)
      curl -sS --max-time 10 --connect-to "$FTP_CONNECT_TO" --connect-to "$FTP_DEFAULT_CONNECT_TO" -o "$tmp/dl" "$url" 2> "$tmp/err"; rc=$? ;;
    http://*)
      curl -sS -f --max-time 10 --connect-to "$HTTP_CONNECT_TO" --connect-to "$HTTP_DEFAULT_CONNECT_TO" -o "$tmp/dl" "$url" 2> "$tmp/err"; rc=$? ;;
  esac
  case $code in
    missing)
      # curl 78: FTP 550, the file does not exist; 22: HTTP 404 (with -f)
      if [ "$rc" -eq 78 ] || [ "$rc" -eq 22 ]; then ok "$name: ${url##*/} is missing (curl $rc)"; else bad "$name: ${url##*/}: curl $rc, want a missing file (78 or 22)"; fi
      continue ;;
  esac
  if [ "$rc" -ne 0 ]; then bad "$name: $url: $rc $(cat "$tmp/err" 2> /dev/null)"; continue; fi
  read -r _ verdict from _ bytes <<< "$(pkgcheck "$tmp/dl")"
  case $code in
    mismatch) [ "$verdict" = valid ] && [ "$from" != "$src" ] && r=ok || r=bad
         $r "$name: ${url##*/}: a valid package for $from, not the module's $src (510)" ;;
    nospace) limit=$(python3 -c 'import sys; s=sys.argv[1]; u={"KiB":1024,"MiB":1048576}; print(int(s[:-3])*u[s[-3:]] if s[-3:] in u else int(s))' "$free")
         [ "$verdict" = valid ] && [ "$bytes" -gt "$limit" ] && r=ok || r=bad
         $r "$name: ${url##*/}: $bytes bytes, over the free space $free (511)" ;;
    *)   [ "$verdict" = valid ] && [ "$from" = "$src" ] && r=ok || r=bad
         $r "$name: ${url:0:60}...: a valid package from $src ($verdict, from $from)" ;;
  esac
done < "$tmp/urls"
if [ "$n" -ge 20 ]; then ok "$n scenario URLs checked"; else bad "only $n scenario URLs found in scenarios/"; fi

# --- 5. the faults
# fault NAME WANT_RC GREP URL [CURL OPTIONS...]: curl exits WANT_RC and its
# verbose output has GREP (an ERE).
fault() {
  local name=$1 want=$2 pattern=$3 url=$4; shift 4
  rm -f "$tmp/dl"
  curl -v --max-time 3 -o "$tmp/dl" "$@" "$url" > /dev/null 2> "$tmp/err"
  local rc=$?
  if [ "$rc" -eq "$want" ] && grep -Eq -- "$pattern" "$tmp/err"; then
    ok "$name (curl $rc)"
  else
    bad "$name: curl $rc, want $want and /$pattern/:"; grep -E '^(<|curl)' "$tmp/err" | tail -5
  fi
}
fault "ftp missing file: 550" 78 '^< 550' "$FTP_MISSING_URL"
fault "http missing file: 404" 22 '^< HTTP/1\.[01] 404' "$HTTP_MISSING_URL" -f
fault "ftp wrong credentials: 530" 67 '^< 530' "$FTP_BADAUTH_URL"
fault "ftp stall: times out" 28 'Operation timed out' "$FTP_STALL_URL"
ftp_stall_bytes=$(stat -c %s "$tmp/dl" 2> /dev/null || echo 0)
fault "http stall: times out after the headers" 28 '^< HTTP/1\.1 200' "$HTTP_STALL_URL"
http_stall_bytes=$(stat -c %s "$tmp/dl" 2> /dev/null || echo 0)
if [ "$ftp_stall_bytes" -eq 0 ] && [ "$http_stall_bytes" -eq 0 ]; then ok "the stalls send no byte of the body"; else bad "stall bodies: ftp $ftp_stall_bytes, http $http_stall_bytes bytes"; fi
for proto in FTP HTTP; do
  var=${proto}_CUT_URL
  fault "${proto,,} cut short: partial transfer" 18 'transfer closed with [0-9]+ bytes remaining' "${!var}"
  got=$(stat -c %s "$tmp/dl" 2> /dev/null || echo 0)
  if [ "$got" -gt 0 ] && [ "$got" -lt "$size" ] && cmp -s -n "$got" "$tmp/dl" "$srv/www/$FTP_FILE"; then
    ok "${proto,,} cut short after $got of $size bytes, a true prefix"
  else
    bad "${proto,,} cut short: $got bytes"
  fi
done
# curl stops at the short data connection; Python's ftplib reads the reply.
if python3 - "$FTP_PORT" "$FTP_USER" "$FTP_PASS" "cut/$FTP_FILE" > "$tmp/out" 2>&1 <<'EOF'
import ftplib, sys
port, user, password, path = sys.argv[1:]
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", int(port), timeout=5)
ftp.login(user, password)
got = []
try:
    ftp.retrbinary("RETR " + path, got.append)
except ftplib.error_temp as err:
    print("reply", err, "after", sum(map(len, got)), "bytes")
    sys.exit(0 if str(err).startswith("426") else 1)
print("no error after", sum(map(len, got)), "bytes")
sys.exit(1)
EOF
then
  ok "ftp cut short: the server answers $(cut -c7- "$tmp/out")"
else
  bad "ftp cut short: no 426:"; cat "$tmp/out"
fi
fault "ftp nothing listening: refused" 7 'Failed to connect' "$FTP_REFUSED_URL"
fault "http nothing listening: refused" 7 'Failed to connect' "$HTTP_REFUSED_URL"

# --- 6. stop, with stalled transfers open (socat's forked children too)
curl -s --max-time 30 -o /dev/null "$HTTP_STALL_URL" & bg_pids+=($!)
curl -s --max-time 30 -o /dev/null "$FTP_STALL_URL" & bg_pids+=($!)
sleep 0.5
if bash "$fx/servers.sh" stop "$srv" > "$tmp/out" 2>&1; then ok "servers.sh stop"; else bad "servers.sh stop:"; cat "$tmp/out"; fi
left=$(leftovers "$srv")
if [ -z "$left" ]; then ok "no process left"; else bad "processes left:"; echo "$left"; fi
open=
for p in $listen_ports; do port_open "$p" && open="$open $p"; done
if [ -z "$open" ]; then ok "every port closed"; else bad "ports still open:$open"; fi
if ls "$srv"/*.pid > /dev/null 2>&1; then bad "pid files left"; else ok "no pid file left"; fi
t0=$SECONDS
for p in "${bg_pids[@]}"; do wait "$p" 2> /dev/null; done
bg_pids=()
if [ $((SECONDS - t0)) -lt 10 ]; then ok "the stalled clients saw the servers go"; else bad "stalled clients hung on after stop"; fi
expect_exit "stop again: nothing to do" 0 bash "$fx/servers.sh" stop "$srv"
expect_exit "stop on a folder that does not exist" 0 bash "$fx/servers.sh" stop "$tmp/never"

# --- 7. a start that fails half-way (lighttpd cannot start) stops what it started
expect_exit "start with a broken HTTP server fails" 1 env LIGHTTPD=false bash "$fx/servers.sh" start "$tmp/failed"
if grep -q "stopping what was started" "$tmp/err"; then ok "the failed start says it stops"; else bad "failed start:"; cat "$tmp/err"; fi
left=$(leftovers "$tmp/failed")
if [ -z "$left" ]; then ok "no process left after the failed start"; else bad "processes left after the failed start:"; echo "$left"; fi
expect_exit "stop after a failed start" 0 bash "$fx/servers.sh" stop "$tmp/failed"
left=$(leftovers "$tmp/failed")
if [ -z "$left" ]; then ok "no process left after stop"; else bad "processes left:"; echo "$left"; fi
expect_exit "usage error" 2 bash "$fx/servers.sh" restart "$srv"

finish
